package trail

import (
	"context"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"

	"hakoniwa/internal/store"
)

// Query selects events for LookupEvents.
type Query struct {
	Account, Region string
	// Attribute/Value is the one lookup attribute CloudTrail allows
	// (EventId, EventName, ReadOnly, Username, ResourceType, ResourceName,
	// EventSource, AccessKeyId); empty means all events.
	Attribute, Value string
	Start, End       time.Time // zero: unbounded
	Max              int
	Token            string
}

// ErrBadToken means the NextToken was not one Lookup issued.
var ErrBadToken = errors.New("trail: invalid next token")

// A token names where the previous page stopped: a batch key and the index
// of the next (older) event to return in it.
func makeToken(batch string, next int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("k:" + batch + "#" + strconv.Itoa(next)))
}

func parseToken(tok string) (batch string, next int, err error) {
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || !strings.HasPrefix(string(raw), "k:") {
		return "", 0, ErrBadToken
	}
	batch, idx, ok := strings.Cut(string(raw[2:]), "#")
	n, err := strconv.Atoi(idx)
	if _, okKey := batchNewest(batch); !ok || err != nil || n < 0 || !okKey {
		return "", 0, ErrBadToken
	}
	return batch, n, nil
}

// Lookup returns matching events newest first and a token for the next
// page ("" when there is none).
func (r *Recorder) Lookup(ctx context.Context, q Query) ([]*Event, string, error) {
	resume, resumeAt := "", 0
	before := ""
	if q.Token != "" {
		var err error
		if resume, resumeAt, err = parseToken(q.Token); err != nil {
			return nil, "", err
		}
		before = resume + "\x00" // include the batch the last page stopped in
	}
	if err := r.Flush(ctx); err != nil {
		return nil, "", err
	}
	oldest := r.clock.Now().Add(-Retention)
	if q.Start.After(oldest) {
		oldest = q.Start
	}
	var out []*Event
	next := ""
	var scanErr error
	err := r.st.View(ctx, func(tx store.Tx) error {
		return tx.ScanReverse(bucketFor(q.Account, q.Region), "", before, func(k string, v []byte) bool {
			if newest, _ := batchNewest(k); newest.Before(oldest) {
				return false // this batch and every older one are out of range
			}
			lines, err := batchLines(v)
			if err != nil {
				scanErr = err
				return false
			}
			i := len(lines) - 1
			if k == resume {
				i = min(resumeAt, len(lines)) - 1
			}
			for ; i >= 0; i-- {
				ev, err := decodeLine(lines[i])
				if err != nil {
					scanErr = err
					return false
				}
				if ev.EventTime.Before(oldest) || (!q.End.IsZero() && ev.EventTime.After(q.End)) || !matches(ev, q.Attribute, q.Value) {
					continue
				}
				if len(out) == q.Max {
					next = makeToken(k, i+1)
					return false
				}
				out = append(out, ev)
			}
			return true
		})
	})
	if err == nil {
		err = scanErr
	}
	return out, next, err
}

func matches(ev *Event, attr, val string) bool {
	switch attr {
	case "":
		return true
	case "EventId":
		return ev.EventID == val
	case "EventName":
		return ev.EventName == val
	case "ReadOnly":
		return strconv.FormatBool(ev.ReadOnly) == val
	case "Username":
		return ev.Username() == val
	case "EventSource":
		return ev.EventSource == val
	case "AccessKeyId":
		return ev.UserIdentity.AccessKeyID == val
	case "ResourceType", "ResourceName":
		for _, r := range ev.Resources {
			if (attr == "ResourceType" && r.Type == val) || (attr == "ResourceName" && r.Name == val) {
				return true
			}
		}
	}
	return false
}
