// Package restxml is the server side of the rest-xml protocol (S3,
// Route 53, CloudFront): operations routed by method and path, members bound
// to the URI, query string and headers, and an XML (or raw payload) body.
package restxml

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/model"
	"hakoniwa/internal/protocol"
	"hakoniwa/internal/protocol/query"
	"hakoniwa/internal/protocol/rest"
	"hakoniwa/internal/protocol/xmlutil"
)

// MaxBody bounds a non-streaming body (XML documents, string and blob
// payloads such as bucket policies). Streaming payloads are not read here.
const MaxBody = 16 << 20

// Options adjust what the model cannot say.
type Options struct {
	// RootName names the root element of an output document that has no
	// payload member. botocore's models drop the names S3 uses
	// (ListBucketResult, AccessControlPolicy, ...), and SDK parsers ignore
	// the root's name, so by default it is the output's locationName, else
	// its shape name, else "<Operation>Result"; a service package may
	// supply AWS's exact names.
	RootName func(op *model.Operation) string
}

type codec struct {
	opts    Options
	routers rest.Routers
}

// New returns the rest-xml codec with default options.
func New() protocol.Codec { return NewWithOptions(Options{}) }

// NewWithOptions returns the rest-xml codec configured by o.
func NewWithOptions(o Options) protocol.Codec { return &codec{opts: o} }

func (c *codec) Name() string { return protocol.RestXML }

// isS3 selects S3's dialect of errors and request-id headers, which differs
// from every other rest-xml service's.
func isS3(svc *model.Service) bool { return svc != nil && svc.Metadata.ServiceID == "S3" }

func (c *codec) Resolve(req *protocol.Request) (*model.Operation, error) {
	if req.Service == nil {
		return nil, awserr.New(http.StatusBadRequest, "UnknownOperationException", "Unknown service.")
	}
	op, labels, err := c.routers.For(req.Service).Match(req)
	if err != nil {
		var nr *rest.NoRouteError
		if !errors.As(err, &nr) {
			return nil, err
		}
		if isS3(req.Service) {
			if nr.PathMatched {
				return nil, awserr.New(http.StatusMethodNotAllowed, "MethodNotAllowed",
					"The specified method is not allowed against this resource.").
					With("Method", req.HTTP.Method).With("ResourceType", resourceType(req))
			}
			return nil, awserr.New(http.StatusBadRequest, "InvalidRequest", "The request is not valid for this resource.")
		}
		return nil, awserr.New(http.StatusNotFound, "UnknownOperationException", "Unknown operation %s %s", nr.Method, nr.Path)
	}
	req.Labels = labels
	return op, nil
}

func resourceType(req *protocol.Request) string {
	if strings.Trim(req.HTTP.URL.Path, "/") == "" && len(req.HostLabels) == 0 {
		return "SERVICE"
	}
	if strings.Contains(strings.Trim(req.HTTP.URL.Path, "/"), "/") || (len(req.HostLabels) > 0 && strings.Trim(req.HTTP.URL.Path, "/") != "") {
		return "OBJECT"
	}
	return "BUCKET"
}

func (c *codec) parseError(svc *model.Service) rest.ParseErrorFunc {
	code := "InvalidInput"
	if isS3(svc) {
		code = "InvalidArgument"
	}
	return func(member, wire, value string, err error) *awserr.Error {
		e := awserr.New(http.StatusBadRequest, code, "Invalid value for %s: %q", wire, protocol.Clip(value))
		if isS3(svc) {
			e.With("ArgumentName", wire).With("ArgumentValue", protocol.Clip(value))
		}
		return e
	}
}

func (c *codec) malformed(svc *model.Service) *awserr.Error {
	if isS3(svc) {
		return awserr.New(http.StatusBadRequest, "MalformedXML",
			"The XML you provided was not well-formed or did not validate against our published schema")
	}
	return awserr.New(http.StatusBadRequest, "InvalidInput", "The XML document is not well-formed.")
}

func (c *codec) tooLarge(svc *model.Service) *awserr.Error {
	if isS3(svc) {
		return awserr.New(http.StatusBadRequest, "MaxMessageLengthExceeded", "Your request was too big.")
	}
	return awserr.New(http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "Request body must be no more than %d bytes.", MaxBody)
}

func (c *codec) Decode(req *protocol.Request, op *model.Operation) (map[string]any, error) {
	out := map[string]any{}
	if op.Input == nil {
		return out, nil
	}
	if req.Labels == nil && len(req.HostLabels) > 0 {
		req.Labels = req.HostLabels
	}
	if err := rest.DecodeBound(req, op, req.Labels, out, c.parseError(req.Service)); err != nil {
		return nil, err
	}
	s := op.Input.Shape
	if name, ref := s.PayloadMember(); ref != nil {
		if ref.IsStreaming() {
			out[name] = rest.StreamPayload(req)
			return out, nil
		}
		body, err := c.readBody(req)
		if err != nil || len(body) == 0 {
			return out, err
		}
		switch ref.Shape.Type {
		case "blob":
			out[name] = body
		case "string":
			out[name] = string(body)
		case "structure":
			v, err := c.decodeXML(req.Service, body, func(d xmlutil.Decoder, n *xmlutil.Node) (map[string]any, error) {
				return d.Struct(n, ref.Shape)
			})
			if err != nil {
				return nil, err
			}
			if v != nil {
				out[name] = v
			}
		}
		return out, nil
	}
	if len(rest.BodyMembers(s)) == 0 {
		return out, nil
	}
	body, err := c.readBody(req)
	if err != nil || len(bytes.TrimSpace(body)) == 0 {
		return out, err
	}
	v, err := c.decodeXML(req.Service, body, func(d xmlutil.Decoder, n *xmlutil.Node) (map[string]any, error) {
		return d.Struct(n, s)
	})
	if err != nil {
		return nil, err
	}
	for k, x := range v {
		out[k] = x
	}
	return out, nil
}

func (c *codec) readBody(req *protocol.Request) ([]byte, error) {
	if req.HTTP.Body == nil {
		return nil, nil
	}
	b, err := io.ReadAll(io.LimitReader(req.HTTP.Body, MaxBody+1))
	if err != nil {
		return nil, awserr.New(http.StatusBadRequest, "IncompleteBody", "The request body could not be read.")
	}
	if len(b) > MaxBody {
		return nil, c.tooLarge(req.Service)
	}
	return b, nil
}

func (c *codec) decodeXML(svc *model.Service, body []byte, f func(xmlutil.Decoder, *xmlutil.Node) (map[string]any, error)) (map[string]any, error) {
	root, err := xmlutil.Parse(bytes.NewReader(body), MaxBody)
	if err != nil {
		return nil, c.malformed(svc)
	}
	if root == nil {
		return nil, nil
	}
	v, err := f(xmlutil.Decoder{TimeFormat: rest.ISO8601, SkipBound: true}, root)
	if err != nil {
		var fe *xmlutil.FieldError
		if errors.As(err, &fe) {
			return nil, c.parseError(svc)(fe.Member, fe.Member, fe.Value, fe.Err)
		}
		return nil, c.malformed(svc)
	}
	return v, nil
}

func (c *codec) Encode(w http.ResponseWriter, req *protocol.Request, op *model.Operation, out map[string]any) error {
	status := http.StatusOK
	if op.HTTP.ResponseCode != 0 {
		status = op.HTTP.ResponseCode
	}
	var body bytes.Buffer
	var stream io.Reader
	if op.Output != nil {
		s := op.Output.Shape
		var err error
		if status, err = rest.EncodeBound(w.Header(), s, out, status); err != nil {
			return fmt.Errorf("rest-xml: encode %s: %w", op.Name, err)
		}
		if stream, err = c.encodeBody(&body, req, op, out); err != nil {
			return fmt.Errorf("rest-xml: encode %s: %w", op.Name, err)
		}
	}
	if cl, ok := stream.(io.Closer); ok {
		defer cl.Close()
	}
	if sc, ok := stream.(StatusCoder); ok && sc.StatusCode() != 0 {
		status = sc.StatusCode()
	}
	c.requestHeaders(w.Header(), req)
	if rest.IsHead(req) {
		if isS3(req.Service) && status == http.StatusOK && w.Header().Get("Content-Range") != "" {
			// S3's HeadObject answers a Range with the range's headers
			// and 206, as its GET does; the output shape has no stream
			// to say so.
			status = http.StatusPartialContent
		}
		w.WriteHeader(status)
		return nil
	}
	if stream != nil {
		w.WriteHeader(status)
		_, err := io.Copy(w, stream)
		return err
	}
	if body.Len() > 0 && w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/xml")
	}
	w.WriteHeader(status)
	if body.Len() == 0 {
		return nil // 204 and 304 forbid even an empty write
	}
	return xmlutil.WriteTo(w, &body)
}

// StatusCoder is implemented by an output stream whose response status is
// not the operation's, which the model cannot say: S3's GetObject answers
// a range with 206 Partial Content.
type StatusCoder interface{ StatusCode() int }

// encodeBody writes the XML document or raw payload into b, or returns the
// stream to copy for a streaming payload.
func (c *codec) encodeBody(b *bytes.Buffer, req *protocol.Request, op *model.Operation, out map[string]any) (io.Reader, error) {
	s := op.Output.Shape
	enc := xmlutil.Encoder{TimeFormat: rest.ISO8601, SkipBound: true}
	ns := xmlutil.ServiceNamespace(req.Service)
	if isS3(req.Service) && op.Name == "GetBucketLocation" {
		// S3 answers the bare <LocationConstraint> element, its text the
		// Region (empty for us-east-1); SDKs parse exactly that.
		region, _ := out["LocationConstraint"].(string)
		b.WriteString(xmlutil.Header)
		b.WriteString(`<LocationConstraint xmlns="` + ns + `">`)
		_ = xml.EscapeText(b, []byte(region))
		b.WriteString("</LocationConstraint>")
		return nil, nil
	}
	if name, ref := s.PayloadMember(); ref != nil {
		v, ok := out[name]
		if !ok || v == nil {
			return nil, nil
		}
		switch x := v.(type) {
		case io.Reader:
			return x, nil
		case []byte:
			b.Write(x)
			return nil, nil
		case string:
			if ref.Shape.Type != "structure" {
				b.WriteString(x)
				return nil, nil
			}
		}
		m, ok := v.(map[string]any)
		if !ok || ref.Shape.Type != "structure" {
			return nil, fmt.Errorf("%w: payload %s is %T", rest.ErrType, name, v)
		}
		b.WriteString(xmlutil.Header)
		return nil, enc.Root(b, xmlutil.ElementName(ref, name), namespace(ref.Namespace(), ns), ref.Shape, m)
	}
	has := false
	for _, m := range rest.BodyMembers(s) {
		if v, ok := out[m]; ok && v != nil {
			has = true
			break
		}
	}
	if !has {
		return nil, nil
	}
	b.WriteString(xmlutil.Header)
	return nil, enc.Root(b, c.rootName(op), namespace(op.Output.Namespace(), ns), s, out)
}

func namespace(own *model.XMLNamespace, def string) *model.XMLNamespace {
	if own != nil && own.URI != "" {
		return own
	}
	if def == "" {
		return nil
	}
	return &model.XMLNamespace{URI: def}
}

func (c *codec) rootName(op *model.Operation) string {
	if c.opts.RootName != nil {
		if n := c.opts.RootName(op); n != "" {
			return n
		}
	}
	if op.Output.LocationName != "" {
		return op.Output.LocationName
	}
	if op.Output.Shape.LocationName != "" {
		return op.Output.Shape.LocationName
	}
	if n := op.Output.Shape.Name; n != "" && !strings.HasSuffix(n, "Output") {
		return n
	}
	return op.Name + "Result"
}

// requestHeaders sets the request-id headers SDKs read: S3's pair, or the
// x-amzn-RequestId every other service sends.
func (c *codec) requestHeaders(h http.Header, req *protocol.Request) {
	if req.RequestID == "" {
		return
	}
	if isS3(req.Service) {
		h.Set("X-Amz-Request-Id", req.RequestID)
		h.Set("X-Amz-Id-2", hostID(req.RequestID))
		return
	}
	h.Set("X-Amzn-Requestid", req.RequestID)
}

// hostID derives S3's opaque extended request id from the request id, so it
// is stable for one request without another source of randomness.
func hostID(requestID string) string {
	sum := sha256.Sum256([]byte("hakoniwa/host-id/" + requestID))
	return base64.StdEncoding.EncodeToString(sum[:])
}

func (c *codec) EncodeError(w http.ResponseWriter, req *protocol.Request, op *model.Operation, e *awserr.Error) {
	status := e.Status
	if status == 0 {
		status = http.StatusBadRequest
		if e.Receiver {
			status = http.StatusInternalServerError
		}
	}
	for k, v := range e.Header {
		w.Header()[k] = v
	}
	c.requestHeaders(w.Header(), req)
	if rest.IsHead(req) || status == http.StatusNotModified {
		// HEAD answers carry no body; SDKs map the status alone. A 304
		// (S3's conditional GET) may not carry one either.
		w.WriteHeader(status)
		return
	}
	var b bytes.Buffer
	b.WriteString(xmlutil.Header)
	if isS3(req.Service) {
		// S3's root is a bare <Error> without a namespace: botocore tells
		// the dialects apart by exactly that tag.
		b.WriteString("<Error>")
		xmlutil.TextElement(&b, "Code", e.Code)
		xmlutil.TextElement(&b, "Message", e.Message)
		writeFields(&b, e)
		xmlutil.TextElement(&b, "RequestId", req.RequestID)
		xmlutil.TextElement(&b, "HostId", hostID(req.RequestID))
		b.WriteString("</Error>")
	} else {
		query.WriteErrorResponse(&b, xmlutil.ServiceNamespace(req.Service), e, req.RequestID, writeFields)
	}
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	_ = xmlutil.WriteTo(w, &b)
}

func writeFields(b *bytes.Buffer, e *awserr.Error) {
	for _, k := range e.FieldOrder {
		if v, ok := e.Fields[k]; ok {
			xmlutil.TextElement(b, k, v)
		}
	}
}
