package sts

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/clock"
	"hakoniwa/internal/ids"
	"hakoniwa/internal/reqctx"
	"hakoniwa/internal/sigv4"
	"hakoniwa/internal/store"

	stsapi "hakoniwa/internal/api/sts"
)

const (
	acct    = "000000000000"
	other   = "111122223333"
	userARN = "arn:aws:iam::000000000000:user/alice"
	roleARN = "arn:aws:iam::000000000000:role/deploy"
	shortRo = "arn:aws:iam::000000000000:role/short"
	xRole   = "arn:aws:iam::111122223333:role/partner"
	s3Read  = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
	mfaARN  = "arn:aws:iam::000000000000:mfa/alice"
	goodTOT = "123456"
)

type fakeIAM struct{}

func (fakeIAM) RoleForAssume(_ context.Context, arn string) (Role, error) {
	switch arn {
	case roleARN:
		return Role{ARN: arn, ID: "AROAEXAMPLEDEPLOY000", Name: "deploy", Account: acct, MaxSessionDuration: 7200}, nil
	case shortRo:
		return Role{ARN: arn, ID: "AROAEXAMPLESHORT0000", Name: "short", Account: acct}, nil
	case xRole:
		return Role{ARN: arn, ID: "AROAEXAMPLEPARTNER00", Name: "partner", Account: other, MaxSessionDuration: 3600}, nil
	}
	return Role{}, awserr.New(http.StatusNotFound, "NoSuchEntity", "The role with name x cannot be found.")
}

func (fakeIAM) ManagedPolicyDocument(_ context.Context, account, arn string) (string, error) {
	if arn == s3Read {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:List*"],"Resource":"*"}]}`, nil
	}
	return "", awserr.New(http.StatusNotFound, "NoSuchEntity", "Policy %s was not found.", arn)
}

type fakeMFA struct{}

func (fakeMFA) CheckMFACode(_ context.Context, account, serial, code string) (string, error) {
	if account == acct && serial == mfaARN && code == goodTOT {
		return userARN, nil
	}
	return "", awserr.New(http.StatusForbidden, "AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass code.")
}

var epoch = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func newService(t *testing.T) (*Service, *clock.Manual) {
	t.Helper()
	c := clock.NewManual(epoch)
	s := New(store.OpenMemory(), c, ids.Seeded(7))
	s.IAM, s.MFA = fakeIAM{}, fakeMFA{}
	return s, c
}

func as(p reqctx.Principal) context.Context {
	return reqctx.With(context.Background(), &reqctx.Info{Principal: p, Time: epoch})
}

var (
	alice = reqctx.Principal{Type: "IAMUser", Account: acct, ARN: userARN, UserID: "AIDAEXAMPLEALICE0000", UserName: "alice", AccessKeyID: "AKIAEXAMPLE"}
	root  = reqctx.Principal{Type: "Root", Account: acct, ARN: "arn:aws:iam::000000000000:root", UserID: acct, AccessKeyID: "test"}
)

// sessionOf is the principal that signs with c, as the gateway builds it.
func sessionOf(typ string, c *stsapi.Credentials, arn, userID string) reqctx.Principal {
	acct, _ := ids.AccountFromAccessKeyID(*c.AccessKeyId)
	return reqctx.Principal{Type: typ, Account: acct, ARN: arn, UserID: userID, AccessKeyID: *c.AccessKeyId, SessionToken: *c.SessionToken}
}

func code(err error) string {
	var e *awserr.Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err != nil {
		return "non-AWS: " + err.Error()
	}
	return ""
}

func tags(kv ...string) []stsapi.Tag {
	var out []stsapi.Tag
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, stsapi.Tag{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
	}
	return out
}

func TestAssumeRoleValidation(t *testing.T) {
	bigPolicy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::` + strings.Repeat("b", 2100) + `"}]}`
	manyARNs := make([]stsapi.PolicyDescriptorType, 11)
	for i := range manyARNs {
		manyARNs[i].Arn = aws.String(s3Read)
	}
	var manyTags []stsapi.Tag
	for i := range 51 {
		manyTags = append(manyTags, tags(fmt.Sprint("k", i), "v")...)
	}
	var hugeTags []stsapi.Tag
	src := ids.Seeded(3)
	for i := range 40 {
		hugeTags = append(hugeTags, tags(fmt.Sprint("k", i), src.Secret()+src.Secret()+src.Secret())...)
	}
	cases := []struct {
		name     string
		in       stsapi.AssumeRoleInput
		wantCode string
		wantMsg  string
	}{
		{name: "default hour", in: stsapi.AssumeRoleInput{RoleArn: aws.String(roleARN)}},
		{name: "up to the role's maximum", in: stsapi.AssumeRoleInput{RoleArn: aws.String(roleARN), DurationSeconds: aws.Int64(7200)}},
		{name: "beyond the role's maximum", in: stsapi.AssumeRoleInput{RoleArn: aws.String(roleARN), DurationSeconds: aws.Int64(7201)},
			wantCode: "ValidationError", wantMsg: "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."},
		{name: "role maximum defaults to an hour", in: stsapi.AssumeRoleInput{RoleArn: aws.String(shortRo), DurationSeconds: aws.Int64(3601)},
			wantCode: "ValidationError", wantMsg: "MaxSessionDuration"},
		{name: "missing role is not revealed", in: stsapi.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::000000000000:role/ghost")},
			wantCode: "AccessDenied", wantMsg: "User: " + userARN + " is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::000000000000:role/ghost"},
		{name: "not an ARN", in: stsapi.AssumeRoleInput{RoleArn: aws.String("deploy-role-name")}, wantCode: "ValidationError", wantMsg: "deploy-role-name is invalid"},
		{name: "malformed session policy", in: stsapi.AssumeRoleInput{RoleArn: aws.String(roleARN), Policy: aws.String(`{"Statement":[`)},
			wantCode: "MalformedPolicyDocument"},
		{name: "session policy may not name a principal", in: stsapi.AssumeRoleInput{RoleArn: aws.String(roleARN),
			Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]}`)},
			wantCode: "MalformedPolicyDocument"},
		{name: "session policy too long", in: stsapi.AssumeRoleInput{RoleArn: aws.String(roleARN), Policy: aws.String(bigPolicy)},
			wantCode: "ValidationError", wantMsg: "less than or equal to 2048"},
		{name: "eleven policy ARNs", in: stsapi.AssumeRoleInput{RoleArn: aws.String(roleARN), PolicyArns: manyARNs},
			wantCode: "ValidationError", wantMsg: "less than or equal to 10"},
		{name: "unknown managed policy", in: stsapi.AssumeRoleInput{RoleArn: aws.String(roleARN),
			PolicyArns: []stsapi.PolicyDescriptorType{{Arn: aws.String("arn:aws:iam::000000000000:policy/nope")}}},
			wantCode: "InvalidParameterValue"},
		{name: "duplicate tag keys ignore case", in: stsapi.AssumeRoleInput{RoleArn: aws.String(roleARN), Tags: tags("Team", "a", "team", "b")},
			wantCode: "InvalidParameterValue", wantMsg: "Duplicate tag keys found. Please note that Tag keys are case insensitive."},
		{name: "transitive key must be a tag", in: stsapi.AssumeRoleInput{RoleArn: aws.String(roleARN), Tags: tags("team", "a"), TransitiveTagKeys: []string{"project"}},
			wantCode: "InvalidParameterValue", wantMsg: "The specified transitive tag key must be included in the requested tags."},
		{name: "51 tags", in: stsapi.AssumeRoleInput{RoleArn: aws.String(roleARN), Tags: manyTags}, wantCode: "ValidationError"},
		{name: "tags beyond the packed size", in: stsapi.AssumeRoleInput{RoleArn: aws.String(roleARN), Tags: hugeTags},
			wantCode: "PackedPolicyTooLarge", wantMsg: "Packed size of session tags consumes"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := newService(t)
			tc.in.RoleSessionName = aws.String("s1")
			out, err := s.AssumeRole(as(alice), &tc.in)
			if code(err) != tc.wantCode {
				t.Fatalf("err = %v, want code %q", err, tc.wantCode)
			}
			if err != nil {
				if !strings.Contains(err.Error(), tc.wantMsg) {
					t.Fatalf("message %q does not contain %q", err.Error(), tc.wantMsg)
				}
				return
			}
			want := epoch.Add(time.Hour)
			if tc.in.DurationSeconds != nil {
				want = epoch.Add(time.Duration(*tc.in.DurationSeconds) * time.Second)
			}
			if !out.Credentials.Expiration.Equal(want) {
				t.Fatalf("expires %v, want %v", out.Credentials.Expiration, want)
			}
		})
	}
}

func TestAssumeRoleSession(t *testing.T) {
	s, _ := newService(t)
	ctx := as(alice)
	out, err := s.AssumeRole(ctx, &stsapi.AssumeRoleInput{
		RoleArn: aws.String(roleARN), RoleSessionName: aws.String("build-7"),
		Policy:     aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`),
		PolicyArns: []stsapi.PolicyDescriptorType{{Arn: aws.String(s3Read)}},
		Tags:       tags("team", "red", "project", "x"), TransitiveTagKeys: []string{"team"},
		SourceIdentity: aws.String("alice"),
	})
	if err != nil {
		t.Fatal(err)
	}
	c := out.Credentials
	if !strings.HasPrefix(*c.AccessKeyId, "ASIA") || len(*c.SecretAccessKey) != 40 || *c.SessionToken == "" {
		t.Fatalf("credentials %+v", c)
	}
	wantARN := "arn:aws:sts::000000000000:assumed-role/deploy/build-7"
	if *out.AssumedRoleUser.Arn != wantARN || *out.AssumedRoleUser.AssumedRoleId != "AROAEXAMPLEDEPLOY000:build-7" {
		t.Fatalf("assumed role user %s %s", *out.AssumedRoleUser.Arn, *out.AssumedRoleUser.AssumedRoleId)
	}
	if out.PackedPolicySize == nil || *out.PackedPolicySize <= 0 || *out.PackedPolicySize > 100 {
		t.Fatalf("packed size %v", out.PackedPolicySize)
	}
	if aws.ToString(out.SourceIdentity) != "alice" {
		t.Fatalf("source identity %v", out.SourceIdentity)
	}
	cred, ok, err := s.Lookup(ctx, *c.AccessKeyId)
	if err != nil || !ok || cred.PrincipalARN != wantARN || cred.UserID != "AROAEXAMPLEDEPLOY000:build-7" || cred.Account != acct {
		t.Fatalf("lookup = %+v %v %v", cred, ok, err)
	}
	info, ok, err := s.Session(ctx, *c.AccessKeyId)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	if info.Kind != KindAssumedRole || info.IssuedFor != roleARN || len(info.Policies) != 2 || info.Tags["team"] != "red" || info.MFA || info.SourceIdentity != "alice" || !info.Issued.Equal(epoch) {
		t.Fatalf("session info %+v", info)
	}

	// Chaining: an hour at most, transitive tags and the source identity
	// carry over and cannot be replaced.
	chain := as(sessionOf("AssumedRole", c, wantARN, "AROAEXAMPLEDEPLOY000:build-7"))
	chainCases := []struct {
		name     string
		in       stsapi.AssumeRoleInput
		wantCode string
		wantMsg  string
	}{
		{name: "more than an hour", in: stsapi.AssumeRoleInput{DurationSeconds: aws.Int64(3601)},
			wantCode: "ValidationError", wantMsg: "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."},
		{name: "replacing a transitive tag", in: stsapi.AssumeRoleInput{Tags: tags("TEAM", "blue")},
			wantCode: "InvalidParameterValue", wantMsg: "conflicts with a transitive tag key from the calling session"},
		{name: "changing the source identity", in: stsapi.AssumeRoleInput{SourceIdentity: aws.String("mallory")}, wantCode: "ValidationError"},
		{name: "an hour", in: stsapi.AssumeRoleInput{DurationSeconds: aws.Int64(3600), Tags: tags("stage", "2")}},
	}
	for _, tc := range chainCases {
		t.Run(tc.name, func(t *testing.T) {
			tc.in.RoleArn, tc.in.RoleSessionName = aws.String(roleARN), aws.String("hop")
			out, err := s.AssumeRole(chain, &tc.in)
			if code(err) != tc.wantCode || (err != nil && !strings.Contains(err.Error(), tc.wantMsg)) {
				t.Fatalf("err = %v, want %s %q", err, tc.wantCode, tc.wantMsg)
			}
			if err != nil {
				return
			}
			info, _, _ := s.Session(chain, *out.Credentials.AccessKeyId)
			if info.Tags["team"] != "red" || info.Tags["stage"] != "2" || info.Tags["project"] != "" || info.SourceIdentity != "alice" {
				t.Fatalf("chained session %+v", info)
			}
		})
	}
}

func TestAssumeRoleCrossAccount(t *testing.T) {
	s, _ := newService(t)
	out, err := s.AssumeRole(as(alice), &stsapi.AssumeRoleInput{RoleArn: aws.String(xRole), RoleSessionName: aws.String("x")})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := ids.AccountFromAccessKeyID(*out.Credentials.AccessKeyId); got != other {
		t.Fatalf("key account %s", got)
	}
	if *out.AssumedRoleUser.Arn != "arn:aws:sts::111122223333:assumed-role/partner/x" {
		t.Fatal(*out.AssumedRoleUser.Arn)
	}
	if out.PackedPolicySize != nil {
		t.Fatalf("packed size without policies: %d", *out.PackedPolicySize)
	}
}

func TestMFA(t *testing.T) {
	cases := []struct {
		name     string
		serial   *string
		code     *string
		wantCode string
		wantMsg  string
	}{
		{name: "valid code", serial: aws.String(mfaARN), code: aws.String(goodTOT)},
		{name: "wrong code", serial: aws.String(mfaARN), code: aws.String("000000"),
			wantCode: "AccessDenied", wantMsg: "MultiFactorAuthentication failed with invalid MFA one time pass code."},
		{name: "code without serial", code: aws.String(goodTOT), wantCode: "AccessDenied", wantMsg: "unable to validate MFA code"},
		{name: "another user's device", serial: aws.String("arn:aws:iam::000000000000:mfa/bob"), code: aws.String(goodTOT), wantCode: "AccessDenied"},
	}
	for _, tc := range cases {
		t.Run("GetSessionToken "+tc.name, func(t *testing.T) {
			s, c := newService(t)
			out, err := s.GetSessionToken(as(alice), &stsapi.GetSessionTokenInput{SerialNumber: tc.serial, TokenCode: tc.code})
			if code(err) != tc.wantCode || (err != nil && !strings.Contains(err.Error(), tc.wantMsg)) {
				t.Fatalf("err = %v, want %s %q", err, tc.wantCode, tc.wantMsg)
			}
			if err != nil {
				return
			}
			info, _, _ := s.Session(as(alice), *out.Credentials.AccessKeyId)
			if !info.MFA || !info.MFAAuthTime.Equal(epoch) || info.Kind != KindSessionToken || info.IssuedFor != userARN {
				t.Fatalf("session %+v", info)
			}
			// A role assumed with that session keeps the authentication.
			c.Advance(10 * time.Minute)
			sess := as(sessionOf("IAMUser", out.Credentials, userARN, alice.UserID))
			ar, err := s.AssumeRole(sess, &stsapi.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("m")})
			if err != nil {
				t.Fatal(err)
			}
			info, _, _ = s.Session(sess, *ar.Credentials.AccessKeyId)
			if !info.MFA || !info.MFAAuthTime.Equal(epoch) {
				t.Fatalf("chained MFA %+v", info)
			}
		})
		t.Run("AssumeRole "+tc.name, func(t *testing.T) {
			s, _ := newService(t)
			out, err := s.AssumeRole(as(alice), &stsapi.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("m"), SerialNumber: tc.serial, TokenCode: tc.code})
			if code(err) != tc.wantCode {
				t.Fatalf("err = %v, want %s", err, tc.wantCode)
			}
			if err != nil {
				return
			}
			info, _, _ := s.Session(as(alice), *out.Credentials.AccessKeyId)
			if !info.MFA {
				t.Fatalf("session %+v", info)
			}
		})
	}
	s, _ := newService(t)
	out, err := s.GetSessionToken(as(alice), &stsapi.GetSessionTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	if info, _, _ := s.Session(as(alice), *out.Credentials.AccessKeyId); info.MFA {
		t.Fatal("session without MFA says MFA")
	}
}

func TestGetFederationToken(t *testing.T) {
	cases := []struct {
		name       string
		who        reqctx.Principal
		in         stsapi.GetFederationTokenInput
		wantCode   string
		wantExpiry time.Duration
		policies   int
	}{
		{name: "user, default 12 hours, no policy", who: alice, wantExpiry: 12 * time.Hour},
		{name: "user, 36 hours with policies", who: alice, wantExpiry: 36 * time.Hour, policies: 2, in: stsapi.GetFederationTokenInput{
			DurationSeconds: aws.Int64(129600), PolicyArns: []stsapi.PolicyDescriptorType{{Arn: aws.String(s3Read)}},
			Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)}},
		{name: "root is capped at an hour", who: root, wantExpiry: time.Hour, in: stsapi.GetFederationTokenInput{DurationSeconds: aws.Int64(7200)}},
		{name: "duplicate tags", who: alice, in: stsapi.GetFederationTokenInput{Tags: tags("a", "1", "A", "2")}, wantCode: "InvalidParameterValue"},
		{name: "session credentials", who: reqctx.Principal{Type: "IAMUser", Account: acct, ARN: userARN, AccessKeyID: "ASIAX", SessionToken: "t"}, wantCode: "AccessDenied"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := newService(t)
			tc.in.Name = aws.String("bob")
			out, err := s.GetFederationToken(as(tc.who), &tc.in)
			if code(err) != tc.wantCode {
				t.Fatalf("err = %v, want %q", err, tc.wantCode)
			}
			if err != nil {
				return
			}
			if *out.FederatedUser.Arn != "arn:aws:sts::000000000000:federated-user/bob" || *out.FederatedUser.FederatedUserId != "000000000000:bob" {
				t.Fatalf("federated user %s %s", *out.FederatedUser.Arn, *out.FederatedUser.FederatedUserId)
			}
			if got := out.Credentials.Expiration.Sub(epoch); got != tc.wantExpiry {
				t.Fatalf("lasts %v, want %v", got, tc.wantExpiry)
			}
			info, _, _ := s.Session(as(tc.who), *out.Credentials.AccessKeyId)
			if info.Kind != KindFederated || info.IssuedFor != tc.who.ARN || len(info.Policies) != tc.policies {
				t.Fatalf("session %+v", info)
			}
		})
	}
}

// TestExpiredSession signs a request with a session's credentials and
// verifies it as the gateway does, before and after the session ends.
func TestExpiredSession(t *testing.T) {
	s, c := newService(t)
	out, err := s.AssumeRole(as(alice), &stsapi.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("e"), DurationSeconds: aws.Int64(900)})
	if err != nil {
		t.Fatal(err)
	}
	cr := out.Credentials
	verifier := sigv4.New(sigv4.Config{Credentials: s, Now: c.Now, Strict: true})
	verify := func() error {
		req, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:4566/", strings.NewReader("Action=GetCallerIdentity&Version=2011-06-15"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Amz-Security-Token", *cr.SessionToken)
		const hash = "ab821ae955788b0e33ebd34c208442ccfc2d406e2edc5e7a39bd6458fbb4f843" // sha256 of the body
		err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: *cr.AccessKeyId, SecretAccessKey: *cr.SecretAccessKey, SessionToken: *cr.SessionToken},
			req, hash, "sts", "us-east-1", c.Now())
		if err != nil {
			t.Fatal(err)
		}
		_, err = verifier.VerifyFor(req, "sts")
		return err
	}
	if err := verify(); err != nil {
		t.Fatalf("fresh session refused: %v", err)
	}
	c.Advance(901 * time.Second)
	if err := verify(); code(err) != "ExpiredToken" {
		t.Fatalf("expired session: %v", err)
	}
}
