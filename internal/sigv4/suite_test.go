package sigv4

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"hakoniwa/internal/awserr"
)

// suiteContext is a case's context.json.
type suiteContext struct {
	Credentials struct {
		AccessKeyID     string `json:"access_key_id"`
		SecretAccessKey string `json:"secret_access_key"`
		Token           string `json:"token"`
	} `json:"credentials"`
	Expires   int64     `json:"expiration_in_seconds"`
	Normalize bool      `json:"normalize"`
	Region    string    `json:"region"`
	Service   string    `json:"service"`
	SignBody  bool      `json:"sign_body"`
	Timestamp time.Time `json:"timestamp"`
	// OmitSessionToken: the token was added after signing, unsigned.
	OmitSessionToken bool `json:"omit_session_token"`
}

// staticCreds is a test Credentials holding fixed keys.
type staticCreds map[string]Credential

func (s staticCreds) Lookup(_ context.Context, id string) (Credential, bool, error) {
	c, ok := s[id]
	return c, ok, nil
}

// parseRaw reads a raw HTTP/1.1 request as the suite writes it. It is not
// always valid for net/http (spaces and UTF-8 in the target, folded header
// lines), so it is parsed by hand into what a server would hand over.
func parseRaw(t testing.TB, raw string) *http.Request {
	t.Helper()
	head, body, _ := strings.Cut(raw, "\n\n")
	lines := strings.Split(head, "\n")
	first := lines[0]
	sp1 := strings.IndexByte(first, ' ')
	sp2 := strings.LastIndexByte(first, ' ')
	if sp1 < 0 || sp2 <= sp1 {
		t.Fatalf("bad request line %q", first)
	}
	r := &http.Request{
		Method:     first[:sp1],
		RequestURI: first[sp1+1 : sp2],
		Proto:      first[sp2+1:],
		Header:     http.Header{},
		Body:       http.NoBody,
	}
	r = r.WithContext(context.Background())
	u, err := url.ParseRequestURI(r.RequestURI)
	if err != nil {
		u = &url.URL{Path: r.RequestURI}
	}
	r.URL = u
	var last string
	for _, l := range lines[1:] {
		if l == "" {
			continue
		}
		if l[0] == ' ' || l[0] == '\t' {
			vs := r.Header[last]
			vs[len(vs)-1] += "\n" + l // folded: canonicalization must unfold it
			continue
		}
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			t.Fatalf("bad header line %q", l)
		}
		last = http.CanonicalHeaderKey(k)
		if last == "Host" {
			r.Host = v
			continue
		}
		r.Header.Add(last, v)
	}
	if body != "" {
		r.Body = io.NopCloser(strings.NewReader(body))
		r.ContentLength = int64(len(body))
	}
	return r
}

type suiteCase struct {
	name string
	dir  string
	ctx  suiteContext
}

func loadSuite(t testing.TB) []suiteCase {
	t.Helper()
	dirs, err := filepath.Glob("testdata/v4/*")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no suite cases: %v", err)
	}
	var out []suiteCase
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, "context.json"))
		if err != nil {
			t.Fatal(err)
		}
		c := suiteCase{name: filepath.Base(d), dir: d}
		if err := json.Unmarshal(b, &c.ctx); err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

func (c suiteCase) file(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(c.dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func (c suiteCase) verifier() *Verifier {
	cr := c.ctx.Credentials
	return New(Config{
		Strict: true,
		Now:    func() time.Time { return c.ctx.Timestamp },
		Credentials: staticCreds{cr.AccessKeyID: {
			AccessKeyID: cr.AccessKeyID, SecretAccessKey: cr.SecretAccessKey, SessionToken: cr.Token,
			Account: "000000000000", PrincipalARN: "arn:aws:iam::000000000000:root", UserID: "000000000000", Active: true,
		}},
	})
}

// canonicalFor rebuilds the canonical request and string to sign of a
// signed suite request the way the verifier does, with the case's own
// normalization setting.
func canonicalFor(t testing.TB, c suiteCase, r *http.Request) (creq, sts string) {
	t.Helper()
	e := errsFor(c.ctx.Service)
	path, rawQuery := wireTarget(r)
	var s signed
	var aerr *awserr.Error
	if a := r.Header.Get("Authorization"); a != "" {
		s, aerr = parseHeaderAuth(r, a, e)
	} else {
		s, aerr = parseQueryAuth(rawQuery, e)
	}
	if aerr != nil {
		t.Fatalf("parse: %v", aerr)
	}
	uri := uriEncode(path, true)
	if c.ctx.Normalize {
		uri = uriEncode(removeDotSegments(path), true)
	}
	payload := emptySHA256
	if r.Body != http.NoBody {
		b, _ := io.ReadAll(r.Body)
		sum := sha256.Sum256(b)
		payload = hex.EncodeToString(sum[:])
		r.Body = io.NopCloser(bytes.NewReader(b))
	}
	q := canonicalQuery(rawQuery)
	if s.presigned {
		skip := []string{"X-Amz-Signature"}
		if c.ctx.OmitSessionToken {
			skip = append(skip, "X-Amz-Security-Token")
		}
		q = canonicalQuery(rawQuery, skip...)
	}
	creq = canonicalRequest(r.Method, uri, q, canonicalHeaders(r, s.signedHeaders), strings.Join(s.signedHeaders, ";"), payload)
	return creq, stringToSign(s.amzDate, s.scope.String(), creq)
}

// verifyAll runs Verify and drains the body, since payload checks report
// at EOF.
func verifyAll(v *Verifier, r *http.Request) (*Result, error) {
	res, err := v.Verify(r)
	if err != nil {
		return nil, err
	}
	if r.Body != nil {
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			return nil, err
		}
	}
	return res, nil
}

func errCode(err error) string {
	var e *awserr.Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

// flip changes one byte of s in a way that keeps it printable.
func flip(s string, i int) string {
	b := []byte(s)
	b[i] ^= 1
	return string(b)
}

// TestSuite runs AWS's SigV4 test suite: canonical request, string to
// sign, acceptance of the header- and query-signed requests, rejection of
// one-byte tampering, and a presigned form signed here.
func TestSuite(t *testing.T) {
	cases := loadSuite(t)
	type tally struct{ creq, sts, accept, tamper, presign int }
	var header, query tally
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := c.verifier()
			for _, form := range []struct {
				prefix string
				tl     *tally
			}{{"header-", &header}, {"query-", &query}} {
				raw := c.file(t, form.prefix+"signed-request.txt")
				creq, sts := canonicalFor(t, c, parseRaw(t, raw))
				if want := c.file(t, form.prefix+"canonical-request.txt"); creq != want {
					t.Errorf("%scanonical request:\n got %q\nwant %q", form.prefix, creq, want)
				} else {
					form.tl.creq++
				}
				if want := c.file(t, form.prefix+"string-to-sign.txt"); sts != want {
					t.Errorf("%sstring to sign:\n got %q\nwant %q", form.prefix, sts, want)
				} else {
					form.tl.sts++
				}
				if _, err := verifyAll(v, parseRaw(t, raw)); err != nil {
					t.Errorf("%ssigned request refused: %v", form.prefix, err)
				} else {
					form.tl.accept++
				}
				if tamperCase(t, c, v, raw, form.prefix == "query-") {
					form.tl.tamper++
				}
			}
			if presignHere(t, c, v) {
				query.presign++
			}
		})
	}
	t.Logf("suite: %d cases; header: creq %d sts %d accepted %d tamper-rejected %d; query: creq %d sts %d accepted %d tamper-rejected %d; self-presigned %d",
		len(cases), header.creq, header.sts, header.accept, header.tamper, query.creq, query.sts, query.accept, query.tamper, query.presign)
}

// tamperCase changes one signed byte at a time (the signature, each signed
// header's value, the body) and expects each variant refused.
func tamperCase(t *testing.T, c suiteCase, v *Verifier, raw string, presigned bool) bool {
	t.Helper()
	ok := true
	refuse := func(what string, r *http.Request, codes ...string) {
		_, err := verifyAll(v, r)
		if !slices.Contains(codes, errCode(err)) {
			t.Errorf("tampered %s: got %v, want %v", what, err, codes)
			ok = false
		}
	}
	base := parseRaw(t, raw)
	// The signature itself.
	r := parseRaw(t, raw)
	if presigned {
		i := strings.Index(r.RequestURI, "X-Amz-Signature=") + len("X-Amz-Signature=")
		r.RequestURI = flip(r.RequestURI, i)
	} else {
		a := r.Header.Get("Authorization")
		r.Header.Set("Authorization", flip(a, len(a)-1))
	}
	refuse("signature", r, "SignatureDoesNotMatch")

	var s signed
	if presigned {
		_, q := wireTarget(base)
		s, _ = parseQueryAuth(q, errsFor(c.ctx.Service))
	} else {
		s, _ = parseHeaderAuth(base, base.Header.Get("Authorization"), errsFor(c.ctx.Service))
	}
	for _, h := range s.signedHeaders {
		r := parseRaw(t, raw)
		switch h {
		case "host":
			r.Host = flip(r.Host, 0)
		default:
			k := http.CanonicalHeaderKey(h)
			r.Header[k][0] = flip(strings.TrimLeft(r.Header[k][0], " "), 0)
		}
		// A changed token is caught before the signature, as AWS does.
		refuse("header "+h, r, "SignatureDoesNotMatch", "InvalidClientTokenId")
	}
	if base.ContentLength > 0 {
		r := parseRaw(t, raw)
		b, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader([]byte(flip(string(b), 0))))
		refuse("body", r, "SignatureDoesNotMatch")
	}
	// The query of a presigned request is signed too.
	if presigned {
		r := parseRaw(t, raw)
		r.RequestURI = strings.Replace(r.RequestURI, "X-Amz-Expires=3600", "X-Amz-Expires=3601", 1)
		refuse("X-Amz-Expires", r, "SignatureDoesNotMatch")
	}
	return ok
}

// presign signs r (an unsigned suite request) into a presigned query,
// signing every header it has.
func presign(r *http.Request, akid, secret, token, region, service string, at time.Time, expires int, normalize bool) {
	path, rawQuery := wireTarget(r)
	names := []string{"host"}
	for k := range r.Header {
		names = append(names, strings.ToLower(k))
	}
	slices.Sort(names)
	date := at.Format(dateFormat)
	sc := date + "/" + region + "/" + service + "/" + terminator
	q := url.Values{}
	q.Set("X-Amz-Algorithm", algorithm)
	q.Set("X-Amz-Credential", akid+"/"+sc)
	q.Set("X-Amz-Date", at.Format(timeFormat))
	q.Set("X-Amz-Expires", strconv.Itoa(expires))
	q.Set("X-Amz-SignedHeaders", strings.Join(names, ";"))
	if token != "" {
		q.Set("X-Amz-Security-Token", token)
	}
	enc := strings.ReplaceAll(q.Encode(), "+", "%20")
	if rawQuery != "" {
		rawQuery += "&" + enc
	} else {
		rawQuery = enc
	}
	uri := uriEncode(path, true)
	if normalize {
		uri = uriEncode(removeDotSegments(path), true)
	}
	payload := emptySHA256
	if service == "s3" {
		payload = unsignedPayload
	} else if r.Body != http.NoBody {
		b, _ := io.ReadAll(r.Body)
		sum := sha256.Sum256(b)
		payload = hex.EncodeToString(sum[:])
		r.Body = io.NopCloser(bytes.NewReader(b))
	}
	creq := canonicalRequest(r.Method, uri, canonicalQuery(rawQuery), canonicalHeaders(r, names), strings.Join(names, ";"), payload)
	sig := sign(deriveKey(secret, date, region, service), stringToSign(at.Format(timeFormat), sc, creq))
	r.RequestURI = path + "?" + rawQuery + "&X-Amz-Signature=" + sig
}

// presignHere presigns the case's unsigned request and expects it
// accepted; where the suite's own presigned request signs the same
// parameters, the signatures must agree byte for byte.
func presignHere(t *testing.T, c suiteCase, v *Verifier) bool {
	t.Helper()
	r := parseRaw(t, c.file(t, "request.txt"))
	cr := c.ctx.Credentials
	presign(r, cr.AccessKeyID, cr.SecretAccessKey, cr.Token, c.ctx.Region, c.ctx.Service, c.ctx.Timestamp, 3600, c.ctx.Normalize)
	sig := r.RequestURI[strings.LastIndex(r.RequestURI, "=")+1:]
	if _, err := verifyAll(v, r); err != nil {
		t.Errorf("self-presigned request refused: %v", err)
		return false
	}
	// post-sts-header-after appends its token after signing, so its
	// suite signature covers different parameters.
	if want := strings.TrimSpace(c.file(t, "query-signature.txt")); c.name != "post-sts-header-after" && sig != want {
		t.Errorf("self-presigned signature %s, suite has %s", sig, want)
		return false
	}
	return true
}
