package s3

import (
	"testing"

	s3api "hakoniwa/internal/api/s3"
)

const publicRead = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::pbk/*"}]}`

func TestBucketPolicyLifecycle(t *testing.T) {
	e := newTestEnv(t)
	ctx := e.ctx()
	e.mustCreateBucket("pbk")
	if _, err := e.svc.GetBucketPolicy(ctx, &s3api.GetBucketPolicyInput{Bucket: ptr("pbk")}); errCode(err) != "NoSuchBucketPolicy" || errStatus(err) != 404 {
		t.Fatalf("no policy yet: %v", err)
	}
	if _, err := e.svc.GetBucketPolicyStatus(ctx, &s3api.GetBucketPolicyStatusInput{Bucket: ptr("pbk")}); errCode(err) != "NoSuchBucketPolicy" {
		t.Fatalf("status without policy: %v", err)
	}
	if _, err := e.svc.PutBucketPolicy(ctx, &s3api.PutBucketPolicyInput{Bucket: ptr("nope"), Policy: ptr("junk")}); errCode(err) != "NoSuchBucket" {
		t.Fatalf("missing bucket comes before a bad policy: %v", err)
	}
	if _, err := e.svc.PutBucketPolicy(ctx, &s3api.PutBucketPolicyInput{Bucket: ptr("pbk"), Policy: ptr(`{"Statement":[]}`)}); errCode(err) != "MalformedPolicy" {
		t.Fatalf("bad policy: %v", err)
	}
	if _, err := e.svc.PutBucketPolicy(ctx, &s3api.PutBucketPolicyInput{Bucket: ptr("pbk"), Policy: ptr(publicRead)}); errCode(err) != "AccessDenied" {
		t.Fatalf("public policy on a new bucket: %v", err)
	}
	e.allowPublic("pbk")
	if _, err := e.svc.PutBucketPolicy(ctx, &s3api.PutBucketPolicyInput{Bucket: ptr("pbk"), Policy: ptr(publicRead)}); err != nil {
		t.Fatal(err)
	}
	got, err := e.svc.GetBucketPolicy(ctx, &s3api.GetBucketPolicyInput{Bucket: ptr("pbk")})
	if err != nil || deref(got.Policy) != publicRead {
		t.Fatalf("get: %v %v", got, err)
	}
	st, err := e.svc.GetBucketPolicyStatus(ctx, &s3api.GetBucketPolicyStatusInput{Bucket: ptr("pbk")})
	if err != nil || !isTrue(st.PolicyStatus.IsPublic) {
		t.Fatalf("status: %v %v", st, err)
	}
	if _, err := e.svc.GetBucketPolicy(ctx, &s3api.GetBucketPolicyInput{Bucket: ptr("pbk"), ExpectedBucketOwner: ptr("111111111111")}); errCode(err) != "AccessDenied" {
		t.Fatalf("expected owner: %v", err)
	}

	rp, found, err := e.svc.ResourcePolicy(ctx, "arn:aws:s3:::pbk/some/key")
	if err != nil || !found || rp.Text != publicRead || rp.Owner != testAccount || rp.Restricted || !rp.Plain {
		t.Fatalf("resource policy: %+v %v %v", rp, found, err)
	}
	if _, found, _ := e.svc.ResourcePolicy(ctx, "arn:aws:s3:::missing"); found {
		t.Fatal("a missing bucket has a policy")
	}

	// RestrictPublicBuckets turns the public policy off for outsiders;
	// BlockPublicPolicy refuses to put it again.
	_, err = e.svc.PutPublicAccessBlock(ctx, &s3api.PutPublicAccessBlockInput{Bucket: ptr("pbk"),
		PublicAccessBlockConfiguration: &s3api.PublicAccessBlockConfiguration{RestrictPublicBuckets: ptr(true), BlockPublicPolicy: ptr(true)}})
	if err != nil {
		t.Fatal(err)
	}
	if rp, _, _ := e.svc.ResourcePolicy(ctx, "arn:aws:s3:::pbk"); !rp.Restricted {
		t.Fatal("RestrictPublicBuckets not applied")
	}
	_, err = e.svc.PutBucketPolicy(ctx, &s3api.PutBucketPolicyInput{Bucket: ptr("pbk"), Policy: ptr(publicRead)})
	if errCode(err) != "AccessDenied" || errStatus(err) != 403 {
		t.Fatalf("public policy under BlockPublicPolicy: %v", err)
	}
	private := `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::pbk/*"}]}`
	if _, err := e.svc.PutBucketPolicy(ctx, &s3api.PutBucketPolicyInput{Bucket: ptr("pbk"), Policy: ptr(private)}); err != nil {
		t.Fatalf("non-public policy refused: %v", err)
	}
	pab, err := e.svc.GetPublicAccessBlock(ctx, &s3api.GetPublicAccessBlockInput{Bucket: ptr("pbk")})
	if err != nil || !isTrue(pab.PublicAccessBlockConfiguration.BlockPublicPolicy) || isTrue(pab.PublicAccessBlockConfiguration.BlockPublicAcls) {
		t.Fatalf("get public access block: %+v %v", pab, err)
	}
	if _, err := e.svc.DeletePublicAccessBlock(ctx, &s3api.DeletePublicAccessBlockInput{Bucket: ptr("pbk")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.GetPublicAccessBlock(ctx, &s3api.GetPublicAccessBlockInput{Bucket: ptr("pbk")}); errCode(err) != "NoSuchPublicAccessBlockConfiguration" {
		t.Fatalf("after delete: %v", err)
	}

	// The account's setting binds every bucket of the account.
	if err := e.svc.SetAccountPublicAccessBlock(ctx, testAccount, &s3api.PublicAccessBlockConfiguration{BlockPublicPolicy: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.PutBucketPolicy(ctx, &s3api.PutBucketPolicyInput{Bucket: ptr("pbk"), Policy: ptr(publicRead)}); errCode(err) != "AccessDenied" {
		t.Fatalf("account-level BlockPublicPolicy: %v", err)
	}
	if err := e.svc.SetAccountPublicAccessBlock(ctx, testAccount, nil); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := e.svc.AccountPublicAccessBlock(ctx, testAccount); found {
		t.Fatal("account setting survived its deletion")
	}

	if _, err := e.svc.DeleteBucketPolicy(ctx, &s3api.DeleteBucketPolicyInput{Bucket: ptr("pbk")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.GetBucketPolicy(ctx, &s3api.GetBucketPolicyInput{Bucket: ptr("pbk")}); errCode(err) != "NoSuchBucketPolicy" {
		t.Fatalf("after delete: %v", err)
	}
	if _, err := e.svc.DeleteBucketPolicy(ctx, &s3api.DeleteBucketPolicyInput{Bucket: ptr("pbk")}); err != nil {
		t.Fatalf("deleting no policy: %v", err)
	}
}
