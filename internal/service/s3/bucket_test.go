package s3

import (
	"strings"
	"testing"

	s3api "hakoniwa/internal/api/s3"
)

func (e *testEnv) mustCreateBucket(name string) {
	e.t.Helper()
	if _, err := e.svc.CreateBucket(e.ctx(), &s3api.CreateBucketInput{Bucket: ptr(name)}); err != nil {
		e.t.Fatalf("CreateBucket %s: %v", name, err)
	}
}

// allowPublic removes the Block Public Access settings every new bucket
// starts with, as an owner who means to share a bucket must first do.
func (e *testEnv) allowPublic(bucket string) {
	e.t.Helper()
	if _, err := e.svc.DeletePublicAccessBlock(e.ctx(), &s3api.DeletePublicAccessBlockInput{Bucket: ptr(bucket)}); err != nil {
		e.t.Fatal(err)
	}
}

func TestBucketNames(t *testing.T) {
	good := []string{"abc", "my-bucket", "my.bucket.1", "1bucket", strings.Repeat("a", 63), "a-b.c-d", "192.168.5.com", "xn-a", "sthreeok"}
	bad := []string{"", "ab", strings.Repeat("a", 64), "My-Bucket", "my_bucket", "-bucket", "bucket-", ".bucket", "bucket.",
		"my..bucket", "192.168.5.4", "xn--bucket", "sthree-bucket", "sthree-configurator-x", "amzn-s3-demo-bucket",
		"bucket-s3alias", "bucket--ol-s3", "bucket.mrap", "bucket--x-s3", "bucket--table-s3", "buck et", "bücket"}
	for _, n := range good {
		if !validBucketName(n) {
			t.Errorf("%q refused", n)
		}
	}
	for _, n := range bad {
		if validBucketName(n) {
			t.Errorf("%q accepted", n)
		}
	}
}

func TestCreateBucketLocation(t *testing.T) {
	e := newTestEnv(t)
	cases := []struct {
		name, endpoint, constraint string
		want, region               string
	}{
		{"plain-east", "us-east-1", "", "", "us-east-1"},
		{"east-names-west", "us-east-1", "eu-west-1", "", "eu-west-1"},
		{"east-says-east", "us-east-1", "us-east-1", "InvalidLocationConstraint", ""},
		{"legacy-eu", "eu-west-1", "EU", "", "eu-west-1"},
		{"west-own", "us-west-2", "us-west-2", "", "us-west-2"},
		{"west-unspecified", "us-west-2", "", "IllegalLocationConstraintException", ""},
		{"west-other", "us-west-2", "eu-central-1", "IllegalLocationConstraintException", ""},
		{"unknown-region", "us-west-2", "mars-north-1", "InvalidLocationConstraint", ""},
	}
	for _, c := range cases {
		in := &s3api.CreateBucketInput{Bucket: ptr(c.name)}
		if c.constraint != "" {
			in.CreateBucketConfiguration = &s3api.CreateBucketConfiguration{LocationConstraint: ptr(c.constraint)}
		}
		_, err := e.svc.CreateBucket(ctxFor(testAccount, c.endpoint), in)
		if got := errCode(err); got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
			continue
		}
		if c.want != "" {
			if errStatus(err) != 400 {
				t.Errorf("%s: status %d", c.name, errStatus(err))
			}
			continue
		}
		h, err := e.svc.HeadBucket(e.ctx(), &s3api.HeadBucketInput{Bucket: ptr(c.name)})
		if err != nil || deref(h.BucketRegion) != c.region {
			t.Errorf("%s: HeadBucket %v %v", c.name, h, err)
		}
		loc, err := e.svc.GetBucketLocation(e.ctx(), &s3api.GetBucketLocationInput{Bucket: ptr(c.name)})
		wantLoc := c.constraint
		if err != nil || deref(loc.LocationConstraint) != wantLoc {
			t.Errorf("%s: location %v %v, want %q", c.name, loc, err, wantLoc)
		}
	}
	msg := ""
	if _, err := e.svc.CreateBucket(ctxFor(testAccount, "us-west-2"), &s3api.CreateBucketInput{Bucket: ptr("zz-b")}); err != nil {
		msg = err.Error()
	}
	if !strings.Contains(msg, "The unspecified location constraint is incompatible") {
		t.Errorf("message %q", msg)
	}
}

func TestCreateBucketTwice(t *testing.T) {
	e := newTestEnv(t)
	e.mustCreateBucket("taken")
	// us-east-1 keeps its legacy answer for the owner: success.
	if _, err := e.svc.CreateBucket(e.ctx(), &s3api.CreateBucketInput{Bucket: ptr("taken")}); err != nil {
		t.Errorf("owner again in us-east-1: %v", err)
	}
	west := ctxFor(testAccount, "us-west-2")
	wcfg := &s3api.CreateBucketConfiguration{LocationConstraint: ptr("us-west-2")}
	if _, err := e.svc.CreateBucket(west, &s3api.CreateBucketInput{Bucket: ptr("west-b"), CreateBucketConfiguration: wcfg}); err != nil {
		t.Fatal(err)
	}
	_, err := e.svc.CreateBucket(west, &s3api.CreateBucketInput{Bucket: ptr("west-b"), CreateBucketConfiguration: wcfg})
	if errCode(err) != "BucketAlreadyOwnedByYou" || errStatus(err) != 409 {
		t.Errorf("owner again in us-west-2: %v", err)
	}
	other := ctxFor("111111111111", "us-east-1")
	for _, name := range []string{"taken", "west-b"} {
		_, err := e.svc.CreateBucket(other, &s3api.CreateBucketInput{Bucket: ptr(name)})
		if errCode(err) != "BucketAlreadyExists" || errStatus(err) != 409 {
			t.Errorf("%s by another account: %v", name, err)
		}
	}
	out, err := e.svc.ListBuckets(other, &s3api.ListBucketsInput{})
	if err != nil || len(out.Buckets) != 0 {
		t.Errorf("other account lists %v %v", out, err)
	}
}

func TestCreateBucketRefusals(t *testing.T) {
	e := newTestEnv(t)
	_, err := e.svc.CreateBucket(e.ctx(), &s3api.CreateBucketInput{Bucket: ptr("Bad")})
	if errCode(err) != "InvalidBucketName" {
		t.Errorf("bad name: %v", err)
	}
	_, err = e.svc.CreateBucket(e.ctx(), &s3api.CreateBucketInput{Bucket: ptr("acl-b"), ACL: ptr("public-read")})
	if errCode(err) != "InvalidBucketAclWithObjectOwnership" {
		t.Errorf("acl with enforced ownership: %v", err)
	}
	_, err = e.svc.CreateBucket(e.ctx(), &s3api.CreateBucketInput{Bucket: ptr("acl-g"), GrantRead: ptr("id=" + canonicalID("111111111111"))})
	if errCode(err) != "InvalidBucketAclWithObjectOwnership" {
		t.Errorf("grant header with enforced ownership: %v", err)
	}
	// Even with ACLs enabled a public one is refused: the new bucket
	// blocks public ACLs from its creation.
	for _, in := range []*s3api.CreateBucketInput{
		{Bucket: ptr("acl-c"), ACL: ptr("public-read"), ObjectOwnership: ptr("ObjectWriter")},
		{Bucket: ptr("acl-c"), ACL: ptr("authenticated-read"), ObjectOwnership: ptr("BucketOwnerPreferred")},
		{Bucket: ptr("acl-c"), GrantWrite: ptr(`uri="` + groupAllUsers + `"`), ObjectOwnership: ptr("ObjectWriter")},
	} {
		_, err := e.svc.CreateBucket(e.ctx(), in)
		if errCode(err) != "InvalidBucketAclWithBlockPublicAccessError" || errStatus(err) != 400 {
			t.Errorf("public ACL at creation %s: %v", deref(in.ACL), err)
		}
	}
	if _, err := e.svc.HeadBucket(e.ctx(), &s3api.HeadBucketInput{Bucket: ptr("acl-c")}); errCode(err) != "NoSuchBucket" {
		t.Errorf("a refused bucket exists: %v", err)
	}
	if _, err := e.svc.CreateBucket(e.ctx(), &s3api.CreateBucketInput{Bucket: ptr("acl-l"), ACL: ptr("log-delivery-write"), ObjectOwnership: ptr("ObjectWriter")}); err != nil {
		t.Errorf("non-public ACL with ObjectWriter: %v", err)
	}
	acl, err := e.svc.GetBucketAcl(e.ctx(), &s3api.GetBucketAclInput{Bucket: ptr("acl-l")})
	if s := grantSummary(acl.Grants); err != nil || len(s) != 3 || s[1] != groupLogDelivery+"=WRITE" {
		t.Errorf("creation ACL not kept: %v %v", s, err)
	}
	if _, err := e.svc.CreateBucket(e.ctx(), &s3api.CreateBucketInput{Bucket: ptr("acl-d"), ACL: ptr("private")}); err != nil {
		t.Errorf("private acl: %v", err)
	}
	if _, err := e.svc.CreateBucket(e.ctx(), &s3api.CreateBucketInput{Bucket: ptr("acl-x"), ACL: ptr("nonsense"), ObjectOwnership: ptr("ObjectWriter")}); errCode(err) != "InvalidArgument" {
		t.Errorf("unknown canned ACL: %v", err)
	}
}

// TestNewBucketBlocksPublicAccess: a new bucket has all four Block Public
// Access settings and BucketOwnerEnforced, and they hold until changed.
func TestNewBucketBlocksPublicAccess(t *testing.T) {
	e := newTestEnv(t)
	ctx := e.ctx()
	e.mustCreateBucket("bpa-b")
	got, err := e.svc.GetPublicAccessBlock(ctx, &s3api.GetPublicAccessBlockInput{Bucket: ptr("bpa-b")})
	if err != nil {
		t.Fatal(err)
	}
	if c := got.PublicAccessBlockConfiguration; !isTrue(c.BlockPublicAcls) || !isTrue(c.IgnorePublicAcls) || !isTrue(c.BlockPublicPolicy) || !isTrue(c.RestrictPublicBuckets) {
		t.Fatalf("new bucket's settings: %+v", c)
	}
	own, err := e.svc.GetBucketOwnershipControls(ctx, &s3api.GetBucketOwnershipControlsInput{Bucket: ptr("bpa-b")})
	if err != nil || deref(own.OwnershipControls.Rules[0].ObjectOwnership) != "BucketOwnerEnforced" {
		t.Fatalf("ownership: %+v %v", own, err)
	}
	if _, err := e.svc.PutBucketPolicy(ctx, &s3api.PutBucketPolicyInput{Bucket: ptr("bpa-b"), Policy: ptr(strings.ReplaceAll(publicRead, "pbk", "bpa-b"))}); errCode(err) != "AccessDenied" || errStatus(err) != 403 {
		t.Fatalf("public policy on a new bucket: %v", err)
	}
	e.allowACLs("bpa-b")
	if _, err := e.svc.PutBucketAcl(ctx, &s3api.PutBucketAclInput{Bucket: ptr("bpa-b"), ACL: ptr("public-read")}); errCode(err) != "AccessDenied" {
		t.Fatalf("public ACL on a new bucket: %v", err)
	}
	// Relaxing one setting leaves the others on.
	if _, err := e.svc.PutPublicAccessBlock(ctx, &s3api.PutPublicAccessBlockInput{Bucket: ptr("bpa-b"), PublicAccessBlockConfiguration: &s3api.PublicAccessBlockConfiguration{
		BlockPublicAcls: ptr(true), IgnorePublicAcls: ptr(true), BlockPublicPolicy: ptr(false), RestrictPublicBuckets: ptr(true)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.PutBucketPolicy(ctx, &s3api.PutBucketPolicyInput{Bucket: ptr("bpa-b"), Policy: ptr(strings.ReplaceAll(publicRead, "pbk", "bpa-b"))}); err != nil {
		t.Fatalf("public policy once allowed: %v", err)
	}
	if rp, _, _ := e.svc.ResourcePolicy(ctx, "arn:aws:s3:::bpa-b/k"); !rp.Restricted {
		t.Fatal("RestrictPublicBuckets no longer applied")
	}
	// Settings survive a restart; a recreated bucket starts blocked again.
	e.restart()
	if got, _ := e.svc.GetPublicAccessBlock(ctx, &s3api.GetPublicAccessBlockInput{Bucket: ptr("bpa-b")}); isTrue(got.PublicAccessBlockConfiguration.BlockPublicPolicy) {
		t.Fatal("relaxed setting lost on restart")
	}
	if _, err := e.svc.DeleteBucketPolicy(ctx, &s3api.DeleteBucketPolicyInput{Bucket: ptr("bpa-b")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.DeleteBucket(ctx, &s3api.DeleteBucketInput{Bucket: ptr("bpa-b")}); err != nil {
		t.Fatal(err)
	}
	e.mustCreateBucket("bpa-b")
	if got, _ := e.svc.GetPublicAccessBlock(ctx, &s3api.GetPublicAccessBlockInput{Bucket: ptr("bpa-b")}); !isTrue(got.PublicAccessBlockConfiguration.BlockPublicPolicy) {
		t.Fatal("recreated bucket kept the old settings")
	}
}

func TestBucketQuota(t *testing.T) {
	e := newTestEnv(t)
	svc, err := New(e.ctx(), Config{Store: e.st, Blobs: e.blobs, Clock: e.clock, MaxBuckets: 2})
	if err != nil {
		t.Fatal(err)
	}
	e.svc = svc
	e.mustCreateBucket("q-1")
	e.mustCreateBucket("q-2")
	_, err = svc.CreateBucket(e.ctx(), &s3api.CreateBucketInput{Bucket: ptr("q-3")})
	if errCode(err) != "TooManyBuckets" {
		t.Errorf("over quota: %v", err)
	}
	if _, err := svc.DeleteBucket(e.ctx(), &s3api.DeleteBucketInput{Bucket: ptr("q-1")}); err != nil {
		t.Fatal(err)
	}
	e.mustCreateBucket("q-3")
}

func TestListBucketsPaging(t *testing.T) {
	e := newTestEnv(t)
	for _, n := range []string{"a-1", "a-2", "a-3", "b-1", "b-2"} {
		e.mustCreateBucket(n)
	}
	west := &s3api.CreateBucketConfiguration{LocationConstraint: ptr("us-west-2")}
	if _, err := e.svc.CreateBucket(e.ctx(), &s3api.CreateBucketInput{Bucket: ptr("a-west"), CreateBucketConfiguration: west}); err != nil {
		t.Fatal(err)
	}
	var got []string
	in := &s3api.ListBucketsInput{Prefix: ptr("a-"), MaxBuckets: ptr(int64(2))}
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("no end")
		}
		out, err := e.svc.ListBuckets(e.ctx(), in)
		if err != nil {
			t.Fatal(err)
		}
		if deref(out.Prefix) != "a-" || out.Owner == nil || len(deref(out.Owner.ID)) != 64 {
			t.Errorf("page %+v", out)
		}
		for _, b := range out.Buckets {
			got = append(got, *b.Name)
		}
		if out.ContinuationToken == nil {
			break
		}
		in.ContinuationToken = out.ContinuationToken
	}
	if strings.Join(got, ",") != "a-1,a-2,a-3,a-west" {
		t.Errorf("pages gave %v", got)
	}
	out, err := e.svc.ListBuckets(e.ctx(), &s3api.ListBucketsInput{BucketRegion: ptr("us-west-2")})
	if err != nil || len(out.Buckets) != 1 || *out.Buckets[0].Name != "a-west" || *out.Buckets[0].BucketRegion != "us-west-2" {
		t.Errorf("region filter: %+v %v", out, err)
	}
	for _, bad := range []*s3api.ListBucketsInput{
		{MaxBuckets: ptr(int64(0))}, {MaxBuckets: ptr(int64(10001))}, {ContinuationToken: ptr("!!")},
		{Prefix: ptr("b-"), ContinuationToken: in.ContinuationToken},
	} {
		if _, err := e.svc.ListBuckets(e.ctx(), bad); errCode(err) != "InvalidArgument" {
			t.Errorf("%+v: %v", bad, err)
		}
	}
}

func TestDeleteBucket(t *testing.T) {
	e := newTestEnv(t)
	e.mustCreateBucket("del-b")
	if _, err := e.svc.HeadBucket(e.ctx(), &s3api.HeadBucketInput{Bucket: ptr("del-b"), ExpectedBucketOwner: ptr("111111111111")}); errCode(err) != "AccessDenied" {
		t.Errorf("expected owner mismatch: %v", err)
	}
	if _, err := e.svc.DeleteBucket(e.ctx(), &s3api.DeleteBucketInput{Bucket: ptr("del-b")}); err != nil {
		t.Fatal(err)
	}
	for _, err := range []error{
		func() error {
			_, err := e.svc.HeadBucket(e.ctx(), &s3api.HeadBucketInput{Bucket: ptr("del-b")})
			return err
		}(),
		func() error {
			_, err := e.svc.DeleteBucket(e.ctx(), &s3api.DeleteBucketInput{Bucket: ptr("del-b")})
			return err
		}(),
		func() error {
			_, err := e.svc.GetBucketLocation(e.ctx(), &s3api.GetBucketLocationInput{Bucket: ptr("del-b")})
			return err
		}(),
	} {
		if errCode(err) != "NoSuchBucket" || errStatus(err) != 404 {
			t.Errorf("after delete: %v", err)
		}
	}
	// The name is free again, for anyone.
	if _, err := e.svc.CreateBucket(ctxFor("111111111111", "us-east-1"), &s3api.CreateBucketInput{Bucket: ptr("del-b")}); err != nil {
		t.Errorf("re-create by another account: %v", err)
	}
}
