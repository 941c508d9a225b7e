package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"sync"
)

// keyCacheSize bounds the signing-key cache. A key is valid for one
// (secret, day, region, service), so a busy server needs only a handful;
// the bound stops an attacker who cycles scopes from growing memory.
const keyCacheSize = 4096

type keyID struct{ secret, date, region, service string }

// keyCache memoizes the four-HMAC signing-key derivation, which otherwise
// dominates the cost of verifying a small request.
type keyCache struct {
	mu  sync.RWMutex
	m   map[keyID][]byte
	max int
}

func newKeyCache(max int) *keyCache {
	return &keyCache{m: make(map[keyID][]byte), max: max}
}

func (c *keyCache) get(secret, date, region, service string) []byte {
	id := keyID{secret, date, region, service}
	c.mu.RLock()
	k, ok := c.m[id]
	c.mu.RUnlock()
	if ok {
		return k
	}
	k = deriveKey(secret, date, region, service)
	c.mu.Lock()
	if len(c.m) >= c.max {
		// Dropping everything is cheaper than LRU bookkeeping, and rebuilding
		// the few live keys costs four HMACs each.
		clear(c.m)
	}
	c.m[id] = k
	c.mu.Unlock()
	return k
}

func deriveKey(secret, date, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	return hmacSHA256(k, terminator)
}

func hmacSHA256(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

// sign returns the hex signature of sts under key.
func sign(key []byte, sts string) string {
	return hex.EncodeToString(hmacSHA256(key, sts))
}

// sigEqual compares signatures in constant time so a mismatch leaks no prefix.
func sigEqual(want, got string) bool {
	return hmac.Equal([]byte(want), []byte(got))
}
