package iam

import (
	"context"
	"slices"

	iamapi "hakoniwa/internal/api/iam"
)

// maxGroupsPerUser is IAM's quota of group memberships per user.
const maxGroupsPerUser = 10

// CreateGroup creates a group.
func (s *Service) CreateGroup(ctx context.Context, in *iamapi.CreateGroupInput) (*iamapi.CreateGroupOutput, error) {
	name := deref(in.GroupName)
	if err := checkName(name, "groupName", 128); err != nil {
		return nil, err
	}
	path, err := checkPath(in.Path, "path")
	if err != nil {
		return nil, err
	}
	g := &group{Name: name, ID: s.ids.UniqueID("AGPA"), Path: path, Created: s.now()}
	var out iamapi.Group
	err = s.update(ctx, func(a *acct) error {
		if err := a.nameFree(kindGroup, name, alreadyExists("Group with name %s already exists.", name)); err != nil {
			return err
		}
		out = a.groupOut(g)
		return a.putGroup(g)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.CreateGroupOutput{Group: &out}, nil
}

// GetGroup describes a group and pages through its members.
func (s *Service) GetGroup(ctx context.Context, in *iamapi.GetGroupInput) (*iamapi.GetGroupOutput, error) {
	out := &iamapi.GetGroupOutput{Users: []iamapi.User{}}
	err := groups.read(ctx, s, deref(in.GroupName), func(a *acct, g *group) error {
		out.Group = ptr(a.groupOut(g))
		members := slices.Clone(g.Members)
		slices.Sort(members)
		got, p, err := paginate(members, func(k string) string { return k }, in.Marker, in.MaxItems)
		if err != nil {
			return err
		}
		for _, k := range got {
			u, err := a.user(k)
			if err != nil {
				return err
			}
			out.Users = append(out.Users, a.userOut(u, false))
		}
		out.IsTruncated, out.Marker = p.truncated, p.marker
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ListGroups lists groups under a path prefix.
func (s *Service) ListGroups(ctx context.Context, in *iamapi.ListGroupsInput) (*iamapi.ListGroupsOutput, error) {
	prefix, err := checkPathPrefix(in.PathPrefix)
	if err != nil {
		return nil, err
	}
	out := &iamapi.ListGroupsOutput{Groups: []iamapi.Group{}}
	err = s.view(ctx, func(a *acct) error {
		got, p, err := underPath(a, kindGroup, prefix, func(g *group) (string, string) { return g.Path, g.Name }, in.Marker, in.MaxItems)
		if err != nil {
			return err
		}
		for i := range got {
			out.Groups = append(out.Groups, a.groupOut(&got[i]))
		}
		out.IsTruncated, out.Marker = p.truncated, p.marker
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateGroup renames a group or changes its path; members follow.
func (s *Service) UpdateGroup(ctx context.Context, in *iamapi.UpdateGroupInput) (*iamapi.UpdateGroupOutput, error) {
	newPath := ""
	if in.NewPath != nil {
		p, err := checkPath(in.NewPath, "newPath")
		if err != nil {
			return nil, err
		}
		newPath = p
	}
	newName := deref(in.NewGroupName)
	if newName != "" {
		if err := checkName(newName, "newGroupName", 128); err != nil {
			return nil, err
		}
	}
	err := groups.modify(ctx, s, deref(in.GroupName), func(a *acct, g *group) error {
		oldKey := key(g.Name)
		if newName != "" && key(newName) != oldKey {
			if err := a.nameFree(kindGroup, newName, alreadyExists("Group with name %s already exists.", newName)); err != nil {
				return err
			}
		}
		if newName != "" {
			g.Name = newName
		}
		if newPath != "" {
			g.Path = newPath
		}
		if key(g.Name) != oldKey {
			if err := a.tx.Delete(a.b(kindGroup), oldKey); err != nil {
				return err
			}
			return renameRefs(a, users, g.Members, func(u *user) []string { return u.Groups }, oldKey, key(g.Name))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.UpdateGroupOutput{}, nil
}

// DeleteGroup deletes an empty group without policies.
func (s *Service) DeleteGroup(ctx context.Context, in *iamapi.DeleteGroupInput) (*iamapi.DeleteGroupOutput, error) {
	err := s.update(ctx, func(a *acct) error {
		g, err := a.group(deref(in.GroupName))
		if err != nil {
			return err
		}
		if len(g.Members) > 0 {
			return deleteConflict("Cannot delete entity, must remove users from group first.")
		}
		if err := g.blocksDelete(); err != nil {
			return err
		}
		return a.tx.Delete(a.b(kindGroup), key(g.Name))
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.DeleteGroupOutput{}, nil
}

// AddUserToGroup adds a user to a group; adding a member again is a no-op.
func (s *Service) AddUserToGroup(ctx context.Context, in *iamapi.AddUserToGroupInput) (*iamapi.AddUserToGroupOutput, error) {
	err := s.update(ctx, func(a *acct) error {
		g, err := a.group(deref(in.GroupName))
		if err != nil {
			return err
		}
		u, err := a.user(deref(in.UserName))
		if err != nil {
			return err
		}
		gk, uk := key(g.Name), key(u.Name)
		if slices.Contains(u.Groups, gk) {
			return nil
		}
		if len(u.Groups) >= maxGroupsPerUser {
			return limitExceeded("Cannot exceed quota for GroupsPerUser: %d", maxGroupsPerUser)
		}
		u.Groups = append(u.Groups, gk)
		g.Members = append(g.Members, uk)
		if err := a.putUser(u); err != nil {
			return err
		}
		return a.putGroup(g)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.AddUserToGroupOutput{}, nil
}

// RemoveUserFromGroup removes a member.
func (s *Service) RemoveUserFromGroup(ctx context.Context, in *iamapi.RemoveUserFromGroupInput) (*iamapi.RemoveUserFromGroupOutput, error) {
	err := groups.modify(ctx, s, deref(in.GroupName), func(a *acct, g *group) error {
		u, err := a.user(deref(in.UserName))
		if err != nil {
			return err
		}
		gk, uk := key(g.Name), key(u.Name)
		if !slices.Contains(u.Groups, gk) {
			return noSuchEntity("The user with name %s cannot be found.", u.Name)
		}
		u.Groups = removeString(u.Groups, gk)
		g.Members = removeString(g.Members, uk)
		return a.putUser(u)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.RemoveUserFromGroupOutput{}, nil
}

// ListGroupsForUser lists the groups a user belongs to.
func (s *Service) ListGroupsForUser(ctx context.Context, in *iamapi.ListGroupsForUserInput) (*iamapi.ListGroupsForUserOutput, error) {
	out := &iamapi.ListGroupsForUserOutput{Groups: []iamapi.Group{}}
	err := users.read(ctx, s, deref(in.UserName), func(a *acct, u *user) error {
		keys := slices.Clone(u.Groups)
		slices.Sort(keys)
		got, p, err := paginate(keys, func(k string) string { return k }, in.Marker, in.MaxItems)
		if err != nil {
			return err
		}
		for _, k := range got {
			g, err := a.group(k)
			if err != nil {
				return err
			}
			out.Groups = append(out.Groups, a.groupOut(g))
		}
		out.IsTruncated, out.Marker = p.truncated, p.marker
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
