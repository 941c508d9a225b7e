package s3

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"net/http"
	"strconv"
	"strings"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/store"

	s3api "hakoniwa/internal/api/s3"
)

func errInvalidPart(id string, n int64, etag string) error {
	return awserr.New(http.StatusBadRequest, "InvalidPart",
		"One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.").
		With("UploadId", id).With("PartNumber", strconv.FormatInt(n, 10)).With("ETag", etag)
}

func errInvalidPartOrder(id string) error {
	return awserr.New(http.StatusBadRequest, "InvalidPartOrder",
		"The list of parts was not in ascending order. Parts must be ordered by part number.").With("UploadId", id)
}

func errEntityTooSmall(size int64, n int64, etag string) error {
	return awserr.New(http.StatusBadRequest, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size").
		With("ProposedSize", strconv.FormatInt(size, 10)).With("MinSizeAllowed", strconv.Itoa(minPartSize)).
		With("PartNumber", strconv.FormatInt(n, 10)).With("ETag", etag)
}

// chosenParts checks the client's part list against the stored parts.
func chosenParts(tx store.Tx, b *bucketRec, u *uploadRec, uk string, list []s3api.CompletedPart) ([]partRec, error) {
	if len(list) == 0 {
		return nil, errMalformedXML()
	}
	var out []partRec
	last := int64(0)
	for _, cp := range list {
		if cp.PartNumber == nil {
			return nil, errMalformedXML()
		}
		n, etag := *cp.PartNumber, strings.Trim(deref(cp.ETag), `"`)
		if n <= last {
			return nil, errInvalidPartOrder(u.UploadID)
		}
		last = n
		p, err := store.GetJSON[partRec](tx, parts(b), partKey(uk, n))
		if err != nil || p.ETag != etag {
			return nil, errInvalidPart(u.UploadID, n, deref(cp.ETag))
		}
		given := checksumFields{&cp.ChecksumCRC32, &cp.ChecksumCRC32C, &cp.ChecksumCRC64NVME, &cp.ChecksumSHA1, &cp.ChecksumSHA256}.given()
		for alg, v := range given {
			if p.Checksum == nil || p.Checksum.Alg != alg || p.Checksum.Value != v {
				return nil, errInvalidPart(u.UploadID, n, deref(cp.ETag))
			}
		}
		out = append(out, p)
	}
	for _, p := range out[:len(out)-1] {
		if p.Size < minPartSize {
			return nil, errEntityTooSmall(p.Size, p.Number, `"`+p.ETag+`"`)
		}
	}
	return out, nil
}

// multipartETag is S3's ETag of a multipart object: the MD5 of the parts'
// MD5s, and how many there were.
func multipartETag(ps []partRec) string {
	h := md5.New()
	for _, p := range ps {
		raw, _ := hex.DecodeString(p.ETag)
		h.Write(raw)
	}
	return fmt.Sprintf("%s-%d", hex.EncodeToString(h.Sum(nil)), len(ps))
}

// compositeChecksum is the checksum of the parts' checksums, "-N".
func compositeChecksum(alg string, ps []partRec) (*checksum, error) {
	h := newHash(alg)
	for _, p := range ps {
		if p.Checksum == nil || p.Checksum.Alg != alg {
			return nil, errInvalidRequest(fmt.Sprintf("The upload was created using a %s checksum. The complete request must include the checksum for each part. It was missing for part %d in the request.", strings.ToLower(alg), p.Number))
		}
		raw, _ := base64.StdEncoding.DecodeString(p.Checksum.Value)
		h.Write(raw)
	}
	return &checksum{Alg: alg, Value: fmt.Sprintf("%s-%d", base64.StdEncoding.EncodeToString(h.Sum(nil)), len(ps)), Type: "COMPOSITE"}, nil
}

// assemble copies the parts into one new file. With no checksum to
// compute over the whole, the kernel copies (copy_file_range); otherwise
// one buffer carries the bytes through the hash.
func (s *Service) assemble(ps []partRec, h hash.Hash) (string, int64, error) {
	w, err := s.blobs.Create()
	if err != nil {
		return "", 0, err
	}
	defer w.Abort()
	var size int64
	for _, p := range ps {
		f, err := s.blobs.Open(p.Blob)
		if err != nil {
			return "", 0, err
		}
		var n int64
		if h == nil {
			n, err = io.Copy(w, f)
		} else {
			n, err = copyBuffered(io.MultiWriter(w, h), f)
		}
		f.Close()
		if err != nil {
			return "", 0, err
		}
		size += n
	}
	id, err := w.Commit()
	return id, size, err
}

// CompleteMultipartUpload makes the object from the listed parts.
func (s *Service) CompleteMultipartUpload(ctx context.Context, in *s3api.CompleteMultipartUploadInput) (*s3api.CompleteMultipartUploadOutput, error) {
	bucket, key, id := deref(in.Bucket), deref(in.Key), deref(in.UploadId)
	if err := checkKey(key); err != nil {
		return nil, err
	}
	cond := putConditions{ifMatch: deref(in.IfMatch), ifNoneMatch: deref(in.IfNoneMatch)}
	if err := cond.valid(); err != nil {
		return nil, err
	}
	var list []s3api.CompletedPart
	if in.MultipartUpload != nil {
		list = in.MultipartUpload.Parts
	}
	var u *uploadRec
	var ps []partRec
	err := s.viewBucket(ctx, bucket, func(tx store.Tx, b *bucketRec) error {
		var uk string
		var err error
		if u, uk, err = uploadFor(tx, b, key, id); err != nil {
			return err
		}
		cur, err := current(tx, b, key)
		if err != nil {
			return err
		}
		if err := cond.check(cur, key); err != nil {
			return err
		}
		ps, err = chosenParts(tx, b, u, uk, list)
		return err
	})
	if err != nil {
		return nil, err
	}
	rec := u.Object
	rec.ETag = multipartETag(ps)
	for _, p := range ps {
		info := partInfo{Size: p.Size}
		if p.Checksum != nil {
			info.Checksum = p.Checksum.Value
		}
		rec.Parts = append(rec.Parts, info)
	}
	var full hash.Hash
	if u.ChecksumType == "FULL_OBJECT" {
		full = newHash(u.ChecksumAlg)
	} else if u.ChecksumAlg != "" {
		if rec.Checksum, err = compositeChecksum(u.ChecksumAlg, ps); err != nil {
			return nil, err
		}
	}
	if rec.Blob, rec.Size, err = s.assemble(ps, full); err != nil {
		return nil, err
	}
	if full != nil {
		rec.Checksum = &checksum{Alg: u.ChecksumAlg, Value: base64.StdEncoding.EncodeToString(full.Sum(nil)), Type: "FULL_OBJECT"}
	}
	if err := checkWhole(in, &rec); err != nil {
		s.removeBlobs(rec.Blob)
		return nil, err
	}
	dropIt := func(tx store.Tx, b *bucketRec) ([]string, error) {
		_, uk, err := uploadFor(tx, b, rec.Key, id)
		if err != nil {
			return nil, err
		}
		return dropUpload(tx, b, uk)
	}
	if err := s.commitObject(ctx, bucket, &rec, cond, dropIt); err != nil {
		return nil, err
	}
	out := &s3api.CompleteMultipartUploadOutput{Bucket: in.Bucket, Key: in.Key, ETag: ptr(rec.quotedETag()), VersionId: rec.versionOut(),
		Location: ptr("/" + bucket + "/" + key), ServerSideEncryption: ptr(rec.SSE)}
	if rec.Checksum != nil {
		out.ChecksumType = ptr(rec.Checksum.Type)
		checksumFields{&out.ChecksumCRC32, &out.ChecksumCRC32C, &out.ChecksumCRC64NVME, &out.ChecksumSHA1, &out.ChecksumSHA256}.set(rec.Checksum)
	}
	return out, nil
}

// checkWhole compares what the client says of the whole object.
func checkWhole(in *s3api.CompleteMultipartUploadInput, rec *objectRec) error {
	if in.MpuObjectSize != nil && *in.MpuObjectSize != rec.Size {
		return errInvalidRequest(fmt.Sprintf("The provided 'x-amz-mp-object-size' header value %d does not match what was computed: %d", *in.MpuObjectSize, rec.Size))
	}
	for alg, v := range (checksumFields{&in.ChecksumCRC32, &in.ChecksumCRC32C, &in.ChecksumCRC64NVME, &in.ChecksumSHA1, &in.ChecksumSHA256}).given() {
		if rec.Checksum == nil || rec.Checksum.Alg != alg {
			return errInvalidRequest("The upload was created using a different checksum algorithm.")
		}
		if v != rec.Checksum.Value && v+"-"+strconv.Itoa(len(rec.Parts)) != rec.Checksum.Value && v != strings.SplitN(rec.Checksum.Value, "-", 2)[0] {
			return errChecksumMismatch(alg)
		}
	}
	return nil
}

// ListParts lists an upload's parts in number order.
func (s *Service) ListParts(ctx context.Context, in *s3api.ListPartsInput) (*s3api.ListPartsOutput, error) {
	max := 1000
	if in.MaxParts != nil {
		if *in.MaxParts < 0 {
			return nil, errInvalidArgument("Argument max-parts must be an integer between 0 and 2147483647", "max-parts", strconv.FormatInt(*in.MaxParts, 10))
		}
		max = int(min(*in.MaxParts, 1000))
	}
	marker := int64(0)
	if in.PartNumberMarker != nil {
		marker = *in.PartNumberMarker
	}
	key, id := deref(in.Key), deref(in.UploadId)
	if err := checkKey(key); err != nil {
		return nil, err
	}
	out := &s3api.ListPartsOutput{Bucket: in.Bucket, Key: in.Key, UploadId: in.UploadId, MaxParts: ptr(int64(max)),
		PartNumberMarker: ptr(marker), IsTruncated: ptr(false)}
	err := s.viewBucket(ctx, deref(in.Bucket), func(tx store.Tx, b *bucketRec) error {
		u, uk, err := uploadFor(tx, b, key, id)
		if err != nil {
			return err
		}
		out.Initiator = &s3api.Initiator{ID: ptr(canonicalID(u.Object.Owner))}
		out.Owner = ownerOf(u.Object.Owner)
		out.StorageClass = ptr(u.Object.StorageClass)
		if u.ChecksumAlg != "" {
			out.ChecksumAlgorithm, out.ChecksumType = ptr(u.ChecksumAlg), ptr(u.ChecksumType)
		}
		return store.ScanJSON(tx, parts(b), partsPrefix(uk), partKey(uk, marker+1), func(_ string, p partRec) bool {
			if len(out.Parts) == max {
				out.IsTruncated = ptr(true)
				return false
			}
			part := s3api.Part{PartNumber: ptr(p.Number), LastModified: ptr(p.Modified), ETag: ptr(`"` + p.ETag + `"`), Size: ptr(p.Size)}
			checksumFields{&part.ChecksumCRC32, &part.ChecksumCRC32C, &part.ChecksumCRC64NVME, &part.ChecksumSHA1, &part.ChecksumSHA256}.set(p.Checksum)
			out.Parts = append(out.Parts, part)
			out.NextPartNumberMarker = ptr(p.Number)
			return true
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ListMultipartUploads lists uploads in progress by key, then initiation.
func (s *Service) ListMultipartUploads(ctx context.Context, in *s3api.ListMultipartUploadsInput) (*s3api.ListMultipartUploadsOutput, error) {
	spec, enc, err := newListSpec(in.MaxUploads, in.EncodingType, in.Prefix, in.Delimiter, keyOfVersion)
	if err != nil {
		return nil, err
	}
	max := spec.max
	km, um := deref(in.KeyMarker), deref(in.UploadIdMarker)
	switch {
	case km != "" && um != "" && len(um) == 48:
		if seq, err := strconv.ParseUint(um[:16], 16, 64); err == nil {
			spec.start = uploadKey(km, seq) + "\x01"
		}
	case km != "":
		spec.start = km + "\x01"
	}
	var page *listPage[uploadRec]
	err = s.viewBucket(ctx, deref(in.Bucket), func(tx store.Tx, b *bucketRec) error {
		if err := checkExpectedOwner(in.ExpectedBucketOwner, b); err != nil {
			return err
		}
		page, err = walk[uploadRec](tx, uploads(b), spec)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := &s3api.ListMultipartUploadsOutput{Bucket: in.Bucket, Prefix: enc.s(spec.prefix), Delimiter: enc.opt(in.Delimiter),
		MaxUploads: ptr(int64(max)), EncodingType: in.EncodingType, IsTruncated: ptr(page.truncated), KeyMarker: enc.s(km),
		UploadIdMarker: ptr(um), CommonPrefixes: enc.prefixes(page.prefixes)}
	for _, u := range page.recs {
		mu := s3api.MultipartUpload{UploadId: ptr(u.UploadID), Key: enc.s(u.Object.Key), Initiated: ptr(u.Initiated),
			StorageClass: ptr(u.Object.StorageClass), Owner: ownerOf(u.Object.Owner), Initiator: &s3api.Initiator{ID: ptr(canonicalID(u.Object.Owner))}}
		if u.ChecksumAlg != "" {
			mu.ChecksumAlgorithm, mu.ChecksumType = ptr(u.ChecksumAlg), ptr(u.ChecksumType)
		}
		out.Uploads = append(out.Uploads, mu)
	}
	if page.truncated {
		out.NextKeyMarker = enc.s(page.lastKey)
		if page.lastRec != nil {
			out.NextUploadIdMarker = ptr(page.lastRec.UploadID)
		}
	}
	return out, nil
}
