package ec2

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/clock"
	"hakoniwa/internal/ids"
	"hakoniwa/internal/reqctx"
	"hakoniwa/internal/store"

	ec2api "hakoniwa/internal/api/ec2"
)

const testAccount = "111122223333"

func newTestService(t testing.TB, q Quotas) (*Service, context.Context) {
	t.Helper()
	st := store.OpenMemory()
	t.Cleanup(func() { st.Close() })
	s := NewWithQuotas(st, clock.NewManual(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)), ids.Seeded(1), q)
	return s, ctxIn("us-east-1")
}

func ctxIn(region string) context.Context {
	return reqctx.With(context.Background(), &reqctx.Info{Region: region, Principal: reqctx.Principal{Type: "Root", Account: testAccount}})
}

func code(err error) string {
	var e *awserr.Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err == nil {
		return ""
	}
	return "go:" + err.Error()
}

func message(err error) string {
	var e *awserr.Error
	if errors.As(err, &e) {
		return e.Message
	}
	return ""
}

func filters(kv ...string) []ec2api.Filter {
	var out []ec2api.Filter
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, ec2api.Filter{Name: ptr(kv[i]), Values: []string{kv[i+1]}})
	}
	return out
}

func mustVPC(t testing.TB, s *Service, ctx context.Context, cidr string) string {
	t.Helper()
	out, err := s.CreateVpc(ctx, &ec2api.CreateVpcInput{CidrBlock: ptr(cidr)})
	if err != nil {
		t.Fatalf("CreateVpc %s: %v", cidr, err)
	}
	return *out.Vpc.VpcId
}

func mustSubnet(t testing.TB, s *Service, ctx context.Context, vpc, cidr, az string) string {
	t.Helper()
	out, err := s.CreateSubnet(ctx, &ec2api.CreateSubnetInput{VpcId: ptr(vpc), CidrBlock: ptr(cidr), AvailabilityZone: ptr(az)})
	if err != nil {
		t.Fatalf("CreateSubnet %s: %v", cidr, err)
	}
	return *out.Subnet.SubnetId
}

func TestCIDRMath(t *testing.T) {
	p := netip.MustParsePrefix
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"contains inner", contains(p("10.0.0.0/16"), p("10.0.1.0/24")), true},
		{"contains equal", contains(p("10.0.0.0/16"), p("10.0.0.0/16")), true},
		{"contains larger", contains(p("10.0.0.0/24"), p("10.0.0.0/16")), false},
		{"contains outside", contains(p("10.0.0.0/16"), p("10.1.0.0/24")), false},
		{"overlap nested", overlaps(p("10.0.0.0/16"), p("10.0.128.0/17")), true},
		{"overlap disjoint", overlaps(p("10.0.0.0/24"), p("10.0.1.0/24")), false},
		{"size /16", sizeOK(p("10.0.0.0/16")), true},
		{"size /28", sizeOK(p("10.0.0.0/28")), true},
		{"size /15", sizeOK(p("10.0.0.0/15")), false},
		{"size /29", sizeOK(p("10.0.0.0/29")), false},
		{"usable /24", usableAddresses(p("10.0.0.0/24")), int64(251)},
		{"usable /28", usableAddresses(p("10.0.0.0/28")), int64(11)},
		{"usable /20", usableAddresses(p("172.31.0.0/20")), int64(4091)},
		{"reserved /24", fmt.Sprint(reservedAddresses(p("10.0.0.0/24"))), "[10.0.0.0 10.0.0.1 10.0.0.2 10.0.0.3 10.0.0.255]"},
		{"last /20", lastAddr(p("172.31.16.0/20")).String(), "172.31.31.255"},
		{"3rd /20", fmt.Sprint(must(nthBlock(p("172.31.0.0/16"), 20, 2))), "172.31.32.0/20"},
		{"17th /20", ok(nthBlock(p("172.31.0.0/16"), 20, 16)), false},
		{"ipv6 /64", fmt.Sprint(must(nthBlock(p("2600:1f18:1:200::/56"), 64, 3))), "2600:1f18:1:203::/64"},
		{"host bits cleared", fmt.Sprint(must(parseIPv4Block("10.0.0.1/16"))), "10.0.0.0/16"},
		{"not v4", ok(parseIPv4Block("fd00::/16")), false},
		{"garbage", ok(parseIPv4Block("10.0.0.0/33")), false},
		{"secondary same 1918", secondaryAllowed(p("10.0.0.0/16"), p("10.1.0.0/16")), true},
		{"secondary other 1918", secondaryAllowed(p("10.0.0.0/16"), p("192.168.0.0/16")), false},
		{"secondary shared space", secondaryAllowed(p("10.0.0.0/16"), p("100.64.0.0/16")), true},
		{"secondary public", secondaryAllowed(p("10.0.0.0/16"), p("52.0.0.0/16")), true},
		{"secondary link local", secondaryAllowed(p("10.0.0.0/16"), p("169.254.0.0/16")), false},
		{"public primary, private secondary", secondaryAllowed(p("52.0.0.0/16"), p("10.0.0.0/16")), false},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, tc.got, tc.want)
		}
	}
}

func must(p netip.Prefix, _ bool) netip.Prefix { return p }
func ok(_ netip.Prefix, b bool) bool           { return b }

func TestWildcard(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"web", "web", true},
		{"web", "webs", false},
		{"web*", "web-1", true},
		{"*-1", "web-1", true},
		{"*", "", true},
		{"?", "", false},
		{"w?b", "wab", true},
		{"w?b", "wb", false},
		{"*a*b*c*", "xxaxxbxxcxx", true},
		{"*a*b*c*", "xxaxxcxxbxx", false},
		{`a\*`, "a*", true},
		{`a\*`, "ab", false},
		{`a\?`, "a?", true},
		{"10.0.*", "10.0.1.0/24", true},
		{"***", "anything", true},
	}
	for _, tc := range tests {
		if got := wildcard(tc.pattern, tc.s); got != tc.want {
			t.Errorf("wildcard(%q, %q) = %v, want %v", tc.pattern, tc.s, got, tc.want)
		}
	}
}

func TestFilterEngine(t *testing.T) {
	recs := []*vpcRec{
		{meta: meta{ID: "vpc-1", Tags: map[string]string{"Name": "web", "env": "prod"}}, State: "available", Cidrs: []cidrAssoc{{Cidr: "10.0.0.0/16"}}},
		{meta: meta{ID: "vpc-2", Tags: map[string]string{"Name": "db", "env": "prod"}}, State: "available", Cidrs: []cidrAssoc{{Cidr: "10.1.0.0/16"}}},
		{meta: meta{ID: "vpc-3", Tags: map[string]string{"Name": "web2"}}, State: "available", Cidrs: []cidrAssoc{{Cidr: "192.168.0.0/16"}}, IsDefault: true},
	}
	tests := []struct {
		name    string
		filters []ec2api.Filter
		want    string
	}{
		{"none", nil, "vpc-1 vpc-2 vpc-3"},
		{"tag exact", filters("tag:Name", "web"), "vpc-1"},
		{"tag wildcard", filters("tag:Name", "web*"), "vpc-1 vpc-3"},
		{"values OR", []ec2api.Filter{{Name: ptr("tag:Name"), Values: []string{"web", "db"}}}, "vpc-1 vpc-2"},
		{"filters AND", filters("tag:Name", "web*", "tag:env", "prod"), "vpc-1"},
		{"tag-key", filters("tag-key", "env"), "vpc-1 vpc-2"},
		{"tag-value", filters("tag-value", "db"), "vpc-2"},
		{"cidr ?", filters("cidr", "10.?.0.0/16"), "vpc-1 vpc-2"},
		{"is-default", filters("is-default", "true"), "vpc-3"},
		{"missing tag", filters("tag:Owner", "*"), ""},
	}
	for _, tc := range tests {
		fs, err := vpcFilters().compile(tc.filters)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		got := ""
		for _, r := range recs {
			if matchAll(r, fs) {
				if got != "" {
					got += " "
				}
				got += r.ID
			}
		}
		if got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
	_, err := vpcFilters().compile(filters("bogus", "x"))
	if code(err) != "InvalidParameterValue" || message(err) != "The filter 'bogus' is invalid" {
		t.Errorf("unknown filter: %v", err)
	}
}

func TestDefaultVPCLayout(t *testing.T) {
	tests := []struct {
		region string
		zones  int
	}{{"us-east-1", 6}, {"eu-west-1", 3}, {"us-west-1", 2}}
	for _, tc := range tests {
		s, _ := newTestService(t, DefaultQuotas())
		ctx := ctxIn(tc.region)
		v, err := s.DescribeVpcs(ctx, &ec2api.DescribeVpcsInput{})
		if err != nil || len(v.Vpcs) != 1 {
			t.Fatalf("%s: vpcs %v %v", tc.region, v, err)
		}
		vpc := v.Vpcs[0]
		if *vpc.CidrBlock != "172.31.0.0/16" || !*vpc.IsDefault || *vpc.State != "available" || *vpc.DhcpOptionsId == "" {
			t.Errorf("%s: default vpc %+v", tc.region, vpc)
		}
		sn, err := s.DescribeSubnets(ctx, &ec2api.DescribeSubnetsInput{})
		if err != nil || len(sn.Subnets) != tc.zones {
			t.Fatalf("%s: %d subnets, want %d (%v)", tc.region, len(sn.Subnets), tc.zones, err)
		}
		cidrs := map[string]string{}
		for _, x := range sn.Subnets {
			if !*x.DefaultForAz || !*x.MapPublicIpOnLaunch || *x.AvailableIpAddressCount != 4091 || *x.VpcId != *vpc.VpcId {
				t.Errorf("%s: subnet %+v", tc.region, x)
			}
			cidrs[*x.AvailabilityZone] = *x.CidrBlock
		}
		if cidrs[tc.region+"a"] != "172.31.0.0/20" {
			t.Errorf("%s: first zone subnet %v", tc.region, cidrs)
		}
		for i := range tc.zones {
			want, _ := nthBlock(defaultVPCBlock, 20, i)
			found := false
			for _, c := range cidrs {
				found = found || c == want.String()
			}
			if !found {
				t.Errorf("%s: no subnet %s in %v", tc.region, want, cidrs)
			}
		}
		// The stack behind it exists, so deleting the VPC must wait for
		// its subnets and gateway.
		_, err = s.DeleteVpc(ctx, &ec2api.DeleteVpcInput{VpcId: vpc.VpcId})
		if code(err) != "DependencyViolation" {
			t.Errorf("%s: delete default vpc: %v", tc.region, err)
		}
		attrs, err := s.DescribeAccountAttributes(ctx, &ec2api.DescribeAccountAttributesInput{AttributeNames: []string{"default-vpc"}})
		if err != nil || *attrs.AccountAttributes[0].AttributeValues[0].AttributeValue != *vpc.VpcId {
			t.Errorf("%s: default-vpc attribute %+v %v", tc.region, attrs, err)
		}
	}
}

func TestVPCLifecycle(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	vpc := mustVPC(t, s, ctx, "10.0.0.0/16")
	a := mustSubnet(t, s, ctx, vpc, "10.0.1.0/24", "us-east-1a")
	mustSubnet(t, s, ctx, vpc, "10.0.2.0/24", "us-east-1b")

	refusals := []struct {
		name string
		call func() error
		code string
		msg  string
	}{
		{"vpc too big", func() error {
			_, err := s.CreateVpc(ctx, &ec2api.CreateVpcInput{CidrBlock: ptr("10.0.0.0/8")})
			return err
		},
			"InvalidVpc.Range", "The CIDR '10.0.0.0/8' is invalid."},
		{"vpc too small", func() error {
			_, err := s.CreateVpc(ctx, &ec2api.CreateVpcInput{CidrBlock: ptr("10.0.0.0/29")})
			return err
		},
			"InvalidVpc.Range", "The CIDR '10.0.0.0/29' is invalid."},
		{"vpc garbage", func() error { _, err := s.CreateVpc(ctx, &ec2api.CreateVpcInput{CidrBlock: ptr("nope")}); return err },
			"InvalidParameterValue", "Value (nope) for parameter cidrBlock is invalid. This is not a valid CIDR block."},
		{"subnet outside", func() error {
			_, err := s.CreateSubnet(ctx, &ec2api.CreateSubnetInput{VpcId: &vpc, CidrBlock: ptr("10.1.0.0/24")})
			return err
		}, "InvalidSubnet.Range", "The CIDR '10.1.0.0/24' is invalid."},
		{"subnet conflict", func() error {
			_, err := s.CreateSubnet(ctx, &ec2api.CreateSubnetInput{VpcId: &vpc, CidrBlock: ptr("10.0.1.128/25")})
			return err
		}, "InvalidSubnet.Conflict", "The CIDR '10.0.1.128/25' conflicts with another subnet"},
		{"subnet bad zone", func() error {
			_, err := s.CreateSubnet(ctx, &ec2api.CreateSubnetInput{VpcId: &vpc, CidrBlock: ptr("10.0.9.0/24"), AvailabilityZone: ptr("us-west-2a")})
			return err
		}, "InvalidParameterValue", "Value (us-west-2a) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: us-east-1a, us-east-1b, us-east-1c, us-east-1d, us-east-1e, us-east-1f."},
		{"subnet vpc missing", func() error {
			_, err := s.CreateSubnet(ctx, &ec2api.CreateSubnetInput{VpcId: ptr("vpc-0123456789abcdef0"), CidrBlock: ptr("10.0.9.0/24")})
			return err
		}, "InvalidVpcID.NotFound", "The vpc ID 'vpc-0123456789abcdef0' does not exist"},
		{"describe malformed", func() error {
			_, err := s.DescribeVpcs(ctx, &ec2api.DescribeVpcsInput{VpcIds: []string{"vpc-xyz"}})
			return err
		}, "InvalidVpcID.Malformed", `Invalid id: "vpc-xyz" (expecting "vpc-...")`},
		{"describe subnet missing", func() error {
			_, err := s.DescribeSubnets(ctx, &ec2api.DescribeSubnetsInput{SubnetIds: []string{"subnet-0123456789abcdef0"}})
			return err
		}, "InvalidSubnetID.NotFound", "The subnet ID 'subnet-0123456789abcdef0' does not exist"},
		{"delete with subnets", func() error { _, err := s.DeleteVpc(ctx, &ec2api.DeleteVpcInput{VpcId: &vpc}); return err },
			"DependencyViolation", "The vpc '" + vpc + "' has dependencies and cannot be deleted."},
		{"dry run", func() error {
			_, err := s.CreateVpc(ctx, &ec2api.CreateVpcInput{CidrBlock: ptr("10.9.0.0/16"), DryRun: ptr(true)})
			return err
		}, "DryRunOperation", "Request would have succeeded, but DryRun flag is set."},
		{"two attributes", func() error {
			_, err := s.ModifyVpcAttribute(ctx, &ec2api.ModifyVpcAttributeInput{VpcId: &vpc,
				EnableDnsSupport: &ec2api.AttributeBooleanValue{Value: ptr(true)}, EnableDnsHostnames: &ec2api.AttributeBooleanValue{Value: ptr(true)}})
			return err
		}, "InvalidParameterCombination", "Fields for multiple attribute types specified: enableDnsSupport, enableDnsHostnames"},
		{"max results small", func() error {
			_, err := s.DescribeVpcs(ctx, &ec2api.DescribeVpcsInput{MaxResults: ptr(int64(4))})
			return err
		}, "InvalidParameterValue", "Value ( 4 ) for parameter maxResults is invalid. Expecting a value greater than 5."},
		{"max results with ids", func() error {
			_, err := s.DescribeVpcs(ctx, &ec2api.DescribeVpcsInput{VpcIds: []string{vpc}, MaxResults: ptr(int64(5))})
			return err
		}, "InvalidParameterCombination", "The parameter vpcIds cannot be used with the parameter maxResults"},
		{"tag spec type", func() error {
			_, err := s.CreateVpc(ctx, &ec2api.CreateVpcInput{CidrBlock: ptr("10.9.0.0/16"), TagSpecifications: []ec2api.TagSpecification{{ResourceType: ptr("subnet"), Tags: []ec2api.Tag{{Key: ptr("a"), Value: ptr("b")}}}}})
			return err
		}, "InvalidParameterValue", "'subnet' is not a valid taggable resource type for this operation."},
		{"aws: tag", func() error {
			_, err := s.CreateTags(ctx, &ec2api.CreateTagsInput{Resources: []string{vpc}, Tags: []ec2api.Tag{{Key: ptr("aws:x"), Value: ptr("y")}}})
			return err
		}, "InvalidParameterValue", "Tag keys starting with 'aws:' are reserved for internal use"},
		{"secondary other range", func() error {
			_, err := s.AssociateVpcCidrBlock(ctx, &ec2api.AssociateVpcCidrBlockInput{VpcId: &vpc, CidrBlock: ptr("192.168.0.0/16")})
			return err
		}, "InvalidVpc.Range", "The CIDR '192.168.0.0/16' is restricted. Use a CIDR from the same private address range as the current VPC CIDR, or use a publicly-routable CIDR."},
		{"secondary overlap", func() error {
			_, err := s.AssociateVpcCidrBlock(ctx, &ec2api.AssociateVpcCidrBlockInput{VpcId: &vpc, CidrBlock: ptr("10.0.128.0/17")})
			return err
		}, "CidrConflict", "The CIDR '10.0.128.0/17' conflicts with another CIDR block in the VPC."},
		{"default vpc exists", func() error { _, err := s.CreateDefaultVpc(ctx, &ec2api.CreateDefaultVpcInput{}); return err },
			"DefaultVpcAlreadyExists", "A Default VPC already exists for this account in this region."},
	}
	for _, tc := range refusals {
		err := tc.call()
		if code(err) != tc.code || message(err) != tc.msg {
			t.Errorf("%s: got %s %q, want %s %q", tc.name, code(err), message(err), tc.code, tc.msg)
		}
	}

	// Secondary blocks: up to five in all, subnets may use them.
	for i := 1; i <= 4; i++ {
		if _, err := s.AssociateVpcCidrBlock(ctx, &ec2api.AssociateVpcCidrBlockInput{VpcId: &vpc, CidrBlock: ptr(fmt.Sprintf("10.%d.0.0/16", i))}); err != nil {
			t.Fatalf("associate %d: %v", i, err)
		}
	}
	_, err := s.AssociateVpcCidrBlock(ctx, &ec2api.AssociateVpcCidrBlockInput{VpcId: &vpc, CidrBlock: ptr("10.9.0.0/16")})
	if code(err) != "CidrLimitExceeded" {
		t.Errorf("sixth block: %v", err)
	}
	mustSubnet(t, s, ctx, vpc, "10.3.0.0/24", "us-east-1c")

	// Attributes.
	if _, err := s.ModifyVpcAttribute(ctx, &ec2api.ModifyVpcAttributeInput{VpcId: &vpc, EnableDnsHostnames: &ec2api.AttributeBooleanValue{Value: ptr(true)}}); err != nil {
		t.Fatal(err)
	}
	attr, err := s.DescribeVpcAttribute(ctx, &ec2api.DescribeVpcAttributeInput{VpcId: &vpc, Attribute: ptr("enableDnsHostnames")})
	if err != nil || !*attr.EnableDnsHostnames.Value {
		t.Errorf("dns hostnames: %+v %v", attr, err)
	}
	if _, err := s.ModifySubnetAttribute(ctx, &ec2api.ModifySubnetAttributeInput{SubnetId: &a, MapPublicIpOnLaunch: &ec2api.AttributeBooleanValue{Value: ptr(true)}}); err != nil {
		t.Fatal(err)
	}
	got, err := s.DescribeSubnets(ctx, &ec2api.DescribeSubnetsInput{Filters: filters("map-public-ip-on-launch", "true", "vpc-id", vpc)})
	if err != nil || len(got.Subnets) != 1 || *got.Subnets[0].SubnetId != a {
		t.Errorf("map-public-ip filter: %+v %v", got, err)
	}

	// Tear down: subnets, then the VPC with its default resources.
	all, _ := s.DescribeSubnets(ctx, &ec2api.DescribeSubnetsInput{Filters: filters("vpc-id", vpc)})
	for _, sn := range all.Subnets {
		if _, err := s.DeleteSubnet(ctx, &ec2api.DeleteSubnetInput{SubnetId: sn.SubnetId}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.DeleteVpc(ctx, &ec2api.DeleteVpcInput{VpcId: &vpc}); err != nil {
		t.Fatalf("delete vpc: %v", err)
	}
	_, err = s.DescribeVpcs(ctx, &ec2api.DescribeVpcsInput{VpcIds: []string{vpc}})
	if code(err) != "InvalidVpcID.NotFound" {
		t.Errorf("after delete: %v", err)
	}
	// Its main route table, default group and ACL went with it.
	err = s.st.View(ctx, func(tx store.Tx) error {
		sc := scope{testAccount, "us-east-1"}
		for _, tbl := range []interface {
			idsBy(store.Tx, scope, string, string) ([]string, error)
		}{routeTables, securityGroups, networkACLs} {
			ids, err := tbl.idsBy(tx, sc, "vpc-id", vpc)
			if err != nil || len(ids) != 0 {
				return fmt.Errorf("left behind: %v %v", ids, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
}

func TestVPCQuota(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	// The default VPC counts: four more fit.
	for i := range 4 {
		mustVPC(t, s, ctx, fmt.Sprintf("10.%d.0.0/16", i))
	}
	_, err := s.CreateVpc(ctx, &ec2api.CreateVpcInput{CidrBlock: ptr("10.9.0.0/16")})
	if code(err) != "VpcLimitExceeded" || message(err) != "The maximum number of VPCs has been reached." {
		t.Errorf("sixth vpc: %v", err)
	}
	q := DefaultQuotas()
	q.SubnetsPerVPC = 2
	s, ctx = newTestService(t, q)
	vpc := mustVPC(t, s, ctx, "10.0.0.0/16")
	mustSubnet(t, s, ctx, vpc, "10.0.0.0/24", "us-east-1a")
	mustSubnet(t, s, ctx, vpc, "10.0.1.0/24", "us-east-1a")
	_, err = s.CreateSubnet(ctx, &ec2api.CreateSubnetInput{VpcId: &vpc, CidrBlock: ptr("10.0.2.0/24")})
	if code(err) != "SubnetLimitExceeded" {
		t.Errorf("third subnet: %v", err)
	}
}

func TestPagination(t *testing.T) {
	q := DefaultQuotas()
	q.SubnetsPerVPC = 1000
	s, ctx := newTestService(t, q)
	vpc := mustVPC(t, s, ctx, "10.0.0.0/16")
	const n = 23
	for i := range n {
		mustSubnet(t, s, ctx, vpc, fmt.Sprintf("10.0.%d.0/24", i), "us-east-1a")
	}
	for _, f := range [][]ec2api.Filter{filters("vpc-id", vpc), filters("vpc-id", "vpc-*", "availability-zone", "us-east-1a")} {
		seen := map[string]bool{}
		var token *string
		pages := 0
		for {
			out, err := s.DescribeSubnets(ctx, &ec2api.DescribeSubnetsInput{Filters: f, MaxResults: ptr(int64(5)), NextToken: token})
			if err != nil {
				t.Fatal(err)
			}
			pages++
			if len(out.Subnets) > 5 {
				t.Fatalf("page of %d", len(out.Subnets))
			}
			for _, sn := range out.Subnets {
				if seen[*sn.SubnetId] {
					t.Fatalf("%s twice", *sn.SubnetId)
				}
				seen[*sn.SubnetId] = true
			}
			if out.NextToken == nil {
				break
			}
			token = out.NextToken
		}
		// The second filter also matches the default subnet in us-east-1a.
		want := n
		if len(f) == 2 {
			want = n + 1
		}
		if len(seen) != want || pages != (want+4)/5 {
			t.Errorf("filters %v: %d subnets in %d pages, want %d", f, len(seen), pages, want)
		}
	}
	_, err := s.DescribeSubnets(ctx, &ec2api.DescribeSubnetsInput{NextToken: ptr("!!!")})
	if code(err) != "InvalidNextToken" {
		t.Errorf("bad token: %v", err)
	}
}

func TestTags(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	out, err := s.CreateVpc(ctx, &ec2api.CreateVpcInput{CidrBlock: ptr("10.0.0.0/16"),
		TagSpecifications: []ec2api.TagSpecification{{ResourceType: ptr("vpc"), Tags: []ec2api.Tag{{Key: ptr("Name"), Value: ptr("main")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	vpc := *out.Vpc.VpcId
	if len(out.Vpc.Tags) != 1 || *out.Vpc.Tags[0].Value != "main" {
		t.Errorf("create tags: %+v", out.Vpc.Tags)
	}
	sn := mustSubnet(t, s, ctx, vpc, "10.0.0.0/24", "us-east-1a")
	if _, err := s.CreateTags(ctx, &ec2api.CreateTagsInput{Resources: []string{vpc, sn}, Tags: []ec2api.Tag{{Key: ptr("env"), Value: ptr("dev")}, {Key: ptr("empty")}}}); err != nil {
		t.Fatal(err)
	}
	dt, err := s.DescribeTags(ctx, &ec2api.DescribeTagsInput{Filters: filters("key", "env")})
	if err != nil || len(dt.Tags) != 2 {
		t.Fatalf("describe tags: %+v %v", dt, err)
	}
	types := *dt.Tags[0].ResourceType + "," + *dt.Tags[1].ResourceType
	if types != "subnet,vpc" && types != "vpc,subnet" {
		t.Errorf("resource types %s", types)
	}
	// DeleteTags with a wrong value leaves the tag; without a value removes it.
	s.DeleteTags(ctx, &ec2api.DeleteTagsInput{Resources: []string{vpc}, Tags: []ec2api.Tag{{Key: ptr("env"), Value: ptr("prod")}}})
	s.DeleteTags(ctx, &ec2api.DeleteTagsInput{Resources: []string{sn}, Tags: []ec2api.Tag{{Key: ptr("env")}}})
	dt, _ = s.DescribeTags(ctx, &ec2api.DescribeTagsInput{Filters: filters("key", "env")})
	if len(dt.Tags) != 1 || *dt.Tags[0].ResourceId != vpc {
		t.Errorf("after delete: %+v", dt.Tags)
	}
	v, _ := s.DescribeVpcs(ctx, &ec2api.DescribeVpcsInput{Filters: filters("tag:env", "dev")})
	if len(v.Vpcs) != 1 || len(v.Vpcs[0].Tags) != 3 {
		t.Errorf("tag filter: %+v", v.Vpcs)
	}

	var many []ec2api.Tag
	for i := range 49 {
		many = append(many, ec2api.Tag{Key: ptr(fmt.Sprint("k", i)), Value: ptr("v")})
	}
	_, err = s.CreateTags(ctx, &ec2api.CreateTagsInput{Resources: []string{vpc}, Tags: many})
	if code(err) != "TagLimitExceeded" {
		t.Errorf("51 tags: %v", err)
	}
	long := string(make([]byte, 129))
	_, err = s.CreateTags(ctx, &ec2api.CreateTagsInput{Resources: []string{vpc}, Tags: []ec2api.Tag{{Key: &long, Value: ptr("")}}})
	if code(err) != "InvalidParameterValue" {
		t.Errorf("long key: %v", err)
	}
	_, err = s.CreateTags(ctx, &ec2api.CreateTagsInput{Resources: []string{"vpc-0123456789abcdef0"}, Tags: many[:1]})
	if code(err) != "InvalidVpcID.NotFound" {
		t.Errorf("missing resource: %v", err)
	}
	_, err = s.CreateTags(ctx, &ec2api.CreateTagsInput{Resources: []string{"fleet-0123456789abcdef0"}, Tags: many[:1]})
	if code(err) != "InvalidID" {
		t.Errorf("unknown kind: %v", err)
	}
}

func TestRegionsAndZones(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	r, err := s.DescribeRegions(ctx, &ec2api.DescribeRegionsInput{Filters: filters("region-name", "us-east-1")})
	if err != nil || len(r.Regions) != 1 || *r.Regions[0].Endpoint != "ec2.us-east-1.amazonaws.com" || *r.Regions[0].OptInStatus != "opt-in-not-required" {
		t.Fatalf("regions: %+v %v", r, err)
	}
	all, _ := s.DescribeRegions(ctx, &ec2api.DescribeRegionsInput{AllRegions: ptr(true)})
	enabled, _ := s.DescribeRegions(ctx, &ec2api.DescribeRegionsInput{})
	if len(all.Regions) <= len(enabled.Regions) {
		t.Errorf("AllRegions %d, enabled %d", len(all.Regions), len(enabled.Regions))
	}
	z, err := s.DescribeAvailabilityZones(ctx, &ec2api.DescribeAvailabilityZonesInput{Filters: filters("zone-id", "use1-az*")})
	if err != nil || len(z.AvailabilityZones) != 6 || *z.AvailabilityZones[0].ZoneType != "availability-zone" {
		t.Fatalf("zones: %+v %v", z, err)
	}
	_, err = s.DescribeAvailabilityZones(ctx, &ec2api.DescribeAvailabilityZonesInput{ZoneNames: []string{"us-east-1z"}})
	if code(err) != "InvalidParameterValue" {
		t.Errorf("bad zone: %v", err)
	}
}
