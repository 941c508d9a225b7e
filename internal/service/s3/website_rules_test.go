package s3

import (
	"strings"
	"testing"

	"hakoniwa/internal/awserr"

	s3api "hakoniwa/internal/api/s3"
)

func strp(s string) *string { return &s }

func TestValidateWebsite(t *testing.T) {
	index := &s3api.IndexDocument{Suffix: strp("index.html")}
	cases := []struct {
		name string
		cfg  *s3api.WebsiteConfiguration
		msg  string // "" for accepted
	}{
		{"index only", &s3api.WebsiteConfiguration{IndexDocument: index}, ""},
		{"redirect all", &s3api.WebsiteConfiguration{RedirectAllRequestsTo: &s3api.RedirectAllRequestsTo{HostName: strp("example.com"), Protocol: strp("https")}}, ""},
		{"redirect all and index", &s3api.WebsiteConfiguration{IndexDocument: index, RedirectAllRequestsTo: &s3api.RedirectAllRequestsTo{HostName: strp("example.com")}}, "cannot be provided in conjunction"},
		{"nothing", &s3api.WebsiteConfiguration{}, "IndexDocument Suffix must be provided"},
		{"suffix with slash", &s3api.WebsiteConfiguration{IndexDocument: &s3api.IndexDocument{Suffix: strp("a/index.html")}}, "not well formed"},
		{"both replacements", &s3api.WebsiteConfiguration{IndexDocument: index, RoutingRules: []s3api.RoutingRule{{Redirect: &s3api.Redirect{ReplaceKeyWith: strp("a"), ReplaceKeyPrefixWith: strp("b")}}}}, "ReplaceKeyPrefix or ReplaceKey but not both"},
		{"300", &s3api.WebsiteConfiguration{IndexDocument: index, RoutingRules: []s3api.RoutingRule{{Redirect: &s3api.Redirect{HttpRedirectCode: strp("300")}}}}, "Valid codes are 3XX except 300"},
		{"bad protocol", &s3api.WebsiteConfiguration{IndexDocument: index, RoutingRules: []s3api.RoutingRule{{Redirect: &s3api.Redirect{Protocol: strp("ftp")}}}}, "Invalid protocol"},
		{"empty condition", &s3api.WebsiteConfiguration{IndexDocument: index, RoutingRules: []s3api.RoutingRule{{Condition: &s3api.Condition{}, Redirect: &s3api.Redirect{}}}}, "Condition cannot be empty"},
	}
	for _, tc := range cases {
		err := validateWebsite(tc.cfg)
		if tc.msg == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		e, ok := err.(*awserr.Error)
		if !ok || e.Code != "InvalidArgument" || !strings.Contains(e.Message, tc.msg) {
			t.Errorf("%s: got %v, want %q", tc.name, err, tc.msg)
		}
	}
}

func TestRoutingRules(t *testing.T) {
	rules := []s3api.RoutingRule{
		{Condition: &s3api.Condition{KeyPrefixEquals: strp("docs/")}, Redirect: &s3api.Redirect{ReplaceKeyPrefixWith: strp("documents/")}},
		{Condition: &s3api.Condition{KeyPrefixEquals: strp("images/"), HttpErrorCodeReturnedEquals: strp("404")},
			Redirect: &s3api.Redirect{HostName: strp("img.example.com"), Protocol: strp("https"), ReplaceKeyWith: strp("missing.png"), HttpRedirectCode: strp("302")}},
		{Condition: &s3api.Condition{HttpErrorCodeReturnedEquals: strp("403")}, Redirect: &s3api.Redirect{ReplaceKeyWith: strp("login.html")}},
	}
	host := "site.s3-website.localhost"
	cases := []struct {
		key      string
		code     int
		location string
		status   int
	}{
		{"docs/a/b.html", 0, "http://" + host + "/documents/a/b.html", 301},
		{"images/cat.png", 0, "", 0},
		{"images/cat.png", 404, "https://img.example.com/missing.png", 302},
		{"images/cat.png", 403, "http://" + host + "/login.html", 301},
		{"other.html", 404, "", 0},
	}
	for _, tc := range cases {
		r := matchRoutingRule(rules, tc.key, tc.code)
		if tc.location == "" {
			if r != nil {
				t.Errorf("%s/%d matched %+v", tc.key, tc.code, r)
			}
			continue
		}
		if r == nil {
			t.Errorf("%s/%d matched nothing", tc.key, tc.code)
			continue
		}
		if got := routingRedirect(r, "http", host, tc.key); got.Location != tc.location || got.Status != tc.status {
			t.Errorf("%s/%d: %+v", tc.key, tc.code, got)
		}
	}
	all := redirectAll(&s3api.RedirectAllRequestsTo{HostName: strp("www.example.com")}, "http", "/a/b")
	if all.Location != "http://www.example.com/a/b" || all.Status != 301 {
		t.Fatalf("redirect all: %+v", all)
	}
	page := websiteErrorPage(404, "NoSuchKey", "The specified key does not exist.", [][2]string{{"Key", "<x>"}}, "REQ")
	for _, want := range []string{"<title>404 Not Found</title>", "<li>Code: NoSuchKey</li>", "<li>Key: &lt;x&gt;</li>", "<li>RequestId: REQ</li>"} {
		if !strings.Contains(page, want) {
			t.Errorf("error page lacks %q:\n%s", want, page)
		}
	}
}
