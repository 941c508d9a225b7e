package s3

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"

	"hakoniwa/internal/store"

	s3api "hakoniwa/internal/api/s3"
)

// listSpec is one page's request, over a kind whose store keys begin with
// the object key (objects(b): the key itself; versions(b): key, NUL, seq).
type listSpec struct {
	prefix, delimiter string
	start             string // first store key to consider
	max               int
	keyOf             func(storeKey string) string
}

// listPage is one page: records and common prefixes in key order, and
// where the next page starts.
type listPage[T any] struct {
	recs      []T
	prefixes  []string
	truncated bool
	lastKey   string // the last object key or common prefix returned
	lastRec   *T
	next      string // store key the next page starts at
}

// walk reads one page in store order. A common prefix costs one seek,
// past every key it rolls up, so a page costs O(page) whatever the
// bucket holds.
func walk[T any](tx store.Tx, kind store.Bucket, spec listSpec) (*listPage[T], error) {
	page := &listPage[T]{}
	start := spec.start
	if start < spec.prefix {
		start = spec.prefix
	}
	for {
		jump := ""
		var decodeErr error
		err := tx.Scan(kind, spec.prefix, start, func(k string, raw []byte) bool {
			okey := spec.keyOf(k)
			count := len(page.recs) + len(page.prefixes)
			if spec.delimiter != "" {
				if i := strings.Index(okey[len(spec.prefix):], spec.delimiter); i >= 0 {
					cp := okey[:len(spec.prefix)+i+len(spec.delimiter)]
					if count == spec.max {
						page.truncated = true
						return false
					}
					page.prefixes = append(page.prefixes, cp)
					page.lastKey, page.lastRec = cp, nil
					jump = prefixEnd(cp)
					page.next = jump
					return false
				}
			}
			if count == spec.max {
				page.truncated = true
				return false
			}
			var r T
			if decodeErr = json.Unmarshal(raw, &r); decodeErr != nil {
				return false
			}
			page.recs = append(page.recs, r)
			page.lastKey, page.lastRec = okey, &page.recs[len(page.recs)-1]
			page.next = k + "\x00"
			return true
		})
		if err != nil {
			return nil, err
		}
		if decodeErr != nil {
			return nil, decodeErr
		}
		if jump == "" {
			return page, nil
		}
		start = jump
	}
}

// prefixEnd is the least string greater than every string starting with
// p. Keys are UTF-8, so no byte is 0xff and incrementing the last byte is
// always possible.
func prefixEnd(p string) string {
	b := []byte(p)
	b[len(b)-1]++
	return string(b)
}

func identity(k string) string { return k }

// maxKeysOf applies S3's max-keys: default and cap 1000.
func maxKeysOf(v *int64) (int, error) {
	if v == nil {
		return defaultMaxKeys, nil
	}
	if *v < 0 {
		return 0, errInvalidArgument("Argument maxKeys must be an integer between 0 and 2147483647", "maxKeys", strconv.FormatInt(*v, 10))
	}
	return int(min(*v, defaultMaxKeys)), nil
}

// encoder applies encoding-type=url to the keys a listing returns.
type encoder bool

func newEncoder(t *string) (encoder, error) {
	switch deref(t) {
	case "":
		return false, nil
	case "url":
		return true, nil
	}
	return false, errInvalidArgument("Invalid Encoding Method specified in Request", "encoding-type", deref(t))
}

func (e encoder) s(v string) *string {
	if !e {
		return ptr(v)
	}
	return ptr(strings.ReplaceAll(url.QueryEscape(v), "%2F", "/"))
}

func (e encoder) opt(v *string) *string {
	if v == nil {
		return nil
	}
	return e.s(*v)
}

func (e encoder) prefixes(ps []string) []s3api.CommonPrefix {
	var out []s3api.CommonPrefix
	for _, p := range ps {
		out = append(out, s3api.CommonPrefix{Prefix: e.s(p)})
	}
	return out
}

func (e encoder) object(r *objectRec, owner bool) s3api.Object {
	o := s3api.Object{Key: e.s(r.Key), LastModified: ptr(r.Modified), ETag: ptr(r.quotedETag()), Size: ptr(r.Size),
		StorageClass: ptr(r.StorageClass)}
	if r.Checksum != nil {
		o.ChecksumAlgorithm, o.ChecksumType = []string{r.Checksum.Alg}, ptr(r.Checksum.Type)
	}
	if owner {
		o.Owner = ownerOf(r.Owner)
	}
	return o
}

// newListSpec reads the parameters every listing shares.
func newListSpec(maxKeys *int64, encoding, prefix, delimiter *string, keyOf func(string) string) (listSpec, encoder, error) {
	max, err := maxKeysOf(maxKeys)
	if err != nil {
		return listSpec{}, false, err
	}
	enc, err := newEncoder(encoding)
	if err != nil {
		return listSpec{}, false, err
	}
	return listSpec{prefix: deref(prefix), delimiter: deref(delimiter), max: max, keyOf: keyOf}, enc, nil
}

// objectPage reads one page of a bucket's current objects.
func (s *Service) objectPage(ctx context.Context, bucket string, expected *string, spec listSpec) (*listPage[objectRec], error) {
	var page *listPage[objectRec]
	err := s.viewBucket(ctx, bucket, func(tx store.Tx, b *bucketRec) error {
		if err := checkExpectedOwner(expected, b); err != nil {
			return err
		}
		var err error
		page, err = walk[objectRec](tx, objects(b), spec)
		return err
	})
	return page, err
}

// ListObjectsV2 lists current objects. The continuation token is the
// store key the next page starts at, opaque to clients.
func (s *Service) ListObjectsV2(ctx context.Context, in *s3api.ListObjectsV2Input) (*s3api.ListObjectsV2Output, error) {
	spec, enc, err := newListSpec(in.MaxKeys, in.EncodingType, in.Prefix, in.Delimiter, identity)
	if err != nil {
		return nil, err
	}
	max := spec.max
	if sa := deref(in.StartAfter); sa != "" {
		spec.start = sa + "\x00"
	}
	if tok := deref(in.ContinuationToken); tok != "" {
		raw, err := base64.RawURLEncoding.DecodeString(tok)
		if err != nil || len(raw) == 0 {
			return nil, errInvalidArgument("The continuation token provided is incorrect", "continuation-token", tok)
		}
		spec.start = string(raw)
	}
	page, err := s.objectPage(ctx, deref(in.Bucket), in.ExpectedBucketOwner, spec)
	if err != nil {
		return nil, err
	}
	out := &s3api.ListObjectsV2Output{Name: in.Bucket, Prefix: enc.s(spec.prefix), Delimiter: enc.opt(in.Delimiter), MaxKeys: ptr(int64(max)),
		EncodingType: in.EncodingType, KeyCount: ptr(int64(len(page.recs) + len(page.prefixes))), IsTruncated: ptr(page.truncated),
		ContinuationToken: in.ContinuationToken, StartAfter: enc.opt(in.StartAfter), CommonPrefixes: enc.prefixes(page.prefixes)}
	for i := range page.recs {
		out.Contents = append(out.Contents, enc.object(&page.recs[i], isTrue(in.FetchOwner)))
	}
	if page.truncated {
		out.NextContinuationToken = ptr(base64.RawURLEncoding.EncodeToString([]byte(page.next)))
	}
	return out, nil
}

// ListObjects is version 1: a marker instead of a token, owners always,
// and NextMarker only when a delimiter is set (without one, clients
// continue from the last key).
func (s *Service) ListObjects(ctx context.Context, in *s3api.ListObjectsInput) (*s3api.ListObjectsOutput, error) {
	spec, enc, err := newListSpec(in.MaxKeys, in.EncodingType, in.Prefix, in.Delimiter, identity)
	if err != nil {
		return nil, err
	}
	max := spec.max
	if m := deref(in.Marker); m != "" {
		spec.start = m + "\x00"
		if spec.delimiter != "" && strings.HasSuffix(m, spec.delimiter) && strings.HasPrefix(m, spec.prefix) {
			spec.start = prefixEnd(m) // a marker that is a common prefix skips all it rolls up
		}
	}
	page, err := s.objectPage(ctx, deref(in.Bucket), in.ExpectedBucketOwner, spec)
	if err != nil {
		return nil, err
	}
	out := &s3api.ListObjectsOutput{Name: in.Bucket, Prefix: enc.s(spec.prefix), Delimiter: enc.opt(in.Delimiter), MaxKeys: ptr(int64(max)),
		EncodingType: in.EncodingType, IsTruncated: ptr(page.truncated), Marker: enc.s(deref(in.Marker)), CommonPrefixes: enc.prefixes(page.prefixes)}
	for i := range page.recs {
		out.Contents = append(out.Contents, enc.object(&page.recs[i], true))
	}
	if page.truncated && spec.delimiter != "" {
		out.NextMarker = enc.s(page.lastKey)
	}
	return out, nil
}
