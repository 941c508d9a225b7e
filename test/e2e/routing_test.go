package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// cliV2 runs Debian's aws CLI v2 against the server and decodes its JSON
// output into out (when out is not nil).
func cliV2(t *testing.T, s *Server, out any, args ...string) {
	t.Helper()
	aws2 := need(t, "/usr/bin/aws")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	stdout, stderr, err := s.Run(ctx, nil, aws2, append([]string{"--endpoint-url", s.URL, "--output", "json", "ec2"}, args...)...)
	if err != nil {
		t.Fatalf("aws ec2 %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	if out != nil {
		if err := json.Unmarshal([]byte(stdout), out); err != nil {
			t.Fatalf("aws ec2 %s: %v\n%s", args[0], err, stdout)
		}
	}
}

// cliV2Refusal runs a CLI v2 command that must fail with code.
func cliV2Refusal(t *testing.T, s *Server, code string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	_, stderr, err := s.Run(ctx, nil, need(t, "/usr/bin/aws"), append([]string{"--endpoint-url", s.URL, "ec2"}, args...)...)
	if err == nil || !strings.Contains(stderr, "("+code+")") {
		t.Fatalf("aws ec2 %s: want %s, got %v\n%s", args[0], code, err, stderr)
	}
}

// TestRoutingScenario builds SCENARIOS section 2's network — public and
// private subnets in two zones, an internet gateway, a NAT gateway behind
// an Elastic IP — with aws-sdk-go-v2 and the aws CLI v2, then tears it
// down, checking every refusal a wrong order meets on the way.
func TestRoutingScenario(t *testing.T) {
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
	public := []string{subnet("10.0.0.0/24", "us-east-1a"), subnet("10.0.1.0/24", "us-east-1b")}
	private := []string{subnet("10.0.2.0/24", "us-east-1a"), subnet("10.0.3.0/24", "us-east-1b")}

	// The internet gateway, with the CLI v2.
	var igwOut struct {
		InternetGateway struct{ InternetGatewayId string }
	}
	cliV2(t, s, &igwOut, "create-internet-gateway", "--tag-specifications", "ResourceType=internet-gateway,Tags=[{Key=Name,Value=app}]")
	igw := igwOut.InternetGateway.InternetGatewayId
	cliV2(t, s, nil, "attach-internet-gateway", "--internet-gateway-id", igw, "--vpc-id", vpc)
	cliV2Refusal(t, s, "Resource.AlreadyAssociated", "attach-internet-gateway", "--internet-gateway-id", igw, "--vpc-id", vpc)

	// The public route table: 0.0.0.0/0 → igw, for both public subnets.
	prt, err := c.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: &vpc})
	if err != nil {
		t.Fatal(err)
	}
	pubRtb := aws.ToString(prt.RouteTable.RouteTableId)
	if _, err := c.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: &pubRtb, DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: &igw}); err != nil {
		t.Fatal(err)
	}
	var pubAssocs []string
	for _, sn := range public {
		out, err := c.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: &pubRtb, SubnetId: aws.String(sn)})
		if err != nil {
			t.Fatal(err)
		}
		pubAssocs = append(pubAssocs, aws.ToString(out.AssociationId))
	}
	if _, err := c.ModifySubnetAttribute(ctx, &ec2.ModifySubnetAttributeInput{SubnetId: &public[0], MapPublicIpOnLaunch: &types.AttributeBooleanValue{Value: aws.Bool(true)}}); err != nil {
		t.Fatal(err)
	}

	// An Elastic IP (CLI v2) and a NAT gateway in the first public subnet.
	var eip struct{ AllocationId, PublicIp string }
	cliV2(t, s, &eip, "allocate-address", "--domain", "vpc")
	nat, err := c.CreateNatGateway(ctx, &ec2.CreateNatGatewayInput{SubnetId: &public[0], AllocationId: &eip.AllocationId})
	if err != nil {
		t.Fatal(err)
	}
	natID := aws.ToString(nat.NatGateway.NatGatewayId)
	if nat.NatGateway.State != types.NatGatewayStatePending {
		t.Errorf("new NAT gateway: %s", nat.NatGateway.State)
	}
	waiter := ec2.NewNatGatewayAvailableWaiter(c, func(o *ec2.NatGatewayAvailableWaiterOptions) {
		o.MinDelay, o.MaxDelay = 200*time.Millisecond, time.Second
	})
	if err := waiter.Wait(ctx, &ec2.DescribeNatGatewaysInput{NatGatewayIds: []string{natID}}, 30*time.Second); err != nil {
		t.Fatal(err)
	}

	// The private route table: 0.0.0.0/0 → nat, with the CLI v2.
	var rtOut struct{ RouteTable struct{ RouteTableId string } }
	cliV2(t, s, &rtOut, "create-route-table", "--vpc-id", vpc)
	privRtb := rtOut.RouteTable.RouteTableId
	cliV2(t, s, nil, "create-route", "--route-table-id", privRtb, "--destination-cidr-block", "0.0.0.0/0", "--nat-gateway-id", natID)
	var privAssocs []string
	for _, sn := range private {
		var a struct{ AssociationId string }
		cliV2(t, s, &a, "associate-route-table", "--route-table-id", privRtb, "--subnet-id", sn)
		privAssocs = append(privAssocs, a.AssociationId)
	}

	// What the CLI v2 shows of it.
	var desc struct {
		RouteTables []struct {
			RouteTableId string
			Associations []struct {
				Main     bool
				SubnetId string
			}
			Routes []struct{ DestinationCidrBlock, GatewayId, NatGatewayId, State, Origin string }
		}
	}
	cliV2(t, s, &desc, "describe-route-tables", "--filters", "Name=vpc-id,Values="+vpc)
	if len(desc.RouteTables) != 3 {
		t.Fatalf("route tables: %+v", desc)
	}
	for _, rt := range desc.RouteTables {
		switch rt.RouteTableId {
		case pubRtb:
			if len(rt.Associations) != 2 || len(rt.Routes) != 2 || rt.Routes[1].GatewayId != igw || rt.Routes[1].State != "active" {
				t.Errorf("public table: %+v", rt)
			}
		case privRtb:
			if len(rt.Associations) != 2 || len(rt.Routes) != 2 || rt.Routes[1].NatGatewayId != natID || rt.Routes[1].Origin != "CreateRoute" {
				t.Errorf("private table: %+v", rt)
			}
		default:
			if len(rt.Associations) != 1 || !rt.Associations[0].Main || len(rt.Routes) != 1 || rt.Routes[0].GatewayId != "local" {
				t.Errorf("main table: %+v", rt)
			}
		}
	}
	var addrs struct {
		Addresses []struct{ AllocationId, AssociationId, NetworkInterfaceId, PublicIp string }
	}
	cliV2(t, s, &addrs, "describe-addresses", "--allocation-ids", eip.AllocationId)
	if len(addrs.Addresses) != 1 || addrs.Addresses[0].AssociationId == "" || addrs.Addresses[0].NetworkInterfaceId == "" {
		t.Errorf("address: %+v", addrs)
	}

	// Every refusal on the way.
	other, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.9.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	otherVpc := aws.ToString(other.Vpc.VpcId)
	ort, err := c.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: &otherVpc})
	if err != nil {
		t.Fatal(err)
	}
	otherRtb := aws.ToString(ort.RouteTable.RouteTableId)
	_, err = c.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: &pubRtb, DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: &igw})
	ec2Refusal(t, "duplicate route", err, "RouteAlreadyExists", "The route identified by 0.0.0.0/0 already exists.")
	_, err = c.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: &otherRtb, DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: &igw})
	ec2Refusal(t, "other network", err, "InvalidParameterValue", "route table "+otherRtb+" and network gateway "+igw+" belong to different networks")
	_, err = c.ReplaceRoute(ctx, &ec2.ReplaceRouteInput{RouteTableId: &pubRtb, DestinationCidrBlock: aws.String("192.0.2.0/24"), GatewayId: &igw})
	ec2Refusal(t, "replace missing", err, "InvalidParameterValue", "There is no route defined for '192.0.2.0/24' in the route table. Use CreateRoute instead.")
	_, err = c.DeleteRoute(ctx, &ec2.DeleteRouteInput{RouteTableId: &pubRtb, DestinationCidrBlock: aws.String("10.0.0.0/16")})
	ec2Refusal(t, "local route", err, "InvalidParameterValue", "cannot remove local route 10.0.0.0/16 in route table "+pubRtb)
	_, err = c.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: &privRtb, SubnetId: &public[0]})
	ec2Refusal(t, "subnet associated", err, "Resource.AlreadyAssociated", "the specified association for route table "+privRtb+" conflicts with an existing association")
	_, err = c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: &vpc})
	ec2Refusal(t, "vpc", err, "DependencyViolation", "The vpc '"+vpc+"' has dependencies and cannot be deleted.")
	_, err = c.DetachInternetGateway(ctx, &ec2.DetachInternetGatewayInput{InternetGatewayId: &igw, VpcId: &vpc})
	ec2Refusal(t, "detach with mapped address", err, "DependencyViolation", "Network "+vpc+" has some mapped public address(es). Please unmap those public address(es) before detaching the gateway.")
	_, err = c.DetachInternetGateway(ctx, &ec2.DetachInternetGatewayInput{InternetGatewayId: &igw, VpcId: &otherVpc})
	ec2Refusal(t, "detach elsewhere", err, "Gateway.NotAttached", "resource "+igw+" is not attached to network "+otherVpc)
	_, err = c.DeleteInternetGateway(ctx, &ec2.DeleteInternetGatewayInput{InternetGatewayId: &igw})
	ec2Refusal(t, "attached igw", err, "DependencyViolation", "The internetGateway '"+igw+"' has dependencies and cannot be deleted.")
	_, err = c.ReleaseAddress(ctx, &ec2.ReleaseAddressInput{AllocationId: &eip.AllocationId})
	ec2Refusal(t, "address in use", err, "InvalidIPAddress.InUse", "Address "+eip.PublicIp+" is in use.")
	_, err = c.DeleteRouteTable(ctx, &ec2.DeleteRouteTableInput{RouteTableId: &pubRtb})
	ec2Refusal(t, "associated table", err, "DependencyViolation", "The routeTable '"+pubRtb+"' has dependencies and cannot be deleted.")
	_, err = c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: &public[0]})
	ec2Refusal(t, "subnet with NAT gateway", err, "DependencyViolation", "")
	cliV2Refusal(t, s, "NatGatewayNotFound", "delete-nat-gateway", "--nat-gateway-id", "nat-0123456789abcdef0")
	cliV2Refusal(t, s, "InvalidRouteTableID.NotFound", "describe-route-tables", "--route-table-ids", "rtb-0123456789abcdef0")
	for i := 0; i < 4; i++ { // five addresses is the quota
		if _, err := c.AllocateAddress(ctx, &ec2.AllocateAddressInput{}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = c.AllocateAddress(ctx, &ec2.AllocateAddressInput{})
	ec2Refusal(t, "address quota", err, "AddressLimitExceeded", "The maximum number of addresses has been reached.")

	// Tear down in order. The NAT gateway first: its route turns into a
	// blackhole and its address is freed.
	if _, err := c.DeleteNatGateway(ctx, &ec2.DeleteNatGatewayInput{NatGatewayId: &natID}); err != nil {
		t.Fatal(err)
	}
	deleted := ec2.NewNatGatewayDeletedWaiter(c, func(o *ec2.NatGatewayDeletedWaiterOptions) {
		o.MinDelay, o.MaxDelay = 200*time.Millisecond, time.Second
	})
	if err := deleted.Wait(ctx, &ec2.DescribeNatGatewaysInput{NatGatewayIds: []string{natID}}, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	bh, err := c.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{ec2Filter("route.state", "blackhole")}})
	if err != nil || len(bh.RouteTables) != 1 || aws.ToString(bh.RouteTables[0].RouteTableId) != privRtb {
		t.Fatalf("blackhole: %+v %v", bh, err)
	}
	for _, a := range append(pubAssocs, privAssocs...) {
		if _, err := c.DisassociateRouteTable(ctx, &ec2.DisassociateRouteTableInput{AssociationId: aws.String(a)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, rt := range []string{pubRtb, privRtb, otherRtb} {
		if _, err := c.DeleteRouteTable(ctx, &ec2.DeleteRouteTableInput{RouteTableId: aws.String(rt)}); err != nil {
			t.Fatal(err)
		}
	}
	all, err := c.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range all.Addresses {
		if _, err := c.ReleaseAddress(ctx, &ec2.ReleaseAddressInput{AllocationId: a.AllocationId}); err != nil {
			t.Fatal(err)
		}
	}
	cliV2(t, s, nil, "detach-internet-gateway", "--internet-gateway-id", igw, "--vpc-id", vpc)
	cliV2(t, s, nil, "delete-internet-gateway", "--internet-gateway-id", igw)
	for _, sn := range append(public, private...) {
		if _, err := c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: aws.String(sn)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, v := range []string{vpc, otherVpc} {
		if _, err := c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: aws.String(v)}); err != nil {
			t.Fatal(fmt.Errorf("delete %s: %w", v, err))
		}
	}
}

// TestDhcpAndEgressOnly covers DHCP options and egress-only gateways with
// the SDK and the CLI v2.
func TestDhcpAndEgressOnly(t *testing.T) {
	s := StartServer(t)
	ctx := context.Background()
	c := ec2.NewFromConfig(s.DefaultConfig())
	cv, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16"), AmazonProvidedIpv6CidrBlock: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	vpc := aws.ToString(cv.Vpc.VpcId)

	var dopt struct {
		DhcpOptions struct{ DhcpOptionsId string }
	}
	cliV2(t, s, &dopt, "create-dhcp-options", "--dhcp-configurations", "Key=domain-name,Values=corp.example.com", "Key=domain-name-servers,Values=10.0.0.2,10.0.0.3")
	id := dopt.DhcpOptions.DhcpOptionsId
	cliV2Refusal(t, s, "InvalidParameterValue", "create-dhcp-options", "--dhcp-configurations", "Key=colour,Values=red")
	if _, err := c.AssociateDhcpOptions(ctx, &ec2.AssociateDhcpOptionsInput{DhcpOptionsId: &id, VpcId: &vpc}); err != nil {
		t.Fatal(err)
	}
	got, err := c.DescribeDhcpOptions(ctx, &ec2.DescribeDhcpOptionsInput{DhcpOptionsIds: []string{id}})
	if err != nil || len(got.DhcpOptions) != 1 || len(got.DhcpOptions[0].DhcpConfigurations) != 2 || len(got.DhcpOptions[0].DhcpConfigurations[1].Values) != 2 {
		t.Fatalf("dhcp: %+v %v", got, err)
	}
	_, err = c.DeleteDhcpOptions(ctx, &ec2.DeleteDhcpOptionsInput{DhcpOptionsId: &id})
	ec2Refusal(t, "dhcp in use", err, "DependencyViolation", "The dhcpOptions '"+id+"' has dependencies and cannot be deleted.")
	if _, err := c.AssociateDhcpOptions(ctx, &ec2.AssociateDhcpOptionsInput{DhcpOptionsId: aws.String("default"), VpcId: &vpc}); err != nil {
		t.Fatal(err)
	}
	cliV2(t, s, nil, "delete-dhcp-options", "--dhcp-options-id", id)

	e, err := c.CreateEgressOnlyInternetGateway(ctx, &ec2.CreateEgressOnlyInternetGatewayInput{VpcId: &vpc})
	if err != nil {
		t.Fatal(err)
	}
	eigw := aws.ToString(e.EgressOnlyInternetGateway.EgressOnlyInternetGatewayId)
	rt, err := c.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: &vpc})
	if err != nil {
		t.Fatal(err)
	}
	rtb := aws.ToString(rt.RouteTable.RouteTableId)
	if len(rt.RouteTable.Routes) != 2 || aws.ToString(rt.RouteTable.Routes[1].DestinationIpv6CidrBlock) == "" {
		t.Errorf("IPv6 local route: %+v", rt.RouteTable.Routes)
	}
	cliV2(t, s, nil, "create-route", "--route-table-id", rtb, "--destination-ipv6-cidr-block", "::/0", "--egress-only-internet-gateway-id", eigw)
	_, err = c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: &vpc})
	ec2Refusal(t, "vpc with eigw", err, "DependencyViolation", "")
	var eg struct {
		EgressOnlyInternetGateways []struct{ EgressOnlyInternetGatewayId string }
	}
	cliV2(t, s, &eg, "describe-egress-only-internet-gateways")
	if len(eg.EgressOnlyInternetGateways) != 1 || eg.EgressOnlyInternetGateways[0].EgressOnlyInternetGatewayId != eigw {
		t.Errorf("eigw: %+v", eg)
	}
	if _, err := c.DeleteEgressOnlyInternetGateway(ctx, &ec2.DeleteEgressOnlyInternetGatewayInput{EgressOnlyInternetGatewayId: &eigw}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteRouteTable(ctx, &ec2.DeleteRouteTableInput{RouteTableId: &rtb}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: &vpc}); err != nil {
		t.Fatal(err)
	}
}
