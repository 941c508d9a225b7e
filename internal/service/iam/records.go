package iam

import (
	"errors"
	"slices"
	"strings"
	"time"

	"hakoniwa/internal/store"

	iamapi "hakoniwa/internal/api/iam"
)

// inlinePolicy is a policy embedded in a user, group or role.
type inlinePolicy struct {
	Name     string `json:"name"`
	Document string `json:"doc"`
}

// policyHolder is what users, groups and roles share: inline policies and
// attached managed policies.
type policyHolder struct {
	Inline   []inlinePolicy `json:"inline,omitempty"`
	Attached []string       `json:"attached,omitempty"` // policy ARNs, in attach order
}

func (h *policyHolder) inline(name string) (int, bool) {
	for i, p := range h.Inline {
		if strings.EqualFold(p.Name, name) {
			return i, true
		}
	}
	return -1, false
}

// inlineSize is the aggregate size of the inline policies, with doc
// replacing (or adding) the one named name.
func (h *policyHolder) inlineSize(name, doc string) int {
	n := policySize(doc)
	for _, p := range h.Inline {
		if !strings.EqualFold(p.Name, name) {
			n += policySize(p.Document)
		}
	}
	return n
}

func (h *policyHolder) putInline(name, doc string) {
	if i, ok := h.inline(name); ok {
		h.Inline[i].Document = doc
		return
	}
	h.Inline = append(h.Inline, inlinePolicy{Name: name, Document: doc})
}

type user struct {
	Name     string    `json:"name"`
	ID       string    `json:"id"`
	Path     string    `json:"path"`
	Created  time.Time `json:"created"`
	Tags     []tag     `json:"tags,omitempty"`
	Boundary string    `json:"boundary,omitempty"`
	policyHolder
	Groups           []string      `json:"groups,omitempty"` // group keys
	AccessKeys       []string      `json:"accessKeys,omitempty"`
	Login            *loginProfile `json:"login,omitempty"`
	PasswordLastUsed *time.Time    `json:"passwordLastUsed,omitempty"`
	// Credentials besides passwords and access keys (mfa.go, sshkeys.go,
	// certificates.go, svccreds.go); each blocks DeleteUser.
	MFADevices   []string      `json:"mfa,omitempty"` // serial numbers, in enable order
	SSHKeys      []sshKey      `json:"sshKeys,omitempty"`
	SigningCerts []signingCert `json:"signingCerts,omitempty"`
	ServiceCreds []serviceCred `json:"serviceCreds,omitempty"`
}

type group struct {
	Name    string    `json:"name"`
	ID      string    `json:"id"`
	Path    string    `json:"path"`
	Created time.Time `json:"created"`
	policyHolder
	Members []string `json:"members,omitempty"` // user keys, in join order
}

type role struct {
	Name        string    `json:"name"`
	ID          string    `json:"id"`
	Path        string    `json:"path"`
	Created     time.Time `json:"created"`
	AssumeDoc   string    `json:"assumeDoc"`
	Description string    `json:"description,omitempty"`
	MaxSession  int64     `json:"maxSession"`
	Tags        []tag     `json:"tags,omitempty"`
	Boundary    string    `json:"boundary,omitempty"`
	policyHolder
	Profiles []string `json:"profiles,omitempty"` // instance profile keys
	// LinkedService is set for service-linked roles, which only their
	// service may change.
	LinkedService string `json:"linkedService,omitempty"`
}

type managedPolicy struct {
	Name        string          `json:"name"`
	ID          string          `json:"id"`
	Path        string          `json:"path"`
	Description string          `json:"description,omitempty"`
	Created     time.Time       `json:"created"`
	Updated     time.Time       `json:"updated"`
	Default     string          `json:"default"`
	Versions    []policyVersion `json:"versions"`
	NextVersion int             `json:"nextVersion"`
	Tags        []tag           `json:"tags,omitempty"`
}

type policyVersion struct {
	ID       string    `json:"id"`
	Document string    `json:"doc"`
	Created  time.Time `json:"created"`
}

func (p *managedPolicy) version(id string) (int, bool) {
	for i, v := range p.Versions {
		if v.ID == id {
			return i, true
		}
	}
	return -1, false
}

type instanceProfile struct {
	Name    string    `json:"name"`
	ID      string    `json:"id"`
	Path    string    `json:"path"`
	Created time.Time `json:"created"`
	Roles   []string  `json:"roles,omitempty"` // role keys
	Tags    []tag     `json:"tags,omitempty"`
}

// Record access, with AWS's NoSuchEntity messages.

func getRec[T any](a *acct, kind, name string, missing func() error) (*T, error) {
	v, err := store.GetJSON[T](a.tx, a.b(kind), key(name))
	if errors.Is(err, store.ErrNotFound) {
		return nil, missing()
	}
	if err != nil {
		return nil, err
	}
	return &v, nil
}

func (a *acct) user(name string) (*user, error) {
	return getRec[user](a, kindUser, name, func() error {
		return noSuchEntity("The user with name %s cannot be found.", name)
	})
}

func (a *acct) group(name string) (*group, error) {
	return getRec[group](a, kindGroup, name, func() error {
		return noSuchEntity("The group with name %s cannot be found.", name)
	})
}

func (a *acct) role(name string) (*role, error) {
	return getRec[role](a, kindRole, name, func() error {
		return noSuchEntity("The role with name %s cannot be found.", name)
	})
}

func (a *acct) profile(name string) (*instanceProfile, error) {
	return getRec[instanceProfile](a, kindProfile, name, func() error {
		return noSuchEntity("Instance Profile %s cannot be found.", name)
	})
}

func (a *acct) exists(kind, name string) (bool, error) {
	_, err := a.tx.Get(a.b(kind), key(name))
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

func (a *acct) putUser(u *user) error { return store.PutJSON(a.tx, a.b(kindUser), key(u.Name), u) }
func (a *acct) putGroup(g *group) error {
	return store.PutJSON(a.tx, a.b(kindGroup), key(g.Name), g)
}
func (a *acct) putRole(r *role) error { return store.PutJSON(a.tx, a.b(kindRole), key(r.Name), r) }
func (a *acct) putProfile(p *instanceProfile) error {
	return store.PutJSON(a.tx, a.b(kindProfile), key(p.Name), p)
}
func (a *acct) putPolicy(p *managedPolicy) error {
	return store.PutJSON(a.tx, a.b(kindPolicy), key(p.Name), p)
}

// all reads every record of a kind, sorted by key (the lower-cased name).
func all[T any](a *acct, kind string) ([]T, error) {
	var out []T
	err := store.ScanJSON(a.tx, a.b(kind), "", "", func(_ string, v T) bool {
		out = append(out, v)
		return true
	})
	return out, err
}

// ARNs.

func (a *acct) userARN(u *user) string   { return a.arn("user" + u.Path + u.Name) }
func (a *acct) groupARN(g *group) string { return a.arn("group" + g.Path + g.Name) }
func (a *acct) roleARN(r *role) string   { return a.arn("role" + r.Path + r.Name) }
func (a *acct) policyARN(p *managedPolicy) string {
	return a.arn("policy" + p.Path + p.Name)
}
func (a *acct) profileARN(p *instanceProfile) string {
	return a.arn("instance-profile" + p.Path + p.Name)
}

// API shapes.

func boundaryOut(arn string) *iamapi.AttachedPermissionsBoundary {
	if arn == "" {
		return nil
	}
	return &iamapi.AttachedPermissionsBoundary{PermissionsBoundaryType: ptr("PermissionsBoundaryPolicy"), PermissionsBoundaryArn: ptr(arn)}
}

func (a *acct) userOut(u *user, withTags bool) iamapi.User {
	out := iamapi.User{
		Path: ptr(u.Path), UserName: ptr(u.Name), UserId: ptr(u.ID), Arn: ptr(a.userARN(u)),
		CreateDate: ptr(u.Created), PasswordLastUsed: u.PasswordLastUsed,
	}
	if withTags {
		out.PermissionsBoundary = boundaryOut(u.Boundary)
		out.Tags = apiTags(u.Tags)
	}
	return out
}

func (a *acct) groupOut(g *group) iamapi.Group {
	return iamapi.Group{Path: ptr(g.Path), GroupName: ptr(g.Name), GroupId: ptr(g.ID), Arn: ptr(a.groupARN(g)), CreateDate: ptr(g.Created)}
}

// roleOut renders a role. AWS's GetRole returns everything; its lists
// leave out tags and the boundary.
func (a *acct) roleOut(r *role, full bool) iamapi.Role {
	out := iamapi.Role{
		Path: ptr(r.Path), RoleName: ptr(r.Name), RoleId: ptr(r.ID), Arn: ptr(a.roleARN(r)),
		CreateDate: ptr(r.Created), AssumeRolePolicyDocument: ptr(encodeDocument(r.AssumeDoc)),
		MaxSessionDuration: ptr(r.MaxSession),
	}
	if r.Description != "" {
		out.Description = ptr(r.Description)
	}
	if full {
		out.PermissionsBoundary = boundaryOut(r.Boundary)
		out.Tags = apiTags(r.Tags)
		out.RoleLastUsed = &iamapi.RoleLastUsed{}
	}
	return out
}

func removeString(list []string, s string) []string {
	return slices.DeleteFunc(slices.Clone(list), func(x string) bool { return x == s })
}

func putJSON[T any](a *acct, kind, k string, v T) error {
	return store.PutJSON(a.tx, a.b(kind), key(k), v)
}
