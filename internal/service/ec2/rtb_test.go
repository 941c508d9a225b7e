package ec2

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"hakoniwa/internal/clock"

	ec2api "hakoniwa/internal/api/ec2"
)

func TestRouteFor(t *testing.T) {
	routes := []route{
		{Destination: "10.0.0.0/16", GatewayID: "local"},
		{Destination: "0.0.0.0/0", GatewayID: "igw-1"},
		{Destination: "10.0.5.0/24", Target: "eni-1", Via: "NetworkInterfaceId"},
		{Destination: "192.0.2.0/24", Target: "nat-1", Via: "NatGatewayId"},
		{Destination: "192.0.2.128/25", Target: "pcx-1", Via: "VpcPeeringConnectionId"},
		{DestIPv6: "2600:1f00::/56", GatewayID: "local"},
		{DestIPv6: "::/0", Target: "eigw-1", Via: "EgressOnlyInternetGatewayId"},
		{PrefixList: "pl-12345678", GatewayID: "vpce-1"},
	}
	tests := []struct {
		ip   string
		want string // target id; "" for no route
	}{
		{"10.0.1.7", "local"},
		{"10.0.5.9", "eni-1"},
		{"8.8.8.8", "igw-1"},
		{"192.0.2.1", "nat-1"},
		{"192.0.2.200", "pcx-1"},
		{"2600:1f00::1", "local"},
		{"2001:db8::1", "eigw-1"},
		{"::ffff:10.0.5.1", "eni-1"}, // an IPv4-mapped address routes as IPv4
	}
	for _, tc := range tests {
		r, ok := routeFor(routes, netip.MustParseAddr(tc.ip))
		if got := r.targetID(); !ok || got != tc.want {
			t.Errorf("routeFor(%s) = %q %v, want %q", tc.ip, got, ok, tc.want)
		}
	}
	if _, ok := routeFor(routes[:1], netip.MustParseAddr("8.8.8.8")); ok {
		t.Error("no default route: want no match")
	}
	if _, ok := routeFor(routes[:2], netip.MustParseAddr("2001:db8::1")); ok {
		t.Error("IPv4-only table: want no match for IPv6")
	}
}

// network is a VPC with a public and a private subnet and an attached
// internet gateway.
type network struct {
	vpc, public, private, igw, mainRtb string
}

func mustNetwork(t *testing.T, s *Service, ctx context.Context) network {
	t.Helper()
	n := network{vpc: mustVPC(t, s, ctx, "10.0.0.0/16")}
	n.public = mustSubnet(t, s, ctx, n.vpc, "10.0.0.0/24", "us-east-1a")
	n.private = mustSubnet(t, s, ctx, n.vpc, "10.0.1.0/24", "us-east-1b")
	g, err := s.CreateInternetGateway(ctx, &ec2api.CreateInternetGatewayInput{})
	if err != nil {
		t.Fatal(err)
	}
	n.igw = *g.InternetGateway.InternetGatewayId
	if _, err := s.AttachInternetGateway(ctx, &ec2api.AttachInternetGatewayInput{InternetGatewayId: &n.igw, VpcId: &n.vpc}); err != nil {
		t.Fatal(err)
	}
	rts, err := s.DescribeRouteTables(ctx, &ec2api.DescribeRouteTablesInput{Filters: filters("vpc-id", n.vpc, "association.main", "true")})
	if err != nil || len(rts.RouteTables) != 1 {
		t.Fatalf("main table: %+v %v", rts, err)
	}
	n.mainRtb = *rts.RouteTables[0].RouteTableId
	return n
}

func mustRouteTable(t *testing.T, s *Service, ctx context.Context, vpc string) string {
	t.Helper()
	out, err := s.CreateRouteTable(ctx, &ec2api.CreateRouteTableInput{VpcId: &vpc})
	if err != nil {
		t.Fatal(err)
	}
	return *out.RouteTable.RouteTableId
}

func describeRT(t *testing.T, s *Service, ctx context.Context, id string) ec2api.RouteTable {
	t.Helper()
	out, err := s.DescribeRouteTables(ctx, &ec2api.DescribeRouteTablesInput{RouteTableIds: []string{id}})
	if err != nil || len(out.RouteTables) != 1 {
		t.Fatalf("describe %s: %+v %v", id, out, err)
	}
	return out.RouteTables[0]
}

func routeState(rt ec2api.RouteTable, dest string) string {
	for _, r := range rt.Routes {
		if deref(r.DestinationCidrBlock) == dest || deref(r.DestinationIpv6CidrBlock) == dest {
			return deref(r.State)
		}
	}
	return "(none)"
}

// refusal is one call that must fail with an exact code and message.
type refusal struct {
	name      string
	err       error
	code, msg string
}

func checkRefusals(t *testing.T, tests []refusal) {
	t.Helper()
	for _, tc := range tests {
		if code(tc.err) != tc.code || (tc.msg != "" && message(tc.err) != tc.msg) {
			t.Errorf("%s: got %s %q, want %s %q", tc.name, code(tc.err), message(tc.err), tc.code, tc.msg)
		}
	}
}

func TestRouteTables(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	n := mustNetwork(t, s, ctx)
	other := mustVPC(t, s, ctx, "10.1.0.0/16")
	otherRtb := mustRouteTable(t, s, ctx, other)
	pub := mustRouteTable(t, s, ctx, n.vpc)

	rt := describeRT(t, s, ctx, pub)
	if len(rt.Routes) != 1 || deref(rt.Routes[0].GatewayId) != "local" || deref(rt.Routes[0].Origin) != "CreateRouteTable" || len(rt.Associations) != 0 {
		t.Fatalf("new table: %+v", rt)
	}
	if _, err := s.CreateRoute(ctx, &ec2api.CreateRouteInput{RouteTableId: &pub, DestinationCidrBlock: ptr("0.0.0.0/0"), GatewayId: &n.igw}); err != nil {
		t.Fatal(err)
	}
	assoc, err := s.AssociateRouteTable(ctx, &ec2api.AssociateRouteTableInput{RouteTableId: &pub, SubnetId: &n.public})
	if err != nil {
		t.Fatal(err)
	}

	_, dupRoute := s.CreateRoute(ctx, &ec2api.CreateRouteInput{RouteTableId: &pub, DestinationCidrBlock: ptr("0.0.0.0/0"), GatewayId: &n.igw})
	_, dupLocal := s.CreateRoute(ctx, &ec2api.CreateRouteInput{RouteTableId: &pub, DestinationCidrBlock: ptr("10.0.0.0/16"), GatewayId: &n.igw})
	_, otherNet := s.CreateRoute(ctx, &ec2api.CreateRouteInput{RouteTableId: &otherRtb, DestinationCidrBlock: ptr("0.0.0.0/0"), GatewayId: &n.igw})
	_, inside := s.CreateRoute(ctx, &ec2api.CreateRouteInput{RouteTableId: &pub, DestinationCidrBlock: ptr("10.0.4.0/24"), GatewayId: &n.igw})
	_, noTarget := s.CreateRoute(ctx, &ec2api.CreateRouteInput{RouteTableId: &pub, DestinationCidrBlock: ptr("1.0.0.0/8")})
	_, twoTargets := s.CreateRoute(ctx, &ec2api.CreateRouteInput{RouteTableId: &pub, DestinationCidrBlock: ptr("1.0.0.0/8"), GatewayId: &n.igw, NatGatewayId: ptr("nat-0123456789abcdef0")})
	_, noDest := s.CreateRoute(ctx, &ec2api.CreateRouteInput{RouteTableId: &pub, GatewayId: &n.igw})
	_, badDest := s.CreateRoute(ctx, &ec2api.CreateRouteInput{RouteTableId: &pub, DestinationCidrBlock: ptr("300.0.0.0/8"), GatewayId: &n.igw})
	_, unknownGW := s.CreateRoute(ctx, &ec2api.CreateRouteInput{RouteTableId: &pub, DestinationCidrBlock: ptr("1.0.0.0/8"), GatewayId: ptr("igw-0123456789abcdef0")})
	_, unknownNAT := s.CreateRoute(ctx, &ec2api.CreateRouteInput{RouteTableId: &pub, DestinationCidrBlock: ptr("1.0.0.0/8"), NatGatewayId: ptr("nat-0123456789abcdef0")})
	_, unknownENI := s.CreateRoute(ctx, &ec2api.CreateRouteInput{RouteTableId: &pub, DestinationCidrBlock: ptr("1.0.0.0/8"), NetworkInterfaceId: ptr("eni-0123456789abcdef0")})
	_, delLocal := s.DeleteRoute(ctx, &ec2api.DeleteRouteInput{RouteTableId: &pub, DestinationCidrBlock: ptr("10.0.0.0/16")})
	_, replaceMissing := s.ReplaceRoute(ctx, &ec2api.ReplaceRouteInput{RouteTableId: &pub, DestinationCidrBlock: ptr("1.0.0.0/8"), GatewayId: &n.igw})
	_, replaceLocal := s.ReplaceRoute(ctx, &ec2api.ReplaceRouteInput{RouteTableId: &pub, DestinationCidrBlock: ptr("10.0.0.0/16"), GatewayId: &n.igw})
	_, delMissing := s.DeleteRoute(ctx, &ec2api.DeleteRouteInput{RouteTableId: &pub, DestinationCidrBlock: ptr("1.0.0.0/8")})
	_, assocAgain := s.AssociateRouteTable(ctx, &ec2api.AssociateRouteTableInput{RouteTableId: &n.mainRtb, SubnetId: &n.public})
	_, assocOtherNet := s.AssociateRouteTable(ctx, &ec2api.AssociateRouteTableInput{RouteTableId: &otherRtb, SubnetId: &n.private})
	_, delAssociated := s.DeleteRouteTable(ctx, &ec2api.DeleteRouteTableInput{RouteTableId: &pub})
	_, delMain := s.DeleteRouteTable(ctx, &ec2api.DeleteRouteTableInput{RouteTableId: &n.mainRtb})
	_, disMain := s.DisassociateRouteTable(ctx, &ec2api.DisassociateRouteTableInput{AssociationId: describeRT(t, s, ctx, n.mainRtb).Associations[0].RouteTableAssociationId})
	_, disUnknown := s.DisassociateRouteTable(ctx, &ec2api.DisassociateRouteTableInput{AssociationId: ptr("rtbassoc-0123456789abcdef0")})
	_, unknownRtb := s.DescribeRouteTables(ctx, &ec2api.DescribeRouteTablesInput{RouteTableIds: []string{"rtb-0123456789abcdef0"}})
	_, malformedRtb := s.DeleteRouteTable(ctx, &ec2api.DeleteRouteTableInput{RouteTableId: ptr("rtb-xyz")})
	_, badFilter := s.DescribeRouteTables(ctx, &ec2api.DescribeRouteTablesInput{Filters: filters("route.colour", "red")})
	_, vpcBusy := s.DeleteVpc(ctx, &ec2api.DeleteVpcInput{VpcId: &other})
	checkRefusals(t, []refusal{
		{"duplicate route", dupRoute, "RouteAlreadyExists", "The route identified by 0.0.0.0/0 already exists."},
		{"local route exists", dupLocal, "RouteAlreadyExists", "The route identified by 10.0.0.0/16 already exists."},
		{"igw of another vpc", otherNet, "InvalidParameterValue", "route table " + otherRtb + " and network gateway " + n.igw + " belong to different networks"},
		{"igw inside vpc", inside, "InvalidParameterValue", "The destination CIDR block 10.0.4.0/24 is equal to or more specific than one of this VPC's CIDR blocks. This route can target only an interface or an instance."},
		{"no target", noTarget, "MissingParameter", ""},
		{"two targets", twoTargets, "InvalidParameterCombination", ""},
		{"no destination", noDest, "MissingParameter", "The request must contain the parameter destinationCidrBlock or destinationIpv6CidrBlock"},
		{"bad destination", badDest, "InvalidParameterValue", "Value (300.0.0.0/8) for parameter destinationCidrBlock is invalid. This is not a valid CIDR block."},
		{"unknown igw", unknownGW, "InvalidGatewayID.NotFound", "The gateway ID 'igw-0123456789abcdef0' does not exist"},
		{"unknown nat", unknownNAT, "NatGatewayNotFound", "NAT gateway nat-0123456789abcdef0 was not found"},
		{"unknown eni", unknownENI, "InvalidNetworkInterfaceID.NotFound", "The networkInterface ID 'eni-0123456789abcdef0' does not exist"},
		{"delete local", delLocal, "InvalidParameterValue", "cannot remove local route 10.0.0.0/16 in route table " + pub},
		{"replace missing", replaceMissing, "InvalidParameterValue", "There is no route defined for '1.0.0.0/8' in the route table. Use CreateRoute instead."},
		{"replace local with igw", replaceLocal, "InvalidParameterValue", ""},
		{"delete missing", delMissing, "InvalidRoute.NotFound", "no route with destination-cidr-block 1.0.0.0/8 in route table " + pub},
		{"subnet already associated", assocAgain, "Resource.AlreadyAssociated", "the specified association for route table " + n.mainRtb + " conflicts with an existing association"},
		{"subnet of another vpc", assocOtherNet, "InvalidParameterValue", "route table " + otherRtb + " and subnet " + n.private + " belong to different networks"},
		{"delete associated", delAssociated, "DependencyViolation", "The routeTable '" + pub + "' has dependencies and cannot be deleted."},
		{"delete main", delMain, "DependencyViolation", "The routeTable '" + n.mainRtb + "' has dependencies and cannot be deleted."},
		{"disassociate main", disMain, "InvalidParameterValue", ""},
		{"disassociate unknown", disUnknown, "InvalidAssociationID.NotFound", "The association ID 'rtbassoc-0123456789abcdef0' does not exist"},
		{"unknown table", unknownRtb, "InvalidRouteTableID.NotFound", "The routeTable ID 'rtb-0123456789abcdef0' does not exist"},
		{"malformed table", malformedRtb, "InvalidRouteTableID.Malformed", ""},
		{"bad filter", badFilter, "InvalidParameterValue", "The filter 'route.colour' is invalid"},
		{"vpc with extra table", vpcBusy, "DependencyViolation", ""},
	})

	// Filters see associations and routes.
	for _, f := range []struct {
		kv   []string
		want int
	}{
		{[]string{"association.subnet-id", n.public}, 1},
		{[]string{"association.route-table-association-id", *assoc.AssociationId}, 1},
		{[]string{"route.gateway-id", n.igw, "vpc-id", n.vpc}, 1},
		{[]string{"route.destination-cidr-block", "0.0.0.0/0", "vpc-id", n.vpc}, 1},
		{[]string{"route.state", "blackhole"}, 0},
		{[]string{"association.main", "true", "vpc-id", n.vpc}, 1},
		{[]string{"association.main", "false", "vpc-id", n.vpc}, 1},
		{[]string{"route.origin", "CreateRoute", "vpc-id", n.vpc}, 1},
	} {
		out, err := s.DescribeRouteTables(ctx, &ec2api.DescribeRouteTablesInput{Filters: filters(f.kv...)})
		if err != nil || len(out.RouteTables) != f.want {
			t.Errorf("filter %v: %d tables, want %d (%v)", f.kv, len(out.RouteTables), f.want, err)
		}
	}

	// Replacing the association moves the subnet under a new id; the old
	// id is gone.
	rep, err := s.ReplaceRouteTableAssociation(ctx, &ec2api.ReplaceRouteTableAssociationInput{AssociationId: assoc.AssociationId, RouteTableId: &n.mainRtb})
	if err != nil || *rep.NewAssociationId == *assoc.AssociationId {
		t.Fatalf("replace: %+v %v", rep, err)
	}
	if _, err := s.DisassociateRouteTable(ctx, &ec2api.DisassociateRouteTableInput{AssociationId: assoc.AssociationId}); code(err) != "InvalidAssociationID.NotFound" {
		t.Errorf("old association: %v", err)
	}
	if _, err := s.DisassociateRouteTable(ctx, &ec2api.DisassociateRouteTableInput{AssociationId: rep.NewAssociationId}); err != nil {
		t.Fatal(err)
	}

	// Making pub the main table: the old main becomes deletable, DeleteVpc
	// takes the new one along.
	mainAssoc := describeRT(t, s, ctx, n.mainRtb).Associations[0].RouteTableAssociationId
	if _, err := s.ReplaceRouteTableAssociation(ctx, &ec2api.ReplaceRouteTableAssociationInput{AssociationId: mainAssoc, RouteTableId: &pub}); err != nil {
		t.Fatal(err)
	}
	if got := describeRT(t, s, ctx, pub); len(got.Associations) != 1 || !*got.Associations[0].Main {
		t.Fatalf("new main: %+v", got.Associations)
	}
	if _, err := s.DeleteRouteTable(ctx, &ec2api.DeleteRouteTableInput{RouteTableId: &n.mainRtb}); err != nil {
		t.Fatalf("old main: %v", err)
	}

	// Detaching the gateway turns its route into a blackhole; attaching
	// it back revives it.
	if _, err := s.DetachInternetGateway(ctx, &ec2api.DetachInternetGatewayInput{InternetGatewayId: &n.igw, VpcId: &n.vpc}); err != nil {
		t.Fatal(err)
	}
	if st := routeState(describeRT(t, s, ctx, pub), "0.0.0.0/0"); st != "blackhole" {
		t.Errorf("after detach: %s", st)
	}
	if out, _ := s.DescribeRouteTables(ctx, &ec2api.DescribeRouteTablesInput{Filters: filters("route.state", "blackhole")}); len(out.RouteTables) != 1 {
		t.Errorf("blackhole filter: %d", len(out.RouteTables))
	}
	if _, err := s.AttachInternetGateway(ctx, &ec2api.AttachInternetGatewayInput{InternetGatewayId: &n.igw, VpcId: &n.vpc}); err != nil {
		t.Fatal(err)
	}
	if st := routeState(describeRT(t, s, ctx, pub), "0.0.0.0/0"); st != "active" {
		t.Errorf("after reattach: %s", st)
	}
	if _, err := s.DeleteRoute(ctx, &ec2api.DeleteRouteInput{RouteTableId: &pub, DestinationCidrBlock: ptr("0.0.0.0/0")}); err != nil {
		t.Fatal(err)
	}

	// A subnet's deletion takes its association with it.
	if _, err := s.AssociateRouteTable(ctx, &ec2api.AssociateRouteTableInput{RouteTableId: &otherRtb, SubnetId: ptr(mustSubnet(t, s, ctx, other, "10.1.0.0/24", "us-east-1a"))}); err != nil {
		t.Fatal(err)
	}
	sn, _ := s.DescribeSubnets(ctx, &ec2api.DescribeSubnetsInput{Filters: filters("vpc-id", other)})
	if _, err := s.DeleteSubnet(ctx, &ec2api.DeleteSubnetInput{SubnetId: sn.Subnets[0].SubnetId}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteRouteTable(ctx, &ec2api.DeleteRouteTableInput{RouteTableId: &otherRtb}); err != nil {
		t.Fatalf("table of a deleted subnet: %v", err)
	}
	if _, err := s.DeleteVpc(ctx, &ec2api.DeleteVpcInput{VpcId: &other}); err != nil {
		t.Fatal(err)
	}
}

func TestInternetGateways(t *testing.T) {
	q := DefaultQuotas()
	q.InternetGatewaysPerRegion = 3 // the default VPC's counts
	s, ctx := newTestService(t, q)
	n := mustNetwork(t, s, ctx)
	other := mustVPC(t, s, ctx, "10.1.0.0/16")
	g2, err := s.CreateInternetGateway(ctx, &ec2api.CreateInternetGatewayInput{TagSpecifications: []ec2api.TagSpecification{{ResourceType: ptr("internet-gateway"), Tags: []ec2api.Tag{{Key: ptr("Name"), Value: ptr("spare")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	spare := *g2.InternetGateway.InternetGatewayId
	_, quota := s.CreateInternetGateway(ctx, &ec2api.CreateInternetGatewayInput{})
	_, again := s.AttachInternetGateway(ctx, &ec2api.AttachInternetGatewayInput{InternetGatewayId: &n.igw, VpcId: &other})
	_, second := s.AttachInternetGateway(ctx, &ec2api.AttachInternetGatewayInput{InternetGatewayId: &spare, VpcId: &n.vpc})
	_, notAttached := s.DetachInternetGateway(ctx, &ec2api.DetachInternetGatewayInput{InternetGatewayId: &spare, VpcId: &n.vpc})
	_, delAttached := s.DeleteInternetGateway(ctx, &ec2api.DeleteInternetGatewayInput{InternetGatewayId: &n.igw})
	_, unknown := s.AttachInternetGateway(ctx, &ec2api.AttachInternetGatewayInput{InternetGatewayId: ptr("igw-0123456789abcdef0"), VpcId: &n.vpc})
	_, vpcBusy := s.DeleteVpc(ctx, &ec2api.DeleteVpcInput{VpcId: &n.vpc})
	checkRefusals(t, []refusal{
		{"quota", quota, "InternetGatewayLimitExceeded", "The maximum number of internet gateways has been reached."},
		{"attached elsewhere", again, "Resource.AlreadyAssociated", "resource " + n.igw + " is already attached to network " + n.vpc},
		{"vpc has one", second, "InvalidParameterValue", "Network " + n.vpc + " already has an internet gateway attached"},
		{"not attached", notAttached, "Gateway.NotAttached", "resource " + spare + " is not attached to network " + n.vpc},
		{"delete attached", delAttached, "DependencyViolation", "The internetGateway '" + n.igw + "' has dependencies and cannot be deleted."},
		{"unknown", unknown, "InvalidInternetGatewayID.NotFound", "The internetGateway ID 'igw-0123456789abcdef0' does not exist"},
		{"vpc with igw", vpcBusy, "DependencyViolation", ""},
	})
	for _, f := range []struct {
		kv   []string
		want int
	}{
		{[]string{"attachment.vpc-id", n.vpc}, 1},
		{[]string{"attachment.state", "available"}, 2}, // with the default VPC's
		{[]string{"tag:Name", "spa*"}, 1},
		{[]string{"internet-gateway-id", spare}, 1},
		{[]string{"owner-id", testAccount}, 3},
	} {
		out, err := s.DescribeInternetGateways(ctx, &ec2api.DescribeInternetGatewaysInput{Filters: filters(f.kv...)})
		if err != nil || len(out.InternetGateways) != f.want {
			t.Errorf("filter %v: %d, want %d (%v)", f.kv, len(out.InternetGateways), f.want, err)
		}
	}

	// Egress-only gateways: created attached, deletable at once, and a
	// DeleteVpc dependency meanwhile.
	e, err := s.CreateEgressOnlyInternetGateway(ctx, &ec2api.CreateEgressOnlyInternetGatewayInput{VpcId: &other})
	if err != nil || *e.EgressOnlyInternetGateway.Attachments[0].State != "attached" {
		t.Fatalf("eigw: %+v %v", e, err)
	}
	eigw := *e.EgressOnlyInternetGateway.EgressOnlyInternetGatewayId
	if _, err := s.DeleteVpc(ctx, &ec2api.DeleteVpcInput{VpcId: &other}); code(err) != "DependencyViolation" {
		t.Errorf("vpc with eigw: %v", err)
	}
	rtb := mustRouteTable(t, s, ctx, other)
	if _, err := s.CreateRoute(ctx, &ec2api.CreateRouteInput{RouteTableId: &rtb, DestinationIpv6CidrBlock: ptr("::/0"), EgressOnlyInternetGatewayId: &eigw}); err != nil {
		t.Fatal(err)
	}
	if out, err := s.DescribeEgressOnlyInternetGateways(ctx, &ec2api.DescribeEgressOnlyInternetGatewaysInput{Filters: filters("attachment.vpc-id", other)}); err != nil || len(out.EgressOnlyInternetGateways) != 1 {
		t.Fatalf("describe eigw: %+v %v", out, err)
	}
	if out, err := s.DeleteEgressOnlyInternetGateway(ctx, &ec2api.DeleteEgressOnlyInternetGatewayInput{EgressOnlyInternetGatewayId: &eigw}); err != nil || !*out.ReturnCode {
		t.Fatal(err)
	}
	if st := routeState(describeRT(t, s, ctx, rtb), "::/0"); st != "blackhole" {
		t.Errorf("route to deleted eigw: %s", st)
	}
	_, err = s.DeleteEgressOnlyInternetGateway(ctx, &ec2api.DeleteEgressOnlyInternetGatewayInput{EgressOnlyInternetGatewayId: &eigw})
	checkRefusals(t, []refusal{{"eigw gone", err, "InvalidGatewayID.NotFound", "The eigw ID '" + eigw + "' does not exist"}})
}

func manual(s *Service) *clock.Manual { return s.clock.(*clock.Manual) }

func TestNATGatewayStateMachine(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	n := mustNetwork(t, s, ctx)
	eip, err := s.AllocateAddress(ctx, &ec2api.AllocateAddressInput{Domain: ptr("vpc")})
	if err != nil {
		t.Fatal(err)
	}
	created, err := s.CreateNatGateway(ctx, &ec2api.CreateNatGatewayInput{SubnetId: &n.public, AllocationId: eip.AllocationId})
	if err != nil {
		t.Fatal(err)
	}
	nat := *created.NatGateway.NatGatewayId
	priv := mustRouteTable(t, s, ctx, n.vpc)
	if _, err := s.CreateRoute(ctx, &ec2api.CreateRouteInput{RouteTableId: &priv, DestinationCidrBlock: ptr("0.0.0.0/0"), NatGatewayId: &nat}); err != nil {
		t.Fatal(err)
	}
	state := func() string {
		t.Helper()
		out, err := s.DescribeNatGateways(ctx, &ec2api.DescribeNatGatewaysInput{NatGatewayIds: []string{nat}})
		if err != nil {
			return code(err)
		}
		return *out.NatGateways[0].State
	}
	addr := func() ec2api.Address {
		out, err := s.DescribeAddresses(ctx, &ec2api.DescribeAddressesInput{AllocationIds: []string{*eip.AllocationId}})
		if err != nil {
			t.Fatal(err)
		}
		return out.Addresses[0]
	}
	steps := []struct {
		advance   time.Duration
		natState  string
		routeSt   string
		addressed bool
	}{
		{0, "pending", "active", true},
		{natPendingFor, "available", "active", true},
		{time.Hour, "available", "active", true},
	}
	for i, st := range steps {
		manual(s).Advance(st.advance)
		if got := state(); got != st.natState {
			t.Errorf("step %d: state %s, want %s", i, got, st.natState)
		}
		if got := routeState(describeRT(t, s, ctx, priv), "0.0.0.0/0"); got != st.routeSt {
			t.Errorf("step %d: route %s, want %s", i, got, st.routeSt)
		}
	}
	a := addr()
	if a.AssociationId == nil || *a.NetworkInterfaceId != *created.NatGateway.NatGatewayAddresses[0].NetworkInterfaceId {
		t.Fatalf("nat address: %+v", a)
	}
	if sn, _ := s.DescribeSubnets(ctx, &ec2api.DescribeSubnetsInput{SubnetIds: []string{n.public}}); *sn.Subnets[0].AvailableIpAddressCount != 250 {
		t.Errorf("available addresses with a NAT gateway: %d", *sn.Subnets[0].AvailableIpAddressCount)
	}

	// While the gateway holds the address, everything that would take it
	// away is refused.
	_, release := s.ReleaseAddress(ctx, &ec2api.ReleaseAddressInput{AllocationId: eip.AllocationId})
	_, disassoc := s.DisassociateAddress(ctx, &ec2api.DisassociateAddressInput{AssociationId: a.AssociationId})
	_, detach := s.DetachInternetGateway(ctx, &ec2api.DetachInternetGatewayInput{InternetGatewayId: &n.igw, VpcId: &n.vpc})
	_, delSubnet := s.DeleteSubnet(ctx, &ec2api.DeleteSubnetInput{SubnetId: &n.public})
	_, delVpc := s.DeleteVpc(ctx, &ec2api.DeleteVpcInput{VpcId: &n.vpc})
	second, _ := s.CreateNatGateway(ctx, &ec2api.CreateNatGatewayInput{SubnetId: &n.public, AllocationId: eip.AllocationId})
	checkRefusals(t, []refusal{
		{"release", release, "InvalidIPAddress.InUse", "Address " + *eip.PublicIp + " is in use."},
		{"disassociate", disassoc, "AuthFailure", ""},
		{"detach igw", detach, "DependencyViolation", "Network " + n.vpc + " has some mapped public address(es). Please unmap those public address(es) before detaching the gateway."},
		{"delete subnet", delSubnet, "DependencyViolation", ""},
		{"delete vpc", delVpc, "DependencyViolation", ""},
	})
	// A second gateway on the same address fails after its pending time,
	// as AWS reports it.
	manual(s).Advance(natPendingFor)
	out, _ := s.DescribeNatGateways(ctx, &ec2api.DescribeNatGatewaysInput{NatGatewayIds: []string{*second.NatGateway.NatGatewayId}})
	if g := out.NatGateways[0]; *g.State != "failed" || *g.FailureCode != "Resource.AlreadyAssociated" || *g.FailureMessage != "Elastic IP address "+*eip.AllocationId+" is already associated" {
		t.Errorf("second gateway: %s %s %s", *g.State, deref(g.FailureCode), deref(g.FailureMessage))
	}

	if _, err := s.DeleteNatGateway(ctx, &ec2api.DeleteNatGatewayInput{NatGatewayId: &nat}); err != nil {
		t.Fatal(err)
	}
	for i, st := range []struct {
		advance time.Duration
		want    string
	}{{0, "deleting"}, {natDeletingFor, "deleted"}, {natRetention, "NatGatewayNotFound"}} {
		manual(s).Advance(st.advance)
		if got := state(); got != st.want {
			t.Errorf("deletion step %d: %s, want %s", i, got, st.want)
		}
		if got := routeState(describeRT(t, s, ctx, priv), "0.0.0.0/0"); got != "blackhole" {
			t.Errorf("deletion step %d: route %s", i, got)
		}
	}
	if a := addr(); a.AssociationId != nil {
		t.Errorf("address still associated: %+v", a)
	}
	if out, _ := s.DescribeNatGateways(ctx, &ec2api.DescribeNatGatewaysInput{Filter: filters("vpc-id", n.vpc)}); len(out.NatGateways) != 0 {
		t.Errorf("expired gateways listed: %d", len(out.NatGateways))
	}
	// Now the teardown goes through.
	for _, step := range []func() error{
		func() error {
			_, err := s.ReleaseAddress(ctx, &ec2api.ReleaseAddressInput{AllocationId: eip.AllocationId})
			return err
		},
		func() error {
			_, err := s.DeleteRouteTable(ctx, &ec2api.DeleteRouteTableInput{RouteTableId: &priv})
			return err
		},
		func() error {
			_, err := s.DetachInternetGateway(ctx, &ec2api.DetachInternetGatewayInput{InternetGatewayId: &n.igw, VpcId: &n.vpc})
			return err
		},
		func() error {
			_, err := s.DeleteSubnet(ctx, &ec2api.DeleteSubnetInput{SubnetId: &n.public})
			return err
		},
		func() error {
			_, err := s.DeleteSubnet(ctx, &ec2api.DeleteSubnetInput{SubnetId: &n.private})
			return err
		},
		func() error { _, err := s.DeleteVpc(ctx, &ec2api.DeleteVpcInput{VpcId: &n.vpc}); return err },
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestNATGatewayWithoutInternetGateway(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	vpc := mustVPC(t, s, ctx, "10.0.0.0/16")
	sn := mustSubnet(t, s, ctx, vpc, "10.0.0.0/24", "us-east-1a")
	eip, _ := s.AllocateAddress(ctx, &ec2api.AllocateAddressInput{})
	pub, err := s.CreateNatGateway(ctx, &ec2api.CreateNatGatewayInput{SubnetId: &sn, AllocationId: eip.AllocationId})
	if err != nil {
		t.Fatal(err)
	}
	priv, err := s.CreateNatGateway(ctx, &ec2api.CreateNatGatewayInput{SubnetId: &sn, ConnectivityType: ptr("private")})
	if err != nil {
		t.Fatal(err)
	}
	manual(s).Advance(natPendingFor)
	out, _ := s.DescribeNatGateways(ctx, &ec2api.DescribeNatGatewaysInput{Filter: filters("vpc-id", vpc)})
	got := map[string]string{}
	for _, g := range out.NatGateways {
		got[*g.NatGatewayId] = *g.State + " " + deref(g.FailureMessage)
	}
	if got[*pub.NatGateway.NatGatewayId] != "failed Network "+vpc+" has no Internet gateway attached" || got[*priv.NatGateway.NatGatewayId] != "available " {
		t.Errorf("states: %v", got)
	}
	_, missingAlloc := s.CreateNatGateway(ctx, &ec2api.CreateNatGatewayInput{SubnetId: &sn})
	_, unknownAlloc := s.CreateNatGateway(ctx, &ec2api.CreateNatGatewayInput{SubnetId: &sn, AllocationId: ptr("eipalloc-0123456789abcdef0")})
	_, privWithAlloc := s.CreateNatGateway(ctx, &ec2api.CreateNatGatewayInput{SubnetId: &sn, ConnectivityType: ptr("private"), AllocationId: eip.AllocationId})
	_, unknownDel := s.DeleteNatGateway(ctx, &ec2api.DeleteNatGatewayInput{NatGatewayId: ptr("nat-0123456789abcdef0")})
	checkRefusals(t, []refusal{
		{"public without allocation", missingAlloc, "MissingParameter", ""},
		{"unknown allocation", unknownAlloc, "InvalidAllocationID.NotFound", "The allocation ID 'eipalloc-0123456789abcdef0' does not exist"},
		{"private with allocation", privWithAlloc, "InvalidParameterCombination", ""},
		{"unknown delete", unknownDel, "NatGatewayNotFound", "NAT gateway nat-0123456789abcdef0 was not found"},
	})
}
