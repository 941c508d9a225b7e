package query_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/protocol"
	"hakoniwa/internal/protocol/protocoltest"
	"hakoniwa/internal/protocol/query"
)

var models protocoltest.Models

func formRequest(t *testing.T, svcID, body string) *protocol.Request {
	t.Helper()
	svc, err := models.Load(svcID)
	if err != nil {
		t.Fatal(err)
	}
	hr := httptest.NewRequest("POST", "/", strings.NewReader(body))
	hr.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	return &protocol.Request{HTTP: hr, Service: svc, RequestID: "req-0001"}
}

func TestDecodeRealModels(t *testing.T) {
	tests := []struct {
		svc, body, op string
		want          map[string]any
	}{
		{"iam", "Action=CreateUser&Version=2010-05-08&UserName=alice&Path=%2Fteam%2F&Tags.member.1.Key=env&Tags.member.1.Value=dev&Tags.member.2.Key=team&Tags.member.2.Value=",
			"CreateUser", map[string]any{"UserName": "alice", "Path": "/team/", "Tags": []any{
				map[string]any{"Key": "env", "Value": "dev"}, map[string]any{"Key": "team", "Value": ""}}}},
		{"sts", "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A000000000000%3Arole%2Fr&RoleSessionName=s&DurationSeconds=900&PolicyArns.member.1.arn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FP",
			"AssumeRole", map[string]any{"RoleArn": "arn:aws:iam::000000000000:role/r", "RoleSessionName": "s", "DurationSeconds": int64(900),
				"PolicyArns": []any{map[string]any{"arn": "arn:aws:iam::aws:policy/P"}}}},
		{"sns", "Action=Publish&TopicArn=t&Message=hi&MessageAttributes.entry.1.Name=k&MessageAttributes.entry.1.Value.DataType=String&MessageAttributes.entry.1.Value.StringValue=v&MessageAttributes.entry.2.Name=b&MessageAttributes.entry.2.Value.DataType=Binary&MessageAttributes.entry.2.Value.BinaryValue=AAE%3D",
			"Publish", map[string]any{"TopicArn": "t", "Message": "hi", "MessageAttributes": map[string]any{
				"k": map[string]any{"DataType": "String", "StringValue": "v"},
				"b": map[string]any{"DataType": "Binary", "BinaryValue": []byte{0, 1}}}}},
		{"cloudwatch", "Action=PutMetricData&Namespace=App&MetricData.member.1.MetricName=Latency&MetricData.member.1.Value=1.5&MetricData.member.1.Timestamp=2024-01-02T03%3A04%3A05.5Z&MetricData.member.1.Dimensions.member.1.Name=Host&MetricData.member.1.Dimensions.member.1.Value=a",
			"PutMetricData", map[string]any{"Namespace": "App", "MetricData": []any{map[string]any{
				"MetricName": "Latency", "Value": 1.5, "Timestamp": time.Date(2024, 1, 2, 3, 4, 5, 5e8, time.UTC),
				"Dimensions": []any{map[string]any{"Name": "Host", "Value": "a"}}}}}},
	}
	c := query.New()
	for _, tc := range tests {
		t.Run(tc.svc+"/"+tc.op, func(t *testing.T) {
			req := formRequest(t, tc.svc, tc.body)
			op, err := c.Resolve(req)
			if err != nil {
				t.Fatal(err)
			}
			if op.Name != tc.op {
				t.Fatalf("resolved %s", op.Name)
			}
			in, err := c.Decode(req, op)
			if err != nil {
				t.Fatal(err)
			}
			if err := protocoltest.Equal(tc.want, in); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestQueryStringGET(t *testing.T) {
	svc, err := models.Load("sts")
	if err != nil {
		t.Fatal(err)
	}
	hr := httptest.NewRequest("GET", "/?Action=GetCallerIdentity&Version=2011-06-15", nil)
	op, err := query.New().Resolve(&protocol.Request{HTTP: hr, Service: svc})
	if err != nil || op.Name != "GetCallerIdentity" {
		t.Fatalf("op %v err %v", op, err)
	}
}

func TestResolveAndDecodeErrors(t *testing.T) {
	tests := []struct {
		svc, body string
		code      string
		status    int
		msg       string
	}{
		{"iam", "Version=2010-05-08&UserName=a", "MissingAction", 400, ""},
		{"iam", "Action=CreateUsr&Version=2010-05-08", "InvalidAction", 400, "Could not find operation CreateUsr for version 2010-05-08"},
		{"iam", "Action=ListUsers&MaxItems=ten", "ValidationError", 400, "MaxItems"},
		{"sts", "Action=AssumeRole&DurationSeconds=1e3", "ValidationError", 400, "DurationSeconds"},
		{"iam", "Action=ListUsers&MaxItems=%zz", "MalformedQueryString", 404, ""},
	}
	c := query.New()
	for _, tc := range tests {
		req := formRequest(t, tc.svc, tc.body)
		op, err := c.Resolve(req)
		if err == nil {
			_, err = c.Decode(req, op)
		}
		var ae *awserr.Error
		if !errors.As(err, &ae) {
			t.Errorf("%s: err = %v, want %s", tc.body, err, tc.code)
			continue
		}
		if ae.Code != tc.code || ae.Status != tc.status || !strings.Contains(ae.Message, tc.msg) {
			t.Errorf("%s: got %s %d %q, want %s %d containing %q", tc.body, ae.Code, ae.Status, ae.Message, tc.code, tc.status, tc.msg)
		}
	}
}

func TestEncodeParsedByBotocore(t *testing.T) {
	c := query.New()
	req := formRequest(t, "iam", "Action=CreateUser&UserName=alice")
	op, err := c.Resolve(req)
	if err != nil {
		t.Fatal(err)
	}
	created := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	out := map[string]any{"User": map[string]any{
		"Path": "/", "UserName": "alice", "UserId": "AIDAEXAMPLE000000001",
		"Arn": "arn:aws:iam::000000000000:user/alice", "CreateDate": created,
		"Tags": []any{map[string]any{"Key": "k<&>", "Value": "v"}},
	}}
	rec := httptest.NewRecorder()
	if err := c.Encode(rec, req, op, out); err != nil {
		t.Fatal(err)
	}
	body := rec.Body.String()
	for _, want := range []string{`<CreateUserResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">`, "<CreateUserResult>", "<RequestId>req-0001</RequestId>", "k&lt;&amp;&gt;"} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %s:\n%s", want, body)
		}
	}
	parsed := protocoltest.BotocoreParse(t, "iam", "CreateUser", "", rec.Code, rec.Header(), rec.Body.Bytes())
	user, _ := parsed["User"].(map[string]any)
	if user["UserName"] != "alice" || user["CreateDate"] != "2024-05-06T07:08:09+00:00" {
		t.Errorf("botocore parsed %v", parsed)
	}
	tags, _ := user["Tags"].([]any)
	if len(tags) != 1 || tags[0].(map[string]any)["Key"] != "k<&>" {
		t.Errorf("tags %v", user["Tags"])
	}
	if md, _ := parsed["ResponseMetadata"].(map[string]any); md["RequestId"] != "req-0001" {
		t.Errorf("metadata %v", parsed["ResponseMetadata"])
	}
}

func TestNoOutputOperation(t *testing.T) {
	c := query.New()
	req := formRequest(t, "iam", "Action=DeleteUser&UserName=alice")
	op, err := c.Resolve(req)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	if err := c.Encode(rec, req, op, nil); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(rec.Body.String(), "Result") {
		t.Errorf("unexpected Result element: %s", rec.Body)
	}
	parsed := protocoltest.BotocoreParse(t, "iam", "DeleteUser", "", rec.Code, rec.Header(), rec.Body.Bytes())
	if md, _ := parsed["ResponseMetadata"].(map[string]any); md["RequestId"] != "req-0001" {
		t.Errorf("parsed %v", parsed)
	}
}

func TestErrorParsedByBotocore(t *testing.T) {
	tests := []struct {
		err  *awserr.Error
		typ  string
		code int
	}{
		{awserr.New(http.StatusConflict, "EntityAlreadyExists", "User with name alice already exists."), "Sender", 409},
		{awserr.Internal(), "Receiver", 500},
		{awserr.New(http.StatusBadRequest, "ValidationError", "bad").With("Detail", "x"), "Sender", 400},
	}
	c := query.New()
	for _, tc := range tests {
		req := formRequest(t, "iam", "Action=CreateUser&UserName=alice")
		rec := httptest.NewRecorder()
		c.EncodeError(rec, req, nil, tc.err)
		if rec.Code != tc.code {
			t.Errorf("%s: status %d, want %d", tc.err.Code, rec.Code, tc.code)
		}
		if !strings.Contains(rec.Body.String(), "<Type>"+tc.typ+"</Type>") {
			t.Errorf("%s: body %s lacks Type %s", tc.err.Code, rec.Body, tc.typ)
		}
		parsed := protocoltest.BotocoreParse(t, "iam", "CreateUser", "", rec.Code, rec.Header(), rec.Body.Bytes())
		e, _ := parsed["Error"].(map[string]any)
		if e["Code"] != tc.err.Code || e["Message"] != tc.err.Message || e["Type"] != tc.typ {
			t.Errorf("botocore parsed %v", parsed)
		}
		if md, _ := parsed["ResponseMetadata"].(map[string]any); md["RequestId"] != "req-0001" {
			t.Errorf("metadata %v", parsed)
		}
	}
}

func FuzzQueryDecode(f *testing.F) {
	svc, err := models.Load("iam")
	if err != nil {
		f.Fatal(err)
	}
	ec2svc, err := models.Load("ec2")
	if err != nil {
		f.Fatal(err)
	}
	f.Add("Action=CreateUser&UserName=a&Tags.member.1.Key=k", false)
	f.Add("Action=PutUserPolicy&UserName=a&PolicyName=p&PolicyDocument=%7B%7D", false)
	f.Add("Action=ListUsers&MaxItems=1&Marker=", false)
	f.Add("Action=RunInstances&MinCount=1&MaxCount=1&TagSpecification.1.Tag.1.Key=k&BlockDeviceMapping.1.Ebs.VolumeSize=8", true)
	f.Add("Action=DescribeInstances&Filter.1.Name=a&Filter.1.Value.99999999999=b&InstanceId.0=x", true)
	qc := query.New()
	dec := query.FormDecoder{EC2: true}
	f.Fuzz(func(t *testing.T, body string, ec2 bool) {
		s := svc
		if ec2 {
			s = ec2svc
		}
		hr := httptest.NewRequest("POST", "/", strings.NewReader(body))
		req := &protocol.Request{HTTP: hr, Service: s}
		op, err := qc.Resolve(req)
		if err != nil {
			var ae *awserr.Error
			if !errors.As(err, &ae) || ae.Status >= 500 {
				t.Fatalf("Resolve: %v", err)
			}
			return
		}
		if ec2 {
			if op.Input != nil {
				_, _ = dec.Decode(req.Form, op.Input.Shape)
			}
			return
		}
		if _, err := qc.Decode(req, op); err != nil {
			var ae *awserr.Error
			if !errors.As(err, &ae) || ae.Status >= 500 {
				t.Fatalf("Decode: %v", err)
			}
		}
	})
}
