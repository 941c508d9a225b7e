package protocoltest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"hakoniwa/internal/model"
	"hakoniwa/internal/protocol"
)

// Runner drives every vector of one protocol through a codec.
type Runner struct {
	Codec protocol.Codec
	// File is the vector file's base name (query, ec2, rest-xml, json, ...).
	File string
	// Skip maps a case name (Suite.Name) to the reason it is excluded; the
	// same table belongs in this package's README.
	Skip map[string]string
	// CompareBody checks an output case's body; nil compares bytes.
	CompareBody func(c *Case, op *model.Operation, want, got []byte) error
}

func (r *Runner) newRequest(hr *http.Request, svc *model.Service) *protocol.Request {
	return &protocol.Request{HTTP: hr, Service: svc, RequestID: "request-id"}
}

// Input runs the input vectors: serialized request → Resolve → Decode →
// compare with the normalized params.
func (r *Runner) Input(t *testing.T) {
	r.each(t, "input", func(t *testing.T, s *Suite, c *Case) {
		svc, op, err := s.Build(c)
		if err != nil {
			t.Fatal(err)
		}
		hr, err := c.Serialized.Request(op.HTTP.Method)
		if err != nil {
			t.Fatal(err)
		}
		req := r.newRequest(hr, svc)
		got, err := r.Codec.Resolve(req)
		if err != nil {
			t.Fatalf("Resolve: %v", err)
		}
		if got != op {
			t.Fatalf("Resolve found %s, want %s", got.Name, op.Name)
		}
		in, err := r.Codec.Decode(req, op)
		if err != nil {
			t.Fatalf("Decode: %v", err)
		}
		want, err := NormalizeInput(c.Params, op)
		if err != nil {
			t.Fatal(err)
		}
		if err := Equal(want, in); err != nil {
			t.Fatal(err)
		}
	})
}

// Output runs the output vectors: normalized result → Encode → compare
// status, the case's headers and the body.
func (r *Runner) Output(t *testing.T) {
	r.each(t, "output", func(t *testing.T, s *Suite, c *Case) {
		svc, op, err := s.Build(c)
		if err != nil {
			t.Fatal(err)
		}
		var shape *model.Shape
		if op.Output != nil {
			shape = op.Output.Shape
		}
		out, err := Normalize(c.Result, shape)
		if err != nil {
			t.Fatal(err)
		}
		hr := httptest.NewRequest(op.HTTP.Method, "http://service.region.amazonaws.com/", strings.NewReader(""))
		rec := httptest.NewRecorder()
		if err := r.Codec.Encode(rec, r.newRequest(hr, svc), op, out); err != nil {
			t.Fatalf("Encode: %v", err)
		}
		resp := c.Response
		if resp.StatusCode != 0 && rec.Code != resp.StatusCode {
			t.Errorf("status %d, want %d", rec.Code, resp.StatusCode)
		}
		for k, v := range resp.Headers {
			if g := rec.Header().Get(k); g != v {
				t.Errorf("header %s = %q, want %q", k, g, v)
			}
		}
		if r.CompareBody != nil {
			if err := r.CompareBody(c, op, []byte(resp.Body), rec.Body.Bytes()); err != nil {
				t.Error(err)
			}
		} else if rec.Body.String() != resp.Body {
			t.Errorf("body %q, want %q", rec.Body.String(), resp.Body)
		}
	})
}

// each runs check as a subtest for every case of the kind ("input" or
// "output") vectors and reports the tally. Cases named in r.Skip count as
// not passed; a case passes when check neither fails nor stops it.
func (r *Runner) each(t *testing.T, kind string, check func(t *testing.T, s *Suite, c *Case)) {
	suites, err := LoadVectors(kind, r.File)
	if err != nil {
		t.Fatal(err)
	}
	tally := &Tally{Name: r.File + " " + kind}
	for si := range suites {
		s := &suites[si]
		for ci := range s.Cases {
			c := &s.Cases[ci]
			name := s.Name(ci)
			t.Run(name, func(t *testing.T) {
				if why, ok := r.Skip[name]; ok {
					tally.Record(false)
					t.Skip(why)
				}
				passed := false
				defer func() { tally.Record(passed) }()
				check(t, s, c)
				passed = !t.Failed()
			})
		}
	}
	tally.Report(t)
}

// CompareQueryXML is the CompareBody of the query and ec2 protocols: request
// ids are the codec's own (checked in codec tests) and map entries come out
// in sorted order.
func CompareQueryXML(_ *Case, op *model.Operation, want, got []byte) error {
	opts := XMLOptions{Ignore: []string{"ResponseMetadata", "RequestId", "requestId"}, IgnoreRootNamespace: true}
	if op.Output != nil {
		opts.Unordered = HasMap(op.Output.Shape)
	}
	return XMLEqual(want, got, opts)
}
