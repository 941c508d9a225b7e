package gateway

import "testing"

func TestS3HostLabels(t *testing.T) {
	tests := map[string]string{
		"127.0.0.1:4566":                              "",
		"localhost:4566":                              "",
		"s3.amazonaws.com":                            "",
		"s3.us-west-2.amazonaws.com":                  "",
		"s3.localhost.localstack.cloud:4566":          "",
		"[::1]:4566":                                  "",
		"bucket.s3.amazonaws.com":                     "bucket",
		"my.dotted.bucket.s3.us-west-2.amazonaws.com": "my.dotted.bucket",
		"bucket.s3-us-west-2.amazonaws.com":           "bucket",
		"site.s3-website-us-east-1.amazonaws.com":     "site",
		"bucket.s3.dualstack.eu-west-1.amazonaws.com": "bucket",
		"bucket.s3.localhost.localstack.cloud:4566":   "bucket",
		"Bucket.S3.LOCALHOST.localstack.cloud":        "bucket",
		"s3.s3.amazonaws.com":                         "s3",
		"bucket.localhost:4566":                       "bucket",
		"a.b.localhost":                               "a.b",
		"sts.us-east-1.amazonaws.com":                 "",
	}
	for host, want := range tests {
		got := s3HostLabels(host)["Bucket"]
		if got != want {
			t.Errorf("%s: bucket %q, want %q", host, got, want)
		}
	}
}
