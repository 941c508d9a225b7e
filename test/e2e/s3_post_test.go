package e2e

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"html"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// boto3PostScript makes a presigned POST with boto3 and posts it with
// requests, as a web page's JavaScript would with the fields it is given.
const boto3PostScript = `
import json, sys, boto3, requests
from botocore.config import Config
key_id, secret, token, bucket, version = sys.argv[1:6]
c = boto3.client("s3", aws_access_key_id=key_id, aws_secret_access_key=secret, aws_session_token=token or None,
                 config=Config(s3={"addressing_style": "path"}, signature_version=version or None))
post = c.generate_presigned_post(bucket, "uploads/${filename}",
    Fields={"Content-Type": "text/plain", "x-amz-meta-owner": "me"},
    Conditions=[{"Content-Type": "text/plain"}, {"x-amz-meta-owner": "me"}, ["content-length-range", 1, 1000]],
    ExpiresIn=600)
r = requests.post(post["url"], data=post["fields"], files={"file": ("notes.txt", b"hello from a form")})
json.dump({"status": r.status_code, "body": r.text, "etag": r.headers.get("ETag", ""), "fields": sorted(post["fields"])}, sys.stdout)
`

type boto3Post struct {
	Status int
	Body   string
	ETag   string
	Fields []string
}

// runBoto3Post runs the script; version "" is botocore's default for
// presigned POSTs (Signature Version 2), "s3v4" SigV4.
func runBoto3Post(t *testing.T, s *Server, version, keyID, secret, token, bucket string) boto3Post {
	t.Helper()
	py := need(t, "python3")
	if exec.Command(py, "-c", "import boto3, requests").Run() != nil {
		missing(t, "boto3 and requests")
	}
	out, stderr, err := s.Run(context.Background(), nil, py, "-c", boto3PostScript, keyID, secret, token, bucket, version)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	var res boto3Post
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	return res
}

func objectCount(t *testing.T, c *s3.Client, bucket string) int {
	t.Helper()
	out, err := c.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatal(err)
	}
	return len(out.Contents)
}

// TestS3PostBoto3: boto3's generate_presigned_post, posted by requests,
// stores the object with the form's metadata; a user without
// s3:PutObject is refused and stores nothing; temporary credentials sign
// with their session token.
func TestS3PostBoto3(t *testing.T) {
	s := StartServer(t)
	ctx := context.Background()
	root := s3Client(s)
	mustBucket(t, root, "form-uploads")

	res := runBoto3Post(t, s, "s3v4", "test", "test", "", "form-uploads")
	if res.Status != 204 || res.Body != "" || !strings.Contains(strings.Join(res.Fields, ","), "x-amz-signature") {
		t.Fatalf("upload: %+v", res)
	}
	obj, err := root.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("form-uploads"), Key: aws.String("uploads/notes.txt")})
	if got := readAll(t, obj, err); got != "hello from a form" {
		t.Fatalf("object %q", got)
	}
	if aws.ToString(obj.ContentType) != "text/plain" || obj.Metadata["owner"] != "me" || aws.ToString(obj.ETag) != res.ETag {
		t.Errorf("object attributes %v %v %v, posted ETag %s", aws.ToString(obj.ContentType), obj.Metadata, aws.ToString(obj.ETag), res.ETag)
	}

	reader := newUser(t, s, "reader", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":"*"}]}`)
	mustBucket(t, root, "form-denied")
	rc, _ := reader.Credentials.Retrieve(ctx)
	if res := runBoto3Post(t, s, "", rc.AccessKeyID, rc.SecretAccessKey, "", "form-denied"); res.Status != 403 || !strings.Contains(res.Body, "s3:PutObject") {
		t.Errorf("reader, SigV2: %+v", res)
	}
	res = runBoto3Post(t, s, "s3v4", rc.AccessKeyID, rc.SecretAccessKey, "", "form-denied")
	if res.Status != 403 || !strings.Contains(res.Body, "<Code>AccessDenied</Code>") || !strings.Contains(res.Body, "s3:PutObject") {
		t.Fatalf("reader: %+v", res)
	}
	if n := objectCount(t, root, "form-denied"); n != 0 {
		t.Errorf("a refused upload stored %d objects", n)
	}

	writer := newUser(t, s, "writer", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:PutObject","sts:GetSessionToken"],"Resource":"*"}]}`)
	tok, err := sts.NewFromConfig(writer).GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	cr := tok.Credentials
	res = runBoto3Post(t, s, "s3v4", aws.ToString(cr.AccessKeyId), aws.ToString(cr.SecretAccessKey), aws.ToString(cr.SessionToken), "form-denied")
	if res.Status != 204 || !strings.Contains(strings.Join(res.Fields, ","), "x-amz-security-token") {
		t.Fatalf("session credentials: %+v", res)
	}
	res = runBoto3Post(t, s, "s3v4", aws.ToString(cr.AccessKeyId), aws.ToString(cr.SecretAccessKey), "not-the-token", "form-denied")
	if res.Status != 400 || !strings.Contains(res.Body, "<Code>InvalidToken</Code>") {
		t.Fatalf("wrong session token: %+v", res)
	}
	// botocore's default, Signature Version 2, with the writer's own keys.
	wc, _ := writer.Credentials.Retrieve(ctx)
	res = runBoto3Post(t, s, "", wc.AccessKeyID, wc.SecretAccessKey, "", "form-denied")
	if res.Status != 204 || !strings.Contains(strings.Join(res.Fields, ","), "AWSAccessKeyId") || objectCount(t, root, "form-denied") != 1 {
		t.Fatalf("SigV2: %+v", res)
	}
	res = runBoto3Post(t, s, "", wc.AccessKeyID, "not-the-secret", "", "form-denied")
	if res.Status != 403 || !strings.Contains(res.Body, "<Code>SignatureDoesNotMatch</Code>") {
		t.Fatalf("SigV2 with a wrong secret: %+v", res)
	}
}

// postSigner signs POST policies as an SDK would.
type postSigner struct{ keyID, secret string }

func (p postSigner) credential(at time.Time) string {
	return p.keyID + "/" + at.Format("20060102") + "/us-east-1/s3/aws4_request"
}

// fields returns the signature fields for conditions (to which it adds
// its own), expiring at exp.
func (p postSigner) fields(at, exp time.Time, conds ...any) [][2]string {
	date := at.Format("20060102T150405Z")
	conds = append(conds, map[string]string{"x-amz-algorithm": "AWS4-HMAC-SHA256"},
		map[string]string{"x-amz-credential": p.credential(at)}, map[string]string{"x-amz-date": date})
	doc, _ := json.Marshal(map[string]any{"expiration": exp.UTC().Format("2006-01-02T15:04:05.000Z"), "conditions": conds})
	policy := base64.StdEncoding.EncodeToString(doc)
	k := []byte("AWS4" + p.secret)
	for _, s := range []string{at.Format("20060102"), "us-east-1", "s3", "aws4_request", policy} {
		m := hmac.New(sha256.New, k)
		m.Write([]byte(s))
		k = m.Sum(nil)
	}
	return [][2]string{{"x-amz-algorithm", "AWS4-HMAC-SHA256"}, {"x-amz-credential", p.credential(at)}, {"x-amz-date", date},
		{"policy", policy}, {"x-amz-signature", hex.EncodeToString(k)}}
}

// curlPost posts a form with curl -F, the file last, and returns the
// status and body; extra are more curl options.
func curlPost(t *testing.T, bin, u string, fields [][2]string, file string, extra ...string) (int, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "upload.txt")
	if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	args := append([]string{}, extra...)
	for _, f := range fields {
		args = append(args, "--form-string", f[0]+"="+f[1])
	}
	args = append(args, "-F", "file=@"+path+";filename=report.txt")
	return curlDo(t, bin, u, args...)
}

// TestS3PostCurl: a form signed in Go and posted by curl, to the
// path-style and the virtual-hosted address; 201's PostResponse and the
// 303 to success_action_redirect; and every refusal leaves nothing behind.
func TestS3PostCurl(t *testing.T) {
	s := StartServer(t)
	bin := need(t, "curl")
	ctx := context.Background()
	root := s3Client(s)
	mustBucket(t, root, "curl-forms")
	signer := postSigner{"test", "test"}
	now := time.Now().UTC()
	later := now.Add(10 * time.Minute)
	bucketURL := s.URL + "/curl-forms"
	base := func(key string) [][2]string { return [][2]string{{"key", key}} }
	okConds := []any{map[string]string{"bucket": "curl-forms"}, []any{"starts-with", "$key", "reports/"},
		[]any{"starts-with", "$success_action_status", ""}, []any{"content-length-range", 1, 64}}

	fields := append(base("reports/${filename}"), [2]string{"success_action_status", "201"})
	code, body := curlPost(t, bin, bucketURL, append(fields, signer.fields(now, later, okConds...)...), "quarterly numbers")
	if code != 201 || !strings.Contains(body, "<PostResponse><Location>"+bucketURL+"/reports%2Freport.txt</Location><Bucket>curl-forms</Bucket><Key>reports/report.txt</Key><ETag>\"") {
		t.Fatalf("201: %d %s", code, body)
	}
	if got := getString(t, ctx, root, &s3.GetObjectInput{Bucket: aws.String("curl-forms"), Key: aws.String("reports/report.txt")}); got != "quarterly numbers" {
		t.Fatalf("stored %q", got)
	}

	// Virtual-hosted, with a redirect: curl shows where it would go.
	u, _ := url.Parse(s.URL)
	redirectConds := []any{map[string]string{"bucket": "curl-forms"}, map[string]string{"key": "reports/v.txt"},
		[]any{"eq", "$success_action_redirect", "http://example.com/done"}}
	fields = append(base("reports/v.txt"), [2]string{"success_action_redirect", "http://example.com/done"})
	headers := filepath.Join(t.TempDir(), "headers")
	code, _ = curlPost(t, bin, s.URL+"/", append(fields, signer.fields(now, later, redirectConds...)...), "v",
		"-H", "Host: curl-forms.s3.localhost:"+u.Port(), "-D", headers)
	h, _ := os.ReadFile(headers)
	if code != 303 || !strings.Contains(string(h), "Location: http://example.com/done?bucket=curl-forms&key=reports%2Fv.txt&etag=%22") {
		t.Fatalf("303: %d %s", code, h)
	}
	if objectCount(t, root, "curl-forms") != 2 {
		t.Fatalf("virtual-hosted upload not stored")
	}

	mustBucket(t, root, "curl-refusals")
	refusalURL := s.URL + "/curl-refusals"
	conds := []any{map[string]string{"bucket": "curl-refusals"}, []any{"starts-with", "$key", "in/"}, []any{"content-length-range", 1, 10}}
	user := newUser(t, s, "poster", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}]}`)
	uc, _ := user.Credentials.Retrieve(ctx)
	userSigner := postSigner{uc.AccessKeyID, uc.SecretAccessKey}
	forged := userSigner.fields(now, later, conds...)
	forged[4][1] = strings.Repeat("0", 64)
	cases := []struct {
		name    string
		fields  [][2]string
		file    string
		status  int
		code    string
		message string
	}{
		{"expired", append(base("in/a"), signer.fields(now.Add(-time.Hour), now.Add(-time.Minute), conds...)...), "x", 403, "AccessDenied", "Invalid according to Policy: Policy expired."},
		{"eq", append(base("in/a"), signer.fields(now, later, map[string]string{"bucket": "curl-refusals"}, []any{"eq", "$key", "in/b"})...), "x", 403, "AccessDenied",
			`Invalid according to Policy: Policy Condition failed: ["eq", "$key", "in/b"]`},
		{"starts-with", append(base("out/a"), signer.fields(now, later, conds...)...), "x", 403, "AccessDenied",
			`Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "in/"]`},
		{"too large", append(base("in/a"), signer.fields(now, later, conds...)...), "eleven bytes", 400, "EntityTooLarge", "<MaxSizeAllowed>10</MaxSizeAllowed>"},
		{"bad signature", append(base("in/a"), forged...), "x", 403, "SignatureDoesNotMatch", "<StringToSign>" + forged[3][1] + "</StringToSign>"},
		{"extra field", append(base("in/a"), append([][2]string{{"x-amz-meta-color", "red"}}, signer.fields(now, later, conds...)...)...), "x", 403, "AccessDenied",
			"Invalid according to Policy: Extra input fields: x-amz-meta-color"},
		{"missing key", signer.fields(now, later, conds...), "x", 400, "InvalidArgument", "Bucket POST must contain a field named 'key'."},
		{"anonymous", base("in/a"), "x", 403, "AccessDenied", "Access Denied"},
	}
	for _, c := range cases {
		code, body := curlPost(t, bin, refusalURL, c.fields, c.file)
		wantS3Error(t, c.name, code, html.UnescapeString(body), c.status, c.code, c.message)
	}
	if code, body := curlDo(t, bin, refusalURL, "-X", "POST", "-H", "Content-Type: text/plain", "--data", "x"); code != 412 ||
		!strings.Contains(body, "<Condition>Bucket POST must be of the enclosure-type multipart/form-data</Condition>") {
		t.Errorf("not a form: %d %s", code, body)
	}
	if n := objectCount(t, root, "curl-refusals"); n != 0 {
		t.Errorf("refused uploads stored %d objects", n)
	}
	// The same form, signed by a user who may put objects, goes in.
	code, body = curlPost(t, bin, refusalURL, append(base("in/a"), userSigner.fields(now, later, conds...)...), "x")
	if code != 204 || objectCount(t, root, "curl-refusals") != 1 {
		t.Errorf("user's upload: %d %s", code, body)
	}
}
