package s3

import (
	"context"
	"syscall"
	"testing"
	"time"

	s3api "hakoniwa/internal/api/s3"
	"hakoniwa/internal/blob"
	"hakoniwa/internal/store"
)

// After a restart the sweep removes a blob a crash left unnamed, keeps
// every named one, and spares one written after the start that no record
// names yet (an upload in flight).
func TestSweepOrphansAfterRestart(t *testing.T) {
	e := newTestEnv(t)
	e.mustCreateBucket("sweep-b")
	e.mustPut("sweep-b", "kept", "named")
	orphan := e.rawBlob("orphan")
	waitFSClock(t, e.blobs, orphan)
	e.restart()
	inFlight := e.rawBlob("in flight")
	n, err := e.svc.SweepOrphans(context.Background())
	if err != nil || n != 1 {
		t.Fatalf("swept %d, %v; want the orphan alone", n, err)
	}
	if _, err := e.blobs.Size(orphan); err == nil {
		t.Error("orphan blob survived the sweep")
	}
	if _, err := e.blobs.Size(inFlight); err != nil {
		t.Errorf("blob written after start was swept: %v", err)
	}
	if got := e.getBody("sweep-b", "kept"); got != "named" {
		t.Errorf("named object reads %q", got)
	}
}

func (e *testEnv) rawBlob(data string) string {
	e.t.Helper()
	w, err := e.blobs.Create()
	if err != nil {
		e.t.Fatal(err)
	}
	w.Write([]byte(data))
	id, err := w.Commit()
	if err != nil {
		e.t.Fatal(err)
	}
	return id
}

// waitFSClock returns once the file system's coarse clock has moved past
// blob id's change time, so a mark taken next is strictly later.
func waitFSClock(t *testing.T, s *blob.Store, id string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		mark, err := s.Mark()
		if err != nil {
			t.Fatal(err)
		}
		f, err := s.Open(id)
		if err != nil {
			t.Fatal(err)
		}
		fi, err := f.Stat()
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); ok && time.Unix(st.Ctim.Unix()).Before(mark) {
			return
		}
	}
	t.Fatal("the file system clock did not move in 10 s")
}

// A restart reads one mark, not every record, yet the sequence keeps
// growing when the clock does not: versions written after it sort newest.
func TestSequenceSurvivesRestartWithClockBack(t *testing.T) {
	e := newTestEnv(t)
	e.mustCreateBucket("seq-b")
	e.setVersioning("seq-b", "Enabled")
	e.mustPut("seq-b", "k", "first")
	e.clock.Advance(-time.Hour)
	e.restart()
	e.mustPut("seq-b", "k", "second")
	if got := e.getBody("seq-b", "k"); got != "second" {
		t.Fatalf("current version reads %q after a restart with the clock set back", got)
	}
	out, err := e.svc.ListObjectVersions(e.ctx(), &s3api.ListObjectVersionsInput{Bucket: ptr("seq-b")})
	if err != nil || len(out.Versions) != 2 {
		t.Fatalf("versions %+v, %v", out, err)
	}
	// Newest first: the version written after the restart.
	if got := e.versionBody("seq-b", "k", deref(out.Versions[0].VersionId)); got != "second" {
		t.Errorf("newest listed version reads %q", got)
	}
	if got := e.versionBody("seq-b", "k", deref(out.Versions[1].VersionId)); got != "first" {
		t.Errorf("older listed version reads %q", got)
	}
}

// A data directory from before the mark existed has records and no mark:
// the one start that finds it so scans them.
func TestSequenceFromRecordsWithoutMark(t *testing.T) {
	e := newTestEnv(t)
	e.mustCreateBucket("old-b")
	e.mustPut("old-b", "k", "v")
	var stored uint64
	if err := e.st.Update(context.Background(), func(tx store.Tx) error {
		r, err := current(tx, mustBucketRec(t, tx, e.svc, "old-b"), "k")
		if err != nil {
			return err
		}
		stored = r.Seq
		return tx.Delete(seqMarks(), seqMarkKey)
	}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(-time.Hour)
	svc := e.restart()
	if n := svc.peekSeq(); n < stored {
		t.Fatalf("sequence restarted at %d, below the stored %d", n, stored)
	}
	// That start wrote the mark, so the next one need not scan.
	if err := e.st.View(context.Background(), func(tx store.Tx) error {
		mark, err := readSeqMark(tx)
		if err == nil && mark <= stored {
			t.Errorf("mark %d after the scan, not above %d", mark, stored)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

func mustBucketRec(t *testing.T, tx store.Tx, s *Service, name string) *bucketRec {
	t.Helper()
	b, err := s.bucketFor(tx, name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
