package sts

import (
	"context"
	"crypto/sha1"
	"crypto/x509"
	"encoding/base64"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/ids"

	stsapi "hakoniwa/internal/api/sts"
)

// SAML 2.0 namespaces and the attribute names AWS reads ("Configuring
// SAML assertions for the authentication response").
const (
	nsProtocol  = "urn:oasis:names:tc:SAML:2.0:protocol"
	nsAssertion = "urn:oasis:names:tc:SAML:2.0:assertion"
	nsMetadata  = "urn:oasis:names:tc:SAML:2.0:metadata"
	statusOK    = "urn:oasis:names:tc:SAML:2.0:status:Success"
	nameIDPfx   = "urn:oasis:names:tc:SAML:2.0:nameid-format:"

	attrPrefix      = "https://aws.amazon.com/SAML/Attributes/"
	attrRole        = attrPrefix + "Role"
	attrSessionName = attrPrefix + "RoleSessionName"
	attrTagPrefix   = attrPrefix + "PrincipalTag:"
	attrTransitive  = attrPrefix + "TransitiveTagKeys"
	attrSource      = attrPrefix + "SourceIdentity"
)

// AWS's answers to assertions it cannot accept. The signature, session
// name and expiry texts are AWS's own; the others follow their style.
const (
	msgSAMLInvalid     = "Invalid SAML response."
	msgSAMLSignature   = "Response signature invalid"
	msgSAMLNoProvider  = "Specified provider doesn't exist"
	msgSAMLIssuer      = "Issuer in the SAML response does not match the identity provider's entity ID"
	msgSAMLAudience    = "Audience in the SAML response does not match the AWS sign-in endpoint"
	msgSAMLRecipient   = "Recipient in the SAML response does not match the AWS sign-in endpoint"
	msgSAMLExpired     = "Token must be redeemed within 5 minutes of issuance"
	msgSAMLNotYetValid = "Token is not yet valid"
	msgSAMLSessionName = "RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}"
)

// samlSkew is the clock skew tolerated on NotBefore.
const samlSkew = 5 * time.Minute

// sessionNameRE is compiled on first use: a bounded repeat is hundreds of
// allocations every start-up would pay.
var sessionNameRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-zA-Z_0-9+=,.@-]{2,64}$`) })

// AssumeRoleWithSAML exchanges a SAML 2.0 authentication response for a
// role session. The call is unsigned: the assertion, signed by the IdP
// whose metadata is registered as the IAM SAML provider PrincipalArn, is
// the credential. It must be for AWS (audience, recipient), current, and
// list the role and provider pair among its Role attribute values; then
// the role's trust policy must allow the provider.
func (s *Service) AssumeRoleWithSAML(ctx context.Context, in *stsapi.AssumeRoleWithSAMLInput) (*stsapi.AssumeRoleWithSAMLOutput, error) {
	const action = "sts:AssumeRoleWithSAML"
	roleARN, providerARN := deref(in.RoleArn), deref(in.PrincipalArn)
	if _, ok := roleAccount(roleARN); !ok {
		return nil, awserr.Validation("ValidationError", "%s is invalid", roleARN)
	}
	providerName, ok := samlProviderName(providerARN)
	if !ok {
		return nil, awserr.Validation("ValidationError", "%s is invalid", providerARN)
	}
	if s.Providers == nil {
		return nil, invalidToken(msgSAMLNoProvider)
	}
	// The provider is the one PrincipalArn names, in its account.
	provAccount := strings.SplitN(providerARN, ":", 6)[4]
	meta, err := s.Providers.SAMLProviderMetadata(ctx, provAccount, providerARN)
	if err != nil {
		if e := awserr.As(err); e.Code == "NoSuchEntity" || e.Code == "InvalidInput" {
			return nil, invalidToken(msgSAMLNoProvider)
		}
		return nil, err
	}
	idp, err := parseIdPMetadata(meta)
	if err != nil {
		return nil, invalidToken(msgSAMLSignature)
	}
	a, err := verifyAssertion(deref(in.SAMLAssertion), idp, s.clock.Now().UTC())
	if err != nil {
		return nil, err
	}
	if !a.grants(roleARN, providerARN) {
		return nil, accessDenied("Not authorized to perform %s", action)
	}
	if !sessionNameRE().MatchString(a.sessionName) {
		return nil, invalidToken(msgSAMLSessionName)
	}

	// SAML:namequalifier ("Available keys for SAML-based federation").
	sum := sha1.Sum([]byte(a.issuer + provAccount + "/" + providerName))
	qualifier := base64.StdEncoding.EncodeToString(sum[:])
	keys := map[string][]string{
		"aws:FederatedProvider": {providerARN},
		"SAML:aud":              {a.recipient},
		"SAML:iss":              {a.issuer},
		"SAML:sub":              {a.subject},
		"SAML:sub_type":         {a.subjectType},
		"SAML:namequalifier":    {qualifier},
		"SAML:doc":              {provAccount + "/" + providerName},
	}
	sess, err := s.assumeFederated(ctx, federation{
		trust: TrustRequest{
			RoleARN: roleARN, Action: action, Type: TypeSAMLUser,
			Provider: providerARN, UserID: providerARN + ":" + a.subject, Context: keys,
		},
		sessionName: a.sessionName, duration: in.DurationSeconds,
		policy: in.Policy, policyARNs: in.PolicyArns,
		tags: a.tags, transitive: a.transitive, source: a.source,
	})
	if err != nil {
		return nil, err
	}
	out := &stsapi.AssumeRoleWithSAMLOutput{
		Credentials:      sess.rec.credentials(),
		AssumedRoleUser:  &stsapi.AssumedRoleUser{AssumedRoleId: &sess.rec.UserID, Arn: &sess.rec.PrincipalARN},
		PackedPolicySize: sess.packed,
		Subject:          &a.subject,
		SubjectType:      &a.subjectType,
		Issuer:           &a.issuer,
		Audience:         &a.recipient,
		NameQualifier:    &qualifier,
	}
	if a.source != "" {
		out.SourceIdentity = &a.source
	}
	return out, nil
}

// samlProviderName is the name in arn:aws:iam::111122223333:saml-provider/Name.
func samlProviderName(arn string) (string, bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "iam" || !ids.IsAccountID(parts[4]) {
		return "", false
	}
	name, ok := strings.CutPrefix(parts[5], "saml-provider/")
	return name, ok && name != ""
}

// idpMetadata is what a SAML provider's metadata document says about its
// IdP: who it is and which certificates sign its responses.
type idpMetadata struct {
	entityID string
	certs    []*x509.Certificate
}

func parseIdPMetadata(doc string) (idpMetadata, error) {
	x := etree.NewDocument()
	if err := x.ReadFromString(doc); err != nil {
		return idpMetadata{}, err
	}
	var out idpMetadata
	for _, ed := range descendants(x.Root(), nsMetadata, "EntityDescriptor") {
		for _, sso := range children(ed, nsMetadata, "IDPSSODescriptor") {
			for _, kd := range children(sso, nsMetadata, "KeyDescriptor") {
				if use := kd.SelectAttrValue("use", "signing"); use != "signing" {
					continue
				}
				for _, c := range descendants(kd, dsig.Namespace, "X509Certificate") {
					der, err := base64.StdEncoding.DecodeString(stripSpace(c.Text()))
					if err != nil {
						continue
					}
					if cert, err := x509.ParseCertificate(der); err == nil {
						out.certs = append(out.certs, cert)
					}
				}
			}
			if out.entityID == "" {
				out.entityID = ed.SelectAttrValue("entityID", "")
			}
		}
	}
	if out.entityID == "" || len(out.certs) == 0 {
		return out, errSAML
	}
	return out, nil
}

var errSAML = awserr.New(http.StatusBadRequest, "InvalidIdentityToken", msgSAMLInvalid)

// assertion is what AWS reads from a verified SAML assertion.
type assertion struct {
	issuer, recipient    string
	subject, subjectType string
	roles                []string // "roleARN,providerARN" in either order
	sessionName, source  string
	tags                 map[string]string
	transitive           []string
}

func (a *assertion) grants(roleARN, providerARN string) bool {
	for _, pair := range a.roles {
		parts := strings.Split(pair, ",")
		if len(parts) != 2 {
			continue
		}
		x, y := strings.TrimSpace(parts[0]), strings.TrimSpace(parts[1])
		if (x == roleARN && y == providerARN) || (x == providerARN && y == roleARN) {
			return true
		}
	}
	return false
}

// verifyAssertion checks a base64 SAML Response against the IdP and reads
// its assertion. Claims are read only from the element whose signature was
// verified — the Response, or the Assertion itself — so nothing outside
// the signed XML can be slipped in (signature wrapping).
func verifyAssertion(b64 string, idp idpMetadata, now time.Time) (*assertion, error) {
	raw, err := base64.StdEncoding.DecodeString(stripSpace(b64))
	if err != nil {
		return nil, invalidToken(msgSAMLInvalid)
	}
	doc := etree.NewDocument()
	// Entities and DTDs have no place in a SAML response.
	if strings.Contains(string(raw), "<!DOCTYPE") || strings.Contains(string(raw), "<!ENTITY") {
		return nil, invalidToken(msgSAMLInvalid)
	}
	if err := doc.ReadFromBytes(raw); err != nil {
		return nil, invalidToken(msgSAMLInvalid)
	}
	resp := doc.Root()
	if resp == nil || resp.Tag != "Response" || resp.NamespaceURI() != nsProtocol {
		return nil, invalidToken(msgSAMLInvalid)
	}
	var signed *etree.Element // the verified assertion
	if child(resp, dsig.Namespace, "Signature") != nil {
		v, err := validateSignature(resp, idp.certs)
		if err != nil {
			return nil, invalidToken(msgSAMLSignature)
		}
		resp = v
		signed = child(resp, nsAssertion, "Assertion")
		if signed != nil && child(signed, dsig.Namespace, "Signature") != nil {
			if signed, err = validateSignature(signed, idp.certs); err != nil {
				return nil, invalidToken(msgSAMLSignature)
			}
		}
	} else if a := child(resp, nsAssertion, "Assertion"); a != nil {
		if signed, err = validateSignature(a, idp.certs); err != nil {
			return nil, invalidToken(msgSAMLSignature)
		}
	} else {
		return nil, invalidToken(msgSAMLSignature)
	}
	if st := child(child(resp, nsProtocol, "Status"), nsProtocol, "StatusCode"); st == nil || st.SelectAttrValue("Value", "") != statusOK {
		return nil, invalidToken(msgSAMLInvalid)
	}
	if signed == nil {
		return nil, invalidToken(msgSAMLInvalid)
	}

	out := &assertion{tags: map[string]string{}}
	out.issuer = text(child(signed, nsAssertion, "Issuer"))
	if out.issuer != idp.entityID {
		return nil, invalidToken(msgSAMLIssuer)
	}
	cond := child(signed, nsAssertion, "Conditions")
	if cond == nil {
		return nil, invalidToken(msgSAMLAudience)
	}
	if err := checkWindow(cond, now); err != nil {
		return nil, err
	}
	var audOK bool
	for _, ar := range children(cond, nsAssertion, "AudienceRestriction") {
		for _, a := range children(ar, nsAssertion, "Audience") {
			audOK = audOK || isAWSAudience(strings.TrimSpace(a.Text()))
		}
	}
	if !audOK {
		return nil, invalidToken(msgSAMLAudience)
	}
	subj := child(signed, nsAssertion, "Subject")
	nameID := child(subj, nsAssertion, "NameID")
	if nameID == nil {
		return nil, invalidToken(msgSAMLInvalid)
	}
	out.subject = text(nameID)
	out.subjectType = strings.TrimPrefix(nameID.SelectAttrValue("Format", nameIDPfx+"unspecified"), nameIDPfx)
	for _, sc := range children(subj, nsAssertion, "SubjectConfirmation") {
		if sc.SelectAttrValue("Method", "") != "urn:oasis:names:tc:SAML:2.0:cm:bearer" {
			continue
		}
		d := child(sc, nsAssertion, "SubjectConfirmationData")
		if d == nil {
			continue
		}
		if err := checkWindow(d, now); err != nil {
			return nil, err
		}
		if r := d.SelectAttrValue("Recipient", ""); isAWSRecipient(r) {
			out.recipient = r
		}
	}
	if out.recipient == "" {
		return nil, invalidToken(msgSAMLRecipient)
	}
	for _, as := range children(signed, nsAssertion, "AttributeStatement") {
		for _, at := range children(as, nsAssertion, "Attribute") {
			name := at.SelectAttrValue("Name", "")
			var vals []string
			for _, v := range children(at, nsAssertion, "AttributeValue") {
				vals = append(vals, strings.TrimSpace(v.Text()))
			}
			switch {
			case name == attrRole:
				out.roles = append(out.roles, vals...)
			case name == attrSessionName && len(vals) > 0:
				out.sessionName = vals[0]
			case name == attrSource && len(vals) > 0:
				out.source = vals[0]
			case name == attrTransitive:
				out.transitive = append(out.transitive, vals...)
			case strings.HasPrefix(name, attrTagPrefix) && len(vals) > 0:
				out.tags[strings.TrimPrefix(name, attrTagPrefix)] = vals[0]
			}
		}
	}
	return out, nil
}

// checkWindow applies NotBefore and NotOnOrAfter.
func checkWindow(el *etree.Element, now time.Time) error {
	if v := el.SelectAttrValue("NotOnOrAfter", ""); v != "" {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return invalidToken(msgSAMLInvalid)
		}
		if !now.Before(t) {
			return expiredToken(msgSAMLExpired)
		}
	}
	if v := el.SelectAttrValue("NotBefore", ""); v != "" {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return invalidToken(msgSAMLInvalid)
		}
		if now.Add(samlSkew).Before(t) {
			return invalidToken(msgSAMLNotYetValid)
		}
	}
	return nil
}

// isAWSAudience: AWS's SAML service provider is known by its sign-in URL
// (global or regional) and by the URN IdPs such as AD FS use.
func isAWSAudience(a string) bool {
	return a == "urn:amazon:webservices" || isAWSRecipient(a)
}

// isAWSRecipient: assertions are posted to https://signin.aws.amazon.com/saml
// or to a regional https://<region>.signin.aws.amazon.com/saml.
func isAWSRecipient(r string) bool {
	if r == "https://signin.aws.amazon.com/saml" {
		return true
	}
	region, ok := strings.CutPrefix(r, "https://")
	if !ok {
		return false
	}
	region, ok = strings.CutSuffix(region, ".signin.aws.amazon.com/saml")
	return ok && region != "" && !strings.ContainsAny(region, "/.:")
}

// validateSignature verifies el's enveloped signature with one of certs and
// returns the verified copy of el. AWS does not enforce the validity dates
// of metadata certificates, so each is checked at its own NotBefore.
func validateSignature(el *etree.Element, certs []*x509.Certificate) (*etree.Element, error) {
	var last error
	for _, c := range certs {
		ctx := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: []*x509.Certificate{c}})
		ctx.Clock = dsig.NewFakeClockAt(c.NotBefore.Add(time.Second))
		v, err := ctx.Validate(el)
		if err == nil {
			return v, nil
		}
		last = err
	}
	return nil, last
}

func child(el *etree.Element, ns, tag string) *etree.Element {
	if el == nil {
		return nil
	}
	for _, c := range el.ChildElements() {
		if c.Tag == tag && c.NamespaceURI() == ns {
			return c
		}
	}
	return nil
}

func children(el *etree.Element, ns, tag string) []*etree.Element {
	if el == nil {
		return nil
	}
	var out []*etree.Element
	for _, c := range el.ChildElements() {
		if c.Tag == tag && c.NamespaceURI() == ns {
			out = append(out, c)
		}
	}
	return out
}

// descendants finds elements at any depth, el included.
func descendants(el *etree.Element, ns, tag string) []*etree.Element {
	if el == nil {
		return nil
	}
	var out []*etree.Element
	if el.Tag == tag && el.NamespaceURI() == ns {
		out = append(out, el)
	}
	for _, c := range el.ChildElements() {
		out = append(out, descendants(c, ns, tag)...)
	}
	return out
}

// text is an element's trimmed text; "" for a missing element.
func text(el *etree.Element) string {
	if el == nil {
		return ""
	}
	return strings.TrimSpace(el.Text())
}

func stripSpace(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '\n' || r == '\r' || r == '\t' {
			return -1
		}
		return r
	}, s)
}
