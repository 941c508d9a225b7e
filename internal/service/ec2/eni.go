package ec2

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"hakoniwa/internal/store"

	ec2api "hakoniwa/internal/api/ec2"
)

// Network interface limits AWS documents.
const (
	groupsPerInterface = 5   // "Security groups per network interface"
	maxENIDescription  = 255 // Description length
)

// Interface statuses as the API spells them.
const (
	eniAvailable = "available"
	eniInUse     = "in-use"
)

func (r *eniRec) status() string {
	if r.Instance != "" {
		return eniInUse
	}
	return eniAvailable
}

func (r *eniRec) sourceDestCheck() bool { return !r.NoSourceDestCheck }

// privateDNSName is the EC2 internal host name of an address: us-east-1
// uses ec2.internal, every other Region <region>.compute.internal.
func privateDNSName(region, ip string) string {
	host := "ip-" + strings.ReplaceAll(ip, ".", "-")
	if region == "us-east-1" {
		return host + ".ec2.internal"
	}
	return host + "." + region + ".compute.internal"
}

func eniInUseErr(id string) error {
	return errf(http.StatusBadRequest, "InvalidNetworkInterface.InUse", "Network interface '%s' is currently in use.", id)
}

// managedInUse is AWS's answer to changing an interface a service owns.
func managedInUse(id string) error {
	return invalidParam("Network interface '%s' is currently in use.", id)
}

func differentNetworksGroups() error {
	return errf(http.StatusBadRequest, "InvalidGroup.NotFound", "You have specified two resources that belong to different networks.")
}

// eniView renders interfaces inside one read, caching what several
// interfaces share: group names and each VPC's Elastic IP associations.
type eniView struct {
	tx     store.Tx
	sc     scope
	groups map[string]string                 // group id → name
	eips   map[string]map[string]*addressRec // vpc → "eni/privateIp" → address
	dns    map[string]bool                   // vpc → enableDnsHostnames
	err    error
}

func newENIView(tx store.Tx, sc scope) *eniView {
	return &eniView{tx: tx, sc: sc, groups: map[string]string{}, eips: map[string]map[string]*addressRec{}, dns: map[string]bool{}}
}

func (v *eniView) fail(err error) {
	if err != nil && v.err == nil {
		v.err = err
	}
}

func (v *eniView) groupName(id string) string {
	if n, ok := v.groups[id]; ok {
		return n
	}
	g, err := securityGroups.get(v.tx, v.sc, id)
	if err != nil && !isNotFound(err) {
		v.fail(err)
	}
	name := ""
	if g != nil {
		name = g.Name
	}
	v.groups[id] = name
	return name
}

// eip returns the Elastic IP mapped to one of r's addresses, if any.
func (v *eniView) eip(r *eniRec, ip string) *addressRec {
	m, ok := v.eips[r.VpcID]
	if !ok {
		m = map[string]*addressRec{}
		as, err := addresses.by(v.tx, v.sc, "vpc-id", r.VpcID)
		v.fail(err)
		for _, a := range as {
			if a.ENI != "" {
				m[a.ENI+"/"+a.PrivateIP] = a
			}
		}
		v.eips[r.VpcID] = m
	}
	return m[r.ID+"/"+ip]
}

func (v *eniView) dnsHostnames(vpcID string) bool {
	if on, ok := v.dns[vpcID]; ok {
		return on
	}
	vp, err := vpcs.get(v.tx, v.sc, vpcID)
	if err != nil && !isNotFound(err) {
		v.fail(err)
	}
	on := vp != nil && vp.DNSHostname
	v.dns[vpcID] = on
	return on
}

// publicName is the public host name of a public address in vpcID: EC2
// names public addresses only in VPCs with enableDnsHostnames (the
// default VPC has it; a new VPC does not), and answers "" otherwise.
func (v *eniView) publicName(vpcID, ip string) string {
	if ip == "" || !v.dnsHostnames(vpcID) {
		return ""
	}
	return publicDNSName(v.sc.region, ip)
}

func (v *eniView) association(r *eniRec, ip string) *ec2api.NetworkInterfaceAssociation {
	a := v.eip(r, ip)
	if a == nil {
		return v.launchAssociation(r, ip) // instances_view.go
	}
	return &ec2api.NetworkInterfaceAssociation{AllocationId: ptr(a.ID), AssociationId: ptr(a.AssocID), IpOwnerId: ptr(a.Owner),
		PublicIp: ptr(a.PublicIP), PublicDnsName: ptr(v.publicName(r.VpcID, a.PublicIP))}
}

func (v *eniView) api(r *eniRec) ec2api.NetworkInterface {
	out := ec2api.NetworkInterface{
		NetworkInterfaceId: ptr(r.ID),
		AvailabilityZone:   ptr(r.Zone),
		AvailabilityZoneId: ptr(r.ZoneID),
		Description:        ptr(r.Description),
		InterfaceType:      ptr(r.Type),
		MacAddress:         ptr(r.MAC),
		OwnerId:            ptr(r.Owner),
		PrivateDnsName:     ptr(privateDNSName(v.sc.region, r.PrivateIP)),
		PrivateIpAddress:   ptr(r.PrivateIP),
		RequesterManaged:   ptr(r.RequesterManaged),
		SourceDestCheck:    ptr(r.sourceDestCheck()),
		Status:             ptr(r.status()),
		SubnetId:           ptr(r.SubnetID),
		VpcId:              ptr(r.VpcID),
		TagSet:             apiTags(r.Tags),
		Groups:             []ec2api.GroupIdentifier{},
		Ipv6Addresses:      []ec2api.NetworkInterfaceIpv6Address{},
		DenyAllIgwTraffic:  ptr(false),
		Ipv6Native:         ptr(false),
		Operator:           &ec2api.OperatorResponse{Managed: ptr(false)},
	}
	if r.RequesterID != "" {
		out.RequesterId = ptr(r.RequesterID)
	}
	for _, g := range r.Groups {
		out.Groups = append(out.Groups, ec2api.GroupIdentifier{GroupId: ptr(g), GroupName: ptr(v.groupName(g))})
	}
	for i, ip := range r.addresses() {
		out.PrivateIpAddresses = append(out.PrivateIpAddresses, ec2api.NetworkInterfacePrivateIpAddress{
			Primary: ptr(i == 0), PrivateIpAddress: ptr(ip), PrivateDnsName: ptr(privateDNSName(v.sc.region, ip)),
			Association: v.association(r, ip),
		})
	}
	out.Association = v.association(r, r.PrivateIP)
	if r.AttachmentID != "" {
		out.Attachment = &ec2api.NetworkInterfaceAttachment{
			AttachmentId: ptr(r.AttachmentID), InstanceId: ptr(r.Instance), InstanceOwnerId: ptr(r.InstanceOwner),
			DeviceIndex: ptr(r.DeviceIndex), NetworkCardIndex: ptr(r.NetworkCardIndex), Status: ptr(r.AttachStatus),
			AttachTime: ptr(r.AttachTime), DeleteOnTermination: ptr(r.DeleteOnTermination),
		}
	}
	return out
}

// filters are DescribeNetworkInterfaces' filters; the association ones
// read the Elastic IPs through the view.
func (v *eniView) filters() filterDefs[*eniRec] {
	assoc := func(field func(*addressRec) string) func(*eniRec) []string {
		return func(r *eniRec) []string {
			var out []string
			for _, ip := range r.addresses() {
				if a := v.eip(r, ip); a != nil {
					out = append(out, field(a))
				}
			}
			return out
		}
	}
	primaryAssoc := func(field func(*addressRec) string) func(*eniRec) []string {
		return func(r *eniRec) []string {
			if a := v.eip(r, r.PrivateIP); a != nil {
				return one(field(a))
			}
			return nil
		}
	}
	attached := func(field func(*eniRec) string) func(*eniRec) []string {
		return func(r *eniRec) []string {
			if r.AttachmentID == "" {
				return nil
			}
			return one(field(r))
		}
	}
	groupNames := func(r *eniRec) []string {
		var out []string
		for _, g := range r.Groups {
			out = append(out, v.groupName(g))
		}
		return out
	}
	f := filterDefs[*eniRec]{
		"network-interface-id":         func(r *eniRec) []string { return one(r.ID) },
		"subnet-id":                    func(r *eniRec) []string { return one(r.SubnetID) },
		"vpc-id":                       func(r *eniRec) []string { return one(r.VpcID) },
		"availability-zone":            func(r *eniRec) []string { return one(r.Zone) },
		"availability-zone-id":         func(r *eniRec) []string { return one(r.ZoneID) },
		"description":                  func(r *eniRec) []string { return one(r.Description) },
		"owner-id":                     func(r *eniRec) []string { return one(r.Owner) },
		"private-ip-address":           func(r *eniRec) []string { return r.addresses() },
		"addresses.private-ip-address": func(r *eniRec) []string { return r.addresses() },
		"private-dns-name":             func(r *eniRec) []string { return one(privateDNSName(v.sc.region, r.PrivateIP)) },
		"group-id":                     func(r *eniRec) []string { return r.Groups },
		"group-name":                   groupNames,
		"status":                       func(r *eniRec) []string { return one(r.status()) },
		"mac-address":                  func(r *eniRec) []string { return one(r.MAC) },
		"interface-type":               func(r *eniRec) []string { return one(r.Type) },
		"requester-managed":            func(r *eniRec) []string { return boolValue(r.RequesterManaged) },
		"requester-id":                 func(r *eniRec) []string { return nonEmpty(r.RequesterID) },
		"source-dest-check":            func(r *eniRec) []string { return boolValue(r.sourceDestCheck()) },
		// No interface here has IPv6 addresses or a managing operator.
		"ipv6-addresses.ipv6-address": func(*eniRec) []string { return nil },
		"operator.managed":            func(*eniRec) []string { return boolValue(false) },
		"operator.principal":          func(*eniRec) []string { return nil },
		"association.public-ip":       primaryAssoc(func(a *addressRec) string { return a.PublicIP }),
		"association.allocation-id":   primaryAssoc(func(a *addressRec) string { return a.ID }),
		"association.association-id":  primaryAssoc(func(a *addressRec) string { return a.AssocID }),
		"association.ip-owner-id":     primaryAssoc(func(a *addressRec) string { return a.Owner }),
		// The name of whichever public address the primary address has,
		// Elastic or launch-time, as the Association element shows it.
		"association.public-dns-name": func(r *eniRec) []string {
			if a := v.association(r, r.PrivateIP); a != nil {
				return nonEmpty(deref(a.PublicDnsName))
			}
			return nil
		},
		"addresses.association.public-ip": assoc(func(a *addressRec) string { return a.PublicIP }),
		"addresses.association.owner-id":  assoc(func(a *addressRec) string { return a.Owner }),
		"addresses.primary": func(r *eniRec) []string {
			out := []string{"true"}
			if len(r.Secondary) > 0 {
				out = append(out, "false")
			}
			return out
		},
		"attachment.attachment-id":         attached(func(r *eniRec) string { return r.AttachmentID }),
		"attachment.instance-id":           attached(func(r *eniRec) string { return r.Instance }),
		"attachment.instance-owner-id":     attached(func(r *eniRec) string { return r.InstanceOwner }),
		"attachment.device-index":          attached(func(r *eniRec) string { return itoa(r.DeviceIndex) }),
		"attachment.status":                attached(func(r *eniRec) string { return r.AttachStatus }),
		"attachment.attach-time":           attached(func(r *eniRec) string { return r.AttachTime.UTC().Format(time.RFC3339) }),
		"attachment.delete-on-termination": attached(func(r *eniRec) string { return fmt.Sprint(r.DeleteOnTermination) }),
	}
	return f
}

func getENI(tx store.Tx, sc scope, id string) (*eniRec, error) {
	return getByKind(tx, sc, enis, kindENI, id)
}

// checkGroups validates an interface's security groups: each exists and
// is in the VPC.
func checkGroups(tx store.Tx, sc scope, vpcID string, ids []string) ([]string, error) {
	if len(ids) > groupsPerInterface {
		return nil, errf(http.StatusBadRequest, "SecurityGroupsPerInterfaceLimitExceeded", "The maximum number of security groups per interface has been reached.")
	}
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		g, err := getGroup(tx, sc, id)
		if err != nil {
			return nil, err
		}
		if g.VpcID != vpcID {
			return nil, differentNetworksGroups()
		}
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out, nil
}

// eniSpec is what a new interface asks for: its addresses and groups.
type eniSpec struct {
	primary     string   // "" = the lowest free address
	secondaries []string // chosen secondary addresses
	extra       int64    // how many more secondary addresses to draw
	groups      []string // nil = the VPC's default group
	description string
	typ         string
	tags        map[string]string
	// Set for interfaces a service makes (interface endpoints).
	managed     bool
	requesterID string
	endpoint    string
}

// newENI creates an interface in the subnet inside tx: it books its
// addresses and saves the subnet's new count.
func (s *Service) newENI(tx store.Tx, sc scope, sn *subnetRec, id, mac string, sp eniSpec) (*eniRec, error) {
	groups := sp.groups
	if groups == nil {
		v, err := vpcs.get(tx, sc, sn.VpcID)
		if err != nil {
			return nil, err
		}
		groups = []string{v.DefaultSG}
	} else {
		var err error
		if groups, err = checkGroups(tx, sc, sn.VpcID, groups); err != nil {
			return nil, err
		}
	}
	r := &eniRec{meta: meta{ID: id, Tags: sp.tags}, Owner: sc.account, VpcID: sn.VpcID, SubnetID: sn.ID, Zone: sn.Zone, ZoneID: sn.ZoneID,
		Groups: groups, Description: sp.description, MAC: mac, Type: sp.typ,
		RequesterManaged: sp.managed, RequesterID: sp.requesterID, Endpoint: sp.endpoint}
	ips, err := openIPs(tx, sc, sn)
	if err != nil {
		return nil, err
	}
	// Chosen addresses first, so drawing the primary cannot take one
	// the request names.
	for _, ip := range sp.secondaries {
		got, err := ips.take(ip, id)
		if err != nil {
			return nil, err
		}
		r.Secondary = append(r.Secondary, got)
	}
	if r.PrivateIP, err = ips.take(sp.primary, id); err != nil {
		return nil, err
	}
	for range sp.extra {
		got, err := ips.take("", id)
		if err != nil {
			return nil, err
		}
		r.Secondary = append(r.Secondary, got)
	}
	if err := ips.save(); err != nil {
		return nil, err
	}
	return r, saveENI(tx, sc, r)
}

// macAddress is a locally administered unicast MAC, as AWS gives
// interfaces (02:…).
func (s *Service) macAddress() string {
	b := s.ids.Bytes(5)
	return fmt.Sprintf("02:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4])
}

// CreateNetworkInterface creates an interface in a subnet.
func (s *Service) CreateNetworkInterface(ctx context.Context, in *ec2api.CreateNetworkInterfaceInput) (*ec2api.CreateNetworkInterfaceOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	if in.SubnetId == nil {
		return nil, missingParam("subnetId")
	}
	switch {
	case len(in.Ipv6Addresses) > 0 || in.Ipv6AddressCount != nil || isTrue(in.EnablePrimaryIpv6):
		return nil, invalidParam("IPv6 addresses on network interfaces are not available in this account.")
	case len(in.Ipv4Prefixes) > 0 || in.Ipv4PrefixCount != nil || len(in.Ipv6Prefixes) > 0 || in.Ipv6PrefixCount != nil:
		return nil, invalidParam("Prefix delegation is not available in this account.")
	}
	typ := deref(in.InterfaceType)
	switch typ {
	case "":
		typ = "interface"
	case "interface", "efa", "efa-only", "trunk":
	default:
		return nil, invalidParam("Value (%s) for parameter interfaceType is invalid. Valid values: efa, efa-only, trunk", typ)
	}
	if utf8.RuneCountInString(deref(in.Description)) > maxENIDescription {
		return nil, invalidParam("Value for parameter description is invalid. Length exceeds maximum of %d characters.", maxENIDescription)
	}
	sp := eniSpec{primary: deref(in.PrivateIpAddress), groups: in.Groups, description: deref(in.Description), typ: typ}
	if in.Groups != nil && len(in.Groups) == 0 {
		sp.groups = nil
	}
	// The primary is PrivateIpAddress, else the entry marked Primary,
	// else the first entry.
	explicit := hasPrimary(in.PrivateIpAddresses)
	for i, p := range in.PrivateIpAddresses {
		ip := deref(p.PrivateIpAddress)
		if ip == "" {
			return nil, missingParam("privateIpAddresses.privateIpAddress")
		}
		if isTrue(p.Primary) || (!explicit && i == 0 && sp.primary == "") {
			if sp.primary != "" && sp.primary != ip {
				return nil, invalidCombination("Only one primary private IP address can be specified.")
			}
			sp.primary = ip
			continue
		}
		if ip == sp.primary || slices.Contains(sp.secondaries, ip) {
			return nil, invalidParam("The address %s is specified more than once.", ip)
		}
		sp.secondaries = append(sp.secondaries, ip)
	}
	if n := in.SecondaryPrivateIpAddressCount; n != nil {
		if *n < 1 {
			return nil, invalidParam("Value (%d) for parameter secondaryPrivateIpAddressCount is invalid. Expecting a value greater than 0.", *n)
		}
		if len(sp.secondaries) > 0 {
			return nil, invalidCombination("The parameter secondaryPrivateIpAddressCount cannot be used with the parameter privateIpAddresses")
		}
		sp.extra = *n
	}
	tags, err := s.specTags(in.TagSpecifications, kindENI.resourceType)
	if err != nil {
		return nil, err
	}
	sp.tags = tags
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	id, mac := s.ids.Resource("eni"), s.macAddress()
	var out ec2api.NetworkInterface
	err = s.st.Update(ctx, func(tx store.Tx) error {
		sn, err := getSubnet(tx, sc, *in.SubnetId)
		if err != nil {
			return err
		}
		r, err := s.newENI(tx, sc, sn, id, mac, sp)
		if err != nil {
			return err
		}
		v := newENIView(tx, sc)
		out = v.api(r)
		return v.err
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.CreateNetworkInterfaceOutput{NetworkInterface: &out, ClientToken: in.ClientToken}, nil
}

func hasPrimary(ps []ec2api.PrivateIpAddressSpecification) bool {
	for _, p := range ps {
		if isTrue(p.Primary) {
			return true
		}
	}
	return false
}

// DescribeNetworkInterfaces lists interfaces by id and filters.
func (s *Service) DescribeNetworkInterfaces(ctx context.Context, in *ec2api.DescribeNetworkInterfacesInput) (*ec2api.DescribeNetworkInterfacesOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	if err := checkIDs(kindENI, in.NetworkInterfaceIds); err != nil {
		return nil, err
	}
	if _, err := (&eniView{}).filters().compile(in.Filters); err != nil {
		return nil, err
	}
	pg, err := parsePage(in.MaxResults, in.NextToken, len(in.NetworkInterfaceIds) > 0, "networkInterfaceIds", describeLimits)
	if err != nil {
		return nil, err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	out := &ec2api.DescribeNetworkInterfacesOutput{NetworkInterfaces: []ec2api.NetworkInterface{}}
	err = s.st.View(ctx, func(tx store.Tx) error {
		v := newENIView(tx, sc)
		fs, err := v.filters().compile(in.Filters)
		if err != nil {
			return err
		}
		items, next, err := describe(tx, sc, enis, kindENI, query[*eniRec]{ids: in.NetworkInterfaceIds, filters: fs, page: pg})
		if err != nil {
			return err
		}
		for _, r := range items {
			out.NetworkInterfaces = append(out.NetworkInterfaces, v.api(r))
		}
		if next != "" {
			out.NextToken = &next
		}
		return v.err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteNetworkInterface deletes a detached interface the user owns,
// freeing its addresses and disassociating its Elastic IPs.
func (s *Service) DeleteNetworkInterface(ctx context.Context, in *ec2api.DeleteNetworkInterfaceInput) (*ec2api.DeleteNetworkInterfaceOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		r, err := getENI(tx, sc, deref(in.NetworkInterfaceId))
		if err != nil {
			return err
		}
		switch {
		case r.RequesterManaged:
			return managedInUse(r.ID)
		case r.AttachmentID != "":
			return eniInUseErr(r.ID)
		}
		return deleteENI(tx, sc, r)
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.DeleteNetworkInterfaceOutput{}, nil
}

// changeENI runs fn on an interface under one transaction and saves it.
func (s *Service) changeENI(ctx context.Context, id string, fn func(tx store.Tx, sc scope, r *eniRec) error) error {
	sc, _, err := s.scope(ctx)
	if err != nil {
		return err
	}
	return s.st.Update(ctx, func(tx store.Tx) error {
		r, err := getENI(tx, sc, id)
		if err != nil {
			return err
		}
		if err := fn(tx, sc, r); err != nil {
			return err
		}
		return saveENI(tx, sc, r)
	})
}

// AssignPrivateIpAddresses adds secondary addresses to an interface:
// chosen ones, or a number drawn from the subnet. With AllowReassignment
// a secondary address another interface holds moves here.
func (s *Service) AssignPrivateIpAddresses(ctx context.Context, in *ec2api.AssignPrivateIpAddressesInput) (*ec2api.AssignPrivateIpAddressesOutput, error) {
	switch {
	case len(in.Ipv4Prefixes) > 0 || in.Ipv4PrefixCount != nil:
		return nil, invalidParam("Prefix delegation is not available in this account.")
	case len(in.PrivateIpAddresses) > 0 && in.SecondaryPrivateIpAddressCount != nil:
		return nil, invalidCombination("The parameter privateIpAddresses cannot be used with the parameter secondaryPrivateIpAddressCount")
	case len(in.PrivateIpAddresses) == 0 && in.SecondaryPrivateIpAddressCount == nil:
		return nil, missingParam("privateIpAddresses or secondaryPrivateIpAddressCount")
	case in.SecondaryPrivateIpAddressCount != nil && *in.SecondaryPrivateIpAddressCount < 1:
		return nil, invalidParam("Value (%d) for parameter secondaryPrivateIpAddressCount is invalid. Expecting a value greater than 0.", *in.SecondaryPrivateIpAddressCount)
	}
	id := deref(in.NetworkInterfaceId)
	var assigned []string
	err := s.changeENI(ctx, id, func(tx store.Tx, sc scope, r *eniRec) error {
		assigned = nil
		if r.RequesterManaged {
			return managedInUse(r.ID)
		}
		sn, err := getSubnet(tx, sc, r.SubnetID)
		if err != nil {
			return err
		}
		ips, err := openIPs(tx, sc, sn)
		if err != nil {
			return err
		}
		for _, ip := range in.PrivateIpAddresses {
			a, err := ips.parse(ip)
			if err != nil {
				return err
			}
			switch holder := ips.holder(a); {
			case holder == r.ID:
				return addressInUse()
			case holder != "" && !isTrue(in.AllowReassignment):
				return addressInUse()
			case holder != "":
				if err := s.takeFrom(tx, sc, holder, a.String()); err != nil {
					return err
				}
				if err := ips.move(a, r.ID); err != nil {
					return err
				}
			default:
				if _, err := ips.take(ip, r.ID); err != nil {
					return err
				}
			}
			r.Secondary = append(r.Secondary, a.String())
			assigned = append(assigned, a.String())
		}
		if n := in.SecondaryPrivateIpAddressCount; n != nil {
			for range *n {
				got, err := ips.take("", r.ID)
				if err != nil {
					return err
				}
				r.Secondary = append(r.Secondary, got)
				assigned = append(assigned, got)
			}
		}
		return ips.save()
	})
	if err != nil {
		return nil, err
	}
	out := &ec2api.AssignPrivateIpAddressesOutput{NetworkInterfaceId: ptr(id)}
	for _, ip := range assigned {
		out.AssignedPrivateIpAddresses = append(out.AssignedPrivateIpAddresses, ec2api.AssignedPrivateIpAddress{PrivateIpAddress: ptr(ip)})
	}
	return out, nil
}

// takeFrom removes a secondary address from the interface holding it, for
// a reassignment; a primary address never moves.
func (s *Service) takeFrom(tx store.Tx, sc scope, holder, ip string) error {
	other, err := enis.get(tx, sc, holder)
	if err != nil {
		if isNotFound(err) {
			return addressInUse() // a NAT gateway's address
		}
		return err
	}
	i := slices.Index(other.Secondary, ip)
	if i < 0 || other.RequesterManaged {
		return addressInUse()
	}
	other.Secondary = slices.Delete(other.Secondary, i, i+1)
	if err := releaseENIAddresses(tx, sc, other, map[string]bool{ip: true}); err != nil {
		return err
	}
	return saveENI(tx, sc, other)
}

// UnassignPrivateIpAddresses removes secondary addresses from an
// interface; an Elastic IP mapped to one is disassociated.
func (s *Service) UnassignPrivateIpAddresses(ctx context.Context, in *ec2api.UnassignPrivateIpAddressesInput) (*ec2api.UnassignPrivateIpAddressesOutput, error) {
	switch {
	case len(in.Ipv4Prefixes) > 0:
		return nil, invalidParam("Prefix delegation is not available in this account.")
	case len(in.PrivateIpAddresses) == 0:
		return nil, missingParam("privateIpAddress")
	}
	err := s.changeENI(ctx, deref(in.NetworkInterfaceId), func(tx store.Tx, sc scope, r *eniRec) error {
		if r.RequesterManaged {
			return managedInUse(r.ID)
		}
		sn, err := getSubnet(tx, sc, r.SubnetID)
		if err != nil {
			return err
		}
		ips, err := openIPs(tx, sc, sn)
		if err != nil {
			return err
		}
		gone := map[string]bool{}
		for _, ip := range in.PrivateIpAddresses {
			if ip == r.PrivateIP {
				return invalidParam("The primary private IP address %s of network interface %s cannot be unassigned.", ip, r.ID)
			}
			i := slices.Index(r.Secondary, ip)
			if i < 0 {
				return invalidParam("Some of the specified addresses are not assigned to interface %s", r.ID)
			}
			r.Secondary = slices.Delete(r.Secondary, i, i+1)
			gone[ip] = true
			if err := ips.release(ip); err != nil {
				return err
			}
		}
		if err := releaseENIAddresses(tx, sc, r, gone); err != nil {
			return err
		}
		return ips.save()
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.UnassignPrivateIpAddressesOutput{}, nil
}

// ModifyNetworkInterfaceAttribute changes one attribute per call.
func (s *Service) ModifyNetworkInterfaceAttribute(ctx context.Context, in *ec2api.ModifyNetworkInterfaceAttributeInput) (*ec2api.ModifyNetworkInterfaceAttributeOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	var set []func(tx store.Tx, sc scope, r *eniRec) error
	if d := in.Description; d != nil {
		set = append(set, func(_ store.Tx, _ scope, r *eniRec) error {
			if utf8.RuneCountInString(deref(d.Value)) > maxENIDescription {
				return invalidParam("Value for parameter description is invalid. Length exceeds maximum of %d characters.", maxENIDescription)
			}
			r.Description = deref(d.Value)
			return nil
		})
	}
	if c := in.SourceDestCheck; c != nil {
		set = append(set, func(_ store.Tx, _ scope, r *eniRec) error { r.NoSourceDestCheck = !isTrue(c.Value); return nil })
	}
	if in.Groups != nil {
		set = append(set, func(tx store.Tx, sc scope, r *eniRec) error {
			if len(in.Groups) == 0 {
				return missingParam("groupId")
			}
			gs, err := checkGroups(tx, sc, r.VpcID, in.Groups)
			if err == nil {
				r.Groups = gs
			}
			return err
		})
	}
	if a := in.Attachment; a != nil {
		set = append(set, func(_ store.Tx, _ scope, r *eniRec) error {
			if r.AttachmentID == "" || deref(a.AttachmentId) != r.AttachmentID {
				return attachmentNotFound(deref(a.AttachmentId))
			}
			if a.DeleteOnTermination != nil {
				r.DeleteOnTermination = *a.DeleteOnTermination
			}
			return nil
		})
	}
	if in.AssociatePublicIpAddress != nil || in.EnaSrdSpecification != nil || in.ConnectionTrackingSpecification != nil ||
		in.EnablePrimaryIpv6 != nil || len(in.AssociatedSubnetIds) > 0 {
		return nil, invalidParam("This attribute of network interfaces is not available in this account.")
	}
	switch {
	case len(set) == 0:
		return nil, invalidCombination("No attributes specified.")
	case len(set) > 1:
		return nil, invalidCombination("Only one attribute can be modified at a time.")
	}
	err := s.changeENI(ctx, deref(in.NetworkInterfaceId), func(tx store.Tx, sc scope, r *eniRec) error {
		if r.RequesterManaged {
			return managedInUse(r.ID)
		}
		return set[0](tx, sc, r)
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.ModifyNetworkInterfaceAttributeOutput{}, nil
}

// DescribeNetworkInterfaceAttribute answers one attribute.
func (s *Service) DescribeNetworkInterfaceAttribute(ctx context.Context, in *ec2api.DescribeNetworkInterfaceAttributeInput) (*ec2api.DescribeNetworkInterfaceAttributeOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	attr := deref(in.Attribute)
	switch attr {
	case "description", "groupSet", "sourceDestCheck", "attachment", "associatePublicIpAddress":
	case "":
		return nil, missingParam("attribute")
	default:
		return nil, invalidParam("Value (%s) for parameter attribute is invalid. Unknown attribute.", attr)
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	var out *ec2api.DescribeNetworkInterfaceAttributeOutput
	err = s.st.View(ctx, func(tx store.Tx) error {
		r, err := getENI(tx, sc, deref(in.NetworkInterfaceId))
		if err != nil {
			return err
		}
		v := newENIView(tx, sc)
		full := v.api(r)
		out = &ec2api.DescribeNetworkInterfaceAttributeOutput{NetworkInterfaceId: ptr(r.ID)}
		switch attr {
		case "description":
			out.Description = &ec2api.AttributeValue{Value: ptr(r.Description)}
		case "groupSet":
			out.Groups = full.Groups
		case "sourceDestCheck":
			out.SourceDestCheck = &ec2api.AttributeBooleanValue{Value: ptr(r.sourceDestCheck())}
		case "attachment":
			out.Attachment = full.Attachment
		case "associatePublicIpAddress":
			out.AssociatePublicIpAddress = ptr(full.Association != nil)
		}
		return v.err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func attachmentNotFound(id string) error {
	return errf(http.StatusBadRequest, "InvalidAttachmentID.NotFound", "The attachment ID '%s' does not exist", id)
}

// AttachNetworkInterface attaches an interface to an instance in its VPC.
// Instances belong to the compute area and are found through the kinds
// registry: until they exist every instance id is unknown, as AWS answers.
func (s *Service) AttachNetworkInterface(ctx context.Context, in *ec2api.AttachNetworkInterfaceInput) (*ec2api.AttachNetworkInterfaceOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	switch {
	case in.InstanceId == nil:
		return nil, missingParam("instanceId")
	case in.DeviceIndex == nil:
		return nil, missingParam("deviceIndex")
	case *in.DeviceIndex < 0:
		return nil, invalidParam("Value (%d) for parameter deviceIndex is invalid.", *in.DeviceIndex)
	}
	instance := *in.InstanceId
	attachID := s.ids.Resource("eni-attach")
	now := s.clock.Now()
	card := int64(0)
	if in.NetworkCardIndex != nil {
		card = *in.NetworkCardIndex
	}
	err := s.changeENI(ctx, deref(in.NetworkInterfaceId), func(tx store.Tx, sc scope, r *eniRec) error {
		missing := errf(http.StatusBadRequest, "InvalidInstanceID.NotFound", "The instance ID '%s' does not exist", instance)
		k, ok := kindOf(instance)
		if !ok || k.prefix != "i" {
			return missing
		}
		fields, found, err := rawRecord(tx, sc, k, instance)
		if err != nil {
			return err
		}
		if !found {
			return missing
		}
		if instanceGone(fields) {
			return errf(http.StatusBadRequest, "IncorrectInstanceState", "The instance '%s' is not in a valid state for this operation.", instance)
		}
		if r.RequesterManaged {
			return managedInUse(r.ID)
		}
		if r.AttachmentID != "" {
			return errf(http.StatusBadRequest, "InvalidNetworkInterface.InUse", "Interface: [%s] in use.", r.ID)
		}
		if vpc := rawString(fields, "vpc"); vpc != "" && vpc != r.VpcID {
			return invalidParam("Network interface %s and instance %s belong to different networks.", r.ID, instance)
		}
		if az := rawString(fields, "az"); az != "" && az != r.Zone {
			return invalidParam("Network interface %s and instance %s are in different availability zones.", r.ID, instance)
		}
		taken, err := enis.by(tx, sc, "attachment.instance-id", instance)
		if err != nil {
			return err
		}
		for _, o := range taken {
			if o.DeviceIndex == *in.DeviceIndex && o.NetworkCardIndex == card {
				return invalidParam("Instance '%s' already has an interface attached at device index '%d'.", instance, *in.DeviceIndex)
			}
		}
		// The instance type bounds its interfaces, the primary included.
		typ := rawString(fields, "type")
		if spec, ok := lookupInstanceType(typ); ok && spec.MaxENIs > 0 && len(taken)+1 > spec.MaxENIs {
			return errf(http.StatusBadRequest, "AttachmentLimitExceeded", "Interface count %d exceeds the limit for %s", len(taken)+1, typ)
		}
		r.eniAttachment = eniAttachment{AttachmentID: attachID, Instance: instance, InstanceOwner: sc.account,
			DeviceIndex: *in.DeviceIndex, NetworkCardIndex: card, AttachStatus: "attached", AttachTime: now}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.AttachNetworkInterfaceOutput{AttachmentId: ptr(attachID), NetworkCardIndex: ptr(card)}, nil
}

// DetachNetworkInterface detaches an interface; an instance's primary
// interface (device index 0) stays.
func (s *Service) DetachNetworkInterface(ctx context.Context, in *ec2api.DetachNetworkInterfaceInput) (*ec2api.DetachNetworkInterfaceOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	id := deref(in.AttachmentId)
	if id == "" {
		return nil, missingParam("attachmentId")
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		rs, err := enis.by(tx, sc, "attachment.attachment-id", id)
		if err != nil {
			return err
		}
		if len(rs) == 0 {
			return attachmentNotFound(id)
		}
		r := rs[0]
		if r.DeviceIndex == 0 {
			return errf(http.StatusBadRequest, "OperationNotPermitted", "The network interface at device index 0 cannot be detached.")
		}
		r.eniAttachment = eniAttachment{}
		return saveENI(tx, sc, r)
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.DetachNetworkInterfaceOutput{}, nil
}
