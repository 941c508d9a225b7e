package sigv4

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Test keys: the documentation's example pair and hakoniwa's default.
const (
	testAKID   = "AKIAIOSFODNN7EXAMPLE"
	testSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

var testNow = time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC)

func testVerifier(creds ...Credential) *Verifier {
	m := staticCreds{}
	for _, c := range creds {
		m[c.AccessKeyID] = c
	}
	return New(Config{Strict: true, Credentials: m, Now: func() time.Time { return testNow }})
}

func rootCred(akid, secret string) Credential {
	return Credential{
		AccessKeyID: akid, SecretAccessKey: secret, Account: "000000000000",
		PrincipalARN: "arn:aws:iam::000000000000:root", UserID: "000000000000", Active: true,
	}
}

// newRequest builds a server-side request for target (path?query, as on
// the wire) with the given body.
func newRequest(method, host, target, body string) *http.Request {
	r, err := http.NewRequestWithContext(context.Background(), method, "http://"+host+target, strings.NewReader(body))
	if err != nil {
		panic(err)
	}
	r.RequestURI = target
	if body == "" {
		r.Body = http.NoBody
	}
	return r
}

// signer signs test requests in the Authorization header.
type signer struct {
	akid, secret, region, service string
	at                            time.Time
}

func (s signer) scope() string {
	return s.at.Format(dateFormat) + "/" + s.region + "/" + s.service + "/" + terminator
}

func (s signer) key() []byte {
	return deriveKey(s.secret, s.at.Format(dateFormat), s.region, s.service)
}

// sign sets X-Amz-Date and Authorization, signing host and every header
// already on r. payloadHash is the hash the client claims ("" hashes body).
func (s signer) sign(r *http.Request, payloadHash string) string {
	r.Header.Set("X-Amz-Date", s.at.Format(timeFormat))
	names := []string{"host"}
	for k := range r.Header {
		names = append(names, strings.ToLower(k))
	}
	slices.Sort(names)
	if payloadHash == "" {
		b, _ := io.ReadAll(r.Body)
		sum := sha256.Sum256(b)
		payloadHash = hex.EncodeToString(sum[:])
		r.Body = io.NopCloser(strings.NewReader(string(b)))
	}
	path, rawQuery := wireTarget(r)
	creq := canonicalRequest(r.Method, canonicalURIs(path, s.service == "s3")[0], canonicalQuery(rawQuery),
		canonicalHeaders(r, names), strings.Join(names, ";"), payloadHash)
	sig := sign(s.key(), stringToSign(s.at.Format(timeFormat), s.scope(), creq))
	r.Header.Set("Authorization", fmt.Sprintf("%s Credential=%s/%s, SignedHeaders=%s, Signature=%s",
		algorithm, s.akid, s.scope(), strings.Join(names, ";"), sig))
	return sig
}

// chunkBody encodes chunks as a signed aws-chunked body chained from seed;
// with trailers it appends them (signed when signTrailer).
func chunkBody(key []byte, amzDate, scope, seed string, chunks []string, trailers [][2]string, signed bool) string {
	var b strings.Builder
	prev := seed
	emit := func(data string) {
		if !signed {
			fmt.Fprintf(&b, "%x\r\n", len(data))
		} else {
			sum := sha256.Sum256([]byte(data))
			sts := "AWS4-HMAC-SHA256-PAYLOAD\n" + amzDate + "\n" + scope + "\n" + prev + "\n" + emptySHA256 + "\n" + hex.EncodeToString(sum[:])
			prev = sign(key, sts)
			fmt.Fprintf(&b, "%x;chunk-signature=%s\r\n", len(data), prev)
		}
		if data != "" {
			b.WriteString(data + "\r\n")
		}
	}
	for _, c := range chunks {
		emit(c)
	}
	emit("")
	if trailers == nil {
		b.WriteString("\r\n")
		return b.String()
	}
	var canon strings.Builder
	for _, t := range trailers {
		fmt.Fprintf(&b, "%s:%s\r\n", t[0], t[1])
		canon.WriteString(t[0] + ":" + t[1] + "\n")
	}
	if signed {
		sum := sha256.Sum256([]byte(canon.String()))
		sts := "AWS4-HMAC-SHA256-TRAILER\n" + amzDate + "\n" + scope + "\n" + prev + "\n" + hex.EncodeToString(sum[:])
		fmt.Fprintf(&b, "x-amz-trailer-signature:%s\r\n", sign(key, sts))
	}
	b.WriteString("\r\n")
	return b.String()
}
