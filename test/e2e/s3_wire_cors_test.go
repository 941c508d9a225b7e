package e2e

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// TestS3CORSOnTheWire: browsers' preflights are answered by the bucket's
// CORS rules, and actual requests from an allowed origin carry the
// Access-Control-* headers.
func TestS3CORSOnTheWire(t *testing.T) {
	s := StartServer(t)
	ctx := context.Background()
	c := s3Client(s)
	for _, b := range []string{"cors-wire", "cors-none"} {
		if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.PutBucketCors(ctx, &s3.PutBucketCorsInput{Bucket: aws.String("cors-wire"), CORSConfiguration: &types.CORSConfiguration{CORSRules: []types.CORSRule{{
		AllowedOrigins: []string{"https://*.example.com"}, AllowedMethods: []string{"GET", "PUT"}, AllowedHeaders: []string{"content-type", "x-amz-*"},
		ExposeHeaders: []string{"ETag"}, MaxAgeSeconds: aws.Int32(600)}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("cors-wire"), Key: aws.String("app.js"), Body: strings.NewReader("x")}); err != nil {
		t.Fatal(err)
	}
	preflight := func(path, origin, method, headers string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodOptions, s.URL+path, nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", method)
		if headers != "" {
			req.Header.Set("Access-Control-Request-Headers", headers)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	resp := preflight("/cors-wire/app.js", "https://www.example.com", "PUT", "Content-Type, X-Amz-Date")
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Access-Control-Allow-Origin") != "https://www.example.com" ||
		resp.Header.Get("Access-Control-Allow-Methods") != "GET, PUT" || resp.Header.Get("Access-Control-Allow-Headers") != "content-type, x-amz-date" ||
		resp.Header.Get("Access-Control-Max-Age") != "600" || resp.Header.Get("Access-Control-Expose-Headers") != "ETag" {
		t.Fatalf("allowed preflight: %d %v", resp.StatusCode, resp.Header)
	}
	for _, r := range []struct{ path, origin, method, headers, want string }{
		{"/cors-wire/app.js", "https://evil.example.org", "GET", "", "This CORS request is not allowed"},
		{"/cors-wire/app.js", "https://www.example.com", "DELETE", "", "This CORS request is not allowed"},
		{"/cors-wire/app.js", "https://www.example.com", "GET", "authorization", "This CORS request is not allowed"},
		{"/cors-none/app.js", "https://www.example.com", "GET", "", "CORS is not enabled for this bucket"},
	} {
		resp := preflight(r.path, r.origin, r.method, r.headers)
		body := readBody(t, resp)
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "<Code>AccessForbidden</Code>") || !strings.Contains(body, r.want) || resp.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("preflight %+v: %d %s", r, resp.StatusCode, body)
		}
	}

	// An actual signed GET from a browser page.
	get := func(origin string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, s.URL+"/cors-wire/app.js", nil)
		req.Header.Set("Origin", origin)
		creds, _ := s.DefaultConfig().Credentials.Retrieve(ctx)
		req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
		if err := v4.NewSigner().SignHTTP(ctx, creds, req, "UNSIGNED-PAYLOAD", "s3", "us-east-1", time.Now()); err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if resp := get("https://app.example.com"); resp.StatusCode != http.StatusOK || resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example.com" || resp.Header.Get("Access-Control-Allow-Credentials") != "true" {
		t.Fatalf("allowed origin: %d %v", resp.StatusCode, resp.Header)
	}
	if resp := get("https://evil.example.org"); resp.StatusCode != http.StatusOK || resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("other origin: %d %v", resp.StatusCode, resp.Header)
	}
}

func readBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	var b strings.Builder
	if _, err := io.Copy(&b, resp.Body); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
