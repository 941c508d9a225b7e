package store

import (
	"cmp"
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"unique"

	"github.com/google/btree"
)

// memStore keeps everything in one copy-on-write B-tree ordered by
// (bucket, key). Isolation comes from cloning, which is O(1) and copies
// nodes lazily on write:
//
//   - the writer tree w belongs to Update (under mu); each Update works on a
//     clone of it and keeps the clone only if fn succeeds, so a failed
//     Update leaves nothing;
//   - after a commit a further clone is published in snap for readers.
//     Published trees are never written or cloned again (Clone mutates its
//     receiver), so View needs no lock and never blocks a writer.
type memStore struct {
	mu     sync.Mutex // serialises writers; guards w
	w      *btree.BTreeG[memItem]
	snap   atomic.Pointer[btree.BTreeG[memItem]]
	closed atomic.Bool
}

// memItem names its bucket by an interned handle: one pointer per item
// instead of four string headers, a canonical copy of the strings (never a
// slice of some request body), and equality by pointer comparison.
type memItem struct {
	b     unique.Handle[Bucket]
	key   string
	value []byte
}

// afterAllKeys sorts after every key a bucket can hold. It is built on
// first use: a 32 KiB string made at init was 0.7% of every start.
var afterAllKeys = sync.OnceValue(func() string { return strings.Repeat("\xff", MaxKeySize+1) })

func lessItem(x, y memItem) bool {
	if x.b != y.b {
		bx, by := x.b.Value(), y.b.Value()
		if c := cmp.Or(
			cmp.Compare(bx.Account, by.Account),
			cmp.Compare(bx.Region, by.Region),
			cmp.Compare(bx.Service, by.Service),
			cmp.Compare(bx.Kind, by.Kind),
		); c != 0 {
			return c < 0
		}
	}
	return x.key < y.key
}

// memDegree trades node size against depth; 32 keeps trees of a million
// keys four levels deep with nodes of a few KiB.
const memDegree = 32

// OpenMemory returns an empty store that lives in memory only.
func OpenMemory() Store {
	s := &memStore{w: btree.NewG(memDegree, lessItem)}
	s.snap.Store(s.w.Clone())
	return s
}

func (s *memStore) View(ctx context.Context, fn func(Tx) error) error {
	if err := s.ready(ctx); err != nil {
		return err
	}
	tx := &memTx{t: s.snap.Load()}
	defer func() { tx.done = true }()
	return fn(tx)
}

func (s *memStore) Update(ctx context.Context, fn func(Tx) error) error {
	if err := s.ready(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// Close may have won the race for mu.
	if s.closed.Load() {
		return ErrClosed
	}
	tx := &memTx{t: s.w.Clone(), txState: txState{writable: true}}
	err := func() error {
		defer func() { tx.done = true }()
		return fn(tx)
	}()
	if err != nil {
		return err
	}
	if tx.dirty {
		s.w = tx.t
		s.snap.Store(s.w.Clone())
	}
	return nil
}

func (s *memStore) Reset(ctx context.Context) error {
	if err := s.ready(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.w = btree.NewG(memDegree, lessItem)
	s.snap.Store(s.w.Clone())
	return nil
}

func (s *memStore) Stats(ctx context.Context) (map[string]int, error) {
	if err := s.ready(ctx); err != nil {
		return nil, err
	}
	counts := map[string]int{}
	s.snap.Load().Ascend(func(it memItem) bool {
		counts[it.b.Value().Service]++
		return true
	})
	return counts, nil
}

func (s *memStore) Close() error {
	s.closed.Store(true)
	return nil
}

func (s *memStore) ready(ctx context.Context) error {
	if s.closed.Load() {
		return ErrClosed
	}
	return ctx.Err()
}

type memTx struct {
	t     *btree.BTreeG[memItem]
	dirty bool
	txState
}

func (t *memTx) Get(b Bucket, key string) ([]byte, error) {
	if err := t.checkRead(); err != nil {
		return nil, err
	}
	if err := b.Validate(); err != nil {
		return nil, err
	}
	if err := validateKey(key); err != nil {
		return nil, err
	}
	it, ok := t.t.Get(memItem{b: unique.Make(b), key: key})
	if !ok {
		return nil, ErrNotFound
	}
	return cloneBytes(it.value), nil
}

func (t *memTx) Put(b Bucket, key string, value []byte) error {
	if err := t.checkWrite(); err != nil {
		return err
	}
	if err := validatePut(b, key, value); err != nil {
		return err
	}
	// Clone the key: it may be a substring pinning a much larger request
	// body in memory for as long as the resource lives.
	t.t.ReplaceOrInsert(memItem{b: unique.Make(b), key: strings.Clone(key), value: cloneBytes(value)})
	t.dirty = true
	return nil
}

func (t *memTx) Delete(b Bucket, key string) error {
	if err := t.checkWrite(); err != nil {
		return err
	}
	if err := b.Validate(); err != nil {
		return err
	}
	if err := validateKey(key); err != nil {
		return err
	}
	if _, ok := t.t.Delete(memItem{b: unique.Make(b), key: key}); ok {
		t.dirty = true
	}
	return nil
}

func (t *memTx) Scan(b Bucket, prefix, start string, fn func(string, []byte) bool) error {
	if err := t.checkRead(); err != nil {
		return err
	}
	if err := b.Validate(); err != nil {
		return err
	}
	t.scanning++
	defer func() { t.scanning-- }()
	h := unique.Make(b)
	t.t.AscendGreaterOrEqual(memItem{b: h, key: scanStart(prefix, start)}, func(it memItem) bool {
		if it.b != h || !strings.HasPrefix(it.key, prefix) {
			return false
		}
		return fn(it.key, cloneBytes(it.value))
	})
	return nil
}

func (t *memTx) ScanReverse(b Bucket, prefix, before string, fn func(string, []byte) bool) error {
	if err := t.checkRead(); err != nil {
		return err
	}
	if err := b.Validate(); err != nil {
		return err
	}
	t.scanning++
	defer func() { t.scanning-- }()
	h := unique.Make(b)
	visit := func(it memItem) bool {
		if it.b != h || !strings.HasPrefix(it.key, prefix) {
			return false
		}
		return fn(it.key, cloneBytes(it.value))
	}
	bound, ok := reverseBound(prefix, before)
	if !ok {
		// Greater than any valid key: keys are at most MaxKeySize bytes.
		bound = afterAllKeys()
	}
	t.t.DescendLessOrEqual(memItem{b: h, key: bound}, func(it memItem) bool {
		if it.b == h && it.key == bound {
			return true // the bound is exclusive
		}
		return visit(it)
	})
	return nil
}

func (t *memTx) Count(b Bucket, prefix string) (int, error) {
	if err := t.checkRead(); err != nil {
		return 0, err
	}
	if err := b.Validate(); err != nil {
		return 0, err
	}
	n := 0
	h := unique.Make(b)
	t.t.AscendGreaterOrEqual(memItem{b: h, key: prefix}, func(it memItem) bool {
		if it.b != h || !strings.HasPrefix(it.key, prefix) {
			return false
		}
		n++
		return true
	})
	return n, nil
}
