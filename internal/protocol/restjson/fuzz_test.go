package restjson

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/protocol"
	"hakoniwa/internal/protocol/protocoltest"
)

// FuzzRestJSONDecode feeds arbitrary Lambda requests (method, path with
// labels and query, JSON body, a header) through Resolve and Decode: every
// outcome must be a decoded input or a client error, never a panic or 5xx.
func FuzzRestJSONDecode(f *testing.F) {
	var models protocoltest.Models
	svc, err := models.Load("lambda")
	if err != nil {
		f.Fatal(err)
	}
	f.Add("POST", "/2015-03-31/functions", `{"FunctionName":"f","Runtime":"python3.12","Role":"arn","Code":{"ZipFile":"UEsFBg=="},"Timeout":3}`, "")
	f.Add("POST", "/2015-03-31/functions/f/invocations?Qualifier=1", `{"any":"payload"}`, "Tail")
	f.Add("GET", "/2015-03-31/functions/?MaxItems=x&Marker=", ``, "")
	f.Add("PUT", "/2017-10-31/functions/f%2Fx/concurrency", `{"ReservedConcurrentExecutions":1e99}`, "")
	f.Add("POST", "/2015-03-31/functions/f/policy", `{"StatementId":null,"Action":[]}`, "")
	c := New()
	f.Fuzz(func(t *testing.T, method, target, body, logType string) {
		if !strings.HasPrefix(target, "/") {
			target = "/" + target
		}
		hr, err := http.NewRequest(method, "http://localhost"+target, strings.NewReader(body))
		if err != nil {
			return
		}
		hr.Header.Set("X-Amz-Log-Type", logType)
		req := &protocol.Request{HTTP: hr, Service: svc}
		op, err := c.Resolve(req)
		if err != nil {
			var ae *awserr.Error
			if !errors.As(err, &ae) || ae.Status >= 500 {
				t.Fatalf("Resolve: %v", err)
			}
			return
		}
		if _, err := c.Decode(req, op); err != nil {
			var ae *awserr.Error
			if !errors.As(err, &ae) || ae.Status >= 500 {
				t.Fatalf("Decode %s: %v", op.Name, err)
			}
		}
	})
}
