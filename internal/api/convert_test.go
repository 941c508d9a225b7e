package api_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"hakoniwa/internal/api"
	"hakoniwa/internal/api/ec2"
	"hakoniwa/internal/api/s3"
	"hakoniwa/internal/api/sts"
	"hakoniwa/internal/awserr"
)

func runInstancesTree() map[string]any {
	return map[string]any{
		"ImageId":          "ami-12345678",
		"InstanceType":     ec2.InstanceTypeT2Micro,
		"MinCount":         int64(1),
		"MaxCount":         int64(2),
		"DryRun":           false,
		"SecurityGroupIds": []any{"sg-1", "sg-2"},
		"TagSpecifications": []any{
			map[string]any{
				"ResourceType": "instance",
				"Tags": []any{
					map[string]any{"Key": "Name", "Value": "web"},
					map[string]any{"Key": "env", "Value": ""},
				},
			},
			map[string]any{"ResourceType": "volume", "Tags": []any{}},
		},
		"BlockDeviceMappings": []any{
			map[string]any{
				"DeviceName": "/dev/xvda",
				"Ebs": map[string]any{
					"VolumeSize":          int64(8),
					"DeleteOnTermination": true,
				},
			},
		},
		"Placement": map[string]any{"AvailabilityZone": "us-east-1a"},
	}
}

func TestRoundTrip(t *testing.T) {
	when := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		tree  map[string]any
		dst   any
		check func(t *testing.T, dst any)
	}{
		{
			name: "ec2 RunInstances input",
			tree: runInstancesTree(),
			dst:  new(ec2.RunInstancesInput),
			check: func(t *testing.T, dst any) {
				in := dst.(*ec2.RunInstancesInput)
				if *in.MaxCount != 2 || *in.InstanceType != "t2.micro" || *in.DryRun {
					t.Errorf("scalars: %+v", in)
				}
				if got := *in.TagSpecifications[0].Tags[1].Key; got != "env" {
					t.Errorf("nested tag key = %q", got)
				}
				if ts := in.TagSpecifications[1].Tags; ts == nil || len(ts) != 0 {
					t.Errorf("empty tag list decoded as %#v, want empty non-nil", ts)
				}
				if in.KernelId != nil || in.NetworkInterfaces != nil {
					t.Error("absent members were set")
				}
				if !*in.BlockDeviceMappings[0].Ebs.DeleteOnTermination {
					t.Error("nested struct pointer lost its member")
				}
			},
		},
		{
			name: "s3 PutObject input with metadata and streaming body",
			tree: map[string]any{
				"Bucket":        "bucket",
				"Key":           "dir/key.txt",
				"ContentLength": int64(5),
				"Metadata":      map[string]any{"owner": "me", "empty": ""},
				"Body":          io.Reader(strings.NewReader("hello")),
			},
			dst: new(s3.PutObjectInput),
			check: func(t *testing.T, dst any) {
				in := dst.(*s3.PutObjectInput)
				if in.Metadata["owner"] != "me" || len(in.Metadata) != 2 {
					t.Errorf("metadata = %v", in.Metadata)
				}
				b, err := io.ReadAll(in.Body)
				if err != nil || string(b) != "hello" {
					t.Errorf("body = %q, %v", b, err)
				}
			},
		},
		{
			name: "sts GetCallerIdentity output",
			tree: map[string]any{
				"UserId":  "AIDAEXAMPLE",
				"Account": "000000000000",
				"Arn":     "arn:aws:iam::000000000000:root",
			},
			dst: new(sts.GetCallerIdentityOutput),
		},
		{
			name: "sts AssumeRole output with timestamp",
			tree: map[string]any{
				"Credentials": map[string]any{
					"AccessKeyId":     "ASIAEXAMPLE",
					"SecretAccessKey": "secret",
					"SessionToken":    "token",
					"Expiration":      when,
				},
				"PackedPolicySize": int64(6),
			},
			dst: new(sts.AssumeRoleOutput),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := api.Decode(tt.tree, tt.dst); err != nil {
				t.Fatal(err)
			}
			if tt.check != nil {
				tt.check(t, tt.dst)
			}
			if got := api.Encode(tt.dst); !reflect.DeepEqual(got, tt.tree) {
				t.Errorf("round trip:\n got %#v\nwant %#v", got, tt.tree)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name string
		tree map[string]any
		path string // in the message; "" = must succeed
	}{
		{"string for integer", map[string]any{"MaxCount": "1"}, "'MaxCount' must be an integer"},
		{"fraction for integer", map[string]any{"MaxCount": 1.5}, "'MaxCount' must be an integer"},
		{"integral float", map[string]any{"MaxCount": float64(3)}, ""},
		{"plain int", map[string]any{"MaxCount": 3}, ""},
		{"typed string slice", map[string]any{"SecurityGroupIds": []string{"sg-1"}}, ""},
		{"scalar for list", map[string]any{"SecurityGroupIds": "sg-1"}, "'SecurityGroupIds' must be a list"},
		{"blob for list", map[string]any{"SecurityGroupIds": []byte("x")}, "'SecurityGroupIds' must be a list"},
		{"list for structure", map[string]any{"Placement": []any{}}, "'Placement' must be a structure"},
		{"nested", map[string]any{"TagSpecifications": []any{
			map[string]any{"Tags": []any{map[string]any{"Key": 5}}},
		}}, "'TagSpecifications[0].Tags[0].Key' must be a string, not int"},
		{"bool", map[string]any{"DryRun": "true"}, "'DryRun' must be a boolean"},
		{"unknown member ignored", map[string]any{"NoSuchMember": 1}, ""},
		{"nil member is absent", map[string]any{"ImageId": nil}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := api.Decode(tt.tree, new(ec2.RunInstancesInput))
			if tt.path == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			var ae *awserr.Error
			if !errors.As(err, &ae) || ae.Code != "SerializationException" || ae.Status != 400 || !strings.Contains(ae.Message, tt.path) {
				t.Fatalf("got %v, want SerializationException mentioning %q", err, tt.path)
			}
		})
	}
}

func TestDecodeOtherTypes(t *testing.T) {
	// Maps of structures and blobs (KMS, DynamoDB) and timestamps.
	var in struct {
		Blob  []byte              `hk:"Blob"`
		Items map[string]ec2.Tag  `hk:"Items"`
		Lists map[string][]string `hk:"Lists"`
		When  *time.Time          `hk:"When"`
		Doc   any                 `hk:"Doc"`
		F     *float64            `hk:"F"`
		Str   io.Reader           `hk:"Str"`
		Skip  *string             `hk:"-"`
		Plain *string
	}
	loc := time.FixedZone("x", 3600)
	tree := map[string]any{
		"Blob":  "raw",
		"Items": map[string]any{"a": map[string]any{"Key": "k"}},
		"Lists": map[string]any{"l": []any{"x"}, "n": nil},
		"When":  time.Date(2024, 1, 1, 1, 0, 0, 0, loc),
		"Doc":   map[string]any{"any": []any{1.0, "two"}},
		"F":     int64(2),
		"Str":   []byte("stream"),
		"Skip":  "no",
		"Plain": "no",
	}
	if err := api.Decode(tree, &in); err != nil {
		t.Fatal(err)
	}
	if string(in.Blob) != "raw" || *in.Items["a"].Key != "k" || in.Lists["l"][0] != "x" || *in.F != 2 || in.Skip != nil || in.Plain != nil {
		t.Errorf("decoded %+v", in)
	}
	if _, ok := in.Lists["n"]; !ok {
		t.Error("nil map value dropped its key")
	}
	b, _ := io.ReadAll(in.Str)
	if string(b) != "stream" {
		t.Errorf("stream = %q", b)
	}
	out := api.Encode(in) // by value works too
	if got := out["When"].(time.Time); got.Location() != time.UTC || !got.Equal(tree["When"].(time.Time)) {
		t.Errorf("timestamp encoded as %v, want the same instant in UTC", got)
	}
	if !reflect.DeepEqual(out["Doc"], tree["Doc"]) || !bytes.Equal(out["Blob"].([]byte), []byte("raw")) {
		t.Errorf("encoded %#v", out)
	}
	if _, ok := out["Skip"]; ok {
		t.Error("untagged field encoded")
	}
}

func TestEncodeAbsence(t *testing.T) {
	in := &ec2.RunInstancesInput{
		SecurityGroupIds:  []string{},
		TagSpecifications: []ec2.TagSpecification{{Tags: nil}},
	}
	got := api.Encode(in)
	want := map[string]any{
		"SecurityGroupIds":  []any{},
		"TagSpecifications": []any{map[string]any{}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v, want %#v", got, want)
	}
	for _, v := range []any{nil, (*ec2.RunInstancesInput)(nil), 42, "x", []int{1}} {
		if got := api.Encode(v); got != nil {
			t.Errorf("Encode(%#v) = %v, want nil", v, got)
		}
	}
}

func TestDecodeBadDestination(t *testing.T) {
	var s struct{}
	for _, dst := range []any{nil, s, new(int), (*ec2.Tag)(nil)} {
		if err := api.Decode(map[string]any{}, dst); err == nil {
			t.Errorf("Decode into %T accepted", dst)
		}
	}
	var bad struct {
		N int `hk:"N"` // int is not one of the generated kinds
	}
	if err := api.Decode(map[string]any{"N": int64(1)}, &bad); err == nil {
		t.Error("unsupported field type accepted")
	}
	if api.Encode(bad) != nil {
		t.Error("unsupported field type encoded")
	}
}

// node is recursive, like several model shapes (IAM policy trees, Lambda
// event configs); plan building must terminate and be safe concurrently.
type node struct {
	Name *string `hk:"Name"`
	Next *node   `hk:"Next"`
	Kids []node  `hk:"Kids"`
}

func TestRecursiveConcurrent(t *testing.T) {
	tree := map[string]any{
		"Name": "a",
		"Next": map[string]any{"Name": "b", "Next": map[string]any{"Name": "c"}},
		"Kids": []any{map[string]any{"Name": "d", "Kids": []any{map[string]any{"Name": "e"}}}},
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var n node
			if err := api.Decode(tree, &n); err != nil {
				errs <- err
				return
			}
			if got := api.Encode(&n); !reflect.DeepEqual(got, tree) {
				errs <- errors.New("recursive round trip differs")
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

type stsImpl struct {
	sts.Unimplemented
	err    error
	nilOut bool
}

func (s stsImpl) GetCallerIdentity(ctx context.Context, in *sts.GetCallerIdentityInput) (*sts.GetCallerIdentityOutput, error) {
	if s.err != nil || s.nilOut {
		return nil, s.err
	}
	acct := "000000000000"
	return &sts.GetCallerIdentityOutput{Account: &acct}, nil
}

// GetSessionToken echoes its input so the test sees Decode reach the
// handler.
func (s stsImpl) GetSessionToken(ctx context.Context, in *sts.GetSessionTokenInput) (*sts.GetSessionTokenOutput, error) {
	if in.DurationSeconds == nil || *in.DurationSeconds != 900 {
		return nil, errors.New("DurationSeconds did not arrive")
	}
	return &sts.GetSessionTokenOutput{Credentials: &sts.Credentials{AccessKeyId: in.SerialNumber, Expiration: new(time.Time)}}, nil
}

func TestCall(t *testing.T) {
	ctx := context.Background()
	denied := awserr.New(403, "AccessDenied", "no")
	tests := []struct {
		name string
		impl stsImpl
		op   string
		in   map[string]any
		want map[string]any
		code string
		same error
	}{
		{name: "ok", op: "GetCallerIdentity", want: map[string]any{"Account": "000000000000"}},
		{name: "input reaches handler", op: "GetSessionToken",
			in:   map[string]any{"DurationSeconds": int64(900), "SerialNumber": "arn:aws:iam::000000000000:mfa/x"},
			want: map[string]any{"Credentials": map[string]any{"AccessKeyId": "arn:aws:iam::000000000000:mfa/x", "Expiration": time.Time{}}}},
		{name: "nil output", impl: stsImpl{nilOut: true}, op: "GetCallerIdentity", want: nil},
		{name: "handler error untouched", impl: stsImpl{err: denied}, op: "GetCallerIdentity", same: denied},
		{name: "unimplemented", op: "AssumeRole", code: "NotImplemented"},
		{name: "unknown operation", op: "Nope", code: "InvalidAction"},
		{name: "bad input", op: "GetSessionToken", in: map[string]any{"DurationSeconds": "x"}, code: "SerializationException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := sts.Bind(tt.impl).Call(ctx, tt.op, tt.in)
			switch {
			case tt.same != nil:
				if err != tt.same {
					t.Fatalf("err = %v, want the handler's own error", err)
				}
			case tt.code != "":
				var ae *awserr.Error
				if !errors.As(err, &ae) || ae.Code != tt.code {
					t.Fatalf("err = %v, want %s", err, tt.code)
				}
			case err != nil:
				t.Fatal(err)
			case !reflect.DeepEqual(got, tt.want):
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestResult(t *testing.T) {
	if out, err := api.Result((*sts.GetCallerIdentityOutput)(nil), nil); out != nil || err != nil {
		t.Errorf("typed nil became %#v, %v", out, err)
	}
	e := errors.New("x")
	if out, err := api.Result(&sts.GetCallerIdentityOutput{}, e); out != nil || err != e {
		t.Errorf("error case gave %#v, %v", out, err)
	}
}

func BenchmarkDecodeRunInstances(b *testing.B) {
	tree := runInstancesTree()
	b.ReportAllocs()
	for b.Loop() {
		var in ec2.RunInstancesInput
		if err := api.Decode(tree, &in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeRunInstances(b *testing.B) {
	var in ec2.RunInstancesInput
	if err := api.Decode(runInstancesTree(), &in); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		api.Encode(&in)
	}
}

func BenchmarkEncodeGetCallerIdentity(b *testing.B) {
	id, acct, arn := "AIDAEXAMPLE", "000000000000", "arn:aws:iam::000000000000:root"
	out := &sts.GetCallerIdentityOutput{UserId: &id, Account: &acct, Arn: &arn}
	b.ReportAllocs()
	for b.Loop() {
		api.Encode(out)
	}
}

func BenchmarkCallGetCallerIdentity(b *testing.B) {
	bind := sts.Bind(stsImpl{})
	ctx := context.Background()
	in := map[string]any{}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := bind.Call(ctx, "GetCallerIdentity", in); err != nil {
			b.Fatal(err)
		}
	}
}
