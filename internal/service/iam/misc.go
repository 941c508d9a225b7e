package iam

import (
	"context"
	"errors"
	"net/http"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/store"

	iamapi "hakoniwa/internal/api/iam"
)

// Keys of further per-account singletons (kindAccount).
const (
	stsPreferencesKey  = "sts-preferences"
	outboundFederation = "outbound-web-identity-federation"
)

type stsPreferences struct {
	TokenVersion string `json:"tokenVersion"` // v1Token or v2Token
}

// SetSecurityTokenServicePreferences chooses the version of the session
// tokens the global STS endpoint issues (GetAccountSummary reports it).
func (s *Service) SetSecurityTokenServicePreferences(ctx context.Context, in *iamapi.SetSecurityTokenServicePreferencesInput) (*iamapi.SetSecurityTokenServicePreferencesOutput, error) {
	v := deref(in.GlobalEndpointTokenVersion)
	if v != "v1Token" && v != "v2Token" {
		return nil, validationError("1 validation error detected: Value '%s' at 'globalEndpointTokenVersion' failed to satisfy constraint: Member must satisfy enum value set: [v1Token, v2Token]", v)
	}
	err := s.update(ctx, func(a *acct) error {
		return store.PutJSON(a.tx, a.b(kindAccount), stsPreferencesKey, stsPreferences{TokenVersion: v})
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.SetSecurityTokenServicePreferencesOutput{}, nil
}

// summarizeMore adds the counts of mfa.go, certificates.go and
// providers.go to GetAccountSummary's map.
func (a *acct) summarizeMore(m map[string]int64) error {
	devices, err := all[mfaDevice](a, kindMFA)
	if err != nil {
		return err
	}
	var inUse int64
	for _, d := range devices {
		if d.User != "" {
			inUse++
		}
	}
	m["MFADevices"], m["MFADevicesInUse"] = int64(len(devices)), inUse
	for kind, name := range map[string]string{kindServerCert: "ServerCertificates", kindOIDC: "", kindSAML: ""} {
		n, err := a.tx.Count(a.b(kind), "")
		if err != nil {
			return err
		}
		if name == "" {
			m["Providers"] += int64(n)
		} else {
			m[name] = int64(n)
		}
	}
	rootCerts, err := keyOwner{root: true}.certs(a)
	if err != nil {
		return err
	}
	m["AccountSigningCertificatesPresent"] = int64(min(len(rootCerts), 1))
	prefs, err := store.GetJSON[stsPreferences](a.tx, a.b(kindAccount), stsPreferencesKey)
	switch {
	case err == nil && prefs.TokenVersion == "v2Token":
		m["GlobalEndpointTokenVersion"] = 2
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return err
	}
	return nil
}

// AWS Organizations features. hakoniwa runs no AWS Organizations, so an
// account is never in an organization, which these operations require.

func errNoOrganization() error {
	return awserr.New(http.StatusBadRequest, "OrganizationNotFoundException", "The request failed because your organization does not exist. Create an organization and try again.")
}

// ListOrganizationsFeatures answers as for an account outside an
// organization.
func (s *Service) ListOrganizationsFeatures(context.Context, *iamapi.ListOrganizationsFeaturesInput) (*iamapi.ListOrganizationsFeaturesOutput, error) {
	return nil, errNoOrganization()
}

// EnableOrganizationsRootCredentialsManagement needs an organization.
func (s *Service) EnableOrganizationsRootCredentialsManagement(context.Context, *iamapi.EnableOrganizationsRootCredentialsManagementInput) (*iamapi.EnableOrganizationsRootCredentialsManagementOutput, error) {
	return nil, errNoOrganization()
}

// DisableOrganizationsRootCredentialsManagement needs an organization.
func (s *Service) DisableOrganizationsRootCredentialsManagement(context.Context, *iamapi.DisableOrganizationsRootCredentialsManagementInput) (*iamapi.DisableOrganizationsRootCredentialsManagementOutput, error) {
	return nil, errNoOrganization()
}

// EnableOrganizationsRootSessions needs an organization.
func (s *Service) EnableOrganizationsRootSessions(context.Context, *iamapi.EnableOrganizationsRootSessionsInput) (*iamapi.EnableOrganizationsRootSessionsOutput, error) {
	return nil, errNoOrganization()
}

// DisableOrganizationsRootSessions needs an organization.
func (s *Service) DisableOrganizationsRootSessions(context.Context, *iamapi.DisableOrganizationsRootSessionsInput) (*iamapi.DisableOrganizationsRootSessionsOutput, error) {
	return nil, errNoOrganization()
}

// Outbound web identity federation: STS GetWebIdentityToken issues JWTs
// for AWS principals once the account turns the feature on.

type outboundFederationState struct {
	Issuer string `json:"issuer"`
}

func featureDisabled() error {
	return awserr.New(http.StatusNotFound, "FeatureDisabled", "Outbound web identity federation is disabled for this account.")
}

func (a *acct) outboundFederation() (*outboundFederationState, error) {
	st, err := store.GetJSON[outboundFederationState](a.tx, a.b(kindAccount), outboundFederation)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	return &st, err
}

// EnableOutboundWebIdentityFederation turns the feature on and returns
// the account's token issuer URL.
func (s *Service) EnableOutboundWebIdentityFederation(ctx context.Context, _ *iamapi.EnableOutboundWebIdentityFederationInput) (*iamapi.EnableOutboundWebIdentityFederationOutput, error) {
	issuer := "https://" + s.ids.UUID() + ".tokens.sts.global.api.aws"
	err := s.update(ctx, func(a *acct) error {
		cur, err := a.outboundFederation()
		if err != nil {
			return err
		}
		if cur != nil {
			return awserr.New(http.StatusConflict, "FeatureEnabled", "Outbound web identity federation is already enabled for this account.")
		}
		return store.PutJSON(a.tx, a.b(kindAccount), outboundFederation, outboundFederationState{Issuer: issuer})
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.EnableOutboundWebIdentityFederationOutput{IssuerIdentifier: &issuer}, nil
}

// DisableOutboundWebIdentityFederation turns the feature off.
func (s *Service) DisableOutboundWebIdentityFederation(ctx context.Context, _ *iamapi.DisableOutboundWebIdentityFederationInput) (*iamapi.DisableOutboundWebIdentityFederationOutput, error) {
	err := s.update(ctx, func(a *acct) error {
		cur, err := a.outboundFederation()
		if err != nil {
			return err
		}
		if cur == nil {
			return featureDisabled()
		}
		return a.tx.Delete(a.b(kindAccount), outboundFederation)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.DisableOutboundWebIdentityFederationOutput{}, nil
}

// GetOutboundWebIdentityFederationInfo reports the issuer while enabled.
func (s *Service) GetOutboundWebIdentityFederationInfo(ctx context.Context, _ *iamapi.GetOutboundWebIdentityFederationInfoInput) (*iamapi.GetOutboundWebIdentityFederationInfoOutput, error) {
	var out *iamapi.GetOutboundWebIdentityFederationInfoOutput
	err := s.view(ctx, func(a *acct) error {
		cur, err := a.outboundFederation()
		if err != nil {
			return err
		}
		if cur == nil {
			return featureDisabled()
		}
		out = &iamapi.GetOutboundWebIdentityFederationInfoOutput{IssuerIdentifier: ptr(cur.Issuer), JwtVendingEnabled: ptr(true)}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// OutboundIssuer is the account's outbound federation issuer URL, for STS
// GetWebIdentityToken; ok is false while the feature is disabled.
func (s *Service) OutboundIssuer(ctx context.Context, account string) (issuer string, ok bool, err error) {
	err = s.st.View(ctx, func(tx store.Tx) error {
		cur, err := (&acct{s: s, tx: tx, id: account}).outboundFederation()
		if cur != nil {
			issuer, ok = cur.Issuer, true
		}
		return err
	})
	return issuer, ok, err
}
