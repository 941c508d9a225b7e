package e2e

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// TestSecurityGroupPeerReferenceSDK references a security group across a
// VPC peering connection with aws-sdk-go-v2: a database group in VPC B
// allows MySQL from the web group in VPC A once the two VPCs are peered;
// deleting the connection leaves the rule stale.
func TestSecurityGroupPeerReferenceSDK(t *testing.T) {
	s := StartServer(t)
	ctx := context.Background()
	c := ec2.NewFromConfig(s.DefaultConfig())

	vpc := func(cidr string) string {
		t.Helper()
		out, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String(cidr)})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.Vpc.VpcId)
	}
	group := func(vpc, name string) string {
		t.Helper()
		out, err := c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String(name), Description: aws.String(name), VpcId: &vpc})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.GroupId)
	}
	a, b := vpc("10.0.0.0/16"), vpc("10.1.0.0/16")
	web, db := group(a, "web"), group(b, "db")
	mysqlFromWeb := &ec2.AuthorizeSecurityGroupIngressInput{GroupId: &db, IpPermissions: []types.IpPermission{{
		IpProtocol: aws.String("tcp"), FromPort: aws.Int32(3306), ToPort: aws.Int32(3306),
		UserIdGroupPairs: []types.UserIdGroupPair{{GroupId: &web, Description: aws.String("MySQL from the web tier in VPC A")}}}}}

	// Without an active connection the two VPCs are different networks.
	_, err := c.AuthorizeSecurityGroupIngress(ctx, mysqlFromWeb)
	if got := apiCode(t, err); got != "InvalidGroup.NotFound" {
		t.Fatalf("reference without peering: %s", got)
	}
	req, err := c.CreateVpcPeeringConnection(ctx, &ec2.CreateVpcPeeringConnectionInput{VpcId: &a, PeerVpcId: &b})
	if err != nil {
		t.Fatal(err)
	}
	pcx := aws.ToString(req.VpcPeeringConnection.VpcPeeringConnectionId)
	if _, err := c.AcceptVpcPeeringConnection(ctx, &ec2.AcceptVpcPeeringConnectionInput{VpcPeeringConnectionId: &pcx}); err != nil {
		t.Fatal(err)
	}
	auth, err := c.AuthorizeSecurityGroupIngress(ctx, mysqlFromWeb)
	if err != nil {
		t.Fatalf("reference across active peering: %v", err)
	}
	if ref := auth.SecurityGroupRules[0].ReferencedGroupInfo; aws.ToString(ref.VpcPeeringConnectionId) != pcx || aws.ToString(ref.PeeringStatus) != "active" {
		t.Errorf("authorized rule's referenced group: %+v", ref)
	}
	got, err := c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{db}})
	if err != nil {
		t.Fatal(err)
	}
	pair := got.SecurityGroups[0].IpPermissions[0].UserIdGroupPairs[0]
	if aws.ToString(pair.GroupId) != web || aws.ToString(pair.VpcId) != a || aws.ToString(pair.VpcPeeringConnectionId) != pcx ||
		aws.ToString(pair.PeeringStatus) != "active" || aws.ToString(pair.UserId) != "000000000000" {
		t.Errorf("described pair: %+v", pair)
	}
	refs, err := c.DescribeSecurityGroupReferences(ctx, &ec2.DescribeSecurityGroupReferencesInput{GroupId: []string{web}})
	if err != nil || len(refs.SecurityGroupReferenceSet) != 1 || aws.ToString(refs.SecurityGroupReferenceSet[0].ReferencingVpcId) != b ||
		aws.ToString(refs.SecurityGroupReferenceSet[0].VpcPeeringConnectionId) != pcx {
		t.Fatalf("references to web: %+v %v", refs, err)
	}
	_, err = c.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: &web})
	if got := apiCode(t, err); got != "DependencyViolation" {
		t.Errorf("delete referenced web group: %s", got)
	}
	stale, err := c.DescribeStaleSecurityGroups(ctx, &ec2.DescribeStaleSecurityGroupsInput{VpcId: &b})
	if err != nil || len(stale.StaleSecurityGroupSet) != 0 {
		t.Fatalf("stale while active: %+v %v", stale, err)
	}

	// Deleting the connection leaves the database group's rule stale.
	if _, err := c.DeleteVpcPeeringConnection(ctx, &ec2.DeleteVpcPeeringConnectionInput{VpcPeeringConnectionId: &pcx}); err != nil {
		t.Fatal(err)
	}
	stale, err = c.DescribeStaleSecurityGroups(ctx, &ec2.DescribeStaleSecurityGroupsInput{VpcId: &b})
	if err != nil || len(stale.StaleSecurityGroupSet) != 1 {
		t.Fatalf("stale after peering deleted: %+v %v", stale, err)
	}
	sg := stale.StaleSecurityGroupSet[0]
	if aws.ToString(sg.GroupId) != db || aws.ToString(sg.GroupName) != "db" || len(sg.StaleIpPermissions) != 1 || len(sg.StaleIpPermissionsEgress) != 0 {
		t.Fatalf("stale group: %+v", sg)
	}
	perm := sg.StaleIpPermissions[0]
	if aws.ToString(perm.IpProtocol) != "tcp" || aws.ToInt32(perm.FromPort) != 3306 || len(perm.UserIdGroupPairs) != 1 {
		t.Fatalf("stale permission: %+v", perm)
	}
	if p := perm.UserIdGroupPairs[0]; aws.ToString(p.GroupId) != web || aws.ToString(p.VpcPeeringConnectionId) != pcx || aws.ToString(p.PeeringStatus) != "deleted" {
		t.Errorf("stale pair: %+v", p)
	}

	// Revoking the stale rule frees the web group.
	if _, err := c.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: &db, IpPermissions: mysqlFromWeb.IpPermissions}); err != nil {
		t.Fatalf("revoke stale rule: %v", err)
	}
	if _, err := c.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: &web}); err != nil {
		t.Errorf("delete web once unreferenced: %v", err)
	}
}
