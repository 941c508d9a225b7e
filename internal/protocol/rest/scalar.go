package rest

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"hakoniwa/internal/model"
	"hakoniwa/internal/protocol"
)

// ErrType reports a value that does not parse as its shape's type; codecs
// turn it into their protocol's client error.
var ErrType = errors.New("value does not match its type")

// ParseScalar converts the text form of a scalar (as found in a header,
// query string, URI label, form field or XML element) into the model's value
// convention. timeFormat is the protocol's default for this location; the
// ref's own timestampFormat wins.
func ParseScalar(ref *model.Ref, s, timeFormat string) (any, error) {
	switch ref.Shape.Type {
	case "string", "character", "bigdecimal", "biginteger":
		if ref.JSONValue {
			return parseJSONValue(s)
		}
		return s, nil
	case "boolean":
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
	case "integer", "long", "short", "byte":
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, bitsFor(ref.Shape.Type))
		if err == nil {
			return n, nil
		}
	case "float", "double":
		if f, ok := ParseFloat(strings.TrimSpace(s)); ok {
			return f, nil
		}
	case "timestamp":
		if t, err := ParseTime(s, ref.TimeFormat(timeFormat)); err == nil {
			return t, nil
		}
	case "blob":
		if b, err := DecodeBase64(s); err == nil {
			return b, nil
		}
	default:
		return s, nil
	}
	return nil, fmt.Errorf("%w: %q is not a valid %s", ErrType, protocol.Clip(s), ref.Shape.Type)
}

// FormatScalar is ParseScalar's inverse.
func FormatScalar(ref *model.Ref, v any, timeFormat string) (string, error) {
	switch x := v.(type) {
	case string:
		if ref.JSONValue {
			return formatJSONValue(x)
		}
		return x, nil
	case bool:
		return strconv.FormatBool(x), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case int:
		return strconv.Itoa(x), nil
	case int32:
		return strconv.FormatInt(int64(x), 10), nil
	case float64:
		return FormatFloat(x), nil
	case float32:
		return FormatFloat(float64(x)), nil
	case time.Time:
		return FormatTime(x, ref.TimeFormat(timeFormat)), nil
	case []byte:
		return base64.StdEncoding.EncodeToString(x), nil
	}
	if ref.JSONValue {
		return formatJSONValue(v)
	}
	return "", fmt.Errorf("%w: cannot write %T as %s", ErrType, v, ref.Shape.Type)
}

// ParseFloat accepts decimal numbers and Smithy's spellings of the
// non-finite values.
func ParseFloat(s string) (float64, bool) {
	if f, ok := NonFinite(s); ok {
		return f, true
	}
	if s == "" || strings.ContainsAny(s, "xXpP_") || strings.EqualFold(strings.TrimLeft(s, "+-"), "inf") || strings.EqualFold(strings.TrimLeft(s, "+-"), "infinity") || strings.EqualFold(s, "nan") {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}

// NonFinite reads Smithy's spellings of NaN and the infinities, the same in
// text locations and in JSON bodies (where they are strings).
func NonFinite(s string) (float64, bool) {
	switch s {
	case "NaN":
		return math.NaN(), true
	case "Infinity":
		return math.Inf(1), true
	case "-Infinity":
		return math.Inf(-1), true
	}
	return 0, false
}

// FormatFloat writes the shortest decimal that reads back as f, without an
// exponent for the magnitudes AWS values take, and Smithy's non-finite names.
func FormatFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f != 0 && (math.Abs(f) >= 1e21 || math.Abs(f) < 1e-6):
		return strconv.FormatFloat(f, 'E', -1, 64)
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// DecodeBase64 accepts padded and unpadded standard base64: clients differ.
func DecodeBase64(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
}

func bitsFor(t string) int {
	switch t {
	case "integer":
		return 32
	case "short":
		return 16
	case "byte":
		return 8
	}
	return 64
}

// A jsonvalue member travels as base64-encoded JSON in headers.
func parseJSONValue(s string) (any, error) {
	b, err := DecodeBase64(s)
	if err != nil {
		return nil, fmt.Errorf("%w: header is not base64", ErrType)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("%w: header is not base64-encoded JSON", ErrType)
	}
	return v, nil
}

// parsePlainJSON reads a jsonvalue member from the query string, where,
// unlike in headers, it travels as plain JSON.
func parsePlainJSON(s string) (any, error) {
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return nil, fmt.Errorf("%w: query parameter is not JSON", ErrType)
	}
	return v, nil
}

func formatJSONValue(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrType, err)
	}
	return base64.StdEncoding.EncodeToString(b), nil
}
