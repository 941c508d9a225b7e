package iam

import (
	"testing"

	iamapi "hakoniwa/internal/api/iam"
)

func TestEntityPath(t *testing.T) {
	s, ctx := newTestService(t)
	must(s.CreateUser(ctx, &iamapi.CreateUserInput{UserName: ptr("bob"), Path: ptr("/division/")}))
	must(s.CreateRole(ctx, &iamapi.CreateRoleInput{RoleName: ptr("ops"), Path: ptr("/team/"), AssumeRolePolicyDocument: ptr(trustEC2)}))
	cases := []struct{ kind, name, want string }{
		{"user", "bob", "/division/"},
		{"user", "BOB", "/division/"}, // names are case-insensitive
		{"role", "ops", "/team/"},
		{"user", "nobody", ""},
		{"group", "nobody", ""},
		{"unknown-kind", "bob", ""},
	}
	for _, c := range cases {
		if got := s.EntityPath(ctx, "000000000000", c.kind, c.name); got != c.want {
			t.Errorf("EntityPath(%s, %s) = %q, want %q", c.kind, c.name, got, c.want)
		}
	}
	// A rename to another path is seen at once, not from the cache.
	must(s.UpdateUser(ctx, &iamapi.UpdateUserInput{UserName: ptr("bob"), NewPath: ptr("/moved/")}))
	if got := s.EntityPath(ctx, "000000000000", "user", "bob"); got != "/moved/" {
		t.Fatalf("after UpdateUser: %q", got)
	}
}
