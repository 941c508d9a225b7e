package authz

import (
	"context"
	"strings"

	"hakoniwa/internal/iam/policy"
	"hakoniwa/internal/model"
	"hakoniwa/internal/reqctx"
)

// ResourcePolicy is what a service knows about the resource-based policy
// governing one resource.
type ResourcePolicy struct {
	// Text is the policy document; "" when the resource has none.
	Text string
	// Owner is the account that owns the resource: it decides whether the
	// call is cross-account, which S3 bucket ARNs do not say.
	Owner string
	// Restricted is S3 Block Public Access's RestrictPublicBuckets on a
	// bucket whose policy is public: the policy then grants nothing to
	// anonymous callers or to principals of other accounts (its denies
	// still apply).
	Restricted bool
	// Exempt lists actions the owner account's root user may always
	// perform whatever the policy denies (S3's Get/Put/DeleteBucketPolicy,
	// so that a bucket policy cannot lock its owner out).
	Exempt []string
	// Plain says refusals are worded "Access Denied" for callers outside
	// the owner's account: S3 only explains denials within the account.
	Plain bool
}

// ResourcePolicies finds the policy governing a resource ARN. found is
// false when the source does not know the resource (a bucket that does
// not exist): the call is then decided on identity policies alone, and the
// service answers for the missing resource.
type ResourcePolicies interface {
	ResourcePolicy(ctx context.Context, resourceARN string) (rp ResourcePolicy, found bool, err error)
}

// WithResourcePolicies makes the resource-based policies of one service's
// resources part of every decision on them. service is the ARN's service
// field ("s3" for arn:aws:s3:::bucket/key).
func WithResourcePolicies(service string, src ResourcePolicies) Option {
	return func(a *Authorizer) {
		if a.resources == nil {
			a.resources = map[string]ResourcePolicies{}
		}
		a.resources[service] = src
	}
}

// hasResourcePolicies reports whether calls to svc may meet a resource
// policy, so that even the root user's calls must be resolved.
func (a *Authorizer) hasResourcePolicies(svc *model.Service) bool {
	return a.resources[svc.ID] != nil
}

// resourceInfo is one resource's policy, parsed, as one call uses it.
type resourceInfo struct {
	rp  ResourcePolicy
	att *policy.Attached
}

type resourceCache map[string]*resourceInfo

// resourceFor returns the policy governing arn; nil when no source knows
// the resource.
func (a *Authorizer) resourceFor(ctx context.Context, cache resourceCache, arn string) (*resourceInfo, error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return nil, nil
	}
	src := a.resources[parts[2]]
	if src == nil {
		return nil, nil
	}
	if ri, ok := cache[arn]; ok {
		return ri, nil
	}
	rp, found, err := src.ResourcePolicy(ctx, arn)
	if err != nil {
		return nil, err
	}
	var ri *resourceInfo
	if found {
		ri = &resourceInfo{rp: rp}
		if rp.Text != "" {
			pol, err := a.parsed.get(rp.Text, policy.Resource)
			if err != nil {
				// A stored policy that no longer parses grants nothing.
				a.log.Warn("stored resource policy does not parse", "resource", arn, "err", err)
			}
			ri.att = &policy.Attached{ID: arn + "#policy", Name: "resource policy", Type: "resource", Policy: pol}
		}
	}
	cache[arn] = ri
	return ri, nil
}

// apply puts the resource's policy into one decision's input and request.
// It reports false when the decision is not to be taken at all: the
// owner's root user acting on an exempt action.
func (ri *resourceInfo) apply(in *policy.Input, req *policy.Request) bool {
	req.ResourceAccount = ri.rp.Owner
	p := &req.Principal
	outsider := p.Type == policy.TypeAnonymous || p.Account != ri.rp.Owner
	if p.Type == policy.TypeRoot && !outsider {
		for _, a := range ri.rp.Exempt {
			if strings.EqualFold(a, req.Action) {
				return false
			}
		}
	}
	in.Resource = ri.att
	if ri.att != nil && ri.rp.Restricted && outsider {
		in.Resource = denyOnly(ri.att)
	}
	return true
}

// plainDenial reports whether a refusal must not explain itself.
func (ri *resourceInfo) plainDenial(p policy.Principal) bool {
	return ri != nil && ri.rp.Plain && (p.Type == policy.TypeAnonymous || p.Account != ri.rp.Owner)
}

// denyOnly keeps a policy's Deny statements.
func denyOnly(att *policy.Attached) *policy.Attached {
	if att.Policy == nil {
		return att
	}
	out := *att.Policy
	out.Statements = nil
	for _, s := range att.Policy.Statements {
		if s.Effect == policy.Deny {
			out.Statements = append(out.Statements, s)
		}
	}
	cp := *att
	cp.Policy = &out
	return &cp
}

// rootUnlimited reports whether a root caller's call needs no decision:
// no resource policy could apply to it.
func (a *Authorizer) rootUnlimited(p reqctx.Principal, svc *model.Service, op *model.Operation) bool {
	if !p.IsRoot() {
		return false
	}
	if a.trusts != nil && assumesRole(svc, op) {
		return false
	}
	return !a.hasResourcePolicies(svc)
}
