package s3

import (
	"context"
	"errors"
	"testing"
	"time"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/blob"
	"hakoniwa/internal/clock"
	"hakoniwa/internal/reqctx"
	"hakoniwa/internal/store"
)

// testEnv is a service over an in-memory store and a temporary blob
// directory, and a request context per account and Region.
type testEnv struct {
	t     *testing.T
	svc   *Service
	st    store.Store
	blobs *blob.Store
	clock *clock.Manual
}

func newTestEnv(t *testing.T) *testEnv {
	t.Helper()
	st := store.OpenMemory()
	blobs, err := blob.OpenTemp()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close(); blobs.Close() })
	e := &testEnv{t: t, st: st, blobs: blobs, clock: clock.NewManual(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))}
	e.svc = e.restart()
	return e
}

// restart builds a new service over the same store and blobs, as a
// process restart would.
func (e *testEnv) restart() *Service {
	e.t.Helper()
	svc, err := New(context.Background(), Config{Store: e.st, Blobs: e.blobs, Clock: e.clock})
	if err != nil {
		e.t.Fatal(err)
	}
	e.svc = svc
	return svc
}

// ctxFor is a request of the account's root in a Region.
func ctxFor(account, region string) context.Context {
	return reqctx.With(context.Background(), &reqctx.Info{Region: region,
		Principal: reqctx.Principal{Type: "Root", Account: account, ARN: "arn:aws:iam::" + account + ":root"}})
}

const testAccount = "000000000000"

func (e *testEnv) ctx() context.Context { return ctxFor(testAccount, "us-east-1") }

// errCode is an error's AWS code, "" for nil and "go:…" for a bare error.
func errCode(err error) string {
	var ae *awserr.Error
	if errors.As(err, &ae) {
		return ae.Code
	}
	if err != nil {
		return "go:" + err.Error()
	}
	return ""
}

func errStatus(err error) int {
	var ae *awserr.Error
	if errors.As(err, &ae) {
		return ae.Status
	}
	return 0
}
