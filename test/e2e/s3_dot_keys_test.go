package e2e

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// dotKeys are S3 keys that are not canonical URL paths. S3 keeps them as
// they are; a router that cleans paths would redirect them to another key
// (hakoniwa's did, with a 307, until it stopped using http.ServeMux).
var dotKeys = []string{"a//b", "a/../c", "./d", "e/./f", "g/..", "//h", "i//"}

func TestS3DotSegmentKeysSDK(t *testing.T) {
	s := StartServer(t)
	ctx := context.Background()
	c := s3Client(s)
	mustBucket(t, c, "dots")
	for _, k := range dotKeys {
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("dots"), Key: aws.String(k), Body: strings.NewReader("body of " + k)}); err != nil {
			t.Fatalf("put %q: %v", k, err)
		}
	}
	list, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("dots")})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, o := range list.Contents {
		got[*o.Key] = true
	}
	for _, k := range dotKeys {
		if !got[k] {
			t.Errorf("key %q not listed; listed %v", k, got)
		}
		if body := getString(t, ctx, c, &s3.GetObjectInput{Bucket: aws.String("dots"), Key: aws.String(k)}); body != "body of "+k {
			t.Errorf("get %q = %q", k, body)
		}
	}
	if len(got) != len(dotKeys) {
		t.Errorf("listed %d keys, want %d: %v", len(got), len(dotKeys), got)
	}
}

func TestS3DotSegmentKeysCLI(t *testing.T) {
	s := StartServer(t)
	body := filepath.Join(t.TempDir(), "body")
	if err := os.WriteFile(body, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	for v, path := range awsCLIs(t) {
		t.Run(v, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			bucket := "dots-" + v
			if _, stderr, err := cli(ctx, s, v, path, "--endpoint-url", s.URL, "s3api", "create-bucket", "--bucket", bucket); err != nil {
				t.Fatalf("%v: %s", err, stderr)
			}
			for _, k := range []string{"a//b", "a/../c"} {
				if _, stderr, err := cli(ctx, s, v, path, "--endpoint-url", s.URL, "s3api", "put-object", "--bucket", bucket, "--key", k, "--body", body); err != nil {
					t.Fatalf("put %q: %v: %s", k, err, stderr)
				}
			}
			out, stderr, err := cli(ctx, s, v, path, "--endpoint-url", s.URL, "s3api", "list-objects-v2", "--bucket", bucket, "--query", "Contents[].Key", "--output", "text")
			if err != nil {
				t.Fatalf("%v: %s", err, stderr)
			}
			if keys := strings.Fields(out); len(keys) != 2 || keys[0] != "a/../c" || keys[1] != "a//b" { // '.' sorts before '/'

				t.Errorf("listed %q", out)
			}
		})
	}
}

// TestAdminRoutes checks the admin paths' methods: a wrong one is 405 with
// Allow, HEAD works where GET does, and paths outside them reach the
// gateway (which answers in AWS's shape, not a 404 page).
func TestAdminRoutes(t *testing.T) {
	s := StartServer(t)
	for _, tt := range []struct {
		method, path string
		status       int
		allow        string
	}{
		{"GET", "/_localstack/health", 200, ""},
		{"HEAD", "/_localstack/health", 200, ""},
		{"POST", "/_localstack/health", 405, "GET, HEAD"},
		{"HEAD", "/_hakoniwa/health", 200, ""},
		{"DELETE", "/_hakoniwa/health", 405, "GET, HEAD"},
		{"GET", "/_hakoniwa/reset", 405, "POST"},
		{"GET", "/_hakoniwa/explain/no-such-request", 404, ""},
		{"POST", "/_hakoniwa/explain/x", 405, "GET, HEAD"},
	} {
		req, _ := http.NewRequest(tt.method, s.URL+tt.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.status || resp.Header.Get("Allow") != tt.allow {
			t.Errorf("%s %s: %d Allow %q, want %d Allow %q", tt.method, tt.path, resp.StatusCode, resp.Header.Get("Allow"), tt.status, tt.allow)
		}
	}
	// Not an admin route: the gateway answers, as for any unsigned call.
	resp, err := http.Get(s.URL + "/_hakoniwa/explain/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound || resp.StatusCode >= 500 {
		t.Errorf("GET /_hakoniwa/explain/: %d", resp.StatusCode)
	}
}
