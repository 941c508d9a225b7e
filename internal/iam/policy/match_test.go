package policy

import "testing"

func TestGlobMatch(t *testing.T) {
	tests := []struct {
		p, s string
		want bool
	}{
		{"*", "", true},
		{"*", "anything", true},
		{"s3:get*", "s3:getobject", true},
		{"s3:get*", "s3:putobject", false},
		{"s3:*object", "s3:getobject", true},
		{"s3:*o*t", "s3:getobject", true},
		{"s3:?etobject", "s3:getobject", true},
		{"s3:?etobject", "s3:etobject", false},
		{"a?c", "aéc", true}, // '?' is one character, not one byte
		{"a*b*c", "axxbyyc", true},
		{"a*b*c", "axxbyy", false},
		{"abc", "abcd", false},
		{"", "", true},
		{"\x00*", "*", true}, // escaped star (from ${*})
		{"\x00*", "x", false},
		{"\x00?", "?", true},
	}
	for _, tc := range tests {
		if got := globMatch(tc.p, tc.s); got != tc.want {
			t.Errorf("globMatch(%q, %q) = %v, want %v", tc.p, tc.s, got, tc.want)
		}
	}
}

// User Guide, "IAM JSON policy elements: Resource" — wildcards in ARNs.
func TestMatchResource(t *testing.T) {
	tests := []struct {
		p, s string
		want bool
	}{
		{"*", "arn:aws:s3:::b/k", true},
		{"*", "*", true},
		{"arn:aws:s3:::b/*", "arn:aws:s3:::b/k/deep:colon", true},
		{"arn:aws:s3:::b/*", "arn:aws:s3:::c/k", false},
		{"arn:aws:s3:::B/*", "arn:aws:s3:::b/k", false}, // resources are case-sensitive
		{"arn:aws:iam::*:user/alice", "arn:aws:iam::111122223333:user/alice", true},
		{"arn:aws:iam::*:user/alice", "arn:aws:iam::111122223333:user/alice2", false},
		{"arn:aws:ec2:*:111122223333:instance/*", "arn:aws:ec2:us-east-1:111122223333:instance/i-1", true},
		{"arn:aws:ec2:*:111122223333:instance/*", "arn:aws:ec2:us-east-1:444455556666:instance/i-1", false},
		// A star inside a field does not cross into the next one.
		{"arn:aws:ec2:us-*:111122223333:instance/*", "arn:aws:ec2:us-east-1:111122223333:instance/i-1", true},
		{"arn:aws:ec2:us-*1:instance/*", "arn:aws:ec2:us-east-1:111122223333:instance/i-1", false},
		// A star ending the pattern's last field expands over the rest.
		{"arn:aws:s3:*", "arn:aws:s3:::b/k", true},
		{"arn:aws:*", "arn:aws:sqs:us-east-1:111122223333:q", true},
		{"arn:aws:sqs:us-east-1", "arn:aws:sqs:us-east-1:111122223333:q", false},
		{"arn:aws:sqs:us-east-1:111122223333:q", "*", false},
		{"arn:aws:sqs:*:*:q?", "arn:aws:sqs:eu-west-1:111122223333:q1", true},
	}
	for _, tc := range tests {
		if got := matchResource(tc.p, tc.s); got != tc.want {
			t.Errorf("matchResource(%q, %q) = %v, want %v", tc.p, tc.s, got, tc.want)
		}
	}
}

// User Guide, "IAM policy elements: Variables and tags".
func TestResourceVariables(t *testing.T) {
	ec := &evalCtx{req: &Request{Principal: alice, Context: ctx{"aws:SourceIp": {"203.0.113.7"}, "x:multi": {"a", "b"}, "x:star": {"*"}}}}
	tests := []struct {
		name    string
		tmpl    string
		vars    bool
		s       string
		want    bool
		wantMis bool
	}{
		{"username", "arn:aws:s3:::b/home/${aws:username}/*", true, "arn:aws:s3:::b/home/alice/f", true, false},
		{"username other", "arn:aws:s3:::b/home/${aws:username}/*", true, "arn:aws:s3:::b/home/bob/f", false, false},
		{"key case-insensitive", "arn:aws:s3:::b/${AWS:UserName}", true, "arn:aws:s3:::b/alice", true, false},
		{"principal tag", "arn:aws:s3:::b/${aws:PrincipalTag/team}/*", true, "arn:aws:s3:::b/blue/x", true, false},
		{"2008 is literal", "arn:aws:s3:::b/${aws:username}", false, "arn:aws:s3:::b/${aws:username}", true, false},
		{"2008 no substitution", "arn:aws:s3:::b/${aws:username}", false, "arn:aws:s3:::b/alice", false, false},
		{"escape star", "arn:aws:s3:::b/${*}", true, "arn:aws:s3:::b/*", true, false},
		{"escape star literal", "arn:aws:s3:::b/${*}", true, "arn:aws:s3:::b/x", false, false},
		{"escape question", "arn:aws:s3:::b/${?}", true, "arn:aws:s3:::b/x", false, false},
		{"escape dollar", "arn:aws:s3:::b/${$}x", true, "arn:aws:s3:::b/$x", true, false},
		{"default used", "arn:aws:s3:::b/${aws:PrincipalTag/none, 'shared'}/*", true, "arn:aws:s3:::b/shared/x", true, false},
		{"default unused", "arn:aws:s3:::b/${aws:username, 'shared'}/*", true, "arn:aws:s3:::b/alice/x", true, false},
		{"missing no match", "arn:aws:s3:::b/${aws:PrincipalTag/none}/*", true, "arn:aws:s3:::b//x", false, true},
		{"multivalued not substituted", "arn:aws:s3:::b/${x:multi}", true, "arn:aws:s3:::b/a", false, true},
		{"substituted star is literal", "arn:aws:s3:::b/${x:star}", true, "arn:aws:s3:::b/anything", false, false},
		{"global key", "arn:aws:s3:::b/${aws:SourceIp}", true, "arn:aws:s3:::b/203.0.113.7", true, false},
		{"unterminated", "arn:aws:s3:::b/${aws:username", true, "arn:aws:s3:::b/${aws:username", true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ec.missing = nil
			tm := compileTemplate(tc.tmpl, tc.vars)
			pat, ok := tm.expand(ec)
			got := ok && matchResource(pat, tc.s)
			if got != tc.want {
				t.Errorf("match = %v, want %v (pattern %q)", got, tc.want, pat)
			}
			if (len(ec.missing) > 0) != tc.wantMis {
				t.Errorf("missing = %v", ec.missing)
			}
		})
	}
}
