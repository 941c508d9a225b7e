package iam

import (
	"context"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha256"
	"errors"
	"regexp"
	"strconv"
	"sync"
	"time"
	"unicode"

	"hakoniwa/internal/store"

	iamapi "hakoniwa/internal/api/iam"
)

var aliasPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9]([a-z0-9]|-[a-z0-9])*$`) })

// CreateAccountAlias sets the account's alias. An account has at most one,
// so a new alias replaces the old; aliases are unique across accounts.
func (s *Service) CreateAccountAlias(ctx context.Context, in *iamapi.CreateAccountAliasInput) (*iamapi.CreateAccountAliasOutput, error) {
	alias := deref(in.AccountAlias)
	if len(alias) < 3 || len(alias) > 63 || !aliasPattern().MatchString(alias) {
		return nil, validationError("1 validation error detected: Value '%s' at 'accountAlias' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$", alias)
	}
	err := s.update(ctx, func(a *acct) error {
		owner, err := a.tx.Get(aliasesBucket, alias)
		switch {
		case err == nil && string(owner) != a.id:
			return alreadyExists("The account alias %s already exists.", alias)
		case err == nil:
			return nil
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
		if old, err := a.tx.Get(a.b(kindAccount), accountAliasKey); err == nil {
			if err := a.tx.Delete(aliasesBucket, string(old)); err != nil {
				return err
			}
		}
		if err := a.tx.Put(aliasesBucket, alias, []byte(a.id)); err != nil {
			return err
		}
		return a.tx.Put(a.b(kindAccount), accountAliasKey, []byte(alias))
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.CreateAccountAliasOutput{}, nil
}

// DeleteAccountAlias removes the account's alias.
func (s *Service) DeleteAccountAlias(ctx context.Context, in *iamapi.DeleteAccountAliasInput) (*iamapi.DeleteAccountAliasOutput, error) {
	alias := deref(in.AccountAlias)
	err := s.update(ctx, func(a *acct) error {
		cur, err := a.tx.Get(a.b(kindAccount), accountAliasKey)
		if errors.Is(err, store.ErrNotFound) || (err == nil && string(cur) != alias) {
			return noSuchEntity("The account alias %s cannot be found.", alias)
		}
		if err != nil {
			return err
		}
		if err := a.tx.Delete(aliasesBucket, alias); err != nil {
			return err
		}
		return a.tx.Delete(a.b(kindAccount), accountAliasKey)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.DeleteAccountAliasOutput{}, nil
}

// ListAccountAliases lists the account's alias (zero or one).
func (s *Service) ListAccountAliases(ctx context.Context, _ *iamapi.ListAccountAliasesInput) (*iamapi.ListAccountAliasesOutput, error) {
	out := &iamapi.ListAccountAliasesOutput{AccountAliases: []string{}, IsTruncated: ptr(false)}
	err := s.view(ctx, func(a *acct) error {
		cur, err := a.tx.Get(a.b(kindAccount), accountAliasKey)
		if err == nil {
			out.AccountAliases = append(out.AccountAliases, string(cur))
		}
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// GetAccountSummary counts the account's entities beside IAM's quotas.
func (s *Service) GetAccountSummary(ctx context.Context, _ *iamapi.GetAccountSummaryInput) (*iamapi.GetAccountSummaryOutput, error) {
	m := map[string]int64{
		// Quotas (IAM and STS quotas, defaults).
		"UsersQuota": 5000, "GroupsQuota": 300, "RolesQuota": 1000, "PoliciesQuota": 1500,
		"InstanceProfilesQuota": 1000, "ServerCertificatesQuota": 20, "GroupsPerUserQuota": maxGroupsPerUser,
		"AttachedPoliciesPerUserQuota": maxManagedAttached, "AttachedPoliciesPerGroupQuota": maxManagedAttached,
		"AttachedPoliciesPerRoleQuota": maxManagedAttached, "AccessKeysPerUserQuota": maxAccessKeys,
		"SigningCertificatesPerUserQuota": 2, "UserPolicySizeQuota": maxUserInlineSize,
		"GroupPolicySizeQuota": maxGroupInlineSize, "RolePolicySizeQuota": maxRoleInlineSize,
		"PolicySizeQuota": maxPolicySize, "PolicyVersionsInUseQuota": 10000,
		"VersionsPerPolicyQuota": maxPolicyVersions, "AssumeRolePolicySizeQuota": maxAssumeRolePolicySize,
		"MFADevices": 0, "MFADevicesInUse": 0, "AccountMFAEnabled": 0, "ServerCertificates": 0,
		"AccountSigningCertificatesPresent": 0, "Providers": 0, "GlobalEndpointTokenVersion": 1,
	}
	err := s.view(ctx, func(a *acct) error {
		for kind, name := range map[string]string{kindUser: "Users", kindGroup: "Groups", kindRole: "Roles", kindPolicy: "Policies", kindProfile: "InstanceProfiles"} {
			n, err := a.tx.Count(a.b(kind), "")
			if err != nil {
				return err
			}
			m[name] = int64(n)
		}
		// Policy versions in use: every version of every customer managed
		// policy, plus the AWS managed policies attached in the account.
		policies, err := all[managedPolicy](a, kindPolicy)
		if err != nil {
			return err
		}
		var versions int64
		for _, p := range policies {
			versions += int64(len(p.Versions))
		}
		u, err := a.usage()
		if err != nil {
			return err
		}
		for arn := range u.attached {
			if isAWSPolicyARN(arn) {
				versions++
			}
		}
		m["PolicyVersionsInUse"] = versions
		rootKeys, err := keyOwner{root: true}.keys(a)
		if err != nil {
			return err
		}
		m["AccountAccessKeysPresent"] = int64(min(len(rootKeys), 1))
		return a.summarizeMore(m)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.GetAccountSummaryOutput{SummaryMap: m}, nil
}

// passwordPolicy is the account's password policy.
type passwordPolicy struct {
	MinLength        int64 `json:"minLength"`
	RequireSymbols   bool  `json:"requireSymbols"`
	RequireNumbers   bool  `json:"requireNumbers"`
	RequireUppercase bool  `json:"requireUppercase"`
	RequireLowercase bool  `json:"requireLowercase"`
	AllowChange      bool  `json:"allowChange"`
	MaxAge           int64 `json:"maxAge"`
	ReusePrevention  int64 `json:"reusePrevention"`
	HardExpiry       bool  `json:"hardExpiry"`
}

func (a *acct) passwordPolicy() (*passwordPolicy, error) {
	p, err := store.GetJSON[passwordPolicy](a.tx, a.b(kindAccount), passwordPolicyKey)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	return &p, err
}

// GetAccountPasswordPolicy returns the account's password policy.
func (s *Service) GetAccountPasswordPolicy(ctx context.Context, _ *iamapi.GetAccountPasswordPolicyInput) (*iamapi.GetAccountPasswordPolicyOutput, error) {
	var out *iamapi.PasswordPolicy
	err := s.view(ctx, func(a *acct) error {
		p, err := a.passwordPolicy()
		if err != nil {
			return err
		}
		if p == nil {
			return noSuchEntity("The Password Policy with domain name %s cannot be found.", a.id)
		}
		out = &iamapi.PasswordPolicy{
			MinimumPasswordLength: ptr(p.MinLength), RequireSymbols: ptr(p.RequireSymbols),
			RequireNumbers: ptr(p.RequireNumbers), RequireUppercaseCharacters: ptr(p.RequireUppercase),
			RequireLowercaseCharacters: ptr(p.RequireLowercase), AllowUsersToChangePassword: ptr(p.AllowChange),
			ExpirePasswords: ptr(p.MaxAge > 0),
		}
		if p.MaxAge > 0 {
			out.MaxPasswordAge = ptr(p.MaxAge)
		}
		if p.ReusePrevention > 0 {
			out.PasswordReusePrevention = ptr(p.ReusePrevention)
		}
		if p.MaxAge > 0 || p.HardExpiry {
			out.HardExpiry = ptr(p.HardExpiry)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.GetAccountPasswordPolicyOutput{PasswordPolicy: out}, nil
}

// UpdateAccountPasswordPolicy replaces the password policy; every member
// left out takes its documented default rather than keeping its value.
func (s *Service) UpdateAccountPasswordPolicy(ctx context.Context, in *iamapi.UpdateAccountPasswordPolicyInput) (*iamapi.UpdateAccountPasswordPolicyOutput, error) {
	flag := func(b *bool) bool { return b != nil && *b }
	num := func(n *int64, def int64) int64 {
		if n == nil {
			return def
		}
		return *n
	}
	p := passwordPolicy{
		MinLength: num(in.MinimumPasswordLength, 6), RequireSymbols: flag(in.RequireSymbols),
		RequireNumbers: flag(in.RequireNumbers), RequireUppercase: flag(in.RequireUppercaseCharacters),
		RequireLowercase: flag(in.RequireLowercaseCharacters), AllowChange: flag(in.AllowUsersToChangePassword),
		MaxAge: num(in.MaxPasswordAge, 0), ReusePrevention: num(in.PasswordReusePrevention, 0), HardExpiry: flag(in.HardExpiry),
	}
	if p.MinLength < 6 || p.MinLength > 128 {
		return nil, validationError("1 validation error detected: Value '%d' at 'minimumPasswordLength' failed to satisfy constraint: Member must have value between 6 and 128", p.MinLength)
	}
	err := s.update(ctx, func(a *acct) error {
		return store.PutJSON(a.tx, a.b(kindAccount), passwordPolicyKey, p)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.UpdateAccountPasswordPolicyOutput{}, nil
}

// DeleteAccountPasswordPolicy removes the password policy.
func (s *Service) DeleteAccountPasswordPolicy(ctx context.Context, _ *iamapi.DeleteAccountPasswordPolicyInput) (*iamapi.DeleteAccountPasswordPolicyOutput, error) {
	err := s.update(ctx, func(a *acct) error {
		p, err := a.passwordPolicy()
		if err != nil {
			return err
		}
		if p == nil {
			return noSuchEntity("The account policy with name PasswordPolicy cannot be found.")
		}
		return a.tx.Delete(a.b(kindAccount), passwordPolicyKey)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.DeleteAccountPasswordPolicyOutput{}, nil
}

// checkPassword applies the account's password policy or, without one,
// AWS's default: at least 8 characters mixing three of upper case, lower
// case, digits and symbols.
func checkPassword(pw string, p *passwordPolicy) error {
	var upper, lower, digit, symbol bool
	for _, r := range pw {
		switch {
		case r >= 'A' && r <= 'Z':
			upper = true
		case r >= 'a' && r <= 'z':
			lower = true
		case r >= '0' && r <= '9':
			digit = true
		case unicode.IsPrint(r) && !unicode.IsSpace(r):
			symbol = true
		}
	}
	violation := func(msg string) error {
		return passwordViolation("Password should %s", msg)
	}
	if p == nil {
		classes := 0
		for _, ok := range []bool{upper, lower, digit, symbol} {
			if ok {
				classes++
			}
		}
		if len(pw) < 8 {
			return violation("have a minimum length of 8")
		}
		if classes < 3 {
			return violation("have at least three of the following: uppercase letters, lowercase letters, numbers, and symbols")
		}
		return nil
	}
	switch {
	case int64(len(pw)) < p.MinLength:
		return violation("have a minimum length of " + strconv.FormatInt(p.MinLength, 10))
	case p.RequireUppercase && !upper:
		return violation("have at least one uppercase letter")
	case p.RequireLowercase && !lower:
		return violation("have at least one lowercase letter")
	case p.RequireNumbers && !digit:
		return violation("have at least one number")
	case p.RequireSymbols && !symbol:
		return violation("have at least one symbol")
	}
	return nil
}

func passwordViolation(format string, args ...any) error {
	e := invalidInput(format, args...)
	e.Code = "PasswordPolicyViolation"
	return e
}

// loginProfile is a user's console password, stored as a salted PBKDF2
// hash, with the hashes of earlier passwords for reuse prevention.
type loginProfile struct {
	Created       time.Time `json:"created"`
	ResetRequired bool      `json:"resetRequired"`
	Salt          []byte    `json:"salt"`
	Hash          []byte    `json:"hash"`
	History       [][]byte  `json:"history,omitempty"` // hashes with the same salt
}

const pbkdf2Iterations = 4096

func hashPassword(pw string, salt []byte) []byte {
	h, err := pbkdf2.Key(sha256.New, pw, salt, pbkdf2Iterations, 32)
	if err != nil {
		// Key fails only for FIPS-disallowed parameters, which these are
		// not; an empty hash matches no password.
		return nil
	}
	return h
}

func (l *loginProfile) matches(pw string) bool {
	return len(l.Hash) > 0 && hmac.Equal(hashPassword(pw, l.Salt), l.Hash)
}

// setPassword replaces the password, refusing one of the last n.
func (l *loginProfile) setPassword(pw string, reuse int64) error {
	h := hashPassword(pw, l.Salt)
	if reuse > 0 {
		recent := append([][]byte{l.Hash}, l.History...)
		for i, old := range recent {
			if int64(i) < reuse && hmac.Equal(old, h) {
				return passwordViolation("Policy Error: PasswordReusePrevention")
			}
		}
	}
	if len(l.Hash) > 0 {
		l.History = append([][]byte{l.Hash}, l.History...)
		if len(l.History) > 24 {
			l.History = l.History[:24]
		}
	}
	l.Hash = h
	return nil
}

// CreateLoginProfile gives a user a console password.
func (s *Service) CreateLoginProfile(ctx context.Context, in *iamapi.CreateLoginProfileInput) (*iamapi.CreateLoginProfileOutput, error) {
	name := deref(in.UserName)
	if name == "" {
		p := caller(ctx)
		if p.Type != "IAMUser" {
			return nil, validationError("Must specify userName when calling with non-User credentials")
		}
		name = p.UserName
	}
	salt := s.ids.Bytes(16)
	now := s.now()
	var out iamapi.LoginProfile
	err := users.modify(ctx, s, name, func(a *acct, u *user) error {
		if u.Login != nil {
			return alreadyExists("Login Profile for user %s already exists.", u.Name)
		}
		pol, err := a.passwordPolicy()
		if err != nil {
			return err
		}
		pw := deref(in.Password)
		if err := checkPassword(pw, pol); err != nil {
			return err
		}
		l := &loginProfile{Created: now, ResetRequired: in.PasswordResetRequired != nil && *in.PasswordResetRequired, Salt: salt}
		_ = l.setPassword(pw, 0)
		u.Login = l
		out = iamapi.LoginProfile{UserName: ptr(u.Name), CreateDate: ptr(now), PasswordResetRequired: ptr(l.ResetRequired)}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.CreateLoginProfileOutput{LoginProfile: &out}, nil
}

func loginNotFound(name string) error {
	return noSuchEntity("Login Profile for User %s cannot be found.", name)
}

// GetLoginProfile reports whether a user has a console password.
func (s *Service) GetLoginProfile(ctx context.Context, in *iamapi.GetLoginProfileInput) (*iamapi.GetLoginProfileOutput, error) {
	name := deref(in.UserName)
	if name == "" {
		p := caller(ctx)
		if p.Type != "IAMUser" {
			return nil, validationError("Must specify userName when calling with non-User credentials")
		}
		name = p.UserName
	}
	var out iamapi.LoginProfile
	err := users.read(ctx, s, name, func(_ *acct, u *user) error {
		if u.Login == nil {
			return loginNotFound(u.Name)
		}
		out = iamapi.LoginProfile{UserName: ptr(u.Name), CreateDate: ptr(u.Login.Created), PasswordResetRequired: ptr(u.Login.ResetRequired)}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.GetLoginProfileOutput{LoginProfile: &out}, nil
}

// UpdateLoginProfile sets a user's password (as an administrator) or its
// reset flag.
func (s *Service) UpdateLoginProfile(ctx context.Context, in *iamapi.UpdateLoginProfileInput) (*iamapi.UpdateLoginProfileOutput, error) {
	err := users.modify(ctx, s, deref(in.UserName), func(a *acct, u *user) error {
		if u.Login == nil {
			return loginNotFound(u.Name)
		}
		if in.Password != nil {
			pol, err := a.passwordPolicy()
			if err != nil {
				return err
			}
			if err := checkPassword(*in.Password, pol); err != nil {
				return err
			}
			var reuse int64
			if pol != nil {
				reuse = pol.ReusePrevention
			}
			if err := u.Login.setPassword(*in.Password, reuse); err != nil {
				return err
			}
		}
		if in.PasswordResetRequired != nil {
			u.Login.ResetRequired = *in.PasswordResetRequired
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.UpdateLoginProfileOutput{}, nil
}

// DeleteLoginProfile removes a user's console password.
func (s *Service) DeleteLoginProfile(ctx context.Context, in *iamapi.DeleteLoginProfileInput) (*iamapi.DeleteLoginProfileOutput, error) {
	err := users.modify(ctx, s, deref(in.UserName), func(_ *acct, u *user) error {
		if u.Login == nil {
			return loginNotFound(u.Name)
		}
		u.Login = nil
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.DeleteLoginProfileOutput{}, nil
}

// ChangePassword changes the calling IAM user's own password.
func (s *Service) ChangePassword(ctx context.Context, in *iamapi.ChangePasswordInput) (*iamapi.ChangePasswordOutput, error) {
	p := caller(ctx)
	if p.Type != "IAMUser" {
		return nil, invalidUserType()
	}
	err := users.modify(ctx, s, p.UserName, func(a *acct, u *user) error {
		if u.Login == nil {
			return loginNotFound(u.Name)
		}
		if !u.Login.matches(deref(in.OldPassword)) {
			return accessDenied("The old password is incorrect.")
		}
		pol, err := a.passwordPolicy()
		if err != nil {
			return err
		}
		if pol != nil && !pol.AllowChange {
			return accessDenied("User: %s is not authorized to perform: iam:ChangePassword", a.userARN(u))
		}
		if err := checkPassword(deref(in.NewPassword), pol); err != nil {
			return err
		}
		var reuse int64
		if pol != nil {
			reuse = pol.ReusePrevention
		}
		if err := u.Login.setPassword(deref(in.NewPassword), reuse); err != nil {
			return err
		}
		u.Login.ResetRequired = false
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.ChangePasswordOutput{}, nil
}

func invalidUserType() error {
	e := invalidInput("Only IAM users can change their own password.")
	e.Code = "InvalidUserType"
	return e
}
