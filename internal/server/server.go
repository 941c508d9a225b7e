// Package server wires hakoniwa together: it opens the store, builds the
// services and their dependencies, and serves the gateway and the admin
// endpoints.
package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"hakoniwa/internal/api"
	"hakoniwa/internal/authz"
	"hakoniwa/internal/awserr"
	"hakoniwa/internal/clock"
	"hakoniwa/internal/gateway"
	"hakoniwa/internal/ids"
	"hakoniwa/internal/model"
	"hakoniwa/internal/protocol"
	"hakoniwa/internal/protocol/cbor"
	"hakoniwa/internal/protocol/ec2query"
	"hakoniwa/internal/protocol/jsonrpc"
	"hakoniwa/internal/protocol/query"
	"hakoniwa/internal/protocol/restjson"
	"hakoniwa/internal/protocol/restxml"
	ec2svc "hakoniwa/internal/service/ec2"
	iamsvc "hakoniwa/internal/service/iam"
	"hakoniwa/internal/sigv4"
	"hakoniwa/internal/store"
	"hakoniwa/internal/trail"
	"hakoniwa/internal/validate"
)

// Version is set at build time with -ldflags "-X hakoniwa/internal/server.Version=...".
var Version = "dev"

// Config is everything the command line and environment decide.
type Config struct {
	// Listen addresses, host:port. Empty means 127.0.0.1:4566.
	Listen    []string
	DataDir   string
	Ephemeral bool
	Region    string
	// Services to enable by id; empty enables every one hakoniwa has.
	Services []string
	// StrictAuth refuses keys hakoniwa did not issue.
	StrictAuth bool
	// EC2Quotas are EC2's limits; the zero value means AWS's defaults.
	EC2Quotas ec2svc.Quotas
	// IAMMode is how IAM decisions apply: enforce (default), report, off.
	IAMMode                      authz.Mode
	RootAccessKey, RootSecretKey string
	Log                          *slog.Logger
	// Clock and IDs default to the wall clock and crypto/rand.
	Clock clock.Clock
	IDs   *ids.Source
}

// DefaultAccount is the account unknown keys and the default keys act in.
const DefaultAccount = "000000000000"

// Server is a running hakoniwa.
type Server struct {
	cfg      Config
	st       store.Store
	recorder *trail.Recorder
	authz    *authz.Authorizer
	iam      *iamsvc.Service
	// deps are kept for tests that reach across services.
	deps      *deps
	gw        *gateway.Gateway
	metadata  http.Handler
	enabled   []*api.Binding
	http      *http.Server
	listeners []net.Listener
	started   time.Time
	wg        sync.WaitGroup
}

// New opens the store and builds every enabled service.
func New(cfg Config) (*Server, error) {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.System{}
	}
	if cfg.IDs == nil {
		cfg.IDs = ids.New()
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if len(cfg.Listen) == 0 {
		cfg.Listen = []string{"127.0.0.1:4566"}
	}
	st, err := openStore(cfg)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, st: st}
	s.recorder = trail.NewRecorder(st, cfg.Clock, cfg.Log)
	if cfg.EC2Quotas == (ec2svc.Quotas{}) {
		cfg.EC2Quotas = ec2svc.DefaultQuotas()
	}
	deps := &deps{store: st, clock: cfg.Clock, ids: cfg.IDs, recorder: s.recorder, strictAuth: cfg.StrictAuth, ec2Quotas: cfg.EC2Quotas,
		dataDir: cfg.DataDir, ephemeral: cfg.Ephemeral, log: cfg.Log}
	enabled, err := buildServices(cfg.Services, deps)
	if err != nil {
		deps.close()
		s.recorder.Close()
		st.Close()
		return nil, err
	}
	s.enabled = enabled
	s.iam, s.deps = deps.iam, deps
	var identities authz.Identities
	if deps.iam != nil {
		identities = iamIdentities{deps.iam}
	}
	s.authz = authz.New(identities, cfg.IAMMode, cfg.Log, deps.authzOptions()...)
	deps.authz = s.authz
	creds := credentialChain(deps.credentialSources()...)
	if cfg.StrictAuth {
		creds = append(creds, rootKey(cfg.RootAccessKey, cfg.RootSecretKey, DefaultAccount))
	}
	verifier := sigv4.New(sigv4.Config{
		Credentials: creds, Now: cfg.Clock.Now, Strict: cfg.StrictAuth,
		DefaultAccount: DefaultAccount, MaxBodyBytes: gateway.MaxBufferedBody,
	})
	s.metadata = newMetadata(deps, cfg.Log)
	s.gw = gateway.New(gateway.Config{
		Services:      enabled,
		Codecs:        codecs(),
		Authenticator: verifier,
		Authorizer:    s.authz,
		KeyUsed:       deps.keyUsed,
		Validator:     validator,
		Recorder:      s.recorder,
		Clock:         cfg.Clock,
		IDs:           cfg.IDs,
		Log:           cfg.Log,
		DefaultRegion: cfg.Region,
		Known:         knownIDs(),
		S3Wire:        s3Wire(deps),
	})
	return s, nil
}

func openStore(cfg Config) (store.Store, error) {
	if cfg.Ephemeral {
		return store.OpenMemory(), nil
	}
	if cfg.DataDir == "" {
		return nil, errors.New("no data directory: set --data-dir or use --ephemeral")
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, err
	}
	return store.Open(filepath.Join(cfg.DataDir, "state.db"), store.Options{})
}

func validator(svc *model.Service, proto string, op *model.Operation, in map[string]any) *awserr.Error {
	vs := validate.Check(op, in)
	if len(vs) == 0 {
		return nil
	}
	return validate.Error(svc, proto, vs)
}

// Start listens on every configured address and serves in the background.
func (s *Server) Start() error {
	s.http = &http.Server{
		Handler:           s.handler(),
		ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.cfg.Log.Handler(), slog.LevelWarn),
	}
	for _, addr := range s.cfg.Listen {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			s.closeListeners()
			return fmt.Errorf("listen %s: %w", addr, err)
		}
		s.listeners = append(s.listeners, ln)
	}
	s.started = time.Now()
	for _, ln := range s.listeners {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				s.cfg.Log.Error("serve", "addr", ln.Addr(), "err", err)
			}
		}()
	}
	return nil
}

func (s *Server) closeListeners() {
	for _, ln := range s.listeners {
		ln.Close()
	}
	s.listeners = nil
}

// Addrs are the addresses actually bound (useful with port 0).
func (s *Server) Addrs() []string {
	out := make([]string, len(s.listeners))
	for i, ln := range s.listeners {
		out[i] = ln.Addr().String()
	}
	return out
}

// ServiceIDs lists the enabled services.
func (s *Server) ServiceIDs() []string {
	out := make([]string, len(s.enabled))
	for i, b := range s.enabled {
		out[i] = b.ID
	}
	return out
}

// Stop drains requests, writes queued audit events and closes the store.
func (s *Server) Stop(ctx context.Context) error {
	var err error
	if s.http != nil {
		err = s.http.Shutdown(ctx)
		s.wg.Wait()
	}
	s.recorder.Close()
	if s.iam != nil {
		err = errors.Join(err, s.iam.FlushKeyUsage(ctx))
	}
	return errors.Join(err, s.deps.close(), s.st.Close())
}

// Banner is what the command prints once listening.
func (s *Server) Banner() string {
	var b strings.Builder
	fmt.Fprintf(&b, "hakoniwa %s ready\n", Version)
	for _, a := range s.Addrs() {
		fmt.Fprintf(&b, "  listening  http://%s\n", a)
	}
	if s.cfg.Ephemeral {
		b.WriteString("  data       in memory (--ephemeral): nothing is kept after exit\n")
	} else {
		fmt.Fprintf(&b, "  data       %s\n", s.cfg.DataDir)
	}
	ids := s.ServiceIDs()
	slices.Sort(ids)
	fmt.Fprintf(&b, "  region     %s (default)\n", s.cfg.Region)
	fmt.Fprintf(&b, "  iam        %s\n", s.cfg.IAMMode)
	fmt.Fprintf(&b, "  services   %s\n", strings.Join(ids, ", "))
	return b.String()
}

// codecs are every wire protocol hakoniwa speaks.
func codecs() []protocol.Codec {
	return []protocol.Codec{query.New(), ec2query.New(), jsonrpc.New(), restxml.New(), restjson.New(), cbor.New()}
}
