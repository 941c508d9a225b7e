package sts

import (
	"context"
	"strings"

	"hakoniwa/internal/awserr"

	stsapi "hakoniwa/internal/api/sts"
)

// AWS's answers to web identity tokens it cannot accept.
const (
	msgNotJWT      = "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)"
	msgNoKey       = "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements"
	msgAudience    = "Incorrect token audience"
	msgBadSig      = "The signature of the web identity token could not be verified."
	msgNoProvider  = "No OpenIDConnect provider found in your account for %s"
	msgTokenExpiry = "Token expired: current date/time %d must be before the expiration date/time %d"
)

// Claims AWS reads besides the registered ones ("Passing session tags
// using AssumeRoleWithWebIdentity", "Monitor and control actions taken
// with assumed roles").
const (
	claimTags   = "https://aws.amazon.com/tags"
	claimSource = "https://aws.amazon.com/source_identity"
)

// AssumeRoleWithWebIdentity exchanges an OpenID Connect ID token for a
// role session. The call is unsigned: the token is the credential. It must
// come from the IAM OIDC provider, in the role's account, whose URL is the
// token's issuer, name one of its client ids as audience, be unexpired and
// be signed by one of the issuer's keys; then the role's trust policy must
// allow the provider (and the token's claims, as condition keys).
func (s *Service) AssumeRoleWithWebIdentity(ctx context.Context, in *stsapi.AssumeRoleWithWebIdentityInput) (*stsapi.AssumeRoleWithWebIdentityOutput, error) {
	const action = "sts:AssumeRoleWithWebIdentity"
	roleARN := deref(in.RoleArn)
	account, ok := roleAccount(roleARN)
	if !ok {
		return nil, awserr.Validation("ValidationError", "%s is invalid", roleARN)
	}
	tok, err := parseJWT(deref(in.WebIdentityToken))
	if err != nil {
		return nil, invalidToken(msgNotJWT)
	}
	if in.ProviderId != nil {
		// OAuth 2.0 access tokens of Login with Amazon and Facebook are
		// checked with those providers, which an offline server cannot do.
		return nil, invalidToken(msgNoKey)
	}
	iss := tok.str("iss")
	providerKey, ok := oidcProviderKey(iss)
	if !ok {
		return nil, invalidToken(msgNoProvider, iss)
	}
	providerARN := "arn:aws:iam::" + account + ":oidc-provider/" + providerKey
	if s.Providers == nil {
		return nil, invalidToken(msgNoProvider, iss)
	}
	_, clientIDs, _, err := s.Providers.OIDCProvider(ctx, account, providerARN)
	if err != nil {
		if e := awserr.As(err); e.Code == "NoSuchEntity" || e.Code == "InvalidInput" {
			return nil, invalidToken(msgNoProvider, iss)
		}
		return nil, err
	}
	aud := matchAudience(tok.strs("aud"), clientIDs)
	if aud == "" {
		return nil, invalidToken(msgAudience)
	}
	now := s.clock.Now().UTC()
	exp, ok := tok.time("exp")
	if !ok {
		return nil, invalidToken(msgNotJWT)
	}
	if !now.Before(exp) {
		return nil, expiredToken(msgTokenExpiry, now.Unix(), exp.Unix())
	}
	if err := s.verifyJWT(ctx, iss, tok); err != nil {
		return nil, err
	}

	sub := tok.str("sub")
	keys := map[string][]string{
		"aws:FederatedProvider": {providerARN},
		providerKey + ":aud":    {aud},
		providerKey + ":oaud":   {aud},
		providerKey + ":sub":    {sub},
	}
	if amr := tok.strs("amr"); len(amr) > 0 {
		keys[providerKey+":amr"] = amr
	}
	tags, transitive, err := tokenTags(tok)
	if err != nil {
		return nil, err
	}
	source := tok.str(claimSource)
	sess, err := s.assumeFederated(ctx, federation{
		trust: TrustRequest{
			RoleARN: roleARN, Action: action, Type: TypeWebIdentityUser,
			Provider: providerARN, UserID: providerARN + ":" + aud + ":" + sub, Context: keys,
		},
		sessionName: deref(in.RoleSessionName), duration: in.DurationSeconds,
		policy: in.Policy, policyARNs: in.PolicyArns,
		tags: tags, transitive: transitive, source: source,
	})
	if err != nil {
		return nil, err
	}
	out := &stsapi.AssumeRoleWithWebIdentityOutput{
		Credentials:                 sess.rec.credentials(),
		AssumedRoleUser:             &stsapi.AssumedRoleUser{AssumedRoleId: &sess.rec.UserID, Arn: &sess.rec.PrincipalARN},
		PackedPolicySize:            sess.packed,
		SubjectFromWebIdentityToken: &sub,
		Audience:                    &aud,
		Provider:                    &providerARN,
	}
	if source != "" {
		out.SourceIdentity = &source
	}
	return out, nil
}

// verifyJWT checks the token's signature against its issuer's keys,
// refetching them once when the token names a key id not among them.
func (s *Service) verifyJWT(ctx context.Context, iss string, tok *jwt) error {
	if s.OIDCKeys == nil {
		return invalidToken(msgNoKey)
	}
	keys, err := s.OIDCKeys.Keys(ctx, iss, false)
	if err != nil {
		return invalidToken(msgNoKey)
	}
	if tok.verify(keys) {
		return nil
	}
	if tok.kid != "" && !hasKeyID(keys, tok.kid) {
		// The IdP may have rotated its keys since they were cached.
		if keys, err = s.OIDCKeys.Keys(ctx, iss, true); err != nil {
			return invalidToken(msgNoKey)
		}
		if tok.verify(keys) {
			return nil
		}
	}
	return invalidToken(msgBadSig)
}

func hasKeyID(keys []JWK, kid string) bool {
	for _, k := range keys {
		if k.KeyID == kid {
			return true
		}
	}
	return false
}

// oidcProviderKey is the provider part of an OIDC provider's ARN for an
// issuer: its URL without the scheme. IAM registers https:// URLs only;
// http:// issuers are the local test IdPs OIDCKeys may reach.
func oidcProviderKey(iss string) (string, bool) {
	rest, ok := strings.CutPrefix(iss, "https://")
	if !ok {
		rest, ok = strings.CutPrefix(iss, "http://")
	}
	rest = strings.TrimSuffix(rest, "/")
	if !ok || rest == "" {
		return "", false
	}
	return rest, true
}

// matchAudience is the token audience among the provider's client ids.
func matchAudience(aud, clientIDs []string) string {
	for _, a := range aud {
		for _, c := range clientIDs {
			if a == c {
				return a
			}
		}
	}
	return ""
}

// tokenTags reads the session tags claim:
// {"principal_tags": {"Key": ["Value"]}, "transitive_tag_keys": ["Key"]}.
func tokenTags(tok *jwt) (map[string]string, []string, error) {
	raw, ok := tok.claims[claimTags]
	if !ok {
		return nil, nil, nil
	}
	bad := invalidToken("The ID Token provided contains an invalid session tags claim.")
	obj, ok := raw.(map[string]any)
	if !ok {
		return nil, nil, bad
	}
	tags := map[string]string{}
	if pt, ok := obj["principal_tags"]; ok {
		m, ok := pt.(map[string]any)
		if !ok {
			return nil, nil, bad
		}
		for k, v := range m {
			switch v := v.(type) {
			case string:
				tags[k] = v
			case []any:
				// AWS takes a single value per tag, given as a list.
				if len(v) != 1 {
					return nil, nil, bad
				}
				s, ok := v[0].(string)
				if !ok {
					return nil, nil, bad
				}
				tags[k] = s
			default:
				return nil, nil, bad
			}
		}
	}
	var transitive []string
	if tt, ok := obj["transitive_tag_keys"]; ok {
		l, ok := tt.([]any)
		if !ok {
			return nil, nil, bad
		}
		for _, e := range l {
			s, ok := e.(string)
			if !ok {
				return nil, nil, bad
			}
			transitive = append(transitive, s)
		}
	}
	return tags, transitive, nil
}
