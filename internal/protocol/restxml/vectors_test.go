package restxml_test

import (
	"testing"

	"hakoniwa/internal/model"
	"hakoniwa/internal/protocol/protocoltest"
	"hakoniwa/internal/protocol/restxml"
)

// compareXML: root names are ignored because SDKs never read them and the
// vectors name the same root differently across cases; request ids are
// sent as headers by rest-xml services.
func compareXML(c *protocoltest.Case, op *model.Operation, want, got []byte) error {
	opts := protocoltest.XMLOptions{
		IgnoreRootName:      true,
		IgnoreRootNamespace: true,
		Ignore:              []string{"RequestId"},
	}
	if op.Output != nil {
		opts.Unordered = protocoltest.HasMap(op.Output.Shape)
		if _, ref := op.Output.Shape.PayloadMember(); ref != nil && ref.Shape.Type != "structure" {
			if string(want) != string(got) {
				return &mismatch{want: want, got: got}
			}
			return nil
		}
	}
	return protocoltest.XMLEqual(want, got, opts)
}

type mismatch struct{ want, got []byte }

func (m *mismatch) Error() string { return "payload " + string(m.got) + ", want " + string(m.want) }

func TestVectors(t *testing.T) {
	r := &protocoltest.Runner{Codec: restxml.New(), File: "rest-xml", CompareBody: compareXML}
	t.Run("input", r.Input)
	t.Run("output", r.Output)
}
