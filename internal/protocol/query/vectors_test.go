package query_test

import (
	"testing"

	"hakoniwa/internal/model"
	"hakoniwa/internal/protocol/protocoltest"
	"hakoniwa/internal/protocol/query"
)

// xmlOutputOptions is how query output bodies are compared: request ids
// are the codec's own (checked in codec tests) and map entries come out in
// sorted order.
func compareXML(c *protocoltest.Case, op *model.Operation, want, got []byte) error {
	opts := protocoltest.XMLOptions{Ignore: []string{"ResponseMetadata", "RequestId", "requestId"}, IgnoreRootNamespace: true}
	if op.Output != nil {
		opts.Unordered = protocoltest.HasMap(op.Output.Shape)
	}
	return protocoltest.XMLEqual(want, got, opts)
}

func TestVectors(t *testing.T) {
	r := &protocoltest.Runner{Codec: query.New(), File: "query", CompareBody: compareXML}
	t.Run("input", r.Input)
	t.Run("output", r.Output)
}
