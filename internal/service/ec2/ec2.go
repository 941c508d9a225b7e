// Package ec2 implements Amazon EC2's VPC networking: Regions and zones,
// the default VPC, VPCs, subnets and tags, with AWS's validation rules and
// error codes.
//
// It is built for the many EC2 resource kinds still to come: each kind is a
// record type stored in a table (table.go) with secondary indexes that
// serve both Describe filters and dependency checks on delete; tags,
// filters (filter.go), pagination (page.go) and Describe by ids
// (describe.go) are generic over every kind. Authorization happens in the
// gateway before a handler runs, so a DryRun that reaches a handler has
// succeeded.
package ec2

import (
	"context"
	"errors"
	"sort"

	"hakoniwa/internal/clock"
	"hakoniwa/internal/ids"
	"hakoniwa/internal/reqctx"
	"hakoniwa/internal/store"

	ec2api "hakoniwa/internal/api/ec2"
)

// Quotas are the per-account limits EC2 enforces. The defaults are AWS's
// (Amazon VPC quotas); they are adjustable, as in AWS, by setting fields.
type Quotas struct {
	VPCsPerRegion             int // 5
	SubnetsPerVPC             int // 200
	IPv4BlocksPerVPC          int // 5 (primary included)
	InternetGatewaysPerRegion int // 5
	TagsPerResource           int // 50
	// Security groups and network ACLs (sg.go, acl.go); zero means
	// AWS's default, so a partial Quotas literal keeps them usable.
	SecurityGroupsPerRegion int // 2500
	RulesPerSecurityGroup   int // 60 inbound, and 60 outbound
	NetworkACLsPerVPC       int // 200
	EntriesPerNetworkACL    int // 20 inbound, and 20 outbound
	// Elastic IP addresses (eip.go); zero means AWS's default.
	ElasticIPsPerRegion int // 5
	// NAT gateways and route tables (nat.go, rtb*.go); zero means AWS's
	// default.
	NATGatewaysPerAZ    int // 5
	RouteTablesPerVPC   int // 200
	RoutesPerRouteTable int // 50, besides the local routes
	// VPC peering connections per VPC (pcx.go); zero means AWS's default.
	ActivePeeringsPerVPC      int // 50
	OutstandingPeeringsPerVPC int // 25: pending requests a VPC has made
	// Launch templates (launchtemplates.go); zero means AWS's default.
	LaunchTemplatesPerRegion  int // 5000
	VersionsPerLaunchTemplate int // 10000
	// Running On-Demand instances, in vCPUs per instance class
	// (instances_run.go); zero means the default of an established
	// account, as a new account's 5 Standard vCPUs fit no test suite.
	StandardVCPUs   int // 1152: A, C, D, H, I, M, R, T, Z
	GVCPUs          int // 64: G and VT
	PVCPUs          int // 64
	XVCPUs          int // 128
	FVCPUs          int // 128
	InfVCPUs        int // 64
	DLVCPUs         int // 96
	TrnVCPUs        int // 256
	HPCVCPUs        int // 384
	HighMemoryVCPUs int // 448: U
	// EBS (volumes_quota.go); zero means AWS's default.
	SnapshotsPerRegion int // 100000
	EBSStorageTiB      int // 50: each volume type's total size but io2's
	IO2StorageTiB      int // 20
}

// DefaultQuotas returns AWS's default quotas.
func DefaultQuotas() Quotas {
	return Quotas{VPCsPerRegion: 5, SubnetsPerVPC: 200, IPv4BlocksPerVPC: 5, InternetGatewaysPerRegion: 5, TagsPerResource: 50,
		SecurityGroupsPerRegion: 2500, RulesPerSecurityGroup: 60, NetworkACLsPerVPC: 200, EntriesPerNetworkACL: 20,
		ElasticIPsPerRegion: 5, NATGatewaysPerAZ: 5, RouteTablesPerVPC: 200, RoutesPerRouteTable: 50,
		ActivePeeringsPerVPC: 50, OutstandingPeeringsPerVPC: 25, LaunchTemplatesPerRegion: 5000, VersionsPerLaunchTemplate: 10000,
		StandardVCPUs: 1152, GVCPUs: 64, PVCPUs: 64, XVCPUs: 128, FVCPUs: 128, InfVCPUs: 64, DLVCPUs: 96, TrnVCPUs: 256, HPCVCPUs: 384, HighMemoryVCPUs: 448,
		SnapshotsPerRegion: 100000, EBSStorageTiB: 50, IO2StorageTiB: 20}
}

// Service is the EC2 implementation.
type Service struct {
	ec2api.Unimplemented
	st     store.Store
	clock  clock.Clock
	ids    *ids.Source
	quotas Quotas
	roles  InstanceRoles
}

// New returns the service over st with AWS's default quotas.
func New(st store.Store, c clock.Clock, src *ids.Source) *Service {
	return NewWithQuotas(st, c, src, DefaultQuotas())
}

// NewWithQuotas returns the service with the given quotas.
func NewWithQuotas(st store.Store, c clock.Clock, src *ids.Source, q Quotas) *Service {
	return &Service{st: st, clock: c, ids: src, quotas: q}
}

// scope returns the caller's account and region, creating the account's
// default VPC in that region on first use, as AWS has it ready for every
// new account.
func (s *Service) scope(ctx context.Context) (scope, *accountState, error) {
	info := reqctx.From(ctx)
	sc := scope{account: info.Principal.Account, region: info.Region}
	if sc.account == "" || sc.region == "" {
		return sc, nil, errors.New("ec2: request without account or region")
	}
	st, err := s.ensureDefaults(ctx, sc)
	return sc, st, err
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func ptr[T any](v T) *T { return &v }

func isTrue(b *bool) bool { return b != nil && *b }

// apiTags renders a tag map in key order; nil when empty, so the element is
// left out as AWS does for untagged resources.
func apiTags(m map[string]string) []ec2api.Tag {
	if len(m) == 0 {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]ec2api.Tag, len(keys))
	for i, k := range keys {
		out[i] = ec2api.Tag{Key: ptr(k), Value: ptr(m[k])}
	}
	return out
}
