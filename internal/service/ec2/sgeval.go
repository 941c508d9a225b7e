package ec2

import (
	"net/netip"
	"slices"
	"strconv"
)

// Evaluation of security group rules and network ACL entries against a
// packet: the pure functions data-plane work (instances, reachability,
// "which rule blocks this connection") builds on.

// IANA protocol numbers the evaluators know by name.
const (
	ipICMP   = 1
	ipTCP    = 6
	ipUDP    = 17
	ipICMPv6 = 58
)

// packet is a connection's first packet as rules see it.
type packet struct {
	Proto int // IANA protocol number
	// Port is the destination port (tcp, udp) or the ICMP type.
	Port int
	// Code is the ICMP code; other protocols ignore it.
	Code int
	// Peer is the other end: the source of inbound traffic, the
	// destination of outbound traffic.
	Peer netip.Addr
	// PeerGroups are the security groups of the peer's interface, when it
	// is in the same VPC or a peered one; rules that reference a group
	// match on them.
	PeerGroups []string
	// Peering is the active VPC peering connection the peer is reached
	// across, "" when it is in the same VPC. A rule that references a
	// group across a connection matches only peers reached across that
	// connection while it is active, so a rule made stale by a deleted
	// connection matches nothing.
	Peering string
}

// protoNumber is the IANA number of a canonical rule protocol, or -1 for
// all protocols.
func protoNumber(proto string) int {
	switch proto {
	case "tcp":
		return ipTCP
	case "udp":
		return ipUDP
	case "icmp":
		return ipICMP
	case "icmpv6":
		return ipICMPv6
	}
	n, err := strconv.Atoi(proto)
	if err != nil {
		return -2 // matches nothing
	}
	return n
}

// portsMatch applies a rule's from/to (ports, or ICMP type and code, -1
// meaning any) to a packet of a protocol that has them.
func portsMatch(proto int, from, to int64, p packet) bool {
	switch proto {
	case ipTCP, ipUDP:
		return int64(p.Port) >= from && int64(p.Port) <= to
	case ipICMP, ipICMPv6:
		return (from == -1 || int64(p.Port) == from) && (to == -1 || int64(p.Code) == to)
	}
	return true
}

func cidrHas(cidr string, a netip.Addr) bool {
	pfx, err := netip.ParsePrefix(cidr)
	return err == nil && a.IsValid() && pfx.Contains(a.Unmap())
}

// sgAllows reports whether the rules of an interface's security groups
// (all of them, from every group) let p through in one direction.
//
// Security groups only allow, so any matching rule decides and no match
// denies. They are stateful: the reply to an allowed connection is allowed
// whatever the rules of the other direction say, so callers evaluate the
// direction that opens the connection only. Rules whose peer is a prefix
// list match nothing until prefix lists exist.
func sgAllows(rules []*sgRuleRec, egress bool, p packet) bool {
	for _, r := range rules {
		if r.Egress != egress {
			continue
		}
		if n := protoNumber(r.Protocol); n != -1 && (n != p.Proto || !portsMatch(n, r.From, r.To, p)) {
			continue
		}
		switch {
		case r.Cidr != "":
			if cidrHas(r.Cidr, p.Peer) {
				return true
			}
		case r.Cidr6 != "":
			if cidrHas(r.Cidr6, p.Peer) {
				return true
			}
		case r.RefGroup != "":
			if r.RefPcx == p.Peering && slices.Contains(p.PeerGroups, r.RefGroup) {
				return true
			}
		}
	}
	return false
}
