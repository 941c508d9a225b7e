package e2e

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

const ec2Trust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

// waitRunning waits with the SDK's waiter, polling often: instances change
// state in seconds here, not minutes.
func waitRunning(t *testing.T, c *ec2.Client, ids ...string) {
	t.Helper()
	w := ec2.NewInstanceRunningWaiter(c, func(o *ec2.InstanceRunningWaiterOptions) { o.MinDelay, o.MaxDelay = 250*time.Millisecond, time.Second })
	if err := w.Wait(context.Background(), &ec2.DescribeInstancesInput{InstanceIds: ids}, 30*time.Second); err != nil {
		t.Fatalf("waiting for running: %v", err)
	}
}

// TestInstancesSDK is SCENARIOS section 3 with aws-sdk-go-v2: a launch into
// the default VPC, another into a public subnet of a new VPC with a
// security group, key pair, user data, tags and an instance profile; the
// lifecycle through the SDK's waiters, protection, an Elastic IP and a
// route to the instance, and the subnet's address count throughout.
func TestInstancesSDK(t *testing.T) {
	s := StartServer(t)
	ctx := context.Background()
	cfg := s.DefaultConfig()
	c := ec2.NewFromConfig(cfg)

	def, err := c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String("resolve:ssm:" + al2023Param), InstanceType: types.InstanceTypeT3Micro,
		MinCount: aws.Int32(1), MaxCount: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	di := def.Instances[0]
	if di.State.Name != types.InstanceStateNamePending || aws.ToString(di.PublicIpAddress) == "" || di.MetadataOptions.HttpTokens != types.HttpTokensStateRequired ||
		!strings.HasPrefix(aws.ToString(di.PrivateIpAddress), "172.31.") {
		t.Fatalf("default VPC launch: %+v", di)
	}

	// A public subnet of a new VPC.
	vpc, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.1.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	vpcID := vpc.Vpc.VpcId
	igw, err := c.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: igw.InternetGateway.InternetGatewayId, VpcId: vpcID}); err != nil {
		t.Fatal(err)
	}
	sn, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpcID, CidrBlock: aws.String("10.1.1.0/24"), AvailabilityZone: aws.String("us-east-1b")})
	if err != nil {
		t.Fatal(err)
	}
	subnetID := sn.Subnet.SubnetId
	if _, err := c.ModifySubnetAttribute(ctx, &ec2.ModifySubnetAttributeInput{SubnetId: subnetID, MapPublicIpOnLaunch: &types.AttributeBooleanValue{Value: aws.Bool(true)}}); err != nil {
		t.Fatal(err)
	}
	sg, err := c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("web"), Description: aws.String("web"), VpcId: vpcID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateKeyPair(ctx, &ec2.CreateKeyPairInput{KeyName: aws.String("me")}); err != nil {
		t.Fatal(err)
	}
	ic := iam.NewFromConfig(cfg)
	if _, err := ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("web-role"), AssumeRolePolicyDocument: aws.String(ec2Trust)}); err != nil {
		t.Fatal(err)
	}
	prof, err := ic.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("web")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ic.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("web"), RoleName: aws.String("web-role")}); err != nil {
		t.Fatal(err)
	}

	// Refusals first: nothing they touch may change the subnet.
	base := func() *ec2.RunInstancesInput {
		return &ec2.RunInstancesInput{ImageId: di.ImageId, InstanceType: types.InstanceTypeT3Micro, MinCount: aws.Int32(1), MaxCount: aws.Int32(1), SubnetId: subnetID}
	}
	refusals := []struct {
		name string
		mod  func(*ec2.RunInstancesInput)
		code string
	}{
		{"key", func(in *ec2.RunInstancesInput) { in.KeyName = aws.String("nope") }, "InvalidKeyPair.NotFound"},
		{"image", func(in *ec2.RunInstancesInput) { in.ImageId = aws.String("ami-0123456789abcdef0") }, "InvalidAMIID.NotFound"},
		{"group of another VPC", func(in *ec2.RunInstancesInput) {
			in.SecurityGroupIds = []string{aws.ToString(di.SecurityGroups[0].GroupId)}
		}, "InvalidGroup.NotFound"},
		{"profile", func(in *ec2.RunInstancesInput) {
			in.IamInstanceProfile = &types.IamInstanceProfileSpecification{Name: aws.String("nope")}
		}, "InvalidParameterValue"},
		{"user data", func(in *ec2.RunInstancesInput) {
			in.UserData = aws.String(base64.StdEncoding.EncodeToString(make([]byte, 16*1024+1)))
		}, "InvalidParameterValue"},
	}
	for _, r := range refusals {
		in := base()
		r.mod(in)
		if _, err := c.RunInstances(ctx, in); apiCode(t, err) != r.code {
			t.Errorf("%s: %v, want %s", r.name, err, r.code)
		}
	}

	userData := base64.StdEncoding.EncodeToString([]byte("#!/bin/bash\ndnf install -y nginx\n"))
	in := base()
	in.SecurityGroupIds, in.KeyName, in.UserData = []string{aws.ToString(sg.GroupId)}, aws.String("me"), &userData
	in.IamInstanceProfile = &types.IamInstanceProfileSpecification{Arn: prof.InstanceProfile.Arn}
	in.TagSpecifications = []types.TagSpecification{{ResourceType: types.ResourceTypeInstance, Tags: []types.Tag{{Key: aws.String("Name"), Value: aws.String("web")}}}}
	web, err := c.RunInstances(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	wi := web.Instances[0]
	id := aws.ToString(wi.InstanceId)
	if aws.ToString(wi.SubnetId) != aws.ToString(subnetID) || aws.ToString(wi.PublicIpAddress) == "" || aws.ToString(wi.KeyName) != "me" ||
		wi.IamInstanceProfile == nil || aws.ToString(wi.IamInstanceProfile.Arn) != aws.ToString(prof.InstanceProfile.Arn) ||
		len(wi.SecurityGroups) != 1 || aws.ToString(wi.SecurityGroups[0].GroupName) != "web" {
		t.Fatalf("web instance: %+v", wi)
	}
	subnets, err := c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{aws.ToString(subnetID)}})
	if err != nil || aws.ToInt32(subnets.Subnets[0].AvailableIpAddressCount) != 250 {
		t.Fatalf("addresses after launch: %v %v", err, aws.ToInt32(subnets.Subnets[0].AvailableIpAddressCount))
	}
	attr, err := c.DescribeInstanceAttribute(ctx, &ec2.DescribeInstanceAttributeInput{InstanceId: &id, Attribute: types.InstanceAttributeNameUserData})
	if err != nil || aws.ToString(attr.UserData.Value) != userData {
		t.Fatalf("user data: %v %v", err, attr)
	}

	waitRunning(t, c, id, aws.ToString(di.InstanceId))
	filtered, err := c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{Filters: []types.Filter{
		{Name: aws.String("instance-state-name"), Values: []string{"running"}},
		{Name: aws.String("vpc-id"), Values: []string{aws.ToString(vpcID)}},
		{Name: aws.String("tag:Name"), Values: []string{"web"}},
	}})
	if err != nil || len(filtered.Reservations) != 1 || aws.ToString(filtered.Reservations[0].Instances[0].InstanceId) != id {
		t.Fatalf("filtered: %v %+v", err, filtered)
	}

	// An Elastic IP replaces the public address; a route targets the
	// instance.
	eip, err := c.AllocateAddress(ctx, &ec2.AllocateAddressInput{Domain: types.DomainTypeVpc})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.AssociateAddress(ctx, &ec2.AssociateAddressInput{AllocationId: eip.AllocationId, InstanceId: &id}); err != nil {
		t.Fatal(err)
	}
	got, err := c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if err != nil || aws.ToString(got.Reservations[0].Instances[0].PublicIpAddress) != aws.ToString(eip.PublicIp) {
		t.Fatalf("public address after association: %v", err)
	}
	rt, err := c.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: vpcID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: rt.RouteTable.RouteTableId, DestinationCidrBlock: aws.String("192.168.0.0/16"), InstanceId: &id}); err != nil {
		t.Fatal(err)
	}

	// Protection, then the lifecycle with the waiters.
	if _, err := c.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: &id, DisableApiTermination: &types.AttributeBooleanValue{Value: aws.Bool(true)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{id}}); apiCode(t, err) != "OperationNotPermitted" ||
		!strings.Contains(err.Error(), "may not be terminated. Modify its 'disableApiTermination' instance attribute and try again.") {
		t.Fatalf("protected: %v", err)
	}
	if _, err := c.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: &id, DisableApiTermination: &types.AttributeBooleanValue{Value: aws.Bool(false)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: &id, InstanceType: &types.AttributeValue{Value: aws.String("t3.small")}}); apiCode(t, err) != "IncorrectInstanceState" {
		t.Fatalf("type change while running: %v", err)
	}
	if _, err := c.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{id}}); err != nil {
		t.Fatal(err)
	}
	stopped := ec2.NewInstanceStoppedWaiter(c, func(o *ec2.InstanceStoppedWaiterOptions) { o.MinDelay, o.MaxDelay = 250*time.Millisecond, time.Second })
	if err := stopped.Wait(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}}, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: &id, InstanceType: &types.AttributeValue{Value: aws.String("t3.small")}}); err != nil {
		t.Fatalf("type change while stopped: %v", err)
	}
	if _, err := c.StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: []string{id}}); err != nil {
		t.Fatal(err)
	}
	waitRunning(t, c, id)
	term, err := c.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{id}})
	if err != nil || term.TerminatingInstances[0].CurrentState.Name != types.InstanceStateNameShuttingDown {
		t.Fatalf("terminate: %v", err)
	}
	terminated := ec2.NewInstanceTerminatedWaiter(c, func(o *ec2.InstanceTerminatedWaiterOptions) {
		o.MinDelay, o.MaxDelay = 250*time.Millisecond, time.Second
	})
	if err := terminated.Wait(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}}, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := c.StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: []string{id}}); apiCode(t, err) != "IncorrectInstanceState" {
		t.Fatalf("start a terminated instance: %v", err)
	}
	subnets, err = c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{aws.ToString(subnetID)}})
	if err != nil || aws.ToInt32(subnets.Subnets[0].AvailableIpAddressCount) != 251 {
		t.Fatalf("addresses after termination: %v %v", err, aws.ToInt32(subnets.Subnets[0].AvailableIpAddressCount))
	}
	addrs, err := c.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{AllocationIds: []string{aws.ToString(eip.AllocationId)}})
	if err != nil || addrs.Addresses[0].AssociationId != nil {
		t.Fatalf("the Elastic IP stays allocated, disassociated: %v %+v", err, addrs)
	}
	rts, err := c.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{RouteTableIds: []string{aws.ToString(rt.RouteTable.RouteTableId)}})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rts.RouteTables[0].Routes {
		if aws.ToString(r.DestinationCidrBlock) == "192.168.0.0/16" && r.State != types.RouteStateBlackhole {
			t.Errorf("route to a terminated instance: %v", r.State)
		}
	}
}

// TestInstancesVcpuQuota: a small running vCPU quota refuses what does
// not fit with AWS's code, and launches as many as fit between MinCount
// and MaxCount.
func TestInstancesVcpuQuota(t *testing.T) {
	s := StartServer(t, "--ec2-quotas", "standard-vcpus=4")
	ctx := context.Background()
	c := ec2.NewFromConfig(s.DefaultConfig())
	in := &ec2.RunInstancesInput{ImageId: aws.String("resolve:ssm:" + al2023Param), InstanceType: types.InstanceTypeT3Micro, MinCount: aws.Int32(3), MaxCount: aws.Int32(3)}
	if _, err := c.RunInstances(ctx, in); apiCode(t, err) != "VcpuLimitExceeded" || !strings.Contains(err.Error(), "current vCPU limit of 4 allows") {
		t.Fatalf("over the quota: %v", err)
	}
	in.MinCount, in.MaxCount = aws.Int32(1), aws.Int32(5)
	out, err := c.RunInstances(ctx, in)
	if err != nil || len(out.Instances) != 2 {
		t.Fatalf("as many as fit: %v", err)
	}
}
