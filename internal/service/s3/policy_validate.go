package s3

import (
	"encoding/json"
	"net/http"
	"strings"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/iam/actions"
	"hakoniwa/internal/iam/policy"
)

// maxBucketPolicySize is S3's bucket policy quota (20 KB).
const maxBucketPolicySize = 20 * 1024

func errMalformedPolicy(msg string) error {
	return awserr.New(http.StatusBadRequest, "MalformedPolicy", "%s", msg)
}

// validateBucketPolicy checks a policy as PutBucketPolicy does: S3's own
// structural checks and messages first (they differ from IAM's), then the
// IAM language rules the evaluator relies on.
func validateBucketPolicy(bucket, text string) error {
	if len(text) > maxBucketPolicySize {
		// S3 documents the 20 KB limit but not the refusal's wording.
		return errMalformedPolicy("Policies must be less than 20 KB")
	}
	trimmed := strings.TrimLeft(text, " \t\r\n")
	if !strings.HasPrefix(trimmed, "{") {
		return errMalformedPolicy("Policies must be valid JSON and the first byte must be '{'")
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(text), &doc); err != nil {
		return errMalformedPolicy("This policy contains invalid Json")
	}
	for k := range doc {
		switch k {
		case "Version", "Id", "Statement":
		default:
			return errMalformedPolicy("Unknown field " + k)
		}
	}
	if v, ok := doc["Version"]; ok && v != policy.Version2012 && v != policy.Version2008 {
		return errMalformedPolicy("The policy must contain a valid version string")
	}
	stmts, ok := statementsOf(doc["Statement"])
	if !ok {
		return errMalformedPolicy("Missing required field Statement")
	}
	for _, st := range stmts {
		if err := validateStatement(bucket, st); err != nil {
			return err
		}
	}
	if _, err := policy.Parse(text, policy.Resource); err != nil {
		return s3PolicyError(err)
	}
	return nil
}

func statementsOf(v any) ([]map[string]any, bool) {
	switch t := v.(type) {
	case map[string]any:
		return []map[string]any{t}, true
	case []any:
		out := make([]map[string]any, 0, len(t))
		for _, e := range t {
			m, ok := e.(map[string]any)
			if !ok {
				return nil, false
			}
			out = append(out, m)
		}
		return out, len(out) > 0
	}
	return nil, false
}

var statementFields = map[string]bool{
	"Sid": true, "Effect": true, "Principal": true, "NotPrincipal": true, "Action": true,
	"NotAction": true, "Resource": true, "NotResource": true, "Condition": true,
}

func validateStatement(bucket string, st map[string]any) error {
	for k := range st {
		if !statementFields[k] {
			return errMalformedPolicy("Unknown field " + k)
		}
	}
	switch e := st["Effect"].(type) {
	case nil:
		return errMalformedPolicy("Missing required field Effect")
	case string:
		if e != "Allow" && e != "Deny" {
			return errMalformedPolicy("Invalid effect: " + e)
		}
	default:
		return errMalformedPolicy("Invalid effect")
	}
	if st["Principal"] == nil && st["NotPrincipal"] == nil {
		return errMalformedPolicy("Missing required field Principal")
	}
	acts, notAction := anyOf(st, "Action", "NotAction")
	if acts == nil {
		return errMalformedPolicy("Missing required field Action")
	}
	ress, notResource := anyOf(st, "Resource", "NotResource")
	if ress == nil {
		return errMalformedPolicy("Missing required field Resource")
	}
	var kinds resourceKinds
	for _, r := range ress {
		k, ok := bucketResourceKind(bucket, r)
		if !ok {
			return errMalformedPolicy("Policy has invalid resource")
		}
		kinds |= k
	}
	for _, a := range acts {
		if a != "*" && !strings.Contains(a, ":") {
			return errMalformedPolicy("Policy has invalid action")
		}
	}
	if !notAction && !notResource && !actionsApply(acts, kinds) {
		return errMalformedPolicy("Action does not apply to any resource(s) in statement")
	}
	return nil
}

// anyOf returns the strings of element a, or of its negation b.
func anyOf(st map[string]any, a, b string) ([]string, bool) {
	if v, ok := st[a]; ok {
		return stringsOf(v), false
	}
	if v, ok := st[b]; ok {
		return stringsOf(v), true
	}
	return nil, false
}

func stringsOf(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		out := make([]string, 0, len(t))
		for _, e := range t {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

type resourceKinds uint8

const (
	kindBucket resourceKinds = 1 << iota
	kindObject
)

// bucketResourceKind says what a bucket policy's resource names: the
// bucket, its objects, or both (a wildcard over the name). A bucket policy
// may only name its own bucket.
func bucketResourceKind(bucket, r string) (resourceKinds, bool) {
	rest, ok := strings.CutPrefix(r, "arn:aws:s3:::")
	if !ok || rest == "" {
		return 0, false
	}
	name, _, hasKey := strings.Cut(rest, "/")
	if hasKey {
		return kindObject, wildMatch(name, bucket)
	}
	if strings.ContainsAny(name, "*?") {
		if !wildMatch(name, bucket) {
			return 0, false
		}
		return kindBucket | kindObject, true
	}
	return kindBucket, name == bucket
}

// wildMatch matches IAM's * and ? globs.
func wildMatch(pattern, s string) bool {
	for len(pattern) > 0 {
		switch pattern[0] {
		case '*':
			for i := len(s); i >= 0; i-- {
				if wildMatch(pattern[1:], s[i:]) {
					return true
				}
			}
			return false
		case '?':
			if s == "" {
				return false
			}
			pattern, s = pattern[1:], s[1:]
		default:
			if s == "" || pattern[0] != s[0] {
				return false
			}
			pattern, s = pattern[1:], s[1:]
		}
	}
	return s == ""
}

// actionsApply reports whether any action matched by the statement's
// actions applies to a bucket or object resource it names. Actions of other
// services and unknown names are the IAM parser's to judge.
func actionsApply(acts []string, kinds resourceKinds) bool {
	cat := actions.Lookup("s3")
	if cat == nil {
		return true
	}
	for _, a := range acts {
		prefix, name, _ := strings.Cut(a, ":")
		if a == "*" {
			prefix, name = "s3", "*"
		}
		if !strings.EqualFold(prefix, "s3") {
			return true
		}
		for i := range cat.Actions {
			act := &cat.Actions[i]
			if !wildMatch(strings.ToLower(name), strings.ToLower(act.Name)) {
				continue
			}
			for _, r := range act.Resources {
				if (r.Type == "bucket" && kinds&kindBucket != 0) || (r.Type == "object" && kinds&kindObject != 0) {
					return true
				}
			}
		}
	}
	return false
}

// s3PolicyError rewords the IAM parser's refusal in S3's terms.
func s3PolicyError(err error) error {
	e := awserr.As(err)
	switch {
	case strings.Contains(strings.ToLower(e.Message), "principal"):
		return errMalformedPolicy("Invalid principal in policy")
	case strings.Contains(strings.ToLower(e.Message), "action"):
		return errMalformedPolicy("Policy has invalid action")
	case strings.Contains(strings.ToLower(e.Message), "resource"):
		return errMalformedPolicy("Policy has invalid resource")
	case strings.Contains(strings.ToLower(e.Message), "condition"):
		return errMalformedPolicy("Policy has an invalid condition key")
	}
	return errMalformedPolicy("Invalid policy syntax.")
}

// fixingKeys are the condition keys that, set to values without
// wildcards, make a statement granting "*" non-public ("Blocking public
// access", "The meaning of public").
var fixingKeys = map[string]bool{
	"aws:sourceip": true, "aws:sourcearn": true, "aws:sourcevpc": true, "aws:sourcevpce": true,
	"aws:sourceowner": true, "aws:sourceaccount": true, "aws:principalorgid": true,
	"aws:principalaccount": true, "aws:principalarn": true, "aws:userid": true,
	"aws:sourceorgid": true, "aws:principalorgpaths": true, "aws:sourceorgpaths": true,
	"s3:x-amz-server-side-encryption-aws-kms-key-id": true, "s3:dataaccesspointarn": true,
	"s3:dataaccesspointaccount": true,
}

// policyIsPublic applies S3's definition of a public bucket policy: an
// Allow to every principal that no condition pins to known values.
func policyIsPublic(text string) bool {
	var doc map[string]any
	if json.Unmarshal([]byte(text), &doc) != nil {
		return false
	}
	stmts, _ := statementsOf(doc["Statement"])
	for _, st := range stmts {
		if st["Effect"] != "Allow" {
			continue
		}
		if _, ok := st["NotPrincipal"]; !ok && !grantsEveryone(st["Principal"]) {
			continue
		}
		if !pinned(st["Condition"]) {
			return true
		}
	}
	return false
}

func grantsEveryone(p any) bool {
	if p == "*" {
		return true
	}
	m, ok := p.(map[string]any)
	if !ok {
		return false
	}
	for _, v := range stringsOf(m["AWS"]) {
		if v == "*" {
			return true
		}
	}
	return false
}

// pinned reports whether a Condition element pins the caller down with a
// fixing key and wildcard-free values.
func pinned(c any) bool {
	ops, ok := c.(map[string]any)
	if !ok {
		return false
	}
	for op, kv := range ops {
		if strings.HasSuffix(op, "IfExists") {
			continue
		}
		keys, _ := kv.(map[string]any)
		for k, v := range keys {
			if !fixingKeys[strings.ToLower(k)] {
				continue
			}
			vals := stringsOf(v)
			open := len(vals) == 0
			for _, s := range vals {
				if strings.ContainsAny(s, "*?") || s == "0.0.0.0/0" || s == "::/0" {
					open = true
				}
			}
			if !open {
				return true
			}
		}
	}
	return false
}
