package iam

import (
	"errors"
	"sync/atomic"
	"testing"
)

func TestGenCacheInvalidatedByWrites(t *testing.T) {
	var writes atomic.Uint64
	c := newGenCache[string, string](&writes)
	loads := 0
	load := func() (string, error) { loads++; return "v" + string(rune('0'+loads)), nil }
	a, _ := c.get("arn", load)
	b, _ := c.get("arn", load)
	if loads != 1 || a != b {
		t.Fatalf("second read loaded again: %d loads", loads)
	}
	writes.Add(1)
	if v, _ := c.get("arn", load); loads != 2 || v != "v2" {
		t.Fatalf("read after a write served the old answer: %q, %d loads", v, loads)
	}
	// A load that started before a write is not served after it.
	_, _ = c.get("other", func() (string, error) { writes.Add(1); return "stale", nil })
	if v, _ := c.get("other", load); v == "stale" {
		t.Fatal("an answer read across a write was cached as current")
	}
	// Errors are not cached.
	if _, err := c.get("err", func() (string, error) { return "", errors.New("x") }); err == nil {
		t.Fatal("error lost")
	}
	if v, _ := c.get("err", load); v == "" {
		t.Fatal("error was cached")
	}
}
