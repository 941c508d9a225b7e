package s3

import (
	"context"
	"net/http"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/store"

	s3api "hakoniwa/internal/api/s3"
)

func errNoSuchBucketPolicy(bucket string) error {
	return awserr.New(http.StatusNotFound, "NoSuchBucketPolicy", "The bucket policy does not exist").With("BucketName", bucket)
}

// errPublicPolicyBlocked is S3's refusal of a public policy while
// BlockPublicPolicy is on, in its explained form.
func errPublicPolicyBlocked(ctx context.Context, bucket string) error {
	who := caller(ctx).ARN
	return awserr.New(http.StatusForbidden, "AccessDenied",
		"User: %s is not authorized to perform: s3:PutBucketPolicy on resource: \"%s\" because public policies are blocked by the BlockPublicPolicy block public access setting.",
		who, bucketARN(bucket))
}

// PutBucketPolicy validates and stores the bucket's policy. A public one
// is refused while Block Public Access blocks public policies, at the
// bucket's level or its account's.
func (s *Service) PutBucketPolicy(ctx context.Context, in *s3api.PutBucketPolicyInput) (*s3api.PutBucketPolicyOutput, error) {
	text := deref(in.Policy)
	if err := validateBucketPolicy(deref(in.Bucket), text); err != nil {
		// The bucket's existence is checked first, as S3 does.
		if verr := s.viewOwnBucket(ctx, in.Bucket, in.ExpectedBucketOwner, func(store.Tx, *bucketRec) error { return nil }); verr != nil {
			return nil, verr
		}
		return nil, err
	}
	err := s.updateOwnBucket(ctx, in.Bucket, in.ExpectedBucketOwner, func(tx store.Tx, b *bucketRec) error {
		pab, err := effectivePAB(tx, b)
		if err != nil {
			return err
		}
		if pab.BlockPublicPolicy && policyIsPublic(text) {
			return errPublicPolicyBlocked(ctx, b.Name)
		}
		return b.setConfig(cfgPolicy, text)
	})
	if err != nil {
		return nil, err
	}
	return &s3api.PutBucketPolicyOutput{}, nil
}

// GetBucketPolicy returns the policy as it was put.
func (s *Service) GetBucketPolicy(ctx context.Context, in *s3api.GetBucketPolicyInput) (*s3api.GetBucketPolicyOutput, error) {
	var out *s3api.GetBucketPolicyOutput
	err := s.viewOwnBucket(ctx, in.Bucket, in.ExpectedBucketOwner, func(_ store.Tx, b *bucketRec) error {
		text, err := bucketPolicyOf(b)
		if err == nil {
			out = &s3api.GetBucketPolicyOutput{Policy: ptr(text)}
		}
		return err
	})
	return out, err
}

// DeleteBucketPolicy removes the policy; removing none is not an error.
func (s *Service) DeleteBucketPolicy(ctx context.Context, in *s3api.DeleteBucketPolicyInput) (*s3api.DeleteBucketPolicyOutput, error) {
	err := s.updateOwnBucket(ctx, in.Bucket, in.ExpectedBucketOwner, func(_ store.Tx, b *bucketRec) error {
		return b.setConfig(cfgPolicy, nil)
	})
	if err != nil {
		return nil, err
	}
	return &s3api.DeleteBucketPolicyOutput{}, nil
}

// GetBucketPolicyStatus says whether the policy is public by S3's
// definition.
func (s *Service) GetBucketPolicyStatus(ctx context.Context, in *s3api.GetBucketPolicyStatusInput) (*s3api.GetBucketPolicyStatusOutput, error) {
	var out *s3api.GetBucketPolicyStatusOutput
	err := s.viewOwnBucket(ctx, in.Bucket, in.ExpectedBucketOwner, func(_ store.Tx, b *bucketRec) error {
		text, err := bucketPolicyOf(b)
		if err == nil {
			out = &s3api.GetBucketPolicyStatusOutput{PolicyStatus: &s3api.PolicyStatus{IsPublic: ptr(policyIsPublic(text))}}
		}
		return err
	})
	return out, err
}

func bucketPolicyOf(b *bucketRec) (string, error) {
	var text string
	ok, err := b.config(cfgPolicy, &text)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", errNoSuchBucketPolicy(b.Name)
	}
	return text, nil
}
