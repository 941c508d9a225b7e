package s3

import (
	"context"

	"hakoniwa/internal/store"
)

// blobRefs is the part of every object, version and part record that
// names files: decoding only this lets the sweep and bucket deletion walk
// any of them.
type blobRefs struct {
	Blob     string   `json:"blob,omitempty"`
	Segments []string `json:"segments,omitempty"`
	Seq      uint64   `json:"seq,omitempty"`
	// Obj is an upload's object-to-be, whose sequence its id holds.
	Obj *struct {
		Seq uint64 `json:"seq"`
	} `json:"obj,omitempty"`
}

func (r blobRefs) ids() []string {
	out := r.Segments
	if r.Blob != "" {
		out = append(out[:len(out):len(out)], r.Blob)
	}
	return out
}

// scanRecords calls fn with every object, version, upload and part record
// of every bucket.
func (s *Service) scanRecords(tx store.Tx, fn func(blobRefs)) error {
	var buckets []bucketRec
	if err := store.ScanJSON(tx, registry(), "", "", func(_ string, b bucketRec) bool {
		buckets = append(buckets, b)
		return true
	}); err != nil {
		return err
	}
	for i := range buckets {
		b := &buckets[i]
		for _, k := range []store.Bucket{objects(b), versions(b), uploads(b), parts(b)} {
			if err := store.ScanJSON(tx, k, "", "", func(_ string, r blobRefs) bool {
				fn(r)
				return true
			}); err != nil {
				return err
			}
		}
	}
	return nil
}

// SweepOrphans removes the blobs no record names: what a crash between a
// blob's write and its commit, or before a deleted object's file went,
// left behind. It reads every record, so it runs in the background after
// start rather than delaying it; uploads may be in flight meanwhile, and
// their blobs, named by no record yet, are spared because the blob store
// only removes files older than the mark New set (Clone's hard links renew
// that age too).
func (s *Service) SweepOrphans(ctx context.Context) (int, error) {
	keep := map[string]bool{}
	err := s.st.View(ctx, func(tx store.Tx) error {
		return s.scanRecords(tx, func(r blobRefs) {
			for _, id := range r.ids() {
				keep[id] = true
			}
		})
	})
	if err != nil {
		return 0, errorf("sweep: %w", err)
	}
	n, err := s.blobs.Sweep(func(id string) bool { return keep[id] }, s.sweepBefore)
	if err != nil {
		return n, errorf("sweep: %w", err)
	}
	if n > 0 {
		s.log.Info("s3: removed unreferenced blobs", "count", n)
	}
	return n, nil
}
