package policy

import (
	"bytes"
	"encoding/base64"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
)

// opFamily groups the condition operators by how they compare one context
// value with one policy value ("IAM JSON policy elements: Condition
// operators").
type opFamily int

const (
	opString opFamily = iota
	opStringIgnoreCase
	opStringLike
	opNumeric
	opDate
	opBool
	opBinary
	opIP
	opArn
	opNull
)

type comparison int

const (
	cmpEq comparison = iota
	cmpLt
	cmpLe
	cmpGt
	cmpGe
)

// opInfo describes a base operator. A negated operator ("StringNotEquals")
// is the negation of its positive twin's match over all values.
type opInfo struct {
	base    opFamily
	cmp     comparison
	negated bool
}

var operators = map[string]opInfo{
	"StringEquals":              {opString, cmpEq, false},
	"StringNotEquals":           {opString, cmpEq, true},
	"StringEqualsIgnoreCase":    {opStringIgnoreCase, cmpEq, false},
	"StringNotEqualsIgnoreCase": {opStringIgnoreCase, cmpEq, true},
	"StringLike":                {opStringLike, cmpEq, false},
	"StringNotLike":             {opStringLike, cmpEq, true},
	"NumericEquals":             {opNumeric, cmpEq, false},
	"NumericNotEquals":          {opNumeric, cmpEq, true},
	"NumericLessThan":           {opNumeric, cmpLt, false},
	"NumericLessThanEquals":     {opNumeric, cmpLe, false},
	"NumericGreaterThan":        {opNumeric, cmpGt, false},
	"NumericGreaterThanEquals":  {opNumeric, cmpGe, false},
	"DateEquals":                {opDate, cmpEq, false},
	"DateNotEquals":             {opDate, cmpEq, true},
	"DateLessThan":              {opDate, cmpLt, false},
	"DateLessThanEquals":        {opDate, cmpLe, false},
	"DateGreaterThan":           {opDate, cmpGt, false},
	"DateGreaterThanEquals":     {opDate, cmpGe, false},
	"Bool":                      {opBool, cmpEq, false},
	"BinaryEquals":              {opBinary, cmpEq, false},
	"IpAddress":                 {opIP, cmpEq, false},
	"NotIpAddress":              {opIP, cmpEq, true},
	"ArnEquals":                 {opArn, cmpEq, false},
	"ArnLike":                   {opArn, cmpEq, false},
	"ArnNotEquals":              {opArn, cmpEq, true},
	"ArnNotLike":                {opArn, cmpEq, true},
	"Null":                      {opNull, cmpEq, false},
}

type setOp int

const (
	setNone setOp = iota
	setForAll
	setForAny
)

type parsedOp struct {
	opInfo
	set      setOp
	ifExists bool
}

// parseOperator splits "ForAnyValue:StringLikeIfExists" into its parts.
// Operator names are case-sensitive, as IAM's grammar has them.
func parseOperator(name string) (parsedOp, bool) {
	var p parsedOp
	switch {
	case strings.HasPrefix(name, "ForAllValues:"):
		p.set, name = setForAll, name[len("ForAllValues:"):]
	case strings.HasPrefix(name, "ForAnyValue:"):
		p.set, name = setForAny, name[len("ForAnyValue:"):]
	}
	if base, ok := strings.CutSuffix(name, "IfExists"); ok {
		p.ifExists, name = true, base
	}
	info, ok := operators[name]
	p.opInfo = info
	return p, ok
}

// condition is one (operator, key) pair of a Condition block with its
// values; the values are ORed, the conditions of a statement ANDed.
type condition struct {
	op     string // as written, for explanations
	parsed parsedOp
	key    string // as written
	lkey   string // lower-cased: key names are case-insensitive
	values []condValue
}

type condValue struct {
	raw string
	t   template // string, like and ARN operators (may hold variables)
	ok  bool     // the value parsed for its operator's type
	num float64
	tm  time.Time
	pfx netip.Prefix
	bin []byte
}

func compileConditions(block map[string]any, vars bool) ([]*condition, error) {
	var out []*condition
	for op, kv := range block {
		parsed, known := parseOperator(op)
		if !known {
			continue // an empty block of an unknown operator is accepted and inert
		}
		for key, val := range kv.(map[string]any) {
			c := &condition{op: op, parsed: parsed, key: key, lkey: strings.ToLower(key)}
			for _, raw := range toStrings(val) {
				c.values = append(c.values, compileValue(parsed.base, raw, vars))
			}
			out = append(out, c)
		}
	}
	// Map order is random; a stable order makes explanations repeatable.
	slices.SortFunc(out, func(a, b *condition) int {
		if c := strings.Compare(a.op, b.op); c != 0 {
			return c
		}
		return strings.Compare(a.key, b.key)
	})
	return out, nil
}

func compileValue(base opFamily, raw string, vars bool) condValue {
	v := condValue{raw: raw}
	switch base {
	case opString, opStringIgnoreCase, opStringLike, opArn:
		v.t = compileTemplate(raw, vars)
		v.ok = true
	case opNumeric:
		f, err := strconv.ParseFloat(raw, 64)
		v.num, v.ok = f, err == nil
	case opDate:
		v.tm, v.ok = parseDate(raw)
	case opIP:
		v.pfx, v.ok = parsePrefix(raw)
	case opBinary:
		b, err := base64.StdEncoding.DecodeString(raw)
		v.bin, v.ok = b, err == nil
	default:
		v.ok = true
	}
	return v
}

func parsePrefix(s string) (netip.Prefix, bool) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, false
		}
		return netip.PrefixFrom(p.Addr().Unmap(), min(p.Bits(), p.Addr().Unmap().BitLen())).Masked(), true
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, false
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), true
}

// ISO 8601 spellings IAM accepts for Date operators; epoch seconds are the
// other form.
var dateLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04",
	"2006-01-02T15Z07:00",
	"2006-01-02T15",
	"2006-01-02",
	"2006-01",
}

func parseDate(s string) (time.Time, bool) {
	if strings.ContainsAny(s, "tT-") {
		u := strings.ToUpper(s)
		for _, l := range dateLayouts {
			if t, err := time.Parse(l, u); err == nil {
				return t, true
			}
		}
		return time.Time{}, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return time.Time{}, false
	}
	return time.Unix(n, 0).UTC(), true
}

// eval decides the condition for the request. The rules for a key that is
// missing, and for multivalued keys, are the User Guide's ("Condition
// operators", "Set operators for multivalued context keys"):
//   - ...IfExists: a missing key makes the condition true;
//   - Null: true/false asks whether the key is absent;
//   - ForAllValues: true when the key is missing or empty, else every
//     context value must match some policy value;
//   - ForAnyValue: false when the key is missing, else some context value
//     must match some policy value;
//   - otherwise a missing key does not match, which makes a negated
//     operator ("StringNotEquals", "NotIpAddress", ...) true.
func (c *condition) eval(ec *evalCtx) bool {
	vals, present := ec.get(c.lkey)
	present = present && len(vals) > 0
	p := c.parsed
	if p.base == opNull {
		for _, v := range c.values {
			if strings.EqualFold(v.raw, "true") != present {
				return true
			}
		}
		return false
	}
	if !present {
		switch {
		case p.ifExists:
			return true
		case p.set == setForAll:
			return true
		case p.set == setForAny:
			ec.noteMissing(c.key)
			return false
		}
		if !p.negated {
			ec.noteMissing(c.key)
		}
		return p.negated
	}
	switch p.set {
	case setForAll:
		for _, r := range vals {
			if c.matchAny(ec, r) == p.negated {
				return false
			}
		}
		return true
	case setForAny:
		for _, r := range vals {
			if c.matchAny(ec, r) != p.negated {
				return true
			}
		}
		return false
	}
	for _, r := range vals {
		if c.matchAny(ec, r) {
			return !p.negated
		}
	}
	return p.negated
}

// matchAny reports whether the context value r matches any policy value
// under the positive form of the operator.
func (c *condition) matchAny(ec *evalCtx, r string) bool {
	for i := range c.values {
		if c.match(ec, &c.values[i], r) {
			return true
		}
	}
	return false
}

func (c *condition) match(ec *evalCtx, v *condValue, r string) bool {
	if !v.ok {
		return false
	}
	switch c.parsed.base {
	case opString, opStringIgnoreCase, opStringLike, opArn:
		pat, ok := v.t.expand(ec)
		if !ok {
			return false
		}
		switch c.parsed.base {
		case opString:
			return literal(pat) == r
		case opStringIgnoreCase:
			return strings.EqualFold(literal(pat), r)
		case opStringLike:
			return globMatch(pat, r)
		default:
			return matchARN(pat, r, false)
		}
	case opNumeric:
		f, err := strconv.ParseFloat(r, 64)
		if err != nil {
			return false
		}
		return compare(c.parsed.cmp, cmpFloat(f, v.num))
	case opDate:
		t, ok := parseDate(r)
		if !ok {
			return false
		}
		return compare(c.parsed.cmp, t.Compare(v.tm))
	case opBool:
		return strings.EqualFold(r, v.raw)
	case opBinary:
		b, err := base64.StdEncoding.DecodeString(r)
		if err != nil {
			b = []byte(r)
		}
		return bytes.Equal(b, v.bin)
	case opIP:
		a, err := netip.ParseAddr(r)
		if err != nil {
			return false
		}
		return v.pfx.Contains(a.Unmap())
	}
	return false
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// compare applies cmp to the sign of (context value - policy value).
func compare(cmp comparison, sign int) bool {
	switch cmp {
	case cmpLt:
		return sign < 0
	case cmpLe:
		return sign <= 0
	case cmpGt:
		return sign > 0
	case cmpGe:
		return sign >= 0
	}
	return sign == 0
}
