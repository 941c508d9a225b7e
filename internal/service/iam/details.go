package iam

import (
	"context"
	"slices"

	iamapi "hakoniwa/internal/api/iam"
)

// authorizationFilters are GetAccountAuthorizationDetails' entity types.
var authorizationFilters = []string{"User", "Role", "Group", "LocalManagedPolicy", "AWSManagedPolicy"}

func inlineDetails(h policyHolder) []iamapi.PolicyDetail {
	out := []iamapi.PolicyDetail{}
	for _, p := range h.Inline {
		out = append(out, iamapi.PolicyDetail{PolicyName: ptr(p.Name), PolicyDocument: ptr(encodeDocument(p.Document))})
	}
	return out
}

// attachedDetails names a holder's attached policies in attach order.
func (a *acct) attachedDetails(h policyHolder) []iamapi.AttachedPolicy {
	out := []iamapi.AttachedPolicy{}
	for _, arn := range h.Attached {
		r, err := a.policy(arn, policyNotFound)
		if err != nil {
			continue
		}
		out = append(out, iamapi.AttachedPolicy{PolicyName: ptr(r.name()), PolicyArn: ptr(arn)})
	}
	return out
}

// GetAccountAuthorizationDetails dumps users, groups, roles and managed
// policies with every policy document (URL-encoded), as one sorted stream
// paged by one marker: users, then groups, roles and policies.
func (s *Service) GetAccountAuthorizationDetails(ctx context.Context, in *iamapi.GetAccountAuthorizationDetailsInput) (*iamapi.GetAccountAuthorizationDetailsOutput, error) {
	want := map[string]bool{}
	for _, f := range in.Filter {
		if !slices.Contains(authorizationFilters, f) {
			return nil, validationError("1 validation error detected: Value '[%s]' at 'filter' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [User, Role, Group, LocalManagedPolicy, AWSManagedPolicy]]", f)
		}
		want[f] = true
	}
	everything := len(want) == 0
	out := &iamapi.GetAccountAuthorizationDetailsOutput{
		UserDetailList: []iamapi.UserDetail{}, GroupDetailList: []iamapi.GroupDetail{},
		RoleDetailList: []iamapi.RoleDetail{}, Policies: []iamapi.ManagedPolicyDetail{},
	}
	err := s.view(ctx, func(a *acct) error {
		type entry struct {
			sortKey string
			add     func() error
		}
		var entries []entry
		if everything || want["User"] {
			users, err := all[user](a, kindUser)
			if err != nil {
				return err
			}
			for _, u := range users {
				entries = append(entries, entry{"1" + key(u.Name), func() error {
					groups := []string{}
					for _, gk := range u.Groups {
						g, err := a.group(gk)
						if err != nil {
							return err
						}
						groups = append(groups, g.Name)
					}
					out.UserDetailList = append(out.UserDetailList, iamapi.UserDetail{
						Path: ptr(u.Path), UserName: ptr(u.Name), UserId: ptr(u.ID), Arn: ptr(a.userARN(&u)),
						CreateDate: ptr(u.Created), UserPolicyList: inlineDetails(u.policyHolder), GroupList: groups,
						AttachedManagedPolicies: a.attachedDetails(u.policyHolder), PermissionsBoundary: boundaryOut(u.Boundary),
						Tags: apiTags(u.Tags),
					})
					return nil
				}})
			}
		}
		if everything || want["Group"] {
			groups, err := all[group](a, kindGroup)
			if err != nil {
				return err
			}
			for _, g := range groups {
				entries = append(entries, entry{"2" + key(g.Name), func() error {
					out.GroupDetailList = append(out.GroupDetailList, iamapi.GroupDetail{
						Path: ptr(g.Path), GroupName: ptr(g.Name), GroupId: ptr(g.ID), Arn: ptr(a.groupARN(&g)),
						CreateDate: ptr(g.Created), GroupPolicyList: inlineDetails(g.policyHolder),
						AttachedManagedPolicies: a.attachedDetails(g.policyHolder),
					})
					return nil
				}})
			}
		}
		if everything || want["Role"] {
			roles, err := all[role](a, kindRole)
			if err != nil {
				return err
			}
			for _, r := range roles {
				entries = append(entries, entry{"3" + key(r.Name), func() error {
					profiles := []iamapi.InstanceProfile{}
					for _, pk := range r.Profiles {
						p, err := a.profile(pk)
						if err != nil {
							return err
						}
						po, err := a.profileOut(p, false)
						if err != nil {
							return err
						}
						profiles = append(profiles, po)
					}
					out.RoleDetailList = append(out.RoleDetailList, iamapi.RoleDetail{
						Path: ptr(r.Path), RoleName: ptr(r.Name), RoleId: ptr(r.ID), Arn: ptr(a.roleARN(&r)),
						CreateDate: ptr(r.Created), AssumeRolePolicyDocument: ptr(encodeDocument(r.AssumeDoc)),
						InstanceProfileList: profiles, RolePolicyList: inlineDetails(r.policyHolder),
						AttachedManagedPolicies: a.attachedDetails(r.policyHolder), PermissionsBoundary: boundaryOut(r.Boundary),
						Tags: apiTags(r.Tags), RoleLastUsed: &iamapi.RoleLastUsed{},
					})
					return nil
				}})
			}
		}
		u, err := a.usage()
		if err != nil {
			return err
		}
		if everything || want["AWSManagedPolicy"] {
			// Of AWS's hundreds of policies, those in use in the account.
			for _, p := range s.aws().sorted {
				if u.attached[p.ARN]+u.boundary[p.ARN] == 0 {
					continue
				}
				r := resolved{arn: p.ARN, aws: p}
				entries = append(entries, entry{"4" + key(p.Name) + "/aws", func() error {
					d := a.policyDetail(r, u)
					d.PolicyVersionList = []iamapi.PolicyVersion{versionOut(p.DefaultVersionID, string(p.Document), true, p.Updated, true)}
					out.Policies = append(out.Policies, d)
					return nil
				}})
			}
		}
		if everything || want["LocalManagedPolicy"] {
			locals, err := all[managedPolicy](a, kindPolicy)
			if err != nil {
				return err
			}
			for i := range locals {
				p := &locals[i]
				r := resolved{arn: a.policyARN(p), local: p}
				entries = append(entries, entry{"4" + key(p.Name) + "/local", func() error {
					d := a.policyDetail(r, u)
					d.PolicyVersionList = []iamapi.PolicyVersion{}
					for j := len(p.Versions) - 1; j >= 0; j-- {
						v := p.Versions[j]
						d.PolicyVersionList = append(d.PolicyVersionList, versionOut(v.ID, v.Document, v.ID == p.Default, v.Created, true))
					}
					out.Policies = append(out.Policies, d)
					return nil
				}})
			}
		}
		slices.SortFunc(entries, func(x, y entry) int {
			switch {
			case x.sortKey < y.sortKey:
				return -1
			case x.sortKey > y.sortKey:
				return 1
			}
			return 0
		})
		got, p, err := paginate(entries, func(e entry) string { return e.sortKey }, in.Marker, in.MaxItems)
		if err != nil {
			return err
		}
		for _, e := range got {
			if err := e.add(); err != nil {
				return err
			}
		}
		out.IsTruncated, out.Marker = p.truncated, p.marker
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (a *acct) policyDetail(r resolved, u usage) iamapi.ManagedPolicyDetail {
	p := a.policyOut(r, u, true)
	return iamapi.ManagedPolicyDetail{
		PolicyName: p.PolicyName, PolicyId: p.PolicyId, Arn: p.Arn, Path: p.Path, DefaultVersionId: p.DefaultVersionId,
		AttachmentCount: p.AttachmentCount, PermissionsBoundaryUsageCount: p.PermissionsBoundaryUsageCount,
		IsAttachable: p.IsAttachable, Description: p.Description, CreateDate: p.CreateDate, UpdateDate: p.UpdateDate,
	}
}
