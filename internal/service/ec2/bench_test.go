package ec2

import (
	"fmt"
	"testing"

	ec2api "hakoniwa/internal/api/ec2"
)

// BenchmarkDescribeSubnetsFiltered measures DescribeSubnets with a vpc-id
// filter over 10,000 subnets (50 VPCs × 200) and reports it as a ratio to
// DescribeVpcs over 10 VPCs measured in the same run: the vpc-id index
// keeps the filtered call proportional to its answer, not to the table.
func BenchmarkDescribeSubnetsFiltered(b *testing.B) {
	q := DefaultQuotas()
	q.VPCsPerRegion = 100
	s, ctx := newTestService(b, q)
	var target string
	for v := range 50 {
		vpc := mustVPC(b, s, ctx, fmt.Sprintf("10.%d.0.0/16", v))
		if v == 25 {
			target = vpc
		}
		for i := range 200 {
			mustSubnet(b, s, ctx, vpc, fmt.Sprintf("10.%d.%d.0/24", v, i), "us-east-1a")
		}
	}
	// Another Region of the same store holds the baseline's 10 VPCs.
	bctx := ctxIn("eu-west-1")
	for v := range 9 { // plus the default VPC
		mustVPC(b, s, bctx, fmt.Sprintf("10.%d.0.0/16", v))
	}
	subnetsIn := &ec2api.DescribeSubnetsInput{Filters: filters("vpc-id", target)}
	vpcsIn := &ec2api.DescribeVpcsInput{}
	var subnetNs, vpcNs float64
	b.Run("baseline-DescribeVpcs-10", func(b *testing.B) {
		for b.Loop() {
			if out, err := s.DescribeVpcs(bctx, vpcsIn); err != nil || len(out.Vpcs) != 10 {
				b.Fatal(len(out.Vpcs), err)
			}
		}
		vpcNs = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	})
	b.Run("DescribeSubnets-vpc-id-of-10000", func(b *testing.B) {
		for b.Loop() {
			if out, err := s.DescribeSubnets(ctx, subnetsIn); err != nil || len(out.Subnets) != 200 {
				b.Fatal(len(out.Subnets), err)
			}
		}
		subnetNs = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
		if vpcNs > 0 {
			b.ReportMetric(subnetNs/vpcNs, "x-DescribeVpcs-10")
		}
	})
}
