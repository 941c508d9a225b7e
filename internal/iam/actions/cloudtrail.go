package actions

import "strings"

// CloudTrail names trails by Name, TrailName or trailNameList (names or
// ARNs; ARNs go through the generic rule) and event data stores,
// channels and dashboards by id or ARN.
func cloudtrailBind(r *resolver, resourceType, ph string) ([]string, bool) {
	names := func(ms ...string) ([]string, bool) {
		for _, m := range ms {
			var out []string
			for _, v := range strings1(r.Input[m]) {
				if !strings.HasPrefix(v, "arn:") {
					out = append(out, v)
				}
			}
			if out != nil {
				return out, true
			}
		}
		return nil, true
	}
	switch ph {
	case "TrailName":
		return names("Name", "TrailName", "trailNameList")
	case "EventDataStoreId":
		return names("EventDataStore")
	case "ChannelId":
		return names("Channel")
	case "DashboardName":
		return names("DashboardId", "Name")
	}
	return nil, false
}

// trailInsightsMetricData: LookupEvents always, and ListInsightsData on
// the trail when the request names one.
func trailInsightsMetricData(r *resolver) ([]Check, error) {
	if err := r.add("cloudtrail:LookupEvents", nil); err != nil {
		return nil, err
	}
	if _, ok := r.Input["TrailName"]; ok {
		return r.checksOf("cloudtrail:ListInsightsData")
	}
	return r.checks, nil
}
