package jsonrpc

import (
	"net/http"
	"testing"

	"hakoniwa/internal/model"
	"hakoniwa/internal/protocol/jsonutil/jsontest"
)

// excluded lists vectors that test client-only behaviour; VECTORS.md gives
// the reasons.
var excluded = map[string]string{
	"output/Ignores_extra_data/0":                  "client tolerates unmodeled response members; a server never sends them",
	"output/unmodeled_non-json_response_payload/0": "client tolerates a non-JSON success body; a server never sends one",
	"output/unmodeled_non-json_response_payload/1": "client tolerates a non-object success body; a server never sends one",
}

// withTarget supplies X-Amz-Target where a suite leaves it out (its metadata
// has no targetPrefix): every real client sends one.
func withTarget(svc *model.Service, op *model.Operation, r *http.Request) {
	if r.Header.Get(headerTarget) == "" {
		r.Header.Set(headerTarget, svc.Metadata.TargetPrefix+"."+op.Name)
	}
}

func TestInputVectors(t *testing.T) {
	jsontest.Vectors(t, "input", "json", New, excluded, withTarget)
}

func TestOutputVectors(t *testing.T) {
	jsontest.Vectors(t, "output", "json", New, excluded, nil)
}
