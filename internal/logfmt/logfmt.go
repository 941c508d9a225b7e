// Package logfmt is a slog handler that writes exactly what
// slog.TextHandler writes, faster for the records that dominate: one line
// per API call, of plain words, numbers and durations. Formatting that line
// with slog.TextHandler was a seventh of the gateway's work per request.
// Anything it does not handle itself — groups, derived loggers, values that
// need quoting or reflection — goes to a slog.TextHandler on the same
// writer, so the output never differs.
package logfmt

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"time"
)

// Handler is the fast text handler.
type Handler struct {
	w     *lockedWriter
	level slog.Leveler
	inner slog.Handler
}

// lockedWriter makes each record one write, whichever handler made it.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// NewTextHandler returns a handler writing slog.TextHandler's format to w.
func NewTextHandler(w io.Writer, opts *slog.HandlerOptions) slog.Handler {
	lw := &lockedWriter{w: w}
	inner := slog.NewTextHandler(lw, opts)
	if opts != nil && (opts.AddSource || opts.ReplaceAttr != nil) {
		// Both change every line; only the standard handler knows them.
		return inner
	}
	var level slog.Leveler = slog.LevelInfo
	if opts != nil && opts.Level != nil {
		level = opts.Level
	}
	return &Handler{w: lw, level: level, inner: inner}
}

// Enabled reports whether l is at or above the handler's level.
func (h *Handler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level.Level() }

// WithAttrs and WithGroup hand derived loggers to the standard handler:
// they are rare, and their prefixes are its business.
func (h *Handler) WithAttrs(as []slog.Attr) slog.Handler { return h.inner.WithAttrs(as) }

// WithGroup: see WithAttrs.
func (h *Handler) WithGroup(name string) slog.Handler { return h.inner.WithGroup(name) }

var bufs = sync.Pool{New: func() any { b := make([]byte, 0, 256); return &b }}

// Handle writes r, or lets the standard handler write it.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	bp := bufs.Get().(*[]byte)
	defer bufs.Put(bp)
	b, ok := appendRecord((*bp)[:0], r)
	*bp = b
	if !ok {
		return h.inner.Handle(ctx, r)
	}
	_, err := h.w.Write(b)
	return err
}

// appendRecord formats r; ok is false when r holds anything it leaves to
// slog.TextHandler.
func appendRecord(b []byte, r slog.Record) (_ []byte, ok bool) {
	level, ok := levelName(r.Level)
	if !ok || !plain(r.Message) {
		return b, false
	}
	if y := r.Time.Year(); y < 0 || y > 9999 {
		// slog's own formatting has quirks out there; leave it to slog.
		return b, false
	}
	if !r.Time.IsZero() {
		b = append(b, "time="...)
		b = appendRFC3339Millis(b, r.Time)
		b = append(b, ' ')
	}
	b = append(b, "level="...)
	b = append(b, level...)
	b = append(b, " msg="...)
	b = append(b, r.Message...)
	ok = true
	r.Attrs(func(a slog.Attr) bool {
		if b, ok = appendAttr(b, a); !ok {
			return false
		}
		return true
	})
	return append(b, '\n'), ok
}

func levelName(l slog.Level) (string, bool) {
	switch l {
	case slog.LevelDebug:
		return "DEBUG", true
	case slog.LevelInfo:
		return "INFO", true
	case slog.LevelWarn:
		return "WARN", true
	case slog.LevelError:
		return "ERROR", true
	}
	return "", false
}

func appendAttr(b []byte, a slog.Attr) ([]byte, bool) {
	if !plain(a.Key) {
		return b, false
	}
	b = append(b, ' ')
	b = append(b, a.Key...)
	b = append(b, '=')
	v := a.Value
	switch v.Kind() {
	case slog.KindString:
		if s := v.String(); plain(s) {
			return append(b, s...), true
		}
	case slog.KindInt64:
		return strconv.AppendInt(b, v.Int64(), 10), true
	case slog.KindUint64:
		return strconv.AppendUint(b, v.Uint64(), 10), true
	case slog.KindBool:
		return strconv.AppendBool(b, v.Bool()), true
	case slog.KindDuration:
		// Duration.String has neither spaces nor quotes.
		return append(b, v.Duration().String()...), true
	}
	return b, false
}

// plain reports whether s is written unquoted by slog.TextHandler, by a
// rule stricter than its own: non-empty ASCII letters, digits and a few
// punctuation marks. Anything else goes to the standard handler.
func plain(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == ':' || c == '/' || c == '@' || c == '+') {
			return false
		}
	}
	return true
}

// appendRFC3339Millis writes t (of a year 0-9999) as slog does: RFC 3339
// truncated, not rounded, to exactly three fractional digits. By hand: time's layout
// interpreter was a quarter of this handler's cost.
func appendRFC3339Millis(b []byte, t time.Time) []byte {
	year, month, day := t.Date()
	hour, minute, sec := t.Clock()
	b = appendDigits(b, year, 4)
	b = append(b, '-')
	b = appendDigits(b, int(month), 2)
	b = append(b, '-')
	b = appendDigits(b, day, 2)
	b = append(b, 'T')
	b = appendDigits(b, hour, 2)
	b = append(b, ':')
	b = appendDigits(b, minute, 2)
	b = append(b, ':')
	b = appendDigits(b, sec, 2)
	b = append(b, '.')
	b = appendDigits(b, t.Nanosecond()/1e6, 3)
	_, off := t.Zone()
	if off == 0 {
		return append(b, 'Z')
	}
	sign := byte('+')
	if off < 0 {
		sign, off = '-', -off
	}
	b = append(b, sign)
	b = appendDigits(b, off/3600, 2)
	b = append(b, ':')
	return appendDigits(b, off%3600/60, 2)
}

// appendDigits writes n zero-padded to width digits.
func appendDigits(b []byte, n, width int) []byte {
	var d [4]byte
	for i := width - 1; i >= 0; i-- {
		d[i] = byte('0' + n%10)
		n /= 10
	}
	return append(b, d[:width]...)
}
