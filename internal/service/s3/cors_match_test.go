package s3

import (
	"net/http"
	"strings"
	"testing"

	"hakoniwa/internal/awserr"

	s3api "hakoniwa/internal/api/s3"
)

func TestValidateCORS(t *testing.T) {
	ok := s3api.CORSRule{AllowedMethods: []string{"GET"}, AllowedOrigins: []string{"https://*.example.com"}}
	many := make([]s3api.CORSRule, maxCORSRules+1)
	for i := range many {
		many[i] = ok
	}
	cases := []struct {
		name  string
		rules []s3api.CORSRule
		code  string
		msg   string
	}{
		{"valid", []s3api.CORSRule{ok}, "", ""},
		{"none", nil, "MalformedXML", ""},
		{"no origin", []s3api.CORSRule{{AllowedMethods: []string{"GET"}}}, "MalformedXML", ""},
		{"bad method", []s3api.CORSRule{{AllowedMethods: []string{"PATCH"}, AllowedOrigins: []string{"*"}}}, "InvalidRequest", "Unsupported method is PATCH"},
		{"two stars", []s3api.CORSRule{{AllowedMethods: []string{"GET"}, AllowedOrigins: []string{"https://*.*.example.com"}}}, "InvalidRequest", "can not have more than one wildcard"},
		{"too many", many, "InvalidRequest", "should not exceed allowed limit of 100 rules"},
	}
	for _, tc := range cases {
		err := validateCORS(tc.rules)
		if tc.code == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		if e, ok := err.(*awserr.Error); !ok || e.Code != tc.code || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: got %v, want %s %q", tc.name, err, tc.code, tc.msg)
		}
	}
}

func TestPreflight(t *testing.T) {
	maxAge := int64(3000)
	rules := []s3api.CORSRule{
		{AllowedOrigins: []string{"https://app.example.com"}, AllowedMethods: []string{"PUT", "POST"}, AllowedHeaders: []string{"x-amz-*", "content-type"},
			ExposeHeaders: []string{"ETag"}, MaxAgeSeconds: &maxAge},
		{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"GET"}},
	}
	hdr := func(kv ...string) http.Header {
		h := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			h.Set(kv[i], kv[i+1])
		}
		return h
	}
	got, err := preflight(rules, true, hdr("Origin", "https://app.example.com", "Access-Control-Request-Method", "PUT",
		"Access-Control-Request-Headers", "Content-Type, X-Amz-Date"), "OBJECT")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"Access-Control-Allow-Origin": "https://app.example.com", "Access-Control-Allow-Methods": "PUT, POST",
		"Access-Control-Allow-Headers": "content-type, x-amz-date", "Access-Control-Expose-Headers": "ETag",
		"Access-Control-Max-Age": "3000", "Access-Control-Allow-Credentials": "true",
	}
	for k, v := range want {
		if got.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, got.Get(k), v)
		}
	}
	got, err = preflight(rules, true, hdr("Origin", "https://elsewhere.example.net", "Access-Control-Request-Method", "GET"), "OBJECT")
	if err != nil || got.Get("Access-Control-Allow-Origin") != "*" || got.Get("Access-Control-Allow-Credentials") != "" {
		t.Fatalf("wildcard rule: %v %v", got, err)
	}
	refusals := []struct {
		name   string
		h      http.Header
		status int
		msg    string
	}{
		{"header not allowed", hdr("Origin", "https://app.example.com", "Access-Control-Request-Method", "PUT", "Access-Control-Request-Headers", "authorization"), 403, "This CORS request is not allowed"},
		{"method not allowed", hdr("Origin", "https://elsewhere.example.net", "Access-Control-Request-Method", "DELETE"), 403, "This CORS request is not allowed"},
		{"no origin", hdr("Access-Control-Request-Method", "GET"), 400, "Origin request header needed"},
		{"no method", hdr("Origin", "https://app.example.com"), 400, "Invalid Access-Control-Request-Method: null"},
	}
	for _, r := range refusals {
		_, err := preflight(rules, true, r.h, "OBJECT")
		e, ok := err.(*awserr.Error)
		if !ok || e.Status != r.status || !strings.Contains(e.Message, r.msg) {
			t.Errorf("%s: %v", r.name, err)
		}
	}
	if _, err := preflight(nil, false, hdr("Origin", "https://a.example.com", "Access-Control-Request-Method", "GET"), "BUCKET"); err == nil || !strings.Contains(err.Error(), "CORS is not enabled for this bucket") {
		t.Fatalf("no configuration: %v", err)
	}
}
