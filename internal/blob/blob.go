// Package blob keeps payload bytes (S3 object data, multipart parts) as
// files in one directory tree, beside the metadata store rather than in it:
// objects of any size stream to disk with bounded memory and are read back
// with the kernel's help (sendfile, copy_file_range).
//
// Files are named by random ids this package makes, never by anything a
// client sent, so no key however crafted ("../", "%2e%2e/", an absolute
// path, NUL, 1,024 bytes) can name a file outside the tree. A blob is
// written under its final name; it means nothing until the caller's
// metadata commit refers to it, which is the point of visibility. A crash
// before that commit leaves an unreferenced file, and Sweep, given the set
// of ids the metadata refers to, removes it.
package blob

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// idLen is the length of an id: 128 random bits in hex.
const idLen = 32

// ErrBadID is returned for an id this package did not make.
var ErrBadID = errors.New("blob: malformed id")

// Store is one directory of blobs. It is safe for concurrent use.
type Store struct {
	dir string
	// durable makes Commit fsync the file and its directory, so a blob a
	// commit refers to survives a machine crash.
	durable bool
	// temp marks a directory Close removes (--ephemeral).
	temp bool
	once sync.Once
}

// Open opens (creating it if needed) a durable store in dir.
func Open(dir string) (*Store, error) {
	s := &Store{dir: dir, durable: true}
	return s, s.init()
}

// OpenTemp makes a store in a fresh temporary directory that Close removes:
// nothing outlives the process, and memory stays bounded whatever the
// objects' sizes. Nothing is fsynced.
func OpenTemp() (*Store, error) {
	dir, err := os.MkdirTemp("", "hakoniwa-blobs-")
	if err != nil {
		return nil, fmt.Errorf("blob: %w", err)
	}
	s := &Store{dir: dir, temp: true}
	return s, s.init()
}

// init makes the store's directory. The 256 fan-out directories, which
// keep any one directory to a few thousand entries per million blobs, are
// made as the first blob of each needs one: making them all up front cost
// 256 mkdirs on every start.
func (s *Store) init() error {
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	return nil
}

// fanOut makes the fan-out directory of path p; a concurrent maker is no
// error. A durable store syncs the new entry, so blobs committed into the
// directory are not lost with it in a crash.
func (s *Store) fanOut(p string) error {
	err := os.Mkdir(filepath.Dir(p), 0o700)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err == nil && s.durable {
		err = syncDir(s.dir)
	}
	return err
}

// inFanOut runs op, which creates p, once more after making p's fan-out
// directory when it is missing.
func (s *Store) inFanOut(p string, op func() error) error {
	err := op()
	if errors.Is(err, fs.ErrNotExist) {
		if err = s.fanOut(p); err == nil {
			err = op()
		}
	}
	return err
}

// Dir is the store's directory.
func (s *Store) Dir() string { return s.dir }

// Close removes a temporary store's directory; a durable store has nothing
// to release.
func (s *Store) Close() error {
	var err error
	s.once.Do(func() {
		if s.temp {
			err = os.RemoveAll(s.dir)
		}
	})
	return err
}

func newID() string {
	var b [idLen / 2]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("blob: crypto/rand failed: " + err.Error()) // never happens on Linux
	}
	return hex.EncodeToString(b[:])
}

func validID(id string) bool {
	if len(id) != idLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

func (s *Store) path(id string) (string, error) {
	if !validID(id) {
		return "", ErrBadID
	}
	return filepath.Join(s.dir, id[:2], id), nil
}

// Writer receives one blob's bytes.
type Writer struct {
	s    *Store
	f    *os.File
	id   string
	n    int64
	done bool
}

// Create starts a new blob.
func (s *Store) Create() (*Writer, error) {
	id := newID()
	p, _ := s.path(id)
	var f *os.File
	err := s.inFanOut(p, func() (err error) {
		f, err = os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("blob: %w", err)
	}
	return &Writer{s: s, f: f, id: id}, nil
}

// ID is the blob's id, valid once Commit succeeded.
func (w *Writer) ID() string { return w.id }

// Size is the number of bytes written so far.
func (w *Writer) Size() int64 { return w.n }

func (w *Writer) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	w.n += int64(n)
	return n, err
}

// ReadFrom lets io.Copy from another blob's file use copy_file_range.
func (w *Writer) ReadFrom(r io.Reader) (int64, error) {
	n, err := w.f.ReadFrom(r)
	w.n += n
	return n, err
}

// Commit makes the written bytes durable and returns the blob's id. The
// blob is still unreferenced: the caller's metadata commit publishes it,
// and the caller removes it if that commit fails.
func (w *Writer) Commit() (string, error) {
	if w.done {
		return "", errors.New("blob: writer already finished")
	}
	w.done = true
	var err error
	if w.s.durable {
		err = w.f.Sync()
	}
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	if err == nil && w.s.durable {
		err = syncDir(filepath.Dir(w.f.Name()))
	}
	if err != nil {
		os.Remove(w.f.Name())
		return "", fmt.Errorf("blob: commit: %w", err)
	}
	return w.id, nil
}

// Abort discards the blob. It is safe to call after Commit (it then does
// nothing) and more than once, so callers may defer it.
func (w *Writer) Abort() {
	if w.done {
		return
	}
	w.done = true
	w.f.Close()
	os.Remove(w.f.Name())
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// Open opens a blob for reading.
func (s *Store) Open(id string) (*os.File, error) {
	p, err := s.path(id)
	if err != nil {
		return nil, err
	}
	return os.Open(p)
}

// Size is a blob's length.
func (s *Store) Size(id string) (int64, error) {
	p, err := s.path(id)
	if err != nil {
		return 0, err
	}
	fi, err := os.Stat(p)
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

// Remove deletes blobs, after the commit that stopped referring to them.
// A reader that already opened one keeps reading it. Missing blobs are not
// an error: a retried removal, or one Sweep already did.
func (s *Store) Remove(ids ...string) error {
	var errs []error
	for _, id := range ids {
		p, err := s.path(id)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Clone makes a new blob with the same bytes: a hard link, so copying an
// object of any size costs one directory entry; a copy where the file
// system has no links.
func (s *Store) Clone(id string) (string, error) {
	src, err := s.path(id)
	if err != nil {
		return "", err
	}
	nid := newID()
	dst, _ := s.path(nid)
	if err := s.inFanOut(dst, func() error { return os.Link(src, dst) }); err == nil {
		if s.durable {
			if err := syncDir(filepath.Dir(dst)); err != nil {
				os.Remove(dst)
				return "", fmt.Errorf("blob: clone: %w", err)
			}
		}
		return nid, nil
	}
	f, err := os.Open(src)
	if err != nil {
		return "", fmt.Errorf("blob: clone: %w", err)
	}
	defer f.Close()
	w, err := s.Create()
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(w, f); err != nil {
		w.Abort()
		return "", fmt.Errorf("blob: clone: %w", err)
	}
	return w.Commit()
}

// markName is the file whose change time Mark returns. It is not an id,
// so Sweep never takes it for a blob.
const markName = "start.mark"

// Mark records the present on the file system's own clock and returns
// it: the change time of a freshly made file, which is how Sweep dates
// blobs, so no skew between the two clocks needs a margin.
func (s *Store) Mark() (time.Time, error) {
	p := filepath.Join(s.dir, markName)
	// Setting the times of the mark left by the last start changes its
	// change time to now: one system call instead of an unlink and a
	// create on every start.
	now := time.Now()
	err := os.Chtimes(p, now, now)
	if errors.Is(err, fs.ErrNotExist) {
		var f *os.File
		if f, err = os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
			f.Close()
		}
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("blob: mark: %w", err)
	}
	return changeTime(p)
}

func changeTime(p string) (time.Time, error) {
	var st syscall.Stat_t
	if err := syscall.Stat(p, &st); err != nil {
		return time.Time{}, err
	}
	return time.Unix(st.Ctim.Unix()), nil
}

// Sweep removes every blob keep does not claim and reports how many went.
// A blob changed at or after before (when it is not zero) is spared: it
// may be an upload in flight, or a Clone, that no record names yet. Only
// blobs that are older and unclaimed are garbage, so a sweep may run
// while the store is in use if keep was read after before was taken.
func (s *Store) Sweep(keep func(id string) bool, before time.Time) (int, error) {
	removed := 0
	fans, err := os.ReadDir(s.dir)
	if err != nil {
		return 0, fmt.Errorf("blob: sweep: %w", err)
	}
	for _, fan := range fans {
		if !fan.IsDir() || !isFanOut(fan.Name()) {
			continue
		}
		sub := filepath.Join(s.dir, fan.Name())
		entries, err := os.ReadDir(sub)
		if err != nil {
			return removed, fmt.Errorf("blob: sweep: %w", err)
		}
		for _, e := range entries {
			name := e.Name()
			// Only names this package makes; anything else in the tree is
			// someone's, not garbage.
			if !validID(name) || name[:2] != fan.Name() || keep(name) {
				continue
			}
			p := filepath.Join(sub, name)
			if !before.IsZero() {
				ct, err := changeTime(p)
				if errors.Is(err, fs.ErrNotExist) {
					continue
				}
				if err != nil {
					return removed, fmt.Errorf("blob: sweep: %w", err)
				}
				if !ct.Before(before) {
					continue
				}
			}
			if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return removed, fmt.Errorf("blob: sweep: %w", err)
			}
			removed++
		}
	}
	return removed, nil
}

// isFanOut recognises a fan-out directory's name: two lower-case hex digits.
func isFanOut(name string) bool {
	return len(name) == 2 && validID(name+strings.Repeat("0", idLen-2))
}
