package ec2

import (
	"context"
	"slices"
	"sync"

	"hakoniwa/internal/regions"
	"hakoniwa/internal/store"

	ec2api "hakoniwa/internal/api/ec2"
)

// regionRow and zoneRow adapt the catalogue to the filter engine.
type regionRow struct {
	meta
	endpoint, optIn string
}

type zoneRow struct {
	meta
	zone   regions.Zone
	region regions.Region
}

var regionFilters = sync.OnceValue(func() filterDefs[*regionRow] {
	return filterDefs[*regionRow]{
		"endpoint":      func(r *regionRow) []string { return one(r.endpoint) },
		"opt-in-status": func(r *regionRow) []string { return one(r.optIn) },
		"region-name":   func(r *regionRow) []string { return one(r.ID) },
	}
})

func optInStatus(r regions.Region) string {
	if r.OptIn {
		return "not-opted-in"
	}
	return "opt-in-not-required"
}

// DescribeRegions lists the Regions: those enabled for the account, or all
// with AllRegions.
func (s *Service) DescribeRegions(ctx context.Context, in *ec2api.DescribeRegionsInput) (*ec2api.DescribeRegionsOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	fs, err := regionFilters().compile(in.Filters)
	if err != nil {
		return nil, err
	}
	for _, name := range in.RegionNames {
		if _, ok := regions.Lookup(name); !ok {
			return nil, invalidParam("Invalid region: %s", name)
		}
	}
	if _, _, err := s.scope(ctx); err != nil {
		return nil, err
	}
	out := &ec2api.DescribeRegionsOutput{Regions: []ec2api.Region{}}
	for _, r := range regions.All() {
		if len(in.RegionNames) > 0 && !slices.Contains(in.RegionNames, r.Name) {
			continue
		}
		// Opt-in Regions are listed only when asked for, by name or with
		// AllRegions, as AWS lists the Regions an account has enabled.
		if r.OptIn && !isTrue(in.AllRegions) && len(in.RegionNames) == 0 {
			continue
		}
		row := &regionRow{meta: meta{ID: r.Name}, endpoint: "ec2." + r.Name + ".amazonaws.com", optIn: optInStatus(r)}
		if !matchAll(row, fs) {
			continue
		}
		out.Regions = append(out.Regions, ec2api.Region{RegionName: ptr(r.Name), Endpoint: ptr(row.endpoint), OptInStatus: ptr(row.optIn)})
	}
	return out, nil
}

var zoneFilters = sync.OnceValue(func() filterDefs[*zoneRow] {
	return filterDefs[*zoneRow]{
		"group-name":           func(z *zoneRow) []string { return one(z.region.Name) },
		"group-long-name":      func(z *zoneRow) []string { return one(z.region.Description) },
		"message":              func(z *zoneRow) []string { return nil },
		"opt-in-status":        func(z *zoneRow) []string { return one("opt-in-not-required") },
		"parent-zone-id":       func(z *zoneRow) []string { return nil },
		"parent-zone-name":     func(z *zoneRow) []string { return nil },
		"region-name":          func(z *zoneRow) []string { return one(z.region.Name) },
		"state":                func(z *zoneRow) []string { return one("available") },
		"zone-id":              func(z *zoneRow) []string { return one(z.zone.ID) },
		"zone-name":            func(z *zoneRow) []string { return one(z.zone.Name) },
		"zone-type":            func(z *zoneRow) []string { return one("availability-zone") },
		"network-border-group": func(z *zoneRow) []string { return one(z.region.Name) },
	}
})

// DescribeAvailabilityZones lists the Region's Availability Zones. Local
// and Wavelength Zones do not exist in hakoniwa, so AllAvailabilityZones
// lists the same zones.
func (s *Service) DescribeAvailabilityZones(ctx context.Context, in *ec2api.DescribeAvailabilityZonesInput) (*ec2api.DescribeAvailabilityZonesOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	fs, err := zoneFilters().compile(in.Filters)
	if err != nil {
		return nil, err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	reg, _ := regions.Lookup(sc.region)
	known := func(match func(regions.Zone) bool) bool { return slices.ContainsFunc(reg.Zones, match) }
	for _, n := range in.ZoneNames {
		if !known(func(z regions.Zone) bool { return z.Name == n }) {
			return nil, invalidParam("Invalid availability zone: [%s]", n)
		}
	}
	for _, id := range in.ZoneIds {
		if !known(func(z regions.Zone) bool { return z.ID == id }) {
			return nil, invalidParam("Invalid availability zone ID: [%s]", id)
		}
	}
	out := &ec2api.DescribeAvailabilityZonesOutput{AvailabilityZones: []ec2api.AvailabilityZone{}}
	for _, z := range reg.Zones {
		if (len(in.ZoneNames) > 0 || len(in.ZoneIds) > 0) && !slices.Contains(in.ZoneNames, z.Name) && !slices.Contains(in.ZoneIds, z.ID) {
			continue
		}
		row := &zoneRow{meta: meta{ID: z.Name}, zone: z, region: reg}
		if !matchAll(row, fs) {
			continue
		}
		out.AvailabilityZones = append(out.AvailabilityZones, ec2api.AvailabilityZone{
			ZoneName: ptr(z.Name), ZoneId: ptr(z.ID), State: ptr("available"), RegionName: ptr(reg.Name),
			OptInStatus: ptr("opt-in-not-required"), GroupName: ptr(reg.Name), NetworkBorderGroup: ptr(reg.Name),
			ZoneType: ptr("availability-zone"), GroupLongName: ptr(reg.Description), Messages: []ec2api.AvailabilityZoneMessage{},
		})
	}
	return out, nil
}

// DescribeAccountAttributes reports the account's EC2 attributes: VPC only,
// its default VPC, and its default limits.
func (s *Service) DescribeAccountAttributes(ctx context.Context, in *ec2api.DescribeAccountAttributesInput) (*ec2api.DescribeAccountAttributesOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	defaultVPC := "none"
	err = s.st.View(ctx, func(tx store.Tx) error {
		v, err := findDefaultVPC(tx, sc)
		if v != nil {
			defaultVPC = v.ID
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	attrs := []struct {
		name   string
		values []string
	}{
		{"vpc-max-security-groups-per-interface", []string{"5"}},
		{"max-instances", []string{"20"}},
		{"supported-platforms", []string{"VPC"}},
		{"default-vpc", []string{defaultVPC}},
		{"max-elastic-ips", []string{"5"}},
		{"vpc-max-elastic-ips", []string{"5"}},
	}
	out := &ec2api.DescribeAccountAttributesOutput{AccountAttributes: []ec2api.AccountAttribute{}}
	for _, a := range attrs {
		if len(in.AttributeNames) > 0 && !slices.Contains(in.AttributeNames, a.name) {
			continue
		}
		attr := ec2api.AccountAttribute{AttributeName: ptr(a.name)}
		for _, v := range a.values {
			attr.AttributeValues = append(attr.AttributeValues, ec2api.AccountAttributeValue{AttributeValue: ptr(v)})
		}
		out.AccountAttributes = append(out.AccountAttributes, attr)
	}
	return out, nil
}
