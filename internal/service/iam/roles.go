package iam

import (
	"context"
	"strings"

	iamapi "hakoniwa/internal/api/iam"
)

// Role quotas and defaults (IAM and STS quotas).
const (
	minSessionDuration      = 3600
	maxSessionDuration      = 43200
	maxAssumeRolePolicySize = 2048
)

func checkSessionDuration(d *int64) (int64, error) {
	if d == nil {
		return minSessionDuration, nil
	}
	switch {
	case *d < minSessionDuration:
		return 0, validationError("1 validation error detected: Value '%d' at 'maxSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to %d", *d, minSessionDuration)
	case *d > maxSessionDuration:
		return 0, validationError("1 validation error detected: Value '%d' at 'maxSessionDuration' failed to satisfy constraint: Member must have value less than or equal to %d", *d, maxSessionDuration)
	}
	return *d, nil
}

// checkTrustPolicy validates an assume-role policy document.
func checkTrustPolicy(doc string) error {
	if policySize(doc) > maxAssumeRolePolicySize {
		return limitExceeded("Cannot exceed quota for ACLSizePerRole: %d", maxAssumeRolePolicySize)
	}
	return validateDocument(doc, trustDoc)
}

// CreateRole creates a role.
func (s *Service) CreateRole(ctx context.Context, in *iamapi.CreateRoleInput) (*iamapi.CreateRoleOutput, error) {
	name := deref(in.RoleName)
	if err := checkName(name, "roleName", 64); err != nil {
		return nil, err
	}
	path, err := checkPath(in.Path, "path")
	if err != nil {
		return nil, err
	}
	if in.AssumeRolePolicyDocument == nil {
		return nil, validationError("1 validation error detected: Value null at 'assumeRolePolicyDocument' failed to satisfy constraint: Member must not be null")
	}
	if err := checkTrustPolicy(*in.AssumeRolePolicyDocument); err != nil {
		return nil, err
	}
	dur, err := checkSessionDuration(in.MaxSessionDuration)
	if err != nil {
		return nil, err
	}
	tags, err := mergeTags(nil, in.Tags)
	if err != nil {
		return nil, err
	}
	r := &role{
		Name: name, ID: s.ids.UniqueID("AROA"), Path: path, Created: s.now(),
		AssumeDoc: *in.AssumeRolePolicyDocument, Description: deref(in.Description), MaxSession: dur, Tags: tags,
	}
	var out iamapi.Role
	err = s.update(ctx, func(a *acct) error {
		if err := a.nameFree(kindRole, name, alreadyExists("Role with name %s already exists.", name)); err != nil {
			return err
		}
		if in.PermissionsBoundary != nil {
			if err := a.checkBoundary(*in.PermissionsBoundary); err != nil {
				return err
			}
			r.Boundary = *in.PermissionsBoundary
		}
		out = a.roleOut(r, true)
		out.RoleLastUsed = nil
		return a.putRole(r)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.CreateRoleOutput{Role: &out}, nil
}

// GetRole describes a role.
func (s *Service) GetRole(ctx context.Context, in *iamapi.GetRoleInput) (*iamapi.GetRoleOutput, error) {
	var out iamapi.Role
	err := roles.read(ctx, s, deref(in.RoleName), func(a *acct, r *role) error {
		out = a.roleOut(r, true)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.GetRoleOutput{Role: &out}, nil
}

// ListRoles lists roles under a path prefix.
func (s *Service) ListRoles(ctx context.Context, in *iamapi.ListRolesInput) (*iamapi.ListRolesOutput, error) {
	prefix, err := checkPathPrefix(in.PathPrefix)
	if err != nil {
		return nil, err
	}
	out := &iamapi.ListRolesOutput{Roles: []iamapi.Role{}}
	err = s.view(ctx, func(a *acct) error {
		got, p, err := underPath(a, kindRole, prefix, func(r *role) (string, string) { return r.Path, r.Name }, in.Marker, in.MaxItems)
		if err != nil {
			return err
		}
		for i := range got {
			out.Roles = append(out.Roles, a.roleOut(&got[i], false))
		}
		out.IsTruncated, out.Marker = p.truncated, p.marker
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// modifyRole loads a role that the caller may change (not a
// service-linked one), applies fn and stores it.
func (s *Service) modifyRole(ctx context.Context, name string, fn func(a *acct, r *role) error) error {
	return roles.modify(ctx, s, name, func(a *acct, r *role) error {
		if err := protectedRole(r); err != nil {
			return err
		}
		return fn(a, r)
	})
}

func protectedRole(r *role) error {
	if r.LinkedService != "" {
		return unmodifiable("Cannot perform the operation on the protected role '%s' - this role is only modifiable by AWS", r.Name)
	}
	return nil
}

// UpdateRole changes a role's description or maximum session duration.
func (s *Service) UpdateRole(ctx context.Context, in *iamapi.UpdateRoleInput) (*iamapi.UpdateRoleOutput, error) {
	var dur int64
	if in.MaxSessionDuration != nil {
		d, err := checkSessionDuration(in.MaxSessionDuration)
		if err != nil {
			return nil, err
		}
		dur = d
	}
	err := s.modifyRole(ctx, deref(in.RoleName), func(_ *acct, r *role) error {
		if in.Description != nil {
			r.Description = *in.Description
		}
		if dur != 0 {
			r.MaxSession = dur
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.UpdateRoleOutput{}, nil
}

// UpdateRoleDescription changes a role's description and returns the role.
func (s *Service) UpdateRoleDescription(ctx context.Context, in *iamapi.UpdateRoleDescriptionInput) (*iamapi.UpdateRoleDescriptionOutput, error) {
	var out iamapi.Role
	err := s.modifyRole(ctx, deref(in.RoleName), func(a *acct, r *role) error {
		r.Description = deref(in.Description)
		out = a.roleOut(r, true)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.UpdateRoleDescriptionOutput{Role: &out}, nil
}

// UpdateAssumeRolePolicy replaces a role's trust policy.
func (s *Service) UpdateAssumeRolePolicy(ctx context.Context, in *iamapi.UpdateAssumeRolePolicyInput) (*iamapi.UpdateAssumeRolePolicyOutput, error) {
	doc := deref(in.PolicyDocument)
	if err := checkTrustPolicy(doc); err != nil {
		return nil, err
	}
	err := s.modifyRole(ctx, deref(in.RoleName), func(_ *acct, r *role) error {
		r.AssumeDoc = doc
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.UpdateAssumeRolePolicyOutput{}, nil
}

// deleteRole removes a role that nothing refers to any more.
func (a *acct) deleteRole(r *role) error {
	if len(r.Profiles) > 0 {
		return deleteConflict("Cannot delete entity, must remove roles from instance profile first.")
	}
	if err := r.blocksDelete(); err != nil {
		return err
	}
	return a.tx.Delete(a.b(kindRole), key(r.Name))
}

// DeleteRole deletes a role.
func (s *Service) DeleteRole(ctx context.Context, in *iamapi.DeleteRoleInput) (*iamapi.DeleteRoleOutput, error) {
	err := s.update(ctx, func(a *acct) error {
		r, err := a.role(deref(in.RoleName))
		if err != nil {
			return err
		}
		if err := protectedRole(r); err != nil {
			return err
		}
		return a.deleteRole(r)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.DeleteRoleOutput{}, nil
}

// TagRole adds or overwrites tags of a role.
func (s *Service) TagRole(ctx context.Context, in *iamapi.TagRoleInput) (*iamapi.TagRoleOutput, error) {
	if err := roles.tag(ctx, s, deref(in.RoleName), in.Tags); err != nil {
		return nil, err
	}
	return &iamapi.TagRoleOutput{}, nil
}

// UntagRole removes tags from a role.
func (s *Service) UntagRole(ctx context.Context, in *iamapi.UntagRoleInput) (*iamapi.UntagRoleOutput, error) {
	if err := roles.untag(ctx, s, deref(in.RoleName), in.TagKeys); err != nil {
		return nil, err
	}
	return &iamapi.UntagRoleOutput{}, nil
}

// ListRoleTags lists a role's tags.
func (s *Service) ListRoleTags(ctx context.Context, in *iamapi.ListRoleTagsInput) (*iamapi.ListRoleTagsOutput, error) {
	tags, p, err := roles.listTags(ctx, s, deref(in.RoleName), in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iamapi.ListRoleTagsOutput{Tags: tags, IsTruncated: p.truncated, Marker: p.marker}, nil
}

// PutRolePermissionsBoundary sets a role's permissions boundary.
func (s *Service) PutRolePermissionsBoundary(ctx context.Context, in *iamapi.PutRolePermissionsBoundaryInput) (*iamapi.PutRolePermissionsBoundaryOutput, error) {
	err := s.modifyRole(ctx, deref(in.RoleName), func(a *acct, r *role) error {
		if err := a.checkBoundary(deref(in.PermissionsBoundary)); err != nil {
			return err
		}
		r.Boundary = deref(in.PermissionsBoundary)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.PutRolePermissionsBoundaryOutput{}, nil
}

// DeleteRolePermissionsBoundary removes a role's permissions boundary.
func (s *Service) DeleteRolePermissionsBoundary(ctx context.Context, in *iamapi.DeleteRolePermissionsBoundaryInput) (*iamapi.DeleteRolePermissionsBoundaryOutput, error) {
	err := s.modifyRole(ctx, deref(in.RoleName), func(_ *acct, r *role) error {
		r.Boundary = ""
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.DeleteRolePermissionsBoundaryOutput{}, nil
}

// serviceRoleNames are the role names AWS gives the service-linked roles
// of common services; others are named after the service's host label.
var serviceRoleNames = map[string]string{
	"autoscaling.amazonaws.com":                      "AWSServiceRoleForAutoScaling",
	"elasticloadbalancing.amazonaws.com":             "AWSServiceRoleForElasticLoadBalancing",
	"ecs.amazonaws.com":                              "AWSServiceRoleForECS",
	"rds.amazonaws.com":                              "AWSServiceRoleForRDS",
	"lambda.amazonaws.com":                           "AWSServiceRoleForLambda",
	"organizations.amazonaws.com":                    "AWSServiceRoleForOrganizations",
	"support.amazonaws.com":                          "AWSServiceRoleForSupport",
	"trustedadvisor.amazonaws.com":                   "AWSServiceRoleForTrustedAdvisor",
	"spot.amazonaws.com":                             "AWSServiceRoleForEC2Spot",
	"spotfleet.amazonaws.com":                        "AWSServiceRoleForEC2SpotFleet",
	"eks.amazonaws.com":                              "AWSServiceRoleForAmazonEKS",
	"ssm.amazonaws.com":                              "AWSServiceRoleForAmazonSSM",
	"config.amazonaws.com":                           "AWSServiceRoleForConfig",
	"cloudtrail.amazonaws.com":                       "AWSServiceRoleForCloudTrail",
	"guardduty.amazonaws.com":                        "AWSServiceRoleForAmazonGuardDuty",
	"elasticache.amazonaws.com":                      "AWSServiceRoleForElastiCache",
	"dynamodb.application-autoscaling.amazonaws.com": "AWSServiceRoleForApplicationAutoScaling_DynamoDBTable",
}

func serviceRoleName(service string) string {
	if n, ok := serviceRoleNames[service]; ok {
		return n
	}
	label, _, _ := strings.Cut(service, ".")
	var b strings.Builder
	b.WriteString("AWSServiceRoleFor")
	up := true
	for _, c := range label {
		if c == '-' {
			up = true
			continue
		}
		if up && c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		up = false
		b.WriteRune(c)
	}
	return b.String()
}

// CreateServiceLinkedRole creates the role a service assumes on the
// account's behalf, under /aws-service-role/<service>/.
func (s *Service) CreateServiceLinkedRole(ctx context.Context, in *iamapi.CreateServiceLinkedRoleInput) (*iamapi.CreateServiceLinkedRoleOutput, error) {
	svc := deref(in.AWSServiceName)
	if !strings.HasSuffix(svc, ".amazonaws.com") || strings.ContainsAny(svc, "/ ") {
		return nil, invalidInput("Invalid service name: %s", svc)
	}
	name := serviceRoleName(svc)
	if in.CustomSuffix != nil {
		name += "_" + *in.CustomSuffix
	}
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"` + svc + `"},"Action":"sts:AssumeRole"}]}`
	r := &role{
		Name: name, ID: s.ids.UniqueID("AROA"), Path: "/aws-service-role/" + svc + "/", Created: s.now(),
		AssumeDoc: trust, Description: deref(in.Description), MaxSession: minSessionDuration, LinkedService: svc,
	}
	var out iamapi.Role
	err := s.update(ctx, func(a *acct) error {
		if err := a.nameFree(kindRole, name, invalidInput("Service role name %s has been taken in this account, please try a different suffix.", name)); err != nil {
			return err
		}
		out = a.roleOut(r, false)
		return a.putRole(r)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.CreateServiceLinkedRoleOutput{Role: &out}, nil
}

// slrTask records a service-linked role deletion. hakoniwa's services hold
// no resources a deletion would have to wait for, so it completes at once.
type slrTask struct {
	Status string `json:"status"`
}

// DeleteServiceLinkedRole deletes a service-linked role and returns the id
// of the (already finished) deletion task.
func (s *Service) DeleteServiceLinkedRole(ctx context.Context, in *iamapi.DeleteServiceLinkedRoleInput) (*iamapi.DeleteServiceLinkedRoleOutput, error) {
	var taskID string
	uuid := s.ids.UUID()
	err := s.update(ctx, func(a *acct) error {
		r, err := a.role(deref(in.RoleName))
		if err != nil {
			return err
		}
		if r.LinkedService == "" {
			return invalidInput("Role %s is not a service-linked role.", r.Name)
		}
		taskID = "task" + r.Path + r.Name + "/" + uuid
		if err := a.deleteRole(r); err != nil {
			return err
		}
		return putJSON(a, kindSLRTask, taskID, slrTask{Status: "SUCCEEDED"})
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.DeleteServiceLinkedRoleOutput{DeletionTaskId: &taskID}, nil
}

// GetServiceLinkedRoleDeletionStatus reports a deletion task's status.
func (s *Service) GetServiceLinkedRoleDeletionStatus(ctx context.Context, in *iamapi.GetServiceLinkedRoleDeletionStatusInput) (*iamapi.GetServiceLinkedRoleDeletionStatusOutput, error) {
	id := deref(in.DeletionTaskId)
	var t *slrTask
	err := s.view(ctx, func(a *acct) error {
		var err error
		t, err = getRec[slrTask](a, kindSLRTask, id, func() error {
			return noSuchEntity("Deletion task %s does not exist.", id)
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.GetServiceLinkedRoleDeletionStatusOutput{Status: ptr(t.Status)}, nil
}
