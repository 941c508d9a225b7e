package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// TestEveryProtocolWithRealClients shows each wire protocol detected,
// decoded and answered in its own error shape by a real SDK: every
// operation here is routed to its generated Unimplemented handler, so the
// SDK must parse a NotImplemented error that names the operation.
func TestEveryProtocolWithRealClients(t *testing.T) {
	s := StartServer(t)
	cfg := s.DefaultConfig()
	ctx := context.Background()
	cases := []struct {
		proto, op string
		call      func() error
	}{
		{"smithy-rpc-v2-cbor", "cloudwatch:ListMetrics", func() error {
			_, err := cloudwatch.NewFromConfig(cfg).ListMetrics(ctx, &cloudwatch.ListMetricsInput{Namespace: aws.String("AWS/EC2")})
			return err
		}},
		{"ec2", "ec2:DescribeFpgaImages", func() error {
			_, err := ec2.NewFromConfig(cfg).DescribeFpgaImages(ctx, &ec2.DescribeFpgaImagesInput{})
			return err
		}},
		{"rest-xml", "s3:ListBucketAnalyticsConfigurations", func() error {
			_, err := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }).ListBucketAnalyticsConfigurations(ctx, &s3.ListBucketAnalyticsConfigurationsInput{Bucket: aws.String("any-bucket")})
			return err
		}},
		{"rest-json", "lambda:GetFunction", func() error {
			_, err := lambda.NewFromConfig(cfg).GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("my-fn")})
			return err
		}},
		{"json", "dynamodb:ListTables", func() error {
			_, err := dynamodb.NewFromConfig(cfg).ListTables(ctx, &dynamodb.ListTablesInput{})
			return err
		}},
	}
	for _, tc := range cases {
		t.Run(tc.proto, func(t *testing.T) {
			err := tc.call()
			if apiCode(t, err) != "NotImplemented" || !strings.Contains(err.Error(), tc.op) {
				t.Fatalf("want NotImplemented naming %s, got %v", tc.op, err)
			}
			op := tc.op[strings.IndexByte(tc.op, ':')+1:]
			s.WaitLog(t, "op="+op+" status=501")
			s.WaitLog(t, "proto="+tc.proto)
		})
	}
}

// TestCloudWatchOverQuery: aws CLI v2 as Debian ships it (2.9) speaks the
// query protocol to CloudWatch; the same operation arrives by another wire.
func TestCloudWatchOverQuery(t *testing.T) {
	clis := awsCLIs(t)
	path, ok := clis["v2"]
	if !ok {
		missing(t, "aws CLI v2")
	}
	s := StartServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	_, stderr, err := cli(ctx, s, "v2", path, "--endpoint-url", s.URL, "cloudwatch", "list-metrics")
	if err == nil || !strings.Contains(stderr, "NotImplemented") || !strings.Contains(stderr, "cloudwatch:ListMetrics") {
		t.Fatalf("err=%v stderr=%s", err, stderr)
	}
	s.WaitLog(t, "proto=query")
}
