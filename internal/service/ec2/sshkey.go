package ec2

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"math/big"
)

// The two SSH key types EC2 key pairs can be. Only these are needed, so
// hakoniwa speaks SSH's key encodings itself (RFC 4253 §6.6, RFC 8709,
// and OpenSSH's PROTOCOL.key) instead of linking golang.org/x/crypto/ssh,
// whose package initialisation was 2% of every start. The tests check
// this code against x/crypto/ssh.
const (
	algoRSA     = "ssh-rsa"
	algoEd25519 = "ssh-ed25519"
)

// sshKey is a public key with its SSH wire encoding.
type sshKey struct {
	algo string
	key  any // *rsa.PublicKey or ed25519.PublicKey
	wire []byte
}

var errSSHKey = errors.New("not an RSA or Ed25519 SSH public key")

func newSSHKey(k any) (*sshKey, error) {
	switch k := k.(type) {
	case *rsa.PublicKey:
		b := appendString(nil, []byte(algoRSA))
		b = appendMpint(b, big.NewInt(int64(k.E)))
		b = appendMpint(b, k.N)
		return &sshKey{algoRSA, k, b}, nil
	case ed25519.PublicKey:
		if len(k) != ed25519.PublicKeySize {
			return nil, errSSHKey
		}
		b := appendString(nil, []byte(algoEd25519))
		return &sshKey{algoEd25519, k, appendString(b, k)}, nil
	}
	return nil, errSSHKey
}

func (k *sshKey) Type() string    { return k.algo }
func (k *sshKey) Marshal() []byte { return k.wire }

// authorizedKey is the key as an authorized_keys line, without comment.
func (k *sshKey) authorizedKey() string {
	return k.algo + " " + base64.StdEncoding.EncodeToString(k.wire)
}

// parseSSHKey decodes a key from its wire encoding. Trailing bytes, a
// negative or oversized exponent, or a truncated field are refused.
func parseSSHKey(wire []byte) (*sshKey, error) {
	r := sshReader{wire}
	algo, ok := r.string()
	if !ok {
		return nil, errSSHKey
	}
	var k any
	switch string(algo) {
	case algoRSA:
		e, ok1 := r.mpint()
		n, ok2 := r.mpint()
		if !ok1 || !ok2 || !e.IsInt64() || e.Int64() < 3 || e.Int64() > 1<<31-1 || e.Bit(0) == 0 || n.Sign() <= 0 {
			return nil, errSSHKey
		}
		k = &rsa.PublicKey{N: n, E: int(e.Int64())}
	case algoEd25519:
		pub, ok := r.string()
		if !ok || len(pub) != ed25519.PublicKeySize {
			return nil, errSSHKey
		}
		k = ed25519.PublicKey(bytes.Clone(pub))
	default:
		return nil, errSSHKey
	}
	if len(r.b) != 0 {
		return nil, errSSHKey
	}
	return newSSHKey(k)
}

// parseAuthorizedKey reads an OpenSSH public key line: the algorithm, the
// base64 wire encoding, then an optional comment. The line may start with
// authorized_keys options; the key is the first algorithm name followed
// by a blob of the same algorithm.
func parseAuthorizedKey(line []byte) (*sshKey, error) {
	fields := bytes.Fields(line)
	for i := 0; i+1 < len(fields); i++ {
		algo := string(fields[i])
		if algo != algoRSA && algo != algoEd25519 {
			continue
		}
		wire, err := base64.StdEncoding.DecodeString(string(fields[i+1]))
		if err != nil {
			return nil, errSSHKey
		}
		k, err := parseSSHKey(wire)
		if err != nil || k.algo != algo {
			return nil, errSSHKey
		}
		return k, nil
	}
	return nil, errSSHKey
}

// openSSHPrivateKey renders an Ed25519 private key in OpenSSH's own
// format, unencrypted: what ssh-keygen writes and AWS returns for
// ed25519 key pairs.
func openSSHPrivateKey(priv ed25519.PrivateKey) (*pem.Block, error) {
	pub, err := newSSHKey(priv.Public())
	if err != nil {
		return nil, err
	}
	var check [4]byte
	if _, err := rand.Read(check[:]); err != nil {
		return nil, err
	}
	// The private section: two equal check words (a wrong passphrase
	// would make them differ), the key, a comment, and padding 1, 2, 3, ...
	// to the cipher's block size, 8 for "none".
	sec := append(check[:], check[:]...)
	sec = appendString(sec, []byte(algoEd25519))
	sec = appendString(sec, priv.Public().(ed25519.PublicKey))
	sec = appendString(sec, priv)
	sec = appendString(sec, nil)
	for i := byte(1); len(sec)%8 != 0; i++ {
		sec = append(sec, i)
	}
	b := append([]byte("openssh-key-v1"), 0)
	b = appendString(b, []byte("none"))
	b = appendString(b, []byte("none"))
	b = appendString(b, nil)
	b = binary.BigEndian.AppendUint32(b, 1)
	b = appendString(b, pub.wire)
	b = appendString(b, sec)
	return &pem.Block{Type: "OPENSSH PRIVATE KEY", Bytes: b}, nil
}

// sshReader reads SSH wire fields: uint32-length-prefixed strings and
// mpints.
type sshReader struct{ b []byte }

func (r *sshReader) string() ([]byte, bool) {
	if len(r.b) < 4 {
		return nil, false
	}
	n := binary.BigEndian.Uint32(r.b)
	if uint64(n) > uint64(len(r.b)-4) {
		return nil, false
	}
	s := r.b[4 : 4+n]
	r.b = r.b[4+n:]
	return s, true
}

// mpint reads a non-negative mpint (RFC 4251 §5); negative ones are
// refused, as no key field may be negative.
func (r *sshReader) mpint() (*big.Int, bool) {
	s, ok := r.string()
	if !ok || len(s) > 0 && s[0]&0x80 != 0 {
		return nil, false
	}
	return new(big.Int).SetBytes(s), true
}
