// Package protocoltest runs AWS's SDK protocol test vectors against the
// server side of hakoniwa's codecs. The vectors are written for clients
// (params → wire for input, wire → params for output); the harness turns
// them around: an input case becomes an HTTP request to Resolve and Decode,
// an output case becomes params to Encode. Everything here is shared by the
// XML-family and JSON-family codec tests.
package protocoltest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"hakoniwa/internal/model"
)

// Suite is one entry of a vector file: a model fragment and its cases.
type Suite struct {
	Description string                      `json:"description"`
	Metadata    json.RawMessage             `json:"metadata"`
	Shapes      map[string]*json.RawMessage `json:"shapes"`
	Cases       []Case                      `json:"cases"`
}

// Case is one vector. Input files fill Params and Serialized; output files
// fill Result and Response.
type Case struct {
	Given      json.RawMessage `json:"given"`
	Params     json.RawMessage `json:"params"`
	Serialized *Serialized     `json:"serialized"`
	Result     json.RawMessage `json:"result"`
	Response   *Response       `json:"response"`
}

// Serialized is the wire form of an input case.
type Serialized struct {
	Method         string            `json:"method"`
	URI            string            `json:"uri"`
	Headers        map[string]string `json:"headers"`
	Body           string            `json:"body"`
	Host           string            `json:"host"`
	ForbidHeaders  []string          `json:"forbidHeaders"`
	RequireHeaders []string          `json:"requireHeaders"`
}

// Response is the wire form of an output case.
type Response struct {
	StatusCode int               `json:"status_code"`
	Headers    map[string]string `json:"headers"`
	Body       string            `json:"body"`
}

// Load reads a vector file.
func Load(path string) ([]Suite, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var suites []Suite
	if err := json.Unmarshal(b, &suites); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return suites, nil
}

// RepoFile finds rel (e.g. "models/protocol_tests") by walking up from the
// working directory, so tests run from any package directory.
func RepoFile(rel string) (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(dir, rel)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("%s not found above the working directory", rel)
		}
		dir = parent
	}
}

// LoadVectors loads models/protocol_tests/<kind>/<protocol>.json, kind being
// "input" or "output".
func LoadVectors(kind, protocol string) ([]Suite, error) {
	p, err := RepoFile(filepath.Join("models", "protocol_tests", kind, protocol+".json"))
	if err != nil {
		return nil, err
	}
	return Load(p)
}

// Name is a stable, readable test name for case i of the suite.
func (s *Suite) Name(i int) string {
	return fmt.Sprintf("%s/%d", strings.ReplaceAll(s.Description, " ", "_"), i)
}

// Build links case c against the suite's shapes and wraps the operation in
// a one-operation service carrying the suite's metadata, so Resolve can find
// it the way it finds a real one.
//
// Some vectors put traits on shapes that botocore merges into every
// reference (location, locationName of header maps, resultWrapper), while
// package model reads them from references only; Build hoists them onto the
// references first, as botocore's shape resolver does.
func (s *Suite) Build(c *Case) (*model.Service, *model.Operation, error) {
	shapes, given, err := hoist(s.Shapes, c.Given)
	if err != nil {
		return nil, nil, err
	}
	linked, err := model.ParseShapes(shapes)
	if err != nil {
		return nil, nil, err
	}
	var ro model.RawOperation
	if err := json.Unmarshal(given, &ro); err != nil {
		return nil, nil, fmt.Errorf("given: %w", err)
	}
	op, err := model.BuildOperation(linked, ro)
	if err != nil {
		return nil, nil, err
	}
	if op.Name == "" {
		op.Name = "OperationName"
	}
	svc := &model.Service{
		ID:             "protocoltest",
		Operations:     map[string]*model.Operation{op.Name: op},
		OperationNames: []string{op.Name},
		Shapes:         linked,
	}
	if err := json.Unmarshal(s.Metadata, &svc.Metadata); err != nil {
		return nil, nil, fmt.Errorf("metadata: %w", err)
	}
	return svc, op, nil
}

// hoistedTraits are the shape-level traits copied onto references.
var hoistedTraits = []string{"location", "resultWrapper"}

func hoist(raw map[string]*json.RawMessage, givenRaw json.RawMessage) (map[string]*json.RawMessage, json.RawMessage, error) {
	shapes := map[string]map[string]any{}
	for name, b := range raw {
		var m map[string]any
		if err := json.Unmarshal(*b, &m); err != nil {
			return nil, nil, fmt.Errorf("shape %s: %w", name, err)
		}
		shapes[name] = m
	}
	fix := func(ref map[string]any) {
		target := shapes[fmt.Sprint(ref["shape"])]
		if target == nil {
			return
		}
		for _, t := range hoistedTraits {
			v, ok := target[t]
			if _, set := ref[t]; ok && !set {
				ref[t] = v
				if t == "location" {
					if ln, ok := target["locationName"]; ok {
						if _, set := ref["locationName"]; !set {
							ref["locationName"] = ln
						}
					}
				}
			}
		}
	}
	for _, sh := range shapes {
		if members, ok := sh["members"].(map[string]any); ok {
			for _, r := range members {
				if ref, ok := r.(map[string]any); ok {
					fix(ref)
				}
			}
		}
		for _, k := range []string{"member", "key", "value"} {
			if ref, ok := sh[k].(map[string]any); ok {
				fix(ref)
			}
		}
	}
	var given map[string]any
	if err := json.Unmarshal(givenRaw, &given); err != nil {
		return nil, nil, fmt.Errorf("given: %w", err)
	}
	for _, k := range []string{"input", "output"} {
		if ref, ok := given[k].(map[string]any); ok {
			fix(ref)
		}
	}
	out := make(map[string]*json.RawMessage, len(shapes))
	for name, sh := range shapes {
		b, err := marshalOrdered(raw[name], sh)
		if err != nil {
			return nil, nil, err
		}
		rm := json.RawMessage(b)
		out[name] = &rm
	}
	g, err := json.Marshal(given)
	if err != nil {
		return nil, nil, err
	}
	return out, g, nil
}

// marshalOrdered re-encodes a shape after hoisting while keeping the
// original member order, which XML and query serializers depend on: the
// "members" object is rewritten in place, key by key, from the original.
func marshalOrdered(orig *json.RawMessage, sh map[string]any) ([]byte, error) {
	members, ok := sh["members"].(map[string]any)
	if !ok {
		return json.Marshal(sh)
	}
	order, err := memberOrder(*orig)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.WriteString(`{"members":{`)
	for i, name := range order {
		if i > 0 {
			buf.WriteByte(',')
		}
		k, _ := json.Marshal(name)
		v, err := json.Marshal(members[name])
		if err != nil {
			return nil, err
		}
		buf.Write(k)
		buf.WriteByte(':')
		buf.Write(v)
	}
	buf.WriteByte('}')
	for k, v := range sh {
		if k == "members" {
			continue
		}
		kb, _ := json.Marshal(k)
		vb, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		buf.WriteByte(',')
		buf.Write(kb)
		buf.WriteByte(':')
		buf.Write(vb)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

func memberOrder(b []byte) ([]string, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(top["members"]))
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	var names []string
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		name, ok := t.(string)
		if !ok {
			return nil, errors.New("members: bad key")
		}
		names = append(names, name)
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, err
		}
	}
	return names, nil
}

// Request builds the server-side view of an input case. method is used when
// the vector does not name one (query vectors leave it to the operation's
// http trait, defaulting to POST).
func (s *Serialized) Request(method string) (*http.Request, error) {
	if s.Method != "" {
		method = s.Method
	}
	if method == "" {
		method = http.MethodPost
	}
	host := s.Host
	if host == "" {
		host = "service.region.amazonaws.com"
	}
	uri := s.URI
	if uri == "" {
		uri = "/"
	}
	req, err := http.NewRequest(method, "http://"+host+uri, io.NopCloser(strings.NewReader(s.Body)))
	if err != nil {
		return nil, err
	}
	req.ContentLength = int64(len(s.Body))
	req.RequestURI = uri
	for k, v := range s.Headers {
		req.Header.Set(k, v)
	}
	return req, nil
}
