package s3

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/store"

	s3api "hakoniwa/internal/api/s3"
)

// lookup finds the object a read names: the current one, or a version.
// A delete marker in the way is named in the refusal's headers, as S3
// does: 404 when it is the current version, 405 when asked for by id.
func lookup(tx store.Tx, b *bucketRec, key, versionID, method string) (*objectRec, error) {
	if versionID == "" {
		r, err := current(tx, b, key)
		if err != nil || r != nil {
			return r, err
		}
		return nil, missingCurrent(tx, b, key)
	}
	r, err := version(tx, b, key, versionID)
	if err != nil {
		return nil, err
	}
	if r == nil {
		return nil, errNoSuchVersion(key, versionID)
	}
	if r.DeleteMarker {
		return nil, markedDeleted(errMethodNotAllowed(method, "DeleteMarker"), r).
			WithHeader("Last-Modified", r.Modified.UTC().Format(http.TimeFormat))
	}
	return r, nil
}

// missingCurrent is NoSuchKey for a key without a current version, with
// the delete marker that hides older versions, if one does.
func missingCurrent(tx store.Tx, b *bucketRec, key string) error {
	e := errNoSuchKey(key)
	if b.Versioning == "" {
		return e
	}
	r, err := newest(tx, b, key)
	if err != nil {
		return err
	}
	if r != nil && r.DeleteMarker {
		markedDeleted(e, r)
	}
	return e
}

func markedDeleted(e *awserr.Error, marker *objectRec) *awserr.Error {
	return e.WithHeader("x-amz-delete-marker", "true").WithHeader("x-amz-version-id", deref(marker.versionOut()))
}

// openObject reads the record and opens its file. An overwrite may
// commit, and remove the old file, between the two; the read then starts
// again from the new record.
func (s *Service) openObject(ctx context.Context, bucket, key, versionID, method string) (*objectRec, *os.File, error) {
	if err := checkKey(key); err != nil {
		return nil, nil, err
	}
	for attempt := 0; ; attempt++ {
		var rec *objectRec
		err := s.viewBucket(ctx, bucket, func(tx store.Tx, b *bucketRec) error {
			var err error
			rec, err = lookup(tx, b, key, versionID, method)
			return err
		})
		if err != nil {
			return nil, nil, err
		}
		f, err := s.blobs.Open(rec.Blob)
		if err == nil {
			return rec, f, nil
		}
		if !errors.Is(err, fs.ErrNotExist) || attempt == 3 {
			return nil, nil, errorf("open %s/%s: %w", bucket, key, err)
		}
	}
}

// readConditions are a read's If-* headers.
type readConditions struct {
	ifMatch, ifNoneMatch             string
	ifModifiedSince, ifUnmodifiedSin *time.Time
}

// check applies RFC 7232's order, as S3 documents it: If-Match, else
// If-Unmodified-Since, decides 412; then If-None-Match, else
// If-Modified-Since, decides 304.
func (c readConditions) check(r *objectRec) error {
	mod := r.Modified.Truncate(time.Second)
	if c.ifMatch != "" {
		if !etagMatches(c.ifMatch, r.ETag) {
			return errPrecondition("If-Match")
		}
	} else if c.ifUnmodifiedSin != nil && mod.After(*c.ifUnmodifiedSin) {
		return errPrecondition("If-Unmodified-Since")
	}
	if c.ifNoneMatch != "" {
		if etagMatches(c.ifNoneMatch, r.ETag) {
			return errNotModified()
		}
	} else if c.ifModifiedSince != nil && !mod.After(*c.ifModifiedSince) {
		return errNotModified()
	}
	return nil
}

// byteRange is the part of an object a read returns.
type byteRange struct {
	start, length int64
	partial       bool
	size          int64
}

func (br byteRange) contentRange() string {
	return fmt.Sprintf("bytes %d-%d/%d", br.start, br.start+br.length-1, br.size)
}

// parseRange reads a Range header as S3 does: one byte range; a header it
// cannot parse, or several ranges, return the whole object; a range that
// starts past the end is InvalidRange.
func parseRange(h string, size int64) (byteRange, error) {
	full := byteRange{length: size, size: size}
	spec, ok := strings.CutPrefix(strings.TrimSpace(h), "bytes=")
	if !ok || strings.Contains(spec, ",") {
		return full, nil
	}
	first, last, ok := strings.Cut(strings.TrimSpace(spec), "-")
	if !ok {
		return full, nil
	}
	num := func(s string) (int64, bool) {
		if s == "" {
			return 0, false
		}
		n, err := strconv.ParseInt(s, 10, 64)
		return n, err == nil && n >= 0
	}
	if first == "" {
		n, ok := num(last)
		if !ok {
			return full, nil
		}
		if n == 0 || size == 0 {
			return full, errInvalidRange(h, size)
		}
		n = min(n, size)
		return byteRange{start: size - n, length: n, partial: true, size: size}, nil
	}
	a, ok := num(first)
	if !ok {
		return full, nil
	}
	end := size - 1
	if last != "" {
		b, ok := num(last)
		if !ok || b < a {
			return full, nil
		}
		end = min(b, size-1)
	}
	if a >= size {
		return full, errInvalidRange(h, size)
	}
	return byteRange{start: a, length: end - a + 1, partial: true, size: size}, nil
}

// partRange is the byte range of part n of an object; an object not
// uploaded in parts has one part, itself.
func partRange(r *objectRec, n int64) (byteRange, error) {
	if n < 1 || n > maxPartNumber {
		return byteRange{}, errInvalidArgument("Part number must be an integer between 1 and 10000, inclusive", "partNumber", strconv.FormatInt(n, 10))
	}
	if len(r.Parts) == 0 {
		if n != 1 {
			return byteRange{}, errInvalidPartNumber()
		}
		return byteRange{length: r.Size, size: r.Size}, nil
	}
	if n > int64(len(r.Parts)) {
		return byteRange{}, errInvalidPartNumber()
	}
	var off int64
	for _, p := range r.Parts[:n-1] {
		off += p.Size
	}
	return byteRange{start: off, length: r.Parts[n-1].Size, partial: true, size: r.Size}, nil
}

// readRequest is what GetObject and HeadObject share.
type readRequest struct {
	bucket, key, versionID, rangeHeader string
	partNumber                          *int64
	cond                                readConditions
	checksumMode                        string
}

func (q readRequest) resolve(r *objectRec) (byteRange, error) {
	if err := q.cond.check(r); err != nil {
		return byteRange{}, err
	}
	if q.partNumber != nil {
		if q.rangeHeader != "" {
			return byteRange{}, errInvalidRequest("Cannot specify both Range header and partNumber query parameter")
		}
		return partRange(r, *q.partNumber)
	}
	return parseRange(q.rangeHeader, r.Size)
}

// objectStream is GetObject's body: a window of the blob's file. WriteTo
// hands the file itself to the response writer, so a writer that takes
// files (net/http's, through io.ReaderFrom) lets the kernel copy the
// bytes with sendfile.
type objectStream struct {
	f      *os.File
	r      *io.SectionReader
	status int
}

func newObjectStream(f *os.File, br byteRange) *objectStream {
	st := &objectStream{f: f, r: io.NewSectionReader(f, br.start, br.length)}
	if br.partial {
		st.status = http.StatusPartialContent
	}
	return st
}

func (o *objectStream) Read(p []byte) (int, error) { return o.r.Read(p) }
func (o *objectStream) Close() error               { return o.f.Close() }
func (o *objectStream) StatusCode() int            { return o.status }

func (o *objectStream) WriteTo(w io.Writer) (int64, error) {
	off, _ := o.r.Seek(0, io.SeekCurrent)
	_, start, n := o.r.Outer()
	if _, err := o.f.Seek(start+off, io.SeekStart); err != nil {
		return 0, err
	}
	return io.Copy(w, &io.LimitedReader{R: o.f, N: n - off})
}

// GetObject streams an object, or a range or part of it, from its file.
func (s *Service) GetObject(ctx context.Context, in *s3api.GetObjectInput) (*s3api.GetObjectOutput, error) {
	q := readRequest{bucket: deref(in.Bucket), key: deref(in.Key), versionID: deref(in.VersionId), rangeHeader: deref(in.Range),
		partNumber: in.PartNumber, checksumMode: deref(in.ChecksumMode),
		cond: readConditions{ifMatch: deref(in.IfMatch), ifNoneMatch: deref(in.IfNoneMatch), ifModifiedSince: in.IfModifiedSince, ifUnmodifiedSin: in.IfUnmodifiedSince}}
	rec, f, err := s.openObject(ctx, q.bucket, q.key, q.versionID, http.MethodGet)
	if err != nil {
		return nil, err
	}
	br, err := q.resolve(rec)
	if err != nil {
		f.Close()
		return nil, err
	}
	out := getOutput(rec, br, q)
	out.Body = newObjectStream(f, br)
	overrides(out, in)
	return out, nil
}

func overrides(out *s3api.GetObjectOutput, in *s3api.GetObjectInput) {
	for _, o := range []struct{ dst, src **string }{
		{&out.CacheControl, &in.ResponseCacheControl}, {&out.ContentDisposition, &in.ResponseContentDisposition},
		{&out.ContentEncoding, &in.ResponseContentEncoding}, {&out.ContentLanguage, &in.ResponseContentLanguage},
		{&out.ContentType, &in.ResponseContentType},
	} {
		if *o.src != nil {
			*o.dst = *o.src
		}
	}
	if in.ResponseExpires != nil {
		out.Expires = ptr(in.ResponseExpires.UTC().Format(http.TimeFormat))
	}
}

// getOutput is every header a read of rec answers with.
func getOutput(r *objectRec, br byteRange, q readRequest) *s3api.GetObjectOutput {
	out := &s3api.GetObjectOutput{AcceptRanges: ptr("bytes"), LastModified: ptr(r.Modified), ContentLength: ptr(br.length),
		ETag: ptr(r.quotedETag()), VersionId: r.versionOut(), ContentType: ptr(r.ContentType), Metadata: r.Meta,
		ServerSideEncryption: ptr(r.SSE)}
	for _, f := range []struct {
		dst **string
		v   string
	}{
		{&out.CacheControl, r.CacheControl}, {&out.ContentDisposition, r.ContentDisposition}, {&out.ContentEncoding, r.ContentEncoding},
		{&out.ContentLanguage, r.ContentLanguage}, {&out.Expires, r.Expires}, {&out.WebsiteRedirectLocation, r.WebsiteRedirect},
		{&out.SSEKMSKeyId, r.KMSKey},
	} {
		if f.v != "" {
			*f.dst = ptr(f.v)
		}
	}
	if r.StorageClass != "" && r.StorageClass != "STANDARD" {
		out.StorageClass = ptr(r.StorageClass)
	}
	if len(r.Tags) > 0 {
		out.TagCount = ptr(int64(len(r.Tags)))
	}
	if br.partial {
		out.ContentRange = ptr(br.contentRange())
	}
	if q.partNumber != nil && len(r.Parts) > 0 {
		out.PartsCount = ptr(int64(len(r.Parts)))
	}
	if strings.EqualFold(q.checksumMode, "ENABLED") && r.Checksum != nil {
		if !br.partial || q.partNumber != nil && len(r.Parts) == 0 {
			checksumFields{&out.ChecksumCRC32, &out.ChecksumCRC32C, &out.ChecksumCRC64NVME, &out.ChecksumSHA1, &out.ChecksumSHA256}.set(r.Checksum)
			out.ChecksumType = ptr(r.Checksum.Type)
		}
	}
	return out
}

// HeadObject answers GetObject's headers without the body.
func (s *Service) HeadObject(ctx context.Context, in *s3api.HeadObjectInput) (*s3api.HeadObjectOutput, error) {
	q := readRequest{bucket: deref(in.Bucket), key: deref(in.Key), versionID: deref(in.VersionId), rangeHeader: deref(in.Range),
		partNumber: in.PartNumber, checksumMode: deref(in.ChecksumMode),
		cond: readConditions{ifMatch: deref(in.IfMatch), ifNoneMatch: deref(in.IfNoneMatch), ifModifiedSince: in.IfModifiedSince, ifUnmodifiedSin: in.IfUnmodifiedSince}}
	if err := checkKey(q.key); err != nil {
		return nil, err
	}
	var rec *objectRec
	err := s.viewBucket(ctx, q.bucket, func(tx store.Tx, b *bucketRec) error {
		var err error
		rec, err = lookup(tx, b, q.key, q.versionID, http.MethodHead)
		return err
	})
	if err != nil {
		return nil, err
	}
	br, err := q.resolve(rec)
	if err != nil {
		return nil, err
	}
	g := getOutput(rec, br, q)
	return &s3api.HeadObjectOutput{AcceptRanges: g.AcceptRanges, LastModified: g.LastModified, ContentLength: g.ContentLength,
		ETag: g.ETag, VersionId: g.VersionId, ContentType: g.ContentType, Metadata: g.Metadata, ServerSideEncryption: g.ServerSideEncryption,
		CacheControl: g.CacheControl, ContentDisposition: g.ContentDisposition, ContentEncoding: g.ContentEncoding,
		ContentLanguage: g.ContentLanguage, Expires: g.Expires, WebsiteRedirectLocation: g.WebsiteRedirectLocation,
		SSEKMSKeyId: g.SSEKMSKeyId, StorageClass: g.StorageClass, ContentRange: g.ContentRange, PartsCount: g.PartsCount,
		ChecksumCRC32: g.ChecksumCRC32, ChecksumCRC32C: g.ChecksumCRC32C, ChecksumCRC64NVME: g.ChecksumCRC64NVME,
		ChecksumSHA1: g.ChecksumSHA1, ChecksumSHA256: g.ChecksumSHA256, ChecksumType: g.ChecksumType, TagCount: g.TagCount}, nil
}

func errInvalidPartNumber() error {
	return awserr.New(http.StatusRequestedRangeNotSatisfiable, "InvalidPartNumber", "The requested partnumber is not satisfiable")
}
