package iam

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/pem"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"time"

	"hakoniwa/internal/awserr"

	iamapi "hakoniwa/internal/api/iam"
)

const (
	maxSSHKeysPerUser = 5
	minSSHKeyBits     = 2048
)

// sshKey is an SSH public key of a user (CodeCommit's SSH access).
type sshKey struct {
	ID          string    `json:"id"`
	Blob        []byte    `json:"blob"` // the key in SSH wire format
	Fingerprint string    `json:"fingerprint"`
	Status      string    `json:"status"`
	Uploaded    time.Time `json:"uploaded"`
}

func invalidPublicKey(format string, args ...any) error {
	return awserr.New(http.StatusBadRequest, "InvalidPublicKey", format, args...)
}

func unrecognizedEncoding() error {
	return awserr.New(http.StatusBadRequest, "UnrecognizedPublicKeyEncoding", "The public key encoding format is unsupported or unrecognized.")
}

// parseSSHPublicKey accepts what IAM accepts: an RSA key of at least 2048
// bits in OpenSSH format ("ssh-rsa AAAA… comment") or in PEM (PKIX or
// PKCS #1), and returns it in SSH wire format.
func parseSSHPublicKey(body string) ([]byte, error) {
	body = strings.TrimSpace(body)
	var pub *rsa.PublicKey
	switch {
	case strings.HasPrefix(body, "-----BEGIN"):
		block, _ := pem.Decode([]byte(body))
		if block == nil {
			return nil, invalidPublicKey("The public key is malformed or otherwise invalid.")
		}
		if k, err := x509.ParsePKIXPublicKey(block.Bytes); err == nil {
			rk, ok := k.(*rsa.PublicKey)
			if !ok {
				return nil, invalidPublicKey("The public key is not an RSA key.")
			}
			pub = rk
		} else if rk, err := x509.ParsePKCS1PublicKey(block.Bytes); err == nil {
			pub = rk
		} else {
			return nil, invalidPublicKey("The public key is malformed or otherwise invalid.")
		}
	case strings.HasPrefix(body, "ssh-"):
		fields := strings.Fields(body)
		if fields[0] != "ssh-rsa" {
			return nil, unrecognizedEncoding()
		}
		if len(fields) < 2 {
			return nil, invalidPublicKey("The public key is malformed or otherwise invalid.")
		}
		blob, err := base64.StdEncoding.DecodeString(fields[1])
		if err != nil {
			return nil, invalidPublicKey("The public key is malformed or otherwise invalid.")
		}
		if pub = parseSSHRSA(blob); pub == nil {
			return nil, invalidPublicKey("The public key is malformed or otherwise invalid.")
		}
	default:
		return nil, unrecognizedEncoding()
	}
	if pub.N.BitLen() < minSSHKeyBits {
		return nil, invalidPublicKey("The public key must be at least %d bits long.", minSSHKeyBits)
	}
	return marshalSSHRSA(pub), nil
}

// parseSSHRSA reads an "ssh-rsa" wire blob: string type, mpint e, mpint n.
func parseSSHRSA(blob []byte) *rsa.PublicKey {
	var fields [3][]byte
	for i := range fields {
		if len(blob) < 4 {
			return nil
		}
		n := binary.BigEndian.Uint32(blob)
		if uint64(n) > uint64(len(blob)-4) {
			return nil
		}
		fields[i], blob = blob[4:4+n], blob[4+n:]
	}
	if len(blob) != 0 || string(fields[0]) != "ssh-rsa" || len(fields[1]) == 0 || len(fields[1]) > 8 {
		return nil
	}
	e := new(big.Int).SetBytes(fields[1])
	n := new(big.Int).SetBytes(fields[2])
	if !e.IsInt64() || e.Int64() < 3 || n.Sign() <= 0 {
		return nil
	}
	return &rsa.PublicKey{N: n, E: int(e.Int64())}
}

func marshalSSHRSA(k *rsa.PublicKey) []byte {
	var b bytes.Buffer
	put := func(p []byte) {
		var l [4]byte
		binary.BigEndian.PutUint32(l[:], uint32(len(p)))
		b.Write(l[:])
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
	return b.Bytes()
}

// sshFingerprint is the MD5 fingerprint IAM reports ("aa:bb:…"), the one
// `ssh-keygen -l -E md5` prints.
func sshFingerprint(blob []byte) string {
	sum := md5.Sum(blob)
	h := hex.EncodeToString(sum[:])
	var b strings.Builder
	for i := 0; i < len(h); i += 2 {
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteString(h[i : i+2])
	}
	return b.String()
}

// encodeSSHKey renders a key in the encoding GetSSHPublicKey asks for.
func encodeSSHKey(blob []byte, encoding string) (string, error) {
	switch encoding {
	case "SSH":
		return "ssh-rsa " + base64.StdEncoding.EncodeToString(blob), nil
	case "PEM":
		k := parseSSHRSA(blob)
		if k == nil {
			return "", unrecognizedEncoding()
		}
		der, err := x509.MarshalPKIXPublicKey(k)
		if err != nil {
			return "", err
		}
		return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), nil
	}
	return "", unrecognizedEncoding()
}

func sshKeyNotFound(id string) error {
	return noSuchEntity("The Public Key with id %s cannot be found.", id)
}

func (u *user) sshKey(id string) (int, error) {
	i := slices.IndexFunc(u.SSHKeys, func(k sshKey) bool { return k.ID == id })
	if i < 0 {
		return -1, sshKeyNotFound(id)
	}
	return i, nil
}

func sshKeyOut(u *user, k sshKey, encoding string) (*iamapi.SSHPublicKey, error) {
	body, err := encodeSSHKey(k.Blob, encoding)
	if err != nil {
		return nil, err
	}
	return &iamapi.SSHPublicKey{
		UserName: ptr(u.Name), SSHPublicKeyId: ptr(k.ID), Fingerprint: ptr(k.Fingerprint),
		SSHPublicKeyBody: ptr(body), Status: ptr(k.Status), UploadDate: ptr(k.Uploaded),
	}, nil
}

// UploadSSHPublicKey adds an SSH public key to a user (at most five).
func (s *Service) UploadSSHPublicKey(ctx context.Context, in *iamapi.UploadSSHPublicKeyInput) (*iamapi.UploadSSHPublicKeyOutput, error) {
	blob, err := parseSSHPublicKey(deref(in.SSHPublicKeyBody))
	if err != nil {
		return nil, err
	}
	k := sshKey{ID: s.ids.UniqueID("APKA"), Blob: blob, Fingerprint: sshFingerprint(blob), Status: "Active", Uploaded: s.now()}
	var out *iamapi.SSHPublicKey
	err = users.modify(ctx, s, deref(in.UserName), func(_ *acct, u *user) error {
		for _, have := range u.SSHKeys {
			if bytes.Equal(have.Blob, blob) {
				return awserr.New(http.StatusBadRequest, "DuplicateSSHPublicKey", "The SSH public key is already associated with the specified IAM user.")
			}
		}
		if len(u.SSHKeys) >= maxSSHKeysPerUser {
			return limitExceeded("Cannot exceed quota for PublicKeysPerUser: %d", maxSSHKeysPerUser)
		}
		u.SSHKeys = append(u.SSHKeys, k)
		var err error
		out, err = sshKeyOut(u, k, "SSH")
		return err
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.UploadSSHPublicKeyOutput{SSHPublicKey: out}, nil
}

// GetSSHPublicKey returns a user's SSH key in SSH or PEM encoding.
func (s *Service) GetSSHPublicKey(ctx context.Context, in *iamapi.GetSSHPublicKeyInput) (*iamapi.GetSSHPublicKeyOutput, error) {
	var out *iamapi.SSHPublicKey
	err := users.read(ctx, s, deref(in.UserName), func(_ *acct, u *user) error {
		i, err := u.sshKey(deref(in.SSHPublicKeyId))
		if err != nil {
			return err
		}
		out, err = sshKeyOut(u, u.SSHKeys[i], deref(in.Encoding))
		return err
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.GetSSHPublicKeyOutput{SSHPublicKey: out}, nil
}

// ListSSHPublicKeys lists a user's SSH keys (the caller's by default).
func (s *Service) ListSSHPublicKeys(ctx context.Context, in *iamapi.ListSSHPublicKeysInput) (*iamapi.ListSSHPublicKeysOutput, error) {
	out := &iamapi.ListSSHPublicKeysOutput{SSHPublicKeys: []iamapi.SSHPublicKeyMetadata{}}
	err := s.view(ctx, func(a *acct) error {
		u, err := credUser(ctx, a, in.UserName)
		if err != nil || u == nil {
			out.IsTruncated = ptr(false)
			return err
		}
		got, p, err := pageInOrder(u.SSHKeys, in.Marker, in.MaxItems)
		if err != nil {
			return err
		}
		for _, k := range got {
			out.SSHPublicKeys = append(out.SSHPublicKeys, iamapi.SSHPublicKeyMetadata{
				UserName: ptr(u.Name), SSHPublicKeyId: ptr(k.ID), Status: ptr(k.Status), UploadDate: ptr(k.Uploaded),
			})
		}
		out.IsTruncated, out.Marker = p.truncated, p.marker
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateSSHPublicKey activates or deactivates a user's SSH key.
func (s *Service) UpdateSSHPublicKey(ctx context.Context, in *iamapi.UpdateSSHPublicKeyInput) (*iamapi.UpdateSSHPublicKeyOutput, error) {
	status, err := checkStatus(in.Status)
	if err != nil {
		return nil, err
	}
	err = users.modify(ctx, s, deref(in.UserName), func(_ *acct, u *user) error {
		i, err := u.sshKey(deref(in.SSHPublicKeyId))
		if err != nil {
			return err
		}
		u.SSHKeys[i].Status = status
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.UpdateSSHPublicKeyOutput{}, nil
}

// DeleteSSHPublicKey removes a user's SSH key.
func (s *Service) DeleteSSHPublicKey(ctx context.Context, in *iamapi.DeleteSSHPublicKeyInput) (*iamapi.DeleteSSHPublicKeyOutput, error) {
	err := users.modify(ctx, s, deref(in.UserName), func(_ *acct, u *user) error {
		i, err := u.sshKey(deref(in.SSHPublicKeyId))
		if err != nil {
			return err
		}
		u.SSHKeys = slices.Delete(u.SSHKeys, i, i+1)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.DeleteSSHPublicKeyOutput{}, nil
}

// checkStatus validates an Active/Inactive status member.
func checkStatus(s *string) (string, error) {
	v := deref(s)
	if v != "Active" && v != "Inactive" {
		return "", validationError("1 validation error detected: Value '%s' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]", v)
	}
	return v, nil
}

// credUser resolves the user a credential list is about: UserName, or the
// calling IAM user. The root user has none of these credentials, so it
// gets nil (an empty list) rather than an error.
func credUser(ctx context.Context, a *acct, name *string) (*user, error) {
	if name != nil && *name != "" {
		return a.user(*name)
	}
	p := caller(ctx)
	switch {
	case p.Type == "IAMUser":
		return a.user(p.UserName)
	case p.IsRoot():
		return nil, nil
	}
	return nil, validationError("Must specify userName when calling with non-User credentials")
}

// pageInOrder pages items in their stored order (upload order).
func pageInOrder[T any](items []T, marker *string, maxItems *int64) ([]T, page, error) {
	idx := make([]int, len(items))
	for i := range idx {
		idx[i] = i
	}
	got, p, err := paginate(idx, sortableIndex, marker, maxItems)
	out := make([]T, 0, len(got))
	for _, i := range got {
		out = append(out, items[i])
	}
	return out, p, err
}
