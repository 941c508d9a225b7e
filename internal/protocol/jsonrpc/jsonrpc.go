// Package jsonrpc is the server side of AWS's awsJson1_0 and awsJson1_1
// protocols (DynamoDB, SQS, KMS, CloudWatch Logs, CloudTrail, ...): every
// call is a POST to "/" naming its operation in X-Amz-Target, with the input
// structure as a JSON body.
package jsonrpc

import (
	"net/http"
	"strconv"
	"strings"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/model"
	"hakoniwa/internal/protocol"
	"hakoniwa/internal/protocol/jsonutil"
)

const (
	headerTarget    = "X-Amz-Target"
	headerErrorType = "X-Amzn-Errortype"
	contentTypeBase = "application/x-amz-json-"
)

type codec struct{}

// New returns the awsJson codec; one value serves both 1.0 and 1.1, which
// differ only in Content-Type.
func New() protocol.Codec { return codec{} }

func (codec) Name() string { return protocol.JSON }

// Resolve reads "{targetPrefix}.{Operation}" from X-Amz-Target. AWS answers
// a missing, foreign or unknown target alike, with UnknownOperationException.
func (codec) Resolve(req *protocol.Request) (*model.Operation, error) {
	if req.HTTP == nil || req.Service == nil {
		return nil, unknownOperation()
	}
	target := req.HTTP.Header.Get(headerTarget)
	dot := strings.LastIndexByte(target, '.')
	if dot < 0 {
		return nil, unknownOperation()
	}
	prefix, name := target[:dot], target[dot+1:]
	if want := req.Service.Metadata.TargetPrefix; want != "" && !req.Service.Metadata.TargetMatches(prefix) {
		return nil, unknownOperation()
	}
	op := req.Service.Operation(name)
	if op == nil {
		return nil, unknownOperation()
	}
	return op, nil
}

func unknownOperation() *awserr.Error {
	return awserr.New(http.StatusBadRequest, "UnknownOperationException", "")
}

func (codec) Decode(req *protocol.Request, op *model.Operation) (map[string]any, error) {
	body, err := jsonutil.ReadBody(req.HTTP)
	if err != nil {
		return nil, err
	}
	var in *model.Shape
	if op.Input != nil {
		in = op.Input.Shape
	}
	return jsonutil.DecodeStructure(body, in)
}

func (codec) Encode(w http.ResponseWriter, req *protocol.Request, op *model.Operation, out map[string]any) error {
	var shape *model.Shape
	if op != nil && op.Output != nil {
		shape = op.Output.Shape
	}
	body, err := jsonutil.EncodeStructure(shape, out)
	if err != nil {
		return err
	}
	write(w, req, http.StatusOK, body)
	return nil
}

// EncodeError writes {"__type": ..., "message": ...}, with x-amzn-query-error
// for awsQueryCompatible services.
func (codec) EncodeError(w http.ResponseWriter, req *protocol.Request, op *model.Operation, e *awserr.Error) {
	var svc *model.Service
	if req != nil {
		svc = req.Service
	}
	info := jsonutil.ResolveError(svc, op, e)
	h := w.Header()
	h.Set(headerErrorType, info.Type)
	jsonutil.SetQueryError(h, svc, info, e)
	write(w, req, info.Status, jsonutil.EncodeError(info, e))
}

func write(w http.ResponseWriter, req *protocol.Request, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType(req))
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if req != nil && req.RequestID != "" && h.Get("X-Amzn-Requestid") == "" {
		h.Set("X-Amzn-Requestid", req.RequestID)
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// contentType answers in the JSON version the client spoke, so a client
// that (wrongly) sends 1.1 to a 1.0 service still reads its reply, and
// falls back to the model's jsonVersion.
func contentType(req *protocol.Request) string {
	if req != nil && req.HTTP != nil {
		ct := req.HTTP.Header.Get("Content-Type")
		for _, v := range []string{"1.0", "1.1"} {
			if strings.HasPrefix(ct, contentTypeBase+v) {
				return contentTypeBase + v
			}
		}
	}
	version := "1.0"
	if req != nil && req.Service != nil && req.Service.Metadata.JSONVersion != "" {
		version = req.Service.Metadata.JSONVersion
	}
	return contentTypeBase + version
}
