package ec2

import (
	"fmt"
	"strings"
	"testing"

	ec2api "hakoniwa/internal/api/ec2"
)

func TestACLEntryRules(t *testing.T) {
	n := func(v int64) *int64 { return &v }
	b := func(v bool) *bool { return &v }
	base := func() entryInput {
		return entryInput{number: n(100), protocol: ptr("tcp"), action: ptr("allow"), egress: b(false), cidr: ptr("0.0.0.0/0"),
			ports: &ec2api.PortRange{From: n(80), To: n(80)}}
	}
	tests := []struct {
		name string
		edit func(*entryInput)
		want string // the entry as "n proto action cidr ports icmp", or the error code
	}{
		{"tcp 80", func(*entryInput) {}, "100 6 allow 0.0.0.0/0 80-80 -"},
		{"ephemeral ports", func(e *entryInput) { e.ports = &ec2api.PortRange{From: n(1024), To: n(65535)} }, "100 6 allow 0.0.0.0/0 1024-65535 -"},
		{"udp by number", func(e *entryInput) { e.protocol = ptr("17") }, "100 17 allow 0.0.0.0/0 80-80 -"},
		{"all traffic ignores ports", func(e *entryInput) { e.protocol = ptr("-1") }, "100 -1 allow 0.0.0.0/0 - -"},
		{"deny", func(e *entryInput) { e.action = ptr("deny") }, "100 6 deny 0.0.0.0/0 80-80 -"},
		{"host bits cleared", func(e *entryInput) { e.cidr = ptr("100.68.0.18/18") }, "100 6 allow 100.68.0.0/18 80-80 -"},
		{"icmp", func(e *entryInput) {
			e.protocol, e.icmp = ptr("icmp"), &ec2api.IcmpTypeCode{Type: n(8), Code: n(-1)}
		}, "100 1 allow 0.0.0.0/0 - 8/-1"},
		{"icmpv6 over ipv4 needs no type", func(e *entryInput) { e.protocol = ptr("58") }, "100 58 allow 0.0.0.0/0 - -"},
		{"ipv6", func(e *entryInput) { e.cidr, e.cidr6 = nil, ptr("2001:db8::/32") }, "100 6 allow 2001:db8::/32 80-80 -"},
		{"rule 0", func(e *entryInput) { e.number = n(0) }, "InvalidParameterValue"},
		{"rule 32767", func(e *entryInput) { e.number = n(32767) }, "InvalidParameterValue"},
		{"rule 32766", func(e *entryInput) { e.number = n(32766) }, "32766 6 allow 0.0.0.0/0 80-80 -"},
		{"no rule number", func(e *entryInput) { e.number = nil }, "MissingParameter"},
		{"bad protocol", func(e *entryInput) { e.protocol = ptr("http") }, "InvalidParameterValue"},
		{"protocol 256", func(e *entryInput) { e.protocol = ptr("256") }, "InvalidParameterValue"},
		{"bad action", func(e *entryInput) { e.action = ptr("reject") }, "InvalidParameterValue"},
		{"no direction", func(e *entryInput) { e.egress = nil }, "MissingParameter"},
		{"tcp without ports", func(e *entryInput) { e.ports = nil }, "MissingParameter"},
		{"ports reversed", func(e *entryInput) { e.ports = &ec2api.PortRange{From: n(90), To: n(80)} }, "InvalidParameterValue"},
		{"port 65536", func(e *entryInput) { e.ports = &ec2api.PortRange{From: n(1), To: n(65536)} }, "InvalidParameterValue"},
		{"icmp without type", func(e *entryInput) { e.protocol = ptr("1") }, "MissingParameter"},
		{"no cidr", func(e *entryInput) { e.cidr = nil }, "MissingParameter"},
		{"both cidrs", func(e *entryInput) { e.cidr6 = ptr("::/0") }, "InvalidParameterCombination"},
		{"bad cidr", func(e *entryInput) { e.cidr = ptr("10.0.0.0/40") }, "InvalidParameterValue"},
	}
	for _, tc := range tests {
		in := base()
		tc.edit(&in)
		e, err := parseACLEntry(in)
		got := code(err)
		if err == nil {
			ports, icmp := "-", "-"
			if e.Ports != nil {
				ports = fmt.Sprintf("%d-%d", e.Ports.From, e.Ports.To)
			}
			if e.ICMP != nil {
				icmp = fmt.Sprintf("%d/%d", e.ICMP.Type, e.ICMP.Code)
			}
			got = fmt.Sprintf("%d %s %s %s%s %s %s", e.Number, e.Protocol, e.action(), e.Cidr, e.Cidr6, ports, icmp)
		}
		if got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestNetworkACLLifecycle(t *testing.T) {
	q := DefaultQuotas()
	q.EntriesPerNetworkACL = 3
	s, ctx := newTestService(t, q)
	vpc := mustVPC(t, s, ctx, "10.0.0.0/16")
	public := mustSubnet(t, s, ctx, vpc, "10.0.0.0/24", "us-east-1a")
	private := mustSubnet(t, s, ctx, vpc, "10.0.1.0/24", "us-east-1b")

	describeOne := func(kv ...string) ec2api.NetworkAcl {
		t.Helper()
		out, err := s.DescribeNetworkAcls(ctx, &ec2api.DescribeNetworkAclsInput{Filters: filters(kv...)})
		if err != nil || len(out.NetworkAcls) != 1 {
			t.Fatalf("DescribeNetworkAcls %v: %+v %v", kv, out, err)
		}
		return out.NetworkAcls[0]
	}
	entries := func(a ec2api.NetworkAcl) string {
		var out []string
		for _, e := range a.Entries {
			dir := "in"
			if *e.Egress {
				dir = "out"
			}
			out = append(out, fmt.Sprintf("%s:%d:%s", dir, *e.RuleNumber, *e.RuleAction))
		}
		return strings.Join(out, " ")
	}
	subnetsOf := func(a ec2api.NetworkAcl) string {
		var out []string
		for _, x := range a.Associations {
			out = append(out, *x.SubnetId)
		}
		return strings.Join(out, " ")
	}

	// The default ACL allows all and holds both subnets.
	def := describeOne("vpc-id", vpc, "default", "true")
	if got := entries(def); got != "out:100:allow out:32767:deny in:100:allow in:32767:deny" {
		t.Errorf("default entries: %s", got)
	}
	if got := subnetsOf(def); got != public+" "+private && got != private+" "+public {
		t.Errorf("default associations: %s", got)
	}
	if got := describeOne("association.subnet-id", public); *got.NetworkAclId != *def.NetworkAclId {
		t.Errorf("subnet filter found %s", *got.NetworkAclId)
	}

	// A custom ACL for the public subnet: web in, ephemeral ports in for
	// replies, an explicit deny ahead of them.
	created, err := s.CreateNetworkAcl(ctx, &ec2api.CreateNetworkAclInput{VpcId: &vpc})
	if err != nil {
		t.Fatal(err)
	}
	acl := *created.NetworkAcl.NetworkAclId
	if got := entries(*created.NetworkAcl); got != "out:32767:deny in:32767:deny" {
		t.Errorf("new ACL entries: %s", got)
	}
	entry := func(n int64, proto, action string, egress bool, cidr string, from, to int64) error {
		_, err := s.CreateNetworkAclEntry(ctx, &ec2api.CreateNetworkAclEntryInput{NetworkAclId: &acl, RuleNumber: &n, Protocol: &proto,
			RuleAction: &action, Egress: &egress, CidrBlock: &cidr, PortRange: &ec2api.PortRange{From: &from, To: &to}})
		return err
	}
	for _, err := range []error{
		entry(100, "6", "allow", false, "0.0.0.0/0", 443, 443),
		entry(110, "6", "allow", false, "0.0.0.0/0", 1024, 65535),
		entry(90, "6", "deny", false, "203.0.113.0/24", 0, 65535),
		entry(100, "6", "allow", true, "0.0.0.0/0", 0, 65535),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	assoc := ""
	for _, a := range def.Associations {
		if *a.SubnetId == public {
			assoc = *a.NetworkAclAssociationId
		}
	}
	moved, err := s.ReplaceNetworkAclAssociation(ctx, &ec2api.ReplaceNetworkAclAssociationInput{AssociationId: &assoc, NetworkAclId: &acl})
	if err != nil || !strings.HasPrefix(*moved.NewAssociationId, "aclassoc-") || *moved.NewAssociationId == assoc {
		t.Fatalf("replace association: %+v %v", moved, err)
	}
	if got := subnetsOf(describeOne("network-acl-id", acl)); got != public {
		t.Errorf("custom ACL associations: %s", got)
	}
	if got := subnetsOf(describeOne("network-acl-id", *def.NetworkAclId)); got != private {
		t.Errorf("default ACL associations after the move: %s", got)
	}
	custom := describeOne("network-acl-id", acl)
	if got := entries(custom); got != "out:100:allow out:32767:deny in:90:deny in:100:allow in:110:allow in:32767:deny" {
		t.Errorf("custom entries: %s", got)
	}
	if got := describeOne("entry.port-range.from", "1024"); *got.NetworkAclId != acl {
		t.Errorf("entry filter found %s", *got.NetworkAclId)
	}

	refusals := []struct {
		name      string
		err       error
		code, msg string
	}{
		{"duplicate entry", entry(100, "6", "allow", false, "10.0.0.0/8", 22, 22), "NetworkAclEntryAlreadyExists", "The network acl entry identified by 100 already exists."},
		{"entry quota", entry(120, "6", "allow", false, "10.0.0.0/8", 22, 22), "NetworkAclEntryLimitExceeded", "The maximum number of network acl entries has been reached."},
		{"egress has room", entry(110, "17", "allow", true, "0.0.0.0/0", 53, 53), "", ""},
		{"replace missing", func() error {
			_, err := s.ReplaceNetworkAclEntry(ctx, &ec2api.ReplaceNetworkAclEntryInput{NetworkAclId: &acl, RuleNumber: ptr(int64(120)), Protocol: ptr("-1"),
				RuleAction: ptr("deny"), Egress: ptr(false), CidrBlock: ptr("0.0.0.0/0")})
			return err
		}(), "InvalidNetworkAclEntry.NotFound", "no ingress entry with number 120"},
		{"delete missing", func() error {
			_, err := s.DeleteNetworkAclEntry(ctx, &ec2api.DeleteNetworkAclEntryInput{NetworkAclId: &acl, RuleNumber: ptr(int64(90)), Egress: ptr(true)})
			return err
		}(), "InvalidNetworkAclEntry.NotFound", "no egress entry with number 90"},
		{"delete associated", func() error {
			_, err := s.DeleteNetworkAcl(ctx, &ec2api.DeleteNetworkAclInput{NetworkAclId: &acl})
			return err
		}(), "DependencyViolation", "The networkAcl '" + acl + "' has dependencies and cannot be deleted."},
		{"delete default", func() error {
			_, err := s.DeleteNetworkAcl(ctx, &ec2api.DeleteNetworkAclInput{NetworkAclId: def.NetworkAclId})
			return err
		}(), "InvalidParameterValue", "cannot delete default network ACL " + *def.NetworkAclId},
		{"old association is gone", func() error {
			_, err := s.ReplaceNetworkAclAssociation(ctx, &ec2api.ReplaceNetworkAclAssociationInput{AssociationId: &assoc, NetworkAclId: &acl})
			return err
		}(), "InvalidAssociationID.NotFound", "The association ID '" + assoc + "' does not exist"},
		{"delete vpc with a custom ACL", func() error {
			_, err := s.DeleteVpc(ctx, &ec2api.DeleteVpcInput{VpcId: &vpc})
			return err
		}(), "DependencyViolation", ""},
		{"unknown ACL", func() error {
			_, err := s.DescribeNetworkAcls(ctx, &ec2api.DescribeNetworkAclsInput{NetworkAclIds: []string{"acl-0123456789abcdef0"}})
			return err
		}(), "InvalidNetworkAclID.NotFound", "The network acl ID 'acl-0123456789abcdef0' does not exist"},
	}
	for _, tc := range refusals {
		if code(tc.err) != tc.code || (tc.msg != "" && message(tc.err) != tc.msg) {
			t.Errorf("%s: got %s %q, want %s %q", tc.name, code(tc.err), message(tc.err), tc.code, tc.msg)
		}
	}

	// Replace an entry, delete one, move the subnet back, then tear down.
	if _, err := s.ReplaceNetworkAclEntry(ctx, &ec2api.ReplaceNetworkAclEntryInput{NetworkAclId: &acl, RuleNumber: ptr(int64(90)), Protocol: ptr("-1"),
		RuleAction: ptr("deny"), Egress: ptr(false), CidrBlock: ptr("198.51.100.0/24")}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteNetworkAclEntry(ctx, &ec2api.DeleteNetworkAclEntryInput{NetworkAclId: &acl, RuleNumber: ptr(int64(110)), Egress: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	custom = describeOne("network-acl-id", acl)
	if got := entries(custom); got != "out:100:allow out:110:allow out:32767:deny in:90:deny in:100:allow in:32767:deny" {
		t.Errorf("entries after replace and delete: %s", got)
	}
	back, err := s.ReplaceNetworkAclAssociation(ctx, &ec2api.ReplaceNetworkAclAssociationInput{AssociationId: moved.NewAssociationId, NetworkAclId: def.NetworkAclId})
	if err != nil {
		t.Fatal(err)
	}
	if got := describeOne("association.association-id", *back.NewAssociationId); *got.NetworkAclId != *def.NetworkAclId {
		t.Errorf("moved back to %s", *got.NetworkAclId)
	}
	if _, err := s.DeleteNetworkAcl(ctx, &ec2api.DeleteNetworkAclInput{NetworkAclId: &acl}); err != nil {
		t.Fatal(err)
	}
	for _, sn := range []string{public, private} {
		if _, err := s.DeleteSubnet(ctx, &ec2api.DeleteSubnetInput{SubnetId: &sn}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.DeleteVpc(ctx, &ec2api.DeleteVpcInput{VpcId: &vpc}); err != nil {
		t.Fatal(err)
	}
}

func TestNetworkACLQuota(t *testing.T) {
	q := DefaultQuotas()
	q.NetworkACLsPerVPC = 2
	s, ctx := newTestService(t, q)
	vpc := mustVPC(t, s, ctx, "10.0.0.0/16")
	if _, err := s.CreateNetworkAcl(ctx, &ec2api.CreateNetworkAclInput{VpcId: &vpc}); err != nil {
		t.Fatal(err) // with the default ACL, two
	}
	_, err := s.CreateNetworkAcl(ctx, &ec2api.CreateNetworkAclInput{VpcId: &vpc})
	if code(err) != "NetworkAclLimitExceeded" {
		t.Errorf("quota: %v", err)
	}
}
