// Package iam implements AWS Identity and Access Management's control
// plane: users, groups, roles, managed and inline policies, access keys,
// instance profiles, login profiles and account settings.
//
// IAM is global: everything lives in Region "" buckets of the caller's
// account. Each entity is one record holding what hangs off it (inline
// policies, attached policy ARNs, group memberships, key ids), so the
// enforcement path (PrincipalPolicies) reads a principal in a handful of
// gets inside one transaction. Names are unique case-insensitively: keys
// are the lower-cased name, records keep the case given.
//
// Access keys also live in one global bucket keyed by key id, because a
// signature names a key, not an account; Service implements
// sigv4.Credentials from it.
package iam

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/clock"
	"hakoniwa/internal/ids"
	"hakoniwa/internal/reqctx"
	"hakoniwa/internal/store"

	iamapi "hakoniwa/internal/api/iam"
)

const serviceName = "iam"

// Kinds of records, per account.
const (
	kindUser     = "user"
	kindGroup    = "group"
	kindRole     = "role"
	kindPolicy   = "policy"
	kindProfile  = "instance-profile"
	kindAccount  = "account"
	kindSLRTask  = "slr-deletion-task"
	kindKeyUsage = "access-key-last-used"
)

// Keys of the per-account singleton records (kindAccount).
const (
	accountMetaKey     = "meta"
	passwordPolicyKey  = "password-policy"
	accountAliasKey    = "alias"
	rootAccessKeysKey  = "root-access-keys"
	defaultMaxItems    = 100
	maxManagedAttached = 10
	maxAccessKeys      = 2
)

// Global buckets: looked up without knowing the account.
var (
	accessKeysBucket = store.Bucket{Account: "global", Service: serviceName, Kind: "access-key"}
	aliasesBucket    = store.Bucket{Account: "global", Service: serviceName, Kind: "account-alias"}
)

func bucket(account, kind string) store.Bucket {
	return store.Bucket{Account: account, Service: serviceName, Kind: kind}
}

// Service is the IAM implementation.
type Service struct {
	iamapi.Unimplemented
	st    store.Store
	clock clock.Clock
	ids   *ids.Source
	aws   func() *awsPolicies
	usage *keyUsage
	// writes counts IAM writes; principals and keys cache what every
	// request reads (PrincipalPolicies, Lookup) until the next write.
	writes     atomic.Uint64
	principals genCache[principalKey, Principal]
	keys       genCache[string, accessKey]
	paths      genCache[pathKey, string]
	// Notify delivers a message to a notification channel (an SNS topic
	// ARN): SendDelegationToken's exchange token. nil drops it.
	Notify func(ctx context.Context, channel, message string)
}

// New returns the IAM service.
func New(st store.Store, c clock.Clock, src *ids.Source) *Service {
	// AWS managed policies are parsed on first use: most servers never
	// list them, and parsing them all at start-up doubled start-up time.
	s := &Service{st: st, clock: c, ids: src, aws: sync.OnceValue(loadAWSPolicies)}
	s.principals = newGenCache[principalKey, Principal](&s.writes)
	s.keys = newGenCache[string, accessKey](&s.writes)
	s.paths = newGenCache[pathKey, string](&s.writes)
	s.usage = newKeyUsage(s)
	return s
}

// now is the current time at IAM's precision (seconds).
func (s *Service) now() time.Time { return s.clock.Now().UTC().Truncate(time.Second) }

// caller is the authenticated principal of the request.
func caller(ctx context.Context) reqctx.Principal { return reqctx.From(ctx).Principal }

// errNoAccount answers a call that carries no account (an unsigned
// request): IAM has nothing to show an anonymous caller.
var errNoAccount = awserr.New(http.StatusForbidden, "MissingAuthenticationToken", "Request is missing Authentication Token")

// view and update run fn against the caller's account.
func (s *Service) view(ctx context.Context, fn func(a *acct) error) error {
	p := caller(ctx)
	if p.Account == "" {
		return errNoAccount
	}
	return s.st.View(ctx, func(tx store.Tx) error { return fn(&acct{s: s, tx: tx, id: p.Account}) })
}

func (s *Service) update(ctx context.Context, fn func(a *acct) error) error {
	p := caller(ctx)
	if p.Account == "" {
		return errNoAccount
	}
	err := s.st.Update(ctx, func(tx store.Tx) error { return fn(&acct{s: s, tx: tx, id: p.Account}) })
	// Any write may change what a principal may do or which keys are valid.
	s.writes.Add(1)
	return err
}

// acct is one account's IAM data inside one transaction.
type acct struct {
	s  *Service
	tx store.Tx
	id string
}

func (a *acct) b(kind string) store.Bucket { return bucket(a.id, kind) }

func (a *acct) arn(resource string) string { return "arn:aws:iam::" + a.id + ":" + resource }

func key(name string) string { return strings.ToLower(name) }

// Errors, with the codes and statuses of the IAM model.

func noSuchEntity(format string, args ...any) *awserr.Error {
	return awserr.New(http.StatusNotFound, "NoSuchEntity", format, args...)
}

func alreadyExists(format string, args ...any) *awserr.Error {
	return awserr.New(http.StatusConflict, "EntityAlreadyExists", format, args...)
}

func deleteConflict(format string, args ...any) *awserr.Error {
	return awserr.New(http.StatusConflict, "DeleteConflict", format, args...)
}

func limitExceeded(format string, args ...any) *awserr.Error {
	return awserr.New(http.StatusConflict, "LimitExceeded", format, args...)
}

func invalidInput(format string, args ...any) *awserr.Error {
	return awserr.New(http.StatusBadRequest, "InvalidInput", format, args...)
}

func validationError(format string, args ...any) *awserr.Error {
	return awserr.New(http.StatusBadRequest, "ValidationError", format, args...)
}

func malformedPolicy(format string, args ...any) *awserr.Error {
	return awserr.New(http.StatusBadRequest, "MalformedPolicyDocument", format, args...)
}

func unmodifiable(format string, args ...any) *awserr.Error {
	return awserr.New(http.StatusBadRequest, "UnmodifiableEntity", format, args...)
}

func accessDenied(format string, args ...any) *awserr.Error {
	return awserr.New(http.StatusForbidden, "AccessDenied", format, args...)
}

// accountMeta is what IAM remembers about an account itself.
type accountMeta struct {
	Created time.Time `json:"created"`
}

// accountCreated is when the account was first seen, which AWS reports as
// the root user's CreateDate. It is recorded once, on first read.
func (s *Service) accountCreated(ctx context.Context, account string) (time.Time, error) {
	b := bucket(account, kindAccount)
	var meta accountMeta
	err := s.st.View(ctx, func(tx store.Tx) error {
		var err error
		meta, err = store.GetJSON[accountMeta](tx, b, accountMetaKey)
		return err
	})
	if err == nil {
		return meta.Created, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return time.Time{}, err
	}
	now := s.now()
	err = s.st.Update(ctx, func(tx store.Tx) error {
		got, err := store.GetJSON[accountMeta](tx, b, accountMetaKey)
		if err == nil {
			meta = got
			return nil
		}
		meta = accountMeta{Created: now}
		return store.PutJSON(tx, b, accountMetaKey, meta)
	})
	return meta.Created, err
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func ptr[T any](v T) *T { return &v }
