// Package jsonutil turns JSON documents into model value trees and back,
// driven by shapes. It is the body codec shared by the awsJson1_0/1_1 and
// rest-json protocols, and holds what the JSON family (rpcv2Cbor included)
// agrees on besides: error shapes and codes, and reading an RPC body.
// Routing and writing responses stay in the codecs.
//
// Decoding is tolerant where AWS's own servers are (unknown members are
// ignored, null means absent, timestamps are read in any wire format) and
// strict where a client clearly sent the wrong type: such a value is a
// SerializationException, never a silent zero.
package jsonutil

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"net/http"
	"strconv"
	"strings"
	"time"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/model"
	"hakoniwa/internal/protocol/rest"
)

// SerializationError is how every JSON-family service reports a body it
// cannot parse.
func SerializationError(format string, args ...any) *awserr.Error {
	return awserr.New(http.StatusBadRequest, "SerializationException", format, args...)
}

// DecodeStructure parses a JSON object body into the members of shape s.
// An empty (or all-whitespace) body is an empty structure: SDKs send no body
// at all for operations whose input has no members set.
func DecodeStructure(data []byte, s *model.Shape) (map[string]any, error) {
	if s == nil {
		return map[string]any{}, nil
	}
	raw, err := parse(data)
	if err != nil {
		return nil, err
	}
	if raw == nil {
		return map[string]any{}, nil
	}
	return decodeStruct(raw, s, s.MemberNames, s.Name)
}

// DecodeMembers is DecodeStructure limited to the named members: rest-json
// bodies carry only the members not bound to the URI, query or headers.
func DecodeMembers(data []byte, s *model.Shape, names []string) (map[string]any, error) {
	raw, err := parse(data)
	if err != nil {
		return nil, err
	}
	if raw == nil {
		return map[string]any{}, nil
	}
	return decodeStruct(raw, s, names, s.Name)
}

// DecodeValue parses a JSON document as a value of ref's shape: a
// structure, list, map, document or scalar. It serves payload members,
// which are whole bodies of a type other than the input structure. A
// missing body yields nil.
func DecodeValue(data []byte, ref *model.Ref) (any, error) {
	raw, err := parse(data)
	if err != nil || raw == nil {
		return nil, err
	}
	return decodeRef(raw, ref, ref.ShapeName)
}

// parse reads exactly one JSON value, keeping numbers exact so that longs
// beyond 2^53 and decimal timestamps survive.
func parse(data []byte) (any, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var raw any
	if err := dec.Decode(&raw); err != nil {
		return nil, SerializationError("The request body is not valid JSON: %s", describe(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, SerializationError("The request body is not valid JSON: unexpected data after the top-level value")
	}
	return raw, nil
}

func describe(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("%s at offset %d", se.Error(), se.Offset)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return "unexpected end of input"
	}
	return err.Error()
}

func decodeRef(raw any, ref *model.Ref, path string) (any, error) {
	s := ref.Shape
	if s.Document {
		return documentValue(raw), nil
	}
	switch s.Type {
	case "structure":
		return decodeStruct(raw, s, s.MemberNames, path)
	case "list":
		arr, ok := raw.([]any)
		if !ok {
			return nil, mismatch(path, "a list", raw)
		}
		out := make([]any, 0, len(arr))
		for i, item := range arr {
			// A null element carries nothing a handler could use; AWS's
			// servers drop them from non-sparse lists as well.
			if item == nil {
				continue
			}
			v, err := decodeRef(item, s.Member, fmt.Sprintf("%s[%d]", path, i))
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case "map":
		obj, ok := raw.(map[string]any)
		if !ok {
			return nil, mismatch(path, "a map", raw)
		}
		out := make(map[string]any, len(obj))
		for k, item := range obj {
			if item == nil {
				continue
			}
			v, err := decodeRef(item, s.Value, path+"."+k)
			if err != nil {
				return nil, err
			}
			out[k] = v
		}
		return out, nil
	}
	return decodeScalar(raw, ref, path)
}

func decodeStruct(raw any, s *model.Shape, names []string, path string) (map[string]any, error) {
	obj, ok := raw.(map[string]any)
	if !ok {
		return nil, mismatch(path, "a structure", raw)
	}
	out := make(map[string]any, len(obj))
	for _, name := range names {
		ref := s.Members[name]
		item, ok := obj[ref.Name(name)]
		if !ok || item == nil {
			continue
		}
		v, err := decodeRef(item, ref, path+"."+name)
		if err != nil {
			return nil, err
		}
		out[name] = v
	}
	return out, nil
}

func decodeScalar(raw any, ref *model.Ref, path string) (any, error) {
	s := ref.Shape
	switch s.Type {
	case "string", "character":
		v, ok := raw.(string)
		if !ok {
			return nil, mismatch(path, "a string", raw)
		}
		if ref.JSONValue {
			// A jsonvalue member is a JSON document sent as a string; the
			// value tree holds the document.
			doc, err := parse([]byte(v))
			if err != nil {
				return nil, SerializationError("Value at '%s' is not a valid JSON document", path)
			}
			return documentValue(doc), nil
		}
		return v, nil
	case "boolean":
		if v, ok := raw.(bool); ok {
			return v, nil
		}
		return nil, mismatch(path, "a boolean", raw)
	case "integer", "long", "short", "byte", "biginteger":
		n, ok := raw.(json.Number)
		if !ok {
			return nil, mismatch(path, "an integer", raw)
		}
		v, ok := Int64(string(n))
		if !ok {
			return nil, SerializationError("Value %s at '%s' is not a valid %s", n, path, s.Type)
		}
		return v, nil
	case "float", "double", "bigdecimal":
		switch v := raw.(type) {
		case json.Number:
			f, err := strconv.ParseFloat(string(v), 64)
			if err != nil {
				return nil, SerializationError("Value %s at '%s' is not a valid %s", v, path, s.Type)
			}
			return f, nil
		case string:
			// Smithy's JSON protocols spell the non-finite values as strings.
			if f, ok := rest.NonFinite(v); ok {
				return f, nil
			}
		}
		return nil, mismatch(path, "a number", raw)
	case "timestamp":
		var text string
		switch v := raw.(type) {
		case json.Number:
			text = string(v)
		case string:
			text = v
		default:
			return nil, mismatch(path, "a timestamp", raw)
		}
		t, err := rest.ParseTime(text, ref.TimeFormat(rest.Unix))
		if err != nil {
			return nil, SerializationError("Value %s at '%s' is not a valid timestamp", text, path)
		}
		return t, nil
	case "blob":
		str, ok := raw.(string)
		if !ok {
			return nil, mismatch(path, "a base64-encoded blob", raw)
		}
		b, err := Base64(str)
		if err != nil {
			return nil, SerializationError("Value at '%s' is not valid base64", path)
		}
		return b, nil
	}
	// A type the model loader does not know: keep the JSON value rather
	// than fail a request over a model quirk.
	return documentValue(raw), nil
}

// Int64 parses a JSON number as an integer. Integral values written with a
// fraction or exponent ("5.0", "1e3") are accepted, as Java-based AWS
// services do; anything with a real fraction or out of range is not.
func Int64(s string) (int64, bool) {
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		return v, true
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok || !r.IsInt() || !r.Num().IsInt64() {
		return 0, false
	}
	return r.Num().Int64(), true
}

// Base64 decodes a blob, accepting padded and unpadded standard encoding:
// hand-written clients often drop the padding.
func Base64(s string) ([]byte, error) {
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
}

// documentValue converts a raw JSON value into the document convention:
// integral numbers become int64, others float64.
func documentValue(raw any) any {
	switch v := raw.(type) {
	case json.Number:
		if i, err := strconv.ParseInt(string(v), 10, 64); err == nil {
			return i
		}
		f, _ := strconv.ParseFloat(string(v), 64)
		return f
	case []any:
		out := make([]any, len(v))
		for i, item := range v {
			out[i] = documentValue(item)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, item := range v {
			out[k] = documentValue(item)
		}
		return out
	}
	return raw
}

func mismatch(path, want string, got any) *awserr.Error {
	return SerializationError("Expected %s at '%s' but found %s", want, path, jsonKind(got))
}

func jsonKind(v any) string {
	switch v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

// ToTime accepts time.Time and, leniently, epoch seconds as a number.
func ToTime(v any) (time.Time, bool) {
	switch t := v.(type) {
	case time.Time:
		return t, true
	case *time.Time:
		if t != nil {
			return *t, true
		}
	}
	if f, ok := ToFloat64(v); ok && !math.IsNaN(f) && !math.IsInf(f, 0) {
		return rest.EpochTime(f), true
	}
	return time.Time{}, false
}
