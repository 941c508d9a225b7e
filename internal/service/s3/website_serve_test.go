package s3

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/reqctx"

	s3api "hakoniwa/internal/api/s3"
)

// siteResult is one website answer, read the way a client sees it.
type siteResult struct {
	status int
	header http.Header
	body   string
}

// visit asks the website of bucket for the request's path; keys under
// private/ are refused as the authorizer would refuse them.
func (e *testEnv) visit(method, target string, h http.Header) siteResult {
	e.t.Helper()
	r := httptest.NewRequest(method, "http://"+target, nil)
	for k, v := range h {
		r.Header[k] = v
	}
	bucket, _, _ := strings.Cut(r.Host, ".")
	ctx := reqctx.With(context.Background(), &reqctx.Info{RequestID: "REQ1", Principal: reqctx.Principal{Type: "Anonymous", ARN: "*"}})
	read := func(_ context.Context, key string) error {
		if strings.HasPrefix(key, "private/") {
			return awserr.New(http.StatusForbidden, "AccessDenied", "User: anonymous is not authorized")
		}
		return nil
	}
	obj, page := e.svc.Website(ctx, r, bucket, strings.TrimPrefix(r.URL.Path, "/"), "", read)
	if obj != nil {
		if page != nil {
			e.t.Fatal("both an object and a page")
		}
		return objectResult(e.t, obj)
	}
	b, _ := io.ReadAll(page.Body)
	return siteResult{status: page.StatusCode, header: page.Header, body: string(b)}
}

// objectResult reads an encoded GetObject output: its status from its
// body, as the codec takes it.
func objectResult(t *testing.T, obj map[string]any) siteResult {
	t.Helper()
	body := obj["Body"].(io.ReadCloser)
	defer body.Close()
	b, err := io.ReadAll(body)
	if err != nil {
		t.Fatal(err)
	}
	status := http.StatusOK
	if st := body.(interface{ StatusCode() int }).StatusCode(); st != 0 {
		status = st
	}
	h := http.Header{}
	for _, k := range []string{"ContentType", "ETag", "ContentRange"} {
		if v, ok := obj[k].(string); ok {
			h.Set(k, v)
		}
	}
	return siteResult{status: status, header: h, body: string(b)}
}

func (e *testEnv) putWebsite(bucket string, cfg *s3api.WebsiteConfiguration) {
	e.t.Helper()
	if _, err := e.svc.PutBucketWebsite(e.ctx(), &s3api.PutBucketWebsiteInput{Bucket: ptr(bucket), WebsiteConfiguration: cfg}); err != nil {
		e.t.Fatal(err)
	}
}

func contentType(ct string) func(*s3api.PutObjectInput) {
	return func(in *s3api.PutObjectInput) { in.ContentType = ptr(ct) }
}

func TestWebsiteDocuments(t *testing.T) {
	e := newTestEnv(t)
	e.mustCreateBucket("site")
	e.putWebsite("site", &s3api.WebsiteConfiguration{IndexDocument: &s3api.IndexDocument{Suffix: ptr("index.html")},
		ErrorDocument: &s3api.ErrorDocument{Key: ptr("error.html")}})
	e.mustPut("site", "index.html", "home", contentType("text/html"))
	e.mustPut("site", "docs/index.html", "docs home", contentType("text/html"))
	e.mustPut("site", "docs/a.txt", "0123456789", contentType("text/plain"))
	e.mustPut("site", "error.html", "oops", contentType("text/html"))
	e.mustPut("site", "private/secret.html", "no")

	for _, c := range []struct {
		name, method, path string
		header             http.Header
		status             int
		body, location     string
	}{
		{"index at the root", "GET", "/", nil, 200, "home", ""},
		{"index of a folder", "GET", "/docs/", nil, 200, "docs home", ""},
		{"an object", "GET", "/docs/a.txt", nil, 200, "0123456789", ""},
		{"a folder without its slash", "GET", "/docs", nil, 302, "", "/docs/"},
		{"a range", "GET", "/docs/a.txt", http.Header{"Range": {"bytes=2-4"}}, 206, "234", ""},
		{"a missing key gets the error document", "GET", "/nope.html", nil, 404, "oops", ""},
		{"a missing folder index too", "GET", "/nothing/", nil, 404, "oops", ""},
		{"a private object: 403 and the error document", "GET", "/private/secret.html", nil, 403, "oops", ""},
	} {
		got := e.visit(c.method, "site.s3-website.localhost"+c.path, c.header)
		if got.status != c.status || got.body != c.body || got.header.Get("Location") != c.location {
			t.Errorf("%s: %d %q %v, want %d %q %q", c.name, got.status, got.body, got.header, c.status, c.body, c.location)
		}
	}
	if got := e.visit("GET", "site.s3-website.localhost/", nil); got.header.Get("ContentType") != "text/html" {
		t.Errorf("index content type: %v", got.header)
	}

	// Conditional GETs behave as GetObject's.
	etag := e.visit("GET", "site.s3-website.localhost/docs/a.txt", nil).header.Get("ETag")
	if got := e.visit("GET", "site.s3-website.localhost/docs/a.txt", http.Header{"If-None-Match": {etag}}); got.status != 304 || got.body != "" {
		t.Errorf("If-None-Match: %+v", got)
	}
	if got := e.visit("GET", "site.s3-website.localhost/docs/a.txt", http.Header{"If-Match": {`"other"`}}); got.status != 412 || !strings.Contains(got.body, "<li>Code: PreconditionFailed</li>") {
		t.Errorf("If-Match: %+v", got)
	}
	if got := e.visit("GET", "site.s3-website.localhost/docs/a.txt", http.Header{"Range": {"bytes=50-"}}); got.status != 416 || !strings.Contains(got.body, "InvalidRange") {
		t.Errorf("bad range: %+v", got)
	}

	// Without the error document, S3's page names both errors.
	if _, err := e.svc.DeleteObject(e.ctx(), &s3api.DeleteObjectInput{Bucket: ptr("site"), Key: ptr("error.html")}); err != nil {
		t.Fatal(err)
	}
	got := e.visit("GET", "site.s3-website.localhost/nope.html", nil)
	want := websiteErrorPage(404, "NoSuchKey", "The specified key does not exist.", [][2]string{{"Key", "nope.html"}}, "REQ1")
	want = strings.Replace(want, "<hr/>", "<h3>An Error Occurred While Attempting to Retrieve a Custom Error Document</h3>\n<ul>\n"+
		"<li>Code: NoSuchKey</li>\n<li>Message: The specified key does not exist.</li>\n<li>Key: error.html</li>\n</ul>\n<hr/>", 1)
	if got.status != 404 || got.body != want || got.header.Get("Content-Type") != "text/html; charset=utf-8" ||
		got.header.Get("x-amz-error-code") != "NoSuchKey" || got.header.Get("x-amz-error-detail-Key") != "nope.html" {
		t.Errorf("missing error document:\n%s\n%v\nwant\n%s", got.body, got.header, want)
	}
	// A private object's refusal says no more than Access Denied.
	got = e.visit("GET", "site.s3-website.localhost/private/secret.html", nil)
	if got.status != 403 || !strings.Contains(got.body, "<li>Message: Access Denied</li>") || strings.Contains(got.body, "anonymous") {
		t.Errorf("private: %+v", got)
	}
}

func TestWebsiteRefusals(t *testing.T) {
	e := newTestEnv(t)
	e.mustCreateBucket("plain")
	e.mustPut("plain", "index.html", "x")
	for _, c := range []struct {
		method, target string
		status         int
		code, detail   string
	}{
		{"GET", "nobucket.s3-website.localhost/", 404, "NoSuchBucket", "<li>BucketName: nobucket</li>"},
		{"GET", "plain.s3-website.localhost/index.html", 404, "NoSuchWebsiteConfiguration", "<li>BucketName: plain</li>"},
		{"PUT", "plain.s3-website.localhost/index.html", 405, "MethodNotAllowed", "<li>Method: PUT</li>\n<li>ResourceType: OBJECT</li>"},
		{"DELETE", "nobucket.s3-website.localhost/", 405, "MethodNotAllowed", "<li>Method: DELETE</li>"},
		{"POST", "plain.s3-website.localhost/", 405, "MethodNotAllowed", "<li>Method: POST</li>"},
	} {
		got := e.visit(c.method, c.target, nil)
		if got.status != c.status || !strings.Contains(got.body, "<li>Code: "+c.code+"</li>") || !strings.Contains(got.body, c.detail) ||
			!strings.Contains(got.body, "<li>RequestId: REQ1</li>") || got.header.Get("x-amz-error-code") != c.code {
			t.Errorf("%s %s: %d %v\n%s", c.method, c.target, got.status, got.header, got.body)
		}
	}
	// A key S3 refuses to store is refused here too, never a 500.
	e.putWebsite("plain", &s3api.WebsiteConfiguration{IndexDocument: &s3api.IndexDocument{Suffix: ptr("index.html")}})
	if got := e.visit("GET", "plain.s3-website.localhost/"+strings.Repeat("k", 1100), nil); got.status != 400 {
		t.Errorf("long key: %d %s", got.status, got.body)
	}
}

func TestWebsiteRedirects(t *testing.T) {
	e := newTestEnv(t)
	e.mustCreateBucket("old")
	e.putWebsite("old", &s3api.WebsiteConfiguration{RedirectAllRequestsTo: &s3api.RedirectAllRequestsTo{HostName: ptr("www.example.com"), Protocol: ptr("https")}})
	if got := e.visit("GET", "old.s3-website.localhost/a/b.html", nil); got.status != 301 || got.header.Get("Location") != "https://www.example.com/a/b.html" {
		t.Errorf("redirect all: %+v", got)
	}

	e.mustCreateBucket("rules")
	e.putWebsite("rules", &s3api.WebsiteConfiguration{IndexDocument: &s3api.IndexDocument{Suffix: ptr("index.html")},
		RoutingRules: []s3api.RoutingRule{
			{Condition: &s3api.Condition{KeyPrefixEquals: ptr("docs/")}, Redirect: &s3api.Redirect{ReplaceKeyPrefixWith: ptr("documents/")}},
			{Condition: &s3api.Condition{HttpErrorCodeReturnedEquals: ptr("404")},
				Redirect: &s3api.Redirect{HostName: ptr("fallback.example.com"), HttpRedirectCode: ptr("302"), ReplaceKeyWith: ptr("missing.html")}},
		}})
	e.mustPut("rules", "here.html", "here")
	e.mustPut("rules", "moved.html", "", func(in *s3api.PutObjectInput) { in.WebsiteRedirectLocation = ptr("/here.html") })
	e.mustPut("rules", "docs/x.html", "shadowed")
	e.mustPut("rules", "private/p.html", "p")
	for _, c := range []struct {
		path, location string
		status         int
	}{
		{"/docs/x.html", "http://rules.s3-website.localhost/documents/x.html", 301},
		{"/gone.html", "http://fallback.example.com/missing.html", 302},
		{"/moved.html", "/here.html", 301},
		{"/here.html", "", 200},
		// A 403 is not the rule's 404: S3's page.
		{"/private/p.html", "", 403},
	} {
		got := e.visit("GET", "rules.s3-website.localhost"+c.path, nil)
		if got.status != c.status || got.header.Get("Location") != c.location {
			t.Errorf("%s: %d %v, want %d %q", c.path, got.status, got.header, c.status, c.location)
		}
	}
	// HEAD answers the same redirect.
	if got := e.visit("HEAD", "rules.s3-website.localhost/moved.html", nil); got.status != 301 || got.header.Get("Location") != "/here.html" {
		t.Errorf("HEAD redirect: %+v", got)
	}
}

// In the path form redirects stay under the bucket's path.
func TestWebsitePathForm(t *testing.T) {
	e := newTestEnv(t)
	e.mustCreateBucket("site")
	e.putWebsite("site", &s3api.WebsiteConfiguration{IndexDocument: &s3api.IndexDocument{Suffix: ptr("index.html")},
		RoutingRules: []s3api.RoutingRule{{Condition: &s3api.Condition{KeyPrefixEquals: ptr("old/")}, Redirect: &s3api.Redirect{ReplaceKeyPrefixWith: ptr("new/")}}}})
	e.mustPut("site", "dir/index.html", "d")
	r := httptest.NewRequest("GET", "http://127.0.0.1:4566/_hakoniwa/s3-website/site/dir", nil)
	allow := func(context.Context, string) error { return nil }
	ctx := reqctx.With(context.Background(), &reqctx.Info{RequestID: "R"})
	base := "/_hakoniwa/s3-website/site"
	if _, page := e.svc.Website(ctx, r, "site", "dir", base, allow); page == nil || page.StatusCode != 302 || page.Header.Get("Location") != base+"/dir/" {
		t.Errorf("folder redirect: %+v", page)
	}
	if _, page := e.svc.Website(ctx, r, "site", "old/a.html", base, allow); page == nil || page.Header.Get("Location") != "http://127.0.0.1:4566"+base+"/new/a.html" {
		t.Errorf("rule redirect: %+v", page)
	}
}
