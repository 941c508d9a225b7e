package sts

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/reqctx"

	stsapi "hakoniwa/internal/api/sts"
)

type fakeOutbound struct {
	issuer string
	tags   map[string]string
}

func (f fakeOutbound) OutboundIssuer(_ context.Context, account string) (string, bool, error) {
	return f.issuer, f.issuer != "" && account == acct, nil
}

func (f fakeOutbound) PrincipalTags(_ context.Context, _, arn string) (map[string]string, error) {
	if arn == roleARN || arn == userARN {
		return f.tags, nil
	}
	return nil, awserr.New(404, "NoSuchEntity", "no such principal")
}

const testIssuer = "https://00000000-0000-4000-8000-000000000000.tokens.sts.global.api.aws"

func tokenInput(alg string, aud ...string) *stsapi.GetWebIdentityTokenInput {
	return &stsapi.GetWebIdentityTokenInput{Audience: aud, SigningAlgorithm: &alg}
}

// verifyOutbound checks a token the way an outside service would: the key
// set from the discovery document, the kid, the signature.
func verifyOutbound(t *testing.T, s *Service, tok string) *jwt {
	t.Helper()
	_, jwks, ok, err := s.OutboundDiscovery(context.Background(), acct, "http://127.0.0.1/jwks.json")
	if err != nil || !ok {
		t.Fatalf("discovery: ok=%v err=%v", ok, err)
	}
	keys, err := parseJWKS(jwks)
	if err != nil || len(keys) != 2 {
		t.Fatalf("jwks %s: %v", jwks, err)
	}
	j, err := parseJWT(tok)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if k.KeyID == j.kid && k.Alg == j.alg && verifySig(j.alg, k.Key, []byte(j.signed), j.sig) {
			return j
		}
	}
	t.Fatalf("no key of the set verifies the %s token (kid %s)", j.alg, j.kid)
	return nil
}

func TestGetWebIdentityToken(t *testing.T) {
	s, _ := newService(t)
	s.Outbound = fakeOutbound{issuer: testIssuer, tags: map[string]string{"team": "data"}}
	ctx := reqctx.With(context.Background(), &reqctx.Info{Region: "eu-west-1", Time: epoch,
		Principal: reqctx.Principal{Account: acct, ARN: userARN, UserID: "AIDAEXAMPLEALICE0000", AccessKeyID: "AKIAEXAMPLE000000000"}})
	for _, alg := range []string{algRS256, algES384} {
		in := tokenInput(alg, "https://api.example.com")
		in.DurationSeconds = aws.Int64(900)
		in.Tags = []stsapi.Tag{{Key: aws.String("job"), Value: aws.String("42")}}
		out, err := s.GetWebIdentityToken(ctx, in)
		if err != nil {
			t.Fatalf("%s: %v", alg, err)
		}
		if want := epoch.Add(900 * time.Second); !out.Expiration.Equal(want) {
			t.Errorf("%s: expiration %v, want %v", alg, out.Expiration, want)
		}
		j := verifyOutbound(t, s, *out.WebIdentityToken)
		c := j.claims
		if c["iss"] != testIssuer || c["sub"] != userARN || c["aud"] != "https://api.example.com" ||
			fmt.Sprint(c["exp"]) != fmt.Sprint(epoch.Unix()+900) || fmt.Sprint(c["iat"]) != fmt.Sprint(epoch.Unix()) || c["jti"] == "" {
			t.Errorf("%s: claims %v", alg, c)
		}
		ns, _ := c[claimNamespace].(map[string]any)
		if ns["aws_account"] != acct || ns["source_region"] != "eu-west-1" ||
			ns["principal_tags"].(map[string]any)["team"] != "data" || ns["request_tags"].(map[string]any)["job"] != "42" {
			t.Errorf("%s: AWS claims %v", alg, ns)
		}
	}
	// The same key signs every token of an account, so a verifier's
	// cached key set keeps working.
	a, _ := s.signingKey(context.Background(), acct, algRS256)
	b, _ := s.signingKey(context.Background(), acct, algRS256)
	if a.ID != b.ID {
		t.Errorf("signing key changed between calls: %s, %s", a.ID, b.ID)
	}
	// Two audiences make aud an array.
	out, err := s.GetWebIdentityToken(ctx, tokenInput(algRS256, "a.example.com", "b.example.com"))
	if err != nil {
		t.Fatal(err)
	}
	if aud, _ := verifyOutbound(t, s, *out.WebIdentityToken).claims["aud"].([]any); len(aud) != 2 {
		t.Errorf("aud %v, want two audiences", aud)
	}
}

func TestGetWebIdentityTokenRoleSession(t *testing.T) {
	s, _ := newService(t)
	s.Outbound = fakeOutbound{issuer: testIssuer}
	out, err := s.AssumeRole(as(reqctx.Principal{Account: acct, ARN: userARN, UserID: "AIDAEXAMPLEALICE0000"}),
		&stsapi.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("s1"), DurationSeconds: aws.Int64(900)})
	if err != nil {
		t.Fatal(err)
	}
	c := out.Credentials
	ctx := reqctx.With(context.Background(), &reqctx.Info{Region: "us-east-1", Time: epoch, Principal: reqctx.Principal{
		Account: acct, ARN: *out.AssumedRoleUser.Arn, AccessKeyID: *c.AccessKeyId, SessionToken: *c.SessionToken}})
	tok, err := s.GetWebIdentityToken(ctx, tokenInput(algES384, "x.example.com"))
	if err != nil {
		t.Fatal(err)
	}
	if sub := verifyOutbound(t, s, *tok.WebIdentityToken).claims["sub"]; sub != roleARN {
		t.Errorf("sub %v, want the role %s, not the session", sub, roleARN)
	}
	// A token may not outlive the session it was minted with.
	long := tokenInput(algES384, "x.example.com")
	long.DurationSeconds = aws.Int64(3600)
	_, err = s.GetWebIdentityToken(ctx, long)
	wantCode(t, err, "SessionDurationEscalationException", 403)
}

func TestGetWebIdentityTokenRefusals(t *testing.T) {
	s, _ := newService(t)
	ctx := as(reqctx.Principal{Account: acct, ARN: userARN})
	_, err := s.GetWebIdentityToken(ctx, tokenInput(algRS256, "a.example.com"))
	wantCode(t, err, "OutboundWebIdentityFederationDisabledException", 403)
	s.Outbound = fakeOutbound{issuer: testIssuer}
	_, err = s.GetWebIdentityToken(ctx, tokenInput("HS256", "a.example.com"))
	wantCode(t, err, "ValidationError", 400)
	if _, _, ok, _ := s.OutboundDiscovery(context.Background(), other, "x"); ok {
		t.Error("discovery served for an account without the feature")
	}
}

func wantCode(t *testing.T, err error, code string, status int) {
	t.Helper()
	e := awserr.As(err)
	if e == nil || e.Code != code || e.Status != status {
		t.Fatalf("got %v, want %s (%d)", err, code, status)
	}
}
