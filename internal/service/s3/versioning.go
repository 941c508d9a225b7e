package s3

import (
	"context"
	"net/http"
	"strings"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/store"

	s3api "hakoniwa/internal/api/s3"
)

// PutBucketVersioning turns versioning on or suspends it. The first time,
// every object becomes its key's "null" version in the history, which
// from then on holds every version (see objectRec).
func (s *Service) PutBucketVersioning(ctx context.Context, in *s3api.PutBucketVersioningInput) (*s3api.PutBucketVersioningOutput, error) {
	cfg := in.VersioningConfiguration
	if cfg == nil {
		return nil, errMalformedXML()
	}
	status := deref(cfg.Status)
	if status != "Enabled" && status != "Suspended" {
		return nil, errMalformedXML()
	}
	if err := checkMFADelete(deref(cfg.MFADelete), deref(in.MFA)); err != nil {
		return nil, err
	}
	err := s.updateBucket(ctx, deref(in.Bucket), func(tx store.Tx, b *bucketRec) error {
		if err := checkExpectedOwner(in.ExpectedBucketOwner, b); err != nil {
			return err
		}
		if b.ObjectLock && status != "Enabled" {
			return awserr.New(http.StatusConflict, "InvalidBucketState",
				"An Object Lock configuration is present on this bucket, so the versioning state cannot be changed.")
		}
		if b.Versioning == "" {
			if err := historyFromCurrent(tx, b); err != nil {
				return err
			}
		}
		b.Versioning = status
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &s3api.PutBucketVersioningOutput{}, nil
}

// checkMFADelete: changing MFA delete needs the x-amz-mfa header, and
// turning it on needs a device check hakoniwa does not make.
func checkMFADelete(mfaDelete, mfa string) error {
	switch mfaDelete {
	case "":
		return nil
	case "Enabled", "Disabled":
	default:
		return errMalformedXML()
	}
	if mfa == "" {
		return awserr.New(http.StatusForbidden, "AccessDenied", "Mfa Authentication must be used for this request")
	}
	if mfaDelete == "Enabled" {
		return awserr.New(http.StatusNotImplemented, "NotImplemented", "A header you provided implies functionality that is not implemented").
			With("Header", "x-amz-mfa")
	}
	return nil
}

// historyFromCurrent copies every object into the version history as its
// "null" version.
func historyFromCurrent(tx store.Tx, b *bucketRec) error {
	var recs []objectRec
	if err := store.ScanJSON(tx, objects(b), "", "", func(_ string, r objectRec) bool {
		recs = append(recs, r)
		return true
	}); err != nil {
		return err
	}
	for i := range recs {
		r := &recs[i]
		r.VersionID = "null"
		if err := store.PutJSON(tx, versions(b), versionKey(r.Key, r.Seq), r); err != nil {
			return err
		}
		if err := store.PutJSON(tx, objects(b), r.Key, r); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) GetBucketVersioning(ctx context.Context, in *s3api.GetBucketVersioningInput) (*s3api.GetBucketVersioningOutput, error) {
	out := &s3api.GetBucketVersioningOutput{}
	err := s.viewBucket(ctx, deref(in.Bucket), func(_ store.Tx, b *bucketRec) error {
		if err := checkExpectedOwner(in.ExpectedBucketOwner, b); err != nil {
			return err
		}
		if b.Versioning != "" {
			out.Status = ptr(b.Versioning)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// versionsStart is where a ListObjectVersions page starts in versions(b).
func versionsStart(tx store.Tx, b *bucketRec, keyMarker, vidMarker, delimiter, prefix string) (string, error) {
	if vidMarker != "" && keyMarker == "" {
		return "", errInvalidArgument("A version-id marker cannot be specified without a key marker.", "version-id-marker", vidMarker)
	}
	if keyMarker == "" {
		return "", nil
	}
	if delimiter != "" && strings.HasSuffix(keyMarker, delimiter) && strings.HasPrefix(keyMarker, prefix) && vidMarker == "" {
		return prefixEnd(keyMarker), nil
	}
	if vidMarker == "" {
		return keyMarker + "\x01", nil // past every version of keyMarker
	}
	r, err := version(tx, b, keyMarker, vidMarker)
	if err != nil {
		return "", err
	}
	if r == nil {
		return "", errInvalidArgument("Invalid version id specified", "version-id-marker", vidMarker)
	}
	return versionKey(r.Key, r.Seq) + "\x00", nil
}

// ListObjectVersions lists every version and delete marker, newest first
// within a key.
func (s *Service) ListObjectVersions(ctx context.Context, in *s3api.ListObjectVersionsInput) (*s3api.ListObjectVersionsOutput, error) {
	spec, enc, err := newListSpec(in.MaxKeys, in.EncodingType, in.Prefix, in.Delimiter, keyOfVersion)
	if err != nil {
		return nil, err
	}
	max := spec.max
	km, vm := deref(in.KeyMarker), deref(in.VersionIdMarker)
	var page *listPage[objectRec]
	err = s.viewBucket(ctx, deref(in.Bucket), func(tx store.Tx, b *bucketRec) error {
		if err := checkExpectedOwner(in.ExpectedBucketOwner, b); err != nil {
			return err
		}
		kind := versions(b)
		if b.Versioning == "" {
			// Never versioned: the current objects are all there is,
			// each its key's null version.
			kind, spec.keyOf = objects(b), identity
			if vm != "" && vm != "null" {
				return errInvalidArgument("Invalid version id specified", "version-id-marker", vm)
			}
			if km != "" {
				spec.start = km + "\x00"
			}
		} else if spec.start, err = versionsStart(tx, b, km, vm, spec.delimiter, spec.prefix); err != nil {
			return err
		}
		page, err = walk[objectRec](tx, kind, spec)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := &s3api.ListObjectVersionsOutput{Name: in.Bucket, Prefix: enc.s(spec.prefix), Delimiter: enc.opt(in.Delimiter), MaxKeys: ptr(int64(max)),
		EncodingType: in.EncodingType, IsTruncated: ptr(page.truncated), KeyMarker: enc.s(km), VersionIdMarker: ptr(vm),
		CommonPrefixes: enc.prefixes(page.prefixes)}
	prev := ""
	if vm != "" {
		prev = km // the page continues inside km's history: none of it is latest
	}
	for i := range page.recs {
		r := &page.recs[i]
		latest := r.Key != prev
		prev = r.Key
		vid := r.VersionID
		if vid == "" {
			vid = "null"
		}
		if r.DeleteMarker {
			out.DeleteMarkers = append(out.DeleteMarkers, s3api.DeleteMarkerEntry{Key: enc.s(r.Key), VersionId: ptr(vid),
				IsLatest: ptr(latest), LastModified: ptr(r.Modified), Owner: ownerOf(r.Owner)})
			continue
		}
		v := s3api.ObjectVersion{Key: enc.s(r.Key), VersionId: ptr(vid), IsLatest: ptr(latest), LastModified: ptr(r.Modified),
			ETag: ptr(r.quotedETag()), Size: ptr(r.Size), StorageClass: ptr(r.StorageClass), Owner: ownerOf(r.Owner)}
		if r.Checksum != nil {
			v.ChecksumAlgorithm, v.ChecksumType = []string{r.Checksum.Alg}, ptr(r.Checksum.Type)
		}
		out.Versions = append(out.Versions, v)
	}
	if page.truncated {
		out.NextKeyMarker = enc.s(page.lastKey)
		if r := page.lastRec; r != nil {
			vid := r.VersionID
			if vid == "" {
				vid = "null"
			}
			out.NextVersionIdMarker = ptr(vid)
		}
	}
	return out, nil
}
