package iam

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/base32"
	"encoding/pem"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/store"

	iamapi "hakoniwa/internal/api/iam"
)

const (
	kindServerCert         = "server-certificate"
	rootSigningCertsKey    = "root-signing-certificates"
	maxSigningCertsPerUser = 2
	maxServerCerts         = 20
)

// signingCert is an X.509 certificate a user (or the root user) signs
// SOAP-era requests with.
type signingCert struct {
	ID       string    `json:"id"`
	Body     string    `json:"body"`
	DER      []byte    `json:"der"`
	Status   string    `json:"status"`
	Uploaded time.Time `json:"uploaded"`
}

// serverCert is a TLS certificate for CloudFront and load balancers. The
// private key is checked against the certificate and then dropped: IAM
// never hands it back, so there is no reason to keep it.
type serverCert struct {
	Name     string    `json:"name"`
	ID       string    `json:"id"`
	Path     string    `json:"path"`
	Body     string    `json:"body"`
	Chain    string    `json:"chain,omitempty"`
	Uploaded time.Time `json:"uploaded"`
	Expires  time.Time `json:"expires"`
	Tags     []tag     `json:"tags,omitempty"`
}

func malformedCertificate(format string, args ...any) error {
	return awserr.New(http.StatusBadRequest, "MalformedCertificate", format, args...)
}

// parseCertificate reads one PEM certificate.
func parseCertificate(body string) (*x509.Certificate, error) {
	block, _ := pem.Decode([]byte(strings.TrimSpace(body)))
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, malformedCertificate("Unable to parse certificate. Please ensure the certificate is in PEM format.")
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, malformedCertificate("Unable to parse certificate. Please ensure the certificate is in PEM format.")
	}
	return c, nil
}

// certificateID is the 28-character id IAM gives signing certificates.
func (s *Service) certificateID() string {
	return base32.StdEncoding.EncodeToString(s.ids.Bytes(20))[:28]
}

func (o keyOwner) certs(a *acct) ([]signingCert, error) {
	if o.user != nil {
		return o.user.SigningCerts, nil
	}
	cs, err := store.GetJSON[[]signingCert](a.tx, a.b(kindAccount), rootSigningCertsKey)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	return cs, err
}

func (o keyOwner) setCerts(a *acct, cs []signingCert) error {
	if o.user != nil {
		o.user.SigningCerts = cs
		return a.putUser(o.user)
	}
	return store.PutJSON(a.tx, a.b(kindAccount), rootSigningCertsKey, cs)
}

func (o keyOwner) name() *string {
	if o.user != nil {
		return ptr(o.user.Name)
	}
	return nil
}

func signingCertOut(o keyOwner, c signingCert) iamapi.SigningCertificate {
	return iamapi.SigningCertificate{
		UserName: o.name(), CertificateId: ptr(c.ID), CertificateBody: ptr(c.Body), Status: ptr(c.Status), UploadDate: ptr(c.Uploaded),
	}
}

// certInUse reports whether any principal of the account has der.
func (a *acct) certInUse(der []byte) (bool, error) {
	users, err := all[user](a, kindUser)
	if err != nil {
		return false, err
	}
	root, err := keyOwner{root: true}.certs(a)
	if err != nil {
		return false, err
	}
	lists := [][]signingCert{root}
	for _, u := range users {
		lists = append(lists, u.SigningCerts)
	}
	for _, l := range lists {
		for _, c := range l {
			if bytes.Equal(c.DER, der) {
				return true, nil
			}
		}
	}
	return false, nil
}

// UploadSigningCertificate adds an X.509 signing certificate (at most two
// per user) to a user or, without UserName, to the caller.
func (s *Service) UploadSigningCertificate(ctx context.Context, in *iamapi.UploadSigningCertificateInput) (*iamapi.UploadSigningCertificateOutput, error) {
	x, err := parseCertificate(deref(in.CertificateBody))
	if err != nil {
		return nil, err
	}
	now := s.now()
	if now.Before(x.NotBefore) || now.After(x.NotAfter) {
		return nil, awserr.New(http.StatusBadRequest, "InvalidCertificate", "The certificate is not valid at this time: it is valid from %s to %s.",
			x.NotBefore.UTC().Format(time.RFC3339), x.NotAfter.UTC().Format(time.RFC3339))
	}
	c := signingCert{ID: s.certificateID(), Body: deref(in.CertificateBody), DER: x.Raw, Status: "Active", Uploaded: now}
	var out iamapi.SigningCertificate
	err = s.update(ctx, func(a *acct) error {
		o, err := s.owner(ctx, a, in.UserName)
		if err != nil {
			return err
		}
		have, err := o.certs(a)
		if err != nil {
			return err
		}
		dup, err := a.certInUse(x.Raw)
		if err != nil {
			return err
		}
		if dup {
			return awserr.New(http.StatusConflict, "DuplicateCertificate", "The same certificate is associated with an IAM user in the account.")
		}
		if len(have) >= maxSigningCertsPerUser {
			return limitExceeded("Cannot exceed quota for CertificatesPerUser: %d", maxSigningCertsPerUser)
		}
		out = signingCertOut(o, c)
		return o.setCerts(a, append(slices.Clone(have), c))
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.UploadSigningCertificateOutput{Certificate: &out}, nil
}

// ListSigningCertificates lists the signing certificates of a user or the
// caller, in upload order.
func (s *Service) ListSigningCertificates(ctx context.Context, in *iamapi.ListSigningCertificatesInput) (*iamapi.ListSigningCertificatesOutput, error) {
	out := &iamapi.ListSigningCertificatesOutput{Certificates: []iamapi.SigningCertificate{}}
	err := s.view(ctx, func(a *acct) error {
		o, err := s.owner(ctx, a, in.UserName)
		if err != nil {
			return err
		}
		have, err := o.certs(a)
		if err != nil {
			return err
		}
		got, p, err := pageInOrder(have, in.Marker, in.MaxItems)
		if err != nil {
			return err
		}
		for _, c := range got {
			out.Certificates = append(out.Certificates, signingCertOut(o, c))
		}
		out.IsTruncated, out.Marker = p.truncated, p.marker
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// modifySigningCert applies fn to the owner's certificate list once the
// certificate id is found in it.
func (s *Service) modifySigningCert(ctx context.Context, name *string, id string, fn func(cs []signingCert, i int) []signingCert) error {
	return s.update(ctx, func(a *acct) error {
		o, err := s.owner(ctx, a, name)
		if err != nil {
			return err
		}
		have, err := o.certs(a)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(have, func(c signingCert) bool { return c.ID == id })
		if i < 0 {
			return noSuchEntity("The Certificate with id %s cannot be found.", id)
		}
		return o.setCerts(a, fn(slices.Clone(have), i))
	})
}

// UpdateSigningCertificate activates or deactivates a signing certificate.
func (s *Service) UpdateSigningCertificate(ctx context.Context, in *iamapi.UpdateSigningCertificateInput) (*iamapi.UpdateSigningCertificateOutput, error) {
	status, err := checkStatus(in.Status)
	if err != nil {
		return nil, err
	}
	err = s.modifySigningCert(ctx, in.UserName, deref(in.CertificateId), func(cs []signingCert, i int) []signingCert {
		cs[i].Status = status
		return cs
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.UpdateSigningCertificateOutput{}, nil
}

// DeleteSigningCertificate deletes a signing certificate.
func (s *Service) DeleteSigningCertificate(ctx context.Context, in *iamapi.DeleteSigningCertificateInput) (*iamapi.DeleteSigningCertificateOutput, error) {
	err := s.modifySigningCert(ctx, in.UserName, deref(in.CertificateId), func(cs []signingCert, i int) []signingCert {
		return slices.Delete(cs, i, i+1)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.DeleteSigningCertificateOutput{}, nil
}

// Server certificates.

func (a *acct) serverCert(name string) (*serverCert, error) {
	return getRec[serverCert](a, kindServerCert, name, func() error {
		return noSuchEntity("The Server Certificate with name %s cannot be found.", name)
	})
}

func (a *acct) putServerCert(c *serverCert) error { return putJSON(a, kindServerCert, c.Name, c) }

func (a *acct) serverCertMeta(c *serverCert) *iamapi.ServerCertificateMetadata {
	return &iamapi.ServerCertificateMetadata{
		Path: ptr(c.Path), ServerCertificateName: ptr(c.Name), ServerCertificateId: ptr(c.ID),
		Arn: ptr(a.arn("server-certificate" + c.Path + c.Name)), UploadDate: ptr(c.Uploaded), Expiration: ptr(c.Expires),
	}
}

// parsePrivateKey reads a PEM private key in PKCS #1, PKCS #8 or SEC 1.
func parsePrivateKey(body string) (crypto.Signer, error) {
	block, _ := pem.Decode([]byte(strings.TrimSpace(body)))
	if block == nil {
		return nil, malformedCertificate("Unable to parse private key. Please ensure the key is in PEM format.")
	}
	if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	if k, err := x509.ParseECPrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	if k, err := x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
		if signer, ok := k.(crypto.Signer); ok {
			return signer, nil
		}
	}
	return nil, malformedCertificate("Unable to parse private key. Please ensure the key is in PEM format.")
}

// samePublicKey reports whether a certificate's key is the private key's.
func samePublicKey(cert crypto.PublicKey, key crypto.Signer) bool {
	// Every key type of crypto/x509 has Equal.
	k, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool })
	return ok && k.Equal(cert)
}

// checkChain validates an optional PEM certificate chain.
func checkChain(chain string) error {
	rest := []byte(strings.TrimSpace(chain))
	n := 0
	for len(bytes.TrimSpace(rest)) > 0 {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil || block.Type != "CERTIFICATE" {
			return malformedCertificate("Unable to parse certificate chain. Please ensure the chain is in PEM format.")
		}
		if _, err := x509.ParseCertificate(block.Bytes); err != nil {
			return malformedCertificate("Unable to parse certificate chain. Please ensure the chain is in PEM format.")
		}
		n++
	}
	if n == 0 {
		return malformedCertificate("Unable to parse certificate chain. Please ensure the chain is in PEM format.")
	}
	return nil
}

// UploadServerCertificate stores a server certificate after checking that
// the private key belongs to it.
func (s *Service) UploadServerCertificate(ctx context.Context, in *iamapi.UploadServerCertificateInput) (*iamapi.UploadServerCertificateOutput, error) {
	name := deref(in.ServerCertificateName)
	if err := checkName(name, "serverCertificateName", 128); err != nil {
		return nil, err
	}
	path, err := checkPath(in.Path, "path")
	if err != nil {
		return nil, err
	}
	x, err := parseCertificate(deref(in.CertificateBody))
	if err != nil {
		return nil, err
	}
	key, err := parsePrivateKey(deref(in.PrivateKey))
	if err != nil {
		return nil, err
	}
	if !samePublicKey(x.PublicKey, key) {
		return nil, awserr.New(http.StatusBadRequest, "KeyPairMismatch", "Unable to validate certificate and private key match. The public key certificate and the private key do not match.")
	}
	if in.CertificateChain != nil {
		if err := checkChain(*in.CertificateChain); err != nil {
			return nil, err
		}
	}
	tags, err := mergeTags(nil, in.Tags)
	if err != nil {
		return nil, err
	}
	c := &serverCert{
		Name: name, ID: s.ids.UniqueID("ASCA"), Path: path, Body: deref(in.CertificateBody), Chain: deref(in.CertificateChain),
		Uploaded: s.now(), Expires: x.NotAfter.UTC(), Tags: tags,
	}
	var out *iamapi.ServerCertificateMetadata
	err = s.update(ctx, func(a *acct) error {
		if err := a.nameFree(kindServerCert, name, alreadyExists("The Server Certificate with name %s already exists.", name)); err != nil {
			return err
		}
		n, err := a.tx.Count(a.b(kindServerCert), "")
		if err != nil {
			return err
		}
		if n >= maxServerCerts {
			return limitExceeded("Cannot exceed quota for ServerCertificatesPerAccount: %d", maxServerCerts)
		}
		out = a.serverCertMeta(c)
		return a.putServerCert(c)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.UploadServerCertificateOutput{ServerCertificateMetadata: out, Tags: apiTags(tags)}, nil
}

// GetServerCertificate returns a server certificate and its chain.
func (s *Service) GetServerCertificate(ctx context.Context, in *iamapi.GetServerCertificateInput) (*iamapi.GetServerCertificateOutput, error) {
	var out iamapi.ServerCertificate
	err := serverCerts.read(ctx, s, deref(in.ServerCertificateName), func(a *acct, c *serverCert) error {
		out = iamapi.ServerCertificate{ServerCertificateMetadata: a.serverCertMeta(c), CertificateBody: ptr(c.Body), CertificateChain: optional(c.Chain), Tags: apiTags(c.Tags)}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.GetServerCertificateOutput{ServerCertificate: &out}, nil
}

// ListServerCertificates lists server certificates under a path prefix.
func (s *Service) ListServerCertificates(ctx context.Context, in *iamapi.ListServerCertificatesInput) (*iamapi.ListServerCertificatesOutput, error) {
	prefix, err := checkPathPrefix(in.PathPrefix)
	if err != nil {
		return nil, err
	}
	out := &iamapi.ListServerCertificatesOutput{ServerCertificateMetadataList: []iamapi.ServerCertificateMetadata{}}
	err = s.view(ctx, func(a *acct) error {
		got, p, err := underPath(a, kindServerCert, prefix, func(c *serverCert) (string, string) { return c.Path, c.Name }, in.Marker, in.MaxItems)
		if err != nil {
			return err
		}
		for i := range got {
			out.ServerCertificateMetadataList = append(out.ServerCertificateMetadataList, *a.serverCertMeta(&got[i]))
		}
		out.IsTruncated, out.Marker = p.truncated, p.marker
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateServerCertificate renames a server certificate or moves it.
func (s *Service) UpdateServerCertificate(ctx context.Context, in *iamapi.UpdateServerCertificateInput) (*iamapi.UpdateServerCertificateOutput, error) {
	newName := deref(in.NewServerCertificateName)
	if newName != "" {
		if err := checkName(newName, "newServerCertificateName", 128); err != nil {
			return nil, err
		}
	}
	var newPath string
	if in.NewPath != nil {
		p, err := checkPath(in.NewPath, "newPath")
		if err != nil {
			return nil, err
		}
		newPath = p
	}
	err := serverCerts.modify(ctx, s, deref(in.ServerCertificateName), func(a *acct, c *serverCert) error {
		oldKey := key(c.Name)
		if newName != "" && key(newName) != oldKey {
			if err := a.nameFree(kindServerCert, newName, alreadyExists("The Server Certificate with name %s already exists.", newName)); err != nil {
				return err
			}
			if err := a.tx.Delete(a.b(kindServerCert), oldKey); err != nil {
				return err
			}
		}
		if newName != "" {
			c.Name = newName
		}
		if newPath != "" {
			c.Path = newPath
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.UpdateServerCertificateOutput{}, nil
}

// DeleteServerCertificate deletes a server certificate. hakoniwa's load
// balancers and CloudFront do not hold IAM certificates, so none is in use.
func (s *Service) DeleteServerCertificate(ctx context.Context, in *iamapi.DeleteServerCertificateInput) (*iamapi.DeleteServerCertificateOutput, error) {
	err := s.update(ctx, func(a *acct) error {
		c, err := a.serverCert(deref(in.ServerCertificateName))
		if err != nil {
			return err
		}
		return a.tx.Delete(a.b(kindServerCert), key(c.Name))
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.DeleteServerCertificateOutput{}, nil
}

// TagServerCertificate adds or overwrites tags of a server certificate.
func (s *Service) TagServerCertificate(ctx context.Context, in *iamapi.TagServerCertificateInput) (*iamapi.TagServerCertificateOutput, error) {
	if err := serverCerts.tag(ctx, s, deref(in.ServerCertificateName), in.Tags); err != nil {
		return nil, err
	}
	return &iamapi.TagServerCertificateOutput{}, nil
}

// UntagServerCertificate removes tags from a server certificate.
func (s *Service) UntagServerCertificate(ctx context.Context, in *iamapi.UntagServerCertificateInput) (*iamapi.UntagServerCertificateOutput, error) {
	if err := serverCerts.untag(ctx, s, deref(in.ServerCertificateName), in.TagKeys); err != nil {
		return nil, err
	}
	return &iamapi.UntagServerCertificateOutput{}, nil
}

// ListServerCertificateTags lists a server certificate's tags.
func (s *Service) ListServerCertificateTags(ctx context.Context, in *iamapi.ListServerCertificateTagsInput) (*iamapi.ListServerCertificateTagsOutput, error) {
	tags, p, err := serverCerts.listTags(ctx, s, deref(in.ServerCertificateName), in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iamapi.ListServerCertificateTagsOutput{Tags: tags, IsTruncated: p.truncated, Marker: p.marker}, nil
}
