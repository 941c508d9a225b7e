package e2e

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// TestInstanceNetworking is the VPC issue's instance part: interfaces
// attached to and detached from an instance (device indexes, zones, the
// instance type's interface limit), an Elastic IP moved between instances,
// and what termination does to both.
func TestInstanceNetworking(t *testing.T) {
	s := StartServer(t)
	ctx := context.Background()
	c := ec2.NewFromConfig(s.DefaultConfig())
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	vpc, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.2.0.0/16")})
	must(err)
	subnet := func(cidr, az string) string {
		out, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.Vpc.VpcId, CidrBlock: aws.String(cidr), AvailabilityZone: aws.String(az)})
		must(err)
		return aws.ToString(out.Subnet.SubnetId)
	}
	snA, snB := subnet("10.2.1.0/24", "us-east-1a"), subnet("10.2.2.0/24", "us-east-1b")
	run, err := c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String("resolve:ssm:" + al2023Param), InstanceType: types.InstanceTypeT3Micro,
		MinCount: aws.Int32(2), MaxCount: aws.Int32(2), SubnetId: &snA})
	must(err)
	a, b := aws.ToString(run.Instances[0].InstanceId), aws.ToString(run.Instances[1].InstanceId)
	waitRunning(t, c, a, b)
	newENI := func(sn string) string {
		out, err := c.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: &sn})
		must(err)
		return aws.ToString(out.NetworkInterface.NetworkInterfaceId)
	}

	second := newENI(snA)
	att, err := c.AttachNetworkInterface(ctx, &ec2.AttachNetworkInterfaceInput{NetworkInterfaceId: &second, InstanceId: &a, DeviceIndex: aws.Int32(1)})
	must(err)
	eni := describeENI(t, c, second)
	if eni.Status != types.NetworkInterfaceStatusInUse || aws.ToString(eni.Attachment.InstanceId) != a || aws.ToInt32(eni.Attachment.DeviceIndex) != 1 {
		t.Fatalf("attached interface: %+v", eni)
	}
	if n := len(describeInstance(t, c, a).NetworkInterfaces); n != 2 {
		t.Errorf("instance shows %d interfaces, want 2", n)
	}
	// The same device index again, another zone's interface, and one more
	// than a t3.micro takes (2).
	third := newENI(snA)
	_, err = c.AttachNetworkInterface(ctx, &ec2.AttachNetworkInterfaceInput{NetworkInterfaceId: &third, InstanceId: &a, DeviceIndex: aws.Int32(1)})
	wantAPIError(t, err, "InvalidParameterValue", "already has an interface attached at device index '1'")
	other := newENI(snB)
	_, err = c.AttachNetworkInterface(ctx, &ec2.AttachNetworkInterfaceInput{NetworkInterfaceId: &other, InstanceId: &a, DeviceIndex: aws.Int32(2)})
	wantAPIError(t, err, "InvalidParameterValue", "different availability zones")
	_, err = c.AttachNetworkInterface(ctx, &ec2.AttachNetworkInterfaceInput{NetworkInterfaceId: &third, InstanceId: &a, DeviceIndex: aws.Int32(2)})
	wantAPIError(t, err, "AttachmentLimitExceeded", "t3.micro")
	// An instance's primary interface cannot be detached or deleted.
	primary := aws.ToString(describeInstance(t, c, a).NetworkInterfaces[0].Attachment.AttachmentId)
	for _, ni := range describeInstance(t, c, a).NetworkInterfaces {
		if aws.ToInt32(ni.Attachment.DeviceIndex) == 0 {
			primary = aws.ToString(ni.Attachment.AttachmentId)
			_, err = c.DeleteNetworkInterface(ctx, &ec2.DeleteNetworkInterfaceInput{NetworkInterfaceId: ni.NetworkInterfaceId})
			wantAPIError(t, err, "InvalidNetworkInterface.InUse", "in use")
		}
	}
	_, err = c.DetachNetworkInterface(ctx, &ec2.DetachNetworkInterfaceInput{AttachmentId: &primary})
	wantAPIError(t, err, "OperationNotPermitted", "device index 0 cannot be detached")
	_, err = c.DetachNetworkInterface(ctx, &ec2.DetachNetworkInterfaceInput{AttachmentId: att.AttachmentId})
	must(err)
	if st := describeENI(t, c, second).Status; st != types.NetworkInterfaceStatusAvailable {
		t.Errorf("detached interface is %s", st)
	}

	// An Elastic IP on a, kept there by AllowReassociation=false; the VPC
	// needs an internet gateway first.
	eip, err := c.AllocateAddress(ctx, &ec2.AllocateAddressInput{Domain: types.DomainTypeVpc})
	must(err)
	_, err = c.AssociateAddress(ctx, &ec2.AssociateAddressInput{AllocationId: eip.AllocationId, InstanceId: &a})
	wantAPIError(t, err, "Gateway.NotAttached", "is not attached to any internet gateway")
	igw, err := c.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{})
	must(err)
	_, err = c.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: igw.InternetGateway.InternetGatewayId, VpcId: vpc.Vpc.VpcId})
	must(err)
	_, err = c.AssociateAddress(ctx, &ec2.AssociateAddressInput{AllocationId: eip.AllocationId, InstanceId: &a})
	must(err)
	if ip := aws.ToString(describeInstance(t, c, a).PublicIpAddress); ip != aws.ToString(eip.PublicIp) {
		t.Errorf("instance a's public address %q, want the Elastic IP %s", ip, aws.ToString(eip.PublicIp))
	}
	_, err = c.AssociateAddress(ctx, &ec2.AssociateAddressInput{AllocationId: eip.AllocationId, InstanceId: &b, AllowReassociation: aws.Bool(false)})
	wantAPIError(t, err, "Resource.AlreadyAssociated", "")
	// Left out, AllowReassociation moves the address (the AssociateAddress
	// reference: "Reassociation is automatic"); true moves it too.
	for _, step := range []struct {
		to    string
		allow *bool
	}{{b, nil}, {a, aws.Bool(true)}, {b, nil}} {
		_, err = c.AssociateAddress(ctx, &ec2.AssociateAddressInput{AllocationId: eip.AllocationId, InstanceId: &step.to, AllowReassociation: step.allow})
		must(err)
		from := a
		if step.to == a {
			from = b
		}
		if got := aws.ToString(describeAddress(t, c, eip.AllocationId).InstanceId); got != step.to {
			t.Fatalf("address on %q, want %s", got, step.to)
		}
		if ip := aws.ToString(describeInstance(t, c, step.to).PublicIpAddress); ip != aws.ToString(eip.PublicIp) {
			t.Errorf("%s's public address %q, want %s", step.to, ip, aws.ToString(eip.PublicIp))
		}
		if ip := aws.ToString(describeInstance(t, c, from).PublicIpAddress); ip == aws.ToString(eip.PublicIp) {
			t.Errorf("%s keeps the Elastic IP after the move", from)
		}
	}
	// Terminating b leaves the address allocated and unassociated, and
	// nothing attaches to a terminated instance.
	_, err = c.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{b}})
	must(err)
	w := ec2.NewInstanceTerminatedWaiter(c, func(o *ec2.InstanceTerminatedWaiterOptions) { o.MinDelay, o.MaxDelay = 250e6, 1e9 })
	must(w.Wait(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{b}}, 30e9))
	if addr := describeAddress(t, c, eip.AllocationId); addr.InstanceId != nil || addr.AssociationId != nil {
		t.Errorf("address still associated after termination: %+v", addr)
	}
	_, err = c.AttachNetworkInterface(ctx, &ec2.AttachNetworkInterfaceInput{NetworkInterfaceId: &second, InstanceId: &b, DeviceIndex: aws.Int32(1)})
	wantAPIError(t, err, "IncorrectInstanceState", "")
}

func describeENI(t *testing.T, c *ec2.Client, id string) types.NetworkInterface {
	t.Helper()
	out, err := c.DescribeNetworkInterfaces(context.Background(), &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{id}})
	if err != nil || len(out.NetworkInterfaces) != 1 {
		t.Fatalf("describe %s: %v", id, err)
	}
	return out.NetworkInterfaces[0]
}

func describeInstance(t *testing.T, c *ec2.Client, id string) types.Instance {
	t.Helper()
	out, err := c.DescribeInstances(context.Background(), &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if err != nil || len(out.Reservations) != 1 || len(out.Reservations[0].Instances) != 1 {
		t.Fatalf("describe %s: %v", id, err)
	}
	return out.Reservations[0].Instances[0]
}

func describeAddress(t *testing.T, c *ec2.Client, alloc *string) types.Address {
	t.Helper()
	out, err := c.DescribeAddresses(context.Background(), &ec2.DescribeAddressesInput{AllocationIds: []string{aws.ToString(alloc)}})
	if err != nil || len(out.Addresses) != 1 {
		t.Fatalf("describe address: %v", err)
	}
	return out.Addresses[0]
}
