package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// newUser creates an IAM user with an access key and the given inline
// policy (none when policy is ""), returning a config that signs as it.
func newUser(t *testing.T, s *Server, name, policy string) aws.Config {
	t.Helper()
	ctx := context.Background()
	c := iam.NewFromConfig(s.DefaultConfig())
	if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	if policy != "" {
		if _, err := c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("p"), PolicyDocument: aws.String(policy)}); err != nil {
			t.Fatal(err)
		}
	}
	k, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return s.AWSConfig(*k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey, "")
}

func requestID(t *testing.T, err error) string {
	t.Helper()
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || re.ServiceRequestID() == "" {
		t.Fatalf("no request id in %v", err)
	}
	return re.ServiceRequestID()
}

func TestDenialsAreExplained(t *testing.T) {
	s := StartServer(t)
	ctx := context.Background()
	// Bob may look up CloudTrail events only from this machine's loopback
	// address, and is explicitly denied everything in IAM.
	bob := newUser(t, s, "bob", `{"Version":"2012-10-17","Statement":[
		{"Sid":"TrailFromLoopback","Effect":"Allow","Action":"cloudtrail:LookupEvents","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"127.0.0.0/8"}}},
		{"Sid":"TrailNeverFromElsewhere","Effect":"Allow","Action":"cloudtrail:LookupEvents","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}},
		{"Sid":"NoIAM","Effect":"Deny","Action":"iam:*","Resource":"*"},
		{"Sid":"IAMRead","Effect":"Allow","Action":"iam:List*","Resource":"*"}]}`)
	if _, err := cloudtrail.NewFromConfig(bob).LookupEvents(ctx, &cloudtrail.LookupEventsInput{}); err != nil {
		t.Fatalf("allowed by the loopback condition: %v", err)
	}
	_, err := iam.NewFromConfig(bob).ListUsers(ctx, &iam.ListUsersInput{})
	if apiCode(t, err) != "AccessDenied" || !strings.Contains(err.Error(), "with an explicit deny in an identity-based policy") {
		t.Fatalf("explicit deny: %v", err)
	}
	id := requestID(t, err)

	// The endpoint names the statement that denied.
	code, body := httpDo(t, mustReq(t, "GET", s.URL+"/_hakoniwa/explain/"+id))
	var ex []struct {
		Allowed bool
		Reason  string
		Action  string
		Matched []struct{ Sid, Effect string } `json:"matchedStatements"`
	}
	if code != 200 || json.Unmarshal([]byte(body), &ex) != nil || len(ex) != 1 {
		t.Fatalf("explain: %d %s", code, body)
	}
	sids := ""
	for _, m := range ex[0].Matched {
		sids += m.Sid + "/" + m.Effect + " "
	}
	if ex[0].Allowed || ex[0].Action != "iam:ListUsers" || !strings.Contains(sids, "NoIAM/Deny") || !strings.Contains(sids, "IAMRead/Allow") {
		t.Fatalf("explanation %s", body)
	}
	// So does the subcommand, and the server's log.
	out, err := exec.Command(binary, "explain", id, "--endpoint", s.URL).CombinedOutput()
	if err != nil || !strings.Contains(string(out), `"NoIAM"`) {
		t.Fatalf("hakoniwa explain: %v %s", err, out)
	}
	s.WaitLog(t, "access denied")
	s.WaitLog(t, "id="+id)
	code, _ = httpDo(t, mustReq(t, "GET", s.URL+"/_hakoniwa/explain/no-such-request"))
	if code != 404 {
		t.Fatalf("unknown request id: %d", code)
	}

	// EC2 refuses with UnauthorizedOperation and an encoded message that
	// STS decodes for a caller allowed to.
	_, err = ec2.NewFromConfig(bob).DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
	if apiCode(t, err) != "UnauthorizedOperation" || !strings.Contains(err.Error(), "Encoded authorization failure message: ") {
		t.Fatalf("ec2: %v", err)
	}
	msg := err.Error()[strings.LastIndex(err.Error(), "Encoded authorization failure message: ")+len("Encoded authorization failure message: "):]
	msg = strings.Fields(msg)[0]
	dec, err := sts.NewFromConfig(s.DefaultConfig()).DecodeAuthorizationMessage(ctx, &sts.DecodeAuthorizationMessageInput{EncodedMessage: aws.String(msg)})
	if err != nil || !strings.Contains(aws.ToString(dec.DecodedMessage), `"action":"ec2:DescribeVpcs"`) {
		t.Fatalf("decode: %v %v", dec, err)
	}
	if _, err := sts.NewFromConfig(s.DefaultConfig()).DecodeAuthorizationMessage(ctx, &sts.DecodeAuthorizationMessageInput{EncodedMessage: aws.String("garbage")}); apiCode(t, err) != "InvalidAuthorizationMessageException" {
		t.Fatalf("decode garbage: %v", err)
	}
	// Bob himself may not decode: sts:DecodeAuthorizationMessage needs a grant.
	if _, err := sts.NewFromConfig(bob).DecodeAuthorizationMessage(ctx, &sts.DecodeAuthorizationMessageInput{EncodedMessage: aws.String(msg)}); apiCode(t, err) != "AccessDenied" {
		t.Fatalf("decode as bob: %v", err)
	}
	// Anyone may ask who they are.
	if who, err := sts.NewFromConfig(bob).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil || !strings.HasSuffix(aws.ToString(who.Arn), ":user/bob") {
		t.Fatalf("GetCallerIdentity as bob: %v %v", who, err)
	}
}

func TestReportOnlyMode(t *testing.T) {
	s := StartServer(t, "--iam-enforcement", "report")
	carol := newUser(t, s, "carol", "")
	if _, err := iam.NewFromConfig(carol).ListUsers(context.Background(), &iam.ListUsersInput{}); err != nil {
		t.Fatalf("report mode refused: %v", err)
	}
	s.WaitLog(t, "access would be denied (report-only mode)")
}

// TestMFAConditionedPolicy: a policy that allows only with MFA denies the
// user's long-term keys and allows the session GetSessionToken issued
// against a real virtual MFA device (TOTP codes computed here).
func TestMFAConditionedPolicy(t *testing.T) {
	s := StartServer(t)
	ctx := context.Background()
	dave := newUser(t, s, "dave", `{"Version":"2012-10-17","Statement":[
		{"Sid":"ListWithMFA","Effect":"Allow","Action":"iam:ListUsers","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}`)
	root := iam.NewFromConfig(s.DefaultConfig())
	dev, err := root.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("dave")})
	if err != nil {
		t.Fatal(err)
	}
	serial, seed := dev.VirtualMFADevice.SerialNumber, dev.VirtualMFADevice.Base32StringSeed
	now := time.Now()
	if _, err := root.EnableMFADevice(ctx, &iam.EnableMFADeviceInput{UserName: aws.String("dave"), SerialNumber: serial,
		AuthenticationCode1: aws.String(e2eTOTP(t, seed, now.Add(-30*time.Second))), AuthenticationCode2: aws.String(e2eTOTP(t, seed, now))}); err != nil {
		t.Fatal(err)
	}

	_, err = iam.NewFromConfig(dave).ListUsers(ctx, &iam.ListUsersInput{})
	if apiCode(t, err) != "AccessDenied" {
		t.Fatalf("long-term keys without MFA: %v", err)
	}
	// The explanation names the condition that failed.
	code, body := httpDo(t, mustReq(t, "GET", s.URL+"/_hakoniwa/explain/"+requestID(t, err)))
	if code != 200 || !strings.Contains(body, `"key": "aws:MultiFactorAuthPresent"`) && !strings.Contains(body, `"key":"aws:MultiFactorAuthPresent"`) {
		t.Fatalf("explanation: %d %s", code, body)
	}
	if _, err := sts.NewFromConfig(dave).GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: serial, TokenCode: aws.String("000000")}); apiCode(t, err) != "AccessDenied" {
		t.Fatalf("wrong MFA code: %v", err)
	}
	tok, err := sts.NewFromConfig(dave).GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: serial, TokenCode: aws.String(e2eTOTP(t, seed, now.Add(30*time.Second)))})
	if err != nil {
		t.Fatalf("GetSessionToken with MFA: %v", err)
	}
	c := tok.Credentials
	withMFA := s.AWSConfig(*c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken)
	if _, err := iam.NewFromConfig(withMFA).ListUsers(ctx, &iam.ListUsersInput{}); err != nil {
		t.Fatalf("MFA session: %v", err)
	}
}

// TestCLIUserStory is the user's path with the aws CLI v2: create a user
// and a policy, sign as the user, see an allowed call pass and a denied
// one fail with AWS's message.
func TestCLIUserStory(t *testing.T) {
	path, ok := awsCLIs(t)["v2"]
	if !ok {
		missing(t, "aws CLI v2")
	}
	s := StartServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	run := func(env []string, args ...string) (string, string, error) {
		return s.Run(ctx, env, path, append([]string{"--endpoint-url", s.URL, "--output", "text"}, args...)...)
	}
	must := func(out, stderr string, err error) string {
		t.Helper()
		if err != nil {
			t.Fatalf("%v: %s", err, stderr)
		}
		return strings.TrimSpace(out)
	}
	must(run(nil, "iam", "create-user", "--user-name", "erin"))
	must(run(nil, "iam", "put-user-policy", "--user-name", "erin", "--policy-name", "read-trail",
		"--policy-document", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"cloudtrail:LookupEvents","Resource":"*"}]}`))
	keys := strings.Fields(must(run(nil, "iam", "create-access-key", "--user-name", "erin", "--query", "AccessKey.[AccessKeyId,SecretAccessKey]")))
	erin := []string{"AWS_ACCESS_KEY_ID=" + keys[0], "AWS_SECRET_ACCESS_KEY=" + keys[1]}
	if arn := must(run(erin, "sts", "get-caller-identity", "--query", "Arn")); arn != "arn:aws:iam::000000000000:user/erin" {
		t.Fatalf("signed as %q", arn)
	}
	must(run(erin, "cloudtrail", "lookup-events", "--max-results", "1"))
	_, stderr, err := run(erin, "iam", "create-user", "--user-name", "mallory")
	if err == nil || !strings.Contains(stderr, "AccessDenied") ||
		!strings.Contains(stderr, "User: arn:aws:iam::000000000000:user/erin is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::000000000000:user/mallory because no identity-based policy allows the iam:CreateUser action") {
		t.Fatalf("denied call: %v %s", err, stderr)
	}
}
