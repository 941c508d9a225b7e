package ec2

import (
	"net/netip"
	"testing"
)

func TestSGAllows(t *testing.T) {
	// A web server's groups: web (80/443 from anywhere, ping from the
	// office, all out) and ssh (22 from the bastion's group).
	rules := []*sgRuleRec{
		{GroupID: "sg-web", Protocol: "tcp", From: 80, To: 80, Cidr: "0.0.0.0/0"},
		{GroupID: "sg-web", Protocol: "tcp", From: 443, To: 443, Cidr: "0.0.0.0/0"},
		{GroupID: "sg-web", Protocol: "icmp", From: 8, To: -1, Cidr: "198.51.100.0/24"},
		{GroupID: "sg-web", Protocol: "udp", From: 5000, To: 5010, Cidr6: "2001:db8::/32"},
		{GroupID: "sg-web", Egress: true, Protocol: protoAll, From: -1, To: -1, Cidr: "0.0.0.0/0"},
		{GroupID: "sg-ssh", Protocol: "tcp", From: 22, To: 22, RefGroup: "sg-bastion"},
		{GroupID: "sg-ssh", Protocol: "50", From: -1, To: -1, Cidr: "192.0.2.1/32"},
		{GroupID: "sg-ssh", Protocol: "tcp", From: 8443, To: 8443, PrefixList: "pl-12345678"},
	}
	ip := netip.MustParseAddr
	tests := []struct {
		name   string
		egress bool
		p      packet
		want   bool
	}{
		{"http from anywhere", false, packet{Proto: ipTCP, Port: 80, Peer: ip("203.0.113.9")}, true},
		{"https", false, packet{Proto: ipTCP, Port: 443, Peer: ip("203.0.113.9")}, true},
		{"8080 is closed", false, packet{Proto: ipTCP, Port: 8080, Peer: ip("203.0.113.9")}, false},
		{"udp 80 is not tcp 80", false, packet{Proto: ipUDP, Port: 80, Peer: ip("203.0.113.9")}, false},
		{"ssh from the bastion group", false, packet{Proto: ipTCP, Port: 22, Peer: ip("10.0.0.5"), PeerGroups: []string{"sg-other", "sg-bastion"}}, true},
		{"ssh from elsewhere", false, packet{Proto: ipTCP, Port: 22, Peer: ip("10.0.0.5"), PeerGroups: []string{"sg-web"}}, false},
		{"ping from the office", false, packet{Proto: ipICMP, Port: 8, Code: 0, Peer: ip("198.51.100.7")}, true},
		{"ping from outside", false, packet{Proto: ipICMP, Port: 8, Peer: ip("203.0.113.9")}, false},
		{"other icmp type", false, packet{Proto: ipICMP, Port: 13, Peer: ip("198.51.100.7")}, false},
		{"udp over ipv6", false, packet{Proto: ipUDP, Port: 5005, Peer: ip("2001:db8::1")}, true},
		{"udp over ipv6, port outside", false, packet{Proto: ipUDP, Port: 5011, Peer: ip("2001:db8::1")}, false},
		{"esp by protocol number", false, packet{Proto: 50, Peer: ip("192.0.2.1")}, true},
		{"prefix lists match nothing yet", false, packet{Proto: ipTCP, Port: 8443, Peer: ip("52.0.0.1")}, false},
		{"everything out", true, packet{Proto: ipUDP, Port: 53, Peer: ip("8.8.8.8")}, true},
		{"nothing out over ipv6", true, packet{Proto: ipTCP, Port: 443, Peer: ip("2001:db8::1")}, false},
		{"v4-mapped peer", false, packet{Proto: ipTCP, Port: 80, Peer: ip("::ffff:203.0.113.9")}, true},
	}
	for _, tc := range tests {
		if got := sgAllows(rules, tc.egress, tc.p); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
	if sgAllows(nil, false, packet{Proto: ipTCP, Port: 80, Peer: ip("203.0.113.9")}) {
		t.Error("a group without rules allowed traffic")
	}
}

func TestACLDecides(t *testing.T) {
	// A public subnet's ACL: an explicit deny ahead of the web allows, the
	// ephemeral ports open for replies, ICMP echo only.
	entries := []aclEntry{
		{Number: 110, Protocol: "6", Allow: true, Cidr: "0.0.0.0/0", Ports: &portRange{443, 443}},
		{Number: 100, Protocol: "6", Allow: true, Cidr: "0.0.0.0/0", Ports: &portRange{80, 80}},
		{Number: 90, Protocol: protoAll, Cidr: "203.0.113.0/24"},
		{Number: 120, Protocol: "6", Allow: true, Cidr: "0.0.0.0/0", Ports: &portRange{1024, 65535}},
		{Number: 130, Protocol: "1", Allow: true, Cidr: "0.0.0.0/0", ICMP: &icmpMatch{8, -1}},
		{Number: 140, Protocol: "17", Allow: true, Cidr6: "::/0", Ports: &portRange{53, 53}},
		{Number: 100, Egress: true, Protocol: protoAll, Allow: true, Cidr: "0.0.0.0/0"},
	}
	ip := netip.MustParseAddr
	tests := []struct {
		name      string
		egress    bool
		p         packet
		wantAllow bool
		wantRule  int64
	}{
		{"http allowed by 100", false, packet{Proto: ipTCP, Port: 80, Peer: ip("198.51.100.1")}, true, 100},
		{"https allowed by 110", false, packet{Proto: ipTCP, Port: 443, Peer: ip("198.51.100.1")}, true, 110},
		{"explicit deny wins by number", false, packet{Proto: ipTCP, Port: 80, Peer: ip("203.0.113.5")}, false, 90},
		{"reply on an ephemeral port", false, packet{Proto: ipTCP, Port: 49152, Peer: ip("198.51.100.1")}, true, 120},
		{"ephemeral lower bound", false, packet{Proto: ipTCP, Port: 1024, Peer: ip("198.51.100.1")}, true, 120},
		{"below the ephemeral range", false, packet{Proto: ipTCP, Port: 1023, Peer: ip("198.51.100.1")}, false, aclDefaultRule},
		{"ssh falls to *", false, packet{Proto: ipTCP, Port: 22, Peer: ip("198.51.100.1")}, false, aclDefaultRule},
		{"udp reply is not tcp", false, packet{Proto: ipUDP, Port: 49152, Peer: ip("198.51.100.1")}, false, aclDefaultRule},
		{"ping", false, packet{Proto: ipICMP, Port: 8, Code: 0, Peer: ip("198.51.100.1")}, true, 130},
		{"other icmp", false, packet{Proto: ipICMP, Port: 0, Peer: ip("198.51.100.1")}, false, aclDefaultRule},
		{"dns over ipv6", false, packet{Proto: ipUDP, Port: 53, Peer: ip("2001:db8::1")}, true, 140},
		{"ipv6 falls to its own *", false, packet{Proto: ipTCP, Port: 80, Peer: ip("2001:db8::1")}, false, aclDefaultRuleV6},
		{"egress all", true, packet{Proto: ipTCP, Port: 3306, Peer: ip("10.0.1.9")}, true, 100},
		{"egress ipv6 denied", true, packet{Proto: ipTCP, Port: 443, Peer: ip("2001:db8::1")}, false, aclDefaultRuleV6},
	}
	for _, tc := range tests {
		allow, rule := aclDecides(entries, tc.egress, tc.p)
		if allow != tc.wantAllow || rule != tc.wantRule {
			t.Errorf("%s: got %v by %d, want %v by %d", tc.name, allow, rule, tc.wantAllow, tc.wantRule)
		}
	}
	if allow, rule := aclDecides(nil, false, packet{Proto: ipTCP, Port: 80, Peer: ip("198.51.100.1")}); allow || rule != aclDefaultRule {
		t.Errorf("empty ACL: %v by %d", allow, rule)
	}
	// The default ACL's entries allow everything through rule 100.
	if allow, rule := aclDecides(defaultACLEntries(), true, packet{Proto: ipUDP, Port: 123, Peer: ip("192.0.2.1")}); !allow || rule != 100 {
		t.Errorf("default ACL: %v by %d", allow, rule)
	}
}
