package restxml_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/model"
	"hakoniwa/internal/protocol"
	"hakoniwa/internal/protocol/protocoltest"
	"hakoniwa/internal/protocol/restxml"
)

var models protocoltest.Models

func load(t testing.TB, id string) *model.Service {
	t.Helper()
	svc, err := models.Load(id)
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

func TestResolveS3(t *testing.T) {
	svc := load(t, "s3")
	c := restxml.New()
	tests := []struct {
		method, target, copySource, want string
	}{
		{"GET", "/bkt?list-type=2", "", "ListObjectsV2"},
		{"GET", "/bkt", "", "ListObjects"},
		{"GET", "/bkt?acl", "", "GetBucketAcl"},
		{"GET", "/bkt?policy", "", "GetBucketPolicy"},
		{"GET", "/bkt/acl", "", "GetObject"},
		{"PUT", "/bkt/k", "", "PutObject"},
		{"PUT", "/bkt/k", "/src/k", "CopyObject"},
	}
	for _, tc := range tests {
		hr := httptest.NewRequest(tc.method, tc.target, nil)
		if tc.copySource != "" {
			hr.Header.Set("X-Amz-Copy-Source", tc.copySource)
		}
		op, err := c.Resolve(&protocol.Request{HTTP: hr, Service: svc})
		if err != nil || op.Name != tc.want {
			t.Errorf("%s %s: %v %v, want %s", tc.method, tc.target, op, err, tc.want)
		}
	}
	hr := httptest.NewRequest("PATCH", "/bkt/k", nil)
	_, err := c.Resolve(&protocol.Request{HTTP: hr, Service: svc})
	var ae *awserr.Error
	if !errors.As(err, &ae) || ae.Code != "MethodNotAllowed" || ae.Status != 405 {
		t.Errorf("PATCH: %v", err)
	}
	r53 := load(t, "route53")
	_, err = c.Resolve(&protocol.Request{HTTP: httptest.NewRequest("GET", "/nope", nil), Service: r53})
	if !errors.As(err, &ae) || ae.Status != 404 {
		t.Errorf("route53 miss: %v", err)
	}
}

func TestPutObjectDecode(t *testing.T) {
	svc := load(t, "s3")
	c := restxml.New()
	hr := httptest.NewRequest("PUT", "/bkt/dir/hello%20world.txt", strings.NewReader("hello bytes"))
	hr.Header.Set("Content-Type", "text/plain")
	hr.Header.Set("X-Amz-Meta-Owner", "alice")
	hr.Header.Set("X-Amz-Meta-Project", "hakoniwa")
	hr.Header.Set("Content-Length", "11")
	hr.Header.Set("X-Amz-Storage-Class", "STANDARD_IA")
	req := &protocol.Request{HTTP: hr, Service: svc}
	op, err := c.Resolve(req)
	if err != nil || op.Name != "PutObject" {
		t.Fatalf("%v %v", op, err)
	}
	in, err := c.Decode(req, op)
	if err != nil {
		t.Fatal(err)
	}
	body, ok := in["Body"].(io.Reader)
	if !ok {
		t.Fatalf("Body is %T, want a stream", in["Body"])
	}
	want := map[string]any{
		"Bucket": "bkt", "Key": "dir/hello world.txt", "ContentType": "text/plain", "ContentLength": int64(11),
		"StorageClass": "STANDARD_IA", "Metadata": map[string]any{"owner": "alice", "project": "hakoniwa"},
		"Body": []byte("hello bytes"),
	}
	in["Body"] = body
	if err := protocoltest.Equal(want, in); err != nil {
		t.Fatal(err)
	}
}

func TestXMLBodyDecode(t *testing.T) {
	svc := load(t, "s3")
	c := restxml.New()
	doc := `<?xml version="1.0" encoding="UTF-8"?>
<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Object><Key>a.txt</Key></Object><Object><Key>b/c.txt</Key><VersionId>v1</VersionId></Object><Quiet>true</Quiet></Delete>`
	hr := httptest.NewRequest("POST", "/bkt?delete", strings.NewReader(doc))
	req := &protocol.Request{HTTP: hr, Service: svc}
	op, err := c.Resolve(req)
	if err != nil || op.Name != "DeleteObjects" {
		t.Fatalf("%v %v", op, err)
	}
	in, err := c.Decode(req, op)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"Bucket": "bkt", "Delete": map[string]any{
		"Objects": []any{map[string]any{"Key": "a.txt"}, map[string]any{"Key": "b/c.txt", "VersionId": "v1"}},
		"Quiet":   true,
	}}
	if err := protocoltest.Equal(want, in); err != nil {
		t.Fatal(err)
	}

	for _, bad := range []struct{ body, code string }{
		{"<Delete><Object>", "MalformedXML"},
		{"<Delete><Quiet>yes</Quiet></Delete>", "InvalidArgument"},
		{"<a/><b/>", "MalformedXML"},
		{strings.Repeat("<a>", 200), "MalformedXML"},
	} {
		hr := httptest.NewRequest("POST", "/bkt?delete", strings.NewReader(bad.body))
		req := &protocol.Request{HTTP: hr, Service: svc}
		_, err := c.Decode(req, op)
		var ae *awserr.Error
		if !errors.As(err, &ae) || ae.Code != bad.code || ae.Status != 400 {
			t.Errorf("%.30s: err %v, want %s", bad.body, err, bad.code)
		}
	}
}

func TestRoute53RoundTrip(t *testing.T) {
	svc := load(t, "route53")
	c := restxml.New()
	doc := `<?xml version="1.0" encoding="UTF-8"?>
<ChangeResourceRecordSetsRequest xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><ChangeBatch><Changes><Change><Action>UPSERT</Action><ResourceRecordSet><Name>www.example.com</Name><Type>A</Type><TTL>300</TTL><ResourceRecords><ResourceRecord><Value>192.0.2.1</Value></ResourceRecord></ResourceRecords></ResourceRecordSet></Change></Changes></ChangeBatch></ChangeResourceRecordSetsRequest>`
	hr := httptest.NewRequest("POST", "/2013-04-01/hostedzone/Z1D633PJN98FT9/rrset/", strings.NewReader(doc))
	req := &protocol.Request{HTTP: hr, Service: svc, RequestID: "r53-req"}
	op, err := c.Resolve(req)
	if err != nil {
		t.Fatal(err)
	}
	in, err := c.Decode(req, op)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"HostedZoneId": "Z1D633PJN98FT9", "ChangeBatch": map[string]any{"Changes": []any{map[string]any{
		"Action": "UPSERT", "ResourceRecordSet": map[string]any{"Name": "www.example.com", "Type": "A", "TTL": int64(300),
			"ResourceRecords": []any{map[string]any{"Value": "192.0.2.1"}}}}}}}
	if err := protocoltest.Equal(want, in); err != nil {
		t.Fatal(err)
	}
	out := map[string]any{"ChangeInfo": map[string]any{"Id": "/change/C1", "Status": "PENDING",
		"SubmittedAt": time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}}
	rec := httptest.NewRecorder()
	if err := c.Encode(rec, req, op, out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rec.Body.String(), `xmlns="https://route53.amazonaws.com/doc/2013-04-01/"`) {
		t.Errorf("namespace missing: %s", rec.Body)
	}
	parsed := protocoltest.BotocoreParse(t, "route53", "ChangeResourceRecordSets", "", rec.Code, rec.Header(), rec.Body.Bytes())
	ci, _ := parsed["ChangeInfo"].(map[string]any)
	if ci["Status"] != "PENDING" || ci["SubmittedAt"] != "2024-01-01T00:00:00+00:00" {
		t.Errorf("parsed %v", parsed)
	}
	if md, _ := parsed["ResponseMetadata"].(map[string]any); md["RequestId"] != "r53-req" {
		t.Errorf("metadata %v", parsed["ResponseMetadata"])
	}
}

func TestS3OutputsParsedByBotocore(t *testing.T) {
	svc := load(t, "s3")
	c := restxml.New()
	modified := time.Date(2024, 3, 4, 5, 6, 7, 0, time.UTC)
	tests := []struct {
		op     string
		method string
		out    map[string]any
		check  func(t *testing.T, parsed map[string]any, rec *httptest.ResponseRecorder)
	}{
		{"GetObject", "GET", map[string]any{
			"Body": strings.NewReader("file contents"), "ContentLength": int64(13), "ContentType": "text/plain",
			"ETag": `"etag"`, "LastModified": modified, "Metadata": map[string]any{"owner": "alice"},
		}, func(t *testing.T, p map[string]any, rec *httptest.ResponseRecorder) {
			if p["Body"] != "file contents" || p["ContentType"] != "text/plain" || p["ETag"] != `"etag"` {
				t.Errorf("parsed %v", p)
			}
			if md, _ := p["Metadata"].(map[string]any); md["owner"] != "alice" {
				t.Errorf("metadata %v", p["Metadata"])
			}
		}},
		{"HeadObject", "HEAD", map[string]any{"ContentLength": int64(13), "LastModified": modified},
			func(t *testing.T, p map[string]any, rec *httptest.ResponseRecorder) {
				if rec.Body.Len() != 0 {
					t.Errorf("HEAD wrote a body: %q", rec.Body)
				}
				if p["LastModified"] != "2024-03-04T05:06:07+00:00" {
					t.Errorf("parsed %v", p)
				}
			}},
		{"ListObjectsV2", "GET", map[string]any{
			"Name": "bkt", "KeyCount": int64(1), "IsTruncated": false,
			"Contents": []any{map[string]any{"Key": "a&b.txt", "Size": int64(3), "LastModified": modified}},
		}, func(t *testing.T, p map[string]any, rec *httptest.ResponseRecorder) {
			cs, _ := p["Contents"].([]any)
			if len(cs) != 1 || cs[0].(map[string]any)["Key"] != "a&b.txt" || p["Name"] != "bkt" {
				t.Errorf("parsed %v", p)
			}
			if !strings.Contains(rec.Body.String(), `<ListObjectsV2Result xmlns="http://s3.amazonaws.com/doc/2006-03-01/">`) {
				t.Errorf("root: %s", rec.Body)
			}
		}},
		{"GetBucketAcl", "GET", map[string]any{
			"Owner":  map[string]any{"ID": "owner-id"},
			"Grants": []any{map[string]any{"Grantee": map[string]any{"Type": "CanonicalUser", "ID": "owner-id"}, "Permission": "FULL_CONTROL"}},
		}, func(t *testing.T, p map[string]any, rec *httptest.ResponseRecorder) {
			gs, _ := p["Grants"].([]any)
			if len(gs) != 1 {
				t.Fatalf("parsed %v", p)
			}
			g := gs[0].(map[string]any)["Grantee"].(map[string]any)
			if g["Type"] != "CanonicalUser" || g["ID"] != "owner-id" {
				t.Errorf("grantee %v", g)
			}
			if !strings.Contains(rec.Body.String(), `xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"`) {
				t.Errorf("xsi attribute missing: %s", rec.Body)
			}
		}},
		{"GetBucketPolicy", "GET", map[string]any{"Policy": `{"Version":"2012-10-17"}`},
			func(t *testing.T, p map[string]any, rec *httptest.ResponseRecorder) {
				if p["Policy"] != `{"Version":"2012-10-17"}` {
					t.Errorf("parsed %v", p)
				}
			}},
		{"CopyObject", "PUT", map[string]any{"CopyObjectResult": map[string]any{"ETag": `"e"`, "LastModified": modified}, "VersionId": "v1"},
			func(t *testing.T, p map[string]any, rec *httptest.ResponseRecorder) {
				r, _ := p["CopyObjectResult"].(map[string]any)
				if r["ETag"] != `"e"` || p["VersionId"] != "v1" {
					t.Errorf("parsed %v", p)
				}
			}},
		{"DeleteObject", "DELETE", map[string]any{},
			func(t *testing.T, p map[string]any, rec *httptest.ResponseRecorder) {
				if rec.Code != 204 || rec.Body.Len() != 0 {
					t.Errorf("status %d body %q", rec.Code, rec.Body)
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.op, func(t *testing.T) {
			op := svc.Operation(tc.op)
			hr := httptest.NewRequest(tc.method, "/bkt/k", nil)
			req := &protocol.Request{HTTP: hr, Service: svc, RequestID: "s3-req"}
			rec := httptest.NewRecorder()
			if err := c.Encode(rec, req, op, tc.out); err != nil {
				t.Fatal(err)
			}
			if rec.Header().Get("X-Amz-Request-Id") != "s3-req" || rec.Header().Get("X-Amz-Id-2") == "" {
				t.Errorf("request id headers: %v", rec.Header())
			}
			parsed := protocoltest.BotocoreParse(t, "s3", tc.op, "", rec.Code, rec.Header(), rec.Body.Bytes())
			tc.check(t, parsed, rec)
		})
	}
}

func TestErrorsParsedByBotocore(t *testing.T) {
	c := restxml.New()
	s3 := load(t, "s3")
	r53 := load(t, "route53")
	tests := []struct {
		svc    *model.Service
		op     string
		method string
		err    *awserr.Error
		field  string
	}{
		{s3, "GetObject", "GET", awserr.New(http.StatusNotFound, "NoSuchKey", "The specified key does not exist.").With("Key", "k"), "Key"},
		{s3, "GetBucketAcl", "GET", awserr.New(http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist").With("BucketName", "bkt"), "BucketName"},
		{r53, "GetHostedZone", "GET", awserr.New(http.StatusNotFound, "NoSuchHostedZone", "No hosted zone found with ID: Z1"), ""},
		{r53, "GetHostedZone", "GET", awserr.Internal(), ""},
	}
	for _, tc := range tests {
		t.Run(tc.svc.ID+"/"+tc.err.Code, func(t *testing.T) {
			req := &protocol.Request{HTTP: httptest.NewRequest(tc.method, "/", nil), Service: tc.svc, RequestID: "err-req"}
			rec := httptest.NewRecorder()
			c.EncodeError(rec, req, tc.svc.Operation(tc.op), tc.err)
			if rec.Code != tc.err.Status {
				t.Errorf("status %d", rec.Code)
			}
			parsed := protocoltest.BotocoreParse(t, tc.svc.ID, tc.op, "", rec.Code, rec.Header(), rec.Body.Bytes())
			e, _ := parsed["Error"].(map[string]any)
			if e["Code"] != tc.err.Code || e["Message"] != tc.err.Message {
				t.Errorf("parsed %v\n%s", parsed, rec.Body)
			}
			if tc.field != "" && e[tc.field] != tc.err.Fields[tc.field] {
				t.Errorf("field %s missing: %v", tc.field, e)
			}
			if md, _ := parsed["ResponseMetadata"].(map[string]any); md["RequestId"] != "err-req" {
				t.Errorf("metadata %v", parsed["ResponseMetadata"])
			}
		})
	}
	// A HEAD error has no body at all.
	req := &protocol.Request{HTTP: httptest.NewRequest("HEAD", "/bkt/k", nil), Service: s3, RequestID: "h"}
	rec := httptest.NewRecorder()
	c.EncodeError(rec, req, s3.Operation("HeadObject"), awserr.New(404, "NotFound", "Not Found"))
	if rec.Code != 404 || rec.Body.Len() != 0 {
		t.Errorf("HEAD error: %d %q", rec.Code, rec.Body)
	}
}

func FuzzRestXMLDecode(f *testing.F) {
	s3, err := models.Load("s3")
	if err != nil {
		f.Fatal(err)
	}
	r53, err := models.Load("route53")
	if err != nil {
		f.Fatal(err)
	}
	f.Add("POST", "/bkt?delete", "<Delete><Object><Key>a</Key></Object></Delete>", false)
	f.Add("PUT", "/bkt?tagging", "<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging>", false)
	f.Add("GET", "/bkt?list-type=2&max-keys=5", "", false)
	f.Add("PUT", "/bkt/k%zz?partNumber=x&uploadId=u", "", false)
	f.Add("POST", "/2013-04-01/hostedzone/Z1/rrset/", "<ChangeResourceRecordSetsRequest><ChangeBatch><Changes><Change><ResourceRecordSet><TTL>x</TTL></ResourceRecordSet></Change></Changes></ChangeBatch></ChangeResourceRecordSetsRequest>", true)
	f.Add("POST", "/2013-04-01/hostedzone", "<CreateHostedZoneRequest><![CDATA[x]]><!DOCTYPE a></CreateHostedZoneRequest>", true)
	c := restxml.New()
	f.Fuzz(func(t *testing.T, method, target, body string, route53 bool) {
		svc := s3
		if route53 {
			svc = r53
		}
		if !strings.HasPrefix(target, "/") {
			target = "/" + target
		}
		hr, err := http.NewRequest(method, "http://localhost"+target, strings.NewReader(body))
		if err != nil {
			return
		}
		req := &protocol.Request{HTTP: hr, Service: svc}
		op, err := c.Resolve(req)
		if err != nil {
			var ae *awserr.Error
			if !errors.As(err, &ae) || ae.Status >= 500 {
				t.Fatalf("Resolve: %v", err)
			}
			return
		}
		if _, err := c.Decode(req, op); err != nil {
			var ae *awserr.Error
			if !errors.As(err, &ae) || ae.Status >= 500 {
				t.Fatalf("Decode: %v", err)
			}
		}
	})
}
