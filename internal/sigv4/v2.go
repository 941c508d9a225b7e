package sigv4

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"hakoniwa/internal/awserr"
)

// S3 still accepts Signature Version 2 ("Signing and authenticating REST
// requests"), which aws CLI v1's `s3 presign` and older tools produce:
//
//	Authorization: AWS AKID:base64(HMAC-SHA1(secret, StringToSign))
//	?AWSAccessKeyId=AKID&Expires=<epoch>&Signature=<same, URL-encoded>
//
//	StringToSign = Method \n Content-MD5 \n Content-Type \n Date-or-Expires \n
//	               CanonicalizedAmzHeaders CanonicalizedResource
//
// Only S3 takes it; every other service refuses it as before. Nothing ties
// the payload to a V2 signature but a Content-MD5 the handler checks.

const v2HeaderPrefix = "AWS "

// v2Request is what a V2-signed request claims.
type v2Request struct {
	presigned bool
	akid      string
	signature string
	// date is the StringToSign's date line: the Date header, "" when
	// x-amz-date is sent (which then dates the request), or Expires.
	date string
	// stamp is the date as sent, for RequestTimeTooSkewed.
	stamp    string
	signedAt time.Time
	expires  time.Time
	token    string
}

// hasV2Params reports whether a query carries V2's presign parameters.
func hasV2Params(rawQuery string) bool {
	if !strings.Contains(rawQuery, "AWSAccessKeyId=") && !strings.Contains(rawQuery, "Signature=") {
		return false
	}
	q, _ := url.ParseQuery(rawQuery)
	return q.Has("AWSAccessKeyId") || q.Has("Signature")
}

// maybeV2 verifies an S3 request signed with V2; ok is false for one that
// is not, which SigV4 then handles.
func (v *Verifier) maybeV2(r *http.Request, authz, path, rawQuery string, presignV4 bool) (res *Result, ok bool, err error) {
	header, query := strings.HasPrefix(authz, v2HeaderPrefix), hasV2Params(rawQuery)
	switch {
	case !header && !query, isS3Control(r):
		return nil, false, nil
	case query && (authz != "" || presignV4), header && presignV4:
		return nil, true, errsFor("s3").bothAuth()
	}
	res, err = v.verifyV2(r, authz, path, rawQuery)
	return res, true, err
}

// isS3Control tells S3 Control's requests, which share S3's signing name
// but take SigV4 only, by what the gateway routes them by.
func isS3Control(r *http.Request) bool {
	return strings.HasPrefix(r.URL.Path, "/v20180820/") &&
		(r.Header.Get("X-Amz-Account-Id") != "" || strings.Contains(strings.ToLower(r.Host), ".s3-control."))
}

func (v *Verifier) verifyV2(r *http.Request, authz, path, rawQuery string) (*Result, error) {
	q, _ := url.ParseQuery(rawQuery)
	var (
		s   v2Request
		err *awserr.Error
	)
	if authz != "" {
		s, err = parseV2Header(r, authz)
	} else {
		s, err = parseV2Query(q)
	}
	if err != nil {
		return nil, err
	}
	if err := v.checkV2Time(&s); err != nil {
		return nil, err
	}
	e := errsFor("s3")
	as := signed{presigned: s.presigned, scope: scope{accessKeyID: s.akid}, token: s.token}
	cred, verifySecret, err := v.credential(r, &as, e)
	if err != nil {
		return nil, err
	}
	if verifySecret {
		if err := checkV2Signature(r, path, q, &s, cred.SecretAccessKey); err != nil {
			return nil, err
		}
	}
	return &Result{AccessKeyID: s.akid, Credential: cred, Service: "s3", SignedAt: s.signedAt,
		Presigned: s.presigned, SessionToken: s.token}, nil
}

func parseV2Header(r *http.Request, authz string) (v2Request, *awserr.Error) {
	s := v2Request{token: r.Header.Get("X-Amz-Security-Token")}
	akid, sig, ok := strings.Cut(strings.TrimPrefix(authz, v2HeaderPrefix), ":")
	if !ok || akid == "" || sig == "" {
		return s, awserr.New(http.StatusBadRequest, "InvalidArgument", "AWS authorization header is invalid.  Expected AwsAccessKeyId:signature").
			With("ArgumentName", "Authorization").With("ArgumentValue", authz)
	}
	s.akid, s.signature = akid, sig
	stamp := r.Header.Get("X-Amz-Date")
	if stamp == "" {
		stamp = r.Header.Get("Date")
		s.date = stamp
	}
	t, perr := parseV2Date(stamp)
	if perr != nil {
		return s, errsFor("s3").missingDate()
	}
	s.signedAt, s.stamp = t, stamp
	return s, nil
}

// parseV2Date reads the HTTP dates clients send, and the ISO 8601 form
// some put in x-amz-date.
func parseV2Date(v string) (time.Time, error) {
	if t, err := http.ParseTime(v); err == nil {
		return t.UTC(), nil
	}
	for _, layout := range []string{time.RFC1123Z, timeFormat} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("not a date: %q", v)
}

func parseV2Query(q url.Values) (v2Request, *awserr.Error) {
	s := v2Request{presigned: true, akid: q.Get("AWSAccessKeyId"), token: q.Get("x-amz-security-token")}
	// A '+' the client left unencoded reads as a space.
	s.signature = strings.ReplaceAll(q.Get("Signature"), " ", "+")
	s.date = q.Get("Expires")
	if s.akid == "" || s.signature == "" || s.date == "" {
		return s, awserr.New(http.StatusForbidden, "AccessDenied",
			"Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters")
	}
	n, err := strconv.ParseInt(s.date, 10, 64)
	if err != nil {
		return s, awserr.New(http.StatusForbidden, "AccessDenied", "Invalid date (should be seconds since epoch): %s", s.date)
	}
	s.expires = time.Unix(n, 0).UTC()
	return s, nil
}

func (v *Verifier) checkV2Time(s *v2Request) *awserr.Error {
	now := v.now()
	if s.presigned {
		if now.After(s.expires) {
			return awserr.New(http.StatusForbidden, "AccessDenied", "Request has expired").
				With("Expires", s.expires.Format(time.RFC3339)).
				With("ServerTime", now.UTC().Format(time.RFC3339))
		}
		s.signedAt = now
		return nil
	}
	if s.signedAt.Before(now.Add(-maxSkew)) || s.signedAt.After(now.Add(maxSkew)) {
		return errsFor("s3").skewed(s.stamp, s.signedAt, now)
	}
	return nil
}

// checkV2Signature tries each resource form a client may have signed; the
// error shows the first, which is the one S3 documents.
func checkV2Signature(r *http.Request, path string, q url.Values, s *v2Request, secret string) *awserr.Error {
	head := r.Method + "\n" + v2Field(r, q, "Content-MD5") + "\n" + v2Field(r, q, "Content-Type") + "\n" +
		s.date + "\n" + v2AmzHeaders(r, q, s.presigned)
	var first string
	for _, res := range v2Resources(r.Host, path, q) {
		sts := head + res
		if hmac.Equal([]byte(v2Sign(secret, sts)), []byte(s.signature)) {
			return nil
		}
		if first == "" {
			first = sts
		}
	}
	return v2Mismatch(s.akid, first, s.signature)
}

// v2Mismatch is S3's SignatureDoesNotMatch for a V2 signature: the
// string to sign, and no canonical request.
func v2Mismatch(akid, sts, provided string) *awserr.Error {
	return awserr.New(http.StatusForbidden, "SignatureDoesNotMatch", mismatchS3).
		With("AWSAccessKeyId", akid).
		With("StringToSign", sts).
		With("SignatureProvided", provided).
		With("StringToSignBytes", spacedHex(sts))
}

func v2Sign(secret, sts string) string {
	h := hmac.New(sha1.New, []byte(secret))
	h.Write([]byte(sts))
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

// v2Field is a positional header; a presigner that moved it into the query
// (botocore does) is read from there.
func v2Field(r *http.Request, q url.Values, name string) string {
	if v := r.Header.Get(name); v != "" {
		return strings.TrimSpace(v)
	}
	return strings.TrimSpace(q.Get(strings.ToLower(name)))
}

// v2AmzHeaders is CanonicalizedAmzHeaders: every x-amz-* header, named in
// lower case, sorted, values of one name joined by commas, each line
// ending in a newline. A presigned request's x-amz-* query parameters
// count as headers (the security token among them).
func v2AmzHeaders(r *http.Request, q url.Values, presigned bool) string {
	vals := map[string][]string{}
	for k, vs := range r.Header {
		if lk := strings.ToLower(k); strings.HasPrefix(lk, "x-amz-") {
			vals[lk] = append(vals[lk], vs...)
		}
	}
	if presigned {
		for k, vs := range q {
			if lk := strings.ToLower(k); strings.HasPrefix(lk, "x-amz-") {
				vals[lk] = append(vals[lk], vs...)
			}
		}
	}
	var b strings.Builder
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range vals {
			if !yield(k) {
				return
			}
		}
	}) {
		trimmed := make([]string, len(vals[k]))
		for i, v := range vals[k] {
			trimmed[i] = strings.Join(strings.Fields(v), " ")
		}
		b.WriteString(k + ":" + strings.Join(trimmed, ",") + "\n")
	}
	return b.String()
}

// v2SubResources are the query parameters CanonicalizedResource keeps:
// the sub-resources and response overrides S3 lists, and the newer ones
// botocore signs as well.
var v2SubResources = map[string]bool{
	"acl": true, "lifecycle": true, "location": true, "logging": true, "notification": true, "partNumber": true,
	"policy": true, "requestPayment": true, "torrent": true, "uploadId": true, "uploads": true, "versionId": true,
	"versioning": true, "versions": true, "website": true, "delete": true, "cors": true, "tagging": true,
	"restore": true, "replication": true, "accelerate": true, "analytics": true, "metrics": true, "inventory": true,
	"select": true, "select-type": true, "object-lock": true, "storageClass": true, "defaultObjectAcl": true,
	"response-content-type": true, "response-content-language": true, "response-expires": true,
	"response-cache-control": true, "response-content-disposition": true, "response-content-encoding": true,
}

// v2Resources are the CanonicalizedResource forms of the request: the
// path as sent (with "/bucket" first for a virtual-hosted request), then
// the same path decoded, which some signers use.
func v2Resources(host, path string, q url.Values) []string {
	var sub []string
	for k, vs := range q {
		if !v2SubResources[k] {
			continue
		}
		for _, v := range vs {
			if v == "" {
				sub = append(sub, k)
			} else {
				sub = append(sub, k+"="+v)
			}
		}
	}
	slices.Sort(sub)
	suffix := ""
	if len(sub) > 0 {
		suffix = "?" + strings.Join(sub, "&")
	}
	if b := S3VirtualBucket(host); b != "" {
		path = "/" + b + path
	}
	out := []string{path + suffix}
	if dec, err := url.PathUnescape(path); err == nil && dec != path {
		out = append(out, dec+suffix)
	}
	// botocore signs a path-style request to a bucket itself as
	// "/bucket/", the virtual-hosted form, though it sends "/bucket".
	if len(path) > 1 && strings.IndexByte(path[1:], '/') < 0 {
		out = append(out, path+"/"+suffix)
	}
	return out
}

// S3VirtualBucket is the bucket a virtual-hosted-style S3 Host names:
// <bucket>.s3.<anything> (AWS's s3, s3.<region>, s3-<region>, s3-website
// and dualstack forms, and s3.localhost.localstack.cloud), or
// <bucket>.localhost; "" for path style. Bucket names may contain dots,
// so the bucket is everything before the last s3 label that is not the
// first label (a host starting with s3. is path-style). The gateway
// routes by it and SigV2 signs with it, so the two cannot disagree.
func S3VirtualBucket(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if net.ParseIP(host) != nil {
		return ""
	}
	labels := strings.Split(host, ".")
	for i := len(labels) - 1; i >= 1; i-- {
		if l := labels[i]; l == "s3" || strings.HasPrefix(l, "s3-") {
			return strings.Join(labels[:i], ".")
		}
	}
	if n := len(labels); n >= 2 && labels[n-1] == "localhost" {
		return strings.Join(labels[:n-1], ".")
	}
	return ""
}
