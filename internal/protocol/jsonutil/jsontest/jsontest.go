// Package jsontest holds test helpers shared by the JSON-family codecs:
// turning vector params into model value trees and comparing trees and JSON
// documents semantically.
package jsontest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"time"
)

func num(raw any) (float64, bool) {
	switch v := raw.(type) {
	case float64:
		return v, true
	case json.Number:
		f, err := v.Float64()
		return f, err == nil
	}
	return 0, false
}

func normalizeDoc(raw any) any {
	switch v := raw.(type) {
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
			return int64(v)
		}
		return v
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return i
		}
		f, _ := v.Float64()
		return f
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = normalizeDoc(x)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = normalizeDoc(x)
		}
		return out
	}
	return raw
}

// Diff compares two value trees and describes the first difference, or
// returns "" when they are equal. Times compare by instant, NaNs equal
// each other.
func Diff(want, got any) string {
	return diff("", want, got)
}

func diff(path string, want, got any) string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Sprintf("%s: want map, got %T (%v)", path, got, got)
		}
		for _, k := range keys(w, g) {
			if d := diff(path+"."+k, w[k], g[k]); d != "" {
				return d
			}
		}
		return ""
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return fmt.Sprintf("%s: want %v, got %v", path, want, got)
		}
		for i := range w {
			if d := diff(fmt.Sprintf("%s[%d]", path, i), w[i], g[i]); d != "" {
				return d
			}
		}
		return ""
	case time.Time:
		g, ok := got.(time.Time)
		if !ok || !g.Equal(w) {
			return fmt.Sprintf("%s: want %v, got %v", path, want, got)
		}
		return ""
	case []byte:
		g, ok := got.([]byte)
		if !ok || !bytes.Equal(w, g) {
			return fmt.Sprintf("%s: want %q, got %v", path, w, got)
		}
		return ""
	case float64:
		if g, ok := got.(float64); ok && math.IsNaN(w) && math.IsNaN(g) {
			return ""
		}
	}
	if !reflect.DeepEqual(want, got) {
		return fmt.Sprintf("%s: want %#v, got %#v", path, want, got)
	}
	return ""
}

func keys(a, b map[string]any) []string {
	set := map[string]bool{}
	for k := range a {
		set[k] = true
	}
	for k := range b {
		set[k] = true
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// JSONDiff compares two JSON documents semantically: key order and number
// spelling (1.0 vs 1) do not matter. An empty want matches an empty or "{}"
// body.
func JSONDiff(want, got []byte) string {
	if len(bytes.TrimSpace(want)) == 0 {
		want = []byte("{}")
	}
	if len(bytes.TrimSpace(got)) == 0 {
		got = []byte("{}")
	}
	var w, g any
	if err := json.Unmarshal(want, &w); err != nil {
		return fmt.Sprintf("want is not JSON: %v", err)
	}
	if err := json.Unmarshal(got, &g); err != nil {
		return fmt.Sprintf("got is not JSON (%v): %s", err, got)
	}
	if d := diff("", w, g); d != "" {
		return d + "\n got body: " + string(got)
	}
	return ""
}
