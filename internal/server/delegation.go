package server

import (
	"context"
	"errors"

	"hakoniwa/internal/authz"
	iamsvc "hakoniwa/internal/service/iam"
	stssvc "hakoniwa/internal/service/sts"
)

// RedeemDelegationToken lets STS trade IAM's delegation exchange tokens.
func (s stsIAM) RedeemDelegationToken(ctx context.Context, token string) (stssvc.DelegatedSession, error) {
	if s.d.iam == nil {
		return stssvc.DelegatedSession{}, stssvc.ErrTokenUnknown
	}
	got, err := s.d.iam.RedeemDelegationToken(ctx, token)
	switch {
	case errors.Is(err, iamsvc.ErrTradeInTokenUnknown):
		return stssvc.DelegatedSession{}, stssvc.ErrTokenUnknown
	case errors.Is(err, iamsvc.ErrTradeInTokenUsed):
		return stssvc.DelegatedSession{}, stssvc.ErrTokenUsed
	case errors.Is(err, iamsvc.ErrTradeInTokenExpired):
		return stssvc.DelegatedSession{}, stssvc.ErrTokenExpired
	case err != nil:
		return stssvc.DelegatedSession{}, err
	}
	a := got.Accepter
	return stssvc.DelegatedSession{
		RequestID: got.RequestID, Account: a.Account, ARN: a.ARN, UserID: a.UserID, AccessKeyID: a.AccessKeyID,
		Policy: got.Policy, Expires: got.Expires,
	}, nil
}

// delegationNotices stands in for SNS, which hakoniwa does not have yet:
// the message a partner's topic would receive (SendDelegationToken's
// exchange token) is logged.
func (d *deps) delegationNotices(ctx context.Context, channel, message string) {
	d.log.Info("delegation notification (SNS publish)", "topic", channel, "message", message)
}

// iamDelegations gives the authorizer the default permissions of a
// delegation request's owner, as the request's resource-based policy.
type iamDelegations struct{ iam *iamsvc.Service }

func (r iamDelegations) ResourcePolicy(ctx context.Context, arn string) (authz.ResourcePolicy, bool, error) {
	doc, owner, found, err := r.iam.DelegationResourcePolicy(ctx, arn)
	return authz.ResourcePolicy{Text: doc, Owner: owner}, found, err
}
