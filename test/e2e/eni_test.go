package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// TestNetworkInterfacesAndEndpoints drives network interfaces, an Elastic
// IP on an interface, and gateway and interface VPC endpoints through
// aws-sdk-go-v2 and the aws CLI v2.
func TestNetworkInterfacesAndEndpoints(t *testing.T) {
	s := StartServer(t)
	ctx := context.Background()
	c := ec2.NewFromConfig(s.DefaultConfig())

	cv, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	vpc := aws.ToString(cv.Vpc.VpcId)
	subnet := func(cidr, zone string) string {
		out, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: &vpc, CidrBlock: aws.String(cidr), AvailabilityZone: aws.String(zone)})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.Subnet.SubnetId)
	}
	snA, snB := subnet("10.0.1.0/24", "us-east-1a"), subnet("10.0.2.0/24", "us-east-1b")
	available := func(id string) int32 {
		t.Helper()
		out, err := c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{id}})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToInt32(out.Subnets[0].AvailableIpAddressCount)
	}
	sg, err := c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("web"), Description: aws.String("web"), VpcId: &vpc})
	if err != nil {
		t.Fatal(err)
	}

	// An interface with a chosen address, with the SDK.
	eni, err := c.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: &snA, PrivateIpAddress: aws.String("10.0.1.50"),
		Groups: []string{aws.ToString(sg.GroupId)}, Description: aws.String("app")})
	if err != nil {
		t.Fatal(err)
	}
	eniID := aws.ToString(eni.NetworkInterface.NetworkInterfaceId)
	if aws.ToString(eni.NetworkInterface.PrivateIpAddress) != "10.0.1.50" || eni.NetworkInterface.Status != types.NetworkInterfaceStatusAvailable {
		t.Fatalf("interface: %+v", eni.NetworkInterface)
	}
	if got := available(snA); got != 250 {
		t.Fatalf("available after create: %d", got)
	}
	for _, tc := range []struct{ ip, code string }{
		{"10.0.1.50", "InvalidIPAddress.InUse"},
		{"10.0.1.1", "InvalidParameterValue"},   // the VPC router
		{"10.0.1.255", "InvalidParameterValue"}, // broadcast
		{"10.0.9.9", "InvalidParameterValue"},   // outside the subnet
	} {
		_, err := c.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: &snA, PrivateIpAddress: aws.String(tc.ip)})
		ec2Refusal(t, "address "+tc.ip, err, tc.code, "")
	}

	// Secondary addresses with the CLI v2.
	var assigned struct {
		AssignedPrivateIpAddresses []struct{ PrivateIpAddress string }
	}
	cliV2(t, s, &assigned, "assign-private-ip-addresses", "--network-interface-id", eniID, "--secondary-private-ip-address-count", "2")
	if len(assigned.AssignedPrivateIpAddresses) != 2 || assigned.AssignedPrivateIpAddresses[0].PrivateIpAddress != "10.0.1.4" {
		t.Fatalf("assigned: %+v", assigned)
	}
	if got := available(snA); got != 248 {
		t.Fatalf("available after assign: %d", got)
	}
	var described struct {
		NetworkInterfaces []struct {
			NetworkInterfaceId string
			PrivateIpAddresses []struct{ PrivateIpAddress string }
			Association        *struct{ PublicIp string }
		}
	}
	cliV2(t, s, &described, "describe-network-interfaces", "--filters", "Name=addresses.private-ip-address,Values=10.0.1.5", "Name=group-id,Values="+aws.ToString(sg.GroupId))
	if len(described.NetworkInterfaces) != 1 || len(described.NetworkInterfaces[0].PrivateIpAddresses) != 3 {
		t.Fatalf("describe: %+v", described)
	}

	// Subnet and group are in use.
	_, err = c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: &snA})
	ec2Refusal(t, "delete subnet", err, "DependencyViolation", "")
	_, err = c.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: sg.GroupId})
	ec2Refusal(t, "delete group", err, "DependencyViolation", "")
	cliV2Refusal(t, s, "InvalidInstanceID.NotFound", "attach-network-interface", "--network-interface-id", eniID, "--instance-id", "i-0123456789abcdef0", "--device-index", "1")

	// An Elastic IP on the interface.
	igw, err := c.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: igw.InternetGateway.InternetGatewayId, VpcId: &vpc}); err != nil {
		t.Fatal(err)
	}
	eip, err := c.AllocateAddress(ctx, &ec2.AllocateAddressInput{Domain: types.DomainTypeVpc})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.AssociateAddress(ctx, &ec2.AssociateAddressInput{AllocationId: eip.AllocationId, NetworkInterfaceId: &eniID}); err != nil {
		t.Fatal(err)
	}
	cliV2(t, s, &described, "describe-network-interfaces", "--filters", "Name=association.public-ip,Values="+aws.ToString(eip.PublicIp))
	if len(described.NetworkInterfaces) != 1 || described.NetworkInterfaces[0].Association == nil ||
		described.NetworkInterfaces[0].Association.PublicIp != aws.ToString(eip.PublicIp) {
		t.Fatalf("association: %+v", described)
	}

	// A gateway endpoint for S3 routes the prefix list through itself.
	rt, err := c.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: &vpc})
	if err != nil {
		t.Fatal(err)
	}
	rtb := aws.ToString(rt.RouteTable.RouteTableId)
	var pls struct {
		PrefixLists []struct{ PrefixListId, PrefixListName string }
	}
	cliV2(t, s, &pls, "describe-prefix-lists", "--filters", "Name=prefix-list-name,Values=com.amazonaws.us-east-1.s3")
	if len(pls.PrefixLists) != 1 {
		t.Fatalf("prefix lists: %+v", pls)
	}
	pl := pls.PrefixLists[0].PrefixListId
	var gw struct {
		VpcEndpoint struct{ VpcEndpointId, VpcEndpointType string }
	}
	cliV2(t, s, &gw, "create-vpc-endpoint", "--vpc-id", vpc, "--service-name", "com.amazonaws.us-east-1.s3", "--route-table-ids", rtb)
	gwID := gw.VpcEndpoint.VpcEndpointId
	plRoute := func() bool {
		t.Helper()
		out, err := c.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{RouteTableIds: []string{rtb}})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range out.RouteTables[0].Routes {
			if aws.ToString(r.DestinationPrefixListId) == pl && aws.ToString(r.GatewayId) == gwID {
				return true
			}
		}
		return false
	}
	if gw.VpcEndpoint.VpcEndpointType != "Gateway" || !plRoute() {
		t.Fatalf("gateway endpoint %+v, route %v", gw, plRoute())
	}
	cliV2Refusal(t, s, "RouteAlreadyExists", "create-vpc-endpoint", "--vpc-id", vpc, "--service-name", "com.amazonaws.us-east-1.s3", "--route-table-ids", rtb)
	entries, err := c.GetManagedPrefixListEntries(ctx, &ec2.GetManagedPrefixListEntriesInput{PrefixListId: &pl})
	if err != nil || len(entries.Entries) == 0 {
		t.Fatalf("entries: %+v %v", entries, err)
	}

	// An interface endpoint takes one requester-managed interface per subnet.
	ie, err := c.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{VpcId: &vpc, VpcEndpointType: types.VpcEndpointTypeInterface,
		ServiceName: aws.String("com.amazonaws.us-east-1.sts"), SubnetIds: []string{snA, snB}, PrivateDnsEnabled: aws.Bool(false)})
	if err != nil {
		t.Fatal(err)
	}
	if len(ie.VpcEndpoint.NetworkInterfaceIds) != 2 || len(ie.VpcEndpoint.DnsEntries) == 0 {
		t.Fatalf("interface endpoint: %+v", ie.VpcEndpoint)
	}
	managed, err := c.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{Filters: []types.Filter{ec2Filter("requester-managed", "true"), ec2Filter("vpc-id", vpc)}})
	if err != nil || len(managed.NetworkInterfaces) != 2 || managed.NetworkInterfaces[0].InterfaceType != types.NetworkInterfaceTypeVpcEndpoint {
		t.Fatalf("endpoint interfaces: %+v %v", managed, err)
	}
	if got := available(snB); got != 250 {
		t.Fatalf("available in B: %d", got)
	}
	_, err = c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: &vpc})
	ec2Refusal(t, "delete vpc", err, "DependencyViolation", "")

	// Tear down: endpoints, the interface, and the subnets recover.
	del, err := c.DeleteVpcEndpoints(ctx, &ec2.DeleteVpcEndpointsInput{VpcEndpointIds: []string{gwID, aws.ToString(ie.VpcEndpoint.VpcEndpointId), "vpce-0123456789abcdef0"}})
	if err != nil || len(del.Unsuccessful) != 1 {
		t.Fatalf("delete endpoints: %+v %v", del, err)
	}
	if plRoute() {
		t.Fatal("prefix-list route outlived its endpoint")
	}
	cliV2(t, s, nil, "delete-network-interface", "--network-interface-id", eniID)
	if a, b := available(snA), available(snB); a != 251 || b != 251 {
		t.Fatalf("available after teardown: %d %d", a, b)
	}
	addr, err := c.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{AllocationIds: []string{aws.ToString(eip.AllocationId)}})
	if err != nil || addr.Addresses[0].AssociationId != nil {
		t.Fatalf("address still associated: %+v %v", addr, err)
	}
	for _, sn := range []string{snA, snB} {
		if _, err := c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: aws.String(sn)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: sg.GroupId}); err != nil {
		t.Fatal(err)
	}
}

// TestInterfacePublicDNSNameSDK: DescribeNetworkInterfaces and
// DescribeInstances name an interface's public address (launch-time or
// Elastic) only where the VPC has enableDnsHostnames, and the
// association.public-dns-name filter finds the interface by that name.
func TestInterfacePublicDNSNameSDK(t *testing.T) {
	s := StartServer(t)
	ctx := context.Background()
	c := ec2.NewFromConfig(s.DefaultConfig())
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	hostName := func(ip *string) string {
		return "ec2-" + strings.ReplaceAll(aws.ToString(ip), ".", "-") + ".compute-1.amazonaws.com"
	}
	byName := func(name string, more ...types.Filter) []string {
		t.Helper()
		out, err := c.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{
			Filters: append([]types.Filter{{Name: aws.String("association.public-dns-name"), Values: []string{name}}}, more...)})
		must(err)
		var ids []string
		for _, n := range out.NetworkInterfaces {
			ids = append(ids, aws.ToString(n.NetworkInterfaceId))
		}
		return ids
	}
	dnsOf := func(id string) string {
		t.Helper()
		a := describeENI(t, c, id).Association
		if a == nil {
			t.Fatalf("%s has no association", id)
		}
		return aws.ToString(a.PublicDnsName)
	}

	// The default VPC (DNS hostnames on) names the launch-time address.
	run, err := c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String("resolve:ssm:" + al2023Param), InstanceType: types.InstanceTypeT3Micro,
		MinCount: aws.Int32(1), MaxCount: aws.Int32(1)})
	must(err)
	id := aws.ToString(run.Instances[0].InstanceId)
	waitRunning(t, c, id)
	inst := describeInstance(t, c, id)
	primary, want := aws.ToString(inst.NetworkInterfaces[0].NetworkInterfaceId), hostName(inst.PublicIpAddress)
	if got := aws.ToString(inst.PublicDnsName); got != want {
		t.Errorf("instance PublicDnsName %q, want %q", got, want)
	}
	if got := inst.NetworkInterfaces[0].Association; got == nil || aws.ToString(got.PublicDnsName) != want {
		t.Errorf("instance interface association %+v, want %s", got, want)
	}
	if got := dnsOf(primary); got != want {
		t.Errorf("interface PublicDnsName %q, want %q", got, want)
	}
	if got := byName(want); len(got) != 1 || got[0] != primary {
		t.Errorf("filter %s: %v, want %s", want, got, primary)
	}

	// A new VPC starts with DNS hostnames off: its Elastic IP has no name
	// until the attribute is turned on.
	vpc, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.3.0.0/16")})
	must(err)
	vpcID := aws.ToString(vpc.Vpc.VpcId)
	sn, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: &vpcID, CidrBlock: aws.String("10.3.0.0/24")})
	must(err)
	ni, err := c.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: sn.Subnet.SubnetId})
	must(err)
	eni := aws.ToString(ni.NetworkInterface.NetworkInterfaceId)
	igw, err := c.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{})
	must(err)
	_, err = c.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: igw.InternetGateway.InternetGatewayId, VpcId: &vpcID})
	must(err)
	eip, err := c.AllocateAddress(ctx, &ec2.AllocateAddressInput{Domain: types.DomainTypeVpc})
	must(err)
	_, err = c.AssociateAddress(ctx, &ec2.AssociateAddressInput{AllocationId: eip.AllocationId, NetworkInterfaceId: &eni})
	must(err)
	inVPC := types.Filter{Name: aws.String("vpc-id"), Values: []string{vpcID}}
	if got := dnsOf(eni); got != "" {
		t.Errorf("PublicDnsName without DNS hostnames: %q", got)
	}
	if got := byName("ec2-*", inVPC); len(got) != 0 {
		t.Errorf("filter without DNS hostnames: %v", got)
	}
	_, err = c.ModifyVpcAttribute(ctx, &ec2.ModifyVpcAttributeInput{VpcId: &vpcID, EnableDnsHostnames: &types.AttributeBooleanValue{Value: aws.Bool(true)}})
	must(err)
	want = hostName(eip.PublicIp)
	if got := dnsOf(eni); got != want {
		t.Errorf("PublicDnsName with DNS hostnames: %q, want %q", got, want)
	}
	if got := byName("ec2-*", inVPC); len(got) != 1 || got[0] != eni {
		t.Errorf("filter with DNS hostnames: %v, want %s", got, eni)
	}
}
