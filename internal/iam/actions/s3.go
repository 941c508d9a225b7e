package actions

import (
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// S3 names buckets and keys in members called Bucket and Key, and a
// Bucket may be an access point ARN, whose objects are
// "<access point ARN>/object/<key>".
func s3Resource(r *resolver, rt *ResourceType) ([]string, bool) {
	bucket, _ := r.Input["Bucket"].(string)
	isARN := strings.HasPrefix(bucket, "arn:")
	switch rt.Name {
	case "bucket", "object":
		if isARN {
			return notApplicable, true
		}
	case "accesspointobject":
		key, _ := r.Input["Key"].(string)
		if isARN && key != "" && strings.Contains(bucket, ":accesspoint/") {
			return []string{bucket + "/object/" + key}, true
		}
		return notApplicable, true
	}
	return nil, false
}

func s3Bind(r *resolver, resourceType, ph string) ([]string, bool) {
	switch ph {
	case "BucketName":
		return strings1(r.Input["Bucket"]), true
	case "ObjectName":
		return strings1(r.Input["Key"]), true
	}
	return nil, false
}

// s3Keys maps S3 condition keys to the input members (headers) they
// come from.
var s3Keys = [...][2]string{
	{"s3:prefix", "Prefix"},
	{"s3:delimiter", "Delimiter"},
	{"s3:max-keys", "MaxKeys"},
	{"s3:x-amz-acl", "ACL"},
	{"s3:x-amz-grant-full-control", "GrantFullControl"},
	{"s3:x-amz-grant-read", "GrantRead"},
	{"s3:x-amz-grant-read-acp", "GrantReadACP"},
	{"s3:x-amz-grant-write", "GrantWrite"},
	{"s3:x-amz-grant-write-acp", "GrantWriteACP"},
	{"s3:x-amz-server-side-encryption", "ServerSideEncryption"},
	{"s3:x-amz-server-side-encryption-aws-kms-key-id", "SSEKMSKeyId"},
	{"s3:x-amz-server-side-encryption-customer-algorithm", "SSECustomerAlgorithm"},
	{"s3:x-amz-storage-class", "StorageClass"},
	{"s3:x-amz-website-redirect-location", "WebsiteRedirectLocation"},
	{"s3:x-amz-copy-source", "CopySource"},
	{"s3:x-amz-metadata-directive", "MetadataDirective"},
	{"s3:x-amz-object-ownership", "ObjectOwnership"},
	{"s3:object-lock-mode", "ObjectLockMode"},
	{"s3:object-lock-retain-until-date", "ObjectLockRetainUntilDate"},
	{"s3:object-lock-legal-hold", "ObjectLockLegalHoldStatus"},
	{"s3:versionid", "VersionId"},
	{"s3:if-match", "IfMatch"},
	{"s3:if-none-match", "IfNoneMatch"},
}

func s3Context(r *resolver, c contextBuilder) {
	in := r.Input
	for _, km := range s3Keys {
		key, m := km[0], km[1]
		if s, ok := scalar(in[m]); ok {
			c[key] = []string{s}
		}
	}
	if cfg, ok := in["CreateBucketConfiguration"].(map[string]any); ok {
		if s, ok := cfg["LocationConstraint"].(string); ok && s != "" {
			c["s3:locationconstraint"] = []string{s}
		}
		if t, ok := cfg["Tags"]; ok {
			c.tagValue(t)
		}
	}
	if ret, ok := in["Retention"].(map[string]any); ok {
		if s, ok := scalar(ret["Mode"]); ok {
			c["s3:object-lock-mode"] = []string{s}
		}
		if s, ok := scalar(ret["RetainUntilDate"]); ok {
			c["s3:object-lock-retain-until-date"] = []string{s}
		}
	}
	if lh, ok := in["LegalHold"].(map[string]any); ok {
		if s, ok := scalar(lh["Status"]); ok {
			c["s3:object-lock-legal-hold"] = []string{s}
		}
	}
	// Object tags arrive as a query string on PutObject and friends, and
	// as a TagSet on PutObjectTagging (and PutBucketTagging, whose tags are
	// aws:RequestTag).
	var tags [][2]string
	switch t := in["Tagging"].(type) {
	case string:
		q, _ := url.ParseQuery(t)
		for k, v := range q {
			tags = append(tags, [2]string{k, strings.Join(v, ",")})
		}
	case map[string]any:
		set, _ := t["TagSet"].([]any)
		for _, e := range set {
			m, _ := e.(map[string]any)
			if k, v := tagPair(m); k != "" {
				tags = append(tags, [2]string{k, v})
			}
		}
		c.tagValue(t["TagSet"])
	}
	if len(tags) > 0 {
		sort.Slice(tags, func(i, j int) bool { return tags[i][0] < tags[j][0] })
		keys := make([]string, len(tags))
		for i, t := range tags {
			c["s3:RequestObjectTag/"+t[0]] = []string{t[1]}
			keys[i] = t[0]
		}
		c["s3:RequestObjectTagKeys"] = keys
	}
}

// scalar renders a scalar input value as a condition value.
func scalar(v any) (string, bool) {
	switch t := v.(type) {
	case string:
		return t, t != ""
	case int64:
		return strconv.FormatInt(t, 10), true
	case bool:
		return strconv.FormatBool(t), true
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64), true
	case time.Time:
		return t.UTC().Format(time.RFC3339), true
	}
	return "", false
}

// s3Versioned picks the version-specific action when the request names a
// version: GetObject with a versionId is s3:GetObjectVersion.
func s3Versioned(plain, versioned string) func(*resolver) ([]Check, error) {
	return func(r *resolver) ([]Check, error) {
		a := plain
		if v, _ := r.Input["VersionId"].(string); v != "" {
			a = versioned
		}
		return r.checksOf(a)
	}
}

// s3PutObject: setting an ACL or tags while writing needs those
// permissions too (PutObject API reference, "Permissions").
func s3PutObject(r *resolver) ([]Check, error) {
	if err := r.add("s3:PutObject", nil); err != nil {
		return nil, err
	}
	return r.checks, r.s3WriteExtras(true)
}

// s3WriteExtras adds the tagging and ACL checks of a write that sets
// them.
func (r *resolver) s3WriteExtras(tagging bool) error {
	if _, ok := r.Input["Tagging"].(string); ok && tagging {
		if err := r.add("s3:PutObjectTagging", nil); err != nil {
			return err
		}
	}
	if s3HasACL(r.Input) {
		return r.add("s3:PutObjectAcl", nil)
	}
	return nil
}

func s3HasACL(in map[string]any) bool {
	for _, m := range []string{"ACL", "GrantFullControl", "GrantRead", "GrantReadACP", "GrantWrite", "GrantWriteACP"} {
		if s, _ := in[m].(string); s != "" {
			return true
		}
	}
	return false
}

// s3CreateBucket: an ACL, Object Lock or an ownership setting on create
// need the matching bucket permissions (CreateBucket API reference).
func s3CreateBucket(r *resolver) ([]Check, error) {
	extra := []string{"s3:CreateBucket"}
	if s3HasACL(r.Input) {
		extra = append(extra, "s3:PutBucketAcl")
	}
	if b, _ := r.Input["ObjectLockEnabledForBucket"].(bool); b {
		extra = append(extra, "s3:PutBucketObjectLockConfiguration", "s3:PutBucketVersioning")
	}
	if s, _ := r.Input["ObjectOwnership"].(string); s != "" {
		extra = append(extra, "s3:PutBucketOwnershipControls")
	}
	return r.checksOf(extra...)
}

// s3Copy reads the source object and writes the destination.
func s3Copy(r *resolver) ([]Check, error) {
	src, _ := r.Input["CopySource"].(string)
	arn, version, ok := s3CopySource(r.Partition, src)
	read := "s3:GetObject"
	if version != "" {
		read = "s3:GetObjectVersion"
	}
	if ok {
		r.checks = append(r.checks, r.explicit(read, "object", arn))
	} else {
		r.checks = append(r.checks, r.explicit(read, "object", ""))
	}
	if err := r.add("s3:PutObject", nil); err != nil {
		return nil, err
	}
	if r.Operation == "CopyObject" {
		// Without REPLACE the source's tags are copied, not set: no
		// tagging permission is needed.
		d, _ := r.Input["TaggingDirective"].(string)
		if err := r.s3WriteExtras(d == "REPLACE"); err != nil {
			return nil, err
		}
	}
	return r.checks, nil
}

// s3CopySource parses x-amz-copy-source: "bucket/key[?versionId=v]"
// (URL-encoded, optionally with a leading slash) or an access point
// object ARN.
func s3CopySource(partition, src string) (arn, version string, ok bool) {
	path, query, _ := strings.Cut(src, "?")
	if q, err := url.ParseQuery(query); err == nil {
		version = q.Get("versionId")
	}
	if p, err := url.PathUnescape(path); err == nil {
		path = p
	}
	path = strings.TrimPrefix(path, "/")
	if strings.HasPrefix(path, "arn:") {
		return path, version, strings.Contains(path, "/object/")
	}
	bucket, key, found := strings.Cut(path, "/")
	if !found || bucket == "" || key == "" {
		return "", version, false
	}
	return "arn:" + partition + ":s3:::" + bucket + "/" + key, version, true
}

// s3DeleteObjects checks DeleteObject (DeleteObjectVersion for keys with
// a version) on every key of the batch.
func s3DeleteObjects(r *resolver) ([]Check, error) {
	bucket, _ := r.Input["Bucket"].(string)
	del, _ := r.Input["Delete"].(map[string]any)
	objs, _ := del["Objects"].([]any)
	var plain, versioned []string
	for _, o := range objs {
		m, _ := o.(map[string]any)
		key, _ := m["Key"].(string)
		if key == "" || bucket == "" {
			continue
		}
		arn := "arn:" + r.Partition + ":s3:::" + bucket + "/" + key
		if strings.HasPrefix(bucket, "arn:") {
			arn = bucket + "/object/" + key
		}
		if v, _ := m["VersionId"].(string); v != "" {
			versioned = append(versioned, arn)
		} else {
			plain = append(plain, arn)
		}
	}
	rt := "object"
	if strings.HasPrefix(bucket, "arn:") {
		rt = "accesspointobject"
	}
	if len(plain) > 0 || len(versioned) == 0 {
		c := r.explicit("s3:DeleteObject", rt, "")
		if len(plain) > 0 {
			c.Resources, c.Unresolved = plain, false
		}
		r.checks = append(r.checks, c)
	}
	if len(versioned) > 0 {
		c := r.explicit("s3:DeleteObjectVersion", rt, "")
		c.Resources, c.Unresolved = versioned, false
		r.checks = append(r.checks, c)
	}
	return r.checks, nil
}

// s3Express authorizes a directory-bucket call through CreateSession on
// the bucket (arn:aws:s3express:region:account:bucket/name).
func s3Express(action string) func(*resolver) ([]Check, error) {
	return func(r *resolver) ([]Check, error) {
		return r.checksOf(action)
	}
}

func s3ExpressBind(r *resolver, resourceType, ph string) ([]string, bool) {
	if ph == "BucketName" {
		return strings1(r.Input["Bucket"]), true
	}
	return nil, false
}
