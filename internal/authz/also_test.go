package authz

import (
	"io"
	"log/slog"
	"strings"
	"testing"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/iam/actions"
	"hakoniwa/internal/model"
)

func TestAuthorizeAlso(t *testing.T) {
	const role = "arn:aws:iam::000000000000:role/web"
	pass := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:PassRole","Resource":"` + role + `",
		"Condition":{"StringEquals":{"iam:PassedToService":"ec2.amazonaws.com"}}}]}`
	ids := fakeIDs{alice: {Type: "User", ARN: alice, Policies: []Document{{ID: "p1", Name: "pass", Kind: "inline", Text: pass}}}}
	a := New(ids, Enforce, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ec2 := &model.Service{ID: "ec2", Metadata: model.Metadata{Protocol: "ec2"}, Shapes: map[string]*model.Shape{}}
	check := func(res, service string) []actions.Check {
		return []actions.Check{{Action: "iam:PassRole", ResourceType: "role", Resources: []string{res},
			Context: map[string][]string{"iam:PassedToService": {service}}}}
	}
	for _, tt := range []struct {
		name      string
		principal string
		checks    []actions.Check
		code      string
	}{
		{"allowed role to EC2", "User", check(role, "ec2.amazonaws.com"), ""},
		{"another role", "User", check("arn:aws:iam::000000000000:role/admin", "ec2.amazonaws.com"), "UnauthorizedOperation"},
		{"to another service", "User", check(role, "lambda.amazonaws.com"), "UnauthorizedOperation"},
		{"root passes any role of its account", "Root", check("arn:aws:iam::000000000000:role/admin", "ec2.amazonaws.com"), ""},
		{"nothing to check", "User", nil, ""},
	} {
		arn := alice
		if tt.principal == "Root" {
			arn = "arn:aws:iam::000000000000:root"
		}
		err := a.AuthorizeAlso(ctxFor(tt.principal, arn), ec2, tt.checks)
		got := ""
		if e := awserr.As(err); err != nil && e != nil {
			got = e.Code
		}
		if got != tt.code {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.code)
		}
		if err != nil && !strings.Contains(err.Error(), "Encoded authorization failure message") {
			t.Errorf("%s: EC2's refusal carries an encoded message: %v", tt.name, err)
		}
	}
	if err := New(ids, Off, nil).AuthorizeAlso(ctxFor("User", alice), ec2, check("arn:aws:iam::000000000000:role/admin", "ec2.amazonaws.com")); err != nil {
		t.Errorf("mode off: %v", err)
	}
}
