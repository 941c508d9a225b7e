package logfmt

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"testing"
	"time"
)

// same logs r through both handlers and compares the bytes.
func same(t *testing.T, opts *slog.HandlerOptions, r slog.Record) {
	t.Helper()
	var fast, std bytes.Buffer
	if err := NewTextHandler(&fast, opts).Handle(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	if err := slog.NewTextHandler(&std, opts).Handle(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(fast.Bytes(), std.Bytes()) {
		t.Errorf("\nfast %q\n std %q", fast.Bytes(), std.Bytes())
	}
}

func TestMatchesTextHandler(t *testing.T) {
	tokyo := time.FixedZone("JST", 9*3600)
	times := []time.Time{
		{}, time.Date(2026, 12, 7, 2, 9, 43, 0, time.UTC), time.Date(2026, 12, 7, 2, 9, 43, 999_999_999, time.UTC),
		time.Date(2026, 1, 2, 3, 4, 5, 120_000_000, tokyo), time.Date(1999, 12, 31, 23, 59, 59, 1_000_000, time.FixedZone("", -5*3600-30*60)),
		time.Date(12, 1, 1, 0, 0, 0, 5, time.FixedZone("", 14*3600)), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 6, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 6, 1, 0, 0, 0, 0, time.FixedZone("", 5*3600+45*60+30)),
	}
	levels := []slog.Level{slog.LevelDebug, slog.LevelInfo, slog.LevelWarn, slog.LevelError, slog.LevelInfo + 2, slog.LevelDebug - 1}
	attrs := [][]slog.Attr{
		nil,
		{slog.String("service", "sts"), slog.String("op", "GetCallerIdentity"), slog.Int("status", 200),
			slog.Duration("dur", 1234*time.Microsecond), slog.String("id", "0b7a3c3e-1f2d-4b5c-8d9e-0123456789ab"), slog.String("proto", "query")},
		{slog.String("error", "InvalidClientTokenId"), slog.Uint64("n", 18446744073709551615), slog.Int64("neg", -7), slog.Bool("ok", false)},
		{slog.String("empty", ""), slog.String("space", "a b"), slog.String("eq", "a=b"), slog.String("quote", `"x"`), slog.String("uni", "日本")},
		{slog.Any("err", errors.New("boom here")), slog.Float64("f", 1.5), slog.Time("at", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))},
		{slog.Group("g", slog.String("a", "b")), slog.String("", "nokey"), slog.Any("nil", nil)},
		{slog.String("key with space", "v"), slog.Duration("zero", 0), slog.Duration("long", 90*time.Minute+1)},
	}
	msgs := []string{"request", "listening on", "", "cloudtrail: events not stored", "a=b"}
	for _, tm := range times {
		for _, lv := range levels {
			for _, msg := range msgs {
				for _, as := range attrs {
					r := slog.NewRecord(tm, lv, msg, 0)
					r.AddAttrs(as...)
					same(t, &slog.HandlerOptions{Level: slog.LevelDebug - 4}, r)
				}
			}
		}
	}
}

// TestRandomStrings throws every byte at plain, through both handlers.
func TestRandomStrings(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 3000 {
		b := make([]byte, rng.IntN(12))
		for j := range b {
			b[j] = byte(rng.IntN(256))
			if rng.IntN(3) > 0 {
				b[j] = byte(0x20 + rng.IntN(0x5f))
			}
		}
		r := slog.NewRecord(time.Date(2026, 3, 4, 5, 6, 7, 8, time.UTC), slog.LevelInfo, string(b), 0)
		r.AddAttrs(slog.String(string(b), string(b)), slog.String("k", string(b)))
		same(t, nil, r)
	}
}

func TestLevelsAndDerivedLoggers(t *testing.T) {
	var fast, std bytes.Buffer
	lv := new(slog.LevelVar)
	lv.Set(slog.LevelWarn)
	f := slog.New(NewTextHandler(&fast, &slog.HandlerOptions{Level: lv}))
	s := slog.New(slog.NewTextHandler(&std, &slog.HandlerOptions{Level: lv}))
	for _, l := range []*slog.Logger{f, s} {
		l.Info("dropped", "a", 1)
		l.Warn("kept", "a", 1)
		l.With("svc", "ec2").WithGroup("g").Error("derived", "b", "two words")
	}
	lv.Set(slog.LevelDebug)
	f.Debug("now shown")
	s.Debug("now shown")
	// Times differ between the two calls; compare what follows them.
	strip := func(b []byte) [][]byte {
		var out [][]byte
		for _, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
			_, rest, _ := bytes.Cut(line, []byte(" "))
			out = append(out, rest)
		}
		return out
	}
	fl, sl := strip(fast.Bytes()), strip(std.Bytes())
	if len(fl) != 3 || len(fl) != len(sl) {
		t.Fatalf("fast %q\nstd %q", fast.String(), std.String())
	}
	for i := range fl {
		if !bytes.Equal(fl[i], sl[i]) {
			t.Errorf("line %d: fast %q std %q", i, fl[i], sl[i])
		}
	}
}

func TestOptionsOnlyTheStandardHandlerKnows(t *testing.T) {
	h := NewTextHandler(&bytes.Buffer{}, &slog.HandlerOptions{AddSource: true})
	if _, fast := h.(*Handler); fast {
		t.Fatal("AddSource must go to slog.TextHandler")
	}
	h = NewTextHandler(&bytes.Buffer{}, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr { return a }})
	if _, fast := h.(*Handler); fast {
		t.Fatal("ReplaceAttr must go to slog.TextHandler")
	}
}

func BenchmarkRequestLine(b *testing.B) {
	for _, tc := range []struct {
		name string
		h    slog.Handler
	}{
		{"slog.TextHandler", slog.NewTextHandler(discard{}, nil)},
		{"logfmt", NewTextHandler(discard{}, nil)},
	} {
		b.Run(tc.name, func(b *testing.B) {
			l := slog.New(tc.h)
			b.ReportAllocs()
			for b.Loop() {
				l.LogAttrs(context.Background(), slog.LevelInfo, "request", requestAttrs...)
			}
		})
		// The gateway hands its record to the handler itself: Logger
		// spends a stack walk per call on a source position nobody logs.
		b.Run(tc.name+"/Handle", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r := slog.NewRecord(time.Now(), slog.LevelInfo, "request", 0)
				r.AddAttrs(requestAttrs...)
				tc.h.Handle(context.Background(), r)
			}
		})
	}
}

var requestAttrs = []slog.Attr{slog.String("service", "sts"), slog.String("op", "GetCallerIdentity"),
	slog.Int("status", 200), slog.Duration("dur", 1234*time.Microsecond), slog.String("id", "0b7a3c3e-1f2d-4b5c-8d9e-0123456789ab"),
	slog.String("proto", "query")}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
