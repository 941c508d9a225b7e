package policy

import (
	"fmt"
	"strings"
	"testing"
)

// tenByTen builds 10 identity policies of 10 statements each, mixing exact
// and wildcard actions, resource variables and conditions; none of them
// allows the benchmark's request until the last statement of the last
// policy, so every statement is looked at.
func tenByTen(tb testing.TB) []Attached {
	tb.Helper()
	var out []Attached
	for p := range 10 {
		var stmts []string
		for s := range 10 {
			var st string
			switch s % 5 {
			case 0:
				st = fmt.Sprintf(`{"Sid":"S%d","Effect":"Allow","Action":["ec2:Describe*","ec2:StartInstances"],"Resource":"arn:aws:ec2:*:111122223333:instance/i-%d*"}`, s, p)
			case 1:
				st = fmt.Sprintf(`{"Sid":"S%d","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket-%d/home/${aws:username}/*"}`, s, p)
			case 2:
				st = fmt.Sprintf(`{"Sid":"S%d","Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::logs-%d/*","Condition":{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","192.168.0.0/16"]},"Bool":{"aws:SecureTransport":"true"}}}`, s, p)
			case 3:
				st = fmt.Sprintf(`{"Sid":"S%d","Effect":"Deny","NotAction":["s3:*","ec2:*","sqs:*"],"Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":["us-east-1","eu-west-1"]}}}`, s)
			case 4:
				st = fmt.Sprintf(`{"Sid":"S%d","Effect":"Allow","Action":"dynamodb:*","Resource":"arn:aws:dynamodb:us-east-1:111122223333:table/t%d","Condition":{"ForAllValues:StringEquals":{"dynamodb:Attributes":["id","name"]},"StringEquals":{"aws:PrincipalTag/team":"blue"}}}`, s, p)
			}
			if p == 9 && s == 9 {
				st = `{"Sid":"Target","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::target/*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"blue"},"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}}`
			}
			stmts = append(stmts, st)
		}
		doc := `{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`
		pol, err := Parse(doc, Managed)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, Attached{ID: fmt.Sprint("ANPA", p), Name: fmt.Sprint("policy", p), Type: "managed", Policy: pol})
	}
	return out
}

func BenchmarkEvaluate10x10(b *testing.B) {
	in := Input{Identity: tenByTen(b)}
	req := Request{
		Principal: alice,
		Action:    "s3:GetObject",
		Resource:  "arn:aws:s3:::target/report.csv",
		Context: map[string][]string{
			"aws:SourceIp":               {"10.1.2.3"},
			"aws:SecureTransport":        {"true"},
			"aws:RequestedRegion":        {"us-east-1"},
			"aws:CurrentTime":            {"2025-01-01T00:00:00Z"},
			"aws:MultiFactorAuthPresent": {"false"},
		},
	}
	if d := Evaluate(req, in); !d.Allowed {
		b.Fatalf("denied: %v", d.Reason)
	}
	b.ReportAllocs()
	for b.Loop() {
		Evaluate(req, in)
	}
}

func BenchmarkParse(b *testing.B) {
	doc := `{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Action":["s3:Get*","s3:List*"],"Resource":["arn:aws:s3:::b","arn:aws:s3:::b/${aws:username}/*"],"Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}`
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(doc, Identity); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzParse checks that no document makes Parse (or evaluating what it
// accepts) panic, and that every rejection is a MalformedPolicyDocument.
func FuzzParse(f *testing.F) {
	seeds := []string{
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`,
		`{"Version":"2012-10-17","Statement":[{"Sid":"a","Effect":"Deny","NotAction":"iam:*","NotResource":"arn:aws:s3:::b/${aws:username}/${*}","Condition":{"ForAllValues:StringLikeIfExists":{"aws:TagKeys":["a*"]},"DateLessThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"},"IpAddress":{"aws:SourceIp":"10.0.0.0/8"},"Null":{"x":true},"NumericLessThan":{"n":1.5}}}]}`,
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":["111122223333","arn:aws:iam::111122223333:user/a"],"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}}`,
		`{"Statement":{"Effect":"Allow","NotPrincipal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b"}}`,
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:PrincipalTag/x, 'd'}"}}`,
		`[]`, `{}`, `null`, `{"Statement":[null]}`, "{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"\\u0000*\"}}",
	}
	for _, s := range seeds {
		f.Add(s, uint8(0))
	}
	f.Fuzz(func(t *testing.T, doc string, k uint8) {
		kind := Kind(k % 6)
		p, err := Parse(doc, kind)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "MalformedPolicyDocument: ") {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		req := Request{Principal: session, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", ResourceAccount: other,
			Context: map[string][]string{"aws:TagKeys": {"a", "b"}, "aws:SourceIp": {"10.0.0.1"}, "aws:CurrentTime": {"2019-01-01T00:00:00Z"}, "n": {"1"}}}
		a := Attached{Policy: p}
		d := Evaluate(req, Input{Identity: []Attached{a}, Boundary: &a, Session: []Attached{a}, Resource: &a})
		_ = d.Message(req)
	})
}
