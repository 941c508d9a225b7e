package imds

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

// FuzzHandler: whatever the path, method, token or TTL, the handler
// answers a status IMDS uses, never a 500 or a panic.
func FuzzHandler(f *testing.F) {
	f.Add("GET", "/latest/meta-data/iam/security-credentials/web-role", "", "")
	f.Add("PUT", "/latest/api/token", "", "60")
	f.Add("GET", "/latest/meta-data//", "AAAA", "")
	f.Add("GET", "/latest/meta-data/tags/instance/", "", "99999999999999999999")
	f.Fuzz(func(t *testing.T, method, path, token, ttl string) {
		fx := newFixture(t, fullInstance())
		if !validMethod(method) {
			method = "GET"
		}
		r := httptest.NewRequest("GET", "/", nil)
		r.Method, r.URL = method, &url.URL{Path: path}
		if token != "" {
			r.Header[http.CanonicalHeaderKey(tokenHeader)] = []string{token}
		}
		r.Header.Set(tokenTTLHeader, ttl)
		w := httptest.NewRecorder()
		fx.h.ServeHTTP(w, ForInstance(r, fullInstance().ID))
		switch w.Code {
		case 200, 400, 401, 403, 404, 405:
		default:
			t.Fatalf("%s %q: %d", method, path, w.Code)
		}
	})
}

func validMethod(m string) bool {
	if m == "" {
		return false
	}
	for _, c := range m {
		if c <= ' ' || c >= 0x7f {
			return false
		}
	}
	return true
}
