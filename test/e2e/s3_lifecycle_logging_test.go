package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// TestS3LoggingAndNotificationConfiguration: the other bucket
// configurations that are stored and answered, with their refusals.
func TestS3LoggingAndNotificationConfiguration(t *testing.T) {
	s := StartServer(t)
	ctx := context.Background()
	c := s3Client(s)
	for _, b := range []string{"logged-e2e", "logs-e2e"} {
		if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
			t.Fatal(err)
		}
	}
	b := aws.String("logged-e2e")
	_, err := c.PutBucketLogging(ctx, &s3.PutBucketLoggingInput{Bucket: b, BucketLoggingStatus: &types.BucketLoggingStatus{
		LoggingEnabled: &types.LoggingEnabled{TargetBucket: aws.String("no-such-target"), TargetPrefix: aws.String("l/")}}})
	if apiCode(t, err) != "InvalidTargetBucketForLogging" {
		t.Fatalf("missing target: %v", err)
	}
	if _, err := c.PutBucketLogging(ctx, &s3.PutBucketLoggingInput{Bucket: b, BucketLoggingStatus: &types.BucketLoggingStatus{
		LoggingEnabled: &types.LoggingEnabled{TargetBucket: aws.String("logs-e2e"), TargetPrefix: aws.String("access/")}}}); err != nil {
		t.Fatal(err)
	}
	lg, err := c.GetBucketLogging(ctx, &s3.GetBucketLoggingInput{Bucket: b})
	if err != nil || lg.LoggingEnabled == nil || aws.ToString(lg.LoggingEnabled.TargetPrefix) != "access/" {
		t.Fatalf("logging: %+v %v", lg, err)
	}

	queue := aws.String("arn:aws:sqs:us-east-1:000000000000:uploads")
	_, err = c.PutBucketNotificationConfiguration(ctx, &s3.PutBucketNotificationConfigurationInput{Bucket: b, NotificationConfiguration: &types.NotificationConfiguration{
		QueueConfigurations: []types.QueueConfiguration{{QueueArn: aws.String("arn:aws:sns:us-east-1:000000000000:topic"), Events: []types.Event{types.EventS3ObjectCreated}}}}})
	if apiCode(t, err) != "InvalidArgument" || !strings.Contains(err.Error(), "Unable to validate the following destination configurations") {
		t.Fatalf("a topic as a queue: %v", err)
	}
	if _, err := c.PutBucketNotificationConfiguration(ctx, &s3.PutBucketNotificationConfigurationInput{Bucket: b, NotificationConfiguration: &types.NotificationConfiguration{
		QueueConfigurations: []types.QueueConfiguration{{Id: aws.String("uploads"), QueueArn: queue, Events: []types.Event{types.EventS3ObjectCreated},
			Filter: &types.NotificationConfigurationFilter{Key: &types.S3KeyFilter{FilterRules: []types.FilterRule{{Name: types.FilterRuleNameSuffix, Value: aws.String(".jpg")}}}}}}}}); err != nil {
		t.Fatal(err)
	}
	n, err := c.GetBucketNotificationConfiguration(ctx, &s3.GetBucketNotificationConfigurationInput{Bucket: b})
	if err != nil || len(n.QueueConfigurations) != 1 || aws.ToString(n.QueueConfigurations[0].Id) != "uploads" ||
		len(n.QueueConfigurations[0].Filter.Key.FilterRules) != 1 || n.QueueConfigurations[0].Events[0] != types.EventS3ObjectCreated {
		t.Fatalf("notification: %+v %v", n, err)
	}
}
