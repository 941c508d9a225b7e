// Package trail records every API call as a CloudTrail management event and
// answers event-history lookups.
//
// Recording is asynchronous, as it is in AWS (event history lags calls by
// minutes there): events are queued and written in batches, so a read-only
// call never waits for an fsync. A lookup first flushes what is queued, so a
// caller always finds its own earlier calls.
package trail

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"hakoniwa/internal/clock"
	"hakoniwa/internal/store"
)

// Retention is how long event history keeps an event.
const Retention = 90 * 24 * time.Hour

// UserIdentity is CloudTrail's userIdentity element.
type UserIdentity struct {
	Type        string `json:"type"`
	PrincipalID string `json:"principalId,omitempty"`
	ARN         string `json:"arn,omitempty"`
	AccountID   string `json:"accountId,omitempty"`
	AccessKeyID string `json:"accessKeyId,omitempty"`
	UserName    string `json:"userName,omitempty"`
}

// Resource is one resource an event touched.
type Resource struct {
	Type string `json:"type,omitempty"`
	Name string `json:"name,omitempty"`
}

// Event is one CloudTrail record, in the JSON form CloudTrail writes.
type Event struct {
	EventVersion       string       `json:"eventVersion"`
	UserIdentity       UserIdentity `json:"userIdentity"`
	EventTime          time.Time    `json:"eventTime"`
	EventSource        string       `json:"eventSource"`
	EventName          string       `json:"eventName"`
	AWSRegion          string       `json:"awsRegion"`
	SourceIPAddress    string       `json:"sourceIPAddress"`
	UserAgent          string       `json:"userAgent"`
	ErrorCode          string       `json:"errorCode,omitempty"`
	ErrorMessage       string       `json:"errorMessage,omitempty"`
	RequestParameters  any          `json:"requestParameters"`
	ResponseElements   any          `json:"responseElements"`
	RequestID          string       `json:"requestID"`
	EventID            string       `json:"eventID"`
	ReadOnly           bool         `json:"readOnly"`
	Resources          []Resource   `json:"resources,omitempty"`
	EventType          string       `json:"eventType"`
	ManagementEvent    bool         `json:"managementEvent"`
	RecipientAccountID string       `json:"recipientAccountId"`
	EventCategory      string       `json:"eventCategory"`
}

// Username is what LookupEvents reports as the event's user name.
func (e *Event) Username() string {
	switch e.UserIdentity.Type {
	case "Root":
		return "root"
	case "AssumedRole":
		if i := strings.LastIndexByte(e.UserIdentity.ARN, '/'); i >= 0 {
			return e.UserIdentity.ARN[i+1:]
		}
	}
	return e.UserIdentity.UserName
}

// Recorder queues events and writes them to the store in batches.
type Recorder struct {
	st    store.Store
	clock clock.Clock
	log   *slog.Logger

	mu sync.Mutex
	// pending is what was recorded since the writer last took a batch.
	pending []*Event
	// flushers are closed once everything recorded before their Flush is
	// stored.
	flushers []chan struct{}
	// blocked counts Record calls waiting for room; the writer does not
	// stop while one is, so Close never loses an event it admitted.
	blocked int
	closed  bool
	// room is signalled when the writer takes the pending events.
	room *sync.Cond

	// Recording wakes the writer only when a batch begins (wake) or must
	// be written at once (now): a channel send per event cost a goroutine
	// switch per API call.
	wake, now chan struct{}
	done      chan struct{}

	// scratch holds a batch's uncompressed JSON lines; only the writer
	// goroutine uses it.
	scratch []byte
	// lastPrune limits retention sweeps to one per bucket per hour.
	lastPrune map[store.Bucket]time.Time
}

const (
	// queueSize bounds what waits to be written; Record blocks beyond it.
	queueSize = 8192
	// batchMax bounds the events stored under one key.
	batchMax  = 2048
	batchWait = 100 * time.Millisecond
)

// NewRecorder starts a recorder writing into st. Close stops it.
func NewRecorder(st store.Store, c clock.Clock, log *slog.Logger) *Recorder {
	r := &Recorder{
		st: st, clock: c, log: log,
		wake:      make(chan struct{}, 1),
		now:       make(chan struct{}, 1),
		done:      make(chan struct{}),
		lastPrune: map[store.Bucket]time.Time{},
	}
	r.room = sync.NewCond(&r.mu)
	go r.run()
	return r
}

// ErrClosed is returned by Flush after Close.
var ErrClosed = errors.New("trail: recorder closed")

// signal pokes the writer without blocking; one pending poke is enough.
func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// Record queues ev. When the queue is full it blocks: back-pressure is
// better than losing an audit record. After Close, events are dropped.
func (r *Recorder) Record(ev *Event) {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return
	}
	for len(r.pending) >= queueSize && !r.closed {
		r.blocked++
		r.room.Wait()
		r.blocked--
	}
	r.pending = append(r.pending, ev)
	n := len(r.pending)
	r.mu.Unlock()
	switch {
	case n >= batchMax:
		signal(r.now)
	case n == 1:
		signal(r.wake)
	}
}

// Flush returns once every event recorded before the call is stored.
func (r *Recorder) Flush(ctx context.Context) error {
	done := make(chan struct{})
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return ErrClosed
	}
	r.flushers = append(r.flushers, done)
	r.mu.Unlock()
	signal(r.now)
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close writes what is queued and stops the recorder.
func (r *Recorder) Close() {
	r.mu.Lock()
	if !r.closed {
		r.closed = true
		r.room.Broadcast()
	}
	r.mu.Unlock()
	signal(r.now)
	<-r.done
}

func (r *Recorder) run() {
	defer close(r.done)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	var spare []*Event
	for {
		r.mu.Lock()
		closed := r.closed
		r.mu.Unlock()
		if !closed {
			select {
			case <-r.wake:
				// A batch has begun: give it batchWait to fill.
				timer.Reset(batchWait)
				select {
				case <-timer.C:
				case <-r.now:
					timer.Stop()
				}
			case <-r.now:
			}
		}
		var last bool
		spare, last = r.writePending(spare)
		if last {
			return
		}
	}
}

// writePending stores what is queued, then releases the flushers that
// waited for it: batches are written one after another, so a flusher taken
// with a batch also waited for every earlier one. It reports whether this
// was the last batch: once closed, only a Record already blocked for room
// can still queue. spare is an emptied slice to queue into next; the
// written one is returned for the same use.
func (r *Recorder) writePending(spare []*Event) ([]*Event, bool) {
	r.mu.Lock()
	batch, flushers := r.pending, r.flushers
	r.pending, r.flushers = spare, nil
	last := r.closed && r.blocked == 0
	r.room.Broadcast()
	r.mu.Unlock()
	if len(batch) > 0 {
		if err := r.write(batch); err != nil {
			r.log.Error("cloudtrail: events not stored", "count", len(batch), "err", err)
		}
	}
	for _, f := range flushers {
		close(f)
	}
	clear(batch)
	return batch[:0], last
}

func bucketFor(account, region string) store.Bucket {
	return store.Bucket{Account: account, Region: region, Service: "cloudtrail", Kind: "events"}
}

// write stores one batch per account and region. Events are small and
// alike (~700 bytes of mostly repeated JSON), so a batch is stored as one
// compressed value: at thousands of calls a second, bytes written are
// what the store pays for.
func (r *Recorder) write(batch []*Event) error {
	groups := map[store.Bucket][]*Event{}
	for _, ev := range batch {
		b := bucketFor(ev.RecipientAccountID, ev.AWSRegion)
		groups[b] = append(groups[b], ev)
	}
	type row struct {
		b   store.Bucket
		key string
		val []byte
	}
	rows := make([]row, 0, len(groups))
	for b, evs := range groups {
		for len(evs) > 0 {
			n := min(len(evs), batchMax)
			key, val, scratch, err := encodeBatch(evs[:n], r.scratch)
			r.scratch = scratch
			if err != nil {
				return err
			}
			rows = append(rows, row{b, key, val})
			evs = evs[n:]
		}
	}
	now := r.clock.Now()
	var prune []store.Bucket
	for _, rw := range rows {
		if last, ok := r.lastPrune[rw.b]; !ok || now.Sub(last) > time.Hour {
			r.lastPrune[rw.b] = now
			prune = append(prune, rw.b)
		}
	}
	return r.st.Update(context.Background(), func(tx store.Tx) error {
		for _, rw := range rows {
			if err := tx.Put(rw.b, rw.key, rw.val); err != nil {
				return err
			}
		}
		for _, b := range prune {
			if err := pruneBucket(tx, b, now); err != nil {
				return err
			}
		}
		return nil
	})
}

// pruneBucket deletes batches whose newest event is past retention: they
// sort first.
func pruneBucket(tx store.Tx, b store.Bucket, now time.Time) error {
	var old []string
	cutoff := batchKey(now.Add(-Retention), "")
	err := tx.Scan(b, "", "", func(k string, _ []byte) bool {
		if k >= cutoff {
			return false
		}
		old = append(old, k)
		return true
	})
	if err != nil {
		return err
	}
	for _, k := range old {
		if err := tx.Delete(b, k); err != nil {
			return err
		}
	}
	return nil
}
