package s3

// Multipart uploads. Parts stream to their own files like PutObject
// bodies. CompleteMultipartUpload assembles them into one file, copying
// part after part (copy_file_range, so the kernel moves the bytes), and
// then removes the parts. One file per object keeps every read path
// single: ranges, partNumber reads, sendfile, CopyObject's hard link; the
// cost is one copy of the data at completion, with memory bounded by one
// buffer (or none) whatever the size.

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/store"

	s3api "hakoniwa/internal/api/s3"
)

// uploadRec is a multipart upload in progress: the object-to-be's
// attributes, and the checksum its parts carry.
type uploadRec struct {
	Object    objectRec `json:"obj"`
	UploadID  string    `json:"uid"`
	Initiated time.Time `json:"init"`
	// ChecksumAlg and ChecksumType are what CreateMultipartUpload asked.
	ChecksumAlg  string `json:"alg,omitempty"`
	ChecksumType string `json:"ctype,omitempty"`
}

// partRec is one uploaded part.
type partRec struct {
	Number   int64     `json:"n"`
	Blob     string    `json:"blob"`
	Size     int64     `json:"size"`
	ETag     string    `json:"etag"`
	Modified time.Time `json:"mtime"`
	Checksum *checksum `json:"sum,omitempty"`
}

// uploadKey orders uploads by key, then by initiation.
func uploadKey(key string, seq uint64) string { return key + "\x00" + fmt.Sprintf("%016x", seq) }

func partKey(uk string, n int64) string { return uk + "\x00" + fmt.Sprintf("%05d", n) }

func partsPrefix(uk string) string { return uk + "\x00" }

func uploadIDFor(key string, seq uint64) string {
	sum := md5.Sum([]byte("upload\x00" + key + "\x00" + strconv.FormatUint(seq, 10)))
	return fmt.Sprintf("%016x", seq) + hex.EncodeToString(sum[:])
}

// uploadFor finds an upload by key and id.
func uploadFor(tx store.Tx, b *bucketRec, key, id string) (*uploadRec, string, error) {
	if len(id) != 48 {
		return nil, "", errNoSuchUpload(id)
	}
	seq, err := strconv.ParseUint(id[:16], 16, 64)
	if err != nil || uploadIDFor(key, seq) != id {
		return nil, "", errNoSuchUpload(id)
	}
	uk := uploadKey(key, seq)
	u, err := store.GetJSON[uploadRec](tx, uploads(b), uk)
	if errors.Is(err, store.ErrNotFound) {
		return nil, "", errNoSuchUpload(id)
	}
	if err != nil {
		return nil, "", err
	}
	return &u, uk, nil
}

// CreateMultipartUpload starts an upload with the object's attributes.
func (s *Service) CreateMultipartUpload(ctx context.Context, in *s3api.CreateMultipartUploadInput) (*s3api.CreateMultipartUploadOutput, error) {
	key := deref(in.Key)
	if err := checkKey(key); err != nil {
		return nil, err
	}
	rec := objectRec{Key: key, Owner: caller(ctx).Account}
	attrs := objectAttrs{contentType: deref(in.ContentType), cacheControl: deref(in.CacheControl),
		contentDisposition: deref(in.ContentDisposition), contentEncoding: deref(in.ContentEncoding),
		contentLanguage: deref(in.ContentLanguage), expires: deref(in.Expires), websiteRedirect: deref(in.WebsiteRedirectLocation),
		storageClass: deref(in.StorageClass), sse: deref(in.ServerSideEncryption), kmsKey: deref(in.SSEKMSKeyId),
		tagging: deref(in.Tagging), meta: in.Metadata}
	if err := attrs.apply(&rec); err != nil {
		return nil, err
	}
	alg, ctype, err := uploadChecksum(strings.ToUpper(deref(in.ChecksumAlgorithm)), strings.ToUpper(deref(in.ChecksumType)))
	if err != nil {
		return nil, err
	}
	var u *uploadRec
	err = s.st.Update(ctx, func(tx store.Tx) error {
		b, err := s.bucketFor(tx, deref(in.Bucket))
		if err != nil {
			return err
		}
		if err := checkExpectedOwner(in.ExpectedBucketOwner, b); err != nil {
			return err
		}
		seq, err := s.nextSeq(tx)
		if err != nil {
			return err
		}
		rec.Seq = seq
		u = &uploadRec{Object: rec, UploadID: uploadIDFor(key, seq), Initiated: s.now().Truncate(1e6), ChecksumAlg: alg, ChecksumType: ctype}
		return store.PutJSON(tx, uploads(b), uploadKey(key, seq), u)
	})
	if err != nil {
		return nil, err
	}
	out := &s3api.CreateMultipartUploadOutput{Bucket: in.Bucket, Key: in.Key, UploadId: ptr(u.UploadID), ServerSideEncryption: ptr(rec.SSE)}
	if alg != "" {
		out.ChecksumAlgorithm, out.ChecksumType = ptr(alg), ptr(ctype)
	}
	return out, nil
}

// uploadChecksum checks a requested algorithm and type: CRC64NVME only
// combines as a full-object checksum, SHA only as a composite one.
func uploadChecksum(alg, ctype string) (string, string, error) {
	if alg == "" {
		if ctype != "" {
			return "", "", errInvalidRequest("The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.")
		}
		return "", "", nil
	}
	if newHash(alg) == nil {
		return "", "", errInvalidRequest("Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]")
	}
	if ctype == "" {
		ctype = "COMPOSITE"
		if alg == algCRC64NVME {
			ctype = "FULL_OBJECT"
		}
	}
	switch {
	case ctype != "COMPOSITE" && ctype != "FULL_OBJECT":
		return "", "", errInvalidRequest("Value for x-amz-checksum-type header is invalid.")
	case ctype == "COMPOSITE" && alg == algCRC64NVME, ctype == "FULL_OBJECT" && (alg == algSHA1 || alg == algSHA256):
		return "", "", errInvalidRequest(fmt.Sprintf("The %s checksum type cannot be used with the %s checksum algorithm.", strings.ToLower(ctype), strings.ToLower(alg)))
	}
	return alg, ctype, nil
}

func checkPartNumber(n *int64) error {
	if n == nil || *n < 1 || *n > maxPartNumber {
		v := ""
		if n != nil {
			v = strconv.FormatInt(*n, 10)
		}
		return errInvalidArgument("Part number must be an integer between 1 and 10000, inclusive", "partNumber", v)
	}
	return nil
}

// viewUpload checks that an upload exists before a part streams.
func (s *Service) viewUpload(ctx context.Context, bucket, key, id string) (*uploadRec, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	var u *uploadRec
	err := s.viewBucket(ctx, bucket, func(tx store.Tx, b *bucketRec) error {
		var err error
		u, _, err = uploadFor(tx, b, key, id)
		return err
	})
	return u, err
}

// commitPart stores a part whose file is written, replacing an earlier
// upload of the same number.
func (s *Service) commitPart(ctx context.Context, bucket, key, id string, p *partRec) error {
	p.Modified = s.now().Truncate(1e6)
	return s.publish(ctx, p.Blob, func(tx store.Tx) ([]string, error) {
		b, err := s.bucketFor(tx, bucket)
		if err != nil {
			return nil, err
		}
		_, uk, err := uploadFor(tx, b, key, id)
		if err != nil {
			return nil, err
		}
		pk := partKey(uk, p.Number)
		var garbage []string
		if old, err := store.GetJSON[partRec](tx, parts(b), pk); err == nil {
			garbage = []string{old.Blob}
		} else if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		return garbage, store.PutJSON(tx, parts(b), pk, p)
	})
}

// UploadPart streams one part to its own file.
func (s *Service) UploadPart(ctx context.Context, in *s3api.UploadPartInput) (*s3api.UploadPartOutput, error) {
	if err := checkPartNumber(in.PartNumber); err != nil {
		return nil, err
	}
	bucket, key, id := deref(in.Bucket), deref(in.Key), deref(in.UploadId)
	u, err := s.viewUpload(ctx, bucket, key, id)
	if err != nil {
		return nil, err
	}
	body, size := payload(in.Body, in.ContentLength)
	given := checksumFields{&in.ChecksumCRC32, &in.ChecksumCRC32C, &in.ChecksumCRC64NVME, &in.ChecksumSHA1, &in.ChecksumSHA256}.given()
	sdkAlg := strings.ToUpper(deref(in.ChecksumAlgorithm))
	if sdkAlg == "" && len(given) == 0 {
		sdkAlg = u.ChecksumAlg
	}
	if u.ChecksumAlg != "" && sdkAlg != "" && sdkAlg != u.ChecksumAlg {
		return nil, errInvalidRequest(fmt.Sprintf("Checksum Type mismatch occurred, expected checksum Type: %s, actual checksum Type: %s", strings.ToLower(u.ChecksumAlg), strings.ToLower(sdkAlg)))
	}
	got, err := s.receive(body, bodySpec{size: size, max: maxPutSize, contentMD5: deref(in.ContentMD5), sdkAlg: sdkAlg, given: given})
	if err != nil {
		return nil, err
	}
	p := &partRec{Number: *in.PartNumber, Blob: got.blob, Size: got.size, ETag: got.etag}
	if u.ChecksumAlg != "" && got.checksum.Alg == u.ChecksumAlg {
		p.Checksum = got.checksum
	}
	if err := s.commitPart(ctx, bucket, key, id, p); err != nil {
		return nil, err
	}
	out := &s3api.UploadPartOutput{ETag: ptr(`"` + p.ETag + `"`), ServerSideEncryption: ptr(u.Object.SSE)}
	checksumFields{&out.ChecksumCRC32, &out.ChecksumCRC32C, &out.ChecksumCRC64NVME, &out.ChecksumSHA1, &out.ChecksumSHA256}.set(p.Checksum)
	return out, nil
}

// UploadPartCopy makes a part from a range of an existing object.
func (s *Service) UploadPartCopy(ctx context.Context, in *s3api.UploadPartCopyInput) (*s3api.UploadPartCopyOutput, error) {
	if err := checkPartNumber(in.PartNumber); err != nil {
		return nil, err
	}
	cs, err := parseCopySource(deref(in.CopySource))
	if err != nil {
		return nil, err
	}
	bucket, key, id := deref(in.Bucket), deref(in.Key), deref(in.UploadId)
	u, err := s.viewUpload(ctx, bucket, key, id)
	if err != nil {
		return nil, err
	}
	src, srcVersioned, err := s.readSource(ctx, cs)
	if err != nil {
		return nil, err
	}
	cond := readConditions{ifMatch: deref(in.CopySourceIfMatch), ifNoneMatch: deref(in.CopySourceIfNoneMatch),
		ifModifiedSince: in.CopySourceIfModifiedSince, ifUnmodifiedSin: in.CopySourceIfUnmodifiedSince}
	if err := checkCopyConditions(cond, src); err != nil {
		return nil, err
	}
	br, err := copyRange(deref(in.CopySourceRange), src.Size)
	if err != nil {
		return nil, err
	}
	p, err := s.copyPart(src, br, u.ChecksumAlg)
	if err != nil {
		return nil, err
	}
	p.Number = *in.PartNumber
	if err := s.commitPart(ctx, bucket, key, id, p); err != nil {
		return nil, err
	}
	res := &s3api.CopyPartResult{ETag: ptr(`"` + p.ETag + `"`), LastModified: ptr(p.Modified)}
	checksumFields{&res.ChecksumCRC32, &res.ChecksumCRC32C, &res.ChecksumCRC64NVME, &res.ChecksumSHA1, &res.ChecksumSHA256}.set(p.Checksum)
	out := &s3api.UploadPartCopyOutput{CopyPartResult: res, ServerSideEncryption: ptr(u.Object.SSE)}
	if srcVersioned {
		out.CopySourceVersionId = ptr(src.VersionID)
	}
	return out, nil
}

// copyRange parses x-amz-copy-source-range, which, unlike Range, must be
// one explicit bytes=first-last inside the object.
func copyRange(h string, size int64) (byteRange, error) {
	if h == "" {
		return byteRange{length: size, size: size}, nil
	}
	bad := errInvalidArgument("The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy",
		"x-amz-copy-source-range", h)
	spec, ok := strings.CutPrefix(h, "bytes=")
	first, last, ok2 := strings.Cut(spec, "-")
	a, err1 := strconv.ParseInt(first, 10, 64)
	b, err2 := strconv.ParseInt(last, 10, 64)
	if !ok || !ok2 || err1 != nil || err2 != nil || a < 0 || b < a {
		return byteRange{}, bad
	}
	if b >= size {
		return byteRange{}, awserr.New(http.StatusBadRequest, "InvalidRange", "The requested range is not satisfiable").
			With("RangeRequested", h).With("ActualObjectSize", strconv.FormatInt(size, 10))
	}
	return byteRange{start: a, length: b - a + 1, partial: true, size: size}, nil
}

// copyPart writes a range of src to a new part file through MD5 and the
// upload's checksum.
func (s *Service) copyPart(src *objectRec, br byteRange, alg string) (*partRec, error) {
	f, err := s.blobs.Open(src.Blob)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	w, err := s.blobs.Create()
	if err != nil {
		return nil, err
	}
	defer w.Abort()
	sum := md5.New()
	ws := []io.Writer{w, sum}
	var h hash.Hash
	if alg != "" {
		h = newHash(alg)
		ws = append(ws, h)
	}
	if _, err := copyBuffered(io.MultiWriter(ws...), io.NewSectionReader(f, br.start, br.length)); err != nil {
		return nil, err
	}
	id, err := w.Commit()
	if err != nil {
		return nil, err
	}
	p := &partRec{Blob: id, Size: br.length, ETag: md5Hex(sum.Sum(nil))}
	if h != nil {
		p.Checksum = &checksum{Alg: alg, Value: base64.StdEncoding.EncodeToString(h.Sum(nil)), Type: "FULL_OBJECT"}
	}
	return p, nil
}

// AbortMultipartUpload drops an upload and its parts' files.
func (s *Service) AbortMultipartUpload(ctx context.Context, in *s3api.AbortMultipartUploadInput) (*s3api.AbortMultipartUploadOutput, error) {
	key, id := deref(in.Key), deref(in.UploadId)
	if err := checkKey(key); err != nil {
		return nil, err
	}
	var garbage []string
	err := s.st.Update(ctx, func(tx store.Tx) error {
		b, err := s.bucketFor(tx, deref(in.Bucket))
		if err != nil {
			return err
		}
		u, uk, err := uploadFor(tx, b, key, id)
		if err != nil {
			return err
		}
		if t := in.IfMatchInitiatedTime; t != nil && !t.Equal(u.Initiated.Truncate(time.Second)) {
			return errPrecondition("x-amz-if-match-initiated-time")
		}
		garbage, err = dropUpload(tx, b, uk)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.removeBlobs(garbage...)
	return &s3api.AbortMultipartUploadOutput{}, nil
}

// dropUpload deletes an upload's record and parts, returning their files.
func dropUpload(tx store.Tx, b *bucketRec, uk string) ([]string, error) {
	var keys, garbage []string
	if err := store.ScanJSON(tx, parts(b), partsPrefix(uk), "", func(k string, p partRec) bool {
		keys = append(keys, k)
		garbage = append(garbage, p.Blob)
		return true
	}); err != nil {
		return nil, err
	}
	for _, k := range keys {
		if err := tx.Delete(parts(b), k); err != nil {
			return nil, err
		}
	}
	return garbage, tx.Delete(uploads(b), uk)
}
