package validate

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"hakoniwa/internal/model"
)

var (
	modelsMu sync.Mutex
	models   = map[string]*model.Service{}
)

// load parses models/botocore/<id>/*/service-2.json.gz once per test binary.
func load(t testing.TB, id string) *model.Service {
	t.Helper()
	modelsMu.Lock()
	defer modelsMu.Unlock()
	if s, ok := models[id]; ok {
		return s
	}
	files, _ := filepath.Glob(filepath.Join("..", "..", "models", "botocore", id, "*", "service-2.json.gz"))
	if len(files) != 1 {
		t.Fatalf("model %s: found %d files", id, len(files))
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	s, err := model.Parse(id, data)
	if err != nil {
		t.Fatal(err)
	}
	models[id] = s
	return s
}

func op(t testing.TB, svc, name string) (*model.Service, *model.Operation) {
	t.Helper()
	s := load(t, svc)
	o := s.Operation(name)
	if o == nil {
		t.Fatalf("%s has no operation %s", svc, name)
	}
	return s, o
}

type errCase struct {
	name     string
	svc, op  string
	protocol string // "" = the service's own
	in       map[string]any
	code     string // "" = expect no violation
	msg      string // exact message, or "" to skip
	paths    []string
}

func TestCheckAndError(t *testing.T) {
	long := strings.Repeat("a", 65)
	roleArn := "arn:aws:iam::000000000000:role/test"
	cases := []errCase{
		{
			name: "cloudtrail MaxResults has its own exception", svc: "cloudtrail", op: "LookupEvents",
			in: map[string]any{"MaxResults": int64(51)}, code: "InvalidMaxResultsException", paths: []string{"maxResults"},
			msg: "Value 51 for maxResults is invalid: must have value less than or equal to 50.",
		},
		{
			name: "cloudtrail other members stay ValidationException", svc: "cloudtrail", op: "LookupEvents",
			in:   map[string]any{"LookupAttributes": []any{map[string]any{"AttributeKey": "Nope", "AttributeValue": "x"}}},
			code: "ValidationException", paths: []string{"lookupAttributes.1.member.attributeKey"},
		},
		{
			name: "iam missing UserName", svc: "iam", op: "CreateUser", in: map[string]any{},
			code: "ValidationError", paths: []string{"userName"},
			msg: "1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null",
		},
		{
			name: "iam nil UserName counts as missing", svc: "iam", op: "CreateUser", in: map[string]any{"UserName": nil},
			code: "ValidationError", paths: []string{"userName"},
		},
		{
			name: "iam UserName too long", svc: "iam", op: "CreateUser", in: map[string]any{"UserName": long},
			code: "ValidationError", paths: []string{"userName"},
			msg: "1 validation error detected: Value '" + long + "' at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64",
		},
		{
			name: "iam UserName bad pattern", svc: "iam", op: "CreateUser", in: map[string]any{"UserName": "bad name!"},
			code: "ValidationError", paths: []string{"userName"},
			msg: `1 validation error detected: Value 'bad name!' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+`,
		},
		{
			name: "iam valid", svc: "iam", op: "CreateUser", in: map[string]any{"UserName": "alice", "Path": "/dev/"},
		},
		{
			name: "iam nested tag key empty", svc: "iam", op: "CreateUser",
			in: map[string]any{"UserName": "alice", "Tags": []any{
				map[string]any{"Key": "team", "Value": "a"},
				map[string]any{"Key": "", "Value": "b"},
			}},
			code: "ValidationError", paths: []string{"tags.2.member.key", "tags.2.member.key"},
			msg: "2 validation errors detected: " +
				`Value '' at 'tags.2.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]+; ` +
				"Value '' at 'tags.2.member.key' failed to satisfy constraint: Member must have length greater than or equal to 1",
		},
		{
			name: "iam nested tag missing value", svc: "iam", op: "CreateUser",
			in:   map[string]any{"UserName": "alice", "Tags": []any{map[string]any{"Key": "team"}}},
			code: "ValidationError", paths: []string{"tags.1.member.value"},
		},
		{
			name: "iam unicode tag key matches \\p{L}", svc: "iam", op: "CreateUser",
			in: map[string]any{"UserName": "alice", "Tags": []any{map[string]any{"Key": "チーム", "Value": "x"}}},
		},
		{
			name: "iam sensitive password not echoed", svc: "iam", op: "CreateLoginProfile",
			in:   map[string]any{"UserName": "alice", "Password": ""},
			code: "ValidationError", paths: []string{"password", "password"},
			msg: "2 validation errors detected: " +
				`Value at 'password' failed to satisfy constraint: Member must satisfy regular expression pattern: [\u0009\u000A\u000D\u0020-\u00FF]+; ` +
				"Value at 'password' failed to satisfy constraint: Member must have length greater than or equal to 1",
		},
		{
			name: "sts DurationSeconds below 900", svc: "sts", op: "AssumeRole",
			in:   map[string]any{"RoleArn": roleArn, "RoleSessionName": "sess", "DurationSeconds": int64(800)},
			code: "ValidationError", paths: []string{"durationSeconds"},
			msg: "1 validation error detected: Value '800' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900",
		},
		{
			name: "sts two violations", svc: "sts", op: "AssumeRole",
			in:   map[string]any{"RoleSessionName": "sess", "DurationSeconds": int64(50000)},
			code: "ValidationError", paths: []string{"roleArn", "durationSeconds"},
			msg: "2 validation errors detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null; " +
				"Value '50000' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200",
		},
		{
			name: "dynamodb CreateTable missing KeySchema", svc: "dynamodb", op: "CreateTable",
			in: map[string]any{"TableName": "t", "AttributeDefinitions": []any{
				map[string]any{"AttributeName": "id", "AttributeType": "S"},
			}},
			code: "ValidationException", paths: []string{"keySchema"},
			msg: "1 validation error detected: Value null at 'keySchema' failed to satisfy constraint: Member must not be null",
		},
		{
			name: "dynamodb enum", svc: "dynamodb", op: "CreateTable",
			in: map[string]any{"TableName": "t", "BillingMode": "FREE",
				"AttributeDefinitions": []any{map[string]any{"AttributeName": "id", "AttributeType": "S"}},
				"KeySchema":            []any{map[string]any{"AttributeName": "id", "KeyType": "HASH"}}},
			code: "ValidationException", paths: []string{"billingMode"},
			msg: "1 validation error detected: Value 'FREE' at 'billingMode' failed to satisfy constraint: Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]",
		},
		{
			name: "dynamodb nested enum in list", svc: "dynamodb", op: "CreateTable",
			in: map[string]any{"TableName": "t",
				"AttributeDefinitions": []any{map[string]any{"AttributeName": "id", "AttributeType": "X"}},
				"KeySchema":            []any{map[string]any{"AttributeName": "id", "KeyType": "HASH"}}},
			code: "ValidationException", paths: []string{"attributeDefinitions.1.member.attributeType"},
			msg: "1 validation error detected: Value 'X' at 'attributeDefinitions.1.member.attributeType' failed to satisfy constraint: Member must satisfy enum value set: [S, N, B]",
		},
		{
			name: "ec2 missing MinCount", svc: "ec2", op: "RunInstances", in: map[string]any{"MaxCount": int64(1)},
			code: "MissingParameter", paths: []string{"minCount"},
			msg: "The request must contain the parameter MinCount",
		},
		{
			name: "ec2 wire name from locationName", svc: "ec2", op: "CreateSecurityGroup", in: map[string]any{"GroupName": "g"},
			code: "MissingParameter", msg: "The request must contain the parameter GroupDescription",
		},
		{
			name: "ec2 enum", svc: "ec2", op: "RunInstances",
			in:   map[string]any{"MinCount": int64(1), "MaxCount": int64(1), "InstanceType": "t9.nano"},
			code: "InvalidParameterValue", msg: "Invalid value 't9.nano' for InstanceType.",
		},
		{
			name: "sqs list of enums reported once", svc: "sqs", op: "ReceiveMessage",
			in:   map[string]any{"QueueUrl": "http://q", "AttributeNames": []any{"All", "Bogus"}},
			code: "ValidationException", paths: []string{"attributeNames"},
		},
		{
			name: "sqs missing QueueUrl", svc: "sqs", op: "ReceiveMessage", in: map[string]any{},
			code: "MissingParameter", msg: "The request must contain the parameter QueueUrl.",
		},
		{
			name: "lambda sensitive map keys", svc: "lambda", op: "CreateFunction",
			in: map[string]any{"FunctionName": "f", "Role": roleArn, "Code": map[string]any{},
				"Environment": map[string]any{"Variables": map[string]any{"1BAD": "x"}}},
			code: "ValidationException", paths: []string{"environment.variables"},
			msg: "1 validation error detected: Value at 'environment.variables' failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]",
		},
		{
			name: "logs family code", svc: "logs", op: "CreateLogGroup", in: map[string]any{"logGroupName": ""},
			code: "InvalidParameterException", paths: []string{"logGroupName", "logGroupName"},
		},
		{
			name: "cloudwatch missing Namespace", svc: "cloudwatch", op: "PutMetricData", protocol: "query",
			in:   map[string]any{},
			code: "MissingParameter", msg: "The parameter Namespace is required.",
		},
		{
			name: "cloudwatch nested missing uses query wire path", svc: "cloudwatch", op: "PutMetricData", protocol: "query",
			in:   map[string]any{"Namespace": "n", "MetricData": []any{map[string]any{"Value": 1.0}}},
			code: "MissingParameter", msg: "The parameter MetricData.member.1.MetricName is required.",
		},
		{
			name: "route53 family code", svc: "route53", op: "GetHostedZone", in: map[string]any{"Id": strings.Repeat("Z", 40)},
			code: "InvalidInput", paths: []string{"id"},
			msg: "1 validation error detected: Value '" + strings.Repeat("Z", 40) + "' at 'id' failed to satisfy constraint: Member must have length less than or equal to 32",
		},
		{
			name: "s3 missing body", svc: "s3", op: "PutBucketTagging", in: map[string]any{"Bucket": "b"},
			code: "MalformedXML",
		},
		{
			name: "s3 storage class", svc: "s3", op: "PutObject",
			in:   map[string]any{"Bucket": "b", "Key": "k", "StorageClass": "COLD"},
			code: "InvalidStorageClass", msg: "The storage class you specified is not valid",
		},
		{
			name: "sns default query family", svc: "sns", op: "Publish", in: map[string]any{},
			code: "ValidationError", paths: []string{"message"},
		},
		{
			name: "kms blob length", svc: "kms", op: "Encrypt", in: map[string]any{"KeyId": "k", "Plaintext": []byte{}},
			code: "ValidationException", paths: []string{"plaintext"},
		},
		{
			name: "wrong Go types are ignored", svc: "iam", op: "CreateUser",
			in: map[string]any{"UserName": int64(5), "Tags": "not-a-list", "Path": []any{1}},
		},
		{
			name: "wrong element types are ignored", svc: "dynamodb", op: "CreateTable",
			in: map[string]any{"TableName": "t", "AttributeDefinitions": []any{"x", nil, 3},
				"KeySchema": map[string]any{"a": 1}},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			svc, o := op(t, c.svc, c.op)
			vs := Check(o, c.in)
			e := Error(svc, c.protocol, vs)
			if c.code == "" {
				if len(vs) != 0 {
					t.Fatalf("want no violations, got %+v", vs)
				}
				if e != nil {
					t.Fatalf("Error of no violations = %v", e)
				}
				return
			}
			if e == nil {
				t.Fatalf("want %s, got no error (violations %+v)", c.code, vs)
			}
			if e.Code != c.code || e.Status != 400 || e.Receiver {
				t.Errorf("error = %s/%d/receiver=%v, want %s/400/sender", e.Code, e.Status, e.Receiver, c.code)
			}
			if c.msg != "" && e.Message != c.msg {
				t.Errorf("message\n got %q\nwant %q", e.Message, c.msg)
			}
			if c.paths != nil {
				var got []string
				for _, v := range vs {
					got = append(got, v.Path)
				}
				if strings.Join(got, ",") != strings.Join(c.paths, ",") {
					t.Errorf("paths = %v, want %v", got, c.paths)
				}
			}
		})
	}
}

func TestListOfScalarsMessage(t *testing.T) {
	svc, o := op(t, "sqs", "ReceiveMessage")
	vs := Check(o, map[string]any{"QueueUrl": "http://q", "AttributeNames": []any{"All", "Bogus"}})
	if len(vs) != 1 {
		t.Fatalf("violations = %+v", vs)
	}
	e := Error(svc, "json", vs)
	wantPrefix := "1 validation error detected: Value '[All, Bogus]' at 'attributeNames' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [All, Policy, "
	if !strings.HasPrefix(e.Message, wantPrefix) || !strings.HasSuffix(e.Message, "]]") {
		t.Errorf("message = %q", e.Message)
	}
	if vs[0].Kind != KindEnum {
		t.Errorf("kind = %q, want enum", vs[0].Kind)
	}
}

func TestS3InvalidArgumentFields(t *testing.T) {
	svc, o := op(t, "s3", "PutObject")
	e := Error(svc, "", Check(o, map[string]any{"Bucket": "b", "Key": "k", "ACL": "everyone"}))
	if e == nil || e.Code != "InvalidArgument" || e.Fields["ArgumentName"] != "x-amz-acl" || e.Fields["ArgumentValue"] != "everyone" {
		t.Fatalf("error = %+v", e)
	}
}

func TestErrorNilForNoViolations(t *testing.T) {
	if e := Error(nil, "query", nil); e != nil {
		t.Fatalf("Error(nil) = %v", e)
	}
	if vs := Check(nil, map[string]any{"x": 1}); vs != nil {
		t.Fatalf("Check(nil op) = %v", vs)
	}
	if vs := Check(&model.Operation{}, nil); vs != nil {
		t.Fatalf("Check(no input) = %v", vs)
	}
}

// A violation built by hand (no steps) still renders with every family.
func TestHandMadeViolation(t *testing.T) {
	vs := []Violation{{Path: "instanceId", Kind: KindRequired, Message: "Member must not be null"}}
	for _, p := range []string{"ec2", "query", "json", "rest-json", "rest-xml", "smithy-rpc-v2-cbor"} {
		e := Error(nil, p, vs)
		if e == nil || e.Status != 400 {
			t.Fatalf("%s: %v", p, e)
		}
	}
	for _, id := range []string{"s3", "cloudwatch", "sqs", "logs", "route53"} {
		if e := Error(load(t, id), "", vs); e == nil || e.Status != 400 {
			t.Fatalf("%s: %v", id, e)
		}
	}
	if e := Error(nil, "ec2", vs); e.Message != "The request must contain the parameter InstanceId" {
		t.Errorf("ec2 message = %q", e.Message)
	}
}

func TestJavaString(t *testing.T) {
	cases := []struct {
		in   any
		want string
	}{
		{nil, "null"},
		{"x", "x"},
		{int64(-3), "-3"},
		{true, "true"},
		{1.0, "1.0"},
		{0.5, "0.5"},
		{1e10, "1.0E10"},
		{1.5e-5, "1.5E-5"},
		{0.0, "0.0"},
		{[]byte("abc"), "java.nio.HeapByteBuffer[pos=0 lim=3 cap=3]"},
		{[]any{"a", int64(2)}, "[a, 2]"},
		{map[string]any{"b": "2", "a": "1"}, "{a=1, b=2}"},
	}
	for _, c := range cases {
		if got := javaString(c.in); got != c.want {
			t.Errorf("javaString(%#v) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestFloatBoundsUseJavaDoubles(t *testing.T) {
	min, max := 0.0, 1.0
	s := &model.Shape{Name: "Weight", Type: "double", Min: &min, Max: &max}
	in := &model.Shape{Name: "In", Type: "structure", MemberNames: []string{"W"},
		Members: map[string]*model.Ref{"W": {Shape: s, ShapeName: "Weight"}}}
	vs := Check(&model.Operation{Input: &model.Ref{Shape: in}}, map[string]any{"W": 1.5})
	if len(vs) != 1 || vs[0].Message != "Member must have value less than or equal to 1.0" {
		t.Fatalf("violations = %+v", vs)
	}
	if got := coralMessage(vs); !strings.Contains(got, "Value '1.5' at 'w'") {
		t.Errorf("message = %q", got)
	}
}

// TestNoPanicOnJunk feeds every operation of every model values of every
// wrong Go type; Check and Error must neither panic nor report a type
// mismatch as anything but an ordinary violation.
func TestNoPanicOnJunk(t *testing.T) {
	junk := []any{
		"", "x", int64(-1), 1e300, true, []byte{}, []any{nil, "x", int64(1), map[string]any{"k": nil}},
		map[string]any{"": nil, "Key": []any{}}, struct{}{}, []string{"typed"},
	}
	for _, id := range []string{"sts", "iam", "ec2", "s3", "cloudtrail", "cloudwatch", "sqs", "sns", "lambda", "dynamodb", "route53", "logs", "kms"} {
		svc := load(t, id)
		for _, name := range svc.OperationNames {
			o := svc.Operations[name]
			if o.Input == nil {
				continue
			}
			for _, j := range junk {
				in := map[string]any{}
				for _, m := range o.Input.Shape.MemberNames {
					in[m] = j
				}
				Error(svc, "", Check(o, in))
			}
		}
	}
}
