package ec2

import (
	"context"
	"fmt"
	"slices"
	"testing"

	ec2api "hakoniwa/internal/api/ec2"
)

// defaultsV6 returns a VPC's default group's IPv6 egress ranges and its
// default ACL's entries as "number direction cidr6" for IPv6 ones.
func defaultsV6(t *testing.T, s *Service, ctx context.Context, vpc string) (sgEgress6, acl6 []string) {
	t.Helper()
	g, err := s.DescribeSecurityGroups(ctx, &ec2api.DescribeSecurityGroupsInput{Filters: filters("vpc-id", vpc, "group-name", "default")})
	if err != nil || len(g.SecurityGroups) != 1 {
		t.Fatalf("default group: %v %v", g, err)
	}
	for _, p := range g.SecurityGroups[0].IpPermissionsEgress {
		for _, r := range p.Ipv6Ranges {
			sgEgress6 = append(sgEgress6, deref(p.IpProtocol)+" "+deref(r.CidrIpv6))
		}
	}
	a, err := s.DescribeNetworkAcls(ctx, &ec2api.DescribeNetworkAclsInput{Filters: filters("vpc-id", vpc, "default", "true")})
	if err != nil || len(a.NetworkAcls) != 1 {
		t.Fatalf("default acl: %v %v", a, err)
	}
	for _, e := range a.NetworkAcls[0].Entries {
		if e.Ipv6CidrBlock != nil {
			acl6 = append(acl6, fmt.Sprintf("%d %v %s %s", *e.RuleNumber, isTrue(e.Egress), deref(e.RuleAction), deref(e.Ipv6CidrBlock)))
		}
	}
	slices.Sort(acl6)
	return sgEgress6, acl6
}

func TestIPv6OpensDefaults(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	all6 := []string{"101 false allow ::/0", "101 true allow ::/0", "32768 false deny ::/0", "32768 true deny ::/0"}

	// Created with a block: both defaults open at once.
	out, err := s.CreateVpc(ctx, &ec2api.CreateVpcInput{CidrBlock: ptr("10.0.0.0/16"), AmazonProvidedIpv6CidrBlock: ptr(true)})
	if err != nil {
		t.Fatal(err)
	}
	v6 := deref(out.Vpc.VpcId)
	sg, acl := defaultsV6(t, s, ctx, v6)
	if !slices.Equal(sg, []string{"-1 ::/0"}) || !slices.Equal(acl, all6) {
		t.Fatalf("IPv6 VPC's defaults: group %v, acl %v", sg, acl)
	}
	// A new group only allows IPv4 out, as AWS's do.
	g, err := s.CreateSecurityGroup(ctx, &ec2api.CreateSecurityGroupInput{VpcId: &v6, GroupName: ptr("web"), Description: ptr("web")})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.DescribeSecurityGroups(ctx, &ec2api.DescribeSecurityGroupsInput{GroupIds: []string{deref(g.GroupId)}})
	if err != nil || len(got.SecurityGroups[0].IpPermissionsEgress) != 1 || len(got.SecurityGroups[0].IpPermissionsEgress[0].Ipv6Ranges) != 0 {
		t.Fatalf("new group's egress: %+v %v", got, err)
	}

	// Associated later: a direction the user changed keeps its rules.
	v4 := mustVPC(t, s, ctx, "10.1.0.0/16")
	sg, acl = defaultsV6(t, s, ctx, v4)
	if len(sg) != 0 || len(acl) != 0 {
		t.Fatalf("IPv4 VPC's defaults: group %v, acl %v", sg, acl)
	}
	a, err := s.DescribeNetworkAcls(ctx, &ec2api.DescribeNetworkAclsInput{Filters: filters("vpc-id", v4, "default", "true")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateNetworkAclEntry(ctx, &ec2api.CreateNetworkAclEntryInput{NetworkAclId: a.NetworkAcls[0].NetworkAclId, RuleNumber: ptr(int64(90)),
		Protocol: ptr("-1"), RuleAction: ptr("deny"), Egress: ptr(false), CidrBlock: ptr("192.0.2.0/24")}); err != nil {
		t.Fatal(err)
	}
	assoc := &ec2api.AssociateVpcCidrBlockInput{VpcId: &v4, AmazonProvidedIpv6CidrBlock: ptr(true)}
	if _, err := s.AssociateVpcCidrBlock(ctx, assoc); err != nil {
		t.Fatal(err)
	}
	// A second block is refused and adds nothing.
	if _, err := s.AssociateVpcCidrBlock(ctx, assoc); code(err) != "CidrLimitExceeded" {
		t.Fatalf("second IPv6 block: %v", err)
	}
	sg, acl = defaultsV6(t, s, ctx, v4)
	if want := []string{"101 true allow ::/0", "32768 false deny ::/0", "32768 true deny ::/0"}; !slices.Equal(sg, []string{"-1 ::/0"}) || !slices.Equal(acl, want) {
		t.Fatalf("after associating: group %v, acl %v (want %v)", sg, acl, want)
	}
}
