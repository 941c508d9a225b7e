package store

import (
	"bufio"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The crash test: a child process (this test binary re-executed) hammers a
// store with concurrent Updates and prints each key once its Update has
// returned nil. The parent SIGKILLs it at a random moment, reopens the file
// and demands every acknowledged write back, byte for byte.

const crashDirEnv = "HAKONIWA_CRASH_DIR"

var (
	crashVPC = Bucket{Account: "000000000000", Region: "us-east-1", Service: "ec2", Kind: "vpc"}
	crashTag = Bucket{Account: "000000000000", Region: "us-east-1", Service: "ec2", Kind: "tag"}
)

// crashValue derives a key's value, of varying length (up to ~10 KiB, so
// some writes span overflow pages), so the child need not report it.
func crashValue(key string) []byte {
	h := fnv.New32a()
	h.Write([]byte(key))
	return []byte(strings.Repeat(key+";", 1+int(h.Sum32()%800)))
}

func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("re-executes the test binary")
	}
	runs := crashRuns
	if os.Getenv("HAKONIWA_LONG") == "1" {
		runs = 50
	}
	for i := range runs {
		t.Run(fmt.Sprint(i), func(t *testing.T) { crashOnce(t) })
	}
}

func crashOnce(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashDirEnv+"="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// If anything below fails, do not leave the child writing.
	defer cmd.Process.Kill()

	ready := make(chan struct{})
	var acked []string
	var readerDone sync.WaitGroup
	readerDone.Go(func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "ready":
				close(ready)
			case strings.HasPrefix(line, "ack "):
				acked = append(acked, strings.TrimPrefix(line, "ack "))
			}
		}
	})
	select {
	case <-ready:
	case <-time.After(30 * time.Second):
		t.Fatal("child never opened its store")
	}
	delay := 50*time.Millisecond + rand.N(350*time.Millisecond)
	time.Sleep(delay)
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	// Everything printed before the kill is still in the pipe; the reader
	// ends at EOF once the child is gone.
	readerDone.Wait()
	cmd.Wait()
	if len(acked) == 0 {
		t.Fatalf("child acknowledged no write in %v", delay)
	}

	s, err := Open(filepath.Join(dir, "state.db"), Options{})
	if err != nil {
		t.Fatalf("reopen after kill -9: %v", err)
	}
	defer s.Close()
	// bbolt's own consistency check: page ownership, freelist, ordering.
	err = s.(*boltStore).db.View(func(btx *bolt.Tx) error {
		var errs []error
		for e := range btx.Check() {
			errs = append(errs, e)
		}
		return errors.Join(errs...)
	})
	if err != nil {
		t.Fatalf("file inconsistent after kill -9: %v", err)
	}

	var present, tags int
	err = s.View(ctx, func(tx Tx) error {
		for _, key := range acked {
			for _, b := range []Bucket{crashVPC, crashTag} {
				v, err := tx.Get(b, key)
				if err != nil {
					return fmt.Errorf("acknowledged %s %q: %w", b.Kind, key, err)
				}
				if string(v) != string(crashValue(key)) {
					return fmt.Errorf("acknowledged %s %q: value of %d bytes differs", b.Kind, key, len(v))
				}
			}
		}
		// Each Update wrote both buckets: a torn transaction would leave
		// them different. Failed Updates must have left nothing.
		if err := tx.Scan(crashVPC, "", "", func(k string, _ []byte) bool {
			present++
			if _, err := tx.Get(crashTag, k); err != nil {
				t.Errorf("%q in vpc but not in tag: torn transaction", k)
			}
			if strings.HasPrefix(k, "fail-") {
				t.Errorf("write of failed Update %q survived", k)
			}
			return true
		}); err != nil {
			return err
		}
		var err error
		tags, err = tx.Count(crashTag, "")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if present != tags {
		t.Errorf("vpc has %d keys, tag %d: torn transaction", present, tags)
	}
	// The recovered store must take writes again.
	put(t, s, crashVPC, "after-crash", "ok")
	t.Logf("killed after %v: %d acknowledged, %d present", delay.Round(time.Millisecond), len(acked), present)
}

// TestCrashChild is the child half of TestCrash; it does nothing unless
// started by it.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("run by TestCrash")
	}
	s, err := Open(filepath.Join(dir, "state.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	// One write(2) per line: the pipe keeps lines whole under concurrency
	// and nothing sits in a buffer the kill would drop.
	say := func(line string) { os.Stdout.WriteString(line + "\n") }
	say("ready")
	// A deadline in case the parent died without killing us.
	deadline := time.Now().Add(30 * time.Second)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for n := 0; time.Now().Before(deadline); n++ {
				key := fmt.Sprintf("g%d-%06d", g, n)
				fail := n%7 == 3
				if fail {
					key = "fail-" + key
				}
				err := s.Update(ctx, func(tx Tx) error {
					for _, b := range []Bucket{crashVPC, crashTag} {
						if err := tx.Put(b, key, crashValue(key)); err != nil {
							return err
						}
					}
					if fail {
						return errors.New("deliberate failure")
					}
					return nil
				})
				if err == nil {
					say("ack " + key)
				} else if !fail {
					t.Errorf("Update %s: %v", key, err)
					return
				}
			}
		})
	}
	wg.Wait()
	s.Close()
}
