package simulate

import (
	"encoding/base64"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// ContextEntry is one condition key and its values, as the API takes it.
type ContextEntry struct {
	Name   string
	Values []string
	// Type is one of the ContextKeyTypeEnum values: string, stringList,
	// numeric, numericList, boolean, booleanList, ip, ipList, binary,
	// binaryList, date, dateList. Empty means string.
	Type string
}

// valueCheck reports whether a value is valid for a scalar type. Values
// reach the evaluator as given: its condition operators parse them.
type valueCheck func(string) bool

var contextTypes = map[string]valueCheck{
	"string":  func(string) bool { return true },
	"numeric": func(v string) bool { _, err := strconv.ParseFloat(strings.TrimSpace(v), 64); return err == nil },
	"boolean": func(v string) bool { return strings.EqualFold(v, "true") || strings.EqualFold(v, "false") },
	"ip":      validIP,
	"binary":  func(v string) bool { _, err := base64.StdEncoding.DecodeString(v); return err == nil },
	"date":    validDate,
}

func validIP(v string) bool {
	if _, err := netip.ParseAddr(v); err == nil {
		return true
	}
	_, err := netip.ParsePrefix(v)
	return err == nil
}

// Date spellings the simulator takes: ISO 8601 forms the policy language
// accepts in Date conditions, and epoch seconds.
var dateLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04",
	"2006-01-02",
}

func validDate(v string) bool {
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return n >= 0
	}
	u := strings.ToUpper(v)
	for _, l := range dateLayouts {
		if _, err := time.Parse(l, u); err == nil {
			return true
		}
	}
	return false
}

// buildContext converts the entries into the evaluator's request context.
// A key given twice keeps the values of its last entry; key names are
// case-insensitive, as in policies.
func buildContext(entries []ContextEntry) (map[string][]string, error) {
	if len(entries) == 0 {
		return nil, nil
	}
	ctx := make(map[string][]string, len(entries))
	names := map[string]string{} // lower-cased → as last given
	for _, e := range entries {
		if e.Name == "" {
			return nil, invalidInput("Context key name must not be empty.")
		}
		typ := e.Type
		if typ == "" {
			typ = "string"
		}
		base, list := strings.CutSuffix(typ, "List")
		check, ok := contextTypes[base]
		if !ok {
			return nil, invalidInput("Invalid context key type %s for context key %s.", e.Type, e.Name)
		}
		if !list && len(e.Values) > 1 {
			return nil, invalidInput("Context key %s of type %s accepts a single value; use type %sList for several.", e.Name, typ, base)
		}
		for _, v := range e.Values {
			if !check(v) {
				return nil, invalidInput("Invalid value %s for context key %s of type %s.", v, e.Name, typ)
			}
		}
		lk := strings.ToLower(e.Name)
		if prev, ok := names[lk]; ok {
			delete(ctx, prev)
		}
		names[lk] = e.Name
		ctx[e.Name] = append([]string(nil), e.Values...)
	}
	return ctx, nil
}
