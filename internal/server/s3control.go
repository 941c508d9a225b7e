package server

import (
	"hakoniwa/internal/api"

	s3controlapi "hakoniwa/internal/api/s3control"
	s3svc "hakoniwa/internal/service/s3"
)

// S3 Control is registered apart from the table in services.go: it is
// S3's account-level half, over S3's own records in the same store.
func init() {
	implemented["s3control"] = func(d *deps) *api.Binding {
		return s3controlapi.Bind(s3svc.NewControl(d.store))
	}
}
