package store

import (
	"fmt"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// writers is the number of concurrent writers in the Update benchmarks:
// RunParallel starts parallelism × GOMAXPROCS goroutines.
const writers = 32

func benchValue() []byte { return make([]byte, 256) }

func setWriters(b *testing.B) {
	b.SetParallelism(max(1, writers/runtime.GOMAXPROCS(0)))
}

func reportWrites(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "writes/s")
}

// BenchmarkUpdateGroupCommit: durable Updates from 32 writers, coalesced by
// the group commit into shared transactions and fsyncs.
func BenchmarkUpdateGroupCommit(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "state.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	var seq atomic.Int64
	value := benchValue()
	setWriters(b)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			key := fmt.Sprintf("vpc-%017d", seq.Add(1))
			err := s.Update(ctx, func(tx Tx) error { return tx.Put(vpcs, key, value) })
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
	reportWrites(b)
}

// BenchmarkUpdatePerWriteFsync is the baseline for the group commit: the
// same writes from the same 32 writers, each in its own bbolt transaction
// with its own fsync (db.Update instead of db.Batch).
func BenchmarkUpdatePerWriteFsync(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "state.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	db := s.(*boltStore).db
	var seq atomic.Int64
	value := benchValue()
	setWriters(b)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			key := fmt.Sprintf("vpc-%017d", seq.Add(1))
			err := db.Update(func(btx *bolt.Tx) error {
				return runTx(btx, true, func(tx Tx) error { return tx.Put(vpcs, key, value) })
			})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
	reportWrites(b)
}

// BenchmarkUpdateBoltBatch is the alternative the group committer replaced:
// bbolt's own DB.Batch (2ms delay) under the same load.
func BenchmarkUpdateBoltBatch(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "state.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	db := s.(*boltStore).db
	db.MaxBatchDelay = 2 * time.Millisecond
	var seq atomic.Int64
	value := benchValue()
	setWriters(b)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			key := fmt.Sprintf("vpc-%017d", seq.Add(1))
			err := db.Batch(func(btx *bolt.Tx) error {
				return runTx(btx, true, func(tx Tx) error { return tx.Put(vpcs, key, value) })
			})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
	reportWrites(b)
}

// BenchmarkUpdateLoneWriter is the latency one writer pays when nobody
// shares its commit: the group committer should cost one commit, bbolt's
// DB.Batch one commit plus its batch delay.
func BenchmarkUpdateLoneWriter(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "state.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	db := s.(*boltStore).db
	db.MaxBatchDelay = 2 * time.Millisecond
	value := benchValue()
	write := map[string]func(key string) error{
		"GroupCommit": func(key string) error {
			return s.Update(ctx, func(tx Tx) error { return tx.Put(vpcs, key, value) })
		},
		"BoltBatch": func(key string) error {
			return db.Batch(func(btx *bolt.Tx) error {
				return runTx(btx, true, func(tx Tx) error { return tx.Put(vpcs, key, value) })
			})
		},
	}
	for _, name := range []string{"GroupCommit", "BoltBatch"} {
		b.Run(name, func(b *testing.B) {
			n := 0
			for b.Loop() {
				n++
				if err := write[name](fmt.Sprintf("%s-%017d", name, n)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkUpdateMemory is the --ephemeral ceiling for the same load.
func BenchmarkUpdateMemory(b *testing.B) {
	s := OpenMemory()
	defer s.Close()
	var seq atomic.Int64
	value := benchValue()
	setWriters(b)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			key := fmt.Sprintf("vpc-%017d", seq.Add(1))
			if err := s.Update(ctx, func(tx Tx) error { return tx.Put(vpcs, key, value) }); err != nil {
				b.Error(err)
				return
			}
		}
	})
	reportWrites(b)
}

// fillStore writes n records spread over services, kinds and regions, the
// way a busy emulator's state looks.
func fillStore(tb testing.TB, path string, n int) {
	tb.Helper()
	s, err := Open(path, Options{})
	if err != nil {
		tb.Fatal(err)
	}
	defer s.Close()
	value := benchValue()
	kinds := []Bucket{
		vpcs,
		{Account: "000000000000", Region: "us-east-1", Service: "ec2", Kind: "subnet"},
		{Account: "000000000000", Region: "eu-west-1", Service: "sqs", Kind: "queue"},
		{Account: "000000000000", Service: "iam", Kind: "role"},
		{Account: "000000000000", Service: "s3", Kind: "object"},
	}
	const perTx = 2000
	for done := 0; done < n; done += perTx {
		err := s.Update(ctx, func(tx Tx) error {
			for i := done; i < min(n, done+perTx); i++ {
				if err := tx.Put(kinds[i%len(kinds)], fmt.Sprintf("id-%017d", i), value); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchmarkOpen10k measures start-up: Open (and Close) of a store holding
// 10,000 records.
func BenchmarkOpen10k(b *testing.B) {
	path := filepath.Join(b.TempDir(), "state.db")
	fillStore(b, path, 10_000)
	b.ResetTimer()
	for b.Loop() {
		s, err := Open(path, Options{})
		if err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
}

// TestOpen10k checks a 10,000-record store reopens with its data and logs
// how long Open took and what it cost in heap; no timing assertion (the
// benchmark is the measurement).
func TestOpen10k(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 10,000 records")
	}
	path := filepath.Join(t.TempDir(), "state.db")
	fillStore(t, path, 10_000)

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	s, err := Open(path, Options{})
	elapsed := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	runtime.GC()
	runtime.ReadMemStats(&after)
	stats, err := s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, n := range stats {
		total += n
	}
	if total != 10_000 {
		t.Fatalf("Stats after reopen = %v (total %d), want 10000", stats, total)
	}
	t.Logf("Open of 10,000 records: %v, live heap +%d KiB", elapsed, (int64(after.HeapAlloc)-int64(before.HeapAlloc))/1024)
}
