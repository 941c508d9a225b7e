package e2e

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"encoding/base32"
	"encoding/base64"
	bin "encoding/binary"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"image/png"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// e2eTOTP is RFC 6238 (SHA-1, six digits, 30 s steps) for a base32 seed,
// written here so the test does not trust the server's own code.
func e2eTOTP(t *testing.T, seed []byte, at time.Time) string {
	t.Helper()
	secret, err := base32.StdEncoding.DecodeString(string(seed))
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	var msg [8]byte
	bin.BigEndian.PutUint64(msg[:], uint64(at.Unix()/30))
	m := hmac.New(sha1.New, secret)
	m.Write(msg[:])
	sum := m.Sum(nil)
	off := sum[19] & 0x0f
	return fmt.Sprintf("%06d", (bin.BigEndian.Uint32(sum[off:])&0x7fffffff)%1_000_000)
}

// sshRSAKey renders an RSA public key as an authorized_keys line.
func sshRSAKey(k *rsa.PublicKey) string {
	var b bytes.Buffer
	put := func(p []byte) {
		_ = bin.Write(&b, bin.BigEndian, uint32(len(p)))
		b.Write(p)
	}
	mpint := func(x *big.Int) []byte {
		p := x.Bytes()
		if len(p) > 0 && p[0]&0x80 != 0 {
			p = append([]byte{0}, p...)
		}
		return p
	}
	put([]byte("ssh-rsa"))
	put(mpint(big.NewInt(int64(k.E))))
	put(mpint(k.N))
	return "ssh-rsa " + base64.StdEncoding.EncodeToString(b.Bytes()) + " e2e@example.com"
}

// TestIAMVirtualMFAAndCredentials enables a virtual MFA device with codes
// computed here, uploads an SSH key, and checks that each credential
// blocks DeleteUser until removed.
func TestIAMVirtualMFAAndCredentials(t *testing.T) {
	s := StartServer(t)
	ctx := context.Background()
	c := iam.NewFromConfig(s.DefaultConfig())
	if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("mfa-user")}); err != nil {
		t.Fatal(err)
	}
	dev, err := c.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("mfa-user")})
	if err != nil {
		t.Fatal(err)
	}
	serial := aws.ToString(dev.VirtualMFADevice.SerialNumber)
	seed := dev.VirtualMFADevice.Base32StringSeed
	if serial != "arn:aws:iam::000000000000:mfa/mfa-user" || len(seed) != 64 {
		t.Fatalf("device %s, seed %q", serial, seed)
	}
	if _, err := png.Decode(bytes.NewReader(dev.VirtualMFADevice.QRCodePNG)); err != nil {
		t.Fatalf("QRCodePNG: %v", err)
	}
	enable := func(c1, c2 string) error {
		_, err := c.EnableMFADevice(ctx, &iam.EnableMFADeviceInput{UserName: aws.String("mfa-user"), SerialNumber: &serial, AuthenticationCode1: &c1, AuthenticationCode2: &c2})
		return err
	}
	if err := enable("123456", "654321"); apiCode(t, err) != "InvalidAuthenticationCode" {
		t.Fatalf("wrong codes: %v", err)
	}
	// The previous and the current code, as a person reads them off an app.
	now := time.Now()
	if err := enable(e2eTOTP(t, seed, now.Add(-30*time.Second)), e2eTOTP(t, seed, now)); err != nil {
		t.Fatal(err)
	}
	list, err := c.ListMFADevices(ctx, &iam.ListMFADevicesInput{UserName: aws.String("mfa-user")})
	if err != nil || len(list.MFADevices) != 1 || aws.ToString(list.MFADevices[0].SerialNumber) != serial {
		t.Fatalf("ListMFADevices = %+v, %v", list, err)
	}
	virt, err := c.ListVirtualMFADevices(ctx, &iam.ListVirtualMFADevicesInput{AssignmentStatus: "Assigned"})
	if err != nil || len(virt.VirtualMFADevices) != 1 || aws.ToString(virt.VirtualMFADevices[0].User.UserName) != "mfa-user" {
		t.Fatalf("ListVirtualMFADevices = %+v, %v", virt, err)
	}

	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	up, err := c.UploadSSHPublicKey(ctx, &iam.UploadSSHPublicKeyInput{UserName: aws.String("mfa-user"), SSHPublicKeyBody: aws.String(sshRSAKey(&key.PublicKey))})
	if err != nil {
		t.Fatal(err)
	}
	if fp := aws.ToString(up.SSHPublicKey.Fingerprint); strings.Count(fp, ":") != 15 {
		t.Fatalf("fingerprint %q", fp)
	}
	if _, err := c.UploadSSHPublicKey(ctx, &iam.UploadSSHPublicKeyInput{UserName: aws.String("mfa-user"), SSHPublicKeyBody: aws.String("ssh-dss AAAA")}); apiCode(t, err) != "UnrecognizedPublicKeyEncoding" {
		t.Fatalf("dss key: %v", err)
	}

	steps := []struct {
		conflict string
		remove   func() error
	}{
		{"must delete SSH public keys first", func() error {
			_, err := c.DeleteSSHPublicKey(ctx, &iam.DeleteSSHPublicKeyInput{UserName: aws.String("mfa-user"), SSHPublicKeyId: up.SSHPublicKey.SSHPublicKeyId})
			return err
		}},
		{"must delete MFA device first", func() error {
			_, err := c.DeactivateMFADevice(ctx, &iam.DeactivateMFADeviceInput{UserName: aws.String("mfa-user"), SerialNumber: &serial})
			return err
		}},
	}
	for _, step := range steps {
		_, err := c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("mfa-user")})
		if apiCode(t, err) != "DeleteConflict" || !strings.Contains(err.Error(), step.conflict) {
			t.Fatalf("DeleteUser: %v, want %q", err, step.conflict)
		}
		if err := step.remove(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.DeleteVirtualMFADevice(ctx, &iam.DeleteVirtualMFADeviceInput{SerialNumber: &serial}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("mfa-user")}); err != nil {
		t.Fatal(err)
	}
}

// TestIAMOIDCProviderLifecycle drives an OpenID Connect provider.
func TestIAMOIDCProviderLifecycle(t *testing.T) {
	s := StartServer(t)
	ctx := context.Background()
	c := iam.NewFromConfig(s.DefaultConfig())
	thumb := strings.Repeat("ab", 20)
	out, err := c.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{
		Url: aws.String("https://token.actions.example.com"), ClientIDList: []string{"sts.amazonaws.com"}, ThumbprintList: []string{thumb},
	})
	if err != nil {
		t.Fatal(err)
	}
	arn := out.OpenIDConnectProviderArn
	if aws.ToString(arn) != "arn:aws:iam::000000000000:oidc-provider/token.actions.example.com" {
		t.Fatalf("arn = %s", aws.ToString(arn))
	}
	if _, err := c.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{Url: aws.String("https://token.actions.example.com")}); apiCode(t, err) != "EntityAlreadyExists" {
		t.Fatalf("duplicate: %v", err)
	}
	if _, err := c.AddClientIDToOpenIDConnectProvider(ctx, &iam.AddClientIDToOpenIDConnectProviderInput{OpenIDConnectProviderArn: arn, ClientID: aws.String("my-app")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateOpenIDConnectProviderThumbprint(ctx, &iam.UpdateOpenIDConnectProviderThumbprintInput{OpenIDConnectProviderArn: arn, ThumbprintList: []string{strings.Repeat("cd", 20)}}); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: arn})
	if err != nil || aws.ToString(got.Url) != "token.actions.example.com" || len(got.ClientIDList) != 2 || got.ThumbprintList[0] != strings.Repeat("cd", 20) {
		t.Fatalf("get = %+v, %v", got, err)
	}
	if _, err := c.DeleteOpenIDConnectProvider(ctx, &iam.DeleteOpenIDConnectProviderInput{OpenIDConnectProviderArn: arn}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: arn}); apiCode(t, err) != "NoSuchEntity" {
		t.Fatalf("after delete: %v", err)
	}
}

// TestIAMCredentialReportCLI reads the credential report through the aws
// CLI v2, which returns Content base64-encoded. Debian's CLI v2 predates
// AWS_ENDPOINT_URL, so the endpoint is passed explicitly.
func TestIAMCredentialReportCLI(t *testing.T) {
	cli := need(t, "/usr/bin/aws")
	s := StartServer(t)
	ctx := context.Background()
	c := iam.NewFromConfig(s.DefaultConfig())
	if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("reported")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("reported")}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Run(ctx, nil, cli, "--endpoint-url", s.URL, "iam", "get-credential-report"); err == nil {
		t.Fatal("a report before any was generated")
	}
	out, stderr, err := s.Run(ctx, nil, cli, "--endpoint-url", s.URL, "iam", "generate-credential-report", "--output", "json")
	if err != nil {
		t.Fatalf("generate: %v\n%s", err, stderr)
	}
	contains(t, out, `"State": "STARTED"`)
	out, stderr, err = s.Run(ctx, nil, cli, "--endpoint-url", s.URL, "iam", "get-credential-report", "--output", "json")
	if err != nil {
		t.Fatalf("get: %v\n%s", err, stderr)
	}
	var rep struct{ Content, ReportFormat string }
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	raw, err := base64.StdEncoding.DecodeString(rep.Content)
	if err != nil || rep.ReportFormat != "text/csv" {
		t.Fatalf("content %q (%v), format %q", rep.Content, err, rep.ReportFormat)
	}
	rows, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	if err != nil || len(rows) != 3 || len(rows[0]) != 22 {
		t.Fatalf("report rows %v (%v)", rows, err)
	}
	if rows[1][0] != "<root_account>" || rows[2][0] != "reported" || rows[2][8] != "true" || rows[2][3] != "false" {
		t.Fatalf("report rows %v", rows)
	}
}
