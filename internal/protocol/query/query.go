// Package query is the server side of AWS's query protocol (IAM, STS, SNS,
// and the query flavour of SQS and CloudWatch): form-encoded requests named
// by Action, XML responses wrapped in <ActionResponse><ActionResult>.
package query

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/model"
	"hakoniwa/internal/protocol"
	"hakoniwa/internal/protocol/rest"
	"hakoniwa/internal/protocol/xmlutil"
)

// MaxBody bounds a form body. The largest query inputs (SNS and SQS
// messages, IAM policy documents) are far below it.
const MaxBody = 16 << 20

// Options tune the codec's error codes for values that do not parse as
// their type, which query services spell differently.
type Options struct {
	// ParseErrorCode defaults to ValidationError, the code IAM, STS and
	// CloudWatch use for input that fails their constraints.
	ParseErrorCode string
}

type codec struct {
	opts Options
	dec  FormDecoder
}

// New returns the query codec with default options.
func New() protocol.Codec { return NewWithOptions(Options{}) }

// NewWithOptions returns the query codec configured by o.
func NewWithOptions(o Options) protocol.Codec {
	if o.ParseErrorCode == "" {
		o.ParseErrorCode = "ValidationError"
	}
	return &codec{opts: o}
}

func (c *codec) Name() string { return protocol.Query }

func (c *codec) Resolve(req *protocol.Request) (*model.Operation, error) {
	return ResolveAction(req, func(action, version string) *awserr.Error {
		return awserr.New(http.StatusBadRequest, "InvalidAction",
			"Could not find operation %s for version %s", action, version)
	})
}

// ResolveAction parses the form once into req.Form and looks Action up.
// unknown builds the protocol's answer to an action the model lacks.
func ResolveAction(req *protocol.Request, unknown func(action, version string) *awserr.Error) (*model.Operation, error) {
	if err := ParseForm(req); err != nil {
		return nil, err
	}
	action := req.Form.Get("Action")
	if action == "" {
		return nil, awserr.New(http.StatusBadRequest, "MissingAction", "The request must contain the parameter Action.")
	}
	var op *model.Operation
	if req.Service != nil {
		op = req.Service.Operation(action)
	}
	if op == nil {
		version := req.Form.Get("Version")
		if version == "" && req.Service != nil {
			version = req.Service.Metadata.APIVersion
		}
		return nil, unknown(action, version)
	}
	return op, nil
}

// ParseForm merges the URL query and a form-encoded body into req.Form, once.
// A POST without a Content-Type is read as a form too: some hand-rolled
// clients omit it, and nothing else can be meant.
func ParseForm(req *protocol.Request) error {
	if req.Form != nil {
		return nil
	}
	hr := req.HTTP
	form, err := url.ParseQuery(hr.URL.RawQuery)
	if err != nil {
		return malformed(err)
	}
	if hr.Body != nil && hr.Method != http.MethodGet && hr.Method != http.MethodHead {
		ct := hr.Header.Get("Content-Type")
		if ct == "" || isForm(ct) {
			body, err := io.ReadAll(io.LimitReader(hr.Body, MaxBody+1))
			if err != nil {
				return awserr.New(http.StatusBadRequest, "IncompleteBody", "The request body could not be read.")
			}
			if len(body) > MaxBody {
				return awserr.New(http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "Request body must be no more than %d bytes.", MaxBody)
			}
			bodyForm, err := url.ParseQuery(string(body))
			if err != nil {
				return malformed(err)
			}
			for k, v := range bodyForm {
				form[k] = append(form[k], v...)
			}
		}
	}
	req.Form = form
	return nil
}

// isForm reports whether a Content-Type is a form. Every SDK sends
// exactly formType with a charset; only others need the full parser.
func isForm(ct string) bool {
	const formType = "application/x-www-form-urlencoded"
	if rest, ok := strings.CutPrefix(ct, formType); ok && (rest == "" || rest == "; charset=utf-8" || rest == "; charset=UTF-8") {
		return true
	}
	mt, _, _ := mime.ParseMediaType(ct)
	return mt == formType
}

// MalformedQueryString is 404 in AWS's list of common query errors.
func malformed(err error) *awserr.Error {
	return awserr.New(http.StatusNotFound, "MalformedQueryString", "The query string contains a syntax error.")
}

func (c *codec) Decode(req *protocol.Request, op *model.Operation) (map[string]any, error) {
	return DecodeInput(req, op, c.dec, func(fe *FieldError) *awserr.Error {
		return awserr.New(http.StatusBadRequest, c.opts.ParseErrorCode,
			"1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: %s",
			protocol.Clip(fe.Value), fe.Param, typeWord(fe.Err))
	})
}

// DecodeInput decodes op's input from req.Form with d, turning parse
// failures into the protocol's error via bad.
func DecodeInput(req *protocol.Request, op *model.Operation, d FormDecoder, bad func(*FieldError) *awserr.Error) (map[string]any, error) {
	if err := ParseForm(req); err != nil {
		return nil, err
	}
	if op.Input == nil {
		return map[string]any{}, nil
	}
	in, err := d.Decode(req.Form, op.Input.Shape)
	if err != nil {
		var fe *FieldError
		if errors.As(err, &fe) {
			return nil, bad(fe)
		}
		return nil, err
	}
	return in, nil
}

func typeWord(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, "valid "); i >= 0 {
		return "Member must be a valid " + msg[i+len("valid "):]
	}
	return "Member must have a valid type"
}

func (c *codec) Encode(w http.ResponseWriter, req *protocol.Request, op *model.Operation, out map[string]any) error {
	b := xmlutil.Document()
	root := op.Name + "Response"
	xmlutil.StartElement(b, root, Namespace(req.Service))
	if op.Output != nil {
		enc := xmlutil.Encoder{TimeFormat: rest.ISO8601}
		if wrapper := op.Output.ResultWrapper; wrapper != "" {
			xmlutil.StartElement(b, wrapper, "")
			if err := enc.Members(b, op.Output.Shape, out); err != nil {
				return fmt.Errorf("query: encode %s: %w", op.Name, err)
			}
			xmlutil.EndElement(b, wrapper)
		} else if err := enc.Members(b, op.Output.Shape, out); err != nil {
			return fmt.Errorf("query: encode %s: %w", op.Name, err)
		}
	}
	b.WriteString("<ResponseMetadata>")
	xmlutil.TextElement(b, "RequestId", req.RequestID)
	b.WriteString("</ResponseMetadata>")
	xmlutil.EndElement(b, root)
	writeHeaders(w, req)
	w.WriteHeader(http.StatusOK)
	return xmlutil.Send(w, b)
}

func writeHeaders(w http.ResponseWriter, req *protocol.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/xml")
	if req.RequestID != "" {
		h.Set("X-Amzn-Requestid", req.RequestID)
	}
}

func (c *codec) EncodeError(w http.ResponseWriter, req *protocol.Request, op *model.Operation, e *awserr.Error) {
	b := xmlutil.Document()
	WriteErrorResponse(b, Namespace(req.Service), e, req.RequestID, WriteFields)
	writeHeaders(w, req)
	w.WriteHeader(Status(e))
	_ = xmlutil.Send(w, b)
}

// WriteErrorResponse writes the query protocol's <ErrorResponse> document,
// which the rest-xml services other than S3 answer errors with as well. ns
// is its namespace; fields writes e's extra members inside <Error>, where
// the protocols differ on members set without awserr's With.
func WriteErrorResponse(b *bytes.Buffer, ns string, e *awserr.Error, requestID string, fields func(*bytes.Buffer, *awserr.Error)) {
	xmlutil.StartElement(b, "ErrorResponse", ns)
	b.WriteString("<Error>")
	kind := "Sender"
	if e.Receiver {
		kind = "Receiver"
	}
	xmlutil.TextElement(b, "Type", kind)
	xmlutil.TextElement(b, "Code", e.Code)
	xmlutil.TextElement(b, "Message", e.Message)
	fields(b, e)
	b.WriteString("</Error>")
	xmlutil.TextElement(b, "RequestId", requestID)
	xmlutil.EndElement(b, "ErrorResponse")
}

// WriteFields writes an error's extra members as elements, in the order
// they were added.
func WriteFields(b *bytes.Buffer, e *awserr.Error) {
	seen := map[string]bool{}
	for _, k := range e.FieldOrder {
		if v, ok := e.Fields[k]; ok && !seen[k] {
			seen[k] = true
			xmlutil.TextElement(b, k, v)
		}
	}
	var rest []string // fields set without With, in a stable order
	for k := range e.Fields {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	for _, k := range rest {
		xmlutil.TextElement(b, k, e.Fields[k])
	}
}

// Status is e's HTTP status, defaulting by fault side.
func Status(e *awserr.Error) int {
	if e.Status != 0 {
		return e.Status
	}
	if e.Receiver {
		return http.StatusInternalServerError
	}
	return http.StatusBadRequest
}

// Namespace is the xmlns of the service's responses; AWS's namespaces all
// end in a slash even where the model's spelling does not.
func Namespace(svc *model.Service) string {
	ns := xmlutil.ServiceNamespace(svc)
	if ns != "" && !strings.HasSuffix(ns, "/") {
		ns += "/"
	}
	return ns
}
