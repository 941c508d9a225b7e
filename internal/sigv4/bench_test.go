package sigv4

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// BenchmarkVerifyHeader verifies a typical signed STS POST, the way
// botocore sends it (no x-amz-content-sha256, so the body is hashed).
func BenchmarkVerifyHeader(b *testing.B) {
	v := testVerifier(rootCred(testAKID, testSecret))
	r := stsRequest()
	signer{akid: testAKID, secret: testSecret, region: "us-east-1", service: "sts", at: testNow}.sign(r, "")
	hdr := r.Header.Clone()
	body := strings.NewReader(stsBody)
	b.ReportAllocs()
	for b.Loop() {
		body.Reset(stsBody)
		r.Header = hdr
		r.Body = io.NopCloser(body)
		r.ContentLength = int64(len(stsBody))
		if _, err := v.Verify(r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBaseline is the floor: a bare handler reading the same body.
func BenchmarkBaseline(b *testing.B) {
	body := strings.NewReader(stsBody)
	r := stsRequest()
	h := http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { _, _ = io.ReadAll(r.Body) })
	b.ReportAllocs()
	for b.Loop() {
		body.Reset(stsBody)
		r.Body = io.NopCloser(body)
		h(nil, r)
	}
}

// BenchmarkChunked decodes and verifies the documented 65 KiB chunked upload.
func BenchmarkChunked(b *testing.B) {
	v := testVerifier(rootCred(testAKID, testSecret))
	body := exampleBody(exampleChunk1, exampleChunk2, exampleFinal)
	r := exampleRequest(body)
	exampleSigner.sign(r, streamingSigned)
	hdr := r.Header.Clone()
	rd := strings.NewReader(body)
	b.SetBytes(66560)
	b.ReportAllocs()
	for b.Loop() {
		rd.Reset(body)
		r.Header = hdr.Clone()
		r.Body = io.NopCloser(rd)
		if _, err := v.Verify(r); err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			b.Fatal(err)
		}
	}
}
