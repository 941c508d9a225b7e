package iam

import (
	"crypto/sha256"
	"embed"
	"encoding/base32"
	"encoding/json"
	"io/fs"
	"sort"
	"strings"
	"time"
)

// managedFS holds AWS's managed policies, one JSON file each (see
// managed/README.md for their source).
//
//go:embed managed/*.json
var managedFS embed.FS

// awsPolicy is one AWS managed policy. It exists in every account.
type awsPolicy struct {
	Name             string          `json:"PolicyName"`
	ID               string          `json:"PolicyId"`
	ARN              string          `json:"Arn"`
	Path             string          `json:"Path"`
	DefaultVersionID string          `json:"DefaultVersionId"`
	Created          time.Time       `json:"CreateDate"`
	Updated          time.Time       `json:"UpdateDate"`
	Description      string          `json:"Description"`
	Document         json.RawMessage `json:"Document"`
}

// awsPolicies is the read-only catalogue of AWS managed policies.
type awsPolicies struct {
	byARN  map[string]*awsPolicy
	sorted []*awsPolicy // by name, case-insensitively
}

// loadAWSPolicies parses the embedded files. They are part of the build
// and covered by tests, so a bad file is a build defect: it is skipped,
// never a reason to refuse to start.
func loadAWSPolicies() *awsPolicies {
	out := &awsPolicies{byARN: map[string]*awsPolicy{}}
	files, _ := fs.Glob(managedFS, "managed/*.json")
	for _, f := range files {
		raw, err := managedFS.ReadFile(f)
		if err != nil {
			continue
		}
		var p awsPolicy
		if json.Unmarshal(raw, &p) != nil || p.Name == "" || p.ARN == "" {
			continue
		}
		if p.ID == "" {
			p.ID = derivedPolicyID(p.Name)
		}
		out.byARN[p.ARN] = &p
		out.sorted = append(out.sorted, &p)
	}
	sort.Slice(out.sorted, func(i, j int) bool { return key(out.sorted[i].Name) < key(out.sorted[j].Name) })
	return out
}

// derivedPolicyID is a stable ANPA id for a policy whose real id is not
// published: the same in every run and every account, as AWS's are.
func derivedPolicyID(name string) string {
	sum := sha256.Sum256([]byte("aws-managed-policy/" + name))
	return "ANPA" + base32.StdEncoding.EncodeToString(sum[:])[:17]
}

// isAWSPolicyARN reports whether arn names a policy in the aws namespace.
func isAWSPolicyARN(arn string) bool { return strings.HasPrefix(arn, "arn:aws:iam::aws:policy/") }
