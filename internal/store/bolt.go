package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"

	bolt "go.etcd.io/bbolt"
	bolterr "go.etcd.io/bbolt/errors"
)

// On-disk layout. Two top-level buckets:
//
//	meta: schema -> decimal SchemaVersion
//	data: account -> region -> service -> kind -> (key -> value)
//
// Nested buckets rather than one flat bucket of composite keys, because:
// each kind is its own B+tree, so Scan and Count touch only that kind's
// pages and never step over other services' keys; the path is stored once
// per bucket instead of in every key; no separator needs escaping since
// every part is a separate name; and Reset and Stats work a level at a time
// (Stats sums per-kind key counts without visiting values). The cost, four
// bucket look-ups per operation, is a few in-memory page hops.
//
// bbolt bucket names cannot be empty, so the global region "" is stored as
// globalRegion, which Bucket.Validate keeps out of real names.
var (
	metaBucket   = []byte("meta")
	dataBucket   = []byte("data")
	schemaKey    = []byte("schema")
	globalRegion = []byte{0}
)

// initialMmapSize reserves address space (not memory: pages are loaded on
// demand) so the file can grow this far without a remap. A remap waits for
// every open read transaction, stalling all commits behind the slowest
// View; with this head room it is rare.
const initialMmapSize = 256 << 20

type boltStore struct {
	db        *bolt.DB
	committer *groupCommitter
	closed    atomic.Bool
}

// Open opens (creating it and its directory if needed) the data file at
// path. It refuses a file stamped with a newer SchemaVersion, a file that
// is not a hakoniwa store, and a file another process has open.
func Open(path string, opts Options) (Store, error) {
	opts = opts.withDefaults()
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("store: create data directory: %w", err)
	}
	_, statErr := os.Stat(path)
	created := errors.Is(statErr, fs.ErrNotExist)

	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout: opts.LockTimeout,
		NoSync:  opts.NoSync,
		// The freelist is synced (the default) so Open reads it instead of
		// scanning every page: start-up stays in milliseconds at any size.
		InitialMmapSize: initialMmapSize,
		// The hashmap freelist allocates and frees in O(1); the default array
		// freelist is linear in free pages, paid on every commit.
		FreelistType: bolt.FreelistMapType,
	})
	switch {
	case errors.Is(err, bolterr.ErrTimeout):
		return nil, fmt.Errorf("store: %s is in use by another process (waited %v for its lock)", path, opts.LockTimeout)
	case errors.Is(err, bolterr.ErrInvalid), errors.Is(err, bolterr.ErrVersionMismatch), errors.Is(err, bolterr.ErrChecksum):
		return nil, fmt.Errorf("store: %s is not a hakoniwa data file or is damaged: %w", path, err)
	case err != nil:
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	if err := prepare(db, path); err != nil {
		db.Close()
		return nil, err
	}
	if created && !opts.NoSync {
		// bbolt fsyncs the file but not the directory entry naming it; a
		// power cut could otherwise lose a whole new store.
		if err := syncDir(dir); err != nil {
			db.Close()
			return nil, fmt.Errorf("store: sync data directory: %w", err)
		}
	}
	return &boltStore{db: db, committer: newGroupCommitter(db, opts.MaxBatchSize)}, nil
}

// prepare checks the schema stamp, writing it into a fresh file. The common
// case, an existing current file, costs one read transaction and no fsync.
func prepare(db *bolt.DB, path string) error {
	var version int
	var fresh bool
	err := db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(metaBucket)
		if meta == nil {
			k, _ := tx.Cursor().First()
			if k != nil {
				return fmt.Errorf("store: %s is a bbolt file but not a hakoniwa store (no %q bucket)", path, metaBucket)
			}
			fresh = true
			return nil
		}
		v, err := strconv.Atoi(string(meta.Get(schemaKey)))
		if err != nil || v < 1 {
			return fmt.Errorf("store: %s has an unreadable schema stamp %q", path, meta.Get(schemaKey))
		}
		version = v
		return nil
	})
	if err != nil {
		return err
	}
	switch {
	case version > SchemaVersion:
		return fmt.Errorf("%w: %s was written with schema %d, this hakoniwa understands up to %d; upgrade hakoniwa or use another data directory",
			ErrNewerSchema, path, version, SchemaVersion)
	case fresh:
		return db.Update(func(tx *bolt.Tx) error {
			meta, err := tx.CreateBucketIfNotExists(metaBucket)
			if err != nil {
				return err
			}
			if _, err := tx.CreateBucketIfNotExists(dataBucket); err != nil {
				return err
			}
			return meta.Put(schemaKey, []byte(strconv.Itoa(SchemaVersion)))
		})
	}
	// version < SchemaVersion would migrate here; version 1 is the first.
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

func (s *boltStore) View(ctx context.Context, fn func(Tx) error) error {
	if err := s.ready(ctx); err != nil {
		return err
	}
	return s.mapErr(s.db.View(func(btx *bolt.Tx) error {
		return runTx(btx, false, fn)
	}))
}

func (s *boltStore) Update(ctx context.Context, fn func(Tx) error) error {
	if err := s.ready(ctx); err != nil {
		return err
	}
	return s.mapErr(s.committer.do(func(btx *bolt.Tx) error {
		return runTx(btx, true, fn)
	}))
}

// runTx wraps btx for one run of fn and poisons the wrapper afterwards, so
// a Tx that escapes fn fails cleanly instead of touching a finished bbolt
// transaction (whose memory map may since have moved).
func runTx(btx *bolt.Tx, writable bool, fn func(Tx) error) error {
	tx := &boltTx{tx: btx, txState: txState{writable: writable}}
	defer func() { tx.done = true }()
	return fn(tx)
}

func (s *boltStore) Reset(ctx context.Context) error {
	if err := s.ready(ctx); err != nil {
		return err
	}
	return s.mapErr(s.db.Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(dataBucket); err != nil && !errors.Is(err, bolterr.ErrBucketNotFound) {
			return err
		}
		_, err := tx.CreateBucket(dataBucket)
		return err
	}))
}

func (s *boltStore) Stats(ctx context.Context) (map[string]int, error) {
	if err := s.ready(ctx); err != nil {
		return nil, err
	}
	counts := map[string]int{}
	err := s.db.View(func(tx *bolt.Tx) error {
		data := tx.Bucket(dataBucket)
		if data == nil {
			return nil
		}
		return eachChild(data, func(_ []byte, account *bolt.Bucket) error {
			return eachChild(account, func(_ []byte, region *bolt.Bucket) error {
				return eachChild(region, func(service []byte, svc *bolt.Bucket) error {
					return eachChild(svc, func(_ []byte, kind *bolt.Bucket) error {
						if n := kind.Stats().KeyN; n > 0 {
							counts[string(service)] += n
						}
						return nil
					})
				})
			})
		})
	})
	if err != nil {
		return nil, s.mapErr(err)
	}
	return counts, nil
}

// eachChild calls fn for every nested bucket of b; plain values (none exist
// above the kind level) are skipped.
func eachChild(b *bolt.Bucket, fn func(name []byte, child *bolt.Bucket) error) error {
	return b.ForEachBucket(func(name []byte) error {
		return fn(name, b.Bucket(name))
	})
}

func (s *boltStore) Close() error {
	if !s.closed.CompareAndSwap(false, true) {
		return nil
	}
	// Queued Updates are committed first: their callers are waiting.
	s.committer.close()
	return s.db.Close()
}

func (s *boltStore) ready(ctx context.Context) error {
	if s.closed.Load() {
		return ErrClosed
	}
	return ctx.Err()
}

// mapErr turns bbolt's "closed under our feet" into our sentinel, so callers
// racing Close see the same error as in memory.
func (s *boltStore) mapErr(err error) error {
	if errors.Is(err, bolterr.ErrDatabaseNotOpen) {
		return ErrClosed
	}
	return err
}

type boltTx struct {
	tx *bolt.Tx
	txState
}

// bucket finds b's kind bucket, nil when it was never written.
func (t *boltTx) bucket(b Bucket) *bolt.Bucket {
	cur := t.tx.Bucket(dataBucket)
	for _, name := range b.path() {
		if cur == nil {
			return nil
		}
		cur = cur.Bucket(name)
	}
	return cur
}

// createBucket finds b's kind bucket, creating missing levels.
func (t *boltTx) createBucket(b Bucket) (*bolt.Bucket, error) {
	cur, err := t.tx.CreateBucketIfNotExists(dataBucket)
	if err != nil {
		return nil, err
	}
	for _, name := range b.path() {
		if cur, err = cur.CreateBucketIfNotExists(name); err != nil {
			return nil, fmt.Errorf("store: create bucket %s: %w", b, err)
		}
	}
	// Pages split at bbolt's default 50% leave append-ordered kinds (audit
	// events, time-keyed records) half empty, doubling file size and bytes
	// written per commit. Random inserts lose little at 90%: bbolt rewrites
	// every touched page on commit anyway.
	cur.FillPercent = fillPercent
	return cur, nil
}

const fillPercent = 0.9

func (b Bucket) path() [4][]byte {
	region := []byte(b.Region)
	if b.Region == "" {
		region = globalRegion
	}
	return [4][]byte{[]byte(b.Account), region, []byte(b.Service), []byte(b.Kind)}
}

func (t *boltTx) Get(b Bucket, key string) ([]byte, error) {
	if err := t.checkRead(); err != nil {
		return nil, err
	}
	if err := b.Validate(); err != nil {
		return nil, err
	}
	if err := validateKey(key); err != nil {
		return nil, err
	}
	kb := t.bucket(b)
	if kb == nil {
		return nil, ErrNotFound
	}
	// A cursor rather than Bucket.Get: Get cannot tell an absent key from
	// an empty value.
	k, v := kb.Cursor().Seek([]byte(key))
	if k == nil || string(k) != key {
		return nil, ErrNotFound
	}
	return cloneBytes(v), nil
}

func (t *boltTx) Put(b Bucket, key string, value []byte) error {
	if err := t.checkWrite(); err != nil {
		return err
	}
	if err := validatePut(b, key, value); err != nil {
		return err
	}
	kb, err := t.createBucket(b)
	if err != nil {
		return err
	}
	// bbolt keeps the slices it is given until commit; copy so the caller
	// may reuse its buffer.
	return kb.Put([]byte(key), cloneBytes(value))
}

func (t *boltTx) Delete(b Bucket, key string) error {
	if err := t.checkWrite(); err != nil {
		return err
	}
	if err := b.Validate(); err != nil {
		return err
	}
	if err := validateKey(key); err != nil {
		return err
	}
	kb := t.bucket(b)
	if kb == nil {
		return nil
	}
	return kb.Delete([]byte(key))
}

func (t *boltTx) Scan(b Bucket, prefix, start string, fn func(string, []byte) bool) error {
	if err := t.checkRead(); err != nil {
		return err
	}
	if err := b.Validate(); err != nil {
		return err
	}
	kb := t.bucket(b)
	if kb == nil {
		return nil
	}
	t.scanning++
	defer func() { t.scanning-- }()
	p := []byte(prefix)
	c := kb.Cursor()
	for k, v := c.Seek([]byte(scanStart(prefix, start))); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
		if !fn(string(k), cloneBytes(v)) {
			break
		}
	}
	return nil
}

func (t *boltTx) ScanReverse(b Bucket, prefix, before string, fn func(string, []byte) bool) error {
	if err := t.checkRead(); err != nil {
		return err
	}
	if err := b.Validate(); err != nil {
		return err
	}
	kb := t.bucket(b)
	if kb == nil {
		return nil
	}
	t.scanning++
	defer func() { t.scanning-- }()
	p := []byte(prefix)
	c := kb.Cursor()
	var k, v []byte
	if bound, ok := reverseBound(prefix, before); !ok {
		k, v = c.Last()
	} else if k, v = c.Seek([]byte(bound)); k == nil {
		k, v = c.Last()
	} else {
		k, v = c.Prev()
	}
	for ; k != nil && bytes.HasPrefix(k, p); k, v = c.Prev() {
		if !fn(string(k), cloneBytes(v)) {
			break
		}
	}
	return nil
}

func (t *boltTx) Count(b Bucket, prefix string) (int, error) {
	if err := t.checkRead(); err != nil {
		return 0, err
	}
	if err := b.Validate(); err != nil {
		return 0, err
	}
	kb := t.bucket(b)
	if kb == nil {
		return 0, nil
	}
	// A cursor walk even for prefix "": Bucket.Stats counts committed pages
	// only and would miss this transaction's own writes.
	n := 0
	p := []byte(prefix)
	c := kb.Cursor()
	for k, _ := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, _ = c.Next() {
		n++
	}
	return n, nil
}
