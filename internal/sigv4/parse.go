package sigv4

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
)

const (
	algorithm  = "AWS4-HMAC-SHA256"
	terminator = "aws4_request"
	// timeFormat is ISO 8601 basic format, as in X-Amz-Date.
	timeFormat = "20060102T150405Z"
	dateFormat = "20060102"
)

// scope is a parsed X-Amz-Credential: AKID/YYYYMMDD/region/service/aws4_request.
type scope struct {
	accessKeyID, date, region, service, terminal string
}

// String is the scope as it appears in the string to sign.
func (s scope) String() string {
	return s.date + "/" + s.region + "/" + s.service + "/" + s.terminal
}

var errCredential = errors.New("malformed credential")

// parseCredential splits a credential from the right: the four scope parts
// never contain '/', so anything before them is the key id.
func parseCredential(c string) (scope, error) {
	var parts [4]string
	rest := c
	for i := 3; i >= 0; i-- {
		j := strings.LastIndexByte(rest, '/')
		if j < 0 {
			return scope{}, errCredential
		}
		parts[i] = rest[j+1:]
		rest = rest[:j]
	}
	s := scope{accessKeyID: rest, date: parts[0], region: parts[1], service: parts[2], terminal: parts[3]}
	if s.accessKeyID == "" || s.region == "" || s.service == "" || s.terminal == "" || !isDate(s.date) {
		return s, errCredential
	}
	return s, nil
}

func isDate(d string) bool {
	if len(d) != 8 {
		return false
	}
	for i := 0; i < len(d); i++ {
		if d[i] < '0' || d[i] > '9' {
			return false
		}
	}
	return true
}

// authHeader is a parsed Authorization header. Its fields are raw values;
// has* tell absent from empty.
type authHeader struct {
	algorithm                              string
	credential, signedHeaders, signature   string
	hasCredential, hasSigned, hasSignature bool
}

// parseAuthorization reads "ALG Credential=..., SignedHeaders=..., Signature=...".
// badPair names a component without '=' (AWS refuses those by name);
// missing lists absent components in AWS's order.
func parseAuthorization(h string) (a authHeader, missing []string, badPair string) {
	h = strings.TrimSpace(h)
	alg, rest, _ := strings.Cut(h, " ")
	a.algorithm = alg
	// AWS splits components at commas and at whitespace, so a stray space
	// inside a credential shows up as a component without '='.
	for len(rest) > 0 {
		// Walk the components in place: splitting into a slice of runes'
		// fields was a tenth of verifying a request.
		i := strings.IndexAny(rest, ", \t")
		part := rest
		if i >= 0 {
			part, rest = rest[:i], rest[i+1:]
		} else {
			rest = ""
		}
		if part == "" {
			continue
		}
		k, val, ok := strings.Cut(part, "=")
		if !ok {
			if badPair == "" {
				badPair = part
			}
			continue
		}
		switch strings.TrimSpace(k) {
		case "Credential":
			a.credential, a.hasCredential = strings.TrimSpace(val), true
		case "SignedHeaders":
			a.signedHeaders, a.hasSigned = strings.TrimSpace(val), true
		case "Signature":
			a.signature, a.hasSignature = strings.TrimSpace(val), true
		}
	}
	if !a.hasCredential {
		missing = append(missing, "Credential")
	}
	if !a.hasSignature {
		missing = append(missing, "Signature")
	}
	if !a.hasSigned {
		missing = append(missing, "SignedHeaders")
	}
	return a, missing, badPair
}

// credentialFromHeader finds the Credential component cheaply, for Scope.
func credentialFromHeader(h string) string {
	if !strings.HasPrefix(h, algorithm) {
		return ""
	}
	i := strings.Index(h, "Credential=")
	if i < 0 {
		return ""
	}
	c := h[i+len("Credential="):]
	if j := strings.IndexByte(c, ','); j >= 0 {
		c = c[:j]
	}
	return strings.TrimSpace(c)
}

// splitSignedHeaders lower-cases and splits "host;x-amz-date".
func splitSignedHeaders(s string) []string {
	if s == "" {
		return nil
	}
	out := strings.Split(strings.ToLower(s), ";")
	for i := range out {
		out[i] = strings.TrimSpace(out[i])
	}
	return out
}

// hasPresignParams reports whether a raw query carries SigV4 query
// authentication. AWS matches these parameter names case-sensitively.
func hasPresignParams(rawQuery string) bool {
	return strings.Contains(rawQuery, "X-Amz-Algorithm=") || strings.Contains(rawQuery, "X-Amz-Credential=") ||
		strings.Contains(rawQuery, "X-Amz-Signature=")
}

// queryParam returns the first value of name in a raw query, decoded.
func queryParam(rawQuery, name string) string {
	for part := range strings.SplitSeq(rawQuery, "&") {
		k, v, _ := strings.Cut(part, "=")
		if k == name {
			if d, err := url.QueryUnescape(v); err == nil {
				return d
			}
			return v
		}
	}
	return ""
}

// wireTarget returns the path and query exactly as the client sent them.
// RequestURI is preferred over r.URL because the signature covers the
// bytes on the wire, and a router may have rewritten the URL since (e.g.
// virtual-hosted S3 buckets).
func wireTarget(r *http.Request) (path, rawQuery string) {
	u := r.RequestURI
	if u == "" || u == "*" {
		if r.URL == nil {
			return "/", ""
		}
		return r.URL.EscapedPath(), r.URL.RawQuery
	}
	path, rawQuery, _ = strings.Cut(u, "?")
	if !strings.HasPrefix(path, "/") {
		// absolute-form (proxies): drop scheme://authority.
		if i := strings.Index(path, "://"); i >= 0 {
			rest := path[i+3:]
			if j := strings.IndexByte(rest, '/'); j >= 0 {
				path = rest[j:]
			} else {
				path = "/"
			}
		}
	}
	return path, rawQuery
}
