package ec2

import "time"

// Route tables, internet gateways (plain and egress-only), Elastic IPs,
// NAT gateways and DHCP options: records, tables and kinds.

// route is one entry of a route table. Exactly one destination and one
// target are set. Its state is stored as created, but what Describe shows
// is computed from the target at read time (routeState), so a route to a
// deleted NAT gateway or a detached internet gateway is always reported as
// a blackhole without anything having to rewrite the table.
type route struct {
	Destination string `json:"dest,omitempty"`  // IPv4 CIDR
	DestIPv6    string `json:"dest6,omitempty"` // IPv6 CIDR
	PrefixList  string `json:"pl,omitempty"`    // pl-...
	// GatewayID holds the GatewayId targets: "local", igw-, vgw-, vpce-.
	GatewayID string `json:"gw,omitempty"`
	// Target is any other target's id, and Via the request member that
	// named it ("NatGatewayId", "NetworkInterfaceId", ...).
	Target string `json:"target,omitempty"`
	Via    string `json:"via,omitempty"`
	State  string `json:"state"`
	Origin string `json:"origin"`
}

// rtbAssoc is an explicit association of a route table with a subnet or
// a gateway (edge association).
type rtbAssoc struct {
	ID        string `json:"id"`
	SubnetID  string `json:"subnet,omitempty"`
	GatewayID string `json:"gw,omitempty"`
}

type routeTableRec struct {
	meta
	Owner     string     `json:"owner"`
	VpcID     string     `json:"vpc"`
	Main      bool       `json:"main,omitempty"`
	MainAssoc string     `json:"mainAssoc,omitempty"`
	Routes    []route    `json:"routes"`
	Assocs    []rtbAssoc `json:"assocs,omitempty"`
}

// assocRec finds an explicit association by its id, subnet or gateway
// without scanning every route table; it is written in the same
// transaction as the table's Assocs.
type assocRec struct {
	meta
	RouteTable string `json:"rtb"`
	VpcID      string `json:"vpc"`
	SubnetID   string `json:"subnet,omitempty"`
	GatewayID  string `json:"gw,omitempty"`
}

type internetGatewayRec struct {
	meta
	Owner string `json:"owner"`
	VpcID string `json:"vpc,omitempty"` // attached VPC, if any
}

type egressOnlyIGWRec struct {
	meta
	Owner string `json:"owner"`
	VpcID string `json:"vpc"`
}

type dhcpOptionsRec struct {
	meta
	Owner   string              `json:"owner"`
	Options map[string][]string `json:"options"`
}

// addressRec is an Elastic IP address. Allocated is kept for billing.
type addressRec struct {
	meta
	Owner       string    `json:"owner"`
	PublicIP    string    `json:"ip"`
	Domain      string    `json:"domain"`
	BorderGroup string    `json:"nbg"`
	Allocated   time.Time `json:"allocated"`
	// The association, if any.
	AssocID   string `json:"assoc,omitempty"`
	ENI       string `json:"eni,omitempty"`
	Instance  string `json:"instance,omitempty"`
	PrivateIP string `json:"privateIp,omitempty"`
	VpcID     string `json:"vpc,omitempty"` // the associated interface's VPC
	// NatGateway is set while a NAT gateway holds the address: AWS
	// manages that association and refuses to let the user undo it.
	NatGateway string `json:"nat,omitempty"`
}

type natGatewayRec struct {
	meta
	Owner        string    `json:"owner"`
	VpcID        string    `json:"vpc"`
	SubnetID     string    `json:"subnet"`
	Connectivity string    `json:"connectivity"` // public | private
	AllocationID string    `json:"alloc,omitempty"`
	PublicIP     string    `json:"publicIp,omitempty"`
	AssocID      string    `json:"assoc,omitempty"`
	ENI          string    `json:"eni"`
	PrivateIP    string    `json:"privateIp"`
	Created      time.Time `json:"created"`
	Deleted      time.Time `json:"deleted,omitzero"`
	// A public NAT gateway whose address or VPC was not usable is created
	// and then fails, as AWS reports it, rather than being refused.
	FailureCode    string `json:"failureCode,omitempty"`
	FailureMessage string `json:"failureMessage,omitempty"`
}

// Kinds this file owns (see kinds in records.go). The nouns are how AWS
// names them in NotFound messages ("The routeTable ID 'rtb-…' does not
// exist").
var (
	kindRouteTable = kindInfo{"rtb", "route-table", "route-table", "routeTable", "InvalidRouteTableID"}
	kindIGW        = kindInfo{"igw", "internet-gateway", "internet-gateway", "internetGateway", "InvalidInternetGatewayID"}
	kindDhcp       = kindInfo{"dopt", "dhcp-options", "dhcp-options", "dhcpOption", "InvalidDhcpOptionID"}
	kindEIGW       = kindInfo{"eigw", "egress-only-internet-gateway", "egress-only-internet-gateway", "eigw", "InvalidGatewayID"}
	kindAddress    = kindInfo{"eipalloc", "address", "elastic-ip", "allocation", "InvalidAllocationID"}
	kindNAT        = kindInfo{"nat", "nat-gateway", "natgateway", "natGateway", "InvalidNatGatewayID"}

	routingKinds = []kindInfo{kindRouteTable, kindIGW, kindDhcp, kindEIGW, kindAddress, kindNAT}
)

var (
	routeTables = &table[routeTableRec, *routeTableRec]{kind: "route-table", indexes: map[string]func(*routeTableRec) string{
		"vpc-id": func(r *routeTableRec) string { return r.VpcID },
	}}
	rtbAssocs = &table[assocRec, *assocRec]{kind: "route-table-association", indexes: map[string]func(*assocRec) string{
		"subnet-id":  func(r *assocRec) string { return r.SubnetID },
		"gateway-id": func(r *assocRec) string { return r.GatewayID },
	}}
	internetGateways = &table[internetGatewayRec, *internetGatewayRec]{kind: "internet-gateway", indexes: map[string]func(*internetGatewayRec) string{
		"attachment.vpc-id": func(r *internetGatewayRec) string { return r.VpcID },
	}}
	egressOnlyIGWs = &table[egressOnlyIGWRec, *egressOnlyIGWRec]{kind: "egress-only-internet-gateway", indexes: map[string]func(*egressOnlyIGWRec) string{
		"vpc-id": func(r *egressOnlyIGWRec) string { return r.VpcID },
	}}
	addresses = &table[addressRec, *addressRec]{kind: "address", indexes: map[string]func(*addressRec) string{
		"public-ip":      func(r *addressRec) string { return r.PublicIP },
		"association-id": func(r *addressRec) string { return r.AssocID },
		"vpc-id":         func(r *addressRec) string { return r.VpcID },
	}}
	natGateways = &table[natGatewayRec, *natGatewayRec]{kind: "nat-gateway", indexes: map[string]func(*natGatewayRec) string{
		"vpc-id":    func(r *natGatewayRec) string { return r.VpcID },
		"subnet-id": func(r *natGatewayRec) string { return r.SubnetID },
	}}
)
