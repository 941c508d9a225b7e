package ec2

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"time"

	"hakoniwa/internal/store"

	ec2api "hakoniwa/internal/api/ec2"
)

// NAT gateway states. A NAT gateway moves through them on the server's
// clock, and its state is computed from its timestamps whenever it is
// read, so no background work is needed and a restart loses nothing.
const (
	natPending   = "pending"
	natAvailable = "available"
	natFailed    = "failed"
	natDeleting  = "deleting"
	natDeleted   = "deleted"
)

// Simulated durations. AWS takes minutes; hakoniwa keeps the shape of the
// state machine (clients poll until available or deleted) but answers in
// seconds, so waiters and tests finish quickly.
const (
	natPendingFor  = 2 * time.Second
	natDeletingFor = 2 * time.Second
	// natRetention is how long deleted and failed NAT gateways stay
	// visible, as AWS shows them for about an hour.
	natRetention = time.Hour
)

func (n *natGatewayRec) state(now time.Time) string {
	switch {
	case !n.Deleted.IsZero() && now.Before(n.Deleted.Add(natDeletingFor)):
		return natDeleting
	case !n.Deleted.IsZero():
		return natDeleted
	case now.Before(n.Created.Add(natPendingFor)):
		return natPending
	case n.FailureCode != "":
		return natFailed
	}
	return natAvailable
}

// visible reports whether Describe still shows the gateway.
func (n *natGatewayRec) visible(now time.Time) bool {
	switch {
	case !n.Deleted.IsZero():
		return now.Before(n.Deleted.Add(natRetention))
	case n.FailureCode != "":
		return now.Before(n.Created.Add(natRetention))
	}
	return true
}

// live reports whether the gateway still counts as a VPC dependency.
func (n *natGatewayRec) live(now time.Time) bool {
	st := n.state(now)
	return st != natDeleted && st != natFailed
}

func (n *natGatewayRec) api(now time.Time) ec2api.NatGateway {
	st := n.state(now)
	out := ec2api.NatGateway{
		NatGatewayId:     ptr(n.ID),
		VpcId:            ptr(n.VpcID),
		SubnetId:         ptr(n.SubnetID),
		State:            ptr(st),
		ConnectivityType: ptr(n.Connectivity),
		CreateTime:       ptr(n.Created),
		Tags:             apiTags(n.Tags),
		AvailabilityMode: ptr("zonal"),
	}
	if !n.Deleted.IsZero() {
		out.DeleteTime = ptr(n.Deleted)
	}
	if st == natFailed {
		out.FailureCode, out.FailureMessage = ptr(n.FailureCode), ptr(n.FailureMessage)
	}
	addr := ec2api.NatGatewayAddress{NetworkInterfaceId: ptr(n.ENI), PrivateIp: ptr(n.PrivateIP), IsPrimary: ptr(true)}
	switch st {
	case natPending:
		addr.Status = ptr("associating")
	case natAvailable:
		addr.Status = ptr("succeeded")
	case natDeleting:
		addr.Status = ptr("disassociating")
	default:
		addr.Status = ptr("failed")
	}
	if n.AllocationID != "" {
		addr.AllocationId, addr.PublicIp = ptr(n.AllocationID), ptr(n.PublicIP)
		if n.AssocID != "" {
			addr.AssociationId = ptr(n.AssocID)
		}
	}
	out.NatGatewayAddresses = []ec2api.NatGatewayAddress{addr}
	return out
}

func natFilters(now time.Time) filterDefs[*natGatewayRec] {
	return filterDefs[*natGatewayRec]{
		"nat-gateway-id": func(n *natGatewayRec) []string { return one(n.ID) },
		"state":          func(n *natGatewayRec) []string { return one(n.state(now)) },
		"subnet-id":      func(n *natGatewayRec) []string { return one(n.SubnetID) },
		"vpc-id":         func(n *natGatewayRec) []string { return one(n.VpcID) },
	}
}

func natNotFound(id string) error {
	return errf(http.StatusBadRequest, "NatGatewayNotFound", "NAT gateway %s was not found", id)
}

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }

// pickPrivateIP draws a host address for a service-managed interface from
// the subnet's usable range (never one of the five AWS reserves).
func (s *Service) pickPrivateIP(sn *subnetRec) string {
	p := sn.block()
	usable := usableAddresses(p)
	if usable <= 0 {
		return ""
	}
	h := s.ids.Bytes(4)
	off := int64(uint32(h[0])<<24|uint32(h[1])<<16|uint32(h[2])<<8|uint32(h[3])) % usable
	a := p.Masked().Addr()
	for range 4 + off { // skip the network, router, DNS and reserved addresses
		a = a.Next()
	}
	return a.String()
}

// CreateNatGateway creates a NAT gateway in a subnet. A public one takes
// an Elastic IP address; as in AWS, an address already in use or a VPC
// without an internet gateway does not refuse the call but makes the
// gateway fail after its pending period, with AWS's failure code.
func (s *Service) CreateNatGateway(ctx context.Context, in *ec2api.CreateNatGatewayInput) (*ec2api.CreateNatGatewayOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	conn := deref(in.ConnectivityType)
	switch conn {
	case "":
		conn = "public"
	case "public", "private":
	default:
		return nil, invalidParam("Value (%s) for parameter connectivityType is invalid. Valid values: public, private", conn)
	}
	alloc := deref(in.AllocationId)
	switch {
	case in.SubnetId == nil:
		return nil, missingParam("subnetId")
	case conn == "public" && alloc == "":
		return nil, missingParam("allocationId")
	case conn == "private" && alloc != "":
		return nil, invalidCombination("The parameter allocationId cannot be used with a private NAT gateway")
	case len(in.SecondaryAllocationIds) > 0 || len(in.SecondaryPrivateIpAddresses) > 0 || in.SecondaryPrivateIpAddressCount != nil || len(in.AvailabilityZoneAddresses) > 0:
		return nil, invalidParam("Secondary addresses and regional NAT gateways are not available in this account.")
	}
	if am := deref(in.AvailabilityMode); am != "" && am != "zonal" {
		return nil, invalidParam("Regional NAT gateways are not available in this account.")
	}
	tags, err := s.specTags(in.TagSpecifications, kindNAT.resourceType)
	if err != nil {
		return nil, err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	n := &natGatewayRec{meta: meta{ID: s.ids.Resource("nat"), Tags: tags}, Owner: sc.account, Connectivity: conn,
		ENI: s.ids.Resource("eni"), Created: now}
	assocID := s.ids.Resource("eipassoc")
	err = s.st.Update(ctx, func(tx store.Tx) error {
		sn, err := getSubnet(tx, sc, deref(in.SubnetId))
		if err != nil {
			return err
		}
		if sn.available() <= 0 {
			return errf(http.StatusBadRequest, "InsufficientFreeAddressesInSubnet", "Subnet has insufficient free addresses to create this NAT gateway")
		}
		if err := natZoneQuota(tx, sc, sn.Zone, now, orDefault(s.quotas.NATGatewaysPerAZ, 5)); err != nil {
			return err
		}
		n.SubnetID, n.VpcID, n.PrivateIP = sn.ID, sn.VpcID, deref(in.PrivateIpAddress)
		if n.PrivateIP == "" {
			n.PrivateIP = s.pickPrivateIP(sn)
		} else if a, err := netip.ParseAddr(n.PrivateIP); err != nil || !sn.block().Contains(a) {
			return invalidParam("The private IP address %s is not in the subnet %s's CIDR block", n.PrivateIP, sn.ID)
		}
		// Never an address a network interface holds (eni_ips.go).
		if n.PrivateIP, err = natPrivateIP(tx, sc, sn, n.PrivateIP, in.PrivateIpAddress != nil); err != nil {
			return err
		}
		if conn == "public" {
			if err := s.natAddress(tx, sc, n, alloc, assocID); err != nil {
				return err
			}
		}
		if n.FailureCode == "" {
			// The gateway's interface takes an address of the
			// subnet, which also keeps the subnet from being deleted
			// under it.
			sn.UsedIPs++
			if err := subnets.put(tx, sc, sn); err != nil {
				return err
			}
		}
		return natGateways.put(tx, sc, n)
	})
	if err != nil {
		return nil, err
	}
	out := n.api(now)
	return &ec2api.CreateNatGatewayOutput{NatGateway: &out, ClientToken: in.ClientToken}, nil
}

// natZoneQuota refuses a NAT gateway beyond the zone's quota; gateways
// that failed or are deleted no longer count.
func natZoneQuota(tx store.Tx, sc scope, zone string, now time.Time, limit int) error {
	sns, err := subnets.idsBy(tx, sc, "availability-zone", zone)
	if err != nil {
		return err
	}
	n := 0
	for _, sn := range sns {
		gws, err := natGateways.by(tx, sc, "subnet-id", sn)
		if err != nil {
			return err
		}
		for _, g := range gws {
			if g.live(now) {
				n++
			}
		}
	}
	if n >= limit {
		return errf(http.StatusBadRequest, "NatGatewayLimitExceeded", "The maximum number of NAT Gateways has been reached.")
	}
	return nil
}

// natAddress gives a public NAT gateway its Elastic IP, or records why it
// will fail.
func (s *Service) natAddress(tx store.Tx, sc scope, n *natGatewayRec, alloc, assocID string) error {
	a, err := getByKind(tx, sc, addresses, kindAddress, alloc)
	if err != nil {
		return err
	}
	n.AllocationID, n.PublicIP = a.ID, a.PublicIP
	if a.AssocID != "" {
		n.FailureCode, n.FailureMessage = "Resource.AlreadyAssociated", "Elastic IP address "+a.ID+" is already associated"
		return nil
	}
	if k, err := internetGateways.countBy(tx, sc, "attachment.vpc-id", n.VpcID); err != nil {
		return err
	} else if k == 0 {
		n.FailureCode, n.FailureMessage = "Gateway.NotAttached", "Network "+n.VpcID+" has no Internet gateway attached"
		return nil
	}
	n.AssocID = assocID
	a.AssocID, a.ENI, a.PrivateIP, a.VpcID, a.NatGateway = assocID, n.ENI, n.PrivateIP, n.VpcID, n.ID
	return addresses.put(tx, sc, a)
}

// DescribeNatGateways lists NAT gateways, deleted and failed ones for an
// hour after they went.
func (s *Service) DescribeNatGateways(ctx context.Context, in *ec2api.DescribeNatGatewaysInput) (*ec2api.DescribeNatGatewaysOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	now := s.clock.Now()
	fs, err := natFilters(now).compile(in.Filter)
	if err != nil {
		return nil, err
	}
	fs = append(fs, filter[*natGatewayRec]{name: "(visible)", patterns: []string{"true"},
		values: func(n *natGatewayRec) []string { return boolValue(n.visible(now)) }})
	pg, err := parsePage(in.MaxResults, in.NextToken, false, "", describeLimits)
	if err != nil {
		return nil, err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	var items []*natGatewayRec
	var next string
	err = s.st.View(ctx, func(tx store.Tx) error {
		for _, id := range in.NatGatewayIds {
			n, err := natGateways.get(tx, sc, id)
			if err != nil {
				return orNotFound(err, natNotFound(id))
			}
			if !n.visible(now) {
				return natNotFound(id)
			}
		}
		var err error
		items, next, err = describe(tx, sc, natGateways, kindNAT, query[*natGatewayRec]{ids: in.NatGatewayIds, filters: fs, page: pg})
		return err
	})
	if err != nil {
		return nil, err
	}
	out := &ec2api.DescribeNatGatewaysOutput{NatGateways: make([]ec2api.NatGateway, 0, len(items))}
	for _, n := range items {
		out.NatGateways = append(out.NatGateways, n.api(now))
	}
	if next != "" {
		out.NextToken = &next
	}
	return out, nil
}

// DeleteNatGateway starts deleting a NAT gateway: its Elastic IP is
// disassociated (not released) and its subnet address freed; routes to it
// turn into blackholes.
func (s *Service) DeleteNatGateway(ctx context.Context, in *ec2api.DeleteNatGatewayInput) (*ec2api.DeleteNatGatewayOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	id := deref(in.NatGatewayId)
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	err = s.st.Update(ctx, func(tx store.Tx) error {
		n, err := natGateways.get(tx, sc, id)
		if err != nil {
			return orNotFound(err, natNotFound(id))
		}
		if !n.visible(now) || !n.Deleted.IsZero() {
			// Deleting again is harmless, as in AWS; a gone one is
			// not found.
			if n.visible(now) {
				return nil
			}
			return natNotFound(id)
		}
		if err := s.releaseNATAddress(tx, sc, n); err != nil {
			return err
		}
		n.Deleted = now
		return natGateways.put(tx, sc, n)
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.DeleteNatGatewayOutput{NatGatewayId: ptr(id)}, nil
}

func (s *Service) releaseNATAddress(tx store.Tx, sc scope, n *natGatewayRec) error {
	if n.AssocID != "" {
		a, err := addresses.get(tx, sc, n.AllocationID)
		switch {
		case err == nil && a.NatGateway == n.ID:
			a.AssocID, a.ENI, a.PrivateIP, a.VpcID, a.NatGateway = "", "", "", "", ""
			if err := addresses.put(tx, sc, a); err != nil {
				return err
			}
		case err != nil && !isNotFound(err):
			return err
		}
	}
	if n.FailureCode != "" {
		return nil // a failed gateway never took a subnet address
	}
	sn, err := subnets.get(tx, sc, n.SubnetID)
	switch {
	case err == nil && sn.UsedIPs > 0:
		sn.UsedIPs--
		return subnets.put(tx, sc, sn)
	case err != nil && !isNotFound(err):
		return err
	}
	return nil
}

// routingDependents refuses DeleteVpc while NAT gateways (not yet deleted)
// or egress-only internet gateways remain in the VPC. Non-main route
// tables and attached internet gateways are checked by vpcDependents.
func (s *Service) routingDependents(tx store.Tx, sc scope, vpcID string) error {
	refuse := dependencyViolation("vpc", vpcID)
	if n, err := egressOnlyIGWs.countBy(tx, sc, "vpc-id", vpcID); err != nil || n > 0 {
		return orErr(err, refuse)
	}
	ns, err := natGateways.by(tx, sc, "vpc-id", vpcID)
	if err != nil {
		return err
	}
	now := s.clock.Now()
	for _, n := range ns {
		if n.live(now) {
			return refuse
		}
	}
	return nil
}
