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
	s3controlapi "hakoniwa/internal/api/s3control"
	snsapi "hakoniwa/internal/api/sns"
	sqsapi "hakoniwa/internal/api/sqs"
	ssmapi "hakoniwa/internal/api/ssm"
	stsapi "hakoniwa/internal/api/sts"
)

// generated returns, for every generated service, a constructor binding it
// to its Unimplemented base (bindings build large operation tables: only
// enabled services pay for one). TestGeneratedMatchesServiceList keeps it in
// step with models/services.txt.
func generated() map[string]func() *api.Binding {
	return map[string]func() *api.Binding{
		"sts":        func() *api.Binding { return stsapi.Bind(stsapi.Unimplemented{}) },
		"iam":        func() *api.Binding { return iamapi.Bind(iamapi.Unimplemented{}) },
		"ec2":        func() *api.Binding { return ec2api.Bind(ec2api.Unimplemented{}) },
		"s3":         func() *api.Binding { return s3api.Bind(s3api.Unimplemented{}) },
		"cloudtrail": func() *api.Binding { return cloudtrailapi.Bind(cloudtrailapi.Unimplemented{}) },
		"cloudwatch": func() *api.Binding { return cloudwatchapi.Bind(cloudwatchapi.Unimplemented{}) },
		"sqs":        func() *api.Binding { return sqsapi.Bind(sqsapi.Unimplemented{}) },
		"sns":        func() *api.Binding { return snsapi.Bind(snsapi.Unimplemented{}) },
		"lambda":     func() *api.Binding { return lambdaapi.Bind(lambdaapi.Unimplemented{}) },
		"dynamodb":   func() *api.Binding { return dynamodbapi.Bind(dynamodbapi.Unimplemented{}) },
		"route53":    func() *api.Binding { return route53api.Bind(route53api.Unimplemented{}) },
		"logs":       func() *api.Binding { return logsapi.Bind(logsapi.Unimplemented{}) },
		"kms":        func() *api.Binding { return kmsapi.Bind(kmsapi.Unimplemented{}) },
		"ssm":        func() *api.Binding { return ssmapi.Bind(ssmapi.Unimplemented{}) },
		"s3control":  func() *api.Binding { return s3controlapi.Bind(s3controlapi.Unimplemented{}) },
	}
}
