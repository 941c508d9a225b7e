package gateway

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"hakoniwa/internal/api"
	"hakoniwa/internal/awserr"
	"hakoniwa/internal/clock"
	"hakoniwa/internal/ids"
	"hakoniwa/internal/model"
	"hakoniwa/internal/protocol"
	"hakoniwa/internal/protocol/restxml"
	"hakoniwa/internal/reqctx"
	"hakoniwa/internal/sigv4"

	s3api "hakoniwa/internal/api/s3"
)

func TestWebsiteTarget(t *testing.T) {
	for _, c := range []struct {
		url                       string
		ok                        bool
		bucket, key, base, region string
	}{
		{"http://site.s3-website-us-west-2.amazonaws.com/a/b.html", true, "site", "a/b.html", "", "us-west-2"},
		{"http://site.s3-website.eu-central-1.amazonaws.com/", true, "site", "", "", "eu-central-1"},
		{"http://my.dotted.site.s3-website-us-east-1.amazonaws.com/x", true, "my.dotted.site", "x", "", "us-east-1"},
		{"http://site.s3-website.localhost:4566/dir/", true, "site", "dir/", "", ""},
		{"http://Site.S3-Website-ap-northeast-1.localhost:4566/k", true, "site", "k", "", "ap-northeast-1"},
		{"http://site.s3-website.localhost.localstack.cloud:4566/k", true, "site", "k", "", ""},
		{"http://127.0.0.1:4566/_hakoniwa/s3-website/site/dir/page%20one.html", true, "site", "dir/page one.html", "/_hakoniwa/s3-website/site", ""},
		{"http://127.0.0.1:4566/_hakoniwa/s3-website/site", true, "site", "", "/_hakoniwa/s3-website/site", ""},
		{"http://127.0.0.1:4566/_hakoniwa/s3-website/", true, "", "", "/_hakoniwa/s3-website/", ""},
		// The REST endpoint, in every addressing style, is not a website.
		{"http://127.0.0.1:4566/site/k", false, "", "", "", ""},
		{"http://site.s3.localhost:4566/k", false, "", "", "", ""},
		{"http://site.s3.us-east-1.amazonaws.com/k", false, "", "", "", ""},
		{"http://site.localhost:4566/k", false, "", "", "", ""},
		{"http://s3-website-us-east-1.amazonaws.com/", false, "", "", "", ""},
		{"http://127.0.0.1:4566/_hakoniwa/health", false, "", "", "", ""},
	} {
		r := httptest.NewRequest("GET", c.url, nil)
		got, ok := websiteTarget(r)
		want := siteTarget{bucket: c.bucket, key: c.key, base: c.base, region: c.region}
		if ok != c.ok || ok && got != want {
			t.Errorf("%s: %+v %v, want %+v %v", c.url, got, ok, want, c.ok)
		}
	}
}

// fakeSite records what the gateway asked and answers what it is told.
type fakeSite struct {
	bucket, key, base string
	readErr           error
	principal         reqctx.Principal
	object            map[string]any
	page              *http.Response
}

func (f *fakeSite) Preflight(context.Context, string, string, http.Header) (http.Header, error) {
	return nil, nil
}
func (f *fakeSite) CORSHeaders(_ context.Context, bucket, method string, h http.Header) http.Header {
	if bucket == "site" && method == "GET" && h.Get("Origin") == "https://app.example.com" {
		return http.Header{"Access-Control-Allow-Origin": {"https://app.example.com"}}
	}
	return nil
}

func (f *fakeSite) Website(ctx context.Context, r *http.Request, bucket, key, base string, read func(context.Context, string) error) (map[string]any, *http.Response) {
	f.bucket, f.key, f.base = bucket, key, base
	f.principal = reqctx.From(ctx).Principal
	f.readErr = read(ctx, key)
	return f.object, f.page
}

// keyAuthorizer allows GetObject on public/ keys only.
type keyAuthorizer struct{ ops []string }

func (a *keyAuthorizer) Authorize(ctx context.Context, _ *model.Service, op *model.Operation, in map[string]any) error {
	a.ops = append(a.ops, op.Name+" "+in["Bucket"].(string)+"/"+in["Key"].(string))
	if strings.HasPrefix(in["Key"].(string), "public/") && reqctx.From(ctx).Principal.Type == "Anonymous" {
		return nil
	}
	return awserr.New(http.StatusForbidden, "AccessDenied", "Access Denied")
}

func websiteGateway(site *fakeSite, authz Authorizer) *Gateway {
	return New(Config{Services: []*api.Binding{s3api.Bind(s3api.Unimplemented{})}, Codecs: []protocol.Codec{restxml.New()},
		Authorizer: authz, S3Wire: site, Clock: clock.System{}, IDs: ids.New(), Log: slog.New(slog.DiscardHandler)})
}

func TestS3WebsitePage(t *testing.T) {
	page := func() *http.Response {
		return &http.Response{StatusCode: 404, Header: http.Header{"Content-Type": {"text/html; charset=utf-8"}},
			Body: io.NopCloser(strings.NewReader("<html>not here</html>"))}
	}
	site := &fakeSite{page: page()}
	authz := &keyAuthorizer{}
	g := websiteGateway(site, authz)

	w := httptest.NewRecorder()
	g.ServeHTTP(w, httptest.NewRequest("GET", "http://site.s3-website-us-east-1.amazonaws.com/public/a.html", nil))
	if w.Code != 404 || w.Body.String() != "<html>not here</html>" || w.Header().Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("page: %d %q %v", w.Code, w.Body, w.Header())
	}
	if w.Header().Get("x-amz-request-id") == "" || w.Header().Get("x-amz-id-2") == "" {
		t.Errorf("no request ids: %v", w.Header())
	}
	if site.bucket != "site" || site.key != "public/a.html" || site.base != "" || site.principal.Type != "Anonymous" || site.readErr != nil {
		t.Errorf("asked %+v", site)
	}
	if len(authz.ops) != 1 || authz.ops[0] != "GetObject site/public/a.html" {
		t.Errorf("authorized %v", authz.ops)
	}

	// The authorizer's refusal reaches the site; a HEAD gets no body.
	site.page = page()
	w = httptest.NewRecorder()
	g.ServeHTTP(w, httptest.NewRequest("HEAD", "http://127.0.0.1:4566/_hakoniwa/s3-website/site/private/x", nil))
	if w.Code != 404 || w.Body.Len() != 0 {
		t.Fatalf("HEAD: %d %q", w.Code, w.Body)
	}
	if site.base != "/_hakoniwa/s3-website/site" || site.key != "private/x" || awserr.As(site.readErr).Code != "AccessDenied" {
		t.Errorf("path form asked %+v", site)
	}
}

func TestS3WebsiteObject(t *testing.T) {
	site := &fakeSite{object: api.Encode(&s3api.GetObjectOutput{Body: strings.NewReader("<p>hi</p>"), ContentType: ptrTo("text/html"),
		ETag: ptrTo(`"abc"`), ContentLength: ptrTo(int64(9)), Metadata: map[string]string{"color": "blue"}})}
	g := websiteGateway(site, nil)
	w := httptest.NewRecorder()
	g.ServeHTTP(w, httptest.NewRequest("GET", "http://site.s3-website.localhost:4566/", nil))
	h := w.Header()
	if w.Code != 200 || w.Body.String() != "<p>hi</p>" || h.Get("Content-Type") != "text/html" || h.Get("ETag") != `"abc"` ||
		len(h["x-amz-meta-color"]) != 1 || h.Get("x-amz-request-id") == "" {
		t.Fatalf("object: %d %q %v", w.Code, w.Body, h)
	}
	if site.readErr != nil {
		t.Errorf("no authorizer denied: %v", site.readErr)
	}
	if h.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("CORS headers without an Origin: %v", h)
	}

	// A cross-origin GET gets the bucket's CORS headers.
	site.object = api.Encode(&s3api.GetObjectOutput{Body: strings.NewReader("x")})
	r := httptest.NewRequest("GET", "http://site.s3-website.localhost:4566/font.woff", nil)
	r.Header.Set("Origin", "https://app.example.com")
	w = httptest.NewRecorder()
	g.ServeHTTP(w, r)
	if w.Code != 200 || w.Header().Get("Access-Control-Allow-Origin") != "https://app.example.com" {
		t.Errorf("CORS: %d %v", w.Code, w.Header())
	}
}

// The REST endpoint never reaches the website, even with a website
// server wired.
func TestS3WebsiteLeavesREST(t *testing.T) {
	site := &fakeSite{page: &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader(""))}}
	g := websiteGateway(site, nil)
	g.cfg.Authenticator = anonymousAuth{}
	w := httptest.NewRecorder()
	g.ServeHTTP(w, httptest.NewRequest("GET", "http://site.s3.localhost:4566/k", nil))
	if site.bucket != "" || !strings.Contains(w.Body.String(), "<Error>") {
		t.Fatalf("REST request went to the website: %+v %d %s", site, w.Code, w.Body)
	}
}

func ptrTo[T any](v T) *T { return &v }

type anonymousAuth struct{}

func (anonymousAuth) VerifyFor(*http.Request, string) (*sigv4.Result, error) {
	return &sigv4.Result{Anonymous: true}, nil
}
