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

func anonymousStatus(t *testing.T, method, url string) int {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestS3ACLs: ACLs are refused under the default BucketOwnerEnforced,
// answered and enforced once ownership allows them, and Block Public
// Access refuses or ignores public ones.
func TestS3ACLs(t *testing.T) {
	s := StartServer(t)
	ctx := context.Background()
	c := s3Client(s)
	b := aws.String("acl-e2e")
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	_, err := c.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: b, ACL: types.BucketCannedACLPublicRead})
	if apiCode(t, err) != "AccessControlListNotSupported" {
		t.Fatalf("public-read under BucketOwnerEnforced: %v", err)
	}
	acl, err := c.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: b})
	if err != nil || len(acl.Grants) != 1 || acl.Grants[0].Permission != types.PermissionFullControl || acl.Grants[0].Grantee.Type != types.TypeCanonicalUser || aws.ToString(acl.Grants[0].Grantee.ID) != aws.ToString(acl.Owner.ID) {
		t.Fatalf("default ACL: %+v %v", acl, err)
	}
	if _, err := c.PutBucketOwnershipControls(ctx, &s3.PutBucketOwnershipControlsInput{Bucket: b,
		OwnershipControls: &types.OwnershipControls{Rules: []types.OwnershipControlsRule{{ObjectOwnership: types.ObjectOwnershipObjectWriter}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeletePublicAccessBlock(ctx, &s3.DeletePublicAccessBlockInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("page.html"), Body: strings.NewReader("<p>hi</p>")}); err != nil {
		t.Fatal(err)
	}
	list := s.URL + "/acl-e2e?list-type=2"
	obj := s.URL + "/acl-e2e/page.html"
	if code := anonymousStatus(t, http.MethodGet, list); code != http.StatusForbidden {
		t.Fatalf("anonymous list of a private bucket: %d", code)
	}
	if _, err := c.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: b, ACL: types.BucketCannedACLPublicRead}); err != nil {
		t.Fatal(err)
	}
	acl, err = c.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: b})
	if err != nil || len(acl.Grants) != 2 || acl.Grants[1].Grantee.Type != types.TypeGroup || aws.ToString(acl.Grants[1].Grantee.URI) != "http://acs.amazonaws.com/groups/global/AllUsers" || acl.Grants[1].Permission != types.PermissionRead {
		t.Fatalf("public-read ACL: %+v %v", acl.Grants, err)
	}
	if code := anonymousStatus(t, http.MethodGet, list); code != http.StatusOK {
		t.Fatalf("anonymous list through the ACL: %d", code)
	}
	if code := anonymousStatus(t, http.MethodGet, obj); code != http.StatusForbidden {
		t.Fatalf("a bucket's READ does not read its objects: %d", code)
	}
	if _, err := c.PutObjectAcl(ctx, &s3.PutObjectAclInput{Bucket: b, Key: aws.String("page.html"), ACL: types.ObjectCannedACLPublicRead}); err != nil {
		t.Fatal(err)
	}
	if code := anonymousStatus(t, http.MethodGet, obj); code != http.StatusOK {
		t.Fatalf("anonymous read through the object ACL: %d", code)
	}
	oacl, err := c.GetObjectAcl(ctx, &s3.GetObjectAclInput{Bucket: b, Key: aws.String("page.html")})
	if err != nil || len(oacl.Grants) != 2 {
		t.Fatalf("object ACL: %+v %v", oacl, err)
	}

	// IgnorePublicAcls turns the grants off; BlockPublicAcls refuses new ones.
	if _, err := c.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: b,
		PublicAccessBlockConfiguration: &types.PublicAccessBlockConfiguration{IgnorePublicAcls: aws.Bool(true), BlockPublicAcls: aws.Bool(true)}}); err != nil {
		t.Fatal(err)
	}
	if code := anonymousStatus(t, http.MethodGet, obj); code != http.StatusForbidden {
		t.Fatalf("anonymous read under IgnorePublicAcls: %d", code)
	}
	_, err = c.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: b, GrantRead: aws.String(`uri="http://acs.amazonaws.com/groups/global/AllUsers"`)})
	if apiCode(t, err) != "AccessDenied" {
		t.Fatalf("public grant under BlockPublicAcls: %v", err)
	}
	_, err = c.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: b, GrantRead: aws.String(`emailAddress="user@example.com"`)})
	if apiCode(t, err) != "UnresolvableGrantByEmailAddress" {
		t.Fatalf("grant by e-mail: %v", err)
	}
	// A body with the owner's grants round-trips.
	_, err = c.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: b, AccessControlPolicy: &types.AccessControlPolicy{Owner: acl.Owner,
		Grants: []types.Grant{{Grantee: &types.Grantee{Type: types.TypeCanonicalUser, ID: acl.Owner.ID}, Permission: types.PermissionFullControl},
			{Grantee: &types.Grantee{Type: types.TypeGroup, URI: aws.String("http://acs.amazonaws.com/groups/s3/LogDelivery")}, Permission: types.PermissionWrite}}}})
	if err != nil {
		t.Fatal(err)
	}
	acl, err = c.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: b})
	if err != nil || len(acl.Grants) != 2 || acl.Grants[1].Permission != types.PermissionWrite {
		t.Fatalf("body ACL: %+v %v", acl, err)
	}
}

// TestS3ACLCLIs: both aws CLIs see the refusal under BucketOwnerEnforced
// and read the grants.
func TestS3ACLCLIs(t *testing.T) {
	s := StartServer(t)
	bothCLIs(t, s, nil, func(t *testing.T, name string, run func(args ...string) (string, string, error)) {
		bucket := "cli-acl-" + name
		if _, errb, err := run("s3api", "create-bucket", "--bucket", bucket); err != nil {
			t.Fatalf("%v %s", err, errb)
		}
		_, errb, err := run("s3api", "put-bucket-acl", "--bucket", bucket, "--acl", "public-read")
		if err == nil || !strings.Contains(errb, "AccessControlListNotSupported") || !strings.Contains(errb, "The bucket does not allow ACLs") {
			t.Fatalf("public-read under BucketOwnerEnforced: %v %s", err, errb)
		}
		if _, errb, err := run("s3api", "put-bucket-ownership-controls", "--bucket", bucket, "--ownership-controls", "Rules=[{ObjectOwnership=BucketOwnerPreferred}]"); err != nil {
			t.Fatalf("%v %s", err, errb)
		}
		if _, errb, err := run("s3api", "put-bucket-acl", "--bucket", bucket, "--grant-read", `uri=http://acs.amazonaws.com/groups/s3/LogDelivery`); err != nil {
			t.Fatalf("grant header: %v %s", err, errb)
		}
		out, errb, err := run("s3api", "get-bucket-acl", "--bucket", bucket, "--query", "Grants[].[Grantee.Type,Permission]", "--output", "text")
		if err != nil || strings.Join(strings.Fields(out), " ") != "Group READ" {
			t.Fatalf("get-bucket-acl: %q %v %s", out, err, errb)
		}
	})
}

// bothCLIs runs fn as a subtest for aws CLI v2 and v1, with run calling
// the CLI against the server (--endpoint-url: Debian's v2 predates
// AWS_ENDPOINT_URL) with env added.
func bothCLIs(t *testing.T, s *Server, env []string, fn func(t *testing.T, name string, run func(args ...string) (string, string, error))) {
	t.Helper()
	for _, cli := range []struct{ name, path string }{{"v2", "/usr/bin/aws"}, {"v1", "aws"}} {
		t.Run(cli.name, func(t *testing.T) {
			bin := need(t, cli.path)
			fn(t, cli.name, func(args ...string) (string, string, error) {
				return s.Run(context.Background(), env, bin, append([]string{"--endpoint-url", s.URL}, args...)...)
			})
		})
	}
}
