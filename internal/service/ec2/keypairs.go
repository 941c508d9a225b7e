package ec2

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/md5"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"hakoniwa/internal/store"

	ec2api "hakoniwa/internal/api/ec2"
)

// keyPairRec is a key pair. Only the public half is kept: the private key
// CreateKeyPair makes is returned once and never stored.
type keyPairRec struct {
	meta
	Name        string    `json:"name"`
	KeyType     string    `json:"type"` // rsa | ed25519
	Fingerprint string    `json:"fingerprint"`
	PublicKey   string    `json:"publicKey"` // OpenSSH authorized_keys line, without comment
	Created     time.Time `json:"created"`
}

var (
	kindKeyPair  = kindInfo{"key", "key-pair", "key-pair", "key pair", "InvalidKeyPair"}
	keyPairKinds = []kindInfo{kindKeyPair}

	keyPairs = &table[keyPairRec, *keyPairRec]{kind: "key-pair", indexes: map[string]func(*keyPairRec) string{
		"key-name": func(r *keyPairRec) string { return r.Name },
	}}
)

var keyPairFilters = sync.OnceValue(func() filterDefs[*keyPairRec] {
	return filterDefs[*keyPairRec]{
		"key-pair-id": func(r *keyPairRec) []string { return one(r.ID) },
		"key-name":    func(r *keyPairRec) []string { return one(r.Name) },
		"fingerprint": func(r *keyPairRec) []string { return one(r.Fingerprint) },
		"key-type":    func(r *keyPairRec) []string { return one(r.KeyType) },
	}
})

func keyPairNotFound(name string) error {
	return errf(http.StatusBadRequest, "InvalidKeyPair.NotFound", "The key pair '%s' does not exist", name)
}

// checkKeyName applies AWS's rule: up to 255 ASCII characters.
func checkKeyName(name string) error {
	if name == "" {
		return missingParam("KeyName")
	}
	if len(name) > 255 {
		return invalidParam("Value (%s) for parameter keyName is invalid. Length exceeds maximum of 255 characters.", name)
	}
	for i := 0; i < len(name); i++ {
		if name[i] < 0x20 || name[i] > 0x7e {
			return invalidParam("Value (%s) for parameter keyName is invalid. Character sets beyond ASCII are not supported.", name)
		}
	}
	return nil
}

// findKeyPair returns the caller's key pair called name, or
// InvalidKeyPair.NotFound (RunInstances' check of KeyName).
func (s *Service) findKeyPair(tx store.Tx, sc scope, name string) (*keyPairRec, error) {
	recs, err := keyPairs.by(tx, sc, "key-name", name)
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, keyPairNotFound(name)
	}
	return recs[0], nil
}

// CreateKeyPair makes a key pair and returns its private key, once.
func (s *Service) CreateKeyPair(ctx context.Context, in *ec2api.CreateKeyPairInput) (*ec2api.CreateKeyPairOutput, error) {
	name := deref(in.KeyName)
	if err := checkKeyName(name); err != nil {
		return nil, err
	}
	keyType, format := deref(in.KeyType), deref(in.KeyFormat)
	if keyType == "" {
		keyType = "rsa"
	}
	if format == "" {
		format = "pem"
	}
	if keyType != "rsa" && keyType != "ed25519" {
		return nil, invalidParam("Value (%s) for parameter keyType is invalid. Valid values: rsa, ed25519", keyType)
	}
	if format != "pem" && format != "ppk" {
		return nil, invalidParam("Value (%s) for parameter keyFormat is invalid. Valid values: pem, ppk", format)
	}
	tags, err := s.specTags(in.TagSpecifications, kindKeyPair.resourceType)
	if err != nil {
		return nil, err
	}
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	material, pub, fingerprint, err := newKey(keyType, format, name)
	if err != nil {
		return nil, err
	}
	rec := &keyPairRec{meta: meta{ID: s.ids.Resource("key"), Tags: tags}, Name: name, KeyType: keyType,
		Fingerprint: fingerprint, PublicKey: authorizedKey(pub), Created: s.clock.Now().UTC()}
	if err := s.putKeyPair(ctx, sc, rec); err != nil {
		return nil, err
	}
	return &ec2api.CreateKeyPairOutput{KeyName: ptr(name), KeyPairId: ptr(rec.ID), KeyFingerprint: ptr(fingerprint),
		KeyMaterial: ptr(material), Tags: apiTags(tags)}, nil
}

func (s *Service) putKeyPair(ctx context.Context, sc scope, rec *keyPairRec) error {
	return s.st.Update(ctx, func(tx store.Tx) error {
		n, err := keyPairs.countBy(tx, sc, "key-name", rec.Name)
		if err != nil {
			return err
		}
		if n > 0 {
			return errf(http.StatusBadRequest, "InvalidKeyPair.Duplicate", "The keypair '%s' already exists.", rec.Name)
		}
		return keyPairs.put(tx, sc, rec)
	})
}

// newKey generates a key and renders its private half: RSA 2048 as a
// PKCS#1 PEM, Ed25519 as an OpenSSH private key, or either as PuTTY's
// .ppk. The fingerprint of a created RSA key is the SHA-1 of its PKCS#8
// DER; of an Ed25519 key the SHA-256 of its public key blob.
func newKey(keyType, format, comment string) (material string, pub *sshKey, fingerprint string, err error) {
	switch keyType {
	case "rsa":
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return "", nil, "", err
		}
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			return "", nil, "", err
		}
		sum := sha1.Sum(der)
		fingerprint = colonHex(sum[:])
		if pub, err = newSSHKey(&k.PublicKey); err != nil {
			return "", nil, "", err
		}
		if format == "ppk" {
			return ppkRSA(k, pub, comment), pub, fingerprint, nil
		}
		material = string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}))
	default:
		pubKey, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return "", nil, "", err
		}
		if pub, err = newSSHKey(pubKey); err != nil {
			return "", nil, "", err
		}
		fingerprint = sha256Fingerprint(pub)
		if format == "ppk" {
			return ppkEd25519(priv, pub, comment), pub, fingerprint, nil
		}
		block, err := openSSHPrivateKey(priv)
		if err != nil {
			return "", nil, "", err
		}
		material = string(pem.EncodeToMemory(block))
	}
	// AWS returns the material without the final newline.
	return strings.TrimSuffix(material, "\n"), pub, fingerprint, nil
}

func colonHex(b []byte) string {
	var sb strings.Builder
	for i, c := range b {
		if i > 0 {
			sb.WriteByte(':')
		}
		fmt.Fprintf(&sb, "%02x", c)
	}
	return sb.String()
}

func sha256Fingerprint(pub *sshKey) string {
	sum := sha256.Sum256(pub.Marshal())
	return base64.StdEncoding.EncodeToString(sum[:])
}

func authorizedKey(pub *sshKey) string { return pub.authorizedKey() }

// ImportKeyPair stores the public key of a key pair made elsewhere.
func (s *Service) ImportKeyPair(ctx context.Context, in *ec2api.ImportKeyPairInput) (*ec2api.ImportKeyPairOutput, error) {
	name := deref(in.KeyName)
	if err := checkKeyName(name); err != nil {
		return nil, err
	}
	pub, err := parseImportedKey(in.PublicKeyMaterial)
	if err != nil {
		return nil, err
	}
	tags, err := s.specTags(in.TagSpecifications, kindKeyPair.resourceType)
	if err != nil {
		return nil, err
	}
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	rec := &keyPairRec{meta: meta{ID: s.ids.Resource("key"), Tags: tags}, Name: name, PublicKey: authorizedKey(pub),
		Created: s.clock.Now().UTC()}
	switch pub.Type() {
	case algoRSA:
		// An imported RSA key's fingerprint is the MD5 of its public key
		// (SubjectPublicKeyInfo DER), not SHA-1 as for created ones.
		der, err := x509.MarshalPKIXPublicKey(pub.key)
		if err != nil {
			return nil, invalidKeyFormat()
		}
		sum := md5.Sum(der)
		rec.KeyType, rec.Fingerprint = "rsa", colonHex(sum[:])
	default:
		rec.KeyType, rec.Fingerprint = "ed25519", sha256Fingerprint(pub)
	}
	if err := s.putKeyPair(ctx, sc, rec); err != nil {
		return nil, err
	}
	return &ec2api.ImportKeyPairOutput{KeyName: ptr(name), KeyPairId: ptr(rec.ID), KeyFingerprint: ptr(rec.Fingerprint),
		Tags: apiTags(tags)}, nil
}

func invalidKeyFormat() error {
	return errf(http.StatusBadRequest, "InvalidKey.Format", "Key is not in valid OpenSSH public key format")
}

// parseImportedKey accepts the formats AWS documents: an OpenSSH public
// key line, base64-encoded DER, and the SSH public key file format of
// RFC 4716. Only RSA keys of 1024 to 4096 bits and Ed25519 keys are
// accepted.
func parseImportedKey(material []byte) (*sshKey, error) {
	text := bytes.TrimSpace(material)
	var pub *sshKey
	if k, err := parseAuthorizedKey(text); err == nil {
		pub = k
	} else if body, ok := rfc4716Body(string(text)); ok {
		raw, err := base64.StdEncoding.DecodeString(body)
		if err != nil {
			return nil, invalidKeyFormat()
		}
		if pub, err = parseSSHKey(raw); err != nil {
			return nil, invalidKeyFormat()
		}
	} else {
		der, err := base64.StdEncoding.DecodeString(string(text))
		if err != nil {
			der = text
		}
		var cpk any
		if cpk, err = x509.ParsePKIXPublicKey(der); err != nil {
			if cpk, err = x509.ParsePKCS1PublicKey(der); err != nil {
				return nil, invalidKeyFormat()
			}
		}
		if pub, err = newSSHKey(cpk); err != nil {
			return nil, invalidKeyFormat()
		}
	}
	switch pub.Type() {
	case algoRSA:
		k, ok := pub.key.(*rsa.PublicKey)
		if !ok {
			return nil, invalidKeyFormat()
		}
		if bits := k.N.BitLen(); bits < 1024 || bits > 4096 {
			return nil, invalidKeyFormat()
		}
	case algoEd25519:
	default:
		return nil, invalidKeyFormat()
	}
	return pub, nil
}

// rfc4716Body extracts the base64 body of an RFC 4716 public key: the
// lines between the BEGIN and END markers, less headers (which may be
// continued with a trailing backslash).
func rfc4716Body(text string) (string, bool) {
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	if len(lines) < 3 || strings.TrimSpace(lines[0]) != "---- BEGIN SSH2 PUBLIC KEY ----" {
		return "", false
	}
	var body strings.Builder
	continued := false
	for _, l := range lines[1:] {
		l = strings.TrimSpace(l)
		switch {
		case l == "---- END SSH2 PUBLIC KEY ----":
			return body.String(), true
		case continued:
			continued = strings.HasSuffix(l, `\`)
		case strings.Contains(l, ":"):
			continued = strings.HasSuffix(l, `\`)
		default:
			body.WriteString(l)
		}
	}
	return "", false
}

// DescribeKeyPairs lists key pairs: by name or id (each must exist),
// filtered. The public key is included only when asked for.
func (s *Service) DescribeKeyPairs(ctx context.Context, in *ec2api.DescribeKeyPairsInput) (*ec2api.DescribeKeyPairsOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	if err := checkIDs(kindKeyPair, in.KeyPairIds); err != nil {
		return nil, err
	}
	fs, err := keyPairFilters().compile(in.Filters)
	if err != nil {
		return nil, err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	var items []*keyPairRec
	err = s.st.View(ctx, func(tx store.Tx) error {
		var err error
		items, _, err = describe(tx, sc, keyPairs, kindKeyPair, query[*keyPairRec]{ids: in.KeyPairIds, filters: fs})
		if err != nil || len(in.KeyNames) == 0 {
			return err
		}
		want := map[string]bool{}
		for _, n := range in.KeyNames {
			if _, err := s.findKeyPair(tx, sc, n); err != nil {
				return err
			}
			want[n] = true
		}
		kept := items[:0]
		for _, k := range items {
			if want[k.Name] {
				kept = append(kept, k)
			}
		}
		items = kept
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := &ec2api.DescribeKeyPairsOutput{KeyPairs: make([]ec2api.KeyPairInfo, 0, len(items))}
	for _, k := range items {
		info := ec2api.KeyPairInfo{KeyPairId: ptr(k.ID), KeyName: ptr(k.Name), KeyType: ptr(k.KeyType),
			KeyFingerprint: ptr(k.Fingerprint), CreateTime: ptr(k.Created), Tags: apiTags(k.Tags)}
		if isTrue(in.IncludePublicKey) {
			info.PublicKey = ptr(k.PublicKey)
		}
		out.KeyPairs = append(out.KeyPairs, info)
	}
	return out, nil
}

// DeleteKeyPair deletes a key pair by name or id. Deleting a name that
// does not exist succeeds, as in AWS.
func (s *Service) DeleteKeyPair(ctx context.Context, in *ec2api.DeleteKeyPairInput) (*ec2api.DeleteKeyPairOutput, error) {
	name, id := deref(in.KeyName), deref(in.KeyPairId)
	if name == "" && id == "" {
		return nil, missingParam("KeyName or KeyPairId")
	}
	if id != "" && !wellFormed(id, kindKeyPair.prefix) {
		return nil, kindKeyPair.malformed(id)
	}
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	var deleted string
	err = s.st.Update(ctx, func(tx store.Tx) error {
		var rec *keyPairRec
		if id != "" {
			r, err := getByKind(tx, sc, keyPairs, kindKeyPair, id)
			if err != nil {
				return err
			}
			rec = r
		} else {
			recs, err := keyPairs.by(tx, sc, "key-name", name)
			if err != nil || len(recs) == 0 {
				return err
			}
			rec = recs[0]
		}
		deleted = rec.ID
		return keyPairs.delete(tx, sc, rec)
	})
	if err != nil {
		return nil, err
	}
	out := &ec2api.DeleteKeyPairOutput{Return: ptr(true)}
	if deleted != "" {
		out.KeyPairId = ptr(deleted)
	}
	return out, nil
}
