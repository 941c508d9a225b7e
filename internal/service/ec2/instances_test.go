package ec2

import (
	"context"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"

	"hakoniwa/internal/awsdata/images"
	"hakoniwa/internal/clock"
	"hakoniwa/internal/store"

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
	if err != nil || *enis.NetworkInterfaces[0].Status != "in-use" || *enis.NetworkInterfaces[0].Attachment.InstanceId != *i.InstanceId ||
		enis.NetworkInterfaces[0].Association == nil || *enis.NetworkInterfaces[0].Association.PublicIp != *i.PublicIpAddress ||
		*enis.NetworkInterfaces[0].Association.IpOwnerId != "amazon" {
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
	if _, err := s.StopInstances(ctx, &ec2api.StopInstancesInput{InstanceIds: ids}); code(err) != "IncorrectInstanceState" ||
		message(err) != "Instance '"+id+"' cannot be stopped as it has never reached the 'running' state." {
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
	// The next launch forgets it.
	run(t, s, ctx, ec2api.RunInstancesInput{ImageId: ptr(al2023(t))})
	err = s.st.View(ctx, func(tx store.Tx) error {
		_, err := instances.get(tx, scope{testAccount, "us-east-1"}, id)
		return err
	})
	if !isNotFound(err) {
		t.Errorf("record kept: %v", err)
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

// fakeRoles is IAM with one profile, "web", holding role "web-role";
// with noPass the caller may not pass it.
type fakeRoles struct {
	issued, passed []string
	noPass         bool
}

func (f *fakeRoles) PassRole(_ context.Context, roleARN string) error {
	f.passed = append(f.passed, roleARN)
	if f.noPass {
		return errf(http.StatusForbidden, "UnauthorizedOperation", "You are not authorized to perform this operation. User is not authorized to perform: iam:PassRole on resource: %s. Encoded authorization failure message: x", roleARN)
	}
	return nil
}

func (f *fakeRoles) InstanceProfile(_ context.Context, account, ref string) (InstanceProfile, error) {
	arn := "arn:aws:iam::" + account + ":instance-profile/web"
	if ref != "web" && ref != arn {
		return InstanceProfile{}, invalidParam("Value (%s) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name", ref)
	}
	return InstanceProfile{ARN: arn, ID: "AIPAEXAMPLE", RoleARN: "arn:aws:iam::" + account + ":role/web-role", RoleName: "web-role"}, nil
}

func (f *fakeRoles) InstanceCredentials(_ context.Context, account, roleARN, instanceID string) (RoleCredentials, error) {
	f.issued = append(f.issued, roleARN+" "+instanceID)
	return RoleCredentials{AccessKeyID: "ASIAEXAMPLE", SecretAccessKey: "secret", SessionToken: "token"}, nil
}

func TestInstanceAttributes(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	ud := base64.StdEncoding.EncodeToString([]byte("#!/bin/sh\necho hi\n"))
	out := run(t, s, ctx, ec2api.RunInstancesInput{ImageId: ptr(al2023(t)), InstanceType: ptr("t3.micro"), UserData: ptr(ud), DisableApiTermination: ptr(true)})
	id := *out.Instances[0].InstanceId
	attr := func(name string) *ec2api.InstanceAttribute {
		t.Helper()
		a, err := s.DescribeInstanceAttribute(ctx, &ec2api.DescribeInstanceAttributeInput{InstanceId: &id, Attribute: ptr(name)})
		if err != nil {
			t.Fatalf("DescribeInstanceAttribute %s: %v", name, err)
		}
		return a
	}
	if a := attr("userData"); deref(a.UserData.Value) != ud {
		t.Errorf("user data: %v", deref(a.UserData.Value))
	}
	if _, err := s.DescribeInstanceAttribute(ctx, &ec2api.DescribeInstanceAttributeInput{InstanceId: &id, Attribute: ptr("colour")}); code(err) != "InvalidParameterValue" {
		t.Errorf("unknown attribute: %v", err)
	}
	manualClock(s).Advance(instPendingFor)
	_, err := s.TerminateInstances(ctx, &ec2api.TerminateInstancesInput{InstanceIds: []string{id}})
	if code(err) != "OperationNotPermitted" || message(err) != "The instance '"+id+"' may not be terminated. Modify its 'disableApiTermination' instance attribute and try again." {
		t.Errorf("termination protection: %v", err)
	}
	modify := func(in ec2api.ModifyInstanceAttributeInput) error {
		in.InstanceId = &id
		_, err := s.ModifyInstanceAttribute(ctx, &in)
		return err
	}
	if err := modify(ec2api.ModifyInstanceAttributeInput{InstanceType: &ec2api.AttributeValue{Value: ptr("t3.small")}}); code(err) != "IncorrectInstanceState" {
		t.Errorf("type change while running: %v", err)
	}
	if err := modify(ec2api.ModifyInstanceAttributeInput{Attribute: ptr("disableApiStop"), Value: ptr("true")}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.StopInstances(ctx, &ec2api.StopInstancesInput{InstanceIds: []string{id}}); code(err) != "OperationNotPermitted" {
		t.Errorf("stop protection: %v", err)
	}
	if err := modify(ec2api.ModifyInstanceAttributeInput{DisableApiStop: &ec2api.AttributeBooleanValue{Value: ptr(false)},
		SourceDestCheck: &ec2api.AttributeBooleanValue{Value: ptr(false)}}); code(err) != "InvalidParameterCombination" {
		t.Errorf("two attributes: %v", err)
	}
	if err := modify(ec2api.ModifyInstanceAttributeInput{DisableApiStop: &ec2api.AttributeBooleanValue{Value: ptr(false)}}); err != nil {
		t.Fatal(err)
	}
	if err := modify(ec2api.ModifyInstanceAttributeInput{SourceDestCheck: &ec2api.AttributeBooleanValue{Value: ptr(false)}}); err != nil {
		t.Fatal(err)
	}
	if a := attr("sourceDestCheck"); *a.SourceDestCheck.Value {
		t.Errorf("source/dest check stays on")
	}
	sg, err := s.CreateSecurityGroup(ctx, &ec2api.CreateSecurityGroupInput{GroupName: ptr("web"), Description: ptr("web")})
	if err != nil {
		t.Fatal(err)
	}
	if err := modify(ec2api.ModifyInstanceAttributeInput{Groups: []string{*sg.GroupId}}); err != nil {
		t.Fatal(err)
	}
	if a := attr("groupSet"); len(a.Groups) != 1 || *a.Groups[0].GroupName != "web" {
		t.Errorf("groups: %+v", a.Groups)
	}
	if _, err := s.StopInstances(ctx, &ec2api.StopInstancesInput{InstanceIds: []string{id}}); err != nil {
		t.Fatal(err)
	}
	manualClock(s).Advance(instStoppingFor)
	if err := modify(ec2api.ModifyInstanceAttributeInput{InstanceType: &ec2api.AttributeValue{Value: ptr("t4g.small")}}); code(err) != "InvalidParameterValue" {
		t.Errorf("arm64 type for an x86_64 instance: %v", err)
	}
	if err := modify(ec2api.ModifyInstanceAttributeInput{InstanceType: &ec2api.AttributeValue{Value: ptr("m5.large")}}); err != nil {
		t.Fatal(err)
	}
	if a := attr("instanceType"); *a.InstanceType.Value != "m5.large" {
		t.Errorf("type: %v", *a.InstanceType.Value)
	}
	if err := modify(ec2api.ModifyInstanceAttributeInput{UserData: &ec2api.BlobAttributeValue{Value: []byte("new")}}); err != nil {
		t.Fatal(err)
	}
	if a := attr("userData"); deref(a.UserData.Value) != base64.StdEncoding.EncodeToString([]byte("new")) {
		t.Errorf("new user data: %v", deref(a.UserData.Value))
	}
	m, err := s.ModifyInstanceMetadataOptions(ctx, &ec2api.ModifyInstanceMetadataOptionsInput{InstanceId: &id, HttpTokens: ptr("optional"), InstanceMetadataTags: ptr("enabled")})
	if err != nil || *m.InstanceMetadataOptions.HttpTokens != "optional" || *m.InstanceMetadataOptions.HttpPutResponseHopLimit != 2 {
		t.Fatalf("metadata options: %v %+v", err, m)
	}
	if _, err := s.ModifyInstanceMetadataOptions(ctx, &ec2api.ModifyInstanceMetadataOptionsInput{InstanceId: &id, HttpEndpoint: ptr("off")}); code(err) != "InvalidParameterValue" {
		t.Errorf("bad endpoint value: %v", err)
	}
	lt, err := s.GetLaunchTemplateData(ctx, &ec2api.GetLaunchTemplateDataInput{InstanceId: &id})
	if err != nil || *lt.LaunchTemplateData.InstanceType != "m5.large" || *lt.LaunchTemplateData.MetadataOptions.InstanceMetadataTags != "enabled" {
		t.Errorf("launch template data: %v %+v", err, lt)
	}
	if _, err := s.GetConsoleOutput(ctx, &ec2api.GetConsoleOutputInput{InstanceId: ptr("i-0123456789abcdef0")}); code(err) != "InvalidInstanceID.NotFound" {
		t.Errorf("console of nothing: %v", err)
	}
	c, err := s.GetConsoleOutput(ctx, &ec2api.GetConsoleOutputInput{InstanceId: &id})
	if raw, _ := base64.StdEncoding.DecodeString(deref(c.Output)); err != nil || !strings.Contains(string(raw), "Cloud-init") {
		t.Errorf("console: %v %q", err, raw)
	}
}

func TestInstanceStatusAndProfiles(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	roles := &fakeRoles{}
	s.SetInstanceRoles(roles)
	img := al2023(t)
	if _, err := s.RunInstances(ctx, &ec2api.RunInstancesInput{ImageId: ptr(img), MinCount: ptr(int64(1)), MaxCount: ptr(int64(1)),
		IamInstanceProfile: &ec2api.IamInstanceProfileSpecification{Name: ptr("nope")}}); code(err) != "InvalidParameterValue" {
		t.Errorf("unknown profile: %v", err)
	}
	a := run(t, s, ctx, ec2api.RunInstancesInput{ImageId: ptr(img), IamInstanceProfile: &ec2api.IamInstanceProfileSpecification{Name: ptr("web")}})
	b := run(t, s, ctx, ec2api.RunInstancesInput{ImageId: ptr(img)})
	ia, ib := *a.Instances[0].InstanceId, *b.Instances[0].InstanceId
	if a.Instances[0].IamInstanceProfile == nil || *a.Instances[0].IamInstanceProfile.Arn != "arn:aws:iam::"+testAccount+":instance-profile/web" {
		t.Errorf("profile: %+v", a.Instances[0].IamInstanceProfile)
	}
	st, err := s.DescribeInstanceStatus(ctx, &ec2api.DescribeInstanceStatusInput{})
	if err != nil || len(st.InstanceStatuses) != 0 {
		t.Errorf("pending instances are not listed by default: %v %d", err, len(st.InstanceStatuses))
	}
	st, err = s.DescribeInstanceStatus(ctx, &ec2api.DescribeInstanceStatusInput{IncludeAllInstances: ptr(true)})
	if err != nil || len(st.InstanceStatuses) != 2 {
		t.Errorf("all instances: %v %d", err, len(st.InstanceStatuses))
	}
	manualClock(s).Advance(instPendingFor)
	st, err = s.DescribeInstanceStatus(ctx, &ec2api.DescribeInstanceStatusInput{Filters: filters("instance-status.status", "ok", "availability-zone", "us-east-1a")})
	if err != nil || len(st.InstanceStatuses) != 2 || *st.InstanceStatuses[0].InstanceStatus.Status != "ok" {
		t.Errorf("running: %v %+v", err, st)
	}
	if _, err := s.DescribeInstanceStatus(ctx, &ec2api.DescribeInstanceStatusInput{InstanceIds: []string{ia}, MaxResults: ptr(int64(5))}); code(err) != "InvalidParameterCombination" {
		t.Errorf("ids with MaxResults: %v", err)
	}

	if _, err := s.AssociateIamInstanceProfile(ctx, &ec2api.AssociateIamInstanceProfileInput{InstanceId: &ia,
		IamInstanceProfile: &ec2api.IamInstanceProfileSpecification{Name: ptr("web")}}); code(err) != "IncorrectState" {
		t.Errorf("second association: %v", err)
	}
	as, err := s.AssociateIamInstanceProfile(ctx, &ec2api.AssociateIamInstanceProfileInput{InstanceId: &ib,
		IamInstanceProfile: &ec2api.IamInstanceProfileSpecification{Name: ptr("web")}})
	if err != nil || !strings.HasPrefix(*as.IamInstanceProfileAssociation.AssociationId, "iip-assoc-") {
		t.Fatalf("associate: %v", err)
	}
	list, err := s.DescribeIamInstanceProfileAssociations(ctx, &ec2api.DescribeIamInstanceProfileAssociationsInput{})
	if err != nil || len(list.IamInstanceProfileAssociations) != 2 {
		t.Errorf("associations: %v %+v", err, list)
	}
	rep, err := s.ReplaceIamInstanceProfileAssociation(ctx, &ec2api.ReplaceIamInstanceProfileAssociationInput{AssociationId: as.IamInstanceProfileAssociation.AssociationId,
		IamInstanceProfile: &ec2api.IamInstanceProfileSpecification{Name: ptr("web")}})
	if err != nil || *rep.IamInstanceProfileAssociation.AssociationId == *as.IamInstanceProfileAssociation.AssociationId {
		t.Fatalf("replace: %v", err)
	}
	if _, err := s.DisassociateIamInstanceProfile(ctx, &ec2api.DisassociateIamInstanceProfileInput{AssociationId: as.IamInstanceProfileAssociation.AssociationId}); code(err) != "InvalidAssociationID.NotFound" {
		t.Errorf("the replaced id is gone: %v", err)
	}
	if _, err := s.DisassociateIamInstanceProfile(ctx, &ec2api.DisassociateIamInstanceProfileInput{AssociationId: rep.IamInstanceProfileAssociation.AssociationId}); err != nil {
		t.Fatal(err)
	}
	if got := describeOne(t, s, ctx, ib); got.IamInstanceProfile != nil {
		t.Errorf("disassociated profile still shown")
	}
	// Credit specifications: t2 defaults to standard, t3 to unlimited.
	c := run(t, s, ctx, ec2api.RunInstancesInput{ImageId: ptr(img), InstanceType: ptr("t2.micro")})
	m5 := run(t, s, ctx, ec2api.RunInstancesInput{ImageId: ptr(img), InstanceType: ptr("m5.large")})
	ic := *c.Instances[0].InstanceId
	cs, err := s.DescribeInstanceCreditSpecifications(ctx, &ec2api.DescribeInstanceCreditSpecificationsInput{InstanceIds: []string{ic, *m5.Instances[0].InstanceId}})
	if err != nil || len(cs.InstanceCreditSpecifications) != 1 || *cs.InstanceCreditSpecifications[0].CpuCredits != "standard" {
		t.Errorf("credits: %v %+v", err, cs)
	}
	mc, err := s.ModifyInstanceCreditSpecification(ctx, &ec2api.ModifyInstanceCreditSpecificationInput{InstanceCreditSpecifications: []ec2api.InstanceCreditSpecificationRequest{
		{InstanceId: &ic, CpuCredits: ptr("unlimited")}, {InstanceId: ptr("i-0123456789abcdef0"), CpuCredits: ptr("unlimited")}}})
	if err != nil || len(mc.SuccessfulInstanceCreditSpecifications) != 1 || *mc.UnsuccessfulInstanceCreditSpecifications[0].Error.Code != "InvalidInstanceID.NotFound" {
		t.Errorf("modify credits: %v %+v", err, mc)
	}
}

// Giving an instance a profile passes its role: RunInstances (dry run
// too), AssociateIamInstanceProfile and ReplaceIamInstanceProfileAssociation
// ask for iam:PassRole on it.
func TestProfilesPassTheirRole(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	roles := &fakeRoles{}
	s.SetInstanceRoles(roles)
	img := al2023(t)
	web := &ec2api.IamInstanceProfileSpecification{Name: ptr("web")}
	run(t, s, ctx, ec2api.RunInstancesInput{ImageId: ptr(img), IamInstanceProfile: web})
	b := run(t, s, ctx, ec2api.RunInstancesInput{ImageId: ptr(img)})
	want := "arn:aws:iam::" + testAccount + ":role/web-role"
	if len(roles.passed) != 1 || roles.passed[0] != want {
		t.Fatalf("passed roles: %v", roles.passed)
	}
	assocs, err := s.DescribeIamInstanceProfileAssociations(ctx, &ec2api.DescribeIamInstanceProfileAssociationsInput{})
	if err != nil || len(assocs.IamInstanceProfileAssociations) != 1 {
		t.Fatalf("associations: %+v %v", assocs, err)
	}
	_, allowedDry := s.RunInstances(ctx, &ec2api.RunInstancesInput{ImageId: ptr(img), MinCount: ptr(int64(1)), MaxCount: ptr(int64(1)), IamInstanceProfile: web, DryRun: ptr(true)})
	roles.noPass = true
	_, deniedRun := s.RunInstances(ctx, &ec2api.RunInstancesInput{ImageId: ptr(img), MinCount: ptr(int64(1)), MaxCount: ptr(int64(1)), IamInstanceProfile: web})
	_, deniedDry := s.RunInstances(ctx, &ec2api.RunInstancesInput{ImageId: ptr(img), MinCount: ptr(int64(1)), MaxCount: ptr(int64(1)), IamInstanceProfile: web, DryRun: ptr(true)})
	_, deniedAssoc := s.AssociateIamInstanceProfile(ctx, &ec2api.AssociateIamInstanceProfileInput{InstanceId: b.Instances[0].InstanceId, IamInstanceProfile: web})
	_, deniedReplace := s.ReplaceIamInstanceProfileAssociation(ctx, &ec2api.ReplaceIamInstanceProfileAssociationInput{
		AssociationId: assocs.IamInstanceProfileAssociations[0].AssociationId, IamInstanceProfile: web})
	checkRefusals(t, []refusal{
		{"dry run, allowed", allowedDry, "DryRunOperation", ""},
		{"run", deniedRun, "UnauthorizedOperation", ""},
		{"dry run", deniedDry, "UnauthorizedOperation", ""},
		{"associate", deniedAssoc, "UnauthorizedOperation", ""},
		{"replace", deniedReplace, "UnauthorizedOperation", ""},
	})
	if got := describeOne(t, s, ctx, *b.Instances[0].InstanceId); got.IamInstanceProfile != nil {
		t.Errorf("a refused association applied: %+v", got.IamInstanceProfile)
	}
	// Without a profile there is no role to pass.
	run(t, s, ctx, ec2api.RunInstancesInput{ImageId: ptr(img)})
}

func TestDescribeInstancesFilters(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	img := al2023(t)
	vpc := mustVPC(t, s, ctx, "10.0.0.0/16")
	sn := mustSubnet(t, s, ctx, vpc, "10.0.1.0/24", "us-east-1b")
	if _, err := s.CreateKeyPair(ctx, &ec2api.CreateKeyPairInput{KeyName: ptr("k")}); err != nil {
		t.Fatal(err)
	}
	a := run(t, s, ctx, ec2api.RunInstancesInput{ImageId: ptr(img), SubnetId: &sn, KeyName: ptr("k"), PrivateIpAddress: ptr("10.0.1.50"),
		TagSpecifications: []ec2api.TagSpecification{{ResourceType: ptr("instance"), Tags: []ec2api.Tag{{Key: ptr("env"), Value: ptr("prod")}}}}})
	run(t, s, ctx, ec2api.RunInstancesInput{ImageId: ptr(img), MinCount: ptr(int64(3)), MaxCount: ptr(int64(3)), InstanceType: ptr("t3.nano")})
	ia := a.Instances[0]
	if *ia.PrivateIpAddress != "10.0.1.50" || ia.PublicIpAddress != nil || *ia.PublicDnsName != "" {
		t.Errorf("custom subnet addressing: %v %v", *ia.PrivateIpAddress, deref(ia.PublicIpAddress))
	}
	count := func(f ...string) int {
		t.Helper()
		out, err := s.DescribeInstances(ctx, &ec2api.DescribeInstancesInput{Filters: filters(f...)})
		if err != nil {
			t.Fatalf("filters %v: %v", f, err)
		}
		n := 0
		for _, r := range out.Reservations {
			n += len(r.Instances)
		}
		return n
	}
	for _, c := range []struct {
		f    []string
		want int
	}{
		{[]string{"vpc-id", vpc}, 1},
		{[]string{"subnet-id", sn}, 1},
		{[]string{"instance-type", "t3.nano"}, 3},
		{[]string{"instance-state-name", "pending"}, 4},
		{[]string{"instance-state-code", "0"}, 4},
		{[]string{"availability-zone", "us-east-1b"}, 1},
		{[]string{"private-ip-address", "10.0.1.50"}, 1},
		{[]string{"key-name", "k"}, 1},
		{[]string{"tag:env", "prod"}, 1},
		{[]string{"tag-key", "env"}, 1},
		{[]string{"reservation-id", *a.ReservationId}, 1},
		{[]string{"image-id", img}, 4},
		{[]string{"launch-index", "2"}, 1},
		{[]string{"instance.group-id", *ia.SecurityGroups[0].GroupId}, 1},
		{[]string{"network-interface.network-interface-id", *ia.NetworkInterfaces[0].NetworkInterfaceId}, 1},
		{[]string{"instance-id", *ia.InstanceId}, 1},
		{[]string{"ip-address", "*"}, 3},
	} {
		if got := count(c.f...); got != c.want {
			t.Errorf("%v: %d, want %d", c.f, got, c.want)
		}
	}
	if _, err := s.DescribeInstances(ctx, &ec2api.DescribeInstancesInput{Filters: filters("colour", "red")}); code(err) != "InvalidParameterValue" {
		t.Errorf("unknown filter: %v", err)
	}
	if _, err := s.DescribeInstances(ctx, &ec2api.DescribeInstancesInput{InstanceIds: []string{"i-12"}}); code(err) != "InvalidInstanceID.Malformed" {
		t.Errorf("malformed: %v", err)
	}
	if _, err := s.DescribeInstances(ctx, &ec2api.DescribeInstancesInput{InstanceIds: []string{"i-0123456789abcdef0"}}); code(err) != "InvalidInstanceID.NotFound" ||
		message(err) != "The instance ID 'i-0123456789abcdef0' does not exist" {
		t.Errorf("missing: %v", err)
	}
	if _, err := s.DescribeInstances(ctx, &ec2api.DescribeInstancesInput{InstanceIds: []string{*ia.InstanceId}, MaxResults: ptr(int64(5))}); code(err) != "InvalidParameterCombination" {
		t.Errorf("ids with MaxResults: %v", err)
	}
	// Paging: 4 instances, 5 a page at least, so one page; the subnet
	// count saw the address taken.
	out, err := s.DescribeSubnets(ctx, &ec2api.DescribeSubnetsInput{SubnetIds: []string{sn}})
	if err != nil || *out.Subnets[0].AvailableIpAddressCount != 250 {
		t.Errorf("available addresses: %v %v", err, *out.Subnets[0].AvailableIpAddressCount)
	}
	if _, err := s.DeleteSubnet(ctx, &ec2api.DeleteSubnetInput{SubnetId: &sn}); code(err) != "DependencyViolation" {
		t.Errorf("delete the subnet of a running instance: %v", err)
	}
	if _, err := s.TerminateInstances(ctx, &ec2api.TerminateInstancesInput{InstanceIds: []string{*ia.InstanceId}}); err != nil {
		t.Fatal(err)
	}
	out, _ = s.DescribeSubnets(ctx, &ec2api.DescribeSubnetsInput{SubnetIds: []string{sn}})
	if *out.Subnets[0].AvailableIpAddressCount != 251 {
		t.Errorf("address not freed: %v", *out.Subnets[0].AvailableIpAddressCount)
	}
	// Nothing of the instance holds the subnet any more.
	if _, err := s.DeleteSubnet(ctx, &ec2api.DeleteSubnetInput{SubnetId: &sn}); err != nil {
		t.Errorf("delete the subnet after termination: %v", err)
	}
}

func TestDescribeInstancesPaging(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	run(t, s, ctx, ec2api.RunInstancesInput{ImageId: ptr(al2023(t)), MinCount: ptr(int64(12)), MaxCount: ptr(int64(12))})
	seen := map[string]bool{}
	var token *string
	for pages := 0; ; pages++ {
		out, err := s.DescribeInstances(ctx, &ec2api.DescribeInstancesInput{MaxResults: ptr(int64(5)), NextToken: token})
		if err != nil || pages > 3 {
			t.Fatalf("page %d: %v", pages, err)
		}
		for _, r := range out.Reservations {
			for _, i := range r.Instances {
				seen[*i.InstanceId] = true
			}
		}
		if token = out.NextToken; token == nil {
			break
		}
	}
	if len(seen) != 12 {
		t.Errorf("paged through %d instances", len(seen))
	}
}

func TestRunInstancesFromTemplateAndInterfaces(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	img := al2023(t)
	vpc := mustVPC(t, s, ctx, "10.0.0.0/16")
	sn := mustSubnet(t, s, ctx, vpc, "10.0.1.0/24", "us-east-1a")
	lt, err := s.CreateLaunchTemplate(ctx, &ec2api.CreateLaunchTemplateInput{LaunchTemplateName: ptr("web"), LaunchTemplateData: &ec2api.RequestLaunchTemplateData{
		ImageId: ptr(img), InstanceType: ptr("t3.small"),
		TagSpecifications: []ec2api.LaunchTemplateTagSpecificationRequest{{ResourceType: ptr("instance"), Tags: []ec2api.Tag{{Key: ptr("from"), Value: ptr("template")}}}}}})
	if err != nil {
		t.Fatal(err)
	}
	// The request's type overrides the template's; AssociatePublicIpAddress
	// gives a public address in a subnet that maps none.
	out := run(t, s, ctx, ec2api.RunInstancesInput{LaunchTemplate: &ec2api.LaunchTemplateSpecification{LaunchTemplateName: ptr("web")}, InstanceType: ptr("t3.micro"),
		NetworkInterfaces: []ec2api.InstanceNetworkInterfaceSpecification{{DeviceIndex: ptr(int64(0)), SubnetId: &sn, AssociatePublicIpAddress: ptr(true),
			SecondaryPrivateIpAddressCount: ptr(int64(1))}}})
	i := out.Instances[0]
	tags := map[string]string{}
	for _, tg := range i.Tags {
		tags[*tg.Key] = *tg.Value
	}
	if *i.InstanceType != "t3.micro" || *i.ImageId != img || tags["from"] != "template" || tags["aws:ec2launchtemplate:id"] != *lt.LaunchTemplate.LaunchTemplateId ||
		tags["aws:ec2launchtemplate:version"] != "1" || i.PublicIpAddress == nil || len(i.NetworkInterfaces[0].PrivateIpAddresses) != 2 {
		t.Errorf("template launch: %v %v %v %v", *i.InstanceType, tags, deref(i.PublicIpAddress), len(i.NetworkInterfaces[0].PrivateIpAddresses))
	}
	if _, err := s.RunInstances(ctx, &ec2api.RunInstancesInput{MinCount: ptr(int64(1)), MaxCount: ptr(int64(1)),
		LaunchTemplate: &ec2api.LaunchTemplateSpecification{LaunchTemplateName: ptr("nope")}}); code(err) != "InvalidLaunchTemplateName.NotFoundException" {
		t.Errorf("unknown template: %v", err)
	}
	// An existing interface becomes the primary one, and stays when the
	// instance goes.
	eni, err := s.CreateNetworkInterface(ctx, &ec2api.CreateNetworkInterfaceInput{SubnetId: &sn})
	if err != nil {
		t.Fatal(err)
	}
	eid := *eni.NetworkInterface.NetworkInterfaceId
	withENI := run(t, s, ctx, ec2api.RunInstancesInput{ImageId: ptr(img), NetworkInterfaces: []ec2api.InstanceNetworkInterfaceSpecification{{DeviceIndex: ptr(int64(0)), NetworkInterfaceId: &eid}}})
	wid := *withENI.Instances[0].InstanceId
	if *withENI.Instances[0].NetworkInterfaces[0].NetworkInterfaceId != eid || *withENI.Instances[0].PrivateIpAddress != *eni.NetworkInterface.PrivateIpAddress {
		t.Errorf("existing interface: %+v", withENI.Instances[0].NetworkInterfaces)
	}
	if _, err := s.RunInstances(ctx, &ec2api.RunInstancesInput{ImageId: ptr(img), MinCount: ptr(int64(1)), MaxCount: ptr(int64(1)),
		NetworkInterfaces: []ec2api.InstanceNetworkInterfaceSpecification{{DeviceIndex: ptr(int64(0)), NetworkInterfaceId: &eid}}}); code(err) != "InvalidNetworkInterface.InUse" {
		t.Errorf("interface in use: %v", err)
	}
	// Routes and attachments to the instance; termination blackholes the
	// route and refuses new attachments.
	rt, err := s.CreateRouteTable(ctx, &ec2api.CreateRouteTableInput{VpcId: &vpc})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateRoute(ctx, &ec2api.CreateRouteInput{RouteTableId: rt.RouteTable.RouteTableId, DestinationCidrBlock: ptr("192.168.0.0/16"), InstanceId: &wid}); err != nil {
		t.Fatal(err)
	}
	second, err := s.CreateNetworkInterface(ctx, &ec2api.CreateNetworkInterfaceInput{SubnetId: &sn})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.TerminateInstances(ctx, &ec2api.TerminateInstancesInput{InstanceIds: []string{wid}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AttachNetworkInterface(ctx, &ec2api.AttachNetworkInterfaceInput{NetworkInterfaceId: second.NetworkInterface.NetworkInterfaceId,
		InstanceId: &wid, DeviceIndex: ptr(int64(1))}); code(err) != "IncorrectInstanceState" {
		t.Errorf("attach to a terminated instance: %v", err)
	}
	rts, err := s.DescribeRouteTables(ctx, &ec2api.DescribeRouteTablesInput{RouteTableIds: []string{*rt.RouteTable.RouteTableId}})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rts.RouteTables[0].Routes {
		if deref(r.DestinationCidrBlock) == "192.168.0.0/16" && deref(r.State) != "blackhole" {
			t.Errorf("route to a terminated instance: %v", deref(r.State))
		}
	}
	kept, err := s.DescribeNetworkInterfaces(ctx, &ec2api.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{eid}})
	if err != nil || *kept.NetworkInterfaces[0].Status != "available" {
		t.Errorf("the existing interface is detached, not deleted: %v", err)
	}
}

func TestInstancesDryRunAndStartQuota(t *testing.T) {
	q := DefaultQuotas()
	q.StandardVCPUs = 2
	s, ctx := newTestService(t, q)
	img := al2023(t)
	if _, err := s.RunInstances(ctx, &ec2api.RunInstancesInput{ImageId: ptr(img), MinCount: ptr(int64(1)), MaxCount: ptr(int64(1)), DryRun: ptr(true)}); code(err) != "DryRunOperation" {
		t.Errorf("dry run: %v", err)
	}
	if n, _ := s.DescribeInstances(ctx, &ec2api.DescribeInstancesInput{}); len(n.Reservations) != 0 {
		t.Errorf("a dry run launched")
	}
	a := run(t, s, ctx, ec2api.RunInstancesInput{ImageId: ptr(img), InstanceType: ptr("t3.micro")})
	ia := *a.Instances[0].InstanceId
	if _, err := s.TerminateInstances(ctx, &ec2api.TerminateInstancesInput{InstanceIds: []string{ia}, DryRun: ptr(true)}); code(err) != "DryRunOperation" {
		t.Errorf("terminate dry run: %v", err)
	}
	if _, err := s.TerminateInstances(ctx, &ec2api.TerminateInstancesInput{InstanceIds: []string{ia, "i-0123456789abcdef0"}}); code(err) != "InvalidInstanceID.NotFound" {
		t.Errorf("one unknown id refuses all: %v", err)
	}
	manualClock(s).Advance(instPendingFor)
	if _, err := s.StopInstances(ctx, &ec2api.StopInstancesInput{InstanceIds: []string{ia}}); err != nil {
		t.Fatal(err)
	}
	manualClock(s).Advance(instStoppingFor)
	// A stopped instance frees its vCPUs, which a new launch takes; the
	// start then finds no room.
	run(t, s, ctx, ec2api.RunInstancesInput{ImageId: ptr(img), InstanceType: ptr("t3.micro")})
	if _, err := s.StartInstances(ctx, &ec2api.StartInstancesInput{InstanceIds: []string{ia}}); code(err) != "VcpuLimitExceeded" {
		t.Errorf("start over the quota: %v", err)
	}
	if got := describeOne(t, s, ctx, ia); *got.State.Name != "stopped" {
		t.Errorf("refused start changed the state: %v", *got.State.Name)
	}
}

func TestInstancePublicAddressAndElasticIP(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	out := run(t, s, ctx, ec2api.RunInstancesInput{ImageId: ptr(al2023(t))})
	id := *out.Instances[0].InstanceId
	launchIP := *out.Instances[0].PublicIpAddress
	manualClock(s).Advance(instPendingFor)
	eip, err := s.AllocateAddress(ctx, &ec2api.AllocateAddressInput{Domain: ptr("vpc")})
	if err != nil {
		t.Fatal(err)
	}
	as, err := s.AssociateAddress(ctx, &ec2api.AssociateAddressInput{AllocationId: eip.AllocationId, InstanceId: &id})
	if err != nil {
		t.Fatal(err)
	}
	if got := describeOne(t, s, ctx, id); *got.PublicIpAddress != *eip.PublicIp {
		t.Errorf("public address with an Elastic IP: %v", *got.PublicIpAddress)
	}
	// The launch-time address went back to the pool: the next
	// allocation may take it.
	again, err := s.AllocateAddress(ctx, &ec2api.AllocateAddressInput{Domain: ptr("vpc")})
	if err != nil || *again.PublicIp != launchIP {
		t.Errorf("released address %s not reused: %v %v", launchIP, err, deref(again.PublicIp))
	}
	// Stop and start keep the Elastic IP and draw nothing.
	if _, err := s.StopInstances(ctx, &ec2api.StopInstancesInput{InstanceIds: []string{id}}); err != nil {
		t.Fatal(err)
	}
	manualClock(s).Advance(instStoppingFor)
	if _, err := s.StartInstances(ctx, &ec2api.StartInstancesInput{InstanceIds: []string{id}}); err != nil {
		t.Fatal(err)
	}
	if got := describeOne(t, s, ctx, id); *got.PublicIpAddress != *eip.PublicIp {
		t.Errorf("after a restart: %v", *got.PublicIpAddress)
	}
	if _, err := s.DisassociateAddress(ctx, &ec2api.DisassociateAddressInput{AssociationId: as.AssociationId}); err != nil {
		t.Fatal(err)
	}
	got := describeOne(t, s, ctx, id)
	if got.PublicIpAddress == nil || *got.PublicIpAddress == *eip.PublicIp || *got.PublicIpAddress == launchIP {
		t.Errorf("a new public address after disassociation: %v", deref(got.PublicIpAddress))
	}
}

// Tag filters skip records without the value before decoding them: values
// JSON escapes, wildcards and paging must come out the same.
func TestDescribeInstancesTagScan(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	img := al2023(t)
	tagged := func(v string, n int64) {
		run(t, s, ctx, ec2api.RunInstancesInput{ImageId: ptr(img), MinCount: ptr(n), MaxCount: ptr(n),
			TagSpecifications: []ec2api.TagSpecification{{ResourceType: ptr("instance"), Tags: []ec2api.Tag{{Key: ptr("k"), Value: ptr(v)}}}}})
	}
	tagged("<a&b>", 7)
	tagged("plain", 3)
	count := func(in *ec2api.DescribeInstancesInput) (int, *string) {
		t.Helper()
		out, err := s.DescribeInstances(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, r := range out.Reservations {
			n += len(r.Instances)
		}
		return n, out.NextToken
	}
	for _, c := range []struct {
		value string
		want  int
	}{{"<a&b>", 7}, {"<a*", 7}, {"plain", 3}, {"none", 0}} {
		if n, _ := count(&ec2api.DescribeInstancesInput{Filters: filters("tag:k", c.value)}); n != c.want {
			t.Errorf("tag:k=%s: %d, want %d", c.value, n, c.want)
		}
	}
	n, token := count(&ec2api.DescribeInstancesInput{Filters: filters("tag:k", "<a&b>"), MaxResults: ptr(int64(5))})
	m, last := count(&ec2api.DescribeInstancesInput{Filters: filters("tag:k", "<a&b>"), MaxResults: ptr(int64(5)), NextToken: token})
	if n != 5 || token == nil || m != 2 || last != nil {
		t.Errorf("pages: %d then %d (%v)", n, m, last)
	}
}
