package iam

import (
	"context"
	"fmt"
	"strings"

	"hakoniwa/internal/iam/policy"
	"hakoniwa/internal/iam/simulate"
	"hakoniwa/internal/store"

	iamapi "hakoniwa/internal/api/iam"
)

// SimulateCustomPolicy runs the policy simulator over documents given in
// the request only.
func (s *Service) SimulateCustomPolicy(ctx context.Context, in *iamapi.SimulateCustomPolicyInput) (*iamapi.SimulateCustomPolicyOutput, error) {
	p := caller(ctx)
	if p.Account == "" {
		return nil, errNoAccount
	}
	sin := simulate.Input{
		Account:                p.Account,
		Identity:               inputDocuments("PolicyInputList", in.PolicyInputList),
		Boundaries:             inputDocuments("PermissionsBoundaryPolicyInputList", in.PermissionsBoundaryPolicyInputList),
		ResourcePolicy:         resourcePolicyDocument(in.ResourcePolicy),
		ActionNames:            in.ActionNames,
		ResourceArns:           in.ResourceArns,
		ResourceOwner:          deref(in.ResourceOwner),
		CallerArn:              deref(in.CallerArn),
		ContextEntries:         contextEntries(in.ContextEntries),
		ResourceHandlingOption: deref(in.ResourceHandlingOption),
		Marker:                 deref(in.Marker),
	}
	if in.MaxItems != nil {
		sin.MaxItems = int(max(min(*in.MaxItems, 1<<20), -1))
	}
	out, err := simulate.Run(sin)
	if err != nil {
		return nil, err
	}
	return simulationOut(out), nil
}

// SimulatePrincipalPolicy runs the policy simulator over the policies of a
// user (its groups' included), a group or a role, plus any given in the
// request. A permissions boundary given in the request replaces the
// entity's own.
func (s *Service) SimulatePrincipalPolicy(ctx context.Context, in *iamapi.SimulatePrincipalPolicyInput) (*iamapi.SimulatePrincipalPolicyOutput, error) {
	p := caller(ctx)
	if p.Account == "" {
		return nil, errNoAccount
	}
	source := deref(in.PolicySourceArn)
	entity, err := s.simulatedEntity(ctx, p.Account, source)
	if err != nil {
		return nil, err
	}
	sin := simulate.Input{
		Account:                p.Account,
		Principal:              entity.principal,
		Identity:               append(entity.policies, inputDocuments("PolicyInputList", in.PolicyInputList)...),
		Boundaries:             inputDocuments("PermissionsBoundaryPolicyInputList", in.PermissionsBoundaryPolicyInputList),
		ResourcePolicy:         resourcePolicyDocument(in.ResourcePolicy),
		ActionNames:            in.ActionNames,
		ResourceArns:           in.ResourceArns,
		ResourceOwner:          deref(in.ResourceOwner),
		CallerArn:              deref(in.CallerArn),
		ContextEntries:         contextEntries(in.ContextEntries),
		ResourceHandlingOption: deref(in.ResourceHandlingOption),
		Marker:                 deref(in.Marker),
	}
	if len(sin.Boundaries) == 0 && entity.boundary != nil {
		sin.Boundaries = []simulate.Document{*entity.boundary}
	}
	if in.MaxItems != nil {
		sin.MaxItems = int(max(min(*in.MaxItems, 1<<20), -1))
	}
	out, err := simulate.Run(sin)
	if err != nil {
		return nil, err
	}
	return simulationOut(out), nil
}

// simulatedEntity is what SimulatePrincipalPolicy takes from the entity
// PolicySourceArn names.
type simulatedEntity struct {
	principal *policy.Principal // nil for a group: requests come from none of its members in particular
	policies  []simulate.Document
	boundary  *simulate.Document
}

func (s *Service) simulatedEntity(ctx context.Context, account, arn string) (simulatedEntity, error) {
	var out simulatedEntity
	service, resource, ok := splitPrincipalARN(arn, account)
	if !ok || service != "iam" {
		return out, invalidInput("ARN %s is not valid.", arn)
	}
	switch {
	case strings.HasPrefix(resource, "user/"), strings.HasPrefix(resource, "role/"):
		pr, err := s.PrincipalPolicies(ctx, account, arn)
		if err != nil {
			return out, err
		}
		for _, d := range pr.Policies {
			out.policies = append(out.policies, simulate.Document{ID: sourcePolicyID(d), Text: d.Document})
		}
		if pr.Boundary != nil {
			out.boundary = &simulate.Document{ID: pr.Boundary.Name, Text: pr.Boundary.Document}
		}
		if pr.Type == "User" {
			out.principal = &policy.Principal{Type: policy.TypeIAMUser, ARN: pr.ARN, Account: account, UserID: pr.ID, Username: pr.Name, Tags: pr.Tags}
		} else {
			out.principal = &policy.Principal{Type: policy.TypeAssumedRole, RoleARN: pr.ARN, Account: account, Tags: pr.Tags}
		}
		return out, nil
	case strings.HasPrefix(resource, "group/"):
		name := resource[strings.LastIndexByte(resource, '/')+1:]
		err := s.st.View(ctx, func(tx store.Tx) error {
			a := &acct{s: s, tx: tx, id: account}
			g, err := a.group(name)
			if err != nil {
				return err
			}
			out.policies = nil // the transaction may run again
			for _, p := range g.Inline {
				out.policies = append(out.policies, simulate.Document{ID: "group_" + g.Name + "_" + p.Name, Text: p.Document})
			}
			for _, parn := range g.Attached {
				doc, ok, err := a.managedDocument(parn)
				if err != nil {
					return err
				}
				if ok {
					out.policies = append(out.policies, simulate.Document{ID: doc.Name, Text: doc.Document})
				}
			}
			return nil
		})
		return out, err
	}
	return out, invalidInput("ARN %s is not valid.", arn)
}

// sourcePolicyID names a policy as IAM's simulator does: a managed
// policy by its name, an inline one as <kind>_<owner>_<policy> (e.g.
// "role_deployer_ecs-secrets").
func sourcePolicyID(d PolicyDocument) string {
	if d.Kind != KindInline {
		return d.Name
	}
	owner, _, _ := strings.Cut(d.ID, "#inline/")
	f := strings.SplitN(owner, ":", 6)
	resource := f[len(f)-1] // user/path/name
	kind, _, _ := strings.Cut(resource, "/")
	name := resource[strings.LastIndexByte(resource, '/')+1:]
	return kind + "_" + name + "_" + d.Name
}

func inputDocuments(param string, docs []string) []simulate.Document {
	out := make([]simulate.Document, len(docs))
	for i, d := range docs {
		out[i] = simulate.Document{ID: fmt.Sprintf("%s.%d", param, i+1), Text: d}
	}
	return out
}

func resourcePolicyDocument(doc *string) *simulate.Document {
	if doc == nil {
		return nil
	}
	return &simulate.Document{ID: "ResourcePolicy", Text: *doc}
}

func contextEntries(in []iamapi.ContextEntry) []simulate.ContextEntry {
	out := make([]simulate.ContextEntry, len(in))
	for i, e := range in {
		out[i] = simulate.ContextEntry{Name: deref(e.ContextKeyName), Values: e.ContextKeyValues, Type: deref(e.ContextKeyType)}
	}
	return out
}

func simulationOut(out *simulate.Output) *iamapi.SimulatePolicyResponse {
	resp := &iamapi.SimulatePolicyResponse{EvaluationResults: []iamapi.EvaluationResult{}, IsTruncated: ptr(out.IsTruncated)}
	if out.IsTruncated {
		resp.Marker = ptr(out.Marker)
	}
	for _, r := range out.Results {
		er := iamapi.EvaluationResult{
			EvalActionName:              ptr(r.Action),
			EvalResourceName:            ptr(r.Resource),
			EvalDecision:                ptr(r.Decision),
			MatchedStatements:           statementsOut(r.MatchedStatements),
			MissingContextValues:        nonNil(r.MissingContextValues),
			OrganizationsDecisionDetail: &iamapi.OrganizationsDecisionDetail{AllowedByOrganizations: ptr(r.AllowedByOrganizations)},
			EvalDecisionDetails:         r.DecisionDetails,
		}
		if r.AllowedByBoundary != nil {
			er.PermissionsBoundaryDecisionDetail = &iamapi.PermissionsBoundaryDecisionDetail{AllowedByPermissionsBoundary: ptr(*r.AllowedByBoundary)}
		}
		for _, rr := range r.ResourceResults {
			sr := iamapi.ResourceSpecificResult{
				EvalResourceName:     ptr(rr.Resource),
				EvalResourceDecision: ptr(rr.Decision),
				MatchedStatements:    statementsOut(rr.MatchedStatements),
				MissingContextValues: nonNil(rr.MissingContextValues),
				EvalDecisionDetails:  rr.DecisionDetails,
			}
			if rr.AllowedByBoundary != nil {
				sr.PermissionsBoundaryDecisionDetail = &iamapi.PermissionsBoundaryDecisionDetail{AllowedByPermissionsBoundary: ptr(*rr.AllowedByBoundary)}
			}
			er.ResourceSpecificResults = append(er.ResourceSpecificResults, sr)
		}
		resp.EvaluationResults = append(resp.EvaluationResults, er)
	}
	return resp
}

func statementsOut(in []simulate.Statement) []iamapi.Statement {
	out := make([]iamapi.Statement, 0, len(in))
	for _, st := range in {
		o := iamapi.Statement{SourcePolicyId: ptr(st.SourcePolicyID), SourcePolicyType: ptr(st.SourcePolicyType)}
		if st.Start != nil && st.End != nil {
			o.StartPosition = &iamapi.Position{Line: ptr(int64(st.Start.Line)), Column: ptr(int64(st.Start.Column))}
			o.EndPosition = &iamapi.Position{Line: ptr(int64(st.End.Line)), Column: ptr(int64(st.End.Column))}
		}
		out = append(out, o)
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
