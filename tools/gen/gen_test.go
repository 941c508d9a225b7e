package main

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"hakoniwa/internal/model"
)

// TestCheckedInFilesAreCurrent regenerates everything into a temporary
// tree and compares it with the repository: a model, generator or botocore
// change without `go generate` fails here.
func TestCheckedInFilesAreCurrent(t *testing.T) {
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	o := options{root: root, out: out, botocore: findBotocore()}
	if o.botocore != "" && !sameBotocore(t, root, o.botocore) {
		t.Logf("installed botocore differs from the one zz_catalog.go was built from; not checking the catalogue")
		o.botocore = ""
	}
	if err := run(o); err != nil {
		t.Fatal(err)
	}
	n := 0
	err = filepath.WalkDir(out, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(out, path)
		n++
		want, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		got, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			t.Errorf("%s: not checked in (run go generate ./internal/api)", rel)
			return nil
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: stale (run go generate ./internal/api)", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("generator wrote nothing")
	}
}

func sameBotocore(t *testing.T, root, botocore string) bool {
	init, err := os.ReadFile(filepath.Join(botocore, "__init__.py"))
	if err != nil {
		return false
	}
	cat, err := os.ReadFile(filepath.Join(root, "internal", "catalog", "zz_catalog.go"))
	if err != nil {
		t.Fatal(err)
	}
	have := versionRE.FindSubmatch(init)
	used := regexp.MustCompile(`BotocoreVersion = "([^"]+)"`).FindSubmatch(cat)
	return have != nil && used != nil && bytes.Equal(have[1], used[1])
}

func TestExported(t *testing.T) {
	tests := []struct{ in, want string }{
		{"VpcId", "VpcId"},
		{"logGroupName", "LogGroupName"},
		{"x-amz-meta", "XAmzMeta"},
		{"DBInstance", "DBInstance"},
		{"3d", "X3d"},
		{"_", "X"},
		{"ümlaut", "Mlaut"},
	}
	for _, tt := range tests {
		if got := exported(tt.in); got != tt.want {
			t.Errorf("exported(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestEnumIdent(t *testing.T) {
	tests := []struct{ in, want string }{
		{"t2.micro", "T2Micro"},
		{"aws:kms", "AwsKms"},
		{"RSASSA_PKCS1_V1_5_SHA_256", "RSASSAPKCS1V15SHA256"},
		{"*", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := enumIdent(tt.in); got != tt.want {
			t.Errorf("enumIdent(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestPackageName(t *testing.T) {
	for in, want := range map[string]string{"ec2": "ec2", "s3": "s3", "route53": "route53", "cognito-idp": "cognitoidp", "sts": "sts"} {
		if got := packageName(in); got != want {
			t.Errorf("packageName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNamer(t *testing.T) {
	n := newNamer("API")
	if got := n.claim("API", "shape:API"); got != "API2" {
		t.Errorf("reserved name: got %q", got)
	}
	if got := n.claim("Foo", "a"); got != "Foo" {
		t.Errorf("free name: got %q", got)
	}
	if got := n.claim("Foo", "a"); got != "Foo" {
		t.Errorf("same owner: got %q", got)
	}
	if got := n.claim("Foo", "b"); got != "Foo2" {
		t.Errorf("collision: got %q", got)
	}
	if len(n.numbered) != 2 {
		t.Errorf("numbered = %v, want two entries", n.numbered)
	}
}

func TestMinifyModel(t *testing.T) {
	in := `{
	  "version": "2.0",
	  "documentation": "<p>top</p>",
	  "metadata": {"protocol": "json", "apiVersion": "2020-01-01"},
	  "operations": {
	    "documentation": {"name": "documentation", "input": {"shape": "In"}, "documentation": "op doc", "documentationUrl": "https://example.com"}
	  },
	  "shapes": {
	    "In": {"type": "structure", "documentation": "d",
	      "members": {"Zeta": {"shape": "S", "documentation": "m"}, "documentation": {"shape": "S"}, "Alpha": {"shape": "S", "locationName": "a"}}},
	    "S": {"type": "string", "enum": ["b<c", "a"], "documentation": "s"}
	  }
	}`
	out, err := minifyModel([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"version":"2.0","metadata":{"protocol":"json","apiVersion":"2020-01-01"},` +
		`"operations":{"documentation":{"name":"documentation","input":{"shape":"In"}}},` +
		`"shapes":{"In":{"type":"structure","members":{"Zeta":{"shape":"S"},"documentation":{"shape":"S"},"Alpha":{"shape":"S","locationName":"a"}}},` +
		`"S":{"type":"string","enum":["b\u003cc","a"]}}}`
	if string(out) != want {
		t.Errorf("minified:\n got %s\nwant %s", out, want)
	}
	svc, err := model.Parse("x", out)
	if err != nil {
		t.Fatal(err)
	}
	if got := svc.Shapes["In"].MemberNames; len(got) != 3 || got[0] != "Zeta" || got[1] != "documentation" {
		t.Errorf("member order = %v", got)
	}
	for _, bad := range []string{`{"a":`, `{"a":1}}`, `[1,]`} {
		if _, err := minifyModel([]byte(bad)); err == nil {
			t.Errorf("minifyModel(%q) accepted malformed JSON", bad)
		}
	}
}

func TestCatalogMetadata(t *testing.T) {
	tests := []struct {
		name, in string
		want     catalogEntry
		bad      bool
	}{
		{
			name: "signing name falls back to endpoint prefix",
			in:   `{"version":"2.0","metadata":{"endpointPrefix":"monitoring","protocols":["query"],"apiVersion":"2010-08-01","xmlNamespace":{"uri":"http://example.com/"}},"shapes":{}}`,
			want: catalogEntry{ID: "x", EndpointPrefix: "monitoring", SigningName: "monitoring", Protocols: []string{"query"}, APIVersion: "2010-08-01", XMLNamespace: "http://example.com/"},
		},
		{
			name: "metadata after other keys, single protocol",
			in:   `{"shapes":{"A":{"type":"string"}},"metadata":{"endpointPrefix":"e","signingName":"s","protocol":"json","targetPrefix":"T","jsonVersion":"1.1","serviceId":"X"}}`,
			want: catalogEntry{ID: "x", ServiceID: "X", EndpointPrefix: "e", SigningName: "s", TargetPrefix: "T", JSONVersion: "1.1", Protocols: []string{"json"}},
		},
		{name: "no metadata", in: `{"shapes":{}}`, bad: true},
		{name: "not an object", in: `[]`, bad: true},
		{name: "truncated", in: `{"metadata":{"endpointPrefix":`, bad: true},
	}
	for _, tt := range tests {
		got, err := catalogMetadata(strings.NewReader(tt.in), "x", false)
		if (err != nil) != tt.bad {
			t.Errorf("%s: err = %v", tt.name, err)
			continue
		}
		if !tt.bad && !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tt.name, got, tt.want)
		}
	}
}
