package s3

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/regions"
	"hakoniwa/internal/store"

	s3api "hakoniwa/internal/api/s3"
)

// bucketRec is a bucket, stored once in the global namespace so a name is
// taken across accounts. Sub-resource configurations (policy, CORS,
// website, lifecycle, public access block, …) live in Config under their
// own names, so they go when the bucket goes and a new bucket of the same
// name starts bare.
type bucketRec struct {
	Name    string    `json:"name"`
	Owner   string    `json:"owner"` // account id
	Region  string    `json:"region"`
	Created time.Time `json:"created"`
	// Location is the LocationConstraint as created ("" for us-east-1,
	// "EU" for the legacy alias), which GetBucketLocation echoes.
	Location string `json:"location,omitempty"`
	// Versioning is "", Enabled or Suspended; once set it never returns
	// to "".
	Versioning      string `json:"versioning,omitempty"`
	ObjectLock      bool   `json:"objectLock,omitempty"`
	ObjectOwnership string `json:"objectOwnership,omitempty"`
	Tags            []tag  `json:"tags,omitempty"`

	Config map[string]json.RawMessage `json:"config,omitempty"`
}

type tag struct {
	Key   string `json:"k"`
	Value string `json:"v"`
}

// config decodes the named sub-resource configuration into v and reports
// whether the bucket has one.
func (b *bucketRec) config(name string, v any) (bool, error) {
	raw, ok := b.Config[name]
	if !ok {
		return false, nil
	}
	return true, json.Unmarshal(raw, v)
}

// setConfig stores v as the named configuration; nil removes it.
func (b *bucketRec) setConfig(name string, v any) error {
	if v == nil {
		delete(b.Config, name)
		return nil
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if b.Config == nil {
		b.Config = map[string]json.RawMessage{}
	}
	b.Config[name] = raw
	return nil
}

// bucketFor reads a bucket by name. Whether the caller may use it is the
// gateway's decision (owner, bucket policy, ACLs), not this lookup's.
func (s *Service) bucketFor(tx store.Tx, name string) (*bucketRec, error) {
	if name == "" {
		return nil, errNoSuchBucket(name)
	}
	b, err := store.GetJSON[bucketRec](tx, registry(), name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNoSuchBucket(name)
	}
	if err != nil {
		return nil, err
	}
	return &b, nil
}

// putBucket stores a changed bucket record.
func putBucket(tx store.Tx, b *bucketRec) error {
	return store.PutJSON(tx, registry(), b.Name, b)
}

// updateBucket runs fn on the named bucket in a transaction and stores
// what fn left in the record.
func (s *Service) updateBucket(ctx context.Context, name string, fn func(tx store.Tx, b *bucketRec) error) error {
	return s.st.Update(ctx, func(tx store.Tx) error {
		b, err := s.bucketFor(tx, name)
		if err != nil {
			return err
		}
		if err := fn(tx, b); err != nil {
			return err
		}
		return putBucket(tx, b)
	})
}

// viewBucket runs fn on the named bucket in a read-only transaction.
func (s *Service) viewBucket(ctx context.Context, name string, fn func(tx store.Tx, b *bucketRec) error) error {
	return s.st.View(ctx, func(tx store.Tx) error {
		b, err := s.bucketFor(tx, name)
		if err != nil {
			return err
		}
		return fn(tx, b)
	})
}

// Per-bucket kinds of the owner's store, one bucket each, so a listing
// walks one bucket's keys only.
func objects(b *bucketRec) store.Bucket  { return b.kind("object") }
func versions(b *bucketRec) store.Bucket { return b.kind("version") }
func uploads(b *bucketRec) store.Bucket  { return b.kind("upload") }
func parts(b *bucketRec) store.Bucket    { return b.kind("part") }

func (b *bucketRec) kind(k string) store.Bucket {
	return store.Bucket{Account: b.Owner, Region: b.Region, Service: "s3", Kind: k + "/" + b.Name}
}

// validBucketName applies AWS's rules for general purpose bucket names.
func validBucketName(name string) bool {
	if len(name) < 3 || len(name) > 63 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	if !isAlnum(name[0]) || !isAlnum(name[len(name)-1]) || strings.Contains(name, "..") || looksLikeIPv4(name) {
		return false
	}
	for _, p := range []string{"xn--", "sthree-", "amzn-s3-demo-"} {
		if strings.HasPrefix(name, p) {
			return false
		}
	}
	for _, sfx := range []string{"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"} {
		if strings.HasSuffix(name, sfx) {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool { return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' }

func looksLikeIPv4(name string) bool {
	parts := strings.Split(name, ".")
	if len(parts) != 4 {
		return false
	}
	for _, p := range parts {
		if p == "" || len(p) > 3 {
			return false
		}
		for i := 0; i < len(p); i++ {
			if p[i] < '0' || p[i] > '9' {
				return false
			}
		}
	}
	return true
}

// bucketRegion resolves where CreateBucket puts a bucket. The us-east-1
// endpoint is S3's global one and creates in any Region a constraint
// names; every other Regional endpoint creates only in its own Region,
// and must be told so.
func bucketRegion(endpoint, constraint string) (string, error) {
	region := constraint
	if constraint == "EU" {
		region = "eu-west-1"
	}
	if constraint != "" {
		if _, ok := regions.Lookup(region); !ok || constraint == "us-east-1" {
			return "", errInvalidLocationConstraint()
		}
	}
	switch {
	case endpoint == "us-east-1" && constraint == "":
		return "us-east-1", nil
	case endpoint == "us-east-1":
		return region, nil
	case constraint == "":
		return "", errIllegalLocationConstraint("unspecified")
	case region != endpoint:
		return "", errIllegalLocationConstraint(constraint)
	}
	return region, nil
}

// CreateBucket creates a bucket in the caller's account. Repeating it in
// us-east-1 for a bucket one already owns there succeeds, as S3's legacy
// behaviour in that Region does; elsewhere it is BucketAlreadyOwnedByYou.
func (s *Service) CreateBucket(ctx context.Context, in *s3api.CreateBucketInput) (*s3api.CreateBucketOutput, error) {
	name := deref(in.Bucket)
	if !validBucketName(name) {
		return nil, errInvalidBucketName(name)
	}
	var constraint string
	var tags []tag
	if c := in.CreateBucketConfiguration; c != nil {
		constraint = deref(c.LocationConstraint)
		tags = tagsOf(c.Tags)
	}
	if err := checkBucketTags(tags); err != nil {
		return nil, err
	}
	endpoint := requestRegion(ctx)
	region, err := bucketRegion(endpoint, constraint)
	if err != nil {
		return nil, err
	}
	ownership := deref(in.ObjectOwnership)
	if ownership == "" {
		ownership = "BucketOwnerEnforced"
	}
	account := caller(ctx).Account
	rec := &bucketRec{Name: name, Owner: account, Region: region, Created: s.now().Truncate(time.Second),
		Location: constraint, ObjectOwnership: ownership, ObjectLock: isTrue(in.ObjectLockEnabledForBucket), Tags: tags}
	if rec.ObjectLock {
		rec.Versioning = "Enabled" // Object Lock requires, and turns on, versioning
	}
	if err := rec.setConfig(cfgPublicAccessBlock, newBucketPAB); err != nil {
		return nil, err
	}
	if err := creationACL(rec, in); err != nil {
		return nil, err
	}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		old, err := s.bucketFor(tx, name)
		if err == nil {
			if old.Owner != account {
				return errBucketAlreadyExists(name)
			}
			if endpoint == "us-east-1" && old.Region == "us-east-1" {
				return nil
			}
			return errBucketAlreadyOwnedByYou(name)
		}
		if awserr.As(err).Code != "NoSuchBucket" {
			return err
		}
		n, err := tx.Count(owned(account), "")
		if err != nil {
			return err
		}
		if n >= s.maxBuckets {
			return errTooManyBuckets()
		}
		if err := putBucket(tx, rec); err != nil {
			return err
		}
		return tx.Put(owned(account), name, nil)
	})
	if err != nil {
		return nil, err
	}
	out := &s3api.CreateBucketOutput{Location: ptr("/" + name), BucketArn: ptr(bucketARN(name))}
	if region != "us-east-1" {
		out.Location = ptr("http://" + name + ".s3.amazonaws.com/")
	}
	return out, nil
}

// newBucketPAB is what S3 gives every new bucket since April 2023: all
// four Block Public Access settings on, which only a later
// PutPublicAccessBlock or DeletePublicAccessBlock relaxes.
var newBucketPAB = publicAccessBlock{BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true}

// creationACL admits the ACL a CreateBucket asks for and stores it. No
// public one passes: the new bucket blocks public ACLs from its first
// moment, so a public bucket is made in steps (create, relax Block Public
// Access, then put the ACL).
func creationACL(b *bucketRec, in *s3api.CreateBucketInput) error {
	req := aclInput{canned: deref(in.ACL),
		headers: [5]*string{in.GrantFullControl, in.GrantRead, in.GrantReadACP, in.GrantWrite, in.GrantWriteACP}}
	if req.canned == "" && req.headers == [5]*string{} {
		return nil
	}
	grants, err := req.grants(b.Owner, b.Owner)
	if err != nil {
		return err
	}
	switch {
	case b.ObjectOwnership == "BucketOwnerEnforced" && !onlyOwnerFull(grants, b.Owner):
		return errACLWithOwnership()
	case anyPublic(grants):
		return errACLWithBlockPublicAccess()
	}
	return b.setConfig(cfgACL, grants)
}

// HeadBucket answers whether the bucket exists, with its Region.
func (s *Service) HeadBucket(ctx context.Context, in *s3api.HeadBucketInput) (*s3api.HeadBucketOutput, error) {
	var out *s3api.HeadBucketOutput
	err := s.viewBucket(ctx, deref(in.Bucket), func(_ store.Tx, b *bucketRec) error {
		if err := checkExpectedOwner(in.ExpectedBucketOwner, b); err != nil {
			return err
		}
		out = &s3api.HeadBucketOutput{BucketRegion: ptr(b.Region), BucketArn: ptr(bucketARN(b.Name)), AccessPointAlias: ptr(false)}
		return nil
	})
	return out, err
}

// GetBucketLocation answers the constraint the bucket was created with:
// empty for us-east-1, "EU" for buckets made with that legacy alias.
func (s *Service) GetBucketLocation(ctx context.Context, in *s3api.GetBucketLocationInput) (*s3api.GetBucketLocationOutput, error) {
	var out *s3api.GetBucketLocationOutput
	err := s.viewBucket(ctx, deref(in.Bucket), func(_ store.Tx, b *bucketRec) error {
		if err := checkExpectedOwner(in.ExpectedBucketOwner, b); err != nil {
			return err
		}
		loc := b.Location
		if loc == "" && b.Region != "us-east-1" {
			loc = b.Region
		}
		out = &s3api.GetBucketLocationOutput{LocationConstraint: ptr(loc)}
		return nil
	})
	return out, err
}

// checkExpectedOwner applies x-amz-expected-bucket-owner: a mismatch is
// an AccessDenied, as S3 answers it.
func checkExpectedOwner(expected *string, b *bucketRec) error {
	if e := deref(expected); e != "" && e != b.Owner {
		return awserr.New(http.StatusForbidden, "AccessDenied", "Access Denied")
	}
	return nil
}

// ListBuckets lists the caller's buckets in name order. The continuation
// token is the last name of the previous page, opaque to clients.
func (s *Service) ListBuckets(ctx context.Context, in *s3api.ListBucketsInput) (*s3api.ListBucketsOutput, error) {
	limit := maxBuckets
	if in.MaxBuckets != nil {
		if *in.MaxBuckets < 1 || *in.MaxBuckets > maxBuckets {
			return nil, errInvalidArgument("Argument max-buckets must be an integer between 1 and 10000", "max-buckets", "")
		}
		limit = int(*in.MaxBuckets)
	}
	prefix, region := deref(in.Prefix), deref(in.BucketRegion)
	start := ""
	if tok := deref(in.ContinuationToken); tok != "" {
		raw, err := base64.RawURLEncoding.DecodeString(tok)
		if err != nil || !strings.HasPrefix(string(raw), prefix) {
			return nil, errInvalidArgument("The continuation token provided is incorrect", "continuation-token", tok)
		}
		start = string(raw) + "\x00"
	}
	account := caller(ctx).Account
	out := &s3api.ListBucketsOutput{Owner: ownerOf(account), Buckets: []s3api.Bucket{}}
	if in.Prefix != nil {
		out.Prefix = in.Prefix
	}
	err := s.st.View(ctx, func(tx store.Tx) error {
		var names []string
		var scanErr error
		err := tx.Scan(owned(account), prefix, start, func(name string, _ []byte) bool {
			b, err := s.bucketFor(tx, name)
			if err != nil {
				scanErr = err
				return false
			}
			if region != "" && b.Region != region {
				return true
			}
			if len(out.Buckets) == limit {
				out.ContinuationToken = ptr(base64.RawURLEncoding.EncodeToString([]byte(names[len(names)-1])))
				return false
			}
			names = append(names, name)
			out.Buckets = append(out.Buckets, s3api.Bucket{Name: ptr(b.Name), CreationDate: ptr(b.Created),
				BucketRegion: ptr(b.Region), BucketArn: ptr(bucketARN(b.Name))})
			return true
		})
		if err != nil {
			return err
		}
		return scanErr
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteBucket removes an empty bucket: no object, no noncurrent version,
// no delete marker. Multipart uploads in progress do not keep a bucket
// alive; they go with it, and so do their parts' files.
func (s *Service) DeleteBucket(ctx context.Context, in *s3api.DeleteBucketInput) (*s3api.DeleteBucketOutput, error) {
	name := deref(in.Bucket)
	var garbage []string
	err := s.st.Update(ctx, func(tx store.Tx) error {
		garbage = garbage[:0]
		b, err := s.bucketFor(tx, name)
		if err != nil {
			return err
		}
		if err := checkExpectedOwner(in.ExpectedBucketOwner, b); err != nil {
			return err
		}
		for _, k := range []store.Bucket{objects(b), versions(b)} {
			n, err := tx.Count(k, "")
			if err != nil {
				return err
			}
			if n > 0 {
				return errBucketNotEmpty(name)
			}
		}
		for _, k := range []store.Bucket{uploads(b), parts(b)} {
			ids, err := dropAll(tx, k)
			if err != nil {
				return err
			}
			garbage = append(garbage, ids...)
		}
		if err := tx.Delete(registry(), name); err != nil {
			return err
		}
		return tx.Delete(owned(b.Owner), name)
	})
	if err != nil {
		return nil, err
	}
	s.removeBlobs(garbage...)
	return &s3api.DeleteBucketOutput{}, nil
}

// dropAll deletes every key of k and returns the blobs its records named.
func dropAll(tx store.Tx, k store.Bucket) ([]string, error) {
	var keys, blobs []string
	err := store.ScanJSON(tx, k, "", "", func(key string, r blobRefs) bool {
		keys = append(keys, key)
		blobs = append(blobs, r.ids()...)
		return true
	})
	if err != nil {
		return nil, err
	}
	for _, key := range keys {
		if err := tx.Delete(k, key); err != nil {
			return nil, err
		}
	}
	return blobs, nil
}

// removeBlobs deletes files after the commit that stopped naming them. A
// failure only leaves garbage the next start-up sweep collects.
func (s *Service) removeBlobs(ids ...string) {
	if len(ids) == 0 {
		return
	}
	if err := s.blobs.Remove(ids...); err != nil {
		s.log.Warn("s3: removing unreferenced blobs", "err", err)
	}
}
