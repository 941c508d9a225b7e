package ec2

import (
	"encoding/binary"
	"fmt"
	"net/http"
	"net/netip"
	"strings"

	"hakoniwa/internal/store"
)

// Private addresses. Every address an interface holds is booked under its
// subnet in one bucket, keyed by the address as eight hex digits so a scan
// returns a subnet's addresses in numeric order; the value is the holding
// interface's id. Booking and freeing always change the subnet's UsedIPs in
// the same transaction, so AvailableIpAddressCount stays true.

func ipBucket(sc scope) store.Bucket {
	return store.Bucket{Account: sc.account, Region: sc.region, Service: "ec2", Kind: "network-interface@ip"}
}

func ipKey(subnet string, a netip.Addr) string {
	b := a.As4()
	return fmt.Sprintf("%s/%08x", subnet, binary.BigEndian.Uint32(b[:]))
}

// subnetIPs is one transaction's view of a subnet's taken addresses.
type subnetIPs struct {
	tx    store.Tx
	sc    scope
	sn    *subnetRec
	taken map[netip.Addr]string // address → holder id
	// reserved are the five addresses AWS keeps in every subnet.
	reserved map[netip.Addr]bool
}

// openIPs loads the subnet's booked addresses. NAT gateways predate the
// book and hold their address in their own record, so live ones are
// counted as taken too.
func openIPs(tx store.Tx, sc scope, sn *subnetRec) (*subnetIPs, error) {
	p := &subnetIPs{tx: tx, sc: sc, sn: sn, taken: map[netip.Addr]string{}, reserved: map[netip.Addr]bool{}}
	for _, a := range reservedAddresses(sn.block()) {
		p.reserved[a] = true
	}
	prefix := sn.ID + "/"
	err := tx.Scan(ipBucket(sc), prefix, "", func(k string, v []byte) bool {
		var n uint32
		if _, err := fmt.Sscanf(strings.TrimPrefix(k, prefix), "%08x", &n); err == nil {
			var b [4]byte
			binary.BigEndian.PutUint32(b[:], n)
			p.taken[netip.AddrFrom4(b)] = string(v)
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	nats, err := natGateways.by(tx, sc, "subnet-id", sn.ID)
	if err != nil {
		return nil, err
	}
	for _, n := range nats {
		if a, err := netip.ParseAddr(n.PrivateIP); err == nil && n.Deleted.IsZero() && n.FailureCode == "" {
			if _, ok := p.taken[a]; !ok {
				p.taken[a] = n.ID
			}
		}
	}
	return p, nil
}

func badAddress(ip string) error {
	return invalidParam("invalid value for parameter address: %s", ip)
}

func addressInUse() error {
	return errf(http.StatusBadRequest, "InvalidIPAddress.InUse", "The specified address is already in use.")
}

func (p *subnetIPs) insufficient() error {
	return errf(http.StatusBadRequest, "InsufficientFreeAddressesInSubnet",
		"There are not enough free addresses in subnet '%s' to satisfy the requested number of addresses.", p.sn.ID)
}

// parse checks that ip is an address interfaces may hold in the subnet:
// inside its block and not one of the five reserved.
func (p *subnetIPs) parse(ip string) (netip.Addr, error) {
	a, err := netip.ParseAddr(ip)
	if err != nil || !a.Is4() || !p.sn.block().Contains(a) || p.reserved[a] {
		return netip.Addr{}, badAddress(ip)
	}
	return a, nil
}

// holder returns who holds ip ("" if free).
func (p *subnetIPs) holder(a netip.Addr) string { return p.taken[a] }

// take books want for holder, or the lowest free address when want is "".
func (p *subnetIPs) take(want, holder string) (string, error) {
	var a netip.Addr
	if want != "" {
		var err error
		if a, err = p.parse(want); err != nil {
			return "", err
		}
		if _, used := p.taken[a]; used {
			return "", addressInUse()
		}
	} else {
		if p.sn.available() <= 0 {
			return "", p.insufficient()
		}
		var ok bool
		if a, ok = p.lowestFree(); !ok {
			return "", p.insufficient()
		}
	}
	if err := p.tx.Put(ipBucket(p.sc), ipKey(p.sn.ID, a), []byte(holder)); err != nil {
		return "", err
	}
	p.taken[a] = holder
	p.sn.UsedIPs++
	return a.String(), nil
}

// lowestFree is the first address past the reserved head that nothing
// holds, as AWS hands them out.
func (p *subnetIPs) lowestFree() (netip.Addr, bool) {
	block := p.sn.block()
	for a := block.Masked().Addr(); block.Contains(a); a = a.Next() {
		if _, used := p.taken[a]; !used && !p.reserved[a] {
			return a, true
		}
	}
	return netip.Addr{}, false
}

// move hands a booked address to another holder (AllowReassignment); the
// subnet's count does not change.
func (p *subnetIPs) move(a netip.Addr, holder string) error {
	p.taken[a] = holder
	return p.tx.Put(ipBucket(p.sc), ipKey(p.sn.ID, a), []byte(holder))
}

// release frees ip.
func (p *subnetIPs) release(ip string) error {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return nil
	}
	if _, used := p.taken[a]; !used {
		return nil
	}
	delete(p.taken, a)
	if p.sn.UsedIPs > 0 {
		p.sn.UsedIPs--
	}
	return p.tx.Delete(ipBucket(p.sc), ipKey(p.sn.ID, a))
}

// save writes the subnet with its new count.
func (p *subnetIPs) save() error { return subnets.put(p.tx, p.sc, p.sn) }

// The security group index of interfaces: "sg-…/eni-…" keys, kept in
// step by saveENI and deleteENI. DeleteSecurityGroup counts them.

func eniGroupBucket(sc scope) store.Bucket {
	return store.Bucket{Account: sc.account, Region: sc.region, Service: "ec2", Kind: "network-interface@group-id"}
}

// saveENI writes r and moves its group index entries.
func saveENI(tx store.Tx, sc scope, r *eniRec) error {
	old, err := enis.get(tx, sc, r.ID)
	if err != nil && !isNotFound(err) {
		return err
	}
	keep := map[string]bool{}
	for _, g := range r.Groups {
		keep[g] = true
	}
	if old != nil {
		for _, g := range old.Groups {
			if !keep[g] {
				if err := tx.Delete(eniGroupBucket(sc), g+"/"+r.ID); err != nil {
					return err
				}
			}
		}
	}
	for g := range keep {
		if err := tx.Put(eniGroupBucket(sc), g+"/"+r.ID, nil); err != nil {
			return err
		}
	}
	return enis.put(tx, sc, r)
}

// deleteENI removes r, its group index entries and its addresses.
func deleteENI(tx store.Tx, sc scope, r *eniRec) error {
	// A flow log of a deleted resource is deleted with it, as for subnets
	// and VPCs.
	if err := deleteFlowLogsOf(tx, sc, r.ID); err != nil {
		return err
	}
	for _, g := range r.Groups {
		if err := tx.Delete(eniGroupBucket(sc), g+"/"+r.ID); err != nil {
			return err
		}
	}
	sn, err := subnets.get(tx, sc, r.SubnetID)
	if err != nil && !isNotFound(err) {
		return err
	}
	if sn != nil {
		ips, err := openIPs(tx, sc, sn)
		if err != nil {
			return err
		}
		for _, ip := range r.addresses() {
			if a, err := netip.ParseAddr(ip); err == nil && ips.holder(a) == r.ID {
				if err := ips.release(ip); err != nil {
					return err
				}
			}
		}
		if err := ips.save(); err != nil {
			return err
		}
	}
	if err := releaseENIAddresses(tx, sc, r, nil); err != nil {
		return err
	}
	return enis.delete(tx, sc, r)
}

// eniUsesGroup reports whether any interface uses the group.
func eniUsesGroup(tx store.Tx, sc scope, group string) (bool, error) {
	n, err := tx.Count(eniGroupBucket(sc), group+"/")
	return n > 0, err
}

// releaseENIAddresses disassociates the Elastic IPs mapped to r's
// addresses (only those in only, when given), as AWS does when the
// private address or the interface goes away.
func releaseENIAddresses(tx store.Tx, sc scope, r *eniRec, only map[string]bool) error {
	as, err := addresses.by(tx, sc, "vpc-id", r.VpcID)
	if err != nil {
		return err
	}
	for _, a := range as {
		if a.ENI != r.ID || a.NatGateway != "" || (only != nil && !only[a.PrivateIP]) {
			continue
		}
		a.AssocID, a.ENI, a.Instance, a.PrivateIP, a.VpcID = "", "", "", "", ""
		if err := addresses.put(tx, sc, a); err != nil {
			return err
		}
	}
	return nil
}

// addresses lists r's private addresses, the primary first.
func (r *eniRec) addresses() []string {
	return append([]string{r.PrivateIP}, r.Secondary...)
}

// natPrivateIP checks a NAT gateway's address against the interfaces'
// book: a chosen address an interface holds is refused, a drawn one is
// replaced by the lowest free address. The NAT gateway keeps its address
// in its own record (openIPs counts it), so nothing is booked here.
func natPrivateIP(tx store.Tx, sc scope, sn *subnetRec, ip string, chosen bool) (string, error) {
	ips, err := openIPs(tx, sc, sn)
	if err != nil {
		return "", err
	}
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip, nil // refused by the caller's own checks
	}
	if h := ips.holder(a); h == "" || !strings.HasPrefix(h, "eni-") {
		return ip, nil
	}
	if chosen {
		return "", addressInUse()
	}
	free, ok := ips.lowestFree()
	if !ok {
		return "", ips.insufficient()
	}
	return free.String(), nil
}
