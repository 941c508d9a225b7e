package ec2

import (
	"context"
	"net/http"
	"slices"
	"time"

	"hakoniwa/internal/regions"
	"hakoniwa/internal/store"

	ec2api "hakoniwa/internal/api/ec2"
)

// setSnapshotPermissions gives r exactly these createVolumePermissions
// and moves the grantees' index entries to match.
func setSnapshotPermissions(tx store.Tx, sc scope, r *snapshotRec, users []string, public bool) error {
	for _, u := range r.Users {
		if !slices.Contains(users, u) {
			if err := tx.Delete(sharedSnapshots(scope{u, sc.region}), r.ID); err != nil {
				return err
			}
		}
	}
	for _, u := range users {
		if err := tx.Put(sharedSnapshots(scope{u, sc.region}), r.ID, []byte(sc.account)); err != nil {
			return err
		}
	}
	if public {
		if err := tx.Put(publicSnapshots(sc.region), r.ID, []byte(sc.account)); err != nil {
			return err
		}
	} else if r.Public {
		if err := tx.Delete(publicSnapshots(sc.region), r.ID); err != nil {
			return err
		}
	}
	r.Users, r.Public = users, public
	return snapshots.put(tx, sc, r)
}

func checkSnapshotAttribute(name string) error {
	switch name {
	case "createVolumePermission", "productCodes":
		return nil
	case "":
		return missingParam("attribute")
	}
	return invalidParam("Value (%s) for parameter attribute is invalid. Unknown attribute.", name)
}

// DescribeSnapshotAttribute reports who may create volumes from one of the
// caller's snapshots (or its product codes: none).
func (s *Service) DescribeSnapshotAttribute(ctx context.Context, in *ec2api.DescribeSnapshotAttributeInput) (*ec2api.DescribeSnapshotAttributeOutput, error) {
	attr := deref(in.Attribute)
	if err := checkSnapshotAttribute(attr); err != nil {
		return nil, err
	}
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	var r *snapshotRec
	err = s.st.View(ctx, func(tx store.Tx) error {
		var err error
		r, err = ownSnapshot(tx, sc, deref(in.SnapshotId))
		return err
	})
	if err != nil {
		return nil, err
	}
	out := &ec2api.DescribeSnapshotAttributeOutput{SnapshotId: ptr(r.ID)}
	if attr == "productCodes" {
		out.ProductCodes = []ec2api.ProductCode{}
		return out, nil
	}
	out.CreateVolumePermissions = []ec2api.CreateVolumePermission{}
	if r.Public {
		out.CreateVolumePermissions = append(out.CreateVolumePermissions, ec2api.CreateVolumePermission{Group: ptr("all")})
	}
	for _, u := range r.Users {
		out.CreateVolumePermissions = append(out.CreateVolumePermissions, ec2api.CreateVolumePermission{UserId: ptr(u)})
	}
	return out, nil
}

// permissionChange is a ModifySnapshotAttribute request, whichever of its
// two spellings the client used.
type permissionChange struct {
	addUsers, removeUsers   []string
	addPublic, removePublic bool
}

func snapshotPermissionChange(in *ec2api.ModifySnapshotAttributeInput) (permissionChange, error) {
	var c permissionChange
	if attr := deref(in.Attribute); attr != "" && attr != "createVolumePermission" {
		if attr == "productCodes" {
			return c, invalidParam("The attribute productCodes cannot be modified.")
		}
		return c, checkSnapshotAttribute(attr)
	}
	group := func(g string, public *bool) error {
		if g != "all" {
			return invalidParam("Value (%s) for parameter group is invalid. Valid values: all", g)
		}
		*public = true
		return nil
	}
	user := func(u string, list *[]string) error {
		if !accountIDRE().MatchString(u) {
			return invalidParam("Value (%s) for parameter userId is invalid. Expecting a 12-digit AWS account id.", u)
		}
		*list = append(*list, u)
		return nil
	}
	if p := in.CreateVolumePermission; p != nil {
		for _, e := range p.Add {
			if err := permissionEntry(e, &c.addUsers, &c.addPublic, user, group); err != nil {
				return c, err
			}
		}
		for _, e := range p.Remove {
			if err := permissionEntry(e, &c.removeUsers, &c.removePublic, user, group); err != nil {
				return c, err
			}
		}
	}
	if len(in.UserIds) > 0 || len(in.GroupNames) > 0 {
		users, public := &c.addUsers, &c.addPublic
		switch deref(in.OperationType) {
		case "add":
		case "remove":
			users, public = &c.removeUsers, &c.removePublic
		case "":
			return c, missingParam("operationType")
		default:
			return c, invalidParam("Value (%s) for parameter operationType is invalid. Valid values: add, remove", deref(in.OperationType))
		}
		for _, u := range in.UserIds {
			if err := user(u, users); err != nil {
				return c, err
			}
		}
		for _, g := range in.GroupNames {
			if err := group(g, public); err != nil {
				return c, err
			}
		}
	}
	if len(c.addUsers)+len(c.removeUsers) == 0 && !c.addPublic && !c.removePublic {
		return c, missingParam("createVolumePermission")
	}
	return c, nil
}

func permissionEntry(e ec2api.CreateVolumePermission, users *[]string, public *bool, user func(string, *[]string) error, group func(string, *bool) error) error {
	if e.Group != nil {
		if err := group(*e.Group, public); err != nil {
			return err
		}
	}
	if e.UserId != nil {
		return user(*e.UserId, users)
	}
	return nil
}

// ModifySnapshotAttribute adds or removes createVolumePermission for
// accounts or for everyone ("all").
func (s *Service) ModifySnapshotAttribute(ctx context.Context, in *ec2api.ModifySnapshotAttributeInput) (*ec2api.ModifySnapshotAttributeOutput, error) {
	c, err := snapshotPermissionChange(in)
	if err != nil {
		return nil, err
	}
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	return &ec2api.ModifySnapshotAttributeOutput{}, s.updateOwnSnapshot(ctx, in.SnapshotId, func(tx store.Tx, sc scope, r *snapshotRec) error {
		if err := checkShareable(sc, r, c); err != nil {
			return err
		}
		users := slices.Clone(r.Users)
		for _, u := range c.addUsers {
			if !slices.Contains(users, u) {
				users = append(users, u)
			}
		}
		users = slices.DeleteFunc(users, func(u string) bool { return slices.Contains(c.removeUsers, u) })
		slices.Sort(users)
		return setSnapshotPermissions(tx, sc, r, users, (r.Public || c.addPublic) && !c.removePublic)
	})
}

// checkShareable applies AWS's rules for encrypted snapshots: none
// encrypted with the account's AWS managed key may be shared, and no
// encrypted one made public.
func checkShareable(sc scope, r *snapshotRec, c permissionChange) error {
	switch {
	case !r.Encrypted || (len(c.addUsers) == 0 && !c.addPublic):
		return nil
	case r.KmsKeyID == defaultEBSKey(sc):
		return errf(http.StatusBadRequest, "OperationNotPermitted", "Encrypted snapshots with EBS default key cannot be shared")
	case c.addPublic:
		return errf(http.StatusBadRequest, "OperationNotPermitted", "Encrypted snapshots cannot be shared publicly")
	}
	return nil
}

// ResetSnapshotAttribute makes a snapshot private to its owner again.
func (s *Service) ResetSnapshotAttribute(ctx context.Context, in *ec2api.ResetSnapshotAttributeInput) (*ec2api.ResetSnapshotAttributeOutput, error) {
	switch attr := deref(in.Attribute); attr {
	case "createVolumePermission":
	case "productCodes":
		return nil, invalidParam("The attribute productCodes cannot be reset.")
	default:
		return nil, checkSnapshotAttribute(attr)
	}
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	return &ec2api.ResetSnapshotAttributeOutput{}, s.updateOwnSnapshot(ctx, in.SnapshotId, func(tx store.Tx, sc scope, r *snapshotRec) error {
		return setSnapshotPermissions(tx, sc, r, nil, false)
	})
}

func (s *Service) updateOwnSnapshot(ctx context.Context, id *string, change func(store.Tx, scope, *snapshotRec) error) error {
	sc, _, err := s.scope(ctx)
	if err != nil {
		return err
	}
	return s.st.Update(ctx, func(tx store.Tx) error {
		r, err := ownSnapshot(tx, sc, deref(id))
		if err != nil {
			return err
		}
		return change(tx, sc, r)
	})
}

// CopySnapshot copies a completed snapshot the caller can see in
// SourceRegion into the Region of the request.
func (s *Service) CopySnapshot(ctx context.Context, in *ec2api.CopySnapshotInput) (*ec2api.CopySnapshotOutput, error) {
	if in.DestinationOutpostArn != nil || in.DestinationAvailabilityZone != nil {
		return nil, invalidParam("Outposts and Local Zone snapshots are not available in this account.")
	}
	src := deref(in.SourceRegion)
	if _, ok := regions.Lookup(src); !ok {
		return nil, invalidParam("Value (%s) for parameter sourceRegion is invalid.", src)
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	if d := deref(in.DestinationRegion); d != "" && d != sc.region {
		return nil, invalidParam("Value (%s) for parameter destinationRegion is invalid: the copy is made in the Region of the request, %s.", d, sc.region)
	}
	tags, err := s.specTags(in.TagSpecifications, kindSnapshot.resourceType)
	if err != nil {
		return nil, err
	}
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	now := s.clock.Now().UTC()
	id := deref(in.SourceSnapshotId)
	cp := &snapshotRec{meta: meta{ID: s.ids.Resource("snap"), Tags: tags}, Owner: sc.account, VolumeID: copiedVolume,
		Description: deref(in.Description), Started: now, Ready: now.Add(snapPendingFor), SourceRegion: src}
	if cp.Description == "" {
		cp.Description = "[Copied " + id + " from " + src + "]"
	}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		return s.copySnapshotTx(tx, sc, src, id, cp, in.Encrypted, in.KmsKeyId, now)
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.CopySnapshotOutput{SnapshotId: ptr(cp.ID), Tags: apiTags(cp.Tags)}, nil
}

// copySnapshotTx stores cp (id, tags, description and times filled in by
// the caller) as a copy in sc's Region of snapshot id of Region src,
// which sc's account must be able to restore. CopySnapshot uses it, and
// CopyImage can for the snapshots of the image it copies.
func (s *Service) copySnapshotTx(tx store.Tx, sc scope, src, id string, cp *snapshotRec, encrypted *bool, keyID *string, now time.Time) error {
	r, err := s.restorableSnapshot(tx, scope{sc.account, src}, id, now)
	if err != nil {
		return err
	}
	key := r.KmsKeyID
	if src != sc.region {
		// Keys are regional: the copy takes this Region's default.
		set, err := loadEBSSettings(tx, sc)
		if err != nil {
			return err
		}
		key = set.key(sc)
	}
	cp.Owner, cp.VolumeID, cp.VolumeSize, cp.SourceRegion = sc.account, copiedVolume, r.VolumeSize, src
	if cp.Encrypted, cp.KmsKeyID, err = encryption(tx, sc, encrypted, keyID, r.Encrypted, key); err != nil {
		return err
	}
	if err := s.checkSnapshotQuota(tx, sc, 1); err != nil {
		return err
	}
	return snapshots.put(tx, sc, cp)
}
