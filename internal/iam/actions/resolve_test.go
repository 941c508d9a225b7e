package actions

import (
	"reflect"
	"strings"
	"testing"
)

const acct, region = "000000000000", "us-east-1"

// want is the part of a Check a case asserts: Context only for the keys
// it names (nil value: the key must be absent).
type want struct {
	action     string
	resources  []string
	unresolved bool
	ctx        map[string][]string
}

func tag(k, v string) map[string]any { return map[string]any{"Key": k, "Value": v} }

func TestResolve(t *testing.T) {
	paths := func(kind, name string) string {
		if kind == "role" && name == "app" {
			return "/svc/"
		}
		return "/"
	}
	aliases := func(a string) (string, bool) {
		if a == "alias/prod" {
			return "1234abcd-12ab-34cd-56ef-1234567890ab", true
		}
		return "", false
	}
	const keyARN = "arn:aws:kms:us-east-1:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	tests := []struct {
		name string
		req  Request
		want []want
	}{
		{"iam CreateUser with path, tags, boundary",
			Request{ServiceID: "iam", Operation: "CreateUser", Input: map[string]any{
				"UserName": "alice", "Path": "/dev/", "Tags": []any{tag("team", "blue")},
				"PermissionsBoundary": "arn:aws:iam::000000000000:policy/boundary"}},
			[]want{{"iam:CreateUser", []string{"arn:aws:iam::000000000000:user/dev/alice"}, false, map[string][]string{
				"aws:RequestTag/team": {"blue"}, "aws:TagKeys": {"team"},
				"iam:PermissionsBoundary": {"arn:aws:iam::000000000000:policy/boundary"}}}}},
		{"iam CreateDelegationRequest's condition keys",
			Request{ServiceID: "iam", Operation: "CreateDelegationRequest", Input: map[string]any{
				"NotificationChannel": "arn:aws:sns:us-east-1:111122223333:t", "SessionDuration": float64(900),
				"Permissions": map[string]any{"PolicyTemplateArn": "arn:aws:iam::111122223333:policy/t"}}},
			[]want{{"iam:CreateDelegationRequest", []string{"*"}, true, map[string][]string{
				"iam:NotificationChannel": {"arn:aws:sns:us-east-1:111122223333:t"}, "iam:DelegationDuration": {"900"},
				"iam:TemplateArn": {"arn:aws:iam::111122223333:policy/t"}}}}},
		{"iam UpdateDelegationRequest on the request",
			Request{ServiceID: "iam", Operation: "UpdateDelegationRequest", Input: map[string]any{"DelegationRequestId": "dr-0123456789abcdef"}},
			[]want{{"iam:UpdateDelegationRequest", []string{"arn:aws:iam::000000000000:delegation-request/dr-0123456789abcdef"}, false, nil}}},
		{"iam AttachUserPolicy",
			Request{ServiceID: "iam", Operation: "AttachUserPolicy", Input: map[string]any{
				"UserName": "bob", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}},
			[]want{{"iam:AttachUserPolicy", []string{"arn:aws:iam::000000000000:user/bob"}, false, map[string][]string{
				"iam:PolicyARN": {"arn:aws:iam::aws:policy/ReadOnlyAccess"}}}}},
		{"iam GetRole finds the path through the hook",
			Request{ServiceID: "iam", Operation: "GetRole", Paths: paths, Input: map[string]any{"RoleName": "app"}},
			[]want{{"iam:GetRole", []string{"arn:aws:iam::000000000000:role/svc/app"}, false, nil}}},
		{"iam GetPolicy by ARN keeps the ARN's account",
			Request{ServiceID: "iam", Operation: "GetPolicy", Input: map[string]any{"PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}},
			[]want{{"iam:GetPolicy", []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"}, false, nil}}},
		{"iam ListAccessKeys applies to the calling user",
			Request{ServiceID: "iam", Operation: "ListAccessKeys", CallerARN: "arn:aws:iam::000000000000:user/ops/carol", Input: map[string]any{}},
			[]want{{"iam:ListAccessKeys", []string{"arn:aws:iam::000000000000:user/ops/carol"}, false, nil}}},
		{"iam ListAccessKeys by root names no user",
			Request{ServiceID: "iam", Operation: "ListAccessKeys", CallerARN: "arn:aws:iam::000000000000:root", Input: map[string]any{}},
			[]want{{"iam:ListAccessKeys", []string{"*"}, true, nil}}},
		{"iam ListUsers has no resource",
			Request{ServiceID: "iam", Operation: "ListUsers", Input: map[string]any{}},
			[]want{{"iam:ListUsers", []string{"*"}, false, nil}}},

		{"sts AssumeRole",
			Request{ServiceID: "sts", Operation: "AssumeRole", Input: map[string]any{
				"RoleArn": "arn:aws:iam::111122223333:role/deploy", "RoleSessionName": "s1", "ExternalId": "x"}},
			[]want{{"sts:AssumeRole", []string{"arn:aws:iam::111122223333:role/deploy"}, false, map[string][]string{
				"sts:RoleSessionName": {"s1"}, "sts:ExternalId": {"x"}}}}},
		{"sts AssumeRole with session tags needs TagSession",
			Request{ServiceID: "sts", Operation: "AssumeRole", Input: map[string]any{
				"RoleArn": "arn:aws:iam::111122223333:role/deploy", "RoleSessionName": "s1", "Tags": []any{tag("p", "q")}}},
			[]want{
				{"sts:AssumeRole", []string{"arn:aws:iam::111122223333:role/deploy"}, false, map[string][]string{"aws:RequestTag/p": {"q"}}},
				{"sts:TagSession", []string{"arn:aws:iam::111122223333:role/deploy"}, false, map[string][]string{"aws:RequestTag/p": {"q"}}}}},
		{"sts GetCallerIdentity needs no permission",
			Request{ServiceID: "sts", Operation: "GetCallerIdentity"}, nil},

		{"s3 GetObject",
			Request{ServiceID: "s3", Operation: "GetObject", Input: map[string]any{"Bucket": "b", "Key": "dir/a.txt"}},
			[]want{{"s3:GetObject", []string{"arn:aws:s3:::b/dir/a.txt"}, false, nil}}},
		{"s3 GetObject of a version",
			Request{ServiceID: "s3", Operation: "GetObject", Input: map[string]any{"Bucket": "b", "Key": "k", "VersionId": "v1"}},
			[]want{{"s3:GetObjectVersion", []string{"arn:aws:s3:::b/k"}, false, map[string][]string{"s3:versionid": {"v1"}}}}},
		{"s3 HeadObject is GetObject",
			Request{ServiceID: "s3", Operation: "HeadObject", Input: map[string]any{"Bucket": "b", "Key": "k"}},
			[]want{{"s3:GetObject", []string{"arn:aws:s3:::b/k"}, false, nil}}},
		{"s3 GetObject through an access point",
			Request{ServiceID: "s3", Operation: "GetObject", Input: map[string]any{"Bucket": "arn:aws:s3:us-east-1:000000000000:accesspoint/ap1", "Key": "k"}},
			[]want{{"s3:GetObject", []string{"arn:aws:s3:us-east-1:000000000000:accesspoint/ap1/object/k"}, false, nil}}},
		{"s3 ListObjectsV2 is ListBucket with its keys",
			Request{ServiceID: "s3", Operation: "ListObjectsV2", Input: map[string]any{"Bucket": "b", "Prefix": "home/", "Delimiter": "/", "MaxKeys": int64(100)}},
			[]want{{"s3:ListBucket", []string{"arn:aws:s3:::b"}, false, map[string][]string{
				"s3:prefix": {"home/"}, "s3:delimiter": {"/"}, "s3:max-keys": {"100"}}}}},
		{"s3 ListBuckets",
			Request{ServiceID: "s3", Operation: "ListBuckets", Input: map[string]any{}},
			[]want{{"s3:ListAllMyBuckets", []string{"*"}, false, nil}}},
		{"s3 PutObject with tags and an ACL",
			Request{ServiceID: "s3", Operation: "PutObject", Input: map[string]any{"Bucket": "b", "Key": "k", "Tagging": "a=1&b=2", "ACL": "public-read"}},
			[]want{
				{"s3:PutObject", []string{"arn:aws:s3:::b/k"}, false, map[string][]string{
					"s3:RequestObjectTag/a": {"1"}, "s3:RequestObjectTagKeys": {"a", "b"}, "s3:x-amz-acl": {"public-read"}}},
				{"s3:PutObjectTagging", []string{"arn:aws:s3:::b/k"}, false, nil},
				{"s3:PutObjectAcl", []string{"arn:aws:s3:::b/k"}, false, nil}}},
		{"s3 CopyObject reads the source and writes the destination",
			Request{ServiceID: "s3", Operation: "CopyObject", Input: map[string]any{"Bucket": "dst", "Key": "k2", "CopySource": "/src/a%20b.txt"}},
			[]want{
				{"s3:GetObject", []string{"arn:aws:s3:::src/a b.txt"}, false, nil},
				{"s3:PutObject", []string{"arn:aws:s3:::dst/k2"}, false, map[string][]string{"s3:x-amz-copy-source": {"/src/a%20b.txt"}}}}},
		{"s3 CopyObject of a source version",
			Request{ServiceID: "s3", Operation: "CopyObject", Input: map[string]any{"Bucket": "dst", "Key": "k2", "CopySource": "src/k?versionId=7"}},
			[]want{
				{"s3:GetObjectVersion", []string{"arn:aws:s3:::src/k"}, false, nil},
				{"s3:PutObject", []string{"arn:aws:s3:::dst/k2"}, false, nil}}},
		{"s3 DeleteObjects checks every key",
			Request{ServiceID: "s3", Operation: "DeleteObjects", Input: map[string]any{"Bucket": "b", "Delete": map[string]any{"Objects": []any{
				map[string]any{"Key": "a"}, map[string]any{"Key": "b"}, map[string]any{"Key": "c", "VersionId": "v"}}}}},
			[]want{
				{"s3:DeleteObject", []string{"arn:aws:s3:::b/a", "arn:aws:s3:::b/b"}, false, nil},
				{"s3:DeleteObjectVersion", []string{"arn:aws:s3:::b/c"}, false, nil}}},
		{"s3 DeleteBucketCors is PutBucketCORS",
			Request{ServiceID: "s3", Operation: "DeleteBucketCors", Input: map[string]any{"Bucket": "b"}},
			[]want{{"s3:PutBucketCORS", []string{"arn:aws:s3:::b"}, false, nil}}},
		{"s3 CreateBucket with Object Lock",
			Request{ServiceID: "s3", Operation: "CreateBucket", Input: map[string]any{"Bucket": "b", "ObjectLockEnabledForBucket": true,
				"CreateBucketConfiguration": map[string]any{"LocationConstraint": "eu-west-1"}}},
			[]want{
				{"s3:CreateBucket", []string{"arn:aws:s3:::b"}, false, map[string][]string{"s3:locationconstraint": {"eu-west-1"}}},
				{"s3:PutBucketObjectLockConfiguration", []string{"arn:aws:s3:::b"}, false, nil},
				{"s3:PutBucketVersioning", []string{"arn:aws:s3:::b"}, false, nil}}},
		{"s3 CreateSession is s3express",
			Request{ServiceID: "s3", Operation: "CreateSession", Input: map[string]any{"Bucket": "d--use1-az4--x-s3"}},
			[]want{{"s3express:CreateSession", []string{"arn:aws:s3express:us-east-1:000000000000:bucket/d--use1-az4--x-s3"}, false, nil}}},

		{"ec2 DescribeInstances has no resource",
			Request{ServiceID: "ec2", Operation: "DescribeInstances", Input: map[string]any{}},
			[]want{{"ec2:DescribeInstances", []string{"*"}, false, map[string][]string{"ec2:Region": {region}}}}},
		{"ec2 TerminateInstances",
			Request{ServiceID: "ec2", Operation: "TerminateInstances", Input: map[string]any{"InstanceIds": []any{"i-1", "i-2"}}},
			[]want{{"ec2:TerminateInstances", []string{"arn:aws:ec2:us-east-1:000000000000:instance/i-1", "arn:aws:ec2:us-east-1:000000000000:instance/i-2"}, false, nil}}},
		{"ec2 CreateVpc creates vpc/*",
			Request{ServiceID: "ec2", Operation: "CreateVpc", Input: map[string]any{"CidrBlock": "10.0.0.0/16"}},
			[]want{{"ec2:CreateVpc", []string{"arn:aws:ec2:us-east-1:000000000000:vpc/*"}, false, nil}}},

		{"lambda Invoke by name",
			Request{ServiceID: "lambda", Operation: "Invoke", Input: map[string]any{"FunctionName": "fn"}},
			[]want{{"lambda:InvokeFunction", []string{"arn:aws:lambda:us-east-1:000000000000:function:fn"}, false, nil}}},
		{"lambda Invoke by qualified ARN of another account",
			Request{ServiceID: "lambda", Operation: "Invoke", Input: map[string]any{"FunctionName": "arn:aws:lambda:eu-west-1:111122223333:function:fn:prod"}},
			[]want{{"lambda:InvokeFunction", []string{"arn:aws:lambda:eu-west-1:111122223333:function:fn:prod"}, false, nil}}},
		{"lambda Invoke by partial ARN and Qualifier",
			Request{ServiceID: "lambda", Operation: "Invoke", Input: map[string]any{"FunctionName": "111122223333:function:fn", "Qualifier": "3"}},
			[]want{{"lambda:InvokeFunction", []string{"arn:aws:lambda:us-east-1:111122223333:function:fn:3"}, false, nil}}},
		{"lambda CreateFunction passes its role",
			Request{ServiceID: "lambda", Operation: "CreateFunction", Input: map[string]any{"FunctionName": "fn", "Role": "arn:aws:iam::000000000000:role/exec",
				"Tags": map[string]any{"env": "dev"}}},
			[]want{
				{"lambda:CreateFunction", []string{"arn:aws:lambda:us-east-1:000000000000:function:fn"}, false, map[string][]string{
					"aws:RequestTag/env": {"dev"}, "iam:PassedToService": nil}},
				{"iam:PassRole", []string{"arn:aws:iam::000000000000:role/exec"}, false, map[string][]string{
					"iam:PassedToService": {"lambda.amazonaws.com"}}}}},

		{"dynamodb GetItem",
			Request{ServiceID: "dynamodb", Operation: "GetItem", Input: map[string]any{"TableName": "T", "ReturnConsumedCapacity": "TOTAL"}},
			[]want{{"dynamodb:GetItem", []string{"arn:aws:dynamodb:us-east-1:000000000000:table/T"}, false, map[string][]string{
				"dynamodb:ReturnConsumedCapacity": {"TOTAL"}}}}},
		{"dynamodb GetItem by table ARN",
			Request{ServiceID: "dynamodb", Operation: "GetItem", Input: map[string]any{"TableName": "arn:aws:dynamodb:us-east-1:111122223333:table/T"}},
			[]want{{"dynamodb:GetItem", []string{"arn:aws:dynamodb:us-east-1:111122223333:table/T"}, false, nil}}},
		{"dynamodb Query of an index",
			Request{ServiceID: "dynamodb", Operation: "Query", Input: map[string]any{"TableName": "T", "IndexName": "I"}},
			[]want{{"dynamodb:Query", []string{"arn:aws:dynamodb:us-east-1:000000000000:table/T/index/I"}, false, nil}}},
		{"dynamodb BatchGetItem of two tables",
			Request{ServiceID: "dynamodb", Operation: "BatchGetItem", Input: map[string]any{"RequestItems": map[string]any{"B": map[string]any{}, "A": map[string]any{}}}},
			[]want{{"dynamodb:BatchGetItem", []string{"arn:aws:dynamodb:us-east-1:000000000000:table/A", "arn:aws:dynamodb:us-east-1:000000000000:table/B"}, false, nil}}},
		{"dynamodb TransactWriteItems",
			Request{ServiceID: "dynamodb", Operation: "TransactWriteItems", Input: map[string]any{"TransactItems": []any{
				map[string]any{"Put": map[string]any{"TableName": "A"}}, map[string]any{"Delete": map[string]any{"TableName": "B"}}}}},
			[]want{
				{"dynamodb:PutItem", []string{"arn:aws:dynamodb:us-east-1:000000000000:table/A"}, false, nil},
				{"dynamodb:DeleteItem", []string{"arn:aws:dynamodb:us-east-1:000000000000:table/B"}, false, nil}}},
		{"dynamodb ExecuteStatement update",
			Request{ServiceID: "dynamodb", Operation: "ExecuteStatement", Input: map[string]any{"Statement": `update "Music" SET a=1 WHERE k='x'`}},
			[]want{{"dynamodb:PartiQLUpdate", []string{"arn:aws:dynamodb:us-east-1:000000000000:table/Music"}, false, nil}}},

		{"kms Decrypt by key id",
			Request{ServiceID: "kms", Operation: "Decrypt", Input: map[string]any{"KeyId": "1234abcd-12ab-34cd-56ef-1234567890ab",
				"EncryptionContext": map[string]any{"app": "x"}}},
			[]want{{"kms:Decrypt", []string{keyARN}, false, map[string][]string{
				"kms:EncryptionContext:app": {"x"}, "kms:EncryptionContextKeys": {"app"}}}}},
		{"kms Decrypt by key ARN",
			Request{ServiceID: "kms", Operation: "Decrypt", Input: map[string]any{"KeyId": keyARN}},
			[]want{{"kms:Decrypt", []string{keyARN}, false, nil}}},
		{"kms Decrypt by alias without the hook",
			Request{ServiceID: "kms", Operation: "Decrypt", Input: map[string]any{"KeyId": "alias/prod"}},
			[]want{{"kms:Decrypt", []string{"*"}, true, map[string][]string{"kms:RequestAlias": {"alias/prod"}}}}},
		{"kms Decrypt by alias ARN with the hook",
			Request{ServiceID: "kms", Operation: "Decrypt", KeyForAlias: aliases, Input: map[string]any{"KeyId": "arn:aws:kms:us-east-1:000000000000:alias/prod"}},
			[]want{{"kms:Decrypt", []string{keyARN}, false, map[string][]string{"kms:RequestAlias": {"alias/prod"}}}}},
		{"kms Decrypt without a key (from the ciphertext)",
			Request{ServiceID: "kms", Operation: "Decrypt", Input: map[string]any{"CiphertextBlob": []byte{1}}},
			[]want{{"kms:Decrypt", []string{"*"}, true, nil}}},
		{"kms ReEncrypt",
			Request{ServiceID: "kms", Operation: "ReEncrypt", Input: map[string]any{"SourceKeyId": keyARN, "DestinationKeyId": "k2"}},
			[]want{
				{"kms:ReEncryptFrom", []string{keyARN}, false, nil},
				{"kms:ReEncryptTo", []string{"arn:aws:kms:us-east-1:000000000000:key/k2"}, false, nil}}},

		{"cloudtrail LookupEvents has no resource",
			Request{ServiceID: "cloudtrail", Operation: "LookupEvents", Input: map[string]any{}},
			[]want{{"cloudtrail:LookupEvents", []string{"*"}, false, nil}}},
		{"cloudtrail StartLogging by trail name",
			Request{ServiceID: "cloudtrail", Operation: "StartLogging", Input: map[string]any{"Name": "t1"}},
			[]want{{"cloudtrail:StartLogging", []string{"arn:aws:cloudtrail:us-east-1:000000000000:trail/t1"}, false, nil}}},
		{"cloudwatch through its signing name",
			Request{Signing: "monitoring", Operation: "DeleteAlarms", Input: map[string]any{"AlarmNames": []any{"a1"}}},
			[]want{{"cloudwatch:DeleteAlarms", []string{"arn:aws:cloudwatch:us-east-1:000000000000:alarm:a1"}, false, nil}}},
		{"sqs SendMessageBatch by URL of another account",
			Request{ServiceID: "sqs", Operation: "SendMessageBatch", Input: map[string]any{"QueueUrl": "http://127.0.0.1:4566/111122223333/q1"}},
			[]want{{"sqs:SendMessage", []string{"arn:aws:sqs:us-east-1:111122223333:q1"}, false, nil}}},
		{"sqs CreateQueue with tags",
			Request{ServiceID: "sqs", Operation: "CreateQueue", Input: map[string]any{"QueueName": "q1", "tags": map[string]any{"a": "b"}}},
			[]want{{"sqs:CreateQueue", []string{"arn:aws:sqs:us-east-1:000000000000:q1"}, false, map[string][]string{"aws:RequestTag/a": {"b"}}}}},
		{"sns Publish",
			Request{ServiceID: "sns", Operation: "Publish", Input: map[string]any{"TopicArn": "arn:aws:sns:us-east-1:000000000000:t1"}},
			[]want{{"sns:Publish", []string{"arn:aws:sns:us-east-1:000000000000:t1"}, false, nil}}},
		{"sns CreateTopic",
			Request{ServiceID: "sns", Operation: "CreateTopic", Input: map[string]any{"Name": "t1"}},
			[]want{{"sns:CreateTopic", []string{"arn:aws:sns:us-east-1:000000000000:t1"}, false, nil}}},
		{"logs PutLogEvents",
			Request{ServiceID: "logs", Operation: "PutLogEvents", Input: map[string]any{"logGroupName": "/app", "logStreamName": "s"}},
			[]want{{"logs:PutLogEvents", []string{"arn:aws:logs:us-east-1:000000000000:log-group:/app:log-stream:s"}, false, nil}}},
		{"route53 ChangeResourceRecordSets",
			Request{ServiceID: "route53", Operation: "ChangeResourceRecordSets", Input: map[string]any{"HostedZoneId": "/hostedzone/Z1"}},
			[]want{{"route53:ChangeResourceRecordSets", []string{"arn:aws:route53:::hostedzone/Z1"}, false, nil}}},
		{"route53 ChangeTagsForResource on a health check",
			Request{ServiceID: "route53", Operation: "ChangeTagsForResource", Input: map[string]any{"ResourceType": "healthcheck", "ResourceId": "h1"}},
			[]want{{"route53:ChangeTagsForResource", []string{"arn:aws:route53:::healthcheck/h1"}, false, nil}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.req.Account, tt.req.Region = acct, region
			got, err := Resolve(tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d checks, want %d: %+v", len(got), len(tt.want), got)
			}
			for i, w := range tt.want {
				g := got[i]
				if g.Action != w.action || !reflect.DeepEqual(g.Resources, w.resources) || g.Unresolved != w.unresolved {
					t.Errorf("check %d = %s %v unresolved=%v, want %s %v unresolved=%v", i, g.Action, g.Resources, g.Unresolved, w.action, w.resources, w.unresolved)
				}
				for k, v := range w.ctx {
					if got := g.Context[k]; !reflect.DeepEqual(got, v) {
						t.Errorf("check %d %s: context %s = %q, want %q (all: %v)", i, g.Action, k, got, v, g.Context)
					}
				}
			}
		})
	}
}

// RunInstances is one check per resource type, each with its own keys:
// the instance carries the instance type and its tags, the image neither.
func TestResolveRunInstances(t *testing.T) {
	got, err := Resolve(Request{ServiceID: "ec2", Operation: "RunInstances", Account: acct, Region: region, Input: map[string]any{
		"ImageId": "ami-1", "InstanceType": "t3.micro", "SubnetId": "subnet-1", "KeyName": "k",
		"SecurityGroupIds": []any{"sg-1", "sg-2"}, "MinCount": int64(1), "MaxCount": int64(1),
		"TagSpecifications": []any{map[string]any{"ResourceType": "instance", "Tags": []any{tag("env", "prod")}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	byType := map[string]Check{}
	for _, c := range got {
		if c.Action != "ec2:RunInstances" {
			t.Errorf("unexpected action %s", c.Action)
		}
		byType[c.ResourceType] = c
	}
	arn := "arn:aws:ec2:us-east-1:000000000000:"
	wantRes := map[string][]string{
		"image":             {"arn:aws:ec2:us-east-1::image/ami-1"},
		"instance":          {arn + "instance/*"},
		"network-interface": {arn + "network-interface/*"},
		"volume":            {arn + "volume/*"}, // the root volume, without BlockDeviceMappings
		"subnet":            {arn + "subnet/subnet-1"},
		"security-group":    {arn + "security-group/sg-1", arn + "security-group/sg-2"},
		"key-pair":          {arn + "key-pair/k"},
	}
	if len(byType) != len(wantRes) {
		t.Errorf("resource types %v, want those of %v", keysOf(byType), wantRes)
	}
	for rt, w := range wantRes {
		if c := byType[rt]; !reflect.DeepEqual(c.Resources, w) || c.Unresolved {
			t.Errorf("%s: %v (unresolved=%v), want %v", rt, c.Resources, c.Unresolved, w)
		}
	}
	inst := byType["instance"].Context
	if !reflect.DeepEqual(inst["ec2:InstanceType"], []string{"t3.micro"}) || !reflect.DeepEqual(inst["aws:RequestTag/env"], []string{"prod"}) {
		t.Errorf("instance context %v", inst)
	}
	img := byType["image"].Context
	if img["ec2:InstanceType"] != nil || img["aws:RequestTag/env"] != nil || img["ec2:ImageID"] == nil {
		t.Errorf("image context %v", img)
	}
}

func keysOf(m map[string]Check) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestResolveErrors(t *testing.T) {
	for _, r := range []Request{
		{ServiceID: "nosuch", Operation: "X"},
		{ServiceID: "iam", Operation: "NoSuchOperation"},
		{ServiceID: "s3", Operation: ""},
	} {
		if c, err := Resolve(r); err == nil {
			t.Errorf("%s:%s: no error, checks %v", r.ServiceID, r.Operation, c)
		}
	}
}

func TestParsePartiQL(t *testing.T) {
	tests := []struct{ in, verb, table, index string }{
		{`SELECT * FROM "Music" WHERE Artist='A'`, "SELECT", "Music", ""},
		{`select a from Music.ByYear`, "SELECT", "Music", "ByYear"},
		{`SELECT * FROM "Music"."By Year"`, "SELECT", "Music", "By Year"},
		{`INSERT INTO "T" VALUE {'k': 'v'}`, "INSERT", "T", ""},
		{`UPDATE T SET a = 1`, "UPDATE", "T", ""},
		{`DELETE FROM "T" WHERE k = 1`, "DELETE", "T", ""},
		{`DELETE`, "DELETE", "", ""},
		{`"unterminated`, "UNTERMINATED", "", ""},
		{``, "", "", ""},
	}
	for _, tt := range tests {
		v, tb, ix := parsePartiQL(tt.in)
		if v != tt.verb || tb != tt.table || ix != tt.index {
			t.Errorf("parsePartiQL(%q) = %q %q %q, want %q %q %q", tt.in, v, tb, ix, tt.verb, tt.table, tt.index)
		}
	}
}

func TestMatchTemplate(t *testing.T) {
	user := parseTemplate("arn:${Partition}:iam::${Account}:user/${UserNameWithPath}")
	fn := parseTemplate("arn:${Partition}:lambda:${Region}:${Account}:function:${FunctionName}")
	bucket := parseTemplate("arn:${Partition}:s3:::${BucketName}")
	tests := []struct {
		parts []part
		arn   string
		want  bool
	}{
		{user, "arn:aws:iam::000000000000:user/dev/alice", true},
		{user, "arn:aws:iam::000000000000:role/alice", false},
		{fn, "arn:aws:lambda:us-east-1:000000000000:function:f", true},
		{fn, "arn:aws:lambda:us-east-1:000000000000:function:f:prod", false},
		{bucket, "arn:aws:s3:::b", true},
		{bucket, "arn:aws:s3:::b/k", false},
		{bucket, "arn:aws:s3:::", false},
	}
	for _, tt := range tests {
		if got := matchTemplate(tt.parts, tt.arn); got != tt.want {
			t.Errorf("match %q = %v, want %v", tt.arn, got, tt.want)
		}
	}
}

// Resolve never panics or fails on hostile input shapes.
func FuzzResolve(f *testing.F) {
	f.Add("s3", "CopyObject", "CopySource", "/b/k?versionId=1")
	f.Add("lambda", "Invoke", "FunctionName", "arn:aws:lambda:x:y:function:")
	f.Add("dynamodb", "ExecuteStatement", "Statement", `SELECT * FROM "`)
	f.Add("kms", "Decrypt", "KeyId", "arn:aws:kms:us-east-1:000000000000:alias/")
	f.Add("sqs", "SendMessage", "QueueUrl", "http://[::1/%zz")
	f.Fuzz(func(t *testing.T, svc, op, member, value string) {
		in := map[string]any{member: value, "Bucket": value, "Key": value}
		checks, err := Resolve(Request{ServiceID: svc, Operation: op, Account: acct, Region: region, Input: in})
		if err != nil {
			return
		}
		for _, c := range checks {
			if c.Action == "" || len(c.Resources) == 0 || !strings.Contains(c.Action, ":") {
				t.Fatalf("bad check %+v", c)
			}
		}
	})
}

func BenchmarkResolve(b *testing.B) {
	reqs := []Request{
		{ServiceID: "s3", Operation: "GetObject", Input: map[string]any{"Bucket": "b", "Key": "k"}},
		{ServiceID: "iam", Operation: "CreateUser", Input: map[string]any{"UserName": "alice", "Tags": []any{tag("team", "blue")}}},
		{ServiceID: "dynamodb", Operation: "GetItem", Input: map[string]any{"TableName": "T"}},
	}
	for _, r := range reqs {
		r.Account, r.Region = acct, region
		b.Run(r.ServiceID+"."+r.Operation, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Resolve(r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
