package authz

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/model"
	"hakoniwa/internal/reqctx"
)

type fakeSessions map[string]Session

func (f fakeSessions) Session(_ context.Context, id string) (Session, bool, error) {
	s, ok := f[id]
	return s, ok, nil
}

type fakeTrusts map[string]string

func (f fakeTrusts) TrustPolicy(_ context.Context, arn string) (string, bool, error) {
	d, ok := f[arn]
	return d, ok, nil
}

const (
	deployRole  = "arn:aws:iam::000000000000:role/deploy"
	deployARN   = "arn:aws:sts::000000000000:assumed-role/deploy/s1"
	partnerRole = "arn:aws:iam::111122223333:role/partner"
	bobARN      = "arn:aws:iam::000000000000:user/bob"
	fedARN      = "arn:aws:sts::000000000000:federated-user/fed"
	rootARN     = "arn:aws:iam::000000000000:root"
)

func allow(actions ...string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["` + strings.Join(actions, `","`) + `"],"Resource":"*"}]}`
}

func trust(principal, cond string) string {
	c := ""
	if cond != "" {
		c = `,"Condition":` + cond
	}
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + principal + `"},"Action":["sts:AssumeRole","sts:TagSession"]` + c + `}]}`
}

// call is one request in the tests below: who signs (and with which key),
// what it calls.
type call struct {
	name      string
	principal reqctx.Principal
	svc, op   string
	in        map[string]any
	wantCode  string
	wantInMsg string
}

func principal(typ, arn, keyID string) reqctx.Principal {
	p := reqctx.Principal{Type: typ, ARN: arn, Account: strings.Split(arn, ":")[4], AccessKeyID: keyID, UserID: "AIDAEXAMPLE"}
	if strings.HasPrefix(keyID, "ASIA") {
		p.SessionToken = "token"
	}
	return p
}

func TestSessionsAndTrust(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ids := fakeIDs{
		alice:       {Type: "User", ARN: alice, Policies: []Document{{ID: "a", Kind: "inline", Text: allow("sts:AssumeRole", "sts:TagSession", "cloudtrail:*", "iam:ListUsers")}}},
		bobARN:      {Type: "User", ARN: bobARN},
		deployRole:  {Type: "Role", ARN: deployRole, Tags: map[string]string{"Team": "blue"}, Policies: []Document{{ID: "r", Kind: "inline", Text: allow("cloudtrail:*", "iam:GetUser")}}},
		deployARN:   {Type: "Role", ARN: deployRole, Tags: map[string]string{"Team": "blue"}, Policies: []Document{{ID: "r", Kind: "inline", Text: allow("cloudtrail:*", "iam:GetUser")}}},
		rootARN:     {Type: "Root", ARN: rootARN},
		partnerRole: {Type: "Role", ARN: partnerRole},
	}
	onlyLookup := Document{ID: "s", Kind: "session", Text: allow("cloudtrail:LookupEvents")}
	needsMFA := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"cloudtrail:*","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"},"NumericLessThan":{"aws:MultiFactorAuthAge":"3600"}}}]}`
	byTag := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"cloudtrail:*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"red"}}}]}`
	ids["arn:aws:iam::000000000000:user/carol"] = Identity{Type: "User", ARN: "arn:aws:iam::000000000000:user/carol", Policies: []Document{{ID: "c", Kind: "inline", Text: needsMFA}}}
	ids["arn:aws:iam::000000000000:role/tagged"] = Identity{Type: "Role", ARN: "arn:aws:iam::000000000000:role/tagged", Tags: map[string]string{"team": "blue"}, Policies: []Document{{ID: "t", Kind: "inline", Text: byTag}}}
	sessions := fakeSessions{
		"ASIAROLE":     {Kind: KindAssumedRole, IssuedFor: deployRole, Issued: now},
		"ASIANARROW":   {Kind: KindAssumedRole, IssuedFor: deployRole, Policies: []Document{onlyLookup}},
		"ASIAFEDNONE":  {Kind: KindFederated, IssuedFor: alice},
		"ASIAFED":      {Kind: KindFederated, IssuedFor: alice, Policies: []Document{onlyLookup}},
		"ASIAFEDROOT":  {Kind: KindFederated, IssuedFor: rootARN, Policies: []Document{onlyLookup}},
		"ASIATOKEN":    {Kind: KindSessionToken, IssuedFor: alice},
		"ASIATOKENMFA": {Kind: KindSessionToken, IssuedFor: alice, MFA: true, MFAAuthTime: now.Add(-10 * time.Minute)},
		"ASIACAROL":    {Kind: KindSessionToken, IssuedFor: "arn:aws:iam::000000000000:user/carol", MFA: true, MFAAuthTime: now.Add(-10 * time.Minute)},
		"ASIACAROLOLD": {Kind: KindSessionToken, IssuedFor: "arn:aws:iam::000000000000:user/carol", MFA: true, MFAAuthTime: now.Add(-2 * time.Hour)},
		"ASIATAGGED":   {Kind: KindAssumedRole, IssuedFor: "arn:aws:iam::000000000000:role/tagged", Tags: map[string]string{"Team": "red"}},
	}
	trusts := fakeTrusts{
		deployRole:                              trust(alice, ""),
		"arn:aws:iam::000000000000:role/acct":   trust("arn:aws:iam::000000000000:root", ""),
		"arn:aws:iam::000000000000:role/ext":    trust("000000000000", `{"StringEquals":{"sts:ExternalId":"s3cret"}}`),
		"arn:aws:iam::000000000000:role/mfa":    trust("000000000000", `{"Bool":{"aws:MultiFactorAuthPresent":"true"}}`),
		partnerRole:                             trust("000000000000", ""),
		"arn:aws:iam::000000000000:role/closed": trust("111122223333", ""),
	}
	a := New(ids, Enforce, slog.New(slog.NewTextHandler(io.Discard, nil)), WithSessions(sessions), WithTrusts(trusts))

	assume := func(role string, extra ...any) map[string]any {
		in := map[string]any{"RoleArn": role, "RoleSessionName": "s1"}
		for i := 0; i+1 < len(extra); i += 2 {
			in[extra[i].(string)] = extra[i+1]
		}
		return in
	}
	deployed := principal("AssumedRole", deployARN, "ASIAROLE")
	cases := []call{
		// Trust policies.
		{name: "user named in the trust policy", principal: principal("IAMUser", alice, "AKIA1"), svc: "sts", op: "AssumeRole", in: assume(deployRole)},
		{name: "named user needs no identity policy in the same account", principal: principal("IAMUser", alice, "AKIA1"), svc: "sts", op: "AssumeRole",
			in: assume(deployRole, "Tags", []any{map[string]any{"Key": "k", "Value": "v"}})},
		{name: "trust not naming the caller", principal: principal("IAMUser", bobARN, "AKIA2"), svc: "sts", op: "AssumeRole", in: assume(deployRole),
			wantCode: "AccessDenied", wantInMsg: "User: " + bobARN + " is not authorized to perform: sts:AssumeRole on resource: " + deployRole},
		{name: "trusting the account delegates to identity policies", principal: principal("IAMUser", alice, "AKIA1"), svc: "sts", op: "AssumeRole", in: assume("arn:aws:iam::000000000000:role/acct")},
		{name: "trusting the account, no identity policy", principal: principal("IAMUser", bobARN, "AKIA2"), svc: "sts", op: "AssumeRole", in: assume("arn:aws:iam::000000000000:role/acct"), wantCode: "AccessDenied"},
		{name: "missing role", principal: principal("IAMUser", alice, "AKIA1"), svc: "sts", op: "AssumeRole", in: assume("arn:aws:iam::000000000000:role/ghost"),
			wantCode: "AccessDenied", wantInMsg: "on resource: arn:aws:iam::000000000000:role/ghost"},
		{name: "external id required", principal: principal("IAMUser", alice, "AKIA1"), svc: "sts", op: "AssumeRole", in: assume("arn:aws:iam::000000000000:role/ext"), wantCode: "AccessDenied"},
		{name: "external id wrong", principal: principal("IAMUser", alice, "AKIA1"), svc: "sts", op: "AssumeRole", in: assume("arn:aws:iam::000000000000:role/ext", "ExternalId", "guess"), wantCode: "AccessDenied"},
		{name: "external id given", principal: principal("IAMUser", alice, "AKIA1"), svc: "sts", op: "AssumeRole", in: assume("arn:aws:iam::000000000000:role/ext", "ExternalId", "s3cret")},
		{name: "MFA required, long-term key", principal: principal("IAMUser", alice, "AKIA1"), svc: "sts", op: "AssumeRole", in: assume("arn:aws:iam::000000000000:role/mfa"), wantCode: "AccessDenied"},
		{name: "MFA required, code in the request", principal: principal("IAMUser", alice, "AKIA1"), svc: "sts", op: "AssumeRole",
			in: assume("arn:aws:iam::000000000000:role/mfa", "SerialNumber", "arn:aws:iam::000000000000:mfa/alice", "TokenCode", "123456")},
		{name: "MFA required, session without MFA", principal: principal("IAMUser", alice, "ASIATOKEN"), svc: "sts", op: "AssumeRole", in: assume("arn:aws:iam::000000000000:role/mfa"), wantCode: "AccessDenied"},
		{name: "MFA required, MFA session", principal: principal("IAMUser", alice, "ASIATOKENMFA"), svc: "sts", op: "AssumeRole", in: assume("arn:aws:iam::000000000000:role/mfa")},
		{name: "cross-account role trusting the caller's account", principal: principal("IAMUser", alice, "AKIA1"), svc: "sts", op: "AssumeRole", in: assume(partnerRole)},
		{name: "cross-account still needs identity policies", principal: principal("IAMUser", bobARN, "AKIA2"), svc: "sts", op: "AssumeRole", in: assume(partnerRole), wantCode: "AccessDenied"},
		{name: "root, trusted account", principal: principal("Root", rootARN, "test"), svc: "sts", op: "AssumeRole", in: assume("arn:aws:iam::000000000000:role/acct")},
		{name: "root, untrusted", principal: principal("Root", rootARN, "test"), svc: "sts", op: "AssumeRole", in: assume("arn:aws:iam::000000000000:role/closed"), wantCode: "AccessDenied"},
		{name: "root of another account", principal: principal("Root", "arn:aws:iam::111122223333:root", "111122223333"), svc: "sts", op: "AssumeRole", in: assume("arn:aws:iam::000000000000:role/closed")},

		// Sessions act with the role's policies, narrowed by session policies.
		{name: "role session, allowed by the role", principal: deployed, svc: "cloudtrail", op: "StopLogging", in: map[string]any{"Name": "t"}},
		{name: "role session, not allowed by the role", principal: deployed, svc: "iam", op: "CreateUser", in: map[string]any{"UserName": "x"},
			wantCode: "AccessDenied", wantInMsg: "User: " + deployARN + " is not authorized to perform: iam:CreateUser"},
		{name: "session policy allows", principal: principal("AssumedRole", deployARN, "ASIANARROW"), svc: "cloudtrail", op: "LookupEvents", in: map[string]any{}},
		{name: "session policy narrows", principal: principal("AssumedRole", deployARN, "ASIANARROW"), svc: "cloudtrail", op: "StopLogging", in: map[string]any{"Name": "t"},
			wantCode: "AccessDeniedException", wantInMsg: "because no session policy allows the cloudtrail:StopLogging action"},
		{name: "federated without session policy", principal: principal("FederatedUser", fedARN, "ASIAFEDNONE"), svc: "cloudtrail", op: "LookupEvents", in: map[string]any{},
			wantCode: "AccessDeniedException", wantInMsg: "no session policy allows"},
		{name: "federated, both allow", principal: principal("FederatedUser", fedARN, "ASIAFED"), svc: "cloudtrail", op: "LookupEvents", in: map[string]any{}},
		{name: "federated, user allows but session does not", principal: principal("FederatedUser", fedARN, "ASIAFED"), svc: "cloudtrail", op: "StopLogging", in: map[string]any{"Name": "t"}, wantCode: "AccessDeniedException"},
		{name: "federated by root", principal: principal("FederatedUser", fedARN, "ASIAFEDROOT"), svc: "cloudtrail", op: "LookupEvents", in: map[string]any{}},
		{name: "federated by root, beyond the session policy", principal: principal("FederatedUser", fedARN, "ASIAFEDROOT"), svc: "cloudtrail", op: "StopLogging", in: map[string]any{"Name": "t"}, wantCode: "AccessDeniedException"},
		{name: "federated users cannot call IAM", principal: principal("FederatedUser", fedARN, "ASIAFED"), svc: "iam", op: "ListUsers", in: map[string]any{}, wantCode: "InvalidClientTokenId"},

		// MFA and tags from the session.
		{name: "session token without MFA cannot call IAM", principal: principal("IAMUser", alice, "ASIATOKEN"), svc: "iam", op: "ListUsers", in: map[string]any{},
			wantCode: "InvalidClientTokenId", wantInMsg: "The security token included in the request is invalid"},
		{name: "session token with MFA calls IAM", principal: principal("IAMUser", alice, "ASIATOKENMFA"), svc: "iam", op: "ListUsers", in: map[string]any{}},
		{name: "MFA condition, long-term key", principal: principal("IAMUser", "arn:aws:iam::000000000000:user/carol", "AKIA3"), svc: "cloudtrail", op: "LookupEvents", in: map[string]any{}, wantCode: "AccessDeniedException"},
		{name: "MFA condition, recent MFA", principal: principal("IAMUser", "arn:aws:iam::000000000000:user/carol", "ASIACAROL"), svc: "cloudtrail", op: "LookupEvents", in: map[string]any{}},
		{name: "MFA condition, MFA too old", principal: principal("IAMUser", "arn:aws:iam::000000000000:user/carol", "ASIACAROLOLD"), svc: "cloudtrail", op: "LookupEvents", in: map[string]any{}, wantCode: "AccessDeniedException"},
		{name: "session tag overrides the role tag", principal: principal("AssumedRole", "arn:aws:sts::000000000000:assumed-role/tagged/s", "ASIATAGGED"), svc: "cloudtrail", op: "LookupEvents", in: map[string]any{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := reqctx.With(context.Background(), &reqctx.Info{RequestID: "r", Time: now, Region: "us-east-1", Principal: tc.principal})
			svc := &model.Service{ID: tc.svc, Metadata: model.Metadata{Protocol: map[string]string{"sts": "query", "iam": "query", "cloudtrail": "json"}[tc.svc]}, Shapes: map[string]*model.Shape{}}
			err := a.Authorize(ctx, svc, &model.Operation{Name: tc.op}, tc.in)
			if tc.wantCode == "" {
				if err != nil {
					t.Fatalf("denied: %v", err)
				}
				return
			}
			e, ok := err.(*awserr.Error)
			if !ok || e.Code != tc.wantCode || !strings.Contains(e.Message, tc.wantInMsg) {
				t.Fatalf("got %v, want %s containing %q", err, tc.wantCode, tc.wantInMsg)
			}
			if tc.svc == "sts" && strings.Contains(e.Message, "because") {
				t.Fatalf("AssumeRole refusals give no reason: %q", e.Message)
			}
		})
	}
}

func TestMergeTags(t *testing.T) {
	got := mergeTags(map[string]string{"Team": "blue", "cost": "1"}, map[string]string{"team": "red"})
	if len(got) != 2 || got["team"] != "red" || got["cost"] != "1" {
		t.Fatalf("merged %v", got)
	}
}
