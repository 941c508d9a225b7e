package server

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// handler routes admin paths and hands everything else to the gateway.
// Admin paths use prefixes no AWS API uses, so they cannot shadow a call.
//
// It is not an http.ServeMux: ServeMux answers a path that is not in
// canonical form with a redirect to the cleaned one, which would turn the
// S3 key "a//b" or "a/../b" into another object, and its registration
// looked up the caller's file and line for every route, 1.3% of a start.
func (s *Server) handler() http.Handler {
	return s.withIMDS(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h, ok := s.adminRoute(r); ok {
			h(w, r)
			return
		}
		s.gw.ServeHTTP(w, r)
	}))
}

// adminRoute finds the admin handler for r. A known admin path asked with
// the wrong method gets 405 with Allow, as a ServeMux pattern would.
func (s *Server) adminRoute(r *http.Request) (http.HandlerFunc, bool) {
	p := r.URL.Path
	if !strings.HasPrefix(p, "/_localstack/") && !strings.HasPrefix(p, "/_hakoniwa/") {
		return nil, false
	}
	if strings.HasPrefix(p, imdsPrefix) {
		return s.imdsByPath, true
	}
	var h http.HandlerFunc
	method := http.MethodGet
	switch {
	case p == "/_localstack/health":
		h = s.localstackHealth
	case p == "/_hakoniwa/health":
		h = s.health
	case p == "/_hakoniwa/reset", p == "/_localstack/state/reset":
		h, method = s.reset, http.MethodPost
	default:
		if id, ok := pathSegments(p, "/_hakoniwa/explain/", ""); ok {
			r.SetPathValue("id", id[0])
			h = s.explain
		} else if v, ok := pathSegments(p, "/_hakoniwa/outbound-federation/", "/.well-known/"); ok {
			r.SetPathValue("account", v[0])
			r.SetPathValue("doc", v[1])
			h = s.outboundDiscovery
		} else {
			return nil, false
		}
	}
	if r.Method == method || method == http.MethodGet && r.Method == http.MethodHead {
		return h, true
	}
	allow := method
	if method == http.MethodGet {
		allow = "GET, HEAD"
	}
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}, true
}

// pathSegments matches p against prefix + segment [+ middle + segment],
// each segment non-empty and without a slash, and returns the segments.
func pathSegments(p, prefix, middle string) ([]string, bool) {
	rest, ok := strings.CutPrefix(p, prefix)
	if !ok {
		return nil, false
	}
	var segs []string
	if middle != "" {
		a, b, ok := strings.Cut(rest, middle)
		if !ok {
			return nil, false
		}
		segs = []string{a, b}
	} else {
		segs = []string{rest}
	}
	for _, s := range segs {
		if s == "" || strings.Contains(s, "/") {
			return nil, false
		}
	}
	return segs, true
}

// localstackHealth answers in LocalStack's shape, so wait-for scripts and
// tools written for LocalStack keep working.
func (s *Server) localstackHealth(w http.ResponseWriter, r *http.Request) {
	services := map[string]string{}
	for _, id := range s.ServiceIDs() {
		if IsImplemented(id) {
			services[id] = "running"
		} else {
			services[id] = "available"
		}
	}
	writeJSON(w, map[string]any{"services": services, "edition": "community", "version": Version})
}

// Health is /_hakoniwa/health's body; `hakoniwa status` prints it.
type Health struct {
	Status        string            `json:"status"`
	Version       string            `json:"version"`
	UptimeSeconds float64           `json:"uptime_seconds"`
	Listen        []string          `json:"listen"`
	DataDir       string            `json:"data_dir,omitempty"`
	Ephemeral     bool              `json:"ephemeral"`
	Region        string            `json:"default_region"`
	StrictAuth    bool              `json:"strict_auth"`
	IAM           string            `json:"iam_enforcement"`
	Services      map[string]string `json:"services"`
	Keys          map[string]int    `json:"stored_keys"`
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	h := Health{
		Status: "ok", Version: Version, UptimeSeconds: time.Since(s.started).Round(time.Millisecond).Seconds(),
		Listen: s.Addrs(), Ephemeral: s.cfg.Ephemeral, Region: s.cfg.Region, StrictAuth: s.cfg.StrictAuth, IAM: s.cfg.IAMMode.String(),
		Services: map[string]string{},
	}
	if !s.cfg.Ephemeral {
		h.DataDir = s.cfg.DataDir
	}
	for _, id := range s.ServiceIDs() {
		if IsImplemented(id) {
			h.Services[id] = "implemented"
		} else {
			h.Services[id] = "not implemented (answers NotImplemented)"
		}
	}
	if st, err := s.st.Stats(r.Context()); err == nil {
		h.Keys = st
	}
	writeJSON(w, h)
}

// reset wipes all state: every resource of every account and region.
func (s *Server) reset(w http.ResponseWriter, r *http.Request) {
	if err := s.recorder.Flush(r.Context()); err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	if err := s.st.Reset(r.Context()); err != nil {
		s.cfg.Log.Error("reset failed", "err", err)
		http.Error(w, "reset failed: "+err.Error(), http.StatusInternalServerError)
		return
	}
	s.cfg.Log.Info("state reset")
	writeJSON(w, map[string]string{"status": "reset"})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
