package sts

import (
	"bytes"
	"compress/flate"
	"context"
	"net/http"
	"strings"
	"sync"
	"time"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/iam/policy"

	stsapi "hakoniwa/internal/api/sts"
)

// Kinds of session, by the operation that issued it.
const (
	KindSessionToken = "session-token"
	KindAssumedRole  = "assumed-role"
	KindFederated    = "federated"
)

// Session limits (STS API reference and "IAM and STS quotas").
const (
	maxSessionPolicyChars = 2048 // inline and managed session policies, together
	maxSessionPolicyARNs  = 10
	maxSessionTags        = 50
	// packedBudget is the size, in compressed bytes, that PackedPolicySize
	// measures against. AWS does not publish its packed format; deflate
	// is a stand-in that grows the same way (policies compress well, random
	// tag values do not), sized so a plaintext policy near its 2,048
	// character limit lands near, not over, 100%.
	packedBudget = 1200
)

// IAM is what STS asks IAM: the role to assume and the managed policies
// used as session policies. Declared here, implemented by the IAM service
// (through a small adapter in server/).
type IAM interface {
	RoleForAssume(ctx context.Context, roleARN string) (Role, error)
	ManagedPolicyDocument(ctx context.Context, account, policyARN string) (string, error)
}

// Role is a role as AssumeRole needs it.
type Role struct {
	ARN, ID, Name, Account string
	MaxSessionDuration     int64
}

// MFA checks one-time codes of MFA devices (IAM). err is an AccessDenied
// *awserr.Error for a wrong code; userARN is the device's owner.
type MFA interface {
	CheckMFACode(ctx context.Context, account, serialNumber, code string) (userARN string, err error)
}

// SessionPolicy is a session policy as stored with the session: the
// inline policy or a managed policy's document at issue time.
type SessionPolicy struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Text string `json:"text"`
}

// SessionInfo is what the authorizer needs to know about a session.
type SessionInfo struct {
	Kind           string
	IssuedFor      string
	Policies       []SessionPolicy
	Tags           map[string]string
	MFA            bool
	MFAAuthTime    time.Time
	SourceIdentity string
	Issued         time.Time
}

// Session describes the session behind an access key STS issued.
func (s *Service) Session(ctx context.Context, accessKeyID string) (SessionInfo, bool, error) {
	if !strings.HasPrefix(accessKeyID, "ASIA") {
		return SessionInfo{}, false, nil
	}
	rec, ok, err := s.lookup(ctx, accessKeyID)
	if !ok || err != nil {
		return SessionInfo{}, false, err
	}
	return rec.info(), true, nil
}

func (r *record) info() SessionInfo {
	kind, issuedFor := r.Kind, r.IssuedFor
	if kind == "" { // issued before sessions carried more than a principal
		kind = KindSessionToken
	}
	if issuedFor == "" {
		issuedFor = r.PrincipalARN
	}
	return SessionInfo{
		Kind: kind, IssuedFor: issuedFor, Policies: r.Policies, Tags: r.Tags,
		MFA: r.MFA, MFAAuthTime: r.MFAAuthTime, SourceIdentity: r.SourceIdentity, Issued: r.Issued,
	}
}

// recordCache keeps recently read credential records. A signed request
// reads its record twice (SigV4's Lookup, the authorizer's Session), and a
// client sends bursts; records never change once written, so the only
// staleness is a record wiped by a reset, which survives here for at most
// recordCacheTTL.
type recordCache struct {
	mu sync.Mutex
	m  map[string]cachedRecord
}

type cachedRecord struct {
	rec record
	at  time.Time
}

const (
	recordCacheTTL = 2 * time.Second
	recordCacheMax = 1024
)

func (c *recordCache) get(id string, now time.Time) (record, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[id]
	if !ok || now.Sub(e.at) > recordCacheTTL || now.Before(e.at) {
		return record{}, false
	}
	return e.rec, true
}

func (c *recordCache) put(id string, rec record, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= recordCacheMax {
		// Dropping everything is cheaper than LRU bookkeeping; live
		// sessions come back on their next request.
		c.m = make(map[string]cachedRecord)
	}
	c.m[id] = cachedRecord{rec, now}
}

// sessionPolicies validates the Policy and PolicyArns of a request and
// resolves the managed ones in account (the role's, or the federating
// user's). size is their plaintext size, which the packed size counts.
func (s *Service) sessionPolicies(ctx context.Context, account string, inline *string, arns []stsapi.PolicyDescriptorType) ([]SessionPolicy, string, error) {
	var out []SessionPolicy
	var packed strings.Builder
	if len(arns) > maxSessionPolicyARNs {
		return nil, "", awserr.Validation("ValidationError", "1 validation error detected: Value at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to %d", maxSessionPolicyARNs)
	}
	chars := 0
	if inline != nil {
		chars = len(*inline)
		if chars > maxSessionPolicyChars {
			return nil, "", awserr.Validation("ValidationError", "1 validation error detected: Value at 'policy' failed to satisfy constraint: Member must have length less than or equal to %d", maxSessionPolicyChars)
		}
		if _, err := policy.Parse(*inline, policy.Session); err != nil {
			return nil, "", err
		}
		out = append(out, SessionPolicy{ID: "session#inline", Name: "inline session policy", Text: *inline})
		packed.WriteString(compact(*inline))
	}
	for _, d := range arns {
		arn := deref(d.Arn)
		chars += len(arn)
		if chars > maxSessionPolicyChars {
			return nil, "", awserr.Validation("ValidationError", "The combined size of the session policy and the managed session policy ARNs must not exceed %d characters.", maxSessionPolicyChars)
		}
		if s.IAM == nil {
			return nil, "", invalidParameter("Policy %s does not exist or is not attachable.", arn)
		}
		doc, err := s.IAM.ManagedPolicyDocument(ctx, account, arn)
		if err != nil {
			if e := awserr.As(err); e.Code == "NoSuchEntity" || e.Code == "InvalidInput" {
				return nil, "", invalidParameter("Policy %s does not exist or is not attachable.", arn)
			}
			return nil, "", err
		}
		out = append(out, SessionPolicy{ID: arn, Name: arn[strings.LastIndexByte(arn, '/')+1:], Text: doc})
		packed.WriteString(arn)
	}
	return out, packed.String(), nil
}

// sessionTags validates session tags: keys are unique regardless of case,
// and transitive keys must be among them.
func sessionTags(tags []stsapi.Tag, transitive []string) (map[string]string, []string, error) {
	if len(tags) > maxSessionTags {
		return nil, nil, awserr.Validation("ValidationError", "1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to %d", maxSessionTags)
	}
	if len(tags) == 0 && len(transitive) == 0 {
		return nil, nil, nil
	}
	out := make(map[string]string, len(tags))
	lower := make(map[string]string, len(tags))
	for _, t := range tags {
		k := deref(t.Key)
		if _, dup := lower[strings.ToLower(k)]; dup {
			return nil, nil, invalidParameter("Duplicate tag keys found. Please note that Tag keys are case insensitive.")
		}
		lower[strings.ToLower(k)] = k
		out[k] = deref(t.Value)
	}
	var keys []string
	for _, k := range transitive {
		orig, ok := lower[strings.ToLower(k)]
		if !ok {
			return nil, nil, invalidParameter("The specified transitive tag key must be included in the requested tags.")
		}
		keys = append(keys, orig)
	}
	return out, keys, nil
}

// packedSize is PackedPolicySize: how much of the packed budget the
// session policies and tags take, in percent.
func packedSize(policies string, tags map[string]string) (total, ofTags int) {
	var t strings.Builder
	for k, v := range tags {
		t.WriteString(k)
		t.WriteByte(0)
		t.WriteString(v)
		t.WriteByte(0)
	}
	return percent(policies + t.String()), percent(t.String())
}

func percent(s string) int {
	if s == "" {
		return 0
	}
	var buf bytes.Buffer
	w, _ := flate.NewWriter(&buf, flate.BestCompression)
	w.Write([]byte(s))
	w.Close()
	return (buf.Len()*100 + packedBudget - 1) / packedBudget
}

// checkPacked refuses a request whose policies and tags do not fit.
func checkPacked(policies string, tags map[string]string) (int64, error) {
	total, ofTags := packedSize(policies, tags)
	if total <= 100 {
		return int64(total), nil
	}
	if ofTags > 100 || policies == "" {
		return 0, packedTooLarge("Packed size of session tags consumes %d%% of allotted space.", ofTags)
	}
	return 0, packedTooLarge("Packed policy consumes %d%% of allotted space, please use smaller policy.", total)
}

// compact drops the white space IAM does not count.
func compact(doc string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\n', '\r':
			return -1
		}
		return r
	}, doc)
}

func invalidParameter(format string, args ...any) *awserr.Error {
	return awserr.New(http.StatusBadRequest, "InvalidParameterValue", format, args...)
}

func packedTooLarge(format string, args ...any) *awserr.Error {
	return awserr.New(http.StatusBadRequest, "PackedPolicyTooLarge", format, args...)
}

func accessDenied(format string, args ...any) *awserr.Error {
	return awserr.New(http.StatusForbidden, "AccessDenied", format, args...)
}
