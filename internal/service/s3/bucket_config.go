package s3

import (
	"context"
	"net/http"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/store"

	s3api "hakoniwa/internal/api/s3"
)

// Bucket sub-resources that are stored as put and answered as stored:
// each lives in bucketRec.Config under its name.
const (
	cfgCORS       = "cors"
	cfgWebsite    = "website"
	cfgEncryption = "encryption"
	cfgAccelerate = "accelerate"
	cfgPayment    = "requestPayment"
)

// readConfig decodes a bucket's named configuration; missing builds the
// error for a bucket without one (nil: the zero value is answered).
func readConfig[T any](ctx context.Context, s *Service, bucket, expected *string, name string, missing func(string) error) (T, error) {
	var v T
	err := s.viewOwnBucket(ctx, bucket, expected, func(_ store.Tx, b *bucketRec) error {
		ok, err := b.config(name, &v)
		if err == nil && !ok && missing != nil {
			return missing(b.Name)
		}
		return err
	})
	return v, err
}

// writeConfig stores (v non-nil) or removes a bucket's named configuration.
func (s *Service) writeConfig(ctx context.Context, bucket, expected *string, name string, v any) error {
	return s.updateOwnBucket(ctx, bucket, expected, func(_ store.Tx, b *bucketRec) error {
		return b.setConfig(name, v)
	})
}

func notFound(code, msg string) func(string) error {
	return func(bucket string) error {
		return awserr.New(http.StatusNotFound, code, "%s", msg).With("BucketName", bucket)
	}
}

var (
	errNoSuchCORS    = notFound("NoSuchCORSConfiguration", "The CORS configuration does not exist")
	errNoSuchWebsite = notFound("NoSuchWebsiteConfiguration", "The specified bucket does not have a website configuration")
	errNoOwnership   = notFound("OwnershipControlsNotFoundError", "The bucket ownership controls were not found")
)

// PutBucketCors replaces the bucket's CORS rules.
func (s *Service) PutBucketCors(ctx context.Context, in *s3api.PutBucketCorsInput) (*s3api.PutBucketCorsOutput, error) {
	if in.CORSConfiguration == nil {
		return nil, errMalformedXML()
	}
	if err := validateCORS(in.CORSConfiguration.CORSRules); err != nil {
		return nil, err
	}
	return &s3api.PutBucketCorsOutput{}, s.writeConfig(ctx, in.Bucket, in.ExpectedBucketOwner, cfgCORS, in.CORSConfiguration.CORSRules)
}

// GetBucketCors answers the rules as put.
func (s *Service) GetBucketCors(ctx context.Context, in *s3api.GetBucketCorsInput) (*s3api.GetBucketCorsOutput, error) {
	rules, err := readConfig[[]s3api.CORSRule](ctx, s, in.Bucket, in.ExpectedBucketOwner, cfgCORS, errNoSuchCORS)
	if err != nil {
		return nil, err
	}
	return &s3api.GetBucketCorsOutput{CORSRules: rules}, nil
}

// DeleteBucketCors removes the rules; removing none is not an error.
func (s *Service) DeleteBucketCors(ctx context.Context, in *s3api.DeleteBucketCorsInput) (*s3api.DeleteBucketCorsOutput, error) {
	return &s3api.DeleteBucketCorsOutput{}, s.writeConfig(ctx, in.Bucket, in.ExpectedBucketOwner, cfgCORS, nil)
}

// PutBucketWebsite stores the website configuration.
func (s *Service) PutBucketWebsite(ctx context.Context, in *s3api.PutBucketWebsiteInput) (*s3api.PutBucketWebsiteOutput, error) {
	if err := validateWebsite(in.WebsiteConfiguration); err != nil {
		return nil, err
	}
	return &s3api.PutBucketWebsiteOutput{}, s.writeConfig(ctx, in.Bucket, in.ExpectedBucketOwner, cfgWebsite, in.WebsiteConfiguration)
}

// GetBucketWebsite answers the website configuration as put.
func (s *Service) GetBucketWebsite(ctx context.Context, in *s3api.GetBucketWebsiteInput) (*s3api.GetBucketWebsiteOutput, error) {
	c, err := readConfig[s3api.WebsiteConfiguration](ctx, s, in.Bucket, in.ExpectedBucketOwner, cfgWebsite, errNoSuchWebsite)
	if err != nil {
		return nil, err
	}
	return &s3api.GetBucketWebsiteOutput{RedirectAllRequestsTo: c.RedirectAllRequestsTo, IndexDocument: c.IndexDocument,
		ErrorDocument: c.ErrorDocument, RoutingRules: c.RoutingRules}, nil
}

// DeleteBucketWebsite turns website hosting off.
func (s *Service) DeleteBucketWebsite(ctx context.Context, in *s3api.DeleteBucketWebsiteInput) (*s3api.DeleteBucketWebsiteOutput, error) {
	return &s3api.DeleteBucketWebsiteOutput{}, s.writeConfig(ctx, in.Bucket, in.ExpectedBucketOwner, cfgWebsite, nil)
}

// PutBucketOwnershipControls sets the bucket's object ownership.
func (s *Service) PutBucketOwnershipControls(ctx context.Context, in *s3api.PutBucketOwnershipControlsInput) (*s3api.PutBucketOwnershipControlsOutput, error) {
	c := in.OwnershipControls
	if c == nil || len(c.Rules) != 1 {
		return nil, errMalformedXML()
	}
	own := deref(c.Rules[0].ObjectOwnership)
	switch own {
	case "BucketOwnerEnforced", "BucketOwnerPreferred", "ObjectWriter":
	default:
		return nil, errMalformedXML()
	}
	err := s.updateOwnBucket(ctx, in.Bucket, in.ExpectedBucketOwner, func(_ store.Tx, b *bucketRec) error {
		b.ObjectOwnership = own
		return nil
	})
	return &s3api.PutBucketOwnershipControlsOutput{}, err
}

// GetBucketOwnershipControls answers the bucket's object ownership
// (BucketOwnerEnforced unless changed since creation).
func (s *Service) GetBucketOwnershipControls(ctx context.Context, in *s3api.GetBucketOwnershipControlsInput) (*s3api.GetBucketOwnershipControlsOutput, error) {
	var out *s3api.GetBucketOwnershipControlsOutput
	err := s.viewOwnBucket(ctx, in.Bucket, in.ExpectedBucketOwner, func(_ store.Tx, b *bucketRec) error {
		if b.ObjectOwnership == "" {
			return errNoOwnership(b.Name)
		}
		out = &s3api.GetBucketOwnershipControlsOutput{OwnershipControls: &s3api.OwnershipControls{
			Rules: []s3api.OwnershipControlsRule{{ObjectOwnership: ptr(b.ObjectOwnership)}}}}
		return nil
	})
	return out, err
}

// DeleteBucketOwnershipControls removes the setting; ACLs then decide
// object ownership as before ownership controls existed.
func (s *Service) DeleteBucketOwnershipControls(ctx context.Context, in *s3api.DeleteBucketOwnershipControlsInput) (*s3api.DeleteBucketOwnershipControlsOutput, error) {
	err := s.updateOwnBucket(ctx, in.Bucket, in.ExpectedBucketOwner, func(_ store.Tx, b *bucketRec) error {
		b.ObjectOwnership = ""
		return nil
	})
	return &s3api.DeleteBucketOwnershipControlsOutput{}, err
}

// PutBucketEncryption sets the default encryption of new objects.
func (s *Service) PutBucketEncryption(ctx context.Context, in *s3api.PutBucketEncryptionInput) (*s3api.PutBucketEncryptionOutput, error) {
	c := in.ServerSideEncryptionConfiguration
	if c == nil || len(c.Rules) != 1 || c.Rules[0].ApplyServerSideEncryptionByDefault == nil {
		return nil, errMalformedXML()
	}
	d := c.Rules[0].ApplyServerSideEncryptionByDefault
	switch alg := deref(d.SSEAlgorithm); alg {
	case "AES256":
		if deref(d.KMSMasterKeyID) != "" {
			return nil, errInvalidArgument("a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse", "", "")
		}
	case "aws:kms", "aws:kms:dsse":
	default:
		return nil, errMalformedXML()
	}
	return &s3api.PutBucketEncryptionOutput{}, s.writeConfig(ctx, in.Bucket, in.ExpectedBucketOwner, cfgEncryption, c.Rules[0])
}

// GetBucketEncryption answers the default encryption: SSE-S3 for every
// bucket that has not set another, as S3 does since January 2023.
func (s *Service) GetBucketEncryption(ctx context.Context, in *s3api.GetBucketEncryptionInput) (*s3api.GetBucketEncryptionOutput, error) {
	var rule s3api.ServerSideEncryptionRule
	err := s.viewOwnBucket(ctx, in.Bucket, in.ExpectedBucketOwner, func(_ store.Tx, b *bucketRec) error {
		var err error
		rule, err = encryptionRule(b)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &s3api.GetBucketEncryptionOutput{ServerSideEncryptionConfiguration: &s3api.ServerSideEncryptionConfiguration{
		Rules: []s3api.ServerSideEncryptionRule{rule}}}, nil
}

// DeleteBucketEncryption returns the bucket to SSE-S3.
func (s *Service) DeleteBucketEncryption(ctx context.Context, in *s3api.DeleteBucketEncryptionInput) (*s3api.DeleteBucketEncryptionOutput, error) {
	return &s3api.DeleteBucketEncryptionOutput{}, s.writeConfig(ctx, in.Bucket, in.ExpectedBucketOwner, cfgEncryption, nil)
}

func encryptionRule(b *bucketRec) (s3api.ServerSideEncryptionRule, error) {
	var rule s3api.ServerSideEncryptionRule
	ok, err := b.config(cfgEncryption, &rule)
	if err != nil || ok {
		return rule, err
	}
	return s3api.ServerSideEncryptionRule{
		ApplyServerSideEncryptionByDefault: &s3api.ServerSideEncryptionByDefault{SSEAlgorithm: ptr("AES256")},
		BucketKeyEnabled:                   ptr(false),
	}, nil
}

// defaultEncryption is the encryption a new object of the bucket gets when
// its PUT asks for none: what x-amz-server-side-encryption (and
// -aws-kms-key-id, -bucket-key-enabled) echo.
func defaultEncryption(b *bucketRec) (algorithm, kmsKeyID string, bucketKey bool) {
	rule, err := encryptionRule(b)
	if err != nil || rule.ApplyServerSideEncryptionByDefault == nil {
		return "AES256", "", false
	}
	d := rule.ApplyServerSideEncryptionByDefault
	return deref(d.SSEAlgorithm), deref(d.KMSMasterKeyID), isTrue(rule.BucketKeyEnabled)
}

// PutBucketAccelerateConfiguration stores Transfer Acceleration's status;
// names with dots cannot use it.
func (s *Service) PutBucketAccelerateConfiguration(ctx context.Context, in *s3api.PutBucketAccelerateConfigurationInput) (*s3api.PutBucketAccelerateConfigurationOutput, error) {
	c := in.AccelerateConfiguration
	if c == nil {
		return nil, errMalformedXML()
	}
	st := deref(c.Status)
	if st != "Enabled" && st != "Suspended" {
		return nil, errMalformedXML()
	}
	for _, ch := range deref(in.Bucket) {
		if ch == '.' {
			return nil, errInvalidRequest("S3 Transfer Acceleration is not supported for buckets with periods (.) in their names")
		}
	}
	return &s3api.PutBucketAccelerateConfigurationOutput{}, s.writeConfig(ctx, in.Bucket, in.ExpectedBucketOwner, cfgAccelerate, st)
}

// GetBucketAccelerateConfiguration answers the status; a bucket that never
// set one answers without a Status.
func (s *Service) GetBucketAccelerateConfiguration(ctx context.Context, in *s3api.GetBucketAccelerateConfigurationInput) (*s3api.GetBucketAccelerateConfigurationOutput, error) {
	st, err := readConfig[string](ctx, s, in.Bucket, in.ExpectedBucketOwner, cfgAccelerate, nil)
	if err != nil {
		return nil, err
	}
	out := &s3api.GetBucketAccelerateConfigurationOutput{}
	if st != "" {
		out.Status = ptr(st)
	}
	return out, nil
}

// PutBucketRequestPayment sets who pays for requests.
func (s *Service) PutBucketRequestPayment(ctx context.Context, in *s3api.PutBucketRequestPaymentInput) (*s3api.PutBucketRequestPaymentOutput, error) {
	c := in.RequestPaymentConfiguration
	if c == nil || (deref(c.Payer) != "Requester" && deref(c.Payer) != "BucketOwner") {
		return nil, errMalformedXML()
	}
	return &s3api.PutBucketRequestPaymentOutput{}, s.writeConfig(ctx, in.Bucket, in.ExpectedBucketOwner, cfgPayment, deref(c.Payer))
}

// GetBucketRequestPayment answers the payer, BucketOwner by default.
func (s *Service) GetBucketRequestPayment(ctx context.Context, in *s3api.GetBucketRequestPaymentInput) (*s3api.GetBucketRequestPaymentOutput, error) {
	payer, err := readConfig[string](ctx, s, in.Bucket, in.ExpectedBucketOwner, cfgPayment, nil)
	if err != nil {
		return nil, err
	}
	if payer == "" {
		payer = "BucketOwner"
	}
	return &s3api.GetBucketRequestPaymentOutput{Payer: ptr(payer)}, nil
}
