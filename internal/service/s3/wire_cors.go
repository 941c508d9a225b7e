package s3

import (
	"context"
	"net/http"

	"hakoniwa/internal/store"

	s3api "hakoniwa/internal/api/s3"
)

// bucketCORS reads a bucket's CORS rules; enabled is false when it has
// none.
func (s *Service) bucketCORS(ctx context.Context, bucket string) (rules []s3api.CORSRule, enabled bool, err error) {
	err = s.viewBucket(ctx, bucket, func(_ store.Tx, b *bucketRec) error {
		enabled, err = b.config(cfgCORS, &rules)
		return err
	})
	return rules, enabled, err
}

// Preflight answers a browser's OPTIONS request by the bucket's CORS
// rules (gateway.S3Wire).
func (s *Service) Preflight(ctx context.Context, bucket, key string, h http.Header) (http.Header, error) {
	rules, enabled, err := s.bucketCORS(ctx, bucket)
	if err != nil {
		return nil, err
	}
	resource := "BUCKET"
	if key != "" {
		resource = "OBJECT"
	}
	return preflight(rules, enabled, h, resource)
}

// CORSHeaders are the headers S3 adds to an actual cross-origin request
// whose origin and method a rule allows (gateway.S3Wire). Request headers
// are only checked on preflights.
func (s *Service) CORSHeaders(ctx context.Context, bucket, method string, h http.Header) http.Header {
	origin := h.Get("Origin")
	rules, enabled, err := s.bucketCORS(ctx, bucket)
	if err != nil || !enabled || origin == "" {
		return nil
	}
	r := corsRequest{Origin: origin, Method: method}
	rule := matchCORS(rules, r)
	if rule == nil {
		return nil
	}
	return corsHeaders(rule, r, false)
}
