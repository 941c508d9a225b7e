package s3

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"hakoniwa/internal/authz"
	"hakoniwa/internal/awserr"
	"hakoniwa/internal/store"

	s3api "hakoniwa/internal/api/s3"
)

// Names of the sub-resource configurations kept in bucketRec.Config.
const (
	cfgPolicy            = "policy"
	cfgPublicAccessBlock = "publicAccessBlock"
)

// publicAccessBlock is one level's Block Public Access settings.
type publicAccessBlock struct {
	BlockPublicAcls       bool `json:"blockAcls,omitempty"`
	IgnorePublicAcls      bool `json:"ignoreAcls,omitempty"`
	BlockPublicPolicy     bool `json:"blockPolicy,omitempty"`
	RestrictPublicBuckets bool `json:"restrict,omitempty"`
}

func (p publicAccessBlock) or(q publicAccessBlock) publicAccessBlock {
	return publicAccessBlock{
		BlockPublicAcls:       p.BlockPublicAcls || q.BlockPublicAcls,
		IgnorePublicAcls:      p.IgnorePublicAcls || q.IgnorePublicAcls,
		BlockPublicPolicy:     p.BlockPublicPolicy || q.BlockPublicPolicy,
		RestrictPublicBuckets: p.RestrictPublicBuckets || q.RestrictPublicBuckets,
	}
}

func (p publicAccessBlock) api() *s3api.PublicAccessBlockConfiguration {
	return &s3api.PublicAccessBlockConfiguration{
		BlockPublicAcls: ptr(p.BlockPublicAcls), IgnorePublicAcls: ptr(p.IgnorePublicAcls),
		BlockPublicPolicy: ptr(p.BlockPublicPolicy), RestrictPublicBuckets: ptr(p.RestrictPublicBuckets),
	}
}

func publicAccessBlockOf(c *s3api.PublicAccessBlockConfiguration) publicAccessBlock {
	if c == nil {
		return publicAccessBlock{}
	}
	return publicAccessBlock{
		BlockPublicAcls: isTrue(c.BlockPublicAcls), IgnorePublicAcls: isTrue(c.IgnorePublicAcls),
		BlockPublicPolicy: isTrue(c.BlockPublicPolicy), RestrictPublicBuckets: isTrue(c.RestrictPublicBuckets),
	}
}

// accountSettings holds account-level S3 settings (s3control's public
// access block), one record per account.
func accountSettings(account string) store.Bucket {
	return store.Bucket{Account: account, Service: "s3", Kind: "account-settings"}
}

const accountPABKey = "public-access-block"

// AccountPublicAccessBlock returns an account's Block Public Access
// settings; found is false when none were ever put.
func (s *Service) AccountPublicAccessBlock(ctx context.Context, account string) (cfg *s3api.PublicAccessBlockConfiguration, found bool, err error) {
	err = s.st.View(ctx, func(tx store.Tx) error {
		p, ok, err := accountPAB(tx, account)
		if ok {
			cfg, found = p.api(), true
		}
		return err
	})
	return cfg, found, err
}

// SetAccountPublicAccessBlock puts (cfg non-nil) or deletes an account's
// Block Public Access settings.
func (s *Service) SetAccountPublicAccessBlock(ctx context.Context, account string, cfg *s3api.PublicAccessBlockConfiguration) error {
	return s.st.Update(ctx, func(tx store.Tx) error {
		if cfg == nil {
			return tx.Delete(accountSettings(account), accountPABKey)
		}
		return store.PutJSON(tx, accountSettings(account), accountPABKey, publicAccessBlockOf(cfg))
	})
}

func accountPAB(tx store.Tx, account string) (publicAccessBlock, bool, error) {
	p, err := store.GetJSON[publicAccessBlock](tx, accountSettings(account), accountPABKey)
	if errors.Is(err, store.ErrNotFound) {
		return publicAccessBlock{}, false, nil
	}
	return p, err == nil, err
}

// effectivePAB is what S3 enforces for a bucket: the most restrictive
// combination of the bucket's and its owner account's settings.
func effectivePAB(tx store.Tx, b *bucketRec) (publicAccessBlock, error) {
	var bp publicAccessBlock
	if _, err := b.config(cfgPublicAccessBlock, &bp); err != nil {
		return bp, err
	}
	ap, _, err := accountPAB(tx, b.Owner)
	return bp.or(ap), err
}

func errNoSuchPublicAccessBlock(bucket string) error {
	return awserr.New(http.StatusNotFound, "NoSuchPublicAccessBlockConfiguration",
		"The public access block configuration was not found").With("BucketName", bucket)
}

// PutPublicAccessBlock sets the bucket's Block Public Access settings.
func (s *Service) PutPublicAccessBlock(ctx context.Context, in *s3api.PutPublicAccessBlockInput) (*s3api.PutPublicAccessBlockOutput, error) {
	if in.PublicAccessBlockConfiguration == nil {
		return nil, errMalformedXML()
	}
	cfg := publicAccessBlockOf(in.PublicAccessBlockConfiguration)
	err := s.updateOwnBucket(ctx, in.Bucket, in.ExpectedBucketOwner, func(_ store.Tx, b *bucketRec) error {
		return b.setConfig(cfgPublicAccessBlock, cfg)
	})
	return &s3api.PutPublicAccessBlockOutput{}, err
}

// GetPublicAccessBlock answers the bucket's own settings (not the
// account's), as S3 does.
func (s *Service) GetPublicAccessBlock(ctx context.Context, in *s3api.GetPublicAccessBlockInput) (*s3api.GetPublicAccessBlockOutput, error) {
	var out *s3api.GetPublicAccessBlockOutput
	err := s.viewOwnBucket(ctx, in.Bucket, in.ExpectedBucketOwner, func(_ store.Tx, b *bucketRec) error {
		var cfg publicAccessBlock
		ok, err := b.config(cfgPublicAccessBlock, &cfg)
		if err != nil {
			return err
		}
		if !ok {
			return errNoSuchPublicAccessBlock(b.Name)
		}
		out = &s3api.GetPublicAccessBlockOutput{PublicAccessBlockConfiguration: cfg.api()}
		return nil
	})
	return out, err
}

// DeletePublicAccessBlock removes the bucket's settings; deleting none is
// not an error.
func (s *Service) DeletePublicAccessBlock(ctx context.Context, in *s3api.DeletePublicAccessBlockInput) (*s3api.DeletePublicAccessBlockOutput, error) {
	err := s.updateOwnBucket(ctx, in.Bucket, in.ExpectedBucketOwner, func(_ store.Tx, b *bucketRec) error {
		return b.setConfig(cfgPublicAccessBlock, nil)
	})
	return &s3api.DeletePublicAccessBlockOutput{}, err
}

// updateOwnBucket and viewOwnBucket are updateBucket and viewBucket with
// x-amz-expected-bucket-owner applied.
func (s *Service) updateOwnBucket(ctx context.Context, name, expected *string, fn func(tx store.Tx, b *bucketRec) error) error {
	return s.updateBucket(ctx, deref(name), func(tx store.Tx, b *bucketRec) error {
		if err := checkExpectedOwner(expected, b); err != nil {
			return err
		}
		return fn(tx, b)
	})
}

func (s *Service) viewOwnBucket(ctx context.Context, name, expected *string, fn func(tx store.Tx, b *bucketRec) error) error {
	return s.viewBucket(ctx, deref(name), func(tx store.Tx, b *bucketRec) error {
		if err := checkExpectedOwner(expected, b); err != nil {
			return err
		}
		return fn(tx, b)
	})
}

// policyAdminActions are what the bucket owner's root user may always do,
// whatever the bucket policy says ("Bucket policy examples": a policy
// that denies everyone can still be replaced by the root user).
var policyAdminActions = []string{"s3:GetBucketPolicy", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy"}

// ResourcePolicy gives the authorizer the bucket policy governing a bucket
// or object ARN (arn:aws:s3:::bucket[/key]).
func (s *Service) ResourcePolicy(ctx context.Context, arn string) (authz.ResourcePolicy, bool, error) {
	rest, ok := strings.CutPrefix(arn, "arn:aws:s3:::")
	if !ok {
		return authz.ResourcePolicy{}, false, nil
	}
	name, key, _ := strings.Cut(rest, "/")
	var rp authz.ResourcePolicy
	found := false
	err := s.st.View(ctx, func(tx store.Tx) error {
		b, err := s.bucketFor(tx, name)
		if err != nil {
			if awserr.As(err).Code == "NoSuchBucket" {
				return nil
			}
			return err
		}
		found = true
		rp = authz.ResourcePolicy{Owner: b.Owner, Exempt: policyAdminActions, Plain: true}
		if _, err := b.config(cfgPolicy, &rp.Text); err != nil {
			return err
		}
		if rp.Text != "" {
			pab, err := effectivePAB(tx, b)
			if err != nil {
				return err
			}
			rp.Restricted = pab.RestrictPublicBuckets && policyIsPublic(rp.Text)
		}
		rp.Text, err = withACLStatements(tx, b, key, rp.Text)
		return err
	})
	return rp, found, err
}
