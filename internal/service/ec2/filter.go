package ec2

import (
	"strconv"
	"strings"

	ec2api "hakoniwa/internal/api/ec2"
)

// filterDefs declares the filters a Describe operation supports: filter
// name → the record's values for it. Every kind also gets tag:<key>,
// tag-key and tag-value for free.
type filterDefs[P record] map[string]func(P) []string

// filter is one compiled Filter: a record matches when any of its values
// matches any pattern.
type filter[P record] struct {
	name     string
	patterns []string
	values   func(P) []string
}

// compile checks filter names against defs. An unknown name is refused
// as AWS does.
func (defs filterDefs[P]) compile(in []ec2api.Filter) ([]filter[P], error) {
	out := make([]filter[P], 0, len(in))
	for _, f := range in {
		name := deref(f.Name)
		var values func(P) []string
		switch {
		case strings.HasPrefix(name, "tag:"):
			key := name[len("tag:"):]
			values = func(r P) []string {
				if v, ok := r.tagMap()[key]; ok {
					return []string{v}
				}
				return nil
			}
		case name == "tag-key":
			values = func(r P) []string { return sortedKeys(r.tagMap()) }
		case name == "tag-value":
			values = func(r P) []string {
				var out []string
				for _, k := range sortedKeys(r.tagMap()) {
					out = append(out, r.tagMap()[k])
				}
				return out
			}
		default:
			values = defs[name]
		}
		if values == nil {
			return nil, invalidParam("The filter '%s' is invalid", name)
		}
		out = append(out, filter[P]{name: name, patterns: f.Values, values: values})
	}
	return out, nil
}

// matchAll reports whether r passes every filter (filters AND, values OR).
func matchAll[P record](r P, fs []filter[P]) bool {
	for _, f := range fs {
		if !f.match(r) {
			return false
		}
	}
	return true
}

func (f filter[P]) match(r P) bool {
	for _, v := range f.values(r) {
		for _, p := range f.patterns {
			if wildcard(p, v) {
				return true
			}
		}
	}
	return false
}

// literal returns the filter's values when none uses a wildcard, so an
// index can answer it exactly.
func (f filter[P]) literal() ([]string, bool) {
	for _, p := range f.patterns {
		if strings.ContainsAny(p, `*?\`) {
			return nil, false
		}
	}
	return f.patterns, len(f.patterns) > 0
}

// wildcard matches s against an EC2 filter pattern: * is any run of
// characters, ? any one character, and a backslash escapes the next one.
func wildcard(pattern, s string) bool {
	// Iterative matching with one backtrack point: linear in practice and
	// never exponential, whatever the pattern.
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		if p < len(pattern) {
			switch c := pattern[p]; {
			case c == '*':
				star, mark = p, i
				p++
				continue
			case c == '?':
				p++
				i++
				continue
			case c == '\\' && p+1 < len(pattern):
				if pattern[p+1] == s[i] {
					p += 2
					i++
					continue
				}
			case c == s[i]:
				p++
				i++
				continue
			}
		}
		if star < 0 {
			return false
		}
		p = star + 1
		mark++
		i = mark
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// Helpers for filter value extractors.
func one(s string) []string { return []string{s} }

func boolValue(b bool) []string { return []string{strconv.FormatBool(b)} }
