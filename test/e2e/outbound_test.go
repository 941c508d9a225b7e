package e2e

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
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// TestOutboundWebIdentityToken: an account turns outbound identity
// federation on, a user whose policy bounds audience and lifetime mints
// JWTs, and an outside verifier checks them against the key set the
// discovery document names.
func TestOutboundWebIdentityToken(t *testing.T) {
	s := StartServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	root := sts.NewFromConfig(s.DefaultConfig())
	rs256 := func(aud string, d int32) *sts.GetWebIdentityTokenInput {
		return &sts.GetWebIdentityTokenInput{Audience: []string{aud}, SigningAlgorithm: aws.String("RS256"), DurationSeconds: aws.Int32(d)}
	}
	_, err := root.GetWebIdentityToken(ctx, rs256("https://api.example.com", 300))
	wantAPIError(t, err, "OutboundWebIdentityFederationDisabledException", "disabled")

	// Nothing is published while the feature is off, nor for a path that
	// names no account or document.
	for _, path := range []string{"000000000000/.well-known/jwks.json", "000000000000/.well-known/openid-configuration",
		"0000/.well-known/jwks.json", "000000000000/.well-known/other"} {
		resp, err := http.Get(s.URL + "/_hakoniwa/outbound-federation/" + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %s, want 404", path, resp.Status)
		}
	}

	en, err := iam.NewFromConfig(s.DefaultConfig()).EnableOutboundWebIdentityFederation(ctx, &iam.EnableOutboundWebIdentityFederationInput{})
	if err != nil {
		t.Fatal(err)
	}
	issuer := aws.ToString(en.IssuerIdentifier)

	svc := sts.NewFromConfig(newUser(t, s, "svc", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:GetWebIdentityToken","Resource":"*",
		"Condition":{"ForAllValues:StringEquals":{"sts:IdentityTokenAudience":"https://api.example.com"},"NumericLessThanEquals":{"sts:DurationSeconds":300}}}]}`))
	out, err := svc.GetWebIdentityToken(ctx, rs256("https://api.example.com", 300))
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Until(aws.ToTime(out.Expiration)); d < 4*time.Minute || d > 6*time.Minute {
		t.Errorf("expires in %v, want about 300 s", d)
	}
	claims := verifyWithDiscovery(t, s, issuer, aws.ToString(out.WebIdentityToken))
	if claims["sub"] != "arn:aws:iam::000000000000:user/svc" || claims["aud"] != "https://api.example.com" {
		t.Errorf("claims %v", claims)
	}
	_, err = svc.GetWebIdentityToken(ctx, rs256("https://other.example.com", 300))
	wantAPIError(t, err, "AccessDenied", "sts:GetWebIdentityToken")
	_, err = svc.GetWebIdentityToken(ctx, rs256("https://api.example.com", 900))
	wantAPIError(t, err, "AccessDenied", "sts:GetWebIdentityToken")

	// aws CLI v2 2.9 predates the operation. v1 fetches parameters that
	// look like URLs, so its audience is a bare host.
	if path, ok := awsCLIs(t)["v1"]; ok {
		stdout, stderr, err := cli(ctx, s, "v1", path, "sts", "get-web-identity-token", "--audience", "api.example.com",
			"--signing-algorithm", "ES384", "--query", "WebIdentityToken", "--output", "text")
		if err != nil {
			t.Fatalf("%v: %s", err, stderr)
		}
		c := verifyWithDiscovery(t, s, issuer, strings.TrimSpace(stdout))
		if c["sub"] != "arn:aws:iam::000000000000:root" || c["aud"] != "api.example.com" {
			t.Errorf("CLI token claims %v", c)
		}
	} else {
		missing(t, "aws CLI v1")
	}
}

// verifyWithDiscovery checks tok as an outside service would: discovery
// document, key set, kid, signature, issuer.
func verifyWithDiscovery(t *testing.T, s *Server, issuer, tok string) map[string]any {
	t.Helper()
	var conf struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	getJSON(t, s.URL+"/_hakoniwa/outbound-federation/000000000000/.well-known/openid-configuration", &conf)
	if conf.Issuer != issuer {
		t.Fatalf("discovery issuer %q, want %q", conf.Issuer, issuer)
	}
	var set struct {
		Keys []map[string]string `json:"keys"`
	}
	getJSON(t, conf.JWKSURI, &set)
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", tok)
	}
	var hdr map[string]string
	decodeJWTPart(t, parts[0], &hdr)
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		t.Fatal(err)
	}
	signed := []byte(parts[0] + "." + parts[1])
	verified := false
	for _, k := range set.Keys {
		if k["kid"] == hdr["kid"] && k["alg"] == hdr["alg"] {
			verified = verifyJWK(t, k, signed, sig)
		}
	}
	if !verified {
		t.Fatalf("token (alg %s, kid %s) does not verify with the published keys", hdr["alg"], hdr["kid"])
	}
	var claims map[string]any
	decodeJWTPart(t, parts[1], &claims)
	if claims["iss"] != issuer {
		t.Errorf("iss %v, want %s", claims["iss"], issuer)
	}
	return claims
}

func verifyJWK(t *testing.T, k map[string]string, signed, sig []byte) bool {
	num := func(s string) *big.Int {
		b, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil {
			t.Fatal(err)
		}
		return new(big.Int).SetBytes(b)
	}
	switch k["alg"] {
	case "RS256":
		sum := sha256.Sum256(signed)
		pub := &rsa.PublicKey{N: num(k["n"]), E: int(num(k["e"]).Int64())}
		return rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig) == nil
	case "ES384":
		sum := sha512.Sum384(signed)
		pub := &ecdsa.PublicKey{Curve: elliptic.P384(), X: num(k["x"]), Y: num(k["y"])}
		return len(sig) == 96 && ecdsa.Verify(pub, sum[:], new(big.Int).SetBytes(sig[:48]), new(big.Int).SetBytes(sig[48:]))
	}
	return false
}

func decodeJWTPart(t *testing.T, part string, v any) {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(part)
	if err == nil {
		err = json.Unmarshal(b, v)
	}
	if err != nil {
		t.Fatalf("JWT segment %q: %v", part, err)
	}
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}
