package sigv4

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"hakoniwa/internal/awserr"
)

// v2Verifier knows the documentation's example key and the one of S3's
// older CanonicalizedAmzHeaders example.
func v2Verifier(now time.Time, extra ...Credential) *Verifier {
	v := testVerifier(append(extra, rootCred(testAKID, testSecret), rootCred("44CF9590006BF252F707", "OtxrzxIsfpFjA7SwPzILwy8Bw21TLhquhboDYROV"))...)
	v.now = func() time.Time { return now }
	return v
}

func errOf(t *testing.T, err error) *awserr.Error {
	t.Helper()
	if err == nil {
		t.Fatal("accepted")
	}
	return awserr.As(err)
}

// TestV2DocumentExamples: the signatures S3's documentation gives verify.
func TestV2DocumentExamples(t *testing.T) {
	cases := []struct {
		name    string
		now     time.Time
		method  string
		host    string
		target  string
		headers map[string]string
	}{
		// The example's host (awsexamplebucket1.us-west-1.s3…) is no
		// endpoint form; the signature covers only the bucket it names.
		{"header, virtual-hosted", time.Date(2007, 3, 27, 19, 40, 0, 0, time.UTC), "GET", "awsexamplebucket1.s3.us-west-1.amazonaws.com", "/photos/puppy.jpg",
			map[string]string{"Date": "Tue, 27 Mar 2007 19:36:42 +0000", "Authorization": "AWS " + testAKID + ":qgk2+6Sv9/oM7G3qLEjTH1a1l1g="}},
		{"query string", time.Date(2007, 3, 28, 0, 0, 0, 0, time.UTC), "GET", "johnsmith.s3.amazonaws.com",
			"/photos/puppy.jpg?AWSAccessKeyId=" + testAKID + "&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D&Expires=1175139620", nil},
		{"amz headers, path-style", time.Date(2005, 11, 17, 18, 50, 0, 0, time.UTC), "PUT", "127.0.0.1:4566", "/quotes/nelson",
			map[string]string{"Date": "Thu, 17 Nov 2005 18:49:58 GMT", "Content-Md5": "c8fdb181845a4ca6b8fec737b3581d76", "Content-Type": "text/html",
				"X-Amz-Meta-Author": "foo@bar.com", "X-Amz-Magic": "abracadabra", "Authorization": "AWS 44CF9590006BF252F707:jZNOcbfWmD/A/f3hSvVzXZjM2HU="}},
	}
	for _, c := range cases {
		r := newRequest(c.method, c.host, c.target, "")
		for k, v := range c.headers {
			r.Header.Set(k, v)
		}
		res, err := v2Verifier(c.now).VerifyFor(r, "s3")
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if res.Service != "s3" || res.Credential.Account != "000000000000" || res.Anonymous || res.Presigned != strings.Contains(c.target, "Signature=") {
			t.Errorf("%s: result %+v", c.name, res)
		}
	}
}

// v2Signed is a request signed over sts, which the test spells out so the
// canonicalization is checked against the rules, not against itself.
func v2Signed(method, host, target, sts string, headers ...string) *http.Request {
	r := newRequest(method, host, target, "")
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Add(headers[i], headers[i+1])
	}
	r.Header.Set("Authorization", "AWS "+testAKID+":"+v2Sign(testSecret, sts))
	return r
}

func TestV2Canonicalization(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	date := now.Format("Mon, 02 Jan 2006 15:04:05 GMT")
	cases := []struct {
		name    string
		method  string
		host    string
		target  string
		sts     string
		headers []string
	}{
		{"sub-resources sorted, others dropped", "GET", "127.0.0.1:4566", "/bkt?versionId=3&list-type=2&acl",
			"GET\n\n\n" + date + "\n/bkt?acl&versionId=3", []string{"Date", date}},
		{"response override decoded", "GET", "127.0.0.1:4566", "/bkt/k?response-content-type=text%2Fplain",
			"GET\n\n\n" + date + "\n/bkt/k?response-content-type=text/plain", []string{"Date", date}},
		{"x-amz-date empties the date line", "DELETE", "127.0.0.1:4566", "/bkt/k",
			"DELETE\n\n\n\nx-amz-date:" + date + "\n/bkt/k", []string{"X-Amz-Date", date, "Date", "Thu, 01 Jan 1970 00:00:00 GMT"}},
		{"repeated amz header joined", "PUT", "bkt.localhost:4566", "/k",
			"PUT\n\n\n" + date + "\nx-amz-meta-a:1,two words\n/bkt/k", []string{"Date", date, "X-Amz-Meta-A", "1", "X-Amz-Meta-A", " two   words "}},
		{"bucket with dots, bucket-level", "GET", "my.bkt.s3.us-east-1.amazonaws.com", "/?tagging",
			"GET\n\n\n" + date + "\n/my.bkt/?tagging", []string{"Date", date}},
		{"bucket-level path-style, signed as virtual-hosted", "PUT", "127.0.0.1:4566", "/bkt",
			"PUT\n\n\n" + date + "\n/bkt/", []string{"Date", date}},
		{"encoded key as sent", "GET", "127.0.0.1:4566", "/bkt/a%20b",
			"GET\n\n\n" + date + "\n/bkt/a%20b", []string{"Date", date}},
		{"encoded key decoded by the signer", "GET", "127.0.0.1:4566", "/bkt/a%20b",
			"GET\n\n\n" + date + "\n/bkt/a b", []string{"Date", date}},
	}
	for _, c := range cases {
		if _, err := v2Verifier(now).VerifyFor(v2Signed(c.method, c.host, c.target, c.sts, c.headers...), "s3"); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

func TestV2Presigned(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	exp := "1767326400" // 2026-01-02T04:00:00Z
	sig := url.QueryEscape(v2Sign(testSecret, "GET\n\n\n"+exp+"\n/bkt/k"))
	target := "/bkt/k?AWSAccessKeyId=" + testAKID + "&Expires=" + exp + "&Signature=" + sig
	if _, err := v2Verifier(now).VerifyFor(newRequest("GET", "127.0.0.1:4566", target, ""), "s3"); err != nil {
		t.Fatal(err)
	}
	e := errOf(t, func() error {
		_, err := v2Verifier(time.Date(2026, 1, 2, 4, 0, 1, 0, time.UTC)).VerifyFor(newRequest("GET", "127.0.0.1:4566", target, ""), "s3")
		return err
	}())
	if e.Code != "AccessDenied" || e.Status != 403 || e.Message != "Request has expired" || e.Fields["Expires"] != "2026-01-02T04:00:00Z" || e.Fields["ServerTime"] != "2026-01-02T04:00:01Z" {
		t.Errorf("expired: %+v", e)
	}
	// A '+' left unencoded still verifies.
	plain := "/bkt/k?AWSAccessKeyId=" + testAKID + "&Expires=" + exp + "&Signature=" + strings.ReplaceAll(sig, "%2B", "+")
	if _, err := v2Verifier(now).VerifyFor(newRequest("GET", "127.0.0.1:4566", plain, ""), "s3"); err != nil {
		t.Errorf("unencoded +: %v", err)
	}
	// Temporary credentials: the token travels as a query parameter and
	// is signed as an x-amz- header.
	tmp := rootCred("ASIAEXAMPLEEXAMPLE01", testSecret)
	tmp.SessionToken = "tok"
	sts := "GET\n\n\n" + exp + "\nx-amz-security-token:tok\n/bkt/k"
	tokTarget := "/bkt/k?AWSAccessKeyId=" + tmp.AccessKeyID + "&Expires=" + exp + "&x-amz-security-token=tok&Signature=" + url.QueryEscape(v2Sign(testSecret, sts))
	res, err := v2Verifier(now, tmp).VerifyFor(newRequest("GET", "127.0.0.1:4566", tokTarget, ""), "s3")
	if err != nil || res.SessionToken != "tok" || !res.Presigned {
		t.Fatalf("session token: %+v %v", res, err)
	}
	wrongTok := strings.Replace(tokTarget, "x-amz-security-token=tok", "x-amz-security-token=other", 1)
	if e := errOf(t, func() error {
		_, err := v2Verifier(now, tmp).VerifyFor(newRequest("GET", "127.0.0.1:4566", wrongTok, ""), "s3")
		return err
	}()); e.Code != "InvalidToken" {
		t.Errorf("wrong token: %+v", e)
	}
}

func TestV2Refusals(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	date := now.Format("Mon, 02 Jan 2006 15:04:05 GMT")
	good := v2Sign(testSecret, "GET\n\n\n"+date+"\n/bkt/k")
	exp := "1767326400"
	cases := []struct {
		name      string
		target    string
		headers   []string
		service   string
		code      string
		status    int
		msgPrefix string
	}{
		{"another key's object", "/bkt/other", []string{"Date", date, "Authorization", "AWS " + testAKID + ":" + good}, "s3", "SignatureDoesNotMatch", 403, "The request signature we calculated"},
		{"unknown key", "/bkt/k", []string{"Date", date, "Authorization", "AWS AKIANOSUCHKEY0000000:" + good}, "s3", "InvalidAccessKeyId", 403, "The AWS Access Key Id you provided does not exist"},
		{"no colon", "/bkt/k", []string{"Date", date, "Authorization", "AWS " + testAKID}, "s3", "InvalidArgument", 400, "AWS authorization header is invalid"},
		{"no date", "/bkt/k", []string{"Authorization", "AWS " + testAKID + ":" + good}, "s3", "AccessDenied", 403, "AWS authentication requires a valid Date or x-amz-date header"},
		{"skewed", "/bkt/k", []string{"Date", "Thu, 01 Jan 2026 03:04:05 GMT", "Authorization", "AWS " + testAKID + ":" + good}, "s3", "RequestTimeTooSkewed", 403, "The difference between"},
		{"query without expires", "/bkt/k?AWSAccessKeyId=" + testAKID + "&Signature=x", nil, "s3", "AccessDenied", 403, "Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters"},
		{"query with a bad expires", "/bkt/k?AWSAccessKeyId=" + testAKID + "&Signature=x&Expires=soon", nil, "s3", "AccessDenied", 403, "Invalid date (should be seconds since epoch): soon"},
		{"query and header", "/bkt/k?AWSAccessKeyId=" + testAKID + "&Signature=x&Expires=" + exp, []string{"Date", date, "Authorization", "AWS " + testAKID + ":" + good}, "s3", "InvalidArgument", 400, "Only one auth mechanism allowed"},
		{"V2 header to STS", "/", []string{"Date", date, "Authorization", "AWS " + testAKID + ":" + good}, "sts", "IncompleteSignature", 400, ""},
		{"V2 header to S3 Control", "/v20180820/configuration/publicAccessBlock", []string{"Date", date, "Authorization", "AWS " + testAKID + ":" + good}, "s3", "InvalidRequest", 400, "The authorization mechanism you have provided is not supported"},
		{"V2 query to STS", "/?AWSAccessKeyId=" + testAKID + "&Signature=x&Expires=" + exp, nil, "sts", "MissingAuthenticationToken", 403, ""},
	}
	for _, c := range cases {
		r := newRequest("GET", "127.0.0.1:4566", c.target, "")
		for i := 0; i+1 < len(c.headers); i += 2 {
			r.Header.Set(c.headers[i], c.headers[i+1])
		}
		if strings.HasPrefix(c.target, "/v20180820/") {
			r.Header.Set("X-Amz-Account-Id", "000000000000")
		}
		_, err := v2Verifier(now).VerifyFor(r, c.service)
		if err == nil {
			t.Errorf("%s: accepted", c.name)
			continue
		}
		e := awserr.As(err)
		if e.Code != c.code || e.Status != c.status || !strings.HasPrefix(e.Message, c.msgPrefix) {
			t.Errorf("%s: %d %s %q", c.name, e.Status, e.Code, e.Message)
		}
	}
}

func TestV2MismatchFields(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	date := now.Format("Mon, 02 Jan 2006 15:04:05 GMT")
	r := newRequest("PUT", "127.0.0.1:4566", "/bkt/k?acl", "")
	r.Header.Set("Date", date)
	r.Header.Set("Content-Type", "text/plain")
	r.Header.Set("Authorization", "AWS "+testAKID+":AAAA")
	e := errOf(t, func() error { _, err := v2Verifier(now).VerifyFor(r, "s3"); return err }())
	want := "PUT\n\ntext/plain\n" + date + "\n/bkt/k?acl"
	if e.Fields["StringToSign"] != want || e.Fields["SignatureProvided"] != "AAAA" || e.Fields["AWSAccessKeyId"] != testAKID ||
		e.Fields["StringToSignBytes"] != spacedHex(want) || e.Fields["CanonicalRequest"] != "" {
		t.Errorf("fields: %q", e.Fields)
	}
}

func TestV2NonStrictAcceptsUnknownKeys(t *testing.T) {
	v := New(Config{Now: func() time.Time { return testNow }})
	r := newRequest("GET", "127.0.0.1:4566", "/bkt/k?AWSAccessKeyId=111111111111&Signature=anything&Expires=4102444800", "")
	res, err := v.VerifyFor(r, "s3")
	if err != nil || res.Credential.Account != "111111111111" || res.AccessKeyID != "111111111111" {
		t.Fatalf("%+v %v", res, err)
	}
}

// FuzzV2 sends arbitrary V2 headers and queries: never a panic, and in
// strict mode nothing passes but an unsigned (anonymous) request, since
// no seed's signature covers this request.
func FuzzV2(f *testing.F) {
	f.Add("AWS "+testAKID+":qgk2+6Sv9/oM7G3qLEjTH1a1l1g=", "", "Tue, 27 Mar 2007 19:36:42 +0000")
	f.Add("", "AWSAccessKeyId="+testAKID+"&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D&Expires=1175139620&acl&x-amz-a=%00", "")
	f.Add("AWS :", "Signature=&AWSAccessKeyId=", "garbage")
	f.Fuzz(func(t *testing.T, authz, query, date string) {
		r := newRequest("GET", "b.s3.amazonaws.com", "/k", "")
		if query != "" {
			r.RequestURI = "/k?" + query
		}
		r.Header.Set("Authorization", authz)
		r.Header.Set("Date", date)
		res, err := v2Verifier(time.Date(2007, 3, 27, 19, 40, 0, 0, time.UTC)).VerifyFor(r, "s3")
		if err == nil && !res.Anonymous {
			t.Fatalf("accepted: %q %q %q", authz, query, date)
		}
	})
}
