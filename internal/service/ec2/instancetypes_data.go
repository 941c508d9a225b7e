package ec2

import (
	"slices"
	"strings"
	"sync"
)

// The instance type catalogue: the common families, every size AWS sells
// in each, with the figures DescribeInstanceTypes reports for them.
//
// Sources: vCPUs and memory from the Amazon EC2 Instance Types guide
// (general purpose, compute optimized and memory optimized specifications);
// maximum network interfaces, IPv4 addresses per interface and hypervisor
// from DescribeInstanceTypes as published in the Amazon VPC CNI's generated
// limits table (pkg/vpc/vpc_ip_resource_limit.go); network performance
// strings as DescribeInstanceTypes spells them; CPU credit rates from the
// "Burstable performance instances" credit table of the EC2 user guide.

// instanceTypeSpec is one instance type. The instance work reads VCPUs
// (quotas), MemoryMiB, Archs (AMI compatibility), MaxENIs and IPv4PerENI
// (address limits) and Burstable (credit specification).
type instanceTypeSpec struct {
	Name           string // "t3.micro"
	Family         string // "t3"
	VCPUs          int
	Cores          int
	ThreadsPerCore int
	MemoryMiB      int
	Archs          []string // "x86_64", "arm64"
	Manufacturer   string   // "Intel", "AMD", "AWS"
	// Hypervisor is "nitro" or "xen"; "" for bare metal, which has none.
	Hypervisor   string
	BareMetal    bool
	NetworkPerf  string // "Up to 5 Gigabit"
	MaxENIs      int
	IPv4PerENI   int
	EnaSupport   string // "required" | "supported" | "unsupported"
	EbsOptimized string // "default" | "supported" | "unsupported"
	NvmeSupport  string // "required" | "unsupported"
	BootModes    []string
	Placement    []string // placement group strategies
	CurrentGen   bool
	FreeTier     bool
	Burstable    bool
	// Credits are the CPU credit figures of a burstable type; nil otherwise.
	Credits *cpuCredits
}

// cpuCredits are a burstable type's CPU credit rates.
type cpuCredits struct {
	PerHour float64 // credits earned per hour
	// BaselinePercent is the baseline utilization per vCPU.
	BaselinePercent float64
	// LaunchCredits are the credits a T2 Standard instance starts with;
	// T3 and later start with none.
	LaunchCredits int
}

// sizeRow is one size of a family: vCPUs, memory in GiB (fractions for
// the smallest burstables), network performance, network interfaces and
// IPv4 addresses per interface.
type sizeRow struct {
	size        string
	vcpus       int
	memGiB      float64
	net         string
	enis, ipv4s int
	credits     *cpuCredits
}

// familyRow is what the sizes of a family share.
type familyRow struct {
	family       string
	arch         string
	manufacturer string
	hypervisor   string
	// threads per core: 2 for Intel and AMD with hyper-threading, 1 for
	// Graviton and T2.
	threads   int
	burstable bool
	xen       bool // T2: Xen, no ENA requirement, no EBS optimization
	sizes     []sizeRow
}

func credits(perHour, baseline float64, launch int) *cpuCredits {
	return &cpuCredits{PerHour: perHour, BaselinePercent: baseline, LaunchCredits: launch}
}

// The T3, T3a and T4g credit table is the same for each size.
func t3Sizes(net string) []sizeRow {
	return []sizeRow{
		{"nano", 2, 0.5, net, 2, 2, credits(6, 5, 0)},
		{"micro", 2, 1, net, 2, 2, credits(12, 10, 0)},
		{"small", 2, 2, net, 3, 4, credits(24, 20, 0)},
		{"medium", 2, 4, net, 3, 6, credits(24, 20, 0)},
		{"large", 2, 8, net, 3, 12, credits(36, 30, 0)},
		{"xlarge", 4, 16, net, 4, 15, credits(96, 40, 0)},
		{"2xlarge", 8, 32, net, 4, 15, credits(192, 40, 0)},
	}
}

// Network performance of the sixth and seventh generation Intel types.
const (
	upTo125 = "Up to 12.5 Gigabit"
	upTo10  = "Up to 10 Gigabit"
)

var families = []familyRow{
	{family: "t2", arch: "x86_64", manufacturer: "Intel", hypervisor: "xen", threads: 1, burstable: true, xen: true, sizes: []sizeRow{
		{"nano", 1, 0.5, "Low", 2, 2, credits(3, 5, 30)},
		{"micro", 1, 1, "Low to Moderate", 2, 2, credits(6, 10, 30)},
		{"small", 1, 2, "Low to Moderate", 3, 4, credits(12, 20, 30)},
		{"medium", 2, 4, "Low to Moderate", 3, 6, credits(24, 20, 60)},
		{"large", 2, 8, "Low to Moderate", 3, 12, credits(36, 30, 60)},
		{"xlarge", 4, 16, "Moderate", 3, 15, credits(54, 22.5, 120)},
		{"2xlarge", 8, 32, "Moderate", 3, 15, credits(81.6, 17, 240)},
	}},
	{family: "t3", arch: "x86_64", manufacturer: "Intel", hypervisor: "nitro", threads: 2, burstable: true, sizes: t3Sizes("Up to 5 Gigabit")},
	{family: "t3a", arch: "x86_64", manufacturer: "AMD", hypervisor: "nitro", threads: 2, burstable: true, sizes: withENIs(t3Sizes("Up to 5 Gigabit"), "small", 2)},
	{family: "t4g", arch: "arm64", manufacturer: "AWS", hypervisor: "nitro", threads: 1, burstable: true, sizes: t3Sizes("Up to 5 Gigabit")},
	{family: "m5", arch: "x86_64", manufacturer: "Intel", hypervisor: "nitro", threads: 2, sizes: []sizeRow{
		{"large", 2, 8, upTo10, 3, 10, nil},
		{"xlarge", 4, 16, upTo10, 4, 15, nil},
		{"2xlarge", 8, 32, upTo10, 4, 15, nil},
		{"4xlarge", 16, 64, upTo10, 8, 30, nil},
		{"8xlarge", 32, 128, "10 Gigabit", 8, 30, nil},
		{"12xlarge", 48, 192, "10 Gigabit", 8, 30, nil},
		{"16xlarge", 64, 256, "20 Gigabit", 15, 50, nil},
		{"24xlarge", 96, 384, "25 Gigabit", 15, 50, nil},
		{"metal", 96, 384, "25 Gigabit", 15, 50, nil},
	}},
	{family: "m6i", arch: "x86_64", manufacturer: "Intel", hypervisor: "nitro", threads: 2, sizes: sixthGen(4)},
	{family: "m7i", arch: "x86_64", manufacturer: "Intel", hypervisor: "nitro", threads: 2, sizes: []sizeRow{
		{"large", 2, 8, upTo125, 3, 10, nil},
		{"xlarge", 4, 16, upTo125, 4, 15, nil},
		{"2xlarge", 8, 32, upTo125, 4, 15, nil},
		{"4xlarge", 16, 64, upTo125, 8, 30, nil},
		{"8xlarge", 32, 128, "12.5 Gigabit", 8, 30, nil},
		{"12xlarge", 48, 192, "18.75 Gigabit", 8, 30, nil},
		{"16xlarge", 64, 256, "25 Gigabit", 15, 50, nil},
		{"24xlarge", 96, 384, "37.5 Gigabit", 15, 50, nil},
		{"48xlarge", 192, 768, "50 Gigabit", 15, 50, nil},
		{"metal-24xl", 96, 384, "37.5 Gigabit", 15, 50, nil},
		{"metal-48xl", 192, 768, "50 Gigabit", 15, 50, nil},
	}},
	{family: "m7g", arch: "arm64", manufacturer: "AWS", hypervisor: "nitro", threads: 1, sizes: graviton3(4)},
	{family: "c5", arch: "x86_64", manufacturer: "Intel", hypervisor: "nitro", threads: 2, sizes: []sizeRow{
		{"large", 2, 4, upTo10, 3, 10, nil},
		{"xlarge", 4, 8, upTo10, 4, 15, nil},
		{"2xlarge", 8, 16, upTo10, 4, 15, nil},
		{"4xlarge", 16, 32, upTo10, 8, 30, nil},
		{"9xlarge", 36, 72, "10 Gigabit", 8, 30, nil},
		{"12xlarge", 48, 96, "12 Gigabit", 8, 30, nil},
		{"18xlarge", 72, 144, "25 Gigabit", 15, 50, nil},
		{"24xlarge", 96, 192, "25 Gigabit", 15, 50, nil},
		{"metal", 96, 192, "25 Gigabit", 15, 50, nil},
	}},
	{family: "c6i", arch: "x86_64", manufacturer: "Intel", hypervisor: "nitro", threads: 2, sizes: sixthGen(2)},
	{family: "c7g", arch: "arm64", manufacturer: "AWS", hypervisor: "nitro", threads: 1, sizes: graviton3(2)},
	{family: "r5", arch: "x86_64", manufacturer: "Intel", hypervisor: "nitro", threads: 2, sizes: []sizeRow{
		{"large", 2, 16, upTo10, 3, 10, nil},
		{"xlarge", 4, 32, upTo10, 4, 15, nil},
		{"2xlarge", 8, 64, upTo10, 4, 15, nil},
		{"4xlarge", 16, 128, upTo10, 8, 30, nil},
		{"8xlarge", 32, 256, "10 Gigabit", 8, 30, nil},
		{"12xlarge", 48, 384, "10 Gigabit", 8, 30, nil},
		{"16xlarge", 64, 512, "20 Gigabit", 15, 50, nil},
		{"24xlarge", 96, 768, "25 Gigabit", 15, 50, nil},
		{"metal", 96, 768, "25 Gigabit", 15, 50, nil},
	}},
	{family: "r6i", arch: "x86_64", manufacturer: "Intel", hypervisor: "nitro", threads: 2, sizes: sixthGen(8)},
}

// sixthGen are the sizes of M6i, C6i and R6i, which differ only in memory
// per vCPU.
func sixthGen(gibPerVCPU float64) []sizeRow {
	rows := []sizeRow{
		{"large", 2, 0, upTo125, 3, 10, nil},
		{"xlarge", 4, 0, upTo125, 4, 15, nil},
		{"2xlarge", 8, 0, upTo125, 4, 15, nil},
		{"4xlarge", 16, 0, upTo125, 8, 30, nil},
		{"8xlarge", 32, 0, "12.5 Gigabit", 8, 30, nil},
		{"12xlarge", 48, 0, "18.75 Gigabit", 8, 30, nil},
		{"16xlarge", 64, 0, "25 Gigabit", 15, 50, nil},
		{"24xlarge", 96, 0, "37.5 Gigabit", 15, 50, nil},
		{"32xlarge", 128, 0, "50 Gigabit", 15, 50, nil},
		{"metal", 128, 0, "50 Gigabit", 15, 50, nil},
	}
	return withMemory(rows, gibPerVCPU)
}

// graviton3 are the sizes of M7g and C7g.
func graviton3(gibPerVCPU float64) []sizeRow {
	rows := []sizeRow{
		{"medium", 1, 0, upTo125, 2, 4, nil},
		{"large", 2, 0, upTo125, 3, 10, nil},
		{"xlarge", 4, 0, upTo125, 4, 15, nil},
		{"2xlarge", 8, 0, upTo125, 4, 15, nil},
		{"4xlarge", 16, 0, upTo125, 8, 30, nil},
		{"8xlarge", 32, 0, "15 Gigabit", 8, 30, nil},
		{"12xlarge", 48, 0, "22.5 Gigabit", 8, 30, nil},
		{"16xlarge", 64, 0, "30 Gigabit", 15, 50, nil},
		{"metal", 64, 0, "30 Gigabit", 15, 50, nil},
	}
	return withMemory(rows, gibPerVCPU)
}

func withMemory(rows []sizeRow, gibPerVCPU float64) []sizeRow {
	for i := range rows {
		rows[i].memGiB = float64(rows[i].vcpus) * gibPerVCPU
	}
	return rows
}

// withENIs overrides one size's interface count (t3a.small has two where
// t3.small has three).
func withENIs(rows []sizeRow, size string, enis int) []sizeRow {
	for i := range rows {
		if rows[i].size == size {
			rows[i].enis = enis
		}
	}
	return rows
}

// instanceTypes is the catalogue in name order, built from the family
// tables on first use (not at start-up, which it would slow by a tenth)
// and never modified.
var instanceTypes = sync.OnceValue(buildInstanceTypes)

func buildInstanceTypes() []instanceTypeSpec {
	var out []instanceTypeSpec
	for _, f := range families {
		for _, sz := range f.sizes {
			metal := strings.HasPrefix(sz.size, "metal")
			s := instanceTypeSpec{
				Name: f.family + "." + sz.size, Family: f.family,
				VCPUs: sz.vcpus, ThreadsPerCore: f.threads, Cores: sz.vcpus / f.threads,
				MemoryMiB: int(sz.memGiB * 1024), Archs: []string{f.arch}, Manufacturer: f.manufacturer,
				Hypervisor: f.hypervisor, BareMetal: metal, NetworkPerf: sz.net,
				MaxENIs: sz.enis, IPv4PerENI: sz.ipv4s,
				EnaSupport: "required", EbsOptimized: "default", NvmeSupport: "required",
				Placement: []string{"cluster", "partition", "spread"}, CurrentGen: true,
				Burstable: f.burstable, Credits: sz.credits,
			}
			if metal {
				s.Hypervisor = ""
			}
			switch {
			case f.arch == "arm64":
				s.BootModes = []string{"uefi"}
			case f.xen:
				s.BootModes = []string{"legacy-bios"}
			default:
				s.BootModes = []string{"legacy-bios", "uefi"}
			}
			if f.xen {
				s.EnaSupport, s.EbsOptimized, s.NvmeSupport = "unsupported", "unsupported", "unsupported"
			}
			if f.burstable {
				// Burstable types cannot join a cluster placement group.
				s.Placement = []string{"partition", "spread"}
			}
			s.FreeTier = s.Name == "t2.micro" || s.Name == "t3.micro"
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b instanceTypeSpec) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// lookupInstanceType returns the catalogue entry for name.
func lookupInstanceType(name string) (instanceTypeSpec, bool) {
	i, ok := slices.BinarySearchFunc(instanceTypes(), name, func(s instanceTypeSpec, n string) int { return strings.Compare(s.Name, n) })
	if !ok {
		return instanceTypeSpec{}, false
	}
	return instanceTypes()[i], true
}

// vcpuQuotaClass names the Running On-Demand instances vCPU quota an
// instance type counts against (EC2 user guide, "On-Demand Instance
// quotas"): "standard" (A, C, D, H, I, M, R, T, Z), "f", "g" (G and VT),
// "inf", "p", "x", "dl", "trn", "hpc" and "high-memory" (U). Mac
// instances run on Dedicated Hosts and count against no vCPU quota: "".
func vcpuQuotaClass(name string) string {
	family, _, _ := strings.Cut(strings.ToLower(name), ".")
	switch {
	case family == "":
		return ""
	case strings.HasPrefix(family, "u-") || strings.HasPrefix(family, "u7"):
		return "high-memory"
	case strings.HasPrefix(family, "mac"):
		return ""
	case strings.HasPrefix(family, "hpc"):
		return "hpc"
	case strings.HasPrefix(family, "dl"):
		return "dl"
	case strings.HasPrefix(family, "trn"):
		return "trn"
	case strings.HasPrefix(family, "inf"):
		return "inf"
	case strings.HasPrefix(family, "vt"), family[0] == 'g':
		return "g"
	}
	switch family[0] {
	case 'a', 'c', 'd', 'h', 'i', 'm', 'r', 't', 'z':
		return "standard"
	case 'f':
		return "f"
	case 'p':
		return "p"
	case 'x':
		return "x"
	}
	return ""
}
