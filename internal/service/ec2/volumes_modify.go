package ec2

import (
	"context"
	"net/http"
	"slices"
	"time"

	"hakoniwa/internal/store"

	ec2api "hakoniwa/internal/api/ec2"
)

// A modification is modifying, then optimizing, then completed. The
// volume takes its new size and performance at once, as AWS reports them
// from the start of the modification.
const (
	modModifyingFor  = 2 * time.Second
	modOptimizingFor = 2 * time.Second
	// AWS allows four modifications of a volume in any 24 hours, each
	// once the one before has completed.
	modsPerWindow = 4
	modWindow     = 24 * time.Hour
)

type volumeMod struct {
	Start  time.Time  `json:"start"`
	Orig   volumeSpec `json:"orig"`
	Target volumeSpec `json:"target"`
}

func (m *volumeMod) end() time.Time { return m.Start.Add(modModifyingFor + modOptimizingFor) }

func (m *volumeMod) state(now time.Time) string {
	switch {
	case now.Before(m.Start.Add(modModifyingFor)):
		return "modifying"
	case now.Before(m.end()):
		return "optimizing"
	}
	return "completed"
}

func (m *volumeMod) progress(now time.Time) int64 {
	if !now.Before(m.end()) {
		return 100
	}
	return min(int64(now.Sub(m.Start)*100/m.end().Sub(m.Start)), 99)
}

func (v *volumeRec) modAPI(now time.Time) ec2api.VolumeModification {
	m := v.Mod
	out := ec2api.VolumeModification{VolumeId: ptr(v.ID), ModificationState: ptr(m.state(now)), StartTime: ptr(m.Start),
		Progress:     ptr(m.progress(now)),
		OriginalSize: ptr(m.Orig.Size), OriginalVolumeType: ptr(m.Orig.Type), OriginalMultiAttachEnabled: ptr(m.Orig.Multi),
		TargetSize: ptr(m.Target.Size), TargetVolumeType: ptr(m.Target.Type), TargetMultiAttachEnabled: ptr(m.Target.Multi)}
	if m.Orig.Iops > 0 {
		out.OriginalIops = ptr(m.Orig.Iops)
	}
	if m.Target.Iops > 0 {
		out.TargetIops = ptr(m.Target.Iops)
	}
	if m.Orig.Throughput > 0 {
		out.OriginalThroughput = ptr(m.Orig.Throughput)
	}
	if m.Target.Throughput > 0 {
		out.TargetThroughput = ptr(m.Target.Throughput)
	}
	if m.state(now) == "completed" {
		out.EndTime = ptr(m.end())
	}
	return out
}

func (v *volumeRec) spec() volumeSpec {
	return volumeSpec{Type: v.Type, Size: v.Size, Iops: v.Iops, Throughput: v.Throughput, Multi: v.MultiAttach}
}

// modifiedSpec is what ModifyVolume asks v to become. Performance the
// request leaves out is kept while the type stays, and becomes the new
// type's default when it changes.
func modifiedSpec(v *volumeRec, in *ec2api.ModifyVolumeInput) (volumeSpec, error) {
	t := v.spec()
	iopsGiven, throughputGiven := in.Iops != nil, in.Throughput != nil
	if in.VolumeType != nil && *in.VolumeType != v.Type {
		t.Type, t.Iops, t.Throughput = *in.VolumeType, 0, 0
	} else {
		iopsGiven = iopsGiven || provisioned(v.Type)
		throughputGiven = throughputGiven || v.Type == "gp3"
	}
	if in.Size != nil {
		if *in.Size < v.Size {
			return t, invalidParam("New size cannot be smaller than existing size")
		}
		t.Size = *in.Size
	}
	if in.Iops != nil {
		t.Iops = *in.Iops
	}
	if in.Throughput != nil {
		t.Throughput = *in.Throughput
	}
	if in.MultiAttachEnabled != nil {
		t.Multi = *in.MultiAttachEnabled
	}
	if err := t.check(iopsGiven, throughputGiven); err != nil {
		return t, err
	}
	if t == v.spec() {
		return t, invalidCombination("The volume %s already has the requested configuration.", v.ID)
	}
	return t, nil
}

// ModifyVolume changes a volume's size (only upwards), type, IOPS,
// throughput or Multi-Attach, one modification at a time.
func (s *Service) ModifyVolume(ctx context.Context, in *ec2api.ModifyVolumeInput) (*ec2api.ModifyVolumeOutput, error) {
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now().UTC()
	var v *volumeRec
	err = s.st.Update(ctx, func(tx store.Tx) error {
		var err error
		if v, err = getVolume(tx, sc, deref(in.VolumeId), now); err != nil {
			return err
		}
		if st := v.state(now); st != "available" && st != "in-use" {
			return errf(http.StatusBadRequest, "IncorrectState", "The volume '%s' is '%s'", v.ID, st)
		}
		if v.Mod != nil && v.Mod.state(now) != "completed" {
			return errf(http.StatusBadRequest, "IncorrectModificationState", "Volume %s is in the '%s' modification state and cannot be modified again yet.", v.ID, v.Mod.state(now))
		}
		v.ModStarts = slices.DeleteFunc(v.ModStarts, func(t time.Time) bool { return !now.Before(t.Add(modWindow)) })
		if len(v.ModStarts) >= modsPerWindow {
			return errf(http.StatusBadRequest, "VolumeModificationRateExceeded", "You've reached the maximum modification rate per volume limit. A volume can be modified %d times in %s.", modsPerWindow, "24 hours")
		}
		t, err := modifiedSpec(v, in)
		if err != nil {
			return err
		}
		if err := s.checkStorage(tx, sc, t.Type, t.Size, v.ID, now); err != nil {
			return err
		}
		if t.Multi != v.MultiAttach && len(v.live(now)) > 0 {
			return errf(http.StatusBadRequest, "IncorrectState", "Multi-Attach can be changed only on a volume that is not attached.")
		}
		if err := dryRun(in.DryRun); err != nil {
			return err
		}
		v.Mod = &volumeMod{Start: now, Orig: v.spec(), Target: t}
		v.ModStarts = append(v.ModStarts, now)
		v.Type, v.Size, v.Iops, v.Throughput, v.MultiAttach = t.Type, t.Size, t.Iops, t.Throughput, t.Multi
		return volumes.put(tx, sc, v)
	})
	if err != nil {
		return nil, err
	}
	m := v.modAPI(now)
	return &ec2api.ModifyVolumeOutput{VolumeModification: &m}, nil
}

func modificationFilters(now time.Time) filterDefs[*volumeRec] {
	mod := func(f func(*volumeMod) string) func(*volumeRec) []string {
		return func(v *volumeRec) []string {
			if v.Mod == nil {
				return nil
			}
			return one(f(v.Mod))
		}
	}
	return filterDefs[*volumeRec]{
		"volume-id":                     func(v *volumeRec) []string { return one(v.ID) },
		"modification-state":            mod(func(m *volumeMod) string { return m.state(now) }),
		"start-time":                    mod(func(m *volumeMod) string { return m.Start.Format(time.RFC3339) }),
		"original-size":                 mod(func(m *volumeMod) string { return itoa(m.Orig.Size) }),
		"original-iops":                 mod(func(m *volumeMod) string { return itoa(m.Orig.Iops) }),
		"original-throughput":           mod(func(m *volumeMod) string { return itoa(m.Orig.Throughput) }),
		"original-volume-type":          mod(func(m *volumeMod) string { return m.Orig.Type }),
		"original-multi-attach-enabled": mod(func(m *volumeMod) string { return boolString(m.Orig.Multi) }),
		"target-size":                   mod(func(m *volumeMod) string { return itoa(m.Target.Size) }),
		"target-iops":                   mod(func(m *volumeMod) string { return itoa(m.Target.Iops) }),
		"target-throughput":             mod(func(m *volumeMod) string { return itoa(m.Target.Throughput) }),
		"target-volume-type":            mod(func(m *volumeMod) string { return m.Target.Type }),
		"target-multi-attach-enabled":   mod(func(m *volumeMod) string { return boolString(m.Target.Multi) }),
	}
}

func boolString(b bool) string { return boolValue(b)[0] }

// DescribeVolumesModifications reports the latest modification of each
// volume that has one.
func (s *Service) DescribeVolumesModifications(ctx context.Context, in *ec2api.DescribeVolumesModificationsInput) (*ec2api.DescribeVolumesModificationsOutput, error) {
	now := s.clock.Now()
	var modified []filter[*volumeRec]
	if len(in.VolumeIds) == 0 {
		// Without ids, the volumes never modified are left out; with
		// them, each must have a modification (checked below).
		modified = append(modified, filter[*volumeRec]{name: "(modified)", patterns: []string{"true"},
			values: func(v *volumeRec) []string { return boolValue(v.Mod != nil) }})
	}
	items, next, err := s.describeVolumes(ctx, in.DryRun, in.VolumeIds, in.Filters, in.MaxResults, in.NextToken, modificationFilters(now), modified...)
	if err != nil {
		return nil, err
	}
	out := &ec2api.DescribeVolumesModificationsOutput{VolumesModifications: make([]ec2api.VolumeModification, 0, len(items))}
	for _, v := range items {
		if v.Mod == nil {
			return nil, errf(http.StatusBadRequest, "InvalidVolumeModification.NotFound", "Modification for volume '%s' does not exist.", v.ID)
		}
		out.VolumesModifications = append(out.VolumesModifications, v.modAPI(now))
	}
	if next != "" {
		out.NextToken = &next
	}
	return out, nil
}

// volumeStatus is a volume's health: always good here, once created.
func (v *volumeRec) status(now time.Time) (string, []ec2api.VolumeStatusDetails) {
	st := "ok"
	if v.state(now) == "creating" {
		st = "insufficient-data"
	}
	perf := "not-applicable"
	if v.Type == "io1" || v.Type == "io2" {
		perf = "normal"
	}
	io := "passed"
	if st != "ok" {
		io = "insufficient-data"
	}
	return st, []ec2api.VolumeStatusDetails{{Name: ptr("io-enabled"), Status: ptr(io)}, {Name: ptr("io-performance"), Status: ptr(perf)}}
}

func volumeStatusFilters(now time.Time) filterDefs[*volumeRec] {
	none := func(*volumeRec) []string { return nil } // no events or actions
	defs := filterDefs[*volumeRec]{
		"availability-zone":    func(v *volumeRec) []string { return one(v.Zone) },
		"volume-status.status": func(v *volumeRec) []string { st, _ := v.status(now); return one(st) },
		"volume-status.details-name": func(v *volumeRec) []string {
			return []string{"io-enabled", "io-performance"}
		},
		"volume-status.details-status": func(v *volumeRec) []string {
			_, d := v.status(now)
			return []string{*d[0].Status, *d[1].Status}
		},
	}
	for _, n := range []string{"action.code", "action.description", "action.event-id", "event.description", "event.event-id", "event.event-type", "event.not-after", "event.not-before"} {
		defs[n] = none
	}
	return defs
}

// DescribeVolumeStatus reports each volume's status checks.
func (s *Service) DescribeVolumeStatus(ctx context.Context, in *ec2api.DescribeVolumeStatusInput) (*ec2api.DescribeVolumeStatusOutput, error) {
	now := s.clock.Now()
	items, next, err := s.describeVolumes(ctx, in.DryRun, in.VolumeIds, in.Filters, in.MaxResults, in.NextToken, volumeStatusFilters(now))
	if err != nil {
		return nil, err
	}
	out := &ec2api.DescribeVolumeStatusOutput{VolumeStatuses: make([]ec2api.VolumeStatusItem, 0, len(items))}
	for _, v := range items {
		st, details := v.status(now)
		item := ec2api.VolumeStatusItem{VolumeId: ptr(v.ID), AvailabilityZone: ptr(v.Zone), AvailabilityZoneId: ptr(v.ZoneID),
			VolumeStatus: &ec2api.VolumeStatusInfo{Status: ptr(st), Details: details},
			Events:       []ec2api.VolumeStatusEvent{}, Actions: []ec2api.VolumeStatusAction{}}
		if v.Type == "io1" || v.Type == "io2" {
			for _, a := range v.live(now) {
				item.AttachmentStatuses = append(item.AttachmentStatuses, ec2api.VolumeStatusAttachmentStatus{InstanceId: ptr(a.Instance), IoPerformance: ptr("normal")})
			}
		}
		out.VolumeStatuses = append(out.VolumeStatuses, item)
	}
	if next != "" {
		out.NextToken = &next
	}
	return out, nil
}

// DescribeVolumeAttribute reports autoEnableIO or the (empty) product
// codes of a volume.
func (s *Service) DescribeVolumeAttribute(ctx context.Context, in *ec2api.DescribeVolumeAttributeInput) (*ec2api.DescribeVolumeAttributeOutput, error) {
	attr := deref(in.Attribute)
	if attr != "autoEnableIO" && attr != "productCodes" {
		return nil, invalidParam("Value (%s) for parameter attribute is invalid. Valid values: autoEnableIO, productCodes", attr)
	}
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	var v *volumeRec
	err = s.st.View(ctx, func(tx store.Tx) error {
		var err error
		v, err = getVolume(tx, sc, deref(in.VolumeId), now)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := &ec2api.DescribeVolumeAttributeOutput{VolumeId: ptr(v.ID)}
	if attr == "autoEnableIO" {
		out.AutoEnableIO = &ec2api.AttributeBooleanValue{Value: ptr(v.AutoEnableIO)}
	} else {
		out.ProductCodes = []ec2api.ProductCode{}
	}
	return out, nil
}

// ModifyVolumeAttribute sets autoEnableIO.
func (s *Service) ModifyVolumeAttribute(ctx context.Context, in *ec2api.ModifyVolumeAttributeInput) (*ec2api.ModifyVolumeAttributeOutput, error) {
	if in.AutoEnableIO == nil || in.AutoEnableIO.Value == nil {
		return nil, missingParam("autoEnableIO")
	}
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	return &ec2api.ModifyVolumeAttributeOutput{}, s.st.Update(ctx, func(tx store.Tx) error {
		v, err := getVolume(tx, sc, deref(in.VolumeId), now)
		if err != nil {
			return err
		}
		v.AutoEnableIO = *in.AutoEnableIO.Value
		return volumes.put(tx, sc, v)
	})
}
