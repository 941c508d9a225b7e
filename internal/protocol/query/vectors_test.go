package query_test

import (
	"testing"

	"hakoniwa/internal/protocol/protocoltest"
	"hakoniwa/internal/protocol/query"
)

func TestVectors(t *testing.T) {
	r := &protocoltest.Runner{Codec: query.New(), File: "query", CompareBody: protocoltest.CompareQueryXML}
	t.Run("input", r.Input)
	t.Run("output", r.Output)
}
