package ec2

import (
	"errors"
	"slices"

	"hakoniwa/internal/store"
)

// query is a parsed Describe call over one kind.
type query[P record] struct {
	ids     []string
	filters []filter[P]
	page    page
}

// checkIDs refuses malformed ids before anything is read.
func checkIDs(k kindInfo, ids []string) error {
	for _, id := range ids {
		if !wellFormed(id, k.prefix) {
			return k.malformed(id)
		}
	}
	return nil
}

// describe runs q over tbl: by ids (every one must exist), through an index
// when a filter on an indexed name has literal values, else by scanning in
// id order from the page token. Matching records come back in id order.
func describe[T any, P interface {
	*T
	record
}](tx store.Tx, sc scope, tbl *table[T, P], k kindInfo, q query[P]) ([]P, string, error) {
	c := &collector[P]{pg: q.page}
	if len(q.ids) > 0 {
		ids := slices.Clone(q.ids)
		slices.Sort(ids)
		ids = slices.Compact(ids)
		var missing []string
		var found []P
		for _, id := range ids {
			r, err := tbl.get(tx, sc, id)
			if errors.Is(err, store.ErrNotFound) {
				missing = append(missing, id)
				continue
			}
			if err != nil {
				return nil, "", err
			}
			found = append(found, r)
		}
		if len(missing) > 0 {
			return nil, "", k.notFound(missing...)
		}
		for _, r := range found {
			if matchAll(r, q.filters) {
				c.add(r)
			}
		}
		items, _ := c.result()
		return items, "", nil
	}
	for _, f := range q.filters {
		if _, indexed := tbl.indexes[f.name]; !indexed {
			continue
		}
		values, ok := f.literal()
		if !ok {
			continue
		}
		var ids []string
		for _, v := range values {
			got, err := tbl.idsBy(tx, sc, f.name, v)
			if err != nil {
				return nil, "", err
			}
			ids = append(ids, got...)
		}
		slices.Sort(ids)
		ids = slices.Compact(ids)
		for _, id := range ids {
			if q.page.after != "" && id <= q.page.after {
				continue
			}
			r, err := tbl.get(tx, sc, id)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				return nil, "", err
			}
			if matchAll(r, q.filters) && !c.add(r) {
				break
			}
		}
		items, next := c.result()
		return items, next, nil
	}
	err := tbl.after(tx, sc, q.page.after, func(r P) bool {
		return !matchAll(r, q.filters) || c.add(r)
	})
	if err != nil {
		return nil, "", err
	}
	items, next := c.result()
	return items, next, nil
}
