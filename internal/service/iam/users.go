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
		if ok, err := a.exists(kindUser, name); err != nil || ok {
			if ok {
				return alreadyExists("User with name %s already exists.", name)
			}
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
	err := s.view(ctx, func(a *acct) error {
		u, err := a.user(name)
		if err != nil {
			return err
		}
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
		users, err := all[user](a, kindUser)
		if err != nil {
			return err
		}
		var match []user
		for _, u := range users {
			if hasPathPrefix(u.Path, prefix) {
				match = append(match, u)
			}
		}
		got, p, err := paginate(match, func(u user) string { return key(u.Name) }, in.Marker, in.MaxItems)
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
	err := s.update(ctx, func(a *acct) error {
		u, err := a.user(name)
		if err != nil {
			return err
		}
		oldKey := key(u.Name)
		if newName != "" && key(newName) != oldKey {
			if ok, err := a.exists(kindUser, newName); err != nil || ok {
				if ok {
					return alreadyExists("User with name %s already exists.", newName)
				}
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
			for _, gk := range u.Groups {
				g, err := a.group(gk)
				if err != nil {
					return err
				}
				for i, m := range g.Members {
					if m == oldKey {
						g.Members[i] = key(u.Name)
					}
				}
				if err := a.putGroup(g); err != nil {
					return err
				}
			}
		}
		if err := a.rewriteUserKeys(u); err != nil {
			return err
		}
		if err := a.renameMFAUser(u); err != nil {
			return err
		}
		return a.putUser(u)
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
		case len(u.Inline) > 0:
			return deleteConflict("Cannot delete entity, must delete policies first.")
		case len(u.Attached) > 0:
			return deleteConflict("Cannot delete entity, must detach all policies first.")
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
	err := s.update(ctx, func(a *acct) error {
		u, err := a.user(deref(in.UserName))
		if err != nil {
			return err
		}
		if u.Tags, err = mergeTags(u.Tags, in.Tags); err != nil {
			return err
		}
		return a.putUser(u)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.TagUserOutput{}, nil
}

// UntagUser removes tags from a user.
func (s *Service) UntagUser(ctx context.Context, in *iamapi.UntagUserInput) (*iamapi.UntagUserOutput, error) {
	err := s.update(ctx, func(a *acct) error {
		u, err := a.user(deref(in.UserName))
		if err != nil {
			return err
		}
		u.Tags = removeTags(u.Tags, in.TagKeys)
		return a.putUser(u)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.UntagUserOutput{}, nil
}

// ListUserTags lists a user's tags.
func (s *Service) ListUserTags(ctx context.Context, in *iamapi.ListUserTagsInput) (*iamapi.ListUserTagsOutput, error) {
	out := &iamapi.ListUserTagsOutput{}
	err := s.view(ctx, func(a *acct) error {
		u, err := a.user(deref(in.UserName))
		if err != nil {
			return err
		}
		tags, p, err := listTags(u.Tags, in.Marker, in.MaxItems)
		out.Tags, out.IsTruncated, out.Marker = emptyTags(tags), p.truncated, p.marker
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// PutUserPermissionsBoundary sets the managed policy that bounds a user's
// permissions.
func (s *Service) PutUserPermissionsBoundary(ctx context.Context, in *iamapi.PutUserPermissionsBoundaryInput) (*iamapi.PutUserPermissionsBoundaryOutput, error) {
	err := s.update(ctx, func(a *acct) error {
		u, err := a.user(deref(in.UserName))
		if err != nil {
			return err
		}
		if err := a.checkBoundary(deref(in.PermissionsBoundary)); err != nil {
			return err
		}
		u.Boundary = deref(in.PermissionsBoundary)
		return a.putUser(u)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.PutUserPermissionsBoundaryOutput{}, nil
}

// DeleteUserPermissionsBoundary removes a user's permissions boundary.
func (s *Service) DeleteUserPermissionsBoundary(ctx context.Context, in *iamapi.DeleteUserPermissionsBoundaryInput) (*iamapi.DeleteUserPermissionsBoundaryOutput, error) {
	err := s.update(ctx, func(a *acct) error {
		u, err := a.user(deref(in.UserName))
		if err != nil {
			return err
		}
		u.Boundary = ""
		return a.putUser(u)
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
