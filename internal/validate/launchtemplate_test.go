package validate

import "testing"

func TestLaunchTemplateNameOverride(t *testing.T) {
	for _, tc := range []struct {
		op   string
		in   map[string]any
		code string
	}{
		{"CreateLaunchTemplate", map[string]any{"LaunchTemplateName": "ab", "LaunchTemplateData": map[string]any{}}, "InvalidLaunchTemplateName.MalformedException"},
		{"DeleteLaunchTemplate", map[string]any{"LaunchTemplateName": "a b"}, "InvalidLaunchTemplateName.MalformedException"},
		{"DescribeLaunchTemplates", map[string]any{"LaunchTemplateNames": []any{"good", "a!"}}, "InvalidLaunchTemplateName.MalformedException"},
		// Other members keep EC2's generic answers.
		{"CreateLaunchTemplate", map[string]any{"LaunchTemplateData": map[string]any{}}, "MissingParameter"},
		{"CreateLaunchTemplate", map[string]any{"LaunchTemplateName": "good", "LaunchTemplateData": map[string]any{"InstanceType": "t9.nano"}}, "InvalidParameterValue"},
	} {
		svc, o := op(t, "ec2", tc.op)
		e := Error(svc, "", Check(o, tc.in))
		if e == nil || e.Code != tc.code {
			t.Errorf("%s %v: %v, want %s", tc.op, tc.in, e, tc.code)
		}
	}
}
