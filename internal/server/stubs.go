package server

import (
	"hakoniwa/internal/api"

	cloudtrailapi "hakoniwa/internal/api/cloudtrail"
	cloudwatchapi "hakoniwa/internal/api/cloudwatch"
	dynamodbapi "hakoniwa/internal/api/dynamodb"
	ec2api "hakoniwa/internal/api/ec2"
	iamapi "hakoniwa/internal/api/iam"
	kmsapi "hakoniwa/internal/api/kms"
	lambdaapi "hakoniwa/internal/api/lambda"
	logsapi "hakoniwa/internal/api/logs"
	route53api "hakoniwa/internal/api/route53"
	s3api "hakoniwa/internal/api/s3"
	snsapi "hakoniwa/internal/api/sns"
	sqsapi "hakoniwa/internal/api/sqs"
	stsapi "hakoniwa/internal/api/sts"
)

// generated returns every generated service bound to its Unimplemented
// base. TestGeneratedMatchesServiceList keeps it in step with
// models/services.txt.
func generated() map[string]*api.Binding {
	return map[string]*api.Binding{
		"sts":        stsapi.Bind(stsapi.Unimplemented{}),
		"iam":        iamapi.Bind(iamapi.Unimplemented{}),
		"ec2":        ec2api.Bind(ec2api.Unimplemented{}),
		"s3":         s3api.Bind(s3api.Unimplemented{}),
		"cloudtrail": cloudtrailapi.Bind(cloudtrailapi.Unimplemented{}),
		"cloudwatch": cloudwatchapi.Bind(cloudwatchapi.Unimplemented{}),
		"sqs":        sqsapi.Bind(sqsapi.Unimplemented{}),
		"sns":        snsapi.Bind(snsapi.Unimplemented{}),
		"lambda":     lambdaapi.Bind(lambdaapi.Unimplemented{}),
		"dynamodb":   dynamodbapi.Bind(dynamodbapi.Unimplemented{}),
		"route53":    route53api.Bind(route53api.Unimplemented{}),
		"logs":       logsapi.Bind(logsapi.Unimplemented{}),
		"kms":        kmsapi.Bind(kmsapi.Unimplemented{}),
	}
}
