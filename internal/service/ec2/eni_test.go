package ec2

import (
	"context"
	"slices"
	"strings"
	"testing"

	ec2api "hakoniwa/internal/api/ec2"
)

func availableIPs(t *testing.T, s *Service, ctx context.Context, subnet string) int64 {
	t.Helper()
	out, err := s.DescribeSubnets(ctx, &ec2api.DescribeSubnetsInput{SubnetIds: []string{subnet}})
	if err != nil {
		t.Fatal(err)
	}
	return *out.Subnets[0].AvailableIpAddressCount
}

func mustENI(t *testing.T, s *Service, ctx context.Context, in *ec2api.CreateNetworkInterfaceInput) ec2api.NetworkInterface {
	t.Helper()
	out, err := s.CreateNetworkInterface(ctx, in)
	if err != nil {
		t.Fatalf("CreateNetworkInterface: %v", err)
	}
	return *out.NetworkInterface
}

func describeENI(t *testing.T, s *Service, ctx context.Context, id string) ec2api.NetworkInterface {
	t.Helper()
	out, err := s.DescribeNetworkInterfaces(ctx, &ec2api.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{id}})
	if err != nil || len(out.NetworkInterfaces) != 1 {
		t.Fatalf("describe %s: %v", id, err)
	}
	return out.NetworkInterfaces[0]
}

func eniIPs(n ec2api.NetworkInterface) []string {
	var out []string
	for _, a := range n.PrivateIpAddresses {
		out = append(out, *a.PrivateIpAddress)
	}
	return out
}

// TestENIAddresses covers address allocation in a /28: 16 addresses, five
// reserved, eleven usable (.4 to .14).
func TestENIAddresses(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	vpc := mustVPC(t, s, ctx, "10.0.0.0/16")
	sn := mustSubnet(t, s, ctx, vpc, "10.0.1.0/28", "us-east-1a")
	other := mustSubnet(t, s, ctx, vpc, "10.0.2.0/28", "us-east-1a")
	if got := availableIPs(t, s, ctx, sn); got != 11 {
		t.Fatalf("fresh /28: %d available", got)
	}
	first := mustENI(t, s, ctx, &ec2api.CreateNetworkInterfaceInput{SubnetId: &sn})
	if *first.PrivateIpAddress != "10.0.1.4" {
		t.Errorf("lowest free: %s, want 10.0.1.4", *first.PrivateIpAddress)
	}
	chosen := mustENI(t, s, ctx, &ec2api.CreateNetworkInterfaceInput{SubnetId: &sn, PrivateIpAddress: ptr("10.0.1.9")})
	if *chosen.PrivateIpAddress != "10.0.1.9" || availableIPs(t, s, ctx, sn) != 9 {
		t.Fatalf("chosen: %s, %d available", *chosen.PrivateIpAddress, availableIPs(t, s, ctx, sn))
	}
	create := func(ip string) error {
		_, err := s.CreateNetworkInterface(ctx, &ec2api.CreateNetworkInterfaceInput{SubnetId: &sn, PrivateIpAddress: &ip})
		return err
	}
	var refusals []refusal
	for _, ip := range []string{"10.0.1.0", "10.0.1.1", "10.0.1.2", "10.0.1.3", "10.0.1.15", "10.0.2.5", "fe80::1", "nonsense"} {
		refusals = append(refusals, refusal{"address " + ip, create(ip), "InvalidParameterValue", "invalid value for parameter address: " + ip})
	}
	refusals = append(refusals, refusal{"in use", create("10.0.1.9"), "InvalidIPAddress.InUse", "The specified address is already in use."})
	checkRefusals(t, refusals)
	if got := availableIPs(t, s, ctx, sn); got != 9 {
		t.Fatalf("refusals changed the count: %d", got)
	}

	// Primary and secondaries in one call; the drawn ones skip .9.
	many := mustENI(t, s, ctx, &ec2api.CreateNetworkInterfaceInput{SubnetId: &sn, SecondaryPrivateIpAddressCount: ptr(int64(8))})
	want := []string{"10.0.1.5", "10.0.1.6", "10.0.1.7", "10.0.1.8", "10.0.1.10", "10.0.1.11", "10.0.1.12", "10.0.1.13", "10.0.1.14"}
	if got := eniIPs(many); !slices.Equal(got, want) {
		t.Errorf("secondaries: %v, want %v", got, want)
	}
	if got := availableIPs(t, s, ctx, sn); got != 0 {
		t.Fatalf("full subnet: %d available", got)
	}
	_, full := s.CreateNetworkInterface(ctx, &ec2api.CreateNetworkInterfaceInput{SubnetId: &sn})
	_, fullAssign := s.AssignPrivateIpAddresses(ctx, &ec2api.AssignPrivateIpAddressesInput{NetworkInterfaceId: first.NetworkInterfaceId, SecondaryPrivateIpAddressCount: ptr(int64(1))})
	checkRefusals(t, []refusal{
		{"exhausted", full, "InsufficientFreeAddressesInSubnet", ""},
		{"exhausted assign", fullAssign, "InsufficientFreeAddressesInSubnet", ""},
	})

	// Unassigning and deleting give addresses back.
	if _, err := s.UnassignPrivateIpAddresses(ctx, &ec2api.UnassignPrivateIpAddressesInput{NetworkInterfaceId: many.NetworkInterfaceId, PrivateIpAddresses: []string{"10.0.1.10", "10.0.1.11"}}); err != nil {
		t.Fatal(err)
	}
	if got := availableIPs(t, s, ctx, sn); got != 2 {
		t.Fatalf("after unassign: %d available", got)
	}
	_, primary := s.UnassignPrivateIpAddresses(ctx, &ec2api.UnassignPrivateIpAddressesInput{NetworkInterfaceId: many.NetworkInterfaceId, PrivateIpAddresses: []string{"10.0.1.5"}})
	_, notMine := s.UnassignPrivateIpAddresses(ctx, &ec2api.UnassignPrivateIpAddressesInput{NetworkInterfaceId: many.NetworkInterfaceId, PrivateIpAddresses: []string{"10.0.1.9"}})
	_, taken := s.AssignPrivateIpAddresses(ctx, &ec2api.AssignPrivateIpAddressesInput{NetworkInterfaceId: first.NetworkInterfaceId, PrivateIpAddresses: []string{"10.0.1.12"}})
	_, primaryMove := s.AssignPrivateIpAddresses(ctx, &ec2api.AssignPrivateIpAddressesInput{NetworkInterfaceId: first.NetworkInterfaceId, PrivateIpAddresses: []string{"10.0.1.9"}, AllowReassignment: ptr(true)})
	checkRefusals(t, []refusal{
		{"unassign primary", primary, "InvalidParameterValue", ""},
		{"unassign foreign", notMine, "InvalidParameterValue", ""},
		{"assign taken", taken, "InvalidIPAddress.InUse", ""},
		{"reassign a primary", primaryMove, "InvalidIPAddress.InUse", ""},
	})
	// A secondary moves with AllowReassignment; the count stays.
	got, err := s.AssignPrivateIpAddresses(ctx, &ec2api.AssignPrivateIpAddressesInput{NetworkInterfaceId: first.NetworkInterfaceId, PrivateIpAddresses: []string{"10.0.1.12", "10.0.1.10"}, AllowReassignment: ptr(true)})
	if err != nil || len(got.AssignedPrivateIpAddresses) != 2 {
		t.Fatalf("reassign: %+v %v", got, err)
	}
	if ips := eniIPs(describeENI(t, s, ctx, *many.NetworkInterfaceId)); slices.Contains(ips, "10.0.1.12") {
		t.Errorf("10.0.1.12 still on the old interface: %v", ips)
	}
	if ips := eniIPs(describeENI(t, s, ctx, *first.NetworkInterfaceId)); !slices.Equal(ips, []string{"10.0.1.4", "10.0.1.12", "10.0.1.10"}) {
		t.Errorf("first interface: %v", ips)
	}
	if got := availableIPs(t, s, ctx, sn); got != 1 {
		t.Fatalf("after reassign: %d available", got)
	}
	for _, n := range []ec2api.NetworkInterface{first, chosen, many} {
		if _, err := s.DeleteNetworkInterface(ctx, &ec2api.DeleteNetworkInterfaceInput{NetworkInterfaceId: n.NetworkInterfaceId}); err != nil {
			t.Fatal(err)
		}
	}
	if got := availableIPs(t, s, ctx, sn); got != 11 {
		t.Fatalf("after deletes: %d available", got)
	}
	// The other subnet was never touched, and the freed .4 is drawn again.
	if got := availableIPs(t, s, ctx, other); got != 11 {
		t.Errorf("other subnet: %d", got)
	}
	if again := mustENI(t, s, ctx, &ec2api.CreateNetworkInterfaceInput{SubnetId: &sn}); *again.PrivateIpAddress != "10.0.1.4" {
		t.Errorf("reuse: %s", *again.PrivateIpAddress)
	}
}

func TestENIGroupsAndDependencies(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	n := mustNetwork(t, s, ctx)
	other := mustVPC(t, s, ctx, "10.1.0.0/16")
	sg, err := s.CreateSecurityGroup(ctx, &ec2api.CreateSecurityGroupInput{GroupName: ptr("web"), Description: ptr("web"), VpcId: &n.vpc})
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := s.CreateSecurityGroup(ctx, &ec2api.CreateSecurityGroupInput{GroupName: ptr("x"), Description: ptr("x"), VpcId: &other})
	if err != nil {
		t.Fatal(err)
	}
	def := mustENI(t, s, ctx, &ec2api.CreateNetworkInterfaceInput{SubnetId: &n.public, Description: ptr("default group")})
	if len(def.Groups) != 1 || *def.Groups[0].GroupName != "default" || *def.Status != "available" || *def.InterfaceType != "interface" ||
		len(*def.MacAddress) != 17 || (*def.MacAddress)[:3] != "02:" || !*def.SourceDestCheck || *def.PrivateDnsName != "ip-10-0-0-4.ec2.internal" {
		t.Errorf("defaults: %+v", def)
	}
	web := mustENI(t, s, ctx, &ec2api.CreateNetworkInterfaceInput{SubnetId: &n.public, Groups: []string{*sg.GroupId},
		TagSpecifications: []ec2api.TagSpecification{{ResourceType: ptr("network-interface"), Tags: []ec2api.Tag{{Key: ptr("Name"), Value: ptr("web")}}}}})
	_, wrongVPC := s.CreateNetworkInterface(ctx, &ec2api.CreateNetworkInterfaceInput{SubnetId: &n.public, Groups: []string{*foreign.GroupId}})
	_, noGroup := s.CreateNetworkInterface(ctx, &ec2api.CreateNetworkInterfaceInput{SubnetId: &n.public, Groups: []string{"sg-0123456789abcdef0"}})
	_, noSubnet := s.CreateNetworkInterface(ctx, &ec2api.CreateNetworkInterfaceInput{SubnetId: ptr("subnet-0123456789abcdef0")})
	_, delSG := s.DeleteSecurityGroup(ctx, &ec2api.DeleteSecurityGroupInput{GroupId: sg.GroupId})
	_, delSubnet := s.DeleteSubnet(ctx, &ec2api.DeleteSubnetInput{SubnetId: &n.public})
	_, attachUnknown := s.AttachNetworkInterface(ctx, &ec2api.AttachNetworkInterfaceInput{NetworkInterfaceId: web.NetworkInterfaceId, InstanceId: ptr("i-0123456789abcdef0"), DeviceIndex: ptr(int64(1))})
	_, detachUnknown := s.DetachNetworkInterface(ctx, &ec2api.DetachNetworkInterfaceInput{AttachmentId: ptr("eni-attach-0123456789abcdef0")})
	_, badAttr := s.DescribeNetworkInterfaceAttribute(ctx, &ec2api.DescribeNetworkInterfaceAttributeInput{NetworkInterfaceId: web.NetworkInterfaceId, Attribute: ptr("color")})
	_, twoAttrs := s.ModifyNetworkInterfaceAttribute(ctx, &ec2api.ModifyNetworkInterfaceAttributeInput{NetworkInterfaceId: web.NetworkInterfaceId,
		Description: &ec2api.AttributeValue{Value: ptr("x")}, SourceDestCheck: &ec2api.AttributeBooleanValue{Value: ptr(false)}})
	_, unknown := s.DeleteNetworkInterface(ctx, &ec2api.DeleteNetworkInterfaceInput{NetworkInterfaceId: ptr("eni-0123456789abcdef0")})
	_, malformed := s.DescribeNetworkInterfaces(ctx, &ec2api.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{"eni-xyz"}})
	checkRefusals(t, []refusal{
		{"group of another vpc", wrongVPC, "InvalidGroup.NotFound", "You have specified two resources that belong to different networks."},
		{"unknown group", noGroup, "InvalidGroup.NotFound", "The security group 'sg-0123456789abcdef0' does not exist"},
		{"unknown subnet", noSubnet, "InvalidSubnetID.NotFound", ""},
		{"delete used group", delSG, "DependencyViolation", "resource " + *sg.GroupId + " has a dependent object"},
		{"delete used subnet", delSubnet, "DependencyViolation", "The subnet '" + n.public + "' has dependencies and cannot be deleted."},
		{"attach unknown instance", attachUnknown, "InvalidInstanceID.NotFound", "The instance ID 'i-0123456789abcdef0' does not exist"},
		{"detach unknown", detachUnknown, "InvalidAttachmentID.NotFound", ""},
		{"bad attribute", badAttr, "InvalidParameterValue", ""},
		{"two attributes", twoAttrs, "InvalidParameterCombination", ""},
		{"unknown interface", unknown, "InvalidNetworkInterfaceID.NotFound", "The networkInterface ID 'eni-0123456789abcdef0' does not exist"},
		{"malformed", malformed, "InvalidNetworkInterfaceID.Malformed", ""},
	})

	// Attributes.
	if _, err := s.ModifyNetworkInterfaceAttribute(ctx, &ec2api.ModifyNetworkInterfaceAttributeInput{NetworkInterfaceId: web.NetworkInterfaceId, SourceDestCheck: &ec2api.AttributeBooleanValue{Value: ptr(false)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ModifyNetworkInterfaceAttribute(ctx, &ec2api.ModifyNetworkInterfaceAttributeInput{NetworkInterfaceId: web.NetworkInterfaceId, Groups: []string{*sg.GroupId, n.defaultSG(t, s, ctx)}}); err != nil {
		t.Fatal(err)
	}
	attr, err := s.DescribeNetworkInterfaceAttribute(ctx, &ec2api.DescribeNetworkInterfaceAttributeInput{NetworkInterfaceId: web.NetworkInterfaceId, Attribute: ptr("sourceDestCheck")})
	if err != nil || *attr.SourceDestCheck.Value {
		t.Fatalf("sourceDestCheck: %+v %v", attr, err)
	}
	attr, err = s.DescribeNetworkInterfaceAttribute(ctx, &ec2api.DescribeNetworkInterfaceAttributeInput{NetworkInterfaceId: web.NetworkInterfaceId, Attribute: ptr("groupSet")})
	if err != nil || len(attr.Groups) != 2 {
		t.Fatalf("groupSet: %+v %v", attr, err)
	}

	// Filters.
	for _, tc := range []struct {
		filter []ec2api.Filter
		want   []string
	}{
		{filters("group-id", *sg.GroupId), []string{*web.NetworkInterfaceId}},
		{filters("group-name", "default"), []string{*def.NetworkInterfaceId, *web.NetworkInterfaceId}},
		{filters("private-ip-address", "10.0.0.5"), []string{*web.NetworkInterfaceId}},
		{filters("addresses.private-ip-address", "10.0.0.*"), []string{*def.NetworkInterfaceId, *web.NetworkInterfaceId}},
		{filters("subnet-id", n.public, "status", "available"), []string{*def.NetworkInterfaceId, *web.NetworkInterfaceId}},
		{filters("vpc-id", other), nil},
		{filters("tag:Name", "web"), []string{*web.NetworkInterfaceId}},
		{filters("description", "default*"), []string{*def.NetworkInterfaceId}},
		{filters("source-dest-check", "false"), []string{*web.NetworkInterfaceId}},
		{filters("mac-address", *def.MacAddress), []string{*def.NetworkInterfaceId}},
		{filters("requester-managed", "false", "interface-type", "interface"), []string{*def.NetworkInterfaceId, *web.NetworkInterfaceId}},
	} {
		out, err := s.DescribeNetworkInterfaces(ctx, &ec2api.DescribeNetworkInterfacesInput{Filters: tc.filter})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, x := range out.NetworkInterfaces {
			got = append(got, *x.NetworkInterfaceId)
		}
		slices.Sort(tc.want)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s=%v: %v, want %v", *tc.filter[0].Name, tc.filter[0].Values, got, tc.want)
		}
	}

	// Once the interfaces go, the group and the subnet can.
	for _, x := range []ec2api.NetworkInterface{def, web} {
		if _, err := s.DeleteNetworkInterface(ctx, &ec2api.DeleteNetworkInterfaceInput{NetworkInterfaceId: x.NetworkInterfaceId}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.DeleteSecurityGroup(ctx, &ec2api.DeleteSecurityGroupInput{GroupId: sg.GroupId}); err != nil {
		t.Errorf("delete group: %v", err)
	}
	if _, err := s.DeleteSubnet(ctx, &ec2api.DeleteSubnetInput{SubnetId: &n.public}); err != nil {
		t.Errorf("delete subnet: %v", err)
	}
}

func (n network) defaultSG(t *testing.T, s *Service, ctx context.Context) string {
	t.Helper()
	out, err := s.DescribeSecurityGroups(ctx, &ec2api.DescribeSecurityGroupsInput{Filters: filters("vpc-id", n.vpc, "group-name", "default")})
	if err != nil || len(out.SecurityGroups) != 1 {
		t.Fatalf("default group: %v", err)
	}
	return *out.SecurityGroups[0].GroupId
}

func TestENIElasticIP(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	n := mustNetwork(t, s, ctx)
	x := mustENI(t, s, ctx, &ec2api.CreateNetworkInterfaceInput{SubnetId: &n.public, SecondaryPrivateIpAddressCount: ptr(int64(1))})
	a, err := s.AllocateAddress(ctx, &ec2api.AllocateAddressInput{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.AllocateAddress(ctx, &ec2api.AllocateAddressInput{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AssociateAddress(ctx, &ec2api.AssociateAddressInput{AllocationId: a.AllocationId, NetworkInterfaceId: x.NetworkInterfaceId}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AssociateAddress(ctx, &ec2api.AssociateAddressInput{AllocationId: b.AllocationId, NetworkInterfaceId: x.NetworkInterfaceId, PrivateIpAddress: ptr("10.0.0.5")}); err != nil {
		t.Fatal(err)
	}
	got := describeENI(t, s, ctx, *x.NetworkInterfaceId)
	if got.Association == nil || *got.Association.PublicIp != *a.PublicIp || got.PrivateIpAddresses[1].Association == nil ||
		*got.PrivateIpAddresses[1].Association.PublicIp != *b.PublicIp {
		t.Fatalf("associations: %+v", got)
	}
	out, err := s.DescribeNetworkInterfaces(ctx, &ec2api.DescribeNetworkInterfacesInput{Filters: filters("association.public-ip", *a.PublicIp)})
	if err != nil || len(out.NetworkInterfaces) != 1 {
		t.Fatalf("association.public-ip: %v %v", out, err)
	}
	// Unassigning the secondary address frees its Elastic IP; deleting
	// the interface frees the other.
	if _, err := s.UnassignPrivateIpAddresses(ctx, &ec2api.UnassignPrivateIpAddressesInput{NetworkInterfaceId: x.NetworkInterfaceId, PrivateIpAddresses: []string{"10.0.0.5"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteNetworkInterface(ctx, &ec2api.DeleteNetworkInterfaceInput{NetworkInterfaceId: x.NetworkInterfaceId}); err != nil {
		t.Fatal(err)
	}
	addrs, err := s.DescribeAddresses(ctx, &ec2api.DescribeAddressesInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, ad := range addrs.Addresses {
		if ad.AssociationId != nil {
			t.Errorf("%s still associated", *ad.PublicIp)
		}
	}
}

// TestENIBesideNAT checks that a NAT gateway's address, which lives in
// the NAT record, is never handed to an interface.
func TestENIBesideNAT(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	n := mustNetwork(t, s, ctx)
	if _, err := s.CreateNatGateway(ctx, &ec2api.CreateNatGatewayInput{SubnetId: &n.private, ConnectivityType: ptr("private"), PrivateIpAddress: ptr("10.0.1.4")}); err != nil {
		t.Fatal(err)
	}
	x := mustENI(t, s, ctx, &ec2api.CreateNetworkInterfaceInput{SubnetId: &n.private})
	if *x.PrivateIpAddress != "10.0.1.5" {
		t.Errorf("beside NAT: %s", *x.PrivateIpAddress)
	}
	_, err := s.CreateNetworkInterface(ctx, &ec2api.CreateNetworkInterfaceInput{SubnetId: &n.private, PrivateIpAddress: ptr("10.0.1.4")})
	_, natOnENI := s.CreateNatGateway(ctx, &ec2api.CreateNatGatewayInput{SubnetId: &n.private, ConnectivityType: ptr("private"), PrivateIpAddress: x.PrivateIpAddress})
	checkRefusals(t, []refusal{
		{"NAT address", err, "InvalidIPAddress.InUse", ""},
		{"NAT on an interface address", natOnENI, "InvalidIPAddress.InUse", ""},
	})
	if got := availableIPs(t, s, ctx, n.private); got != 251-2 {
		t.Errorf("available: %d", got)
	}
}

// TestENIPublicDNSName: an interface's public address has EC2's public host
// name only in a VPC with enableDnsHostnames (the default VPC's launch-time
// address; an Elastic IP once the new VPC turns the attribute on), and the
// association.public-dns-name filter finds it by that name.
func TestENIPublicDNSName(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	byName := func(name string, more ...string) []string {
		t.Helper()
		out, err := s.DescribeNetworkInterfaces(ctx, &ec2api.DescribeNetworkInterfacesInput{Filters: filters(append([]string{"association.public-dns-name", name}, more...)...)})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, n := range out.NetworkInterfaces {
			ids = append(ids, *n.NetworkInterfaceId)
		}
		return ids
	}
	dnsOf := func(id string) string {
		t.Helper()
		a := describeENI(t, s, ctx, id).Association
		if a == nil || a.PublicDnsName == nil {
			t.Fatalf("%s: association %+v without PublicDnsName", id, a)
		}
		return *a.PublicDnsName
	}

	// The default VPC names the launch-time address.
	inst := run(t, s, ctx, ec2api.RunInstancesInput{ImageId: ptr(al2023(t))}).Instances[0]
	primary := *inst.NetworkInterfaces[0].NetworkInterfaceId
	want := "ec2-" + strings.ReplaceAll(*inst.PublicIpAddress, ".", "-") + ".compute-1.amazonaws.com"
	if got := dnsOf(primary); got != want {
		t.Errorf("launch-time address: %q, want %q", got, want)
	}
	if got := describeOne(t, s, ctx, *inst.InstanceId).NetworkInterfaces[0].Association; got == nil || deref(got.PublicDnsName) != want {
		t.Errorf("DescribeInstances interface association: %+v, want %s", got, want)
	}
	if got := byName(want); len(got) != 1 || got[0] != primary {
		t.Errorf("filter %s: %v, want %s", want, got, primary)
	}

	// A new VPC has enableDnsHostnames off: the Elastic IP has no name.
	n := mustNetwork(t, s, ctx)
	x := *mustENI(t, s, ctx, &ec2api.CreateNetworkInterfaceInput{SubnetId: &n.public}).NetworkInterfaceId
	eip, err := s.AllocateAddress(ctx, &ec2api.AllocateAddressInput{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AssociateAddress(ctx, &ec2api.AssociateAddressInput{AllocationId: eip.AllocationId, NetworkInterfaceId: &x}); err != nil {
		t.Fatal(err)
	}
	if got := dnsOf(x); got != "" {
		t.Errorf("without DNS hostnames: %q", got)
	}
	if got := byName("ec2-*", "vpc-id", n.vpc); len(got) != 0 {
		t.Errorf("filter without DNS hostnames: %v", got)
	}
	if _, err := s.ModifyVpcAttribute(ctx, &ec2api.ModifyVpcAttributeInput{VpcId: &n.vpc, EnableDnsHostnames: &ec2api.AttributeBooleanValue{Value: ptr(true)}}); err != nil {
		t.Fatal(err)
	}
	want = "ec2-" + strings.ReplaceAll(*eip.PublicIp, ".", "-") + ".compute-1.amazonaws.com"
	if got := dnsOf(x); got != want {
		t.Errorf("with DNS hostnames: %q, want %q", got, want)
	}
	if got := byName("ec2-*", "vpc-id", n.vpc); len(got) != 1 || got[0] != x {
		t.Errorf("filter with DNS hostnames: %v, want %s", got, x)
	}
	if got := byName(want); len(got) != 1 || got[0] != x {
		t.Errorf("filter %s: %v, want %s", want, got, x)
	}
}
