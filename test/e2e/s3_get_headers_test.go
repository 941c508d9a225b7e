package e2e

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// lastStatus is a transport that remembers the status of the last
// response, which the SDK does not show for a success.
type lastStatus struct {
	mu     sync.Mutex
	status int
}

func (l *lastStatus) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err == nil {
		l.mu.Lock()
		l.status = resp.StatusCode
		l.mu.Unlock()
	}
	return resp, err
}

func (l *lastStatus) get() int { l.mu.Lock(); defer l.mu.Unlock(); return l.status }

// TestS3HeadRangeAndDeleteMarkers: HEAD with a Range answers 206 with the
// range's length; a delete marker that stops a GET or HEAD is named in
// the response headers, as S3 does.
func TestS3HeadRangeAndDeleteMarkers(t *testing.T) {
	s := StartServer(t)
	ctx := context.Background()
	rec := &lastStatus{}
	cfg := s.DefaultConfig()
	cfg.HTTPClient = &http.Client{Transport: rec}
	c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	b := aws.String("head-dm")
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: b,
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("k"), Body: strings.NewReader("hello world")}); err != nil {
		t.Fatal(err)
	}
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: b, Key: aws.String("k"), Range: aws.String("bytes=6-")})
	if err != nil || rec.get() != http.StatusPartialContent || aws.ToString(head.ContentRange) != "bytes 6-10/11" || aws.ToInt64(head.ContentLength) != 5 {
		t.Fatalf("HEAD with a range: %d %+v %v", rec.get(), head, err)
	}
	if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: b, Key: aws.String("k")}); err != nil || rec.get() != http.StatusOK {
		t.Fatalf("HEAD without a range: %d %v", rec.get(), err)
	}
	_, err = c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: b, Key: aws.String("k"), Range: aws.String("bytes=20-")})
	if respStatus(err) != http.StatusRequestedRangeNotSatisfiable {
		t.Fatalf("HEAD past the end: %v", err)
	}

	del, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: b, Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	marker := aws.ToString(del.VersionId)
	for _, tc := range []struct {
		name    string
		version *string
		status  int
	}{{"current", nil, http.StatusNotFound}, {"by id", del.VersionId, http.StatusMethodNotAllowed}} {
		_, herr := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: b, Key: aws.String("k"), VersionId: tc.version})
		_, gerr := c.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String("k"), VersionId: tc.version})
		for method, err := range map[string]error{"HEAD": herr, "GET": gerr} {
			h := respHeaders(err)
			if respStatus(err) != tc.status || h.Get("x-amz-delete-marker") != "true" || h.Get("x-amz-version-id") != marker {
				t.Errorf("%s %s: %d %v %v", method, tc.name, respStatus(err), h, err)
			}
		}
	}
}

func respHeaders(err error) http.Header {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.Response.Header
	}
	return nil
}

func respStatus(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}
