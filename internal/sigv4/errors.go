package sigv4

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"hakoniwa/internal/awserr"
)

// family is how a service words authentication failures. AWS has three
// dialects: S3's own, the Query/XML services' (STS, IAM, SNS, Route 53 ...),
// and the JSON services' "...Exception" codes; EC2 tweaks the Query one.
type family uint8

const (
	famQuery family = iota
	famJSON
	famS3
	famEC2
)

func familyOf(service string) family {
	switch service {
	case "s3", "s3-object-lambda", "s3express":
		return famS3
	case "ec2":
		return famEC2
	case "dynamodb", "kms", "logs", "lambda", "cloudtrail", "events", "secretsmanager", "ssm", "kinesis", "ecr", "ecs":
		return famJSON
	}
	return famQuery
}

// errs builds the refusals of one service.
type errs struct {
	fam     family
	service string
}

func errsFor(service string) errs { return errs{familyOf(service), service} }

func (e errs) s3() bool { return e.fam == famS3 }

// jsonStatus: JSON services answer auth failures with 400, except the
// REST-JSON ones that front an HTTP API (Lambda) which use 403.
func (e errs) jsonStatus() int {
	if e.service == "lambda" {
		return http.StatusForbidden
	}
	return http.StatusBadRequest
}

// coded picks the Query or JSON spelling of a non-S3 error.
func (e errs) coded(queryCode string, queryStatus int, jsonCode, msg string) *awserr.Error {
	if e.fam == famJSON {
		return awserr.New(e.jsonStatus(), jsonCode, "%s", msg)
	}
	return awserr.New(queryStatus, queryCode, "%s", msg)
}

// MissingAuthentication is the refusal of an unsigned request by a service
// that has no anonymous access (every service but S3).
func MissingAuthentication(service string) *awserr.Error {
	return errsFor(service).missingAuth()
}

func (e errs) missingAuth() *awserr.Error {
	if e.fam == famJSON {
		return awserr.New(e.jsonStatus(), "MissingAuthenticationTokenException", "Missing Authentication Token")
	}
	return awserr.New(http.StatusForbidden, "MissingAuthenticationToken", "Request is missing Authentication Token")
}

func (e errs) incomplete(msg string) *awserr.Error {
	return e.coded("IncompleteSignature", http.StatusBadRequest, "IncompleteSignatureException", msg)
}

// malformedHeader is S3's refusal of an Authorization header it cannot read.
func malformedHeader(detail string) *awserr.Error {
	return awserr.New(http.StatusBadRequest, "AuthorizationHeaderMalformed", "The authorization header is malformed; %s", detail)
}

// queryParamsError is S3's refusal of presigned parameters it cannot read.
func queryParamsError(msg string) *awserr.Error {
	return awserr.New(http.StatusBadRequest, "AuthorizationQueryParametersError", "%s", msg)
}

func (e errs) headerMissing(missing []string, header string) *awserr.Error {
	if e.s3() {
		return malformedHeader("the authorization header requires three components: Credential, SignedHeaders, and Signature.")
	}
	var b strings.Builder
	for _, m := range missing {
		fmt.Fprintf(&b, "Authorization header requires '%s' parameter. ", m)
	}
	b.WriteString("Authorization=" + header)
	return e.incomplete(b.String())
}

func (e errs) badPair(pair, header string) *awserr.Error {
	if e.s3() {
		return malformedHeader("the authorization component \"" + pair + "\" is malformed.")
	}
	return e.incomplete(fmt.Sprintf("'%s' not a valid key=value pair (missing equal-sign) in Authorization header: '%s'.", pair, header))
}

func (e errs) badCredential(cred string, presigned bool) *awserr.Error {
	const expect = `the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`
	if e.s3() {
		if presigned {
			return queryParamsError("Error parsing the X-Amz-Credential parameter; " + expect)
		}
		return malformedHeader(expect)
	}
	return e.incomplete(fmt.Sprintf("Credential should be scoped to a valid region, not '%s'. ", cred) +
		"Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '" + cred + "'")
}

func (e errs) badTerminal(s scope, presigned bool) *awserr.Error {
	if e.s3() {
		msg := fmt.Sprintf("incorrect terminal %q. This endpoint uses %q.", s.terminal, terminator)
		if presigned {
			return queryParamsError("Error parsing the X-Amz-Credential parameter; " + msg)
		}
		return malformedHeader(msg)
	}
	return e.signatureMessage(fmt.Sprintf("Credential should be scoped with a valid terminator: '%s', not '%s'.", terminator, s.terminal))
}

func (e errs) wrongService(got string, presigned bool) *awserr.Error {
	if e.s3() {
		msg := fmt.Sprintf("incorrect service %q. This endpoint belongs to %q.", got, e.service)
		if presigned {
			return queryParamsError("Error parsing the X-Amz-Credential parameter; " + msg)
		}
		return malformedHeader(msg)
	}
	return e.signatureMessage(fmt.Sprintf("Credential should be scoped to correct service: '%s'. ", e.service))
}

func (e errs) unsupportedAlgorithm(alg string, presigned bool) *awserr.Error {
	if e.s3() {
		if presigned {
			return queryParamsError("X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"")
		}
		return awserr.New(http.StatusBadRequest, "InvalidRequest", "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.")
	}
	return e.incomplete(fmt.Sprintf("Unsupported AWS 'algorithm': '%s'", alg))
}

func (e errs) bothAuth() *awserr.Error {
	const msg = "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified"
	if e.s3() {
		return awserr.New(http.StatusBadRequest, "InvalidArgument", msg).With("ArgumentName", "Authorization")
	}
	return e.incomplete(msg)
}

func (e errs) queryMissing(missing []string) *awserr.Error {
	if e.s3() {
		return queryParamsError("Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.")
	}
	var b strings.Builder
	for _, m := range missing {
		fmt.Fprintf(&b, "AWS query-string parameters must include '%s'. ", m)
	}
	b.WriteString("Re-examine the query-string parameters.")
	return e.incomplete(b.String())
}

func (e errs) missingDate() *awserr.Error {
	if e.s3() {
		return awserr.New(http.StatusForbidden, "AccessDenied", "AWS authentication requires a valid Date or x-amz-date header")
	}
	return e.incomplete("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
}

func (e errs) badDate(v string, presigned bool) *awserr.Error {
	if e.s3() {
		if presigned {
			return queryParamsError(`X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`)
		}
		return awserr.New(http.StatusForbidden, "AccessDenied", "AWS authentication requires a valid Date or x-amz-date header")
	}
	return e.incomplete(fmt.Sprintf("Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601", v))
}

func (e errs) scopeDate(s scope, amzDate string, presigned bool) *awserr.Error {
	if e.s3() {
		if presigned {
			return queryParamsError(fmt.Sprintf("Invalid credential date %q. This date is not the same as X-Amz-Date: %q.", s.date, amzDate[:8]))
		}
		return malformedHeader("Invalid credential date. Date is not the same as X-Amz-Date.")
	}
	return e.signatureMessage(fmt.Sprintf("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.", s.date, amzDate[:8], amzDate))
}

func (e errs) badExpires(v string, tooLong bool) *awserr.Error {
	msg := "X-Amz-Expires should be a number"
	if tooLong {
		msg = "X-Amz-Expires must be less than a week (in seconds) that is; 604800"
	}
	if e.s3() {
		return queryParamsError(msg)
	}
	return e.incomplete(msg)
}

// skewed refuses a header-signed request whose time is more than 15
// minutes from the server's.
func (e errs) skewed(amzDate string, signedAt, now time.Time) *awserr.Error {
	switch e.fam {
	case famS3:
		return awserr.New(http.StatusForbidden, "RequestTimeTooSkewed", "The difference between the request time and the current time is too large.").
			With("RequestTime", amzDate).
			With("ServerTime", now.UTC().Format(time.RFC3339)).
			With("MaxAllowedSkewMilliseconds", "900000")
	case famEC2:
		return awserr.New(http.StatusBadRequest, "RequestExpired", "Request has expired.")
	}
	f := func(t time.Time) string { return t.UTC().Format(timeFormat) }
	if signedAt.Before(now) {
		return e.signatureMessage(fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - 15 min.)", amzDate, f(now.Add(-maxSkew)), f(now)))
	}
	return e.signatureMessage(fmt.Sprintf("Signature not yet current: %s is still later than %s (%s + 15 min.)", amzDate, f(now.Add(maxSkew)), f(now)))
}

// presignExpired refuses a presigned request past its X-Amz-Expires.
func (e errs) presignExpired(expires int64, signedAt, now time.Time) *awserr.Error {
	if e.s3() {
		return awserr.New(http.StatusForbidden, "AccessDenied", "Request has expired").
			With("X-Amz-Expires", fmt.Sprint(expires)).
			With("Expires", signedAt.Add(time.Duration(expires)*time.Second).UTC().Format(time.RFC3339)).
			With("ServerTime", now.UTC().Format(time.RFC3339))
	}
	return e.coded("RequestExpired", http.StatusBadRequest, "RequestExpired", "Request has expired.")
}

// presignNotYet refuses a presigned request dated in the future.
func (e errs) presignNotYet(amzDate string, signedAt, now time.Time) *awserr.Error {
	if e.s3() {
		return awserr.New(http.StatusForbidden, "AccessDenied", "Request is not valid yet")
	}
	return e.skewed(amzDate, signedAt, now)
}

func (e errs) unknownKey(akid string) *awserr.Error {
	switch e.fam {
	case famS3:
		return awserr.New(http.StatusForbidden, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.").
			With("AWSAccessKeyId", akid)
	case famEC2:
		return awserr.New(http.StatusUnauthorized, "AuthFailure", "AWS was not able to validate the provided access credentials")
	}
	return e.coded("InvalidClientTokenId", http.StatusForbidden, "UnrecognizedClientException", "The security token included in the request is invalid.")
}

func (e errs) invalidToken(token string) *awserr.Error {
	switch e.fam {
	case famS3:
		return awserr.New(http.StatusBadRequest, "InvalidToken", "The provided token is malformed or otherwise invalid.").
			With("Token-0", token)
	case famEC2:
		return awserr.New(http.StatusUnauthorized, "AuthFailure", "AWS was not able to validate the provided access credentials")
	}
	return e.coded("InvalidClientTokenId", http.StatusForbidden, "UnrecognizedClientException", "The security token included in the request is invalid.")
}

func (e errs) expiredToken(token string) *awserr.Error {
	if e.s3() {
		return awserr.New(http.StatusBadRequest, "ExpiredToken", "The provided token has expired.").With("Token-0", token)
	}
	return e.coded("ExpiredToken", http.StatusForbidden, "ExpiredTokenException", "The security token included in the request is expired")
}

const (
	mismatchQuery = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	mismatchS3    = "The request signature we calculated does not match the signature you provided. Check your key and signing method."
)

// signatureMessage is a SignatureDoesNotMatch with a message of its own
// (skew, scope problems), which AWS reports under the same code.
func (e errs) signatureMessage(msg string) *awserr.Error {
	return e.coded("SignatureDoesNotMatch", http.StatusForbidden, "InvalidSignatureException", msg)
}

// mismatch explains a wrong signature the way each service does: S3 in
// error fields, the others inside the message.
func (e errs) mismatch(akid, creq, sts, provided string) *awserr.Error {
	if e.s3() {
		return awserr.New(http.StatusForbidden, "SignatureDoesNotMatch", mismatchS3).
			With("AWSAccessKeyId", akid).
			With("StringToSign", sts).
			With("SignatureProvided", provided).
			With("StringToSignBytes", spacedHex(sts)).
			With("CanonicalRequest", creq).
			With("CanonicalRequestBytes", spacedHex(creq))
	}
	return e.signatureMessage(mismatchQuery + "\n\nThe Canonical String for this request should have been\n'" + creq +
		"'\n\nThe String-to-Sign should have been\n'" + sts + "'\n")
}

// chunkMismatch is a wrong aws-chunked chunk or trailer signature.
func (e errs) chunkMismatch() *awserr.Error {
	if e.s3() {
		return awserr.New(http.StatusForbidden, "SignatureDoesNotMatch", mismatchS3)
	}
	return e.signatureMessage(mismatchQuery)
}

// spacedHex renders bytes as S3's StringToSignBytes does: "41 57 53 34".
func spacedHex(s string) string {
	const digits = "0123456789abcdef"
	b := make([]byte, 0, len(s)*3)
	for i := 0; i < len(s); i++ {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, digits[s[i]>>4], digits[s[i]&15])
	}
	return string(b)
}

func (e errs) contentSHAMismatch(client, computed string) *awserr.Error {
	if e.s3() {
		return awserr.New(http.StatusBadRequest, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.").
			With("ClientComputedContentSHA256", client).
			With("S3ComputedContentSHA256", computed)
	}
	return e.signatureMessage(mismatchQuery)
}

func (e errs) missingContentSHA() *awserr.Error {
	return awserr.New(http.StatusBadRequest, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256")
}

func (e errs) badContentSHA(v string) *awserr.Error {
	return awserr.New(http.StatusBadRequest, "InvalidArgument", "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, or a valid sha256 value.").
		With("ArgumentName", "x-amz-content-sha256").
		With("ArgumentValue", v)
}

func (e errs) missingDecodedLength() *awserr.Error {
	return awserr.New(http.StatusLengthRequired, "MissingContentLength", "You must provide the Content-Length HTTP header.")
}

func (e errs) incompleteBody() *awserr.Error {
	return awserr.New(http.StatusBadRequest, "IncompleteBody", "The request body terminated unexpectedly")
}

func (e errs) lengthMismatch() *awserr.Error {
	return awserr.New(http.StatusBadRequest, "IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header")
}

func (e errs) badChunk() *awserr.Error {
	return awserr.New(http.StatusBadRequest, "InvalidRequest", "The aws-chunked body is malformed.")
}

func (e errs) badTrailer() *awserr.Error {
	return awserr.New(http.StatusBadRequest, "MalformedTrailerError", "The request contained trailing data that was not well-formed or did not conform to our published schema.")
}

func (e errs) tooLarge(max int64) *awserr.Error {
	if e.s3() {
		return awserr.New(http.StatusBadRequest, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size").
			With("MaxSizeAllowed", fmt.Sprint(max))
	}
	return awserr.New(http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "Request body must be at most %d bytes", max)
}
