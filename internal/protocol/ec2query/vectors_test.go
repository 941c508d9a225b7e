package ec2query_test

import (
	"testing"

	"hakoniwa/internal/protocol/ec2query"
	"hakoniwa/internal/protocol/protocoltest"
)

func TestVectors(t *testing.T) {
	r := &protocoltest.Runner{Codec: ec2query.New(), File: "ec2", CompareBody: protocoltest.CompareQueryXML}
	t.Run("input", r.Input)
	t.Run("output", r.Output)
}
