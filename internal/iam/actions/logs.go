package actions

import "strings"

// CloudWatch Logs names log groups by logGroupName (the generic rule) or
// logGroupIdentifier: a name or an ARN, which may end in ":*".
func logsResource(r *resolver, rt *ResourceType) ([]string, bool) {
	if rt.Name != "log-group" {
		return nil, false
	}
	id, _ := r.Input["logGroupIdentifier"].(string)
	if id == "" {
		return nil, false
	}
	if strings.HasPrefix(id, "arn:") {
		return []string{strings.TrimSuffix(id, ":*")}, true
	}
	return []string{r.arn("logs", "", "", "log-group:"+id)}, true
}
