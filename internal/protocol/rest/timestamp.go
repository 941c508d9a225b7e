package rest

import (
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Timestamp formats as named by the models' timestampFormat trait.
const (
	ISO8601 = "iso8601"
	RFC822  = "rfc822"
	Unix    = "unixTimestamp"
)

// FormatTime renders t in one of the model's timestamp formats. Fractional
// seconds are written only when present, at millisecond precision where that
// is exact, because that is what AWS services send and what every SDK reads.
func FormatTime(t time.Time, format string) string {
	t = t.UTC()
	switch format {
	case RFC822:
		return t.Format(http.TimeFormat)
	case Unix:
		if t.Nanosecond() == 0 {
			return strconv.FormatInt(t.Unix(), 10)
		}
		f := float64(t.UnixNano()) / 1e9
		return strconv.FormatFloat(math.Round(f*1000)/1000, 'f', -1, 64)
	default:
		switch ns := t.Nanosecond(); {
		case ns == 0:
			return t.Format("2006-01-02T15:04:05Z")
		case ns%1e6 == 0:
			return t.Format("2006-01-02T15:04:05.000Z")
		default:
			return t.Format(time.RFC3339Nano)
		}
	}
}

var errBadTime = errors.New("not a valid timestamp")

// ParseTime reads a timestamp in any of the three wire formats. The declared
// format only breaks ties: servers are tolerant of what clients send (old
// SDKs disagree on header and query formats), while FormatTime is strict.
func ParseTime(s, format string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, errBadTime
	}
	if looksNumeric(s) {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 1e13 {
			return time.Time{}, errBadTime
		}
		return EpochTime(f), nil
	}
	if format != RFC822 || strings.Contains(s, "T") {
		for _, layout := range isoLayouts {
			if t, err := time.Parse(layout, s); err == nil {
				return t.UTC(), nil
			}
		}
	}
	if t, err := http.ParseTime(s); err == nil {
		return t.UTC(), nil
	}
	// RFC 822 with a numeric zone, as some hand-written clients send.
	if t, err := time.Parse(time.RFC1123Z, s); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, errBadTime
}

// EpochTime converts epoch seconds to a UTC time at millisecond resolution,
// the precision every AWS protocol carries; the float's binary noise below
// it is rounded away. The caller rejects NaN, the infinities and whatever
// range its wire format does not allow.
func EpochTime(f float64) time.Time {
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(math.Round(frac*1e3))*int64(time.Millisecond)).UTC()
}

var isoLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999",
	"20060102T150405Z",
}

func looksNumeric(s string) bool {
	for i, c := range s {
		if (c < '0' || c > '9') && c != '.' && !(i == 0 && c == '-') {
			return false
		}
	}
	return true
}
