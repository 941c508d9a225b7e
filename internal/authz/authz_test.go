package authz

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/iam/policy"
	"hakoniwa/internal/model"
	"hakoniwa/internal/reqctx"
)

type fakeIDs map[string]Identity

func (f fakeIDs) Identity(_ context.Context, _, arn string) (Identity, error) {
	id, ok := f[arn]
	if !ok {
		return Identity{}, &awserr.Error{Code: "NoSuchEntity", Message: "gone", Status: 404}
	}
	return id, nil
}

const alice = "arn:aws:iam::000000000000:user/alice"

func ctxFor(principalType, arn string) context.Context {
	return reqctx.With(context.Background(), &reqctx.Info{
		RequestID: "req-1", Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Region: "us-east-1", SourceIP: "127.0.0.1",
		Principal: reqctx.Principal{Type: principalType, Account: "000000000000", ARN: arn, UserID: "AIDAEXAMPLE", UserName: "alice"},
	})
}

func svcModel(id, protocol string, shapes map[string]*model.Shape) (*model.Service, *model.Operation) {
	svc := &model.Service{ID: id, Metadata: model.Metadata{Protocol: protocol}, Shapes: shapes}
	return svc, nil
}

func TestAuthorize(t *testing.T) {
	readOnly := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"cloudtrail:LookupEvents","Resource":"*"}]}`
	denyAll := `{"Version":"2012-10-17","Statement":[{"Sid":"NoTrail","Effect":"Deny","Action":"cloudtrail:*","Resource":"*"}]}`
	ids := fakeIDs{
		alice: {Type: "User", ARN: alice, Policies: []Document{{ID: "p1", Name: "read", Kind: "inline", Text: readOnly}}},
		"arn:aws:iam::000000000000:user/bob": {Type: "User", ARN: "arn:aws:iam::000000000000:user/bob",
			Policies: []Document{{ID: "p1", Name: "read", Kind: "inline", Text: readOnly}, {ID: "p2", Name: "deny", Kind: "managed", Text: denyAll}}},
	}
	a := New(ids, Enforce, slog.New(slog.NewTextHandler(io.Discard, nil)))
	trail := &model.Service{ID: "cloudtrail", Metadata: model.Metadata{Protocol: "json"}, Shapes: map[string]*model.Shape{}}
	lookup := &model.Operation{Name: "LookupEvents"}
	iamSvc := &model.Service{ID: "iam", Metadata: model.Metadata{Protocol: "query"}, Shapes: map[string]*model.Shape{}}
	createUser := &model.Operation{Name: "CreateUser"}

	cases := []struct {
		name      string
		ctx       context.Context
		svc       *model.Service
		op        *model.Operation
		in        map[string]any
		wantCode  string
		wantInMsg string
	}{
		{name: "root is allowed", ctx: reqctx.With(context.Background(), &reqctx.Info{Principal: reqctx.Principal{Type: "Root", Account: "000000000000"}}), svc: iamSvc, op: createUser, in: map[string]any{"UserName": "x"}},
		{name: "allowed by inline policy", ctx: ctxFor("IAMUser", alice), svc: trail, op: lookup, in: map[string]any{}},
		{name: "no identity policy allows", ctx: ctxFor("IAMUser", alice), svc: iamSvc, op: createUser, in: map[string]any{"UserName": "x"},
			wantCode: "AccessDenied", wantInMsg: "User: " + alice + " is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::000000000000:user/x because no identity-based policy allows the iam:CreateUser action"},
		{name: "explicit deny wins", ctx: ctxFor("IAMUser", "arn:aws:iam::000000000000:user/bob"), svc: trail, op: lookup, in: map[string]any{},
			wantCode: "AccessDeniedException", wantInMsg: "with an explicit deny in an identity-based policy"},
		{name: "unknown principal holds nothing", ctx: ctxFor("IAMUser", "arn:aws:iam::000000000000:user/ghost"), svc: trail, op: lookup, in: map[string]any{},
			wantCode: "AccessDeniedException", wantInMsg: "no identity-based policy allows"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := a.Authorize(tc.ctx, tc.svc, tc.op, tc.in)
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
		})
	}
	// Every decision for an IAM principal can be explained afterwards.
	ex := a.Decided.Explain("req-1")
	if len(ex) < 4 {
		t.Fatalf("%d explanations recorded", len(ex))
	}
	last := ex[len(ex)-2] // bob's explicit deny
	if last.Allowed || len(last.Matched) == 0 || last.Matched[len(last.Matched)-1].Sid != "NoTrail" {
		b, _ := json.Marshal(last)
		t.Fatalf("explanation %s", b)
	}

	// Report mode lets the call through.
	r := New(ids, Report, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := r.Authorize(ctxFor("IAMUser", alice), iamSvc, createUser, map[string]any{"UserName": "x"}); err != nil {
		t.Fatalf("report mode refused: %v", err)
	}
	if off := New(nil, Off, nil); off.Authorize(ctxFor("IAMUser", alice), iamSvc, createUser, nil) != nil {
		t.Fatal("off mode refused")
	}
}

func TestDeniedShapes(t *testing.T) {
	req := policy.Request{Principal: policy.Principal{Type: policy.TypeIAMUser, ARN: alice}, Action: "ec2:RunInstances", Resource: "*"}
	d := policy.Decision{Reason: policy.NoIdentityAllow}
	ec2, _ := svcModel("ec2", "ec2", nil)
	e := denied(ec2, "r", d.Message(req), req, d)
	if e.Code != "UnauthorizedOperation" || e.Status != 403 || !strings.Contains(e.Message, "Encoded authorization failure message: ") {
		t.Fatalf("ec2: %+v", e)
	}
	enc := e.Message[strings.LastIndex(e.Message, " ")+1:]
	doc, err := DecodeMessage(enc)
	if err != nil || !strings.Contains(doc, `"action":"ec2:RunInstances"`) || !strings.Contains(doc, `"allowed":false`) {
		t.Fatalf("decoded %q, %v", doc, err)
	}
	if _, err := DecodeMessage("not-a-message"); err != ErrBadMessage {
		t.Fatalf("bad message: %v", err)
	}
	modelled, _ := svcModel("dynamodb", "json", map[string]*model.Shape{"AccessDeniedException": {Name: "AccessDeniedException", Exception: true, Error: &model.ErrorInfo{HTTPStatusCode: 400}}})
	if e := denied(modelled, "r", "m", req, d); e.Code != "AccessDeniedException" || e.Status != 400 {
		t.Fatalf("modelled: %+v", e)
	}
	for proto, want := range map[string]string{"query": "AccessDenied", "rest-xml": "AccessDenied", "json": "AccessDeniedException", "rest-json": "AccessDeniedException"} {
		s, _ := svcModel("x", proto, nil)
		if e := denied(s, "r", "m", req, d); e.Code != want {
			t.Errorf("%s: %s, want %s", proto, e.Code, want)
		}
	}
}

func TestDecisionsRingIsBounded(t *testing.T) {
	s := NewDecisions(3)
	for i := 0; i < 10; i++ {
		s.Add(fmt.Sprintf("r%d", i), time.Time{}, policy.Request{Action: "a"}, policy.Decision{})
	}
	if len(s.Explain("r0")) != 0 || len(s.Explain("r6")) != 0 || len(s.Explain("r7")) != 1 || len(s.Explain("r9")) != 1 {
		t.Fatal("the ring did not keep exactly the last three decisions")
	}
	// Several decisions of one request come back in order.
	s.Add("multi", time.Unix(1, 0), policy.Request{Action: "first"}, policy.Decision{})
	s.Add("multi", time.Unix(2, 0), policy.Request{Action: "second"}, policy.Decision{})
	if ex := s.Explain("multi"); len(ex) != 2 || ex[0].Action != "first" || ex[1].Action != "second" {
		t.Fatalf("explanations out of order: %+v", ex)
	}
}

func TestParseMode(t *testing.T) {
	for in, want := range map[string]Mode{"": Enforce, "enforce": Enforce, "report": Report, "off": Off} {
		if m, err := ParseMode(in); err != nil || m != want {
			t.Errorf("%q: %v %v", in, m, err)
		}
	}
	if _, err := ParseMode("sometimes"); err == nil {
		t.Error("accepted a bad mode")
	}
}

// TestParsedPoliciesFollowIdentityVersion: parsed policies are reused while
// IAM reports the same Version, and a policy change (a new Version) takes
// effect on the next call.
func TestParsedPoliciesFollowIdentityVersion(t *testing.T) {
	allow := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"cloudtrail:LookupEvents","Resource":"*"}]}`
	deny := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"cloudtrail:LookupEvents","Resource":"*"}]}`
	ids := fakeIDs{alice: {Type: "User", ARN: alice, Version: 1, Policies: []Document{{ID: "p", Kind: "inline", Text: allow}}}}
	a := New(ids, Enforce, slog.New(slog.NewTextHandler(io.Discard, nil)))
	trail := &model.Service{ID: "cloudtrail", Metadata: model.Metadata{Protocol: "json"}, Shapes: map[string]*model.Shape{}}
	op := &model.Operation{Name: "LookupEvents"}
	if err := a.Authorize(ctxFor("IAMUser", alice), trail, op, map[string]any{}); err != nil {
		t.Fatalf("version 1: %v", err)
	}
	ids[alice] = Identity{Type: "User", ARN: alice, Version: 2, Policies: []Document{{ID: "p", Kind: "inline", Text: deny}}}
	if err := a.Authorize(ctxFor("IAMUser", alice), trail, op, map[string]any{}); err == nil {
		t.Fatal("version 2's deny was not applied")
	}
}
