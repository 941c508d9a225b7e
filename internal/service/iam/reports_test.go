package iam

import (
	"encoding/csv"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"hakoniwa/internal/clock"

	iamapi "hakoniwa/internal/api/iam"
)

func TestCredentialReport(t *testing.T) {
	s, ctx := newTestService(t)
	clk := s.clock.(*clock.Manual)
	_, err := s.GetCredentialReport(ctx, &iamapi.GetCredentialReportInput{})
	wantErr(t, err, "ReportNotPresent", "")

	must(s.CreateUser(ctx, &iamapi.CreateUserInput{UserName: ptr("alice")}))
	must(s.CreateUser(ctx, &iamapi.CreateUserInput{UserName: ptr("bob")}))
	must(s.CreateLoginProfile(ctx, &iamapi.CreateLoginProfileInput{UserName: ptr("alice"), Password: ptr("Sup3r-Secret")}))
	k := must(s.CreateAccessKey(ctx, &iamapi.CreateAccessKeyInput{UserName: ptr("alice")})).AccessKey
	s.RecordAccessKeyUse(deref(k.AccessKeyId), "s3", "eu-west-1")
	if err := s.FlushKeyUsage(ctx); err != nil {
		t.Fatal(err)
	}
	must(s.UploadSigningCertificate(ctx, &iamapi.UploadSigningCertificateInput{UserName: ptr("bob"), CertificateBody: ptr(testCert(t, ecKey(t), "bob", certExpiry))}))

	gen := must(s.GenerateCredentialReport(ctx, &iamapi.GenerateCredentialReportInput{}))
	if deref(gen.State) != "STARTED" {
		t.Fatalf("first generate = %+v", gen)
	}
	// A fresh report is kept.
	must(s.CreateUser(ctx, &iamapi.CreateUserInput{UserName: ptr("carol")}))
	if gen := must(s.GenerateCredentialReport(ctx, &iamapi.GenerateCredentialReportInput{})); deref(gen.State) != "COMPLETE" {
		t.Fatalf("second generate = %+v", gen)
	}
	rep := must(s.GetCredentialReport(ctx, &iamapi.GetCredentialReportInput{}))
	if deref(rep.ReportFormat) != "text/csv" || rep.GeneratedTime == nil {
		t.Fatalf("report = %+v", rep)
	}
	rows, err := csv.NewReader(strings.NewReader(string(rep.Content))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rows[0], credentialReportHeader) || len(rows[0]) != 22 {
		t.Fatalf("header = %v", rows[0])
	}
	if len(rows) != 4 {
		t.Fatalf("rows = %d, want root, alice, bob", len(rows))
	}
	created := "2025-01-02T03:04:05+00:00"
	want := map[string][]string{
		"<root_account>": {"<root_account>", "arn:aws:iam::000000000000:root", created, "not_supported", "no_information", "not_supported", "not_supported", "false",
			"false", "N/A", "N/A", "N/A", "N/A", "false", "N/A", "N/A", "N/A", "N/A", "false", "N/A", "false", "N/A"},
		"alice": {"alice", "arn:aws:iam::000000000000:user/alice", created, "true", "no_information", created, "N/A", "false",
			"true", created, created, "eu-west-1", "s3", "false", "N/A", "N/A", "N/A", "N/A", "false", "N/A", "false", "N/A"},
		"bob": {"bob", "arn:aws:iam::000000000000:user/bob", created, "false", "N/A", "N/A", "N/A", "false",
			"false", "N/A", "N/A", "N/A", "N/A", "false", "N/A", "N/A", "N/A", "N/A", "true", created, "false", "N/A"},
	}
	for _, row := range rows[1:] {
		if w, ok := want[row[0]]; !ok || !slices.Equal(row, w) {
			t.Errorf("row %s:\n got %v\nwant %v", row[0], row, w)
		}
	}

	clk.Advance(5 * time.Hour)
	_, err = s.GetCredentialReport(ctx, &iamapi.GetCredentialReportInput{})
	wantErr(t, err, "ReportExpired", "")
	if gen := must(s.GenerateCredentialReport(ctx, &iamapi.GenerateCredentialReportInput{})); deref(gen.State) != "STARTED" {
		t.Fatalf("regenerate = %+v", gen)
	}
	rep = must(s.GetCredentialReport(ctx, &iamapi.GetCredentialReportInput{}))
	if !strings.Contains(string(rep.Content), "\ncarol,") {
		t.Fatalf("new report misses carol:\n%s", rep.Content)
	}
}

func TestContextKeys(t *testing.T) {
	s, ctx := newTestService(t)
	withConds := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"x","s3:prefix":"a"},"Bool":{"aws:SecureTransport":"true"}}}]}`
	other := `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"},"Bool":{"AWS:securetransport":"false"}}}}`
	got := must(s.GetContextKeysForCustomPolicy(ctx, &iamapi.GetContextKeysForCustomPolicyInput{PolicyInputList: []string{withConds, other}})).ContextKeyNames
	if want := []string{"aws:PrincipalTag/team", "aws:SecureTransport", "aws:SourceIp", "s3:prefix"}; !slices.Equal(got, want) {
		t.Fatalf("keys = %v, want %v", got, want)
	}
	_, err := s.GetContextKeysForCustomPolicy(ctx, &iamapi.GetContextKeysForCustomPolicyInput{PolicyInputList: []string{"{"}})
	wantErr(t, err, "InvalidInput", "")

	must(s.CreateUser(ctx, &iamapi.CreateUserInput{UserName: ptr("alice")}))
	must(s.CreateGroup(ctx, &iamapi.CreateGroupInput{GroupName: ptr("devs")}))
	must(s.AddUserToGroup(ctx, &iamapi.AddUserToGroupInput{GroupName: ptr("devs"), UserName: ptr("alice")}))
	must(s.PutGroupPolicy(ctx, &iamapi.PutGroupPolicyInput{GroupName: ptr("devs"), PolicyName: ptr("p"), PolicyDocument: ptr(withConds)}))
	got = must(s.GetContextKeysForPrincipalPolicy(ctx, &iamapi.GetContextKeysForPrincipalPolicyInput{
		PolicySourceArn: ptr("arn:aws:iam::000000000000:user/alice"), PolicyInputList: []string{other},
	})).ContextKeyNames
	if len(got) != 4 {
		t.Fatalf("principal keys = %v", got)
	}
	_, err = s.GetContextKeysForPrincipalPolicy(ctx, &iamapi.GetContextKeysForPrincipalPolicyInput{PolicySourceArn: ptr("arn:aws:iam::000000000000:user/nobody")})
	wantErr(t, err, "NoSuchEntity", "")
}

func TestAccountAuthorizationDetails(t *testing.T) {
	s, ctx := newTestService(t)
	must(s.CreateUser(ctx, &iamapi.CreateUserInput{UserName: ptr("alice")}))
	must(s.CreateGroup(ctx, &iamapi.CreateGroupInput{GroupName: ptr("devs")}))
	must(s.AddUserToGroup(ctx, &iamapi.AddUserToGroupInput{GroupName: ptr("devs"), UserName: ptr("alice")}))
	must(s.PutUserPolicy(ctx, &iamapi.PutUserPolicyInput{UserName: ptr("alice"), PolicyName: ptr("s3"), PolicyDocument: ptr(allowS3)}))
	must(s.CreateRole(ctx, &iamapi.CreateRoleInput{RoleName: ptr("web"), AssumeRolePolicyDocument: ptr(trustEC2)}))
	must(s.AttachRolePolicy(ctx, &iamapi.AttachRolePolicyInput{RoleName: ptr("web"), PolicyArn: ptr("arn:aws:iam::aws:policy/ReadOnlyAccess")}))
	must(s.CreatePolicy(ctx, &iamapi.CreatePolicyInput{PolicyName: ptr("mine"), PolicyDocument: ptr(allowS3)}))

	all := must(s.GetAccountAuthorizationDetails(ctx, &iamapi.GetAccountAuthorizationDetailsInput{}))
	if len(all.UserDetailList) != 1 || len(all.GroupDetailList) != 1 || len(all.RoleDetailList) != 1 || len(all.Policies) != 2 || *all.IsTruncated {
		t.Fatalf("details: %d users %d groups %d roles %d policies", len(all.UserDetailList), len(all.GroupDetailList), len(all.RoleDetailList), len(all.Policies))
	}
	u := all.UserDetailList[0]
	if doc, _ := url.QueryUnescape(deref(u.UserPolicyList[0].PolicyDocument)); doc != allowS3 || !slices.Equal(u.GroupList, []string{"devs"}) {
		t.Fatalf("user detail = %+v", u)
	}
	if d, _ := url.QueryUnescape(deref(all.RoleDetailList[0].AssumeRolePolicyDocument)); d != trustEC2 {
		t.Fatalf("trust = %s", d)
	}
	for _, p := range all.Policies {
		if len(p.PolicyVersionList) == 0 || p.PolicyVersionList[0].Document == nil {
			t.Fatalf("policy %s has no documents", deref(p.PolicyName))
		}
	}

	only := must(s.GetAccountAuthorizationDetails(ctx, &iamapi.GetAccountAuthorizationDetailsInput{Filter: []string{"LocalManagedPolicy"}}))
	if len(only.Policies) != 1 || deref(only.Policies[0].PolicyName) != "mine" || len(only.UserDetailList) != 0 {
		t.Fatalf("filtered = %+v", only)
	}
	// One page at a time, everything once.
	var seen int
	var marker *string
	for {
		p := must(s.GetAccountAuthorizationDetails(ctx, &iamapi.GetAccountAuthorizationDetailsInput{MaxItems: ptr(int64(2)), Marker: marker}))
		seen += len(p.UserDetailList) + len(p.GroupDetailList) + len(p.RoleDetailList) + len(p.Policies)
		if !*p.IsTruncated {
			break
		}
		marker = p.Marker
	}
	if seen != 5 {
		t.Fatalf("paged through %d entities, want 5", seen)
	}
	_, err := s.GetAccountAuthorizationDetails(ctx, &iamapi.GetAccountAuthorizationDetailsInput{Filter: []string{"Bogus"}})
	wantErr(t, err, "ValidationError", "")
}

func TestServiceLastAccessed(t *testing.T) {
	s, ctx := newTestService(t)
	must(s.CreateUser(ctx, &iamapi.CreateUserInput{UserName: ptr("alice")}))
	must(s.PutUserPolicy(ctx, &iamapi.PutUserPolicyInput{UserName: ptr("alice"), PolicyName: ptr("s3"), PolicyDocument: ptr(allowS3)}))
	must(s.AttachUserPolicy(ctx, &iamapi.AttachUserPolicyInput{UserName: ptr("alice"), PolicyArn: ptr("arn:aws:iam::aws:policy/ReadOnlyAccess")}))
	k := must(s.CreateAccessKey(ctx, &iamapi.CreateAccessKeyInput{UserName: ptr("alice")})).AccessKey
	s.RecordAccessKeyUse(deref(k.AccessKeyId), "s3", "us-east-1")
	// Settle the asynchronous flush RecordAccessKeyUse may have started.
	if err := s.FlushKeyUsage(ctx); err != nil {
		t.Fatal(err)
	}

	arn := "arn:aws:iam::000000000000:user/alice"
	job := deref(must(s.GenerateServiceLastAccessedDetails(ctx, &iamapi.GenerateServiceLastAccessedDetailsInput{Arn: ptr(arn)})).JobId)
	rep := must(s.GetServiceLastAccessedDetails(ctx, &iamapi.GetServiceLastAccessedDetailsInput{JobId: &job, MaxItems: ptr(int64(1000))}))
	if deref(rep.JobStatus) != "COMPLETED" || deref(rep.JobType) != "SERVICE_LEVEL" {
		t.Fatalf("job = %+v", rep)
	}
	i := slices.IndexFunc(rep.ServicesLastAccessed, func(x iamapi.ServiceLastAccessed) bool { return deref(x.ServiceNamespace) == "s3" })
	if i < 0 || rep.ServicesLastAccessed[i].LastAuthenticated == nil || deref(rep.ServicesLastAccessed[i].LastAuthenticatedEntity) != arn {
		t.Fatalf("services = %+v", rep.ServicesLastAccessed)
	}
	ents := must(s.GetServiceLastAccessedDetailsWithEntities(ctx, &iamapi.GetServiceLastAccessedDetailsWithEntitiesInput{JobId: &job, ServiceNamespace: ptr("s3")}))
	if len(ents.EntityDetailsList) != 1 || deref(ents.EntityDetailsList[0].EntityInfo.Type) != "USER" {
		t.Fatalf("entities = %+v", ents.EntityDetailsList)
	}
	_, err := s.GetServiceLastAccessedDetails(ctx, &iamapi.GetServiceLastAccessedDetailsInput{JobId: ptr("nope")})
	wantErr(t, err, "NoSuchEntity", "")
	_, err = s.GenerateServiceLastAccessedDetails(ctx, &iamapi.GenerateServiceLastAccessedDetailsInput{Arn: ptr("arn:aws:iam::000000000000:role/none")})
	wantErr(t, err, "NoSuchEntity", "")

	grants := must(s.ListPoliciesGrantingServiceAccess(ctx, &iamapi.ListPoliciesGrantingServiceAccessInput{Arn: ptr(arn), ServiceNamespaces: []string{"s3", "sqs"}}))
	if len(grants.PoliciesGrantingServiceAccess) != 2 {
		t.Fatalf("grants = %+v", grants)
	}
	s3 := grants.PoliciesGrantingServiceAccess[0].Policies
	if len(s3) != 2 || deref(s3[0].PolicyType) != "INLINE" || deref(s3[0].EntityType) != "USER" || deref(s3[1].PolicyType) != "MANAGED" {
		t.Fatalf("s3 grants = %+v", s3)
	}

	org := deref(must(s.GenerateOrganizationsAccessReport(ctx, &iamapi.GenerateOrganizationsAccessReportInput{EntityPath: ptr("o-a1b2c3d4e5")})).JobId)
	if r := must(s.GetOrganizationsAccessReport(ctx, &iamapi.GetOrganizationsAccessReportInput{JobId: &org})); deref(r.JobStatus) != "FAILED" || r.ErrorDetails == nil {
		t.Fatalf("org report = %+v", r)
	}
}

func TestAccountMisc(t *testing.T) {
	s, ctx := newTestService(t)
	must(s.SetSecurityTokenServicePreferences(ctx, &iamapi.SetSecurityTokenServicePreferencesInput{GlobalEndpointTokenVersion: ptr("v2Token")}))
	if v := must(s.GetAccountSummary(ctx, &iamapi.GetAccountSummaryInput{})).SummaryMap["GlobalEndpointTokenVersion"]; v != 2 {
		t.Fatalf("token version = %d", v)
	}
	_, err := s.GetOutboundWebIdentityFederationInfo(ctx, &iamapi.GetOutboundWebIdentityFederationInfoInput{})
	wantErr(t, err, "FeatureDisabled", "")
	issuer := deref(must(s.EnableOutboundWebIdentityFederation(ctx, &iamapi.EnableOutboundWebIdentityFederationInput{})).IssuerIdentifier)
	if !strings.HasPrefix(issuer, "https://") {
		t.Fatalf("issuer = %s", issuer)
	}
	_, err = s.EnableOutboundWebIdentityFederation(ctx, &iamapi.EnableOutboundWebIdentityFederationInput{})
	wantErr(t, err, "FeatureEnabled", "")
	if info := must(s.GetOutboundWebIdentityFederationInfo(ctx, &iamapi.GetOutboundWebIdentityFederationInfoInput{})); deref(info.IssuerIdentifier) != issuer {
		t.Fatalf("info = %+v", info)
	}
	must(s.DisableOutboundWebIdentityFederation(ctx, &iamapi.DisableOutboundWebIdentityFederationInput{}))
	_, err = s.ListOrganizationsFeatures(ctx, &iamapi.ListOrganizationsFeaturesInput{})
	wantErr(t, err, "OrganizationNotFoundException", "")
}
