// Package protocol holds the contract every wire codec implements. A codec
// knows one protocol (query, ec2, json, rest-xml, rest-json, rpc-v2-cbor) and
// nothing about any service: everything service-specific comes from the
// model.
package protocol

import (
	"net/http"
	"net/url"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/model"
)

// Protocol names as they appear in model metadata.
const (
	Query    = "query"
	EC2      = "ec2"
	JSON     = "json"
	RestJSON = "rest-json"
	RestXML  = "rest-xml"
	CBOR     = "smithy-rpc-v2-cbor"
)

// Request is one decoded HTTP request on its way through a codec. The
// gateway fills HTTP, Service and RequestID; Resolve may fill the rest so that
// Decode does not parse twice.
type Request struct {
	HTTP      *http.Request
	Service   *model.Service
	RequestID string

	// Form holds query-protocol parameters (URL query and form body merged),
	// parsed once by Resolve.
	Form url.Values
	// Labels are REST URI labels matched by the router, percent-decoded.
	Labels map[string]string
	// Bucket-style virtual host labels (S3) may be added by the gateway
	// before Resolve; the REST router treats them as URI labels.
	HostLabels map[string]string
	// Scratch lets a codec keep per-request state between its own calls.
	Scratch any
}

// Codec is one wire protocol, server side.
type Codec interface {
	// Name is the protocol's model name (see the constants above).
	Name() string
	// Resolve finds the operation the request calls. An unknown operation
	// is an *awserr.Error in the protocol's own terms (InvalidAction,
	// UnknownOperationException, ...).
	Resolve(req *Request) (*model.Operation, error)
	// Decode reads the operation's input. The result follows the value
	// conventions of package model; a nil input shape gives an empty map.
	Decode(req *Request, op *model.Operation) (map[string]any, error)
	// Encode writes a successful response for out (may be nil).
	Encode(w http.ResponseWriter, req *Request, op *model.Operation, out map[string]any) error
	// EncodeError writes e in the protocol's error shape. op may be nil
	// when the operation was never resolved.
	EncodeError(w http.ResponseWriter, req *Request, op *model.Operation, e *awserr.Error)
}

// Clip bounds a client-supplied value quoted in an error message, so that
// whatever the client sent, the answer stays small.
func Clip(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	return s[:max] + "..."
}
