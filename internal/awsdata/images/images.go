// Package images is the catalogue of public machine images every
// commercial Region offers: Amazon Linux 2023 and 2, Ubuntu 24.04 and
// 22.04, Debian 12, Red Hat Enterprise Linux 9 and Windows Server, for
// x86_64 and arm64 where the vendor publishes both, with the public
// Systems Manager parameters that name the latest of them. It is pure
// data: EC2 serves the images (DescribeImages, RunInstances) and SSM the
// parameters, each from the same Region's entries.
//
// Names, owners, root devices, volume sizes and parameter paths follow
// each vendor's published scheme (the owner accounts are the ones AWS and
// the vendors document for DescribeImages --owners). Image and snapshot
// ids are derived from a hash of the Region and the image name, so they
// look like AWS's, differ per Region as AWS's do, and stay the same across
// restarts and machines.
package images

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"time"

	"hakoniwa/internal/regions"
)

// Owner accounts of public images.
const (
	OwnerAmazon    = "137112412989" // Amazon Linux ("amazon")
	OwnerWindows   = "801119661308" // Windows Server AMIs by Amazon ("amazon")
	OwnerCanonical = "099720109477" // Ubuntu
	OwnerDebian    = "136693071363" // Debian
	OwnerRedHat    = "309956199498" // Red Hat Enterprise Linux
)

// Image is one public image in one Region.
type Image struct {
	ID          string
	Name        string
	Description string
	OwnerID     string
	// OwnerAlias is "amazon" for images Amazon owns; "" otherwise, as
	// DescribeImages leaves ImageOwnerAlias out for vendor images.
	OwnerAlias   string
	Architecture string // "x86_64" | "arm64"
	// Platform is "windows" for Windows images, "" otherwise.
	Platform           string
	PlatformDetails    string // "Linux/UNIX", "Windows", "Red Hat Enterprise Linux"
	UsageOperation     string // "RunInstances", "RunInstances:0002", ...
	RootDeviceName     string // "/dev/xvda" | "/dev/sda1"
	RootDeviceType     string // "ebs"
	VirtualizationType string // "hvm"
	Hypervisor         string // "xen", as DescribeImages reports for every HVM image
	EnaSupport         bool
	SriovNetSupport    string // "simple"
	// BootMode is "uefi", "uefi-preferred" or "" (legacy BIOS, which
	// DescribeImages leaves out).
	BootMode     string
	ImdsSupport  string // "v2.0" when the image requires IMDSv2 by default
	CreationDate time.Time
	BlockDevices []BlockDevice
}

// BlockDevice is one EBS mapping of an image.
type BlockDevice struct {
	DeviceName          string
	SnapshotID          string
	VolumeSize          int // GiB
	VolumeType          string
	DeleteOnTermination bool
	Encrypted           bool
	Iops                int // gp3 only
	Throughput          int // MiB/s, gp3 only
}

// Parameter is one public Systems Manager parameter: its value is the id
// of an image of the same Region.
type Parameter struct {
	Name     string
	Value    string
	Modified time.Time
}

// spec is an image before it is placed in a Region.
type spec struct {
	name, description string
	owner, alias      string
	arch              string
	windows           bool
	platformDetails   string
	usageOperation    string
	rootDevice        string
	volumeSize        int
	volumeType        string
	bootMode          string
	imds              string
	created           string // RFC 3339
	// params are the public parameter names pointing at this image.
	params []string
}

const (
	alLatest      = "/aws/service/ami-amazon-linux-latest/"
	ubuntuPrefix  = "/aws/service/canonical/ubuntu/server/"
	debianPrefix  = "/aws/service/debian/release/"
	windowsLatest = "/aws/service/ami-windows-latest/"
)

// amazonLinux is an Amazon Linux image's shared shape.
func amazonLinux(name, desc, arch, volType, boot, imds, created string, params ...string) spec {
	return spec{name: name, description: desc, owner: OwnerAmazon, alias: "amazon", arch: arch,
		platformDetails: "Linux/UNIX", usageOperation: "RunInstances", rootDevice: "/dev/xvda",
		volumeSize: 8, volumeType: volType, bootMode: boot, imds: imds, created: created, params: params}
}

func ubuntu(name, desc, arch, volType, created string, params ...string) spec {
	return spec{name: name, description: desc, owner: OwnerCanonical, arch: arch,
		platformDetails: "Linux/UNIX", usageOperation: "RunInstances", rootDevice: "/dev/sda1",
		volumeSize: 8, volumeType: volType, bootMode: "uefi-preferred", created: created, params: params}
}

func debian(arch, created string, params ...string) spec {
	boot := "uefi-preferred"
	if arch == "arm64" {
		boot = "uefi"
	}
	deb := map[string]string{"x86_64": "amd64", "arm64": "arm64"}[arch]
	return spec{name: "debian-12-" + deb + "-20241201-1949", description: "Debian 12 (20241201-1949)",
		owner: OwnerDebian, arch: arch, platformDetails: "Linux/UNIX", usageOperation: "RunInstances",
		rootDevice: "/dev/xvda", volumeSize: 8, volumeType: "gp2", bootMode: boot, created: created, params: params}
}

func rhel(arch, created string) spec {
	boot := "uefi-preferred"
	if arch == "arm64" {
		boot = "uefi"
	}
	return spec{name: "RHEL-9.5.0_HVM-20241211-" + arch + "-0-Hourly2-GP3", description: "Provided by Red Hat, Inc.",
		owner: OwnerRedHat, arch: arch, platformDetails: "Red Hat Enterprise Linux", usageOperation: "RunInstances:0010",
		rootDevice: "/dev/sda1", volumeSize: 10, volumeType: "gp3", bootMode: boot, created: created}
}

func windows(version, created string) spec {
	name := "Windows_Server-" + version + "-English-Full-Base"
	return spec{name: name + "-2024.12.11", description: "Microsoft Windows Server " + version + " Full Locale English AMI provided by Amazon",
		owner: OwnerWindows, alias: "amazon", arch: "x86_64", windows: true, platformDetails: "Windows",
		usageOperation: "RunInstances:0002", rootDevice: "/dev/sda1", volumeSize: 30, volumeType: "gp2",
		created: created, params: []string{windowsLatest + name}}
}

var catalogue = []spec{
	amazonLinux("al2023-ami-2023.6.20241212.0-kernel-6.1-x86_64", "Amazon Linux 2023 AMI 2023.6.20241212.0 x86_64 HVM kernel-6.1",
		"x86_64", "gp3", "uefi-preferred", "v2.0", "2024-12-12T21:35:17Z",
		alLatest+"al2023-ami-kernel-default-x86_64", alLatest+"al2023-ami-kernel-6.1-x86_64"),
	amazonLinux("al2023-ami-2023.6.20241212.0-kernel-6.1-arm64", "Amazon Linux 2023 AMI 2023.6.20241212.0 arm64 HVM kernel-6.1",
		"arm64", "gp3", "uefi", "v2.0", "2024-12-12T21:35:19Z",
		alLatest+"al2023-ami-kernel-default-arm64", alLatest+"al2023-ami-kernel-6.1-arm64"),
	amazonLinux("al2023-ami-minimal-2023.6.20241212.0-kernel-6.1-x86_64", "Amazon Linux 2023 AMI 2023.6.20241212.0 x86_64 Minimal HVM kernel-6.1",
		"x86_64", "gp3", "uefi-preferred", "v2.0", "2024-12-12T21:35:02Z",
		alLatest+"al2023-ami-minimal-kernel-default-x86_64", alLatest+"al2023-ami-minimal-kernel-6.1-x86_64"),
	amazonLinux("al2023-ami-minimal-2023.6.20241212.0-kernel-6.1-arm64", "Amazon Linux 2023 AMI 2023.6.20241212.0 arm64 Minimal HVM kernel-6.1",
		"arm64", "gp3", "uefi", "v2.0", "2024-12-12T21:35:05Z",
		alLatest+"al2023-ami-minimal-kernel-default-arm64", alLatest+"al2023-ami-minimal-kernel-6.1-arm64"),
	amazonLinux("amzn2-ami-kernel-5.10-hvm-2.0.20241217.0-x86_64-gp2", "Amazon Linux 2 Kernel 5.10 AMI 2.0.20241217.0 x86_64 HVM gp2",
		"x86_64", "gp2", "", "", "2024-12-18T05:51:37Z",
		alLatest+"amzn2-ami-kernel-5.10-hvm-x86_64-gp2"),
	amazonLinux("amzn2-ami-kernel-5.10-hvm-2.0.20241217.0-arm64-gp2", "Amazon Linux 2 Kernel 5.10 AMI 2.0.20241217.0 arm64 HVM gp2",
		"arm64", "gp2", "uefi", "", "2024-12-18T05:51:39Z",
		alLatest+"amzn2-ami-kernel-5.10-hvm-arm64-gp2"),
	amazonLinux("amzn2-ami-hvm-2.0.20241217.0-x86_64-gp2", "Amazon Linux 2 AMI 2.0.20241217.0 x86_64 HVM gp2",
		"x86_64", "gp2", "", "", "2024-12-18T05:50:55Z",
		alLatest+"amzn2-ami-hvm-x86_64-gp2"),
	amazonLinux("amzn2-ami-hvm-2.0.20241217.0-arm64-gp2", "Amazon Linux 2 AMI 2.0.20241217.0 arm64 HVM gp2",
		"arm64", "gp2", "uefi", "", "2024-12-18T05:50:58Z",
		alLatest+"amzn2-ami-hvm-arm64-gp2"),
	ubuntu("ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20241210", "Canonical, Ubuntu, 24.04, amd64 noble image",
		"x86_64", "gp3", "2024-12-10T23:52:18Z", ubuntuPrefix+"24.04/stable/current/amd64/hvm/ebs-gp3/ami-id"),
	ubuntu("ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-arm64-server-20241210", "Canonical, Ubuntu, 24.04, arm64 noble image",
		"arm64", "gp3", "2024-12-10T23:52:20Z", ubuntuPrefix+"24.04/stable/current/arm64/hvm/ebs-gp3/ami-id"),
	ubuntu("ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-20241206", "Canonical, Ubuntu, 22.04 LTS, amd64 jammy image build on 2024-12-06",
		"x86_64", "gp2", "2024-12-06T18:31:11Z", ubuntuPrefix+"22.04/stable/current/amd64/hvm/ebs-gp2/ami-id"),
	ubuntu("ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-arm64-server-20241206", "Canonical, Ubuntu, 22.04 LTS, arm64 jammy image build on 2024-12-06",
		"arm64", "gp2", "2024-12-06T18:31:13Z", ubuntuPrefix+"22.04/stable/current/arm64/hvm/ebs-gp2/ami-id"),
	debian("x86_64", "2024-12-01T20:04:41Z", debianPrefix+"12/latest/amd64", debianPrefix+"bookworm/latest/amd64"),
	debian("arm64", "2024-12-01T20:04:43Z", debianPrefix+"12/latest/arm64", debianPrefix+"bookworm/latest/arm64"),
	rhel("x86_64", "2024-12-11T16:12:30Z"),
	rhel("arm64", "2024-12-11T16:12:33Z"),
	windows("2025", "2024-12-11T18:42:10Z"),
	windows("2022", "2024-12-11T18:39:47Z"),
	windows("2019", "2024-12-11T18:37:25Z"),
}

// Public returns the Region's public images in id order; nil for a Region
// that is not a commercial one.
func Public(region string) []Image {
	if _, ok := regions.Lookup(region); !ok {
		return nil
	}
	out := make([]Image, 0, len(catalogue))
	for _, s := range catalogue {
		out = append(out, s.in(region))
	}
	slices.SortFunc(out, func(a, b Image) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// Lookup returns the Region's public image with id.
func Lookup(region, id string) (Image, bool) {
	if !strings.HasPrefix(id, "ami-") {
		return Image{}, false
	}
	for _, img := range Public(region) {
		if img.ID == id {
			return img, true
		}
	}
	return Image{}, false
}

// Parameters returns the Region's public parameters in name order.
func Parameters(region string) []Parameter {
	if _, ok := regions.Lookup(region); !ok {
		return nil
	}
	var out []Parameter
	for _, s := range catalogue {
		img := s.in(region)
		for _, p := range s.params {
			out = append(out, Parameter{Name: p, Value: img.ID, Modified: img.CreationDate.Add(3 * time.Hour)})
		}
	}
	slices.SortFunc(out, func(a, b Parameter) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// PublicParameter returns the value of the public parameter called name
// in region: the id of an image of that Region.
func PublicParameter(region, name string) (value string, ok bool) {
	for _, p := range Parameters(region) {
		if p.Name == name {
			return p.Value, true
		}
	}
	return "", false
}

func (s spec) in(region string) Image {
	created, _ := time.Parse(time.RFC3339, s.created) // the tests check every date parses
	img := Image{
		ID: "ami-" + digest("image", region, s.name), Name: s.name, Description: s.description,
		OwnerID: s.owner, OwnerAlias: s.alias, Architecture: s.arch,
		PlatformDetails: s.platformDetails, UsageOperation: s.usageOperation,
		RootDeviceName: s.rootDevice, RootDeviceType: "ebs", VirtualizationType: "hvm", Hypervisor: "xen",
		EnaSupport: true, SriovNetSupport: "simple", BootMode: s.bootMode, ImdsSupport: s.imds,
		CreationDate: created,
	}
	if s.windows {
		img.Platform = "windows"
	}
	bd := BlockDevice{DeviceName: s.rootDevice, SnapshotID: "snap-" + digest("snapshot", region, s.name),
		VolumeSize: s.volumeSize, VolumeType: s.volumeType, DeleteOnTermination: true}
	if s.volumeType == "gp3" {
		bd.Iops, bd.Throughput = 3000, 125
	}
	img.BlockDevices = []BlockDevice{bd}
	return img
}

// digest is 17 hex digits naming one thing of one image in one Region.
func digest(kind, region, name string) string {
	sum := sha256.Sum256([]byte("hakoniwa/" + kind + "/" + region + "/" + name))
	return hex.EncodeToString(sum[:])[:17]
}

// IsPublicSnapshot reports whether id is the root snapshot of one of the
// Region's public images (EC2 lets anyone create volumes from those).
func IsPublicSnapshot(region, id string) bool {
	for _, img := range Public(region) {
		for _, bd := range img.BlockDevices {
			if bd.SnapshotID == id {
				return true
			}
		}
	}
	return false
}
