package ec2

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/pem"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
)

// TestSSHKeyMatchesXCrypto checks the encodings against
// golang.org/x/crypto/ssh, which the binary no longer links.
func TestSSHKeyMatchesXCrypto(t *testing.T) {
	var keys []any
	for _, bits := range []int{1024, 2048, 3072} {
		k, err := rsa.GenerateKey(rand.Reader, bits)
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, &k.PublicKey)
	}
	for range 3 {
		pub, _, _ := ed25519.GenerateKey(rand.Reader)
		keys = append(keys, pub)
	}
	for _, k := range keys {
		ours, err := newSSHKey(k)
		if err != nil {
			t.Fatal(err)
		}
		ref, err := ssh.NewPublicKey(k)
		if err != nil {
			t.Fatal(err)
		}
		if ours.Type() != ref.Type() || !bytes.Equal(ours.Marshal(), ref.Marshal()) {
			t.Errorf("%s: wire encoding differs from x/crypto/ssh", ref.Type())
		}
		line := strings.TrimSuffix(string(ssh.MarshalAuthorizedKey(ref)), "\n")
		if ours.authorizedKey() != line {
			t.Errorf("authorized key %q, want %q", ours.authorizedKey(), line)
		}
		for _, in := range []string{line, line + " me@example.com", `no-pty,command="echo x" ` + line + " c", "\n  " + line + "\r\n"} {
			got, err := parseAuthorizedKey([]byte(in))
			if err != nil || !bytes.Equal(got.Marshal(), ref.Marshal()) {
				t.Errorf("parse %q: %v", in, err)
			}
		}
		got, err := parseSSHKey(ref.Marshal())
		if err != nil || got.authorizedKey() != line {
			t.Errorf("parse wire: %v", err)
		}
	}

	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	block, err := openSSHPrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := ssh.ParseRawPrivateKey(pem.EncodeToMemory(block))
	if err != nil {
		t.Fatalf("x/crypto/ssh cannot read our OpenSSH private key: %v", err)
	}
	if got, ok := raw.(*ed25519.PrivateKey); !ok || !bytes.Equal(*got, priv) {
		t.Errorf("parsed back %T, not the key", raw)
	}
}

// TestSSHKeyRefusals feeds malformed keys: every one must be refused,
// none may panic.
func TestSSHKeyRefusals(t *testing.T) {
	k, _ := rsa.GenerateKey(rand.Reader, 1024)
	rsaWire, _ := newSSHKey(&k.PublicKey)
	edPub, _, _ := ed25519.GenerateKey(rand.Reader)
	edWire, _ := newSSHKey(edPub)
	for _, w := range [][]byte{rsaWire.Marshal(), edWire.Marshal()} {
		for n := 0; n < len(w); n++ {
			if _, err := parseSSHKey(w[:n]); err == nil {
				t.Errorf("truncated to %d of %d bytes: accepted", n, len(w))
			}
		}
		if _, err := parseSSHKey(append(bytes.Clone(w), 0)); err == nil {
			t.Error("trailing byte accepted")
		}
	}
	neg := appendString(nil, []byte(algoRSA))
	neg = appendString(neg, []byte{0x81}) // a negative exponent
	neg = appendMpint(neg, k.N)
	even := appendString(nil, []byte(algoRSA))
	even = appendString(even, []byte{0x01, 0x00, 0x00})
	even = appendMpint(even, k.N)
	short := appendString(nil, []byte(algoEd25519))
	short = appendString(short, make([]byte, 31))
	dsa := appendString(nil, []byte("ssh-dss"))
	for name, w := range map[string][]byte{"negative exponent": neg, "even exponent": even, "short ed25519": short, "dsa": dsa, "huge length": {0xff, 0xff, 0xff, 0xff, 's'}} {
		if _, err := parseSSHKey(w); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	edLine := edWire.authorizedKey()
	for _, line := range []string{"", "ssh-rsa", "ssh-rsa !!!notbase64", "ssh-rsa " + strings.Fields(edLine)[1], // algorithm and blob disagree
		"ssh-ed25519 " + base64.StdEncoding.EncodeToString([]byte("garbage")), "ecdsa-sha2-nistp256 AAAA"} {
		if _, err := parseAuthorizedKey([]byte(line)); err == nil {
			t.Errorf("%q: accepted", line)
		}
	}
}
