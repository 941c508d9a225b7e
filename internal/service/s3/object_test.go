package s3

import (
	"crypto/md5"
	"encoding/base64"
	"hash/crc32"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"hakoniwa/internal/store"

	s3api "hakoniwa/internal/api/s3"
)

func (e *testEnv) put(bucket, key, body string, mods ...func(*s3api.PutObjectInput)) (*s3api.PutObjectOutput, error) {
	in := &s3api.PutObjectInput{Bucket: ptr(bucket), Key: ptr(key), Body: strings.NewReader(body), ContentLength: ptr(int64(len(body)))}
	for _, m := range mods {
		m(in)
	}
	return e.svc.PutObject(e.ctx(), in)
}

func (e *testEnv) mustPut(bucket, key, body string, mods ...func(*s3api.PutObjectInput)) *s3api.PutObjectOutput {
	e.t.Helper()
	out, err := e.put(bucket, key, body, mods...)
	if err != nil {
		e.t.Fatalf("PutObject %s/%s: %v", bucket, key, err)
	}
	return out
}

func (e *testEnv) get(in *s3api.GetObjectInput) (string, *s3api.GetObjectOutput, error) {
	out, err := e.svc.GetObject(e.ctx(), in)
	if err != nil {
		return "", nil, err
	}
	defer out.Body.(io.Closer).Close()
	b, err := io.ReadAll(out.Body)
	return string(b), out, err
}

func (e *testEnv) getBody(bucket, key string) string {
	e.t.Helper()
	body, _, err := e.get(&s3api.GetObjectInput{Bucket: ptr(bucket), Key: ptr(key)})
	if err != nil {
		e.t.Fatalf("GetObject %s/%s: %v", bucket, key, err)
	}
	return body
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func TestPutGetObject(t *testing.T) {
	e := newTestEnv(t)
	e.mustCreateBucket("obj-b")
	sum := md5.Sum([]byte("hello world"))
	out := e.mustPut("obj-b", "a/ключ ☃.txt", "hello world", func(in *s3api.PutObjectInput) {
		in.ContentType, in.Metadata, in.ContentMD5 = ptr("text/plain"), map[string]string{"Color": "blue"}, ptr(b64(sum[:]))
	})
	if *out.ETag != `"5eb63bbbe01eeed093cb22bb8f5acdc3"` || *out.ChecksumCRC64NVME == "" {
		t.Errorf("put output %+v", out)
	}
	body, g, err := e.get(&s3api.GetObjectInput{Bucket: ptr("obj-b"), Key: ptr("a/ключ ☃.txt")})
	if err != nil || body != "hello world" || *g.ContentType != "text/plain" || g.Metadata["color"] != "blue" || *g.ContentLength != 11 {
		t.Fatalf("get %q %+v %v", body, g, err)
	}
	if g.Body.(*objectStream).StatusCode() != 0 {
		t.Error("full read is not 200")
	}
	h, err := e.svc.HeadObject(e.ctx(), &s3api.HeadObjectInput{Bucket: ptr("obj-b"), Key: ptr("a/ключ ☃.txt"), ChecksumMode: ptr("ENABLED")})
	if err != nil || *h.ETag != *out.ETag || *h.ChecksumCRC64NVME != *out.ChecksumCRC64NVME {
		t.Errorf("head %+v %v", h, err)
	}
	// Overwrite: the old file goes once the new record commits.
	old := e.currentBlob("obj-b", "a/ключ ☃.txt")
	e.mustPut("obj-b", "a/ключ ☃.txt", "v2")
	if _, err := e.blobs.Size(old); err == nil {
		t.Error("overwritten blob kept")
	}
	if got := e.getBody("obj-b", "a/ключ ☃.txt"); got != "v2" {
		t.Errorf("after overwrite %q", got)
	}
	if _, _, err := e.get(&s3api.GetObjectInput{Bucket: ptr("obj-b"), Key: ptr("missing")}); errCode(err) != "NoSuchKey" || errStatus(err) != 404 {
		t.Errorf("missing key: %v", err)
	}
	if _, err := e.put("no-such-bucket", "k", "x"); errCode(err) != "NoSuchBucket" {
		t.Errorf("missing bucket: %v", err)
	}
}

func (e *testEnv) currentBlob(bucket, key string) string {
	e.t.Helper()
	var id string
	e.svc.viewBucket(e.ctx(), bucket, func(tx store.Tx, b *bucketRec) error {
		r, err := current(tx, b, key)
		if r != nil {
			id = r.Blob
		}
		return err
	})
	return id
}

func TestPutObjectRefusals(t *testing.T) {
	e := newTestEnv(t)
	e.mustCreateBucket("ref-b")
	wrong := md5.Sum([]byte("other"))
	crc := crc32.ChecksumIEEE([]byte("data"))
	crcB64 := b64([]byte{byte(crc >> 24), byte(crc >> 16), byte(crc >> 8), byte(crc)})
	cases := []struct {
		name string
		key  string
		mod  func(*s3api.PutObjectInput)
		code string
	}{
		{"bad md5", "k", func(in *s3api.PutObjectInput) { in.ContentMD5 = ptr("nope") }, "InvalidDigest"},
		{"short md5", "k", func(in *s3api.PutObjectInput) { in.ContentMD5 = ptr(b64([]byte("short"))) }, "InvalidDigest"},
		{"wrong md5", "k", func(in *s3api.PutObjectInput) { in.ContentMD5 = ptr(b64(wrong[:])) }, "BadDigest"},
		{"wrong crc32", "k", func(in *s3api.PutObjectInput) { in.ChecksumCRC32 = ptr("AAAAAA==") }, "BadDigest"},
		{"malformed crc32", "k", func(in *s3api.PutObjectInput) { in.ChecksumCRC32 = ptr("AAAA") }, "InvalidRequest"},
		{"two checksums", "k", func(in *s3api.PutObjectInput) { in.ChecksumCRC32, in.ChecksumSHA1 = ptr(crcB64), ptr("x") }, "InvalidRequest"},
		{"alg disagrees", "k", func(in *s3api.PutObjectInput) { in.ChecksumCRC32, in.ChecksumAlgorithm = ptr(crcB64), ptr("SHA256") }, "InvalidRequest"},
		{"no length", "k", func(in *s3api.PutObjectInput) { in.ContentLength = nil }, "MissingContentLength"},
		{"short body", "k", func(in *s3api.PutObjectInput) { in.ContentLength = ptr(int64(10)) }, "IncompleteBody"},
		{"too large", "k", func(in *s3api.PutObjectInput) { in.ContentLength = ptr(int64(maxPutSize + 1)) }, "EntityTooLarge"},
		{"storage class", "k", func(in *s3api.PutObjectInput) { in.StorageClass = ptr("COLD") }, "InvalidStorageClass"},
		{"metadata", "k", func(in *s3api.PutObjectInput) { in.Metadata = map[string]string{"k": strings.Repeat("v", 2048)} }, "MetadataTooLarge"},
		{"11 tags", "k", func(in *s3api.PutObjectInput) { in.Tagging = ptr("a=1&b=2&c=3&d=4&e=5&f=6&g=7&h=8&i=9&j=10&k=11") }, "InvalidTag"},
		{"aws tag", "k", func(in *s3api.PutObjectInput) { in.Tagging = ptr("aws%3Ax=1") }, "InvalidTag"},
		{"long tag key", "k", func(in *s3api.PutObjectInput) { in.Tagging = ptr(strings.Repeat("k", 129) + "=v") }, "InvalidTag"},
		{"key too long", strings.Repeat("k", 1025), nil, "KeyTooLongError"},
		{"key not utf-8", "\xff", nil, "InvalidArgument"},
		{"if-none-match etag", "k", func(in *s3api.PutObjectInput) { in.IfNoneMatch = ptr(`"abc"`) }, "NotImplemented"},
		{"if-match absent", "k", func(in *s3api.PutObjectInput) { in.IfMatch = ptr(`"abc"`) }, "NoSuchKey"},
	}
	for _, c := range cases {
		mods := []func(*s3api.PutObjectInput){}
		if c.mod != nil {
			mods = append(mods, c.mod)
		}
		if _, err := e.put("ref-b", c.key, "data", mods...); errCode(err) != c.code {
			t.Errorf("%s: got %v, want %s", c.name, err, c.code)
		}
	}
	if n := e.blobCount(); n != 0 {
		t.Errorf("refused uploads left %d blobs", n)
	}
	if _, err := e.put("ref-b", "crc", "data", func(in *s3api.PutObjectInput) { in.ChecksumCRC32 = ptr(crcB64) }); err != nil {
		t.Errorf("right crc32: %v", err)
	}
	long := strings.Repeat("k", 1024)
	e.mustPut("ref-b", long, "x")
}

func (e *testEnv) blobCount() int {
	count := 0
	e.blobs.Sweep(func(string) bool { count++; return true }, time.Time{})
	return count
}

type trailerBody struct {
	io.Reader
	tr http.Header
}

func (b trailerBody) Trailer() http.Header { return b.tr }

func TestPutObjectTrailerChecksum(t *testing.T) {
	e := newTestEnv(t)
	e.mustCreateBucket("trl-b")
	crc := crc32.ChecksumIEEE([]byte("data"))
	good := b64([]byte{byte(crc >> 24), byte(crc >> 16), byte(crc >> 8), byte(crc)})
	for _, c := range []struct {
		value, alg, code string
	}{{good, "CRC32", ""}, {good, "", ""}, {"AAAAAA==", "CRC32", "BadDigest"}, {good, "SHA256", "InvalidRequest"}} {
		body := trailerBody{strings.NewReader("data"), http.Header{"x-amz-checksum-crc32": {c.value}}}
		out, err := e.put("trl-b", "k", "", func(in *s3api.PutObjectInput) {
			in.Body, in.ContentLength = body, ptr(int64(4))
			if c.alg != "" {
				in.ChecksumAlgorithm = ptr(c.alg)
			}
		})
		if errCode(err) != c.code {
			t.Errorf("%+v: %v", c, err)
		}
		if err == nil && deref(out.ChecksumCRC32) != good {
			t.Errorf("%+v: stored %+v", c, out)
		}
	}
}

func TestConditionalPut(t *testing.T) {
	e := newTestEnv(t)
	e.mustCreateBucket("cond-b")
	star := func(in *s3api.PutObjectInput) { in.IfNoneMatch = ptr("*") }
	e.mustPut("cond-b", "k", "one", star)
	if _, err := e.put("cond-b", "k", "two", star); errCode(err) != "PreconditionFailed" || errStatus(err) != 412 {
		t.Errorf("If-None-Match * on existing: %v", err)
	}
	etag := *e.mustPut("cond-b", "k", "three").ETag
	if _, err := e.put("cond-b", "k", "four", func(in *s3api.PutObjectInput) { in.IfMatch = ptr(`"0000"`) }); errCode(err) != "PreconditionFailed" {
		t.Errorf("If-Match wrong: %v", err)
	}
	e.mustPut("cond-b", "k", "five", func(in *s3api.PutObjectInput) { in.IfMatch = ptr(etag) })
	if got := e.getBody("cond-b", "k"); got != "five" {
		t.Errorf("body %q", got)
	}
}

func TestConditionalPutConflict(t *testing.T) {
	e := newTestEnv(t)
	e.mustCreateBucket("race-b")
	// The precondition holds when the upload starts; a writer that
	// commits while the body streams makes it fail at commit.
	body := &hookReader{r: strings.NewReader("late"), hook: func() { e.mustPut("race-b", "k", "early") }}
	_, err := e.put("race-b", "k", "", func(in *s3api.PutObjectInput) {
		in.Body, in.ContentLength, in.IfNoneMatch = body, ptr(int64(4)), ptr("*")
	})
	if errCode(err) != "ConditionalRequestConflict" || errStatus(err) != 409 {
		t.Errorf("race: %v", err)
	}
	if got := e.getBody("race-b", "k"); got != "early" {
		t.Errorf("body %q", got)
	}
}

type hookReader struct {
	r    io.Reader
	hook func()
	done bool
}

func (h *hookReader) Read(p []byte) (int, error) {
	if !h.done {
		h.done = true
		h.hook()
	}
	return h.r.Read(p)
}

func TestConditionalGet(t *testing.T) {
	e := newTestEnv(t)
	e.mustCreateBucket("cg-b")
	etag := *e.mustPut("cg-b", "k", "data").ETag
	mod := e.clock.Now().Truncate(time.Second)
	before, after := mod.Add(-time.Hour), mod.Add(time.Hour)
	cases := []struct {
		name string
		c    readConditions
		code string
	}{
		{"if-match ok", readConditions{ifMatch: etag}, ""},
		{"if-match star", readConditions{ifMatch: "*"}, ""},
		{"if-match wrong", readConditions{ifMatch: `"x"`}, "PreconditionFailed"},
		{"if-match ok beats unmodified-since", readConditions{ifMatch: etag, ifUnmodifiedSin: &before}, ""},
		{"unmodified-since fails", readConditions{ifUnmodifiedSin: &before}, "PreconditionFailed"},
		{"unmodified-since holds", readConditions{ifUnmodifiedSin: &after}, ""},
		{"none-match hit", readConditions{ifNoneMatch: etag}, "NotModified"},
		{"none-match miss beats modified-since", readConditions{ifNoneMatch: `"x"`, ifModifiedSince: &after}, ""},
		{"modified-since not modified", readConditions{ifModifiedSince: &after}, "NotModified"},
		{"modified-since equal", readConditions{ifModifiedSince: &mod}, "NotModified"},
		{"modified-since modified", readConditions{ifModifiedSince: &before}, ""},
		{"412 before 304", readConditions{ifMatch: `"x"`, ifNoneMatch: etag}, "PreconditionFailed"},
	}
	for _, c := range cases {
		_, _, err := e.get(&s3api.GetObjectInput{Bucket: ptr("cg-b"), Key: ptr("k"), IfMatch: ptrOrNil(c.c.ifMatch),
			IfNoneMatch: ptrOrNil(c.c.ifNoneMatch), IfModifiedSince: c.c.ifModifiedSince, IfUnmodifiedSince: c.c.ifUnmodifiedSin})
		if errCode(err) != c.code {
			t.Errorf("%s: %v", c.name, err)
		}
		_, herr := e.svc.HeadObject(e.ctx(), &s3api.HeadObjectInput{Bucket: ptr("cg-b"), Key: ptr("k"), IfMatch: ptrOrNil(c.c.ifMatch),
			IfNoneMatch: ptrOrNil(c.c.ifNoneMatch), IfModifiedSince: c.c.ifModifiedSince, IfUnmodifiedSince: c.c.ifUnmodifiedSin})
		if errCode(herr) != c.code {
			t.Errorf("HEAD %s: %v", c.name, herr)
		}
	}
}

func ptrOrNil(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func TestRanges(t *testing.T) {
	cases := []struct {
		h          string
		size       int64
		start, len int64
		partial    bool
		code       string
	}{
		{"", 10, 0, 10, false, ""},
		{"bytes=0-0", 10, 0, 1, true, ""},
		{"bytes=2-5", 10, 2, 4, true, ""},
		{"bytes=2-", 10, 2, 8, true, ""},
		{"bytes=5-100", 10, 5, 5, true, ""},
		{"bytes=-3", 10, 7, 3, true, ""},
		{"bytes=-30", 10, 0, 10, true, ""},
		{"bytes=10-", 10, 0, 10, false, "InvalidRange"},
		{"bytes=10-20", 10, 0, 10, false, "InvalidRange"},
		{"bytes=-0", 10, 0, 10, false, "InvalidRange"},
		{"bytes=0-", 0, 0, 0, false, "InvalidRange"},
		{"bytes=5-2", 10, 0, 10, false, ""},
		{"bytes=0-1,3-4", 10, 0, 10, false, ""},
		{"items=0-1", 10, 0, 10, false, ""},
		{"bytes=a-b", 10, 0, 10, false, ""},
	}
	for _, c := range cases {
		br, err := parseRange(c.h, c.size)
		if errCode(err) != c.code {
			t.Errorf("%q: %v", c.h, err)
			continue
		}
		if err == nil && (br.start != c.start || br.length != c.len || br.partial != c.partial) {
			t.Errorf("%q on %d: %+v", c.h, c.size, br)
		}
	}
	e := newTestEnv(t)
	e.mustCreateBucket("rng-b")
	e.mustPut("rng-b", "k", "0123456789")
	body, out, err := e.get(&s3api.GetObjectInput{Bucket: ptr("rng-b"), Key: ptr("k"), Range: ptr("bytes=3-5")})
	if err != nil || body != "345" || *out.ContentRange != "bytes 3-5/10" || *out.ContentLength != 3 || out.Body.(*objectStream).StatusCode() != 206 {
		t.Errorf("range read %q %+v %v", body, out, err)
	}
	var sb strings.Builder
	out, _ = e.svc.GetObject(e.ctx(), &s3api.GetObjectInput{Bucket: ptr("rng-b"), Key: ptr("k"), Range: ptr("bytes=-4")})
	if _, err := out.Body.(io.WriterTo).WriteTo(&sb); err != nil || sb.String() != "6789" {
		t.Errorf("WriteTo %q %v", sb.String(), err)
	}
	_, _, err = e.get(&s3api.GetObjectInput{Bucket: ptr("rng-b"), Key: ptr("k"), Range: ptr("bytes=0-1"), PartNumber: ptr(int64(1))})
	if errCode(err) != "InvalidRequest" {
		t.Errorf("range and part: %v", err)
	}
	if body, _, err := e.get(&s3api.GetObjectInput{Bucket: ptr("rng-b"), Key: ptr("k"), PartNumber: ptr(int64(1))}); err != nil || body != "0123456789" {
		t.Errorf("part 1 of a simple object: %q %v", body, err)
	}
	if _, _, err := e.get(&s3api.GetObjectInput{Bucket: ptr("rng-b"), Key: ptr("k"), PartNumber: ptr(int64(2))}); errCode(err) != "InvalidPartNumber" {
		t.Errorf("part 2 of a simple object: %v", err)
	}
	body, out, err = e.get(&s3api.GetObjectInput{Bucket: ptr("rng-b"), Key: ptr("k"), ResponseContentType: ptr("x/y"), ResponseCacheControl: ptr("no-cache")})
	if err != nil || *out.ContentType != "x/y" || *out.CacheControl != "no-cache" {
		t.Errorf("overrides %+v %v", out, err)
	}
}

func TestDeleteObjects(t *testing.T) {
	e := newTestEnv(t)
	e.mustCreateBucket("del-o")
	for _, k := range []string{"a", "b", "c"} {
		e.mustPut("del-o", k, k)
	}
	if _, err := e.svc.DeleteBucket(e.ctx(), &s3api.DeleteBucketInput{Bucket: ptr("del-o")}); errCode(err) != "BucketNotEmpty" || errStatus(err) != 409 {
		t.Errorf("non-empty bucket: %v", err)
	}
	if _, err := e.svc.DeleteObject(e.ctx(), &s3api.DeleteObjectInput{Bucket: ptr("del-o"), Key: ptr("a")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.DeleteObject(e.ctx(), &s3api.DeleteObjectInput{Bucket: ptr("del-o"), Key: ptr("a")}); err != nil {
		t.Errorf("deleting an absent key: %v", err)
	}
	out, err := e.svc.DeleteObjects(e.ctx(), &s3api.DeleteObjectsInput{Bucket: ptr("del-o"), Delete: &s3api.Delete{Objects: []s3api.ObjectIdentifier{
		{Key: ptr("b")}, {Key: ptr("zz")}, {Key: ptr(strings.Repeat("k", 1025))}, {Key: ptr("c"), VersionId: ptr("bad-id")},
	}}})
	if err != nil || len(out.Deleted) != 2 || len(out.Errors) != 2 || *out.Errors[0].Code != "KeyTooLongError" || *out.Errors[1].Code != "InvalidArgument" {
		t.Fatalf("DeleteObjects %+v %v", out, err)
	}
	out, err = e.svc.DeleteObjects(e.ctx(), &s3api.DeleteObjectsInput{Bucket: ptr("del-o"), Delete: &s3api.Delete{Quiet: ptr(true), Objects: []s3api.ObjectIdentifier{{Key: ptr("c")}}}})
	if err != nil || len(out.Deleted) != 0 || len(out.Errors) != 0 {
		t.Errorf("quiet %+v %v", out, err)
	}
	many := make([]s3api.ObjectIdentifier, 1001)
	for i := range many {
		many[i].Key = ptr("k")
	}
	for _, d := range []*s3api.Delete{nil, {}, {Objects: many}} {
		if _, err := e.svc.DeleteObjects(e.ctx(), &s3api.DeleteObjectsInput{Bucket: ptr("del-o"), Delete: d}); errCode(err) != "MalformedXML" {
			t.Errorf("%v: %v", d, err)
		}
	}
	if n := e.blobCount(); n != 0 {
		t.Errorf("%d blobs left", n)
	}
	if _, err := e.svc.DeleteBucket(e.ctx(), &s3api.DeleteBucketInput{Bucket: ptr("del-o")}); err != nil {
		t.Errorf("emptied bucket: %v", err)
	}
}

func TestCopyObject(t *testing.T) {
	e := newTestEnv(t)
	e.mustCreateBucket("src-b")
	e.mustCreateBucket("dst-b")
	e.mustPut("src-b", "dir/a b.txt", "payload", func(in *s3api.PutObjectInput) {
		in.ContentType, in.Metadata, in.Tagging = ptr("text/plain"), map[string]string{"m": "1"}, ptr("t=1")
	})
	cp := func(src, bucket, key string, mods ...func(*s3api.CopyObjectInput)) (*s3api.CopyObjectOutput, error) {
		in := &s3api.CopyObjectInput{CopySource: ptr(src), Bucket: ptr(bucket), Key: ptr(key)}
		for _, m := range mods {
			m(in)
		}
		return e.svc.CopyObject(e.ctx(), in)
	}
	if _, err := cp("/src-b/dir/a%20b.txt", "dst-b", "copy"); err != nil {
		t.Fatal(err)
	}
	g, _ := e.svc.HeadObject(e.ctx(), &s3api.HeadObjectInput{Bucket: ptr("dst-b"), Key: ptr("copy")})
	if e.getBody("dst-b", "copy") != "payload" || *g.ContentType != "text/plain" || g.Metadata["m"] != "1" || *g.TagCount != 1 {
		t.Errorf("copied %+v", g)
	}
	if _, err := cp("src-b/dir/a%20b.txt", "dst-b", "replaced", func(in *s3api.CopyObjectInput) {
		in.MetadataDirective, in.Metadata, in.TaggingDirective = ptr("REPLACE"), map[string]string{"n": "2"}, ptr("REPLACE")
	}); err != nil {
		t.Fatal(err)
	}
	g, _ = e.svc.HeadObject(e.ctx(), &s3api.HeadObjectInput{Bucket: ptr("dst-b"), Key: ptr("replaced")})
	if g.Metadata["m"] != "" || g.Metadata["n"] != "2" || g.TagCount != nil || *g.ContentType != "binary/octet-stream" {
		t.Errorf("replaced %+v", g)
	}
	for _, c := range []struct {
		name, src string
		mod       func(*s3api.CopyObjectInput)
		code      string
	}{
		{"to itself", "src-b/dir/a%20b.txt", func(in *s3api.CopyObjectInput) { in.Bucket, in.Key = ptr("src-b"), ptr("dir/a b.txt") }, "InvalidRequest"},
		{"no key", "src-b", nil, "InvalidArgument"},
		{"missing source", "src-b/nope", nil, "NoSuchKey"},
		{"missing bucket", "nope-b/k", nil, "NoSuchBucket"},
		{"bad directive", "src-b/dir/a%20b.txt", func(in *s3api.CopyObjectInput) { in.MetadataDirective = ptr("MOVE") }, "InvalidArgument"},
		{"if-match", "src-b/dir/a%20b.txt", func(in *s3api.CopyObjectInput) { in.CopySourceIfMatch = ptr(`"x"`) }, "PreconditionFailed"},
		{"if-none-match", "src-b/dir/a%20b.txt", func(in *s3api.CopyObjectInput) { in.CopySourceIfNoneMatch = ptr("*") }, "PreconditionFailed"},
		{"bad version", "src-b/dir/a%20b.txt?versionId=zz", nil, "InvalidArgument"},
	} {
		mods := []func(*s3api.CopyObjectInput){}
		if c.mod != nil {
			mods = append(mods, c.mod)
		}
		if _, err := cp(c.src, "dst-b", "x", mods...); errCode(err) != c.code {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	if _, err := cp("src-b/dir/a%20b.txt", "src-b", "dir/a b.txt", func(in *s3api.CopyObjectInput) { in.StorageClass = ptr("STANDARD_IA") }); err != nil {
		t.Errorf("to itself with a new storage class: %v", err)
	}
}

func TestObjectTagging(t *testing.T) {
	e := newTestEnv(t)
	e.mustCreateBucket("tag-b")
	e.mustPut("tag-b", "k", "x", func(in *s3api.PutObjectInput) { in.Tagging = ptr("a=1&b=two%20words") })
	out, err := e.svc.GetObjectTagging(e.ctx(), &s3api.GetObjectTaggingInput{Bucket: ptr("tag-b"), Key: ptr("k")})
	if err != nil || len(out.TagSet) != 2 {
		t.Fatalf("%+v %v", out, err)
	}
	if _, err := e.svc.PutObjectTagging(e.ctx(), &s3api.PutObjectTaggingInput{Bucket: ptr("tag-b"), Key: ptr("k"),
		Tagging: &s3api.Tagging{TagSet: []s3api.Tag{{Key: ptr("x"), Value: ptr("1")}, {Key: ptr("x"), Value: ptr("2")}}}}); errCode(err) != "InvalidTag" {
		t.Errorf("duplicate keys: %v", err)
	}
	if _, err := e.svc.PutObjectTagging(e.ctx(), &s3api.PutObjectTaggingInput{Bucket: ptr("tag-b"), Key: ptr("k"),
		Tagging: &s3api.Tagging{TagSet: []s3api.Tag{{Key: ptr("only"), Value: ptr("1")}}}}); err != nil {
		t.Fatal(err)
	}
	out, _ = e.svc.GetObjectTagging(e.ctx(), &s3api.GetObjectTaggingInput{Bucket: ptr("tag-b"), Key: ptr("k")})
	if len(out.TagSet) != 1 || *out.TagSet[0].Key != "only" {
		t.Errorf("after put %+v", out)
	}
	if _, err := e.svc.DeleteObjectTagging(e.ctx(), &s3api.DeleteObjectTaggingInput{Bucket: ptr("tag-b"), Key: ptr("k")}); err != nil {
		t.Fatal(err)
	}
	out, _ = e.svc.GetObjectTagging(e.ctx(), &s3api.GetObjectTaggingInput{Bucket: ptr("tag-b"), Key: ptr("k")})
	if len(out.TagSet) != 0 {
		t.Errorf("after delete %+v", out)
	}
	if _, err := e.svc.GetObjectTagging(e.ctx(), &s3api.GetObjectTaggingInput{Bucket: ptr("tag-b"), Key: ptr("nope")}); errCode(err) != "NoSuchKey" {
		t.Errorf("missing: %v", err)
	}
}

func TestRecoverKeepsNamedBlobs(t *testing.T) {
	e := newTestEnv(t)
	e.mustCreateBucket("keep-b")
	e.mustPut("keep-b", "k", "kept")
	e.restart()
	if got := e.getBody("keep-b", "k"); got != "kept" {
		t.Errorf("after restart %q", got)
	}
}
