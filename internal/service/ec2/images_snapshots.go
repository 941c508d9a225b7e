package ec2

import (
	"hakoniwa/internal/store"
)

// snapshotUsable reports whether sc's account may use snapshot id in a
// block device mapping: the root snapshots of the public images, the
// account's own snapshots, and those shared with it or with everyone.
func (s *Service) snapshotUsable(tx store.Tx, sc scope, id string) error {
	_, err := lookupSnapshot(tx, sc, id)
	return err
}
