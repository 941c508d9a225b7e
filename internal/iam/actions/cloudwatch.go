package actions

// CloudWatch names insight rules by RuleName(s) and metric streams by
// Name(s); alarms and dashboards follow the generic rule (AlarmNames).
func cloudwatchBind(r *resolver, resourceType, ph string) ([]string, bool) {
	switch ph {
	case "InsightRuleName":
		for _, m := range []string{"RuleName", "RuleNames"} {
			if v := strings1(r.Input[m]); v != nil {
				return v, true
			}
		}
		return nil, true
	case "MetricStreamName":
		for _, m := range []string{"Name", "Names"} {
			if v := strings1(r.Input[m]); v != nil {
				return v, true
			}
		}
		return nil, true
	}
	return nil, false
}
