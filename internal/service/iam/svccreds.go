package iam

import (
	"context"
	"encoding/base64"
	"net/http"
	"slices"
	"strconv"
	"time"

	"hakoniwa/internal/awserr"

	iamapi "hakoniwa/internal/api/iam"
)

// maxServiceCredsPerService is IAM's quota per user and service.
const maxServiceCredsPerService = 2

// serviceCred is a service-specific credential: a user name and password
// (CodeCommit's Git credentials, Keyspaces) or an API key (Bedrock,
// CloudWatch Logs) IAM issues for one service.
type serviceCred struct {
	ID       string     `json:"id"`
	Service  string     `json:"service"`
	Name     string     `json:"name"` // ServiceUserName or ServiceCredentialAlias
	Secret   string     `json:"secret"`
	Status   string     `json:"status"`
	Created  time.Time  `json:"created"`
	Expires  *time.Time `json:"expires,omitempty"`
	Sequence int        `json:"seq,omitempty"` // n of "-at-" aliases
}

// credentialServices are the services IAM issues these credentials for;
// apiKey marks those whose credential is an alias and secret rather than
// a user name and password.
var credentialServices = map[string]struct{ apiKey bool }{
	"codecommit.amazonaws.com": {},
	"cassandra.amazonaws.com":  {},
	"bedrock.amazonaws.com":    {apiKey: true},
	"logs.amazonaws.com":       {apiKey: true},
}

func checkCredentialService(name string) error {
	if _, ok := credentialServices[name]; !ok {
		return awserr.New(http.StatusNotFound, "NotSupportedService", "No such service %s is supported for Service-Specific Credentials", name)
	}
	return nil
}

func (s *Service) servicePassword(service string) string {
	if credentialServices[service].apiKey {
		return base64.StdEncoding.EncodeToString(s.ids.Bytes(48))
	}
	return base64.StdEncoding.EncodeToString(s.ids.Bytes(33)) // 44 characters, as AWS's
}

func serviceCredOut(u *user, c serviceCred, withSecret bool) *iamapi.ServiceSpecificCredential {
	out := &iamapi.ServiceSpecificCredential{
		CreateDate: ptr(c.Created), ExpirationDate: c.Expires, ServiceName: ptr(c.Service),
		ServiceSpecificCredentialId: ptr(c.ID), UserName: ptr(u.Name), Status: ptr(c.Status),
	}
	if credentialServices[c.Service].apiKey {
		out.ServiceCredentialAlias = ptr(c.Name)
		if withSecret {
			out.ServiceCredentialSecret = ptr(c.Secret)
		}
	} else {
		out.ServiceUserName = ptr(c.Name)
		if withSecret {
			out.ServicePassword = ptr(c.Secret)
		}
	}
	return out
}

func serviceCredNotFound(id string) error {
	return noSuchEntity("No such credential %s exists", id)
}

// CreateServiceSpecificCredential issues a credential for one service.
func (s *Service) CreateServiceSpecificCredential(ctx context.Context, in *iamapi.CreateServiceSpecificCredentialInput) (*iamapi.CreateServiceSpecificCredentialOutput, error) {
	service := deref(in.ServiceName)
	if err := checkCredentialService(service); err != nil {
		return nil, err
	}
	now := s.now()
	c := serviceCred{ID: s.ids.UniqueID("ACCA"), Service: service, Secret: s.servicePassword(service), Status: "Active", Created: now}
	if in.CredentialAgeDays != nil {
		if d := *in.CredentialAgeDays; d < 1 || d > 36600 {
			return nil, validationError("1 validation error detected: Value '%d' at 'credentialAgeDays' failed to satisfy constraint: Member must have value between 1 and 36600", d)
		}
		exp := now.AddDate(0, 0, int(*in.CredentialAgeDays))
		c.Expires = &exp
	}
	var out *iamapi.ServiceSpecificCredential
	err := users.modify(ctx, s, deref(in.UserName), func(a *acct, u *user) error {
		n, seq := 0, 0
		for _, have := range u.ServiceCreds {
			if have.Service == service {
				n++
			}
			seq = max(seq, have.Sequence)
		}
		if n >= maxServiceCredsPerService {
			return limitExceeded("Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: %d", maxServiceCredsPerService)
		}
		// Git and Keyspaces user names are "<user>-at-<account>", unique
		// per credential by a counter after the first.
		c.Sequence = seq + 1
		c.Name = u.Name + "-at-" + a.id
		if c.Sequence > 1 {
			c.Name = u.Name + "+" + strconv.Itoa(c.Sequence-1) + "-at-" + a.id
		}
		u.ServiceCreds = append(u.ServiceCreds, c)
		out = serviceCredOut(u, c, true)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.CreateServiceSpecificCredentialOutput{ServiceSpecificCredential: out}, nil
}

// ListServiceSpecificCredentials lists credentials (never their secrets)
// of a user, the caller, or every user (AllUsers), optionally of one
// service.
func (s *Service) ListServiceSpecificCredentials(ctx context.Context, in *iamapi.ListServiceSpecificCredentialsInput) (*iamapi.ListServiceSpecificCredentialsOutput, error) {
	service := deref(in.ServiceName)
	if service != "" {
		if err := checkCredentialService(service); err != nil {
			return nil, err
		}
	}
	out := &iamapi.ListServiceSpecificCredentialsOutput{ServiceSpecificCredentials: []iamapi.ServiceSpecificCredentialMetadata{}}
	err := s.view(ctx, func(a *acct) error {
		var users []user
		if in.AllUsers != nil && *in.AllUsers && deref(in.UserName) == "" {
			var err error
			if users, err = all[user](a, kindUser); err != nil {
				return err
			}
		} else {
			u, err := credUser(ctx, a, in.UserName)
			if err != nil {
				return err
			}
			if u != nil {
				users = append(users, *u)
			}
		}
		type entry struct {
			sortKey string
			meta    iamapi.ServiceSpecificCredentialMetadata
		}
		var entries []entry
		for _, u := range users {
			for i, c := range u.ServiceCreds {
				if service != "" && c.Service != service {
					continue
				}
				full := serviceCredOut(&u, c, false)
				entries = append(entries, entry{key(u.Name) + "/" + sortableIndex(i), iamapi.ServiceSpecificCredentialMetadata{
					UserName: full.UserName, Status: full.Status, ServiceUserName: full.ServiceUserName,
					ServiceCredentialAlias: full.ServiceCredentialAlias, CreateDate: full.CreateDate,
					ExpirationDate: full.ExpirationDate, ServiceSpecificCredentialId: full.ServiceSpecificCredentialId,
					ServiceName: full.ServiceName,
				}})
			}
		}
		got, p, err := paginate(entries, func(e entry) string { return e.sortKey }, in.Marker, in.MaxItems)
		if err != nil {
			return err
		}
		for _, e := range got {
			out.ServiceSpecificCredentials = append(out.ServiceSpecificCredentials, e.meta)
		}
		out.IsTruncated, out.Marker = p.truncated, p.marker
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// modifyServiceCred applies fn to one of a user's credentials.
func (s *Service) modifyServiceCred(ctx context.Context, name *string, id string, fn func(u *user, i int)) error {
	return s.update(ctx, func(a *acct) error {
		u, err := credUser(ctx, a, name)
		if err != nil {
			return err
		}
		if u == nil {
			return serviceCredNotFound(id)
		}
		i := slices.IndexFunc(u.ServiceCreds, func(c serviceCred) bool { return c.ID == id })
		if i < 0 {
			return serviceCredNotFound(id)
		}
		fn(u, i)
		return a.putUser(u)
	})
}

// UpdateServiceSpecificCredential activates or deactivates a credential.
func (s *Service) UpdateServiceSpecificCredential(ctx context.Context, in *iamapi.UpdateServiceSpecificCredentialInput) (*iamapi.UpdateServiceSpecificCredentialOutput, error) {
	status, err := checkStatus(in.Status)
	if err != nil {
		return nil, err
	}
	err = s.modifyServiceCred(ctx, in.UserName, deref(in.ServiceSpecificCredentialId), func(u *user, i int) {
		u.ServiceCreds[i].Status = status
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.UpdateServiceSpecificCredentialOutput{}, nil
}

// ResetServiceSpecificCredential replaces a credential's password.
func (s *Service) ResetServiceSpecificCredential(ctx context.Context, in *iamapi.ResetServiceSpecificCredentialInput) (*iamapi.ResetServiceSpecificCredentialOutput, error) {
	var out *iamapi.ServiceSpecificCredential
	err := s.modifyServiceCred(ctx, in.UserName, deref(in.ServiceSpecificCredentialId), func(u *user, i int) {
		u.ServiceCreds[i].Secret = s.servicePassword(u.ServiceCreds[i].Service)
		out = serviceCredOut(u, u.ServiceCreds[i], true)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.ResetServiceSpecificCredentialOutput{ServiceSpecificCredential: out}, nil
}

// DeleteServiceSpecificCredential deletes a credential.
func (s *Service) DeleteServiceSpecificCredential(ctx context.Context, in *iamapi.DeleteServiceSpecificCredentialInput) (*iamapi.DeleteServiceSpecificCredentialOutput, error) {
	err := s.modifyServiceCred(ctx, in.UserName, deref(in.ServiceSpecificCredentialId), func(u *user, i int) {
		u.ServiceCreds = slices.Delete(u.ServiceCreds, i, i+1)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.DeleteServiceSpecificCredentialOutput{}, nil
}
