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

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// siteResponse is what curl saw of one request to a website endpoint.
type siteResponse struct {
	status int
	header http.Header
	body   string
}

// curlSite runs curl without following redirects and returns the
// status, the headers and the body; extra holds curl options.
func curlSite(t *testing.T, bin, url string, extra ...string) siteResponse {
	t.Helper()
	dir := t.TempDir()
	body, head := filepath.Join(dir, "body"), filepath.Join(dir, "head")
	args := append([]string{"-sS", "-o", body, "-D", head, "-w", "%{http_code}"}, extra...)
	out, err := exec.Command(bin, append(args, url)...).Output()
	if err != nil {
		t.Fatalf("curl %v %s: %v", extra, url, err)
	}
	r := siteResponse{header: http.Header{}}
	if _, err := fmt.Sscan(string(out), &r.status); err != nil {
		t.Fatalf("curl status %q: %v", out, err)
	}
	b, _ := os.ReadFile(body)
	r.body = string(b)
	h, _ := os.ReadFile(head)
	// Following redirects, curl dumps every response's headers: the
	// last block is the answer's.
	blocks := strings.Split(strings.TrimSpace(string(h)), "\r\n\r\n")
	for _, line := range strings.Split(blocks[len(blocks)-1], "\r\n")[1:] {
		if k, v, ok := strings.Cut(line, ":"); ok {
			r.header.Add(k, strings.TrimSpace(v))
		}
	}
	return r
}

func (r siteResponse) want(t *testing.T, what string, status int, body, location string) {
	t.Helper()
	if r.status != status || !strings.Contains(r.body, body) || r.header.Get("Location") != location {
		t.Fatalf("%s: %d %v\n%s\nwant %d, %q, Location %q", what, r.status, r.header, r.body, status, body, location)
	}
}

// wantPage checks one of S3's HTML error pages.
func (r siteResponse) wantPage(t *testing.T, what string, status int, code string, items ...string) {
	t.Helper()
	r.want(t, what, status, "<li>Code: "+code+"</li>", "")
	for _, it := range items {
		if !strings.Contains(r.body, it) {
			t.Fatalf("%s: page lacks %q:\n%s", what, it, r.body)
		}
	}
	if ct := r.header.Get("Content-Type"); ct != "text/html; charset=utf-8" || !strings.HasPrefix(r.body, "<html>") {
		t.Fatalf("%s: not an HTML page (%s):\n%s", what, ct, r.body)
	}
}

func publicRead(bucket string) string {
	return `{"Version":"2012-10-17","Statement":[{"Sid":"PublicRead","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::` + bucket + `/*"}]}`
}

// makePublic turns the bucket's Block Public Access off and grants
// everyone s3:GetObject, as AWS's website tutorial does.
func makePublic(t *testing.T, c *s3.Client, bucket string) {
	t.Helper()
	ctx := context.Background()
	off := &types.PublicAccessBlockConfiguration{BlockPublicAcls: aws.Bool(false), IgnorePublicAcls: aws.Bool(false),
		BlockPublicPolicy: aws.Bool(false), RestrictPublicBuckets: aws.Bool(false)}
	if _, err := c.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: aws.String(bucket), PublicAccessBlockConfiguration: off}); err != nil {
		t.Fatal(err)
	}
	if err := putPolicy(t, c, bucket, publicRead(bucket)); err != nil {
		t.Fatal(err)
	}
}

func putHTML(t *testing.T, c *s3.Client, bucket, key, body string, mods ...func(*s3.PutObjectInput)) *s3.PutObjectOutput {
	t.Helper()
	in := &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader(body), ContentType: aws.String("text/html")}
	for _, m := range mods {
		m(in)
	}
	out, err := c.PutObject(context.Background(), in)
	if err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
	return out
}

// TestS3WebsiteSDKCurl: a site configured with aws-sdk-go-v2 and browsed
// with curl on the website endpoint in its three forms (a *.localhost
// host, AWS's host name in a Host header, hakoniwa's path form).
func TestS3WebsiteSDKCurl(t *testing.T) {
	bin := need(t, "curl")
	s := StartServer(t)
	ctx := context.Background()
	c := s3Client(s)
	mustBucket(t, c, "site-e2e")
	makePublic(t, c, "site-e2e")
	home := putHTML(t, c, "site-e2e", "index.html", "<h1>home</h1>")
	putHTML(t, c, "site-e2e", "docs/index.html", "<h1>docs</h1>")
	putHTML(t, c, "site-e2e", "docs/page.txt", "0123456789", func(in *s3.PutObjectInput) { in.ContentType = aws.String("text/plain") })
	putHTML(t, c, "site-e2e", "error.html", "<h1>custom error</h1>")
	putHTML(t, c, "site-e2e", "moved.html", "", func(in *s3.PutObjectInput) { in.WebsiteRedirectLocation = aws.String("/docs/") })
	_, err := c.PutBucketWebsite(ctx, &s3.PutBucketWebsiteInput{Bucket: aws.String("site-e2e"), WebsiteConfiguration: &types.WebsiteConfiguration{
		IndexDocument: &types.IndexDocument{Suffix: aws.String("index.html")},
		ErrorDocument: &types.ErrorDocument{Key: aws.String("error.html")},
		RoutingRules: []types.RoutingRule{
			{Condition: &types.Condition{KeyPrefixEquals: aws.String("old-docs/")},
				Redirect: &types.Redirect{ReplaceKeyPrefixWith: aws.String("docs/"), HttpRedirectCode: aws.String("302")}},
			{Condition: &types.Condition{KeyPrefixEquals: aws.String("legacy/"), HttpErrorCodeReturnedEquals: aws.String("404")},
				Redirect: &types.Redirect{HostName: aws.String("archive.example.com"), Protocol: types.ProtocolHttps}},
		}}})
	if err != nil {
		t.Fatal(err)
	}

	port := s.URL[strings.LastIndexByte(s.URL, ':')+1:]
	host := "site-e2e.s3-website.localhost:" + port
	site := "http://" + host
	resolve := []string{"--resolve", host + ":127.0.0.1"}
	get := func(path string, extra ...string) siteResponse {
		t.Helper()
		return curlSite(t, bin, site+path, append(resolve, extra...)...)
	}

	r := get("/")
	r.want(t, "index at /", 200, "<h1>home</h1>", "")
	if r.header.Get("ETag") != aws.ToString(home.ETag) || r.header.Get("Content-Type") != "text/html" || r.header.Get("Last-Modified") == "" {
		t.Fatalf("index headers: %v (ETag %s)", r.header, aws.ToString(home.ETag))
	}
	get("/docs/").want(t, "index of docs/", 200, "<h1>docs</h1>", "")
	get("/docs").want(t, "docs without its slash", 302, "", "/docs/")
	get("/docs/page.txt", "-r", "2-4").want(t, "a range", 206, "234", "")
	if r := get("/docs/page.txt", "-r", "2-4"); r.body != "234" || r.header.Get("Content-Range") != "bytes 2-4/10" {
		t.Fatalf("range: %v %q", r.header, r.body)
	}
	get("/", "-H", "If-None-Match: "+aws.ToString(home.ETag)).want(t, "If-None-Match", 304, "", "")
	get("/nope.html").want(t, "a missing key", 404, "<h1>custom error</h1>", "")
	get("/old-docs/page.txt").want(t, "routing rule on a prefix", 302, "", site+"/docs/page.txt")
	get("/legacy/a.html").want(t, "routing rule on a 404", 301, "", "https://archive.example.com/legacy/a.html")
	get("/moved.html").want(t, "an object's website redirect", 301, "", "/docs/")
	get("/", "-X", "PUT", "--data-binary", "x").wantPage(t, "PUT", 405, "MethodNotAllowed", "<li>Method: PUT</li>", "<li>ResourceType: OBJECT</li>")
	get("/index.html", "-X", "DELETE").wantPage(t, "DELETE", 405, "MethodNotAllowed", "<li>Method: DELETE</li>")

	// curl -I writes the headers where the body would go: no body follows.
	head := get("/docs/page.txt", "-I")
	if head.status != 200 || strings.Contains(head.body, "0123456789") || head.header.Get("Content-Length") != "10" || head.header.Get("Content-Type") != "text/plain" {
		t.Fatalf("HEAD: %d %v %q", head.status, head.header, head.body)
	}
	if head := get("/nope.html", "-I"); head.status != 404 || strings.Contains(head.body, "custom error") || head.header.Get("Content-Length") != "21" {
		t.Fatalf("HEAD of a missing key (the error document's headers): %d %q", head.status, head.body)
	}

	// curl resolves *.localhost itself; AWS's own host name works in a
	// Host header; the path form needs neither.
	curlSite(t, bin, site+"/docs/").want(t, "*.localhost", 200, "<h1>docs</h1>", "")
	curlSite(t, bin, s.URL+"/docs/page.txt", "-H", "Host: site-e2e.s3-website-us-east-1.amazonaws.com").want(t, "AWS host, dash form", 200, "0123456789", "")
	curlSite(t, bin, s.URL+"/", "-H", "Host: site-e2e.s3-website.us-east-1.amazonaws.com").want(t, "AWS host, dot form", 200, "<h1>home</h1>", "")
	path := s.URL + "/_hakoniwa/s3-website/site-e2e"
	curlSite(t, bin, path+"/").want(t, "path form index", 200, "<h1>home</h1>", "")
	curlSite(t, bin, path+"/docs").want(t, "path form folder", 302, "", "/_hakoniwa/s3-website/site-e2e/docs/")
	curlSite(t, bin, path+"/docs", "-L").want(t, "path form followed", 200, "<h1>docs</h1>", "")
	curlSite(t, bin, path+"/missing").want(t, "path form 404", 404, "<h1>custom error</h1>", "")

	// The bucket's CORS rules apply on the website endpoint too.
	_, err = c.PutBucketCors(ctx, &s3.PutBucketCorsInput{Bucket: aws.String("site-e2e"), CORSConfiguration: &types.CORSConfiguration{
		CORSRules: []types.CORSRule{{AllowedMethods: []string{"GET"}, AllowedOrigins: []string{"https://app.example.com"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	if r := get("/docs/page.txt", "-H", "Origin: https://app.example.com"); r.status != 200 || r.header.Get("Access-Control-Allow-Origin") != "https://app.example.com" {
		t.Fatalf("CORS on the site: %d %v", r.status, r.header)
	}
	if r := get("/docs/page.txt", "-H", "Origin: https://other.example.com"); r.header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("CORS for another origin: %v", r.header)
	}

	// Without its error document, S3's page names both failures.
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("site-e2e"), Key: aws.String("error.html")}); err != nil {
		t.Fatal(err)
	}
	get("/nope.html").wantPage(t, "missing error document", 404, "NoSuchKey", "<li>Key: nope.html</li>",
		"<h3>An Error Occurred While Attempting to Retrieve a Custom Error Document</h3>\n<ul>\n<li>Code: NoSuchKey</li>\n<li>Message: The specified key does not exist.</li>\n<li>Key: error.html</li>\n</ul>")

	// Redirect-all, a private site, a bucket without a website, none.
	mustBucket(t, c, "redirect-e2e")
	if _, err := c.PutBucketWebsite(ctx, &s3.PutBucketWebsiteInput{Bucket: aws.String("redirect-e2e"), WebsiteConfiguration: &types.WebsiteConfiguration{
		RedirectAllRequestsTo: &types.RedirectAllRequestsTo{HostName: aws.String("www.example.com")}}}); err != nil {
		t.Fatal(err)
	}
	curlSite(t, bin, path[:strings.LastIndexByte(path, '/')]+"/redirect-e2e/a/b.html").want(t, "redirect all", 301, "", "http://www.example.com/a/b.html")
	mustBucket(t, c, "private-e2e")
	putHTML(t, c, "private-e2e", "index.html", "secret")
	putHTML(t, c, "private-e2e", "error.html", "secret error")
	if _, err := c.PutBucketWebsite(ctx, &s3.PutBucketWebsiteInput{Bucket: aws.String("private-e2e"), WebsiteConfiguration: &types.WebsiteConfiguration{
		IndexDocument: &types.IndexDocument{Suffix: aws.String("index.html")}, ErrorDocument: &types.ErrorDocument{Key: aws.String("error.html")}}}); err != nil {
		t.Fatal(err)
	}
	private := s.URL + "/_hakoniwa/s3-website/private-e2e/"
	curlSite(t, bin, private).wantPage(t, "private site", 403, "AccessDenied", "<li>Message: Access Denied</li>",
		"<h3>An Error Occurred While Attempting to Retrieve a Custom Error Document</h3>\n<ul>\n<li>Code: AccessDenied</li>")
	curlSite(t, bin, s.URL+"/_hakoniwa/s3-website/private-e2e/x", "-X", "POST").wantPage(t, "POST", 405, "MethodNotAllowed")
	curlSite(t, bin, s.URL+"/_hakoniwa/s3-website/redirect-e2e-none/").wantPage(t, "no bucket", 404, "NoSuchBucket", "<li>BucketName: redirect-e2e-none</li>")
	mustBucket(t, c, "plain-e2e")
	curlSite(t, bin, s.URL+"/", "-H", "Host: plain-e2e.s3-website-us-east-1.amazonaws.com").wantPage(t, "no website", 404, "NoSuchWebsiteConfiguration", "<li>BucketName: plain-e2e</li>")

	// The same buckets on the REST endpoint still answer S3's XML.
	code, body := curlDo(t, bin, s.URL+"/site-e2e/nope.html")
	wantS3Error(t, "REST missing key", code, body, 404, "NoSuchKey", "The specified key does not exist.")
	code, body = curlDo(t, bin, s.URL+"/private-e2e/index.html")
	wantS3Error(t, "REST private", code, body, 403, "AccessDenied", "Access Denied")
	code, body = curlDo(t, bin, s.URL+"/site-e2e/docs/page.txt")
	if code != 200 || body != "0123456789" {
		t.Fatalf("REST public object: %d %q", code, body)
	}
	if out := getString(t, ctx, c, &s3.GetObjectInput{Bucket: aws.String("site-e2e"), Key: aws.String("moved.html")}); out != "" {
		t.Fatalf("REST GetObject of a redirecting object: %q", out)
	}
}

// TestS3WebsiteCLIs: both aws CLIs publish a site (`aws s3 website`),
// which curl then browses.
func TestS3WebsiteCLIs(t *testing.T) {
	bin := need(t, "curl")
	s := StartServer(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "index.html"), []byte("<h1>cli home</h1>"), 0o600)
	os.WriteFile(filepath.Join(dir, "error.html"), []byte("<h1>cli error</h1>"), 0o600)
	os.MkdirAll(filepath.Join(dir, "blog"), 0o700)
	os.WriteFile(filepath.Join(dir, "blog", "index.html"), []byte("<h1>blog</h1>"), 0o600)
	bothCLIs(t, s, nil, func(t *testing.T, name string, run func(args ...string) (string, string, error)) {
		bucket := "cli-site-" + name
		must := func(args ...string) string {
			t.Helper()
			out, errOut, err := run(args...)
			if err != nil {
				t.Fatalf("aws %v: %v\n%s%s", args, err, out, errOut)
			}
			return out
		}
		must("s3", "mb", "s3://"+bucket)
		must("s3api", "put-public-access-block", "--bucket", bucket, "--public-access-block-configuration",
			"BlockPublicAcls=false,IgnorePublicAcls=false,BlockPublicPolicy=false,RestrictPublicBuckets=false")
		must("s3api", "put-bucket-policy", "--bucket", bucket, "--policy", publicRead(bucket))
		must("s3", "sync", dir, "s3://"+bucket)
		site := s.URL + "/_hakoniwa/s3-website/" + bucket
		curlSite(t, bin, site+"/").wantPage(t, "before `s3 website`", 404, "NoSuchWebsiteConfiguration")
		must("s3", "website", "s3://"+bucket, "--index-document", "index.html", "--error-document", "error.html")
		contains(t, must("s3api", "get-bucket-website", "--bucket", bucket), "index.html")
		curlSite(t, bin, site+"/").want(t, "index", 200, "<h1>cli home</h1>", "")
		curlSite(t, bin, site+"/blog").want(t, "folder", 302, "", "/_hakoniwa/s3-website/"+bucket+"/blog/")
		curlSite(t, bin, site+"/blog/").want(t, "folder index", 200, "<h1>blog</h1>", "")
		curlSite(t, bin, site+"/nowhere").want(t, "error document", 404, "<h1>cli error</h1>", "")
		if r := curlSite(t, bin, site+"/index.html"); r.header.Get("Content-Type") != "text/html" {
			t.Fatalf("aws s3 sync's content type on the site: %v", r.header)
		}
		must("s3api", "delete-bucket-policy", "--bucket", bucket)
		curlSite(t, bin, site+"/").wantPage(t, "policy removed", 403, "AccessDenied")
		must("s3api", "delete-bucket-website", "--bucket", bucket)
		curlSite(t, bin, site+"/").wantPage(t, "website removed", 404, "NoSuchWebsiteConfiguration")
	})
}
