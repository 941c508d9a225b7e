package ec2

// Route tables, internet gateways and DHCP options: records, tables and
// kinds.

type route struct {
	Destination string `json:"dest"`
	GatewayID   string `json:"gw,omitempty"`
	State       string `json:"state"`
	Origin      string `json:"origin"`
}

type routeTableRec struct {
	meta
	Owner     string  `json:"owner"`
	VpcID     string  `json:"vpc"`
	Main      bool    `json:"main,omitempty"`
	MainAssoc string  `json:"mainAssoc,omitempty"`
	Routes    []route `json:"routes"`
}

type internetGatewayRec struct {
	meta
	Owner string `json:"owner"`
	VpcID string `json:"vpc,omitempty"` // attached VPC, if any
}

type dhcpOptionsRec struct {
	meta
	Owner   string              `json:"owner"`
	Options map[string][]string `json:"options"`
}

// routingKinds are the kinds this file owns (see kinds in records.go).
var routingKinds = []kindInfo{
	{"rtb", "route-table", "route-table", "route table", "InvalidRouteTableID"},
	{"igw", "internet-gateway", "internet-gateway", "internet gateway", "InvalidInternetGatewayID"},
	{"dopt", "dhcp-options", "dhcp-options", "dhcp options", "InvalidDhcpOptionID"},
}

var (
	routeTables = &table[routeTableRec, *routeTableRec]{kind: "route-table", indexes: map[string]func(*routeTableRec) string{
		"vpc-id": func(r *routeTableRec) string { return r.VpcID },
	}}
	internetGateways = &table[internetGatewayRec, *internetGatewayRec]{kind: "internet-gateway", indexes: map[string]func(*internetGatewayRec) string{
		"attachment.vpc-id": func(r *internetGatewayRec) string { return r.VpcID },
	}}
)
