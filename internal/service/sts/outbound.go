package sts

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"time"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/reqctx"
	"hakoniwa/internal/store"

	stsapi "hakoniwa/internal/api/sts"
)

// Outbound identity federation: GetWebIdentityToken hands an AWS principal
// a JWT, signed by its account's keys, to present to services outside AWS.
// IAM owns the feature switch and the issuer URL; STS owns the keys, which
// are made on first use and kept in the store so tokens stay verifiable
// across restarts.

// Outbound is what STS needs from IAM for outbound federation.
type Outbound interface {
	// OutboundIssuer is the account's issuer URL; ok is false while the
	// feature is disabled.
	OutboundIssuer(ctx context.Context, account string) (issuer string, ok bool, err error)
	// PrincipalTags are the tags of the IAM user or role behind arn.
	PrincipalTags(ctx context.Context, account, arn string) (map[string]string, error)
}

// The token's lifetime (GetWebIdentityToken reference): 300 s unless the
// caller asks for 60–3600 s, which the model validator enforces.
const defaultTokenDuration = 300

// claimNamespace holds AWS's own claims and the caller's request tags
// ("Understanding token claims").
const claimNamespace = "https://sts.amazonaws.com/"

const (
	algRS256 = "RS256"
	algES384 = "ES384"
)

func signingKeys(account string) store.Bucket {
	return store.Bucket{Account: account, Service: "sts", Kind: "jwt-signing-key"}
}

// signingKey is a stored key: its id (the JWT's kid) and PKCS #8 DER.
type signingKey struct {
	ID     string `json:"kid"`
	PKCS8  []byte `json:"pkcs8"`
	Issued int64  `json:"issued"`
}

// GetWebIdentityToken issues a JWT naming the caller: sub is the IAM user
// or role (a role session's role, not the session), aud the audiences
// asked for, and the AWS namespace claim carries the account, the region
// and the principal's and request's tags.
func (s *Service) GetWebIdentityToken(ctx context.Context, in *stsapi.GetWebIdentityTokenInput) (*stsapi.GetWebIdentityTokenOutput, error) {
	info := reqctx.From(ctx)
	p := info.Principal
	alg := deref(in.SigningAlgorithm)
	if alg != algRS256 && alg != algES384 {
		return nil, awserr.Validation("ValidationError",
			"1 validation error detected: Value '%s' at 'signingAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [RS256, ES384]", alg)
	}
	issuer, ok := "", false
	if s.Outbound != nil {
		var err error
		if issuer, ok, err = s.Outbound.OutboundIssuer(ctx, p.Account); err != nil {
			return nil, err
		}
	}
	if !ok {
		return nil, awserr.New(http.StatusForbidden, "OutboundWebIdentityFederationDisabledException",
			"Outbound web identity federation is disabled for this account. Enable it through the IAM console or the EnableOutboundWebIdentityFederation API.")
	}
	now := s.clock.Now().UTC().Truncate(time.Second)
	d := int64(defaultTokenDuration)
	if in.DurationSeconds != nil {
		d = *in.DurationSeconds
	}
	exp := now.Add(time.Duration(d) * time.Second)
	subject := p.ARN
	if p.SessionToken != "" {
		rec, found, err := s.lookup(ctx, p.AccessKeyID)
		if err != nil {
			return nil, err
		}
		if found {
			if exp.After(rec.Expires) {
				return nil, awserr.New(http.StatusForbidden, "SessionDurationEscalationException",
					"The requested token duration would extend the session beyond its original expiration time.")
			}
			// The role or user the session acts for, not the session.
			subject = rec.info().IssuedFor
		}
	}
	aws := map[string]any{"aws_account": p.Account, "source_region": info.Region}
	if s.Outbound != nil && !p.IsRoot() {
		tags, err := s.Outbound.PrincipalTags(ctx, p.Account, subject)
		if err != nil && !isNoSuchEntity(err) {
			return nil, err
		}
		if len(tags) > 0 {
			aws["principal_tags"] = tags
		}
	}
	if len(in.Tags) > 0 {
		req := make(map[string]string, len(in.Tags))
		for _, t := range in.Tags {
			req[deref(t.Key)] = deref(t.Value)
		}
		aws["request_tags"] = req
	}
	claims := map[string]any{
		"iss": issuer, "sub": subject, "iat": now.Unix(), "exp": exp.Unix(),
		"jti": s.ids.UUID(), claimNamespace: aws,
	}
	if len(in.Audience) == 1 {
		claims["aud"] = in.Audience[0]
	} else {
		claims["aud"] = in.Audience
	}
	key, err := s.signingKey(ctx, p.Account, alg)
	if err != nil {
		return nil, err
	}
	tok, err := signJWT(alg, key, claims)
	if err != nil {
		return nil, err
	}
	return &stsapi.GetWebIdentityTokenOutput{WebIdentityToken: &tok, Expiration: &exp}, nil
}

func isNoSuchEntity(err error) bool {
	var e *awserr.Error
	return errors.As(err, &e) && e.Code == "NoSuchEntity"
}

// signingKey returns the account's key for alg, making it on first use.
func (s *Service) signingKey(ctx context.Context, account, alg string) (signingKey, error) {
	var out signingKey
	err := s.st.View(ctx, func(tx store.Tx) error {
		var err error
		out, err = store.GetJSON[signingKey](tx, signingKeys(account), alg)
		return err
	})
	if err == nil || !errors.Is(err, store.ErrNotFound) {
		return out, err
	}
	// Key generation happens outside the transaction (RSA takes tens of
	// milliseconds); the first writer wins and everyone uses its key.
	fresh, err := newSigningKey(alg, s.ids.UUID(), s.clock.Now())
	if err != nil {
		return out, err
	}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		cur, err := store.GetJSON[signingKey](tx, signingKeys(account), alg)
		if err == nil {
			out = cur
			return nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		out = fresh
		return store.PutJSON(tx, signingKeys(account), alg, fresh)
	})
	return out, err
}

func newSigningKey(alg, id string, now time.Time) (signingKey, error) {
	var priv crypto.Signer
	var err error
	if alg == algRS256 {
		priv, err = rsa.GenerateKey(rand.Reader, 2048)
	} else {
		priv, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	}
	if err != nil {
		return signingKey{}, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return signingKey{}, err
	}
	return signingKey{ID: id, PKCS8: der, Issued: now.Unix()}, nil
}

func (k signingKey) signer() (crypto.Signer, error) {
	priv, err := x509.ParsePKCS8PrivateKey(k.PKCS8)
	if err != nil {
		return nil, err
	}
	sg, ok := priv.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("sts: stored key %s cannot sign", k.ID)
	}
	return sg, nil
}

var b64 = base64.RawURLEncoding

func signJWT(alg string, key signingKey, claims map[string]any) (string, error) {
	header, err := json.Marshal(map[string]string{"alg": alg, "kid": key.ID, "typ": "JWT"})
	if err != nil {
		return "", err
	}
	body, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	input := b64.EncodeToString(header) + "." + b64.EncodeToString(body)
	sg, err := key.signer()
	if err != nil {
		return "", err
	}
	var sig []byte
	switch k := sg.(type) {
	case *rsa.PrivateKey:
		sum := sha256.Sum256([]byte(input))
		sig, err = rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, sum[:])
	case *ecdsa.PrivateKey:
		// JWS wants ES384 signatures as fixed-size r‖s, not ASN.1.
		sum := sha512.Sum384([]byte(input))
		var r, s *big.Int
		if r, s, err = ecdsa.Sign(rand.Reader, k, sum[:]); err == nil {
			sig = make([]byte, 96)
			r.FillBytes(sig[:48])
			s.FillBytes(sig[48:])
		}
	default:
		err = fmt.Errorf("sts: unsupported key type %T", sg)
	}
	if err != nil {
		return "", err
	}
	return input + "." + b64.EncodeToString(sig), nil
}

// OutboundDiscovery is the account's OpenID Connect discovery document and
// key set, as the issuer URL serves them in AWS; ok is false while the
// feature is disabled. jwksURL is where this server serves the key set.
func (s *Service) OutboundDiscovery(ctx context.Context, account, jwksURL string) (config, jwks []byte, ok bool, err error) {
	if s.Outbound == nil {
		return nil, nil, false, nil
	}
	issuer, ok, err := s.Outbound.OutboundIssuer(ctx, account)
	if err != nil || !ok {
		return nil, nil, false, err
	}
	var keys []map[string]string
	for _, alg := range []string{algRS256, algES384} {
		k, err := s.signingKey(ctx, account, alg)
		if err != nil {
			return nil, nil, false, err
		}
		jwk, err := publicJWK(alg, k)
		if err != nil {
			return nil, nil, false, err
		}
		keys = append(keys, jwk)
	}
	if jwks, err = json.Marshal(map[string]any{"keys": keys}); err != nil {
		return nil, nil, false, err
	}
	config, err = json.Marshal(map[string]any{
		"issuer": issuer, "jwks_uri": jwksURL,
		"claims_supported":                      []string{"sub", "iss", "aud", "exp", "iat", "jti", claimNamespace},
		"id_token_signing_alg_values_supported": []string{algRS256, algES384},
		"subject_types_supported":               []string{"public"},
	})
	return config, jwks, err == nil, err
}

func publicJWK(alg string, k signingKey) (map[string]string, error) {
	sg, err := k.signer()
	if err != nil {
		return nil, err
	}
	switch pub := sg.Public().(type) {
	case *rsa.PublicKey:
		return map[string]string{"kty": "RSA", "alg": alg, "use": "sig", "kid": k.ID,
			"n": b64.EncodeToString(pub.N.Bytes()), "e": b64.EncodeToString(big.NewInt(int64(pub.E)).Bytes())}, nil
	case *ecdsa.PublicKey:
		x, y := make([]byte, 48), make([]byte, 48)
		pub.X.FillBytes(x)
		pub.Y.FillBytes(y)
		return map[string]string{"kty": "EC", "alg": alg, "use": "sig", "kid": k.ID, "crv": "P-384",
			"x": b64.EncodeToString(x), "y": b64.EncodeToString(y)}, nil
	}
	return nil, fmt.Errorf("sts: unsupported public key in %s", strings.ToLower(k.ID))
}
