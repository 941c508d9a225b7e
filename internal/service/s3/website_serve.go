package s3

import (
	"context"
	"html"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"hakoniwa/internal/api"
	"hakoniwa/internal/awserr"
	"hakoniwa/internal/reqctx"
	"hakoniwa/internal/store"

	s3api "hakoniwa/internal/api/s3"
)

// siteRequest is one request to a bucket's website endpoint.
type siteRequest struct {
	s      *Service
	ctx    context.Context
	r      *http.Request
	bucket string
	key    string
	// base is the path the site is served under: "" on its own host,
	// the bucket's path in hakoniwa's path form.
	base string
	read func(ctx context.Context, key string) error
	cfg  s3api.WebsiteConfiguration
}

// siteAnswer is what the endpoint sends: an object (GetObject's output,
// its status carried by its body) or a status with headers and a page.
type siteAnswer struct {
	object *s3api.GetObjectOutput
	status int
	header http.Header
	page   string
}

// Website answers a request to bucket's website endpoint
// (gateway.S3Website). The caller is anonymous: read says whether it may
// read an object of the bucket, by the bucket policy, ACLs and Block
// Public Access. An object is answered as GetObject's output for the
// gateway to encode; everything else as a response of its own.
func (s *Service) Website(ctx context.Context, r *http.Request, bucket, key, base string, read func(ctx context.Context, key string) error) (map[string]any, *http.Response) {
	q := &siteRequest{s: s, ctx: ctx, r: r, bucket: bucket, key: key, base: base, read: read}
	a := q.serve()
	if a.object != nil {
		return api.Encode(a.object), nil
	}
	if a.header == nil {
		a.header = http.Header{}
	}
	a.header.Set("Content-Length", strconv.Itoa(len(a.page)))
	return nil, &http.Response{StatusCode: a.status, Header: a.header, ContentLength: int64(len(a.page)),
		Body: io.NopCloser(strings.NewReader(a.page))}
}

func (q *siteRequest) serve() siteAnswer {
	if m := q.r.Method; m != http.MethodGet && m != http.MethodHead {
		return q.errorPage(awserr.As(errMethodNotAllowed(m, "OBJECT")), nil)
	}
	if err := q.loadConfig(); err != nil {
		return q.errorPage(awserr.As(err), nil)
	}
	if to := q.cfg.RedirectAllRequestsTo; to != nil {
		return redirectTo(redirectAll(to, q.scheme(), q.key))
	}
	if rule := matchRoutingRule(q.cfg.RoutingRules, q.key, 0); rule != nil {
		return redirectTo(routingRedirect(rule, q.scheme(), q.r.Host+q.base, q.key))
	}
	target := q.key
	if target == "" || strings.HasSuffix(target, "/") {
		target += strOf(q.cfg.IndexDocument.Suffix)
	}
	a, err := q.object(target, true)
	if err == nil {
		return a
	}
	if e := awserr.As(err); e.Code == "NoSuchKey" && target == q.key && q.exists(q.key+"/"+strOf(q.cfg.IndexDocument.Suffix)) {
		// A key without its slash names a folder when the folder has an
		// index document.
		return redirectTo(websiteRedirect{Location: q.base + "/" + q.key + "/", Status: http.StatusFound})
	}
	return q.failed(err)
}

// loadConfig reads the bucket's website configuration.
func (q *siteRequest) loadConfig() error {
	return q.s.viewBucket(q.ctx, q.bucket, func(_ store.Tx, b *bucketRec) error {
		ok, err := b.config(cfgWebsite, &q.cfg)
		if err == nil && !ok {
			err = errNoSuchWebsite(b.Name)
		}
		return err
	})
}

func (q *siteRequest) scheme() string {
	if q.r.TLS != nil {
		return "https"
	}
	return "http"
}

// object reads key as GetObject does, with the request's range and
// conditions when conditional; an object that redirects answers its
// redirect.
func (q *siteRequest) object(key string, conditional bool) (siteAnswer, error) {
	if err := q.read(q.ctx, key); err != nil {
		return siteAnswer{}, denial(err)
	}
	in := &s3api.GetObjectInput{Bucket: ptr(q.bucket), Key: ptr(key)}
	if conditional {
		readHeaders(in, q.r.Header)
	}
	out, err := q.s.GetObject(q.ctx, in)
	if err != nil {
		return siteAnswer{}, err
	}
	if loc := deref(out.WebsiteRedirectLocation); loc != "" {
		closeBody(out)
		return redirectTo(websiteRedirect{Location: loc, Status: http.StatusMovedPermanently}), nil
	}
	return siteAnswer{object: out}, nil
}

// readHeaders takes a GET's Range and If-* headers into in, as the REST
// endpoint's codec would.
func readHeaders(in *s3api.GetObjectInput, h http.Header) {
	str := func(name string) *string {
		if v := h.Get(name); v != "" {
			return ptr(v)
		}
		return nil
	}
	when := func(name string) *time.Time {
		t, err := http.ParseTime(h.Get(name))
		if err != nil {
			return nil
		}
		return &t
	}
	in.Range, in.IfMatch, in.IfNoneMatch = str("Range"), str("If-Match"), str("If-None-Match")
	in.IfModifiedSince, in.IfUnmodifiedSince = when("If-Modified-Since"), when("If-Unmodified-Since")
}

func closeBody(out *s3api.GetObjectOutput) {
	if c, ok := out.Body.(io.Closer); ok {
		c.Close()
	}
}

// exists reports whether key is an object of the bucket.
func (q *siteRequest) exists(key string) bool {
	found := false
	_ = q.s.viewBucket(q.ctx, q.bucket, func(tx store.Tx, b *bucketRec) error {
		r, err := current(tx, b, key)
		found = err == nil && r != nil
		return nil
	})
	return found
}

// denial is the website's answer to a read the caller may not make,
// whatever the authorizer explained: S3 says no more to anonymous callers.
func denial(err error) error {
	if e := awserr.As(err); e.Code != "AccessDenied" {
		return e
	}
	return awserr.New(http.StatusForbidden, "AccessDenied", "Access Denied")
}

// failed answers an error reading the requested object: a routing rule
// for its status, else the error document served with that status, else
// S3's page.
func (q *siteRequest) failed(err error) siteAnswer {
	e := awserr.As(err)
	if e.Status == http.StatusNotModified {
		return siteAnswer{status: e.Status}
	}
	if e.Status != http.StatusForbidden && e.Status != http.StatusNotFound {
		return q.errorPage(e, nil)
	}
	if rule := matchRoutingRule(q.cfg.RoutingRules, q.key, e.Status); rule != nil {
		return redirectTo(routingRedirect(rule, q.scheme(), q.r.Host+q.base, q.key))
	}
	if q.cfg.ErrorDocument == nil {
		return q.errorPage(e, nil)
	}
	doc, derr := q.object(strOf(q.cfg.ErrorDocument.Key), false)
	if derr != nil {
		return q.errorPage(e, awserr.As(derr))
	}
	if doc.object != nil {
		if st, ok := doc.object.Body.(*objectStream); ok {
			st.status = e.Status
		}
	}
	return doc
}

func redirectTo(r websiteRedirect) siteAnswer {
	return siteAnswer{status: r.Status, header: http.Header{"Location": {r.Location}}}
}

// errorPage is S3's HTML page for e; docErr, when set, is why the error
// document could not be served instead. The error's code and message go
// in headers too, for HEAD requests that get no page.
func (q *siteRequest) errorPage(e, docErr *awserr.Error) siteAnswer {
	if e.Code == "InternalFailure" {
		q.s.log.Error("website request failed", "request_id", reqctx.From(q.ctx).RequestID, "bucket", q.bucket, "key", q.key)
	}
	page := websiteErrorPage(e.Status, e.Code, e.Message, fieldsOf(e), reqctx.From(q.ctx).RequestID)
	if docErr != nil {
		page = strings.Replace(page, "<hr/>\n", documentErrorSection(docErr)+"<hr/>\n", 1)
	}
	h := http.Header{"Content-Type": {"text/html; charset=utf-8"}}
	h.Set("x-amz-error-code", e.Code)
	h.Set("x-amz-error-message", e.Message)
	for _, kv := range fieldsOf(e) {
		h.Set("x-amz-error-detail-"+kv[0], kv[1])
	}
	return siteAnswer{status: e.Status, header: h, page: page}
}

func fieldsOf(e *awserr.Error) [][2]string {
	var out [][2]string
	for _, k := range e.FieldOrder {
		out = append(out, [2]string{k, e.Fields[k]})
	}
	return out
}

// documentErrorSection is the part of S3's page that names the error
// document's own failure.
func documentErrorSection(e *awserr.Error) string {
	var b strings.Builder
	b.WriteString("<h3>An Error Occurred While Attempting to Retrieve a Custom Error Document</h3>\n<ul>\n")
	items := append([][2]string{{"Code", e.Code}, {"Message", e.Message}}, fieldsOf(e)...)
	for _, kv := range items {
		b.WriteString("<li>" + kv[0] + ": " + html.EscapeString(kv[1]) + "</li>\n")
	}
	b.WriteString("</ul>\n")
	return b.String()
}
