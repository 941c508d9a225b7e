package s3

import (
	"fmt"
	"strings"
	"testing"

	s3api "hakoniwa/internal/api/s3"
)

func tagSet(kv ...string) *s3api.Tagging {
	t := &s3api.Tagging{TagSet: []s3api.Tag{}}
	for i := 0; i+1 < len(kv); i += 2 {
		t.TagSet = append(t.TagSet, s3api.Tag{Key: ptr(kv[i]), Value: ptr(kv[i+1])})
	}
	return t
}

func TestBucketTagging(t *testing.T) {
	e := newTestEnv(t)
	ctx := e.ctx()
	e.mustCreateBucket("tags-b")
	b := ptr("tags-b")

	if _, err := e.svc.GetBucketTagging(ctx, &s3api.GetBucketTaggingInput{Bucket: b}); errCode(err) != "NoSuchTagSet" || errStatus(err) != 404 {
		t.Fatalf("no tags yet: %v", err)
	}
	if _, err := e.svc.PutBucketTagging(ctx, &s3api.PutBucketTaggingInput{Bucket: b, Tagging: tagSet("env", "prod", "team", "")}); err != nil {
		t.Fatal(err)
	}
	got, err := e.svc.GetBucketTagging(ctx, &s3api.GetBucketTaggingInput{Bucket: b})
	if err != nil || len(got.TagSet) != 2 || deref(got.TagSet[0].Key) != "env" || deref(got.TagSet[0].Value) != "prod" || deref(got.TagSet[1].Value) != "" {
		t.Fatalf("get: %+v %v", got, err)
	}
	// A put replaces the whole set.
	if _, err := e.svc.PutBucketTagging(ctx, &s3api.PutBucketTaggingInput{Bucket: b, Tagging: tagSet("only", "1")}); err != nil {
		t.Fatal(err)
	}
	if got, _ = e.svc.GetBucketTagging(ctx, &s3api.GetBucketTaggingInput{Bucket: b}); len(got.TagSet) != 1 || deref(got.TagSet[0].Key) != "only" {
		t.Fatalf("replaced: %+v", got)
	}
	if _, err := e.svc.GetBucketTagging(ctx, &s3api.GetBucketTaggingInput{Bucket: b, ExpectedBucketOwner: ptr("111111111111")}); errCode(err) != "AccessDenied" {
		t.Fatalf("other expected owner: %v", err)
	}
	if _, err := e.svc.DeleteBucketTagging(ctx, &s3api.DeleteBucketTaggingInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.GetBucketTagging(ctx, &s3api.GetBucketTaggingInput{Bucket: b}); errCode(err) != "NoSuchTagSet" {
		t.Fatalf("after delete: %v", err)
	}
	if _, err := e.svc.DeleteBucketTagging(ctx, &s3api.DeleteBucketTaggingInput{Bucket: b}); err != nil {
		t.Fatalf("deleting none: %v", err)
	}
	for _, op := range []func() error{
		func() error {
			_, err := e.svc.GetBucketTagging(ctx, &s3api.GetBucketTaggingInput{Bucket: ptr("no-such")})
			return err
		},
		func() error {
			_, err := e.svc.PutBucketTagging(ctx, &s3api.PutBucketTaggingInput{Bucket: ptr("no-such"), Tagging: tagSet("a", "b")})
			return err
		},
		func() error {
			_, err := e.svc.DeleteBucketTagging(ctx, &s3api.DeleteBucketTaggingInput{Bucket: ptr("no-such")})
			return err
		},
	} {
		if err := op(); errCode(err) != "NoSuchBucket" {
			t.Fatalf("missing bucket: %v", err)
		}
	}
}

func TestBucketTaggingRefusals(t *testing.T) {
	e := newTestEnv(t)
	ctx := e.ctx()
	e.mustCreateBucket("tags-r")
	fifty := make([]string, 0, 102)
	for i := range 51 {
		fifty = append(fifty, fmt.Sprintf("k%d", i), "v")
	}
	cases := []struct {
		name          string
		tagging       *s3api.Tagging
		code, message string
	}{
		{"51 tags", tagSet(fifty...), "BadRequest", "Bucket tag count cannot be greater than 50"},
		{"duplicate key", tagSet("a", "1", "a", "2"), "InvalidTag", "Cannot provide multiple Tags with the same key"},
		{"empty key", tagSet("", "1"), "InvalidTag", "The TagKey you have provided is invalid"},
		{"129-character key", tagSet(strings.Repeat("é", 129), "1"), "InvalidTag", "The TagKey you have provided is invalid"},
		{"257-character value", tagSet("k", strings.Repeat("v", 257)), "InvalidTag", "The TagValue you have provided is invalid"},
		{"aws: prefix", tagSet("AWS:cloudformation:stack-name", "x"), "InvalidTag", "Your TagKey cannot be prefixed with aws:"},
		{"no document", nil, "MalformedXML", ""},
	}
	for _, c := range cases {
		_, err := e.svc.PutBucketTagging(ctx, &s3api.PutBucketTaggingInput{Bucket: ptr("tags-r"), Tagging: c.tagging})
		if errCode(err) != c.code || errStatus(err) != 400 || c.message != "" && !strings.Contains(err.Error(), c.message) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	// The limits are inclusive: 50 tags, 128-character keys, 256-character values.
	ok := tagSet(append(fifty[:98], strings.Repeat("é", 128), strings.Repeat("v", 256))...)
	if _, err := e.svc.PutBucketTagging(ctx, &s3api.PutBucketTaggingInput{Bucket: ptr("tags-r"), Tagging: ok}); err != nil {
		t.Fatalf("at the limits: %v", err)
	}
	if _, err := e.svc.GetBucketTagging(ctx, &s3api.GetBucketTaggingInput{Bucket: ptr("tags-r")}); err != nil {
		t.Fatal(err)
	}
}

func TestCreateBucketTags(t *testing.T) {
	e := newTestEnv(t)
	ctx := e.ctx()
	in := &s3api.CreateBucketInput{Bucket: ptr("tags-c"), CreateBucketConfiguration: &s3api.CreateBucketConfiguration{Tags: tagSet("a", "1", "a", "2").TagSet}}
	if _, err := e.svc.CreateBucket(ctx, in); errCode(err) != "InvalidTag" {
		t.Fatalf("duplicate tag at creation: %v", err)
	}
	if _, err := e.svc.HeadBucket(ctx, &s3api.HeadBucketInput{Bucket: ptr("tags-c")}); errCode(err) != "NoSuchBucket" {
		t.Fatalf("refused bucket exists: %v", err)
	}
	in.CreateBucketConfiguration.Tags = tagSet("a", "1").TagSet
	if _, err := e.svc.CreateBucket(ctx, in); err != nil {
		t.Fatal(err)
	}
	got, err := e.svc.GetBucketTagging(ctx, &s3api.GetBucketTaggingInput{Bucket: ptr("tags-c")})
	if err != nil || len(got.TagSet) != 1 || deref(got.TagSet[0].Key) != "a" {
		t.Fatalf("creation tags: %+v %v", got, err)
	}
}
