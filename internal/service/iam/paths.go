package iam

import (
	"context"

	"hakoniwa/internal/store"
)

// EntityPath returns the path ("/", "/division/") of an existing user,
// role, group, instance profile or server certificate, "" when there is
// none. IAM ARNs embed the path but most operations name entities without
// it, so the authorizer asks here to build the ARN a policy's Resource
// must match. Cached until the next IAM write, like PrincipalPolicies.
func (s *Service) EntityPath(ctx context.Context, account, kind, name string) string {
	p, err := s.paths.get(pathKey{account, kind, name}, func() (string, error) {
		var path string
		err := s.st.View(ctx, func(tx store.Tx) error {
			a := &acct{s: s, tx: tx, id: account}
			switch kind {
			case "user":
				if u, err := a.user(name); err == nil {
					path = u.Path
				}
			case "role":
				if r, err := a.role(name); err == nil {
					path = r.Path
				}
			case "group":
				if g, err := a.group(name); err == nil {
					path = g.Path
				}
			case "instance-profile":
				if p, err := a.profile(name); err == nil {
					path = p.Path
				}
			case "server-certificate":
				if c, err := a.serverCert(name); err == nil {
					path = c.Path
				}
			}
			return nil
		})
		return path, err
	})
	if err != nil {
		return ""
	}
	return p
}

type pathKey struct{ account, kind, name string }
