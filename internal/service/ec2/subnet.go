package ec2

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"net/netip"
	"strings"
	"sync"

	"hakoniwa/internal/regions"
	"hakoniwa/internal/store"

	ec2api "hakoniwa/internal/api/ec2"
)

func (sn *subnetRec) block() netip.Prefix {
	p, _ := netip.ParsePrefix(sn.Cidr)
	return p
}

func (sn *subnetRec) available() int64 {
	return usableAddresses(sn.block()) - sn.UsedIPs
}

func (sn *subnetRec) arn(region string) string {
	return "arn:aws:ec2:" + region + ":" + sn.Owner + ":subnet/" + sn.ID
}

func (sn *subnetRec) hostnameType() string {
	if sn.HostnameTyp == "" {
		return "ip-name"
	}
	return sn.HostnameTyp
}

func (sn *subnetRec) api(region string) ec2api.Subnet {
	out := ec2api.Subnet{
		SubnetId:                    ptr(sn.ID),
		SubnetArn:                   ptr(sn.arn(region)),
		OwnerId:                     ptr(sn.Owner),
		VpcId:                       ptr(sn.VpcID),
		State:                       ptr(sn.State),
		CidrBlock:                   ptr(sn.Cidr),
		AvailableIpAddressCount:     ptr(sn.available()),
		AvailabilityZone:            ptr(sn.Zone),
		AvailabilityZoneId:          ptr(sn.ZoneID),
		DefaultForAz:                ptr(sn.DefaultAz),
		MapPublicIpOnLaunch:         ptr(sn.MapPublicIP),
		MapCustomerOwnedIpOnLaunch:  ptr(false),
		AssignIpv6AddressOnCreation: ptr(sn.AssignIpv6),
		EnableDns64:                 ptr(sn.EnableDns64),
		Ipv6Native:                  ptr(false),
		PrivateDnsNameOptionsOnLaunch: &ec2api.PrivateDnsNameOptionsOnLaunch{
			HostnameType:                    ptr(sn.hostnameType()),
			EnableResourceNameDnsARecord:    ptr(sn.DNSA),
			EnableResourceNameDnsAAAARecord: ptr(sn.DNSAAAA),
		},
		BlockPublicAccessStates: &ec2api.BlockPublicAccessStates{InternetGatewayBlockMode: ptr("off")},
		Tags:                    apiTags(sn.Tags),
	}
	for _, c := range sn.Ipv6 {
		out.Ipv6CidrBlockAssociationSet = append(out.Ipv6CidrBlockAssociationSet, *ipv6AssocAPI(c, "associated"))
	}
	return out
}

func subnetIPv6(sn *subnetRec, field func(ipv6Assoc) string) []string {
	var out []string
	for _, c := range sn.Ipv6 {
		out = append(out, field(c))
	}
	return out
}

var subnetFilters = sync.OnceValue(func() filterDefs[*subnetRec] {
	f := filterDefs[*subnetRec]{
		"availability-zone":          func(sn *subnetRec) []string { return one(sn.Zone) },
		"availability-zone-id":       func(sn *subnetRec) []string { return one(sn.ZoneID) },
		"available-ip-address-count": func(sn *subnetRec) []string { return one(itoa(sn.available())) },
		"cidr-block":                 func(sn *subnetRec) []string { return one(sn.Cidr) },
		"default-for-az":             func(sn *subnetRec) []string { return boolValue(sn.DefaultAz) },
		"ipv6-cidr-block-association.ipv6-cidr-block": func(sn *subnetRec) []string {
			return subnetIPv6(sn, func(c ipv6Assoc) string { return c.Cidr })
		},
		"ipv6-cidr-block-association.association-id": func(sn *subnetRec) []string {
			return subnetIPv6(sn, func(c ipv6Assoc) string { return c.AssocID })
		},
		"ipv6-cidr-block-association.state": func(sn *subnetRec) []string {
			return subnetIPv6(sn, func(ipv6Assoc) string { return "associated" })
		},
		"ipv6-native":             func(sn *subnetRec) []string { return boolValue(false) },
		"map-public-ip-on-launch": func(sn *subnetRec) []string { return boolValue(sn.MapPublicIP) },
		"enable-dns64":            func(sn *subnetRec) []string { return boolValue(sn.EnableDns64) },
		"private-dns-name-options-on-launch.hostname-type": func(sn *subnetRec) []string { return one(sn.hostnameType()) },
		"private-dns-name-options-on-launch.enable-resource-name-dns-a-record": func(sn *subnetRec) []string {
			return boolValue(sn.DNSA)
		},
		"private-dns-name-options-on-launch.enable-resource-name-dns-aaaa-record": func(sn *subnetRec) []string {
			return boolValue(sn.DNSAAAA)
		},
		// Outposts and customer-owned pools do not exist here: these
		// filters are accepted and match no subnet, or every one.
		"outpost-arn":                     func(*subnetRec) []string { return nil },
		"customer-owned-ipv4-pool":        func(*subnetRec) []string { return nil },
		"enable-lni-at-device-index":      func(*subnetRec) []string { return nil },
		"map-customer-owned-ip-on-launch": func(*subnetRec) []string { return boolValue(false) },
		"owner-id":                        func(sn *subnetRec) []string { return one(sn.Owner) },
		"state":                           func(sn *subnetRec) []string { return one(sn.State) },
		"subnet-id":                       func(sn *subnetRec) []string { return one(sn.ID) },
		"vpc-id":                          func(sn *subnetRec) []string { return one(sn.VpcID) },
	}
	// AWS's older spellings, still accepted.
	f["availabilityZone"] = f["availability-zone"]
	f["cidr"], f["cidrBlock"] = f["cidr-block"], f["cidr-block"]
	f["defaultForAz"] = f["default-for-az"]
	f["availableIpAddressCount"] = f["available-ip-address-count"]
	return f
})

// subnetFiltersIn adds the one filter that needs the Region, the ARN.
func subnetFiltersIn(region string) filterDefs[*subnetRec] {
	f := maps.Clone(subnetFilters())
	f["subnet-arn"] = func(sn *subnetRec) []string { return one(sn.arn(region)) }
	return f
}

// zoneFor resolves CreateSubnet's zone by name or id within the Region.
func zoneFor(region string, name, id *string) (regions.Zone, error) {
	reg, _ := regions.Lookup(region)
	if name != nil && id != nil {
		return regions.Zone{}, invalidCombination("The parameters 'availabilityZone' and 'availabilityZoneId' cannot be used together.")
	}
	if name == nil && id == nil {
		if len(reg.Zones) == 0 {
			return regions.Zone{}, invalidParam("No availability zones are available in %s.", region)
		}
		return reg.Zones[0], nil
	}
	for _, z := range reg.Zones {
		if (name != nil && z.Name == *name) || (id != nil && z.ID == *id) {
			return z, nil
		}
	}
	names := make([]string, len(reg.Zones))
	for i, z := range reg.Zones {
		names[i] = z.Name
		if id != nil {
			names[i] = z.ID
		}
	}
	if id != nil {
		return regions.Zone{}, invalidParam("Value (%s) for parameter availabilityZoneId is invalid. Subnets can currently only be created in the following availability zone ids: %s.", *id, strings.Join(names, ", "))
	}
	return regions.Zone{}, invalidParam("Value (%s) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: %s.", *name, strings.Join(names, ", "))
}

// CreateSubnet creates a subnet inside one of its VPC's blocks.
func (s *Service) CreateSubnet(ctx context.Context, in *ec2api.CreateSubnetInput) (*ec2api.CreateSubnetOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	vpcID := deref(in.VpcId)
	if !wellFormed(vpcID, "vpc") {
		return nil, kindVPC.malformed(vpcID)
	}
	if isTrue(in.Ipv6Native) || in.Ipv4IpamPoolId != nil || in.Ipv6IpamPoolId != nil {
		return nil, invalidParam("IPv6-only subnets and IPAM pools are not available in this account.")
	}
	if in.CidrBlock == nil {
		return nil, missingParam("cidrBlock")
	}
	cidr := *in.CidrBlock
	block, ok := parseIPv4Block(cidr)
	if !ok {
		return nil, invalidCIDRParam(cidr)
	}
	rangeErr := errf(http.StatusBadRequest, "InvalidSubnet.Range", "The CIDR '%s' is invalid.", cidr)
	if !sizeOK(block) {
		return nil, rangeErr
	}
	var v6 netip.Prefix
	if in.Ipv6CidrBlock != nil {
		if v6, ok = parseIPv6Block(*in.Ipv6CidrBlock); !ok || v6.Bits() != 64 {
			return nil, errf(http.StatusBadRequest, "InvalidSubnet.Range", "The CIDR '%s' is invalid.", *in.Ipv6CidrBlock)
		}
	}
	tags, err := s.specTags(in.TagSpecifications, "subnet")
	if err != nil {
		return nil, err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	zone, err := zoneFor(sc.region, in.AvailabilityZone, in.AvailabilityZoneId)
	if err != nil {
		return nil, err
	}
	sn := &subnetRec{meta: meta{ID: s.ids.Resource("subnet"), Tags: tags}, Owner: sc.account, VpcID: vpcID,
		State: "available", Cidr: block.String(), Zone: zone.Name, ZoneID: zone.ID}
	if v6.IsValid() {
		sn.Ipv6 = []ipv6Assoc{{AssocID: s.ids.Resource("subnet-cidr-assoc"), Cidr: v6.String()}}
	}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		v, err := getVPC(tx, sc, vpcID)
		if err != nil {
			return err
		}
		inside := false
		for _, b := range v.blocks() {
			inside = inside || contains(b, block)
		}
		if !inside {
			return rangeErr
		}
		if v6.IsValid() {
			in6 := false
			for _, c := range v.Ipv6 {
				if p, err := netip.ParsePrefix(c.Cidr); err == nil && contains(p, v6) {
					in6 = true
				}
			}
			if !in6 {
				return errf(http.StatusBadRequest, "InvalidSubnet.Range", "The CIDR '%s' is invalid.", *in.Ipv6CidrBlock)
			}
		}
		return s.addSubnet(tx, sc, sn, cidr)
	})
	if err != nil {
		return nil, err
	}
	out := sn.api(sc.region)
	return &ec2api.CreateSubnetOutput{Subnet: &out}, nil
}

// addSubnet stores sn after the checks every new subnet passes: the VPC's
// subnet quota and no overlap with its other subnets.
func (s *Service) addSubnet(tx store.Tx, sc scope, sn *subnetRec, cidr string) error {
	others, err := subnets.by(tx, sc, "vpc-id", sn.VpcID)
	if err != nil {
		return err
	}
	block := sn.block()
	for _, o := range others {
		if overlaps(o.block(), block) {
			return errf(http.StatusBadRequest, "InvalidSubnet.Conflict", "The CIDR '%s' conflicts with another subnet", cidr)
		}
		for _, a := range o.Ipv6 {
			for _, b := range sn.Ipv6 {
				pa, _ := netip.ParsePrefix(a.Cidr)
				pb, _ := netip.ParsePrefix(b.Cidr)
				if overlaps(pa, pb) {
					return errf(http.StatusBadRequest, "InvalidSubnet.Conflict", "The CIDR '%s' conflicts with another subnet", b.Cidr)
				}
			}
		}
	}
	if len(others) >= s.quotas.SubnetsPerVPC {
		return errf(http.StatusBadRequest, "SubnetLimitExceeded", "The maximum number of subnets has been reached.")
	}
	return subnets.put(tx, sc, sn)
}

// DescribeSubnets lists subnets by id and filters.
func (s *Service) DescribeSubnets(ctx context.Context, in *ec2api.DescribeSubnetsInput) (*ec2api.DescribeSubnetsOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	if err := checkIDs(kindSubnet, in.SubnetIds); err != nil {
		return nil, err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	fs, err := subnetFiltersIn(sc.region).compile(in.Filters)
	if err != nil {
		return nil, err
	}
	pg, err := parsePage(in.MaxResults, in.NextToken, len(in.SubnetIds) > 0, "subnetIds", describeLimits)
	if err != nil {
		return nil, err
	}
	var items []*subnetRec
	var next string
	err = s.st.View(ctx, func(tx store.Tx) error {
		var err error
		items, next, err = describe(tx, sc, subnets, kindSubnet, query[*subnetRec]{ids: in.SubnetIds, filters: fs, page: pg})
		return err
	})
	if err != nil {
		return nil, err
	}
	out := &ec2api.DescribeSubnetsOutput{Subnets: make([]ec2api.Subnet, 0, len(items))}
	for _, sn := range items {
		out.Subnets = append(out.Subnets, sn.api(sc.region))
	}
	if next != "" {
		out.NextToken = &next
	}
	return out, nil
}

func getSubnet(tx store.Tx, sc scope, id string) (*subnetRec, error) {
	if !wellFormed(id, "subnet") {
		return nil, kindSubnet.malformed(id)
	}
	sn, err := subnets.get(tx, sc, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, kindSubnet.notFound(id)
	}
	return sn, err
}

// DeleteSubnet deletes a subnet no interface uses.
func (s *Service) DeleteSubnet(ctx context.Context, in *ec2api.DeleteSubnetInput) (*ec2api.DeleteSubnetOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	id := deref(in.SubnetId)
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		sn, err := getSubnet(tx, sc, id)
		if err != nil {
			return err
		}
		if sn.UsedIPs > 0 {
			return dependencyViolation("subnet", id)
		}
		if err := deleteACLAssoc(tx, sc, sn.ID); err != nil {
			return err
		}
		if err := dropSubnetAssociation(tx, sc, sn.ID); err != nil {
			return err
		}
		if err := deleteFlowLogsOf(tx, sc, sn.ID); err != nil { // flowlog.go
			return err
		}
		return subnets.delete(tx, sc, sn)
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.DeleteSubnetOutput{}, nil
}

// ModifySubnetAttribute changes one attribute of a subnet per call.
func (s *Service) ModifySubnetAttribute(ctx context.Context, in *ec2api.ModifySubnetAttributeInput) (*ec2api.ModifySubnetAttributeOutput, error) {
	var set []func(*subnetRec) error
	boolAttr := func(v *ec2api.AttributeBooleanValue, apply func(*subnetRec, bool) error) {
		if v != nil {
			val := isTrue(v.Value)
			set = append(set, func(sn *subnetRec) error { return apply(sn, val) })
		}
	}
	boolAttr(in.MapPublicIpOnLaunch, func(sn *subnetRec, b bool) error { sn.MapPublicIP = b; return nil })
	boolAttr(in.AssignIpv6AddressOnCreation, func(sn *subnetRec, b bool) error {
		if b && len(sn.Ipv6) == 0 {
			return invalidParam("Invalid value 'true' for assignIpv6AddressOnCreation. Cannot set assignIpv6AddressOnCreation to true unless the subnet (%s) has an IPv6 CIDR block associated with it.", sn.ID)
		}
		sn.AssignIpv6 = b
		return nil
	})
	boolAttr(in.EnableDns64, func(sn *subnetRec, b bool) error { sn.EnableDns64 = b; return nil })
	boolAttr(in.EnableResourceNameDnsARecordOnLaunch, func(sn *subnetRec, b bool) error { sn.DNSA = b; return nil })
	boolAttr(in.EnableResourceNameDnsAAAARecordOnLaunch, func(sn *subnetRec, b bool) error { sn.DNSAAAA = b; return nil })
	boolAttr(in.MapCustomerOwnedIpOnLaunch, func(sn *subnetRec, b bool) error {
		return invalidParam("Subnet %s is not an Outpost subnet.", sn.ID)
	})
	if t := in.PrivateDnsHostnameTypeOnLaunch; t != nil {
		set = append(set, func(sn *subnetRec) error {
			switch *t {
			case "ip-name", "resource-name":
				sn.HostnameTyp = *t
				return nil
			}
			return invalidParam("Value (%s) for parameter privateDnsHostnameTypeOnLaunch is invalid.", *t)
		})
	}
	switch {
	case len(set) == 0:
		return nil, invalidCombination("No attributes specified.")
	case len(set) > 1:
		return nil, invalidCombination("Only one attribute can be modified at a time.")
	}
	id := deref(in.SubnetId)
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		sn, err := getSubnet(tx, sc, id)
		if err != nil {
			return err
		}
		if err := set[0](sn); err != nil {
			return err
		}
		return subnets.put(tx, sc, sn)
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.ModifySubnetAttributeOutput{}, nil
}

// CreateDefaultSubnet creates a default subnet in a zone of the default VPC
// that has none.
func (s *Service) CreateDefaultSubnet(ctx context.Context, in *ec2api.CreateDefaultSubnetInput) (*ec2api.CreateDefaultSubnetOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	if in.AvailabilityZone == nil && in.AvailabilityZoneId == nil {
		return nil, missingParam("availabilityZone")
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	zone, err := zoneFor(sc.region, in.AvailabilityZone, in.AvailabilityZoneId)
	if err != nil {
		return nil, err
	}
	id := s.ids.Resource("subnet")
	var sn *subnetRec
	err = s.st.Update(ctx, func(tx store.Tx) error {
		v, err := findDefaultVPC(tx, sc)
		if err != nil {
			return err
		}
		if v == nil {
			return errf(http.StatusBadRequest, "DefaultVpcDoesNotExist", "No default VPC exists for this account in this region.")
		}
		others, err := subnets.by(tx, sc, "vpc-id", v.ID)
		if err != nil {
			return err
		}
		for _, o := range others {
			if o.DefaultAz && o.Zone == zone.Name {
				return errf(http.StatusBadRequest, "DefaultSubnetAlreadyExistsInAvailabilityZone", "'%s' is already the default subnet in %s.", o.ID, zone.Name)
			}
		}
		for i := 0; ; i++ {
			block, ok := nthBlock(v.primary(), defaultSubnetBits, i)
			if !ok {
				return errf(http.StatusBadRequest, "InsufficientFreeAddressesInSubnet", "The default VPC has no free /%d block left for a default subnet.", defaultSubnetBits)
			}
			free := true
			for _, o := range others {
				free = free && !overlaps(o.block(), block)
			}
			if free {
				sn = defaultSubnet(sc, id, v.ID, block, zone)
				return s.addSubnet(tx, sc, sn, block.String())
			}
		}
	})
	if err != nil {
		return nil, err
	}
	out := sn.api(sc.region)
	return &ec2api.CreateDefaultSubnetOutput{Subnet: &out}, nil
}
