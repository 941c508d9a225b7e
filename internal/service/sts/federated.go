package sts

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/ids"

	stsapi "hakoniwa/internal/api/sts"
)

// Providers is what STS asks IAM about identity providers. err is IAM's
// NoSuchEntity when the provider does not exist.
type Providers interface {
	OIDCProvider(ctx context.Context, account, arn string) (url string, clientIDs, thumbprints []string, err error)
	SAMLProviderMetadata(ctx context.Context, account, arn string) (string, error)
}

// Trust decides, with the role's trust policy alone, whether a caller an
// identity provider vouched for may assume the role (the authorizer). err
// is AccessDenied when it may not.
type Trust interface {
	AuthorizeFederated(ctx context.Context, req TrustRequest) error
}

// Federated principal types, as trust evaluation and CloudTrail name them.
const (
	TypeWebIdentityUser = "WebIdentityUser"
	TypeSAMLUser        = "SAMLUser"
)

// TrustRequest is one federated AssumeRole* question.
type TrustRequest struct {
	RoleARN  string
	Action   string // sts:AssumeRoleWithWebIdentity or sts:AssumeRoleWithSAML
	Type     string // TypeWebIdentityUser or TypeSAMLUser
	Provider string // what a trust policy's "Federated" principal names
	UserID   string
	// Context is the provider's condition keys (…:aud, SAML:sub, …).
	Context map[string][]string
	// TagSession and SetSourceIdentity: the token passes session tags or
	// a source identity, which the trust policy must allow too.
	TagSession, SetSourceIdentity bool
}

// federation is what a verified token or assertion asks for.
type federation struct {
	trust       TrustRequest
	sessionName string
	duration    *int64
	policy      *string
	policyARNs  []stsapi.PolicyDescriptorType
	tags        map[string]string
	transitive  []string
	source      string
}

// federatedSession is an issued federated role session.
type federatedSession struct {
	rec    record
	packed *int64
}

// assumeFederated checks the trust policy and the session's rules, then
// issues the role session. Unlike AssumeRole there is no calling session:
// no role chaining, no inherited tags.
func (s *Service) assumeFederated(ctx context.Context, f federation) (federatedSession, error) {
	refused := accessDenied("Not authorized to perform %s", f.trust.Action)
	if s.IAM == nil || s.Trust == nil {
		return federatedSession{}, refused
	}
	role, err := s.IAM.RoleForAssume(ctx, f.trust.RoleARN)
	if err != nil {
		if e := awserr.As(err); e.Code == "NoSuchEntity" || e.Code == "InvalidInput" || e.Code == "ValidationError" {
			// AWS does not reveal whether the role exists.
			return federatedSession{}, refused
		}
		return federatedSession{}, err
	}
	if role.MaxSessionDuration == 0 {
		role.MaxSessionDuration = defaultRoleDuration
	}
	tags, transitive, err := sessionTags(tagList(f.tags), f.transitive)
	if err != nil {
		return federatedSession{}, err
	}
	t := f.trust
	t.TagSession, t.SetSourceIdentity = len(tags) > 0, f.source != ""
	t.Context = withRequestKeys(t.Context, f.sessionName, tags, transitive, f.source)
	if err := s.Trust.AuthorizeFederated(ctx, t); err != nil {
		return federatedSession{}, err
	}

	d := int64(defaultRoleDuration)
	if f.duration != nil {
		d = *f.duration // 900..43200 checked by the model validator
	}
	if d > role.MaxSessionDuration {
		return federatedSession{}, awserr.Validation("ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}
	policies, packedText, err := s.sessionPolicies(ctx, role.Account, f.policy, f.policyARNs)
	if err != nil {
		return federatedSession{}, err
	}
	var packed *int64
	if f.policy != nil || len(f.policyARNs) > 0 || len(tags) > 0 {
		size, err := checkPacked(packedText, tags)
		if err != nil {
			return federatedSession{}, err
		}
		packed = &size
	}
	now := s.clock.Now().UTC().Truncate(time.Second)
	rec := s.newRecord(role.Account, "arn:aws:sts::"+role.Account+":assumed-role/"+role.Name+"/"+f.sessionName, role.ID+":"+f.sessionName, now, d)
	rec.Kind, rec.IssuedFor = KindAssumedRole, role.ARN
	rec.Policies, rec.Tags, rec.TransitiveTags, rec.SourceIdentity = policies, tags, transitive, f.source
	if err := s.put(ctx, &rec); err != nil {
		return federatedSession{}, err
	}
	return federatedSession{rec: rec, packed: packed}, nil
}

// withRequestKeys adds the keys of the session being requested.
func withRequestKeys(ctx map[string][]string, sessionName string, tags map[string]string, transitive []string, source string) map[string][]string {
	out := make(map[string][]string, len(ctx)+len(tags)+4)
	for k, v := range ctx {
		out[k] = v
	}
	out["sts:RoleSessionName"] = []string{sessionName}
	if len(tags) > 0 {
		keys := make([]string, 0, len(tags))
		for k, v := range tags {
			out["aws:RequestTag/"+k] = []string{v}
			keys = append(keys, k)
		}
		slices.Sort(keys)
		out["aws:TagKeys"] = keys
	}
	if len(transitive) > 0 {
		out["sts:TransitiveTagKeys"] = transitive
	}
	if source != "" {
		out["sts:SourceIdentity"] = []string{source}
	}
	return out
}

func tagList(m map[string]string) []stsapi.Tag {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]stsapi.Tag, 0, len(keys))
	for _, k := range keys {
		out = append(out, stsapi.Tag{Key: &k, Value: new(m[k])})
	}
	return out
}

// roleAccount is the account a role ARN names: the account whose identity
// providers vouch for the caller.
func roleAccount(roleARN string) (string, bool) {
	parts := strings.SplitN(roleARN, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "iam" || !ids.IsAccountID(parts[4]) || !strings.HasPrefix(parts[5], "role/") {
		return "", false
	}
	return parts[4], true
}

func invalidToken(format string, args ...any) *awserr.Error {
	return awserr.New(http.StatusBadRequest, "InvalidIdentityToken", format, args...)
}

func expiredToken(format string, args ...any) *awserr.Error {
	return awserr.New(http.StatusBadRequest, "ExpiredTokenException", format, args...)
}
