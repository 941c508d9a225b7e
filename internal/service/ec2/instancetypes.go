package ec2

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"hakoniwa/internal/regions"

	ec2api "hakoniwa/internal/api/ec2"
)

// instanceTypeRow adapts a catalogue entry to the filter engine and pager:
// its id is the type's name, the order DescribeInstanceTypes pages in.
type instanceTypeRow struct {
	meta
	spec *instanceTypeSpec
}

func itoaInt(n int) string { return strconv.Itoa(n) }

var instanceTypeFilters = sync.OnceValue(func() filterDefs[*instanceTypeRow] {
	return filterDefs[*instanceTypeRow]{
		"auto-recovery-supported":            func(r *instanceTypeRow) []string { return boolValue(true) },
		"bare-metal":                         func(r *instanceTypeRow) []string { return boolValue(r.spec.BareMetal) },
		"burstable-performance-supported":    func(r *instanceTypeRow) []string { return boolValue(r.spec.Burstable) },
		"current-generation":                 func(r *instanceTypeRow) []string { return boolValue(r.spec.CurrentGen) },
		"ebs-info.ebs-optimized-support":     func(r *instanceTypeRow) []string { return one(r.spec.EbsOptimized) },
		"ebs-info.encryption-support":        func(r *instanceTypeRow) []string { return one("supported") },
		"ebs-info.nvme-support":              func(r *instanceTypeRow) []string { return one(r.spec.NvmeSupport) },
		"free-tier-eligible":                 func(r *instanceTypeRow) []string { return boolValue(r.spec.FreeTier) },
		"hypervisor":                         func(r *instanceTypeRow) []string { return nonEmpty(r.spec.Hypervisor) },
		"instance-storage-supported":         func(r *instanceTypeRow) []string { return boolValue(false) },
		"instance-type":                      func(r *instanceTypeRow) []string { return one(r.spec.Name) },
		"memory-info.size-in-mib":            func(r *instanceTypeRow) []string { return one(itoaInt(r.spec.MemoryMiB)) },
		"network-info.efa-supported":         func(r *instanceTypeRow) []string { return boolValue(false) },
		"network-info.ena-support":           func(r *instanceTypeRow) []string { return one(r.spec.EnaSupport) },
		"network-info.ipv6-supported":        func(r *instanceTypeRow) []string { return boolValue(true) },
		"network-info.maximum-network-cards": func(r *instanceTypeRow) []string { return one("1") },
		"network-info.network-performance":   func(r *instanceTypeRow) []string { return one(r.spec.NetworkPerf) },
		"network-info.ipv4-addresses-per-interface": func(r *instanceTypeRow) []string {
			return one(itoaInt(r.spec.IPv4PerENI))
		},
		"network-info.ipv6-addresses-per-interface": func(r *instanceTypeRow) []string {
			return one(itoaInt(r.spec.IPv4PerENI))
		},
		"network-info.maximum-network-interfaces": func(r *instanceTypeRow) []string {
			return one(itoaInt(r.spec.MaxENIs))
		},
		"processor-info.manufacturer":           func(r *instanceTypeRow) []string { return one(r.spec.Manufacturer) },
		"processor-info.supported-architecture": func(r *instanceTypeRow) []string { return r.spec.Archs },
		"supported-boot-mode":                   func(r *instanceTypeRow) []string { return r.spec.BootModes },
		"supported-root-device-type":            func(r *instanceTypeRow) []string { return one("ebs") },
		"supported-usage-class":                 func(r *instanceTypeRow) []string { return []string{"on-demand", "spot"} },
		"supported-virtualization-type":         func(r *instanceTypeRow) []string { return one("hvm") },
		"vcpu-info.default-cores":               func(r *instanceTypeRow) []string { return one(itoaInt(r.spec.Cores)) },
		"vcpu-info.default-threads-per-core":    func(r *instanceTypeRow) []string { return one(itoaInt(r.spec.ThreadsPerCore)) },
		"vcpu-info.default-vcpus":               func(r *instanceTypeRow) []string { return one(itoaInt(r.spec.VCPUs)) },
	}
})

var instanceTypeLimits = pageLimits{5, 100}

// DescribeInstanceTypes reports the catalogue. Unknown names are refused
// together, as AWS lists them all in one message.
func (s *Service) DescribeInstanceTypes(ctx context.Context, in *ec2api.DescribeInstanceTypesInput) (*ec2api.DescribeInstanceTypesOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	fs, err := instanceTypeFilters().compile(in.Filters)
	if err != nil {
		return nil, err
	}
	pg, err := parsePage(in.MaxResults, in.NextToken, false, "", instanceTypeLimits)
	if err != nil {
		return nil, err
	}
	var missing []string
	for _, name := range in.InstanceTypes {
		if _, ok := lookupInstanceType(name); !ok {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return nil, errf(http.StatusBadRequest, "InvalidInstanceType", "The following supplied instance types do not exist: [%s]", strings.Join(missing, ", "))
	}
	if _, _, err := s.scope(ctx); err != nil {
		return nil, err
	}
	c := &collector[*instanceTypeRow]{pg: pg}
	types := instanceTypes()
	for i := range types {
		spec := &types[i]
		if len(in.InstanceTypes) > 0 && !slices.Contains(in.InstanceTypes, spec.Name) {
			continue
		}
		r := &instanceTypeRow{meta: meta{ID: spec.Name}, spec: spec}
		if matchAll(r, fs) && !c.add(r) {
			break
		}
	}
	items, next := c.result()
	out := &ec2api.DescribeInstanceTypesOutput{InstanceTypes: make([]ec2api.InstanceTypeInfo, 0, len(items))}
	for _, r := range items {
		out.InstanceTypes = append(out.InstanceTypes, r.spec.api())
	}
	if next != "" {
		out.NextToken = &next
	}
	return out, nil
}

func (t *instanceTypeSpec) api() ec2api.InstanceTypeInfo {
	out := ec2api.InstanceTypeInfo{
		InstanceType:                 ptr(t.Name),
		CurrentGeneration:            ptr(t.CurrentGen),
		FreeTierEligible:             ptr(t.FreeTier),
		SupportedUsageClasses:        []string{"on-demand", "spot"},
		SupportedRootDeviceTypes:     []string{"ebs"},
		SupportedVirtualizationTypes: []string{"hvm"},
		BareMetal:                    ptr(t.BareMetal),
		ProcessorInfo:                &ec2api.ProcessorInfo{SupportedArchitectures: slices.Clone(t.Archs), Manufacturer: ptr(t.Manufacturer)},
		VCpuInfo: &ec2api.VCpuInfo{DefaultVCpus: ptr(int64(t.VCPUs)), DefaultCores: ptr(int64(t.Cores)),
			DefaultThreadsPerCore: ptr(int64(t.ThreadsPerCore))},
		MemoryInfo:               &ec2api.MemoryInfo{SizeInMiB: ptr(int64(t.MemoryMiB))},
		InstanceStorageSupported: ptr(false),
		EbsInfo: &ec2api.EbsInfo{EbsOptimizedSupport: ptr(t.EbsOptimized), EncryptionSupport: ptr("supported"),
			NvmeSupport: ptr(t.NvmeSupport)},
		NetworkInfo: &ec2api.NetworkInfo{
			NetworkPerformance:        ptr(t.NetworkPerf),
			MaximumNetworkInterfaces:  ptr(int64(t.MaxENIs)),
			MaximumNetworkCards:       ptr(int64(1)),
			DefaultNetworkCardIndex:   ptr(int64(0)),
			NetworkCards:              []ec2api.NetworkCardInfo{{NetworkCardIndex: ptr(int64(0)), NetworkPerformance: ptr(t.NetworkPerf), MaximumNetworkInterfaces: ptr(int64(t.MaxENIs))}},
			Ipv4AddressesPerInterface: ptr(int64(t.IPv4PerENI)),
			Ipv6AddressesPerInterface: ptr(int64(t.IPv4PerENI)),
			Ipv6Supported:             ptr(true),
			EnaSupport:                ptr(t.EnaSupport),
			EfaSupported:              ptr(false),
		},
		PlacementGroupInfo:            &ec2api.PlacementGroupInfo{SupportedStrategies: slices.Clone(t.Placement)},
		BurstablePerformanceSupported: ptr(t.Burstable),
		AutoRecoverySupported:         ptr(true),
		SupportedBootModes:            slices.Clone(t.BootModes),
	}
	if t.Hypervisor != "" {
		out.Hypervisor = ptr(t.Hypervisor)
	}
	return out
}

// offeringRow is one (instance type, location) pair.
type offeringRow struct {
	meta
	instanceType, location string
}

var offeringFilters = sync.OnceValue(func() filterDefs[*offeringRow] {
	return filterDefs[*offeringRow]{
		"instance-type": func(r *offeringRow) []string { return one(r.instanceType) },
		"location":      func(r *offeringRow) []string { return one(r.location) },
	}
})

// DescribeInstanceTypeOfferings lists where each type is offered: the
// Region, or each of its zones by name or by ID. Every catalogue type is
// offered in every zone: capacity is local and never runs out.
func (s *Service) DescribeInstanceTypeOfferings(ctx context.Context, in *ec2api.DescribeInstanceTypeOfferingsInput) (*ec2api.DescribeInstanceTypeOfferingsOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	fs, err := offeringFilters().compile(in.Filters)
	if err != nil {
		return nil, err
	}
	pg, err := parsePage(in.MaxResults, in.NextToken, false, "", describeLimits)
	if err != nil {
		return nil, err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	locType := deref(in.LocationType)
	if locType == "" {
		locType = "region"
	}
	var locations []string
	switch locType {
	case "region":
		locations = []string{sc.region}
	case "availability-zone", "availability-zone-id":
		r, ok := regions.Lookup(sc.region)
		if !ok {
			return nil, invalidParam("Invalid region: %s", sc.region)
		}
		for _, z := range r.Zones {
			if locType == "availability-zone" {
				locations = append(locations, z.Name)
			} else {
				locations = append(locations, z.ID)
			}
		}
	default:
		// Local Zones and Outposts are not modelled.
		return nil, invalidParam("Value (%s) for parameter locationType is invalid. Valid values: region, availability-zone, availability-zone-id", locType)
	}
	// Rows page in id order: location, then type.
	slices.Sort(locations)
	c := &collector[*offeringRow]{pg: pg}
rows:
	for _, loc := range locations {
		for _, t := range instanceTypes() {
			r := &offeringRow{meta: meta{ID: loc + "\x00" + t.Name}, instanceType: t.Name, location: loc}
			if matchAll(r, fs) && !c.add(r) {
				break rows
			}
		}
	}
	items, next := c.result()
	out := &ec2api.DescribeInstanceTypeOfferingsOutput{InstanceTypeOfferings: make([]ec2api.InstanceTypeOffering, 0, len(items))}
	for _, r := range items {
		out.InstanceTypeOfferings = append(out.InstanceTypeOfferings, ec2api.InstanceTypeOffering{
			InstanceType: ptr(r.instanceType), LocationType: ptr(locType), Location: ptr(r.location)})
	}
	if next != "" {
		out.NextToken = &next
	}
	return out, nil
}
