package s3

import (
	"context"
	"net/http"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/store"

	s3api "hakoniwa/internal/api/s3"
)

// checkBucketTags applies S3's bucket tag rules: those of object tags, with
// a larger count that S3 refuses under another code.
func checkBucketTags(tags []tag) error {
	if len(tags) > maxBucketTags {
		return awserr.New(http.StatusBadRequest, "BadRequest", "Bucket tag count cannot be greater than 50")
	}
	return checkTagSet(tags)
}

// PutBucketTagging replaces the bucket's tags; an empty set removes them.
func (s *Service) PutBucketTagging(ctx context.Context, in *s3api.PutBucketTaggingInput) (*s3api.PutBucketTaggingOutput, error) {
	if in.Tagging == nil {
		return nil, errMalformedXML()
	}
	tags := tagsOf(in.Tagging.TagSet)
	if err := checkBucketTags(tags); err != nil {
		return nil, err
	}
	err := s.updateOwnBucket(ctx, in.Bucket, in.ExpectedBucketOwner, func(_ store.Tx, b *bucketRec) error {
		b.Tags = tags
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &s3api.PutBucketTaggingOutput{}, nil
}

// GetBucketTagging answers the tags, or NoSuchTagSet for a bucket without.
func (s *Service) GetBucketTagging(ctx context.Context, in *s3api.GetBucketTaggingInput) (*s3api.GetBucketTaggingOutput, error) {
	var out *s3api.GetBucketTaggingOutput
	err := s.viewOwnBucket(ctx, in.Bucket, in.ExpectedBucketOwner, func(_ store.Tx, b *bucketRec) error {
		if len(b.Tags) == 0 {
			return errNoSuchTagSet(b.Name)
		}
		out = &s3api.GetBucketTaggingOutput{TagSet: apiTags(b.Tags)}
		return nil
	})
	return out, err
}

// DeleteBucketTagging removes every tag; a bucket without is no error.
func (s *Service) DeleteBucketTagging(ctx context.Context, in *s3api.DeleteBucketTaggingInput) (*s3api.DeleteBucketTaggingOutput, error) {
	err := s.updateOwnBucket(ctx, in.Bucket, in.ExpectedBucketOwner, func(_ store.Tx, b *bucketRec) error {
		b.Tags = nil
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &s3api.DeleteBucketTaggingOutput{}, nil
}
