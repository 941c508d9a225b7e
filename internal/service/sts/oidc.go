package sts

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"
)

// jwt is a parsed, not yet verified, JSON Web Token (RFC 7519) in the
// compact serialization.
type jwt struct {
	alg, kid string
	claims   map[string]any
	signed   string // header.payload, what the signature covers
	sig      []byte
}

var errMalformedJWT = errors.New("not a JWT")

func parseJWT(s string) (*jwt, error) {
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return nil, errMalformedJWT
	}
	var hdr struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}
	if err := decodeSegment(parts[0], &hdr); err != nil || hdr.Alg == "" {
		return nil, errMalformedJWT
	}
	claims := map[string]any{}
	if err := decodeSegment(parts[1], &claims); err != nil {
		return nil, errMalformedJWT
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return nil, errMalformedJWT
	}
	return &jwt{alg: hdr.Alg, kid: hdr.Kid, claims: claims, signed: parts[0] + "." + parts[1], sig: sig}, nil
}

func decodeSegment(seg string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(seg, "="))
	if err != nil {
		return err
	}
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.UseNumber()
	return d.Decode(v)
}

// str is a string claim; "" when absent or not a string.
func (t *jwt) str(name string) string {
	s, _ := t.claims[name].(string)
	return s
}

// strs is a claim that may be a string or an array of strings (aud, amr).
func (t *jwt) strs(name string) []string {
	switch v := t.claims[name].(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// time is a NumericDate claim (seconds since the epoch, possibly with a
// fraction).
func (t *jwt) time(name string) (time.Time, bool) {
	n, ok := t.claims[name].(json.Number)
	if !ok {
		return time.Time{}, false
	}
	f, err := n.Float64()
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(int64(f), 0), true
}

// verify checks the signature with one of keys: the one the token's kid
// names, or any of the right kind when it names none.
func (t *jwt) verify(keys []JWK) bool {
	for _, k := range keys {
		if t.kid != "" && k.KeyID != t.kid {
			continue
		}
		if k.Alg != "" && k.Alg != t.alg {
			continue
		}
		if verifySig(t.alg, k.Key, []byte(t.signed), t.sig) {
			return true
		}
	}
	return false
}

// verifySig supports the algorithms identity providers sign ID tokens
// with: RS256/384/512 and ES256/384/512. "none" and HMAC never verify.
func verifySig(alg string, key crypto.PublicKey, signed, sig []byte) bool {
	var h crypto.Hash
	switch alg[min(2, len(alg)):] {
	case "256":
		h = crypto.SHA256
	case "384":
		h = crypto.SHA384
	case "512":
		h = crypto.SHA512
	default:
		return false
	}
	digest := hashOf(h, signed)
	switch {
	case strings.HasPrefix(alg, "RS"):
		pub, ok := key.(*rsa.PublicKey)
		return ok && rsa.VerifyPKCS1v15(pub, h, digest, sig) == nil
	case strings.HasPrefix(alg, "ES"):
		pub, ok := key.(*ecdsa.PublicKey)
		if !ok {
			return false
		}
		size := (pub.Curve.Params().BitSize + 7) / 8
		if len(sig) != 2*size {
			return false
		}
		r, s := new(big.Int).SetBytes(sig[:size]), new(big.Int).SetBytes(sig[size:])
		return ecdsa.Verify(pub, digest, r, s)
	}
	return false
}

func hashOf(h crypto.Hash, b []byte) []byte {
	switch h {
	case crypto.SHA384:
		d := sha512.Sum384(b)
		return d[:]
	case crypto.SHA512:
		d := sha512.Sum512(b)
		return d[:]
	}
	d := sha256.Sum256(b)
	return d[:]
}

// JWK is one public key of a JSON Web Key Set (RFC 7517).
type JWK struct {
	KeyID, Alg string
	Key        crypto.PublicKey
}

// parseJWKS reads a key set, skipping keys it cannot use (encryption keys,
// unknown types) rather than failing on them.
func parseJWKS(b []byte) ([]JWK, error) {
	var set struct {
		Keys []struct {
			Kty, Kid, Use, Alg, N, E, Crv, X, Y string
		} `json:"keys"`
	}
	if err := json.Unmarshal(b, &set); err != nil {
		return nil, err
	}
	var out []JWK
	for _, k := range set.Keys {
		if k.Use != "" && k.Use != "sig" {
			continue
		}
		var pub crypto.PublicKey
		switch k.Kty {
		case "RSA":
			n, err1 := base64.RawURLEncoding.DecodeString(k.N)
			e, err2 := base64.RawURLEncoding.DecodeString(k.E)
			if err1 != nil || err2 != nil || len(e) == 0 || len(e) > 4 {
				continue
			}
			pub = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
		case "EC":
			var curve elliptic.Curve
			switch k.Crv {
			case "P-256":
				curve = elliptic.P256()
			case "P-384":
				curve = elliptic.P384()
			case "P-521":
				curve = elliptic.P521()
			default:
				continue
			}
			x, err1 := base64.RawURLEncoding.DecodeString(k.X)
			y, err2 := base64.RawURLEncoding.DecodeString(k.Y)
			if err1 != nil || err2 != nil {
				continue
			}
			ec := &ecdsa.PublicKey{Curve: curve, X: new(big.Int).SetBytes(x), Y: new(big.Int).SetBytes(y)}
			if !curve.IsOnCurve(ec.X, ec.Y) { //nolint:staticcheck // the check, not the arithmetic
				continue
			}
			pub = ec
		default:
			continue
		}
		out = append(out, JWK{KeyID: k.Kid, Alg: k.Alg, Key: pub})
	}
	return out, nil
}

// KeySource finds an OIDC issuer's signing keys. refresh asks for keys
// newer than any cached (the token names a key id the cache lacks).
type KeySource interface {
	Keys(ctx context.Context, issuer string, refresh bool) ([]JWK, error)
}

// OIDCKeys fetches issuers' keys the way STS does — the discovery document
// at <issuer>/.well-known/openid-configuration, then its jwks_uri — and
// caches them. hakoniwa is offline and loopback-only: it reaches no real
// identity provider. With AllowHTTPLoopback it fetches from issuers on
// loopback addresses over plain HTTP (a local test IdP whose IAM provider
// is registered as https://127.0.0.1:port); otherwise every fetch fails as
// an unreachable IdP does on AWS.
type OIDCKeys struct {
	allowHTTPLoopback bool
	client            *http.Client
	now               func() time.Time

	mu    sync.Mutex
	cache map[string]cachedKeys
}

type cachedKeys struct {
	keys []JWK
	at   time.Time
}

// Key cache lifetimes: keys are reused for a while, and a token naming an
// unknown key id refetches them, though not more often than minRefresh.
const (
	keysTTL       = 10 * time.Minute
	minRefresh    = 5 * time.Second
	maxIdPDoc     = 1 << 20
	idpFetchLimit = 5 * time.Second
)

// NewOIDCKeys returns a key source; see OIDCKeys.
func NewOIDCKeys(allowHTTPLoopback bool) *OIDCKeys {
	dialer := &net.Dialer{
		Timeout: idpFetchLimit,
		// Whatever a discovery document says, connect to loopback only.
		Control: func(_, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
				return fmt.Errorf("sts: refusing to reach identity provider at %s", address)
			}
			return nil
		},
	}
	return &OIDCKeys{
		allowHTTPLoopback: allowHTTPLoopback,
		now:               time.Now,
		client: &http.Client{
			Timeout:   idpFetchLimit,
			Transport: &http.Transport{DialContext: dialer.DialContext, Proxy: nil},
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return errors.New("sts: identity provider redirected")
			},
		},
	}
}

// Keys implements KeySource.
func (o *OIDCKeys) Keys(ctx context.Context, issuer string, refresh bool) ([]JWK, error) {
	now := o.now()
	o.mu.Lock()
	c, ok := o.cache[issuer]
	o.mu.Unlock()
	if ok && now.Sub(c.at) < keysTTL && (!refresh || now.Sub(c.at) < minRefresh) {
		return c.keys, nil
	}
	base, err := o.fetchURL(issuer)
	if err != nil {
		return nil, err
	}
	var disc struct {
		JWKSURI string `json:"jwks_uri"`
	}
	if err := o.getJSON(ctx, base+"/.well-known/openid-configuration", &disc); err != nil {
		return nil, err
	}
	jwksURL, err := o.fetchURL(disc.JWKSURI)
	if err != nil {
		return nil, err
	}
	body, err := o.get(ctx, jwksURL)
	if err != nil {
		return nil, err
	}
	keys, err := parseJWKS(body)
	if err != nil {
		return nil, err
	}
	o.mu.Lock()
	if o.cache == nil || len(o.cache) >= 256 {
		o.cache = map[string]cachedKeys{}
	}
	o.cache[issuer] = cachedKeys{keys, now}
	o.mu.Unlock()
	return keys, nil
}

// fetchURL is where to fetch an issuer's (or a key set's) URL from: only
// loopback hosts, over plain HTTP, and only when allowed.
func (o *OIDCKeys) fetchURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.User != nil {
		return "", fmt.Errorf("sts: unusable identity provider URL %q", raw)
	}
	if !o.allowHTTPLoopback || !isLoopbackHost(u.Hostname()) {
		return "", fmt.Errorf("sts: identity provider %s is not reachable offline", u.Host)
	}
	u.Scheme = "http"
	return strings.TrimSuffix(u.String(), "/"), nil
}

func isLoopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

func (o *OIDCKeys) getJSON(ctx context.Context, u string, v any) error {
	b, err := o.get(ctx, u)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

func (o *OIDCKeys) get(ctx context.Context, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := o.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("sts: %s answered %s", u, resp.Status)
	}
	return io.ReadAll(io.LimitReader(resp.Body, maxIdPDoc))
}
