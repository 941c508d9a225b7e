package imds

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"net/http"
	"strconv"
	"time"
)

// Token lifetimes IMDSv2 accepts, in seconds.
const (
	minTokenTTL = 1
	maxTokenTTL = 21600
)

// tokenSigner mints IMDSv2 session tokens as an expiry and an HMAC over
// it and the instance id, so checking one needs no state. The key lives
// only in memory: a token lasts six hours at most, both SDKs fetch a new
// one when IMDS answers 401, and keeping the key would put a secret in the
// store for nothing a restart could lose.
type tokenSigner struct{ key []byte }

func (s tokenSigner) mint(instanceID string, expires time.Time) string {
	b := binary.BigEndian.AppendUint64(nil, uint64(expires.Unix()))
	return base64.StdEncoding.EncodeToString(append(b, s.mac(instanceID, b)...))
}

func (s tokenSigner) valid(token, instanceID string, now time.Time) bool {
	b, err := base64.StdEncoding.DecodeString(token)
	if err != nil || len(b) != 8+sha256.Size {
		return false
	}
	if !hmac.Equal(b[8:], s.mac(instanceID, b[:8])) {
		return false
	}
	return now.Unix() < int64(binary.BigEndian.Uint64(b[:8]))
}

func (s tokenSigner) mac(instanceID string, expiry []byte) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write(expiry)
	m.Write([]byte(instanceID))
	return m.Sum(nil)
}

// issueToken answers PUT /latest/api/token.
func (h *Handler) issueToken(w http.ResponseWriter, r *http.Request, inst Instance) {
	if r.Method != http.MethodPut {
		w.Header().Set("Allow", "PUT")
		writeStatus(w, http.StatusMethodNotAllowed)
		return
	}
	// A PUT that passed through a proxy could hand the token to someone
	// off the instance; IMDS refuses those outright.
	if _, proxied := r.Header["X-Forwarded-For"]; proxied {
		writeStatus(w, http.StatusForbidden)
		return
	}
	ttl, err := strconv.Atoi(r.Header.Get(tokenTTLHeader))
	if err != nil || ttl < minTokenTTL || ttl > maxTokenTTL {
		writeStatus(w, http.StatusBadRequest)
		return
	}
	tok := h.tokens.mint(inst.ID, h.clock.Now().Add(time.Duration(ttl)*time.Second))
	w.Header().Set(tokenTTLHeader, strconv.Itoa(ttl))
	writeText(w, r, tok)
}
