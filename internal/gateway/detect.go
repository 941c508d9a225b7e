package gateway

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"hakoniwa/internal/api"
	"hakoniwa/internal/awserr"
	"hakoniwa/internal/catalog"
	"hakoniwa/internal/model"
	"hakoniwa/internal/protocol"
	"hakoniwa/internal/sigv4"
)

// registry indexes enabled services by every name a request can carry.
// It reads the service catalogue, not the models, so start-up parses no
// model: each is loaded on its service's first request.
type registry struct {
	byID      map[string]*entry
	bySigning map[string][]*entry
	byTarget  map[string]*entry
}

type entry struct {
	b    *api.Binding
	meta catalog.Entry
}

func (e *entry) speaks(p string) bool { return slices.Contains(e.meta.Protocols, p) }

func newRegistry(bs []*api.Binding) *registry {
	reg := &registry{
		byID:      map[string]*entry{},
		bySigning: map[string][]*entry{},
		byTarget:  map[string]*entry{},
	}
	for _, b := range bs {
		meta, ok := catalog.ByID(b.ID)
		if !ok {
			// A generated service always has a catalogue entry; fall back
			// to its model rather than fail.
			md := b.Model().Metadata
			meta = catalog.Entry{ID: b.ID, EndpointPrefix: md.EndpointPrefix, SigningName: md.Signing(),
				TargetPrefix: md.TargetPrefix, Protocols: md.AllProtocols()}
		}
		e := &entry{b: b, meta: meta}
		reg.byID[b.ID] = e
		reg.bySigning[meta.SigningName] = append(reg.bySigning[meta.SigningName], e)
		if meta.TargetPrefix != "" {
			reg.byTarget[meta.TargetPrefix] = e
			reg.byTarget[model.ShortTarget(meta.TargetPrefix)] = e
		}
	}
	return reg
}

// detect finds the service and the protocol a request speaks, and the
// region it was signed for. Signals, strongest first: the Smithy RPCv2
// path, X-Amz-Target, the SigV4 credential scope, then the Host header.
func (g *Gateway) detect(r *http.Request) (*api.Binding, string, string, *awserr.Error) {
	_, _, region, signing, signed := sigv4.Scope(r)
	proto := guessProtocol(r)

	if r.Header.Get("Smithy-Protocol") == "rpc-v2-cbor" {
		name, _, ok := smithyPath(r.URL.Path)
		if e := g.services.byTarget[name]; ok && e != nil && e.speaks(protocol.CBOR) {
			return e.b, protocol.CBOR, region, nil
		}
		return nil, protocol.CBOR, region, unknownService(fmt.Sprintf("no service named %q speaks rpc-v2-cbor here", name))
	}
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		prefix := target
		if i := strings.LastIndexByte(target, '.'); i >= 0 {
			prefix = target[:i]
		}
		if e := g.services.byTarget[prefix]; e != nil && e.speaks(protocol.JSON) {
			return e.b, protocol.JSON, region, nil
		}
		return nil, protocol.JSON, region, unknownService(fmt.Sprintf("no service with target prefix %q is enabled", prefix))
	}
	if e := g.services.byID["s3control"]; e != nil && (!signed || signing == "s3") && isS3Control(r) {
		return e.b, protocol.RestXML, region, nil
	}
	var candidates []*entry
	if signed {
		candidates = g.services.bySigning[signing]
	} else if isForm(r) || r.URL.Query().Has("Action") {
		if e := g.unsignedQueryService(r); e != nil {
			return e.b, protocol.Query, region, nil
		}
		// An unsigned query-protocol call names no service at all; AWS
		// answers it at every endpoint like this.
		return nil, protocol.Query, region, &awserr.Error{Code: "MissingAuthenticationToken", Message: "Request is missing Authentication Token", Status: http.StatusForbidden}
	} else if e := g.byHost(r.Host); e != nil {
		candidates = []*entry{e}
	} else if e := g.services.byID["s3"]; e != nil {
		// Unsigned requests without a recognisable host are anonymous S3
		// (public objects, website-style GETs), as on AWS.
		candidates = []*entry{e}
	}
	for _, e := range candidates {
		if p, ok := protocolFor(e, r); ok {
			return e.b, p, region, nil
		}
	}
	name := signing
	if name == "" {
		name = r.Host
	}
	return nil, proto, region, unknownService(fmt.Sprintf("service %q is not enabled in hakoniwa or does not exist", name))
}

// protocolFor picks which of a service's protocols the request uses.
func protocolFor(e *entry, r *http.Request) (string, bool) {
	for _, p := range e.meta.Protocols {
		switch p {
		case protocol.Query, protocol.EC2:
			if isForm(r) || r.URL.Query().Has("Action") {
				return p, true
			}
		case protocol.RestXML, protocol.RestJSON:
			return p, true
		}
	}
	return "", false
}

// maxPeekedForm bounds how much of an unsigned form body is read to find
// its Action: enough for a large SAML assertion (STS allows 100,000
// characters, base64 and form encoding grow it).
const maxPeekedForm = 1 << 20

// unsignedQueryService routes an unsigned query-protocol call to STS when
// its Action is one STS serves without credentials (AssumeRoleWithSAML,
// AssumeRoleWithWebIdentity: "authtype": "none"). Those are the only such
// query operations, so only STS's model is consulted. The body read to
// find the Action is put back for the codec.
func (g *Gateway) unsignedQueryService(r *http.Request) *entry {
	e := g.services.byID["sts"]
	if e == nil {
		return nil
	}
	action := r.URL.Query().Get("Action")
	if action == "" && isForm(r) && r.Body != nil {
		head, err := io.ReadAll(io.LimitReader(r.Body, maxPeekedForm))
		r.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(head), r.Body), r.Body}
		if err != nil {
			return nil
		}
		form, _ := url.ParseQuery(string(head))
		action = form.Get("Action")
	}
	if action == "" {
		return nil
	}
	if op := e.b.Model().Operation(action); op != nil && op.AuthType == "none" {
		return e
	}
	return nil
}

func isForm(r *http.Request) bool {
	return strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded")
}

// guessProtocol is how an error is shaped when no service was found.
func guessProtocol(r *http.Request) string {
	switch {
	case r.Header.Get("Smithy-Protocol") == "rpc-v2-cbor":
		return protocol.CBOR
	case r.Header.Get("X-Amz-Target") != "", strings.Contains(r.Header.Get("Content-Type"), "json"):
		return protocol.JSON
	}
	return protocol.Query
}

// smithyPath splits /service/{Service}/operation/{Operation}.
func smithyPath(p string) (svc, op string, ok bool) {
	parts := strings.Split(strings.TrimPrefix(p, "/"), "/")
	n := len(parts)
	if n < 4 || parts[n-4] != "service" || parts[n-2] != "operation" {
		return "", "", false
	}
	return parts[n-3], parts[n-1], true
}

// byHost recognises AWS-style endpoint host names: <endpointPrefix>.<region>.amazonaws.com,
// <endpointPrefix>.localhost.localstack.cloud and S3 virtual hosts.
func (g *Gateway) byHost(host string) *entry {
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.Contains(host[i:], "]") {
		host = host[:i]
	}
	labels := strings.Split(strings.ToLower(host), ".")
	if len(labels) < 2 {
		return nil
	}
	for _, l := range labels {
		for _, e := range g.services.bySigning[l] {
			if e.meta.EndpointPrefix == l {
				return e
			}
		}
	}
	return nil
}

// isS3Control tells S3 Control from S3, which signs with the same name:
// its paths start with its API version and name the account in a header
// (or the host is <account>.s3-control.<region>.amazonaws.com). Clients
// prefix a custom endpoint's host with the account id, so the host alone
// does not tell.
func isS3Control(r *http.Request) bool {
	if !strings.HasPrefix(r.URL.Path, "/v20180820/") {
		return false
	}
	return r.Header.Get("X-Amz-Account-Id") != "" || strings.Contains(strings.ToLower(r.Host), ".s3-control.")
}

func unknownService(msg string) *awserr.Error {
	return &awserr.Error{Code: "UnknownService", Message: msg, Status: http.StatusBadRequest}
}

// writeBareError answers when no service, and so no codec, applies: in
// JSON when the client spoke JSON, otherwise in the common XML error shape.
func writeBareError(w http.ResponseWriter, r *http.Request, requestID string, e *awserr.Error) {
	if guessProtocol(r) != protocol.Query {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.Header().Set("x-amzn-ErrorType", e.Code)
		w.WriteHeader(e.Status)
		fmt.Fprintf(w, `{"__type":%q,"message":%q}`, e.Code, e.Message)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(e.Status)
	var msg strings.Builder
	_ = xml.EscapeText(&msg, []byte(e.Message))
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+`<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>%s</RequestId></ErrorResponse>`, e.Code, msg.String(), requestID)
}

// catalogEntry finds the AWS service a request was meant for among all
// services AWS has, enabled here or not.
func (g *Gateway) catalogEntry(r *http.Request) (catalog.Entry, bool) {
	if name, _, ok := smithyPath(r.URL.Path); ok && r.Header.Get("Smithy-Protocol") != "" {
		if e, ok := catalog.ByTargetPrefix(name); ok {
			return e, true
		}
	}
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		if i := strings.LastIndexByte(target, '.'); i >= 0 {
			target = target[:i]
		}
		if e, ok := catalog.ByTargetPrefix(target); ok {
			return e, true
		}
	}
	if _, _, _, signing, ok := sigv4.Scope(r); ok {
		if es := catalog.BySigningName(signing); len(es) > 0 {
			for _, e := range es {
				if e.ID == signing || e.EndpointPrefix == signing {
					return e, true
				}
			}
			return es[0], true
		}
	}
	return catalog.Entry{}, false
}

// s3HostLabels is the bucket of a virtual-hosted-style S3 request as the
// codec's host labels.
func s3HostLabels(host string) map[string]string {
	if b := sigv4.S3VirtualBucket(host); b != "" {
		return map[string]string{"Bucket": b}
	}
	return nil
}
