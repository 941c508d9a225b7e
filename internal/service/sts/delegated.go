package sts

import (
	"context"
	"errors"
	"net/http"
	"time"

	"hakoniwa/internal/awserr"

	stsapi "hakoniwa/internal/api/sts"
)

// KindDelegated is a session issued by GetDelegatedAccessToken: the
// accepting identity's permissions ∩ the delegation request's policy.
const KindDelegated = "delegated"

// Delegations redeems IAM's delegation exchange tokens (IAM, through an
// adapter in server/).
type Delegations interface {
	RedeemDelegationToken(ctx context.Context, token string) (DelegatedSession, error)
}

// DelegatedSession is what an exchange token stands for: the identity that
// accepted the request, its permissions and the end of its window.
type DelegatedSession struct {
	RequestID                         string
	Account, ARN, UserID, AccessKeyID string
	Policy                            string
	Expires                           time.Time
}

// Refusals of a trade-in token; RedeemDelegationToken returns them.
var (
	ErrTokenUnknown = errors.New("unknown trade-in token")
	ErrTokenUsed    = errors.New("trade-in token already exchanged")
	ErrTokenExpired = errors.New("trade-in token expired")
)

// expiredTradeIn is the model's only trade-in token error: an unknown, used
// or expired token can no longer be exchanged.
func expiredTradeIn(msg string) *awserr.Error {
	return awserr.New(http.StatusBadRequest, "ExpiredTradeInTokenException", "%s", msg)
}

// GetDelegatedAccessToken trades an exchange token, once, for credentials
// of the identity that accepted the delegation request, limited by the
// request's policy as a session policy. They expire when the delegation
// window that SendDelegationToken opened closes.
func (s *Service) GetDelegatedAccessToken(ctx context.Context, in *stsapi.GetDelegatedAccessTokenInput) (*stsapi.GetDelegatedAccessTokenOutput, error) {
	if s.Delegations == nil {
		return nil, expiredTradeIn("The trade-in token is not valid.")
	}
	got, err := s.Delegations.RedeemDelegationToken(ctx, deref(in.TradeInToken))
	switch {
	case errors.Is(err, ErrTokenUnknown):
		return nil, expiredTradeIn("The trade-in token is not valid.")
	case errors.Is(err, ErrTokenUsed):
		return nil, expiredTradeIn("The trade-in token has already been exchanged for credentials.")
	case errors.Is(err, ErrTokenExpired):
		return nil, expiredTradeIn("The trade-in token has expired.")
	case err != nil:
		return nil, err
	}
	now := s.clock.Now().UTC().Truncate(time.Second)
	size, err := checkPacked(compact(got.Policy), nil)
	if err != nil {
		return nil, err
	}
	rec := s.newRecord(got.Account, got.ARN, got.UserID, now, int64(got.Expires.Sub(now)/time.Second))
	rec.Kind, rec.IssuedFor = KindDelegated, s.issuedFor(ctx, got)
	rec.Policies = []SessionPolicy{{ID: "delegation-request/" + got.RequestID, Name: "delegation request " + got.RequestID, Text: got.Policy}}
	if err := s.put(ctx, &rec); err != nil {
		return nil, err
	}
	return &stsapi.GetDelegatedAccessTokenOutput{Credentials: rec.credentials(), PackedPolicySize: &size, AssumedPrincipal: &got.ARN}, nil
}

// issuedFor is whose identity policies the credentials carry: the
// accepter's, or for an accepter that held a session, the principal that
// session was issued for (an assumed role's role).
func (s *Service) issuedFor(ctx context.Context, got DelegatedSession) string {
	if got.AccessKeyID != "" {
		if rec, ok, err := s.lookup(ctx, got.AccessKeyID); err == nil && ok {
			return rec.info().IssuedFor
		}
	}
	return got.ARN
}
