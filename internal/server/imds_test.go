package server

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
)

func newTestServer(t *testing.T, services ...string) *Server {
	t.Helper()
	s, err := New(Config{Ephemeral: true, Services: services, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Stop(context.Background()) })
	return s
}

// TestIMDSRouting: the metadata service answers its two forms and nothing
// else; a bucket named "latest" stays S3's.
func TestIMDSRouting(t *testing.T) {
	h := newTestServer(t).handler()
	for _, c := range []struct {
		name, method, path, user string
		imds                     bool
	}{
		{"path form", "GET", "/_hakoniwa/imds/i-0123456789abcdef0/latest/meta-data/", "", true},
		{"path form, any method", "PUT", "/_hakoniwa/imds/i-0123456789abcdef0/latest/api/token", "", true},
		{"path form without an id", "GET", "/_hakoniwa/imds/", "", true},
		{"user form", "GET", "/latest/meta-data/instance-id", "i-0123456789abcdef0", true},
		{"user form, bare /latest", "GET", "/latest", "i-0123456789abcdef0", true},
		{"bucket latest", "GET", "/latest/meta-data/instance-id", "", false},
		{"bucket latest, create", "PUT", "/latest", "", false},
		{"user that is no instance", "GET", "/latest/meta-data/", "alice", false},
		{"user form elsewhere", "GET", "/other/latest/", "i-0123456789abcdef0", false},
	} {
		r := httptest.NewRequest(c.method, c.path, nil)
		if c.user != "" {
			r.SetBasicAuth(c.user, "")
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fromIMDS := w.Header().Get("Server") == "EC2ws"
		if fromIMDS != c.imds {
			t.Errorf("%s: answered by IMDS %v, want %v (%d %s)", c.name, fromIMDS, c.imds, w.Code, w.Body)
		}
		// No such instance: IMDS's 404, never a redirect to /latest/.
		if c.imds && w.Code != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", c.name, w.Code)
		}
		if w.Code == http.StatusMovedPermanently {
			t.Errorf("%s: redirected to %s", c.name, w.Header().Get("Location"))
		}
	}
}

func TestIMDSWithoutEC2(t *testing.T) {
	h := newTestServer(t, "s3", "iam", "sts").handler()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/_hakoniwa/imds/i-0123456789abcdef0/latest/meta-data/", nil))
	if w.Code != http.StatusNotFound || w.Header().Get("Server") != "EC2ws" {
		t.Errorf("without EC2: %d %v", w.Code, w.Header())
	}
}
