package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// TestS3BucketConfigSDK: sub-resources round-trip through aws-sdk-go-v2's
// XML and come back with S3's NoSuch* errors once deleted.
func TestS3BucketConfigSDK(t *testing.T) {
	s := StartServer(t)
	ctx := context.Background()
	c := s3Client(s)
	b := aws.String("config-sdk")
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	_, err := c.PutBucketCors(ctx, &s3.PutBucketCorsInput{Bucket: b, CORSConfiguration: &types.CORSConfiguration{CORSRules: []types.CORSRule{{
		AllowedMethods: []string{"GET", "PUT"}, AllowedOrigins: []string{"https://app.example.com"}, AllowedHeaders: []string{"*"},
		ExposeHeaders: []string{"ETag"}, MaxAgeSeconds: aws.Int32(600)}}}})
	if err != nil {
		t.Fatal(err)
	}
	cors, err := c.GetBucketCors(ctx, &s3.GetBucketCorsInput{Bucket: b})
	if err != nil || len(cors.CORSRules) != 1 || aws.ToInt32(cors.CORSRules[0].MaxAgeSeconds) != 600 || cors.CORSRules[0].AllowedMethods[1] != "PUT" {
		t.Fatalf("GetBucketCors: %+v %v", cors, err)
	}
	_, err = c.PutBucketCors(ctx, &s3.PutBucketCorsInput{Bucket: b, CORSConfiguration: &types.CORSConfiguration{CORSRules: []types.CORSRule{{
		AllowedMethods: []string{"PATCH"}, AllowedOrigins: []string{"*"}}}}})
	if apiCode(t, err) != "InvalidRequest" || !strings.Contains(err.Error(), "Unsupported method is PATCH") {
		t.Fatalf("PATCH: %v", err)
	}
	if _, err := c.DeleteBucketCors(ctx, &s3.DeleteBucketCorsInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetBucketCors(ctx, &s3.GetBucketCorsInput{Bucket: b}); apiCode(t, err) != "NoSuchCORSConfiguration" {
		t.Fatalf("after delete: %v", err)
	}

	_, err = c.PutBucketWebsite(ctx, &s3.PutBucketWebsiteInput{Bucket: b, WebsiteConfiguration: &types.WebsiteConfiguration{
		IndexDocument: &types.IndexDocument{Suffix: aws.String("index.html")}, ErrorDocument: &types.ErrorDocument{Key: aws.String("error.html")},
		RoutingRules: []types.RoutingRule{{Condition: &types.Condition{KeyPrefixEquals: aws.String("docs/")},
			Redirect: &types.Redirect{ReplaceKeyPrefixWith: aws.String("documents/"), HttpRedirectCode: aws.String("302")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	w, err := c.GetBucketWebsite(ctx, &s3.GetBucketWebsiteInput{Bucket: b})
	if err != nil || aws.ToString(w.IndexDocument.Suffix) != "index.html" || len(w.RoutingRules) != 1 || aws.ToString(w.RoutingRules[0].Redirect.HttpRedirectCode) != "302" {
		t.Fatalf("GetBucketWebsite: %+v %v", w, err)
	}
	if _, err := c.DeleteBucketWebsite(ctx, &s3.DeleteBucketWebsiteInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetBucketWebsite(ctx, &s3.GetBucketWebsiteInput{Bucket: b}); apiCode(t, err) != "NoSuchWebsiteConfiguration" {
		t.Fatalf("after delete: %v", err)
	}

	enc, err := c.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: b})
	if err != nil || enc.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm != types.ServerSideEncryptionAes256 {
		t.Fatalf("default encryption: %+v %v", enc, err)
	}
	own, err := c.GetBucketOwnershipControls(ctx, &s3.GetBucketOwnershipControlsInput{Bucket: b})
	if err != nil || own.OwnershipControls.Rules[0].ObjectOwnership != types.ObjectOwnershipBucketOwnerEnforced {
		t.Fatalf("ownership: %+v %v", own, err)
	}
}

// TestS3BucketConfigCLI: both aws CLIs set and read encryption and CORS.
func TestS3BucketConfigCLI(t *testing.T) {
	s := StartServer(t)
	ctx := context.Background()
	for _, cli := range []struct{ name, path string }{{"v2", "/usr/bin/aws"}, {"v1", "aws"}} {
		t.Run(cli.name, func(t *testing.T) {
			aws := need(t, cli.path)
			bucket := "cli-config-" + cli.name
			run := func(args ...string) (string, string, error) {
				return s.Run(ctx, nil, aws, append([]string{"--endpoint-url", s.URL, "s3api"}, args...)...)
			}
			if out, errb, err := run("create-bucket", "--bucket", bucket); err != nil {
				t.Fatalf("%v %s %s", err, out, errb)
			}
			if _, errb, err := run("put-bucket-encryption", "--bucket", bucket, "--server-side-encryption-configuration",
				`{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms","KMSMasterKeyID":"alias/app"},"BucketKeyEnabled":true}]}`); err != nil {
				t.Fatalf("put-bucket-encryption: %v %s", err, errb)
			}
			out, errb, err := run("get-bucket-encryption", "--bucket", bucket)
			if err != nil {
				t.Fatalf("%v %s", err, errb)
			}
			contains(t, out, `"SSEAlgorithm": "aws:kms"`)
			contains(t, out, `"KMSMasterKeyID": "alias/app"`)
			_, errb, err = run("get-bucket-cors", "--bucket", bucket)
			if err == nil {
				t.Fatal("CORS of a bucket without any")
			}
			contains(t, errb, "NoSuchCORSConfiguration")
			if _, errb, err := run("put-bucket-cors", "--bucket", bucket, "--cors-configuration",
				`{"CORSRules":[{"AllowedOrigins":["*"],"AllowedMethods":["GET"]}]}`); err != nil {
				t.Fatalf("put-bucket-cors: %v %s", err, errb)
			}
			out, errb, err = run("get-bucket-cors", "--bucket", bucket)
			if err != nil {
				t.Fatalf("%v %s", err, errb)
			}
			contains(t, out, `"AllowedMethods"`)
		})
	}
}
