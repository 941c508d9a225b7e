package restjson

import (
	"testing"

	"hakoniwa/internal/protocol/jsonutil/jsontest"
)

// excluded lists vectors that test client-only behaviour; see
// ../jsonrpc/VECTORS.md for the reasons.
var excluded = map[string]string{
	"output/Scalar_members/0": "vector (aws-sdk-go v1 era) expects an iso8601 body timestamp; restJson1 sends " +
		"epoch seconds, which aws-sdk-go-v2 requires (it rejects a string)",
	"output/Ignores_extra_data/0":       "client tolerates unmodeled response members; a server never sends them",
	"output/Ignores_undefined_output/0": "client ignores a body for an operation without output; a server sends none",
	"output/Supports_header_maps/0": "the header map sets Content-Length: 10 on a 2-byte body; a server must " +
		"send the real length",
}

func TestInputVectors(t *testing.T) {
	jsontest.Vectors(t, "input", "rest-json", New, excluded, nil)
}

func TestOutputVectors(t *testing.T) {
	jsontest.Vectors(t, "output", "rest-json", New, excluded, nil)
}
