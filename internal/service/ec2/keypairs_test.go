package ec2

import (
	"crypto/ed25519"
	"crypto/md5"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"hakoniwa/internal/store"

	ec2api "hakoniwa/internal/api/ec2"
)

func TestCreateKeyPair(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	out, err := s.CreateKeyPair(ctx, &ec2api.CreateKeyPairInput{KeyName: ptr("k"),
		TagSpecifications: []ec2api.TagSpecification{{ResourceType: ptr("key-pair"), Tags: []ec2api.Tag{{Key: ptr("env"), Value: ptr("dev")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode([]byte(*out.KeyMaterial))
	if block == nil || block.Type != "RSA PRIVATE KEY" {
		t.Fatalf("material: %q", *out.KeyMaterial)
	}
	k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	if err != nil || k.N.BitLen() != 2048 {
		t.Fatalf("key: %v", err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(k)
	sum := sha1.Sum(der)
	if *out.KeyFingerprint != colonHex(sum[:]) || !wellFormed(*out.KeyPairId, "key") {
		t.Errorf("fingerprint %s, id %s", *out.KeyFingerprint, *out.KeyPairId)
	}
	if _, err := s.CreateKeyPair(ctx, &ec2api.CreateKeyPairInput{KeyName: ptr("k")}); code(err) != "InvalidKeyPair.Duplicate" {
		t.Errorf("duplicate: %v", err)
	}
	desc, err := s.DescribeKeyPairs(ctx, &ec2api.DescribeKeyPairsInput{KeyNames: []string{"k"}, IncludePublicKey: ptr(true)})
	if err != nil || len(desc.KeyPairs) != 1 {
		t.Fatalf("describe: %v", err)
	}
	kp := desc.KeyPairs[0]
	pub, _ := ssh.NewPublicKey(&k.PublicKey)
	if *kp.PublicKey != refAuthorizedKey(pub) || *kp.KeyType != "rsa" || *kp.KeyFingerprint != *out.KeyFingerprint || len(kp.Tags) != 1 {
		t.Errorf("described %+v", kp)
	}
	if d, _ := s.DescribeKeyPairs(ctx, &ec2api.DescribeKeyPairsInput{}); d.KeyPairs[0].PublicKey != nil {
		t.Error("public key without IncludePublicKey")
	}
	err = s.st.View(ctx, func(tx store.Tx) error {
		rec, err := s.findKeyPair(tx, scope{testAccount, "us-east-1"}, "k")
		if err == nil && rec.PublicKey != refAuthorizedKey(pub) {
			t.Errorf("findKeyPair = %+v", rec)
		}
		if _, err := s.findKeyPair(tx, scope{testAccount, "us-east-1"}, "nope"); code(err) != "InvalidKeyPair.NotFound" {
			t.Errorf("findKeyPair(nope): %v", err)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	ed, err := s.CreateKeyPair(ctx, &ec2api.CreateKeyPairInput{KeyName: ptr("e"), KeyType: ptr("ed25519")})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := ssh.ParseRawPrivateKey([]byte(*ed.KeyMaterial))
	if err != nil {
		t.Fatalf("ed25519 material: %v", err)
	}
	edPub, _ := ssh.NewPublicKey(raw.(*ed25519.PrivateKey).Public())
	if *ed.KeyFingerprint != refFingerprint(edPub) || len(*ed.KeyFingerprint) != 44 {
		t.Errorf("ed25519 fingerprint %s", *ed.KeyFingerprint)
	}

	for _, tt := range []struct {
		in   ec2api.CreateKeyPairInput
		code string
	}{
		{ec2api.CreateKeyPairInput{KeyName: ptr("x"), KeyType: ptr("dsa")}, "InvalidParameterValue"},
		{ec2api.CreateKeyPairInput{KeyName: ptr("x"), KeyFormat: ptr("der")}, "InvalidParameterValue"},
		{ec2api.CreateKeyPairInput{KeyName: ptr("ü")}, "InvalidParameterValue"},
		{ec2api.CreateKeyPairInput{KeyName: ptr(strings.Repeat("a", 256))}, "InvalidParameterValue"},
		{ec2api.CreateKeyPairInput{KeyName: ptr("x"), DryRun: ptr(true)}, "DryRunOperation"},
		{ec2api.CreateKeyPairInput{KeyName: ptr("x"), TagSpecifications: []ec2api.TagSpecification{{ResourceType: ptr("instance")}}}, "InvalidParameterValue"},
	} {
		if _, err := s.CreateKeyPair(ctx, &tt.in); code(err) != tt.code {
			t.Errorf("%+v: %v, want %s", tt.in, err, tt.code)
		}
	}

	// Delete: by name, by id, and an unknown name succeeds.
	if _, err := s.DeleteKeyPair(ctx, &ec2api.DeleteKeyPairInput{KeyName: ptr("nobody")}); err != nil {
		t.Errorf("delete unknown name: %v", err)
	}
	if _, err := s.DeleteKeyPair(ctx, &ec2api.DeleteKeyPairInput{KeyPairId: ptr("key-0123456789abcdef0")}); code(err) != "InvalidKeyPair.NotFound" {
		t.Errorf("delete unknown id: %v", err)
	}
	if _, err := s.DeleteKeyPair(ctx, &ec2api.DeleteKeyPairInput{KeyPairId: ed.KeyPairId}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteKeyPair(ctx, &ec2api.DeleteKeyPairInput{KeyName: ptr("k")}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DescribeKeyPairs(ctx, &ec2api.DescribeKeyPairsInput{KeyNames: []string{"k"}}); code(err) != "InvalidKeyPair.NotFound" {
		t.Errorf("describe deleted: %v", err)
	}
}

func TestImportKeyPair(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	rpub, _ := ssh.NewPublicKey(&rk.PublicKey)
	spki, _ := x509.MarshalPKIXPublicKey(&rk.PublicKey)
	md := md5.Sum(spki)
	wantRSA := colonHex(md[:])
	epub, _, _ := ed25519.GenerateKey(rand.Reader)
	esh, _ := ssh.NewPublicKey(epub)
	// Go refuses to generate keys under 1024 bits; a 768-bit modulus is
	// enough to be refused.
	smallPub, _ := ssh.NewPublicKey(&rsa.PublicKey{N: new(big.Int).Add(new(big.Int).Lsh(big.NewInt(1), 767), big.NewInt(1)), E: 65537})

	rfc4716 := "---- BEGIN SSH2 PUBLIC KEY ----\nComment: \"a long \\\n comment\"\n" +
		wrap(base64.StdEncoding.EncodeToString(rpub.Marshal()), 70) + "---- END SSH2 PUBLIC KEY ----\n"
	tests := []struct {
		name, material, code, fingerprint string
	}{
		{"openssh rsa", string(ssh.MarshalAuthorizedKey(rpub)), "", wantRSA},
		{"openssh ed25519 with comment", strings.TrimSpace(string(ssh.MarshalAuthorizedKey(esh))) + " me@example.com", "", refFingerprint(esh)},
		{"base64 DER", base64.StdEncoding.EncodeToString(spki), "", wantRSA},
		{"RFC 4716", rfc4716, "", wantRSA},
		{"garbage", "not a key", "InvalidKey.Format", ""},
		{"RSA too small", string(ssh.MarshalAuthorizedKey(smallPub)), "InvalidKey.Format", ""},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := s.ImportKeyPair(ctx, &ec2api.ImportKeyPairInput{KeyName: ptr("k" + itoaInt(i)), PublicKeyMaterial: []byte(tt.material)})
			if code(err) != tt.code {
				t.Fatalf("err = %v, want %s", err, tt.code)
			}
			if err == nil && *out.KeyFingerprint != tt.fingerprint {
				t.Errorf("fingerprint %s, want %s", *out.KeyFingerprint, tt.fingerprint)
			}
		})
	}
	if _, err := s.ImportKeyPair(ctx, &ec2api.ImportKeyPairInput{KeyName: ptr("k0"), PublicKeyMaterial: ssh.MarshalAuthorizedKey(esh)}); code(err) != "InvalidKeyPair.Duplicate" {
		t.Errorf("duplicate import: %v", err)
	}
	d, err := s.DescribeKeyPairs(ctx, &ec2api.DescribeKeyPairsInput{Filters: filters("fingerprint", wantRSA)})
	if err != nil || len(d.KeyPairs) != 3 {
		t.Errorf("by fingerprint: %d, %v", len(d.KeyPairs), err)
	}
}

func wrap(s string, n int) string {
	var sb strings.Builder
	for len(s) > n {
		sb.WriteString(s[:n] + "\n")
		s = s[n:]
	}
	sb.WriteString(s + "\n")
	return sb.String()
}

// TestPPK checks the .ppk files against PuTTY's own puttygen when it is
// installed: it verifies the MAC and converts the key to OpenSSH.
func TestPPK(t *testing.T) {
	puttygen, err := exec.LookPath("puttygen")
	if err != nil {
		t.Skip("puttygen not installed (apt-get install putty-tools)")
	}
	for _, typ := range []string{"rsa", "ed25519"} {
		material, pub, _, err := newKey(typ, "ppk", "k-"+typ)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(material, "PuTTY-User-Key-File-3: ") {
			t.Fatalf("%s: %q", typ, material)
		}
		path := filepath.Join(t.TempDir(), "k.ppk")
		if err := os.WriteFile(path, []byte(material), 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := exec.Command(puttygen, path, "-L").CombinedOutput()
		if err != nil {
			t.Fatalf("%s: puttygen: %v: %s", typ, err, got)
		}
		if want := authorizedKey(pub); !strings.HasPrefix(string(got), want) {
			t.Errorf("%s: puttygen says %q, want %q", typ, got, want)
		}
	}
}

// refAuthorizedKey and refFingerprint are the reference encodings, by
// golang.org/x/crypto/ssh, that the handlers' own must match.
func refAuthorizedKey(pub ssh.PublicKey) string {
	return strings.TrimSuffix(string(ssh.MarshalAuthorizedKey(pub)), "\n")
}

func refFingerprint(pub ssh.PublicKey) string {
	sum := sha256.Sum256(pub.Marshal())
	return base64.StdEncoding.EncodeToString(sum[:])
}
