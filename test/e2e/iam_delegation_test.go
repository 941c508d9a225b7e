package e2e

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

const (
	delegPartner  = "111122223333"
	delegStranger = "444455556666"
	// delegTemplate is the partner's policy template: a managed policy of
	// its account with @{…} parameters.
	delegTemplate = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:ListAllMyBuckets"],"Resource":"*"},` +
		`{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::@{bucketName}/*"}]}`
	// delegOwnerPolicy lets alice take and accept requests and use S3; it
	// grants no iam:GetDelegationRequest, UpdateDelegationRequest or
	// SendDelegationToken: an owner has those by default.
	delegOwnerPolicy = `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["iam:AssociateDelegationRequest","iam:AcceptDelegationRequest","iam:RejectDelegationRequest","iam:ListDelegationRequests"],"Resource":"*"},
		{"Effect":"Allow","Action":["s3:*","iam:ListUsers"],"Resource":"*"}]}`
)

var exchangeToken = regexp.MustCompile(`ExchangeToken\\?":\\?"([0-9a-f-]+)`)

// delegationToken is the exchange token of a request, from the server's
// log (hakoniwa logs what an SNS topic would receive); the log may trail
// the response.
func delegationToken(t *testing.T, s *Server, id string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, line := range strings.Split(s.Logs(), "\n") {
			if strings.Contains(line, id) {
				if m := exchangeToken.FindStringSubmatch(line); m != nil {
					return m[1]
				}
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no exchange token for %s in the log:\n%s", id, s.Logs())
	return ""
}

func newDelegation(t *testing.T, partner *iam.Client, owner, workflow string) string {
	t.Helper()
	in := &iam.CreateDelegationRequestInput{
		Description: aws.String("Connect the log archive."), RequestorWorkflowId: aws.String(workflow),
		NotificationChannel: aws.String("arn:aws:sns:us-east-1:" + delegPartner + ":onboarding"), SessionDuration: aws.Int32(1800),
		Permissions: &iamtypes.DelegationPermission{PolicyTemplateArn: aws.String("arn:aws:iam::" + delegPartner + ":policy/log-archive"),
			Parameters: []iamtypes.PolicyParameter{{Name: aws.String("bucketName"), Type: iamtypes.PolicyParameterTypeEnumString, Values: []string{"archive"}}}},
	}
	if owner != "" {
		in.OwnerAccountId = aws.String(owner)
	}
	out, err := partner.CreateDelegationRequest(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return *out.DelegationRequestId
}

func TestIAMDelegationFlowSDK(t *testing.T) {
	s := StartServer(t)
	ctx := context.Background()
	partner := iam.NewFromConfig(s.AWSConfig(delegPartner, "x", ""))
	if _, err := partner.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("log-archive"), PolicyDocument: aws.String(delegTemplate)}); err != nil {
		t.Fatal(err)
	}
	aliceCfg := newUser(t, s, "alice", delegOwnerPolicy)
	alice := iam.NewFromConfig(aliceCfg)
	stranger := iam.NewFromConfig(s.AWSConfig(delegStranger, "x", ""))
	id := newDelegation(t, partner, "000000000000", "workflow-0001")

	// Only the owner account may see or take a targeted request.
	if _, err := stranger.GetDelegationRequest(ctx, &iam.GetDelegationRequestInput{DelegationRequestId: &id}); apiCode(t, err) != "NoSuchEntity" {
		t.Fatalf("stranger get: %v", err)
	}
	if _, err := stranger.AssociateDelegationRequest(ctx, &iam.AssociateDelegationRequestInput{DelegationRequestId: &id}); apiCode(t, err) != "NoSuchEntity" {
		t.Fatalf("stranger associate: %v", err)
	}
	// The same workflow id cannot be filed twice.
	if _, err := partner.CreateDelegationRequest(ctx, &iam.CreateDelegationRequestInput{
		Description: aws.String("again"), RequestorWorkflowId: aws.String("workflow-0001"),
		NotificationChannel: aws.String("arn:aws:sns:us-east-1:" + delegPartner + ":onboarding"), SessionDuration: aws.Int32(1800),
		Permissions: &iamtypes.DelegationPermission{PolicyTemplateArn: aws.String("arn:aws:iam::" + delegPartner + ":policy/log-archive"),
			Parameters: []iamtypes.PolicyParameter{{Name: aws.String("bucketName"), Type: iamtypes.PolicyParameterTypeEnumString, Values: []string{"archive"}}}},
	}); apiCode(t, err) != "EntityAlreadyExists" {
		t.Fatalf("duplicate workflow: %v", err)
	}

	// Before association alice holds no iam:GetDelegationRequest.
	if _, err := alice.GetDelegationRequest(ctx, &iam.GetDelegationRequestInput{DelegationRequestId: &id}); apiCode(t, err) != "AccessDenied" {
		t.Fatalf("get before owning: %v", err)
	}
	if _, err := alice.AssociateDelegationRequest(ctx, &iam.AssociateDelegationRequestInput{DelegationRequestId: &id}); err != nil {
		t.Fatal(err)
	}
	// Owned: get, update and send by default.
	got, err := alice.GetDelegationRequest(ctx, &iam.GetDelegationRequestInput{DelegationRequestId: &id})
	if err != nil {
		t.Fatal(err)
	}
	d := got.DelegationRequest
	if d.State != iamtypes.StateTypeAssigned || aws.ToString(d.OwnerId) != "arn:aws:iam::000000000000:user/alice" ||
		!strings.Contains(aws.ToString(d.PermissionPolicy), "arn:aws:s3:::archive/*") || aws.ToString(d.RequestorId) != delegPartner {
		t.Fatalf("request = %+v", d)
	}
	if _, err := alice.UpdateDelegationRequest(ctx, &iam.UpdateDelegationRequestInput{DelegationRequestId: &id, Notes: aws.String("looks fine")}); err != nil {
		t.Fatal(err)
	}
	list, err := alice.ListDelegationRequests(ctx, &iam.ListDelegationRequestsInput{})
	if err != nil || len(list.DelegationRequests) != 1 || list.DelegationRequests[0].State != iamtypes.StateTypePendingApproval {
		t.Fatalf("list = %+v, %v", list, err)
	}
	if _, err := alice.SendDelegationToken(ctx, &iam.SendDelegationTokenInput{DelegationRequestId: &id}); apiCode(t, err) != "InvalidInput" {
		t.Fatalf("send before accepting: %v", err)
	}
	if _, err := alice.AcceptDelegationRequest(ctx, &iam.AcceptDelegationRequestInput{DelegationRequestId: &id}); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.SendDelegationToken(ctx, &iam.SendDelegationTokenInput{DelegationRequestId: &id}); err != nil {
		t.Fatal(err)
	}
	token := delegationToken(t, s, id)

	// The partner trades the token for alice's credentials, limited to
	// the request's policy.
	partnerSTS := sts.NewFromConfig(s.AWSConfig(delegPartner, "x", ""))
	start := time.Now()
	creds, err := partnerSTS.GetDelegatedAccessToken(ctx, &sts.GetDelegatedAccessTokenInput{TradeInToken: &token})
	if err != nil {
		t.Fatal(err)
	}
	c := creds.Credentials
	if !strings.HasPrefix(aws.ToString(c.AccessKeyId), "ASIA") || aws.ToString(creds.AssumedPrincipal) != "arn:aws:iam::000000000000:user/alice" ||
		c.Expiration.Before(start.Add(29*time.Minute)) || c.Expiration.After(time.Now().Add(31*time.Minute)) {
		t.Fatalf("credentials = %+v, principal %s", c, aws.ToString(creds.AssumedPrincipal))
	}
	delegated := s.AWSConfig(*c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken)
	who, err := sts.NewFromConfig(delegated).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(who.Arn) != "arn:aws:iam::000000000000:user/alice" {
		t.Fatalf("caller = %+v, %v", who, err)
	}
	s3c := s3.NewFromConfig(delegated, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := s3c.ListBuckets(ctx, &s3.ListBucketsInput{}); err != nil {
		t.Fatalf("allowed op: %v", err)
	}
	// alice may create buckets and list users; the delegation may not.
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("not-delegated")}); apiCode(t, err) != "AccessDenied" {
		t.Fatalf("create bucket with delegated credentials: %v", err)
	}
	if _, err := iam.NewFromConfig(delegated).ListUsers(ctx, &iam.ListUsersInput{}); apiCode(t, err) != "AccessDenied" {
		t.Fatalf("list users with delegated credentials: %v", err)
	}
	if _, err := iam.NewFromConfig(aliceCfg).ListUsers(ctx, &iam.ListUsersInput{}); err != nil {
		t.Fatalf("alice herself: %v", err)
	}
	// A token is exchanged once; unknown tokens are refused alike.
	for _, tok := range []string{token, "00000000-0000-0000-0000-000000000000"} {
		if _, err := partnerSTS.GetDelegatedAccessToken(ctx, &sts.GetDelegatedAccessTokenInput{TradeInToken: aws.String(tok)}); apiCode(t, err) != "ExpiredTradeInTokenException" {
			t.Fatalf("token %s: %v", tok, err)
		}
	}
	if got, _ := alice.GetDelegationRequest(ctx, &iam.GetDelegationRequestInput{DelegationRequestId: &id}); got.DelegationRequest.State != iamtypes.StateTypeFinalized {
		t.Fatalf("state after sending = %s", got.DelegationRequest.State)
	}

	// Reject path: an open request, taken by alice, rejected, then final.
	open := newDelegation(t, partner, "", "workflow-0002")
	if _, err := alice.AssociateDelegationRequest(ctx, &iam.AssociateDelegationRequestInput{DelegationRequestId: &open}); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.RejectDelegationRequest(ctx, &iam.RejectDelegationRequestInput{DelegationRequestId: &open, Notes: aws.String("not now")}); err != nil {
		t.Fatal(err)
	}
	got, err = alice.GetDelegationRequest(ctx, &iam.GetDelegationRequestInput{DelegationRequestId: &open})
	if err != nil || got.DelegationRequest.State != iamtypes.StateTypeRejected || aws.ToString(got.DelegationRequest.RejectionReason) != "not now" {
		t.Fatalf("rejected = %+v, %v", got, err)
	}
	if _, err := alice.AcceptDelegationRequest(ctx, &iam.AcceptDelegationRequestInput{DelegationRequestId: &open}); apiCode(t, err) != "ConcurrentModification" {
		t.Fatalf("accept after reject: %v", err)
	}
	// CloudTrail records the calls as for any IAM call, in the caller's
	// account.
	trail, err := cloudtrail.NewFromConfig(s.DefaultConfig()).LookupEvents(ctx, &cloudtrail.LookupEventsInput{
		LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyEventName, AttributeValue: aws.String("AcceptDelegationRequest")}},
	})
	if err != nil || len(trail.Events) != 2 || aws.ToString(trail.Events[0].Username) != "alice" {
		t.Fatalf("AcceptDelegationRequest events = %+v, %v", trail, err)
	}
	// Bob, in alice's account but not the owner and without policies,
	// gets nothing by default.
	bob := iam.NewFromConfig(newUser(t, s, "bob", ""))
	if _, err := bob.GetDelegationRequest(ctx, &iam.GetDelegationRequestInput{DelegationRequestId: &id}); apiCode(t, err) != "AccessDenied" {
		t.Fatalf("bob: %v", err)
	}
}

func TestIAMDelegationCLI(t *testing.T) {
	path, ok := awsCLIs(t)["v1"]
	if !ok {
		missing(t, "aws CLI v1")
	}
	s := StartServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	partnerEnv := []string{"AWS_ACCESS_KEY_ID=" + delegPartner, "AWS_SECRET_ACCESS_KEY=x"}
	run := func(env []string, args ...string) map[string]any {
		t.Helper()
		out, stderr, err := cliEnv(ctx, s, env, "v1", path, append(args, "--output", "json")...)
		if err != nil {
			t.Fatalf("aws %v: %v\n%s", args, err, stderr)
		}
		var v map[string]any
		if strings.TrimSpace(out) != "" {
			if err := json.Unmarshal([]byte(out), &v); err != nil {
				t.Fatalf("aws %v: %v\n%s", args, err, out)
			}
		}
		return v
	}
	run(partnerEnv, "iam", "create-policy", "--policy-name", "log-archive", "--policy-document", delegTemplate)
	created := run(partnerEnv, "iam", "create-delegation-request", "--owner-account-id", "000000000000",
		"--description", "Connect the log archive.", "--requestor-workflow-id", "cli-workflow-1",
		"--notification-channel", "arn:aws:sns:us-east-1:"+delegPartner+":onboarding", "--session-duration", "900",
		"--permissions", `{"PolicyTemplateArn":"arn:aws:iam::`+delegPartner+`:policy/log-archive","Parameters":[{"Name":"bucketName","Values":["archive"],"Type":"string"}]}`)
	id, _ := created["DelegationRequestId"].(string)
	if id == "" {
		t.Fatalf("create = %v", created)
	}
	run(nil, "iam", "associate-delegation-request", "--delegation-request-id", id)
	got := run(nil, "iam", "get-delegation-request", "--delegation-request-id", id)
	if st := got["DelegationRequest"].(map[string]any)["State"]; st != "ASSIGNED" {
		t.Fatalf("get = %v", got)
	}
	summary := run(nil, "iam", "get-human-readable-summary", "--entity-arn", "arn:aws:iam::000000000000:delegation-request/"+id)
	if summary["SummaryState"] != "AVAILABLE" || !strings.Contains(summary["SummaryContent"].(string), "Allows s3:GetObject on arn:aws:s3:::archive/*.") {
		t.Fatalf("summary = %v", summary)
	}
	run(nil, "iam", "accept-delegation-request", "--delegation-request-id", id)
	run(nil, "iam", "send-delegation-token", "--delegation-request-id", id)
	token := delegationToken(t, s, id)
	creds := run(partnerEnv, "sts", "get-delegated-access-token", "--trade-in-token", token)
	c, _ := creds["Credentials"].(map[string]any)
	if k, _ := c["AccessKeyId"].(string); !strings.HasPrefix(k, "ASIA") || creds["AssumedPrincipal"] != "arn:aws:iam::000000000000:root" {
		t.Fatalf("credentials = %v", creds)
	}
	// The root user accepted, yet the credentials are bounded by the
	// request's policy as a session policy bounds any principal.
	delegated := []string{"AWS_ACCESS_KEY_ID=" + c["AccessKeyId"].(string), "AWS_SECRET_ACCESS_KEY=" + c["SecretAccessKey"].(string),
		"AWS_SESSION_TOKEN=" + c["SessionToken"].(string)}
	if _, stderr, err := cliEnv(ctx, s, delegated, "v1", path, "iam", "list-users"); err == nil || !strings.Contains(stderr, "AccessDenied") {
		t.Fatalf("root-accepted delegated credentials listed users: %v\n%s", err, stderr)
	}
	if _, stderr, err := cliEnv(ctx, s, delegated, "v1", path, "s3api", "create-bucket", "--bucket", "not-in-the-policy"); err == nil || !strings.Contains(stderr, "AccessDenied") {
		t.Fatalf("root-accepted delegated credentials created a bucket: %v\n%s", err, stderr)
	}
	_, stderr, err := cliEnv(ctx, s, partnerEnv, "v1", path, "sts", "get-delegated-access-token", "--trade-in-token", token)
	if err == nil || !strings.Contains(stderr, "ExpiredTradeInTokenException") {
		t.Fatalf("second exchange: %v\n%s", err, stderr)
	}
}
