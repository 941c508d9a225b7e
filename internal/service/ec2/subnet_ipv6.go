package ec2

import (
	"context"
	"net/http"
	"net/netip"
	"strings"

	"hakoniwa/internal/store"

	ec2api "hakoniwa/internal/api/ec2"
)

// A subnet takes at most one IPv6 /64, carved from its VPC's /56, after it
// was created as well as at creation. Interfaces take no IPv6 addresses
// yet, so only assign-ipv6-address-on-creation keeps a block in use.

func ipv6AssocAPI(c ipv6Assoc, state string) *ec2api.SubnetIpv6CidrBlockAssociation {
	return &ec2api.SubnetIpv6CidrBlockAssociation{
		AssociationId: ptr(c.AssocID), Ipv6CidrBlock: ptr(c.Cidr),
		Ipv6CidrBlockState:   &ec2api.SubnetCidrBlockState{State: ptr(state)},
		Ipv6AddressAttribute: ptr("public"), IpSource: ptr("amazon"),
	}
}

// checkSubnetIPv6 refuses a /64 that is not inside one of the VPC's IPv6
// blocks or that overlaps another subnet's.
func checkSubnetIPv6(tx store.Tx, sc scope, v *vpcRec, subnetID string, block netip.Prefix, cidr string) error {
	inside := false
	for _, c := range v.Ipv6 {
		if p, err := netip.ParsePrefix(c.Cidr); err == nil && contains(p, block) {
			inside = true
		}
	}
	if !inside {
		return errf(http.StatusBadRequest, "InvalidSubnet.Range", "The CIDR '%s' is invalid.", cidr)
	}
	others, err := subnets.by(tx, sc, "vpc-id", v.ID)
	if err != nil {
		return err
	}
	for _, o := range others {
		if o.ID == subnetID {
			continue
		}
		for _, a := range o.Ipv6 {
			if p, err := netip.ParsePrefix(a.Cidr); err == nil && overlaps(p, block) {
				return errf(http.StatusBadRequest, "InvalidSubnet.Conflict", "The CIDR '%s' conflicts with another subnet", cidr)
			}
		}
	}
	return nil
}

// AssociateSubnetCidrBlock gives a subnet an IPv6 /64 of its VPC's block.
func (s *Service) AssociateSubnetCidrBlock(ctx context.Context, in *ec2api.AssociateSubnetCidrBlockInput) (*ec2api.AssociateSubnetCidrBlockOutput, error) {
	id := deref(in.SubnetId)
	if in.Ipv6IpamPoolId != nil || in.Ipv6NetmaskLength != nil {
		return nil, invalidParam("IPAM pools are not available in this account.")
	}
	if in.Ipv6CidrBlock == nil {
		return nil, missingParam("ipv6CidrBlock")
	}
	cidr := *in.Ipv6CidrBlock
	block, ok := parseIPv6Block(cidr)
	if !ok || block.Bits() != 64 {
		return nil, errf(http.StatusBadRequest, "InvalidSubnet.Range", "The CIDR '%s' is invalid.", cidr)
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	a := ipv6Assoc{AssocID: s.ids.Resource("subnet-cidr-assoc"), Cidr: block.String()}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		sn, err := getSubnet(tx, sc, id)
		if err != nil {
			return err
		}
		if len(sn.Ipv6) > 0 {
			return errf(http.StatusBadRequest, "CidrLimitExceeded", "This network '%s' has met its maximum number of allowed CIDRs: 1", sn.ID)
		}
		v, err := getVPC(tx, sc, sn.VpcID)
		if err != nil {
			return err
		}
		if err := checkSubnetIPv6(tx, sc, v, sn.ID, block, cidr); err != nil {
			return err
		}
		sn.Ipv6 = []ipv6Assoc{a}
		return subnets.put(tx, sc, sn)
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.AssociateSubnetCidrBlockOutput{SubnetId: ptr(id), Ipv6CidrBlockAssociation: ipv6AssocAPI(a, "associating")}, nil
}

// DisassociateSubnetCidrBlock takes a subnet's IPv6 block back, unless the
// subnet still hands out IPv6 addresses on launch.
func (s *Service) DisassociateSubnetCidrBlock(ctx context.Context, in *ec2api.DisassociateSubnetCidrBlockInput) (*ec2api.DisassociateSubnetCidrBlockOutput, error) {
	assoc := deref(in.AssociationId)
	if !strings.HasPrefix(assoc, "subnet-cidr-assoc-") || len(assoc) == len("subnet-cidr-assoc-") {
		return nil, errf(http.StatusBadRequest, "InvalidSubnetCidrBlockAssociationId.Malformed", "The subnet CIDR block with association ID %s is malformed", assoc)
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	out := &ec2api.DisassociateSubnetCidrBlockOutput{}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		var sn *subnetRec
		err := subnets.all(tx, sc, func(r *subnetRec) bool {
			for _, c := range r.Ipv6 {
				if c.AssocID == assoc {
					sn = r
				}
			}
			return sn == nil
		})
		if err != nil {
			return err
		}
		if sn == nil {
			return errf(http.StatusBadRequest, "InvalidSubnetCidrBlockAssociationID.NotFound", "The subnet CIDR block with association ID '%s' does not exist", assoc)
		}
		if sn.AssignIpv6 {
			return errf(http.StatusBadRequest, "InvalidCidrBlock.InUse", "The subnet IPv6 CIDR block with association ID %s may not be disassociated, because its subnet has assign-ipv6-address-on-creation set to true.", assoc)
		}
		out.SubnetId = ptr(sn.ID)
		out.Ipv6CidrBlockAssociation = ipv6AssocAPI(sn.Ipv6[0], "disassociating")
		sn.Ipv6 = nil
		return subnets.put(tx, sc, sn)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
