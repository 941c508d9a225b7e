package iam

import (
	"context"
	"strings"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/store"
)

// Kinds of identity policy a Principal carries.
const (
	KindInline     = "inline"
	KindManaged    = "managed"     // customer managed
	KindAWSManaged = "aws-managed" // AWS managed
)

// PolicyDocument is one identity-based policy in force for a principal.
type PolicyDocument struct {
	// ID is stable while the document is unchanged, so an evaluator may
	// cache parsed documents by it: the policy ARN and version for managed
	// policies, the owner's ARN and policy name for inline ones.
	ID       string
	Name     string
	Kind     string // KindInline, KindManaged or KindAWSManaged
	Document string // JSON, as stored (not URL-encoded)
}

// Principal is what the authorizer needs to know about a caller.
type Principal struct {
	Type    string // "Root", "User" or "Role"
	Account string
	ARN     string // the entity's ARN (the role's, for an assumed role)
	Name    string
	ID      string // AIDA… or AROA…; the account id for root
	Tags    map[string]string
	// Policies are the identity policies in force: the user's inline and
	// attached policies and those of each of its groups, or the role's.
	Policies []PolicyDocument
	// Boundary is the permissions boundary, nil when there is none.
	Boundary *PolicyDocument
	// Generation identifies the IAM state the answer was read from: it
	// changes with every IAM write.
	Generation uint64
}

// principalPolicies is PrincipalPolicies without the cache: one read
// transaction.
func (s *Service) principalPolicies(ctx context.Context, account, principalARN string) (Principal, error) {
	out := Principal{Account: account}
	service, resource, ok := splitPrincipalARN(principalARN, account)
	if !ok {
		return out, invalidInput("ARN %s is not valid.", principalARN)
	}
	switch {
	case service == "iam" && resource == "root":
		out.Type, out.ARN, out.ID = "Root", principalARN, account
		return out, nil
	case service == "iam" && strings.HasPrefix(resource, "user/"):
		out.Type = "User"
	case service == "iam" && strings.HasPrefix(resource, "role/"):
		out.Type = "Role"
	case service == "sts" && strings.HasPrefix(resource, "assumed-role/"):
		out.Type = "Role"
		rest := strings.TrimPrefix(resource, "assumed-role/")
		name, _, _ := strings.Cut(rest, "/")
		resource = "role/" + name
	default:
		return out, invalidInput("ARN %s is not valid.", principalARN)
	}
	name := resource[strings.LastIndexByte(resource, '/')+1:]
	a := func(fn func(a *acct) error) error {
		return s.st.View(ctx, func(tx store.Tx) error { return fn(&acct{s: s, tx: tx, id: account}) })
	}
	err := a(func(a *acct) error {
		var holders []policyHolder
		var owners []string
		var boundary string
		if out.Type == "User" {
			u, err := a.user(name)
			if err != nil {
				return err
			}
			out.ARN, out.Name, out.ID, out.Tags = a.userARN(u), u.Name, u.ID, tagMap(u.Tags)
			holders, owners, boundary = append(holders, u.policyHolder), append(owners, out.ARN), u.Boundary
			for _, gk := range u.Groups {
				g, err := a.group(gk)
				if err != nil {
					return err
				}
				holders, owners = append(holders, g.policyHolder), append(owners, a.groupARN(g))
			}
		} else {
			r, err := a.role(name)
			if err != nil {
				return err
			}
			out.ARN, out.Name, out.ID, out.Tags = a.roleARN(r), r.Name, r.ID, tagMap(r.Tags)
			holders, owners, boundary = append(holders, r.policyHolder), append(owners, out.ARN), r.Boundary
		}
		seen := map[string]bool{}
		for i, h := range holders {
			for _, p := range h.Inline {
				out.Policies = append(out.Policies, PolicyDocument{
					ID: owners[i] + "#inline/" + p.Name, Name: p.Name, Kind: KindInline, Document: p.Document,
				})
			}
			for _, arn := range h.Attached {
				if seen[arn] {
					continue // attached to the user and one of its groups
				}
				seen[arn] = true
				doc, ok, err := a.managedDocument(arn)
				if err != nil {
					return err
				}
				if ok {
					out.Policies = append(out.Policies, doc)
				}
			}
		}
		if boundary != "" {
			doc, ok, err := a.managedDocument(boundary)
			if err != nil {
				return err
			}
			if ok {
				out.Boundary = &doc
			}
		}
		return nil
	})
	return out, err
}

// managedDocument is a managed policy's default version; ok is false for
// a policy that no longer exists.
func (a *acct) managedDocument(arn string) (PolicyDocument, bool, error) {
	r, err := a.policy(arn, policyNotFound)
	if err != nil {
		if e := awserr.As(err); e.Code == "NoSuchEntity" {
			return PolicyDocument{}, false, nil
		}
		return PolicyDocument{}, false, err
	}
	version, doc := r.defaultDocument()
	kind := KindManaged
	if r.aws != nil {
		kind = KindAWSManaged
	}
	return PolicyDocument{ID: arn + "#" + version, Name: r.name(), Kind: kind, Document: doc}, true, nil
}

// splitPrincipalARN checks the partition and account of an ARN and returns
// its service and resource.
func splitPrincipalARN(arn, account string) (service, resource string, ok bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[1] != "aws" || parts[3] != "" || parts[4] != account {
		return "", "", false
	}
	return parts[2], parts[5], true
}

func tagMap(ts []tag) map[string]string {
	if len(ts) == 0 {
		return nil
	}
	m := make(map[string]string, len(ts))
	for _, t := range ts {
		m[t.Key] = t.Value
	}
	return m
}
