package policy

import (
	"strings"
)

// Principal types, as aws:PrincipalType and CloudTrail's userIdentity.type
// name them (TypeRoot's aws:PrincipalType is "Account").
const (
	TypeRoot          = "Root"
	TypeIAMUser       = "IAMUser"
	TypeAssumedRole   = "AssumedRole"
	TypeFederatedUser = "FederatedUser"
	TypeAnonymous     = "Anonymous"
	TypeAWSService    = "AWSService"
	// TypeWebIdentityUser and TypeSAMLUser are callers of
	// AssumeRoleWithWebIdentity / AssumeRoleWithSAML, matched by Provider
	// against a trust policy's Federated principals.
	TypeWebIdentityUser = "WebIdentityUser"
	TypeSAMLUser        = "SAMLUser"
)

// Principal is who makes the request.
type Principal struct {
	Type    string // one of the Type… constants
	ARN     string // user/root/session ARN; the service name for TypeAWSService
	Account string
	// UserID is aws:userid: the account id for root, AIDA… for users,
	// AROA…:session for role sessions, account:name for federated users.
	UserID   string
	Username string // IAM user name (aws:username is only set for users)
	// RoleARN is the IAM ARN of the role behind an assumed-role session,
	// with its path. When empty it is derived from ARN, without a path.
	RoleARN         string
	RoleSessionName string
	Tags            map[string]string // principal tags, session tags included
	Provider        string            // identity provider of a web identity / SAML caller
	CanonicalUser   string            // S3 canonical user id, if known
}

func (p *Principal) roleARN() string {
	if p.RoleARN != "" || p.Type != TypeAssumedRole {
		return p.RoleARN
	}
	// arn:aws:sts::111122223333:assumed-role/Name/session
	prefix, rest, ok := strings.Cut(p.ARN, ":assumed-role/")
	if !ok {
		return ""
	}
	name, _, _ := strings.Cut(rest, "/")
	partition, acct := "aws", p.Account
	if f := strings.Split(prefix, ":"); len(f) >= 5 {
		partition, acct = f[1], f[4]
	}
	return "arn:" + partition + ":iam::" + acct + ":role/" + name
}

// Request is one authorization question.
type Request struct {
	Principal Principal
	Action    string // "s3:GetObject"; matched case-insensitively
	Resource  string // the resource ARN, or "*" for actions without one
	// ResourceAccount owns the resource; "" means the principal's own.
	ResourceAccount string
	// Context holds the condition keys of the request; names are
	// case-insensitive. Principal-derived global keys (aws:PrincipalArn,
	// aws:PrincipalAccount, aws:PrincipalType, aws:userid, aws:username,
	// aws:PrincipalTag/…, aws:ResourceAccount) are filled in from Principal
	// and ResourceAccount when absent.
	Context map[string][]string
}

// Attached is one policy that applies to the request, with the names used
// to explain the decision.
type Attached struct {
	ID   string
	Name string
	// Type is "inline", "managed", "aws-managed", "boundary", "session" or
	// "resource".
	Type string
	// Policy is nil for a policy that grants nothing (e.g. a federated
	// user's session created without a session policy).
	Policy *Policy
}

// Input is every policy that applies to the request.
type Input struct {
	Identity []Attached // inline, managed and group policies of the principal
	Boundary *Attached  // permissions boundary, if any
	Session  []Attached // session policies, if the session has any
	Resource *Attached  // the resource's resource-based policy, if any
	// ResourceRequired says the resource policy must allow the request by
	// itself, as role trust policies and KMS key policies do ("Policy
	// evaluation logic": they "must explicitly allow access for
	// principals").
	ResourceRequired bool
}

// Reason is why a decision came out the way it did.
type Reason int

const (
	Allowed Reason = iota
	ExplicitDenyIdentity
	ExplicitDenyBoundary
	ExplicitDenySession
	ExplicitDenyResource
	NoIdentityAllow
	NoBoundaryAllow
	NoSessionAllow
	NoResourceAllow
)

func (r Reason) String() string {
	switch r {
	case Allowed:
		return "Allowed"
	case ExplicitDenyIdentity:
		return "ExplicitDenyIdentity"
	case ExplicitDenyBoundary:
		return "ExplicitDenyBoundary"
	case ExplicitDenySession:
		return "ExplicitDenySession"
	case ExplicitDenyResource:
		return "ExplicitDenyResource"
	case NoIdentityAllow:
		return "NoIdentityAllow"
	case NoBoundaryAllow:
		return "NoBoundaryAllow"
	case NoSessionAllow:
		return "NoSessionAllow"
	case NoResourceAllow:
		return "NoResourceAllow"
	}
	return "Unknown"
}

// Match is a statement that applied to the request.
type Match struct {
	PolicyID   string
	PolicyName string
	PolicyType string
	Statement  int // index in the policy
	Sid        string
	Effect     Effect
}

// ConditionFailure is a statement whose action, resource and principal
// matched but whose condition did not hold.
type ConditionFailure struct {
	PolicyID      string
	PolicyName    string
	PolicyType    string
	Statement     int
	Sid           string
	Effect        Effect
	Operator      string
	Key           string
	Values        []string // the policy's values
	ContextValues []string // the request's values (nil when absent)
}

// Decision is the outcome of Evaluate.
type Decision struct {
	Allowed bool
	Reason  Reason
	Matched []Match
	Failed  []ConditionFailure
	// MissingContextValues lists condition keys that a relevant statement
	// asked for and the request did not carry.
	MissingContextValues []string
}

// Message renders AWS's AccessDenied text for a denied request, "" for an
// allowed one. AWS names every caller "User", roles sessions included.
func (d Decision) Message(req Request) string {
	if d.Allowed {
		return ""
	}
	who := req.Principal.ARN
	if who == "" {
		who = "anonymous"
	}
	var b strings.Builder
	b.WriteString("User: ")
	b.WriteString(who)
	b.WriteString(" is not authorized to perform: ")
	b.WriteString(req.Action)
	if req.Resource != "" && req.Resource != "*" {
		b.WriteString(" on resource: ")
		b.WriteString(req.Resource)
	}
	switch d.Reason {
	case ExplicitDenyIdentity:
		b.WriteString(" with an explicit deny in an identity-based policy")
	case ExplicitDenyBoundary:
		b.WriteString(" with an explicit deny in a permissions boundary")
	case ExplicitDenySession:
		b.WriteString(" with an explicit deny in a session policy")
	case ExplicitDenyResource:
		b.WriteString(" with an explicit deny in a resource-based policy")
	case NoIdentityAllow:
		b.WriteString(" because no identity-based policy allows the " + req.Action + " action")
	case NoBoundaryAllow:
		b.WriteString(" because no permissions boundary allows the " + req.Action + " action")
	case NoSessionAllow:
		b.WriteString(" because no session policy allows the " + req.Action + " action")
	case NoResourceAllow:
		b.WriteString(" because no resource-based policy allows the " + req.Action + " action")
	}
	return b.String()
}

// verdict summarises one class of policies.
type verdict struct {
	allow bool
	deny  bool
	grant grant // resource policies: the strongest naming of the caller by an Allow
}

// Evaluate decides the request, following the IAM User Guide's "Policy
// evaluation logic":
//
//  1. An explicit Deny in any applicable policy wins.
//  2. The account root user may do anything except what a resource-based
//     policy denies (SCPs are out of scope).
//  3. Within one account, an Allow in identity-based policies or in the
//     resource-based policy suffices, then permissions boundary and session
//     policies, when present, must also allow. How far a resource-policy
//     Allow reaches depends on whom it names (see grant): a session ARN
//     passes every implicit deny, an IAM user ARN passes identity and
//     boundary, a role ARN (or "*") passes only the identity-based one, the
//     account ARN passes none.
//  4. Across accounts, the identity side (identity ∩ boundary ∩ session)
//     and the resource-based policy must both allow.
func Evaluate(req Request, in Input) Decision {
	ec := evalCtx{req: &req, action: strings.ToLower(req.Action), boundary: in.Boundary != nil}
	var d Decision

	id := ec.evalList(in.Identity, false, &d)
	var bd, ss, rs verdict
	if in.Boundary != nil {
		bd = ec.evalList([]Attached{*in.Boundary}, false, &d)
	}
	if len(in.Session) > 0 {
		ss = ec.evalList(in.Session, false, &d)
	}
	if in.Resource != nil {
		rs = ec.evalList([]Attached{*in.Resource}, true, &d)
	}
	d.MissingContextValues = ec.missing
	p := &req.Principal

	if p.Type == TypeRoot && len(in.Session) == 0 {
		// A root caller has no identity policies or boundary; only a
		// resource policy can stop it, and outside its account a resource
		// policy must let it in. A root session carrying session policies
		// (delegated access the root user accepted) is evaluated below,
		// its identity an allow-all the caller supplies, so the session
		// policies bound it.
		switch {
		case rs.deny:
			d.Reason = ExplicitDenyResource
		case (in.ResourceRequired || ec.crossAccount()) && rs.grant == grantNone:
			d.Reason = NoResourceAllow
		default:
			d.Allowed = true
		}
		return d
	}

	switch {
	case id.deny:
		d.Reason = ExplicitDenyIdentity
		return d
	case bd.deny:
		d.Reason = ExplicitDenyBoundary
		return d
	case ss.deny:
		d.Reason = ExplicitDenySession
		return d
	case rs.deny:
		d.Reason = ExplicitDenyResource
		return d
	}

	hasBoundary, hasSession := in.Boundary != nil, len(in.Session) > 0
	// Callers without an identity of their own in IAM: only a resource
	// policy can let them in.
	noIdentity := p.Type == TypeAnonymous || p.Type == TypeAWSService ||
		p.Type == TypeWebIdentityUser || p.Type == TypeSAMLUser
	if noIdentity || in.ResourceRequired {
		if rs.grant == grantNone || (noIdentity && rs.grant == grantAccount) {
			d.Reason = NoResourceAllow
			return d
		}
	}
	if noIdentity {
		d.Allowed = true
		return d
	}

	if ec.crossAccount() {
		switch {
		case !id.allow:
			d.Reason = NoIdentityAllow
		case hasBoundary && !bd.allow:
			d.Reason = NoBoundaryAllow
		case hasSession && !ss.allow:
			d.Reason = NoSessionAllow
		case rs.grant == grantNone:
			d.Reason = NoResourceAllow
		default:
			d.Allowed = true
		}
		return d
	}

	switch {
	case rs.grant == grantSession:
		d.Allowed = true
	case !id.allow && rs.grant < grantPrincipal:
		d.Reason = NoIdentityAllow
	case hasBoundary && !bd.allow && rs.grant != grantUser:
		d.Reason = NoBoundaryAllow
	case hasSession && !ss.allow:
		d.Reason = NoSessionAllow
	default:
		d.Allowed = true
	}
	return d
}

// evalCtx carries one evaluation: the request, its lower-cased context
// (built on first use: many decisions never look at a condition key), and
// the keys found missing.
type evalCtx struct {
	req     *Request
	action  string
	keys    map[string][]string
	missing []string
	// boundary is set when the principal has a permissions boundary.
	boundary bool
}

func (ec *evalCtx) crossAccount() bool {
	ra := ec.req.ResourceAccount
	return ra != "" && ra != ec.req.Principal.Account
}

func (ec *evalCtx) noteMissing(key string) {
	for _, k := range ec.missing {
		if strings.EqualFold(k, key) {
			return
		}
	}
	ec.missing = append(ec.missing, key)
}

// get returns the values of a lower-cased context key.
func (ec *evalCtx) get(lkey string) ([]string, bool) {
	if ec.keys == nil {
		ec.keys = make(map[string][]string, len(ec.req.Context)+4)
		for k, v := range ec.req.Context {
			ec.keys[strings.ToLower(k)] = v
		}
	}
	if v, ok := ec.keys[lkey]; ok {
		return v, true
	}
	v, ok := ec.derived(lkey)
	if ok {
		ec.keys[lkey] = v
	}
	return v, ok
}

// derived computes the global condition keys that follow from the
// principal ("AWS global condition context keys", principal properties).
func (ec *evalCtx) derived(lkey string) ([]string, bool) {
	p := &ec.req.Principal
	one := func(s string) ([]string, bool) {
		if s == "" {
			return nil, false
		}
		return []string{s}, true
	}
	switch lkey {
	case "aws:principalarn":
		if p.Type == TypeAssumedRole {
			return one(p.roleARN())
		}
		if p.Type == TypeAnonymous || p.Type == TypeAWSService {
			return nil, false
		}
		return one(p.ARN)
	case "aws:principalaccount":
		if p.Type == TypeAnonymous || p.Type == TypeAWSService {
			return nil, false
		}
		return one(p.Account)
	case "aws:principaltype":
		switch p.Type {
		case TypeRoot:
			return one("Account")
		case TypeIAMUser:
			return one("User")
		case TypeAssumedRole, TypeFederatedUser, TypeAnonymous:
			return one(p.Type)
		}
		return nil, false
	case "aws:userid":
		if p.Type == TypeAnonymous {
			return one("anonymous")
		}
		return one(p.UserID)
	case "aws:username":
		if p.Type != TypeIAMUser {
			return nil, false
		}
		return one(p.Username)
	case "aws:principalisawsservice":
		if p.Type == TypeAWSService {
			return one("true")
		}
		return one("false")
	case "aws:principalservicename":
		if p.Type != TypeAWSService {
			return nil, false
		}
		return one(p.ARN)
	case "aws:resourceaccount":
		if ec.req.ResourceAccount != "" {
			return one(ec.req.ResourceAccount)
		}
		return one(p.Account)
	}
	if tag, ok := strings.CutPrefix(lkey, "aws:principaltag/"); ok {
		for k, v := range p.Tags {
			if strings.EqualFold(k, tag) {
				return []string{v}, true
			}
		}
	}
	return nil, false
}

// evalList evaluates a class of policies, recording what matched and what
// a condition stopped.
func (ec *evalCtx) evalList(list []Attached, resource bool, d *Decision) verdict {
	var v verdict
	for i := range list {
		a := &list[i]
		if a.Policy == nil {
			continue
		}
		for si, s := range a.Policy.Statements {
			g, ok := ec.statementApplies(s, resource, a, si, d)
			if !ok {
				continue
			}
			d.Matched = append(d.Matched, Match{PolicyID: a.ID, PolicyName: a.Name, PolicyType: a.Type, Statement: si, Sid: s.Sid, Effect: s.Effect})
			if s.Effect == Deny {
				v.deny = true
			} else {
				v.allow = true
				v.grant = max(v.grant, g)
			}
		}
	}
	return v
}

// statementApplies checks action, resource, principal, then conditions —
// cheapest first. For a resource policy it also says how the statement
// named the caller.
func (ec *evalCtx) statementApplies(s *Statement, resource bool, a *Attached, si int, d *Decision) (grant, bool) {
	if !ec.actionMatches(s) || !ec.resourceMatches(s) {
		return grantNone, false
	}
	g := grantPrincipal
	if s.hasPrincipal {
		p := &ec.req.Principal
		if s.notPrincipal {
			// NotPrincipal with Deny "will always deny any IAM principal
			// that has a permissions boundary policy attached, regardless
			// of the values specified" (User Guide, "Permissions
			// boundaries for IAM entities").
			exempt := s.principals.excludes(p)
			if exempt && s.Effect == Deny && ec.boundary {
				exempt = false
			}
			if exempt {
				return grantNone, false
			}
			g = grantPrincipal
		} else {
			g = s.principals.match(p)
			if g == grantNone {
				return grantNone, false
			}
		}
	} else if resource {
		return grantNone, false
	}
	for _, c := range s.conditions {
		if !c.eval(ec) {
			vals, _ := ec.get(c.lkey)
			raws := make([]string, len(c.values))
			for i := range c.values {
				raws[i] = c.values[i].raw
			}
			d.Failed = append(d.Failed, ConditionFailure{
				PolicyID: a.ID, PolicyName: a.Name, PolicyType: a.Type,
				Statement: si, Sid: s.Sid, Effect: s.Effect,
				Operator: c.op, Key: c.key, Values: raws, ContextValues: vals,
			})
			return grantNone, false
		}
	}
	return g, true
}

func (ec *evalCtx) actionMatches(s *Statement) bool {
	found := false
	for _, p := range s.actions {
		if p == ec.action || globMatch(p, ec.action) {
			found = true
			break
		}
	}
	return found != s.notAction
}

func (ec *evalCtx) resourceMatches(s *Statement) bool {
	if !s.hasResource {
		return true // trust policies: the role is the resource
	}
	found := false
	for i := range s.resources {
		t := &s.resources[i]
		if !strings.HasPrefix(ec.req.Resource, t.prefix) {
			continue
		}
		pat, ok := t.expand(ec)
		if ok && matchResource(pat, ec.req.Resource) {
			found = true
			break
		}
	}
	return found != s.notResource
}
