package restxml_test

import (
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/protocol"
	"hakoniwa/internal/protocol/restxml"
)

// partial is an output stream as S3's GetObject returns it for a range.
type partial struct {
	*strings.Reader
	status int
	closed bool
}

func (p *partial) StatusCode() int { return p.status }
func (p *partial) Close() error    { p.closed = true; return nil }

func TestStreamStatusAndClose(t *testing.T) {
	svc := load(t, "s3")
	c := restxml.New()
	for _, method := range []string{"GET", "HEAD"} {
		body := &partial{Reader: strings.NewReader("llo"), status: http.StatusPartialContent}
		req := &protocol.Request{HTTP: httptest.NewRequest(method, "/bkt/k", nil), Service: svc, RequestID: "r"}
		rec := httptest.NewRecorder()
		out := map[string]any{"Body": body, "ContentRange": "bytes 2-4/5", "ContentLength": int64(3)}
		if err := c.Encode(rec, req, svc.Operation("GetObject"), out); err != nil {
			t.Fatal(err)
		}
		if rec.Code != http.StatusPartialContent || rec.Header().Get("Content-Range") != "bytes 2-4/5" {
			t.Errorf("%s: status %d headers %v", method, rec.Code, rec.Header())
		}
		if want := map[string]string{"GET": "llo", "HEAD": ""}[method]; rec.Body.String() != want {
			t.Errorf("%s: body %q, want %q", method, rec.Body, want)
		}
		if !body.closed {
			t.Errorf("%s: the output stream was left open", method)
		}
	}
}

func TestNotModifiedHasNoBody(t *testing.T) {
	svc := load(t, "s3")
	rec := httptest.NewRecorder()
	req := &protocol.Request{HTTP: httptest.NewRequest("GET", "/bkt/k", nil), Service: svc, RequestID: "r"}
	restxml.New().EncodeError(rec, req, svc.Operation("GetObject"), awserr.New(http.StatusNotModified, "NotModified", "Not Modified"))
	if rec.Code != http.StatusNotModified || rec.Body.Len() != 0 {
		t.Errorf("304: status %d body %q", rec.Code, rec.Body)
	}
}

func TestGetBucketLocationIsBareElement(t *testing.T) {
	svc := load(t, "s3")
	for region, want := range map[string]string{"eu-west-1": "eu-west-1", "": ""} {
		rec := httptest.NewRecorder()
		req := &protocol.Request{HTTP: httptest.NewRequest("GET", "/bkt?location", nil), Service: svc, RequestID: "r"}
		out := map[string]any{}
		if region != "" {
			out["LocationConstraint"] = region
		}
		if err := restxml.New().Encode(rec, req, svc.Operation("GetBucketLocation"), out); err != nil {
			t.Fatal(err)
		}
		var doc struct {
			XMLName xml.Name
			Text    string `xml:",chardata"`
		}
		if err := xml.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
			t.Fatalf("%v: %s", err, rec.Body)
		}
		if doc.XMLName.Local != "LocationConstraint" || doc.XMLName.Space != "http://s3.amazonaws.com/doc/2006-03-01/" || doc.Text != want {
			t.Errorf("region %q: %s", region, rec.Body)
		}
	}
}

func TestStreamingInputCarriesTrailers(t *testing.T) {
	svc := load(t, "s3")
	c := restxml.New()
	hr := httptest.NewRequest("PUT", "/bkt/k", strings.NewReader("data"))
	hr.Trailer = http.Header{"X-Amz-Checksum-Crc32": nil}
	req := &protocol.Request{HTTP: hr, Service: svc}
	op, err := c.Resolve(req)
	if err != nil {
		t.Fatal(err)
	}
	in, err := c.Decode(req, op)
	if err != nil {
		t.Fatal(err)
	}
	tr, ok := in["Body"].(interface{ Trailer() http.Header })
	if !ok {
		t.Fatalf("Body is %T, which gives no trailers", in["Body"])
	}
	// The map is the request's own, filled as the body ends.
	hr.Trailer.Set("X-Amz-Checksum-Crc32", "AAAAAA==")
	if tr.Trailer().Get("X-Amz-Checksum-Crc32") != "AAAAAA==" {
		t.Errorf("trailers %v", tr.Trailer())
	}
}

func TestHeadObjectRangeIsPartial(t *testing.T) {
	svc := load(t, "s3")
	for rng, want := range map[string]int{"bytes 2-4/5": http.StatusPartialContent, "": http.StatusOK} {
		rec := httptest.NewRecorder()
		req := &protocol.Request{HTTP: httptest.NewRequest("HEAD", "/bkt/k", nil), Service: svc, RequestID: "r"}
		out := map[string]any{"ContentLength": int64(3)}
		if rng != "" {
			out["ContentRange"] = rng
		}
		if err := restxml.New().Encode(rec, req, svc.Operation("HeadObject"), out); err != nil {
			t.Fatal(err)
		}
		if rec.Code != want || rec.Header().Get("Content-Length") != "3" || rec.Body.Len() != 0 {
			t.Errorf("range %q: status %d headers %v", rng, rec.Code, rec.Header())
		}
	}
}

func TestErrorHeaders(t *testing.T) {
	svc := load(t, "s3")
	for _, method := range []string{"GET", "HEAD"} {
		rec := httptest.NewRecorder()
		req := &protocol.Request{HTTP: httptest.NewRequest(method, "/bkt/k", nil), Service: svc, RequestID: "r"}
		e := awserr.New(http.StatusNotFound, "NoSuchKey", "The specified key does not exist.").WithHeader("x-amz-delete-marker", "true")
		restxml.New().EncodeError(rec, req, svc.Operation("GetObject"), e)
		if rec.Code != http.StatusNotFound || rec.Header().Get("X-Amz-Delete-Marker") != "true" {
			t.Errorf("%s: status %d headers %v", method, rec.Code, rec.Header())
		}
		if (method == "HEAD") != (rec.Body.Len() == 0) {
			t.Errorf("%s: body %q", method, rec.Body)
		}
	}
}
