package policy

import (
	"slices"
	"strings"
	"testing"
)

const (
	acct  = "111122223333"
	other = "444455556666"
)

var (
	bob = Principal{Type: TypeIAMUser, ARN: "arn:aws:iam::111122223333:user/bob", Account: acct, UserID: "AIDAEXAMPLEBOB000001", Username: "bob"}
	// A session of role/app/Reader (path /app/) named s1.
	session = Principal{
		Type: TypeAssumedRole, ARN: "arn:aws:sts::111122223333:assumed-role/Reader/s1", Account: acct,
		UserID: "AROAEXAMPLEREADER001:s1", RoleARN: "arn:aws:iam::111122223333:role/app/Reader", RoleSessionName: "s1",
	}
	root      = Principal{Type: TypeRoot, ARN: "arn:aws:iam::111122223333:root", Account: acct, UserID: acct}
	anonymous = Principal{Type: TypeAnonymous}
	outsider  = Principal{Type: TypeIAMUser, ARN: "arn:aws:iam::444455556666:user/eve", Account: other, UserID: "AIDAEXAMPLEEVE000001", Username: "eve"}
	ec2Svc    = Principal{Type: TypeAWSService, ARN: "ec2.amazonaws.com"}
)

func identity(t *testing.T, name, doc string) Attached {
	t.Helper()
	return Attached{ID: "ANPA" + strings.ToUpper(name), Name: name, Type: "managed", Policy: mustParse(t, doc, Identity)}
}

func resourcePolicy(t *testing.T, doc string) *Attached {
	t.Helper()
	return &Attached{ID: "bucket-policy", Name: "b", Type: "resource", Policy: mustParse(t, doc, Resource)}
}

func boundary(t *testing.T, doc string) *Attached {
	t.Helper()
	return &Attached{ID: "ANPABOUNDARY", Name: "boundary", Type: "boundary", Policy: mustParse(t, doc, Boundary)}
}

func sessionPolicy(t *testing.T, doc string) []Attached {
	t.Helper()
	return []Attached{{Name: "session", Type: "session", Policy: mustParse(t, doc, Session)}}
}

func mustParse(t *testing.T, doc string, k Kind) *Policy {
	t.Helper()
	p, err := Parse(doc, k)
	if err != nil {
		t.Fatalf("parse %s: %v", doc, err)
	}
	return p
}

func allow(action, resource string) string {
	return `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"` + action + `","Resource":"` + resource + `"}}`
}

func deny(action, resource string) string {
	return `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"` + action + `","Resource":"` + resource + `"}}`
}

func bucketPolicy(effect, principal, action string) string {
	return `{"Version":"2012-10-17","Statement":{"Effect":"` + effect + `","Principal":` + principal + `,"Action":"` + action + `","Resource":"arn:aws:s3:::b/*"}}`
}

func get(p Principal) Request {
	return Request{Principal: p, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k"}
}

func TestEvaluate(t *testing.T) {
	type tc struct {
		name string
		req  Request
		in   Input
		want Reason
	}
	put := func(p Principal) Request {
		r := get(p)
		r.Action = "s3:PutObject"
		return r
	}
	crossGet := func(p Principal) Request {
		r := get(p)
		r.ResourceAccount = other
		return r
	}
	tests := []tc{
		// "Policy evaluation logic": identity-based policies, implicit and
		// explicit deny.
		{"identity allow", get(alice), Input{Identity: []Attached{identity(t, "s3read", allow("s3:GetObject", "arn:aws:s3:::b/*"))}}, Allowed},
		{"no policies", get(alice), Input{}, NoIdentityAllow},
		{"other resource", get(alice), Input{Identity: []Attached{identity(t, "s3read", allow("s3:GetObject", "arn:aws:s3:::c/*"))}}, NoIdentityAllow},
		{"explicit deny wins", get(alice), Input{Identity: []Attached{
			identity(t, "all", allow("*", "*")),
			identity(t, "nos3", deny("s3:*", "*")),
		}}, ExplicitDenyIdentity},
		{"action case-insensitive", get(alice), Input{Identity: []Attached{identity(t, "p", allow("S3:getobject", "arn:aws:s3:::b/*"))}}, Allowed},
		{"action wildcard", get(alice), Input{Identity: []Attached{identity(t, "p", allow("s3:Get*", "arn:aws:s3:::b/*"))}}, Allowed},
		{"resource case-sensitive", get(alice), Input{Identity: []Attached{identity(t, "p", allow("s3:GetObject", "arn:aws:s3:::B/*"))}}, NoIdentityAllow},
		// "IAM JSON policy elements: NotAction" / "NotResource".
		{"NotAction allows others", get(alice), Input{Identity: []Attached{identity(t, "p", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}}`)}}, Allowed},
		{"NotAction excludes", Request{Principal: alice, Action: "iam:CreateUser", Resource: "arn:aws:iam::111122223333:user/x"}, Input{Identity: []Attached{identity(t, "p", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}}`)}}, NoIdentityAllow},
		{"NotResource deny", get(alice), Input{Identity: []Attached{
			identity(t, "all", allow("s3:*", "*")),
			identity(t, "only-c", `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"s3:*","NotResource":["arn:aws:s3:::c","arn:aws:s3:::c/*"]}}`),
		}}, ExplicitDenyIdentity},

		// "Permissions boundaries for IAM entities": effective permissions
		// are the intersection of identity policies and the boundary.
		{"boundary allows", get(alice), Input{Identity: []Attached{identity(t, "p", allow("s3:*", "*"))}, Boundary: boundary(t, allow("s3:GetObject", "*"))}, Allowed},
		{"boundary limits", put(alice), Input{Identity: []Attached{identity(t, "p", allow("s3:*", "*"))}, Boundary: boundary(t, allow("s3:GetObject", "*"))}, NoBoundaryAllow},
		{"boundary grants nothing alone", get(alice), Input{Boundary: boundary(t, allow("s3:*", "*"))}, NoIdentityAllow},
		{"boundary deny", get(alice), Input{Identity: []Attached{identity(t, "p", allow("s3:*", "*"))}, Boundary: boundary(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"s3:GetObject","Resource":"*"}]}`)}, ExplicitDenyBoundary},

		// "Session policies": the session's permissions are the
		// intersection of the role's identity policies and the session
		// policies.
		{"session allows", get(session), Input{Identity: []Attached{identity(t, "p", allow("s3:*", "*"))}, Session: sessionPolicy(t, allow("s3:GetObject", "*"))}, Allowed},
		{"session limits", put(session), Input{Identity: []Attached{identity(t, "p", allow("s3:*", "*"))}, Session: sessionPolicy(t, allow("s3:GetObject", "*"))}, NoSessionAllow},
		{"session cannot grant", get(session), Input{Session: sessionPolicy(t, allow("s3:*", "*"))}, NoIdentityAllow},
		{"session deny", get(session), Input{Identity: []Attached{identity(t, "p", allow("s3:*", "*"))}, Session: sessionPolicy(t, deny("s3:GetObject", "*"))}, ExplicitDenySession},
		{"federated user without session policy", get(session), Input{Identity: []Attached{identity(t, "p", allow("s3:*", "*"))}, Session: []Attached{{Name: "none", Type: "session"}}}, NoSessionAllow},

		// "Policy evaluation logic", resource-based policies within one
		// account: the union of identity and resource permissions, with the
		// reach of a resource-policy Allow depending on whom it names.
		{"bucket names user", get(alice), Input{Resource: resourcePolicy(t, bucketPolicy("Allow", `{"AWS":"arn:aws:iam::111122223333:user/alice"}`, "s3:GetObject"))}, Allowed},
		{"bucket names user past boundary", get(alice), Input{Boundary: boundary(t, allow("ec2:*", "*")), Resource: resourcePolicy(t, bucketPolicy("Allow", `{"AWS":"arn:aws:iam::111122223333:user/alice"}`, "s3:GetObject"))}, Allowed},
		{"bucket names other user", get(alice), Input{Resource: resourcePolicy(t, bucketPolicy("Allow", `{"AWS":"arn:aws:iam::111122223333:user/bob"}`, "s3:GetObject"))}, NoIdentityAllow},
		{"bucket names role", get(session), Input{Resource: resourcePolicy(t, bucketPolicy("Allow", `{"AWS":"arn:aws:iam::111122223333:role/app/Reader"}`, "s3:GetObject"))}, Allowed},
		{"bucket names role, boundary limits", get(session), Input{Boundary: boundary(t, allow("ec2:*", "*")), Resource: resourcePolicy(t, bucketPolicy("Allow", `{"AWS":"arn:aws:iam::111122223333:role/app/Reader"}`, "s3:GetObject"))}, NoBoundaryAllow},
		{"bucket names role, session policy limits", get(session), Input{Session: sessionPolicy(t, allow("ec2:*", "*")), Resource: resourcePolicy(t, bucketPolicy("Allow", `{"AWS":"arn:aws:iam::111122223333:role/app/Reader"}`, "s3:GetObject"))}, NoSessionAllow},
		{"bucket names session past session policy and boundary", get(session), Input{Boundary: boundary(t, allow("ec2:*", "*")), Session: sessionPolicy(t, allow("ec2:*", "*")), Resource: resourcePolicy(t, bucketPolicy("Allow", `{"AWS":"arn:aws:sts::111122223333:assumed-role/Reader/s1"}`, "s3:GetObject"))}, Allowed},
		{"bucket names account only", get(alice), Input{Resource: resourcePolicy(t, bucketPolicy("Allow", `{"AWS":"111122223333"}`, "s3:GetObject"))}, NoIdentityAllow},
		{"bucket names account, identity allows", get(alice), Input{Identity: []Attached{identity(t, "p", allow("s3:GetObject", "*"))}, Resource: resourcePolicy(t, bucketPolicy("Allow", `{"AWS":"arn:aws:iam::111122223333:root"}`, "s3:GetObject"))}, Allowed},
		{"public bucket", get(alice), Input{Resource: resourcePolicy(t, bucketPolicy("Allow", `"*"`, "s3:GetObject"))}, Allowed},
		{"bucket deny beats identity", get(alice), Input{Identity: []Attached{identity(t, "p", allow("s3:*", "*"))}, Resource: resourcePolicy(t, bucketPolicy("Deny", `{"AWS":"*"}`, "s3:GetObject"))}, ExplicitDenyResource},
		{"bucket deny other action", get(alice), Input{Identity: []Attached{identity(t, "p", allow("s3:*", "*"))}, Resource: resourcePolicy(t, bucketPolicy("Deny", `{"AWS":"*"}`, "s3:PutObject"))}, Allowed},

		// "Cross-account policy evaluation logic": both sides must allow.
		{"cross-account no bucket policy", crossGet(alice), Input{Identity: []Attached{identity(t, "p", allow("s3:*", "*"))}}, NoResourceAllow},
		{"cross-account bucket allows account", crossGet(alice), Input{Identity: []Attached{identity(t, "p", allow("s3:*", "*"))}, Resource: resourcePolicy(t, bucketPolicy("Allow", `{"AWS":"111122223333"}`, "s3:GetObject"))}, Allowed},
		{"cross-account bucket allows other account", crossGet(alice), Input{Identity: []Attached{identity(t, "p", allow("s3:*", "*"))}, Resource: resourcePolicy(t, bucketPolicy("Allow", `{"AWS":"555555555555"}`, "s3:GetObject"))}, NoResourceAllow},
		{"cross-account needs identity", crossGet(alice), Input{Resource: resourcePolicy(t, bucketPolicy("Allow", `{"AWS":"arn:aws:iam::111122223333:user/alice"}`, "s3:GetObject"))}, NoIdentityAllow},
		{"cross-account boundary", crossGet(alice), Input{Identity: []Attached{identity(t, "p", allow("s3:*", "*"))}, Boundary: boundary(t, allow("ec2:*", "*")), Resource: resourcePolicy(t, bucketPolicy("Allow", `"*"`, "s3:GetObject"))}, NoBoundaryAllow},
		{"cross-account session", crossGet(session), Input{Identity: []Attached{identity(t, "p", allow("s3:*", "*"))}, Session: sessionPolicy(t, allow("ec2:*", "*")), Resource: resourcePolicy(t, bucketPolicy("Allow", `"*"`, "s3:GetObject"))}, NoSessionAllow},
		{"cross-account role allowed", crossGet(session), Input{Identity: []Attached{identity(t, "p", allow("s3:*", "*"))}, Resource: resourcePolicy(t, bucketPolicy("Allow", `{"AWS":"arn:aws:iam::111122223333:role/app/Reader"}`, "s3:GetObject"))}, Allowed},
		{"outsider into our bucket", Request{Principal: outsider, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", ResourceAccount: acct}, Input{Identity: []Attached{identity(t, "p", allow("s3:*", "*"))}}, NoResourceAllow},

		// The root user: everything but a resource-policy deny ("Policy
		// evaluation logic": implicit deny "with the exception of the AWS
		// account root user").
		{"root", get(root), Input{}, Allowed},
		{"root ignores identity deny input", get(root), Input{Identity: []Attached{identity(t, "p", deny("*", "*"))}}, Allowed},
		{"root and bucket deny", get(root), Input{Resource: resourcePolicy(t, bucketPolicy("Deny", `"*"`, "s3:*"))}, ExplicitDenyResource},
		{"root cross-account", crossGet(root), Input{}, NoResourceAllow},
		{"root cross-account allowed", crossGet(root), Input{Resource: resourcePolicy(t, bucketPolicy("Allow", `{"AWS":"111122223333"}`, "s3:GetObject"))}, Allowed},

		// Anonymous callers and services exist only through resource
		// policies.
		{"anonymous public", get(anonymous), Input{Resource: resourcePolicy(t, bucketPolicy("Allow", `"*"`, "s3:GetObject"))}, Allowed},
		{"anonymous private", get(anonymous), Input{}, NoResourceAllow},
		{"anonymous not an account", get(anonymous), Input{Resource: resourcePolicy(t, bucketPolicy("Allow", `{"AWS":"111122223333"}`, "s3:GetObject"))}, NoResourceAllow},
		{"service principal", get(ec2Svc), Input{Resource: resourcePolicy(t, bucketPolicy("Allow", `{"Service":"EC2.amazonaws.com"}`, "s3:GetObject"))}, Allowed},

		// "IAM JSON policy elements: NotPrincipal": a caller is exempt only
		// when all of its identities are listed.
		{"NotPrincipal user only still denies", get(alice), Input{Identity: []Attached{identity(t, "p", allow("s3:*", "*"))}, Resource: resourcePolicy(t, notPrincipalDeny(`"arn:aws:iam::111122223333:user/alice"`))}, ExplicitDenyResource},
		{"NotPrincipal user and account exempts", get(alice), Input{Identity: []Attached{identity(t, "p", allow("s3:*", "*"))}, Resource: resourcePolicy(t, notPrincipalDeny(`["arn:aws:iam::111122223333:user/alice","arn:aws:iam::111122223333:root"]`))}, Allowed},
		{"NotPrincipal denies others", get(bob), Input{Identity: []Attached{identity(t, "p", allow("s3:*", "*"))}, Resource: resourcePolicy(t, notPrincipalDeny(`["arn:aws:iam::111122223333:user/alice","arn:aws:iam::111122223333:root"]`))}, ExplicitDenyResource},
		{"NotPrincipal session, role and account", get(session), Input{Identity: []Attached{identity(t, "p", allow("s3:*", "*"))}, Resource: resourcePolicy(t, notPrincipalDeny(`["arn:aws:sts::111122223333:assumed-role/Reader/s1","arn:aws:iam::111122223333:role/app/Reader","111122223333"]`))}, Allowed},
		{"NotPrincipal session without role", get(session), Input{Identity: []Attached{identity(t, "p", allow("s3:*", "*"))}, Resource: resourcePolicy(t, notPrincipalDeny(`["arn:aws:sts::111122223333:assumed-role/Reader/s1","111122223333"]`))}, ExplicitDenyResource},
		// "Permissions boundaries for IAM entities": NotPrincipal with Deny
		// always denies a principal that has a boundary.
		{"NotPrincipal deny with boundary", get(alice), Input{Identity: []Attached{identity(t, "p", allow("s3:*", "*"))}, Boundary: boundary(t, allow("s3:*", "*")), Resource: resourcePolicy(t, notPrincipalDeny(`["arn:aws:iam::111122223333:user/alice","arn:aws:iam::111122223333:root"]`))}, ExplicitDenyResource},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := Evaluate(tc.req, tc.in)
			if d.Reason != tc.want || d.Allowed != (tc.want == Allowed) {
				t.Errorf("decision %v (allowed %v), want %v; matched %+v failed %+v", d.Reason, d.Allowed, tc.want, d.Matched, d.Failed)
			}
		})
	}
}

func notPrincipalDeny(list string) string {
	return `{"Version":"2012-10-17","Statement":{"Effect":"Deny","NotPrincipal":{"AWS":` + list + `},"Action":"s3:*","Resource":"arn:aws:s3:::b/*"}}`
}

// Role trust policies "must explicitly allow access for principals"
// ("Policy evaluation logic"); Input.ResourceRequired models that.
func TestEvaluateTrust(t *testing.T) {
	assume := func(p Principal, action string, c ctx) Request {
		return Request{Principal: p, Action: action, Resource: "arn:aws:iam::111122223333:role/app/Reader", Context: c}
	}
	trust := func(doc string) *Attached {
		return &Attached{Name: "trust", Type: "resource", Policy: mustParse(t, doc, Trust)}
	}
	const ec2Trust = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}}`
	const acctTrust = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}}`
	const userTrust = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":["sts:AssumeRole","sts:TagSession"]}}`
	const oidcTrust = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/token.example.com"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"token.example.com:aud":"sts.amazonaws.com"},"StringLike":{"token.example.com:sub":"repo:example/*"}}}}`
	canAssume := []Attached{identity(t, "assume", allow("sts:AssumeRole", "*"))}
	web := Principal{Type: TypeWebIdentityUser, Provider: "arn:aws:iam::111122223333:oidc-provider/token.example.com"}
	tests := []struct {
		name string
		req  Request
		in   Input
		want Reason
	}{
		{"service trusted", assume(ec2Svc, "sts:AssumeRole", nil), Input{Resource: trust(ec2Trust), ResourceRequired: true}, Allowed},
		{"other service", assume(Principal{Type: TypeAWSService, ARN: "lambda.amazonaws.com"}, "sts:AssumeRole", nil), Input{Resource: trust(ec2Trust), ResourceRequired: true}, NoResourceAllow},
		{"account trust needs identity", assume(alice, "sts:AssumeRole", nil), Input{Resource: trust(acctTrust), ResourceRequired: true}, NoIdentityAllow},
		{"account trust and identity", assume(alice, "sts:AssumeRole", nil), Input{Identity: canAssume, Resource: trust(acctTrust), ResourceRequired: true}, Allowed},
		{"identity without trust", assume(alice, "sts:AssumeRole", nil), Input{Identity: canAssume, Resource: trust(ec2Trust), ResourceRequired: true}, NoResourceAllow},
		{"user trusted directly", assume(alice, "sts:AssumeRole", nil), Input{Resource: trust(userTrust), ResourceRequired: true}, Allowed},
		{"other user", assume(bob, "sts:AssumeRole", nil), Input{Identity: canAssume, Resource: trust(userTrust), ResourceRequired: true}, NoResourceAllow},
		{"root needs trust", assume(root, "sts:AssumeRole", nil), Input{Resource: trust(ec2Trust), ResourceRequired: true}, NoResourceAllow},
		{"web identity", assume(web, "sts:AssumeRoleWithWebIdentity", ctx{"token.example.com:aud": {"sts.amazonaws.com"}, "token.example.com:sub": {"repo:example/app:ref:main"}}), Input{Resource: trust(oidcTrust), ResourceRequired: true}, Allowed},
		{"web identity wrong sub", assume(web, "sts:AssumeRoleWithWebIdentity", ctx{"token.example.com:aud": {"sts.amazonaws.com"}, "token.example.com:sub": {"repo:other/app"}}), Input{Resource: trust(oidcTrust), ResourceRequired: true}, NoResourceAllow},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := Evaluate(tc.req, tc.in)
			if d.Reason != tc.want || d.Allowed != (tc.want == Allowed) {
				t.Errorf("decision %v, want %v", d.Reason, tc.want)
			}
		})
	}
}

// Messages follow "Troubleshoot access denied error messages" in the IAM
// User Guide.
func TestMessage(t *testing.T) {
	req := Request{Principal: alice, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k"}
	const head = "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::b/k "
	tests := []struct {
		reason Reason
		want   string
	}{
		{ExplicitDenyIdentity, head + "with an explicit deny in an identity-based policy"},
		{ExplicitDenyBoundary, head + "with an explicit deny in a permissions boundary"},
		{ExplicitDenySession, head + "with an explicit deny in a session policy"},
		{ExplicitDenyResource, head + "with an explicit deny in a resource-based policy"},
		{NoIdentityAllow, head + "because no identity-based policy allows the s3:GetObject action"},
		{NoBoundaryAllow, head + "because no permissions boundary allows the s3:GetObject action"},
		{NoSessionAllow, head + "because no session policy allows the s3:GetObject action"},
		{NoResourceAllow, head + "because no resource-based policy allows the s3:GetObject action"},
	}
	for _, tc := range tests {
		if got := (Decision{Reason: tc.reason}).Message(req); got != tc.want {
			t.Errorf("%v:\n got %q\nwant %q", tc.reason, got, tc.want)
		}
	}
	if got := (Decision{Allowed: true}).Message(req); got != "" {
		t.Errorf("allowed message %q", got)
	}
	sreq := Request{Principal: session, Action: "iam:ListUsers", Resource: "*"}
	want := "User: arn:aws:sts::111122223333:assumed-role/Reader/s1 is not authorized to perform: iam:ListUsers because no identity-based policy allows the iam:ListUsers action"
	if got := Evaluate(sreq, Input{}).Message(sreq); got != want {
		t.Errorf("session message\n got %q\nwant %q", got, want)
	}
}

func TestExplanations(t *testing.T) {
	mfa := identity(t, "mfa", `{"Version":"2012-10-17","Statement":[
		{"Sid":"Read","Effect":"Allow","Action":"s3:GetObject","Resource":"*"},
		{"Sid":"DenyWithoutMFA","Effect":"Deny","Action":"s3:*","Resource":"*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}},
		{"Sid":"Region","Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"eu-west-1"}}}]}`)
	req := get(alice)
	req.Context = ctx{"aws:MultiFactorAuthPresent": {"true"}}
	d := Evaluate(req, Input{Identity: []Attached{mfa}})
	if !d.Allowed {
		t.Fatalf("denied: %v", d.Reason)
	}
	if len(d.Matched) != 1 || d.Matched[0].Sid != "Read" || d.Matched[0].PolicyName != "mfa" || d.Matched[0].Statement != 0 {
		t.Errorf("matched %+v", d.Matched)
	}
	if len(d.Failed) != 2 || d.Failed[0].Sid != "DenyWithoutMFA" || d.Failed[0].Operator != "BoolIfExists" ||
		!slices.Equal(d.Failed[0].ContextValues, []string{"true"}) || d.Failed[1].Key != "aws:RequestedRegion" {
		t.Errorf("failed %+v", d.Failed)
	}
	if !slices.Equal(d.MissingContextValues, []string{"aws:RequestedRegion"}) {
		t.Errorf("missing %v", d.MissingContextValues)
	}

	req.Context = nil // no MFA information at all: the IfExists deny applies
	d = Evaluate(req, Input{Identity: []Attached{mfa}})
	if d.Allowed || d.Reason != ExplicitDenyIdentity {
		t.Errorf("without MFA: %v", d.Reason)
	}
}

// Derived keys for a role session: aws:PrincipalArn is the role's ARN, not
// the session's ("AWS global condition context keys").
func TestDerivedKeysSession(t *testing.T) {
	p := identity(t, "p", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{
		"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/app/Reader"},
		"StringEquals":{"aws:PrincipalType":"AssumedRole","aws:userid":"AROAEXAMPLEREADER001:s1"},
		"Null":{"aws:username":"true"}}}}`)
	if d := Evaluate(get(session), Input{Identity: []Attached{p}}); !d.Allowed {
		t.Errorf("denied: %v failed %+v", d.Reason, d.Failed)
	}
	s := session
	s.RoleARN = "" // derived from the session ARN, path lost
	if got := s.roleARN(); got != "arn:aws:iam::111122223333:role/Reader" {
		t.Errorf("roleARN = %s", got)
	}
}

// A root session with session policies (delegated access the root user
// accepted) is bounded by them; without any, root is unlimited.
func TestRootSessionBoundedBySessionPolicy(t *testing.T) {
	all := identity(t, "all", allow("*", "*"))
	in := Input{Identity: []Attached{all}, Session: sessionPolicy(t, allow("s3:GetObject", "arn:aws:s3:::b/*"))}
	if d := Evaluate(get(root), in); !d.Allowed {
		t.Errorf("GetObject within the session policy denied: %v", d.Reason)
	}
	other := Request{Principal: root, Action: "iam:ListUsers", Resource: "*"}
	if d := Evaluate(other, in); d.Allowed || d.Reason != NoSessionAllow {
		t.Errorf("ListUsers outside the session policy: allowed %v, %v", d.Allowed, d.Reason)
	}
	if d := Evaluate(other, Input{}); !d.Allowed {
		t.Errorf("root without session policies denied: %v", d.Reason)
	}
}
