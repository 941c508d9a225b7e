// Package ssm implements AWS Systems Manager Parameter Store: String,
// StringList and SecureString parameters with versions, labels, tiers,
// tags and the hierarchy, plus AWS's read-only public parameters (the
// latest AMI ids under /aws/service/), served from internal/awsdata/images
// for the caller's Region.
//
// SecureString values are stored encrypted with AES-GCM under a key kept
// in the store (one per server); until KMS exists, KeyId is recorded as
// given (alias/aws/ssm by default) but does not select the key.
package ssm

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/clock"
	"hakoniwa/internal/reqctx"
	"hakoniwa/internal/store"

	ssmapi "hakoniwa/internal/api/ssm"
)

// Service is the Systems Manager implementation.
type Service struct {
	ssmapi.Unimplemented
	st    store.Store
	clock clock.Clock
}

// New returns the service over st.
func New(st store.Store, c clock.Clock) *Service { return &Service{st: st, clock: c} }

// Limits from the Systems Manager service quotas.
const (
	maxVersions        = 100
	maxLabelsPerVer    = 10
	maxHierarchyLevels = 15
	maxTags            = 50
	standardMaxValue   = 4096
	advancedMaxValue   = 8192
	defaultKeyID       = "alias/aws/ssm"
)

// paramRec is one parameter with its history, oldest version first.
type paramRec struct {
	Name     string            `json:"name"`
	Tags     map[string]string `json:"tags,omitempty"`
	Versions []version         `json:"versions"`
}

// version is one version of a parameter: every attribute PutParameter
// sets is versioned, as GetParameterHistory reports it.
type version struct {
	Version        int64     `json:"v"`
	Type           string    `json:"type"`
	Value          string    `json:"value"` // ciphertext (base64) for SecureString
	DataType       string    `json:"dataType"`
	Tier           string    `json:"tier"`
	Description    string    `json:"desc,omitempty"`
	AllowedPattern string    `json:"pattern,omitempty"`
	KeyID          string    `json:"keyId,omitempty"`
	Labels         []string  `json:"labels,omitempty"`
	Modified       time.Time `json:"modified"`
	User           string    `json:"user"`
}

func (p *paramRec) latest() *version { return &p.Versions[len(p.Versions)-1] }

func (p *paramRec) version(n int64) *version {
	for i := range p.Versions {
		if p.Versions[i].Version == n {
			return &p.Versions[i]
		}
	}
	return nil
}

func (p *paramRec) labelled(label string) *version {
	for i := range p.Versions {
		for _, l := range p.Versions[i].Labels {
			if l == label {
				return &p.Versions[i]
			}
		}
	}
	return nil
}

type scope struct{ account, region string }

func (s *Service) scope(ctx context.Context) (scope, error) {
	info := reqctx.From(ctx)
	if info == nil || info.Principal.Account == "" || info.Region == "" {
		return scope{}, errors.New("ssm: request without account or region")
	}
	return scope{info.Principal.Account, info.Region}, nil
}

func caller(ctx context.Context) string {
	if info := reqctx.From(ctx); info != nil {
		return info.Principal.ARN
	}
	return ""
}

func paramBucket(sc scope) store.Bucket {
	return store.Bucket{Account: sc.account, Region: sc.region, Service: "ssm", Kind: "parameter"}
}

func getParam(tx store.Tx, sc scope, name string) (*paramRec, error) {
	p, err := store.GetJSON[paramRec](tx, paramBucket(sc), name)
	if err != nil {
		return nil, err
	}
	return &p, nil
}

func putParam(tx store.Tx, sc scope, p *paramRec) error {
	return store.PutJSON(tx, paramBucket(sc), p.Name, *p)
}

func (sc scope) arn(name string) string {
	account := sc.account
	if isPublic(name) {
		account = ""
	}
	return "arn:aws:ssm:" + sc.region + ":" + account + ":parameter/" + strings.TrimPrefix(name, "/")
}

// Errors, in the shapes Systems Manager answers with.

func errf(code, format string, args ...any) error {
	return awserr.New(http.StatusBadRequest, code, format, args...)
}

func validation(format string, args ...any) error {
	return errf("ValidationException", format, args...)
}

func notFound(name string) error { return errf("ParameterNotFound", "Parameter %s not found.", name) }

func versionNotFound(name string, v int64) error {
	return errf("ParameterVersionNotFound", "Systems Manager could not find version %d of %s. Verify the version and try again.", v, name)
}

func reserved(name string) error {
	return awserr.New(http.StatusBadRequest, "AccessDeniedException", "No access to reserved parameter name: %s.", name)
}

// isPublic reports whether name is under the public namespace AWS owns.
func isPublic(name string) bool {
	return name == "/aws" || strings.HasPrefix(name, "/aws/")
}

var segmentRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-zA-Z0-9_.\-]+$`) })

const nameRules = `Parameter name: can't be prefixed with "aws" or "ssm" (case-insensitive). If formed as a path, it can consist of sub-paths divided by slash symbol; each sub-path can be formed as a mix of letters, numbers and the following 3 symbols .-_`

// checkName applies AWS's naming rules to a parameter a caller writes.
func checkName(name string) error {
	if isPublic(name) {
		return reserved(name)
	}
	if strings.Contains(name, "/") && !strings.HasPrefix(name, "/") {
		return validation("Parameter name must be a fully qualified name.")
	}
	segs := strings.Split(strings.TrimPrefix(name, "/"), "/")
	first := strings.ToLower(segs[0])
	if strings.HasPrefix(first, "aws") || strings.HasPrefix(first, "ssm") {
		return validation("%s", nameRules)
	}
	for _, s := range segs {
		if !segmentRE().MatchString(s) {
			return validation("%s", nameRules)
		}
	}
	if len(segs) > maxHierarchyLevels {
		return errf("HierarchyLevelLimitExceededException", "A hierarchy can have a maximum of 15 levels. For more information, see https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-paramstore-su-create.html")
	}
	return nil
}

// splitSelector separates name:version or name:label.
func splitSelector(s string) (name, selector string) {
	if strings.HasPrefix(s, "arn:") {
		// arn:aws:ssm:region:account:parameter/name[:selector]
		if _, rest, ok := strings.Cut(s, ":parameter/"); ok {
			s = "/" + rest
			if !strings.Contains(rest, "/") {
				s = rest
			}
		}
	}
	name, sel, _ := strings.Cut(s, ":")
	return name, sel
}

// The SecureString key: 32 random bytes created on first use and kept in
// the store, so values stay readable across restarts.
var keyBucket = store.Bucket{Account: "aws", Service: "ssm", Kind: "securestring-key"}

func (s *Service) aead(tx store.Tx) (cipher.AEAD, error) {
	key, err := tx.Get(keyBucket, "key")
	if errors.Is(err, store.ErrNotFound) {
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
		if err := tx.Put(keyBucket, "key", key); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

func encrypt(a cipher.AEAD, name, plain string) (string, error) {
	nonce := make([]byte, a.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	// The name is bound as additional data: a value copied to another
	// parameter does not decrypt.
	return base64.StdEncoding.EncodeToString(a.Seal(nonce, nonce, []byte(plain), []byte(name))), nil
}

func decrypt(a cipher.AEAD, name, enc string) (string, error) {
	raw, err := base64.StdEncoding.DecodeString(enc)
	if err != nil || len(raw) < a.NonceSize() {
		return "", fmt.Errorf("ssm: corrupt SecureString value of %s", name)
	}
	plain, err := a.Open(nil, raw[:a.NonceSize()], raw[a.NonceSize():], []byte(name))
	if err != nil {
		return "", fmt.Errorf("ssm: SecureString value of %s does not decrypt: %w", name, err)
	}
	return string(plain), nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func ptr[T any](v T) *T { return &v }

func isTrue(b *bool) bool { return b != nil && *b }

func isCode(err error, codes ...string) bool {
	var e *awserr.Error
	if !errors.As(err, &e) {
		return false
	}
	for _, c := range codes {
		if e.Code == c {
			return true
		}
	}
	return false
}
