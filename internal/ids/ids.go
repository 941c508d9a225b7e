// Package ids makes identifiers that look like AWS's. A Source is injected
// wherever ids are minted so tests can be deterministic.
package ids

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"strconv"
	"strings"
	"sync"
)

// Source mints identifiers from a stream of random bytes.
type Source struct {
	mu sync.Mutex
	r  io.Reader
}

// New returns a Source reading crypto/rand.
func New() *Source { return &Source{r: rand.Reader} }

// Seeded returns a deterministic Source for tests.
func Seeded(seed uint64) *Source {
	return &Source{r: &prngReader{r: mrand.New(mrand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}}
}

type prngReader struct{ r *mrand.Rand }

func (p *prngReader) Read(b []byte) (int, error) {
	for i := range b {
		b[i] = byte(p.r.Uint32())
	}
	return len(b), nil
}

// Bytes returns n random bytes.
func (s *Source) Bytes(n int) []byte {
	b := make([]byte, n)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := io.ReadFull(s.r, b); err != nil {
		// crypto/rand never fails on supported platforms; a failure here
		// means the process cannot mint safe secrets at all.
		panic("ids: random source failed: " + err.Error())
	}
	return b
}

// Hex returns n lowercase hex digits.
func (s *Source) Hex(n int) string { return hex.EncodeToString(s.Bytes((n + 1) / 2))[:n] }

// Resource returns an EC2-style id: prefix + "-" + 17 hex digits.
func (s *Source) Resource(prefix string) string { return prefix + "-" + s.Hex(17) }

// UUID returns a random (version 4) UUID, the form AWS uses for request
// and event ids.
func (s *Source) UUID() string {
	b := s.Bytes(16)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	// One allocation: every call mints at least two of these.
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
	return string(out[:])
}

// S3RequestID is the 16-character upper-case id S3 sends in
// x-amz-request-id.
func (s *Source) S3RequestID() string { return strings.ToUpper(s.Hex(16)) }

// HostID is the opaque x-amz-id-2 S3 sends beside its request id.
func (s *Source) HostID() string { return base64.StdEncoding.EncodeToString(s.Bytes(48)) }

// keyEncoding is the alphabet of AWS access key ids: RFC 4648 base32.
var keyEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// AccessKeyID returns a 20-character key id with the given 4-letter prefix
// (AKIA for long-term keys, ASIA for temporary ones) that encodes account
// the way AWS's key ids do, so sts:GetAccessKeyInfo can read the account
// back from any key id without a lookup.
func (s *Source) AccessKeyID(prefix, account string) string {
	acct, err := strconv.ParseUint(account, 10, 64)
	if err != nil {
		acct = 0
	}
	b := s.Bytes(10)
	// Bits 7..46 of the first 48 bits carry the account; the top bit and
	// the low 7 bits stay random.
	hi := binary.BigEndian.Uint64(append([]byte{0, 0}, b[:6]...))
	hi = hi&^accountMask | (acct<<7)&accountMask
	var six [8]byte
	binary.BigEndian.PutUint64(six[:], hi)
	copy(b[:6], six[2:])
	return prefix + keyEncoding.EncodeToString(b)
}

const accountMask = 0x7fffffffff80

// AccountFromAccessKeyID decodes the account a key id was minted for.
func AccountFromAccessKeyID(id string) (string, bool) {
	if len(id) != 20 {
		return "", false
	}
	b, err := keyEncoding.DecodeString(id[4:])
	if err != nil || len(b) < 6 {
		return "", false
	}
	hi := binary.BigEndian.Uint64(append([]byte{0, 0}, b[:6]...))
	return fmt.Sprintf("%012d", (hi&accountMask)>>7), true
}

// Secret returns a 40-character secret access key.
func (s *Source) Secret() string {
	return base64.StdEncoding.EncodeToString(s.Bytes(30))
}

// UniqueID returns an IAM unique id: prefix (AIDA, AROA, ...) + 17
// upper-case base32 characters.
func (s *Source) UniqueID(prefix string) string {
	return prefix + keyEncoding.EncodeToString(s.Bytes(11))[:17]
}

// IsAccountID reports whether s is an AWS account id: twelve digits.
func IsAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
