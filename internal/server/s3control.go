package server

import (
	"hakoniwa/internal/api"
	"hakoniwa/internal/gateway"

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

// s3Wire is S3's CORS on the wire, when S3 is enabled (a nil *Service
// must not become a non-nil interface).
func s3Wire(d *deps) gateway.S3Wire {
	if d.s3 == nil {
		return nil
	}
	return d.s3
}
