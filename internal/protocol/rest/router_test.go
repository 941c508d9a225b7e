package rest_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"hakoniwa/internal/protocol"
	"hakoniwa/internal/protocol/protocoltest"
	"hakoniwa/internal/protocol/rest"
)

var models protocoltest.Models

func TestRouteS3(t *testing.T) {
	svc, err := models.Load("s3")
	if err != nil {
		t.Fatal(err)
	}
	var routers rest.Routers
	r := routers.For(svc)
	if routers.For(svc) != r {
		t.Fatal("router not cached per service")
	}
	tests := []struct {
		method, target string
		headers        map[string]string
		host           map[string]string
		want           string
		labels         map[string]string
	}{
		{"GET", "/", nil, nil, "ListBuckets", nil},
		{"GET", "/bkt", nil, nil, "ListObjects", map[string]string{"Bucket": "bkt"}},
		{"GET", "/bkt/", nil, nil, "ListObjects", map[string]string{"Bucket": "bkt"}},
		{"GET", "/bkt?list-type=2&prefix=a", nil, nil, "ListObjectsV2", nil},
		{"GET", "/bkt?list-type=3", nil, nil, "ListObjects", nil},
		{"GET", "/bkt?acl", nil, nil, "GetBucketAcl", nil},
		{"GET", "/bkt?policy", nil, nil, "GetBucketPolicy", nil},
		{"GET", "/bkt/key?acl", nil, nil, "GetObjectAcl", map[string]string{"Bucket": "bkt", "Key": "key"}},
		{"GET", "/bkt/a/b%20c/d", nil, nil, "GetObject", map[string]string{"Bucket": "bkt", "Key": "a/b c/d"}},
		{"GET", "/bkt/a%2Fb", nil, nil, "GetObject", map[string]string{"Key": "a/b"}},
		{"GET", "/bkt/k?uploadId=u", nil, nil, "ListParts", nil},
		{"HEAD", "/bkt/k", nil, nil, "HeadObject", nil},
		{"HEAD", "/bkt", nil, nil, "HeadBucket", nil},
		{"PUT", "/bkt", nil, nil, "CreateBucket", nil},
		{"PUT", "/bkt/k", nil, nil, "PutObject", nil},
		{"PUT", "/bkt/k", map[string]string{"x-amz-copy-source": "/src/k"}, nil, "CopyObject", nil},
		{"PUT", "/bkt/k?partNumber=1&uploadId=u", nil, nil, "UploadPart", nil},
		{"PUT", "/bkt/k?partNumber=1&uploadId=u", map[string]string{"x-amz-copy-source": "/src/k"}, nil, "UploadPartCopy", nil},
		{"DELETE", "/bkt/k", nil, nil, "DeleteObject", nil},
		{"DELETE", "/bkt/k?uploadId=u", nil, nil, "AbortMultipartUpload", nil},
		{"POST", "/bkt/k?uploads", nil, nil, "CreateMultipartUpload", nil},
		{"POST", "/bkt/k?uploadId=u", nil, nil, "CompleteMultipartUpload", nil},
		{"POST", "/bkt?delete", nil, nil, "DeleteObjects", nil},
		{"GET", "/bkt?analytics", nil, nil, "ListBucketAnalyticsConfigurations", nil},
		{"GET", "/bkt?analytics&id=x", nil, nil, "GetBucketAnalyticsConfiguration", nil},
		{"GET", "/bkt?lifecycle", nil, nil, "GetBucketLifecycleConfiguration", nil},
		{"POST", "/bkt/k?select&select-type=2", nil, nil, "SelectObjectContent", nil},
		// Virtual-hosted style: the bucket comes from the Host header.
		{"GET", "/", nil, map[string]string{"Bucket": "vb"}, "ListObjects", map[string]string{"Bucket": "vb"}},
		{"GET", "/?versioning", nil, map[string]string{"Bucket": "vb"}, "GetBucketVersioning", nil},
		{"PUT", "/dir/file.txt", nil, map[string]string{"Bucket": "vb"}, "PutObject", map[string]string{"Bucket": "vb", "Key": "dir/file.txt"}},
	}
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.target, func(t *testing.T) {
			hr := httptest.NewRequest(tc.method, tc.target, nil)
			for k, v := range tc.headers {
				hr.Header.Set(k, v)
			}
			op, labels, err := r.Match(&protocol.Request{HTTP: hr, Service: svc, HostLabels: tc.host})
			if err != nil {
				t.Fatal(err)
			}
			if op.Name != tc.want {
				t.Fatalf("matched %s, want %s", op.Name, tc.want)
			}
			for k, v := range tc.labels {
				if labels[k] != v {
					t.Errorf("label %s = %q, want %q", k, labels[k], v)
				}
			}
		})
	}
}

func TestRouteMisses(t *testing.T) {
	s3, err := models.Load("s3")
	if err != nil {
		t.Fatal(err)
	}
	r53, err := models.Load("route53")
	if err != nil {
		t.Fatal(err)
	}
	var routers rest.Routers
	tests := []struct {
		svc         string
		method, uri string
		pathMatched bool
	}{
		{"s3", "PATCH", "/bkt/k", true},
		{"s3", "POST", "/", true}, // ListBuckets owns GET /
		{"route53", "GET", "/nothing/here", false},
		{"route53", "DELETE", "/2013-04-01/hostedzone", true},
	}
	for _, tc := range tests {
		svc := s3
		if tc.svc == "route53" {
			svc = r53
		}
		hr := httptest.NewRequest(tc.method, tc.uri, nil)
		_, _, err := routers.For(svc).Match(&protocol.Request{HTTP: hr, Service: svc})
		var nr *rest.NoRouteError
		if !errors.As(err, &nr) {
			t.Fatalf("%s %s: err = %v, want NoRouteError", tc.method, tc.uri, err)
		}
		if nr.PathMatched != tc.pathMatched {
			t.Errorf("%s %s: PathMatched = %v, want %v", tc.method, tc.uri, nr.PathMatched, tc.pathMatched)
		}
	}
}

func TestRouteRoute53(t *testing.T) {
	svc, err := models.Load("route53")
	if err != nil {
		t.Fatal(err)
	}
	r := rest.NewRouter(svc)
	tests := []struct{ method, uri, want, label string }{
		{"GET", "/2013-04-01/hostedzone", "ListHostedZones", ""},
		{"POST", "/2013-04-01/hostedzone", "CreateHostedZone", ""},
		{"GET", "/2013-04-01/hostedzone/Z123", "GetHostedZone", "Z123"},
		{"GET", "/2013-04-01/hostedzone/Z123/rrset", "ListResourceRecordSets", "Z123"},
		{"POST", "/2013-04-01/hostedzone/Z123/rrset/", "ChangeResourceRecordSets", "Z123"},
		{"POST", "/2013-04-01/hostedzone/Z123/rrset", "ChangeResourceRecordSets", "Z123"},
		{"GET", "/2013-04-01/trafficpolicyinstances/hostedzone?id=Z1", "ListTrafficPolicyInstancesByHostedZone", ""},
	}
	for _, tc := range tests {
		hr := httptest.NewRequest(tc.method, tc.uri, nil)
		op, labels, err := r.Match(&protocol.Request{HTTP: hr, Service: svc})
		if err != nil {
			t.Fatalf("%s %s: %v", tc.method, tc.uri, err)
		}
		if op.Name != tc.want {
			t.Errorf("%s %s: matched %s, want %s", tc.method, tc.uri, op.Name, tc.want)
		}
		if tc.label != "" && labels["Id"] != tc.label {
			t.Errorf("%s %s: Id = %q, want %q", tc.method, tc.uri, labels["Id"], tc.label)
		}
	}
}

func BenchmarkRouteS3(b *testing.B) {
	svc, err := models.Load("s3")
	if err != nil {
		b.Fatal(err)
	}
	r := rest.NewRouter(svc)
	hr := httptest.NewRequest(http.MethodPut, "/bkt/some/key?partNumber=1&uploadId=u", nil)
	req := &protocol.Request{HTTP: hr, Service: svc}
	for b.Loop() {
		if _, _, err := r.Match(req); err != nil {
			b.Fatal(err)
		}
	}
}
