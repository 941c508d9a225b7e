package ec2

import (
	"math/big"
	"net/netip"
)

// VPC and subnet IPv4 blocks must be between /16 and /28 (VPC user guide,
// "VPC CIDR blocks").
const (
	minPrefix = 16
	maxPrefix = 28
)

// reservedPerSubnet is how many addresses AWS keeps in every subnet: the
// network address, the VPC router, DNS, one for future use, and the
// broadcast address.
const reservedPerSubnet = 5

// parseIPv4Block parses an IPv4 CIDR as EC2 accepts it. Host bits are
// allowed and cleared: AWS answers CreateVpc with "10.0.0.1/16" by
// creating 10.0.0.0/16.
func parseIPv4Block(s string) (netip.Prefix, bool) {
	p, err := netip.ParsePrefix(s)
	if err != nil || !p.Addr().Is4() {
		return netip.Prefix{}, false
	}
	return p.Masked(), true
}

// parseIPv6Block parses an IPv6 CIDR, host bits cleared.
func parseIPv6Block(s string) (netip.Prefix, bool) {
	p, err := netip.ParsePrefix(s)
	if err != nil || !p.Addr().Is6() || p.Addr().Is4In6() {
		return netip.Prefix{}, false
	}
	return p.Masked(), true
}

// sizeOK reports whether an IPv4 block has a size VPCs and subnets accept.
func sizeOK(p netip.Prefix) bool { return p.Bits() >= minPrefix && p.Bits() <= maxPrefix }

// contains reports whether outer covers all of inner.
func contains(outer, inner netip.Prefix) bool {
	return outer.Bits() <= inner.Bits() && outer.Contains(inner.Addr())
}

// overlaps reports whether two blocks share any address.
func overlaps(a, b netip.Prefix) bool { return a.Overlaps(b) }

// addressCount is the number of addresses in an IPv4 block.
func addressCount(p netip.Prefix) int64 { return int64(1) << (32 - p.Bits()) }

// usableAddresses is a fresh subnet's AvailableIpAddressCount.
func usableAddresses(p netip.Prefix) int64 { return addressCount(p) - reservedPerSubnet }

// reservedAddresses lists the five addresses AWS reserves in a subnet, in
// order: network, router (+1), DNS (+2), future use (+3), broadcast.
func reservedAddresses(p netip.Prefix) []netip.Addr {
	base := p.Masked().Addr()
	out := make([]netip.Addr, 0, reservedPerSubnet)
	a := base
	for range 4 {
		out = append(out, a)
		a = a.Next()
	}
	return append(out, lastAddr(p))
}

// lastAddr is the highest address of a block.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().AsSlice()
	host := len(b)*8 - p.Bits()
	for i := len(b) - 1; i >= 0 && host > 0; i-- {
		n := min(host, 8)
		b[i] |= byte(1<<n - 1)
		host -= n
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// nthBlock returns the n-th block of size bits inside p (n from 0), e.g.
// the third /20 of 172.31.0.0/16 is 172.31.32.0/20. ok is false when p
// holds fewer than n+1 such blocks.
func nthBlock(p netip.Prefix, bits, n int) (netip.Prefix, bool) {
	total := p.Addr().BitLen()
	if bits < p.Bits() || bits > total || n < 0 {
		return netip.Prefix{}, false
	}
	if span := bits - p.Bits(); span < 62 && n >= 1<<span {
		return netip.Prefix{}, false
	}
	v := new(big.Int).SetBytes(p.Masked().Addr().AsSlice())
	off := new(big.Int).Lsh(big.NewInt(int64(n)), uint(total-bits))
	v.Add(v, off)
	buf := make([]byte, total/8)
	v.FillBytes(buf)
	a, _ := netip.AddrFromSlice(buf)
	return netip.PrefixFrom(a, bits), true
}

// rfc1918 are the private ranges; a VPC's secondary blocks must come from
// the same one as its primary block when that is private.
var rfc1918 = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"),
}

// sharedSpace is RFC 6598's 100.64.0.0/10 and benchmark is RFC 2544's
// 198.19.0.0/16: both may be added to any VPC.
var (
	sharedSpace = netip.MustParsePrefix("100.64.0.0/10")
	benchmark   = netip.MustParsePrefix("198.19.0.0/16")
)

// privateRange returns the RFC 1918 range holding p, or -1.
func privateRange(p netip.Prefix) int {
	for i, r := range rfc1918 {
		if contains(r, p) {
			return i
		}
	}
	return -1
}

// restricted are ranges no VPC block may use at all (VPC user guide, "IPv4
// CIDR block association restrictions"): this network, loopback, link
// local, multicast and reserved.
var restricted = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("127.0.0.0/8"),
	netip.MustParsePrefix("169.254.0.0/16"),
	netip.MustParsePrefix("224.0.0.0/4"),
	netip.MustParsePrefix("240.0.0.0/4"),
}

func isRestricted(p netip.Prefix) bool {
	for _, r := range restricted {
		if r.Overlaps(p) {
			return true
		}
	}
	return false
}

// secondaryAllowed applies AWS's table of which secondary blocks a VPC may
// add given its primary block: a private primary admits the same private
// range, 100.64.0.0/10, 198.19.0.0/16, or public space; a public primary
// admits anything but the RFC 1918 ranges.
func secondaryAllowed(primary, secondary netip.Prefix) bool {
	if isRestricted(secondary) {
		return false
	}
	pr, sr := privateRange(primary), privateRange(secondary)
	if sr < 0 {
		return true
	}
	return pr == sr
}
