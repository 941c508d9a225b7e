package xmlutil

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"hakoniwa/internal/model"
	"hakoniwa/internal/protocol/rest"
)

// ErrSyntax marks a body that is not well-formed XML (or too deep or too
// large to be a real request); codecs answer MalformedXML or their
// equivalent.
var ErrSyntax = errors.New("malformed XML")

// MaxDepth bounds element nesting: no AWS document comes close, and the
// bound keeps hostile input from exhausting the stack.
const MaxDepth = 128

// Node is one element of a parsed document.
type Node struct {
	Name     xml.Name
	Attr     []xml.Attr
	Children []*Node
	// Text is the element's character data, untrimmed: whitespace inside a
	// string value is data.
	Text string
}

// Parse reads one XML document of at most limit bytes. An empty body gives
// (nil, nil).
func Parse(r io.Reader, limit int64) (*Node, error) {
	lr := &io.LimitedReader{R: r, N: limit + 1}
	dec := xml.NewDecoder(lr)
	dec.Strict = true
	var stack []*Node
	var root *Node
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if lr.N <= 0 {
			return nil, fmt.Errorf("%w: document larger than %d bytes", ErrSyntax, limit)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrSyntax, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if root != nil && len(stack) == 0 {
				return nil, fmt.Errorf("%w: more than one root element", ErrSyntax)
			}
			if len(stack) >= MaxDepth {
				return nil, fmt.Errorf("%w: nested deeper than %d", ErrSyntax, MaxDepth)
			}
			n := &Node{Name: t.Name, Attr: t.Copy().Attr}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.Children = append(p.Children, n)
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].Text += string(t)
			} else if strings.TrimSpace(string(t)) != "" {
				return nil, fmt.Errorf("%w: text outside the root element", ErrSyntax)
			}
		}
	}
	if lr.N <= 0 {
		return nil, fmt.Errorf("%w: document larger than %d bytes", ErrSyntax, limit)
	}
	if len(stack) != 0 {
		return nil, fmt.Errorf("%w: unexpected end of document", ErrSyntax)
	}
	return root, nil
}

// Decoder reads value trees out of parsed documents.
type Decoder struct {
	// TimeFormat is the body's default timestamp format.
	TimeFormat string
	// SkipBound ignores members bound outside the body (rest-xml).
	SkipBound bool
}

// FieldError reports which member failed to decode; it wraps rest.ErrType.
type FieldError struct {
	Member, Value string
	Err           error
}

func (e *FieldError) Error() string { return e.Member + ": " + e.Err.Error() }
func (e *FieldError) Unwrap() error { return e.Err }

// Struct decodes the members of s found in n.
func (d Decoder) Struct(n *Node, s *model.Shape) (map[string]any, error) {
	out := map[string]any{}
	if n == nil || s == nil {
		return out, nil
	}
	byName := map[string][]*Node{}
	for _, c := range n.Children {
		byName[c.Name.Local] = append(byName[c.Name.Local], c)
	}
	for _, m := range s.MemberNames {
		ref := s.Members[m]
		if d.SkipBound && rest.IsBound(ref) {
			continue
		}
		name := ElementName(ref, m)
		if ref.XMLAttribute {
			if v, ok := attr(n, name); ok {
				val, err := d.scalar(ref, v)
				if err != nil {
					return nil, &FieldError{Member: m, Value: v, Err: err}
				}
				out[m] = val
			}
			continue
		}
		if ref.Shape.Type == "list" && ref.IsFlattened() {
			itemName := name
			if ref.Shape.Member.LocationName != "" {
				itemName = ref.Shape.Member.LocationName
			}
			if nodes := byName[itemName]; len(nodes) > 0 {
				list := make([]any, 0, len(nodes))
				for _, c := range nodes {
					v, err := d.value(c, ref.Shape.Member)
					if err != nil {
						return nil, wrapField(m, err)
					}
					list = append(list, v)
				}
				out[m] = list
			}
			continue
		}
		if ref.Shape.Type == "map" && ref.IsFlattened() {
			if nodes := byName[name]; len(nodes) > 0 {
				mv := map[string]any{}
				for _, c := range nodes {
					if err := d.entry(c, ref.Shape, mv); err != nil {
						return nil, wrapField(m, err)
					}
				}
				out[m] = mv
			}
			continue
		}
		nodes := byName[name]
		if len(nodes) == 0 {
			continue
		}
		v, err := d.value(nodes[0], ref)
		if err != nil {
			return nil, wrapField(m, err)
		}
		out[m] = v
	}
	return out, nil
}

func wrapField(m string, err error) error {
	var fe *FieldError
	if errors.As(err, &fe) {
		return &FieldError{Member: m + "." + fe.Member, Value: fe.Value, Err: fe.Err}
	}
	return &FieldError{Member: m, Err: err}
}

// Value decodes one element as ref's shape.
func (d Decoder) Value(n *Node, ref *model.Ref) (any, error) { return d.value(n, ref) }

func (d Decoder) value(n *Node, ref *model.Ref) (any, error) {
	s := ref.Shape
	switch s.Type {
	case "structure":
		return d.Struct(n, s)
	case "list":
		// Non-flattened: every child is an item whatever its name, as
		// every SDK parser reads it.
		list := make([]any, 0, len(n.Children))
		for _, c := range n.Children {
			v, err := d.value(c, s.Member)
			if err != nil {
				return nil, err
			}
			list = append(list, v)
		}
		return list, nil
	case "map":
		mv := map[string]any{}
		for _, c := range n.Children {
			if err := d.entry(c, s, mv); err != nil {
				return nil, err
			}
		}
		return mv, nil
	}
	v, err := d.scalar(ref, n.Text)
	if err != nil {
		return nil, &FieldError{Value: n.Text, Err: err}
	}
	return v, nil
}

// entry reads one <entry><key/><value/></entry> (or a flattened pair).
func (d Decoder) entry(n *Node, s *model.Shape, into map[string]any) error {
	keyName, valName := ElementName(s.Key, "key"), ElementName(s.Value, "value")
	var key *Node
	var val *Node
	for _, c := range n.Children {
		switch c.Name.Local {
		case keyName:
			key = c
		case valName:
			val = c
		}
	}
	if key == nil {
		return fmt.Errorf("%w: map entry without <%s>", rest.ErrType, keyName)
	}
	if val == nil {
		into[key.Text] = nil
		return nil
	}
	v, err := d.value(val, s.Value)
	if err != nil {
		return err
	}
	into[key.Text] = v
	return nil
}

func (d Decoder) scalar(ref *model.Ref, text string) (any, error) {
	tf := d.TimeFormat
	if tf == "" {
		tf = rest.ISO8601
	}
	switch ref.Shape.Type {
	case "string", "character":
		return text, nil
	}
	return rest.ParseScalar(ref, strings.TrimSpace(text), tf)
}

// attr finds an attribute by its wire name ("xsi:type" matches the local
// name "type" in any namespace, since the prefix is only a local alias).
func attr(n *Node, name string) (string, bool) {
	local := name
	if i := strings.IndexByte(name, ':'); i >= 0 {
		local = name[i+1:]
	}
	for _, a := range n.Attr {
		if a.Name.Local == local && a.Name.Space != "xmlns" {
			return a.Value, true
		}
	}
	return "", false
}
