// Package cloudtrail implements CloudTrail's event history. The recording
// side lives in internal/trail, fed by the gateway for every call; this
// package answers LookupEvents. Trails (CreateTrail, StartLogging, ...)
// come later and answer NotImplemented until then.
package cloudtrail

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/reqctx"
	"hakoniwa/internal/trail"

	ctapi "hakoniwa/internal/api/cloudtrail"
)

// Service is the CloudTrail implementation.
type Service struct {
	ctapi.Unimplemented
	events *trail.Recorder
}

// New returns the service reading the recorder's history.
func New(events *trail.Recorder) *Service { return &Service{events: events} }

// LookupEvents returns management events of the caller's account in the
// request's region, newest first.
func (s *Service) LookupEvents(ctx context.Context, in *ctapi.LookupEventsInput) (*ctapi.LookupEventsOutput, error) {
	info := reqctx.From(ctx)
	q := trail.Query{Account: info.Principal.Account, Region: info.Region, Max: 50}
	if len(in.LookupAttributes) > 1 {
		return nil, awserr.New(http.StatusBadRequest, "InvalidLookupAttributesException", "You can only specify one lookup attribute.")
	}
	if len(in.LookupAttributes) == 1 {
		a := in.LookupAttributes[0]
		q.Attribute, q.Value = deref(a.AttributeKey), deref(a.AttributeValue)
	}
	if in.MaxResults != nil {
		q.Max = int(*in.MaxResults) // 1..50, checked by the model validator
	}
	if in.StartTime != nil {
		q.Start = *in.StartTime
	}
	if in.EndTime != nil {
		q.End = *in.EndTime
	}
	if !q.Start.IsZero() && !q.End.IsZero() && q.Start.After(q.End) {
		return nil, awserr.New(http.StatusBadRequest, "InvalidTimeRangeException", "Start time must be before end time.")
	}
	if c := deref(in.EventCategory); c != "" {
		// Only Insights events are selected by category, and hakoniwa
		// records no Insights events.
		return &ctapi.LookupEventsOutput{Events: []ctapi.Event{}}, nil
	}
	q.Token = deref(in.NextToken)
	events, next, err := s.events.Lookup(ctx, q)
	if errors.Is(err, trail.ErrBadToken) {
		return nil, awserr.New(http.StatusBadRequest, "InvalidNextTokenException", "A token that is not valid, or a token that was previously used in a request with different parameters, was provided.")
	}
	if err != nil {
		return nil, err
	}
	out := &ctapi.LookupEventsOutput{Events: make([]ctapi.Event, 0, len(events))}
	for _, ev := range events {
		out.Events = append(out.Events, summary(ev))
	}
	if next != "" {
		out.NextToken = &next
	}
	return out, nil
}

func summary(ev *trail.Event) ctapi.Event {
	raw, _ := json.Marshal(ev)
	e := ctapi.Event{
		EventId:         ptr(ev.EventID),
		EventName:       ptr(ev.EventName),
		ReadOnly:        ptr(strconv.FormatBool(ev.ReadOnly)),
		EventTime:       &ev.EventTime,
		EventSource:     ptr(ev.EventSource),
		Username:        ptr(ev.Username()),
		CloudTrailEvent: ptr(string(raw)),
		Resources:       []ctapi.Resource{},
	}
	if ev.UserIdentity.AccessKeyID != "" {
		e.AccessKeyId = ptr(ev.UserIdentity.AccessKeyID)
	}
	for _, r := range ev.Resources {
		e.Resources = append(e.Resources, ctapi.Resource{ResourceType: ptr(r.Type), ResourceName: ptr(r.Name)})
	}
	return e
}

func ptr(s string) *string { return &s }

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
