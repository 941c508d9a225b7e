package actions

import "strings"

// SNS: topics by TopicArn (the generic ARN rule) or, on create, Name; a
// subscription's ARN is its topic's ARN plus ":<id>", and subscription
// calls are authorized on the topic.
func snsResource(r *resolver, rt *ResourceType) ([]string, bool) {
	if rt.Name != "topic" {
		return nil, false
	}
	if _, ok := r.Input["TopicArn"]; ok {
		return nil, false
	}
	if s, _ := r.Input["SubscriptionArn"].(string); s != "" {
		if _, _, _, res, ok := splitARN(s); ok && strings.Count(res, ":") == 1 {
			return []string{s[:strings.LastIndexByte(s, ':')]}, true
		}
		return nil, true
	}
	return nil, false
}

// snsBind: CreateTopic names its topic by Name.
func snsBind(r *resolver, resourceType, ph string) ([]string, bool) {
	if ph == "TopicName" && r.Operation == "CreateTopic" {
		return strings1(r.Input["Name"]), true
	}
	return nil, false
}

// snsContext: Subscribe's protocol and endpoint.
func snsContext(r *resolver, c contextBuilder) {
	c.str("sns:Protocol", r.Input, "Protocol")
	c.str("sns:Endpoint", r.Input, "Endpoint")
}
