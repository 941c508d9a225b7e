package rest_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/model"
	"hakoniwa/internal/protocol"
	"hakoniwa/internal/protocol/protocoltest"
	"hakoniwa/internal/protocol/rest"
)

func TestDecodeBoundS3(t *testing.T) {
	svc, err := models.Load("s3")
	if err != nil {
		t.Fatal(err)
	}
	hr := httptest.NewRequest("PUT", "/bkt/photos/cat%20one.jpg?versionId=ignored", nil)
	hr.Header.Set("Content-Length", "42")
	hr.Header.Set("X-Amz-Meta-Owner", "alice")
	hr.Header.Set("x-amz-meta-Color", " blue ")
	hr.Header.Set("Expires", "Wed, 21 Oct 2015 07:28:00 GMT")
	hr.Header.Set("X-Amz-Object-Lock-Legal-Hold", "ON")
	req := &protocol.Request{HTTP: hr, Service: svc}
	op, labels, err := rest.NewRouter(svc).Match(req)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]any{}
	if err := rest.DecodeBound(req, op, labels, out, nil); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"Bucket":                    "bkt",
		"Key":                       "photos/cat one.jpg",
		"ContentLength":             int64(42),
		"Metadata":                  map[string]any{"owner": "alice", "color": "blue"},
		"Expires":                   "Wed, 21 Oct 2015 07:28:00 GMT", // a string in current models
		"ObjectLockLegalHoldStatus": "ON",
	}
	if err := protocoltest.Equal(want, out); err != nil {
		t.Fatal(err)
	}
}

func TestDecodeBoundParseErrors(t *testing.T) {
	svc, err := models.Load("s3")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		target string
		header [2]string
		param  string
	}{
		{"/bkt?list-type=2&max-keys=ten", [2]string{}, "max-keys"},
		{"/bkt?list-type=2&fetch-owner=maybe", [2]string{}, "fetch-owner"},
		{"/bkt?list-type=2&max-keys=99999999999", [2]string{}, "max-keys"},
		{"/bkt/k?partNumber=1&uploadId=u", [2]string{"Content-Length", "x"}, "Content-Length"},
		{"/bkt/k", [2]string{"If-Modified-Since", "yesterday"}, "If-Modified-Since"},
	}
	for _, tc := range tests {
		method := "GET"
		if tc.header[0] == "Content-Length" {
			method = "PUT"
		}
		hr := httptest.NewRequest(method, tc.target, nil)
		if tc.header[0] != "" {
			hr.Header.Set(tc.header[0], tc.header[1])
		}
		req := &protocol.Request{HTTP: hr, Service: svc}
		op, labels, err := rest.NewRouter(svc).Match(req)
		if err != nil {
			t.Fatal(err)
		}
		var gotParam string
		perr := func(member, wire, value string, err error) *awserr.Error {
			gotParam = wire
			if !errors.Is(err, rest.ErrType) {
				t.Errorf("%s: error %v does not wrap ErrType", tc.target, err)
			}
			return awserr.New(http.StatusBadRequest, "InvalidArgument", "bad")
		}
		err = rest.DecodeBound(req, op, labels, map[string]any{}, perr)
		var ae *awserr.Error
		if !errors.As(err, &ae) || ae.Code != "InvalidArgument" {
			t.Errorf("%s: err = %v, want InvalidArgument", tc.target, err)
		}
		if gotParam != tc.param {
			t.Errorf("%s: failing param %q, want %q", tc.target, gotParam, tc.param)
		}
	}
}

func TestEncodeBound(t *testing.T) {
	svc, err := models.Load("s3")
	if err != nil {
		t.Fatal(err)
	}
	op := svc.Operation("GetObject")
	h := http.Header{}
	out := map[string]any{
		"ContentLength": int64(5),
		"LastModified":  time.Date(2024, 2, 3, 4, 5, 6, 0, time.UTC),
		"Metadata":      map[string]any{"owner": "alice"},
		"ETag":          `"abc"`,
		"DeleteMarker":  true,
	}
	status, err := rest.EncodeBound(h, op.Output.Shape, out, 200)
	if err != nil || status != 200 {
		t.Fatalf("status %d err %v", status, err)
	}
	want := map[string]string{
		"Content-Length":      "5",
		"Last-Modified":       "Sat, 03 Feb 2024 04:05:06 GMT",
		"Etag":                `"abc"`,
		"X-Amz-Delete-Marker": "true",
	}
	if got := h["x-amz-meta-owner"]; len(got) != 1 || got[0] != "alice" {
		t.Errorf("metadata header = %v, want x-amz-meta-owner: alice", got)
	}
	for k, v := range want {
		if got := h.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
}

func TestScalarsRoundTrip(t *testing.T) {
	shape := func(typ string) *model.Ref { return &model.Ref{Shape: &model.Shape{Type: typ}} }
	tests := []struct {
		ref  *model.Ref
		text string
		val  any
	}{
		{shape("boolean"), "true", true},
		{shape("integer"), "-7", int64(-7)},
		{shape("long"), "9007199254740993", int64(9007199254740993)},
		{shape("double"), "1.5", 1.5},
		{shape("double"), "Infinity", nil},
		{shape("blob"), "aGk=", []byte("hi")},
		{shape("timestamp"), "2015-01-25T08:00:00Z", time.Unix(1422172800, 0).UTC()},
		{&model.Ref{Shape: &model.Shape{Type: "string"}, JSONValue: true}, "eyJhIjoxfQ==", map[string]any{"a": 1.0}},
	}
	for _, tc := range tests {
		v, err := rest.ParseScalar(tc.ref, tc.text, rest.ISO8601)
		if err != nil {
			t.Errorf("parse %q: %v", tc.text, err)
			continue
		}
		if tc.val != nil {
			if err := protocoltest.Equal(tc.val, v); err != nil {
				t.Errorf("parse %q: %v", tc.text, err)
			}
		}
		back, err := rest.FormatScalar(tc.ref, v, rest.ISO8601)
		if err != nil || back != tc.text {
			t.Errorf("format %v = %q (%v), want %q", v, back, err, tc.text)
		}
	}
	for _, bad := range []struct{ typ, text string }{
		{"integer", "2147483648"}, {"integer", "1.0"}, {"boolean", "yes"},
		{"double", "0x10"}, {"double", "inf"}, {"timestamp", "soon"}, {"blob", "!!"},
	} {
		if _, err := rest.ParseScalar(shape(bad.typ), bad.text, rest.ISO8601); !errors.Is(err, rest.ErrType) {
			t.Errorf("ParseScalar(%s, %q) err = %v, want ErrType", bad.typ, bad.text, err)
		}
	}
}

func TestTimestamps(t *testing.T) {
	ref := time.Date(2015, 1, 25, 8, 0, 0, 0, time.UTC)
	for _, s := range []string{
		"2015-01-25T08:00:00Z", "2015-01-25T08:00:00.000Z", "2015-01-25T10:00:00+02:00",
		"1422172800", "1422172800.000", "Sun, 25 Jan 2015 08:00:00 GMT",
	} {
		got, err := rest.ParseTime(s, rest.ISO8601)
		if err != nil || !got.Equal(ref) {
			t.Errorf("ParseTime(%q) = %v, %v", s, got, err)
		}
	}
	frac := ref.Add(250 * time.Millisecond)
	for format, want := range map[string]string{
		rest.ISO8601: "2015-01-25T08:00:00.250Z",
		rest.Unix:    "1422172800.25",
		rest.RFC822:  "Sun, 25 Jan 2015 08:00:00 GMT",
	} {
		if got := rest.FormatTime(frac, format); got != want {
			t.Errorf("FormatTime(%s) = %q, want %q", format, got, want)
		}
	}
}
