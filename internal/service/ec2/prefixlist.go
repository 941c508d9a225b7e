package ec2

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"sync"

	"hakoniwa/internal/regions"
	"hakoniwa/internal/store"

	ec2api "hakoniwa/internal/api/ec2"
)

// AWS-managed prefix lists: one per gateway endpoint service (S3,
// DynamoDB) and Region, the same for every account, so they are computed
// rather than stored.
//
// Their ids are "pl-" and 8 hex digits hashed from the Region and the
// service: stable across restarts and releases, different per Region, as
// AWS's are. Their entries are not AWS's real ranges (those belong to live
// services) but blocks of 198.18.0.0/16, the network-benchmark range of RFC
// 2544: public-looking, never routed on the internet, outside the Elastic
// IP pool (the RFC 5737 ranges) and outside every block a VPC may use
// (198.19.0.0/16 is the half VPCs accept), so a prefix-list route can
// never shadow a VPC's own addresses. Each Region takes four /24s by its
// place in the Region catalogue: two for S3, one for DynamoDB.

// gatewayServices are the services with gateway endpoints, in order.
var gatewayServices = []string{"s3", "dynamodb"}

// awsPrefixList is one AWS-managed prefix list.
type awsPrefixList struct {
	id, name, service string
	cidrs             []string
}

// awsOwner is how AWS-managed prefix lists show their owner.
const awsOwner = "AWS"

func awsPrefixListID(region, service string) string {
	h := sha256.Sum256([]byte("aws-managed-prefix-list/" + region + "/" + service))
	return "pl-" + hex.EncodeToString(h[:4])
}

// awsPrefixLists returns the Region's AWS-managed prefix lists (none for a
// Region hakoniwa does not know).
func awsPrefixLists(region string) []awsPrefixList {
	slot := -1
	for i, r := range regions.All() {
		if r.Name == region {
			slot = i % 64 // 64 slots of four /24s fill 198.18.0.0/16
		}
	}
	if slot < 0 {
		return nil
	}
	block := func(n int) string {
		return netip.AddrFrom4([4]byte{198, 18, byte(slot*4 + n), 0}).String() + "/24"
	}
	return []awsPrefixList{
		{awsPrefixListID(region, "s3"), "com.amazonaws." + region + ".s3", "s3", []string{block(0), block(1)}},
		{awsPrefixListID(region, "dynamodb"), "com.amazonaws." + region + ".dynamodb", "dynamodb", []string{block(2)}},
	}
}

func findAWSPrefixList(region, id string) (awsPrefixList, bool) {
	for _, p := range awsPrefixLists(region) {
		if p.id == id {
			return p, true
		}
	}
	return awsPrefixList{}, false
}

func awsPrefixListFor(region, service string) (awsPrefixList, bool) {
	for _, p := range awsPrefixLists(region) {
		if p.service == service {
			return p, true
		}
	}
	return awsPrefixList{}, false
}

func prefixListARN(region, owner, id string) string {
	if owner == awsOwner {
		owner = "aws"
	}
	return "arn:aws:ec2:" + region + ":" + owner + ":prefix-list/" + id
}

// plView is either kind of prefix list, as DescribeManagedPrefixLists
// filters and renders them.
type plView struct {
	meta
	owner, name, family string
	max, version        int64
	cidrs               []plEntry
}

func (p awsPrefixList) view() *plView {
	v := &plView{meta: meta{ID: p.id}, owner: awsOwner, name: p.name, family: "IPv4", version: 1}
	for _, c := range p.cidrs {
		v.cidrs = append(v.cidrs, plEntry{Cidr: c})
	}
	return v
}

func (r *prefixListRec) view() *plView {
	return &plView{meta: r.meta, owner: r.Owner, name: r.Name, family: r.Family, max: r.MaxEntries, version: r.Version, cidrs: r.entries()}
}

// entries are the current version's entries.
func (r *prefixListRec) entries() []plEntry {
	if len(r.Versions) == 0 {
		return nil
	}
	return r.Versions[len(r.Versions)-1]
}

func (v *plView) api(region string) ec2api.ManagedPrefixList {
	out := ec2api.ManagedPrefixList{
		PrefixListId: ptr(v.ID), PrefixListName: ptr(v.name), AddressFamily: ptr(v.family), OwnerId: ptr(v.owner),
		State: ptr("create-complete"), PrefixListArn: ptr(prefixListARN(region, v.owner, v.ID)), Version: ptr(v.version),
		Tags: apiTags(v.Tags),
	}
	if v.owner != awsOwner {
		out.MaxEntries = ptr(v.max)
		if v.version > 1 {
			out.State = ptr("modify-complete")
		}
	}
	return out
}

var plFilters = sync.OnceValue(func() filterDefs[*plView] {
	return filterDefs[*plView]{
		"owner-id":         func(v *plView) []string { return one(v.owner) },
		"prefix-list-id":   func(v *plView) []string { return one(v.ID) },
		"prefix-list-name": func(v *plView) []string { return one(v.name) },
	}
})

// prefixListEntries resolves a prefix list's blocks for routing; an
// unknown list has none.
func prefixListEntries(tx store.Tx, sc scope, id string) ([]netip.Prefix, error) {
	var cidrs []string
	if p, ok := findAWSPrefixList(sc.region, id); ok {
		cidrs = p.cidrs
	} else {
		r, err := prefixLists.get(tx, sc, id)
		if isNotFound(err) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		for _, e := range r.entries() {
			cidrs = append(cidrs, e.Cidr)
		}
	}
	out := make([]netip.Prefix, 0, len(cidrs))
	for _, c := range cidrs {
		if p, err := netip.ParsePrefix(c); err == nil {
			out = append(out, p)
		}
	}
	return out, nil
}

// routeForLists is routeFor with prefix-list routes taking part: such a
// route matches an address inside any of its list's entries, with that
// entry's length. The longest match wins; at equal length a CIDR route is
// preferred over a prefix-list route, as AWS documents for overlapping
// static and prefix-list routes.
func routeForLists(routes []route, ip netip.Addr, entries func(pl string) []netip.Prefix) (route, bool) {
	best, ok := routeFor(routes, ip)
	bits := -1
	if ok {
		dest := best.Destination
		if ip.Is6() && !ip.Is4In6() {
			dest = best.DestIPv6
		}
		if p, err := netip.ParsePrefix(dest); err == nil {
			bits = p.Bits()
		}
	}
	for _, r := range routes {
		if r.PrefixList == "" || entries == nil {
			continue
		}
		for _, p := range entries(r.PrefixList) {
			if p.Contains(ip.Unmap()) && p.Bits() > bits {
				best, bits, ok = r, p.Bits(), true
			}
		}
	}
	return best, ok
}

func prefixListNotFound(id string) error {
	return errf(http.StatusBadRequest, "InvalidPrefixListID.NotFound", "The prefix list ID '%s' does not exist", id)
}

// DescribePrefixLists lists the AWS services' prefix lists (the lists a
// gateway endpoint routes to).
func (s *Service) DescribePrefixLists(ctx context.Context, in *ec2api.DescribePrefixListsInput) (*ec2api.DescribePrefixListsOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	if err := checkIDs(kindPrefixList, in.PrefixListIds); err != nil {
		return nil, err
	}
	fs, err := plFilters().compile(in.Filters)
	if err != nil {
		return nil, err
	}
	pg, err := parsePage(in.MaxResults, in.NextToken, len(in.PrefixListIds) > 0, "prefixListIds", describeLimits)
	if err != nil {
		return nil, err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	var views []*plView
	for _, p := range awsPrefixLists(sc.region) {
		views = append(views, p.view())
	}
	items, next, err := pickPrefixLists(views, in.PrefixListIds, fs, pg)
	if err != nil {
		return nil, err
	}
	out := &ec2api.DescribePrefixListsOutput{PrefixLists: []ec2api.PrefixList{}}
	for _, v := range items {
		pl := ec2api.PrefixList{PrefixListId: ptr(v.ID), PrefixListName: ptr(v.name), Cidrs: []string{}}
		for _, e := range v.cidrs {
			pl.Cidrs = append(pl.Cidrs, e.Cidr)
		}
		out.PrefixLists = append(out.PrefixLists, pl)
	}
	if next != "" {
		out.NextToken = &next
	}
	return out, nil
}

// pickPrefixLists applies ids, filters and paging to views in id order.
func pickPrefixLists(views []*plView, ids []string, fs []filter[*plView], pg page) ([]*plView, string, error) {
	slices.SortFunc(views, func(a, b *plView) int { return strings.Compare(a.ID, b.ID) })
	if len(ids) > 0 {
		var missing []string
		for _, id := range ids {
			if !slices.ContainsFunc(views, func(v *plView) bool { return v.ID == id }) {
				missing = append(missing, id)
			}
		}
		if len(missing) > 0 {
			return nil, "", prefixListNotFound(joinIDs(missing))
		}
	}
	c := &collector[*plView]{pg: pg}
	for _, v := range views {
		if len(ids) > 0 && !slices.Contains(ids, v.ID) {
			continue
		}
		if matchAll(v, fs) && !c.add(v) {
			break
		}
	}
	items, next := c.result()
	return items, next, nil
}

// allPrefixLists gathers the Region's AWS-managed lists and the account's
// own.
func (s *Service) allPrefixLists(tx store.Tx, sc scope) ([]*plView, error) {
	var views []*plView
	for _, p := range awsPrefixLists(sc.region) {
		views = append(views, p.view())
	}
	err := prefixLists.all(tx, sc, func(r *prefixListRec) bool {
		views = append(views, r.view())
		return true
	})
	return views, err
}

// DescribeManagedPrefixLists lists AWS-managed and the account's prefix
// lists.
func (s *Service) DescribeManagedPrefixLists(ctx context.Context, in *ec2api.DescribeManagedPrefixListsInput) (*ec2api.DescribeManagedPrefixListsOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	if err := checkIDs(kindPrefixList, in.PrefixListIds); err != nil {
		return nil, err
	}
	fs, err := plFilters().compile(in.Filters)
	if err != nil {
		return nil, err
	}
	pg, err := parsePage(in.MaxResults, in.NextToken, len(in.PrefixListIds) > 0, "prefixListIds", pageLimits{1, 100})
	if err != nil {
		return nil, err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	out := &ec2api.DescribeManagedPrefixListsOutput{PrefixLists: []ec2api.ManagedPrefixList{}}
	err = s.st.View(ctx, func(tx store.Tx) error {
		views, err := s.allPrefixLists(tx, sc)
		if err != nil {
			return err
		}
		items, next, err := pickPrefixLists(views, in.PrefixListIds, fs, pg)
		if err != nil {
			return err
		}
		for _, v := range items {
			out.PrefixLists = append(out.PrefixLists, v.api(sc.region))
		}
		if next != "" {
			out.NextToken = &next
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// entryRow pages GetManagedPrefixListEntries by CIDR.
type entryRow struct {
	meta
	e plEntry
}

// GetManagedPrefixListEntries lists a prefix list's entries, of its
// current or an earlier version.
func (s *Service) GetManagedPrefixListEntries(ctx context.Context, in *ec2api.GetManagedPrefixListEntriesInput) (*ec2api.GetManagedPrefixListEntriesOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	id := deref(in.PrefixListId)
	if !wellFormed(id, "pl") {
		return nil, kindPrefixList.malformed(id)
	}
	pg, err := parsePage(in.MaxResults, in.NextToken, false, "", pageLimits{1, 100})
	if err != nil {
		return nil, err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	var entries []plEntry
	err = s.st.View(ctx, func(tx store.Tx) error {
		if p, ok := findAWSPrefixList(sc.region, id); ok {
			if v := in.TargetVersion; v != nil && *v != 1 {
				return invalidParam("The prefix list %s does not have version %d.", id, *v)
			}
			entries = p.view().cidrs
			return nil
		}
		r, err := prefixLists.get(tx, sc, id)
		if err != nil {
			return orNotFound(err, prefixListNotFound(id))
		}
		entries = r.entries()
		if v := in.TargetVersion; v != nil {
			if *v < 1 || *v > int64(len(r.Versions)) {
				return invalidParam("The prefix list %s does not have version %d.", id, *v)
			}
			entries = r.Versions[*v-1]
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	rows := make([]*entryRow, 0, len(entries))
	for _, e := range entries {
		rows = append(rows, &entryRow{meta: meta{ID: e.Cidr}, e: e})
	}
	slices.SortFunc(rows, func(a, b *entryRow) int { return strings.Compare(a.ID, b.ID) })
	c := &collector[*entryRow]{pg: pg}
	for _, r := range rows {
		if !c.add(r) {
			break
		}
	}
	items, next := c.result()
	out := &ec2api.GetManagedPrefixListEntriesOutput{Entries: []ec2api.PrefixListEntry{}}
	for _, r := range items {
		e := ec2api.PrefixListEntry{Cidr: ptr(r.e.Cidr)}
		if r.e.Description != "" {
			e.Description = ptr(r.e.Description)
		}
		out.Entries = append(out.Entries, e)
	}
	if next != "" {
		out.NextToken = &next
	}
	return out, nil
}
