package ec2

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"hakoniwa/internal/clock"
	"hakoniwa/internal/ids"
	"hakoniwa/internal/store"

	ec2api "hakoniwa/internal/api/ec2"
)

// stackCalls is how many mutating calls one VPC stack takes to build and
// tear down (buildStack and teardown below); the baseline makes as many
// bare store writes.
const stackCalls = 19

// BenchmarkVPCStackChurn creates and deletes whole VPC stacks — VPC, two
// subnets, an attached internet gateway, a route table with a default
// route to it and a subnet association, a security group with one rule —
// through the Service methods, on the in-memory store and on the on-disk
// store (with its fsyncs). Each store also runs a baseline of stackCalls
// bare one-key transactions per iteration, so the figure to read is the
// ratio: what EC2's validation, indexes and dependency checks cost over
// the store's own commits. Run with -benchtime=1000x for 1,000 stacks.
func BenchmarkVPCStackChurn(b *testing.B) {
	stores := []struct {
		name string
		open func(b *testing.B) store.Store
	}{
		{"memory", func(*testing.B) store.Store { return store.OpenMemory() }},
		{"disk", func(b *testing.B) store.Store {
			st, err := store.Open(filepath.Join(b.TempDir(), "data.db"), store.Options{})
			if err != nil {
				b.Fatal(err)
			}
			return st
		}},
	}
	for _, sto := range stores {
		var baseNs float64
		b.Run(sto.name+"/baseline-store-writes", func(b *testing.B) {
			st := sto.open(b)
			defer st.Close()
			ctx := context.Background()
			bucket := store.Bucket{Account: testAccount, Region: "us-east-1", Service: "ec2", Kind: "bench"}
			val := []byte(`{"id":"vpc-0123456789abcdef0","state":"available"}`)
			for b.Loop() {
				for i := range stackCalls {
					key := string(rune('a' + i))
					if err := st.Update(ctx, func(tx store.Tx) error { return tx.Put(bucket, key, val) }); err != nil {
						b.Fatal(err)
					}
				}
			}
			baseNs = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
		})
		b.Run(sto.name+"/stacks", func(b *testing.B) {
			st := sto.open(b)
			defer st.Close()
			s := New(st, clock.NewManual(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)), ids.Seeded(1))
			ctx := ctxIn("us-east-1")
			// The first call builds the account's default VPC; keep it
			// out of the measurement.
			if _, err := s.DescribeVpcs(ctx, &ec2api.DescribeVpcsInput{}); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				stk := buildStack(b, s, ctx)
				teardown(b, s, ctx, stk)
			}
			ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			b.ReportMetric(1e9/ns, "stacks/s")
			if baseNs > 0 {
				b.ReportMetric(ns/baseNs, "x-baseline")
			}
		})
	}
}

type stack struct {
	vpc, igw, rtb, assoc, sg string
	subnets                  [2]string
}

func buildStack(b *testing.B, s *Service, ctx context.Context) stack {
	var stk stack
	check := func(err error) {
		if err != nil {
			b.Helper()
			b.Fatal(err)
		}
	}
	v, err := s.CreateVpc(ctx, &ec2api.CreateVpcInput{CidrBlock: ptr("10.0.0.0/16")})
	check(err)
	stk.vpc = *v.Vpc.VpcId
	for i, cidr := range []string{"10.0.0.0/24", "10.0.1.0/24"} {
		sn, err := s.CreateSubnet(ctx, &ec2api.CreateSubnetInput{VpcId: &stk.vpc, CidrBlock: ptr(cidr), AvailabilityZone: ptr([]string{"us-east-1a", "us-east-1b"}[i])})
		check(err)
		stk.subnets[i] = *sn.Subnet.SubnetId
	}
	g, err := s.CreateInternetGateway(ctx, &ec2api.CreateInternetGatewayInput{})
	check(err)
	stk.igw = *g.InternetGateway.InternetGatewayId
	_, err = s.AttachInternetGateway(ctx, &ec2api.AttachInternetGatewayInput{InternetGatewayId: &stk.igw, VpcId: &stk.vpc})
	check(err)
	rt, err := s.CreateRouteTable(ctx, &ec2api.CreateRouteTableInput{VpcId: &stk.vpc})
	check(err)
	stk.rtb = *rt.RouteTable.RouteTableId
	_, err = s.CreateRoute(ctx, &ec2api.CreateRouteInput{RouteTableId: &stk.rtb, DestinationCidrBlock: ptr("0.0.0.0/0"), GatewayId: &stk.igw})
	check(err)
	a, err := s.AssociateRouteTable(ctx, &ec2api.AssociateRouteTableInput{RouteTableId: &stk.rtb, SubnetId: &stk.subnets[0]})
	check(err)
	stk.assoc = *a.AssociationId
	sg, err := s.CreateSecurityGroup(ctx, &ec2api.CreateSecurityGroupInput{VpcId: &stk.vpc, GroupName: ptr("web"), Description: ptr("web tier")})
	check(err)
	stk.sg = *sg.GroupId
	_, err = s.AuthorizeSecurityGroupIngress(ctx, &ec2api.AuthorizeSecurityGroupIngressInput{GroupId: &stk.sg, IpPermissions: []ec2api.IpPermission{{
		IpProtocol: ptr("tcp"), FromPort: ptr(int64(443)), ToPort: ptr(int64(443)), IpRanges: []ec2api.IpRange{{CidrIp: ptr("0.0.0.0/0")}}}}})
	check(err)
	return stk
}

func teardown(b *testing.B, s *Service, ctx context.Context, stk stack) {
	for _, call := range []func() error{
		func() error {
			_, err := s.DeleteSecurityGroup(ctx, &ec2api.DeleteSecurityGroupInput{GroupId: &stk.sg})
			return err
		},
		func() error {
			_, err := s.DisassociateRouteTable(ctx, &ec2api.DisassociateRouteTableInput{AssociationId: &stk.assoc})
			return err
		},
		func() error {
			_, err := s.DeleteRouteTable(ctx, &ec2api.DeleteRouteTableInput{RouteTableId: &stk.rtb})
			return err
		},
		func() error {
			_, err := s.DetachInternetGateway(ctx, &ec2api.DetachInternetGatewayInput{InternetGatewayId: &stk.igw, VpcId: &stk.vpc})
			return err
		},
		func() error {
			_, err := s.DeleteInternetGateway(ctx, &ec2api.DeleteInternetGatewayInput{InternetGatewayId: &stk.igw})
			return err
		},
		func() error {
			_, err := s.DeleteSubnet(ctx, &ec2api.DeleteSubnetInput{SubnetId: &stk.subnets[0]})
			return err
		},
		func() error {
			_, err := s.DeleteSubnet(ctx, &ec2api.DeleteSubnetInput{SubnetId: &stk.subnets[1]})
			return err
		},
		func() error {
			_, err := s.DeleteVpc(ctx, &ec2api.DeleteVpcInput{VpcId: &stk.vpc})
			return err
		},
	} {
		if err := call(); err != nil {
			b.Fatal(err)
		}
	}
}
