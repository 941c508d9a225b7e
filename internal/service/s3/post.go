package s3

// Browser-based uploads: S3's POST Object, an HTML form posted to the
// bucket with the file as its last part. No model operation describes it,
// so the gateway hands the request over whole, and lends the two steps
// only it can take: proving who signed the form and deciding whether they
// may put the object.

import (
	"context"
	"crypto/md5"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"hakoniwa/internal/awserr"
)

type postSigField struct{ name, wire string }

// postSigFields are the SigV4 fields of a signed form, in the order S3
// names the first one missing; postSigV2Fields those of Signature Version 2.
var postSigV2Fields = []postSigField{{"awsaccesskeyid", "AWSAccessKeyId"}, {"signature", "Signature"}, {"policy", "Policy"}}

var postSigFields = []postSigField{
	{"x-amz-algorithm", "X-Amz-Algorithm"},
	{"x-amz-credential", "X-Amz-Credential"},
	{"x-amz-date", "X-Amz-Date"},
	{"x-amz-signature", "X-Amz-Signature"},
	{"policy", "Policy"},
}

// PostObject stores the file of a browser POST upload to bucket.
// authenticate receives the form's signature fields (policy, x-amz-*),
// nil for an anonymous form; authorize receives the PutObject input the
// form amounts to. It returns the response's status, headers and body.
func (s *Service) PostObject(ctx context.Context, r *http.Request, bucket string,
	authenticate func(context.Context, map[string]string) error,
	authorize func(context.Context, map[string]any) error) (int, http.Header, []byte, error) {
	f, err := readPostForm(r)
	if err != nil {
		return 0, nil, nil, err
	}
	sig, err := f.signature()
	if err != nil {
		return 0, nil, nil, err
	}
	if !f.has("key") {
		return 0, nil, nil, errInvalidArgument("Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.", "key", "")
	}
	if f.file == nil {
		return 0, nil, nil, errInvalidArgument("POST requires exactly one file upload per request.", "file", "0")
	}
	if err := authenticate(ctx, sig); err != nil {
		return 0, nil, nil, err
	}
	lo, hi := int64(noMinSize), int64(noMaxSize)
	if sig != nil {
		pol, err := parsePostPolicy(sig["policy"])
		if err != nil {
			return 0, nil, nil, err
		}
		if err := pol.check(s.now(), bucket, f); err != nil {
			return 0, nil, nil, err
		}
		lo, hi = pol.sizeRange()
	}
	attrs, err := f.attrs()
	if err != nil {
		return 0, nil, nil, err
	}
	if err := authorize(ctx, f.putInput(bucket, attrs)); err != nil {
		return 0, nil, nil, err
	}
	rec := &objectRec{Key: f.get("key")}
	if err := s.checkWrite(ctx, bucket, rec.Key, putConditions{}, attrs, rec); err != nil {
		return 0, nil, nil, err
	}
	got, err := s.receivePost(f.file, lo, hi, f.get("content-md5"), f.checksums())
	if err != nil {
		return 0, nil, nil, err
	}
	rec.Blob, rec.Size, rec.ETag, rec.Checksum = got.blob, got.size, got.etag, got.checksum
	if err := s.commitObject(ctx, bucket, rec, putConditions{}, nil); err != nil {
		return 0, nil, nil, err
	}
	status, h, body := f.answer(r, bucket, rec)
	return status, h, body, nil
}

// signature returns the form's signature fields, nil when it carries none:
// a form with only a policy is anonymous on S3 too. SigV4 fields win over
// Signature Version 2's AWSAccessKeyId and signature.
func (f *postForm) signature() (map[string]string, error) {
	required := postSigFields
	if !slices.ContainsFunc(postSigFields[:4], func(sf postSigField) bool { return f.has(sf.name) }) {
		if !f.has("awsaccesskeyid") && !f.has("signature") {
			return nil, nil
		}
		required = postSigV2Fields
	}
	out := map[string]string{}
	for _, sf := range required {
		if !f.has(sf.name) {
			return nil, errInvalidArgument("Bucket POST must contain a field named '"+sf.wire+"'.  If it is specified, please check the order of the fields.", sf.wire, "")
		}
		out[sf.name] = f.get(sf.name)
	}
	if f.has("x-amz-security-token") {
		out["x-amz-security-token"] = f.get("x-amz-security-token")
	}
	return out, nil
}

// attrs are the object attributes the form's fields set, as PutObject's
// headers would.
func (f *postForm) attrs() (objectAttrs, error) {
	a := objectAttrs{contentType: f.get("content-type"), cacheControl: f.get("cache-control"),
		contentDisposition: f.get("content-disposition"), contentEncoding: f.get("content-encoding"),
		contentLanguage: f.get("content-language"), expires: f.get("expires"),
		websiteRedirect: f.get("x-amz-website-redirect-location"), storageClass: f.get("x-amz-storage-class"),
		sse: f.get("x-amz-server-side-encryption"), kmsKey: f.get("x-amz-server-side-encryption-aws-kms-key-id")}
	for name, v := range f.byName {
		if k, ok := strings.CutPrefix(name, "x-amz-meta-"); ok {
			if a.meta == nil {
				a.meta = map[string]string{}
			}
			a.meta[k] = v
		}
	}
	var err error
	a.tagging, err = postTagging(f.get("tagging"))
	return a, err
}

// postTagging turns the form's Tagging document into the query string
// PutObject's x-amz-tagging header would carry. A document of another
// root element holds no tags, as on S3.
func postTagging(doc string) (string, error) {
	if doc == "" {
		return "", nil
	}
	var t struct {
		Tags []struct{ Key, Value string } `xml:"TagSet>Tag"`
	}
	if err := xml.Unmarshal([]byte(doc), &t); err != nil {
		return "", errMalformedXML()
	}
	var b strings.Builder
	for i, tg := range t.Tags {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(tg.Key) + "=" + url.QueryEscape(tg.Value))
	}
	return b.String(), nil
}

// putInput is the PutObject call the form amounts to, for authorization
// (its condition keys: s3:x-amz-acl, s3:RequestObjectTag/…).
func (f *postForm) putInput(bucket string, a objectAttrs) map[string]any {
	in := map[string]any{"Bucket": bucket, "Key": f.get("key")}
	for name, v := range map[string]string{"ACL": f.get("acl"), "StorageClass": a.storageClass,
		"ServerSideEncryption": a.sse, "SSEKMSKeyId": a.kmsKey, "WebsiteRedirectLocation": a.websiteRedirect, "Tagging": a.tagging} {
		if v != "" {
			in[name] = v
		}
	}
	return in
}

// checksums are the x-amz-checksum-* fields.
func (f *postForm) checksums() map[string]string {
	out := map[string]string{}
	for _, alg := range algorithms {
		if v, ok := f.byName[checksumHeader(alg)]; ok {
			out[alg] = v
		}
	}
	return out
}

// receivePost streams the file to a new blob. Unlike a PUT's, its size is
// only known at the end: the bytes past the policy's maximum are counted,
// not kept, so the refusal can say how large the upload was.
func (s *Service) receivePost(file io.Reader, lo, hi int64, contentMD5 string, given map[string]string) (*received, error) {
	alg, err := bodySpec{max: hi, contentMD5: contentMD5, given: given}.check()
	if err != nil {
		return nil, err
	}
	if alg == "" {
		alg = algCRC64NVME
	}
	sum, h := md5.New(), newHash(alg)
	w, err := s.blobs.Create()
	if err != nil {
		return nil, err
	}
	defer w.Abort()
	n, err := copyBuffered(&capped{w: io.MultiWriter(sum, h, w), left: hi}, file)
	switch {
	case err != nil:
		return nil, err
	case n > hi:
		return nil, errEntityTooLarge(n, hi)
	case n < lo:
		return nil, errPostTooSmall(n, lo)
	}
	return keepVerified(w, n, sum, h, alg, contentMD5, given)
}

func errPostTooSmall(size, minSize int64) error {
	return awserr.New(http.StatusBadRequest, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size").
		With("ProposedSize", strconv.FormatInt(size, 10)).With("MinSizeAllowed", strconv.FormatInt(minSize, 10))
}

// capped passes on the first left bytes and swallows the rest.
type capped struct {
	w    io.Writer
	left int64
}

func (c *capped) Write(b []byte) (int, error) {
	if c.left <= 0 {
		return len(b), nil
	}
	k := b[:min(int64(len(b)), c.left)]
	if _, err := c.w.Write(k); err != nil {
		return 0, err
	}
	c.left -= int64(len(k))
	return len(b), nil
}

// xmlText escapes character data as S3 does, leaving quotes as they are
// (the ETag of a PostResponse is quoted).
var xmlText = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// postResponse is the document of success_action_status 201.
func postResponse(loc, bucket, key, etag string) []byte {
	return []byte(xml.Header + "<PostResponse><Location>" + xmlText.Replace(loc) + "</Location><Bucket>" + xmlText.Replace(bucket) +
		"</Bucket><Key>" + xmlText.Replace(key) + "</Key><ETag>" + xmlText.Replace(etag) + "</ETag></PostResponse>")
}

// answer is the response to a stored upload: a 303 to the form's
// success_action_redirect when it is an absolute URL, else the
// success_action_status asked for (204 unless 200 or 201).
func (f *postForm) answer(r *http.Request, bucket string, rec *objectRec) (int, http.Header, []byte) {
	h := http.Header{}
	etag := rec.quotedETag()
	loc := objectURL(r, bucket, rec.Key)
	h.Set("ETag", etag)
	h.Set("Location", loc)
	h.Set("x-amz-server-side-encryption", rec.SSE)
	if rec.VersionID != "" {
		h.Set("x-amz-version-id", rec.VersionID)
	}
	if c := rec.Checksum; c != nil {
		h.Set(checksumHeader(c.Alg), c.Value)
		h.Set("x-amz-checksum-type", c.Type)
	}
	redirect := f.get("success_action_redirect")
	if redirect == "" {
		redirect = f.get("redirect")
	}
	if u, err := url.Parse(redirect); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		sep := "?"
		if strings.Contains(redirect, "?") {
			sep = "&"
		}
		h.Set("Location", redirect+sep+"bucket="+url.QueryEscape(bucket)+"&key="+url.QueryEscape(rec.Key)+"&etag="+url.QueryEscape(etag))
		return http.StatusSeeOther, h, nil
	}
	switch f.get("success_action_status") {
	case "200":
		return http.StatusOK, h, nil
	case "201":
		h.Set("Content-Type", "application/xml")
		return http.StatusCreated, h, postResponse(loc, bucket, rec.Key, etag)
	}
	return http.StatusNoContent, h, nil
}

// objectURL is the new object's address in the addressing style the form
// was posted with; S3 escapes the key's slashes too.
func objectURL(r *http.Request, bucket, key string) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	base := scheme + "://" + r.Host + "/"
	if p := strings.Trim(r.URL.Path, "/"); p != "" {
		base += url.PathEscape(bucket) + "/"
	}
	return base + url.PathEscape(key)
}
