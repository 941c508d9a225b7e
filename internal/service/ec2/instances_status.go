package ec2

import (
	"context"
	"errors"
	"net/http"
	"time"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/store"

	ec2api "hakoniwa/internal/api/ec2"
)

// statusOf is an instance's status checks: passed once it runs (a local
// instance never fails them), not applicable otherwise.
func statusOf(r *instanceRec, now time.Time) string {
	if r.state(now) == instRunning {
		return "ok"
	}
	return "not-applicable"
}

func statusSummary(status string) *ec2api.InstanceStatusSummary {
	reach := "passed"
	if status != "ok" {
		reach = "not-applicable"
	}
	return &ec2api.InstanceStatusSummary{Status: ptr(status), Details: []ec2api.InstanceStatusDetails{{Name: ptr("reachability"), Status: ptr(reach)}}}
}

// DescribeInstanceStatus reports running instances' status checks; with
// IncludeAllInstances, every instance's.
func (s *Service) DescribeInstanceStatus(ctx context.Context, in *ec2api.DescribeInstanceStatusInput) (*ec2api.DescribeInstanceStatusOutput, error) {
	// Status filters go with the instance filters AWS shares here.
	reach := func(r *instanceRec, now time.Time) []string {
		if statusOf(r, now) == "ok" {
			return one("passed")
		}
		return one("not-applicable")
	}
	extra := func(v *instView) []filter[*instanceRec] {
		now := v.now
		var fs []filter[*instanceRec]
		if !isTrue(in.IncludeAllInstances) {
			fs = append(fs, filter[*instanceRec]{name: "(running)", patterns: []string{instRunning},
				values: func(r *instanceRec) []string { return one(r.state(now)) }})
		}
		return fs
	}
	statusFilters := filterDefs[*instanceRec]{}
	var own, shared []ec2api.Filter
	for _, f := range in.Filters {
		switch deref(f.Name) {
		case "instance-status.status", "system-status.status", "instance-status.reachability", "system-status.reachability", "event.code", "event.description":
			own = append(own, f)
		default:
			shared = append(shared, f)
		}
	}
	out := &ec2api.DescribeInstanceStatusOutput{InstanceStatuses: []ec2api.InstanceStatus{}}
	next, err := s.describeInstances(ctx, in.DryRun, in.InstanceIds, shared, in.MaxResults, in.NextToken, func(v *instView) []filter[*instanceRec] {
		now := v.now
		statusFilters["instance-status.status"] = func(r *instanceRec) []string { return one(statusOf(r, now)) }
		statusFilters["system-status.status"] = statusFilters["instance-status.status"]
		statusFilters["instance-status.reachability"] = func(r *instanceRec) []string { return reach(r, now) }
		statusFilters["system-status.reachability"] = statusFilters["instance-status.reachability"]
		statusFilters["event.code"] = func(*instanceRec) []string { return nil }
		statusFilters["event.description"] = statusFilters["event.code"]
		fs, err := statusFilters.compile(own)
		v.fail(err)
		return append(extra(v), fs...)
	}, func(v *instView, items []*instanceRec) {
		for _, r := range items {
			st := statusOf(r, v.now)
			out.InstanceStatuses = append(out.InstanceStatuses, ec2api.InstanceStatus{InstanceId: ptr(r.ID), AvailabilityZone: ptr(r.Zone),
				AvailabilityZoneId: ptr(r.ZoneID), InstanceState: r.apiState(v.now), InstanceStatus: statusSummary(st), SystemStatus: statusSummary(st),
				Events: []ec2api.InstanceStatusEvent{}, Operator: &ec2api.OperatorResponse{Managed: ptr(false)}})
		}
	})
	if err != nil {
		return nil, err
	}
	if next != "" {
		out.NextToken = &next
	}
	return out, nil
}

// IAM instance profile associations.

func assocNotFoundIIP(id string) error {
	return errf(http.StatusBadRequest, "InvalidAssociationID.NotFound", "An association with ID %s does not exist.", id)
}

func (r *instanceRec) assocAPI(state string, at time.Time) *ec2api.IamInstanceProfileAssociation {
	return &ec2api.IamInstanceProfileAssociation{AssociationId: ptr(r.Profile.AssocID), InstanceId: ptr(r.ID), State: ptr(state),
		IamInstanceProfile: &ec2api.IamInstanceProfile{Arn: ptr(r.Profile.ARN), Id: ptr(r.Profile.ID)}, Timestamp: ptr(at)}
}

// profileRequest resolves the profile an association asks for, as the
// new association it makes.
func (s *Service) profileRequest(ctx context.Context, spec *ec2api.IamInstanceProfileSpecification) (*instProfile, error) {
	if spec == nil {
		return nil, missingParam("IamInstanceProfile")
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	p, err := s.findProfile(ctx, sc, deref(spec.Arn), deref(spec.Name))
	if err != nil {
		return nil, err
	}
	return newAssociation(p, s.ids.Resource("iip-assoc")), nil
}

func newAssociation(p InstanceProfile, assocID string) *instProfile {
	return &instProfile{ARN: p.ARN, ID: p.ID, AssocID: assocID, RoleARN: p.RoleARN, RoleName: p.RoleName, State: "associated"}
}

// AssociateIamInstanceProfile gives an instance without one a profile.
func (s *Service) AssociateIamInstanceProfile(ctx context.Context, in *ec2api.AssociateIamInstanceProfileInput) (*ec2api.AssociateIamInstanceProfileOutput, error) {
	prof, err := s.profileRequest(ctx, in.IamInstanceProfile)
	if err != nil {
		return nil, err
	}
	var out *ec2api.IamInstanceProfileAssociation
	err = s.changeInstance(ctx, nil, deref(in.InstanceId), func(_ store.Tx, _ scope, r *instanceRec, now time.Time) error {
		if st := r.state(now); st == instTerminated || st == instShuttingDown {
			return incorrectState(r.ID, "associated")
		}
		if r.Profile != nil && r.Profile.State == "associated" {
			return errf(http.StatusBadRequest, "IncorrectState", "There is an existing association for instance %s", r.ID)
		}
		r.Profile = prof
		out = r.assocAPI("associating", now)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.AssociateIamInstanceProfileOutput{IamInstanceProfileAssociation: out}, nil
}

// changeAssociation runs fn on the instance holding association id.
func (s *Service) changeAssociation(ctx context.Context, id string, fn func(r *instanceRec, now time.Time)) error {
	if id == "" {
		return missingParam("AssociationId")
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return err
	}
	now := s.clock.Now()
	return s.st.Update(ctx, func(tx store.Tx) error {
		r, err := instanceByAssociation(tx, sc, id)
		if err != nil {
			return err
		}
		fn(r, now)
		return putInstance(tx, sc, r)
	})
}

func instanceByAssociation(tx store.Tx, sc scope, id string) (*instanceRec, error) {
	rs, err := instances.by(tx, sc, "iam-instance-profile.association-id", id)
	if err != nil {
		return nil, err
	}
	for _, r := range rs {
		if r.Profile != nil && r.Profile.AssocID == id && r.Profile.State == "associated" {
			return r, nil
		}
	}
	return nil, assocNotFoundIIP(id)
}

// ReplaceIamInstanceProfileAssociation swaps the profile of an
// association, which gets a new id.
func (s *Service) ReplaceIamInstanceProfileAssociation(ctx context.Context, in *ec2api.ReplaceIamInstanceProfileAssociationInput) (*ec2api.ReplaceIamInstanceProfileAssociationOutput, error) {
	prof, err := s.profileRequest(ctx, in.IamInstanceProfile)
	if err != nil {
		return nil, err
	}
	var out *ec2api.IamInstanceProfileAssociation
	err = s.changeAssociation(ctx, deref(in.AssociationId), func(r *instanceRec, now time.Time) {
		r.Profile = prof
		out = r.assocAPI("associating", now)
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.ReplaceIamInstanceProfileAssociationOutput{IamInstanceProfileAssociation: out}, nil
}

// DisassociateIamInstanceProfile takes an instance's profile away.
func (s *Service) DisassociateIamInstanceProfile(ctx context.Context, in *ec2api.DisassociateIamInstanceProfileInput) (*ec2api.DisassociateIamInstanceProfileOutput, error) {
	var out *ec2api.IamInstanceProfileAssociation
	err := s.changeAssociation(ctx, deref(in.AssociationId), func(r *instanceRec, now time.Time) {
		out = r.assocAPI("disassociating", now)
		r.Profile = nil
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.DisassociateIamInstanceProfileOutput{IamInstanceProfileAssociation: out}, nil
}

// DescribeIamInstanceProfileAssociations lists the associations of
// instances that are not terminated.
func (s *Service) DescribeIamInstanceProfileAssociations(ctx context.Context, in *ec2api.DescribeIamInstanceProfileAssociationsInput) (*ec2api.DescribeIamInstanceProfileAssociationsOutput, error) {
	pg, err := parsePage(in.MaxResults, in.NextToken, len(in.AssociationIds) > 0, "associationIds", describeLimits)
	if err != nil {
		return nil, err
	}
	defs := filterDefs[*instanceRec]{
		"instance-id": func(r *instanceRec) []string { return one(r.ID) },
		"state":       func(r *instanceRec) []string { return one("associated") },
	}
	fs, err := defs.compile(in.Filters)
	if err != nil {
		return nil, err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	fs = append(fs, filter[*instanceRec]{name: "(associated)", patterns: []string{"true"}, values: func(r *instanceRec) []string {
		return boolValue(r.Profile != nil && r.Profile.State == "associated" && r.state(now) != instTerminated)
	}})
	out := &ec2api.DescribeIamInstanceProfileAssociationsOutput{IamInstanceProfileAssociations: []ec2api.IamInstanceProfileAssociation{}}
	err = s.st.View(ctx, func(tx store.Tx) error {
		var items []*instanceRec
		if len(in.AssociationIds) > 0 {
			for _, id := range in.AssociationIds {
				r, err := instanceByAssociation(tx, sc, id)
				if err != nil {
					return err
				}
				if matchAll(r, fs) {
					items = append(items, r)
				}
			}
		} else {
			var next string
			var err error
			items, next, err = describe(tx, sc, instances, kindInstance, query[*instanceRec]{filters: fs, page: pg})
			if err != nil {
				return err
			}
			if next != "" {
				out.NextToken = &next
			}
		}
		for _, r := range items {
			out.IamInstanceProfileAssociations = append(out.IamInstanceProfileAssociations, *r.assocAPI("associated", r.Launched))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Credit specifications of burstable instances.

// DescribeInstanceCreditSpecifications lists the credit option of
// burstable instances.
func (s *Service) DescribeInstanceCreditSpecifications(ctx context.Context, in *ec2api.DescribeInstanceCreditSpecificationsInput) (*ec2api.DescribeInstanceCreditSpecificationsOutput, error) {
	out := &ec2api.DescribeInstanceCreditSpecificationsOutput{InstanceCreditSpecifications: []ec2api.InstanceCreditSpecification{}}
	burstable := func(v *instView) []filter[*instanceRec] {
		return []filter[*instanceRec]{{name: "(burstable)", patterns: []string{"true"}, values: func(r *instanceRec) []string {
			return boolValue(r.Credits != "" && r.state(v.now) != instTerminated)
		}}}
	}
	next, err := s.describeInstances(ctx, in.DryRun, in.InstanceIds, in.Filters, in.MaxResults, in.NextToken, burstable, func(_ *instView, items []*instanceRec) {
		for _, r := range items {
			out.InstanceCreditSpecifications = append(out.InstanceCreditSpecifications, ec2api.InstanceCreditSpecification{InstanceId: ptr(r.ID), CpuCredits: ptr(r.Credits)})
		}
	})
	if err != nil {
		return nil, err
	}
	if next != "" {
		out.NextToken = &next
	}
	return out, nil
}

// ModifyInstanceCreditSpecification sets the credit option of burstable
// instances; each instance succeeds or fails on its own, as AWS reports.
func (s *Service) ModifyInstanceCreditSpecification(ctx context.Context, in *ec2api.ModifyInstanceCreditSpecificationInput) (*ec2api.ModifyInstanceCreditSpecificationOutput, error) {
	if len(in.InstanceCreditSpecifications) == 0 {
		return nil, missingParam("InstanceCreditSpecification")
	}
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	out := &ec2api.ModifyInstanceCreditSpecificationOutput{SuccessfulInstanceCreditSpecifications: []ec2api.SuccessfulInstanceCreditSpecificationItem{},
		UnsuccessfulInstanceCreditSpecifications: []ec2api.UnsuccessfulInstanceCreditSpecificationItem{}}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		out.SuccessfulInstanceCreditSpecifications = out.SuccessfulInstanceCreditSpecifications[:0]
		out.UnsuccessfulInstanceCreditSpecifications = out.UnsuccessfulInstanceCreditSpecifications[:0]
		for _, spec := range in.InstanceCreditSpecifications {
			id, credits := deref(spec.InstanceId), deref(spec.CpuCredits)
			fail := func(code, msg string) {
				out.UnsuccessfulInstanceCreditSpecifications = append(out.UnsuccessfulInstanceCreditSpecifications, ec2api.UnsuccessfulInstanceCreditSpecificationItem{
					InstanceId: ptr(id), Error: &ec2api.UnsuccessfulInstanceCreditSpecificationItemError{Code: ptr(code), Message: ptr(msg)}})
			}
			r, err := getInstance(tx, sc, id, now)
			var aerr *awserr.Error
			switch {
			case errors.As(err, &aerr):
				fail(aerr.Code, aerr.Message)
				continue
			case err != nil:
				return err
			case credits != "standard" && credits != "unlimited":
				fail("InvalidParameterValue", "The specified CPU credit option is not valid. Valid values: standard, unlimited")
				continue
			case r.Credits == "" || r.state(now) == instTerminated:
				fail("IncorrectInstanceState", "The instance '"+id+"' does not support CPU credits")
				continue
			}
			r.Credits = credits
			if err := putInstance(tx, sc, r); err != nil {
				return err
			}
			out.SuccessfulInstanceCreditSpecifications = append(out.SuccessfulInstanceCreditSpecifications, ec2api.SuccessfulInstanceCreditSpecificationItem{InstanceId: ptr(id)})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
