// Package restjson is the server side of AWS's restJson1 protocol (Lambda,
// API Gateway, ...): operations are routed by method and URI template (the
// shared rest package), members bound to the URI, query string and headers
// travel there, and the rest form a JSON document body, unless a payload
// member is the whole body.
package restjson

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/model"
	"hakoniwa/internal/protocol"
	"hakoniwa/internal/protocol/jsonutil"
	"hakoniwa/internal/protocol/rest"
)

// MaxBody bounds a buffered (non-streaming) request body. Lambda's largest
// synchronous payload is 6 MB; leave headroom for JSON escaping.
const MaxBody = 16 << 20

const headerErrorType = "X-Amzn-Errortype"

type codec struct {
	routers rest.Routers
}

// New returns the rest-json codec.
func New() protocol.Codec { return &codec{} }

func (c *codec) Name() string { return protocol.RestJSON }

// Resolve matches the request against the service's URI templates. A miss
// is AWS's 404 UnknownOperationException.
func (c *codec) Resolve(req *protocol.Request) (*model.Operation, error) {
	if req.HTTP == nil || req.Service == nil {
		return nil, awserr.New(http.StatusNotFound, "UnknownOperationException", "")
	}
	op, labels, err := c.routers.For(req.Service).Match(req)
	if err != nil {
		var nr *rest.NoRouteError
		if errors.As(err, &nr) {
			return nil, awserr.New(http.StatusNotFound, "UnknownOperationException", "Unknown operation %s %s", nr.Method, nr.Path)
		}
		return nil, err
	}
	req.Labels = labels
	return op, nil
}

func (c *codec) Decode(req *protocol.Request, op *model.Operation) (map[string]any, error) {
	out := map[string]any{}
	if op.Input == nil {
		return out, nil
	}
	if req.Labels == nil && len(req.HostLabels) > 0 {
		req.Labels = req.HostLabels
	}
	if err := rest.DecodeBound(req, op, req.Labels, out, rest.DefaultParseError); err != nil {
		return nil, err
	}
	s := op.Input.Shape
	if name, ref := s.PayloadMember(); ref != nil {
		return out, c.decodePayload(req, name, ref, out)
	}
	names := rest.BodyMembers(s)
	if len(names) == 0 {
		return out, nil
	}
	body, err := readBody(req.HTTP)
	if err != nil {
		return nil, err
	}
	v, err := jsonutil.DecodeMembers(body, s, names)
	if err != nil {
		return nil, err
	}
	for k, x := range v {
		out[k] = x
	}
	return out, nil
}

// decodePayload reads a payload member: a stream is handed over unread
// (Lambda Invoke bodies can be large), blobs and strings are the raw body,
// structures and documents are JSON.
func (c *codec) decodePayload(req *protocol.Request, name string, ref *model.Ref, out map[string]any) error {
	if ref.IsStreaming() {
		out[name] = rest.StreamPayload(req)
		return nil
	}
	body, err := readBody(req.HTTP)
	if err != nil || len(body) == 0 {
		return err
	}
	switch {
	case ref.Shape.Type == "blob":
		out[name] = body
	case ref.Shape.Type == "string":
		out[name] = string(body)
	default:
		v, err := jsonutil.DecodeValue(body, ref)
		if err != nil {
			return err
		}
		// SDKs send "{}" for an unset structure payload; it carries nothing
		// a handler could tell from an absent one.
		if m, ok := v.(map[string]any); ok && len(m) == 0 && !ref.Shape.Document {
			return nil
		}
		if v != nil {
			out[name] = v
		}
	}
	return nil
}

func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	if err != nil {
		var tooBig *http.MaxBytesError
		if !errors.As(err, &tooBig) {
			return nil, jsonutil.SerializationError("The request body could not be read")
		}
	}
	if err != nil || len(b) > MaxBody {
		return nil, awserr.New(http.StatusRequestEntityTooLarge, "RequestEntityTooLargeException",
			"Request must be smaller than %d bytes", MaxBody)
	}
	return b, nil
}

func (c *codec) Encode(w http.ResponseWriter, req *protocol.Request, op *model.Operation, out map[string]any) error {
	status := http.StatusOK
	if op.HTTP.ResponseCode != 0 {
		status = op.HTTP.ResponseCode
	}
	var body []byte
	var stream io.Reader
	contentType := "application/json"
	if op.Output != nil {
		s := op.Output.Shape
		var err error
		if status, err = rest.EncodeBound(w.Header(), s, out, status); err != nil {
			return fmt.Errorf("rest-json: encode %s: %w", op.Name, err)
		}
		if name, ref := s.PayloadMember(); ref != nil {
			body, stream, contentType, err = encodePayload(ref, out[name])
		} else if names := rest.BodyMembers(s); len(names) > 0 {
			body, err = jsonutil.EncodeMembers(s, names, out)
		}
		if err != nil {
			return fmt.Errorf("rest-json: encode %s: %w", op.Name, err)
		}
	}
	h := w.Header()
	requestID(h, req)
	if (body != nil || stream != nil) && h.Get("Content-Type") == "" && contentType != "" {
		h.Set("Content-Type", contentType)
	}
	if rest.IsHead(req) {
		w.WriteHeader(status)
		return nil
	}
	if stream != nil {
		w.WriteHeader(status)
		_, err := io.Copy(w, stream)
		return err
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, err := w.Write(body)
	return err
}

// encodePayload renders a payload member and picks its default
// Content-Type; a Content-Type header member set by the handler wins.
func encodePayload(ref *model.Ref, v any) ([]byte, io.Reader, string, error) {
	if jsonutil.IsNil(v) {
		if ref.Shape.Type == "structure" && !ref.Shape.Document {
			// An unset structure payload is still an (empty) object.
			return []byte("{}"), nil, "application/json", nil
		}
		return nil, nil, "", nil
	}
	switch ref.Shape.Type {
	case "blob":
		if r, ok := v.(io.Reader); ok {
			return nil, r, "application/octet-stream", nil
		}
		b, err := jsonutil.BlobBytes(v)
		return b, nil, "application/octet-stream", err
	case "string":
		s, ok := v.(string)
		if !ok {
			return nil, nil, "", fmt.Errorf("%w: payload is %T", rest.ErrType, v)
		}
		return []byte(s), nil, "text/plain", nil
	}
	b, err := jsonutil.EncodeValue(ref, v)
	return b, nil, "application/json", err
}

// EncodeError writes {"__type": ..., "message": ...} with X-Amzn-ErrorType,
// which botocore reads first; members the exception binds to headers (e.g.
// Lambda's Retry-After) go there.
func (c *codec) EncodeError(w http.ResponseWriter, req *protocol.Request, op *model.Operation, e *awserr.Error) {
	var svc *model.Service
	if req != nil {
		svc = req.Service
	}
	info := jsonutil.ResolveError(svc, op, e)
	h := w.Header()
	h.Set(headerErrorType, info.Type)
	for _, f := range info.Fields(e) {
		if f.Ref != nil && f.Ref.Location == "header" {
			if s, err := rest.FormatScalar(f.Ref, f.Value, rest.RFC822); err == nil {
				h.Set(f.Ref.Name(f.Name), s)
			}
		}
	}
	requestID(h, req)
	body := jsonutil.EncodeError(info, e)
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(info.Status)
	if req != nil && req.HTTP != nil && rest.IsHead(req) {
		return
	}
	_, _ = w.Write(body)
}

func requestID(h http.Header, req *protocol.Request) {
	if req != nil && req.RequestID != "" && h.Get("X-Amzn-Requestid") == "" {
		h.Set("X-Amzn-Requestid", req.RequestID)
	}
}
