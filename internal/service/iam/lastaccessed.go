package iam

import (
	"context"
	"errors"
	"path"
	"slices"
	"strings"
	"time"

	"hakoniwa/internal/store"

	iamapi "hakoniwa/internal/api/iam"
)

const kindAccessJob = "access-report-job"

// accessJob is a service-last-accessed (or Organizations access) report.
// hakoniwa computes a report when it is asked for, so a job is COMPLETED
// (or FAILED) from the start.
type accessJob struct {
	ID          string          `json:"id"`
	Type        string          `json:"type,omitempty"` // SERVICE_LEVEL or ACTION_LEVEL; "" for Organizations
	Created     time.Time       `json:"created"`
	Status      string          `json:"status"`
	Services    []serviceAccess `json:"services,omitempty"`
	ErrCode     string          `json:"errCode,omitempty"`
	ErrMessage  string          `json:"errMessage,omitempty"`
	EntityCount int             `json:"entities,omitempty"`
}

// serviceAccess is one service the entity may use, and who used it last.
type serviceAccess struct {
	Namespace string        `json:"ns"`
	Users     []accessEntry `json:"users,omitempty"`
}

// accessEntry is one entity's last authentication to a service.
type accessEntry struct {
	ARN    string    `json:"arn"`
	Name   string    `json:"name"`
	ID     string    `json:"id"`
	Path   string    `json:"path"`
	Type   string    `json:"type"`
	When   time.Time `json:"when"`
	Region string    `json:"region"`
}

// serviceNames are the display names IAM reports for common namespaces.
var serviceNames = map[string]string{
	"s3": "Amazon S3", "ec2": "Amazon EC2", "iam": "AWS Identity and Access Management",
	"sts": "AWS Security Token Service", "sqs": "Amazon SQS", "sns": "Amazon SNS", "lambda": "AWS Lambda",
	"dynamodb": "Amazon DynamoDB", "kms": "AWS Key Management Service", "logs": "Amazon CloudWatch Logs",
	"cloudwatch": "Amazon CloudWatch", "cloudtrail": "AWS CloudTrail", "route53": "Amazon Route 53",
}

func serviceDisplayName(ns string) string {
	if n, ok := serviceNames[ns]; ok {
		return n
	}
	return ns
}

// allowedNamespaces lists the service prefixes of a document's Allow
// statements' actions. "*" names every service, which no list can show;
// it is left out.
func allowedNamespaces(doc string) []string {
	var out []string
	for _, st := range statements(doc) {
		if st["Effect"] != "Allow" {
			continue
		}
		for _, a := range toStringList(st["Action"]) {
			ns, _, ok := strings.Cut(strings.ToLower(a), ":")
			if ok && ns != "" && !strings.ContainsAny(ns, "*?") && !slices.Contains(out, ns) {
				out = append(out, ns)
			}
		}
	}
	return out
}

// grantsService reports whether a document allows any action of ns.
func grantsService(doc, ns string) bool {
	for _, st := range statements(doc) {
		if st["Effect"] != "Allow" {
			continue
		}
		for _, a := range toStringList(st["Action"]) {
			a = strings.ToLower(a)
			if a == "*" {
				return true
			}
			if svc, _, ok := strings.Cut(a, ":"); ok {
				if m, _ := path.Match(svc, ns); m {
					return true
				}
			}
		}
	}
	return false
}

func toStringList(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// userUses is what hakoniwa knows of a user's service use: the last
// service each of its access keys reached.
func (a *acct) userUses(u *user) (map[string]accessEntry, error) {
	out := map[string]accessEntry{}
	for _, id := range u.AccessKeys {
		k, err := store.GetJSON[accessKey](a.tx, accessKeysBucket, id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		use := a.s.usage.merged(id, k.lastUse)
		if use.LastUsed == nil || use.LastService == "" {
			continue
		}
		ns := strings.ToLower(use.LastService)
		if prev, ok := out[ns]; ok && !use.LastUsed.After(prev.When) {
			continue
		}
		out[ns] = accessEntry{ARN: a.userARN(u), Name: u.Name, ID: u.ID, Path: u.Path, Type: "USER", When: *use.LastUsed, Region: use.LastRegion}
	}
	return out, nil
}

// serviceAccessFor builds a report for a user, group, role or managed
// policy: the services its policies allow, with the users known to have
// used each.
func (a *acct) serviceAccessFor(arn string) ([]serviceAccess, error) {
	var docs []string
	var users []*user
	if owner, _, _, ok := splitPolicyARN(arn); ok && (owner == "aws" || owner == a.id) {
		d, ok, err := a.managedDocument(arn)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, policyNotFound(arn)
		}
		docs = append(docs, d.Document)
		all, err := all[user](a, kindUser)
		if err != nil {
			return nil, err
		}
		for i := range all {
			u := &all[i]
			attached := slices.Contains(u.Attached, arn)
			for _, gk := range u.Groups {
				if g, err := a.group(gk); err == nil && slices.Contains(g.Attached, arn) {
					attached = true
				}
			}
			if attached {
				users = append(users, u)
			}
		}
	} else {
		holders, err := a.holdersOf(arn)
		if err != nil {
			return nil, err
		}
		for _, h := range holders {
			d, err := a.holderDocuments(h.policyHolder)
			if err != nil {
				return nil, err
			}
			for _, x := range d {
				docs = append(docs, x.doc)
			}
		}
		switch holders[0].kind {
		case "USER":
			u, err := a.user(holders[0].name)
			if err != nil {
				return nil, err
			}
			users = append(users, u)
		case "GROUP":
			g, err := a.group(holders[0].name)
			if err != nil {
				return nil, err
			}
			for _, m := range g.Members {
				u, err := a.user(m)
				if err != nil {
					return nil, err
				}
				users = append(users, u)
			}
		}
	}
	var namespaces []string
	for _, d := range docs {
		for _, ns := range allowedNamespaces(d) {
			if !slices.Contains(namespaces, ns) {
				namespaces = append(namespaces, ns)
			}
		}
	}
	slices.Sort(namespaces)
	out := make([]serviceAccess, 0, len(namespaces))
	for _, ns := range namespaces {
		sa := serviceAccess{Namespace: ns}
		for _, u := range users {
			uses, err := a.userUses(u)
			if err != nil {
				return nil, err
			}
			if e, ok := uses[ns]; ok {
				sa.Users = append(sa.Users, e)
			}
		}
		slices.SortFunc(sa.Users, func(x, y accessEntry) int { return y.When.Compare(x.When) })
		out = append(out, sa)
	}
	return out, nil
}

func jobNotFound(id string) error { return noSuchEntity("No such job with job id %s.", id) }

func (a *acct) accessJob(id string) (*accessJob, error) {
	return getRec[accessJob](a, kindAccessJob, id, func() error { return jobNotFound(id) })
}

// GenerateServiceLastAccessedDetails starts (and, here, finishes) a
// service-last-accessed report for a user, group, role or policy.
func (s *Service) GenerateServiceLastAccessedDetails(ctx context.Context, in *iamapi.GenerateServiceLastAccessedDetailsInput) (*iamapi.GenerateServiceLastAccessedDetailsOutput, error) {
	granularity := "SERVICE_LEVEL"
	if in.Granularity != nil {
		granularity = *in.Granularity
	}
	if granularity != "SERVICE_LEVEL" && granularity != "ACTION_LEVEL" {
		return nil, validationError("1 validation error detected: Value '%s' at 'granularity' failed to satisfy constraint: Member must satisfy enum value set: [SERVICE_LEVEL, ACTION_LEVEL]", granularity)
	}
	j := &accessJob{ID: s.ids.UUID(), Type: granularity, Created: s.now(), Status: "COMPLETED"}
	err := s.update(ctx, func(a *acct) error {
		services, err := a.serviceAccessFor(deref(in.Arn))
		if err != nil {
			return err
		}
		j.Services = services
		return putJSON(a, kindAccessJob, j.ID, j)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.GenerateServiceLastAccessedDetailsOutput{JobId: &j.ID}, nil
}

// GetServiceLastAccessedDetails returns a report: each service the entity
// may use, with when (and by whom) it was last used, if hakoniwa saw it.
func (s *Service) GetServiceLastAccessedDetails(ctx context.Context, in *iamapi.GetServiceLastAccessedDetailsInput) (*iamapi.GetServiceLastAccessedDetailsOutput, error) {
	out := &iamapi.GetServiceLastAccessedDetailsOutput{ServicesLastAccessed: []iamapi.ServiceLastAccessed{}}
	err := s.view(ctx, func(a *acct) error {
		j, err := a.accessJob(deref(in.JobId))
		if err != nil {
			return err
		}
		if j.Type == "" {
			return jobNotFound(j.ID)
		}
		got, p, err := paginate(j.Services, func(x serviceAccess) string { return x.Namespace }, in.Marker, in.MaxItems)
		if err != nil {
			return err
		}
		for _, sa := range got {
			e := iamapi.ServiceLastAccessed{
				ServiceName: ptr(serviceDisplayName(sa.Namespace)), ServiceNamespace: ptr(sa.Namespace),
				TotalAuthenticatedEntities: ptr(int64(len(sa.Users))),
			}
			if len(sa.Users) > 0 {
				last := sa.Users[0]
				e.LastAuthenticated, e.LastAuthenticatedEntity, e.LastAuthenticatedRegion = ptr(last.When), ptr(last.ARN), optional(last.Region)
			}
			if j.Type == "ACTION_LEVEL" {
				e.TrackedActionsLastAccessed = []iamapi.TrackedActionLastAccessed{}
			}
			out.ServicesLastAccessed = append(out.ServicesLastAccessed, e)
		}
		out.JobStatus, out.JobType, out.JobCreationDate, out.JobCompletionDate = ptr(j.Status), ptr(j.Type), ptr(j.Created), ptr(j.Created)
		out.IsTruncated, out.Marker = p.truncated, p.marker
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// GetServiceLastAccessedDetailsWithEntities lists, for one service of a
// report, the entities that used it.
func (s *Service) GetServiceLastAccessedDetailsWithEntities(ctx context.Context, in *iamapi.GetServiceLastAccessedDetailsWithEntitiesInput) (*iamapi.GetServiceLastAccessedDetailsWithEntitiesOutput, error) {
	ns := strings.ToLower(deref(in.ServiceNamespace))
	out := &iamapi.GetServiceLastAccessedDetailsWithEntitiesOutput{EntityDetailsList: []iamapi.EntityDetails{}}
	err := s.view(ctx, func(a *acct) error {
		j, err := a.accessJob(deref(in.JobId))
		if err != nil {
			return err
		}
		if j.Type == "" {
			return jobNotFound(j.ID)
		}
		var users []accessEntry
		if i := slices.IndexFunc(j.Services, func(x serviceAccess) bool { return x.Namespace == ns }); i >= 0 {
			users = j.Services[i].Users
		}
		got, p, err := paginate(users, func(e accessEntry) string { return e.ARN }, in.Marker, in.MaxItems)
		if err != nil {
			return err
		}
		for _, e := range got {
			out.EntityDetailsList = append(out.EntityDetailsList, iamapi.EntityDetails{
				EntityInfo:        &iamapi.EntityInfo{Arn: ptr(e.ARN), Name: ptr(e.Name), Type: ptr(e.Type), Id: ptr(e.ID), Path: ptr(e.Path)},
				LastAuthenticated: ptr(e.When),
			})
		}
		out.JobStatus, out.JobCreationDate, out.JobCompletionDate = ptr(j.Status), ptr(j.Created), ptr(j.Created)
		out.IsTruncated, out.Marker = p.truncated, p.marker
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// GenerateOrganizationsAccessReport starts an Organizations access report.
// hakoniwa has no AWS Organizations, so the job fails the way AWS's does
// for an account outside an organization.
func (s *Service) GenerateOrganizationsAccessReport(ctx context.Context, in *iamapi.GenerateOrganizationsAccessReportInput) (*iamapi.GenerateOrganizationsAccessReportOutput, error) {
	if deref(in.EntityPath) == "" {
		return nil, validationError("1 validation error detected: Value at 'entityPath' failed to satisfy constraint: Member must not be null")
	}
	j := &accessJob{
		ID: s.ids.UUID(), Created: s.now(), Status: "FAILED",
		ErrCode: "AWSOrganizationsNotInUseException", ErrMessage: "Your account is not a member of an organization.",
	}
	err := s.update(ctx, func(a *acct) error { return putJSON(a, kindAccessJob, j.ID, j) })
	if err != nil {
		return nil, err
	}
	return &iamapi.GenerateOrganizationsAccessReportOutput{JobId: &j.ID}, nil
}

// GetOrganizationsAccessReport returns an Organizations access report.
func (s *Service) GetOrganizationsAccessReport(ctx context.Context, in *iamapi.GetOrganizationsAccessReportInput) (*iamapi.GetOrganizationsAccessReportOutput, error) {
	var out *iamapi.GetOrganizationsAccessReportOutput
	err := s.view(ctx, func(a *acct) error {
		j, err := a.accessJob(deref(in.JobId))
		if err != nil {
			return err
		}
		if j.Type != "" {
			return jobNotFound(j.ID)
		}
		out = &iamapi.GetOrganizationsAccessReportOutput{
			JobStatus: ptr(j.Status), JobCreationDate: ptr(j.Created), JobCompletionDate: ptr(j.Created),
			IsTruncated: ptr(false), ErrorDetails: &iamapi.ErrorDetails{Code: ptr(j.ErrCode), Message: ptr(j.ErrMessage)},
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ListPoliciesGrantingServiceAccess lists, per service namespace, the
// policies of a user (and its groups), group or role that allow any of
// the service's actions.
func (s *Service) ListPoliciesGrantingServiceAccess(ctx context.Context, in *iamapi.ListPoliciesGrantingServiceAccessInput) (*iamapi.ListPoliciesGrantingServiceAccessOutput, error) {
	if in.Marker != nil {
		// Every answer fits one page.
		return nil, validationError("Invalid Marker.")
	}
	out := &iamapi.ListPoliciesGrantingServiceAccessOutput{PoliciesGrantingServiceAccess: []iamapi.ListPoliciesGrantingServiceAccessEntry{}, IsTruncated: ptr(false)}
	err := s.view(ctx, func(a *acct) error {
		holders, err := a.holdersOf(deref(in.Arn))
		if err != nil {
			return err
		}
		for _, ns := range in.ServiceNamespaces {
			entry := iamapi.ListPoliciesGrantingServiceAccessEntry{ServiceNamespace: ptr(ns), Policies: []iamapi.PolicyGrantingServiceAccess{}}
			for _, h := range holders {
				docs, err := a.holderDocuments(h.policyHolder)
				if err != nil {
					return err
				}
				for _, d := range docs {
					if !grantsService(d.doc, strings.ToLower(ns)) {
						continue
					}
					g := iamapi.PolicyGrantingServiceAccess{PolicyName: ptr(d.name)}
					if d.arn == "" {
						g.PolicyType, g.EntityType, g.EntityName = ptr("INLINE"), ptr(h.kind), ptr(h.name)
					} else {
						g.PolicyType, g.PolicyArn = ptr("MANAGED"), ptr(d.arn)
					}
					entry.Policies = append(entry.Policies, g)
				}
			}
			out.PoliciesGrantingServiceAccess = append(out.PoliciesGrantingServiceAccess, entry)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
