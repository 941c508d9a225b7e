package e2e

import (
	"strings"
	"testing"
)

// TestVPCRouteQuotasCLIv2: route tables per VPC and routes per route table
// are quotas --ec2-quotas lowers; past them CreateRouteTable answers
// RouteTableLimitExceeded and CreateRoute RouteLimitExceeded, as AWS does,
// and deleting a table or a route makes room again. The main table counts
// as one of the VPC's tables; the local route is not one of a table's
// routes.
func TestVPCRouteQuotasCLIv2(t *testing.T) {
	s := StartServer(t, "--ec2-quotas", "route-tables-per-vpc=3,routes-per-route-table=2")
	str := func(query string, args ...string) string {
		t.Helper()
		var v string
		cliV2(t, s, &v, append(args, "--query", query)...)
		return v
	}
	refused := func(code, msg string, args ...string) {
		t.Helper()
		_, stderr, err := s.Run(t.Context(), nil, need(t, "/usr/bin/aws"), append([]string{"--endpoint-url", s.URL, "ec2"}, args...)...)
		if err == nil || !strings.Contains(stderr, "An error occurred ("+code+") when calling the ") || !strings.Contains(stderr, msg) {
			t.Fatalf("aws ec2 %s: want %s %q, got %v\n%s", args[0], code, msg, err, stderr)
		}
	}
	vpc := str("Vpc.VpcId", "create-vpc", "--cidr-block", "10.0.0.0/16")
	first := str("RouteTable.RouteTableId", "create-route-table", "--vpc-id", vpc)
	second := str("RouteTable.RouteTableId", "create-route-table", "--vpc-id", vpc)
	const tablesFull = "The maximum number of route tables has been reached."
	refused("RouteTableLimitExceeded", tablesFull, "create-route-table", "--vpc-id", vpc)
	// The quota is per VPC: another VPC still has room.
	other := str("Vpc.VpcId", "create-vpc", "--cidr-block", "10.1.0.0/16")
	str("RouteTable.RouteTableId", "create-route-table", "--vpc-id", other)
	cliV2(t, s, nil, "delete-route-table", "--route-table-id", second)
	str("RouteTable.RouteTableId", "create-route-table", "--vpc-id", vpc)
	refused("RouteTableLimitExceeded", tablesFull, "create-route-table", "--vpc-id", vpc)

	igw := str("InternetGateway.InternetGatewayId", "create-internet-gateway")
	cliV2(t, s, nil, "attach-internet-gateway", "--internet-gateway-id", igw, "--vpc-id", vpc)
	route := func(dest string) []string {
		return []string{"create-route", "--route-table-id", first, "--destination-cidr-block", dest, "--gateway-id", igw}
	}
	cliV2(t, s, nil, route("0.0.0.0/0")...)
	cliV2(t, s, nil, route("192.168.0.0/16")...)
	const routesFull = "The maximum number of routes has been reached."
	refused("RouteLimitExceeded", routesFull, route("172.16.0.0/12")...)
	// Replacing a route adds none.
	cliV2(t, s, nil, "replace-route", "--route-table-id", first, "--destination-cidr-block", "192.168.0.0/16", "--gateway-id", igw)
	cliV2(t, s, nil, "delete-route", "--route-table-id", first, "--destination-cidr-block", "192.168.0.0/16")
	cliV2(t, s, nil, route("172.16.0.0/12")...)
	refused("RouteLimitExceeded", routesFull, route("192.168.0.0/16")...)
}
