package main

import (
	"bytes"
	"fmt"
	"go/format"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"hakoniwa/internal/model"
)

// modelPath finds the newest API version of a pinned model.
func modelPath(root, id string) (string, error) {
	dir := filepath.Join(root, "models", "botocore", id)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return "", fmt.Errorf("service %s: %w", id, err)
	}
	var versions []string
	for _, e := range ents {
		if e.IsDir() {
			versions = append(versions, e.Name())
		}
	}
	sort.Strings(versions)
	for i := len(versions) - 1; i >= 0; i-- {
		for _, name := range []string{"service-2.json.gz", "service-2.json"} {
			p := filepath.Join(dir, versions[i], name)
			if _, err := os.Stat(p); err == nil {
				return p, nil
			}
		}
	}
	return "", fmt.Errorf("service %s: no service-2.json under %s", id, dir)
}

// generateService returns the files of internal/api/<id>, by name.
func generateService(root, id string, logf func(string, ...any)) (map[string][]byte, error) {
	path, err := modelPath(root, id)
	if err != nil {
		return nil, err
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if raw, err = gunzip(raw); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	svc, err := model.Parse(id, raw)
	if err != nil {
		return nil, err
	}
	slim, err := minifyModel(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	// The embedded copy must describe exactly the same API.
	check, err := model.Parse(id, slim)
	if err != nil || len(check.Operations) != len(svc.Operations) || len(check.Shapes) != len(svc.Shapes) {
		return nil, fmt.Errorf("%s: minified model does not round-trip: %v", path, err)
	}
	gz, err := gzipBytes(slim)
	if err != nil {
		return nil, err
	}
	g := newServiceGen(svc)
	for _, n := range g.numbered {
		logf("%s: numbered %s", id, n)
	}
	types, err := g.typesFile()
	if err != nil {
		return nil, err
	}
	apiSrc, err := g.apiFile()
	if err != nil {
		return nil, err
	}
	testSrc, err := g.testFile()
	if err != nil {
		return nil, err
	}
	return map[string][]byte{
		"model.json.gz":  gz,
		"zz_types.go":    types,
		"zz_api.go":      apiSrc,
		"zz_api_test.go": testSrc,
	}, nil
}

// serviceGen holds the naming decisions for one service package.
type serviceGen struct {
	svc     *model.Service
	pkg     string
	structs []*model.Shape       // reachable structures, sorted by Go name
	enums   []*model.Shape       // reachable enums, sorted by shape name
	types   map[string]string    // shape name → Go type name
	fields  map[string][]goField // shape name → fields in model order
	consts  map[string][]goConst // enum shape name → constants
	opIO    map[string][2]opType // operation → input, output
	// uses says which operations take or return a shape ("input of X").
	uses map[string][]string
	// numbered lists identifiers that collided and were numbered:
	// candidates for renames.go.
	numbered []string
}

type goField struct {
	name, member, typ string
	required          bool
}

type goConst struct{ name, value string }

// opType is an operation's input or output type: an alias of a shape's
// type, the shape's type itself, or an empty struct when the model has
// none.
type opType struct {
	name   string
	target string // aliased Go type; "" when name is the type itself
	empty  bool
}

func newServiceGen(svc *model.Service) *serviceGen {
	g := &serviceGen{
		svc:    svc,
		pkg:    packageName(svc.ID),
		types:  map[string]string{},
		fields: map[string][]goField{},
		consts: map[string][]goConst{},
		opIO:   map[string][2]opType{},
		uses:   map[string][]string{},
	}
	g.collect()
	g.name()
	return g
}

// collect finds every structure and enum reachable from an operation.
func (g *serviceGen) collect() {
	seen := map[string]bool{}
	var walk func(s *model.Shape)
	walk = func(s *model.Shape) {
		if s == nil || seen[s.Name] {
			return
		}
		seen[s.Name] = true
		switch {
		case s.Type == "structure" && !s.Document:
			g.structs = append(g.structs, s)
			for _, m := range s.MemberNames {
				walk(s.Members[m].Shape)
			}
		case s.Type == "list":
			walk(s.Member.Shape)
		case s.Type == "map":
			walk(s.Key.Shape)
			walk(s.Value.Shape)
		case len(s.Enum) > 0:
			g.enums = append(g.enums, s)
		}
	}
	for _, name := range g.svc.OperationNames {
		op := g.svc.Operations[name]
		if op.Input != nil {
			walk(op.Input.Shape)
			g.uses[op.Input.ShapeName] = append(g.uses[op.Input.ShapeName], "input of "+name)
		}
		if op.Output != nil {
			walk(op.Output.Shape)
			g.uses[op.Output.ShapeName] = append(g.uses[op.Output.ShapeName], "output of "+name)
		}
		for _, e := range op.Errors {
			walk(e.Shape)
		}
	}
	sort.Slice(g.enums, func(i, j int) bool { return g.enums[i].Name < g.enums[j].Name })
}

func (g *serviceGen) name() {
	pkg := newNamer(reservedNames...)
	renames := typeRenames[g.svc.ID]
	// Operation types first: they are the names handler authors type.
	for _, name := range g.svc.OperationNames {
		op := g.svc.Operations[name]
		var io [2]opType
		for i, ref := range []*model.Ref{op.Input, op.Output} {
			suffix := [2]string{"Input", "Output"}[i]
			want := exported(name) + suffix
			if ref == nil {
				io[i] = opType{name: pkg.claim(want, "empty:"+want), empty: true}
				continue
			}
			io[i] = opType{name: pkg.claim(want, "shape:"+ref.ShapeName), target: ref.ShapeName}
		}
		g.opIO[name] = io
	}
	sort.Slice(g.structs, func(i, j int) bool { return g.structs[i].Name < g.structs[j].Name })
	for _, s := range g.structs {
		want := exported(s.Name)
		if r, ok := renames[s.Name]; ok {
			want = r
		}
		g.types[s.Name] = pkg.claim(want, "shape:"+s.Name)
	}
	// Resolve aliases now that shapes have their names.
	for op, io := range g.opIO {
		for i := range io {
			if !io[i].empty {
				io[i].target = g.types[io[i].target]
				if io[i].target == io[i].name {
					io[i].target = ""
				}
			}
		}
		g.opIO[op] = io
	}
	sort.SliceStable(g.structs, func(i, j int) bool {
		return g.types[g.structs[i].Name] < g.types[g.structs[j].Name]
	})
	for _, s := range g.enums {
		prefix := exported(s.Name)
		seen := map[string]bool{}
		for i, v := range s.Enum {
			if seen[v] {
				continue
			}
			seen[v] = true
			ident := enumIdent(v)
			if ident == "" {
				ident = fmt.Sprintf("Value%d", i)
			}
			name := pkg.claim(prefix+ident, "enum:"+s.Name+":"+v)
			g.consts[s.Name] = append(g.consts[s.Name], goConst{name: name, value: v})
		}
	}
	for _, s := range g.structs {
		fn := newNamer()
		renames := fieldRenames[g.svc.ID][s.Name]
		for _, m := range s.MemberNames {
			want := exported(m)
			if r, ok := renames[m]; ok {
				want = r
			}
			ref := s.Members[m]
			g.fields[s.Name] = append(g.fields[s.Name], goField{
				name:     fn.claim(want, s.Name+"."+m),
				member:   m,
				typ:      g.fieldType(ref),
				required: s.Required[m],
			})
		}
		g.numbered = append(g.numbered, fn.numbered...)
	}
	g.numbered = append(g.numbered, pkg.numbered...)
}

// enumIdent makes an identifier tail from an enum value: t2.micro →
// T2Micro, aws:kms → AwsKms.
func enumIdent(v string) string {
	var b strings.Builder
	for _, part := range strings.FieldsFunc(v, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}) {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}

// fieldType is a member's Go type: scalars by pointer so absence is
// visible, containers and documents as themselves.
func (g *serviceGen) fieldType(ref *model.Ref) string {
	s := ref.Shape
	switch {
	case s.Type == "blob" && ref.IsStreaming():
		return "io.Reader"
	case s.Type == "blob", s.Type == "list", s.Type == "map", s.Document:
		return g.elemType(ref)
	}
	return "*" + g.elemType(ref)
}

// elemType is the Go type of a value inside a list or map.
func (g *serviceGen) elemType(ref *model.Ref) string {
	s := ref.Shape
	if s.Document {
		return "any"
	}
	switch s.Type {
	case "structure":
		return g.types[s.Name]
	case "list":
		return "[]" + g.elemType(s.Member)
	case "map":
		return "map[string]" + g.elemType(s.Value)
	case "string", "bigdecimal", "biginteger":
		// Arbitrary-precision numbers travel as their decimal text.
		return "string"
	case "integer", "long":
		return "int64"
	case "float", "double":
		return "float64"
	case "boolean":
		return "bool"
	case "timestamp":
		return "time.Time"
	case "blob":
		return "[]byte"
	}
	return "any"
}

func gofmt(name string, b *bytes.Buffer) ([]byte, error) {
	out, err := format.Source(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return out, nil
}

func (g *serviceGen) typesFile() ([]byte, error) {
	var body bytes.Buffer
	usesTime, usesIO := false, false
	if len(g.enums) > 0 {
		body.WriteString("// Enum values, as untyped constants: members hold enums as strings.\nconst (\n")
		for i, s := range g.enums {
			if i > 0 {
				body.WriteByte('\n')
			}
			fmt.Fprintf(&body, "\t// %s\n", s.Name)
			for _, c := range g.consts[s.Name] {
				fmt.Fprintf(&body, "\t%s = %q\n", c.name, c.value)
			}
		}
		body.WriteString(")\n\n")
	}
	for _, s := range g.structs {
		goName := g.types[s.Name]
		fmt.Fprintf(&body, "// %s %s\n", goName, g.describe(s))
		fmt.Fprintf(&body, "type %s struct {\n", goName)
		for _, f := range g.fields[s.Name] {
			usesTime = usesTime || strings.Contains(f.typ, "time.Time")
			usesIO = usesIO || f.typ == "io.Reader"
			fmt.Fprintf(&body, "\t%s %s `hk:%q`", f.name, f.typ, f.member)
			if f.required {
				body.WriteString(" // required")
			}
			body.WriteByte('\n')
		}
		body.WriteString("}\n\n")
	}
	var b bytes.Buffer
	b.WriteString(header)
	fmt.Fprintf(&b, "package %s\n\n", g.pkg)
	if usesIO || usesTime {
		b.WriteString("import (\n")
		if usesIO {
			b.WriteString("\t\"io\"\n")
		}
		if usesTime {
			b.WriteString("\t\"time\"\n")
		}
		b.WriteString(")\n\n")
	}
	b.Write(body.Bytes())
	return gofmt("zz_types.go", &b)
}

// describe completes a type's doc comment with what the model says it is.
func (g *serviceGen) describe(s *model.Shape) string {
	switch {
	case s.Exception:
		status := 400
		if s.Error != nil && s.Error.HTTPStatusCode != 0 {
			status = s.Error.HTTPStatusCode
		}
		return fmt.Sprintf("is the error %s (HTTP %d).", s.ErrorCode(), status)
	case s.Union:
		return "is a union: exactly one member is set."
	case s.EventStream:
		return "is an event stream; each member is one kind of event."
	}
	if uses := g.uses[s.Name]; len(uses) > 0 {
		if len(uses) > 3 {
			uses = append(uses[:3:3], fmt.Sprintf("and %d more", len(uses)-3))
		}
		return "is the " + strings.Join(uses, ", ") + "."
	}
	if g.types[s.Name] != s.Name {
		return "is the model's structure " + s.Name + "."
	}
	return "is a structure of the model."
}

func (g *serviceGen) apiFile() ([]byte, error) {
	var b bytes.Buffer
	md := g.svc.Metadata
	b.WriteString(header)
	full := md.ServiceFullName
	if full == "" {
		full = md.ServiceID
	}
	fmt.Fprintf(&b, "// Package %s is the generated API of %s (API version %s):\n", g.pkg, full, md.APIVersion)
	b.WriteString("// its types, the API interface a service implements, and Bind, which turns an\n")
	b.WriteString("// implementation into the operation table the gateway dispatches to.\n")
	fmt.Fprintf(&b, "package %s\n\n", g.pkg)
	b.WriteString("import (\n\t\"context\"\n\t_ \"embed\"\n\t\"sync\"\n\n")
	b.WriteString("\t\"hakoniwa/internal/api\"\n\t\"hakoniwa/internal/awserr\"\n\t\"hakoniwa/internal/model\"\n)\n\n")
	fmt.Fprintf(&b, "// ServiceID is the service's model name.\nconst ServiceID = %q\n\n", g.svc.ID)
	b.WriteString("// modelJSON is the service model without its documentation.\n//\n//go:embed model.json.gz\nvar modelJSON []byte\n\n")
	b.WriteString("// loadModel parses the embedded model once, on first use: most processes\n// touch only a few services.\n")
	b.WriteString("var loadModel = sync.OnceValue(func() *model.Service {\n")
	b.WriteString("\tsvc, err := model.Parse(ServiceID, modelJSON)\n\tif err != nil {\n")
	b.WriteString("\t\t// The model is generated and tested with this package; failing\n\t\t// here means a corrupt build, not bad input.\n")
	b.WriteString("\t\tpanic(\"api/\" + ServiceID + \": embedded model: \" + err.Error())\n\t}\n\treturn svc\n})\n\n")
	b.WriteString("// Model returns the service model the codecs use.\nfunc Model() *model.Service { return loadModel() }\n\n")

	b.WriteString("// Operation inputs and outputs. Most are aliases of the model's shapes;\n// operations without one get an empty struct.\ntype (\n")
	for _, name := range g.svc.OperationNames {
		for i, t := range g.opIO[name] {
			switch {
			case t.empty:
				fmt.Fprintf(&b, "\t// %s is empty: %s has no %s in the model.\n\t%s struct{}\n", t.name, name, [2]string{"input", "output"}[i], t.name)
			case t.target != "":
				fmt.Fprintf(&b, "\t%s = %s\n", t.name, t.target)
			}
		}
	}
	b.WriteString(")\n\n")

	b.WriteString("// API is the service: one method per operation. Implementations embed\n// Unimplemented and override what they support.\ntype API interface {\n")
	for _, name := range g.svc.OperationNames {
		io := g.opIO[name]
		fmt.Fprintf(&b, "\t%s(ctx context.Context, in *%s) (*%s, error)\n", exported(name), io[0].name, io[1].name)
	}
	b.WriteString("}\n\n")

	b.WriteString("// Unimplemented answers every operation with NotImplemented.\ntype Unimplemented struct{}\n\nvar _ API = Unimplemented{}\n\n")
	for _, name := range g.svc.OperationNames {
		io := g.opIO[name]
		fmt.Fprintf(&b, "func (Unimplemented) %s(context.Context, *%s) (*%s, error) {\n\treturn nil, awserr.NotImplemented(ServiceID, %q)\n}\n\n",
			exported(name), io[0].name, io[1].name, name)
	}

	b.WriteString("// operations is the operation table, sorted by name. Its handlers capture\n")
	b.WriteString("// nothing, so the linker lays the table out and a start builds none of it.\n")
	b.WriteString("var operations = [...]api.Operation{\n")
	for _, name := range g.svc.OperationNames {
		in := g.opIO[name][0].name
		fmt.Fprintf(&b, "\t{Name: %q, NewInput: func() any { return new(%s) }, Handler: func(impl any, ctx context.Context, in any) (any, error) {\n", name, in)
		fmt.Fprintf(&b, "\t\tv, ok := in.(*%s)\n\t\tif !ok {\n\t\t\treturn nil, api.InputTypeError(ServiceID, %q, in)\n\t\t}\n", in, name)
		fmt.Fprintf(&b, "\t\treturn api.Result(impl.(API).%s(ctx, v))\n\t}},\n", exported(name))
	}
	b.WriteString("}\n\n")
	b.WriteString("// Bind returns impl bound to the operation table.\nfunc Bind(impl API) *api.Binding {\n")
	b.WriteString("\treturn &api.Binding{ID: ServiceID, Model: loadModel, Impl: impl, Operations: operations[:]}\n}\n")
	return gofmt("zz_api.go", &b)
}

// testFile checks the generated package against its own embedded model.
func (g *serviceGen) testFile() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(header)
	fmt.Fprintf(&b, "package %s\n\n", g.pkg)
	b.WriteString(`import (
	"context"
	"errors"
	"strings"
	"testing"

	"hakoniwa/internal/api"
	"hakoniwa/internal/awserr"
)

// TestUnimplemented checks that the binding has exactly the model's
// operations, that every input type converts, and that each answers
// NotImplemented naming itself.
func TestUnimplemented(t *testing.T) {
	b := Bind(Unimplemented{})
	m := Model()
	if b.ID != ServiceID || b.Model() != m {
		t.Fatalf("binding is for %q, want %q with its model", b.ID, ServiceID)
	}
	if len(b.Operations) != len(m.OperationNames) {
		t.Fatalf("binding has %d operations, model %d", len(b.Operations), len(m.OperationNames))
	}
	for _, name := range m.OperationNames {
		op, ok := b.Operation(name)
		if !ok || op.Name != name {
			t.Errorf("%s: missing from binding", name)
			continue
		}
		in := op.NewInput()
		if err := api.Decode(map[string]any{}, in); err != nil {
			t.Errorf("%s: decode into %T: %v", name, in, err)
		}
		out, err := b.Invoke(context.Background(), op, in)
		var ae *awserr.Error
		if out != nil || !errors.As(err, &ae) || ae.Code != "NotImplemented" ||
			!strings.Contains(ae.Message, ServiceID+":"+name+" ") {
			t.Errorf("%s: got (%v, %v), want NotImplemented naming %s:%s", name, out, err, ServiceID, name)
		}
		if _, err := b.Invoke(context.Background(), op, struct{}{}); err == nil {
			t.Errorf("%s: accepted an input of the wrong type", name)
		}
	}
}
`)
	return gofmt("zz_api_test.go", &b)
}
