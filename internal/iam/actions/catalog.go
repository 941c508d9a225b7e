// Package actions knows which IAM authorization checks AWS performs for an
// API call: the action names, the resource ARNs they apply to, and the
// condition keys the request itself supplies.
//
// The facts come from AWS's Service Authorization Reference (the pinned
// copy in models/iam-data, generated into zz_catalog.go and zz_names.go by
// tools/iamgen). Resolve turns one decoded request into its checks; the
// few operations whose action AWS names differently are in overrides.go,
// and per-service ways of naming resources in the service's own file
// (s3.go, iam.go, ec2.go, ...).
package actions

//go:generate go run ../../../tools/iamgen

import (
	"sort"
	"strings"
)

// Service is one IAM service prefix's authorization data. Catalogue
// values are shared: treat every slice as read-only.
type Service struct {
	// Prefix is the IAM action prefix ("iam", "ec2", "s3express").
	Prefix string
	// Name is the service's name in the reference ("AWS Identity and
	// Access Management (IAM)").
	Name string
	// Actions, ResourceTypes and ConditionKeys are sorted by Name.
	Actions       []Action
	ResourceTypes []ResourceType
	ConditionKeys []ConditionKey
}

// Action is one IAM action.
type Action struct {
	// Name as the reference spells it ("CreateUser"); policies match it
	// case-insensitively.
	Name string
	// Access is the access level: "Read", "List", "Write", "Tagging",
	// "Permissions management" (some actions list two, comma-separated).
	Access string
	// Resources are the resource types the action applies to, in the
	// reference's order. An action without any applies to "*".
	Resources []ActionResource
	// ConditionKeys are the keys the action supports whatever the
	// resource.
	ConditionKeys []string
	// DependentActions are further actions the call may need.
	DependentActions []string
}

// ActionResource is one resource type an action applies to.
type ActionResource struct {
	// Type names a ResourceType of the same service.
	Type string
	// Required: the action always applies to this resource type; optional
	// ones apply only when the request involves them.
	Required bool
	// ConditionKeys are the keys supported for this resource type.
	ConditionKeys    []string
	DependentActions []string
}

// ResourceType is an ARN template like
// "arn:${Partition}:iam::${Account}:user/${UserNameWithPath}".
type ResourceType struct {
	Name          string
	ARN           string
	ConditionKeys []string
}

// ConditionKey is a service condition key and its value type ("String",
// "ARN", "ArrayOfString", "Bool", "Numeric", "Date", "IPAddress", ...).
type ConditionKey struct {
	Name string
	Type string
}

// Lookup returns the catalogue of an IAM prefix, or nil when it is not
// one of the pinned prefixes (the served services and the prefixes their
// operations authorize against). KnownAction covers every prefix.
func Lookup(prefix string) *Service {
	i := sort.Search(len(services), func(i int) bool { return services[i].Prefix >= prefix })
	if i < len(services) && services[i].Prefix == prefix {
		return &services[i]
	}
	return nil
}

// Prefixes lists the pinned prefixes, sorted.
func Prefixes() []string {
	out := make([]string, len(services))
	for i := range services {
		out[i] = services[i].Prefix
	}
	return out
}

// Action returns the named action, matched case-insensitively as IAM
// does, or nil.
func (s *Service) Action(name string) *Action {
	// Operation names almost always are the exact action name: try the
	// binary search first and fall back to a case-insensitive scan.
	i := sort.Search(len(s.Actions), func(i int) bool { return s.Actions[i].Name >= name })
	if i < len(s.Actions) && s.Actions[i].Name == name {
		return &s.Actions[i]
	}
	for i := range s.Actions {
		if strings.EqualFold(s.Actions[i].Name, name) {
			return &s.Actions[i]
		}
	}
	return nil
}

// ResourceType returns the named resource type, or nil.
func (s *Service) ResourceType(name string) *ResourceType {
	i := sort.Search(len(s.ResourceTypes), func(i int) bool { return s.ResourceTypes[i].Name >= name })
	if i < len(s.ResourceTypes) && s.ResourceTypes[i].Name == name {
		return &s.ResourceTypes[i]
	}
	// The reference is not consistent in case: Lambda's GetLayerVersion
	// applies to "layerVersion", defined as "layerversion".
	for i := range s.ResourceTypes {
		if strings.EqualFold(s.ResourceTypes[i].Name, name) {
			return &s.ResourceTypes[i]
		}
	}
	return nil
}

// ConditionKey returns the named condition key, matched
// case-insensitively as IAM matches keys, or nil. A key of the reference
// with a ${TagKey}- or <key>-style variable ("aws:RequestTag/${TagKey}") matches any
// key with the same text before the variable ("aws:RequestTag/team").
func (s *Service) ConditionKey(name string) *ConditionKey {
	for i := range s.ConditionKeys {
		if keyMatches(s.ConditionKeys[i].Name, name) {
			return &s.ConditionKeys[i]
		}
	}
	return nil
}

// keyMatches reports whether a concrete condition key is an instance of
// the reference's key pattern.
func keyMatches(pattern, key string) bool {
	// S3 spells its variables <key>: s3:RequestObjectTag/<key>.
	if i := strings.IndexAny(pattern, "$<"); i >= 0 {
		head := pattern[:i]
		return len(key) > len(head) && strings.EqualFold(key[:len(head)], head)
	}
	return strings.EqualFold(pattern, key)
}

type prefixNames struct {
	prefix string
	names  string // sorted, comma-joined
}

// KnownAction reports whether prefix:name is an action of the Service
// Authorization Reference, for any AWS service. Both parts match
// case-insensitively, as in policies.
func KnownAction(prefix, name string) bool {
	names, ok := namesOf(prefix)
	if !ok || name == "" {
		return false
	}
	for names != "" {
		var n string
		n, names, _ = strings.Cut(names, ",")
		if strings.EqualFold(n, name) {
			return true
		}
	}
	return false
}

// KnownPrefix reports whether prefix is a service prefix of the reference.
func KnownPrefix(prefix string) bool {
	_, ok := namesOf(prefix)
	return ok
}

// ActionNames returns every action name of a prefix, sorted, or nil for an
// unknown prefix.
func ActionNames(prefix string) []string {
	names, ok := namesOf(prefix)
	if !ok || names == "" {
		return nil
	}
	return strings.Split(names, ",")
}

func namesOf(prefix string) (string, bool) {
	prefix = strings.ToLower(prefix)
	i := sort.Search(len(actionNames), func(i int) bool { return actionNames[i].prefix >= prefix })
	if i < len(actionNames) && actionNames[i].prefix == prefix {
		return actionNames[i].names, true
	}
	return "", false
}
