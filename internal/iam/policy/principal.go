package policy

import (
	"regexp"
	"slices"
	"strings"
	"sync"
)

// principalSet is a compiled Principal or NotPrincipal element ("IAM JSON
// policy elements: Principal"). Principals are matched exactly: apart from
// "*" the element has no wildcards.
type principalSet struct {
	any       bool     // "*" or {"AWS": "*"}
	accounts  []string // account ids, from "111122223333" or arn:…:iam::111122223333:root
	arns      []string // user, role, assumed-role and federated-user ARNs (and unique ids)
	services  []string // lower-cased service principals
	federated []string // identity providers
	canonical []string // S3 canonical user ids
}

var (
	accountRE  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\d{12}$`) })
	uniqueIDRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^A[A-Z]{3}[A-Z0-9]{12,}$`) })
	// principalARNRE accepts IAM and STS principal ARNs; the account field
	// is a 12-digit id, or "cloudfront" for origin access identities.
	principalARNRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b|aws-iso-e|aws-iso-f|aws-eusc):(iam|sts)::(\d{12}|cloudfront):.+$`)
	})
)

func compilePrincipals(v any) (principalSet, error) {
	var ps principalSet
	m, ok := v.(map[string]any)
	if !ok { // the string "*" (syntax already checked)
		ps.any = true
		return ps, nil
	}
	// Iterate in a fixed order so the first invalid principal reported
	// does not depend on map order.
	for _, kind := range []string{"AWS", "Service", "Federated", "CanonicalUser"} {
		raw, ok := m[kind]
		if !ok {
			continue
		}
		vals := toStrings(raw)
		if len(vals) == 0 {
			return ps, invalidPrincipal(kind, "")
		}
		for _, val := range vals {
			switch kind {
			case "AWS":
				switch {
				case val == "*":
					ps.any = true
				case accountRE().MatchString(val):
					ps.accounts = append(ps.accounts, val)
				case principalARNRE().MatchString(val):
					if acct, ok := rootAccount(val); ok {
						ps.accounts = append(ps.accounts, acct)
					} else {
						ps.arns = append(ps.arns, val)
					}
				case uniqueIDRE().MatchString(val):
					// IAM rewrites the ARN of a deleted principal to its
					// unique id; such a policy must still load.
					ps.arns = append(ps.arns, val)
				default:
					return ps, invalidPrincipal(kind, val)
				}
			case "Service":
				if val == "" || strings.ContainsAny(val, " *") || !strings.Contains(val, ".") {
					return ps, invalidPrincipal(kind, val)
				}
				ps.services = append(ps.services, strings.ToLower(val))
			case "Federated":
				if val == "" || strings.ContainsAny(val, " *") {
					return ps, invalidPrincipal(kind, val)
				}
				ps.federated = append(ps.federated, val)
			case "CanonicalUser":
				if val == "" || strings.ContainsAny(val, " *") {
					return ps, invalidPrincipal(kind, val)
				}
				ps.canonical = append(ps.canonical, val)
			}
		}
	}
	return ps, nil
}

// rootAccount recognises arn:aws:iam::111122223333:root.
func rootAccount(arn string) (string, bool) {
	rest, ok := strings.CutSuffix(arn, ":root")
	if !ok {
		return "", false
	}
	i := strings.LastIndexByte(rest, ':')
	if i < 0 || !strings.HasSuffix(rest[:i], ":iam:") || !accountRE().MatchString(rest[i+1:]) {
		return "", false
	}
	return rest[i+1:], true
}

// grant is how specifically a resource-based policy statement names the
// caller. Same-account evaluation depends on it ("Policy evaluation logic",
// resource-based policies): naming a session or an IAM user grants past an
// implicit deny that naming a role or the account does not.
type grant int

const (
	grantNone grant = iota
	// grantAccount: the statement names the caller's account, which only
	// delegates to the account's identity-based policies.
	grantAccount
	// grantPrincipal: the statement names the role the caller's session
	// belongs to, "*", a service or an identity provider. It stands in for
	// an identity-based allow but boundaries and session policies still
	// limit it.
	grantPrincipal
	// grantUser: the statement names the IAM user ARN; permissions
	// boundaries do not limit it.
	grantUser
	// grantSession: the statement names the role session or federated
	// user session ARN itself; nothing but an explicit deny limits it.
	grantSession
)

// match returns how specifically the set names p.
func (ps *principalSet) match(p *Principal) grant {
	g := grantNone
	if ps.any {
		g = grantPrincipal
	}
	if p.Account != "" && slices.Contains(ps.accounts, p.Account) {
		g = max(g, grantAccount)
	}
	if p.ARN != "" && (slices.Contains(ps.arns, p.ARN) || (p.UserID != "" && slices.Contains(ps.arns, p.UserID))) {
		switch p.Type {
		case TypeIAMUser:
			g = max(g, grantUser)
		case TypeAssumedRole, TypeFederatedUser:
			g = max(g, grantSession)
		default:
			g = max(g, grantPrincipal)
		}
	}
	if p.Type == TypeAssumedRole {
		if role := p.roleARN(); role != "" && slices.Contains(ps.arns, role) {
			g = max(g, grantPrincipal)
		}
		if id, _, ok := strings.Cut(p.UserID, ":"); ok && slices.Contains(ps.arns, id) {
			g = max(g, grantPrincipal)
		}
	}
	if p.Type == TypeAWSService && slices.Contains(ps.services, strings.ToLower(p.ARN)) {
		g = max(g, grantPrincipal)
	}
	if p.Provider != "" && slices.Contains(ps.federated, p.Provider) {
		g = max(g, grantPrincipal)
	}
	if p.CanonicalUser != "" && slices.Contains(ps.canonical, p.CanonicalUser) {
		g = max(g, grantPrincipal)
	}
	return g
}

// excludes reports whether a NotPrincipal set exempts p. A caller is several
// identities at once — the account, the IAM user or role, the session — and
// AWS exempts it only when every one of them is listed: the User Guide's
// NotPrincipal examples list the account ARN, the role ARN and the session
// ARN together, and warn that listing the user alone still denies the user.
func (ps *principalSet) excludes(p *Principal) bool {
	if ps.any {
		return true
	}
	listedARN := func(arn string) bool { return arn != "" && slices.Contains(ps.arns, arn) }
	listedAccount := p.Account != "" && slices.Contains(ps.accounts, p.Account)
	switch p.Type {
	case TypeRoot:
		return listedAccount
	case TypeIAMUser, TypeFederatedUser:
		return listedAccount && listedARN(p.ARN)
	case TypeAssumedRole:
		return listedAccount && listedARN(p.ARN) && listedARN(p.roleARN())
	case TypeAWSService:
		return slices.Contains(ps.services, strings.ToLower(p.ARN))
	case TypeAnonymous:
		return false
	}
	return p.Provider != "" && slices.Contains(ps.federated, p.Provider)
}
