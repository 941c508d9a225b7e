package authz

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/model"
	"hakoniwa/internal/reqctx"
)

// fakeBuckets maps bucket names to their policy; objects share it.
type fakeBuckets map[string]ResourcePolicy

func (f fakeBuckets) ResourcePolicy(_ context.Context, arn string) (ResourcePolicy, bool, error) {
	name, _, _ := strings.Cut(strings.TrimPrefix(arn, "arn:aws:s3:::"), "/")
	rp, ok := f[name]
	return rp, ok, nil
}

func bucketPolicy(effect, principal, action, resource, condition string) string {
	s := `{"Version":"2012-10-17","Statement":[{"Effect":"` + effect + `","Principal":` + principal +
		`,"Action":"` + action + `","Resource":"` + resource + `"`
	if condition != "" {
		s += `,"Condition":` + condition
	}
	return s + `}]}`
}

const (
	owner    = "000000000000"
	outsider = "111111111111"
	carol    = "arn:aws:iam::111111111111:user/carol"
)

func s3Ctx(typ, account, arn string, secure bool, ip string) context.Context {
	return reqctx.With(context.Background(), &reqctx.Info{
		RequestID: "req-s3", Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Region: "us-east-1",
		SourceIP: ip, SecureTransport: secure,
		Principal: reqctx.Principal{Type: typ, Account: account, ARN: arn, UserName: arn[strings.LastIndexByte(arn, '/')+1:]},
	})
}

func TestBucketPolicies(t *testing.T) {
	s3All := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`
	ids := fakeIDs{
		alice:                                {Type: "User", ARN: alice},
		"arn:aws:iam::000000000000:user/dev": {Type: "User", ARN: "arn:aws:iam::000000000000:user/dev", Policies: []Document{{ID: "p", Kind: "inline", Text: s3All}}},
		carol:                                {Type: "User", ARN: carol, Policies: []Document{{ID: "p", Kind: "inline", Text: s3All}}},
	}
	const dev = "arn:aws:iam::000000000000:user/dev"
	exempt := []string{"s3:GetBucketPolicy", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy"}
	public := bucketPolicy("Allow", `"*"`, "s3:GetObject", "arn:aws:s3:::public/*", "")
	buckets := fakeBuckets{
		"private":     {Owner: owner, Plain: true, Exempt: exempt},
		"names-user":  {Owner: owner, Plain: true, Text: bucketPolicy("Allow", `{"AWS":"`+alice+`"}`, "s3:GetObject", "arn:aws:s3:::names-user/*", "")},
		"deny-all":    {Owner: owner, Plain: true, Exempt: exempt, Text: bucketPolicy("Deny", `"*"`, "s3:*", "arn:aws:s3:::deny-all*", "")},
		"public":      {Owner: owner, Plain: true, Text: public},
		"restricted":  {Owner: owner, Plain: true, Restricted: true, Text: strings.ReplaceAll(public, "public/", "restricted/")},
		"to-outsider": {Owner: owner, Plain: true, Text: bucketPolicy("Allow", `{"AWS":"`+outsider+`"}`, "s3:GetObject", "arn:aws:s3:::to-outsider/*", "")},
		"office-only": {Owner: owner, Plain: true, Text: bucketPolicy("Allow", `"*"`, "s3:GetObject", "arn:aws:s3:::office-only/*",
			`{"IpAddress":{"aws:SourceIp":"192.0.2.0/24"}}`)},
		"tls-only": {Owner: owner, Plain: true, Text: bucketPolicy("Deny", `"*"`, "s3:*", "arn:aws:s3:::tls-only/*",
			`{"Bool":{"aws:SecureTransport":"false"}}`)},
		"home": {Owner: owner, Plain: true, Text: bucketPolicy("Allow", `{"AWS":"`+alice+`"}`, "s3:ListBucket", "arn:aws:s3:::home",
			`{"StringLike":{"s3:prefix":"alice/*"}}`)},
		"theirs": {Owner: outsider, Plain: true},
	}
	a := New(ids, Enforce, slog.New(slog.NewTextHandler(io.Discard, nil)), WithResourcePolicies("s3", buckets))
	s3 := &model.Service{ID: "s3", Metadata: model.Metadata{Protocol: "rest-xml"}, Shapes: map[string]*model.Shape{}}
	get := func(bucket string) (*model.Operation, map[string]any) {
		return &model.Operation{Name: "GetObject"}, map[string]any{"Bucket": bucket, "Key": "k"}
	}
	user := func(arn string) context.Context { return s3Ctx("IAMUser", owner, arn, false, "127.0.0.1") }
	root := s3Ctx("Root", owner, "arn:aws:iam::000000000000:root", false, "127.0.0.1")
	anon := reqctx.With(context.Background(), &reqctx.Info{RequestID: "r", SourceIP: "192.0.2.7", Principal: reqctx.Principal{Type: "Anonymous", ARN: "*"}})
	cross := s3Ctx("IAMUser", outsider, carol, false, "127.0.0.1")

	type call struct {
		name   string
		ctx    context.Context
		op     *model.Operation
		in     map[string]any
		denied string // "" for allowed, else a part of the message
	}
	op, in := get("private")
	cases := []call{
		{"no policy anywhere", user(alice), op, in, "User: " + alice + " is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::private/k because no identity-based policy allows the s3:GetObject action"},
		{"identity allows", user(dev), op, in, ""},
		{"owner root", root, op, in, ""},
		{"unknown bucket: identity decides", user(dev), nil, nil, ""},
		{"cross-account without bucket policy", cross, op, in, "Access Denied"},
	}
	add := func(name string, ctx context.Context, bucket, denied string) {
		op, in := get(bucket)
		cases = append(cases, call{name, ctx, op, in, denied})
	}
	add("bucket policy names the user", user(alice), "names-user", "")
	add("bucket policy names someone else", user(dev), "names-user", "")
	add("explicit deny beats identity allow", user(dev), "deny-all", "with an explicit deny in a resource-based policy")
	add("explicit deny binds the owner's root", root, "deny-all", "with an explicit deny in a resource-based policy")
	add("public policy lets anonymous in", anon, "public", "")
	add("anonymous on a private bucket", anon, "private", "Access Denied")
	add("RestrictPublicBuckets stops anonymous", anon, "restricted", "Access Denied")
	add("RestrictPublicBuckets keeps the owner account", user(dev), "restricted", "")
	add("cross-account both allow", cross, "to-outsider", "")
	add("cross-account needs the identity side", s3Ctx("IAMUser", outsider, "arn:aws:iam::111111111111:user/nobody", false, "127.0.0.1"), "to-outsider", "Access Denied")
	add("aws:SourceIp matches", anon, "office-only", "")
	add("aws:SourceIp does not match", s3Ctx("IAMUser", owner, alice, false, "198.51.100.1"), "office-only", "because no identity-based policy allows")
	add("aws:SecureTransport false denied", user(dev), "tls-only", "explicit deny in a resource-based policy")
	add("aws:SecureTransport true passes", s3Ctx("IAMUser", owner, dev, true, "127.0.0.1"), "tls-only", "")
	add("root of another account", s3Ctx("Root", outsider, "arn:aws:iam::111111111111:root", false, "127.0.0.1"), "theirs", "")
	add("root into another account's bucket", root, "theirs", "Access Denied")
	cases[3].op, cases[3].in = get("nowhere")

	putPolicy := &model.Operation{Name: "PutBucketPolicy"}
	cases = append(cases,
		call{"the owner's root may always replace the policy", root, putPolicy, map[string]any{"Bucket": "deny-all", "Policy": "{}"}, ""},
		call{"the exemption is the root's only", user(dev), putPolicy, map[string]any{"Bucket": "deny-all", "Policy": "{}"}, "explicit deny"},
		call{"s3:prefix within the grant", user(alice), &model.Operation{Name: "ListObjectsV2"}, map[string]any{"Bucket": "home", "Prefix": "alice/docs/"}, ""},
		call{"s3:prefix outside the grant", user(alice), &model.Operation{Name: "ListObjectsV2"}, map[string]any{"Bucket": "home", "Prefix": "bob/"}, "s3:ListBucket on resource: arn:aws:s3:::home because no identity-based policy allows"},
	)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := a.Authorize(tc.ctx, s3, tc.op, tc.in)
			if tc.denied == "" {
				if err != nil {
					t.Fatalf("denied: %v", err)
				}
				return
			}
			e, ok := err.(*awserr.Error)
			if !ok || e.Code != "AccessDenied" || e.Status != 403 || !strings.Contains(e.Message, tc.denied) {
				t.Fatalf("got %v, want AccessDenied containing %q", err, tc.denied)
			}
			if tc.denied == "Access Denied" && e.Message != "Access Denied" {
				t.Fatalf("an outsider's refusal explains itself: %q", e.Message)
			}
		})
	}
}

// TestRootSkipsResolutionElsewhere: root calls to a service without
// resource policies are not resolved at all (an unknown operation would
// otherwise fail).
func TestRootSkipsResolutionElsewhere(t *testing.T) {
	a := New(fakeIDs{}, Enforce, slog.New(slog.DiscardHandler), WithResourcePolicies("s3", fakeBuckets{}))
	svc := &model.Service{ID: "nosuch", Metadata: model.Metadata{Protocol: "json"}}
	ctx := s3Ctx("Root", owner, "arn:aws:iam::000000000000:root", false, "127.0.0.1")
	if err := a.Authorize(ctx, svc, &model.Operation{Name: "Whatever"}, nil); err != nil {
		t.Fatal(err)
	}
}
