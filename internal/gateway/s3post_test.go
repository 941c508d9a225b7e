package gateway

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"hakoniwa/internal/api"
	"hakoniwa/internal/clock"
	"hakoniwa/internal/ids"
	"hakoniwa/internal/protocol"
	"hakoniwa/internal/protocol/restxml"
	"hakoniwa/internal/reqctx"
	"hakoniwa/internal/sigv4"

	s3api "hakoniwa/internal/api/s3"
)

// fakePoster plays the S3 service: it passes sig to the gateway's
// callbacks and answers 201 when both accept.
type fakePoster struct {
	fakeSite
	sig       map[string]string
	bucket    string
	principal reqctx.Principal
	region    string
	calls     int
}

func (f *fakePoster) PostObject(ctx context.Context, _ *http.Request, bucket string,
	authenticate func(context.Context, map[string]string) error,
	authorize func(context.Context, map[string]any) error) (int, http.Header, []byte, error) {
	f.calls++
	f.bucket = bucket
	if err := authenticate(ctx, f.sig); err != nil {
		return 0, nil, nil, err
	}
	info := reqctx.From(ctx)
	f.principal, f.region = info.Principal, info.Region
	if err := authorize(ctx, map[string]any{"Bucket": bucket, "Key": "public/k"}); err != nil {
		return 0, nil, nil, err
	}
	return http.StatusCreated, http.Header{"Etag": {`"e"`}}, []byte("<PostResponse/>"), nil
}

type testCreds map[string]sigv4.Credential

func (c testCreds) Lookup(_ context.Context, id string) (sigv4.Credential, bool, error) {
	cred, ok := c[id]
	return cred, ok, nil
}

func postGateway(p *fakePoster, authz Authorizer) *Gateway {
	v := sigv4.New(sigv4.Config{Strict: true, Credentials: testCreds{"AKIAUSER": {AccessKeyID: "AKIAUSER", SecretAccessKey: "secret",
		Account: "000000000000", PrincipalARN: "arn:aws:iam::000000000000:user/u", UserID: "AIDAUSER", Active: true}}})
	return New(Config{Services: []*api.Binding{s3api.Bind(s3api.Unimplemented{})}, Codecs: []protocol.Codec{restxml.New()},
		Authenticator: v, Authorizer: authz, S3Wire: p, Clock: clock.System{}, IDs: ids.New(), Log: slog.New(slog.DiscardHandler)})
}

func postSig(policy string) map[string]string {
	k := []byte("AWS4secret")
	for _, s := range []string{"20250101", "eu-west-1", "s3", "aws4_request", policy} {
		m := hmac.New(sha256.New, k)
		m.Write([]byte(s))
		k = m.Sum(nil)
	}
	return map[string]string{"x-amz-algorithm": "AWS4-HMAC-SHA256", "x-amz-credential": "AKIAUSER/20250101/eu-west-1/s3/aws4_request",
		"x-amz-date": "20250101T000000Z", "policy": policy, "x-amz-signature": hex.EncodeToString(k)}
}

func servePost(g *Gateway, target string) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodPost, target, strings.NewReader("--b--\r\n"))
	r.Header.Set("Content-Type", "multipart/form-data; boundary=b")
	g.ServeHTTP(w, r)
	return w
}

func TestS3PostSigned(t *testing.T) {
	p := &fakePoster{sig: postSig("cG9saWN5")}
	authz := &keyAuthorizer{}
	g := postGateway(p, authz)
	w := servePost(g, "http://up.s3.localhost:4566/")
	// keyAuthorizer allows anonymous callers only: the signer is a user.
	if w.Code != 403 || !strings.Contains(w.Body.String(), "<Code>AccessDenied</Code>") {
		t.Fatalf("user refused: %d %s", w.Code, w.Body)
	}
	if p.bucket != "up" || p.principal.ARN != "arn:aws:iam::000000000000:user/u" || p.principal.Type != "IAMUser" || p.region != "eu-west-1" {
		t.Errorf("poster saw %+v", p)
	}
	if len(authz.ops) != 1 || authz.ops[0] != "PutObject up/public/k" {
		t.Errorf("authorized %v", authz.ops)
	}

	w = servePost(postGateway(p, nil), "http://127.0.0.1:4566/up")
	if w.Code != 201 || w.Body.String() != "<PostResponse/>" || w.Header().Get("ETag") != `"e"` || w.Header().Get("x-amz-request-id") == "" {
		t.Errorf("stored: %d %q %v", w.Code, w.Body, w.Header())
	}

	p.sig = postSig("cG9saWN5")
	p.sig["policy"] = "b3RoZXI="
	w = servePost(g, "http://127.0.0.1:4566/up")
	if w.Code != 403 || !strings.Contains(w.Body.String(), "<Code>SignatureDoesNotMatch</Code>") || !strings.Contains(w.Body.String(), "<StringToSign>b3RoZXI=</StringToSign>") {
		t.Errorf("bad signature: %d %s", w.Code, w.Body)
	}
}

func TestS3PostAnonymous(t *testing.T) {
	p := &fakePoster{}
	authz := &keyAuthorizer{}
	w := servePost(postGateway(p, authz), "http://127.0.0.1:4566/up/")
	if w.Code != 201 || p.principal.Type != "Anonymous" {
		t.Errorf("anonymous: %d %s %+v", w.Code, w.Body, p.principal)
	}
}

func TestS3PostOnlyBucketRoot(t *testing.T) {
	p := &fakePoster{}
	g := postGateway(p, nil)
	for _, target := range []string{"http://127.0.0.1:4566/up/key", "http://127.0.0.1:4566/up?delete", "http://up.s3.localhost:4566/k", "http://127.0.0.1:4566/"} {
		servePost(g, target)
	}
	if p.calls != 0 {
		t.Errorf("%d requests other than POST Object reached the poster", p.calls)
	}
}
