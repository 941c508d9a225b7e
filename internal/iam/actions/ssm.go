package actions

import (
	"strconv"
	"strings"
)

// Systems Manager names parameters by Name (a name, a name:version or
// name:label selector, or an ARN), by Names, by Path, or, in the tagging
// calls, by ResourceType "Parameter" and ResourceId. The ARN drops the
// name's leading slash ("/app/db" is parameter/app/db), and AWS's public
// parameters under /aws/service/ belong to no account: their ARNs have an
// empty account field.
func ssmResource(r *resolver, rt *ResourceType) ([]string, bool) {
	if rt.Name != "parameter" {
		if t, _ := r.Input["ResourceType"].(string); t == "Parameter" {
			return notApplicable, true
		}
		return nil, false
	}
	var names []string
	if t, ok := r.Input["ResourceType"].(string); ok {
		if t != "Parameter" {
			return notApplicable, true
		}
		names = strings1(r.Input["ResourceId"])
	}
	names = append(names, strings1(r.Input["Name"])...)
	names = append(names, strings1(r.Input["Names"])...)
	names = append(names, strings1(r.Input["Path"])...)
	if len(names) == 0 {
		return nil, true
	}
	out := make([]string, 0, len(names))
	for _, n := range names {
		out = append(out, r.ssmParameterARN(n))
	}
	return out, true
}

func (r *resolver) ssmParameterARN(name string) string {
	if strings.HasPrefix(name, "arn:") {
		if i := strings.LastIndexByte(name, ':'); i > 0 && !strings.Contains(name[i:], "/") {
			// parameter ARNs carry no colon after "parameter/": a trailing
			// ":x" is a version or label selector.
			if j := strings.Index(name, ":parameter"); j >= 0 && i > j {
				name = name[:i]
			}
		}
		return name
	}
	if i := strings.IndexByte(name, ':'); i >= 0 {
		name = name[:i]
	}
	account := r.Account
	if name == "/aws/service" || strings.HasPrefix(name, "/aws/service/") {
		account = ""
	}
	return "arn:" + r.Partition + ":ssm:" + r.Region + ":" + account + ":parameter/" + strings.TrimPrefix(name, "/")
}

func ssmContext(r *resolver, c contextBuilder) {
	for _, k := range [...][2]string{{"ssm:Overwrite", "Overwrite"}, {"ssm:Recursive", "Recursive"}} {
		if b, ok := r.Input[k[1]].(bool); ok {
			c.set(k[0], strconv.FormatBool(b))
		}
	}
	c.str("ssm:Policies", r.Input, "Policies")
}
