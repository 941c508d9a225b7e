package gateway

import (
	"context"
	"net/http"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/reqctx"
	"hakoniwa/internal/sigv4"
)

// S3Poster takes S3's browser POST uploads, which no model operation
// describes: the service reads the form and stores the file, and calls
// back for the two steps that are the gateway's. authenticate gets the
// form's signature fields (nil for an anonymous form), authorize the
// PutObject input the form amounts to. The S3 service that answers the
// wire (Config.S3Wire) is asked for it, so that wiring needs no new field.
type S3Poster interface {
	PostObject(ctx context.Context, r *http.Request, bucket string,
		authenticate func(context.Context, map[string]string) error,
		authorize func(context.Context, map[string]any) error) (int, http.Header, []byte, error)
}

// postVerifier checks a POST form's signature (sigv4.Verifier does).
type postVerifier interface {
	VerifyPost(ctx context.Context, f sigv4.PostForm) (*sigv4.Result, error)
}

// s3Post answers a POST to a bucket itself (no key, no subresource), and
// reports whether it did.
func (g *Gateway) s3Post(c *call) bool {
	if c.r.Method != http.MethodPost || c.r.URL.RawQuery != "" {
		return false
	}
	bucket, key := s3Target(c.r, c.preq.HostLabels)
	if bucket == "" || key != "" || bucket == "WriteGetObjectResponse" {
		return false
	}
	poster, ok := g.cfg.S3Wire.(S3Poster)
	if !ok {
		return false
	}
	c.info.Operation = "PostObject"
	c.info.Principal = reqctx.Principal{Type: "Anonymous", ARN: "*"}
	ctx := reqctx.With(c.r.Context(), c.info)
	status, h, body, err := poster.PostObject(ctx, c.r, bucket,
		func(ctx context.Context, sig map[string]string) error { return g.postAuthenticate(ctx, c, sig) },
		func(ctx context.Context, in map[string]any) error { return g.postAuthorize(ctx, c, in) })
	if err != nil {
		c.err = g.internal(c, err)
		return true
	}
	for k, v := range h {
		c.w.Header()[k] = v
	}
	c.w.WriteHeader(status)
	if len(body) > 0 {
		_, _ = c.w.Write(body) // a client gone mid-answer has its object anyway
	}
	return true
}

func (g *Gateway) postAuthenticate(ctx context.Context, c *call, sig map[string]string) error {
	if sig == nil {
		return nil // anonymous, as s3Post set
	}
	pv, ok := g.cfg.Authenticator.(postVerifier)
	if !ok {
		return awserr.New(http.StatusForbidden, "AccessDenied", "Access Denied")
	}
	res, err := pv.VerifyPost(ctx, sigv4.PostForm{
		Algorithm: sig["x-amz-algorithm"], Credential: sig["x-amz-credential"], Date: sig["x-amz-date"],
		Signature: sig["x-amz-signature"] + sig["signature"], Policy: sig["policy"], SecurityToken: sig["x-amz-security-token"],
		AWSAccessKeyID: sig["awsaccesskeyid"],
	})
	if err != nil {
		return err
	}
	g.adopt(c, res)
	return nil
}

// postAuthorize decides the upload as the PutObject it amounts to.
func (g *Gateway) postAuthorize(ctx context.Context, c *call, in map[string]any) error {
	op := c.svc.Operation("PutObject")
	if g.cfg.Authorizer == nil || op == nil {
		return nil
	}
	return g.cfg.Authorizer.Authorize(ctx, c.svc, op, in)
}
