package jsontest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"hakoniwa/internal/model"
	"hakoniwa/internal/protocol"
	"hakoniwa/internal/protocol/protocoltest"
)

// Vectors runs every case of models/protocol_tests/<kind>/<proto>.json
// against the codec made by newCodec and logs "vectors <proto> <kind>: P/T
// passed". Cases named in excluded (by "<kind>/<suite>/<n>") are skipped
// with their reason. prepare, if set, may adjust an input request the way a
// real client would (e.g. add a header the vector leaves out).
func Vectors(t *testing.T, kind, proto string, newCodec func() protocol.Codec, excluded map[string]string,
	prepare func(svc *model.Service, op *model.Operation, r *http.Request)) {
	suites, err := protocoltest.LoadVectors(kind, proto)
	if err != nil {
		t.Fatal(err)
	}
	passed, total, skipped := 0, 0, 0
	for si := range suites {
		s := &suites[si]
		for ci := range s.Cases {
			c := &s.Cases[ci]
			name := kind + "/" + s.Name(ci)
			total++
			if why, ok := excluded[name]; ok {
				skipped++
				t.Logf("%s: excluded: %s", name, why)
				continue
			}
			ok := t.Run(name, func(t *testing.T) {
				if kind == "input" {
					runInput(t, s, c, newCodec(), prepare)
				} else {
					runOutput(t, s, c, newCodec())
				}
			})
			if ok {
				passed++
			}
		}
	}
	t.Logf("vectors %s %s: %d/%d passed (%d excluded)", proto, kind, passed, total, skipped)
}

func runInput(t *testing.T, s *protocoltest.Suite, c *protocoltest.Case, cd protocol.Codec,
	prepare func(*model.Service, *model.Operation, *http.Request)) {
	svc, op, err := build(t, s, c)
	if err != nil {
		t.Fatal(err)
	}
	hr, err := c.Serialized.Request(op.HTTP.Method)
	if err != nil {
		t.Fatal(err)
	}
	if prepare != nil {
		prepare(svc, op, hr)
	}
	req := &protocol.Request{HTTP: hr, Service: svc}
	got, err := cd.Resolve(req)
	if err != nil {
		t.Fatalf("Resolve: %v", err)
	}
	if got != op {
		t.Fatalf("Resolve = %s, want %s", got.Name, op.Name)
	}
	in, err := cd.Decode(req, op)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	// Streams are compared by content.
	for k, v := range in {
		if r, ok := v.(io.Reader); ok {
			b, err := io.ReadAll(r)
			if err != nil {
				t.Fatal(err)
			}
			in[k] = b
		}
	}
	want, err := protocoltest.NormalizeInput(c.Params, op)
	if err != nil {
		t.Fatal(err)
	}
	if d := Diff(want, in); d != "" {
		t.Errorf("decoded params differ: %s", d)
	}
}

func runOutput(t *testing.T, s *protocoltest.Suite, c *protocoltest.Case, cd protocol.Codec) {
	svc, op, err := build(t, s, c)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if op.Output != nil {
		if out, err = protocoltest.Normalize(c.Result, op.Output.Shape); err != nil {
			t.Fatal(err)
		}
	}
	hr := httptest.NewRequest(op.HTTP.Method, "/", strings.NewReader(""))
	req := &protocol.Request{HTTP: hr, Service: svc}
	rec := httptest.NewRecorder()
	if err := cd.Encode(rec, req, op, out); err != nil {
		t.Fatalf("Encode: %v", err)
	}
	if want := c.Response.StatusCode; want != 0 && rec.Code != want {
		t.Errorf("status = %d, want %d", rec.Code, want)
	}
	for k, v := range c.Response.Headers {
		if got := rec.Header().Get(k); got != v {
			t.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
	want := []byte(c.Response.Body)
	if json.Valid(want) || len(bytes.TrimSpace(want)) == 0 {
		if d := JSONDiff(want, rec.Body.Bytes()); d != "" {
			t.Errorf("body differs: %s", d)
		}
	} else if !bytes.Equal(want, rec.Body.Bytes()) {
		// A raw (blob or string payload) body.
		t.Errorf("body = %q, want %q", rec.Body.Bytes(), want)
	}
}

// build is Suite.Build plus one hoist it does not do yet: rest-json vectors
// put the payload trait on the operation's input/output reference, while
// package model reads it from the shape.
func build(t *testing.T, s *protocoltest.Suite, c *protocoltest.Case) (*model.Service, *model.Operation, error) {
	svc, op, err := s.Build(c)
	if err != nil {
		return nil, nil, err
	}
	var given struct {
		Input, Output *struct {
			Payload string `json:"payload"`
		}
	}
	if err := json.Unmarshal(c.Given, &given); err != nil {
		return nil, nil, err
	}
	if given.Input != nil && given.Input.Payload != "" && op.Input != nil && op.Input.Shape.Payload == "" {
		op.Input.Shape.Payload = given.Input.Payload
	}
	if given.Output != nil && given.Output.Payload != "" && op.Output != nil && op.Output.Shape.Payload == "" {
		op.Output.Shape.Payload = given.Output.Payload
	}
	return svc, op, nil
}
