package iam

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/iam/policy"

	iamapi "hakoniwa/internal/api/iam"
)

// statements decodes a policy document's Statement element, a single
// statement or a list, into generic maps; a document that is not a JSON
// object yields nothing.
func statements(doc string) []map[string]any {
	var raw map[string]any
	if json.Unmarshal([]byte(doc), &raw) != nil {
		return nil
	}
	switch st := raw["Statement"].(type) {
	case map[string]any:
		return []map[string]any{st}
	case []any:
		var out []map[string]any
		for _, x := range st {
			if m, ok := x.(map[string]any); ok {
				out = append(out, m)
			}
		}
		return out
	}
	return nil
}

// conditionKeys lists the condition keys a document's Condition blocks
// test. The policy package compiles conditions into matchers and keeps the
// keys to itself, so the document is walked here.
func conditionKeys(doc string) []string {
	var out []string
	for _, st := range statements(doc) {
		block, _ := st["Condition"].(map[string]any)
		for _, kv := range block {
			m, _ := kv.(map[string]any)
			for k := range m {
				out = append(out, k)
			}
		}
	}
	return out
}

// contextKeys validates docs and returns their condition keys, deduplicated
// case-insensitively (keys are case-insensitive) and sorted.
func contextKeys(docs []string) ([]string, error) {
	seen := map[string]bool{}
	out := []string{}
	for _, doc := range docs {
		if _, err := policy.Parse(doc, policy.Identity); err != nil {
			if e := awserr.As(err); e.Code == "MalformedPolicyDocument" {
				return nil, invalidInput("%s", e.Message)
			}
			return nil, err
		}
		for _, k := range conditionKeys(doc) {
			if lk := strings.ToLower(k); !seen[lk] {
				seen[lk] = true
				out = append(out, k)
			}
		}
	}
	slices.SortFunc(out, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	return out, nil
}

// GetContextKeysForCustomPolicy lists the condition keys the given
// policies use.
func (s *Service) GetContextKeysForCustomPolicy(_ context.Context, in *iamapi.GetContextKeysForCustomPolicyInput) (*iamapi.GetContextKeysForCustomPolicyOutput, error) {
	keys, err := contextKeys(in.PolicyInputList)
	if err != nil {
		return nil, err
	}
	return &iamapi.GetContextKeysForCustomPolicyOutput{ContextKeyNames: keys}, nil
}

// GetContextKeysForPrincipalPolicy lists the condition keys of the
// policies of a user (with its groups'), group or role, plus those of the
// given extra policies.
func (s *Service) GetContextKeysForPrincipalPolicy(ctx context.Context, in *iamapi.GetContextKeysForPrincipalPolicyInput) (*iamapi.GetContextKeysForPrincipalPolicyOutput, error) {
	var docs []string
	err := s.view(ctx, func(a *acct) error {
		holders, err := a.holdersOf(deref(in.PolicySourceArn))
		if err != nil {
			return err
		}
		for _, h := range holders {
			d, err := a.holderDocuments(h.policyHolder)
			if err != nil {
				return err
			}
			for _, x := range d {
				docs = append(docs, x.doc)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	keys, err := contextKeys(append(docs, in.PolicyInputList...))
	if err != nil {
		return nil, err
	}
	return &iamapi.GetContextKeysForPrincipalPolicyOutput{ContextKeyNames: keys}, nil
}

// namedHolder is a policy holder with the entity it belongs to.
type namedHolder struct {
	policyHolder
	kind string // "USER", "GROUP" or "ROLE", as IAM names entity types
	name string
}

// holdersOf resolves a user, group or role ARN of the account to the
// policy holders whose policies apply: a user's own and its groups'.
func (a *acct) holdersOf(arn string) ([]namedHolder, error) {
	service, resource, ok := splitPrincipalARN(arn, a.id)
	if !ok || service != "iam" {
		return nil, invalidInput("ARN %s is not valid.", arn)
	}
	name := resource[strings.LastIndexByte(resource, '/')+1:]
	switch {
	case strings.HasPrefix(resource, "user/"):
		u, err := a.user(name)
		if err != nil {
			return nil, err
		}
		out := []namedHolder{{u.policyHolder, "USER", u.Name}}
		for _, gk := range u.Groups {
			g, err := a.group(gk)
			if err != nil {
				return nil, err
			}
			out = append(out, namedHolder{g.policyHolder, "GROUP", g.Name})
		}
		return out, nil
	case strings.HasPrefix(resource, "group/"):
		g, err := a.group(name)
		if err != nil {
			return nil, err
		}
		return []namedHolder{{g.policyHolder, "GROUP", g.Name}}, nil
	case strings.HasPrefix(resource, "role/"):
		r, err := a.role(name)
		if err != nil {
			return nil, err
		}
		return []namedHolder{{r.policyHolder, "ROLE", r.Name}}, nil
	}
	return nil, invalidInput("ARN %s is not valid.", arn)
}

// holderDoc is one policy of a holder: inline (arn empty) or managed.
type holderDoc struct {
	name, arn, doc string
}

func (a *acct) holderDocuments(h policyHolder) ([]holderDoc, error) {
	var out []holderDoc
	for _, p := range h.Inline {
		out = append(out, holderDoc{name: p.Name, doc: p.Document})
	}
	for _, arn := range h.Attached {
		d, ok, err := a.managedDocument(arn)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, holderDoc{name: d.Name, arn: arn, doc: d.Document})
		}
	}
	return out, nil
}
