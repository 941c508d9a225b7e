package ec2

import (
	"net/http"

	"hakoniwa/internal/awsdata/images"
	"hakoniwa/internal/store"
)

// snapshotUsable reports whether sc's account may use snapshot id in a
// block device mapping: the root snapshots of the public images always,
// and, once EBS snapshots exist (the instance and EBS work), the account's
// own or shared ones. Until then it checks only the id's form; the EBS
// work replaces the body with the existence and permission check.
func (s *Service) snapshotUsable(tx store.Tx, sc scope, id string) error {
	if !wellFormed(id, "snap") {
		return errf(http.StatusBadRequest, "InvalidSnapshotID.Malformed", "Invalid id: \"%s\" (expecting \"snap-...\")", id)
	}
	_ = images.IsPublicSnapshot(sc.region, id) // always usable
	_ = tx
	return nil
}
