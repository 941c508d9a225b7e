// Package sts implements AWS Security Token Service: who am I, temporary
// credentials (GetSessionToken, AssumeRole, GetFederationToken) and which
// account a key belongs to.
//
// A session is one stored record, keyed by its access key id: SigV4 reads
// it to verify a signature (Lookup), the authorizer to apply what the
// session carries — session policies, session tags, MFA context, source
// identity (Session). Role trust policies are not evaluated here: the
// authorizer decides sts:AssumeRole with the trust policy as the role's
// resource-based policy, together with the caller's identity policies.
package sts

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"time"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/clock"
	"hakoniwa/internal/ids"
	"hakoniwa/internal/reqctx"
	"hakoniwa/internal/sigv4"
	"hakoniwa/internal/store"

	stsapi "hakoniwa/internal/api/sts"
)

// GetSessionToken durations, in seconds (STS API reference): 12 hours by
// default, and root sessions last at most an hour.
const (
	maxRootDuration = 3600
	defaultDuration = 43200
)

// credentials is where issued temporary keys live. They are looked up by
// key id alone (the signature names no account), so the table is global.
var credentials = store.Bucket{Account: "global", Service: "sts", Kind: "credential"}

// Service is the STS implementation.
type Service struct {
	stsapi.Unimplemented
	st    store.Store
	clock clock.Clock
	ids   *ids.Source
	// DecodeMessage reads an encoded authorization failure message (the
	// authorizer's encoding); nil means none can be decoded.
	DecodeMessage func(string) (string, error)
	// IAM resolves roles and managed session policies; nil: no role can
	// be assumed and no managed policy used.
	IAM IAM
	// MFA checks MFA codes; nil: no code can be validated.
	MFA MFA
	// RootMayAssumeRoles lets account roots call AssumeRole. AWS refuses
	// them ("Roles may not be assumed by root accounts."), but the default
	// test/test keys are a root, and LocalStack-style setups assume roles
	// with them; the server allows it unless --strict-auth.
	RootMayAssumeRoles bool
	// Providers finds IAM's identity providers, Trust decides federated
	// AssumeRole* calls and OIDCKeys fetches OIDC signing keys; without
	// them no web identity or SAML caller can assume a role.
	Providers Providers
	Trust     Trust
	OIDCKeys  KeySource
	// Outbound tells whether the account has turned outbound identity
	// federation on; nil: GetWebIdentityToken always refuses.
	Outbound Outbound
	// Delegations redeems IAM's delegation exchange tokens; nil: every
	// GetDelegatedAccessToken is refused.
	Delegations Delegations

	cache recordCache
}

// DecodeAuthorizationMessage explains an encoded authorization failure
// (EC2's UnauthorizedOperation carries one).
func (s *Service) DecodeAuthorizationMessage(ctx context.Context, in *stsapi.DecodeAuthorizationMessageInput) (*stsapi.DecodeAuthorizationMessageOutput, error) {
	if s.DecodeMessage != nil {
		if doc, err := s.DecodeMessage(deref(in.EncodedMessage)); err == nil {
			return &stsapi.DecodeAuthorizationMessageOutput{DecodedMessage: &doc}, nil
		}
	}
	return nil, awserr.New(http.StatusBadRequest, "InvalidAuthorizationMessageException", "The encoded authorization message is invalid.")
}

// New returns the STS service.
func New(st store.Store, c clock.Clock, src *ids.Source) *Service {
	return &Service{st: st, clock: c, ids: src}
}

// record is a stored temporary credential.
type record struct {
	AccessKeyID     string    `json:"accessKeyId"`
	SecretAccessKey string    `json:"secretAccessKey"`
	SessionToken    string    `json:"sessionToken"`
	Account         string    `json:"account"`
	PrincipalARN    string    `json:"principalArn"`
	UserID          string    `json:"userId"`
	Expires         time.Time `json:"expires"`

	// What the session carries besides its principal. Records written
	// before these existed are GetSessionToken sessions without MFA.
	Kind           string            `json:"kind,omitempty"`
	IssuedFor      string            `json:"issuedFor,omitempty"`
	Issued         time.Time         `json:"issued,omitzero"`
	Policies       []SessionPolicy   `json:"policies,omitempty"`
	Tags           map[string]string `json:"tags,omitempty"`
	TransitiveTags []string          `json:"transitiveTags,omitempty"`
	MFA            bool              `json:"mfa,omitempty"`
	MFAAuthTime    time.Time         `json:"mfaAuthTime,omitzero"`
	SourceIdentity string            `json:"sourceIdentity,omitempty"`
}

// GetCallerIdentity answers with the caller's account, ARN and id.
func (s *Service) GetCallerIdentity(ctx context.Context, _ *stsapi.GetCallerIdentityInput) (*stsapi.GetCallerIdentityOutput, error) {
	p := reqctx.From(ctx).Principal
	return &stsapi.GetCallerIdentityOutput{Account: &p.Account, Arn: &p.ARN, UserId: &p.UserID}, nil
}

// GetSessionToken issues temporary credentials for the calling user or
// root, MFA-authenticated when it passes a device's serial number and code.
func (s *Service) GetSessionToken(ctx context.Context, in *stsapi.GetSessionTokenInput) (*stsapi.GetSessionTokenOutput, error) {
	p := reqctx.From(ctx).Principal
	if p.SessionToken != "" {
		return nil, accessDenied("Cannot call GetSessionToken with session credentials")
	}
	d := int64(defaultDuration)
	if in.DurationSeconds != nil {
		d = *in.DurationSeconds // range checked by the model validator
	}
	// "If the duration is longer than one hour, the session for AWS account
	// owners defaults to one hour" (GetSessionToken reference).
	if p.IsRoot() && (in.DurationSeconds == nil || d > maxRootDuration) {
		d = maxRootDuration
	}
	now := s.clock.Now().UTC().Truncate(time.Second)
	rec := s.newRecord(p.Account, p.ARN, p.UserID, now, d)
	rec.Kind, rec.IssuedFor = KindSessionToken, p.ARN
	if in.TokenCode != nil || in.SerialNumber != nil {
		if err := s.checkMFA(ctx, p.Account, p.ARN, in.SerialNumber, in.TokenCode); err != nil {
			return nil, err
		}
		rec.MFA, rec.MFAAuthTime = true, now
	}
	if err := s.put(ctx, &rec); err != nil {
		return nil, err
	}
	return &stsapi.GetSessionTokenOutput{Credentials: rec.credentials()}, nil
}

// checkMFA verifies an MFA code of a device owned by the caller.
func (s *Service) checkMFA(ctx context.Context, account, callerARN string, serial, code *string) error {
	if serial == nil || code == nil || s.MFA == nil {
		// Half of the pair, or no IAM to check it with: AWS answers a
		// code it cannot check this way.
		return accessDenied("MultiFactorAuthentication failed, unable to validate MFA code.")
	}
	owner, err := s.MFA.CheckMFACode(ctx, account, *serial, *code)
	if err != nil {
		return err
	}
	if owner != callerARN {
		// Another user's device proves nothing about the caller.
		return accessDenied("MultiFactorAuthentication failed with invalid MFA one time pass code.")
	}
	return nil
}

// newRecord starts a credential record for a principal of account.
func (s *Service) newRecord(account, arn, userID string, now time.Time, seconds int64) record {
	return record{
		AccessKeyID:     s.ids.AccessKeyID("ASIA", account),
		SecretAccessKey: s.ids.Secret(),
		SessionToken:    s.sessionToken(),
		Account:         account,
		PrincipalARN:    arn,
		UserID:          userID,
		Issued:          now,
		Expires:         now.Add(time.Duration(seconds) * time.Second),
	}
}

// put stores a new record.
func (s *Service) put(ctx context.Context, rec *record) error {
	return s.st.Update(ctx, func(tx store.Tx) error {
		return store.PutJSON(tx, credentials, rec.AccessKeyID, rec)
	})
}

func (r *record) credentials() *stsapi.Credentials {
	return &stsapi.Credentials{
		AccessKeyId:     &r.AccessKeyID,
		SecretAccessKey: &r.SecretAccessKey,
		SessionToken:    &r.SessionToken,
		Expiration:      &r.Expires,
	}
}

// sessionToken makes an opaque token of the length AWS's tokens have.
func (s *Service) sessionToken() string {
	return "IQoJb3JpZ2luX2VjE" + base64.StdEncoding.EncodeToString(s.ids.Bytes(270))
}

// GetAccessKeyInfo names the account a key id belongs to. Like AWS it
// answers for any well-formed key id, issued here or not: the account is
// encoded in the id itself.
func (s *Service) GetAccessKeyInfo(ctx context.Context, in *stsapi.GetAccessKeyInfoInput) (*stsapi.GetAccessKeyInfoOutput, error) {
	id := deref(in.AccessKeyId)
	if strings.HasPrefix(id, "ASIA") {
		// Only temporary keys are STS's own records; every other key id
		// names its account itself.
		if rec, ok, err := s.lookup(ctx, id); err != nil {
			return nil, err
		} else if ok {
			return &stsapi.GetAccessKeyInfoOutput{Account: &rec.Account}, nil
		}
	}
	if ids.IsAccountID(id) {
		return &stsapi.GetAccessKeyInfoOutput{Account: &id}, nil
	}
	acct, ok := ids.AccountFromAccessKeyID(id)
	if !ok {
		return nil, awserr.Validation("ValidationError", "The access key ID %s is not valid.", id)
	}
	return &stsapi.GetAccessKeyInfoOutput{Account: &acct}, nil
}

func (s *Service) lookup(ctx context.Context, id string) (record, bool, error) {
	// Wall time, not the injected clock: the cache bounds how long a
	// reset goes unnoticed in real time, whatever time tests pretend.
	now := time.Now()
	if rec, ok := s.cache.get(id, now); ok {
		return rec, true, nil
	}
	var rec record
	err := s.st.View(ctx, func(tx store.Tx) error {
		var err error
		rec, err = store.GetJSON[record](tx, credentials, id)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return rec, false, nil
	}
	if err != nil {
		return rec, false, err
	}
	s.cache.put(id, rec, now)
	return rec, true, nil
}

// Lookup implements sigv4.Credentials for the keys STS issued. It runs on
// every signed request, so keys STS cannot have issued (all of its keys
// start with ASIA) never reach the store.
func (s *Service) Lookup(ctx context.Context, accessKeyID string) (sigv4.Credential, bool, error) {
	if !strings.HasPrefix(accessKeyID, "ASIA") {
		return sigv4.Credential{}, false, nil
	}
	rec, ok, err := s.lookup(ctx, accessKeyID)
	if !ok || err != nil {
		return sigv4.Credential{}, false, err
	}
	return sigv4.Credential{
		AccessKeyID: rec.AccessKeyID, SecretAccessKey: rec.SecretAccessKey, SessionToken: rec.SessionToken,
		Account: rec.Account, PrincipalARN: rec.PrincipalARN, UserID: rec.UserID,
		Expires: rec.Expires, Active: true,
	}, true, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
