package iam

import (
	"net/url"
	"strings"
	"testing"

	"hakoniwa/internal/awserr"

	iamapi "hakoniwa/internal/api/iam"
)

func code(err error) string {
	if err == nil {
		return ""
	}
	return awserr.As(err).Code
}

func TestCheckPath(t *testing.T) {
	for _, tc := range []struct {
		in   *string
		want string
		code string
	}{
		{nil, "/", ""},
		{ptr("/"), "/", ""},
		{ptr("/division/abc/"), "/division/abc/", ""},
		{ptr("division/"), "", "ValidationError"},
		{ptr("/division"), "", "ValidationError"},
		{ptr("//x y/"), "", "ValidationError"},
		{ptr("/" + strings.Repeat("a", 511) + "/"), "", "ValidationError"},
	} {
		got, err := checkPath(tc.in, "path")
		if code(err) != tc.code || got != tc.want {
			t.Errorf("checkPath(%v) = %q, %v; want %q, %s", deref(tc.in), got, err, tc.want, tc.code)
		}
	}
}

func TestCheckName(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"alice", true},
		{"a+b=c,d.e@f-g_h", true},
		{"", false},
		{"has space", false},
		{"slash/", false},
		{strings.Repeat("x", 64), true},
		{strings.Repeat("x", 65), false},
	} {
		if err := checkName(tc.name, "userName", 64); (err == nil) != tc.ok {
			t.Errorf("checkName(%q) = %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}

func TestPaginate(t *testing.T) {
	items := []string{"a", "b", "c", "d", "e"}
	id := func(s string) string { return s }
	var got []string
	var marker *string
	pages := 0
	for {
		page, p, err := paginate(items, id, marker, ptr(int64(2)))
		if err != nil {
			t.Fatal(err)
		}
		pages++
		got = append(got, page...)
		if !*p.truncated {
			if p.marker != nil {
				t.Fatal("marker on the last page")
			}
			break
		}
		marker = p.marker
	}
	if pages != 3 || strings.Join(got, "") != "abcde" {
		t.Fatalf("pages=%d got=%v", pages, got)
	}
	// A marker stays valid when the item it points at is deleted.
	_, p, _ := paginate(items, id, nil, ptr(int64(2)))
	rest, _, _ := paginate([]string{"a", "b", "d", "e"}, id, p.marker, ptr(int64(10)))
	if strings.Join(rest, "") != "de" {
		t.Fatalf("after deletion got %v", rest)
	}
	for _, bad := range []struct {
		marker *string
		max    *int64
	}{
		{ptr("!!!"), nil},
		{nil, ptr(int64(0))},
		{nil, ptr(int64(1001))},
	} {
		if _, _, err := paginate(items, id, bad.marker, bad.max); code(err) != "ValidationError" {
			t.Errorf("paginate(%v, %v) err = %v", deref(bad.marker), bad.max, err)
		}
	}
}

func TestMergeTags(t *testing.T) {
	have := []tag{{"Team", "a"}, {"env", "dev"}}
	got, err := mergeTags(have, []iamapi.Tag{{Key: ptr("team"), Value: ptr("b")}, {Key: ptr("new"), Value: ptr("")}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].Key != "env" || got[1] != (tag{"team", "b"}) {
		t.Fatalf("merge = %v", got)
	}
	if _, err := mergeTags(nil, []iamapi.Tag{{Key: ptr("a")}, {Key: ptr("A")}}); code(err) != "InvalidInput" {
		t.Fatalf("duplicate keys: %v", err)
	}
	many := make([]iamapi.Tag, 51)
	for i := range many {
		many[i] = iamapi.Tag{Key: ptr(sortableIndex(i)), Value: ptr("")}
	}
	if _, err := mergeTags(nil, many); code(err) != "LimitExceeded" {
		t.Fatalf("51 tags: %v", err)
	}
	if left := removeTags(got, []string{"TEAM", "absent"}); len(left) != 2 {
		t.Fatalf("removeTags = %v", left)
	}
}

func TestValidateDocument(t *testing.T) {
	allow := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`
	trust := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}}`
	for _, tc := range []struct {
		doc  string
		kind docKind
		msg  string // "" = valid
	}{
		{allow, identityDoc, ""},
		{trust, trustDoc, ""},
		{`not json`, identityDoc, "Syntax errors in policy."},
		{`not json`, trustDoc, "This policy contains invalid Json"},
		{`{"Version":"2012-10-17"}`, identityDoc, "Syntax errors in policy."},
		{`{"Version":"2012-10-17","Statement":[]}`, identityDoc, "Syntax errors in policy."},
		// Unconfirmed which reason AWS gives for an unknown Version.
		{`{"Version":"2020-01-01","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, identityDoc, "Syntax errors in policy."},
		{`{"Statement":[{"Effect":"Maybe","Action":"*","Resource":"*"}]}`, identityDoc, "Syntax errors in policy."},
		{`{"Statement":[{"Effect":"Allow","Resource":"*"}]}`, identityDoc, "Policy statement must contain actions."},
		{`{"Statement":[{"Effect":"Allow","Action":"*"}]}`, identityDoc, "Policy statement must contain resources."},
		{trust, identityDoc, "Policy document should not specify a principal."},
		// AWS checks Resource before Principal in trust policies: a role
		// policy pasted as a trust policy gets "Has prohibited field
		// Resource" (kubernetes-sigs/external-dns issue #3085).
		{allow, trustDoc, "Has prohibited field Resource"},
		{`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`, trustDoc, "Has prohibited field Resource"},
		{allow + `{}`, identityDoc, "Syntax errors in policy."},
	} {
		err := validateDocument(tc.doc, tc.kind)
		if tc.msg == "" {
			if err != nil {
				t.Errorf("validateDocument(%s) = %v", tc.doc, err)
			}
			continue
		}
		if e := awserr.As(err); err == nil || e.Code != "MalformedPolicyDocument" || e.Message != tc.msg {
			t.Errorf("validateDocument(%s) = %v, want MalformedPolicyDocument %q", tc.doc, err, tc.msg)
		}
	}
}

func TestPolicySizeAndEncoding(t *testing.T) {
	if n := policySize("{ \"a\" :\n\t1 }"); n != 7 {
		t.Fatalf("policySize = %d", n)
	}
	doc := `{"Statement": [{"Action": "s3:Get*", "Resource": "arn:aws:s3:::a+b/*"}]}`
	enc := encodeDocument(doc)
	if strings.ContainsAny(enc, " +\"{") {
		t.Fatalf("not encoded: %s", enc)
	}
	// Go's QueryUnescape treats "+" as a space: the encoding must not
	// produce one, so clients of either decoder get the document back.
	for _, dec := range []func(string) (string, error){url.QueryUnescape, url.PathUnescape} {
		if got, err := dec(enc); err != nil || got != doc {
			t.Fatalf("decoded %q, %v", got, err)
		}
	}
}

func TestSplitPolicyARN(t *testing.T) {
	for _, tc := range []struct {
		arn               string
		owner, path, name string
		ok                bool
	}{
		{"arn:aws:iam::aws:policy/AdministratorAccess", "aws", "/", "AdministratorAccess", true},
		{"arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole", "aws", "/service-role/", "AWSLambdaBasicExecutionRole", true},
		{"arn:aws:iam::000000000000:policy/a/b/p", "000000000000", "/a/b/", "p", true},
		{"arn:aws:iam::000000000000:role/r", "", "", "", false},
		{"arn:aws:iam::000000000000:policy/", "", "", "", false},
		{"nonsense", "", "", "", false},
	} {
		owner, path, name, ok := splitPolicyARN(tc.arn)
		if owner != tc.owner || path != tc.path || name != tc.name || ok != tc.ok {
			t.Errorf("splitPolicyARN(%s) = %s %s %s %v", tc.arn, owner, path, name, ok)
		}
	}
}

func TestServiceRoleName(t *testing.T) {
	for svc, want := range map[string]string{
		"elasticloadbalancing.amazonaws.com": "AWSServiceRoleForElasticLoadBalancing",
		"ecs.amazonaws.com":                  "AWSServiceRoleForECS",
		"foo-bar.amazonaws.com":              "AWSServiceRoleForFooBar",
	} {
		if got := serviceRoleName(svc); got != want {
			t.Errorf("serviceRoleName(%s) = %s, want %s", svc, got, want)
		}
	}
}

func TestAWSManagedPoliciesLoad(t *testing.T) {
	p := loadAWSPolicies()
	want := []string{"AdministratorAccess", "PowerUserAccess", "IAMFullAccess", "ReadOnlyAccess", "AmazonS3FullAccess",
		"AmazonS3ReadOnlyAccess", "AmazonEC2FullAccess", "AmazonEC2ReadOnlyAccess", "AmazonVPCFullAccess", "AmazonVPCReadOnlyAccess",
		"AmazonRDSFullAccess", "AmazonRDSReadOnlyAccess", "AmazonRoute53FullAccess", "AmazonRoute53ReadOnlyAccess",
		"CloudWatchFullAccess", "CloudWatchReadOnlyAccess", "AWSLambda_FullAccess", "AWSLambda_ReadOnlyAccess",
		"AWSLambdaBasicExecutionRole", "AWSLambdaVPCAccessExecutionRole", "AmazonSSMManagedInstanceCore"}
	if len(p.sorted) != len(want) {
		t.Fatalf("loaded %d policies, want %d", len(p.sorted), len(want))
	}
	byName := map[string]*awsPolicy{}
	for _, x := range p.sorted {
		byName[x.Name] = x
		if !strings.HasPrefix(x.ID, "ANPA") || len(x.ID) != 21 {
			t.Errorf("%s: id %q", x.Name, x.ID)
		}
		if x.ARN != "arn:aws:iam::aws:policy"+x.Path+x.Name || x.Created.IsZero() || x.DefaultVersionID == "" {
			t.Errorf("%s: metadata %+v", x.Name, x)
		}
		if err := validateDocument(string(x.Document), identityDoc); err != nil {
			t.Errorf("%s: document: %v", x.Name, err)
		}
	}
	for _, n := range want {
		if byName[n] == nil {
			t.Errorf("missing %s", n)
		}
	}
	if got := byName["AdministratorAccess"].ID; got != "ANPAIWMBCKSKIEE64ZLYK" {
		t.Errorf("AdministratorAccess id = %s", got)
	}
}

func TestCheckPassword(t *testing.T) {
	strict := &passwordPolicy{MinLength: 10, RequireUppercase: true, RequireNumbers: true, RequireSymbols: true}
	for _, tc := range []struct {
		pw  string
		pol *passwordPolicy
		ok  bool
	}{
		{"Abcdefg1", nil, true},
		{"abcdefgh", nil, false}, // one class
		{"Ab1!", nil, false},     // too short
		{"Abcdefghi1!", strict, true},
		{"abcdefghi1!", strict, false},
		{"Abcdefghij!", strict, false},
		{"Abcdefghij1", strict, false},
		{"Ab1!", strict, false},
	} {
		err := checkPassword(tc.pw, tc.pol)
		if (err == nil) != tc.ok || (err != nil && code(err) != "PasswordPolicyViolation") {
			t.Errorf("checkPassword(%q) = %v, want ok=%v", tc.pw, err, tc.ok)
		}
	}
}
