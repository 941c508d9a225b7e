// Package xmlutil reads and writes the XML bodies of the XML-family
// protocols (query and ec2 responses, rest-xml requests and responses)
// following the model's XML traits: locationName, flattened, xmlAttribute,
// xmlNamespace. It knows no protocol envelope; the codecs add those.
package xmlutil

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"hakoniwa/internal/model"
	"hakoniwa/internal/protocol/rest"
)

// Encoder writes value trees as XML.
type Encoder struct {
	// TimeFormat is the body's default timestamp format (iso8601 for every
	// XML protocol); a member's timestampFormat wins.
	TimeFormat string
	// SkipBound leaves out members bound to headers, URI, query string or
	// status code (rest-xml).
	SkipBound bool
}

// ElementName is the XML name of a member: the reference's locationName,
// then the shape's (botocore merges shape traits into references), then the
// member name.
func ElementName(ref *model.Ref, member string) string {
	if ref.LocationName != "" {
		return ref.LocationName
	}
	if ref.Shape.LocationName != "" {
		return ref.Shape.LocationName
	}
	return member
}

// Root writes <name xmlns=...>members</name> for a structure.
func (e Encoder) Root(b *bytes.Buffer, name string, ns *model.XMLNamespace, s *model.Shape, v map[string]any) error {
	return e.structure(b, name, ns, s, v)
}

// Members writes the member elements of s without a wrapper.
func (e Encoder) Members(b *bytes.Buffer, s *model.Shape, v map[string]any) error {
	for _, m := range s.MemberNames {
		ref := s.Members[m]
		val, ok := v[m]
		if !ok || val == nil || ref.XMLAttribute || (e.SkipBound && rest.IsBound(ref)) {
			continue
		}
		if err := e.Element(b, ElementName(ref, m), ref, val); err != nil {
			return fmt.Errorf("%s: %w", m, err)
		}
	}
	return nil
}

// Element writes one member. A flattened list or map writes one element per
// item, named after the member (or the list member's locationName).
func (e Encoder) Element(b *bytes.Buffer, name string, ref *model.Ref, v any) error {
	s := ref.Shape
	switch s.Type {
	case "structure":
		m, ok := v.(map[string]any)
		if !ok {
			return typeErr(s, v)
		}
		return e.structure(b, name, ref.Namespace(), s, m)
	case "list":
		items, ok := v.([]any)
		if !ok {
			return typeErr(s, v)
		}
		if ref.IsFlattened() {
			itemName := name
			if s.Member.LocationName != "" {
				itemName = s.Member.LocationName
			}
			for _, it := range items {
				if err := e.Element(b, itemName, s.Member, it); err != nil {
					return err
				}
			}
			return nil
		}
		startTag(b, name, ref.Namespace(), nil)
		itemName := ElementName(s.Member, "member")
		for _, it := range items {
			if it == nil {
				continue
			}
			if err := e.Element(b, itemName, s.Member, it); err != nil {
				return err
			}
		}
		endTag(b, name)
		return nil
	case "map":
		m, ok := v.(map[string]any)
		if !ok {
			return typeErr(s, v)
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		// Sorted so that responses are byte-for-byte reproducible.
		sort.Strings(keys)
		keyName, valName := ElementName(s.Key, "key"), ElementName(s.Value, "value")
		entry := func(k string) error {
			if err := e.Element(b, keyName, s.Key, k); err != nil {
				return err
			}
			if m[k] == nil {
				return nil
			}
			return e.Element(b, valName, s.Value, m[k])
		}
		if ref.IsFlattened() {
			for _, k := range keys {
				startTag(b, name, ref.Namespace(), nil)
				if err := entry(k); err != nil {
					return err
				}
				endTag(b, name)
			}
			return nil
		}
		startTag(b, name, ref.Namespace(), nil)
		for _, k := range keys {
			b.WriteString("<entry>")
			if err := entry(k); err != nil {
				return err
			}
			b.WriteString("</entry>")
		}
		endTag(b, name)
		return nil
	}
	text, err := e.scalar(ref, v)
	if err != nil {
		return err
	}
	startTag(b, name, ref.Namespace(), nil)
	escape(b, text)
	endTag(b, name)
	return nil
}

func (e Encoder) structure(b *bytes.Buffer, name string, ns *model.XMLNamespace, s *model.Shape, v map[string]any) error {
	var attrs []xml.Attr
	for _, m := range s.MemberNames {
		ref := s.Members[m]
		if !ref.XMLAttribute {
			continue
		}
		val, ok := v[m]
		if !ok || val == nil {
			continue
		}
		text, err := e.scalar(ref, val)
		if err != nil {
			return fmt.Errorf("%s: %w", m, err)
		}
		attrs = append(attrs, xml.Attr{Name: xml.Name{Local: ElementName(ref, m)}, Value: text})
	}
	startTag(b, name, ns, attrs)
	if err := e.Members(b, s, v); err != nil {
		return err
	}
	endTag(b, name)
	return nil
}

func (e Encoder) scalar(ref *model.Ref, v any) (string, error) {
	tf := e.TimeFormat
	if tf == "" {
		tf = rest.ISO8601
	}
	if t, ok := v.(time.Time); ok {
		return rest.FormatTime(t, ref.TimeFormat(tf)), nil
	}
	return rest.FormatScalar(ref, v, tf)
}

func typeErr(s *model.Shape, v any) error {
	return fmt.Errorf("%w: %s wants a %s, have %T", rest.ErrType, s.Name, s.Type, v)
}

func startTag(b *bytes.Buffer, name string, ns *model.XMLNamespace, attrs []xml.Attr) {
	b.WriteByte('<')
	b.WriteString(name)
	if ns != nil && ns.URI != "" {
		if ns.Prefix != "" {
			b.WriteString(" xmlns:")
			b.WriteString(ns.Prefix)
		} else {
			b.WriteString(" xmlns")
		}
		b.WriteString(`="`)
		escape(b, ns.URI)
		b.WriteByte('"')
	}
	for _, a := range attrs {
		b.WriteByte(' ')
		b.WriteString(a.Name.Local)
		b.WriteString(`="`)
		escape(b, a.Value)
		b.WriteByte('"')
	}
	b.WriteByte('>')
}

func endTag(b *bytes.Buffer, name string) {
	b.WriteString("</")
	b.WriteString(name)
	b.WriteByte('>')
}

// StartElement writes <name xmlns="ns"> (ns may be empty); codecs use it for
// their envelopes.
func StartElement(b *bytes.Buffer, name, ns string) {
	if ns == "" {
		startTag(b, name, nil, nil)
		return
	}
	startTag(b, name, &model.XMLNamespace{URI: ns}, nil)
}

// EndElement writes </name>.
func EndElement(b *bytes.Buffer, name string) { endTag(b, name) }

// TextElement writes <name>text</name> with text escaped.
func TextElement(b *bytes.Buffer, name, text string) {
	startTag(b, name, nil, nil)
	escape(b, text)
	endTag(b, name)
}

func escape(b *bytes.Buffer, s string) {
	if plainText(s) {
		// Most names and ids: nothing to escape, nothing to copy.
		b.WriteString(s)
		return
	}
	// EscapeText only fails when its writer does; a bytes.Buffer does not.
	_ = xml.EscapeText(b, []byte(s))
}

// plainText reports whether s is printable ASCII that EscapeText would
// write unchanged.
func plainText(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e || c == '<' || c == '>' || c == '&' || c == '\'' || c == '"' {
			return false
		}
	}
	return true
}

// Header is the XML declaration AWS puts before every document.
const Header = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"

// WriteTo copies b to w; a helper so codecs write a finished body in one
// call after the whole document encoded without error.
func WriteTo(w io.Writer, b *bytes.Buffer) error {
	_, err := w.Write(b.Bytes())
	return err
}

// docs pools document buffers: a fresh bytes.Buffer grew four times (64
// to 512 bytes) for even a GetCallerIdentity answer.
var docs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooled is the largest buffer kept for reuse, so that one large
// answer does not stay pinned in the pool.
const maxPooled = 64 << 10

// Document returns a pooled buffer holding the XML declaration. Give it
// back with Send once the document is complete; one that is dropped on an
// error path is simply collected.
func Document() *bytes.Buffer {
	b := docs.Get().(*bytes.Buffer)
	b.Reset()
	b.WriteString(Header)
	return b
}

// Send writes a Document to w and returns its buffer to the pool: w has
// copied or sent the bytes by the time Write returns.
func Send(w io.Writer, b *bytes.Buffer) error {
	_, err := w.Write(b.Bytes())
	if b.Cap() <= maxPooled {
		docs.Put(b)
	}
	return err
}

// ServiceNamespace is the default XML namespace of a service's documents:
// the model's xmlNamespace, else one found on any operation's input, else
// AWS's conventional https://{endpointPrefix}.amazonaws.com/doc/{apiVersion}/.
func ServiceNamespace(svc *model.Service) string {
	if svc == nil {
		return ""
	}
	if svc.Metadata.XMLNamespace != "" {
		return svc.Metadata.XMLNamespace
	}
	for _, name := range svc.OperationNames {
		op := svc.Operations[name]
		if op.Input != nil {
			if ns := op.Input.Namespace(); ns != nil && ns.URI != "" && ns.Prefix == "" {
				return ns.URI
			}
		}
	}
	if svc.Metadata.EndpointPrefix == "" || svc.Metadata.APIVersion == "" {
		return ""
	}
	return "https://" + strings.ToLower(svc.Metadata.EndpointPrefix) + ".amazonaws.com/doc/" + svc.Metadata.APIVersion + "/"
}
