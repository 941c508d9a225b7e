package ec2

import (
	"net/http"
	"time"

	"hakoniwa/internal/store"
)

// quotaOr is q, or AWS's default def when q is unset.
func quotaOr(q, def int) int {
	if q > 0 {
		return q
	}
	return def
}

// checkStorage refuses a volume of volumeType growing the Region's total
// of that type by addGiB past its storage quota. except is a volume whose
// current size is already being replaced (ModifyVolume).
func (s *Service) checkStorage(tx store.Tx, sc scope, volumeType string, addGiB int64, except string, now time.Time) error {
	limit := quotaOr(s.quotas.EBSStorageTiB, 50)
	if volumeType == "io2" {
		limit = quotaOr(s.quotas.IO2StorageTiB, 20)
	}
	used := addGiB
	err := volumes.all(tx, sc, func(v *volumeRec) bool {
		if v.Type == volumeType && v.ID != except && v.Deleted.IsZero() {
			used += v.Size
		}
		return true
	})
	if err != nil {
		return err
	}
	if used > int64(limit)*1024 {
		return errf(http.StatusBadRequest, "VolumeLimitExceeded", "You have exceeded your maximum %s storage limit of %d TiB in this region. Please contact AWS Support to request an Elastic Block Store service limit increase.", volumeType, limit)
	}
	return nil
}

// checkSnapshotQuota refuses n more snapshots past the Region's quota.
func (s *Service) checkSnapshotQuota(tx store.Tx, sc scope, n int) error {
	have, err := snapshots.count(tx, sc)
	if err != nil {
		return err
	}
	if have+n > quotaOr(s.quotas.SnapshotsPerRegion, 100000) {
		return errf(http.StatusBadRequest, "SnapshotLimitExceeded", "The maximum number of snapshots has been reached.")
	}
	return nil
}
