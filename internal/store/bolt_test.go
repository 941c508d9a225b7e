package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestOpenPersistsAcrossReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nested", "dirs", "state.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	global := Bucket{Account: "000000000000", Service: "iam", Kind: "user"}
	put(t, s, vpcs, "vpc-1", "one")
	put(t, s, global, "alice", "a")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("data file: %v, %v; want mode 0600", fi, err)
	}

	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := get(t, s, vpcs, "vpc-1"); got != "one" {
		t.Errorf("vpc-1 after reopen = %q", got)
	}
	if got := get(t, s, global, "alice"); got != "a" {
		t.Errorf("alice after reopen = %q", got)
	}
}

func TestOpenRefuses(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name    string
		prepare func(path string) error
		wantErr string
		wantIs  error
	}{
		{
			name: "newer schema",
			prepare: func(path string) error {
				return withBolt(path, func(tx *bolt.Tx) error {
					meta, err := tx.CreateBucket(metaBucket)
					if err != nil {
						return err
					}
					return meta.Put(schemaKey, []byte("99"))
				})
			},
			wantErr: "schema 99",
			wantIs:  ErrNewerSchema,
		},
		{
			name: "unreadable schema",
			prepare: func(path string) error {
				return withBolt(path, func(tx *bolt.Tx) error {
					meta, err := tx.CreateBucket(metaBucket)
					if err != nil {
						return err
					}
					return meta.Put(schemaKey, []byte("one"))
				})
			},
			wantErr: "unreadable schema",
		},
		{
			name: "foreign bbolt file",
			prepare: func(path string) error {
				return withBolt(path, func(tx *bolt.Tx) error {
					_, err := tx.CreateBucket([]byte("someone-else"))
					return err
				})
			},
			wantErr: "not a hakoniwa store",
		},
		{
			name: "not a database",
			prepare: func(path string) error {
				return os.WriteFile(path, []byte(strings.Repeat("garbage!", 2048)), 0o600)
			},
			wantErr: "not a hakoniwa data file or is damaged",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "-")+".db")
			if err := c.prepare(path); err != nil {
				t.Fatal(err)
			}
			s, err := Open(path, Options{})
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			if !strings.Contains(err.Error(), c.wantErr) || (c.wantIs != nil && !errors.Is(err, c.wantIs)) {
				t.Errorf("Open err = %v; want %q", err, c.wantErr)
			}
		})
	}
}

func withBolt(path string, fn func(*bolt.Tx) error) error {
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		return err
	}
	if err := db.Update(fn); err != nil {
		db.Close()
		return err
	}
	return db.Close()
}

func TestOpenStampsSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	var got string
	err = withBolt(path, func(tx *bolt.Tx) error {
		got = string(tx.Bucket(metaBucket).Get(schemaKey))
		return nil
	})
	if err != nil || got != "1" {
		t.Fatalf("schema stamp = %q, %v; want 1", got, err)
	}
}

func TestOpenLockedByAnother(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	start := time.Now()
	s2, err := Open(path, Options{LockTimeout: 100 * time.Millisecond})
	if err == nil {
		s2.Close()
		t.Fatal("second Open of a locked file succeeded")
	}
	if !strings.Contains(err.Error(), "in use by another process") {
		t.Errorf("err = %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Open waited %v despite a 100ms LockTimeout", d)
	}
}

// TestDiskLayout pins the nested layout so an accidental change (which
// would orphan existing users' data) fails here and makes someone bump
// SchemaVersion.
func TestDiskLayout(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	put(t, s, Bucket{Account: "000000000000", Service: "iam", Kind: "user"}, "alice", "a")
	s.Close()
	err = withBolt(path, func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("data"))
		for _, name := range []string{"000000000000", "\x00", "iam", "user"} {
			if b = b.Bucket([]byte(name)); b == nil {
				return errors.New("missing level " + name)
			}
		}
		if string(b.Get([]byte("alice"))) != "a" {
			return errors.New("alice not at data/000000000000/\\x00/iam/user")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestGroupCommitFailingFnRunsOnce: a failing fn is answered from its one
// run (its writes rolled back with the batch), not re-run alone as bbolt's
// DB.Batch would; its batch-mates are re-run and committed.
func TestGroupCommitFailingFnRunsOnce(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "state.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var failRuns atomic.Int32
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			err := s.Update(ctx, func(tx Tx) error {
				if err := tx.Put(vpcs, fmt.Sprint(i), nil); err != nil {
					return err
				}
				if i == 7 {
					failRuns.Add(1)
					return errors.New("no")
				}
				return nil
			})
			if (err != nil) != (i == 7) {
				t.Errorf("writer %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if n := failRuns.Load(); n != 1 {
		t.Errorf("failing fn ran %d times, want 1", n)
	}
	var n int
	s.View(ctx, func(tx Tx) (err error) { n, err = tx.Count(vpcs, ""); return })
	if n != 15 {
		t.Errorf("%d keys committed, want 15", n)
	}
}

// TestCloseWithWritersInFlight: Close must answer every queued Update
// (committed or ErrClosed), never strand one.
func TestCloseWithWritersInFlight(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var acked atomic.Int32
	for g := range 16 {
		wg.Go(func() {
			for n := 0; ; n++ {
				err := s.Update(ctx, func(tx Tx) error { return tx.Put(vpcs, fmt.Sprintf("%d-%d", g, n), nil) })
				if errors.Is(err, ErrClosed) {
					return
				}
				if err != nil {
					t.Errorf("Update: %v", err)
					return
				}
				acked.Add(1)
			}
		})
	}
	time.Sleep(50 * time.Millisecond)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("writers still blocked 10s after Close")
	}
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var n int
	s.View(ctx, func(tx Tx) (err error) { n, err = tx.Count(vpcs, ""); return })
	if n != int(acked.Load()) {
		t.Errorf("%d keys on disk, %d acknowledged", n, acked.Load())
	}
}
