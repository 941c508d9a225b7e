// Package rest is the HTTP binding shared by the REST protocols (rest-xml,
// rest-json): routing a request to its operation by method, path and literal
// query keys, and moving members between the model's value trees and URI
// labels, query strings, headers and status codes. It knows nothing about
// bodies; the XML and JSON codecs own those.
package rest

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"

	"hakoniwa/internal/model"
	"hakoniwa/internal/protocol"
)

// NoRouteError is returned by Match when no operation fits the request.
// Services answer it differently (S3: 405 MethodNotAllowed when only the
// method is wrong; most others: 404 UnknownOperationException), so the
// codec decides how it looks on the wire.
type NoRouteError struct {
	Method, Path string
	// PathMatched is set when some operation has this path but another
	// method.
	PathMatched bool
}

func (e *NoRouteError) Error() string {
	if e.PathMatched {
		return fmt.Sprintf("method %s is not allowed on %s", e.Method, e.Path)
	}
	return fmt.Sprintf("no operation matches %s %s", e.Method, e.Path)
}

// Router maps requests to the operations of one service. It is immutable
// once built and safe for concurrent use.
type Router struct {
	routes []*route
}

// Routers caches one Router per service model, so the tables are computed
// once however many requests arrive. The zero value is ready to use; a codec
// keeps one rather than the package keeping global state.
type Routers struct {
	m sync.Map // *model.Service → *Router
}

// For returns the service's router, building it on first use.
func (c *Routers) For(svc *model.Service) *Router {
	if r, ok := c.m.Load(svc); ok {
		return r.(*Router)
	}
	r, _ := c.m.LoadOrStore(svc, NewRouter(svc))
	return r.(*Router)
}

type segment struct {
	literal        string // whole-segment literal when label == ""
	label          string
	prefix, suffix string // literal text around a label inside one segment
	greedy         bool
}

// labelValue is the label's value in raw, the escaped path text it covers:
// raw minus the segment's literal prefix and suffix, percent-decoded. A
// label never matches empty.
func (seg segment) labelValue(raw string) (string, bool) {
	if !strings.HasPrefix(raw, seg.prefix) || !strings.HasSuffix(raw, seg.suffix) || len(raw) <= len(seg.prefix)+len(seg.suffix) {
		return "", false
	}
	v, err := url.PathUnescape(raw[len(seg.prefix) : len(raw)-len(seg.suffix)])
	return v, err == nil
}

type queryLiteral struct {
	key, value string
	hasValue   bool
}

type route struct {
	op       *model.Operation
	segs     []segment
	query    []queryLiteral
	literals int // literal path segments: the first measure of specificity
	// required header and querystring members, used to choose between
	// operations that share method and path (PutObject vs CopyObject).
	reqHeaders []string
	reqQuery   []string
}

// NewRouter precomputes the routing table of svc.
func NewRouter(svc *model.Service) *Router {
	r := &Router{}
	for _, name := range svc.OperationNames {
		op := svc.Operations[name]
		r.routes = append(r.routes, compile(op))
	}
	return r
}

func compile(op *model.Operation) *route {
	rt := &route{op: op}
	path, query, _ := strings.Cut(op.HTTP.RequestURI, "?")
	for _, raw := range splitPath(path) {
		open, close := strings.IndexByte(raw, '{'), strings.LastIndexByte(raw, '}')
		if open < 0 || close < open {
			rt.segs = append(rt.segs, segment{literal: raw})
			rt.literals++
			continue
		}
		name := raw[open+1 : close]
		seg := segment{prefix: raw[:open], suffix: raw[close+1:]}
		if strings.HasSuffix(name, "+") {
			seg.greedy, name = true, strings.TrimSuffix(name, "+")
		}
		seg.label = name
		rt.segs = append(rt.segs, seg)
	}
	for _, kv := range strings.Split(query, "&") {
		if kv == "" {
			continue
		}
		k, v, has := strings.Cut(kv, "=")
		rt.query = append(rt.query, queryLiteral{key: k, value: v, hasValue: has})
	}
	if op.Input != nil {
		s := op.Input.Shape
		for _, m := range s.MemberNames {
			if !s.Required[m] {
				continue
			}
			ref := s.Members[m]
			switch ref.Location {
			case "header":
				rt.reqHeaders = append(rt.reqHeaders, ref.Name(m))
			case "querystring":
				rt.reqQuery = append(rt.reqQuery, ref.Name(m))
			}
		}
	}
	return rt
}

// LiteralQueryKeys returns the query keys fixed by the operation's
// requestUri (S3's "?acl", "?list-type=2"). They select the operation and are
// never input members.
func LiteralQueryKeys(op *model.Operation) []string {
	_, query, _ := strings.Cut(op.HTTP.RequestURI, "?")
	var keys []string
	for _, kv := range strings.Split(query, "&") {
		if k, _, _ := strings.Cut(kv, "="); k != "" {
			keys = append(keys, k)
		}
	}
	return keys
}

// splitPath turns "/a/b" into [a b] and "/" into nothing; a trailing slash
// leaves a final empty segment.
func splitPath(p string) []string {
	p = strings.TrimPrefix(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

type candidate struct {
	rt      *route
	labels  map[string]string
	missing int
	present int
	host    int // labels taken from the Host header
}

// Match finds the operation req calls and its percent-decoded URI labels
// (including req.HostLabels). It returns a *NoRouteError when nothing fits.
func (r *Router) Match(req *protocol.Request) (*model.Operation, map[string]string, error) {
	hr := req.HTTP
	rawPath := hr.URL.EscapedPath()
	segs := splitPath(rawPath)
	q := hr.URL.Query()
	var cands []candidate
	pathMatched := false
	for _, rt := range r.routes {
		labels, host, ok := rt.matchPath(segs, req.HostLabels)
		if !ok || !rt.matchQuery(q) {
			continue
		}
		pathMatched = true
		if rt.op.HTTP.Method != hr.Method {
			continue
		}
		c := candidate{rt: rt, labels: labels, host: host}
		for _, h := range rt.reqHeaders {
			if hr.Header.Get(h) != "" {
				c.present++
			} else {
				c.missing++
			}
		}
		for _, k := range rt.reqQuery {
			if q.Has(k) {
				c.present++
			} else {
				c.missing++
			}
		}
		cands = append(cands, c)
	}
	if len(cands) == 0 {
		return nil, nil, &NoRouteError{Method: hr.Method, Path: rawPath, PathMatched: pathMatched}
	}
	sort.SliceStable(cands, func(i, j int) bool { return better(cands[i], cands[j]) })
	best := cands[0]
	return best.rt.op, best.labels, nil
}

// better orders candidates: the most host labels used, then the most literal path, then the most literal
// query keys, then one whose required headers and query members are all
// there (CopyObject needs x-amz-copy-source, UploadPart needs partNumber),
// preferring the one that uses the most of them, then a non-deprecated
// operation over its deprecated twin (GetBucketLifecycle).
func better(a, b candidate) bool {
	// A bucket named by the Host header addresses a bucket operation, not
	// ListBuckets on "/".
	if a.host != b.host {
		return a.host > b.host
	}
	if a.rt.literals != b.rt.literals {
		return a.rt.literals > b.rt.literals
	}
	if len(a.rt.query) != len(b.rt.query) {
		return len(a.rt.query) > len(b.rt.query)
	}
	if a.missing != b.missing {
		return a.missing < b.missing
	}
	if a.present != b.present {
		return a.present > b.present
	}
	if a.rt.op.Deprecated != b.rt.op.Deprecated {
		return !a.rt.op.Deprecated
	}
	return a.rt.op.Name < b.rt.op.Name
}

func (rt *route) matchQuery(q url.Values) bool {
	for _, lit := range rt.query {
		if !q.Has(lit.key) {
			return false
		}
		if lit.hasValue && q.Get(lit.key) != lit.value {
			return false
		}
	}
	return true
}

// matchPath matches raw (still escaped) request segments so that an escaped
// "/" inside a label does not split it; labels are unescaped afterwards.
func (rt *route) matchPath(segs []string, host map[string]string) (map[string]string, int, bool) {
	var labels map[string]string
	used := 0
	set := func(k, v string) {
		if labels == nil {
			labels = map[string]string{}
		}
		labels[k] = v
	}
	i := 0
	for n, seg := range rt.segs {
		if seg.label != "" && seg.prefix == "" && seg.suffix == "" {
			if v, ok := host[seg.label]; ok {
				// Virtual-hosted style: the label came in the Host header.
				set(seg.label, v)
				used++
				continue
			}
		}
		switch {
		case seg.label == "":
			if i == len(segs) && seg.literal == "" && n == len(rt.segs)-1 {
				continue // template's trailing slash omitted by the client
			}
			if i >= len(segs) {
				return nil, 0, false
			}
			v, err := url.PathUnescape(segs[i])
			if err != nil || v != seg.literal {
				return nil, 0, false
			}
			i++
		case seg.greedy:
			if i >= len(segs) {
				return nil, 0, false
			}
			v, ok := seg.labelValue(strings.Join(segs[i:], "/"))
			if !ok {
				return nil, 0, false
			}
			set(seg.label, v)
			i = len(segs)
		default:
			if i >= len(segs) {
				return nil, 0, false
			}
			v, ok := seg.labelValue(segs[i])
			if !ok {
				return nil, 0, false
			}
			set(seg.label, v)
			i++
		}
	}
	// A trailing slash the template does not have is tolerated.
	if i == len(segs) || (i == len(segs)-1 && segs[i] == "") {
		return labels, used, true
	}
	return nil, 0, false
}

// IsHead reports a HEAD request, whose responses never carry a body.
func IsHead(req *protocol.Request) bool {
	return req != nil && req.HTTP != nil && req.HTTP.Method == http.MethodHead
}
