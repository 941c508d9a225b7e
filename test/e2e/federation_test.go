package e2e

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
)

// loopbackIdP is an OIDC issuer on a loopback port: discovery document
// and one RSA key.
type loopbackIdP struct {
	srv *httptest.Server
	key *rsa.PrivateKey
}

func startIdP(t *testing.T) *loopbackIdP {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := &loopbackIdP{key: key}
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]string{"issuer": p.url(), "jwks_uri": "http://" + r.Host + "/jwks"})
	})
	mux.HandleFunc("/jwks", func(w http.ResponseWriter, _ *http.Request) {
		b64 := base64.RawURLEncoding.EncodeToString
		json.NewEncoder(w).Encode(map[string]any{"keys": []map[string]string{
			{"kty": "RSA", "kid": "k1", "alg": "RS256", "use": "sig", "n": b64(key.N.Bytes()), "e": b64(big.NewInt(int64(key.E)).Bytes())},
		}})
	})
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

// url is the issuer as IAM registers it (https only).
func (p *loopbackIdP) url() string { return "https://" + strings.TrimPrefix(p.srv.URL, "http://") }

func (p *loopbackIdP) token(t *testing.T, key *rsa.PrivateKey, claims map[string]any) string {
	t.Helper()
	enc := func(v any) string { b, _ := json.Marshal(v); return base64.RawURLEncoding.EncodeToString(b) }
	signed := enc(map[string]string{"alg": "RS256", "kid": "k1"}) + "." + enc(claims)
	d := sha256.Sum256([]byte(signed))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, d[:])
	if err != nil {
		t.Fatal(err)
	}
	return signed + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// anonymousSTS sends STS calls unsigned, as SDKs do for these operations.
func anonymousSTS(s *Server) *sts.Client {
	cfg := s.DefaultConfig()
	cfg.Credentials = aws.AnonymousCredentials{}
	return sts.NewFromConfig(cfg)
}

func wantAPIError(t *testing.T, err error, code, msgPart string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != code || !strings.Contains(ae.ErrorMessage(), msgPart) {
		t.Fatalf("got %v, want %s (%s)", err, code, msgPart)
	}
}

const readBuckets = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}]}`

func TestAssumeRoleWithWebIdentityE2E(t *testing.T) {
	idp := startIdP(t)
	s := StartServerEnv(t, []string{"HAKONIWA_OIDC_ALLOW_HTTP_LOOPBACK=1"})
	ctx := context.Background()
	admin := iam.NewFromConfig(s.DefaultConfig())
	prov, err := admin.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{
		Url: aws.String(idp.url()), ClientIDList: []string{"sts.amazonaws.com"},
	})
	if err != nil {
		t.Fatal(err)
	}
	host := strings.TrimPrefix(idp.srv.URL, "http://")
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + *prov.OpenIDConnectProviderArn +
		`"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringLike":{"` + host + `:sub":"repo:example/*"}}}]}`
	roleARN := createRole(t, s.DefaultConfig(), "ci", trust, readBuckets)

	claims := func(sub, aud string, exp time.Time) map[string]any {
		return map[string]any{"iss": idp.url(), "sub": sub, "aud": aud, "exp": exp.Unix(), "iat": time.Now().Unix()}
	}
	c := anonymousSTS(s)
	assume := func(tok string) (*sts.AssumeRoleWithWebIdentityOutput, error) {
		return c.AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{
			RoleArn: aws.String(roleARN), RoleSessionName: aws.String("build-1"), WebIdentityToken: aws.String(tok),
		})
	}
	out, err := assume(idp.token(t, idp.key, claims("repo:example/app", "sts.amazonaws.com", time.Now().Add(time.Hour))))
	if err != nil {
		t.Fatal(err)
	}
	if *out.AssumedRoleUser.Arn != "arn:aws:sts::000000000000:assumed-role/ci/build-1" || *out.SubjectFromWebIdentityToken != "repo:example/app" {
		t.Errorf("got %s %s", *out.AssumedRoleUser.Arn, *out.SubjectFromWebIdentityToken)
	}
	// Act as the role: its policy allows listing buckets, nothing else.
	cr := out.Credentials
	roleCfg := s.AWSConfig(*cr.AccessKeyId, *cr.SecretAccessKey, *cr.SessionToken)
	id, err := sts.NewFromConfig(roleCfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || *id.Arn != *out.AssumedRoleUser.Arn {
		t.Fatalf("caller %v %v", id, err)
	}
	if _, err := iam.NewFromConfig(roleCfg).ListUsers(ctx, &iam.ListUsersInput{}); err == nil {
		t.Error("role session may list users")
	}

	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	for _, tc := range []struct {
		name, token, code, msg string
	}{
		{"wrong audience", idp.token(t, idp.key, claims("repo:example/app", "someone", time.Now().Add(time.Hour))), "InvalidIdentityToken", "Incorrect token audience"},
		{"expired", idp.token(t, idp.key, claims("repo:example/app", "sts.amazonaws.com", time.Now().Add(-time.Minute))), "ExpiredTokenException", "Token expired: current date/time"},
		{"bad signature", idp.token(t, other, claims("repo:example/app", "sts.amazonaws.com", time.Now().Add(time.Hour))), "InvalidIdentityToken", "signature"},
		{"condition fails", idp.token(t, idp.key, claims("repo:other/app", "sts.amazonaws.com", time.Now().Add(time.Hour))), "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity"},
		{"not a JWT", "abc.def", "InvalidIdentityToken", "not a valid JWT"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := assume(tc.token)
			wantAPIError(t, err, tc.code, tc.msg)
		})
	}
}

func TestWebIdentityWithoutLoopbackFlagE2E(t *testing.T) {
	idp := startIdP(t)
	s := StartServer(t)
	ctx := context.Background()
	prov, err := iam.NewFromConfig(s.DefaultConfig()).CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{
		Url: aws.String(idp.url()), ClientIDList: []string{"sts.amazonaws.com"},
	})
	if err != nil {
		t.Fatal(err)
	}
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + *prov.OpenIDConnectProviderArn + `"},"Action":"sts:AssumeRoleWithWebIdentity"}]}`
	roleARN := createRole(t, s.DefaultConfig(), "ci", trust, readBuckets)
	tok := idp.token(t, idp.key, map[string]any{"iss": idp.url(), "sub": "x", "aud": "sts.amazonaws.com", "exp": time.Now().Add(time.Hour).Unix()})
	_, err = anonymousSTS(s).AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{
		RoleArn: aws.String(roleARN), RoleSessionName: aws.String("s1"), WebIdentityToken: aws.String(tok),
	})
	wantAPIError(t, err, "InvalidIdentityToken", "Couldn't retrieve verification key from your identity provider")
}

func TestAssumeRoleWithSAMLE2E(t *testing.T) {
	s := StartServer(t)
	ctx := context.Background()
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "idp.example.com"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	cert, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	const entity = "https://idp.example.com/saml"
	metadata := `<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="` + entity + `"><IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">` +
		`<KeyDescriptor use="signing"><KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data><X509Certificate>` + base64.StdEncoding.EncodeToString(cert) +
		`</X509Certificate></X509Data></KeyInfo></KeyDescriptor>` +
		`<SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.com/sso"/></IDPSSODescriptor></EntityDescriptor>`
	prov, err := iam.NewFromConfig(s.DefaultConfig()).CreateSAMLProvider(ctx, &iam.CreateSAMLProviderInput{
		Name: aws.String("corp"), SAMLMetadataDocument: aws.String(metadata),
	})
	if err != nil {
		t.Fatal(err)
	}
	provARN := *prov.SAMLProviderArn
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + provARN +
		`"},"Action":"sts:AssumeRoleWithSAML","Condition":{"StringEquals":{"SAML:aud":"https://signin.aws.amazon.com/saml"}}}]}`
	roleARN := createRole(t, s.DefaultConfig(), "sso", trust, readBuckets)

	assertion := func(signer *rsa.PrivateKey, notOnOrAfter time.Time) string {
		ts := func(t time.Time) string { return t.UTC().Format(time.RFC3339) }
		a := etree.NewElement("saml:Assertion")
		a.CreateAttr("xmlns:saml", "urn:oasis:names:tc:SAML:2.0:assertion")
		a.CreateAttr("ID", "_a1")
		a.CreateAttr("Version", "2.0")
		a.CreateAttr("IssueInstant", ts(time.Now()))
		a.CreateElement("saml:Issuer").SetText(entity)
		subj := a.CreateElement("saml:Subject")
		subj.CreateElement("saml:NameID").SetText("alice")
		sc := subj.CreateElement("saml:SubjectConfirmation")
		sc.CreateAttr("Method", "urn:oasis:names:tc:SAML:2.0:cm:bearer")
		scd := sc.CreateElement("saml:SubjectConfirmationData")
		scd.CreateAttr("NotOnOrAfter", ts(notOnOrAfter))
		scd.CreateAttr("Recipient", "https://signin.aws.amazon.com/saml")
		cond := a.CreateElement("saml:Conditions")
		cond.CreateAttr("NotOnOrAfter", ts(notOnOrAfter))
		cond.CreateElement("saml:AudienceRestriction").CreateElement("saml:Audience").SetText("https://signin.aws.amazon.com/saml")
		as := a.CreateElement("saml:AttributeStatement")
		for name, v := range map[string]string{
			"https://aws.amazon.com/SAML/Attributes/Role":            roleARN + "," + provARN,
			"https://aws.amazon.com/SAML/Attributes/RoleSessionName": "alice",
		} {
			at := as.CreateElement("saml:Attribute")
			at.CreateAttr("Name", name)
			at.CreateElement("saml:AttributeValue").SetText(v)
		}
		sctx, err := dsig.NewSigningContext(signer, [][]byte{cert})
		if err != nil {
			t.Fatal(err)
		}
		signed, err := sctx.SignEnveloped(a)
		if err != nil {
			t.Fatal(err)
		}
		doc := etree.NewDocument()
		resp := doc.CreateElement("samlp:Response")
		resp.CreateAttr("xmlns:samlp", "urn:oasis:names:tc:SAML:2.0:protocol")
		resp.CreateAttr("ID", "_r1")
		resp.CreateAttr("Version", "2.0")
		resp.CreateElement("samlp:Status").CreateElement("samlp:StatusCode").CreateAttr("Value", "urn:oasis:names:tc:SAML:2.0:status:Success")
		resp.AddChild(signed)
		out, _ := doc.WriteToString()
		return base64.StdEncoding.EncodeToString([]byte(out))
	}
	c := anonymousSTS(s)
	assume := func(a string) (*sts.AssumeRoleWithSAMLOutput, error) {
		return c.AssumeRoleWithSAML(ctx, &sts.AssumeRoleWithSAMLInput{RoleArn: aws.String(roleARN), PrincipalArn: aws.String(provARN), SAMLAssertion: aws.String(a)})
	}
	out, err := assume(assertion(key, time.Now().Add(5*time.Minute)))
	if err != nil {
		t.Fatal(err)
	}
	if *out.AssumedRoleUser.Arn != "arn:aws:sts::000000000000:assumed-role/sso/alice" || *out.Subject != "alice" || *out.Issuer != entity {
		t.Errorf("got %s %s %s", *out.AssumedRoleUser.Arn, *out.Subject, *out.Issuer)
	}
	cr := out.Credentials
	id, err := sts.NewFromConfig(s.AWSConfig(*cr.AccessKeyId, *cr.SecretAccessKey, *cr.SessionToken)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || *id.Arn != *out.AssumedRoleUser.Arn {
		t.Fatalf("caller %v %v", id, err)
	}

	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	_, err = assume(assertion(other, time.Now().Add(5*time.Minute)))
	wantAPIError(t, err, "InvalidIdentityToken", "Response signature invalid")
	_, err = assume(assertion(key, time.Now().Add(-time.Minute)))
	wantAPIError(t, err, "ExpiredTokenException", "Token must be redeemed")
}
