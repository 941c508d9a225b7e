package ec2

import "time"

// VPC peering connections and flow logs: records, tables and kinds.

// pcxSide is one end of a peering connection: a VPC in some account and
// Region, the blocks it had when last looked at (on request and on
// acceptance, as AWS reports them), and the options its owner set.
type pcxSide struct {
	Account string   `json:"account"`
	Region  string   `json:"region"`
	VpcID   string   `json:"vpc"`
	Cidrs   []string `json:"cidrs,omitempty"` // the first is the primary block
	Ipv6    []string `json:"ipv6,omitempty"`
	// DNS is AllowDnsResolutionFromRemoteVpc.
	DNS bool `json:"dns,omitempty"`
}

func (p pcxSide) scope() scope { return scope{account: p.Account, region: p.Region} }

// peeringRec is a VPC peering connection. A connection between two
// accounts or Regions is stored once in each side's (account, Region), so
// each owner describes it, tags it and routes to it in its own state;
// every change of status is written to both copies in one transaction.
// Tags are the one thing the copies do not share, as in AWS, where each
// owner tags the connection for itself.
type peeringRec struct {
	meta
	Requester pcxSide `json:"requester"`
	Accepter  pcxSide `json:"accepter"`
	// Status is the stored status; expired is derived from Expires at
	// read time, so an unanswered request expires without a sweeper.
	Status  string    `json:"status"`
	Failure string    `json:"failure,omitempty"` // the message of a failed request
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
	Changed time.Time `json:"changed"` // when Status last changed
	// By is the account that rejected or deleted the connection: AWS
	// names it in the status message and keeps the connection visible to
	// it for less time than to the other side.
	By string `json:"by,omitempty"`
	// Mirrored tells whether the accepter's (account, Region) holds a
	// copy: a request that failed at once never reached the accepter.
	Mirrored bool `json:"mirrored,omitempty"`
}

// flowLogRec is a flow log: its resource, what it captures and where it
// delivers. Records themselves are not produced yet.
type flowLogRec struct {
	meta
	ResourceID      string    `json:"resource"`
	ResourceType    string    `json:"resourceType"`
	TrafficType     string    `json:"traffic,omitempty"`
	DestinationType string    `json:"destType"`
	Destination     string    `json:"dest,omitempty"`
	LogGroup        string    `json:"logGroup,omitempty"`
	PermissionArn   string    `json:"role,omitempty"`
	CrossAccount    string    `json:"crossRole,omitempty"`
	Format          string    `json:"format"`
	MaxAggregation  int64     `json:"maxAgg"`
	FileFormat      string    `json:"fileFormat,omitempty"`
	HivePartitions  bool      `json:"hive,omitempty"`
	HourlyPartition bool      `json:"hourly,omitempty"`
	Created         time.Time `json:"created"`
}

var (
	kindPCX     = kindInfo{"pcx", "vpc-peering-connection", "vpc-peering-connection", "vpcPeeringConnection", "InvalidVpcPeeringConnectionID"}
	kindFlowLog = kindInfo{"fl", "flow-log", "vpc-flow-log", "flowLog", "InvalidFlowLogId"}

	// peeringKinds are the kinds this file owns (see kinds in records.go).
	peeringKinds = []kindInfo{kindPCX, kindFlowLog}
)

var (
	// Peering connections are indexed by both VPCs: DeleteVpc finds the
	// connections of a VPC, CreateVpcPeeringConnection finds an existing
	// one between the same two VPCs, and the two filters of the same
	// names are answered from the index.
	peerings = &table[peeringRec, *peeringRec]{kind: "vpc-peering-connection", indexes: map[string]func(*peeringRec) string{
		"requester-vpc-info.vpc-id": func(r *peeringRec) string { return r.Requester.VpcID },
		"accepter-vpc-info.vpc-id":  func(r *peeringRec) string { return r.Accepter.VpcID },
	}}
	flowLogs = &table[flowLogRec, *flowLogRec]{kind: "flow-log", indexes: map[string]func(*flowLogRec) string{
		"resource-id": func(r *flowLogRec) string { return r.ResourceID },
	}}
)
