package e2e

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestVPCCrossAccountPeeringCLIv2 peers a VPC of the default account in
// us-east-1 with one of account 111122223333 in eu-west-1 using the aws
// CLI v2 as each account: the request shows on both sides, only the
// accepter may accept, once active both sides see it so, and either may
// delete it.
func TestVPCCrossAccountPeeringCLIv2(t *testing.T) {
	cli := need(t, "/usr/bin/aws")
	s := StartServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// as runs one ec2 command as an account in a Region and returns the
	// --query result as text.
	as := func(key, region string) func(query string, args ...string) string {
		return func(query string, args ...string) string {
			t.Helper()
			out, stderr, err := s.Run(ctx, []string{"AWS_ACCESS_KEY_ID=" + key, "AWS_DEFAULT_REGION=" + region}, cli,
				append([]string{"--endpoint-url", s.URL, "ec2"}, append(args, "--query", query, "--output", "text")...)...)
			if err != nil {
				t.Fatalf("aws ec2 %s as %s: %v\n%s", args[0], key, err, stderr)
			}
			return strings.TrimSpace(out)
		}
	}
	refusedAs := func(key, region, code string, args ...string) {
		t.Helper()
		_, stderr, err := s.Run(ctx, []string{"AWS_ACCESS_KEY_ID=" + key, "AWS_DEFAULT_REGION=" + region}, cli, append([]string{"--endpoint-url", s.URL, "ec2"}, args...)...)
		if err == nil || !strings.Contains(stderr, "An error occurred ("+code+")") {
			t.Fatalf("aws ec2 %s as %s: want %s, got %v\n%s", args[0], key, code, err, stderr)
		}
	}
	req, acc := as("test", "us-east-1"), as("111122223333", "eu-west-1")
	vpcA := req("Vpc.VpcId", "create-vpc", "--cidr-block", "10.0.0.0/16")
	vpcB := acc("Vpc.VpcId", "create-vpc", "--cidr-block", "10.1.0.0/16")

	pcx := req("VpcPeeringConnection.VpcPeeringConnectionId", "create-vpc-peering-connection", "--vpc-id", vpcA,
		"--peer-vpc-id", vpcB, "--peer-owner-id", "111122223333", "--peer-region", "eu-west-1")
	seen := acc("VpcPeeringConnections[0].[Status.Code,RequesterVpcInfo.OwnerId,RequesterVpcInfo.Region,AccepterVpcInfo.OwnerId,AccepterVpcInfo.Region]",
		"describe-vpc-peering-connections", "--vpc-peering-connection-ids", pcx)
	if seen != "pending-acceptance\t000000000000\tus-east-1\t111122223333\teu-west-1" {
		t.Fatalf("accepter's view of the request: %q", seen)
	}
	refusedAs("test", "us-east-1", "OperationNotPermitted", "accept-vpc-peering-connection", "--vpc-peering-connection-id", pcx)
	acc("VpcPeeringConnection.Status.Code", "accept-vpc-peering-connection", "--vpc-peering-connection-id", pcx)
	waitFor(t, "peering active on both sides", func() bool {
		q := "VpcPeeringConnections[0].Status.Code"
		return req(q, "describe-vpc-peering-connections", "--vpc-peering-connection-ids", pcx) == "active" &&
			acc(q, "describe-vpc-peering-connections", "--vpc-peering-connection-ids", pcx) == "active"
	})
	// Each side routes to the other through the connection.
	rtbA := req("RouteTables[0].RouteTableId", "describe-route-tables", "--filters", "Name=vpc-id,Values="+vpcA, "Name=association.main,Values=true")
	req("Return", "create-route", "--route-table-id", rtbA, "--destination-cidr-block", "10.1.0.0/16", "--vpc-peering-connection-id", pcx)
	if st := req("RouteTables[0].Routes[?DestinationCidrBlock=='10.1.0.0/16'].State | [0]", "describe-route-tables", "--route-table-ids", rtbA); st != "active" {
		t.Fatalf("route to the peer: %s", st)
	}
	// Either owner may delete it; the requester's route turns blackhole.
	acc("Return", "delete-vpc-peering-connection", "--vpc-peering-connection-id", pcx)
	if st := req("VpcPeeringConnections[0].Status.Code", "describe-vpc-peering-connections", "--vpc-peering-connection-ids", pcx); st != "deleted" {
		t.Fatalf("requester's view after the accepter deleted it: %s", st)
	}
	if st := req("RouteTables[0].Routes[?DestinationCidrBlock=='10.1.0.0/16'].State | [0]", "describe-route-tables", "--route-table-ids", rtbA); st != "blackhole" {
		t.Fatalf("route after the peering: %s", st)
	}
}

// TestDefaultVPCRebuildCLIv2 deletes us-west-1's default VPC stack with
// the aws CLI v2 and rebuilds it with create-default-vpc and
// create-default-subnet.
func TestDefaultVPCRebuildCLIv2(t *testing.T) {
	cli := need(t, "/usr/bin/aws")
	s := StartServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	env := []string{"AWS_DEFAULT_REGION=us-west-1"}
	text := func(query string, args ...string) string {
		t.Helper()
		out, stderr, err := s.Run(ctx, env, cli, append([]string{"--endpoint-url", s.URL, "ec2"}, append(args, "--query", query, "--output", "text")...)...)
		if err != nil {
			t.Fatalf("aws ec2 %s: %v\n%s", args[0], err, stderr)
		}
		return strings.TrimSpace(out)
	}
	refused := func(code string, args ...string) {
		t.Helper()
		_, stderr, err := s.Run(ctx, env, cli, append([]string{"--endpoint-url", s.URL, "ec2"}, args...)...)
		if err == nil || !strings.Contains(stderr, "An error occurred ("+code+")") {
			t.Fatalf("aws ec2 %s: want %s, got %v\n%s", args[0], code, err, stderr)
		}
	}
	old := text("Vpcs[0].VpcId", "describe-vpcs", "--filters", "Name=is-default,Values=true")
	zones := strings.Fields(text("Subnets[].AvailabilityZone", "describe-subnets", "--filters", "Name=default-for-az,Values=true"))
	if len(zones) != 2 {
		t.Fatalf("default subnets' zones: %v", zones)
	}
	refused("DefaultSubnetAlreadyExistsInAvailabilityZone", "create-default-subnet", "--availability-zone", zones[0])
	refused("DefaultVpcAlreadyExists", "create-default-vpc")
	refused("DependencyViolation", "delete-vpc", "--vpc-id", old)
	for _, sn := range strings.Fields(text("Subnets[].SubnetId", "describe-subnets", "--filters", "Name=vpc-id,Values="+old)) {
		text("@", "delete-subnet", "--subnet-id", sn)
	}
	igw := text("InternetGateways[0].InternetGatewayId", "describe-internet-gateways", "--filters", "Name=attachment.vpc-id,Values="+old)
	text("@", "detach-internet-gateway", "--internet-gateway-id", igw, "--vpc-id", old)
	text("@", "delete-internet-gateway", "--internet-gateway-id", igw)
	text("@", "delete-vpc", "--vpc-id", old)
	refused("DefaultVpcDoesNotExist", "create-default-subnet", "--availability-zone", zones[0])

	created := text("Vpc.[VpcId,CidrBlock,IsDefault]", "create-default-vpc")
	id, _, _ := strings.Cut(created, "\t")
	if id == old || !strings.HasSuffix(created, "\t172.31.0.0/16\tTrue") {
		t.Fatalf("create-default-vpc: %q (old %s)", created, old)
	}
	if got := text("length(Subnets[?DefaultForAz && MapPublicIpOnLaunch])", "describe-subnets", "--filters", "Name=vpc-id,Values="+id); got != "2" {
		t.Fatalf("public default subnets: %s", got)
	}
	if gw := text("RouteTables[0].Routes[?DestinationCidrBlock=='0.0.0.0/0'].GatewayId | [0]", "describe-route-tables",
		"--filters", "Name=vpc-id,Values="+id, "Name=association.main,Values=true"); !strings.HasPrefix(gw, "igw-") {
		t.Fatalf("default route: %q", gw)
	}
	if got := text("AccountAttributes[0].AttributeValues[0].AttributeValue", "describe-account-attributes", "--attribute-names", "default-vpc"); got != id {
		t.Fatalf("default-vpc attribute %q, want %s", got, id)
	}
}
