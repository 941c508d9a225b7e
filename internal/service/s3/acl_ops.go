package s3

import (
	"context"
	"errors"

	"hakoniwa/internal/store"

	s3api "hakoniwa/internal/api/s3"
)

// objectACLs holds object ACLs apart from the object records, keyed by
// version (versionKey(key, seq)): a new version never inherits an old
// one's ACL. An ACL outliving its deleted version is never read again.
func objectACLs(b *bucketRec) store.Bucket { return b.kind("objacl") }

// GetBucketAcl answers the bucket's grants (its owner's full control
// unless put otherwise).
func (s *Service) GetBucketAcl(ctx context.Context, in *s3api.GetBucketAclInput) (*s3api.GetBucketAclOutput, error) {
	var out *s3api.GetBucketAclOutput
	err := s.viewOwnBucket(ctx, in.Bucket, in.ExpectedBucketOwner, func(_ store.Tx, b *bucketRec) error {
		grants, err := bucketACL(b)
		out = &s3api.GetBucketAclOutput{Owner: ownerOf(b.Owner), Grants: apiGrants(grants)}
		return err
	})
	return out, err
}

func bucketACL(b *bucketRec) ([]grantRec, error) {
	var g []grantRec
	ok, err := b.config(cfgACL, &g)
	if !ok {
		g = defaultACL(b.Owner)
	}
	return g, err
}

// PutBucketAcl replaces the bucket's grants.
func (s *Service) PutBucketAcl(ctx context.Context, in *s3api.PutBucketAclInput) (*s3api.PutBucketAclOutput, error) {
	req := aclInput{canned: deref(in.ACL), body: in.AccessControlPolicy,
		headers: [5]*string{in.GrantFullControl, in.GrantRead, in.GrantReadACP, in.GrantWrite, in.GrantWriteACP}}
	err := s.updateOwnBucket(ctx, in.Bucket, in.ExpectedBucketOwner, func(tx store.Tx, b *bucketRec) error {
		grants, err := admitACL(tx, b, req, b.Owner)
		if err != nil {
			return err
		}
		return b.setConfig(cfgACL, grants)
	})
	return &s3api.PutBucketAclOutput{}, err
}

// GetObjectAcl answers a version's grants.
func (s *Service) GetObjectAcl(ctx context.Context, in *s3api.GetObjectAclInput) (*s3api.GetObjectAclOutput, error) {
	key := deref(in.Key)
	if err := checkKey(key); err != nil {
		return nil, err
	}
	var out *s3api.GetObjectAclOutput
	err := s.viewOwnBucket(ctx, in.Bucket, in.ExpectedBucketOwner, func(tx store.Tx, b *bucketRec) error {
		r, err := lookup(tx, b, key, deref(in.VersionId), "GET")
		if err != nil {
			return err
		}
		grants, err := objectACL(tx, b, r)
		out = &s3api.GetObjectAclOutput{Owner: ownerOf(objectOwner(b, r)), Grants: apiGrants(grants)}
		return err
	})
	return out, err
}

// objectOwner is who owns an object: under BucketOwnerEnforced (and
// BucketOwnerPreferred, as far as hakoniwa tracks writers) the bucket
// owner, otherwise its writer.
func objectOwner(b *bucketRec, r *objectRec) string {
	if b.ObjectOwnership == "ObjectWriter" && r.Owner != "" {
		return r.Owner
	}
	return b.Owner
}

func objectACL(tx store.Tx, b *bucketRec, r *objectRec) ([]grantRec, error) {
	g, err := store.GetJSON[[]grantRec](tx, objectACLs(b), versionKey(r.Key, r.Seq))
	if errors.Is(err, store.ErrNotFound) {
		return defaultACL(objectOwner(b, r)), nil
	}
	return g, err
}

// PutObjectAcl replaces a version's grants.
func (s *Service) PutObjectAcl(ctx context.Context, in *s3api.PutObjectAclInput) (*s3api.PutObjectAclOutput, error) {
	key := deref(in.Key)
	if err := checkKey(key); err != nil {
		return nil, err
	}
	req := aclInput{canned: deref(in.ACL), body: in.AccessControlPolicy,
		headers: [5]*string{in.GrantFullControl, in.GrantRead, in.GrantReadACP, in.GrantWrite, in.GrantWriteACP}}
	err := s.inOwnBucket(ctx, in.Bucket, in.ExpectedBucketOwner, func(tx store.Tx, b *bucketRec) error {
		r, err := lookup(tx, b, key, deref(in.VersionId), "PUT")
		if err != nil {
			return err
		}
		grants, err := admitACL(tx, b, req, objectOwner(b, r))
		if err != nil {
			return err
		}
		return store.PutJSON(tx, objectACLs(b), versionKey(r.Key, r.Seq), grants)
	})
	return &s3api.PutObjectAclOutput{}, err
}

// inOwnBucket runs fn in a writing transaction that leaves the bucket's
// own record as it is.
func (s *Service) inOwnBucket(ctx context.Context, name, expected *string, fn func(tx store.Tx, b *bucketRec) error) error {
	return s.st.Update(ctx, func(tx store.Tx) error {
		b, err := s.bucketFor(tx, deref(name))
		if err != nil {
			return err
		}
		if err := checkExpectedOwner(expected, b); err != nil {
			return err
		}
		return fn(tx, b)
	})
}

// admitACL reads a request's grants for a resource of owner and applies
// the bucket's ownership and Block Public Access to them.
func admitACL(tx store.Tx, b *bucketRec, req aclInput, owner string) ([]grantRec, error) {
	grants, err := req.grants(owner, b.Owner)
	if err != nil {
		return nil, err
	}
	pab, err := effectivePAB(tx, b)
	if err != nil {
		return nil, err
	}
	return grants, checkACL(grants, b, pab)
}
