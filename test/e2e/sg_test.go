package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

func tcpFrom(port int32, cidr string) types.IpPermission {
	return types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(port), ToPort: aws.Int32(port),
		IpRanges: []types.IpRange{{CidrIp: aws.String(cidr)}}}
}

// TestSecurityGroupsSDK builds SCENARIOS section 2's tiers with
// aws-sdk-go-v2: a web group open on 80/443 and a database group open on
// 3306 to the web group only, provokes every refusal, and tears it down in
// the order AWS requires.
func TestSecurityGroupsSDK(t *testing.T) {
	s := StartServer(t)
	ctx := context.Background()
	c := ec2.NewFromConfig(s.DefaultConfig())

	cv, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	vpc := aws.ToString(cv.Vpc.VpcId)
	group := func(name, desc string) string {
		t.Helper()
		out, err := c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String(name), Description: aws.String(desc), VpcId: &vpc,
			TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeSecurityGroup, Tags: []types.Tag{{Key: aws.String("tier"), Value: aws.String(name)}}}}})
		if err != nil {
			t.Fatalf("CreateSecurityGroup %s: %v", name, err)
		}
		if !strings.HasPrefix(aws.ToString(out.SecurityGroupArn), "arn:aws:ec2:us-east-1:000000000000:security-group/sg-") {
			t.Errorf("arn %s", aws.ToString(out.SecurityGroupArn))
		}
		return aws.ToString(out.GroupId)
	}
	web, db := group("web", "web tier"), group("db", "database tier")

	auth, err := c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: &web,
		IpPermissions: []types.IpPermission{tcpFrom(80, "0.0.0.0/0"), tcpFrom(443, "0.0.0.0/0")}})
	if err != nil || len(auth.SecurityGroupRules) != 2 || !strings.HasPrefix(aws.ToString(auth.SecurityGroupRules[0].SecurityGroupRuleId), "sgr-") {
		t.Fatalf("authorize web: %+v %v", auth, err)
	}
	_, err = c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: &db, IpPermissions: []types.IpPermission{{
		IpProtocol: aws.String("tcp"), FromPort: aws.Int32(3306), ToPort: aws.Int32(3306),
		UserIdGroupPairs: []types.UserIdGroupPair{{GroupId: &web, Description: aws.String("MySQL from the web tier")}}}}})
	if err != nil {
		t.Fatal(err)
	}

	// The database group, found by the group its rule references.
	got, err := c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []types.Filter{ec2Filter("vpc-id", vpc), ec2Filter("ip-permission.group-id", web)}})
	if err != nil || len(got.SecurityGroups) != 1 || aws.ToString(got.SecurityGroups[0].GroupId) != db {
		t.Fatalf("filter by referenced group: %+v %v", got, err)
	}
	g := got.SecurityGroups[0]
	if p := g.IpPermissions; len(p) != 1 || aws.ToInt32(p[0].FromPort) != 3306 || aws.ToString(p[0].UserIdGroupPairs[0].GroupId) != web {
		t.Errorf("db ingress %+v", p)
	}
	if p := g.IpPermissionsEgress; len(p) != 1 || aws.ToString(p[0].IpProtocol) != "-1" || aws.ToString(p[0].IpRanges[0].CidrIp) != "0.0.0.0/0" {
		t.Errorf("db default egress %+v", p)
	}
	def, err := c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []types.Filter{ec2Filter("vpc-id", vpc), ec2Filter("group-name", "default")}})
	if err != nil || len(def.SecurityGroups) != 1 {
		t.Fatalf("default group: %+v %v", def, err)
	}
	defaultSG := aws.ToString(def.SecurityGroups[0].GroupId)
	if p := def.SecurityGroups[0].IpPermissions; len(p) != 1 || aws.ToString(p[0].UserIdGroupPairs[0].GroupId) != defaultSG {
		t.Errorf("default group's self rule %+v", p)
	}
	rules, err := c.DescribeSecurityGroupRules(ctx, &ec2.DescribeSecurityGroupRulesInput{Filters: []types.Filter{ec2Filter("group-id", web)}})
	if err != nil || len(rules.SecurityGroupRules) != 3 {
		t.Fatalf("web rules: %+v %v", rules, err)
	}

	// Every refusal, as AWS words it.
	_, err = c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: &web, IpPermissions: []types.IpPermission{tcpFrom(443, "0.0.0.0/0")}})
	ec2Refusal(t, "duplicate rule", err, "InvalidPermission.Duplicate", `the specified rule "peer: 0.0.0.0/0, TCP, from port: 443, to port: 443, ALLOW" already exists`)
	_, err = c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: &web, IpPermissions: []types.IpPermission{tcpFrom(22, "10.0.0.0/33")}})
	ec2Refusal(t, "bad cidr", err, "InvalidParameterValue", "CIDR block 10.0.0.0/33 is malformed")
	_, err = c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: &web, IpPermissions: []types.IpPermission{{
		IpProtocol: aws.String("all"), IpRanges: []types.IpRange{{CidrIp: aws.String("10.0.0.0/8")}}}}})
	ec2Refusal(t, "bad protocol", err, "InvalidParameterValue", "Invalid value 'all' for IP protocol. Unknown protocol.")
	_, err = c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: &web, IpPermissions: []types.IpPermission{{
		IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), IpRanges: []types.IpRange{{CidrIp: aws.String("10.0.0.0/8")}}}}})
	ec2Refusal(t, "half a port range", err, "InvalidParameterValue", "Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange.")
	_, err = c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("web"), Description: aws.String("again"), VpcId: &vpc})
	ec2Refusal(t, "duplicate group", err, "InvalidGroup.Duplicate", "The security group 'web' already exists for VPC '"+vpc+"'")
	_, err = c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("default"), Description: aws.String("x"), VpcId: &vpc})
	ec2Refusal(t, "reserved name", err, "InvalidParameterValue", "Cannot use reserved security group name: default")
	_, err = c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("sg-web"), Description: aws.String("x"), VpcId: &vpc})
	ec2Refusal(t, "sg- name", err, "InvalidParameterValue", "Value (sg-web) for parameter GroupName is invalid. Group names may not be in the format sg-*.")
	_, err = c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("x"), Description: aws.String("it's mine"), VpcId: &vpc})
	ec2Refusal(t, "description", err, "InvalidParameterValue", "Invalid security group description. Valid descriptions are strings less than 256 characters from the following set:  a-zA-Z0-9. _-:/()#,@[]+=&;{}!$*")
	_, err = c.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: &defaultSG})
	ec2Refusal(t, "default group", err, "CannotDelete", `the specified group: "`+defaultSG+`" name: "default" cannot be deleted by a user`)
	_, err = c.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: &web})
	ec2Refusal(t, "referenced group", err, "DependencyViolation", "resource "+web+" has a dependent object")
	_, err = c.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: &web, IpPermissions: []types.IpPermission{tcpFrom(8080, "0.0.0.0/0")}})
	ec2Refusal(t, "revoke missing", err, "InvalidPermission.NotFound", "The specified rule does not exist in this security group.")
	_, err = c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{"sg-0123456789abcdef0"}})
	ec2Refusal(t, "unknown group", err, "InvalidGroup.NotFound", "The security group 'sg-0123456789abcdef0' does not exist")
	_, err = c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: &vpc})
	ec2Refusal(t, "vpc with groups", err, "DependencyViolation", "The vpc '"+vpc+"' has dependencies and cannot be deleted.")

	// Tear down: the reference first, then the groups, then the VPC.
	rv, err := c.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: &db, IpPermissions: []types.IpPermission{{
		IpProtocol: aws.String("tcp"), FromPort: aws.Int32(3306), ToPort: aws.Int32(3306), UserIdGroupPairs: []types.UserIdGroupPair{{GroupId: &web}}}}})
	if err != nil || len(rv.RevokedSecurityGroupRules) != 1 {
		t.Fatalf("revoke: %+v %v", rv, err)
	}
	for _, id := range []string{web, db} {
		if _, err := c.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(id)}); err != nil {
			t.Fatalf("delete %s: %v", id, err)
		}
	}
	if _, err := c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: &vpc}); err != nil {
		t.Fatal(err)
	}
}

// TestNetworkACLsCLI drives network ACLs and security groups with the aws
// CLI v2 (given --endpoint-url: the installed 2.9 predates
// AWS_ENDPOINT_URL): numbered rules with an explicit deny and the ephemeral ports,
// moving a subnet to the ACL and back, and the refusals on the way.
func TestNetworkACLsCLI(t *testing.T) {
	cli := need(t, "/usr/bin/aws")
	s := StartServer(t)
	ctx := context.Background()
	run := func(args ...string) map[string]any {
		t.Helper()
		out, stderr, err := s.Run(ctx, nil, cli, append([]string{"--endpoint-url", s.URL, "ec2", "--output", "json"}, args...)...)
		if err != nil {
			t.Fatalf("aws ec2 %v: %v\n%s", args, err, stderr)
		}
		var m map[string]any
		if strings.TrimSpace(out) != "" {
			if err := json.Unmarshal([]byte(out), &m); err != nil {
				t.Fatalf("aws ec2 %v: %v\n%s", args, err, out)
			}
		}
		return m
	}
	refused := func(code string, args ...string) {
		t.Helper()
		_, stderr, err := s.Run(ctx, nil, cli, append([]string{"--endpoint-url", s.URL, "ec2"}, args...)...)
		if err == nil || !strings.Contains(stderr, "("+code+")") {
			t.Fatalf("aws ec2 %v: want %s, got %v\n%s", args, code, err, stderr)
		}
	}
	str := func(m map[string]any, path ...string) string {
		var v any = m
		for _, p := range path {
			switch x := v.(type) {
			case map[string]any:
				v = x[p]
			case []any:
				if len(x) == 0 {
					return ""
				}
				v = x[0]
			}
		}
		s, _ := v.(string)
		return s
	}

	vpc := str(run("create-vpc", "--cidr-block", "10.1.0.0/16"), "Vpc", "VpcId")
	subnet := str(run("create-subnet", "--vpc-id", vpc, "--cidr-block", "10.1.0.0/24"), "Subnet", "SubnetId")

	// Security groups from the CLI, with the shorthand port/cidr form.
	sg := str(run("create-security-group", "--group-name", "bastion", "--description", "SSH from the office", "--vpc-id", vpc), "GroupId")
	run("authorize-security-group-ingress", "--group-id", sg, "--protocol", "tcp", "--port", "22", "--cidr", "198.51.100.0/24")
	refused("InvalidPermission.Duplicate", "authorize-security-group-ingress", "--group-id", sg, "--protocol", "tcp", "--port", "22", "--cidr", "198.51.100.0/24")
	d := run("describe-security-groups", "--group-ids", sg)
	if str(d, "SecurityGroups", "0", "IpPermissions", "0", "IpRanges", "0", "CidrIp") != "198.51.100.0/24" {
		t.Errorf("describe-security-groups: %v", d)
	}

	// The default ACL holds the subnet until it moves.
	def := run("describe-network-acls", "--filters", "Name=vpc-id,Values="+vpc, "Name=default,Values=true")
	defACL := str(def, "NetworkAcls", "0", "NetworkAclId")
	assoc := str(def, "NetworkAcls", "0", "Associations", "0", "NetworkAclAssociationId")
	if !strings.HasPrefix(assoc, "aclassoc-") {
		t.Fatalf("default ACL: %v", def)
	}
	acl := str(run("create-network-acl", "--vpc-id", vpc), "NetworkAcl", "NetworkAclId")
	entry := func(n, proto, action, dir, cidr, ports string) {
		t.Helper()
		args := []string{"create-network-acl-entry", "--network-acl-id", acl, "--rule-number", n, "--protocol", proto, "--rule-action", action, dir, "--cidr-block", cidr}
		if ports != "" {
			args = append(args, "--port-range", ports)
		}
		run(args...)
	}
	entry("90", "-1", "deny", "--ingress", "203.0.113.0/24", "")
	entry("100", "tcp", "allow", "--ingress", "0.0.0.0/0", "From=22,To=22")
	entry("110", "tcp", "allow", "--ingress", "0.0.0.0/0", "From=1024,To=65535")
	entry("100", "-1", "allow", "--egress", "0.0.0.0/0", "")
	refused("NetworkAclEntryAlreadyExists", "create-network-acl-entry", "--network-acl-id", acl, "--rule-number", "100", "--protocol", "tcp",
		"--rule-action", "allow", "--ingress", "--cidr-block", "10.0.0.0/8", "--port-range", "From=80,To=80")
	refused("InvalidParameterValue", "create-network-acl-entry", "--network-acl-id", acl, "--rule-number", "32767", "--protocol", "-1",
		"--rule-action", "allow", "--ingress", "--cidr-block", "10.0.0.0/8")
	refused("InvalidNetworkAclEntry.NotFound", "replace-network-acl-entry", "--network-acl-id", acl, "--rule-number", "120", "--protocol", "-1",
		"--rule-action", "deny", "--ingress", "--cidr-block", "10.0.0.0/8")
	moved := str(run("replace-network-acl-association", "--association-id", assoc, "--network-acl-id", acl), "NewAssociationId")
	got := run("describe-network-acls", "--filters", "Name=association.subnet-id,Values="+subnet)
	if str(got, "NetworkAcls", "0", "NetworkAclId") != acl {
		t.Fatalf("subnet's ACL after the move: %v", got)
	}
	if n := len(got["NetworkAcls"].([]any)[0].(map[string]any)["Entries"].([]any)); n != 6 {
		t.Errorf("entries: %d, want 4 and the two * rules", n)
	}
	refused("DependencyViolation", "delete-network-acl", "--network-acl-id", acl)
	refused("InvalidParameterValue", "delete-network-acl", "--network-acl-id", defACL)
	refused("DependencyViolation", "delete-vpc", "--vpc-id", vpc)

	// Tear down in order.
	run("replace-network-acl-association", "--association-id", moved, "--network-acl-id", defACL)
	run("delete-network-acl", "--network-acl-id", acl)
	run("delete-security-group", "--group-id", sg)
	run("delete-subnet", "--subnet-id", subnet)
	run("delete-vpc", "--vpc-id", vpc)
}
