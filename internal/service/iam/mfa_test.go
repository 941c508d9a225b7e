package iam

import (
	"bytes"
	"encoding/base32"
	"image/png"
	"testing"
	"time"

	"hakoniwa/internal/clock"

	iamapi "hakoniwa/internal/api/iam"
)

// RFC 6238 appendix B, SHA-1 column, truncated to six digits.
func TestTOTPVectors(t *testing.T) {
	secret := []byte("12345678901234567890")
	for _, tc := range []struct {
		unix int64
		want string
	}{
		{59, "287082"}, {1111111109, "081804"}, {1111111111, "050471"},
		{1234567890, "005924"}, {2000000000, "279037"}, {20000000000, "353130"},
	} {
		if got := totp(secret, totpStepAt(time.Unix(tc.unix, 0))); got != tc.want {
			t.Errorf("totp(T=%d) = %s, want %s", tc.unix, got, tc.want)
		}
	}
}

func codesAt(t *testing.T, seed []byte, at time.Time, steps ...int64) []string {
	t.Helper()
	secret, err := base32.StdEncoding.DecodeString(string(seed))
	if err != nil {
		t.Fatalf("seed %q: %v", seed, err)
	}
	var out []string
	for _, d := range steps {
		out = append(out, totp(secret, totpStepAt(at)+d))
	}
	return out
}

func TestVirtualMFALifecycle(t *testing.T) {
	s, ctx := newTestService(t)
	clk := s.clock.(*clock.Manual)
	must(s.CreateUser(ctx, &iamapi.CreateUserInput{UserName: ptr("alice")}))
	dev := must(s.CreateVirtualMFADevice(ctx, &iamapi.CreateVirtualMFADeviceInput{VirtualMFADeviceName: ptr("alice-phone"), Tags: []iamapi.Tag{{Key: ptr("k"), Value: ptr("v")}}})).VirtualMFADevice
	serial := deref(dev.SerialNumber)
	if serial != "arn:aws:iam::000000000000:mfa/alice-phone" || len(dev.Base32StringSeed) != 64 {
		t.Fatalf("device = %s seed %q", serial, dev.Base32StringSeed)
	}
	img, err := png.Decode(bytes.NewReader(dev.QRCodePNG))
	if err != nil {
		t.Fatalf("QR code is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() < 100 || b.Dx() != b.Dy() || b.Dx() > 2000 {
		t.Fatalf("QR code size %v", b)
	}
	_, err = s.CreateVirtualMFADevice(ctx, &iamapi.CreateVirtualMFADeviceInput{VirtualMFADeviceName: ptr("alice-phone"), Path: ptr("/x/")})
	wantErr(t, err, "EntityAlreadyExists", "")

	enable := func(c1, c2 string) error {
		_, err := s.EnableMFADevice(ctx, &iamapi.EnableMFADeviceInput{UserName: ptr("alice"), SerialNumber: ptr(serial), AuthenticationCode1: ptr(c1), AuthenticationCode2: ptr(c2)})
		return err
	}
	now := clk.Now()
	good := codesAt(t, dev.Base32StringSeed, now, -1, 0, 1, 2)
	for _, bad := range [][2]string{{"000000", "000000"}, {good[1], good[0]}, {good[0], good[2]}} {
		wantErr(t, enable(bad[0], bad[1]), "InvalidAuthenticationCode", "Authentication code for device is not valid.")
	}
	if err := enable(good[0], good[1]); err != nil {
		t.Fatal(err)
	}
	wantErr(t, enable(good[0], good[1]), "EntityAlreadyExists", "")

	got := must(s.ListMFADevices(ctx, &iamapi.ListMFADevicesInput{UserName: ptr("alice")}))
	if len(got.MFADevices) != 1 || deref(got.MFADevices[0].SerialNumber) != serial || got.MFADevices[0].EnableDate == nil {
		t.Fatalf("ListMFADevices = %+v", got.MFADevices)
	}
	for status, n := range map[string]int{"Assigned": 1, "Unassigned": 0, "Any": 1} {
		l := must(s.ListVirtualMFADevices(ctx, &iamapi.ListVirtualMFADevicesInput{AssignmentStatus: ptr(status)}))
		if len(l.VirtualMFADevices) != n {
			t.Fatalf("%s: %d devices", status, len(l.VirtualMFADevices))
		}
		if n == 1 && deref(l.VirtualMFADevices[0].User.UserName) != "alice" {
			t.Fatalf("%s: user %+v", status, l.VirtualMFADevices[0].User)
		}
	}
	if tags := must(s.ListMFADeviceTags(ctx, &iamapi.ListMFADeviceTagsInput{SerialNumber: ptr(serial)})).Tags; len(tags) != 1 {
		t.Fatalf("tags = %+v", tags)
	}

	// STS's check: the codes used to enable are spent; the next one works
	// once, then is refused as a replay.
	_, err = s.CheckMFACode(ctx, acctID, serial, good[1])
	wantErr(t, err, "AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass code.")
	arn, err := s.CheckMFACode(ctx, acctID, serial, good[2])
	if err != nil || arn != "arn:aws:iam::000000000000:user/alice" {
		t.Fatalf("CheckMFACode = %q, %v", arn, err)
	}
	_, err = s.CheckMFACode(ctx, acctID, serial, good[2])
	wantErr(t, err, "AccessDenied", "")
	_, err = s.CheckMFACode(ctx, acctID, serial, "123456")
	wantErr(t, err, "AccessDenied", "")
	clk.Advance(2 * totpStep * time.Second)
	if _, err := s.CheckMFACode(ctx, acctID, serial, codesAt(t, dev.Base32StringSeed, clk.Now(), 0)[0]); err != nil {
		t.Fatalf("fresh code refused: %v", err)
	}
	_, err = s.CheckMFACode(ctx, "111122223333", serial, codesAt(t, dev.Base32StringSeed, clk.Now(), 1)[0])
	wantErr(t, err, "AccessDenied", "")

	// A user with a device cannot be deleted; the device cannot be deleted
	// while enabled.
	_, err = s.DeleteUser(ctx, &iamapi.DeleteUserInput{UserName: ptr("alice")})
	wantErr(t, err, "DeleteConflict", "Cannot delete entity, must delete MFA device first.")
	_, err = s.DeleteVirtualMFADevice(ctx, &iamapi.DeleteVirtualMFADeviceInput{SerialNumber: ptr(serial)})
	wantErr(t, err, "DeleteConflict", "")

	// Resync accepts a pair far from now; a wrong pair is refused.
	drifted := codesAt(t, dev.Base32StringSeed, clk.Now(), 10, 11)
	must(s.ResyncMFADevice(ctx, &iamapi.ResyncMFADeviceInput{UserName: ptr("alice"), SerialNumber: ptr(serial), AuthenticationCode1: ptr(drifted[0]), AuthenticationCode2: ptr(drifted[1])}))
	_, err = s.ResyncMFADevice(ctx, &iamapi.ResyncMFADeviceInput{UserName: ptr("alice"), SerialNumber: ptr(serial), AuthenticationCode1: ptr(drifted[1]), AuthenticationCode2: ptr(drifted[0])})
	wantErr(t, err, "InvalidAuthenticationCode", "")

	// Renaming the user keeps the device's assignment.
	must(s.UpdateUser(ctx, &iamapi.UpdateUserInput{UserName: ptr("alice"), NewUserName: ptr("alicia")}))
	if d := must(s.GetMFADevice(ctx, &iamapi.GetMFADeviceInput{SerialNumber: ptr(serial)})); deref(d.UserName) != "alicia" {
		t.Fatalf("GetMFADevice after rename = %+v", d)
	}

	must(s.DeactivateMFADevice(ctx, &iamapi.DeactivateMFADeviceInput{UserName: ptr("alicia"), SerialNumber: ptr(serial)}))
	_, err = s.DeactivateMFADevice(ctx, &iamapi.DeactivateMFADeviceInput{UserName: ptr("alicia"), SerialNumber: ptr(serial)})
	wantErr(t, err, "NoSuchEntity", "")
	_, err = s.CheckMFACode(ctx, acctID, serial, codesAt(t, dev.Base32StringSeed, clk.Now(), 0)[0])
	wantErr(t, err, "AccessDenied", "")
	if l := must(s.ListVirtualMFADevices(ctx, &iamapi.ListVirtualMFADevicesInput{AssignmentStatus: ptr("Unassigned")})); len(l.VirtualMFADevices) != 1 {
		t.Fatalf("unassigned = %+v", l.VirtualMFADevices)
	}
	must(s.DeleteVirtualMFADevice(ctx, &iamapi.DeleteVirtualMFADeviceInput{SerialNumber: ptr(serial)}))
	_, err = s.DeleteVirtualMFADevice(ctx, &iamapi.DeleteVirtualMFADeviceInput{SerialNumber: ptr(serial)})
	wantErr(t, err, "NoSuchEntity", "")
	must(s.DeleteUser(ctx, &iamapi.DeleteUserInput{UserName: ptr("alicia")}))
}
