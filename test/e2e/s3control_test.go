package e2e

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
	ctltypes "github.com/aws/aws-sdk-go-v2/service/s3control/types"
)

// s3controlClient reaches the server although S3 Control clients put the
// account id in front of the endpoint's host (000000000000.127.0.0.1),
// which no resolver knows: every connection goes to the server.
func s3controlClient(t *testing.T, s *Server) *s3control.Client {
	t.Helper()
	u, err := url.Parse(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	var d net.Dialer
	tr := &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return d.DialContext(ctx, network, u.Host)
	}}
	t.Cleanup(tr.CloseIdleConnections)
	cfg := s.DefaultConfig()
	cfg.HTTPClient = &http.Client{Transport: tr}
	return s3control.NewFromConfig(cfg)
}

// TestS3ControlAccountPublicAccessBlock: the account's settings are put,
// read and deleted through S3 Control, apply to buckets without their own,
// and belong to the caller's account only.
func TestS3ControlAccountPublicAccessBlock(t *testing.T) {
	s := StartServer(t)
	ctx := context.Background()
	ctl := s3controlClient(t, s)
	acct := aws.String("000000000000")
	_, err := ctl.GetPublicAccessBlock(ctx, &s3control.GetPublicAccessBlockInput{AccountId: acct})
	if apiCode(t, err) != "NoSuchPublicAccessBlockConfiguration" {
		t.Fatalf("none yet: %v", err)
	}
	_, err = ctl.PutPublicAccessBlock(ctx, &s3control.PutPublicAccessBlockInput{AccountId: aws.String("111111111111"),
		PublicAccessBlockConfiguration: &ctltypes.PublicAccessBlockConfiguration{BlockPublicPolicy: aws.Bool(true)}})
	if apiCode(t, err) != "AccessDenied" {
		t.Fatalf("another account: %v", err)
	}
	_, err = ctl.PutPublicAccessBlock(ctx, &s3control.PutPublicAccessBlockInput{AccountId: acct,
		PublicAccessBlockConfiguration: &ctltypes.PublicAccessBlockConfiguration{BlockPublicPolicy: aws.Bool(true), BlockPublicAcls: aws.Bool(true)}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := ctl.GetPublicAccessBlock(ctx, &s3control.GetPublicAccessBlockInput{AccountId: acct})
	if err != nil {
		t.Fatal(err)
	}
	if c := got.PublicAccessBlockConfiguration; !aws.ToBool(c.BlockPublicPolicy) || !aws.ToBool(c.BlockPublicAcls) || aws.ToBool(c.IgnorePublicAcls) || aws.ToBool(c.RestrictPublicBuckets) {
		t.Fatalf("stored: %+v", c)
	}

	root := s3Client(s)
	if _, err := root.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("acct-blocked")}); err != nil {
		t.Fatal(err)
	}
	// Without the settings a new bucket starts with, only the account's
	// block stands in the way.
	if _, err := root.DeletePublicAccessBlock(ctx, &s3.DeletePublicAccessBlockInput{Bucket: aws.String("acct-blocked")}); err != nil {
		t.Fatal(err)
	}
	public := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::acct-blocked/*"}]}`
	if err := putPolicy(t, root, "acct-blocked", public); apiCode(t, err) != "AccessDenied" {
		t.Fatalf("public policy under the account's block: %v", err)
	}
	if _, err := ctl.DeletePublicAccessBlock(ctx, &s3control.DeletePublicAccessBlockInput{AccountId: acct}); err != nil {
		t.Fatal(err)
	}
	if err := putPolicy(t, root, "acct-blocked", public); err != nil {
		t.Fatalf("public policy once the account allows it: %v", err)
	}
}

// TestS3ControlCLIs: both aws CLIs prefix the endpoint's host with the
// account id too; through the server as their HTTP proxy, no resolver is
// asked for it.
func TestS3ControlCLIs(t *testing.T) {
	s := StartServer(t)
	env := []string{"HTTP_PROXY=" + s.URL, "http_proxy=" + s.URL, "NO_PROXY=", "no_proxy="}
	public := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::%s/*"}]}`
	bothCLIs(t, s, env, func(t *testing.T, name string, run func(args ...string) (string, string, error)) {
		if _, stderr, err := run("s3control", "get-public-access-block", "--account-id", "000000000000"); err == nil || !strings.Contains(stderr, "NoSuchPublicAccessBlockConfiguration") {
			t.Fatalf("none yet: %v %s", err, stderr)
		}
		if _, stderr, err := run("s3control", "put-public-access-block", "--account-id", "000000000000",
			"--public-access-block-configuration", "BlockPublicPolicy=true,RestrictPublicBuckets=true"); err != nil {
			t.Fatalf("put: %v %s", err, stderr)
		}
		out, stderr, err := run("s3control", "get-public-access-block", "--account-id", "000000000000", "--query", "PublicAccessBlockConfiguration.[BlockPublicPolicy,BlockPublicAcls]", "--output", "text")
		if err != nil || strings.Fields(out)[0] != "True" || strings.Fields(out)[1] != "False" {
			t.Fatalf("get: %q %v %s", out, err, stderr)
		}
		if _, stderr, err := run("s3control", "get-public-access-block", "--account-id", "111111111111"); err == nil || !strings.Contains(stderr, "AccessDenied") {
			t.Fatalf("another account: %v %s", err, stderr)
		}
		bucket := "cli-acct-" + name
		if _, stderr, err := run("s3api", "create-bucket", "--bucket", bucket); err != nil {
			t.Fatalf("create-bucket: %v %s", err, stderr)
		}
		if _, stderr, err := run("s3api", "delete-public-access-block", "--bucket", bucket); err != nil {
			t.Fatalf("delete-public-access-block: %v %s", err, stderr)
		}
		policy := strings.Replace(public, "%s", bucket, 1)
		if _, stderr, err := run("s3api", "put-bucket-policy", "--bucket", bucket, "--policy", policy); err == nil || !strings.Contains(stderr, "AccessDenied") {
			t.Fatalf("public policy under the account's block: %v %s", err, stderr)
		}
		if _, stderr, err := run("s3control", "delete-public-access-block", "--account-id", "000000000000"); err != nil {
			t.Fatalf("delete: %v %s", err, stderr)
		}
		if _, stderr, err := run("s3api", "put-bucket-policy", "--bucket", bucket, "--policy", policy); err != nil {
			t.Fatalf("public policy once allowed: %v %s", err, stderr)
		}
	})
}
