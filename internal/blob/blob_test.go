package blob

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func write(t *testing.T, s *Store, data string) string {
	t.Helper()
	w, err := s.Create()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(w, strings.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	id, err := w.Commit()
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func read(t *testing.T, s *Store, id string) string {
	t.Helper()
	f, err := s.Open(id)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// files lists every regular file under dir.
func files(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, p)
		}
		return nil
	})
	return out
}

func TestWriteReadRemove(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	id := write(t, s, "hello")
	if got := read(t, s, id); got != "hello" {
		t.Fatalf("read %q", got)
	}
	if n, err := s.Size(id); err != nil || n != 5 {
		t.Fatalf("size %d %v", n, err)
	}
	if err := s.Remove(id); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Open(id); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("open after remove: %v", err)
	}
	if err := s.Remove(id); err != nil {
		t.Fatalf("removing twice: %v", err)
	}
}

func TestAbortLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	s, _ := Open(dir)
	w, err := s.Create()
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("partial"))
	w.Abort()
	w.Abort()
	if fs := files(t, dir); len(fs) != 0 {
		t.Fatalf("abort left %v", fs)
	}
	if _, err := w.Commit(); err == nil {
		t.Fatal("commit after abort succeeded")
	}
}

// Ids are ours alone: nothing a client could send names a file.
func TestForeignIDsRefused(t *testing.T) {
	dir := t.TempDir()
	s, _ := Open(filepath.Join(dir, "blobs"))
	os.WriteFile(filepath.Join(dir, "secret"), []byte("x"), 0o600)
	for _, id := range []string{"../secret", "..%2fsecret", "/etc/passwd", "00/../../secret", "ab\x00cd", strings.Repeat("a", 1024),
		"", "0123456789abcdef0123456789ABCDEF", "0123456789abcdef0123456789abcde/"} {
		if _, err := s.Open(id); !errors.Is(err, ErrBadID) {
			t.Errorf("Open(%q): %v", id, err)
		}
		if err := s.Remove(id); !errors.Is(err, ErrBadID) {
			t.Errorf("Remove(%q): %v", id, err)
		}
		if _, err := s.Clone(id); !errors.Is(err, ErrBadID) {
			t.Errorf("Clone(%q): %v", id, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "secret")); err != nil {
		t.Fatal("a file outside the store went missing")
	}
}

func TestCloneIsIndependent(t *testing.T) {
	s, _ := Open(t.TempDir())
	a := write(t, s, "same bytes")
	b, err := s.Clone(a)
	if err != nil || b == a {
		t.Fatalf("clone %q %v", b, err)
	}
	s.Remove(a)
	if got := read(t, s, b); got != "same bytes" {
		t.Fatalf("clone after removing the original: %q", got)
	}
}

// A crash mid-upload or between the blob and the metadata commit leaves
// a file nobody refers to; Sweep at start removes exactly those.
func TestSweepRemovesOnlyUnreferenced(t *testing.T) {
	dir := t.TempDir()
	s, _ := Open(dir)
	kept := write(t, s, "referenced")
	orphan := write(t, s, "committed blob whose metadata never was")
	w, _ := s.Create()
	w.Write([]byte("torn upload")) // never committed nor aborted: a crash
	foreign := filepath.Join(dir, "0a", "not-a-blob")
	if err := os.MkdirAll(filepath.Dir(foreign), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(foreign, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "zz"), []byte("not a fan-out directory"), 0o600); err != nil {
		t.Fatal(err)
	}

	n, err := s.Sweep(func(id string) bool { return id == kept }, time.Time{})
	if err != nil || n != 2 {
		t.Fatalf("swept %d, %v", n, err)
	}
	if read(t, s, kept) != "referenced" {
		t.Fatal("referenced blob lost")
	}
	for _, id := range []string{orphan, w.ID()} {
		if _, err := s.Open(id); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s survived the sweep: %v", id, err)
		}
	}
	if _, err := os.Stat(foreign); err != nil {
		t.Error("sweep removed a file it did not make")
	}
}

// A sweep running while the store is in use spares what is younger than
// the mark: an upload in flight, or a Clone made after the records were
// read, is named by no record yet.
func TestSweepSparesBlobsNewerThanMark(t *testing.T) {
	s, _ := Open(t.TempDir())
	old := write(t, s, "orphan from before the mark")
	src := write(t, s, "source of a clone")
	mark := markAfter(t, s, old)
	fresh := write(t, s, "upload after the mark")
	clone, err := s.Clone(src)
	if err != nil {
		t.Fatal(err)
	}
	n, err := s.Sweep(func(string) bool { return false }, mark)
	if err != nil || n != 1 {
		t.Fatalf("swept %d, %v; want only the old orphan", n, err)
	}
	if _, err := s.Open(old); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("old orphan survived: %v", err)
	}
	for _, id := range []string{fresh, clone, src} {
		if _, err := s.Open(id); err != nil {
			t.Errorf("%s was swept: %v", id, err)
		}
	}
}

// markAfter takes a mark once the file system's clock has moved past the
// change time of blob id, so the blob is strictly older than the mark.
// The clock is coarse (a scheduler tick), so this waits a few ms at most.
func markAfter(t *testing.T, s *Store, id string) time.Time {
	t.Helper()
	p, _ := s.path(id)
	ct, err := changeTime(p)
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		mark, err := s.Mark()
		if err != nil {
			t.Fatal(err)
		}
		if ct.Before(mark) {
			return mark
		}
	}
	t.Fatal("the file system clock did not move in 10 s")
	return time.Time{}
}

// Opening a store makes no fan-out directories: start-up stays one mkdir
// however many there may be; the first blob of each makes its own.
func TestFanOutMadeOnFirstUse(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("a new store holds %d entries", len(entries))
	}
	a := write(t, s, "first")
	b, err := s.Clone(a)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{a, b} {
		if got := read(t, s, id); got != "first" {
			t.Fatalf("%s reads %q", id, got)
		}
	}
	if n, err := s.Sweep(func(string) bool { return true }, time.Time{}); n != 0 || err != nil {
		t.Fatalf("sweep of claimed blobs removed %d: %v", n, err)
	}
}

func TestTempStoreRemovedAtClose(t *testing.T) {
	s, err := OpenTemp()
	if err != nil {
		t.Fatal(err)
	}
	write(t, s, "ephemeral")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(s.Dir()); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("temp dir still there: %v", err)
	}
}
