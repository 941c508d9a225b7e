// Package imds is the EC2 instance metadata service: the paths under
// /latest/ an instance reads at 169.254.169.254, with IMDSv2's session
// tokens and the instance role's expiring credentials.
//
// The handler serves one instance per request, named with ForInstance by
// whoever routes to it; it does not care how the request reached it
// (a path prefix on the gateway today, a link-local address once
// instances run as real hosts).
package imds

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"hakoniwa/internal/clock"
	"hakoniwa/internal/ids"
)

// Instance is everything the metadata service tells one instance about
// itself. Empty fields leave their paths out, as IMDS does for, say, an
// instance without a public address.
type Instance struct {
	ID, Account, Region, AvailabilityZone string
	ImageID, InstanceType, Architecture   string
	AmiLaunchIndex                        int
	LaunchTime                            time.Time
	ReservationID, RootDeviceName         string

	PrivateIP, PublicIP, MAC         string
	SubnetID, SubnetCidr             string
	VpcID, VpcCidr                   string
	PrivateDNSName, PublicDNSName    string
	SecurityGroupIDs, SecurityGroups []string // ids and names, same order
	InterfaceID                      string

	KeyName, PublicKey string // PublicKey in OpenSSH form
	UserData           []byte // nil when none

	// HTTPTokens "optional" or "required", HTTPEndpoint "enabled" or
	// "disabled", InstanceMetadataTags "enabled" or "disabled".
	HTTPTokens, HTTPEndpoint, InstanceMetadataTags string
	Tags                                           map[string]string

	// RoleName empty when the instance has no profile or its profile no
	// role.
	InstanceProfileARN, InstanceProfileID, RoleName string
}

// Credentials are a role session's keys.
type Credentials struct {
	AccessKeyID, SecretAccessKey, Token string
	Expiration                          time.Time
}

// Source finds instances and issues their role credentials.
type Source interface {
	// Instance finds a running (not terminated) instance by id alone, in
	// any account and region. ok is false when there is none.
	Instance(ctx context.Context, id string) (inst Instance, ok bool, err error)
	// Credentials issues fresh credentials of the instance's role.
	Credentials(ctx context.Context, inst Instance) (Credentials, error)
}

// Handler serves the metadata of the instance ForInstance names.
type Handler struct {
	src    Source
	clock  clock.Clock
	tokens tokenSigner
	creds  *credentialCache
	log    *slog.Logger
}

// New builds the handler. Its token key comes from ids, so session tokens
// live as long as the process (see tokenSigner).
func New(src Source, clk clock.Clock, idSrc *ids.Source, log *slog.Logger) *Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Handler{
		src: src, clock: clk, log: log,
		tokens: tokenSigner{key: idSrc.Bytes(32)},
		creds:  newCredentialCache(src, clk),
	}
}

type instanceKey struct{}

// ForInstance returns r addressed to the instance id; the handler serves
// r.URL.Path ("/latest/meta-data/...") as that instance's metadata.
func ForInstance(r *http.Request, id string) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), instanceKey{}, id))
}

// Header names IMDS and its clients use.
const (
	tokenHeader    = "X-Aws-Ec2-Metadata-Token"
	tokenTTLHeader = "X-Aws-Ec2-Metadata-Token-Ttl-Seconds"
)

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Server", "EC2ws")
	id, _ := r.Context().Value(instanceKey{}).(string)
	inst, ok, err := h.src.Instance(r.Context(), id)
	switch {
	case err != nil:
		h.unavailable(w, "instance lookup", err)
		return
	case !ok:
		writeStatus(w, http.StatusNotFound)
		return
	case inst.HTTPEndpoint == "disabled":
		// AWS documents 403 Forbidden for "the IMDS is turned off"; a
		// refused connection would be closer to a real instance, but a
		// status explains itself to whoever reached us over the gateway.
		writeStatus(w, http.StatusForbidden)
		return
	}
	if r.URL.Path == "/latest/api/token" {
		h.issueToken(w, r, inst)
		return
	}
	if status := h.authorize(r, inst); status != 0 {
		writeStatus(w, status)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeStatus(w, http.StatusMethodNotAllowed)
		return
	}
	h.serveTree(w, r, inst)
}

// authorize applies IMDSv2: a token, when sent, must be valid for this
// instance whatever HttpTokens says; without one, only "optional" lets
// the request through. It answers the refusing status, or 0.
func (h *Handler) authorize(r *http.Request, inst Instance) int {
	if tok, sent := r.Header[http.CanonicalHeaderKey(tokenHeader)]; sent {
		if len(tok) != 1 || !h.tokens.valid(tok[0], inst.ID, h.clock.Now()) {
			return http.StatusUnauthorized
		}
		return 0
	}
	if inst.HTTPTokens == "required" {
		return http.StatusUnauthorized
	}
	return 0
}

// unavailable answers 503, which IMDS documents as "retry the request":
// a failure behind the metadata service is never the client's 500.
func (h *Handler) unavailable(w http.ResponseWriter, what string, err error) {
	h.log.Error("imds: "+what, "err", err)
	writeStatus(w, http.StatusServiceUnavailable)
}
