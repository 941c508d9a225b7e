package ec2

import (
	"context"
	"net/http"
	"slices"

	"hakoniwa/internal/store"

	ec2api "hakoniwa/internal/api/ec2"
)

// CreateImage makes an image of an instance: a snapshot of each of its
// EBS volumes (pending, completing on the clock), mapped as the instance
// has them, less the devices the request maps to NoDevice. Nothing runs
// inside instances yet, so NoReboot changes nothing.
func (s *Service) CreateImage(ctx context.Context, in *ec2api.CreateImageInput) (*ec2api.CreateImageOutput, error) {
	if err := checkImageName(deref(in.Name)); err != nil {
		return nil, err
	}
	imageTags, snapTags, err := s.imageSpecTags(in.TagSpecifications)
	if err != nil {
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
	rec := &imageRec{meta: meta{ID: s.ids.Resource("ami"), Tags: imageTags}, Name: deref(in.Name), Description: deref(in.Description)}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		r, err := attachableInstance(tx, sc, deref(in.InstanceId), now)
		if err != nil {
			return err
		}
		rec.SourceInstance, rec.Architecture, rec.Platform, rec.RootDeviceName = r.ID, r.Architecture, r.Platform, r.RootDeviceName
		rec.VirtualizationType, rec.BootMode, rec.EnaSupport = r.Virtualization, r.BootMode, r.EnaSupport
		avs, err := instanceAttachments(tx, sc, r.ID, now)
		if err != nil {
			return err
		}
		avs = slices.DeleteFunc(avs, func(av attachedVolume) bool {
			return slices.ContainsFunc(in.BlockDeviceMappings, func(m ec2api.BlockDeviceMapping) bool {
				return deref(m.DeviceName) == av.a.Device && m.NoDevice != nil
			})
		})
		if err := s.checkSnapshotQuota(tx, sc, len(avs)); err != nil {
			return err
		}
		for _, av := range avs {
			v, a := av.v, av.a
			snap := s.newSnapshot(sc, v, "Created by CreateImage("+r.ID+") for "+rec.ID, snapTags, now)
			if err := snapshots.put(tx, sc, snap); err != nil {
				return err
			}
			rec.BlockDevices = append(rec.BlockDevices, imageDevice{DeviceName: a.Device, SnapshotID: snap.ID, VolumeSize: int(v.Size),
				VolumeType: v.Type, DeleteOnTermination: a.DeleteOnTermination, Encrypted: v.Encrypted, Iops: int(v.Iops), Throughput: int(v.Throughput)})
		}
		if !slices.ContainsFunc(rec.BlockDevices, func(d imageDevice) bool { return d.DeviceName == rec.RootDeviceName }) {
			return errf(http.StatusBadRequest, "InvalidParameterValue", "The instance %s has no EBS root volume to image.", r.ID)
		}
		return s.registerImage(tx, sc, rec)
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.CreateImageOutput{ImageId: ptr(rec.ID)}, nil
}

// imageSpecTags splits the tag specifications of CreateImage and
// CopyImage: those for the new image, and those every new snapshot gets.
func (s *Service) imageSpecTags(specs []ec2api.TagSpecification) (image, snapshot map[string]string, err error) {
	byType := map[string][]ec2api.TagSpecification{}
	for _, sp := range specs {
		rt := deref(sp.ResourceType)
		if rt != "image" && rt != "snapshot" {
			return nil, nil, invalidParam("'%s' is not a valid taggable resource type for this operation.", rt)
		}
		byType[rt] = append(byType[rt], sp)
	}
	if image, err = s.specTags(byType["image"], "image"); err != nil {
		return nil, nil, err
	}
	snapshot, err = s.specTags(byType["snapshot"], "snapshot")
	return image, snapshot, err
}
