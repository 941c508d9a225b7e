package sigv4

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// emptySHA256 is the hex SHA-256 of no bytes, the payload hash of a bodiless request.
const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// uriEncode percent-encodes everything but RFC 3986 unreserved characters
// (and '/' when keepSlash), with upper-case hex, as SigV4 requires.
func uriEncode(s string, keepSlash bool) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) && (s[i] != '/' || !keepSlash) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	const hexUpper = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s) + 2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) || (c == '/' && keepSlash) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexUpper[c>>4])
		b.WriteByte(hexUpper[c&15])
	}
	return b.String()
}

func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~'
}

// removeDotSegments applies RFC 3986 5.2.4 and also drops empty segments:
// AWS services (other than S3) treat "//" as "/".
func removeDotSegments(p string) string {
	if p == "" {
		return "/"
	}
	var out []string
	for seg := range strings.SplitSeq(p, "/") {
		switch seg {
		case "", ".":
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		default:
			out = append(out, seg)
		}
	}
	var b strings.Builder
	if p[0] == '/' {
		b.WriteByte('/')
	}
	b.WriteString(strings.Join(out, "/"))
	if p[len(p)-1] == '/' && len(out) > 0 {
		b.WriteByte('/')
	}
	if b.Len() == 0 {
		return "/"
	}
	return b.String()
}

// canonicalURIs lists the canonical paths a client may have signed for the
// wire path, the one AWS computes first.
//
// S3 signs the path as sent; a few clients sign their own strict encoding
// of it while sending looser escapes, hence the second candidate. Every
// other service signs the normalized path encoded once more (so "%2F" on
// the wire is "%252F" in the canonical request); SDKs that skip
// normalization (aws-sdk-go-v2) sign the path unnormalized.
func canonicalURIs(wirePath string, s3 bool) []string {
	if wirePath == "" {
		wirePath = "/"
	}
	if s3 {
		out := []string{wirePath}
		if dec, err := url.PathUnescape(wirePath); err == nil {
			if alt := uriEncode(dec, true); alt != wirePath {
				out = append(out, alt)
			}
		}
		return out
	}
	norm := uriEncode(removeDotSegments(wirePath), true)
	raw := uriEncode(wirePath, true)
	if raw == norm {
		return []string{norm}
	}
	return []string{norm, raw}
}

// canonicalQuery sorts the query's parameters by encoded name, then value,
// each decoded and re-encoded strictly. skip names parameters left out: a
// presigned X-Amz-Signature cannot sign itself.
func canonicalQuery(rawQuery string, skip ...string) string {
	if rawQuery == "" {
		return ""
	}
	type pair struct{ k, v string }
	pairs := make([]pair, 0, strings.Count(rawQuery, "&")+1)
	for part := range strings.SplitSeq(rawQuery, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		if slices.Contains(skip, k) {
			continue
		}
		pairs = append(pairs, pair{uriEncode(queryUnescape(k), false), uriEncode(queryUnescape(v), false)})
	}
	slices.SortFunc(pairs, func(a, b pair) int {
		if c := strings.Compare(a.k, b.k); c != 0 {
			return c
		}
		return strings.Compare(a.v, b.v)
	})
	var b strings.Builder
	b.Grow(len(rawQuery) + 8)
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.k)
		b.WriteByte('=')
		b.WriteString(p.v)
	}
	return b.String()
}

// queryUnescape decodes like a form ('+' is a space, as Go's and Java's
// signers read it); an undecodable escape is taken literally.
func queryUnescape(s string) string {
	if !strings.ContainsAny(s, "%+") {
		return s
	}
	if d, err := url.QueryUnescape(s); err == nil {
		return d
	}
	return s
}

// canonicalHeaders renders the signed headers as "name:value\n" lines.
// Values are trimmed with inner whitespace runs collapsed (which also
// unfolds obsolete multi-line values); repeated headers join with ','.
func canonicalHeaders(r *http.Request, signed []string) string {
	var b strings.Builder
	for _, name := range signed {
		b.WriteString(name)
		b.WriteByte(':')
		switch name {
		case "host":
			host := r.Host
			if host == "" && r.URL != nil {
				host = r.URL.Host
			}
			writeTrimmed(&b, host)
		case "content-length":
			if vs := r.Header.Values("Content-Length"); len(vs) > 0 {
				writeValues(&b, vs)
			} else if r.ContentLength > 0 || (r.ContentLength == 0 && r.Body != nil && r.Body != http.NoBody) {
				b.WriteString(strconv.FormatInt(r.ContentLength, 10))
			}
		case "transfer-encoding":
			if vs := r.Header.Values("Transfer-Encoding"); len(vs) > 0 {
				writeValues(&b, vs)
			} else {
				writeValues(&b, r.TransferEncoding)
			}
		default:
			writeValues(&b, r.Header.Values(name))
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func writeValues(b *strings.Builder, vs []string) {
	for i, v := range vs {
		if i > 0 {
			b.WriteByte(',')
		}
		writeTrimmed(b, v)
	}
}

// writeTrimmed writes v without leading/trailing whitespace and with every
// inner run of whitespace as one space.
func writeTrimmed(b *strings.Builder, v string) {
	space := false
	started := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			space = started
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		started = true
		b.WriteByte(c)
	}
}

// canonicalRequest joins the parts the way the signer did.
func canonicalRequest(method, uri, query, headers, signedHeaders, payloadHash string) string {
	var b strings.Builder
	b.Grow(len(method) + len(uri) + len(query) + len(headers) + len(signedHeaders) + len(payloadHash) + 5)
	b.WriteString(method)
	b.WriteByte('\n')
	b.WriteString(uri)
	b.WriteByte('\n')
	b.WriteString(query)
	b.WriteByte('\n')
	b.WriteString(headers)
	b.WriteByte('\n')
	b.WriteString(signedHeaders)
	b.WriteByte('\n')
	b.WriteString(payloadHash)
	return b.String()
}

// stringToSign wraps a canonical request for signing.
func stringToSign(amzDate, scope, creq string) string {
	sum := sha256.Sum256([]byte(creq))
	return algorithm + "\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
}
