package gateway

import (
	"context"
	"net/http"
	"strings"

	"hakoniwa/internal/awserr"
)

// S3Wire is what S3 answers on the wire outside its API operations:
// browsers' CORS preflights and the CORS headers of actual requests. Both
// come before authentication, as on S3: a preflight is never signed.
type S3Wire interface {
	// Preflight answers an OPTIONS request to a bucket or, with key set,
	// an object: the headers of a 200, or S3's refusal.
	Preflight(ctx context.Context, bucket, key string, h http.Header) (http.Header, error)
	// CORSHeaders are the Access-Control-* headers for a request carrying
	// Origin, nil when the bucket's rules allow none.
	CORSHeaders(ctx context.Context, bucket, method string, h http.Header) http.Header
}

// s3Target is the bucket and key a path-style or virtual-hosted S3
// request names.
func s3Target(r *http.Request, hostLabels map[string]string) (bucket, key string) {
	path := strings.TrimPrefix(r.URL.Path, "/")
	if b := hostLabels["Bucket"]; b != "" {
		return b, path
	}
	bucket, key, _ = strings.Cut(path, "/")
	return bucket, key
}

// s3Wire handles what S3Wire covers; it reports true when it answered
// the request itself.
func (g *Gateway) s3Wire(c *call) bool {
	wire := g.cfg.S3Wire
	if wire == nil || c.r.Header.Get("Origin") == "" && c.r.Method != http.MethodOptions {
		return false
	}
	bucket, key := s3Target(c.r, c.preq.HostLabels)
	if bucket == "" {
		return false
	}
	if c.r.Method != http.MethodOptions {
		for k, v := range wire.CORSHeaders(c.r.Context(), bucket, c.r.Method, c.r.Header) {
			c.w.Header()[k] = v
		}
		return false
	}
	h, err := wire.Preflight(c.r.Context(), bucket, key, c.r.Header)
	if err != nil {
		c.err = awserr.As(err)
		return true
	}
	for k, v := range h {
		c.w.Header()[k] = v
	}
	c.w.WriteHeader(http.StatusOK)
	return true
}
