package validate

import (
	"strings"

	"hakoniwa/internal/awserr"
)

// overrides lists the services whose validation errors differ from their
// protocol family's default (see byProtocol), keyed by the model's serviceId.
// Each entry names where the behaviour was observed.
var overrides = map[string]renderer{
	// CloudWatch Logs answers its validator's message under its own
	// exception name, e.g. "InvalidParameterException: 2 validation errors
	// detected: Value '' at 'logGroupNamePrefix' failed to satisfy
	// constraint: ..." (fluent-plugin-cloudwatch-logs issue #223) and
	// "Value null at 'logEvents.1.member.timestamp'" (aws-archives
	// cloudwatch-logs-centralize-logs issue #5).
	"CloudWatch Logs": coral("InvalidParameterException"),

	// Route 53 reports validator messages as InvalidInput, e.g.
	// "InvalidInput: 1 validation error detected: Value '...' at
	// 'resourceId' failed to satisfy constraint: Member must have length
	// less than or equal to 32" (terraform-aws-modules/terraform-aws-acm
	// issue #63). Its 2010-era answer was ValidationError.
	"Route 53": coral("InvalidInput"),

	// CloudWatch (Query heritage, also served as JSON/CBOR with
	// awsQueryCompatible codes) names a missing member with
	// "MissingParameter: The parameter Namespace is required."
	// (JuliaCloud/AWSSDK.jl issue #2); other violations are the standard
	// ValidationError.
	"CloudWatch": missingFirst("The parameter %s is required.", func(string) renderer {
		return coral("ValidationError")
	}),

	// SQS (JSON with awsQueryCompatible codes, formerly Query) answers a
	// missing member with "MissingParameter: The request must contain the
	// parameter QueueUrl." — the form its Query API documented and every
	// SQS emulator reproduces.
	"SQS": missingFirst("The request must contain the parameter %s.", byProtocol),

	// CloudTrail (2013, pre-Smithy) checks some members with dedicated
	// exceptions its API reference lists per operation, e.g. LookupEvents'
	// InvalidMaxResultsException "This exception is thrown if the limit
	// specified is not valid."; other violations are ValidationException.
	"CloudTrail": memberExceptions(map[string]string{
		"maxResults": "InvalidMaxResultsException",
	}, coral("ValidationException")),

	// EC2 refuses a launch template name outside its rule (3 to 128
	// characters of letters, digits and "-()./_") with a code of its own,
	// e.g. "InvalidLaunchTemplateName.MalformedException: The specified
	// launch template name is invalid. A launch template name must be
	// between 3 and 125 characters..." (aws-cloudformation-user-guide pull
	// request #132); the rest is ec2Style.
	"EC2": launchTemplateNames(ec2Style),

	// S3 has no generic validator: see s3Style. "Missing required header
	// for this request: Content-MD5" (InvalidRequest) and
	// InvalidStorageClass are documented in the S3 error code list.
	"S3": s3Style,
}

// alsoRequired names members, by operation input shape, that AWS requires on
// the server although the SDK model leaves them optional (AWS relaxes
// @required in client models so that it can loosen it later without breaking
// SDKs). DynamoDB still answers CreateTable without them with "1 validation
// error detected: Value null at 'keySchema' failed to satisfy constraint:
// Member must not be null".
var alsoRequired = map[string]map[string]bool{
	"CreateTableInput": {"AttributeDefinitions": true, "KeySchema": true},
}

// launchTemplateNames answers a malformed top-level launch template name
// (launchTemplateName, or an element of DescribeLaunchTemplates'
// launchTemplateNames) as EC2 does, and anything else with rest. Names
// nested in fleet specifications keep rest's answer: CreateFleet reports
// them with another code.
func launchTemplateNames(rest renderer) renderer {
	return func(protocol string, vs []Violation) *awserr.Error {
		v := vs[0]
		if v.Kind != KindRequired && (v.Path == "launchTemplateName" || v.Path == "launchTemplateNames" || strings.HasPrefix(v.Path, "launchTemplateNames.")) {
			return awserr.Validation("InvalidLaunchTemplateName.MalformedException",
				"A launch template name must be between 3 and 128 characters, and may contain letters, numbers, and the following characters: - ( ) . / _.")
		}
		return rest(protocol, vs)
	}
}
