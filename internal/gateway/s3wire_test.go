package gateway

import (
	"net/http/httptest"
	"testing"
)

func TestS3Target(t *testing.T) {
	for _, c := range []struct{ host, path, bucket, key string }{
		{"127.0.0.1:4566", "/b/k/with/slashes", "b", "k/with/slashes"},
		{"127.0.0.1:4566", "/b", "b", ""},
		{"127.0.0.1:4566", "/", "", ""},
		{"b.s3.localhost.localstack.cloud:4566", "/k", "b", "k"},
		{"b.localhost", "/", "b", ""},
	} {
		r := httptest.NewRequest("OPTIONS", "http://"+c.host+c.path, nil)
		b, k := s3Target(r, s3HostLabels(r.Host))
		if b != c.bucket || k != c.key {
			t.Errorf("%s%s: %q %q, want %q %q", c.host, c.path, b, k, c.bucket, c.key)
		}
	}
}
