package iam

import (
	"context"
	"slices"

	iamapi "hakoniwa/internal/api/iam"
)

// maxRolesPerProfile is IAM's fixed quota: an instance profile holds one
// role.
const maxRolesPerProfile = 1

func (a *acct) profileOut(p *instanceProfile, withTags bool) (iamapi.InstanceProfile, error) {
	out := iamapi.InstanceProfile{
		Path: ptr(p.Path), InstanceProfileName: ptr(p.Name), InstanceProfileId: ptr(p.ID),
		Arn: ptr(a.profileARN(p)), CreateDate: ptr(p.Created), Roles: []iamapi.Role{},
	}
	for _, rk := range p.Roles {
		r, err := a.role(rk)
		if err != nil {
			return out, err
		}
		out.Roles = append(out.Roles, a.roleOut(r, false))
	}
	if withTags {
		out.Tags = apiTags(p.Tags)
	}
	return out, nil
}

// CreateInstanceProfile creates an empty instance profile.
func (s *Service) CreateInstanceProfile(ctx context.Context, in *iamapi.CreateInstanceProfileInput) (*iamapi.CreateInstanceProfileOutput, error) {
	name := deref(in.InstanceProfileName)
	if err := checkName(name, "instanceProfileName", 128); err != nil {
		return nil, err
	}
	path, err := checkPath(in.Path, "path")
	if err != nil {
		return nil, err
	}
	tags, err := mergeTags(nil, in.Tags)
	if err != nil {
		return nil, err
	}
	p := &instanceProfile{Name: name, ID: s.ids.UniqueID("AIPA"), Path: path, Created: s.now(), Tags: tags}
	var out iamapi.InstanceProfile
	err = s.update(ctx, func(a *acct) error {
		if err := a.nameFree(kindProfile, name, alreadyExists("Instance Profile %s already exists.", name)); err != nil {
			return err
		}
		if out, err = a.profileOut(p, true); err != nil {
			return err
		}
		return a.putProfile(p)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.CreateInstanceProfileOutput{InstanceProfile: &out}, nil
}

// GetInstanceProfile describes an instance profile and its role.
func (s *Service) GetInstanceProfile(ctx context.Context, in *iamapi.GetInstanceProfileInput) (*iamapi.GetInstanceProfileOutput, error) {
	var out iamapi.InstanceProfile
	err := profiles.read(ctx, s, deref(in.InstanceProfileName), func(a *acct, p *instanceProfile) error {
		var err error
		out, err = a.profileOut(p, true)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.GetInstanceProfileOutput{InstanceProfile: &out}, nil
}

// ListInstanceProfiles lists instance profiles under a path prefix.
func (s *Service) ListInstanceProfiles(ctx context.Context, in *iamapi.ListInstanceProfilesInput) (*iamapi.ListInstanceProfilesOutput, error) {
	prefix, err := checkPathPrefix(in.PathPrefix)
	if err != nil {
		return nil, err
	}
	out := &iamapi.ListInstanceProfilesOutput{InstanceProfiles: []iamapi.InstanceProfile{}}
	err = s.view(ctx, func(a *acct) error {
		got, pg, err := underPath(a, kindProfile, prefix, func(p *instanceProfile) (string, string) { return p.Path, p.Name }, in.Marker, in.MaxItems)
		if err != nil {
			return err
		}
		for i := range got {
			o, err := a.profileOut(&got[i], false)
			if err != nil {
				return err
			}
			out.InstanceProfiles = append(out.InstanceProfiles, o)
		}
		out.IsTruncated, out.Marker = pg.truncated, pg.marker
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteInstanceProfile deletes an instance profile that holds no role.
func (s *Service) DeleteInstanceProfile(ctx context.Context, in *iamapi.DeleteInstanceProfileInput) (*iamapi.DeleteInstanceProfileOutput, error) {
	err := s.update(ctx, func(a *acct) error {
		p, err := a.profile(deref(in.InstanceProfileName))
		if err != nil {
			return err
		}
		if len(p.Roles) > 0 {
			return deleteConflict("Cannot delete entity, must remove roles from instance profile first.")
		}
		return a.tx.Delete(a.b(kindProfile), key(p.Name))
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.DeleteInstanceProfileOutput{}, nil
}

// AddRoleToInstanceProfile puts a role in an instance profile.
func (s *Service) AddRoleToInstanceProfile(ctx context.Context, in *iamapi.AddRoleToInstanceProfileInput) (*iamapi.AddRoleToInstanceProfileOutput, error) {
	err := profiles.modify(ctx, s, deref(in.InstanceProfileName), func(a *acct, p *instanceProfile) error {
		r, err := a.role(deref(in.RoleName))
		if err != nil {
			return err
		}
		rk, pk := key(r.Name), key(p.Name)
		if slices.Contains(p.Roles, rk) {
			return limitExceeded("Cannot exceed quota for InstanceSessionsPerInstanceProfile: %d", maxRolesPerProfile)
		}
		if len(p.Roles) >= maxRolesPerProfile {
			return limitExceeded("Cannot exceed quota for InstanceSessionsPerInstanceProfile: %d", maxRolesPerProfile)
		}
		p.Roles = append(p.Roles, rk)
		r.Profiles = append(r.Profiles, pk)
		return a.putRole(r)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.AddRoleToInstanceProfileOutput{}, nil
}

// RemoveRoleFromInstanceProfile takes a role out of an instance profile.
func (s *Service) RemoveRoleFromInstanceProfile(ctx context.Context, in *iamapi.RemoveRoleFromInstanceProfileInput) (*iamapi.RemoveRoleFromInstanceProfileOutput, error) {
	err := profiles.modify(ctx, s, deref(in.InstanceProfileName), func(a *acct, p *instanceProfile) error {
		r, err := a.role(deref(in.RoleName))
		if err != nil {
			return err
		}
		rk, pk := key(r.Name), key(p.Name)
		if !slices.Contains(p.Roles, rk) {
			return noSuchEntity("The role with name %s cannot be found.", r.Name)
		}
		p.Roles = removeString(p.Roles, rk)
		r.Profiles = removeString(r.Profiles, pk)
		return a.putRole(r)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.RemoveRoleFromInstanceProfileOutput{}, nil
}

// ListInstanceProfilesForRole lists the instance profiles holding a role.
func (s *Service) ListInstanceProfilesForRole(ctx context.Context, in *iamapi.ListInstanceProfilesForRoleInput) (*iamapi.ListInstanceProfilesForRoleOutput, error) {
	out := &iamapi.ListInstanceProfilesForRoleOutput{InstanceProfiles: []iamapi.InstanceProfile{}}
	err := roles.read(ctx, s, deref(in.RoleName), func(a *acct, r *role) error {
		keys := slices.Clone(r.Profiles)
		slices.Sort(keys)
		got, pg, err := paginate(keys, func(k string) string { return k }, in.Marker, in.MaxItems)
		if err != nil {
			return err
		}
		for _, k := range got {
			p, err := a.profile(k)
			if err != nil {
				return err
			}
			o, err := a.profileOut(p, false)
			if err != nil {
				return err
			}
			out.InstanceProfiles = append(out.InstanceProfiles, o)
		}
		out.IsTruncated, out.Marker = pg.truncated, pg.marker
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// TagInstanceProfile adds or overwrites tags of an instance profile.
func (s *Service) TagInstanceProfile(ctx context.Context, in *iamapi.TagInstanceProfileInput) (*iamapi.TagInstanceProfileOutput, error) {
	if err := profiles.tag(ctx, s, deref(in.InstanceProfileName), in.Tags); err != nil {
		return nil, err
	}
	return &iamapi.TagInstanceProfileOutput{}, nil
}

// UntagInstanceProfile removes tags from an instance profile.
func (s *Service) UntagInstanceProfile(ctx context.Context, in *iamapi.UntagInstanceProfileInput) (*iamapi.UntagInstanceProfileOutput, error) {
	if err := profiles.untag(ctx, s, deref(in.InstanceProfileName), in.TagKeys); err != nil {
		return nil, err
	}
	return &iamapi.UntagInstanceProfileOutput{}, nil
}

// ListInstanceProfileTags lists an instance profile's tags.
func (s *Service) ListInstanceProfileTags(ctx context.Context, in *iamapi.ListInstanceProfileTagsInput) (*iamapi.ListInstanceProfileTagsOutput, error) {
	tags, p, err := profiles.listTags(ctx, s, deref(in.InstanceProfileName), in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iamapi.ListInstanceProfileTagsOutput{Tags: tags, IsTruncated: p.truncated, Marker: p.marker}, nil
}
