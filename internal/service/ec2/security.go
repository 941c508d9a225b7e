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

type networkACLRec struct {
	meta
	Owner     string `json:"owner"`
	VpcID     string `json:"vpc"`
	IsDefault bool   `json:"default,omitempty"`
}

// securityKinds are the kinds this file owns (see kinds in records.go).
var securityKinds = []kindInfo{
	{"sg", "security-group", "security-group", "security group", "InvalidGroup"},
	{"acl", "network-acl", "network-acl", "network acl", "InvalidNetworkAclID"},
}

var (
	securityGroups = &table[securityGroupRec, *securityGroupRec]{kind: "security-group", indexes: map[string]func(*securityGroupRec) string{
		"vpc-id": func(r *securityGroupRec) string { return r.VpcID },
	}}
	networkACLs = &table[networkACLRec, *networkACLRec]{kind: "network-acl", indexes: map[string]func(*networkACLRec) string{
		"vpc-id": func(r *networkACLRec) string { return r.VpcID },
	}}
)
