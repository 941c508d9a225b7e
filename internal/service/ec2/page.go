package ec2

import (
	"encoding/base64"
	"net/http"
	"strconv"
)

// page is a Describe call's MaxResults/NextToken. Results are in id order;
// the token is the last id returned, encoded so clients treat it as opaque.
type page struct {
	max   int // 0: everything
	after string
}

// pageLimits are the MaxResults bounds an operation documents.
type pageLimits struct{ min, max int }

var describeLimits = pageLimits{5, 1000}

// parsePage validates MaxResults and NextToken. idsParam names the
// operation's id list (e.g. "vpcIds"): AWS refuses MaxResults together
// with explicit ids.
func parsePage(maxResults *int64, token *string, idsGiven bool, idsParam string, lim pageLimits) (page, error) {
	var pg page
	if maxResults != nil {
		if idsGiven {
			return pg, invalidCombination("The parameter %s cannot be used with the parameter maxResults", idsParam)
		}
		n := *maxResults
		if n < int64(lim.min) {
			return pg, invalidParam("Value ( %d ) for parameter maxResults is invalid. Expecting a value greater than %d.", n, lim.min)
		}
		if n > int64(lim.max) {
			return pg, invalidParam("Value ( %d ) for parameter maxResults is invalid. Expecting a value less than %d.", n, lim.max)
		}
		pg.max = int(n)
	}
	if t := deref(token); t != "" {
		raw, err := base64.RawURLEncoding.DecodeString(t)
		if err != nil || len(raw) == 0 {
			return pg, errf(http.StatusBadRequest, "InvalidNextToken", "The token '%s' is invalid.", t)
		}
		pg.after = string(raw)
		if pg.max == 0 {
			// A token continues a paged listing; AWS pages with its
			// default size when MaxResults is left out of a later call.
			pg.max = lim.max
		}
	}
	return pg, nil
}

// collector gathers one page of ids in order: it refuses ids at or before
// the token and stops once it holds one more than a page, which tells it
// there is a next page.
type collector[P record] struct {
	pg    page
	items []P
}

// add offers the next record in id order; false means the page is full.
func (c *collector[P]) add(r P) bool {
	if c.pg.after != "" && r.id() <= c.pg.after {
		return true
	}
	c.items = append(c.items, r)
	return c.pg.max == 0 || len(c.items) <= c.pg.max
}

// result returns the page and the token for the next one ("" if last).
func (c *collector[P]) result() ([]P, string) {
	if c.pg.max == 0 || len(c.items) <= c.pg.max {
		return c.items, ""
	}
	items := c.items[:c.pg.max]
	return items, base64.RawURLEncoding.EncodeToString([]byte(items[len(items)-1].id()))
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
