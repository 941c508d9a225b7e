package authz

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/iam/policy"
	"hakoniwa/internal/model"
)

// Kinds of temporary session, by the STS operation that issued it. Each
// limits its holder differently (STS API reference, "Permissions" of
// GetSessionToken, GetFederationToken and AssumeRole).
const (
	KindSessionToken = "session-token" // GetSessionToken: the user's own permissions
	KindAssumedRole  = "assumed-role"  // AssumeRole: the role's permissions ∩ session policies
	KindFederated    = "federated"     // GetFederationToken: the user's permissions ∩ session policies
)

// Session is what a temporary credential carries besides its principal.
type Session struct {
	Kind string
	// IssuedFor is the ARN whose identity policies apply: the role of an
	// assumed-role session, the IAM user (or root) who asked for a
	// federation or session token.
	IssuedFor string
	// Policies are the session policies (inline and managed, resolved when
	// the session was issued). A federated session without any grants
	// nothing.
	Policies []Document
	// Tags are the session tags (transitive ones of the calling session
	// included); they override the principal's own tags of the same key.
	Tags map[string]string
	// MFA is set when the session was authenticated with an MFA device, at
	// MFAAuthTime.
	MFA            bool
	MFAAuthTime    time.Time
	SourceIdentity string
	Issued         time.Time
}

// Sessions finds the session behind a temporary access key (STS).
type Sessions interface {
	Session(ctx context.Context, accessKeyID string) (Session, bool, error)
}

// Trusts finds a role's trust policy (IAM), so that sts:AssumeRole is
// decided with the trust policy as the role's resource-based policy.
type Trusts interface {
	TrustPolicy(ctx context.Context, roleARN string) (doc string, found bool, err error)
}

// Option configures an Authorizer.
type Option func(*Authorizer)

// WithSessions makes the authorizer apply session policies, session tags
// and MFA context to calls signed with temporary credentials.
func WithSessions(s Sessions) Option { return func(a *Authorizer) { a.sessions = s } }

// WithTrusts makes role trust policies part of every sts:AssumeRole
// decision: the role's trust policy must allow the caller, and when it
// names the caller itself no identity policy is needed in the same account.
func WithTrusts(t Trusts) Option { return func(a *Authorizer) { a.trusts = t } }

// trustActions are checked against the role's trust policy ("Passing
// session tags", "Monitor and control actions taken with assumed roles":
// TagSession and SetSourceIdentity need the trust policy's allowance too).
func trustAction(action string) bool {
	switch strings.ToLower(action) {
	case "sts:assumerole", "sts:tagsession", "sts:setsourceidentity":
		return true
	}
	return false
}

// assumesRole reports whether a call is decided by a role's trust policy,
// which binds even an account's root user.
func assumesRole(svc *model.Service, op *model.Operation) bool {
	return svc.ID == "sts" && op != nil && op.Name == "AssumeRole"
}

// session finds the caller's session; nil for long-term credentials.
func (a *Authorizer) session(ctx context.Context, accessKeyID, token string) (*Session, error) {
	if a.sessions == nil || token == "" || accessKeyID == "" {
		return nil, nil
	}
	s, ok, err := a.sessions.Session(ctx, accessKeyID)
	if err != nil || !ok {
		return nil, err
	}
	return &s, nil
}

// errInvalidToken is how IAM refuses temporary credentials it does not
// accept: a session token without MFA, or a federated user's. AWS words
// it as for an unknown token (IAM's message has no final period).
var errInvalidToken = awserr.New(http.StatusForbidden, "InvalidClientTokenId", "The security token included in the request is invalid")

// restricted applies what a kind of session may not call at all, whatever
// the policies say: IAM's API is closed to GetSessionToken credentials
// without MFA and to federated users.
func restricted(svc *model.Service, s *Session) error {
	if svc.ID != "iam" {
		return nil
	}
	switch s.Kind {
	case KindSessionToken:
		if !s.MFA {
			return errInvalidToken
		}
	case KindFederated:
		return errInvalidToken
	}
	return nil
}

// sessionContext adds the keys a session supplies ("AWS global condition
// context keys"): aws:MultiFactorAuthPresent is present (true or false)
// only for temporary credentials, aws:MultiFactorAuthAge only when MFA was
// used.
func sessionContext(ctx map[string][]string, s *Session, now time.Time) {
	if s == nil {
		return
	}
	ctx["aws:multifactorauthpresent"] = []string{strconv.FormatBool(s.MFA)}
	if s.MFA {
		age := max(int64(now.Sub(s.MFAAuthTime)/time.Second), 0)
		ctx["aws:multifactorauthage"] = []string{strconv.FormatInt(age, 10)}
	}
	if !s.Issued.IsZero() {
		ctx["aws:tokenissuetime"] = []string{s.Issued.UTC().Format(time.RFC3339)}
	}
	if s.SourceIdentity != "" {
		ctx["aws:sourceidentity"] = []string{s.SourceIdentity}
	}
}

// requestMFA is the MFA context of an AssumeRole call that carries an MFA
// code: STS refuses the call if the code is wrong, so a decision taken
// before the handler may count it as present.
func requestMFA(svc *model.Service, op *model.Operation, in map[string]any) bool {
	if !assumesRole(svc, op) {
		return false
	}
	serial, _ := in["SerialNumber"].(string)
	code, _ := in["TokenCode"].(string)
	return serial != "" && code != ""
}

// mergeTags overlays session tags on the principal's: tag keys are
// case-insensitive and the session's win.
func mergeTags(own, session map[string]string) map[string]string {
	if len(session) == 0 {
		return own
	}
	out := make(map[string]string, len(own)+len(session))
	for k, v := range own {
		out[k] = v
	}
	for k, v := range session {
		for o := range out {
			if strings.EqualFold(o, k) {
				delete(out, o)
			}
		}
		out[k] = v
	}
	return out
}

// allowAll stands for the root user's identity behind a federated
// session: root may do anything, so only the session policies limit it.
var allowAll = sync.OnceValue(func() *policy.Policy {
	p, _ := policy.Parse(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, policy.Identity)
	return p
})

// sessionPolicies parses a session's policies. A federated session
// without any holds a policy that grants nothing.
func (a *Authorizer) sessionPolicies(s *Session) []policy.Attached {
	var out []policy.Attached
	for _, d := range s.Policies {
		pol, err := a.parsed.get(d.Text, policy.Session)
		if err != nil {
			a.log.Warn("stored session policy does not parse", "policy", d.ID, "err", err)
			pol = nil // grants nothing
		}
		out = append(out, policy.Attached{ID: d.ID, Name: d.Name, Type: "session", Policy: pol})
	}
	if len(out) == 0 && s.Kind == KindFederated {
		out = append(out, policy.Attached{ID: "session", Name: "session", Type: "session"})
	}
	return out
}

// trustCache holds the trust policies read during one call.
type trustCache map[string]*policy.Attached

// trustFor returns the role's trust policy as a resource policy; nil when
// the role does not exist (then nothing allows assuming it).
func (a *Authorizer) trustFor(ctx context.Context, cache trustCache, roleARN string) (*policy.Attached, error) {
	if att, ok := cache[roleARN]; ok {
		return att, nil
	}
	doc, found, err := a.trusts.TrustPolicy(ctx, roleARN)
	if err != nil {
		return nil, err
	}
	var att *policy.Attached
	if found {
		pol, err := a.parsed.get(doc, policy.Trust)
		if err != nil {
			a.log.Warn("stored trust policy does not parse", "role", roleARN, "err", err)
		}
		att = &policy.Attached{ID: roleARN + "#trust", Name: "trust policy", Type: "resource", Policy: pol}
	}
	cache[roleARN] = att
	return att, nil
}

// trustMessage is AWS's refusal of sts:AssumeRole and its companions: it
// names the action and the role, never why, so as not to reveal whether
// the role exists or what its trust policy says.
func trustMessage(req policy.Request) string {
	who := req.Principal.ARN
	return "User: " + who + " is not authorized to perform: " + req.Action + " on resource: " + req.Resource
}
