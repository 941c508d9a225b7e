package s3

import (
	"context"
	"net/http"
	"time"

	"hakoniwa/internal/awserr"

	s3api "hakoniwa/internal/api/s3"
)

const (
	cfgLifecycle      = "lifecycle"
	maxLifecycleRules = 1000
	maxRuleIDLength   = 255
)

var errNoSuchLifecycle = notFound("NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist")

// PutBucketLifecycleConfiguration replaces the bucket's lifecycle rules.
func (s *Service) PutBucketLifecycleConfiguration(ctx context.Context, in *s3api.PutBucketLifecycleConfigurationInput) (*s3api.PutBucketLifecycleConfigurationOutput, error) {
	if in.LifecycleConfiguration == nil {
		return nil, errMalformedXML()
	}
	rules := in.LifecycleConfiguration.Rules
	if err := validateLifecycle(rules); err != nil {
		return nil, err
	}
	for i := range rules {
		if deref(rules[i].ID) == "" {
			// S3 names a rule put without an id.
			rules[i].ID = ptr(s.ids.Hex(48))
		}
	}
	err := s.writeConfig(ctx, in.Bucket, in.ExpectedBucketOwner, cfgLifecycle, rules)
	return &s3api.PutBucketLifecycleConfigurationOutput{TransitionDefaultMinimumObjectSize: ptr(minSizeOr(in.TransitionDefaultMinimumObjectSize))}, err
}

func minSizeOr(v *string) string {
	if deref(v) == "" {
		return "all_storage_classes_128K"
	}
	return *v
}

// GetBucketLifecycleConfiguration answers the rules as put.
func (s *Service) GetBucketLifecycleConfiguration(ctx context.Context, in *s3api.GetBucketLifecycleConfigurationInput) (*s3api.GetBucketLifecycleConfigurationOutput, error) {
	rules, err := readConfig[[]s3api.LifecycleRule](ctx, s, in.Bucket, in.ExpectedBucketOwner, cfgLifecycle, errNoSuchLifecycle)
	if err != nil {
		return nil, err
	}
	return &s3api.GetBucketLifecycleConfigurationOutput{Rules: rules, TransitionDefaultMinimumObjectSize: ptr("all_storage_classes_128K")}, nil
}

// DeleteBucketLifecycle removes the rules; removing none is not an error.
func (s *Service) DeleteBucketLifecycle(ctx context.Context, in *s3api.DeleteBucketLifecycleInput) (*s3api.DeleteBucketLifecycleOutput, error) {
	return &s3api.DeleteBucketLifecycleOutput{}, s.writeConfig(ctx, in.Bucket, in.ExpectedBucketOwner, cfgLifecycle, nil)
}

func errLifecycleArg(msg string) error {
	return awserr.New(http.StatusBadRequest, "InvalidArgument", "%s", msg)
}

// validateLifecycle checks rules as S3 does, with its messages.
func validateLifecycle(rules []s3api.LifecycleRule) error {
	if len(rules) == 0 {
		return errMalformedXML()
	}
	if len(rules) > maxLifecycleRules {
		return errLifecycleArg("Lifecycle configuration cannot have more than 1000 rules")
	}
	seen := map[string]bool{}
	for i := range rules {
		r := &rules[i]
		id := deref(r.ID)
		if len(id) > maxRuleIDLength {
			return errLifecycleArg("ID length should not exceed allowed limit of 255")
		}
		if id != "" && seen[id] {
			return errLifecycleArg("Rule ID must be unique. Found same ID for more than one rule")
		}
		seen[id] = true
		if err := validateRule(r); err != nil {
			return err
		}
	}
	return nil
}

func validateRule(r *s3api.LifecycleRule) error {
	switch deref(r.Status) {
	case "Enabled", "Disabled":
	default:
		return errMalformedXML()
	}
	// A rule names its objects by the legacy Prefix or by a Filter, not
	// both; a Filter holds one condition or an And.
	if (r.Prefix != nil) == (r.Filter != nil) {
		return errMalformedXML()
	}
	if f := r.Filter; f != nil {
		n := 0
		for _, set := range []bool{f.Prefix != nil, f.Tag != nil, f.ObjectSizeGreaterThan != nil, f.ObjectSizeLessThan != nil, f.And != nil} {
			if set {
				n++
			}
		}
		if n > 1 {
			return errMalformedXML()
		}
	}
	if r.Expiration == nil && r.NoncurrentVersionExpiration == nil && r.AbortIncompleteMultipartUpload == nil &&
		len(r.Transitions) == 0 && len(r.NoncurrentVersionTransitions) == 0 {
		return errLifecycleArg("At least one action needs to be specified in a rule")
	}
	if e := r.Expiration; e != nil {
		if err := validateExpiration(e); err != nil {
			return err
		}
	}
	if n := r.NoncurrentVersionExpiration; n != nil && (n.NoncurrentDays == nil || *n.NoncurrentDays <= 0) {
		return errLifecycleArg("'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer")
	}
	if a := r.AbortIncompleteMultipartUpload; a != nil {
		if a.DaysAfterInitiation == nil || *a.DaysAfterInitiation <= 0 {
			return errLifecycleArg("'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive integer")
		}
		if r.Filter != nil && (r.Filter.Tag != nil || (r.Filter.And != nil && len(r.Filter.And.Tags) > 0)) {
			return errLifecycleArg("AbortIncompleteMultipartUpload cannot be specified with Tags.")
		}
	}
	return nil
}

func validateExpiration(e *s3api.LifecycleExpiration) error {
	set := 0
	for _, b := range []bool{e.Days != nil, e.Date != nil, e.ExpiredObjectDeleteMarker != nil} {
		if b {
			set++
		}
	}
	switch {
	case set != 1 && e.ExpiredObjectDeleteMarker != nil:
		return errLifecycleArg("ExpiredObjectDeleteMarker cannot be specified with Days or Date in a Lifecycle Expiration Policy.")
	case set != 1:
		return errMalformedXML()
	case e.Days != nil && *e.Days <= 0:
		return errLifecycleArg("'Days' for Expiration action must be a positive integer")
	case e.Date != nil && !e.Date.Equal(e.Date.UTC().Truncate(24*time.Hour)):
		return errLifecycleArg("'Date' must be at midnight GMT")
	}
	return nil
}
