package restjson

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/model"
	"hakoniwa/internal/protocol"
	"hakoniwa/internal/protocol/jsonutil/jsontest"
	"hakoniwa/internal/protocol/protocoltest"
)

var (
	lambdaOnce sync.Once
	lambdaSvc  *model.Service
	lambdaErr  error
)

func lambda(t *testing.T) *model.Service {
	t.Helper()
	lambdaOnce.Do(func() {
		p, err := protocoltest.RepoFile("models/botocore/lambda/2015-03-31/service-2.json.gz")
		if err != nil {
			lambdaErr = err
			return
		}
		b, err := os.ReadFile(p)
		if err != nil {
			lambdaErr = err
			return
		}
		lambdaSvc, lambdaErr = model.Parse("lambda", b)
	})
	if lambdaErr != nil {
		t.Fatal(lambdaErr)
	}
	return lambdaSvc
}

func request(t *testing.T, method, target, body string) *protocol.Request {
	hr := httptest.NewRequest(method, target, strings.NewReader(body))
	return &protocol.Request{HTTP: hr, Service: lambda(t), RequestID: "rid-1"}
}

func TestResolveAndDecode(t *testing.T) {
	tests := []struct {
		name, method, target, body string
		headers                    map[string]string
		op                         string
		want                       map[string]any
	}{
		{
			"uri label and query", "GET", "/2015-03-31/functions/my-fn?Qualifier=v1", "", nil,
			"GetFunction", map[string]any{"FunctionName": "my-fn", "Qualifier": "v1"},
		},
		{
			"list with query", "GET", "/2015-03-31/functions?MaxItems=5&FunctionVersion=ALL", "", nil,
			"ListFunctions", map[string]any{"MaxItems": int64(5), "FunctionVersion": "ALL"},
		},
		{
			"body members", "PUT", "/2015-03-31/functions/my-fn/configuration",
			`{"Timeout":30,"Environment":{"Variables":{"A":"1"}},"FunctionName":"ignored-body-copy"}`, nil,
			"UpdateFunctionConfiguration",
			map[string]any{"FunctionName": "my-fn", "Timeout": int64(30), "Environment": map[string]any{"Variables": map[string]any{"A": "1"}}},
		},
		{
			"blob payload and headers", "POST", "/2015-03-31/functions/my-fn/invocations", `{"k":1}`,
			map[string]string{"X-Amz-Invocation-Type": "Event", "X-Amz-Client-Context": "e30="},
			"Invoke",
			map[string]any{"FunctionName": "my-fn", "InvocationType": "Event", "ClientContext": "e30=", "Payload": []byte(`{"k":1}`)},
		},
		{
			"empty body", "PUT", "/2015-03-31/functions/my-fn/configuration", "", nil,
			"UpdateFunctionConfiguration", map[string]any{"FunctionName": "my-fn"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := request(t, tt.method, tt.target, tt.body)
			for k, v := range tt.headers {
				req.HTTP.Header.Set(k, v)
			}
			c := New()
			op, err := c.Resolve(req)
			if err != nil {
				t.Fatal(err)
			}
			if op.Name != tt.op {
				t.Fatalf("op = %s, want %s", op.Name, tt.op)
			}
			got, err := c.Decode(req, op)
			if err != nil {
				t.Fatal(err)
			}
			if d := jsontest.Diff(tt.want, got); d != "" {
				t.Fatal(d)
			}
		})
	}
}

func TestResolveMiss(t *testing.T) {
	for _, target := range []string{"/2015-03-31/nothing", "/"} {
		_, err := New().Resolve(request(t, "GET", target, ""))
		e, ok := err.(*awserr.Error)
		if !ok || e.Status != 404 || e.Code != "UnknownOperationException" {
			t.Errorf("%s: err = %v", target, err)
		}
	}
}

func TestDecodeRejects(t *testing.T) {
	tests := []struct{ name, target, body string }{
		{"bad json", "/2015-03-31/functions/f/configuration", `{"Timeout":`},
		{"wrong type", "/2015-03-31/functions/f/configuration", `{"Timeout":"30"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := New()
			req := request(t, "PUT", tt.target, tt.body)
			op, err := c.Resolve(req)
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Decode(req, op)
			if e, ok := err.(*awserr.Error); !ok || e.Code != "SerializationException" || e.Status != 400 {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

func TestEncodeInvokeStream(t *testing.T) {
	op := lambda(t).Operation("Invoke")
	rec := httptest.NewRecorder()
	out := map[string]any{
		"StatusCode":      int64(200),
		"ExecutedVersion": "$LATEST",
		"Payload":         strings.NewReader(`{"ok":true}`),
	}
	if err := New().Encode(rec, request(t, "POST", "/", ""), op, out); err != nil {
		t.Fatal(err)
	}
	if rec.Code != 200 || rec.Body.String() != `{"ok":true}` {
		t.Fatalf("got %d %q", rec.Code, rec.Body.String())
	}
	if rec.Header().Get("X-Amz-Executed-Version") != "$LATEST" {
		t.Errorf("headers = %v", rec.Header())
	}
}

func TestEncodeBody(t *testing.T) {
	op := lambda(t).Operation("GetFunctionConfiguration")
	rec := httptest.NewRecorder()
	out := map[string]any{"FunctionName": "f", "Timeout": int64(3), "MemorySize": nil}
	if err := New().Encode(rec, request(t, "GET", "/", ""), op, out); err != nil {
		t.Fatal(err)
	}
	if rec.Header().Get("Content-Type") != "application/json" {
		t.Errorf("Content-Type = %q", rec.Header().Get("Content-Type"))
	}
	if d := jsontest.JSONDiff([]byte(`{"FunctionName":"f","Timeout":3}`), rec.Body.Bytes()); d != "" {
		t.Fatal(d)
	}
}

func TestEncodeError(t *testing.T) {
	tests := []struct {
		name    string
		err     *awserr.Error
		status  int
		headers map[string]string
		body    string
	}{
		{
			"Message member",
			(&awserr.Error{Code: "ResourceNotFoundException", Message: "Function not found: f", Status: 404}).With("Type", "User"),
			404, map[string]string{"X-Amzn-ErrorType": "ResourceNotFoundException"},
			`{"__type":"ResourceNotFoundException","Message":"Function not found: f","Type":"User"}`,
		},
		{
			"header-bound member by member name",
			(&awserr.Error{Code: "TooManyRequestsException", Message: "Rate exceeded"}).
				With("retryAfterSeconds", "2").With("Reason", "CallerRateLimitExceeded"),
			429, map[string]string{"Retry-After": "2", "X-Amzn-ErrorType": "TooManyRequestsException"},
			`{"__type":"TooManyRequestsException","message":"Rate exceeded","Reason":"CallerRateLimitExceeded"}`,
		},
		{
			"unmodeled",
			awserr.New(http.StatusForbidden, "AccessDeniedException", "denied"),
			403, map[string]string{"X-Amzn-ErrorType": "AccessDeniedException"},
			`{"__type":"AccessDeniedException","message":"denied"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			New().EncodeError(rec, request(t, "GET", "/", ""), lambda(t).Operation("Invoke"), tt.err)
			if rec.Code != tt.status {
				t.Errorf("status = %d, want %d", rec.Code, tt.status)
			}
			for k, v := range tt.headers {
				if got := rec.Header().Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if d := jsontest.JSONDiff([]byte(tt.body), rec.Body.Bytes()); d != "" {
				t.Error(d)
			}
		})
	}
}

func TestDecodeStreamingIsUnread(t *testing.T) {
	// PublishLayerVersion has no streaming payload; find any streaming input
	// in the model to make sure the body is passed through, not buffered.
	svc := lambda(t)
	for _, name := range svc.OperationNames {
		op := svc.Operation(name)
		if op.Input == nil {
			continue
		}
		if _, ref := op.Input.Shape.PayloadMember(); ref == nil || !ref.IsStreaming() {
			continue
		}
		req := &protocol.Request{HTTP: httptest.NewRequest(op.HTTP.Method, "/", strings.NewReader("stream")), Service: svc}
		out := map[string]any{}
		pname, pref := op.Input.Shape.PayloadMember()
		if err := New().(*codec).decodePayload(req, pname, pref, out); err != nil {
			t.Fatal(err)
		}
		r, ok := out[pname].(io.Reader)
		if !ok {
			t.Fatalf("%s: payload is %T, want io.Reader", name, out[pname])
		}
		b, _ := io.ReadAll(r)
		if string(b) != "stream" {
			t.Fatalf("%s: read %q", name, b)
		}
		return
	}
	t.Skip("no streaming input payload in the Lambda model")
}
