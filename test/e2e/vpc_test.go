package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
)

// ec2Refusal checks an EC2 error's code and message.
func ec2Refusal(t *testing.T, what string, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("%s: want %s, got %v", what, code, err)
	}
	if ae.ErrorCode() != code || (msg != "" && ae.ErrorMessage() != msg) {
		t.Fatalf("%s: got %s %q, want %s %q", what, ae.ErrorCode(), ae.ErrorMessage(), code, msg)
	}
}

func ec2Filter(name string, values ...string) types.Filter {
	return types.Filter{Name: aws.String(name), Values: values}
}

func TestVPCDefaultsAndRefusals(t *testing.T) {
	s := StartServer(t)
	ctx := context.Background()
	c := ec2.NewFromConfig(s.DefaultConfig())

	// The default VPC and one default subnet per zone are there.
	v, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []types.Filter{ec2Filter("is-default", "true")}})
	if err != nil || len(v.Vpcs) != 1 || aws.ToString(v.Vpcs[0].CidrBlock) != "172.31.0.0/16" {
		t.Fatalf("default vpc: %+v %v", v, err)
	}
	defaultVPC := aws.ToString(v.Vpcs[0].VpcId)
	sn, err := c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []types.Filter{ec2Filter("default-for-az", "true")}})
	if err != nil || len(sn.Subnets) != 6 {
		t.Fatalf("default subnets: %d %v", len(sn.Subnets), err)
	}
	for _, x := range sn.Subnets {
		if !aws.ToBool(x.MapPublicIpOnLaunch) || aws.ToInt32(x.AvailableIpAddressCount) != 4091 || !strings.HasSuffix(aws.ToString(x.CidrBlock), "/20") {
			t.Errorf("default subnet %+v", x)
		}
	}
	az, err := c.DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{})
	if err != nil || len(az.AvailabilityZones) != 6 || aws.ToString(az.AvailabilityZones[0].ZoneId) == "" {
		t.Fatalf("zones: %+v %v", az, err)
	}
	reg, err := c.DescribeRegions(ctx, &ec2.DescribeRegionsInput{RegionNames: []string{"eu-west-1"}})
	if err != nil || len(reg.Regions) != 1 || aws.ToString(reg.Regions[0].Endpoint) != "ec2.eu-west-1.amazonaws.com" {
		t.Fatalf("regions: %+v %v", reg, err)
	}
	attrs, err := c.DescribeAccountAttributes(ctx, &ec2.DescribeAccountAttributesInput{})
	if err != nil || len(attrs.AccountAttributes) != 6 {
		t.Fatalf("account attributes: %+v %v", attrs, err)
	}

	// A VPC with two subnets in two zones.
	cv, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16"),
		TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeVpc, Tags: []types.Tag{{Key: aws.String("Name"), Value: aws.String("app")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	vpc := aws.ToString(cv.Vpc.VpcId)
	var subnetIDs []string
	for i, zone := range []string{"us-east-1a", "us-east-1b"} {
		out, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: &vpc, CidrBlock: aws.String(fmt.Sprintf("10.0.%d.0/24", i)), AvailabilityZone: aws.String(zone)})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToInt32(out.Subnet.AvailableIpAddressCount) != 251 {
			t.Errorf("available addresses %d", aws.ToInt32(out.Subnet.AvailableIpAddressCount))
		}
		subnetIDs = append(subnetIDs, aws.ToString(out.Subnet.SubnetId))
	}
	got, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []types.Filter{ec2Filter("tag:Name", "ap*")}})
	if err != nil || len(got.Vpcs) != 1 || aws.ToString(got.Vpcs[0].VpcId) != vpc {
		t.Fatalf("tag filter: %+v %v", got, err)
	}

	// Every refusal, as AWS words it.
	_, err = c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/12")})
	ec2Refusal(t, "vpc range", err, "InvalidVpc.Range", "The CIDR '10.0.0.0/12' is invalid.")
	_, err = c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: &vpc, CidrBlock: aws.String("10.1.0.0/24")})
	ec2Refusal(t, "subnet range", err, "InvalidSubnet.Range", "The CIDR '10.1.0.0/24' is invalid.")
	_, err = c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: &vpc, CidrBlock: aws.String("10.0.0.0/23")})
	ec2Refusal(t, "subnet conflict", err, "InvalidSubnet.Conflict", "The CIDR '10.0.0.0/23' conflicts with another subnet")
	_, err = c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: &vpc})
	ec2Refusal(t, "dependency", err, "DependencyViolation", "The vpc '"+vpc+"' has dependencies and cannot be deleted.")
	_, err = c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{"vpc-0123456789abcdef0"}})
	ec2Refusal(t, "not found", err, "InvalidVpcID.NotFound", "The vpc ID 'vpc-0123456789abcdef0' does not exist")
	_, err = c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{"subnet-nope"}})
	ec2Refusal(t, "malformed", err, "InvalidSubnetID.Malformed", `Invalid id: "subnet-nope" (expecting "subnet-...")`)
	_, err = c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []types.Filter{ec2Filter("colour", "red")}})
	ec2Refusal(t, "filter", err, "InvalidParameterValue", "The filter 'colour' is invalid")
	_, err = c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.5.0.0/16"), DryRun: aws.Bool(true)})
	ec2Refusal(t, "dry run as root", err, "DryRunOperation", "Request would have succeeded, but DryRun flag is set.")
	for i := 1; i <= 3; i++ { // the default VPC and this one make five
		if _, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String(fmt.Sprintf("10.%d.0.0/16", 10+i))}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.20.0.0/16")})
	ec2Refusal(t, "quota", err, "VpcLimitExceeded", "The maximum number of VPCs has been reached.")
	_, err = c.CreateDefaultVpc(ctx, &ec2.CreateDefaultVpcInput{})
	ec2Refusal(t, "default exists", err, "DefaultVpcAlreadyExists", "")

	// An IAM user without EC2 permissions is refused before the handler,
	// DryRun or not.
	nobody := ec2.NewFromConfig(newUser(t, s, "nobody", ""))
	_, err = nobody.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.5.0.0/16"), DryRun: aws.Bool(true)})
	ec2Refusal(t, "dry run as user", err, "UnauthorizedOperation", "")

	// Tear down in order: subnets, then the VPC.
	for _, id := range subnetIDs {
		if _, err := c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: aws.String(id)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: &vpc}); err != nil {
		t.Fatal(err)
	}

	// The default VPC survives a restart and is not recreated behind the
	// user's back.
	s.Restart()
	c = ec2.NewFromConfig(s.DefaultConfig())
	v, err = c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []types.Filter{ec2Filter("is-default", "true")}})
	if err != nil || len(v.Vpcs) != 1 || aws.ToString(v.Vpcs[0].VpcId) != defaultVPC {
		t.Fatalf("default vpc after restart: %+v %v", v, err)
	}
}

// TestVPCFiltersOnThousandSubnets fills a Region with 1,000 subnets: the
// default VPC's 4 plus 196 more, and 200 in each of 4 new VPCs (the
// default quotas allow exactly that), then checks filters and paging.
func TestVPCFiltersOnThousandSubnets(t *testing.T) {
	s := StartServer(t)
	ctx := context.Background()
	cfg := s.DefaultConfig()
	cfg.Region = "us-west-2"
	c := ec2.NewFromConfig(cfg)
	v, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
	if err != nil || len(v.Vpcs) != 1 {
		t.Fatalf("default vpc: %v", err)
	}
	type job struct{ vpc, cidr, zone string }
	var jobs []job
	zones := []string{"us-west-2a", "us-west-2b", "us-west-2c", "us-west-2d"}
	// Default VPC: /26s from 172.31.64.0 on, past the four default /20s.
	for i := range 196 {
		jobs = append(jobs, job{aws.ToString(v.Vpcs[0].VpcId), fmt.Sprintf("172.31.%d.%d/26", 64+i/4, (i%4)*64), zones[i%4]})
	}
	var vpcIDs []string
	for n := range 4 {
		out, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String(fmt.Sprintf("10.%d.0.0/16", n))})
		if err != nil {
			t.Fatal(err)
		}
		id := aws.ToString(out.Vpc.VpcId)
		vpcIDs = append(vpcIDs, id)
		for i := range 200 {
			jobs = append(jobs, job{id, fmt.Sprintf("10.%d.%d.%d/26", n, i/4, (i%4)*64), zones[i%4]})
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(jobs))
	work := make(chan job)
	for range 8 {
		wg.Go(func() {
			for j := range work {
				_, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: &j.vpc, CidrBlock: &j.cidr, AvailabilityZone: &j.zone,
					TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeSubnet, Tags: []types.Tag{{Key: aws.String("cidr"), Value: &j.cidr}}}}})
				if err != nil {
					errs <- fmt.Errorf("%s: %w", j.cidr, err)
				}
			}
		})
	}
	for _, j := range jobs {
		work <- j
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	// A 201st subnet in a full VPC is refused.
	_, err = c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: &vpcIDs[0], CidrBlock: aws.String("10.0.200.0/24")})
	ec2Refusal(t, "subnet quota", err, "SubnetLimitExceeded", "")

	count := func(filters ...types.Filter) int {
		t.Helper()
		n := 0
		p := ec2.NewDescribeSubnetsPaginator(c, &ec2.DescribeSubnetsInput{Filters: filters, MaxResults: aws.Int32(1000)})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			n += len(out.Subnets)
		}
		return n
	}
	tests := []struct {
		name    string
		filters []types.Filter
		want    int
	}{
		{"all", nil, 1000},
		{"vpc-id", []types.Filter{ec2Filter("vpc-id", vpcIDs[1])}, 200},
		{"vpc-id OR", []types.Filter{ec2Filter("vpc-id", vpcIDs[1], vpcIDs[2])}, 400},
		{"zone AND vpc", []types.Filter{ec2Filter("vpc-id", vpcIDs[0]), ec2Filter("availability-zone", "us-west-2a")}, 50},
		{"cidr wildcard", []types.Filter{ec2Filter("cidr-block", "10.3.*")}, 200},
		{"tag wildcard", []types.Filter{ec2Filter("tag:cidr", "10.?.0.*")}, 16},
		{"tag-key", []types.Filter{ec2Filter("tag-key", "cidr")}, 996},
		{"default-for-az", []types.Filter{ec2Filter("default-for-az", "true")}, 4},
		{"address count", []types.Filter{ec2Filter("available-ip-address-count", "59")}, 996},
		{"zone id", []types.Filter{ec2Filter("availability-zone-id", "usw2-az1")}, 250},
	}
	for _, tc := range tests {
		if got := count(tc.filters...); got != tc.want {
			t.Errorf("%s: %d subnets, want %d", tc.name, got, tc.want)
		}
	}
	// Paging at the minimum page size visits every subnet once.
	seen := map[string]bool{}
	p := ec2.NewDescribeSubnetsPaginator(c, &ec2.DescribeSubnetsInput{Filters: []types.Filter{ec2Filter("vpc-id", vpcIDs[3])}, MaxResults: aws.Int32(5)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range out.Subnets {
			seen[aws.ToString(x.SubnetId)] = true
		}
	}
	if len(seen) != 200 {
		t.Errorf("paged %d distinct subnets, want 200", len(seen))
	}
}

func TestVPCWithCLIv2(t *testing.T) {
	cli := need(t, "/usr/bin/aws")
	s := StartServer(t)
	ctx := context.Background()
	aws2 := func(args ...string) (string, string, error) {
		return s.Run(ctx, nil, cli, append([]string{"--endpoint-url", s.URL, "--output", "json"}, args...)...)
	}
	out, errOut, err := aws2("ec2", "create-vpc", "--cidr-block", "10.1.0.0/16", "--tag-specifications", "ResourceType=vpc,Tags=[{Key=Name,Value=cli}]")
	if err != nil {
		t.Fatalf("create-vpc: %v %s", err, errOut)
	}
	var created struct{ Vpc struct{ VpcId string } }
	if json.Unmarshal([]byte(out), &created) != nil || created.Vpc.VpcId == "" {
		t.Fatalf("create-vpc output: %s", out)
	}
	if _, errOut, err := aws2("ec2", "create-subnet", "--vpc-id", created.Vpc.VpcId, "--cidr-block", "10.1.1.0/24", "--availability-zone-id", "use1-az2"); err != nil {
		t.Fatalf("create-subnet: %v %s", err, errOut)
	}
	out, _, err = aws2("ec2", "describe-vpcs", "--filters", "Name=tag:Name,Values=cli", "Name=cidr,Values=10.1.*")
	if err != nil {
		t.Fatal(err)
	}
	contains(t, out, created.Vpc.VpcId)
	out, _, err = aws2("ec2", "describe-subnets", "--filters", "Name=vpc-id,Values="+created.Vpc.VpcId, "--query", "Subnets[0].[AvailabilityZoneId,AvailableIpAddressCount]")
	if err != nil {
		t.Fatal(err)
	}
	contains(t, out, "use1-az2")
	contains(t, out, "251")
	_, errOut, err = aws2("ec2", "create-subnet", "--vpc-id", created.Vpc.VpcId, "--cidr-block", "10.1.1.0/25")
	if err == nil {
		t.Fatal("conflicting subnet accepted")
	}
	contains(t, errOut, "InvalidSubnet.Conflict")
	_, errOut, err = aws2("ec2", "delete-vpc", "--vpc-id", created.Vpc.VpcId, "--dry-run")
	if err == nil {
		t.Fatal("dry run succeeded")
	}
	contains(t, errOut, "DryRunOperation")
	_, errOut, err = aws2("ec2", "delete-vpc", "--vpc-id", created.Vpc.VpcId)
	if err == nil {
		t.Fatal("delete with subnets succeeded")
	}
	contains(t, errOut, "DependencyViolation")
	out, _, err = aws2("ec2", "describe-availability-zones", "--query", "AvailabilityZones[].ZoneName")
	if err != nil {
		t.Fatal(err)
	}
	contains(t, out, "us-east-1f")
}
