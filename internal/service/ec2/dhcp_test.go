package ec2

import (
	"context"
	"testing"

	"hakoniwa/internal/reqctx"

	ec2api "hakoniwa/internal/api/ec2"
)

func ctxAs(account, region string) context.Context {
	return reqctx.With(context.Background(), &reqctx.Info{Region: region, Principal: reqctx.Principal{Type: "Root", Account: account}})
}

func dhcpConf(kv ...string) []ec2api.NewDhcpConfiguration {
	var out []ec2api.NewDhcpConfiguration
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, ec2api.NewDhcpConfiguration{Key: ptr(kv[i]), Values: []string{kv[i+1]}})
	}
	return out
}

func TestDhcpOptionsValidation(t *testing.T) {
	tests := []struct {
		name string
		conf []ec2api.NewDhcpConfiguration
		code string
	}{
		{"domain and dns", dhcpConf("domain-name", "example.com", "domain-name-servers", "AmazonProvidedDNS"), ""},
		{"dns list in one value", dhcpConf("domain-name-servers", "10.0.0.2, 10.0.0.3"), ""},
		{"ntp", dhcpConf("ntp-servers", "169.254.169.123"), ""},
		{"netbios", dhcpConf("netbios-name-servers", "10.0.0.4", "netbios-node-type", "2"), ""},
		{"lease", dhcpConf("ipv6-address-preferred-lease-time", "3600"), ""},
		{"none", nil, "MissingParameter"},
		{"unknown key", dhcpConf("colour", "red"), "InvalidParameterValue"},
		{"bad dns", dhcpConf("domain-name-servers", "not-an-ip"), "InvalidParameterValue"},
		{"five dns", dhcpConf("domain-name-servers", "10.0.0.1,10.0.0.2,10.0.0.3,10.0.0.4,10.0.0.5"), "InvalidParameterValue"},
		{"node type 3", dhcpConf("netbios-node-type", "3"), "InvalidParameterValue"},
		{"short lease", dhcpConf("ipv6-address-preferred-lease-time", "10"), "InvalidParameterValue"},
		{"duplicate key", dhcpConf("domain-name", "a.example.com", "domain-name", "b.example.com"), "InvalidParameterValue"},
	}
	for _, tc := range tests {
		_, err := parseDhcpConfig(tc.conf)
		if code(err) != tc.code {
			t.Errorf("%s: got %s (%v), want %q", tc.name, code(err), err, tc.code)
		}
	}
}

func TestDhcpOptions(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	vpc := mustVPC(t, s, ctx, "10.0.0.0/16")
	out, err := s.CreateDhcpOptions(ctx, &ec2api.CreateDhcpOptionsInput{DhcpConfigurations: dhcpConf("domain-name", "corp.example.com", "domain-name-servers", "10.0.0.2")})
	if err != nil {
		t.Fatal(err)
	}
	id := *out.DhcpOptions.DhcpOptionsId
	if len(out.DhcpOptions.DhcpConfigurations) != 2 || *out.DhcpOptions.DhcpConfigurations[0].Key != "domain-name" {
		t.Fatalf("created: %+v", out.DhcpOptions)
	}
	if _, err := s.AssociateDhcpOptions(ctx, &ec2api.AssociateDhcpOptionsInput{DhcpOptionsId: &id, VpcId: &vpc}); err != nil {
		t.Fatal(err)
	}
	v, _ := s.DescribeVpcs(ctx, &ec2api.DescribeVpcsInput{VpcIds: []string{vpc}})
	if *v.Vpcs[0].DhcpOptionsId != id {
		t.Fatalf("vpc options: %s", *v.Vpcs[0].DhcpOptionsId)
	}
	_, inUse := s.DeleteDhcpOptions(ctx, &ec2api.DeleteDhcpOptionsInput{DhcpOptionsId: &id})
	_, unknown := s.AssociateDhcpOptions(ctx, &ec2api.AssociateDhcpOptionsInput{DhcpOptionsId: ptr("dopt-0123456789abcdef0"), VpcId: &vpc})
	_, malformed := s.DescribeDhcpOptions(ctx, &ec2api.DescribeDhcpOptionsInput{DhcpOptionsIds: []string{"dopt-x"}})
	checkRefusals(t, []refusal{
		{"in use", inUse, "DependencyViolation", "The dhcpOptions '" + id + "' has dependencies and cannot be deleted."},
		{"unknown", unknown, "InvalidDhcpOptionID.NotFound", "The dhcpOption ID 'dopt-0123456789abcdef0' does not exist"},
		{"malformed", malformed, "InvalidDhcpOptionID.Malformed", ""},
	})
	for _, f := range []struct {
		kv   []string
		want int
	}{
		{[]string{"key", "domain-name"}, 2}, // with the Region's default set
		{[]string{"value", "corp.*"}, 1},
		{[]string{"dhcp-options-id", id}, 1},
	} {
		got, err := s.DescribeDhcpOptions(ctx, &ec2api.DescribeDhcpOptionsInput{Filters: filters(f.kv...)})
		if err != nil || len(got.DhcpOptions) != f.want {
			t.Errorf("filter %v: %d, want %d (%v)", f.kv, len(got.DhcpOptions), f.want, err)
		}
	}
	// "default" leaves the VPC without options; the set is then free.
	if _, err := s.AssociateDhcpOptions(ctx, &ec2api.AssociateDhcpOptionsInput{DhcpOptionsId: ptr("default"), VpcId: &vpc}); err != nil {
		t.Fatal(err)
	}
	v, _ = s.DescribeVpcs(ctx, &ec2api.DescribeVpcsInput{VpcIds: []string{vpc}})
	if *v.Vpcs[0].DhcpOptionsId != "default" {
		t.Errorf("after default: %s", *v.Vpcs[0].DhcpOptionsId)
	}
	if _, err := s.DeleteDhcpOptions(ctx, &ec2api.DeleteDhcpOptionsInput{DhcpOptionsId: &id}); err != nil {
		t.Fatal(err)
	}
}
