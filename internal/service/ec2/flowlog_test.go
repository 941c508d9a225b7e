package ec2

import (
	"testing"

	ec2api "hakoniwa/internal/api/ec2"
)

func TestFlowLogValidation(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	vpc := mustVPC(t, s, ctx, "10.0.0.0/16")
	role := ptr("arn:aws:iam::111122223333:role/flow-logs")
	base := func(edit func(*ec2api.CreateFlowLogsInput)) *ec2api.CreateFlowLogsInput {
		in := &ec2api.CreateFlowLogsInput{ResourceIds: []string{vpc}, ResourceType: ptr("VPC"), TrafficType: ptr("ALL"),
			LogGroupName: ptr("flows"), DeliverLogsPermissionArn: role}
		edit(in)
		return in
	}
	tests := []struct {
		name string
		in   *ec2api.CreateFlowLogsInput
		code string
	}{
		{"no resources", base(func(in *ec2api.CreateFlowLogsInput) { in.ResourceIds = nil }), "MissingParameter"},
		{"no traffic type", base(func(in *ec2api.CreateFlowLogsInput) { in.TrafficType = nil }), "MissingParameter"},
		{"cwl without role", base(func(in *ec2api.CreateFlowLogsInput) { in.DeliverLogsPermissionArn = nil }), "MissingParameter"},
		{"cwl without group", base(func(in *ec2api.CreateFlowLogsInput) { in.LogGroupName = nil }), "MissingParameter"},
		{"cwl group and destination", base(func(in *ec2api.CreateFlowLogsInput) {
			in.LogDestination = ptr("arn:aws:logs:us-east-1:111122223333:log-group:flows")
		}), "InvalidParameterCombination"},
		{"cwl bad arn", base(func(in *ec2api.CreateFlowLogsInput) {
			in.LogGroupName, in.LogDestination = nil, ptr("arn:aws:logs:us-east-1:111122223333:log-group:flows:*")
		}), "InvalidParameter"},
		{"s3 with role", base(func(in *ec2api.CreateFlowLogsInput) {
			in.LogDestinationType, in.LogGroupName, in.LogDestination = ptr("s3"), nil, ptr("arn:aws:s3:::bucket")
		}), "InvalidParameter"},
		{"s3 bad arn", base(func(in *ec2api.CreateFlowLogsInput) {
			in.LogDestinationType, in.LogGroupName, in.DeliverLogsPermissionArn, in.LogDestination = ptr("s3"), nil, nil, ptr("bucket")
		}), "InvalidParameter"},
		{"s3 AWSLogs folder", base(func(in *ec2api.CreateFlowLogsInput) {
			in.LogDestinationType, in.LogGroupName, in.DeliverLogsPermissionArn, in.LogDestination = ptr("s3"), nil, nil, ptr("arn:aws:s3:::bucket/AWSLogs/")
		}), "InvalidParameter"},
		{"aggregation 300", base(func(in *ec2api.CreateFlowLogsInput) { in.MaxAggregationInterval = ptr(int64(300)) }), "InvalidParameter"},
		{"unknown format field", base(func(in *ec2api.CreateFlowLogsInput) { in.LogFormat = ptr("${version} ${nope}") }), "InvalidParameter"},
		{"format trailing space", base(func(in *ec2api.CreateFlowLogsInput) { in.LogFormat = ptr("${version} ") }), "InvalidParameter"},
		{"format without braces", base(func(in *ec2api.CreateFlowLogsInput) { in.LogFormat = ptr("version") }), "InvalidParameter"},
		{"transit gateway with traffic type", base(func(in *ec2api.CreateFlowLogsInput) { in.ResourceType = ptr("TransitGateway") }), "InvalidParameter"},
		{"dry run", base(func(in *ec2api.CreateFlowLogsInput) { in.DryRun = ptr(true) }), "DryRunOperation"},
	}
	for _, tc := range tests {
		if _, err := s.CreateFlowLogs(ctx, tc.in); code(err) != tc.code {
			t.Errorf("%s: got %s (%v), want %s", tc.name, code(err), err, tc.code)
		}
	}
	if _, err := s.CreateFlowLogs(ctx, base(func(in *ec2api.CreateFlowLogsInput) {
		in.LogFormat = ptr("${version} ${vpc-id} ${srcaddr} ${flow-direction}")
		in.MaxAggregationInterval = ptr(int64(60))
	})); err != nil {
		t.Errorf("valid custom format: %v", err)
	}
}

func TestFlowLogLifecycle(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	vpc := mustVPC(t, s, ctx, "10.0.0.0/16")
	subnet := mustSubnet(t, s, ctx, vpc, "10.0.0.0/24", "us-east-1a")
	out, err := s.CreateFlowLogs(ctx, &ec2api.CreateFlowLogsInput{ResourceIds: []string{vpc, "vpc-0123456789abcdef0"}, ResourceType: ptr("VPC"),
		TrafficType: ptr("REJECT"), LogDestinationType: ptr("s3"), LogDestination: ptr("arn:aws:s3:::flows/vpc/"),
		TagSpecifications: []ec2api.TagSpecification{{ResourceType: ptr("vpc-flow-log"), Tags: []ec2api.Tag{{Key: ptr("Name"), Value: ptr("rejects")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.FlowLogIds) != 1 || len(out.Unsuccessful) != 1 || deref(out.Unsuccessful[0].Error.Code) != "InvalidVpcID.NotFound" {
		t.Fatalf("create: %+v", out)
	}
	vpcLog := out.FlowLogIds[0]
	dup, err := s.CreateFlowLogs(ctx, &ec2api.CreateFlowLogsInput{ResourceIds: []string{vpc}, ResourceType: ptr("VPC"),
		TrafficType: ptr("REJECT"), LogDestinationType: ptr("s3"), LogDestination: ptr("arn:aws:s3:::flows/vpc/")})
	if err != nil || len(dup.FlowLogIds) != 0 || len(dup.Unsuccessful) != 1 || deref(dup.Unsuccessful[0].Error.Code) != "FlowLogAlreadyExists" {
		t.Errorf("duplicate: %+v %v", dup, err)
	}
	sub, err := s.CreateFlowLogs(ctx, &ec2api.CreateFlowLogsInput{ResourceIds: []string{subnet}, ResourceType: ptr("Subnet"),
		TrafficType: ptr("ALL"), LogGroupName: ptr("subnet-flows"), DeliverLogsPermissionArn: ptr("arn:aws:iam::111122223333:role/fl")})
	if err != nil || len(sub.FlowLogIds) != 1 {
		t.Fatalf("subnet flow log: %+v %v", sub, err)
	}

	for _, tc := range []struct {
		name, value string
		want        int
	}{
		{"resource-id", vpc, 1},
		{"log-destination-type", "cloud-watch-logs", 1},
		{"log-group-name", "subnet-flows", 1},
		{"traffic-type", "REJECT", 1},
		{"deliver-log-status", "SUCCESS", 2},
		{"tag:Name", "rejects", 1},
		{"flow-log-id", vpcLog, 1},
	} {
		d, err := s.DescribeFlowLogs(ctx, &ec2api.DescribeFlowLogsInput{Filter: filters(tc.name, tc.value)})
		if err != nil || len(d.FlowLogs) != tc.want {
			t.Errorf("filter %s=%s: %d, %v; want %d", tc.name, tc.value, len(d.FlowLogs), err, tc.want)
		}
	}
	d, err := s.DescribeFlowLogs(ctx, &ec2api.DescribeFlowLogsInput{FlowLogIds: []string{vpcLog}})
	if err != nil || len(d.FlowLogs) != 1 {
		t.Fatal(d, err)
	}
	if fl := d.FlowLogs[0]; deref(fl.LogFormat) != defaultLogFormat || *fl.MaxAggregationInterval != 600 || deref(fl.DestinationOptions.FileFormat) != "plain-text" || deref(fl.FlowLogStatus) != "ACTIVE" {
		t.Errorf("described: %+v", fl)
	}
	cwl, _ := s.DescribeFlowLogs(ctx, &ec2api.DescribeFlowLogsInput{FlowLogIds: sub.FlowLogIds})
	if got := deref(cwl.FlowLogs[0].LogDestination); got != "arn:aws:logs:us-east-1:"+testAccount+":log-group:subnet-flows" {
		t.Errorf("log group destination %q", got)
	}

	del, err := s.DeleteFlowLogs(ctx, &ec2api.DeleteFlowLogsInput{FlowLogIds: []string{vpcLog, "fl-0123456789abcdef0"}})
	if err != nil || len(del.Unsuccessful) != 1 || deref(del.Unsuccessful[0].Error.Code) != "InvalidFlowLogId.NotFound" {
		t.Errorf("delete: %+v %v", del, err)
	}
	// Flow logs go with their resources.
	if _, err := s.DeleteSubnet(ctx, &ec2api.DeleteSubnetInput{SubnetId: &subnet}); err != nil {
		t.Fatal(err)
	}
	if left, _ := s.DescribeFlowLogs(ctx, &ec2api.DescribeFlowLogsInput{FlowLogIds: sub.FlowLogIds}); left != nil {
		t.Errorf("flow log of a deleted subnet: %+v", left)
	}
	if _, err := s.CreateFlowLogs(ctx, &ec2api.CreateFlowLogsInput{ResourceIds: []string{vpc}, ResourceType: ptr("VPC"), TrafficType: ptr("ALL"),
		LogGroupName: ptr("g"), DeliverLogsPermissionArn: ptr("arn:aws:iam::111122223333:role/fl")}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteVpc(ctx, &ec2api.DeleteVpcInput{VpcId: &vpc}); err != nil {
		t.Fatal(err)
	}
	left, _ := s.DescribeFlowLogs(ctx, &ec2api.DescribeFlowLogsInput{Filter: filters("resource-id", vpc)})
	if len(left.FlowLogs) != 0 {
		t.Errorf("flow logs of a deleted VPC: %d", len(left.FlowLogs))
	}
}
