package actions

import (
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// The catalogue is consistent: sorted for binary search, and every
// resource type an action names is defined.
func TestCatalogConsistent(t *testing.T) {
	if len(services) < 13 {
		t.Fatalf("%d services", len(services))
	}
	for i := range services {
		s := &services[i]
		if i > 0 && services[i-1].Prefix >= s.Prefix {
			t.Errorf("services not sorted at %s", s.Prefix)
		}
		if !sort.SliceIsSorted(s.Actions, func(a, b int) bool { return s.Actions[a].Name < s.Actions[b].Name }) {
			t.Errorf("%s: actions not sorted", s.Prefix)
		}
		if !sort.SliceIsSorted(s.ResourceTypes, func(a, b int) bool { return s.ResourceTypes[a].Name < s.ResourceTypes[b].Name }) {
			t.Errorf("%s: resource types not sorted", s.Prefix)
		}
		for _, a := range s.Actions {
			if !KnownAction(s.Prefix, a.Name) {
				t.Errorf("%s:%s missing from the name table", s.Prefix, a.Name)
			}
			for _, r := range a.Resources {
				if s.ResourceType(r.Type) == nil {
					t.Errorf("%s:%s: resource type %q undefined", s.Prefix, a.Name, r.Type)
				}
			}
		}
		for _, rt := range s.ResourceTypes {
			if !strings.HasPrefix(rt.ARN, "arn:${Partition}:") {
				t.Errorf("%s %s: ARN template %q", s.Prefix, rt.Name, rt.ARN)
			}
		}
	}
}

func TestLookups(t *testing.T) {
	iam := Lookup("iam")
	if iam == nil || Lookup("nosuch") != nil {
		t.Fatal("Lookup")
	}
	if a := iam.Action("createuser"); a == nil || a.Name != "CreateUser" {
		t.Errorf("case-insensitive Action: %v", a)
	}
	if iam.Action("CreateUsers") != nil {
		t.Error("Action matched a non-action")
	}
	if rt := Lookup("lambda").ResourceType("layerVersion"); rt == nil {
		t.Error("ResourceType is case-insensitive")
	}
	if k := Lookup("s3").ConditionKey("s3:RequestObjectTag/team"); k == nil {
		t.Error("ConditionKey with a <key> variable")
	}
	if k := iam.ConditionKey("aws:RequestTag/team"); k == nil {
		t.Error("ConditionKey with a ${TagKey} variable")
	}
	for _, tt := range []struct {
		prefix, name string
		want         bool
	}{
		{"ec2", "RunInstances", true},
		{"EC2", "runinstances", true},
		{"states", "StartExecution", true}, // not pinned, still named
		{"ec2", "Run", false},
		{"ec2", "", false},
		{"nosuch", "X", false},
	} {
		if got := KnownAction(tt.prefix, tt.name); got != tt.want {
			t.Errorf("KnownAction(%s, %s) = %v", tt.prefix, tt.name, got)
		}
	}
	if !KnownPrefix("s3") || KnownPrefix("s4") {
		t.Error("KnownPrefix")
	}
	if n := len(ActionNames("ec2")); n < 700 {
		t.Errorf("ec2 has %d actions", n)
	}
	if !strings.Contains(strings.Join(Prefixes(), ","), "s3express") {
		t.Error("Prefixes")
	}
}

// Every override names real actions (or says why not) and its source.
func TestOverrides(t *testing.T) {
	for op, o := range overrides {
		if o.source == "" {
			t.Errorf("%s: no source", op)
		}
		if o.none {
			continue
		}
		if len(o.actions) == 0 {
			t.Errorf("%s: no actions", op)
		}
		for _, a := range o.actions {
			p, n, _ := strings.Cut(a, ":")
			if !KnownAction(p, n) && o.source != newer {
				t.Errorf("%s: %s is not an action", op, a)
			}
			if KnownAction(p, n) && o.source == newer {
				t.Errorf("%s: %s is in the catalogue now; drop the override", op, a)
			}
		}
	}
}

// TestEveryOperation maps every operation of every pinned botocore model
// to catalogue actions, and resolves it with an empty input without
// error.
func TestEveryOperation(t *testing.T) {
	files, err := filepath.Glob("../../../models/botocore/*/*/service-2.json.gz")
	if err != nil || len(files) == 0 {
		t.Fatalf("no models: %v", err)
	}
	var total, same, overridden, none, newerN int
	for _, f := range files {
		id := filepath.Base(filepath.Dir(filepath.Dir(f)))
		ops := modelOperations(t, f)
		for _, op := range ops {
			total++
			acts, err := Actions(id, op)
			if err != nil {
				t.Errorf("%s:%s: %v", id, op, err)
				continue
			}
			prefix := serviceIDPrefixes[id]
			o, isOverride := overrides[prefix+":"+op]
			switch {
			case isOverride && o.none:
				none++
			case isOverride && o.source == newer:
				newerN++
			case isOverride:
				overridden++
			default:
				same++
			}
			for _, a := range acts {
				p, n, _ := strings.Cut(a, ":")
				if !KnownAction(p, n) && o.source != newer {
					t.Errorf("%s:%s → %s: not in the catalogue", id, op, a)
				}
			}
			if _, err := Resolve(Request{ServiceID: id, Operation: op, Account: acct, Region: region, Input: map[string]any{}}); err != nil {
				t.Errorf("%s:%s: Resolve: %v", id, op, err)
			}
		}
	}
	t.Logf("%d operations: %d same-name actions, %d overridden, %d need no permission, %d newer than the reference",
		total, same, overridden, none, newerN)
	if total < 1600 {
		t.Errorf("only %d operations", total)
	}
}

func modelOperations(t *testing.T, path string) []string {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Operations map[string]json.RawMessage `json:"operations"`
	}
	if err := json.NewDecoder(zr).Decode(&m); err != nil {
		t.Fatal(err)
	}
	ops := make([]string, 0, len(m.Operations))
	for op := range m.Operations {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	return ops
}
