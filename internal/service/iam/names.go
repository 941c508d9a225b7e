package iam

import (
	"encoding/base64"
	"regexp"
	"sort"
	"strings"
	"sync"

	iamapi "hakoniwa/internal/api/iam"
)

// The model's patterns. The gateway validates input against the model
// before a handler runs; the handlers check again so that a direct call
// (another service, a test) cannot store what AWS would refuse.
var (
	pathPattern       = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(/|/[\x21-\x7E]+/)$`) })
	pathPrefixPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^/[\x21-\x7F]*$`) })
	namePattern       = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[\w+=,.@-]+$`) })
)

// checkPath validates an entity path, defaulting it to "/".
func checkPath(p *string, member string) (string, error) {
	if p == nil {
		return "/", nil
	}
	if len(*p) > 512 {
		return "", validationError("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must have length less than or equal to 512", *p, member)
	}
	if !pathPattern().MatchString(*p) {
		return "", validationError(`1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: (\u002F)|(\u002F[\u0021-\u007E]+\u002F)`, *p, member)
	}
	return *p, nil
}

// checkPathPrefix validates a list filter, defaulting it to "/".
func checkPathPrefix(p *string) (string, error) {
	if p == nil {
		return "/", nil
	}
	if !pathPrefixPattern().MatchString(*p) {
		return "", validationError(`1 validation error detected: Value '%s' at 'pathPrefix' failed to satisfy constraint: Member must satisfy regular expression pattern: \u002F[\u0021-\u007F]*`, *p)
	}
	return *p, nil
}

// checkName validates an entity name of at most max characters.
func checkName(name, member string, max int) error {
	switch {
	case name == "":
		return validationError("1 validation error detected: Value at '%s' failed to satisfy constraint: Member must not be null", member)
	case len(name) > max:
		return validationError("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", name, member, max)
	case !namePattern().MatchString(name):
		return validationError(`1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+`, name, member)
	}
	return nil
}

// page is one page of a list answer in IAM's style: IsTruncated always
// present, Marker only when there is more.
type page struct {
	truncated *bool
	marker    *string
}

// paginate cuts one page from items, which are sorted by keyOf. The marker
// is opaque to clients: it encodes the sort key of the next item, so a
// page stays correct when items before it are deleted between calls.
func paginate[T any](items []T, keyOf func(T) string, marker *string, maxItems *int64) ([]T, page, error) {
	start := 0
	if marker != nil {
		raw, err := base64.RawURLEncoding.DecodeString(*marker)
		if err != nil || len(raw) == 0 {
			return nil, page{}, validationError("Invalid Marker.")
		}
		k := string(raw)
		start = sort.Search(len(items), func(i int) bool { return keyOf(items[i]) >= k })
	}
	limit := defaultMaxItems
	if maxItems != nil {
		if *maxItems < 1 || *maxItems > 1000 {
			return nil, page{}, validationError("1 validation error detected: Value '%d' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 1000", *maxItems)
		}
		limit = int(*maxItems)
	}
	end := min(start+limit, len(items))
	out := items[start:end]
	p := page{truncated: ptr(end < len(items))}
	if end < len(items) {
		p.marker = ptr(base64.RawURLEncoding.EncodeToString([]byte(keyOf(items[end]))))
	}
	return out, p, nil
}

// tag is a stored tag.
type tag struct {
	Key   string `json:"k"`
	Value string `json:"v"`
}

const maxTags = 50

// mergeTags adds or replaces tags (keys compare case-insensitively, as
// IAM's do) and enforces the 50-tag quota.
func mergeTags(have []tag, add []iamapi.Tag) ([]tag, error) {
	seen := map[string]bool{}
	for _, t := range add {
		k := strings.ToLower(deref(t.Key))
		if seen[k] {
			return nil, invalidInput("Duplicate tag keys found. Please note that Tag keys are case insensitive.")
		}
		seen[k] = true
	}
	out := make([]tag, 0, len(have)+len(add))
	for _, t := range have {
		if !seen[strings.ToLower(t.Key)] {
			out = append(out, t)
		}
	}
	for _, t := range add {
		out = append(out, tag{Key: deref(t.Key), Value: deref(t.Value)})
	}
	if len(out) > maxTags {
		return nil, limitExceeded("The number of tags has reached the maximum limit.")
	}
	return out, nil
}

// removeTags drops the named keys; absent keys are not an error.
func removeTags(have []tag, keys []string) []tag {
	drop := map[string]bool{}
	for _, k := range keys {
		drop[strings.ToLower(k)] = true
	}
	out := have[:0:0]
	for _, t := range have {
		if !drop[strings.ToLower(t.Key)] {
			out = append(out, t)
		}
	}
	return out
}

func apiTags(ts []tag) []iamapi.Tag {
	if len(ts) == 0 {
		return nil
	}
	out := make([]iamapi.Tag, len(ts))
	for i, t := range ts {
		out[i] = iamapi.Tag{Key: ptr(t.Key), Value: ptr(t.Value)}
	}
	return out
}

// listTags pages an entity's tags; their order is the order of tagging.
func listTags(ts []tag, marker *string, maxItems *int64) ([]iamapi.Tag, page, error) {
	type indexed struct {
		i int
		t tag
	}
	all := make([]indexed, len(ts))
	for i, t := range ts {
		all[i] = indexed{i, t}
	}
	got, p, err := paginate(all, func(x indexed) string { return sortableIndex(x.i) }, marker, maxItems)
	if err != nil {
		return nil, p, err
	}
	out := make([]iamapi.Tag, 0, len(got))
	for _, x := range got {
		out = append(out, iamapi.Tag{Key: ptr(x.t.Key), Value: ptr(x.t.Value)})
	}
	return out, p, nil
}

// sortableIndex renders i so that byte order is numeric order.
func sortableIndex(i int) string {
	const digits = "0123456789"
	b := []byte("0000000000")
	for j := len(b) - 1; j >= 0 && i > 0; j-- {
		b[j] = digits[i%10]
		i /= 10
	}
	return string(b)
}

// hasPathPrefix is IAM's PathPrefix filter.
func hasPathPrefix(path, prefix string) bool { return strings.HasPrefix(path, prefix) }
