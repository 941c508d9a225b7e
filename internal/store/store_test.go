package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// opener makes a fresh, empty store for one test.
type opener func(t *testing.T) Store

func openers() map[string]opener {
	return map[string]opener{
		"memory": func(t *testing.T) Store {
			s := OpenMemory()
			t.Cleanup(func() { s.Close() })
			return s
		},
		"disk": func(t *testing.T) Store {
			s, err := Open(filepath.Join(t.TempDir(), "state.db"), Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		},
	}
}

// TestConformance runs one suite against both implementations: whatever a
// service sees in --ephemeral mode it must also see on disk.
func TestConformance(t *testing.T) {
	cases := []struct {
		name string
		fn   func(t *testing.T, s Store)
	}{
		{"PutGetDelete", testPutGetDelete},
		{"BucketsAreDisjoint", testBucketsDisjoint},
		{"Scan", testScan},
		{"ScanReverse", testScanReverse},
		{"Count", testCount},
		{"ReadOwnWrites", testReadOwnWrites},
		{"RollbackOnError", testRollback},
		{"FailedUpdateIsolatedAmongConcurrent", testFailedIsolated},
		{"PanicLeavesStoreUsable", testPanic},
		{"SnapshotIsolation", testSnapshot},
		{"ValuesAreCopies", testCopies},
		{"Misuse", testMisuse},
		{"ConcurrentIncrements", testConcurrentIncrements},
		{"ResetAndStats", testResetStats},
		{"JSON", testJSON},
		{"Closed", testClosed},
	}
	for name, open := range openers() {
		t.Run(name, func(t *testing.T) {
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					t.Parallel()
					c.fn(t, open(t))
				})
			}
		})
	}
}

var (
	ctx  = context.Background()
	vpcs = Bucket{Account: "000000000000", Region: "us-east-1", Service: "ec2", Kind: "vpc"}
)

func put(t *testing.T, s Store, b Bucket, kv ...string) {
	t.Helper()
	err := s.Update(ctx, func(tx Tx) error {
		for i := 0; i+1 < len(kv); i += 2 {
			if err := tx.Put(b, kv[i], []byte(kv[i+1])); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// get returns the value of key, or "<absent>".
func get(t *testing.T, s Store, b Bucket, key string) string {
	t.Helper()
	var out string
	err := s.View(ctx, func(tx Tx) error {
		v, err := tx.Get(b, key)
		if errors.Is(err, ErrNotFound) {
			out = "<absent>"
			return nil
		}
		out = string(v)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func testPutGetDelete(t *testing.T, s Store) {
	put(t, s, vpcs, "vpc-1", "one", "vpc-2", "two", "empty", "")
	if got := get(t, s, vpcs, "vpc-1"); got != "one" {
		t.Errorf("vpc-1 = %q", got)
	}
	put(t, s, vpcs, "vpc-1", "uno")
	if got := get(t, s, vpcs, "vpc-1"); got != "uno" {
		t.Errorf("overwritten vpc-1 = %q", got)
	}
	// An empty value is present, not absent.
	err := s.View(ctx, func(tx Tx) error {
		v, err := tx.Get(vpcs, "empty")
		if err != nil || v == nil || len(v) != 0 {
			return fmt.Errorf("Get(empty) = %q, %v; want present and empty", v, err)
		}
		if _, err := tx.Get(vpcs, "nope"); !errors.Is(err, ErrNotFound) {
			return fmt.Errorf("Get(nope) err = %v, want ErrNotFound", err)
		}
		other := vpcs
		other.Kind = "never-written"
		if _, err := tx.Get(other, "vpc-1"); !errors.Is(err, ErrNotFound) {
			return fmt.Errorf("Get in unwritten bucket err = %v, want ErrNotFound", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Update(ctx, func(tx Tx) error {
		if err := tx.Delete(vpcs, "vpc-1"); err != nil {
			return err
		}
		if err := tx.Delete(vpcs, "not-there"); err != nil {
			return fmt.Errorf("Delete(absent) = %w", err)
		}
		unwritten := vpcs
		unwritten.Account = "111111111111"
		return tx.Delete(unwritten, "vpc-1")
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := get(t, s, vpcs, "vpc-1"); got != "<absent>" {
		t.Errorf("deleted vpc-1 = %q", got)
	}
	if got := get(t, s, vpcs, "vpc-2"); got != "two" {
		t.Errorf("vpc-2 = %q", got)
	}
}

func testBucketsDisjoint(t *testing.T, s Store) {
	buckets := []Bucket{
		vpcs,
		{Account: "111111111111", Region: "us-east-1", Service: "ec2", Kind: "vpc"},
		{Account: "000000000000", Region: "", Service: "ec2", Kind: "vpc"},
		{Account: "000000000000", Region: "eu-west-1", Service: "ec2", Kind: "vpc"},
		{Account: "000000000000", Region: "us-east-1", Service: "iam", Kind: "vpc"},
		{Account: "000000000000", Region: "us-east-1", Service: "ec2", Kind: "subnet"},
		// Concatenations that a naive composite key would confuse.
		{Account: "000000000000", Region: "us-east-1", Service: "ec2v", Kind: "pc"},
		{Account: "000000000000", Region: "us-east-1", Service: "ec2/vpc", Kind: "x"},
	}
	for i, b := range buckets {
		put(t, s, b, "k", fmt.Sprint(i))
	}
	for i, b := range buckets {
		if got := get(t, s, b, "k"); got != fmt.Sprint(i) {
			t.Errorf("%v: k = %q, want %d", b, got, i)
		}
		var n int
		err := s.View(ctx, func(tx Tx) (err error) { n, err = tx.Count(b, ""); return })
		if err != nil || n != 1 {
			t.Errorf("%v: Count = %d, %v; want 1", b, n, err)
		}
	}
}

// scanKeys, in the order Scan must visit them, is shared by the Scan and
// Count tables; "b\xff" after "bb" checks that order is by bytes.
var scanKeys = []string{"a", "b", "ba", "bab", "bb", "b\xff", "c", "cc"}

func testScan(t *testing.T, s Store) {
	for _, k := range scanKeys {
		put(t, s, vpcs, k, "v-"+k)
	}
	put(t, s, Bucket{Account: vpcs.Account, Region: vpcs.Region, Service: vpcs.Service, Kind: "vpca"}, "a", "other kind")
	cases := []struct {
		prefix, start string
		limit         int // stop after this many (0 = all)
		want          []string
	}{
		{want: scanKeys},
		{prefix: "b", want: []string{"b", "ba", "bab", "bb", "b\xff"}},
		{prefix: "ba", want: []string{"ba", "bab"}},
		{prefix: "b", start: "bab", want: []string{"bab", "bb", "b\xff"}},
		{prefix: "b", start: "baa", want: []string{"bab", "bb", "b\xff"}}, // start need not exist
		{prefix: "b", start: "a", want: []string{"b", "ba", "bab", "bb", "b\xff"}},
		{prefix: "b", start: "c", want: nil},
		{start: "bb", want: []string{"bb", "b\xff", "c", "cc"}},
		{start: "b\xff\x00", want: []string{"c", "cc"}},
		{prefix: "z", want: nil},
		{prefix: "", limit: 3, want: []string{"a", "b", "ba"}},
		{prefix: "c", limit: 1, want: []string{"c"}},
	}
	for _, c := range cases {
		var got []string
		err := s.View(ctx, func(tx Tx) error {
			return tx.Scan(vpcs, c.prefix, c.start, func(k string, v []byte) bool {
				if string(v) != "v-"+k {
					t.Errorf("Scan value of %q = %q", k, v)
				}
				got = append(got, k)
				return c.limit == 0 || len(got) < c.limit
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("Scan(prefix %q, start %q, limit %d) = %q, want %q", c.prefix, c.start, c.limit, got, c.want)
		}
	}
	// A bucket never written scans as empty.
	err := s.View(ctx, func(tx Tx) error {
		return tx.Scan(Bucket{Account: "1", Service: "s", Kind: "k"}, "", "", func(string, []byte) bool {
			t.Error("visited a key of an empty bucket")
			return true
		})
	})
	if err != nil {
		t.Fatal(err)
	}
}

func testScanReverse(t *testing.T, s Store) {
	for _, k := range scanKeys {
		put(t, s, vpcs, k, "v-"+k)
	}
	// Neighbouring buckets on both sides must never leak into the scan.
	put(t, s, Bucket{Account: vpcs.Account, Region: vpcs.Region, Service: vpcs.Service, Kind: "vpca"}, "a", "later kind")
	put(t, s, Bucket{Account: vpcs.Account, Region: vpcs.Region, Service: vpcs.Service, Kind: "vp"}, "zz", "earlier kind")
	rev := slices.Clone(scanKeys)
	slices.Reverse(rev)
	cases := []struct {
		prefix, before string
		limit          int
		want           []string
	}{
		{want: rev},
		{prefix: "b", want: []string{"b\xff", "bb", "bab", "ba", "b"}},
		{prefix: "ba", want: []string{"bab", "ba"}},
		{prefix: "b", before: "bb", want: []string{"bab", "ba", "b"}},  // exclusive
		{prefix: "b", before: "bac", want: []string{"bab", "ba", "b"}}, // need not exist
		{prefix: "b", before: "z", want: []string{"b\xff", "bb", "bab", "ba", "b"}},
		{prefix: "b", before: "b", want: nil},
		{before: "bb", want: []string{"bab", "ba", "b", "a"}},
		{prefix: "\xff", want: nil},
		{prefix: "z", want: nil},
		{limit: 2, want: []string{"cc", "c"}},
	}
	for _, c := range cases {
		var got []string
		err := s.View(ctx, func(tx Tx) error {
			return tx.ScanReverse(vpcs, c.prefix, c.before, func(k string, v []byte) bool {
				if string(v) != "v-"+k {
					t.Errorf("ScanReverse value of %q = %q", k, v)
				}
				got = append(got, k)
				return c.limit == 0 || len(got) < c.limit
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("ScanReverse(prefix %q, before %q, limit %d) = %q, want %q", c.prefix, c.before, c.limit, got, c.want)
		}
	}
}

func testCount(t *testing.T, s Store) {
	for _, k := range scanKeys {
		put(t, s, vpcs, k, "v")
	}
	cases := []struct {
		prefix string
		want   int
	}{{"", 8}, {"b", 5}, {"ba", 2}, {"bab", 1}, {"babc", 0}, {"c", 2}, {"d", 0}}
	for _, c := range cases {
		var n int
		err := s.View(ctx, func(tx Tx) (err error) { n, err = tx.Count(vpcs, c.prefix); return })
		if err != nil || n != c.want {
			t.Errorf("Count(%q) = %d, %v; want %d", c.prefix, n, err, c.want)
		}
	}
}

func testReadOwnWrites(t *testing.T, s Store) {
	put(t, s, vpcs, "a", "1", "b", "2")
	err := s.Update(ctx, func(tx Tx) error {
		if err := tx.Put(vpcs, "c", []byte("3")); err != nil {
			return err
		}
		if err := tx.Delete(vpcs, "a"); err != nil {
			return err
		}
		if v, err := tx.Get(vpcs, "c"); err != nil || string(v) != "3" {
			return fmt.Errorf("Get own write = %q, %v", v, err)
		}
		if _, err := tx.Get(vpcs, "a"); !errors.Is(err, ErrNotFound) {
			return fmt.Errorf("Get own delete err = %v", err)
		}
		var keys []string
		if err := tx.Scan(vpcs, "", "", func(k string, _ []byte) bool { keys = append(keys, k); return true }); err != nil {
			return err
		}
		if !slices.Equal(keys, []string{"b", "c"}) {
			return fmt.Errorf("Scan in tx = %q", keys)
		}
		if n, err := tx.Count(vpcs, ""); err != nil || n != 2 {
			return fmt.Errorf("Count in tx = %d, %v", n, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func testRollback(t *testing.T, s Store) {
	put(t, s, vpcs, "keep", "old")
	boom := errors.New("boom")
	err := s.Update(ctx, func(tx Tx) error {
		tx.Put(vpcs, "keep", []byte("new"))
		tx.Put(vpcs, "added", []byte("x"))
		tx.Put(Bucket{Account: "2", Service: "iam", Kind: "user"}, "u", []byte("x"))
		return fmt.Errorf("wrapped: %w", boom)
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update err = %v, want the fn's error", err)
	}
	if got := get(t, s, vpcs, "keep"); got != "old" {
		t.Errorf("keep = %q after failed Update", got)
	}
	if got := get(t, s, vpcs, "added"); got != "<absent>" {
		t.Errorf("added = %q after failed Update", got)
	}
	stats, err := s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if stats["iam"] != 0 {
		t.Errorf("stats after failed Update = %v", stats)
	}
}

// testFailedIsolated races failing and succeeding writers so that, on disk,
// they land in the same group commit: the failures must vanish and every
// success must survive its batch being rolled back and re-run.
func testFailedIsolated(t *testing.T, s Store) {
	const writers = 24
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for i := range writers {
		wg.Go(func() {
			errs[i] = s.Update(ctx, func(tx Tx) error {
				if err := tx.Put(vpcs, fmt.Sprintf("w%02d", i), []byte("x")); err != nil {
					return err
				}
				if i%3 == 0 {
					return fmt.Errorf("writer %d fails", i)
				}
				return nil
			})
		})
	}
	wg.Wait()
	var want []string
	for i, err := range errs {
		if (err != nil) != (i%3 == 0) {
			t.Errorf("writer %d: err = %v", i, err)
		}
		if i%3 != 0 {
			want = append(want, fmt.Sprintf("w%02d", i))
		}
	}
	var got []string
	s.View(ctx, func(tx Tx) error {
		return tx.Scan(vpcs, "", "", func(k string, _ []byte) bool { got = append(got, k); return true })
	})
	if !slices.Equal(got, want) {
		t.Errorf("keys = %q, want %q", got, want)
	}
}

func testPanic(t *testing.T, s Store) {
	func() {
		defer func() {
			if recover() == nil {
				t.Error("panic in fn did not reach the caller")
			}
		}()
		s.Update(ctx, func(tx Tx) error {
			tx.Put(vpcs, "half", []byte("x"))
			panic("handler bug")
		})
	}()
	put(t, s, vpcs, "after", "ok")
	if got := get(t, s, vpcs, "half"); got != "<absent>" {
		t.Errorf("write of panicking fn = %q", got)
	}
	if got := get(t, s, vpcs, "after"); got != "ok" {
		t.Errorf("after = %q", got)
	}
}

func testSnapshot(t *testing.T, s Store) {
	put(t, s, vpcs, "k", "old")
	err := s.View(ctx, func(tx Tx) error {
		done := make(chan error, 1)
		go func() {
			done <- s.Update(ctx, func(tx Tx) error {
				if err := tx.Put(vpcs, "new", []byte("x")); err != nil {
					return err
				}
				return tx.Put(vpcs, "k", []byte("new"))
			})
		}()
		select {
		case err := <-done:
			if err != nil {
				return err
			}
		case <-time.After(10 * time.Second):
			return errors.New("an Update blocked behind a View")
		}
		if v, err := tx.Get(vpcs, "k"); err != nil || string(v) != "old" {
			return fmt.Errorf("View saw %q, %v after a concurrent commit; want old", v, err)
		}
		if n, _ := tx.Count(vpcs, ""); n != 1 {
			return fmt.Errorf("View counts %d keys after a concurrent commit; want 1", n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := get(t, s, vpcs, "k"); got != "new" {
		t.Errorf("after commit k = %q", got)
	}
}

func testCopies(t *testing.T, s Store) {
	buf := []byte("original")
	err := s.Update(ctx, func(tx Tx) error {
		if err := tx.Put(vpcs, "k", buf); err != nil {
			return err
		}
		copy(buf, "XXXXXXXX") // the caller reuses its buffer before commit
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var kept, scanned []byte
	s.View(ctx, func(tx Tx) error {
		kept, _ = tx.Get(vpcs, "k")
		return tx.Scan(vpcs, "", "", func(_ string, v []byte) bool { scanned = v; return false })
	})
	// Values outlive their transaction, even after further writes.
	put(t, s, vpcs, "k", "changed!", "filler", strings.Repeat("f", 1<<16))
	if string(kept) != "original" || string(scanned) != "original" {
		t.Errorf("kept %q, scanned %q; want original", kept, scanned)
	}
	copy(kept, "mutated!")
	put(t, s, vpcs, "k", "original")
	if got := get(t, s, vpcs, "k"); got != "original" {
		t.Errorf("mutating a returned value changed the store: %q", got)
	}
}

func testMisuse(t *testing.T, s Store) {
	var escaped Tx
	err := s.View(ctx, func(tx Tx) error {
		escaped = tx
		if err := tx.Put(vpcs, "k", nil); !errors.Is(err, ErrReadOnly) {
			return fmt.Errorf("Put in View = %v", err)
		}
		if err := tx.Delete(vpcs, "k"); !errors.Is(err, ErrReadOnly) {
			return fmt.Errorf("Delete in View = %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := escaped.Get(vpcs, "k"); !errors.Is(err, ErrTxDone) {
		t.Errorf("Get on finished View tx = %v", err)
	}

	put(t, s, vpcs, "a", "1", "b", "2")
	invalid := []struct {
		b   Bucket
		key string
	}{
		{Bucket{Region: "r", Service: "s", Kind: "k"}, "k"},
		{Bucket{Account: "a", Region: "r", Kind: "k"}, "k"},
		{Bucket{Account: "a", Region: "r", Service: "s"}, "k"},
		{Bucket{Account: "a", Region: "\x00", Service: "s", Kind: "k"}, "k"},
		{vpcs, ""},
		{vpcs, strings.Repeat("k", MaxKeySize+1)},
	}
	err = s.Update(ctx, func(tx Tx) error {
		escaped = tx
		for _, c := range invalid {
			if err := tx.Put(c.b, c.key, []byte("v")); !errors.Is(err, ErrInvalid) {
				t.Errorf("Put(%v, %.10q) = %v, want ErrInvalid", c.b, c.key, err)
			}
			if _, err := tx.Get(c.b, c.key); !errors.Is(err, ErrInvalid) {
				t.Errorf("Get(%v, %.10q) = %v, want ErrInvalid", c.b, c.key, err)
			}
			if err := tx.Delete(c.b, c.key); !errors.Is(err, ErrInvalid) {
				t.Errorf("Delete(%v, %.10q) = %v, want ErrInvalid", c.b, c.key, err)
			}
		}
		return tx.Scan(vpcs, "", "", func(k string, _ []byte) bool {
			if err := tx.Put(vpcs, k+"x", nil); !errors.Is(err, ErrWriteDuringScan) {
				t.Errorf("Put during Scan = %v", err)
			}
			if err := tx.Delete(vpcs, k); !errors.Is(err, ErrWriteDuringScan) {
				t.Errorf("Delete during Scan = %v", err)
			}
			return true
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := escaped.Put(vpcs, "late", nil); !errors.Is(err, ErrTxDone) {
		t.Errorf("Put on finished Update tx = %v", err)
	}
	if got := get(t, s, vpcs, "late"); got != "<absent>" {
		t.Errorf("late write landed: %q", got)
	}

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	ran := false
	if err := s.Update(cancelled, func(Tx) error { ran = true; return nil }); !errors.Is(err, context.Canceled) || ran {
		t.Errorf("Update(cancelled) = %v, ran %v", err, ran)
	}
	if err := s.View(cancelled, func(Tx) error { ran = true; return nil }); !errors.Is(err, context.Canceled) || ran {
		t.Errorf("View(cancelled) = %v, ran %v", err, ran)
	}
}

// testConcurrentIncrements is a serialisability check: read-modify-write
// increments from many goroutines (with readers alongside) must not lose
// updates, batched or not.
func testConcurrentIncrements(t *testing.T, s Store) {
	const goroutines, perG = 8, 25
	counter := Bucket{Account: "000000000000", Service: "test", Kind: "counter"}
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for range perG {
				err := s.Update(ctx, func(tx Tx) error {
					n, err := GetJSON[int](tx, counter, "n")
					if err != nil && !errors.Is(err, ErrNotFound) {
						return err
					}
					return PutJSON(tx, counter, "n", n+1)
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
		})
		wg.Go(func() {
			for range perG {
				err := s.View(ctx, func(tx Tx) error {
					_, err := tx.Get(counter, "n")
					if errors.Is(err, ErrNotFound) {
						err = nil
					}
					return err
				})
				if err != nil {
					t.Errorf("reader %d: %v", g, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if got := get(t, s, counter, "n"); got != fmt.Sprint(goroutines*perG) {
		t.Errorf("counter = %s, want %d", got, goroutines*perG)
	}
}

func testResetStats(t *testing.T, s Store) {
	put(t, s, vpcs, "a", "1", "b", "2")
	put(t, s, Bucket{Account: "111111111111", Region: "eu-west-1", Service: "ec2", Kind: "subnet"}, "c", "3")
	put(t, s, Bucket{Account: "000000000000", Service: "iam", Kind: "user"}, "alice", "x")
	// A bucket emptied by Delete must not show up in the counts.
	put(t, s, Bucket{Account: "000000000000", Service: "sqs", Kind: "queue"}, "q", "x")
	s.Update(ctx, func(tx Tx) error {
		return tx.Delete(Bucket{Account: "000000000000", Service: "sqs", Kind: "queue"}, "q")
	})

	stats, err := s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]int{"ec2": 3, "iam": 1}; !mapsEqual(stats, want) {
		t.Errorf("Stats = %v, want %v", stats, want)
	}
	if err := s.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if stats, _ := s.Stats(ctx); len(stats) != 0 {
		t.Errorf("Stats after Reset = %v", stats)
	}
	if got := get(t, s, vpcs, "a"); got != "<absent>" {
		t.Errorf("a after Reset = %q", got)
	}
	put(t, s, vpcs, "a", "again")
	if got := get(t, s, vpcs, "a"); got != "again" {
		t.Errorf("a written after Reset = %q", got)
	}
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

type vpc struct {
	ID        string
	CIDR      string
	IsDefault bool
	Tags      map[string]string
}

func testJSON(t *testing.T, s Store) {
	in := []vpc{
		{ID: "vpc-1", CIDR: "10.0.0.0/16", IsDefault: true},
		{ID: "vpc-2", CIDR: "10.1.0.0/16", Tags: map[string]string{"Name": "two"}},
	}
	err := s.Update(ctx, func(tx Tx) error {
		for _, v := range in {
			if err := PutJSON(tx, vpcs, v.ID, v); err != nil {
				return err
			}
		}
		if err := tx.Put(vpcs, "vpc-3", []byte("{not json")); err != nil {
			return err
		}
		return PutJSON(tx, vpcs, "bad", func() {}) // unencodable
	})
	if err == nil || !strings.Contains(err.Error(), "encode") {
		t.Fatalf("PutJSON(func) err = %v", err)
	}
	err = s.Update(ctx, func(tx Tx) error {
		for _, v := range in {
			if err := PutJSON(tx, vpcs, v.ID, v); err != nil {
				return err
			}
		}
		return tx.Put(vpcs, "vpc-3", []byte("{not json"))
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.View(ctx, func(tx Tx) error {
		got, err := GetJSON[vpc](tx, vpcs, "vpc-2")
		if err != nil || got.CIDR != "10.1.0.0/16" || got.Tags["Name"] != "two" {
			return fmt.Errorf("GetJSON = %+v, %v", got, err)
		}
		if _, err := GetJSON[vpc](tx, vpcs, "vpc-9"); !errors.Is(err, ErrNotFound) {
			return fmt.Errorf("GetJSON(absent) = %v", err)
		}
		if _, err := GetJSON[vpc](tx, vpcs, "vpc-3"); err == nil {
			return errors.New("GetJSON decoded garbage")
		}
		var ids []string
		err = ScanJSON(tx, vpcs, "vpc-", "", func(_ string, v vpc) bool { ids = append(ids, v.ID); return true })
		if err == nil || !slices.Equal(ids, []string{"vpc-1", "vpc-2"}) {
			return fmt.Errorf("ScanJSON = %q, %v; want two VPCs then a decode error", ids, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func testClosed(t *testing.T, s Store) {
	put(t, s, vpcs, "k", "v")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
	noop := func(Tx) error { return nil }
	if err := s.View(ctx, noop); !errors.Is(err, ErrClosed) {
		t.Errorf("View after Close = %v", err)
	}
	if err := s.Update(ctx, noop); !errors.Is(err, ErrClosed) {
		t.Errorf("Update after Close = %v", err)
	}
	if err := s.Reset(ctx); !errors.Is(err, ErrClosed) {
		t.Errorf("Reset after Close = %v", err)
	}
	if _, err := s.Stats(ctx); !errors.Is(err, ErrClosed) {
		t.Errorf("Stats after Close = %v", err)
	}
}

func TestValueSlicesAreIndependent(t *testing.T) {
	// cloneBytes must never alias, or a caller's append could write into
	// store memory.
	src := []byte("abc")
	c := cloneBytes(src)
	c[0] = 'x'
	if !bytes.Equal(src, []byte("abc")) {
		t.Fatal("cloneBytes aliases its input")
	}
	if cloneBytes(nil) == nil {
		t.Fatal("cloneBytes(nil) is nil; empty values would read as absent")
	}
}
