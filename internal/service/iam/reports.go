package iam

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"net/http"
	"strconv"
	"time"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/store"

	iamapi "hakoniwa/internal/api/iam"
)

const (
	credentialReportKey = "credential-report"
	// credentialReportTTL is how long a report is served, and how long
	// GenerateCredentialReport keeps answering with it instead of a new one.
	credentialReportTTL = 4 * time.Hour
)

// credentialReportHeader is AWS's column list, in AWS's order.
var credentialReportHeader = []string{
	"user", "arn", "user_creation_time", "password_enabled", "password_last_used", "password_last_changed",
	"password_next_rotation", "mfa_active",
	"access_key_1_active", "access_key_1_last_rotated", "access_key_1_last_used_date", "access_key_1_last_used_region", "access_key_1_last_used_service",
	"access_key_2_active", "access_key_2_last_rotated", "access_key_2_last_used_date", "access_key_2_last_used_region", "access_key_2_last_used_service",
	"cert_1_active", "cert_1_last_rotated", "cert_2_active", "cert_2_last_rotated",
}

type credentialReport struct {
	Generated time.Time `json:"generated"`
	Content   []byte    `json:"content"`
}

// reportTime is the report's timestamp format: ISO 8601 with an explicit
// +00:00 offset.
func reportTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05+00:00") }

func reportTimeOr(t *time.Time, none string) string {
	if t == nil {
		return none
	}
	return reportTime(*t)
}

// buildCredentialReport renders the CSV for the account as of now.
func (a *acct) buildCredentialReport(rootCreated time.Time) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.Write(credentialReportHeader); err != nil {
		return nil, err
	}
	pol, err := a.passwordPolicy()
	if err != nil {
		return nil, err
	}
	rootKeys, err := keyOwner{root: true}.keys(a)
	if err != nil {
		return nil, err
	}
	rootCerts, err := keyOwner{root: true}.certs(a)
	if err != nil {
		return nil, err
	}
	row := []string{"<root_account>", a.arn("root"), reportTime(rootCreated), "not_supported", "no_information", "not_supported", "not_supported", "false"}
	if row, err = a.keyColumns(row, rootKeys); err != nil {
		return nil, err
	}
	if err := w.Write(certColumns(row, rootCerts)); err != nil {
		return nil, err
	}
	users, err := all[user](a, kindUser)
	if err != nil {
		return nil, err
	}
	for i := range users {
		u := &users[i]
		row := []string{u.Name, a.userARN(u), reportTime(u.Created)}
		if u.Login == nil {
			row = append(row, "false", "N/A", "N/A", "N/A")
		} else {
			changed := u.Login.Created
			next := "N/A"
			if pol != nil && pol.MaxAge > 0 {
				next = reportTime(changed.AddDate(0, 0, int(pol.MaxAge)))
			}
			row = append(row, "true", reportTimeOr(u.PasswordLastUsed, "no_information"), reportTime(changed), next)
		}
		row = append(row, strconv.FormatBool(len(u.MFADevices) > 0))
		if row, err = a.keyColumns(row, u.AccessKeys); err != nil {
			return nil, err
		}
		if err := w.Write(certColumns(row, u.SigningCerts)); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// keyColumns appends the five columns of each of the first two keys.
func (a *acct) keyColumns(row []string, ids []string) ([]string, error) {
	for i := range 2 {
		if i >= len(ids) {
			row = append(row, "false", "N/A", "N/A", "N/A", "N/A")
			continue
		}
		k, err := store.GetJSON[accessKey](a.tx, accessKeysBucket, ids[i])
		if errors.Is(err, store.ErrNotFound) {
			row = append(row, "false", "N/A", "N/A", "N/A", "N/A")
			continue
		}
		if err != nil {
			return nil, err
		}
		use := a.s.usage.merged(k.ID, k.lastUse)
		row = append(row, strconv.FormatBool(k.Status == "Active"), reportTime(k.Created),
			reportTimeOr(use.LastUsed, "N/A"), orNA(use.LastRegion), orNA(use.LastService))
	}
	return row, nil
}

func certColumns(row []string, certs []signingCert) []string {
	for i := range 2 {
		if i >= len(certs) {
			row = append(row, "false", "N/A")
			continue
		}
		row = append(row, strconv.FormatBool(certs[i].Status == "Active"), reportTime(certs[i].Uploaded))
	}
	return row
}

// GenerateCredentialReport builds the account's credential report. A
// report younger than four hours is kept, as AWS keeps it.
func (s *Service) GenerateCredentialReport(ctx context.Context, _ *iamapi.GenerateCredentialReportInput) (*iamapi.GenerateCredentialReportOutput, error) {
	p := caller(ctx)
	if p.Account == "" {
		return nil, errNoAccount
	}
	rootCreated, err := s.accountCreated(ctx, p.Account)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := &iamapi.GenerateCredentialReportOutput{}
	err = s.update(ctx, func(a *acct) error {
		r, err := store.GetJSON[credentialReport](a.tx, a.b(kindAccount), credentialReportKey)
		if err == nil && now.Sub(r.Generated) < credentialReportTTL {
			out.State, out.Description = ptr("COMPLETE"), nil
			return nil
		}
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		content, err := a.buildCredentialReport(rootCreated)
		if err != nil {
			return err
		}
		// Generation is immediate, so the report is ready for the
		// GetCredentialReport that follows; the answer still says
		// STARTED, as AWS's first answer does.
		out.State, out.Description = ptr("STARTED"), ptr("No report exists. Starting a new report generation task")
		return store.PutJSON(a.tx, a.b(kindAccount), credentialReportKey, credentialReport{Generated: now, Content: content})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// GetCredentialReport returns the CSV report (the codec base64-encodes
// it, as the Content blob travels).
func (s *Service) GetCredentialReport(ctx context.Context, _ *iamapi.GetCredentialReportInput) (*iamapi.GetCredentialReportOutput, error) {
	var r credentialReport
	err := s.view(ctx, func(a *acct) error {
		var err error
		r, err = store.GetJSON[credentialReport](a.tx, a.b(kindAccount), credentialReportKey)
		if errors.Is(err, store.ErrNotFound) {
			return awserr.New(http.StatusGone, "ReportNotPresent", "Credential report not present. Use GenerateCredentialReport to generate a report.")
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if s.now().Sub(r.Generated) >= credentialReportTTL {
		return nil, awserr.New(http.StatusGone, "ReportExpired", "Credential report has expired. Use GenerateCredentialReport to generate a new report.")
	}
	return &iamapi.GetCredentialReportOutput{Content: r.Content, ReportFormat: ptr("text/csv"), GeneratedTime: ptr(r.Generated)}, nil
}
