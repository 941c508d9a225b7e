package ec2

import (
	"slices"
	"strings"
	"testing"

	ec2api "hakoniwa/internal/api/ec2"
)

func TestLookupInstanceType(t *testing.T) {
	tests := []struct {
		name                  string
		vcpus, mem, enis, ips int
		arch, family          string
		burstable             bool
	}{
		{"t2.micro", 1, 1024, 2, 2, "x86_64", "t2", true},
		{"t3.micro", 2, 1024, 2, 2, "x86_64", "t3", true},
		{"t3a.small", 2, 2048, 2, 4, "x86_64", "t3a", true},
		{"t4g.large", 2, 8192, 3, 12, "arm64", "t4g", true},
		{"m5.large", 2, 8192, 3, 10, "x86_64", "m5", false},
		{"m6i.32xlarge", 128, 524288, 15, 50, "x86_64", "m6i", false},
		{"m7i.metal-48xl", 192, 786432, 15, 50, "x86_64", "m7i", false},
		{"m7g.medium", 1, 4096, 2, 4, "arm64", "m7g", false},
		{"c5.9xlarge", 36, 73728, 8, 30, "x86_64", "c5", false},
		{"c6i.large", 2, 4096, 3, 10, "x86_64", "c6i", false},
		{"c7g.16xlarge", 64, 131072, 15, 50, "arm64", "c7g", false},
		{"r5.xlarge", 4, 32768, 4, 15, "x86_64", "r5", false},
		{"r6i.metal", 128, 1048576, 15, 50, "x86_64", "r6i", false},
	}
	for _, tt := range tests {
		s, ok := lookupInstanceType(tt.name)
		if !ok {
			t.Errorf("%s: not in the catalogue", tt.name)
			continue
		}
		if s.VCPUs != tt.vcpus || s.MemoryMiB != tt.mem || s.MaxENIs != tt.enis || s.IPv4PerENI != tt.ips ||
			!slices.Equal(s.Archs, []string{tt.arch}) || s.Family != tt.family || s.Burstable != tt.burstable {
			t.Errorf("%s = %+v", tt.name, s)
		}
		if s.Cores*s.ThreadsPerCore != s.VCPUs {
			t.Errorf("%s: %d cores × %d threads ≠ %d vCPUs", tt.name, s.Cores, s.ThreadsPerCore, s.VCPUs)
		}
	}
	for _, bad := range []string{"", "t3", "t3.huge", "T3.MICRO", "p5.48xlarge"} {
		if _, ok := lookupInstanceType(bad); ok {
			t.Errorf("%q found", bad)
		}
	}
	if s, _ := lookupInstanceType("t2.micro"); s.Credits == nil || s.Credits.PerHour != 6 || s.Credits.LaunchCredits != 30 {
		t.Errorf("t2.micro credits = %+v", s.Credits)
	}
	if s, _ := lookupInstanceType("m5.metal"); s.Hypervisor != "" || !s.BareMetal {
		t.Errorf("m5.metal = %+v", s)
	}
	if !slices.IsSortedFunc(instanceTypes(), func(a, b instanceTypeSpec) int { return strings.Compare(a.Name, b.Name) }) {
		t.Error("catalogue not sorted")
	}
}

func TestVcpuQuotaClass(t *testing.T) {
	for name, want := range map[string]string{
		"t3.micro": "standard", "m7i.large": "standard", "c7g.medium": "standard", "r6i.xlarge": "standard",
		"a1.large": "standard", "d3.xlarge": "standard", "h1.2xlarge": "standard", "i4i.large": "standard",
		"z1d.large": "standard", "hpc7g.16xlarge": "hpc", "g5.xlarge": "g", "vt1.3xlarge": "g",
		"p4d.24xlarge": "p", "f1.2xlarge": "f", "x2idn.16xlarge": "x", "inf2.xlarge": "inf",
		"dl1.24xlarge": "dl", "trn1.2xlarge": "trn", "u-6tb1.metal": "high-memory",
		"u7i-12tb.224xlarge": "high-memory", "mac1.metal": "", "": "",
	} {
		if got := vcpuQuotaClass(name); got != want {
			t.Errorf("vcpuQuotaClass(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestDescribeInstanceTypes(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	names := func(out *ec2api.DescribeInstanceTypesOutput) []string {
		var n []string
		for _, it := range out.InstanceTypes {
			n = append(n, *it.InstanceType)
		}
		return n
	}
	tests := []struct {
		name string
		in   ec2api.DescribeInstanceTypesInput
		want []string
		code string
	}{
		{"by name", ec2api.DescribeInstanceTypesInput{InstanceTypes: []string{"t3.micro", "t2.micro"}}, []string{"t2.micro", "t3.micro"}, ""},
		{"unknown names together", ec2api.DescribeInstanceTypesInput{InstanceTypes: []string{"t3.micro", "t3.mega", "x9.large"}}, nil, "InvalidInstanceType"},
		{"wildcard and architecture", ec2api.DescribeInstanceTypesInput{Filters: filters("instance-type", "c7g.*", "vcpu-info.default-vcpus", "1")}, []string{"c7g.medium"}, ""},
		{"free tier", ec2api.DescribeInstanceTypesInput{Filters: filters("free-tier-eligible", "true")}, []string{"t2.micro", "t3.micro"}, ""},
		{"arm64 burstables", ec2api.DescribeInstanceTypesInput{Filters: filters("processor-info.supported-architecture", "arm64", "burstable-performance-supported", "true", "memory-info.size-in-mib", "512")}, []string{"t4g.nano"}, ""},
		{"xen", ec2api.DescribeInstanceTypesInput{Filters: filters("hypervisor", "xen", "vcpu-info.default-vcpus", "8")}, []string{"t2.2xlarge"}, ""},
		{"unknown filter", ec2api.DescribeInstanceTypesInput{Filters: filters("color", "red")}, nil, "InvalidParameterValue"},
		{"MaxResults too small", ec2api.DescribeInstanceTypesInput{MaxResults: ptr(int64(4))}, nil, "InvalidParameterValue"},
		{"MaxResults too large", ec2api.DescribeInstanceTypesInput{MaxResults: ptr(int64(101))}, nil, "InvalidParameterValue"},
		{"dry run", ec2api.DescribeInstanceTypesInput{DryRun: ptr(true)}, nil, "DryRunOperation"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := s.DescribeInstanceTypes(ctx, &tt.in)
			if code(err) != tt.code {
				t.Fatalf("err = %v, want %s", err, tt.code)
			}
			if err == nil && !slices.Equal(names(out), tt.want) {
				t.Errorf("got %v, want %v", names(out), tt.want)
			}
		})
	}
	_, err := s.DescribeInstanceTypes(ctx, &ec2api.DescribeInstanceTypesInput{InstanceTypes: []string{"t3.mega", "x9.large"}})
	if want := "The following supplied instance types do not exist: [t3.mega, x9.large]"; message(err) != want {
		t.Errorf("message = %q", message(err))
	}

	// Paging visits every type once, in name order.
	var all []string
	in := &ec2api.DescribeInstanceTypesInput{MaxResults: ptr(int64(7))}
	for {
		out, err := s.DescribeInstanceTypes(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, names(out)...)
		if out.NextToken == nil {
			break
		}
		in.NextToken = out.NextToken
	}
	if len(all) != len(instanceTypes()) || !slices.IsSorted(all) {
		t.Errorf("paged %d types, catalogue has %d", len(all), len(instanceTypes()))
	}

	out, _ := s.DescribeInstanceTypes(ctx, &ec2api.DescribeInstanceTypesInput{InstanceTypes: []string{"t3.micro"}})
	it := out.InstanceTypes[0]
	if *it.VCpuInfo.DefaultVCpus != 2 || *it.VCpuInfo.DefaultCores != 1 || *it.MemoryInfo.SizeInMiB != 1024 ||
		*it.NetworkInfo.MaximumNetworkInterfaces != 2 || *it.NetworkInfo.Ipv4AddressesPerInterface != 2 ||
		*it.Hypervisor != "nitro" || !*it.BurstablePerformanceSupported || *it.NetworkInfo.NetworkPerformance != "Up to 5 Gigabit" {
		t.Errorf("t3.micro = %+v", it)
	}
}

func TestDescribeInstanceTypeOfferings(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	count := func(in *ec2api.DescribeInstanceTypeOfferingsInput) ([]ec2api.InstanceTypeOffering, error) {
		var all []ec2api.InstanceTypeOffering
		for {
			out, err := s.DescribeInstanceTypeOfferings(ctx, in)
			if err != nil {
				return nil, err
			}
			all = append(all, out.InstanceTypeOfferings...)
			if out.NextToken == nil {
				return all, nil
			}
			in.NextToken = out.NextToken
		}
	}
	got, err := count(&ec2api.DescribeInstanceTypeOfferingsInput{})
	if err != nil || len(got) != len(instanceTypes()) || *got[0].Location != "us-east-1" || *got[0].LocationType != "region" {
		t.Fatalf("region offerings: %d, %v", len(got), err)
	}
	got, err = count(&ec2api.DescribeInstanceTypeOfferingsInput{LocationType: ptr("availability-zone"), MaxResults: ptr(int64(50)),
		Filters: filters("instance-type", "t3.micro")})
	if err != nil || len(got) != 6 {
		t.Fatalf("t3.micro in us-east-1's zones: %d, %v", len(got), err)
	}
	got, err = count(&ec2api.DescribeInstanceTypeOfferingsInput{LocationType: ptr("availability-zone-id"),
		Filters: filters("location", "use1-az1", "instance-type", "m7g.*")})
	if err != nil || len(got) != 9 || *got[0].Location != "use1-az1" {
		t.Fatalf("m7g in use1-az1: %d, %v", len(got), err)
	}
	if _, err := s.DescribeInstanceTypeOfferings(ctx, &ec2api.DescribeInstanceTypeOfferingsInput{Filters: filters("zone", "x")}); code(err) != "InvalidParameterValue" {
		t.Errorf("unknown filter: %v", err)
	}
}
