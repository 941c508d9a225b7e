package ec2

import "slices"

// The "*" entries that end each direction of every network ACL: IPv4
// traffic no rule matched is denied by 32767, IPv6 traffic by 32768.
const (
	aclDefaultRule   = 32767
	aclDefaultRuleV6 = 32768
)

// aclDecides runs p through a network ACL's entries of one direction as
// AWS does: in ascending rule number, the first entry that matches decides
// (allow or deny), and the "*" entry denies what none matched. It returns
// the decision and the number of the deciding rule.
//
// Network ACLs are stateless: a reply is a packet of its own, checked in
// its own direction (which is why inbound rules open the ephemeral ports
// 1024-65535 for replies to outbound connections).
func aclDecides(entries []aclEntry, egress bool, p packet) (allow bool, rule int64) {
	ordered := make([]aclEntry, 0, len(entries))
	for _, e := range entries {
		if e.Egress == egress {
			ordered = append(ordered, e)
		}
	}
	slices.SortFunc(ordered, func(a, b aclEntry) int { return int(a.Number - b.Number) })
	for _, e := range ordered {
		if e.matches(p) {
			return e.Allow, e.Number
		}
	}
	if p.Peer.Is6() && !p.Peer.Is4In6() {
		return false, aclDefaultRuleV6
	}
	return false, aclDefaultRule
}

func (e aclEntry) matches(p packet) bool {
	cidr := e.Cidr
	if cidr == "" {
		cidr = e.Cidr6
	}
	if !cidrHas(cidr, p.Peer) {
		return false
	}
	n := protoNumber(e.Protocol)
	if n == -1 {
		return true
	}
	if n != p.Proto {
		return false
	}
	switch {
	case e.Ports != nil && (n == ipTCP || n == ipUDP):
		return portsMatch(n, e.Ports.From, e.Ports.To, p)
	case e.ICMP != nil && (n == ipICMP || n == ipICMPv6):
		return portsMatch(n, e.ICMP.Type, e.ICMP.Code, p)
	}
	return true
}
