package sigv4

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/ids"
)

const (
	// maxSkew is how far a signed timestamp may be from the server's clock.
	maxSkew = 15 * time.Minute
	// maxPresignExpires is a week: signing keys are valid for seven days.
	maxPresignExpires = 604800
)

// x-amz-content-sha256 values that are not a hash.
const (
	unsignedPayload        = "UNSIGNED-PAYLOAD"
	streamingSigned        = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	streamingSignedTrailer = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
	streamingUnsignedTrail = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
)

// signed is what a request claims about its signature.
type signed struct {
	presigned     bool
	scope         scope
	signedHeaders []string
	signature     string
	amzDate       string // ISO 8601 basic, as in the string to sign
	signedAt      time.Time
	expires       int64
	token         string
}

func (v *Verifier) verify(r *http.Request, hint string) (*Result, error) {
	path, rawQuery := wireTarget(r)
	authz := r.Header.Get("Authorization")
	presign := hasPresignParams(rawQuery)
	if familyOf(hint) == famS3 {
		if res, ok, err := v.maybeV2(r, authz, path, rawQuery, presign); ok {
			return res, err
		}
	}
	if authz == "" && !presign {
		if hint != "" && familyOf(hint) != famS3 {
			return nil, errsFor(hint).missingAuth()
		}
		return &Result{Anonymous: true}, nil
	}

	// Until the scope is read, word errors for the service the caller named
	// or, failing that, the one the credential names.
	svc := hint
	if svc == "" {
		_, _, _, svc, _ = Scope(r)
	}
	e := errsFor(svc)
	if authz != "" && presign {
		return nil, e.bothAuth()
	}

	var s signed
	var err *awserr.Error
	if authz != "" {
		s, err = parseHeaderAuth(r, authz, e)
	} else {
		s, err = parseQueryAuth(rawQuery, e)
	}
	if err != nil {
		return nil, err
	}
	if hint != "" && s.scope.service != hint {
		return nil, e.wrongService(s.scope.service, s.presigned)
	}
	e = errsFor(s.scope.service)
	if s.scope.terminal != terminator {
		return nil, e.badTerminal(s.scope, s.presigned)
	}
	if s.scope.date != s.amzDate[:8] {
		return nil, e.scopeDate(s.scope, s.amzDate, s.presigned)
	}
	if err := v.checkTime(&s, e); err != nil {
		return nil, err
	}

	cred, verifySecret, err := v.credential(r, &s, e)
	if err != nil {
		return nil, err
	}

	p, err := v.payload(r, &s, e)
	if err != nil {
		return nil, err
	}

	var key []byte
	if verifySecret {
		key = v.keys.get(cred.SecretAccessKey, s.scope.date, s.scope.region, s.scope.service)
		if err := checkSignature(r, path, rawQuery, &s, p.hash, key, e); err != nil {
			return nil, err
		}
	}
	if err := p.install(r, &s, key, e); err != nil {
		return nil, err
	}

	return &Result{
		AccessKeyID:  s.scope.accessKeyID,
		Credential:   cred,
		Region:       s.scope.region,
		Service:      s.scope.service,
		SignedAt:     s.signedAt,
		Presigned:    s.presigned,
		SessionToken: s.token,
	}, nil
}

func parseHeaderAuth(r *http.Request, authz string, e errs) (signed, *awserr.Error) {
	var s signed
	a, missing, bad := parseAuthorization(authz)
	if a.algorithm != algorithm {
		return s, e.unsupportedAlgorithm(a.algorithm, false)
	}
	if bad != "" {
		return s, e.badPair(bad, authz)
	}
	if len(missing) > 0 {
		return s, e.headerMissing(missing, authz)
	}
	sc, perr := parseCredential(a.credential)
	if perr != nil {
		return s, e.badCredential(a.credential, false)
	}
	s.scope = sc
	s.signedHeaders = splitSignedHeaders(a.signedHeaders)
	s.signature = a.signature
	s.token = r.Header.Get("X-Amz-Security-Token")

	if d := r.Header.Get("X-Amz-Date"); d != "" {
		t, terr := time.Parse(timeFormat, d)
		if terr != nil {
			return s, e.badDate(d, false)
		}
		s.amzDate, s.signedAt = d, t
	} else if d := r.Header.Get("Date"); d != "" {
		t, terr := http.ParseTime(d)
		if terr != nil {
			return s, e.badDate(d, false)
		}
		s.signedAt = t.UTC()
		s.amzDate = s.signedAt.Format(timeFormat)
	} else {
		return s, e.missingDate()
	}
	return s, nil
}

func parseQueryAuth(rawQuery string, e errs) (signed, *awserr.Error) {
	s := signed{presigned: true}
	q, _ := url.ParseQuery(rawQuery) // keeps what parsed; a bad pair only loses itself
	var missing []string
	for _, name := range []string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-Date", "X-Amz-SignedHeaders"} {
		if q.Get(name) == "" {
			missing = append(missing, name)
		}
	}
	// S3 insists on an expiry; the other services bound presigned
	// requests by the clock-skew window when it is absent.
	if e.s3() && q.Get("X-Amz-Expires") == "" {
		missing = append(missing, "X-Amz-Expires")
	}
	if len(missing) > 0 {
		return s, e.queryMissing(missing)
	}
	if alg := q.Get("X-Amz-Algorithm"); alg != algorithm {
		return s, e.unsupportedAlgorithm(alg, true)
	}
	cred := q.Get("X-Amz-Credential")
	sc, perr := parseCredential(cred)
	if perr != nil {
		return s, e.badCredential(cred, true)
	}
	s.scope = sc
	s.signedHeaders = splitSignedHeaders(q.Get("X-Amz-SignedHeaders"))
	s.signature = q.Get("X-Amz-Signature")
	s.token = q.Get("X-Amz-Security-Token")
	d := q.Get("X-Amz-Date")
	t, terr := time.Parse(timeFormat, d)
	if terr != nil {
		return s, e.badDate(d, true)
	}
	s.amzDate, s.signedAt = d, t
	s.expires = -1
	if x := q.Get("X-Amz-Expires"); x != "" {
		n, nerr := strconv.ParseInt(x, 10, 64)
		if nerr != nil || n < 0 {
			return s, e.badExpires(x, false)
		}
		if n > maxPresignExpires {
			return s, e.badExpires(x, true)
		}
		s.expires = n
	}
	return s, nil
}

func (v *Verifier) checkTime(s *signed, e errs) *awserr.Error {
	now := v.now()
	if s.presigned && s.expires >= 0 {
		if s.signedAt.After(now.Add(maxSkew)) {
			return e.presignNotYet(s.amzDate, s.signedAt, now)
		}
		if now.After(s.signedAt.Add(time.Duration(s.expires) * time.Second)) {
			return e.presignExpired(s.expires, s.signedAt, now)
		}
		return nil
	}
	if s.signedAt.Before(now.Add(-maxSkew)) || s.signedAt.After(now.Add(maxSkew)) {
		return e.skewed(s.amzDate, s.signedAt, now)
	}
	return nil
}

// credential resolves the key id. verifySecret is false for the synthetic
// root credential of an unknown key in non-strict mode: there is no secret
// to check against.
func (v *Verifier) credential(r *http.Request, s *signed, e errs) (c Credential, verifySecret bool, err *awserr.Error) {
	akid := s.scope.accessKeyID
	var found bool
	if v.creds != nil {
		var lerr error
		c, found, lerr = v.creds.Lookup(r.Context(), akid)
		if lerr != nil {
			return c, false, awserr.As(lerr)
		}
	}
	if !found {
		if v.strict {
			return c, false, e.unknownKey(akid)
		}
		acct := v.defaultAccount
		if ids.IsAccountID(akid) {
			acct = akid
		}
		return Credential{
			AccessKeyID:  akid,
			SessionToken: s.token,
			Account:      acct,
			PrincipalARN: "arn:aws:iam::" + acct + ":root",
			UserID:       acct,
			Active:       true,
		}, false, nil
	}
	if !c.Active {
		return c, false, e.unknownKey(akid)
	}
	if c.SessionToken != "" || s.token != "" {
		if !sigEqual(c.SessionToken, s.token) {
			return c, false, e.invalidToken(s.token)
		}
	}
	if !c.Expires.IsZero() && !v.now().Before(c.Expires) {
		return c, false, e.expiredToken(s.token)
	}
	return c, true, nil
}

// checkSignature recomputes the signature over each canonical form the
// client may have used; the error shows the one AWS would compute.
func checkSignature(r *http.Request, path, rawQuery string, s *signed, payloadHash string, key []byte, e errs) *awserr.Error {
	queries := []string{canonicalQuery(rawQuery)}
	if s.presigned {
		queries[0] = canonicalQuery(rawQuery, "X-Amz-Signature")
		// Some signers (AWS IoT's WebSocket presigner among them) append
		// the session token after signing.
		if s.token != "" {
			queries = append(queries, canonicalQuery(rawQuery, "X-Amz-Signature", "X-Amz-Security-Token"))
		}
	}
	headers := canonicalHeaders(r, s.signedHeaders)
	signedList := strings.Join(s.signedHeaders, ";")
	sc := s.scope.String()
	provided := strings.ToLower(s.signature)
	var firstCreq, firstSTS string
	for _, query := range queries {
		for _, uri := range canonicalURIs(path, e.s3()) {
			creq := canonicalRequest(r.Method, uri, query, headers, signedList, payloadHash)
			sts := stringToSign(s.amzDate, sc, creq)
			if sigEqual(sign(key, sts), provided) {
				return nil
			}
			if firstCreq == "" {
				firstCreq, firstSTS = creq, sts
			}
		}
	}
	return e.mismatch(s.scope.accessKeyID, firstCreq, firstSTS, s.signature)
}

// payloadPlan is how the body is tied to the signature: the hash the
// canonical request ends with, and what to do with the body afterwards.
type payloadPlan struct {
	hash string
	// kind is the x-amz-content-sha256 value when it names a streaming
	// mode, "hex" when the body must hash to hash, "" when nothing is left
	// to check.
	kind string
}

func (v *Verifier) payload(r *http.Request, s *signed, e errs) (payloadPlan, *awserr.Error) {
	declared := r.Header.Get("X-Amz-Content-Sha256")
	switch declared {
	case unsignedPayload:
		return payloadPlan{hash: declared}, nil
	case streamingSigned, streamingSignedTrailer, streamingUnsignedTrail:
		return payloadPlan{hash: declared, kind: declared}, nil
	case "":
		if e.s3() {
			if s.presigned {
				return payloadPlan{hash: unsignedPayload}, nil
			}
			return payloadPlan{}, e.missingContentSHA()
		}
		h, err := v.hashBody(r, e)
		return payloadPlan{hash: h}, err
	}
	if isSHA256Hex(declared) {
		return payloadPlan{hash: strings.ToLower(declared), kind: "hex"}, nil
	}
	if e.s3() {
		return payloadPlan{}, e.badContentSHA(declared)
	}
	// Other services hash the body themselves and ignore the header.
	h, err := v.hashBody(r, e)
	return payloadPlan{hash: h}, err
}

func isSHA256Hex(s string) bool {
	if len(s) != 64 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// hashBody reads the whole body (bounded by MaxBodyBytes), hashes it and
// puts it back for the handler.
func (v *Verifier) hashBody(r *http.Request, e errs) (string, *awserr.Error) {
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
		return emptySHA256, nil
	}
	if r.ContentLength > v.maxBody {
		return "", e.tooLarge(v.maxBody)
	}
	var b []byte
	if r.ContentLength > 0 {
		// The length is known (net/http never reads past it): one
		// allocation of exactly that, where a bytes.Buffer grows twice
		// for even a 40-byte query body.
		b = make([]byte, r.ContentLength)
		if _, err := io.ReadFull(r.Body, b); err != nil {
			return "", e.incompleteBody()
		}
	} else {
		var buf bytes.Buffer
		n, err := buf.ReadFrom(io.LimitReader(r.Body, v.maxBody+1))
		if err != nil {
			return "", e.incompleteBody()
		}
		if n > v.maxBody {
			return "", e.tooLarge(v.maxBody)
		}
		b = buf.Bytes()
	}
	r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(b))
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// install replaces r.Body with a reader that checks the payload against
// what was signed. key is nil when the secret is unknown (non-strict
// mode), in which case chunk signatures cannot be checked.
func (p payloadPlan) install(r *http.Request, s *signed, key []byte, e errs) *awserr.Error {
	switch p.kind {
	case "":
		return nil
	case "hex":
		if r.Body == nil || r.Body == http.NoBody {
			if p.hash != emptySHA256 {
				return e.contentSHAMismatch(p.hash, emptySHA256)
			}
			return nil
		}
		r.Body = &hashCheckReader{src: r.Body, h: sha256.New(), want: p.hash, e: e}
		return nil
	}
	dl := r.Header.Get("X-Amz-Decoded-Content-Length")
	decoded, err := strconv.ParseInt(dl, 10, 64)
	if dl == "" || err != nil || decoded < 0 {
		return e.missingDecodedLength()
	}
	body := r.Body
	if body == nil {
		body = http.NoBody
	}
	cr := newChunkReader(body, chunkConfig{
		signed:   p.kind != streamingUnsignedTrail,
		trailer:  p.kind != streamingSigned,
		key:      key,
		amzDate:  s.amzDate,
		scope:    s.scope.String(),
		seed:     strings.ToLower(s.signature),
		decoded:  decoded,
		errs:     e,
		declared: r.Header.Values("X-Amz-Trailer"),
	})
	if cr.trailers != nil {
		r.Trailer = cr.trailers
	}
	r.Body = cr
	r.ContentLength = decoded
	r.Header.Set("Content-Length", strconv.FormatInt(decoded, 10))
	dropAWSChunked(r.Header)
	return nil
}

// dropAWSChunked removes the aws-chunked coding, which this package has
// undone, leaving any real content coding (e.g. gzip) for the handler.
func dropAWSChunked(h http.Header) {
	vs := h.Values("Content-Encoding")
	if len(vs) == 0 {
		return
	}
	var keep []string
	for _, v := range vs {
		for c := range strings.SplitSeq(v, ",") {
			if c = strings.TrimSpace(c); c != "" && !strings.EqualFold(c, "aws-chunked") {
				keep = append(keep, c)
			}
		}
	}
	if len(keep) == 0 {
		h.Del("Content-Encoding")
		return
	}
	h.Set("Content-Encoding", strings.Join(keep, ","))
}
