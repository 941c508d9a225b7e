package s3

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	s3api "hakoniwa/internal/api/s3"
)

func (e *testEnv) createUpload(bucket, key string, mods ...func(*s3api.CreateMultipartUploadInput)) string {
	e.t.Helper()
	in := &s3api.CreateMultipartUploadInput{Bucket: ptr(bucket), Key: ptr(key)}
	for _, m := range mods {
		m(in)
	}
	out, err := e.svc.CreateMultipartUpload(e.ctx(), in)
	if err != nil {
		e.t.Fatal(err)
	}
	return *out.UploadId
}

func (e *testEnv) uploadPart(bucket, key, id string, n int64, body string, mods ...func(*s3api.UploadPartInput)) (*s3api.UploadPartOutput, error) {
	in := &s3api.UploadPartInput{Bucket: ptr(bucket), Key: ptr(key), UploadId: ptr(id), PartNumber: ptr(n),
		Body: strings.NewReader(body), ContentLength: ptr(int64(len(body)))}
	for _, m := range mods {
		m(in)
	}
	return e.svc.UploadPart(e.ctx(), in)
}

func (e *testEnv) complete(bucket, key, id string, parts ...s3api.CompletedPart) (*s3api.CompleteMultipartUploadOutput, error) {
	return e.svc.CompleteMultipartUpload(e.ctx(), &s3api.CompleteMultipartUploadInput{Bucket: ptr(bucket), Key: ptr(key), UploadId: ptr(id),
		MultipartUpload: &s3api.CompletedMultipartUpload{Parts: parts}})
}

func part(n int64, etag *string) s3api.CompletedPart {
	return s3api.CompletedPart{PartNumber: ptr(n), ETag: etag}
}

func TestMultipartUpload(t *testing.T) {
	e := newTestEnv(t)
	e.mustCreateBucket("mp-b")
	id := e.createUpload("mp-b", "big", func(in *s3api.CreateMultipartUploadInput) {
		in.ContentType, in.Metadata = ptr("application/x-big"), map[string]string{"k": "v"}
	})
	p1 := strings.Repeat("a", minPartSize)
	p2 := strings.Repeat("b", minPartSize)
	o1, err := e.uploadPart("mp-b", "big", id, 1, p1)
	if err != nil {
		t.Fatal(err)
	}
	// A part uploaded again replaces the first upload, and its file.
	if _, err := e.uploadPart("mp-b", "big", id, 2, "old"); err != nil {
		t.Fatal(err)
	}
	o2, _ := e.uploadPart("mp-b", "big", id, 2, p2)
	o3, _ := e.uploadPart("mp-b", "big", id, 3, "tail")
	lp, err := e.svc.ListParts(e.ctx(), &s3api.ListPartsInput{Bucket: ptr("mp-b"), Key: ptr("big"), UploadId: ptr(id), MaxParts: ptr(int64(2))})
	if err != nil || len(lp.Parts) != 2 || !*lp.IsTruncated || *lp.NextPartNumberMarker != 2 {
		t.Fatalf("ListParts %+v %v", lp, err)
	}
	lp, _ = e.svc.ListParts(e.ctx(), &s3api.ListPartsInput{Bucket: ptr("mp-b"), Key: ptr("big"), UploadId: ptr(id), PartNumberMarker: ptr(int64(2))})
	if len(lp.Parts) != 1 || *lp.Parts[0].Size != 4 {
		t.Errorf("ListParts after marker %+v", lp)
	}
	mu, err := e.svc.ListMultipartUploads(e.ctx(), &s3api.ListMultipartUploadsInput{Bucket: ptr("mp-b")})
	if err != nil || len(mu.Uploads) != 1 || *mu.Uploads[0].UploadId != id {
		t.Errorf("ListMultipartUploads %+v %v", mu, err)
	}
	if _, err := e.complete("mp-b", "big", id, part(2, o2.ETag), part(1, o1.ETag)); errCode(err) != "InvalidPartOrder" {
		t.Errorf("order: %v", err)
	}
	if _, err := e.complete("mp-b", "big", id, part(1, o1.ETag), part(2, ptr(`"0000"`))); errCode(err) != "InvalidPart" {
		t.Errorf("etag: %v", err)
	}
	if _, err := e.complete("mp-b", "big", id, part(1, o1.ETag), part(4, o3.ETag)); errCode(err) != "InvalidPart" {
		t.Errorf("missing part: %v", err)
	}
	if _, err := e.complete("mp-b", "big", id, part(3, o3.ETag), part(4, o3.ETag)); errCode(err) != "InvalidPart" {
		t.Errorf("small then missing: %v", err)
	}
	if _, err := e.complete("mp-b", "big", id, part(1, o1.ETag), part(3, o3.ETag), part(2, o2.ETag)); errCode(err) != "InvalidPartOrder" {
		t.Errorf("order 1,3,2: %v", err)
	}
	if _, err := e.complete("mp-b", "big", id); errCode(err) != "MalformedXML" {
		t.Errorf("no parts: %v", err)
	}
	out, err := e.complete("mp-b", "big", id, part(1, o1.ETag), part(2, o2.ETag), part(3, o3.ETag))
	if err != nil {
		t.Fatal(err)
	}
	h := md5.New()
	for _, s := range []string{p1, p2, "tail"} {
		sum := md5.Sum([]byte(s))
		h.Write(sum[:])
	}
	if want := fmt.Sprintf(`"%s-3"`, hex.EncodeToString(h.Sum(nil))); *out.ETag != want {
		t.Errorf("etag %s, want %s", *out.ETag, want)
	}
	if got := e.getBody("mp-b", "big"); got != p1+p2+"tail" {
		t.Errorf("body of %d bytes", len(got))
	}
	body, g, err := e.get(&s3api.GetObjectInput{Bucket: ptr("mp-b"), Key: ptr("big"), PartNumber: ptr(int64(3))})
	if err != nil || body != "tail" || *g.PartsCount != 3 || *g.ContentRange != fmt.Sprintf("bytes %d-%d/%d", 2*minPartSize, 2*minPartSize+3, 2*minPartSize+4) {
		t.Errorf("part 3: %q %+v %v", body, g, err)
	}
	hd, _ := e.svc.HeadObject(e.ctx(), &s3api.HeadObjectInput{Bucket: ptr("mp-b"), Key: ptr("big")})
	if *hd.ContentType != "application/x-big" || hd.Metadata["k"] != "v" {
		t.Errorf("attributes %+v", hd)
	}
	if _, err := e.complete("mp-b", "big", id, part(1, o1.ETag)); errCode(err) != "NoSuchUpload" {
		t.Errorf("completed upload: %v", err)
	}
	if n := e.blobCount(); n != 1 {
		t.Errorf("%d blobs, want the object's only", n)
	}
}

func TestMultipartTooSmallAndAbort(t *testing.T) {
	e := newTestEnv(t)
	e.mustCreateBucket("mps-b")
	id := e.createUpload("mps-b", "k")
	a, _ := e.uploadPart("mps-b", "k", id, 1, "small")
	b, _ := e.uploadPart("mps-b", "k", id, 2, "last")
	if _, err := e.complete("mps-b", "k", id, part(1, a.ETag), part(2, b.ETag)); errCode(err) != "EntityTooSmall" {
		t.Errorf("small part: %v", err)
	}
	for _, n := range []int64{0, 10001} {
		if _, err := e.uploadPart("mps-b", "k", id, n, "x"); errCode(err) != "InvalidArgument" {
			t.Errorf("part %d: %v", n, err)
		}
	}
	if _, err := e.uploadPart("mps-b", "k", "nope", 1, "x"); errCode(err) != "NoSuchUpload" {
		t.Errorf("bad id: %v", err)
	}
	if _, err := e.uploadPart("mps-b", "other", id, 1, "x"); errCode(err) != "NoSuchUpload" {
		t.Errorf("id of another key: %v", err)
	}
	if _, err := e.svc.AbortMultipartUpload(e.ctx(), &s3api.AbortMultipartUploadInput{Bucket: ptr("mps-b"), Key: ptr("k"), UploadId: ptr(id)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.AbortMultipartUpload(e.ctx(), &s3api.AbortMultipartUploadInput{Bucket: ptr("mps-b"), Key: ptr("k"), UploadId: ptr(id)}); errCode(err) != "NoSuchUpload" || errStatus(err) != 404 {
		t.Errorf("second abort: %v", err)
	}
	if n := e.blobCount(); n != 0 {
		t.Errorf("%d blobs after abort", n)
	}
	// An upload in progress does not keep a bucket alive.
	e.createUpload("mps-b", "k2")
	id3 := e.createUpload("mps-b", "k3")
	e.uploadPart("mps-b", "k3", id3, 1, "x")
	if _, err := e.svc.DeleteBucket(e.ctx(), &s3api.DeleteBucketInput{Bucket: ptr("mps-b")}); err != nil {
		t.Errorf("bucket with uploads: %v", err)
	}
	if n := e.blobCount(); n != 0 {
		t.Errorf("%d blobs after bucket deletion", n)
	}
}

func TestMultipartChecksums(t *testing.T) {
	e := newTestEnv(t)
	e.mustCreateBucket("mpc-b")
	id := e.createUpload("mpc-b", "k", func(in *s3api.CreateMultipartUploadInput) { in.ChecksumAlgorithm = ptr("CRC32") })
	a, err := e.uploadPart("mpc-b", "k", id, 1, strings.Repeat("x", minPartSize))
	if err != nil || a.ChecksumCRC32 == nil {
		t.Fatalf("part checksum %+v %v", a, err)
	}
	if _, err := e.uploadPart("mpc-b", "k", id, 2, "y", func(in *s3api.UploadPartInput) { in.ChecksumAlgorithm = ptr("SHA256") }); errCode(err) != "InvalidRequest" {
		t.Errorf("other algorithm: %v", err)
	}
	b, _ := e.uploadPart("mpc-b", "k", id, 2, "y")
	out, err := e.svc.CompleteMultipartUpload(e.ctx(), &s3api.CompleteMultipartUploadInput{Bucket: ptr("mpc-b"), Key: ptr("k"), UploadId: ptr(id),
		MultipartUpload: &s3api.CompletedMultipartUpload{Parts: []s3api.CompletedPart{
			{PartNumber: ptr(int64(1)), ETag: a.ETag, ChecksumCRC32: a.ChecksumCRC32}, {PartNumber: ptr(int64(2)), ETag: b.ETag, ChecksumCRC32: b.ChecksumCRC32}}}})
	if err != nil || *out.ChecksumType != "COMPOSITE" || !strings.HasSuffix(*out.ChecksumCRC32, "-2") {
		t.Fatalf("complete %+v %v", out, err)
	}
	if _, err := e.svc.CreateMultipartUpload(e.ctx(), &s3api.CreateMultipartUploadInput{Bucket: ptr("mpc-b"), Key: ptr("k"),
		ChecksumAlgorithm: ptr("SHA256"), ChecksumType: ptr("FULL_OBJECT")}); errCode(err) != "InvalidRequest" {
		t.Errorf("full-object SHA256: %v", err)
	}
	id2 := e.createUpload("mpc-b", "f", func(in *s3api.CreateMultipartUploadInput) { in.ChecksumAlgorithm = ptr("CRC64NVME") })
	c, _ := e.uploadPart("mpc-b", "f", id2, 1, "whole")
	full, err := e.complete("mpc-b", "f", id2, part(1, c.ETag))
	single := e.mustPut("mpc-b", "single", "whole")
	if err != nil || *full.ChecksumType != "FULL_OBJECT" || *full.ChecksumCRC64NVME != *single.ChecksumCRC64NVME {
		t.Errorf("full object %+v %v, single %v", full, err, *single.ChecksumCRC64NVME)
	}
}

func TestUploadPartCopy(t *testing.T) {
	e := newTestEnv(t)
	e.mustCreateBucket("upc-b")
	e.mustPut("upc-b", "src", "0123456789")
	id := e.createUpload("upc-b", "dst")
	for _, c := range []struct{ rng, code string }{{"bytes=2-4", ""}, {"bytes=4-2", "InvalidArgument"}, {"2-4", "InvalidArgument"}, {"bytes=5-10", "InvalidRange"}} {
		_, err := e.svc.UploadPartCopy(e.ctx(), &s3api.UploadPartCopyInput{Bucket: ptr("upc-b"), Key: ptr("dst"), UploadId: ptr(id),
			PartNumber: ptr(int64(1)), CopySource: ptr("upc-b/src"), CopySourceRange: ptr(c.rng)})
		if errCode(err) != c.code {
			t.Errorf("%s: %v", c.rng, err)
		}
	}
	lp, _ := e.svc.ListParts(e.ctx(), &s3api.ListPartsInput{Bucket: ptr("upc-b"), Key: ptr("dst"), UploadId: ptr(id)})
	if _, err := e.complete("upc-b", "dst", id, part(1, lp.Parts[0].ETag)); err != nil {
		t.Fatal(err)
	}
	if got := e.getBody("upc-b", "dst"); got != "234" {
		t.Errorf("copied part %q", got)
	}
}

func TestGetObjectAttributes(t *testing.T) {
	e := newTestEnv(t)
	e.mustCreateBucket("attr-b")
	id := e.createUpload("attr-b", "mp", func(in *s3api.CreateMultipartUploadInput) { in.ChecksumAlgorithm = ptr("SHA256") })
	a, _ := e.uploadPart("attr-b", "mp", id, 1, strings.Repeat("a", minPartSize))
	b, _ := e.uploadPart("attr-b", "mp", id, 2, "b")
	if _, err := e.svc.CompleteMultipartUpload(e.ctx(), &s3api.CompleteMultipartUploadInput{Bucket: ptr("attr-b"), Key: ptr("mp"), UploadId: ptr(id),
		MultipartUpload: &s3api.CompletedMultipartUpload{Parts: []s3api.CompletedPart{
			{PartNumber: ptr(int64(1)), ETag: a.ETag, ChecksumSHA256: a.ChecksumSHA256}, {PartNumber: ptr(int64(2)), ETag: b.ETag, ChecksumSHA256: b.ChecksumSHA256}}}}); err != nil {
		t.Fatal(err)
	}
	out, err := e.svc.GetObjectAttributes(e.ctx(), &s3api.GetObjectAttributesInput{Bucket: ptr("attr-b"), Key: ptr("mp"),
		ObjectAttributes: []string{"ETag", "Checksum", "ObjectParts", "ObjectSize", "StorageClass"}, MaxParts: ptr(int64(1))})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(*out.ETag, `"`) || *out.ObjectSize != minPartSize+1 || *out.StorageClass != "STANDARD" || *out.Checksum.ChecksumType != "COMPOSITE" {
		t.Errorf("attributes %+v", out)
	}
	op := out.ObjectParts
	if *op.TotalPartsCount != 2 || !*op.IsTruncated || len(op.Parts) != 1 || *op.Parts[0].ChecksumSHA256 != *a.ChecksumSHA256 {
		t.Errorf("parts %+v", op)
	}
	_, err = e.svc.GetObjectAttributes(e.ctx(), &s3api.GetObjectAttributesInput{Bucket: ptr("attr-b"), Key: ptr("mp"), ObjectAttributes: []string{"Color"}})
	if errCode(err) != "InvalidArgument" {
		t.Errorf("bad attribute: %v", err)
	}
	e.mustPut("attr-b", "plain", "x")
	out, _ = e.svc.GetObjectAttributes(e.ctx(), &s3api.GetObjectAttributesInput{Bucket: ptr("attr-b"), Key: ptr("plain"), ObjectAttributes: []string{"ObjectParts", "ETag"}})
	if out.ObjectParts != nil || out.ETag == nil || out.ObjectSize != nil {
		t.Errorf("plain %+v", out)
	}
}
