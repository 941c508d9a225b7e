package sigv4

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

// The worked example of AWS's "Signature Calculations for the
// Authorization Header: Transferring Payload in Multiple Chunks": a 66560
// byte object of 'a' sent as a 64 KiB chunk, a 1 KiB chunk and the final
// empty chunk.
const (
	exampleSeed   = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
	exampleChunk1 = "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648"
	exampleChunk2 = "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497"
	exampleFinal  = "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"
)

var exampleSigner = signer{akid: testAKID, secret: testSecret, region: "us-east-1", service: "s3", at: testNow}

// exampleRequest is the documented PUT with the given body.
func exampleRequest(body string) *http.Request {
	r := newRequest("PUT", "s3.amazonaws.com", "/examplebucket/chunkObject.txt", body)
	r.Header.Set("X-Amz-Storage-Class", "REDUCED_REDUNDANCY")
	r.Header.Set("Content-Encoding", "aws-chunked")
	r.Header.Set("Content-Length", "66824")
	r.Header.Set("X-Amz-Decoded-Content-Length", "66560")
	r.Header.Set("X-Amz-Content-Sha256", streamingSigned)
	r.ContentLength = 66824
	return r
}

func exampleBody(sig1, sig2, final string) string {
	return "10000;chunk-signature=" + sig1 + "\r\n" + strings.Repeat("a", 65536) + "\r\n" +
		"400;chunk-signature=" + sig2 + "\r\n" + strings.Repeat("a", 1024) + "\r\n" +
		"0;chunk-signature=" + final + "\r\n\r\n"
}

func TestChunkedAWSExample(t *testing.T) {
	body := exampleBody(exampleChunk1, exampleChunk2, exampleFinal)
	if len(body) != 66824 {
		t.Fatalf("example body is %d bytes, the document says 66824", len(body))
	}
	r := exampleRequest(body)
	if seed := exampleSigner.sign(r, streamingSigned); seed != exampleSeed {
		t.Fatalf("seed signature %s, the document says %s", seed, exampleSeed)
	}
	// Our encoder must reproduce the document's chunk signatures.
	if got := chunkBody(exampleSigner.key(), "20130524T000000Z", exampleSigner.scope(), exampleSeed,
		[]string{strings.Repeat("a", 65536), strings.Repeat("a", 1024)}, nil, true); got != body {
		t.Fatal("chunkBody does not reproduce the documented chunk signatures")
	}
	v := testVerifier(rootCred(testAKID, testSecret))
	res, err := v.Verify(r)
	if err != nil {
		t.Fatal(err)
	}
	if res.Service != "s3" || res.AccessKeyID != testAKID {
		t.Errorf("result %+v", res)
	}
	if r.ContentLength != 66560 || r.Header.Get("Content-Length") != "66560" {
		t.Errorf("content length %d / %q, want decoded 66560", r.ContentLength, r.Header.Get("Content-Length"))
	}
	if ce := r.Header.Get("Content-Encoding"); ce != "" {
		t.Errorf("Content-Encoding %q left after decoding", ce)
	}
	got, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != strings.Repeat("a", 66560) {
		t.Errorf("decoded %d bytes, not the object", len(got))
	}
}

// TestChunkedOneByteReads feeds the decoder one byte at a time, as a slow
// network would, to prove no framing assumption depends on read sizes.
func TestChunkedOneByteReads(t *testing.T) {
	r := exampleRequest(exampleBody(exampleChunk1, exampleChunk2, exampleFinal))
	exampleSigner.sign(r, streamingSigned)
	r.Body = io.NopCloser(iotest.OneByteReader(r.Body))
	if _, err := testVerifier(rootCred(testAKID, testSecret)).Verify(r); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(iotest.OneByteReader(r.Body))
	if err != nil || len(got) != 66560 {
		t.Fatalf("read %d bytes, err %v", len(got), err)
	}
}

func TestChunkedTampered(t *testing.T) {
	good := exampleBody(exampleChunk1, exampleChunk2, exampleFinal)
	tests := []struct {
		name string
		body string
		code string
	}{
		{"data byte in chunk 1", strings.Replace(good, "aaaa", "aaab", 1), "SignatureDoesNotMatch"},
		{"chunk 2 signature", exampleBody(exampleChunk1, flip(exampleChunk2, 3), exampleFinal), "SignatureDoesNotMatch"},
		{"final signature", exampleBody(exampleChunk1, exampleChunk2, flip(exampleFinal, 63)), "SignatureDoesNotMatch"},
		{"chunks swapped signatures", exampleBody(exampleChunk2, exampleChunk1, exampleFinal), "SignatureDoesNotMatch"},
		{"truncated in data", good[:30000], "IncompleteBody"},
		{"truncated before final chunk", good[:len(good)-86], "IncompleteBody"},
		{"missing signature", strings.Replace(good, "400;chunk-signature="+exampleChunk2, "400", 1), "InvalidRequest"},
		{"bad size", strings.Replace(good, "400;", "4x0;", 1), "InvalidRequest"},
		{"chunk longer than declared", strings.Replace(good, "400;", "401;", 1), "IncompleteBody"},
		{"no CRLF after data", strings.Replace(good, strings.Repeat("a", 1024)+"\r\n", strings.Repeat("a", 1024)+"xx", 1), "InvalidRequest"},
		{"oversized chunk line", "10000;chunk-signature=" + strings.Repeat("f", 8000) + "\r\n", "InvalidRequest"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := exampleRequest(tt.body)
			exampleSigner.sign(r, streamingSigned)
			_, err := verifyAll(testVerifier(rootCred(testAKID, testSecret)), r)
			if errCode(err) != tt.code {
				t.Errorf("got %v, want %s", err, tt.code)
			}
		})
	}
}

func TestChunkedDeclaredLength(t *testing.T) {
	r := exampleRequest("")
	r.Header.Set("X-Amz-Decoded-Content-Length", "66561")
	seed := exampleSigner.sign(r, streamingSigned)
	r.Body = io.NopCloser(strings.NewReader(chunkBody(exampleSigner.key(), "20130524T000000Z", exampleSigner.scope(), seed,
		[]string{strings.Repeat("a", 65536), strings.Repeat("a", 1024)}, nil, true)))
	if _, err := verifyAll(testVerifier(rootCred(testAKID, testSecret)), r); errCode(err) != "IncompleteBody" {
		t.Errorf("got %v, want IncompleteBody", err)
	}
	r = exampleRequest("")
	r.Header.Del("X-Amz-Decoded-Content-Length")
	exampleSigner.sign(r, streamingSigned)
	if _, err := verifyAll(testVerifier(rootCred(testAKID, testSecret)), r); errCode(err) != "MissingContentLength" {
		t.Errorf("got %v, want MissingContentLength", err)
	}
}

// trailerRequest builds a PUT whose aws-chunked body ends in a CRC32 trailer.
func trailerRequest(mode, body string, decoded int) *http.Request {
	r := newRequest("PUT", "127.0.0.1:4566", "/bucket/key", body)
	r.Header.Set("Content-Encoding", "aws-chunked")
	r.Header.Set("X-Amz-Trailer", "x-amz-checksum-crc32")
	r.Header.Set("X-Amz-Decoded-Content-Length", strconv.Itoa(decoded))
	r.Header.Set("X-Amz-Content-Sha256", mode)
	return r
}

func TestSignedTrailer(t *testing.T) {
	s := signer{akid: "test", secret: "test", region: "us-east-1", service: "s3", at: testNow}
	v := testVerifier(rootCred("test", "test"))
	chunks := []string{strings.Repeat("x", 9000), "hello"}
	build := func(crc string) *http.Request {
		// The body's signatures chain from the seed, which depends on the
		// headers; sign once with a placeholder to learn it.
		r := trailerRequest(streamingSignedTrailer, "", 9005)
		seed := s.sign(r, streamingSignedTrailer)
		body := chunkBody(s.key(), s.at.Format(timeFormat), s.scope(), seed, chunks, [][2]string{{"x-amz-checksum-crc32", "sOO8/Q=="}}, true)
		body = strings.Replace(body, "sOO8/Q==", crc, 1)
		r.Body = io.NopCloser(strings.NewReader(body))
		return r
	}
	r := build("sOO8/Q==")
	if _, err := v.Verify(r); err != nil {
		t.Fatal(err)
	}
	if _, ok := r.Trailer["X-Amz-Checksum-Crc32"]; !ok {
		t.Error("declared trailer not announced in r.Trailer before the body is read")
	}
	got, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != strings.Join(chunks, "") {
		t.Errorf("decoded %q...", got[:10])
	}
	if c := r.Trailer.Get("X-Amz-Checksum-Crc32"); c != "sOO8/Q==" {
		t.Errorf("trailer %q", c)
	}
	// A changed trailer value breaks the trailer signature.
	r = build("AAAAAA==")
	if _, err := verifyAll(v, r); errCode(err) != "SignatureDoesNotMatch" {
		t.Errorf("tampered trailer: got %v", err)
	}
}

// TestUnsignedTrailer decodes the body aws-sdk-go-v2 sends for a PutObject
// with a CRC32 checksum: hex sizes without signatures, "0\r\n", the
// trailer, and a closing CRLF (which some clients omit).
func TestUnsignedTrailer(t *testing.T) {
	s := signer{akid: "test", secret: "test", region: "us-east-1", service: "s3", at: testNow}
	tests := []struct {
		name    string
		body    string
		decoded int
		code    string
		crc     string
	}{
		{"sdk format", "5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n", 5, "", "NhCmhg=="},
		{"no closing CRLF", "5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n", 5, "", "NhCmhg=="},
		{"two chunks", "3\r\nhel\r\n2\r\nlo\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n", 5, "", "NhCmhg=="},
		{"empty object", "0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n", 0, "", "AAAAAA=="},
		{"declared trailer missing", "5\r\nhello\r\n0\r\n\r\n", 5, "MalformedTrailerError", ""},
		{"garbage trailer", "5\r\nhello\r\n0\r\nnot a header\r\n\r\n", 5, "MalformedTrailerError", ""},
		{"short body", "5\r\nhel", 5, "IncompleteBody", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := trailerRequest(streamingUnsignedTrail, tt.body, tt.decoded)
			s.sign(r, streamingUnsignedTrail)
			_, err := testVerifier(rootCred("test", "test")).Verify(r)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(r.Body)
			if errCode(err) != tt.code {
				t.Fatalf("got %v, want %q", err, tt.code)
			}
			if tt.code != "" {
				return
			}
			if string(got) != "hello"[:tt.decoded] {
				t.Errorf("decoded %q", got)
			}
			if c := r.Trailer.Get("X-Amz-Checksum-Crc32"); c != tt.crc {
				t.Errorf("trailer %q, want %q", c, tt.crc)
			}
		})
	}
}

// TestChunkedNonStrict decodes a signed aws-chunked body for a key the
// server does not know: the chunks cannot be checked, but must decode.
func TestChunkedNonStrict(t *testing.T) {
	r := exampleRequest(exampleBody(exampleChunk1, exampleChunk2, exampleFinal))
	exampleSigner.sign(r, streamingSigned)
	v := New(Config{Now: func() time.Time { return testNow }})
	if _, err := v.Verify(r); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r.Body)
	if err != nil || len(got) != 66560 {
		t.Fatalf("read %d, %v", len(got), err)
	}
}
