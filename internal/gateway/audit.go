package gateway

import (
	"encoding/base64"
	"io"
	"strings"
	"time"

	"hakoniwa/internal/model"
	"hakoniwa/internal/trail"
)

// hidden is what CloudTrail writes in place of sensitive values.
const hidden = "HIDDEN_DUE_TO_SECURITY_REASONS"

func (g *Gateway) event(c *call) *trail.Event {
	p := c.info.Principal
	account := p.Account
	if account == "" {
		account = "anonymous"
	}
	ev := &trail.Event{
		EventVersion: "1.09",
		UserIdentity: trail.UserIdentity{
			Type: p.Type, PrincipalID: p.UserID, ARN: p.ARN, AccountID: p.Account,
			AccessKeyID: p.AccessKeyID, UserName: p.UserName,
		},
		EventTime:          c.info.Time.Truncate(time.Second),
		EventSource:        c.info.EventSource,
		EventName:          c.info.Operation,
		AWSRegion:          c.info.Region,
		SourceIPAddress:    c.info.SourceIP,
		UserAgent:          c.info.UserAgent,
		RequestID:          c.info.RequestID,
		EventID:            g.cfg.IDs.UUID(),
		ReadOnly:           readOnly(c.info.Operation),
		EventType:          "AwsApiCall",
		ManagementEvent:    true,
		RecipientAccountID: account,
		EventCategory:      "Management",
	}
	if ev.UserIdentity.Type == "" {
		ev.UserIdentity.Type = "Unknown"
	}
	if ev.EventName == "" {
		ev.EventName = "Unknown"
	}
	for _, r := range c.info.Resources {
		ev.Resources = append(ev.Resources, trail.Resource{Type: r.Type, Name: r.Name})
	}
	if c.op != nil && c.op.Input != nil && len(c.in) > 0 {
		ev.RequestParameters = auditValue(c.op.Input, c.in)
	}
	// CloudTrail leaves responseElements out for read-only calls: they
	// would copy the data read into the audit log.
	if c.err == nil && !ev.ReadOnly && c.op != nil && c.op.Output != nil && len(c.out) > 0 {
		ev.ResponseElements = auditValue(c.op.Output, c.out)
	}
	if c.err != nil {
		ev.ErrorCode = c.err.Code
		ev.ErrorMessage = c.err.Message
	}
	return ev
}

// readOnly classifies an operation as CloudTrail does for the common
// verbs.
func readOnly(op string) bool {
	for _, p := range []string{"Get", "List", "Describe", "Head", "Lookup", "Search", "BatchGet", "Check", "Simulate", "Generate", "Decode", "Scan", "Query", "Select", "Test", "Validate", "Estimate", "Preview", "View"} {
		if strings.HasPrefix(op, p) {
			return true
		}
	}
	return false
}

// auditValue renders a value tree as CloudTrail JSON: member names in
// lower camel case, timestamps as CloudTrail prints them, sensitive values
// and binary payloads hidden.
func auditValue(ref *model.Ref, v any) any {
	if ref == nil {
		return nil
	}
	s := ref.Shape
	if s.Sensitive {
		return hidden
	}
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, mv := range x {
			switch s.Type {
			case "structure":
				if m := s.Members[k]; m != nil {
					out[lowerFirst(k)] = auditValue(m, mv)
				}
			case "map":
				out[k] = auditValue(s.Value, mv)
			}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = auditValue(s.Member, e)
		}
		return out
	case time.Time:
		return x.UTC().Format("Jan 2, 2006, 3:04:05 PM")
	case []byte:
		if len(x) > 1024 {
			return hidden
		}
		return base64.StdEncoding.EncodeToString(x)
	case io.Reader:
		return nil
	}
	return v
}

// lowerFirst lower-cases only the first letter, as CloudTrail does even for
// leading acronyms (RDS events carry "dBInstanceIdentifier").
func lowerFirst(s string) string {
	if s == "" || s[0] < 'A' || s[0] > 'Z' {
		return s
	}
	return string(s[0]+'a'-'A') + s[1:]
}
