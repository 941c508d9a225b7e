package ec2

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"

	"hakoniwa/internal/awsdata/images"
	"hakoniwa/internal/clock"

	ec2api "hakoniwa/internal/api/ec2"
)

// testImage returns a public image of the Region by name prefix and
// architecture.
func testImage(t testing.TB, region, prefix, arch string) images.Image {
	t.Helper()
	for _, img := range images.Public(region) {
		if strings.HasPrefix(img.Name, prefix) && img.Architecture == arch {
			return img
		}
	}
	t.Fatalf("no %s image %s* in %s", arch, prefix, region)
	return images.Image{}
}

func al2023(t testing.TB) string { return testImage(t, "us-east-1", "al2023-ami-2023", "x86_64").ID }

func run(t testing.TB, s *Service, ctx context.Context, in ec2api.RunInstancesInput) *ec2api.Reservation {
	t.Helper()
	if in.MinCount == nil {
		in.MinCount, in.MaxCount = ptr(int64(1)), ptr(int64(1))
	}
	out, err := s.RunInstances(ctx, &in)
	if err != nil {
		t.Fatalf("RunInstances: %v", err)
	}
	return out
}

func manualClock(s *Service) *clock.Manual { return s.clock.(*clock.Manual) }

func describeOne(t testing.TB, s *Service, ctx context.Context, id string) ec2api.Instance {
	t.Helper()
	out, err := s.DescribeInstances(ctx, &ec2api.DescribeInstancesInput{InstanceIds: []string{id}})
	if err != nil || len(out.Reservations) != 1 || len(out.Reservations[0].Instances) != 1 {
		t.Fatalf("DescribeInstances %s: %v %+v", id, err, out)
	}
	return out.Reservations[0].Instances[0]
}

func TestRunInstancesDefaultVPC(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	img := al2023(t)
	out := run(t, s, ctx, ec2api.RunInstancesInput{ImageId: ptr(img), InstanceType: ptr("t3.micro"),
		MinCount: ptr(int64(2)), MaxCount: ptr(int64(2)),
		TagSpecifications: []ec2api.TagSpecification{{ResourceType: ptr("instance"), Tags: []ec2api.Tag{{Key: ptr("Name"), Value: ptr("web")}}}}})
	if !strings.HasPrefix(deref(out.ReservationId), "r-") || len(out.Instances) != 2 {
		t.Fatalf("reservation: %+v", out)
	}
	i := out.Instances[0]
	if *i.State.Name != "pending" || *i.State.Code != 0 || *i.AmiLaunchIndex != 0 || *out.Instances[1].AmiLaunchIndex != 1 {
		t.Errorf("state/index: %v %v", *i.State.Name, *i.AmiLaunchIndex)
	}
	if *i.Placement.AvailabilityZone != "us-east-1a" || i.PublicIpAddress == nil || !strings.HasSuffix(*i.PublicDnsName, ".compute-1.amazonaws.com") ||
		!strings.HasPrefix(*i.PrivateIpAddress, "172.31.") || !strings.HasSuffix(*i.PrivateDnsName, ".ec2.internal") {
		t.Errorf("addressing: %v %v %v %v", *i.Placement.AvailabilityZone, deref(i.PublicIpAddress), deref(i.PublicDnsName), *i.PrivateIpAddress)
	}
	if len(i.SecurityGroups) != 1 || *i.SecurityGroups[0].GroupName != "default" || len(i.NetworkInterfaces) != 1 {
		t.Errorf("groups/interfaces: %+v", i.SecurityGroups)
	}
	if *i.MetadataOptions.HttpTokens != "required" || *i.MetadataOptions.HttpPutResponseHopLimit != 2 {
		t.Errorf("AL2023 declares IMDSv2: %+v", *i.MetadataOptions)
	}
	if len(i.BlockDeviceMappings) != 1 || !strings.HasPrefix(*i.BlockDeviceMappings[0].Ebs.VolumeId, "vol-") {
		t.Errorf("block devices: %+v", i.BlockDeviceMappings)
	}
	if len(i.Tags) != 1 {
		t.Errorf("tags: %+v", i.Tags)
	}
	// The interface is in-use, attached at index 0, and holds its address.
	enis, err := s.DescribeNetworkInterfaces(ctx, &ec2api.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{*i.NetworkInterfaces[0].NetworkInterfaceId}})
	if err != nil || *enis.NetworkInterfaces[0].Status != "in-use" || *enis.NetworkInterfaces[0].Attachment.InstanceId != *i.InstanceId {
		t.Fatalf("ENI: %v %+v", err, enis)
	}

	manualClock(s).Advance(instPendingFor)
	got := describeOne(t, s, ctx, *i.InstanceId)
	if *got.State.Name != "running" || *got.State.Code != 16 {
		t.Errorf("after pending: %v", *got.State.Name)
	}
}

func TestInstanceLifecycle(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	out := run(t, s, ctx, ec2api.RunInstancesInput{ImageId: ptr(al2023(t)), InstanceType: ptr("t3.micro")})
	id := *out.Instances[0].InstanceId
	ids := []string{id}
	if _, err := s.StopInstances(ctx, &ec2api.StopInstancesInput{InstanceIds: ids}); code(err) != "IncorrectInstanceState" {
		t.Errorf("stop pending: %v", err)
	}
	manualClock(s).Advance(instPendingFor)
	st, err := s.StopInstances(ctx, &ec2api.StopInstancesInput{InstanceIds: ids})
	if err != nil || *st.StoppingInstances[0].PreviousState.Name != "running" || *st.StoppingInstances[0].CurrentState.Name != "stopping" {
		t.Fatalf("stop: %v %+v", err, st)
	}
	if got := describeOne(t, s, ctx, id); got.PublicIpAddress != nil || *got.StateReason.Code != "Client.UserInitiatedShutdown" {
		t.Errorf("stopping keeps no public address: %v", deref(got.PublicIpAddress))
	}
	if _, err := s.StartInstances(ctx, &ec2api.StartInstancesInput{InstanceIds: ids}); code(err) != "IncorrectInstanceState" {
		t.Errorf("start stopping: %v", err)
	}
	manualClock(s).Advance(instStoppingFor)
	start, err := s.StartInstances(ctx, &ec2api.StartInstancesInput{InstanceIds: ids})
	if err != nil || *start.StartingInstances[0].PreviousState.Name != "stopped" || *start.StartingInstances[0].CurrentState.Name != "pending" {
		t.Fatalf("start: %v %+v", err, start)
	}
	if got := describeOne(t, s, ctx, id); got.PublicIpAddress == nil {
		t.Errorf("a started instance draws a public address again")
	}
	term, err := s.TerminateInstances(ctx, &ec2api.TerminateInstancesInput{InstanceIds: ids})
	if err != nil || *term.TerminatingInstances[0].CurrentState.Name != "shutting-down" {
		t.Fatalf("terminate: %v %+v", err, term)
	}
	manualClock(s).Advance(instShuttingFor)
	got := describeOne(t, s, ctx, id)
	if *got.State.Name != "terminated" || *got.State.Code != 48 || len(got.NetworkInterfaces) != 0 || got.PrivateIpAddress != nil {
		t.Errorf("terminated: %+v", got)
	}
	if _, err := s.StartInstances(ctx, &ec2api.StartInstancesInput{InstanceIds: ids}); code(err) != "IncorrectInstanceState" {
		t.Errorf("start terminated: %v", err)
	}
	again, err := s.TerminateInstances(ctx, &ec2api.TerminateInstancesInput{InstanceIds: ids})
	if err != nil || *again.TerminatingInstances[0].PreviousState.Name != "terminated" {
		t.Errorf("terminate again: %v", err)
	}
	// The interface and its address are gone.
	if n, err := s.DescribeNetworkInterfaces(ctx, &ec2api.DescribeNetworkInterfacesInput{}); err != nil || len(n.NetworkInterfaces) != 0 {
		t.Errorf("interfaces left: %v %d", err, len(n.NetworkInterfaces))
	}
	manualClock(s).Advance(instRetention)
	if _, err := s.DescribeInstances(ctx, &ec2api.DescribeInstancesInput{InstanceIds: ids}); code(err) != "InvalidInstanceID.NotFound" {
		t.Errorf("after an hour: %v", err)
	}
}

func TestRunInstancesRefusals(t *testing.T) {
	s, ctx := newTestService(t, Quotas{VPCsPerRegion: 5, SubnetsPerVPC: 200, IPv4BlocksPerVPC: 5, InternetGatewaysPerRegion: 5, TagsPerResource: 50, StandardVCPUs: 4})
	img := al2023(t)
	big := base64.StdEncoding.EncodeToString(make([]byte, maxUserData+1))
	cases := []struct {
		name string
		in   ec2api.RunInstancesInput
		code string
		msg  string
	}{
		{"malformed image", ec2api.RunInstancesInput{ImageId: ptr("ami-12")}, "InvalidAMIID.Malformed", ""},
		{"unknown image", ec2api.RunInstancesInput{ImageId: ptr("ami-0123456789abcdef0")}, "InvalidAMIID.NotFound", ""},
		{"type", ec2api.RunInstancesInput{ImageId: ptr(img), InstanceType: ptr("t9.huge")}, "InvalidParameterValue", "Invalid value 't9.huge' for InstanceType."},
		{"arch", ec2api.RunInstancesInput{ImageId: ptr(img), InstanceType: ptr("t4g.micro")}, "InvalidParameterValue", ""},
		{"key", ec2api.RunInstancesInput{ImageId: ptr(img), KeyName: ptr("nope")}, "InvalidKeyPair.NotFound", "The key pair 'nope' does not exist"},
		{"user data size", ec2api.RunInstancesInput{ImageId: ptr(img), UserData: ptr(big)}, "InvalidParameterValue", "User data is limited to 16384 bytes"},
		{"user data encoding", ec2api.RunInstancesInput{ImageId: ptr(img), UserData: ptr("!!!")}, "InvalidParameterValue", ""},
		{"min > max", ec2api.RunInstancesInput{ImageId: ptr(img), MinCount: ptr(int64(3)), MaxCount: ptr(int64(2))}, "InvalidParameterValue", ""},
		{"vcpus", ec2api.RunInstancesInput{ImageId: ptr(img), InstanceType: ptr("t3.micro"), MinCount: ptr(int64(3)), MaxCount: ptr(int64(3))}, "VcpuLimitExceeded", ""},
		{"group", ec2api.RunInstancesInput{ImageId: ptr(img), SecurityGroupIds: []string{"sg-0123456789abcdef0"}}, "InvalidGroup.NotFound", ""},
		{"group name", ec2api.RunInstancesInput{ImageId: ptr(img), SecurityGroups: []string{"nope"}}, "InvalidGroup.NotFound", ""},
		{"subnet", ec2api.RunInstancesInput{ImageId: ptr(img), SubnetId: ptr("subnet-0123456789abcdef0")}, "InvalidSubnetID.NotFound", ""},
		{"tag type", ec2api.RunInstancesInput{ImageId: ptr(img), TagSpecifications: []ec2api.TagSpecification{{ResourceType: ptr("vpc")}}}, "InvalidParameterValue", ""},
		{"credits", ec2api.RunInstancesInput{ImageId: ptr(img), InstanceType: ptr("m5.large"), CreditSpecification: &ec2api.CreditSpecificationRequest{CpuCredits: ptr("unlimited")}}, "InvalidParameterValue", ""},
		{"profile with IAM off", ec2api.RunInstancesInput{ImageId: ptr(img), IamInstanceProfile: &ec2api.IamInstanceProfileSpecification{Name: ptr("p")}}, "InvalidParameterValue", ""},
		{"hop limit", ec2api.RunInstancesInput{ImageId: ptr(img), MetadataOptions: &ec2api.InstanceMetadataOptionsRequest{HttpPutResponseHopLimit: ptr(int64(65))}}, "InvalidParameterValue", ""},
		{"subnet and interfaces", ec2api.RunInstancesInput{ImageId: ptr(img), SubnetId: ptr("subnet-0123456789abcdef0"),
			NetworkInterfaces: []ec2api.InstanceNetworkInterfaceSpecification{{DeviceIndex: ptr(int64(0))}}}, "InvalidParameterCombination", ""},
	}
	for _, c := range cases {
		if c.in.MinCount == nil {
			c.in.MinCount, c.in.MaxCount = ptr(int64(1)), ptr(int64(1))
		}
		_, err := s.RunInstances(ctx, &c.in)
		if code(err) != c.code || (c.msg != "" && message(err) != c.msg) {
			t.Errorf("%s: %v (%s), want %s", c.name, code(err), message(err), c.code)
		}
	}
	// Between MinCount and MaxCount, as many as the quota has room for.
	out := run(t, s, ctx, ec2api.RunInstancesInput{ImageId: ptr(img), InstanceType: ptr("t3.micro"), MinCount: ptr(int64(1)), MaxCount: ptr(int64(5))})
	if len(out.Instances) != 2 {
		t.Errorf("4 vCPUs hold two t3.micro, got %d", len(out.Instances))
	}
	if _, err := s.RunInstances(ctx, &ec2api.RunInstancesInput{ImageId: ptr(img), InstanceType: ptr("t3.micro"), MinCount: ptr(int64(1)), MaxCount: ptr(int64(1))}); code(err) != "VcpuLimitExceeded" ||
		!strings.Contains(message(err), "current vCPU limit of 4 allows") {
		t.Errorf("quota full: %v", err)
	}
	// Nothing was left behind by the refusals: only the two interfaces.
	n, _ := s.DescribeNetworkInterfaces(ctx, &ec2api.DescribeNetworkInterfacesInput{})
	if len(n.NetworkInterfaces) != 2 {
		t.Errorf("interfaces: %d", len(n.NetworkInterfaces))
	}
}

func TestRunInstancesClientToken(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	in := ec2api.RunInstancesInput{ImageId: ptr(al2023(t)), ClientToken: ptr("tok-1"), MinCount: ptr(int64(2)), MaxCount: ptr(int64(2))}
	a := run(t, s, ctx, in)
	b := run(t, s, ctx, in)
	if *a.ReservationId != *b.ReservationId || *a.Instances[1].InstanceId != *b.Instances[1].InstanceId {
		t.Errorf("retry made a new reservation: %v %v", *a.ReservationId, *b.ReservationId)
	}
	in.InstanceType = ptr("t3.small")
	if _, err := s.RunInstances(ctx, &in); code(err) != "IdempotentParameterMismatch" {
		t.Errorf("different parameters: %v", err)
	}
}
