package jsonutil

import (
	"errors"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/model"
	"hakoniwa/internal/protocol/rest"
)

// ErrorInfo is an *awserr.Error resolved against the service model: the
// JSON-family protocols name an error by its exception shape while
// awsQueryCompatible services also tell old clients the Query-era code.
type ErrorInfo struct {
	// Type is the exception shape's name, or the error's code when no shape
	// models it. It goes in "__type" and x-amzn-ErrorType.
	Type string
	// QueryCode is the shape's error.code (the code Query clients know),
	// falling back to Type. It goes in x-amzn-query-error.
	QueryCode string
	// Shape is the exception shape, nil when the error is not modeled.
	Shape *model.Shape
	// Status is the HTTP status to send.
	Status int
	// MessageKey is the body key for the message: the shape's own spelling
	// of its message member ("message" or "Message"), "message" otherwise.
	MessageKey string
}

// ResolveError finds the exception shape e stands for. Handlers may use
// either the shape name or the shape's Query-era error.code; both resolve.
func ResolveError(svc *model.Service, op *model.Operation, e *awserr.Error) ErrorInfo {
	info := ErrorInfo{Type: e.Code, QueryCode: e.Code, Status: e.Status, MessageKey: "message"}
	s := findErrorShape(svc, op, e.Code)
	if s != nil {
		info.Shape = s
		info.Type = s.Name
		info.QueryCode = s.ErrorCode()
		for _, name := range s.MemberNames {
			if strings.EqualFold(name, "message") {
				info.MessageKey = s.Members[name].Name(name)
			}
		}
	}
	if info.Status == 0 {
		switch {
		case s != nil && s.Error != nil && s.Error.HTTPStatusCode != 0:
			info.Status = s.Error.HTTPStatusCode
		case e.Receiver:
			info.Status = http.StatusInternalServerError
		default:
			info.Status = http.StatusBadRequest
		}
	}
	return info
}

func findErrorShape(svc *model.Service, op *model.Operation, code string) *model.Shape {
	if code == "" {
		return nil
	}
	if op != nil {
		for _, r := range op.Errors {
			if r.Shape.Name == code || r.Shape.ErrorCode() == code {
				return r.Shape
			}
		}
	}
	if svc == nil {
		return nil
	}
	if s := svc.Shapes[code]; s != nil && s.Exception {
		return s
	}
	// Several shapes may share one Query-era code (CloudWatch's
	// DashboardNotFoundError and ResourceNotFound both say
	// "ResourceNotFound"); walk in name order so the choice is stable.
	var found *model.Shape
	for _, s := range svc.Shapes {
		if s.Exception && s.Error != nil && s.Error.Code == code && (found == nil || s.Name < found.Name) {
			found = s
		}
	}
	return found
}

// SetQueryError sets x-amzn-query-error for an awsQueryCompatible service
// (SQS, CloudWatch): the Query-era code, which botocore and aws-sdk-go-v2
// report as the error code while still picking the modeled exception from
// __type.
func SetQueryError(h http.Header, svc *model.Service, info ErrorInfo, e *awserr.Error) {
	if svc != nil && svc.Metadata.AWSQueryCompat {
		h.Set("X-Amzn-Query-Error", info.QueryCode+";"+Fault(e))
	}
}

// ReadBody reads a whole request body for the RPC protocols of the JSON
// family (awsJson, rpcv2Cbor), which have no size limit of their own: the
// gateway's http.MaxBytesReader bounds it, and hitting that bound is 413.
func ReadBody(r *http.Request) ([]byte, error) {
	if r == nil || r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, awserr.New(http.StatusRequestEntityTooLarge, "RequestEntityTooLarge",
				"Request body must be no more than %d bytes", tooBig.Limit)
		}
		return nil, SerializationError("The request body could not be read")
	}
	return body, nil
}

// Fault is the x-amzn-query-error fault half: who is to blame.
func Fault(e *awserr.Error) string {
	if e.Receiver {
		return "Receiver"
	}
	return "Sender"
}

// ErrorField is one extra member of an error body.
type ErrorField struct {
	Name string
	// Name is the wire name: the member's locationName when the field
	// names a modeled member.
	// Value follows the model value conventions for Ref's shape when Ref is
	// set; it is the raw string otherwise.
	Value any
	Ref   *model.Ref
}

// Fields returns e's extra fields in order, each typed by the exception
// shape's member of the same wire name when there is one: awserr carries
// strings, but a modeled integer member must reach clients as a number.
func (i ErrorInfo) Fields(e *awserr.Error) []ErrorField {
	names := e.FieldOrder
	if len(names) != len(e.Fields) {
		names = slices.Sorted(maps.Keys(e.Fields))
	}
	out := make([]ErrorField, 0, len(names))
	for _, name := range names {
		raw, ok := e.Fields[name]
		if !ok || name == "__type" || strings.EqualFold(name, "message") {
			continue
		}
		f := ErrorField{Name: name, Value: raw}
		if member, ref := i.member(name); ref != nil {
			if v, ok := fromString(raw, ref); ok {
				f.Name, f.Value, f.Ref = ref.Name(member), v, ref
			}
		}
		out = append(out, f)
	}
	return out
}

// member finds the exception member a field names, by wire name or by
// member name (they differ for header-bound members: Retry-After vs
// retryAfterSeconds).
func (i ErrorInfo) member(field string) (string, *model.Ref) {
	if i.Shape == nil {
		return "", nil
	}
	for _, name := range i.Shape.MemberNames {
		if ref := i.Shape.Members[name]; name == field || ref.Name(name) == field {
			return name, ref
		}
	}
	return "", nil
}

func fromString(s string, ref *model.Ref) (any, bool) {
	switch ref.Shape.Type {
	case "string", "character":
		return s, true
	case "integer", "long", "short", "byte":
		n, err := strconv.ParseInt(s, 10, 64)
		return n, err == nil
	case "float", "double":
		f, err := strconv.ParseFloat(s, 64)
		return f, err == nil
	case "boolean":
		b, err := strconv.ParseBool(s)
		return b, err == nil
	case "timestamp":
		t, err := rest.ParseTime(s, ref.TimeFormat(rest.Unix))
		return t, err == nil
	case "blob":
		return []byte(s), true
	}
	return nil, false
}

// EncodeError renders the JSON error body shared by awsJson and rest-json:
// "__type", the message, then the typed extra fields.
func EncodeError(info ErrorInfo, e *awserr.Error) []byte {
	buf := []byte(`{"__type":`)
	buf = AppendString(buf, info.Type)
	if e.Message != "" {
		buf = append(buf, ',')
		buf = AppendString(buf, info.MessageKey)
		buf = append(buf, ':')
		buf = AppendString(buf, e.Message)
	}
	for _, f := range info.Fields(e) {
		// Header-bound members (rest-json) are the codec's to place.
		if f.Name == info.MessageKey || (f.Ref != nil && f.Ref.Location != "") {
			continue
		}
		mark := len(buf)
		buf = append(buf, ',')
		buf = AppendString(buf, f.Name)
		buf = append(buf, ':')
		if f.Ref == nil {
			buf = AppendString(buf, f.Value.(string))
			continue
		}
		v, err := EncodeValue(f.Ref, f.Value)
		if err != nil {
			buf = buf[:mark]
			continue
		}
		buf = append(buf, v...)
	}
	return append(buf, '}')
}
