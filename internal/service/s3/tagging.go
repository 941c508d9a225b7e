package s3

import (
	"context"
	"strings"
	"unicode/utf8"

	"hakoniwa/internal/store"

	s3api "hakoniwa/internal/api/s3"
)

// checkTags applies S3's object tag rules.
func checkTags(tags []tag) error {
	if len(tags) > maxObjectTags {
		return errInvalidTag("Object tags cannot be greater than 10")
	}
	return checkTagSet(tags)
}

// checkTagSet applies the rules object and bucket tags share.
func checkTagSet(tags []tag) error {
	seen := map[string]bool{}
	for _, t := range tags {
		switch {
		case seen[t.Key]:
			return errInvalidTag("Cannot provide multiple Tags with the same key")
		case t.Key == "" || utf8.RuneCountInString(t.Key) > 128:
			return errInvalidTag("The TagKey you have provided is invalid")
		case utf8.RuneCountInString(t.Value) > 256:
			return errInvalidTag("The TagValue you have provided is invalid")
		case strings.HasPrefix(strings.ToLower(t.Key), "aws:"):
			return errInvalidTag("Your TagKey cannot be prefixed with aws:")
		}
		seen[t.Key] = true
	}
	return nil
}

// tagsOf converts a request's tag set.
func tagsOf(set []s3api.Tag) []tag {
	var tags []tag
	for _, t := range set {
		tags = append(tags, tag{Key: deref(t.Key), Value: deref(t.Value)})
	}
	return tags
}

func apiTags(tags []tag) []s3api.Tag {
	out := make([]s3api.Tag, 0, len(tags))
	for _, t := range tags {
		out = append(out, s3api.Tag{Key: ptr(t.Key), Value: ptr(t.Value)})
	}
	return out
}

// updateObject changes one version's record in place (tags), in both the
// version history and, when it is current, the current view.
func (s *Service) updateObject(ctx context.Context, bucket, key, versionID, method string, fn func(r *objectRec) error) (*objectRec, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	var rec *objectRec
	err := s.st.Update(ctx, func(tx store.Tx) error {
		b, err := s.bucketFor(tx, bucket)
		if err != nil {
			return err
		}
		if rec, err = lookup(tx, b, key, versionID, method); err != nil {
			return err
		}
		if err := fn(rec); err != nil {
			return err
		}
		if b.Versioning != "" {
			if err := store.PutJSON(tx, versions(b), versionKey(key, rec.Seq), rec); err != nil {
				return err
			}
		}
		cur, err := current(tx, b, key)
		if err != nil || cur == nil || cur.Seq != rec.Seq {
			return err
		}
		return store.PutJSON(tx, objects(b), key, rec)
	})
	return rec, err
}

func (s *Service) PutObjectTagging(ctx context.Context, in *s3api.PutObjectTaggingInput) (*s3api.PutObjectTaggingOutput, error) {
	var tags []tag
	if in.Tagging != nil {
		tags = tagsOf(in.Tagging.TagSet)
	}
	if err := checkTags(tags); err != nil {
		return nil, err
	}
	rec, err := s.updateObject(ctx, deref(in.Bucket), deref(in.Key), deref(in.VersionId), "PUT", func(r *objectRec) error {
		r.Tags = tags
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &s3api.PutObjectTaggingOutput{VersionId: rec.versionOut()}, nil
}

func (s *Service) DeleteObjectTagging(ctx context.Context, in *s3api.DeleteObjectTaggingInput) (*s3api.DeleteObjectTaggingOutput, error) {
	rec, err := s.updateObject(ctx, deref(in.Bucket), deref(in.Key), deref(in.VersionId), "DELETE", func(r *objectRec) error {
		r.Tags = nil
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &s3api.DeleteObjectTaggingOutput{VersionId: rec.versionOut()}, nil
}

func (s *Service) GetObjectTagging(ctx context.Context, in *s3api.GetObjectTaggingInput) (*s3api.GetObjectTaggingOutput, error) {
	key := deref(in.Key)
	if err := checkKey(key); err != nil {
		return nil, err
	}
	var out *s3api.GetObjectTaggingOutput
	err := s.viewBucket(ctx, deref(in.Bucket), func(tx store.Tx, b *bucketRec) error {
		r, err := lookup(tx, b, key, deref(in.VersionId), "GET")
		if err != nil {
			return err
		}
		out = &s3api.GetObjectTaggingOutput{VersionId: r.versionOut(), TagSet: apiTags(r.Tags)}
		return nil
	})
	return out, err
}
