package ec2

import (
	"context"
	"net/http"
	"net/netip"
	"slices"
	"strings"

	"hakoniwa/internal/store"

	ec2api "hakoniwa/internal/api/ec2"
)

// Customer-managed prefix lists. Every change makes a new version; the old
// versions are kept so GetManagedPrefixListEntries can read them, and a
// modification naming a CurrentVersion that is no longer current is
// refused, which is how AWS serializes concurrent editors.

// AWS's limits (Amazon VPC quotas, "Customer-managed prefix lists").
const (
	prefixListsPerRegion = 100
	maxPrefixListEntries = 1000
)

func versionMismatch() error {
	return errf(http.StatusBadRequest, "PrefixListVersionMismatch", "The prefix list has the incorrect version number.")
}

// plCidr checks one entry's block against the list's address family.
func plCidr(family, cidr string) (string, error) {
	var p netip.Prefix
	var ok bool
	if family == "IPv6" {
		p, ok = parseIPv6Block(cidr)
	} else {
		p, ok = parseIPv4Block(cidr)
	}
	if !ok {
		return "", invalidParam("The CIDR %s is not a valid %s CIDR block.", cidr, family)
	}
	return p.String(), nil
}

// addEntries applies additions to entries, refusing duplicates.
func addEntries(family string, entries []plEntry, add []ec2api.AddPrefixListEntry) ([]plEntry, error) {
	out := slices.Clone(entries)
	for _, a := range add {
		cidr, err := plCidr(family, deref(a.Cidr))
		if err != nil {
			return nil, err
		}
		if slices.ContainsFunc(out, func(e plEntry) bool { return e.Cidr == cidr }) {
			return nil, errf(http.StatusBadRequest, "InvalidPrefixListModification", "An entry with the CIDR (%s) and description (%s) already exists.", cidr, deref(a.Description))
		}
		out = append(out, plEntry{Cidr: cidr, Description: deref(a.Description)})
	}
	return out, nil
}

func checkPLName(name string) error {
	switch {
	case name == "":
		return missingParam("prefixListName")
	case len(name) > 255:
		return invalidParam("The prefix list name must be at most 255 characters.")
	case strings.HasPrefix(strings.ToLower(name), "com.amazonaws"):
		return invalidParam("The prefix list name cannot start with com.amazonaws.")
	}
	return nil
}

// CreateManagedPrefixList creates a customer-managed prefix list at
// version 1.
func (s *Service) CreateManagedPrefixList(ctx context.Context, in *ec2api.CreateManagedPrefixListInput) (*ec2api.CreateManagedPrefixListOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	if err := checkPLName(deref(in.PrefixListName)); err != nil {
		return nil, err
	}
	family := deref(in.AddressFamily)
	switch family {
	case "IPv4", "IPv6":
	case "":
		return nil, missingParam("addressFamily")
	default:
		return nil, invalidParam("Value (%s) for parameter addressFamily is invalid. Valid values: IPv4, IPv6", family)
	}
	if in.MaxEntries == nil {
		return nil, missingParam("maxEntries")
	}
	if m := *in.MaxEntries; m < 1 || m > maxPrefixListEntries {
		return nil, invalidParam("Value (%d) for parameter maxEntries is invalid. Expecting a value between 1 and %d.", m, maxPrefixListEntries)
	}
	entries, err := addEntries(family, nil, in.Entries)
	if err != nil {
		return nil, err
	}
	if int64(len(entries)) > *in.MaxEntries {
		return nil, invalidParam("The number of entries (%d) exceeds the maximum entries (%d) for the prefix list.", len(entries), *in.MaxEntries)
	}
	tags, err := s.specTags(in.TagSpecifications, kindPrefixList.resourceType)
	if err != nil {
		return nil, err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	r := &prefixListRec{meta: meta{ID: s.ids.Resource("pl"), Tags: tags}, Owner: sc.account, Name: *in.PrefixListName, Family: family,
		MaxEntries: *in.MaxEntries, Version: 1, Versions: [][]plEntry{entries}}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		if n, err := prefixLists.count(tx, sc); err != nil || n >= prefixListsPerRegion {
			return orErr(err, errf(http.StatusBadRequest, "PrefixListLimitExceeded", "The maximum number of prefix lists has been reached."))
		}
		return prefixLists.put(tx, sc, r)
	})
	if err != nil {
		return nil, err
	}
	out := r.view().api(sc.region)
	return &ec2api.CreateManagedPrefixListOutput{PrefixList: &out}, nil
}

// ModifyManagedPrefixList renames a list, changes its entries (a new
// version) or its size — entries and size not in the same call.
func (s *Service) ModifyManagedPrefixList(ctx context.Context, in *ec2api.ModifyManagedPrefixListInput) (*ec2api.ModifyManagedPrefixListOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	changesEntries := len(in.AddEntries) > 0 || len(in.RemoveEntries) > 0
	if changesEntries && in.MaxEntries != nil {
		return nil, invalidCombination("You cannot modify the entries and the maximum entries for the prefix list in the same request.")
	}
	if in.PrefixListName != nil {
		if err := checkPLName(*in.PrefixListName); err != nil {
			return nil, err
		}
	}
	id := deref(in.PrefixListId)
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	var out ec2api.ManagedPrefixList
	err = s.st.Update(ctx, func(tx store.Tx) error {
		r, err := getByKind(tx, sc, prefixLists, kindPrefixList, id)
		if err != nil {
			return orNotFound(err, prefixListNotFound(id))
		}
		if in.CurrentVersion != nil && *in.CurrentVersion != r.Version {
			return versionMismatch()
		}
		if in.PrefixListName != nil {
			r.Name = *in.PrefixListName
		}
		if m := in.MaxEntries; m != nil {
			if *m < int64(len(r.entries())) || *m > maxPrefixListEntries {
				return invalidParam("Value (%d) for parameter maxEntries is invalid. It must be between the number of entries (%d) and %d.", *m, len(r.entries()), maxPrefixListEntries)
			}
			r.MaxEntries = *m
		}
		if changesEntries {
			if in.CurrentVersion == nil {
				return missingParam("currentVersion")
			}
			entries := slices.Clone(r.entries())
			for _, rm := range in.RemoveEntries {
				cidr, err := plCidr(r.Family, deref(rm.Cidr))
				if err != nil {
					return err
				}
				i := slices.IndexFunc(entries, func(e plEntry) bool { return e.Cidr == cidr })
				if i < 0 {
					return errf(http.StatusBadRequest, "InvalidPrefixListModification", "The entry with the CIDR (%s) does not exist.", cidr)
				}
				entries = slices.Delete(entries, i, i+1)
			}
			if entries, err = addEntries(r.Family, entries, in.AddEntries); err != nil {
				return err
			}
			if int64(len(entries)) > r.MaxEntries {
				return invalidParam("The number of entries (%d) exceeds the maximum entries (%d) for the prefix list.", len(entries), r.MaxEntries)
			}
			r.Versions = append(r.Versions, entries)
			r.Version++
		}
		if err := prefixLists.put(tx, sc, r); err != nil {
			return err
		}
		out = r.view().api(sc.region)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.ModifyManagedPrefixListOutput{PrefixList: &out}, nil
}

// DeleteManagedPrefixList deletes a list no route or security group rule
// references.
func (s *Service) DeleteManagedPrefixList(ctx context.Context, in *ec2api.DeleteManagedPrefixListInput) (*ec2api.DeleteManagedPrefixListOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	id := deref(in.PrefixListId)
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	var out ec2api.ManagedPrefixList
	err = s.st.Update(ctx, func(tx store.Tx) error {
		r, err := getByKind(tx, sc, prefixLists, kindPrefixList, id)
		if err != nil {
			return orNotFound(err, prefixListNotFound(id))
		}
		used := false
		err = sgRules.all(tx, sc, func(x *sgRuleRec) bool {
			used = x.PrefixList == id
			return !used
		})
		if err != nil {
			return err
		}
		if !used {
			err = routeTables.all(tx, sc, func(rt *routeTableRec) bool {
				used = slices.ContainsFunc(rt.Routes, func(x route) bool { return x.PrefixList == id })
				return !used
			})
			if err != nil {
				return err
			}
		}
		if used {
			return errf(http.StatusBadRequest, "DependencyViolation", "resource %s has a dependent object", id)
		}
		out = r.view().api(sc.region)
		out.State = ptr("delete-in-progress")
		return prefixLists.delete(tx, sc, r)
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.DeleteManagedPrefixListOutput{PrefixList: &out}, nil
}
