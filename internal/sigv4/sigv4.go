// Package sigv4 verifies AWS Signature Version 4 on incoming requests: the
// Authorization header, presigned query strings, and aws-chunked payloads
// (signed chunks, unsigned chunks with trailers, signed trailers).
//
// The verifier rebuilds the canonical request the way the client's signer
// did. That differs by service: S3 signs the path as sent, every other
// service signs the path normalized and URI-encoded once more. Errors are
// *awserr.Error values carrying the code, message and status the signing
// service would send, since clients (and their retry logic) key on them.
package sigv4

import (
	"context"
	"net/http"
	"time"
)

// Credential is a secret the server knows.
type Credential struct {
	AccessKeyID, SecretAccessKey, SessionToken string
	Account                                    string    // 12-digit account id
	PrincipalARN                               string    // e.g. arn:aws:iam::000000000000:root
	UserID                                     string    // e.g. 000000000000 for root, AIDA... for users
	Expires                                    time.Time // zero = never
	Active                                     bool
}

// Credentials finds what a key id belongs to. found=false: hakoniwa did not
// issue this key.
type Credentials interface {
	Lookup(ctx context.Context, accessKeyID string) (c Credential, found bool, err error)
}

// Config configures a Verifier.
type Config struct {
	Credentials Credentials
	Now         func() time.Time
	// Strict refuses unknown keys with InvalidClientTokenId (InvalidAccessKeyId for s3). When false,
	// an unknown key is accepted WITHOUT checking its secret as the root of an account: a 12-digit
	// access key id selects that account, any other key -> DefaultAccount.
	Strict         bool
	DefaultAccount string // "000000000000"
	MaxBodyBytes   int64  // cap for bodies read into memory to hash them
}

// Defaults used when the Config leaves a field zero.
const (
	defaultAccount      = "000000000000"
	defaultMaxBodyBytes = 128 << 20 // a 50 MB Lambda zip, base64-encoded in JSON, fits
)

// Verifier checks SigV4 signatures. It is safe for concurrent use.
type Verifier struct {
	creds          Credentials
	now            func() time.Time
	strict         bool
	defaultAccount string
	maxBody        int64
	keys           *keyCache
}

// New returns a Verifier for cfg.
func New(cfg Config) *Verifier {
	v := &Verifier{
		creds:          cfg.Credentials,
		now:            cfg.Now,
		strict:         cfg.Strict,
		defaultAccount: cfg.DefaultAccount,
		maxBody:        cfg.MaxBodyBytes,
		keys:           newKeyCache(keyCacheSize),
	}
	if v.now == nil {
		v.now = time.Now
	}
	if v.defaultAccount == "" {
		v.defaultAccount = defaultAccount
	}
	if v.maxBody <= 0 {
		v.maxBody = defaultMaxBodyBytes
	}
	return v
}

// Result of a verified request.
type Result struct {
	Anonymous       bool       // no signature at all (caller decides if allowed, e.g. public S3)
	AccessKeyID     string     // as sent
	Credential      Credential // resolved (synthetic root credential for unknown keys in non-strict mode)
	Region, Service string     // from the credential scope
	SignedAt        time.Time
	Presigned       bool
	SessionToken    string
}

// Verify checks r's signature. On success r.Body is replaced by a reader that yields the
// *decoded* payload and fails (with an *awserr.Error) at EOF/on read if the payload does not
// match what was signed; r.ContentLength / headers adjusted for aws-chunked.
//
// A request without any signature yields Result.Anonymous; use VerifyFor
// when the caller already knows the service and wants AWS's refusal for
// services that have no anonymous access.
func (v *Verifier) Verify(r *http.Request) (*Result, error) {
	return v.verify(r, "")
}

// VerifyFor is Verify for a request the caller already attributed to
// service (the signing name, e.g. "s3", "sts"). It refuses unsigned
// requests to any service but S3 with MissingAuthenticationToken, and a
// credential scoped to a different service the way AWS does.
func (v *Verifier) VerifyFor(r *http.Request, service string) (*Result, error) {
	return v.verify(r, service)
}

// Scope parses only the credential scope (header or presigned query) without verifying,
// for service detection. ok=false when the request carries no SigV4 credential.
func Scope(r *http.Request) (accessKeyID, date, region, service string, ok bool) {
	var cred string
	if h := r.Header.Get("Authorization"); h != "" {
		cred = credentialFromHeader(h)
	} else if _, q := wireTarget(r); hasPresignParams(q) {
		cred = queryParam(q, "X-Amz-Credential")
	}
	if cred == "" {
		return "", "", "", "", false
	}
	s, err := parseCredential(cred)
	if err != nil {
		return "", "", "", "", false
	}
	return s.accessKeyID, s.date, s.region, s.service, true
}
