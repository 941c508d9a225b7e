package e2e

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// awsCLIs are the two CLIs users have: v1 from pip (the python on PATH) and
// v2 from Debian (/usr/bin/aws). Each is tested by explicit path.
func awsCLIs(t *testing.T) map[string]string {
	t.Helper()
	clis := map[string]string{}
	if p, err := exec.LookPath("python3"); err == nil {
		if exec.Command(p, "-c", "import awscli").Run() == nil {
			clis["v1"] = p
		}
	}
	if p, err := exec.LookPath("/usr/bin/aws"); err == nil {
		clis["v2"] = p
	}
	return clis
}

// cli runs one aws CLI: v1 as `python3 -m awscli` (always v1), v2 by path.
func cli(ctx context.Context, s *Server, version, path string, args ...string) (string, string, error) {
	return cliEnv(ctx, s, nil, version, path, args...)
}

func cliEnv(ctx context.Context, s *Server, env []string, version, path string, args ...string) (string, string, error) {
	if version == "v1" {
		return s.Run(ctx, env, path, append([]string{"-m", "awscli"}, args...)...)
	}
	return s.Run(ctx, env, path, args...)
}

func TestCLIGetCallerIdentity(t *testing.T) {
	s := StartServer(t)
	clis := awsCLIs(t)
	for _, v := range []string{"v1", "v2"} {
		t.Run(v, func(t *testing.T) {
			path, ok := clis[v]
			if !ok {
				missing(t, "aws CLI "+v)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			ver, verErr, _ := cli(ctx, s, v, path, "--version")
			if !strings.Contains(ver+verErr, "aws-cli/"+strings.TrimPrefix(v, "v")) {
				t.Fatalf("%s is not aws CLI %s: %q", path, v, ver+verErr)
			}
			out, stderr, err := cli(ctx, s, v, path, "--endpoint-url", s.URL, "sts", "get-caller-identity", "--output", "json")
			if err != nil {
				t.Fatalf("%v\n%s", err, stderr)
			}
			var id struct{ UserId, Account, Arn string }
			if err := json.Unmarshal([]byte(out), &id); err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			if id.Arn != "arn:aws:iam::000000000000:root" || id.Account != "000000000000" {
				t.Fatalf("identity %+v", id)
			}
			// A refusal reaches the user as AWS's code. The CLI checks
			// ranges itself unless told not to; the server must refuse too.
			noValidation := filepath.Join(t.TempDir(), "config")
			if err := os.WriteFile(noValidation, []byte("[default]\nparameter_validation = false\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			_, stderr, err = cliEnv(ctx, s, []string{"AWS_CONFIG_FILE=" + noValidation}, v, path, "--endpoint-url", s.URL, "sts", "get-session-token", "--duration-seconds", "10")
			if err == nil || !strings.Contains(stderr, "ValidationError") {
				t.Fatalf("want ValidationError, got err=%v stderr=%s", err, stderr)
			}
			// CloudTrail sees the CLI's calls.
			out, stderr, err = cli(ctx, s, v, path, "--endpoint-url", s.URL, "cloudtrail", "lookup-events",
				"--lookup-attributes", "AttributeKey=EventName,AttributeValue=GetCallerIdentity", "--output", "json")
			if err != nil {
				t.Fatalf("%v\n%s", err, stderr)
			}
			var le struct {
				Events []struct {
					EventName, Username, EventSource, CloudTrailEvent string
				}
			}
			if err := json.Unmarshal([]byte(out), &le); err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			if len(le.Events) == 0 || le.Events[0].EventName != "GetCallerIdentity" || le.Events[0].Username != "root" || le.Events[0].EventSource != "sts.amazonaws.com" {
				t.Fatalf("lookup-events = %s", out)
			}
			contains(t, le.Events[0].CloudTrailEvent, `"userAgent":"aws-cli/`+strings.TrimPrefix(v, "v"))
		})
	}
}

const boto3Script = `
import json, os, sys
import boto3, botocore, botocore.config
ep = os.environ["AWS_ENDPOINT_URL"]
s = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1")
sts = s.client("sts", endpoint_url=ep)
me = sts.get_caller_identity()
tok = sts.get_session_token(DurationSeconds=900)["Credentials"]
tmp = boto3.session.Session(aws_access_key_id=tok["AccessKeyId"], aws_secret_access_key=tok["SecretAccessKey"],
                            aws_session_token=tok["SessionToken"], region_name="us-east-1").client("sts", endpoint_url=ep)
me2 = tmp.get_caller_identity()
info = sts.get_access_key_info(AccessKeyId=tok["AccessKeyId"])
errs = {}
lax = s.client("sts", endpoint_url=ep, config=botocore.config.Config(parameter_validation=False))
try:
    lax.get_access_key_info(AccessKeyId="short")
except botocore.exceptions.ClientError as e:
    errs["short"] = [e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]]
try:
    s.client("sns", endpoint_url=ep).list_topics()
except botocore.exceptions.ClientError as e:
    errs["sns"] = [e.response["Error"]["Code"], e.response["Error"]["Message"]]
ct = s.client("cloudtrail", endpoint_url=ep)
pages = list(ct.get_paginator("lookup_events").paginate(PaginationConfig={"PageSize": 2}))
json.dump({"arn": me["Arn"], "tmpArn": me2["Arn"], "account": info["Account"], "errs": errs,
           "pages": len(pages), "events": sum(len(p["Events"]) for p in pages),
           "ua": json.loads(pages[0]["Events"][0]["CloudTrailEvent"])["userAgent"]}, sys.stdout)
`

func TestBoto3(t *testing.T) {
	need(t, "python3")
	if exec.Command("python3", "-c", "import boto3").Run() != nil {
		missing(t, "boto3")
	}
	s := StartServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, stderr, err := s.Run(ctx, nil, "python3", "-c", boto3Script)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	var got struct {
		Arn, TmpArn, Account, UA string
		Errs                     map[string][]any
		Pages, Events            int
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if got.Arn != "arn:aws:iam::000000000000:root" || got.TmpArn != got.Arn || got.Account != "000000000000" {
		t.Fatalf("%+v", got)
	}
	if c := got.Errs["short"]; len(c) != 2 || c[0] != "ValidationError" || c[1] != float64(400) {
		t.Fatalf("short key id: %v", c)
	}
	if c := got.Errs["sns"]; len(c) != 2 || c[0] != "NotImplemented" || !strings.Contains(c[1].(string), "sns:ListTopics") {
		t.Fatalf("unimplemented SNS call: %v", c)
	}
	// Six calls preceded the lookup (identity, token, identity, key info,
	// bad key info, sns), in pages of two.
	if got.Events < 6 || got.Pages < 3 {
		t.Fatalf("lookup pagination: %d events in %d pages", got.Events, got.Pages)
	}
	contains(t, got.UA, "Boto3/")
}
