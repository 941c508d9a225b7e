package actions

import (
	"sort"
	"strings"
)

// A template is an ARN pattern of the reference:
// "arn:${Partition}:iam::${Account}:user/${UserNameWithPath}". Its parts
// alternate literal text and placeholder names.
type part struct {
	text        string
	placeholder bool
}

func parseTemplate(t string) []part {
	var parts []part
	for t != "" {
		i := strings.Index(t, "${")
		if i < 0 {
			parts = append(parts, part{text: t})
			break
		}
		if i > 0 {
			parts = append(parts, part{text: t[:i]})
		}
		j := strings.IndexByte(t[i:], '}')
		if j < 0 {
			parts = append(parts, part{text: t[i:]})
			break
		}
		parts = append(parts, part{text: t[i+2 : i+j], placeholder: true})
		t = t[i+j+1:]
	}
	return parts
}

// spansSegments reports whether a placeholder's value may contain '/' or
// ':' (IAM paths, S3 keys).
func spansSegments(name string) bool {
	return strings.HasSuffix(name, "WithPath") || name == "ObjectName" || name == "EntityPath"
}

// matchTemplate reports whether arn is an instance of template.
func matchTemplate(parts []part, arn string) bool {
	for i, p := range parts {
		if !p.placeholder {
			if !strings.HasPrefix(arn, p.text) {
				return false
			}
			arn = arn[len(p.text):]
			continue
		}
		var v string
		if i+1 == len(parts) {
			v, arn = arn, ""
		} else {
			next := parts[i+1].text
			k := strings.Index(arn, next)
			if k < 0 {
				return false
			}
			v, arn = arn[:k], arn[k:]
		}
		switch p.text {
		case "Partition":
			if v == "" {
				return false
			}
		case "Region", "Account":
			if strings.ContainsAny(v, ":/") {
				return false
			}
		default:
			if v == "" || (!spansSegments(p.text) && strings.ContainsAny(v, ":/")) {
				return false
			}
		}
	}
	return arn == ""
}

// genericPlaceholders are too vague to bind to a member of the same name
// without a service's own rule (route53's ${Id} is a zone's, a change's or
// a health check's id depending on the resource type).
var genericPlaceholders = map[string]bool{
	"Id": true, "Name": true, "Token": true, "UUID": true, "Version": true,
	"Alias": true, "Operation": true, "ConfigId": true, "LayerVersion": true,
}

// fill builds the ARNs of one resource type from the request, or returns
// nil when the request does not identify the resource.
func (r *resolver) fill(prefix string, rt *ResourceType, bind binder) []string {
	if rf := resourceFuncs[prefix]; rf != nil {
		if arns, ok := rf(r, rt); ok {
			return arns
		}
	}
	parts := parseTemplate(rt.ARN)
	// An ARN in the input that already is of this type wins: it carries
	// the resource's own account, region and path.
	if arns := r.inputARNs(parts); len(arns) > 0 {
		return arns
	}
	results := []string{""}
	for _, p := range parts {
		var vals []string
		switch {
		case !p.placeholder:
			vals = []string{p.text}
		case p.text == "Partition":
			vals = []string{r.Partition}
		case p.text == "Region":
			vals = []string{r.Region}
		case p.text == "Account":
			vals = []string{r.Account}
		default:
			ok := false
			if bind != nil {
				vals, ok = bind(rt.Name, p.text)
			}
			if !ok {
				if sb := serviceBinders[prefix]; sb != nil {
					vals, ok = sb(r, rt.Name, p.text)
				}
			}
			if !ok {
				vals = r.generic(rt.Name, p.text)
			}
			if len(vals) == 0 {
				return vals // nil: not identified; notApplicable: not involved
			}
		}
		if len(vals) == 1 {
			for i := range results {
				results[i] += vals[0]
			}
			continue
		}
		next := make([]string, 0, len(results)*len(vals))
		for _, prefix := range results {
			for _, v := range vals {
				next = append(next, prefix+v)
			}
		}
		results = next
	}
	return results
}

// inputARNs returns the top-level input strings (or string lists) that
// are ARNs of the template, sorted.
func (r *resolver) inputARNs(parts []part) []string {
	var out []string
	for _, v := range r.Input {
		switch t := v.(type) {
		case string:
			if strings.HasPrefix(t, "arn:") && matchTemplate(parts, t) {
				out = append(out, t)
			}
		case []any:
			for _, e := range t {
				if s, ok := e.(string); ok && strings.HasPrefix(s, "arn:") && matchTemplate(parts, s) {
					out = append(out, s)
				}
			}
		}
	}
	if len(out) > 1 {
		sort.Strings(out)
		out = compact(out)
	}
	return out
}

func compact(s []string) []string {
	j := 0
	for i, v := range s {
		if i == 0 || v != s[j-1] {
			s[j] = v
			j++
		}
	}
	return s[:j]
}

// generic binds a placeholder to the input member of the same name, or
// its plural list: ${InstanceId} ← InstanceId or InstanceIds.
// ${XNameWithPath} ← XName, with the entity's path.
func (r *resolver) generic(resourceType, ph string) []string {
	base, withPath := strings.CutSuffix(ph, "WithPath")
	if genericPlaceholders[base] {
		return nil
	}
	vals := strings1(member(r.Input, base))
	if vals == nil {
		vals = strings1(member(r.Input, base+"s"))
	}
	if vals == nil || !withPath {
		return vals
	}
	out := make([]string, len(vals))
	for i, name := range vals {
		out[i] = r.pathOf(resourceType, name) + name
	}
	return out
}

// pathOf returns an IAM entity's path without its leading "/": the
// input's Path on a create, else what the Paths hook knows, else the
// default path.
func (r *resolver) pathOf(kind, name string) string {
	p, _ := r.Input["Path"].(string)
	if p == "" && r.Paths != nil {
		p = r.Paths(kind, name)
	}
	return strings.TrimPrefix(p, "/")
}

// member returns the input member called name, matched exactly first and
// then case-insensitively (CloudWatch Logs spells members logGroupName).
func member(in map[string]any, name string) any {
	if v, ok := in[name]; ok {
		return v
	}
	for k, v := range in {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return nil
}

// splitARN returns an ARN's service, region, account and resource parts.
func splitARN(arn string) (service, region, account, resource string, ok bool) {
	f := strings.SplitN(arn, ":", 6)
	if len(f) != 6 || f[0] != "arn" {
		return "", "", "", "", false
	}
	return f[2], f[3], f[4], f[5], true
}
