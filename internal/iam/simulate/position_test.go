package simulate

import (
	"reflect"
	"testing"
)

func TestStatementSpans(t *testing.T) {
	// AWS managed policies as IAM stores them (AdministratorAccess with two
	// spaces of indentation, AmazonS3ReadOnlyAccess with one), whose
	// statement positions AWS reports as 3:17-8:6 and 3:16-14:4.
	admin := "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\n      \"Effect\": \"Allow\",\n      \"Action\": \"*\",\n      \"Resource\": \"*\"\n    }\n  ]\n}"
	s3ro := "{\n \"Version\": \"2012-10-17\",\n \"Statement\": [\n  {\n   \"Effect\": \"Allow\",\n   \"Action\": [\n    \"s3:Get*\",\n    \"s3:List*\",\n    \"s3:Describe*\",\n    \"s3-object-lambda:Get*\",\n    \"s3-object-lambda:List*\"\n   ],\n   \"Resource\": \"*\"\n  }\n ]\n}"
	pos := func(l1, c1, l2, c2 int) span { return span{Position{l1, c1}, Position{l2, c2}} }
	tests := []struct {
		name string
		doc  string
		want []span
	}{
		{
			// The AWS CLI's simulate-custom-policy example: 1:38-1:167.
			name: "single statement object",
			doc:  `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2018-08-16T12:00:00Z"}}}}`,
			want: []span{pos(1, 38, 1, 167)},
		},
		{name: "AdministratorAccess", doc: admin, want: []span{pos(3, 17, 8, 6)}},
		{name: "AmazonS3ReadOnlyAccess", doc: s3ro, want: []span{pos(3, 16, 14, 4)}},
		{
			// Python's json.dumps spacing: the first statement starts
			// after "[" at column 41, as in AWS output for such input.
			name: "json.dumps spacing",
			doc:  `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}`,
			want: []span{pos(1, 41, 1, 103)},
		},
		{
			// The second statement starts where the first ends.
			name: "two statements",
			doc:  `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"a:b","Resource":"*"},{"Effect":"Deny","Action":"a:c","Resource":"*"}]}`,
			want: []span{pos(1, 38, 1, 86), pos(1, 86, 1, 134)},
		},
		{
			name: "CRLF and strings with braces",
			doc:  "{\r\n\"Statement\": [\r\n{\"Sid\": \"a}b{\\\"\", \"Effect\": \"Allow\", \"Action\": \"a:b\", \"Resource\": \"*\"}\r\n],\r\n\"Version\": \"2012-10-17\"\r\n}",
			want: []span{pos(2, 15, 3, 71)},
		},
		{
			name: "multi-byte characters count once",
			doc:  `{"Statement":[{"Sid":"é","Effect":"Allow","Action":"a:b","Resource":"*"}]}`,
			want: []span{pos(1, 15, 1, 73)},
		},
		{name: "not an object", doc: `[1]`, want: nil},
		{name: "no statement", doc: `{"Version":"2012-10-17"}`, want: nil},
		{name: "truncated", doc: `{"Statement":[{"Effect":"Allow"`, want: nil},
		{name: "empty", doc: ``, want: nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := statementSpans(tc.doc)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("statementSpans = %v, want %v", got, tc.want)
			}
		})
	}
}

func FuzzStatementSpans(f *testing.F) {
	f.Add(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"a:b","Resource":"*"}]}`)
	f.Add("{\"Statement\":{\"a\":\"\\\"}\"}}")
	f.Fuzz(func(t *testing.T, doc string) {
		for _, sp := range statementSpans(doc) {
			if sp.Start.Line < 1 || sp.Start.Column < 1 || sp.End.Line < sp.Start.Line {
				t.Fatalf("bad span %v", sp)
			}
		}
	})
}
