package s3

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"hakoniwa/internal/awserr"
)

// postPolicy is a POST form's signed policy: when it expires and the
// conditions every field must meet.
type postPolicy struct {
	expiration time.Time
	conds      []postCond
}

// postCond is one condition. name is the lower-cased field it tests, ""
// when the policy named none with "$" (such a condition always fails).
type postCond struct {
	op, name, value string
	min, max        int64
	badRange        bool   // content-length-range bounds that are not integers
	text            string // the condition as S3 quotes it when it fails
}

// The two size bounds of a POST upload without a content-length-range.
const noMinSize, noMaxSize = 0, maxPutSize

func errPolicyDocument(msg string) error {
	return awserr.New(http.StatusBadRequest, "InvalidPolicyDocument", "Invalid Policy: %s", msg)
}

func errPolicyDenied(msg string) error {
	return awserr.New(http.StatusForbidden, "AccessDenied", "Invalid according to Policy: %s", msg)
}

// parsePostPolicy decodes the base64 policy document.
func parsePostPolicy(b64 string) (*postPolicy, error) {
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, errPolicyDocument("invalid Base64 encoding.")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil || dec.More() {
		return nil, errPolicyDocument("Invalid JSON.")
	}
	for k := range doc {
		if k != "expiration" && k != "conditions" {
			return nil, errPolicyDocument("Unexpected: '" + strings.ToLower(k) + "'")
		}
	}
	p := &postPolicy{}
	exp, ok := doc["expiration"]
	if !ok {
		return nil, errPolicyDocument("Policy missing expiration.")
	}
	if p.expiration, ok = parseExpiration(exp); !ok {
		return nil, errPolicyDocument("Invalid 'expiration' value: '" + jsonText(exp) + "'")
	}
	conds, ok := doc["conditions"]
	if !ok {
		return nil, errPolicyDocument("Policy missing conditions.")
	}
	list, ok := conds.([]any)
	if !ok {
		return nil, errPolicyDocument("Invalid 'conditions' value: must be a List.")
	}
	for _, c := range list {
		pc, err := parseCondition(c)
		if err != nil {
			return nil, err
		}
		p.conds = append(p.conds, pc)
	}
	return p, nil
}

// parseExpiration reads an ISO 8601 UTC time, with or without fractional
// seconds; S3 refuses offsets and a space for the T.
func parseExpiration(v any) (time.Time, bool) {
	s, ok := v.(string)
	if !ok || !strings.HasSuffix(s, "Z") {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

func parseCondition(c any) (postCond, error) {
	switch c := c.(type) {
	case map[string]any:
		if len(c) != 1 {
			return postCond{}, errPolicyDocument("Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.")
		}
		for k, v := range c {
			s, ok := v.(string)
			if v == nil {
				return postCond{}, errPolicyDocument("Invalid JSON.")
			}
			if !ok {
				return postCond{}, errPolicyDocument("Invalid Simple-Condition: value must be a string.")
			}
			return postCond{op: "eq", name: strings.ToLower(k), value: s, text: condText("eq", "$"+k, s)}, nil
		}
	case []any:
		return parseListCondition(c)
	}
	return postCond{}, errPolicyDocument("Invalid condition test: must be a List or Object.")
}

func parseListCondition(c []any) (postCond, error) {
	if len(c) == 0 {
		return postCond{}, errPolicyDocument("Invalid Condition: missing operation identifier.")
	}
	op, ok := c[0].(string)
	if !ok {
		return postCond{}, errPolicyDocument("Invalid JSON.")
	}
	pc := postCond{op: strings.ToLower(op), text: condText(c...)}
	switch pc.op {
	case "eq", "starts-with":
	case "content-length-range":
		if len(c) != 3 {
			return postCond{}, errPolicyDocument("Invalid " + op + ": wrong number of arguments.")
		}
		var err error
		if pc.min, pc.badRange, err = rangeBound(c[1]); err != nil {
			return postCond{}, err
		}
		var bad bool
		if pc.max, bad, err = rangeBound(c[2]); err != nil {
			return postCond{}, err
		}
		pc.badRange = pc.badRange || bad
		return pc, nil
	default:
		return postCond{}, errPolicyDocument("Invalid Condition: unknown operation '" + op + "'.")
	}
	if len(c) != 3 {
		return postCond{}, errPolicyDocument("Invalid " + op + ": wrong number of arguments.")
	}
	name, ok1 := c[1].(string)
	value, ok2 := c[2].(string)
	if !ok1 || !ok2 {
		return postCond{}, errPolicyDocument("Invalid JSON.")
	}
	if n, ok := strings.CutPrefix(name, "$"); ok {
		pc.name = strings.ToLower(n)
	}
	pc.value = value
	return pc, nil
}

// rangeBound reads a content-length-range bound: an integer, or a string
// holding one. A string that holds none makes the condition fail rather
// than the policy invalid; a fraction is not JSON S3 accepts.
func rangeBound(v any) (n int64, bad bool, err error) {
	switch v := v.(type) {
	case json.Number:
		n, perr := strconv.ParseInt(v.String(), 10, 64)
		if perr != nil {
			return 0, false, errPolicyDocument("Invalid JSON.")
		}
		return n, false, nil
	case string:
		n, perr := strconv.ParseInt(v, 10, 64)
		return n, perr != nil, nil
	}
	return 0, false, errPolicyDocument("Invalid JSON.")
}

// condText renders a condition as S3 does in its refusal:
// ["eq", "$key", "user/"].
func condText(items ...any) string {
	parts := make([]string, len(items))
	for i, it := range items {
		parts[i] = jsonText(it)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func jsonText(v any) string {
	if n, ok := v.(json.Number); ok {
		return n.String()
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return ""
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// check applies the policy to the form posted to bucket: expiry, then
// each condition, then the rule that every field is named by one.
func (p *postPolicy) check(now time.Time, bucket string, f *postForm) error {
	if !now.Before(p.expiration) {
		return errPolicyDenied("Policy expired.")
	}
	covered := map[string]bool{}
	for _, c := range p.conds {
		covered[c.name] = true
		if !c.holds(bucket, f) {
			return errPolicyDenied("Policy Condition failed: " + c.text)
		}
	}
	for _, fl := range f.fields {
		n := strings.ToLower(fl.name)
		if !covered[n] && !postExempt(n) {
			return errPolicyDenied("Extra input fields: " + fl.name)
		}
	}
	return nil
}

// postExempt names the fields no condition needs to cover.
func postExempt(name string) bool {
	switch name {
	case "file", "policy", "x-amz-signature", "awsaccesskeyid", "signature":
		return true
	}
	return strings.HasPrefix(name, "x-ignore-")
}

func (c postCond) holds(bucket string, f *postForm) bool {
	if c.op == "content-length-range" {
		return !c.badRange // the size is checked as the file arrives
	}
	if c.name == "" {
		return false
	}
	got, ok := bucket, true
	if c.name != "bucket" {
		got, ok = f.byName[c.name], f.has(c.name)
	}
	if !ok {
		return false // even starts-with "" needs the field to be sent
	}
	if c.op == "eq" {
		return got == c.value
	}
	if c.name != "content-type" {
		return strings.HasPrefix(got, c.value)
	}
	// Only Content-Type is a list: each of its values must match.
	for v := range strings.SplitSeq(got, ",") {
		if !strings.HasPrefix(strings.TrimSpace(v), c.value) {
			return false
		}
	}
	return true
}

// sizeRange is the content-length-range the policy sets, the bounds of
// any upload when it sets none.
func (p *postPolicy) sizeRange() (lo, hi int64) {
	lo, hi = noMinSize, noMaxSize
	for _, c := range p.conds {
		if c.op == "content-length-range" {
			lo, hi = c.min, min(c.max, noMaxSize)
		}
	}
	return lo, hi
}
