package actions

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Request is one decoded API call, as the gateway knows it after
// authentication.
type Request struct {
	// ServiceID is the botocore model id (sts, ec2, cloudwatch, ...).
	ServiceID string
	// Operation is the model's operation name (CreateUser, ListObjectsV2).
	Operation string
	// Signing is the SigV4 signing name; it names the service when
	// ServiceID is empty ("monitoring" is CloudWatch's).
	Signing string
	// Input is the decoded input value tree (see internal/model).
	Input map[string]any
	// Account and Region are the resource owner and region of the call
	// (the caller's account unless the input names another by ARN).
	Account, Region string
	// Partition defaults to "aws".
	Partition string
	// CallerARN is the caller's ARN. IAM operations on "the caller's own
	// user" (ListAccessKeys, CreateAccessKey ... without UserName) apply
	// to it when it is an IAM user; otherwise they stay unresolved.
	CallerARN string
	// Paths returns the path ("/", "/dev/") of an existing IAM entity:
	// kind is "user", "role", "group", "policy", "instance-profile" or
	// "server-certificate". IAM ARNs embed the path but most IAM
	// operations name entities without it, so only IAM's state knows.
	// Nil means every entity is taken to have the default path "/".
	Paths func(kind, name string) string
	// KeyForAlias returns the key id an alias ("alias/x") points to in
	// the request's account and region. KMS authorizes a call that names
	// a key by alias against the key itself; without the hook (or when it
	// reports false) such a check stays unresolved and carries the alias
	// in kms:RequestAlias.
	KeyForAlias func(alias string) (keyID string, ok bool)
}

// Check is one authorization AWS performs for a call: the caller needs
// Action on every one of Resources.
type Check struct {
	// Action is "prefix:Name" as the reference spells it.
	Action string
	// ResourceType is the reference's resource type the ARNs are of, or
	// "" when the action has none.
	ResourceType string
	// Resources are ARNs, or ["*"] when the action has no resource type
	// or the request does not name the resource.
	Resources []string
	// Unresolved is set when the action applies to a resource the
	// request does not identify well enough to build its ARN: Resources
	// is then ["*"] rather than a guess. Only policies granting the
	// action on "*" should match such a check.
	Unresolved bool
	// Context holds the condition keys the request itself supplies
	// (aws:RequestTag/<k>, aws:TagKeys, s3:prefix, iam:PermissionsBoundary,
	// ...), restricted to the keys the reference lists for this action and
	// resource type. Global keys of the call (aws:SourceIp,
	// aws:PrincipalArn, aws:CurrentTime, s3:authType, ...) are the
	// caller's to add; Context is shared and must not be modified.
	Context map[string][]string
}

// Resolve returns the checks AWS performs for one call, in order. A call
// AWS authorizes for everyone (sts:GetCallerIdentity) has none. An
// operation the catalogue cannot place is an error: the caller should
// deny rather than allow by default.
func Resolve(r Request) ([]Check, error) {
	prefix, err := prefixOf(r)
	if err != nil {
		return nil, err
	}
	svc := Lookup(prefix)
	if svc == nil {
		return nil, fmt.Errorf("actions: no authorization data for service prefix %q", prefix)
	}
	if r.Partition == "" {
		r.Partition = "aws"
	}
	res := &resolver{Request: r, svc: svc}
	if o, ok := overrideFor(r.ServiceID, prefix, r.Operation); ok {
		if o.none {
			return nil, nil
		}
		if o.resolve != nil {
			return o.resolve(res)
		}
		for _, a := range o.actions {
			if err := res.add(a, nil); err != nil {
				return nil, err
			}
		}
		return res.checks, nil
	}
	a := svc.Action(r.Operation)
	if a == nil {
		return nil, fmt.Errorf("actions: no IAM action for %s operation %s", prefix, r.Operation)
	}
	res.addAction(svc, a, nil)
	return res.checks, nil
}

// overrideFor finds an operation's override. A service sharing another's
// prefix (s3control's is s3) may key one by its own id, where equal
// operation names authorize different actions (GetPublicAccessBlock).
func overrideFor(serviceID, prefix, operation string) (override, bool) {
	if serviceID != "" && serviceID != prefix {
		if o, ok := overrides[serviceID+":"+operation]; ok {
			return o, true
		}
	}
	o, ok := overrides[prefix+":"+operation]
	return o, ok
}

// prefixOf maps the request's service to its IAM prefix.
func prefixOf(r Request) (string, error) {
	if p, ok := serviceIDPrefixes[r.ServiceID]; ok {
		return p, nil
	}
	if p, ok := signingPrefixes[r.Signing]; ok {
		return p, nil
	}
	if r.ServiceID == "" {
		if _, ok := serviceIDPrefixes[r.Signing]; ok {
			return serviceIDPrefixes[r.Signing], nil
		}
	}
	return "", fmt.Errorf("actions: unknown service %q (signing name %q)", r.ServiceID, r.Signing)
}

// signingPrefixes names the services whose SigV4 signing name is not
// their IAM prefix.
var signingPrefixes = map[string]string{
	"monitoring": "cloudwatch",
}

// resolver accumulates the checks of one request.
type resolver struct {
	Request
	svc    *Service
	checks []Check
	// ctx is the request's condition keys, computed on first use.
	ctx     map[string][]string
	ctxDone bool
	// typed holds keys that apply to one resource type only (EC2's
	// TagSpecifications), by type.
	typed map[string]contextBuilder
}

// add appends the checks of a "prefix:Name" action. bind, when set,
// fills placeholders before the generic rules do (an override that knows
// which member names the resource).
func (r *resolver) add(action string, bind binder) error {
	prefix, name, _ := strings.Cut(action, ":")
	svc := r.svc
	if prefix != svc.Prefix {
		svc = Lookup(prefix)
	}
	var a *Action
	if svc != nil {
		a = svc.Action(name)
	}
	if a == nil {
		return fmt.Errorf("actions: %s is not in the catalogue", action)
	}
	r.addAction(svc, a, bind)
	return nil
}

// binder returns the values of an ARN template placeholder for one
// resource type, or ok=false to fall back to the generic rules.
type binder func(resourceType, placeholder string) (values []string, ok bool)

// addAction appends one check per resource type the request involves:
// AWS evaluates each resource with the condition keys of its own type, so
// RunInstances' image and its new instance are separate checks.
func (r *resolver) addAction(svc *Service, a *Action, bind binder) {
	full := svc.Prefix + ":" + a.Name
	if len(a.Resources) == 0 {
		r.checks = append(r.checks, Check{Action: full, Resources: star, Context: r.contextFor(a, nil)})
		return
	}
	n := len(r.checks)
	unresolvedRequired := false
	for i := range a.Resources {
		ar := &a.Resources[i]
		rt := svc.ResourceType(ar.Type)
		if rt == nil {
			continue
		}
		arns := r.fill(svc.Prefix, rt, bind)
		if arns != nil && len(arns) == 0 {
			continue // the request shows this type does not apply
		}
		if len(arns) == 0 {
			if ar.Required {
				unresolvedRequired = true
				r.checks = append(r.checks, Check{Action: full, ResourceType: ar.Type, Resources: star, Unresolved: true, Context: r.contextFor(a, ar)})
			}
			continue
		}
		r.checks = append(r.checks, Check{Action: full, ResourceType: ar.Type, Resources: arns, Context: r.contextFor(a, ar)})
	}
	if len(r.checks) == n && !unresolvedRequired {
		// Only optional resource types, none of them named: the action
		// applies to something the request does not identify.
		r.checks = append(r.checks, Check{Action: full, Resources: star, Unresolved: true, Context: r.contextFor(a, nil)})
	}
}

var star = []string{"*"}

// notApplicable, from a resource func, says the request shows a resource
// type of the action does not apply to this call (ChangeTagsForResource
// on a health check involves no hosted zone); nil says "not identified".
var notApplicable = []string{}

// contextFor filters the request's condition keys to those the reference
// lists for the action (and the resource type, when given). A key the
// reference does not list for a call is not supplied by AWS either, so a
// policy conditioned on it does not match.
func (r *resolver) contextFor(a *Action, ar *ActionResource) map[string][]string {
	all := r.requestContext()
	var typed contextBuilder
	if ar != nil {
		typed = r.typed[ar.Type]
	}
	if len(all) == 0 && len(typed) == 0 {
		return nil
	}
	var out map[string][]string
	for k, v := range all {
		if _, ok := typed[k]; ok {
			continue
		}
		name, ok := listedKey(a.ConditionKeys, k)
		if !ok && ar != nil {
			name, ok = listedKey(ar.ConditionKeys, k)
		}
		if !ok {
			continue
		}
		if out == nil {
			out = make(map[string][]string, len(all))
		}
		out[name] = v
	}
	for k, v := range typed {
		name, ok := listedKey(a.ConditionKeys, k)
		if !ok {
			name, ok = listedKey(ar.ConditionKeys, k)
		}
		if !ok {
			continue
		}
		if out == nil {
			out = make(map[string][]string, len(typed))
		}
		out[name] = v
	}
	return out
}

// listedKey finds key among the reference's key patterns and returns it
// spelled as the reference spells it (variables keep the request's text).
func listedKey(patterns []string, key string) (string, bool) {
	for _, p := range patterns {
		if keyMatches(p, key) {
			if strings.Contains(p, "${") || strings.Contains(p, "<") {
				return key, true
			}
			return p, true
		}
	}
	return "", false
}

// requestContext computes the condition keys the input supplies, once.
func (r *resolver) requestContext() map[string][]string {
	if r.ctxDone {
		return r.ctx
	}
	r.ctxDone = true
	c := contextBuilder{}
	c.tags(r.Input)
	if fn := contextFuncs[r.svc.Prefix]; fn != nil {
		fn(r, c)
	}
	if len(c) > 0 {
		r.ctx = c
	}
	return r.ctx
}

// contextBuilder collects condition keys.
type contextBuilder map[string][]string

func (c contextBuilder) set(key string, values ...string) {
	if len(values) > 0 {
		c[key] = values
	}
}

// str sets key from a string member when present.
func (c contextBuilder) str(key string, in map[string]any, member string) {
	if s, ok := in[member].(string); ok && s != "" {
		c[key] = []string{s}
	}
}

// tags derives aws:RequestTag/<k> and aws:TagKeys from the usual tag
// members: a list of {Key, Value} (KMS: {TagKey, TagValue}) or a map, and
// aws:TagKeys from an untag call's key list.
func (c contextBuilder) tags(in map[string]any) {
	for _, m := range []string{"Tags", "tags", "TagsList", "TagList"} {
		if v, ok := in[m]; ok {
			c.tagValue(v)
		}
	}
	for _, m := range []string{"TagKeys", "tagKeys"} {
		if keys := strings1(in[m]); len(keys) > 0 {
			c["aws:TagKeys"] = keys
		}
	}
}

func (c contextBuilder) tagValue(v any) {
	var keys []string
	add := func(k, v string) {
		if k == "" {
			return
		}
		c["aws:RequestTag/"+k] = []string{v}
		keys = append(keys, k)
	}
	switch t := v.(type) {
	case []any:
		for _, e := range t {
			m, _ := e.(map[string]any)
			k, val := tagPair(m)
			add(k, val)
		}
	case map[string]any:
		for k, val := range t {
			s, _ := val.(string)
			add(k, s)
		}
		sort.Strings(keys)
	}
	if len(keys) > 0 {
		c["aws:TagKeys"] = keys
	}
}

func tagPair(m map[string]any) (string, string) {
	for _, kv := range [][2]string{{"Key", "Value"}, {"TagKey", "TagValue"}, {"key", "value"}} {
		if k, ok := m[kv[0]].(string); ok {
			v, _ := m[kv[1]].(string)
			return k, v
		}
	}
	return "", ""
}

// strings1 returns a string or list-of-strings member as a slice.
func strings1(v any) []string {
	switch t := v.(type) {
	case string:
		if t != "" {
			return []string{t}
		}
	case []any:
		out := make([]string, 0, len(t))
		for _, e := range t {
			if s, ok := e.(string); ok && s != "" {
				out = append(out, s)
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	return nil
}

// contextFuncs add each service's own condition keys.
var contextFuncs = map[string]func(*resolver, contextBuilder){
	"iam":      iamContext,
	"sts":      stsContext,
	"s3":       s3Context,
	"ec2":      ec2Context,
	"kms":      kmsContext,
	"lambda":   lambdaContext,
	"dynamodb": dynamodbContext,
	"sns":      snsContext,
	"ssm":      ssmContext,
	"cloudwatch": func(r *resolver, c contextBuilder) {
		c.str("cloudwatch:namespace", r.Input, "Namespace")
		c.set("cloudwatch:AlarmActions", strings1(r.Input["AlarmActions"])...)
	},
	// cloudtrail, sqs, route53, logs: tags only.
}

// checksOf appends the checks of each action in turn.
func (r *resolver) checksOf(actions ...string) ([]Check, error) {
	for _, a := range actions {
		if err := r.add(a, nil); err != nil {
			return nil, err
		}
	}
	return r.checks, nil
}

// explicit builds a check on a resource its caller computed; an empty arn
// is an unresolved one.
func (r *resolver) explicit(action, resourceType, arn string) Check {
	prefix, name, _ := strings.Cut(action, ":")
	c := Check{Action: action, ResourceType: resourceType, Resources: star, Unresolved: true}
	if arn != "" {
		c.Resources, c.Unresolved = []string{arn}, false
	}
	svc := Lookup(prefix)
	if svc == nil {
		return c
	}
	a := svc.Action(name)
	if a == nil {
		return c
	}
	c.Action = svc.Prefix + ":" + a.Name
	var ar *ActionResource
	for i := range a.Resources {
		if a.Resources[i].Type == resourceType {
			ar = &a.Resources[i]
		}
	}
	c.Context = r.contextFor(a, ar)
	return c
}

// resourceFuncs build a resource type's ARNs where a service names its
// resources in its own way; ok=false falls back to the template.
var resourceFuncs = map[string]func(*resolver, *ResourceType) ([]string, bool){
	"s3":       s3Resource,
	"lambda":   lambdaResource,
	"kms":      kmsResource,
	"sqs":      sqsResource,
	"sns":      snsResource,
	"iam":      iamResource,
	"logs":     logsResource,
	"dynamodb": dynamoResource,
	"ssm":      ssmResource,
}

// serviceBinders fill a service's placeholders whose member is not named
// after them; ok=false falls back to the generic rule.
var serviceBinders = map[string]func(r *resolver, resourceType, placeholder string) ([]string, bool){
	"s3":         s3Bind,
	"s3express":  s3ExpressBind,
	"iam":        iamBind,
	"sts":        iamBind,
	"ec2":        ec2Bind,
	"route53":    route53Bind,
	"cloudtrail": cloudtrailBind,
	"cloudwatch": cloudwatchBind,
	"sns":        snsBind,
	"lambda":     lambdaBind,
	"dynamodb":   dynamoBind,
}

// integer renders a numeric member as a condition value.
func integer(v any) []string {
	switch n := v.(type) {
	case int64:
		return []string{strconv.FormatInt(n, 10)}
	case int:
		return []string{strconv.Itoa(n)}
	case float64:
		return []string{strconv.FormatFloat(n, 'f', -1, 64)}
	}
	return nil
}
