package authz

import (
	"context"
	"net/http"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/iam/policy"
	"hakoniwa/internal/model"
	"hakoniwa/internal/reqctx"
)

// Federated principal types (CloudTrail's userIdentity.type).
const (
	WebIdentityUser = policy.TypeWebIdentityUser
	SAMLUser        = policy.TypeSAMLUser
)

// FederatedRequest asks whether a caller authenticated by an identity
// provider — not by AWS credentials — may assume a role. Only the role's
// trust policy decides: the caller has no identity policies.
type FederatedRequest struct {
	RoleARN string
	// Action is sts:AssumeRoleWithWebIdentity, sts:AssumeRoleWithSAML, or
	// sts:AssumeRole for a service principal.
	Action string
	// Type is WebIdentityUser, SAMLUser or AWSService (a service such as
	// ec2.amazonaws.com assuming a role for an instance; Provider names it).
	Type string
	// Provider is what a trust policy's "Federated" principal names: the
	// IAM provider's ARN, or a built-in provider such as accounts.google.com.
	Provider string
	// UserID identifies the caller in decisions (provider:aud:sub).
	UserID string
	// Context holds the provider's condition keys (…:aud, SAML:sub,
	// aws:RequestTag/…, sts:RoleSessionName, …); the request's global keys
	// are added here.
	Context map[string][]string
	// TagSession and SetSourceIdentity ask for the companion actions the
	// trust policy must allow too when the assertion passes session tags or
	// a source identity.
	TagSession, SetSourceIdentity bool
}

// federatedAssume reports whether a call is made with an identity
// provider's token rather than AWS credentials: it is decided by the STS
// handler, once it has verified the token, through AuthorizeFederated.
func federatedAssume(svc *model.Service, op *model.Operation) bool {
	return svc.ID == "sts" && op != nil && (op.Name == "AssumeRoleWithWebIdentity" || op.Name == "AssumeRoleWithSAML")
}

// AuthorizeFederated decides a federated AssumeRole* call with the role's
// trust policy alone. The refusal names no reason, like AWS's.
func (a *Authorizer) AuthorizeFederated(ctx context.Context, r FederatedRequest) error {
	if a.mode == Off {
		return nil
	}
	refused := awserr.New(http.StatusForbidden, "AccessDenied", "Not authorized to perform %s", r.Action)
	if a.trusts == nil {
		return refused // no IAM: no role to trust anyone
	}
	att, err := a.trustFor(ctx, trustCache{}, r.RoleARN)
	if err != nil {
		return err
	}
	info := reqctx.From(ctx)
	keys := mergeContext(globalContext(info), r.Context)
	actions := []string{r.Action}
	if r.TagSession {
		actions = append(actions, "sts:TagSession")
	}
	if r.SetSourceIdentity {
		actions = append(actions, "sts:SetSourceIdentity")
	}
	principal := policy.Principal{Type: r.Type, Provider: r.Provider, UserID: r.UserID}
	if r.Type == policy.TypeAWSService {
		// A service principal is matched by its name, held as its ARN.
		principal.ARN, principal.Provider = r.Provider, ""
	}
	for _, action := range actions {
		req := policy.Request{
			Principal: principal, Action: action, Resource: r.RoleARN,
			ResourceAccount: resourceAccount(r.RoleARN, ""),
			Context:         keys,
		}
		var d policy.Decision
		if att != nil {
			d = policy.Evaluate(req, policy.Input{Resource: att, ResourceRequired: true})
		}
		a.Decided.Add(info.RequestID, info.Time, req, d)
		if d.Allowed {
			continue
		}
		if a.mode == Report {
			a.log.Warn("access would be denied (report-only mode)", "id", info.RequestID, "reason", refused.Message)
			continue
		}
		a.log.Info("access denied", "id", info.RequestID, "provider", r.Provider, "action", action, "resource", r.RoleARN)
		return refused
	}
	return nil
}
