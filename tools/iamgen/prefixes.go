package main

// idPrefixes names the IAM action prefix of the botocore service ids whose
// prefix differs from the id. The served services all match their id
// today; the table is where a future one that does not (stepfunctions →
// states, elbv2 → elasticloadbalancing, ...) goes. The resolver reads the
// resulting mapping from the generated catalogue, so it lives only here.
var idPrefixes = map[string]string{
	"stepfunctions":            "states",
	"elbv2":                    "elasticloadbalancing",
	"elb":                      "elasticloadbalancing",
	"opensearch":               "es",
	"apigatewayv2":             "apigateway",
	"resourcegroupstaggingapi": "tag",
	// S3 Control authorizes as s3 (s3:PutAccountPublicAccessBlock, ...).
	"s3control": "s3",
}

// extraPrefixes are prefixes outside the served services that served
// operations authorize against (see internal/iam/actions/overrides.go):
// S3's CreateSession and ListDirectoryBuckets are s3express actions, and
// WriteGetObjectResponse is an s3-object-lambda action.
var extraPrefixes = []string{"s3express", "s3-object-lambda"}

func iamPrefix(id string) string {
	if p, ok := idPrefixes[id]; ok {
		return p
	}
	return id
}
