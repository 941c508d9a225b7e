package ec2

// EBS volumes. A volume moves through its states on the server's clock
// (creating → available ⇄ in-use, deleting → gone), computed from its
// timestamps whenever it is read, as NAT gateways do: no background work,
// and a restart loses nothing.
//
// Seams for the instances code (volumes_attach.go):
//   - launchVolumesTx(tx, sc, instanceID, zone, zoneID, devices
//     []instanceDevice, tags, now) makes the volumes of the devices
//     RunInstances resolved (instanceRec.Devices), attached and in use at
//     once; launchOne calls it.
//   - releaseVolumesTx(tx, sc, instanceID, now), at termination, deletes
//     the volumes marked DeleteOnTermination and detaches the others;
//     TerminateInstances calls it.
//   - setDeleteOnTerminationTx(tx, sc, instanceID, device, dot, now) is
//     for ModifyInstanceAttribute's BlockDeviceMapping DeleteOnTermination.
//   - instanceBlockDevices(tx, sc, instanceID, now) renders the volumes
//     attached to an instance. Attach and Detach also keep
//     instanceRec.Devices in step, so DescribeInstances is right without
//     it.
// Attachments are indexed by instance (attachmentBucket), so none of them
// scans the volumes.

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"hakoniwa/internal/regions"
	"hakoniwa/internal/store"

	ec2api "hakoniwa/internal/api/ec2"
)

// Simulated durations: AWS takes seconds to minutes; hakoniwa keeps the
// shape of each state machine so waiters and clients that poll behave,
// but answers quickly.
const (
	volCreatingFor = 2 * time.Second
	volDeletingFor = 2 * time.Second
	volAttachFor   = time.Second
	volDetachFor   = time.Second
)

type volumeRec struct {
	meta
	Owner        string             `json:"owner"`
	Zone         string             `json:"az"`
	ZoneID       string             `json:"azId"`
	Size         int64              `json:"size"`
	Type         string             `json:"type"`
	Iops         int64              `json:"iops,omitempty"`
	Throughput   int64              `json:"throughput,omitempty"`
	SnapshotID   string             `json:"snapshot,omitempty"`
	Encrypted    bool               `json:"encrypted,omitempty"`
	KmsKeyID     string             `json:"kms,omitempty"`
	MultiAttach  bool               `json:"multiAttach,omitempty"`
	AutoEnableIO bool               `json:"autoEnableIO,omitempty"`
	Token        string             `json:"token,omitempty"`
	Created      time.Time          `json:"created"`
	Ready        time.Time          `json:"ready"` // creating until then
	Deleted      time.Time          `json:"deleted"`
	Attachments  []volumeAttachment `json:"attachments,omitempty"`
	Mod          *volumeMod         `json:"mod,omitempty"`
	// ModStarts are when the modifications of the last day started.
	ModStarts []time.Time `json:"modStarts,omitempty"`
}

type volumeAttachment struct {
	Instance            string    `json:"instance"`
	Device              string    `json:"device"`
	Attached            time.Time `json:"attached"`
	Ready               time.Time `json:"ready"` // attaching until then
	Detaching           time.Time `json:"detaching"`
	DeleteOnTermination bool      `json:"deleteOnTerm,omitempty"`
}

func (a *volumeAttachment) state(now time.Time) string {
	switch {
	case !a.Detaching.IsZero() && now.Before(a.Detaching.Add(volDetachFor)):
		return "detaching"
	case !a.Detaching.IsZero():
		return "detached"
	case now.Before(a.Ready):
		return "attaching"
	}
	return "attached"
}

var (
	kindVolume   = kindInfo{"vol", "volume", "volume", "volume", "InvalidVolumeID"}
	kindSnapshot = kindInfo{"snap", "snapshot", "snapshot", "snapshot", "InvalidSnapshotID"}
	// ebsKinds are registered in records.go.
	ebsKinds = []kindInfo{kindVolume, kindSnapshot}

	volumes = &table[volumeRec, *volumeRec]{kind: "volume", indexes: map[string]func(*volumeRec) string{
		launchTemplateTokens: func(v *volumeRec) string { return v.Token },
		"availability-zone":  func(v *volumeRec) string { return v.Zone },
		"snapshot-id":        func(v *volumeRec) string { return v.SnapshotID },
		"(deleted)": func(v *volumeRec) string {
			if v.Deleted.IsZero() {
				return ""
			}
			return "deleted"
		},
	}}
)

func (v *volumeRec) state(now time.Time) string {
	switch {
	case !v.Deleted.IsZero() && now.Before(v.Deleted.Add(volDeletingFor)):
		return "deleting"
	case !v.Deleted.IsZero():
		return "deleted"
	case now.Before(v.Ready):
		return "creating"
	case len(v.live(now)) > 0:
		return "in-use"
	}
	return "available"
}

// live returns the attachments not yet fully detached.
func (v *volumeRec) live(now time.Time) []volumeAttachment {
	var out []volumeAttachment
	for _, a := range v.Attachments {
		if a.state(now) != "detached" {
			out = append(out, a)
		}
	}
	return out
}

// gone reports whether the volume has finished deleting: it answers as
// if it never existed.
func (v *volumeRec) gone(now time.Time) bool {
	return !v.Deleted.IsZero() && !now.Before(v.Deleted.Add(volDeletingFor))
}

func (v *volumeRec) api(now time.Time) ec2api.Volume {
	out := ec2api.Volume{
		VolumeId: ptr(v.ID), Size: ptr(v.Size), VolumeType: ptr(v.Type), AvailabilityZone: ptr(v.Zone),
		AvailabilityZoneId: ptr(v.ZoneID), State: ptr(v.state(now)), CreateTime: ptr(v.Created),
		Encrypted: ptr(v.Encrypted), MultiAttachEnabled: ptr(v.MultiAttach), SnapshotId: ptr(v.SnapshotID),
		Tags: apiTags(v.Tags), Attachments: []ec2api.VolumeAttachment{},
	}
	if v.Iops > 0 {
		out.Iops = ptr(v.Iops)
	}
	if v.Throughput > 0 {
		out.Throughput = ptr(v.Throughput)
	}
	if v.Encrypted {
		out.KmsKeyId = ptr(v.KmsKeyID)
	}
	for _, a := range v.live(now) {
		out.Attachments = append(out.Attachments, v.attachmentAPI(a, now))
	}
	return out
}

func (v *volumeRec) attachmentAPI(a volumeAttachment, now time.Time) ec2api.VolumeAttachment {
	return ec2api.VolumeAttachment{VolumeId: ptr(v.ID), InstanceId: ptr(a.Instance), Device: ptr(a.Device),
		State: ptr(a.state(now)), AttachTime: ptr(a.Attached), DeleteOnTermination: ptr(a.DeleteOnTermination)}
}

func volumeFilters(now time.Time) filterDefs[*volumeRec] {
	attach := func(f func(volumeAttachment) string) func(*volumeRec) []string {
		return func(v *volumeRec) []string {
			var out []string
			for _, a := range v.live(now) {
				out = append(out, f(a))
			}
			return out
		}
	}
	return filterDefs[*volumeRec]{
		"volume-id":         func(v *volumeRec) []string { return one(v.ID) },
		"status":            func(v *volumeRec) []string { return one(v.state(now)) },
		"availability-zone": func(v *volumeRec) []string { return one(v.Zone) },
		"volume-type":       func(v *volumeRec) []string { return one(v.Type) },
		"size":              func(v *volumeRec) []string { return one(itoa(v.Size)) },
		"snapshot-id":       func(v *volumeRec) []string { return one(v.SnapshotID) },
		"encrypted":         func(v *volumeRec) []string { return boolValue(v.Encrypted) },
		"create-time":       func(v *volumeRec) []string { return one(v.Created.Format(time.RFC3339)) },
		"multi-attach-enabled": func(v *volumeRec) []string {
			return boolValue(v.MultiAttach)
		},
		"attachment.instance-id": attach(func(a volumeAttachment) string { return a.Instance }),
		"attachment.device":      attach(func(a volumeAttachment) string { return a.Device }),
		"attachment.status":      attach(func(a volumeAttachment) string { return a.state(now) }),
		"attachment.attach-time": attach(func(a volumeAttachment) string { return a.Attached.Format(time.RFC3339) }),
		"attachment.delete-on-termination": attach(func(a volumeAttachment) string {
			return strconv.FormatBool(a.DeleteOnTermination)
		}),
	}
}

// getVolume returns a volume of sc that has not finished deleting.
func getVolume(tx store.Tx, sc scope, id string, now time.Time) (*volumeRec, error) {
	if !wellFormed(id, "vol") {
		return nil, kindVolume.malformed(id)
	}
	v, err := volumes.get(tx, sc, id)
	if err != nil {
		return nil, orNotFound(err, kindVolume.notFound(id))
	}
	if v.gone(now) {
		return nil, kindVolume.notFound(id)
	}
	return v, nil
}

// volumeZone resolves CreateVolume's AvailabilityZone or
// AvailabilityZoneId in the caller's Region.
func volumeZone(region string, name, id *string) (regions.Zone, error) {
	switch {
	case name != nil && id != nil:
		return regions.Zone{}, invalidCombination("The parameters 'availabilityZone' and 'availabilityZoneId' cannot be used together.")
	case name == nil && id == nil:
		return regions.Zone{}, missingParam("availabilityZone")
	}
	reg, _ := regions.Lookup(region)
	for _, z := range reg.Zones {
		if (name != nil && z.Name == *name) || (id != nil && z.ID == *id) {
			return z, nil
		}
	}
	if name != nil {
		return regions.Zone{}, errf(http.StatusBadRequest, "InvalidZone.NotFound", "The zone '%s' does not exist.", *name)
	}
	return regions.Zone{}, errf(http.StatusBadRequest, "InvalidZone.NotFound", "The zone ID '%s' does not exist.", *id)
}

// defaultEBSKey is the ARN of the account's AWS managed key for EBS
// (alias/aws/ebs) in a Region: stable, so every encrypted volume and
// snapshot of the account names the same key, as in AWS.
func defaultEBSKey(sc scope) string {
	sum := sha256.Sum256([]byte("hakoniwa/kms/aws/ebs/" + sc.account + "/" + sc.region))
	h := fmt.Sprintf("%x", sum[:16])
	return fmt.Sprintf("arn:aws:kms:%s:%s:key/%s-%s-%s-%s-%s", sc.region, sc.account, h[:8], h[8:12], h[12:16], h[16:20], h[20:32])
}

// kmsKeyARN renders a KmsKeyId as the ARN AWS reports: key ids and
// aliases are expanded in the caller's account and Region.
func kmsKeyARN(sc scope, id string) string {
	switch {
	case id == "" || id == "alias/aws/ebs":
		return defaultEBSKey(sc)
	case len(id) > 4 && id[:4] == "arn:":
		return id
	case len(id) > 6 && id[:6] == "alias/":
		return fmt.Sprintf("arn:aws:kms:%s:%s:%s", sc.region, sc.account, id)
	}
	return fmt.Sprintf("arn:aws:kms:%s:%s:key/%s", sc.region, sc.account, id)
}

// CreateVolume creates an EBS volume, empty or from a snapshot.
func (s *Service) CreateVolume(ctx context.Context, in *ec2api.CreateVolumeInput) (*ec2api.CreateVolumeOutput, error) {
	if in.OutpostArn != nil {
		return nil, invalidParam("Outposts are not available in this account.")
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	zone, err := volumeZone(sc.region, in.AvailabilityZone, in.AvailabilityZoneId)
	if err != nil {
		return nil, err
	}
	tags, err := s.specTags(in.TagSpecifications, kindVolume.resourceType)
	if err != nil {
		return nil, err
	}
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	now := s.clock.Now().UTC()
	v := &volumeRec{meta: meta{ID: s.ids.Resource("vol"), Tags: tags}, Owner: sc.account, Zone: zone.Name, ZoneID: zone.ID,
		MultiAttach: isTrue(in.MultiAttachEnabled), Token: deref(in.ClientToken), Created: now, Ready: now.Add(volCreatingFor)}
	var out *volumeRec
	err = s.st.Update(ctx, func(tx store.Tx) error {
		if v.Token != "" {
			prev, err := byToken(tx, sc, volumes, v.Token)
			if err != nil || prev != nil {
				out = prev
				return err
			}
		}
		if err := s.purgeVolumes(tx, sc, now); err != nil {
			return err
		}
		spec := volumeSpec{Type: deref(in.VolumeType), Size: deref64(in.Size), Iops: deref64(in.Iops), Throughput: deref64(in.Throughput), Multi: v.MultiAttach}
		var srcEncrypted bool
		var srcKey string
		if id := deref(in.SnapshotId); id != "" {
			snap, err := s.restorableSnapshot(tx, sc, id, now)
			if err != nil {
				return err
			}
			v.SnapshotID, srcEncrypted, srcKey = id, snap.Encrypted, snap.KmsKeyID
			if spec.Size == 0 {
				spec.Size = snap.VolumeSize
			} else if spec.Size < snap.VolumeSize {
				return invalidParam("Volume of %dGiB is smaller than snapshot '%s', expect size >= %dGiB", spec.Size, id, snap.VolumeSize)
			}
		} else if in.Size == nil {
			return missingParam("size")
		}
		if err := spec.check(in.Iops != nil, in.Throughput != nil); err != nil {
			return err
		}
		v.Type, v.Size, v.Iops, v.Throughput = spec.Type, spec.Size, spec.Iops, spec.Throughput
		if v.Encrypted, v.KmsKeyID, err = encryption(tx, sc, in.Encrypted, in.KmsKeyId, srcEncrypted, srcKey); err != nil {
			return err
		}
		if err := s.checkStorage(tx, sc, v.Type, v.Size, "", now); err != nil {
			return err
		}
		out = v
		return volumes.put(tx, sc, v)
	})
	if err != nil {
		return nil, err
	}
	if in.ClientToken != nil && out != v && !sameVolumeRequest(out, in) {
		return nil, idempotentMismatch()
	}
	res := out.api(now)
	return &res, nil
}

// sameVolumeRequest reports whether a retried CreateVolume asks for what
// the first call made.
func sameVolumeRequest(v *volumeRec, in *ec2api.CreateVolumeInput) bool {
	return (in.Size == nil || *in.Size == v.Size) && (in.VolumeType == nil || *in.VolumeType == v.Type) &&
		(in.AvailabilityZone == nil || *in.AvailabilityZone == v.Zone) && deref(in.SnapshotId) == v.SnapshotID
}

func deref64(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// purgeVolumes forgets the volumes that finished deleting, so deleted
// records do not pile up; it runs with the writes that create volumes.
func (s *Service) purgeVolumes(tx store.Tx, sc scope, now time.Time) error {
	recs, err := volumes.by(tx, sc, "(deleted)", "deleted")
	if err != nil {
		return err
	}
	for _, v := range recs {
		if v.gone(now) {
			if err := volumes.delete(tx, sc, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// DescribeVolumes lists the caller's volumes by id and filter.
func (s *Service) DescribeVolumes(ctx context.Context, in *ec2api.DescribeVolumesInput) (*ec2api.DescribeVolumesOutput, error) {
	now := s.clock.Now()
	items, next, err := s.describeVolumes(ctx, in.DryRun, in.VolumeIds, in.Filters, in.MaxResults, in.NextToken, volumeFilters(now))
	if err != nil {
		return nil, err
	}
	out := &ec2api.DescribeVolumesOutput{Volumes: make([]ec2api.Volume, 0, len(items))}
	for _, v := range items {
		out.Volumes = append(out.Volumes, v.api(now))
	}
	if next != "" {
		out.NextToken = &next
	}
	return out, nil
}

// describeVolumes is the query DescribeVolumes, DescribeVolumeStatus and
// DescribeVolumesModifications share; volumes that finished deleting are
// not found.
func (s *Service) describeVolumes(ctx context.Context, dry *bool, ids []string, in []ec2api.Filter, maxResults *int64, token *string, defs filterDefs[*volumeRec], extra ...filter[*volumeRec]) ([]*volumeRec, string, error) {
	if err := dryRun(dry); err != nil {
		return nil, "", err
	}
	if err := checkIDs(kindVolume, ids); err != nil {
		return nil, "", err
	}
	now := s.clock.Now()
	fs, err := defs.compile(in)
	if err != nil {
		return nil, "", err
	}
	fs = append(fs, extra...)
	pg, err := parsePage(maxResults, token, len(ids) > 0, "volumeIds", describeLimits)
	if err != nil {
		return nil, "", err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, "", err
	}
	var items []*volumeRec
	var next string
	err = s.st.View(ctx, func(tx store.Tx) error {
		for _, id := range ids {
			if _, err := getVolume(tx, sc, id, now); err != nil {
				return err
			}
		}
		fs := append(fs, filter[*volumeRec]{name: "(visible)", patterns: []string{"false"},
			values: func(v *volumeRec) []string { return boolValue(v.gone(now)) }})
		var err error
		items, next, err = describe(tx, sc, volumes, kindVolume, query[*volumeRec]{ids: ids, filters: fs, page: pg})
		return err
	})
	return items, next, err
}

// DeleteVolume deletes a volume that no instance holds.
func (s *Service) DeleteVolume(ctx context.Context, in *ec2api.DeleteVolumeInput) (*ec2api.DeleteVolumeOutput, error) {
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now().UTC()
	id := deref(in.VolumeId)
	err = s.st.Update(ctx, func(tx store.Tx) error {
		v, err := getVolume(tx, sc, id, now)
		if err != nil {
			return err
		}
		if live := v.live(now); len(live) > 0 {
			return errf(http.StatusBadRequest, "VolumeInUse", "Volume %s is currently attached to %s", id, live[0].Instance)
		}
		switch v.state(now) {
		case "deleting":
			return errf(http.StatusBadRequest, "IncorrectState", "The volume '%s' is 'deleting'", id)
		case "creating":
			return errf(http.StatusBadRequest, "IncorrectState", "The volume '%s' is 'creating'", id)
		}
		if err := dryRun(in.DryRun); err != nil {
			return err
		}
		v.Deleted, v.Attachments, v.Token = now, nil, ""
		return volumes.put(tx, sc, v)
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.DeleteVolumeOutput{}, nil
}
