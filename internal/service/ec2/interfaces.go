package ec2

import "time"

// Network interfaces, VPC endpoints and prefix lists: records, tables and
// kinds.

// eniRec is an elastic network interface. Its JSON names "vpc",
// "privateIp" and "instance" are read by id through the kinds registry
// (AssociateAddress, route targets), so they must keep those names.
type eniRec struct {
	meta
	Owner    string `json:"owner"`
	VpcID    string `json:"vpc"`
	SubnetID string `json:"subnet"`
	Zone     string `json:"az"`
	ZoneID   string `json:"azId"`
	// PrivateIP is the primary address; Secondary the others, in the
	// order they were assigned.
	PrivateIP   string   `json:"privateIp"`
	Secondary   []string `json:"secondary,omitempty"`
	Groups      []string `json:"groups"`
	Description string   `json:"desc,omitempty"`
	MAC         string   `json:"mac"`
	// NoSourceDestCheck is stored inverted so the zero value is AWS's
	// default (checking on).
	NoSourceDestCheck bool `json:"noSrcDst,omitempty"`
	// Type is the InterfaceType: "interface", or the managing service's
	// ("vpc_endpoint", ...).
	Type string `json:"type"`
	// RequesterManaged interfaces belong to a service (an interface VPC
	// endpoint): the user cannot delete or detach them.
	RequesterManaged bool   `json:"managed,omitempty"`
	RequesterID      string `json:"requester,omitempty"`
	// Endpoint is the interface endpoint that made this interface.
	Endpoint string `json:"vpce,omitempty"`
	eniAttachment
}

// eniAttachment is an interface's attachment to an instance, flattened
// into the interface record: the instance work (RunInstances, terminate)
// sets and clears it in the same transaction as the instance, and finds an
// instance's interfaces by the "attachment.instance-id" index. Instance is
// also read raw by AssociateAddress.
type eniAttachment struct {
	AttachmentID        string    `json:"attachId,omitempty"`
	Instance            string    `json:"instance,omitempty"`
	InstanceOwner       string    `json:"instanceOwner,omitempty"`
	DeviceIndex         int64     `json:"device,omitempty"`
	NetworkCardIndex    int64     `json:"card,omitempty"`
	AttachStatus        string    `json:"attachStatus,omitempty"` // attaching | attached | detaching | detached
	AttachTime          time.Time `json:"attachTime,omitzero"`
	DeleteOnTermination bool      `json:"deleteOnTerm,omitempty"`
}

// endpointRec is a VPC endpoint, of type Gateway or Interface.
type endpointRec struct {
	meta
	Owner   string    `json:"owner"`
	VpcID   string    `json:"vpc"`
	Type    string    `json:"type"` // Gateway | Interface
	Service string    `json:"service"`
	State   string    `json:"state"`
	Policy  string    `json:"policy,omitempty"`
	Created time.Time `json:"created"`
	// Gateway endpoints: the route tables holding its prefix-list route.
	RouteTables []string `json:"rtbs,omitempty"`
	PrefixList  string   `json:"pl,omitempty"`
	// Interface endpoints: one interface per subnet, in subnet order.
	Subnets    []string `json:"subnets,omitempty"`
	ENIs       []string `json:"enis,omitempty"`
	Groups     []string `json:"groups,omitempty"`
	PrivateDNS bool     `json:"privateDns,omitempty"`
	DNSSuffix  string   `json:"dnsSuffix,omitempty"` // the random part of its DNS names
}

// prefixListRec is a customer-managed prefix list. AWS-managed lists are
// not stored: they are the same for every account of a Region and are
// computed (prefixlist.go).
type prefixListRec struct {
	meta
	Owner      string `json:"owner"`
	Name       string `json:"name"`
	Family     string `json:"family"` // IPv4 | IPv6
	MaxEntries int64  `json:"max"`
	Version    int64  `json:"version"`
	// Versions holds every version's entries, oldest first, so
	// GetManagedPrefixListEntries can answer for a TargetVersion.
	Versions [][]plEntry `json:"versions"`
}

type plEntry struct {
	Cidr        string `json:"cidr"`
	Description string `json:"desc,omitempty"`
}

var (
	kindENI        = kindInfo{"eni", "network-interface", "network-interface", "networkInterface", "InvalidNetworkInterfaceID"}
	kindEndpoint   = kindInfo{"vpce", "vpc-endpoint", "vpc-endpoint", "vpcEndpoint", "InvalidVpcEndpointId"}
	kindPrefixList = kindInfo{"pl", "prefix-list", "prefix-list", "prefixList", "InvalidPrefixListID"}

	// interfaceKinds are the kinds this file owns (see kinds in records.go).
	interfaceKinds = []kindInfo{kindENI, kindEndpoint, kindPrefixList}
)

var (
	// enis are also indexed by security group through eniGroupIndex
	// (eni_ips.go), as an interface has several groups and a table index
	// holds one value per record.
	enis = &table[eniRec, *eniRec]{kind: "network-interface", indexes: map[string]func(*eniRec) string{
		"vpc-id":                   func(r *eniRec) string { return r.VpcID },
		"subnet-id":                func(r *eniRec) string { return r.SubnetID },
		"attachment.instance-id":   func(r *eniRec) string { return r.Instance },
		"attachment.attachment-id": func(r *eniRec) string { return r.AttachmentID },
	}}
	endpoints = &table[endpointRec, *endpointRec]{kind: "vpc-endpoint", indexes: map[string]func(*endpointRec) string{
		"vpc-id": func(r *endpointRec) string { return r.VpcID },
	}}
	prefixLists = &table[prefixListRec, *prefixListRec]{kind: "prefix-list"}
)
