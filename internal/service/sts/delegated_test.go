package sts

import (
	"context"
	"strings"
	"testing"
	"time"

	"hakoniwa/internal/reqctx"

	stsapi "hakoniwa/internal/api/sts"
)

// fakeDelegations hands out each known token once.
type fakeDelegations struct {
	tokens map[string]DelegatedSession
	used   map[string]bool
}

func (f *fakeDelegations) RedeemDelegationToken(_ context.Context, token string) (DelegatedSession, error) {
	d, ok := f.tokens[token]
	switch {
	case !ok:
		return DelegatedSession{}, ErrTokenUnknown
	case f.used[token]:
		return DelegatedSession{}, ErrTokenUsed
	case token == "late":
		return DelegatedSession{}, ErrTokenExpired
	}
	f.used[token] = true
	return d, nil
}

func TestGetDelegatedAccessToken(t *testing.T) {
	s, _ := newService(t)
	const pol = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}]}`
	expires := epoch.Add(2 * time.Hour)
	f := &fakeDelegations{used: map[string]bool{}, tokens: map[string]DelegatedSession{
		"good": {RequestID: "dr-1", Account: acct, ARN: userARN, UserID: "AIDAEXAMPLEALICE0000", Policy: pol, Expires: expires},
		"late": {},
	}}
	partner := as(reqctx.Principal{Type: "IAMUser", Account: other, ARN: "arn:aws:iam::" + other + ":user/partner", UserID: "AIDAEXAMPLEPARTNER00"})
	_, err := s.GetDelegatedAccessToken(partner, &stsapi.GetDelegatedAccessTokenInput{TradeInToken: ptrS("good")})
	if code(err) != "ExpiredTradeInTokenException" {
		t.Fatalf("without IAM: %v", err)
	}
	s.Delegations = f
	out, err := s.GetDelegatedAccessToken(partner, &stsapi.GetDelegatedAccessTokenInput{TradeInToken: ptrS("good")})
	if err != nil {
		t.Fatal(err)
	}
	c := out.Credentials
	if !strings.HasPrefix(*c.AccessKeyId, "ASIA") || *c.SessionToken == "" || !c.Expiration.Equal(expires) || *out.AssumedPrincipal != userARN || *out.PackedPolicySize <= 0 {
		t.Fatalf("out = %+v %+v", out, c)
	}
	info, ok, err := s.Session(context.Background(), *c.AccessKeyId)
	if err != nil || !ok || info.Kind != KindDelegated || info.IssuedFor != userARN || len(info.Policies) != 1 || info.Policies[0].Text != pol {
		t.Fatalf("session = %+v %v %v", info, ok, err)
	}
	cred, ok, _ := s.Lookup(context.Background(), *c.AccessKeyId)
	if !ok || cred.Account != acct || cred.PrincipalARN != userARN {
		t.Fatalf("lookup = %+v", cred)
	}
	for token, msg := range map[string]string{"good": "already been exchanged", "late": "expired", "nope": "not valid"} {
		_, err := s.GetDelegatedAccessToken(partner, &stsapi.GetDelegatedAccessTokenInput{TradeInToken: ptrS(token)})
		if code(err) != "ExpiredTradeInTokenException" || !strings.Contains(err.Error(), msg) {
			t.Errorf("%s: %v", token, err)
		}
	}
}

func ptrS(s string) *string { return &s }
