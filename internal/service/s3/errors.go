package s3

import (
	"net/http"
	"strconv"

	"hakoniwa/internal/awserr"
)

// S3's refusals, with the codes, statuses, messages and extra elements S3
// sends (its error documentation and botocore's model).

func errNoSuchBucket(bucket string) error {
	return awserr.New(http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist").With("BucketName", bucket)
}

func errNoSuchKey(key string) *awserr.Error {
	return awserr.New(http.StatusNotFound, "NoSuchKey", "The specified key does not exist.").With("Key", key)
}

func errNoSuchVersion(key, version string) error {
	return awserr.New(http.StatusNotFound, "NoSuchVersion", "The specified version does not exist.").
		With("Key", key).With("VersionId", version)
}

func errNoSuchUpload(uploadID string) error {
	return awserr.New(http.StatusNotFound, "NoSuchUpload",
		"The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.").
		With("UploadId", uploadID)
}

func errInvalidBucketName(bucket string) error {
	return awserr.New(http.StatusBadRequest, "InvalidBucketName", "The specified bucket is not valid.").With("BucketName", bucket)
}

func errBucketNotEmpty(bucket string) error {
	return awserr.New(http.StatusConflict, "BucketNotEmpty", "The bucket you tried to delete is not empty").With("BucketName", bucket)
}

func errInvalidArgument(msg, name, value string) error {
	e := awserr.New(http.StatusBadRequest, "InvalidArgument", "%s", msg)
	if name != "" {
		e.With("ArgumentName", name).With("ArgumentValue", value)
	}
	return e
}

func errInvalidRequest(msg string) error {
	return awserr.New(http.StatusBadRequest, "InvalidRequest", "%s", msg)
}

func errMalformedXML() error {
	return awserr.New(http.StatusBadRequest, "MalformedXML",
		"The XML you provided was not well-formed or did not validate against our published schema")
}

func errPrecondition(condition string) error {
	return awserr.New(http.StatusPreconditionFailed, "PreconditionFailed",
		"At least one of the pre-conditions you specified did not hold").With("Condition", condition)
}

func errNotModified() error {
	return awserr.New(http.StatusNotModified, "NotModified", "Not Modified")
}

func errInvalidRange(requested string, size int64) error {
	return awserr.New(http.StatusRequestedRangeNotSatisfiable, "InvalidRange", "The requested range is not satisfiable").
		With("RangeRequested", requested).With("ActualObjectSize", strconv.FormatInt(size, 10))
}

func errKeyTooLong(size int) error {
	return awserr.New(http.StatusBadRequest, "KeyTooLongError", "Your key is too long").
		With("MaxSizeAllowed", strconv.Itoa(maxKeyBytes)).With("Size", strconv.Itoa(size))
}

func errMissingContentLength() error {
	return awserr.New(http.StatusLengthRequired, "MissingContentLength", "You must provide the Content-Length HTTP header.")
}

func errEntityTooLarge(size, max int64) error {
	return awserr.New(http.StatusBadRequest, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size").
		With("ProposedSize", strconv.FormatInt(size, 10)).With("MaxSizeAllowed", strconv.FormatInt(max, 10))
}

func errIncompleteBody() error {
	return awserr.New(http.StatusBadRequest, "IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header")
}

func errInvalidDigest(value string) error {
	return awserr.New(http.StatusBadRequest, "InvalidDigest", "The Content-MD5 you specified is not valid.").With("Content-MD5", value)
}

func errBadDigest(expected, calculated string) error {
	return awserr.New(http.StatusBadRequest, "BadDigest", "The Content-MD5 you specified did not match what we received.").
		With("ExpectedDigest", expected).With("CalculatedDigest", calculated)
}

func errNoSuchTagSet(bucket string) error {
	return awserr.New(http.StatusNotFound, "NoSuchTagSet", "The TagSet does not exist").With("BucketName", bucket)
}

func errInvalidTag(msg string) error {
	return awserr.New(http.StatusBadRequest, "InvalidTag", "%s", msg)
}

func errInvalidVersionID(v string) error {
	return errInvalidArgument("Invalid version id specified", "versionId", v)
}

func errBucketAlreadyExists(bucket string) error {
	return awserr.New(http.StatusConflict, "BucketAlreadyExists",
		"The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.").
		With("BucketName", bucket)
}

func errBucketAlreadyOwnedByYou(bucket string) error {
	return awserr.New(http.StatusConflict, "BucketAlreadyOwnedByYou",
		"Your previous request to create the named bucket succeeded and you already own it.").With("BucketName", bucket)
}

func errInvalidLocationConstraint() error {
	return awserr.New(http.StatusBadRequest, "InvalidLocationConstraint", "The specified location-constraint is not valid")
}

// errIllegalLocationConstraint names the constraint sent, or
// "unspecified" when there was none.
func errIllegalLocationConstraint(constraint string) error {
	return awserr.New(http.StatusBadRequest, "IllegalLocationConstraintException",
		"The %s location constraint is incompatible for the region specific endpoint this request was sent to.", constraint)
}

func errTooManyBuckets() error {
	return awserr.New(http.StatusBadRequest, "TooManyBuckets", "You have attempted to create more buckets than allowed")
}

func errACLWithOwnership() error {
	return awserr.New(http.StatusBadRequest, "InvalidBucketAclWithObjectOwnership",
		"Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting")
}

func errACLWithBlockPublicAccess() error {
	return awserr.New(http.StatusBadRequest, "InvalidBucketAclWithBlockPublicAccessError",
		"Bucket cannot have public ACLs set with BlockPublicAccess enabled")
}

func errInvalidChecksumValue(alg string) error {
	return errInvalidRequest("Value for " + checksumHeader(alg) + " header is invalid.")
}

func errChecksumMismatch(alg string) error {
	return awserr.New(http.StatusBadRequest, "BadDigest", "The %s you specified did not match the calculated checksum.", alg)
}

func errInvalidStorageClass() error {
	return awserr.New(http.StatusBadRequest, "InvalidStorageClass", "The storage class you specified is not valid")
}

func errMetadataTooLarge(size int) error {
	return awserr.New(http.StatusBadRequest, "MetadataTooLarge", "Your metadata headers exceed the maximum allowed metadata size").
		With("Size", strconv.Itoa(size)).With("MaxSizeAllowed", strconv.Itoa(maxMetadataSize))
}

func errConditionalConflict() error {
	return awserr.New(http.StatusConflict, "ConditionalRequestConflict",
		"A conflicting operation occurred. If using PutObject you can retry the request. If using multipart upload you should initiate another CreateMultipartUpload request and re-upload each part.")
}

func errMethodNotAllowed(method, resource string) *awserr.Error {
	return awserr.New(http.StatusMethodNotAllowed, "MethodNotAllowed", "The specified method is not allowed against this resource.").
		With("Method", method).With("ResourceType", resource)
}
