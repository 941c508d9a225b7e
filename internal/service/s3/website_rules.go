package s3

import (
	"fmt"
	"html"
	"net/http"
	"strconv"
	"strings"

	"hakoniwa/internal/awserr"

	s3api "hakoniwa/internal/api/s3"
)

func strOf(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func errWebsite(msg string, args ...any) error {
	return awserr.New(http.StatusBadRequest, "InvalidArgument", msg, args...)
}

// validateWebsite applies PutBucketWebsite's checks.
func validateWebsite(c *s3api.WebsiteConfiguration) error {
	if c == nil {
		return errMalformedXMLCORS()
	}
	if all := c.RedirectAllRequestsTo; all != nil {
		if c.IndexDocument != nil || c.ErrorDocument != nil || len(c.RoutingRules) > 0 {
			return errWebsite("RedirectAllRequestsTo cannot be provided in conjunction with other Routing Rules.")
		}
		if strOf(all.HostName) == "" {
			return errWebsite("A host name must be provided for RedirectAllRequestsTo.")
		}
		return validProtocol(all.Protocol)
	}
	if c.IndexDocument == nil {
		return errWebsite("A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty")
	}
	if s := strOf(c.IndexDocument.Suffix); s == "" || strings.Contains(s, "/") {
		return errWebsite("The IndexDocument Suffix is not well formed")
	}
	if c.ErrorDocument != nil && strOf(c.ErrorDocument.Key) == "" {
		return errWebsite("The ErrorDocument Key is not well formed")
	}
	for _, r := range c.RoutingRules {
		if err := validRoutingRule(r); err != nil {
			return err
		}
	}
	return nil
}

func validRoutingRule(r s3api.RoutingRule) error {
	if c := r.Condition; c != nil {
		if c.KeyPrefixEquals == nil && c.HttpErrorCodeReturnedEquals == nil {
			return errWebsite("Condition cannot be empty. To redirect all requests without a condition, the condition element shouldn't be present.")
		}
		if code := strOf(c.HttpErrorCodeReturnedEquals); code != "" {
			n, err := strconv.Atoi(code)
			if err != nil || n < 400 || n > 599 {
				return errWebsite("The provided HTTP error code (%s) is not valid. Valid codes are 4XX or 5XX.", code)
			}
		}
	}
	d := r.Redirect
	if d == nil {
		return errMalformedXMLCORS()
	}
	if d.ReplaceKeyWith != nil && d.ReplaceKeyPrefixWith != nil {
		return errWebsite("You can only define ReplaceKeyPrefix or ReplaceKey but not both.")
	}
	if code := strOf(d.HttpRedirectCode); code != "" {
		n, err := strconv.Atoi(code)
		if err != nil || n < 301 || n > 399 {
			return errWebsite("The provided HTTP redirect code (%s) is not valid. Valid codes are 3XX except 300.", code)
		}
	}
	return validProtocol(d.Protocol)
}

func validProtocol(p *string) error {
	switch strOf(p) {
	case "", "http", "https":
		return nil
	}
	return errWebsite("Invalid protocol, protocol can be http or https. If not defined the protocol will be selected automatically.")
}

// websiteRedirect is a redirect the website endpoint answers.
type websiteRedirect struct {
	Location string
	Status   int
}

// redirectAll answers RedirectAllRequestsTo: the same path on another host.
func redirectAll(to *s3api.RedirectAllRequestsTo, scheme, path string) websiteRedirect {
	if p := strOf(to.Protocol); p != "" {
		scheme = p
	}
	return websiteRedirect{Location: scheme + "://" + strOf(to.HostName) + "/" + strings.TrimPrefix(path, "/"), Status: http.StatusMovedPermanently}
}

// matchRoutingRule picks the first rule that applies to key. Before the
// object is fetched errorCode is 0 and only rules without an error-code
// condition apply; after a failed fetch only rules naming that code do.
func matchRoutingRule(rules []s3api.RoutingRule, key string, errorCode int) *s3api.RoutingRule {
	for i := range rules {
		r := &rules[i]
		c := r.Condition
		if c == nil {
			if errorCode == 0 {
				return r
			}
			continue
		}
		if c.KeyPrefixEquals != nil && !strings.HasPrefix(key, *c.KeyPrefixEquals) {
			continue
		}
		code := strOf(c.HttpErrorCodeReturnedEquals)
		if (errorCode == 0 && code == "") || (errorCode != 0 && code == strconv.Itoa(errorCode)) {
			return r
		}
	}
	return nil
}

// routingRedirect builds a rule's redirect for key, requested on host over
// scheme.
func routingRedirect(r *s3api.RoutingRule, scheme, host, key string) websiteRedirect {
	d := r.Redirect
	if p := strOf(d.Protocol); p != "" {
		scheme = p
	}
	if h := strOf(d.HostName); h != "" {
		host = h
	}
	switch {
	case d.ReplaceKeyWith != nil:
		key = *d.ReplaceKeyWith
	case d.ReplaceKeyPrefixWith != nil:
		prefix := ""
		if r.Condition != nil {
			prefix = strOf(r.Condition.KeyPrefixEquals)
		}
		key = *d.ReplaceKeyPrefixWith + strings.TrimPrefix(key, prefix)
	}
	status := http.StatusMovedPermanently
	if n, err := strconv.Atoi(strOf(d.HttpRedirectCode)); err == nil {
		status = n
	}
	return websiteRedirect{Location: scheme + "://" + host + "/" + key, Status: status}
}

// websiteErrorPage is the HTML page the website endpoint answers errors
// with, in S3's layout.
func websiteErrorPage(status int, code, message string, extra [][2]string, requestID string) string {
	title := fmt.Sprintf("%d %s", status, http.StatusText(status))
	var b strings.Builder
	b.WriteString("<html>\n<head><title>" + title + "</title></head>\n<body>\n<h1>" + title + "</h1>\n<ul>\n")
	li := func(k, v string) { b.WriteString("<li>" + k + ": " + html.EscapeString(v) + "</li>\n") }
	li("Code", code)
	li("Message", message)
	for _, kv := range extra {
		li(kv[0], kv[1])
	}
	li("RequestId", requestID)
	li("HostId", requestID)
	b.WriteString("</ul>\n<hr/>\n</body>\n</html>\n")
	return b.String()
}
