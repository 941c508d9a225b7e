package iam

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"hakoniwa/internal/clock"
	"hakoniwa/internal/reqctx"

	iamapi "hakoniwa/internal/api/iam"
)

const (
	partnerAcct = "111111111111"
	otherAcct   = "222222222222"
	template    = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::@{bucketName}/*"},` +
		`{"Effect":"Allow","Action":"s3:ListBucket","Resource":["arn:aws:s3:::@{buckets}"],"Condition":{"StringEquals":{"aws:RequestedRegion":"us-east-1"}}}]}`
)

// as is ctx with another principal.
func as(account, arn string) context.Context {
	return reqctx.With(context.Background(), &reqctx.Info{Principal: reqctx.Principal{Type: "IAMUser", Account: account, ARN: arn, UserID: "AIDA" + account}})
}

type delegationFixture struct {
	s        *Service
	clk      *clock.Manual
	partner  context.Context
	owner    context.Context
	ownerARN string
	notices  []string
}

func newDelegationFixture(t *testing.T) *delegationFixture {
	s, _ := newTestService(t)
	f := &delegationFixture{s: s, clk: s.clock.(*clock.Manual), ownerARN: "arn:aws:iam::" + acctID + ":user/alice"}
	f.partner = as(partnerAcct, "arn:aws:iam::"+partnerAcct+":user/partner")
	f.owner = as(acctID, f.ownerARN)
	s.Notify = func(_ context.Context, channel, msg string) { f.notices = append(f.notices, channel+" "+msg) }
	must(s.CreatePolicy(f.partner, &iamapi.CreatePolicyInput{PolicyName: ptr("tmpl"), PolicyDocument: ptr(template)}))
	return f
}

func (f *delegationFixture) input(owner string) *iamapi.CreateDelegationRequestInput {
	in := &iamapi.CreateDelegationRequestInput{
		Description: ptr("Set up log shipping."), RequestorWorkflowId: ptr("wf-" + f.s.ids.Hex(8)),
		NotificationChannel: ptr("arn:aws:sns:us-east-1:" + partnerAcct + ":delegations"), SessionDuration: ptr(int64(3600)),
		Permissions: &iamapi.DelegationPermission{PolicyTemplateArn: ptr("arn:aws:iam::" + partnerAcct + ":policy/tmpl"), Parameters: []iamapi.PolicyParameter{
			{Name: ptr("bucketName"), Type: ptr("string"), Values: []string{"logs"}},
			{Name: ptr("buckets"), Type: ptr("stringList"), Values: []string{"a", "b"}},
		}},
	}
	if owner != "" {
		in.OwnerAccountId = ptr(owner)
	}
	return in
}

func (f *delegationFixture) create(t *testing.T, owner string) string {
	t.Helper()
	return deref(must(f.s.CreateDelegationRequest(f.partner, f.input(owner))).DelegationRequestId)
}

func (f *delegationFixture) get(t *testing.T, ctx context.Context, id string) *iamapi.DelegationRequest {
	t.Helper()
	return must(f.s.GetDelegationRequest(ctx, &iamapi.GetDelegationRequestInput{DelegationRequestId: &id})).DelegationRequest
}

func TestDelegationHappyPathAndToken(t *testing.T) {
	f := newDelegationFixture(t)
	id := f.create(t, acctID)
	d := f.get(t, f.owner, id)
	if deref(d.State) != stateUnassigned || deref(d.RequestorId) != partnerAcct || deref(d.OwnerAccountId) != acctID || d.OwnerId != nil {
		t.Fatalf("created = %+v", d)
	}
	wantPolicy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::logs/*"},` +
		`{"Effect":"Allow","Action":"s3:ListBucket","Resource":["arn:aws:s3:::a","arn:aws:s3:::b"],"Condition":{"StringEquals":{"aws:RequestedRegion":"us-east-1"}}}]}`
	if deref(d.PermissionPolicy) != wantPolicy {
		t.Fatalf("policy =\n%s\nwant\n%s", deref(d.PermissionPolicy), wantPolicy)
	}
	must(f.s.AssociateDelegationRequest(f.owner, &iamapi.AssociateDelegationRequestInput{DelegationRequestId: &id}))
	must(f.s.UpdateDelegationRequest(f.owner, &iamapi.UpdateDelegationRequestInput{DelegationRequestId: &id, Notes: ptr("please approve")}))
	if d := f.get(t, f.owner, id); deref(d.State) != statePendingApproval || deref(d.OwnerId) != f.ownerARN || deref(d.Notes) != "please approve" {
		t.Fatalf("updated = %+v", d)
	}
	admin := as(acctID, "arn:aws:iam::"+acctID+":user/admin")
	must(f.s.AcceptDelegationRequest(admin, &iamapi.AcceptDelegationRequestInput{DelegationRequestId: &id}))
	if _, err := f.s.RedeemDelegationToken(context.Background(), "nope"); !errors.Is(err, ErrTradeInTokenUnknown) {
		t.Fatalf("unknown token: %v", err)
	}
	must(f.s.SendDelegationToken(f.owner, &iamapi.SendDelegationTokenInput{DelegationRequestId: &id}))
	d = f.get(t, f.owner, id)
	if deref(d.State) != stateFinalized || deref(d.ApproverId) != "arn:aws:iam::"+acctID+":user/admin" || !d.ExpirationTime.Equal(f.s.now().Add(time.Hour)) {
		t.Fatalf("finalized = %+v", d)
	}
	if len(f.notices) != 1 || !strings.HasPrefix(f.notices[0], "arn:aws:sns:us-east-1:"+partnerAcct+":delegations {") {
		t.Fatalf("notices = %v", f.notices)
	}
	token := f.notices[0][strings.Index(f.notices[0], `"ExchangeToken":"`)+17:]
	token = token[:strings.IndexByte(token, '"')]
	got, err := f.s.RedeemDelegationToken(context.Background(), token)
	if err != nil || got.Accepter.ARN != "arn:aws:iam::"+acctID+":user/admin" || got.Policy != wantPolicy || got.RequestID != id {
		t.Fatalf("redeem = %+v, %v", got, err)
	}
	if _, err := f.s.RedeemDelegationToken(context.Background(), token); !errors.Is(err, ErrTradeInTokenUsed) {
		t.Fatalf("second redeem: %v", err)
	}
	// Sending again, or rejecting a finalized request, is refused.
	_, err = f.s.SendDelegationToken(f.owner, &iamapi.SendDelegationTokenInput{DelegationRequestId: &id})
	wantErr(t, err, "InvalidInput", "FINALIZED")
	_, err = f.s.RejectDelegationRequest(f.owner, &iamapi.RejectDelegationRequestInput{DelegationRequestId: &id})
	wantErr(t, err, "InvalidInput", "FINALIZED")
	f.clk.Advance(time.Hour)
	if d := f.get(t, f.owner, id); deref(d.State) != stateExpired {
		t.Fatalf("after the window: %s", deref(d.State))
	}
}

func TestDelegationUnusedTokenExpires(t *testing.T) {
	f := newDelegationFixture(t)
	id := f.create(t, "")
	for _, op := range []func() error{
		func() error {
			_, err := f.s.AssociateDelegationRequest(f.owner, &iamapi.AssociateDelegationRequestInput{DelegationRequestId: &id})
			return err
		},
		func() error {
			_, err := f.s.AcceptDelegationRequest(f.owner, &iamapi.AcceptDelegationRequestInput{DelegationRequestId: &id})
			return err
		},
		func() error {
			_, err := f.s.SendDelegationToken(f.owner, &iamapi.SendDelegationTokenInput{DelegationRequestId: &id})
			return err
		},
	} {
		if err := op(); err != nil {
			t.Fatal(err)
		}
	}
	token := f.notices[0][strings.Index(f.notices[0], `"ExchangeToken":"`)+17:]
	token = token[:strings.IndexByte(token, '"')]
	f.clk.Advance(time.Hour)
	if _, err := f.s.RedeemDelegationToken(context.Background(), token); !errors.Is(err, ErrTradeInTokenExpired) {
		t.Fatalf("expired token: %v", err)
	}
}

func TestDelegationRefusals(t *testing.T) {
	f := newDelegationFixture(t)
	targeted := f.create(t, acctID)
	stranger := as(otherAcct, "arn:aws:iam::"+otherAcct+":user/eve")

	// Another account neither sees nor associates a targeted request.
	_, err := f.s.GetDelegationRequest(stranger, &iamapi.GetDelegationRequestInput{DelegationRequestId: &targeted})
	wantErr(t, err, "NoSuchEntity", targeted)
	_, err = f.s.AssociateDelegationRequest(stranger, &iamapi.AssociateDelegationRequestInput{DelegationRequestId: &targeted})
	wantErr(t, err, "NoSuchEntity", "")
	_, err = f.s.GetHumanReadableSummary(stranger, &iamapi.GetHumanReadableSummaryInput{EntityArn: ptr("arn:aws:iam::" + acctID + ":delegation-request/" + targeted)})
	wantErr(t, err, "NoSuchEntity", "")

	// Nothing but association happens to an unowned request.
	_, err = f.s.AcceptDelegationRequest(f.owner, &iamapi.AcceptDelegationRequestInput{DelegationRequestId: &targeted})
	wantErr(t, err, "ConcurrentModification", "UNASSIGNED")
	_, err = f.s.UpdateDelegationRequest(f.owner, &iamapi.UpdateDelegationRequestInput{DelegationRequestId: &targeted})
	wantErr(t, err, "InvalidInput", "not associated")
	_, err = f.s.SendDelegationToken(f.owner, &iamapi.SendDelegationTokenInput{DelegationRequestId: &targeted})
	wantErr(t, err, "InvalidInput", "not associated")

	// An open request is visible to any account, owned by the first that
	// associates it; it is then listed only in that account.
	open := f.create(t, "")
	f.get(t, stranger, open)
	must(f.s.AssociateDelegationRequest(stranger, &iamapi.AssociateDelegationRequestInput{DelegationRequestId: &open}))
	_, err = f.s.AssociateDelegationRequest(stranger, &iamapi.AssociateDelegationRequestInput{DelegationRequestId: &open})
	wantErr(t, err, "InvalidInput", "ASSIGNED")
	_, err = f.s.GetDelegationRequest(f.owner, &iamapi.GetDelegationRequestInput{DelegationRequestId: &open})
	wantErr(t, err, "NoSuchEntity", "")
	if l := must(f.s.ListDelegationRequests(stranger, &iamapi.ListDelegationRequestsInput{})); len(l.DelegationRequests) != 1 || deref(l.DelegationRequests[0].DelegationRequestId) != open {
		t.Fatalf("stranger's list = %+v", l.DelegationRequests)
	}
	// The targeted request has no owner yet: not listed for its account.
	if l := must(f.s.ListDelegationRequests(f.owner, &iamapi.ListDelegationRequestsInput{})); len(l.DelegationRequests) != 0 {
		t.Fatalf("owner's list = %+v", l.DelegationRequests)
	}

	// OnlySendByOwner: another identity of the account may accept but
	// not send.
	in := f.input(acctID)
	in.OnlySendByOwner = ptr(true)
	id := deref(must(f.s.CreateDelegationRequest(f.partner, in)).DelegationRequestId)
	admin := as(acctID, "arn:aws:iam::"+acctID+":user/admin")
	must(f.s.AssociateDelegationRequest(f.owner, &iamapi.AssociateDelegationRequestInput{DelegationRequestId: &id}))
	must(f.s.AcceptDelegationRequest(admin, &iamapi.AcceptDelegationRequestInput{DelegationRequestId: &id}))
	_, err = f.s.SendDelegationToken(admin, &iamapi.SendDelegationTokenInput{DelegationRequestId: &id})
	wantErr(t, err, "AccessDenied", "owner")

	// An accepted request may still be rejected; then nothing else.
	must(f.s.RejectDelegationRequest(admin, &iamapi.RejectDelegationRequestInput{DelegationRequestId: &id, Notes: ptr("too broad")}))
	d := f.get(t, f.owner, id)
	if deref(d.State) != stateRejected || deref(d.RejectionReason) != "too broad" || !d.ExpirationTime.Equal(f.s.now().Add(7*24*time.Hour)) {
		t.Fatalf("rejected = %+v", d)
	}
	_, err = f.s.AcceptDelegationRequest(f.owner, &iamapi.AcceptDelegationRequestInput{DelegationRequestId: &id})
	wantErr(t, err, "ConcurrentModification", "REJECTED")
	_, err = f.s.UpdateDelegationRequest(f.owner, &iamapi.UpdateDelegationRequestInput{DelegationRequestId: &id})
	wantErr(t, err, "InvalidInput", "REJECTED")
	f.clk.Advance(7 * 24 * time.Hour)
	if d := f.get(t, f.owner, id); deref(d.State) != stateExpired {
		t.Fatalf("rejected after 7 days: %s", deref(d.State))
	}

	_, err = f.s.GetDelegationRequest(f.owner, &iamapi.GetDelegationRequestInput{DelegationRequestId: ptr("dr-00000000000000000000")})
	wantErr(t, err, "NoSuchEntity", "")
}

func TestDelegationOpenRequestsExpire(t *testing.T) {
	f := newDelegationFixture(t)
	id := f.create(t, "")
	f.clk.Advance(delegationLifetime)
	if d := f.get(t, f.owner, id); deref(d.State) != stateExpired {
		t.Fatalf("state = %s", deref(d.State))
	}
	_, err := f.s.AssociateDelegationRequest(f.owner, &iamapi.AssociateDelegationRequestInput{DelegationRequestId: &id})
	wantErr(t, err, "InvalidInput", "EXPIRED")
}

func TestCreateDelegationRequestValidation(t *testing.T) {
	f := newDelegationFixture(t)
	tests := []struct {
		name   string
		edit   func(in *iamapi.CreateDelegationRequestInput)
		code   string
		substr string
	}{
		{"channel not an SNS topic", func(in *iamapi.CreateDelegationRequestInput) { in.NotificationChannel = ptr("https-example") }, "InvalidInput", "SNS topic"},
		{"no template", func(in *iamapi.CreateDelegationRequestInput) { in.Permissions.PolicyTemplateArn = nil }, "InvalidInput", "PolicyTemplateArn"},
		{"unknown template", func(in *iamapi.CreateDelegationRequestInput) {
			in.Permissions.PolicyTemplateArn = ptr("arn:aws:iam::" + partnerAcct + ":policy/none")
		}, "InvalidInput", "does not exist"},
		{"another account's template", func(in *iamapi.CreateDelegationRequestInput) {
			in.Permissions.PolicyTemplateArn = ptr("arn:aws:iam::" + otherAcct + ":policy/tmpl")
		}, "InvalidInput", "does not exist"},
		{"missing parameter", func(in *iamapi.CreateDelegationRequestInput) {
			in.Permissions.Parameters = in.Permissions.Parameters[:1]
		}, "InvalidInput", "buckets"},
		{"unused parameter", func(in *iamapi.CreateDelegationRequestInput) {
			in.Permissions.Parameters = append(in.Permissions.Parameters, iamapi.PolicyParameter{Name: ptr("extra"), Type: ptr("string"), Values: []string{"x"}})
		}, "InvalidInput", "extra"},
		{"duplicate parameter", func(in *iamapi.CreateDelegationRequestInput) {
			in.Permissions.Parameters = append(in.Permissions.Parameters, in.Permissions.Parameters[0])
		}, "InvalidInput", "more than once"},
		{"string with two values", func(in *iamapi.CreateDelegationRequestInput) {
			in.Permissions.Parameters[0].Values = []string{"a", "b"}
		}, "InvalidInput", "exactly one"},
		{"no type", func(in *iamapi.CreateDelegationRequestInput) { in.Permissions.Parameters[0].Type = nil }, "InvalidInput", "Type"},
		{"rendered policy too large", func(in *iamapi.CreateDelegationRequestInput) {
			in.Permissions.Parameters[0].Values = []string{strings.Repeat("b", 2100)}
		}, "InvalidInput", "2048"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := f.input("")
			tc.edit(in)
			_, err := f.s.CreateDelegationRequest(f.partner, in)
			wantErr(t, err, tc.code, tc.substr)
		})
	}
	in := f.input("")
	must(f.s.CreateDelegationRequest(f.partner, in))
	_, err := f.s.CreateDelegationRequest(f.partner, in)
	wantErr(t, err, "EntityAlreadyExists", deref(in.RequestorWorkflowId))
}

func TestHumanReadableSummaryAndDefaults(t *testing.T) {
	f := newDelegationFixture(t)
	id := f.create(t, acctID)
	arn := "arn:aws:iam::" + acctID + ":delegation-request/" + id
	out := must(f.s.GetHumanReadableSummary(f.owner, &iamapi.GetHumanReadableSummaryInput{EntityArn: &arn}))
	want := "Account " + partnerAcct + " requests temporary access to account " + acctID + " for 1 hour, starting when the exchange token is sent. Purpose: Set up log shipping.\n" +
		"1. Allows s3:GetObject, s3:PutObject on arn:aws:s3:::logs/*.\n" +
		"2. Allows s3:ListBucket on arn:aws:s3:::a, arn:aws:s3:::b when aws:RequestedRegion StringEquals us-east-1."
	if deref(out.SummaryState) != "AVAILABLE" || deref(out.SummaryContent) != want || deref(out.Locale) != "en-US" {
		t.Fatalf("summary = %q (%s)", deref(out.SummaryContent), deref(out.SummaryState))
	}
	out = must(f.s.GetHumanReadableSummary(f.owner, &iamapi.GetHumanReadableSummaryInput{EntityArn: &arn, Locale: ptr("ja-JP")}))
	if deref(out.SummaryState) != "NOT_SUPPORTED" || deref(out.Locale) != "ja-JP" {
		t.Fatalf("ja summary = %+v", out)
	}
	_, err := f.s.GetHumanReadableSummary(f.owner, &iamapi.GetHumanReadableSummaryInput{EntityArn: ptr("arn:aws:iam::" + acctID + ":role/r")})
	wantErr(t, err, "InvalidInput", "not supported")
	_, err = f.s.GetHumanReadableSummary(f.owner, &iamapi.GetHumanReadableSummaryInput{EntityArn: ptr("not-an-arn")})
	wantErr(t, err, "InvalidInput", "")

	// No default permissions before an owner; then the owner's.
	if _, _, found, _ := f.s.DelegationResourcePolicy(context.Background(), arn); found {
		t.Fatal("unowned request has a policy")
	}
	must(f.s.AssociateDelegationRequest(f.owner, &iamapi.AssociateDelegationRequestInput{DelegationRequestId: &id}))
	doc, owner, found, err := f.s.DelegationResourcePolicy(context.Background(), arn)
	if err != nil || !found || owner != acctID || !strings.Contains(doc, `"Principal":{"AWS":"`+f.ownerARN+`"}`) || strings.Contains(doc, "AcceptDelegationRequest") {
		t.Fatalf("policy = %s %s %v %v", doc, owner, found, err)
	}
	if _, _, found, _ := f.s.DelegationResourcePolicy(context.Background(), "arn:aws:iam::"+otherAcct+":delegation-request/"+id); found {
		t.Fatal("policy under another account's ARN")
	}
	if _, _, found, _ := f.s.DelegationResourcePolicy(context.Background(), "arn:aws:iam::"+acctID+":user/alice"); found {
		t.Fatal("policy for a user ARN")
	}
}

func TestListDelegationRequestsPagesAndFilters(t *testing.T) {
	f := newDelegationFixture(t)
	bob := as(acctID, "arn:aws:iam::"+acctID+":user/bob")
	var mine []string
	for i := range 3 {
		id := f.create(t, "")
		who := f.owner
		if i == 1 {
			who = bob
		} else {
			mine = append(mine, id)
		}
		must(f.s.AssociateDelegationRequest(who, &iamapi.AssociateDelegationRequestInput{DelegationRequestId: &id}))
	}
	var got []string
	in := &iamapi.ListDelegationRequestsInput{OwnerId: &f.ownerARN, MaxItems: ptr(int64(1))}
	for {
		out := must(f.s.ListDelegationRequests(f.owner, in))
		for _, d := range out.DelegationRequests {
			got = append(got, deref(d.DelegationRequestId))
		}
		if !*out.IsTruncated {
			break
		}
		in.Marker = out.Marker
	}
	if strings.Join(got, ",") != strings.Join(slices.Sorted(slices.Values(mine)), ",") {
		t.Fatalf("pages = %v, want %v", got, mine)
	}
	if all := must(f.s.ListDelegationRequests(f.owner, &iamapi.ListDelegationRequestsInput{})); len(all.DelegationRequests) != 3 {
		t.Fatalf("unfiltered = %d", len(all.DelegationRequests))
	}
	_, err := f.s.ListDelegationRequests(f.owner, &iamapi.ListDelegationRequestsInput{Marker: ptr("!!")})
	wantErr(t, err, "ValidationError", "Marker")
}

func TestRenderTemplate(t *testing.T) {
	args := []delegationArg{{Name: "b", Type: "stringList", Values: []string{"x", "y"}}, {Name: "r", Type: "string", Values: []string{"us-east-1"}}}
	got, err := renderTemplate(`{"Statement": {"Resource": "arn:aws:s3:::@{b}", "Condition": {"StringEquals": {"aws:RequestedRegion": "@{r}"}}, "Sid": "@{r}"}}`, args)
	want := `{"Statement": {"Resource": ["arn:aws:s3:::x","arn:aws:s3:::y"], "Condition": {"StringEquals": {"aws:RequestedRegion": "us-east-1"}}, "Sid": "us-east-1"}}`
	if err != nil || got != want {
		t.Fatalf("got %s, %v\nwant %s", got, err, want)
	}
	// Keys are not substituted, so a parameter only a key names is unused.
	_, err = renderTemplate(`{"@{r}": "a", "x": "@{b}"}`, args)
	wantErr(t, err, "InvalidInput", "parameter r is not used")
	_, err = renderTemplate(`{"x": `, args)
	wantErr(t, err, "InvalidInput", "not valid JSON")
}
