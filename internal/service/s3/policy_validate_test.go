package s3

import (
	"strings"
	"testing"

	"hakoniwa/internal/awserr"
)

func TestValidateBucketPolicy(t *testing.T) {
	stmt := func(principal, action, resource string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":` + principal +
			`,"Action":` + action + `,"Resource":` + resource + `}]}`
	}
	cases := []struct {
		name, doc, want string // want "" for accepted
	}{
		{"public read", stmt(`"*"`, `"s3:GetObject"`, `"arn:aws:s3:::b/*"`), ""},
		{"user on bucket and objects", stmt(`{"AWS":"arn:aws:iam::000000000000:user/alice"}`, `["s3:ListBucket","s3:GetObject"]`, `["arn:aws:s3:::b","arn:aws:s3:::b/*"]`), ""},
		{"account id", stmt(`{"AWS":"111111111111"}`, `"s3:*"`, `"arn:aws:s3:::b*"`), ""},
		{"not JSON", `Version: 2012`, "Policies must be valid JSON and the first byte must be '{'"},
		{"broken JSON", `{"Version":`, "This policy contains invalid Json"},
		{"no statement", `{"Version":"2012-10-17"}`, "Missing required field Statement"},
		{"unknown top field", `{"Version":"2012-10-17","Statements":[]}`, "Unknown field Statements"},
		{"bad version", `{"Version":"2020-01-01","Statement":[]}`, "The policy must contain a valid version string"},
		{"no principal", `{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`, "Missing required field Principal"},
		{"bad effect", `{"Statement":[{"Effect":"Permit","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`, "Invalid effect: Permit"},
		{"resource star", stmt(`"*"`, `"s3:GetObject"`, `"*"`), "Policy has invalid resource"},
		{"another bucket", stmt(`"*"`, `"s3:GetObject"`, `"arn:aws:s3:::other/*"`), "Policy has invalid resource"},
		{"not an ARN", stmt(`"*"`, `"s3:GetObject"`, `"b/*"`), "Policy has invalid resource"},
		{"object action on the bucket", stmt(`"*"`, `"s3:PutObject"`, `"arn:aws:s3:::b"`), "Action does not apply to any resource(s) in statement"},
		{"bucket action on objects", stmt(`"*"`, `"s3:ListBucket"`, `"arn:aws:s3:::b/*"`), "Action does not apply to any resource(s) in statement"},
		{"bad principal", stmt(`{"AWS":"alice"}`, `"s3:GetObject"`, `"arn:aws:s3:::b/*"`), "Invalid principal in policy"},
		{"bad action", stmt(`"*"`, `"GetObject"`, `"arn:aws:s3:::b/*"`), "Policy has invalid action"},
		{"too large", `{"Statement":[` + strings.Repeat(" ", maxBucketPolicySize) + `]}`, "Policies must be less than 20 KB"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := validateBucketPolicy("b", tc.doc)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			e, ok := err.(*awserr.Error)
			if !ok || e.Code != "MalformedPolicy" || e.Status != 400 || e.Message != tc.want {
				t.Fatalf("got %v, want MalformedPolicy %q", err, tc.want)
			}
		})
	}
}

func TestPolicyIsPublic(t *testing.T) {
	doc := func(principal, condition string) string {
		s := `{"Statement":[{"Effect":"Allow","Principal":` + principal + `,"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"`
		if condition != "" {
			s += `,"Condition":` + condition
		}
		return s + `}]}`
	}
	cases := []struct {
		name   string
		doc    string
		public bool
	}{
		{"star", doc(`"*"`, ""), true},
		{"AWS star", doc(`{"AWS":["111111111111","*"]}`, ""), true},
		{"an account", doc(`{"AWS":"111111111111"}`, ""), false},
		{"star pinned by source ip", doc(`"*"`, `{"IpAddress":{"aws:SourceIp":"192.0.2.0/24"}}`), false},
		{"star with an open ip range", doc(`"*"`, `{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}`), true},
		{"star with a wildcard account", doc(`"*"`, `{"StringLike":{"aws:PrincipalAccount":"1111*"}}`), true},
		{"star with a non-fixing key", doc(`"*"`, `{"Bool":{"aws:SecureTransport":"true"}}`), true},
		{"deny star", strings.Replace(doc(`"*"`, ""), "Allow", "Deny", 1), false},
	}
	for _, tc := range cases {
		if got := policyIsPublic(tc.doc); got != tc.public {
			t.Errorf("%s: public=%v", tc.name, got)
		}
	}
}
