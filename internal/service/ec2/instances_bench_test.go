package ec2

import (
	"context"
	"fmt"
	"testing"

	ec2api "hakoniwa/internal/api/ec2"
)

// baselineVPCs times DescribeVpcs over 10 VPCs (another Region of s), the
// yardstick the instance benchmarks report against, as bench_test.go does.
func baselineVPCs(b *testing.B, s *Service) float64 {
	bctx := ctxIn("eu-west-1")
	for v := range 9 { // plus the default VPC
		mustVPC(b, s, bctx, fmt.Sprintf("10.%d.0.0/16", v))
	}
	var ns float64
	b.Run("baseline-DescribeVpcs-10", func(b *testing.B) {
		for b.Loop() {
			if out, err := s.DescribeVpcs(bctx, &ec2api.DescribeVpcsInput{}); err != nil || len(out.Vpcs) != 10 {
				b.Fatal(err)
			}
		}
		ns = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	})
	return ns
}

func benchQuotas() Quotas {
	q := DefaultQuotas()
	q.StandardVCPUs = 1 << 30
	q.VPCsPerRegion = 20
	return q
}

// BenchmarkRunInstances launches 100 instances into the default VPC, in
// one call (MaxCount=100) and in 100 calls, each time in a fresh account
// state, and reports both as a ratio to DescribeVpcs over 10 VPCs.
func BenchmarkRunInstances(b *testing.B) {
	base, _ := newTestService(b, benchQuotas())
	vpcNs := baselineVPCs(b, base)
	img := al2023(b)
	fresh := func(b *testing.B) (*Service, context.Context) {
		b.StopTimer()
		defer b.StartTimer()
		s, ctx := newTestService(b, benchQuotas())
		if _, err := s.DescribeVpcs(ctx, &ec2api.DescribeVpcsInput{}); err != nil { // the default VPC, made on first use
			b.Fatal(err)
		}
		return s, ctx
	}
	report := func(b *testing.B) {
		if vpcNs > 0 {
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/vpcNs, "x-DescribeVpcs-10")
		}
	}
	b.Run("one-call-MaxCount-100", func(b *testing.B) {
		for b.Loop() {
			s, ctx := fresh(b)
			out, err := s.RunInstances(ctx, &ec2api.RunInstancesInput{ImageId: &img, InstanceType: ptr("t3.micro"), MinCount: ptr(int64(100)), MaxCount: ptr(int64(100))})
			if err != nil || len(out.Instances) != 100 {
				b.Fatal(err)
			}
		}
		report(b)
	})
	b.Run("100-calls", func(b *testing.B) {
		for b.Loop() {
			s, ctx := fresh(b)
			for range 100 {
				if _, err := s.RunInstances(ctx, &ec2api.RunInstancesInput{ImageId: &img, InstanceType: ptr("t3.micro"), MinCount: ptr(int64(1)), MaxCount: ptr(int64(1))}); err != nil {
					b.Fatal(err)
				}
			}
		}
		report(b)
	})
}

// BenchmarkDescribeInstancesFiltered answers DescribeInstances with a
// filter over 5,000 instances (20 subnets × 250): one on an indexed name
// (instance-type, 100 matches) and one the records must be read for
// (tag:group, 100 matches), each as a ratio to DescribeVpcs over 10 VPCs.
func BenchmarkDescribeInstancesFiltered(b *testing.B) {
	s, ctx := newTestService(b, benchQuotas())
	vpcNs := baselineVPCs(b, s)
	img := al2023(b)
	vpc := mustVPC(b, s, ctx, "10.0.0.0/16")
	for i := range 20 {
		sn := mustSubnet(b, s, ctx, vpc, fmt.Sprintf("10.0.%d.0/24", i), "us-east-1a")
		for batch := range 5 { // 5 × 50 per subnet; two batches are t3.nano tagged group=odd
			typ, tags := "t3.micro", []ec2api.TagSpecification(nil)
			if batch == 0 && i%10 == 0 {
				typ = "t3.nano"
				tags = []ec2api.TagSpecification{{ResourceType: ptr("instance"), Tags: []ec2api.Tag{{Key: ptr("group"), Value: ptr("odd")}}}}
			}
			if _, err := s.RunInstances(ctx, &ec2api.RunInstancesInput{ImageId: &img, InstanceType: &typ, SubnetId: &sn, TagSpecifications: tags,
				MinCount: ptr(int64(50)), MaxCount: ptr(int64(50))}); err != nil {
				b.Fatal(err)
			}
		}
	}
	for _, c := range []struct{ name, filter, value string }{
		{"instance-type-of-5000", "instance-type", "t3.nano"},
		{"tag-of-5000", "tag:group", "odd"},
	} {
		in := &ec2api.DescribeInstancesInput{Filters: filters(c.filter, c.value)}
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				out, err := s.DescribeInstances(ctx, in)
				if err != nil || len(out.Reservations) != 2 || len(out.Reservations[0].Instances) != 50 {
					b.Fatal(err)
				}
			}
			if vpcNs > 0 {
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/vpcNs, "x-DescribeVpcs-10")
			}
		})
	}
}
