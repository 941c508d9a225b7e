package regions

import (
	"encoding/json"
	"os"
	"regexp"
	"sort"
	"testing"
)

func TestCatalogueShape(t *testing.T) {
	nameRE := regexp.MustCompile(`^[a-z]{2}-(east|west|north|south|central|northeast|northwest|southeast|southwest)-[0-9]$`)
	all := All()
	if len(all) != 34 {
		t.Errorf("%d regions, want 34", len(all))
	}
	if !sort.SliceIsSorted(all, func(i, j int) bool { return all[i].Name < all[j].Name }) {
		t.Error("regions not sorted by name")
	}
	ids := map[string]string{}
	names := map[string]bool{}
	for _, r := range all {
		if !nameRE.MatchString(r.Name) {
			t.Errorf("region name %q", r.Name)
		}
		if r.Description == "" {
			t.Errorf("%s: no description", r.Name)
		}
		if len(r.Zones) < 2 {
			t.Errorf("%s: %d zones, want at least 2", r.Name, len(r.Zones))
		}
		zoneRE := regexp.MustCompile(`^` + regexp.QuoteMeta(r.Name) + `[a-z]$`)
		idRE := regexp.MustCompile(`^` + idPrefix(r.Name) + `-az[1-9]$`)
		for _, z := range r.Zones {
			if !zoneRE.MatchString(z.Name) {
				t.Errorf("%s: zone name %q", r.Name, z.Name)
			}
			if !idRE.MatchString(z.ID) {
				t.Errorf("%s: zone id %q", r.Name, z.ID)
			}
			if other, dup := ids[z.ID]; dup {
				t.Errorf("zone id %s used by %s and %s", z.ID, other, z.Name)
			}
			ids[z.ID] = z.Name
			if names[z.Name] {
				t.Errorf("zone name %s repeated", z.Name)
			}
			names[z.Name] = true
		}
	}
}

func TestKnownRegions(t *testing.T) {
	cases := []struct {
		name, desc string
		optIn      bool
		zones      []Zone
	}{
		{"us-east-1", "US East (N. Virginia)", false, []Zone{
			{"us-east-1a", "use1-az1"}, {"us-east-1b", "use1-az2"}, {"us-east-1c", "use1-az3"},
			{"us-east-1d", "use1-az4"}, {"us-east-1e", "use1-az5"}, {"us-east-1f", "use1-az6"},
		}},
		{"us-west-1", "US West (N. California)", false, []Zone{{"us-west-1a", "usw1-az3"}, {"us-west-1c", "usw1-az1"}}},
		{"us-west-2", "US West (Oregon)", false, []Zone{
			{"us-west-2a", "usw2-az1"}, {"us-west-2b", "usw2-az2"}, {"us-west-2c", "usw2-az3"}, {"us-west-2d", "usw2-az4"},
		}},
		{"ap-northeast-1", "Asia Pacific (Tokyo)", false, []Zone{
			{"ap-northeast-1a", "apne1-az4"}, {"ap-northeast-1c", "apne1-az1"}, {"ap-northeast-1d", "apne1-az2"},
		}},
		{"ap-southeast-2", "Asia Pacific (Sydney)", false, []Zone{
			{"ap-southeast-2a", "apse2-az1"}, {"ap-southeast-2b", "apse2-az2"}, {"ap-southeast-2c", "apse2-az3"},
		}},
		{"ca-central-1", "Canada (Central)", false, []Zone{
			{"ca-central-1a", "cac1-az1"}, {"ca-central-1b", "cac1-az2"}, {"ca-central-1d", "cac1-az4"},
		}},
		{"af-south-1", "Africa (Cape Town)", true, []Zone{
			{"af-south-1a", "afs1-az1"}, {"af-south-1b", "afs1-az2"}, {"af-south-1c", "afs1-az3"},
		}},
		{"mx-central-1", "Mexico (Central)", true, []Zone{
			{"mx-central-1a", "mxc1-az1"}, {"mx-central-1b", "mxc1-az2"}, {"mx-central-1c", "mxc1-az3"},
		}},
	}
	for _, c := range cases {
		r, ok := Lookup(c.name)
		if !ok {
			t.Errorf("Lookup(%q) not found", c.name)
			continue
		}
		if r.Description != c.desc || r.OptIn != c.optIn {
			t.Errorf("%s = %q optIn=%v, want %q optIn=%v", c.name, r.Description, r.OptIn, c.desc, c.optIn)
		}
		if len(r.Zones) != len(c.zones) {
			t.Errorf("%s zones = %v, want %v", c.name, r.Zones, c.zones)
			continue
		}
		for i := range c.zones {
			if r.Zones[i] != c.zones[i] {
				t.Errorf("%s zone %d = %v, want %v", c.name, i, r.Zones[i], c.zones[i])
			}
		}
	}
	for _, bad := range []string{"", "us-east-7", "cn-north-1", "us-gov-west-1", "US-EAST-1"} {
		if _, ok := Lookup(bad); ok {
			t.Errorf("Lookup(%q) found a region", bad)
		}
	}
}

func TestLookupZone(t *testing.T) {
	for _, q := range []string{"eu-west-2b", "euw2-az2"} {
		r, z, ok := LookupZone(q)
		if !ok || r.Name != "eu-west-2" || z != (Zone{"eu-west-2b", "euw2-az2"}) {
			t.Errorf("LookupZone(%q) = %v %v %v", q, r.Name, z, ok)
		}
	}
	if _, _, ok := LookupZone("ap-northeast-1b"); ok {
		t.Error("ap-northeast-1b is closed to new accounts and must not be listed")
	}
}

// Callers get copies: editing one must not change the catalogue.
func TestResultsAreCopies(t *testing.T) {
	r, _ := Lookup("us-east-2")
	r.Zones[0].Name = "mutated"
	if again, _ := Lookup("us-east-2"); again.Zones[0].Name != "us-east-2a" {
		t.Fatal("Lookup result aliases the catalogue")
	}
}

// The catalogue must match botocore's list of commercial regions when it is
// installed, so a new Region in a botocore upgrade is noticed.
func TestMatchesBotocore(t *testing.T) {
	data, err := os.ReadFile("/root/.pyenv/versions/3.11.7/lib/python3.11/site-packages/botocore/data/endpoints.json")
	if err != nil {
		t.Skip("botocore not installed")
	}
	var doc struct {
		Partitions []struct {
			Partition string `json:"partition"`
			Regions   map[string]struct {
				Description string `json:"description"`
			} `json:"regions"`
		} `json:"partitions"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	for _, p := range doc.Partitions {
		if p.Partition != "aws" {
			continue
		}
		for name, info := range p.Regions {
			r, ok := Lookup(name)
			if !ok {
				t.Errorf("botocore region %s missing", name)
				continue
			}
			if r.Description != info.Description {
				t.Errorf("%s description %q, botocore says %q", name, r.Description, info.Description)
			}
		}
		if len(p.Regions) != len(All()) {
			t.Errorf("botocore lists %d regions, catalogue %d", len(p.Regions), len(All()))
		}
	}
}
