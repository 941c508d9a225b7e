package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

func fetch(t *testing.T, u string) (int, string) {
	t.Helper()
	return doURL(t, http.MethodGet, u, nil, nil)
}

// TestS3SigV2Presign: aws CLI v1's `s3 presign` makes Signature Version 2
// URLs; they give the object to a plain HTTP client, and S3's refusals
// when tampered with, expired, or signed by a user IAM does not allow.
func TestS3SigV2Presign(t *testing.T) {
	s := StartServer(t, "--strict-auth")
	ctx := context.Background()
	v1, ok := awsCLIs(t)["v1"]
	if !ok {
		missing(t, "aws CLI v1")
	}
	root := s3Client(s)
	mustBucket(t, root, "v2-presign")
	for k, body := range map[string]string{"doc.txt": "signed by v2", "other.txt": "not yours", "dir/a b.txt": "spaced"} {
		if _, err := root.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("v2-presign"), Key: aws.String(k), Body: strings.NewReader(body)}); err != nil {
			t.Fatal(err)
		}
	}
	presign := func(env []string, target string) string {
		t.Helper()
		out, stderr, err := cliEnv(ctx, s, env, "v1", v1, "--endpoint-url", s.URL, "s3", "presign", target)
		if err != nil {
			t.Fatalf("presign: %v %s", err, stderr)
		}
		u := strings.TrimSpace(out)
		if !strings.Contains(u, "AWSAccessKeyId=") || !strings.Contains(u, "Signature=") || strings.Contains(u, "X-Amz-") {
			t.Fatalf("not a V2 URL: %s", u)
		}
		return u
	}
	u := presign(nil, "s3://v2-presign/doc.txt")
	if code, body := fetch(t, u); code != 200 || body != "signed by v2" {
		t.Fatalf("presigned GET: %d %s", code, body)
	}
	if code, body := fetch(t, presign(nil, "s3://v2-presign/dir/a b.txt")); code != 200 || body != "spaced" {
		t.Fatalf("presigned GET of a key with a space: %d %s", code, body)
	}
	code, body := fetch(t, strings.Replace(u, "/doc.txt?", "/other.txt?", 1))
	if code != 403 || !strings.Contains(body, "<Code>SignatureDoesNotMatch</Code>") || !strings.Contains(body, "<StringToSignBytes>") {
		t.Fatalf("tampered URL: %d %s", code, body)
	}
	if !strings.Contains(body, "/v2-presign/other.txt</StringToSign>") {
		t.Errorf("StringToSign is not the request's: %s", body)
	}
	q, _ := url.Parse(u)
	vals := q.Query()
	vals.Set("AWSAccessKeyId", "AKIANOSUCHKEY0000000")
	q.RawQuery = vals.Encode()
	if code, body := fetch(t, q.String()); code != 403 || !strings.Contains(body, "<Code>InvalidAccessKeyId</Code>") {
		t.Fatalf("unknown key: %d %s", code, body)
	}
	if code, body := fetch(t, strings.Split(u, "?")[0]); code != 403 || !strings.Contains(body, "<Code>AccessDenied</Code>") {
		t.Fatalf("unsigned: %d %s", code, body)
	}

	// The identity is the signer's, and IAM decides for it.
	user := newUser(t, s, "reader", "")
	creds, _ := user.Credentials.Retrieve(ctx)
	env := []string{"AWS_ACCESS_KEY_ID=" + creds.AccessKeyID, "AWS_SECRET_ACCESS_KEY=" + creds.SecretAccessKey}
	uu := presign(env, "s3://v2-presign/doc.txt")
	if code, body := fetch(t, uu); code != 403 || !strings.Contains(body, "<Code>AccessDenied</Code>") {
		t.Fatalf("user without a policy: %d %s", code, body)
	}
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::v2-presign/doc.txt"}]}`
	if _, stderr, err := s.Run(ctx, nil, v1, "-m", "awscli", "iam", "put-user-policy", "--user-name", "reader", "--policy-name", "p", "--policy-document", policy); err != nil {
		t.Fatalf("put-user-policy: %v %s", err, stderr)
	}
	if code, body := fetch(t, uu); code != 200 || body != "signed by v2" {
		t.Fatalf("user allowed by IAM: %d %s", code, body)
	}
	if code, _ := fetch(t, presign(env, "s3://v2-presign/other.txt")); code != 403 {
		t.Fatalf("user outside the policy: %d", code)
	}
}

const boto3SigV2Script = `
import boto3, json, sys
from botocore.config import Config
from botocore.exceptions import ClientError
bucket = sys.argv[1]
c = boto3.client("s3", config=Config(signature_version="s3", s3={"addressing_style": "path"}))
out = {}
c.put_object(Bucket=bucket, Key="hdr/hello.txt", Body=b"hello v2", ContentType="text/plain", Metadata={"colour": "blue"})
got = c.get_object(Bucket=bucket, Key="hdr/hello.txt")
out["body"] = got["Body"].read().decode()
out["meta"] = got["Metadata"].get("colour")
c.put_object_tagging(Bucket=bucket, Key="hdr/hello.txt", Tagging={"TagSet": [{"Key": "t", "Value": "1"}]})
out["tags"] = c.get_object_tagging(Bucket=bucket, Key="hdr/hello.txt")["TagSet"]
out["keys"] = [o["Key"] for o in c.list_objects(Bucket=bucket, Prefix="hdr/")["Contents"]]
out["expired"] = c.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "hdr/hello.txt"}, ExpiresIn=-60)
bad = boto3.client("s3", aws_access_key_id="test", aws_secret_access_key="not-the-secret", config=Config(signature_version="s3", s3={"addressing_style": "path"}))
try:
    bad.get_object(Bucket=bucket, Key="hdr/hello.txt")
    out["bad"] = "accepted"
except ClientError as e:
    out["bad"] = e.response["Error"]["Code"]
json.dump(out, sys.stdout)
`

// TestS3SigV2HeaderBoto3: boto3 signing with signature_version "s3"
// (Authorization: AWS key:signature) puts, reads, tags and lists; a wrong
// secret is SignatureDoesNotMatch; its expired presigned URL is refused.
func TestS3SigV2HeaderBoto3(t *testing.T) {
	s := StartServer(t, "--strict-auth")
	py := need(t, "python3")
	mustBucket(t, s3Client(s), "v2-header")
	out, stderr, err := s.Run(context.Background(), nil, py, "-c", boto3SigV2Script, "v2-header")
	if err != nil {
		t.Fatalf("%v %s", err, stderr)
	}
	var got struct {
		Body, Meta, Expired, Bad string
		Keys                     []string
		Tags                     []struct{ Key, Value string }
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if got.Body != "hello v2" || got.Meta != "blue" || len(got.Keys) != 1 || got.Keys[0] != "hdr/hello.txt" || len(got.Tags) != 1 || got.Tags[0].Key != "t" {
		t.Fatalf("boto3 over SigV2: %+v", got)
	}
	if got.Bad != "SignatureDoesNotMatch" {
		t.Fatalf("wrong secret: %s", got.Bad)
	}
	code, body := fetch(t, got.Expired)
	if code != 403 || !strings.Contains(body, "<Code>AccessDenied</Code>") || !strings.Contains(body, "<Message>Request has expired</Message>") {
		t.Fatalf("expired URL: %d %s", code, body)
	}
}
