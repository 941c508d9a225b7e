package ec2

import (
	"context"
	"testing"

	ec2api "hakoniwa/internal/api/ec2"
)

// TestDefaultVPCRebuild deletes a Region's default VPC stack in the order
// AWS requires and rebuilds it with CreateDefaultVpc and
// CreateDefaultSubnet, checking their refusals on the way.
func TestDefaultVPCRebuild(t *testing.T) {
	s, _ := newTestService(t, DefaultQuotas())
	ctx := ctxIn("us-west-1") // two zones
	v, err := s.DescribeVpcs(ctx, &ec2api.DescribeVpcsInput{})
	if err != nil || len(v.Vpcs) != 1 {
		t.Fatalf("default vpc: %v %v", v, err)
	}
	old := deref(v.Vpcs[0].VpcId)
	sn, err := s.DescribeSubnets(ctx, &ec2api.DescribeSubnetsInput{})
	if err != nil || len(sn.Subnets) != 2 {
		t.Fatalf("default subnets: %v %v", sn, err)
	}
	zone := deref(sn.Subnets[0].AvailabilityZone)
	_, exists := s.CreateDefaultSubnet(ctx, &ec2api.CreateDefaultSubnetInput{AvailabilityZone: &zone})
	checkRefusals(t, []refusal{{"subnet exists", exists, "DefaultSubnetAlreadyExistsInAvailabilityZone",
		"'" + deref(sn.Subnets[0].SubnetId) + "' is already the default subnet in " + zone + "."}})

	// One default subnet deleted and recreated: the same block, public.
	if _, err := s.DeleteSubnet(ctx, &ec2api.DeleteSubnetInput{SubnetId: sn.Subnets[0].SubnetId}); err != nil {
		t.Fatal(err)
	}
	again, err := s.CreateDefaultSubnet(ctx, &ec2api.CreateDefaultSubnetInput{AvailabilityZone: &zone})
	if err != nil {
		t.Fatal(err)
	}
	if x := again.Subnet; deref(x.CidrBlock) != deref(sn.Subnets[0].CidrBlock) || !isTrue(x.DefaultForAz) || !isTrue(x.MapPublicIpOnLaunch) || deref(x.VpcId) != old {
		t.Fatalf("recreated default subnet: %s %v %v %s", deref(x.CidrBlock), isTrue(x.DefaultForAz), isTrue(x.MapPublicIpOnLaunch), deref(x.VpcId))
	}

	// The whole stack: subnets, gateway, then the VPC.
	all, _ := s.DescribeSubnets(ctx, &ec2api.DescribeSubnetsInput{})
	for _, x := range all.Subnets {
		if _, err := s.DeleteSubnet(ctx, &ec2api.DeleteSubnetInput{SubnetId: x.SubnetId}); err != nil {
			t.Fatal(err)
		}
	}
	igws, err := s.DescribeInternetGateways(ctx, &ec2api.DescribeInternetGatewaysInput{})
	if err != nil || len(igws.InternetGateways) != 1 {
		t.Fatalf("default gateway: %v %v", igws, err)
	}
	igw := igws.InternetGateways[0].InternetGatewayId
	if _, err := s.DetachInternetGateway(ctx, &ec2api.DetachInternetGatewayInput{InternetGatewayId: igw, VpcId: &old}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteInternetGateway(ctx, &ec2api.DeleteInternetGatewayInput{InternetGatewayId: igw}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteVpc(ctx, &ec2api.DeleteVpcInput{VpcId: &old}); err != nil {
		t.Fatal(err)
	}
	_, noVPC := s.CreateDefaultSubnet(ctx, &ec2api.CreateDefaultSubnetInput{AvailabilityZone: &zone})
	checkRefusals(t, []refusal{{"no default vpc", noVPC, "DefaultVpcDoesNotExist", "No default VPC exists for this account in this region."}})
	if attr := defaultVPCAttribute(t, s, ctx); attr != "none" {
		t.Fatalf("default-vpc attribute after delete: %s", attr)
	}

	created, err := s.CreateDefaultVpc(ctx, &ec2api.CreateDefaultVpcInput{})
	if err != nil {
		t.Fatal(err)
	}
	id := deref(created.Vpc.VpcId)
	if id == old || deref(created.Vpc.CidrBlock) != "172.31.0.0/16" || !isTrue(created.Vpc.IsDefault) {
		t.Fatalf("new default vpc: %s %s %v", id, deref(created.Vpc.CidrBlock), isTrue(created.Vpc.IsDefault))
	}
	if attr := defaultVPCAttribute(t, s, ctx); attr != id {
		t.Fatalf("default-vpc attribute: %s, want %s", attr, id)
	}
	sn, err = s.DescribeSubnets(ctx, &ec2api.DescribeSubnetsInput{Filters: filters("vpc-id", id, "default-for-az", "true", "map-public-ip-on-launch", "true")})
	if err != nil || len(sn.Subnets) != 2 {
		t.Fatalf("rebuilt subnets: %v %v", sn, err)
	}
	rt, err := s.DescribeRouteTables(ctx, &ec2api.DescribeRouteTablesInput{Filters: filters("vpc-id", id, "association.main", "true")})
	if err != nil || len(rt.RouteTables) != 1 {
		t.Fatalf("rebuilt main table: %v %v", rt, err)
	}
	if st := routeState(rt.RouteTables[0], "0.0.0.0/0"); st != routeActive {
		t.Errorf("rebuilt default route: %s", st)
	}
	for name, count := range map[string]func() (int, error){
		"security group": func() (int, error) {
			out, err := s.DescribeSecurityGroups(ctx, &ec2api.DescribeSecurityGroupsInput{Filters: filters("vpc-id", id, "group-name", "default")})
			return len(out.SecurityGroups), err
		},
		"network ACL": func() (int, error) {
			out, err := s.DescribeNetworkAcls(ctx, &ec2api.DescribeNetworkAclsInput{Filters: filters("vpc-id", id, "default", "true")})
			return len(out.NetworkAcls), err
		},
	} {
		if n, err := count(); err != nil || n != 1 {
			t.Errorf("rebuilt default %s: %d %v", name, n, err)
		}
	}
}

func defaultVPCAttribute(t *testing.T, s *Service, ctx context.Context) string {
	t.Helper()
	out, err := s.DescribeAccountAttributes(ctx, &ec2api.DescribeAccountAttributesInput{AttributeNames: []string{"default-vpc"}})
	if err != nil {
		t.Fatal(err)
	}
	return deref(out.AccountAttributes[0].AttributeValues[0].AttributeValue)
}

// TestModifyVpcTenancy moves a dedicated VPC to default, the one change
// AWS allows.
func TestModifyVpcTenancy(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	out, err := s.CreateVpc(ctx, &ec2api.CreateVpcInput{CidrBlock: ptr("10.0.0.0/16"), InstanceTenancy: ptr("dedicated")})
	if err != nil {
		t.Fatal(err)
	}
	id := out.Vpc.VpcId
	_, dedicated := s.ModifyVpcTenancy(ctx, &ec2api.ModifyVpcTenancyInput{VpcId: id, InstanceTenancy: ptr("dedicated")})
	_, missing := s.ModifyVpcTenancy(ctx, &ec2api.ModifyVpcTenancyInput{VpcId: ptr("vpc-0123456789abcdef0"), InstanceTenancy: ptr("default")})
	_, dry := s.ModifyVpcTenancy(ctx, &ec2api.ModifyVpcTenancyInput{VpcId: id, InstanceTenancy: ptr("default"), DryRun: ptr(true)})
	checkRefusals(t, []refusal{
		{"to dedicated", dedicated, "InvalidParameterValue", "Invalid value 'dedicated' for InstanceTenancy."},
		{"unknown vpc", missing, "InvalidVpcID.NotFound", "The vpc ID 'vpc-0123456789abcdef0' does not exist"},
		{"dry run", dry, "DryRunOperation", ""},
	})
	res, err := s.ModifyVpcTenancy(ctx, &ec2api.ModifyVpcTenancyInput{VpcId: id, InstanceTenancy: ptr("default")})
	if err != nil || !isTrue(res.ReturnValue) {
		t.Fatalf("modify: %v %v", res, err)
	}
	got, err := s.DescribeVpcs(ctx, &ec2api.DescribeVpcsInput{VpcIds: []string{deref(id)}})
	if err != nil || deref(got.Vpcs[0].InstanceTenancy) != "default" {
		t.Fatalf("tenancy after modify: %v %v", got, err)
	}
}
