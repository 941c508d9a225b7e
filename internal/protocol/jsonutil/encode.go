package jsonutil

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"reflect"
	"slices"
	"strconv"
	"unicode/utf8"

	"hakoniwa/internal/model"
	"hakoniwa/internal/protocol/rest"
)

// EncodeStructure renders v as a JSON object of shape s's members, in model
// order. Absent and nil members are omitted. A nil shape or value gives {}.
func EncodeStructure(s *model.Shape, v map[string]any) ([]byte, error) {
	if s == nil {
		return []byte("{}"), nil
	}
	return EncodeMembers(s, s.MemberNames, v)
}

// EncodeMembers is EncodeStructure limited to the named members (the body
// members of a rest-json output).
func EncodeMembers(s *model.Shape, names []string, v map[string]any) ([]byte, error) {
	e := encoder{}
	if err := e.structure(s, names, v, s.Name); err != nil {
		return nil, err
	}
	return e.buf, nil
}

// EncodeValue renders v as a JSON document of ref's shape (for payload
// members that are not the output structure itself).
func EncodeValue(ref *model.Ref, v any) ([]byte, error) {
	e := encoder{}
	if err := e.value(ref, v, ref.ShapeName); err != nil {
		return nil, err
	}
	return e.buf, nil
}

// AppendString appends s as a JSON string. Unlike encoding/json it leaves
// <, > and & alone, as AWS does; invalid UTF-8 becomes U+FFFD.
func AppendString(buf []byte, s string) []byte {
	const hex = "0123456789abcdef"
	buf = append(buf, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				buf = append(buf, '\\', c)
			case c == '\n':
				buf = append(buf, '\\', 'n')
			case c == '\r':
				buf = append(buf, '\\', 'r')
			case c == '\t':
				buf = append(buf, '\\', 't')
			case c < 0x20 || c == 0x7f:
				buf = append(buf, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				buf = append(buf, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			buf = append(buf, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			// Valid JSON, but not valid JavaScript: escape for JS clients.
			buf = append(buf, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			buf = append(buf, s[i:i+size]...)
		}
		i += size
	}
	return append(buf, '"')
}

// AppendFloat appends f as a JSON number, or as the quoted spellings Smithy
// uses for NaN and the infinities. bits is 32 for float shapes so that a
// float32 prints without float64 noise (1.2, not 1.2000000476837158).
func AppendFloat(buf []byte, f float64, bits int) []byte {
	switch {
	case math.IsNaN(f):
		return append(buf, `"NaN"`...)
	case math.IsInf(f, 1):
		return append(buf, `"Infinity"`...)
	case math.IsInf(f, -1):
		return append(buf, `"-Infinity"`...)
	}
	if bits == 32 && float64(float32(f)) != f {
		bits = 64
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	return strconv.AppendFloat(buf, f, format, -1, bits)
}

type encoder struct{ buf []byte }

func (e *encoder) structure(s *model.Shape, names []string, v map[string]any, path string) error {
	e.buf = append(e.buf, '{')
	first := true
	for _, name := range names {
		mv, ok := v[name]
		if !ok || IsNil(mv) {
			continue
		}
		if !first {
			e.buf = append(e.buf, ',')
		}
		first = false
		ref := s.Members[name]
		e.buf = AppendString(e.buf, ref.Name(name))
		e.buf = append(e.buf, ':')
		if err := e.value(ref, mv, path+"."+name); err != nil {
			return err
		}
	}
	e.buf = append(e.buf, '}')
	return nil
}

func (e *encoder) value(ref *model.Ref, v any, path string) error {
	if IsNil(v) {
		e.buf = append(e.buf, "null"...)
		return nil
	}
	s := ref.Shape
	if s.Document {
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("jsonutil: document at %s: %w", path, err)
		}
		e.buf = append(e.buf, b...)
		return nil
	}
	switch s.Type {
	case "structure":
		m, ok := v.(map[string]any)
		if !ok {
			return typeError(path, s, v)
		}
		return e.structure(s, s.MemberNames, m, path)
	case "list":
		items, ok := v.([]any)
		if !ok {
			return typeError(path, s, v)
		}
		e.buf = append(e.buf, '[')
		for i, item := range items {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			if err := e.value(s.Member, item, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		e.buf = append(e.buf, ']')
		return nil
	case "map":
		m, ok := v.(map[string]any)
		if !ok {
			return typeError(path, s, v)
		}
		e.buf = append(e.buf, '{')
		first := true
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if !first {
				e.buf = append(e.buf, ',')
			}
			first = false
			e.buf = AppendString(e.buf, k)
			e.buf = append(e.buf, ':')
			if err := e.value(s.Value, m[k], path+"."+k); err != nil {
				return err
			}
		}
		e.buf = append(e.buf, '}')
		return nil
	}
	return e.scalar(ref, v, path)
}

func (e *encoder) scalar(ref *model.Ref, v any, path string) error {
	s := ref.Shape
	switch s.Type {
	case "string", "character":
		if ref.JSONValue {
			doc, err := json.Marshal(v)
			if err != nil {
				return fmt.Errorf("jsonutil: jsonvalue at %s: %w", path, err)
			}
			e.buf = AppendString(e.buf, string(doc))
			return nil
		}
		str, ok := v.(string)
		if !ok {
			return typeError(path, s, v)
		}
		e.buf = AppendString(e.buf, str)
	case "boolean":
		b, ok := v.(bool)
		if !ok {
			return typeError(path, s, v)
		}
		e.buf = strconv.AppendBool(e.buf, b)
	case "integer", "long", "short", "byte", "biginteger":
		n, ok := ToInt64(v)
		if !ok {
			return typeError(path, s, v)
		}
		e.buf = strconv.AppendInt(e.buf, n, 10)
	case "float", "double", "bigdecimal":
		f, ok := ToFloat64(v)
		if !ok {
			return typeError(path, s, v)
		}
		bits := 64
		if s.Type == "float" {
			bits = 32
		}
		e.buf = AppendFloat(e.buf, f, bits)
	case "timestamp":
		t, ok := ToTime(v)
		if !ok {
			return typeError(path, s, v)
		}
		format := ref.TimeFormat(rest.Unix)
		text := rest.FormatTime(t, format)
		if format == rest.Unix {
			e.buf = append(e.buf, text...)
		} else {
			e.buf = AppendString(e.buf, text)
		}
	case "blob":
		b, err := BlobBytes(v)
		if err != nil {
			return fmt.Errorf("jsonutil: blob at %s: %w", path, err)
		}
		e.buf = append(e.buf, '"')
		e.buf = base64.StdEncoding.AppendEncode(e.buf, b)
		e.buf = append(e.buf, '"')
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("jsonutil: %s at %s: %w", s.Type, path, err)
		}
		e.buf = append(e.buf, b...)
	}
	return nil
}

// BlobBytes accepts []byte, string and io.Reader for blob members.
func BlobBytes(v any) ([]byte, error) {
	switch b := v.(type) {
	case []byte:
		return b, nil
	case string:
		return []byte(b), nil
	case io.Reader:
		return io.ReadAll(b)
	}
	return nil, fmt.Errorf("unsupported Go type %T", v)
}

func typeError(path string, s *model.Shape, v any) error {
	return fmt.Errorf("jsonutil: %s (%s) cannot hold Go value of type %T", path, s.Type, v)
}

// IsNil reports nil interfaces and typed nil pointers/maps/slices, so a
// handler's unset optional never reaches the wire as null.
func IsNil(v any) bool {
	if v == nil {
		return true
	}
	switch rv := reflect.ValueOf(v); rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Interface:
		return rv.IsNil()
	}
	return false
}

// ToInt64 accepts any Go integer type (and integral float64s): the value
// tree convention is int64, but a handler writing int is not worth a failed
// response. Sibling codecs (CBOR) share it so every protocol accepts the
// same Go values.
func ToInt64(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	case int32:
		return int64(n), true
	case int16:
		return int64(n), true
	case int8:
		return int64(n), true
	case uint8:
		return int64(n), true
	case uint16:
		return int64(n), true
	case uint32:
		return int64(n), true
	case uint:
		if uint64(n) <= math.MaxInt64 {
			return int64(n), true
		}
	case uint64:
		if n <= math.MaxInt64 {
			return int64(n), true
		}
	case float64:
		if n == math.Trunc(n) && math.Abs(n) < 1<<63 {
			return int64(n), true
		}
	case json.Number:
		return Int64(string(n))
	}
	return 0, false
}

// ToFloat64 accepts any Go number.
func ToFloat64(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case float32:
		return float64(n), true
	case json.Number:
		f, err := strconv.ParseFloat(string(n), 64)
		return f, err == nil
	}
	if i, ok := ToInt64(v); ok {
		return float64(i), true
	}
	return 0, false
}
