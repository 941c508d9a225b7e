package iam

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"hakoniwa/internal/iam/policy"

	iamapi "hakoniwa/internal/api/iam"
)

// maxRenderedPolicy is the size limit of a rendered delegation policy
// ("Policy templates": 2,048 characters).
const maxRenderedPolicy = 2048

// placeholder is a template parameter reference: @{name}.
var placeholder = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`@\{([^{}]*)\}`) })

// renderedPermissions is a request's permissions, validated.
type renderedPermissions struct {
	template   string
	args       []delegationArg
	policy     string
	boundaries []string
}

// renderPermissions resolves the template (a managed policy the caller's
// account can use), substitutes the parameters and checks the result is an
// identity policy IAM accepts.
func (a *acct) renderPermissions(p *iamapi.DelegationPermission) (renderedPermissions, error) {
	if p == nil || p.PolicyTemplateArn == nil {
		return renderedPermissions{}, invalidInput("Permissions must name a PolicyTemplateArn.")
	}
	tmplARN := *p.PolicyTemplateArn
	r, err := a.policy(tmplARN, func(arn string) error { return invalidInput("Policy template %s does not exist.", arn) })
	if err != nil {
		return renderedPermissions{}, err
	}
	_, tmpl := r.defaultDocument()
	args, err := delegationArgs(p.Parameters)
	if err != nil {
		return renderedPermissions{}, err
	}
	doc, err := renderTemplate(tmpl, args)
	if err != nil {
		return renderedPermissions{}, err
	}
	if len(doc) > maxRenderedPolicy {
		return renderedPermissions{}, invalidInput("The rendered delegation policy is %d characters; the maximum is %d.", len(doc), maxRenderedPolicy)
	}
	if _, err := policy.Parse(doc, policy.Session); err != nil {
		return renderedPermissions{}, invalidInput("The rendered delegation policy is not valid: %s", err.Error())
	}
	return renderedPermissions{template: tmplARN, args: args, policy: doc, boundaries: boundaryARNs(doc)}, nil
}

// delegationArgs validates the parameters: unique names, a type, and one
// value for a string, at least one for a stringList.
func delegationArgs(params []iamapi.PolicyParameter) ([]delegationArg, error) {
	var out []delegationArg
	seen := map[string]bool{}
	for _, p := range params {
		name, typ := deref(p.Name), deref(p.Type)
		if seen[name] {
			return nil, invalidInput("Policy parameter %s is given more than once.", name)
		}
		seen[name] = true
		switch {
		case typ == "":
			return nil, invalidInput("Policy parameter %s has no Type.", name)
		case typ == "string" && len(p.Values) != 1:
			return nil, invalidInput("Policy parameter %s of type string must have exactly one value.", name)
		case len(p.Values) == 0:
			return nil, invalidInput("Policy parameter %s has no values.", name)
		}
		out = append(out, delegationArg{Name: name, Type: typ, Values: slices.Clone(p.Values)})
	}
	return out, nil
}

// renderTemplate substitutes @{name} in the template's string values,
// keeping the template's text otherwise as written. A string naming a
// stringList parameter becomes one string per value (an array where a lone
// string stood). Every placeholder needs a parameter and every parameter
// must be used.
func renderTemplate(tmpl string, args []delegationArg) (string, error) {
	if !json.Valid([]byte(tmpl)) {
		return "", invalidInput("The policy template is not valid JSON.")
	}
	values := map[string][]string{}
	for _, a := range args {
		values[a.Name] = a.Values
	}
	used := map[string]bool{}
	var out strings.Builder
	var stack []byte // the open brackets around the cursor
	for i := 0; i < len(tmpl); i++ {
		c := tmpl[i]
		switch c {
		case '[', '{':
			stack = append(stack, c)
		case ']', '}':
			stack = stack[:len(stack)-1]
		case '"':
			end := stringEnd(tmpl, i)
			lit := tmpl[i:end]
			isKey := strings.HasPrefix(strings.TrimLeft(tmpl[end:], " \t\r\n"), ":")
			if !isKey && strings.Contains(lit, "@{") {
				var raw string
				json.Unmarshal([]byte(lit), &raw) // valid: the document is
				got, err := expandPlaceholders(raw, values, used)
				if err != nil {
					return "", err
				}
				inArray := len(stack) > 0 && stack[len(stack)-1] == '['
				lit = encodeStrings(got, inArray)
			}
			out.WriteString(lit)
			i = end - 1
			continue
		}
		out.WriteByte(c)
	}
	for _, a := range args {
		if !used[a.Name] {
			return "", invalidInput("Policy parameter %s is not used by the policy template.", a.Name)
		}
	}
	return out.String(), nil
}

// stringEnd is the index just past the JSON string literal at s[i].
func stringEnd(s string, i int) int {
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(s)
}

// expandPlaceholders substitutes every @{name} of s; a parameter with
// several values multiplies the result.
func expandPlaceholders(s string, values map[string][]string, used map[string]bool) ([]string, error) {
	out := []string{""}
	last := 0
	for _, m := range placeholder().FindAllStringSubmatchIndex(s, -1) {
		name := s[m[2]:m[3]]
		vals, ok := values[name]
		if !ok {
			return nil, invalidInput("The policy template uses parameter %s, which the request does not give.", name)
		}
		used[name] = true
		var next []string
		for _, prefix := range out {
			for _, v := range vals {
				next = append(next, prefix+s[last:m[0]]+v)
			}
		}
		out, last = next, m[1]
	}
	for i := range out {
		out[i] += s[last:]
	}
	return out, nil
}

// encodeStrings writes values as JSON: a lone string, the elements of the
// array it stands in, or an array of its own.
func encodeStrings(vals []string, inArray bool) string {
	quoted := make([]string, len(vals))
	for i, v := range vals {
		quoted[i] = jsonString(v)
	}
	if len(vals) == 1 || inArray {
		return strings.Join(quoted, ",")
	}
	return "[" + strings.Join(quoted, ",") + "]"
}

// statement is a policy statement as the summary reads it.
type statement struct {
	Effect    string
	Action    stringOrList
	NotAction stringOrList
	Resource  stringOrList
	Condition map[string]map[string]stringOrList
}

type stringOrList []string

func (s *stringOrList) UnmarshalJSON(b []byte) error {
	var one string
	if json.Unmarshal(b, &one) == nil {
		*s = []string{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*s = many
	return nil
}

func parseStatements(doc string) []statement {
	var p struct {
		Statement json.RawMessage
	}
	if json.Unmarshal([]byte(doc), &p) != nil {
		return nil
	}
	var list []statement
	if json.Unmarshal(p.Statement, &list) != nil {
		var one statement
		if json.Unmarshal(p.Statement, &one) != nil {
			return nil
		}
		list = []statement{one}
	}
	return list
}

// boundaryARNs are the permissions boundaries a policy requires on the
// roles it lets the partner create (iam:PermissionsBoundary conditions).
func boundaryARNs(doc string) []string {
	var out []string
	for _, st := range parseStatements(doc) {
		for _, keys := range st.Condition {
			for k, vals := range keys {
				if strings.EqualFold(k, "iam:PermissionsBoundary") {
					out = append(out, vals...)
				}
			}
		}
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// delegationSummary is GetHumanReadableSummary's text: AWS has a language
// model write it; hakoniwa renders the same facts deterministically.
func delegationSummary(d *delegation) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Account %s requests temporary access", d.RequestorAccount)
	if d.OwnerAccount != "" {
		fmt.Fprintf(&b, " to account %s", d.OwnerAccount)
	}
	fmt.Fprintf(&b, " for %s, starting when the exchange token is sent.", duration(d.SessionDuration))
	if d.Description != "" {
		fmt.Fprintf(&b, " Purpose: %s", strings.TrimSpace(d.Description))
		if !strings.HasSuffix(b.String(), ".") {
			b.WriteByte('.')
		}
	}
	for i, st := range parseStatements(d.Policy) {
		fmt.Fprintf(&b, "\n%d. %s", i+1, describeStatement(st))
	}
	return b.String()
}

func describeStatement(st statement) string {
	verb := "Allows"
	if strings.EqualFold(st.Effect, "Deny") {
		verb = "Denies"
	}
	var b strings.Builder
	if len(st.NotAction) > 0 {
		fmt.Fprintf(&b, "%s every action except %s", verb, strings.Join(st.NotAction, ", "))
	} else {
		fmt.Fprintf(&b, "%s %s", verb, strings.Join(st.Action, ", "))
	}
	res := strings.Join(st.Resource, ", ")
	if res == "" || res == "*" {
		res = "all resources"
	}
	fmt.Fprintf(&b, " on %s", res)
	var conds []string
	for op, keys := range st.Condition {
		for k, vals := range keys {
			conds = append(conds, fmt.Sprintf("%s %s %s", k, op, strings.Join(vals, ", ")))
		}
	}
	sort.Strings(conds)
	if len(conds) > 0 {
		fmt.Fprintf(&b, " when %s", strings.Join(conds, " and "))
	}
	b.WriteByte('.')
	return b.String()
}

func duration(seconds int64) string {
	d := time.Duration(seconds) * time.Second
	h, m := int(d.Hours()), int(d.Minutes())%60
	switch {
	case h > 0 && m > 0:
		return fmt.Sprintf("%d hours %d minutes", h, m)
	case h == 1:
		return "1 hour"
	case h > 0:
		return fmt.Sprintf("%d hours", h)
	}
	return fmt.Sprintf("%d minutes", m)
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
