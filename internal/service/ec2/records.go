package ec2

import (
	"net/http"
	"slices"
	"strings"
)

// Record types, one per resource kind. They are the stored form (JSON);
// the API shapes are built from them on the way out, so the wire model can
// grow without migrating stored data.

type cidrAssoc struct {
	AssocID string `json:"assocId"`
	Cidr    string `json:"cidr"`
}

type ipv6Assoc struct {
	AssocID     string `json:"assocId"`
	Cidr        string `json:"cidr"`
	Pool        string `json:"pool,omitempty"`
	BorderGroup string `json:"borderGroup,omitempty"`
}

type vpcRec struct {
	meta
	Owner       string      `json:"owner"`
	State       string      `json:"state"`
	Cidrs       []cidrAssoc `json:"cidrs"` // the first is the primary block
	Ipv6        []ipv6Assoc `json:"ipv6,omitempty"`
	DhcpOptions string      `json:"dhcp"`
	Tenancy     string      `json:"tenancy"`
	IsDefault   bool        `json:"default,omitempty"`
	DNSSupport  bool        `json:"dnsSupport"`
	DNSHostname bool        `json:"dnsHostnames"`
	// The resources CreateVpc makes with the VPC and DeleteVpc removes
	// with it.
	MainRouteTable string `json:"mainRtb"`
	DefaultSG      string `json:"defaultSg"`
	DefaultACL     string `json:"defaultAcl"`
}

type subnetRec struct {
	meta
	Owner       string      `json:"owner"`
	VpcID       string      `json:"vpc"`
	State       string      `json:"state"`
	Cidr        string      `json:"cidr"`
	Ipv6        []ipv6Assoc `json:"ipv6,omitempty"`
	Zone        string      `json:"az"`
	ZoneID      string      `json:"azId"`
	DefaultAz   bool        `json:"defaultForAz,omitempty"`
	MapPublicIP bool        `json:"mapPublicIp,omitempty"`
	AssignIpv6  bool        `json:"assignIpv6,omitempty"`
	EnableDns64 bool        `json:"dns64,omitempty"`
	HostnameTyp string      `json:"hostnameType,omitempty"`
	DNSA        bool        `json:"dnsA,omitempty"`
	DNSAAAA     bool        `json:"dnsAAAA,omitempty"`
	// UsedIPs counts addresses taken by interfaces (later slices), so
	// AvailableIpAddressCount stays true.
	UsedIPs int64 `json:"used,omitempty"`
}

// The tables. Each kind indexed by "vpc-id" lets DeleteVpc find its
// dependents and DescribeX filter by VPC without a scan.
var (
	vpcs = &table[vpcRec, *vpcRec]{kind: "vpc"}
	// subnets are also indexed by zone, for CreateDefaultSubnet.
	subnets = &table[subnetRec, *subnetRec]{kind: "subnet", indexes: map[string]func(*subnetRec) string{
		"vpc-id":            func(r *subnetRec) string { return r.VpcID },
		"availability-zone": func(r *subnetRec) string { return r.Zone },
	}}
	dhcpOptions = &table[dhcpOptionsRec, *dhcpOptionsRec]{kind: "dhcp-options"}
)

// kindInfo describes a resource kind by its id prefix: where it is stored,
// its TagSpecification/DescribeTags resource type, and its error codes.
type kindInfo struct {
	prefix       string // "vpc"
	kind         string // store kind
	resourceType string // "vpc", "security-group", ...
	// noun is how error messages name it ("vpc", "subnet").
	noun string
	// idCode is the middle of InvalidVpcID.NotFound / .Malformed.
	idCode string
}

var (
	kindVPC    = kindInfo{"vpc", "vpc", "vpc", "vpc", "InvalidVpcID"}
	kindSubnet = kindInfo{"subnet", "subnet", "subnet", "subnet", "InvalidSubnetID"}
	// kinds is every resource kind, gathered from the files that own
	// them (security.go, routing.go, ...), so each area adds its kinds
	// without touching the others.
	kinds = slices.Concat([]kindInfo{kindVPC, kindSubnet}, securityKinds, routingKinds, interfaceKinds, peeringKinds, keyPairKinds, imageKinds, launchTemplateKinds, instanceKinds, ebsKinds)
)

// kindOf finds the kind of a resource id by its prefix.
func kindOf(id string) (kindInfo, bool) {
	prefix, _, ok := cutDash(id)
	if !ok {
		return kindInfo{}, false
	}
	for _, k := range kinds {
		if k.prefix == prefix {
			return k, true
		}
	}
	return kindInfo{}, false
}

func cutDash(id string) (string, string, bool) {
	for i := 0; i < len(id); i++ {
		if id[i] == '-' {
			return id[:i], id[i+1:], true
		}
	}
	return "", "", false
}

// wellFormed reports whether id is prefix-, then 8 or 17 lowercase hex
// digits: AWS's short (before 2018) and long resource ids.
func wellFormed(id, prefix string) bool {
	p, hex, ok := cutDash(id)
	if !ok || p != prefix || (len(hex) != 8 && len(hex) != 17) {
		return false
	}
	for i := 0; i < len(hex); i++ {
		c := hex[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// malformed is AWS's answer to an id of the wrong shape.
func (k kindInfo) malformed(id string) error {
	code := k.idCode + ".Malformed"
	if k.prefix == "pcx" {
		// AWS spells this one "Id" here and "ID" in its NotFound code.
		code = "InvalidVpcPeeringConnectionId.Malformed"
	}
	return errf(http.StatusBadRequest, code, "Invalid id: \"%s\" (expecting \"%s-...\")", id, k.prefix)
}

// notFound is AWS's answer to a well-formed id that names nothing.
func (k kindInfo) notFound(ids ...string) error {
	if k.prefix == "sg" {
		// Security groups answer with their own wording.
		return errf(http.StatusBadRequest, "InvalidGroup.NotFound", "The security group '%s' does not exist", joinIDs(ids))
	}
	if k.prefix == "vol" || k.prefix == "snap" {
		// EBS drops the "ID" from its NotFound codes.
		return errf(http.StatusBadRequest, strings.TrimSuffix(k.idCode, "ID")+".NotFound", "The %s '%s' does not exist.", k.noun, joinIDs(ids))
	}
	if len(ids) > 1 {
		return errf(http.StatusBadRequest, k.idCode+".NotFound", "The %s IDs '%s' do not exist", k.noun, joinIDs(ids))
	}
	return errf(http.StatusBadRequest, k.idCode+".NotFound", "The %s ID '%s' does not exist", k.noun, joinIDs(ids))
}

func joinIDs(ids []string) string {
	out := ""
	for i, id := range ids {
		if i > 0 {
			out += ", "
		}
		out += id
	}
	return out
}
