package e2e

import (
	"context"
	"encoding/json"
	"os/exec"
	"testing"
	"time"
)

const ssmScript = `
import boto3, json, sys
from botocore.exceptions import ClientError
c = boto3.client("ssm")
c.put_parameter(Name="/app/db/password", Value="s3cret", Type="SecureString")
c.put_parameter(Name="/app/db/host", Value="db1", Type="String", Tags=[{"Key": "env", "Value": "dev"}])
v2 = c.put_parameter(Name="/app/db/host", Value="db2", Type="String", Overwrite=True)["Version"]
c.label_parameter_version(Name="/app/db/host", ParameterVersion=1, Labels=["stable"])
errs = {}
try:
    c.put_parameter(Name="/app/db/host", Value="x", Type="String")
except ClientError as e:
    errs["dup"] = e.response["Error"]["Code"]
try:
    c.get_parameter(Name="/app/missing")
except ClientError as e:
    errs["missing"] = e.response["Error"]["Code"]
hist = c.get_parameter_history(Name="/app/db/host")["Parameters"]
byPath = c.get_paginator("get_parameters_by_path").paginate(Path="/app", Recursive=True, WithDecryption=True, PaginationConfig={"PageSize": 1})
names = [p["Name"] for page in byPath for p in page["Parameters"]]
json.dump({
  "v2": v2,
  "secret": c.get_parameter(Name="/app/db/password", WithDecryption=True)["Parameter"]["Value"],
  "cipher": c.get_parameter(Name="/app/db/password")["Parameter"]["Value"],
  "stable": c.get_parameter(Name="/app/db/host:stable")["Parameter"]["Value"],
  "history": [[h["Version"], h["Value"], h.get("Labels", [])] for h in hist],
  "names": names,
  "tags": c.list_tags_for_resource(ResourceType="Parameter", ResourceId="/app/db/host")["TagList"],
  "errs": errs,
}, sys.stdout)
`

func TestBoto3SSM(t *testing.T) {
	need(t, "python3")
	if exec.Command("python3", "-c", "import boto3").Run() != nil {
		missing(t, "boto3")
	}
	s := StartServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, stderr, err := s.Run(ctx, nil, "python3", "-c", ssmScript)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	var got struct {
		V2                     int
		Secret, Cipher, Stable string
		History                [][]any
		Names                  []string
		Tags                   []map[string]string
		Errs                   map[string]string
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if got.V2 != 2 || got.Secret != "s3cret" || got.Cipher == "s3cret" || got.Stable != "db1" || len(got.History) != 2 ||
		len(got.Names) != 2 || len(got.Tags) != 1 || got.Errs["dup"] != "ParameterAlreadyExists" || got.Errs["missing"] != "ParameterNotFound" {
		t.Errorf("%s", out)
	}
}
