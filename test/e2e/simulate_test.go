package e2e

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// e2eDateDoc is the AWS CLI's simulate-custom-policy example policy:
// DynamoDB after a date.
const e2eDateDoc = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2018-08-16T12:00:00Z"}}}}`

func TestSimulateCustomPolicySDK(t *testing.T) {
	s := StartServer(t)
	ctx := context.Background()
	c := iam.NewFromConfig(s.DefaultConfig())

	// Without the context key the condition cannot hold: implicit deny,
	// and the simulator says which key it lacked.
	out, err := c.SimulateCustomPolicy(ctx, &iam.SimulateCustomPolicyInput{
		PolicyInputList: []string{e2eDateDoc}, ActionNames: []string{"dynamodb:CreateBackup"},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := out.EvaluationResults[0]
	if r.EvalDecision != iamtypes.PolicyEvaluationDecisionTypeImplicitDeny || !reflect.DeepEqual(r.MissingContextValues, []string{"aws:CurrentTime"}) || aws.ToString(r.EvalResourceName) != "*" {
		t.Fatalf("without context: %+v", r)
	}

	// With it, the statement allows, located where AWS locates it.
	out, err = c.SimulateCustomPolicy(ctx, &iam.SimulateCustomPolicyInput{
		PolicyInputList: []string{e2eDateDoc}, ActionNames: []string{"dynamodb:CreateBackup"},
		ContextEntries: []iamtypes.ContextEntry{{
			ContextKeyName: aws.String("aws:CurrentTime"), ContextKeyValues: []string{"2019-04-25T11:00:00Z"}, ContextKeyType: iamtypes.ContextKeyTypeEnumDate,
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	r = out.EvaluationResults[0]
	if r.EvalDecision != iamtypes.PolicyEvaluationDecisionTypeAllowed || len(r.MissingContextValues) != 0 || len(r.MatchedStatements) != 1 {
		t.Fatalf("with context: %+v", r)
	}
	m := r.MatchedStatements[0]
	if aws.ToString(m.SourcePolicyId) != "PolicyInputList.1" || m.StartPosition == nil || m.StartPosition.Line != 1 || m.StartPosition.Column != 38 || m.EndPosition.Column != 167 {
		t.Fatalf("matched statement: %+v start %+v end %+v", m, m.StartPosition, m.EndPosition)
	}
	if r.OrganizationsDecisionDetail == nil || !r.OrganizationsDecisionDetail.AllowedByOrganizations {
		t.Errorf("organizations detail: %+v", r.OrganizationsDecisionDetail)
	}

	// A bad context value and an unknown action are InvalidInput.
	_, err = c.SimulateCustomPolicy(ctx, &iam.SimulateCustomPolicyInput{
		PolicyInputList: []string{e2eDateDoc}, ActionNames: []string{"dynamodb:CreateBackup"},
		ContextEntries: []iamtypes.ContextEntry{{ContextKeyName: aws.String("aws:CurrentTime"), ContextKeyValues: []string{"yesterday"}, ContextKeyType: iamtypes.ContextKeyTypeEnumDate}},
	})
	if code := apiCode(t, err); code != "InvalidInput" {
		t.Errorf("bad date: %v", err)
	}
	_, err = c.SimulateCustomPolicy(ctx, &iam.SimulateCustomPolicyInput{PolicyInputList: []string{e2eDateDoc}, ActionNames: []string{"dynamodb:Nope"}})
	if code := apiCode(t, err); code != "InvalidInput" {
		t.Errorf("unknown action: %v", err)
	}

	// Resource-specific results, a permissions boundary, and pages of one.
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::reports/*"}]}`
	boundary := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
	pager := iam.NewSimulateCustomPolicyPaginator(c, &iam.SimulateCustomPolicyInput{
		PolicyInputList: []string{doc}, PermissionsBoundaryPolicyInputList: []string{boundary},
		ActionNames:  []string{"s3:GetObject", "s3:PutObject"},
		ResourceArns: []string{"arn:aws:s3:::reports/a", "arn:aws:s3:::other/b"},
		MaxItems:     aws.Int32(1),
	})
	got := map[string]string{}
	pages := 0
	for pager.HasMorePages() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, r := range page.EvaluationResults {
			if aws.ToString(r.EvalResourceName) != "arn:aws:s3:::${BucketName}/${ObjectName}" || r.PermissionsBoundaryDecisionDetail == nil {
				t.Errorf("%s: %+v", aws.ToString(r.EvalActionName), r)
			}
			for _, rr := range r.ResourceSpecificResults {
				got[aws.ToString(r.EvalActionName)+" "+aws.ToString(rr.EvalResourceName)] = string(rr.EvalResourceDecision)
			}
		}
	}
	want := map[string]string{
		"s3:GetObject arn:aws:s3:::reports/a": "allowed", "s3:GetObject arn:aws:s3:::other/b": "implicitDeny",
		"s3:PutObject arn:aws:s3:::reports/a": "implicitDeny", "s3:PutObject arn:aws:s3:::other/b": "implicitDeny",
	}
	if pages != 2 || !reflect.DeepEqual(got, want) {
		t.Errorf("%d pages: %v, want 2: %v", pages, got, want)
	}
}

func TestSimulatePrincipalPolicySDK(t *testing.T) {
	s := StartServer(t)
	ctx := context.Background()
	c := iam.NewFromConfig(s.DefaultConfig())
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")}))
	must(c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("self"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"arn:aws:iam::000000000000:user/${aws:username}"}]}`)}))
	must(c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("devs")}))
	must(c.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("devs"), UserName: aws.String("alice")}))
	pol, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("s3all"), PolicyDocument: aws.String(e2eAllowS3)})
	if err != nil {
		t.Fatal(err)
	}
	must(c.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String("devs"), PolicyArn: pol.Policy.Arn}))
	must(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("web"), AssumeRolePolicyDocument: aws.String(e2eTrustEC2)}))
	must(c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("web"), PolicyArn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")}))

	type want struct{ decision, source string }
	tests := []struct {
		name, source string
		actions      []string
		resources    []string
		want         []want
	}{
		{"user: own inline and group's managed", "arn:aws:iam::000000000000:user/alice",
			[]string{"iam:GetUser", "iam:DeleteUser", "sqs:SendMessage"}, []string{"arn:aws:iam::000000000000:user/alice"},
			[]want{{"allowed", "user_alice_self"}, {"implicitDeny", ""}, {"implicitDeny", ""}}},
		{"user: s3 from the group", "arn:aws:iam::000000000000:user/alice", []string{"s3:PutObject"}, nil,
			[]want{{"allowed", "s3all"}}},
		{"group", "arn:aws:iam::000000000000:group/devs", []string{"s3:GetObject", "iam:GetUser"}, nil,
			[]want{{"allowed", "s3all"}, {"implicitDeny", ""}}},
		{"role with an AWS managed policy", "arn:aws:iam::000000000000:role/web", []string{"s3:GetObject", "s3:PutObject"}, nil,
			[]want{{"allowed", "ReadOnlyAccess"}, {"implicitDeny", ""}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := c.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{
				PolicySourceArn: aws.String(tc.source), ActionNames: tc.actions, ResourceArns: tc.resources,
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(out.EvaluationResults) != len(tc.want) {
				t.Fatalf("results = %+v", out.EvaluationResults)
			}
			for i, r := range out.EvaluationResults {
				w := tc.want[i]
				if string(r.EvalDecision) != w.decision {
					t.Errorf("%s: %s, want %s", aws.ToString(r.EvalActionName), r.EvalDecision, w.decision)
				}
				if w.source != "" && (len(r.MatchedStatements) == 0 || aws.ToString(r.MatchedStatements[0].SourcePolicyId) != w.source ||
					r.MatchedStatements[0].SourcePolicyType != "IAM Policy" || r.MatchedStatements[0].StartPosition == nil) {
					t.Errorf("%s matched %+v, want %s", aws.ToString(r.EvalActionName), r.MatchedStatements, w.source)
				}
				if tc.resources != nil && len(r.ResourceSpecificResults) != len(tc.resources) {
					t.Errorf("resource results = %+v", r.ResourceSpecificResults)
				}
			}
		})
	}

	_, err = c.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String("arn:aws:iam::000000000000:user/nobody"), ActionNames: []string{"s3:GetObject"}})
	if code := apiCode(t, err); code != "NoSuchEntity" {
		t.Errorf("unknown user: %v", err)
	}
	_, err = c.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String("arn:aws:iam::000000000000:policy/s3all"), ActionNames: []string{"s3:GetObject"}})
	if code := apiCode(t, err); code != "InvalidInput" {
		t.Errorf("policy ARN as source: %v", err)
	}
}

// TestSimulateCustomPolicyCLIv2 runs the AWS CLI v2's own example, first
// without the context entry the condition needs, then with it.
func TestSimulateCustomPolicyCLIv2(t *testing.T) {
	path, ok := awsCLIs(t)["v2"]
	if !ok {
		missing(t, "aws CLI v2")
	}
	s := StartServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	type result struct {
		EvaluationResults []struct {
			EvalDecision         string
			MissingContextValues []string
			MatchedStatements    []struct {
				SourcePolicyId string
				StartPosition  struct{ Line, Column int }
				EndPosition    struct{ Line, Column int }
			}
		}
	}
	simulate := func(extra ...string) result {
		t.Helper()
		args := append([]string{"--endpoint-url", s.URL, "--output", "json", "iam", "simulate-custom-policy",
			"--policy-input-list", e2eDateDoc, "--action-names", "dynamodb:CreateBackup"}, extra...)
		out, stderr, err := cli(ctx, s, "v2", path, args...)
		if err != nil {
			t.Fatalf("%v\n%s", err, stderr)
		}
		var r result
		if err := json.Unmarshal([]byte(out), &r); err != nil || len(r.EvaluationResults) != 1 {
			t.Fatalf("output %q: %v", out, err)
		}
		return r
	}
	r := simulate().EvaluationResults[0]
	if r.EvalDecision != "implicitDeny" || !reflect.DeepEqual(r.MissingContextValues, []string{"aws:CurrentTime"}) {
		t.Fatalf("without context: %+v", r)
	}
	r = simulate("--context-entries", "ContextKeyName=aws:CurrentTime,ContextKeyValues=2019-04-25T11:00:00Z,ContextKeyType=date").EvaluationResults[0]
	if r.EvalDecision != "allowed" || len(r.MissingContextValues) != 0 || len(r.MatchedStatements) != 1 {
		t.Fatalf("with context: %+v", r)
	}
	if m := r.MatchedStatements[0]; m.SourcePolicyId != "PolicyInputList.1" || m.StartPosition.Column != 38 || m.EndPosition.Column != 167 {
		t.Errorf("matched statement %+v", m)
	}
}
