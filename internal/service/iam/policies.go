package iam

import (
	"context"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	iamapi "hakoniwa/internal/api/iam"
)

// Managed policy quotas.
const (
	maxPolicySize     = 6144
	maxPolicyVersions = 5
)

var policyPathPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^((/[A-Za-z0-9.,+@=_-]+)*)/$`) })

// resolved is a managed policy named by ARN: AWS's or the account's own.
type resolved struct {
	arn   string
	aws   *awsPolicy
	local *managedPolicy
}

func (r resolved) name() string {
	if r.aws != nil {
		return r.aws.Name
	}
	return r.local.Name
}

func (r resolved) path() string {
	if r.aws != nil {
		return r.aws.Path
	}
	return r.local.Path
}

// defaultDocument is the text of the policy's default version.
func (r resolved) defaultDocument() (version, doc string) {
	if r.aws != nil {
		return r.aws.DefaultVersionID, string(r.aws.Document)
	}
	if i, ok := r.local.version(r.local.Default); ok {
		return r.local.Default, r.local.Versions[i].Document
	}
	return r.local.Default, ""
}

// splitPolicyARN splits arn:aws:iam::<owner>:policy<path><name>.
func splitPolicyARN(arn string) (owner, path, name string, ok bool) {
	rest, found := strings.CutPrefix(arn, "arn:aws:iam::")
	if !found {
		return "", "", "", false
	}
	owner, res, found := strings.Cut(rest, ":")
	if !found {
		return "", "", "", false
	}
	res, found = strings.CutPrefix(res, "policy/")
	if !found || res == "" || strings.HasSuffix(res, "/") {
		return "", "", "", false
	}
	i := strings.LastIndexByte(res, '/')
	return owner, "/" + res[:i+1], res[i+1:], true
}

// policy resolves a policy ARN. notFound words the NoSuchEntity answer,
// which differs by operation.
func (a *acct) policy(arn string, notFound func(arn string) error) (resolved, error) {
	owner, path, name, ok := splitPolicyARN(arn)
	if !ok {
		return resolved{}, invalidInput("ARN %s is not valid.", arn)
	}
	if owner == "aws" {
		if p, ok := a.s.aws().byARN[arn]; ok {
			return resolved{arn: arn, aws: p}, nil
		}
		return resolved{}, notFound(arn)
	}
	if owner != a.id {
		return resolved{}, notFound(arn)
	}
	p, err := getRec[managedPolicy](a, kindPolicy, name, func() error { return notFound(arn) })
	if err != nil {
		return resolved{}, err
	}
	if p.Path != path || p.Name != name {
		return resolved{}, notFound(arn)
	}
	return resolved{arn: arn, local: p}, nil
}

func policyNotFound(arn string) error { return noSuchEntity("Policy %s was not found.", arn) }

func policyNotAttachable(arn string) error {
	return noSuchEntity("Policy %s does not exist or is not attachable.", arn)
}

// localPolicy resolves a policy the caller may change: an AWS managed
// policy belongs to AWS's account, so changing it is refused.
func (a *acct) localPolicy(arn, action string) (*managedPolicy, error) {
	r, err := a.policy(arn, policyNotFound)
	if err != nil {
		return nil, err
	}
	if r.aws != nil {
		return nil, accessDenied("User: %s is not authorized to perform: iam:%s on resource: policy %s", a.callerARN(), action, arn)
	}
	return r.local, nil
}

func (a *acct) callerARN() string { return "arn:aws:iam::" + a.id + ":root" }

// checkBoundary checks that a permissions boundary names a managed policy.
func (a *acct) checkBoundary(arn string) error {
	_, err := a.policy(arn, func(arn string) error {
		return noSuchEntity("Scope ARN: %s does not exist or is not attachable.", arn)
	})
	return err
}

// usage counts, per policy ARN, attachments and permissions-boundary uses
// across the account. IAM reports both counts on every policy; counting
// from the entities (rather than keeping counters) cannot drift.
type usage struct{ attached, boundary map[string]int }

func (a *acct) usage() (usage, error) {
	u := usage{attached: map[string]int{}, boundary: map[string]int{}}
	users, err := all[user](a, kindUser)
	if err != nil {
		return u, err
	}
	for _, x := range users {
		u.add(x.Attached, x.Boundary)
	}
	groups, err := all[group](a, kindGroup)
	if err != nil {
		return u, err
	}
	for _, x := range groups {
		u.add(x.Attached, "")
	}
	roles, err := all[role](a, kindRole)
	if err != nil {
		return u, err
	}
	for _, x := range roles {
		u.add(x.Attached, x.Boundary)
	}
	return u, nil
}

func (u usage) add(attached []string, boundary string) {
	for _, arn := range attached {
		u.attached[arn]++
	}
	if boundary != "" {
		u.boundary[boundary]++
	}
}

func (a *acct) policyOut(r resolved, u usage, full bool) iamapi.Policy {
	out := iamapi.Policy{
		Arn: ptr(r.arn), AttachmentCount: ptr(int64(u.attached[r.arn])),
		PermissionsBoundaryUsageCount: ptr(int64(u.boundary[r.arn])), IsAttachable: ptr(true),
	}
	var desc string
	if p := r.aws; p != nil {
		out.PolicyName, out.PolicyId, out.Path = ptr(p.Name), ptr(p.ID), ptr(p.Path)
		out.DefaultVersionId, out.CreateDate, out.UpdateDate = ptr(p.DefaultVersionID), ptr(p.Created), ptr(p.Updated)
		desc = p.Description
	} else {
		p := r.local
		out.PolicyName, out.PolicyId, out.Path = ptr(p.Name), ptr(p.ID), ptr(p.Path)
		out.DefaultVersionId, out.CreateDate, out.UpdateDate = ptr(p.Default), ptr(p.Created), ptr(p.Updated)
		desc = p.Description
		if full {
			out.Tags = apiTags(p.Tags)
		}
	}
	// Descriptions appear only where a single policy is described.
	if full && desc != "" {
		out.Description = ptr(desc)
	}
	return out
}

// checkManagedDocument validates a managed policy version's document.
func checkManagedDocument(doc string) error {
	if policySize(doc) > maxPolicySize {
		return limitExceeded("Cannot exceed quota for PolicySize: %d", maxPolicySize)
	}
	return validateDocument(doc, managedDoc)
}

// CreatePolicy creates a customer managed policy with version v1.
func (s *Service) CreatePolicy(ctx context.Context, in *iamapi.CreatePolicyInput) (*iamapi.CreatePolicyOutput, error) {
	name := deref(in.PolicyName)
	if err := checkName(name, "policyName", 128); err != nil {
		return nil, err
	}
	path := "/"
	if in.Path != nil {
		path = *in.Path
		if !policyPathPattern().MatchString(path) || len(path) > 512 {
			return nil, validationError(`1 validation error detected: Value '%s' at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: ((/[A-Za-z0-9\.,\+@=_-]+)*)/`, path)
		}
	}
	doc := deref(in.PolicyDocument)
	if err := checkManagedDocument(doc); err != nil {
		return nil, err
	}
	tags, err := mergeTags(nil, in.Tags)
	if err != nil {
		return nil, err
	}
	now := s.now()
	p := &managedPolicy{
		Name: name, ID: s.ids.UniqueID("ANPA"), Path: path, Description: deref(in.Description),
		Created: now, Updated: now, Default: "v1", NextVersion: 2, Tags: tags,
		Versions: []policyVersion{{ID: "v1", Document: doc, Created: now}},
	}
	var out iamapi.Policy
	err = s.update(ctx, func(a *acct) error {
		if err := a.nameFree(kindPolicy, name, alreadyExists("A policy called %s already exists. Duplicate names are not allowed.", name)); err != nil {
			return err
		}
		out = a.policyOut(resolved{arn: a.policyARN(p), local: p}, usage{}, true)
		return a.putPolicy(p)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.CreatePolicyOutput{Policy: &out}, nil
}

// GetPolicy describes a managed policy.
func (s *Service) GetPolicy(ctx context.Context, in *iamapi.GetPolicyInput) (*iamapi.GetPolicyOutput, error) {
	var out iamapi.Policy
	err := s.view(ctx, func(a *acct) error {
		r, err := a.policy(deref(in.PolicyArn), policyNotFound)
		if err != nil {
			return err
		}
		u, err := a.usage()
		if err != nil {
			return err
		}
		out = a.policyOut(r, u, true)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.GetPolicyOutput{Policy: &out}, nil
}

// ListPolicies lists managed policies: AWS's, the account's, or both
// (AWS's first, as IAM lists them), filtered by path, attachment and use.
func (s *Service) ListPolicies(ctx context.Context, in *iamapi.ListPoliciesInput) (*iamapi.ListPoliciesOutput, error) {
	prefix, err := checkPathPrefix(in.PathPrefix)
	if err != nil {
		return nil, err
	}
	scope := "All"
	if in.Scope != nil {
		scope = *in.Scope
	}
	onlyAttached := in.OnlyAttached != nil && *in.OnlyAttached
	usageFilter := deref(in.PolicyUsageFilter)
	out := &iamapi.ListPoliciesOutput{Policies: []iamapi.Policy{}}
	err = s.view(ctx, func(a *acct) error {
		u, err := a.usage()
		if err != nil {
			return err
		}
		// Sort keys put AWS's policies ("0") before the account's ("1").
		type entry struct {
			sortKey string
			r       resolved
		}
		var entries []entry
		if scope == "All" || scope == "AWS" {
			for _, p := range s.aws().sorted {
				entries = append(entries, entry{"0" + key(p.Name), resolved{arn: p.ARN, aws: p}})
			}
		}
		if scope == "All" || scope == "Local" {
			locals, err := all[managedPolicy](a, kindPolicy)
			if err != nil {
				return err
			}
			for i := range locals {
				p := &locals[i]
				entries = append(entries, entry{"1" + key(p.Name), resolved{arn: a.policyARN(p), local: p}})
			}
		}
		entries = slices.DeleteFunc(entries, func(e entry) bool {
			switch {
			case !hasPathPrefix(e.r.path(), prefix):
				return true
			case onlyAttached && u.attached[e.r.arn]+u.boundary[e.r.arn] == 0:
				return true
			case usageFilter == "PermissionsPolicy" && u.attached[e.r.arn] == 0 && onlyAttached:
				return true
			case usageFilter == "PermissionsBoundary" && u.boundary[e.r.arn] == 0 && onlyAttached:
				return true
			}
			return false
		})
		got, p, err := paginate(entries, func(e entry) string { return e.sortKey }, in.Marker, in.MaxItems)
		if err != nil {
			return err
		}
		for _, e := range got {
			out.Policies = append(out.Policies, a.policyOut(e.r, u, false))
		}
		out.IsTruncated, out.Marker = p.truncated, p.marker
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeletePolicy deletes a customer managed policy that is attached nowhere
// and has only its default version left.
func (s *Service) DeletePolicy(ctx context.Context, in *iamapi.DeletePolicyInput) (*iamapi.DeletePolicyOutput, error) {
	arn := deref(in.PolicyArn)
	err := s.update(ctx, func(a *acct) error {
		p, err := a.localPolicy(arn, "DeletePolicy")
		if err != nil {
			return err
		}
		u, err := a.usage()
		if err != nil {
			return err
		}
		if u.attached[arn] > 0 {
			return deleteConflict("Cannot delete a policy attached to entities.")
		}
		if u.boundary[arn] > 0 {
			return deleteConflict("Cannot delete a policy used as a permissions boundary.")
		}
		if len(p.Versions) > 1 {
			return deleteConflict("This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.")
		}
		return a.tx.Delete(a.b(kindPolicy), key(p.Name))
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.DeletePolicyOutput{}, nil
}

func versionOut(id, doc string, isDefault bool, created time.Time, withDoc bool) iamapi.PolicyVersion {
	out := iamapi.PolicyVersion{VersionId: ptr(id), IsDefaultVersion: ptr(isDefault), CreateDate: ptr(created)}
	if withDoc {
		out.Document = ptr(encodeDocument(doc))
	}
	return out
}

// CreatePolicyVersion adds a version to a customer managed policy.
func (s *Service) CreatePolicyVersion(ctx context.Context, in *iamapi.CreatePolicyVersionInput) (*iamapi.CreatePolicyVersionOutput, error) {
	doc := deref(in.PolicyDocument)
	if err := checkManagedDocument(doc); err != nil {
		return nil, err
	}
	now := s.now()
	var out iamapi.PolicyVersion
	err := s.update(ctx, func(a *acct) error {
		p, err := a.localPolicy(deref(in.PolicyArn), "CreatePolicyVersion")
		if err != nil {
			return err
		}
		if len(p.Versions) >= maxPolicyVersions {
			return limitExceeded("A managed policy can have up to %d versions. Before you create a new version, you must delete an existing version.", maxPolicyVersions)
		}
		v := policyVersion{ID: "v" + strconv.Itoa(p.NextVersion), Document: doc, Created: now}
		p.NextVersion++
		p.Versions = append(p.Versions, v)
		isDefault := in.SetAsDefault != nil && *in.SetAsDefault
		if isDefault {
			p.Default = v.ID
			p.Updated = now
		}
		out = versionOut(v.ID, doc, isDefault, now, false)
		return a.putPolicy(p)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.CreatePolicyVersionOutput{PolicyVersion: &out}, nil
}

func versionNotFound(arn, id string) error {
	return noSuchEntity("Policy %s version %s does not exist or is not attachable.", arn, id)
}

// GetPolicyVersion returns one version of a managed policy, its document
// URL-encoded as IAM sends it.
func (s *Service) GetPolicyVersion(ctx context.Context, in *iamapi.GetPolicyVersionInput) (*iamapi.GetPolicyVersionOutput, error) {
	arn, id := deref(in.PolicyArn), deref(in.VersionId)
	var out iamapi.PolicyVersion
	err := s.view(ctx, func(a *acct) error {
		r, err := a.policy(arn, policyNotFound)
		if err != nil {
			return err
		}
		if r.aws != nil {
			if id != r.aws.DefaultVersionID {
				return versionNotFound(arn, id)
			}
			out = versionOut(id, string(r.aws.Document), true, r.aws.Updated, true)
			return nil
		}
		i, ok := r.local.version(id)
		if !ok {
			return versionNotFound(arn, id)
		}
		v := r.local.Versions[i]
		out = versionOut(v.ID, v.Document, v.ID == r.local.Default, v.Created, true)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.GetPolicyVersionOutput{PolicyVersion: &out}, nil
}

// ListPolicyVersions lists a policy's versions, newest first, as IAM does.
func (s *Service) ListPolicyVersions(ctx context.Context, in *iamapi.ListPolicyVersionsInput) (*iamapi.ListPolicyVersionsOutput, error) {
	arn := deref(in.PolicyArn)
	out := &iamapi.ListPolicyVersionsOutput{Versions: []iamapi.PolicyVersion{}}
	err := s.view(ctx, func(a *acct) error {
		r, err := a.policy(arn, policyNotFound)
		if err != nil {
			return err
		}
		var versions []iamapi.PolicyVersion
		if r.aws != nil {
			versions = append(versions, versionOut(r.aws.DefaultVersionID, "", true, r.aws.Updated, false))
		} else {
			for i := len(r.local.Versions) - 1; i >= 0; i-- {
				v := r.local.Versions[i]
				versions = append(versions, versionOut(v.ID, "", v.ID == r.local.Default, v.Created, false))
			}
		}
		got, p, err := paginate(versions, func(v iamapi.PolicyVersion) string { return descendingVersionKey(deref(v.VersionId)) }, in.Marker, in.MaxItems)
		if err != nil {
			return err
		}
		out.Versions = append(out.Versions, got...)
		out.IsTruncated, out.Marker = p.truncated, p.marker
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// descendingVersionKey sorts v10 before v9 before v1.
func descendingVersionKey(id string) string {
	n, _ := strconv.Atoi(strings.TrimPrefix(id, "v"))
	return sortableIndex(1_000_000_000 - n)
}

// DeletePolicyVersion deletes a non-default version.
func (s *Service) DeletePolicyVersion(ctx context.Context, in *iamapi.DeletePolicyVersionInput) (*iamapi.DeletePolicyVersionOutput, error) {
	arn, id := deref(in.PolicyArn), deref(in.VersionId)
	err := s.update(ctx, func(a *acct) error {
		p, err := a.localPolicy(arn, "DeletePolicyVersion")
		if err != nil {
			return err
		}
		i, ok := p.version(id)
		if !ok {
			return versionNotFound(arn, id)
		}
		if id == p.Default {
			return deleteConflict("Cannot delete the default version of a policy.")
		}
		p.Versions = slices.Delete(p.Versions, i, i+1)
		return a.putPolicy(p)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.DeletePolicyVersionOutput{}, nil
}

// SetDefaultPolicyVersion makes a version the one in force.
func (s *Service) SetDefaultPolicyVersion(ctx context.Context, in *iamapi.SetDefaultPolicyVersionInput) (*iamapi.SetDefaultPolicyVersionOutput, error) {
	arn, id := deref(in.PolicyArn), deref(in.VersionId)
	now := s.now()
	err := s.update(ctx, func(a *acct) error {
		p, err := a.localPolicy(arn, "SetDefaultPolicyVersion")
		if err != nil {
			return err
		}
		if _, ok := p.version(id); !ok {
			return versionNotFound(arn, id)
		}
		p.Default, p.Updated = id, now
		return a.putPolicy(p)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.SetDefaultPolicyVersionOutput{}, nil
}

// localPolicies reaches the customer managed policies action may change
// (and tag); an AWS managed policy is AccessDenied.
func localPolicies(action string) entity[managedPolicy] {
	return entity[managedPolicy]{
		load: func(a *acct, arn string) (*managedPolicy, error) { return a.localPolicy(arn, action) },
		save: (*acct).putPolicy,
		tags: func(p *managedPolicy) *[]tag { return &p.Tags },
	}
}

// anyPolicy loads any managed policy to read its tags; AWS's own have
// none, so one reads as an empty record.
func anyPolicy(a *acct, arn string) (*managedPolicy, error) {
	r, err := a.policy(arn, policyNotFound)
	if err != nil {
		return nil, err
	}
	if r.local == nil {
		return &managedPolicy{}, nil
	}
	return r.local, nil
}

// TagPolicy adds or overwrites tags of a customer managed policy.
func (s *Service) TagPolicy(ctx context.Context, in *iamapi.TagPolicyInput) (*iamapi.TagPolicyOutput, error) {
	if err := localPolicies("TagPolicy").tag(ctx, s, deref(in.PolicyArn), in.Tags); err != nil {
		return nil, err
	}
	return &iamapi.TagPolicyOutput{}, nil
}

// UntagPolicy removes tags from a customer managed policy.
func (s *Service) UntagPolicy(ctx context.Context, in *iamapi.UntagPolicyInput) (*iamapi.UntagPolicyOutput, error) {
	if err := localPolicies("UntagPolicy").untag(ctx, s, deref(in.PolicyArn), in.TagKeys); err != nil {
		return nil, err
	}
	return &iamapi.UntagPolicyOutput{}, nil
}

// ListPolicyTags lists a managed policy's tags (AWS's have none).
func (s *Service) ListPolicyTags(ctx context.Context, in *iamapi.ListPolicyTagsInput) (*iamapi.ListPolicyTagsOutput, error) {
	policies := entity[managedPolicy]{load: anyPolicy, tags: func(p *managedPolicy) *[]tag { return &p.Tags }}
	tags, p, err := policies.listTags(ctx, s, deref(in.PolicyArn), in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iamapi.ListPolicyTagsOutput{Tags: tags, IsTruncated: p.truncated, Marker: p.marker}, nil
}

// attach adds a policy ARN to a holder, enforcing the per-entity quota;
// attaching an attached policy again changes nothing.
func (a *acct) attach(h *policyHolder, arn, quota string) error {
	if _, err := a.policy(arn, policyNotAttachable); err != nil {
		return err
	}
	if slices.Contains(h.Attached, arn) {
		return nil
	}
	if len(h.Attached) >= maxManagedAttached {
		return limitExceeded("Cannot exceed quota for %s: %d", quota, maxManagedAttached)
	}
	h.Attached = append(h.Attached, arn)
	return nil
}

func detach(h *policyHolder, arn string) error {
	if !slices.Contains(h.Attached, arn) {
		return policyNotFound(arn)
	}
	h.Attached = removeString(h.Attached, arn)
	return nil
}

// AttachUserPolicy attaches a managed policy to a user.
func (s *Service) AttachUserPolicy(ctx context.Context, in *iamapi.AttachUserPolicyInput) (*iamapi.AttachUserPolicyOutput, error) {
	err := users.modify(ctx, s, deref(in.UserName), func(a *acct, u *user) error {
		return a.attach(&u.policyHolder, deref(in.PolicyArn), "PoliciesPerUser")
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.AttachUserPolicyOutput{}, nil
}

// AttachGroupPolicy attaches a managed policy to a group.
func (s *Service) AttachGroupPolicy(ctx context.Context, in *iamapi.AttachGroupPolicyInput) (*iamapi.AttachGroupPolicyOutput, error) {
	err := groups.modify(ctx, s, deref(in.GroupName), func(a *acct, g *group) error {
		return a.attach(&g.policyHolder, deref(in.PolicyArn), "PoliciesPerGroup")
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.AttachGroupPolicyOutput{}, nil
}

// AttachRolePolicy attaches a managed policy to a role.
func (s *Service) AttachRolePolicy(ctx context.Context, in *iamapi.AttachRolePolicyInput) (*iamapi.AttachRolePolicyOutput, error) {
	err := s.modifyRole(ctx, deref(in.RoleName), func(a *acct, r *role) error {
		return a.attach(&r.policyHolder, deref(in.PolicyArn), "PoliciesPerRole")
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.AttachRolePolicyOutput{}, nil
}

// DetachUserPolicy detaches a managed policy from a user.
func (s *Service) DetachUserPolicy(ctx context.Context, in *iamapi.DetachUserPolicyInput) (*iamapi.DetachUserPolicyOutput, error) {
	err := users.modify(ctx, s, deref(in.UserName), func(_ *acct, u *user) error {
		return detach(&u.policyHolder, deref(in.PolicyArn))
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.DetachUserPolicyOutput{}, nil
}

// DetachGroupPolicy detaches a managed policy from a group.
func (s *Service) DetachGroupPolicy(ctx context.Context, in *iamapi.DetachGroupPolicyInput) (*iamapi.DetachGroupPolicyOutput, error) {
	err := groups.modify(ctx, s, deref(in.GroupName), func(_ *acct, g *group) error {
		return detach(&g.policyHolder, deref(in.PolicyArn))
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.DetachGroupPolicyOutput{}, nil
}

// DetachRolePolicy detaches a managed policy from a role.
func (s *Service) DetachRolePolicy(ctx context.Context, in *iamapi.DetachRolePolicyInput) (*iamapi.DetachRolePolicyOutput, error) {
	err := s.modifyRole(ctx, deref(in.RoleName), func(_ *acct, r *role) error {
		return detach(&r.policyHolder, deref(in.PolicyArn))
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.DetachRolePolicyOutput{}, nil
}

// listAttached pages a holder's attached policies, by name.
func (a *acct) listAttached(h policyHolder, pathPrefix, marker *string, maxItems *int64) ([]iamapi.AttachedPolicy, page, error) {
	prefix, err := checkPathPrefix(pathPrefix)
	if err != nil {
		return nil, page{}, err
	}
	var rs []resolved
	for _, arn := range h.Attached {
		r, err := a.policy(arn, policyNotFound)
		if err != nil {
			continue // deleted policies cannot be attached; skip defensively
		}
		if hasPathPrefix(r.path(), prefix) {
			rs = append(rs, r)
		}
	}
	slices.SortFunc(rs, func(x, y resolved) int { return strings.Compare(key(x.name())+x.arn, key(y.name())+y.arn) })
	got, p, err := paginate(rs, func(r resolved) string { return key(r.name()) + r.arn }, marker, maxItems)
	if err != nil {
		return nil, p, err
	}
	out := make([]iamapi.AttachedPolicy, 0, len(got))
	for _, r := range got {
		out = append(out, iamapi.AttachedPolicy{PolicyName: ptr(r.name()), PolicyArn: ptr(r.arn)})
	}
	return out, p, nil
}

// ListAttachedUserPolicies lists the managed policies attached to a user.
func (s *Service) ListAttachedUserPolicies(ctx context.Context, in *iamapi.ListAttachedUserPoliciesInput) (*iamapi.ListAttachedUserPoliciesOutput, error) {
	out := &iamapi.ListAttachedUserPoliciesOutput{}
	err := users.read(ctx, s, deref(in.UserName), func(a *acct, u *user) error {
		got, p, err := a.listAttached(u.policyHolder, in.PathPrefix, in.Marker, in.MaxItems)
		out.AttachedPolicies, out.IsTruncated, out.Marker = got, p.truncated, p.marker
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ListAttachedGroupPolicies lists the managed policies attached to a group.
func (s *Service) ListAttachedGroupPolicies(ctx context.Context, in *iamapi.ListAttachedGroupPoliciesInput) (*iamapi.ListAttachedGroupPoliciesOutput, error) {
	out := &iamapi.ListAttachedGroupPoliciesOutput{}
	err := groups.read(ctx, s, deref(in.GroupName), func(a *acct, g *group) error {
		got, p, err := a.listAttached(g.policyHolder, in.PathPrefix, in.Marker, in.MaxItems)
		out.AttachedPolicies, out.IsTruncated, out.Marker = got, p.truncated, p.marker
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ListAttachedRolePolicies lists the managed policies attached to a role.
func (s *Service) ListAttachedRolePolicies(ctx context.Context, in *iamapi.ListAttachedRolePoliciesInput) (*iamapi.ListAttachedRolePoliciesOutput, error) {
	out := &iamapi.ListAttachedRolePoliciesOutput{}
	err := roles.read(ctx, s, deref(in.RoleName), func(a *acct, r *role) error {
		got, p, err := a.listAttached(r.policyHolder, in.PathPrefix, in.Marker, in.MaxItems)
		out.AttachedPolicies, out.IsTruncated, out.Marker = got, p.truncated, p.marker
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ListEntitiesForPolicy lists the users, groups and roles a managed policy
// is attached to (PermissionsPolicy) or bounds (PermissionsBoundary).
func (s *Service) ListEntitiesForPolicy(ctx context.Context, in *iamapi.ListEntitiesForPolicyInput) (*iamapi.ListEntitiesForPolicyOutput, error) {
	arn := deref(in.PolicyArn)
	prefix, err := checkPathPrefix(in.PathPrefix)
	if err != nil {
		return nil, err
	}
	filter := deref(in.EntityFilter)
	usageFilter := deref(in.PolicyUsageFilter)
	uses := func(attached []string, boundary string) bool {
		switch usageFilter {
		case "PermissionsPolicy":
			return slices.Contains(attached, arn)
		case "PermissionsBoundary":
			return boundary == arn
		}
		return slices.Contains(attached, arn) || boundary == arn
	}
	want := func(kind string) bool { return filter == "" || filter == kind }
	out := &iamapi.ListEntitiesForPolicyOutput{PolicyGroups: []iamapi.PolicyGroup{}, PolicyUsers: []iamapi.PolicyUser{}, PolicyRoles: []iamapi.PolicyRole{}}
	err = s.view(ctx, func(a *acct) error {
		if _, err := a.policy(arn, policyNotFound); err != nil {
			return err
		}
		// One sorted stream of entities, so one marker pages all three lists.
		type entity struct {
			sortKey string
			add     func()
		}
		var entities []entity
		if want("Group") {
			groups, err := all[group](a, kindGroup)
			if err != nil {
				return err
			}
			for _, g := range groups {
				if hasPathPrefix(g.Path, prefix) && uses(g.Attached, "") {
					entities = append(entities, entity{"g" + key(g.Name), func() {
						out.PolicyGroups = append(out.PolicyGroups, iamapi.PolicyGroup{GroupName: ptr(g.Name), GroupId: ptr(g.ID)})
					}})
				}
			}
		}
		if want("Role") {
			roles, err := all[role](a, kindRole)
			if err != nil {
				return err
			}
			for _, r := range roles {
				if hasPathPrefix(r.Path, prefix) && uses(r.Attached, r.Boundary) {
					entities = append(entities, entity{"r" + key(r.Name), func() {
						out.PolicyRoles = append(out.PolicyRoles, iamapi.PolicyRole{RoleName: ptr(r.Name), RoleId: ptr(r.ID)})
					}})
				}
			}
		}
		if want("User") {
			users, err := all[user](a, kindUser)
			if err != nil {
				return err
			}
			for _, u := range users {
				if hasPathPrefix(u.Path, prefix) && uses(u.Attached, u.Boundary) {
					entities = append(entities, entity{"u" + key(u.Name), func() {
						out.PolicyUsers = append(out.PolicyUsers, iamapi.PolicyUser{UserName: ptr(u.Name), UserId: ptr(u.ID)})
					}})
				}
			}
		}
		got, p, err := paginate(entities, func(e entity) string { return e.sortKey }, in.Marker, in.MaxItems)
		if err != nil {
			return err
		}
		for _, e := range got {
			e.add()
		}
		out.IsTruncated, out.Marker = p.truncated, p.marker
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
