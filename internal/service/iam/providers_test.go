package iam

import (
	"strings"
	"testing"

	iamapi "hakoniwa/internal/api/iam"
)

const thumb = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"

func TestOIDCProviders(t *testing.T) {
	s, ctx := newTestService(t)
	for _, tc := range []struct {
		url    string
		thumbs []string
		code   string
	}{
		{"http://token.example.com", nil, "InvalidInput"},
		{"https://token.example.com?x=1", nil, "InvalidInput"},
		{"https://token.example.com", []string{"abc"}, "InvalidInput"},
		{"https://token.example.com", []string{strings.Repeat("z", 40)}, "InvalidInput"},
		{"https://token.example.com", []string{thumb, thumb[:39] + "1", thumb[:39] + "2", thumb[:39] + "3", thumb[:39] + "4", thumb[:39] + "5"}, "LimitExceeded"},
	} {
		_, err := s.CreateOpenIDConnectProvider(ctx, &iamapi.CreateOpenIDConnectProviderInput{Url: ptr(tc.url), ThumbprintList: tc.thumbs})
		wantErr(t, err, tc.code, "")
	}
	out := must(s.CreateOpenIDConnectProvider(ctx, &iamapi.CreateOpenIDConnectProviderInput{
		Url: ptr("https://token.example.com/tenant"), ClientIDList: []string{"sts.amazonaws.com"}, ThumbprintList: []string{thumb},
		Tags: []iamapi.Tag{{Key: ptr("team"), Value: ptr("ci")}},
	}))
	arn := deref(out.OpenIDConnectProviderArn)
	if arn != "arn:aws:iam::000000000000:oidc-provider/token.example.com/tenant" {
		t.Fatalf("arn = %s", arn)
	}
	_, err := s.CreateOpenIDConnectProvider(ctx, &iamapi.CreateOpenIDConnectProviderInput{Url: ptr("https://token.example.com/tenant")})
	wantErr(t, err, "EntityAlreadyExists", "")

	must(s.AddClientIDToOpenIDConnectProvider(ctx, &iamapi.AddClientIDToOpenIDConnectProviderInput{OpenIDConnectProviderArn: &arn, ClientID: ptr("app")}))
	must(s.AddClientIDToOpenIDConnectProvider(ctx, &iamapi.AddClientIDToOpenIDConnectProviderInput{OpenIDConnectProviderArn: &arn, ClientID: ptr("app")}))
	must(s.RemoveClientIDFromOpenIDConnectProvider(ctx, &iamapi.RemoveClientIDFromOpenIDConnectProviderInput{OpenIDConnectProviderArn: &arn, ClientID: ptr("sts.amazonaws.com")}))
	must(s.RemoveClientIDFromOpenIDConnectProvider(ctx, &iamapi.RemoveClientIDFromOpenIDConnectProviderInput{OpenIDConnectProviderArn: &arn, ClientID: ptr("absent")}))
	other := strings.Repeat("a", 40)
	must(s.UpdateOpenIDConnectProviderThumbprint(ctx, &iamapi.UpdateOpenIDConnectProviderThumbprintInput{OpenIDConnectProviderArn: &arn, ThumbprintList: []string{other}}))
	got := must(s.GetOpenIDConnectProvider(ctx, &iamapi.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: &arn}))
	if deref(got.Url) != "token.example.com/tenant" || strings.Join(got.ClientIDList, ",") != "app" || strings.Join(got.ThumbprintList, ",") != other || len(got.Tags) != 1 {
		t.Fatalf("get = %+v", got)
	}
	url, clients, thumbs, err := s.OIDCProvider(ctx, acctID, arn)
	if err != nil || url != "https://token.example.com/tenant" || len(clients) != 1 || len(thumbs) != 1 {
		t.Fatalf("OIDCProvider = %s %v %v %v", url, clients, thumbs, err)
	}
	if _, _, _, err := s.OIDCProvider(ctx, "111122223333", arn); err == nil {
		t.Fatal("another account's provider was found")
	}
	if l := must(s.ListOpenIDConnectProviders(ctx, &iamapi.ListOpenIDConnectProvidersInput{})); len(l.OpenIDConnectProviderList) != 1 || deref(l.OpenIDConnectProviderList[0].Arn) != arn {
		t.Fatalf("list = %+v", l.OpenIDConnectProviderList)
	}
	must(s.UntagOpenIDConnectProvider(ctx, &iamapi.UntagOpenIDConnectProviderInput{OpenIDConnectProviderArn: &arn, TagKeys: []string{"team"}}))
	if tags := must(s.ListOpenIDConnectProviderTags(ctx, &iamapi.ListOpenIDConnectProviderTagsInput{OpenIDConnectProviderArn: &arn})).Tags; len(tags) != 0 {
		t.Fatalf("tags = %+v", tags)
	}
	if n := must(s.GetAccountSummary(ctx, &iamapi.GetAccountSummaryInput{})).SummaryMap["Providers"]; n != 1 {
		t.Fatalf("Providers = %d", n)
	}
	must(s.DeleteOpenIDConnectProvider(ctx, &iamapi.DeleteOpenIDConnectProviderInput{OpenIDConnectProviderArn: &arn}))
	_, err = s.GetOpenIDConnectProvider(ctx, &iamapi.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: &arn})
	wantErr(t, err, "NoSuchEntity", "OpenIDConnect Provider not found for arn "+arn)
}

// samlMetadata is a minimal IdP metadata document, padded past IAM's
// 1000-character minimum.
func samlMetadata(entity string) string {
	return `<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="` + entity + `" validUntil="2030-01-01T00:00:00Z">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.com/sso"/>
  </md:IDPSSODescriptor>
  <!-- ` + strings.Repeat("padding ", 120) + ` -->
</md:EntityDescriptor>`
}

func TestSAMLProviders(t *testing.T) {
	s, ctx := newTestService(t)
	for _, doc := range []string{"not xml", `<EntityDescriptor xmlns="urn:other"/>`, `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">`} {
		_, err := s.CreateSAMLProvider(ctx, &iamapi.CreateSAMLProviderInput{Name: ptr("corp"), SAMLMetadataDocument: ptr(doc)})
		wantErr(t, err, "InvalidInput", "Could not parse metadata")
	}
	_, err := s.CreateSAMLProvider(ctx, &iamapi.CreateSAMLProviderInput{Name: ptr("bad name"), SAMLMetadataDocument: ptr(samlMetadata("x"))})
	wantErr(t, err, "ValidationError", "")
	arn := deref(must(s.CreateSAMLProvider(ctx, &iamapi.CreateSAMLProviderInput{Name: ptr("corp"), SAMLMetadataDocument: ptr(samlMetadata("https://idp.example.com"))})).SAMLProviderArn)
	if arn != "arn:aws:iam::000000000000:saml-provider/corp" {
		t.Fatalf("arn = %s", arn)
	}
	_, err = s.CreateSAMLProvider(ctx, &iamapi.CreateSAMLProviderInput{Name: ptr("corp"), SAMLMetadataDocument: ptr(samlMetadata("x"))})
	wantErr(t, err, "EntityAlreadyExists", "")
	got := must(s.GetSAMLProvider(ctx, &iamapi.GetSAMLProviderInput{SAMLProviderArn: &arn}))
	if got.ValidUntil == nil || got.ValidUntil.Year() != 2030 || len(deref(got.SAMLProviderUUID)) != 36 {
		t.Fatalf("get = %+v", got)
	}
	must(s.UpdateSAMLProvider(ctx, &iamapi.UpdateSAMLProviderInput{SAMLProviderArn: &arn, SAMLMetadataDocument: ptr(samlMetadata("https://idp2.example.com"))}))
	doc, err := s.SAMLProviderMetadata(ctx, acctID, arn)
	if err != nil || !strings.Contains(doc, "idp2.example.com") {
		t.Fatalf("SAMLProviderMetadata = %v", err)
	}
	_, err = s.UpdateSAMLProvider(ctx, &iamapi.UpdateSAMLProviderInput{SAMLProviderArn: &arn, AssertionEncryptionMode: ptr("Required")})
	wantErr(t, err, "InvalidInput", "")
	must(s.UpdateSAMLProvider(ctx, &iamapi.UpdateSAMLProviderInput{SAMLProviderArn: &arn, AssertionEncryptionMode: ptr("Required"), AddPrivateKey: ptr(keyPEM(t, ecKey(t)))}))
	if got := must(s.GetSAMLProvider(ctx, &iamapi.GetSAMLProviderInput{SAMLProviderArn: &arn})); len(got.PrivateKeyList) != 1 || deref(got.AssertionEncryptionMode) != "Required" {
		t.Fatalf("after key = %+v", got)
	}
	must(s.TagSAMLProvider(ctx, &iamapi.TagSAMLProviderInput{SAMLProviderArn: &arn, Tags: []iamapi.Tag{{Key: ptr("k"), Value: ptr("v")}}}))
	if tags := must(s.ListSAMLProviderTags(ctx, &iamapi.ListSAMLProviderTagsInput{SAMLProviderArn: &arn})).Tags; len(tags) != 1 {
		t.Fatalf("tags = %+v", tags)
	}
	if l := must(s.ListSAMLProviders(ctx, &iamapi.ListSAMLProvidersInput{})); len(l.SAMLProviderList) != 1 {
		t.Fatalf("list = %+v", l.SAMLProviderList)
	}
	must(s.DeleteSAMLProvider(ctx, &iamapi.DeleteSAMLProviderInput{SAMLProviderArn: &arn}))
	_, err = s.GetSAMLProvider(ctx, &iamapi.GetSAMLProviderInput{SAMLProviderArn: &arn})
	wantErr(t, err, "NoSuchEntity", "Manifest not found for arn "+arn)
	_, err = s.GetSAMLProvider(ctx, &iamapi.GetSAMLProviderInput{SAMLProviderArn: ptr("not-an-arn")})
	wantErr(t, err, "InvalidInput", "")
}
