package trail

import (
	"encoding/json"
	"slices"
	"strconv"
	"time"
)

// appendEvent appends ev as one JSON line, byte for byte what
// json.Encoder writes for it. Every call is recorded, so encoding/json's
// reflection over the fixed Event fields was most of the recorder's cost;
// values this walker does not know (floats, hand-built handler types) still
// go through encoding/json, so the output never differs.
func appendEvent(b []byte, ev *Event) ([]byte, error) {
	if _, off := ev.EventTime.Zone(); off <= -24*3600 || off >= 24*3600 || ev.EventTime.Year() < 0 || ev.EventTime.Year() > 9999 {
		// time.Time.MarshalJSON refuses these; let it say so.
		line, err := json.Marshal(ev)
		return append(append(b, line...), '\n'), err
	}
	var err error
	b = append(b, `{"eventVersion":`...)
	b = appendString(b, ev.EventVersion)
	b = append(b, `,"userIdentity":{"type":`...)
	u := &ev.UserIdentity
	b = appendString(b, u.Type)
	b = appendOptional(b, `,"principalId":`, u.PrincipalID)
	b = appendOptional(b, `,"arn":`, u.ARN)
	b = appendOptional(b, `,"accountId":`, u.AccountID)
	b = appendOptional(b, `,"accessKeyId":`, u.AccessKeyID)
	b = appendOptional(b, `,"userName":`, u.UserName)
	b = append(b, `},"eventTime":"`...)
	b = ev.EventTime.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","eventSource":`...)
	b = appendString(b, ev.EventSource)
	b = append(b, `,"eventName":`...)
	b = appendString(b, ev.EventName)
	b = append(b, `,"awsRegion":`...)
	b = appendString(b, ev.AWSRegion)
	b = append(b, `,"sourceIPAddress":`...)
	b = appendString(b, ev.SourceIPAddress)
	b = append(b, `,"userAgent":`...)
	b = appendString(b, ev.UserAgent)
	b = appendOptional(b, `,"errorCode":`, ev.ErrorCode)
	b = appendOptional(b, `,"errorMessage":`, ev.ErrorMessage)
	b = append(b, `,"requestParameters":`...)
	if b, err = appendValue(b, ev.RequestParameters); err != nil {
		return b, err
	}
	b = append(b, `,"responseElements":`...)
	if b, err = appendValue(b, ev.ResponseElements); err != nil {
		return b, err
	}
	b = append(b, `,"requestID":`...)
	b = appendString(b, ev.RequestID)
	b = append(b, `,"eventID":`...)
	b = appendString(b, ev.EventID)
	b = append(b, `,"readOnly":`...)
	b = strconv.AppendBool(b, ev.ReadOnly)
	if len(ev.Resources) > 0 {
		b = append(b, `,"resources":[`...)
		for i, r := range ev.Resources {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '{')
			n := len(b)
			if r.Type != "" {
				b = append(b, `"type":`...)
				b = appendString(b, r.Type)
			}
			if r.Name != "" {
				if len(b) > n {
					b = append(b, ',')
				}
				b = append(b, `"name":`...)
				b = appendString(b, r.Name)
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, `,"eventType":`...)
	b = appendString(b, ev.EventType)
	b = append(b, `,"managementEvent":`...)
	b = strconv.AppendBool(b, ev.ManagementEvent)
	b = append(b, `,"recipientAccountId":`...)
	b = appendString(b, ev.RecipientAccountID)
	b = append(b, `,"eventCategory":`...)
	b = appendString(b, ev.EventCategory)
	return append(b, "}\n"...), nil
}

// appendOptional writes an omitempty string member.
func appendOptional(b []byte, key, s string) []byte {
	if s == "" {
		return b
	}
	return appendString(append(b, key...), s)
}

// appendValue writes the value trees of request parameters and response
// elements.
func appendValue(b []byte, v any) ([]byte, error) {
	var err error
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return appendString(b, x), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case map[string]any:
		if x == nil {
			return append(b, "null"...), nil
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(appendString(b, k), ':')
			if b, err = appendValue(b, x[k]); err != nil {
				return b, err
			}
		}
		return append(b, '}'), nil
	case []any:
		if x == nil {
			return append(b, "null"...), nil
		}
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = appendValue(b, e); err != nil {
				return b, err
			}
		}
		return append(b, ']'), nil
	}
	raw, err := json.Marshal(v)
	return append(b, raw...), err
}

// appendString writes s as a JSON string. Plain ASCII, nearly every value
// an event holds, is copied; anything encoding/json would escape (quotes,
// controls, HTML's <, > and &, non-ASCII) is left to it.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			raw, _ := json.Marshal(s) // a string always marshals
			return append(b, raw...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
