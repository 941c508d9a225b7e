package ec2

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"hakoniwa/internal/awsdata/images"
	"hakoniwa/internal/awserr"
	"hakoniwa/internal/store"

	ec2api "hakoniwa/internal/api/ec2"
)

// snapPendingFor is how long a snapshot stays pending, its progress
// rising on the clock, before it completes.
const snapPendingFor = 2 * time.Second

// copiedVolume is the volume id AWS reports for snapshots that were not
// taken from a volume of this Region (copies).
const copiedVolume = "vol-ffffffff"

type snapshotRec struct {
	meta
	Owner        string    `json:"owner"`
	VolumeID     string    `json:"volume"`
	VolumeSize   int64     `json:"size"`
	Description  string    `json:"desc,omitempty"`
	Encrypted    bool      `json:"encrypted,omitempty"`
	KmsKeyID     string    `json:"kms,omitempty"`
	Started      time.Time `json:"started"`
	Ready        time.Time `json:"ready"`            // pending until then
	Users        []string  `json:"users,omitempty"`  // createVolumePermission user ids
	Public       bool      `json:"public,omitempty"` // createVolumePermission group "all"
	SourceRegion string    `json:"sourceRegion,omitempty"`
}

var snapshots = &table[snapshotRec, *snapshotRec]{kind: "snapshot", indexes: map[string]func(*snapshotRec) string{
	"volume-id": func(r *snapshotRec) string { return r.VolumeID },
}}

// sharedSnapshots indexes, under the grantee's scope, the snapshots other
// accounts shared with it (id → owner); publicSnapshots, per Region, those
// shared with everyone. The owner's record keeps the permission itself.
func sharedSnapshots(sc scope) store.Bucket {
	return store.Bucket{Account: sc.account, Region: sc.region, Service: "ec2", Kind: "snapshot-shared"}
}

func publicSnapshots(region string) store.Bucket {
	return store.Bucket{Account: "public", Region: region, Service: "ec2", Kind: "snapshot-public"}
}

func (r *snapshotRec) state(now time.Time) string {
	if now.Before(r.Ready) {
		return "pending"
	}
	return "completed"
}

// progress rises with the clock while pending.
func (r *snapshotRec) progress(now time.Time) string {
	if !now.Before(r.Ready) {
		return "100%"
	}
	done := now.Sub(r.Started) * 100 / r.Ready.Sub(r.Started)
	return itoa(int64(min(done, 99))) + "%"
}

func (r *snapshotRec) restorableBy(account string) bool {
	return r.Public || r.Owner == account || slices.Contains(r.Users, account)
}

func (r *snapshotRec) api(now time.Time, viewer string) ec2api.Snapshot {
	out := ec2api.Snapshot{SnapshotId: ptr(r.ID), VolumeId: ptr(r.VolumeID), VolumeSize: ptr(r.VolumeSize),
		State: ptr(r.state(now)), Progress: ptr(r.progress(now)), StartTime: ptr(r.Started), OwnerId: ptr(r.Owner),
		Description: ptr(r.Description), Encrypted: ptr(r.Encrypted), StorageTier: ptr("standard")}
	if r.Encrypted {
		out.KmsKeyId = ptr(r.KmsKeyID)
	}
	if r.Owner == viewer {
		out.Tags = apiTags(r.Tags) // tags belong to the owner's view
	}
	if r.state(now) == "completed" {
		out.CompletionTime = ptr(r.Ready)
	}
	return out
}

func snapshotFilters(now time.Time) filterDefs[*snapshotRec] {
	return filterDefs[*snapshotRec]{
		"snapshot-id": func(r *snapshotRec) []string { return one(r.ID) },
		"volume-id":   func(r *snapshotRec) []string { return one(r.VolumeID) },
		"status":      func(r *snapshotRec) []string { return one(r.state(now)) },
		"owner-id":    func(r *snapshotRec) []string { return one(r.Owner) },
		"progress":    func(r *snapshotRec) []string { return one(r.progress(now)) },
		"start-time":  func(r *snapshotRec) []string { return one(r.Started.Format(time.RFC3339)) },
		"volume-size": func(r *snapshotRec) []string { return one(itoa(r.VolumeSize)) },
		"encrypted":   func(r *snapshotRec) []string { return boolValue(r.Encrypted) },
		"description": func(r *snapshotRec) []string { return one(r.Description) },
		"storage-tier": func(r *snapshotRec) []string {
			return one("standard")
		},
		// Accounts' snapshots have no alias (amazon, aws-backup, …).
		"owner-alias": func(r *snapshotRec) []string { return nil },
	}
}

// catalogueSnapshot is the root snapshot of a public image of the
// Region, which every account may restore.
func catalogueSnapshot(region, id string) (*snapshotRec, bool) {
	for _, img := range images.Public(region) {
		for _, bd := range img.BlockDevices {
			if bd.SnapshotID == id {
				return &snapshotRec{meta: meta{ID: id}, Owner: img.OwnerID, VolumeID: copiedVolume, VolumeSize: int64(bd.VolumeSize),
					Description: "Root snapshot of " + img.ID, Encrypted: bd.Encrypted, Started: img.CreationDate,
					Ready: img.CreationDate, Public: true}, true
			}
		}
	}
	return nil, false
}

// lookupSnapshot finds a snapshot sc's account can see: its own, one
// shared with it or with everyone, or a public image's root snapshot.
func lookupSnapshot(tx store.Tx, sc scope, id string) (*snapshotRec, error) {
	if !wellFormed(id, "snap") {
		return nil, kindSnapshot.malformed(id)
	}
	if r, err := snapshots.get(tx, sc, id); err == nil || !isNotFound(err) {
		return r, err
	}
	if r, ok := catalogueSnapshot(sc.region, id); ok {
		return r, nil
	}
	for _, b := range []store.Bucket{sharedSnapshots(sc), publicSnapshots(sc.region)} {
		owner, err := tx.Get(b, id)
		if isNotFound(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		r, err := snapshots.get(tx, scope{string(owner), sc.region}, id)
		if err == nil && r.restorableBy(sc.account) {
			return r, nil
		}
		if err != nil && !isNotFound(err) {
			return nil, err
		}
	}
	return nil, kindSnapshot.notFound(id)
}

// restorableSnapshot is a snapshot a volume can be created from now.
func (s *Service) restorableSnapshot(tx store.Tx, sc scope, id string, now time.Time) (*snapshotRec, error) {
	r, err := lookupSnapshot(tx, sc, id)
	if err != nil {
		return nil, err
	}
	if st := r.state(now); st != "completed" {
		return nil, errf(http.StatusBadRequest, "IncorrectState", "Snapshot is in invalid state - %s", st)
	}
	return r, nil
}

// ownSnapshot is a snapshot of sc's account, for the calls only its owner
// may make.
func ownSnapshot(tx store.Tx, sc scope, id string) (*snapshotRec, error) {
	if !wellFormed(id, "snap") {
		return nil, kindSnapshot.malformed(id)
	}
	r, err := snapshots.get(tx, sc, id)
	return r, orNotFound(err, kindSnapshot.notFound(id))
}

// CreateSnapshot starts a snapshot of a volume; it completes on the clock.
func (s *Service) CreateSnapshot(ctx context.Context, in *ec2api.CreateSnapshotInput) (*ec2api.CreateSnapshotOutput, error) {
	if in.OutpostArn != nil || (in.Location != nil && *in.Location != "regional") {
		return nil, invalidParam("Outposts and Local Zone snapshots are not available in this account.")
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	tags, err := s.specTags(in.TagSpecifications, kindSnapshot.resourceType)
	if err != nil {
		return nil, err
	}
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	now := s.clock.Now().UTC()
	r := &snapshotRec{meta: meta{ID: s.ids.Resource("snap"), Tags: tags}, Owner: sc.account, Description: deref(in.Description),
		Started: now, Ready: now.Add(snapPendingFor)}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		v, err := getVolume(tx, sc, deref(in.VolumeId), now)
		if err != nil {
			return err
		}
		if st := v.state(now); st != "available" && st != "in-use" {
			return errf(http.StatusBadRequest, "IncorrectState", "The volume '%s' is '%s'", v.ID, st)
		}
		if err := s.checkSnapshotQuota(tx, sc, 1); err != nil {
			return err
		}
		r.VolumeID, r.VolumeSize, r.Encrypted, r.KmsKeyID = v.ID, v.Size, v.Encrypted, v.KmsKeyID
		return snapshots.put(tx, sc, r)
	})
	if err != nil {
		return nil, err
	}
	out := r.api(now, sc.account)
	return &out, nil
}

// DescribeSnapshots lists the snapshots the caller may see: its own, and
// those shared with it or with everyone, narrowed by owner, restorer, id
// and filter.
func (s *Service) DescribeSnapshots(ctx context.Context, in *ec2api.DescribeSnapshotsInput) (*ec2api.DescribeSnapshotsOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	if err := checkIDs(kindSnapshot, in.SnapshotIds); err != nil {
		return nil, err
	}
	now := s.clock.Now()
	fs, err := snapshotFilters(now).compile(in.Filters)
	if err != nil {
		return nil, err
	}
	pg, err := parsePage(in.MaxResults, in.NextToken, len(in.SnapshotIds) > 0, "snapshotIds", describeLimits)
	if err != nil {
		return nil, err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	fs = append(fs, snapshotSelectors(sc, in.OwnerIds, in.RestorableByUserIds)...)
	var items []*snapshotRec
	var next string
	err = s.st.View(ctx, func(tx store.Tx) error {
		cands, err := visibleSnapshots(tx, sc, in.SnapshotIds)
		if err != nil {
			return err
		}
		c := &collector[*snapshotRec]{pg: pg}
		for _, r := range cands {
			if matchAll(r, fs) && !c.add(r) {
				break
			}
		}
		items, next = c.result()
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := &ec2api.DescribeSnapshotsOutput{Snapshots: make([]ec2api.Snapshot, 0, len(items))}
	for _, r := range items {
		out.Snapshots = append(out.Snapshots, r.api(now, sc.account))
	}
	if next != "" {
		out.NextToken = &next
	}
	return out, nil
}

// snapshotSelectors turns OwnerIds and RestorableByUserIds into filters
// ("self" is the caller; "all" among restorers means public).
func snapshotSelectors(sc scope, owners, restorers []string) []filter[*snapshotRec] {
	self := func(ids []string) []string {
		out := slices.Clone(ids)
		for i, id := range out {
			if id == "self" {
				out[i] = sc.account
			}
		}
		return out
	}
	var fs []filter[*snapshotRec]
	if len(owners) > 0 {
		fs = append(fs, filter[*snapshotRec]{name: "(owner)", patterns: self(owners),
			values: func(r *snapshotRec) []string { return one(r.Owner) }})
	}
	if len(restorers) > 0 {
		fs = append(fs, filter[*snapshotRec]{name: "(restorable-by)", patterns: self(restorers),
			values: func(r *snapshotRec) []string {
				out := append([]string{r.Owner}, r.Users...)
				if r.Public {
					out = append(out, "all")
				}
				return out
			}})
	}
	return fs
}

// visibleSnapshots returns, in id order, the snapshots with ids (all must
// be visible), or else every snapshot the caller may see.
func visibleSnapshots(tx store.Tx, sc scope, ids []string) ([]*snapshotRec, error) {
	var out []*snapshotRec
	if len(ids) > 0 {
		var missing []string
		for _, id := range slices.Compact(slices.Sorted(slices.Values(ids))) {
			r, err := lookupSnapshot(tx, sc, id)
			if err != nil && !isNotFoundErr(err) {
				return nil, err
			}
			if err != nil {
				missing = append(missing, id)
				continue
			}
			out = append(out, r)
		}
		if len(missing) > 0 {
			return nil, kindSnapshot.notFound(missing...)
		}
		return out, nil
	}
	if err := snapshots.all(tx, sc, func(r *snapshotRec) bool { out = append(out, r); return true }); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, r := range out {
		seen[r.ID] = true
	}
	for _, b := range []store.Bucket{sharedSnapshots(sc), publicSnapshots(sc.region)} {
		var others []string
		err := tx.Scan(b, "", "", func(k string, _ []byte) bool {
			if !seen[k] {
				others = append(others, k)
				seen[k] = true
			}
			return true
		})
		if err != nil {
			return nil, err
		}
		for _, id := range others {
			r, err := lookupSnapshot(tx, sc, id)
			if err != nil && !isNotFoundErr(err) {
				return nil, err
			}
			if err == nil {
				out = append(out, r)
			}
		}
	}
	slices.SortFunc(out, func(a, b *snapshotRec) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// isNotFoundErr reports whether err is an InvalidSnapshot.NotFound answer
// (lookupSnapshot's refusal), as opposed to a failure of the store.
func isNotFoundErr(err error) bool {
	var e *awserr.Error
	return errors.As(err, &e) && e.Code == "InvalidSnapshot.NotFound"
}

// DeleteSnapshot deletes one of the caller's snapshots, unless an image
// of the account is made of it.
func (s *Service) DeleteSnapshot(ctx context.Context, in *ec2api.DeleteSnapshotInput) (*ec2api.DeleteSnapshotOutput, error) {
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		r, err := ownSnapshot(tx, sc, deref(in.SnapshotId))
		if err != nil {
			return err
		}
		if ami, err := imageUsing(tx, sc, r.ID); err != nil || ami != "" {
			return orErr(err, errf(http.StatusBadRequest, "InvalidSnapshot.InUse", "The snapshot %s is currently in use by %s", r.ID, ami))
		}
		if err := dryRun(in.DryRun); err != nil {
			return err
		}
		return deleteSnapshotTx(tx, sc, r)
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.DeleteSnapshotOutput{}, nil
}

// deleteSnapshotTx deletes r with the share entries that point to it.
func deleteSnapshotTx(tx store.Tx, sc scope, r *snapshotRec) error {
	if err := setSnapshotPermissions(tx, sc, r, nil, false); err != nil {
		return err
	}
	return snapshots.delete(tx, sc, r)
}

// imageUsing returns the id of a registered image of sc's account whose
// block devices include snapshot id ("" if none).
func imageUsing(tx store.Tx, sc scope, id string) (string, error) {
	var ami string
	err := imagesTable.all(tx, sc, func(r *imageRec) bool {
		if r.State == "deregistered" {
			return true
		}
		if slices.ContainsFunc(r.BlockDevices, func(d imageDevice) bool { return d.SnapshotID == id }) {
			ami = r.ID
		}
		return ami == ""
	})
	return ami, err
}
