package s3

import (
	"testing"

	s3api "hakoniwa/internal/api/s3"
	ctlapi "hakoniwa/internal/api/s3control"
)

func TestAccountPublicAccessBlock(t *testing.T) {
	e := newTestEnv(t)
	ctx := e.ctx()
	ctl := NewControl(e.st)
	acct := ptr(testAccount)
	if _, err := ctl.GetPublicAccessBlock(ctx, &ctlapi.GetPublicAccessBlockInput{AccountId: acct}); errCode(err) != "NoSuchPublicAccessBlockConfiguration" || errStatus(err) != 404 {
		t.Fatalf("none yet: %v", err)
	}
	other := ptr("111111111111")
	if _, err := ctl.PutPublicAccessBlock(ctx, &ctlapi.PutPublicAccessBlockInput{AccountId: other,
		PublicAccessBlockConfiguration: &ctlapi.PublicAccessBlockConfiguration{BlockPublicPolicy: ptr(true)}}); errCode(err) != "AccessDenied" || errStatus(err) != 403 {
		t.Fatalf("another account's settings: %v", err)
	}
	if _, err := ctl.GetPublicAccessBlock(ctx, &ctlapi.GetPublicAccessBlockInput{AccountId: other}); errCode(err) != "AccessDenied" {
		t.Fatalf("reading another account's settings: %v", err)
	}
	_, err := ctl.PutPublicAccessBlock(ctx, &ctlapi.PutPublicAccessBlockInput{AccountId: acct,
		PublicAccessBlockConfiguration: &ctlapi.PublicAccessBlockConfiguration{BlockPublicPolicy: ptr(true), IgnorePublicAcls: ptr(true)}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := ctl.GetPublicAccessBlock(ctx, &ctlapi.GetPublicAccessBlockInput{AccountId: acct})
	if err != nil {
		t.Fatal(err)
	}
	if c := got.PublicAccessBlockConfiguration; !isTrue(c.BlockPublicPolicy) || !isTrue(c.IgnorePublicAcls) || isTrue(c.BlockPublicAcls) || c.RestrictPublicBuckets == nil || *c.RestrictPublicBuckets {
		t.Fatalf("stored: %+v", c)
	}

	// The account's BlockPublicPolicy applies to a bucket that has no
	// settings of its own.
	e.mustCreateBucket("pbk")
	e.allowPublic("pbk")
	if _, err := e.svc.PutBucketPolicy(ctx, &s3api.PutBucketPolicyInput{Bucket: ptr("pbk"), Policy: ptr(publicRead)}); errCode(err) != "AccessDenied" {
		t.Fatalf("public policy under the account's block: %v", err)
	}
	if _, err := ctl.DeletePublicAccessBlock(ctx, &ctlapi.DeletePublicAccessBlockInput{AccountId: acct}); err != nil {
		t.Fatal(err)
	}
	if _, err := ctl.DeletePublicAccessBlock(ctx, &ctlapi.DeletePublicAccessBlockInput{AccountId: acct}); err != nil {
		t.Fatalf("deleting none: %v", err)
	}
	if _, err := ctl.GetPublicAccessBlock(ctx, &ctlapi.GetPublicAccessBlockInput{AccountId: acct}); errCode(err) != "NoSuchPublicAccessBlockConfiguration" {
		t.Fatalf("after delete: %v", err)
	}
	if _, err := e.svc.PutBucketPolicy(ctx, &s3api.PutBucketPolicyInput{Bucket: ptr("pbk"), Policy: ptr(publicRead)}); err != nil {
		t.Fatalf("public policy once unblocked: %v", err)
	}
}
