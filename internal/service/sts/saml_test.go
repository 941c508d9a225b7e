package sts

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"

	"hakoniwa/internal/awserr"

	stsapi "hakoniwa/internal/api/sts"
)

const (
	samlARN    = "arn:aws:iam::000000000000:saml-provider/corp"
	samlEntity = "https://idp.example.com/saml"
)

// samlIdP signs SAML responses with a generated certificate.
type samlIdP struct {
	key  *rsa.PrivateKey
	cert []byte
}

func newSAMLIdP(t testing.TB) *samlIdP {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "idp.example.com"},
		// Expired long ago: AWS ignores metadata certificates' dates.
		NotBefore: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return &samlIdP{key: key, cert: der}
}

func (p *samlIdP) metadata() string {
	return `<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="` + samlEntity + `">` +
		`<IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">` +
		`<KeyDescriptor use="signing"><KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data><X509Certificate>` +
		base64.StdEncoding.EncodeToString(p.cert) +
		`</X509Certificate></X509Data></KeyInfo></KeyDescriptor></IDPSSODescriptor></EntityDescriptor>`
}

// samlOpts vary an assertion.
type samlOpts struct {
	issuer, audience, recipient, sessionName string
	notOnOrAfter                             time.Time
	roles                                    []string
	tags                                     map[string]string
	unsigned, tamper                         bool
}

// response builds a base64 SAML Response whose Assertion is signed.
func (p *samlIdP) response(t testing.TB, now time.Time, o samlOpts) string {
	t.Helper()
	if o.issuer == "" {
		o.issuer = samlEntity
	}
	if o.audience == "" {
		o.audience = "https://signin.aws.amazon.com/saml"
	}
	if o.recipient == "" {
		o.recipient = "https://signin.aws.amazon.com/saml"
	}
	if o.sessionName == "" {
		o.sessionName = "alice@example.com"
	}
	if o.notOnOrAfter.IsZero() {
		o.notOnOrAfter = now.Add(5 * time.Minute)
	}
	if o.roles == nil {
		o.roles = []string{roleARN + "," + samlARN}
	}
	ts := func(t time.Time) string { return t.UTC().Format(time.RFC3339) }
	a := etree.NewElement("saml:Assertion")
	a.CreateAttr("xmlns:saml", nsAssertion)
	a.CreateAttr("ID", "_a1")
	a.CreateAttr("Version", "2.0")
	a.CreateAttr("IssueInstant", ts(now))
	a.CreateElement("saml:Issuer").SetText(o.issuer)
	subj := a.CreateElement("saml:Subject")
	nid := subj.CreateElement("saml:NameID")
	nid.CreateAttr("Format", "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent")
	nid.SetText("alice")
	sc := subj.CreateElement("saml:SubjectConfirmation")
	sc.CreateAttr("Method", "urn:oasis:names:tc:SAML:2.0:cm:bearer")
	scd := sc.CreateElement("saml:SubjectConfirmationData")
	scd.CreateAttr("NotOnOrAfter", ts(o.notOnOrAfter))
	scd.CreateAttr("Recipient", o.recipient)
	cond := a.CreateElement("saml:Conditions")
	cond.CreateAttr("NotBefore", ts(now.Add(-time.Minute)))
	cond.CreateAttr("NotOnOrAfter", ts(o.notOnOrAfter))
	cond.CreateElement("saml:AudienceRestriction").CreateElement("saml:Audience").SetText(o.audience)
	as := a.CreateElement("saml:AttributeStatement")
	attr := func(name string, vals ...string) {
		at := as.CreateElement("saml:Attribute")
		at.CreateAttr("Name", name)
		for _, v := range vals {
			at.CreateElement("saml:AttributeValue").SetText(v)
		}
	}
	attr(attrRole, o.roles...)
	attr(attrSessionName, o.sessionName)
	for k, v := range o.tags {
		attr(attrTagPrefix+k, v)
	}
	signed := a
	if !o.unsigned {
		ctx, err := dsig.NewSigningContext(p.key, [][]byte{p.cert})
		if err != nil {
			t.Fatal(err)
		}
		if signed, err = ctx.SignEnveloped(a); err != nil {
			t.Fatal(err)
		}
	}
	if o.tamper {
		for _, e := range signed.FindElements(".//saml:AttributeValue") {
			if e.Text() == o.sessionName {
				e.SetText("mallory")
			}
		}
	}
	doc := etree.NewDocument()
	resp := doc.CreateElement("samlp:Response")
	resp.CreateAttr("xmlns:samlp", nsProtocol)
	resp.CreateAttr("ID", "_r1")
	resp.CreateAttr("Version", "2.0")
	resp.CreateAttr("IssueInstant", ts(now))
	resp.CreateElement("samlp:Status").CreateElement("samlp:StatusCode").CreateAttr("Value", statusOK)
	resp.AddChild(signed)
	s, err := doc.WriteToString()
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString([]byte(s))
}

func TestAssumeRoleWithSAML(t *testing.T) {
	p := newSAMLIdP(t)
	tests := []struct {
		name      string
		opts      samlOpts
		assertion string
		provider  string
		trusted   string
		code, msg string
	}{
		{name: "ok"},
		{name: "regional endpoint", opts: samlOpts{audience: "urn:amazon:webservices", recipient: "https://eu-west-1.signin.aws.amazon.com/saml"}},
		{name: "tags", opts: samlOpts{tags: map[string]string{"team": "blue"}}},
		{name: "not base64", assertion: "%%%", code: "InvalidIdentityToken", msg: msgSAMLInvalid},
		{name: "not a response", assertion: base64.StdEncoding.EncodeToString([]byte("<x/>")), code: "InvalidIdentityToken", msg: msgSAMLInvalid},
		{name: "unsigned", opts: samlOpts{unsigned: true}, code: "InvalidIdentityToken", msg: msgSAMLSignature},
		{name: "tampered", opts: samlOpts{tamper: true}, code: "InvalidIdentityToken", msg: msgSAMLSignature},
		{name: "other issuer", opts: samlOpts{issuer: "https://evil.example.com"}, code: "InvalidIdentityToken", msg: msgSAMLIssuer},
		{name: "other audience", opts: samlOpts{audience: "https://app.example.com"}, code: "InvalidIdentityToken", msg: msgSAMLAudience},
		{name: "other recipient", opts: samlOpts{recipient: "https://app.example.com/acs"}, code: "InvalidIdentityToken", msg: msgSAMLRecipient},
		{name: "expired", opts: samlOpts{notOnOrAfter: epoch.Add(-time.Second)}, code: "ExpiredTokenException", msg: msgSAMLExpired},
		{name: "role not granted", opts: samlOpts{roles: []string{shortRo + "," + samlARN}}, code: "AccessDenied", msg: "Not authorized to perform sts:AssumeRoleWithSAML"},
		{name: "bad session name", opts: samlOpts{sessionName: "a b"}, code: "InvalidIdentityToken", msg: msgSAMLSessionName},
		{name: "unknown provider", provider: "arn:aws:iam::000000000000:saml-provider/other", code: "InvalidIdentityToken", msg: msgSAMLNoProvider},
		{name: "untrusted", trusted: "arn:aws:iam::000000000000:saml-provider/other", code: "AccessDenied", msg: "Not authorized to perform sts:AssumeRoleWithSAML"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := newService(t)
			seen := &TrustRequest{}
			trusted := tc.trusted
			if trusted == "" {
				trusted = samlARN
			}
			s.Providers = fakeProviders{samlARN: samlARN, metadata: p.metadata()}
			s.Trust = fakeTrust{provider: trusted, seen: seen}
			assertion := tc.assertion
			if assertion == "" {
				assertion = p.response(t, epoch, tc.opts)
			}
			provider := tc.provider
			if provider == "" {
				provider = samlARN
			}
			out, err := s.AssumeRoleWithSAML(anonymous(), &stsapi.AssumeRoleWithSAMLInput{RoleArn: new(roleARN), PrincipalArn: &provider, SAMLAssertion: &assertion})
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
			if *out.AssumedRoleUser.Arn != "arn:aws:sts::000000000000:assumed-role/deploy/alice@example.com" ||
				*out.Subject != "alice" || *out.SubjectType != "persistent" || *out.Issuer != samlEntity {
				t.Errorf("output %s %s %s %s", *out.AssumedRoleUser.Arn, *out.Subject, *out.SubjectType, *out.Issuer)
			}
			// BASE64(SHA1(issuer + account + "/" + provider name)).
			sum := sha1.Sum([]byte(samlEntity + "000000000000/corp"))
			if *out.NameQualifier != base64.StdEncoding.EncodeToString(sum[:]) {
				t.Errorf("name qualifier %s", *out.NameQualifier)
			}
			if seen.Context["SAML:sub"][0] != "alice" || seen.Context["SAML:doc"][0] != "000000000000/corp" || seen.Type != TypeSAMLUser {
				t.Errorf("trust request %+v", seen)
			}
			if len(tc.opts.tags) > 0 && !seen.TagSession {
				t.Error("tags without sts:TagSession")
			}
		})
	}
}

func TestSAMLRejectsWrappedAssertion(t *testing.T) {
	// A signed assertion moved under an unsigned wrapper, next to a forged
	// one: only the signed element's claims may be read.
	p := newSAMLIdP(t)
	raw, _ := base64.StdEncoding.DecodeString(p.response(t, epoch, samlOpts{}))
	forged := strings.Replace(string(raw), "<samlp:Status>", `<saml:Assertion xmlns:saml="`+nsAssertion+`" ID="_evil"><saml:Issuer>`+samlEntity+`</saml:Issuer></saml:Assertion><samlp:Status>`, 1)
	s, _ := newService(t)
	s.Providers = fakeProviders{samlARN: samlARN, metadata: p.metadata()}
	s.Trust = fakeTrust{provider: samlARN, seen: &TrustRequest{}}
	b64 := base64.StdEncoding.EncodeToString([]byte(forged))
	_, err := s.AssumeRoleWithSAML(anonymous(), &stsapi.AssumeRoleWithSAMLInput{RoleArn: new(roleARN), PrincipalArn: new(samlARN), SAMLAssertion: &b64})
	if e := awserr.As(err); err == nil || e.Code != "InvalidIdentityToken" {
		t.Fatalf("got %v", err)
	}
}
