package cbor

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"sync"
	"testing"
	"time"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/model"
	"hakoniwa/internal/protocol"
	"hakoniwa/internal/protocol/jsonutil/jsontest"
	"hakoniwa/internal/protocol/protocoltest"
)

// The byte builders below are a second, hand-written CBOR encoder (RFC 8949
// §3), independent of fxamacker/cbor, so tests check the codec against the
// spec rather than against the library it uses.

func head(major byte, n uint64) []byte {
	m := major << 5
	switch {
	case n < 24:
		return []byte{m | byte(n)}
	case n < 1<<8:
		return []byte{m | 24, byte(n)}
	case n < 1<<16:
		return binary.BigEndian.AppendUint16([]byte{m | 25}, uint16(n))
	case n < 1<<32:
		return binary.BigEndian.AppendUint32([]byte{m | 26}, uint32(n))
	}
	return binary.BigEndian.AppendUint64([]byte{m | 27}, n)
}

func text(s string) []byte  { return append(head(3, uint64(len(s))), s...) }
func bstr(b []byte) []byte  { return append(head(2, uint64(len(b))), b...) }
func uint_(n uint64) []byte { return head(0, n) }
func negint(n int64) []byte { return head(1, uint64(-1-n)) }
func f64(f float64) []byte {
	return binary.BigEndian.AppendUint64([]byte{0xfb}, math.Float64bits(f))
}
func f32(f float32) []byte {
	return binary.BigEndian.AppendUint32([]byte{0xfa}, math.Float32bits(f))
}
func tag(n uint64, content []byte) []byte { return append(head(6, n), content...) }
func array(items ...[]byte) []byte {
	return append(head(4, uint64(len(items))), bytes.Join(items, nil)...)
}

// kv is one map entry; cmap sorts entries bytewise by encoded key, the
// deterministic order the codec writes.
type kv struct {
	k string
	v []byte
}

func cmap(entries ...kv) []byte {
	sort.Slice(entries, func(i, j int) bool { return bytes.Compare(text(entries[i].k), text(entries[j].k)) < 0 })
	out := head(5, uint64(len(entries)))
	for _, e := range entries {
		out = append(out, text(e.k)...)
		out = append(out, e.v...)
	}
	return out
}

var (
	cwOnce sync.Once
	cwSvc  *model.Service
	cwErr  error
)

func cloudwatch(t testing.TB) *model.Service {
	t.Helper()
	cwOnce.Do(func() {
		p, err := protocoltest.RepoFile("models/botocore/cloudwatch/2010-08-01/service-2.json.gz")
		if err != nil {
			cwErr = err
			return
		}
		b, err := os.ReadFile(p)
		if err != nil {
			cwErr = err
			return
		}
		cwSvc, cwErr = model.Parse("cloudwatch", b)
	})
	if cwErr != nil {
		t.Fatal(cwErr)
	}
	return cwSvc
}

const cwPath = "/service/GraniteServiceVersion20100801/operation/"

func newReq(t testing.TB, method, path string, body []byte) *protocol.Request {
	hr := httptest.NewRequest(method, path, bytes.NewReader(body))
	hr.Header.Set("Smithy-Protocol", "rpc-v2-cbor")
	hr.Header.Set("Content-Type", "application/cbor")
	return &protocol.Request{HTTP: hr, Service: cloudwatch(t), RequestID: "req-1"}
}

func wantAWSErr(t *testing.T, err error, status int, code string) {
	t.Helper()
	e, ok := err.(*awserr.Error)
	if !ok {
		t.Fatalf("error = %v (%T), want *awserr.Error %s", err, err, code)
	}
	if e.Code != code || e.Status != status {
		t.Fatalf("error = %d %s (%s), want %d %s", e.Status, e.Code, e.Message, status, code)
	}
}

func TestResolve(t *testing.T) {
	tests := []struct {
		name, method, path string
		wantOp             string
		wantStatus         int
		wantCode           string
	}{
		{"plain", "POST", cwPath + "PutMetricData", "PutMetricData", 0, ""},
		{"path prefix", "POST", "/v1" + cwPath + "GetMetricData", "GetMetricData", 0, ""},
		{"absolute service id", "POST", "/service/com.amazonaws.cloudwatch.GraniteServiceVersion20100801/operation/DescribeAlarms", "DescribeAlarms", 0, ""},
		{"unknown operation", "POST", cwPath + "NoSuchThing", "", 404, "UnknownOperationException"},
		{"operation case matters", "POST", cwPath + "putmetricdata", "", 404, "UnknownOperationException"},
		{"other service", "POST", "/service/AmazonSQS/operation/PutMetricData", "", 404, "UnknownOperationException"},
		{"not rpcv2 path", "POST", "/", "", 404, "UnknownOperationException"},
		{"swapped segments", "POST", "/operation/GraniteServiceVersion20100801/service/PutMetricData", "", 404, "UnknownOperationException"},
		{"GET", "GET", cwPath + "PutMetricData", "", 405, "MethodNotAllowed"},
	}
	c := New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op, err := c.Resolve(newReq(t, tt.method, tt.path, nil))
			if tt.wantCode != "" {
				wantAWSErr(t, err, tt.wantStatus, tt.wantCode)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if op.Name != tt.wantOp {
				t.Fatalf("op = %s, want %s", op.Name, tt.wantOp)
			}
		})
	}
}

func TestDecodePutMetricData(t *testing.T) {
	ts := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	datum := cmap(
		kv{"MetricName", text("Latency")},
		kv{"Dimensions", array(
			cmap(kv{"Name", text("Service")}, kv{"Value", text("api")}),
			cmap(kv{"Name", text("Host")}, kv{"Value", text("h-1")}),
		)},
		kv{"Timestamp", tag(1, uint_(uint64(ts.Unix())))},
		kv{"Values", array(f64(1.5), f32(2.25), uint_(3))},
		kv{"Counts", array(f64(10), f64(1))},
		kv{"Unit", text("Milliseconds")},
		kv{"StorageResolution", uint_(1)},
	)
	datum2 := cmap(
		kv{"MetricName", text("Errors")},
		// A fractional epoch as a double, the way aws-sdk-go-v2 sends it.
		kv{"Timestamp", tag(1, f64(1714564800.25))},
		kv{"Value", negint(-2)},
		kv{"StatisticValues", cmap(kv{"SampleCount", f64(2)}, kv{"Sum", f64(-4)}, kv{"Minimum", f64(-3)}, kv{"Maximum", f64(-1)})},
	)
	body := cmap(
		kv{"Namespace", text("App/Test")},
		kv{"MetricData", array(datum, datum2)},
		kv{"StrictEntityValidation", []byte{0xf5}},
		kv{"UnknownMember", text("ignored")},
	)
	want := map[string]any{
		"Namespace":              "App/Test",
		"StrictEntityValidation": true,
		"MetricData": []any{
			map[string]any{
				"MetricName": "Latency",
				"Dimensions": []any{
					map[string]any{"Name": "Service", "Value": "api"},
					map[string]any{"Name": "Host", "Value": "h-1"},
				},
				"Timestamp":         ts,
				"Values":            []any{1.5, 2.25, 3.0},
				"Counts":            []any{10.0, 1.0},
				"Unit":              "Milliseconds",
				"StorageResolution": int64(1),
			},
			map[string]any{
				"MetricName":      "Errors",
				"Timestamp":       time.Date(2024, 5, 1, 12, 0, 0, 250e6, time.UTC),
				"Value":           -2.0,
				"StatisticValues": map[string]any{"SampleCount": 2.0, "Sum": -4.0, "Minimum": -3.0, "Maximum": -1.0},
			},
		},
	}
	c := New()
	req := newReq(t, "POST", cwPath+"PutMetricData", body)
	op, err := c.Resolve(req)
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.Decode(req, op)
	if err != nil {
		t.Fatal(err)
	}
	if d := jsontest.Diff(want, got); d != "" {
		t.Fatal(d)
	}
}

func TestDecodeForms(t *testing.T) {
	op := "GetMetricData"
	tests := []struct {
		name string
		body []byte
		want map[string]any
	}{
		{"empty body", nil, map[string]any{}},
		{"empty map", []byte{0xa0}, map[string]any{}},
		{"null members skipped", cmap(kv{"NextToken", []byte{0xf6}}, kv{"ScanBy", []byte{0xf7}}), map[string]any{}},
		{
			// Indefinite-length map, array and text string (RFC 8949 §3.2.2).
			"indefinite lengths",
			bytes.Join([][]byte{
				{0xbf},
				text("MetricDataQueries"), {0x9f}, cmap(kv{"Id", text("q1")}, kv{"ReturnData", []byte{0xf4}}), {0xff},
				text("NextToken"), {0x7f}, text("ab"), text("cd"), {0xff},
				{0xff},
			}, nil),
			map[string]any{
				"MetricDataQueries": []any{map[string]any{"Id": "q1", "ReturnData": false}},
				"NextToken":         "abcd",
			},
		},
		{
			"half float and integer timestamps",
			cmap(
				kv{"StartTime", tag(1, uint_(0))},
				kv{"EndTime", tag(1, f32(1.5))},
				kv{"MaxDatapoints", []byte{0x1a, 0, 1, 0, 0}}, // 65536 as a 4-byte uint
				kv{"MetricDataQueries", array(cmap(kv{"Id", text("q")}, kv{"Period", []byte{0xf9, 0x3c, 0x00}}))}, // Period 1.0 as half float
			),
			map[string]any{
				"StartTime":         time.Unix(0, 0).UTC(),
				"EndTime":           time.Unix(1, 5e8).UTC(),
				"MaxDatapoints":     int64(65536),
				"MetricDataQueries": []any{map[string]any{"Id": "q", "Period": int64(1)}},
			},
		},
	}
	c := New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := newReq(t, "POST", cwPath+op, tt.body)
			got, err := c.Decode(req, cloudwatch(t).Operation(op))
			if err != nil {
				t.Fatal(err)
			}
			if d := jsontest.Diff(tt.want, got); d != "" {
				t.Fatal(d)
			}
		})
	}
}

func TestDecodeRejects(t *testing.T) {
	tests := []struct {
		name string
		body []byte
	}{
		{"truncated", cmap(kv{"NextToken", text("abc")})[:5]},
		{"top-level array", array(text("x"))},
		{"string for timestamp", cmap(kv{"StartTime", text("2024-01-01")})},
		{"float for integer", cmap(kv{"MaxDatapoints", f64(1.5)})},
		{"integer overflow", cmap(kv{"MaxDatapoints", head(0, math.MaxUint64)})},
		{"text for list", cmap(kv{"MetricDataQueries", text("q")})},
		{"byte string for string", cmap(kv{"NextToken", bstr([]byte("x"))})},
		{"integer for string", cmap(kv{"NextToken", uint_(7)})},
		{"bool for structure", cmap(kv{"LabelOptions", []byte{0xf5}})},
		{"invalid utf-8", cmap(kv{"NextToken", []byte{0x62, 0xff, 0xfe}})},
		{"trailing bytes", append(cmap(), 0x01)},
		{"reserved additional info", []byte{0x1c}},
	}
	c := New()
	op := cloudwatch(t).Operation("GetMetricData")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Decode(newReq(t, "POST", cwPath+"GetMetricData", tt.body), op)
			wantAWSErr(t, err, 400, "SerializationException")
		})
	}
}

func TestEncodeExactBytes(t *testing.T) {
	ts := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		op   string
		out  map[string]any
		want []byte
	}{
		{
			"GetMetricStatistics",
			"GetMetricStatistics",
			map[string]any{
				"Label": "Latency",
				"Datapoints": []any{map[string]any{
					"Timestamp": ts, "Average": 1.5, "Unit": "Seconds",
					"ExtendedStatistics": map[string]any{"p99": 2.0},
				}},
			},
			cmap(
				kv{"Label", text("Latency")},
				kv{"Datapoints", array(cmap(
					kv{"Timestamp", tag(1, uint_(uint64(ts.Unix())))},
					kv{"Average", f64(1.5)},
					kv{"Unit", text("Seconds")},
					kv{"ExtendedStatistics", cmap(kv{"p99", f64(2)})},
				))},
			),
		},
		{
			"fractional timestamp and nil members",
			"GetMetricData",
			map[string]any{
				"NextToken": nil,
				"MetricDataResults": []any{map[string]any{
					"Id":         "q1",
					"Timestamps": []any{ts.Add(250 * time.Millisecond)},
					"Values":     []any{-1.0, math.Inf(1)},
					"StatusCode": "Complete",
				}},
			},
			cmap(kv{"MetricDataResults", array(cmap(
				kv{"Id", text("q1")},
				kv{"Timestamps", array(tag(1, f64(float64(ts.Unix())+0.25)))},
				kv{"Values", array(f64(-1), f64(math.Inf(1)))},
				kv{"StatusCode", text("Complete")},
			))}),
		},
	}
	c := New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := newReq(t, "POST", cwPath+tt.op, nil)
			rec := httptest.NewRecorder()
			if err := c.Encode(rec, req, cloudwatch(t).Operation(tt.op), tt.out); err != nil {
				t.Fatal(err)
			}
			if rec.Code != 200 {
				t.Errorf("status = %d", rec.Code)
			}
			if got := rec.Header().Get("Smithy-Protocol"); got != "rpc-v2-cbor" {
				t.Errorf("Smithy-Protocol = %q", got)
			}
			if got := rec.Header().Get("Content-Type"); got != "application/cbor" {
				t.Errorf("Content-Type = %q", got)
			}
			if !bytes.Equal(rec.Body.Bytes(), tt.want) {
				t.Errorf("body\n got %s\nwant %s", hex.EncodeToString(rec.Body.Bytes()), hex.EncodeToString(tt.want))
			}
		})
	}
}

// TestDescribeAlarmsRoundTrip encodes a full DescribeAlarms output and
// decodes it back with the same shapes: every member type CloudWatch uses
// survives the trip.
func TestDescribeAlarmsRoundTrip(t *testing.T) {
	ts := time.Date(2024, 5, 1, 12, 30, 15, 123e6, time.UTC)
	out := map[string]any{
		"MetricAlarms": []any{map[string]any{
			"AlarmName":                          "high-latency",
			"AlarmArn":                           "arn:aws:cloudwatch:us-east-1:000000000000:alarm:high-latency",
			"ActionsEnabled":                     true,
			"AlarmActions":                       []any{"arn:aws:sns:us-east-1:000000000000:ops"},
			"StateValue":                         "ALARM",
			"StateReason":                        "Threshold Crossed",
			"StateUpdatedTimestamp":              ts,
			"AlarmConfigurationUpdatedTimestamp": ts.Add(-time.Hour),
			"MetricName":                         "Latency",
			"Namespace":                          "App",
			"Statistic":                          "Average",
			"Dimensions":                         []any{map[string]any{"Name": "Service", "Value": "api"}},
			"Period":                             int64(60),
			"EvaluationPeriods":                  int64(3),
			"Threshold":                          0.25,
			"ComparisonOperator":                 "GreaterThanThreshold",
			"Metrics": []any{map[string]any{
				"Id": "m1", "ReturnData": false,
				"MetricStat": map[string]any{"Metric": map[string]any{"Namespace": "App", "MetricName": "Latency"}, "Period": int64(60), "Stat": "p99"},
			}},
		}},
		"CompositeAlarms": []any{},
		"NextToken":       "tok",
	}
	c := New().(*codec)
	op := cloudwatch(t).Operation("DescribeAlarms")
	rec := httptest.NewRecorder()
	if err := c.Encode(rec, newReq(t, "POST", cwPath+"DescribeAlarms", nil), op, out); err != nil {
		t.Fatal(err)
	}
	back, err := c.decodeStructure(rec.Body.Bytes(), op.Output.Shape)
	if err != nil {
		t.Fatal(err)
	}
	if d := jsontest.Diff(out, back); d != "" {
		t.Fatal(d)
	}
}

func TestEncodeNoOutput(t *testing.T) {
	rec := httptest.NewRecorder()
	op := cloudwatch(t).Operation("PutMetricData")
	if err := New().Encode(rec, newReq(t, "POST", cwPath+"PutMetricData", nil), op, nil); err != nil {
		t.Fatal(err)
	}
	if rec.Body.Len() != 0 || rec.Header().Get("Content-Type") != "" {
		t.Fatalf("want empty body without Content-Type, got %q (%q)", rec.Body.Bytes(), rec.Header().Get("Content-Type"))
	}
	if rec.Header().Get("Smithy-Protocol") != "rpc-v2-cbor" {
		t.Fatal("missing Smithy-Protocol")
	}
}

func TestEncodeRejectsWrongGoType(t *testing.T) {
	op := cloudwatch(t).Operation("GetMetricStatistics")
	err := New().Encode(httptest.NewRecorder(), newReq(t, "POST", cwPath+"GetMetricStatistics", nil), op,
		map[string]any{"Label": 42})
	if err == nil {
		t.Fatal("want an error for an int in a string member")
	}
}

func TestEncodeError(t *testing.T) {
	tests := []struct {
		name       string
		op         string
		err        *awserr.Error
		wantStatus int
		wantQuery  string
		want       []byte
	}{
		{
			"by shape name",
			"DeleteAlarms",
			&awserr.Error{Code: "ResourceNotFound", Message: "alarm x not found", Status: 404},
			404, "ResourceNotFound;Sender",
			cmap(kv{"__type", text("ResourceNotFound")}, kv{"message", text("alarm x not found")}),
		},
		{
			"by query code, status from the model",
			"PutMetricData",
			&awserr.Error{Code: "InvalidParameterValue", Message: "bad value"},
			400, "InvalidParameterValue;Sender",
			cmap(kv{"__type", text("InvalidParameterValueException")}, kv{"message", text("bad value")}),
		},
		{
			"extra fields by wire name",
			"TagResource",
			(&awserr.Error{Code: "ResourceNotFoundException", Message: "no such alarm", Status: 404}).
				With("ResourceType", "alarm").With("ResourceId", "a1"),
			404, "ResourceNotFoundException;Sender",
			cmap(kv{"__type", text("ResourceNotFoundException")}, kv{"message", text("no such alarm")},
				kv{"ResourceType", text("alarm")}, kv{"ResourceId", text("a1")}),
		},
		{
			"server fault, modeled Message member",
			"PutMetricData",
			&awserr.Error{Code: "InternalServiceError", Message: "boom", Status: 500, Receiver: true},
			500, "InternalServiceError;Receiver",
			cmap(kv{"__type", text("InternalServiceFault")}, kv{"message", text("boom")}, kv{"Message", text("boom")}),
		},
		{
			"unmodeled",
			"PutMetricData",
			&awserr.Error{Code: "ThrottlingException", Message: "slow down", Status: 400},
			400, "ThrottlingException;Sender",
			cmap(kv{"__type", text("ThrottlingException")}, kv{"message", text("slow down")}),
		},
	}
	c := New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			c.EncodeError(rec, newReq(t, "POST", cwPath+tt.op, nil), cloudwatch(t).Operation(tt.op), tt.err)
			if rec.Code != tt.wantStatus {
				t.Errorf("status = %d, want %d", rec.Code, tt.wantStatus)
			}
			h := rec.Header()
			if got := h.Get("X-Amzn-Query-Error"); got != tt.wantQuery {
				t.Errorf("x-amzn-query-error = %q, want %q", got, tt.wantQuery)
			}
			if h.Get("Smithy-Protocol") != "rpc-v2-cbor" || h.Get("Content-Type") != "application/cbor" {
				t.Errorf("headers = %v", h)
			}
			if h.Get("X-Amzn-Errortype") != "" {
				t.Errorf("rpcv2Cbor must not send X-Amzn-ErrorType")
			}
			if !bytes.Equal(rec.Body.Bytes(), tt.want) {
				t.Errorf("body\n got %s\nwant %s", hex.EncodeToString(rec.Body.Bytes()), hex.EncodeToString(tt.want))
			}
		})
	}
}

// TestHandWrittenBytes pins a few encodings byte for byte against RFC 8949
// Appendix A, through the codec's own decoder.
func TestHandWrittenBytes(t *testing.T) {
	tests := []struct {
		hex  string
		want map[string]any
	}{
		// {"NextToken": "a"}
		{"a1694e657874546f6b656e6161", map[string]any{"NextToken": "a"}},
		// {"MaxDatapoints": 1000000} (RFC 8949 A: 1a000f4240)
		{"a16d4d6178446174617" + "06f696e74731a000f4240", map[string]any{"MaxDatapoints": int64(1000000)}},
		// {"StartTime": 1(1363896240)} (RFC 8949 A: c11a514b67b0)
		{"a169537461727454696d65c11a514b67b0", map[string]any{"StartTime": time.Unix(1363896240, 0).UTC()}},
		// {"StartTime": 1(1363896240.5)} (RFC 8949 A: c1fb41d452d9ec200000)
		{"a169537461727454696d65c1fb41d452d9ec200000", map[string]any{"StartTime": time.Unix(1363896240, 5e8).UTC()}},
	}
	c := New().(*codec)
	op := cloudwatch(t).Operation("GetMetricData")
	for _, tt := range tests {
		b, err := hex.DecodeString(tt.hex)
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.decodeStructure(b, op.Input.Shape)
		if err != nil {
			t.Fatalf("%s: %v", tt.hex, err)
		}
		if d := jsontest.Diff(tt.want, got); d != "" {
			t.Errorf("%s: %s", tt.hex, d)
		}
	}
}

func TestMethodAndHeadersOnError(t *testing.T) {
	rec := httptest.NewRecorder()
	New().EncodeError(rec, &protocol.Request{HTTP: httptest.NewRequest("POST", "/", nil)}, nil,
		awserr.New(http.StatusNotFound, "UnknownOperationException", ""))
	if rec.Code != 404 {
		t.Fatalf("status = %d", rec.Code)
	}
	if rec.Header().Get("X-Amzn-Query-Error") != "" {
		t.Fatal("no service: no query-compat header")
	}
}
