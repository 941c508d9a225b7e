package e2e

import (
	"strings"
	"testing"
	"time"
)

// TestVPCScenarioCLIv2 is the whole of SCENARIOS section 2 with Debian's
// aws CLI v2 alone: the default VPC; a VPC with public and private subnets
// in two zones; an internet gateway, route tables, an Elastic IP and a NAT
// gateway; web and database security groups; a network ACL with numbered
// rules; a second VPC peered with the first, with routes both ways. Then it
// tears everything down, first trying each step out of order and checking
// AWS's refusal.
func TestVPCScenarioCLIv2(t *testing.T) {
	s := StartServer(t)
	// q runs an ec2 command with JSON output narrowed by a JMESPath query
	// and decodes the result into out.
	q := func(out any, query string, args ...string) {
		t.Helper()
		cliV2(t, s, out, append(args, "--query", query)...)
	}
	str := func(query string, args ...string) string {
		t.Helper()
		var v string
		q(&v, query, args...)
		return v
	}
	eq := func(what string, got, want any) {
		t.Helper()
		if got != want {
			t.Fatalf("%s: got %v, want %v", what, got, want)
		}
	}
	tag := func(rt, name string) string { return "ResourceType=" + rt + ",Tags=[{Key=Name,Value=" + name + "}]" }

	// The default VPC and its default subnets, one /20 per zone.
	eq("default VPC", str("Vpcs[0].CidrBlock", "describe-vpcs", "--filters", "Name=is-default,Values=true"), "172.31.0.0/16")
	var defaults []struct {
		Cidr   string `json:"c"`
		Public bool   `json:"p"`
	}
	q(&defaults, "Subnets[].{c: CidrBlock, p: MapPublicIpOnLaunch}", "describe-subnets", "--filters", "Name=default-for-az,Values=true")
	if len(defaults) < 2 {
		t.Fatalf("default subnets: %+v", defaults)
	}
	for _, d := range defaults {
		if !strings.HasPrefix(d.Cidr, "172.31.") || !strings.HasSuffix(d.Cidr, "/20") || !d.Public {
			t.Errorf("default subnet %+v", d)
		}
	}

	// The VPC: /16 to /28 only.
	cliV2Refusal(t, s, "InvalidVpc.Range", "create-vpc", "--cidr-block", "10.0.0.0/15")
	cliV2Refusal(t, s, "InvalidVpc.Range", "create-vpc", "--cidr-block", "10.0.0.0/29")
	vpc := str("Vpc.VpcId", "create-vpc", "--cidr-block", "10.0.0.0/16", "--tag-specifications", tag("vpc", "app"))

	// Subnets in two zones, inside the VPC, without overlap, each with
	// five addresses reserved.
	subnet := func(cidr, zone, name string) string {
		t.Helper()
		return str("Subnet.SubnetId", "create-subnet", "--vpc-id", vpc, "--cidr-block", cidr, "--availability-zone", zone, "--tag-specifications", tag("subnet", name))
	}
	pubA, pubB := subnet("10.0.0.0/24", "us-east-1a", "public-a"), subnet("10.0.1.0/24", "us-east-1b", "public-b")
	privA, privB := subnet("10.0.10.0/24", "us-east-1a", "private-a"), subnet("10.0.11.0/24", "us-east-1b", "private-b")
	cliV2Refusal(t, s, "InvalidSubnet.Range", "create-subnet", "--vpc-id", vpc, "--cidr-block", "10.1.0.0/24")
	cliV2Refusal(t, s, "InvalidSubnet.Conflict", "create-subnet", "--vpc-id", vpc, "--cidr-block", "10.0.0.128/25")
	var free float64
	q(&free, "Subnets[0].AvailableIpAddressCount", "describe-subnets", "--subnet-ids", pubA)
	eq("available addresses in a /24", free, 251.0)
	for _, sn := range []string{pubA, pubB} {
		cliV2(t, s, nil, "modify-subnet-attribute", "--subnet-id", sn, "--map-public-ip-on-launch")
	}
	var public []bool
	q(&public, "Subnets[].MapPublicIpOnLaunch", "describe-subnets", "--filters", "Name=vpc-id,Values="+vpc, "Name=tag:Name,Values=public-*")
	if len(public) != 2 || !public[0] || !public[1] {
		t.Fatalf("public subnets auto-assign: %v", public)
	}

	// One internet gateway per VPC.
	igw := str("InternetGateway.InternetGatewayId", "create-internet-gateway", "--tag-specifications", tag("internet-gateway", "app"))
	cliV2(t, s, nil, "attach-internet-gateway", "--internet-gateway-id", igw, "--vpc-id", vpc)
	cliV2Refusal(t, s, "Resource.AlreadyAssociated", "attach-internet-gateway", "--internet-gateway-id", igw, "--vpc-id", vpc)

	// Route tables: the main one holds the local route; the public one
	// sends 0.0.0.0/0 to the gateway.
	mainRtb := str("RouteTables[0].RouteTableId", "describe-route-tables", "--filters", "Name=vpc-id,Values="+vpc, "Name=association.main,Values=true")
	eq("main table's local route", str("RouteTables[0].Routes[?DestinationCidrBlock=='10.0.0.0/16'].GatewayId | [0]", "describe-route-tables", "--route-table-ids", mainRtb), "local")
	pubRtb := str("RouteTable.RouteTableId", "create-route-table", "--vpc-id", vpc, "--tag-specifications", tag("route-table", "public"))
	cliV2(t, s, nil, "create-route", "--route-table-id", pubRtb, "--destination-cidr-block", "0.0.0.0/0", "--gateway-id", igw)
	cliV2Refusal(t, s, "RouteAlreadyExists", "create-route", "--route-table-id", pubRtb, "--destination-cidr-block", "0.0.0.0/0", "--gateway-id", igw)
	var assocs []string
	for _, sn := range []string{pubA, pubB} {
		assocs = append(assocs, str("AssociationId", "associate-route-table", "--route-table-id", pubRtb, "--subnet-id", sn))
	}

	// An Elastic IP and a NAT gateway in a public subnet for the private
	// subnets' outbound traffic.
	alloc := str("AllocationId", "allocate-address", "--domain", "vpc")
	nat := str("NatGateway.NatGatewayId", "create-nat-gateway", "--subnet-id", pubA, "--allocation-id", alloc)
	waitFor(t, "NAT gateway available", func() bool {
		return str("NatGateways[0].State", "describe-nat-gateways", "--nat-gateway-ids", nat) == "available"
	})
	privRtb := str("RouteTable.RouteTableId", "create-route-table", "--vpc-id", vpc, "--tag-specifications", tag("route-table", "private"))
	cliV2(t, s, nil, "create-route", "--route-table-id", privRtb, "--destination-cidr-block", "0.0.0.0/0", "--nat-gateway-id", nat)
	for _, sn := range []string{privA, privB} {
		assocs = append(assocs, str("AssociationId", "associate-route-table", "--route-table-id", privRtb, "--subnet-id", sn))
	}
	eq("NAT route", str("RouteTables[0].Routes[?DestinationCidrBlock=='0.0.0.0/0'].State | [0]", "describe-route-tables", "--route-table-ids", privRtb), "active")

	// Security groups: allow rules only, all outbound by default, the
	// database port open only to the web tier's group.
	web := str("GroupId", "create-security-group", "--vpc-id", vpc, "--group-name", "web", "--description", "web tier")
	db := str("GroupId", "create-security-group", "--vpc-id", vpc, "--group-name", "db", "--description", "database tier")
	cliV2(t, s, nil, "authorize-security-group-ingress", "--group-id", web, "--ip-permissions",
		"IpProtocol=tcp,FromPort=443,ToPort=443,IpRanges=[{CidrIp=0.0.0.0/0}]", "IpProtocol=tcp,FromPort=80,ToPort=80,IpRanges=[{CidrIp=0.0.0.0/0}]")
	cliV2(t, s, nil, "authorize-security-group-ingress", "--group-id", db, "--ip-permissions", "IpProtocol=tcp,FromPort=5432,ToPort=5432,UserIdGroupPairs=[{GroupId="+web+"}]")
	cliV2Refusal(t, s, "InvalidPermission.Duplicate", "authorize-security-group-ingress", "--group-id", web, "--protocol", "tcp", "--port", "443", "--cidr", "0.0.0.0/0")
	eq("db rule source", str("SecurityGroups[0].IpPermissions[0].UserIdGroupPairs[0].GroupId", "describe-security-groups", "--group-ids", db), web)
	eq("default egress", str("SecurityGroups[0].IpPermissionsEgress[0].IpRanges[0].CidrIp", "describe-security-groups", "--group-ids", web), "0.0.0.0/0")

	// A network ACL: numbered rules, an explicit deny, ephemeral ports.
	acl := str("NetworkAcl.NetworkAclId", "create-network-acl", "--vpc-id", vpc, "--tag-specifications", tag("network-acl", "public"))
	entry := func(n, action, cidr, from, to string, egress bool) []string {
		args := []string{"create-network-acl-entry", "--network-acl-id", acl, "--rule-number", n, "--protocol", "tcp",
			"--port-range", "From=" + from + ",To=" + to, "--cidr-block", cidr, "--rule-action", action}
		if egress {
			return append(args, "--egress")
		}
		return append(args, "--ingress")
	}
	cliV2(t, s, nil, entry("90", "deny", "192.0.2.0/24", "0", "65535", false)...)
	cliV2(t, s, nil, entry("100", "allow", "0.0.0.0/0", "443", "443", false)...)
	cliV2(t, s, nil, entry("110", "allow", "0.0.0.0/0", "1024", "65535", false)...)
	cliV2(t, s, nil, entry("100", "allow", "0.0.0.0/0", "0", "65535", true)...)
	cliV2Refusal(t, s, "NetworkAclEntryAlreadyExists", entry("100", "allow", "0.0.0.0/0", "80", "80", false)...)
	var numbers []float64
	q(&numbers, "NetworkAcls[0].Entries[?Egress==`false`].RuleNumber", "describe-network-acls", "--network-acl-ids", acl)
	if len(numbers) != 4 || numbers[3] != 32767 { // 90, 100, 110 and the * default deny
		t.Fatalf("ingress rule numbers: %v", numbers)
	}
	aclAssoc := str("NetworkAcls[0].Associations[?SubnetId=='"+pubA+"'].NetworkAclAssociationId | [0]", "describe-network-acls", "--filters", "Name=association.subnet-id,Values="+pubA)
	cliV2(t, s, nil, "replace-network-acl-association", "--association-id", aclAssoc, "--network-acl-id", acl)
	eq("public subnet's ACL", str("NetworkAcls[0].NetworkAclId", "describe-network-acls", "--filters", "Name=association.subnet-id,Values="+pubA), acl)

	// Peering with a second VPC, accepted, with routes both ways. A VPC
	// whose blocks overlap cannot be peered: its request fails.
	vpc2 := str("Vpc.VpcId", "create-vpc", "--cidr-block", "10.1.0.0/16", "--tag-specifications", tag("vpc", "shared"))
	rtb2 := str("RouteTables[0].RouteTableId", "describe-route-tables", "--filters", "Name=vpc-id,Values="+vpc2, "Name=association.main,Values=true")
	cliV2Refusal(t, s, "InvalidVpcID.NotFound", "create-vpc-peering-connection", "--vpc-id", vpc, "--peer-vpc-id", "vpc-0123456789abcdef0")
	overlap := str("Vpc.VpcId", "create-vpc", "--cidr-block", "10.0.128.0/17")
	var failed struct{ Code, Message string }
	q(&failed, "VpcPeeringConnection.Status", "create-vpc-peering-connection", "--vpc-id", vpc, "--peer-vpc-id", overlap)
	eq("overlapping request", failed.Code, "failed")
	eq("overlapping message", failed.Message, "Failed due to incorrect VPC-ID, Account ID, or overlapping CIDR range")
	cliV2(t, s, nil, "delete-vpc", "--vpc-id", overlap)

	pcx := str("VpcPeeringConnection.VpcPeeringConnectionId", "create-vpc-peering-connection", "--vpc-id", vpc, "--peer-vpc-id", vpc2,
		"--tag-specifications", tag("vpc-peering-connection", "app-shared"))
	eq("requested", str("VpcPeeringConnections[0].Status.Code", "describe-vpc-peering-connections", "--vpc-peering-connection-ids", pcx), "pending-acceptance")
	cliV2Refusal(t, s, "VpcPeeringConnectionAlreadyExists", "create-vpc-peering-connection", "--vpc-id", vpc2, "--peer-vpc-id", vpc)
	eq("accept", str("VpcPeeringConnection.Status.Code", "accept-vpc-peering-connection", "--vpc-peering-connection-id", pcx), "provisioning")
	cliV2Refusal(t, s, "InvalidStateTransition", "accept-vpc-peering-connection", "--vpc-peering-connection-id", pcx)
	eq("active", str("VpcPeeringConnections[0].Status.Code", "describe-vpc-peering-connections", "--filters", "Name=requester-vpc-info.vpc-id,Values="+vpc, "Name=status-code,Values=active"), "active")
	cliV2(t, s, nil, "create-route", "--route-table-id", pubRtb, "--destination-cidr-block", "10.1.0.0/16", "--vpc-peering-connection-id", pcx)
	cliV2(t, s, nil, "create-route", "--route-table-id", rtb2, "--destination-cidr-block", "10.0.0.0/16", "--vpc-peering-connection-id", pcx)
	peerRoute := func(rtb, dest string) string {
		return str("RouteTables[0].Routes[?DestinationCidrBlock=='"+dest+"'].State | [0]", "describe-route-tables", "--route-table-ids", rtb)
	}
	eq("route to the peer", peerRoute(pubRtb, "10.1.0.0/16"), "active")
	eq("route back", peerRoute(rtb2, "10.0.0.0/16"), "active")
	var dns bool
	q(&dns, "RequesterPeeringConnectionOptions.AllowDnsResolutionFromRemoteVpc", "modify-vpc-peering-connection-options",
		"--vpc-peering-connection-id", pcx, "--requester-peering-connection-options", "AllowDnsResolutionFromRemoteVpc=true")
	eq("DNS resolution across the peering", dns, true)

	// Flow logs on the VPC (their records come later).
	fl := str("FlowLogIds[0]", "create-flow-logs", "--resource-type", "VPC", "--resource-ids", vpc, "--traffic-type", "REJECT",
		"--log-destination-type", "s3", "--log-destination", "arn:aws:s3:::flow-logs-example")
	eq("flow log", str("FlowLogs[0].ResourceId", "describe-flow-logs", "--flow-log-ids", fl), vpc)

	// Teardown, every step first tried too early.
	cliV2Refusal(t, s, "DependencyViolation", "delete-vpc", "--vpc-id", vpc)
	cliV2Refusal(t, s, "DependencyViolation", "delete-internet-gateway", "--internet-gateway-id", igw)
	cliV2Refusal(t, s, "DependencyViolation", "detach-internet-gateway", "--internet-gateway-id", igw, "--vpc-id", vpc)
	cliV2Refusal(t, s, "DependencyViolation", "delete-subnet", "--subnet-id", pubA)
	cliV2Refusal(t, s, "DependencyViolation", "delete-security-group", "--group-id", web)
	cliV2Refusal(t, s, "DependencyViolation", "delete-route-table", "--route-table-id", pubRtb)
	cliV2Refusal(t, s, "DependencyViolation", "delete-network-acl", "--network-acl-id", acl)
	cliV2Refusal(t, s, "InvalidIPAddress.InUse", "release-address", "--allocation-id", alloc)
	defaultSG := str("SecurityGroups[0].GroupId", "describe-security-groups", "--filters", "Name=vpc-id,Values="+vpc, "Name=group-name,Values=default")
	cliV2Refusal(t, s, "CannotDelete", "delete-security-group", "--group-id", defaultSG)

	// The peering goes first; routes to it turn into blackholes.
	cliV2(t, s, nil, "delete-vpc-peering-connection", "--vpc-peering-connection-id", pcx)
	eq("route after the peering", peerRoute(pubRtb, "10.1.0.0/16"), "blackhole")
	eq("peering status", str("VpcPeeringConnections[0].Status.Code", "describe-vpc-peering-connections", "--vpc-peering-connection-ids", pcx), "deleted")
	cliV2Refusal(t, s, "InvalidStateTransition", "delete-vpc-peering-connection", "--vpc-peering-connection-id", pcx)
	cliV2(t, s, nil, "delete-route", "--route-table-id", rtb2, "--destination-cidr-block", "10.0.0.0/16")
	cliV2(t, s, nil, "delete-vpc", "--vpc-id", vpc2)

	// Then the NAT gateway, its address, the groups, tables and ACL.
	cliV2(t, s, nil, "delete-nat-gateway", "--nat-gateway-id", nat)
	waitFor(t, "NAT gateway deleted", func() bool {
		return str("NatGateways[0].State", "describe-nat-gateways", "--nat-gateway-ids", nat) == "deleted"
	})
	cliV2(t, s, nil, "release-address", "--allocation-id", alloc)
	cliV2(t, s, nil, "delete-security-group", "--group-id", db)
	cliV2(t, s, nil, "delete-security-group", "--group-id", web)
	for _, a := range assocs {
		cliV2(t, s, nil, "disassociate-route-table", "--association-id", a)
	}
	cliV2(t, s, nil, "delete-route-table", "--route-table-id", pubRtb)
	cliV2(t, s, nil, "delete-route-table", "--route-table-id", privRtb)
	cliV2Refusal(t, s, "DependencyViolation", "delete-vpc", "--vpc-id", vpc)
	cliV2(t, s, nil, "detach-internet-gateway", "--internet-gateway-id", igw, "--vpc-id", vpc)
	cliV2(t, s, nil, "delete-internet-gateway", "--internet-gateway-id", igw)
	for _, sn := range []string{pubA, pubB, privA, privB} {
		cliV2(t, s, nil, "delete-subnet", "--subnet-id", sn)
	}
	cliV2(t, s, nil, "delete-network-acl", "--network-acl-id", acl)
	cliV2(t, s, nil, "delete-vpc", "--vpc-id", vpc)
	var left []string
	q(&left, "Vpcs[].VpcId", "describe-vpcs")
	if len(left) != 1 {
		t.Fatalf("VPCs left: %v (want only the default)", left)
	}
	q(&left, "FlowLogs[].FlowLogId", "describe-flow-logs")
	if len(left) != 0 {
		t.Fatalf("flow logs left: %v", left)
	}
}

// waitFor polls cond for up to 30 seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}
