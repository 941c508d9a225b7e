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

func s3ClientFor(cfg aws.Config) *s3.Client {
	return s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
}

func putPolicy(t *testing.T, c *s3.Client, bucket, doc string) error {
	t.Helper()
	_, err := c.PutBucketPolicy(context.Background(), &s3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: aws.String(doc)})
	return err
}

// TestS3BucketPolicyDecides: IAM users of the bucket's account get in by
// the bucket policy alone, an explicit deny in it beats their IAM allow,
// and its conditions see the caller's address.
func TestS3BucketPolicyDecides(t *testing.T) {
	s := StartServer(t)
	ctx := context.Background()
	root := s3Client(s)
	if _, err := root.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("shared-docs")}); err != nil {
		t.Fatal(err)
	}
	alice := s3ClientFor(newUser(t, s, "alice", ""))
	bob := s3ClientFor(newUser(t, s, "bob", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`))
	loc := &s3.GetBucketLocationInput{Bucket: aws.String("shared-docs")}

	_, err := alice.GetBucketLocation(ctx, loc)
	if apiCode(t, err) != "AccessDenied" || !strings.Contains(err.Error(), "because no identity-based policy allows the s3:GetBucketLocation action") {
		t.Fatalf("alice without a policy: %v", err)
	}
	if _, err := bob.GetBucketLocation(ctx, loc); err != nil {
		t.Fatalf("bob by his IAM policy: %v", err)
	}
	doc := `{"Version":"2012-10-17","Statement":[
		{"Sid":"AliceReads","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:user/alice"},"Action":"s3:GetBucketLocation","Resource":"arn:aws:s3:::shared-docs"},
		{"Sid":"AliceListsFromTheOffice","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:user/alice"},"Action":"s3:ListBucket","Resource":"arn:aws:s3:::shared-docs",
		 "Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}},
		{"Sid":"NotBob","Effect":"Deny","Principal":{"AWS":"arn:aws:iam::000000000000:user/bob"},"Action":"s3:*","Resource":["arn:aws:s3:::shared-docs","arn:aws:s3:::shared-docs/*"]}]}`
	if err := putPolicy(t, root, "shared-docs", doc); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.GetBucketLocation(ctx, loc); err != nil {
		t.Fatalf("alice by the bucket policy: %v", err)
	}
	_, err = bob.GetBucketLocation(ctx, loc)
	if apiCode(t, err) != "AccessDenied" || !strings.Contains(err.Error(), "with an explicit deny in a resource-based policy") {
		t.Fatalf("bob denied by the bucket policy: %v", err)
	}
	// HeadBucket is s3:ListBucket, allowed only from 203.0.113.0/24; the
	// test runs from loopback.
	if _, err := alice.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("shared-docs")}); err == nil {
		t.Fatal("aws:SourceIp did not hold alice back")
	}
	// The owner's root may always read and replace the policy.
	got, err := root.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String("shared-docs")})
	if err != nil || aws.ToString(got.Policy) != doc {
		t.Fatalf("GetBucketPolicy: %v", err)
	}
	if _, err := root.DeleteBucketPolicy(ctx, &s3.DeleteBucketPolicyInput{Bucket: aws.String("shared-docs")}); err != nil {
		t.Fatal(err)
	}
	if _, err := bob.GetBucketLocation(ctx, loc); err != nil {
		t.Fatalf("bob once the policy is gone: %v", err)
	}
	_, err = root.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String("shared-docs")})
	if apiCode(t, err) != "NoSuchBucketPolicy" {
		t.Fatalf("no policy: %v", err)
	}
}

// TestS3PublicPolicyAndBlockPublicAccess: an unsigned request gets in only
// through a public policy, and only while Block Public Access lets it.
func TestS3PublicPolicyAndBlockPublicAccess(t *testing.T) {
	s := StartServer(t)
	ctx := context.Background()
	root := s3Client(s)
	if _, err := root.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("public-site")}); err != nil {
		t.Fatal(err)
	}
	anonymous := func() int {
		t.Helper()
		req, err := http.NewRequest(http.MethodHead, s.URL+"/public-site", nil)
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
	if code := anonymous(); code != http.StatusForbidden {
		t.Fatalf("anonymous on a private bucket: %d", code)
	}
	public := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:ListBucket","Resource":"arn:aws:s3:::public-site"}]}`
	// A new bucket blocks public policies until its owner says otherwise.
	if err := putPolicy(t, root, "public-site", public); apiCode(t, err) != "AccessDenied" || !strings.Contains(err.Error(), "BlockPublicPolicy") {
		t.Fatalf("public policy on a new bucket: %v", err)
	}
	if _, err := root.DeletePublicAccessBlock(ctx, &s3.DeletePublicAccessBlockInput{Bucket: aws.String("public-site")}); err != nil {
		t.Fatal(err)
	}
	if err := putPolicy(t, root, "public-site", public); err != nil {
		t.Fatal(err)
	}
	if code := anonymous(); code != http.StatusOK {
		t.Fatalf("anonymous through the public policy: %d", code)
	}
	st, err := root.GetBucketPolicyStatus(ctx, &s3.GetBucketPolicyStatusInput{Bucket: aws.String("public-site")})
	if err != nil || !aws.ToBool(st.PolicyStatus.IsPublic) {
		t.Fatalf("policy status: %+v %v", st, err)
	}
	_, err = root.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: aws.String("public-site"),
		PublicAccessBlockConfiguration: &types.PublicAccessBlockConfiguration{RestrictPublicBuckets: aws.Bool(true), BlockPublicPolicy: aws.Bool(true)}})
	if err != nil {
		t.Fatal(err)
	}
	if code := anonymous(); code != http.StatusForbidden {
		t.Fatalf("anonymous under RestrictPublicBuckets: %d", code)
	}
	err = putPolicy(t, root, "public-site", public)
	if apiCode(t, err) != "AccessDenied" || !strings.Contains(err.Error(), "BlockPublicPolicy") {
		t.Fatalf("public policy under BlockPublicPolicy: %v", err)
	}
	pab, err := root.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: aws.String("public-site")})
	if err != nil || !aws.ToBool(pab.PublicAccessBlockConfiguration.RestrictPublicBuckets) || aws.ToBool(pab.PublicAccessBlockConfiguration.BlockPublicAcls) {
		t.Fatalf("GetPublicAccessBlock: %+v %v", pab, err)
	}
	if _, err := root.DeletePublicAccessBlock(ctx, &s3.DeletePublicAccessBlockInput{Bucket: aws.String("public-site")}); err != nil {
		t.Fatal(err)
	}
	if code := anonymous(); code != http.StatusOK {
		t.Fatalf("anonymous once Block Public Access is gone: %d", code)
	}
	_, err = root.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: aws.String("public-site")})
	if apiCode(t, err) != "NoSuchPublicAccessBlockConfiguration" {
		t.Fatalf("after delete: %v", err)
	}
}

// TestS3BucketPolicyCLI: both aws CLIs put, read and refuse policies.
func TestS3BucketPolicyCLI(t *testing.T) {
	s := StartServer(t)
	ctx := context.Background()
	for _, cli := range []struct{ name, path string }{{"v2", "/usr/bin/aws"}, {"v1", "aws"}} {
		t.Run(cli.name, func(t *testing.T) {
			aws := need(t, cli.path)
			bucket := "cli-policy-" + cli.name
			if out, errb, err := s.Run(ctx, nil, aws, "--endpoint-url", s.URL, "s3api", "create-bucket", "--bucket", bucket); err != nil {
				t.Fatalf("%v %s %s", err, out, errb)
			}
			bad := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}]}`
			_, errb, err := s.Run(ctx, nil, aws, "--endpoint-url", s.URL, "s3api", "put-bucket-policy", "--bucket", bucket, "--policy", bad)
			if err == nil {
				t.Fatal("a policy on every resource was accepted")
			}
			contains(t, errb, "MalformedPolicy")
			contains(t, errb, "Policy has invalid resource")
			_, errb, err = s.Run(ctx, nil, aws, "--endpoint-url", s.URL, "s3api", "put-bucket-policy", "--bucket", bucket, "--policy",
				`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::`+bucket+`"}]}`)
			if err == nil {
				t.Fatal("an object action on the bucket was accepted")
			}
			contains(t, errb, "Action does not apply to any resource(s) in statement")
			good := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::` + bucket + `/*"}]}`
			if out, errb, err := s.Run(ctx, nil, aws, "--endpoint-url", s.URL, "s3api", "put-bucket-policy", "--bucket", bucket, "--policy", good); err != nil {
				t.Fatalf("%v %s %s", err, out, errb)
			}
			out, errb, err := s.Run(ctx, nil, aws, "--endpoint-url", s.URL, "s3api", "get-bucket-policy-status", "--bucket", bucket)
			if err != nil {
				t.Fatalf("%v %s", err, errb)
			}
			contains(t, out, `"IsPublic": false`)
			out, errb, err = s.Run(ctx, nil, aws, "--endpoint-url", s.URL, "s3api", "get-bucket-policy", "--bucket", bucket, "--query", "Policy", "--output", "text")
			if err != nil || strings.TrimSpace(out) != good {
				t.Fatalf("get-bucket-policy: %q %s %v", out, errb, err)
			}
		})
	}
}
