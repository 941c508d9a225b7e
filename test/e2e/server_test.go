package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

func TestStrictAuth(t *testing.T) {
	s := StartServer(t, "--strict-auth")
	ctx := context.Background()
	if _, err := sts.NewFromConfig(s.DefaultConfig()).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatalf("configured root keys refused: %v", err)
	}
	if _, err := sts.NewFromConfig(s.AWSConfig("test", "not-the-secret", "")).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); apiCode(t, err) != "SignatureDoesNotMatch" {
		t.Fatalf("wrong root secret: %v", err)
	}
	if _, err := sts.NewFromConfig(s.AWSConfig("AKIAIOSFODNN7EXAMPLE", "x", "")).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); apiCode(t, err) != "InvalidClientTokenId" {
		t.Fatalf("unknown key: %v", err)
	}
}

// httpDo sends a raw request and returns status and body.
func httpDo(t *testing.T, req *http.Request) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func stsQuery(t *testing.T, s *Server, body string) *http.Request {
	req, err := http.NewRequest(http.MethodPost, s.URL+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	return req
}

func sign(t *testing.T, req *http.Request, body string, at time.Time) {
	signFor(t, req, body, "sts", at)
}

// signFor signs req with the default keys as if body were its payload.
func signFor(t *testing.T, req *http.Request, body, service string, at time.Time) {
	t.Helper()
	h := sha256.Sum256([]byte(body))
	err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}, req, hex.EncodeToString(h[:]), service, "us-east-1", at)
	if err != nil {
		t.Fatal(err)
	}
}

func TestSignatureRefusals(t *testing.T) {
	// Strict: in the default mode an unknown key's secret is never checked,
	// so only the date can be refused.
	s := StartServer(t, "--strict-auth")
	const body = "Action=GetCallerIdentity&Version=2011-06-15"

	// No signature at all.
	code, resp := httpDo(t, stsQuery(t, s, body))
	if code != http.StatusForbidden || !strings.Contains(resp, "<Code>MissingAuthenticationToken</Code>") {
		t.Fatalf("unsigned: %d %s", code, resp)
	}
	// Signed 20 minutes ago: outside the 15-minute window.
	req := stsQuery(t, s, body)
	sign(t, req, body, time.Now().Add(-20*time.Minute))
	code, resp = httpDo(t, req)
	if code != http.StatusForbidden || !strings.Contains(resp, "<Code>SignatureDoesNotMatch</Code>") || !strings.Contains(resp, "Signature expired") {
		t.Fatalf("skewed: %d %s", code, resp)
	}
	// Body changed after signing.
	req = stsQuery(t, s, body)
	sign(t, req, "Action=GetSessionToken&Version=2011-06-15", time.Now())
	code, resp = httpDo(t, req)
	if code != http.StatusForbidden || !strings.Contains(resp, "<Code>SignatureDoesNotMatch</Code>") || !strings.Contains(resp, "The Canonical String for this request should have been") {
		t.Fatalf("tampered: %d %s", code, resp)
	}
	// A well-signed raw request works, and says who we are in XML.
	req = stsQuery(t, s, body)
	sign(t, req, body, time.Now())
	code, resp = httpDo(t, req)
	if code != http.StatusOK || !strings.Contains(resp, "<Arn>arn:aws:iam::000000000000:root</Arn>") || !strings.Contains(resp, `xmlns="https://sts.amazonaws.com/doc/2011-06-15/"`) {
		t.Fatalf("signed: %d %s", code, resp)
	}
}

func TestPresignedQuery(t *testing.T) {
	s := StartServer(t)
	ctx := context.Background()
	p, err := sts.NewPresignClient(sts.NewFromConfig(s.DefaultConfig())).PresignGetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(p.Method, p.URL, nil)
	for k, v := range p.SignedHeader {
		req.Header[k] = v
	}
	code, resp := httpDo(t, req)
	if code != http.StatusOK || !strings.Contains(resp, "<Account>000000000000</Account>") {
		t.Fatalf("presigned: %d %s", code, resp)
	}

	// Presigned two hours ago for 60 seconds: expired.
	u, _ := url.Parse(s.URL + "/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Expires=60")
	old, _ := http.NewRequest(http.MethodGet, u.String(), nil)
	signed, hdr, err := v4.NewSigner().PresignHTTP(ctx, aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}, old,
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "sts", "us-east-1", time.Now().Add(-2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	req, _ = http.NewRequest(http.MethodGet, signed, nil)
	for k, v := range hdr {
		req.Header[k] = v
	}
	code, resp = httpDo(t, req)
	// Services other than S3 answer an expired presigned request with
	// RequestExpired (400), as EC2 and STS do.
	if code != http.StatusBadRequest || !strings.Contains(resp, "<Code>RequestExpired</Code>") {
		t.Fatalf("expired presign: %d %s", code, resp)
	}
}

func TestStateSurvivesRestartAndKill(t *testing.T) {
	s := StartServer(t)
	ctx := context.Background()
	root := sts.NewFromConfig(s.DefaultConfig())
	mint := func() aws.Config {
		out, err := root.GetSessionToken(ctx, &sts.GetSessionTokenInput{})
		if err != nil {
			t.Fatal(err)
		}
		c := out.Credentials
		return s.AWSConfig(*c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken)
	}
	graceful := mint()
	s.Restart()
	root = sts.NewFromConfig(s.DefaultConfig())
	killed := mint()
	// SIGKILL right after the acknowledgement: no shutdown code runs.
	s.Kill()
	s.start()
	for name, cfg := range map[string]aws.Config{"after restart": graceful, "after SIGKILL": killed} {
		cfg.BaseEndpoint = aws.String(s.URL)
		if _, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
			t.Fatalf("session credentials lost %s: %v", name, err)
		}
	}
	// Event history survives a graceful restart too.
	s.Restart()
	root = sts.NewFromConfig(s.DefaultConfig())
	out, err := cloudtrail.NewFromConfig(s.DefaultConfig()).LookupEvents(ctx, &cloudtrail.LookupEventsInput{
		LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyEventName, AttributeValue: aws.String("GetSessionToken")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Events) < 1 {
		t.Fatalf("GetSessionToken events after restart: %d", len(out.Events))
	}
}

func TestHealthStatusReset(t *testing.T) {
	s := StartServer(t)
	code, body := httpDo(t, mustReq(t, http.MethodGet, s.URL+"/_localstack/health"))
	var ls struct {
		Services map[string]string
		Edition  string
	}
	if code != 200 || json.Unmarshal([]byte(body), &ls) != nil || ls.Services["sts"] != "running" || ls.Services["ec2"] != "running" || ls.Services["lambda"] != "available" {
		t.Fatalf("localstack health: %d %s", code, body)
	}
	code, body = httpDo(t, mustReq(t, http.MethodGet, s.URL+"/_hakoniwa/health"))
	if code != 200 || !strings.Contains(body, `"status": "ok"`) || !strings.Contains(body, s.DataDir) {
		t.Fatalf("hakoniwa health: %d %s", code, body)
	}

	ctx := context.Background()
	if _, err := sts.NewFromConfig(s.DefaultConfig()).GetSessionToken(ctx, &sts.GetSessionTokenInput{}); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(binary, "status", "--endpoint", s.URL).CombinedOutput()
	if err != nil || !strings.Contains(string(out), `"sts"`) {
		t.Fatalf("status: %v %s", err, out)
	}
	out, err = exec.Command(binary, "reset", "--endpoint", s.URL).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "reset") {
		t.Fatalf("reset: %v %s", err, out)
	}
	ev, err := cloudtrail.NewFromConfig(s.DefaultConfig()).LookupEvents(ctx, &cloudtrail.LookupEventsInput{
		LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyEventName, AttributeValue: aws.String("GetSessionToken")}},
	})
	if err != nil || len(ev.Events) != 0 {
		t.Fatalf("after reset, history still has %v (%v)", ev, err)
	}
	out, err = exec.Command(binary, "status", "--endpoint", "http://127.0.0.1:1").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "no hakoniwa at") {
		t.Fatalf("status with no server: %v %s", err, out)
	}
}

func mustReq(t *testing.T, method, u string) *http.Request {
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func TestUnimplementedAndUnknown(t *testing.T) {
	s := StartServer(t)
	ctx := context.Background()
	// A generated but unimplemented operation names itself.
	// FPGA images are outside what an emulator on one machine can offer.
	_, err := ec2.NewFromConfig(s.DefaultConfig()).DescribeFpgaImages(ctx, &ec2.DescribeFpgaImagesInput{})
	if apiCode(t, err) != "NotImplemented" || !strings.Contains(err.Error(), "ec2:DescribeFpgaImages") {
		t.Fatalf("ec2 DescribeFpgaImages: %v", err)
	}
	// A real AWS service hakoniwa has no model for yet, in its JSON protocol.
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/", strings.NewReader(`{"StreamName":"x"}`))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "Kinesis_20131202.DescribeStream")
	signFor(t, req, `{"StreamName":"x"}`, "kinesis", time.Now())
	code, body := httpDo(t, req)
	if code != http.StatusNotImplemented || !strings.Contains(body, "NotImplemented") || !strings.Contains(body, "kinesis") {
		t.Fatalf("kinesis: %d %s", code, body)
	}
	// Something that is no AWS service at all still gets an AWS-shaped error.
	req = stsQuery(t, s, "Action=Frobnicate")
	signFor(t, req, "Action=Frobnicate", "nosuchservice", time.Now())
	code, body = httpDo(t, req)
	if code != http.StatusBadRequest || !strings.Contains(body, "<Code>UnknownService</Code>") {
		t.Fatalf("unknown service: %d %s", code, body)
	}
	// An unknown action of a known service.
	body2 := "Action=Frobnicate&Version=2011-06-15"
	req = stsQuery(t, s, body2)
	sign(t, req, body2, time.Now())
	code, body = httpDo(t, req)
	if code != http.StatusBadRequest || !strings.Contains(body, "<Code>InvalidAction</Code>") {
		t.Fatalf("unknown action: %d %s", code, body)
	}
}

// TestCloudTrailEventContents checks what a recorded call says: who called,
// with which parameters, what came back (secrets hidden), and refusals.
func TestCloudTrailEventContents(t *testing.T) {
	s := StartServer(t)
	ctx := context.Background()
	root := sts.NewFromConfig(s.DefaultConfig())
	if _, err := root.GetSessionToken(ctx, &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(900)}); err != nil {
		t.Fatal(err)
	}
	if _, err := root.GetSessionToken(ctx, &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(1)}); err == nil {
		t.Fatal("DurationSeconds=1 accepted")
	}
	ct := cloudtrail.NewFromConfig(s.DefaultConfig())
	out, err := ct.LookupEvents(ctx, &cloudtrail.LookupEventsInput{
		LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyEventName, AttributeValue: aws.String("GetSessionToken")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Events) != 2 {
		t.Fatalf("%d GetSessionToken events, want 2", len(out.Events))
	}
	var refused, ok struct {
		EventSource, EventName, ErrorCode, ErrorMessage string
		ReadOnly                                        bool
		UserIdentity                                    struct{ Type, AccountId, Arn string }
		RequestParameters                               map[string]any
		ResponseElements                                struct {
			Credentials map[string]any
		}
	}
	// Newest first: the refused call, then the successful one.
	if err := json.Unmarshal([]byte(aws.ToString(out.Events[0].CloudTrailEvent)), &refused); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(aws.ToString(out.Events[1].CloudTrailEvent)), &ok); err != nil {
		t.Fatal(err)
	}
	if refused.ErrorCode != "ValidationError" || !strings.Contains(refused.ErrorMessage, "durationSeconds") {
		t.Fatalf("refused call recorded as %+v", refused)
	}
	if ok.ErrorCode != "" || ok.EventSource != "sts.amazonaws.com" || ok.UserIdentity.Type != "Root" || ok.UserIdentity.AccountId != "000000000000" {
		t.Fatalf("event %+v", ok)
	}
	if ok.RequestParameters["durationSeconds"] != float64(900) {
		t.Fatalf("requestParameters %v", ok.RequestParameters)
	}
	// The issued key id and session are recorded; the secret never is.
	c := ok.ResponseElements.Credentials
	if _, leaked := c["secretAccessKey"]; leaked || !strings.HasPrefix(fmt.Sprint(c["accessKeyId"]), "ASIA") || c["sessionToken"] == nil {
		t.Fatalf("responseElements credentials %v", c)
	}
	if !ok.ReadOnly {
		t.Fatal("GetSessionToken recorded as a write")
	}
	// Refusals of the lookup itself use CloudTrail's own codes.
	_, err = ct.LookupEvents(ctx, &cloudtrail.LookupEventsInput{MaxResults: aws.Int32(51)})
	if code := apiCode(t, err); code != "InvalidMaxResultsException" {
		t.Fatalf("MaxResults=51: %v", err)
	}
	_, err = ct.LookupEvents(ctx, &cloudtrail.LookupEventsInput{StartTime: aws.Time(time.Now()), EndTime: aws.Time(time.Now().Add(-time.Hour))})
	if code := apiCode(t, err); code != "InvalidTimeRangeException" {
		t.Fatalf("start after end: %v", err)
	}
	_, err = ct.LookupEvents(ctx, &cloudtrail.LookupEventsInput{NextToken: aws.String("not-a-token")})
	if code := apiCode(t, err); code != "InvalidNextTokenException" {
		t.Fatalf("bad token: %v", err)
	}
}

// TestOversizedBodyRefused: a JSON-protocol body past the buffered-body
// limit is refused with 413 before it is held in memory, even when the
// client claims UNSIGNED-PAYLOAD so nothing hashes it.
func TestOversizedBodyRefused(t *testing.T) {
	s := StartServer(t)
	body := strings.NewReader(`{"MaxResults":5,"x":"` + strings.Repeat("a", 129<<20) + `"}`)
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/", body)
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "CloudTrail_20131101.LookupEvents")
	req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
	err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}, req, "UNSIGNED-PAYLOAD", "cloudtrail", "us-east-1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	code, resp := httpDo(t, req)
	if code != http.StatusRequestEntityTooLarge || !strings.Contains(resp, "RequestEntityTooLarge") {
		t.Fatalf("got %d %.300s", code, resp)
	}
}
