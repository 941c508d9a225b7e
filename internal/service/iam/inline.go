package iam

import (
	"context"
	"slices"
	"strings"

	iamapi "hakoniwa/internal/api/iam"
)

// Aggregate inline policy size quotas, in characters without white space.
const (
	maxUserInlineSize  = 2048
	maxGroupInlineSize = 5120
	maxRoleInlineSize  = 10240
)

// encodeDocument renders a policy document the way IAM returns it:
// percent-encoded (RFC 3986, so a space is %20, never "+"). The CLI and
// boto3 decode it; SDK users call url.QueryUnescape.
func encodeDocument(doc string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(doc) * 2)
	for i := 0; i < len(doc); i++ {
		c := doc[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_', c == '.', c == '~':
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

// putInline validates and stores an inline policy on h, which belongs to
// the entity described by kind ("user", "group", "role") and name.
func putInline(h *policyHolder, kind, name, policyName, doc string, quota int) error {
	if err := checkName(policyName, "policyName", 128); err != nil {
		return err
	}
	if err := validateDocument(doc, identityDoc); err != nil {
		return err
	}
	if h.inlineSize(policyName, doc) > quota {
		return limitExceeded("Maximum policy size of %d bytes exceeded for %s %s", quota, kind, name)
	}
	h.putInline(policyName, doc)
	return nil
}

func getInline(h *policyHolder, kind, policyName string) (inlinePolicy, error) {
	i, ok := h.inline(policyName)
	if !ok {
		return inlinePolicy{}, noSuchEntity("The %s policy with name %s cannot be found.", kind, policyName)
	}
	return h.Inline[i], nil
}

func deleteInline(h *policyHolder, kind, policyName string) error {
	i, ok := h.inline(policyName)
	if !ok {
		return noSuchEntity("The %s policy with name %s cannot be found.", kind, policyName)
	}
	h.Inline = slices.Delete(h.Inline, i, i+1)
	return nil
}

func listInline(h *policyHolder, marker *string, maxItems *int64) ([]string, page, error) {
	names := make([]string, 0, len(h.Inline))
	for _, p := range h.Inline {
		names = append(names, p.Name)
	}
	slices.SortFunc(names, func(a, b string) int { return strings.Compare(key(a), key(b)) })
	got, p, err := paginate(names, key, marker, maxItems)
	if got == nil {
		got = []string{}
	}
	return got, p, err
}

// PutUserPolicy adds or replaces an inline policy of a user.
func (s *Service) PutUserPolicy(ctx context.Context, in *iamapi.PutUserPolicyInput) (*iamapi.PutUserPolicyOutput, error) {
	err := users.modify(ctx, s, deref(in.UserName), func(_ *acct, u *user) error {
		return putInline(&u.policyHolder, "user", u.Name, deref(in.PolicyName), deref(in.PolicyDocument), maxUserInlineSize)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.PutUserPolicyOutput{}, nil
}

// GetUserPolicy returns an inline policy of a user.
func (s *Service) GetUserPolicy(ctx context.Context, in *iamapi.GetUserPolicyInput) (*iamapi.GetUserPolicyOutput, error) {
	var out *iamapi.GetUserPolicyOutput
	err := users.read(ctx, s, deref(in.UserName), func(_ *acct, u *user) error {
		p, err := getInline(&u.policyHolder, "user", deref(in.PolicyName))
		if err != nil {
			return err
		}
		out = &iamapi.GetUserPolicyOutput{UserName: ptr(u.Name), PolicyName: ptr(p.Name), PolicyDocument: ptr(encodeDocument(p.Document))}
		return nil
	})
	return out, err
}

// DeleteUserPolicy deletes an inline policy of a user.
func (s *Service) DeleteUserPolicy(ctx context.Context, in *iamapi.DeleteUserPolicyInput) (*iamapi.DeleteUserPolicyOutput, error) {
	err := users.modify(ctx, s, deref(in.UserName), func(_ *acct, u *user) error {
		return deleteInline(&u.policyHolder, "user", deref(in.PolicyName))
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.DeleteUserPolicyOutput{}, nil
}

// ListUserPolicies lists the names of a user's inline policies.
func (s *Service) ListUserPolicies(ctx context.Context, in *iamapi.ListUserPoliciesInput) (*iamapi.ListUserPoliciesOutput, error) {
	out := &iamapi.ListUserPoliciesOutput{}
	err := users.read(ctx, s, deref(in.UserName), func(_ *acct, u *user) error {
		names, p, err := listInline(&u.policyHolder, in.Marker, in.MaxItems)
		out.PolicyNames, out.IsTruncated, out.Marker = names, p.truncated, p.marker
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// PutGroupPolicy adds or replaces an inline policy of a group.
func (s *Service) PutGroupPolicy(ctx context.Context, in *iamapi.PutGroupPolicyInput) (*iamapi.PutGroupPolicyOutput, error) {
	err := groups.modify(ctx, s, deref(in.GroupName), func(_ *acct, g *group) error {
		return putInline(&g.policyHolder, "group", g.Name, deref(in.PolicyName), deref(in.PolicyDocument), maxGroupInlineSize)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.PutGroupPolicyOutput{}, nil
}

// GetGroupPolicy returns an inline policy of a group.
func (s *Service) GetGroupPolicy(ctx context.Context, in *iamapi.GetGroupPolicyInput) (*iamapi.GetGroupPolicyOutput, error) {
	var out *iamapi.GetGroupPolicyOutput
	err := groups.read(ctx, s, deref(in.GroupName), func(_ *acct, g *group) error {
		p, err := getInline(&g.policyHolder, "group", deref(in.PolicyName))
		if err != nil {
			return err
		}
		out = &iamapi.GetGroupPolicyOutput{GroupName: ptr(g.Name), PolicyName: ptr(p.Name), PolicyDocument: ptr(encodeDocument(p.Document))}
		return nil
	})
	return out, err
}

// DeleteGroupPolicy deletes an inline policy of a group.
func (s *Service) DeleteGroupPolicy(ctx context.Context, in *iamapi.DeleteGroupPolicyInput) (*iamapi.DeleteGroupPolicyOutput, error) {
	err := groups.modify(ctx, s, deref(in.GroupName), func(_ *acct, g *group) error {
		return deleteInline(&g.policyHolder, "group", deref(in.PolicyName))
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.DeleteGroupPolicyOutput{}, nil
}

// ListGroupPolicies lists the names of a group's inline policies.
func (s *Service) ListGroupPolicies(ctx context.Context, in *iamapi.ListGroupPoliciesInput) (*iamapi.ListGroupPoliciesOutput, error) {
	out := &iamapi.ListGroupPoliciesOutput{}
	err := groups.read(ctx, s, deref(in.GroupName), func(_ *acct, g *group) error {
		names, p, err := listInline(&g.policyHolder, in.Marker, in.MaxItems)
		out.PolicyNames, out.IsTruncated, out.Marker = names, p.truncated, p.marker
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// PutRolePolicy adds or replaces an inline policy of a role.
func (s *Service) PutRolePolicy(ctx context.Context, in *iamapi.PutRolePolicyInput) (*iamapi.PutRolePolicyOutput, error) {
	err := s.modifyRole(ctx, deref(in.RoleName), func(_ *acct, r *role) error {
		return putInline(&r.policyHolder, "role", r.Name, deref(in.PolicyName), deref(in.PolicyDocument), maxRoleInlineSize)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.PutRolePolicyOutput{}, nil
}

// GetRolePolicy returns an inline policy of a role.
func (s *Service) GetRolePolicy(ctx context.Context, in *iamapi.GetRolePolicyInput) (*iamapi.GetRolePolicyOutput, error) {
	var out *iamapi.GetRolePolicyOutput
	err := roles.read(ctx, s, deref(in.RoleName), func(_ *acct, r *role) error {
		p, err := getInline(&r.policyHolder, "role", deref(in.PolicyName))
		if err != nil {
			return err
		}
		out = &iamapi.GetRolePolicyOutput{RoleName: ptr(r.Name), PolicyName: ptr(p.Name), PolicyDocument: ptr(encodeDocument(p.Document))}
		return nil
	})
	return out, err
}

// DeleteRolePolicy deletes an inline policy of a role.
func (s *Service) DeleteRolePolicy(ctx context.Context, in *iamapi.DeleteRolePolicyInput) (*iamapi.DeleteRolePolicyOutput, error) {
	err := s.modifyRole(ctx, deref(in.RoleName), func(_ *acct, r *role) error {
		return deleteInline(&r.policyHolder, "role", deref(in.PolicyName))
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.DeleteRolePolicyOutput{}, nil
}

// ListRolePolicies lists the names of a role's inline policies.
func (s *Service) ListRolePolicies(ctx context.Context, in *iamapi.ListRolePoliciesInput) (*iamapi.ListRolePoliciesOutput, error) {
	out := &iamapi.ListRolePoliciesOutput{}
	err := roles.read(ctx, s, deref(in.RoleName), func(_ *acct, r *role) error {
		names, p, err := listInline(&r.policyHolder, in.Marker, in.MaxItems)
		out.PolicyNames, out.IsTruncated, out.Marker = names, p.truncated, p.marker
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
