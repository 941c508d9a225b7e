package server

import (
	"context"
	"net/http"

	"hakoniwa/internal/authz"
	iamsvc "hakoniwa/internal/service/iam"
)

// iamIdentities adapts the IAM service to the authorizer's Identities.
type iamIdentities struct{ iam *iamsvc.Service }

func (i iamIdentities) Identity(ctx context.Context, account, arn string) (authz.Identity, error) {
	p, err := i.iam.PrincipalPolicies(ctx, account, arn)
	if err != nil {
		return authz.Identity{}, err
	}
	out := authz.Identity{Type: p.Type, ARN: p.ARN, Name: p.Name, ID: p.ID, Tags: p.Tags}
	for _, d := range p.Policies {
		out.Policies = append(out.Policies, authz.Document{ID: d.ID, Name: d.Name, Kind: d.Kind, Text: d.Document})
	}
	if b := p.Boundary; b != nil {
		out.Boundary = &authz.Document{ID: b.ID, Name: b.Name, Kind: b.Kind, Text: b.Document}
	}
	return out, nil
}

// explain answers /_hakoniwa/explain/{id}: the authorization decisions
// taken for that request, with the statements that matched and the
// conditions that failed.
func (s *Server) explain(w http.ResponseWriter, r *http.Request) {
	ex := s.authz.Decided.Explain(r.PathValue("id"))
	if len(ex) == 0 {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		writeJSON(w, map[string]string{"error": "no authorization decision is remembered for that request id (root calls need none; only the latest 4096 are kept)"})
		return
	}
	writeJSON(w, ex)
}

// keyUsed passes verified key use on to IAM's last-used record.
func (d *deps) keyUsed(accessKeyID, service, region string) {
	if d.iam != nil {
		d.iam.RecordAccessKeyUse(accessKeyID, service, region)
	}
}
