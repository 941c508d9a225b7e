package ec2

import (
	"testing"

	ec2api "hakoniwa/internal/api/ec2"
)

// TestRouteToInstance checks what a route to an instance shows and that
// an instance with a second interface can no longer be a route's or an
// Elastic IP's target by its id.
func TestRouteToInstance(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	n := mustNetwork(t, s, ctx)
	inst := run(t, s, ctx, ec2api.RunInstancesInput{ImageId: ptr(al2023(t)), InstanceType: ptr("t3.micro"), SubnetId: &n.public}).Instances[0]
	id, primary := *inst.InstanceId, *inst.NetworkInterfaces[0].NetworkInterfaceId
	rtb := mustRouteTable(t, s, ctx, n.vpc)
	if _, err := s.CreateRoute(ctx, &ec2api.CreateRouteInput{RouteTableId: &rtb, DestinationCidrBlock: ptr("192.168.0.0/16"), InstanceId: &id}); err != nil {
		t.Fatal(err)
	}
	var got ec2api.Route
	table := describeRT(t, s, ctx, rtb)
	for _, r := range table.Routes {
		if deref(r.DestinationCidrBlock) == "192.168.0.0/16" {
			got = r
		}
	}
	if deref(got.InstanceId) != id || deref(got.InstanceOwnerId) != deref(table.OwnerId) || deref(got.NetworkInterfaceId) != primary || deref(got.State) != routeActive {
		t.Fatalf("route to the instance: %s %s %s %s", deref(got.InstanceId), deref(got.InstanceOwnerId), deref(got.NetworkInterfaceId), deref(got.State))
	}

	second := mustENI(t, s, ctx, &ec2api.CreateNetworkInterfaceInput{SubnetId: &n.public})
	if _, err := s.AttachNetworkInterface(ctx, &ec2api.AttachNetworkInterfaceInput{NetworkInterfaceId: second.NetworkInterfaceId, InstanceId: &id, DeviceIndex: ptr(int64(1))}); err != nil {
		t.Fatal(err)
	}
	eip, err := s.AllocateAddress(ctx, &ec2api.AllocateAddressInput{Domain: ptr("vpc")})
	if err != nil {
		t.Fatal(err)
	}
	_, associate := s.AssociateAddress(ctx, &ec2api.AssociateAddressInput{AllocationId: eip.AllocationId, InstanceId: &id})
	_, create := s.CreateRoute(ctx, &ec2api.CreateRouteInput{RouteTableId: &rtb, DestinationCidrBlock: ptr("172.16.0.0/12"), InstanceId: &id})
	_, replace := s.ReplaceRoute(ctx, &ec2api.ReplaceRouteInput{RouteTableId: &rtb, DestinationCidrBlock: ptr("192.168.0.0/16"), InstanceId: &id})
	multiple := "There are multiple interfaces attached to instance '" + id + "'. Please specify an interface ID for the operation instead."
	checkRefusals(t, []refusal{
		{"create with two interfaces", create, "InvalidInstanceID", multiple},
		{"replace with two interfaces", replace, "InvalidInstanceID", multiple},
		{"Elastic IP to an instance with two interfaces", associate, "InvalidInstanceID", multiple},
	})
	// The interface itself still is a valid target.
	if _, err := s.CreateRoute(ctx, &ec2api.CreateRouteInput{RouteTableId: &rtb, DestinationCidrBlock: ptr("172.16.0.0/12"), NetworkInterfaceId: second.NetworkInterfaceId}); err != nil {
		t.Fatal(err)
	}
}
