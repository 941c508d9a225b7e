package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
)

// createRole makes a role with a trust policy and one inline policy.
func createRole(t *testing.T, cfg aws.Config, name, trust, policy string) string {
	t.Helper()
	ctx := context.Background()
	c := iam.NewFromConfig(cfg)
	out, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trust)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String("p"), PolicyDocument: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	return *out.Role.Arn
}

func trustOf(principal, condition string) string {
	c := ""
	if condition != "" {
		c = `,"Condition":` + condition
	}
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + principal + `"},"Action":"sts:AssumeRole"` + c + `}]}`
}

func allowing(actions ...string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["` + strings.Join(actions, `","`) + `"],"Resource":"*"}]}`
}

func sessionConfig(s *Server, c *ststypes.Credentials) aws.Config {
	return s.AWSConfig(*c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken)
}

func TestAssumeRole(t *testing.T) {
	s := StartServer(t)
	ctx := context.Background()
	root := s.DefaultConfig()
	dev := newUser(t, s, "dev", allowing("sts:AssumeRole", "sts:GetFederationToken", "cloudtrail:LookupEvents", "cloudtrail:DescribeTrails"))
	nobody := newUser(t, s, "nobody", "")
	devARN := "arn:aws:iam::000000000000:user/dev"
	reader := createRole(t, root, "reader", trustOf(devARN, ""), allowing("iam:ListUsers", "iam:ListRoles"))
	closed := createRole(t, root, "closed", trustOf("arn:aws:iam::000000000000:user/nobody", ""), allowing("iam:*"))
	ext := createRole(t, root, "vendor", trustOf("arn:aws:iam::000000000000:root", `{"StringEquals":{"sts:ExternalId":"Unicorn-42"}}`), allowing("iam:ListUsers"))
	devSTS := sts.NewFromConfig(dev)

	t.Run("acts as the role", func(t *testing.T) {
		out, err := devSTS.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(reader), RoleSessionName: aws.String("s1")})
		if err != nil {
			t.Fatal(err)
		}
		wantARN := "arn:aws:sts::000000000000:assumed-role/reader/s1"
		if aws.ToString(out.AssumedRoleUser.Arn) != wantARN || !strings.HasPrefix(aws.ToString(out.AssumedRoleUser.AssumedRoleId), "AROA") {
			t.Fatalf("assumed role user %+v", out.AssumedRoleUser)
		}
		if !strings.HasPrefix(*out.Credentials.AccessKeyId, "ASIA") {
			t.Fatalf("key %s", *out.Credentials.AccessKeyId)
		}
		role := sessionConfig(s, out.Credentials)
		id, err := sts.NewFromConfig(role).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(id.Arn) != wantARN || aws.ToString(id.UserId) != aws.ToString(out.AssumedRoleUser.AssumedRoleId) || !strings.HasSuffix(aws.ToString(id.UserId), ":s1") {
			t.Fatalf("caller identity %s %s", aws.ToString(id.Arn), aws.ToString(id.UserId))
		}
		if _, err := iam.NewFromConfig(role).ListUsers(ctx, &iam.ListUsersInput{}); err != nil {
			t.Fatalf("the role allows iam:ListUsers: %v", err)
		}
		_, err = iam.NewFromConfig(role).CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("x")})
		if apiCode(t, err) != "AccessDenied" || !strings.Contains(err.Error(), "User: "+wantARN+" is not authorized to perform: iam:CreateUser") {
			t.Fatalf("CreateUser as the role: %v", err)
		}
	})

	t.Run("session policy narrows", func(t *testing.T) {
		out, err := devSTS.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(reader), RoleSessionName: aws.String("narrow"),
			Policy: aws.String(allowing("iam:ListRoles"))})
		if err != nil {
			t.Fatal(err)
		}
		if out.PackedPolicySize == nil || *out.PackedPolicySize <= 0 {
			t.Fatalf("PackedPolicySize %v", out.PackedPolicySize)
		}
		c := iam.NewFromConfig(sessionConfig(s, out.Credentials))
		if _, err := c.ListRoles(ctx, &iam.ListRolesInput{}); err != nil {
			t.Fatalf("allowed by role and session policy: %v", err)
		}
		_, err = c.ListUsers(ctx, &iam.ListUsersInput{})
		if apiCode(t, err) != "AccessDenied" || !strings.Contains(err.Error(), "no session policy allows the iam:ListUsers action") {
			t.Fatalf("ListUsers beyond the session policy: %v", err)
		}
	})

	t.Run("trust policy decides", func(t *testing.T) {
		_, err := devSTS.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(closed), RoleSessionName: aws.String("s2")})
		if apiCode(t, err) != "AccessDenied" || !strings.Contains(err.Error(), "User: "+devARN+" is not authorized to perform: sts:AssumeRole on resource: "+closed) {
			t.Fatalf("untrusted: %v", err)
		}
		// Named in the trust policy, nobody needs no identity policy.
		if _, err := sts.NewFromConfig(nobody).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(closed), RoleSessionName: aws.String("s2")}); err != nil {
			t.Fatalf("named in the trust policy: %v", err)
		}
		// A role that does not exist looks like one that is not trusted.
		_, err = devSTS.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::000000000000:role/ghost"), RoleSessionName: aws.String("s2")})
		if apiCode(t, err) != "AccessDenied" {
			t.Fatalf("missing role: %v", err)
		}
	})

	t.Run("external id", func(t *testing.T) {
		_, err := devSTS.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(ext), RoleSessionName: aws.String("s2")})
		if apiCode(t, err) != "AccessDenied" {
			t.Fatalf("without the external id: %v", err)
		}
		_, err = devSTS.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(ext), RoleSessionName: aws.String("s2"), ExternalId: aws.String("wrong-id")})
		if apiCode(t, err) != "AccessDenied" {
			t.Fatalf("wrong external id: %v", err)
		}
		if _, err := devSTS.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(ext), RoleSessionName: aws.String("s2"), ExternalId: aws.String("Unicorn-42")}); err != nil {
			t.Fatalf("with the external id: %v", err)
		}
	})

	t.Run("duration beyond the role's maximum", func(t *testing.T) {
		_, err := devSTS.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(reader), RoleSessionName: aws.String("s2"), DurationSeconds: aws.Int32(7200)})
		if apiCode(t, err) != "ValidationError" || !strings.Contains(err.Error(), "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.") {
			t.Fatalf("7200s: %v", err)
		}
	})

	t.Run("cross-account", func(t *testing.T) {
		partnerRoot := s.AWSConfig("111122223333", "x", "")
		partner := createRole(t, partnerRoot, "partner", trustOf("arn:aws:iam::000000000000:root", ""), allowing("iam:ListRoles"))
		out, err := devSTS.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(partner), RoleSessionName: aws.String("visit")})
		if err != nil {
			t.Fatal(err)
		}
		session := sessionConfig(s, out.Credentials)
		id, err := sts.NewFromConfig(session).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil || aws.ToString(id.Account) != "111122223333" || aws.ToString(id.Arn) != "arn:aws:sts::111122223333:assumed-role/partner/visit" {
			t.Fatalf("identity %v %v", id, err)
		}
		roles, err := iam.NewFromConfig(session).ListRoles(ctx, &iam.ListRolesInput{})
		if err != nil || len(roles.Roles) != 1 || *roles.Roles[0].Arn != partner {
			t.Fatalf("ListRoles in the partner account: %v %v", roles, err)
		}
		// Trusting the account delegates to its identity policies: a
		// user without sts:AssumeRole is refused.
		_, err = sts.NewFromConfig(nobody).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(partner), RoleSessionName: aws.String("s2")})
		if apiCode(t, err) != "AccessDenied" {
			t.Fatalf("user without permission: %v", err)
		}
	})

	t.Run("federation token", func(t *testing.T) {
		out, err := devSTS.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("carol"), Policy: aws.String(allowing("cloudtrail:LookupEvents"))})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(out.FederatedUser.Arn) != "arn:aws:sts::000000000000:federated-user/carol" || aws.ToString(out.FederatedUser.FederatedUserId) != "000000000000:carol" {
			t.Fatalf("federated user %+v", out.FederatedUser)
		}
		fed := sessionConfig(s, out.Credentials)
		id, err := sts.NewFromConfig(fed).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil || aws.ToString(id.Arn) != "arn:aws:sts::000000000000:federated-user/carol" {
			t.Fatalf("identity %v %v", id, err)
		}
		ct := cloudtrail.NewFromConfig(fed)
		if _, err := ct.LookupEvents(ctx, &cloudtrail.LookupEventsInput{}); err != nil {
			t.Fatalf("allowed by user and session policy: %v", err)
		}
		if _, err := ct.DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{}); apiCode(t, err) != "AccessDeniedException" {
			t.Fatalf("allowed by the user only: %v", err)
		}
	})
}

func TestAssumeRoleCLIv2(t *testing.T) {
	// Debian's CLI v2 predates AWS_ENDPOINT_URL: the endpoint is passed
	// explicitly.
	cli := need(t, "/usr/bin/aws")
	s := StartServer(t)
	ctx := context.Background()
	iamc := iam.NewFromConfig(s.DefaultConfig())
	if _, err := iamc.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("dev")}); err != nil {
		t.Fatal(err)
	}
	if _, err := iamc.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("dev"), PolicyName: aws.String("p"), PolicyDocument: aws.String(allowing("sts:AssumeRole"))}); err != nil {
		t.Fatal(err)
	}
	k, err := iamc.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("dev")})
	if err != nil {
		t.Fatal(err)
	}
	role := createRole(t, s.DefaultConfig(), "cli-role", trustOf("arn:aws:iam::000000000000:user/dev", ""), allowing("iam:ListUsers"))
	devEnv := []string{"AWS_ACCESS_KEY_ID=" + *k.AccessKey.AccessKeyId, "AWS_SECRET_ACCESS_KEY=" + *k.AccessKey.SecretAccessKey}
	out, stderr, err := s.Run(ctx, devEnv, cli, "--endpoint-url", s.URL, "sts", "assume-role", "--role-arn", role, "--role-session-name", "cli", "--duration-seconds", "900", "--output", "json")
	if err != nil {
		t.Fatalf("assume-role: %v\n%s", err, stderr)
	}
	var res struct {
		Credentials     struct{ AccessKeyId, SecretAccessKey, SessionToken, Expiration string }
		AssumedRoleUser struct{ Arn, AssumedRoleId string }
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if res.AssumedRoleUser.Arn != "arn:aws:sts::000000000000:assumed-role/cli-role/cli" || res.Credentials.SessionToken == "" {
		t.Fatalf("assume-role output %s", out)
	}
	sessEnv := []string{"AWS_ACCESS_KEY_ID=" + res.Credentials.AccessKeyId, "AWS_SECRET_ACCESS_KEY=" + res.Credentials.SecretAccessKey, "AWS_SESSION_TOKEN=" + res.Credentials.SessionToken}
	out, stderr, err = s.Run(ctx, sessEnv, cli, "--endpoint-url", s.URL, "sts", "get-caller-identity", "--output", "json")
	if err != nil {
		t.Fatalf("get-caller-identity: %v\n%s", err, stderr)
	}
	contains(t, out, "arn:aws:sts::000000000000:assumed-role/cli-role/cli")
	_, stderr, err = s.Run(ctx, sessEnv, cli, "--endpoint-url", s.URL, "iam", "create-user", "--user-name", "x")
	if err == nil {
		t.Fatal("the role may not create users")
	}
	contains(t, stderr, "AccessDenied")
	contains(t, stderr, "assumed-role/cli-role/cli is not authorized to perform: iam:CreateUser")
	// Above the role's maximum session duration.
	_, stderr, err = s.Run(ctx, devEnv, cli, "--endpoint-url", s.URL, "sts", "assume-role", "--role-arn", role, "--role-session-name", "cli", "--duration-seconds", "7200")
	if err == nil {
		t.Fatal("7200s accepted")
	}
	contains(t, stderr, "ValidationError")
}

// TestRootAssumeRoleStrict: AWS refuses AssumeRole with root credentials;
// hakoniwa does too under --strict-auth (the default mode lets the
// LocalStack-style test/test root assume roles).
func TestRootAssumeRoleStrict(t *testing.T) {
	ctx := context.Background()
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"sts:AssumeRole"}]}`
	for _, strict := range []bool{false, true} {
		var s *Server
		if strict {
			s = StartServer(t, "--strict-auth")
		} else {
			s = StartServer(t)
		}
		if _, err := iam.NewFromConfig(s.DefaultConfig()).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
			t.Fatal(err)
		}
		_, err := sts.NewFromConfig(s.DefaultConfig()).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::000000000000:role/r"), RoleSessionName: aws.String("session")})
		if !strict && err != nil {
			t.Fatalf("default mode: %v", err)
		}
		if strict && (apiCode(t, err) != "AccessDenied" || !strings.Contains(err.Error(), "Roles may not be assumed by root accounts.")) {
			t.Fatalf("strict mode: %v", err)
		}
	}
}
