package catalog

import (
	"slices"
	"strings"
	"testing"
)

func TestByID(t *testing.T) {
	tests := []struct {
		id, signing, target string
		protocol            string
		ok                  bool
	}{
		{id: "s3", signing: "s3", protocol: "rest-xml", ok: true},
		{id: "cloudwatch", signing: "monitoring", target: "GraniteServiceVersion20100801", protocol: "query", ok: true},
		{id: "dynamodb", signing: "dynamodb", target: "DynamoDB_20120810", protocol: "json", ok: true},
		{id: "sts", signing: "sts", protocol: "query", ok: true},
		// A service hakoniwa does not implement is still known.
		{id: "bedrock-runtime", signing: "bedrock", protocol: "rest-json", ok: true},
		{id: "no-such-service"},
		{id: ""},
	}
	for _, tt := range tests {
		e, ok := ByID(tt.id)
		if ok != tt.ok {
			t.Errorf("ByID(%q) ok = %v, want %v", tt.id, ok, tt.ok)
			continue
		}
		if !ok {
			continue
		}
		if e.ID != tt.id || e.SigningName != tt.signing || e.TargetPrefix != tt.target || !slices.Contains(e.Protocols, tt.protocol) {
			t.Errorf("ByID(%q) = %+v, want signing %q target %q protocol %q", tt.id, e, tt.signing, tt.target, tt.protocol)
		}
	}
}

func TestBySigningName(t *testing.T) {
	tests := []struct {
		name string
		want []string // IDs, sorted
	}{
		{"monitoring", []string{"cloudwatch"}},
		{"s3", []string{"s3", "s3control"}},
		{"timestream", []string{"timestream-query", "timestream-write"}},
		{"nope", nil},
	}
	for _, tt := range tests {
		var got []string
		for _, e := range BySigningName(tt.name) {
			got = append(got, e.ID)
		}
		// Other services may join a signing name in later botocore
		// releases; the ones listed must be there, in ID order.
		for _, id := range tt.want {
			if !slices.Contains(got, id) {
				t.Errorf("BySigningName(%q) = %v, missing %s", tt.name, got, id)
			}
		}
		if tt.want == nil && len(got) != 0 {
			t.Errorf("BySigningName(%q) = %v, want none", tt.name, got)
		}
		if !slices.IsSorted(got) {
			t.Errorf("BySigningName(%q) = %v, not sorted", tt.name, got)
		}
	}
}

func TestByTargetPrefix(t *testing.T) {
	tests := []struct{ prefix, id string }{
		{"DynamoDB_20120810", "dynamodb"},
		{"AmazonSQS", "sqs"},
		{"Logs_20140328", "logs"},
		{"TrentService", "kms"},
		// Shared by two services: the first by ID answers.
		{"Timestream_20181101", "timestream-query"},
		{"Nope_20990101", ""},
	}
	for _, tt := range tests {
		e, ok := ByTargetPrefix(tt.prefix)
		if ok != (tt.id != "") || e.ID != tt.id {
			t.Errorf("ByTargetPrefix(%q) = %q, %v; want %q", tt.prefix, e.ID, ok, tt.id)
		}
	}
}

func TestAll(t *testing.T) {
	all := All()
	if len(all) < 400 {
		t.Fatalf("All() has %d entries, want the whole of botocore (400+)", len(all))
	}
	if !slices.IsSortedFunc(all, func(a, b Entry) int { return strings.Compare(a.ID, b.ID) }) {
		t.Error("All() is not sorted by ID")
	}
	for _, e := range all {
		if e.ID == "" || e.SigningName == "" || e.APIVersion == "" || len(e.Protocols) == 0 {
			t.Errorf("incomplete entry %+v", e)
		}
	}
	// The result is the caller's to modify.
	all[0].ID = "changed"
	if All()[0].ID == "changed" {
		t.Error("All() shares its backing array")
	}
}
