package ec2

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// quotaNames are the --ec2-quotas names, each with the field it sets.
var quotaNames = map[string]func(*Quotas) *int{
	"vpcs-per-region":              func(q *Quotas) *int { return &q.VPCsPerRegion },
	"subnets-per-vpc":              func(q *Quotas) *int { return &q.SubnetsPerVPC },
	"ipv4-blocks-per-vpc":          func(q *Quotas) *int { return &q.IPv4BlocksPerVPC },
	"igws-per-region":              func(q *Quotas) *int { return &q.InternetGatewaysPerRegion },
	"tags-per-resource":            func(q *Quotas) *int { return &q.TagsPerResource },
	"security-groups-per-region":   func(q *Quotas) *int { return &q.SecurityGroupsPerRegion },
	"rules-per-security-group":     func(q *Quotas) *int { return &q.RulesPerSecurityGroup },
	"network-acls-per-vpc":         func(q *Quotas) *int { return &q.NetworkACLsPerVPC },
	"entries-per-network-acl":      func(q *Quotas) *int { return &q.EntriesPerNetworkACL },
	"elastic-ips-per-region":       func(q *Quotas) *int { return &q.ElasticIPsPerRegion },
	"nat-gateways-per-az":          func(q *Quotas) *int { return &q.NATGatewaysPerAZ },
	"route-tables-per-vpc":         func(q *Quotas) *int { return &q.RouteTablesPerVPC },
	"routes-per-route-table":       func(q *Quotas) *int { return &q.RoutesPerRouteTable },
	"active-peerings-per-vpc":      func(q *Quotas) *int { return &q.ActivePeeringsPerVPC },
	"outstanding-peerings-per-vpc": func(q *Quotas) *int { return &q.OutstandingPeeringsPerVPC },
	"launch-templates-per-region":  func(q *Quotas) *int { return &q.LaunchTemplatesPerRegion },
	"versions-per-launch-template": func(q *Quotas) *int { return &q.VersionsPerLaunchTemplate },
	"standard-vcpus":               func(q *Quotas) *int { return &q.StandardVCPUs },
	"g-vcpus":                      func(q *Quotas) *int { return &q.GVCPUs },
	"p-vcpus":                      func(q *Quotas) *int { return &q.PVCPUs },
	"x-vcpus":                      func(q *Quotas) *int { return &q.XVCPUs },
	"f-vcpus":                      func(q *Quotas) *int { return &q.FVCPUs },
	"inf-vcpus":                    func(q *Quotas) *int { return &q.InfVCPUs },
	"dl-vcpus":                     func(q *Quotas) *int { return &q.DLVCPUs },
	"trn-vcpus":                    func(q *Quotas) *int { return &q.TrnVCPUs },
	"hpc-vcpus":                    func(q *Quotas) *int { return &q.HPCVCPUs },
	"high-memory-vcpus":            func(q *Quotas) *int { return &q.HighMemoryVCPUs },
	"snapshots-per-region":         func(q *Quotas) *int { return &q.SnapshotsPerRegion },
	"ebs-storage-tib":              func(q *Quotas) *int { return &q.EBSStorageTiB },
	"io2-storage-tib":              func(q *Quotas) *int { return &q.IO2StorageTiB },
}

// ParseQuotas reads "name=value,name=value" over AWS's defaults, so a
// test suite can raise (or lower) EC2's limits as an account would with a
// Service Quotas request.
func ParseQuotas(spec string) (Quotas, error) {
	q := DefaultQuotas()
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, value, ok := strings.Cut(part, "=")
		field := quotaNames[strings.TrimSpace(name)]
		if !ok || field == nil {
			names := make([]string, 0, len(quotaNames))
			for n := range quotaNames {
				names = append(names, n)
			}
			slices.Sort(names)
			return q, fmt.Errorf("ec2 quota %q: want name=value with a name among %s", part, strings.Join(names, ", "))
		}
		n, err := strconv.Atoi(strings.TrimSpace(value))
		if err != nil || n < 1 {
			return q, fmt.Errorf("ec2 quota %q: the value must be a positive integer", part)
		}
		*field(&q) = n
	}
	return q, nil
}

// orDefault is a quota that a partial Quotas literal left zero: AWS's
// default.
func orDefault(q, def int) int {
	if q > 0 {
		return q
	}
	return def
}
