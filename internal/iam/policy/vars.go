package policy

import "strings"

// A template is a policy string that may hold policy variables ("IAM policy
// elements: Variables and tags"): ${aws:username}, ${aws:PrincipalTag/team},
// a default as in ${aws:username, 'nobody'}, and the escapes ${*}, ${?} and
// ${$} for a literal '*', '?' and '$'. Variables exist only in Version
// 2012-10-17 documents; elsewhere the text is taken literally.
//
// The compiled form is a glob pattern (see match.go). A template without
// variables is just that pattern; one with variables keeps its parts so each
// evaluation can splice in the request's values, escaped so a value's '*'
// matches only a '*'.
type template struct {
	pattern string     // the whole pattern when parts is nil
	parts   []tmplPart // literal and variable pieces, in order
	// prefix is literal text every match starts with; checking it first
	// skips most variable expansions.
	prefix string
}

type tmplPart struct {
	lit    string // escaped glob text (when key == "")
	key    string // lower-cased context key
	name   string // the key as written, for explanations
	def    string // default value
	hasDef bool
}

func compileTemplate(s string, vars bool) template {
	s = escapeLiteralNUL(s)
	if !vars || !strings.Contains(s, "${") {
		return template{pattern: s}
	}
	var parts []tmplPart
	var lit strings.Builder
	for len(s) > 0 {
		i := strings.Index(s, "${")
		if i < 0 {
			lit.WriteString(s)
			break
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			lit.WriteString(s)
			break
		}
		lit.WriteString(s[:i])
		body := s[i+2 : i+j]
		s = s[i+j+1:]
		switch body {
		case "*", "?", "$":
			lit.WriteByte(0)
			lit.WriteString(body)
			continue
		}
		key, def, hasDef := body, "", false
		if k, d, ok := strings.Cut(body, ","); ok {
			d = strings.TrimSpace(d)
			if len(d) >= 2 && d[0] == '\'' && d[len(d)-1] == '\'' {
				key, def, hasDef = k, d[1:len(d)-1], true
			}
		}
		key = strings.TrimSpace(key)
		if lit.Len() > 0 {
			parts = append(parts, tmplPart{lit: lit.String()})
			lit.Reset()
		}
		parts = append(parts, tmplPart{key: strings.ToLower(key), name: key, def: escapeGlob(def), hasDef: hasDef})
	}
	if lit.Len() > 0 {
		parts = append(parts, tmplPart{lit: lit.String()})
	}
	for _, p := range parts {
		if p.key != "" {
			return template{parts: parts, prefix: literalPrefix(parts[0].lit)}
		}
	}
	// Only escapes: a fixed pattern after all.
	var b strings.Builder
	for _, p := range parts {
		b.WriteString(p.lit)
	}
	return template{pattern: b.String()}
}

// expand returns the template's glob pattern for this request. ok is false
// when a variable has no value and no default: AWS then treats the element
// as not matching.
func (t *template) expand(ec *evalCtx) (string, bool) {
	if t.parts == nil {
		return t.pattern, true
	}
	var b strings.Builder
	for _, p := range t.parts {
		if p.key == "" {
			b.WriteString(p.lit)
			continue
		}
		vals, ok := ec.get(p.key)
		switch {
		case ok && len(vals) == 1:
			b.WriteString(escapeGlob(vals[0]))
		case p.hasDef:
			b.WriteString(p.def)
		default:
			// Missing, or multivalued (which AWS does not substitute).
			ec.noteMissing(p.name)
			return "", false
		}
	}
	return b.String(), true
}

// escapeGlob makes s match only itself.
func escapeGlob(s string) string {
	if !strings.ContainsAny(s, "*?\x00") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '*', '?', 0:
			b.WriteByte(0)
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// literalPrefix is the part of a glob before its first wildcard or escape.
func literalPrefix(p string) string {
	if i := strings.IndexAny(p, "*?\x00"); i >= 0 {
		return p[:i]
	}
	return p
}
