package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// curlDo runs the curl binary and returns the HTTP status and body; extra
// holds curl options (method, headers, upload file).
func curlDo(t *testing.T, bin, url string, extra ...string) (int, string) {
	t.Helper()
	body := filepath.Join(t.TempDir(), "body")
	args := append([]string{"-sS", "-o", body, "-w", "%{http_code}"}, extra...)
	cmd := exec.Command(bin, append(args, url)...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("curl %v %s: %v", args, url, err)
	}
	var code int
	if _, err := fmt.Sscan(string(out), &code); err != nil {
		t.Fatalf("curl status %q: %v", out, err)
	}
	b, _ := os.ReadFile(body)
	return code, string(b)
}

// curlHeaders turns headers a presigner signed into curl -H options.
func curlHeaders(h http.Header) []string {
	var args []string
	for k, vs := range h {
		if strings.EqualFold(k, "Host") {
			continue
		}
		for _, v := range vs {
			args = append(args, "-H", k+": "+v)
		}
	}
	return args
}

func wantS3Error(t *testing.T, what string, code int, body string, status int, errCode, message string) {
	t.Helper()
	if code != status || !strings.Contains(body, "<Code>"+errCode+"</Code>") || !strings.Contains(body, message) {
		t.Fatalf("%s: %d %s; want %d %s %q", what, code, body, status, errCode, message)
	}
}

// TestS3Curl: presigned URLs from aws-sdk-go-v2 and `aws s3 presign` used
// by curl, which adds nothing of its own: a PUT with its body, a GET, a
// ranged GET; an expired URL, a tampered signature and an unsigned request
// refused with S3's XML errors.
func TestS3Curl(t *testing.T) {
	bin := need(t, "curl")
	s := StartServer(t, "--strict-auth")
	ctx := context.Background()
	c := s3Client(s)
	mustBucket(t, c, "curl-e2e")
	pc := s3.NewPresignClient(c)
	data := randomBytes(t, 300_000)
	file := filepath.Join(t.TempDir(), "up.bin")
	os.WriteFile(file, data, 0o600)

	put, err := pc.PresignPutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("curl-e2e"), Key: aws.String("dir/up load.bin"),
		ContentType: aws.String("application/x-test")}, s3.WithPresignExpires(5*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	args := append([]string{"-X", put.Method, "--data-binary", "@" + file}, curlHeaders(put.SignedHeader)...)
	if code, body := curlDo(t, bin, put.URL, args...); code != 200 {
		t.Fatalf("presigned PUT: %d %s", code, body)
	}
	h, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("curl-e2e"), Key: aws.String("dir/up load.bin")})
	if err != nil || aws.ToInt64(h.ContentLength) != int64(len(data)) || aws.ToString(h.ContentType) != "application/x-test" {
		t.Fatalf("after presigned PUT: %+v %v", h, err)
	}
	// The content type is signed: curl sending another one breaks the signature.
	other := []string{"-X", put.Method, "--data-binary", "@" + file, "-H", "Content-Type: text/plain"}
	code, body := curlDo(t, bin, put.URL, other...)
	wantS3Error(t, "presigned PUT with another content type", code, body, 403, "SignatureDoesNotMatch", "")

	get, err := pc.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("curl-e2e"), Key: aws.String("dir/up load.bin")})
	if err != nil {
		t.Fatal(err)
	}
	if code, body := curlDo(t, bin, get.URL); code != 200 || body != string(data) {
		t.Fatalf("presigned GET: %d, %d bytes", code, len(body))
	}
	if code, body := curlDo(t, bin, get.URL, "-r", "100-199"); code != 206 || body != string(data[100:200]) {
		t.Fatalf("presigned ranged GET: %d %q", code, body)
	}
	code, body = curlDo(t, bin, s.URL+"/curl-e2e/dir/up%20load.bin")
	wantS3Error(t, "unsigned GET of a private object", code, body, 403, "AccessDenied", "Access Denied")

	// Flip the signature's last hex digit.
	i := strings.Index(get.URL, "X-Amz-Signature=") + len("X-Amz-Signature=") + 63
	flip := map[byte]byte{'0': '1'}[get.URL[i]]
	if flip == 0 {
		flip = '0'
	}
	tampered := get.URL[:i] + string(flip) + get.URL[i+1:]
	code, body = curlDo(t, bin, tampered)
	wantS3Error(t, "tampered signature", code, body, 403, "SignatureDoesNotMatch",
		"The request signature we calculated does not match the signature you provided")

	short, err := pc.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("curl-e2e"), Key: aws.String("dir/up load.bin")},
		s3.WithPresignExpires(time.Second))
	if err != nil || !strings.Contains(short.URL, "X-Amz-Expires=1&") {
		t.Fatalf("%v %s", err, short.URL)
	}
	time.Sleep(2 * time.Second)
	code, body = curlDo(t, bin, short.URL)
	wantS3Error(t, "expired URL", code, body, 403, "AccessDenied", "Request has expired")

	path, ok := awsCLIs(t)["v2"]
	if !ok {
		missing(t, "aws CLI v2")
	}
	out, stderr, err := cli(ctx, s, "v2", path, "--endpoint-url", s.URL, "s3", "presign", "s3://curl-e2e/dir/up load.bin", "--expires-in", "120")
	if err != nil {
		t.Fatalf("%v %s", err, stderr)
	}
	if code, body := curlDo(t, bin, strings.TrimSpace(out)); code != 200 || body != string(data) {
		t.Fatalf("aws s3 presign URL: %d, %d bytes", code, len(body))
	}
	out, stderr, err = cli(ctx, s, "v2", path, "--endpoint-url", s.URL, "s3", "presign", "s3://curl-e2e/missing", "--expires-in", "120")
	if err != nil {
		t.Fatalf("%v %s", err, stderr)
	}
	code, body = curlDo(t, bin, strings.TrimSpace(out))
	wantS3Error(t, "presigned GET of a missing key", code, body, 404, "NoSuchKey", "The specified key does not exist.")
}
