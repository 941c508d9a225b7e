package jsonutil

import (
	"errors"
	"os"
	"testing"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/model"
	"hakoniwa/internal/protocol/protocoltest"
)

func loadModel(t testing.TB, id, rel string) *model.Service {
	t.Helper()
	p, err := protocoltest.RepoFile(rel)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := model.Parse(id, b)
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// FuzzJSONDecode decodes arbitrary bytes as inputs of DynamoDB operations
// (deeply recursive AttributeValue unions, blobs, numbers, maps). Any outcome
// but a panic or a non-awserr error is fine.
func FuzzJSONDecode(f *testing.F) {
	for _, seed := range []string{
		`{}`, ``, `null`, `[]`, `{"TableName":"t","Item":{"a":{"N":"1"},"b":{"B":"AAE="},"c":{"L":[{"M":{"x":{"BOOL":true}}}]}}}`,
		`{"Limit":1e400}`, `{"Limit":"5"}`, `{"ExclusiveStartKey":{"k":{"SS":["a",null]}}}`, `{"TableName":"t"} x`,
		`{"ReturnConsumedCapacity":{"a":[[[[[[]]]]]]}}`, `{"Limit":9223372036854775808}`,
	} {
		f.Add([]byte(seed))
	}
	svc := loadModel(f, "dynamodb", "models/botocore/dynamodb/2012-08-10/service-2.json.gz")
	ops := []string{"PutItem", "Query", "BatchWriteItem", "TransactWriteItems", "CreateTable"}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, name := range ops {
			v, err := DecodeStructure(body, svc.Operation(name).Input.Shape)
			var ae *awserr.Error
			if err != nil && !errors.As(err, &ae) {
				t.Fatalf("%s: non-AWS error %T: %v", name, err, err)
			}
			if err == nil {
				// Whatever decodes must encode again.
				if _, err := EncodeStructure(svc.Operation(name).Input.Shape, v); err != nil {
					t.Fatalf("%s: re-encode: %v", name, err)
				}
			}
		}
	})
}
