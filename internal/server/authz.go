package server

import (
	"context"
	"net/http"

	"hakoniwa/internal/authz"
	"hakoniwa/internal/awserr"
	iamsvc "hakoniwa/internal/service/iam"
	stssvc "hakoniwa/internal/service/sts"
)

// iamIdentities adapts the IAM service to the authorizer's Identities.
type iamIdentities struct{ iam *iamsvc.Service }

func (i iamIdentities) Identity(ctx context.Context, account, arn string) (authz.Identity, error) {
	p, err := i.iam.PrincipalPolicies(ctx, account, arn)
	if err != nil {
		return authz.Identity{}, err
	}
	out := authz.Identity{Type: p.Type, ARN: p.ARN, Name: p.Name, ID: p.ID, Tags: p.Tags, Version: p.Generation}
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

// authzOptions connects the authorizer to STS's sessions and IAM's role
// trust policies, for the services that are enabled.
func (d *deps) authzOptions() []authz.Option {
	var opts []authz.Option
	if d.sts != nil {
		opts = append(opts, authz.WithSessions(stsSessions{d.sts}))
	}
	if d.iam != nil {
		opts = append(opts, authz.WithTrusts(iamTrusts{d.iam}), authz.WithResourcePolicies("iam", iamDelegations{d.iam}))
	}
	if d.s3 != nil {
		opts = append(opts, authz.WithResourcePolicies("s3", d.s3))
	}
	return opts
}

// stsSessions adapts STS's session records to the authorizer's Sessions.
type stsSessions struct{ sts *stssvc.Service }

func (s stsSessions) Session(ctx context.Context, accessKeyID string) (authz.Session, bool, error) {
	info, ok, err := s.sts.Session(ctx, accessKeyID)
	if !ok || err != nil {
		return authz.Session{}, ok, err
	}
	out := authz.Session{
		Kind: info.Kind, IssuedFor: info.IssuedFor, Tags: info.Tags, MFA: info.MFA,
		MFAAuthTime: info.MFAAuthTime, SourceIdentity: info.SourceIdentity, Issued: info.Issued,
	}
	for _, p := range info.Policies {
		out.Policies = append(out.Policies, authz.Document{ID: p.ID, Name: p.Name, Kind: "session", Text: p.Text})
	}
	return out, true, nil
}

// iamTrusts gives the authorizer roles' trust policies.
type iamTrusts struct{ iam *iamsvc.Service }

func (t iamTrusts) TrustPolicy(ctx context.Context, roleARN string) (string, bool, error) {
	r, err := t.iam.RoleForAssume(ctx, roleARN)
	if err != nil {
		if e := awserr.As(err); e.Code == "NoSuchEntity" || e.Code == "InvalidInput" {
			return "", false, nil
		}
		return "", false, err
	}
	return r.TrustPolicy, true, nil
}

// stsIAM gives STS what it needs from IAM: roles, managed session
// policies and MFA codes. IAM is looked up per call because the services
// are built one by one; without IAM, no role exists and no code is valid.
type stsIAM struct{ d *deps }

var errNoIAM = awserr.New(http.StatusNotFound, "NoSuchEntity", "IAM is not enabled on this server.")

func (s stsIAM) RoleForAssume(ctx context.Context, roleARN string) (stssvc.Role, error) {
	if s.d.iam == nil {
		return stssvc.Role{}, errNoIAM
	}
	r, err := s.d.iam.RoleForAssume(ctx, roleARN)
	if err != nil {
		return stssvc.Role{}, err
	}
	return stssvc.Role{ARN: r.ARN, ID: r.ID, Name: r.Name, Account: r.Account, MaxSessionDuration: r.MaxSessionDuration}, nil
}

func (s stsIAM) ManagedPolicyDocument(ctx context.Context, account, policyARN string) (string, error) {
	if s.d.iam == nil {
		return "", errNoIAM
	}
	return s.d.iam.ManagedPolicyDocument(ctx, account, policyARN)
}

func (s stsIAM) CheckMFACode(ctx context.Context, account, serialNumber, code string) (string, error) {
	if s.d.iam == nil {
		return "", awserr.New(http.StatusForbidden, "AccessDenied", "MultiFactorAuthentication failed, unable to validate MFA code.")
	}
	return s.d.iam.CheckMFACode(ctx, account, serialNumber, code)
}

func (s stsIAM) OIDCProvider(ctx context.Context, account, arn string) (string, []string, []string, error) {
	if s.d.iam == nil {
		return "", nil, nil, errNoIAM
	}
	return s.d.iam.OIDCProvider(ctx, account, arn)
}

func (s stsIAM) SAMLProviderMetadata(ctx context.Context, account, arn string) (string, error) {
	if s.d.iam == nil {
		return "", errNoIAM
	}
	return s.d.iam.SAMLProviderMetadata(ctx, account, arn)
}

func (s stsIAM) OutboundIssuer(ctx context.Context, account string) (string, bool, error) {
	if s.d.iam == nil {
		return "", false, nil
	}
	return s.d.iam.OutboundIssuer(ctx, account)
}

func (s stsIAM) PrincipalTags(ctx context.Context, account, arn string) (map[string]string, error) {
	if s.d.iam == nil {
		return nil, nil
	}
	p, err := s.d.iam.PrincipalPolicies(ctx, account, arn)
	return p.Tags, err
}

// stsTrust lets the authorizer decide federated AssumeRole* calls with the
// role's trust policy; without an authorizer yet, nothing is trusted.
type stsTrust struct{ d *deps }

func (t stsTrust) AuthorizeFederated(ctx context.Context, r stssvc.TrustRequest) error {
	if t.d.authz == nil {
		return awserr.New(http.StatusForbidden, "AccessDenied", "Not authorized to perform %s", r.Action)
	}
	return t.d.authz.AuthorizeFederated(ctx, authz.FederatedRequest{
		RoleARN: r.RoleARN, Action: r.Action, Type: r.Type, Provider: r.Provider, UserID: r.UserID,
		Context: r.Context, TagSession: r.TagSession, SetSourceIdentity: r.SetSourceIdentity,
	})
}
