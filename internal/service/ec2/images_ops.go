package ec2

import (
	"context"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"hakoniwa/internal/awsdata/images"
	"hakoniwa/internal/regions"
	"hakoniwa/internal/store"

	ec2api "hakoniwa/internal/api/ec2"
)

var accountIDRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[0-9]{12}$`) })

func notAuthorizedForImage(id string) error {
	return errf(http.StatusBadRequest, "AuthFailure", "Not authorized for image:%s", id)
}

// visibleImages lists every image the caller can see in its Region: the
// catalogue, its own, and those shared with it, in id order.
func visibleImages(tx store.Tx, sc scope, now time.Time) ([]*imageView, error) {
	var out []*imageView
	for _, img := range images.Public(sc.region) {
		out = append(out, publicView(img))
	}
	err := imagesTable.all(tx, sc, func(r *imageRec) bool {
		out = append(out, r.view(now))
		return true
	})
	if err != nil {
		return nil, err
	}
	var shared []string
	err = tx.Scan(sharedBucket(sc), "", "", func(k string, _ []byte) bool {
		shared = append(shared, k)
		return true
	})
	if err != nil {
		return nil, err
	}
	for _, id := range shared {
		if v, ok, err := lookupImage(tx, sc, id, now); err != nil {
			return nil, err
		} else if ok {
			out = append(out, v)
		}
	}
	slices.SortFunc(out, func(a, b *imageView) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// DescribeImages lists images by owner, launch permission, id and filter.
func (s *Service) DescribeImages(ctx context.Context, in *ec2api.DescribeImagesInput) (*ec2api.DescribeImagesOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	for _, id := range in.ImageIds {
		if !wellFormed(id, "ami") {
			return nil, imageMalformed(id)
		}
	}
	fs, err := imageFilters().compile(in.Filters)
	if err != nil {
		return nil, err
	}
	pg, err := parsePage(in.MaxResults, in.NextToken, len(in.ImageIds) > 0, "imageIds", describeLimits)
	if err != nil {
		return nil, err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	owners := map[string]bool{}
	for _, o := range in.Owners {
		switch {
		case o == "self":
			owners[sc.account] = true
		case o == "amazon", o == "aws-marketplace", o == "aws-backup-vault", accountIDRE().MatchString(o):
			owners[o] = true
		default:
			return nil, errf(http.StatusBadRequest, "InvalidUserID.Malformed", "Invalid user id: \"%s\"", o)
		}
	}
	users := map[string]bool{}
	for _, u := range in.ExecutableUsers {
		switch {
		case u == "self":
			users[sc.account] = true
		case u == "all", accountIDRE().MatchString(u):
			users[u] = true
		default:
			return nil, errf(http.StatusBadRequest, "InvalidUserID.Malformed", "Invalid user id: \"%s\"", u)
		}
	}
	var all []*imageView
	if err := s.st.View(ctx, func(tx store.Tx) error {
		all, err = visibleImages(tx, sc, s.clock.Now())
		return err
	}); err != nil {
		return nil, err
	}
	if len(in.ImageIds) > 0 {
		var missing []string
		for _, id := range in.ImageIds {
			if !slices.ContainsFunc(all, func(v *imageView) bool { return v.ID == id }) {
				missing = append(missing, id)
			}
		}
		if len(missing) > 0 {
			return nil, errf(http.StatusBadRequest, "InvalidAMIID.NotFound", "The image ids '[%s]' do not exist", strings.Join(missing, ", "))
		}
	}
	c := &collector[*imageView]{pg: pg}
	for _, v := range all {
		if len(in.ImageIds) > 0 && !slices.Contains(in.ImageIds, v.ID) {
			continue
		}
		// Deregistered images linger only for those who ask by id.
		if v.State == "deregistered" && len(in.ImageIds) == 0 {
			continue
		}
		if len(owners) > 0 && !owners[v.OwnerID] && !(v.OwnerAlias != "" && owners[v.OwnerAlias]) {
			continue
		}
		if len(users) > 0 && !executableBy(v, users) {
			continue
		}
		if matchAll(v, fs) && !c.add(v) {
			break
		}
	}
	items, next := c.result()
	out := &ec2api.DescribeImagesOutput{Images: make([]ec2api.Image, 0, len(items))}
	for _, v := range items {
		out.Images = append(out.Images, v.api())
	}
	if next != "" {
		out.NextToken = &next
	}
	return out, nil
}

// executableBy: "all" selects public images, an account id those it has
// explicit launch permission for (as owner or grantee).
func executableBy(v *imageView, users map[string]bool) bool {
	if users["all"] && v.Public {
		return true
	}
	for u := range users {
		if u == "all" {
			continue
		}
		if v.OwnerID == u || (v.rec != nil && slices.Contains(v.rec.LaunchUsers, u)) {
			return true
		}
	}
	return false
}

var (
	deviceNameRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^/dev/(sd[a-z][0-9]{0,2}|xvd[a-z]{1,2}[0-9]{0,2})$|^xvd[a-z]{1,2}$`)
	})
	volumeTypes   = []string{"standard", "gp2", "gp3", "io1", "io2", "st1", "sc1"}
	architectures = []string{"i386", "x86_64", "arm64", "x86_64_mac", "arm64_mac"}
)

// devicesFrom validates block device mappings as RegisterImage takes them.
func (s *Service) devicesFrom(tx store.Tx, sc scope, in []ec2api.BlockDeviceMapping) ([]imageDevice, error) {
	var out []imageDevice
	for _, m := range in {
		name := deref(m.DeviceName)
		if !deviceNameRE().MatchString(name) {
			return nil, invalidParam("Invalid device name %s", name)
		}
		d := imageDevice{DeviceName: name, VirtualName: deref(m.VirtualName), NoDevice: m.NoDevice != nil}
		if e := m.Ebs; e != nil {
			d.SnapshotID, d.VolumeType, d.DeleteOnTermination = deref(e.SnapshotId), deref(e.VolumeType), e.DeleteOnTermination == nil || *e.DeleteOnTermination
			d.Encrypted = isTrue(e.Encrypted)
			if d.VolumeType == "" {
				d.VolumeType = "gp2"
			}
			if !slices.Contains(volumeTypes, d.VolumeType) {
				return nil, invalidParam("Value (%s) for parameter volumeType is invalid. Valid values: %s", d.VolumeType, strings.Join(volumeTypes, ", "))
			}
			if e.VolumeSize != nil {
				if *e.VolumeSize < 1 || *e.VolumeSize > 65536 {
					return nil, invalidParam("Volume of size %d is out of range.", *e.VolumeSize)
				}
				d.VolumeSize = int(*e.VolumeSize)
			}
			if e.Iops != nil {
				d.Iops = int(*e.Iops)
			}
			if e.Throughput != nil {
				d.Throughput = int(*e.Throughput)
			}
			if d.SnapshotID != "" {
				if err := s.snapshotUsable(tx, sc, d.SnapshotID); err != nil {
					return nil, err
				}
			} else if d.VolumeSize == 0 {
				return nil, missingParam("snapshotId or volumeSize")
			}
		}
		out = append(out, d)
	}
	return out, nil
}

// RegisterImage registers an EBS-backed image from snapshots.
func (s *Service) RegisterImage(ctx context.Context, in *ec2api.RegisterImageInput) (*ec2api.RegisterImageOutput, error) {
	if in.ImageLocation != nil {
		return nil, invalidParam("Instance store-backed AMIs (ImageLocation) are not supported; register from EBS snapshots.")
	}
	arch := deref(in.Architecture)
	if arch == "" {
		arch = "x86_64"
	}
	if !slices.Contains(architectures, arch) {
		return nil, invalidParam("Value (%s) for parameter architecture is invalid. Valid values: %s", arch, strings.Join(architectures, ", "))
	}
	virt := deref(in.VirtualizationType)
	if virt == "" {
		virt = "hvm"
	}
	if virt != "hvm" && virt != "paravirtual" {
		return nil, invalidParam("Value (%s) for parameter virtualizationType is invalid. Valid values: hvm, paravirtual", virt)
	}
	switch b := deref(in.BootMode); b {
	case "", "legacy-bios", "uefi", "uefi-preferred":
	default:
		return nil, invalidParam("Value (%s) for parameter bootMode is invalid.", b)
	}
	root := deref(in.RootDeviceName)
	if root == "" {
		return nil, missingParam("rootDeviceName")
	}
	var specs []ec2api.TagSpecification
	for _, sp := range in.TagSpecifications {
		if deref(sp.ResourceType) != "snapshot" { // snapshot tags are the snapshots' business
			specs = append(specs, sp)
		}
	}
	tags, err := s.specTags(specs, kindImage.resourceType)
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
	rec := &imageRec{meta: meta{Tags: tags}, Name: deref(in.Name), Description: deref(in.Description), Architecture: arch,
		RootDeviceName: root, VirtualizationType: virt, EnaSupport: isTrue(in.EnaSupport), SriovNetSupport: deref(in.SriovNetSupport),
		BootMode: deref(in.BootMode), ImdsSupport: deref(in.ImdsSupport)}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		devs, err := s.devicesFrom(tx, sc, in.BlockDeviceMappings)
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(devs, func(d imageDevice) bool { return d.DeviceName == root && d.SnapshotID != "" }) {
			return invalidParam("The root device %s must be mapped to an EBS snapshot.", root)
		}
		rec.BlockDevices = devs
		return s.registerImage(tx, sc, rec)
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.RegisterImageOutput{ImageId: ptr(rec.ID)}, nil
}

// ownImage loads an image the caller owns for a change: catalogue and
// others' images are refused with AuthFailure, as AWS does.
func ownImage(tx store.Tx, sc scope, id string) (*imageRec, error) {
	if !wellFormed(id, "ami") {
		return nil, imageMalformed(id)
	}
	r, err := imagesTable.get(tx, sc, id)
	if isNotFound(err) {
		if _, ok, lerr := lookupImage(tx, sc, id, time.Time{}); lerr != nil {
			return nil, lerr
		} else if ok {
			return nil, notAuthorizedForImage(id)
		}
		return nil, imageNotFound(id)
	}
	return r, err
}

// DeregisterImage marks an image deregistered. Its snapshots stay unless
// DeleteAssociatedSnapshots asks for them and no other image uses them.
func (s *Service) DeregisterImage(ctx context.Context, in *ec2api.DeregisterImageInput) (*ec2api.DeregisterImageOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	out := &ec2api.DeregisterImageOutput{Return: ptr(true)}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		r, err := ownImage(tx, sc, deref(in.ImageId))
		if err != nil {
			return err
		}
		if r.State == "deregistered" {
			return errf(http.StatusBadRequest, "InvalidAMIID.Unavailable", "The image id '[%s]' is no longer available", r.ID)
		}
		r.State = "deregistered"
		for _, u := range r.LaunchUsers {
			if err := tx.Delete(sharedBucket(scope{u, sc.region}), r.ID); err != nil {
				return err
			}
		}
		if err := imagesTable.put(tx, sc, r); err != nil {
			return err
		}
		if isTrue(in.DeleteAssociatedSnapshots) {
			out.DeleteSnapshotResults, err = deleteImageSnapshots(tx, sc, r)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// deleteImageSnapshots deletes the snapshots of a deregistered image that
// no other image uses ("skipped"); those of other owners are
// "missing-permissions".
func deleteImageSnapshots(tx store.Tx, sc scope, r *imageRec) ([]ec2api.DeleteSnapshotReturnCode, error) {
	out := []ec2api.DeleteSnapshotReturnCode{}
	for _, d := range r.BlockDevices {
		if d.SnapshotID == "" {
			continue
		}
		code := "success"
		snap, err := snapshots.get(tx, sc, d.SnapshotID)
		switch {
		case isNotFound(err):
			code = "missing-permissions"
		case err != nil:
			return nil, err
		default:
			ami, err := imageUsing(tx, sc, snap.ID)
			if err != nil {
				return nil, err
			}
			if ami != "" {
				code = "skipped"
			} else if err := deleteSnapshotTx(tx, sc, snap); err != nil {
				return nil, err
			}
		}
		out = append(out, ec2api.DeleteSnapshotReturnCode{SnapshotId: ptr(d.SnapshotID), ReturnCode: ptr(code)})
	}
	return out, nil
}

// CopyImage copies an image the caller may launch from SourceRegion into
// the caller's Region, as a new image the caller owns. Each of its
// snapshots is copied too (the caller must be able to restore them, as on
// AWS), and the image is pending until those copies complete.
func (s *Service) CopyImage(ctx context.Context, in *ec2api.CopyImageInput) (*ec2api.CopyImageOutput, error) {
	src := deref(in.SourceRegion)
	if _, ok := regions.Lookup(src); !ok {
		return nil, invalidParam("Invalid region: %s", src)
	}
	tags, snapTags, err := s.imageSpecTags(in.TagSpecifications)
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
	rec := &imageRec{meta: meta{ID: s.ids.Resource("ami")}}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		v, err := s.findImage(tx, scope{sc.account, src}, deref(in.SourceImageId))
		if err != nil {
			return err
		}
		if isTrue(in.CopyImageTags) && v.OwnerID == sc.account {
			merged, err := s.mergeTags(v.Tags, apiTags(tags))
			if err != nil {
				return err
			}
			tags = merged
		}
		rec.Tags, rec.Name, rec.Description = tags, deref(in.Name), deref(in.Description)
		rec.Architecture, rec.Platform, rec.RootDeviceName = v.Architecture, v.Platform, v.RootDeviceName
		rec.VirtualizationType, rec.EnaSupport, rec.SriovNetSupport = v.VirtualizationType, v.EnaSupport, v.SriovNetSupport
		rec.BootMode, rec.ImdsSupport, rec.SourceImage, rec.SourceRegion = v.BootMode, v.ImdsSupport, v.ID, src
		if in.Description == nil {
			rec.Description = v.Description
		}
		for _, d := range v.BlockDeviceMappings {
			if d.SnapshotID != "" {
				cp := &snapshotRec{meta: meta{ID: s.ids.Resource("snap"), Tags: cloneTags(snapTags)}, Started: now, Ready: now.Add(snapPendingFor),
					Description: "Copied for DestinationAmi " + rec.ID + " from SourceAmi " + v.ID + " for SourceSnapshot " + d.SnapshotID}
				if err := s.copySnapshotTx(tx, sc, src, d.SnapshotID, cp, in.Encrypted, in.KmsKeyId, now); err != nil {
					return err
				}
				d.SnapshotID, d.Encrypted = cp.ID, cp.Encrypted
			}
			rec.BlockDevices = append(rec.BlockDevices, d)
		}
		return s.registerImage(tx, sc, rec)
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.CopyImageOutput{ImageId: ptr(rec.ID)}, nil
}

// DescribeImageAttribute reports one attribute of an image the caller can
// see; launch permissions only to the owner.
func (s *Service) DescribeImageAttribute(ctx context.Context, in *ec2api.DescribeImageAttributeInput) (*ec2api.DescribeImageAttributeOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	id, attr := deref(in.ImageId), deref(in.Attribute)
	if !wellFormed(id, "ami") {
		return nil, imageMalformed(id)
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	var v *imageView
	err = s.st.View(ctx, func(tx store.Tx) error {
		var ok bool
		var err error
		if v, ok, err = lookupImage(tx, sc, id, s.clock.Now()); err == nil && !ok {
			err = imageNotFound(id)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	out := &ec2api.DescribeImageAttributeOutput{ImageId: ptr(id)}
	value := func(s string) *ec2api.AttributeValue {
		if s == "" {
			return &ec2api.AttributeValue{}
		}
		return &ec2api.AttributeValue{Value: ptr(s)}
	}
	switch attr {
	case "description":
		out.Description = value(v.Description)
	case "launchPermission":
		if v.OwnerID != sc.account {
			return nil, notAuthorizedForImage(id)
		}
		out.LaunchPermissions = []ec2api.LaunchPermission{}
		if v.Public {
			out.LaunchPermissions = append(out.LaunchPermissions, ec2api.LaunchPermission{Group: ptr("all")})
		}
		if v.rec != nil {
			for _, u := range v.rec.LaunchUsers {
				out.LaunchPermissions = append(out.LaunchPermissions, ec2api.LaunchPermission{UserId: ptr(u)})
			}
		}
	case "blockDeviceMapping":
		out.BlockDeviceMappings = apiDevices(v.BlockDeviceMappings)
	case "bootMode":
		out.BootMode = value(v.BootMode)
	case "sriovNetSupport":
		out.SriovNetSupport = value(v.SriovNetSupport)
	case "imdsSupport":
		out.ImdsSupport = value(v.ImdsSupport)
	case "kernel":
		out.KernelId = value("")
	case "ramdisk":
		out.RamdiskId = value("")
	case "productCodes":
		out.ProductCodes = []ec2api.ProductCode{}
	default:
		return nil, invalidParam("Value (%s) for parameter attribute is invalid. Unknown attribute.", attr)
	}
	return out, nil
}

// ModifyImageAttribute changes an image's description or launch
// permissions (accounts, and the group "all" that makes it public).
func (s *Service) ModifyImageAttribute(ctx context.Context, in *ec2api.ModifyImageAttributeInput) (*ec2api.ModifyImageAttributeOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	var add, remove []ec2api.LaunchPermission
	attr := deref(in.Attribute)
	if in.LaunchPermission != nil {
		add, remove = in.LaunchPermission.Add, in.LaunchPermission.Remove
		attr = "launchPermission"
	}
	if len(in.UserIds) > 0 || len(in.UserGroups) > 0 {
		var perms []ec2api.LaunchPermission
		for _, u := range in.UserIds {
			perms = append(perms, ec2api.LaunchPermission{UserId: ptr(u)})
		}
		for _, g := range in.UserGroups {
			perms = append(perms, ec2api.LaunchPermission{Group: ptr(g)})
		}
		switch deref(in.OperationType) {
		case "add":
			add = append(add, perms...)
		case "remove":
			remove = append(remove, perms...)
		default:
			return nil, missingParam("operationType")
		}
		attr = "launchPermission"
	}
	if in.Description != nil {
		attr = "description"
	}
	for _, p := range append(slices.Clone(add), remove...) {
		if u := deref(p.UserId); u != "" && !accountIDRE().MatchString(u) {
			return nil, errf(http.StatusBadRequest, "InvalidUserID.Malformed", "Invalid user id: \"%s\"", u)
		}
		if g := deref(p.Group); g != "" && g != "all" {
			return nil, invalidParam("Value (%s) for parameter userGroup is invalid. Valid values: all", g)
		}
		if p.OrganizationArn != nil || p.OrganizationalUnitArn != nil {
			return nil, invalidParam("Organization launch permissions are not supported.")
		}
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		r, err := ownImage(tx, sc, deref(in.ImageId))
		if err != nil {
			return err
		}
		switch attr {
		case "description":
			desc := deref(in.Value)
			if in.Description != nil {
				desc = deref(in.Description.Value)
			}
			r.Description = desc
		case "launchPermission":
			for _, p := range add {
				if deref(p.Group) == "all" {
					r.LaunchPublic = true
				} else if u := deref(p.UserId); u != sc.account && !slices.Contains(r.LaunchUsers, u) {
					r.LaunchUsers = append(r.LaunchUsers, u)
					if err := tx.Put(sharedBucket(scope{u, sc.region}), r.ID, []byte(sc.account)); err != nil {
						return err
					}
				}
			}
			for _, p := range remove {
				if deref(p.Group) == "all" {
					r.LaunchPublic = false
				} else if u := deref(p.UserId); slices.Contains(r.LaunchUsers, u) {
					r.LaunchUsers = slices.DeleteFunc(r.LaunchUsers, func(x string) bool { return x == u })
					if err := tx.Delete(sharedBucket(scope{u, sc.region}), r.ID); err != nil {
						return err
					}
				}
			}
		case "imdsSupport":
			if in.ImdsSupport == nil || deref(in.ImdsSupport.Value) != "v2.0" {
				return invalidParam("Value for parameter imdsSupport is invalid. Valid values: v2.0")
			}
			r.ImdsSupport = "v2.0"
		default:
			return invalidParam("Value (%s) for parameter attribute is invalid.", attr)
		}
		return imagesTable.put(tx, sc, r)
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.ModifyImageAttributeOutput{}, nil
}

// ResetImageAttribute resets launch permissions: the image is private
// again and shared with nobody.
func (s *Service) ResetImageAttribute(ctx context.Context, in *ec2api.ResetImageAttributeInput) (*ec2api.ResetImageAttributeOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	if a := deref(in.Attribute); a != "launchPermission" {
		return nil, invalidParam("Value (%s) for parameter attribute is invalid. Valid values: launchPermission", a)
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		r, err := ownImage(tx, sc, deref(in.ImageId))
		if err != nil {
			return err
		}
		for _, u := range r.LaunchUsers {
			if err := tx.Delete(sharedBucket(scope{u, sc.region}), r.ID); err != nil {
				return err
			}
		}
		r.LaunchUsers, r.LaunchPublic = nil, false
		return imagesTable.put(tx, sc, r)
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.ResetImageAttributeOutput{}, nil
}
