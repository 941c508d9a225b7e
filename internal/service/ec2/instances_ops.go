package ec2

import (
	"context"
	"net/http"
	"time"

	"hakoniwa/internal/store"

	ec2api "hakoniwa/internal/api/ec2"
)

// describeInstances runs one Describe over instances, terminated ones for
// an hour after they went.
func (s *Service) describeInstances(ctx context.Context, dry *bool, ids []string, fin []ec2api.Filter, maxResults *int64, token *string,
	extra func(*instView) []filter[*instanceRec], render func(*instView, []*instanceRec)) (string, error) {
	if err := dryRun(dry); err != nil {
		return "", err
	}
	pg, err := parsePage(maxResults, token, len(ids) > 0, "instanceIds", describeLimits)
	if err != nil {
		return "", err
	}
	if err := checkIDs(kindInstance, ids); err != nil {
		return "", err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return "", err
	}
	now := s.clock.Now()
	var next string
	err = s.st.View(ctx, func(tx store.Tx) error {
		v := s.newInstView(tx, sc, now)
		fs, err := v.filters().compile(fin)
		if err != nil {
			return err
		}
		if extra != nil {
			fs = append(fs, extra(v)...)
		}
		for _, id := range ids {
			if r, err := instances.get(tx, sc, id); err == nil && !r.visible(now) {
				return kindInstance.notFound(id)
			}
		}
		fs = append(fs, filter[*instanceRec]{name: "(visible)", patterns: []string{"true"},
			values: func(r *instanceRec) []string { return boolValue(r.visible(now)) }})
		q := query[*instanceRec]{ids: ids, filters: fs, page: pg}
		describeFn := describe[instanceRec, *instanceRec]
		if len(ids) == 0 && !indexedLiteral(fs) {
			describeFn = scanInstances
		}
		items, n, err := describeFn(tx, sc, instances, kindInstance, q)
		if err != nil {
			return err
		}
		next = n
		render(v, items)
		return v.err
	})
	return next, err
}

// DescribeInstances lists instances grouped by reservation, in the order
// their first instance comes.
func (s *Service) DescribeInstances(ctx context.Context, in *ec2api.DescribeInstancesInput) (*ec2api.DescribeInstancesOutput, error) {
	out := &ec2api.DescribeInstancesOutput{Reservations: []ec2api.Reservation{}}
	next, err := s.describeInstances(ctx, in.DryRun, in.InstanceIds, in.Filters, in.MaxResults, in.NextToken, nil, func(v *instView, items []*instanceRec) {
		at := map[string]int{}
		for _, r := range items {
			i, ok := at[r.Reservation]
			if !ok {
				i = len(out.Reservations)
				at[r.Reservation] = i
				out.Reservations = append(out.Reservations, ec2api.Reservation{ReservationId: ptr(r.Reservation), OwnerId: ptr(r.Owner),
					Groups: []ec2api.GroupIdentifier{}})
			}
			out.Reservations[i].Instances = append(out.Reservations[i].Instances, v.api(r))
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

// changeStates applies tr to every instance named, all or none, and
// answers with each one's previous and current state.
func (s *Service) changeStates(ctx context.Context, dry *bool, ids []string, tr func(tx store.Tx, sc scope, r *instanceRec, now time.Time) error) ([]ec2api.InstanceStateChange, error) {
	if len(ids) == 0 {
		return nil, missingParam("InstanceId")
	}
	if err := checkIDs(kindInstance, ids); err != nil {
		return nil, err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	var out []ec2api.InstanceStateChange
	err = s.st.Update(ctx, func(tx store.Tx) error {
		out = out[:0]
		var missing []string
		recs := make([]*instanceRec, 0, len(ids))
		for _, id := range ids {
			r, err := instances.get(tx, sc, id)
			if isNotFound(err) || (err == nil && !r.visible(now)) {
				missing = append(missing, id)
				continue
			}
			if err != nil {
				return err
			}
			recs = append(recs, r)
		}
		if len(missing) > 0 {
			return kindInstance.notFound(missing...)
		}
		if err := dryRun(dry); err != nil {
			return err
		}
		for _, r := range recs {
			prev := r.apiState(now)
			if err := tr(tx, sc, r, now); err != nil {
				return err
			}
			out = append(out, ec2api.InstanceStateChange{InstanceId: ptr(r.ID), PreviousState: prev, CurrentState: r.apiState(now)})
		}
		return nil
	})
	return out, err
}

// StartInstances starts stopped instances; a pending or running one is
// left as it is.
func (s *Service) StartInstances(ctx context.Context, in *ec2api.StartInstancesInput) (*ec2api.StartInstancesOutput, error) {
	changes, err := s.changeStates(ctx, in.DryRun, in.InstanceIds, func(tx store.Tx, sc scope, r *instanceRec, now time.Time) error {
		switch r.state(now) {
		case instPending, instRunning:
			return nil
		case instStopped:
		default:
			return incorrectState(r.ID, "started")
		}
		if err := s.checkStartQuota(tx, sc, r, now); err != nil {
			return err
		}
		r.Phase, r.Since, r.Launched, r.Reason, r.ReasonCode = phaseStart, now, now, "", ""
		eip, err := primaryHasEIP(tx, sc, r)
		if err != nil {
			return err
		}
		if r.AssignPublic && r.PublicIP == "" && !eip {
			ip, err := takeAddress(tx, sc.region, r.ID, "")
			if err != nil {
				return err
			}
			r.PublicIP = ip
		}
		return putInstance(tx, sc, r)
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.StartInstancesOutput{StartingInstances: changes}, nil
}

// checkStartQuota refuses a start the running vCPU quota has no room for.
func (s *Service) checkStartQuota(tx store.Tx, sc scope, r *instanceRec, now time.Time) error {
	t, ok := lookupInstanceType(r.Type)
	if !ok {
		return nil
	}
	_, err := s.launchCount(tx, sc, &launch{itype: t, min: 1, max: 1}, now)
	return err
}

// StopInstances stops running instances. Stop protection refuses, and
// Hibernate only works for an instance launched with hibernation
// configured.
func (s *Service) StopInstances(ctx context.Context, in *ec2api.StopInstancesInput) (*ec2api.StopInstancesOutput, error) {
	changes, err := s.changeStates(ctx, in.DryRun, in.InstanceIds, func(tx store.Tx, sc scope, r *instanceRec, now time.Time) error {
		switch r.state(now) {
		case instStopping, instStopped:
			return nil
		case instRunning:
		case instPending:
			return errf(http.StatusBadRequest, "IncorrectInstanceState", "Instance '%s' cannot be stopped as it has never reached the 'running' state.", r.ID)
		default:
			return incorrectState(r.ID, "stopped")
		}
		if r.NoAPIStop {
			return errf(http.StatusBadRequest, "OperationNotPermitted", "The instance '%s' may not be stopped. Modify its 'disableApiStop' instance attribute and try again.", r.ID)
		}
		code := "Client.UserInitiatedShutdown"
		if isTrue(in.Hibernate) {
			if !r.Hibernation {
				return errf(http.StatusBadRequest, "UnsupportedHibernationConfiguration", "For hibernation, the instance '%s' must be launched with hibernation configured.", r.ID)
			}
			code = "Client.UserInitiatedHibernate"
		}
		r.Phase, r.Since, r.Reason, r.ReasonCode = phaseStop, now, transitionReason(now), code
		if r.PublicIP != "" {
			// AWS gives the launch-time public address back on stop and
			// draws a new one on start.
			if err := releaseAddress(tx, sc.region, r.PublicIP); err != nil {
				return err
			}
			r.PublicIP = ""
		}
		return putInstance(tx, sc, r)
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.StopInstancesOutput{StoppingInstances: changes}, nil
}

// RebootInstances reboots running instances: the state stays running.
func (s *Service) RebootInstances(ctx context.Context, in *ec2api.RebootInstancesInput) (*ec2api.RebootInstancesOutput, error) {
	_, err := s.changeStates(ctx, in.DryRun, in.InstanceIds, func(tx store.Tx, sc scope, r *instanceRec, now time.Time) error {
		switch r.state(now) {
		case instRunning, instPending:
			return nil
		}
		return incorrectState(r.ID, "rebooted")
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.RebootInstancesOutput{}, nil
}

// TerminateInstances terminates instances: termination protection
// refuses; the instance gives back its interfaces (those set to be deleted
// on termination are deleted, the others detached), its addresses and its
// instance profile association.
func (s *Service) TerminateInstances(ctx context.Context, in *ec2api.TerminateInstancesInput) (*ec2api.TerminateInstancesOutput, error) {
	changes, err := s.changeStates(ctx, in.DryRun, in.InstanceIds, func(tx store.Tx, sc scope, r *instanceRec, now time.Time) error {
		if r.Phase == phaseTerminate {
			return nil
		}
		if r.NoAPITermination {
			return errf(http.StatusBadRequest, "OperationNotPermitted", "The instance '%s' may not be terminated. Modify its 'disableApiTermination' instance attribute and try again.", r.ID)
		}
		if err := s.releaseInstance(tx, sc, r); err != nil {
			return err
		}
		if err := s.releaseVolumesTx(tx, sc, r.ID, now); err != nil {
			return err
		}
		r.Phase, r.Since, r.Gone, r.Reason, r.ReasonCode = phaseTerminate, now, true, transitionReason(now), "Client.UserInitiatedShutdown"
		return putInstance(tx, sc, r)
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.TerminateInstancesOutput{TerminatingInstances: changes}, nil
}

// releaseInstance gives back what a terminating instance holds.
func (s *Service) releaseInstance(tx store.Tx, sc scope, r *instanceRec) error {
	es, err := enis.by(tx, sc, "attachment.instance-id", r.ID)
	if err != nil {
		return err
	}
	for _, e := range es {
		// Elastic IPs mapped to the instance's addresses are
		// disassociated, not released, as AWS does.
		if err := releaseENIAddresses(tx, sc, e, nil); err != nil {
			return err
		}
		if e.DeleteOnTermination {
			if err := deleteENI(tx, sc, e); err != nil {
				return err
			}
			continue
		}
		e.eniAttachment = eniAttachment{}
		if err := saveENI(tx, sc, e); err != nil {
			return err
		}
	}
	if err := disassociateInstanceEIPs(tx, sc, r); err != nil {
		return err
	}
	if r.PublicIP != "" {
		if err := releaseAddress(tx, sc.region, r.PublicIP); err != nil {
			return err
		}
		r.PublicIP = ""
	}
	if r.Profile != nil {
		r.Profile.State = "disassociated"
	}
	return nil
}

// disassociateInstanceEIPs clears associations that name the instance
// but no longer match an interface address.
func disassociateInstanceEIPs(tx store.Tx, sc scope, r *instanceRec) error {
	as, err := addresses.by(tx, sc, "vpc-id", r.VpcID)
	if err != nil {
		return err
	}
	for _, a := range as {
		if a.Instance != r.ID {
			continue
		}
		a.AssocID, a.ENI, a.Instance, a.PrivateIP, a.VpcID = "", "", "", "", ""
		if err := addresses.put(tx, sc, a); err != nil {
			return err
		}
	}
	return nil
}
