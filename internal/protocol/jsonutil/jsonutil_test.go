package jsonutil

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"hakoniwa/internal/model"
	"hakoniwa/internal/protocol/jsonutil/jsontest"
)

func shapes(t *testing.T, doc string) map[string]*model.Shape {
	t.Helper()
	var raw map[string]*json.RawMessage
	if err := json.Unmarshal([]byte(doc), &raw); err != nil {
		t.Fatal(err)
	}
	s, err := model.ParseShapes(raw)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

const testShapes = `{
  "S": {"type": "structure", "members": {
    "Str": {"shape": "Str"}, "Renamed": {"shape": "Str", "locationName": "wire"},
    "F": {"shape": "F"}, "D": {"shape": "D"}, "I": {"shape": "I"},
    "Unix": {"shape": "T"}, "Iso": {"shape": "T", "timestampFormat": "iso8601"}, "Rfc": {"shape": "T", "timestampFormat": "rfc822"},
    "Blob": {"shape": "B"}, "Doc": {"shape": "Doc"}, "JV": {"shape": "Str", "jsonvalue": true},
    "M": {"shape": "M"}
  }},
  "Str": {"type": "string"}, "F": {"type": "float"}, "D": {"type": "double"}, "I": {"type": "long"},
  "T": {"type": "timestamp"}, "B": {"type": "blob"}, "Doc": {"type": "structure", "members": {}, "document": true},
  "M": {"type": "map", "key": {"shape": "Str"}, "value": {"shape": "I"}}
}`

func TestEncodeStructure(t *testing.T) {
	s := shapes(t, testShapes)["S"]
	ts := time.Date(2014, 4, 29, 18, 30, 38, 0, time.UTC)
	tests := []struct {
		name string
		in   map[string]any
		want string
	}{
		{"escaping keeps html", map[string]any{"Str": "<a&b>\"\\\n\x01\u2028"}, `{"Str":"<a&b>\"\\\n\u0001\u2028"}`},
		{"invalid utf-8", map[string]any{"Str": "a\xffb"}, `{"Str":"a\ufffdb"}`},
		{"locationName", map[string]any{"Renamed": "x"}, `{"wire":"x"}`},
		{"float32 prints short", map[string]any{"F": 1.2000000476837158}, `{"F":1.2}`},
		{"double", map[string]any{"D": 1e21}, `{"D":1e+21}`},
		{"non-finite", map[string]any{"D": math.NaN(), "F": math.Inf(-1)}, `{"F":"-Infinity","D":"NaN"}`},
		{"int kinds", map[string]any{"I": 7}, `{"I":7}`},
		{"timestamps", map[string]any{"Unix": ts.Add(500 * time.Millisecond), "Iso": ts, "Rfc": ts},
			`{"Unix":1398796238.5,"Iso":"2014-04-29T18:30:38Z","Rfc":"Tue, 29 Apr 2014 18:30:38 GMT"}`},
		{"blob", map[string]any{"Blob": []byte("hi!")}, `{"Blob":"aGkh"}`},
		{"document and jsonvalue", map[string]any{"Doc": map[string]any{"a": []any{1, "x"}}, "JV": map[string]any{"k": true}},
			`{"Doc":{"a":[1,"x"]},"JV":"{\"k\":true}"}`},
		{"map keys sorted, nil skipped", map[string]any{"M": map[string]any{"b": int64(2), "a": int64(1)}, "Str": nil}, `{"M":{"a":1,"b":2}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := EncodeStructure(s, tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Fatalf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
	if _, err := EncodeStructure(s, map[string]any{"I": "seven"}); err == nil {
		t.Fatal("want an error for a string in a long member")
	}
}

func TestDecodeStructure(t *testing.T) {
	s := shapes(t, testShapes)["S"]
	ts := time.Date(2014, 4, 29, 18, 30, 38, 0, time.UTC)
	tests := []struct {
		name, in string
		want     map[string]any
	}{
		{"locationName", `{"wire":"x","Renamed":"not me"}`, map[string]any{"Renamed": "x"}},
		{"non-finite", `{"D":"Infinity","F":"NaN"}`, map[string]any{"D": math.Inf(1), "F": math.NaN()}},
		{"big long exact", `{"I":9007199254740993}`, map[string]any{"I": int64(9007199254740993)}},
		{"timestamps any format", `{"Unix":1398796238,"Iso":"2014-04-29T18:30:38Z","Rfc":"Tue, 29 Apr 2014 18:30:38 GMT"}`,
			map[string]any{"Unix": ts, "Iso": ts, "Rfc": ts}},
		{"unpadded base64", `{"Blob":"aGk"}`, map[string]any{"Blob": []byte("hi")}},
		{"document numbers", `{"Doc":{"i":1,"f":1.5,"n":null}}`, map[string]any{"Doc": map[string]any{"i": int64(1), "f": 1.5, "n": nil}}},
		{"jsonvalue", `{"JV":"{\"k\":[1]}"}`, map[string]any{"JV": map[string]any{"k": []any{int64(1)}}}},
		{"map null values dropped", `{"M":{"a":1,"b":null}}`, map[string]any{"M": map[string]any{"a": int64(1)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeStructure([]byte(tt.in), s)
			if err != nil {
				t.Fatal(err)
			}
			if d := jsontest.Diff(tt.want, got); d != "" {
				t.Fatal(d)
			}
		})
	}
	for _, bad := range []string{`{"JV":"{nope"}`, `{"Unix":"yesterday"}`, `{"D":"Inf"}`, `{"M":[]}`, `{"Str":true}`} {
		if _, err := DecodeStructure([]byte(bad), s); err == nil {
			t.Errorf("%s: want SerializationException", bad)
		}
	}
}
