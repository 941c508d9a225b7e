package e2e

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// s3cmdFor writes an s3cmd config aimed at the server. A host_bucket
// without %(bucket)s keeps the bucket in the path: s3cmd would otherwise
// put it in the Host header, which a loopback address cannot carry.
func s3cmdFor(t *testing.T, s *Server) func(args ...string) (string, string, error) {
	t.Helper()
	bin := need(t, "s3cmd")
	host := strings.TrimPrefix(s.URL, "http://")
	cfg := filepath.Join(t.TempDir(), "s3cfg")
	conf := fmt.Sprintf("[default]\naccess_key = test\nsecret_key = test\nhost_base = %s\nhost_bucket = %s\n"+
		"use_https = False\nsignature_v2 = False\nbucket_location = us-east-1\n", host, host)
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	return func(args ...string) (string, string, error) {
		return s.Run(context.Background(), []string{"HOME=" + t.TempDir()}, bin, append([]string{"-c", cfg}, args...)...)
	}
}

// succeeds wraps a client's runner: a failure ends the test with the
// client's output.
func succeeds(t *testing.T, name string, run func(args ...string) (string, string, error)) func(args ...string) string {
	return func(args ...string) string {
		t.Helper()
		out, stderr, err := run(args...)
		if err != nil {
			t.Fatalf("%s %v: %v\n%s%s", name, args, err, out, stderr)
		}
		return out
	}
}

func sha256File(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// writeTree creates files (relative path -> content) under dir.
func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// readTree is the inverse of writeTree.
func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	got := map[string]string{}
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		got[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func sameTree(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("%s: got %v, want %v", what, got, want)
	}
}

// TestS3s3cmd: s3cmd 2.x signs with SigV4 (strict authentication checks
// the secret), uploads in parts above its chunk size, lists, downloads,
// syncs both ways and removes, and reports S3's refusals as S3 errors.
func TestS3s3cmd(t *testing.T) {
	s := StartServer(t, "--strict-auth")
	run := s3cmdFor(t, s)
	ok := succeeds(t, "s3cmd", run)
	refused := func(want string, args ...string) {
		t.Helper()
		out, stderr, err := run(args...)
		if err == nil || !strings.Contains(stderr, want) {
			t.Fatalf("s3cmd %v: want a failure with %q, got %v\n%s%s", args, want, err, out, stderr)
		}
	}
	ctx := context.Background()
	c := s3Client(s)
	dir := t.TempDir()
	small, big := filepath.Join(dir, "small.bin"), filepath.Join(dir, "big.bin")
	os.WriteFile(small, randomBytes(t, 1000), 0o600)
	bigData := randomBytes(t, 16<<20+1)
	os.WriteFile(big, bigData, 0o600)

	contains(t, ok("mb", "s3://s3cmd-e2e"), "Bucket 's3://s3cmd-e2e/' created")
	ok("put", small, "s3://s3cmd-e2e/small.bin")
	ok("put", "--multipart-chunk-size-mb=5", big, "s3://s3cmd-e2e/dir/big.bin")
	h, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("s3cmd-e2e"), Key: aws.String("dir/big.bin")})
	if err != nil || !strings.HasSuffix(aws.ToString(h.ETag), `-4"`) || aws.ToInt64(h.ContentLength) != int64(len(bigData)) {
		t.Fatalf("multipart upload of 16 MiB + 1 in 5 MiB parts: %+v %v", h, err)
	}

	out := ok("ls", "s3://s3cmd-e2e")
	contains(t, out, "DIR  s3://s3cmd-e2e/dir/")
	contains(t, out, "1000  s3://s3cmd-e2e/small.bin")
	if strings.Contains(out, "big.bin") {
		t.Fatalf("ls without -r shows only the top level:\n%s", out)
	}
	contains(t, ok("ls", "-r", "s3://s3cmd-e2e"), fmt.Sprintf("%d  s3://s3cmd-e2e/dir/big.bin", len(bigData)))
	contains(t, ok("la"), "1000  s3://s3cmd-e2e/small.bin")

	got := filepath.Join(dir, "got.bin")
	ok("get", "s3://s3cmd-e2e/dir/big.bin", got)
	if sha256File(t, got) != sha256File(t, big) {
		t.Fatal("downloaded bytes differ from the uploaded ones")
	}
	sum := md5.Sum(bigData)
	out = ok("info", "s3://s3cmd-e2e/dir/big.bin")
	contains(t, out, fmt.Sprintf("File size: %d", len(bigData)))
	contains(t, out, "MD5 sum:   "+hex.EncodeToString(sum[:]))
	contains(t, ok("info", "s3://s3cmd-e2e"), "Location:  us-east-1")
	refused("does not exist", "get", "s3://s3cmd-e2e/missing", filepath.Join(dir, "missing"))
	refused("404 (NoSuchBucket)", "ls", "s3://s3cmd-missing")

	t.Run("sync", func(t *testing.T) {
		up, down := filepath.Join(dir, "up"), filepath.Join(dir, "down")
		writeTree(t, up, map[string]string{"one.txt": "one", "a/two.txt": "two", "a/b/three.txt": "three"})
		ok("sync", up+"/", "s3://s3cmd-e2e/tree/")
		os.Remove(filepath.Join(up, "one.txt"))
		writeTree(t, up, map[string]string{"a/four.txt": "four", "a/two.txt": "TWO, changed"})
		out := ok("sync", "--delete-removed", up+"/", "s3://s3cmd-e2e/tree/")
		contains(t, out, "delete: 's3://s3cmd-e2e/tree/one.txt'")
		listing := ok("ls", "-r", "s3://s3cmd-e2e/tree/")
		if strings.Contains(listing, "one.txt") || !strings.Contains(listing, "tree/a/four.txt") {
			t.Fatalf("after sync --delete-removed:\n%s", listing)
		}
		ok("sync", "s3://s3cmd-e2e/tree/", down+"/")
		sameTree(t, "synced down", readTree(t, down), readTree(t, up))
	})

	refused("409 (BucketNotEmpty)", "rb", "s3://s3cmd-e2e")
	contains(t, ok("del", "s3://s3cmd-e2e/small.bin"), "delete: 's3://s3cmd-e2e/small.bin'")
	ok("del", "--recursive", "--force", "s3://s3cmd-e2e")
	if out := ok("ls", "-r", "s3://s3cmd-e2e"); strings.TrimSpace(out) != "" {
		t.Fatalf("bucket not empty after del --recursive:\n%s", out)
	}
	contains(t, ok("rb", "s3://s3cmd-e2e"), "Bucket 's3://s3cmd-e2e/' removed")
	if _, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("s3cmd-e2e")}); httpStatus(err) != 404 {
		t.Fatalf("HeadBucket after rb: %v", err)
	}
}

// TestS3s3cmdACL: setacl is refused while the bucket's ownership is
// BucketOwnerEnforced, works once ACLs are allowed, and a public grant is
// refused under BlockPublicAcls.
func TestS3s3cmdACL(t *testing.T) {
	s := StartServer(t, "--strict-auth")
	run := s3cmdFor(t, s)
	ctx := context.Background()
	c := s3Client(s)
	mustBucket(t, c, "s3cmd-acl")
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("s3cmd-acl"), Key: aws.String("k"), Body: strings.NewReader("k")}); err != nil {
		t.Fatal(err)
	}
	grantee := strings.Repeat("1", 64)
	grant := []string{"setacl", "--acl-grant=read:" + grantee, "s3://s3cmd-acl/k"}
	if _, stderr, err := run(grant...); err == nil || !strings.Contains(stderr, "400 (AccessControlListNotSupported)") {
		t.Fatalf("setacl under BucketOwnerEnforced: %v %s", err, stderr)
	}
	if _, err := c.PutBucketOwnershipControls(ctx, &s3.PutBucketOwnershipControlsInput{Bucket: aws.String("s3cmd-acl"),
		OwnershipControls: &types.OwnershipControls{Rules: []types.OwnershipControlsRule{{ObjectOwnership: types.ObjectOwnershipBucketOwnerPreferred}}}}); err != nil {
		t.Fatal(err)
	}
	if out, stderr, err := run(grant...); err != nil || !strings.Contains(out, "ACL updated") {
		t.Fatalf("setacl under BucketOwnerPreferred: %v %s%s", err, out, stderr)
	}
	out, stderr, err := run("info", "s3://s3cmd-acl/k")
	if err != nil {
		t.Fatalf("%v %s", err, stderr)
	}
	contains(t, out, grantee+": READ")
	if _, err := c.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: aws.String("s3cmd-acl"),
		PublicAccessBlockConfiguration: &types.PublicAccessBlockConfiguration{BlockPublicAcls: aws.Bool(true)}}); err != nil {
		t.Fatal(err)
	}
	if _, stderr, err := run("setacl", "--acl-public", "s3://s3cmd-acl/k"); err == nil || !strings.Contains(stderr, "403 (AccessDenied)") {
		t.Fatalf("public setacl under BlockPublicAcls: %v %s", err, stderr)
	}
	acl, err := c.GetObjectAcl(ctx, &s3.GetObjectAclInput{Bucket: aws.String("s3cmd-acl"), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range acl.Grants {
		if g.Grantee != nil && g.Grantee.URI != nil {
			t.Fatalf("a refused public grant was stored: %+v", g.Grantee)
		}
	}
}
