package s3

import (
	"context"
	"net/http"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/store"

	s3api "hakoniwa/internal/api/s3"
)

// maxDeleteObjects is DeleteObjects' limit per request.
const maxDeleteObjects = 1000

// deleteResult is what deleting one key or version did.
type deleteResult struct {
	versionID    string
	deleteMarker bool
}

// deleteOne deletes key's current object (a delete marker in a versioned
// bucket) or, with versionID, that version for good.
func (s *Service) deleteOne(tx store.Tx, b *bucketRec, key, versionID string, owner string) (deleteResult, []string, error) {
	if versionID != "" {
		r, err := version(tx, b, key, versionID)
		if err != nil || r == nil {
			// Deleting what is not there succeeds, as S3's DELETE does.
			return deleteResult{versionID: versionID}, nil, err
		}
		garbage, err := dropVersion(tx, b, r)
		return deleteResult{versionID: versionID, deleteMarker: r.DeleteMarker}, garbage, err
	}
	if b.Versioning == "" {
		cur, err := current(tx, b, key)
		if err != nil || cur == nil {
			return deleteResult{}, nil, err
		}
		garbage, err := dropVersion(tx, b, cur)
		return deleteResult{}, garbage, err
	}
	seq, err := s.nextSeq(tx)
	if err != nil {
		return deleteResult{}, nil, err
	}
	marker := &objectRec{Key: key, DeleteMarker: true, Seq: seq, Modified: s.now().Truncate(1e6), Owner: owner}
	garbage, err := commitVersion(tx, b, marker)
	return deleteResult{versionID: marker.VersionID, deleteMarker: true}, garbage, err
}

// DeleteObject deletes an object or one version of it.
func (s *Service) DeleteObject(ctx context.Context, in *s3api.DeleteObjectInput) (*s3api.DeleteObjectOutput, error) {
	key := deref(in.Key)
	if err := checkKey(key); err != nil {
		return nil, err
	}
	var res deleteResult
	var garbage []string
	err := s.st.Update(ctx, func(tx store.Tx) error {
		b, err := s.bucketFor(tx, deref(in.Bucket))
		if err != nil {
			return err
		}
		if err := checkExpectedOwner(in.ExpectedBucketOwner, b); err != nil {
			return err
		}
		if err := checkDeleteConditions(tx, b, key, in); err != nil {
			return err
		}
		res, garbage, err = s.deleteOne(tx, b, key, deref(in.VersionId), caller(ctx).Account)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.removeBlobs(garbage...)
	out := &s3api.DeleteObjectOutput{}
	if res.versionID != "" {
		out.VersionId = ptr(res.versionID)
	}
	if res.deleteMarker {
		out.DeleteMarker = ptr(true)
	}
	return out, nil
}

// checkDeleteConditions applies the conditional delete headers.
func checkDeleteConditions(tx store.Tx, b *bucketRec, key string, in *s3api.DeleteObjectInput) error {
	if in.IfMatch == nil && in.IfMatchSize == nil && in.IfMatchLastModifiedTime == nil {
		return nil
	}
	cur, err := current(tx, b, key)
	if err != nil {
		return err
	}
	if cur == nil {
		return errNoSuchKey(key)
	}
	if in.IfMatch != nil && !etagMatches(*in.IfMatch, cur.ETag) ||
		in.IfMatchSize != nil && *in.IfMatchSize != cur.Size ||
		in.IfMatchLastModifiedTime != nil && !in.IfMatchLastModifiedTime.Equal(cur.Modified.Truncate(1e9)) {
		return errPrecondition("If-Match")
	}
	return nil
}

// DeleteObjects deletes up to 1000 keys in one transaction, answering
// per key; Quiet leaves successes out.
func (s *Service) DeleteObjects(ctx context.Context, in *s3api.DeleteObjectsInput) (*s3api.DeleteObjectsOutput, error) {
	if in.Delete == nil || len(in.Delete.Objects) == 0 || len(in.Delete.Objects) > maxDeleteObjects {
		return nil, errMalformedXML()
	}
	quiet := isTrue(in.Delete.Quiet)
	var out *s3api.DeleteObjectsOutput
	var garbage []string
	err := s.st.Update(ctx, func(tx store.Tx) error {
		out, garbage = &s3api.DeleteObjectsOutput{}, nil
		b, err := s.bucketFor(tx, deref(in.Bucket))
		if err != nil {
			return err
		}
		if err := checkExpectedOwner(in.ExpectedBucketOwner, b); err != nil {
			return err
		}
		for _, o := range in.Delete.Objects {
			key, vid := deref(o.Key), deref(o.VersionId)
			if err := checkKey(key); err != nil {
				out.Errors = append(out.Errors, deleteError(key, o.VersionId, err))
				continue
			}
			res, g, err := s.deleteOne(tx, b, key, vid, caller(ctx).Account)
			if err != nil {
				if awserr.As(err).Status >= http.StatusInternalServerError {
					return err
				}
				out.Errors = append(out.Errors, deleteError(key, o.VersionId, err))
				continue
			}
			garbage = append(garbage, g...)
			if !quiet {
				out.Deleted = append(out.Deleted, deleted(key, vid, res))
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.removeBlobs(garbage...)
	return out, nil
}

func deleted(key, vid string, res deleteResult) s3api.DeletedObject {
	d := s3api.DeletedObject{Key: ptr(key)}
	if vid != "" {
		d.VersionId = ptr(vid)
		if res.deleteMarker {
			d.DeleteMarker = ptr(true)
			d.DeleteMarkerVersionId = ptr(vid)
		}
	} else if res.deleteMarker {
		d.DeleteMarker = ptr(true)
		d.DeleteMarkerVersionId = ptr(res.versionID)
	}
	return d
}

func deleteError(key string, vid *string, err error) s3api.Error {
	e := awserr.As(err)
	return s3api.Error{Key: ptr(key), VersionId: vid, Code: ptr(e.Code), Message: ptr(e.Message)}
}
