package sigv4

import (
	"context"
	"net/http"
	"strings"
	"time"

	"hakoniwa/internal/awserr"
)

// PostForm is the signature of an S3 browser POST upload: form fields, not
// headers, and the string to sign is the base64 policy exactly as sent.
// A form with AWSAccessKeyID set is signed with Signature Version 2,
// which S3 still takes for POST and botocore still makes by default.
type PostForm struct {
	Algorithm, Credential, Date, Signature, Policy, SecurityToken string
	AWSAccessKeyID                                                string
}

// VerifyPost checks the signature of a POST form the way S3 does: the
// signing key of the credential's scope over the policy text. The policy's
// expiration, not the clock skew, bounds how long a form stays usable, so
// x-amz-date is only read, not compared with the clock.
func (v *Verifier) VerifyPost(ctx context.Context, f PostForm) (*Result, error) {
	e := errsFor("s3")
	if f.AWSAccessKeyID != "" {
		return v.verifyPostV2(ctx, f, e)
	}
	if f.Algorithm != algorithm {
		return nil, postArgument("X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"", "X-Amz-Algorithm", f.Algorithm)
	}
	sc, perr := parseCredential(f.Credential)
	if perr != nil {
		return nil, postArgument(`the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`, "X-Amz-Credential", f.Credential)
	}
	if sc.service != "s3" {
		return nil, postArgument(`incorrect service "`+sc.service+`". This endpoint belongs to "s3".`, "X-Amz-Credential", f.Credential)
	}
	if sc.terminal != terminator {
		return nil, postArgument(`incorrect terminal "`+sc.terminal+`". This endpoint uses "aws4_request".`, "X-Amz-Credential", f.Credential)
	}
	at, terr := time.Parse(timeFormat, f.Date)
	if terr != nil {
		return nil, postArgument("X-Amz-Date must be formated via ISO8601 Long format", "X-Amz-Date", f.Date)
	}
	s := signed{scope: sc, signature: f.Signature, amzDate: f.Date, signedAt: at, token: f.SecurityToken}
	// credential reads only the request's context.
	r, _ := http.NewRequestWithContext(ctx, http.MethodPost, "/", nil)
	cred, verifySecret, err := v.credential(r, &s, e)
	if err != nil {
		return nil, err
	}
	if verifySecret {
		key := v.keys.get(cred.SecretAccessKey, sc.date, sc.region, sc.service)
		if !sigEqual(sign(key, f.Policy), strings.ToLower(f.Signature)) {
			return nil, postMismatch(sc.accessKeyID, f)
		}
	}
	return &Result{
		AccessKeyID: sc.accessKeyID, Credential: cred, Region: sc.region, Service: sc.service,
		SignedAt: at, SessionToken: f.SecurityToken,
	}, nil
}

// verifyPostV2 checks a Signature Version 2 form: the base64 HMAC-SHA1
// of the policy under the secret key itself.
func (v *Verifier) verifyPostV2(ctx context.Context, f PostForm, e errs) (*Result, error) {
	s := signed{scope: scope{accessKeyID: f.AWSAccessKeyID}, token: f.SecurityToken}
	r, _ := http.NewRequestWithContext(ctx, http.MethodPost, "/", nil)
	cred, verifySecret, err := v.credential(r, &s, e)
	if err != nil {
		return nil, err
	}
	if verifySecret {
		if !sigEqual(v2Sign(cred.SecretAccessKey, f.Policy), f.Signature) {
			return nil, postMismatch(f.AWSAccessKeyID, f)
		}
	}
	return &Result{AccessKeyID: f.AWSAccessKeyID, Credential: cred, Service: "s3", SignedAt: v.now(), SessionToken: f.SecurityToken}, nil
}

// postMismatch is S3's SignatureDoesNotMatch for a form: the string to
// sign is the policy, and there is no canonical request.
func postMismatch(akid string, f PostForm) *awserr.Error {
	return v2Mismatch(akid, f.Policy, f.Signature)
}

// postArgument is S3's refusal of a signature field it cannot use.
func postArgument(msg, name, value string) *awserr.Error {
	return awserr.New(http.StatusBadRequest, "InvalidArgument", "%s", msg).
		With("ArgumentName", name).With("ArgumentValue", value)
}
