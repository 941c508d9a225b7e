package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestVPCScenarioCLI is the whole of SCENARIOS section 2 with each aws CLI,
// v1 and v2, side by side on servers of their own: the default VPC; a VPC
// with public and private subnets in two zones; an internet gateway, route
// tables, an Elastic IP and a NAT gateway; web and database security
// groups; a network ACL with numbered rules; a second VPC peered with the
// first, with routes both ways. Then it tears everything down, first trying
// each step out of order and checking AWS's refusal.
func TestVPCScenarioCLI(t *testing.T) {
	eachCLI(t, 5*time.Minute, vpcScenarioCLI)
}

// scenarioCLI runs one aws CLI's ec2 commands in JSON output: do decodes
// a command's answer into out (nil to drop it), refuse expects AWS's code.
type scenarioCLI struct {
	ctx     context.Context
	t       *testing.T
	s       *Server
	v, path string
}

func (c scenarioCLI) do(out any, args ...string) {
	c.t.Helper()
	stdout, stderr, err := cli(c.ctx, c.s, c.v, c.path, append([]string{"--endpoint-url", c.s.URL, "--output", "json", "ec2"}, args...)...)
	if err != nil {
		c.t.Fatalf("aws %s ec2 %s: %v\n%s", c.v, strings.Join(args, " "), err, stderr)
	}
	if out != nil {
		if err := json.Unmarshal([]byte(stdout), out); err != nil {
			c.t.Fatalf("aws %s ec2 %s: %v\n%s", c.v, args[0], err, stdout)
		}
	}
}

func (c scenarioCLI) refuse(code string, args ...string) {
	c.t.Helper()
	_, stderr, err := cli(c.ctx, c.s, c.v, c.path, append([]string{"--endpoint-url", c.s.URL, "ec2"}, args...)...)
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != cliExitCode[c.v] || !strings.Contains(stderr, "An error occurred ("+code+")") {
		c.t.Fatalf("aws %s ec2 %s: want exit %d with %s, got %v\n%s", c.v, args[0], cliExitCode[c.v], code, err, stderr)
	}
}

func vpcScenarioCLI(ctx context.Context, t *testing.T, s *Server, v, path string) {
	c := scenarioCLI{ctx: ctx, t: t, s: s, v: v, path: path}
	// q runs an ec2 command with JSON output narrowed by a JMESPath query
	// and decodes the result into out.
	q := func(out any, query string, args ...string) {
		t.Helper()
		c.do(out, append(args, "--query", query)...)
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
	c.refuse("InvalidVpc.Range", "create-vpc", "--cidr-block", "10.0.0.0/15")
	c.refuse("InvalidVpc.Range", "create-vpc", "--cidr-block", "10.0.0.0/29")
	vpc := str("Vpc.VpcId", "create-vpc", "--cidr-block", "10.0.0.0/16", "--tag-specifications", tag("vpc", "app"))

	// Subnets in two zones, inside the VPC, without overlap, each with
	// five addresses reserved.
	subnet := func(cidr, zone, name string) string {
		t.Helper()
		return str("Subnet.SubnetId", "create-subnet", "--vpc-id", vpc, "--cidr-block", cidr, "--availability-zone", zone, "--tag-specifications", tag("subnet", name))
	}
	pubA, pubB := subnet("10.0.0.0/24", "us-east-1a", "public-a"), subnet("10.0.1.0/24", "us-east-1b", "public-b")
	privA, privB := subnet("10.0.10.0/24", "us-east-1a", "private-a"), subnet("10.0.11.0/24", "us-east-1b", "private-b")
	c.refuse("InvalidSubnet.Range", "create-subnet", "--vpc-id", vpc, "--cidr-block", "10.1.0.0/24")
	c.refuse("InvalidSubnet.Conflict", "create-subnet", "--vpc-id", vpc, "--cidr-block", "10.0.0.128/25")
	var free float64
	q(&free, "Subnets[0].AvailableIpAddressCount", "describe-subnets", "--subnet-ids", pubA)
	eq("available addresses in a /24", free, 251.0)
	for _, sn := range []string{pubA, pubB} {
		c.do(nil, "modify-subnet-attribute", "--subnet-id", sn, "--map-public-ip-on-launch")
	}
	var public []bool
	q(&public, "Subnets[].MapPublicIpOnLaunch", "describe-subnets", "--filters", "Name=vpc-id,Values="+vpc, "Name=tag:Name,Values=public-*")
	if len(public) != 2 || !public[0] || !public[1] {
		t.Fatalf("public subnets auto-assign: %v", public)
	}

	// One internet gateway per VPC.
	igw := str("InternetGateway.InternetGatewayId", "create-internet-gateway", "--tag-specifications", tag("internet-gateway", "app"))
	c.do(nil, "attach-internet-gateway", "--internet-gateway-id", igw, "--vpc-id", vpc)
	c.refuse("Resource.AlreadyAssociated", "attach-internet-gateway", "--internet-gateway-id", igw, "--vpc-id", vpc)

	// Route tables: the main one holds the local route; the public one
	// sends 0.0.0.0/0 to the gateway.
	mainRtb := str("RouteTables[0].RouteTableId", "describe-route-tables", "--filters", "Name=vpc-id,Values="+vpc, "Name=association.main,Values=true")
	eq("main table's local route", str("RouteTables[0].Routes[?DestinationCidrBlock=='10.0.0.0/16'].GatewayId | [0]", "describe-route-tables", "--route-table-ids", mainRtb), "local")
	pubRtb := str("RouteTable.RouteTableId", "create-route-table", "--vpc-id", vpc, "--tag-specifications", tag("route-table", "public"))
	c.do(nil, "create-route", "--route-table-id", pubRtb, "--destination-cidr-block", "0.0.0.0/0", "--gateway-id", igw)
	c.refuse("RouteAlreadyExists", "create-route", "--route-table-id", pubRtb, "--destination-cidr-block", "0.0.0.0/0", "--gateway-id", igw)
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
	c.do(nil, "create-route", "--route-table-id", privRtb, "--destination-cidr-block", "0.0.0.0/0", "--nat-gateway-id", nat)
	for _, sn := range []string{privA, privB} {
		assocs = append(assocs, str("AssociationId", "associate-route-table", "--route-table-id", privRtb, "--subnet-id", sn))
	}
	eq("NAT route", str("RouteTables[0].Routes[?DestinationCidrBlock=='0.0.0.0/0'].State | [0]", "describe-route-tables", "--route-table-ids", privRtb), "active")

	// Security groups: allow rules only, all outbound by default, the
	// database port open only to the web tier's group.
	web := str("GroupId", "create-security-group", "--vpc-id", vpc, "--group-name", "web", "--description", "web tier")
	db := str("GroupId", "create-security-group", "--vpc-id", vpc, "--group-name", "db", "--description", "database tier")
	c.do(nil, "authorize-security-group-ingress", "--group-id", web, "--ip-permissions",
		"IpProtocol=tcp,FromPort=443,ToPort=443,IpRanges=[{CidrIp=0.0.0.0/0}]", "IpProtocol=tcp,FromPort=80,ToPort=80,IpRanges=[{CidrIp=0.0.0.0/0}]")
	c.do(nil, "authorize-security-group-ingress", "--group-id", db, "--ip-permissions", "IpProtocol=tcp,FromPort=5432,ToPort=5432,UserIdGroupPairs=[{GroupId="+web+"}]")
	c.refuse("InvalidPermission.Duplicate", "authorize-security-group-ingress", "--group-id", web, "--protocol", "tcp", "--port", "443", "--cidr", "0.0.0.0/0")
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
	c.do(nil, entry("90", "deny", "192.0.2.0/24", "0", "65535", false)...)
	c.do(nil, entry("100", "allow", "0.0.0.0/0", "443", "443", false)...)
	c.do(nil, entry("110", "allow", "0.0.0.0/0", "1024", "65535", false)...)
	c.do(nil, entry("100", "allow", "0.0.0.0/0", "0", "65535", true)...)
	c.refuse("NetworkAclEntryAlreadyExists", entry("100", "allow", "0.0.0.0/0", "80", "80", false)...)
	var numbers []float64
	q(&numbers, "NetworkAcls[0].Entries[?Egress==`false`].RuleNumber", "describe-network-acls", "--network-acl-ids", acl)
	if len(numbers) != 4 || numbers[3] != 32767 { // 90, 100, 110 and the * default deny
		t.Fatalf("ingress rule numbers: %v", numbers)
	}
	aclAssoc := str("NetworkAcls[0].Associations[?SubnetId=='"+pubA+"'].NetworkAclAssociationId | [0]", "describe-network-acls", "--filters", "Name=association.subnet-id,Values="+pubA)
	c.do(nil, "replace-network-acl-association", "--association-id", aclAssoc, "--network-acl-id", acl)
	eq("public subnet's ACL", str("NetworkAcls[0].NetworkAclId", "describe-network-acls", "--filters", "Name=association.subnet-id,Values="+pubA), acl)

	// Peering with a second VPC, accepted, with routes both ways. A VPC
	// whose blocks overlap cannot be peered: its request fails.
	vpc2 := str("Vpc.VpcId", "create-vpc", "--cidr-block", "10.1.0.0/16", "--tag-specifications", tag("vpc", "shared"))
	rtb2 := str("RouteTables[0].RouteTableId", "describe-route-tables", "--filters", "Name=vpc-id,Values="+vpc2, "Name=association.main,Values=true")
	c.refuse("InvalidVpcID.NotFound", "create-vpc-peering-connection", "--vpc-id", vpc, "--peer-vpc-id", "vpc-0123456789abcdef0")
	overlap := str("Vpc.VpcId", "create-vpc", "--cidr-block", "10.0.128.0/17")
	var failed struct{ Code, Message string }
	q(&failed, "VpcPeeringConnection.Status", "create-vpc-peering-connection", "--vpc-id", vpc, "--peer-vpc-id", overlap)
	eq("overlapping request", failed.Code, "failed")
	eq("overlapping message", failed.Message, "Failed due to incorrect VPC-ID, Account ID, or overlapping CIDR range")
	c.do(nil, "delete-vpc", "--vpc-id", overlap)

	pcx := str("VpcPeeringConnection.VpcPeeringConnectionId", "create-vpc-peering-connection", "--vpc-id", vpc, "--peer-vpc-id", vpc2,
		"--tag-specifications", tag("vpc-peering-connection", "app-shared"))
	eq("requested", str("VpcPeeringConnections[0].Status.Code", "describe-vpc-peering-connections", "--vpc-peering-connection-ids", pcx), "pending-acceptance")
	c.refuse("VpcPeeringConnectionAlreadyExists", "create-vpc-peering-connection", "--vpc-id", vpc2, "--peer-vpc-id", vpc)
	eq("accept", str("VpcPeeringConnection.Status.Code", "accept-vpc-peering-connection", "--vpc-peering-connection-id", pcx), "provisioning")
	c.refuse("InvalidStateTransition", "accept-vpc-peering-connection", "--vpc-peering-connection-id", pcx)
	eq("active", str("VpcPeeringConnections[0].Status.Code", "describe-vpc-peering-connections", "--filters", "Name=requester-vpc-info.vpc-id,Values="+vpc, "Name=status-code,Values=active"), "active")
	c.do(nil, "create-route", "--route-table-id", pubRtb, "--destination-cidr-block", "10.1.0.0/16", "--vpc-peering-connection-id", pcx)
	c.do(nil, "create-route", "--route-table-id", rtb2, "--destination-cidr-block", "10.0.0.0/16", "--vpc-peering-connection-id", pcx)
	peerRoute := func(rtb, dest string) string {
		return str("RouteTables[0].Routes[?DestinationCidrBlock=='"+dest+"'].State | [0]", "describe-route-tables", "--route-table-ids", rtb)
	}
	eq("route to the peer", peerRoute(pubRtb, "10.1.0.0/16"), "active")
	eq("route back", peerRoute(rtb2, "10.0.0.0/16"), "active")
	var dns bool
	q(&dns, "RequesterPeeringConnectionOptions.AllowDnsResolutionFromRemoteVpc", "modify-vpc-peering-connection-options",
		"--vpc-peering-connection-id", pcx, "--requester-peering-connection-options", "AllowDnsResolutionFromRemoteVpc=true")
	eq("DNS resolution across the peering", dns, true)

	// VPC endpoints: gateway ones for S3 and DynamoDB put their prefix
	// lists on the private table, through themselves; an interface
	// endpoint takes an interface (and an address) in each private subnet.
	var endpoints []string
	for _, svc := range []string{"s3", "dynamodb"} {
		name := "com.amazonaws.us-east-1." + svc
		ep := str("VpcEndpoint.VpcEndpointId", "create-vpc-endpoint", "--vpc-id", vpc, "--service-name", name, "--route-table-ids", privRtb)
		pl := str("PrefixLists[0].PrefixListId", "describe-prefix-lists", "--filters", "Name=prefix-list-name,Values="+name)
		eq(svc+" endpoint route", str("RouteTables[0].Routes[?DestinationPrefixListId=='"+pl+"'].GatewayId | [0]", "describe-route-tables", "--route-table-ids", privRtb), ep)
		endpoints = append(endpoints, ep)
	}
	c.refuse("RouteAlreadyExists", "create-vpc-endpoint", "--vpc-id", vpc, "--service-name", "com.amazonaws.us-east-1.s3", "--route-table-ids", privRtb)
	var ie struct{ VpcEndpointId, VpcEndpointType string }
	q(&ie, "VpcEndpoint", "create-vpc-endpoint", "--vpc-id", vpc, "--vpc-endpoint-type", "Interface", "--service-name", "com.amazonaws.us-east-1.sts",
		"--subnet-ids", privA, privB, "--no-private-dns-enabled")
	eq("interface endpoint", ie.VpcEndpointType, "Interface")
	endpoints = append(endpoints, ie.VpcEndpointId)
	var managed []string
	q(&managed, "NetworkInterfaces[].SubnetId", "describe-network-interfaces", "--filters", "Name=vpc-id,Values="+vpc, "Name=interface-type,Values=vpc_endpoint")
	if len(managed) != 2 {
		t.Fatalf("endpoint interfaces in subnets %v, want one in each private subnet", managed)
	}
	q(&free, "Subnets[0].AvailableIpAddressCount", "describe-subnets", "--subnet-ids", privA)
	eq("available addresses beside an endpoint", free, 250.0)

	// Flow logs on the VPC (their records come later).
	fl := str("FlowLogIds[0]", "create-flow-logs", "--resource-type", "VPC", "--resource-ids", vpc, "--traffic-type", "REJECT",
		"--log-destination-type", "s3", "--log-destination", "arn:aws:s3:::flow-logs-example")
	eq("flow log", str("FlowLogs[0].ResourceId", "describe-flow-logs", "--flow-log-ids", fl), vpc)

	// Teardown, every step first tried too early.
	c.refuse("DependencyViolation", "delete-vpc", "--vpc-id", vpc)
	c.refuse("DependencyViolation", "delete-internet-gateway", "--internet-gateway-id", igw)
	c.refuse("DependencyViolation", "detach-internet-gateway", "--internet-gateway-id", igw, "--vpc-id", vpc)
	c.refuse("DependencyViolation", "delete-subnet", "--subnet-id", pubA)
	c.refuse("DependencyViolation", "delete-subnet", "--subnet-id", privB) // the endpoint's interface
	c.refuse("DependencyViolation", "delete-security-group", "--group-id", web)
	c.refuse("DependencyViolation", "delete-route-table", "--route-table-id", pubRtb)
	c.refuse("DependencyViolation", "delete-network-acl", "--network-acl-id", acl)
	c.refuse("InvalidIPAddress.InUse", "release-address", "--allocation-id", alloc)
	defaultSG := str("SecurityGroups[0].GroupId", "describe-security-groups", "--filters", "Name=vpc-id,Values="+vpc, "Name=group-name,Values=default")
	c.refuse("CannotDelete", "delete-security-group", "--group-id", defaultSG)

	// The peering goes first; routes to it turn into blackholes.
	c.do(nil, "delete-vpc-peering-connection", "--vpc-peering-connection-id", pcx)
	eq("route after the peering", peerRoute(pubRtb, "10.1.0.0/16"), "blackhole")
	eq("peering status", str("VpcPeeringConnections[0].Status.Code", "describe-vpc-peering-connections", "--vpc-peering-connection-ids", pcx), "deleted")
	c.refuse("InvalidStateTransition", "delete-vpc-peering-connection", "--vpc-peering-connection-id", pcx)
	c.do(nil, "delete-route", "--route-table-id", rtb2, "--destination-cidr-block", "10.0.0.0/16")
	c.do(nil, "delete-vpc", "--vpc-id", vpc2)

	// Then the NAT gateway, its address, the groups, tables and ACL.
	c.do(nil, "delete-nat-gateway", "--nat-gateway-id", nat)
	waitFor(t, "NAT gateway deleted", func() bool {
		return str("NatGateways[0].State", "describe-nat-gateways", "--nat-gateway-ids", nat) == "deleted"
	})
	c.do(nil, "release-address", "--allocation-id", alloc)
	var unsuccessful []any
	q(&unsuccessful, "Unsuccessful", "delete-vpc-endpoints", "--vpc-endpoint-ids", endpoints[0], endpoints[1], endpoints[2])
	eq("endpoints not deleted", len(unsuccessful), 0)
	var plRoutes float64
	q(&plRoutes, "length(RouteTables[0].Routes[?DestinationPrefixListId])", "describe-route-tables", "--route-table-ids", privRtb)
	eq("prefix-list routes after the endpoints", plRoutes, 0.0)
	c.do(nil, "delete-security-group", "--group-id", db)
	c.do(nil, "delete-security-group", "--group-id", web)
	for _, a := range assocs {
		c.do(nil, "disassociate-route-table", "--association-id", a)
	}
	c.do(nil, "delete-route-table", "--route-table-id", pubRtb)
	c.do(nil, "delete-route-table", "--route-table-id", privRtb)
	c.refuse("DependencyViolation", "delete-vpc", "--vpc-id", vpc)
	c.do(nil, "detach-internet-gateway", "--internet-gateway-id", igw, "--vpc-id", vpc)
	c.do(nil, "delete-internet-gateway", "--internet-gateway-id", igw)
	for _, sn := range []string{pubA, pubB, privA, privB} {
		c.do(nil, "delete-subnet", "--subnet-id", sn)
	}
	c.do(nil, "delete-network-acl", "--network-acl-id", acl)
	c.do(nil, "delete-vpc", "--vpc-id", vpc)
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
