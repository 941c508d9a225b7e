package iam

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"hakoniwa/internal/sigv4"
	"hakoniwa/internal/store"

	iamapi "hakoniwa/internal/api/iam"
)

// accessKey is a long-term key pair, stored globally by key id.
type accessKey struct {
	ID      string    `json:"id"`
	Secret  string    `json:"secret"`
	Account string    `json:"account"`
	Status  string    `json:"status"`
	Created time.Time `json:"created"`
	// UserName is empty for the root user's keys, which AWS allows (and
	// hakoniwa issues) although AWS advises against them.
	UserName     string `json:"userName,omitempty"`
	UserID       string `json:"userId"`
	PrincipalARN string `json:"principalArn"`
	lastUse
}

// lastUse is when and where a key was last used.
type lastUse struct {
	LastUsed    *time.Time `json:"lastUsed,omitempty"`
	LastService string     `json:"lastService,omitempty"`
	LastRegion  string     `json:"lastRegion,omitempty"`
}

// statusDeleted marks the tombstone of a deleted key.
const statusDeleted = "Deleted"

// keyOwner is whose keys an access key call manages.
type keyOwner struct {
	root bool
	user *user
}

func (o keyOwner) keys(a *acct) ([]string, error) {
	if o.user != nil {
		return o.user.AccessKeys, nil
	}
	ids, err := store.GetJSON[[]string](a.tx, a.b(kindAccount), rootAccessKeysKey)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	return ids, err
}

func (o keyOwner) setKeys(a *acct, ids []string) error {
	if o.user != nil {
		o.user.AccessKeys = ids
		return a.putUser(o.user)
	}
	return store.PutJSON(a.tx, a.b(kindAccount), rootAccessKeysKey, ids)
}

// owner resolves UserName, or the caller when it is absent: AWS manages
// the signing principal's own keys then, the root user's included.
func (s *Service) owner(ctx context.Context, a *acct, name *string) (keyOwner, error) {
	if name != nil && *name != "" {
		u, err := a.user(*name)
		return keyOwner{user: u}, err
	}
	p := caller(ctx)
	switch {
	case p.IsRoot():
		return keyOwner{root: true}, nil
	case p.Type == "IAMUser":
		u, err := a.user(p.UserName)
		return keyOwner{user: u}, err
	}
	return keyOwner{}, validationError("Must specify userName when calling with non-User credentials")
}

func keyNotFound(id string) error {
	return noSuchEntity("The Access Key with id %s cannot be found.", id)
}

// ownedKey loads a key and checks it belongs to owner.
func (a *acct) ownedKey(o keyOwner, id string) (*accessKey, error) {
	ids, err := o.keys(a)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(ids, id) {
		return nil, keyNotFound(id)
	}
	k, err := store.GetJSON[accessKey](a.tx, accessKeysBucket, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, keyNotFound(id)
	}
	return &k, err
}

// CreateAccessKey issues a key pair (at most two per user).
func (s *Service) CreateAccessKey(ctx context.Context, in *iamapi.CreateAccessKeyInput) (*iamapi.CreateAccessKeyOutput, error) {
	p := caller(ctx)
	k := accessKey{
		ID: s.ids.AccessKeyID("AKIA", p.Account), Secret: s.ids.Secret(), Account: p.Account,
		Status: "Active", Created: s.now(),
	}
	err := s.update(ctx, func(a *acct) error {
		o, err := s.owner(ctx, a, in.UserName)
		if err != nil {
			return err
		}
		ids, err := o.keys(a)
		if err != nil {
			return err
		}
		if len(ids) >= maxAccessKeys {
			return limitExceeded("Cannot exceed quota for AccessKeysPerUser: %d", maxAccessKeys)
		}
		if o.user != nil {
			k.UserName, k.UserID, k.PrincipalARN = o.user.Name, o.user.ID, a.userARN(o.user)
		} else {
			k.UserID, k.PrincipalARN = a.id, a.arn("root")
		}
		if err := store.PutJSON(a.tx, accessKeysBucket, k.ID, k); err != nil {
			return err
		}
		return o.setKeys(a, append(slices.Clone(ids), k.ID))
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.CreateAccessKeyOutput{AccessKey: &iamapi.AccessKey{
		UserName: optional(k.UserName), AccessKeyId: ptr(k.ID), Status: ptr(k.Status),
		SecretAccessKey: ptr(k.Secret), CreateDate: ptr(k.Created),
	}}, nil
}

// ListAccessKeys lists a user's keys (never their secrets).
func (s *Service) ListAccessKeys(ctx context.Context, in *iamapi.ListAccessKeysInput) (*iamapi.ListAccessKeysOutput, error) {
	out := &iamapi.ListAccessKeysOutput{AccessKeyMetadata: []iamapi.AccessKeyMetadata{}}
	err := s.view(ctx, func(a *acct) error {
		o, err := s.owner(ctx, a, in.UserName)
		if err != nil {
			return err
		}
		ids, err := o.keys(a)
		if err != nil {
			return err
		}
		ids = slices.Clone(ids)
		slices.Sort(ids)
		got, p, err := paginate(ids, func(id string) string { return id }, in.Marker, in.MaxItems)
		if err != nil {
			return err
		}
		for _, id := range got {
			k, err := store.GetJSON[accessKey](a.tx, accessKeysBucket, id)
			if err != nil {
				return err
			}
			out.AccessKeyMetadata = append(out.AccessKeyMetadata, iamapi.AccessKeyMetadata{
				UserName: optional(k.UserName), AccessKeyId: ptr(k.ID), Status: ptr(k.Status), CreateDate: ptr(k.Created),
			})
		}
		out.IsTruncated, out.Marker = p.truncated, p.marker
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateAccessKey activates or deactivates a key. An inactive key signs
// nothing: the verifier refuses it as AWS does (InvalidClientTokenId).
func (s *Service) UpdateAccessKey(ctx context.Context, in *iamapi.UpdateAccessKeyInput) (*iamapi.UpdateAccessKeyOutput, error) {
	status := deref(in.Status)
	if status != "Active" && status != "Inactive" {
		return nil, validationError("1 validation error detected: Value '%s' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]", status)
	}
	err := s.update(ctx, func(a *acct) error {
		o, err := s.owner(ctx, a, in.UserName)
		if err != nil {
			return err
		}
		k, err := a.ownedKey(o, deref(in.AccessKeyId))
		if err != nil {
			return err
		}
		k.Status = status
		return store.PutJSON(a.tx, accessKeysBucket, k.ID, k)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.UpdateAccessKeyOutput{}, nil
}

// DeleteAccessKey deletes a key; requests signed with it fail from then on.
func (s *Service) DeleteAccessKey(ctx context.Context, in *iamapi.DeleteAccessKeyInput) (*iamapi.DeleteAccessKeyOutput, error) {
	id := deref(in.AccessKeyId)
	err := s.update(ctx, func(a *acct) error {
		o, err := s.owner(ctx, a, in.UserName)
		if err != nil {
			return err
		}
		if _, err := a.ownedKey(o, id); err != nil {
			return err
		}
		ids, err := o.keys(a)
		if err != nil {
			return err
		}
		// Keep a tombstone: in non-strict mode the verifier accepts keys
		// it does not know as the account root, and a deleted key must be
		// refused (InvalidClientTokenId), not promoted to root.
		if err := store.PutJSON(a.tx, accessKeysBucket, id, accessKey{ID: id, Account: a.id, Status: statusDeleted}); err != nil {
			return err
		}
		return o.setKeys(a, removeString(ids, id))
	})
	if err != nil {
		return nil, err
	}
	s.usage.forget(id)
	return &iamapi.DeleteAccessKeyOutput{}, nil
}

// GetAccessKeyLastUsed reports when and where a key of the caller's
// account was last used; "N/A" for a key never used, as AWS answers.
func (s *Service) GetAccessKeyLastUsed(ctx context.Context, in *iamapi.GetAccessKeyLastUsedInput) (*iamapi.GetAccessKeyLastUsedOutput, error) {
	id := deref(in.AccessKeyId)
	var k accessKey
	err := s.view(ctx, func(a *acct) error {
		var err error
		k, err = store.GetJSON[accessKey](a.tx, accessKeysBucket, id)
		if errors.Is(err, store.ErrNotFound) || (err == nil && (k.Account != a.id || k.Status == statusDeleted)) {
			return keyNotFound(id)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	use := s.usage.merged(id, k.lastUse)
	last := &iamapi.AccessKeyLastUsed{LastUsedDate: use.LastUsed, ServiceName: ptr(orNA(use.LastService)), Region: ptr(orNA(use.LastRegion))}
	return &iamapi.GetAccessKeyLastUsedOutput{UserName: optional(k.UserName), AccessKeyLastUsed: last}, nil
}

func orNA(s string) string {
	if s == "" {
		return "N/A"
	}
	return s
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// rewriteUserKeys keeps a user's key records in step with its name and
// path, which the verifier reports as the principal.
func (a *acct) rewriteUserKeys(u *user) error {
	for _, id := range u.AccessKeys {
		k, err := store.GetJSON[accessKey](a.tx, accessKeysBucket, id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		k.UserName, k.PrincipalARN = u.Name, a.userARN(u)
		if err := store.PutJSON(a.tx, accessKeysBucket, id, k); err != nil {
			return err
		}
	}
	return nil
}

// Lookup implements sigv4.Credentials for the keys IAM issued. It runs on
// every signed request: ids that are not long-term keys never reach the
// store, and a use is noted in memory only (see keyUsage).
func (s *Service) Lookup(ctx context.Context, accessKeyID string) (sigv4.Credential, bool, error) {
	if !strings.HasPrefix(accessKeyID, "AKIA") {
		return sigv4.Credential{}, false, nil
	}
	k, err := s.keys.get(accessKeyID, func() (k accessKey, err error) {
		err = s.st.View(ctx, func(tx store.Tx) error {
			k, err = store.GetJSON[accessKey](tx, accessKeysBucket, accessKeyID)
			return err
		})
		return k, err
	})
	if errors.Is(err, store.ErrNotFound) {
		return sigv4.Credential{}, false, nil
	}
	if err != nil {
		return sigv4.Credential{}, false, err
	}
	// Inactive and deleted keys are refused. Use is recorded by the
	// gateway once the signature has verified (RecordAccessKeyUse).
	active := k.Status == "Active"
	return sigv4.Credential{
		AccessKeyID: k.ID, SecretAccessKey: k.Secret, Account: k.Account,
		PrincipalARN: k.PrincipalARN, UserID: k.UserID, Active: active,
	}, true, nil
}

// RecordAccessKeyUse notes that a request signed with accessKeyID reached
// service in region. The gateway calls it once a request is authenticated
// (Lookup alone knows neither the service nor whether the signature held).
func (s *Service) RecordAccessKeyUse(accessKeyID, service, region string) {
	if !strings.HasPrefix(accessKeyID, "AKIA") {
		return
	}
	s.usage.note(accessKeyID, lastUse{LastUsed: ptr(s.now()), LastService: service, LastRegion: region})
}

// keyUsageFlushInterval bounds how stale the stored last-used data may be.
const keyUsageFlushInterval = time.Minute

// keyUsage keeps last-used data in memory and writes it to the store at
// most once per keyUsageFlushInterval, in one transaction for all keys:
// a durable write per signed request would cost an fsync per request.
// A crash loses at most one interval of last-used data, which only ever
// makes a key look less recently used.
type keyUsage struct {
	s         *Service
	mu        sync.Mutex
	pending   map[string]lastUse
	lastFlush time.Time
	flushing  bool
}

func newKeyUsage(s *Service) *keyUsage {
	return &keyUsage{s: s, pending: map[string]lastUse{}}
}

func (u *keyUsage) note(id string, use lastUse) {
	u.mu.Lock()
	prev := u.pending[id]
	if use.LastService == "" {
		use.LastService, use.LastRegion = prev.LastService, prev.LastRegion
	}
	u.pending[id] = use
	now := u.s.clock.Now()
	start := !u.flushing && now.Sub(u.lastFlush) >= keyUsageFlushInterval
	if start {
		u.flushing, u.lastFlush = true, now
	}
	u.mu.Unlock()
	if start {
		// The request does not wait for the write; a failed flush keeps
		// the data pending for the next one.
		go func() {
			_ = u.flush(context.Background())
		}()
	}
}

func (u *keyUsage) forget(id string) {
	u.mu.Lock()
	delete(u.pending, id)
	u.mu.Unlock()
}

// merged overlays what is pending on what is stored.
func (u *keyUsage) merged(id string, stored lastUse) lastUse {
	u.mu.Lock()
	defer u.mu.Unlock()
	p, ok := u.pending[id]
	if !ok {
		return stored
	}
	if p.LastService == "" {
		p.LastService, p.LastRegion = stored.LastService, stored.LastRegion
	}
	return p
}

// flush writes pending uses to the store.
func (u *keyUsage) flush(ctx context.Context) error {
	// Pending uses stay readable in memory until the store has them:
	// clearing them first would leave a moment in which
	// GetAccessKeyLastUsed sees neither copy.
	u.mu.Lock()
	batch := maps.Clone(u.pending)
	u.mu.Unlock()
	err := u.s.st.Update(ctx, func(tx store.Tx) error {
		for id, use := range batch {
			k, err := store.GetJSON[accessKey](tx, accessKeysBucket, id)
			if errors.Is(err, store.ErrNotFound) {
				continue // deleted since
			}
			if err != nil {
				return err
			}
			if use.LastService == "" {
				use.LastService, use.LastRegion = k.LastService, k.LastRegion
			}
			k.lastUse = use
			if err := store.PutJSON(tx, accessKeysBucket, id, k); err != nil {
				return err
			}
		}
		return nil
	})
	u.mu.Lock()
	defer u.mu.Unlock()
	u.flushing = false
	if err == nil {
		for id, use := range batch {
			// note stores a fresh time pointer for every use, so an equal
			// entry is one no later use has replaced.
			if cur, ok := u.pending[id]; ok && cur == use {
				delete(u.pending, id)
			}
		}
	}
	return err
}

// FlushKeyUsage writes pending access key last-used data to the store;
// the server calls it on shutdown.
func (s *Service) FlushKeyUsage(ctx context.Context) error {
	s.usage.mu.Lock()
	s.usage.flushing = true
	s.usage.mu.Unlock()
	return s.usage.flush(ctx)
}
