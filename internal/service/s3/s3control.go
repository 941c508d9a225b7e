package s3

import (
	"context"
	"net/http"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/store"

	ctlapi "hakoniwa/internal/api/s3control"
)

// Control is S3 Control: the account-level settings S3 enforces on every
// bucket of an account. It shares S3's records (accountSettings) and needs
// nothing else of the S3 service, so either may be enabled alone.
type Control struct {
	ctlapi.Unimplemented
	st store.Store
}

// NewControl builds S3 Control over the store S3 uses.
func NewControl(st store.Store) *Control { return &Control{st: st} }

// ownAccount checks x-amz-account-id: S3 Control answers only about the
// caller's own account, whatever its policies allow.
func ownAccount(ctx context.Context, id *string) error {
	if deref(id) != caller(ctx).Account {
		return awserr.New(http.StatusForbidden, "AccessDenied", "Access Denied")
	}
	return nil
}

func errNoSuchAccountPublicAccessBlock() error {
	return awserr.New(http.StatusNotFound, "NoSuchPublicAccessBlockConfiguration",
		"The public access block configuration was not found")
}

// GetPublicAccessBlock answers the account's Block Public Access settings.
func (c *Control) GetPublicAccessBlock(ctx context.Context, in *ctlapi.GetPublicAccessBlockInput) (*ctlapi.GetPublicAccessBlockOutput, error) {
	if err := ownAccount(ctx, in.AccountId); err != nil {
		return nil, err
	}
	var p publicAccessBlock
	var found bool
	err := c.st.View(ctx, func(tx store.Tx) (err error) {
		p, found, err = accountPAB(tx, *in.AccountId)
		return err
	})
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, errNoSuchAccountPublicAccessBlock()
	}
	return &ctlapi.GetPublicAccessBlockOutput{PublicAccessBlockConfiguration: &ctlapi.PublicAccessBlockConfiguration{
		BlockPublicAcls: ptr(p.BlockPublicAcls), IgnorePublicAcls: ptr(p.IgnorePublicAcls),
		BlockPublicPolicy: ptr(p.BlockPublicPolicy), RestrictPublicBuckets: ptr(p.RestrictPublicBuckets),
	}}, nil
}

// PutPublicAccessBlock replaces the account's settings; unset members are
// false, as S3 Control stores them.
func (c *Control) PutPublicAccessBlock(ctx context.Context, in *ctlapi.PutPublicAccessBlockInput) (*ctlapi.PutPublicAccessBlockOutput, error) {
	if err := ownAccount(ctx, in.AccountId); err != nil {
		return nil, err
	}
	cfg := in.PublicAccessBlockConfiguration
	if cfg == nil {
		return nil, errMalformedXML()
	}
	p := publicAccessBlock{BlockPublicAcls: isTrue(cfg.BlockPublicAcls), IgnorePublicAcls: isTrue(cfg.IgnorePublicAcls),
		BlockPublicPolicy: isTrue(cfg.BlockPublicPolicy), RestrictPublicBuckets: isTrue(cfg.RestrictPublicBuckets)}
	err := c.st.Update(ctx, func(tx store.Tx) error {
		return store.PutJSON(tx, accountSettings(*in.AccountId), accountPABKey, p)
	})
	return &ctlapi.PutPublicAccessBlockOutput{}, err
}

// DeletePublicAccessBlock removes the account's settings; removing none
// is not an error.
func (c *Control) DeletePublicAccessBlock(ctx context.Context, in *ctlapi.DeletePublicAccessBlockInput) (*ctlapi.DeletePublicAccessBlockOutput, error) {
	if err := ownAccount(ctx, in.AccountId); err != nil {
		return nil, err
	}
	err := c.st.Update(ctx, func(tx store.Tx) error {
		return tx.Delete(accountSettings(*in.AccountId), accountPABKey)
	})
	return &ctlapi.DeletePublicAccessBlockOutput{}, err
}
