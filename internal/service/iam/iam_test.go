package iam

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"hakoniwa/internal/clock"
	"hakoniwa/internal/ids"
	"hakoniwa/internal/reqctx"
	"hakoniwa/internal/store"

	iamapi "hakoniwa/internal/api/iam"
)

const (
	acctID   = "000000000000"
	allowS3  = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`
	trustEC2 = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
)

func newTestService(t *testing.T) (*Service, context.Context) {
	t.Helper()
	st := store.OpenMemory()
	t.Cleanup(func() { st.Close() })
	s := New(st, clock.NewManual(time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)), ids.Seeded(1))
	ctx := reqctx.With(context.Background(), &reqctx.Info{Principal: reqctx.Principal{
		Type: "Root", Account: acctID, ARN: "arn:aws:iam::" + acctID + ":root", UserID: acctID,
	}})
	return s, ctx
}

// must returns v, failing the running test (through a panic, which the
// testing package reports with the stack) when err is set. It takes the
// call's two results directly, which a *testing.T argument would prevent.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// wantErr checks an error's code and, when msg is set, its message.
func wantErr(t *testing.T, err error, wantCode, msg string) {
	t.Helper()
	if code(err) != wantCode {
		t.Fatalf("err = %v, want %s", err, wantCode)
	}
	if msg != "" && !strings.Contains(err.Error(), msg) {
		t.Fatalf("err = %v, want message %q", err, msg)
	}
}

func TestUserLifecycleAndDeleteConflicts(t *testing.T) {
	s, ctx := newTestService(t)
	u := must(s.CreateUser(ctx, &iamapi.CreateUserInput{UserName: ptr("alice"), Path: ptr("/eng/")}))
	if deref(u.User.Arn) != "arn:aws:iam::000000000000:user/eng/alice" || !strings.HasPrefix(deref(u.User.UserId), "AIDA") || len(deref(u.User.UserId)) != 21 {
		t.Fatalf("user = %+v", u.User)
	}
	_, err := s.CreateUser(ctx, &iamapi.CreateUserInput{UserName: ptr("ALICE")})
	wantErr(t, err, "EntityAlreadyExists", "User with name ALICE already exists.")
	_, err = s.GetUser(ctx, &iamapi.GetUserInput{UserName: ptr("bob")})
	wantErr(t, err, "NoSuchEntity", "The user with name bob cannot be found.")
	if got := must(s.GetUser(ctx, &iamapi.GetUserInput{UserName: ptr("Alice")})); deref(got.User.UserName) != "alice" {
		t.Fatalf("case-insensitive get = %+v", got.User)
	}

	must(s.CreateGroup(ctx, &iamapi.CreateGroupInput{GroupName: ptr("devs")}))
	must(s.AddUserToGroup(ctx, &iamapi.AddUserToGroupInput{GroupName: ptr("devs"), UserName: ptr("alice")}))
	must(s.PutUserPolicy(ctx, &iamapi.PutUserPolicyInput{UserName: ptr("alice"), PolicyName: ptr("s3"), PolicyDocument: ptr(allowS3)}))
	must(s.AttachUserPolicy(ctx, &iamapi.AttachUserPolicyInput{UserName: ptr("alice"), PolicyArn: ptr("arn:aws:iam::aws:policy/ReadOnlyAccess")}))
	key := must(s.CreateAccessKey(ctx, &iamapi.CreateAccessKeyInput{UserName: ptr("alice")}))
	must(s.CreateLoginProfile(ctx, &iamapi.CreateLoginProfileInput{UserName: ptr("alice"), Password: ptr("Sup3r-Secret")}))

	_, err = s.DeleteGroup(ctx, &iamapi.DeleteGroupInput{GroupName: ptr("devs")})
	wantErr(t, err, "DeleteConflict", "must remove users from group first")

	// Each leftover blocks deletion until removed, in turn.
	steps := []struct {
		msg    string
		remove func() error
	}{
		{"must delete login profile first", func() error {
			_, err := s.DeleteLoginProfile(ctx, &iamapi.DeleteLoginProfileInput{UserName: ptr("alice")})
			return err
		}},
		{"must delete access keys first", func() error {
			_, err := s.DeleteAccessKey(ctx, &iamapi.DeleteAccessKeyInput{UserName: ptr("alice"), AccessKeyId: key.AccessKey.AccessKeyId})
			return err
		}},
		{"must remove users from group first", func() error {
			_, err := s.RemoveUserFromGroup(ctx, &iamapi.RemoveUserFromGroupInput{GroupName: ptr("devs"), UserName: ptr("alice")})
			return err
		}},
		{"must delete policies first", func() error {
			_, err := s.DeleteUserPolicy(ctx, &iamapi.DeleteUserPolicyInput{UserName: ptr("alice"), PolicyName: ptr("s3")})
			return err
		}},
		{"must detach all policies first", func() error {
			_, err := s.DetachUserPolicy(ctx, &iamapi.DetachUserPolicyInput{UserName: ptr("alice"), PolicyArn: ptr("arn:aws:iam::aws:policy/ReadOnlyAccess")})
			return err
		}},
	}
	for _, step := range steps {
		_, err := s.DeleteUser(ctx, &iamapi.DeleteUserInput{UserName: ptr("alice")})
		wantErr(t, err, "DeleteConflict", step.msg)
		if err := step.remove(); err != nil {
			t.Fatalf("removing for %q: %v", step.msg, err)
		}
	}
	must(s.DeleteUser(ctx, &iamapi.DeleteUserInput{UserName: ptr("alice")}))
	must(s.DeleteGroup(ctx, &iamapi.DeleteGroupInput{GroupName: ptr("devs")}))
}

func TestRenameUserKeepsMembershipsAndKeys(t *testing.T) {
	s, ctx := newTestService(t)
	must(s.CreateUser(ctx, &iamapi.CreateUserInput{UserName: ptr("alice")}))
	must(s.CreateGroup(ctx, &iamapi.CreateGroupInput{GroupName: ptr("devs")}))
	must(s.AddUserToGroup(ctx, &iamapi.AddUserToGroupInput{GroupName: ptr("devs"), UserName: ptr("alice")}))
	key := must(s.CreateAccessKey(ctx, &iamapi.CreateAccessKeyInput{UserName: ptr("alice")}))
	must(s.UpdateUser(ctx, &iamapi.UpdateUserInput{UserName: ptr("alice"), NewUserName: ptr("carol"), NewPath: ptr("/x/")}))
	g := must(s.GetGroup(ctx, &iamapi.GetGroupInput{GroupName: ptr("devs")}))
	if len(g.Users) != 1 || deref(g.Users[0].UserName) != "carol" {
		t.Fatalf("group members = %+v", g.Users)
	}
	cred, ok, err := s.Lookup(ctx, deref(key.AccessKey.AccessKeyId))
	if err != nil || !ok || cred.PrincipalARN != "arn:aws:iam::000000000000:user/x/carol" {
		t.Fatalf("Lookup = %+v %v %v", cred, ok, err)
	}
	gs := must(s.ListGroupsForUser(ctx, &iamapi.ListGroupsForUserInput{UserName: ptr("carol")}))
	if len(gs.Groups) != 1 {
		t.Fatalf("groups for user = %+v", gs.Groups)
	}
}

func TestAccessKeysAndLookup(t *testing.T) {
	s, ctx := newTestService(t)
	must(s.CreateUser(ctx, &iamapi.CreateUserInput{UserName: ptr("alice")}))
	k1 := must(s.CreateAccessKey(ctx, &iamapi.CreateAccessKeyInput{UserName: ptr("alice")})).AccessKey
	must(s.CreateAccessKey(ctx, &iamapi.CreateAccessKeyInput{UserName: ptr("alice")}))
	_, err := s.CreateAccessKey(ctx, &iamapi.CreateAccessKeyInput{UserName: ptr("alice")})
	wantErr(t, err, "LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2")
	id := deref(k1.AccessKeyId)
	if !strings.HasPrefix(id, "AKIA") || len(id) != 20 || len(deref(k1.SecretAccessKey)) != 40 {
		t.Fatalf("key = %s / %s", id, deref(k1.SecretAccessKey))
	}

	cred, ok, err := s.Lookup(ctx, id)
	if err != nil || !ok || !cred.Active || cred.SecretAccessKey != deref(k1.SecretAccessKey) || !strings.HasPrefix(cred.UserID, "AIDA") || cred.Account != acctID {
		t.Fatalf("Lookup = %+v %v %v", cred, ok, err)
	}
	for _, other := range []string{"test", "ASIAXXXXXXXXXXXXXXXX", "AKIAXXXXXXXXXXXXXXXX"} {
		if _, ok, err := s.Lookup(ctx, other); ok || err != nil {
			t.Fatalf("Lookup(%s) = %v %v", other, ok, err)
		}
	}

	must(s.UpdateAccessKey(ctx, &iamapi.UpdateAccessKeyInput{UserName: ptr("alice"), AccessKeyId: &id, Status: ptr("Inactive")}))
	if cred, _, _ := s.Lookup(ctx, id); cred.Active {
		t.Fatal("inactive key still active")
	}
	list := must(s.ListAccessKeys(ctx, &iamapi.ListAccessKeysInput{UserName: ptr("alice")}))
	if len(list.AccessKeyMetadata) != 2 {
		t.Fatalf("list = %+v", list.AccessKeyMetadata)
	}

	// Last use: in memory first, then flushed to the store.
	s.RecordAccessKeyUse(id, "s3", "eu-west-1")
	last := must(s.GetAccessKeyLastUsed(ctx, &iamapi.GetAccessKeyLastUsedInput{AccessKeyId: &id}))
	if deref(last.AccessKeyLastUsed.ServiceName) != "s3" || last.AccessKeyLastUsed.LastUsedDate == nil {
		t.Fatalf("last used = %+v", last.AccessKeyLastUsed)
	}
	if err := s.FlushKeyUsage(ctx); err != nil {
		t.Fatal(err)
	}
	fresh := New(s.st, s.clock, s.ids) // nothing in memory
	last = must(fresh.GetAccessKeyLastUsed(ctx, &iamapi.GetAccessKeyLastUsedInput{AccessKeyId: &id}))
	if deref(last.AccessKeyLastUsed.Region) != "eu-west-1" {
		t.Fatalf("flushed last used = %+v", last.AccessKeyLastUsed)
	}

	must(s.DeleteAccessKey(ctx, &iamapi.DeleteAccessKeyInput{UserName: ptr("alice"), AccessKeyId: &id}))
	if cred, ok, _ := s.Lookup(ctx, id); !ok || cred.Active {
		t.Fatalf("deleted key must be known and refused: %+v %v", cred, ok)
	}
	_, err = s.DeleteAccessKey(ctx, &iamapi.DeleteAccessKeyInput{UserName: ptr("alice"), AccessKeyId: &id})
	wantErr(t, err, "NoSuchEntity", "The Access Key with id "+id+" cannot be found.")

	// Root keys, for a root caller without UserName.
	rk := must(s.CreateAccessKey(ctx, &iamapi.CreateAccessKeyInput{})).AccessKey
	cred, ok, _ = s.Lookup(ctx, deref(rk.AccessKeyId))
	if !ok || cred.PrincipalARN != "arn:aws:iam::000000000000:root" || cred.UserID != acctID {
		t.Fatalf("root key = %+v", cred)
	}
}

func TestManagedPolicyVersions(t *testing.T) {
	s, ctx := newTestService(t)
	p := must(s.CreatePolicy(ctx, &iamapi.CreatePolicyInput{PolicyName: ptr("p"), Path: ptr("/team/"), PolicyDocument: ptr(allowS3)})).Policy
	arn := deref(p.Arn)
	if arn != "arn:aws:iam::000000000000:policy/team/p" || deref(p.DefaultVersionId) != "v1" || !strings.HasPrefix(deref(p.PolicyId), "ANPA") {
		t.Fatalf("policy = %+v", p)
	}
	_, err := s.CreatePolicy(ctx, &iamapi.CreatePolicyInput{PolicyName: ptr("P"), PolicyDocument: ptr(allowS3)})
	wantErr(t, err, "EntityAlreadyExists", "A policy called P already exists.")
	_, err = s.CreatePolicy(ctx, &iamapi.CreatePolicyInput{PolicyName: ptr("bad"), PolicyDocument: ptr(`{"Statement":`)})
	wantErr(t, err, "MalformedPolicyDocument", "")
	big := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":["arn:aws:s3:::` + strings.Repeat("a", 6200) + `"]}]}`
	_, err = s.CreatePolicy(ctx, &iamapi.CreatePolicyInput{PolicyName: ptr("big"), PolicyDocument: ptr(big)})
	wantErr(t, err, "LimitExceeded", "PolicySize: 6144")

	for i := 2; i <= 5; i++ {
		v := must(s.CreatePolicyVersion(ctx, &iamapi.CreatePolicyVersionInput{PolicyArn: &arn, PolicyDocument: ptr(allowS3), SetAsDefault: ptr(i == 3)}))
		if want := "v" + string(rune('0'+i)); deref(v.PolicyVersion.VersionId) != want {
			t.Fatalf("version = %s, want %s", deref(v.PolicyVersion.VersionId), want)
		}
	}
	_, err = s.CreatePolicyVersion(ctx, &iamapi.CreatePolicyVersionInput{PolicyArn: &arn, PolicyDocument: ptr(allowS3)})
	wantErr(t, err, "LimitExceeded", "up to 5 versions")
	_, err = s.DeletePolicyVersion(ctx, &iamapi.DeletePolicyVersionInput{PolicyArn: &arn, VersionId: ptr("v3")})
	wantErr(t, err, "DeleteConflict", "Cannot delete the default version of a policy.")
	must(s.DeletePolicyVersion(ctx, &iamapi.DeletePolicyVersionInput{PolicyArn: &arn, VersionId: ptr("v2")}))
	v6 := must(s.CreatePolicyVersion(ctx, &iamapi.CreatePolicyVersionInput{PolicyArn: &arn, PolicyDocument: ptr(allowS3)}))
	if deref(v6.PolicyVersion.VersionId) != "v6" {
		t.Fatalf("version ids must not be reused: %s", deref(v6.PolicyVersion.VersionId))
	}
	versions := must(s.ListPolicyVersions(ctx, &iamapi.ListPolicyVersionsInput{PolicyArn: &arn}))
	var got []string
	for _, v := range versions.Versions {
		got = append(got, deref(v.VersionId))
	}
	if strings.Join(got, ",") != "v6,v5,v4,v3,v1" {
		t.Fatalf("versions = %v", got)
	}
	gv := must(s.GetPolicyVersion(ctx, &iamapi.GetPolicyVersionInput{PolicyArn: &arn, VersionId: ptr("v3")}))
	if doc, _ := url.QueryUnescape(deref(gv.PolicyVersion.Document)); doc != allowS3 || !*gv.PolicyVersion.IsDefaultVersion {
		t.Fatalf("version doc = %s", deref(gv.PolicyVersion.Document))
	}

	must(s.CreateRole(ctx, &iamapi.CreateRoleInput{RoleName: ptr("r"), AssumeRolePolicyDocument: ptr(trustEC2)}))
	must(s.AttachRolePolicy(ctx, &iamapi.AttachRolePolicyInput{RoleName: ptr("r"), PolicyArn: &arn}))
	gp := must(s.GetPolicy(ctx, &iamapi.GetPolicyInput{PolicyArn: &arn}))
	if *gp.Policy.AttachmentCount != 1 {
		t.Fatalf("attachment count = %d", *gp.Policy.AttachmentCount)
	}
	ents := must(s.ListEntitiesForPolicy(ctx, &iamapi.ListEntitiesForPolicyInput{PolicyArn: &arn}))
	if len(ents.PolicyRoles) != 1 || deref(ents.PolicyRoles[0].RoleName) != "r" {
		t.Fatalf("entities = %+v", ents)
	}
	_, err = s.DeletePolicy(ctx, &iamapi.DeletePolicyInput{PolicyArn: &arn})
	wantErr(t, err, "DeleteConflict", "Cannot delete a policy attached to entities.")
	must(s.DetachRolePolicy(ctx, &iamapi.DetachRolePolicyInput{RoleName: ptr("r"), PolicyArn: &arn}))
	_, err = s.DeletePolicy(ctx, &iamapi.DeletePolicyInput{PolicyArn: &arn})
	wantErr(t, err, "DeleteConflict", "more than one version")
	for _, v := range []string{"v1", "v4", "v5", "v6"} {
		must(s.DeletePolicyVersion(ctx, &iamapi.DeletePolicyVersionInput{PolicyArn: &arn, VersionId: &v}))
	}
	must(s.DeletePolicy(ctx, &iamapi.DeletePolicyInput{PolicyArn: &arn}))
	_, err = s.GetPolicy(ctx, &iamapi.GetPolicyInput{PolicyArn: &arn})
	wantErr(t, err, "NoSuchEntity", "Policy "+arn+" was not found.")

	_, err = s.DeletePolicy(ctx, &iamapi.DeletePolicyInput{PolicyArn: ptr("arn:aws:iam::aws:policy/AdministratorAccess")})
	wantErr(t, err, "AccessDenied", "")
}

func TestListPoliciesScopesAndPaging(t *testing.T) {
	s, ctx := newTestService(t)
	for _, n := range []string{"b", "a", "c"} {
		must(s.CreatePolicy(ctx, &iamapi.CreatePolicyInput{PolicyName: ptr(n), PolicyDocument: ptr(allowS3)}))
	}
	must(s.CreateUser(ctx, &iamapi.CreateUserInput{UserName: ptr("u")}))
	must(s.AttachUserPolicy(ctx, &iamapi.AttachUserPolicyInput{UserName: ptr("u"), PolicyArn: ptr("arn:aws:iam::aws:policy/IAMFullAccess")}))
	for _, tc := range []struct {
		in   iamapi.ListPoliciesInput
		want int
	}{
		{iamapi.ListPoliciesInput{Scope: ptr("Local")}, 3},
		{iamapi.ListPoliciesInput{Scope: ptr("AWS")}, len(s.aws().sorted)},
		{iamapi.ListPoliciesInput{}, len(s.aws().sorted) + 3},
		{iamapi.ListPoliciesInput{OnlyAttached: ptr(true)}, 1},
		{iamapi.ListPoliciesInput{Scope: ptr("AWS"), PathPrefix: ptr("/service-role/")}, 2},
	} {
		var n int
		in := tc.in
		in.MaxItems = ptr(int64(2))
		for {
			out := must(s.ListPolicies(ctx, &in))
			n += len(out.Policies)
			if !*out.IsTruncated {
				break
			}
			in.Marker = out.Marker
		}
		if n != tc.want {
			t.Errorf("ListPolicies(%+v) listed %d, want %d", tc.in, n, tc.want)
		}
	}
}

func TestAttachLimitsAndInlineSize(t *testing.T) {
	s, ctx := newTestService(t)
	must(s.CreateUser(ctx, &iamapi.CreateUserInput{UserName: ptr("u")}))
	for i := range 11 {
		arn := s.aws().sorted[i].ARN
		_, err := s.AttachUserPolicy(ctx, &iamapi.AttachUserPolicyInput{UserName: ptr("u"), PolicyArn: &arn})
		if i < 10 && err != nil {
			t.Fatal(err)
		}
		if i == 10 {
			wantErr(t, err, "LimitExceeded", "Cannot exceed quota for PoliciesPerUser: 10")
		}
	}
	_, err := s.AttachUserPolicy(ctx, &iamapi.AttachUserPolicyInput{UserName: ptr("u"), PolicyArn: ptr("arn:aws:iam::aws:policy/Nope")})
	wantErr(t, err, "NoSuchEntity", "does not exist or is not attachable")
	_, err = s.AttachUserPolicy(ctx, &iamapi.AttachUserPolicyInput{UserName: ptr("u"), PolicyArn: ptr("garbage")})
	wantErr(t, err, "InvalidInput", "")

	must(s.CreateGroup(ctx, &iamapi.CreateGroupInput{GroupName: ptr("g")}))
	for _, tc := range []struct {
		put   func(doc string) error
		quota int
	}{
		{func(doc string) error {
			_, err := s.PutUserPolicy(ctx, &iamapi.PutUserPolicyInput{UserName: ptr("u"), PolicyName: ptr("big"), PolicyDocument: &doc})
			return err
		}, maxUserInlineSize},
		{func(doc string) error {
			_, err := s.PutGroupPolicy(ctx, &iamapi.PutGroupPolicyInput{GroupName: ptr("g"), PolicyName: ptr("big"), PolicyDocument: &doc})
			return err
		}, maxGroupInlineSize},
	} {
		doc := func(n int) string {
			base := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":["arn:aws:s3:::`
			tail := `"]}]}`
			return base + strings.Repeat("a", n-len(base)-len(tail)) + tail
		}
		if err := tc.put(doc(tc.quota + 1)); code(err) != "LimitExceeded" {
			t.Fatalf("quota %d: %v", tc.quota, err)
		}
	}
	must(s.CreateRole(ctx, &iamapi.CreateRoleInput{RoleName: ptr("r"), AssumeRolePolicyDocument: ptr(trustEC2)}))
	must(s.PutRolePolicy(ctx, &iamapi.PutRolePolicyInput{RoleName: ptr("r"), PolicyName: ptr("p"), PolicyDocument: ptr(allowS3)}))
	got := must(s.GetRolePolicy(ctx, &iamapi.GetRolePolicyInput{RoleName: ptr("r"), PolicyName: ptr("P")}))
	if doc, _ := url.QueryUnescape(deref(got.PolicyDocument)); doc != allowS3 {
		t.Fatalf("inline doc = %s", doc)
	}
	_, err = s.GetRolePolicy(ctx, &iamapi.GetRolePolicyInput{RoleName: ptr("r"), PolicyName: ptr("x")})
	wantErr(t, err, "NoSuchEntity", "The role policy with name x cannot be found.")
}

func TestRolesAndInstanceProfiles(t *testing.T) {
	s, ctx := newTestService(t)
	for _, tc := range []struct {
		doc  string
		dur  *int64
		code string
	}{
		{allowS3, nil, "MalformedPolicyDocument"},
		{trustEC2, ptr(int64(3599)), "ValidationError"},
		{trustEC2, ptr(int64(43201)), "ValidationError"},
	} {
		_, err := s.CreateRole(ctx, &iamapi.CreateRoleInput{RoleName: ptr("bad"), AssumeRolePolicyDocument: &tc.doc, MaxSessionDuration: tc.dur})
		wantErr(t, err, tc.code, "")
	}
	r := must(s.CreateRole(ctx, &iamapi.CreateRoleInput{RoleName: ptr("web"), AssumeRolePolicyDocument: ptr(trustEC2), MaxSessionDuration: ptr(int64(7200)), Description: ptr("d")})).Role
	if !strings.HasPrefix(deref(r.RoleId), "AROA") || *r.MaxSessionDuration != 7200 {
		t.Fatalf("role = %+v", r)
	}
	must(s.CreateInstanceProfile(ctx, &iamapi.CreateInstanceProfileInput{InstanceProfileName: ptr("web")}))
	must(s.AddRoleToInstanceProfile(ctx, &iamapi.AddRoleToInstanceProfileInput{InstanceProfileName: ptr("web"), RoleName: ptr("web")}))
	must(s.CreateRole(ctx, &iamapi.CreateRoleInput{RoleName: ptr("other"), AssumeRolePolicyDocument: ptr(trustEC2)}))
	_, err := s.AddRoleToInstanceProfile(ctx, &iamapi.AddRoleToInstanceProfileInput{InstanceProfileName: ptr("web"), RoleName: ptr("other")})
	wantErr(t, err, "LimitExceeded", "InstanceSessionsPerInstanceProfile: 1")
	ip := must(s.GetInstanceProfile(ctx, &iamapi.GetInstanceProfileInput{InstanceProfileName: ptr("web")})).InstanceProfile
	if len(ip.Roles) != 1 || !strings.HasPrefix(deref(ip.InstanceProfileId), "AIPA") {
		t.Fatalf("profile = %+v", ip)
	}
	_, err = s.DeleteRole(ctx, &iamapi.DeleteRoleInput{RoleName: ptr("web")})
	wantErr(t, err, "DeleteConflict", "must remove roles from instance profile first")
	_, err = s.DeleteInstanceProfile(ctx, &iamapi.DeleteInstanceProfileInput{InstanceProfileName: ptr("web")})
	wantErr(t, err, "DeleteConflict", "")
	must(s.RemoveRoleFromInstanceProfile(ctx, &iamapi.RemoveRoleFromInstanceProfileInput{InstanceProfileName: ptr("web"), RoleName: ptr("web")}))
	must(s.DeleteRole(ctx, &iamapi.DeleteRoleInput{RoleName: ptr("web")}))
	must(s.DeleteInstanceProfile(ctx, &iamapi.DeleteInstanceProfileInput{InstanceProfileName: ptr("web")}))

	slr := must(s.CreateServiceLinkedRole(ctx, &iamapi.CreateServiceLinkedRoleInput{AWSServiceName: ptr("elasticloadbalancing.amazonaws.com")})).Role
	if deref(slr.Path) != "/aws-service-role/elasticloadbalancing.amazonaws.com/" || deref(slr.RoleName) != "AWSServiceRoleForElasticLoadBalancing" {
		t.Fatalf("slr = %+v", slr)
	}
	_, err = s.DeleteRole(ctx, &iamapi.DeleteRoleInput{RoleName: slr.RoleName})
	wantErr(t, err, "UnmodifiableEntity", "")
	task := must(s.DeleteServiceLinkedRole(ctx, &iamapi.DeleteServiceLinkedRoleInput{RoleName: slr.RoleName}))
	st := must(s.GetServiceLinkedRoleDeletionStatus(ctx, &iamapi.GetServiceLinkedRoleDeletionStatusInput{DeletionTaskId: task.DeletionTaskId}))
	if deref(st.Status) != "SUCCEEDED" {
		t.Fatalf("status = %s", deref(st.Status))
	}
}

func TestPrincipalPolicies(t *testing.T) {
	s, ctx := newTestService(t)
	boundary := "arn:aws:iam::aws:policy/PowerUserAccess"
	must(s.CreateUser(ctx, &iamapi.CreateUserInput{UserName: ptr("alice"), PermissionsBoundary: &boundary, Tags: []iamapi.Tag{{Key: ptr("team"), Value: ptr("a")}}}))
	must(s.CreateGroup(ctx, &iamapi.CreateGroupInput{GroupName: ptr("devs")}))
	must(s.AddUserToGroup(ctx, &iamapi.AddUserToGroupInput{GroupName: ptr("devs"), UserName: ptr("alice")}))
	must(s.PutUserPolicy(ctx, &iamapi.PutUserPolicyInput{UserName: ptr("alice"), PolicyName: ptr("mine"), PolicyDocument: ptr(allowS3)}))
	must(s.PutGroupPolicy(ctx, &iamapi.PutGroupPolicyInput{GroupName: ptr("devs"), PolicyName: ptr("team"), PolicyDocument: ptr(allowS3)}))
	local := must(s.CreatePolicy(ctx, &iamapi.CreatePolicyInput{PolicyName: ptr("local"), PolicyDocument: ptr(allowS3)})).Policy.Arn
	must(s.AttachGroupPolicy(ctx, &iamapi.AttachGroupPolicyInput{GroupName: ptr("devs"), PolicyArn: local}))
	must(s.AttachUserPolicy(ctx, &iamapi.AttachUserPolicyInput{UserName: ptr("alice"), PolicyArn: local}))
	must(s.AttachUserPolicy(ctx, &iamapi.AttachUserPolicyInput{UserName: ptr("alice"), PolicyArn: ptr("arn:aws:iam::aws:policy/ReadOnlyAccess")}))

	p, err := s.PrincipalPolicies(ctx, acctID, "arn:aws:iam::000000000000:user/alice")
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, d := range p.Policies {
		kinds[d.Kind]++
		if d.ID == "" || d.Document == "" {
			t.Errorf("policy %+v", d)
		}
	}
	if p.Type != "User" || p.Tags["team"] != "a" || kinds[KindInline] != 2 || kinds[KindManaged] != 1 || kinds[KindAWSManaged] != 1 {
		t.Fatalf("principal = %+v kinds=%v", p, kinds)
	}
	if p.Boundary == nil || p.Boundary.Name != "PowerUserAccess" || p.Boundary.Kind != KindAWSManaged {
		t.Fatalf("boundary = %+v", p.Boundary)
	}

	must(s.CreateRole(ctx, &iamapi.CreateRoleInput{RoleName: ptr("R"), AssumeRolePolicyDocument: ptr(trustEC2)}))
	must(s.PutRolePolicy(ctx, &iamapi.PutRolePolicyInput{RoleName: ptr("R"), PolicyName: ptr("x"), PolicyDocument: ptr(allowS3)}))
	r, err := s.PrincipalPolicies(ctx, acctID, "arn:aws:sts::000000000000:assumed-role/R/session-1")
	if err != nil || r.Type != "Role" || r.ARN != "arn:aws:iam::000000000000:role/R" || len(r.Policies) != 1 {
		t.Fatalf("assumed role = %+v, %v", r, err)
	}
	root, err := s.PrincipalPolicies(ctx, acctID, "arn:aws:iam::000000000000:root")
	if err != nil || root.Type != "Root" {
		t.Fatalf("root = %+v, %v", root, err)
	}
	for _, bad := range []string{"arn:aws:iam::111122223333:user/alice", "arn:aws:iam::000000000000:user/nobody", "junk"} {
		if _, err := s.PrincipalPolicies(ctx, acctID, bad); err == nil {
			t.Errorf("PrincipalPolicies(%s) succeeded", bad)
		}
	}
}

func TestAccountSettings(t *testing.T) {
	s, ctx := newTestService(t)
	must(s.CreateAccountAlias(ctx, &iamapi.CreateAccountAliasInput{AccountAlias: ptr("my-corp")}))
	other := reqctx.With(context.Background(), &reqctx.Info{Principal: reqctx.Principal{Type: "Root", Account: "111122223333", ARN: "arn:aws:iam::111122223333:root"}})
	_, err := s.CreateAccountAlias(other, &iamapi.CreateAccountAliasInput{AccountAlias: ptr("my-corp")})
	wantErr(t, err, "EntityAlreadyExists", "")
	must(s.CreateAccountAlias(ctx, &iamapi.CreateAccountAliasInput{AccountAlias: ptr("my-corp-2")}))
	must(s.CreateAccountAlias(other, &iamapi.CreateAccountAliasInput{AccountAlias: ptr("my-corp")})) // freed by the replacement
	al := must(s.ListAccountAliases(ctx, &iamapi.ListAccountAliasesInput{}))
	if len(al.AccountAliases) != 1 || al.AccountAliases[0] != "my-corp-2" {
		t.Fatalf("aliases = %v", al.AccountAliases)
	}

	_, err = s.GetAccountPasswordPolicy(ctx, &iamapi.GetAccountPasswordPolicyInput{})
	wantErr(t, err, "NoSuchEntity", "")
	must(s.UpdateAccountPasswordPolicy(ctx, &iamapi.UpdateAccountPasswordPolicyInput{MinimumPasswordLength: ptr(int64(12)), RequireNumbers: ptr(true), AllowUsersToChangePassword: ptr(true), PasswordReusePrevention: ptr(int64(2))}))
	must(s.CreateUser(ctx, &iamapi.CreateUserInput{UserName: ptr("alice")}))
	_, err = s.CreateLoginProfile(ctx, &iamapi.CreateLoginProfileInput{UserName: ptr("alice"), Password: ptr("short1")})
	wantErr(t, err, "PasswordPolicyViolation", "")
	must(s.CreateLoginProfile(ctx, &iamapi.CreateLoginProfileInput{UserName: ptr("alice"), Password: ptr("longenough12")}))
	_, err = s.CreateLoginProfile(ctx, &iamapi.CreateLoginProfileInput{UserName: ptr("alice"), Password: ptr("longenough12")})
	wantErr(t, err, "EntityAlreadyExists", "")

	userCtx := reqctx.With(context.Background(), &reqctx.Info{Principal: reqctx.Principal{Type: "IAMUser", Account: acctID, UserName: "alice", ARN: "arn:aws:iam::000000000000:user/alice"}})
	_, err = s.ChangePassword(userCtx, &iamapi.ChangePasswordInput{OldPassword: ptr("wrong"), NewPassword: ptr("anotherpass12")})
	wantErr(t, err, "AccessDenied", "")
	_, err = s.ChangePassword(userCtx, &iamapi.ChangePasswordInput{OldPassword: ptr("longenough12"), NewPassword: ptr("longenough12")})
	wantErr(t, err, "PasswordPolicyViolation", "")
	must(s.ChangePassword(userCtx, &iamapi.ChangePasswordInput{OldPassword: ptr("longenough12"), NewPassword: ptr("anotherpass12")}))
	_, err = s.ChangePassword(ctx, &iamapi.ChangePasswordInput{OldPassword: ptr("x"), NewPassword: ptr("y")})
	wantErr(t, err, "InvalidUserType", "")

	sum := must(s.GetAccountSummary(ctx, &iamapi.GetAccountSummaryInput{})).SummaryMap
	if sum["Users"] != 1 || sum["UsersQuota"] != 5000 || sum["AccessKeysPerUserQuota"] != 2 {
		t.Fatalf("summary = %v", sum)
	}
	_, err = s.ListUsers(context.Background(), &iamapi.ListUsersInput{})
	wantErr(t, err, "MissingAuthenticationToken", "")
	got := must(s.GetUser(ctx, &iamapi.GetUserInput{}))
	if deref(got.User.Arn) != "arn:aws:iam::000000000000:root" || got.User.UserName != nil {
		t.Fatalf("root user = %+v", got.User)
	}
}
