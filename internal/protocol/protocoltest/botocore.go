package protocoltest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"testing"
)

// botocoreScript parses one HTTP response with botocore's own parser for
// the service's protocol, the way boto3 and the aws CLI would, and prints
// the parsed dict as JSON.
const botocoreScript = `
import json, sys, base64, datetime
import botocore.session, botocore.parsers
from botocore.awsrequest import HTTPHeaders
req = json.load(sys.stdin)
headers = HTTPHeaders()
for k, v in req["headers"].items():
    headers[k] = v
session = botocore.session.get_session()
svc = session.get_service_model(req["service"])
op = svc.operation_model(req["operation"])
parser = botocore.parsers.create_parser(req.get("protocol") or svc.metadata["protocol"])
resp = {"status_code": req["status"], "headers": headers, "body": base64.b64decode(req["body"])}
out = parser.parse(resp, op.output_shape)
def conv(o):
    if isinstance(o, (datetime.datetime,)):
        return o.isoformat()
    if isinstance(o, bytes):
        return o.decode("utf-8", "replace")
    if hasattr(o, "read"):
        return o.read().decode("utf-8", "replace")
    return str(o)
json.dump(out, sys.stdout, default=conv)
`

// findBotocore looks for python3 with botocore once per test binary: each
// probe is a process start, and the parse itself is another.
var findBotocore = sync.OnceValues(func() (string, string) {
	py, err := exec.LookPath("python3")
	if err != nil {
		return "", "python3 not installed"
	}
	if exec.Command(py, "-c", "import botocore").Run() != nil {
		return "", "botocore not installed"
	}
	return py, ""
})

// BotocoreParse runs botocore's response parser over a recorded response
// and returns what boto3 would hand its caller. The test is skipped when
// python3 with botocore is not installed. protocol may be empty to use the
// model's own.
func BotocoreParse(t testing.TB, service, operation, protocol string, status int, header http.Header, body []byte) map[string]any {
	t.Helper()
	py, why := findBotocore()
	if why != "" {
		t.Skip(why)
	}
	if body == nil {
		body = []byte{}
	}
	headers := map[string]string{}
	for k, vals := range header {
		headers[k] = strings.Join(vals, ",")
	}
	in, err := json.Marshal(map[string]any{
		"service": service, "operation": operation, "protocol": protocol,
		"status": status, "headers": headers, "body": body,
	})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, "-c", botocoreScript)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("botocore failed to parse the response: %v\n%s\nbody: %s", err, stderr.String(), body)
	}
	var parsed map[string]any
	if err := json.Unmarshal(out, &parsed); err != nil {
		t.Fatalf("botocore output: %v: %s", err, out)
	}
	return parsed
}
