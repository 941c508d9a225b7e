package ec2

import (
	"slices"

	"hakoniwa/internal/store"
)

// A VPC's IPv6 block opens its defaults to IPv6 as AWS documents (default
// security groups and default network ACLs in the Amazon VPC User Guide):
// the default group gains an all-traffic egress rule to ::/0, and the
// default ACL an allow-all rule 101 for ::/0 in each direction that the
// user has not changed.

func (s *Service) ipv6Outbound(sg *securityGroupRec) *sgRuleRec {
	return &sgRuleRec{meta: meta{ID: s.ids.Resource("sgr")}, GroupID: sg.ID, Owner: sg.Owner, Egress: true,
		Protocol: protoAll, From: -1, To: -1, Cidr6: "::/0"}
}

func ipv6AllowEntry(egress bool) aclEntry {
	return aclEntry{Number: 101, Egress: egress, Protocol: protoAll, Allow: true, Cidr6: "::/0"}
}

// openDefaultsToIPv6 runs when a VPC gets its IPv6 block.
func (s *Service) openDefaultsToIPv6(tx store.Tx, sc scope, v *vpcRec) error {
	if err := s.openDefaultSG(tx, sc, v.DefaultSG); err != nil {
		return err
	}
	acl, err := networkACLs.get(tx, sc, v.DefaultACL)
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	acl.Entries = withIPv6Allow(acl.Entries)
	return networkACLs.put(tx, sc, acl)
}

func (s *Service) openDefaultSG(tx store.Tx, sc scope, id string) error {
	sg, err := securityGroups.get(tx, sc, id)
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	rules, err := sgRules.by(tx, sc, "group-id", sg.ID)
	if err != nil {
		return err
	}
	for _, r := range rules {
		if r.Egress && r.Cidr6 == "::/0" && r.Protocol == protoAll {
			return nil
		}
	}
	return putRule(tx, sc, s.ipv6Outbound(sg))
}

// withIPv6Allow adds rule 101 for ::/0 to each direction whose entries
// are still the default ones.
func withIPv6Allow(entries []aclEntry) []aclEntry {
	out := slices.Clone(entries)
	for _, egress := range []bool{false, true} {
		var mine, def []aclEntry
		for _, e := range entries {
			if e.Egress == egress {
				mine = append(mine, e)
			}
		}
		for _, e := range defaultACLEntries() {
			if e.Egress == egress {
				def = append(def, e)
			}
		}
		if slices.EqualFunc(mine, def, func(a, b aclEntry) bool {
			return a.Number == b.Number && a.Allow == b.Allow && a.Cidr == b.Cidr && a.Protocol == b.Protocol
		}) {
			out = append(out, ipv6AllowEntry(egress))
		}
	}
	return out
}
