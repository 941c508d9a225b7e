package iam

import (
	"context"
	"slices"

	iamapi "hakoniwa/internal/api/iam"
)

// entity is how the operations every kind of record shares (read it,
// change it, tag it) reach one kind: load finds a record by the name or
// ARN a request gives, failing with that kind's own NoSuchEntity message;
// save stores it back; tags, when the kind has tags, points at them.
type entity[T any] struct {
	load func(a *acct, id string) (*T, error)
	save func(a *acct, v *T) error
	tags func(v *T) *[]tag
}

// The kinds of records, as entity sees them. They are fixed tables of
// functions, never changed.
var (
	users         = entity[user]{load: (*acct).user, save: (*acct).putUser, tags: func(u *user) *[]tag { return &u.Tags }}
	groups        = entity[group]{load: (*acct).group, save: (*acct).putGroup}
	roles         = entity[role]{load: (*acct).role, save: (*acct).putRole, tags: func(r *role) *[]tag { return &r.Tags }}
	profiles      = entity[instanceProfile]{load: (*acct).profile, save: (*acct).putProfile, tags: func(p *instanceProfile) *[]tag { return &p.Tags }}
	mfaDevices    = entity[mfaDevice]{load: (*acct).mfa, save: (*acct).putMFA, tags: func(d *mfaDevice) *[]tag { return &d.Tags }}
	oidcProviders = entity[oidcProvider]{load: (*acct).oidc, save: (*acct).putOIDC, tags: func(p *oidcProvider) *[]tag { return &p.Tags }}
	samlProviders = entity[samlProvider]{load: (*acct).saml, save: (*acct).putSAML, tags: func(p *samlProvider) *[]tag { return &p.Tags }}
	serverCerts   = entity[serverCert]{load: (*acct).serverCert, save: (*acct).putServerCert, tags: func(c *serverCert) *[]tag { return &c.Tags }}
)

// read runs fn on the record id names, in a read-only transaction.
func (e entity[T]) read(ctx context.Context, s *Service, id string, fn func(a *acct, v *T) error) error {
	return s.view(ctx, func(a *acct) error {
		v, err := e.load(a, id)
		if err != nil {
			return err
		}
		return fn(a, v)
	})
}

// modify loads the record id names, applies fn and stores the record.
func (e entity[T]) modify(ctx context.Context, s *Service, id string, fn func(a *acct, v *T) error) error {
	return s.update(ctx, func(a *acct) error {
		v, err := e.load(a, id)
		if err != nil {
			return err
		}
		if err := fn(a, v); err != nil {
			return err
		}
		return e.save(a, v)
	})
}

// tag adds or overwrites tags: the Tag<Kind> operations.
func (e entity[T]) tag(ctx context.Context, s *Service, id string, add []iamapi.Tag) error {
	return e.modify(ctx, s, id, func(_ *acct, v *T) error {
		merged, err := mergeTags(*e.tags(v), add)
		if err != nil {
			return err
		}
		*e.tags(v) = merged
		return nil
	})
}

// untag removes tags: the Untag<Kind> operations.
func (e entity[T]) untag(ctx context.Context, s *Service, id string, keys []string) error {
	return e.modify(ctx, s, id, func(_ *acct, v *T) error {
		*e.tags(v) = removeTags(*e.tags(v), keys)
		return nil
	})
}

// listTags pages a record's tags: the List<Kind>Tags operations. The
// list is never nil, as AWS always sends the Tags element.
func (e entity[T]) listTags(ctx context.Context, s *Service, id string, marker *string, maxItems *int64) ([]iamapi.Tag, page, error) {
	var (
		tags []iamapi.Tag
		p    page
	)
	err := e.read(ctx, s, id, func(_ *acct, v *T) error {
		var err error
		tags, p, err = listTags(*e.tags(v), marker, maxItems)
		return err
	})
	if err != nil {
		return nil, page{}, err
	}
	return emptyTags(tags), p, nil
}

// underPath reads every record of kind whose path starts with prefix and
// cuts one page from them by name: the path-filtered List operations.
func underPath[T any](a *acct, kind, prefix string, pathName func(*T) (path, name string), marker *string, maxItems *int64) ([]T, page, error) {
	recs, err := all[T](a, kind)
	if err != nil {
		return nil, page{}, err
	}
	recs = slices.DeleteFunc(recs, func(v T) bool {
		path, _ := pathName(&v)
		return !hasPathPrefix(path, prefix)
	})
	return paginate(recs, func(v T) string {
		_, name := pathName(&v)
		return key(name)
	}, marker, maxItems)
}

// nameFree fails with taken when a record of kind already has name (in
// any case), before a create or rename claims it.
func (a *acct) nameFree(kind, name string, taken error) error {
	ok, err := a.exists(kind, name)
	if err != nil {
		return err
	}
	if ok {
		return taken
	}
	return nil
}

// renameRefs rewrites the references (old key to new) to a renamed
// record in each record of e that ids names: a renamed user's groups list
// it as a member, a renamed group's members list it among their groups.
func renameRefs[T any](a *acct, e entity[T], ids []string, refs func(*T) []string, oldKey, newKey string) error {
	for _, id := range ids {
		v, err := e.load(a, id)
		if err != nil {
			return err
		}
		list := refs(v)
		for i, x := range list {
			if x == oldKey {
				list[i] = newKey
			}
		}
		if err := e.save(a, v); err != nil {
			return err
		}
	}
	return nil
}

// blocksDelete is the DeleteConflict that a holder's policies raise; AWS
// checks them after the entity's own references.
func (h *policyHolder) blocksDelete() error {
	switch {
	case len(h.Inline) > 0:
		return deleteConflict("Cannot delete entity, must delete policies first.")
	case len(h.Attached) > 0:
		return deleteConflict("Cannot delete entity, must detach all policies first.")
	}
	return nil
}
