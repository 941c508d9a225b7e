package e2e

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

func apiCode(t *testing.T, err error) string {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want an AWS API error, got %v", err)
	}
	return ae.ErrorCode()
}

func TestSTSGetCallerIdentityDefaultKeys(t *testing.T) {
	s := StartServer(t)
	ctx := context.Background()
	out, err := sts.NewFromConfig(s.DefaultConfig()).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.Arn) != "arn:aws:iam::000000000000:root" || aws.ToString(out.Account) != "000000000000" || aws.ToString(out.UserId) != "000000000000" {
		t.Fatalf("identity = %s %s %s", aws.ToString(out.Arn), aws.ToString(out.Account), aws.ToString(out.UserId))
	}
	// The line is written just after the response, so give it a moment.
	s.WaitLog(t, "op=GetCallerIdentity status=200")
}

func TestSTSAccountFromTwelveDigitKey(t *testing.T) {
	s := StartServer(t)
	out, err := sts.NewFromConfig(s.AWSConfig("111122223333", "anything", "")).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.Account) != "111122223333" || aws.ToString(out.Arn) != "arn:aws:iam::111122223333:root" {
		t.Fatalf("got %s %s", aws.ToString(out.Account), aws.ToString(out.Arn))
	}
}

func TestSTSSessionToken(t *testing.T) {
	s := StartServer(t)
	ctx := context.Background()
	root := sts.NewFromConfig(s.DefaultConfig())
	tok, err := root.GetSessionToken(ctx, &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(7200)})
	if err != nil {
		t.Fatal(err)
	}
	c := tok.Credentials
	if !strings.HasPrefix(aws.ToString(c.AccessKeyId), "ASIA") || len(aws.ToString(c.SecretAccessKey)) != 40 || aws.ToString(c.SessionToken) == "" {
		t.Fatalf("credentials look wrong: %+v", c)
	}
	// Root sessions are capped at one hour, whatever was asked.
	if left := time.Until(*c.Expiration); left > time.Hour+time.Minute || left < 50*time.Minute {
		t.Fatalf("root session expires in %v, want about 1h", left)
	}
	session := sts.NewFromConfig(s.AWSConfig(*c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken))
	id, err := session.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(id.Arn) != "arn:aws:iam::000000000000:root" {
		t.Fatalf("session acts as %s", aws.ToString(id.Arn))
	}
	info, err := root.GetAccessKeyInfo(ctx, &sts.GetAccessKeyInfoInput{AccessKeyId: c.AccessKeyId})
	if err != nil || aws.ToString(info.Account) != "000000000000" {
		t.Fatalf("GetAccessKeyInfo = %v, %v", info, err)
	}

	// Issued keys are always verified: a wrong secret is refused.
	bad := sts.NewFromConfig(s.AWSConfig(*c.AccessKeyId, "wrong"+(*c.SecretAccessKey)[5:], *c.SessionToken))
	if _, err := bad.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); apiCode(t, err) != "SignatureDoesNotMatch" {
		t.Fatalf("wrong secret: %v", err)
	}
	// A session cannot mint another session.
	if _, err := session.GetSessionToken(ctx, &sts.GetSessionTokenInput{}); apiCode(t, err) != "AccessDenied" {
		t.Fatalf("nested GetSessionToken: %v", err)
	}
	// Out-of-range duration is refused by the model's constraints.
	if _, err := root.GetSessionToken(ctx, &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(100)}); apiCode(t, err) != "ValidationError" {
		t.Fatalf("DurationSeconds=100: %v", err)
	}
}
