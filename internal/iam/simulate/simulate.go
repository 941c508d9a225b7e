// Package simulate is IAM's policy simulator (SimulatePrincipalPolicy and
// SimulateCustomPolicy): it runs the decisions hakoniwa enforces — the same
// parser and evaluator (internal/iam/policy), the same action catalogue
// (internal/iam/actions) — over hypothetical requests, and explains each
// decision the way IAM does: matched statements with their positions in
// the policy text, missing context keys, and how each policy type
// contributed.
//
// The package is pure: the caller gathers the documents (from the request,
// or from a user's, group's or role's attachments) and renders the result.
package simulate

import (
	"encoding/base64"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/iam/actions"
	"hakoniwa/internal/iam/policy"
)

// Decisions, as EvalDecision spells them.
const (
	Allowed      = "allowed"
	ExplicitDeny = "explicitDeny"
	ImplicitDeny = "implicitDeny"
)

// Source policy types as IAM reports them in MatchedStatements and as the
// keys of EvalDecisionDetails. The API's PolicySourceType enum lists
// "user", "group", "role", "aws-managed", "user-managed", "resource" and
// "none", but IAM's responses carry these descriptive names ("IAM Policy"
// for every identity-based policy, inline or managed, and for
// PolicyInputList; "Resource Policy" for ResourcePolicy), so that is what
// clients written against AWS read.
const (
	TypeIAMPolicy      = "IAM Policy"
	TypeResourcePolicy = "Resource Policy"
	// TypeBoundaryPolicy names a permissions boundary's statements; IAM's
	// spelling for it was not observed, this follows the pattern.
	TypeBoundaryPolicy = "Permissions Boundary Policy"
)

// defaultMaxItems is IAM's page size when MaxItems is absent.
const defaultMaxItems = 100

// Document is one policy taking part in a simulation.
type Document struct {
	// ID is the SourcePolicyId reported for its statements: a managed
	// policy's name, "user_<user>_<policy>" for an inline policy,
	// "PolicyInputList.<n>", "ResourcePolicy", ...
	ID string
	// Type is the SourcePolicyType; "" means the default for the role the
	// document plays (TypeIAMPolicy, TypeBoundaryPolicy or
	// TypeResourcePolicy).
	Type string
	// Text is the JSON document as given or stored; statement positions
	// are computed in it.
	Text string
}

// Input is one simulation. It mirrors the two operations' parameters.
type Input struct {
	// Account is the simulating account: the caller's, unless CallerArn
	// names a user of another, and the default owner of resources.
	Account string
	// Principal is the simulated entity (SimulatePrincipalPolicy's
	// PolicySourceArn), or nil for SimulateCustomPolicy, which simulates an
	// unnamed IAM user of Account. CallerArn overrides it.
	Principal *policy.Principal

	Identity []Document // identity-based policies: attached, inline, PolicyInputList
	// Boundaries is PermissionsBoundaryPolicyInputList, or the entity's
	// own boundary; IAM takes at most one.
	Boundaries     []Document
	ResourcePolicy *Document

	ActionNames  []string
	ResourceArns []string // nil or ["*"]: every resource
	// ResourceOwner is an account id or "arn:aws:iam::<account>:root".
	ResourceOwner string
	// CallerArn is the IAM user the requests are simulated as.
	CallerArn      string
	ContextEntries []ContextEntry
	// ResourceHandlingOption is one of IAM's EC2 scenarios (Scenarios);
	// the resources the scenario needs must be among ResourceArns. The
	// simulation itself is the same: each action is evaluated against each
	// resource.
	ResourceHandlingOption string

	MaxItems int    // 0 means 100
	Marker   string // from a previous Output
}

// Output is one page of results.
type Output struct {
	Results     []Result
	IsTruncated bool
	Marker      string // set when IsTruncated
}

// Result is an EvaluationResult: the simulation of one action.
type Result struct {
	Action string
	// Resource is "*" when no resource ARNs were given, the ARN when one
	// was, and the ARN template of the action's resource type (or "*")
	// when several were: each then has its ResourceResult.
	Resource             string
	Decision             string
	MatchedStatements    []Statement
	MissingContextValues []string
	// AllowedByOrganizations is always true: hakoniwa accounts belong to
	// no organization, so no service control policy applies.
	AllowedByOrganizations bool
	// AllowedByBoundary is nil when no permissions boundary applies.
	AllowedByBoundary *bool
	// DecisionDetails maps a policy type to its decision. IAM fills it for
	// cross-account simulations, returns it empty for same-account ones
	// with resource ARNs and omits it (nil) otherwise.
	DecisionDetails map[string]string
	ResourceResults []ResourceResult // nil when no resource ARNs were given
}

// ResourceResult is a ResourceSpecificResult: one action on one resource.
type ResourceResult struct {
	Resource             string
	Decision             string
	MatchedStatements    []Statement
	MissingContextValues []string
	// DecisionDetails is set for cross-account simulations only.
	DecisionDetails   map[string]string
	AllowedByBoundary *bool
}

// Statement is a statement that applied to the request.
type Statement struct {
	SourcePolicyID   string
	SourcePolicyType string
	// Start and End locate the statement in its document's text; nil when
	// the text could not be scanned.
	Start, End *Position
}

// Scenarios are the ResourceHandlingOption values IAM knows, with the EC2
// resource types each needs among the simulated resources ("Supported
// platforms" of the EC2 User Guide; the EC2-Classic ones are retired).
var Scenarios = map[string][]string{
	"EC2-VPC-InstanceStore":        {"instance", "image", "security-group", "network-interface"},
	"EC2-VPC-InstanceStore-Subnet": {"instance", "image", "security-group", "network-interface", "subnet"},
	"EC2-VPC-EBS":                  {"instance", "image", "security-group", "network-interface", "volume"},
	"EC2-VPC-EBS-Subnet":           {"instance", "image", "security-group", "network-interface", "subnet", "volume"},
}

// Run validates the input and simulates one page of its actions.
func Run(in Input) (*Output, error) {
	if len(in.ActionNames) == 0 {
		return nil, invalidInput("ActionNames must contain at least one action.")
	}
	for _, a := range in.ActionNames {
		if err := checkAction(a); err != nil {
			return nil, err
		}
	}
	resources, err := checkResources(in.ResourceArns)
	if err != nil {
		return nil, err
	}
	if err := checkScenario(in.ResourceHandlingOption, resources); err != nil {
		return nil, err
	}
	ctx, err := buildContext(in.ContextEntries)
	if err != nil {
		return nil, err
	}
	set, err := compile(&in)
	if err != nil {
		return nil, err
	}
	principal, err := principalOf(&in)
	if err != nil {
		return nil, err
	}
	owner, err := ownerOf(in.ResourceOwner, principal.Account)
	if err != nil {
		return nil, err
	}
	start, end, err := pageBounds(in.Marker, in.MaxItems, len(in.ActionNames))
	if err != nil {
		return nil, err
	}

	sim := &simulation{set: set, principal: principal, owner: owner, ctx: ctx}
	out := &Output{Results: make([]Result, 0, end-start)}
	for _, action := range in.ActionNames[start:end] {
		out.Results = append(out.Results, sim.action(action, resources))
	}
	if end < len(in.ActionNames) {
		out.IsTruncated = true
		out.Marker = base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(end)))
	}
	return out, nil
}

// simulation holds what every action of a run shares.
type simulation struct {
	set       *policySet
	principal policy.Principal
	owner     string // account owning resources whose ARN names none
	ctx       map[string][]string
}

func (s *simulation) action(action string, resources []string) Result {
	r := Result{Action: action, AllowedByOrganizations: true}
	if resources == nil {
		one := s.evaluate(action, "*")
		r.Resource = "*"
		r.Decision = one.Decision
		r.MatchedStatements = one.MatchedStatements
		r.MissingContextValues = one.MissingContextValues
		r.AllowedByBoundary = one.AllowedByBoundary
		r.DecisionDetails = one.DecisionDetails
		return r
	}
	// With resource ARNs, IAM reports missing context values per
	// resource, not on the action.
	r.MissingContextValues = []string{}
	r.DecisionDetails = map[string]string{}
	for _, arn := range resources {
		r.ResourceResults = append(r.ResourceResults, s.evaluate(action, arn))
	}
	if len(resources) == 1 {
		one := r.ResourceResults[0]
		r.Resource = one.Resource
		r.Decision = one.Decision
		r.MatchedStatements = one.MatchedStatements
		r.AllowedByBoundary = one.AllowedByBoundary
		for k, v := range one.DecisionDetails {
			r.DecisionDetails[k] = v
		}
		return r
	}
	r.Resource = resourceTemplate(action, resources)
	r.MatchedStatements = []Statement{}
	r.Decision = Allowed
	for _, rr := range r.ResourceResults {
		r.Decision = worse(r.Decision, rr.Decision)
		for k, v := range rr.DecisionDetails {
			if prev, ok := r.DecisionDetails[k]; ok {
				v = worse(prev, v)
			}
			r.DecisionDetails[k] = v
		}
		if rr.AllowedByBoundary != nil {
			allowed := *rr.AllowedByBoundary && (r.AllowedByBoundary == nil || *r.AllowedByBoundary)
			r.AllowedByBoundary = &allowed
		}
	}
	return r
}

// worse combines two decisions: an explicit deny anywhere wins, then an
// implicit deny.
func worse(a, b string) string {
	rank := map[string]int{Allowed: 0, ImplicitDeny: 1, ExplicitDeny: 2}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

// evaluate decides one action on one resource.
func (s *simulation) evaluate(action, resource string) ResourceResult {
	account := s.owner
	if acct := arnAccount(resource); acct != "" {
		account = acct
	}
	req := policy.Request{
		Principal:       s.principal,
		Action:          action,
		Resource:        resource,
		ResourceAccount: account,
		Context:         s.ctx,
	}
	d := policy.Evaluate(req, s.set.input)

	rr := ResourceResult{Resource: resource, Decision: decisionOf(d)}
	rr.MatchedStatements = s.set.statements(d.Matched)
	rr.MissingContextValues = append([]string{}, d.MissingContextValues...)

	var idAllow, idDeny, bAllow, bDeny, rAllow, rDeny bool
	for _, m := range d.Matched {
		allow := m.Effect == policy.Allow
		switch m.PolicyType {
		case roleIdentity:
			idAllow, idDeny = idAllow || allow, idDeny || !allow
		case roleBoundary:
			bAllow, bDeny = bAllow || allow, bDeny || !allow
		case roleResource:
			rAllow, rDeny = rAllow || allow, rDeny || !allow
		}
	}
	if s.set.input.Boundary != nil {
		ok := bAllow && !bDeny
		rr.AllowedByBoundary = &ok
	}
	if account != s.principal.Account {
		rr.DecisionDetails = map[string]string{TypeIAMPolicy: verdict(idAllow, idDeny)}
		if s.set.input.Resource != nil {
			rr.DecisionDetails[TypeResourcePolicy] = verdict(rAllow, rDeny)
		}
	}
	return rr
}

func verdict(allow, deny bool) string {
	switch {
	case deny:
		return ExplicitDeny
	case allow:
		return Allowed
	}
	return ImplicitDeny
}

func decisionOf(d policy.Decision) string {
	if d.Allowed {
		return Allowed
	}
	switch d.Reason {
	case policy.ExplicitDenyIdentity, policy.ExplicitDenyBoundary, policy.ExplicitDenySession, policy.ExplicitDenyResource:
		return ExplicitDeny
	}
	return ImplicitDeny
}

// Roles a document plays, as the Attached.Type the evaluator echoes back
// in its matches.
const (
	roleIdentity = "identity"
	roleBoundary = "boundary"
	roleResource = "resource"
)

// source is a compiled document with its statements' text spans.
type source struct {
	id, typ string
	spans   []span
}

// policySet is every document of a simulation, compiled once.
type policySet struct {
	input   policy.Input
	sources map[string][]source // by role, indexed like the Attached ids
}

func compile(in *Input) (*policySet, error) {
	if len(in.Boundaries) > 1 {
		return nil, invalidInput("Only one permissions boundary policy can be simulated at a time.")
	}
	set := &policySet{sources: map[string][]source{}}
	add := func(role string, kind policy.Kind, defType string, d Document) (policy.Attached, error) {
		p, err := policy.Parse(d.Text, kind)
		if err != nil {
			return policy.Attached{}, err
		}
		typ := d.Type
		if typ == "" {
			typ = defType
		}
		n := len(set.sources[role])
		set.sources[role] = append(set.sources[role], source{id: d.ID, typ: typ, spans: statementSpans(d.Text)})
		return policy.Attached{ID: strconv.Itoa(n), Name: d.ID, Type: role, Policy: p}, nil
	}
	for _, d := range in.Identity {
		a, err := add(roleIdentity, policy.Identity, TypeIAMPolicy, d)
		if err != nil {
			return nil, err
		}
		set.input.Identity = append(set.input.Identity, a)
	}
	if len(in.Boundaries) == 1 {
		a, err := add(roleBoundary, policy.Boundary, TypeBoundaryPolicy, in.Boundaries[0])
		if err != nil {
			return nil, err
		}
		set.input.Boundary = &a
	}
	if in.ResourcePolicy != nil {
		a, err := add(roleResource, policy.Resource, TypeResourcePolicy, *in.ResourcePolicy)
		if err != nil {
			return nil, err
		}
		set.input.Resource = &a
	}
	return set, nil
}

// statements renders the evaluator's matches: the resource policy's
// first, then identity policies, then the boundary (IAM lists a resource
// policy's deny before the identity allow it overrides).
func (set *policySet) statements(matched []policy.Match) []Statement {
	out := []Statement{}
	for _, role := range []string{roleResource, roleIdentity, roleBoundary} {
		for _, m := range matched {
			if m.PolicyType != role {
				continue
			}
			i, err := strconv.Atoi(m.PolicyID)
			if err != nil || i < 0 || i >= len(set.sources[role]) {
				continue
			}
			src := set.sources[role][i]
			st := Statement{SourcePolicyID: src.id, SourcePolicyType: src.typ}
			if m.Statement < len(src.spans) {
				sp := src.spans[m.Statement]
				st.Start, st.End = &sp.Start, &sp.End
			}
			out = append(out, st)
		}
	}
	return out
}

// principalOf is who the requests are simulated as.
func principalOf(in *Input) (policy.Principal, error) {
	var p policy.Principal
	switch {
	case in.CallerArn != "":
		acct, name, ok := userARN(in.CallerArn)
		if !ok {
			return p, invalidInput("Invalid CallerArn %s: the simulated caller must be an IAM user.", in.CallerArn)
		}
		if in.Principal != nil && in.Principal.Type == policy.TypeIAMUser && in.Principal.ARN == in.CallerArn {
			p = *in.Principal
		} else {
			p = policy.Principal{Type: policy.TypeIAMUser, ARN: in.CallerArn, Account: acct, Username: name}
		}
	case in.Principal != nil:
		p = *in.Principal
	default:
		p = policy.Principal{Type: policy.TypeIAMUser, Account: in.Account}
	}
	if p.Account == "" {
		p.Account = in.Account
	}
	if in.ResourcePolicy != nil && (p.Type != policy.TypeIAMUser || p.ARN == "") {
		// A resource policy's Principal element needs a caller to match.
		return p, invalidInput("CallerArn must be specified when a ResourcePolicy is simulated with a PolicySourceArn that is not an IAM user or with custom policies.")
	}
	return p, nil
}

var userARNRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^arn:aws[a-z-]*:iam::(\d{12}):user/(?:[\x21-\x7e]*/)?([\w+=,.@-]+)$`)
})

// userARN splits an IAM user ARN into its account and user name.
func userARN(arn string) (account, name string, ok bool) {
	m := userARNRE().FindStringSubmatch(arn)
	if m == nil {
		return "", "", false
	}
	return m[1], m[2], true
}

var accountRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\d{12}$`) })

// ownerOf resolves ResourceOwner: an account id or the account's root ARN.
func ownerOf(owner, fallback string) (string, error) {
	if owner == "" {
		return fallback, nil
	}
	if accountRE().MatchString(owner) {
		return owner, nil
	}
	if acct, ok := strings.CutPrefix(owner, "arn:aws:iam::"); ok {
		if acct, ok := strings.CutSuffix(acct, ":root"); ok && accountRE().MatchString(acct) {
			return acct, nil
		}
	}
	return "", invalidInput("Invalid ResourceOwner %s: it must be an account ID or an account's root ARN (arn:aws:iam::<account>:root).", owner)
}

// arnAccount is the account an ARN names, or "" (S3 bucket and object
// ARNs name none: ResourceOwner owns them).
func arnAccount(arn string) string {
	f := strings.SplitN(arn, ":", 6)
	if len(f) == 6 && accountRE().MatchString(f[4]) {
		return f[4]
	}
	return ""
}

// checkAction accepts a concrete action of the Service Authorization
// Reference ("iam:CreateUser"): the simulator evaluates requests, and a
// request is for one action.
func checkAction(a string) error {
	prefix, name, ok := strings.Cut(a, ":")
	if !ok || strings.ContainsAny(a, "*?") || !actions.KnownAction(prefix, name) {
		return invalidInput("Invalid action name %s: actions must be of the form <service>:<action> and name an existing action.", a)
	}
	return nil
}

// checkResources validates ResourceArns; nil means every resource.
func checkResources(arns []string) ([]string, error) {
	if len(arns) == 0 || (len(arns) == 1 && arns[0] == "*") {
		return nil, nil
	}
	for _, a := range arns {
		if a == "*" {
			continue
		}
		if f := strings.SplitN(a, ":", 6); len(f) != 6 || f[0] != "arn" || f[1] == "" || f[2] == "" {
			return nil, invalidInput("Invalid ARN %s in ResourceArns.", a)
		}
	}
	return arns, nil
}

// checkScenario enforces the resources an EC2 scenario needs.
func checkScenario(option string, resources []string) error {
	if option == "" {
		return nil
	}
	need, ok := Scenarios[option]
	if !ok {
		return invalidInput("Invalid ResourceHandlingOption %s.", option)
	}
	for _, typ := range need {
		found := slices.ContainsFunc(resources, func(arn string) bool {
			f := strings.SplitN(arn, ":", 6)
			return len(f) == 6 && f[2] == "ec2" && strings.HasPrefix(f[5], typ+"/")
		})
		if !found {
			return invalidInput("ResourceHandlingOption %s requires a %s resource in ResourceArns.", option, typ)
		}
	}
	return nil
}

// resourceTemplate names several resources of one action the way IAM
// does: the ARN template of the action's resource type they all are of,
// or "*".
func resourceTemplate(action string, arns []string) string {
	prefix, name, _ := strings.Cut(action, ":")
	svc := actions.Lookup(strings.ToLower(prefix))
	if svc == nil {
		return "*"
	}
	a := svc.Action(name)
	if a == nil {
		return "*"
	}
	for _, ar := range a.Resources {
		rt := svc.ResourceType(ar.Type)
		if rt == nil {
			continue
		}
		if !slices.ContainsFunc(arns, func(arn string) bool { return !templateMatches(rt.ARN, arn) }) {
			partition := "aws"
			if f := strings.SplitN(arns[0], ":", 3); len(f) == 3 {
				partition = f[1]
			}
			return strings.ReplaceAll(rt.ARN, "${Partition}", partition)
		}
	}
	return "*"
}

// templateMatches reports whether arn is an instance of a reference ARN
// template, each ${Placeholder} standing for any run of characters.
func templateMatches(template, arn string) bool {
	var lits []string
	for {
		i := strings.Index(template, "${")
		if i < 0 {
			lits = append(lits, template)
			break
		}
		j := strings.IndexByte(template[i:], '}')
		if j < 0 {
			lits = append(lits, template)
			break
		}
		lits = append(lits, template[:i])
		template = template[i+j+1:]
	}
	// lits alternate with placeholders: lit0 ${} lit1 ${} ... litN.
	if !strings.HasPrefix(arn, lits[0]) {
		return false
	}
	rest := arn[len(lits[0]):]
	if len(lits) == 1 {
		return rest == ""
	}
	for _, lit := range lits[1 : len(lits)-1] {
		k := strings.Index(rest, lit)
		if k < 0 {
			return false
		}
		rest = rest[k+len(lit):]
	}
	return strings.HasSuffix(rest, lits[len(lits)-1])
}

// pageBounds returns the slice of actions a page covers.
func pageBounds(marker string, maxItems, total int) (start, end int, err error) {
	if marker != "" {
		raw, err := base64.RawURLEncoding.DecodeString(marker)
		n, convErr := strconv.Atoi(string(raw))
		if err != nil || convErr != nil || n < 0 || n > total {
			return 0, 0, awserr.New(http.StatusBadRequest, "ValidationError", "Invalid Marker.")
		}
		start = n
	}
	limit := defaultMaxItems
	if maxItems != 0 {
		if maxItems < 1 || maxItems > 1000 {
			return 0, 0, awserr.New(http.StatusBadRequest, "ValidationError", "1 validation error detected: Value '%d' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 1000", maxItems)
		}
		limit = maxItems
	}
	return start, min(start+limit, total), nil
}

func invalidInput(format string, args ...any) *awserr.Error {
	return awserr.New(http.StatusBadRequest, "InvalidInput", format, args...)
}
