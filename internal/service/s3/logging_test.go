package s3

import (
	"testing"

	s3api "hakoniwa/internal/api/s3"
)

func TestBucketLogging(t *testing.T) {
	e := newTestEnv(t)
	ctx := e.ctx()
	e.mustCreateBucket("logged")
	e.mustCreateBucket("log-target")
	put := func(le *s3api.LoggingEnabled) error {
		_, err := e.svc.PutBucketLogging(ctx, &s3api.PutBucketLoggingInput{Bucket: ptr("logged"), BucketLoggingStatus: &s3api.BucketLoggingStatus{LoggingEnabled: le}})
		return err
	}
	got, err := e.svc.GetBucketLogging(ctx, &s3api.GetBucketLoggingInput{Bucket: ptr("logged")})
	if err != nil || got.LoggingEnabled != nil {
		t.Fatalf("none yet: %+v %v", got, err)
	}
	if err := put(&s3api.LoggingEnabled{TargetBucket: ptr("nope"), TargetPrefix: ptr("l/")}); errCode(err) != "InvalidTargetBucketForLogging" {
		t.Fatalf("missing target: %v", err)
	}
	if _, err := e.svc.CreateBucket(ctxFor("111111111111", "us-east-1"), &s3api.CreateBucketInput{Bucket: ptr("theirs")}); err != nil {
		t.Fatal(err)
	}
	if err := put(&s3api.LoggingEnabled{TargetBucket: ptr("theirs"), TargetPrefix: ptr("l/")}); errCode(err) != "InvalidTargetBucketForLogging" {
		t.Fatalf("another owner's target: %v", err)
	}
	if _, err := e.svc.CreateBucket(ctxFor(testAccount, "eu-west-1"), &s3api.CreateBucketInput{Bucket: ptr("far-away"),
		CreateBucketConfiguration: &s3api.CreateBucketConfiguration{LocationConstraint: ptr("eu-west-1")}}); err != nil {
		t.Fatal(err)
	}
	if err := put(&s3api.LoggingEnabled{TargetBucket: ptr("far-away"), TargetPrefix: ptr("l/")}); errCode(err) != "CrossLocationLoggingProhibitted" {
		t.Fatalf("other Region: %v", err)
	}
	grants := []s3api.TargetGrant{{Grantee: &s3api.Grantee{Type: ptr("Group"), URI: ptr(groupLogDelivery)}, Permission: ptr("WRITE")}}
	if err := put(&s3api.LoggingEnabled{TargetBucket: ptr("log-target"), TargetPrefix: ptr("l/"), TargetGrants: grants}); errCode(err) != "InvalidTargetBucketForLogging" {
		t.Fatalf("grants on an owner-enforced target: %v", err)
	}
	if err := put(&s3api.LoggingEnabled{TargetBucket: ptr("log-target"), TargetPrefix: ptr("logs/")}); err != nil {
		t.Fatal(err)
	}
	got, _ = e.svc.GetBucketLogging(ctx, &s3api.GetBucketLoggingInput{Bucket: ptr("logged")})
	if got.LoggingEnabled == nil || deref(got.LoggingEnabled.TargetBucket) != "log-target" || deref(got.LoggingEnabled.TargetPrefix) != "logs/" {
		t.Fatalf("stored: %+v", got.LoggingEnabled)
	}
	if err := put(nil); err != nil {
		t.Fatal(err)
	}
	if got, _ = e.svc.GetBucketLogging(ctx, &s3api.GetBucketLoggingInput{Bucket: ptr("logged")}); got.LoggingEnabled != nil {
		t.Fatal("logging still enabled")
	}
}
