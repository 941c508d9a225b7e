package jsonrpc

import (
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/model"
	"hakoniwa/internal/protocol"
	"hakoniwa/internal/protocol/jsonutil/jsontest"
	"hakoniwa/internal/protocol/protocoltest"
)

var models sync.Map // id → *model.Service, loaded once per test binary

func load(t *testing.T, id, version string) *model.Service {
	t.Helper()
	if svc, ok := models.Load(id); ok {
		return svc.(*model.Service)
	}
	p, err := protocoltest.RepoFile("models/botocore/" + id + "/" + version + "/service-2.json.gz")
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
	models.Store(id, svc)
	return svc
}

func sqs(t *testing.T) *model.Service      { return load(t, "sqs", "2012-11-05") }
func dynamodb(t *testing.T) *model.Service { return load(t, "dynamodb", "2012-08-10") }
func kms(t *testing.T) *model.Service      { return load(t, "kms", "2014-11-01") }

func request(svc *model.Service, target, contentType, body string) *protocol.Request {
	hr := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	if target != "" {
		hr.Header.Set("X-Amz-Target", target)
	}
	if contentType != "" {
		hr.Header.Set("Content-Type", contentType)
	}
	return &protocol.Request{HTTP: hr, Service: svc, RequestID: "rid-1"}
}

func wantCode(t *testing.T, err error, status int, code string) {
	t.Helper()
	e, ok := err.(*awserr.Error)
	if !ok || e.Code != code || e.Status != status {
		t.Fatalf("error = %#v, want %d %s", err, status, code)
	}
}

func TestResolve(t *testing.T) {
	tests := []struct {
		name, target, want string
	}{
		{"dynamodb", "DynamoDB_20120810.PutItem", "PutItem"},
		{"missing header", "", ""},
		{"no dot", "PutItem", ""},
		{"wrong prefix", "AmazonSQS.PutItem", ""},
		{"unknown op", "DynamoDB_20120810.DropEverything", ""},
		{"case matters", "DynamoDB_20120810.putitem", ""},
		{"empty op", "DynamoDB_20120810.", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op, err := New().Resolve(request(dynamodb(t), tt.target, "", ""))
			if tt.want == "" {
				wantCode(t, err, 400, "UnknownOperationException")
				return
			}
			if err != nil || op.Name != tt.want {
				t.Fatalf("Resolve = %v, %v; want %s", op, err, tt.want)
			}
		})
	}
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name, op, body string
		want           map[string]any
	}{
		{"empty body", "ListTables", "", map[string]any{}},
		{"whitespace body", "ListTables", " \n", map[string]any{}},
		{"null body", "ListTables", "null", map[string]any{}},
		{"unknown members ignored", "ListTables", `{"Limit":5,"Bogus":{"x":1}}`, map[string]any{"Limit": int64(5)}},
		{"integral exponent", "ListTables", `{"Limit":1e2}`, map[string]any{"Limit": int64(100)}},
		{
			"recursive union with blob and null",
			"PutItem",
			`{"TableName":"t","Item":{"k":{"S":"v"},"b":{"B":"AAEC"},"l":{"L":[{"N":"1.5"},null,{"BOOL":true}]}},"Expected":null}`,
			map[string]any{
				"TableName": "t",
				"Item": map[string]any{
					"k": map[string]any{"S": "v"},
					"b": map[string]any{"B": []byte{0, 1, 2}},
					"l": map[string]any{"L": []any{map[string]any{"N": "1.5"}, map[string]any{"BOOL": true}}},
				},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := dynamodb(t)
			got, err := New().Decode(request(svc, "", "", tt.body), svc.Operation(tt.op))
			if err != nil {
				t.Fatal(err)
			}
			if d := jsontest.Diff(tt.want, got); d != "" {
				t.Fatal(d)
			}
		})
	}
}

func TestDecodeTimestamps(t *testing.T) {
	svc := load(t, "cloudtrail", "2013-11-01")
	want := time.Date(2024, 1, 2, 3, 4, 5, 678e6, time.UTC)
	for _, body := range []string{
		`{"StartTime":1704164645.678}`,
		`{"StartTime":"2024-01-02T03:04:05.678Z"}`,
		`{"StartTime":"1704164645.678"}`,
	} {
		got, err := New().Decode(request(svc, "", "", body), svc.Operation("LookupEvents"))
		if err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		if d := jsontest.Diff(map[string]any{"StartTime": want}, got); d != "" {
			t.Errorf("%s: %s", body, d)
		}
	}
}

func TestDecodeRejects(t *testing.T) {
	tests := []struct{ name, body string }{
		{"truncated", `{"TableName":`},
		{"array", `[]`},
		{"trailing data", `{} {}`},
		{"string for integer", `{"Limit":"5"}`},
		{"fraction for integer", `{"Limit":1.5}`},
		{"overflow", `{"Limit":9223372036854775808}`},
		{"number for string", `{"ExclusiveStartTableName":5}`},
		{"bad base64", `{"TableName":"t","Item":{"b":{"B":"!!"}}}`},
		{"object for list", `{"TableName":"t","Item":{"l":{"L":{}}}}`},
		{"not json", `TableName=t`},
	}
	svc := dynamodb(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op := svc.Operation("ListTables")
			if strings.Contains(tt.body, "Item") {
				op = svc.Operation("PutItem")
			}
			_, err := New().Decode(request(svc, "", "", tt.body), op)
			wantCode(t, err, 400, "SerializationException")
		})
	}
}

func TestEncode(t *testing.T) {
	svc := dynamodb(t)
	tests := []struct {
		name, reqCT, wantCT string
	}{
		{"echo 1.0", "application/x-amz-json-1.0", "application/x-amz-json-1.0"},
		{"echo 1.1 even to a 1.0 service", "application/x-amz-json-1.1", "application/x-amz-json-1.1"},
		{"model version otherwise", "application/json", "application/x-amz-json-1.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			out := map[string]any{"TableNames": []any{"a", "b"}, "LastEvaluatedTableName": nil}
			if err := New().Encode(rec, request(svc, "", tt.reqCT, ""), svc.Operation("ListTables"), out); err != nil {
				t.Fatal(err)
			}
			if got := rec.Header().Get("Content-Type"); got != tt.wantCT {
				t.Errorf("Content-Type = %q, want %q", got, tt.wantCT)
			}
			if got := rec.Body.String(); got != `{"TableNames":["a","b"]}` {
				t.Errorf("body = %s", got)
			}
			if rec.Header().Get("X-Amzn-RequestId") != "rid-1" {
				t.Errorf("missing request id")
			}
		})
	}
}

func TestEncodeError(t *testing.T) {
	tests := []struct {
		name      string
		svc       func(*testing.T) *model.Service
		op        string
		err       *awserr.Error
		status    int
		errorType string
		query     string
		body      string
	}{
		{
			"sqs by shape name",
			sqs, "GetQueueUrl",
			&awserr.Error{Code: "QueueDoesNotExist", Message: "The specified queue does not exist.", Status: 400},
			400, "QueueDoesNotExist", "QueueDoesNotExist;Sender",
			`{"__type":"QueueDoesNotExist","message":"The specified queue does not exist."}`,
		},
		{
			"sqs unmodeled legacy code",
			sqs, "GetQueueUrl",
			&awserr.Error{Code: "AWS.SimpleQueueService.NonExistentQueue", Message: "gone", Status: 400},
			400, "AWS.SimpleQueueService.NonExistentQueue", "AWS.SimpleQueueService.NonExistentQueue;Sender",
			`{"__type":"AWS.SimpleQueueService.NonExistentQueue","message":"gone"}`,
		},
		{
			"dynamodb Message member and typed fields",
			dynamodb, "TransactWriteItems",
			(&awserr.Error{Code: "TransactionCanceledException", Message: "cancelled", Status: 400}).With("Extra", "x"),
			400, "TransactionCanceledException", "",
			`{"__type":"TransactionCanceledException","Message":"cancelled","Extra":"x"}`,
		},
		{
			"status from the model when unset",
			kms, "Decrypt",
			&awserr.Error{Code: "NotFoundException", Message: "no key"},
			400, "NotFoundException", "",
			`{"__type":"NotFoundException","message":"no key"}`,
		},
		{
			"internal failure",
			kms, "Decrypt",
			awserr.Internal(),
			500, "InternalFailure", "",
			`{"__type":"InternalFailure","message":"` + awserr.Internal().Message + `"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := tt.svc(t)
			rec := httptest.NewRecorder()
			New().EncodeError(rec, request(svc, "", "", ""), svc.Operation(tt.op), tt.err)
			if rec.Code != tt.status {
				t.Errorf("status = %d, want %d", rec.Code, tt.status)
			}
			h := rec.Header()
			if got := h.Get("X-Amzn-ErrorType"); got != tt.errorType {
				t.Errorf("x-amzn-ErrorType = %q, want %q", got, tt.errorType)
			}
			if got := h.Get("X-Amzn-Query-Error"); got != tt.query {
				t.Errorf("x-amzn-query-error = %q, want %q", got, tt.query)
			}
			if d := jsontest.JSONDiff([]byte(tt.body), rec.Body.Bytes()); d != "" {
				t.Error(d)
			}
		})
	}
}

func TestEncodeErrorWithoutOperation(t *testing.T) {
	rec := httptest.NewRecorder()
	_, err := New().Resolve(request(dynamodb(t), "Nope.Nope", "application/x-amz-json-1.0", ""))
	New().EncodeError(rec, request(dynamodb(t), "", "application/x-amz-json-1.0", ""), nil, awserr.As(err))
	if rec.Code != 400 || rec.Body.String() != `{"__type":"UnknownOperationException"}` {
		t.Fatalf("got %d %s", rec.Code, rec.Body.String())
	}
}
