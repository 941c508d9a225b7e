package s3

import (
	"context"
	"net/http"
	"strings"

	"hakoniwa/internal/store"

	s3api "hakoniwa/internal/api/s3"
)

var objectAttributes = map[string]bool{"ETag": true, "Checksum": true, "ObjectParts": true, "StorageClass": true, "ObjectSize": true}

// GetObjectAttributes answers the requested attributes without the body;
// ObjectParts pages through a multipart object's parts.
func (s *Service) GetObjectAttributes(ctx context.Context, in *s3api.GetObjectAttributesInput) (*s3api.GetObjectAttributesOutput, error) {
	key := deref(in.Key)
	if err := checkKey(key); err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, a := range in.ObjectAttributes {
		for _, v := range strings.Split(a, ",") {
			v = strings.TrimSpace(v)
			if !objectAttributes[v] {
				return nil, errInvalidArgument("Invalid attribute name specified.", "x-amz-object-attributes", v)
			}
			want[v] = true
		}
	}
	if len(want) == 0 {
		return nil, errInvalidArgument("Empty attribute names are not allowed.", "x-amz-object-attributes", "")
	}
	var rec *objectRec
	err := s.viewBucket(ctx, deref(in.Bucket), func(tx store.Tx, b *bucketRec) error {
		if err := checkExpectedOwner(in.ExpectedBucketOwner, b); err != nil {
			return err
		}
		var err error
		rec, err = lookup(tx, b, key, deref(in.VersionId), http.MethodGet)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := &s3api.GetObjectAttributesOutput{LastModified: ptr(rec.Modified), VersionId: rec.versionOut()}
	if want["ETag"] {
		out.ETag = ptr(rec.ETag)
	}
	if want["StorageClass"] {
		out.StorageClass = ptr(rec.StorageClass)
	}
	if want["ObjectSize"] {
		out.ObjectSize = ptr(rec.Size)
	}
	if want["Checksum"] && rec.Checksum != nil {
		c := &s3api.Checksum{ChecksumType: ptr(rec.Checksum.Type)}
		checksumFields{&c.ChecksumCRC32, &c.ChecksumCRC32C, &c.ChecksumCRC64NVME, &c.ChecksumSHA1, &c.ChecksumSHA256}.set(rec.Checksum)
		out.Checksum = c
	}
	if want["ObjectParts"] && len(rec.Parts) > 0 {
		out.ObjectParts = objectParts(rec, in.PartNumberMarker, in.MaxParts)
	}
	return out, nil
}

func objectParts(rec *objectRec, marker, maxParts *int64) *s3api.GetObjectAttributesParts {
	max, from := int64(1000), int64(0)
	if maxParts != nil && *maxParts >= 0 && *maxParts < max {
		max = *maxParts
	}
	if marker != nil && *marker > 0 {
		from = *marker
	}
	op := &s3api.GetObjectAttributesParts{TotalPartsCount: ptr(int64(len(rec.Parts))), PartNumberMarker: ptr(from), MaxParts: ptr(max), IsTruncated: ptr(false)}
	for n := from + 1; n <= int64(len(rec.Parts)); n++ {
		if int64(len(op.Parts)) == max {
			op.IsTruncated = ptr(true)
			break
		}
		p := rec.Parts[n-1]
		part := s3api.ObjectPart{PartNumber: ptr(n), Size: ptr(p.Size)}
		if p.Checksum != "" && rec.Checksum != nil {
			checksumFields{&part.ChecksumCRC32, &part.ChecksumCRC32C, &part.ChecksumCRC64NVME, &part.ChecksumSHA1, &part.ChecksumSHA256}.
				set(&checksum{Alg: rec.Checksum.Alg, Value: p.Checksum})
		}
		op.Parts = append(op.Parts, part)
		op.NextPartNumberMarker = ptr(n)
	}
	return op
}
