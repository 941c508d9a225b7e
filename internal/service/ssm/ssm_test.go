package ssm

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"hakoniwa/internal/awsdata/images"
	"hakoniwa/internal/awserr"
	"hakoniwa/internal/clock"
	"hakoniwa/internal/reqctx"
	"hakoniwa/internal/store"

	ssmapi "hakoniwa/internal/api/ssm"
)

func newTest(t *testing.T) (*Service, context.Context) {
	t.Helper()
	st := store.OpenMemory()
	t.Cleanup(func() { st.Close() })
	s := New(st, clock.NewManual(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)))
	ctx := reqctx.With(context.Background(), &reqctx.Info{Region: "us-east-1",
		Principal: reqctx.Principal{Type: "Root", Account: "000000000000", ARN: "arn:aws:iam::000000000000:root"}})
	return s, ctx
}

func code(err error) string {
	var e *awserr.Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err != nil {
		return "go:" + err.Error()
	}
	return ""
}

func put(t *testing.T, s *Service, ctx context.Context, in ssmapi.PutParameterInput) *ssmapi.PutParameterOutput {
	t.Helper()
	out, err := s.PutParameter(ctx, &in)
	if err != nil {
		t.Fatalf("PutParameter %s: %v", *in.Name, err)
	}
	return out
}

func TestPutGetVersions(t *testing.T) {
	s, ctx := newTest(t)
	out := put(t, s, ctx, ssmapi.PutParameterInput{Name: ptr("/app/db/host"), Value: ptr("db1"), Type: ptr("String")})
	if *out.Version != 1 || *out.Tier != "Standard" {
		t.Errorf("put = %+v", out)
	}
	put(t, s, ctx, ssmapi.PutParameterInput{Name: ptr("/app/db/host"), Value: ptr("db2"), Overwrite: ptr(true)})
	get := func(name string) (*ssmapi.Parameter, error) {
		o, err := s.GetParameter(ctx, &ssmapi.GetParameterInput{Name: ptr(name)})
		if err != nil {
			return nil, err
		}
		return o.Parameter, nil
	}
	p, err := get("/app/db/host")
	if err != nil || *p.Value != "db2" || *p.Version != 2 || *p.Type != "String" ||
		*p.ARN != "arn:aws:ssm:us-east-1:000000000000:parameter/app/db/host" {
		t.Fatalf("get = %+v, %v", p, err)
	}
	if p, err := get("/app/db/host:1"); err != nil || *p.Value != "db1" || *p.Selector != ":1" {
		t.Errorf("get :1 = %+v, %v", p, err)
	}
	if _, err := get("/app/db/host:7"); code(err) != "ParameterVersionNotFound" {
		t.Errorf("get :7: %v", err)
	}
	if _, err := s.LabelParameterVersion(ctx, &ssmapi.LabelParameterVersionInput{Name: ptr("/app/db/host"), ParameterVersion: ptr(int64(1)), Labels: []string{"prod", "1bad"}}); err != nil {
		t.Fatal(err)
	}
	if p, err := get("/app/db/host:prod"); err != nil || *p.Value != "db1" {
		t.Errorf("get :prod = %+v, %v", p, err)
	}
	if _, err := s.PutParameter(ctx, &ssmapi.PutParameterInput{Name: ptr("/app/db/host"), Value: ptr("x"), Type: ptr("String")}); code(err) != "ParameterAlreadyExists" {
		t.Errorf("put again: %v", err)
	}
	h, err := s.GetParameterHistory(ctx, &ssmapi.GetParameterHistoryInput{Name: ptr("/app/db/host")})
	if err != nil || len(h.Parameters) != 2 || *h.Parameters[0].Value != "db1" || h.Parameters[0].Labels[0] != "prod" {
		t.Errorf("history = %+v, %v", h, err)
	}
	if _, err := get("/nope"); code(err) != "ParameterNotFound" {
		t.Errorf("get /nope: %v", err)
	}
	gp, _ := s.GetParameters(ctx, &ssmapi.GetParametersInput{Names: []string{"/app/db/host", "/nope", "/app/db/host:9"}})
	if len(gp.Parameters) != 1 || strings.Join(gp.InvalidParameters, ",") != "/nope,/app/db/host:9" {
		t.Errorf("GetParameters = %+v", gp)
	}
}

func TestPutRefusals(t *testing.T) {
	s, ctx := newTest(t)
	deep := "/" + strings.Repeat("a/", 15) + "b"
	for _, tt := range []struct {
		in   ssmapi.PutParameterInput
		code string
	}{
		{ssmapi.PutParameterInput{Name: ptr("a/b"), Value: ptr("v"), Type: ptr("String")}, "ValidationException"},
		{ssmapi.PutParameterInput{Name: ptr("awsthing"), Value: ptr("v"), Type: ptr("String")}, "ValidationException"},
		{ssmapi.PutParameterInput{Name: ptr("/ssm/x"), Value: ptr("v"), Type: ptr("String")}, "ValidationException"},
		{ssmapi.PutParameterInput{Name: ptr("/bad name"), Value: ptr("v"), Type: ptr("String")}, "ValidationException"},
		{ssmapi.PutParameterInput{Name: ptr("/aws/service/x"), Value: ptr("v"), Type: ptr("String")}, "AccessDeniedException"},
		{ssmapi.PutParameterInput{Name: ptr(deep), Value: ptr("v"), Type: ptr("String")}, "HierarchyLevelLimitExceededException"},
		{ssmapi.PutParameterInput{Name: ptr("/x"), Value: ptr("v")}, "ValidationException"},
		{ssmapi.PutParameterInput{Name: ptr("/x"), Value: ptr(strings.Repeat("v", 4097)), Type: ptr("String")}, "ValidationException"},
		{ssmapi.PutParameterInput{Name: ptr("/x"), Value: ptr(strings.Repeat("v", 8193)), Type: ptr("String"), Tier: ptr("Advanced")}, "ValidationException"},
		{ssmapi.PutParameterInput{Name: ptr("/x"), Value: ptr("abc"), Type: ptr("String"), AllowedPattern: ptr("^[0-9]+$")}, "ParameterPatternMismatchException"},
		{ssmapi.PutParameterInput{Name: ptr("/x"), Value: ptr("abc"), Type: ptr("String"), DataType: ptr("aws:ec2:image")}, "ValidationException"},
		{ssmapi.PutParameterInput{Name: ptr("/x"), Value: ptr("abc"), Type: ptr("String"), DataType: ptr("Text")}, "ValidationException"},
		{ssmapi.PutParameterInput{Name: ptr("/x"), Value: ptr("v"), Type: ptr("String"), Overwrite: ptr(true), Tags: []ssmapi.Tag{{Key: ptr("k"), Value: ptr("v")}}}, "ValidationException"},
	} {
		if _, err := s.PutParameter(ctx, &tt.in); code(err) != tt.code {
			t.Errorf("%s: %v, want %s", *tt.in.Name, err, tt.code)
		}
	}
	if out := put(t, s, ctx, ssmapi.PutParameterInput{Name: ptr("/big"), Value: ptr(strings.Repeat("v", 5000)), Type: ptr("String"), Tier: ptr("Intelligent-Tiering")}); *out.Tier != "Advanced" {
		t.Errorf("intelligent tiering chose %s", *out.Tier)
	}
	put(t, s, ctx, ssmapi.PutParameterInput{Name: ptr("/ami"), Value: ptr("ami-0123456789abcdef0"), Type: ptr("String"), DataType: ptr("aws:ec2:image")})
}

func TestSecureString(t *testing.T) {
	s, ctx := newTest(t)
	put(t, s, ctx, ssmapi.PutParameterInput{Name: ptr("/app/pw"), Value: ptr("hunter2"), Type: ptr("SecureString")})
	o, err := s.GetParameter(ctx, &ssmapi.GetParameterInput{Name: ptr("/app/pw")})
	if err != nil || *o.Parameter.Value == "hunter2" || *o.Parameter.Value == "" {
		t.Fatalf("without decryption: %+v, %v", o, err)
	}
	o, err = s.GetParameter(ctx, &ssmapi.GetParameterInput{Name: ptr("/app/pw"), WithDecryption: ptr(true)})
	if err != nil || *o.Parameter.Value != "hunter2" {
		t.Fatalf("with decryption: %+v, %v", o, err)
	}
	d, _ := s.DescribeParameters(ctx, &ssmapi.DescribeParametersInput{})
	if len(d.Parameters) != 1 || *d.Parameters[0].KeyId != "alias/aws/ssm" {
		t.Errorf("describe = %+v", d)
	}
}

func TestPublicParameters(t *testing.T) {
	s, ctx := newTest(t)
	const al = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
	want, _ := images.PublicParameter("us-east-1", al)
	o, err := s.GetParameter(ctx, &ssmapi.GetParameterInput{Name: ptr(al)})
	if err != nil || *o.Parameter.Value != want || *o.Parameter.ARN != "arn:aws:ssm:us-east-1::parameter"+al {
		t.Fatalf("public = %+v, %v", o, err)
	}
	var all []string
	in := &ssmapi.GetParametersByPathInput{Path: ptr("/aws/service/ami-amazon-linux-latest"), MaxResults: ptr(int64(3))}
	for {
		out, err := s.GetParametersByPath(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range out.Parameters {
			all = append(all, *p.Name)
		}
		if out.NextToken == nil {
			break
		}
		in.NextToken = out.NextToken
	}
	if len(all) != 12 {
		t.Errorf("Amazon Linux parameters: %v", all)
	}
	if _, err := s.DeleteParameter(ctx, &ssmapi.DeleteParameterInput{Name: ptr(al)}); code(err) != "AccessDeniedException" {
		t.Errorf("delete public: %v", err)
	}
}

func TestByPathAndDescribe(t *testing.T) {
	s, ctx := newTest(t)
	for _, n := range []string{"/a/1", "/a/2", "/a/b/3", "/c/4"} {
		put(t, s, ctx, ssmapi.PutParameterInput{Name: ptr(n), Value: ptr("v"), Type: ptr("String"), Tags: []ssmapi.Tag{{Key: ptr("team"), Value: ptr(n[1:2])}}})
	}
	names := func(ps []ssmapi.Parameter) string {
		var n []string
		for _, p := range ps {
			n = append(n, *p.Name)
		}
		return strings.Join(n, ",")
	}
	o, _ := s.GetParametersByPath(ctx, &ssmapi.GetParametersByPathInput{Path: ptr("/a")})
	if names(o.Parameters) != "/a/1,/a/2" {
		t.Errorf("one level: %s", names(o.Parameters))
	}
	o, _ = s.GetParametersByPath(ctx, &ssmapi.GetParametersByPathInput{Path: ptr("/a/"), Recursive: ptr(true)})
	if names(o.Parameters) != "/a/1,/a/2,/a/b/3" {
		t.Errorf("recursive: %s", names(o.Parameters))
	}
	if _, err := s.GetParametersByPath(ctx, &ssmapi.GetParametersByPathInput{Path: ptr("a")}); code(err) != "ValidationException" {
		t.Errorf("relative path: %v", err)
	}
	if _, err := s.GetParametersByPath(ctx, &ssmapi.GetParametersByPathInput{Path: ptr("/a"),
		ParameterFilters: []ssmapi.ParameterStringFilter{{Key: ptr("Name"), Values: []string{"x"}}}}); code(err) != "InvalidFilterKey" {
		t.Errorf("Name filter by path: %v", err)
	}
	d, err := s.DescribeParameters(ctx, &ssmapi.DescribeParametersInput{ParameterFilters: []ssmapi.ParameterStringFilter{
		{Key: ptr("Path"), Option: ptr("Recursive"), Values: []string{"/a"}}, {Key: ptr("tag:team"), Values: []string{"a"}}}})
	if err != nil || len(d.Parameters) != 3 {
		t.Errorf("describe: %+v, %v", d, err)
	}
	d, err = s.DescribeParameters(ctx, &ssmapi.DescribeParametersInput{ParameterFilters: []ssmapi.ParameterStringFilter{
		{Key: ptr("Name"), Option: ptr("BeginsWith"), Values: []string{"/c"}}}})
	if err != nil || len(d.Parameters) != 1 {
		t.Errorf("describe BeginsWith: %+v, %v", d, err)
	}
	if _, err := s.AddTagsToResource(ctx, &ssmapi.AddTagsToResourceInput{ResourceType: ptr("Parameter"), ResourceId: ptr("/c/4"), Tags: []ssmapi.Tag{{Key: ptr("x"), Value: ptr("y")}}}); err != nil {
		t.Fatal(err)
	}
	lt, _ := s.ListTagsForResource(ctx, &ssmapi.ListTagsForResourceInput{ResourceType: ptr("Parameter"), ResourceId: ptr("/c/4")})
	if len(lt.TagList) != 2 {
		t.Errorf("tags = %+v", lt)
	}
	if _, err := s.ListTagsForResource(ctx, &ssmapi.ListTagsForResourceInput{ResourceType: ptr("Parameter"), ResourceId: ptr("/zz")}); code(err) != "InvalidResourceId" {
		t.Errorf("tags of unknown: %v", err)
	}
	del, _ := s.DeleteParameters(ctx, &ssmapi.DeleteParametersInput{Names: []string{"/a/1", "/zz"}})
	if len(del.DeletedParameters) != 1 || len(del.InvalidParameters) != 1 {
		t.Errorf("delete = %+v", del)
	}
}
