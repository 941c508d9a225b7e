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
		ev.RequestParameters = auditValue(c.op.Input, c.in, true)
	}
	if c.err == nil && recordsResponse(c.info.Service, ev.EventName, ev.ReadOnly) && c.op != nil && c.op.Output != nil && len(c.out) > 0 {
		ev.ResponseElements = auditValue(c.op.Output, c.out, false)
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

// recordsResponse says whether CloudTrail keeps a call's response. It
// leaves it out for read-only calls, which would copy the data read into
// the log, except STS's credential-issuing calls, whose records carry the
// issued key id and session so credentials can be traced to their source.
func recordsResponse(service, op string, readOnly bool) bool {
	if !readOnly {
		return true
	}
	return service == "sts" && (op == "GetSessionToken" || op == "GetFederationToken" || strings.HasPrefix(op, "AssumeRole"))
}

// auditValue renders a value tree as CloudTrail JSON: member names in
// lower camel case, timestamps as CloudTrail prints them. Sensitive request
// values read HIDDEN_DUE_TO_SECURITY_REASONS; sensitive response values are
// left out, as CloudTrail leaves out an issued secret key.
func auditValue(ref *model.Ref, v any, request bool) any {
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
				m := s.Members[k]
				if m == nil || (!request && m.Shape.Sensitive) {
					continue
				}
				out[lowerFirst(k)] = auditValue(m, mv, request)
			case "map":
				out[k] = auditValue(s.Value, mv, request)
			}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = auditValue(s.Member, e, request)
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
