package sigv4

import (
	"io"
	"strings"
	"testing"
)

func FuzzParseAuthorization(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
	f.Add("AWS4-HMAC-SHA256 Credential=a/b/c/d/e,SignedHeaders=,Signature=")
	f.Add("AWS4-HMAC-SHA256 Credential=AKID /20130620/us-east-1/s3/aws4_request")
	f.Add("AWS AKID:sig")
	f.Add("")
	f.Fuzz(func(t *testing.T, h string) {
		a, missing, bad := parseAuthorization(h)
		if bad == "" && len(missing) == 0 {
			if !a.hasCredential || !a.hasSigned || !a.hasSignature {
				t.Fatalf("no component missing, yet %+v", a)
			}
			if s, err := parseCredential(a.credential); err == nil {
				if s.accessKeyID == "" || !isDate(s.date) || strings.Contains(s.region+s.service+s.terminal, "/") {
					t.Fatalf("bad scope %+v from %q", s, a.credential)
				}
				if got := s.accessKeyID + "/" + s.String(); got != a.credential {
					t.Fatalf("scope %q does not rebuild credential %q", got, a.credential)
				}
			}
		}
		_ = credentialFromHeader(h)
		_ = splitSignedHeaders(a.signedHeaders)
	})
}

// FuzzChunkDecoder feeds arbitrary bodies to the aws-chunked decoder in
// each mode. It must never panic, never yield more than the declared
// length, and report success only for a body that decodes to exactly it.
func FuzzChunkDecoder(f *testing.F) {
	key := exampleSigner.key()
	f.Add(chunkBody(key, "20130524T000000Z", exampleSigner.scope(), exampleSeed, []string{"hello", "world"}, nil, true), 10, uint8(0))
	f.Add("5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n", 5, uint8(2))
	f.Add(chunkBody(key, "20130524T000000Z", exampleSigner.scope(), exampleSeed, []string{"abc"}, [][2]string{{"x-amz-checksum-crc32", "NSRBwg=="}}, true), 3, uint8(1))
	f.Add("ffffffffffffffff;chunk-signature=\r\n", 100, uint8(0))
	f.Fuzz(func(t *testing.T, body string, decoded int, mode uint8) {
		if decoded < 0 {
			decoded = -decoded
		}
		if decoded < 0 { // MinInt
			decoded = 0
		}
		cfg := chunkConfig{
			signed: mode%3 != 2, trailer: mode%3 != 0, key: key,
			amzDate: "20130524T000000Z", scope: exampleSigner.scope(), seed: exampleSeed,
			decoded: int64(decoded), errs: errsFor("s3"),
		}
		if mode&4 != 0 {
			cfg.key = nil // non-strict: decode without checking signatures
		}
		cr := newChunkReader(io.NopCloser(strings.NewReader(body)), cfg)
		out, err := io.ReadAll(io.LimitReader(cr, int64(decoded)+1))
		if len(out) > decoded {
			t.Fatalf("decoded %d bytes, more than the declared %d", len(out), decoded)
		}
		if err == nil && len(out) != decoded {
			t.Fatalf("success with %d of %d bytes", len(out), decoded)
		}
		if err != nil {
			asAWSFuzz(t, err)
		}
	})
}

func asAWSFuzz(t *testing.T, err error) {
	t.Helper()
	if errCode(err) == err.Error() {
		t.Fatalf("non-AWS error %v", err)
	}
}

// FuzzVerify throws arbitrary authentication material and targets at the
// whole verifier: every refusal must be an *awserr.Error, never a panic.
func FuzzVerify(f *testing.F) {
	f.Add("/", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=a%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=1&X-Amz-SignedHeaders=host&X-Amz-Signature=00", "", "20130524T000000Z", "")
	f.Add("/a/../b", "", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=00", "20130524T000000Z", streamingUnsignedTrail)
	f.Add("/", "", "AWS4-HMAC-SHA256 Credential=x/20130524/r/sts/aws4_request, SignedHeaders=host, Signature=00", "2013", "zz")
	f.Fuzz(func(t *testing.T, path, query, authz, date, content string) {
		target := "/" + strings.TrimLeft(path, "/")
		if query != "" {
			target += "?" + query
		}
		r := newRequest("PUT", "example.com", "/", "0\r\n\r\n")
		r.RequestURI = target
		r.Header.Set("Authorization", authz)
		r.Header.Set("X-Amz-Date", date)
		r.Header.Set("X-Amz-Content-Sha256", content)
		r.Header.Set("X-Amz-Decoded-Content-Length", "0")
		for _, strict := range []bool{true, false} {
			v := testVerifier(rootCred(testAKID, testSecret))
			v.strict = strict
			if _, err := verifyAll(v, r); err != nil {
				asAWSFuzz(t, err)
			}
		}
	})
}
