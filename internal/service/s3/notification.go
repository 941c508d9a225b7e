package s3

import (
	"context"
	"net/http"
	"strings"

	"hakoniwa/internal/awserr"

	s3api "hakoniwa/internal/api/s3"
)

// Event notification configurations are validated and stored. S3 checks
// each destination by publishing a test event to it; hakoniwa has no SNS,
// SQS or Lambda behind the stubs yet, so it checks the destination ARN's
// shape and service instead, and delivers nothing. When those services
// exist, validation (unless SkipDestinationValidation) and delivery
// belong here.
const cfgNotification = "notification"

// notificationEvents are the event types S3 accepts ("Supported event
// types for SQS, SNS, and Lambda").
var notificationEvents = map[string]bool{}

func init() {
	for _, fam := range []struct {
		name string
		subs []string
	}{
		{"ObjectCreated", []string{"Put", "Post", "Copy", "CompleteMultipartUpload"}},
		{"ObjectRemoved", []string{"Delete", "DeleteMarkerCreated"}},
		{"ObjectRestore", []string{"Post", "Completed", "Delete"}},
		{"Replication", []string{"OperationFailedReplication", "OperationMissedThreshold", "OperationReplicatedAfterThreshold", "OperationNotTracked"}},
		{"LifecycleExpiration", []string{"Delete", "DeleteMarkerCreated"}},
		{"ObjectTagging", []string{"Put", "Delete"}},
	} {
		notificationEvents["s3:"+fam.name+":*"] = true
		for _, s := range fam.subs {
			notificationEvents["s3:"+fam.name+":"+s] = true
		}
	}
	for _, e := range []string{"s3:ReducedRedundancyLostObject", "s3:LifecycleTransition", "s3:IntelligentTiering", "s3:ObjectAcl:Put"} {
		notificationEvents[e] = true
	}
}

// destination is one configuration, whichever its kind.
type destination struct {
	id, arn, service string
	events           []string
	filter           *s3api.NotificationConfigurationFilter
	setID            func(string)
}

func destinationsOf(c *s3api.NotificationConfiguration) []destination {
	var out []destination
	for i := range c.TopicConfigurations {
		t := &c.TopicConfigurations[i]
		out = append(out, destination{deref(t.Id), deref(t.TopicArn), "sns", t.Events, t.Filter, func(id string) { t.Id = &id }})
	}
	for i := range c.QueueConfigurations {
		q := &c.QueueConfigurations[i]
		out = append(out, destination{deref(q.Id), deref(q.QueueArn), "sqs", q.Events, q.Filter, func(id string) { q.Id = &id }})
	}
	for i := range c.LambdaFunctionConfigurations {
		l := &c.LambdaFunctionConfigurations[i]
		out = append(out, destination{deref(l.Id), deref(l.LambdaFunctionArn), "lambda", l.Events, l.Filter, func(id string) { l.Id = &id }})
	}
	return out
}

func errNotificationArg(msg, name, value string) error {
	return awserr.New(http.StatusBadRequest, "InvalidArgument", "%s", msg).With("ArgumentName", name).With("ArgumentValue", value)
}

// PutBucketNotificationConfiguration replaces the bucket's notification
// configuration; an empty one turns notifications off.
func (s *Service) PutBucketNotificationConfiguration(ctx context.Context, in *s3api.PutBucketNotificationConfigurationInput) (*s3api.PutBucketNotificationConfigurationOutput, error) {
	c := in.NotificationConfiguration
	if c == nil {
		return nil, errMalformedXML()
	}
	dests := destinationsOf(c)
	if err := validateDestinations(dests); err != nil {
		return nil, err
	}
	for _, d := range dests {
		if d.id == "" {
			d.setID(s.ids.UUID())
		}
	}
	var v any = c
	if len(dests) == 0 && c.EventBridgeConfiguration == nil {
		v = nil
	}
	return &s3api.PutBucketNotificationConfigurationOutput{}, s.writeConfig(ctx, in.Bucket, in.ExpectedBucketOwner, cfgNotification, v)
}

// GetBucketNotificationConfiguration answers the configuration as put
// (empty when there is none).
func (s *Service) GetBucketNotificationConfiguration(ctx context.Context, in *s3api.GetBucketNotificationConfigurationInput) (*s3api.GetBucketNotificationConfigurationOutput, error) {
	c, err := readConfig[s3api.NotificationConfiguration](ctx, s, in.Bucket, in.ExpectedBucketOwner, cfgNotification, nil)
	if err != nil {
		return nil, err
	}
	return &c, nil
}

func validateDestinations(dests []destination) error {
	ids := map[string]bool{}
	for i, d := range dests {
		if d.id != "" && ids[d.id] {
			return errNotificationArg("Same ID used for multiple configurations", "Id", d.id)
		}
		ids[d.id] = true
		if p := strings.Split(d.arn, ":"); len(p) < 6 || p[0] != "arn" || p[2] != d.service || p[3] == "" || p[4] == "" {
			return errNotificationArg("Unable to validate the following destination configurations", d.arn, "The destination ARN is not valid")
		}
		if len(d.events) == 0 {
			return errMalformedXML()
		}
		for _, e := range d.events {
			if !notificationEvents[e] {
				return errNotificationArg("The event is not supported for notifications", "Event", e)
			}
		}
		if err := validateKeyFilter(d.filter); err != nil {
			return err
		}
		for _, o := range dests[:i] {
			if overlap(o, d) {
				return errNotificationArg("Configurations overlap. Configurations on the same bucket cannot share a common event type.", "Event", strings.Join(d.events, ","))
			}
		}
	}
	return nil
}

func keyFilter(f *s3api.NotificationConfigurationFilter) (prefix, suffix string) {
	if f == nil || f.Key == nil {
		return "", ""
	}
	for _, r := range f.Key.FilterRules {
		switch strings.ToLower(deref(r.Name)) {
		case "prefix":
			prefix = deref(r.Value)
		case "suffix":
			suffix = deref(r.Value)
		}
	}
	return prefix, suffix
}

func validateKeyFilter(f *s3api.NotificationConfigurationFilter) error {
	if f == nil || f.Key == nil {
		return nil
	}
	seen := map[string]bool{}
	for _, r := range f.Key.FilterRules {
		name := strings.ToLower(deref(r.Name))
		if name != "prefix" && name != "suffix" {
			return errNotificationArg("filter rule name must be either prefix or suffix", "FilterRule", deref(r.Name))
		}
		if seen[name] {
			return errNotificationArg("Cannot specify more than one "+name+" rule in a filter.", "FilterRule", deref(r.Name))
		}
		seen[name] = true
	}
	return nil
}

// overlap reports whether two configurations could fire for one event on
// one key, which S3 refuses.
func overlap(a, b destination) bool {
	shared := false
	for _, x := range a.events {
		for _, y := range b.events {
			shared = shared || eventCovers(x, y) || eventCovers(y, x)
		}
	}
	if !shared {
		return false
	}
	ap, as := keyFilter(a.filter)
	bp, bs := keyFilter(b.filter)
	return (strings.HasPrefix(ap, bp) || strings.HasPrefix(bp, ap)) && (strings.HasSuffix(as, bs) || strings.HasSuffix(bs, as))
}

func eventCovers(pattern, e string) bool {
	if pattern == e {
		return true
	}
	fam, ok := strings.CutSuffix(pattern, "*")
	return ok && strings.HasPrefix(e, fam)
}
