// Package ec2query is the server side of the ec2 protocol: query-style
// requests with EC2's member and list naming, and responses without a
// Result wrapper, with lowercase <requestId>, and errors in
// <Response><Errors>.
package ec2query

import (
	"fmt"
	"net/http"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/model"
	"hakoniwa/internal/protocol"
	"hakoniwa/internal/protocol/query"
	"hakoniwa/internal/protocol/rest"
	"hakoniwa/internal/protocol/xmlutil"
)

type codec struct{ dec query.FormDecoder }

// New returns the ec2 codec.
func New() protocol.Codec { return &codec{dec: query.FormDecoder{EC2: true}} }

func (c *codec) Name() string { return protocol.EC2 }

func (c *codec) Resolve(req *protocol.Request) (*model.Operation, error) {
	return query.ResolveAction(req, func(action, _ string) *awserr.Error {
		return awserr.New(http.StatusBadRequest, "InvalidAction",
			"The action %s is not valid for this web service.", action)
	})
}

func (c *codec) Decode(req *protocol.Request, op *model.Operation) (map[string]any, error) {
	return query.DecodeInput(req, op, c.dec, func(fe *query.FieldError) *awserr.Error {
		return awserr.New(http.StatusBadRequest, "InvalidParameterValue",
			"Value (%s) for parameter %s is invalid.", protocol.Clip(fe.Value), fe.Param)
	})
}

func (c *codec) Encode(w http.ResponseWriter, req *protocol.Request, op *model.Operation, out map[string]any) error {
	b := xmlutil.Document()
	root := op.Name + "Response"
	xmlutil.StartElement(b, root, query.Namespace(req.Service))
	xmlutil.TextElement(b, "requestId", req.RequestID)
	if op.Output != nil {
		enc := xmlutil.Encoder{TimeFormat: rest.ISO8601}
		if err := enc.Members(b, op.Output.Shape, out); err != nil {
			return fmt.Errorf("ec2: encode %s: %w", op.Name, err)
		}
	}
	xmlutil.EndElement(b, root)
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.WriteHeader(http.StatusOK)
	return xmlutil.Send(w, b)
}

func (c *codec) EncodeError(w http.ResponseWriter, req *protocol.Request, op *model.Operation, e *awserr.Error) {
	b := xmlutil.Document()
	b.WriteString("<Response><Errors><Error>")
	xmlutil.TextElement(b, "Code", e.Code)
	xmlutil.TextElement(b, "Message", e.Message)
	query.WriteFields(b, e)
	b.WriteString("</Error></Errors>")
	xmlutil.TextElement(b, "RequestID", req.RequestID)
	b.WriteString("</Response>")
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.WriteHeader(status(e))
	_ = xmlutil.Send(w, b)
}

// status maps an error to EC2's statuses: EC2 answers every client fault
// with 400 (even auth failures other than 401/403) and server faults with
// 500 or 503.
func status(e *awserr.Error) int {
	switch {
	case e.Status >= 500:
		return e.Status
	case e.Receiver:
		return http.StatusInternalServerError
	case e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden:
		return e.Status
	}
	return http.StatusBadRequest
}
