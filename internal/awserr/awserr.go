// Package awserr is the one error type every layer returns. Codecs render it
// in their protocol's shape, so a handler never decides how an error looks on
// the wire, only what it says.
package awserr

import (
	"errors"
	"fmt"
	"net/http"
)

// Error is an AWS API error.
type Error struct {
	Code    string
	Message string
	// Status is the HTTP status code sent to the client.
	Status int
	// Receiver marks a server-side fault (AWS's "Receiver"/"Server" type);
	// the zero value is a client ("Sender") fault.
	Receiver bool
	// Fields are extra members of the error, for modeled exceptions with
	// members (e.g. S3's BucketName) and AWS's diagnostic extras (S3's
	// StringToSign, CanonicalRequest). Keys are wire names; values strings.
	Fields map[string]string
	// FieldOrder keeps the extras in the order they were added, so XML
	// output is stable.
	FieldOrder []string
	// Header is sent with the error response: S3 says on a 404 or 405
	// that a delete marker stood in the way (x-amz-delete-marker), which
	// a HEAD, having no body, can say no other way.
	Header http.Header
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// New returns a client-fault error.
func New(status int, code, format string, args ...any) *Error {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	return &Error{Code: code, Message: msg, Status: status}
}

// With adds an extra field and returns e.
func (e *Error) With(name, value string) *Error {
	if e.Fields == nil {
		e.Fields = map[string]string{}
	}
	if _, ok := e.Fields[name]; !ok {
		e.FieldOrder = append(e.FieldOrder, name)
	}
	e.Fields[name] = value
	return e
}

// WithHeader adds a response header and returns e.
func (e *Error) WithHeader(name, value string) *Error {
	if e.Header == nil {
		e.Header = http.Header{}
	}
	e.Header.Set(name, value)
	return e
}

// As extracts an *Error from err, wrapping anything else as an internal
// failure so no caller ever has to render a bare Go error.
func As(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Internal()
}

// Internal is AWS's answer to an unexpected server failure. The cause is
// logged by the caller with the request id, never shown to the client.
func Internal() *Error {
	return &Error{Code: "InternalFailure", Message: "The request processing has failed because of an unknown error, exception or failure.", Status: http.StatusInternalServerError, Receiver: true}
}

// NotImplemented names the operation hakoniwa does not implement yet.
func NotImplemented(service, operation string) *Error {
	return &Error{
		Code:     "NotImplemented",
		Message:  fmt.Sprintf("hakoniwa does not implement %s:%s yet", service, operation),
		Status:   http.StatusNotImplemented,
		Receiver: true,
	}
}

// Validation returns the validation error a service family uses.
func Validation(code, format string, args ...any) *Error {
	return New(http.StatusBadRequest, code, format, args...)
}
