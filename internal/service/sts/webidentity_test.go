package sts

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/reqctx"

	stsapi "hakoniwa/internal/api/sts"
)

// fakeProviders is IAM with one OIDC provider and one SAML provider.
type fakeProviders struct {
	oidcARN, samlARN, metadata string
	clientIDs                  []string
}

func (f fakeProviders) OIDCProvider(_ context.Context, account, arn string) (string, []string, []string, error) {
	if arn != f.oidcARN {
		return "", nil, nil, awserr.New(http.StatusNotFound, "NoSuchEntity", "OpenIDConnect Provider not found for arn %s", arn)
	}
	return "https://" + strings.TrimPrefix(arn, "arn:aws:iam::"+account+":oidc-provider/"), f.clientIDs, nil, nil
}

func (f fakeProviders) SAMLProviderMetadata(_ context.Context, _, arn string) (string, error) {
	if arn != f.samlARN {
		return "", awserr.New(http.StatusNotFound, "NoSuchEntity", "Manifest not found for arn %s", arn)
	}
	return f.metadata, nil
}

// fakeTrust allows requests from one provider, recording what it saw.
type fakeTrust struct {
	provider string
	seen     *TrustRequest
}

func (f fakeTrust) AuthorizeFederated(_ context.Context, r TrustRequest) error {
	*f.seen = r
	if r.Provider != f.provider {
		return accessDenied("Not authorized to perform %s", r.Action)
	}
	return nil
}

// idp is a loopback OIDC issuer serving its discovery document and keys.
type idp struct {
	srv    *httptest.Server
	rsaKey *rsa.PrivateKey
	ecKey  *ecdsa.PrivateKey
}

func newIdP(t *testing.T) *idp {
	t.Helper()
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p := &idp{rsaKey: rk, ecKey: ek}
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]string{"issuer": p.issuer(), "jwks_uri": "http://" + r.Host + "/keys"})
	})
	mux.HandleFunc("/keys", func(w http.ResponseWriter, _ *http.Request) {
		b64 := base64.RawURLEncoding.EncodeToString
		json.NewEncoder(w).Encode(map[string]any{"keys": []map[string]string{
			{"kty": "RSA", "kid": "rsa1", "use": "sig", "alg": "RS256", "n": b64(rk.N.Bytes()), "e": b64(big.NewInt(int64(rk.E)).Bytes())},
			{"kty": "EC", "kid": "ec1", "crv": "P-256", "x": b64(ek.X.FillBytes(make([]byte, 32))), "y": b64(ek.Y.FillBytes(make([]byte, 32)))},
		}})
	})
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

// issuer is the IdP's URL as registered in IAM (https, as IAM requires).
func (p *idp) issuer() string { return "https://" + strings.TrimPrefix(p.srv.URL, "http://") }

func (p *idp) providerARN() string {
	return "arn:aws:iam::" + acct + ":oidc-provider/" + strings.TrimPrefix(p.srv.URL, "http://")
}

// sign makes a JWT with alg RS256 or ES256.
func (p *idp) sign(t *testing.T, alg, kid string, claims map[string]any) string {
	t.Helper()
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	signed := enc(map[string]string{"alg": alg, "kid": kid, "typ": "JWT"}) + "." + enc(claims)
	d := sha256.Sum256([]byte(signed))
	var sig []byte
	switch alg {
	case "RS256":
		var err error
		if sig, err = rsa.SignPKCS1v15(rand.Reader, p.rsaKey, crypto.SHA256, d[:]); err != nil {
			t.Fatal(err)
		}
	case "ES256":
		r, s, err := ecdsa.Sign(rand.Reader, p.ecKey, d[:])
		if err != nil {
			t.Fatal(err)
		}
		sig = append(r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32))...)
	}
	return signed + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func federatedService(t *testing.T, p *idp, trusted string) (*Service, *TrustRequest) {
	t.Helper()
	s, _ := newService(t)
	seen := &TrustRequest{}
	s.Providers = fakeProviders{oidcARN: p.providerARN(), clientIDs: []string{"sts.amazonaws.com", "app"}}
	s.Trust = fakeTrust{provider: trusted, seen: seen}
	keys := NewOIDCKeys(true)
	keys.now = time.Now
	s.OIDCKeys = keys
	return s, seen
}

func anonymous() context.Context {
	return reqctx.With(context.Background(), &reqctx.Info{Principal: reqctx.Principal{Type: "Anonymous", ARN: "*"}, Time: epoch})
}

func TestAssumeRoleWithWebIdentity(t *testing.T) {
	p := newIdP(t)
	exp := epoch.Add(time.Hour).Unix()
	good := map[string]any{"iss": p.issuer(), "aud": "app", "sub": "repo:example/app", "exp": exp}
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for k, v := range good {
			m[k] = v
		}
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	tampered := p.sign(t, "RS256", "rsa1", good)
	tampered = tampered[:len(tampered)-4] + "AAAA"
	otherKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	forged := (&idp{rsaKey: otherKey}).sign(t, "RS256", "rsa1", good)

	tests := []struct {
		name, token, role, trusted string
		duration                   int64
		code, msg                  string
	}{
		{name: "RS256", token: p.sign(t, "RS256", "rsa1", good)},
		{name: "ES256", token: p.sign(t, "ES256", "ec1", good)},
		{name: "no kid", token: p.sign(t, "RS256", "", good)},
		{name: "audience list", token: p.sign(t, "RS256", "rsa1", with("aud", []string{"other", "sts.amazonaws.com"}))},
		{name: "not a JWT", token: "eyJhbGciOi.notatoken", code: "InvalidIdentityToken", msg: msgNotJWT},
		{name: "wrong audience", token: p.sign(t, "RS256", "rsa1", with("aud", "someone-else")), code: "InvalidIdentityToken", msg: msgAudience},
		{name: "expired", token: p.sign(t, "RS256", "rsa1", with("exp", epoch.Add(-time.Minute).Unix())), code: "ExpiredTokenException", msg: "Token expired: current date/time 1772366400 must be before the expiration date/time 1772366340"},
		{name: "no exp", token: p.sign(t, "RS256", "rsa1", with("exp", nil)), code: "InvalidIdentityToken", msg: msgNotJWT},
		{name: "tampered", token: tampered, code: "InvalidIdentityToken", msg: msgBadSig},
		{name: "forged", token: forged, code: "InvalidIdentityToken", msg: msgBadSig},
		{name: "alg none", token: strings.Join(strings.Split(p.sign(t, "RS256", "rsa1", good), ".")[:2], ".") + ".", code: "InvalidIdentityToken", msg: msgBadSig},
		{name: "unknown issuer", token: p.sign(t, "RS256", "rsa1", with("iss", "https://idp.example.com")), code: "InvalidIdentityToken", msg: "No OpenIDConnect provider found in your account for https://idp.example.com"},
		{name: "untrusted", token: p.sign(t, "RS256", "rsa1", good), trusted: "accounts.google.com", code: "AccessDenied", msg: "Not authorized to perform sts:AssumeRoleWithWebIdentity"},
		{name: "missing role", token: p.sign(t, "RS256", "rsa1", good), role: "arn:aws:iam::000000000000:role/nope", code: "AccessDenied", msg: "Not authorized to perform sts:AssumeRoleWithWebIdentity"},
		{name: "too long", token: p.sign(t, "RS256", "rsa1", good), duration: 7201, code: "ValidationError", msg: "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			trusted := tc.trusted
			if trusted == "" {
				trusted = p.providerARN()
			}
			s, seen := federatedService(t, p, trusted)
			role := tc.role
			if role == "" {
				role = roleARN
			}
			in := &stsapi.AssumeRoleWithWebIdentityInput{RoleArn: &role, RoleSessionName: new("ci"), WebIdentityToken: &tc.token}
			if tc.duration != 0 {
				in.DurationSeconds = &tc.duration
			}
			out, err := s.AssumeRoleWithWebIdentity(anonymous(), in)
			if tc.code != "" {
				e := awserr.As(err)
				if err == nil || e.Code != tc.code || e.Message != tc.msg {
					t.Fatalf("got %v, want %s: %s", err, tc.code, tc.msg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := *out.AssumedRoleUser.Arn; got != "arn:aws:sts::000000000000:assumed-role/deploy/ci" {
				t.Errorf("ARN %s", got)
			}
			if *out.SubjectFromWebIdentityToken != "repo:example/app" || *out.Provider != p.providerARN() {
				t.Errorf("subject %s provider %s", *out.SubjectFromWebIdentityToken, *out.Provider)
			}
			key := strings.TrimPrefix(p.srv.URL, "http://")
			if seen.Context[key+":sub"][0] != "repo:example/app" || seen.Context["sts:RoleSessionName"][0] != "ci" || seen.Type != TypeWebIdentityUser {
				t.Errorf("trust request %+v", seen)
			}
			if _, ok, _ := s.Lookup(context.Background(), *out.Credentials.AccessKeyId); !ok {
				t.Error("issued key is unknown")
			}
		})
	}
}

func TestWebIdentityTagsAndSourceIdentity(t *testing.T) {
	p := newIdP(t)
	s, seen := federatedService(t, p, p.providerARN())
	tok := p.sign(t, "RS256", "rsa1", map[string]any{
		"iss": p.issuer(), "aud": "app", "sub": "u1", "exp": epoch.Add(time.Hour).Unix(),
		claimTags:   map[string]any{"principal_tags": map[string]any{"team": []string{"blue"}}, "transitive_tag_keys": []string{"team"}},
		claimSource: "alice",
	})
	out, err := s.AssumeRoleWithWebIdentity(anonymous(), &stsapi.AssumeRoleWithWebIdentityInput{RoleArn: new(roleARN), RoleSessionName: new("s1"), WebIdentityToken: &tok})
	if err != nil {
		t.Fatal(err)
	}
	if !seen.TagSession || !seen.SetSourceIdentity || seen.Context["aws:RequestTag/team"][0] != "blue" {
		t.Errorf("trust request %+v", seen)
	}
	info, _, _ := s.Session(context.Background(), *out.Credentials.AccessKeyId)
	if info.Tags["team"] != "blue" || info.SourceIdentity != "alice" || *out.SourceIdentity != "alice" || out.PackedPolicySize == nil {
		t.Errorf("session %+v", info)
	}
}

func TestOIDCKeysOffline(t *testing.T) {
	p := newIdP(t)
	for _, tc := range []struct {
		name   string
		allow  bool
		issuer string
	}{
		{"http loopback not allowed", false, p.issuer()},
		{"remote issuer", true, "https://idp.example.com"},
		{"not a URL", true, "::"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := NewOIDCKeys(tc.allow).Keys(context.Background(), tc.issuer, false); err == nil {
				t.Fatal("fetched keys")
			}
		})
	}
	keys, err := NewOIDCKeys(true).Keys(context.Background(), p.issuer(), false)
	if err != nil || len(keys) != 2 {
		t.Fatalf("keys %v, %v", keys, err)
	}
}
