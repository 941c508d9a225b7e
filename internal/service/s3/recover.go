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

// recover removes blobs no record names and restarts the sequence above
// every stored one. It runs before the service takes requests, so no
// upload is in flight whose blob is not yet named.
func (s *Service) recover(ctx context.Context) error {
	keep := map[string]bool{}
	err := s.st.View(ctx, func(tx store.Tx) error {
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
					for _, id := range r.ids() {
						keep[id] = true
					}
					s.seenSeq(r.Seq)
					if r.Obj != nil {
						s.seenSeq(r.Obj.Seq)
					}
					return true
				}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return errorf("recover: %w", err)
	}
	n, err := s.blobs.Sweep(func(id string) bool { return keep[id] })
	if err != nil {
		return errorf("recover: %w", err)
	}
	if n > 0 {
		s.log.Info("s3: removed unreferenced blobs", "count", n)
	}
	return nil
}
