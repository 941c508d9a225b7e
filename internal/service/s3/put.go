package s3

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/store"

	s3api "hakoniwa/internal/api/s3"
)

var storageClasses = map[string]bool{
	"STANDARD": true, "REDUCED_REDUNDANCY": true, "STANDARD_IA": true, "ONEZONE_IA": true,
	"INTELLIGENT_TIERING": true, "GLACIER": true, "DEEP_ARCHIVE": true, "GLACIER_IR": true,
	"OUTPOSTS": true, "SNOW": true, "EXPRESS_ONEZONE": true,
}

// objectAttrs are the attributes a write sets besides the bytes.
type objectAttrs struct {
	contentType, cacheControl, contentDisposition, contentEncoding, contentLanguage, expires string
	websiteRedirect, storageClass, sse, kmsKey, tagging                                      string
	meta                                                                                     map[string]string
}

func (a objectAttrs) apply(r *objectRec) error {
	sc := a.storageClass
	if sc == "" {
		sc = "STANDARD"
	}
	if !storageClasses[sc] {
		return errInvalidStorageClass()
	}
	size := 0
	for k, v := range a.meta {
		size += len(k) + len(v)
	}
	if size > maxMetadataSize {
		return errMetadataTooLarge(size)
	}
	tags, err := parseTagging(a.tagging)
	if err != nil {
		return err
	}
	r.ContentType, r.CacheControl, r.ContentDisposition = a.contentType, a.cacheControl, a.contentDisposition
	r.ContentEncoding, r.ContentLanguage, r.Expires = a.contentEncoding, a.contentLanguage, a.expires
	r.WebsiteRedirect, r.StorageClass, r.Meta, r.Tags = a.websiteRedirect, sc, lowerKeys(a.meta), tags
	r.SSE, r.KMSKey = a.sse, a.kmsKey
	if r.SSE == "" {
		r.SSE = "AES256" // S3 encrypts every new object with SSE-S3 at least
	}
	if r.ContentType == "" {
		r.ContentType = "binary/octet-stream"
	}
	return nil
}

func lowerKeys(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[strings.ToLower(k)] = v
	}
	return out
}

// parseTagging reads the x-amz-tagging header: a URL query string.
func parseTagging(h string) ([]tag, error) {
	if h == "" {
		return nil, nil
	}
	q, err := url.ParseQuery(h)
	if err != nil {
		return nil, errInvalidArgument("The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.", "x-amz-tagging", h)
	}
	var tags []tag
	for k, vs := range q {
		if len(vs) > 1 {
			return nil, errInvalidTag("Cannot provide multiple Tags with the same key")
		}
		tags = append(tags, tag{Key: k, Value: vs[0]})
	}
	return tags, checkTags(tags)
}

// putConditions are a write's If-Match / If-None-Match.
type putConditions struct{ ifMatch, ifNoneMatch string }

func (c putConditions) check(cur *objectRec, key string) error {
	if c.ifNoneMatch != "" && cur != nil {
		return errPrecondition("If-None-Match")
	}
	if c.ifMatch != "" {
		if cur == nil {
			return errNoSuchKey(key)
		}
		if !etagMatches(c.ifMatch, cur.ETag) {
			return errPrecondition("If-Match")
		}
	}
	return nil
}

func (c putConditions) valid() error {
	if c.ifNoneMatch != "" && c.ifNoneMatch != "*" {
		return awserr.New(http.StatusNotImplemented, "NotImplemented", "A header you provided implies functionality that is not implemented").
			With("Header", "If-None-Match")
	}
	return nil
}

// PutObject stores an object. The bytes go to a new file first; the
// record naming it is the commit point.
func (s *Service) PutObject(ctx context.Context, in *s3api.PutObjectInput) (*s3api.PutObjectOutput, error) {
	bucket, key := deref(in.Bucket), deref(in.Key)
	cond := putConditions{ifMatch: deref(in.IfMatch), ifNoneMatch: deref(in.IfNoneMatch)}
	attrs := objectAttrs{contentType: deref(in.ContentType), cacheControl: deref(in.CacheControl),
		contentDisposition: deref(in.ContentDisposition), contentEncoding: deref(in.ContentEncoding),
		contentLanguage: deref(in.ContentLanguage), expires: deref(in.Expires), websiteRedirect: deref(in.WebsiteRedirectLocation),
		storageClass: deref(in.StorageClass), sse: deref(in.ServerSideEncryption), kmsKey: deref(in.SSEKMSKeyId),
		tagging: deref(in.Tagging), meta: in.Metadata}
	rec := &objectRec{Key: key}
	if err := s.checkWrite(ctx, bucket, key, cond, attrs, rec); err != nil {
		return nil, err
	}
	body, size := payload(in.Body, in.ContentLength)
	got, err := s.receive(body, bodySpec{size: size, max: maxPutSize, contentMD5: deref(in.ContentMD5), sdkAlg: strings.ToUpper(deref(in.ChecksumAlgorithm)),
		given: checksumFields{&in.ChecksumCRC32, &in.ChecksumCRC32C, &in.ChecksumCRC64NVME, &in.ChecksumSHA1, &in.ChecksumSHA256}.given()})
	if err != nil {
		return nil, err
	}
	rec.Blob, rec.Size, rec.ETag, rec.Checksum = got.blob, got.size, got.etag, got.checksum
	if err := s.commitObject(ctx, bucket, rec, cond, nil); err != nil {
		return nil, err
	}
	out := &s3api.PutObjectOutput{ETag: ptr(rec.quotedETag()), VersionId: rec.versionOut(), Size: ptr(rec.Size),
		ServerSideEncryption: ptr(rec.SSE), ChecksumType: ptr(rec.Checksum.Type)}
	if rec.KMSKey != "" {
		out.SSEKMSKeyId = ptr(rec.KMSKey)
	}
	checksumFields{&out.ChecksumCRC32, &out.ChecksumCRC32C, &out.ChecksumCRC64NVME, &out.ChecksumSHA1, &out.ChecksumSHA256}.set(rec.Checksum)
	return out, nil
}

// checkWrite refuses a write before any byte is read: bad key, missing
// bucket, bad attributes, a precondition that already fails.
func (s *Service) checkWrite(ctx context.Context, bucket, key string, cond putConditions, attrs objectAttrs, rec *objectRec) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if err := cond.valid(); err != nil {
		return err
	}
	if err := attrs.apply(rec); err != nil {
		return err
	}
	return s.viewBucket(ctx, bucket, func(tx store.Tx, b *bucketRec) error {
		cur, err := current(tx, b, key)
		if err != nil {
			return err
		}
		return cond.check(cur, key)
	})
}

// commitObject publishes rec, whose blob is written. A precondition that
// held before the upload and fails now lost a race: S3 calls that a
// conflict, not a failed precondition. also, when set, runs in the same
// transaction (CompleteMultipartUpload drops its upload there).
func (s *Service) commitObject(ctx context.Context, bucket string, rec *objectRec, cond putConditions,
	also func(tx store.Tx, b *bucketRec) ([]string, error)) error {
	rec.Owner = caller(ctx).Account
	rec.Modified = s.now().Truncate(1e6)
	return s.publish(ctx, rec.Blob, func(tx store.Tx) ([]string, error) {
		b, err := s.bucketFor(tx, bucket)
		if err != nil {
			return nil, err
		}
		if rec.Seq, err = s.nextSeq(tx); err != nil {
			return nil, err
		}
		var garbage []string
		if also != nil {
			if garbage, err = also(tx, b); err != nil {
				return nil, err
			}
		}
		cur, err := current(tx, b, rec.Key)
		if err != nil {
			return nil, err
		}
		if err := cond.check(cur, rec.Key); err != nil {
			return nil, errConditionalConflict()
		}
		old, err := commitVersion(tx, b, rec)
		return append(garbage, old...), err
	})
}

// publish commits the transaction that makes written visible, then
// removes the files it stopped naming; if the commit fails, written goes
// instead.
func (s *Service) publish(ctx context.Context, written string, fn func(tx store.Tx) ([]string, error)) error {
	var garbage []string
	err := s.st.Update(ctx, func(tx store.Tx) error {
		var err error
		garbage, err = fn(tx)
		return err
	})
	if err != nil {
		if written != "" {
			s.removeBlobs(written)
		}
		return err
	}
	s.removeBlobs(garbage...)
	return nil
}

// payload is a streaming body and its declared length (-1 when absent).
func payload(body io.Reader, length *int64) (io.Reader, int64) {
	if body == nil {
		body = emptyBody
	}
	if length == nil {
		return body, -1
	}
	return body, *length
}

// etagMatches applies an If-Match / If-None-Match list to an ETag.
func etagMatches(header, etag string) bool {
	for _, v := range strings.Split(header, ",") {
		v = strings.TrimSpace(v)
		v = strings.TrimPrefix(v, "W/")
		if v == "*" || strings.Trim(v, `"`) == etag {
			return true
		}
	}
	return false
}
