package server

import (
	"net/http"

	"hakoniwa/internal/ids"
)

// outboundDiscovery serves an account's outbound identity federation
// discovery documents. In AWS they live under the issuer URL
// (https://<id>.tokens.sts.global.api.aws/.well-known/...), a host no
// offline machine resolves; here they live under this server, per
// account, so a test can verify a GetWebIdentityToken JWT end to end.
func (s *Server) outboundDiscovery(w http.ResponseWriter, r *http.Request) {
	account, doc := r.PathValue("account"), r.PathValue("doc")
	if s.deps == nil || s.deps.sts == nil || !ids.IsAccountID(account) || (doc != "openid-configuration" && doc != "jwks.json") {
		http.NotFound(w, r)
		return
	}
	jwksURL := "http://" + r.Host + "/_hakoniwa/outbound-federation/" + account + "/.well-known/jwks.json"
	config, jwks, ok, err := s.deps.sts.OutboundDiscovery(r.Context(), account, jwksURL)
	switch {
	case err != nil:
		http.Error(w, "could not read the account's keys", http.StatusServiceUnavailable)
		return
	case !ok:
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if doc == "jwks.json" {
		w.Write(jwks)
		return
	}
	w.Write(config)
}
