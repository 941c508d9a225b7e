package trail

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

// jsonLine is the reference appendEvent must match byte for byte.
func jsonLine(t *testing.T, ev *Event) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(ev); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

type handlerValue struct {
	Name string `json:"name"`
	N    int32  `json:"n,omitempty"`
}

func TestAppendEventMatchesEncodingJSON(t *testing.T) {
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	tokyo := time.FixedZone("JST", 9*3600)
	cases := map[string]*Event{
		"empty": {},
		"typical": {
			EventVersion: "1.09", UserIdentity: UserIdentity{Type: "Root", PrincipalID: "000000000000",
				ARN: "arn:aws:iam::000000000000:root", AccountID: "000000000000", AccessKeyID: "test"},
			EventTime: at, EventSource: "sts.amazonaws.com", EventName: "GetCallerIdentity", AWSRegion: "us-east-1",
			SourceIPAddress: "127.0.0.1", UserAgent: "aws-sdk-go-v2/1.0 os/linux", RequestID: "r", EventID: "e",
			ReadOnly: true, EventType: "AwsApiCall", ManagementEvent: true, RecipientAccountID: "000000000000",
			EventCategory: "Management",
		},
		"error and resources": {
			EventTime: at.Add(123456789 * time.Nanosecond).In(tokyo), ErrorCode: "AccessDenied",
			ErrorMessage: `User: arn:aws:iam::1:user/a is not authorized to perform: "iam:ListUsers" <because> & so`,
			Resources:    []Resource{{Type: "AWS::IAM::User", Name: "alice"}, {Name: "only-name"}, {Type: "only-type"}, {}},
		},
		"escapes": {
			UserAgent: "tab\there\nnew\x00nul\x7fdel é 日本 \u2028 \xff bad", EventName: `back\slash "quoted"`,
			UserIdentity: UserIdentity{UserName: "<script>&amp;"},
		},
		"values": {
			RequestParameters: map[string]any{
				"zeta": "z", "alpha": int64(-42), "flag": false, "nested": map[string]any{"b": []any{"x", int64(1), nil, true}, "a": nil},
				"emptyMap": map[string]any{}, "nilMap": map[string]any(nil), "emptyList": []any{}, "nilList": []any(nil),
				"float": 1.5, "bigFloat": 1e21, "int": 7, "typed": []string{"a", "<b>"}, "handler": handlerValue{Name: "n"},
				"<key>": "v", "ключ": "значение", "doc": map[string]string{"k": "v"},
			},
			ResponseElements: []any{map[string]any{"credentials": map[string]any{"accessKeyId": "ASIA", "expiration": "Jan 2, 2006, 3:04:05 PM"}}},
		},
	}
	for name, ev := range cases {
		got, err := appendEvent(nil, ev)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if want := jsonLine(t, ev); !bytes.Equal(got, want) {
			t.Errorf("%s:\n got %s\nwant %s", name, got, want)
		}
	}
}

// TestAppendEventRandomStrings throws every byte at the string fast path.
func TestAppendEventRandomStrings(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 2000 {
		b := make([]byte, rng.IntN(24))
		for j := range b {
			b[j] = byte(rng.IntN(256))
			if rng.IntN(2) == 0 {
				b[j] = byte(0x20 + rng.IntN(0x60))
			}
		}
		s := string(b)
		ev := &Event{EventName: s, Resources: []Resource{{Name: s}},
			RequestParameters: map[string]any{s: s, fmt.Sprint(i): []any{s}}}
		got, err := appendEvent(nil, ev)
		if err != nil {
			t.Fatal(err)
		}
		if want := jsonLine(t, ev); !bytes.Equal(got, want) {
			t.Fatalf("%q:\n got %s\nwant %s", s, got, want)
		}
	}
}

func TestAppendEventRefusesWhatEncodingJSONRefuses(t *testing.T) {
	for _, ev := range []*Event{
		{EventTime: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
		{EventTime: time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("odd", 25*3600))},
		{RequestParameters: map[string]any{"c": make(chan int)}},
	} {
		if _, err := appendEvent(nil, ev); err == nil {
			t.Errorf("%+v encoded without error", ev)
		}
		if err := json.NewEncoder(&bytes.Buffer{}).Encode(ev); err == nil {
			t.Errorf("encoding/json accepts %+v", ev)
		}
	}
}

// TestAppendEventKnowsEveryField fills every field of Event by reflection:
// a field added to Event but not to appendEvent makes the lines differ.
func TestAppendEventKnowsEveryField(t *testing.T) {
	var ev Event
	fill(reflect.ValueOf(&ev).Elem())
	got, err := appendEvent(nil, &ev)
	if err != nil {
		t.Fatal(err)
	}
	if want := jsonLine(t, &ev); !bytes.Equal(got, want) {
		t.Fatalf("\n got %s\nwant %s", got, want)
	}
}

func fill(v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		v.SetString("s-" + v.Type().Name())
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Interface:
		v.Set(reflect.ValueOf(map[string]any{"k": "v"}))
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fill(v.Index(0))
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)))
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i))
			}
		}
	default:
		panic("fill: add a case for " + v.Kind().String())
	}
}
