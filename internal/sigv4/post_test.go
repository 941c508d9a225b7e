package sigv4

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"testing"

	"hakoniwa/internal/awserr"
)

// The example of AWS's "Browser-Based Upload using HTTP POST (Using AWS
// Signature Version 4)", and a policy botocore's generate_presigned_post
// builds for the same credentials.
const (
	awsPostPolicy = "eyAiZXhwaXJhdGlvbiI6ICIyMDE1LTEyLTMwVDEyOjAwOjAwLjAwMFoiLA0KICAiY29uZGl0aW9ucyI6IFsNCiAgICB7ImJ1Y2tldCI6ICJzaWd2NGV4YW1wbGVidWNrZXQifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRrZXkiLCAidXNlci91c2VyMS8iXSwNCiAgICB7ImFjbCI6ICJwdWJsaWMtcmVhZCJ9LA0KICAgIHsic3VjY2Vzc19hY3Rpb25fcmVkaXJlY3QiOiAiaHR0cDovL3NpZ3Y0ZXhhbXBsZWJ1Y2tldC5zMy5hbWF6b25hd3MuY29tL3N1Y2Nlc3NmdWxfdXBsb2FkLmh0bWwifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRDb250ZW50LVR5cGUiLCAiaW1hZ2UvIl0sDQogICAgeyJ4LWFtei1tZXRhLXV1aWQiOiAiMTQzNjUxMjM2NTEyNzQifSwNCiAgICB7IngtYW16LXNlcnZlci1zaWRlLWVuY3J5cHRpb24iOiAiQUVTMjU2In0sDQogICAgWyJzdGFydHMtd2l0aCIsICIkeC1hbXotbWV0YS10YWciLCAiIl0sDQoNCiAgICB7IngtYW16LWNyZWRlbnRpYWwiOiAiQUtJQUlPU0ZPRE5ON0VYQU1QTEUvMjAxNTEyMjkvdXMtZWFzdC0xL3MzL2F3czRfcmVxdWVzdCJ9LA0KICAgIHsieC1hbXotYWxnb3JpdGhtIjogIkFXUzQtSE1BQy1TSEEyNTYifSwNCiAgICB7IngtYW16LWRhdGUiOiAiMjAxNTEyMjlUMDAwMDAwWiIgfQ0KICBdDQp9"
	awsPostSig    = "8afdbf4008c03f22c2cd3cdb72e4afbb1f6a588f3255ac628749a66d7f09699e"
	botoPolicy    = "eyJleHBpcmF0aW9uIjogIjIwMTUtMTItMjlUMDE6MDA6MDBaIiwgImNvbmRpdGlvbnMiOiBbeyJidWNrZXQiOiAic2lndjRleGFtcGxlYnVja2V0In0sIHsia2V5IjogInVzZXIvdXNlcjEvcGhvdG8uanBnIn0sIHsieC1hbXotYWxnb3JpdGhtIjogIkFXUzQtSE1BQy1TSEEyNTYifSwgeyJ4LWFtei1jcmVkZW50aWFsIjogIkFLSUFJT1NGT0ROTjdFWEFNUExFLzIwMTUxMjI5L3VzLWVhc3QtMS9zMy9hd3M0X3JlcXVlc3QifSwgeyJ4LWFtei1kYXRlIjogIjIwMTUxMjI5VDAwMDAwMFoifV19"
	botoSig       = "3364624b39010d9b06f5d9b8c9a18a6e478d261c048159c92f2fd6fa885f14e6"
	postCred      = testAKID + "/20151229/us-east-1/s3/aws4_request"
)

func postForm(policy, sig string) PostForm {
	return PostForm{Algorithm: algorithm, Credential: postCred, Date: "20151229T000000Z", Signature: sig, Policy: policy}
}

func TestVerifyPostVectors(t *testing.T) {
	v := testVerifier(rootCred(testAKID, testSecret))
	for name, f := range map[string]PostForm{"aws": postForm(awsPostPolicy, awsPostSig), "botocore": postForm(botoPolicy, botoSig)} {
		res, err := v.VerifyPost(context.Background(), f)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if res.AccessKeyID != testAKID || res.Region != "us-east-1" || res.Credential.Account != "000000000000" {
			t.Errorf("%s: result %+v", name, res)
		}
	}
}

func TestVerifyPostRefusals(t *testing.T) {
	temp := rootCred("ASIAEXAMPLE", testSecret)
	temp.SessionToken = "token"
	v := testVerifier(rootCred(testAKID, testSecret), temp)
	tempForm := postForm(awsPostPolicy, awsPostSig)
	tempForm.Credential = "ASIAEXAMPLE/20151229/us-east-1/s3/aws4_request"
	tempForm.SecurityToken = "wrong"
	cases := []struct {
		name   string
		mutate func(*PostForm)
		code   string
		status int
	}{
		{"truncated policy", func(f *PostForm) { f.Policy = f.Policy[:len(f.Policy)-2] }, "SignatureDoesNotMatch", 403},
		{"other signature", func(f *PostForm) { f.Signature = botoSig }, "SignatureDoesNotMatch", 403},
		{"unknown key", func(f *PostForm) { f.Credential = "AKIANOBODY/20151229/us-east-1/s3/aws4_request" }, "InvalidAccessKeyId", 403},
		{"algorithm", func(f *PostForm) { f.Algorithm = "AWS4-HMAC-SHA1" }, "InvalidArgument", 400},
		{"credential", func(f *PostForm) { f.Credential = "garbage" }, "InvalidArgument", 400},
		{"service", func(f *PostForm) { f.Credential = testAKID + "/20151229/us-east-1/sqs/aws4_request" }, "InvalidArgument", 400},
		{"date", func(f *PostForm) { f.Date = "2015-12-29" }, "InvalidArgument", 400},
		{"session token", func(f *PostForm) { *f = tempForm }, "InvalidToken", 400},
	}
	for _, c := range cases {
		f := postForm(awsPostPolicy, awsPostSig)
		c.mutate(&f)
		_, err := v.VerifyPost(context.Background(), f)
		e := awserr.As(err)
		if err == nil || e.Code != c.code || e.Status != c.status {
			t.Errorf("%s: got %v, want %s/%d", c.name, err, c.code, c.status)
		}
	}
}

func TestVerifyPostMismatchShowsPolicy(t *testing.T) {
	v := testVerifier(rootCred(testAKID, testSecret))
	_, err := v.VerifyPost(context.Background(), postForm(botoPolicy, awsPostSig))
	e := awserr.As(err)
	if e.Fields["StringToSign"] != botoPolicy || e.Fields["SignatureProvided"] != awsPostSig {
		t.Errorf("fields %v", e.Fields)
	}
}

func TestVerifyPostV2(t *testing.T) {
	v := testVerifier(rootCred(testAKID, testSecret))
	m := hmac.New(sha1.New, []byte(testSecret))
	m.Write([]byte(botoPolicy))
	good := PostForm{AWSAccessKeyID: testAKID, Policy: botoPolicy, Signature: base64.StdEncoding.EncodeToString(m.Sum(nil))}
	if res, err := v.VerifyPost(context.Background(), good); err != nil || res.Credential.Account != "000000000000" {
		t.Fatalf("v2: %v %+v", err, res)
	}
	bad := good
	bad.Policy = awsPostPolicy
	if _, err := v.VerifyPost(context.Background(), bad); awserr.As(err).Code != "SignatureDoesNotMatch" {
		t.Errorf("v2 other policy: %v", err)
	}
	bad = good
	bad.AWSAccessKeyID = "AKIANOBODY"
	if _, err := v.VerifyPost(context.Background(), bad); awserr.As(err).Code != "InvalidAccessKeyId" {
		t.Errorf("v2 unknown key: %v", err)
	}
}
