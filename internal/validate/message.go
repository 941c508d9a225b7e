package validate

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// coralMessage renders violations the way AWS's request validator does:
//
//	2 validation errors detected: Value 'x' at 'a' failed to satisfy
//	constraint: ...; Value null at 'b' failed to satisfy constraint: ...
func coralMessage(vs []Violation) string {
	var b strings.Builder
	b.WriteString(strconv.Itoa(len(vs)))
	if len(vs) == 1 {
		b.WriteString(" validation error detected: ")
	} else {
		b.WriteString(" validation errors detected: ")
	}
	for i, v := range vs {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString("Value ")
		switch {
		case v.Value == nil:
			b.WriteString("null ")
		case v.Sensitive:
			// AWS omits sensitive values entirely, quotes included.
		default:
			b.WriteByte('\'')
			b.WriteString(javaString(v.Value))
			b.WriteString("' ")
		}
		b.WriteString("at '")
		b.WriteString(v.Path)
		b.WriteString("' failed to satisfy constraint: ")
		b.WriteString(v.Message)
	}
	return b.String()
}

// javaString renders a value as the Java service's toString would, since
// that is what AWS echoes in its messages: lists as "[a, b]", maps as
// "{k=v}", blobs as the ByteBuffer's description.
func javaString(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	case int32:
		return strconv.FormatInt(int64(x), 10)
	case float64:
		return javaDouble(x)
	case float32:
		return javaDouble(float64(x))
	case []byte:
		return fmt.Sprintf("java.nio.HeapByteBuffer[pos=0 lim=%d cap=%d]", len(x), len(x))
	case time.Time:
		return x.UTC().Format("Mon Jan 02 15:04:05 UTC 2006")
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = javaString(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := sortedKeys(x)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + "=" + javaString(x[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case io.Reader:
		return "java.io.InputStream"
	}
	return fmt.Sprint(v)
}

// javaDouble formats f like Java's Double.toString: always a fraction
// ("1.0"), scientific notation outside [1e-3, 1e7).
func javaDouble(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	if a := math.Abs(f); a >= 1e-3 && a < 1e7 {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(f, 'E', -1, 64) // e.g. 1.5E+10
	mant, exp, _ := strings.Cut(s, "E")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	e, _ := strconv.Atoi(exp) // Go pads the exponent ("E-05"); Java does not
	return mant + "E" + strconv.Itoa(e)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
