package ec2

import (
	"testing"

	"hakoniwa/internal/awsdata/images"
	"hakoniwa/internal/clock"

	ec2api "hakoniwa/internal/api/ec2"
)

func TestSnapshots(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	clk := s.clock.(*clock.Manual)
	v := mustVolume(t, s, ctx, ec2api.CreateVolumeInput{Size: ptr[int64](30), Encrypted: ptr(true), KmsKeyId: ptr("alias/team")})
	if *v.KmsKeyId != "arn:aws:kms:us-east-1:"+testAccount+":alias/team" {
		t.Errorf("key: %s", *v.KmsKeyId)
	}
	_, creating := s.CreateSnapshot(ctx, &ec2api.CreateSnapshotInput{VolumeId: v.VolumeId})
	clk.Advance(volCreatingFor)
	snap, err := s.CreateSnapshot(ctx, &ec2api.CreateSnapshotInput{VolumeId: v.VolumeId, Description: ptr("nightly"),
		TagSpecifications: []ec2api.TagSpecification{{ResourceType: ptr("snapshot"), Tags: []ec2api.Tag{{Key: ptr("k"), Value: ptr("v")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	if *snap.State != "pending" || *snap.Progress != "0%" || *snap.VolumeSize != 30 || !*snap.Encrypted || *snap.KmsKeyId != *v.KmsKeyId || *snap.OwnerId != testAccount {
		t.Fatalf("snapshot: %+v", snap)
	}
	_, pending := s.CreateVolume(ctx, &ec2api.CreateVolumeInput{AvailabilityZone: ptr("us-east-1a"), SnapshotId: snap.SnapshotId})
	clk.Advance(snapPendingFor / 2)
	half, _ := s.DescribeSnapshots(ctx, &ec2api.DescribeSnapshotsInput{SnapshotIds: []string{*snap.SnapshotId}})
	if *half.Snapshots[0].Progress != "50%" {
		t.Errorf("half way: %s", *half.Snapshots[0].Progress)
	}
	clk.Advance(snapPendingFor)
	done, _ := s.DescribeSnapshots(ctx, &ec2api.DescribeSnapshotsInput{OwnerIds: []string{"self"}, Filters: filters("status", "completed")})
	if len(done.Snapshots) != 1 || *done.Snapshots[0].Progress != "100%" || len(done.Snapshots[0].Tags) != 1 {
		t.Fatalf("completed: %+v", done)
	}
	for _, f := range []struct {
		kv   []string
		want int
	}{
		{[]string{"description", "night*"}, 1},
		{[]string{"volume-size", "30"}, 1},
		{[]string{"encrypted", "false"}, 0},
		{[]string{"owner-alias", "amazon"}, 0},
		{[]string{"tag:k", "v"}, 1},
		{[]string{"volume-id", *v.VolumeId}, 1},
	} {
		got, err := s.DescribeSnapshots(ctx, &ec2api.DescribeSnapshotsInput{Filters: filters(f.kv...)})
		if err != nil || len(got.Snapshots) != f.want {
			t.Errorf("filter %v: %d snapshots, want %d (%v)", f.kv, len(got.Snapshots), f.want, err)
		}
	}
	_, badFilter := s.DescribeSnapshots(ctx, &ec2api.DescribeSnapshotsInput{Filters: filters("colour", "red")})
	checkRefusals(t, []refusal{{"bad filter", badFilter, "InvalidParameterValue", ""}})

	// Volumes from the snapshot: its size by default, encrypted with its key.
	restored := mustVolume(t, s, ctx, ec2api.CreateVolumeInput{SnapshotId: snap.SnapshotId})
	if *restored.Size != 30 || !*restored.Encrypted || *restored.SnapshotId != *snap.SnapshotId {
		t.Errorf("restored: %+v", restored)
	}
	_, small := s.CreateVolume(ctx, &ec2api.CreateVolumeInput{AvailabilityZone: ptr("us-east-1a"), SnapshotId: snap.SnapshotId, Size: ptr[int64](10)})
	// A public image's root snapshot can be restored by anyone.
	img := images.Public("us-east-1")[0]
	root := mustVolume(t, s, ctx, ec2api.CreateVolumeInput{SnapshotId: ptr(img.BlockDevices[0].SnapshotID), VolumeType: ptr("gp3")})
	if *root.Size != int64(img.BlockDevices[0].VolumeSize) {
		t.Errorf("root volume size %d, want %d", *root.Size, img.BlockDevices[0].VolumeSize)
	}

	// Sharing.
	other := ctxAs("999988887777", "us-east-1")
	_, hidden := s.DescribeSnapshots(other, &ec2api.DescribeSnapshotsInput{SnapshotIds: []string{*snap.SnapshotId}})
	if _, err := s.ModifySnapshotAttribute(ctx, &ec2api.ModifySnapshotAttributeInput{SnapshotId: snap.SnapshotId, Attribute: ptr("createVolumePermission"),
		OperationType: ptr("add"), UserIds: []string{"999988887777"}}); err != nil {
		t.Fatal(err)
	}
	shared, err := s.DescribeSnapshots(other, &ec2api.DescribeSnapshotsInput{RestorableByUserIds: []string{"self"}})
	if err != nil || len(shared.Snapshots) != 1 || shared.Snapshots[0].Tags != nil {
		t.Fatalf("shared view: %+v %v", shared, err)
	}
	mine, _ := s.DescribeSnapshots(other, &ec2api.DescribeSnapshotsInput{OwnerIds: []string{"self"}})
	if len(mine.Snapshots) != 0 {
		t.Errorf("other's own: %d", len(mine.Snapshots))
	}
	if _, err := s.CreateVolume(other, &ec2api.CreateVolumeInput{AvailabilityZone: ptr("us-east-1a"), SnapshotId: snap.SnapshotId}); err != nil {
		t.Errorf("volume from shared snapshot: %v", err)
	}
	_, notOwner := s.DeleteSnapshot(other, &ec2api.DeleteSnapshotInput{SnapshotId: snap.SnapshotId})
	attr, err := s.DescribeSnapshotAttribute(ctx, &ec2api.DescribeSnapshotAttributeInput{SnapshotId: snap.SnapshotId, Attribute: ptr("createVolumePermission")})
	if err != nil || len(attr.CreateVolumePermissions) != 1 || *attr.CreateVolumePermissions[0].UserId != "999988887777" {
		t.Fatalf("attribute: %+v %v", attr, err)
	}
	// Encrypted snapshots are never public; unencrypted ones may be.
	_, encPublic := s.ModifySnapshotAttribute(ctx, &ec2api.ModifySnapshotAttributeInput{SnapshotId: snap.SnapshotId,
		CreateVolumePermission: &ec2api.CreateVolumePermissionModifications{Add: []ec2api.CreateVolumePermission{{Group: ptr("all")}}}})
	checkRefusals(t, []refusal{{"encrypted public", encPublic, "OperationNotPermitted", ""}})
	if _, err := s.ResetSnapshotAttribute(ctx, &ec2api.ResetSnapshotAttributeInput{SnapshotId: snap.SnapshotId, Attribute: ptr("createVolumePermission")}); err != nil {
		t.Fatal(err)
	}
	plainVol := mustVolume(t, s, ctx, ec2api.CreateVolumeInput{Size: ptr[int64](1)})
	clk.Advance(volCreatingFor)
	plain, err := s.CreateSnapshot(ctx, &ec2api.CreateSnapshotInput{VolumeId: plainVol.VolumeId})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ModifySnapshotAttribute(ctx, &ec2api.ModifySnapshotAttributeInput{SnapshotId: plain.SnapshotId,
		CreateVolumePermission: &ec2api.CreateVolumePermissionModifications{Add: []ec2api.CreateVolumePermission{{Group: ptr("all")}},
			Remove: []ec2api.CreateVolumePermission{{UserId: ptr("999988887777")}}}}); err != nil {
		t.Fatal(err)
	}
	third := ctxAs("444455556666", "us-east-1")
	pub, _ := s.DescribeSnapshots(third, &ec2api.DescribeSnapshotsInput{RestorableByUserIds: []string{"all"}})
	if len(pub.Snapshots) != 1 {
		t.Errorf("public: %d", len(pub.Snapshots))
	}
	if _, err := s.ResetSnapshotAttribute(ctx, &ec2api.ResetSnapshotAttributeInput{SnapshotId: plain.SnapshotId, Attribute: ptr("createVolumePermission")}); err != nil {
		t.Fatal(err)
	}
	after, _ := s.DescribeSnapshots(third, &ec2api.DescribeSnapshotsInput{})
	_, badGroup := s.ModifySnapshotAttribute(ctx, &ec2api.ModifySnapshotAttributeInput{SnapshotId: snap.SnapshotId, OperationType: ptr("add"), GroupNames: []string{"friends"}})
	_, badUser := s.ModifySnapshotAttribute(ctx, &ec2api.ModifySnapshotAttributeInput{SnapshotId: snap.SnapshotId, OperationType: ptr("add"), UserIds: []string{"bob"}})
	_, noOp := s.ModifySnapshotAttribute(ctx, &ec2api.ModifySnapshotAttributeInput{SnapshotId: snap.SnapshotId, UserIds: []string{"444455556666"}})
	if len(after.Snapshots) != 0 {
		t.Errorf("after reset: %d visible: %+v", len(after.Snapshots), after.Snapshots[0])
	}

	// Copy into another Region.
	west := ctxIn("us-west-2")
	cp, err := s.CopySnapshot(west, &ec2api.CopySnapshotInput{SourceRegion: ptr("us-east-1"), SourceSnapshotId: snap.SnapshotId})
	if err != nil {
		t.Fatal(err)
	}
	copied, err := s.DescribeSnapshots(west, &ec2api.DescribeSnapshotsInput{SnapshotIds: []string{*cp.SnapshotId}})
	if err != nil || *copied.Snapshots[0].VolumeSize != 30 || !*copied.Snapshots[0].Encrypted || *copied.Snapshots[0].VolumeId != copiedVolume ||
		*copied.Snapshots[0].Description != "[Copied "+*snap.SnapshotId+" from us-east-1]" {
		t.Fatalf("copy: %+v %v", copied, err)
	}
	_, copyUnknown := s.CopySnapshot(west, &ec2api.CopySnapshotInput{SourceRegion: ptr("us-east-1"), SourceSnapshotId: ptr("snap-0123456789abcdef0")})
	_, copyRegion := s.CopySnapshot(west, &ec2api.CopySnapshotInput{SourceRegion: ptr("mars-1"), SourceSnapshotId: snap.SnapshotId})

	// An image made of the snapshot keeps it from being deleted.
	reg, err := s.RegisterImage(ctx, &ec2api.RegisterImageInput{Name: ptr("mine"), RootDeviceName: ptr("/dev/xvda"), Architecture: ptr("x86_64"),
		BlockDeviceMappings: []ec2api.BlockDeviceMapping{{DeviceName: ptr("/dev/xvda"), Ebs: &ec2api.EbsBlockDevice{SnapshotId: snap.SnapshotId}}}})
	if err != nil {
		t.Fatal(err)
	}
	_, inUse := s.DeleteSnapshot(ctx, &ec2api.DeleteSnapshotInput{SnapshotId: snap.SnapshotId})
	_, regUnknown := s.RegisterImage(ctx, &ec2api.RegisterImageInput{Name: ptr("bad"), RootDeviceName: ptr("/dev/xvda"),
		BlockDeviceMappings: []ec2api.BlockDeviceMapping{{DeviceName: ptr("/dev/xvda"), Ebs: &ec2api.EbsBlockDevice{SnapshotId: ptr("snap-0123456789abcdef0")}}}})
	checkRefusals(t, []refusal{
		{"snapshot of creating volume", creating, "IncorrectState", ""},
		{"volume from pending", pending, "IncorrectState", "Snapshot is in invalid state - pending"},
		{"smaller than snapshot", small, "InvalidParameterValue", ""},
		{"not shared yet", hidden, "InvalidSnapshot.NotFound", ""},
		{"delete by grantee", notOwner, "InvalidSnapshot.NotFound", ""},
		{"bad group", badGroup, "InvalidParameterValue", ""},
		{"bad user", badUser, "InvalidParameterValue", ""},
		{"no operation type", noOp, "MissingParameter", ""},
		{"copy unknown", copyUnknown, "InvalidSnapshot.NotFound", ""},
		{"copy from unknown region", copyRegion, "InvalidParameterValue", ""},
		{"in use", inUse, "InvalidSnapshot.InUse", "The snapshot " + *snap.SnapshotId + " is currently in use by " + *reg.ImageId},
		{"register from unknown snapshot", regUnknown, "InvalidSnapshot.NotFound", ""},
	})
	if _, err := s.DeregisterImage(ctx, &ec2api.DeregisterImageInput{ImageId: reg.ImageId}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteSnapshot(ctx, &ec2api.DeleteSnapshotInput{SnapshotId: snap.SnapshotId}); err != nil {
		t.Fatal(err)
	}
	_, gone := s.DescribeSnapshots(ctx, &ec2api.DescribeSnapshotsInput{SnapshotIds: []string{*snap.SnapshotId}})
	checkRefusals(t, []refusal{{"deleted", gone, "InvalidSnapshot.NotFound", "The snapshot '" + *snap.SnapshotId + "' does not exist."}})
}

func TestDefaultKeySnapshotsAreNotShared(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	clk := s.clock.(*clock.Manual)
	v := mustVolume(t, s, ctx, ec2api.CreateVolumeInput{Size: ptr[int64](1), Encrypted: ptr(true)})
	clk.Advance(volCreatingFor)
	snap, err := s.CreateSnapshot(ctx, &ec2api.CreateSnapshotInput{VolumeId: v.VolumeId})
	if err != nil {
		t.Fatal(err)
	}
	_, shared := s.ModifySnapshotAttribute(ctx, &ec2api.ModifySnapshotAttributeInput{SnapshotId: snap.SnapshotId, OperationType: ptr("add"), UserIds: []string{"999988887777"}})
	// Removing permissions is always allowed.
	_, removed := s.ModifySnapshotAttribute(ctx, &ec2api.ModifySnapshotAttributeInput{SnapshotId: snap.SnapshotId, OperationType: ptr("remove"), UserIds: []string{"999988887777"}})
	checkRefusals(t, []refusal{
		{"default key", shared, "OperationNotPermitted", "Encrypted snapshots with EBS default key cannot be shared"},
		{"remove", removed, "", ""},
	})
}
