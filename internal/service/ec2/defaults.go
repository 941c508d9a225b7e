package ec2

import (
	"context"
	"errors"
	"net/http"
	"net/netip"

	"hakoniwa/internal/regions"
	"hakoniwa/internal/store"
)

// accountState is what EC2 keeps per account and Region besides resources.
// Its presence records that the defaults were made, so a default VPC the
// user deletes stays deleted (CreateDefaultVpc brings it back).
type accountState struct {
	// DhcpOptions is the Region's default DHCP options set, which every
	// new VPC gets.
	DhcpOptions string `json:"dhcp"`
}

const stateKey = "state"

func stateBucket(sc scope) store.Bucket {
	return store.Bucket{Account: sc.account, Region: sc.region, Service: "ec2", Kind: "account"}
}

var defaultVPCBlock = netip.MustParsePrefix("172.31.0.0/16")

// defaultSubnetBits is the size of default subnets: one /20 per zone.
const defaultSubnetBits = 20

// ensureDefaults creates, once per account and Region, the default DHCP
// options and default VPC with its subnets.
func (s *Service) ensureDefaults(ctx context.Context, sc scope) (*accountState, error) {
	var st accountState
	err := s.st.View(ctx, func(tx store.Tx) error {
		var err error
		st, err = store.GetJSON[accountState](tx, stateBucket(sc), stateKey)
		return err
	})
	if err == nil {
		return &st, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	// Build everything outside the transaction: Update may run its
	// function again, and ids are drawn once.
	dhcp := s.defaultDhcp(sc)
	plan := s.defaultVPCPlan(sc, dhcp.ID)
	st = accountState{DhcpOptions: dhcp.ID}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.Get(stateBucket(sc), stateKey); err == nil {
			return nil // made by a concurrent call
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if err := dhcpOptions.put(tx, sc, dhcp); err != nil {
			return err
		}
		if err := plan.write(tx, sc); err != nil {
			return err
		}
		return store.PutJSON(tx, stateBucket(sc), stateKey, st)
	})
	if err != nil {
		return nil, err
	}
	// Re-read: a concurrent call may have won with its own DHCP set.
	err = s.st.View(ctx, func(tx store.Tx) error {
		var err error
		st, err = store.GetJSON[accountState](tx, stateBucket(sc), stateKey)
		return err
	})
	return &st, err
}

func (s *Service) defaultDhcp(sc scope) *dhcpOptionsRec {
	domain := sc.region + ".compute.internal"
	if sc.region == "us-east-1" {
		domain = "ec2.internal"
	}
	return &dhcpOptionsRec{meta: meta{ID: s.ids.Resource("dopt")}, Owner: sc.account, Options: map[string][]string{
		"domain-name":         {domain},
		"domain-name-servers": {"AmazonProvidedDNS"},
	}}
}

// vpcStack is a VPC with what CreateVpc makes along with it: the main
// route table, the default security group and the default network ACL.
type vpcStack struct {
	vpc *vpcRec
	rtb *routeTableRec
	sg  *securityGroupRec
	acl *networkACLRec
	// sgRules are the default security group's rules (sg.go).
	sgRules []*sgRuleRec
}

func (s *Service) newVPCStack(sc scope, block netip.Prefix, dhcp, tenancy string) *vpcStack {
	v := &vpcRec{
		meta:        meta{ID: s.ids.Resource("vpc")},
		Owner:       sc.account,
		State:       "available",
		Cidrs:       []cidrAssoc{{AssocID: s.ids.Resource("vpc-cidr-assoc"), Cidr: block.String()}},
		DhcpOptions: dhcp,
		Tenancy:     tenancy,
		DNSSupport:  true,
	}
	st := &vpcStack{
		vpc: v,
		rtb: &routeTableRec{meta: meta{ID: s.ids.Resource("rtb")}, Owner: sc.account, VpcID: v.ID, Main: true,
			MainAssoc: s.ids.Resource("rtbassoc"),
			Routes:    []route{{Destination: block.String(), GatewayID: "local", State: "active", Origin: "CreateRouteTable"}}},
		sg: &securityGroupRec{meta: meta{ID: s.ids.Resource("sg")}, Owner: sc.account, VpcID: v.ID,
			Name: "default", Description: "default VPC security group", IsDefault: true},
		acl: &networkACLRec{meta: meta{ID: s.ids.Resource("acl")}, Owner: sc.account, VpcID: v.ID, IsDefault: true},
	}
	v.MainRouteTable, v.DefaultSG, v.DefaultACL = st.rtb.ID, st.sg.ID, st.acl.ID
	st.sgRules, st.acl.Entries = s.defaultSGRules(st.sg), defaultACLEntries()
	return st
}

func (st *vpcStack) write(tx store.Tx, sc scope) error {
	if err := vpcs.put(tx, sc, st.vpc); err != nil {
		return err
	}
	if err := routeTables.put(tx, sc, st.rtb); err != nil {
		return err
	}
	if err := securityGroups.put(tx, sc, st.sg); err != nil {
		return err
	}
	if err := putSGRules(tx, sc, st.sgRules); err != nil {
		return err
	}
	return networkACLs.put(tx, sc, st.acl)
}

// defaultVPC is the default VPC with its attached internet gateway and one
// default subnet per zone.
type defaultVPC struct {
	*vpcStack
	igw     *internetGatewayRec
	subnets []*subnetRec
}

func (s *Service) defaultVPCPlan(sc scope, dhcp string) *defaultVPC {
	st := s.newVPCStack(sc, defaultVPCBlock, dhcp, "default")
	st.vpc.IsDefault, st.vpc.DNSHostname = true, true
	igw := &internetGatewayRec{meta: meta{ID: s.ids.Resource("igw")}, Owner: sc.account, VpcID: st.vpc.ID}
	st.rtb.Routes = append(st.rtb.Routes, route{Destination: "0.0.0.0/0", GatewayID: igw.ID, State: "active", Origin: "CreateRoute"})
	p := &defaultVPC{vpcStack: st, igw: igw}
	region, _ := regions.Lookup(sc.region)
	for i, z := range region.Zones {
		block, ok := nthBlock(defaultVPCBlock, defaultSubnetBits, i)
		if !ok {
			break
		}
		p.subnets = append(p.subnets, defaultSubnet(sc, s.ids.Resource("subnet"), st.vpc.ID, block, z))
	}
	return p
}

func defaultSubnet(sc scope, id, vpcID string, block netip.Prefix, z regions.Zone) *subnetRec {
	return &subnetRec{meta: meta{ID: id}, Owner: sc.account, VpcID: vpcID, State: "available",
		Cidr: block.String(), Zone: z.Name, ZoneID: z.ID, DefaultAz: true, MapPublicIP: true}
}

func (p *defaultVPC) write(tx store.Tx, sc scope) error {
	if err := p.vpcStack.write(tx, sc); err != nil {
		return err
	}
	if err := internetGateways.put(tx, sc, p.igw); err != nil {
		return err
	}
	for _, sn := range p.subnets {
		if err := subnets.put(tx, sc, sn); err != nil {
			return err
		}
	}
	return nil
}

// findDefaultVPC returns the account's default VPC in the Region, or nil.
func findDefaultVPC(tx store.Tx, sc scope) (*vpcRec, error) {
	var found *vpcRec
	err := vpcs.all(tx, sc, func(v *vpcRec) bool {
		if v.IsDefault {
			found = v
			return false
		}
		return true
	})
	return found, err
}

func (s *Service) vpcQuota(tx store.Tx, sc scope) error {
	n, err := vpcs.count(tx, sc)
	if err != nil {
		return err
	}
	if n >= s.quotas.VPCsPerRegion {
		return errf(http.StatusBadRequest, "VpcLimitExceeded", "The maximum number of VPCs has been reached.")
	}
	return nil
}
