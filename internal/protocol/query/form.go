package query

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"hakoniwa/internal/model"
	"hakoniwa/internal/protocol/rest"
	"hakoniwa/internal/protocol/xmlutil"
)

// FormDecoder reads an operation's input out of query-protocol form
// parameters ("Tags.member.1.Key=..."). The query and ec2 protocols differ
// only in how members and lists are named, which EC2 selects.
type FormDecoder struct {
	// EC2 applies the ec2 protocol's naming: queryName or capitalized
	// locationName for members, and "Name.N" for every list.
	EC2 bool
}

// FieldError names the parameter whose value does not parse.
type FieldError struct {
	Param, Value string
	Err          error
}

func (e *FieldError) Error() string { return fmt.Sprintf("%s: %v", e.Param, e.Err) }
func (e *FieldError) Unwrap() error { return e.Err }

// trie indexes parameter names by their dot-separated parts, so nested
// members and list items are found without rescanning the whole form for
// each one.
type trie struct {
	value    *string
	children map[string]*trie
}

func buildTrie(form url.Values) *trie {
	root := &trie{children: make(map[string]*trie, len(form))}
	for k, vals := range form {
		n := root
		// strings.Cut rather than Split: no slice per key on every request.
		for rest, more := k, true; more; {
			var part string
			part, rest, more = strings.Cut(rest, ".")
			if n.children == nil {
				n.children = map[string]*trie{}
			}
			c := n.children[part]
			if c == nil {
				c = &trie{}
				n.children[part] = c
			}
			n = c
		}
		if len(vals) > 0 {
			n.value = &vals[0]
		}
	}
	return root
}

func (t *trie) child(name string) *trie {
	if t == nil {
		return nil
	}
	return t.children[name]
}

// indexed returns the children named 1, 2, ... in numeric order.
func (t *trie) indexed() []*trie {
	if t == nil {
		return nil
	}
	type item struct {
		i int
		n *trie
	}
	var items []item
	for k, c := range t.children {
		i, err := strconv.Atoi(k)
		if err != nil || i < 1 {
			continue
		}
		items = append(items, item{i, c})
	}
	sort.Slice(items, func(a, b int) bool { return items[a].i < items[b].i })
	out := make([]*trie, len(items))
	for j, it := range items {
		out[j] = it.n
	}
	return out
}

// Decode reads shape s from form. Action and Version are ignored.
func (d FormDecoder) Decode(form url.Values, s *model.Shape) (map[string]any, error) {
	out := map[string]any{}
	if s == nil || (s.Type == "structure" && len(s.Members) == 0) {
		// Nothing to look for: the form holds only Action and Version.
		return out, nil
	}
	if err := d.structure(buildTrie(form), s, "", out); err != nil {
		return nil, err
	}
	return out, nil
}

func (d FormDecoder) memberName(ref *model.Ref, member string) string {
	if d.EC2 {
		if ref.QueryName != "" {
			return ref.QueryName
		}
		if ref.LocationName != "" {
			return strings.ToUpper(ref.LocationName[:1]) + ref.LocationName[1:]
		}
		return member
	}
	return xmlutil.ElementName(ref, member)
}

func (d FormDecoder) structure(t *trie, s *model.Shape, prefix string, out map[string]any) error {
	for _, m := range s.MemberNames {
		ref := s.Members[m]
		name := d.memberName(ref, m)
		node := t.child(name)
		if !d.EC2 && ref.Shape.Type == "list" && ref.IsFlattened() && ref.Shape.Member.LocationName != "" {
			// A named flattened list replaces the member's own name.
			node = t.child(ref.Shape.Member.LocationName)
			name = ref.Shape.Member.LocationName
		}
		if node == nil {
			continue
		}
		v, ok, err := d.value(node, ref, prefix+name)
		if err != nil {
			return err
		}
		if ok {
			out[m] = v
		}
	}
	return nil
}

func (d FormDecoder) value(t *trie, ref *model.Ref, param string) (any, bool, error) {
	s := ref.Shape
	switch s.Type {
	case "structure":
		if len(t.children) == 0 {
			if t.value != nil && *t.value == "" {
				return map[string]any{}, true, nil
			}
			return nil, false, nil
		}
		m := map[string]any{}
		if err := d.structure(t, s, param+".", m); err != nil {
			return nil, false, err
		}
		return m, true, nil
	case "list":
		items := t
		if !d.EC2 && !ref.IsFlattened() {
			items = t.child(xmlutil.ElementName(s.Member, "member"))
		}
		nodes := items.indexed()
		if len(nodes) == 0 {
			// "List=" is how query clients send an empty list.
			if t.value != nil && len(t.children) == 0 {
				return []any{}, true, nil
			}
			return nil, false, nil
		}
		list := make([]any, 0, len(nodes))
		for i, n := range nodes {
			v, ok, err := d.value(n, s.Member, fmt.Sprintf("%s.%d", param, i+1))
			if err != nil {
				return nil, false, err
			}
			if !ok {
				v = nil
			}
			list = append(list, v)
		}
		return list, true, nil
	case "map":
		entries := t
		if !ref.IsFlattened() {
			entries = t.child("entry")
		}
		nodes := entries.indexed()
		if len(nodes) == 0 {
			if t.value != nil && len(t.children) == 0 {
				return map[string]any{}, true, nil
			}
			return nil, false, nil
		}
		keyName, valName := xmlutil.ElementName(s.Key, "key"), xmlutil.ElementName(s.Value, "value")
		m := make(map[string]any, len(nodes))
		for _, n := range nodes {
			k := n.child(keyName)
			if k == nil || k.value == nil {
				continue
			}
			vn := n.child(valName)
			if vn == nil {
				m[*k.value] = nil
				continue
			}
			v, ok, err := d.value(vn, s.Value, param+"."+*k.value)
			if err != nil {
				return nil, false, err
			}
			if ok {
				m[*k.value] = v
			}
		}
		return m, true, nil
	}
	if t.value == nil {
		return nil, false, nil
	}
	v, err := rest.ParseScalar(ref, *t.value, rest.ISO8601)
	if err != nil {
		return nil, false, &FieldError{Param: param, Value: *t.value, Err: err}
	}
	return v, true, nil
}
