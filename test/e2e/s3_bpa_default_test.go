package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// TestS3NewBucketDefaults: a new bucket blocks public access with all
// four settings and disables ACLs, as S3 has since April 2023; a public
// bucket takes the steps AWS documents (create, relax, then grant).
func TestS3NewBucketDefaults(t *testing.T) {
	s := StartServer(t)
	ctx := context.Background()
	c := s3Client(s)
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bpa-acl"), ACL: types.BucketCannedACLPublicRead}); apiCode(t, err) != "InvalidBucketAclWithObjectOwnership" {
		t.Fatalf("public-read under the default ownership: %v", err)
	}
	_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bpa-acl"), ACL: types.BucketCannedACLPublicRead, ObjectOwnership: types.ObjectOwnershipObjectWriter})
	if apiCode(t, err) != "InvalidBucketAclWithBlockPublicAccessError" || !strings.Contains(err.Error(), "Bucket cannot have public ACLs set with BlockPublicAccess enabled") {
		t.Fatalf("public-read with ACLs enabled: %v", err)
	}
	if _, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("bpa-acl")}); err == nil {
		t.Fatal("a refused bucket exists")
	}

	b := aws.String("bpa-default")
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	pab, err := c.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: b})
	if err != nil {
		t.Fatal(err)
	}
	if p := pab.PublicAccessBlockConfiguration; !aws.ToBool(p.BlockPublicAcls) || !aws.ToBool(p.IgnorePublicAcls) || !aws.ToBool(p.BlockPublicPolicy) || !aws.ToBool(p.RestrictPublicBuckets) {
		t.Fatalf("new bucket's Block Public Access: %+v", p)
	}
	own, err := c.GetBucketOwnershipControls(ctx, &s3.GetBucketOwnershipControlsInput{Bucket: b})
	if err != nil || own.OwnershipControls.Rules[0].ObjectOwnership != types.ObjectOwnershipBucketOwnerEnforced {
		t.Fatalf("new bucket's ownership: %+v %v", own, err)
	}
	public := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bpa-default/*"}]}`
	if err := putPolicy(t, c, "bpa-default", public); apiCode(t, err) != "AccessDenied" {
		t.Fatalf("public policy on a new bucket: %v", err)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("index.html"), Body: strings.NewReader("<p>hi</p>")}); err != nil {
		t.Fatal(err)
	}
	obj := s.URL + "/bpa-default/index.html"
	if code := anonymousStatus(t, http.MethodGet, obj); code != http.StatusForbidden {
		t.Fatalf("anonymous GET on a new bucket: %d", code)
	}
	if _, err := c.DeletePublicAccessBlock(ctx, &s3.DeletePublicAccessBlockInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: b}); apiCode(t, err) != "NoSuchPublicAccessBlockConfiguration" {
		t.Fatalf("after delete: %v", err)
	}
	if err := putPolicy(t, c, "bpa-default", public); err != nil {
		t.Fatalf("public policy once allowed: %v", err)
	}
	if code := anonymousStatus(t, http.MethodGet, obj); code != http.StatusOK {
		t.Fatalf("anonymous GET through the public policy: %d", code)
	}
}

// TestS3NewBucketDefaultsCLIs: both aws CLIs see a new bucket's settings
// and the refusal of a public ACL at creation.
func TestS3NewBucketDefaultsCLIs(t *testing.T) {
	s := StartServer(t)
	bothCLIs(t, s, nil, func(t *testing.T, name string, run func(args ...string) (string, string, error)) {
		bucket := "bpa-cli-" + name
		_, errb, err := run("s3api", "create-bucket", "--bucket", bucket, "--acl", "public-read")
		if err == nil || !strings.Contains(errb, "InvalidBucketAclWithObjectOwnership") {
			t.Fatalf("create-bucket --acl public-read: %v %s", err, errb)
		}
		_, errb, err = run("s3api", "create-bucket", "--bucket", bucket, "--acl", "public-read", "--object-ownership", "ObjectWriter")
		if err == nil || !strings.Contains(errb, "InvalidBucketAclWithBlockPublicAccessError") {
			t.Fatalf("create-bucket --acl public-read --object-ownership ObjectWriter: %v %s", err, errb)
		}
		if _, errb, err := run("s3", "mb", "s3://"+bucket); err != nil {
			t.Fatalf("mb: %v %s", err, errb)
		}
		out, errb, err := run("s3api", "get-public-access-block", "--bucket", bucket, "--output", "text",
			"--query", "PublicAccessBlockConfiguration.[BlockPublicAcls,IgnorePublicAcls,BlockPublicPolicy,RestrictPublicBuckets]")
		if err != nil || strings.Join(strings.Fields(out), " ") != "True True True True" {
			t.Fatalf("get-public-access-block: %q %v %s", out, err, errb)
		}
	})
}
