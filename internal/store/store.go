// Package store is hakoniwa's transactional key-value store. Every AWS
// resource lives under (account, region, service, kind, id): a Bucket names
// the first four, the key is the id.
//
// Two implementations share one contract (and one conformance test suite):
//
//   - Open: on disk, in a single bbolt file. A copy-on-write B+tree with
//     checksummed meta pages is crash-safe without a write-ahead log, reads
//     come straight from the memory map, and concurrent Updates are
//     group-committed so they share one transaction and one fsync.
//   - OpenMemory: in memory (hakoniwa --ephemeral), with the same isolation:
//     readers see a snapshot, a failed Update leaves nothing behind.
//
// A Tx is only valid inside the function it was passed to, and only on the
// goroutine running that function. Byte slices returned by Get and passed to
// Scan callbacks are copies the caller owns; values passed to Put are copied
// too, so callers may reuse their buffers.
package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// SchemaVersion is the layout version stamped into every data file. Bump it
// (and add a migration in Open) whenever the on-disk layout changes, so an
// older binary refuses a file it would misread instead of corrupting it.
const SchemaVersion = 1

// Limits shared by both implementations; they are bbolt's, so a key that
// works in memory also works on disk.
const (
	MaxKeySize   = 32 << 10
	MaxValueSize = 1<<31 - 2
)

var (
	// ErrNotFound is returned by Get when the key is absent.
	ErrNotFound = errors.New("store: key not found")
	// ErrClosed is returned by every call on a closed Store.
	ErrClosed = errors.New("store: closed")
	// ErrReadOnly is returned by Put and Delete inside View.
	ErrReadOnly = errors.New("store: write in a read-only transaction")
	// ErrTxDone is returned when a Tx is used after its function returned.
	ErrTxDone = errors.New("store: transaction already finished")
	// ErrWriteDuringScan is returned by Put and Delete called from a Scan
	// callback: neither bbolt cursors nor B-tree iterators survive a
	// mutation of what they walk. Collect the keys, then mutate.
	ErrWriteDuringScan = errors.New("store: write during Scan")
	// ErrInvalid wraps every rejected Bucket or key (see Bucket.Validate).
	ErrInvalid = errors.New("store: invalid bucket or key")
	// ErrNewerSchema is returned by Open for a file written by a newer
	// hakoniwa than this one.
	ErrNewerSchema = errors.New("store: data file has a newer schema")
)

// Store is a transactional key-value store.
type Store interface {
	// View runs fn in a read-only transaction that sees one consistent
	// snapshot. fn must not wait for an Update to finish: on disk a commit
	// that outgrows the memory map waits for open readers.
	View(ctx context.Context, fn func(Tx) error) error
	// Update runs fn in a read-write transaction. If fn returns an error
	// nothing it wrote is kept and the error is returned as is. When Update
	// returns nil the change is durable (fsynced, unless in memory or
	// Options.NoSync).
	//
	// Concurrent Updates are group-committed: several fns run one after the
	// other in one transaction. If one of them fails, the whole transaction
	// is rolled back and the others run again, so fn may run more than once
	// and must not have effects outside the Tx (send no message, bump no
	// counter) that a re-run would repeat; compute such effects after
	// Update returns nil.
	//
	// ctx is checked before fn runs; once a commit has started it is not
	// abandoned, because a caller told "cancelled" must not find the write
	// committed after all.
	Update(ctx context.Context, fn func(Tx) error) error
	// Reset deletes every key of every bucket (hakoniwa reset), durably.
	Reset(ctx context.Context) error
	// Stats counts the keys stored per service, over all accounts and
	// regions, for the health endpoint.
	Stats(ctx context.Context) (map[string]int, error)
	// Close releases the store. Calls after Close return ErrClosed; Close
	// itself is idempotent.
	Close() error
}

// Tx is one transaction's view of the store.
type Tx interface {
	// Get returns a copy of the value of key, or ErrNotFound.
	Get(b Bucket, key string) ([]byte, error)
	// Put sets key to a copy of value.
	Put(b Bucket, key string, value []byte) error
	// Delete removes key; deleting an absent key is not an error.
	Delete(b Bucket, key string) error
	// Scan calls fn for each key that starts with prefix, in ascending byte
	// order, beginning at the first such key >= start ("" = from the first),
	// until fn returns false. fn must not call Put or Delete.
	Scan(b Bucket, prefix, start string, fn func(key string, value []byte) bool) error
	// ScanReverse calls fn for each key that starts with prefix, in
	// descending byte order, beginning at the last such key < before
	// ("" = from the last), until fn returns false. The exclusive bound
	// lets a pager pass the last key it returned. fn must not call Put or
	// Delete.
	ScanReverse(b Bucket, prefix, before string, fn func(key string, value []byte) bool) error
	// Count returns how many keys start with prefix.
	Count(b Bucket, prefix string) (int, error)
}

// Bucket addresses one kind of resource of one service in one account and
// region, e.g. Bucket{Account: "000000000000", Region: "us-east-1",
// Service: "ec2", Kind: "vpc"}. Global services (IAM, Route 53, S3's bucket
// namespace) use Region "".
type Bucket struct {
	Account, Region, Service, Kind string
}

func (b Bucket) String() string {
	return b.Account + "/" + b.Region + "/" + b.Service + "/" + b.Kind
}

// Validate reports whether b can address data: Account, Service and Kind
// must be non-empty, and no part may contain a NUL byte, which the on-disk
// layout reserves to name the global region.
func (b Bucket) Validate() error {
	switch {
	case b.Account == "":
		return fmt.Errorf("%w: bucket %q has no account", ErrInvalid, b)
	case b.Service == "":
		return fmt.Errorf("%w: bucket %q has no service", ErrInvalid, b)
	case b.Kind == "":
		return fmt.Errorf("%w: bucket %q has no kind", ErrInvalid, b)
	}
	for _, part := range [...]string{b.Account, b.Region, b.Service, b.Kind} {
		if strings.IndexByte(part, 0) >= 0 {
			return fmt.Errorf("%w: bucket %q contains a NUL byte", ErrInvalid, b)
		}
	}
	return nil
}

func validateKey(key string) error {
	switch {
	case key == "":
		return fmt.Errorf("%w: empty key", ErrInvalid)
	case len(key) > MaxKeySize:
		return fmt.Errorf("%w: key of %d bytes exceeds %d", ErrInvalid, len(key), MaxKeySize)
	}
	return nil
}

func validatePut(b Bucket, key string, value []byte) error {
	if err := b.Validate(); err != nil {
		return err
	}
	if err := validateKey(key); err != nil {
		return err
	}
	if len(value) > MaxValueSize {
		return fmt.Errorf("%w: value of %d bytes exceeds %d", ErrInvalid, len(value), MaxValueSize)
	}
	return nil
}

// Options tunes the on-disk store. The zero value is the durable default.
type Options struct {
	// NoSync skips fsync: fast, but a crash of the machine (not just of the
	// process) may lose or corrupt data. For tests and benchmarks only.
	NoSync bool
	// MaxBatchSize caps how many Updates share one group commit. Batches
	// need no delay to form (writers queue up while the previous fsync
	// runs), so this only bounds how much work one failing fn can make
	// the others redo. Default 128.
	MaxBatchSize int
	// LockTimeout is how long Open waits for another process holding the
	// file to let go. Default 1s.
	LockTimeout time.Duration
}

const (
	defaultMaxBatchSize = 128
	defaultLockTimeout  = time.Second
)

func (o Options) withDefaults() Options {
	if o.MaxBatchSize <= 0 {
		o.MaxBatchSize = defaultMaxBatchSize
	}
	if o.LockTimeout <= 0 {
		o.LockTimeout = defaultLockTimeout
	}
	return o
}

// txState is the bookkeeping both Tx implementations share, so misuse fails
// the same way on disk and in memory.
type txState struct {
	writable bool
	done     bool
	scanning int
}

func (s *txState) checkRead() error {
	if s.done {
		return ErrTxDone
	}
	return nil
}

func (s *txState) checkWrite() error {
	switch {
	case s.done:
		return ErrTxDone
	case !s.writable:
		return ErrReadOnly
	case s.scanning > 0:
		return ErrWriteDuringScan
	}
	return nil
}

// scanStart is where a Scan begins: the later of prefix and start, since
// every key before prefix lacks it.
func scanStart(prefix, start string) string {
	return max(prefix, start)
}

// reverseBound is the exclusive upper bound of a reverse scan: the smaller
// of before and the first key past every key with prefix. ok is false when
// there is no bound (scan from the very last key).
func reverseBound(prefix, before string) (bound string, ok bool) {
	end, hasEnd := prefixEnd(prefix)
	switch {
	case before == "" && !hasEnd:
		return "", false
	case before == "":
		return end, true
	case !hasEnd:
		return before, true
	}
	return min(before, end), true
}

// prefixEnd is the least key greater than every key starting with prefix;
// ok is false when there is none (prefix empty or all 0xff).
func prefixEnd(prefix string) (string, bool) {
	b := []byte(prefix)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1]), true
		}
	}
	return "", false
}

func cloneBytes(v []byte) []byte {
	// Never nil, so an empty value reads back as present-and-empty.
	return append(make([]byte, 0, len(v)), v...)
}
