package sigv4

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"hakoniwa/internal/awserr"
)

const stsBody = "Action=GetCallerIdentity&Version=2011-06-15"

func stsRequest() *http.Request {
	r := newRequest("POST", "127.0.0.1:4566", "/", stsBody)
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	return r
}

func asAWS(t *testing.T, err error) *awserr.Error {
	t.Helper()
	var e *awserr.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v is not an *awserr.Error", err)
	}
	return e
}

// TestRefusals covers the ways a signed request is refused, per service
// dialect: code, HTTP status and a telling part of the message.
func TestRefusals(t *testing.T) {
	good := rootCred(testAKID, testSecret)
	session := good
	session.AccessKeyID, session.SessionToken = "ASIAEXAMPLE", "token-1"
	expired := session
	expired.AccessKeyID, expired.Expires = "ASIAEXPIRED", testNow.Add(-time.Second)
	expired.SessionToken = "token-2"
	inactive := good
	inactive.AccessKeyID, inactive.Active = "AKIAINACTIVE", false
	v := testVerifier(good, session, expired, inactive)

	sts := signer{akid: testAKID, secret: testSecret, region: "us-east-1", service: "sts", at: testNow}
	s3 := sts
	s3.service = "s3"
	ddb := sts
	ddb.service = "dynamodb"

	tests := []struct {
		name    string
		build   func() *http.Request
		code    string
		status  int
		message string
	}{
		{"ok", func() *http.Request { r := stsRequest(); sts.sign(r, ""); return r }, "", 0, ""},
		{"wrong secret", func() *http.Request {
			r := stsRequest()
			s := sts
			s.secret = "nope"
			s.sign(r, "")
			return r
		}, "SignatureDoesNotMatch", 403, "The Canonical String for this request should have been\n'POST\n/\n\ncontent-type:"},
		{"wrong secret json", func() *http.Request {
			r := stsRequest()
			s := ddb
			s.secret = "nope"
			s.sign(r, "")
			return r
		}, "InvalidSignatureException", 400, "The String-to-Sign should have been\n'AWS4-HMAC-SHA256\n20130524T000000Z\n"},
		{"unknown key", func() *http.Request { r := stsRequest(); s := sts; s.akid = "AKIAUNKNOWN"; s.sign(r, ""); return r },
			"InvalidClientTokenId", 403, "The security token included in the request is invalid."},
		{"unknown key s3", func() *http.Request {
			r := newRequest("GET", "s3.amazonaws.com", "/b", "")
			r.Header.Set("X-Amz-Content-Sha256", emptySHA256)
			s := s3
			s.akid = "AKIAUNKNOWN"
			s.sign(r, emptySHA256)
			return r
		}, "InvalidAccessKeyId", 403, "does not exist in our records"},
		{"unknown key json", func() *http.Request { r := stsRequest(); s := ddb; s.akid = "AKIAUNKNOWN"; s.sign(r, ""); return r },
			"UnrecognizedClientException", 400, "security token included in the request is invalid"},
		{"inactive key", func() *http.Request {
			r := stsRequest()
			s := sts
			s.akid = inactive.AccessKeyID
			s.sign(r, "")
			return r
		},
			"InvalidClientTokenId", 403, ""},
		{"session token missing", func() *http.Request {
			r := stsRequest()
			s := sts
			s.akid = session.AccessKeyID
			s.sign(r, "")
			return r
		},
			"InvalidClientTokenId", 403, ""},
		{"session token wrong", func() *http.Request {
			r := stsRequest()
			r.Header.Set("X-Amz-Security-Token", "token-x")
			s := sts
			s.akid = session.AccessKeyID
			s.sign(r, "")
			return r
		}, "InvalidClientTokenId", 403, ""},
		{"session token ok", func() *http.Request {
			r := stsRequest()
			r.Header.Set("X-Amz-Security-Token", "token-1")
			s := sts
			s.akid = session.AccessKeyID
			s.sign(r, "")
			return r
		}, "", 0, ""},
		{"session token expired", func() *http.Request {
			r := stsRequest()
			r.Header.Set("X-Amz-Security-Token", "token-2")
			s := sts
			s.akid = expired.AccessKeyID
			s.sign(r, "")
			return r
		}, "ExpiredToken", 403, "is expired"},
		{"skew past", func() *http.Request {
			r := stsRequest()
			s := sts
			s.at = testNow.Add(-16 * time.Minute)
			s.sign(r, "")
			return r
		},
			"SignatureDoesNotMatch", 403, "Signature expired: 20130523T234400Z is now earlier than 20130523T234500Z (20130524T000000Z - 15 min.)"},
		{"skew future", func() *http.Request {
			r := stsRequest()
			s := sts
			s.at = testNow.Add(16 * time.Minute)
			s.sign(r, "")
			return r
		},
			"SignatureDoesNotMatch", 403, "Signature not yet current: 20130524T001600Z is still later than 20130524T001500Z (20130524T000000Z + 15 min.)"},
		{"skew within", func() *http.Request {
			r := stsRequest()
			s := sts
			s.at = testNow.Add(-14 * time.Minute)
			s.sign(r, "")
			return r
		},
			"", 0, ""},
		{"skew s3", func() *http.Request {
			r := newRequest("GET", "s3.amazonaws.com", "/b", "")
			r.Header.Set("X-Amz-Content-Sha256", emptySHA256)
			s := s3
			s.at = testNow.Add(time.Hour)
			s.sign(r, emptySHA256)
			return r
		}, "RequestTimeTooSkewed", 403, "too large"},
		{"no date", func() *http.Request {
			r := stsRequest()
			sts.sign(r, "")
			r.Header.Del("X-Amz-Date")
			return r
		}, "IncompleteSignature", 400, "requires existence of either a 'X-Amz-Date' or a 'Date' header"},
		{"Date header instead", func() *http.Request {
			r := stsRequest()
			r.Header.Set("Date", testNow.Format(http.TimeFormat))
			sts.sign(r, "")
			// sign() also set X-Amz-Date; a Date-only client signs Date.
			a := strings.Replace(r.Header.Get("Authorization"), ";x-amz-date", "", 1)
			r.Header.Del("X-Amz-Date")
			r.Header.Set("Authorization", a)
			return r
		}, "SignatureDoesNotMatch", 403, ""}, // signature was over x-amz-date too; proves the Date path parses
		{"missing components", func() *http.Request {
			r := stsRequest()
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+testAKID+"/20130524/us-east-1/sts/aws4_request")
			r.Header.Set("X-Amz-Date", "20130524T000000Z")
			return r
		}, "IncompleteSignature", 400, "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4"},
		{"missing components s3", func() *http.Request {
			r := newRequest("GET", "s3.amazonaws.com", "/b", "")
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+testAKID+"/20130524/us-east-1/s3/aws4_request")
			return r
		}, "AuthorizationHeaderMalformed", 400, "requires three components"},
		{"no equal sign", func() *http.Request {
			r := stsRequest()
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKID /20130524/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=00")
			return r
		}, "IncompleteSignature", 400, "not a valid key=value pair (missing equal-sign)"},
		{"sigv2", func() *http.Request {
			r := newRequest("GET", "s3.amazonaws.com", "/b", "")
			r.Header.Set("Authorization", "AWS AKID:c2lnbmF0dXJl")
			return r
		}, "IncompleteSignature", 400, "Unsupported AWS 'algorithm': 'AWS'"},
		{"bad terminator", func() *http.Request {
			r := stsRequest()
			sts.sign(r, "")
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "aws4_request", "aws5_request", 1))
			return r
		}, "SignatureDoesNotMatch", 403, "valid terminator"},
		{"scope date", func() *http.Request {
			r := stsRequest()
			sts.sign(r, "")
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "/20130524/", "/20130523/", 1))
			return r
		}, "SignatureDoesNotMatch", 403, "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20130523' != '20130524', from '20130524T000000Z'."},
		{"s3 without content sha", func() *http.Request {
			r := newRequest("GET", "s3.amazonaws.com", "/b", "")
			s3.sign(r, emptySHA256)
			return r
		},
			"InvalidRequest", 400, "x-amz-content-sha256"},
		{"s3 bad content sha", func() *http.Request {
			r := newRequest("GET", "s3.amazonaws.com", "/b", "")
			r.Header.Set("X-Amz-Content-Sha256", "abc")
			s3.sign(r, "abc")
			return r
		}, "InvalidArgument", 400, "x-amz-content-sha256 must be"},
		{"s3 content sha mismatch", func() *http.Request {
			r := newRequest("PUT", "s3.amazonaws.com", "/b/k", "hello")
			r.Header.Set("X-Amz-Content-Sha256", emptySHA256)
			s3.sign(r, emptySHA256)
			return r
		}, "XAmzContentSHA256Mismatch", 400, "does not match what was computed"},
		{"s3 content sha ok", func() *http.Request {
			r := newRequest("PUT", "s3.amazonaws.com", "/b/k", "hello")
			h := "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
			r.Header.Set("X-Amz-Content-Sha256", h)
			s3.sign(r, h)
			return r
		}, "", 0, ""},
		{"s3 unsigned payload", func() *http.Request {
			r := newRequest("PUT", "s3.amazonaws.com", "/b/k", "hello")
			r.Header.Set("X-Amz-Content-Sha256", unsignedPayload)
			s3.sign(r, unsignedPayload)
			return r
		}, "", 0, ""},
		{"s3 path kept raw", func() *http.Request {
			r := newRequest("GET", "s3.amazonaws.com", "/b/a/../c%2Fd//e", "")
			r.Header.Set("X-Amz-Content-Sha256", emptySHA256)
			s3.sign(r, emptySHA256)
			return r
		}, "", 0, ""},
		{"non-s3 path double-encoded", func() *http.Request {
			r := newRequest("GET", "lambda.us-east-1.amazonaws.com", "/2015-03-31/functions/a%3Ab/x", "")
			s := sts
			s.service = "lambda"
			s.sign(r, "")
			if !strings.Contains(canonicalURIs("/a%3Ab", false)[0], "%253A") {
				panic("not double-encoded")
			}
			return r
		}, "", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := verifyAll(v, tt.build())
			if tt.code == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			e := asAWS(t, err)
			if e.Code != tt.code || e.Status != tt.status || !strings.Contains(e.Message, tt.message) {
				t.Errorf("got %s %d %q\nwant %s %d containing %q", e.Code, e.Status, e.Message, tt.code, tt.status, tt.message)
			}
		})
	}
}

func TestS3MismatchFields(t *testing.T) {
	r := newRequest("GET", "s3.amazonaws.com", "/b", "")
	r.Header.Set("X-Amz-Content-Sha256", emptySHA256)
	s := signer{akid: testAKID, secret: "wrong", region: "us-east-1", service: "s3", at: testNow}
	s.sign(r, emptySHA256)
	_, err := testVerifier(rootCred(testAKID, testSecret)).Verify(r)
	e := asAWS(t, err)
	want := []string{"AWSAccessKeyId", "StringToSign", "SignatureProvided", "StringToSignBytes", "CanonicalRequest", "CanonicalRequestBytes"}
	if e.Code != "SignatureDoesNotMatch" || strings.Join(e.FieldOrder, ",") != strings.Join(want, ",") {
		t.Fatalf("got %s fields %v", e.Code, e.FieldOrder)
	}
	if !strings.HasPrefix(e.Fields["StringToSignBytes"], "41 57 53 34 2d") || !strings.HasPrefix(e.Fields["CanonicalRequest"], "GET\n/b\n\nhost:s3.amazonaws.com\n") {
		t.Errorf("fields %q", e.Fields)
	}
}

func TestPresignedExpiry(t *testing.T) {
	v := testVerifier(rootCred(testAKID, testSecret))
	tests := []struct {
		name    string
		service string
		signed  time.Time
		expires int
		code    string
		status  int
	}{
		{"valid", "s3", testNow.Add(-59 * time.Minute), 3600, "", 0},
		{"expired s3", "s3", testNow.Add(-61 * time.Minute), 3600, "AccessDenied", 403},
		{"expired sts", "sts", testNow.Add(-61 * time.Minute), 3600, "RequestExpired", 400},
		{"a week is the limit", "s3", testNow.Add(-time.Hour), 604800, "", 0},
		{"longer than a week", "s3", testNow, 604801, "AuthorizationQueryParametersError", 400},
		{"not yet valid s3", "s3", testNow.Add(20 * time.Minute), 3600, "AccessDenied", 403},
		{"valid sts", "sts", testNow.Add(-10 * time.Minute), 900, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRequest("GET", "example.com", "/b/k", "")
			presign(r, testAKID, testSecret, "", "us-east-1", tt.service, tt.signed, tt.expires, tt.service != "s3")
			res, err := verifyAll(v, r)
			if tt.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				if !res.Presigned {
					t.Error("Result.Presigned not set")
				}
				return
			}
			e := asAWS(t, err)
			if e.Code != tt.code || e.Status != tt.status {
				t.Errorf("got %s %d %q, want %s %d", e.Code, e.Status, e.Message, tt.code, tt.status)
			}
		})
	}
}

func TestAnonymous(t *testing.T) {
	v := testVerifier()
	r := newRequest("GET", "s3.amazonaws.com", "/public/k", "")
	res, err := v.Verify(r)
	if err != nil || !res.Anonymous {
		t.Fatalf("Verify: %+v %v", res, err)
	}
	if res, err := v.VerifyFor(r, "s3"); err != nil || !res.Anonymous {
		t.Fatalf("VerifyFor s3: %+v %v", res, err)
	}
	_, err = v.VerifyFor(r, "sts")
	if e := asAWS(t, err); e.Code != "MissingAuthenticationToken" || e.Status != 403 {
		t.Errorf("sts: %v", e)
	}
	_, err = v.VerifyFor(r, "dynamodb")
	if e := asAWS(t, err); e.Code != "MissingAuthenticationTokenException" {
		t.Errorf("dynamodb: %v", e)
	}
}

func TestWrongServiceScope(t *testing.T) {
	r := stsRequest()
	signer{akid: testAKID, secret: testSecret, region: "us-east-1", service: "iam", at: testNow}.sign(r, "")
	_, err := testVerifier(rootCred(testAKID, testSecret)).VerifyFor(r, "sts")
	if e := asAWS(t, err); e.Code != "SignatureDoesNotMatch" || !strings.Contains(e.Message, "correct service: 'sts'") {
		t.Errorf("got %v", e)
	}
}

func TestNonStrict(t *testing.T) {
	v := New(Config{Now: func() time.Time { return testNow }, Credentials: staticCreds{testAKID: rootCred(testAKID, testSecret)}})
	tests := []struct {
		akid, secret, account, code string
	}{
		{"test", "anything", "000000000000", ""},
		{"123456789012", "x", "123456789012", ""},
		{testAKID, "wrong", "", "SignatureDoesNotMatch"}, // known keys are still checked
		{testAKID, testSecret, "000000000000", ""},
	}
	for _, tt := range tests {
		r := stsRequest()
		signer{akid: tt.akid, secret: tt.secret, region: "us-east-1", service: "sts", at: testNow}.sign(r, "")
		res, err := verifyAll(v, r)
		if errCode(err) != tt.code {
			t.Errorf("%s: got %v, want %q", tt.akid, err, tt.code)
			continue
		}
		if err == nil && (res.Credential.Account != tt.account || res.Credential.PrincipalARN != "arn:aws:iam::"+tt.account+":root") {
			t.Errorf("%s: credential %+v", tt.akid, res.Credential)
		}
	}
}

// TestThroughHTTPServer sends a signed request through a real net/http
// server, so header handling (Host, Content-Length) is the server's.
func TestThroughHTTPServer(t *testing.T) {
	v := testVerifier(rootCred(testAKID, testSecret))
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := v.Verify(r); err != nil {
			http.Error(w, err.Error(), http.StatusForbidden)
			return
		}
		b, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		got = string(b)
	}))
	defer srv.Close()
	req, err := http.NewRequest("POST", srv.URL+"/a%20b/?x=1&y=%2B", strings.NewReader(stsBody))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Content-Length", "43")
	req.Header.Set("X-Amz-Meta-Note", "  spaced   out  ")
	req.RequestURI = "/a%20b/?x=1&y=%2B"
	req.Host = strings.TrimPrefix(srv.URL, "http://")
	signer{akid: testAKID, secret: testSecret, region: "us-east-1", service: "sts", at: testNow}.sign(req, "")
	req.RequestURI = ""
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || got != stsBody {
		t.Fatalf("status %d: %s (body %q)", resp.StatusCode, msg, got)
	}
}

func TestScope(t *testing.T) {
	r := stsRequest()
	signer{akid: testAKID, secret: testSecret, region: "eu-west-1", service: "sts", at: testNow}.sign(r, "")
	akid, date, region, service, ok := Scope(r)
	if !ok || akid != testAKID || date != "20130524" || region != "eu-west-1" || service != "sts" {
		t.Errorf("header scope: %s %s %s %s %v", akid, date, region, service, ok)
	}
	r = newRequest("GET", "example.com", "/b/k", "")
	presign(r, testAKID, testSecret, "", "us-west-2", "s3", testNow, 60, false)
	if _, _, region, service, ok = Scope(r); !ok || region != "us-west-2" || service != "s3" {
		t.Errorf("query scope: %s %s %v", region, service, ok)
	}
	if _, _, _, _, ok = Scope(newRequest("GET", "example.com", "/", "")); ok {
		t.Error("scope found on an unsigned request")
	}
}

// TestBodyReadForHash covers how a non-S3 body is read to be hashed: with
// a known length (read exactly), with an unknown one (chunked transfer),
// shorter than declared (IncompleteBody), and over the limit.
func TestBodyReadForHash(t *testing.T) {
	v := testVerifier(rootCred(testAKID, testSecret))
	sts := signer{akid: testAKID, secret: testSecret, region: "us-east-1", service: "sts", at: testNow}
	for _, tt := range []struct {
		name   string
		length int64
		body   string
		code   string
	}{
		{"known length", int64(len(stsBody)), stsBody, ""},
		{"unknown length", -1, stsBody, ""},
		{"shorter than declared", int64(len(stsBody)) + 5, stsBody, "IncompleteBody"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := stsRequest()
			sts.sign(r, "")
			r.ContentLength = tt.length
			_, err := v.Verify(r)
			if tt.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				if b, _ := io.ReadAll(r.Body); string(b) != tt.body {
					t.Errorf("handler reads %q after verification", b)
				}
				return
			}
			if e := asAWS(t, err); e.Code != tt.code {
				t.Errorf("got %s, want %s", e.Code, tt.code)
			}
		})
	}
}
