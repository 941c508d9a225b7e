package ec2

import (
	"context"
	"slices"
	"strings"
	"time"

	"hakoniwa/internal/store"

	ec2api "hakoniwa/internal/api/ec2"
)

// attachedVolume is one volume of an instance, with its attachment there.
type attachedVolume struct {
	v *volumeRec
	a volumeAttachment
}

// instanceAttachments returns the volumes attached to an instance (not
// detaching), by device name.
func instanceAttachments(tx store.Tx, sc scope, instanceID string, now time.Time) ([]attachedVolume, error) {
	vs, err := instanceVolumes(tx, sc, instanceID)
	if err != nil {
		return nil, err
	}
	var out []attachedVolume
	for _, v := range vs {
		for _, a := range v.live(now) {
			if a.Instance == instanceID && a.state(now) != "detaching" {
				out = append(out, attachedVolume{v, a})
			}
		}
	}
	slices.SortFunc(out, func(x, y attachedVolume) int { return strings.Compare(x.a.Device, y.a.Device) })
	return out, nil
}

// newSnapshot is a pending snapshot of v, owned by sc's account.
func (s *Service) newSnapshot(sc scope, v *volumeRec, description string, tags map[string]string, now time.Time) *snapshotRec {
	return &snapshotRec{meta: meta{ID: s.ids.Resource("snap"), Tags: cloneTags(tags)}, Owner: sc.account, VolumeID: v.ID,
		VolumeSize: v.Size, Description: description, Encrypted: v.Encrypted, KmsKeyID: v.KmsKeyID, Started: now, Ready: now.Add(snapPendingFor)}
}

// CreateSnapshots takes crash-consistent snapshots of an instance's
// volumes at once, less the boot volume or the data volumes excluded;
// CopyTagsFromSource=volume gives each snapshot its volume's tags.
func (s *Service) CreateSnapshots(ctx context.Context, in *ec2api.CreateSnapshotsInput) (*ec2api.CreateSnapshotsOutput, error) {
	if in.OutpostArn != nil || (in.Location != nil && *in.Location != "regional") {
		return nil, invalidParam("Outposts and Local Zone snapshots are not available in this account.")
	}
	spec := in.InstanceSpecification
	if spec == nil || spec.InstanceId == nil {
		return nil, missingParam("InstanceSpecification.InstanceId")
	}
	if c := deref(in.CopyTagsFromSource); c != "" && c != "volume" {
		return nil, invalidParam("Value (%s) for parameter CopyTagsFromSource is invalid. Valid values: volume", c)
	}
	tags, err := s.specTags(in.TagSpecifications, kindSnapshot.resourceType)
	if err != nil {
		return nil, err
	}
	if err := checkIDs(kindVolume, spec.ExcludeDataVolumeIds); err != nil {
		return nil, err
	}
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now().UTC()
	var made []*snapshotRec
	err = s.st.Update(ctx, func(tx store.Tx) error {
		r, err := attachableInstance(tx, sc, *spec.InstanceId, now)
		if err != nil {
			return err
		}
		avs, err := instanceAttachments(tx, sc, r.ID, now)
		if err != nil {
			return err
		}
		avs = slices.DeleteFunc(avs, func(av attachedVolume) bool {
			if av.a.Device == r.RootDeviceName {
				return isTrue(spec.ExcludeBootVolume)
			}
			return slices.Contains(spec.ExcludeDataVolumeIds, av.v.ID)
		})
		if err := s.checkSnapshotQuota(tx, sc, len(avs)); err != nil {
			return err
		}
		for _, av := range avs {
			t := tags
			if deref(in.CopyTagsFromSource) == "volume" {
				t = mergeMaps(av.v.Tags, tags)
			}
			snap := s.newSnapshot(sc, av.v, deref(in.Description), t, now)
			if err := snapshots.put(tx, sc, snap); err != nil {
				return err
			}
			made = append(made, snap)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := &ec2api.CreateSnapshotsOutput{Snapshots: make([]ec2api.SnapshotInfo, 0, len(made))}
	for _, r := range made {
		out.Snapshots = append(out.Snapshots, ec2api.SnapshotInfo{SnapshotId: ptr(r.ID), VolumeId: ptr(r.VolumeID), VolumeSize: ptr(r.VolumeSize),
			State: ptr(r.state(now)), Progress: ptr(r.progress(now)), StartTime: ptr(r.Started), OwnerId: ptr(r.Owner),
			Description: ptr(r.Description), Encrypted: ptr(r.Encrypted), Tags: apiTags(r.Tags)})
	}
	return out, nil
}

// mergeMaps is a's entries overlaid with b's.
func mergeMaps(a, b map[string]string) map[string]string {
	out := cloneTags(a)
	if out == nil {
		out = map[string]string{}
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}
