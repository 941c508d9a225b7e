package cbor

import (
	"fmt"
	"math"
	"math/big"
	"time"

	fxcbor "github.com/fxamacker/cbor/v2"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/model"
	"hakoniwa/internal/protocol/jsonutil"
	"hakoniwa/internal/protocol/rest"
)

// tagEpoch is RFC 8949's tag for epoch-based date/time.
const tagEpoch = 1

func decodeStruct(raw any, s *model.Shape, path string) (map[string]any, error) {
	obj, ok := raw.(map[any]any)
	if !ok {
		return nil, mismatch(path, "a structure", raw)
	}
	out := make(map[string]any, len(obj))
	for _, name := range s.MemberNames {
		ref := s.Members[name]
		item, ok := obj[ref.Name(name)]
		if !ok {
			// botocore's parser reads member names even where the model
			// gives a locationName; accept both spellings.
			item, ok = obj[name]
		}
		if !ok || item == nil {
			continue
		}
		v, err := decodeValue(item, ref, path+"."+name)
		if err != nil {
			return nil, err
		}
		out[name] = v
	}
	return out, nil
}

func decodeValue(raw any, ref *model.Ref, path string) (any, error) {
	s := ref.Shape
	if s.Document {
		return document(raw), nil
	}
	switch s.Type {
	case "structure":
		return decodeStruct(raw, s, path)
	case "list":
		arr, ok := raw.([]any)
		if !ok {
			return nil, mismatch(path, "a list", raw)
		}
		out := make([]any, 0, len(arr))
		for i, item := range arr {
			if item == nil {
				continue
			}
			v, err := decodeValue(item, s.Member, fmt.Sprintf("%s[%d]", path, i))
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case "map":
		obj, ok := raw.(map[any]any)
		if !ok {
			return nil, mismatch(path, "a map", raw)
		}
		out := make(map[string]any, len(obj))
		for k, item := range obj {
			key, ok := k.(string)
			if !ok {
				return nil, mismatch(path, "text string map keys", k)
			}
			if item == nil {
				continue
			}
			v, err := decodeValue(item, s.Value, path+"."+key)
			if err != nil {
				return nil, err
			}
			out[key] = v
		}
		return out, nil
	case "string", "character":
		if v, ok := raw.(string); ok {
			return v, nil
		}
		return nil, mismatch(path, "a text string", raw)
	case "boolean":
		if v, ok := raw.(bool); ok {
			return v, nil
		}
		return nil, mismatch(path, "a boolean", raw)
	case "integer", "long", "short", "byte", "biginteger":
		if v, ok := toInt64(raw); ok {
			return v, nil
		}
		return nil, mismatch(path, "an integer", raw)
	case "float", "double", "bigdecimal":
		if v, ok := toFloat64(raw); ok {
			return v, nil
		}
		return nil, mismatch(path, "a number", raw)
	case "timestamp":
		switch v := raw.(type) {
		case time.Time:
			// Tag 1 with a float content carries binary noise below the
			// millisecond, the protocol's stated resolution.
			return v.Round(time.Millisecond).UTC(), nil
		default:
			// Untagged epoch seconds: not what the spec says, but
			// unambiguous, so accept it like the JSON protocols do.
			if f, ok := toFloat64(raw); ok && !math.IsNaN(f) && !math.IsInf(f, 0) && math.Abs(f) < 1e13 {
				return rest.EpochTime(f), nil
			}
		}
		return nil, mismatch(path, "a timestamp (tag 1)", raw)
	case "blob":
		switch v := raw.(type) {
		case []byte:
			return v, nil
		case string:
			return []byte(v), nil
		}
		return nil, mismatch(path, "a byte string", raw)
	}
	return document(raw), nil
}

// toInt64 reads a decoded CBOR number as an integer. The plain Go numbers
// (uint64, int64, float64) are the encoders' coercion, so every protocol
// agrees on them; only CBOR's own forms are handled here.
func toInt64(raw any) (int64, bool) {
	switch v := raw.(type) {
	case big.Int:
		if v.IsInt64() {
			return v.Int64(), true
		}
		return 0, false
	case *big.Int:
		if v != nil && v.IsInt64() {
			return v.Int64(), true
		}
		return 0, false
	case float32:
		return jsonutil.ToInt64(float64(v))
	}
	return jsonutil.ToInt64(raw)
}

// toFloat64 reads a decoded CBOR number as a float. Unlike toInt64 it takes
// unsigned integers beyond int64 as well: a double can hold them.
func toFloat64(raw any) (float64, bool) {
	switch v := raw.(type) {
	case uint64:
		return float64(v), true
	case big.Int:
		f, _ := new(big.Float).SetInt(&v).Float64()
		return f, true
	case *big.Int:
		if v != nil {
			f, _ := new(big.Float).SetInt(v).Float64()
			return f, true
		}
		return 0, false
	}
	return jsonutil.ToFloat64(raw)
}

// document converts a raw CBOR value into the JSON-like document
// convention. rpcv2Cbor does not support documents; this keeps a model quirk
// from failing a request.
func document(raw any) any {
	switch v := raw.(type) {
	case map[any]any:
		out := make(map[string]any, len(v))
		for k, item := range v {
			out[fmt.Sprint(k)] = document(item)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, item := range v {
			out[i] = document(item)
		}
		return out
	case uint64:
		if v <= math.MaxInt64 {
			return int64(v)
		}
		return float64(v)
	case float32:
		return float64(v)
	case big.Int:
		f, _ := new(big.Float).SetInt(&v).Float64()
		return f
	case fxcbor.Tag:
		return document(v.Content)
	}
	return raw
}

func mismatch(path, want string, got any) *awserr.Error {
	return jsonutil.SerializationError("Expected %s at '%s' but found %s", want, path, kind(got))
}

func kind(v any) string {
	switch v.(type) {
	case map[any]any:
		return "a map"
	case []any:
		return "an array"
	case string:
		return "a text string"
	case []byte:
		return "a byte string"
	case uint64, int64, big.Int, *big.Int:
		return "an integer"
	case float32, float64:
		return "a float"
	case bool:
		return "a boolean"
	case time.Time:
		return "a timestamp"
	case fxcbor.Tag:
		return fmt.Sprintf("tag %d", v.(fxcbor.Tag).Number)
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

// encodeStruct builds the Go tree fxcbor marshals: member wire names to
// typed values, nil members left out as the spec requires.
func encodeStruct(s *model.Shape, v map[string]any, path string) (map[string]any, error) {
	out := make(map[string]any, len(v))
	for _, name := range s.MemberNames {
		mv, ok := v[name]
		if !ok || jsonutil.IsNil(mv) {
			continue
		}
		ref := s.Members[name]
		ev, err := encodeValue(ref, mv, path+"."+name)
		if err != nil {
			return nil, err
		}
		out[ref.Name(name)] = ev
	}
	return out, nil
}

func encodeValue(ref *model.Ref, v any, path string) (any, error) {
	s := ref.Shape
	if jsonutil.IsNil(v) {
		return nil, nil
	}
	if s.Document {
		return v, nil
	}
	switch s.Type {
	case "structure":
		m, ok := v.(map[string]any)
		if !ok {
			return nil, typeError(path, s, v)
		}
		return encodeStruct(s, m, path)
	case "list":
		items, ok := v.([]any)
		if !ok {
			return nil, typeError(path, s, v)
		}
		out := make([]any, len(items))
		for i, item := range items {
			ev, err := encodeValue(s.Member, item, fmt.Sprintf("%s[%d]", path, i))
			if err != nil {
				return nil, err
			}
			out[i] = ev
		}
		return out, nil
	case "map":
		m, ok := v.(map[string]any)
		if !ok {
			return nil, typeError(path, s, v)
		}
		out := make(map[string]any, len(m))
		for k, item := range m {
			if jsonutil.IsNil(item) {
				continue
			}
			ev, err := encodeValue(s.Value, item, path+"."+k)
			if err != nil {
				return nil, err
			}
			out[k] = ev
		}
		return out, nil
	case "string", "character":
		if str, ok := v.(string); ok {
			return str, nil
		}
	case "boolean":
		if b, ok := v.(bool); ok {
			return b, nil
		}
	case "integer", "long", "short", "byte", "biginteger":
		if n, ok := jsonutil.ToInt64(v); ok {
			return n, nil
		}
	case "float":
		if f, ok := jsonutil.ToFloat64(v); ok {
			return float32(f), nil
		}
	case "double", "bigdecimal":
		if f, ok := jsonutil.ToFloat64(v); ok {
			return f, nil
		}
	case "timestamp":
		if t, ok := jsonutil.ToTime(v); ok {
			return epoch(t), nil
		}
	case "blob":
		b, err := jsonutil.BlobBytes(v)
		if err != nil {
			return nil, typeError(path, s, v)
		}
		return b, nil
	default:
		return v, nil
	}
	return nil, typeError(path, s, v)
}

// epoch renders a timestamp as tag 1: an integer when it has no fraction
// (smallest on the wire, and what botocore sends), else double seconds at
// millisecond resolution.
func epoch(t time.Time) fxcbor.Tag {
	t = t.Round(time.Millisecond)
	if t.Nanosecond() == 0 {
		return fxcbor.Tag{Number: tagEpoch, Content: t.Unix()}
	}
	return fxcbor.Tag{Number: tagEpoch, Content: float64(t.UnixMilli()) / 1e3}
}

func typeError(path string, s *model.Shape, v any) error {
	return fmt.Errorf("cbor: %s (%s) cannot hold Go value of type %T", path, s.Type, v)
}
