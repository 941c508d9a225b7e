package server

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/reqctx"

	iamapi "hakoniwa/internal/api/iam"
)

// TestInstanceRoles is the path an instance's credentials take: IAM
// resolves the profile, STS issues a session of its role as
// ec2.amazonaws.com, and the verifier accepts the keys as that session.
func TestInstanceRoles(t *testing.T) {
	s, err := New(Config{Ephemeral: true, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop(context.Background())
	ctx := reqctx.With(context.Background(), &reqctx.Info{Region: "us-east-1",
		Principal: reqctx.Principal{Type: "Root", Account: DefaultAccount, ARN: "arn:aws:iam::" + DefaultAccount + ":root"}})
	trust := func(service string) *string {
		doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"` + service + `"},"Action":"sts:AssumeRole"}]}`
		return &doc
	}
	for _, r := range []struct{ role, service, profile string }{
		{"web", "ec2.amazonaws.com", "web"}, {"fn", "lambda.amazonaws.com", "fn"},
	} {
		if _, err := s.iam.CreateRole(ctx, &iamapi.CreateRoleInput{RoleName: &r.role, AssumeRolePolicyDocument: trust(r.service)}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.iam.CreateInstanceProfile(ctx, &iamapi.CreateInstanceProfileInput{InstanceProfileName: &r.profile}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.iam.AddRoleToInstanceProfile(ctx, &iamapi.AddRoleToInstanceProfileInput{InstanceProfileName: &r.profile, RoleName: &r.role}); err != nil {
			t.Fatal(err)
		}
	}
	empty := "empty"
	if _, err := s.iam.CreateInstanceProfile(ctx, &iamapi.CreateInstanceProfileInput{InstanceProfileName: &empty}); err != nil {
		t.Fatal(err)
	}
	roles := ec2Roles{s.deps}

	byName, err := roles.InstanceProfile(ctx, DefaultAccount, "web")
	if err != nil {
		t.Fatal(err)
	}
	if byName.ARN != "arn:aws:iam::000000000000:instance-profile/web" || byName.RoleARN != "arn:aws:iam::000000000000:role/web" ||
		byName.RoleName != "web" || !strings.HasPrefix(byName.ID, "AIPA") {
		t.Fatalf("profile by name: %+v", byName)
	}
	if byARN, err := roles.InstanceProfile(ctx, DefaultAccount, byName.ARN); err != nil || byARN != byName {
		t.Fatalf("profile by ARN: %+v %v", byARN, err)
	}
	if p, err := roles.InstanceProfile(ctx, DefaultAccount, "empty"); err != nil || p.RoleARN != "" {
		t.Fatalf("profile without a role: %+v %v", p, err)
	}
	for _, bad := range []struct{ ref, msg string }{
		{"nope", "Value (nope) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name"},
		{"arn:aws:iam::000000000000:instance-profile/other-path/web", "Value (arn:aws:iam::000000000000:instance-profile/other-path/web) for parameter iamInstanceProfile.arn is invalid. Invalid IAM Instance Profile ARN"},
		{"arn:aws:iam::999999999999:instance-profile/web", "for parameter iamInstanceProfile.arn is invalid"},
		{"arn:aws:iam::000000000000:role/web", "for parameter iamInstanceProfile.arn is invalid"},
	} {
		_, err := roles.InstanceProfile(ctx, DefaultAccount, bad.ref)
		if e := awserr.As(err); e == nil || e.Code != "InvalidParameterValue" || e.Status != 400 || !strings.Contains(e.Message, bad.msg) {
			t.Errorf("%s: %v", bad.ref, err)
		}
	}

	c, err := roles.InstanceCredentials(context.Background(), DefaultAccount, byName.RoleARN, "i-0123456789abcdef0")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(c.AccessKeyID, "ASIA") || c.SecretAccessKey == "" || c.SessionToken == "" || !c.Expiration.After(s.cfg.Clock.Now()) {
		t.Fatalf("credentials: %+v", c)
	}
	cred, ok, err := s.deps.sts.Lookup(context.Background(), c.AccessKeyID)
	if err != nil || !ok || cred.PrincipalARN != "arn:aws:sts::000000000000:assumed-role/web/i-0123456789abcdef0" ||
		cred.SecretAccessKey != c.SecretAccessKey || cred.SessionToken != c.SessionToken {
		t.Fatalf("verifier sees %+v %v %v", cred, ok, err)
	}
	// A role that trusts another service is not EC2's to assume.
	_, err = roles.InstanceCredentials(context.Background(), DefaultAccount, "arn:aws:iam::000000000000:role/fn", "i-0123456789abcdef0")
	if e := awserr.As(err); e == nil || e.Code != "AccessDenied" {
		t.Fatalf("role trusting lambda: %v", err)
	}
}
