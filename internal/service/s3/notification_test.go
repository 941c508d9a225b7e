package s3

import (
	"testing"

	s3api "hakoniwa/internal/api/s3"
)

func prefixFilter(p string) *s3api.NotificationConfigurationFilter {
	return &s3api.NotificationConfigurationFilter{Key: &s3api.S3KeyFilter{FilterRules: []s3api.FilterRule{{Name: ptr("prefix"), Value: ptr(p)}}}}
}

func TestBucketNotification(t *testing.T) {
	e := newTestEnv(t)
	ctx := e.ctx()
	e.mustCreateBucket("notes")
	put := func(c *s3api.NotificationConfiguration) error {
		_, err := e.svc.PutBucketNotificationConfiguration(ctx, &s3api.PutBucketNotificationConfigurationInput{Bucket: ptr("notes"), NotificationConfiguration: c})
		return err
	}
	queue := "arn:aws:sqs:us-east-1:000000000000:uploads"
	topic := "arn:aws:sns:us-east-1:000000000000:removals"
	refusals := []struct {
		name string
		c    *s3api.NotificationConfiguration
		code string
	}{
		{"bad event", &s3api.NotificationConfiguration{QueueConfigurations: []s3api.QueueConfiguration{{QueueArn: &queue, Events: []string{"s3:ObjectExploded:*"}}}}, "InvalidArgument"},
		{"topic arn as queue", &s3api.NotificationConfiguration{QueueConfigurations: []s3api.QueueConfiguration{{QueueArn: &topic, Events: []string{"s3:ObjectCreated:*"}}}}, "InvalidArgument"},
		{"bad filter name", &s3api.NotificationConfiguration{QueueConfigurations: []s3api.QueueConfiguration{{QueueArn: &queue, Events: []string{"s3:ObjectCreated:*"},
			Filter: &s3api.NotificationConfigurationFilter{Key: &s3api.S3KeyFilter{FilterRules: []s3api.FilterRule{{Name: ptr("middle"), Value: ptr("x")}}}}}}}, "InvalidArgument"},
		{"overlap", &s3api.NotificationConfiguration{
			QueueConfigurations: []s3api.QueueConfiguration{{QueueArn: &queue, Events: []string{"s3:ObjectCreated:*"}, Filter: prefixFilter("img/")}},
			TopicConfigurations: []s3api.TopicConfiguration{{TopicArn: &topic, Events: []string{"s3:ObjectCreated:Put"}, Filter: prefixFilter("img/raw/")}}}, "InvalidArgument"},
	}
	for _, r := range refusals {
		if err := put(r.c); errCode(err) != r.code {
			t.Errorf("%s: %v, want %s", r.name, err, r.code)
		}
	}
	ok := &s3api.NotificationConfiguration{
		QueueConfigurations: []s3api.QueueConfiguration{{Id: ptr("q"), QueueArn: &queue, Events: []string{"s3:ObjectCreated:*"}, Filter: prefixFilter("img/")}},
		TopicConfigurations: []s3api.TopicConfiguration{{TopicArn: &topic, Events: []string{"s3:ObjectRemoved:*"}}}}
	if err := put(ok); err != nil {
		t.Fatal(err)
	}
	got, err := e.svc.GetBucketNotificationConfiguration(ctx, &s3api.GetBucketNotificationConfigurationInput{Bucket: ptr("notes")})
	if err != nil || len(got.QueueConfigurations) != 1 || deref(got.QueueConfigurations[0].Id) != "q" || len(got.TopicConfigurations) != 1 || deref(got.TopicConfigurations[0].Id) == "" {
		t.Fatalf("stored: %+v %v", got, err)
	}
	if err := put(&s3api.NotificationConfiguration{}); err != nil {
		t.Fatal(err)
	}
	got, _ = e.svc.GetBucketNotificationConfiguration(ctx, &s3api.GetBucketNotificationConfigurationInput{Bucket: ptr("notes")})
	if len(got.QueueConfigurations)+len(got.TopicConfigurations) != 0 {
		t.Fatalf("after clearing: %+v", got)
	}
}
