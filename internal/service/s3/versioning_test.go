package s3

import (
	"strings"
	"testing"

	s3api "hakoniwa/internal/api/s3"
)

func (e *testEnv) setVersioning(bucket, status string) {
	e.t.Helper()
	if _, err := e.svc.PutBucketVersioning(e.ctx(), &s3api.PutBucketVersioningInput{Bucket: ptr(bucket),
		VersioningConfiguration: &s3api.VersioningConfiguration{Status: ptr(status)}}); err != nil {
		e.t.Fatal(err)
	}
}

func (e *testEnv) versions(bucket string, in s3api.ListObjectVersionsInput) []string {
	e.t.Helper()
	in.Bucket = ptr(bucket)
	var out []string
	for pages := 0; pages < 100; pages++ {
		page, err := e.svc.ListObjectVersions(e.ctx(), &in)
		if err != nil {
			e.t.Fatal(err)
		}
		// The two lists interleave in key order and newest first; merge
		// them back by walking both.
		i, j := 0, 0
		for i < len(page.Versions) || j < len(page.DeleteMarkers) {
			var s string
			if j >= len(page.DeleteMarkers) || i < len(page.Versions) && less(*page.Versions[i].Key, *page.Versions[i].VersionId, *page.DeleteMarkers[j].Key, *page.DeleteMarkers[j].VersionId) {
				v := page.Versions[i]
				s, i = *v.Key+"="+e.versionBody(bucket, *v.Key, *v.VersionId), i+1
				if *v.IsLatest {
					s += "*"
				}
			} else {
				d := page.DeleteMarkers[j]
				s, j = *d.Key+"=DM", j+1
				if *d.IsLatest {
					s += "*"
				}
			}
			out = append(out, s)
		}
		if !*page.IsTruncated {
			return out
		}
		in.KeyMarker, in.VersionIdMarker = page.NextKeyMarker, page.NextVersionIdMarker
	}
	e.t.Fatal("no end")
	return nil
}

// less orders (key, version) as listings do: key ascending, newest first
// ("null" versions compare by their place, which this test never mixes).
func less(k1, v1, k2, v2 string) bool {
	if k1 != k2 {
		return k1 < k2
	}
	return v1 > v2
}

func (e *testEnv) versionBody(bucket, key, vid string) string {
	body, _, err := e.get(&s3api.GetObjectInput{Bucket: ptr(bucket), Key: ptr(key), VersionId: ptr(vid)})
	if err != nil {
		return "ERR:" + errCode(err)
	}
	return body
}

func TestVersioning(t *testing.T) {
	e := newTestEnv(t)
	e.mustCreateBucket("ver-b")
	out, _ := e.svc.GetBucketVersioning(e.ctx(), &s3api.GetBucketVersioningInput{Bucket: ptr("ver-b")})
	if out.Status != nil {
		t.Errorf("new bucket status %v", *out.Status)
	}
	e.mustPut("ver-b", "k", "v0")
	if got := e.versions("ver-b", s3api.ListObjectVersionsInput{}); strings.Join(got, ",") != "k=v0*" {
		t.Errorf("unversioned listing %v", got)
	}
	e.setVersioning("ver-b", "Enabled")
	v1 := e.mustPut("ver-b", "k", "v1")
	if v1.VersionId == nil || len(*v1.VersionId) != 32 {
		t.Fatalf("version id %v", v1.VersionId)
	}
	e.mustPut("ver-b", "k", "v2")
	del, err := e.svc.DeleteObject(e.ctx(), &s3api.DeleteObjectInput{Bucket: ptr("ver-b"), Key: ptr("k")})
	if err != nil || !isTrue(del.DeleteMarker) || del.VersionId == nil {
		t.Fatalf("delete marker %+v %v", del, err)
	}
	if _, _, err := e.get(&s3api.GetObjectInput{Bucket: ptr("ver-b"), Key: ptr("k")}); errCode(err) != "NoSuchKey" {
		t.Errorf("GET behind a delete marker: %v", err)
	}
	if _, _, err := e.get(&s3api.GetObjectInput{Bucket: ptr("ver-b"), Key: ptr("k"), VersionId: del.VersionId}); errCode(err) != "MethodNotAllowed" || errStatus(err) != 405 {
		t.Errorf("GET of the delete marker: %v", err)
	}
	if got := e.versionBody("ver-b", "k", *v1.VersionId); got != "v1" {
		t.Errorf("v1 body %q", got)
	}
	if got := e.versionBody("ver-b", "k", "null"); got != "v0" {
		t.Errorf("null body %q", got)
	}
	if got := e.versionBody("ver-b", "k", "0000000000000001aaaaaaaaaaaaaaaa"); got != "ERR:NoSuchVersion" {
		t.Errorf("unknown version %q", got)
	}
	if got := e.versionBody("ver-b", "k", "not-an-id"); got != "ERR:InvalidArgument" {
		t.Errorf("malformed version %q", got)
	}
	want := "k=DM*,k=v2,k=v1,k=v0"
	if got := e.versions("ver-b", s3api.ListObjectVersionsInput{}); strings.Join(got, ",") != want {
		t.Errorf("history %v", got)
	}
	if got := e.versions("ver-b", s3api.ListObjectVersionsInput{MaxKeys: ptr(int64(1))}); strings.Join(got, ",") != want {
		t.Errorf("history one per page %v", got)
	}
	lst, _ := e.svc.ListObjectsV2(e.ctx(), &s3api.ListObjectsV2Input{Bucket: ptr("ver-b")})
	if len(lst.Contents) != 0 {
		t.Errorf("deleted key listed %+v", lst.Contents)
	}
	// Removing the delete marker brings v2 back.
	d2, err := e.svc.DeleteObject(e.ctx(), &s3api.DeleteObjectInput{Bucket: ptr("ver-b"), Key: ptr("k"), VersionId: del.VersionId})
	if err != nil || !isTrue(d2.DeleteMarker) || *d2.VersionId != *del.VersionId {
		t.Errorf("delete the marker %+v %v", d2, err)
	}
	if got := e.getBody("ver-b", "k"); got != "v2" {
		t.Errorf("after removing the marker %q", got)
	}
	if _, err := e.svc.DeleteBucket(e.ctx(), &s3api.DeleteBucketInput{Bucket: ptr("ver-b")}); errCode(err) != "BucketNotEmpty" {
		t.Errorf("bucket with versions: %v", err)
	}

	// Suspended: new writes replace the null version.
	e.setVersioning("ver-b", "Suspended")
	s1 := e.mustPut("ver-b", "k", "s1")
	if deref(s1.VersionId) != "null" {
		t.Errorf("suspended version id %v", s1.VersionId)
	}
	if got := e.versions("ver-b", s3api.ListObjectVersionsInput{}); strings.Join(got, ",") != "k=s1*,k=v2,k=v1" {
		t.Errorf("suspended history %v", got)
	}
	g, _ := e.svc.GetBucketVersioning(e.ctx(), &s3api.GetBucketVersioningInput{Bucket: ptr("ver-b")})
	if deref(g.Status) != "Suspended" {
		t.Errorf("status %+v", g)
	}
	// Permanently deleting every version empties the bucket.
	for _, v := range []string{"null", *v1.VersionId} {
		if _, err := e.svc.DeleteObject(e.ctx(), &s3api.DeleteObjectInput{Bucket: ptr("ver-b"), Key: ptr("k"), VersionId: ptr(v)}); err != nil {
			t.Fatal(err)
		}
	}
	if got := e.getBody("ver-b", "k"); got != "v2" {
		t.Errorf("newest left %q", got)
	}
	lv, _ := e.svc.ListObjectVersions(e.ctx(), &s3api.ListObjectVersionsInput{Bucket: ptr("ver-b")})
	if _, err := e.svc.DeleteObject(e.ctx(), &s3api.DeleteObjectInput{Bucket: ptr("ver-b"), Key: ptr("k"), VersionId: lv.Versions[0].VersionId}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.DeleteBucket(e.ctx(), &s3api.DeleteBucketInput{Bucket: ptr("ver-b")}); err != nil {
		t.Errorf("emptied versioned bucket: %v", err)
	}
	if n := e.blobCount(); n != 0 {
		t.Errorf("%d blobs left", n)
	}
}

func TestVersioningRefusals(t *testing.T) {
	e := newTestEnv(t)
	e.mustCreateBucket("vr-b")
	for _, c := range []struct {
		cfg  *s3api.VersioningConfiguration
		mfa  string
		code string
	}{
		{nil, "", "MalformedXML"},
		{&s3api.VersioningConfiguration{Status: ptr("On")}, "", "MalformedXML"},
		{&s3api.VersioningConfiguration{Status: ptr("Enabled"), MFADelete: ptr("Enabled")}, "", "AccessDenied"},
		{&s3api.VersioningConfiguration{Status: ptr("Enabled"), MFADelete: ptr("Enabled")}, "arn:aws:iam::000000000000:mfa/root 123456", "NotImplemented"},
		{&s3api.VersioningConfiguration{Status: ptr("Enabled"), MFADelete: ptr("Disabled")}, "arn:aws:iam::000000000000:mfa/root 123456", ""},
	} {
		in := &s3api.PutBucketVersioningInput{Bucket: ptr("vr-b"), VersioningConfiguration: c.cfg}
		if c.mfa != "" {
			in.MFA = ptr(c.mfa)
		}
		if _, err := e.svc.PutBucketVersioning(e.ctx(), in); errCode(err) != c.code {
			t.Errorf("%+v: %v", c.cfg, err)
		}
	}
	if _, err := e.svc.ListObjectVersions(e.ctx(), &s3api.ListObjectVersionsInput{Bucket: ptr("vr-b"), VersionIdMarker: ptr("x")}); errCode(err) != "InvalidArgument" {
		t.Errorf("version marker without key marker: %v", err)
	}
	if _, err := e.svc.CreateBucket(e.ctx(), &s3api.CreateBucketInput{Bucket: ptr("lock-b"), ObjectLockEnabledForBucket: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	_, err := e.svc.PutBucketVersioning(e.ctx(), &s3api.PutBucketVersioningInput{Bucket: ptr("lock-b"),
		VersioningConfiguration: &s3api.VersioningConfiguration{Status: ptr("Suspended")}})
	if errCode(err) != "InvalidBucketState" {
		t.Errorf("suspend with object lock: %v", err)
	}
}

func TestVersionListingDelimiter(t *testing.T) {
	e := newTestEnv(t)
	e.mustCreateBucket("vd-b")
	e.setVersioning("vd-b", "Enabled")
	for _, k := range []string{"a", "d/1", "d/2", "z"} {
		e.mustPut("vd-b", k, k+"1")
		e.mustPut("vd-b", k, k+"2")
	}
	out, err := e.svc.ListObjectVersions(e.ctx(), &s3api.ListObjectVersionsInput{Bucket: ptr("vd-b"), Delimiter: ptr("/")})
	if err != nil || len(out.Versions) != 4 || len(out.CommonPrefixes) != 1 || *out.CommonPrefixes[0].Prefix != "d/" {
		t.Errorf("%+v %v", out, err)
	}
	got := e.versions("vd-b", s3api.ListObjectVersionsInput{Prefix: ptr("d/"), MaxKeys: ptr(int64(3))})
	if strings.Join(got, ",") != "d/1=d/12*,d/1=d/11,d/2=d/22*,d/2=d/21" {
		t.Errorf("paged %v", got)
	}
}
