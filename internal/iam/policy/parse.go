package policy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"

	"hakoniwa/internal/awserr"
)

// Parse validates doc as a policy of the given kind and compiles it.
// Failures are *awserr.Error with code MalformedPolicyDocument.
//
// Checks run in the order IAM applies them, because a document with several
// faults gets the first one's reason: syntax, version, legacy parsing, Sid
// uniqueness, actions present, resources present, resource format, action
// vendor prefixes, then the principal rules of the kind.
func Parse(doc string, kind Kind) (*Policy, error) {
	raw, ok := decode(doc)
	if !ok {
		if kind == Trust {
			return nil, malformed(msgTrustJSON)
		}
		return nil, malformed(msgSyntax)
	}
	stmts, ok := checkSyntax(raw)
	if !ok {
		return nil, malformed(msgSyntax)
	}
	version, _ := raw["Version"].(string)
	if kind == Managed && version != Version2012 {
		return nil, malformed(msgVersion)
	}
	if kind.principalForbidden() {
		for _, st := range stmts {
			if has(st, "Principal") || has(st, "NotPrincipal") {
				return nil, malformed(msgNoPrincipalAllowed)
			}
		}
	}
	if !legacyParse(stmts) {
		return nil, malformed(msgLegacy)
	}
	sids := map[string]bool{}
	for _, st := range stmts {
		if sid, _ := st["Sid"].(string); sid != "" {
			if sids[sid] {
				return nil, malformed(msgSidUnique)
			}
			sids[sid] = true
		}
	}
	for _, st := range stmts {
		if len(stringList(st, "Action", "NotAction")) == 0 {
			return nil, malformed(msgNoActions)
		}
	}
	if kind == Trust {
		for _, st := range stmts {
			if has(st, "Resource") || has(st, "NotResource") {
				return nil, malformed(msgProhibitedResource)
			}
		}
	} else {
		for _, st := range stmts {
			if len(stringList(st, "Resource", "NotResource")) == 0 {
				return nil, malformed(msgNoResources)
			}
		}
	}
	for _, st := range stmts {
		for _, r := range stringList(st, "Resource", "NotResource") {
			if msg := checkResourceFormat(r); msg != "" {
				return nil, malformed(msg)
			}
		}
	}
	for _, st := range stmts {
		for _, a := range stringList(st, "Action", "NotAction") {
			if msg := checkAction(a); msg != "" {
				return nil, malformed(msg)
			}
		}
	}
	if kind == Trust {
		for _, st := range stmts {
			for _, a := range stringList(st, "Action", "NotAction") {
				if !trustAction(a) {
					return nil, malformed(msgTrustActions)
				}
			}
		}
	}
	if kind == Resource || kind == Trust {
		for _, st := range stmts {
			if !has(st, "Principal") && !has(st, "NotPrincipal") {
				return nil, malformed(msgMissingPrincipal)
			}
		}
	}

	p := &Policy{Version: version, Kind: kind}
	p.ID, _ = raw["Id"].(string)
	vars := version == Version2012
	for _, st := range stmts {
		s, err := compileStatement(st, vars)
		if err != nil {
			return nil, err
		}
		p.Statements = append(p.Statements, s)
	}
	return p, nil
}

// MustParse is Parse for documents known to be valid (AWS managed policies
// embedded in the binary, tests); it panics on an invalid one.
func MustParse(doc string, kind Kind) *Policy {
	p, err := Parse(doc, kind)
	if err != nil {
		panic(err)
	}
	return p
}

// decode reads exactly one JSON object. Numbers stay json.Number so a
// condition value like 10.50 keeps its spelling.
func decode(doc string) (map[string]any, bool) {
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, false
	}
	if strings.TrimSpace(doc[dec.InputOffset():]) != "" {
		return nil, false // trailing data after the document
	}
	m, ok := v.(map[string]any)
	return m, ok
}

var (
	topElements  = map[string]bool{"Version": true, "Id": true, "Statement": true}
	stmtElements = map[string]bool{
		"Sid": true, "Effect": true, "Action": true, "NotAction": true,
		"Resource": true, "NotResource": true, "Principal": true,
		"NotPrincipal": true, "Condition": true,
	}
)

// checkSyntax is IAM's grammar check: everything it rejects here is
// "Syntax errors in policy.".
func checkSyntax(raw map[string]any) ([]map[string]any, bool) {
	for k := range raw {
		if !topElements[k] {
			return nil, false
		}
	}
	if v, ok := raw["Version"]; ok {
		s, isStr := v.(string)
		if !isStr || (s != Version2012 && s != Version2008) {
			return nil, false
		}
	}
	if v, ok := raw["Id"]; ok {
		if _, isStr := v.(string); !isStr {
			return nil, false
		}
	}
	var stmts []map[string]any
	switch v := raw["Statement"].(type) {
	case map[string]any:
		stmts = []map[string]any{v}
	case []any:
		for _, e := range v {
			m, ok := e.(map[string]any)
			if !ok {
				return nil, false
			}
			stmts = append(stmts, m)
		}
	default:
		return nil, false
	}
	if len(stmts) == 0 {
		return nil, false
	}
	for _, st := range stmts {
		if !statementSyntax(st) {
			return nil, false
		}
	}
	return stmts, true
}

func statementSyntax(st map[string]any) bool {
	for k := range st {
		if !stmtElements[k] {
			return false
		}
	}
	if (has(st, "Action") && has(st, "NotAction")) ||
		(has(st, "Resource") && has(st, "NotResource")) ||
		(has(st, "Principal") && has(st, "NotPrincipal")) {
		return false
	}
	// Effect is matched case-insensitively here; the exact spelling is
	// the legacy parser's business (AWS answers "denY" with a legacy
	// parsing failure, not a syntax error).
	eff, ok := st["Effect"].(string)
	if !ok || (!strings.EqualFold(eff, "Allow") && !strings.EqualFold(eff, "Deny")) {
		return false
	}
	if v, ok := st["Sid"]; ok {
		if _, isStr := v.(string); !isStr {
			return false
		}
	}
	for _, k := range []string{"Action", "NotAction", "Resource", "NotResource"} {
		if v, ok := st[k]; ok && !isStringOrList(v) {
			return false
		}
	}
	for _, k := range []string{"Principal", "NotPrincipal"} {
		if v, ok := st[k]; ok && !principalSyntax(v) {
			return false
		}
	}
	if v, ok := st["Condition"]; ok {
		block, isObj := v.(map[string]any)
		if !isObj {
			return false
		}
		for op, kv := range block {
			keys, isObj := kv.(map[string]any)
			if !isObj {
				return false
			}
			if _, known := parseOperator(op); !known && len(keys) > 0 {
				return false
			}
			for _, val := range keys {
				if !conditionValueSyntax(val) {
					return false
				}
			}
		}
	}
	return true
}

func principalSyntax(v any) bool {
	switch p := v.(type) {
	case string:
		return p == "*"
	case map[string]any:
		for k, val := range p {
			switch k {
			case "AWS", "Service", "Federated", "CanonicalUser":
			default:
				return false
			}
			if !isStringOrList(val) {
				return false
			}
		}
		return true
	}
	return false
}

func conditionValueSyntax(v any) bool {
	switch x := v.(type) {
	case string, bool, json.Number:
		return true
	case []any:
		for _, e := range x {
			switch e.(type) {
			case string, bool, json.Number:
			default:
				return false
			}
		}
		return true
	}
	return false
}

func isStringOrList(v any) bool {
	switch x := v.(type) {
	case string:
		return true
	case []any:
		for _, e := range x {
			if _, ok := e.(string); !ok {
				return false
			}
		}
		return true
	}
	return false
}

func has(st map[string]any, k string) bool {
	_, ok := st[k]
	return ok
}

// stringList returns the values of whichever of the two (mutually
// exclusive) elements is present.
func stringList(st map[string]any, a, b string) []string {
	v, ok := st[a]
	if !ok {
		v = st[b]
	}
	return toStrings(v)
}

func toStrings(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			switch s := e.(type) {
			case string:
				out = append(out, s)
			case bool:
				out = append(out, fmt.Sprint(s))
			case json.Number:
				out = append(out, s.String())
			}
		}
		return out
	case bool:
		return []string{fmt.Sprint(x)}
	case json.Number:
		return []string{x.String()}
	}
	return nil
}

// legacyParse reproduces the checks IAM's older parser still applies: exact
// Effect spelling, parseable date condition values, and ARNs that are not
// truncated in the middle ("arn:aws:s3::bucket").
func legacyParse(stmts []map[string]any) bool {
	for _, st := range stmts {
		if e := st["Effect"].(string); e != "Allow" && e != "Deny" {
			return false
		}
		if block, ok := st["Condition"].(map[string]any); ok {
			for op, kv := range block {
				info, known := parseOperator(op)
				if !known || info.base != opDate {
					continue
				}
				for _, val := range kv.(map[string]any) {
					for _, s := range toStrings(val) {
						if _, ok := parseDate(s); !ok {
							return false
						}
					}
				}
			}
		}
		for _, r := range stringList(st, "Resource", "NotResource") {
			if r == "*" || checkResourceFormat(r) != "" {
				continue
			}
			parts := strings.Split(r, ":")
			if strings.Contains(r, "::") && len(parts) < 6 {
				return false
			}
			if len(parts) > 2 && parts[2] == "" {
				return false
			}
		}
	}
	return true
}

var partitions = map[string]bool{
	"aws": true, "aws-cn": true, "aws-us-gov": true, "aws-iso": true,
	"aws-iso-b": true, "aws-iso-e": true, "aws-iso-f": true, "aws-eusc": true,
	"*": true,
}

var iamPathPrefixes = []string{
	"user/", "federated-user/", "role/", "group/", "instance-profile/", "mfa/",
	"server-certificate/", "policy/", "sms-mfa/", "saml-provider/",
	"oidc-provider/", "report/", "access-report/",
}

// checkResourceFormat returns IAM's complaint about a Resource value, or "".
func checkResourceFormat(r string) string {
	if r == "*" {
		return ""
	}
	_, rest, ok := strings.Cut(r, ":")
	if !ok {
		return fmt.Sprintf("Resource %s must be in ARN format or \"*\".", r)
	}
	partition, rest, hasService := strings.Cut(rest, ":")
	if !partitions[partition] {
		// IAM echoes the resource normalised to six fields, padding
		// missing ones with "*".
		p := strings.Split(rest, ":")
		field := func(i int) string {
			if i < len(p) {
				return p[i]
			}
			return "*"
		}
		a1 := field(0)
		if !hasService || (a1 == "" && len(p) == 1) {
			a1 = "*"
		}
		a4 := "*"
		if len(p) > 3 {
			a4 = strings.Join(p[3:], ":")
		}
		return fmt.Sprintf("Partition %q is not valid for resource \"arn:%s:%s:%s:%s:%s\".", partition, partition, a1, field(1), field(2), a4)
	}
	if !hasService {
		return msgResourceVendor
	}
	service, rest, _ := strings.Cut(rest, ":")
	region, rest, _ := strings.Cut(rest, ":")
	_, resource, _ := strings.Cut(rest, ":")
	switch service {
	case "iam":
		if region != "" {
			return fmt.Sprintf("IAM resource %s cannot contain region information.", r)
		}
		for _, pre := range iamPathPrefixes {
			if strings.HasPrefix(resource, pre) {
				return ""
			}
		}
		if resource != "*" && resource != "" && !strings.HasPrefix(resource, "*") {
			return msgIAMPath
		}
	case "s3":
		if region != "" && !strings.HasPrefix(resource, "accesspoint/") && !strings.HasPrefix(resource, "job/") && !strings.HasPrefix(resource, "storage-lens/") {
			return fmt.Sprintf("Resource %s can not contain region information.", r)
		}
	}
	return ""
}

var vendorRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-zA-Z0-9\-.]*$`) })

func checkAction(a string) string {
	if a == "*" {
		return ""
	}
	parts := strings.Split(a, ":")
	switch {
	case len(parts) == 1:
		return msgVendor
	case len(parts) > 2:
		return msgOneColon
	case !vendorRE().MatchString(parts[0]):
		return fmt.Sprintf("Vendor %s is not valid", parts[0])
	}
	return ""
}

// trustActions are what a role trust policy may grant.
var trustActions = []string{
	"sts:assumerole", "sts:assumerolewithsaml", "sts:assumerolewithwebidentity",
	"sts:tagsession", "sts:setsourceidentity", "sts:setcontext",
}

func trustAction(a string) bool {
	la := strings.ToLower(a)
	if !strings.HasPrefix(la, "sts:") {
		return false
	}
	for _, t := range trustActions {
		if globMatch(la, t) {
			return true
		}
	}
	return false
}

func compileStatement(st map[string]any, vars bool) (*Statement, error) {
	s := &Statement{Effect: Effect(st["Effect"].(string))}
	s.Sid, _ = st["Sid"].(string)

	s.notAction = has(st, "NotAction")
	for _, a := range stringList(st, "Action", "NotAction") {
		s.actions = append(s.actions, escapeLiteralNUL(strings.ToLower(a)))
	}

	if has(st, "Resource") || has(st, "NotResource") {
		s.hasResource = true
		s.notResource = has(st, "NotResource")
		for _, r := range stringList(st, "Resource", "NotResource") {
			s.resources = append(s.resources, compileTemplate(r, vars))
		}
	}

	if v, ok := st["Principal"]; ok {
		s.hasPrincipal = true
		ps, err := compilePrincipals(v)
		if err != nil {
			return nil, err
		}
		s.principals = ps
	} else if v, ok := st["NotPrincipal"]; ok {
		s.hasPrincipal, s.notPrincipal = true, true
		ps, err := compilePrincipals(v)
		if err != nil {
			return nil, err
		}
		s.principals = ps
	}

	if block, ok := st["Condition"].(map[string]any); ok {
		conds, err := compileConditions(block, vars)
		if err != nil {
			return nil, err
		}
		s.conditions = conds
	}
	return s, nil
}

// invalidPrincipal is IAM's answer to a principal it cannot make sense of.
func invalidPrincipal(kind, value string) *awserr.Error {
	return awserr.New(http.StatusBadRequest, "MalformedPolicyDocument", msgInvalidPrincipalFmt, strings.ToUpper(kind), value)
}

// escapeLiteralNUL keeps a NUL in a policy string from being read as the
// glob escape byte.
func escapeLiteralNUL(s string) string {
	if !strings.ContainsRune(s, 0) {
		return s
	}
	var b bytes.Buffer
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			b.WriteByte(0)
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
