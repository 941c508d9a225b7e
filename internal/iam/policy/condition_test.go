package policy

import (
	"testing"
)

type ctx = map[string][]string

// condAllowed evaluates an identity policy allowing s3:GetObject on * under
// the given Condition block.
func condAllowed(t *testing.T, cond string, c ctx) bool {
	t.Helper()
	p, err := Parse(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":`+cond+`}}`, Identity)
	if err != nil {
		t.Fatalf("parse %s: %v", cond, err)
	}
	req := Request{Principal: alice, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", Context: c}
	return Evaluate(req, Input{Identity: []Attached{{Name: "p", Type: "inline", Policy: p}}}).Allowed
}

var alice = Principal{
	Type: TypeIAMUser, ARN: "arn:aws:iam::111122223333:user/alice", Account: "111122223333",
	UserID: "AIDAEXAMPLEALICE0001", Username: "alice",
	Tags: map[string]string{"team": "blue", "CostCenter": "42"},
}

func TestConditionOperators(t *testing.T) {
	tests := []struct {
		name string
		cond string
		ctx  ctx
		want bool
	}{
		// User Guide, "Condition operators": String condition operators.
		{"StringEquals match", `{"StringEquals":{"aws:RequestedRegion":"us-east-1"}}`, ctx{"aws:RequestedRegion": {"us-east-1"}}, true},
		{"StringEquals case-sensitive value", `{"StringEquals":{"aws:RequestedRegion":"US-EAST-1"}}`, ctx{"aws:RequestedRegion": {"us-east-1"}}, false},
		{"key name case-insensitive", `{"StringEquals":{"AWS:REQUESTEDREGION":"us-east-1"}}`, ctx{"aws:requestedregion": {"us-east-1"}}, true},
		{"StringEquals OR of values", `{"StringEquals":{"aws:RequestedRegion":["eu-west-1","us-east-1"]}}`, ctx{"aws:RequestedRegion": {"us-east-1"}}, true},
		{"StringEquals star is literal", `{"StringEquals":{"s3:prefix":"home/*"}}`, ctx{"s3:prefix": {"home/x"}}, false},
		{"StringEquals missing key", `{"StringEquals":{"aws:RequestedRegion":"us-east-1"}}`, nil, false},
		{"StringNotEquals", `{"StringNotEquals":{"aws:RequestedRegion":["eu-west-1","us-east-1"]}}`, ctx{"aws:RequestedRegion": {"ap-south-1"}}, true},
		{"StringNotEquals listed", `{"StringNotEquals":{"aws:RequestedRegion":["eu-west-1","us-east-1"]}}`, ctx{"aws:RequestedRegion": {"us-east-1"}}, false},
		{"StringNotEquals missing key is true", `{"StringNotEquals":{"aws:RequestedRegion":"us-east-1"}}`, nil, true},
		{"StringEqualsIgnoreCase", `{"StringEqualsIgnoreCase":{"aws:PrincipalTag/team":"BLUE"}}`, nil, true},
		{"StringNotEqualsIgnoreCase", `{"StringNotEqualsIgnoreCase":{"aws:PrincipalTag/team":"BLUE"}}`, nil, false},
		{"StringLike star", `{"StringLike":{"s3:prefix":["home/*"]}}`, ctx{"s3:prefix": {"home/a/b"}}, true},
		{"StringLike question", `{"StringLike":{"s3:prefix":"h?me"}}`, ctx{"s3:prefix": {"home"}}, true},
		{"StringLike case-sensitive", `{"StringLike":{"s3:prefix":"HOME*"}}`, ctx{"s3:prefix": {"home"}}, false},
		{"StringNotLike", `{"StringNotLike":{"s3:prefix":"home/*"}}`, ctx{"s3:prefix": {"tmp/"}}, true},
		{"StringNotLike missing key is true", `{"StringNotLike":{"s3:prefix":"home/*"}}`, nil, true},
		{"StringEqualsIfExists missing", `{"StringEqualsIfExists":{"ec2:InstanceType":"t2.micro"}}`, nil, true},
		{"StringEqualsIfExists present mismatch", `{"StringEqualsIfExists":{"ec2:InstanceType":"t2.micro"}}`, ctx{"ec2:InstanceType": {"m5.large"}}, false},

		// Numeric condition operators.
		{"NumericLessThanEquals", `{"NumericLessThanEquals":{"s3:max-keys":"10"}}`, ctx{"s3:max-keys": {"10"}}, true},
		{"NumericLessThan", `{"NumericLessThan":{"s3:max-keys":10}}`, ctx{"s3:max-keys": {"10"}}, false},
		{"NumericGreaterThan decimal", `{"NumericGreaterThan":{"x:n":"1.5"}}`, ctx{"x:n": {"2"}}, true},
		{"NumericGreaterThanEquals", `{"NumericGreaterThanEquals":{"x:n":"2"}}`, ctx{"x:n": {"2.0"}}, true},
		{"NumericEquals", `{"NumericEquals":{"x:n":"5"}}`, ctx{"x:n": {"5"}}, true},
		{"NumericNotEquals", `{"NumericNotEquals":{"x:n":["5","6"]}}`, ctx{"x:n": {"6"}}, false},
		{"Numeric unparsable context", `{"NumericEquals":{"x:n":"5"}}`, ctx{"x:n": {"five"}}, false},
		{"NumericLessThanIfExists missing", `{"NumericLessThanIfExists":{"x:n":"5"}}`, nil, true},

		// Date condition operators: ISO 8601 and epoch.
		{"DateGreaterThan iso", `{"DateGreaterThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}`, ctx{"aws:CurrentTime": {"2024-06-01T12:00:00Z"}}, true},
		{"DateLessThan iso", `{"DateLessThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}`, ctx{"aws:CurrentTime": {"2024-06-01T12:00:00Z"}}, false},
		{"DateLessThan epoch policy", `{"DateLessThan":{"aws:EpochTime":"1700000000"}}`, ctx{"aws:EpochTime": {"1600000000"}}, true},
		{"Date mixed forms", `{"DateGreaterThanEquals":{"aws:CurrentTime":"1577836800"}}`, ctx{"aws:CurrentTime": {"2020-01-01T00:00:00Z"}}, true},
		{"DateEquals date only", `{"DateEquals":{"aws:CurrentTime":"2020-01-01"}}`, ctx{"aws:CurrentTime": {"2020-01-01T00:00:00Z"}}, true},
		{"DateNotEquals", `{"DateNotEquals":{"aws:CurrentTime":"2020-01-01"}}`, ctx{"aws:CurrentTime": {"2020-01-02"}}, true},
		{"DateLessThanEquals zone", `{"DateLessThanEquals":{"aws:CurrentTime":"2020-01-01T01:00:00+01:00"}}`, ctx{"aws:CurrentTime": {"2020-01-01T00:00:00Z"}}, true},
		{"DateGreaterThan missing", `{"DateGreaterThan":{"aws:CurrentTime":"2020-01-01"}}`, nil, false},

		// Boolean and binary.
		{"Bool true", `{"Bool":{"aws:SecureTransport":"true"}}`, ctx{"aws:SecureTransport": {"true"}}, true},
		{"Bool json bool", `{"Bool":{"aws:SecureTransport":false}}`, ctx{"aws:SecureTransport": {"true"}}, false},
		{"Bool case", `{"Bool":{"aws:MultiFactorAuthPresent":"TRUE"}}`, ctx{"aws:MultiFactorAuthPresent": {"true"}}, true},
		{"Bool missing", `{"Bool":{"aws:MultiFactorAuthPresent":"true"}}`, nil, false},
		{"BoolIfExists missing", `{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}`, nil, true},
		{"BinaryEquals", `{"BinaryEquals":{"x:bin":"QmluYXJ5VmFsdWVJbkJhc2U2NA=="}}`, ctx{"x:bin": {"QmluYXJ5VmFsdWVJbkJhc2U2NA=="}}, true},
		{"BinaryEquals differs", `{"BinaryEquals":{"x:bin":"QmluYXJ5VmFsdWVJbkJhc2U2NA=="}}`, ctx{"x:bin": {"AAAA"}}, false},

		// IP address operators, IPv4 and IPv6.
		{"IpAddress v4", `{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, ctx{"aws:SourceIp": {"203.0.113.7"}}, true},
		{"IpAddress v4 outside", `{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, ctx{"aws:SourceIp": {"198.51.100.7"}}, false},
		{"IpAddress single", `{"IpAddress":{"aws:SourceIp":"203.0.113.7"}}`, ctx{"aws:SourceIp": {"203.0.113.7"}}, true},
		{"IpAddress v6", `{"IpAddress":{"aws:SourceIp":"2001:DB8:1234:5678::/64"}}`, ctx{"aws:SourceIp": {"2001:db8:1234:5678::1"}}, true},
		{"IpAddress mapped v4", `{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, ctx{"aws:SourceIp": {"::ffff:203.0.113.9"}}, true},
		{"NotIpAddress", `{"NotIpAddress":{"aws:SourceIp":["203.0.113.0/24","2001:db8::/32"]}}`, ctx{"aws:SourceIp": {"198.51.100.1"}}, true},
		{"NotIpAddress inside", `{"NotIpAddress":{"aws:SourceIp":["203.0.113.0/24"]}}`, ctx{"aws:SourceIp": {"203.0.113.1"}}, false},
		{"NotIpAddress missing", `{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, nil, true},

		// ARN operators: each of the six fields matched separately.
		{"ArnEquals", `{"ArnEquals":{"aws:SourceArn":"arn:aws:sns:us-east-1:111122223333:topic"}}`, ctx{"aws:SourceArn": {"arn:aws:sns:us-east-1:111122223333:topic"}}, true},
		{"ArnLike wildcard account", `{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:*:topic"}}`, ctx{"aws:SourceArn": {"arn:aws:sns:us-east-1:111122223333:topic"}}, true},
		{"ArnLike star stays in field", `{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*"}}`, ctx{"aws:SourceArn": {"arn:aws:sns:us-east-1:111122223333:topic"}}, false},
		{"ArnLike resource part", `{"ArnLike":{"aws:SourceArn":"arn:aws:s3:::bucket/*"}}`, ctx{"aws:SourceArn": {"arn:aws:s3:::bucket/a/b:c"}}, true},
		{"ArnNotEquals", `{"ArnNotEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:user/bob"}}`, nil, true},
		{"ArnNotLike self", `{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:user/*"}}`, nil, false},
		{"ArnLikeIfExists missing", `{"ArnLikeIfExists":{"aws:SourceArn":"arn:aws:sns:*:*:topic"}}`, nil, true},

		// Null: "true" asks for the key to be absent.
		{"Null true absent", `{"Null":{"aws:TokenIssueTime":"true"}}`, nil, true},
		{"Null true present", `{"Null":{"aws:TokenIssueTime":"true"}}`, ctx{"aws:TokenIssueTime": {"2020-01-01T00:00:00Z"}}, false},
		{"Null false present", `{"Null":{"aws:TokenIssueTime":false}}`, ctx{"aws:TokenIssueTime": {"2020-01-01T00:00:00Z"}}, true},
		{"Null false absent", `{"Null":{"aws:TokenIssueTime":"false"}}`, nil, false},

		// Multiple keys and operators are ANDed.
		{"AND both hold", `{"StringEquals":{"aws:RequestedRegion":"us-east-1"},"Bool":{"aws:SecureTransport":"true"}}`, ctx{"aws:RequestedRegion": {"us-east-1"}, "aws:SecureTransport": {"true"}}, true},
		{"AND one fails", `{"StringEquals":{"aws:RequestedRegion":"us-east-1"},"Bool":{"aws:SecureTransport":"true"}}`, ctx{"aws:RequestedRegion": {"us-east-1"}, "aws:SecureTransport": {"false"}}, false},

		// Principal-derived keys are filled in from the request's principal.
		{"aws:username", `{"StringEquals":{"aws:username":"alice"}}`, nil, true},
		{"aws:PrincipalTag", `{"StringEquals":{"aws:PrincipalTag/TEAM":"blue"}}`, nil, true},
		{"aws:PrincipalType", `{"StringEquals":{"aws:PrincipalType":"User"}}`, nil, true},
		{"aws:PrincipalAccount", `{"StringEquals":{"aws:PrincipalAccount":"111122223333"}}`, nil, true},
		{"aws:userid", `{"StringLike":{"aws:userid":"AIDA*"}}`, nil, true},
		{"caller context overrides derived", `{"StringEquals":{"aws:username":"alice"}}`, ctx{"aws:username": {"mallory"}}, false},

		// Condition values with policy variables.
		{"variable in value", `{"StringLike":{"s3:prefix":"home/${aws:username}/*"}}`, ctx{"s3:prefix": {"home/alice/docs"}}, true},
		{"variable other user", `{"StringLike":{"s3:prefix":"home/${aws:username}/*"}}`, ctx{"s3:prefix": {"home/bob/docs"}}, false},
		{"variable equals tag", `{"StringEquals":{"aws:ResourceTag/team":"${aws:PrincipalTag/team}"}}`, ctx{"aws:ResourceTag/team": {"blue"}}, true},
		{"variable missing no match", `{"StringEquals":{"aws:ResourceTag/team":"${aws:PrincipalTag/nope}"}}`, ctx{"aws:ResourceTag/team": {""}}, false},
		{"variable default", `{"StringEquals":{"x:k":"${aws:PrincipalTag/nope, 'none'}"}}`, ctx{"x:k": {"none"}}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := condAllowed(t, tc.cond, tc.ctx); got != tc.want {
				t.Errorf("allowed = %v, want %v", got, tc.want)
			}
		})
	}
}

// User Guide, "Set operators for multivalued context keys" and "Condition
// operators" (the tables for ForAllValues/ForAnyValue with a missing key).
func TestConditionSetOperators(t *testing.T) {
	tests := []struct {
		name string
		cond string
		ctx  ctx
		want bool
	}{
		{"ForAllValues subset", `{"ForAllValues:StringEquals":{"aws:TagKeys":["env","team"]}}`, ctx{"aws:TagKeys": {"env"}}, true},
		{"ForAllValues extra key", `{"ForAllValues:StringEquals":{"aws:TagKeys":["env","team"]}}`, ctx{"aws:TagKeys": {"env", "owner"}}, false},
		{"ForAllValues missing key is true", `{"ForAllValues:StringEquals":{"aws:TagKeys":["env"]}}`, nil, true},
		{"ForAllValues empty set is true", `{"ForAllValues:StringEquals":{"aws:TagKeys":["env"]}}`, ctx{"aws:TagKeys": {}}, true},
		{"ForAnyValue one matches", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["env"]}}`, ctx{"aws:TagKeys": {"owner", "env"}}, true},
		{"ForAnyValue none", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["env"]}}`, ctx{"aws:TagKeys": {"owner"}}, false},
		{"ForAnyValue missing key is false", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["env"]}}`, nil, false},
		{"ForAnyValue IfExists missing", `{"ForAnyValue:StringEqualsIfExists":{"aws:TagKeys":["env"]}}`, nil, true},
		{"ForAllValues:StringNotEquals none listed", `{"ForAllValues:StringNotEquals":{"aws:TagKeys":["secret"]}}`, ctx{"aws:TagKeys": {"a", "b"}}, true},
		{"ForAllValues:StringNotEquals one listed", `{"ForAllValues:StringNotEquals":{"aws:TagKeys":["secret"]}}`, ctx{"aws:TagKeys": {"a", "secret"}}, false},
		{"ForAnyValue:StringNotEquals one unlisted", `{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["a"]}}`, ctx{"aws:TagKeys": {"a", "b"}}, true},
		{"ForAnyValue:StringNotEquals all listed", `{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["a","b"]}}`, ctx{"aws:TagKeys": {"a", "b"}}, false},
		{"ForAllValues:StringLike", `{"ForAllValues:StringLike":{"aws:TagKeys":["app-*"]}}`, ctx{"aws:TagKeys": {"app-1", "app-2"}}, true},
		{"ForAnyValue:ArnLike", `{"ForAnyValue:ArnLike":{"aws:CalledVia":["arn:aws:iam::*:role/x"]}}`, ctx{"aws:CalledVia": {"arn:aws:iam::111122223333:role/x"}}, true},
		// Without a set operator a multivalued key matches when any value
		// does; the negated form when none does.
		{"plain operator multivalued", `{"StringEquals":{"aws:TagKeys":"env"}}`, ctx{"aws:TagKeys": {"owner", "env"}}, true},
		{"plain negated multivalued", `{"StringNotEquals":{"aws:TagKeys":"env"}}`, ctx{"aws:TagKeys": {"owner", "env"}}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := condAllowed(t, tc.cond, tc.ctx); got != tc.want {
				t.Errorf("allowed = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestParseDate(t *testing.T) {
	for _, s := range []string{"2020-01-01", "2020-01-01T10:00:00Z", "2020-01-01t10:00:00z", "2020-01-01T10:00:00.123456Z", "2020-01-01T10:00:00+05:30", "2020-01-01T10:00Z", "1577836800"} {
		if _, ok := parseDate(s); !ok {
			t.Errorf("parseDate(%q) failed", s)
		}
	}
	for _, s := range []string{"", "tomorrow", "2020-13-01", "-5", "1.5"} {
		if _, ok := parseDate(s); ok {
			t.Errorf("parseDate(%q) succeeded", s)
		}
	}
}
