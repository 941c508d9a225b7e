package actions

import "strings"

// Route 53 ids are "Z123" or "/hostedzone/Z123"; which member holds the
// id depends on the resource type. ChangeTagsForResource and
// ListTagsForResource name the type in ResourceType, and the other type
// does not apply.
func route53Bind(r *resolver, resourceType, ph string) ([]string, bool) {
	if ph == "VpcId" {
		// The VPC of a zone association lives in its own region.
		v, _ := r.Input["VPC"].(map[string]any)
		id, _ := v["VPCId"].(string)
		if reg, _ := v["VPCRegion"].(string); id != "" && reg == r.Region {
			return []string{id}, true
		}
		return nil, true
	}
	if ph != "Id" {
		return nil, false
	}
	if t, _ := r.Input["ResourceType"].(string); t != "" {
		if t != resourceType {
			return notApplicable, true
		}
		return route53IDs(r.Input["ResourceId"], resourceType), true
	}
	members := map[string][]string{
		"hostedzone":            {"HostedZoneId", "Id"},
		"healthcheck":           {"HealthCheckId"},
		"change":                {"Id"},
		"delegationset":         {"DelegationSetId", "Id"},
		"trafficpolicy":         {"Id", "TrafficPolicyId"},
		"trafficpolicyinstance": {"Id"},
		"queryloggingconfig":    {"Id"},
		"cidrcollection":        {"Id", "CollectionId"},
	}[resourceType]
	for _, m := range members {
		if ids := route53IDs(r.Input[m], resourceType); ids != nil {
			return ids, true
		}
	}
	return nil, true
}

// route53IDs strips the "/<type>/" prefix Route 53 returns ids with.
func route53IDs(v any, resourceType string) []string {
	ids := strings1(v)
	for i, id := range ids {
		ids[i] = strings.TrimPrefix(id, "/"+resourceType+"/")
	}
	return ids
}
