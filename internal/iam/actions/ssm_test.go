package actions

import (
	"reflect"
	"testing"
)

func TestResolveSSM(t *testing.T) {
	const p = "arn:aws:ssm:us-east-1:000000000000:parameter/"
	tests := []struct {
		name string
		op   string
		in   map[string]any
		want []want
	}{
		{"GetParameter drops the leading slash", "GetParameter", map[string]any{"Name": "/app/db"},
			[]want{{"ssm:GetParameter", []string{p + "app/db"}, false, nil}}},
		{"a name without a slash", "GetParameter", map[string]any{"Name": "plain"},
			[]want{{"ssm:GetParameter", []string{p + "plain"}, false, nil}}},
		{"a version selector names the parameter", "GetParameter", map[string]any{"Name": "/app/db:3"},
			[]want{{"ssm:GetParameter", []string{p + "app/db"}, false, nil}}},
		{"an ARN with a label selector", "GetParameter", map[string]any{"Name": p + "app/db:prod"},
			[]want{{"ssm:GetParameter", []string{p + "app/db"}, false, nil}}},
		{"public parameters have no account", "GetParameter",
			map[string]any{"Name": "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"},
			[]want{{"ssm:GetParameter", []string{"arn:aws:ssm:us-east-1::parameter/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"}, false, nil}}},
		{"GetParameters checks each name", "GetParameters", map[string]any{"Names": []any{"/a", "b"}},
			[]want{{"ssm:GetParameters", []string{p + "a", p + "b"}, false, nil}}},
		{"GetParametersByPath on the path, with ssm:Recursive", "GetParametersByPath", map[string]any{"Path": "/app", "Recursive": true},
			[]want{{"ssm:GetParametersByPath", []string{p + "app"}, false, map[string][]string{"ssm:Recursive": {"true"}}}}},
		{"PutParameter with ssm:Overwrite and tags", "PutParameter",
			map[string]any{"Name": "/app/db", "Value": "x", "Overwrite": false, "Tags": []any{tag("env", "dev")}},
			[]want{{"ssm:PutParameter", []string{p + "app/db"}, false, map[string][]string{
				"ssm:Overwrite": {"false"}, "aws:RequestTag/env": {"dev"}}}}},
		{"tagging a parameter checks only the parameter", "AddTagsToResource",
			map[string]any{"ResourceType": "Parameter", "ResourceId": "/app/db", "Tags": []any{tag("k", "v")}},
			[]want{{"ssm:AddTagsToResource", []string{p + "app/db"}, false, nil}}},
		{"DescribeParameters has no resource", "DescribeParameters", map[string]any{},
			[]want{{"ssm:DescribeParameters", []string{"*"}, false, nil}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Resolve(Request{ServiceID: "ssm", Operation: tt.op, Account: acct, Region: region, Input: tt.in})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d checks, want %d: %+v", len(got), len(tt.want), got)
			}
			for i, w := range tt.want {
				g := got[i]
				if g.Action != w.action || !reflect.DeepEqual(g.Resources, w.resources) || g.Unresolved != w.unresolved {
					t.Errorf("check %d = %s %v unresolved=%v, want %s %v", i, g.Action, g.Resources, g.Unresolved, w.action, w.resources)
				}
				for k, v := range w.ctx {
					if got := g.Context[k]; !reflect.DeepEqual(got, v) {
						t.Errorf("context %s = %q, want %q (all: %v)", k, got, v, g.Context)
					}
				}
			}
		})
	}
}
