package ec2

// Security groups and network ACLs: records, tables and kinds.

type securityGroupRec struct {
	meta
	Owner       string `json:"owner"`
	VpcID       string `json:"vpc"`
	Name        string `json:"name"`
	Description string `json:"description"`
	IsDefault   bool   `json:"default,omitempty"`
}

// sgRuleRec is one security group rule: one protocol and port range for
// one peer (an IPv4 or IPv6 block, a prefix list or a group). Rules are
// their own records, not part of the group, because AWS gives each an id
// (sgr-), tags, and a Describe of its own; the "group-id" index gathers a
// group's rules and "referenced-group-id" finds the rules that keep a
// group from being deleted.
type sgRuleRec struct {
	meta
	GroupID string `json:"group"`
	Owner   string `json:"owner"`
	Egress  bool   `json:"egress,omitempty"`
	// Protocol is canonical: tcp, udp, icmp, icmpv6, -1, or another
	// protocol number in decimal.
	Protocol string `json:"proto"`
	// From and To are the port range (tcp, udp) or ICMP type and code;
	// -1 where the protocol has none.
	From int64  `json:"from"`
	To   int64  `json:"to"`
	Cidr string `json:"cidr,omitempty"`
	// Cidr6, PrefixList and RefGroup are the other kinds of peer; exactly
	// one peer field is set.
	Cidr6      string `json:"cidr6,omitempty"`
	PrefixList string `json:"pl,omitempty"`
	RefGroup   string `json:"ref,omitempty"`
	// RefName, RefOwner and RefVpc describe RefGroup as it was when the
	// rule was made; group names cannot change, so they stay true.
	RefName  string `json:"refName,omitempty"`
	RefOwner string `json:"refOwner,omitempty"`
	RefVpc   string `json:"refVpc,omitempty"`
	// RefPcx is the VPC peering connection a group of another VPC is
	// referenced across (sgpeer.go).
	RefPcx      string `json:"refPcx,omitempty"`
	Description string `json:"desc,omitempty"`
}

type networkACLRec struct {
	meta
	Owner     string `json:"owner"`
	VpcID     string `json:"vpc"`
	IsDefault bool   `json:"default,omitempty"`
	// Entries are the numbered rules of both directions, in no order;
	// the "*" rules that end each direction are implied, not stored.
	Entries []aclEntry `json:"entries,omitempty"`
}

// aclEntry is one numbered network ACL rule.
type aclEntry struct {
	Number int64 `json:"n"`
	Egress bool  `json:"egress,omitempty"`
	// Protocol is the protocol number in decimal, or -1 for all.
	Protocol string `json:"proto"`
	Allow    bool   `json:"allow,omitempty"`
	Cidr     string `json:"cidr,omitempty"`
	Cidr6    string `json:"cidr6,omitempty"`
	// Ports is set for tcp and udp rules, ICMP for icmp and icmpv6.
	Ports *portRange `json:"ports,omitempty"`
	ICMP  *icmpMatch `json:"icmp,omitempty"`
}

type portRange struct {
	From int64 `json:"from"`
	To   int64 `json:"to"`
}

type icmpMatch struct {
	Type int64 `json:"type"`
	Code int64 `json:"code"`
}

// aclAssocRec moves a subnet from its VPC's default network ACL to another
// (or back). A subnet without one is associated with the default ACL under
// an association id derived from its own id (implicitAssocID), so creating
// a subnet needs nothing from this file.
type aclAssocRec struct {
	meta              // ID is the subnet id: one association per subnet
	AssocID    string `json:"assoc"`
	NetworkACL string `json:"acl"`
	VpcID      string `json:"vpc"`
}

// securityKinds are the kinds this file owns (see kinds in records.go).
var securityKinds = []kindInfo{
	{"sg", "security-group", "security-group", "security group", "InvalidGroupId"},
	{"sgr", "security-group-rule", "security-group-rule", "security group rule", "InvalidSecurityGroupRuleId"},
	{"acl", "network-acl", "network-acl", "network acl", "InvalidNetworkAclID"},
}

var (
	kindSG     = securityKinds[0]
	kindSGRule = securityKinds[1]
	kindACL    = securityKinds[2]
)

var (
	securityGroups = &table[securityGroupRec, *securityGroupRec]{kind: "security-group", indexes: map[string]func(*securityGroupRec) string{
		"vpc-id": func(r *securityGroupRec) string { return r.VpcID },
	}}
	sgRules = &table[sgRuleRec, *sgRuleRec]{kind: "security-group-rule", indexes: map[string]func(*sgRuleRec) string{
		"group-id":            func(r *sgRuleRec) string { return r.GroupID },
		"referenced-group-id": func(r *sgRuleRec) string { return r.RefGroup },
	}}
	networkACLs = &table[networkACLRec, *networkACLRec]{kind: "network-acl", indexes: map[string]func(*networkACLRec) string{
		"vpc-id": func(r *networkACLRec) string { return r.VpcID },
	}}
	aclAssocs = &table[aclAssocRec, *aclAssocRec]{kind: "network-acl-association", indexes: map[string]func(*aclAssocRec) string{
		"network-acl-id": func(r *aclAssocRec) string { return r.NetworkACL },
		"association-id": func(r *aclAssocRec) string { return r.AssocID },
	}}
)
