package s3

import (
	"fmt"
	"strings"
	"testing"

	"hakoniwa/internal/store"

	s3api "hakoniwa/internal/api/s3"
)

// seedObjects stores records without files: listings never open them.
func (e *testEnv) seedObjects(bucket string, keys ...string) {
	e.t.Helper()
	err := e.st.Update(e.ctx(), func(tx store.Tx) error {
		b, err := e.svc.bucketFor(tx, bucket)
		if err != nil {
			return err
		}
		for _, k := range keys {
			if err := store.PutJSON(tx, objects(b), k, objectRec{Key: k, Size: 1, ETag: "e", StorageClass: "STANDARD", Owner: testAccount}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

func (e *testEnv) listAllV2(in s3api.ListObjectsV2Input) (keys, prefixes []string, pages int) {
	e.t.Helper()
	for {
		out, err := e.svc.ListObjectsV2(e.ctx(), &in)
		if err != nil {
			e.t.Fatal(err)
		}
		pages++
		if int(*out.KeyCount) != len(out.Contents)+len(out.CommonPrefixes) {
			e.t.Errorf("KeyCount %d", *out.KeyCount)
		}
		for _, o := range out.Contents {
			keys = append(keys, *o.Key)
		}
		for _, p := range out.CommonPrefixes {
			prefixes = append(prefixes, *p.Prefix)
		}
		if !*out.IsTruncated {
			if out.NextContinuationToken != nil {
				e.t.Error("token on the last page")
			}
			return
		}
		if pages > 1000 {
			e.t.Fatal("no end")
		}
		in.ContinuationToken = out.NextContinuationToken
	}
}

func TestListObjectsV2(t *testing.T) {
	e := newTestEnv(t)
	e.mustCreateBucket("lst-b")
	e.seedObjects("lst-b", "a.txt", "dir/1", "dir/2", "dir/sub/3", "dir2/x", "e f", "z")
	j := func(s []string) string { return strings.Join(s, ",") }
	cases := []struct {
		in             s3api.ListObjectsV2Input
		keys, prefixes string
		pages          int
	}{
		{s3api.ListObjectsV2Input{}, "a.txt,dir/1,dir/2,dir/sub/3,dir2/x,e f,z", "", 1},
		{s3api.ListObjectsV2Input{MaxKeys: ptr(int64(2))}, "a.txt,dir/1,dir/2,dir/sub/3,dir2/x,e f,z", "", 4},
		{s3api.ListObjectsV2Input{Delimiter: ptr("/")}, "a.txt,e f,z", "dir/,dir2/", 1},
		{s3api.ListObjectsV2Input{Delimiter: ptr("/"), MaxKeys: ptr(int64(1))}, "a.txt,e f,z", "dir/,dir2/", 5},
		{s3api.ListObjectsV2Input{Prefix: ptr("dir/"), Delimiter: ptr("/")}, "dir/1,dir/2", "dir/sub/", 1},
		{s3api.ListObjectsV2Input{Prefix: ptr("dir")}, "dir/1,dir/2,dir/sub/3,dir2/x", "", 1},
		{s3api.ListObjectsV2Input{StartAfter: ptr("dir/2")}, "dir/sub/3,dir2/x,e f,z", "", 1},
		{s3api.ListObjectsV2Input{StartAfter: ptr("b"), Delimiter: ptr("/")}, "e f,z", "dir/,dir2/", 1},
		{s3api.ListObjectsV2Input{Prefix: ptr("nothing")}, "", "", 1},
		{s3api.ListObjectsV2Input{Delimiter: ptr("i")}, "a.txt,e f,z", "di", 1},
	}
	for _, c := range cases {
		in := c.in
		in.Bucket = ptr("lst-b")
		keys, prefixes, pages := e.listAllV2(in)
		if j(keys) != c.keys || j(prefixes) != c.prefixes || pages != c.pages {
			t.Errorf("%+v: keys %v prefixes %v pages %d", c.in, keys, prefixes, pages)
		}
	}
	out, err := e.svc.ListObjectsV2(e.ctx(), &s3api.ListObjectsV2Input{Bucket: ptr("lst-b"), EncodingType: ptr("url"), Prefix: ptr("e "), FetchOwner: ptr(true)})
	if err != nil || len(out.Contents) != 1 || *out.Contents[0].Key != "e+f" || *out.Prefix != "e+" || out.Contents[0].Owner == nil {
		t.Errorf("url encoding %+v %v", out, err)
	}
	out, _ = e.svc.ListObjectsV2(e.ctx(), &s3api.ListObjectsV2Input{Bucket: ptr("lst-b")})
	if out.Contents[0].Owner != nil {
		t.Error("owner without fetch-owner")
	}
	for _, bad := range []s3api.ListObjectsV2Input{
		{MaxKeys: ptr(int64(-1))}, {EncodingType: ptr("base64")}, {ContinuationToken: ptr("%%%")},
	} {
		bad.Bucket = ptr("lst-b")
		if _, err := e.svc.ListObjectsV2(e.ctx(), &bad); errCode(err) != "InvalidArgument" {
			t.Errorf("%+v: %v", bad, err)
		}
	}
	if _, err := e.svc.ListObjectsV2(e.ctx(), &s3api.ListObjectsV2Input{Bucket: ptr("nope-b")}); errCode(err) != "NoSuchBucket" {
		t.Errorf("missing bucket: %v", err)
	}
}

func TestListObjectsV1(t *testing.T) {
	e := newTestEnv(t)
	e.mustCreateBucket("v1-b")
	e.seedObjects("v1-b", "a", "b/1", "b/2", "c")
	out, err := e.svc.ListObjects(e.ctx(), &s3api.ListObjectsInput{Bucket: ptr("v1-b"), MaxKeys: ptr(int64(2))})
	if err != nil || !*out.IsTruncated || out.NextMarker != nil || len(out.Contents) != 2 || out.Contents[0].Owner == nil {
		t.Fatalf("no delimiter %+v %v", out, err)
	}
	out, _ = e.svc.ListObjects(e.ctx(), &s3api.ListObjectsInput{Bucket: ptr("v1-b"), Marker: out.Contents[1].Key})
	if len(out.Contents) != 2 || *out.Contents[0].Key != "b/2" || *out.IsTruncated {
		t.Errorf("after marker %+v", out)
	}
	out, _ = e.svc.ListObjects(e.ctx(), &s3api.ListObjectsInput{Bucket: ptr("v1-b"), MaxKeys: ptr(int64(2)), Delimiter: ptr("/")})
	if !*out.IsTruncated || deref(out.NextMarker) != "b/" || len(out.CommonPrefixes) != 1 {
		t.Fatalf("delimiter %+v", out)
	}
	out, _ = e.svc.ListObjects(e.ctx(), &s3api.ListObjectsInput{Bucket: ptr("v1-b"), Delimiter: ptr("/"), Marker: out.NextMarker})
	if len(out.Contents) != 1 || *out.Contents[0].Key != "c" || len(out.CommonPrefixes) != 0 {
		t.Errorf("after prefix marker %+v", out)
	}
}

func TestListManyKeys(t *testing.T) {
	if testing.Short() {
		t.Skip("100k keys")
	}
	e := newTestEnv(t)
	e.mustCreateBucket("many-b")
	keys := make([]string, 0, 100000)
	for i := 0; i < 100000; i++ {
		keys = append(keys, fmt.Sprintf("d%02d/k%06d", i%10, i))
	}
	e.seedObjects("many-b", keys...)
	_, prefixes, pages := e.listAllV2(s3api.ListObjectsV2Input{Bucket: ptr("many-b"), Delimiter: ptr("/")})
	if len(prefixes) != 10 || pages != 1 {
		t.Errorf("prefixes %d pages %d", len(prefixes), pages)
	}
	got, _, pages := e.listAllV2(s3api.ListObjectsV2Input{Bucket: ptr("many-b"), Prefix: ptr("d07/")})
	if len(got) != 10000 || pages != 10 {
		t.Errorf("d07: %d keys in %d pages", len(got), pages)
	}
}
