package gateway

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"

	"hakoniwa/internal/protocol"
	"hakoniwa/internal/regions"
	"hakoniwa/internal/reqctx"
)

// S3Website is a bucket's website endpoint
// (<bucket>.s3-website-<region>.amazonaws.com): anonymous GETs and HEADs
// answered with objects, redirects and HTML error pages instead of the
// REST API. The S3Wire value implements it when S3 serves websites.
type S3Website interface {
	// Website answers a request for key on bucket's website, served under
	// base ("" on the bucket's own host). read decides whether the
	// anonymous caller may read one of the bucket's objects. An object is
	// answered as GetObject's output, for the gateway to encode as the
	// REST endpoint would; anything else as page.
	Website(ctx context.Context, r *http.Request, bucket, key, base string, read func(ctx context.Context, key string) error) (object map[string]any, page *http.Response)
}

// websitePathPrefix is hakoniwa's path form of the website endpoint, for
// clients that cannot set a Host header:
// http://127.0.0.1:4566/_hakoniwa/s3-website/<bucket>/<key>.
const websitePathPrefix = "/_hakoniwa/s3-website/"

// siteTarget is what a website request names.
type siteTarget struct {
	bucket, key, base, region string
}

// websiteTarget recognises a request to a website endpoint, by its path
// form or its Host.
func websiteTarget(r *http.Request) (siteTarget, bool) {
	if rest, ok := strings.CutPrefix(r.URL.Path, websitePathPrefix); ok {
		bucket, key, _ := strings.Cut(rest, "/")
		return siteTarget{bucket: bucket, key: key, base: websitePathPrefix + bucket}, true
	}
	bucket, region, ok := websiteHost(r.Host)
	if !ok {
		return siteTarget{}, false
	}
	return siteTarget{bucket: bucket, key: strings.TrimPrefix(r.URL.Path, "/"), region: region}, true
}

// websiteHost finds the bucket (and Region, when the host names one) of
// <bucket>.s3-website-<region>.<domain> and
// <bucket>.s3-website[.<region>].<domain>, whatever the domain:
// amazonaws.com, localhost, localhost.localstack.cloud.
func websiteHost(host string) (bucket, region string, ok bool) {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	// Every request passes here: most hosts (127.0.0.1:4566) leave at
	// once, before ParseIP allocates or the labels are split.
	if !strings.Contains(host, "s3-website") || net.ParseIP(host) != nil {
		return "", "", false
	}
	labels := strings.Split(host, ".")
	for i := len(labels) - 1; i >= 1; i-- {
		l := labels[i]
		if r, dash := strings.CutPrefix(l, "s3-website-"); dash || l == "s3-website" {
			if !dash && i+1 < len(labels) {
				r = labels[i+1]
			}
			if _, known := regions.Lookup(r); !known {
				r = ""
			}
			return strings.Join(labels[:i], "."), r, true
		}
	}
	return "", "", false
}

// s3Website answers a website-endpoint request; it reports false for
// every other request.
func (g *Gateway) s3Website(c *call) bool {
	site, ok := g.cfg.S3Wire.(S3Website)
	e := g.services.byID["s3"]
	if !ok || e == nil {
		return false
	}
	t, ok := websiteTarget(c.r)
	if !ok {
		return false
	}
	svc := e.b.Model()
	getObject := svc.Operation("GetObject")
	c.info.Service, c.info.Operation, c.info.Protocol = e.b.ID, "Website", protocol.RestXML
	c.info.RequestID = g.requestID(svc)
	c.info.Principal = reqctx.Principal{Type: "Anonymous", ARN: "*"}
	if t.region != "" {
		c.info.Region = t.region
	}
	ctx := reqctx.With(c.r.Context(), c.info)
	read := func(ctx context.Context, key string) error {
		if g.cfg.Authorizer == nil {
			return nil
		}
		return g.cfg.Authorizer.Authorize(ctx, svc, getObject, map[string]any{"Bucket": t.bucket, "Key": key})
	}
	if c.r.Header.Get("Origin") != "" {
		// A site's fonts and scripts fetched from another origin need the
		// bucket's CORS rules here as on the REST endpoint.
		for k, v := range g.cfg.S3Wire.CORSHeaders(ctx, t.bucket, c.r.Method, c.r.Header) {
			c.w.Header()[k] = v
		}
	}
	object, page := site.Website(ctx, c.r, t.bucket, t.key, t.base, read)
	if object != nil {
		preq := &protocol.Request{HTTP: c.r, Service: svc, RequestID: c.info.RequestID}
		if err := g.codecs[protocol.RestXML].Encode(c.w, preq, getObject, object); err != nil {
			g.cfg.Log.Error("encode failed", "request_id", c.info.RequestID, "operation", "Website", "err", err)
		}
		return true
	}
	writePage(c.w, c.r, page, c.info.RequestID, g.cfg.IDs.HostID())
	return true
}

// writePage sends a website answer that is not an object: a redirect, a
// 304 or an error page (only its headers for a HEAD).
func writePage(w http.ResponseWriter, r *http.Request, page *http.Response, requestID, hostID string) {
	defer page.Body.Close()
	h := w.Header()
	for k, v := range page.Header {
		h[k] = v
	}
	h.Set("x-amz-request-id", requestID)
	h.Set("x-amz-id-2", hostID)
	w.WriteHeader(page.StatusCode)
	if r.Method != http.MethodHead && page.StatusCode != http.StatusNotModified {
		_, _ = io.Copy(w, page.Body) // a client gone mid-page fails nothing else
	}
}
