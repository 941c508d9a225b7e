package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func mustBucket(t *testing.T, c *s3.Client, name string) {
	t.Helper()
	if _, err := c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
}

func readAll(t *testing.T, out *s3.GetObjectOutput, err error) string {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func getString(t *testing.T, ctx context.Context, c *s3.Client, in *s3.GetObjectInput) string {
	t.Helper()
	out, err := c.GetObject(ctx, in)
	return readAll(t, out, err)
}

func httpStatus(err error) int {
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// Flexible checksums as the SDK sends them (aws-chunked trailers) and
// validates them on GET.
func TestS3ObjectsSDK(t *testing.T) {
	s := StartServer(t)
	ctx := context.Background()
	c := s3Client(s)
	mustBucket(t, c, "sdk-objects")
	put, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("sdk-objects"), Key: aws.String("dir/hello.txt"),
		Body: strings.NewReader("hello, world"), ContentType: aws.String("text/plain"), Metadata: map[string]string{"owner": "me"},
		ChecksumAlgorithm: types.ChecksumAlgorithmCrc32})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(put.ChecksumCRC32) == "" {
		t.Errorf("no CRC32 echoed: %+v", put)
	}
	get, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("sdk-objects"), Key: aws.String("dir/hello.txt"), ChecksumMode: types.ChecksumModeEnabled})
	if got := readAll(t, get, err); got != "hello, world" || get.Metadata["owner"] != "me" || aws.ToString(get.ContentType) != "text/plain" {
		t.Errorf("get %q %+v", got, get)
	}
	rng, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("sdk-objects"), Key: aws.String("dir/hello.txt"), Range: aws.String("bytes=7-")})
	if got := readAll(t, rng, err); got != "world" || aws.ToString(rng.ContentRange) != "bytes 7-11/12" {
		t.Errorf("range %q %+v", got, rng)
	}
	_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("sdk-objects"), Key: aws.String("dir/hello.txt"), Range: aws.String("bytes=50-")})
	if apiCode(t, err) != "InvalidRange" || httpStatus(err) != 416 {
		t.Errorf("past the end: %v", err)
	}
	_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("sdk-objects"), Key: aws.String("dir/hello.txt"), IfNoneMatch: put.ETag})
	if httpStatus(err) != 304 {
		t.Errorf("If-None-Match: %v", err)
	}
	_, err = c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("sdk-objects"), Key: aws.String("dir/hello.txt"), IfMatch: aws.String(`"nope"`)})
	if httpStatus(err) != 412 {
		t.Errorf("If-Match: %v", err)
	}
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("sdk-objects"), Key: aws.String("dir/hello.txt"),
		Body: strings.NewReader("again"), IfNoneMatch: aws.String("*")})
	if apiCode(t, err) != "PreconditionFailed" {
		t.Errorf("conditional write: %v", err)
	}
	var nsk *types.NoSuchKey
	if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("sdk-objects"), Key: aws.String("missing")}); !errors.As(err, &nsk) {
		t.Errorf("missing key: %v", err)
	}
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("sdk-objects"), Key: aws.String("copy of hello"),
		CopySource: aws.String("sdk-objects/" + url.PathEscape("dir/hello.txt"))}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: aws.String("sdk-objects"), Key: aws.String("copy of hello"),
		Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}}); err != nil {
		t.Fatal(err)
	}
	tags, err := c.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String("sdk-objects"), Key: aws.String("copy of hello")})
	if err != nil || len(tags.TagSet) != 1 {
		t.Errorf("tags %+v %v", tags, err)
	}
	for i := 0; i < 5; i++ {
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("sdk-objects"), Key: aws.String("many/" + string(rune('a'+i))),
			Body: bytes.NewReader(nil)}); err != nil {
			t.Fatal(err)
		}
	}
	var keys []string
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String("sdk-objects"), MaxKeys: aws.Int32(2)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	if strings.Join(keys, ",") != "copy of hello,dir/hello.txt,many/a,many/b,many/c,many/d,many/e" {
		t.Errorf("paged keys %v", keys)
	}
	del, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("sdk-objects"), Delete: &types.Delete{
		Objects: []types.ObjectIdentifier{{Key: aws.String("many/a")}, {Key: aws.String("many/b")}}}})
	if err != nil || len(del.Deleted) != 2 {
		t.Errorf("DeleteObjects %+v %v", del, err)
	}
	lst, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("sdk-objects"), Delimiter: aws.String("/")})
	if err != nil || len(lst.CommonPrefixes) != 2 || len(lst.Contents) != 1 {
		t.Errorf("delimiter listing %+v %v", lst, err)
	}
}

// Virtual-hosted addressing: the SDK puts the bucket in the Host header;
// the dialer sends every host to the server, as DNS for
// *.s3.localhost.localstack.cloud would.
func TestS3VirtualHostedSDK(t *testing.T) {
	s := StartServer(t)
	ctx := context.Background()
	u, _ := url.Parse(s.URL)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, u.Host)
	}
	cfg := s.DefaultConfig()
	cfg.HTTPClient = &http.Client{Transport: tr}
	cfg.BaseEndpoint = aws.String("http://s3.localhost.localstack.cloud:" + u.Port())
	c := s3.NewFromConfig(cfg)
	mustBucket(t, c, "vhost-bucket")
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("vhost-bucket"), Key: aws.String("a/b"), Body: strings.NewReader("virtual")}); err != nil {
		t.Fatal(err)
	}
	got := getString(t, ctx, c, &s3.GetObjectInput{Bucket: aws.String("vhost-bucket"), Key: aws.String("a/b")})
	if got != "virtual" {
		t.Errorf("got %q", got)
	}
	// And the same object path-style.
	if got := getString(t, ctx, s3Client(s), &s3.GetObjectInput{Bucket: aws.String("vhost-bucket"), Key: aws.String("a/b")}); got != "virtual" {
		t.Errorf("path-style %q", got)
	}
}

func TestS3MultipartManager(t *testing.T) {
	s := StartServer(t)
	ctx := context.Background()
	c := s3Client(s)
	mustBucket(t, c, "mp-manager")
	data := randomBytes(t, 20<<20)
	up := manager.NewUploader(c, func(u *manager.Uploader) { u.PartSize = 5 << 20 })
	res, err := up.Upload(ctx, &s3.PutObjectInput{Bucket: aws.String("mp-manager"), Key: aws.String("big.bin"), Body: bytes.NewReader(data)})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(aws.ToString(res.ETag), `-4"`) {
		t.Errorf("multipart ETag %s", aws.ToString(res.ETag))
	}
	buf := manager.NewWriteAtBuffer(nil)
	n, err := manager.NewDownloader(c, func(d *manager.Downloader) { d.PartSize = 3 << 20 }).Download(ctx, buf,
		&s3.GetObjectInput{Bucket: aws.String("mp-manager"), Key: aws.String("big.bin")})
	if err != nil || n != int64(len(data)) || !bytes.Equal(buf.Bytes(), data) {
		t.Errorf("download %d bytes, equal %v, %v", n, bytes.Equal(buf.Bytes(), data), err)
	}
	part, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("mp-manager"), Key: aws.String("big.bin"), PartNumber: aws.Int32(2)})
	if got := readAll(t, part, err); got != string(data[5<<20:10<<20]) || aws.ToInt32(part.PartsCount) != 4 {
		t.Errorf("part 2: %d bytes, parts %d", len(got), aws.ToInt32(part.PartsCount))
	}
	// A refused completion: a part under 5 MiB that is not the last.
	cr, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("mp-manager"), Key: aws.String("small")})
	if err != nil {
		t.Fatal(err)
	}
	var done []types.CompletedPart
	for i := int32(1); i <= 2; i++ {
		p, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("mp-manager"), Key: aws.String("small"), UploadId: cr.UploadId,
			PartNumber: aws.Int32(i), Body: strings.NewReader("tiny")})
		if err != nil {
			t.Fatal(err)
		}
		done = append(done, types.CompletedPart{PartNumber: aws.Int32(i), ETag: p.ETag, ChecksumCRC32: p.ChecksumCRC32})
	}
	_, err = c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("mp-manager"), Key: aws.String("small"),
		UploadId: cr.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: done}})
	if apiCode(t, err) != "EntityTooSmall" {
		t.Errorf("small parts: %v", err)
	}
	if _, err := c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String("mp-manager"), Key: aws.String("small"), UploadId: cr.UploadId}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String("mp-manager"), Key: aws.String("small"), UploadId: cr.UploadId}); apiCode(t, err) != "NoSuchUpload" {
		t.Errorf("aborted upload: %v", err)
	}
}

func TestS3VersioningSDK(t *testing.T) {
	s := StartServer(t)
	ctx := context.Background()
	c := s3Client(s)
	mustBucket(t, c, "sdk-versions")
	if _, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String("sdk-versions"),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, body := range []string{"one", "two"} {
		out, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("sdk-versions"), Key: aws.String("k"), Body: strings.NewReader(body)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, aws.ToString(out.VersionId))
	}
	del, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("sdk-versions"), Key: aws.String("k")})
	if err != nil || !aws.ToBool(del.DeleteMarker) {
		t.Fatalf("delete %+v %v", del, err)
	}
	_, err = c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("sdk-versions"), Key: aws.String("k"), VersionId: del.VersionId})
	if httpStatus(err) != 405 {
		t.Errorf("HEAD of a delete marker: %v", err)
	}
	if got := getString(t, ctx, c, &s3.GetObjectInput{Bucket: aws.String("sdk-versions"), Key: aws.String("k"), VersionId: aws.String(ids[0])}); got != "one" {
		t.Errorf("first version %q", got)
	}
	var ae smithy.APIError
	if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("sdk-versions"), Key: aws.String("k"), VersionId: aws.String("0123456789abcdef0123456789abcdef")}); !errors.As(err, &ae) || ae.ErrorCode() != "NoSuchVersion" {
		t.Errorf("unknown version: %v", err)
	}
	lv, err := c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String("sdk-versions")})
	if err != nil || len(lv.Versions) != 2 || len(lv.DeleteMarkers) != 1 || !aws.ToBool(lv.DeleteMarkers[0].IsLatest) || aws.ToBool(lv.Versions[0].IsLatest) {
		t.Errorf("versions %+v %v", lv, err)
	}
	gv, err := c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String("sdk-versions")})
	if err != nil || gv.Status != types.BucketVersioningStatusEnabled {
		t.Errorf("GetBucketVersioning %+v %v", gv, err)
	}
	_, err = c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("sdk-versions")})
	if apiCode(t, err) != "BucketNotEmpty" {
		t.Errorf("delete with versions: %v", err)
	}
	// Objects survive a restart of a durable server.
	s.Restart()
	c = s3Client(s)
	ctx2, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if got := getString(t, ctx2, c, &s3.GetObjectInput{Bucket: aws.String("sdk-versions"), Key: aws.String("k"), VersionId: aws.String(ids[1])}); got != "two" {
		t.Errorf("after restart %q", got)
	}
}
