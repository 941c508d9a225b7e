package ec2

import (
	"encoding/binary"
	"fmt"
	"net/http"
	"net/netip"
	"strconv"

	"hakoniwa/internal/store"
)

// The public address pool: Elastic IPs and instances' public addresses.
// The three documentation ranges of RFC 5737 (TEST-NET-1/2/3) come first:
// they look like the public addresses AWS hands out, yet can never belong
// to anyone on the internet. Past their 762 addresses the pool goes on in
// 240.0.0.0/16, of the block RFC 1112 reserves for future use, which IANA
// lists as neither forwardable nor globally reachable: so nothing built on
// hakoniwa can reach or leak to a real host through an address it was
// given, however many instances run. (198.18.0.0/15 would look more
// public, but its halves are the AWS-managed prefix lists' and a VPC's.)
// The pool is shared by every account of a Region, as AWS's is: two
// accounts never hold the same address.
var addressPool = []netip.Prefix{
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("240.0.0.0/16"),
}

// poolSize is how many addresses the pool holds: each range less its
// network and broadcast addresses.
var poolSize = func() int {
	n := 0
	for _, p := range addressPool {
		n += 1<<(32-p.Bits()) - 2
	}
	return n
}()

// poolAccount keys the Region-wide pool; it is not a 12-digit account id
// and so never collides with a real account's data.
const poolAccount = "aws"

// poolBucket maps each address in use to its holder (allocation or
// instance id).
func poolBucket(region string) store.Bucket {
	return store.Bucket{Account: poolAccount, Region: region, Service: "ec2", Kind: "address-pool"}
}

// poolFreeBucket lists the released addresses by pool index (fixed-width
// hex, so key order is pool order); poolNextBucket holds the index of the
// first address never yet handed out. Together they make a draw cost a
// lookup or two however full the pool is, and keep it deterministic: the
// lowest released address first, else the next new one.
func poolFreeBucket(region string) store.Bucket {
	return store.Bucket{Account: poolAccount, Region: region, Service: "ec2", Kind: "address-pool-free"}
}

func poolNextBucket(region string) store.Bucket {
	return store.Bucket{Account: poolAccount, Region: region, Service: "ec2", Kind: "address-pool-next"}
}

const poolNextKey = "next"

// poolAddr is the i-th address of the pool (0 ≤ i < poolSize).
func poolAddr(i int) netip.Addr {
	for _, p := range addressPool {
		n := 1<<(32-p.Bits()) - 2
		if i < n {
			b := p.Addr().As4()
			var out [4]byte
			binary.BigEndian.PutUint32(out[:], binary.BigEndian.Uint32(b[:])+uint32(i)+1)
			return netip.AddrFrom4(out)
		}
		i -= n
	}
	return netip.Addr{}
}

// poolIndex is a's place in the pool; ok is false for an address outside
// it (a range's network or broadcast address included).
func poolIndex(a netip.Addr) (int, bool) {
	if !a.Is4() {
		return 0, false
	}
	base := 0
	for _, p := range addressPool {
		n := 1<<(32-p.Bits()) - 2
		if p.Contains(a) {
			b, s := a.As4(), p.Addr().As4()
			off := int(binary.BigEndian.Uint32(b[:]) - binary.BigEndian.Uint32(s[:]))
			if off == 0 || off > n {
				return 0, false
			}
			return base + off - 1, true
		}
		base += n
	}
	return 0, false
}

func inPool(a netip.Addr) bool {
	_, ok := poolIndex(a)
	return ok
}

func freeKey(i int) string { return fmt.Sprintf("%08x", i) }

// takeAddress reserves want (if valid) or the next address of the pool
// for holder.
func takeAddress(tx store.Tx, region, holder, want string) (string, error) {
	if want != "" {
		return takeWanted(tx, region, holder, want)
	}
	for {
		i, ok, err := lowestReleased(tx, region)
		if err != nil {
			return "", err
		}
		if !ok {
			break
		}
		if err := tx.Delete(poolFreeBucket(region), freeKey(i)); err != nil {
			return "", err
		}
		if a, ok, err := claim(tx, region, holder, i); ok || err != nil {
			return a, err
		}
	}
	next, err := poolNext(tx, region)
	if err != nil {
		return "", err
	}
	// Past the cursor, only addresses asked for by name can be taken
	// already; before it, only those released before the free list
	// existed can be free: the second pass runs only when the pool is
	// nearly full.
	for _, r := range [][2]int{{next, poolSize}, {0, next}} {
		for i := r[0]; i < r[1]; i++ {
			a, ok, err := claim(tx, region, holder, i)
			if err != nil {
				return "", err
			}
			if ok {
				return a, tx.Put(poolNextBucket(region), poolNextKey, []byte(strconv.Itoa(max(i+1, next))))
			}
		}
	}
	return "", errf(http.StatusServiceUnavailable, "InsufficientAddressCapacity", "There are not enough free addresses in the Region's address pool.")
}

// takeWanted reserves the address AllocateAddress names, if it is the
// pool's and free.
func takeWanted(tx store.Tx, region, holder, want string) (string, error) {
	a, err := netip.ParseAddr(want)
	if err != nil || !a.Is4() {
		return "", invalidParam("Value (%s) for parameter address is invalid. Invalid IP address.", want)
	}
	i, in := poolIndex(a)
	if in {
		var ok bool
		if _, ok, err = claim(tx, region, holder, i); err != nil {
			return "", err
		}
		if ok {
			return a.String(), tx.Delete(poolFreeBucket(region), freeKey(i))
		}
	}
	return "", errf(http.StatusBadRequest, "InvalidAddress.NotFound", "Address '%s' not found.", want)
}

// claim takes pool address i for holder if nobody holds it.
func claim(tx store.Tx, region, holder string, i int) (string, bool, error) {
	a := poolAddr(i).String()
	_, err := tx.Get(poolBucket(region), a)
	if !isNotFound(err) {
		return "", false, err
	}
	return a, true, tx.Put(poolBucket(region), a, []byte(holder))
}

func lowestReleased(tx store.Tx, region string) (int, bool, error) {
	var key string
	err := tx.Scan(poolFreeBucket(region), "", "", func(k string, _ []byte) bool {
		key = k
		return false
	})
	if err != nil || key == "" {
		return 0, false, err
	}
	i, err := strconv.ParseInt(key, 16, 64)
	return int(i), err == nil, err
}

func poolNext(tx store.Tx, region string) (int, error) {
	v, err := tx.Get(poolNextBucket(region), poolNextKey)
	if isNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(string(v))
}

// releaseAddress gives a public address back to the pool.
func releaseAddress(tx store.Tx, region, ip string) error {
	if err := tx.Delete(poolBucket(region), ip); err != nil {
		return err
	}
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return nil
	}
	if i, ok := poolIndex(a); ok {
		return tx.Put(poolFreeBucket(region), freeKey(i), []byte{1})
	}
	return nil
}
