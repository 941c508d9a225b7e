package validate

import "testing"

// BenchmarkCheckRunInstances measures the hot path: a typical valid
// RunInstances request, including the ~900-value InstanceType enum.
func BenchmarkCheckRunInstances(b *testing.B) {
	_, o := op(b, "ec2", "RunInstances")
	in := map[string]any{
		"ImageId":          "ami-0123456789abcdef0",
		"InstanceType":     "t3.micro",
		"MinCount":         int64(1),
		"MaxCount":         int64(2),
		"KeyName":          "k",
		"SubnetId":         "subnet-0123456789abcdef0",
		"SecurityGroupIds": []any{"sg-0123456789abcdef0", "sg-0123456789abcdef1"},
		"BlockDeviceMappings": []any{map[string]any{
			"DeviceName": "/dev/xvda",
			"Ebs":        map[string]any{"VolumeSize": int64(20), "VolumeType": "gp3", "DeleteOnTermination": true},
		}},
		"TagSpecifications": []any{map[string]any{
			"ResourceType": "instance",
			"Tags":         []any{map[string]any{"Key": "Name", "Value": "web"}},
		}},
	}
	if vs := Check(o, in); len(vs) != 0 {
		b.Fatalf("fixture invalid: %+v", vs)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		Check(o, in)
	}
}

// BenchmarkCheckInvalid covers the error path, where paths are rendered.
func BenchmarkCheckInvalid(b *testing.B) {
	svc, o := op(b, "iam", "CreateUser")
	in := map[string]any{"UserName": "bad name!", "Tags": []any{map[string]any{"Key": "", "Value": "v"}}}
	b.ReportAllocs()
	for b.Loop() {
		Error(svc, "query", Check(o, in))
	}
}
