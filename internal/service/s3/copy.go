package s3

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/url"
	"strings"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/store"

	s3api "hakoniwa/internal/api/s3"
)

// copySource is a parsed x-amz-copy-source: bucket/key[?versionId=v],
// URL-encoded, with or without a leading slash.
type copySource struct{ bucket, key, versionID string }

func parseCopySource(h string) (copySource, error) {
	bad := errInvalidArgument("Copy Source must mention the source bucket and key: sourcebucket/sourcekey", "x-amz-copy-source", h)
	path, query, _ := strings.Cut(h, "?")
	var cs copySource
	if query != "" {
		q, err := url.ParseQuery(query)
		if err != nil {
			return cs, bad
		}
		cs.versionID = q.Get("versionId")
		if q.Has("versionId") && cs.versionID == "" {
			return cs, errInvalidArgument("Version id cannot be the empty string", "versionId", "")
		}
	}
	path, err := url.PathUnescape(strings.TrimPrefix(path, "/"))
	if err != nil {
		return cs, bad
	}
	var ok bool
	cs.bucket, cs.key, ok = strings.Cut(path, "/")
	if !ok || cs.bucket == "" || cs.key == "" {
		return cs, bad
	}
	return cs, nil
}

// copyConditions turns a failed "not modified" into what a copy answers:
// every failed copy precondition is a 412.
func copyConditions(in *s3api.CopyObjectInput) readConditions {
	return readConditions{ifMatch: deref(in.CopySourceIfMatch), ifNoneMatch: deref(in.CopySourceIfNoneMatch),
		ifModifiedSince: in.CopySourceIfModifiedSince, ifUnmodifiedSin: in.CopySourceIfUnmodifiedSince}
}

func checkCopyConditions(c readConditions, r *objectRec) error {
	err := c.check(r)
	if e := awserr.As(err); e != nil && e.Status == http.StatusNotModified {
		return errPrecondition("x-amz-copy-source-If-None-Match")
	}
	return err
}

// readSource finds a copy's source object.
func (s *Service) readSource(ctx context.Context, cs copySource) (*objectRec, bool, error) {
	var rec *objectRec
	var versioned bool
	err := s.viewBucket(ctx, cs.bucket, func(tx store.Tx, b *bucketRec) error {
		versioned = b.Versioning != ""
		var err error
		rec, err = lookup(tx, b, cs.key, cs.versionID, http.MethodGet)
		if e := awserr.As(err); e != nil && e.Code == "MethodNotAllowed" {
			return errInvalidRequest("The source of a copy request may not specifically refer to a delete marker by version id.")
		}
		return err
	})
	return rec, versioned, err
}

// CopyObject copies an object within or across buckets (and accounts,
// when the gateway allowed the caller both). The new object's file is a
// link to the source's, so a copy of any size costs no bytes.
func (s *Service) CopyObject(ctx context.Context, in *s3api.CopyObjectInput) (*s3api.CopyObjectOutput, error) {
	cs, err := parseCopySource(deref(in.CopySource))
	if err != nil {
		return nil, err
	}
	bucket, key := deref(in.Bucket), deref(in.Key)
	if err := checkKey(key); err != nil {
		return nil, err
	}
	metaDirective, tagDirective := deref(in.MetadataDirective), deref(in.TaggingDirective)
	if metaDirective != "" && metaDirective != "COPY" && metaDirective != "REPLACE" {
		return nil, errInvalidArgument("Unknown metadata directive.", "x-amz-metadata-directive", metaDirective)
	}
	if tagDirective != "" && tagDirective != "COPY" && tagDirective != "REPLACE" {
		return nil, errInvalidArgument("Unknown tagging directive.", "x-amz-tagging-directive", tagDirective)
	}
	src, srcVersioned, err := s.readSource(ctx, cs)
	if err != nil {
		return nil, err
	}
	if err := checkCopyConditions(copyConditions(in), src); err != nil {
		return nil, err
	}
	if src.Size > maxPutSize {
		return nil, errInvalidRequest("The specified copy source is larger than the maximum allowable size for a copy source: 5368709120")
	}
	rec, err := copiedRecord(src, in, metaDirective == "REPLACE", tagDirective == "REPLACE")
	if err != nil {
		return nil, err
	}
	if cs.bucket == bucket && cs.key == key && (cs.versionID == "" || cs.versionID == src.VersionID) && metaDirective != "REPLACE" &&
		in.StorageClass == nil && in.ServerSideEncryption == nil && in.WebsiteRedirectLocation == nil && in.ChecksumAlgorithm == nil {
		return nil, errInvalidRequest("This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.")
	}
	cond := putConditions{ifMatch: deref(in.IfMatch), ifNoneMatch: deref(in.IfNoneMatch)}
	if err := cond.valid(); err != nil {
		return nil, err
	}
	if rec.Blob, err = s.blobs.Clone(src.Blob); err != nil {
		return nil, err
	}
	if alg := strings.ToUpper(deref(in.ChecksumAlgorithm)); alg != "" && (src.Checksum == nil || src.Checksum.Alg != alg || src.Checksum.Type != "FULL_OBJECT") {
		if rec.Checksum, err = s.fileChecksum(rec.Blob, alg); err != nil {
			s.removeBlobs(rec.Blob)
			return nil, err
		}
	}
	if err := s.commitObject(ctx, bucket, rec, cond, nil); err != nil {
		return nil, err
	}
	res := &s3api.CopyObjectResult{ETag: ptr(rec.quotedETag()), LastModified: ptr(rec.Modified)}
	if rec.Checksum != nil {
		res.ChecksumType = ptr(rec.Checksum.Type)
		checksumFields{&res.ChecksumCRC32, &res.ChecksumCRC32C, &res.ChecksumCRC64NVME, &res.ChecksumSHA1, &res.ChecksumSHA256}.set(rec.Checksum)
	}
	out := &s3api.CopyObjectOutput{CopyObjectResult: res, VersionId: rec.versionOut(), ServerSideEncryption: ptr(rec.SSE)}
	if srcVersioned {
		out.CopySourceVersionId = ptr(src.VersionID)
	}
	return out, nil
}

// copiedRecord is the destination's record before its file exists.
func copiedRecord(src *objectRec, in *s3api.CopyObjectInput, replaceMeta, replaceTags bool) (*objectRec, error) {
	rec := &objectRec{Key: deref(in.Key), Size: src.Size, ETag: src.ETag, Checksum: src.Checksum}
	attrs := objectAttrs{contentType: src.ContentType, cacheControl: src.CacheControl, contentDisposition: src.ContentDisposition,
		contentEncoding: src.ContentEncoding, contentLanguage: src.ContentLanguage, expires: src.Expires, meta: src.Meta,
		storageClass: deref(in.StorageClass), sse: deref(in.ServerSideEncryption), kmsKey: deref(in.SSEKMSKeyId),
		websiteRedirect: deref(in.WebsiteRedirectLocation)}
	if replaceMeta {
		attrs.contentType, attrs.cacheControl, attrs.contentDisposition = deref(in.ContentType), deref(in.CacheControl), deref(in.ContentDisposition)
		attrs.contentEncoding, attrs.contentLanguage, attrs.expires = deref(in.ContentEncoding), deref(in.ContentLanguage), deref(in.Expires)
		attrs.meta = in.Metadata
	}
	if replaceTags {
		attrs.tagging = deref(in.Tagging)
	}
	if err := attrs.apply(rec); err != nil {
		return nil, err
	}
	if !replaceTags {
		rec.Tags = src.Tags
	}
	if len(src.Parts) > 0 && rec.Checksum != nil && rec.Checksum.Type == "COMPOSITE" {
		rec.Checksum = nil // a composite checksum describes parts the copy does not have
	}
	return rec, nil
}

// fileChecksum computes alg over a stored blob.
func (s *Service) fileChecksum(id, alg string) (*checksum, error) {
	h := newHash(alg)
	if h == nil {
		return nil, errInvalidRequest("Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]")
	}
	f, err := s.blobs.Open(id)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if _, err := io.Copy(h, f); err != nil {
		return nil, err
	}
	return &checksum{Alg: alg, Value: base64.StdEncoding.EncodeToString(h.Sum(nil)), Type: "FULL_OBJECT"}, nil
}
