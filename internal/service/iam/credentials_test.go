package iam

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	iamapi "hakoniwa/internal/api/iam"
)

var (
	rsaOnce sync.Once
	rsaKey  *rsa.PrivateKey
)

// testRSAKey is one 2048-bit key for the whole package's tests: generating
// one costs a noticeable fraction of a second.
func testRSAKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	rsaOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		rsaKey = k
	})
	return rsaKey
}

func sshAuthorizedKey(k *rsa.PublicKey) string {
	return "ssh-rsa " + base64.StdEncoding.EncodeToString(marshalSSHRSA(k)) + " alice@example.com"
}

// testCert makes a self-signed certificate for key, valid around the test
// clock (2025-01-02) unless notAfter says otherwise.
func testCert(t *testing.T, key crypto.Signer, cn string, notAfter time.Time) string {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: notAfter,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

func ecKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func keyPEM(t *testing.T, k crypto.Signer) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

var certExpiry = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

func TestSSHPublicKeys(t *testing.T) {
	s, ctx := newTestService(t)
	must(s.CreateUser(ctx, &iamapi.CreateUserInput{UserName: ptr("alice")}))
	k := testRSAKey(t)
	body := sshAuthorizedKey(&k.PublicKey)

	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ body, code string }{
		{"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG1vY2s= x", "UnrecognizedPublicKeyEncoding"},
		{"not a key", "UnrecognizedPublicKeyEncoding"},
		{"ssh-rsa !!!notbase64", "InvalidPublicKey"},
		{"ssh-rsa " + base64.StdEncoding.EncodeToString([]byte("\x00\x00\x00\x07ssh-rsa")), "InvalidPublicKey"},
		{sshAuthorizedKey(&small.PublicKey), "InvalidPublicKey"},
		{"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----", "InvalidPublicKey"},
	} {
		_, err := s.UploadSSHPublicKey(ctx, &iamapi.UploadSSHPublicKeyInput{UserName: ptr("alice"), SSHPublicKeyBody: ptr(tc.body)})
		wantErr(t, err, tc.code, "")
	}

	up := must(s.UploadSSHPublicKey(ctx, &iamapi.UploadSSHPublicKeyInput{UserName: ptr("alice"), SSHPublicKeyBody: ptr(body)})).SSHPublicKey
	id := deref(up.SSHPublicKeyId)
	fp := deref(up.Fingerprint)
	if !strings.HasPrefix(id, "APKA") || len(fp) != 47 || strings.Count(fp, ":") != 15 || deref(up.Status) != "Active" {
		t.Fatalf("uploaded = %+v", up)
	}
	_, err = s.UploadSSHPublicKey(ctx, &iamapi.UploadSSHPublicKeyInput{UserName: ptr("alice"), SSHPublicKeyBody: ptr(body)})
	wantErr(t, err, "DuplicateSSHPublicKey", "")

	// The same key in PEM is the same key.
	pemBody := must(s.GetSSHPublicKey(ctx, &iamapi.GetSSHPublicKeyInput{UserName: ptr("alice"), SSHPublicKeyId: ptr(id), Encoding: ptr("PEM")})).SSHPublicKey
	if !strings.HasPrefix(deref(pemBody.SSHPublicKeyBody), "-----BEGIN PUBLIC KEY-----") {
		t.Fatalf("PEM = %q", deref(pemBody.SSHPublicKeyBody))
	}
	blob, err := parseSSHPublicKey(deref(pemBody.SSHPublicKeyBody))
	if err != nil || sshFingerprint(blob) != fp {
		t.Fatalf("PEM round trip: %v, fingerprint %s vs %s", err, sshFingerprint(blob), fp)
	}
	sshBody := must(s.GetSSHPublicKey(ctx, &iamapi.GetSSHPublicKeyInput{UserName: ptr("alice"), SSHPublicKeyId: ptr(id), Encoding: ptr("SSH")})).SSHPublicKey
	if !strings.HasPrefix(body, deref(sshBody.SSHPublicKeyBody)) {
		t.Fatalf("SSH = %q", deref(sshBody.SSHPublicKeyBody))
	}
	_, err = s.GetSSHPublicKey(ctx, &iamapi.GetSSHPublicKeyInput{UserName: ptr("alice"), SSHPublicKeyId: ptr("APKANOPE"), Encoding: ptr("SSH")})
	wantErr(t, err, "NoSuchEntity", "The Public Key with id APKANOPE cannot be found.")

	must(s.UpdateSSHPublicKey(ctx, &iamapi.UpdateSSHPublicKeyInput{UserName: ptr("alice"), SSHPublicKeyId: ptr(id), Status: ptr("Inactive")}))
	l := must(s.ListSSHPublicKeys(ctx, &iamapi.ListSSHPublicKeysInput{UserName: ptr("alice")}))
	if len(l.SSHPublicKeys) != 1 || deref(l.SSHPublicKeys[0].Status) != "Inactive" {
		t.Fatalf("list = %+v", l.SSHPublicKeys)
	}
	_, err = s.DeleteUser(ctx, &iamapi.DeleteUserInput{UserName: ptr("alice")})
	wantErr(t, err, "DeleteConflict", "must delete SSH public keys first")

	// Five keys per user.
	for i := 0; i < 4; i++ {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		must(s.UploadSSHPublicKey(ctx, &iamapi.UploadSSHPublicKeyInput{UserName: ptr("alice"), SSHPublicKeyBody: ptr(sshAuthorizedKey(&k.PublicKey))}))
	}
	k6, _ := rsa.GenerateKey(rand.Reader, 2048)
	_, err = s.UploadSSHPublicKey(ctx, &iamapi.UploadSSHPublicKeyInput{UserName: ptr("alice"), SSHPublicKeyBody: ptr(sshAuthorizedKey(&k6.PublicKey))})
	wantErr(t, err, "LimitExceeded", "")
	must(s.DeleteSSHPublicKey(ctx, &iamapi.DeleteSSHPublicKeyInput{UserName: ptr("alice"), SSHPublicKeyId: ptr(id)}))
	_, err = s.DeleteSSHPublicKey(ctx, &iamapi.DeleteSSHPublicKeyInput{UserName: ptr("alice"), SSHPublicKeyId: ptr(id)})
	wantErr(t, err, "NoSuchEntity", "")
}

func TestSigningCertificates(t *testing.T) {
	s, ctx := newTestService(t)
	must(s.CreateUser(ctx, &iamapi.CreateUserInput{UserName: ptr("alice")}))
	must(s.CreateUser(ctx, &iamapi.CreateUserInput{UserName: ptr("bob")}))
	k := ecKey(t)
	cert := testCert(t, k, "alice", certExpiry)

	for _, tc := range []struct{ body, code string }{
		{"garbage", "MalformedCertificate"},
		{"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----", "MalformedCertificate"},
		{testCert(t, k, "old", time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)), "InvalidCertificate"},
	} {
		_, err := s.UploadSigningCertificate(ctx, &iamapi.UploadSigningCertificateInput{UserName: ptr("alice"), CertificateBody: ptr(tc.body)})
		wantErr(t, err, tc.code, "")
	}
	c := must(s.UploadSigningCertificate(ctx, &iamapi.UploadSigningCertificateInput{UserName: ptr("alice"), CertificateBody: ptr(cert)})).Certificate
	if len(deref(c.CertificateId)) != 28 || deref(c.Status) != "Active" || deref(c.UserName) != "alice" {
		t.Fatalf("cert = %+v", c)
	}
	// The same certificate may not belong to anyone else in the account.
	_, err := s.UploadSigningCertificate(ctx, &iamapi.UploadSigningCertificateInput{UserName: ptr("bob"), CertificateBody: ptr(cert)})
	wantErr(t, err, "DuplicateCertificate", "")
	must(s.UploadSigningCertificate(ctx, &iamapi.UploadSigningCertificateInput{UserName: ptr("alice"), CertificateBody: ptr(testCert(t, k, "two", certExpiry))}))
	_, err = s.UploadSigningCertificate(ctx, &iamapi.UploadSigningCertificateInput{UserName: ptr("alice"), CertificateBody: ptr(testCert(t, k, "three", certExpiry))})
	wantErr(t, err, "LimitExceeded", "")

	must(s.UpdateSigningCertificate(ctx, &iamapi.UpdateSigningCertificateInput{UserName: ptr("alice"), CertificateId: c.CertificateId, Status: ptr("Inactive")}))
	l := must(s.ListSigningCertificates(ctx, &iamapi.ListSigningCertificatesInput{UserName: ptr("alice")}))
	if len(l.Certificates) != 2 || deref(l.Certificates[0].Status) != "Inactive" {
		t.Fatalf("list = %+v", l.Certificates)
	}
	_, err = s.DeleteUser(ctx, &iamapi.DeleteUserInput{UserName: ptr("alice")})
	wantErr(t, err, "DeleteConflict", "must delete signing certificates first")
	_, err = s.DeleteSigningCertificate(ctx, &iamapi.DeleteSigningCertificateInput{UserName: ptr("bob"), CertificateId: c.CertificateId})
	wantErr(t, err, "NoSuchEntity", "cannot be found")

	// The root user's own certificates (no UserName).
	must(s.UploadSigningCertificate(ctx, &iamapi.UploadSigningCertificateInput{CertificateBody: ptr(testCert(t, k, "root", certExpiry))}))
	if l := must(s.ListSigningCertificates(ctx, &iamapi.ListSigningCertificatesInput{})); len(l.Certificates) != 1 || l.Certificates[0].UserName != nil {
		t.Fatalf("root list = %+v", l.Certificates)
	}
	sum := must(s.GetAccountSummary(ctx, &iamapi.GetAccountSummaryInput{})).SummaryMap
	if sum["AccountSigningCertificatesPresent"] != 1 {
		t.Fatalf("summary = %v", sum)
	}
}

func TestServerCertificates(t *testing.T) {
	s, ctx := newTestService(t)
	k := ecKey(t)
	cert := testCert(t, k, "www.example.com", certExpiry)
	upload := func(name, body, key string) (*iamapi.UploadServerCertificateOutput, error) {
		return s.UploadServerCertificate(ctx, &iamapi.UploadServerCertificateInput{
			ServerCertificateName: ptr(name), CertificateBody: ptr(body), PrivateKey: ptr(key), Path: ptr("/cloudfront/"),
			Tags: []iamapi.Tag{{Key: ptr("env"), Value: ptr("test")}},
		})
	}
	_, err := upload("www", cert, keyPEM(t, ecKey(t)))
	wantErr(t, err, "KeyPairMismatch", "")
	_, err = upload("www", cert, "not a key")
	wantErr(t, err, "MalformedCertificate", "")
	_, err = upload("www", "nope", keyPEM(t, k))
	wantErr(t, err, "MalformedCertificate", "")
	rk := testRSAKey(t)
	if _, err := upload("rsa", testCert(t, rk, "rsa", certExpiry), string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rk)}))); err != nil {
		t.Fatalf("PKCS#1 RSA key: %v", err)
	}
	up := must(upload("www", cert, keyPEM(t, k)))
	m := up.ServerCertificateMetadata
	if deref(m.Arn) != "arn:aws:iam::000000000000:server-certificate/cloudfront/www" || !strings.HasPrefix(deref(m.ServerCertificateId), "ASCA") || !m.Expiration.Equal(certExpiry) {
		t.Fatalf("metadata = %+v", m)
	}
	_, err = upload("WWW", cert, keyPEM(t, k))
	wantErr(t, err, "EntityAlreadyExists", "")

	must(s.UpdateServerCertificate(ctx, &iamapi.UpdateServerCertificateInput{ServerCertificateName: ptr("www"), NewServerCertificateName: ptr("web"), NewPath: ptr("/")}))
	_, err = s.GetServerCertificate(ctx, &iamapi.GetServerCertificateInput{ServerCertificateName: ptr("www")})
	wantErr(t, err, "NoSuchEntity", "The Server Certificate with name www cannot be found.")
	got := must(s.GetServerCertificate(ctx, &iamapi.GetServerCertificateInput{ServerCertificateName: ptr("web")})).ServerCertificate
	if deref(got.CertificateBody) != cert || deref(got.ServerCertificateMetadata.Path) != "/" || len(got.Tags) != 1 {
		t.Fatalf("get = %+v", got)
	}
	if l := must(s.ListServerCertificates(ctx, &iamapi.ListServerCertificatesInput{PathPrefix: ptr("/cloudfront/")})); len(l.ServerCertificateMetadataList) != 1 {
		t.Fatalf("list by prefix = %+v", l.ServerCertificateMetadataList)
	}
	must(s.TagServerCertificate(ctx, &iamapi.TagServerCertificateInput{ServerCertificateName: ptr("web"), Tags: []iamapi.Tag{{Key: ptr("a"), Value: ptr("b")}}}))
	must(s.UntagServerCertificate(ctx, &iamapi.UntagServerCertificateInput{ServerCertificateName: ptr("web"), TagKeys: []string{"env"}}))
	if tags := must(s.ListServerCertificateTags(ctx, &iamapi.ListServerCertificateTagsInput{ServerCertificateName: ptr("web")})).Tags; len(tags) != 1 || deref(tags[0].Key) != "a" {
		t.Fatalf("tags = %+v", tags)
	}
	if n := must(s.GetAccountSummary(ctx, &iamapi.GetAccountSummaryInput{})).SummaryMap["ServerCertificates"]; n != 2 {
		t.Fatalf("ServerCertificates = %d", n)
	}
	must(s.DeleteServerCertificate(ctx, &iamapi.DeleteServerCertificateInput{ServerCertificateName: ptr("web")}))
	_, err = s.DeleteServerCertificate(ctx, &iamapi.DeleteServerCertificateInput{ServerCertificateName: ptr("web")})
	wantErr(t, err, "NoSuchEntity", "")
}

func TestServiceSpecificCredentials(t *testing.T) {
	s, ctx := newTestService(t)
	must(s.CreateUser(ctx, &iamapi.CreateUserInput{UserName: ptr("alice")}))
	create := func(svc string) (*iamapi.ServiceSpecificCredential, error) {
		out, err := s.CreateServiceSpecificCredential(ctx, &iamapi.CreateServiceSpecificCredentialInput{UserName: ptr("alice"), ServiceName: ptr(svc)})
		if err != nil {
			return nil, err
		}
		return out.ServiceSpecificCredential, nil
	}
	_, err := create("s3.amazonaws.com")
	wantErr(t, err, "NotSupportedService", "")
	c1 := must(create("codecommit.amazonaws.com"))
	if deref(c1.ServiceUserName) != "alice-at-000000000000" || len(deref(c1.ServicePassword)) != 44 || !strings.HasPrefix(deref(c1.ServiceSpecificCredentialId), "ACCA") {
		t.Fatalf("credential = %+v", c1)
	}
	c2 := must(create("codecommit.amazonaws.com"))
	if deref(c2.ServiceUserName) == deref(c1.ServiceUserName) {
		t.Fatalf("user names collide: %s", deref(c2.ServiceUserName))
	}
	_, err = create("codecommit.amazonaws.com")
	wantErr(t, err, "LimitExceeded", "")
	b := must(create("bedrock.amazonaws.com"))
	if b.ServiceCredentialAlias == nil || b.ServiceCredentialSecret == nil || b.ServicePassword != nil {
		t.Fatalf("bedrock credential = %+v", b)
	}

	reset := must(s.ResetServiceSpecificCredential(ctx, &iamapi.ResetServiceSpecificCredentialInput{UserName: ptr("alice"), ServiceSpecificCredentialId: c1.ServiceSpecificCredentialId})).ServiceSpecificCredential
	if deref(reset.ServicePassword) == deref(c1.ServicePassword) {
		t.Fatal("reset kept the password")
	}
	must(s.UpdateServiceSpecificCredential(ctx, &iamapi.UpdateServiceSpecificCredentialInput{UserName: ptr("alice"), ServiceSpecificCredentialId: c1.ServiceSpecificCredentialId, Status: ptr("Inactive")}))
	l := must(s.ListServiceSpecificCredentials(ctx, &iamapi.ListServiceSpecificCredentialsInput{UserName: ptr("alice"), ServiceName: ptr("codecommit.amazonaws.com")}))
	if len(l.ServiceSpecificCredentials) != 2 || deref(l.ServiceSpecificCredentials[0].Status) != "Inactive" {
		t.Fatalf("list = %+v", l.ServiceSpecificCredentials)
	}
	if all := must(s.ListServiceSpecificCredentials(ctx, &iamapi.ListServiceSpecificCredentialsInput{AllUsers: ptr(true)})); len(all.ServiceSpecificCredentials) != 3 {
		t.Fatalf("all users = %d", len(all.ServiceSpecificCredentials))
	}
	_, err = s.DeleteUser(ctx, &iamapi.DeleteUserInput{UserName: ptr("alice")})
	wantErr(t, err, "DeleteConflict", "must delete service specific credentials first")
	for _, c := range []*iamapi.ServiceSpecificCredential{c1, c2, b} {
		must(s.DeleteServiceSpecificCredential(ctx, &iamapi.DeleteServiceSpecificCredentialInput{UserName: ptr("alice"), ServiceSpecificCredentialId: c.ServiceSpecificCredentialId}))
	}
	_, err = s.DeleteServiceSpecificCredential(ctx, &iamapi.DeleteServiceSpecificCredentialInput{UserName: ptr("alice"), ServiceSpecificCredentialId: c1.ServiceSpecificCredentialId})
	wantErr(t, err, "NoSuchEntity", "")
	must(s.DeleteUser(ctx, &iamapi.DeleteUserInput{UserName: ptr("alice")}))
}
