package actions

import (
	"net/url"
	"strings"
)

// SQS names queues by URL (http://host/<account>/<name>) or, on create
// and GetQueueUrl, by name with an optional owner account.
func sqsResource(r *resolver, rt *ResourceType) ([]string, bool) {
	if rt.Name != "queue" {
		return nil, false
	}
	if u, _ := r.Input["QueueUrl"].(string); u != "" {
		pu, err := url.Parse(u)
		if err != nil {
			return nil, true
		}
		acct, name, ok := strings.Cut(strings.Trim(pu.Path, "/"), "/")
		if !ok || acct == "" || name == "" || strings.Contains(name, "/") {
			return nil, true
		}
		return []string{r.arn("sqs", "", acct, name)}, true
	}
	if n, _ := r.Input["QueueName"].(string); n != "" {
		acct, _ := r.Input["QueueOwnerAWSAccountId"].(string)
		return []string{r.arn("sqs", "", acct, n)}, true
	}
	return nil, false
}
