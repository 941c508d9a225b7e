package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
)

// docKeys are the model keys that only feed documentation. Everything else
// is kept, so codecs and the validator see every trait.
var docKeys = map[string]bool{
	"documentation":    true,
	"documentationUrl": true,
	"examples":         true,
}

// scope says where in a service-2.json an object sits. Keys of name maps
// (the operation and shape tables, a structure's members) are names chosen
// by AWS and must never be mistaken for doc keys.
type scope int

const (
	scopeRoot scope = iota
	scopeNames
	scopeShape
	scopeOther
)

// minifyModel drops documentation from a model and re-emits it compact,
// preserving key order: member order is meaningful to XML and query
// serializers.
func minifyModel(src []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(src))
	dec.UseNumber()
	var out bytes.Buffer
	if err := copyValue(dec, &out, scopeRoot); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("trailing data after model")
	}
	return out.Bytes(), nil
}

func copyValue(dec *json.Decoder, out *bytes.Buffer, sc scope) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			return copyObject(dec, out, sc)
		case '[':
			out.WriteByte('[')
			for i := 0; dec.More(); i++ {
				if i > 0 {
					out.WriteByte(',')
				}
				if err := copyValue(dec, out, scopeOther); err != nil {
					return err
				}
			}
			_, err := dec.Token()
			out.WriteByte(']')
			return err
		}
		return fmt.Errorf("unexpected %v", t)
	case string:
		return writeString(out, t)
	case json.Number:
		out.WriteString(t.String())
	case bool:
		if t {
			out.WriteString("true")
		} else {
			out.WriteString("false")
		}
	case nil:
		out.WriteString("null")
	}
	return nil
}

func copyObject(dec *json.Decoder, out *bytes.Buffer, sc scope) error {
	out.WriteByte('{')
	n := 0
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key := tok.(string)
		if sc != scopeNames && docKeys[key] {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return err
			}
			continue
		}
		if n > 0 {
			out.WriteByte(',')
		}
		n++
		if err := writeString(out, key); err != nil {
			return err
		}
		out.WriteByte(':')
		if err := copyValue(dec, out, childScope(sc, key)); err != nil {
			return err
		}
	}
	_, err := dec.Token()
	out.WriteByte('}')
	return err
}

func childScope(parent scope, key string) scope {
	switch parent {
	case scopeRoot:
		if key == "operations" || key == "shapes" {
			return scopeNames
		}
	case scopeNames:
		// An operation or a shape definition; shapes own a member map.
		return scopeShape
	case scopeShape:
		if key == "members" {
			return scopeNames
		}
	}
	return scopeOther
}

func writeString(out *bytes.Buffer, s string) error {
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	out.Write(b)
	return nil
}

// gzipBytes compresses deterministically: no name, no timestamp.
func gzipBytes(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(b); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func gunzip(b []byte) ([]byte, error) {
	if len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		return b, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}
