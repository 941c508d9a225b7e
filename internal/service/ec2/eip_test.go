package ec2

import (
	"testing"

	ec2api "hakoniwa/internal/api/ec2"
)

func TestAddressPool(t *testing.T) {
	pool := poolAddresses()
	if len(pool) != 3*254 || pool[0].String() != "192.0.2.1" || pool[len(pool)-1].String() != "203.0.113.254" {
		t.Fatalf("pool: %d addresses, %s … %s", len(pool), pool[0], pool[len(pool)-1])
	}
	for _, a := range pool {
		if !inPool(a) {
			t.Fatalf("%s not in pool", a)
		}
	}
}

func TestElasticIPs(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	var ids []string
	for i := range 5 {
		out, err := s.AllocateAddress(ctx, &ec2api.AllocateAddressInput{Domain: ptr("vpc"),
			TagSpecifications: []ec2api.TagSpecification{{ResourceType: ptr("elastic-ip"), Tags: []ec2api.Tag{{Key: ptr("n"), Value: ptr(itoa(int64(i)))}}}}})
		if err != nil {
			t.Fatal(err)
		}
		if want := "192.0.2." + itoa(int64(i+1)); *out.PublicIp != want {
			t.Errorf("address %d: %s, want %s", i, *out.PublicIp, want)
		}
		ids = append(ids, *out.AllocationId)
	}
	_, quota := s.AllocateAddress(ctx, &ec2api.AllocateAddressInput{})
	_, unknown := s.ReleaseAddress(ctx, &ec2api.ReleaseAddressInput{AllocationId: ptr("eipalloc-0123456789abcdef0")})
	_, unknownIP := s.DescribeAddresses(ctx, &ec2api.DescribeAddressesInput{PublicIps: []string{"198.51.100.7"}})
	_, noInstance := s.AssociateAddress(ctx, &ec2api.AssociateAddressInput{AllocationId: &ids[0], InstanceId: ptr("i-0123456789abcdef0")})
	_, noENI := s.AssociateAddress(ctx, &ec2api.AssociateAddressInput{AllocationId: &ids[0], NetworkInterfaceId: ptr("eni-0123456789abcdef0")})
	_, noTarget := s.AssociateAddress(ctx, &ec2api.AssociateAddressInput{AllocationId: &ids[0]})
	_, noAssoc := s.DisassociateAddress(ctx, &ec2api.DisassociateAddressInput{AssociationId: ptr("eipassoc-0123456789abcdef0")})
	checkRefusals(t, []refusal{
		{"quota", quota, "AddressLimitExceeded", "The maximum number of addresses has been reached."},
		{"unknown allocation", unknown, "InvalidAllocationID.NotFound", "The allocation ID 'eipalloc-0123456789abcdef0' does not exist"},
		{"unknown ip", unknownIP, "InvalidAddress.NotFound", "Address '198.51.100.7' not found."},
		{"unknown instance", noInstance, "InvalidInstanceID.NotFound", "The instance ID 'i-0123456789abcdef0' does not exist"},
		{"unknown interface", noENI, "InvalidNetworkInterfaceID.NotFound", "The networkInterface ID 'eni-0123456789abcdef0' does not exist"},
		{"no target", noTarget, "MissingParameter", ""},
		{"unknown association", noAssoc, "InvalidAssociationID.NotFound", "The association ID 'eipassoc-0123456789abcdef0' does not exist"},
	})

	// Releasing the second address frees 192.0.2.2 for the next caller,
	// whichever account it is.
	if _, err := s.ReleaseAddress(ctx, &ec2api.ReleaseAddressInput{PublicIp: ptr("192.0.2.2")}); err != nil {
		t.Fatal(err)
	}
	out, err := s.AllocateAddress(ctx, &ec2api.AllocateAddressInput{})
	if err != nil || *out.PublicIp != "192.0.2.2" {
		t.Fatalf("reuse: %+v %v", out, err)
	}
	other := ctxAs("999988887777", "us-east-1")
	o, err := s.AllocateAddress(other, &ec2api.AllocateAddressInput{})
	if err != nil || *o.PublicIp != "192.0.2.6" {
		t.Fatalf("other account: %+v %v", o, err)
	}

	for _, f := range []struct {
		kv   []string
		want int
	}{
		{[]string{"public-ip", "192.0.2.3"}, 1},
		{[]string{"domain", "vpc"}, 5},
		{[]string{"tag:n", "0"}, 1},
		{[]string{"association-id", "*"}, 0},
		{[]string{"allocation-id", ids[4]}, 1},
	} {
		out, err := s.DescribeAddresses(ctx, &ec2api.DescribeAddressesInput{Filters: filters(f.kv...)})
		if err != nil || len(out.Addresses) != f.want {
			t.Errorf("filter %v: %d, want %d (%v)", f.kv, len(out.Addresses), f.want, err)
		}
	}
	got, err := s.DescribeAddresses(ctx, &ec2api.DescribeAddressesInput{PublicIps: []string{"192.0.2.4"}})
	if err != nil || len(got.Addresses) != 1 || *got.Addresses[0].AllocationId != ids[3] || *got.Addresses[0].PublicIpv4Pool != "amazon" {
		t.Fatalf("by ip: %+v %v", got, err)
	}
}
