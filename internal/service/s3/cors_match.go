package s3

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"hakoniwa/internal/awserr"

	s3api "hakoniwa/internal/api/s3"
)

// maxCORSRules is S3's quota of rules in one CORS configuration.
const maxCORSRules = 100

// validateCORS applies PutBucketCors's checks.
func validateCORS(rules []s3api.CORSRule) error {
	if len(rules) == 0 {
		return errMalformedXMLCORS()
	}
	if len(rules) > maxCORSRules {
		return awserr.New(http.StatusBadRequest, "InvalidRequest", "The number of CORS rules should not exceed allowed limit of %d rules.", maxCORSRules)
	}
	for _, r := range rules {
		if len(r.AllowedMethods) == 0 || len(r.AllowedOrigins) == 0 {
			return errMalformedXMLCORS()
		}
		if r.ID != nil && len(*r.ID) > 255 {
			return awserr.New(http.StatusBadRequest, "InvalidArgument", "The ID of a CORS rule must not exceed 255 characters.")
		}
		for _, m := range r.AllowedMethods {
			switch m {
			case "GET", "PUT", "HEAD", "POST", "DELETE":
			default:
				return awserr.New(http.StatusBadRequest, "InvalidRequest", "Found unsupported HTTP method in CORS config. Unsupported method is %s", m)
			}
		}
		for _, o := range r.AllowedOrigins {
			if strings.Count(o, "*") > 1 {
				return awserr.New(http.StatusBadRequest, "InvalidRequest", "AllowedOrigin %q can not have more than one wildcard.", o)
			}
		}
		for _, h := range r.AllowedHeaders {
			if strings.Count(h, "*") > 1 {
				return awserr.New(http.StatusBadRequest, "InvalidRequest", "AllowedHeader %q can not have more than one wildcard.", h)
			}
		}
		if r.MaxAgeSeconds != nil && *r.MaxAgeSeconds < 0 {
			return errMalformedXMLCORS()
		}
	}
	return nil
}

func errMalformedXMLCORS() error {
	return awserr.New(http.StatusBadRequest, "MalformedXML",
		"The XML you provided was not well-formed or did not validate against our published schema")
}

// oneStar matches s against a pattern with at most one "*", which matches
// any run of characters (CORS origins and headers).
func oneStar(pattern, s string, fold bool) bool {
	if fold {
		pattern, s = strings.ToLower(pattern), strings.ToLower(s)
	}
	before, after, found := strings.Cut(pattern, "*")
	if !found {
		return pattern == s
	}
	return len(s) >= len(before)+len(after) && strings.HasPrefix(s, before) && strings.HasSuffix(s, after)
}

// corsRequest is what a CORS decision looks at.
type corsRequest struct {
	Origin  string
	Method  string   // the actual method, or Access-Control-Request-Method
	Headers []string // Access-Control-Request-Headers, lower-cased
}

// requestHeaders splits an Access-Control-Request-Headers value.
func requestHeaders(v string) []string {
	var out []string
	for _, h := range strings.Split(v, ",") {
		if h = strings.TrimSpace(strings.ToLower(h)); h != "" {
			out = append(out, h)
		}
	}
	return out
}

// matchCORS returns the first rule that allows the request, as S3 picks
// it; nil when none does.
func matchCORS(rules []s3api.CORSRule, r corsRequest) *s3api.CORSRule {
	for i := range rules {
		rule := &rules[i]
		if !anyMatch(rule.AllowedOrigins, r.Origin, false) {
			continue
		}
		methodOK := false
		for _, m := range rule.AllowedMethods {
			methodOK = methodOK || m == r.Method
		}
		if !methodOK {
			continue
		}
		headersOK := true
		for _, h := range r.Headers {
			if !anyMatch(rule.AllowedHeaders, h, true) {
				headersOK = false
				break
			}
		}
		if headersOK {
			return rule
		}
	}
	return nil
}

func anyMatch(patterns []string, s string, fold bool) bool {
	for _, p := range patterns {
		if oneStar(p, s, fold) {
			return true
		}
	}
	return false
}

// corsHeaders are the Access-Control-* headers a matched rule adds to a
// response (preflight adds the allowed methods, headers and max age).
func corsHeaders(rule *s3api.CORSRule, r corsRequest, preflight bool) http.Header {
	h := http.Header{}
	wildcard := len(rule.AllowedOrigins) == 1 && rule.AllowedOrigins[0] == "*"
	if wildcard {
		h.Set("Access-Control-Allow-Origin", "*")
	} else {
		h.Set("Access-Control-Allow-Origin", r.Origin)
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	h.Set("Access-Control-Allow-Methods", strings.Join(rule.AllowedMethods, ", "))
	if preflight && len(r.Headers) > 0 {
		h.Set("Access-Control-Allow-Headers", strings.Join(r.Headers, ", "))
	}
	if len(rule.ExposeHeaders) > 0 {
		h.Set("Access-Control-Expose-Headers", strings.Join(rule.ExposeHeaders, ", "))
	}
	if rule.MaxAgeSeconds != nil {
		h.Set("Access-Control-Max-Age", strconv.FormatInt(*rule.MaxAgeSeconds, 10))
	}
	h.Set("Vary", "Origin, Access-Control-Request-Headers, Access-Control-Request-Method")
	return h
}

// errCORSForbidden is S3's refusal of a preflight no rule allows.
func errCORSForbidden(enabled bool, method, resourceType string) error {
	if !enabled {
		return awserr.New(http.StatusForbidden, "AccessForbidden", "CORSResponse: CORS is not enabled for this bucket.").
			With("Method", method).With("ResourceType", resourceType)
	}
	return awserr.New(http.StatusForbidden, "AccessForbidden",
		"CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.").
		With("Method", method).With("ResourceType", resourceType)
}

// preflight decides an OPTIONS request from its headers. It returns the
// headers to send with a 200, or S3's error.
func preflight(rules []s3api.CORSRule, enabled bool, hdr http.Header, resourceType string) (http.Header, error) {
	origin := hdr.Get("Origin")
	if origin == "" {
		return nil, awserr.New(http.StatusBadRequest, "BadRequest", "Insufficient information. Origin request header needed.")
	}
	method := hdr.Get("Access-Control-Request-Method")
	switch method {
	case "GET", "PUT", "HEAD", "POST", "DELETE":
	default:
		return nil, awserr.New(http.StatusBadRequest, "BadRequest", "%s", fmt.Sprintf("Invalid Access-Control-Request-Method: %s", orNull(method)))
	}
	r := corsRequest{Origin: origin, Method: method, Headers: requestHeaders(hdr.Get("Access-Control-Request-Headers"))}
	rule := matchCORS(rules, r)
	if rule == nil {
		return nil, errCORSForbidden(enabled, method, resourceType)
	}
	return corsHeaders(rule, r, true), nil
}

func orNull(s string) string {
	if s == "" {
		return "null"
	}
	return s
}
