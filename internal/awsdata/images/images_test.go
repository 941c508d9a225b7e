package images

import (
	"regexp"
	"strings"
	"testing"
)

func TestCatalogue(t *testing.T) {
	idRE := regexp.MustCompile(`^ami-[0-9a-f]{17}$`)
	snapRE := regexp.MustCompile(`^snap-[0-9a-f]{17}$`)
	east, west := Public("us-east-1"), Public("eu-west-1")
	if len(east) != len(catalogue) || len(west) != len(catalogue) {
		t.Fatalf("%d and %d images, catalogue has %d", len(east), len(west), len(catalogue))
	}
	seen := map[string]bool{}
	for i, img := range east {
		if !idRE.MatchString(img.ID) || !snapRE.MatchString(img.BlockDevices[0].SnapshotID) {
			t.Errorf("%s: ids %s %s", img.Name, img.ID, img.BlockDevices[0].SnapshotID)
		}
		if seen[img.ID] || seen[img.Name] {
			t.Errorf("%s: duplicate", img.Name)
		}
		seen[img.ID], seen[img.Name] = true, true
		if img.CreationDate.IsZero() {
			t.Errorf("%s: creation date does not parse", img.Name)
		}
		if i > 0 && east[i-1].ID >= img.ID {
			t.Errorf("not in id order at %s", img.ID)
		}
		if img.Architecture != "x86_64" && img.Architecture != "arm64" {
			t.Errorf("%s: architecture %q", img.Name, img.Architecture)
		}
		if (img.Platform == "windows") != strings.HasPrefix(img.Name, "Windows_Server") {
			t.Errorf("%s: platform %q", img.Name, img.Platform)
		}
	}
	for _, w := range west {
		if seen[w.ID] {
			t.Errorf("%s has the same id in two Regions", w.Name)
		}
	}
	// Stable: the same Region gives the same ids.
	if again := Public("us-east-1"); again[0].ID != east[0].ID {
		t.Error("ids are not stable")
	}
	if Public("xx-nowhere-1") != nil || Parameters("xx-nowhere-1") != nil {
		t.Error("an unknown Region has images")
	}
}

func TestLookupAndParameters(t *testing.T) {
	const al = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
	id, ok := PublicParameter("us-east-1", al)
	if !ok {
		t.Fatal("no AL2023 parameter")
	}
	img, ok := Lookup("us-east-1", id)
	if !ok || img.Name != "al2023-ami-2023.6.20241212.0-kernel-6.1-x86_64" || img.OwnerID != OwnerAmazon ||
		img.OwnerAlias != "amazon" || img.RootDeviceName != "/dev/xvda" || img.BlockDevices[0].VolumeType != "gp3" {
		t.Errorf("AL2023 = %+v", img)
	}
	if _, ok := Lookup("eu-west-1", id); ok {
		t.Error("a us-east-1 image found in eu-west-1")
	}
	if other, _ := PublicParameter("eu-west-1", al); other == id || other == "" {
		t.Errorf("eu-west-1 parameter = %q", other)
	}
	for name, want := range map[string]string{
		"/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id": "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20241210",
		"/aws/service/debian/release/12/latest/arm64":                                        "debian-12-arm64-20241201-1949",
		"/aws/service/ami-windows-latest/Windows_Server-2022-English-Full-Base":              "Windows_Server-2022-English-Full-Base-2024.12.11",
		"/aws/service/ami-amazon-linux-latest/amzn2-ami-hvm-x86_64-gp2":                      "amzn2-ami-hvm-2.0.20241217.0-x86_64-gp2",
	} {
		id, ok := PublicParameter("ap-northeast-1", name)
		img, found := Lookup("ap-northeast-1", id)
		if !ok || !found || img.Name != want {
			t.Errorf("%s → %s (%v) = %q, want %q", name, id, ok, img.Name, want)
		}
	}
	if _, ok := PublicParameter("us-east-1", "/aws/service/nothing"); ok {
		t.Error("unknown parameter found")
	}
	params := Parameters("us-east-1")
	for i := 1; i < len(params); i++ {
		if params[i-1].Name >= params[i].Name {
			t.Errorf("parameters not in name order at %s", params[i].Name)
		}
	}
	win, _ := Lookup("us-east-1", mustParam(t, "/aws/service/ami-windows-latest/Windows_Server-2019-English-Full-Base"))
	if win.Platform != "windows" || win.OwnerID != OwnerWindows || win.UsageOperation != "RunInstances:0002" || win.BlockDevices[0].VolumeSize != 30 {
		t.Errorf("Windows 2019 = %+v", win)
	}
	if !IsPublicSnapshot("us-east-1", win.BlockDevices[0].SnapshotID) || IsPublicSnapshot("us-east-2", win.BlockDevices[0].SnapshotID) {
		t.Error("IsPublicSnapshot")
	}
}

func mustParam(t *testing.T, name string) string {
	t.Helper()
	v, ok := PublicParameter("us-east-1", name)
	if !ok {
		t.Fatalf("no parameter %s", name)
	}
	return v
}
