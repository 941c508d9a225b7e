package e2e

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// TestS3BucketTaggingSDK: put, get, replace and delete a bucket's tags
// with aws-sdk-go-v2 (CRC32 checksum header), and S3's refusals.
func TestS3BucketTaggingSDK(t *testing.T) {
	s := StartServer(t)
	ctx := context.Background()
	c := s3Client(s)
	b := aws.String("sdk-tags")
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	_, err := c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: b})
	if apiCode(t, err) != "NoSuchTagSet" {
		t.Fatalf("no tags yet: %v", err)
	}
	tags := []types.Tag{{Key: aws.String("env"), Value: aws.String("prod")}, {Key: aws.String("cost centre"), Value: aws.String("é 42")}}
	if _, err := c.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: b, Tagging: &types.Tagging{TagSet: tags}}); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: b})
	if err != nil || len(got.TagSet) != 2 || aws.ToString(got.TagSet[1].Key) != "cost centre" || aws.ToString(got.TagSet[1].Value) != "é 42" {
		t.Fatalf("get: %+v %v", got, err)
	}
	var many []types.Tag
	for i := range 51 {
		many = append(many, types.Tag{Key: aws.String(fmt.Sprintf("k%d", i)), Value: aws.String("v")})
	}
	for _, bad := range []struct {
		tags      []types.Tag
		code, msg string
	}{
		{many, "BadRequest", "Bucket tag count cannot be greater than 50"},
		{[]types.Tag{{Key: aws.String("a"), Value: aws.String("1")}, {Key: aws.String("a"), Value: aws.String("2")}}, "InvalidTag", "Cannot provide multiple Tags with the same key"},
		{[]types.Tag{{Key: aws.String("aws:x"), Value: aws.String("1")}}, "InvalidTag", "Your TagKey cannot be prefixed with aws:"},
		{[]types.Tag{{Key: aws.String(strings.Repeat("k", 129)), Value: aws.String("1")}}, "InvalidTag", "The TagKey you have provided is invalid"},
	} {
		_, err := c.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: b, Tagging: &types.Tagging{TagSet: bad.tags}})
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != bad.code || ae.ErrorMessage() != bad.msg {
			t.Errorf("want %s %q: %v", bad.code, bad.msg, err)
		}
	}
	// The refusals left the tags as they were.
	if got, err := c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: b}); err != nil || len(got.TagSet) != 2 {
		t.Fatalf("after refusals: %+v %v", got, err)
	}
	if _, err := c.DeleteBucketTagging(ctx, &s3.DeleteBucketTaggingInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: b}); apiCode(t, err) != "NoSuchTagSet" {
		t.Fatalf("after delete: %v", err)
	}
	if _, err := c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String("no-such-bucket-x")}); apiCode(t, err) != "NoSuchBucket" {
		t.Fatalf("missing bucket: %v", err)
	}
}

// TestS3BucketTaggingCLIs: both aws CLIs (v1 sends a CRC32 header, v2.9
// Content-MD5) put, read and delete bucket tags.
func TestS3BucketTaggingCLIs(t *testing.T) {
	s := StartServer(t)
	bothCLIs(t, s, nil, func(t *testing.T, name string, run func(args ...string) (string, string, error)) {
		bucket := "cli-tags-" + name
		if _, errb, err := run("s3api", "create-bucket", "--bucket", bucket); err != nil {
			t.Fatalf("%v %s", err, errb)
		}
		_, errb, err := run("s3api", "get-bucket-tagging", "--bucket", bucket)
		if err == nil || !strings.Contains(errb, "NoSuchTagSet") {
			t.Fatalf("no tags yet: %v %s", err, errb)
		}
		if _, errb, err := run("s3api", "put-bucket-tagging", "--bucket", bucket, "--tagging", "TagSet=[{Key=team,Value=storage},{Key=env,Value=dev}]"); err != nil {
			t.Fatalf("put: %v %s", err, errb)
		}
		out, errb, err := run("s3api", "get-bucket-tagging", "--bucket", bucket, "--query", "TagSet[].[Key,Value]", "--output", "text")
		if err != nil || strings.Join(strings.Fields(out), " ") != "team storage env dev" {
			t.Fatalf("get: %q %v %s", out, err, errb)
		}
		_, errb, err = run("s3api", "put-bucket-tagging", "--bucket", bucket, "--tagging", "TagSet=[{Key=a,Value=1},{Key=a,Value=2}]")
		if err == nil || !strings.Contains(errb, "InvalidTag") || !strings.Contains(errb, "Cannot provide multiple Tags with the same key") {
			t.Fatalf("duplicate keys: %v %s", err, errb)
		}
		if _, errb, err := run("s3api", "delete-bucket-tagging", "--bucket", bucket); err != nil {
			t.Fatalf("delete: %v %s", err, errb)
		}
		_, errb, err = run("s3api", "get-bucket-tagging", "--bucket", bucket)
		if err == nil || !strings.Contains(errb, "NoSuchTagSet") {
			t.Fatalf("after delete: %v %s", err, errb)
		}
	})
}
