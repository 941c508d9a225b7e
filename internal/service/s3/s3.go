// Package s3 implements Amazon S3: buckets in one global namespace,
// objects whose bytes live as files (package blob) and whose metadata lives
// in the store, multipart uploads, versioning and tagging.
//
// # Storage
//
// A PUT streams its body to a new blob file through the MD5 (the ETag) and
// any flexible checksum the client asked for, with a fixed-size buffer
// whatever the object's size. Only when the body is complete and verified
// is the blob fsynced and the object's record committed to the store: that
// commit is the one point where the object becomes visible, so a reader
// never sees a partial object and a failed upload leaves nothing behind.
// Overwritten and deleted objects' blobs are removed after their commit; a
// crash in between leaves files no record names, which New sweeps away.
// Blob names are random ids, never keys, so no key reaches the file system.
//
// # Keys in the store
//
//	global/""/s3/bucket              name → bucket record (names are global)
//	<owner>/""/s3/bucket             name → "" (ListBuckets of one account)
//	<owner>/<region>/s3/object/<b>   key → current version, unless it is a delete marker
//	<owner>/<region>/s3/version/<b>  versionKey(key, seq) → every other version and delete marker
//	<owner>/<region>/s3/upload/<b>   versionKey(key, seq) → multipart upload in progress
//	<owner>/<region>/s3/part/<b>     upload id + part number → uploaded part
//
// Listing the current objects walks one kind in key order without decoding
// noncurrent versions; a version's key sorts newest first under its object.
package s3

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"hakoniwa/internal/blob"
	"hakoniwa/internal/clock"
	"hakoniwa/internal/ids"
	"hakoniwa/internal/reqctx"
	"hakoniwa/internal/store"

	s3api "hakoniwa/internal/api/s3"
)

// Config is what the service is built from.
type Config struct {
	Store store.Store
	Blobs *blob.Store
	Clock clock.Clock
	IDs   *ids.Source
	Log   *slog.Logger
	// MaxBuckets is the account's bucket quota; 0 means AWS's default.
	MaxBuckets int
}

// Service is the S3 implementation.
type Service struct {
	s3api.Unimplemented
	st    store.Store
	blobs *blob.Store
	clock clock.Clock
	ids   *ids.Source
	log   *slog.Logger

	maxBuckets int

	// seq orders versions and uploads; it only grows, from the largest
	// value stored when the service started.
	seqMu sync.Mutex
	seq   uint64

	// sweepBefore is the blob store's age mark at start: SweepOrphans
	// only removes blobs older than it.
	sweepBefore time.Time
}

// New builds the service. It reads no object record: SweepOrphans, which
// does, runs after start.
func New(ctx context.Context, cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Blobs == nil {
		return nil, errors.New("s3: a store and a blob store are required")
	}
	s := &Service{st: cfg.Store, blobs: cfg.Blobs, clock: cfg.Clock, ids: cfg.IDs, log: cfg.Log}
	if s.clock == nil {
		s.clock = clock.System{}
	}
	if s.ids == nil {
		s.ids = ids.New()
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.maxBuckets = cfg.MaxBuckets
	if s.maxBuckets <= 0 {
		s.maxBuckets = maxBuckets
	}
	mark, err := s.blobs.Mark()
	if err != nil {
		return nil, err
	}
	s.sweepBefore = mark
	if err := s.restoreSeq(ctx); err != nil {
		return nil, errorf("start: %w", err)
	}
	return s, nil
}

// Limits AWS documents for general purpose buckets.
const (
	maxKeyBytes     = 1024
	maxPutSize      = 5 << 30
	minPartSize     = 5 << 20
	maxPartNumber   = 10000
	maxObjectSize   = 5 << 40
	maxMetadataSize = 2 << 10
	maxObjectTags   = 10
	maxBucketTags   = 50
	defaultMaxKeys  = 1000
	maxBuckets      = 10000
)

// globalAccount holds the bucket namespace, which spans accounts.
const globalAccount = "global"

func registry() store.Bucket {
	return store.Bucket{Account: globalAccount, Service: "s3", Kind: "bucket"}
}

func owned(account string) store.Bucket {
	return store.Bucket{Account: account, Service: "s3", Kind: "bucket"}
}

// caller is the request's principal.
func caller(ctx context.Context) reqctx.Principal { return reqctx.From(ctx).Principal }

func requestRegion(ctx context.Context) string {
	if r := reqctx.From(ctx).Region; r != "" {
		return r
	}
	return "us-east-1"
}

// canonicalID is an account's S3 canonical user id: 64 hex digits, stable
// per account.
func canonicalID(account string) string {
	sum := sha256.Sum256([]byte("hakoniwa/s3/canonical-user/" + account))
	return hex.EncodeToString(sum[:])
}

func ownerOf(account string) *s3api.Owner {
	return &s3api.Owner{ID: ptr(canonicalID(account))}
}

func (s *Service) now() time.Time { return s.clock.Now().UTC() }

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func ptr[T any](v T) *T { return &v }

func isTrue(b *bool) bool { return b != nil && *b }

func bucketARN(name string) string { return "arn:aws:s3:::" + name }

func errorf(format string, args ...any) error { return fmt.Errorf("s3: "+format, args...) }
