package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Both aws CLIs: high-level s3 commands (multipart above 8 MiB), s3api,
// and presigned URLs fetched with plain HTTP.
func TestS3CLICommands(t *testing.T) {
	s := StartServer(t)
	ctx := context.Background()
	dir := t.TempDir()
	small := filepath.Join(dir, "small.txt")
	big := filepath.Join(dir, "big.bin")
	os.WriteFile(small, []byte("small file\n"), 0o600)
	bigData := randomBytes(t, 9<<20)
	os.WriteFile(big, bigData, 0o600)
	tree := filepath.Join(dir, "tree")
	os.MkdirAll(filepath.Join(tree, "sub"), 0o700)
	os.WriteFile(filepath.Join(tree, "a.txt"), []byte("a"), 0o600)
	os.WriteFile(filepath.Join(tree, "sub", "b.txt"), []byte("b"), 0o600)
	// v1 presigns with SigV2 unless told otherwise; hakoniwa verifies
	// SigV4 only.
	cfgFile := filepath.Join(dir, "config")
	os.WriteFile(cfgFile, []byte("[default]\ns3 =\n    signature_version = s3v4\n"), 0o600)
	env := []string{"AWS_CONFIG_FILE=" + cfgFile}

	for v, path := range awsCLIs(t) {
		run := func(args ...string) string {
			t.Helper()
			if args[0] == "s3" && (args[1] == "cp" || args[1] == "sync" || args[1] == "rm") {
				args = append(args, "--only-show-errors")
			}
			out, stderr, err := cliEnv(ctx, s, env, v, path, append([]string{"--endpoint-url", s.URL}, args...)...)
			if err != nil {
				t.Fatalf("%s %v: %v\n%s", v, args, err, stderr)
			}
			return out
		}
		b := "s3://cli-" + v
		run("s3", "mb", b)
		run("s3", "cp", small, b+"/small.txt")
		run("s3", "cp", big, b+"/big.bin")
		out := run("s3", "ls", b+"/")
		contains(t, out, "small.txt")
		contains(t, out, "9437184 big.bin")
		got := filepath.Join(dir, v+"-big.out")
		run("s3", "cp", b+"/big.bin", got)
		if data, _ := os.ReadFile(got); !bytes.Equal(data, bigData) {
			t.Errorf("%s: big file came back different", v)
		}
		run("s3", "sync", tree, b+"/tree/")
		out = run("s3", "ls", "--recursive", b+"/tree/")
		contains(t, out, "tree/sub/b.txt")
		// A second sync has nothing to do.
		if out := run("s3", "sync", tree, b+"/tree/"); strings.TrimSpace(out) != "" {
			t.Errorf("%s: second sync uploaded %q", v, out)
		}
		run("s3", "rm", "--recursive", b+"/tree/")
		if out := run("s3", "ls", "--recursive", b+"/"); strings.Contains(out, "tree/") {
			t.Errorf("%s: rm --recursive left %q", v, out)
		}

		run("s3api", "put-bucket-versioning", "--bucket", "cli-"+v, "--versioning-configuration", "Status=Enabled")
		var put struct{ ETag, VersionId string }
		json.Unmarshal([]byte(run("s3api", "put-object", "--bucket", "cli-"+v, "--key", "doc", "--body", small, "--output", "json")), &put)
		if put.VersionId == "" || put.ETag == "" {
			t.Errorf("%s: put-object %+v", v, put)
		}
		run("s3api", "put-object", "--bucket", "cli-"+v, "--key", "doc", "--body", big)
		dst := filepath.Join(dir, v+"-doc")
		run("s3api", "get-object", "--bucket", "cli-"+v, "--key", "doc", "--version-id", put.VersionId, dst)
		if data, _ := os.ReadFile(dst); string(data) != "small file\n" {
			t.Errorf("%s: old version %q", v, data)
		}
		var lv struct{ Versions []struct{ VersionId string } }
		json.Unmarshal([]byte(run("s3api", "list-object-versions", "--bucket", "cli-"+v, "--prefix", "doc", "--output", "json")), &lv)
		if len(lv.Versions) != 2 {
			t.Errorf("%s: versions %+v", v, lv)
		}

		url := strings.TrimSpace(run("s3", "presign", b+"/small.txt", "--expires-in", "300"))
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(body) != "small file\n" {
			t.Errorf("%s: presigned GET %d %q", v, resp.StatusCode, body)
		}
		_, stderr, err := cliEnv(ctx, s, env, v, path, "--endpoint-url", s.URL, "s3api", "get-object", "--bucket", "cli-"+v, "--key", "nope", filepath.Join(dir, "x"))
		if err == nil || !strings.Contains(stderr, "NoSuchKey") {
			t.Errorf("%s: missing key: %v %s", v, err, stderr)
		}
	}
}

// With --strict-auth the root key's secret is known, so a presigned URL
// bent to another key is refused.
func TestS3PresignStrict(t *testing.T) {
	s := StartServer(t, "--strict-auth")
	ctx := context.Background()
	clis := awsCLIs(t)
	path, ok := clis["v2"]
	if !ok {
		missing(t, "aws CLI v2")
	}
	c := s3Client(s)
	mustBucket(t, c, "strict-presign")
	for _, k := range []string{"a", "b"} {
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("strict-presign"), Key: aws.String(k), Body: strings.NewReader(k)}); err != nil {
			t.Fatal(err)
		}
	}
	out, stderr, err := cli(ctx, s, "v2", path, "--endpoint-url", s.URL, "s3", "presign", "s3://strict-presign/a")
	if err != nil {
		t.Fatalf("%v %s", err, stderr)
	}
	url := strings.TrimSpace(out)
	for _, c := range []struct {
		url  string
		want int
	}{{url, 200}, {strings.Replace(url, "/a?", "/b?", 1), 403}} {
		resp, err := http.Get(c.url)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("%s: %d, want %d", c.url, resp.StatusCode, c.want)
		}
	}
}

const boto3S3Script = `
import boto3, json, os, sys
from boto3.s3.transfer import TransferConfig
c = boto3.client("s3")
c.create_bucket(Bucket="boto-bucket")
src, dst = sys.argv[1], sys.argv[2]
cfg = TransferConfig(multipart_threshold=5*1024*1024, multipart_chunksize=5*1024*1024)
c.upload_file(src, "boto-bucket", "up/big.bin", Config=cfg)
c.download_file("boto-bucket", "up/big.bin", dst, Config=cfg)
for i in range(7):
    c.put_object(Bucket="boto-bucket", Key="k/%02d" % i, Body=b"x")
pages = c.get_paginator("list_objects_v2").paginate(Bucket="boto-bucket", Prefix="k/", PaginationConfig={"PageSize": 3})
keys, npages = [], 0
for p in pages:
    npages += 1
    keys += [o["Key"] for o in p.get("Contents", [])]
head = c.head_object(Bucket="boto-bucket", Key="up/big.bin")
json.dump({"keys": keys, "pages": npages, "etag": head["ETag"], "size": head["ContentLength"]}, sys.stdout)
`

func TestS3Boto3Transfer(t *testing.T) {
	s := StartServer(t)
	py := need(t, "python3")
	if exec.Command(py, "-c", "import boto3").Run() != nil {
		missing(t, "boto3")
	}
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "src.bin"), filepath.Join(dir, "dst.bin")
	data := randomBytes(t, 12<<20)
	os.WriteFile(src, data, 0o600)
	out, stderr, err := s.Run(context.Background(), nil, py, "-c", boto3S3Script, src, dst)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	var res struct {
		Keys  []string
		Pages int
		ETag  string
		Size  int
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if got, _ := os.ReadFile(dst); !bytes.Equal(got, data) {
		t.Error("download_file returned other bytes")
	}
	if len(res.Keys) != 7 || res.Pages != 3 || !strings.HasSuffix(res.ETag, `-3"`) || res.Size != len(data) {
		t.Errorf("%+v", res)
	}
}
