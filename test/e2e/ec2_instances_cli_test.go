package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestCLIInstances launches, waits for, queries and terminates an
// instance with both aws CLIs, as a person following SCENARIOS section 3
// would: run-instances with a count and tags, `aws ec2 wait
// instance-running`, describe-instances --query, terminate-instances and
// `aws ec2 wait instance-terminated`.
func TestCLIInstances(t *testing.T) {
	s := StartServer(t)
	clis := awsCLIs(t)
	for _, v := range []string{"v1", "v2"} {
		t.Run(v, func(t *testing.T) {
			// The CLIs' waiters poll every 15 seconds: both run at once.
			t.Parallel()
			path, ok := clis[v]
			if !ok {
				missing(t, "aws CLI "+v)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
			defer cancel()
			run := ec2CLI(ctx, t, s, v, path)
			out := run("run-instances", "--image-id", "resolve:ssm:"+al2023Param, "--instance-type", "t3.micro", "--count", "2",
				"--tag-specifications", "ResourceType=instance,Tags=[{Key=Name,Value=cli-"+v+"}]", "--output", "json")
			var res struct {
				ReservationId string
				Instances     []struct {
					InstanceId string
					State      struct{ Name string }
				}
			}
			if err := json.Unmarshal([]byte(out), &res); err != nil || len(res.Instances) != 2 || res.Instances[0].State.Name != "pending" {
				t.Fatalf("run-instances: %v\n%s", err, out)
			}
			ids := []string{res.Instances[0].InstanceId, res.Instances[1].InstanceId}
			run(append([]string{"wait", "instance-running", "--instance-ids"}, ids...)...)
			q := run("describe-instances", "--filters", "Name=tag:Name,Values=cli-"+v, "Name=instance-state-name,Values=running",
				"--query", "Reservations[].Instances[].[InstanceId,State.Name]", "--output", "text")
			for _, id := range ids {
				if !strings.Contains(q, id+"\trunning") {
					t.Fatalf("describe-instances --query: %q lacks %s running", q, id)
				}
			}
			ip := strings.TrimSpace(run("describe-instances", "--instance-ids", ids[0], "--query", "Reservations[0].Instances[0].PublicIpAddress", "--output", "text"))
			if strings.Count(ip, ".") != 3 {
				t.Fatalf("public address %q", ip)
			}
			out = run(append([]string{"terminate-instances", "--output", "json", "--instance-ids"}, ids...)...)
			contains(t, out, `"shutting-down"`)
			run(append([]string{"wait", "instance-terminated", "--instance-ids"}, ids...)...)
			q = run("describe-instances", "--instance-ids", ids[0], "--query", "Reservations[0].Instances[0].State.Name", "--output", "text")
			if strings.TrimSpace(q) != "terminated" {
				t.Fatalf("state after the waiter: %q", q)
			}
			_, stderr, err := cli(ctx, s, v, path, "--endpoint-url", s.URL, "ec2", "describe-instances", "--instance-ids", "i-0123456789abcdef0")
			if err == nil || !strings.Contains(stderr, "InvalidInstanceID.NotFound") {
				t.Fatalf("unknown id: %v %s", err, stderr)
			}
		})
	}
}

// ec2CLI runs `aws <global...> ec2 <args...>` with one CLI against s, and
// fails the test with the CLI's stderr when it fails.
func ec2CLI(ctx context.Context, t *testing.T, s *Server, version, path string, global ...string) func(args ...string) string {
	return func(args ...string) string {
		t.Helper()
		pre := append([]string{"--endpoint-url", s.URL}, global...)
		out, stderr, err := cli(ctx, s, version, path, append(append(pre, "ec2"), args...)...)
		if err != nil {
			t.Fatalf("aws ec2 %s: %v\n%s", strings.Join(args, " "), err, stderr)
		}
		return out
	}
}
