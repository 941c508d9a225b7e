// Package sts implements AWS Security Token Service: who am I, temporary
// session credentials, and which account a key belongs to. AssumeRole and
// its federation siblings arrive with IAM.
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
}

// GetCallerIdentity answers with the caller's account, ARN and id.
func (s *Service) GetCallerIdentity(ctx context.Context, _ *stsapi.GetCallerIdentityInput) (*stsapi.GetCallerIdentityOutput, error) {
	p := reqctx.From(ctx).Principal
	return &stsapi.GetCallerIdentityOutput{Account: &p.Account, Arn: &p.ARN, UserId: &p.UserID}, nil
}

// GetSessionToken issues temporary credentials for the calling user.
func (s *Service) GetSessionToken(ctx context.Context, in *stsapi.GetSessionTokenInput) (*stsapi.GetSessionTokenOutput, error) {
	p := reqctx.From(ctx).Principal
	if p.SessionToken != "" {
		return nil, awserr.New(http.StatusForbidden, "AccessDenied", "Cannot call GetSessionToken with session credentials")
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
	if in.TokenCode != nil || in.SerialNumber != nil {
		// No MFA device can exist until IAM issues them, so no code can be
		// valid; AWS answers a code it cannot check this way.
		return nil, awserr.New(http.StatusForbidden, "AccessDenied", "MultiFactorAuthentication failed, unable to validate MFA code.")
	}
	rec := record{
		AccessKeyID:     s.ids.AccessKeyID("ASIA", p.Account),
		SecretAccessKey: s.ids.Secret(),
		SessionToken:    s.sessionToken(),
		Account:         p.Account,
		PrincipalARN:    p.ARN,
		UserID:          p.UserID,
		Expires:         s.clock.Now().Add(time.Duration(d) * time.Second).Truncate(time.Second),
	}
	err := s.st.Update(ctx, func(tx store.Tx) error {
		return store.PutJSON(tx, credentials, rec.AccessKeyID, rec)
	})
	if err != nil {
		return nil, err
	}
	return &stsapi.GetSessionTokenOutput{Credentials: &stsapi.Credentials{
		AccessKeyId:     &rec.AccessKeyID,
		SecretAccessKey: &rec.SecretAccessKey,
		SessionToken:    &rec.SessionToken,
		Expiration:      &rec.Expires,
	}}, nil
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
	if rec, ok, err := s.lookup(ctx, id); err != nil {
		return nil, err
	} else if ok {
		return &stsapi.GetAccessKeyInfoOutput{Account: &rec.Account}, nil
	}
	if isAccountID(id) {
		return &stsapi.GetAccessKeyInfoOutput{Account: &id}, nil
	}
	acct, ok := ids.AccountFromAccessKeyID(id)
	if !ok {
		return nil, awserr.Validation("ValidationError", "The access key ID %s is not valid.", id)
	}
	return &stsapi.GetAccessKeyInfoOutput{Account: &acct}, nil
}

func (s *Service) lookup(ctx context.Context, id string) (record, bool, error) {
	var rec record
	err := s.st.View(ctx, func(tx store.Tx) error {
		var err error
		rec, err = store.GetJSON[record](tx, credentials, id)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return rec, false, nil
	}
	return rec, err == nil, err
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

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
