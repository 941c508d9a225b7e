package trail

import (
	"context"
	"encoding/base64"
	"encoding/json"
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

// Lookup returns matching events newest first and a token for the next
// page ("" when there is none).
func (r *Recorder) Lookup(ctx context.Context, q Query) ([]*Event, string, error) {
	if err := r.Flush(ctx); err != nil {
		return nil, "", err
	}
	now := r.clock.Now()
	start := ""
	if !q.End.IsZero() {
		start = eventKey(q.End, "")
	}
	if q.Token != "" {
		raw, err := base64.RawURLEncoding.DecodeString(q.Token)
		if err != nil || !strings.HasPrefix(string(raw), "k:") {
			return nil, "", ErrBadToken
		}
		start = string(raw[2:])
	}
	oldest := now.Add(-Retention)
	if q.Start.After(oldest) {
		oldest = q.Start
	}
	var out []*Event
	next := ""
	var scanErr error
	err := r.st.View(ctx, func(tx store.Tx) error {
		return tx.Scan(bucketFor(q.Account, q.Region), "", start, func(k string, v []byte) bool {
			var ev Event
			if scanErr = json.Unmarshal(v, &ev); scanErr != nil {
				return false
			}
			if ev.EventTime.Before(oldest) {
				return false
			}
			if !q.End.IsZero() && ev.EventTime.After(q.End) {
				return true
			}
			if !matches(&ev, q.Attribute, q.Value) {
				return true
			}
			if len(out) == q.Max {
				next = base64.RawURLEncoding.EncodeToString([]byte("k:" + k))
				return false
			}
			out = append(out, &ev)
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
