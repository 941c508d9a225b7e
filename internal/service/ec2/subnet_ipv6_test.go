package ec2

import (
	"net/netip"
	"strings"
	"testing"

	ec2api "hakoniwa/internal/api/ec2"
)

func TestSubnetIPv6Association(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	v4only := mustVPC(t, s, ctx, "10.1.0.0/16")
	out, err := s.CreateVpc(ctx, &ec2api.CreateVpcInput{CidrBlock: ptr("10.0.0.0/16"), AmazonProvidedIpv6CidrBlock: ptr(true)})
	if err != nil {
		t.Fatal(err)
	}
	vpc := *out.Vpc.VpcId
	v6 := netip.MustParsePrefix(*out.Vpc.Ipv6CidrBlockAssociationSet[0].Ipv6CidrBlock)
	if v6.Bits() != 56 {
		t.Fatalf("VPC block %s", v6)
	}
	sub64 := func(i byte) string {
		a := v6.Addr().As16()
		a[7] = i
		return netip.PrefixFrom(netip.AddrFrom16(a), 64).String()
	}
	a, b := mustSubnet(t, s, ctx, vpc, "10.0.1.0/24", "us-east-1a"), mustSubnet(t, s, ctx, vpc, "10.0.2.0/24", "us-east-1b")
	plain := mustSubnet(t, s, ctx, v4only, "10.1.1.0/24", "us-east-1a")
	associate := func(subnet, cidr string) (*ec2api.AssociateSubnetCidrBlockOutput, error) {
		return s.AssociateSubnetCidrBlock(ctx, &ec2api.AssociateSubnetCidrBlockInput{SubnetId: &subnet, Ipv6CidrBlock: &cidr})
	}

	got, err := associate(a, sub64(1))
	if err != nil {
		t.Fatalf("associate: %v", err)
	}
	assoc := deref(got.Ipv6CidrBlockAssociation.AssociationId)
	if deref(got.SubnetId) != a || deref(got.Ipv6CidrBlockAssociation.Ipv6CidrBlock) != sub64(1) ||
		deref(got.Ipv6CidrBlockAssociation.Ipv6CidrBlockState.State) != "associating" || !strings.HasPrefix(assoc, "subnet-cidr-assoc-") {
		t.Errorf("associate answer: %+v", got)
	}
	desc, err := s.DescribeSubnets(ctx, &ec2api.DescribeSubnetsInput{Filters: filters("ipv6-cidr-block-association.association-id", assoc)})
	if err != nil || len(desc.Subnets) != 1 || deref(desc.Subnets[0].SubnetId) != a ||
		deref(desc.Subnets[0].Ipv6CidrBlockAssociationSet[0].Ipv6CidrBlockState.State) != "associated" {
		t.Fatalf("describe by association: %+v %v", desc, err)
	}

	_, errSecond := associate(a, sub64(2))
	_, errOverlap := associate(b, sub64(1))
	_, errOutside := associate(b, "2600:1f18:aaaa:bb00::/64")
	_, errSize := associate(b, v6.String())
	_, errNoV6 := associate(plain, sub64(3))
	_, errMissing := s.AssociateSubnetCidrBlock(ctx, &ec2api.AssociateSubnetCidrBlockInput{SubnetId: &b})
	_, errSubnet := associate("subnet-0123456789abcdef0", sub64(4))
	checkRefusals(t, []refusal{
		{"second block", errSecond, "CidrLimitExceeded", ""},
		{"overlap", errOverlap, "InvalidSubnet.Conflict", "The CIDR '" + sub64(1) + "' conflicts with another subnet"},
		{"outside the VPC", errOutside, "InvalidSubnet.Range", ""},
		{"not a /64", errSize, "InvalidSubnet.Range", ""},
		{"VPC without IPv6", errNoV6, "InvalidSubnet.Range", ""},
		{"no block", errMissing, "MissingParameter", ""},
		{"unknown subnet", errSubnet, "InvalidSubnetID.NotFound", ""},
	})

	// assign-ipv6-address-on-creation keeps the block in use.
	if _, err := s.ModifySubnetAttribute(ctx, &ec2api.ModifySubnetAttributeInput{SubnetId: &a, AssignIpv6AddressOnCreation: &ec2api.AttributeBooleanValue{Value: ptr(true)}}); err != nil {
		t.Fatal(err)
	}
	disassociate := func(id string) (*ec2api.DisassociateSubnetCidrBlockOutput, error) {
		return s.DisassociateSubnetCidrBlock(ctx, &ec2api.DisassociateSubnetCidrBlockInput{AssociationId: &id})
	}
	_, errInUse := disassociate(assoc)
	_, errUnknown := disassociate("subnet-cidr-assoc-0123456789abcdef0")
	_, errEmpty := disassociate("")
	checkRefusals(t, []refusal{
		{"in use on launch", errInUse, "InvalidCidrBlock.InUse", "The subnet IPv6 CIDR block with association ID " + assoc + " may not be disassociated, because its subnet has assign-ipv6-address-on-creation set to true."},
		{"unknown association", errUnknown, "InvalidSubnetCidrBlockAssociationID.NotFound", ""},
		{"empty association", errEmpty, "InvalidSubnetCidrBlockAssociationId.Malformed", ""},
	})
	if _, err := s.ModifySubnetAttribute(ctx, &ec2api.ModifySubnetAttributeInput{SubnetId: &a, AssignIpv6AddressOnCreation: &ec2api.AttributeBooleanValue{Value: ptr(false)}}); err != nil {
		t.Fatal(err)
	}
	dis, err := disassociate(assoc)
	if err != nil || deref(dis.SubnetId) != a || deref(dis.Ipv6CidrBlockAssociation.Ipv6CidrBlockState.State) != "disassociating" {
		t.Fatalf("disassociate: %+v %v", dis, err)
	}
	// The block is free for another subnet, and the VPC's /56 can go.
	if _, err := associate(b, sub64(1)); err != nil {
		t.Fatalf("reuse the freed /64: %v", err)
	}
	_, errVPCInUse := s.DisassociateVpcCidrBlock(ctx, &ec2api.DisassociateVpcCidrBlockInput{AssociationId: out.Vpc.Ipv6CidrBlockAssociationSet[0].AssociationId})
	checkRefusals(t, []refusal{{"VPC block in use", errVPCInUse, "InvalidCidrBlock.InUse", ""}})
}
