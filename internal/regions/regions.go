// Package regions is the catalogue of AWS's commercial Regions (partition
// "aws") and their Availability Zones, as DescribeRegions and
// DescribeAvailabilityZones report them.
//
// Sources: Region names and descriptions are those of botocore's
// endpoints.json (botocore 1.43); zone counts and AZ IDs follow AWS's
// "Regions and Availability Zones" guide. Local and Wavelength Zones are not
// listed.
//
// Zone names map to AZ IDs per account in the Regions launched before
// November 2012 (us-east-1, us-west-1, us-west-2, eu-west-1, ap-northeast-1,
// ap-southeast-1, ap-southeast-2, sa-east-1); every later Region maps
// uniformly, "a" to az1, "b" to az2 and so on. hakoniwa uses one fixed
// mapping for every account: the uniform one where it exists, and for the old
// Regions a mapping a real account reported (ap-northeast-1) or, lacking
// one, the letters in ID order. Retired or constrained zones that new
// accounts cannot use are left out (ap-northeast-1b, us-west-1's usw1-az2,
// ca-central-1's cac1-az3), so the letters have gaps where AWS's do.
package regions

import (
	"strconv"
	"strings"
)

// Region is one AWS Region.
type Region struct {
	Name        string // e.g. "us-east-1"
	Description string // e.g. "US East (N. Virginia)"
	Zones       []Zone
	// OptIn marks Regions an account must enable before use
	// (DescribeRegions' OptInStatus "not-opted-in" until then).
	OptIn bool
}

// Zone is one Availability Zone.
type Zone struct {
	Name string // e.g. "us-east-1a"
	ID   string // e.g. "use1-az1"
}

// All returns every Region, sorted by name. The slice and its zones are
// fresh copies: callers may modify them.
func All() []Region {
	out := make([]Region, len(catalogue))
	for i, r := range catalogue {
		out[i] = r.build()
	}
	return out
}

// Lookup returns the Region called name.
func Lookup(name string) (Region, bool) {
	for _, r := range catalogue {
		if r.name == name {
			return r.build(), true
		}
	}
	return Region{}, false
}

// LookupZone returns the Availability Zone with the given name or ID, in any
// Region.
func LookupZone(nameOrID string) (Region, Zone, bool) {
	for _, r := range catalogue {
		reg := r.build()
		for _, z := range reg.Zones {
			if z.Name == nameOrID || z.ID == nameOrID {
				return reg, z, true
			}
		}
	}
	return Region{}, Zone{}, false
}

// entry is the compact form of a Region: each zone as its letter and AZ ID
// number, e.g. "a1 c3".
type entry struct {
	name, description string
	optIn             bool
	zones             []zoneSpec
}

type zoneSpec struct {
	letter byte
	az     int
}

// uniform is the mapping of Regions launched after November 2012: n zones
// lettered a.. and numbered 1.. in order.
func uniform(n int) []zoneSpec {
	z := make([]zoneSpec, n)
	for i := range z {
		z[i] = zoneSpec{letter: byte('a' + i), az: i + 1}
	}
	return z
}

func (e entry) build() Region {
	r := Region{Name: e.name, Description: e.description, OptIn: e.optIn, Zones: make([]Zone, len(e.zones))}
	prefix := idPrefix(e.name)
	for i, z := range e.zones {
		r.Zones[i] = Zone{Name: e.name + string(z.letter), ID: prefix + "-az" + strconv.Itoa(z.az)}
	}
	return r
}

// idPrefix derives the AZ ID prefix from a Region name: the area code, the
// initials of the direction and the number ("ap-southeast-2" -> "apse2").
func idPrefix(region string) string {
	area, rest, _ := strings.Cut(region, "-")
	dir, num, _ := strings.Cut(rest, "-")
	return area + directionInitials[dir] + num
}

var directionInitials = map[string]string{
	"east": "e", "west": "w", "north": "n", "south": "s", "central": "c",
	"northeast": "ne", "northwest": "nw", "southeast": "se", "southwest": "sw",
}

// catalogue lists the Regions sorted by name.
var catalogue = []entry{
	{"af-south-1", "Africa (Cape Town)", true, uniform(3)},
	{"ap-east-1", "Asia Pacific (Hong Kong)", true, uniform(3)},
	{"ap-east-2", "Asia Pacific (Taipei)", true, uniform(3)},
	// Tokyo: ap-northeast-1b (apne1-az3) is closed to new accounts; the
	// mapping is one a real account reports.
	{"ap-northeast-1", "Asia Pacific (Tokyo)", false, []zoneSpec{{'a', 4}, {'c', 1}, {'d', 2}}},
	{"ap-northeast-2", "Asia Pacific (Seoul)", false, uniform(4)},
	{"ap-northeast-3", "Asia Pacific (Osaka)", false, uniform(3)},
	{"ap-south-1", "Asia Pacific (Mumbai)", false, uniform(3)},
	{"ap-south-2", "Asia Pacific (Hyderabad)", true, uniform(3)},
	{"ap-southeast-1", "Asia Pacific (Singapore)", false, uniform(3)},
	{"ap-southeast-2", "Asia Pacific (Sydney)", false, uniform(3)},
	{"ap-southeast-3", "Asia Pacific (Jakarta)", true, uniform(3)},
	{"ap-southeast-4", "Asia Pacific (Melbourne)", true, uniform(3)},
	{"ap-southeast-5", "Asia Pacific (Malaysia)", true, uniform(3)},
	{"ap-southeast-6", "Asia Pacific (New Zealand)", true, uniform(3)},
	{"ap-southeast-7", "Asia Pacific (Thailand)", true, uniform(3)},
	// Canada (Central): cac1-az3 is retired, so there is no ca-central-1c.
	{"ca-central-1", "Canada (Central)", false, []zoneSpec{{'a', 1}, {'b', 2}, {'d', 4}}},
	{"ca-west-1", "Canada West (Calgary)", true, uniform(3)},
	{"eu-central-1", "Europe (Frankfurt)", false, uniform(3)},
	{"eu-central-2", "Europe (Zurich)", true, uniform(3)},
	{"eu-north-1", "Europe (Stockholm)", false, uniform(3)},
	{"eu-south-1", "Europe (Milan)", true, uniform(3)},
	{"eu-south-2", "Europe (Spain)", true, uniform(3)},
	{"eu-west-1", "Europe (Ireland)", false, uniform(3)},
	{"eu-west-2", "Europe (London)", false, uniform(3)},
	{"eu-west-3", "Europe (Paris)", false, uniform(3)},
	{"il-central-1", "Israel (Tel Aviv)", true, uniform(3)},
	{"me-central-1", "Middle East (UAE)", true, uniform(3)},
	{"me-south-1", "Middle East (Bahrain)", true, uniform(3)},
	{"mx-central-1", "Mexico (Central)", true, uniform(3)},
	{"sa-east-1", "South America (Sao Paulo)", false, uniform(3)},
	// N. Virginia: six zones, use1-az1 .. use1-az6.
	{"us-east-1", "US East (N. Virginia)", false, uniform(6)},
	{"us-east-2", "US East (Ohio)", false, uniform(3)},
	// N. California: two zones for new accounts (usw1-az2 is closed to
	// them), named us-west-1a and us-west-1c in many accounts.
	{"us-west-1", "US West (N. California)", false, []zoneSpec{{'a', 3}, {'c', 1}}},
	{"us-west-2", "US West (Oregon)", false, uniform(4)},
}
