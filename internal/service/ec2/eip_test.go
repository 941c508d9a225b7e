package ec2

import (
	"context"
	"net/netip"
	"slices"
	"testing"

	"hakoniwa/internal/store"

	ec2api "hakoniwa/internal/api/ec2"
)

func TestAddressPool(t *testing.T) {
	if poolSize != 3*254+65534 || poolAddr(0).String() != "192.0.2.1" || poolAddr(761).String() != "203.0.113.254" ||
		poolAddr(762).String() != "240.0.0.1" || poolAddr(poolSize-1).String() != "240.0.255.254" {
		t.Fatalf("pool: %d addresses, %s %s %s %s", poolSize, poolAddr(0), poolAddr(761), poolAddr(762), poolAddr(poolSize-1))
	}
	for _, i := range []int{0, 1, 253, 254, 761, 762, 1000, poolSize - 1} {
		if j, ok := poolIndex(poolAddr(i)); !ok || j != i {
			t.Errorf("index of %s: %d %v, want %d", poolAddr(i), j, ok, i)
		}
	}
	for _, a := range []string{"192.0.2.0", "192.0.2.255", "240.0.0.0", "240.0.255.255", "240.1.0.1", "10.0.0.1", "::1"} {
		if inPool(netip.MustParseAddr(a)) {
			t.Errorf("%s is in the pool", a)
		}
	}
}

// The pool outlasts 5,000 running instances with public addresses, and
// a released address is the next one handed out.
func TestAddressPoolAtScale(t *testing.T) {
	st := store.OpenMemory()
	t.Cleanup(func() { st.Close() })
	ctx := context.Background()
	var last string
	err := st.Update(ctx, func(tx store.Tx) error {
		for i := range 5000 {
			a, err := takeAddress(tx, "us-east-1", "i-"+itoa(int64(i)), "")
			if err != nil {
				return err
			}
			last = a
		}
		return nil
	})
	if err != nil || last != poolAddr(4999).String() {
		t.Fatalf("5,000 draws: last %s, %v", last, err)
	}
	err = st.Update(ctx, func(tx store.Tx) error {
		for _, a := range []string{poolAddr(4000).String(), poolAddr(10).String()} {
			if err := releaseAddress(tx, "us-east-1", a); err != nil {
				return err
			}
		}
		var got []string
		for range 3 {
			a, err := takeAddress(tx, "us-east-1", "x", "")
			if err != nil {
				return err
			}
			got = append(got, a)
		}
		if want := []string{poolAddr(10).String(), poolAddr(4000).String(), poolAddr(5000).String()}; !slices.Equal(got, want) {
			t.Errorf("after releases: %v, want %v", got, want)
		}
		// An address asked for by name is skipped by later draws.
		if _, err := takeAddress(tx, "us-east-1", "eip", poolAddr(5001).String()); err != nil {
			return err
		}
		a, err := takeAddress(tx, "us-east-1", "x", "")
		if a != poolAddr(5002).String() {
			t.Errorf("after a named take: %s", a)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
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

// TestAddressReassociation follows the AssociateAddress reference: an
// address already mapped moves unless AllowReassociation is false.
func TestAddressReassociation(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	n := mustNetwork(t, s, ctx)
	x := *mustENI(t, s, ctx, &ec2api.CreateNetworkInterfaceInput{SubnetId: &n.public}).NetworkInterfaceId
	y := *mustENI(t, s, ctx, &ec2api.CreateNetworkInterfaceInput{SubnetId: &n.public}).NetworkInterfaceId
	eip, err := s.AllocateAddress(ctx, &ec2api.AllocateAddressInput{})
	if err != nil {
		t.Fatal(err)
	}
	associate := func(eni string, allow *bool) (string, error) {
		out, err := s.AssociateAddress(ctx, &ec2api.AssociateAddressInput{AllocationId: eip.AllocationId, NetworkInterfaceId: &eni, AllowReassociation: allow})
		if err != nil {
			return "", err
		}
		return *out.AssociationId, nil
	}
	// on checks that the address and only the interface eni show the mapping.
	on := func(step, eni, assoc string) {
		t.Helper()
		out, err := s.DescribeAddresses(ctx, &ec2api.DescribeAddressesInput{AllocationIds: []string{*eip.AllocationId}})
		if err != nil || len(out.Addresses) != 1 {
			t.Fatalf("%s: describe: %v", step, err)
		}
		if a := out.Addresses[0]; deref(a.NetworkInterfaceId) != eni || deref(a.AssociationId) != assoc {
			t.Fatalf("%s: address on %q (%q), want %s (%s)", step, deref(a.NetworkInterfaceId), deref(a.AssociationId), eni, assoc)
		}
		for _, id := range []string{x, y} {
			got := describeENI(t, s, ctx, id).Association
			if id == eni && (got == nil || *got.PublicIp != *eip.PublicIp || deref(got.AssociationId) != assoc) {
				t.Errorf("%s: %s association %+v, want %s", step, id, got, assoc)
			}
			if id != eni && got != nil {
				t.Errorf("%s: %s still shows %+v", step, id, got)
			}
		}
	}
	first, err := associate(x, nil)
	if err != nil {
		t.Fatal(err)
	}
	on("first association", x, first)
	_, refused := associate(y, ptr(false))
	checkRefusals(t, []refusal{{"explicit false", refused, "Resource.AlreadyAssociated",
		"resource " + *eip.AllocationId + " is already associated with associate-id " + first}})
	on("after the refusal", x, first)
	moved, err := associate(y, nil)
	if err != nil {
		t.Fatalf("reassociation without the flag: %v", err)
	}
	on("flag left out", y, moved)
	back, err := associate(x, ptr(true))
	if err != nil {
		t.Fatal(err)
	}
	on("flag true", x, back)
	// The same target again is no reassociation, even with false.
	again, err := associate(x, ptr(false))
	if err != nil {
		t.Fatalf("same target with false: %v", err)
	}
	on("same target", x, again)
}
