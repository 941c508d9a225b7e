package iam

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"rsc.io/qr"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/store"

	iamapi "hakoniwa/internal/api/iam"
)

const (
	kindMFA = "mfa-device"
	// maxMFAPerUser is IAM's quota of MFA devices per user.
	maxMFAPerUser = 8
	// totpStep and totpDigits are RFC 6238's defaults, which virtual MFA
	// apps and AWS use.
	totpStep   = 30
	totpDigits = 6
	// mfaIssuer is how authenticator apps label AWS's codes.
	mfaIssuer = "Amazon Web Services"
)

// mfaDevice is a virtual MFA device, keyed by its serial number (its ARN).
type mfaDevice struct {
	Serial  string    `json:"serial"`
	Name    string    `json:"name"`
	Path    string    `json:"path"`
	Seed    string    `json:"seed"` // base32, as handed to the client
	Created time.Time `json:"created"`
	Tags    []tag     `json:"tags,omitempty"`
	// User is the key of the user the device is enabled for, "" while
	// unassigned.
	User    string     `json:"user,omitempty"`
	Enabled *time.Time `json:"enabled,omitempty"`
	// LastStep is the newest TOTP time step accepted: a code is good once,
	// and never one older than a code already used.
	LastStep int64 `json:"lastStep,omitempty"`
}

// TOTP computes the RFC 6238 code (HMAC-SHA1, 6 digits) of secret for the
// time step counter.
func totp(secret []byte, counter int64) string {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(counter))
	m := hmac.New(sha1.New, secret)
	m.Write(msg[:])
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	bin := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	return fmt.Sprintf("%0*d", totpDigits, bin%1_000_000)
}

func totpStepAt(t time.Time) int64 { return t.Unix() / totpStep }

func (d *mfaDevice) secret() []byte {
	b, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.TrimRight(d.Seed, "="))
	if err != nil {
		return nil
	}
	return b
}

// matchPair finds t in [from, to] with code1 at step t and code2 at t+1,
// the two consecutive codes IAM asks for when a device is enabled or
// resynchronized; ok is false when there is none.
func (d *mfaDevice) matchPair(code1, code2 string, from, to int64) (int64, bool) {
	secret := d.secret()
	if len(secret) == 0 {
		return 0, false
	}
	for t := from; t <= to; t++ {
		if hmac.Equal([]byte(totp(secret, t)), []byte(code1)) && hmac.Equal([]byte(totp(secret, t+1)), []byte(code2)) {
			return t + 1, true
		}
	}
	return 0, false
}

func (a *acct) mfaSerial(path, name string) string { return a.arn("mfa" + path + name) }

func mfaNotFound(serial string) error {
	return noSuchEntity("VirtualMFADevice with serial number %s doesn't exist.", serial)
}

func (a *acct) mfa(serial string) (*mfaDevice, error) {
	return getRec[mfaDevice](a, kindMFA, serial, func() error { return mfaNotFound(serial) })
}

func (a *acct) putMFA(d *mfaDevice) error { return putJSON(a, kindMFA, d.Serial, d) }

func invalidAuthCode() error {
	return awserr.New(http.StatusForbidden, "InvalidAuthenticationCode", "Authentication code for device is not valid.")
}

// mfaLabel is who the authenticator app shows the codes for: the account
// alias when there is one, else the account id.
func (a *acct) mfaLabel() (string, error) {
	alias, err := a.tx.Get(a.b(kindAccount), accountAliasKey)
	if errors.Is(err, store.ErrNotFound) {
		return a.id, nil
	}
	return string(alias), err
}

// mfaQRCode renders the otpauth:// URI of a device as a PNG, in the form
// authenticator apps read (Key Uri Format): label "issuer:name@account".
func mfaQRCode(name, account, seed string) ([]byte, error) {
	label := url.PathEscape(mfaIssuer + ":" + name + "@" + account)
	uri := "otpauth://totp/" + label + "?secret=" + seed + "&issuer=" + url.QueryEscape(mfaIssuer)
	code, err := qr.Encode(uri, qr.M)
	if err != nil {
		return nil, err
	}
	code.Scale = 4
	return code.PNG(), nil
}

// CreateVirtualMFADevice creates an unassigned virtual MFA device with a
// fresh 40-byte seed, returned once as base32 text and as a QR code.
func (s *Service) CreateVirtualMFADevice(ctx context.Context, in *iamapi.CreateVirtualMFADeviceInput) (*iamapi.CreateVirtualMFADeviceOutput, error) {
	name := deref(in.VirtualMFADeviceName)
	if err := checkName(name, "virtualMFADeviceName", 226); err != nil {
		return nil, err
	}
	path, err := checkPath(in.Path, "path")
	if err != nil {
		return nil, err
	}
	tags, err := mergeTags(nil, in.Tags)
	if err != nil {
		return nil, err
	}
	d := &mfaDevice{
		Name: name, Path: path, Created: s.now(), Tags: tags,
		Seed: base32.StdEncoding.EncodeToString(s.ids.Bytes(40)),
	}
	var label string
	err = s.update(ctx, func(a *acct) error {
		d.Serial = a.mfaSerial(path, name)
		// Names are unique in the account whatever the path.
		devices, err := all[mfaDevice](a, kindMFA)
		if err != nil {
			return err
		}
		for _, x := range devices {
			if strings.EqualFold(x.Name, name) {
				return alreadyExists("MFADevice entity at the same path and name already exists.")
			}
		}
		if label, err = a.mfaLabel(); err != nil {
			return err
		}
		return a.putMFA(d)
	})
	if err != nil {
		return nil, err
	}
	png, err := mfaQRCode(name, label, d.Seed)
	if err != nil {
		return nil, err
	}
	return &iamapi.CreateVirtualMFADeviceOutput{VirtualMFADevice: &iamapi.VirtualMFADevice{
		SerialNumber: ptr(d.Serial), Base32StringSeed: []byte(d.Seed), QRCodePNG: png, Tags: apiTags(d.Tags),
	}}, nil
}

// EnableMFADevice assigns a virtual MFA device to a user once the caller
// proves possession of its seed with two consecutive codes.
func (s *Service) EnableMFADevice(ctx context.Context, in *iamapi.EnableMFADeviceInput) (*iamapi.EnableMFADeviceOutput, error) {
	serial := deref(in.SerialNumber)
	now := s.clock.Now()
	cur := totpStepAt(now)
	err := users.modify(ctx, s, deref(in.UserName), func(a *acct, u *user) error {
		d, err := a.mfa(serial)
		if err != nil {
			return err
		}
		if d.User != "" {
			return alreadyExists("MFA Device is already in use.")
		}
		if len(u.MFADevices) >= maxMFAPerUser {
			return limitExceeded("Cannot exceed quota for MFADevicesPerUser: %d", maxMFAPerUser)
		}
		// The second code may be the current one or the next: a user reads
		// two codes off the app 30 s apart, a script computes both at once.
		step, ok := d.matchPair(deref(in.AuthenticationCode1), deref(in.AuthenticationCode2), cur-3, cur)
		if !ok {
			return invalidAuthCode()
		}
		enabled := now.UTC().Truncate(time.Second)
		d.User, d.Enabled, d.LastStep = key(u.Name), &enabled, step
		u.MFADevices = append(u.MFADevices, d.Serial)
		return a.putMFA(d)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.EnableMFADeviceOutput{}, nil
}

// mfaUser resolves UserName, or the calling IAM user when it is absent.
func mfaUser(ctx context.Context, a *acct, name *string) (*user, error) {
	if name != nil && *name != "" {
		return a.user(*name)
	}
	p := caller(ctx)
	if p.Type == "IAMUser" {
		return a.user(p.UserName)
	}
	return nil, validationError("Must specify userName when calling with non-User credentials")
}

// userDevice loads a device enabled for u.
func (a *acct) userDevice(u *user, serial string) (*mfaDevice, error) {
	if !slices.ContainsFunc(u.MFADevices, func(s string) bool { return strings.EqualFold(s, serial) }) {
		return nil, noSuchEntity("MFA Device with serial number %s does not exist.", serial)
	}
	return a.mfa(serial)
}

// DeactivateMFADevice unassigns a device from its user; a virtual device
// stays in the account, unassigned, until deleted.
func (s *Service) DeactivateMFADevice(ctx context.Context, in *iamapi.DeactivateMFADeviceInput) (*iamapi.DeactivateMFADeviceOutput, error) {
	serial := deref(in.SerialNumber)
	err := s.update(ctx, func(a *acct) error {
		u, err := mfaUser(ctx, a, in.UserName)
		if err != nil {
			return err
		}
		d, err := a.userDevice(u, serial)
		if err != nil {
			return err
		}
		u.MFADevices = slices.DeleteFunc(slices.Clone(u.MFADevices), func(s string) bool { return strings.EqualFold(s, d.Serial) })
		d.User, d.Enabled, d.LastStep = "", nil, 0
		if err := a.putMFA(d); err != nil {
			return err
		}
		return a.putUser(u)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.DeactivateMFADeviceOutput{}, nil
}

// DeleteVirtualMFADevice deletes an unassigned virtual MFA device.
func (s *Service) DeleteVirtualMFADevice(ctx context.Context, in *iamapi.DeleteVirtualMFADeviceInput) (*iamapi.DeleteVirtualMFADeviceOutput, error) {
	serial := deref(in.SerialNumber)
	err := s.update(ctx, func(a *acct) error {
		d, err := a.mfa(serial)
		if err != nil {
			return err
		}
		if d.User != "" {
			return deleteConflict("MFA device is still in use.")
		}
		return a.tx.Delete(a.b(kindMFA), key(d.Serial))
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.DeleteVirtualMFADeviceOutput{}, nil
}

// ResyncMFADevice re-synchronizes a device whose clock drifted: two
// consecutive codes are searched for in a wider window than at enabling.
func (s *Service) ResyncMFADevice(ctx context.Context, in *iamapi.ResyncMFADeviceInput) (*iamapi.ResyncMFADeviceOutput, error) {
	const drift = 20 // steps, 10 minutes either way
	cur := totpStepAt(s.clock.Now())
	err := s.update(ctx, func(a *acct) error {
		u, err := a.user(deref(in.UserName))
		if err != nil {
			return err
		}
		d, err := a.userDevice(u, deref(in.SerialNumber))
		if err != nil {
			return err
		}
		step, ok := d.matchPair(deref(in.AuthenticationCode1), deref(in.AuthenticationCode2), cur-drift, cur+drift)
		if !ok {
			return invalidAuthCode()
		}
		d.LastStep = step
		return a.putMFA(d)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.ResyncMFADeviceOutput{}, nil
}

// ListMFADevices lists the MFA devices enabled for a user (the caller by
// default; the root user's are managed in the console only, so none).
func (s *Service) ListMFADevices(ctx context.Context, in *iamapi.ListMFADevicesInput) (*iamapi.ListMFADevicesOutput, error) {
	out := &iamapi.ListMFADevicesOutput{MFADevices: []iamapi.MFADevice{}}
	if (in.UserName == nil || *in.UserName == "") && caller(ctx).IsRoot() {
		out.IsTruncated = ptr(false)
		return out, nil
	}
	err := s.view(ctx, func(a *acct) error {
		u, err := mfaUser(ctx, a, in.UserName)
		if err != nil {
			return err
		}
		serials := slices.Clone(u.MFADevices)
		slices.Sort(serials)
		got, p, err := paginate(serials, func(s string) string { return s }, in.Marker, in.MaxItems)
		if err != nil {
			return err
		}
		for _, serial := range got {
			d, err := a.mfa(serial)
			if err != nil {
				return err
			}
			out.MFADevices = append(out.MFADevices, iamapi.MFADevice{UserName: ptr(u.Name), SerialNumber: ptr(d.Serial), EnableDate: d.Enabled})
		}
		out.IsTruncated, out.Marker = p.truncated, p.marker
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ListVirtualMFADevices lists the account's virtual devices, filtered by
// assignment (Any by default), with the user of each assigned one.
func (s *Service) ListVirtualMFADevices(ctx context.Context, in *iamapi.ListVirtualMFADevicesInput) (*iamapi.ListVirtualMFADevicesOutput, error) {
	status := "Any"
	if in.AssignmentStatus != nil {
		status = *in.AssignmentStatus
	}
	out := &iamapi.ListVirtualMFADevicesOutput{VirtualMFADevices: []iamapi.VirtualMFADevice{}}
	err := s.view(ctx, func(a *acct) error {
		devices, err := all[mfaDevice](a, kindMFA)
		if err != nil {
			return err
		}
		devices = slices.DeleteFunc(devices, func(d mfaDevice) bool {
			return (status == "Assigned" && d.User == "") || (status == "Unassigned" && d.User != "")
		})
		got, p, err := paginate(devices, func(d mfaDevice) string { return key(d.Serial) }, in.Marker, in.MaxItems)
		if err != nil {
			return err
		}
		for _, d := range got {
			v := iamapi.VirtualMFADevice{SerialNumber: ptr(d.Serial), EnableDate: d.Enabled}
			if d.User != "" {
				u, err := a.user(d.User)
				if err != nil {
					return err
				}
				uo := a.userOut(u, false)
				v.User = &uo
			}
			out.VirtualMFADevices = append(out.VirtualMFADevices, v)
		}
		out.IsTruncated, out.Marker = p.truncated, p.marker
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// GetMFADevice describes an MFA device enabled for a user.
func (s *Service) GetMFADevice(ctx context.Context, in *iamapi.GetMFADeviceInput) (*iamapi.GetMFADeviceOutput, error) {
	serial := deref(in.SerialNumber)
	var out iamapi.GetMFADeviceOutput
	err := mfaDevices.read(ctx, s, serial, func(a *acct, d *mfaDevice) error {
		if d.User == "" {
			return noSuchEntity("MFA Device with serial number %s does not exist.", serial)
		}
		u, err := a.user(d.User)
		if err != nil {
			return err
		}
		if in.UserName != nil && *in.UserName != "" && !strings.EqualFold(*in.UserName, u.Name) {
			return noSuchEntity("MFA Device with serial number %s does not exist.", serial)
		}
		out = iamapi.GetMFADeviceOutput{UserName: ptr(u.Name), SerialNumber: ptr(d.Serial), EnableDate: d.Enabled}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// TagMFADevice adds or overwrites tags of a virtual MFA device.
func (s *Service) TagMFADevice(ctx context.Context, in *iamapi.TagMFADeviceInput) (*iamapi.TagMFADeviceOutput, error) {
	if err := mfaDevices.tag(ctx, s, deref(in.SerialNumber), in.Tags); err != nil {
		return nil, err
	}
	return &iamapi.TagMFADeviceOutput{}, nil
}

// UntagMFADevice removes tags from a virtual MFA device.
func (s *Service) UntagMFADevice(ctx context.Context, in *iamapi.UntagMFADeviceInput) (*iamapi.UntagMFADeviceOutput, error) {
	if err := mfaDevices.untag(ctx, s, deref(in.SerialNumber), in.TagKeys); err != nil {
		return nil, err
	}
	return &iamapi.UntagMFADeviceOutput{}, nil
}

// ListMFADeviceTags lists a virtual MFA device's tags.
func (s *Service) ListMFADeviceTags(ctx context.Context, in *iamapi.ListMFADeviceTagsInput) (*iamapi.ListMFADeviceTagsOutput, error) {
	tags, p, err := mfaDevices.listTags(ctx, s, deref(in.SerialNumber), in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iamapi.ListMFADeviceTagsOutput{Tags: tags, IsTruncated: p.truncated, Marker: p.marker}, nil
}

// renameMFAUser keeps the devices of a renamed user pointing at it.
func (a *acct) renameMFAUser(u *user) error {
	for _, serial := range u.MFADevices {
		d, err := a.mfa(serial)
		if err != nil {
			return err
		}
		d.User = key(u.Name)
		if err := a.putMFA(d); err != nil {
			return err
		}
	}
	return nil
}

func mfaAuthFailed() error {
	return accessDenied("MultiFactorAuthentication failed with invalid MFA one time pass code.")
}

// CheckMFACode verifies a one-time code for STS (GetSessionToken,
// AssumeRole with SerialNumber and TokenCode) and returns the ARN of the
// user the device is enabled for. The device must be enabled; the code may
// be the current one or one step either side, and a code (or an older one)
// is refused once used, as AWS refuses reuse. The codes given to
// EnableMFADevice count as used: enabling with the previous and current
// codes leaves the next one good at once.
func (s *Service) CheckMFACode(ctx context.Context, account, serialNumber, code string) (userARN string, err error) {
	cur := totpStepAt(s.clock.Now())
	err = s.st.Update(ctx, func(tx store.Tx) error {
		a := &acct{s: s, tx: tx, id: account}
		d, err := store.GetJSON[mfaDevice](tx, a.b(kindMFA), key(serialNumber))
		if errors.Is(err, store.ErrNotFound) {
			return mfaAuthFailed()
		}
		if err != nil {
			return err
		}
		if d.User == "" {
			return mfaAuthFailed()
		}
		secret := d.secret()
		matched := int64(-1)
		for step := cur - 1; step <= cur+1; step++ {
			if step > d.LastStep && len(secret) > 0 && hmac.Equal([]byte(totp(secret, step)), []byte(code)) {
				matched = step
				break
			}
		}
		if matched < 0 {
			return mfaAuthFailed()
		}
		u, err := a.user(d.User)
		if err != nil {
			return err
		}
		userARN = a.userARN(u)
		d.LastStep = matched
		return a.putMFA(&d)
	})
	if err != nil {
		return "", err
	}
	return userARN, nil
}
