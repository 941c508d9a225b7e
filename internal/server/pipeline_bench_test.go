package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"hakoniwa/internal/logfmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// discardWriter is the cheapest ResponseWriter that still keeps headers,
// so the benchmark measures the gateway rather than net/http.
type discardWriter struct {
	h    http.Header
	code int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(code int)        { w.code = code }

// BenchmarkPipeline runs signed STS calls through the whole gateway in
// process (verify, decode, validate, authorize, handle, encode, record,
// log): bench/run.sh measures the same over HTTP; this one profiles
// allocations.
func BenchmarkPipeline(b *testing.B) {
	for _, tc := range []struct{ name, body string }{
		{"GetCallerIdentity", "Action=GetCallerIdentity&Version=2011-06-15"},
		{"GetAccessKeyInfo", "Action=GetAccessKeyInfo&Version=2011-06-15&AccessKeyId=AKIAAAAAAAAAAAAAAAAA"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			// The handler the binary logs with.
			log := slog.New(logfmt.NewTextHandler(io.Discard, nil))
			s, err := New(Config{Ephemeral: true, Log: log})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Stop(context.Background())
			h := s.handler()
			tmpl := signedSTS(b, tc.body)
			w := &discardWriter{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				r := *tmpl
				r.Body = io.NopCloser(strings.NewReader(tc.body))
				clear(w.h)
				w.code = 0
				h.ServeHTTP(w, &r)
				if w.code != http.StatusOK {
					b.Fatalf("status %d", w.code)
				}
			}
		})
	}
}

func signedSTS(b *testing.B, body string) *http.Request {
	r, err := http.NewRequest(http.MethodPost, "http://127.0.0.1:4566/", strings.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"},
		r, hex.EncodeToString(sum[:]), "sts", "us-east-1", time.Now()); err != nil {
		b.Fatal(err)
	}
	r.RequestURI = "/"
	r.RemoteAddr = "127.0.0.1:50000"
	return r
}
