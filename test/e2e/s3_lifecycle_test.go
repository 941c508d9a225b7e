package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// TestS3LifecycleConfiguration: rules round-trip through aws-sdk-go-v2 and
// S3's refusals reach it. Carrying the rules out is on the server's clock
// and unit-tested in the package with a manual clock.
func TestS3LifecycleConfiguration(t *testing.T) {
	s := StartServer(t)
	ctx := context.Background()
	c := s3Client(s)
	b := aws.String("lc-e2e")
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	_, err := c.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: b})
	if apiCode(t, err) != "NoSuchLifecycleConfiguration" {
		t.Fatalf("none yet: %v", err)
	}
	put := func(rules ...types.LifecycleRule) error {
		_, err := c.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: b,
			LifecycleConfiguration: &types.BucketLifecycleConfiguration{Rules: rules}})
		return err
	}
	err = put(types.LifecycleRule{ID: aws.String("zero"), Status: types.ExpirationStatusEnabled, Filter: &types.LifecycleRuleFilter{Prefix: aws.String("")},
		Expiration: &types.LifecycleExpiration{Days: aws.Int32(0)}})
	if apiCode(t, err) != "InvalidArgument" || !strings.Contains(err.Error(), "'Days' for Expiration action must be a positive integer") {
		t.Fatalf("zero days: %v", err)
	}
	rules := []types.LifecycleRule{
		{ID: aws.String("tmp"), Status: types.ExpirationStatusEnabled, Filter: &types.LifecycleRuleFilter{Prefix: aws.String("tmp/")},
			Expiration: &types.LifecycleExpiration{Days: aws.Int32(7)}, AbortIncompleteMultipartUpload: &types.AbortIncompleteMultipartUpload{DaysAfterInitiation: aws.Int32(1)}},
		{ID: aws.String("old-versions"), Status: types.ExpirationStatusDisabled, Filter: &types.LifecycleRuleFilter{And: &types.LifecycleRuleAndOperator{
			Prefix: aws.String("docs/"), Tags: []types.Tag{{Key: aws.String("class"), Value: aws.String("draft")}}}},
			NoncurrentVersionExpiration: &types.NoncurrentVersionExpiration{NoncurrentDays: aws.Int32(30), NewerNoncurrentVersions: aws.Int32(2)}},
	}
	if err := put(rules...); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: b})
	if err != nil || len(got.Rules) != 2 {
		t.Fatalf("get: %+v %v", got, err)
	}
	r0, r1 := got.Rules[0], got.Rules[1]
	if aws.ToString(r0.ID) != "tmp" || aws.ToInt32(r0.Expiration.Days) != 7 || aws.ToString(r0.Filter.Prefix) != "tmp/" || aws.ToInt32(r0.AbortIncompleteMultipartUpload.DaysAfterInitiation) != 1 {
		t.Fatalf("rule 0: %+v", r0)
	}
	if r1.Status != types.ExpirationStatusDisabled || r1.Filter.And == nil || len(r1.Filter.And.Tags) != 1 || aws.ToInt32(r1.NoncurrentVersionExpiration.NewerNoncurrentVersions) != 2 {
		t.Fatalf("rule 1: %+v", r1)
	}
	if _, err := c.DeleteBucketLifecycle(ctx, &s3.DeleteBucketLifecycleInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: b})
	if apiCode(t, err) != "NoSuchLifecycleConfiguration" {
		t.Fatalf("after delete: %v", err)
	}
}

// TestS3LifecycleCLIs: both aws CLIs put and read rules, and see refusals.
func TestS3LifecycleCLIs(t *testing.T) {
	s := StartServer(t)
	bothCLIs(t, s, nil, func(t *testing.T, name string, run func(args ...string) (string, string, error)) {
		bucket := "cli-lc-" + name
		if _, errb, err := run("s3api", "create-bucket", "--bucket", bucket); err != nil {
			t.Fatalf("%v %s", err, errb)
		}
		dup := `{"Rules":[{"ID":"a","Status":"Enabled","Filter":{"Prefix":"x/"},"Expiration":{"Days":1}},{"ID":"a","Status":"Enabled","Filter":{"Prefix":"y/"},"Expiration":{"Days":1}}]}`
		if _, errb, err := run("s3api", "put-bucket-lifecycle-configuration", "--bucket", bucket, "--lifecycle-configuration", dup); err == nil || !strings.Contains(errb, "Rule ID must be unique") {
			t.Fatalf("duplicate ids: %v %s", err, errb)
		}
		good := `{"Rules":[{"ID":"logs","Status":"Enabled","Filter":{"Prefix":"logs/"},"Expiration":{"Date":"2030-01-01T00:00:00Z"}}]}`
		if _, errb, err := run("s3api", "put-bucket-lifecycle-configuration", "--bucket", bucket, "--lifecycle-configuration", good); err != nil {
			t.Fatalf("put: %v %s", err, errb)
		}
		out, errb, err := run("s3api", "get-bucket-lifecycle-configuration", "--bucket", bucket, "--query", "Rules[0].[ID,Expiration.Date]", "--output", "text")
		if err != nil || !strings.HasPrefix(strings.TrimSpace(out), "logs\t2030-01-01") {
			t.Fatalf("get: %q %v %s", out, err, errb)
		}
	})
}
