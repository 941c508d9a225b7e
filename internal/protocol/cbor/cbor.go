// Package cbor is the server side of Smithy's RPC v2 CBOR protocol
// (smithy.protocols#rpcv2Cbor), which the newest SDKs use for CloudWatch:
// POST {prefix}/service/{ServiceName}/operation/{Operation} with a CBOR
// (RFC 8949) body and "Smithy-Protocol: rpc-v2-cbor" both ways.
//
// The bytes are read and written by github.com/fxamacker/cbor; this package
// decides the types from the shapes: integers stay integers, timestamps are
// tag 1 epoch seconds, blobs are byte strings.
package cbor

import (
	"net/http"
	"strconv"
	"strings"

	fxcbor "github.com/fxamacker/cbor/v2"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/model"
	"hakoniwa/internal/protocol"
	"hakoniwa/internal/protocol/jsonutil"
)

const (
	headerProtocol = "Smithy-Protocol"
	protocolValue  = "rpc-v2-cbor"
	contentType    = "application/cbor"
)

type codec struct {
	dec fxcbor.DecMode
	enc fxcbor.EncMode
}

// New returns the rpcv2Cbor codec.
func New() protocol.Codec {
	dec, err := fxcbor.DecOptions{
		// Integers arrive as uint64/int64 (big.Int beyond); the shape walk
		// decides what fits.
		IntDec:       fxcbor.IntDecConvertNone,
		TimeTagToAny: fxcbor.TimeTagToTime,
		// Deep enough for any real input, shallow enough that hostile
		// nesting cannot exhaust the stack.
		MaxNestedLevels: 64,
	}.DecMode()
	if err != nil {
		panic("cbor: invalid decoder options: " + err.Error()) // constant options: a programming error
	}
	enc, err := fxcbor.EncOptions{
		// Deterministic output makes responses reproducible and testable.
		Sort:          fxcbor.SortBytewiseLexical,
		ShortestFloat: fxcbor.ShortestFloatNone,
		// The spec asks not to send half-precision floats; keep the width
		// the shape asked for, even for NaN and the infinities.
		NaNConvert: fxcbor.NaNConvertNone,
		InfConvert: fxcbor.InfConvertNone,
	}.EncMode()
	if err != nil {
		panic("cbor: invalid encoder options: " + err.Error())
	}
	return &codec{dec: dec, enc: enc}
}

func (*codec) Name() string { return protocol.CBOR }

// Resolve routes on the last four path segments, as the spec requires, so
// a client configured with a path prefix still reaches the operation. The
// service segment is the Smithy service shape name, which botocore models
// carry as metadata.targetPrefix (GraniteServiceVersion20100801 for
// CloudWatch); the spec also asks servers to accept the absolute shape id
// with '#' spelled '.'.
func (*codec) Resolve(req *protocol.Request) (*model.Operation, error) {
	if req.HTTP == nil || req.Service == nil {
		return nil, unknownOperation()
	}
	segs := strings.Split(strings.Trim(req.HTTP.URL.Path, "/"), "/")
	if len(segs) < 4 {
		return nil, unknownOperation()
	}
	segs = segs[len(segs)-4:]
	if segs[0] != "service" || segs[2] != "operation" {
		return nil, unknownOperation()
	}
	if want := req.Service.Metadata.TargetPrefix; want != "" && segs[1] != want && !strings.HasSuffix(segs[1], "."+want) {
		return nil, unknownOperation()
	}
	op := req.Service.Operation(segs[3])
	if op == nil {
		return nil, unknownOperation()
	}
	if req.HTTP.Method != http.MethodPost {
		return nil, awserr.New(http.StatusMethodNotAllowed, "MethodNotAllowed",
			"rpc-v2-cbor requests must use POST")
	}
	return op, nil
}

// unknownOperation is what Smithy's server frameworks answer for a path
// that names no operation of the service.
func unknownOperation() *awserr.Error {
	return awserr.New(http.StatusNotFound, "UnknownOperationException", "")
}

func (c *codec) Decode(req *protocol.Request, op *model.Operation) (map[string]any, error) {
	body, err := jsonutil.ReadBody(req.HTTP)
	if err != nil {
		return nil, err
	}
	if op.Input == nil || len(body) == 0 {
		return map[string]any{}, nil
	}
	return c.decodeStructure(body, op.Input.Shape)
}

func (c *codec) decodeStructure(body []byte, s *model.Shape) (map[string]any, error) {
	var raw any
	if err := c.dec.Unmarshal(body, &raw); err != nil {
		return nil, jsonutil.SerializationError("The request body is not valid CBOR: %s", strings.TrimPrefix(err.Error(), "cbor: "))
	}
	if raw == nil {
		return map[string]any{}, nil
	}
	return decodeStruct(raw, s, s.Name)
}

// Encode writes the output structure. An operation without an output shape
// answers with no body and no Content-Type, as the spec requires.
func (c *codec) Encode(w http.ResponseWriter, req *protocol.Request, op *model.Operation, out map[string]any) error {
	if op == nil || op.Output == nil {
		c.write(w, req, http.StatusOK, nil)
		return nil
	}
	tree, err := encodeStruct(op.Output.Shape, out, op.Output.Shape.Name)
	if err != nil {
		return err
	}
	body, err := c.enc.Marshal(tree)
	if err != nil {
		return err
	}
	c.write(w, req, http.StatusOK, body)
	return nil
}

// EncodeError writes a CBOR map with "__type" (the exception shape name; all
// SDKs match on the part after any '#'), "message", and the typed extra
// fields. CloudWatch is awsQueryCompatible, so x-amzn-query-error carries
// the Query-era code that SDKs report as the error code.
func (c *codec) EncodeError(w http.ResponseWriter, req *protocol.Request, op *model.Operation, e *awserr.Error) {
	var svc *model.Service
	if req != nil {
		svc = req.Service
	}
	info := jsonutil.ResolveError(svc, op, e)
	body := map[string]any{"__type": info.Type, "message": e.Message}
	if info.MessageKey != "message" {
		// Modeled as "Message": SDKs read the member from its own key.
		body[info.MessageKey] = e.Message
	}
	for _, f := range info.Fields(e) {
		if _, taken := body[f.Name]; taken {
			continue
		}
		if f.Ref == nil {
			body[f.Name] = f.Value
			continue
		}
		if v, err := encodeValue(f.Ref, f.Value, f.Name); err == nil {
			body[f.Name] = v
		}
	}
	jsonutil.SetQueryError(w.Header(), svc, info, e)
	b, err := c.enc.Marshal(body)
	if err != nil {
		// Only strings and typed scalars are in body; fall back to the bare
		// minimum rather than send a malformed error.
		b, _ = c.enc.Marshal(map[string]any{"__type": info.Type})
	}
	c.write(w, req, info.Status, b)
}

func (c *codec) write(w http.ResponseWriter, req *protocol.Request, status int, body []byte) {
	h := w.Header()
	h.Set(headerProtocol, protocolValue)
	if body != nil {
		h.Set("Content-Type", contentType)
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if req != nil && req.RequestID != "" && h.Get("X-Amzn-Requestid") == "" {
		h.Set("X-Amzn-Requestid", req.RequestID)
	}
	w.WriteHeader(status)
	if len(body) > 0 {
		_, _ = w.Write(body)
	}
}
