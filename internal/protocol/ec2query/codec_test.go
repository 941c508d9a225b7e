package ec2query_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/protocol"
	"hakoniwa/internal/protocol/ec2query"
	"hakoniwa/internal/protocol/protocoltest"
)

var models protocoltest.Models

func request(t *testing.T, body string) *protocol.Request {
	t.Helper()
	svc, err := models.Load("ec2")
	if err != nil {
		t.Fatal(err)
	}
	hr := httptest.NewRequest("POST", "/", strings.NewReader(body))
	hr.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	return &protocol.Request{HTTP: hr, Service: svc, RequestID: "req-ec2"}
}

func TestRunInstancesDecode(t *testing.T) {
	body := "Action=RunInstances&Version=2016-11-15&ImageId=ami-12345678&MinCount=1&MaxCount=2" +
		"&SecurityGroupId.1=sg-1&SecurityGroupId.2=sg-2" +
		"&TagSpecification.1.ResourceType=instance&TagSpecification.1.Tag.1.Key=Name&TagSpecification.1.Tag.1.Value=web" +
		"&TagSpecification.1.Tag.2.Key=env&TagSpecification.1.Tag.2.Value=dev" +
		"&BlockDeviceMapping.1.DeviceName=%2Fdev%2Fxvda&BlockDeviceMapping.1.Ebs.VolumeSize=8&BlockDeviceMapping.1.Ebs.DeleteOnTermination=true" +
		"&NetworkInterface.1.DeviceIndex=0&NetworkInterface.1.SecurityGroupId.1=sg-3" +
		"&UserData=ZWNobw%3D%3D"
	c := ec2query.New()
	req := request(t, body)
	op, err := c.Resolve(req)
	if err != nil {
		t.Fatal(err)
	}
	in, err := c.Decode(req, op)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"ImageId": "ami-12345678", "MinCount": int64(1), "MaxCount": int64(2),
		"SecurityGroupIds": []any{"sg-1", "sg-2"},
		"TagSpecifications": []any{map[string]any{"ResourceType": "instance", "Tags": []any{
			map[string]any{"Key": "Name", "Value": "web"}, map[string]any{"Key": "env", "Value": "dev"}}}},
		"BlockDeviceMappings": []any{map[string]any{"DeviceName": "/dev/xvda",
			"Ebs": map[string]any{"VolumeSize": int64(8), "DeleteOnTermination": true}}},
		"NetworkInterfaces": []any{map[string]any{"DeviceIndex": int64(0), "Groups": []any{"sg-3"}}},
		"UserData":          "ZWNobw==",
	}
	if err := protocoltest.Equal(want, in); err != nil {
		t.Fatal(err)
	}
}

func TestErrors(t *testing.T) {
	c := ec2query.New()
	for _, tc := range []struct{ body, code string }{
		{"Action=RunInstancez", "InvalidAction"},
		{"Action=RunInstances&MinCount=one", "InvalidParameterValue"},
		{"Action=DescribeInstances&DryRun=perhaps", "InvalidParameterValue"},
		{"Version=2016-11-15", "MissingAction"},
	} {
		req := request(t, tc.body)
		op, err := c.Resolve(req)
		if err == nil {
			_, err = c.Decode(req, op)
		}
		var ae *awserr.Error
		if !errors.As(err, &ae) || ae.Code != tc.code || ae.Status != 400 {
			t.Errorf("%s: err %v, want %s", tc.body, err, tc.code)
		}
	}
}

func TestEncodeParsedByBotocore(t *testing.T) {
	c := ec2query.New()
	req := request(t, "Action=RunInstances&MinCount=1&MaxCount=1")
	op, err := c.Resolve(req)
	if err != nil {
		t.Fatal(err)
	}
	launched := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	out := map[string]any{
		"ReservationId": "r-0123456789abcdef0", "OwnerId": "000000000000",
		"Instances": []any{map[string]any{
			"InstanceId": "i-0123456789abcdef0", "LaunchTime": launched,
			"State": map[string]any{"Code": int64(0), "Name": "pending"},
			"Tags":  []any{map[string]any{"Key": "Name", "Value": "web"}},
		}},
	}
	rec := httptest.NewRecorder()
	if err := c.Encode(rec, req, op, out); err != nil {
		t.Fatal(err)
	}
	body := rec.Body.String()
	for _, want := range []string{`<RunInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">`, "<requestId>req-ec2</requestId>", "<instancesSet><item>", "<tagSet><item>"} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %s:\n%s", want, body)
		}
	}
	parsed := protocoltest.BotocoreParse(t, "ec2", "RunInstances", "", rec.Code, rec.Header(), rec.Body.Bytes())
	insts, _ := parsed["Instances"].([]any)
	if len(insts) != 1 {
		t.Fatalf("parsed %v", parsed)
	}
	inst := insts[0].(map[string]any)
	if inst["InstanceId"] != "i-0123456789abcdef0" || inst["LaunchTime"] != "2024-01-02T03:04:05+00:00" {
		t.Errorf("instance %v", inst)
	}
	if md, _ := parsed["ResponseMetadata"].(map[string]any); md["RequestId"] != "req-ec2" {
		t.Errorf("metadata %v", parsed["ResponseMetadata"])
	}
}

func TestErrorParsedByBotocore(t *testing.T) {
	c := ec2query.New()
	for _, tc := range []struct {
		err    *awserr.Error
		status int
	}{
		{awserr.New(http.StatusNotFound, "InvalidInstanceID.NotFound", "The instance ID 'i-1' does not exist"), 400},
		{awserr.New(http.StatusForbidden, "UnauthorizedOperation", "You are not authorized to perform this operation."), 403},
		{awserr.Internal(), 500},
	} {
		req := request(t, "Action=DescribeInstances")
		rec := httptest.NewRecorder()
		c.EncodeError(rec, req, nil, tc.err)
		if rec.Code != tc.status {
			t.Errorf("%s: status %d, want %d", tc.err.Code, rec.Code, tc.status)
		}
		parsed := protocoltest.BotocoreParse(t, "ec2", "DescribeInstances", "", rec.Code, rec.Header(), rec.Body.Bytes())
		e, _ := parsed["Error"].(map[string]any)
		if e["Code"] != tc.err.Code || e["Message"] != tc.err.Message {
			t.Errorf("botocore parsed %v", parsed)
		}
		if md, _ := parsed["ResponseMetadata"].(map[string]any); md["RequestId"] != "req-ec2" {
			t.Errorf("metadata %v", parsed)
		}
	}
}
