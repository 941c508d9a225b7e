package ec2

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"sync"

	"hakoniwa/internal/store"

	ec2api "hakoniwa/internal/api/ec2"
)

func (v *vpcRec) primary() netip.Prefix {
	p, _ := netip.ParsePrefix(v.Cidrs[0].Cidr)
	return p
}

func (v *vpcRec) blocks() []netip.Prefix {
	out := make([]netip.Prefix, 0, len(v.Cidrs))
	for _, c := range v.Cidrs {
		if p, err := netip.ParsePrefix(c.Cidr); err == nil {
			out = append(out, p)
		}
	}
	return out
}

func (v *vpcRec) api(region string) ec2api.Vpc {
	out := ec2api.Vpc{
		VpcId:           ptr(v.ID),
		OwnerId:         ptr(v.Owner),
		State:           ptr(v.State),
		CidrBlock:       ptr(v.Cidrs[0].Cidr),
		DhcpOptionsId:   ptr(v.DhcpOptions),
		InstanceTenancy: ptr(v.Tenancy),
		IsDefault:       ptr(v.IsDefault),
		Tags:            apiTags(v.Tags),
		BlockPublicAccessStates: &ec2api.BlockPublicAccessStates{
			InternetGatewayBlockMode: ptr("off"),
		},
	}
	for _, c := range v.Cidrs {
		out.CidrBlockAssociationSet = append(out.CidrBlockAssociationSet, c.api("associated"))
	}
	for _, c := range v.Ipv6 {
		out.Ipv6CidrBlockAssociationSet = append(out.Ipv6CidrBlockAssociationSet, c.vpcAPI("associated", region))
	}
	return out
}

func (c cidrAssoc) api(state string) ec2api.VpcCidrBlockAssociation {
	return ec2api.VpcCidrBlockAssociation{AssociationId: ptr(c.AssocID), CidrBlock: ptr(c.Cidr),
		CidrBlockState: &ec2api.VpcCidrBlockState{State: ptr(state)}}
}

func (c ipv6Assoc) vpcAPI(state, region string) ec2api.VpcIpv6CidrBlockAssociation {
	return ec2api.VpcIpv6CidrBlockAssociation{AssociationId: ptr(c.AssocID), Ipv6CidrBlock: ptr(c.Cidr),
		Ipv6CidrBlockState: &ec2api.VpcCidrBlockState{State: ptr(state)},
		NetworkBorderGroup: ptr(region), Ipv6Pool: ptr("Amazon"),
		Ipv6AddressAttribute: ptr("public"), IpSource: ptr("amazon")}
}

var vpcFilters = sync.OnceValue(func() filterDefs[*vpcRec] {
	return filterDefs[*vpcRec]{
		"cidr": func(v *vpcRec) []string { return one(v.Cidrs[0].Cidr) },
		"cidr-block-association.cidr-block": func(v *vpcRec) []string {
			var out []string
			for _, c := range v.Cidrs {
				out = append(out, c.Cidr)
			}
			return out
		},
		"cidr-block-association.association-id": func(v *vpcRec) []string {
			var out []string
			for _, c := range v.Cidrs {
				out = append(out, c.AssocID)
			}
			return out
		},
		"cidr-block-association.state": func(v *vpcRec) []string { return one("associated") },
		"dhcp-options-id":              func(v *vpcRec) []string { return one(v.DhcpOptions) },
		"ipv6-cidr-block-association.ipv6-cidr-block": func(v *vpcRec) []string {
			var out []string
			for _, c := range v.Ipv6 {
				out = append(out, c.Cidr)
			}
			return out
		},
		"ipv6-cidr-block-association.association-id": func(v *vpcRec) []string {
			var out []string
			for _, c := range v.Ipv6 {
				out = append(out, c.AssocID)
			}
			return out
		},
		"ipv6-cidr-block-association.ipv6-pool": func(v *vpcRec) []string {
			if len(v.Ipv6) == 0 {
				return nil
			}
			return one("Amazon")
		},
		"ipv6-cidr-block-association.state": func(v *vpcRec) []string {
			if len(v.Ipv6) == 0 {
				return nil
			}
			return one("associated")
		},
		"is-default": func(v *vpcRec) []string { return boolValue(v.IsDefault) },
		"owner-id":   func(v *vpcRec) []string { return one(v.Owner) },
		"state":      func(v *vpcRec) []string { return one(v.State) },
		"vpc-id":     func(v *vpcRec) []string { return one(v.ID) },
	}
})

// parseVPCBlock validates a VPC's IPv4 block.
func parseVPCBlock(cidr string) (netip.Prefix, error) {
	block, ok := parseIPv4Block(cidr)
	if !ok {
		return block, invalidCIDRParam(cidr)
	}
	if !sizeOK(block) || isRestricted(block) {
		return block, errf(http.StatusBadRequest, "InvalidVpc.Range", "The CIDR '%s' is invalid.", cidr)
	}
	return block, nil
}

// amazonIPv6 draws a /56 from hakoniwa's stand-in for Amazon's pool
// (2600:1f00::/24, inside Amazon's real allocation).
func (s *Service) amazonIPv6() string {
	h := s.ids.Hex(8)
	return fmt.Sprintf("2600:1f%s:%s:%s00::/56", h[:2], h[2:6], h[6:8])
}

// CreateVpc creates a VPC with its main route table, default security group
// and default network ACL.
func (s *Service) CreateVpc(ctx context.Context, in *ec2api.CreateVpcInput) (*ec2api.CreateVpcOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	if in.CidrBlock == nil {
		return nil, missingParam("cidrBlock")
	}
	block, err := parseVPCBlock(*in.CidrBlock)
	if err != nil {
		return nil, err
	}
	tenancy := deref(in.InstanceTenancy)
	switch tenancy {
	case "":
		tenancy = "default"
	case "default", "dedicated":
	default:
		return nil, invalidParam("Value (%s) for parameter instanceTenancy is invalid. Valid values: default, dedicated", tenancy)
	}
	if in.Ipv6CidrBlock != nil || in.Ipv6Pool != nil || in.Ipv4IpamPoolId != nil || in.Ipv6IpamPoolId != nil {
		return nil, invalidParam("BYOIP and IPAM pools are not available in this account.")
	}
	tags, err := s.specTags(in.TagSpecifications, "vpc")
	if err != nil {
		return nil, err
	}
	sc, acct, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	st := s.newVPCStack(sc, block, acct.DhcpOptions, tenancy)
	st.vpc.Tags = tags
	if isTrue(in.AmazonProvidedIpv6CidrBlock) {
		st.vpc.Ipv6 = []ipv6Assoc{{AssocID: s.ids.Resource("vpc-cidr-assoc"), Cidr: s.amazonIPv6(), Pool: "Amazon", BorderGroup: sc.region}}
		st.sgRules = append(st.sgRules, s.ipv6Outbound(st.sg))
		st.acl.Entries = withIPv6Allow(st.acl.Entries)
	}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		if err := s.vpcQuota(tx, sc); err != nil {
			return err
		}
		return st.write(tx, sc)
	})
	if err != nil {
		return nil, err
	}
	out := st.vpc.api(sc.region)
	// A new VPC and its blocks are still being set up when CreateVpc
	// answers; Describe shows them available.
	out.State = ptr("pending")
	for i := range out.CidrBlockAssociationSet {
		out.CidrBlockAssociationSet[i].CidrBlockState.State = ptr("associated")
	}
	for i := range out.Ipv6CidrBlockAssociationSet {
		out.Ipv6CidrBlockAssociationSet[i].Ipv6CidrBlockState.State = ptr("associating")
	}
	return &ec2api.CreateVpcOutput{Vpc: &out}, nil
}

// DescribeVpcs lists VPCs by id and filters.
func (s *Service) DescribeVpcs(ctx context.Context, in *ec2api.DescribeVpcsInput) (*ec2api.DescribeVpcsOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	if err := checkIDs(kindVPC, in.VpcIds); err != nil {
		return nil, err
	}
	fs, err := vpcFilters().compile(in.Filters)
	if err != nil {
		return nil, err
	}
	pg, err := parsePage(in.MaxResults, in.NextToken, len(in.VpcIds) > 0, "vpcIds", describeLimits)
	if err != nil {
		return nil, err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	var items []*vpcRec
	var next string
	err = s.st.View(ctx, func(tx store.Tx) error {
		var err error
		items, next, err = describe(tx, sc, vpcs, kindVPC, query[*vpcRec]{ids: in.VpcIds, filters: fs, page: pg})
		return err
	})
	if err != nil {
		return nil, err
	}
	out := &ec2api.DescribeVpcsOutput{Vpcs: make([]ec2api.Vpc, 0, len(items))}
	for _, v := range items {
		out.Vpcs = append(out.Vpcs, v.api(sc.region))
	}
	if next != "" {
		out.NextToken = &next
	}
	return out, nil
}

// getVPC loads a VPC by id, refusing malformed and unknown ids.
func getVPC(tx store.Tx, sc scope, id string) (*vpcRec, error) {
	if !wellFormed(id, "vpc") {
		return nil, kindVPC.malformed(id)
	}
	v, err := vpcs.get(tx, sc, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, kindVPC.notFound(id)
	}
	return v, err
}

// DeleteVpc deletes a VPC that nothing depends on any more, with its main
// route table, default security group and default network ACL.
func (s *Service) DeleteVpc(ctx context.Context, in *ec2api.DeleteVpcInput) (*ec2api.DeleteVpcOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	id := deref(in.VpcId)
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		v, err := getVPC(tx, sc, id)
		if err != nil {
			return err
		}
		if err := vpcDependents(tx, sc, v); err != nil {
			return err
		}
		if err := s.routingDependents(tx, sc, v.ID); err != nil {
			return err
		}
		if err := endpointDependents(tx, sc, v.ID); err != nil { // endpoint.go
			return err
		}
		// Peering connections and flow logs end with the VPC (pcx.go,
		// flowlog.go).
		if err := releaseVpcPeerings(tx, sc, v.ID, s.clock.Now()); err != nil {
			return err
		}
		if err := deleteFlowLogsOf(tx, sc, v.ID); err != nil {
			return err
		}
		for _, del := range []func() error{
			func() error { return deleteByID(tx, sc, routeTables, v.MainRouteTable) },
			func() error { return deleteGroupRules(tx, sc, v.DefaultSG) },
			func() error { return deleteByID(tx, sc, securityGroups, v.DefaultSG) },
			func() error { return deleteByID(tx, sc, networkACLs, v.DefaultACL) },
		} {
			if err := del(); err != nil {
				return err
			}
		}
		return vpcs.delete(tx, sc, v)
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.DeleteVpcOutput{}, nil
}

// vpcDependents refuses while subnets, attached gateways, or security
// groups, network ACLs and route tables other than the VPC's own defaults
// remain.
func vpcDependents(tx store.Tx, sc scope, v *vpcRec) error {
	refuse := dependencyViolation("vpc", v.ID)
	if n, err := subnets.countBy(tx, sc, "vpc-id", v.ID); err != nil || n > 0 {
		return orErr(err, refuse)
	}
	if n, err := internetGateways.countBy(tx, sc, "attachment.vpc-id", v.ID); err != nil || n > 0 {
		return orErr(err, refuse)
	}
	others := func(kind interface {
		idsBy(store.Tx, scope, string, string) ([]string, error)
	}, own string) error {
		ids, err := kind.idsBy(tx, sc, "vpc-id", v.ID)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if id != own {
				return refuse
			}
		}
		return nil
	}
	if err := others(securityGroups, v.DefaultSG); err != nil {
		return err
	}
	if err := others(networkACLs, v.DefaultACL); err != nil {
		return err
	}
	return others(routeTables, v.MainRouteTable)
}

func orErr(err, otherwise error) error {
	if err != nil {
		return err
	}
	return otherwise
}

func deleteByID[T any, P interface {
	*T
	record
}](tx store.Tx, sc scope, tbl *table[T, P], id string) error {
	if id == "" {
		return nil
	}
	r, err := tbl.get(tx, sc, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return tbl.delete(tx, sc, r)
}

// vpcAttributes are the attributes ModifyVpcAttribute and
// DescribeVpcAttribute know, by their wire names.
const (
	attrDNSSupport   = "enableDnsSupport"
	attrDNSHostnames = "enableDnsHostnames"
	attrNAUMetrics   = "enableNetworkAddressUsageMetrics"
)

// ModifyVpcTenancy moves a dedicated VPC to default tenancy, the only
// change AWS allows; instances already running keep theirs.
func (s *Service) ModifyVpcTenancy(ctx context.Context, in *ec2api.ModifyVpcTenancyInput) (*ec2api.ModifyVpcTenancyOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	if t := deref(in.InstanceTenancy); t != "default" {
		return nil, invalidParam("Invalid value '%s' for InstanceTenancy.", t)
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		v, err := getVPC(tx, sc, deref(in.VpcId))
		if err != nil {
			return err
		}
		v.Tenancy = "default"
		return vpcs.put(tx, sc, v)
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.ModifyVpcTenancyOutput{ReturnValue: ptr(true)}, nil
}

// ModifyVpcAttribute changes one attribute per call, as AWS requires.
func (s *Service) ModifyVpcAttribute(ctx context.Context, in *ec2api.ModifyVpcAttributeInput) (*ec2api.ModifyVpcAttributeOutput, error) {
	var names []string
	var value bool
	for _, a := range []struct {
		name string
		v    *ec2api.AttributeBooleanValue
	}{{attrDNSSupport, in.EnableDnsSupport}, {attrDNSHostnames, in.EnableDnsHostnames}, {attrNAUMetrics, in.EnableNetworkAddressUsageMetrics}} {
		if a.v != nil {
			names = append(names, a.name)
			value = isTrue(a.v.Value)
		}
	}
	switch len(names) {
	case 0:
		return nil, invalidCombination("No attributes specified.")
	case 1:
	default:
		return nil, invalidCombination("Fields for multiple attribute types specified: %s", strings.Join(names, ", "))
	}
	id := deref(in.VpcId)
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		v, err := getVPC(tx, sc, id)
		if err != nil {
			return err
		}
		switch names[0] {
		case attrDNSSupport:
			v.DNSSupport = value
		case attrDNSHostnames:
			v.DNSHostname = value
		default:
			// Network address usage metrics are accepted and not kept:
			// hakoniwa publishes no such metrics.
		}
		return vpcs.put(tx, sc, v)
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.ModifyVpcAttributeOutput{}, nil
}

// DescribeVpcAttribute returns one attribute of a VPC.
func (s *Service) DescribeVpcAttribute(ctx context.Context, in *ec2api.DescribeVpcAttributeInput) (*ec2api.DescribeVpcAttributeOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	attr, id := deref(in.Attribute), deref(in.VpcId)
	switch attr {
	case attrDNSSupport, attrDNSHostnames, attrNAUMetrics:
	default:
		return nil, invalidParam("Value (%s) for parameter attribute is invalid. Unknown attribute.", attr)
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	var v *vpcRec
	err = s.st.View(ctx, func(tx store.Tx) error {
		var err error
		v, err = getVPC(tx, sc, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := &ec2api.DescribeVpcAttributeOutput{VpcId: ptr(v.ID)}
	switch attr {
	case attrDNSSupport:
		out.EnableDnsSupport = &ec2api.AttributeBooleanValue{Value: ptr(v.DNSSupport)}
	case attrDNSHostnames:
		out.EnableDnsHostnames = &ec2api.AttributeBooleanValue{Value: ptr(v.DNSHostname)}
	default:
		out.EnableNetworkAddressUsageMetrics = &ec2api.AttributeBooleanValue{Value: ptr(false)}
	}
	return out, nil
}

// AssociateVpcCidrBlock adds a secondary IPv4 block or an Amazon-provided
// IPv6 /56 to a VPC.
func (s *Service) AssociateVpcCidrBlock(ctx context.Context, in *ec2api.AssociateVpcCidrBlockInput) (*ec2api.AssociateVpcCidrBlockOutput, error) {
	id := deref(in.VpcId)
	v4, v6 := in.CidrBlock != nil, isTrue(in.AmazonProvidedIpv6CidrBlock)
	switch {
	case v4 && v6:
		return nil, invalidCombination("The parameter 'cidrBlock' may not be used in combination with 'amazonProvidedIpv6CidrBlock'.")
	case !v4 && !v6:
		return nil, missingParam("cidrBlock")
	}
	var block netip.Prefix
	if v4 {
		var ok bool
		if block, ok = parseIPv4Block(*in.CidrBlock); !ok {
			return nil, invalidCIDRParam(*in.CidrBlock)
		}
		if !sizeOK(block) {
			return nil, errf(http.StatusBadRequest, "InvalidVpc.Range", "The CIDR '%s' is invalid.", *in.CidrBlock)
		}
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	assocID, v6Block := s.ids.Resource("vpc-cidr-assoc"), s.amazonIPv6()
	out := &ec2api.AssociateVpcCidrBlockOutput{VpcId: ptr(id)}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		v, err := getVPC(tx, sc, id)
		if err != nil {
			return err
		}
		if v6 {
			if len(v.Ipv6) > 0 {
				return errf(http.StatusBadRequest, "CidrLimitExceeded", "This network '%s' has met its maximum number of allowed CIDRs: 1", v.ID)
			}
			a := ipv6Assoc{AssocID: assocID, Cidr: v6Block, Pool: "Amazon", BorderGroup: sc.region}
			v.Ipv6 = append(v.Ipv6, a)
			r := a.vpcAPI("associating", sc.region)
			out.Ipv6CidrBlockAssociation = &r
			if err := s.openDefaultsToIPv6(tx, sc, v); err != nil {
				return err
			}
			return vpcs.put(tx, sc, v)
		}
		if len(v.Cidrs) >= s.quotas.IPv4BlocksPerVPC {
			return errf(http.StatusBadRequest, "CidrLimitExceeded", "This network '%s' has met its maximum number of allowed CIDRs: %d", v.ID, s.quotas.IPv4BlocksPerVPC)
		}
		if !secondaryAllowed(v.primary(), block) {
			return errf(http.StatusBadRequest, "InvalidVpc.Range", "The CIDR '%s' is restricted. Use a CIDR from the same private address range as the current VPC CIDR, or use a publicly-routable CIDR.", *in.CidrBlock)
		}
		for _, b := range v.blocks() {
			if overlaps(b, block) {
				return errf(http.StatusBadRequest, "CidrConflict", "The CIDR '%s' conflicts with another CIDR block in the VPC.", *in.CidrBlock)
			}
		}
		a := cidrAssoc{AssocID: assocID, Cidr: block.String()}
		v.Cidrs = append(v.Cidrs, a)
		r := a.api("associating")
		out.CidrBlockAssociation = &r
		if err := addLocalRoutes(tx, sc, v.ID, block.String()); err != nil {
			return err
		}
		return vpcs.put(tx, sc, v)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// addLocalRoutes gives every route table of the VPC the local route of a
// new block.
func addLocalRoutes(tx store.Tx, sc scope, vpcID, block string) error {
	rts, err := routeTables.by(tx, sc, "vpc-id", vpcID)
	if err != nil {
		return err
	}
	for _, rt := range rts {
		rt.Routes = append(rt.Routes, route{Destination: block, GatewayID: "local", State: "active", Origin: "CreateRouteTable"})
		if err := routeTables.put(tx, sc, rt); err != nil {
			return err
		}
	}
	return nil
}

func removeLocalRoutes(tx store.Tx, sc scope, vpcID, block string) error {
	rts, err := routeTables.by(tx, sc, "vpc-id", vpcID)
	if err != nil {
		return err
	}
	for _, rt := range rts {
		kept := rt.Routes[:0]
		for _, r := range rt.Routes {
			if !(r.GatewayID == "local" && r.Destination == block) {
				kept = append(kept, r)
			}
		}
		rt.Routes = kept
		if err := routeTables.put(tx, sc, rt); err != nil {
			return err
		}
	}
	return nil
}

// DisassociateVpcCidrBlock removes a secondary block no subnet uses.
func (s *Service) DisassociateVpcCidrBlock(ctx context.Context, in *ec2api.DisassociateVpcCidrBlockInput) (*ec2api.DisassociateVpcCidrBlockOutput, error) {
	assoc := deref(in.AssociationId)
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	out := &ec2api.DisassociateVpcCidrBlockOutput{}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		var v *vpcRec
		err := vpcs.all(tx, sc, func(r *vpcRec) bool {
			for _, c := range r.Cidrs {
				if c.AssocID == assoc {
					v = r
				}
			}
			for _, c := range r.Ipv6 {
				if c.AssocID == assoc {
					v = r
				}
			}
			return v == nil
		})
		if err != nil {
			return err
		}
		if v == nil {
			return errf(http.StatusBadRequest, "InvalidVpcCidrBlockAssociationID.NotFound", "The vpc CIDR block association ID '%s' does not exist", assoc)
		}
		out.VpcId = ptr(v.ID)
		sns, err := subnets.by(tx, sc, "vpc-id", v.ID)
		if err != nil {
			return err
		}
		for i, c := range v.Ipv6 {
			if c.AssocID != assoc {
				continue
			}
			for _, sn := range sns {
				if len(sn.Ipv6) > 0 {
					return errf(http.StatusBadRequest, "InvalidCidrBlock.InUse", "The vpc CIDR block with association ID %s may not be disassociated. It is in use by one or more subnets.", assoc)
				}
			}
			v.Ipv6 = append(v.Ipv6[:i:i], v.Ipv6[i+1:]...)
			r := c.vpcAPI("disassociating", sc.region)
			out.Ipv6CidrBlockAssociation = &r
			return vpcs.put(tx, sc, v)
		}
		for i, c := range v.Cidrs {
			if c.AssocID != assoc {
				continue
			}
			if i == 0 {
				return errf(http.StatusBadRequest, "OperationNotPermitted", "The vpc CIDR block with association ID %s may not be disassociated. It is the primary IPv4 CIDR block of the VPC", assoc)
			}
			block, _ := netip.ParsePrefix(c.Cidr)
			for _, sn := range sns {
				if p, err := netip.ParsePrefix(sn.Cidr); err == nil && contains(block, p) {
					return errf(http.StatusBadRequest, "InvalidCidrBlock.InUse", "The vpc CIDR block with association ID %s may not be disassociated. It is in use by one or more subnets.", assoc)
				}
			}
			v.Cidrs = append(v.Cidrs[:i:i], v.Cidrs[i+1:]...)
			r := c.api("disassociating")
			out.CidrBlockAssociation = &r
			if err := removeLocalRoutes(tx, sc, v.ID, c.Cidr); err != nil {
				return err
			}
			return vpcs.put(tx, sc, v)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// CreateDefaultVpc rebuilds the default VPC after the user deleted it.
func (s *Service) CreateDefaultVpc(ctx context.Context, in *ec2api.CreateDefaultVpcInput) (*ec2api.CreateDefaultVpcOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	sc, acct, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	plan := s.defaultVPCPlan(sc, acct.DhcpOptions)
	err = s.st.Update(ctx, func(tx store.Tx) error {
		if v, err := findDefaultVPC(tx, sc); err != nil {
			return err
		} else if v != nil {
			return errf(http.StatusBadRequest, "DefaultVpcAlreadyExists", "A Default VPC already exists for this account in this region.")
		}
		if err := s.vpcQuota(tx, sc); err != nil {
			return err
		}
		return plan.write(tx, sc)
	})
	if err != nil {
		return nil, err
	}
	out := plan.vpc.api(sc.region)
	out.State = ptr("pending")
	return &ec2api.CreateDefaultVpcOutput{Vpc: &out}, nil
}
