package s3

import (
	"strings"
	"testing"

	s3api "hakoniwa/internal/api/s3"
)

func (e *testEnv) allowACLs(bucket string) {
	e.t.Helper()
	_, err := e.svc.PutBucketOwnershipControls(e.ctx(), &s3api.PutBucketOwnershipControlsInput{Bucket: ptr(bucket),
		OwnershipControls: &s3api.OwnershipControls{Rules: []s3api.OwnershipControlsRule{{ObjectOwnership: ptr("ObjectWriter")}}}})
	if err != nil {
		e.t.Fatal(err)
	}
}

func grantSummary(gs []s3api.Grant) []string {
	var out []string
	for _, g := range gs {
		who := deref(g.Grantee.URI)
		if deref(g.Grantee.Type) == "CanonicalUser" {
			who = "id:" + deref(g.Grantee.ID)[:8]
		}
		out = append(out, who+"="+deref(g.Permission))
	}
	return out
}

func TestBucketACLUnderOwnerEnforced(t *testing.T) {
	e := newTestEnv(t)
	ctx := e.ctx()
	e.mustCreateBucket("acl-enf")
	got, err := e.svc.GetBucketAcl(ctx, &s3api.GetBucketAclInput{Bucket: ptr("acl-enf")})
	if err != nil {
		t.Fatal(err)
	}
	if deref(got.Owner.ID) != canonicalID(testAccount) || len(got.Grants) != 1 || deref(got.Grants[0].Permission) != "FULL_CONTROL" || deref(got.Grants[0].Grantee.ID) != canonicalID(testAccount) {
		t.Fatalf("default ACL: %v %v", got.Owner, grantSummary(got.Grants))
	}
	for _, acl := range []string{"private", "bucket-owner-full-control"} {
		if _, err := e.svc.PutBucketAcl(ctx, &s3api.PutBucketAclInput{Bucket: ptr("acl-enf"), ACL: ptr(acl)}); err != nil {
			t.Fatalf("%s is allowed under BucketOwnerEnforced: %v", acl, err)
		}
	}
	_, err = e.svc.PutBucketAcl(ctx, &s3api.PutBucketAclInput{Bucket: ptr("acl-enf"), ACL: ptr("public-read")})
	if errCode(err) != "AccessControlListNotSupported" || errStatus(err) != 400 {
		t.Fatalf("public-read under BucketOwnerEnforced: %v", err)
	}
	_, err = e.svc.PutBucketAcl(ctx, &s3api.PutBucketAclInput{Bucket: ptr("acl-enf"), GrantRead: ptr(`uri="` + groupAuthenticated + `"`)})
	if errCode(err) != "AccessControlListNotSupported" {
		t.Fatalf("grant header under BucketOwnerEnforced: %v", err)
	}
}

func TestBucketACLGrants(t *testing.T) {
	e := newTestEnv(t)
	ctx := e.ctx()
	e.mustCreateBucket("acl-b")
	e.allowACLs("acl-b")
	e.allowPublic("acl-b")
	other := canonicalID("111111111111")
	put := func(in *s3api.PutBucketAclInput) error {
		in.Bucket = ptr("acl-b")
		_, err := e.svc.PutBucketAcl(ctx, in)
		return err
	}
	if err := put(&s3api.PutBucketAclInput{ACL: ptr("public-read")}); err != nil {
		t.Fatal(err)
	}
	got, _ := e.svc.GetBucketAcl(ctx, &s3api.GetBucketAclInput{Bucket: ptr("acl-b")})
	if s := grantSummary(got.Grants); len(s) != 2 || s[1] != groupAllUsers+"=READ" {
		t.Fatalf("public-read: %v", s)
	}
	if err := put(&s3api.PutBucketAclInput{GrantRead: ptr(`id="` + other + `", uri="` + groupLogDelivery + `"`), GrantWriteACP: ptr("id=" + other)}); err != nil {
		t.Fatal(err)
	}
	got, _ = e.svc.GetBucketAcl(ctx, &s3api.GetBucketAclInput{Bucket: ptr("acl-b")})
	if s := grantSummary(got.Grants); len(s) != 3 || s[0] != "id:"+other[:8]+"=READ" || s[1] != groupLogDelivery+"=READ" || s[2] != "id:"+other[:8]+"=WRITE_ACP" {
		t.Fatalf("header grants: %v", s)
	}
	body := &s3api.AccessControlPolicy{Owner: ownerOf(testAccount), Grants: []s3api.Grant{
		{Grantee: &s3api.Grantee{Type: ptr("CanonicalUser"), ID: ptr(canonicalID(testAccount))}, Permission: ptr("FULL_CONTROL")},
		{Grantee: &s3api.Grantee{Type: ptr("Group"), URI: ptr(groupAuthenticated)}, Permission: ptr("READ")}}}
	if err := put(&s3api.PutBucketAclInput{AccessControlPolicy: body}); err != nil {
		t.Fatal(err)
	}
	got, _ = e.svc.GetBucketAcl(ctx, &s3api.GetBucketAclInput{Bucket: ptr("acl-b")})
	if s := grantSummary(got.Grants); len(s) != 2 || s[1] != groupAuthenticated+"=READ" {
		t.Fatalf("body grants: %v", s)
	}

	refusals := []struct {
		in   *s3api.PutBucketAclInput
		code string
	}{
		{&s3api.PutBucketAclInput{}, "MissingSecurityHeader"},
		{&s3api.PutBucketAclInput{ACL: ptr("private"), GrantRead: ptr("id=" + other)}, "InvalidRequest"},
		{&s3api.PutBucketAclInput{ACL: ptr("private"), AccessControlPolicy: body}, "UnexpectedContent"},
		{&s3api.PutBucketAclInput{GrantRead: ptr(`id="nothex"`)}, "InvalidArgument"},
		{&s3api.PutBucketAclInput{GrantRead: ptr(`uri="http://example.com/group"`)}, "InvalidArgument"},
		{&s3api.PutBucketAclInput{GrantRead: ptr(`emailAddress="someone@example.com"`)}, "UnresolvableGrantByEmailAddress"},
		{&s3api.PutBucketAclInput{GrantRead: ptr(`garbage`)}, "InvalidArgument"},
		{&s3api.PutBucketAclInput{AccessControlPolicy: &s3api.AccessControlPolicy{}}, "MalformedACLError"},
		{&s3api.PutBucketAclInput{AccessControlPolicy: &s3api.AccessControlPolicy{Owner: ownerOf("111111111111")}}, "AccessDenied"},
		{&s3api.PutBucketAclInput{AccessControlPolicy: &s3api.AccessControlPolicy{Owner: ownerOf(testAccount),
			Grants: []s3api.Grant{{Grantee: &s3api.Grantee{Type: ptr("Group"), URI: ptr(groupAllUsers)}, Permission: ptr("EVERYTHING")}}}}, "MalformedACLError"},
		{&s3api.PutBucketAclInput{AccessControlPolicy: &s3api.AccessControlPolicy{Owner: ownerOf(testAccount),
			Grants: []s3api.Grant{{Permission: ptr("READ")}}}}, "MalformedACLError"},
	}
	for i, r := range refusals {
		if err := put(r.in); errCode(err) != r.code {
			t.Errorf("refusal %d: %v, want %s", i, err, r.code)
		}
	}

	// BlockPublicAcls refuses public grants, not others.
	if _, err := e.svc.PutPublicAccessBlock(ctx, &s3api.PutPublicAccessBlockInput{Bucket: ptr("acl-b"),
		PublicAccessBlockConfiguration: &s3api.PublicAccessBlockConfiguration{BlockPublicAcls: ptr(true)}}); err != nil {
		t.Fatal(err)
	}
	if err := put(&s3api.PutBucketAclInput{ACL: ptr("authenticated-read")}); errCode(err) != "AccessDenied" || errStatus(err) != 403 {
		t.Fatalf("public ACL under BlockPublicAcls: %v", err)
	}
	if err := put(&s3api.PutBucketAclInput{ACL: ptr("log-delivery-write")}); err != nil {
		t.Fatalf("log-delivery-write is not public: %v", err)
	}
}

func TestObjectACL(t *testing.T) {
	e := newTestEnv(t)
	ctx := e.ctx()
	e.mustCreateBucket("acl-o")
	e.mustPut("acl-o", "k", "v")
	got, err := e.svc.GetObjectAcl(ctx, &s3api.GetObjectAclInput{Bucket: ptr("acl-o"), Key: ptr("k")})
	if err != nil || len(got.Grants) != 1 || deref(got.Owner.ID) != canonicalID(testAccount) {
		t.Fatalf("default object ACL: %v %v", got, err)
	}
	if _, err := e.svc.PutObjectAcl(ctx, &s3api.PutObjectAclInput{Bucket: ptr("acl-o"), Key: ptr("k"), ACL: ptr("public-read")}); errCode(err) != "AccessControlListNotSupported" {
		t.Fatalf("object ACL under BucketOwnerEnforced: %v", err)
	}
	if _, err := e.svc.PutObjectAcl(ctx, &s3api.PutObjectAclInput{Bucket: ptr("acl-o"), Key: ptr("missing"), ACL: ptr("private")}); errCode(err) != "NoSuchKey" {
		t.Fatalf("missing key: %v", err)
	}
	e.allowACLs("acl-o")
	e.allowPublic("acl-o")
	if _, err := e.svc.PutObjectAcl(ctx, &s3api.PutObjectAclInput{Bucket: ptr("acl-o"), Key: ptr("k"), ACL: ptr("public-read")}); err != nil {
		t.Fatal(err)
	}
	got, _ = e.svc.GetObjectAcl(ctx, &s3api.GetObjectAclInput{Bucket: ptr("acl-o"), Key: ptr("k")})
	if s := grantSummary(got.Grants); len(s) != 2 || s[1] != groupAllUsers+"=READ" {
		t.Fatalf("object public-read: %v", s)
	}
	// A new version starts from the default ACL again.
	e.mustPut("acl-o", "k", "v2")
	got, _ = e.svc.GetObjectAcl(ctx, &s3api.GetObjectAclInput{Bucket: ptr("acl-o"), Key: ptr("k")})
	if len(got.Grants) != 1 {
		t.Fatalf("overwritten object kept the old ACL: %v", grantSummary(got.Grants))
	}
}

func TestPublicACLsInDecisions(t *testing.T) {
	e := newTestEnv(t)
	ctx := e.ctx()
	e.mustCreateBucket("acl-p")
	e.mustPut("acl-p", "doc", "v")
	if _, err := e.svc.PutBucketAcl(ctx, &s3api.PutBucketAclInput{Bucket: ptr("acl-p"), ACL: ptr("private")}); err != nil {
		t.Fatal(err)
	}
	e.allowACLs("acl-p")
	e.allowPublic("acl-p")
	rp, _, _ := e.svc.ResourcePolicy(ctx, "arn:aws:s3:::acl-p")
	if rp.Text != "" {
		t.Fatalf("private ACL grants: %s", rp.Text)
	}
	if _, err := e.svc.PutBucketAcl(ctx, &s3api.PutBucketAclInput{Bucket: ptr("acl-p"), ACL: ptr("public-read")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.PutObjectAcl(ctx, &s3api.PutObjectAclInput{Bucket: ptr("acl-p"), Key: ptr("doc"), ACL: ptr("public-read")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.PutBucketPolicy(ctx, &s3api.PutBucketPolicyInput{Bucket: ptr("acl-p"), Policy: ptr(
		`{"Version":"2012-10-17","Statement":{"Effect":"Deny","Principal":"*","Action":"s3:DeleteBucket","Resource":"arn:aws:s3:::acl-p"}}`)}); err != nil {
		t.Fatal(err)
	}
	rp, _, _ = e.svc.ResourcePolicy(ctx, "arn:aws:s3:::acl-p/doc")
	want := []string{`"Effect":"Deny"`, `"Action":["s3:ListBucket","s3:ListBucketVersions","s3:ListBucketMultipartUploads"],"Effect":"Allow","Principal":"*","Resource":"arn:aws:s3:::acl-p"`,
		`"Action":["s3:GetObject","s3:GetObjectVersion"],"Effect":"Allow","Principal":"*","Resource":"arn:aws:s3:::acl-p/doc"`}
	for _, w := range want {
		if !strings.Contains(rp.Text, w) {
			t.Errorf("policy with ACLs lacks %s:\n%s", w, rp.Text)
		}
	}
	if _, err := e.svc.PutPublicAccessBlock(ctx, &s3api.PutPublicAccessBlockInput{Bucket: ptr("acl-p"),
		PublicAccessBlockConfiguration: &s3api.PublicAccessBlockConfiguration{IgnorePublicAcls: ptr(true)}}); err != nil {
		t.Fatal(err)
	}
	if rp, _, _ = e.svc.ResourcePolicy(ctx, "arn:aws:s3:::acl-p/doc"); strings.Contains(rp.Text, "Allow") {
		t.Fatalf("IgnorePublicAcls: %s", rp.Text)
	}
}
