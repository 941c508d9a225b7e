package iam

import (
	"context"
	"strings"

	"hakoniwa/internal/ids"
	"hakoniwa/internal/store"
)

// AssumableRole is what STS needs to know about a role to issue a session
// for it, and what the authorizer needs to evaluate its trust policy.
type AssumableRole struct {
	ARN, ID, Name, Account string
	// TrustPolicy is the assume-role policy document, as stored (JSON,
	// not URL-encoded).
	TrustPolicy        string
	MaxSessionDuration int64
	Tags               map[string]string
}

// RoleForAssume resolves a role ARN of any account (AssumeRole crosses
// accounts). A role that does not exist, or whose path differs from the
// ARN's, is NoSuchEntity.
func (s *Service) RoleForAssume(ctx context.Context, roleARN string) (AssumableRole, error) {
	account, path, name, ok := roleARNParts(roleARN)
	if !ok {
		return AssumableRole{}, invalidInput("ARN %s is not valid.", roleARN)
	}
	var out AssumableRole
	err := s.st.View(ctx, func(tx store.Tx) error {
		a := &acct{s: s, tx: tx, id: account}
		r, err := a.role(name)
		if err != nil {
			return err
		}
		if r.Path != path || r.Name != name {
			// Names are case-insensitive keys, ARNs are exact.
			return noSuchEntity("The role with name %s cannot be found.", name)
		}
		out = AssumableRole{
			ARN: a.roleARN(r), ID: r.ID, Name: r.Name, Account: account,
			TrustPolicy: r.AssumeDoc, MaxSessionDuration: r.MaxSession, Tags: tagMap(r.Tags),
		}
		return nil
	})
	return out, err
}

// ManagedPolicyDocument is the default version's document of a managed
// policy that account may use: one of its own or an AWS managed policy.
func (s *Service) ManagedPolicyDocument(ctx context.Context, account, policyARN string) (string, error) {
	var doc string
	err := s.st.View(ctx, func(tx store.Tx) error {
		a := &acct{s: s, tx: tx, id: account}
		r, err := a.policy(policyARN, policyNotFound)
		if err != nil {
			return err
		}
		_, doc = r.defaultDocument()
		return nil
	})
	return doc, err
}

// roleARNParts splits arn:aws:iam::<account>:role<path><name>.
func roleARNParts(arn string) (account, path, name string, ok bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[1] != "aws" || parts[2] != "iam" || parts[3] != "" || !ids.IsAccountID(parts[4]) {
		return "", "", "", false
	}
	res, found := strings.CutPrefix(parts[5], "role/")
	if !found || res == "" || strings.HasSuffix(res, "/") {
		return "", "", "", false
	}
	i := strings.LastIndexByte(res, '/')
	return parts[4], "/" + res[:i+1], res[i+1:], true
}

// ProfileRole is an instance profile and the role it holds, as EC2 needs
// it to launch an instance that acts as the role.
type ProfileRole struct {
	ARN, ID string
	// RoleARN and RoleName are empty when the profile holds no role.
	RoleARN, RoleName string
}

// ProfileForInstance resolves an instance profile of account by name or
// ARN (RunInstances takes either). NoSuchEntity when there is none, or
// when an ARN names another account or a path the profile does not have.
func (s *Service) ProfileForInstance(ctx context.Context, account, nameOrARN string) (ProfileRole, error) {
	name, wantARN := nameOrARN, ""
	if strings.HasPrefix(nameOrARN, "arn:") {
		i := strings.LastIndexByte(nameOrARN, '/')
		if i < 0 || !strings.Contains(nameOrARN, ":instance-profile/") {
			return ProfileRole{}, invalidInput("ARN %s is not valid.", nameOrARN)
		}
		name, wantARN = nameOrARN[i+1:], nameOrARN
	}
	var out ProfileRole
	err := s.st.View(ctx, func(tx store.Tx) error {
		a := &acct{s: s, tx: tx, id: account}
		p, err := a.profile(name)
		if err != nil {
			return err
		}
		out = ProfileRole{ARN: a.profileARN(p), ID: p.ID}
		if wantARN != "" && wantARN != out.ARN {
			return noSuchEntity("Instance Profile %s cannot be found.", name)
		}
		if len(p.Roles) > 0 {
			r, err := a.role(p.Roles[0])
			if err != nil {
				return err
			}
			out.RoleARN, out.RoleName = a.roleARN(r), r.Name
		}
		return nil
	})
	return out, err
}
