package s3

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"hakoniwa/internal/awserr"

	s3api "hakoniwa/internal/api/s3"
)

// postCall is one POST upload: its fields in order, the file, and what the
// gateway's two callbacks saw.
type postCall struct {
	fields   [][2]string
	filename string // "-" for a file part without a filename parameter
	file     string
	after    [][2]string // fields after the file, which S3 ignores

	sig     map[string]string
	input   map[string]any
	denyPut bool
}

func (e *testEnv) post(bucket string, c *postCall) (int, http.Header, []byte, error) {
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for _, f := range c.fields {
		_ = w.WriteField(f[0], f[1])
	}
	h := `form-data; name="file"; filename="` + c.filename + `"`
	if c.filename == "-" {
		h = `form-data; name="file"`
	}
	fw, _ := w.CreatePart(map[string][]string{"Content-Disposition": {h}, "Content-Type": {"image/png"}})
	_, _ = fw.Write([]byte(c.file))
	for _, f := range c.after {
		_ = w.WriteField(f[0], f[1])
	}
	_ = w.Close()
	r := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:4566/"+bucket, &body)
	r.Header.Set("Content-Type", w.FormDataContentType())
	return e.svc.PostObject(e.ctx(), r, bucket,
		func(_ context.Context, sig map[string]string) error { c.sig = sig; return nil },
		func(_ context.Context, in map[string]any) error {
			c.input = in
			if c.denyPut {
				return awserr.New(http.StatusForbidden, "AccessDenied", "Access Denied")
			}
			return nil
		})
}

// policyFields are the signature fields of a form signed with conds; the
// signature itself is the gateway's to check.
func policyFields(expiration string, conds ...any) [][2]string {
	doc, _ := json.Marshal(map[string]any{"expiration": expiration, "conditions": conds})
	return [][2]string{
		{"x-amz-algorithm", "AWS4-HMAC-SHA256"}, {"x-amz-credential", "test/20250101/us-east-1/s3/aws4_request"},
		{"x-amz-date", "20250101T000000Z"}, {"policy", base64.StdEncoding.EncodeToString(doc)}, {"x-amz-signature", "00"},
	}
}

// sigConds cover the signature fields themselves.
var sigConds = []any{
	map[string]string{"x-amz-algorithm": "AWS4-HMAC-SHA256"},
	map[string]string{"x-amz-credential": "test/20250101/us-east-1/s3/aws4_request"},
	map[string]string{"x-amz-date": "20250101T000000Z"},
}

const later = "2025-01-01T01:00:00Z"

func signedForm(fields [][2]string, conds ...any) [][2]string {
	return append(fields, policyFields(later, append(conds, sigConds...)...)...)
}

func TestPostObjectStores(t *testing.T) {
	e := newTestEnv(t)
	e.mustCreateBucket("upl")
	c := &postCall{filename: `C:\Users\me\photo.png`, file: "png bytes",
		fields: signedForm([][2]string{{"key", "user/1/${filename}"}, {"Content-Type", "image/png"}, {"x-amz-meta-Owner", "me"},
			{"acl", "private"}, {"tagging", "<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging>"}, {"x-ignore-note", "x"}},
			map[string]string{"bucket": "upl"}, []any{"starts-with", "$key", "user/1/"}, []any{"starts-with", "$Content-Type", "image/"},
			[]any{"eq", "$x-amz-meta-owner", "me"}, map[string]string{"acl": "private"}, []any{"starts-with", "$tagging", ""},
			[]any{"content-length-range", 1, 100}),
		after: [][2]string{{"submit", "Upload"}}}
	status, h, body, err := e.post("upl", c)
	if err != nil || status != http.StatusNoContent || len(body) != 0 {
		t.Fatalf("post: %d %q %v", status, body, err)
	}
	if h.Get("ETag") != `"`+md5HexOf("png bytes")+`"` || h.Get("Location") != "http://127.0.0.1:4566/upl/user%2F1%2Fphoto.png" {
		t.Errorf("headers %v", h)
	}
	if c.sig["policy"] == "" || c.sig["x-amz-signature"] != "00" {
		t.Errorf("authenticate saw %v", c.sig)
	}
	if c.input["Key"] != "user/1/photo.png" || c.input["ACL"] != "private" || c.input["Tagging"] != "k=v" {
		t.Errorf("authorize saw %v", c.input)
	}
	if got := e.getBody("upl", "user/1/photo.png"); got != "png bytes" {
		t.Errorf("body %q", got)
	}
	head, err := e.svc.HeadObject(e.ctx(), &s3api.HeadObjectInput{Bucket: ptr("upl"), Key: ptr("user/1/photo.png")})
	if err != nil || deref(head.ContentType) != "image/png" || head.Metadata["owner"] != "me" {
		t.Errorf("head %+v %v", head, err)
	}
	tags, err := e.svc.GetObjectTagging(e.ctx(), &s3api.GetObjectTaggingInput{Bucket: ptr("upl"), Key: ptr("user/1/photo.png")})
	if err != nil || len(tags.TagSet) != 1 || deref(tags.TagSet[0].Key) != "k" {
		t.Errorf("tags %+v %v", tags, err)
	}
}

func md5HexOf(s string) string {
	sum := md5.Sum([]byte(s))
	return md5Hex(sum[:])
}

func TestPostObjectAnswers(t *testing.T) {
	e := newTestEnv(t)
	e.mustCreateBucket("upl")
	form := func(extra [2]string) *postCall {
		return &postCall{filename: "a.txt", file: "hello", fields: signedForm([][2]string{{"key", "k"}, extra},
			map[string]string{"key": "k"}, []any{"starts-with", "$" + extra[0], ""})}
	}
	status, h, body, err := e.post("upl", form([2]string{"success_action_status", "201"}))
	want := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<PostResponse><Location>http://127.0.0.1:4566/upl/k</Location><Bucket>upl</Bucket><Key>k</Key><ETag>"5d41402abc4b2a76b9719d911017c592"</ETag></PostResponse>`
	if err != nil || status != 201 || string(body) != want || h.Get("Content-Type") != "application/xml" {
		t.Errorf("201: %d %s %v", status, body, err)
	}
	status, h, _, _ = e.post("upl", form([2]string{"success_action_redirect", "https://example.com/done?x=1"}))
	if status != 303 || h.Get("Location") != "https://example.com/done?x=1&bucket=upl&key=k&etag=%225d41402abc4b2a76b9719d911017c592%22" {
		t.Errorf("303: %d %v", status, h)
	}
	for value, code := range map[string]int{"200": 200, "204": 204, "404": 204} {
		if status, _, _, _ := e.post("upl", form([2]string{"success_action_status", value})); status != code {
			t.Errorf("status %s: %d", value, status)
		}
	}
	if status, _, _, _ := e.post("upl", form([2]string{"success_action_redirect", "/relative"})); status != 204 {
		t.Errorf("relative redirect: %d", status)
	}
}

func TestPostObjectRefusals(t *testing.T) {
	key := [][2]string{{"key", "k"}}
	keyCond := map[string]string{"key": "k"}
	cases := []struct {
		name           string
		call           postCall
		code, contains string
		status         int
	}{
		{"expired", postCall{fields: append(key, policyFields("2024-12-31T23:59:59.000Z", keyCond)...)}, "AccessDenied", "Invalid according to Policy: Policy expired.", 403},
		{"eq", postCall{fields: signedForm(key, []any{"eq", "$key", "other"})}, "AccessDenied", `Invalid according to Policy: Policy Condition failed: ["eq", "$key", "other"]`, 403},
		{"simple eq", postCall{fields: signedForm(key, map[string]string{"key": "o\"ther"})}, "AccessDenied", `Policy Condition failed: ["eq", "$key", "o\"ther"]`, 403},
		{"starts-with", postCall{fields: signedForm(key, []any{"starts-with", "$key", "user/"})}, "AccessDenied", `Policy Condition failed: ["starts-with", "$key", "user/"]`, 403},
		{"absent field", postCall{fields: signedForm(key, keyCond, []any{"starts-with", "$Content-Type", ""})}, "AccessDenied", `["starts-with", "$Content-Type", ""]`, 403},
		{"no dollar", postCall{fields: signedForm(key, []any{"eq", "key", "k"})}, "AccessDenied", `["eq", "key", "k"]`, 403},
		{"content-type list", postCall{fields: signedForm(append(key, [2]string{"Content-Type", "image/png,text/plain"}), keyCond, []any{"starts-with", "$Content-Type", "image/"})}, "AccessDenied", "Policy Condition failed", 403},
		{"extra field", postCall{fields: signedForm(append(key, [2]string{"x-amz-meta-Note", "n"}), keyCond)}, "AccessDenied", "Invalid according to Policy: Extra input fields: x-amz-meta-Note", 403},
		{"too large", postCall{file: "0123456789ab", fields: signedForm(key, keyCond, []any{"content-length-range", 5, 10})}, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size", 400},
		{"too small", postCall{file: "0", fields: signedForm(key, keyCond, []any{"content-length-range", "5", "10"})}, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size", 400},
		{"range not numbers", postCall{fields: signedForm(key, keyCond, []any{"content-length-range", "test", "10"})}, "AccessDenied", `["content-length-range", "test", "10"]`, 403},
		{"range float", postCall{fields: signedForm(key, keyCond, []any{"content-length-range", 0, 512.5})}, "InvalidPolicyDocument", "Invalid Policy: Invalid JSON.", 400},
		{"range arity", postCall{fields: signedForm(key, keyCond, []any{"content-length-range", 0})}, "InvalidPolicyDocument", "wrong number of arguments", 400},
		{"two properties", postCall{fields: signedForm(key, map[string]string{"key": "k", "acl": "private"})}, "InvalidPolicyDocument", "Simple-Conditions must have exactly one property specified.", 400},
		{"empty condition", postCall{fields: signedForm(key, map[string]string{})}, "InvalidPolicyDocument", "exactly one property", 400},
		{"number value", postCall{fields: signedForm(key, map[string]any{"key": 5})}, "InvalidPolicyDocument", "value must be a string.", 400},
		{"unknown op", postCall{fields: signedForm(key, []any{"ends-with", "$key", "k"})}, "InvalidPolicyDocument", "unknown operation 'ends-with'", 400},
		{"missing key", postCall{fields: signedForm(nil, keyCond), after: key}, "InvalidArgument", "Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.", 400},
		{"missing signature", postCall{fields: append(key, policyFields(later, keyCond)[:3]...)}, "InvalidArgument", "Bucket POST must contain a field named 'X-Amz-Signature'.  If it is specified, please check the order of the fields.", 400},
		{"user denied", postCall{denyPut: true, fields: signedForm(key, keyCond)}, "AccessDenied", "Access Denied", 403},
		{"bad tagging", postCall{fields: signedForm(append(key, [2]string{"tagging", "not-xml"}), keyCond, []any{"starts-with", "$tagging", ""})}, "MalformedXML", "not well-formed", 400},
		{"bad storage class", postCall{fields: signedForm(append(key, [2]string{"x-amz-storage-class", "FakeClass"}), keyCond, []any{"starts-with", "$x-amz-storage-class", ""})}, "InvalidStorageClass", "", 400},
		{"bad checksum", postCall{fields: signedForm(append(key, [2]string{"x-amz-checksum-sha256", "aTL9MeXa9HObn6eP93eygxsJlcwdCwCTysgGAZAgE7w="}), keyCond, []any{"starts-with", "$x-amz-checksum-sha256", ""})}, "BadDigest", "", 400},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newTestEnv(t)
			e.mustCreateBucket("upl")
			c.call.filename = "f"
			if c.call.file == "" {
				c.call.file = "data"
			}
			before := e.blobCount()
			_, _, _, err := e.post("upl", &c.call)
			ae := awserr.As(err)
			if err == nil || ae.Code != c.code || ae.Status != c.status || !strings.Contains(ae.Message, c.contains) {
				t.Fatalf("got %v (%d), want %s %q", err, errStatus(err), c.code, c.contains)
			}
			if e.blobCount() != before || e.keys("upl") != "" {
				t.Errorf("a refused upload left %d blobs, keys %q", e.blobCount()-before, e.keys("upl"))
			}
		})
	}
}

func TestPostObjectSizeDetails(t *testing.T) {
	e := newTestEnv(t)
	e.mustCreateBucket("upl")
	_, _, _, err := e.post("upl", &postCall{filename: "f", file: "0123456789ab", fields: signedForm([][2]string{{"key", "k"}}, map[string]string{"key": "k"}, []any{"content-length-range", 5, 10})})
	if ae := awserr.As(err); ae.Fields["ProposedSize"] != "12" || ae.Fields["MaxSizeAllowed"] != "10" {
		t.Errorf("too large: %v %v", err, ae.Fields)
	}
	for _, body := range []string{"01234", "0123456789"} {
		if _, _, _, err := e.post("upl", &postCall{filename: "f", file: body, fields: signedForm([][2]string{{"key", "k"}}, map[string]string{"key": "k"}, []any{"content-length-range", 5, 10})}); err != nil {
			t.Errorf("%d bytes, bounds inclusive: %v", len(body), err)
		}
	}
}

func TestPostObjectForms(t *testing.T) {
	e := newTestEnv(t)
	e.mustCreateBucket("upl")
	// Anonymous: no signature fields at all, a policy alone included.
	c := &postCall{filename: "a", file: "x", fields: [][2]string{{"key", "anon"}, {"policy", "garbage"}}}
	if _, _, _, err := e.post("upl", c); err != nil || c.sig != nil {
		t.Errorf("anonymous: %v, sig %v", err, c.sig)
	}
	// Field names are case-insensitive; a file part without a filename
	// keeps ${filename} as it is.
	c = &postCall{filename: "-", file: "x", fields: signedForm([][2]string{{"KEY", "lit-${filename}"}}, []any{"starts-with", "$Key", "lit-"})}
	if _, _, _, err := e.post("upl", c); err != nil || e.getBody("upl", "lit-${filename}") != "x" {
		t.Errorf("literal ${filename}: %v", err)
	}
	// Fields joined with commas; Content-Type values each match.
	c = &postCall{filename: "a", file: "x", fields: signedForm([][2]string{{"key", "ct"}, {"Content-Type", "image/png, image/gif"}},
		map[string]string{"key": "ct"}, []any{"starts-with", "$content-type", "image/"})}
	if _, _, _, err := e.post("upl", c); err != nil {
		t.Errorf("content-type list: %v", err)
	}
	// Signature Version 2: AWSAccessKeyId and signature, covered by no condition.
	v2 := [][2]string{{"key", "v2"}, {"AWSAccessKeyId", "test"}, {"policy", policyFields(later, map[string]string{"key": "v2"})[3][1]}}
	c = &postCall{filename: "a", file: "x", fields: append(v2, [2]string{"signature", "c2ln"})}
	if _, _, _, err := e.post("upl", c); err != nil || c.sig["awsaccesskeyid"] != "test" || c.sig["signature"] != "c2ln" {
		t.Errorf("v2: %v %v", err, c.sig)
	}
	if _, _, _, err := e.post("upl", &postCall{filename: "a", file: "x", fields: v2}); !strings.Contains(fmt.Sprint(err), "field named 'Signature'") {
		t.Errorf("v2 without signature: %v", err)
	}
	if _, _, _, err := e.post("nope", &postCall{filename: "a", file: "x", fields: [][2]string{{"key", "k"}}}); errCode(err) != "NoSuchBucket" {
		t.Errorf("missing bucket: %v", err)
	}
}

func TestPostObjectBadBodies(t *testing.T) {
	e := newTestEnv(t)
	e.mustCreateBucket("upl")
	call := func(ct, body string) error {
		r := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:4566/upl", strings.NewReader(body))
		if ct != "" {
			r.Header.Set("Content-Type", ct)
		}
		_, _, _, err := e.svc.PostObject(e.ctx(), r, "upl", func(context.Context, map[string]string) error { return nil },
			func(context.Context, map[string]any) error { return nil })
		return err
	}
	part := func(name, value string) string {
		return "--b\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + "\r\n"
	}
	cases := []struct{ name, ct, body, code string }{
		{"urlencoded", "application/x-www-form-urlencoded", "key=k", "PreconditionFailed"},
		{"no type", "", "", "PreconditionFailed"},
		{"no boundary", "multipart/form-data", "", "MalformedPOSTRequest"},
		{"garbage", "multipart/form-data; boundary=b", "garbage", "MalformedPOSTRequest"},
		{"bad disposition", "multipart/form-data; boundary=b", "--b\r\nContent-Disposition: ;;\r\n\r\nx\r\n--b--\r\n", "MalformedPOSTRequest"},
		{"cut short", "multipart/form-data; boundary=b", part("key", "k") + "--b\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nabc", "MalformedPOSTRequest"},
		{"no file", "multipart/form-data; boundary=b", part("key", "k") + "--b--\r\n", "InvalidArgument"},
		{"huge fields", "multipart/form-data; boundary=b", part("key", "k") + part("x-ignore-a", strings.Repeat("a", maxPostPreData)) + "--b--\r\n", "MaxPostPreDataLengthExceeded"},
	}
	for _, c := range cases {
		if err := call(c.ct, c.body); errCode(err) != c.code {
			t.Errorf("%s: %v, want %s", c.name, err, c.code)
		}
	}
	if e.keys("upl") != "" {
		t.Errorf("keys %q", e.keys("upl"))
	}
}

// FuzzPostPolicy: no policy document, however broken, panics the parser
// or the check, and every refusal is an AWS error.
func FuzzPostPolicy(f *testing.F) {
	f.Add(`{"expiration":"2025-01-01T01:00:00Z","conditions":[{"key":"k"},["starts-with","$key",""],["content-length-range",1,"2"]]}`)
	f.Add(`{"expiration":5,"conditions":[[],{},null,[1,2,3],["eq"]]}`)
	f.Fuzz(func(t *testing.T, doc string) {
		p, err := parsePostPolicy(base64.StdEncoding.EncodeToString([]byte(doc)))
		if err != nil {
			if errCode(err) != "InvalidPolicyDocument" {
				t.Fatalf("%q: %v", doc, err)
			}
			return
		}
		form := &postForm{byName: map[string]string{"key": "k"}, fields: []postField{{"key", "k"}}}
		if err := p.check(p.expiration.Add(-1), "b", form); err != nil && errCode(err) != "AccessDenied" {
			t.Fatalf("%q: %v", doc, err)
		}
		p.sizeRange()
	})
}
