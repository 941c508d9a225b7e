package s3

import (
	"context"
	"net/http"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/store"

	s3api "hakoniwa/internal/api/s3"
)

// Server access logging is stored and answered; hakoniwa writes no log
// objects yet.
const cfgLogging = "logging"

func errInvalidLoggingTarget(msg string) error {
	return awserr.New(http.StatusBadRequest, "InvalidTargetBucketForLogging", "%s", msg)
}

// PutBucketLogging enables logging to a target bucket, or disables it
// when the status is empty. The target is checked as S3 does: it exists,
// has the same owner, is in the same Region, and takes no target grants
// when it disables ACLs.
func (s *Service) PutBucketLogging(ctx context.Context, in *s3api.PutBucketLoggingInput) (*s3api.PutBucketLoggingOutput, error) {
	if in.BucketLoggingStatus == nil {
		return nil, errMalformedXML()
	}
	le := in.BucketLoggingStatus.LoggingEnabled
	err := s.updateOwnBucket(ctx, in.Bucket, in.ExpectedBucketOwner, func(tx store.Tx, b *bucketRec) error {
		if le == nil {
			return b.setConfig(cfgLogging, nil)
		}
		if err := s.checkLoggingTarget(tx, b, le); err != nil {
			return err
		}
		return b.setConfig(cfgLogging, le)
	})
	return &s3api.PutBucketLoggingOutput{}, err
}

func (s *Service) checkLoggingTarget(tx store.Tx, b *bucketRec, le *s3api.LoggingEnabled) error {
	if deref(le.TargetBucket) == "" {
		return errMalformedXML()
	}
	target := b
	if *le.TargetBucket != b.Name {
		t, err := s.bucketFor(tx, *le.TargetBucket)
		if err != nil {
			if awserr.As(err).Code == "NoSuchBucket" {
				return errInvalidLoggingTarget("The target bucket for logging does not exist")
			}
			return err
		}
		target = t
	}
	switch {
	case target.Owner != b.Owner:
		return errInvalidLoggingTarget("The owner for the bucket to be logged and the target bucket must be the same.")
	case target.Region != b.Region:
		return awserr.New(http.StatusBadRequest, "CrossLocationLoggingProhibitted", "Cross S3 location logging not allowed. ").
			With("TargetBucketLocation", target.Region)
	case len(le.TargetGrants) > 0 && target.ObjectOwnership == "BucketOwnerEnforced":
		return errInvalidLoggingTarget("The target bucket for logging does not allow ACLs.")
	}
	if f := le.TargetObjectKeyFormat; f != nil && f.SimplePrefix != nil && f.PartitionedPrefix != nil {
		return errMalformedXML()
	}
	return nil
}

// GetBucketLogging answers the logging target, or an empty status.
func (s *Service) GetBucketLogging(ctx context.Context, in *s3api.GetBucketLoggingInput) (*s3api.GetBucketLoggingOutput, error) {
	le, err := readConfig[*s3api.LoggingEnabled](ctx, s, in.Bucket, in.ExpectedBucketOwner, cfgLogging, nil)
	if err != nil {
		return nil, err
	}
	return &s3api.GetBucketLoggingOutput{LoggingEnabled: le}, nil
}
