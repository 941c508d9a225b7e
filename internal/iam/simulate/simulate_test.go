package simulate

import (
	"reflect"
	"testing"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/iam/policy"
)

const acct = "111122223333"

// The AWS CLI's simulate-custom-policy example policy.
const dateDoc = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2018-08-16T12:00:00Z"}}}}`

func custom(docs ...string) []Document {
	out := make([]Document, len(docs))
	for i, d := range docs {
		out[i] = Document{ID: "PolicyInputList." + string(rune('1'+i)), Text: d}
	}
	return out
}

func run(t *testing.T, in Input) *Output {
	t.Helper()
	if in.Account == "" {
		in.Account = acct
	}
	out, err := Run(in)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return out
}

func TestCLIExamples(t *testing.T) {
	tests := []struct {
		name    string
		entries []ContextEntry
		want    Result
	}{
		{
			name:    "allowed after the date",
			entries: []ContextEntry{{Name: "aws:CurrentTime", Values: []string{"2019-04-25T11:00:00Z"}, Type: "date"}},
			want: Result{
				Action: "dynamodb:CreateBackup", Resource: "*", Decision: Allowed,
				MatchedStatements: []Statement{{
					SourcePolicyID: "PolicyInputList.1", SourcePolicyType: TypeIAMPolicy,
					Start: &Position{1, 38}, End: &Position{1, 167},
				}},
				MissingContextValues:   []string{},
				AllowedByOrganizations: true,
			},
		},
		{
			name:    "denied before the date",
			entries: []ContextEntry{{Name: "aws:CurrentTime", Values: []string{"2014-04-25T11:00:00Z"}, Type: "date"}},
			want: Result{
				Action: "dynamodb:CreateBackup", Resource: "*", Decision: ImplicitDeny,
				MatchedStatements: []Statement{}, MissingContextValues: []string{}, AllowedByOrganizations: true,
			},
		},
		{
			name: "missing context value",
			want: Result{
				Action: "dynamodb:CreateBackup", Resource: "*", Decision: ImplicitDeny,
				MatchedStatements: []Statement{}, MissingContextValues: []string{"aws:CurrentTime"}, AllowedByOrganizations: true,
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := run(t, Input{Identity: custom(dateDoc), ActionNames: []string{"dynamodb:CreateBackup"}, ContextEntries: tc.entries})
			if len(out.Results) != 1 || out.IsTruncated {
				t.Fatalf("results = %+v", out)
			}
			if !reflect.DeepEqual(out.Results[0], tc.want) {
				t.Errorf("result =\n%+v\nwant\n%+v", out.Results[0], tc.want)
			}
		})
	}
}

func TestDecisions(t *testing.T) {
	allowS3 := `{"Version":"2012-10-17","Statement":[{"Sid":"All","Effect":"Allow","Action":"s3:*","Resource":"*"}]}`
	denyDelete := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:DeleteObject","Resource":"*"}]}`
	boundary := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:DeleteObject"],"Resource":"*"}]}`
	tru, fals := true, false
	tests := []struct {
		name       string
		in         Input
		decision   string
		matched    []string // SourcePolicyIDs
		byBoundary *bool
	}{
		{"allowed", Input{Identity: custom(allowS3), ActionNames: []string{"s3:GetObject"}}, Allowed, []string{"PolicyInputList.1"}, nil},
		{"no policy", Input{ActionNames: []string{"s3:GetObject"}}, ImplicitDeny, nil, nil},
		{"other action", Input{Identity: custom(allowS3), ActionNames: []string{"sqs:SendMessage"}}, ImplicitDeny, nil, nil},
		{"explicit deny wins and lists every match", Input{Identity: custom(allowS3, denyDelete), ActionNames: []string{"s3:DeleteObject"}}, ExplicitDeny, []string{"PolicyInputList.1", "PolicyInputList.2"}, nil},
		{"inside the boundary", Input{Identity: custom(allowS3), Boundaries: []Document{{ID: "PermissionsBoundaryPolicyInputList.1", Text: boundary}}, ActionNames: []string{"s3:GetObject"}},
			Allowed, []string{"PolicyInputList.1", "PermissionsBoundaryPolicyInputList.1"}, &tru},
		{"outside the boundary", Input{Identity: custom(allowS3), Boundaries: []Document{{ID: "B", Text: boundary}}, ActionNames: []string{"s3:PutObject"}},
			ImplicitDeny, []string{"PolicyInputList.1"}, &fals},
		{"boundary alone grants nothing", Input{Boundaries: []Document{{ID: "B", Text: boundary}}, ActionNames: []string{"s3:GetObject"}},
			ImplicitDeny, []string{"B"}, &tru},
		{"role principal", Input{Principal: &policy.Principal{Type: policy.TypeAssumedRole, RoleARN: "arn:aws:iam::" + acct + ":role/r", Account: acct},
			Identity: []Document{{ID: "role_r_p", Text: allowS3}}, ActionNames: []string{"s3:ListBucket"}}, Allowed, []string{"role_r_p"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, tc.in).Results[0]
			if r.Decision != tc.decision {
				t.Errorf("decision = %s, want %s", r.Decision, tc.decision)
			}
			var ids []string
			for _, m := range r.MatchedStatements {
				ids = append(ids, m.SourcePolicyID)
				if m.Start == nil || m.End == nil {
					t.Errorf("statement of %s has no position", m.SourcePolicyID)
				}
			}
			if !reflect.DeepEqual(ids, tc.matched) {
				t.Errorf("matched = %v, want %v", ids, tc.matched)
			}
			if !reflect.DeepEqual(r.AllowedByBoundary, tc.byBoundary) {
				t.Errorf("AllowedByBoundary = %v, want %v", r.AllowedByBoundary, tc.byBoundary)
			}
		})
	}
}

func TestResourceSpecificResults(t *testing.T) {
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::reports/*"},{"Effect":"Deny","Action":"s3:GetObject","Resource":"arn:aws:s3:::reports/secret/*"}]}`
	good, secret, other := "arn:aws:s3:::reports/q1.csv", "arn:aws:s3:::reports/secret/x", "arn:aws:s3:::other/y"

	t.Run("several resources", func(t *testing.T) {
		r := run(t, Input{Identity: custom(doc), ActionNames: []string{"s3:GetObject"}, ResourceArns: []string{good, secret, other}}).Results[0]
		if r.Resource != "arn:aws:s3:::${BucketName}/${ObjectName}" {
			t.Errorf("EvalResourceName = %q", r.Resource)
		}
		if r.Decision != ExplicitDeny || len(r.MatchedStatements) != 0 || r.DecisionDetails == nil || len(r.DecisionDetails) != 0 {
			t.Errorf("top level = %+v", r)
		}
		want := map[string]string{good: Allowed, secret: ExplicitDeny, other: ImplicitDeny}
		if len(r.ResourceResults) != 3 {
			t.Fatalf("resource results = %+v", r.ResourceResults)
		}
		for _, rr := range r.ResourceResults {
			if rr.Decision != want[rr.Resource] {
				t.Errorf("%s: %s, want %s", rr.Resource, rr.Decision, want[rr.Resource])
			}
			if rr.DecisionDetails != nil {
				t.Errorf("%s: same-account details %v", rr.Resource, rr.DecisionDetails)
			}
		}
		// The deny is the second statement: it starts where the first ends.
		m := r.ResourceResults[1].MatchedStatements
		first := r.ResourceResults[0].MatchedStatements[0]
		if len(m) != 2 || *m[1].Start != *first.End && *m[0].Start != *first.End {
			t.Errorf("secret matches = %+v (first ends at %v)", m, *first.End)
		}
	})

	t.Run("one resource", func(t *testing.T) {
		r := run(t, Input{Identity: custom(doc), ActionNames: []string{"s3:GetObject"}, ResourceArns: []string{good}}).Results[0]
		if r.Resource != good || r.Decision != Allowed || len(r.MatchedStatements) != 1 || len(r.ResourceResults) != 1 {
			t.Errorf("result = %+v", r)
		}
	})

	t.Run("mixed types name no template", func(t *testing.T) {
		r := run(t, Input{Identity: custom(doc), ActionNames: []string{"s3:GetObject"}, ResourceArns: []string{good, "arn:aws:sqs:us-east-1:" + acct + ":q"}}).Results[0]
		if r.Resource != "*" {
			t.Errorf("EvalResourceName = %q", r.Resource)
		}
	})

	t.Run("missing context per resource", func(t *testing.T) {
		cond := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"a"}}}]}`
		r := run(t, Input{Identity: custom(cond), ActionNames: []string{"s3:GetObject"}, ResourceArns: []string{good}}).Results[0]
		if len(r.MissingContextValues) != 0 || !reflect.DeepEqual(r.ResourceResults[0].MissingContextValues, []string{"aws:PrincipalTag/team"}) {
			t.Errorf("missing: top %v, resource %v", r.MissingContextValues, r.ResourceResults[0].MissingContextValues)
		}
	})
}

func TestResourcePolicy(t *testing.T) {
	const other = "444455556666"
	caller := "arn:aws:iam::" + acct + ":user/alice"
	identity := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"*"}]}`
	queue := "arn:aws:sqs:us-east-1:" + other + ":q"
	grant := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + caller + `"},"Action":"sqs:SendMessage","Resource":"` + queue + `"}]}`
	deny := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"sqs:*","Resource":"*"}]}`
	tests := []struct {
		name     string
		identity []Document
		resource string
		decision string
		details  map[string]string
		first    string // first matched SourcePolicyType
	}{
		{"both sides allow", custom(identity), grant, Allowed, map[string]string{TypeIAMPolicy: Allowed, TypeResourcePolicy: Allowed}, TypeResourcePolicy},
		{"resource side alone", nil, grant, ImplicitDeny, map[string]string{TypeIAMPolicy: ImplicitDeny, TypeResourcePolicy: Allowed}, TypeResourcePolicy},
		{"resource deny", custom(identity), deny, ExplicitDeny, map[string]string{TypeIAMPolicy: Allowed, TypeResourcePolicy: ExplicitDeny}, TypeResourcePolicy},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, Input{
				Identity: tc.identity, ResourcePolicy: &Document{ID: "ResourcePolicy", Text: tc.resource},
				CallerArn: caller, ActionNames: []string{"sqs:SendMessage"}, ResourceArns: []string{queue},
			}).Results[0]
			if r.Decision != tc.decision {
				t.Errorf("decision = %s, want %s", r.Decision, tc.decision)
			}
			if !reflect.DeepEqual(r.ResourceResults[0].DecisionDetails, tc.details) || !reflect.DeepEqual(r.DecisionDetails, tc.details) {
				t.Errorf("details = %v / %v, want %v", r.DecisionDetails, r.ResourceResults[0].DecisionDetails, tc.details)
			}
			if len(r.MatchedStatements) == 0 || r.MatchedStatements[0].SourcePolicyType != tc.first || r.MatchedStatements[0].SourcePolicyID != "ResourcePolicy" {
				t.Errorf("matched = %+v", r.MatchedStatements)
			}
		})
	}

	t.Run("ResourceOwner makes S3 cross-account", func(t *testing.T) {
		s3 := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
		r := run(t, Input{Identity: custom(s3), ActionNames: []string{"s3:GetObject"}, ResourceOwner: "arn:aws:iam::" + other + ":root"}).Results[0]
		// No resource policy: the owning account never lets the caller in.
		if r.Decision != ImplicitDeny || r.DecisionDetails[TypeIAMPolicy] != Allowed {
			t.Errorf("result = %+v", r)
		}
		r = run(t, Input{Identity: custom(s3), ActionNames: []string{"s3:GetObject"}}).Results[0]
		if r.Decision != Allowed || r.DecisionDetails != nil {
			t.Errorf("same account = %+v", r)
		}
	})
}

func TestContextEntryTypes(t *testing.T) {
	doc := func(op, key, value string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"` + op + `":{"` + key + `":` + value + `}}}]}`
	}
	tests := []struct {
		name  string
		doc   string
		entry ContextEntry
		want  string
	}{
		{"string", doc("StringEquals", "s3:prefix", `"home/"`), ContextEntry{"s3:prefix", []string{"home/"}, "string"}, Allowed},
		{"untyped is string", doc("StringEquals", "s3:prefix", `"home/"`), ContextEntry{"s3:prefix", []string{"home/"}, ""}, Allowed},
		{"stringList any", doc("ForAnyValue:StringEquals", "aws:TagKeys", `["a","b"]`), ContextEntry{"aws:TagKeys", []string{"z", "b"}, "stringList"}, Allowed},
		{"stringList all", doc("ForAllValues:StringEquals", "aws:TagKeys", `["a","b"]`), ContextEntry{"aws:TagKeys", []string{"z", "b"}, "stringList"}, ImplicitDeny},
		{"numeric", doc("NumericLessThan", "s3:max-keys", `"10"`), ContextEntry{"s3:max-keys", []string{"5"}, "numeric"}, Allowed},
		{"numericList", doc("ForAllValues:NumericLessThan", "k:n", `"10"`), ContextEntry{"k:n", []string{"5", "11"}, "numericList"}, ImplicitDeny},
		{"boolean", doc("Bool", "aws:SecureTransport", `"true"`), ContextEntry{"aws:SecureTransport", []string{"TRUE"}, "boolean"}, Allowed},
		{"booleanList", doc("ForAnyValue:Bool", "k:b", `"false"`), ContextEntry{"k:b", []string{"true", "false"}, "booleanList"}, Allowed},
		{"ip", doc("IpAddress", "aws:SourceIp", `"203.0.113.0/24"`), ContextEntry{"aws:SourceIp", []string{"203.0.113.7"}, "ip"}, Allowed},
		{"ip outside", doc("IpAddress", "aws:SourceIp", `"203.0.113.0/24"`), ContextEntry{"aws:SourceIp", []string{"198.51.100.1"}, "ip"}, ImplicitDeny},
		{"ipList", doc("ForAnyValue:IpAddress", "k:ip", `"10.0.0.0/8"`), ContextEntry{"k:ip", []string{"192.0.2.1", "10.1.2.3"}, "ipList"}, Allowed},
		{"binary", doc("BinaryEquals", "k:bin", `"aGVsbG8="`), ContextEntry{"k:bin", []string{"aGVsbG8="}, "binary"}, Allowed},
		{"binaryList", doc("ForAnyValue:BinaryEquals", "k:bin", `"aGVsbG8="`), ContextEntry{"k:bin", []string{"eA==", "aGVsbG8="}, "binaryList"}, Allowed},
		{"date epoch", doc("DateLessThan", "aws:CurrentTime", `"2020-01-01T00:00:00Z"`), ContextEntry{"aws:CurrentTime", []string{"1500000000"}, "date"}, Allowed},
		{"dateList", doc("ForAllValues:DateGreaterThan", "k:d", `"2020-01-01"`), ContextEntry{"k:d", []string{"2021-01-01", "2022-06-01T10:00:00Z"}, "dateList"}, Allowed},
		{"key names are case-insensitive", doc("StringEquals", "aws:PrincipalTag/Team", `"x"`), ContextEntry{"AWS:principaltag/team", []string{"x"}, "string"}, Allowed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, Input{Identity: custom(tc.doc), ActionNames: []string{"s3:GetObject"}, ContextEntries: []ContextEntry{tc.entry}}).Results[0]
			if r.Decision != tc.want {
				t.Errorf("decision = %s, want %s (missing %v)", r.Decision, tc.want, r.MissingContextValues)
			}
		})
	}
}

func TestPagination(t *testing.T) {
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:Get*","Resource":"*"}]}`
	names := []string{"iam:GetUser", "iam:GetRole", "iam:CreateUser", "iam:GetGroup", "iam:DeleteUser"}
	var got []string
	marker := ""
	pages := 0
	for {
		out := run(t, Input{Identity: custom(doc), ActionNames: names, MaxItems: 2, Marker: marker})
		pages++
		for _, r := range out.Results {
			got = append(got, r.Action+"="+r.Decision)
		}
		if !out.IsTruncated {
			if out.Marker != "" {
				t.Errorf("marker %q on the last page", out.Marker)
			}
			break
		}
		if out.Marker == "" || len(out.Results) != 2 || pages > 5 {
			t.Fatalf("page %d = %+v", pages, out)
		}
		marker = out.Marker
	}
	want := []string{"iam:GetUser=allowed", "iam:GetRole=allowed", "iam:CreateUser=implicitDeny", "iam:GetGroup=allowed", "iam:DeleteUser=implicitDeny"}
	if pages != 3 || !reflect.DeepEqual(got, want) {
		t.Errorf("%d pages: %v, want 3: %v", pages, got, want)
	}
}

func TestInvalidInput(t *testing.T) {
	ok := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`
	base := func(mod func(*Input)) Input {
		in := Input{Account: acct, Identity: custom(ok), ActionNames: []string{"s3:GetObject"}}
		mod(&in)
		return in
	}
	tests := []struct {
		name string
		in   Input
		code string
	}{
		{"no actions", base(func(in *Input) { in.ActionNames = nil }), "InvalidInput"},
		{"unknown action", base(func(in *Input) { in.ActionNames = []string{"s3:GetObjekt"} }), "InvalidInput"},
		{"no prefix", base(func(in *Input) { in.ActionNames = []string{"GetObject"} }), "InvalidInput"},
		{"wildcard action", base(func(in *Input) { in.ActionNames = []string{"s3:Get*"} }), "InvalidInput"},
		{"bad resource", base(func(in *Input) { in.ResourceArns = []string{"bucket"} }), "InvalidInput"},
		{"bad numeric", base(func(in *Input) { in.ContextEntries = []ContextEntry{{"s3:max-keys", []string{"ten"}, "numeric"}} }), "InvalidInput"},
		{"bad boolean", base(func(in *Input) {
			in.ContextEntries = []ContextEntry{{"aws:SecureTransport", []string{"yes"}, "boolean"}}
		}), "InvalidInput"},
		{"bad ip", base(func(in *Input) { in.ContextEntries = []ContextEntry{{"aws:SourceIp", []string{"300.1.1.1"}, "ip"}} }), "InvalidInput"},
		{"bad date in list", base(func(in *Input) {
			in.ContextEntries = []ContextEntry{{"k:d", []string{"2020-01-01", "soon"}, "dateList"}}
		}), "InvalidInput"},
		{"bad binary", base(func(in *Input) { in.ContextEntries = []ContextEntry{{"k:b", []string{"%%%"}, "binary"}} }), "InvalidInput"},
		{"bad type", base(func(in *Input) { in.ContextEntries = []ContextEntry{{"k:b", []string{"x"}, "arn"}} }), "InvalidInput"},
		{"two values for a scalar", base(func(in *Input) { in.ContextEntries = []ContextEntry{{"k:s", []string{"a", "b"}, "string"}} }), "InvalidInput"},
		{"empty key", base(func(in *Input) { in.ContextEntries = []ContextEntry{{"", []string{"a"}, "string"}} }), "InvalidInput"},
		{"unknown scenario", base(func(in *Input) { in.ResourceHandlingOption = "EC2-Classic-EBS" }), "InvalidInput"},
		{"scenario without its resources", base(func(in *Input) {
			in.ResourceHandlingOption = "EC2-VPC-InstanceStore"
			in.ResourceArns = []string{"arn:aws:ec2:us-east-1:" + acct + ":instance/*"}
		}), "InvalidInput"},
		{"resource policy without caller", base(func(in *Input) {
			in.ResourcePolicy = &Document{ID: "ResourcePolicy", Text: `{"Statement":{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}}`}
		}), "InvalidInput"},
		{"caller is a role", base(func(in *Input) { in.CallerArn = "arn:aws:iam::" + acct + ":role/r" }), "InvalidInput"},
		{"bad owner", base(func(in *Input) { in.ResourceOwner = "alice" }), "InvalidInput"},
		{"two boundaries", base(func(in *Input) { in.Boundaries = custom(ok, ok) }), "InvalidInput"},
		{"malformed policy", base(func(in *Input) { in.Identity = custom(`{"Statement":`) }), "MalformedPolicyDocument"},
		{"resource policy in PolicyInputList", base(func(in *Input) {
			in.Identity = custom(`{"Statement":{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}}`)
		}), "MalformedPolicyDocument"},
		{"bad marker", base(func(in *Input) { in.Marker = "!!" }), "ValidationError"},
		{"marker past the end", base(func(in *Input) { in.Marker = "OQ" }), "ValidationError"},
		{"max items", base(func(in *Input) { in.MaxItems = 1001 }), "ValidationError"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Run(tc.in)
			if err == nil {
				t.Fatal("no error")
			}
			if e := awserr.As(err); e.Code != tc.code || e.Message == "" {
				t.Errorf("error = %v, want code %s", err, tc.code)
			}
		})
	}
}

func TestScenarioAccepted(t *testing.T) {
	arn := func(r string) string { return "arn:aws:ec2:us-east-1:" + acct + ":" + r }
	out := run(t, Input{
		Identity:    custom(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:RunInstances","Resource":"*"}]}`),
		ActionNames: []string{"ec2:RunInstances"}, ResourceHandlingOption: "EC2-VPC-InstanceStore",
		ResourceArns: []string{arn("instance/*"), "arn:aws:ec2:us-east-1::image/ami-1", arn("security-group/sg-1"), arn("network-interface/*")},
	})
	r := out.Results[0]
	if r.Decision != Allowed || len(r.ResourceResults) != 4 {
		t.Errorf("result = %+v", r)
	}
}
