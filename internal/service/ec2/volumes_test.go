package ec2

import (
	"context"
	"strings"
	"testing"

	"hakoniwa/internal/clock"

	ec2api "hakoniwa/internal/api/ec2"
)

func mustVolume(t *testing.T, s *Service, ctx context.Context, in ec2api.CreateVolumeInput) *ec2api.Volume {
	t.Helper()
	if in.AvailabilityZone == nil && in.AvailabilityZoneId == nil {
		in.AvailabilityZone = ptr("us-east-1a")
	}
	v, err := s.CreateVolume(ctx, &in)
	if err != nil {
		t.Fatalf("CreateVolume %+v: %v", in, err)
	}
	return v
}

func TestVolumeTypeRules(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	for _, tc := range []struct {
		in         ec2api.CreateVolumeInput
		iops, thru int64
	}{
		{ec2api.CreateVolumeInput{Size: ptr[int64](8)}, 100, 0},
		{ec2api.CreateVolumeInput{Size: ptr[int64](100)}, 300, 0},
		{ec2api.CreateVolumeInput{Size: ptr[int64](16384)}, 16000, 0},
		{ec2api.CreateVolumeInput{Size: ptr[int64](1), VolumeType: ptr("gp3")}, 3000, 125},
		{ec2api.CreateVolumeInput{Size: ptr[int64](100), VolumeType: ptr("gp3"), Iops: ptr[int64](16000), Throughput: ptr[int64](1000)}, 16000, 1000},
		{ec2api.CreateVolumeInput{Size: ptr[int64](4), VolumeType: ptr("io1"), Iops: ptr[int64](200), MultiAttachEnabled: ptr(true)}, 200, 0},
		{ec2api.CreateVolumeInput{Size: ptr[int64](10), VolumeType: ptr("io2"), Iops: ptr[int64](10000)}, 10000, 0},
		{ec2api.CreateVolumeInput{Size: ptr[int64](125), VolumeType: ptr("st1")}, 0, 0},
		{ec2api.CreateVolumeInput{Size: ptr[int64](1024), VolumeType: ptr("standard")}, 0, 0},
	} {
		v := mustVolume(t, s, ctx, tc.in)
		if deref64(v.Iops) != tc.iops || deref64(v.Throughput) != tc.thru || *v.State != "creating" || *v.Encrypted {
			t.Errorf("%s %d GiB: iops %d throughput %d state %s, want %d %d creating", *v.VolumeType, *v.Size, deref64(v.Iops), deref64(v.Throughput), *v.State, tc.iops, tc.thru)
		}
	}
	refuse := func(in ec2api.CreateVolumeInput) error {
		if in.AvailabilityZone == nil && in.AvailabilityZoneId == nil {
			in.AvailabilityZone = ptr("us-east-1a")
		}
		_, err := s.CreateVolume(ctx, &in)
		return err
	}
	checkRefusals(t, []refusal{
		{"no zone", func() error {
			_, err := s.CreateVolume(ctx, &ec2api.CreateVolumeInput{Size: ptr[int64](1)})
			return err
		}(), "MissingParameter", ""},
		{"unknown zone", refuse(ec2api.CreateVolumeInput{AvailabilityZone: ptr("us-east-1z"), Size: ptr[int64](1)}), "InvalidZone.NotFound", "The zone 'us-east-1z' does not exist."},
		{"other region's zone", refuse(ec2api.CreateVolumeInput{AvailabilityZone: ptr("eu-west-1a"), Size: ptr[int64](1)}), "InvalidZone.NotFound", ""},
		{"both zones", refuse(ec2api.CreateVolumeInput{AvailabilityZoneId: ptr("use1-az1"), AvailabilityZone: ptr("us-east-1a"), Size: ptr[int64](1)}), "InvalidParameterCombination", ""},
		{"no size", refuse(ec2api.CreateVolumeInput{}), "MissingParameter", "The request must contain the parameter size"},
		{"too large", refuse(ec2api.CreateVolumeInput{Size: ptr[int64](16385)}), "InvalidParameterValue", "Volume of 16385GiB is too large for volume type gp2; maximum is 16384GiB"},
		{"standard too large", refuse(ec2api.CreateVolumeInput{Size: ptr[int64](2000), VolumeType: ptr("standard")}), "InvalidParameterValue", "Volume of 2000GiB is too large for volume type standard; maximum is 1024GiB"},
		{"zero", refuse(ec2api.CreateVolumeInput{Size: ptr[int64](0)}), "InvalidParameterValue", ""},
		{"st1 small", refuse(ec2api.CreateVolumeInput{Size: ptr[int64](124), VolumeType: ptr("st1")}), "InvalidParameterValue", ""},
		{"sc1 small", refuse(ec2api.CreateVolumeInput{Size: ptr[int64](100), VolumeType: ptr("sc1")}), "InvalidParameterValue", ""},
		{"gp2 iops", refuse(ec2api.CreateVolumeInput{Size: ptr[int64](10), Iops: ptr[int64](300)}), "InvalidParameterCombination", "The parameter iops is not supported for gp2 volumes."},
		{"io1 no iops", refuse(ec2api.CreateVolumeInput{Size: ptr[int64](10), VolumeType: ptr("io1")}), "InvalidParameterCombination", ""},
		{"io1 ratio", refuse(ec2api.CreateVolumeInput{Size: ptr[int64](10), VolumeType: ptr("io1"), Iops: ptr[int64](600)}), "InvalidParameterValue", "Iops to volume size ratio of 60.000000 is too high; maximum is 50"},
		{"io1 low", refuse(ec2api.CreateVolumeInput{Size: ptr[int64](10), VolumeType: ptr("io1"), Iops: ptr[int64](50)}), "InvalidParameterValue", "Volume iops of 50 is too low; minimum is 100."},
		{"io1 high", refuse(ec2api.CreateVolumeInput{Size: ptr[int64](16000), VolumeType: ptr("io1"), Iops: ptr[int64](64001)}), "InvalidParameterValue", ""},
		{"gp3 ratio", refuse(ec2api.CreateVolumeInput{Size: ptr[int64](20), VolumeType: ptr("gp3"), Iops: ptr[int64](15000)}), "InvalidParameterValue", "Iops to volume size ratio of 750.000000 is too high; maximum is 500"},
		{"gp3 low iops", refuse(ec2api.CreateVolumeInput{Size: ptr[int64](20), VolumeType: ptr("gp3"), Iops: ptr[int64](2000)}), "InvalidParameterValue", ""},
		{"gp3 throughput ratio", refuse(ec2api.CreateVolumeInput{Size: ptr[int64](100), VolumeType: ptr("gp3"), Throughput: ptr[int64](1000)}), "InvalidParameterValue",
			"Throughput (MiBps) to iops ratio of 0.333333 is too high; maximum is 0.250000 MiBps per iops"},
		{"gp3 throughput low", refuse(ec2api.CreateVolumeInput{Size: ptr[int64](100), VolumeType: ptr("gp3"), Throughput: ptr[int64](100)}), "InvalidParameterValue", ""},
		{"io2 throughput", refuse(ec2api.CreateVolumeInput{Size: ptr[int64](100), VolumeType: ptr("io2"), Iops: ptr[int64](1000), Throughput: ptr[int64](200)}), "InvalidParameterCombination", ""},
		{"gp3 multi-attach", refuse(ec2api.CreateVolumeInput{Size: ptr[int64](100), VolumeType: ptr("gp3"), MultiAttachEnabled: ptr(true)}), "InvalidParameterCombination", ""},
		{"key without encryption", refuse(ec2api.CreateVolumeInput{Size: ptr[int64](1), KmsKeyId: ptr("alias/mine")}), "InvalidParameterDependency", ""},
		{"unknown snapshot", refuse(ec2api.CreateVolumeInput{SnapshotId: ptr("snap-0123456789abcdef0")}), "InvalidSnapshot.NotFound", "The snapshot 'snap-0123456789abcdef0' does not exist."},
		{"malformed snapshot", refuse(ec2api.CreateVolumeInput{SnapshotId: ptr("snap-xyz")}), "InvalidSnapshotID.Malformed", ""},
		{"bad tag type", refuse(ec2api.CreateVolumeInput{Size: ptr[int64](1), TagSpecifications: []ec2api.TagSpecification{{ResourceType: ptr("snapshot"), Tags: []ec2api.Tag{{Key: ptr("a"), Value: ptr("b")}}}}}), "InvalidParameterValue", ""},
	})
}

func TestVolumeLifecycle(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	clk := s.clock.(*clock.Manual)
	enc := mustVolume(t, s, ctx, ec2api.CreateVolumeInput{Size: ptr[int64](10), Encrypted: ptr(true), AvailabilityZoneId: ptr("use1-az2"),
		TagSpecifications: []ec2api.TagSpecification{{ResourceType: ptr("volume"), Tags: []ec2api.Tag{{Key: ptr("Name"), Value: ptr("data")}}}}})
	if !*enc.Encrypted || !strings.HasPrefix(*enc.KmsKeyId, "arn:aws:kms:us-east-1:"+testAccount+":key/") || *enc.AvailabilityZone != "us-east-1b" || len(enc.Tags) != 1 {
		t.Fatalf("encrypted volume: %+v", enc)
	}
	plain := mustVolume(t, s, ctx, ec2api.CreateVolumeInput{Size: ptr[int64](20), VolumeType: ptr("gp3"), ClientToken: ptr("tok")})
	again := mustVolume(t, s, ctx, ec2api.CreateVolumeInput{Size: ptr[int64](20), VolumeType: ptr("gp3"), ClientToken: ptr("tok")})
	if *again.VolumeId != *plain.VolumeId {
		t.Errorf("ClientToken retry made %s, want %s", *again.VolumeId, *plain.VolumeId)
	}
	_, mismatch := s.CreateVolume(ctx, &ec2api.CreateVolumeInput{AvailabilityZone: ptr("us-east-1a"), Size: ptr[int64](30), ClientToken: ptr("tok")})
	_, early := s.DeleteVolume(ctx, &ec2api.DeleteVolumeInput{VolumeId: plain.VolumeId})
	clk.Advance(volCreatingFor)
	// Filters and paging.
	for _, f := range []struct {
		kv   []string
		want int
	}{
		{[]string{"status", "available"}, 2},
		{[]string{"availability-zone", "us-east-1b"}, 1},
		{[]string{"volume-type", "gp3"}, 1},
		{[]string{"size", "10"}, 1},
		{[]string{"encrypted", "true"}, 1},
		{[]string{"tag:Name", "da*"}, 1},
		{[]string{"tag-key", "Name"}, 1},
		{[]string{"multi-attach-enabled", "false"}, 2},
		{[]string{"attachment.instance-id", "*"}, 0},
		{[]string{"create-time", "2025-01-01T*"}, 2},
	} {
		out, err := s.DescribeVolumes(ctx, &ec2api.DescribeVolumesInput{Filters: filters(f.kv...)})
		if err != nil || len(out.Volumes) != f.want {
			t.Errorf("filter %v: %d volumes, want %d (%v)", f.kv, len(out.Volumes), f.want, err)
		}
	}
	p1, err := s.DescribeVolumes(ctx, &ec2api.DescribeVolumesInput{MaxResults: ptr[int64](5)})
	if err != nil || len(p1.Volumes) != 2 || p1.NextToken != nil {
		t.Fatalf("page: %+v %v", p1, err)
	}
	_, unknown := s.DescribeVolumes(ctx, &ec2api.DescribeVolumesInput{VolumeIds: []string{"vol-0123456789abcdef0"}})
	_, malformed := s.DescribeVolumes(ctx, &ec2api.DescribeVolumesInput{VolumeIds: []string{"vol-zz"}})
	_, badFilter := s.DescribeVolumes(ctx, &ec2api.DescribeVolumesInput{Filters: filters("colour", "red")})
	_, idsAndMax := s.DescribeVolumes(ctx, &ec2api.DescribeVolumesInput{VolumeIds: []string{*plain.VolumeId}, MaxResults: ptr[int64](5)})
	other := ctxAs("999988887777", "us-east-1")
	_, otherAccount := s.DescribeVolumes(other, &ec2api.DescribeVolumesInput{VolumeIds: []string{*plain.VolumeId}})
	checkRefusals(t, []refusal{
		{"token mismatch", mismatch, "IdempotentParameterMismatch", ""},
		{"delete while creating", early, "IncorrectState", ""},
		{"unknown", unknown, "InvalidVolume.NotFound", "The volume 'vol-0123456789abcdef0' does not exist."},
		{"malformed", malformed, "InvalidVolumeID.Malformed", `Invalid id: "vol-zz" (expecting "vol-...")`},
		{"bad filter", badFilter, "InvalidParameterValue", "The filter 'colour' is invalid"},
		{"ids and max", idsAndMax, "InvalidParameterCombination", ""},
		{"other account", otherAccount, "InvalidVolume.NotFound", ""},
	})

	// Tags work through the generic CreateTags.
	if _, err := s.CreateTags(ctx, &ec2api.CreateTagsInput{Resources: []string{*plain.VolumeId}, Tags: []ec2api.Tag{{Key: ptr("k"), Value: ptr("v")}}}); err != nil {
		t.Fatal(err)
	}
	// Delete: deleting, then gone.
	if _, err := s.DeleteVolume(ctx, &ec2api.DeleteVolumeInput{VolumeId: plain.VolumeId}); err != nil {
		t.Fatal(err)
	}
	got, err := s.DescribeVolumes(ctx, &ec2api.DescribeVolumesInput{VolumeIds: []string{*plain.VolumeId}})
	if err != nil || *got.Volumes[0].State != "deleting" || got.Volumes[0].Tags[0].Key == nil {
		t.Fatalf("after delete: %+v %v", got, err)
	}
	clk.Advance(volDeletingFor)
	_, gone := s.DescribeVolumes(ctx, &ec2api.DescribeVolumesInput{VolumeIds: []string{*plain.VolumeId}})
	_, twice := s.DeleteVolume(ctx, &ec2api.DeleteVolumeInput{VolumeId: plain.VolumeId})
	checkRefusals(t, []refusal{
		{"gone", gone, "InvalidVolume.NotFound", ""},
		{"deleted twice", twice, "InvalidVolume.NotFound", ""},
	})
	all, _ := s.DescribeVolumes(ctx, &ec2api.DescribeVolumesInput{})
	if len(all.Volumes) != 1 {
		t.Errorf("after delete: %d volumes, want 1", len(all.Volumes))
	}
}

func TestModifyVolume(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	clk := s.clock.(*clock.Manual)
	v := mustVolume(t, s, ctx, ec2api.CreateVolumeInput{Size: ptr[int64](100)})
	_, creating := s.ModifyVolume(ctx, &ec2api.ModifyVolumeInput{VolumeId: v.VolumeId, Size: ptr[int64](200)})
	clk.Advance(volCreatingFor)
	_, smaller := s.ModifyVolume(ctx, &ec2api.ModifyVolumeInput{VolumeId: v.VolumeId, Size: ptr[int64](50)})
	_, same := s.ModifyVolume(ctx, &ec2api.ModifyVolumeInput{VolumeId: v.VolumeId, Size: ptr[int64](100)})
	_, none := s.DescribeVolumesModifications(ctx, &ec2api.DescribeVolumesModificationsInput{VolumeIds: []string{*v.VolumeId}})
	out, err := s.ModifyVolume(ctx, &ec2api.ModifyVolumeInput{VolumeId: v.VolumeId, Size: ptr[int64](200), VolumeType: ptr("gp3")})
	if err != nil {
		t.Fatal(err)
	}
	m := out.VolumeModification
	if *m.ModificationState != "modifying" || *m.OriginalSize != 100 || *m.TargetSize != 200 || *m.OriginalVolumeType != "gp2" ||
		*m.TargetVolumeType != "gp3" || *m.TargetIops != 3000 || *m.TargetThroughput != 125 || *m.OriginalIops != 300 {
		t.Fatalf("modification: %+v", m)
	}
	_, busy := s.ModifyVolume(ctx, &ec2api.ModifyVolumeInput{VolumeId: v.VolumeId, Size: ptr[int64](300)})
	checkRefusals(t, []refusal{
		{"creating", creating, "IncorrectState", ""},
		{"smaller", smaller, "InvalidParameterValue", "New size cannot be smaller than existing size"},
		{"same", same, "InvalidParameterCombination", ""},
		{"no modification yet", none, "InvalidVolumeModification.NotFound", ""},
		{"in progress", busy, "IncorrectModificationState", ""},
	})
	states := []string{}
	for range 3 {
		ms, err := s.DescribeVolumesModifications(ctx, &ec2api.DescribeVolumesModificationsInput{})
		if err != nil || len(ms.VolumesModifications) != 1 {
			t.Fatalf("modifications: %+v %v", ms, err)
		}
		states = append(states, *ms.VolumesModifications[0].ModificationState)
		clk.Advance(modModifyingFor)
	}
	if strings.Join(states, ",") != "modifying,optimizing,completed" {
		t.Errorf("modification states: %v", states)
	}
	got, _ := s.DescribeVolumes(ctx, &ec2api.DescribeVolumesInput{VolumeIds: []string{*v.VolumeId}})
	if *got.Volumes[0].Size != 200 || *got.Volumes[0].VolumeType != "gp3" {
		t.Errorf("modified volume: %+v", got.Volumes[0])
	}
	// gp3 keeps its IOPS unless asked.
	if out, err := s.ModifyVolume(ctx, &ec2api.ModifyVolumeInput{VolumeId: v.VolumeId, Throughput: ptr[int64](500)}); err != nil || *out.VolumeModification.TargetIops != 3000 {
		t.Fatalf("throughput change: %+v %v", out, err)
	}
	ms, _ := s.DescribeVolumesModifications(ctx, &ec2api.DescribeVolumesModificationsInput{Filters: filters("target-throughput", "500")})
	if len(ms.VolumesModifications) != 1 {
		t.Errorf("filter target-throughput: %d", len(ms.VolumesModifications))
	}

	st, err := s.DescribeVolumeStatus(ctx, &ec2api.DescribeVolumeStatusInput{Filters: filters("volume-status.status", "ok")})
	if err != nil || len(st.VolumeStatuses) != 1 || *st.VolumeStatuses[0].VolumeStatus.Details[0].Name != "io-enabled" {
		t.Fatalf("status: %+v %v", st, err)
	}
	if _, err := s.ModifyVolumeAttribute(ctx, &ec2api.ModifyVolumeAttributeInput{VolumeId: v.VolumeId, AutoEnableIO: &ec2api.AttributeBooleanValue{Value: ptr(true)}}); err != nil {
		t.Fatal(err)
	}
	attr, err := s.DescribeVolumeAttribute(ctx, &ec2api.DescribeVolumeAttributeInput{VolumeId: v.VolumeId, Attribute: ptr("autoEnableIO")})
	if err != nil || !*attr.AutoEnableIO.Value {
		t.Fatalf("autoEnableIO: %+v %v", attr, err)
	}
	_, badAttr := s.DescribeVolumeAttribute(ctx, &ec2api.DescribeVolumeAttributeInput{VolumeId: v.VolumeId, Attribute: ptr("size")})
	_, noValue := s.ModifyVolumeAttribute(ctx, &ec2api.ModifyVolumeAttributeInput{VolumeId: v.VolumeId})
	checkRefusals(t, []refusal{
		{"bad attribute", badAttr, "InvalidParameterValue", ""},
		{"no value", noValue, "MissingParameter", ""},
	})
}

func TestEBSQuotas(t *testing.T) {
	q := DefaultQuotas()
	q.EBSStorageTiB, q.IO2StorageTiB, q.SnapshotsPerRegion = 1, 1, 1
	s, ctx := newTestService(t, q)
	clk := s.clock.(*clock.Manual)
	v := mustVolume(t, s, ctx, ec2api.CreateVolumeInput{Size: ptr[int64](1000)})
	mustVolume(t, s, ctx, ec2api.CreateVolumeInput{Size: ptr[int64](1000), VolumeType: ptr("gp3")}) // each type has its own
	_, full := s.CreateVolume(ctx, &ec2api.CreateVolumeInput{AvailabilityZone: ptr("us-east-1a"), Size: ptr[int64](25)})
	clk.Advance(volCreatingFor)
	_, grow := s.ModifyVolume(ctx, &ec2api.ModifyVolumeInput{VolumeId: v.VolumeId, Size: ptr[int64](1025)})
	if _, err := s.ModifyVolume(ctx, &ec2api.ModifyVolumeInput{VolumeId: v.VolumeId, Size: ptr[int64](1024)}); err != nil {
		t.Errorf("growing to the quota: %v", err)
	}
	if _, err := s.CreateSnapshot(ctx, &ec2api.CreateSnapshotInput{VolumeId: v.VolumeId}); err != nil {
		t.Fatal(err)
	}
	_, second := s.CreateSnapshot(ctx, &ec2api.CreateSnapshotInput{VolumeId: v.VolumeId})
	checkRefusals(t, []refusal{
		{"storage", full, "VolumeLimitExceeded", "You have exceeded your maximum gp2 storage limit of 1 TiB in this region. Please contact AWS Support to request an Elastic Block Store service limit increase."},
		{"modify past storage", grow, "VolumeLimitExceeded", ""},
		{"snapshots", second, "SnapshotLimitExceeded", ""},
	})
}

func TestVolumeModificationRate(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	clk := s.clock.(*clock.Manual)
	v := mustVolume(t, s, ctx, ec2api.CreateVolumeInput{Size: ptr[int64](10)})
	clk.Advance(volCreatingFor)
	for i := range int64(modsPerWindow) {
		if _, err := s.ModifyVolume(ctx, &ec2api.ModifyVolumeInput{VolumeId: v.VolumeId, Size: ptr(11 + i)}); err != nil {
			t.Fatalf("modification %d: %v", i+1, err)
		}
		clk.Advance(modModifyingFor + modOptimizingFor)
	}
	_, fifth := s.ModifyVolume(ctx, &ec2api.ModifyVolumeInput{VolumeId: v.VolumeId, Size: ptr[int64](20)})
	checkRefusals(t, []refusal{{"fifth in a day", fifth, "VolumeModificationRateExceeded", ""}})
	clk.Advance(modWindow)
	if _, err := s.ModifyVolume(ctx, &ec2api.ModifyVolumeInput{VolumeId: v.VolumeId, Size: ptr[int64](20)}); err != nil {
		t.Fatalf("a day later: %v", err)
	}
}

func TestEBSPaging(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	clk := s.clock.(*clock.Manual)
	var ids []string
	for range 7 {
		ids = append(ids, *mustVolume(t, s, ctx, ec2api.CreateVolumeInput{Size: ptr[int64](1)}).VolumeId)
	}
	clk.Advance(volCreatingFor)
	for _, id := range ids {
		if _, err := s.CreateSnapshot(ctx, &ec2api.CreateSnapshotInput{VolumeId: ptr(id)}); err != nil {
			t.Fatal(err)
		}
	}
	var vols []string
	var token *string
	for pages := 0; ; pages++ {
		out, err := s.DescribeVolumes(ctx, &ec2api.DescribeVolumesInput{MaxResults: ptr[int64](5), NextToken: token, Filters: filters("availability-zone", "us-east-1a")})
		if err != nil || pages > 2 {
			t.Fatalf("page %d: %v", pages, err)
		}
		for _, v := range out.Volumes {
			vols = append(vols, *v.VolumeId)
		}
		if token = out.NextToken; token == nil {
			break
		}
	}
	var snaps int
	token = nil
	for pages := 0; ; pages++ {
		out, err := s.DescribeSnapshots(ctx, &ec2api.DescribeSnapshotsInput{OwnerIds: []string{"self"}, MaxResults: ptr[int64](5), NextToken: token})
		if err != nil || pages > 2 {
			t.Fatalf("snapshot page %d: %v", pages, err)
		}
		snaps += len(out.Snapshots)
		if token = out.NextToken; token == nil {
			break
		}
	}
	if len(vols) != 7 || snaps != 7 {
		t.Errorf("paged %d volumes, %d snapshots; want 7 each", len(vols), snaps)
	}
	_, badToken := s.DescribeVolumes(ctx, &ec2api.DescribeVolumesInput{NextToken: ptr("!!")})
	_, lowMax := s.DescribeSnapshots(ctx, &ec2api.DescribeSnapshotsInput{MaxResults: ptr[int64](2)})
	checkRefusals(t, []refusal{
		{"bad token", badToken, "InvalidNextToken", ""},
		{"max too low", lowMax, "InvalidParameterValue", ""},
	})
}
