package ec2

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"math/big"
	"strconv"
	"strings"
)

// PuTTY's key file format, version 3 (PuTTY manual, appendix C), for the
// unencrypted keys CreateKeyPair returns with KeyFormat ppk. Without a
// passphrase the private blob is stored as it is and the MAC is an
// HMAC-SHA-256 keyed with the empty string over the algorithm, encryption,
// comment, public blob and private blob, each as an SSH string.

func ppkRSA(k *rsa.PrivateKey, pub *sshKey, comment string) string {
	p, q := k.Primes[0], k.Primes[1]
	iqmp := new(big.Int).ModInverse(q, p)
	var priv []byte
	for _, n := range []*big.Int{k.D, p, q, iqmp} {
		priv = appendMpint(priv, n)
	}
	return ppk(algoRSA, comment, pub.Marshal(), priv)
}

func ppkEd25519(k ed25519.PrivateKey, pub *sshKey, comment string) string {
	// PuTTY stores the private scalar source, the 32-byte seed, as an
	// unsigned little-endian integer: trailing zero bytes are dropped.
	seed := k.Seed()
	n := len(seed)
	for n > 0 && seed[n-1] == 0 {
		n--
	}
	return ppk(algoEd25519, comment, pub.Marshal(), appendString(nil, seed[:n]))
}

func ppk(algo, comment string, pub, priv []byte) string {
	var mac []byte
	for _, f := range [][]byte{[]byte(algo), []byte("none"), []byte(comment), pub, priv} {
		mac = appendString(mac, f)
	}
	h := hmac.New(sha256.New, nil)
	h.Write(mac)
	var sb strings.Builder
	sb.WriteString("PuTTY-User-Key-File-3: " + algo + "\n")
	sb.WriteString("Encryption: none\n")
	sb.WriteString("Comment: " + comment + "\n")
	writePPKLines(&sb, "Public-Lines", pub)
	writePPKLines(&sb, "Private-Lines", priv)
	sb.WriteString("Private-MAC: " + hex.EncodeToString(h.Sum(nil)) + "\n")
	return sb.String()
}

// writePPKLines writes a blob as base64 in lines of 64 characters, after
// a header giving the line count.
func writePPKLines(sb *strings.Builder, header string, blob []byte) {
	b64 := base64.StdEncoding.EncodeToString(blob)
	var lines []string
	for len(b64) > 64 {
		lines = append(lines, b64[:64])
		b64 = b64[64:]
	}
	lines = append(lines, b64)
	sb.WriteString(header + ": " + strconv.Itoa(len(lines)) + "\n")
	for _, l := range lines {
		sb.WriteString(l + "\n")
	}
}

func appendString(b, s []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}

// appendMpint appends a non-negative integer in SSH's mpint encoding
// (RFC 4251): big-endian, with a leading zero byte when the top bit is set.
func appendMpint(b []byte, n *big.Int) []byte {
	raw := n.Bytes()
	if len(raw) > 0 && raw[0]&0x80 != 0 {
		raw = append([]byte{0}, raw...)
	}
	return appendString(b, raw)
}
