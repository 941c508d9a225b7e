package ec2

import (
	"net/netip"
	"strings"
	"testing"

	"hakoniwa/internal/store"

	ec2api "hakoniwa/internal/api/ec2"
)

func TestAWSPrefixLists(t *testing.T) {
	east, west := awsPrefixLists("us-east-1"), awsPrefixLists("us-west-2")
	if len(east) != 2 || len(west) != 2 || awsPrefixLists("xx-nowhere-1") != nil {
		t.Fatalf("lists: %v %v", east, west)
	}
	seen := map[string]bool{}
	for _, l := range append(east, west...) {
		if !wellFormed(l.id, "pl") || len(l.id) != len("pl-")+8 || seen[l.id] {
			t.Errorf("id %q", l.id)
		}
		seen[l.id] = true
		for _, c := range l.cidrs {
			p := netip.MustParsePrefix(c)
			if !netip.MustParsePrefix("198.18.0.0/16").Contains(p.Addr()) || seen[c] {
				t.Errorf("%s: cidr %s", l.name, c)
			}
			seen[c] = true
		}
	}
	if east[0].name != "com.amazonaws.us-east-1.s3" || east[0].id != awsPrefixListID("us-east-1", "s3") {
		t.Errorf("s3 list: %+v", east[0])
	}
}

func TestRouteForLists(t *testing.T) {
	entries := func(pl string) []netip.Prefix {
		if pl == "pl-00000001" {
			return []netip.Prefix{netip.MustParsePrefix("198.18.0.0/24"), netip.MustParsePrefix("198.18.1.0/24")}
		}
		return nil
	}
	routes := []route{
		{Destination: "10.0.0.0/16", GatewayID: "local"},
		{Destination: "0.0.0.0/0", GatewayID: "igw-1"},
		{PrefixList: "pl-00000001", GatewayID: "vpce-1"},
		{Destination: "198.18.1.0/24", Target: "nat-1"},
		{PrefixList: "pl-unknown", GatewayID: "vpce-2"},
	}
	for _, tc := range []struct{ ip, want string }{
		{"198.18.0.7", "vpce-1"}, // only the list covers it more specifically than 0/0
		{"198.18.1.7", "nat-1"},  // equal length: the CIDR route wins
		{"10.0.3.3", "local"},    // lists do not shadow the VPC
		{"8.8.8.8", "igw-1"},     // default route
		{"198.18.99.1", "igw-1"}, // outside the list
	} {
		r, ok := routeForLists(routes, netip.MustParseAddr(tc.ip), entries)
		if !ok || r.targetID() != tc.want {
			t.Errorf("%s: %q, want %q", tc.ip, r.targetID(), tc.want)
		}
	}
}

func TestGatewayEndpoint(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	n := mustNetwork(t, s, ctx)
	rtb := mustRouteTable(t, s, ctx, n.vpc)
	other := mustVPC(t, s, ctx, "10.1.0.0/16")
	otherRtb := mustRouteTable(t, s, ctx, other)
	pls, err := s.DescribePrefixLists(ctx, &ec2api.DescribePrefixListsInput{Filters: filters("prefix-list-name", "com.amazonaws.us-east-1.s3")})
	if err != nil || len(pls.PrefixLists) != 1 {
		t.Fatalf("s3 prefix list: %+v %v", pls, err)
	}
	pl := *pls.PrefixLists[0].PrefixListId
	out, err := s.CreateVpcEndpoint(ctx, &ec2api.CreateVpcEndpointInput{VpcId: &n.vpc, ServiceName: ptr("com.amazonaws.us-east-1.s3"), RouteTableIds: []string{rtb}})
	if err != nil {
		t.Fatal(err)
	}
	e := out.VpcEndpoint
	if *e.VpcEndpointType != "Gateway" || *e.State != "available" || len(e.RouteTableIds) != 1 || !strings.Contains(*e.PolicyDocument, "\"Allow\"") {
		t.Fatalf("endpoint: %+v", e)
	}
	hasPL := func(id string) bool {
		for _, r := range describeRT(t, s, ctx, id).Routes {
			if deref(r.DestinationPrefixListId) == pl && deref(r.GatewayId) == *e.VpcEndpointId && deref(r.State) == "active" {
				return true
			}
		}
		return false
	}
	if !hasPL(rtb) {
		t.Fatalf("no prefix-list route: %+v", describeRT(t, s, ctx, rtb))
	}
	_, dup := s.CreateVpcEndpoint(ctx, &ec2api.CreateVpcEndpointInput{VpcId: &n.vpc, ServiceName: ptr("com.amazonaws.us-east-1.s3"), RouteTableIds: []string{rtb}})
	_, foreignRtb := s.CreateVpcEndpoint(ctx, &ec2api.CreateVpcEndpointInput{VpcId: &n.vpc, ServiceName: ptr("com.amazonaws.us-east-1.s3"), RouteTableIds: []string{otherRtb}})
	_, badService := s.CreateVpcEndpoint(ctx, &ec2api.CreateVpcEndpointInput{VpcId: &n.vpc, ServiceName: ptr("com.amazonaws.us-east-1.nothing")})
	_, gatewaySTS := s.CreateVpcEndpoint(ctx, &ec2api.CreateVpcEndpointInput{VpcId: &n.vpc, ServiceName: ptr("com.amazonaws.us-east-1.sts")})
	checkRefusals(t, []refusal{
		{"route exists", dup, "RouteAlreadyExists", "The route identified by " + pl + " already exists."},
		{"foreign table", foreignRtb, "InvalidParameterValue", ""},
		{"unknown service", badService, "InvalidServiceName", "The Vpc Endpoint Service 'com.amazonaws.us-east-1.nothing' does not exist"},
		{"gateway for sts", gatewaySTS, "InvalidParameterValue", ""},
	})

	// Modify moves the route; filters find the endpoint.
	main := n.mainRtb
	if _, err := s.ModifyVpcEndpoint(ctx, &ec2api.ModifyVpcEndpointInput{VpcEndpointId: e.VpcEndpointId, AddRouteTableIds: []string{main}, RemoveRouteTableIds: []string{rtb}}); err != nil {
		t.Fatal(err)
	}
	if hasPL(rtb) || !hasPL(main) {
		t.Errorf("after modify: %v %v", hasPL(rtb), hasPL(main))
	}
	found, err := s.DescribeVpcEndpoints(ctx, &ec2api.DescribeVpcEndpointsInput{Filters: filters("vpc-endpoint-type", "Gateway", "service-name", "*.s3", "vpc-id", n.vpc)})
	if err != nil || len(found.VpcEndpoints) != 1 || found.VpcEndpoints[0].RouteTableIds[0] != main {
		t.Fatalf("describe: %+v %v", found, err)
	}
	// The endpoint alone keeps DeleteVpc from succeeding.
	depErr := s.st.View(ctx, func(tx store.Tx) error { return endpointDependents(tx, scope{testAccount, "us-east-1"}, n.vpc) })
	checkRefusals(t, []refusal{{"vpc with endpoint", depErr, "DependencyViolation", "The vpc '" + n.vpc + "' has dependencies and cannot be deleted."}})

	del, err := s.DeleteVpcEndpoints(ctx, &ec2api.DeleteVpcEndpointsInput{VpcEndpointIds: []string{*e.VpcEndpointId, "vpce-0123456789abcdef0"}})
	if err != nil || len(del.Unsuccessful) != 1 || *del.Unsuccessful[0].ResourceId != "vpce-0123456789abcdef0" ||
		*del.Unsuccessful[0].Error.Code != "InvalidVpcEndpointId.NotFound" {
		t.Fatalf("delete: %+v %v", del, err)
	}
	if hasPL(main) {
		t.Error("route outlived the endpoint")
	}
}

func TestInterfaceEndpoint(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	n := mustNetwork(t, s, ctx)
	sameZone := mustSubnet(t, s, ctx, n.vpc, "10.0.2.0/24", "us-east-1a")
	_, privDNS := s.CreateVpcEndpoint(ctx, &ec2api.CreateVpcEndpointInput{VpcId: &n.vpc, VpcEndpointType: ptr("Interface"),
		ServiceName: ptr("com.amazonaws.us-east-1.sts"), SubnetIds: []string{n.public}, PrivateDnsEnabled: ptr(true)})
	_, twoInZone := s.CreateVpcEndpoint(ctx, &ec2api.CreateVpcEndpointInput{VpcId: &n.vpc, VpcEndpointType: ptr("Interface"),
		ServiceName: ptr("com.amazonaws.us-east-1.sts"), SubnetIds: []string{n.public, sameZone}})
	checkRefusals(t, []refusal{
		{"private dns without vpc dns", privDNS, "InvalidParameter", ""},
		{"two subnets in a zone", twoInZone, "DuplicateSubnetsInSameZone", ""},
	})
	if got := availableIPs(t, s, ctx, n.public); got != 251 {
		t.Fatalf("refused endpoint kept addresses: %d", got)
	}
	out, err := s.CreateVpcEndpoint(ctx, &ec2api.CreateVpcEndpointInput{VpcId: &n.vpc, VpcEndpointType: ptr("Interface"),
		ServiceName: ptr("com.amazonaws.us-east-1.sts"), SubnetIds: []string{n.public, n.private}})
	if err != nil {
		t.Fatal(err)
	}
	e := out.VpcEndpoint
	if len(e.NetworkInterfaceIds) != 2 || len(e.DnsEntries) != 3 || *e.PrivateDnsEnabled || len(e.Groups) != 1 {
		t.Fatalf("endpoint: %+v", e)
	}
	x := describeENI(t, s, ctx, e.NetworkInterfaceIds[0])
	if !*x.RequesterManaged || *x.InterfaceType != "vpc_endpoint" || *x.Description != "VPC Endpoint Interface "+*e.VpcEndpointId {
		t.Errorf("endpoint interface: %+v", x)
	}
	_, delENI := s.DeleteNetworkInterface(ctx, &ec2api.DeleteNetworkInterfaceInput{NetworkInterfaceId: x.NetworkInterfaceId})
	_, delSubnet := s.DeleteSubnet(ctx, &ec2api.DeleteSubnetInput{SubnetId: &n.private})
	checkRefusals(t, []refusal{
		{"delete endpoint interface", delENI, "InvalidParameterValue", "Network interface '" + *x.NetworkInterfaceId + "' is currently in use."},
		{"delete subnet", delSubnet, "DependencyViolation", ""},
	})
	if got := availableIPs(t, s, ctx, n.private); got != 250 {
		t.Errorf("endpoint address: %d", got)
	}
	if _, err := s.ModifyVpcEndpoint(ctx, &ec2api.ModifyVpcEndpointInput{VpcEndpointId: e.VpcEndpointId, RemoveSubnetIds: []string{n.private}}); err != nil {
		t.Fatal(err)
	}
	if got := availableIPs(t, s, ctx, n.private); got != 251 {
		t.Errorf("after removing the subnet: %d", got)
	}
	if _, err := s.DeleteVpcEndpoints(ctx, &ec2api.DeleteVpcEndpointsInput{VpcEndpointIds: []string{*e.VpcEndpointId}}); err != nil {
		t.Fatal(err)
	}
	if got := availableIPs(t, s, ctx, n.public); got != 251 {
		t.Errorf("after delete: %d", got)
	}
	left, err := s.DescribeNetworkInterfaces(ctx, &ec2api.DescribeNetworkInterfacesInput{})
	if err != nil || len(left.NetworkInterfaces) != 0 {
		t.Errorf("interfaces left: %+v %v", left, err)
	}
}

func TestEndpointServices(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	out, err := s.DescribeVpcEndpointServices(ctx, &ec2api.DescribeVpcEndpointServicesInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.ServiceNames) != len(endpointServices) || len(out.ServiceDetails) != len(endpointServices)+len(gatewayServices) {
		t.Fatalf("services: %v, %d details", out.ServiceNames, len(out.ServiceDetails))
	}
	gw, err := s.DescribeVpcEndpointServices(ctx, &ec2api.DescribeVpcEndpointServicesInput{Filters: filters("service-type", "Gateway")})
	if err != nil || len(gw.ServiceDetails) != 2 {
		t.Fatalf("gateway services: %+v %v", gw, err)
	}
	_, unknown := s.DescribeVpcEndpointServices(ctx, &ec2api.DescribeVpcEndpointServicesInput{ServiceNames: []string{"com.amazonaws.us-east-1.nope"}})
	checkRefusals(t, []refusal{{"unknown service", unknown, "InvalidServiceName", ""}})

	mpl, err := s.DescribeManagedPrefixLists(ctx, &ec2api.DescribeManagedPrefixListsInput{Filters: filters("owner-id", "AWS")})
	if err != nil || len(mpl.PrefixLists) != 2 {
		t.Fatalf("managed lists: %+v %v", mpl, err)
	}
	entries, err := s.GetManagedPrefixListEntries(ctx, &ec2api.GetManagedPrefixListEntriesInput{PrefixListId: mpl.PrefixLists[0].PrefixListId})
	if err != nil || len(entries.Entries) == 0 {
		t.Fatalf("entries: %+v %v", entries, err)
	}
	_, noList := s.GetManagedPrefixListEntries(ctx, &ec2api.GetManagedPrefixListEntriesInput{PrefixListId: ptr("pl-00000000")})
	checkRefusals(t, []refusal{{"unknown list", noList, "InvalidPrefixListID.NotFound", ""}})
}

func TestCustomerPrefixLists(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	out, err := s.CreateManagedPrefixList(ctx, &ec2api.CreateManagedPrefixListInput{PrefixListName: ptr("office"), AddressFamily: ptr("IPv4"), MaxEntries: ptr(int64(2)),
		Entries: []ec2api.AddPrefixListEntry{{Cidr: ptr("192.0.2.0/24"), Description: ptr("hq")}}})
	if err != nil {
		t.Fatal(err)
	}
	id := out.PrefixList.PrefixListId
	if *out.PrefixList.Version != 1 || *out.PrefixList.OwnerId != testAccount || *out.PrefixList.MaxEntries != 2 {
		t.Fatalf("created: %+v", out.PrefixList)
	}
	mod, err := s.ModifyManagedPrefixList(ctx, &ec2api.ModifyManagedPrefixListInput{PrefixListId: id, CurrentVersion: ptr(int64(1)),
		AddEntries: []ec2api.AddPrefixListEntry{{Cidr: ptr("198.51.100.0/24")}}, RemoveEntries: []ec2api.RemovePrefixListEntry{{Cidr: ptr("192.0.2.0/24")}}})
	if err != nil || *mod.PrefixList.Version != 2 {
		t.Fatalf("modify: %+v %v", mod, err)
	}
	_, stale := s.ModifyManagedPrefixList(ctx, &ec2api.ModifyManagedPrefixListInput{PrefixListId: id, CurrentVersion: ptr(int64(1)), AddEntries: []ec2api.AddPrefixListEntry{{Cidr: ptr("203.0.113.0/24")}}})
	_, both := s.ModifyManagedPrefixList(ctx, &ec2api.ModifyManagedPrefixListInput{PrefixListId: id, MaxEntries: ptr(int64(5)), AddEntries: []ec2api.AddPrefixListEntry{{Cidr: ptr("203.0.113.0/24")}}})
	_, dupe := s.ModifyManagedPrefixList(ctx, &ec2api.ModifyManagedPrefixListInput{PrefixListId: id, CurrentVersion: ptr(int64(2)), AddEntries: []ec2api.AddPrefixListEntry{{Cidr: ptr("198.51.100.0/24")}}})
	_, tooMany := s.ModifyManagedPrefixList(ctx, &ec2api.ModifyManagedPrefixListInput{PrefixListId: id, CurrentVersion: ptr(int64(2)),
		AddEntries: []ec2api.AddPrefixListEntry{{Cidr: ptr("203.0.113.0/25")}, {Cidr: ptr("203.0.113.128/25")}}})
	_, awsName := s.CreateManagedPrefixList(ctx, &ec2api.CreateManagedPrefixListInput{PrefixListName: ptr("com.amazonaws.x"), AddressFamily: ptr("IPv4"), MaxEntries: ptr(int64(1))})
	checkRefusals(t, []refusal{
		{"stale version", stale, "PrefixListVersionMismatch", "The prefix list has the incorrect version number."},
		{"entries and size", both, "InvalidParameterCombination", "You cannot modify the entries and the maximum entries for the prefix list in the same request."},
		{"duplicate entry", dupe, "InvalidPrefixListModification", ""},
		{"over max entries", tooMany, "InvalidParameterValue", ""},
		{"reserved name", awsName, "InvalidParameterValue", ""},
	})
	for v, want := range map[int64]string{1: "192.0.2.0/24", 2: "198.51.100.0/24"} {
		got, err := s.GetManagedPrefixListEntries(ctx, &ec2api.GetManagedPrefixListEntriesInput{PrefixListId: id, TargetVersion: ptr(v)})
		if err != nil || len(got.Entries) != 1 || *got.Entries[0].Cidr != want {
			t.Errorf("version %d: %+v %v", v, got, err)
		}
	}
	own, err := s.DescribeManagedPrefixLists(ctx, &ec2api.DescribeManagedPrefixListsInput{Filters: filters("owner-id", testAccount)})
	if err != nil || len(own.PrefixLists) != 1 {
		t.Fatalf("own lists: %+v %v", own, err)
	}
	// A route to the list keeps it; the route table's routing follows its
	// entries.
	n := mustNetwork(t, s, ctx)
	if _, err := s.CreateRoute(ctx, &ec2api.CreateRouteInput{RouteTableId: &n.mainRtb, DestinationPrefixListId: id, GatewayId: &n.igw}); err != nil {
		t.Fatal(err)
	}
	_, used := s.DeleteManagedPrefixList(ctx, &ec2api.DeleteManagedPrefixListInput{PrefixListId: id})
	checkRefusals(t, []refusal{{"list in use", used, "DependencyViolation", ""}})
	err = s.st.View(ctx, func(tx store.Tx) error {
		rt, err := routeTables.get(tx, scope{testAccount, "us-east-1"}, n.mainRtb)
		if err != nil {
			return err
		}
		r, ok := routeForLists(rt.Routes, netip.MustParseAddr("198.51.100.9"), func(pl string) []netip.Prefix {
			ps, _ := prefixListEntries(tx, scope{testAccount, "us-east-1"}, pl)
			return ps
		})
		if !ok || r.PrefixList != *id {
			t.Errorf("route for 198.51.100.9: %+v", r)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteRoute(ctx, &ec2api.DeleteRouteInput{RouteTableId: &n.mainRtb, DestinationPrefixListId: id}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteManagedPrefixList(ctx, &ec2api.DeleteManagedPrefixListInput{PrefixListId: id}); err != nil {
		t.Fatal(err)
	}
}
