package rest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/model"
	"hakoniwa/internal/protocol"
)

// ParseErrorFunc builds a protocol's client error for a member whose text
// does not parse as its type (S3: InvalidArgument, rest-json:
// SerializationException).
type ParseErrorFunc func(member, wireName, value string, err error) *awserr.Error

// DefaultParseError is the generic 400 used when a codec has no better code.
func DefaultParseError(member, wireName, value string, err error) *awserr.Error {
	return awserr.New(http.StatusBadRequest, "SerializationException",
		"Invalid value for %s: %q", wireName, protocol.Clip(value))
}

// StreamPayload is the value of a streaming payload member: the request
// body, handed over unread because the handler reads it itself (PutObject,
// UploadPart, Lambda Invoke can be large), or an empty reader when the
// request has none.
func StreamPayload(req *protocol.Request) io.Reader {
	if req.HTTP.Body != nil {
		return &Stream{Reader: req.HTTP.Body, req: req.HTTP}
	}
	return bytes.NewReader(nil)
}

// Stream is a streaming request payload. Its Trailer method gives the
// trailing headers the body ended with (S3's flexible checksums arrive in
// aws-chunked trailers), complete once the body has been read to EOF.
type Stream struct {
	io.Reader
	req *http.Request
}

// Trailer returns the request's trailers; nil when it declared none.
func (s *Stream) Trailer() http.Header { return s.req.Trailer }

// IsBound reports whether a member travels outside the body.
func IsBound(ref *model.Ref) bool {
	switch ref.Location {
	case "uri", "querystring", "header", "headers", "statusCode":
		return true
	}
	return false
}

// BodyMembers lists the members of s that travel in the body document (no
// location, not the payload member), in model order.
func BodyMembers(s *model.Shape) []string {
	var out []string
	if s == nil {
		return nil
	}
	for _, m := range s.MemberNames {
		if !IsBound(s.Members[m]) && m != s.Payload {
			out = append(out, m)
		}
	}
	return out
}

// DecodeBound reads op's uri, querystring, header and headers members from
// req into out. labels are the router's percent-decoded URI labels.
func DecodeBound(req *protocol.Request, op *model.Operation, labels map[string]string, out map[string]any, perr ParseErrorFunc) error {
	if op.Input == nil {
		return nil
	}
	if perr == nil {
		perr = DefaultParseError
	}
	s := op.Input.Shape
	hr := req.HTTP
	query := hr.URL.Query()
	var queryMap []string
	claimed := map[string]bool{}
	for _, k := range LiteralQueryKeys(op) {
		claimed[k] = true
	}
	for _, m := range s.MemberNames {
		ref := s.Members[m]
		name := ref.Name(m)
		switch ref.Location {
		case "uri":
			v, ok := labels[name]
			if !ok {
				continue
			}
			val, err := ParseScalar(ref, v, ISO8601)
			if err != nil {
				return perr(m, name, v, err)
			}
			out[m] = val
		case "querystring":
			if ref.Shape.Type == "map" {
				queryMap = append(queryMap, m)
				continue
			}
			claimed[name] = true
			vals, ok := query[name]
			if !ok {
				continue
			}
			var v any
			var err error
			if ref.JSONValue {
				v, err = parsePlainJSON(vals[0])
			} else {
				v, err = parseMulti(ref, vals, ISO8601)
			}
			if err != nil {
				return perr(m, name, strings.Join(vals, ","), err)
			}
			out[m] = v
		case "header":
			vals := hr.Header.Values(name)
			if len(vals) == 0 {
				continue
			}
			var v any
			var err error
			if ref.Shape.Type == "list" {
				v, err = parseMulti(ref, SplitHeaderList(strings.Join(vals, ","), ref.Shape.Member), RFC822)
			} else {
				v, err = ParseScalar(ref, strings.TrimSpace(vals[0]), RFC822)
			}
			if err != nil {
				return perr(m, name, strings.Join(vals, ","), err)
			}
			out[m] = v
		case "headers":
			prefix := strings.ToLower(name)
			mv := map[string]any{}
			for k, vals := range hr.Header {
				// Keys are lowercased: HTTP header names are
				// case-insensitive and S3 reports metadata keys in
				// lower case.
				lk := strings.ToLower(k)
				if !strings.HasPrefix(lk, prefix) || len(vals) == 0 || len(lk) == len(prefix) {
					continue
				}
				mv[lk[len(prefix):]] = strings.TrimSpace(strings.Join(vals, ","))
			}
			if len(mv) > 0 {
				out[m] = mv
			}
		}
	}
	// A querystring map collects every parameter no other member or the
	// route claims (API Gateway-style free-form query documents).
	for _, m := range queryMap {
		ref := s.Members[m]
		mv := map[string]any{}
		for k, vals := range query {
			if claimed[k] {
				continue
			}
			valRef := ref.Shape.Value
			if valRef == nil {
				continue
			}
			if valRef.Shape.Type == "list" {
				v, err := parseMulti(valRef, vals, ISO8601)
				if err != nil {
					return perr(m, k, strings.Join(vals, ","), err)
				}
				mv[k] = v
			} else {
				v, err := ParseScalar(valRef, vals[0], ISO8601)
				if err != nil {
					return perr(m, k, vals[0], err)
				}
				mv[k] = v
			}
		}
		if len(mv) > 0 {
			out[m] = mv
		}
	}
	return nil
}

// parseMulti reads a list from repeated values, or a scalar from the first.
func parseMulti(ref *model.Ref, vals []string, timeFormat string) (any, error) {
	if ref.Shape.Type != "list" {
		return ParseScalar(ref, vals[0], timeFormat)
	}
	out := make([]any, 0, len(vals))
	for _, s := range vals {
		v, err := ParseScalar(ref.Shape.Member, s, timeFormat)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// SplitHeaderList splits a comma-separated header list (RFC 7230). HTTP
// dates contain a comma themselves, so timestamp lists in that format are
// split after every second comma.
func SplitHeaderList(s string, member *model.Ref) []string {
	parts := strings.Split(s, ",")
	if member != nil && member.Shape.Type == "timestamp" && member.TimeFormat(RFC822) == RFC822 {
		var joined []string
		for i := 0; i < len(parts); i += 2 {
			if i+1 < len(parts) {
				joined = append(joined, parts[i]+","+parts[i+1])
			} else {
				joined = append(joined, parts[i])
			}
		}
		parts = joined
	}
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if len(p) >= 2 && p[0] == '"' && p[len(p)-1] == '"' {
			if u, err := strconv.Unquote(p); err == nil {
				p = u
			}
		}
		out = append(out, p)
	}
	return out
}

// EncodeBound writes the header, headers and statusCode members of out into
// h and returns the status code to send: the statusCode member if set, else
// def.
func EncodeBound(h http.Header, s *model.Shape, out map[string]any, def int) (int, error) {
	status := def
	if s == nil {
		return status, nil
	}
	for _, m := range s.MemberNames {
		ref := s.Members[m]
		v, ok := out[m]
		if !ok || v == nil {
			continue
		}
		name := ref.Name(m)
		switch ref.Location {
		case "statusCode":
			switch n := v.(type) {
			case int64:
				status = int(n)
			case int:
				status = n
			}
		case "header":
			str, err := formatHeader(ref, v)
			if err != nil {
				return 0, fmt.Errorf("member %s: %w", m, err)
			}
			h.Set(name, str)
		case "headers":
			mv, ok := v.(map[string]any)
			if !ok {
				return 0, fmt.Errorf("member %s: %w: want a map, have %T", m, ErrType, v)
			}
			keys := make([]string, 0, len(mv))
			for k := range mv {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				str, err := FormatScalar(ref.Shape.Value, mv[k], RFC822)
				if err != nil {
					return 0, fmt.Errorf("member %s: %w", m, err)
				}
				// Written uncanonicalized: SDKs take the map key from
				// the header name as sent, and S3 sends it lower-case.
				h[strings.ToLower(name)+k] = []string{str}
			}
		}
	}
	return status, nil
}

func formatHeader(ref *model.Ref, v any) (string, error) {
	list, ok := v.([]any)
	if !ok || ref.Shape.Type != "list" {
		return FormatScalar(ref, v, RFC822)
	}
	parts := make([]string, 0, len(list))
	for _, e := range list {
		s, err := FormatScalar(ref.Shape.Member, e, RFC822)
		if err != nil {
			return "", err
		}
		if strings.ContainsAny(s, ",\"") && ref.Shape.Member.Shape.Type != "timestamp" {
			s = strconv.Quote(s)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", "), nil
}

// AsParseError reports whether err came from ParseScalar.
func AsParseError(err error) bool { return errors.Is(err, ErrType) }
