package gateway

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"hakoniwa/internal/api"
	cloudtrailapi "hakoniwa/internal/api/cloudtrail"
	cloudwatchapi "hakoniwa/internal/api/cloudwatch"
	ec2api "hakoniwa/internal/api/ec2"
	s3api "hakoniwa/internal/api/s3"
	s3controlapi "hakoniwa/internal/api/s3control"
	stsapi "hakoniwa/internal/api/sts"
)

func testGateway() *Gateway {
	return New(Config{Services: []*api.Binding{
		stsapi.Bind(stsapi.Unimplemented{}),
		cloudtrailapi.Bind(cloudtrailapi.Unimplemented{}),
		cloudwatchapi.Bind(cloudwatchapi.Unimplemented{}),
		ec2api.Bind(ec2api.Unimplemented{}),
		s3api.Bind(s3api.Unimplemented{}),
		s3controlapi.Bind(s3controlapi.Unimplemented{}),
	}})
}

func scoped(service string) string {
	return "AWS4-HMAC-SHA256 Credential=test/20260101/eu-west-1/" + service + "/aws4_request, SignedHeaders=host;x-amz-date, Signature=00"
}

func TestDetect(t *testing.T) {
	g := testGateway()
	form := "application/x-www-form-urlencoded; charset=utf-8"
	cases := []struct {
		name            string
		method, target  string
		headers         map[string]string
		wantSvc, wantPr string
		wantCode        string
	}{
		{name: "json full target", method: "POST", target: "/",
			headers: map[string]string{"X-Amz-Target": "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents", "Authorization": scoped("cloudtrail")},
			wantSvc: "cloudtrail", wantPr: "json"},
		{name: "json short target (Smithy SDKs)", method: "POST", target: "/",
			headers: map[string]string{"X-Amz-Target": "CloudTrail_20131101.LookupEvents", "Authorization": scoped("cloudtrail")},
			wantSvc: "cloudtrail", wantPr: "json"},
		{name: "rpc-v2-cbor", method: "POST", target: "/service/GraniteServiceVersion20100801/operation/ListMetrics",
			headers: map[string]string{"Smithy-Protocol": "rpc-v2-cbor", "Authorization": scoped("monitoring")},
			wantSvc: "cloudwatch", wantPr: "smithy-rpc-v2-cbor"},
		{name: "cloudwatch over query (old clients)", method: "POST", target: "/",
			headers: map[string]string{"Content-Type": form, "Authorization": scoped("monitoring")},
			wantSvc: "cloudwatch", wantPr: "query"},
		{name: "query by scope", method: "POST", target: "/",
			headers: map[string]string{"Content-Type": form, "Authorization": scoped("sts")},
			wantSvc: "sts", wantPr: "query"},
		{name: "query GET with Action", method: "GET", target: "/?Action=GetCallerIdentity&Version=2011-06-15",
			headers: map[string]string{"Authorization": scoped("sts")},
			wantSvc: "sts", wantPr: "query"},
		{name: "ec2", method: "POST", target: "/",
			headers: map[string]string{"Content-Type": form, "Authorization": scoped("ec2")},
			wantSvc: "ec2", wantPr: "ec2"},
		{name: "s3 signed", method: "GET", target: "/bucket/key",
			headers: map[string]string{"Authorization": scoped("s3")},
			wantSvc: "s3", wantPr: "rest-xml"},
		{name: "s3 presigned", method: "GET", target: "/bucket/key?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=test%2F20260101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20260101T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=00",
			wantSvc: "s3", wantPr: "rest-xml"},
		{name: "s3control by account header", method: "GET", target: "http://000000000000.127.0.0.1:4566/v20180820/configuration/publicAccessBlock",
			headers: map[string]string{"Authorization": scoped("s3"), "X-Amz-Account-Id": "000000000000"},
			wantSvc: "s3control", wantPr: "rest-xml"},
		{name: "s3control by host", method: "GET", target: "http://000000000000.s3-control.us-east-1.amazonaws.com/v20180820/configuration/publicAccessBlock",
			headers: map[string]string{"Authorization": scoped("s3")},
			wantSvc: "s3control", wantPr: "rest-xml"},
		{name: "a bucket named like s3control's version is s3", method: "GET", target: "/v20180820/configuration/publicAccessBlock",
			headers: map[string]string{"Authorization": scoped("s3")},
			wantSvc: "s3", wantPr: "rest-xml"},
		{name: "anonymous s3", method: "GET", target: "/public-bucket/index.html",
			wantSvc: "s3", wantPr: "rest-xml"},
		{name: "unsigned query", method: "POST", target: "/",
			headers:  map[string]string{"Content-Type": form},
			wantCode: "MissingAuthenticationToken"},
		{name: "unknown signing name", method: "POST", target: "/",
			headers:  map[string]string{"Content-Type": form, "Authorization": scoped("nosuchservice")},
			wantCode: "UnknownService"},
		{name: "unknown target", method: "POST", target: "/",
			headers:  map[string]string{"X-Amz-Target": "Kinesis_20131202.ListStreams", "Authorization": scoped("kinesis")},
			wantCode: "UnknownService"},
		{name: "cbor for a service that has no cbor", method: "POST", target: "/service/CloudTrail_20131101/operation/LookupEvents",
			headers:  map[string]string{"Smithy-Protocol": "rpc-v2-cbor", "Authorization": scoped("cloudtrail")},
			wantCode: "UnknownService"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(tc.method, tc.target, strings.NewReader(""))
			for k, v := range tc.headers {
				r.Header.Set(k, v)
			}
			b, proto, _, err := g.detect(r)
			if tc.wantCode != "" {
				if err == nil || err.Code != tc.wantCode {
					t.Fatalf("got %v, %v; want error %s", b, err, tc.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatalf("detect: %v", err)
			}
			if b.ID != tc.wantSvc || proto != tc.wantPr {
				t.Fatalf("got %s/%s, want %s/%s", b.ID, proto, tc.wantSvc, tc.wantPr)
			}
		})
	}
}

func TestDetectRegionFromScope(t *testing.T) {
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(""))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Authorization", scoped("sts"))
	if _, _, region, _ := testGateway().detect(r); region != "eu-west-1" {
		t.Fatalf("region = %q", region)
	}
}

func TestCatalogEntryForUnservedServices(t *testing.T) {
	g := testGateway()
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(""))
	r.Header.Set("X-Amz-Target", "Kinesis_20131202.ListStreams")
	if e, ok := g.catalogEntry(r); !ok || e.ID != "kinesis" {
		t.Fatalf("kinesis by target: %+v %v", e, ok)
	}
	r = httptest.NewRequest(http.MethodPost, "/", strings.NewReader(""))
	r.Header.Set("Authorization", scoped("sqs"))
	if e, ok := g.catalogEntry(r); !ok || e.ID != "sqs" {
		t.Fatalf("sqs by scope: %+v %v", e, ok)
	}
	r = httptest.NewRequest(http.MethodPost, "/", strings.NewReader(""))
	r.Header.Set("Authorization", scoped("nosuchservice"))
	if _, ok := g.catalogEntry(r); ok {
		t.Fatal("a service AWS does not have was found")
	}
}

func TestPrincipalType(t *testing.T) {
	for arn, want := range map[string]string{
		"arn:aws:iam::000000000000:root":                    "Root",
		"arn:aws:iam::000000000000:user/dev/alice":          "IAMUser",
		"arn:aws:sts::000000000000:assumed-role/Admin/sess": "AssumedRole",
		"arn:aws:sts::000000000000:federated-user/bob":      "FederatedUser",
		"not an arn": "Unknown",
	} {
		if got, _ := principalType(arn); got != want {
			t.Errorf("%s: %s, want %s", arn, got, want)
		}
	}
	if _, name := principalType("arn:aws:iam::000000000000:user/dev/alice"); name != "alice" {
		t.Errorf("user name %q", name)
	}
}

func TestLowerFirstAndReadOnly(t *testing.T) {
	for in, want := range map[string]string{"UserName": "userName", "DBInstanceIdentifier": "dBInstanceIdentifier", "x": "x", "": ""} {
		if got := lowerFirst(in); got != want {
			t.Errorf("lowerFirst(%q) = %q", in, got)
		}
	}
	for op, want := range map[string]bool{"GetCallerIdentity": true, "DescribeVpcs": true, "ListUsers": true, "CreateUser": false, "RunInstances": false, "PutObject": false} {
		if readOnly(op) != want {
			t.Errorf("readOnly(%s) = %v", op, !want)
		}
	}
}

func TestCatalogShortTarget(t *testing.T) {
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(""))
	// CodeConnections (not enabled in testGateway) has a dotted target
	// prefix; aws-sdk-go-v2 sends only its last component.
	r.Header.Set("X-Amz-Target", "CodeConnections_20231201.ListConnections")
	if e, ok := testGateway().catalogEntry(r); !ok || e.ID != "codeconnections" {
		t.Fatalf("got %+v %v", e, ok)
	}
}
