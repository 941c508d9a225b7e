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

	queue chan item
	done  chan struct{}
	// mu guards closed: senders hold it shared, so Close never closes the
	// queue under a sender.
	mu     sync.RWMutex
	closed bool

	// lastPrune limits retention sweeps to one per bucket per hour.
	lastPrune map[store.Bucket]time.Time
}

type item struct {
	ev    *Event
	flush chan struct{}
}

const (
	queueSize = 8192
	batchMax  = 2048
	batchWait = 100 * time.Millisecond
)

// NewRecorder starts a recorder writing into st. Close stops it.
func NewRecorder(st store.Store, c clock.Clock, log *slog.Logger) *Recorder {
	r := &Recorder{
		st: st, clock: c, log: log,
		queue:     make(chan item, queueSize),
		done:      make(chan struct{}),
		lastPrune: map[store.Bucket]time.Time{},
	}
	go r.run()
	return r
}

// ErrClosed is returned by Flush after Close.
var ErrClosed = errors.New("trail: recorder closed")

// Record queues ev. When the queue is full it blocks: back-pressure is
// better than losing an audit record. After Close, events are dropped.
func (r *Recorder) Record(ev *Event) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if !r.closed {
		r.queue <- item{ev: ev}
	}
}

// Flush returns once every event recorded before the call is stored.
func (r *Recorder) Flush(ctx context.Context) error {
	done := make(chan struct{})
	r.mu.RLock()
	if r.closed {
		r.mu.RUnlock()
		return ErrClosed
	}
	select {
	case r.queue <- item{flush: done}:
		r.mu.RUnlock()
	case <-ctx.Done():
		r.mu.RUnlock()
		return ctx.Err()
	}
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
		close(r.queue)
	}
	r.mu.Unlock()
	<-r.done
}

func (r *Recorder) run() {
	defer close(r.done)
	var batch []*Event
	var waiters []chan struct{}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	write := func() {
		if len(batch) > 0 {
			if err := r.write(batch); err != nil {
				r.log.Error("cloudtrail: events not stored", "count", len(batch), "err", err)
			}
			batch = batch[:0]
		}
		for _, w := range waiters {
			close(w)
		}
		waiters = waiters[:0]
	}
	for {
		select {
		case it, ok := <-r.queue:
			if !ok {
				write()
				return
			}
			if it.flush != nil {
				waiters = append(waiters, it.flush)
				write()
				continue
			}
			if len(batch) == 0 {
				timer.Reset(batchWait)
			}
			batch = append(batch, it.ev)
			if len(batch) >= batchMax {
				write()
			}
		case <-timer.C:
			write()
		}
	}
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
		key, val, err := encodeBatch(evs)
		if err != nil {
			return err
		}
		rows = append(rows, row{b, key, val})
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
