package sts

import (
	"context"
	"time"

	"hakoniwa/internal/reqctx"

	stsapi "hakoniwa/internal/api/sts"
)

// GetFederationToken durations, in seconds: 12 hours by default, and an
// hour at most for the root user.
const defaultFederationDuration = 43200

// GetFederationToken issues a federated user session for a proxy that
// authenticates its own users. The session may do what both the calling
// user's policies and the session policies allow; without session
// policies it may do nothing.
func (s *Service) GetFederationToken(ctx context.Context, in *stsapi.GetFederationTokenInput) (*stsapi.GetFederationTokenOutput, error) {
	p := reqctx.From(ctx).Principal
	if p.SessionToken != "" {
		return nil, accessDenied("Cannot call GetFederationToken with session credentials")
	}
	d := int64(defaultFederationDuration)
	if in.DurationSeconds != nil {
		d = *in.DurationSeconds // 900..129600 checked by the model validator
	}
	// "If the specified duration is longer than one hour, the session
	// obtained by using root user credentials defaults to one hour."
	if p.IsRoot() && d > maxRootDuration {
		d = maxRootDuration
	}
	policies, packedText, err := s.sessionPolicies(ctx, p.Account, in.Policy, in.PolicyArns)
	if err != nil {
		return nil, err
	}
	tags, _, err := sessionTags(in.Tags, nil)
	if err != nil {
		return nil, err
	}
	size, err := checkPacked(packedText, tags)
	if err != nil {
		return nil, err
	}
	name := deref(in.Name)
	now := s.clock.Now().UTC().Truncate(time.Second)
	rec := s.newRecord(p.Account, "arn:aws:sts::"+p.Account+":federated-user/"+name, p.Account+":"+name, now, d)
	rec.Kind, rec.IssuedFor, rec.Policies, rec.Tags = KindFederated, p.ARN, policies, tags
	if err := s.put(ctx, &rec); err != nil {
		return nil, err
	}
	return &stsapi.GetFederationTokenOutput{
		Credentials:      rec.credentials(),
		FederatedUser:    &stsapi.FederatedUser{FederatedUserId: &rec.UserID, Arn: &rec.PrincipalARN},
		PackedPolicySize: &size,
	}, nil
}
