package ec2

import (
	"context"
	"net/http"
	"sync"

	"hakoniwa/internal/store"

	ec2api "hakoniwa/internal/api/ec2"
)

func (s *Service) addressQuota() int {
	if s.quotas.ElasticIPsPerRegion > 0 {
		return s.quotas.ElasticIPsPerRegion
	}
	return 5
}

func (a *addressRec) api() ec2api.Address {
	out := ec2api.Address{
		AllocationId:       ptr(a.ID),
		PublicIp:           ptr(a.PublicIP),
		Domain:             ptr(a.Domain),
		PublicIpv4Pool:     ptr("amazon"),
		NetworkBorderGroup: ptr(a.BorderGroup),
		Tags:               apiTags(a.Tags),
	}
	if a.AssocID != "" {
		out.AssociationId = ptr(a.AssocID)
		out.PrivateIpAddress = ptr(a.PrivateIP)
		if a.ENI != "" {
			out.NetworkInterfaceId, out.NetworkInterfaceOwnerId = ptr(a.ENI), ptr(a.Owner)
		}
		if a.Instance != "" {
			out.InstanceId = ptr(a.Instance)
		}
	}
	return out
}

var addressFilters = sync.OnceValue(func() filterDefs[*addressRec] {
	return filterDefs[*addressRec]{
		"allocation-id":        func(a *addressRec) []string { return one(a.ID) },
		"association-id":       func(a *addressRec) []string { return nonEmpty(a.AssocID) },
		"domain":               func(a *addressRec) []string { return one(a.Domain) },
		"instance-id":          func(a *addressRec) []string { return nonEmpty(a.Instance) },
		"network-border-group": func(a *addressRec) []string { return one(a.BorderGroup) },
		"network-interface-id": func(a *addressRec) []string { return nonEmpty(a.ENI) },
		"network-interface-owner-id": func(a *addressRec) []string {
			if a.ENI == "" {
				return nil
			}
			return one(a.Owner)
		},
		"private-ip-address": func(a *addressRec) []string { return nonEmpty(a.PrivateIP) },
		"public-ip":          func(a *addressRec) []string { return one(a.PublicIP) },
	}
})

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return one(s)
}

// AllocateAddress allocates an Elastic IP address from the pool.
func (s *Service) AllocateAddress(ctx context.Context, in *ec2api.AllocateAddressInput) (*ec2api.AllocateAddressOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	switch d := deref(in.Domain); d {
	case "", "vpc":
	case "standard":
		return nil, invalidParam("EC2-Classic has been retired: the domain 'standard' is no longer available; use 'vpc'.")
	default:
		return nil, invalidParam("Value (%s) for parameter domain is invalid. Valid values: vpc, standard", d)
	}
	if p := deref(in.PublicIpv4Pool); p != "" && p != "amazon" {
		return nil, errf(http.StatusBadRequest, "InvalidPublicIpv4PoolID.NotFound", "The public IPv4 pool ID '%s' does not exist", p)
	}
	if in.CustomerOwnedIpv4Pool != nil || in.IpamPoolId != nil {
		return nil, invalidParam("Customer-owned and IPAM pools are not available in this account.")
	}
	tags, err := s.specTags(in.TagSpecifications, kindAddress.resourceType)
	if err != nil {
		return nil, err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	if g := deref(in.NetworkBorderGroup); g != "" && g != sc.region {
		return nil, invalidParam("Value (%s) for parameter networkBorderGroup is invalid.", g)
	}
	a := &addressRec{meta: meta{ID: s.ids.Resource("eipalloc"), Tags: tags}, Owner: sc.account, Domain: "vpc",
		BorderGroup: sc.region, Allocated: s.clock.Now()}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		n, err := addresses.count(tx, sc)
		if err != nil {
			return err
		}
		if n >= s.addressQuota() {
			return errf(http.StatusBadRequest, "AddressLimitExceeded", "The maximum number of addresses has been reached.")
		}
		a.PublicIP, err = takeAddress(tx, sc.region, sc.account+"/"+a.ID, deref(in.Address))
		if err != nil {
			return err
		}
		return addresses.put(tx, sc, a)
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.AllocateAddressOutput{AllocationId: ptr(a.ID), PublicIp: ptr(a.PublicIP), Domain: ptr(a.Domain),
		PublicIpv4Pool: ptr("amazon"), NetworkBorderGroup: ptr(a.BorderGroup)}, nil
}

// findAddress resolves an address by allocation id or, failing that, by
// public IP.
func findAddress(tx store.Tx, sc scope, allocID, publicIP string) (*addressRec, error) {
	switch {
	case allocID != "":
		return getByKind(tx, sc, addresses, kindAddress, allocID)
	case publicIP != "":
		as, err := addresses.by(tx, sc, "public-ip", publicIP)
		if err != nil {
			return nil, err
		}
		if len(as) == 0 {
			return nil, errf(http.StatusBadRequest, "InvalidAddress.NotFound", "Address '%s' not found.", publicIP)
		}
		return as[0], nil
	}
	return nil, missingParam("allocationId")
}

// DescribeAddresses lists the account's Elastic IPs (it has no paging).
func (s *Service) DescribeAddresses(ctx context.Context, in *ec2api.DescribeAddressesInput) (*ec2api.DescribeAddressesOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	if err := checkIDs(kindAddress, in.AllocationIds); err != nil {
		return nil, err
	}
	fs, err := addressFilters().compile(in.Filters)
	if err != nil {
		return nil, err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	var items []*addressRec
	err = s.st.View(ctx, func(tx store.Tx) error {
		var err error
		items, _, err = describe(tx, sc, addresses, kindAddress, query[*addressRec]{ids: in.AllocationIds, filters: fs})
		if err != nil || len(in.PublicIps) == 0 {
			return err
		}
		want := map[string]bool{}
		for _, ip := range in.PublicIps {
			as, err := addresses.by(tx, sc, "public-ip", ip)
			if err != nil {
				return err
			}
			if len(as) == 0 {
				return errf(http.StatusBadRequest, "InvalidAddress.NotFound", "Address '%s' not found.", ip)
			}
			want[ip] = true
		}
		kept := items[:0]
		for _, a := range items {
			if want[a.PublicIP] {
				kept = append(kept, a)
			}
		}
		items = kept
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := &ec2api.DescribeAddressesOutput{Addresses: make([]ec2api.Address, 0, len(items))}
	for _, a := range items {
		out.Addresses = append(out.Addresses, a.api())
	}
	return out, nil
}

// ReleaseAddress returns an unassociated address to the pool.
func (s *Service) ReleaseAddress(ctx context.Context, in *ec2api.ReleaseAddressInput) (*ec2api.ReleaseAddressOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		a, err := findAddress(tx, sc, deref(in.AllocationId), deref(in.PublicIp))
		if err != nil {
			return err
		}
		if a.AssocID != "" {
			return errf(http.StatusBadRequest, "InvalidIPAddress.InUse", "Address %s is in use.", a.PublicIP)
		}
		if err := releaseAddress(tx, sc.region, a.PublicIP); err != nil {
			return err
		}
		return addresses.delete(tx, sc, a)
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.ReleaseAddressOutput{}, nil
}

// addressTarget is what an Elastic IP can be associated with.
type addressTarget struct {
	eni, instance, vpc, privateIP string
}

// resolveAddressTarget finds the instance or network interface through the
// kinds registry: those kinds belong to later areas, and until they exist
// every id is unknown, as AWS answers for an id that names nothing.
func resolveAddressTarget(tx store.Tx, sc scope, instance, eni, privateIP string) (addressTarget, error) {
	var t addressTarget
	id, code, noun := eni, "InvalidNetworkInterfaceID.NotFound", "networkInterface"
	switch {
	case instance != "" && eni != "":
		return t, invalidCombination("The parameter instanceId cannot be used with the parameter networkInterfaceId")
	case instance != "":
		id, code, noun = instance, "InvalidInstanceID.NotFound", "instance"
	case eni == "":
		return t, missingParam("instanceId or networkInterfaceId")
	}
	missing := errf(http.StatusBadRequest, code, "The %s ID '%s' does not exist", noun, id)
	k, ok := kindOf(id)
	if !ok {
		return t, missing
	}
	fields, found, err := rawRecord(tx, sc, k, id)
	if err != nil {
		return t, err
	}
	if !found {
		return t, missing
	}
	if instance != "" {
		if err := singleInterfaceInstance(tx, sc, instance, fields); err != nil {
			return t, err
		}
	}
	t.vpc = rawString(fields, "vpc")
	t.privateIP = privateIP
	if t.privateIP == "" {
		t.privateIP = rawString(fields, "privateIp")
	}
	if instance != "" {
		t.instance, t.eni = instance, rawString(fields, "eni")
	} else {
		t.eni, t.instance = eni, rawString(fields, "instance")
	}
	return t, nil
}

// AssociateAddress maps an Elastic IP to an instance or network interface
// in a VPC with an internet gateway. An address already mapped elsewhere
// moves unless AllowReassociation is explicitly false.
func (s *Service) AssociateAddress(ctx context.Context, in *ec2api.AssociateAddressInput) (*ec2api.AssociateAddressOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	assocID := s.ids.Resource("eipassoc")
	err = s.st.Update(ctx, func(tx store.Tx) error {
		a, err := findAddress(tx, sc, deref(in.AllocationId), deref(in.PublicIp))
		if err != nil {
			return err
		}
		if a.NatGateway != "" {
			return errf(http.StatusBadRequest, "Resource.AlreadyAssociated", "resource %s is already associated with associate-id %s", a.ID, a.AssocID)
		}
		t, err := resolveAddressTarget(tx, sc, deref(in.InstanceId), deref(in.NetworkInterfaceId), deref(in.PrivateIpAddress))
		if err != nil {
			return err
		}
		// The AssociateAddress reference: "Reassociation is automatic, but
		// you can specify false to ensure the operation fails if the Elastic
		// IP address is already associated with another resource." Only an
		// explicit false refuses; an absent member moves the address.
		if a.AssocID != "" && in.AllowReassociation != nil && !*in.AllowReassociation && !(a.ENI == t.eni && a.Instance == t.instance) {
			return errf(http.StatusBadRequest, "Resource.AlreadyAssociated", "resource %s is already associated with associate-id %s", a.ID, a.AssocID)
		}
		if t.vpc != "" {
			if n, err := internetGateways.countBy(tx, sc, "attachment.vpc-id", t.vpc); err != nil {
				return err
			} else if n == 0 {
				return errf(http.StatusBadRequest, "Gateway.NotAttached", "Network %s is not attached to any internet gateway", t.vpc)
			}
		}
		oldENI, oldIP := a.ENI, a.PrivateIP
		a.AssocID, a.ENI, a.Instance, a.PrivateIP, a.VpcID = assocID, t.eni, t.instance, t.privateIP, t.vpc
		if err := addresses.put(tx, sc, a); err != nil {
			return err
		}
		// An instance's launch-time public address gives way to the
		// Elastic IP, and comes back when it leaves (instances_eip.go).
		if err := s.instanceEIPChanged(tx, sc, oldENI, oldIP, false); err != nil {
			return err
		}
		return s.instanceEIPChanged(tx, sc, t.eni, t.privateIP, true)
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.AssociateAddressOutput{AssociationId: ptr(assocID)}, nil
}

// DisassociateAddress unmaps an address. Addresses a NAT gateway holds are
// AWS-managed: only deleting the gateway frees them.
func (s *Service) DisassociateAddress(ctx context.Context, in *ec2api.DisassociateAddressInput) (*ec2api.DisassociateAddressOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	assoc, ip := deref(in.AssociationId), deref(in.PublicIp)
	if assoc == "" && ip == "" {
		return nil, missingParam("associationId")
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		var a *addressRec
		switch {
		case assoc != "":
			as, err := addresses.by(tx, sc, "association-id", assoc)
			if err != nil {
				return err
			}
			if len(as) == 0 {
				return assocNotFound(assoc)
			}
			a = as[0]
		default:
			var err error
			if a, err = findAddress(tx, sc, "", ip); err != nil {
				return err
			}
			if a.AssocID == "" {
				return nil // idempotent, as AWS documents
			}
		}
		if a.NatGateway != "" {
			return errf(http.StatusBadRequest, "AuthFailure", "You do not have permission to access the specified resource.")
		}
		oldENI, oldIP := a.ENI, a.PrivateIP
		a.AssocID, a.ENI, a.Instance, a.PrivateIP, a.VpcID = "", "", "", "", ""
		if err := addresses.put(tx, sc, a); err != nil {
			return err
		}
		return s.instanceEIPChanged(tx, sc, oldENI, oldIP, false) // instances_eip.go
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.DisassociateAddressOutput{}, nil
}
