package e2e

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The SCENARIOS path for key pairs with both CLIs: the private key shown
// once is a real key whose public half and fingerprint match what
// DescribeKeyPairs reports, checked with ssh-keygen and openssl.
func TestCLIKeyPairs(t *testing.T) {
	sshKeygen, openssl := need(t, "ssh-keygen"), need(t, "openssl")
	s := StartServer(t)
	clis := awsCLIs(t)
	for _, v := range []string{"v1", "v2"} {
		t.Run(v, func(t *testing.T) {
			path, ok := clis[v]
			if !ok {
				missing(t, "aws CLI "+v)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			name := "k-" + v
			pem, stderr, err := cli(ctx, s, v, path, "--endpoint-url", s.URL, "ec2", "create-key-pair", "--key-name", name, "--query", "KeyMaterial", "--output", "text")
			if err != nil {
				t.Fatalf("%v\n%s", err, stderr)
			}
			file := filepath.Join(t.TempDir(), name+".pem")
			if err := os.WriteFile(file, []byte(pem), 0o600); err != nil {
				t.Fatal(err)
			}
			pub, err := exec.CommandContext(ctx, sshKeygen, "-y", "-f", file).Output()
			if err != nil {
				t.Fatalf("ssh-keygen -y: %v", err)
			}
			out, stderr, err := cli(ctx, s, v, path, "--endpoint-url", s.URL, "ec2", "describe-key-pairs", "--key-names", name, "--include-public-key", "--output", "json")
			if err != nil {
				t.Fatalf("%v\n%s", err, stderr)
			}
			var d struct {
				KeyPairs []struct{ KeyFingerprint, PublicKey, KeyPairId, KeyType string }
			}
			if err := json.Unmarshal([]byte(out), &d); err != nil || len(d.KeyPairs) != 1 {
				t.Fatalf("%v: %s", err, out)
			}
			kp := d.KeyPairs[0]
			if strings.TrimSpace(string(pub)) != kp.PublicKey || kp.KeyType != "rsa" || !strings.HasPrefix(kp.KeyPairId, "key-") {
				t.Errorf("ssh-keygen says %q; DescribeKeyPairs %+v", pub, kp)
			}
			der, err := exec.CommandContext(ctx, openssl, "pkcs8", "-in", file, "-inform", "PEM", "-outform", "DER", "-topk8", "-nocrypt").Output()
			if err != nil {
				t.Fatalf("openssl pkcs8: %v", err)
			}
			sha := exec.CommandContext(ctx, openssl, "sha1", "-c")
			sha.Stdin = strings.NewReader(string(der))
			sum, err := sha.Output()
			if err != nil {
				t.Fatalf("openssl sha1: %v", err)
			}
			if fields := strings.Fields(string(sum)); fields[len(fields)-1] != kp.KeyFingerprint {
				t.Errorf("openssl fingerprint %q, AWS's %q", sum, kp.KeyFingerprint)
			}
			_, stderr, err = cli(ctx, s, v, path, "--endpoint-url", s.URL, "ec2", "create-key-pair", "--key-name", name)
			if err == nil || !strings.Contains(stderr, "InvalidKeyPair.Duplicate") {
				t.Errorf("duplicate: %v %s", err, stderr)
			}
			if _, stderr, err := cli(ctx, s, v, path, "--endpoint-url", s.URL, "ec2", "delete-key-pair", "--key-name", name); err != nil {
				t.Fatalf("%v\n%s", err, stderr)
			}
			_, stderr, err = cli(ctx, s, v, path, "--endpoint-url", s.URL, "ec2", "describe-key-pairs", "--key-names", name)
			if err == nil || !strings.Contains(stderr, "InvalidKeyPair.NotFound") {
				t.Errorf("after delete: %v %s", err, stderr)
			}
		})
	}
}
