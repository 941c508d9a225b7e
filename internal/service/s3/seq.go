package s3

import (
	"context"
	"encoding/binary"
	"errors"

	"hakoniwa/internal/store"
)

// Sequence numbers order versions and name uploads. They come from the
// clock but must keep growing across restarts even when the clock does
// not (a fake clock, a clock set back): every transaction that stores a
// sequence number also keeps a persisted high-water mark above it, so a
// start reads one record instead of scanning every object. The mark is
// pushed seqSlack ahead, so it is rewritten about once a minute of
// activity rather than on every write.
const seqSlack = 1 << 36 // ns, about 69 s

func seqMarks() store.Bucket { return store.Bucket{Account: globalAccount, Service: "s3", Kind: "seq"} }

const seqMarkKey = "mark"

// nextSeq returns a new sequence number and makes sure tx persists a mark
// above it: the number is only ever stored by a transaction that commits
// the mark with it.
func (s *Service) nextSeq(tx store.Tx) (uint64, error) {
	s.seqMu.Lock()
	n := uint64(s.clock.Now().UnixNano())
	if n <= s.seq {
		n = s.seq + 1
	}
	s.seq = n
	s.seqMu.Unlock()
	mark, err := readSeqMark(tx)
	if err != nil || n < mark {
		return n, err
	}
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], n+seqSlack)
	return n, tx.Put(seqMarks(), seqMarkKey, b[:])
}

func readSeqMark(tx store.Tx) (uint64, error) {
	v, err := tx.Get(seqMarks(), seqMarkKey)
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if len(v) != 8 {
		return 0, errorf("seq mark: %d bytes", len(v))
	}
	return binary.BigEndian.Uint64(v), nil
}

// restoreSeq starts the sequence above every stored number. A data
// directory written before the mark existed has none; its records are
// scanned and the mark written, once.
func (s *Service) restoreSeq(ctx context.Context) error {
	found := false
	err := s.st.View(ctx, func(tx store.Tx) error {
		mark, err := readSeqMark(tx)
		if err != nil || mark > 0 {
			s.seenSeq(mark)
			found = true
			return err
		}
		return s.scanRecords(tx, func(r blobRefs) {
			s.seenSeq(r.Seq)
			if r.Obj != nil {
				s.seenSeq(r.Obj.Seq)
			}
		})
	})
	if err != nil || found || s.peekSeq() == 0 {
		return err // a fresh directory: its first write sets the mark
	}
	return s.st.Update(ctx, func(tx store.Tx) error {
		_, err := s.nextSeq(tx)
		return err
	})
}

func (s *Service) peekSeq() uint64 {
	s.seqMu.Lock()
	defer s.seqMu.Unlock()
	return s.seq
}

func (s *Service) seenSeq(n uint64) {
	s.seqMu.Lock()
	if n > s.seq {
		s.seq = n
	}
	s.seqMu.Unlock()
}
