package s3

import (
	"fmt"
	"strings"
	"testing"
	"time"

	s3api "hakoniwa/internal/api/s3"
)

func (e *testEnv) putLifecycle(bucket string, rules ...s3api.LifecycleRule) error {
	_, err := e.svc.PutBucketLifecycleConfiguration(e.ctx(), &s3api.PutBucketLifecycleConfigurationInput{Bucket: ptr(bucket),
		LifecycleConfiguration: &s3api.BucketLifecycleConfiguration{Rules: rules}})
	return err
}

func days(n int64) *s3api.LifecycleExpiration { return &s3api.LifecycleExpiration{Days: ptr(n)} }

func rule(id, prefix string) s3api.LifecycleRule {
	return s3api.LifecycleRule{ID: ptr(id), Status: ptr("Enabled"), Filter: &s3api.LifecycleRuleFilter{Prefix: ptr(prefix)}, Expiration: days(1)}
}

func TestLifecycleValidation(t *testing.T) {
	e := newTestEnv(t)
	e.mustCreateBucket("lc-v")
	if _, err := e.svc.GetBucketLifecycleConfiguration(e.ctx(), &s3api.GetBucketLifecycleConfigurationInput{Bucket: ptr("lc-v")}); errCode(err) != "NoSuchLifecycleConfiguration" || errStatus(err) != 404 {
		t.Fatalf("none yet: %v", err)
	}
	many := make([]s3api.LifecycleRule, 1001)
	for i := range many {
		many[i] = rule(fmt.Sprint(i), "")
	}
	midday := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name  string
		rules []s3api.LifecycleRule
		code  string
		msg   string
	}{
		{"no rules", nil, "MalformedXML", ""},
		{"too many", many, "InvalidArgument", "more than 1000 rules"},
		{"long id", []s3api.LifecycleRule{rule(strings.Repeat("x", 256), "")}, "InvalidArgument", "ID length should not exceed allowed limit of 255"},
		{"same id", []s3api.LifecycleRule{rule("a", "x/"), rule("a", "y/")}, "InvalidArgument", "Rule ID must be unique"},
		{"zero days", []s3api.LifecycleRule{{ID: ptr("z"), Status: ptr("Enabled"), Prefix: ptr(""), Expiration: days(0)}}, "InvalidArgument", "'Days' for Expiration action must be a positive integer"},
		{"bad status", []s3api.LifecycleRule{{Status: ptr("On"), Prefix: ptr(""), Expiration: days(1)}}, "MalformedXML", ""},
		{"prefix and filter", []s3api.LifecycleRule{{Status: ptr("Enabled"), Prefix: ptr("a"), Filter: &s3api.LifecycleRuleFilter{}, Expiration: days(1)}}, "MalformedXML", ""},
		{"neither prefix nor filter", []s3api.LifecycleRule{{Status: ptr("Enabled"), Expiration: days(1)}}, "MalformedXML", ""},
		{"two filter conditions", []s3api.LifecycleRule{{Status: ptr("Enabled"), Filter: &s3api.LifecycleRuleFilter{Prefix: ptr("a"), ObjectSizeLessThan: ptr(int64(5))}, Expiration: days(1)}}, "MalformedXML", ""},
		{"no action", []s3api.LifecycleRule{{Status: ptr("Enabled"), Prefix: ptr("")}}, "InvalidArgument", "At least one action"},
		{"days and date", []s3api.LifecycleRule{{Status: ptr("Enabled"), Prefix: ptr(""), Expiration: &s3api.LifecycleExpiration{Days: ptr(int64(1)), Date: &midday}}}, "MalformedXML", ""},
		{"date not midnight", []s3api.LifecycleRule{{Status: ptr("Enabled"), Prefix: ptr(""), Expiration: &s3api.LifecycleExpiration{Date: &midday}}}, "InvalidArgument", "'Date' must be at midnight GMT"},
		{"marker with days", []s3api.LifecycleRule{{Status: ptr("Enabled"), Prefix: ptr(""), Expiration: &s3api.LifecycleExpiration{Days: ptr(int64(1)), ExpiredObjectDeleteMarker: ptr(true)}}}, "InvalidArgument", "ExpiredObjectDeleteMarker cannot be specified with Days or Date"},
		{"noncurrent zero", []s3api.LifecycleRule{{Status: ptr("Enabled"), Prefix: ptr(""), NoncurrentVersionExpiration: &s3api.NoncurrentVersionExpiration{NoncurrentDays: ptr(int64(0))}}}, "InvalidArgument", "'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer"},
		{"abort zero", []s3api.LifecycleRule{{Status: ptr("Enabled"), Prefix: ptr(""), AbortIncompleteMultipartUpload: &s3api.AbortIncompleteMultipartUpload{DaysAfterInitiation: ptr(int64(-1))}}}, "InvalidArgument", "'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive integer"},
		{"abort with tags", []s3api.LifecycleRule{{Status: ptr("Enabled"), Filter: &s3api.LifecycleRuleFilter{Tag: &s3api.Tag{Key: ptr("k"), Value: ptr("v")}}, AbortIncompleteMultipartUpload: &s3api.AbortIncompleteMultipartUpload{DaysAfterInitiation: ptr(int64(1))}}}, "InvalidArgument", "cannot be specified with Tags"},
	}
	for _, c := range cases {
		err := e.putLifecycle("lc-v", c.rules...)
		if errCode(err) != c.code || !strings.Contains(fmt.Sprint(err), c.msg) {
			t.Errorf("%s: %v, want %s %q", c.name, err, c.code, c.msg)
		}
	}
	if err := e.putLifecycle("lc-v", rule("keep", "logs/"), s3api.LifecycleRule{Status: ptr("Disabled"), Prefix: ptr("tmp/"), Expiration: days(3)}); err != nil {
		t.Fatal(err)
	}
	got, err := e.svc.GetBucketLifecycleConfiguration(e.ctx(), &s3api.GetBucketLifecycleConfigurationInput{Bucket: ptr("lc-v")})
	if err != nil || len(got.Rules) != 2 || deref(got.Rules[0].ID) != "keep" || deref(got.Rules[1].ID) == "" || deref(got.Rules[1].Prefix) != "tmp/" {
		t.Fatalf("get: %+v %v", got, err)
	}
	if _, err := e.svc.DeleteBucketLifecycle(e.ctx(), &s3api.DeleteBucketLifecycleInput{Bucket: ptr("lc-v")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.GetBucketLifecycleConfiguration(e.ctx(), &s3api.GetBucketLifecycleConfigurationInput{Bucket: ptr("lc-v")}); errCode(err) != "NoSuchLifecycleConfiguration" {
		t.Fatalf("after delete: %v", err)
	}
}

func TestDueAt(t *testing.T) {
	created := time.Date(2025, 1, 1, 10, 30, 0, 0, time.UTC)
	if got := dueAt(created, 1); !got.Equal(time.Date(2025, 1, 3, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("1 day after 10:30 on Jan 1: %v", got)
	}
	if got := dueAt(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), 1); !got.Equal(time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("from midnight: %v", got)
	}
}

func (e *testEnv) keys(bucket string) string {
	e.t.Helper()
	out, err := e.svc.ListObjectsV2(e.ctx(), &s3api.ListObjectsV2Input{Bucket: ptr(bucket)})
	if err != nil {
		e.t.Fatal(err)
	}
	var ks []string
	for _, o := range out.Contents {
		ks = append(ks, deref(o.Key))
	}
	return strings.Join(ks, ",")
}

func (e *testEnv) sweep() {
	e.t.Helper()
	if err := e.svc.SweepLifecycle(e.ctx()); err != nil {
		e.t.Fatal(err)
	}
}

func TestLifecycleExpiresCurrentObjects(t *testing.T) {
	e := newTestEnv(t) // the clock starts at 2025-01-01T00:00Z
	e.mustCreateBucket("lc-x")
	e.mustPut("lc-x", "logs/a", "a")
	e.mustPut("lc-x", "keep/b", "b")
	e.mustPut("lc-x", "logs/big", strings.Repeat("x", 100))
	small := s3api.LifecycleRule{ID: ptr("small-logs"), Status: ptr("Enabled"), Expiration: days(1),
		Filter: &s3api.LifecycleRuleFilter{And: &s3api.LifecycleRuleAndOperator{Prefix: ptr("logs/"), ObjectSizeLessThan: ptr(int64(50))}}}
	if err := e.putLifecycle("lc-x", small); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(23 * time.Hour)
	e.sweep()
	if got := e.keys("lc-x"); got != "keep/b,logs/a,logs/big" {
		t.Fatalf("before the due midnight: %s", got)
	}
	e.clock.Advance(time.Hour)
	e.sweep()
	if got := e.keys("lc-x"); got != "keep/b,logs/big" {
		t.Fatalf("after it: %s", got)
	}
}

func TestLifecycleVersionsMarkersAndUploads(t *testing.T) {
	e := newTestEnv(t)
	e.mustCreateBucket("lc-nv")
	e.setVersioning("lc-nv", "Enabled")
	e.mustPut("lc-nv", "doc", "v1")
	e.clock.Advance(time.Hour)
	e.mustPut("lc-nv", "doc", "v2") // v1 noncurrent from 01:00
	e.clock.Advance(time.Hour)
	e.mustPut("lc-nv", "doc", "v3") // v2 noncurrent from 02:00
	e.mustPut("lc-nv", "gone", "x")
	if _, err := e.svc.DeleteObject(e.ctx(), &s3api.DeleteObjectInput{Bucket: ptr("lc-nv"), Key: ptr("gone")}); err != nil {
		t.Fatal(err)
	}
	id := e.createUpload("lc-nv", "big")
	err := e.putLifecycle("lc-nv",
		s3api.LifecycleRule{ID: ptr("old"), Status: ptr("Enabled"), Prefix: ptr(""),
			NoncurrentVersionExpiration:    &s3api.NoncurrentVersionExpiration{NoncurrentDays: ptr(int64(1)), NewerNoncurrentVersions: ptr(int64(1))},
			AbortIncompleteMultipartUpload: &s3api.AbortIncompleteMultipartUpload{DaysAfterInitiation: ptr(int64(2))}},
		s3api.LifecycleRule{ID: ptr("markers"), Status: ptr("Enabled"), Prefix: ptr("gone"),
			Expiration: &s3api.LifecycleExpiration{ExpiredObjectDeleteMarker: ptr(true)}})
	if err != nil {
		t.Fatal(err)
	}
	count := func() (versions, markers int) {
		out, err := e.svc.ListObjectVersions(e.ctx(), &s3api.ListObjectVersionsInput{Bucket: ptr("lc-nv")})
		if err != nil {
			t.Fatal(err)
		}
		return len(out.Versions), len(out.DeleteMarkers)
	}
	e.sweep()
	if v, m := count(); v != 4 || m != 1 {
		t.Fatalf("at once: %d versions, %d markers", v, m)
	}
	// "gone" still has its version under the marker, so the marker stays;
	// remove that version and the marker is expired.
	out, _ := e.svc.ListObjectVersions(e.ctx(), &s3api.ListObjectVersionsInput{Bucket: ptr("lc-nv"), Prefix: ptr("gone")})
	if _, err := e.svc.DeleteObject(e.ctx(), &s3api.DeleteObjectInput{Bucket: ptr("lc-nv"), Key: ptr("gone"), VersionId: out.Versions[0].VersionId}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(24 * time.Hour) // Jan 2 02:00
	e.sweep()
	// v1 became noncurrent at 01:00 on Jan 1: due at midnight after a day,
	// Jan 3. The marker alone under its key is expired now.
	if v, m := count(); v != 3 || m != 0 {
		t.Fatalf("a day on: %d versions, %d markers", v, m)
	}
	e.clock.Advance(24 * time.Hour) // Jan 3 02:00
	e.sweep()
	// v1 is due; v2 is too, but one newer noncurrent version is kept.
	if v, _ := count(); v != 2 {
		t.Fatalf("two days on: %d versions", v)
	}
	if _, err := e.svc.ListParts(e.ctx(), &s3api.ListPartsInput{Bucket: ptr("lc-nv"), Key: ptr("big"), UploadId: ptr(id)}); err != nil {
		t.Fatalf("upload aborted too early: %v", err)
	}
	e.clock.Advance(24 * time.Hour) // Jan 4 02:00, two days after initiation rounded up
	e.sweep()
	if _, err := e.svc.ListParts(e.ctx(), &s3api.ListPartsInput{Bucket: ptr("lc-nv"), Key: ptr("big"), UploadId: ptr(id)}); errCode(err) != "NoSuchUpload" {
		t.Fatalf("stale upload: %v", err)
	}
	if got := e.versionBody("lc-nv", "doc", ""); got != "v3" {
		t.Fatalf("current version: %q", got)
	}
}
