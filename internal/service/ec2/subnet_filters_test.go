package ec2

import (
	"slices"
	"testing"

	ec2api "hakoniwa/internal/api/ec2"
)

// TestSubnetAndInterfaceFilters covers the DescribeSubnets and
// DescribeNetworkInterfaces filters AWS documents beyond the common ones:
// each is accepted and selects what the resource shows.
func TestSubnetAndInterfaceFilters(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	vpc := mustVPC(t, s, ctx, "10.0.0.0/16")
	a := mustSubnet(t, s, ctx, vpc, "10.0.1.0/24", "us-east-1a")
	b := mustSubnet(t, s, ctx, vpc, "10.0.2.0/24", "us-east-1b")
	if _, err := s.ModifySubnetAttribute(ctx, &ec2api.ModifySubnetAttributeInput{SubnetId: &b,
		EnableResourceNameDnsARecordOnLaunch: &ec2api.AttributeBooleanValue{Value: ptr(true)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ModifySubnetAttribute(ctx, &ec2api.ModifySubnetAttributeInput{SubnetId: &b, PrivateDnsHostnameTypeOnLaunch: ptr("resource-name")}); err != nil {
		t.Fatal(err)
	}
	got, err := s.DescribeSubnets(ctx, &ec2api.DescribeSubnetsInput{SubnetIds: []string{a}})
	if err != nil {
		t.Fatal(err)
	}
	arnA := deref(got.Subnets[0].SubnetArn)
	subnetIDs := func(kv ...string) []string {
		t.Helper()
		out, err := s.DescribeSubnets(ctx, &ec2api.DescribeSubnetsInput{Filters: append(filters("vpc-id", vpc), filters(kv...)...)})
		if err != nil {
			t.Fatalf("%v: %v", kv, err)
		}
		var ids []string
		for _, sn := range out.Subnets {
			ids = append(ids, deref(sn.SubnetId))
		}
		slices.Sort(ids)
		return ids
	}
	both := []string{a, b}
	slices.Sort(both)
	tests := []struct {
		kv   []string
		want []string
	}{
		{[]string{"subnet-arn", arnA}, []string{a}},
		{[]string{"subnet-arn", "arn:aws:ec2:us-west-2:*"}, nil},
		{[]string{"enable-dns64", "false"}, both},
		{[]string{"private-dns-name-options-on-launch.hostname-type", "resource-name"}, []string{b}},
		{[]string{"private-dns-name-options-on-launch.enable-resource-name-dns-a-record", "true"}, []string{b}},
		{[]string{"private-dns-name-options-on-launch.enable-resource-name-dns-aaaa-record", "false"}, both},
		{[]string{"map-customer-owned-ip-on-launch", "false"}, both},
		{[]string{"outpost-arn", "*"}, nil},
		{[]string{"customer-owned-ipv4-pool", "*"}, nil},
		{[]string{"enable-lni-at-device-index", "1"}, nil},
	}
	for _, tc := range tests {
		if got := subnetIDs(tc.kv...); !slices.Equal(got, tc.want) {
			t.Errorf("%v: %v, want %v", tc.kv, got, tc.want)
		}
	}

	eni := mustENI(t, s, ctx, &ec2api.CreateNetworkInterfaceInput{SubnetId: &a})
	eniIDs := func(kv ...string) int {
		t.Helper()
		out, err := s.DescribeNetworkInterfaces(ctx, &ec2api.DescribeNetworkInterfacesInput{Filters: append(filters("vpc-id", vpc), filters(kv...)...)})
		if err != nil {
			t.Fatalf("%v: %v", kv, err)
		}
		return len(out.NetworkInterfaces)
	}
	for _, tc := range []struct {
		kv   []string
		want int
	}{
		{[]string{"availability-zone-id", deref(eni.AvailabilityZoneId)}, 1},
		{[]string{"availability-zone-id", "use1-az9"}, 0},
		{[]string{"operator.managed", "false"}, 1},
		{[]string{"operator.principal", "*"}, 0},
		{[]string{"ipv6-addresses.ipv6-address", "*"}, 0},
	} {
		if got := eniIDs(tc.kv...); got != tc.want {
			t.Errorf("%v: %d interfaces, want %d", tc.kv, got, tc.want)
		}
	}
}
