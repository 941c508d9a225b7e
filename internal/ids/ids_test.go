package ids

import (
	"regexp"
	"testing"
)

func TestAccessKeyIDEncodesAccount(t *testing.T) {
	s := Seeded(1)
	for _, acct := range []string{"000000000000", "123456789012", "999999999999", "000000000001"} {
		for i := 0; i < 50; i++ {
			id := s.AccessKeyID("AKIA", acct)
			if !regexp.MustCompile(`^AKIA[A-Z2-7]{16}$`).MatchString(id) {
				t.Fatalf("malformed key id %q", id)
			}
			got, ok := AccountFromAccessKeyID(id)
			if !ok || got != acct {
				t.Fatalf("AccountFromAccessKeyID(%s) = %q,%v want %s", id, got, ok, acct)
			}
		}
	}
}

func TestFormats(t *testing.T) {
	s := Seeded(2)
	checks := map[string]*regexp.Regexp{
		s.Resource("vpc"):  regexp.MustCompile(`^vpc-[0-9a-f]{17}$`),
		s.UUID():           regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`),
		s.Secret():         regexp.MustCompile(`^[A-Za-z0-9+/]{40}$`),
		s.UniqueID("AIDA"): regexp.MustCompile(`^AIDA[A-Z2-7]{17}$`),
		s.S3RequestID():    regexp.MustCompile(`^[0-9A-F]{16}$`),
	}
	for v, re := range checks {
		if !re.MatchString(v) {
			t.Errorf("%q does not match %s", v, re)
		}
	}
	if Seeded(7).UUID() != Seeded(7).UUID() {
		t.Error("seeded sources must repeat")
	}
}

func TestIsAccountID(t *testing.T) {
	for s, want := range map[string]bool{
		"000000000000": true, "111122223333": true,
		"": false, "00000000000": false, "0000000000000": false, "00000000000a": false, "-00000000000": false, "００００００００００００": false,
	} {
		if got := IsAccountID(s); got != want {
			t.Errorf("IsAccountID(%q) = %v, want %v", s, got, want)
		}
	}
}
