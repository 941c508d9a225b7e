// Package validate checks a decoded request against its operation's input
// shape before any handler runs: required members, enums, lengths, ranges and
// patterns, recursing through structures, lists and maps.
//
// The constraint texts and member paths are the ones AWS's own request
// validator prints ("Value 'x' at 'tags.1.member.key' failed to satisfy
// constraint: Member must have length less than or equal to 128"); Error
// wraps them in the code each service family answers with.
//
// Values of the wrong Go type are ignored rather than reported: deciding
// whether "abc" is an integer is the codec's job, and it has already answered
// by the time a value tree reaches Check.
package validate

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"hakoniwa/internal/model"
)

// Violation is one failed constraint, in AWS's vocabulary.
type Violation struct {
	// Path is the member path as AWS's validator prints it: member names
	// with their first letter lower-cased, list elements as ".N.member"
	// (1-based) and map entries as ".KEY.member", e.g. "tags.1.member.key".
	Path string
	// Value is the offending value (nil for a missing member).
	Value any
	// Kind is one of the Kind* constants.
	Kind string
	// Message is AWS's constraint text, e.g. "Member must have length less
	// than or equal to 64".
	Message string
	// Sensitive marks a value AWS never echoes back ("Value at 'password'
	// failed to satisfy constraint: ...").
	Sensitive bool

	// steps keep the path in structured form so Error can spell it the way
	// a query or EC2 client sent it (MissingParameter names wire names).
	steps []step
}

// Violation kinds.
const (
	KindRequired = "required"
	KindEnum     = "enum"
	KindLength   = "length"
	KindRange    = "range"
	KindPattern  = "pattern"
)

// step is one hop of a member path.
type step struct {
	ref    *model.Ref
	member string // structure member name; "" for list elements / map entries
	index  int    // 1-based list index, 0 when not a list element
	key    string // map key for map entries
	isKey  bool   // the hop is a map entry (key or value)
}

// Check validates in against op's input shape. It returns nil when the input
// is valid or the operation takes no input.
func Check(op *model.Operation, in map[string]any) []Violation {
	if op == nil || op.Input == nil || op.Input.Shape == nil {
		return nil
	}
	var w walker
	w.structure(op.Input.Shape, in, alsoRequired[op.Input.Shape.Name])
	return w.out
}

// walker carries the current path while descending a value tree. The path is
// only rendered to a string when a violation is found, so a valid request
// allocates nothing beyond the walker itself.
type walker struct {
	path      []step
	sensitive int // number of sensitive shapes on the current path
	out       []Violation
	scratch   []failure
}

// structure checks a structure's members in model order. extra names members
// the service requires although the published model does not say so.
func (w *walker) structure(s *model.Shape, in map[string]any, extra map[string]bool) {
	for _, name := range s.MemberNames {
		ref := s.Members[name]
		v, ok := in[name]
		if !ok || v == nil {
			if s.Required[name] || extra[name] {
				w.path = append(w.path, step{ref: ref, member: name})
				w.emit(nil, KindRequired, "Member must not be null")
				w.path = w.path[:len(w.path)-1]
			}
			continue
		}
		w.path = append(w.path, step{ref: ref, member: name})
		w.value(ref.Shape, v)
		w.path = w.path[:len(w.path)-1]
	}
}

// value checks one non-nil value against its shape.
func (w *walker) value(s *model.Shape, v any) {
	if s.Sensitive {
		w.sensitive++
		defer func() { w.sensitive-- }()
	}
	switch s.Type {
	case "structure":
		if s.Document {
			return
		}
		if m, ok := v.(map[string]any); ok {
			w.structure(s, m, nil)
		}
	case "list":
		l, ok := v.([]any)
		if !ok {
			return
		}
		w.scalarFailures(s, v, true)
		w.list(s, l)
	case "map":
		m, ok := v.(map[string]any)
		if !ok {
			return
		}
		w.scalarFailures(s, v, true)
		w.mapEntries(s, m)
	default:
		w.scalarFailures(s, v, true)
	}
}

func (w *walker) list(s *model.Shape, l []any) {
	if s.Member == nil {
		return
	}
	es := s.Member.Shape
	if es.IsScalar() {
		defer w.hideIf(es.Sensitive)()
		// AWS reports a list of bad scalars once, naming every constraint
		// of the element shape.
		for _, e := range l {
			if e != nil && !w.scalarOK(es, e) {
				w.emit(l, kindOf(w.failuresOf(es, e)), "Member must satisfy constraint: "+describe(es))
				return
			}
		}
		return
	}
	for i, e := range l {
		if e == nil {
			continue
		}
		w.path = append(w.path, step{ref: s.Member, index: i + 1})
		w.value(es, e)
		w.path = w.path[:len(w.path)-1]
	}
}

func (w *walker) mapEntries(s *model.Shape, m map[string]any) {
	if s.Key == nil || s.Value == nil {
		return
	}
	// Keys first, then values, each reported once: that is AWS's order.
	defer w.hideIf(s.Key.Shape.Sensitive || (s.Value.Shape.IsScalar() && s.Value.Shape.Sensitive))()
	if ks := s.Key.Shape; hasScalarConstraints(ks) {
		for _, k := range sortedKeys(m) {
			if !w.scalarOK(ks, k) {
				w.emit(m, kindOf(w.failuresOf(ks, k)), "Map keys must satisfy constraint: "+describe(ks))
				break
			}
		}
	}
	vs := s.Value.Shape
	if vs.IsScalar() {
		if !hasScalarConstraints(vs) {
			return
		}
		for _, k := range sortedKeys(m) {
			if e := m[k]; e != nil && !w.scalarOK(vs, e) {
				w.emit(m, kindOf(w.failuresOf(vs, e)), "Map value must satisfy constraint: "+describe(vs))
				return
			}
		}
		return
	}
	for _, k := range sortedKeys(m) {
		e := m[k]
		if e == nil {
			continue
		}
		w.path = append(w.path, step{ref: s.Value, key: k, isKey: true})
		w.value(vs, e)
		w.path = w.path[:len(w.path)-1]
	}
}

// hideIf marks the current path sensitive while a whole collection is
// reported for one of its sensitive elements; the returned func undoes it.
func (w *walker) hideIf(sensitive bool) func() {
	if !sensitive {
		return func() {}
	}
	w.sensitive++
	return func() { w.sensitive-- }
}

// failure is one failed scalar constraint.
type failure struct{ kind, msg string }

// scalarFailures checks v's own constraints (not its members) and, when
// emit is set, reports each failure as a violation at the current path.
func (w *walker) scalarFailures(s *model.Shape, v any, emit bool) {
	w.scratch = appendFailures(w.scratch[:0], s, v)
	if emit {
		for _, f := range w.scratch {
			w.emit(v, f.kind, f.msg)
		}
	}
}

func (w *walker) scalarOK(s *model.Shape, v any) bool {
	w.scratch = appendFailures(w.scratch[:0], s, v)
	return len(w.scratch) == 0
}

func (w *walker) failuresOf(s *model.Shape, v any) []failure {
	w.scratch = appendFailures(w.scratch[:0], s, v)
	return w.scratch
}

func kindOf(fs []failure) string {
	if len(fs) == 0 {
		return KindPattern
	}
	return fs[0].kind
}

func (w *walker) emit(v any, kind, msg string) {
	steps := make([]step, len(w.path))
	copy(steps, w.path)
	w.out = append(w.out, Violation{
		Path:      renderPath(steps),
		Value:     v,
		Kind:      kind,
		Message:   msg,
		Sensitive: w.sensitive > 0 || (len(steps) > 0 && steps[len(steps)-1].ref.Shape.Sensitive),
		steps:     steps,
	})
}

// appendFailures appends v's failed constraints in the order AWS lists them:
// enum, pattern, length, range.
func appendFailures(out []failure, s *model.Shape, v any) []failure {
	switch s.Type {
	case "string":
		str, ok := v.(string)
		if !ok {
			return out
		}
		if len(s.Enum) > 0 && !inEnum(s.Enum, str) {
			out = append(out, failure{KindEnum, "Member must satisfy enum value set: [" + strings.Join(s.Enum, ", ") + "]"})
		}
		if s.Pattern != "" && !patternFor(s.Pattern).match(str) {
			out = append(out, failure{KindPattern, "Member must satisfy regular expression pattern: " + s.Pattern})
		}
		if s.Min != nil || s.Max != nil {
			out = appendLength(out, s, utf8.RuneCountInString(str))
		}
	case "blob":
		if b, ok := v.([]byte); ok {
			out = appendLength(out, s, len(b))
		}
	case "list":
		if l, ok := v.([]any); ok {
			out = appendLength(out, s, len(l))
		}
	case "map":
		if m, ok := v.(map[string]any); ok {
			out = appendLength(out, s, len(m))
		}
	case "integer", "long", "float", "double", "bigdecimal", "biginteger":
		if s.Min == nil && s.Max == nil {
			return out
		}
		n, ok := number(v)
		if !ok {
			return out
		}
		if s.Max != nil && n > *s.Max {
			out = append(out, failure{KindRange, "Member must have value less than or equal to " + bound(s, *s.Max)})
		}
		if s.Min != nil && n < *s.Min {
			out = append(out, failure{KindRange, "Member must have value greater than or equal to " + bound(s, *s.Min)})
		}
	}
	return out
}

func appendLength(out []failure, s *model.Shape, n int) []failure {
	if s.Max != nil && float64(n) > *s.Max {
		out = append(out, failure{KindLength, "Member must have length less than or equal to " + bound(s, *s.Max)})
	}
	if s.Min != nil && float64(n) < *s.Min {
		out = append(out, failure{KindLength, "Member must have length greater than or equal to " + bound(s, *s.Min)})
	}
	return out
}

// describe lists every constraint of an element shape, the way AWS words
// "Member must satisfy constraint: [...]": maxima before minima, then the
// pattern, then the enum.
func describe(s *model.Shape) string {
	var parts []string
	noun := "length"
	switch s.Type {
	case "integer", "long", "float", "double", "bigdecimal", "biginteger":
		noun = "value"
	}
	if s.Max != nil {
		parts = append(parts, "Member must have "+noun+" less than or equal to "+bound(s, *s.Max))
	}
	if s.Min != nil {
		parts = append(parts, "Member must have "+noun+" greater than or equal to "+bound(s, *s.Min))
	}
	if s.Pattern != "" {
		parts = append(parts, "Member must satisfy regular expression pattern: "+s.Pattern)
	}
	if len(s.Enum) > 0 {
		parts = append(parts, "Member must satisfy enum value set: ["+strings.Join(s.Enum, ", ")+"]")
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func hasScalarConstraints(s *model.Shape) bool {
	return s.Min != nil || s.Max != nil || s.Pattern != "" || len(s.Enum) > 0
}

func inEnum(enum []string, v string) bool {
	for _, e := range enum {
		if e == v {
			return true
		}
	}
	return false
}

// number accepts the integer and float types a codec may produce.
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case int:
		return float64(n), true
	case int32:
		return float64(n), true
	case float64:
		return n, true
	case float32:
		return float64(n), true
	}
	return 0, false
}

// bound renders a model limit as AWS prints it: integers for integral
// shapes, Java's double form ("1.0") for floating ones.
func bound(s *model.Shape, f float64) string {
	switch s.Type {
	case "float", "double", "bigdecimal":
		return javaDouble(f)
	}
	return strconv.FormatInt(int64(f), 10)
}

// renderPath spells steps in AWS's validator notation.
func renderPath(steps []step) string {
	var b strings.Builder
	for _, st := range steps {
		switch {
		case st.member != "":
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(lowerFirst(st.member))
		case st.isKey:
			b.WriteByte('.')
			b.WriteString(st.key)
			b.WriteString(".member")
		default:
			b.WriteByte('.')
			b.WriteString(strconv.Itoa(st.index))
			b.WriteString(".member")
		}
	}
	return b.String()
}

func lowerFirst(s string) string {
	if s == "" || s[0] < 'A' || s[0] > 'Z' {
		return s
	}
	return string(s[0]+('a'-'A')) + s[1:]
}

func upperFirst(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-('a'-'A')) + s[1:]
}
