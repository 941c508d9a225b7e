package ec2

import (
	"context"
	"slices"
	"strings"
	"testing"

	ec2api "hakoniwa/internal/api/ec2"
)

func TestGroupTextRules(t *testing.T) {
	tests := []struct {
		name, group, desc string
		wantCode, wantMsg string
	}{
		{"ok", "web-tier", "Web tier: 80/443 from anywhere (public)", "", ""},
		{"every allowed char", "a ._-:/()#,@[]+=&;{}!$*Z9", "x", "", ""},
		{"empty name", "", "x", "MissingParameter", "The request must contain the parameter groupName"},
		{"sg- prefix", "sg-web", "x", "InvalidParameterValue", "Value (sg-web) for parameter GroupName is invalid. Group names may not be in the format sg-*."},
		{"SG- prefix", "SG-web", "x", "InvalidParameterValue", "Value (SG-web) for parameter GroupName is invalid. Group names may not be in the format sg-*."},
		{"reserved", "Default", "x", "InvalidParameterValue", "Cannot use reserved security group name: default"},
		{"name too long", strings.Repeat("a", 256), "x", "InvalidParameterValue", ""},
		{"name 255", strings.Repeat("a", 255), "x", "", ""},
		{"name quote", "it's", "x", "InvalidParameterValue", ""},
		{"name non-ascii", "ウェブ", "x", "InvalidParameterValue", "Value (ウェブ) for parameter GroupName is invalid. Character sets beyond ASCII are not supported."},
		{"no description", "web", "", "MissingParameter", "The request must contain the parameter groupDescription"},
		{"description quote", "web", "AWS' own", "InvalidParameterValue",
			"Invalid security group description. Valid descriptions are strings less than 256 characters from the following set:  a-zA-Z0-9. _-:/()#,@[]+=&;{}!$*"},
		{"description arrow", "web", "a → b", "InvalidParameterValue", "Value (a → b) for parameter GroupDescription is invalid. Character sets beyond ASCII are not supported."},
		{"description too long", "web", strings.Repeat("d", 256), "InvalidParameterValue", ""},
	}
	for _, tc := range tests {
		err := checkGroupName(tc.group)
		if err == nil {
			err = checkGroupDescription(&tc.desc)
		}
		if code(err) != tc.wantCode || (tc.wantMsg != "" && message(err) != tc.wantMsg) {
			t.Errorf("%s: got %s %q, want %s %q", tc.name, code(err), message(err), tc.wantCode, tc.wantMsg)
		}
	}
}

func TestRuleProtocolsAndPorts(t *testing.T) {
	n := func(v int64) *int64 { return &v }
	tests := []struct {
		name     string
		proto    *string
		from, to *int64
		want     string // proto from to, or the error code
	}{
		{"tcp", ptr("tcp"), n(22), n(22), "tcp 22 22"},
		{"TCP upper", ptr("TCP"), n(80), n(443), "tcp 80 443"},
		{"6 is tcp", ptr("6"), n(1), n(65535), "tcp 1 65535"},
		{"17 is udp", ptr("17"), n(53), n(53), "udp 53 53"},
		{"all", ptr("-1"), nil, nil, "-1 -1 -1"},
		{"all ignores ports", ptr("-1"), n(1), n(2), "-1 -1 -1"},
		{"esp by number", ptr("50"), n(1), n(2), "50 -1 -1"},
		{"icmp echo", ptr("icmp"), n(8), n(-1), "icmp 8 -1"},
		{"icmp all", ptr("1"), n(-1), n(-1), "icmp -1 -1"},
		{"icmpv6 no ports", ptr("icmpv6"), nil, nil, "icmpv6 -1 -1"},
		{"no protocol", nil, n(1), n(1), "InvalidParameterValue"},
		{"all by name", ptr("all"), nil, nil, "InvalidParameterValue"},
		{"256", ptr("256"), nil, nil, "InvalidParameterValue"},
		{"tcp without ports", ptr("tcp"), n(22), nil, "InvalidParameterValue"},
		{"tcp port -1", ptr("tcp"), n(-1), n(22), "InvalidPermission.Malformed"},
		{"tcp port 65536", ptr("tcp"), n(1), n(65536), "InvalidPermission.Malformed"},
		{"tcp reversed", ptr("tcp"), n(443), n(80), "InvalidPermission.Malformed"},
		{"icmp without code", ptr("icmp"), n(8), nil, "InvalidParameterValue"},
		{"icmp type 256", ptr("icmp"), n(256), n(0), "InvalidPermission.Malformed"},
		{"icmp any type, one code", ptr("icmp"), n(-1), n(0), "InvalidPermission.Malformed"},
	}
	for _, tc := range tests {
		got := ""
		proto, err := sgProtocol(tc.proto)
		var from, to int64
		if err == nil {
			from, to, err = sgPorts(proto, tc.from, tc.to)
		}
		if err != nil {
			got = code(err)
		} else {
			got = proto + " " + itoa(from) + " " + itoa(to)
		}
		if got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
	_, err := sgProtocol(ptr("all"))
	if message(err) != "Invalid value 'all' for IP protocol. Unknown protocol." {
		t.Errorf("unknown protocol message: %q", message(err))
	}
	_, _, err = sgPorts("tcp", n(22), nil)
	if message(err) != "Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange." {
		t.Errorf("port range message: %q", message(err))
	}
}

func TestRuleSpecs(t *testing.T) {
	tcp := func(from, to int64) ec2api.IpPermission {
		return ec2api.IpPermission{IpProtocol: ptr("tcp"), FromPort: &from, ToPort: &to}
	}
	withCidr := func(p ec2api.IpPermission, cidrs ...string) ec2api.IpPermission {
		for _, c := range cidrs {
			p.IpRanges = append(p.IpRanges, ec2api.IpRange{CidrIp: ptr(c)})
		}
		return p
	}
	tests := []struct {
		name  string
		perms []ec2api.IpPermission
		want  string // "n rules" or an error code
		msg   string
	}{
		{"one peer", []ec2api.IpPermission{withCidr(tcp(22, 22), "10.0.0.0/8")}, "1", ""},
		{"peers expand", []ec2api.IpPermission{withCidr(tcp(80, 80), "0.0.0.0/0", "10.0.0.0/8")}, "2", ""},
		{"host bits cleared", []ec2api.IpPermission{withCidr(tcp(80, 80), "10.1.2.3/8")}, "1", ""},
		{"bad cidr", []ec2api.IpPermission{withCidr(tcp(80, 80), "10.0.0.0/33")}, "InvalidParameterValue", "CIDR block 10.0.0.0/33 is malformed"},
		{"bare address", []ec2api.IpPermission{withCidr(tcp(80, 80), "10.0.0.1")}, "InvalidParameterValue", "CIDR block 10.0.0.1 is malformed"},
		{"v6 in v4 field", []ec2api.IpPermission{withCidr(tcp(80, 80), "::/0")}, "InvalidParameterValue", "CIDR block ::/0 is malformed"},
		{"no peer", []ec2api.IpPermission{tcp(80, 80)}, "InvalidParameterValue", ""},
		{"bad description", []ec2api.IpPermission{func() ec2api.IpPermission {
			p := tcp(80, 80)
			p.IpRanges = []ec2api.IpRange{{CidrIp: ptr("0.0.0.0/0"), Description: ptr("it's")}}
			return p
		}()}, "InvalidParameterValue", "Invalid rule description. Valid descriptions are strings less than 256 characters from the following set:  a-zA-Z0-9. _-:/()#,@[]+=&;{}!$*"},
		{"bad prefix list", []ec2api.IpPermission{func() ec2api.IpPermission {
			p := tcp(443, 443)
			p.PrefixListIds = []ec2api.PrefixListId{{PrefixListId: ptr("pl-nope")}}
			return p
		}()}, "InvalidPrefixListId.Malformed", ""},
	}
	for _, tc := range tests {
		specs, err := specsOf(tc.perms, false)
		got := itoa(int64(len(specs)))
		if err != nil {
			got = code(err)
		}
		if got != tc.want || (tc.msg != "" && message(err) != tc.msg) {
			t.Errorf("%s: got %s %q, want %s %q", tc.name, got, message(err), tc.want, tc.msg)
		}
	}
}

// sgFixture is a VPC with a web-tier group open on 80/443 and a db group
// open on 3306 to the web tier only (SCENARIOS section 2).
type sgFixture struct {
	s         *Service
	ctx       context.Context
	vpc       string
	web, db   string
	defaultSG string
}

func newSGFixture(t *testing.T, q Quotas) *sgFixture {
	t.Helper()
	s, ctx := newTestService(t, q)
	f := &sgFixture{s: s, ctx: ctx, vpc: mustVPC(t, s, ctx, "10.0.0.0/16")}
	f.web = f.group(t, "web", "web tier")
	f.db = f.group(t, "db", "database tier")
	_, err := s.AuthorizeSecurityGroupIngress(ctx, &ec2api.AuthorizeSecurityGroupIngressInput{GroupId: &f.web, IpPermissions: []ec2api.IpPermission{
		{IpProtocol: ptr("tcp"), FromPort: ptr(int64(80)), ToPort: ptr(int64(80)), IpRanges: []ec2api.IpRange{{CidrIp: ptr("0.0.0.0/0")}}},
		{IpProtocol: ptr("tcp"), FromPort: ptr(int64(443)), ToPort: ptr(int64(443)), IpRanges: []ec2api.IpRange{{CidrIp: ptr("0.0.0.0/0")}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.AuthorizeSecurityGroupIngress(ctx, &ec2api.AuthorizeSecurityGroupIngressInput{GroupId: &f.db, IpPermissions: []ec2api.IpPermission{
		{IpProtocol: ptr("tcp"), FromPort: ptr(int64(3306)), ToPort: ptr(int64(3306)), UserIdGroupPairs: []ec2api.UserIdGroupPair{{GroupId: &f.web, Description: ptr("from web")}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.DescribeSecurityGroups(ctx, &ec2api.DescribeSecurityGroupsInput{Filters: filters("vpc-id", f.vpc, "group-name", "default")})
	if err != nil || len(out.SecurityGroups) != 1 {
		t.Fatalf("default group: %+v %v", out, err)
	}
	f.defaultSG = *out.SecurityGroups[0].GroupId
	return f
}

func (f *sgFixture) group(t *testing.T, name, desc string) string {
	t.Helper()
	out, err := f.s.CreateSecurityGroup(f.ctx, &ec2api.CreateSecurityGroupInput{GroupName: &name, Description: &desc, VpcId: &f.vpc})
	if err != nil {
		t.Fatalf("CreateSecurityGroup %s: %v", name, err)
	}
	return *out.GroupId
}

func (f *sgFixture) describe(t *testing.T, kv ...string) string {
	t.Helper()
	out, err := f.s.DescribeSecurityGroups(f.ctx, &ec2api.DescribeSecurityGroupsInput{Filters: filters(kv...)})
	if err != nil {
		t.Fatalf("DescribeSecurityGroups %v: %v", kv, err)
	}
	var names []string
	for _, g := range out.SecurityGroups {
		names = append(names, *g.GroupName)
	}
	return strings.Join(names, " ")
}

func TestSecurityGroupDescribe(t *testing.T) {
	f := newSGFixture(t, DefaultQuotas())
	tests := []struct {
		filters []string
		want    string
	}{
		{[]string{"vpc-id", f.vpc, "group-name", "web"}, "web"},
		{[]string{"vpc-id", f.vpc, "ip-permission.from-port", "3306"}, "db"},
		{[]string{"vpc-id", f.vpc, "ip-permission.group-id", f.web}, "db"},
		{[]string{"vpc-id", f.vpc, "ip-permission.group-name", "web"}, "db"},
		{[]string{"vpc-id", f.vpc, "ip-permission.cidr", "0.0.0.0/0"}, "web"},
		{[]string{"vpc-id", f.vpc, "ip-permission.protocol", "-1"}, "default"}, // the default group's self rule
	}
	for i, tc := range tests {
		if got := f.describe(t, tc.filters...); got != tc.want {
			t.Errorf("%d %v: got %q, want %q", i, tc.filters, got, tc.want)
		}
	}
	// Every group has the all-outbound rule; two are "tiers".
	if n := len(strings.Fields(f.describe(t, "vpc-id", f.vpc, "egress.ip-permission.cidr", "0.0.0.0/0"))); n != 3 {
		t.Errorf("egress filter: %d groups", n)
	}
	if n := len(strings.Fields(f.describe(t, "vpc-id", f.vpc, "description", "*tier"))); n != 2 {
		t.Errorf("description filter: %d groups", n)
	}

	out, err := f.s.DescribeSecurityGroups(f.ctx, &ec2api.DescribeSecurityGroupsInput{GroupIds: []string{f.db}})
	if err != nil || len(out.SecurityGroups) != 1 {
		t.Fatalf("by id: %+v %v", out, err)
	}
	db := out.SecurityGroups[0]
	if len(db.IpPermissions) != 1 || len(db.IpPermissions[0].UserIdGroupPairs) != 1 || *db.IpPermissions[0].UserIdGroupPairs[0].GroupId != f.web ||
		*db.IpPermissions[0].UserIdGroupPairs[0].Description != "from web" || *db.IpPermissions[0].FromPort != 3306 {
		t.Errorf("db ingress: %+v", db.IpPermissions)
	}
	if len(db.IpPermissionsEgress) != 1 || *db.IpPermissionsEgress[0].IpProtocol != "-1" || db.IpPermissionsEgress[0].FromPort != nil ||
		*db.IpPermissionsEgress[0].IpRanges[0].CidrIp != "0.0.0.0/0" {
		t.Errorf("db egress: %+v", db.IpPermissionsEgress)
	}
	_, err = f.s.DescribeSecurityGroups(f.ctx, &ec2api.DescribeSecurityGroupsInput{GroupIds: []string{"sg-0123456789abcdef0"}})
	if code(err) != "InvalidGroup.NotFound" || message(err) != "The security group 'sg-0123456789abcdef0' does not exist" {
		t.Errorf("unknown id: %v", err)
	}
	_, err = f.s.DescribeSecurityGroups(f.ctx, &ec2api.DescribeSecurityGroupsInput{GroupIds: []string{"sg-nope"}})
	if code(err) != "InvalidGroupId.Malformed" {
		t.Errorf("malformed id: %v", err)
	}
	// Names resolve in the default VPC only.
	_, err = f.s.DescribeSecurityGroups(f.ctx, &ec2api.DescribeSecurityGroupsInput{GroupNames: []string{"web"}})
	if code(err) != "InvalidGroup.NotFound" || !strings.HasPrefix(message(err), "The security group 'web' does not exist in default VPC 'vpc-") {
		t.Errorf("name outside default VPC: %v", err)
	}
	out, err = f.s.DescribeSecurityGroups(f.ctx, &ec2api.DescribeSecurityGroupsInput{GroupNames: []string{"default"}})
	if err != nil || len(out.SecurityGroups) != 1 || *out.SecurityGroups[0].VpcId == f.vpc {
		t.Errorf("default VPC's default group by name: %+v %v", out, err)
	}
	// Pages of five over the account's seven groups (the default VPC's
	// too): two pages, every group once.
	for _, name := range []string{"a", "b", "c"} {
		f.group(t, name, "filler")
	}
	pages := 0
	var seen []string
	var token *string
	for {
		out, err := f.s.DescribeSecurityGroups(f.ctx, &ec2api.DescribeSecurityGroupsInput{MaxResults: ptr(int64(5)), NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, g := range out.SecurityGroups {
			seen = append(seen, *g.GroupId)
		}
		if token = out.NextToken; token == nil {
			break
		}
	}
	if slices.Sort(seen); len(slices.Compact(seen)) != 7 || pages != 2 {
		t.Errorf("paged: %d pages %v", pages, seen)
	}
}

func TestSecurityGroupRefusals(t *testing.T) {
	q := DefaultQuotas()
	q.RulesPerSecurityGroup, q.SecurityGroupsPerRegion = 4, 7
	f := newSGFixture(t, q)
	s, ctx := f.s, f.ctx
	ingress := func(group string, proto string, from, to int64, cidr string) error {
		_, err := s.AuthorizeSecurityGroupIngress(ctx, &ec2api.AuthorizeSecurityGroupIngressInput{GroupId: &group, IpPermissions: []ec2api.IpPermission{
			{IpProtocol: &proto, FromPort: &from, ToPort: &to, IpRanges: []ec2api.IpRange{{CidrIp: &cidr}}}}})
		return err
	}
	other := mustVPC(t, s, ctx, "10.1.0.0/16")
	otherSG, err := s.CreateSecurityGroup(ctx, &ec2api.CreateSecurityGroupInput{GroupName: ptr("elsewhere"), Description: ptr("x"), VpcId: &other})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		err       error
		code, msg string
	}{
		{"duplicate rule", ingress(f.web, "tcp", 80, 80, "0.0.0.0/0"), "InvalidPermission.Duplicate",
			`the specified rule "peer: 0.0.0.0/0, TCP, from port: 80, to port: 80, ALLOW" already exists`},
		{"duplicate by number", ingress(f.web, "6", 443, 443, "0.0.0.0/0"), "InvalidPermission.Duplicate",
			`the specified rule "peer: 0.0.0.0/0, TCP, from port: 443, to port: 443, ALLOW" already exists`},
		{"duplicate name", func() error {
			_, err := s.CreateSecurityGroup(ctx, &ec2api.CreateSecurityGroupInput{GroupName: ptr("WEB"), Description: ptr("x"), VpcId: &f.vpc})
			return err
		}(), "InvalidGroup.Duplicate", "The security group 'WEB' already exists for VPC '" + f.vpc + "'"},
		{"same name in another VPC is fine", func() error {
			_, err := s.CreateSecurityGroup(ctx, &ec2api.CreateSecurityGroupInput{GroupName: ptr("web"), Description: ptr("x"), VpcId: &other})
			return err
		}(), "", ""},
		{"group quota", func() error {
			_, err := s.CreateSecurityGroup(ctx, &ec2api.CreateSecurityGroupInput{GroupName: ptr("one-too-many"), Description: ptr("x"), VpcId: &f.vpc})
			return err
		}(), "SecurityGroupLimitExceeded", "The maximum number of security groups has been reached."},
		{"rule quota", func() error {
			_ = ingress(f.web, "tcp", 22, 22, "10.0.0.0/8")
			_ = ingress(f.web, "tcp", 23, 23, "10.0.0.0/8")
			return ingress(f.web, "tcp", 24, 24, "10.0.0.0/8")
		}(), "RulesPerSecurityGroupLimitExceeded", "The maximum number of rules per security group has been reached."},
		{"same permission twice", func() error {
			_, err := s.AuthorizeSecurityGroupEgress(ctx, &ec2api.AuthorizeSecurityGroupEgressInput{GroupId: &f.db, IpPermissions: []ec2api.IpPermission{
				{IpProtocol: ptr("udp"), FromPort: ptr(int64(53)), ToPort: ptr(int64(53)), IpRanges: []ec2api.IpRange{{CidrIp: ptr("10.0.0.2/32")}, {CidrIp: ptr("10.0.0.2/32")}}}}})
			return err
		}(), "InvalidParameterValue", "The same permission must not appear multiple times"},
		{"group in another VPC", func() error {
			_, err := s.AuthorizeSecurityGroupIngress(ctx, &ec2api.AuthorizeSecurityGroupIngressInput{GroupId: &f.db, IpPermissions: []ec2api.IpPermission{
				{IpProtocol: ptr("-1"), UserIdGroupPairs: []ec2api.UserIdGroupPair{{GroupId: otherSG.GroupId}}}}})
			return err
		}(), "InvalidGroup.NotFound", "You have specified two resources that belong to different networks."},
		{"delete default", func() error {
			_, err := s.DeleteSecurityGroup(ctx, &ec2api.DeleteSecurityGroupInput{GroupId: &f.defaultSG})
			return err
		}(), "CannotDelete", `the specified group: "` + f.defaultSG + `" name: "default" cannot be deleted by a user`},
		{"delete referenced", func() error {
			_, err := s.DeleteSecurityGroup(ctx, &ec2api.DeleteSecurityGroupInput{GroupId: &f.web})
			return err
		}(), "DependencyViolation", "resource " + f.web + " has a dependent object"},
		{"revoke missing rule", func() error {
			_, err := s.RevokeSecurityGroupIngress(ctx, &ec2api.RevokeSecurityGroupIngressInput{GroupId: &f.web, IpPermissions: []ec2api.IpPermission{
				{IpProtocol: ptr("tcp"), FromPort: ptr(int64(8080)), ToPort: ptr(int64(8080)), IpRanges: []ec2api.IpRange{{CidrIp: ptr("0.0.0.0/0")}}}}})
			return err
		}(), "InvalidPermission.NotFound", "The specified rule does not exist in this security group."},
		{"revoke unknown rule id", func() error {
			_, err := s.RevokeSecurityGroupIngress(ctx, &ec2api.RevokeSecurityGroupIngressInput{GroupId: &f.web, SecurityGroupRuleIds: []string{"sgr-0123456789abcdef0"}})
			return err
		}(), "InvalidSecurityGroupRuleId.NotFound", "The security group rule ID 'sgr-0123456789abcdef0' does not exist"},
		{"delete vpc with groups", func() error {
			_, err := s.DeleteVpc(ctx, &ec2api.DeleteVpcInput{VpcId: &f.vpc})
			return err
		}(), "DependencyViolation", "The vpc '" + f.vpc + "' has dependencies and cannot be deleted."},
		{"no default vpc group name", func() error {
			_, err := s.CreateSecurityGroup(ctx, &ec2api.CreateSecurityGroupInput{GroupName: ptr("x"), Description: ptr("x"), VpcId: ptr("vpc-0123456789abcdef0")})
			return err
		}(), "InvalidVpcID.NotFound", ""},
	}
	for _, tc := range tests {
		if code(tc.err) != tc.code || (tc.msg != "" && message(tc.err) != tc.msg) {
			t.Errorf("%s: got %s %q, want %s %q", tc.name, code(tc.err), message(tc.err), tc.code, tc.msg)
		}
	}
}

func TestSecurityGroupTeardown(t *testing.T) {
	f := newSGFixture(t, DefaultQuotas())
	s, ctx := f.s, f.ctx
	// Revoke by property in the default VPC: an unknown rule comes back
	// instead of failing.
	defOut, err := s.DescribeSecurityGroups(ctx, &ec2api.DescribeSecurityGroupsInput{GroupNames: []string{"default"}})
	if err != nil {
		t.Fatal(err)
	}
	rv, err := s.RevokeSecurityGroupIngress(ctx, &ec2api.RevokeSecurityGroupIngressInput{GroupName: ptr("default"),
		IpProtocol: ptr("tcp"), FromPort: ptr(int64(22)), ToPort: ptr(int64(22)), CidrIp: ptr("0.0.0.0/0")})
	if err != nil || len(rv.UnknownIpPermissions) != 1 || len(rv.RevokedSecurityGroupRules) != 0 {
		t.Fatalf("lenient revoke in default VPC: %+v %v (%s)", rv, err, *defOut.SecurityGroups[0].GroupId)
	}

	// The db rule, found by its description, then revoked by id.
	rules, err := s.DescribeSecurityGroupRules(ctx, &ec2api.DescribeSecurityGroupRulesInput{Filters: filters("group-id", f.db)})
	if err != nil || len(rules.SecurityGroupRules) != 2 {
		t.Fatalf("db rules: %+v %v", rules, err)
	}
	var dbRule string
	for _, r := range rules.SecurityGroupRules {
		if !*r.IsEgress {
			dbRule = *r.SecurityGroupRuleId
			if r.ReferencedGroupInfo == nil || *r.ReferencedGroupInfo.GroupId != f.web || *r.FromPort != 3306 {
				t.Errorf("db rule: %+v", r)
			}
		}
	}
	if _, err := s.CreateTags(ctx, &ec2api.CreateTagsInput{Resources: []string{dbRule}, Tags: []ec2api.Tag{{Key: ptr("Name"), Value: ptr("mysql")}}}); err != nil {
		t.Fatal(err)
	}
	tagged, err := s.DescribeSecurityGroupRules(ctx, &ec2api.DescribeSecurityGroupRulesInput{Filters: filters("tag:Name", "mysql")})
	if err != nil || len(tagged.SecurityGroupRules) != 1 || *tagged.SecurityGroupRules[0].SecurityGroupRuleId != dbRule {
		t.Fatalf("tag filter: %+v %v", tagged, err)
	}
	if _, err := s.UpdateSecurityGroupRuleDescriptionsIngress(ctx, &ec2api.UpdateSecurityGroupRuleDescriptionsIngressInput{GroupId: &f.db,
		SecurityGroupRuleDescriptions: []ec2api.SecurityGroupRuleDescription{{SecurityGroupRuleId: &dbRule, Description: ptr("mysql from web")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ModifySecurityGroupRules(ctx, &ec2api.ModifySecurityGroupRulesInput{GroupId: &f.db, SecurityGroupRules: []ec2api.SecurityGroupRuleUpdate{{
		SecurityGroupRuleId: &dbRule, SecurityGroupRule: &ec2api.SecurityGroupRuleRequest{IpProtocol: ptr("tcp"), FromPort: ptr(int64(5432)), ToPort: ptr(int64(5432)),
			ReferencedGroupId: &f.web, Description: ptr("postgres from web")}}}}); err != nil {
		t.Fatal(err)
	}
	one, err := s.DescribeSecurityGroupRules(ctx, &ec2api.DescribeSecurityGroupRulesInput{SecurityGroupRuleIds: []string{dbRule}})
	if err != nil || len(one.SecurityGroupRules) != 1 {
		t.Fatal(one, err)
	}
	if r := one.SecurityGroupRules[0]; *r.FromPort != 5432 || *r.Description != "postgres from web" || len(r.Tags) != 1 {
		t.Errorf("modified rule: %+v", r)
	}
	rv2, err := s.RevokeSecurityGroupIngress(ctx, &ec2api.RevokeSecurityGroupIngressInput{GroupId: &f.db, SecurityGroupRuleIds: []string{dbRule}})
	if err != nil || len(rv2.RevokedSecurityGroupRules) != 1 {
		t.Fatalf("revoke by id: %+v %v", rv2, err)
	}

	// Nothing references web now but web itself, which does not hold it
	// back: both groups go, then the VPC with its default group and that
	// group's rules.
	if _, err := s.AuthorizeSecurityGroupIngress(ctx, &ec2api.AuthorizeSecurityGroupIngressInput{GroupId: &f.web, IpPermissions: []ec2api.IpPermission{
		{IpProtocol: ptr("-1"), UserIdGroupPairs: []ec2api.UserIdGroupPair{{GroupId: &f.web}}}}}); err != nil {
		t.Fatal(err)
	}
	for _, g := range []string{f.web, f.db} {
		if _, err := s.DeleteSecurityGroup(ctx, &ec2api.DeleteSecurityGroupInput{GroupId: &g}); err != nil {
			t.Fatalf("delete %s: %v", g, err)
		}
	}
	if _, err := s.DeleteVpc(ctx, &ec2api.DeleteVpcInput{VpcId: &f.vpc}); err != nil {
		t.Fatal(err)
	}
	left, err := s.DescribeSecurityGroupRules(ctx, &ec2api.DescribeSecurityGroupRulesInput{Filters: filters("group-id", f.defaultSG)})
	if err != nil || len(left.SecurityGroupRules) != 0 {
		t.Errorf("rules outlived their group: %+v %v", left, err)
	}
}
