package ec2

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"hakoniwa/internal/store"

	ec2api "hakoniwa/internal/api/ec2"
)

// Network ACLs: CreateNetworkAcl, DeleteNetworkAcl, DescribeNetworkAcls,
// entries and subnet associations. Evaluation is in acleval.go.

// defaultACLEntries are the entries a VPC's default network ACL starts
// with: rule 100 allows all IPv4 traffic in each direction.
func defaultACLEntries() []aclEntry {
	return []aclEntry{
		{Number: 100, Protocol: protoAll, Allow: true, Cidr: "0.0.0.0/0"},
		{Number: 100, Egress: true, Protocol: protoAll, Allow: true, Cidr: "0.0.0.0/0"},
	}
}

// implicitAssocID is the association id of a subnet still on its VPC's
// default network ACL: stable, well-formed, and needing no record.
func implicitAssocID(subnetID string) string {
	_, hex, _ := cutDash(subnetID)
	return "aclassoc-" + hex
}

func getACL(tx store.Tx, sc scope, id string) (*networkACLRec, error) {
	if !wellFormed(id, "acl") {
		return nil, kindACL.malformed(id)
	}
	a, err := networkACLs.get(tx, sc, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, kindACL.notFound(id)
	}
	return a, err
}

// aclAssoc is one subnet association as DescribeNetworkAcls shows it.
type aclAssoc struct{ id, subnet string }

// aclView is an ACL with its associations and every entry including the
// "*" ones: what DescribeNetworkAcls filters and renders.
type aclView struct {
	*networkACLRec
	assocs  []aclAssoc
	entries []aclEntry
}

// loadACLView gathers an ACL's associations: its explicit ones, and for a
// default ACL every subnet of the VPC that has none.
func loadACLView(tx store.Tx, sc scope, a *networkACLRec) (*aclView, error) {
	v := &aclView{networkACLRec: a}
	explicit, err := aclAssocs.by(tx, sc, "network-acl-id", a.ID)
	if err != nil {
		return nil, err
	}
	for _, x := range explicit {
		v.assocs = append(v.assocs, aclAssoc{x.AssocID, x.ID})
	}
	if a.IsDefault {
		sns, err := subnets.idsBy(tx, sc, "vpc-id", a.VpcID)
		if err != nil {
			return nil, err
		}
		for _, sn := range sns {
			if _, err := aclAssocs.get(tx, sc, sn); errors.Is(err, store.ErrNotFound) {
				v.assocs = append(v.assocs, aclAssoc{implicitAssocID(sn), sn})
			} else if err != nil {
				return nil, err
			}
		}
	}
	slices.SortFunc(v.assocs, func(x, y aclAssoc) int { return strings.Compare(x.subnet, y.subnet) })
	v.entries = slices.Clone(a.Entries)
	v.entries = append(v.entries,
		aclEntry{Number: aclDefaultRule, Protocol: protoAll, Cidr: "0.0.0.0/0"},
		aclEntry{Number: aclDefaultRule, Egress: true, Protocol: protoAll, Cidr: "0.0.0.0/0"})
	if vpc, err := vpcs.get(tx, sc, a.VpcID); err == nil && len(vpc.Ipv6) > 0 {
		v.entries = append(v.entries,
			aclEntry{Number: aclDefaultRuleV6, Protocol: protoAll, Cidr6: "::/0"},
			aclEntry{Number: aclDefaultRuleV6, Egress: true, Protocol: protoAll, Cidr6: "::/0"})
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	// AWS lists egress entries first, each direction by rule number.
	slices.SortFunc(v.entries, func(x, y aclEntry) int {
		if x.Egress != y.Egress {
			if x.Egress {
				return -1
			}
			return 1
		}
		return int(x.Number - y.Number)
	})
	return v, nil
}

func (e aclEntry) action() string {
	if e.Allow {
		return "allow"
	}
	return "deny"
}

func (e aclEntry) api() ec2api.NetworkAclEntry {
	out := ec2api.NetworkAclEntry{
		RuleNumber:    ptr(e.Number),
		Egress:        ptr(e.Egress),
		Protocol:      ptr(e.Protocol),
		RuleAction:    ptr(e.action()),
		CidrBlock:     optional(e.Cidr),
		Ipv6CidrBlock: optional(e.Cidr6),
	}
	if e.Ports != nil {
		out.PortRange = &ec2api.PortRange{From: ptr(e.Ports.From), To: ptr(e.Ports.To)}
	}
	if e.ICMP != nil {
		out.IcmpTypeCode = &ec2api.IcmpTypeCode{Type: ptr(e.ICMP.Type), Code: ptr(e.ICMP.Code)}
	}
	return out
}

func (v *aclView) api() ec2api.NetworkAcl {
	out := ec2api.NetworkAcl{
		NetworkAclId: ptr(v.ID),
		VpcId:        ptr(v.VpcID),
		OwnerId:      ptr(v.Owner),
		IsDefault:    ptr(v.IsDefault),
		Tags:         apiTags(v.Tags),
		Associations: []ec2api.NetworkAclAssociation{},
		Entries:      make([]ec2api.NetworkAclEntry, 0, len(v.entries)),
	}
	for _, a := range v.assocs {
		out.Associations = append(out.Associations, ec2api.NetworkAclAssociation{
			NetworkAclAssociationId: ptr(a.id), NetworkAclId: ptr(v.ID), SubnetId: ptr(a.subnet)})
	}
	for _, e := range v.entries {
		out.Entries = append(out.Entries, e.api())
	}
	return out
}

// entryValues gathers a value of every entry (both directions).
func (v *aclView) entryValues(value func(aclEntry) (string, bool)) []string {
	var out []string
	for _, e := range v.entries {
		if s, ok := value(e); ok {
			out = append(out, s)
		}
	}
	return out
}

func (v *aclView) assocValues(value func(aclAssoc) string) []string {
	var out []string
	for _, a := range v.assocs {
		out = append(out, value(a))
	}
	return out
}

var aclFilters = sync.OnceValue(func() filterDefs[*aclView] {
	return filterDefs[*aclView]{
		"association.association-id": func(v *aclView) []string { return v.assocValues(func(a aclAssoc) string { return a.id }) },
		"association.network-acl-id": func(v *aclView) []string {
			return v.assocValues(func(aclAssoc) string { return v.ID })
		},
		"association.subnet-id": func(v *aclView) []string { return v.assocValues(func(a aclAssoc) string { return a.subnet }) },
		"default":               func(v *aclView) []string { return boolValue(v.IsDefault) },
		"entry.cidr": func(v *aclView) []string {
			return v.entryValues(func(e aclEntry) (string, bool) { return e.Cidr, e.Cidr != "" })
		},
		"entry.ipv6-cidr": func(v *aclView) []string {
			return v.entryValues(func(e aclEntry) (string, bool) { return e.Cidr6, e.Cidr6 != "" })
		},
		"entry.icmp.code": func(v *aclView) []string {
			return v.entryValues(func(e aclEntry) (string, bool) {
				if e.ICMP == nil {
					return "", false
				}
				return itoa(e.ICMP.Code), true
			})
		},
		"entry.icmp.type": func(v *aclView) []string {
			return v.entryValues(func(e aclEntry) (string, bool) {
				if e.ICMP == nil {
					return "", false
				}
				return itoa(e.ICMP.Type), true
			})
		},
		"entry.port-range.from": func(v *aclView) []string {
			return v.entryValues(func(e aclEntry) (string, bool) {
				if e.Ports == nil {
					return "", false
				}
				return itoa(e.Ports.From), true
			})
		},
		"entry.port-range.to": func(v *aclView) []string {
			return v.entryValues(func(e aclEntry) (string, bool) {
				if e.Ports == nil {
					return "", false
				}
				return itoa(e.Ports.To), true
			})
		},
		"entry.protocol": func(v *aclView) []string {
			return v.entryValues(func(e aclEntry) (string, bool) { return e.Protocol, true })
		},
		"entry.rule-action": func(v *aclView) []string {
			return v.entryValues(func(e aclEntry) (string, bool) { return e.action(), true })
		},
		"entry.egress": func(v *aclView) []string {
			return v.entryValues(func(e aclEntry) (string, bool) { return strconv.FormatBool(e.Egress), true })
		},
		"entry.rule-number": func(v *aclView) []string {
			return v.entryValues(func(e aclEntry) (string, bool) { return itoa(e.Number), true })
		},
		"network-acl-id": func(v *aclView) []string { return one(v.ID) },
		"owner-id":       func(v *aclView) []string { return one(v.Owner) },
		"vpc-id":         func(v *aclView) []string { return one(v.VpcID) },
	}
})

// CreateNetworkAcl creates a network ACL in a VPC, denying everything
// until entries are added.
func (s *Service) CreateNetworkAcl(ctx context.Context, in *ec2api.CreateNetworkAclInput) (*ec2api.CreateNetworkAclOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	if in.VpcId == nil {
		return nil, missingParam("vpcId")
	}
	tags, err := s.specTags(in.TagSpecifications, "network-acl")
	if err != nil {
		return nil, err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	a := &networkACLRec{meta: meta{ID: s.ids.Resource("acl"), Tags: tags}, Owner: sc.account, VpcID: *in.VpcId}
	var view *aclView
	err = s.st.Update(ctx, func(tx store.Tx) error {
		if _, err := getVPC(tx, sc, *in.VpcId); err != nil {
			return err
		}
		n, err := networkACLs.countBy(tx, sc, "vpc-id", a.VpcID)
		if err != nil {
			return err
		}
		if n >= quota(s.quotas.NetworkACLsPerVPC, 200) {
			return errf(http.StatusBadRequest, "NetworkAclLimitExceeded", "The maximum number of network ACLs has been reached.")
		}
		if err := networkACLs.put(tx, sc, a); err != nil {
			return err
		}
		view, err = loadACLView(tx, sc, a)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := view.api()
	return &ec2api.CreateNetworkAclOutput{NetworkAcl: &out, ClientToken: in.ClientToken}, nil
}

// DeleteNetworkAcl deletes an ACL no subnet is associated with; the
// default ACL lives as long as its VPC.
func (s *Service) DeleteNetworkAcl(ctx context.Context, in *ec2api.DeleteNetworkAclInput) (*ec2api.DeleteNetworkAclOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	id := deref(in.NetworkAclId)
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		a, err := getACL(tx, sc, id)
		if err != nil {
			return err
		}
		if a.IsDefault {
			return invalidParam("cannot delete default network ACL %s", a.ID)
		}
		if n, err := aclAssocs.countBy(tx, sc, "network-acl-id", a.ID); err != nil || n > 0 {
			return orErr(err, errf(http.StatusBadRequest, "DependencyViolation", "The networkAcl '%s' has dependencies and cannot be deleted.", a.ID))
		}
		return networkACLs.delete(tx, sc, a)
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.DeleteNetworkAclOutput{}, nil
}

// DescribeNetworkAcls lists ACLs by id and filters.
func (s *Service) DescribeNetworkAcls(ctx context.Context, in *ec2api.DescribeNetworkAclsInput) (*ec2api.DescribeNetworkAclsOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	if err := checkIDs(kindACL, in.NetworkAclIds); err != nil {
		return nil, err
	}
	fs, err := aclFilters().compile(in.Filters)
	if err != nil {
		return nil, err
	}
	pg, err := parsePage(in.MaxResults, in.NextToken, len(in.NetworkAclIds) > 0, "networkAclIds", describeLimits)
	if err != nil {
		return nil, err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	var items []*aclView
	var next string
	err = s.st.View(ctx, func(tx store.Tx) error {
		var err error
		items, next, err = describeViews(tx, sc, networkACLs, kindACL, in.NetworkAclIds, fs, pg, func(a *networkACLRec) (*aclView, error) {
			return loadACLView(tx, sc, a)
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	out := &ec2api.DescribeNetworkAclsOutput{NetworkAcls: make([]ec2api.NetworkAcl, 0, len(items))}
	for _, v := range items {
		out.NetworkAcls = append(out.NetworkAcls, v.api())
	}
	if next != "" {
		out.NextToken = &next
	}
	return out, nil
}

// aclProtocol canonicalizes an entry's protocol to its number: AWS takes
// numbers, -1, and the names of the protocols with ports or ICMP types.
func aclProtocol(p *string) (string, error) {
	if p == nil {
		return "", missingParam("protocol")
	}
	switch s := strings.ToLower(*p); s {
	case "-1", "all":
		return protoAll, nil
	case "tcp":
		return "6", nil
	case "udp":
		return "17", nil
	case "icmp":
		return "1", nil
	case "icmpv6":
		return "58", nil
	default:
		if n, err := strconv.Atoi(s); err == nil && n >= 0 && n <= 255 {
			return strconv.Itoa(n), nil
		}
	}
	return "", invalidParam("Invalid value '%s' for protocol. Valid values are -1 (all), a protocol number from 0 to 255, tcp, udp, icmp and icmpv6.", *p)
}

// entryInput is what CreateNetworkAclEntry and ReplaceNetworkAclEntry
// share.
type entryInput struct {
	number         *int64
	protocol       *string
	action         *string
	egress         *bool
	cidr, cidr6    *string
	icmp           *ec2api.IcmpTypeCode
	ports          *ec2api.PortRange
	networkACLID   *string
	dry            *bool
	mustExist      bool // Replace
	mustNotExist   bool // Create
	deleteExisting bool // Delete
}

// parseACLEntry validates an entry.
func parseACLEntry(in entryInput) (aclEntry, error) {
	var e aclEntry
	if in.number == nil {
		return e, missingParam("ruleNumber")
	}
	if n := *in.number; n < 1 || n > 32766 {
		return e, invalidParam("Invalid value '%d' for ruleNumber. Rule numbers must be between 1 and 32766.", n)
	}
	e.Number = *in.number
	proto, err := aclProtocol(in.protocol)
	if err != nil {
		return e, err
	}
	e.Protocol = proto
	if in.action == nil {
		return e, missingParam("ruleAction")
	}
	switch strings.ToLower(*in.action) {
	case "allow":
		e.Allow = true
	case "deny":
	default:
		return e, invalidParam("Value (%s) for parameter ruleAction is invalid. Valid values: allow, deny", *in.action)
	}
	if in.egress == nil {
		return e, missingParam("egress")
	}
	e.Egress = *in.egress
	switch {
	case in.cidr != nil && in.cidr6 != nil:
		return e, invalidCombination("The parameter 'cidrBlock' may not be used in combination with 'ipv6CidrBlock'.")
	case in.cidr != nil:
		p, ok := parseIPv4Block(*in.cidr)
		if !ok {
			return e, invalidCIDRParam(*in.cidr)
		}
		e.Cidr = p.String()
	case in.cidr6 != nil:
		p, ok := parseIPv6Block(*in.cidr6)
		if !ok {
			return e, invalidParam("Value (%s) for parameter ipv6CidrBlock is invalid. This is not a valid IPv6 CIDR block.", *in.cidr6)
		}
		e.Cidr6 = p.String()
	default:
		return e, missingParam("cidrBlock")
	}
	switch proto {
	case "6", "17":
		if in.ports == nil || in.ports.From == nil || in.ports.To == nil {
			return e, missingParam("portRange")
		}
		from, to := *in.ports.From, *in.ports.To
		if from < 0 || to > 65535 || from > to {
			return e, invalidParam("Invalid value for portRange. Ports must be between 0 and 65535, from no greater than to (from %d, to %d).", from, to)
		}
		e.Ports = &portRange{from, to}
	case "1", "58":
		// ICMPv6 with an IPv4 block matches every type; AWS ignores the
		// type and code then.
		if proto == "58" && e.Cidr != "" {
			break
		}
		if in.icmp == nil || in.icmp.Type == nil || in.icmp.Code == nil {
			return e, missingParam("icmpTypeCode")
		}
		t, c := *in.icmp.Type, *in.icmp.Code
		if t < -1 || t > 255 || c < -1 || c > 255 {
			return e, invalidParam("Invalid value for icmpTypeCode. Type and code must be between -1 and 255 (type %d, code %d).", t, c)
		}
		e.ICMP = &icmpMatch{t, c}
	}
	return e, nil
}

func direction(egress bool) string {
	if egress {
		return "egress"
	}
	return "ingress"
}

func entryNotFound(egress bool, n int64) error {
	return errf(http.StatusBadRequest, "InvalidNetworkAclEntry.NotFound", "no %s entry with number %d", direction(egress), n)
}

// changeEntry runs Create, Replace and Delete of an entry.
func (s *Service) changeEntry(ctx context.Context, in entryInput) error {
	if err := dryRun(in.dry); err != nil {
		return err
	}
	var e aclEntry
	if in.deleteExisting {
		if in.number == nil {
			return missingParam("ruleNumber")
		}
		if in.egress == nil {
			return missingParam("egress")
		}
		e = aclEntry{Number: *in.number, Egress: *in.egress}
	} else {
		var err error
		if e, err = parseACLEntry(in); err != nil {
			return err
		}
	}
	id := deref(in.networkACLID)
	sc, _, err := s.scope(ctx)
	if err != nil {
		return err
	}
	return s.st.Update(ctx, func(tx store.Tx) error {
		a, err := getACL(tx, sc, id)
		if err != nil {
			return err
		}
		at, same := -1, 0
		for i, x := range a.Entries {
			if x.Egress == e.Egress {
				same++
				if x.Number == e.Number {
					at = i
				}
			}
		}
		switch {
		case in.mustNotExist && at >= 0:
			return errf(http.StatusBadRequest, "NetworkAclEntryAlreadyExists", "The network acl entry identified by %d already exists.", e.Number)
		case (in.mustExist || in.deleteExisting) && at < 0:
			return entryNotFound(e.Egress, e.Number)
		case in.deleteExisting:
			a.Entries = slices.Delete(a.Entries, at, at+1)
		case at >= 0:
			a.Entries[at] = e
		default:
			if same >= quota(s.quotas.EntriesPerNetworkACL, 20) {
				return errf(http.StatusBadRequest, "NetworkAclEntryLimitExceeded", "The maximum number of network acl entries has been reached.")
			}
			a.Entries = append(a.Entries, e)
		}
		return networkACLs.put(tx, sc, a)
	})
}

// CreateNetworkAclEntry adds a numbered entry.
func (s *Service) CreateNetworkAclEntry(ctx context.Context, in *ec2api.CreateNetworkAclEntryInput) (*ec2api.CreateNetworkAclEntryOutput, error) {
	err := s.changeEntry(ctx, entryInput{number: in.RuleNumber, protocol: in.Protocol, action: in.RuleAction, egress: in.Egress,
		cidr: in.CidrBlock, cidr6: in.Ipv6CidrBlock, icmp: in.IcmpTypeCode, ports: in.PortRange,
		networkACLID: in.NetworkAclId, dry: in.DryRun, mustNotExist: true})
	if err != nil {
		return nil, err
	}
	return &ec2api.CreateNetworkAclEntryOutput{}, nil
}

// ReplaceNetworkAclEntry rewrites an existing entry.
func (s *Service) ReplaceNetworkAclEntry(ctx context.Context, in *ec2api.ReplaceNetworkAclEntryInput) (*ec2api.ReplaceNetworkAclEntryOutput, error) {
	err := s.changeEntry(ctx, entryInput{number: in.RuleNumber, protocol: in.Protocol, action: in.RuleAction, egress: in.Egress,
		cidr: in.CidrBlock, cidr6: in.Ipv6CidrBlock, icmp: in.IcmpTypeCode, ports: in.PortRange,
		networkACLID: in.NetworkAclId, dry: in.DryRun, mustExist: true})
	if err != nil {
		return nil, err
	}
	return &ec2api.ReplaceNetworkAclEntryOutput{}, nil
}

// DeleteNetworkAclEntry removes an entry; the "*" entries are not
// entries one can name.
func (s *Service) DeleteNetworkAclEntry(ctx context.Context, in *ec2api.DeleteNetworkAclEntryInput) (*ec2api.DeleteNetworkAclEntryOutput, error) {
	err := s.changeEntry(ctx, entryInput{number: in.RuleNumber, egress: in.Egress, networkACLID: in.NetworkAclId, dry: in.DryRun, deleteExisting: true})
	if err != nil {
		return nil, err
	}
	return &ec2api.DeleteNetworkAclEntryOutput{}, nil
}

// findAssoc resolves a network ACL association id to its subnet: an
// explicit association, or the implicit one of a subnet on its default
// ACL.
func findAssoc(tx store.Tx, sc scope, assocID string) (*subnetRec, error) {
	notFound := errf(http.StatusBadRequest, "InvalidAssociationID.NotFound", "The association ID '%s' does not exist", assocID)
	if !wellFormed(assocID, "aclassoc") {
		return nil, notFound
	}
	ids, err := aclAssocs.idsBy(tx, sc, "association-id", assocID)
	if err != nil {
		return nil, err
	}
	subnetID := ""
	if len(ids) > 0 {
		subnetID = ids[0]
	} else {
		_, hex, _ := cutDash(assocID)
		subnetID = "subnet-" + hex
		if _, err := aclAssocs.get(tx, sc, subnetID); err == nil {
			return nil, notFound // replaced: the implicit id is gone
		} else if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
	}
	sn, err := subnets.get(tx, sc, subnetID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound
	}
	return sn, err
}

// ReplaceNetworkAclAssociation moves a subnet to another network ACL of
// its VPC, under a new association id.
func (s *Service) ReplaceNetworkAclAssociation(ctx context.Context, in *ec2api.ReplaceNetworkAclAssociationInput) (*ec2api.ReplaceNetworkAclAssociationOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	if in.AssociationId == nil {
		return nil, missingParam("associationId")
	}
	if in.NetworkAclId == nil {
		return nil, missingParam("networkAclId")
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	newID := s.ids.Resource("aclassoc")
	err = s.st.Update(ctx, func(tx store.Tx) error {
		a, err := getACL(tx, sc, *in.NetworkAclId)
		if err != nil {
			return err
		}
		sn, err := findAssoc(tx, sc, *in.AssociationId)
		if err != nil {
			return err
		}
		if sn.VpcID != a.VpcID {
			return invalidParam("Network ACL %s and subnet %s belong to different networks", a.ID, sn.ID)
		}
		return aclAssocs.put(tx, sc, &aclAssocRec{meta: meta{ID: sn.ID}, AssocID: newID, NetworkACL: a.ID, VpcID: a.VpcID})
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.ReplaceNetworkAclAssociationOutput{NewAssociationId: &newID}, nil
}

// deleteACLAssoc forgets a deleted subnet's association (DeleteSubnet).
func deleteACLAssoc(tx store.Tx, sc scope, subnetID string) error {
	return deleteByID(tx, sc, aclAssocs, subnetID)
}

// subnetACL returns the network ACL a subnet is associated with, for the
// data plane: its explicit association, else its VPC's default ACL.
func subnetACL(tx store.Tx, sc scope, sn *subnetRec) (*networkACLRec, error) {
	id := ""
	if x, err := aclAssocs.get(tx, sc, sn.ID); err == nil {
		id = x.NetworkACL
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	} else {
		v, err := vpcs.get(tx, sc, sn.VpcID)
		if err != nil {
			return nil, err
		}
		id = v.DefaultACL
	}
	return networkACLs.get(tx, sc, id)
}
