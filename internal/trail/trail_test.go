package trail

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"testing"
	"time"

	"hakoniwa/internal/clock"
	"hakoniwa/internal/store"
)

const acct = "000000000000"

func newRecorder(t *testing.T) (*Recorder, *clock.Manual, store.Store) {
	t.Helper()
	st := store.OpenMemory()
	c := clock.NewManual(time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC))
	r := NewRecorder(st, c, slog.New(slog.NewTextHandler(io.Discard, nil)))
	t.Cleanup(func() { r.Close(); st.Close() })
	return r, c, st
}

func event(c clock.Clock, i int, name string) *Event {
	return &Event{
		EventTime: c.Now(), EventName: name, EventID: fmt.Sprintf("id-%03d", i),
		EventSource: "sts.amazonaws.com", AWSRegion: "us-east-1", RecipientAccountID: acct,
		ReadOnly:     name == "GetCallerIdentity",
		UserIdentity: UserIdentity{Type: "Root", ARN: "arn:aws:iam::" + acct + ":root", AccessKeyID: "test"},
		Resources:    []Resource{{Type: "AWS::IAM::User", Name: fmt.Sprintf("user%d", i%2)}},
	}
}

func ids(evs []*Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.EventID
	}
	return out
}

func TestLookupNewestFirstWithPagination(t *testing.T) {
	r, c, _ := newRecorder(t)
	for i := 0; i < 7; i++ {
		r.Record(event(c, i, "GetCallerIdentity"))
		c.Advance(time.Second)
	}
	ctx := context.Background()
	var got []string
	token := ""
	pages := 0
	for {
		evs, next, err := r.Lookup(ctx, Query{Account: acct, Region: "us-east-1", Max: 3, Token: token})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ids(evs)...)
		pages++
		if next == "" {
			break
		}
		token = next
	}
	want := []string{"id-006", "id-005", "id-004", "id-003", "id-002", "id-001", "id-000"}
	if fmt.Sprint(got) != fmt.Sprint(want) || pages != 3 {
		t.Fatalf("got %v in %d pages, want %v in 3", got, pages, want)
	}
	// Another account or region sees none of it.
	for _, q := range []Query{{Account: "111122223333", Region: "us-east-1", Max: 50}, {Account: acct, Region: "eu-west-1", Max: 50}} {
		if evs, _, _ := r.Lookup(ctx, q); len(evs) != 0 {
			t.Fatalf("%+v sees %v", q, ids(evs))
		}
	}
}

func TestLookupAttributes(t *testing.T) {
	r, c, _ := newRecorder(t)
	for i, name := range []string{"GetCallerIdentity", "GetSessionToken", "GetCallerIdentity", "CreateUser"} {
		r.Record(event(c, i, name))
		c.Advance(time.Second)
	}
	cases := []struct {
		attr, value string
		want        []string
	}{
		{"EventName", "GetCallerIdentity", []string{"id-002", "id-000"}},
		{"EventId", "id-001", []string{"id-001"}},
		{"ReadOnly", "false", []string{"id-003", "id-001"}},
		{"Username", "root", []string{"id-003", "id-002", "id-001", "id-000"}},
		{"EventSource", "sts.amazonaws.com", []string{"id-003", "id-002", "id-001", "id-000"}},
		{"AccessKeyId", "test", []string{"id-003", "id-002", "id-001", "id-000"}},
		{"ResourceName", "user1", []string{"id-003", "id-001"}},
		{"ResourceType", "AWS::IAM::User", []string{"id-003", "id-002", "id-001", "id-000"}},
		{"EventName", "NoSuchThing", []string{}},
	}
	for _, tc := range cases {
		evs, _, err := r.Lookup(context.Background(), Query{Account: acct, Region: "us-east-1", Max: 50, Attribute: tc.attr, Value: tc.value})
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(ids(evs)) != fmt.Sprint(tc.want) {
			t.Errorf("%s=%s: got %v want %v", tc.attr, tc.value, ids(evs), tc.want)
		}
	}
}

func TestLookupTimeRange(t *testing.T) {
	r, c, _ := newRecorder(t)
	start := c.Now()
	for i := 0; i < 5; i++ {
		r.Record(event(c, i, "GetCallerIdentity"))
		c.Advance(time.Minute)
	}
	evs, _, err := r.Lookup(context.Background(), Query{Account: acct, Region: "us-east-1", Max: 50,
		Start: start.Add(time.Minute), End: start.Add(3 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(ids(evs)); got != "[id-003 id-002 id-001]" {
		t.Fatalf("got %s", got)
	}
}

func TestRetention(t *testing.T) {
	r, c, st := newRecorder(t)
	r.Record(event(c, 0, "GetCallerIdentity"))
	if err := r.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	c.Advance(Retention + time.Hour)
	r.Record(event(c, 1, "GetCallerIdentity"))
	evs, _, err := r.Lookup(context.Background(), Query{Account: acct, Region: "us-east-1", Max: 50})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(ids(evs)); got != "[id-001]" {
		t.Fatalf("after 90 days: %s", got)
	}
	// The expired event is gone from the store, not merely hidden.
	if n := storedEvents(t, st); n != 1 {
		t.Fatalf("%d events stored, want 1", n)
	}
}

func TestBadToken(t *testing.T) {
	r, _, _ := newRecorder(t)
	for _, tok := range []string{"garbage!", "Zm9v"} {
		if _, _, err := r.Lookup(context.Background(), Query{Account: acct, Region: "us-east-1", Max: 5, Token: tok}); !errors.Is(err, ErrBadToken) {
			t.Errorf("token %q: %v", tok, err)
		}
	}
}

func TestCloseWritesQueuedEvents(t *testing.T) {
	st := store.OpenMemory()
	defer st.Close()
	c := clock.NewManual(time.Now())
	r := NewRecorder(st, c, slog.New(slog.NewTextHandler(io.Discard, nil)))
	for i := 0; i < 100; i++ {
		r.Record(event(c, i, "GetCallerIdentity"))
	}
	r.Close()
	if n := storedEvents(t, st); n != 100 {
		t.Fatalf("%d of 100 events stored after Close", n)
	}
	// A closed recorder refuses politely instead of panicking.
	r.Record(event(c, 100, "GetCallerIdentity"))
	if err := r.Flush(context.Background()); !errors.Is(err, ErrClosed) {
		t.Fatalf("Flush after Close = %v", err)
	}
}

// storedEvents counts the events in the default bucket by decoding every
// stored batch.
func storedEvents(t *testing.T, st store.Store) int {
	t.Helper()
	n := 0
	err := st.View(context.Background(), func(tx store.Tx) error {
		return tx.Scan(bucketFor(acct, "us-east-1"), "", "", func(_ string, v []byte) bool {
			evs, err := decodeBatch(v)
			if err != nil {
				t.Fatal(err)
			}
			n += len(evs)
			return true
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestPagesAcrossBatches(t *testing.T) {
	r, c, _ := newRecorder(t)
	// Three batches of 4, 1 and 5 events: pages must cross batch
	// boundaries and resume mid-batch without losing or repeating one.
	for i, n := 0, 0; i < 3; i++ {
		for j := 0; j < []int{4, 1, 5}[i]; j++ {
			r.Record(event(c, n, "GetCallerIdentity"))
			c.Advance(time.Second)
			n++
		}
		if err := r.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	for _, size := range []int{1, 3, 4, 50} {
		var got []string
		token := ""
		for {
			evs, next, err := r.Lookup(context.Background(), Query{Account: acct, Region: "us-east-1", Max: size, Token: token})
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, ids(evs)...)
			if next == "" {
				break
			}
			token = next
		}
		want := "[id-009 id-008 id-007 id-006 id-005 id-004 id-003 id-002 id-001 id-000]"
		if fmt.Sprint(got) != want {
			t.Errorf("page size %d: %v", size, got)
		}
	}
}

// TestFlushSeesConcurrentCalls is the guarantee LookupEvents relies on:
// once a caller's Record has returned, a later Flush (every lookup starts
// with one) stores that event, however many other callers are recording.
func TestFlushSeesConcurrentCalls(t *testing.T) {
	r, c, _ := newRecorder(t)
	const callers, calls = 8, 50
	errs := make(chan error, callers)
	for g := range callers {
		go func() {
			for i := range calls {
				ev := event(c, g*calls+i, "GetCallerIdentity")
				r.Record(ev)
				evs, _, err := r.Lookup(context.Background(), Query{Account: acct, Region: "us-east-1", Max: 1, Attribute: "EventId", Value: ev.EventID})
				if err == nil && len(evs) != 1 {
					err = fmt.Errorf("%s not found after its Record returned", ev.EventID)
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range callers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

// gatedStore holds every Update until gate is closed, so a test can fill
// the recorder's queue; entered says the writer is inside one.
type gatedStore struct {
	store.Store
	gate, entered chan struct{}
}

func (g gatedStore) Update(ctx context.Context, fn func(store.Tx) error) error {
	select {
	case g.entered <- struct{}{}:
	default:
	}
	<-g.gate
	return g.Store.Update(ctx, fn)
}

// TestCloseKeepsBlockedRecords fills the queue until callers block for
// room, then closes: every event a Record call was admitted with, blocked
// or not, is stored, and batches stay within batchMax.
func TestCloseKeepsBlockedRecords(t *testing.T) {
	mem := store.OpenMemory()
	defer mem.Close()
	st := gatedStore{Store: mem, gate: make(chan struct{}), entered: make(chan struct{}, 1)}
	c := clock.NewManual(time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC))
	r := NewRecorder(st, c, slog.New(slog.NewTextHandler(io.Discard, nil)))
	recorded := 0
	for ; recorded < batchMax; recorded++ {
		r.Record(event(c, recorded, "GetCallerIdentity"))
	}
	// The writer now holds a batch in the gated Update: whatever is
	// recorded from here on waits in the queue until it is full.
	<-st.entered
	pending := func() int {
		r.mu.Lock()
		defer r.mu.Unlock()
		return len(r.pending)
	}
	for pending() < queueSize {
		r.Record(event(c, recorded, "GetCallerIdentity"))
		recorded++
	}
	const blockedCallers = 4
	for i := range blockedCallers {
		go r.Record(event(c, recorded+i, "GetCallerIdentity"))
	}
	recorded += blockedCallers
	for {
		r.mu.Lock()
		n := r.blocked
		r.mu.Unlock()
		if n == blockedCallers {
			break
		}
		runtime.Gosched()
	}
	closed := make(chan struct{})
	go func() { r.Close(); close(closed) }()
	close(st.gate)
	<-closed
	if n := storedEvents(t, mem); n != recorded {
		t.Fatalf("%d of %d events stored after Close", n, recorded)
	}
	err := mem.View(context.Background(), func(tx store.Tx) error {
		return tx.Scan(bucketFor(acct, "us-east-1"), "", "", func(k string, v []byte) bool {
			if evs, _ := decodeBatch(v); len(evs) > batchMax {
				t.Errorf("batch %s holds %d events, more than %d", k, len(evs), batchMax)
			}
			return true
		})
	})
	if err != nil {
		t.Fatal(err)
	}
}
