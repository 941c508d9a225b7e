package model

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
)

// rawRef and rawShape are the JSON forms of refs and shapes. Protocol test
// files use the same form for their per-case shapes, so one loader serves
// both.
type rawRef struct {
	Shape            string        `json:"shape"`
	Location         string        `json:"location"`
	LocationName     string        `json:"locationName"`
	QueryName        string        `json:"queryName"`
	Flattened        bool          `json:"flattened"`
	XMLNamespace     *XMLNamespace `json:"xmlNamespace"`
	XMLAttribute     bool          `json:"xmlAttribute"`
	ResultWrapper    string        `json:"resultWrapper"`
	JSONValue        bool          `json:"jsonvalue"`
	IdempotencyToken bool          `json:"idempotencyToken"`
	HostLabel        bool          `json:"hostLabel"`
	Streaming        bool          `json:"streaming"`
	EventPayload     bool          `json:"eventpayload"`
	TimestampFormat  string        `json:"timestampFormat"`
	Deprecated       bool          `json:"deprecated"`
}

type rawShape struct {
	Type            string          `json:"type"`
	Members         orderedRefs     `json:"members"`
	Required        []string        `json:"required"`
	Member          *rawRef         `json:"member"`
	Key             *rawRef         `json:"key"`
	Value           *rawRef         `json:"value"`
	Enum            []string        `json:"enum"`
	Min             *float64        `json:"min"`
	Max             *float64        `json:"max"`
	Pattern         string          `json:"pattern"`
	Flattened       bool            `json:"flattened"`
	LocationName    string          `json:"locationName"`
	XMLNamespace    json.RawMessage `json:"xmlNamespace"`
	Payload         string          `json:"payload"`
	Streaming       bool            `json:"streaming"`
	RequiresLength  bool            `json:"requiresLength"`
	TimestampFormat string          `json:"timestampFormat"`
	Sensitive       bool            `json:"sensitive"`
	Union           bool            `json:"union"`
	Document        bool            `json:"document"`
	Event           bool            `json:"event"`
	EventStream     bool            `json:"eventstream"`
	Wrapper         bool            `json:"wrapper"`
	Exception       bool            `json:"exception"`
	Fault           bool            `json:"fault"`
	Error           *ErrorInfo      `json:"error"`
}

// orderedRefs keeps members in model order: XML and query serializers emit
// members in that order, and AWS's parsers are order-sensitive in places.
type orderedRefs struct {
	names []string
	refs  map[string]*rawRef
}

func (o *orderedRefs) UnmarshalJSON(b []byte) error {
	o.refs = map[string]*rawRef{}
	dec := json.NewDecoder(bytes.NewReader(b))
	if _, err := dec.Token(); err != nil {
		return err
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		name := t.(string)
		var r rawRef
		if err := dec.Decode(&r); err != nil {
			return err
		}
		o.names = append(o.names, name)
		o.refs[name] = &r
	}
	_, err := dec.Token()
	return err
}

// RawOperation is the JSON form of an operation.
type RawOperation struct {
	Name                 string   `json:"name"`
	HTTP                 HTTP     `json:"http"`
	Input                *rawRef  `json:"input"`
	Output               *rawRef  `json:"output"`
	Errors               []rawRef `json:"errors"`
	AuthType             string   `json:"authtype"`
	Deprecated           bool     `json:"deprecated"`
	HTTPChecksumRequired bool     `json:"httpChecksumRequired"`
	Endpoint             *struct {
		HostPrefix string `json:"hostPrefix"`
	} `json:"endpoint"`
}

type rawService struct {
	Metadata   json.RawMessage             `json:"metadata"`
	Operations map[string]RawOperation     `json:"operations"`
	Shapes     map[string]*json.RawMessage `json:"shapes"`
}

// Parse reads a service-2.json document (gzip-compressed or not).
func Parse(id string, data []byte) (*Service, error) {
	if len(data) > 2 && data[0] == 0x1f && data[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("model %s: %w", id, err)
		}
		if data, err = io.ReadAll(zr); err != nil {
			return nil, fmt.Errorf("model %s: %w", id, err)
		}
	}
	var raw rawService
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("model %s: %w", id, err)
	}
	svc := &Service{ID: id}
	if err := parseMetadata(raw.Metadata, &svc.Metadata); err != nil {
		return nil, fmt.Errorf("model %s metadata: %w", id, err)
	}
	shapes, err := ParseShapes(raw.Shapes)
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", id, err)
	}
	svc.Shapes = shapes
	svc.Operations = make(map[string]*Operation, len(raw.Operations))
	for name, ro := range raw.Operations {
		op, err := BuildOperation(shapes, ro)
		if err != nil {
			return nil, fmt.Errorf("model %s operation %s: %w", id, name, err)
		}
		if op.Name == "" {
			op.Name = name
		}
		svc.Operations[name] = op
	}
	svc.OperationNames = sortedKeys(svc.Operations)
	return svc, nil
}

func parseMetadata(b json.RawMessage, m *Metadata) error {
	if err := json.Unmarshal(b, m); err != nil {
		return err
	}
	var extra struct {
		Compat *json.RawMessage `json:"awsQueryCompatible"`
	}
	if err := json.Unmarshal(b, &extra); err != nil {
		return err
	}
	m.AWSQueryCompat = extra.Compat != nil
	return nil
}

// ParseShapes builds and links a shape table from its JSON form.
func ParseShapes(raw map[string]*json.RawMessage) (map[string]*Shape, error) {
	shapes := make(map[string]*Shape, len(raw))
	raws := make(map[string]*rawShape, len(raw))
	for name, b := range raw {
		var rs rawShape
		if err := json.Unmarshal(*b, &rs); err != nil {
			return nil, fmt.Errorf("shape %s: %w", name, err)
		}
		// xmlNamespace is an object on shapes of most models but a bare
		// URI string in some protocol tests.
		ns, err := parseNamespace(rs.XMLNamespace)
		if err != nil {
			return nil, fmt.Errorf("shape %s: %w", name, err)
		}
		raws[name] = &rs
		shapes[name] = &Shape{
			Name: name, Type: rs.Type, Enum: rs.Enum, Min: rs.Min, Max: rs.Max,
			Pattern: rs.Pattern, Flattened: rs.Flattened, LocationName: rs.LocationName,
			XMLNamespace: ns, Payload: rs.Payload, Streaming: rs.Streaming,
			RequiresLength: rs.RequiresLength, TimestampFormat: rs.TimestampFormat,
			Sensitive: rs.Sensitive, Union: rs.Union, Document: rs.Document,
			Event: rs.Event, EventStream: rs.EventStream, Wrapper: rs.Wrapper,
			Exception: rs.Exception, Fault: rs.Fault, Error: rs.Error,
		}
	}
	for name, rs := range raws {
		s := shapes[name]
		var err error
		if len(rs.Members.names) > 0 || s.Type == "structure" {
			s.Members = make(map[string]*Ref, len(rs.Members.names))
			for _, mn := range rs.Members.names {
				r, e := link(shapes, rs.Members.refs[mn])
				if e != nil {
					return nil, fmt.Errorf("shape %s member %s: %w", name, mn, e)
				}
				s.Members[mn] = r
			}
			s.MemberNames = rs.Members.names
		}
		if len(rs.Required) > 0 {
			s.Required = make(map[string]bool, len(rs.Required))
			for _, r := range rs.Required {
				s.Required[r] = true
			}
		}
		if rs.Member != nil {
			if s.Member, err = link(shapes, rs.Member); err != nil {
				return nil, fmt.Errorf("shape %s member: %w", name, err)
			}
		}
		if rs.Key != nil {
			if s.Key, err = link(shapes, rs.Key); err != nil {
				return nil, fmt.Errorf("shape %s key: %w", name, err)
			}
		}
		if rs.Value != nil {
			if s.Value, err = link(shapes, rs.Value); err != nil {
				return nil, fmt.Errorf("shape %s value: %w", name, err)
			}
		}
	}
	return shapes, nil
}

func parseNamespace(b json.RawMessage) (*XMLNamespace, error) {
	if len(b) == 0 || string(b) == "null" {
		return nil, nil
	}
	if b[0] == '"' {
		var uri string
		if err := json.Unmarshal(b, &uri); err != nil {
			return nil, err
		}
		return &XMLNamespace{URI: uri}, nil
	}
	var ns XMLNamespace
	if err := json.Unmarshal(b, &ns); err != nil {
		return nil, err
	}
	return &ns, nil
}

func link(shapes map[string]*Shape, r *rawRef) (*Ref, error) {
	s := shapes[r.Shape]
	if s == nil {
		return nil, fmt.Errorf("unknown shape %q", r.Shape)
	}
	return &Ref{
		Shape: s, ShapeName: r.Shape, Location: r.Location, LocationName: r.LocationName,
		QueryName: r.QueryName, Flattened: r.Flattened, XMLNamespace: r.XMLNamespace,
		XMLAttribute: r.XMLAttribute, ResultWrapper: r.ResultWrapper, JSONValue: r.JSONValue,
		IdempotencyToken: r.IdempotencyToken, HostLabel: r.HostLabel, Streaming: r.Streaming,
		EventPayload: r.EventPayload, TimestampFormat: r.TimestampFormat, Deprecated: r.Deprecated,
	}, nil
}

// BuildOperation links a raw operation against a shape table.
func BuildOperation(shapes map[string]*Shape, ro RawOperation) (*Operation, error) {
	op := &Operation{
		Name: ro.Name, HTTP: ro.HTTP, AuthType: ro.AuthType, Deprecated: ro.Deprecated,
		RequestChecksumRequired: ro.HTTPChecksumRequired,
	}
	if op.HTTP.Method == "" {
		op.HTTP.Method = "POST"
	}
	if op.HTTP.RequestURI == "" {
		op.HTTP.RequestURI = "/"
	}
	if ro.Endpoint != nil {
		op.HostPrefix = ro.Endpoint.HostPrefix
	}
	var err error
	if ro.Input != nil && ro.Input.Shape != "" {
		if op.Input, err = link(shapes, ro.Input); err != nil {
			return nil, fmt.Errorf("input: %w", err)
		}
	}
	if ro.Output != nil && ro.Output.Shape != "" {
		if op.Output, err = link(shapes, ro.Output); err != nil {
			return nil, fmt.Errorf("output: %w", err)
		}
	}
	for i := range ro.Errors {
		r, err := link(shapes, &ro.Errors[i])
		if err != nil {
			return nil, fmt.Errorf("errors: %w", err)
		}
		op.Errors = append(op.Errors, r)
	}
	return op, nil
}
