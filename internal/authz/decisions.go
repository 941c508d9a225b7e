package authz

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"sync"
	"time"

	"hakoniwa/internal/iam/policy"
)

// Explanation is one authorization decision, as `hakoniwa explain` and
// /_hakoniwa/explain/<request-id> show it, and as
// sts:DecodeAuthorizationMessage returns it.
type Explanation struct {
	RequestID string    `json:"requestId,omitempty"`
	Time      time.Time `json:"time"`
	Allowed   bool      `json:"allowed"`
	Reason    string    `json:"reason"`
	Message   string    `json:"message,omitempty"`
	Principal string    `json:"principal"`
	Action    string    `json:"action"`
	Resource  string    `json:"resource"`
	// Matched are the statements whose action, resource, principal and
	// conditions all matched.
	Matched []Statement `json:"matchedStatements"`
	// Failed are statements that would have applied but for a condition.
	Failed []FailedCondition `json:"failedConditions,omitempty"`
	// Missing are condition keys a statement asked for and the request
	// did not carry.
	Missing []string `json:"missingContextValues,omitempty"`
	// Context is the request's condition keys as evaluated.
	Context map[string][]string `json:"context"`
}

// Statement names one policy statement.
type Statement struct {
	Policy     string `json:"policy"`
	PolicyName string `json:"policyName,omitempty"`
	PolicyType string `json:"policyType"`
	Index      int    `json:"statementIndex"`
	Sid        string `json:"sid,omitempty"`
	Effect     string `json:"effect"`
}

// FailedCondition is a statement and the condition it failed on.
type FailedCondition struct {
	Statement
	Operator      string   `json:"operator"`
	Key           string   `json:"key"`
	PolicyValues  []string `json:"policyValues"`
	RequestValues []string `json:"requestValues"`
}

func explain(requestID string, at time.Time, req policy.Request, d policy.Decision) Explanation {
	e := Explanation{
		RequestID: requestID, Time: at, Allowed: d.Allowed, Reason: d.Reason.String(),
		Principal: req.Principal.ARN, Action: req.Action, Resource: req.Resource,
		Matched: []Statement{}, Missing: d.MissingContextValues, Context: req.Context,
	}
	if !d.Allowed {
		e.Message = d.Message(req)
	}
	for _, m := range d.Matched {
		e.Matched = append(e.Matched, Statement{m.PolicyID, m.PolicyName, m.PolicyType, m.Statement, m.Sid, string(m.Effect)})
	}
	for _, f := range d.Failed {
		e.Failed = append(e.Failed, FailedCondition{
			Statement: Statement{f.PolicyID, f.PolicyName, f.PolicyType, f.Statement, f.Sid, string(f.Effect)},
			Operator:  f.Operator, Key: f.Key, PolicyValues: f.Values, RequestValues: f.ContextValues,
		})
	}
	return e
}

// Decisions keeps the latest decisions in a fixed-size ring: old ones make
// way for new ones, so memory stays bounded. Recording is on every call's
// path and explaining is rare, so Add only writes a slot and Explain scans.
type Decisions struct {
	mu   sync.Mutex
	ring []decided // grows to max, then wraps: an idle server holds none
	max  int
	next int
}

type decided struct {
	id  string
	at  time.Time
	req policy.Request
	d   policy.Decision
}

// NewDecisions keeps the last n decisions.
func NewDecisions(n int) *Decisions { return &Decisions{max: n} }

// Add records a decision. Explanations are rendered only when asked for.
func (s *Decisions) Add(requestID string, at time.Time, req policy.Request, d policy.Decision) {
	s.mu.Lock()
	if len(s.ring) < s.max {
		s.ring = append(s.ring, decided{requestID, at, req, d})
	} else {
		s.ring[s.next] = decided{requestID, at, req, d}
		s.next = (s.next + 1) % s.max
	}
	s.mu.Unlock()
}

// Explain returns the decisions taken for a request, oldest first.
func (s *Decisions) Explain(requestID string) []Explanation {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Explanation
	for i := range s.ring {
		d := s.ring[(s.next+i)%len(s.ring)]
		if d.id == requestID && d.id != "" {
			out = append(out, explain(d.id, d.at, d.req, d.d))
		}
	}
	return out
}

// EncodeMessage makes the "encoded authorization failure message" EC2
// returns: opaque to the caller, decoded by sts:DecodeAuthorizationMessage.
// AWS encrypts it; hakoniwa only compresses and encodes it, since anyone
// who can reach the server can already ask it to explain.
func EncodeMessage(req policy.Request, d policy.Decision) string {
	raw, _ := json.Marshal(explain("", time.Time{}, req, d))
	var buf bytes.Buffer
	w, _ := flate.NewWriter(&buf, flate.BestCompression)
	w.Write(raw)
	w.Close()
	return base64.RawURLEncoding.EncodeToString(buf.Bytes())
}

// ErrBadMessage means the text is not an encoded authorization message.
var ErrBadMessage = errors.New("authz: not an encoded authorization message")

// DecodeMessage returns the JSON document an encoded message carries.
func DecodeMessage(s string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return "", ErrBadMessage
	}
	raw, err := io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(b)), 1<<20))
	if err != nil || !json.Valid(raw) {
		return "", ErrBadMessage
	}
	return string(raw), nil
}
