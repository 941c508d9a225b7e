package sts

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/reqctx"

	stsapi "hakoniwa/internal/api/sts"
)

// AssumeRole durations, in seconds (AssumeRole reference).
const (
	defaultRoleDuration = 3600
	// maxChainedDuration caps a session whose caller already holds
	// temporary credentials ("role chaining").
	maxChainedDuration = 3600
)

// AssumeRole issues a session of a role. Whether the caller may assume it
// — identity policies and the role's trust policy, TagSession and
// SetSourceIdentity included — is the authorizer's decision, taken before
// this runs; here are the rules of the session itself.
func (s *Service) AssumeRole(ctx context.Context, in *stsapi.AssumeRoleInput) (*stsapi.AssumeRoleOutput, error) {
	p := reqctx.From(ctx).Principal
	if p.IsRoot() && !s.RootMayAssumeRoles {
		return nil, awserr.New(http.StatusForbidden, "AccessDenied", "Roles may not be assumed by root accounts.")
	}
	roleARN, name := deref(in.RoleArn), deref(in.RoleSessionName)
	if !strings.HasPrefix(roleARN, "arn:") {
		return nil, awserr.Validation("ValidationError", "%s is invalid", roleARN)
	}
	role, err := s.role(ctx, p.ARN, roleARN)
	if err != nil {
		return nil, err
	}
	caller, err := s.callerSession(ctx, p)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now().UTC().Truncate(time.Second)

	d := int64(defaultRoleDuration)
	if in.DurationSeconds != nil {
		d = *in.DurationSeconds // 900..43200 checked by the model validator
	}
	// The role-chaining cap applies to any caller holding temporary
	// credentials, GetSessionToken's included.
	if caller != nil && d > maxChainedDuration {
		return nil, awserr.Validation("ValidationError", "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	}
	if d > role.MaxSessionDuration {
		return nil, awserr.Validation("ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}

	policies, packedText, err := s.sessionPolicies(ctx, role.Account, in.Policy, in.PolicyArns)
	if err != nil {
		return nil, err
	}
	tags, transitive, err := sessionTags(in.Tags, in.TransitiveTagKeys)
	if err != nil {
		return nil, err
	}
	tags, transitive, err = inheritTags(caller, tags, transitive)
	if err != nil {
		return nil, err
	}
	var packed *int64
	if in.Policy != nil || len(in.PolicyArns) > 0 || len(in.Tags) > 0 {
		size, err := checkPacked(packedText, tags)
		if err != nil {
			return nil, err
		}
		packed = &size
	}

	source := deref(in.SourceIdentity)
	if caller != nil && caller.SourceIdentity != "" {
		// "After you set the source identity value, it can't be changed"
		// for the rest of the chain.
		if source != "" && source != caller.SourceIdentity {
			return nil, awserr.Validation("ValidationError", "The source identity of the calling session cannot be changed.")
		}
		source = caller.SourceIdentity
	}

	rec := s.newRecord(role.Account, "arn:aws:sts::"+role.Account+":assumed-role/"+role.Name+"/"+name, role.ID+":"+name, now, d)
	rec.Kind, rec.IssuedFor = KindAssumedRole, role.ARN
	rec.Policies, rec.Tags, rec.TransitiveTags, rec.SourceIdentity = policies, tags, transitive, source
	switch {
	case in.SerialNumber != nil || in.TokenCode != nil:
		if err := s.checkMFA(ctx, p.Account, p.ARN, in.SerialNumber, in.TokenCode); err != nil {
			return nil, err
		}
		rec.MFA, rec.MFAAuthTime = true, now
	case caller != nil && caller.MFA:
		// The caller authenticated with MFA earlier (GetSessionToken):
		// the new session keeps that authentication and its age.
		rec.MFA, rec.MFAAuthTime = true, caller.MFAAuthTime
	}
	if err := s.put(ctx, &rec); err != nil {
		return nil, err
	}
	out := &stsapi.AssumeRoleOutput{
		Credentials:      rec.credentials(),
		AssumedRoleUser:  &stsapi.AssumedRoleUser{AssumedRoleId: &rec.UserID, Arn: &rec.PrincipalARN},
		PackedPolicySize: packed,
	}
	if source != "" {
		out.SourceIdentity = &source
	}
	return out, nil
}

// role resolves the role to assume. A role that does not exist is refused
// as one the caller may not assume: AWS does not reveal which roles exist.
func (s *Service) role(ctx context.Context, callerARN, roleARN string) (Role, error) {
	refused := accessDenied("User: %s is not authorized to perform: sts:AssumeRole on resource: %s", callerARN, roleARN)
	if s.IAM == nil {
		return Role{}, refused
	}
	r, err := s.IAM.RoleForAssume(ctx, roleARN)
	if err != nil {
		if e := awserr.As(err); e.Code == "NoSuchEntity" || e.Code == "InvalidInput" || e.Code == "ValidationError" {
			return Role{}, refused
		}
		return Role{}, err
	}
	if r.MaxSessionDuration == 0 {
		r.MaxSessionDuration = defaultRoleDuration
	}
	return r, nil
}

// callerSession is the record behind the caller's temporary credentials;
// nil for long-term keys.
func (s *Service) callerSession(ctx context.Context, p reqctx.Principal) (*record, error) {
	if p.SessionToken == "" || p.AccessKeyID == "" {
		return nil, nil
	}
	rec, ok, err := s.lookup(ctx, p.AccessKeyID)
	if err != nil || !ok {
		return nil, err
	}
	return &rec, nil
}

// inheritTags passes the calling session's transitive tags on to the new
// session ("Chaining roles with session tags"); they cannot be replaced.
func inheritTags(caller *record, tags map[string]string, transitive []string) (map[string]string, []string, error) {
	if caller == nil || len(caller.TransitiveTags) == 0 {
		return tags, transitive, nil
	}
	out := make(map[string]string, len(tags)+len(caller.TransitiveTags))
	for _, k := range caller.TransitiveTags {
		for t := range tags {
			if strings.EqualFold(t, k) {
				return nil, nil, invalidParameter("One of the specified transitive tag keys can't be set because it conflicts with a transitive tag key from the calling session.")
			}
		}
		out[k] = caller.Tags[k]
	}
	for k, v := range tags {
		out[k] = v
	}
	keys := slices.Clone(caller.TransitiveTags)
	for _, k := range transitive {
		if !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	return out, keys, nil
}
