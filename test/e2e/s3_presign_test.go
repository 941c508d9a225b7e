package e2e

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

func doURL(t *testing.T, method, u string, body io.Reader, hdr http.Header) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestS3PresignedURLs: URLs presigned by aws-sdk-go-v2 read and write
// without credentials; a tampered or expired one is refused. Strict
// authentication makes the server check the root key's secret.
func TestS3PresignedURLs(t *testing.T) {
	s := StartServer(t, "--strict-auth")
	ctx := context.Background()
	c := s3Client(s)
	b := aws.String("presign-e2e")
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	pc := s3.NewPresignClient(c)
	put, err := pc.PresignPutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("up/load.txt"), ContentType: aws.String("text/plain")},
		s3.WithPresignExpires(10*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if code, body := doURL(t, put.Method, put.URL, strings.NewReader("presigned bytes"), put.SignedHeader); code != http.StatusOK {
		t.Fatalf("presigned PUT: %d %s", code, body)
	}
	get, err := pc.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String("up/load.txt")})
	if err != nil {
		t.Fatal(err)
	}
	if code, body := doURL(t, http.MethodGet, get.URL, nil, nil); code != http.StatusOK || body != "presigned bytes" {
		t.Fatalf("presigned GET: %d %q", code, body)
	}
	other := strings.Replace(get.URL, "up/load.txt", "up/other.txt", 1)
	if code, body := doURL(t, http.MethodGet, other, nil, nil); code != http.StatusForbidden || !strings.Contains(body, "SignatureDoesNotMatch") {
		t.Fatalf("URL for another key: %d %s", code, body)
	}

	// Signed two hours ago for one minute.
	req, _ := http.NewRequest(http.MethodGet, s.URL+"/presign-e2e/up/load.txt?X-Amz-Expires=60", nil)
	creds, _ := s.DefaultConfig().Credentials.Retrieve(ctx)
	expired, _, err := v4.NewSigner().PresignHTTP(ctx, creds, req, "UNSIGNED-PAYLOAD", "s3", "us-east-1", time.Now().Add(-2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := url.Parse(expired); err != nil {
		t.Fatal(err)
	}
	code, body := doURL(t, http.MethodGet, expired, nil, nil)
	if code != http.StatusForbidden || !strings.Contains(body, "<Code>AccessDenied</Code>") || !strings.Contains(body, "Request has expired") {
		t.Fatalf("expired URL: %d %s", code, body)
	}
}

// TestS3PresignCLIs: `aws s3 presign` URLs of both CLIs work with a plain
// HTTP GET. CLI v1 presigns with Signature Version 2 unless told
// otherwise, which hakoniwa does not verify: its config asks for SigV4.
func TestS3PresignCLIs(t *testing.T) {
	s := StartServer(t, "--strict-auth")
	cfg := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(cfg, []byte("[default]\ns3 =\n  signature_version = s3v4\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	c := s3Client(s)
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("presign-cli")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("presign-cli"), Key: aws.String("a b.txt"), Body: strings.NewReader("hello")}); err != nil {
		t.Fatal(err)
	}
	for _, cli := range []struct{ name, path string }{{"v2", "/usr/bin/aws"}, {"v1", "aws"}} {
		t.Run(cli.name, func(t *testing.T) {
			bin := need(t, cli.path)
			out, errb, err := s.Run(ctx, []string{"AWS_CONFIG_FILE=" + cfg}, bin, "--endpoint-url", s.URL, "s3", "presign", "s3://presign-cli/a b.txt", "--expires-in", "300")
			if err != nil {
				t.Fatalf("%v %s", err, errb)
			}
			u := strings.TrimSpace(out)
			if code, body := doURL(t, http.MethodGet, u, nil, nil); code != http.StatusOK || body != "hello" {
				t.Fatalf("GET %s: %d %q", u, code, body)
			}
		})
	}
}
