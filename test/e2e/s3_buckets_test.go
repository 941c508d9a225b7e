package e2e

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// s3Client is a path-style client: the harness endpoint is an IP address,
// which virtual-hosted addressing cannot use.
func s3Client(s *Server) *s3.Client {
	return s3.NewFromConfig(s.DefaultConfig(), func(o *s3.Options) { o.UsePathStyle = true })
}

func TestS3BucketsSDK(t *testing.T) {
	s := StartServer(t)
	ctx := context.Background()
	c := s3Client(s)
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("sdk-east")}); err != nil {
		t.Fatal(err)
	}
	west := s3.NewFromConfig(s.DefaultConfig(), func(o *s3.Options) { o.UsePathStyle = true; o.Region = "eu-west-1" })
	_, err := west.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("sdk-west")})
	if apiCode(t, err) != "IllegalLocationConstraintException" {
		t.Errorf("no constraint in eu-west-1: %v", err)
	}
	if _, err := west.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("sdk-west"),
		CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraintEuWest1}}); err != nil {
		t.Fatal(err)
	}
	_, err = west.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("sdk-west"),
		CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraintEuWest1}})
	var owned *types.BucketAlreadyOwnedByYou
	if !errors.As(err, &owned) {
		t.Errorf("again in eu-west-1: %v", err)
	}
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("Not_Valid")}); apiCode(t, err) != "InvalidBucketName" {
		t.Errorf("bad name: %v", err)
	}
	h, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("sdk-west")})
	if err != nil || aws.ToString(h.BucketRegion) != "eu-west-1" {
		t.Errorf("HeadBucket: %+v %v", h, err)
	}
	var nf *types.NotFound
	if _, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("no-such-bucket")}); !errors.As(err, &nf) {
		t.Errorf("HeadBucket of a missing bucket: %v", err)
	}
	loc, err := c.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String("sdk-east")})
	if err != nil || loc.LocationConstraint != "" {
		t.Errorf("location of sdk-east: %+v %v", loc, err)
	}
	var names []string
	p := s3.NewListBucketsPaginator(c, &s3.ListBucketsInput{MaxBuckets: aws.Int32(1)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range out.Buckets {
			names = append(names, aws.ToString(b.Name)+"@"+aws.ToString(b.BucketRegion))
		}
	}
	if strings.Join(names, ",") != "sdk-east@us-east-1,sdk-west@eu-west-1" {
		t.Errorf("ListBuckets pages: %v", names)
	}
	if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("sdk-west")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("sdk-west")}); apiCode(t, err) != "NoSuchBucket" {
		t.Errorf("second delete: %v", err)
	}
	// Buckets outlive a restart, and payloads have their directory under
	// the data directory.
	s.Restart()
	c = s3Client(s)
	if _, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("sdk-east")}); err != nil {
		t.Errorf("after restart: %v", err)
	}
	if fi, err := os.Stat(filepath.Join(s.DataDir, "blobs")); err != nil || !fi.IsDir() {
		t.Errorf("blob directory: %v", err)
	}
}

// s3CLI runs an aws CLI against the server; v2 2.9 predates
// AWS_ENDPOINT_URL, so the endpoint is passed on the command line.
func s3CLI(ctx context.Context, s *Server, v, path string, args ...string) (string, string, error) {
	return cli(ctx, s, v, path, append([]string{"--endpoint-url", s.URL}, args...)...)
}

func TestS3BucketsCLI(t *testing.T) {
	s := StartServer(t)
	ctx := context.Background()
	for v, path := range awsCLIs(t) {
		b := "cli-" + v + "-bucket"
		out, stderr, err := s3CLI(ctx, s, v, path, "s3", "mb", "s3://"+b)
		if err != nil {
			t.Fatalf("%s mb: %v %s", v, err, stderr)
		}
		contains(t, out, "make_bucket: "+b)
		out, stderr, err = s3CLI(ctx, s, v, path, "s3", "ls")
		if err != nil {
			t.Fatalf("%s ls: %v %s", v, err, stderr)
		}
		contains(t, out, b)
		_, stderr, err = s3CLI(ctx, s, v, path, "s3", "mb", "s3://Bad_Bucket")
		if err == nil {
			t.Errorf("%s: mb of a bad name succeeded", v)
		}
		contains(t, stderr, "InvalidBucketName")
		out, stderr, err = s3CLI(ctx, s, v, path, "s3", "rb", "s3://"+b)
		if err != nil {
			t.Fatalf("%s rb: %v %s", v, err, stderr)
		}
		contains(t, out, "remove_bucket: "+b)
		out, _, _ = s3CLI(ctx, s, v, path, "s3", "ls")
		if strings.Contains(out, b) {
			t.Errorf("%s: %s still listed", v, b)
		}
	}
}
