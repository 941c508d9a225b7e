package trail

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"hakoniwa/internal/s2block"
)

// A batch is the events of one write for one account and region, oldest
// first, as S2-compressed JSON lines. Its key is the newest event's time
// (fixed-width hex nanoseconds, so keys sort by time) and the first event's
// id (unique). Within a batch the order is exact; across batches it is by
// newest event, so two calls that straddle a batch boundary while running
// concurrently may list a few milliseconds out of order.
func batchKey(newest time.Time, id string) string {
	return fmt.Sprintf("%016x/%s", uint64(newest.UnixNano()), id)
}

// batchNewest reads the time back out of a batch key.
func batchNewest(key string) (time.Time, bool) {
	hexTime, _, ok := strings.Cut(key, "/")
	if !ok {
		return time.Time{}, false
	}
	n, err := strconv.ParseUint(hexTime, 16, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(0, int64(n)).UTC(), true
}

// encodeBatch encodes evs, using scratch for the uncompressed lines; it
// returns scratch for the next batch to reuse.
func encodeBatch(evs []*Event, scratch []byte) (key string, val, _ []byte, err error) {
	slices.SortStableFunc(evs, func(a, b *Event) int { return a.EventTime.Compare(b.EventTime) })
	buf := scratch[:0]
	for _, ev := range evs {
		if buf, err = appendEvent(buf, ev); err != nil {
			return "", nil, buf, err
		}
	}
	return batchKey(evs[len(evs)-1].EventTime, evs[0].EventID), s2block.Encode(buf), buf, nil
}

// batchLines decompresses a batch into its JSON lines, oldest first, so a
// lookup decodes only the events it reads (JSON escapes newlines inside
// strings, so every newline ends an event).
func batchLines(val []byte) ([][]byte, error) {
	raw, err := s2block.Decode(val)
	if err != nil {
		return nil, fmt.Errorf("trail: damaged event batch: %w", err)
	}
	return bytes.Split(bytes.TrimSuffix(raw, []byte("\n")), []byte("\n")), nil
}

func decodeLine(line []byte) (*Event, error) {
	var ev Event
	if err := json.Unmarshal(line, &ev); err != nil {
		return nil, fmt.Errorf("trail: damaged event batch: %w", err)
	}
	return &ev, nil
}

// decodeBatch decodes every event of a batch, oldest first.
func decodeBatch(val []byte) ([]*Event, error) {
	lines, err := batchLines(val)
	if err != nil {
		return nil, err
	}
	out := make([]*Event, 0, len(lines))
	for _, l := range lines {
		ev, err := decodeLine(l)
		if err != nil {
			return nil, err
		}
		out = append(out, ev)
	}
	return out, nil
}
