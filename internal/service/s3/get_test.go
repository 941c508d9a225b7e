package s3

import (
	"errors"
	"net/http"
	"testing"

	"hakoniwa/internal/awserr"

	s3api "hakoniwa/internal/api/s3"
)

func errHeader(err error) http.Header {
	var ae *awserr.Error
	if errors.As(err, &ae) {
		return ae.Header
	}
	return nil
}

// TestDeleteMarkerHeaders: reads stopped by a delete marker say so in
// their headers, with the marker's version id.
func TestDeleteMarkerHeaders(t *testing.T) {
	e := newTestEnv(t)
	ctx := e.ctx()
	e.mustCreateBucket("dm-b")
	e.mustPut("dm-b", "plain", "x")
	if _, err := e.svc.DeleteObject(ctx, &s3api.DeleteObjectInput{Bucket: ptr("dm-b"), Key: ptr("plain")}); err != nil {
		t.Fatal(err)
	}
	_, err := e.svc.HeadObject(ctx, &s3api.HeadObjectInput{Bucket: ptr("dm-b"), Key: ptr("plain")})
	if errCode(err) != "NoSuchKey" || errHeader(err).Get("x-amz-delete-marker") != "" {
		t.Fatalf("deleted in an unversioned bucket: %v %v", err, errHeader(err))
	}

	e.setVersioning("dm-b", "Enabled")
	e.mustPut("dm-b", "k", "v1")
	del, err := e.svc.DeleteObject(ctx, &s3api.DeleteObjectInput{Bucket: ptr("dm-b"), Key: ptr("k")})
	if err != nil {
		t.Fatal(err)
	}
	marker := deref(del.VersionId)
	reads := map[string]func(vid *string) error{
		"GET": func(vid *string) error {
			_, _, err := e.get(&s3api.GetObjectInput{Bucket: ptr("dm-b"), Key: ptr("k"), VersionId: vid})
			return err
		},
		"HEAD": func(vid *string) error {
			_, err := e.svc.HeadObject(ctx, &s3api.HeadObjectInput{Bucket: ptr("dm-b"), Key: ptr("k"), VersionId: vid})
			return err
		},
	}
	for method, read := range reads {
		err := read(nil)
		h := errHeader(err)
		if errCode(err) != "NoSuchKey" || errStatus(err) != 404 || h.Get("x-amz-delete-marker") != "true" || h.Get("x-amz-version-id") != marker {
			t.Errorf("%s behind a delete marker: %v %v", method, err, h)
		}
		err = read(&marker)
		h = errHeader(err)
		if errCode(err) != "MethodNotAllowed" || errStatus(err) != 405 || h.Get("x-amz-delete-marker") != "true" || h.Get("x-amz-version-id") != marker || h.Get("Last-Modified") == "" {
			t.Errorf("%s of the delete marker: %v %v", method, err, h)
		}
		if ae := awserr.As(err); ae.Fields["Method"] != method {
			t.Errorf("%s of the delete marker names %q", method, ae.Fields["Method"])
		}
	}
	// A key that never existed in a versioned bucket has no marker to name.
	_, err = e.svc.HeadObject(ctx, &s3api.HeadObjectInput{Bucket: ptr("dm-b"), Key: ptr("never")})
	if errCode(err) != "NoSuchKey" || len(errHeader(err)) != 0 {
		t.Fatalf("never-written key: %v %v", err, errHeader(err))
	}
	// Once a newer version is put, the marker is history and reads work.
	e.mustPut("dm-b", "k", "v2")
	if got := e.getBody("dm-b", "k"); got != "v2" {
		t.Fatalf("after the marker: %q", got)
	}
}

func TestHeadObjectRange(t *testing.T) {
	e := newTestEnv(t)
	ctx := e.ctx()
	e.mustCreateBucket("hr-b")
	e.mustPut("hr-b", "k", "hello world")
	out, err := e.svc.HeadObject(ctx, &s3api.HeadObjectInput{Bucket: ptr("hr-b"), Key: ptr("k"), Range: ptr("bytes=2-4")})
	if err != nil || deref(out.ContentRange) != "bytes 2-4/11" || *out.ContentLength != 3 {
		t.Fatalf("HEAD with a range: %+v %v", out, err)
	}
	out, err = e.svc.HeadObject(ctx, &s3api.HeadObjectInput{Bucket: ptr("hr-b"), Key: ptr("k"), Range: ptr("bytes=-100")})
	if err != nil || deref(out.ContentRange) != "bytes 0-10/11" || *out.ContentLength != 11 {
		t.Fatalf("HEAD with a suffix past the start: %+v %v", out, err)
	}
	if _, err := e.svc.HeadObject(ctx, &s3api.HeadObjectInput{Bucket: ptr("hr-b"), Key: ptr("k"), Range: ptr("bytes=11-")}); errCode(err) != "InvalidRange" || errStatus(err) != 416 {
		t.Fatalf("HEAD past the end: %v", err)
	}
	out, err = e.svc.HeadObject(ctx, &s3api.HeadObjectInput{Bucket: ptr("hr-b"), Key: ptr("k")})
	if err != nil || out.ContentRange != nil || *out.ContentLength != 11 {
		t.Fatalf("HEAD without a range: %+v %v", out, err)
	}
}
