package protocoltest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"hakoniwa/internal/model"
)

// AutofilledToken is the idempotency token the vectors expect a client to
// generate when the caller leaves it out.
const AutofilledToken = "00000000-0000-4000-8000-000000000000"

// Normalize converts a case's JSON params (timestamps as epoch numbers,
// blobs as plain strings, every number a JSON number) into the value tree a
// codec produces for shape, per package model's conventions. Nulls mean
// "absent" and are dropped.
func Normalize(raw json.RawMessage, shape *model.Shape) (map[string]any, error) {
	if len(bytes.TrimSpace(raw)) == 0 || shape == nil {
		return map[string]any{}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	out, err := normalize(v, shape, "")
	if err != nil {
		return nil, err
	}
	m, ok := out.(map[string]any)
	if !ok {
		if out == nil {
			return map[string]any{}, nil
		}
		return nil, fmt.Errorf("params are %T, want an object", out)
	}
	return m, nil
}

// NormalizeInput is Normalize for an input case, with the two adjustments a
// server honestly sees differently from the client that wrote the vector:
//   - an idempotency token the params leave out was autofilled by the
//     client, so the server decodes AutofilledToken;
//   - header values (and header-map keys) arrive trimmed, because HTTP
//     strips the whitespace the params put around them.
func NormalizeInput(raw json.RawMessage, op *model.Operation) (map[string]any, error) {
	if op.Input == nil {
		return Normalize(raw, nil)
	}
	s := op.Input.Shape
	out, err := Normalize(raw, s)
	if err != nil {
		return nil, err
	}
	for _, m := range s.MemberNames {
		ref := s.Members[m]
		if ref.IdempotencyToken {
			if _, ok := out[m]; !ok {
				out[m] = AutofilledToken
			}
		}
		switch ref.Location {
		case "header":
			if str, ok := out[m].(string); ok {
				out[m] = strings.TrimSpace(str)
			}
		case "headers":
			if mv, ok := out[m].(map[string]any); ok {
				trimmed := make(map[string]any, len(mv))
				for k, v := range mv {
					if str, ok := v.(string); ok {
						v = strings.TrimSpace(str)
					}
					trimmed[strings.ToLower(strings.TrimSpace(k))] = v
				}
				out[m] = trimmed
			}
		}
	}
	return out, nil
}

func normalize(v any, s *model.Shape, path string) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch s.Type {
	case "structure":
		if s.Document {
			return v, nil
		}
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: want object for %s, have %T", path, s.Name, v)
		}
		out := map[string]any{}
		for k, mv := range obj {
			ref := s.Members[k]
			if ref == nil {
				return nil, fmt.Errorf("%s: %s has no member %s", path, s.Name, k)
			}
			n, err := normalize(mv, ref.Shape, path+"."+k)
			if err != nil {
				return nil, err
			}
			if n != nil {
				out[k] = n
			}
		}
		return out, nil
	case "list":
		arr, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("%s: want array, have %T", path, v)
		}
		out := make([]any, len(arr))
		for i, e := range arr {
			n, err := normalize(e, s.Member.Shape, fmt.Sprintf("%s[%d]", path, i))
			if err != nil {
				return nil, err
			}
			out[i] = n
		}
		return out, nil
	case "map":
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: want object, have %T", path, v)
		}
		out := make(map[string]any, len(obj))
		for k, e := range obj {
			n, err := normalize(e, s.Value.Shape, path+"."+k)
			if err != nil {
				return nil, err
			}
			out[k] = n
		}
		return out, nil
	case "boolean":
		return v, nil
	case "integer", "long", "short", "byte":
		num, ok := v.(json.Number)
		if !ok {
			return nil, fmt.Errorf("%s: want number, have %T", path, v)
		}
		n, err := num.Int64()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return n, nil
	case "float", "double":
		switch x := v.(type) {
		case json.Number:
			return x.Float64()
		case string: // "NaN", "Infinity" in some vector files
			switch x {
			case "NaN":
				return math.NaN(), nil
			case "Infinity":
				return math.Inf(1), nil
			case "-Infinity":
				return math.Inf(-1), nil
			}
		}
		return nil, fmt.Errorf("%s: want number, have %v", path, v)
	case "timestamp":
		num, ok := v.(json.Number)
		if !ok {
			return nil, fmt.Errorf("%s: want epoch number, have %T", path, v)
		}
		f, err := num.Float64()
		if err != nil {
			return nil, err
		}
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(math.Round(frac*1e3))*int64(time.Millisecond)).UTC(), nil
	case "blob":
		str, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("%s: want string for blob, have %T", path, v)
		}
		return []byte(str), nil
	default: // string, character, enums, big numbers
		if num, ok := v.(json.Number); ok {
			return num.String(), nil
		}
		if s.Document {
			return v, nil
		}
		return v, nil
	}
}

// HasMap reports whether a map shape is reachable from s. Encoders write map
// entries in a deterministic order that need not match the vector's, so XML
// comparisons of such cases are order-insensitive.
func HasMap(s *model.Shape) bool {
	return hasMap(s, map[*model.Shape]bool{})
}

func hasMap(s *model.Shape, seen map[*model.Shape]bool) bool {
	if s == nil || seen[s] {
		return false
	}
	seen[s] = true
	switch s.Type {
	case "map":
		return true
	case "list":
		return hasMap(s.Member.Shape, seen)
	case "structure":
		for _, r := range s.Members {
			if hasMap(r.Shape, seen) {
				return true
			}
		}
	}
	return false
}
