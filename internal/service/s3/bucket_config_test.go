package s3

import (
	"testing"

	"hakoniwa/internal/store"

	s3api "hakoniwa/internal/api/s3"
)

func TestBucketSubresources(t *testing.T) {
	e := newTestEnv(t)
	ctx := e.ctx()
	e.mustCreateBucket("cfg-bucket")
	b := ptr("cfg-bucket")

	// CORS
	if _, err := e.svc.GetBucketCors(ctx, &s3api.GetBucketCorsInput{Bucket: b}); errCode(err) != "NoSuchCORSConfiguration" || errStatus(err) != 404 {
		t.Fatalf("no CORS yet: %v", err)
	}
	rules := []s3api.CORSRule{{AllowedMethods: []string{"GET"}, AllowedOrigins: []string{"*"}, MaxAgeSeconds: ptr(int64(60))}}
	if _, err := e.svc.PutBucketCors(ctx, &s3api.PutBucketCorsInput{Bucket: b, CORSConfiguration: &s3api.CORSConfiguration{CORSRules: []s3api.CORSRule{{AllowedMethods: []string{"PATCH"}, AllowedOrigins: []string{"*"}}}}}); errCode(err) != "InvalidRequest" {
		t.Fatalf("bad method: %v", err)
	}
	if _, err := e.svc.PutBucketCors(ctx, &s3api.PutBucketCorsInput{Bucket: b, CORSConfiguration: &s3api.CORSConfiguration{CORSRules: rules}}); err != nil {
		t.Fatal(err)
	}
	cors, err := e.svc.GetBucketCors(ctx, &s3api.GetBucketCorsInput{Bucket: b})
	if err != nil || len(cors.CORSRules) != 1 || *cors.CORSRules[0].MaxAgeSeconds != 60 {
		t.Fatalf("get CORS: %+v %v", cors, err)
	}
	if _, err := e.svc.DeleteBucketCors(ctx, &s3api.DeleteBucketCorsInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.GetBucketCors(ctx, &s3api.GetBucketCorsInput{Bucket: b}); errCode(err) != "NoSuchCORSConfiguration" {
		t.Fatalf("after delete: %v", err)
	}

	// Website
	if _, err := e.svc.GetBucketWebsite(ctx, &s3api.GetBucketWebsiteInput{Bucket: b}); errCode(err) != "NoSuchWebsiteConfiguration" {
		t.Fatalf("no website yet: %v", err)
	}
	site := &s3api.WebsiteConfiguration{IndexDocument: &s3api.IndexDocument{Suffix: ptr("index.html")}, ErrorDocument: &s3api.ErrorDocument{Key: ptr("404.html")}}
	if _, err := e.svc.PutBucketWebsite(ctx, &s3api.PutBucketWebsiteInput{Bucket: b, WebsiteConfiguration: &s3api.WebsiteConfiguration{}}); errCode(err) != "InvalidArgument" {
		t.Fatalf("empty website: %v", err)
	}
	if _, err := e.svc.PutBucketWebsite(ctx, &s3api.PutBucketWebsiteInput{Bucket: b, WebsiteConfiguration: site}); err != nil {
		t.Fatal(err)
	}
	w, err := e.svc.GetBucketWebsite(ctx, &s3api.GetBucketWebsiteInput{Bucket: b})
	if err != nil || deref(w.IndexDocument.Suffix) != "index.html" || deref(w.ErrorDocument.Key) != "404.html" {
		t.Fatalf("get website: %+v %v", w, err)
	}
	if _, err := e.svc.DeleteBucketWebsite(ctx, &s3api.DeleteBucketWebsiteInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}

	// Ownership: BucketOwnerEnforced from creation.
	own, err := e.svc.GetBucketOwnershipControls(ctx, &s3api.GetBucketOwnershipControlsInput{Bucket: b})
	if err != nil || deref(own.OwnershipControls.Rules[0].ObjectOwnership) != "BucketOwnerEnforced" {
		t.Fatalf("default ownership: %+v %v", own, err)
	}
	if _, err := e.svc.PutBucketOwnershipControls(ctx, &s3api.PutBucketOwnershipControlsInput{Bucket: b, OwnershipControls: &s3api.OwnershipControls{
		Rules: []s3api.OwnershipControlsRule{{ObjectOwnership: ptr("ObjectWriter")}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.DeleteBucketOwnershipControls(ctx, &s3api.DeleteBucketOwnershipControlsInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.GetBucketOwnershipControls(ctx, &s3api.GetBucketOwnershipControlsInput{Bucket: b}); errCode(err) != "OwnershipControlsNotFoundError" {
		t.Fatalf("after delete: %v", err)
	}

	// Encryption: SSE-S3 by default, SSE-KMS once put, back after delete.
	enc, err := e.svc.GetBucketEncryption(ctx, &s3api.GetBucketEncryptionInput{Bucket: b})
	if err != nil || deref(enc.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm) != "AES256" {
		t.Fatalf("default encryption: %+v %v", enc, err)
	}
	kms := &s3api.ServerSideEncryptionConfiguration{Rules: []s3api.ServerSideEncryptionRule{{
		ApplyServerSideEncryptionByDefault: &s3api.ServerSideEncryptionByDefault{SSEAlgorithm: ptr("aws:kms"), KMSMasterKeyID: ptr("alias/app")},
		BucketKeyEnabled:                   ptr(true)}}}
	if _, err := e.svc.PutBucketEncryption(ctx, &s3api.PutBucketEncryptionInput{Bucket: b, ServerSideEncryptionConfiguration: &s3api.ServerSideEncryptionConfiguration{Rules: []s3api.ServerSideEncryptionRule{{
		ApplyServerSideEncryptionByDefault: &s3api.ServerSideEncryptionByDefault{SSEAlgorithm: ptr("AES256"), KMSMasterKeyID: ptr("k")}}}}}); errCode(err) != "InvalidArgument" {
		t.Fatalf("key with AES256: %v", err)
	}
	if _, err := e.svc.PutBucketEncryption(ctx, &s3api.PutBucketEncryptionInput{Bucket: b, ServerSideEncryptionConfiguration: kms}); err != nil {
		t.Fatal(err)
	}
	var rec *bucketRec
	e.st.View(ctx, func(tx store.Tx) error { rec, _ = e.svc.bucketFor(tx, "cfg-bucket"); return nil })
	if alg, key, bk := defaultEncryption(rec); alg != "aws:kms" || key != "alias/app" || !bk {
		t.Fatalf("defaultEncryption: %s %s %v", alg, key, bk)
	}
	if _, err := e.svc.DeleteBucketEncryption(ctx, &s3api.DeleteBucketEncryptionInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	enc, _ = e.svc.GetBucketEncryption(ctx, &s3api.GetBucketEncryptionInput{Bucket: b})
	if deref(enc.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm) != "AES256" {
		t.Fatal("delete did not return to SSE-S3")
	}

	// Accelerate and request payment.
	acc, err := e.svc.GetBucketAccelerateConfiguration(ctx, &s3api.GetBucketAccelerateConfigurationInput{Bucket: b})
	if err != nil || acc.Status != nil {
		t.Fatalf("accelerate never set: %+v %v", acc, err)
	}
	if _, err := e.svc.PutBucketAccelerateConfiguration(ctx, &s3api.PutBucketAccelerateConfigurationInput{Bucket: b, AccelerateConfiguration: &s3api.AccelerateConfiguration{Status: ptr("Enabled")}}); err != nil {
		t.Fatal(err)
	}
	if acc, _ := e.svc.GetBucketAccelerateConfiguration(ctx, &s3api.GetBucketAccelerateConfigurationInput{Bucket: b}); deref(acc.Status) != "Enabled" {
		t.Fatalf("accelerate: %+v", acc)
	}
	if pay, _ := e.svc.GetBucketRequestPayment(ctx, &s3api.GetBucketRequestPaymentInput{Bucket: b}); deref(pay.Payer) != "BucketOwner" {
		t.Fatalf("default payer: %+v", pay)
	}
	if _, err := e.svc.PutBucketRequestPayment(ctx, &s3api.PutBucketRequestPaymentInput{Bucket: b, RequestPaymentConfiguration: &s3api.RequestPaymentConfiguration{Payer: ptr("Requester")}}); err != nil {
		t.Fatal(err)
	}
	if pay, _ := e.svc.GetBucketRequestPayment(ctx, &s3api.GetBucketRequestPaymentInput{Bucket: b}); deref(pay.Payer) != "Requester" {
		t.Fatalf("payer: %+v", pay)
	}

	// Every sub-resource of a missing bucket is NoSuchBucket.
	if _, err := e.svc.GetBucketCors(ctx, &s3api.GetBucketCorsInput{Bucket: ptr("missing-bucket")}); errCode(err) != "NoSuchBucket" {
		t.Fatalf("missing bucket: %v", err)
	}
}
