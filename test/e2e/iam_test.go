package e2e

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

const (
	e2eAllowS3  = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`
	e2eTrustEC2 = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
)

// TestIAMSDKLifecycle drives users, groups, roles and policies with
// aws-sdk-go-v2, deleting in the order AWS enforces.
func TestIAMSDKLifecycle(t *testing.T) {
	s := StartServer(t)
	ctx := context.Background()
	c := iam.NewFromConfig(s.DefaultConfig())

	if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice"), Tags: []iamtypes.Tag{{Key: aws.String("team"), Value: aws.String("a")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")}); apiCode(t, err) != "EntityAlreadyExists" {
		t.Fatalf("duplicate user: %v", err)
	}
	if _, err := c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("devs")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("devs"), UserName: aws.String("alice")}); err != nil {
		t.Fatal(err)
	}
	pol, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("s3all"), PolicyDocument: aws.String(e2eAllowS3)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("bad"), PolicyDocument: aws.String(`{"Statement":[{"Effect":"Allow"}]}`)}); apiCode(t, err) != "MalformedPolicyDocument" {
		t.Fatalf("malformed policy: %v", err)
	}
	if _, err := c.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String("devs"), PolicyArn: pol.Policy.Arn}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("web"), AssumeRolePolicyDocument: aws.String(e2eTrustEC2)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("web"), PolicyArn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")}); err != nil {
		t.Fatal(err)
	}
	role, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("web")})
	if err != nil {
		t.Fatal(err)
	}
	if doc, _ := url.QueryUnescape(aws.ToString(role.Role.AssumeRolePolicyDocument)); doc != e2eTrustEC2 {
		t.Fatalf("trust policy = %q", aws.ToString(role.Role.AssumeRolePolicyDocument))
	}

	g, err := c.GetGroup(ctx, &iam.GetGroupInput{GroupName: aws.String("devs")})
	if err != nil || len(g.Users) != 1 || aws.ToString(g.Users[0].UserName) != "alice" {
		t.Fatalf("GetGroup = %+v, %v", g, err)
	}
	att, err := c.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("web")})
	if err != nil || len(att.AttachedPolicies) != 1 || aws.ToString(att.AttachedPolicies[0].PolicyName) != "ReadOnlyAccess" {
		t.Fatalf("attached = %+v, %v", att, err)
	}
	// Paging through all users with the SDK's paginator.
	for _, n := range []string{"u1", "u2", "u3"} {
		if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(n)}); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	pager := iam.NewListUsersPaginator(c, &iam.ListUsersInput{MaxItems: aws.Int32(2)})
	for pager.HasMorePages() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range page.Users {
			names = append(names, aws.ToString(u.UserName))
		}
	}
	if strings.Join(names, ",") != "alice,u1,u2,u3" {
		t.Fatalf("paged users = %v", names)
	}

	// Deletion in AWS's order: each dependency first.
	if _, err := c.DeleteGroup(ctx, &iam.DeleteGroupInput{GroupName: aws.String("devs")}); apiCode(t, err) != "DeleteConflict" {
		t.Fatalf("delete non-empty group: %v", err)
	}
	if _, err := c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: pol.Policy.Arn}); apiCode(t, err) != "DeleteConflict" {
		t.Fatalf("delete attached policy: %v", err)
	}
	if _, err := c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("web")}); apiCode(t, err) != "DeleteConflict" {
		t.Fatalf("delete role with policy: %v", err)
	}
	steps := []func() error{
		func() error {
			_, err := c.RemoveUserFromGroup(ctx, &iam.RemoveUserFromGroupInput{GroupName: aws.String("devs"), UserName: aws.String("alice")})
			return err
		},
		func() error {
			_, err := c.DetachGroupPolicy(ctx, &iam.DetachGroupPolicyInput{GroupName: aws.String("devs"), PolicyArn: pol.Policy.Arn})
			return err
		},
		func() error {
			_, err := c.DeleteGroup(ctx, &iam.DeleteGroupInput{GroupName: aws.String("devs")})
			return err
		},
		func() error {
			_, err := c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: pol.Policy.Arn})
			return err
		},
		func() error {
			_, err := c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("alice")})
			return err
		},
		func() error {
			_, err := c.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String("web"), PolicyArn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")})
			return err
		},
		func() error {
			_, err := c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("web")})
			return err
		},
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	if _, err := c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("alice")}); apiCode(t, err) != "NoSuchEntity" {
		t.Fatalf("deleted user: %v", err)
	}
}

// TestIAMAccessKeysSignRequests checks that keys IAM issues authenticate
// real requests as their user, and stop when deactivated or deleted.
func TestIAMAccessKeysSignRequests(t *testing.T) {
	s := StartServer(t)
	ctx := context.Background()
	c := iam.NewFromConfig(s.DefaultConfig())
	if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")}); err != nil {
		t.Fatal(err)
	}
	k, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	id, secret := aws.ToString(k.AccessKey.AccessKeyId), aws.ToString(k.AccessKey.SecretAccessKey)
	if _, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("alice")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("alice")}); apiCode(t, err) != "LimitExceeded" {
		t.Fatalf("third key: %v", err)
	}

	asAlice := sts.NewFromConfig(s.AWSConfig(id, secret, ""))
	who, err := asAlice.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(who.Arn) != "arn:aws:iam::000000000000:user/alice" || !strings.HasPrefix(aws.ToString(who.UserId), "AIDA") {
		t.Fatalf("identity = %s %s", aws.ToString(who.Arn), aws.ToString(who.UserId))
	}
	// A user starts with no permissions: IAM denies, saying why.
	aliceIAM := iam.NewFromConfig(s.AWSConfig(id, secret, ""))
	_, err = aliceIAM.GetUser(ctx, &iam.GetUserInput{})
	if apiCode(t, err) != "AccessDenied" || !strings.Contains(err.Error(),
		"User: arn:aws:iam::000000000000:user/alice is not authorized to perform: iam:GetUser on resource: arn:aws:iam::000000000000:user/alice because no identity-based policy allows the iam:GetUser action") {
		t.Fatalf("GetUser before any policy: %v", err)
	}
	// A policy with a variable lets each user read only themselves.
	self := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"arn:aws:iam::000000000000:user/${aws:username}"}]}`
	if _, err := c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("self"), PolicyDocument: aws.String(self)}); err != nil {
		t.Fatal(err)
	}
	me, err := aliceIAM.GetUser(ctx, &iam.GetUserInput{})
	if err != nil || aws.ToString(me.User.UserName) != "alice" {
		t.Fatalf("GetUser as alice = %+v, %v", me, err)
	}
	if _, err := aliceIAM.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("root-admin")}); apiCode(t, err) != "AccessDenied" {
		t.Fatalf("GetUser of another user: %v", err)
	}
	if _, err := sts.NewFromConfig(s.AWSConfig(id, "wrong-secret", "")).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); apiCode(t, err) != "SignatureDoesNotMatch" {
		t.Fatalf("wrong secret: %v", err)
	}

	if _, err := c.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("alice"), AccessKeyId: &id, Status: iamtypes.StatusTypeInactive}); err != nil {
		t.Fatal(err)
	}
	if _, err := asAlice.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); apiCode(t, err) != "InvalidClientTokenId" {
		t.Fatalf("inactive key: %v", err)
	}
	if _, err := c.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("alice"), AccessKeyId: &id, Status: iamtypes.StatusTypeActive}); err != nil {
		t.Fatal(err)
	}
	if _, err := asAlice.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatalf("reactivated key: %v", err)
	}
	last, err := c.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: &id})
	if err != nil || last.AccessKeyLastUsed.LastUsedDate == nil || aws.ToString(last.UserName) != "alice" {
		t.Fatalf("last used = %+v, %v", last, err)
	}
	if _, err := c.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String("alice"), AccessKeyId: &id}); err != nil {
		t.Fatal(err)
	}
	if _, err := asAlice.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); apiCode(t, err) != "InvalidClientTokenId" {
		t.Fatalf("deleted key: %v", err)
	}
}

// TestIAMPolicyVersionLimit checks the five-version quota.
func TestIAMPolicyVersionLimit(t *testing.T) {
	s := StartServer(t)
	ctx := context.Background()
	c := iam.NewFromConfig(s.DefaultConfig())
	p, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("p"), PolicyDocument: aws.String(e2eAllowS3)})
	if err != nil {
		t.Fatal(err)
	}
	for i := 2; i <= 6; i++ {
		_, err := c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: p.Policy.Arn, PolicyDocument: aws.String(e2eAllowS3)})
		if i <= 5 && err != nil {
			t.Fatalf("version %d: %v", i, err)
		}
		if i == 6 && apiCode(t, err) != "LimitExceeded" {
			t.Fatalf("sixth version: %v", err)
		}
	}
	v, err := c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: p.Policy.Arn, VersionId: aws.String("v1")})
	if err != nil || !v.PolicyVersion.IsDefaultVersion {
		t.Fatalf("v1 = %+v, %v", v, err)
	}
	admin, err := c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String("arn:aws:iam::aws:policy/AdministratorAccess")})
	if err != nil || aws.ToString(admin.Policy.PolicyId) != "ANPAIWMBCKSKIEE64ZLYK" {
		t.Fatalf("AdministratorAccess = %+v, %v", admin, err)
	}
}

// TestIAMCLIv2 drives IAM with Debian's aws CLI v2, which decodes the
// URL-encoded policy documents IAM returns.
func TestIAMCLIv2(t *testing.T) {
	s := StartServer(t)
	path, ok := awsCLIs(t)["v2"]
	if !ok {
		missing(t, "aws CLI v2")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	run := func(args ...string) (string, error) {
		out, stderr, err := cli(ctx, s, "v2", path, append([]string{"--endpoint-url", s.URL, "--output", "json", "iam"}, args...)...)
		if err != nil {
			return out + stderr, err
		}
		return out, nil
	}
	mustRun := func(args ...string) string {
		t.Helper()
		out, err := run(args...)
		if err != nil {
			t.Fatalf("aws iam %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
	mustRun("create-user", "--user-name", "bob", "--path", "/ops/")
	mustRun("put-user-policy", "--user-name", "bob", "--policy-name", "s3", "--policy-document", e2eAllowS3)
	var got struct{ PolicyDocument map[string]any }
	if err := json.Unmarshal([]byte(mustRun("get-user-policy", "--user-name", "bob", "--policy-name", "s3")), &got); err != nil || got.PolicyDocument["Version"] != "2012-10-17" {
		t.Fatalf("get-user-policy = %+v, %v", got, err)
	}
	mustRun("attach-user-policy", "--user-name", "bob", "--policy-arn", "arn:aws:iam::aws:policy/IAMFullAccess")
	if out, err := run("delete-user", "--user-name", "bob"); err == nil || !strings.Contains(out, "DeleteConflict") {
		t.Fatalf("delete-user with policies: %v\n%s", err, out)
	}
	mustRun("delete-user-policy", "--user-name", "bob", "--policy-name", "s3")
	mustRun("detach-user-policy", "--user-name", "bob", "--policy-arn", "arn:aws:iam::aws:policy/IAMFullAccess")
	mustRun("delete-user", "--user-name", "bob")
	if out, err := run("create-role", "--role-name", "r", "--assume-role-policy-document", e2eAllowS3); err == nil || !strings.Contains(out, "MalformedPolicyDocument") {
		t.Fatalf("role with an identity policy as trust policy: %v\n%s", err, out)
	}
	if out := mustRun("list-policies", "--scope", "AWS", "--path-prefix", "/service-role/"); !strings.Contains(out, "AWSLambdaBasicExecutionRole") {
		t.Fatalf("list-policies: %s", out)
	}
}
