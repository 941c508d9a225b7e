package e2e

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// rcloneFor configures remote "hk" through rclone's environment. An
// AWS_CA_BUNDLE in the environment makes rclone's SDK refuse its own HTTP
// transport, and plain HTTP needs none, so it is cleared.
func rcloneFor(t *testing.T, s *Server) func(args ...string) (string, string, error) {
	t.Helper()
	bin := need(t, "rclone")
	env := []string{"AWS_CA_BUNDLE=", "RCLONE_CONFIG=/dev/null", "HOME=" + t.TempDir(),
		"RCLONE_CONFIG_HK_TYPE=s3", "RCLONE_CONFIG_HK_PROVIDER=Other",
		"RCLONE_CONFIG_HK_ACCESS_KEY_ID=test", "RCLONE_CONFIG_HK_SECRET_ACCESS_KEY=test",
		"RCLONE_CONFIG_HK_ENDPOINT=" + s.URL, "RCLONE_CONFIG_HK_REGION=us-east-1", "RCLONE_CONFIG_HK_FORCE_PATH_STYLE=true"}
	return func(args ...string) (string, string, error) {
		return s.Run(context.Background(), env, bin, append([]string{"-q", "--retries", "1"}, args...)...)
	}
}

type rcloneEntry struct {
	Path   string
	Size   int64
	IsDir  bool
	Hashes map[string]string
}

// TestS3rclone: rclone copies a tree with one file in parts, lists it,
// checks every MD5 against the local files, syncs with deletes, reads a
// range, and removes files, the empty-directory refusal and the bucket.
func TestS3rclone(t *testing.T) {
	s := StartServer(t, "--strict-auth")
	run := rcloneFor(t, s)
	ok := succeeds(t, "rclone", run)
	ctx := context.Background()
	c := s3Client(s)
	src := t.TempDir()
	bigData := randomBytes(t, 22_000_000)
	writeTree(t, src, map[string]string{"a.txt": "alpha", "x/b.txt": "bravo", "x/y/c.txt": "charlie", "x/big.bin": string(bigData)})

	ok("mkdir", "hk:rclone-e2e")
	ok("copy", "--s3-upload-cutoff", "5M", "--s3-chunk-size", "5M", src, "hk:rclone-e2e/t")
	h, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("rclone-e2e"), Key: aws.String("t/x/big.bin")})
	if err != nil || !strings.HasSuffix(aws.ToString(h.ETag), `-5"`) {
		t.Fatalf("22 MB in 5 MiB parts: %+v %v", h, err)
	}
	out := ok("ls", "hk:rclone-e2e")
	for _, line := range []string{"5 t/a.txt", "5 t/x/b.txt", "7 t/x/y/c.txt", "22000000 t/x/big.bin"} {
		contains(t, out, line)
	}

	var entries []rcloneEntry
	if err := json.Unmarshal([]byte(ok("lsjson", "-R", "--hash", "--files-only", "hk:rclone-e2e/t")), &entries); err != nil {
		t.Fatal(err)
	}
	sum := md5.Sum(bigData)
	found := map[string]rcloneEntry{}
	for _, e := range entries {
		found[e.Path] = e
	}
	if len(found) != 4 || found["x/big.bin"].Size != 22_000_000 || found["x/big.bin"].Hashes["md5"] != hex.EncodeToString(sum[:]) {
		t.Fatalf("lsjson: %+v", entries)
	}
	ok("check", src, "hk:rclone-e2e/t")
	// Same size, other bytes: only a hash comparison tells them apart.
	writeTree(t, src, map[string]string{"x/b.txt": "BRAVO"})
	if out, stderr, err := run("check", src, "hk:rclone-e2e/t"); err == nil || !strings.Contains(stderr, "1 differences found") {
		t.Fatalf("check after a same-size change: %v\n%s%s", err, out, stderr)
	}

	os.Remove(filepath.Join(src, "a.txt"))
	writeTree(t, src, map[string]string{"x/new.txt": "0123456789"})
	ok("sync", src, "hk:rclone-e2e/t")
	ok("check", src, "hk:rclone-e2e/t")
	out = ok("ls", "hk:rclone-e2e")
	if strings.Contains(out, "a.txt") || !strings.Contains(out, "10 t/x/new.txt") {
		t.Fatalf("after sync:\n%s", out)
	}
	if got := ok("cat", "--offset", "3", "--count", "4", "hk:rclone-e2e/t/x/new.txt"); got != "3456" {
		t.Fatalf("cat range: %q", got)
	}
	if got := ok("cat", "--offset", "21999990", "hk:rclone-e2e/t/x/big.bin"); got != string(bigData[21999990:]) {
		t.Fatalf("cat of the last 10 bytes: %x", got)
	}

	ok("delete", "hk:rclone-e2e/t/x/y")
	if out := ok("ls", "hk:rclone-e2e"); strings.Contains(out, "c.txt") {
		t.Fatalf("after delete:\n%s", out)
	}
	if _, stderr, err := run("rmdir", "hk:rclone-e2e"); err == nil || !strings.Contains(stderr, "BucketNotEmpty") {
		t.Fatalf("rmdir of a non-empty bucket: %v %s", err, stderr)
	}
	ok("purge", "hk:rclone-e2e")
	if _, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("rclone-e2e")}); httpStatus(err) != 404 {
		t.Fatalf("HeadBucket after purge: %v", err)
	}
	ok("mkdir", "hk:rclone-empty")
	ok("rmdir", "hk:rclone-empty")
	if _, stderr, err := run("lsd", "hk:rclone-empty"); err == nil || !strings.Contains(stderr, "directory not found") {
		t.Fatalf("lsd of a removed bucket: %v %s", err, stderr)
	}
}
