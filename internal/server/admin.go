package server

import (
	"encoding/json"
	"net/http"
	"time"
)

// handler routes admin paths and hands everything else to the gateway.
// Admin paths use prefixes no AWS API uses, so they cannot shadow a call.
func (s *Server) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /_localstack/health", s.localstackHealth)
	mux.HandleFunc("HEAD /_localstack/health", s.localstackHealth)
	mux.HandleFunc("GET /_hakoniwa/health", s.health)
	mux.HandleFunc("POST /_hakoniwa/reset", s.reset)
	mux.HandleFunc("GET /_hakoniwa/explain/{id}", s.explain)
	mux.HandleFunc("POST /_localstack/state/reset", s.reset)
	mux.HandleFunc("GET /_hakoniwa/outbound-federation/{account}/.well-known/{doc}", s.outboundDiscovery)
	mux.HandleFunc(imdsPrefix, s.imdsByPath)
	mux.Handle("/", s.gw)
	return s.withIMDS(mux)
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
