package iam

import (
	"context"

	iamapi "hakoniwa/internal/api/iam"
)

// CreateUser creates an IAM user.
func (s *Service) CreateUser(ctx context.Context, in *iamapi.CreateUserInput) (*iamapi.CreateUserOutput, error) {
	name := deref(in.UserName)
	if err := checkName(name, "userName", 64); err != nil {
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
	u := &user{Name: name, ID: s.ids.UniqueID("AIDA"), Path: path, Created: s.now(), Tags: tags}
	var out iamapi.User
	err = s.update(ctx, func(a *acct) error {
		if err := a.nameFree(kindUser, name, alreadyExists("User with name %s already exists.", name)); err != nil {
			return err
		}
		if in.PermissionsBoundary != nil {
			if err := a.checkBoundary(*in.PermissionsBoundary); err != nil {
				return err
			}
			u.Boundary = *in.PermissionsBoundary
		}
		out = a.userOut(u, true)
		return a.putUser(u)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.CreateUserOutput{User: &out}, nil
}

// GetUser describes a user, or the caller when no name is given. For the
// root user AWS answers with the account's id and ARN and no name or path.
func (s *Service) GetUser(ctx context.Context, in *iamapi.GetUserInput) (*iamapi.GetUserOutput, error) {
	name := deref(in.UserName)
	if name == "" {
		p := caller(ctx)
		switch {
		case p.IsRoot():
			created, err := s.accountCreated(ctx, p.Account)
			if err != nil {
				return nil, err
			}
			return &iamapi.GetUserOutput{User: &iamapi.User{
				UserId: ptr(p.Account), Arn: ptr("arn:aws:iam::" + p.Account + ":root"), CreateDate: ptr(created),
			}}, nil
		case p.Type == "IAMUser":
			name = p.UserName
		default:
			return nil, validationError("Must specify userName when calling with non-User credentials")
		}
	}
	var out iamapi.User
	err := users.read(ctx, s, name, func(a *acct, u *user) error {
		out = a.userOut(u, true)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.GetUserOutput{User: &out}, nil
}

// ListUsers lists users, by name, under a path prefix.
func (s *Service) ListUsers(ctx context.Context, in *iamapi.ListUsersInput) (*iamapi.ListUsersOutput, error) {
	prefix, err := checkPathPrefix(in.PathPrefix)
	if err != nil {
		return nil, err
	}
	out := &iamapi.ListUsersOutput{Users: []iamapi.User{}}
	err = s.view(ctx, func(a *acct) error {
		got, p, err := underPath(a, kindUser, prefix, func(u *user) (string, string) { return u.Path, u.Name }, in.Marker, in.MaxItems)
		if err != nil {
			return err
		}
		for i := range got {
			out.Users = append(out.Users, a.userOut(&got[i], false))
		}
		out.IsTruncated, out.Marker = p.truncated, p.marker
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateUser renames a user or moves it to another path. Everything that
// refers to the user by name (group memberships, access keys) follows.
func (s *Service) UpdateUser(ctx context.Context, in *iamapi.UpdateUserInput) (*iamapi.UpdateUserOutput, error) {
	name := deref(in.UserName)
	newPath := ""
	if in.NewPath != nil {
		p, err := checkPath(in.NewPath, "newPath")
		if err != nil {
			return nil, err
		}
		newPath = p
	}
	newName := deref(in.NewUserName)
	if newName != "" {
		if err := checkName(newName, "newUserName", 64); err != nil {
			return nil, err
		}
	}
	err := users.modify(ctx, s, name, func(a *acct, u *user) error {
		oldKey := key(u.Name)
		if newName != "" && key(newName) != oldKey {
			if err := a.nameFree(kindUser, newName, alreadyExists("User with name %s already exists.", newName)); err != nil {
				return err
			}
		}
		if newName != "" {
			u.Name = newName
		}
		if newPath != "" {
			u.Path = newPath
		}
		if key(u.Name) != oldKey {
			if err := a.tx.Delete(a.b(kindUser), oldKey); err != nil {
				return err
			}
			if err := renameRefs(a, groups, u.Groups, func(g *group) []string { return g.Members }, oldKey, key(u.Name)); err != nil {
				return err
			}
		}
		if err := a.rewriteUserKeys(u); err != nil {
			return err
		}
		return a.renameMFAUser(u)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.UpdateUserOutput{}, nil
}

// DeleteUser deletes a user that has nothing attached to it any more, as
// AWS requires: each kind of leftover is its own DeleteConflict.
func (s *Service) DeleteUser(ctx context.Context, in *iamapi.DeleteUserInput) (*iamapi.DeleteUserOutput, error) {
	err := s.update(ctx, func(a *acct) error {
		u, err := a.user(deref(in.UserName))
		if err != nil {
			return err
		}
		switch {
		case u.Login != nil:
			return deleteConflict("Cannot delete entity, must delete login profile first.")
		case len(u.AccessKeys) > 0:
			return deleteConflict("Cannot delete entity, must delete access keys first.")
		case len(u.SigningCerts) > 0:
			return deleteConflict("Cannot delete entity, must delete signing certificates first.")
		case len(u.SSHKeys) > 0:
			return deleteConflict("Cannot delete entity, must delete SSH public keys first.")
		case len(u.ServiceCreds) > 0:
			return deleteConflict("Cannot delete entity, must delete service specific credentials first.")
		case len(u.MFADevices) > 0:
			return deleteConflict("Cannot delete entity, must delete MFA device first.")
		case len(u.Groups) > 0:
			return deleteConflict("Cannot delete entity, must remove users from group first.")
		}
		if err := u.blocksDelete(); err != nil {
			return err
		}
		return a.tx.Delete(a.b(kindUser), key(u.Name))
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.DeleteUserOutput{}, nil
}

// TagUser adds or overwrites tags of a user.
func (s *Service) TagUser(ctx context.Context, in *iamapi.TagUserInput) (*iamapi.TagUserOutput, error) {
	if err := users.tag(ctx, s, deref(in.UserName), in.Tags); err != nil {
		return nil, err
	}
	return &iamapi.TagUserOutput{}, nil
}

// UntagUser removes tags from a user.
func (s *Service) UntagUser(ctx context.Context, in *iamapi.UntagUserInput) (*iamapi.UntagUserOutput, error) {
	if err := users.untag(ctx, s, deref(in.UserName), in.TagKeys); err != nil {
		return nil, err
	}
	return &iamapi.UntagUserOutput{}, nil
}

// ListUserTags lists a user's tags.
func (s *Service) ListUserTags(ctx context.Context, in *iamapi.ListUserTagsInput) (*iamapi.ListUserTagsOutput, error) {
	tags, p, err := users.listTags(ctx, s, deref(in.UserName), in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iamapi.ListUserTagsOutput{Tags: tags, IsTruncated: p.truncated, Marker: p.marker}, nil
}

// PutUserPermissionsBoundary sets the managed policy that bounds a user's
// permissions.
func (s *Service) PutUserPermissionsBoundary(ctx context.Context, in *iamapi.PutUserPermissionsBoundaryInput) (*iamapi.PutUserPermissionsBoundaryOutput, error) {
	err := users.modify(ctx, s, deref(in.UserName), func(a *acct, u *user) error {
		if err := a.checkBoundary(deref(in.PermissionsBoundary)); err != nil {
			return err
		}
		u.Boundary = deref(in.PermissionsBoundary)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.PutUserPermissionsBoundaryOutput{}, nil
}

// DeleteUserPermissionsBoundary removes a user's permissions boundary.
func (s *Service) DeleteUserPermissionsBoundary(ctx context.Context, in *iamapi.DeleteUserPermissionsBoundaryInput) (*iamapi.DeleteUserPermissionsBoundaryOutput, error) {
	err := users.modify(ctx, s, deref(in.UserName), func(_ *acct, u *user) error {
		u.Boundary = ""
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.DeleteUserPermissionsBoundaryOutput{}, nil
}

func emptyTags(t []iamapi.Tag) []iamapi.Tag {
	if t == nil {
		return []iamapi.Tag{}
	}
	return t
}
