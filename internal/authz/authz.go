// Package authz decides every API call with IAM's rules: it turns a decoded
// request into AWS's authorization checks (package iam/actions), gathers the
// caller's policies (from IAM, through the Identities interface this package
// owns), evaluates them (package iam/policy) and answers AccessDenied in the
// service's own terms. Every decision for an IAM principal is kept, by
// request id, so a user can ask why.
package authz

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/iam/actions"
	"hakoniwa/internal/iam/policy"
	"hakoniwa/internal/model"
	"hakoniwa/internal/reqctx"
)

// Mode is how decisions are applied.
type Mode int

const (
	// Enforce refuses denied calls (the default, as on AWS).
	Enforce Mode = iota
	// Report lets denied calls through and logs what would have been
	// refused, for adopting least-privilege policies step by step.
	Report
	// Off skips authorization entirely.
	Off
)

// ParseMode reads a --iam-enforcement value.
func ParseMode(s string) (Mode, error) {
	switch strings.ToLower(s) {
	case "", "enforce", "on":
		return Enforce, nil
	case "report", "report-only":
		return Report, nil
	case "off", "disabled":
		return Off, nil
	}
	return 0, fmt.Errorf("unknown IAM enforcement mode %q (enforce, report or off)", s)
}

func (m Mode) String() string { return [...]string{"enforce", "report", "off"}[m] }

// Identity is what IAM knows about a principal.
type Identity struct {
	// Type is "Root", "User" or "Role" (a role also for its sessions).
	Type     string
	ARN      string
	Name     string
	ID       string
	Tags     map[string]string
	Policies []Document
	Boundary *Document
	// Version, when non-zero, changes whenever the policies may have: the
	// authorizer reuses parsed policies for the same ARN and Version.
	Version uint64
}

// Document is one policy in force.
type Document struct {
	ID, Name string
	// Kind is "inline", "managed" or "aws-managed".
	Kind string
	Text string
}

// Identities resolves a principal to its policies.
type Identities interface {
	Identity(ctx context.Context, account, principalARN string) (Identity, error)
}

// Authorizer implements the gateway's authorization step.
type Authorizer struct {
	ids      Identities
	sessions Sessions
	trusts   Trusts
	// resources are the resource-policy sources, by ARN service field.
	resources map[string]ResourcePolicies
	mode      Mode
	log       *slog.Logger
	parsed    parseCache
	// identities caches each principal's parsed policies by Identity.Version.
	identities identityCache
	Decided    *Decisions
}

// New returns an authorizer. ids may be nil when IAM is disabled: then
// only account roots can act.
func New(ids Identities, mode Mode, log *slog.Logger, opts ...Option) *Authorizer {
	a := &Authorizer{ids: ids, mode: mode, log: log, Decided: NewDecisions(4096)}
	for _, o := range opts {
		o(a)
	}
	return a
}

// Authorize decides one call.
func (a *Authorizer) Authorize(ctx context.Context, svc *model.Service, op *model.Operation, in map[string]any) error {
	if a.mode == Off || federatedAssume(svc, op) {
		return nil
	}
	info := reqctx.From(ctx)
	p := info.Principal
	sess, err := a.session(ctx, p.AccessKeyID, p.SessionToken)
	if err != nil {
		return err
	}
	if sess != nil {
		if err := restricted(svc, sess); err != nil {
			if a.mode == Report {
				a.log.Warn("session credentials would be refused (report-only mode)", "id", info.RequestID, "principal", p.ARN, "service", svc.ID)
			} else {
				return err
			}
		}
	}
	// The root user may do anything its account can; only a resource
	// policy's explicit deny could stop it, a role's trust policy must
	// still let it assume the role, and a session policy (root-accepted
	// delegated access) still bounds it.
	if a.rootUnlimited(p, svc, op) && (sess == nil || len(sess.Policies) == 0) {
		return nil
	}
	checks, err := actions.Resolve(actions.Request{
		ServiceID: svc.ID, Operation: op.Name, Input: in,
		Account: p.Account, Region: info.Region, Partition: "aws", CallerARN: p.ARN,
	})
	if err != nil {
		return fmt.Errorf("authz: resolve %s:%s: %w", svc.ID, op.Name, err)
	}
	if len(checks) == 0 {
		return nil // e.g. sts:GetCallerIdentity needs no permission
	}
	return a.decide(ctx, svc, info, sess, requestMFA(svc, op, in), checks)
}

// decide evaluates checks for the caller of info: nil when every one is
// allowed, the service's refusal for the first that is not.
func (a *Authorizer) decide(ctx context.Context, svc *model.Service, info *reqctx.Info, sess *Session, mfa bool, checks []actions.Check) error {
	p := info.Principal
	in2, principal, err := a.inputFor(ctx, info, sess)
	if err != nil {
		return err
	}
	global := globalContext(info)
	sessionContext(global, sess, info.Time)
	if mfa {
		global["aws:multifactorauthpresent"] = []string{"true"}
		global["aws:multifactorauthage"] = []string{"0"}
	}
	var trusts trustCache
	var resources resourceCache
	for _, c := range checks {
		for _, res := range c.Resources {
			input := in2
			trusted := a.trusts != nil && trustAction(c.Action) && isRoleARN(res)
			if trusted {
				if trusts == nil {
					trusts = trustCache{}
				}
				att, err := a.trustFor(ctx, trusts, res)
				if err != nil {
					return err
				}
				input.Resource, input.ResourceRequired = att, true
			}
			var ri *resourceInfo
			if !trusted && a.resources != nil {
				if resources == nil {
					resources = resourceCache{}
				}
				if ri, err = a.resourceFor(ctx, resources, res); err != nil {
					return err
				}
			}
			// The root user needs no identity policy, but a session policy
			// (GetFederationToken, delegated access) bounds even root.
			if !trusted && ri == nil && p.IsRoot() && (sess == nil || len(sess.Policies) == 0) {
				continue
			}
			req := policy.Request{
				Principal: principal, Action: c.Action, Resource: res,
				ResourceAccount: resourceAccount(res, p.Account),
				Context:         mergeContext(global, c.Context),
			}
			if ri != nil && !ri.apply(&input, &req) {
				continue
			}
			d := policy.Evaluate(req, input)
			a.Decided.Add(info.RequestID, info.Time, req, d)
			if d.Allowed {
				continue
			}
			msg := d.Message(req)
			if trusted {
				msg = trustMessage(req)
			} else if ri.plainDenial(principal) {
				msg = "Access Denied"
			}
			if a.mode == Report {
				a.log.Warn("access would be denied (report-only mode)", "id", info.RequestID, "reason", msg)
				continue
			}
			a.log.Info("access denied", "id", info.RequestID, "principal", p.ARN, "action", c.Action, "resource", res, "reason", d.Reason.String())
			return denied(svc, info.RequestID, msg, req, d)
		}
	}
	return nil
}

// isRoleARN recognises arn:aws:iam::111122223333:role/...
func isRoleARN(arn string) bool {
	parts := strings.SplitN(arn, ":", 6)
	return len(parts) == 6 && parts[2] == "iam" && strings.HasPrefix(parts[5], "role/")
}

// inputFor gathers the caller's policies, parsed.
// For a session, the policies are those of the principal it was issued
// for, limited by the session policies.
func (a *Authorizer) inputFor(ctx context.Context, info *reqctx.Info, sess *Session) (policy.Input, policy.Principal, error) {
	p := info.Principal
	principal := policy.Principal{
		Type: principalType(p.Type), ARN: p.ARN, Account: p.Account, UserID: p.UserID, Username: p.UserName,
	}
	var out policy.Input
	of := p.ARN
	if sess != nil {
		out.Session = a.sessionPolicies(sess)
		principal.Tags = sess.Tags
		if sess.IssuedFor != "" {
			of = sess.IssuedFor
		}
	}
	if p.Type == "Anonymous" || a.ids == nil {
		return out, principal, nil
	}
	id, err := a.ids.Identity(ctx, p.Account, of)
	if err != nil {
		// The principal is gone (a deleted user's session, say): it holds
		// no policies, so everything is implicitly denied.
		var ae *awserr.Error
		if errAs(err, &ae) {
			return out, principal, nil
		}
		return out, principal, err
	}
	if sess != nil {
		principal.Tags = mergeTags(id.Tags, sess.Tags)
		if id.Type == "Root" && (sess.Kind == KindFederated || len(sess.Policies) > 0) {
			out.Identity = append(out.Identity, policy.Attached{ID: of, Name: "root", Type: "inline", Policy: allowAll()})
		}
	} else {
		principal.Tags = id.Tags
	}
	if id.Type == "Role" {
		principal.RoleARN = id.ARN
		if i := strings.LastIndexByte(p.ARN, '/'); i >= 0 && p.Type == "AssumedRole" {
			principal.RoleSessionName = p.ARN[i+1:]
		}
	}
	parsed := a.identities.get(of, id.Version, func() parsedIdentity { return a.parseIdentity(id) })
	out.Identity = append(out.Identity, parsed.policies...)
	out.Boundary = parsed.boundary
	return out, principal, nil
}

// parsedIdentity is an identity's policies, parsed.
type parsedIdentity struct {
	policies []policy.Attached
	boundary *policy.Attached
}

func (a *Authorizer) parseIdentity(id Identity) parsedIdentity {
	var out parsedIdentity
	for _, d := range id.Policies {
		pol, err := a.parsed.get(d.Text, policy.Identity)
		if err != nil {
			// A stored policy that no longer parses grants nothing rather
			// than failing every call.
			a.log.Warn("stored policy does not parse", "policy", d.ID, "err", err)
			continue
		}
		out.policies = append(out.policies, policy.Attached{ID: d.ID, Name: d.Name, Type: d.Kind, Policy: pol})
	}
	if b := id.Boundary; b != nil {
		pol, err := a.parsed.get(b.Text, policy.Boundary)
		if err != nil {
			a.log.Warn("stored permissions boundary does not parse", "policy", b.ID, "err", err)
			pol = nil // a boundary that allows nothing
		}
		out.boundary = &policy.Attached{ID: b.ID, Name: b.Name, Type: "boundary", Policy: pol}
	}
	return out
}

// identityCache keeps parsed identities by ARN and Version, so a
// principal's policies are not looked up in the parse cache (hashing every
// document's text) on each call. Version 0 means "unversioned": not cached.
type identityCache struct {
	mu sync.Mutex
	m  map[identityKey]parsedIdentity
}

type identityKey struct {
	arn     string
	version uint64
}

func (c *identityCache) get(arn string, version uint64, parse func() parsedIdentity) parsedIdentity {
	if version == 0 {
		return parse()
	}
	k := identityKey{arn, version}
	c.mu.Lock()
	if p, ok := c.m[k]; ok {
		c.mu.Unlock()
		return p
	}
	c.mu.Unlock()
	p := parse()
	c.mu.Lock()
	if c.m == nil || len(c.m) >= parseCacheMax {
		c.m = map[identityKey]parsedIdentity{}
	}
	c.m[k] = p
	c.mu.Unlock()
	return p
}

func principalType(t string) string {
	switch t {
	case "IAMUser":
		return policy.TypeIAMUser
	case "AssumedRole":
		return policy.TypeAssumedRole
	case "FederatedUser":
		return policy.TypeFederatedUser
	case "Anonymous":
		return policy.TypeAnonymous
	case "Root":
		return policy.TypeRoot
	}
	return t
}

// globalContext is the request's global condition keys that do not come
// from the principal (the evaluator derives those).
func globalContext(info *reqctx.Info) map[string][]string {
	return map[string][]string{
		"aws:sourceip":        {info.SourceIP},
		"aws:currenttime":     {info.Time.UTC().Format(time.RFC3339)},
		"aws:epochtime":       {strconv.FormatInt(info.Time.Unix(), 10)},
		"aws:securetransport": {strconv.FormatBool(info.SecureTransport)},
		"aws:requestedregion": {info.Region},
		"aws:viaawsservice":   {"false"},
	}
}

func mergeContext(global, call map[string][]string) map[string][]string {
	out := make(map[string][]string, len(global)+len(call))
	for k, v := range global {
		out[k] = v
	}
	for k, v := range call {
		out[strings.ToLower(k)] = v
	}
	return out
}

// resourceAccount is the account an ARN names, or the caller's when the
// ARN names none (S3 buckets, "*").
func resourceAccount(arn, caller string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) == 6 && parts[4] != "" && parts[4] != "aws" {
		return parts[4]
	}
	return caller
}

// denied renders a refusal the way the service does: EC2's
// UnauthorizedOperation with an encoded message, a modelled
// AccessDeniedException where the service has one, else AccessDenied.
func denied(svc *model.Service, requestID, msg string, req policy.Request, d policy.Decision) *awserr.Error {
	if svc.Metadata.Protocol == "ec2" {
		return awserr.New(http.StatusForbidden, "UnauthorizedOperation",
			"You are not authorized to perform this operation. %s. Encoded authorization failure message: %s", msg, EncodeMessage(req, d))
	}
	for _, name := range []string{"AccessDeniedException", "AccessDenied"} {
		if s := svc.Shapes[name]; s != nil && s.Exception {
			status := http.StatusForbidden
			if s.Error != nil && s.Error.HTTPStatusCode != 0 {
				status = s.Error.HTTPStatusCode
			}
			return awserr.New(status, s.ErrorCode(), "%s", msg)
		}
	}
	switch svc.Metadata.Protocol {
	case "json", "rest-json", "smithy-rpc-v2-cbor":
		return awserr.New(http.StatusBadRequest, "AccessDeniedException", "%s", msg)
	}
	return awserr.New(http.StatusForbidden, "AccessDenied", "%s", msg)
}

// parseCache keeps parsed policies by kind and text: the same documents
// are evaluated on every call of a principal. Bounded: it is cleared when
// full rather than growing with every policy ever seen.
type parseCache struct {
	mu sync.Mutex
	m  map[string]*policy.Policy
}

const parseCacheMax = 4096

func (c *parseCache) get(text string, kind policy.Kind) (*policy.Policy, error) {
	key := kind.String() + "\x00" + text
	c.mu.Lock()
	if p, ok := c.m[key]; ok {
		c.mu.Unlock()
		return p, nil
	}
	c.mu.Unlock()
	p, err := policy.Parse(text, kind)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= parseCacheMax {
		c.m = map[string]*policy.Policy{}
	}
	c.m[key] = p
	c.mu.Unlock()
	return p, nil
}

func errAs(err error, target **awserr.Error) bool { return errors.As(err, target) }
