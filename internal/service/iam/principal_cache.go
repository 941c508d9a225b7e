package iam

import (
	"context"
	"sync"
	"sync/atomic"
)

// PrincipalPolicies resolves a principal ARN of account — an IAM user
// (arn:aws:iam::acct:user/path/name), a role, an assumed-role session
// (arn:aws:sts::acct:assumed-role/Role/session) or the root — to its
// identity policies. The authorizer asks on every request, so answers are
// cached until the next IAM write: reading a user, its groups and their
// managed policies' versions costs far more than evaluating them.
func (s *Service) PrincipalPolicies(ctx context.Context, account, principalARN string) (Principal, error) {
	// Stamped with the generation seen before the lookup: the answer is at
	// least that fresh, so a consumer may cache work derived from it under
	// (ARN, Generation).
	gen := s.writes.Load()
	p, err := s.principals.get(principalKey{account, principalARN}, func() (Principal, error) {
		return s.principalPolicies(ctx, account, principalARN)
	})
	p.Generation = gen
	return p, err
}

type principalKey struct{ account, arn string }

// genCache holds answers stamped with the IAM write generation they were
// read at (Service.writes, bumped after every write). A reader takes the
// generation before reading, so an answer read while a write commits is
// stamped with the older generation and is never served after it.
type genCache[K comparable, V any] struct {
	writes  *atomic.Uint64
	mu      sync.Mutex
	entries map[K]genEntry[V]
}

type genEntry[V any] struct {
	gen uint64
	v   V
}

// genCacheMax bounds memory; when full, a cache starts over.
const genCacheMax = 4096

func newGenCache[K comparable, V any](writes *atomic.Uint64) genCache[K, V] {
	return genCache[K, V]{writes: writes}
}

func (c *genCache[K, V]) get(k K, load func() (V, error)) (V, error) {
	gen := c.writes.Load()
	c.mu.Lock()
	if e, ok := c.entries[k]; ok && e.gen == gen {
		c.mu.Unlock()
		return e.v, nil
	}
	c.mu.Unlock()
	v, err := load()
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	if c.entries == nil || len(c.entries) >= genCacheMax {
		c.entries = map[K]genEntry[V]{}
	}
	c.entries[k] = genEntry[V]{gen, v}
	c.mu.Unlock()
	return v, nil
}
