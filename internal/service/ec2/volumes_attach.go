package ec2

import (
	"context"
	"net/http"
	"slices"
	"time"

	"hakoniwa/internal/store"

	ec2api "hakoniwa/internal/api/ec2"
)

// maxMultiAttach is how many instances one Multi-Attach volume may serve.
const maxMultiAttach = 16

// attachmentBucket indexes attachments by instance ("i-…/vol-…"), so an
// instance's volumes are found without a scan.
func attachmentBucket(sc scope) store.Bucket {
	return store.Bucket{Account: sc.account, Region: sc.region, Service: "ec2", Kind: "volume-attachments"}
}

// instanceVolumes returns the volumes attached (or attaching, detaching)
// to an instance, in id order.
func instanceVolumes(tx store.Tx, sc scope, instanceID string) ([]*volumeRec, error) {
	var ids []string
	prefix := instanceID + "/"
	err := tx.Scan(attachmentBucket(sc), prefix, "", func(k string, _ []byte) bool {
		ids = append(ids, k[len(prefix):])
		return true
	})
	if err != nil {
		return nil, err
	}
	out := make([]*volumeRec, 0, len(ids))
	for _, id := range ids {
		v, err := volumes.get(tx, sc, id)
		if isNotFound(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// launchVolumesTx makes the EBS volumes of a launching instance, one per
// device the instances code resolved from its image and request
// (instanceRec.Devices, whose volume ids it drew): attached and in use at
// once, tagged with the launch's "volume" TagSpecifications.
func (s *Service) launchVolumesTx(tx store.Tx, sc scope, instanceID, zone, zoneID string, devices []instanceDevice, tags map[string]string, now time.Time) error {
	set, err := loadEBSSettings(tx, sc)
	if err != nil {
		return err
	}
	for _, d := range devices {
		if d.VolumeSize == 0 && d.SnapshotID != "" {
			// An image registered without sizes takes its
			// snapshots'.
			snap, err := lookupSnapshot(tx, sc, d.SnapshotID)
			if err != nil {
				return err
			}
			d.VolumeSize = snap.VolumeSize
		}
		v := &volumeRec{meta: meta{ID: d.VolumeID, Tags: cloneTags(tags)}, Owner: sc.account, Zone: zone, ZoneID: zoneID,
			Size: d.VolumeSize, Type: d.VolumeType, Iops: d.Iops, Throughput: d.Throughput, SnapshotID: d.SnapshotID,
			Encrypted: d.Encrypted, Created: now, Ready: now,
			Attachments: []volumeAttachment{{Instance: instanceID, Device: d.DeviceName, Attached: now, Ready: now, DeleteOnTermination: d.DeleteOnTermination}}}
		if v.Type == "" {
			v.Type = "gp2"
		}
		sp := v.spec()
		// The instances code checked the request; this fills in what
		// the type implies (gp2's IOPS, gp3's baseline).
		_ = sp.check(sp.Iops > 0, sp.Throughput > 0)
		v.Iops, v.Throughput = sp.Iops, sp.Throughput
		if v.Encrypted || set.ByDefault {
			v.Encrypted, v.KmsKeyID = true, set.key(sc)
		}
		if err := volumes.put(tx, sc, v); err != nil {
			return err
		}
		if err := tx.Put(attachmentBucket(sc), instanceID+"/"+v.ID, nil); err != nil {
			return err
		}
	}
	return nil
}

// releaseVolumesTx is termination's part for EBS: volumes marked
// DeleteOnTermination are deleted, the others detached.
func (s *Service) releaseVolumesTx(tx store.Tx, sc scope, instanceID string, now time.Time) error {
	vs, err := instanceVolumes(tx, sc, instanceID)
	if err != nil {
		return err
	}
	for _, v := range vs {
		i := slices.IndexFunc(v.Attachments, func(a volumeAttachment) bool { return a.Instance == instanceID })
		if i < 0 {
			continue
		}
		if v.Attachments[i].DeleteOnTermination && v.Deleted.IsZero() {
			v.Deleted, v.Token = now, ""
		}
		v.Attachments = slices.Delete(v.Attachments, i, i+1)
		if err := volumes.put(tx, sc, v); err != nil {
			return err
		}
		if err := tx.Delete(attachmentBucket(sc), instanceID+"/"+v.ID); err != nil {
			return err
		}
	}
	return nil
}

// instanceBlockDevices renders the EBS volumes attached to an instance
// for DescribeInstances, by device name.
func (s *Service) instanceBlockDevices(tx store.Tx, sc scope, instanceID string, now time.Time) ([]ec2api.InstanceBlockDeviceMapping, error) {
	avs, err := instanceAttachments(tx, sc, instanceID, now)
	if err != nil {
		return nil, err
	}
	out := []ec2api.InstanceBlockDeviceMapping{}
	for _, av := range avs {
		a := av.a
		out = append(out, ec2api.InstanceBlockDeviceMapping{DeviceName: ptr(a.Device), Ebs: &ec2api.EbsInstanceBlockDevice{
			VolumeId: ptr(av.v.ID), Status: ptr(a.state(now)), AttachTime: ptr(a.Attached), DeleteOnTermination: ptr(a.DeleteOnTermination)}})
	}
	return out, nil
}

// attachableInstance is an instance a volume may be attached to or
// detached from: running or stopped.
func attachableInstance(tx store.Tx, sc scope, id string, now time.Time) (*instanceRec, error) {
	if !wellFormed(id, "i") {
		return nil, kindInstance.malformed(id)
	}
	r, err := instances.get(tx, sc, id)
	if err != nil || !r.visible(now) {
		return nil, orNotFound(orErr(err, store.ErrNotFound), kindInstance.notFound(id))
	}
	if st := r.state(now); st != instRunning && st != instStopped {
		return nil, errf(http.StatusBadRequest, "IncorrectState", "Instance '%s' is not 'running'.", id)
	}
	return r, nil
}

// AttachVolume attaches a volume to an instance of its zone as a device.
func (s *Service) AttachVolume(ctx context.Context, in *ec2api.AttachVolumeInput) (*ec2api.AttachVolumeOutput, error) {
	dev := deref(in.Device)
	if !deviceNameRE().MatchString(dev) {
		return nil, invalidParam("Value (%s) for parameter device is invalid. %s is not a valid EBS device name.", dev, dev)
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now().UTC()
	var out ec2api.VolumeAttachment
	err = s.st.Update(ctx, func(tx store.Tx) error {
		v, err := getVolume(tx, sc, deref(in.VolumeId), now)
		if err != nil {
			return err
		}
		r, err := attachableInstance(tx, sc, deref(in.InstanceId), now)
		if err != nil {
			return err
		}
		if err := checkAttach(tx, sc, v, r, dev, now); err != nil {
			return err
		}
		if err := dryRun(in.DryRun); err != nil {
			return err
		}
		a := volumeAttachment{Instance: r.ID, Device: dev, Attached: now, Ready: now.Add(volAttachFor)}
		v.Attachments = append(v.live(now), a)
		if err := volumes.put(tx, sc, v); err != nil {
			return err
		}
		r.Devices = append(r.Devices, instanceDevice{DeviceName: dev, VolumeID: v.ID, SnapshotID: v.SnapshotID, VolumeSize: v.Size,
			VolumeType: v.Type, Iops: v.Iops, Throughput: v.Throughput, Encrypted: v.Encrypted, AttachTime: now})
		if err := instances.put(tx, sc, r); err != nil {
			return err
		}
		out = v.attachmentAPI(a, now)
		return tx.Put(attachmentBucket(sc), r.ID+"/"+v.ID, nil)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func checkAttach(tx store.Tx, sc scope, v *volumeRec, r *instanceRec, dev string, now time.Time) error {
	if v.Zone != r.Zone {
		return errf(http.StatusBadRequest, "InvalidVolume.ZoneMismatch", "The volume '%s' is not in the same availability zone as instance '%s'", v.ID, r.ID)
	}
	live := v.live(now)
	switch st := v.state(now); {
	case st == "creating" || st == "deleting":
		return errf(http.StatusBadRequest, "IncorrectState", "The volume '%s' is '%s'", v.ID, st)
	case v.Mod != nil && v.Mod.state(now) == "modifying":
		return errf(http.StatusBadRequest, "OperationNotPermitted", "Cannot attach volume %s when it is in modification state: MODIFYING", v.ID)
	case len(live) > 0 && !v.MultiAttach:
		return errf(http.StatusBadRequest, "VolumeInUse", "%s is already attached to an instance", v.ID)
	case len(live) >= maxMultiAttach:
		return errf(http.StatusBadRequest, "VolumeInUse", "%s is already attached to %d instances", v.ID, maxMultiAttach)
	}
	if slices.ContainsFunc(live, func(a volumeAttachment) bool { return a.Instance == r.ID }) {
		return errf(http.StatusBadRequest, "VolumeInUse", "%s is already attached to %s", v.ID, r.ID)
	}
	if slices.ContainsFunc(r.Devices, func(d instanceDevice) bool { return d.DeviceName == dev }) || dev == r.RootDeviceName {
		return invalidParam("Invalid value '%s' for unixDevice. Attachment point %s is already in use", dev, dev)
	}
	return nil
}

// DetachVolume starts detaching a volume; it is available again on the
// clock. A running instance's root volume stays.
func (s *Service) DetachVolume(ctx context.Context, in *ec2api.DetachVolumeInput) (*ec2api.DetachVolumeOutput, error) {
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now().UTC()
	var out ec2api.VolumeAttachment
	err = s.st.Update(ctx, func(tx store.Tx) error {
		v, err := getVolume(tx, sc, deref(in.VolumeId), now)
		if err != nil {
			return err
		}
		i, err := detachTarget(v, in, now)
		if err != nil {
			return err
		}
		a := &v.Attachments[i]
		r, err := instances.get(tx, sc, a.Instance)
		if err != nil && !isNotFound(err) {
			return err
		}
		if r != nil && a.Device == r.RootDeviceName && r.state(now) != instStopped && !isTrue(in.Force) {
			return errf(http.StatusBadRequest, "IncorrectState", "Unable to detach root volume '%s' from instance '%s'", v.ID, r.ID)
		}
		if err := dryRun(in.DryRun); err != nil {
			return err
		}
		a.Detaching = now
		out = v.attachmentAPI(*a, now)
		if err := volumes.put(tx, sc, v); err != nil {
			return err
		}
		if r != nil {
			r.Devices = slices.DeleteFunc(r.Devices, func(d instanceDevice) bool { return d.VolumeID == v.ID })
			if err := instances.put(tx, sc, r); err != nil {
				return err
			}
		}
		return tx.Delete(attachmentBucket(sc), a.Instance+"/"+v.ID)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// detachTarget picks the attachment DetachVolume names (a Multi-Attach
// volume needs the instance).
func detachTarget(v *volumeRec, in *ec2api.DetachVolumeInput, now time.Time) (int, error) {
	inst, dev := deref(in.InstanceId), deref(in.Device)
	var found []int
	for i, a := range v.Attachments {
		if a.state(now) == "detached" || (inst != "" && a.Instance != inst) {
			continue
		}
		found = append(found, i)
	}
	switch {
	case len(found) == 0 && inst != "":
		return 0, errf(http.StatusBadRequest, "InvalidAttachment.NotFound", "Volume %s can not be detached from %s because it is not attached", v.ID, inst)
	case len(found) == 0:
		return 0, errf(http.StatusBadRequest, "IncorrectState", "Volume '%s' is in the 'available' state.", v.ID)
	case len(found) > 1:
		return 0, missingParam("instanceId")
	}
	a := v.Attachments[found[0]]
	if dev != "" && a.Device != dev {
		return 0, errf(http.StatusBadRequest, "InvalidAttachment.NotFound", "The volume %s is not attached to instance %s as device %s", v.ID, a.Instance, dev)
	}
	if a.state(now) == "detaching" {
		return 0, errf(http.StatusBadRequest, "IncorrectState", "Volume '%s' is in the 'detaching' state.", v.ID)
	}
	return found[0], nil
}

// setDeleteOnTerminationTx is the EBS part of ModifyInstanceAttribute's
// BlockDeviceMapping: DeleteOnTermination of the volume attached to
// instanceID as device (the caller keeps instanceRec.Devices in step).
func (s *Service) setDeleteOnTerminationTx(tx store.Tx, sc scope, instanceID, device string, dot bool, now time.Time) error {
	avs, err := instanceAttachments(tx, sc, instanceID, now)
	if err != nil {
		return err
	}
	for _, av := range avs {
		if av.a.Device != device {
			continue
		}
		for i := range av.v.Attachments {
			if a := &av.v.Attachments[i]; a.Instance == instanceID && a.Device == device {
				a.DeleteOnTermination = dot
			}
		}
		return volumes.put(tx, sc, av.v)
	}
	return errf(http.StatusBadRequest, "InvalidInstanceAttributeValue", "No device is currently mapped at %s", device)
}
