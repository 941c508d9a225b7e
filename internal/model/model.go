// Package model is the in-memory form of an AWS service model (botocore's
// service-2.json). Codecs, the validator, the gateway and the code generator
// all read it, so every wire detail is decided by AWS's own description of the
// service rather than by hand-written code.
//
// Decoded request and response values are plain Go trees that follow the
// shapes:
//
//	structure          map[string]any keyed by member name (absent = not set)
//	list               []any
//	map                map[string]any
//	string, enum       string
//	boolean            bool
//	integer, long      int64
//	float, double      float64
//	timestamp          time.Time (UTC)
//	blob               []byte, or io.Reader for a streaming payload
//	document           any (JSON-like)
package model

import "sort"

// Service is one AWS API: its metadata, operations and shapes.
type Service struct {
	// ID is hakoniwa's name for the service: the botocore directory name
	// (sts, ec2, cloudwatch, ...).
	ID       string
	Metadata Metadata
	// Operations by name, and OperationNames in sorted order.
	Operations     map[string]*Operation
	OperationNames []string
	Shapes         map[string]*Shape
}

// Metadata mirrors the model's "metadata" object.
type Metadata struct {
	APIVersion       string   `json:"apiVersion"`
	EndpointPrefix   string   `json:"endpointPrefix"`
	SigningName      string   `json:"signingName"`
	TargetPrefix     string   `json:"targetPrefix"`
	JSONVersion      string   `json:"jsonVersion"`
	Protocol         string   `json:"protocol"`
	Protocols        []string `json:"protocols"`
	XMLNamespace     string   `json:"xmlNamespace"`
	ServiceID        string   `json:"serviceId"`
	ServiceFullName  string   `json:"serviceFullName"`
	GlobalEndpoint   string   `json:"globalEndpoint"`
	AWSQueryCompat   bool     `json:"-"`
	TimestampFormat  string   `json:"timestampFormat"`
	SignatureVersion string   `json:"signatureVersion"`
}

// Signing returns the SigV4 service name clients put in the credential scope.
func (m Metadata) Signing() string {
	if m.SigningName != "" {
		return m.SigningName
	}
	return m.EndpointPrefix
}

// AllProtocols lists every wire protocol the service accepts, preferred first.
func (m Metadata) AllProtocols() []string {
	if len(m.Protocols) > 0 {
		return m.Protocols
	}
	return []string{m.Protocol}
}

// Speaks reports whether the service accepts protocol p.
func (m Metadata) Speaks(p string) bool {
	for _, x := range m.AllProtocols() {
		if x == p {
			return true
		}
	}
	return false
}

// HTTP is an operation's REST binding.
type HTTP struct {
	Method       string `json:"method"`
	RequestURI   string `json:"requestUri"`
	ResponseCode int    `json:"responseCode"`
}

// Operation is one API call.
type Operation struct {
	Name     string
	HTTP     HTTP
	Input    *Ref // nil when the operation takes no input
	Output   *Ref // nil when it returns nothing
	Errors   []*Ref
	AuthType string
	// HostPrefix is the endpoint trait's hostPrefix (e.g. "data-").
	HostPrefix string
	// RequestChecksumRequired is set by the httpChecksumRequired trait.
	RequestChecksumRequired bool
	Deprecated              bool
}

// Ref is a use of a shape: a member, list member, map key/value, or an
// operation's input/output. Traits set on the reference win over the same
// traits on the shape.
type Ref struct {
	Shape            *Shape
	ShapeName        string
	Location         string // "", header, headers, querystring, uri, statusCode
	LocationName     string
	QueryName        string
	Flattened        bool
	XMLNamespace     *XMLNamespace
	XMLAttribute     bool
	ResultWrapper    string
	JSONValue        bool
	IdempotencyToken bool
	HostLabel        bool
	Streaming        bool
	EventPayload     bool
	TimestampFormat  string
	Deprecated       bool
}

// XMLNamespace is an xmlNamespace trait.
type XMLNamespace struct {
	Prefix string `json:"prefix"`
	URI    string `json:"uri"`
}

// ErrorInfo is the "error" trait of an exception shape.
type ErrorInfo struct {
	Code           string `json:"code"`
	HTTPStatusCode int    `json:"httpStatusCode"`
	SenderFault    bool   `json:"senderFault"`
}

// Shape is a named type in the model.
type Shape struct {
	Name string
	Type string // structure, list, map, string, integer, long, float, double, boolean, timestamp, blob, bigdecimal, biginteger

	Members     map[string]*Ref
	MemberNames []string // in model order
	Required    map[string]bool

	Member     *Ref // list
	Key, Value *Ref // map

	Enum    []string
	Min     *float64
	Max     *float64
	Pattern string

	Flattened       bool
	LocationName    string
	XMLNamespace    *XMLNamespace
	Payload         string // structure member sent as the HTTP body
	Streaming       bool
	RequiresLength  bool
	TimestampFormat string
	Sensitive       bool
	Union           bool
	Document        bool
	Event           bool
	EventStream     bool
	Wrapper         bool

	Exception bool
	Fault     bool
	Error     *ErrorInfo
}

// IsScalar reports whether the shape carries no members.
func (s *Shape) IsScalar() bool {
	switch s.Type {
	case "structure", "list", "map":
		return false
	}
	return !s.Document
}

// ErrorCode is the code clients see for an exception shape.
func (s *Shape) ErrorCode() string {
	if s.Error != nil && s.Error.Code != "" {
		return s.Error.Code
	}
	return s.Name
}

// Name helpers: a Ref's effective traits.

// Name returns the wire name of a member: its locationName or, failing
// that, the member name given.
func (r *Ref) Name(member string) string {
	if r.LocationName != "" {
		return r.LocationName
	}
	return member
}

// IsFlattened reports the flattened trait from the ref or its shape.
func (r *Ref) IsFlattened() bool { return r.Flattened || r.Shape.Flattened }

// Namespace returns the ref's XML namespace, falling back to the shape's.
func (r *Ref) Namespace() *XMLNamespace {
	if r.XMLNamespace != nil {
		return r.XMLNamespace
	}
	return r.Shape.XMLNamespace
}

// TimeFormat returns the timestamp format for r, or def when unset.
func (r *Ref) TimeFormat(def string) string {
	if r.TimestampFormat != "" {
		return r.TimestampFormat
	}
	if r.Shape.TimestampFormat != "" {
		return r.Shape.TimestampFormat
	}
	return def
}

// IsStreaming reports a streaming blob/payload.
func (r *Ref) IsStreaming() bool { return r.Streaming || r.Shape.Streaming }

// PayloadMember returns the name and ref of the structure's payload member,
// if it has one.
func (s *Shape) PayloadMember() (string, *Ref) {
	if s == nil || s.Payload == "" {
		return "", nil
	}
	return s.Payload, s.Members[s.Payload]
}

// sortedKeys is shared by the loader.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Operation looks an operation up by its exact name, as AWS does.
func (s *Service) Operation(name string) *Operation { return s.Operations[name] }

// TargetMatches reports whether an X-Amz-Target prefix names this service.
// botocore sends the model's full targetPrefix
// ("com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101"), while
// Smithy-based SDKs (aws-sdk-go-v2) send only its last component
// ("CloudTrail_20131101"); AWS accepts both.
func (m Metadata) TargetMatches(prefix string) bool {
	return prefix != "" && (prefix == m.TargetPrefix || prefix == ShortTarget(m.TargetPrefix))
}

// ShortTarget is the last dot-separated component of a target prefix.
func ShortTarget(prefix string) string {
	for i := len(prefix) - 1; i >= 0; i-- {
		if prefix[i] == '.' {
			return prefix[i+1:]
		}
	}
	return prefix
}
