package ec2

import (
	"testing"

	ec2api "hakoniwa/internal/api/ec2"
)

// TestNATGatewayZoneQuota fills us-east-1a with five NAT gateways across
// two VPCs: a sixth there is refused, one in another zone is not, and a
// deleted gateway stops counting once it is gone.
func TestNATGatewayZoneQuota(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	a1 := mustSubnet(t, s, ctx, mustVPC(t, s, ctx, "10.0.0.0/16"), "10.0.0.0/24", "us-east-1a")
	other := mustVPC(t, s, ctx, "10.1.0.0/16")
	a2 := mustSubnet(t, s, ctx, other, "10.1.0.0/24", "us-east-1a")
	b := mustSubnet(t, s, ctx, other, "10.1.1.0/24", "us-east-1b")
	private := func(sn string) (*ec2api.CreateNatGatewayOutput, error) {
		return s.CreateNatGateway(ctx, &ec2api.CreateNatGatewayInput{SubnetId: &sn, ConnectivityType: ptr("private")})
	}
	var first string
	for i, sn := range []string{a1, a1, a1, a2, a2} {
		out, err := private(sn)
		if err != nil {
			t.Fatalf("gateway %d: %v", i+1, err)
		}
		if i == 0 {
			first = deref(out.NatGateway.NatGatewayId)
		}
	}
	_, sixth := private(a2)
	checkRefusals(t, []refusal{{"sixth in the zone", sixth, "NatGatewayLimitExceeded", "The maximum number of NAT Gateways has been reached."}})
	if _, err := private(b); err != nil {
		t.Fatalf("another zone: %v", err)
	}
	if _, err := s.DeleteNatGateway(ctx, &ec2api.DeleteNatGatewayInput{NatGatewayId: &first}); err != nil {
		t.Fatal(err)
	}
	_, deleting := private(a1)
	checkRefusals(t, []refusal{{"while one is deleting", deleting, "NatGatewayLimitExceeded", ""}})
	manual(s).Advance(natDeletingFor)
	if _, err := private(a1); err != nil {
		t.Fatalf("after the deletion: %v", err)
	}
}

// The NAT gateway, route table and route limits are quotas a server flag
// raises or lowers (`--ec2-quotas`), as Service Quotas would.
func TestNATAndRouteQuotasConfigurable(t *testing.T) {
	q, err := ParseQuotas("nat-gateways-per-az=1,route-tables-per-vpc=2,routes-per-route-table=1")
	if err != nil {
		t.Fatal(err)
	}
	s, ctx := newTestService(t, q)
	vpc := mustVPC(t, s, ctx, "10.0.0.0/16")
	sn := mustSubnet(t, s, ctx, vpc, "10.0.0.0/24", "us-east-1a")
	if _, err := s.CreateNatGateway(ctx, &ec2api.CreateNatGatewayInput{SubnetId: &sn, ConnectivityType: ptr("private")}); err != nil {
		t.Fatal(err)
	}
	_, nat := s.CreateNatGateway(ctx, &ec2api.CreateNatGatewayInput{SubnetId: &sn, ConnectivityType: ptr("private")})
	// The main table counts: one more table fits, then the quota of two is met.
	rtb := mustRouteTable(t, s, ctx, vpc)
	_, table := s.CreateRouteTable(ctx, &ec2api.CreateRouteTableInput{VpcId: &vpc})
	eni := mustENI(t, s, ctx, &ec2api.CreateNetworkInterfaceInput{SubnetId: &sn})
	if _, err := s.CreateRoute(ctx, &ec2api.CreateRouteInput{RouteTableId: &rtb, DestinationCidrBlock: ptr("192.168.0.0/16"), NetworkInterfaceId: eni.NetworkInterfaceId}); err != nil {
		t.Fatal(err)
	}
	_, route := s.CreateRoute(ctx, &ec2api.CreateRouteInput{RouteTableId: &rtb, DestinationCidrBlock: ptr("172.16.0.0/12"), NetworkInterfaceId: eni.NetworkInterfaceId})
	checkRefusals(t, []refusal{
		{"second NAT gateway in the zone", nat, "NatGatewayLimitExceeded", ""},
		{"third route table", table, "RouteTableLimitExceeded", ""},
		{"second route", route, "RouteLimitExceeded", ""},
	})
}
