package iam

import (
	"context"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"io"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"hakoniwa/internal/store"

	iamapi "hakoniwa/internal/api/iam"
)

const (
	kindOIDC          = "oidc-provider"
	kindSAML          = "saml-provider"
	maxOIDCProviders  = 100
	maxSAMLProviders  = 100
	maxClientIDs      = 100
	maxThumbprints    = 5
	samlMetadataNS    = "urn:oasis:names:tc:SAML:2.0:metadata"
	maxSAMLPrivateKey = 2
)

// oidcProvider is an OpenID Connect identity provider, keyed by its URL
// without the scheme (which is also the tail of its ARN).
type oidcProvider struct {
	URL         string    `json:"url"` // host[/path], no scheme
	ClientIDs   []string  `json:"clientIds,omitempty"`
	Thumbprints []string  `json:"thumbprints,omitempty"`
	Created     time.Time `json:"created"`
	Tags        []tag     `json:"tags,omitempty"`
}

// samlProvider is a SAML 2.0 identity provider, keyed by name.
type samlProvider struct {
	Name       string           `json:"name"`
	UUID       string           `json:"uuid"`
	Metadata   string           `json:"metadata"`
	Created    time.Time        `json:"created"`
	ValidUntil *time.Time       `json:"validUntil,omitempty"`
	Tags       []tag            `json:"tags,omitempty"`
	Encryption string           `json:"encryption,omitempty"`
	Keys       []samlPrivateKey `json:"keys,omitempty"`
}

// samlPrivateKey is a key IAM decrypts assertions with; only its id and
// time are ever shown.
type samlPrivateKey struct {
	ID      string    `json:"id"`
	PEM     string    `json:"pem"`
	Created time.Time `json:"created"`
}

// OpenID Connect.

// oidcKey checks an OIDC provider URL (https only, no query or fragment)
// and returns it without its scheme.
func oidcKey(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", invalidInput("Invalid Open ID Connect Provider URL")
	}
	return strings.TrimSuffix(u.Host+u.EscapedPath(), "/"), nil
}

// oidcARNKey returns the store key an OIDC provider ARN names.
func (a *acct) oidcARNKey(arn string) (string, error) {
	rest, ok := strings.CutPrefix(arn, a.arn("oidc-provider/"))
	if !ok || rest == "" {
		if strings.HasPrefix(arn, "arn:aws:iam::") && strings.Contains(arn, ":oidc-provider/") {
			return "", oidcNotFound(arn)
		}
		return "", invalidInput("ARN %s is not valid.", arn)
	}
	return rest, nil
}

func oidcNotFound(arn string) error {
	return noSuchEntity("OpenIDConnect Provider not found for arn %s", arn)
}

func (a *acct) oidc(arn string) (*oidcProvider, error) {
	k, err := a.oidcARNKey(arn)
	if err != nil {
		return nil, err
	}
	return getRec[oidcProvider](a, kindOIDC, k, func() error { return oidcNotFound(arn) })
}

func (a *acct) putOIDC(p *oidcProvider) error { return putJSON(a, kindOIDC, p.URL, p) }

func checkThumbprints(list []string) ([]string, error) {
	if len(list) > maxThumbprints {
		return nil, limitExceeded("Thumbprint list must contain fewer than %d entries.", maxThumbprints+1)
	}
	out := make([]string, 0, len(list))
	for _, t := range list {
		if _, err := hex.DecodeString(t); len(t) != 40 || err != nil {
			return nil, invalidInput("Thumbprint %s is not a valid 40-character hex string.", t)
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out, nil
}

func checkClientID(id string) error {
	if id == "" || len(id) > 255 {
		return validationError("1 validation error detected: Value '%s' at 'clientID' failed to satisfy constraint: Member must have length between 1 and 255", id)
	}
	return nil
}

// CreateOpenIDConnectProvider registers an OIDC identity provider.
func (s *Service) CreateOpenIDConnectProvider(ctx context.Context, in *iamapi.CreateOpenIDConnectProviderInput) (*iamapi.CreateOpenIDConnectProviderOutput, error) {
	k, err := oidcKey(deref(in.Url))
	if err != nil {
		return nil, err
	}
	thumbs, err := checkThumbprints(in.ThumbprintList)
	if err != nil {
		return nil, err
	}
	if len(in.ClientIDList) > maxClientIDs {
		return nil, limitExceeded("Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: %d", maxClientIDs)
	}
	var clients []string
	for _, c := range in.ClientIDList {
		if err := checkClientID(c); err != nil {
			return nil, err
		}
		if !slices.Contains(clients, c) {
			clients = append(clients, c)
		}
	}
	tags, err := mergeTags(nil, in.Tags)
	if err != nil {
		return nil, err
	}
	p := &oidcProvider{URL: k, ClientIDs: clients, Thumbprints: thumbs, Created: s.now(), Tags: tags}
	var arn string
	err = s.update(ctx, func(a *acct) error {
		if err := a.nameFree(kindOIDC, k, alreadyExists("Provider with url %s already exists.", deref(in.Url))); err != nil {
			return err
		}
		n, err := a.tx.Count(a.b(kindOIDC), "")
		if err != nil {
			return err
		}
		if n >= maxOIDCProviders {
			return limitExceeded("Cannot exceed quota for OpenIdProvidersPerAccount: %d", maxOIDCProviders)
		}
		arn = a.arn("oidc-provider/" + k)
		return a.putOIDC(p)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.CreateOpenIDConnectProviderOutput{OpenIDConnectProviderArn: &arn, Tags: apiTags(tags)}, nil
}

// GetOpenIDConnectProvider describes an OIDC provider; its Url comes back
// without the scheme, as IAM returns it.
func (s *Service) GetOpenIDConnectProvider(ctx context.Context, in *iamapi.GetOpenIDConnectProviderInput) (*iamapi.GetOpenIDConnectProviderOutput, error) {
	var out *iamapi.GetOpenIDConnectProviderOutput
	err := oidcProviders.read(ctx, s, deref(in.OpenIDConnectProviderArn), func(_ *acct, p *oidcProvider) error {
		out = &iamapi.GetOpenIDConnectProviderOutput{
			Url: ptr(p.URL), ClientIDList: orEmpty(p.ClientIDs), ThumbprintList: orEmpty(p.Thumbprints),
			CreateDate: ptr(p.Created), Tags: apiTags(p.Tags),
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func orEmpty(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

// ListOpenIDConnectProviders lists the account's OIDC provider ARNs.
func (s *Service) ListOpenIDConnectProviders(ctx context.Context, _ *iamapi.ListOpenIDConnectProvidersInput) (*iamapi.ListOpenIDConnectProvidersOutput, error) {
	out := &iamapi.ListOpenIDConnectProvidersOutput{OpenIDConnectProviderList: []iamapi.OpenIDConnectProviderListEntry{}}
	err := s.view(ctx, func(a *acct) error {
		ps, err := all[oidcProvider](a, kindOIDC)
		for _, p := range ps {
			out.OpenIDConnectProviderList = append(out.OpenIDConnectProviderList, iamapi.OpenIDConnectProviderListEntry{Arn: ptr(a.arn("oidc-provider/" + p.URL))})
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteOpenIDConnectProvider deletes an OIDC provider.
func (s *Service) DeleteOpenIDConnectProvider(ctx context.Context, in *iamapi.DeleteOpenIDConnectProviderInput) (*iamapi.DeleteOpenIDConnectProviderOutput, error) {
	err := s.update(ctx, func(a *acct) error {
		p, err := a.oidc(deref(in.OpenIDConnectProviderArn))
		if err != nil {
			return err
		}
		return a.tx.Delete(a.b(kindOIDC), key(p.URL))
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.DeleteOpenIDConnectProviderOutput{}, nil
}

// AddClientIDToOpenIDConnectProvider adds an audience; adding one that is
// there already changes nothing.
func (s *Service) AddClientIDToOpenIDConnectProvider(ctx context.Context, in *iamapi.AddClientIDToOpenIDConnectProviderInput) (*iamapi.AddClientIDToOpenIDConnectProviderOutput, error) {
	id := deref(in.ClientID)
	if err := checkClientID(id); err != nil {
		return nil, err
	}
	err := oidcProviders.modify(ctx, s, deref(in.OpenIDConnectProviderArn), func(_ *acct, p *oidcProvider) error {
		if slices.Contains(p.ClientIDs, id) {
			return nil
		}
		if len(p.ClientIDs) >= maxClientIDs {
			return limitExceeded("Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: %d", maxClientIDs)
		}
		p.ClientIDs = append(p.ClientIDs, id)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.AddClientIDToOpenIDConnectProviderOutput{}, nil
}

// RemoveClientIDFromOpenIDConnectProvider removes an audience; removing
// one that is absent is not an error.
func (s *Service) RemoveClientIDFromOpenIDConnectProvider(ctx context.Context, in *iamapi.RemoveClientIDFromOpenIDConnectProviderInput) (*iamapi.RemoveClientIDFromOpenIDConnectProviderOutput, error) {
	id := deref(in.ClientID)
	err := oidcProviders.modify(ctx, s, deref(in.OpenIDConnectProviderArn), func(_ *acct, p *oidcProvider) error {
		p.ClientIDs = removeString(p.ClientIDs, id)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.RemoveClientIDFromOpenIDConnectProviderOutput{}, nil
}

// UpdateOpenIDConnectProviderThumbprint replaces the thumbprint list.
func (s *Service) UpdateOpenIDConnectProviderThumbprint(ctx context.Context, in *iamapi.UpdateOpenIDConnectProviderThumbprintInput) (*iamapi.UpdateOpenIDConnectProviderThumbprintOutput, error) {
	thumbs, err := checkThumbprints(in.ThumbprintList)
	if err != nil {
		return nil, err
	}
	err = oidcProviders.modify(ctx, s, deref(in.OpenIDConnectProviderArn), func(_ *acct, p *oidcProvider) error {
		p.Thumbprints = thumbs
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.UpdateOpenIDConnectProviderThumbprintOutput{}, nil
}

// TagOpenIDConnectProvider adds or overwrites tags of an OIDC provider.
func (s *Service) TagOpenIDConnectProvider(ctx context.Context, in *iamapi.TagOpenIDConnectProviderInput) (*iamapi.TagOpenIDConnectProviderOutput, error) {
	if err := oidcProviders.tag(ctx, s, deref(in.OpenIDConnectProviderArn), in.Tags); err != nil {
		return nil, err
	}
	return &iamapi.TagOpenIDConnectProviderOutput{}, nil
}

// UntagOpenIDConnectProvider removes tags from an OIDC provider.
func (s *Service) UntagOpenIDConnectProvider(ctx context.Context, in *iamapi.UntagOpenIDConnectProviderInput) (*iamapi.UntagOpenIDConnectProviderOutput, error) {
	if err := oidcProviders.untag(ctx, s, deref(in.OpenIDConnectProviderArn), in.TagKeys); err != nil {
		return nil, err
	}
	return &iamapi.UntagOpenIDConnectProviderOutput{}, nil
}

// ListOpenIDConnectProviderTags lists an OIDC provider's tags.
func (s *Service) ListOpenIDConnectProviderTags(ctx context.Context, in *iamapi.ListOpenIDConnectProviderTagsInput) (*iamapi.ListOpenIDConnectProviderTagsOutput, error) {
	tags, p, err := oidcProviders.listTags(ctx, s, deref(in.OpenIDConnectProviderArn), in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iamapi.ListOpenIDConnectProviderTagsOutput{Tags: tags, IsTruncated: p.truncated, Marker: p.marker}, nil
}

// OIDCProvider returns what STS's AssumeRoleWithWebIdentity checks a
// token against: the provider's URL (with https://), its audiences and
// its certificate thumbprints. A missing provider is NoSuchEntity.
func (s *Service) OIDCProvider(ctx context.Context, account, arn string) (url string, clientIDs, thumbprints []string, err error) {
	var p *oidcProvider
	err = s.st.View(ctx, func(tx store.Tx) error {
		var err error
		p, err = (&acct{s: s, tx: tx, id: account}).oidc(arn)
		return err
	})
	if err != nil {
		return "", nil, nil, err
	}
	return "https://" + p.URL, slices.Clone(p.ClientIDs), slices.Clone(p.Thumbprints), nil
}

// SAML.

// checkSAMLMetadata checks that doc is SAML 2.0 metadata (an
// EntityDescriptor or EntitiesDescriptor of the metadata namespace) and
// returns its validUntil, if any.
func checkSAMLMetadata(doc string) (*time.Time, error) {
	bad := invalidInput("Could not parse metadata")
	dec := xml.NewDecoder(strings.NewReader(doc))
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil, bad
		}
		if err != nil {
			return nil, bad
		}
		el, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if el.Name.Space != samlMetadataNS || (el.Name.Local != "EntityDescriptor" && el.Name.Local != "EntitiesDescriptor") {
			return nil, bad
		}
		// The whole document must be well-formed.
		for {
			if _, err := dec.Token(); err != nil {
				if !errors.Is(err, io.EOF) {
					return nil, bad
				}
				break
			}
		}
		for _, attr := range el.Attr {
			if attr.Name.Local == "validUntil" {
				t, err := time.Parse(time.RFC3339, attr.Value)
				if err != nil {
					return nil, bad
				}
				t = t.UTC()
				return &t, nil
			}
		}
		return nil, nil
	}
}

var samlNamePattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[\w._-]+$`) })

func samlNotFound(arn string) error { return noSuchEntity("Manifest not found for arn %s", arn) }

func (a *acct) samlARNName(arn string) (string, error) {
	name, ok := strings.CutPrefix(arn, a.arn("saml-provider/"))
	if !ok || name == "" {
		if strings.HasPrefix(arn, "arn:aws:iam::") && strings.Contains(arn, ":saml-provider/") {
			return "", samlNotFound(arn)
		}
		return "", invalidInput("ARN %s is not valid.", arn)
	}
	return name, nil
}

func (a *acct) saml(arn string) (*samlProvider, error) {
	name, err := a.samlARNName(arn)
	if err != nil {
		return nil, err
	}
	p, err := getRec[samlProvider](a, kindSAML, name, func() error { return samlNotFound(arn) })
	if err == nil && p.Name != name {
		return nil, samlNotFound(arn)
	}
	return p, err
}

func (a *acct) putSAML(p *samlProvider) error { return putJSON(a, kindSAML, p.Name, p) }

func checkEncryptionMode(m *string) (string, error) {
	if m == nil {
		return "", nil
	}
	if *m != "Allowed" && *m != "Required" {
		return "", validationError("1 validation error detected: Value '%s' at 'assertionEncryptionMode' failed to satisfy constraint: Member must satisfy enum value set: [Allowed, Required]", *m)
	}
	return *m, nil
}

// addSAMLKey validates and adds a decryption key (at most two).
func (s *Service) addSAMLKey(p *samlProvider, pemKey string) error {
	if _, err := parsePrivateKey(pemKey); err != nil {
		return invalidInput("The private key is not a valid PEM private key.")
	}
	if len(p.Keys) >= maxSAMLPrivateKey {
		return limitExceeded("Cannot exceed quota for PrivateKeysPerSamlProvider: %d", maxSAMLPrivateKey)
	}
	p.Keys = append(p.Keys, samlPrivateKey{ID: s.ids.UniqueID("SKEY")[4:], PEM: pemKey, Created: s.now()})
	return nil
}

// CreateSAMLProvider registers a SAML 2.0 identity provider.
func (s *Service) CreateSAMLProvider(ctx context.Context, in *iamapi.CreateSAMLProviderInput) (*iamapi.CreateSAMLProviderOutput, error) {
	name := deref(in.Name)
	if name == "" || len(name) > 128 || !samlNamePattern().MatchString(name) {
		return nil, validationError(`1 validation error detected: Value '%s' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w._-]+`, name)
	}
	doc := deref(in.SAMLMetadataDocument)
	validUntil, err := checkSAMLMetadata(doc)
	if err != nil {
		return nil, err
	}
	mode, err := checkEncryptionMode(in.AssertionEncryptionMode)
	if err != nil {
		return nil, err
	}
	tags, err := mergeTags(nil, in.Tags)
	if err != nil {
		return nil, err
	}
	p := &samlProvider{Name: name, UUID: s.ids.UUID(), Metadata: doc, Created: s.now(), ValidUntil: validUntil, Tags: tags, Encryption: mode}
	if in.AddPrivateKey != nil {
		if err := s.addSAMLKey(p, *in.AddPrivateKey); err != nil {
			return nil, err
		}
	}
	var arn string
	err = s.update(ctx, func(a *acct) error {
		if err := a.nameFree(kindSAML, name, alreadyExists("SAMLProvider %s already exists", name)); err != nil {
			return err
		}
		n, err := a.tx.Count(a.b(kindSAML), "")
		if err != nil {
			return err
		}
		if n >= maxSAMLProviders {
			return limitExceeded("Cannot exceed quota for SamlProvidersPerAccount: %d", maxSAMLProviders)
		}
		arn = a.arn("saml-provider/" + name)
		return a.putSAML(p)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.CreateSAMLProviderOutput{SAMLProviderArn: &arn, Tags: apiTags(tags)}, nil
}

// GetSAMLProvider returns a SAML provider's metadata document.
func (s *Service) GetSAMLProvider(ctx context.Context, in *iamapi.GetSAMLProviderInput) (*iamapi.GetSAMLProviderOutput, error) {
	var out *iamapi.GetSAMLProviderOutput
	err := samlProviders.read(ctx, s, deref(in.SAMLProviderArn), func(_ *acct, p *samlProvider) error {
		out = &iamapi.GetSAMLProviderOutput{
			SAMLProviderUUID: ptr(p.UUID), SAMLMetadataDocument: ptr(p.Metadata), CreateDate: ptr(p.Created),
			ValidUntil: p.ValidUntil, Tags: apiTags(p.Tags), AssertionEncryptionMode: optional(p.Encryption),
		}
		for _, k := range p.Keys {
			out.PrivateKeyList = append(out.PrivateKeyList, iamapi.SAMLPrivateKey{KeyId: ptr(k.ID), Timestamp: ptr(k.Created)})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateSAMLProvider replaces the metadata, the encryption mode or the
// decryption keys of a SAML provider.
func (s *Service) UpdateSAMLProvider(ctx context.Context, in *iamapi.UpdateSAMLProviderInput) (*iamapi.UpdateSAMLProviderOutput, error) {
	var validUntil *time.Time
	if in.SAMLMetadataDocument != nil {
		v, err := checkSAMLMetadata(*in.SAMLMetadataDocument)
		if err != nil {
			return nil, err
		}
		validUntil = v
	}
	mode, err := checkEncryptionMode(in.AssertionEncryptionMode)
	if err != nil {
		return nil, err
	}
	arn := deref(in.SAMLProviderArn)
	err = samlProviders.modify(ctx, s, arn, func(_ *acct, p *samlProvider) error {
		if in.SAMLMetadataDocument != nil {
			p.Metadata, p.ValidUntil = *in.SAMLMetadataDocument, validUntil
		}
		if mode != "" {
			p.Encryption = mode
		}
		if in.RemovePrivateKey != nil {
			i := slices.IndexFunc(p.Keys, func(k samlPrivateKey) bool { return k.ID == *in.RemovePrivateKey })
			if i < 0 {
				return invalidInput("The private key %s does not exist.", *in.RemovePrivateKey)
			}
			p.Keys = slices.Delete(slices.Clone(p.Keys), i, i+1)
		}
		if in.AddPrivateKey != nil {
			if err := s.addSAMLKey(p, *in.AddPrivateKey); err != nil {
				return err
			}
		}
		if p.Encryption == "Required" && len(p.Keys) == 0 {
			return invalidInput("A private key is required when the assertion encryption mode is Required.")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.UpdateSAMLProviderOutput{SAMLProviderArn: &arn}, nil
}

// ListSAMLProviders lists the account's SAML providers.
func (s *Service) ListSAMLProviders(ctx context.Context, _ *iamapi.ListSAMLProvidersInput) (*iamapi.ListSAMLProvidersOutput, error) {
	out := &iamapi.ListSAMLProvidersOutput{SAMLProviderList: []iamapi.SAMLProviderListEntry{}}
	err := s.view(ctx, func(a *acct) error {
		ps, err := all[samlProvider](a, kindSAML)
		for _, p := range ps {
			out.SAMLProviderList = append(out.SAMLProviderList, iamapi.SAMLProviderListEntry{
				Arn: ptr(a.arn("saml-provider/" + p.Name)), ValidUntil: p.ValidUntil, CreateDate: ptr(p.Created),
			})
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteSAMLProvider deletes a SAML provider.
func (s *Service) DeleteSAMLProvider(ctx context.Context, in *iamapi.DeleteSAMLProviderInput) (*iamapi.DeleteSAMLProviderOutput, error) {
	err := s.update(ctx, func(a *acct) error {
		p, err := a.saml(deref(in.SAMLProviderArn))
		if err != nil {
			return err
		}
		return a.tx.Delete(a.b(kindSAML), key(p.Name))
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.DeleteSAMLProviderOutput{}, nil
}

// TagSAMLProvider adds or overwrites tags of a SAML provider.
func (s *Service) TagSAMLProvider(ctx context.Context, in *iamapi.TagSAMLProviderInput) (*iamapi.TagSAMLProviderOutput, error) {
	if err := samlProviders.tag(ctx, s, deref(in.SAMLProviderArn), in.Tags); err != nil {
		return nil, err
	}
	return &iamapi.TagSAMLProviderOutput{}, nil
}

// UntagSAMLProvider removes tags from a SAML provider.
func (s *Service) UntagSAMLProvider(ctx context.Context, in *iamapi.UntagSAMLProviderInput) (*iamapi.UntagSAMLProviderOutput, error) {
	if err := samlProviders.untag(ctx, s, deref(in.SAMLProviderArn), in.TagKeys); err != nil {
		return nil, err
	}
	return &iamapi.UntagSAMLProviderOutput{}, nil
}

// ListSAMLProviderTags lists a SAML provider's tags.
func (s *Service) ListSAMLProviderTags(ctx context.Context, in *iamapi.ListSAMLProviderTagsInput) (*iamapi.ListSAMLProviderTagsOutput, error) {
	tags, p, err := samlProviders.listTags(ctx, s, deref(in.SAMLProviderArn), in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iamapi.ListSAMLProviderTagsOutput{Tags: tags, IsTruncated: p.truncated, Marker: p.marker}, nil
}

// SAMLProviderMetadata returns a SAML provider's metadata document, which
// STS's AssumeRoleWithSAML checks assertions against.
func (s *Service) SAMLProviderMetadata(ctx context.Context, account, arn string) (string, error) {
	var doc string
	err := s.st.View(ctx, func(tx store.Tx) error {
		p, err := (&acct{s: s, tx: tx, id: account}).saml(arn)
		if err == nil {
			doc = p.Metadata
		}
		return err
	})
	return doc, err
}
