package ec2

import (
	"context"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"

	"hakoniwa/internal/store"

	ec2api "hakoniwa/internal/api/ec2"
)

// DHCP option keys CreateDhcpOptions accepts, with how many values each
// takes (VPC user guide, "DHCP option sets").
var dhcpKeys = map[string]int{
	"domain-name":                       1,
	"domain-name-servers":               4,
	"ntp-servers":                       8,
	"netbios-name-servers":              4,
	"netbios-node-type":                 1,
	"ipv6-address-preferred-lease-time": 1,
}

// noDhcpOptions is the id AssociateDhcpOptions takes to give a VPC no
// DHCP options at all.
const noDhcpOptions = "default"

// parseDhcpConfig validates CreateDhcpOptions' configurations.
func parseDhcpConfig(in []ec2api.NewDhcpConfiguration) (map[string][]string, error) {
	if len(in) == 0 {
		return nil, missingParam("dhcpConfiguration")
	}
	out := map[string][]string{}
	for _, c := range in {
		key := deref(c.Key)
		limit, ok := dhcpKeys[key]
		if !ok {
			return nil, invalidParam("Value (%s) for parameter name is invalid. Unknown DHCP option", key)
		}
		if _, dup := out[key]; dup {
			return nil, invalidParam("Value (%s) for parameter name is invalid. Duplicate DHCP option", key)
		}
		var values []string
		for _, v := range c.Values {
			// The CLI's shorthand and some SDK users pass
			// comma-separated lists in one value.
			for _, part := range strings.Split(v, ",") {
				if part = strings.TrimSpace(part); part != "" {
					values = append(values, part)
				}
			}
		}
		if len(values) == 0 {
			return nil, invalidParam("Value for parameter %s is missing", key)
		}
		if len(values) > limit {
			return nil, invalidParam("Value for parameter %s is invalid. A maximum of %d values is allowed.", key, limit)
		}
		for _, v := range values {
			if err := checkDhcpValue(key, v); err != nil {
				return nil, err
			}
		}
		out[key] = values
	}
	return out, nil
}

func checkDhcpValue(key, v string) error {
	bad := invalidParam("Value (%s) for parameter value is invalid. Invalid value for DHCP option %s", v, key)
	switch key {
	case "domain-name-servers":
		if v == "AmazonProvidedDNS" {
			return nil
		}
		if _, err := netip.ParseAddr(v); err != nil {
			return bad
		}
	case "ntp-servers", "netbios-name-servers":
		if _, err := netip.ParseAddr(v); err != nil {
			return bad
		}
	case "netbios-node-type":
		switch v {
		case "1", "2", "4", "8":
		default:
			return bad
		}
	case "ipv6-address-preferred-lease-time":
		// 140 seconds to 2147483647 (AWS's documented range).
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 140 || n > 2147483647 {
			return bad
		}
	case "domain-name":
		if len(v) > 255 || strings.ContainsAny(v, "\t\n\r") {
			return bad
		}
	}
	return nil
}

func (d *dhcpOptionsRec) api() ec2api.DhcpOptions {
	out := ec2api.DhcpOptions{DhcpOptionsId: ptr(d.ID), OwnerId: ptr(d.Owner), Tags: apiTags(d.Tags)}
	for _, k := range sortedKeys(d.Options) {
		c := ec2api.DhcpConfiguration{Key: ptr(k)}
		for _, v := range d.Options[k] {
			c.Values = append(c.Values, ec2api.AttributeValue{Value: ptr(v)})
		}
		out.DhcpConfigurations = append(out.DhcpConfigurations, c)
	}
	return out
}

var dhcpFilters = sync.OnceValue(func() filterDefs[*dhcpOptionsRec] {
	return filterDefs[*dhcpOptionsRec]{
		"dhcp-options-id": func(d *dhcpOptionsRec) []string { return one(d.ID) },
		"key":             func(d *dhcpOptionsRec) []string { return sortedKeys(d.Options) },
		"value": func(d *dhcpOptionsRec) []string {
			var out []string
			for _, k := range sortedKeys(d.Options) {
				out = append(out, d.Options[k]...)
			}
			return out
		},
		"owner-id": func(d *dhcpOptionsRec) []string { return one(d.Owner) },
	}
})

// CreateDhcpOptions creates a DHCP options set.
func (s *Service) CreateDhcpOptions(ctx context.Context, in *ec2api.CreateDhcpOptionsInput) (*ec2api.CreateDhcpOptionsOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	opts, err := parseDhcpConfig(in.DhcpConfigurations)
	if err != nil {
		return nil, err
	}
	tags, err := s.specTags(in.TagSpecifications, kindDhcp.resourceType)
	if err != nil {
		return nil, err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	d := &dhcpOptionsRec{meta: meta{ID: s.ids.Resource("dopt"), Tags: tags}, Owner: sc.account, Options: opts}
	if err := s.st.Update(ctx, func(tx store.Tx) error { return dhcpOptions.put(tx, sc, d) }); err != nil {
		return nil, err
	}
	out := d.api()
	return &ec2api.CreateDhcpOptionsOutput{DhcpOptions: &out}, nil
}

// DescribeDhcpOptions lists DHCP options sets.
func (s *Service) DescribeDhcpOptions(ctx context.Context, in *ec2api.DescribeDhcpOptionsInput) (*ec2api.DescribeDhcpOptionsOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	if err := checkIDs(kindDhcp, in.DhcpOptionsIds); err != nil {
		return nil, err
	}
	fs, err := dhcpFilters().compile(in.Filters)
	if err != nil {
		return nil, err
	}
	pg, err := parsePage(in.MaxResults, in.NextToken, len(in.DhcpOptionsIds) > 0, "dhcpOptionsIds", describeLimits)
	if err != nil {
		return nil, err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	var items []*dhcpOptionsRec
	var next string
	err = s.st.View(ctx, func(tx store.Tx) error {
		var err error
		items, next, err = describe(tx, sc, dhcpOptions, kindDhcp, query[*dhcpOptionsRec]{ids: in.DhcpOptionsIds, filters: fs, page: pg})
		return err
	})
	if err != nil {
		return nil, err
	}
	out := &ec2api.DescribeDhcpOptionsOutput{DhcpOptions: make([]ec2api.DhcpOptions, 0, len(items))}
	for _, d := range items {
		out.DhcpOptions = append(out.DhcpOptions, d.api())
	}
	if next != "" {
		out.NextToken = &next
	}
	return out, nil
}

// AssociateDhcpOptions gives a VPC an options set, or none with "default".
func (s *Service) AssociateDhcpOptions(ctx context.Context, in *ec2api.AssociateDhcpOptionsInput) (*ec2api.AssociateDhcpOptionsOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	id := deref(in.DhcpOptionsId)
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		v, err := getVPC(tx, sc, deref(in.VpcId))
		if err != nil {
			return err
		}
		if id != noDhcpOptions {
			if _, err := getByKind(tx, sc, dhcpOptions, kindDhcp, id); err != nil {
				return err
			}
		}
		v.DhcpOptions = id
		return vpcs.put(tx, sc, v)
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.AssociateDhcpOptionsOutput{}, nil
}

// DeleteDhcpOptions deletes an options set no VPC uses.
func (s *Service) DeleteDhcpOptions(ctx context.Context, in *ec2api.DeleteDhcpOptionsInput) (*ec2api.DeleteDhcpOptionsOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	id := deref(in.DhcpOptionsId)
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		d, err := getByKind(tx, sc, dhcpOptions, kindDhcp, id)
		if err != nil {
			return err
		}
		inUse := false
		err = vpcs.all(tx, sc, func(v *vpcRec) bool {
			inUse = v.DhcpOptions == d.ID
			return !inUse
		})
		if err != nil {
			return err
		}
		if inUse {
			return errf(http.StatusBadRequest, "DependencyViolation", "The dhcpOptions '%s' has dependencies and cannot be deleted.", d.ID)
		}
		return dhcpOptions.delete(tx, sc, d)
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.DeleteDhcpOptionsOutput{}, nil
}
