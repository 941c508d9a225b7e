// Package gateway is hakoniwa's HTTP entry point. Every API request flows
// through one pipeline: detect the service and protocol, authenticate,
// resolve and decode the operation, validate, authorize, call the handler,
// encode, then record the call (CloudTrail) and log it.
package gateway

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"hakoniwa/internal/api"
	"hakoniwa/internal/awserr"
	"hakoniwa/internal/clock"
	"hakoniwa/internal/ids"
	"hakoniwa/internal/model"
	"hakoniwa/internal/protocol"
	"hakoniwa/internal/reqctx"
	"hakoniwa/internal/sigv4"
	"hakoniwa/internal/trail"
)

// Authenticator verifies a request's signature for the service the
// gateway detected (its SigV4 signing name).
type Authenticator interface {
	VerifyFor(r *http.Request, service string) (*sigv4.Result, error)
}

// Authorizer decides whether the principal in ctx may call op with in.
// A nil Authorizer allows every authenticated call.
type Authorizer interface {
	Authorize(ctx context.Context, svc *model.Service, op *model.Operation, in map[string]any) error
}

// Validator checks a decoded input against the model before any handler
// sees it; nil means valid.
type Validator func(svc *model.Service, protocol string, op *model.Operation, in map[string]any) *awserr.Error

// Recorder receives one CloudTrail event per call.
type Recorder interface{ Record(*trail.Event) }

// Config wires the gateway's collaborators.
type Config struct {
	Services      []*api.Binding
	Codecs        []protocol.Codec
	Authenticator Authenticator
	Authorizer    Authorizer
	Validator     Validator
	Recorder      Recorder
	Clock         clock.Clock
	IDs           *ids.Source
	Log           *slog.Logger
	// DefaultRegion is used when a request carries no signing scope.
	DefaultRegion string
	// KeyUsed, if set, hears of every access key that signed a verified
	// request (IAM's "last used").
	KeyUsed func(accessKeyID, service, region string)
	// Known is every service id hakoniwa could serve, enabled or not, so
	// a refusal can say "not enabled" rather than "not implemented".
	Known map[string]bool
	// S3Wire, if set, answers S3's CORS preflights and adds CORS headers.
	S3Wire S3Wire
}

// MaxBufferedBody bounds request bodies of services other than S3: enough
// for a 50 MB Lambda deployment package sent base64-encoded in JSON.
const MaxBufferedBody = 128 << 20

// Gateway is an http.Handler for AWS API requests.
type Gateway struct {
	cfg      Config
	services *registry
	codecs   map[string]protocol.Codec
}

// New builds a gateway.
func New(cfg Config) *Gateway {
	g := &Gateway{cfg: cfg, services: newRegistry(cfg.Services), codecs: map[string]protocol.Codec{}}
	for _, c := range cfg.Codecs {
		g.codecs[c.Name()] = c
	}
	return g
}

// call is the state of one request through the pipeline.
type call struct {
	w       *statusWriter
	r       *http.Request
	info    *reqctx.Info
	binding *api.Binding
	svc     *model.Service
	codec   protocol.Codec
	preq    *protocol.Request
	op      *model.Operation
	in      map[string]any
	out     map[string]any
	err     *awserr.Error
}

func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	c := &call{
		w: &statusWriter{ResponseWriter: w},
		r: r,
		info: &reqctx.Info{
			Time:      g.cfg.Clock.Now(),
			SourceIP:  sourceIP(r),
			UserAgent: r.UserAgent(),
			Region:    g.cfg.DefaultRegion,

			SecureTransport: r.TLS != nil,
		},
	}
	g.serve(c)
	g.finish(c, time.Since(start))
}

func (g *Gateway) serve(c *call) {
	if g.s3Website(c) {
		return
	}
	binding, proto, region, err := g.detect(c.r)
	if region != "" {
		c.info.Region = region
	}
	if err != nil {
		g.refuse(c, proto, err)
		return
	}
	c.binding, c.svc = binding, binding.Model()
	c.codec = g.codecs[proto]
	c.info.Service = binding.ID
	c.info.Protocol = proto
	c.info.EventSource = c.svc.Metadata.EndpointPrefix + ".amazonaws.com"
	c.info.RequestID = g.requestID(c.svc)
	if !isS3(c.svc) && c.r.Body != nil {
		// Only S3 streams its payloads; every other service's body is read
		// into memory, so bound it whatever the request claims or signs.
		c.r.Body = http.MaxBytesReader(c.w, c.r.Body, MaxBufferedBody)
	}
	c.preq = &protocol.Request{HTTP: c.r, Service: c.svc, RequestID: c.info.RequestID}
	if isS3(c.svc) {
		c.preq.HostLabels = s3HostLabels(c.r.Host)
	}
	g.setRequestIDHeaders(c)
	if isS3(c.svc) && g.s3Wire(c) {
		return
	}
	if isS3(c.svc) && g.s3Post(c) {
		return
	}

	if c.err = g.authenticate(c); c.err != nil {
		g.resolveQuietly(c)
		if !unsignedAllowed(c) {
			return
		}
		// An operation AWS serves without credentials (STS's
		// AssumeRoleWithWebIdentity and AssumeRoleWithSAML): the token in
		// its input authenticates the caller, the handler checks it.
		c.err = nil
		c.info.Principal = reqctx.Principal{Type: "Anonymous", ARN: "*"}
	}
	op, rerr := c.codec.Resolve(c.preq)
	if rerr != nil {
		c.err = awserr.As(rerr)
		return
	}
	c.op = op
	c.info.Operation = op.Name
	in, derr := c.codec.Decode(c.preq, op)
	if derr != nil {
		c.err = g.internal(c, derr)
		return
	}
	c.in = in
	fillIdempotencyTokens(op, in, g.cfg.IDs)
	if g.cfg.Validator != nil {
		if verr := g.cfg.Validator(c.svc, proto, op, in); verr != nil {
			c.err = verr
			return
		}
	}
	ctx := reqctx.With(c.r.Context(), c.info)
	if g.cfg.Authorizer != nil {
		if aerr := g.cfg.Authorizer.Authorize(ctx, c.svc, op, in); aerr != nil {
			c.err = g.internal(c, aerr)
			return
		}
	}
	out, herr := c.binding.Call(ctx, op.Name, in)
	if herr != nil {
		c.err = g.internal(c, herr)
		return
	}
	c.out = out
	if eerr := c.codec.Encode(c.w, c.preq, op, out); eerr != nil {
		// Headers may be gone already; all we can do is log.
		g.cfg.Log.Error("encode failed", "request_id", c.info.RequestID, "operation", op.Name, "err", eerr)
	}
}

// internal converts a handler's error, logging causes that are not AWS
// errors: those are bugs, and the client only sees InternalFailure.
func (g *Gateway) internal(c *call, err error) *awserr.Error {
	e := awserr.As(err)
	if e.Code == "InternalFailure" {
		g.cfg.Log.Error("internal failure", "request_id", c.info.RequestID, "service", c.info.Service, "operation", c.info.Operation, "err", err)
	}
	return e
}

// resolveQuietly names the operation of a refused request for the log and
// the audit record, without letting a second error replace the first.
func (g *Gateway) resolveQuietly(c *call) {
	if op, err := c.codec.Resolve(c.preq); err == nil {
		c.op = op
		c.info.Operation = op.Name
	}
}

// unsignedAllowed reports whether a request refused for carrying no
// signature at all is for an operation whose model says it needs none
// ("authtype": "none"). The operation is only known once resolved, so the
// refusal is taken back here rather than avoided in authenticate.
func unsignedAllowed(c *call) bool {
	if c.op == nil || c.op.AuthType != "none" {
		return false
	}
	return strings.HasPrefix(c.err.Code, "MissingAuthenticationToken") &&
		c.r.Header.Get("Authorization") == "" && c.r.URL.Query().Get("X-Amz-Signature") == ""
}

func (g *Gateway) authenticate(c *call) *awserr.Error {
	res, err := g.cfg.Authenticator.VerifyFor(c.r, c.svc.Metadata.Signing())
	if err != nil {
		return awserr.As(err)
	}
	if res.Anonymous {
		c.info.Principal = reqctx.Principal{Type: "Anonymous", ARN: "*"}
		return nil
	}
	g.adopt(c, res)
	return nil
}

// adopt makes a verified signer the call's principal.
func (g *Gateway) adopt(c *call, res *sigv4.Result) {
	if res.Region != "" {
		c.info.Region = res.Region
	}
	cred := res.Credential
	p := reqctx.Principal{
		Account: cred.Account, ARN: cred.PrincipalARN, UserID: cred.UserID,
		AccessKeyID: res.AccessKeyID, SessionToken: res.SessionToken,
	}
	p.Type, p.UserName = principalType(cred.PrincipalARN)
	c.info.Principal = p
	if g.cfg.KeyUsed != nil {
		g.cfg.KeyUsed(res.AccessKeyID, c.svc.Metadata.Signing(), c.info.Region)
	}
}

// principalType classifies an ARN the way CloudTrail's userIdentity does.
func principalType(arn string) (typ, name string) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return "Unknown", ""
	}
	res := parts[5]
	switch {
	case res == "root":
		return "Root", ""
	case strings.HasPrefix(res, "user/"):
		return "IAMUser", res[strings.LastIndexByte(res, '/')+1:]
	case strings.HasPrefix(res, "assumed-role/"):
		return "AssumedRole", ""
	case strings.HasPrefix(res, "federated-user/"):
		return "FederatedUser", ""
	}
	return "Unknown", ""
}

// refuse answers a request that never reached a service. A request for an
// AWS service hakoniwa does not serve gets a NotImplemented error in that
// service's own protocol, so its SDK reports it cleanly.
func (g *Gateway) refuse(c *call, proto string, err *awserr.Error) {
	c.err = err
	c.info.RequestID = g.cfg.IDs.UUID()
	c.w.Header().Set("x-amzn-RequestId", c.info.RequestID)
	if meta, ok := g.catalogEntry(c.r); ok && err.Code == "UnknownService" {
		why := "hakoniwa does not implement it yet"
		if _, built := g.cfg.Known[meta.ID]; built {
			why = "it is not enabled (see --services)"
		}
		c.err = &awserr.Error{Code: "NotImplemented", Status: http.StatusNotImplemented, Receiver: true,
			Message: fmt.Sprintf("%s (%s) is not served here: %s", meta.ServiceID, meta.ID, why)}
		c.info.Service = meta.ID
		p := proto
		if !slices.Contains(meta.Protocols, p) && len(meta.Protocols) > 0 {
			p = meta.Protocols[0]
		}
		if codec := g.codecs[p]; codec != nil {
			svc := &model.Service{ID: meta.ID, Metadata: model.Metadata{
				APIVersion: meta.APIVersion, EndpointPrefix: meta.EndpointPrefix, SigningName: meta.SigningName,
				TargetPrefix: meta.TargetPrefix, JSONVersion: meta.JSONVersion, Protocols: meta.Protocols,
				XMLNamespace: meta.XMLNamespace, ServiceID: meta.ServiceID,
			}}
			if len(meta.Protocols) > 0 {
				svc.Metadata.Protocol = meta.Protocols[0]
			}
			codec.EncodeError(c.w, &protocol.Request{HTTP: c.r, Service: svc, RequestID: c.info.RequestID}, nil, c.err)
			return
		}
	}
	writeBareError(c.w, c.r, c.info.RequestID, c.err)
}

// finish writes the error (if any), records the call and logs it.
func (g *Gateway) finish(c *call, elapsed time.Duration) {
	if c.err != nil && c.codec != nil && !c.w.wrote {
		c.codec.EncodeError(c.w, c.preq, c.op, c.err)
	}
	if c.svc != nil && g.cfg.Recorder != nil {
		g.cfg.Recorder.Record(g.event(c))
	}
	// The record goes to the handler directly: Logger.Info would walk the
	// stack for a source position no handler here writes.
	h := g.cfg.Log.Handler()
	ctx := c.r.Context()
	if !h.Enabled(ctx, slog.LevelInfo) {
		return
	}
	r := slog.NewRecord(time.Now(), slog.LevelInfo, "request", 0)
	r.AddAttrs(slog.String("service", c.info.Service), slog.String("op", c.info.Operation), slog.Int("status", c.w.status()),
		slog.Duration("dur", elapsed.Round(time.Microsecond)), slog.String("id", c.info.RequestID), slog.String("proto", c.info.Protocol))
	if c.err != nil {
		r.AddAttrs(slog.String("error", c.err.Code))
	}
	_ = h.Handle(ctx, r) // a log line that cannot be written fails no call
}

func (g *Gateway) requestID(svc *model.Service) string {
	if isS3(svc) {
		return g.cfg.IDs.S3RequestID()
	}
	return g.cfg.IDs.UUID()
}

func (g *Gateway) setRequestIDHeaders(c *call) {
	h := c.w.Header()
	if isS3(c.svc) {
		h.Set("x-amz-request-id", c.info.RequestID)
		h.Set("x-amz-id-2", g.cfg.IDs.HostID())
		return
	}
	h.Set("x-amzn-RequestId", c.info.RequestID)
}

func isS3(svc *model.Service) bool { return svc.Metadata.ServiceID == "S3" }

func sourceIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// fillIdempotencyTokens gives absent idempotency-token members a fresh
// UUID, as AWS SDKs do, so handlers can rely on one being there.
func fillIdempotencyTokens(op *model.Operation, in map[string]any, src *ids.Source) {
	if op.Input == nil || in == nil {
		return
	}
	for name, ref := range op.Input.Shape.Members {
		if ref.IdempotencyToken {
			if _, ok := in[name]; !ok {
				in[name] = src.UUID()
			}
		}
	}
}

// statusWriter remembers the status code for the log line.
type statusWriter struct {
	http.ResponseWriter
	code  int
	wrote bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.code, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.code, w.wrote = http.StatusOK, true
	}
	return w.ResponseWriter.Write(b)
}

// ReadFrom passes a streamed payload (an S3 object's file) to the real
// writer, whose ReadFrom hands it to sendfile: without it io.Copy would
// push every byte through a user-space buffer.
func (w *statusWriter) ReadFrom(r io.Reader) (int64, error) {
	if !w.wrote {
		w.code, w.wrote = http.StatusOK, true
	}
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(w.ResponseWriter, r)
}

func (w *statusWriter) status() int {
	if !w.wrote {
		return http.StatusOK
	}
	return w.code
}

// Flush lets streaming responses (S3 GetObject) reach the client promptly.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the real writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
