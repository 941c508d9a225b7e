package protocoltest

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// Equal compares a decoded value tree with the expected one and describes
// the first difference. A streaming io.Reader in got is read and compared as
// bytes.
func Equal(want, got any) error { return equal(want, got, "$") }

func equal(want, got any, path string) error {
	if r, ok := got.(io.Reader); ok {
		b, err := io.ReadAll(r)
		if err != nil {
			return fmt.Errorf("%s: reading stream: %w", path, err)
		}
		got = b
	}
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: want object, got %T (%v)", path, got, got)
		}
		for k, wv := range w {
			gv, ok := g[k]
			if !ok {
				return fmt.Errorf("%s.%s: missing (want %v)", path, k, wv)
			}
			if err := equal(wv, gv, path+"."+k); err != nil {
				return err
			}
		}
		for k, gv := range g {
			if _, ok := w[k]; !ok {
				return fmt.Errorf("%s.%s: unexpected value %v", path, k, gv)
			}
		}
		return nil
	case []any:
		g, ok := got.([]any)
		if !ok {
			return fmt.Errorf("%s: want list, got %T (%v)", path, got, got)
		}
		if len(w) != len(g) {
			return fmt.Errorf("%s: want %d elements %v, got %d %v", path, len(w), w, len(g), g)
		}
		for i := range w {
			if err := equal(w[i], g[i], fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		return nil
	case []byte:
		g, ok := got.([]byte)
		if !ok || !bytes.Equal(w, g) {
			return fmt.Errorf("%s: want bytes %q, got %T %v", path, w, got, got)
		}
		return nil
	case time.Time:
		g, ok := got.(time.Time)
		if !ok || !w.Equal(g) {
			return fmt.Errorf("%s: want time %v, got %T %v", path, w, got, got)
		}
		return nil
	case float64:
		g, ok := got.(float64)
		if !ok || !(w == g || (math.IsNaN(w) && math.IsNaN(g))) {
			return fmt.Errorf("%s: want float64 %v, got %T %v", path, w, got, got)
		}
		return nil
	}
	if !reflect.DeepEqual(want, got) {
		return fmt.Errorf("%s: want %T %v, got %T %v", path, want, want, got, got)
	}
	return nil
}

// XMLOptions relax XMLEqual where clients are indifferent.
type XMLOptions struct {
	// IgnoreRootName skips the root element's name: SDKs never check it,
	// and the vectors disagree on it for the same operation.
	IgnoreRootName bool
	// Ignore drops elements with these local names anywhere (request ids,
	// which the vectors spell differently from what AWS sends).
	Ignore []string
	// Unordered compares repeated siblings as multisets (map entries).
	Unordered bool
	// IgnoreRootNamespace skips the root's default namespace declaration,
	// for vectors whose suite metadata gives the server no way to know it.
	IgnoreRootNamespace bool
}

// XMLEqual compares two XML documents as trees: element local names,
// attributes (by resolved namespace and name), trimmed text, and children.
// Siblings with different names may come in any order (structure members
// are unordered for every SDK parser); siblings with the same name keep
// their order (list items) unless opts.Unordered. Namespace declarations in
// want must be present in got; got may declare more.
func XMLEqual(want, got []byte, opts XMLOptions) error {
	w, err := ParseXML(want)
	if err != nil {
		return fmt.Errorf("want: %w", err)
	}
	g, err := ParseXML(got)
	if err != nil {
		return fmt.Errorf("got: %w\n%s", err, got)
	}
	if w == nil || g == nil {
		if w == nil && g == nil {
			return nil
		}
		return fmt.Errorf("one document is empty:\nwant %s\ngot  %s", want, got)
	}
	ignore := map[string]bool{}
	for _, n := range opts.Ignore {
		ignore[n] = true
	}
	if err := w.equal(g, "/", opts, ignore, true); err != nil {
		return fmt.Errorf("%w\nwant %s\ngot  %s", err, want, got)
	}
	return nil
}

// Node is a parsed XML element.
type Node struct {
	Name     xml.Name
	Attrs    map[string]string // "space local" → value, without xmlns
	NS       map[string]string // declared prefix ("" for default) → URI
	Text     string
	Children []*Node
}

// ParseXML parses a document into a tree; an empty document gives nil.
func ParseXML(b []byte) (*Node, error) {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, nil
	}
	dec := xml.NewDecoder(bytes.NewReader(b))
	var stack []*Node
	var root *Node
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := &Node{Name: t.Name, Attrs: map[string]string{}, NS: map[string]string{}}
			for _, a := range t.Attr {
				switch {
				case a.Name.Space == "xmlns":
					n.NS[a.Name.Local] = a.Value
				case a.Name.Space == "" && a.Name.Local == "xmlns":
					n.NS[""] = a.Value
				default:
					n.Attrs[a.Name.Space+" "+a.Name.Local] = a.Value
				}
			}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.Children = append(p.Children, n)
			} else if root == nil {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			n := stack[len(stack)-1]
			n.Text = strings.TrimSpace(n.Text)
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].Text += string(t)
			}
		}
	}
	if root == nil {
		return nil, fmt.Errorf("no root element")
	}
	return root, nil
}

func (w *Node) equal(g *Node, path string, opts XMLOptions, ignore map[string]bool, root bool) error {
	here := path + w.Name.Local
	if !(root && opts.IgnoreRootName) && w.Name.Local != g.Name.Local {
		return fmt.Errorf("%s: got element <%s>", here, g.Name.Local)
	}
	if !reflect.DeepEqual(w.Attrs, g.Attrs) {
		return fmt.Errorf("%s: attributes want %v got %v", here, w.Attrs, g.Attrs)
	}
	for p, uri := range w.NS {
		if root && p == "" && opts.IgnoreRootNamespace {
			continue
		}
		if g.NS[p] != uri {
			return fmt.Errorf("%s: missing xmlns:%s=%q", here, p, uri)
		}
	}
	wc, gc := w.kids(ignore), g.kids(ignore)
	if len(wc) == 0 && len(gc) == 0 {
		if w.Text != g.Text {
			return fmt.Errorf("%s: text want %q got %q", here, w.Text, g.Text)
		}
		return nil
	}
	wg, gg := group(wc), group(gc)
	names := make([]string, 0, len(wg))
	for n := range wg {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		ws, gs := wg[n], gg[n]
		if len(ws) != len(gs) {
			return fmt.Errorf("%s: want %d <%s>, got %d", here, len(ws), n, len(gs))
		}
		if opts.Unordered {
			if err := matchUnordered(ws, gs, here+"/", opts, ignore); err != nil {
				return err
			}
			continue
		}
		for i := range ws {
			if err := ws[i].equal(gs[i], here+"/", opts, ignore, false); err != nil {
				return err
			}
		}
	}
	for n := range gg {
		if _, ok := wg[n]; !ok {
			return fmt.Errorf("%s: unexpected <%s>", here, n)
		}
	}
	return nil
}

func matchUnordered(ws, gs []*Node, path string, opts XMLOptions, ignore map[string]bool) error {
	used := make([]bool, len(gs))
outer:
	for _, w := range ws {
		var last error
		for j, g := range gs {
			if used[j] {
				continue
			}
			if last = w.equal(g, path, opts, ignore, false); last == nil {
				used[j] = true
				continue outer
			}
		}
		return fmt.Errorf("%s%s: no match (%v)", path, w.Name.Local, last)
	}
	return nil
}

func (n *Node) kids(ignore map[string]bool) []*Node {
	var out []*Node
	for _, c := range n.Children {
		if !ignore[c.Name.Local] {
			out = append(out, c)
		}
	}
	return out
}

func group(ns []*Node) map[string][]*Node {
	m := map[string][]*Node{}
	for _, n := range ns {
		m[n.Name.Local] = append(m[n.Name.Local], n)
	}
	return m
}

// JSONEqual compares two JSON documents semantically (key order and number
// spelling do not matter). Empty documents equal each other and "{}".
func JSONEqual(want, got []byte) error {
	w, err := decodeJSON(want)
	if err != nil {
		return fmt.Errorf("want: %w", err)
	}
	g, err := decodeJSON(got)
	if err != nil {
		return fmt.Errorf("got: %w (%s)", err, got)
	}
	if err := equal(w, g, "$"); err != nil {
		return fmt.Errorf("%w\nwant %s\ngot  %s", err, want, got)
	}
	return nil
}

func decodeJSON(b []byte) (any, error) {
	if len(bytes.TrimSpace(b)) == 0 {
		return map[string]any{}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return numbers(v), nil
}

// numbers turns json.Number into float64 so 1, 1.0 and 1e0 compare equal.
func numbers(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = numbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = numbers(e)
		}
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			return x.String()
		}
		return f
	}
	return v
}

// Tally counts vector results and prints the summary line the project's
// reports quote: "vectors <name>: P/T passed".
type Tally struct {
	Name          string
	mu            sync.Mutex
	passed, total int
}

// Record counts one case; call it from the case's subtest with its outcome.
func (t *Tally) Record(ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.total++
	if ok {
		t.passed++
	}
}

// Report prints the summary.
func (t *Tally) Report(tb testing.TB) {
	t.mu.Lock()
	defer t.mu.Unlock()
	line := fmt.Sprintf("vectors %s: %d/%d passed", t.Name, t.passed, t.total)
	tb.Log(line)
	fmt.Println(line)
}
