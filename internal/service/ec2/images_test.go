package ec2

import (
	"testing"

	"hakoniwa/internal/awsdata/images"
	"hakoniwa/internal/reqctx"
	"hakoniwa/internal/store"

	ec2api "hakoniwa/internal/api/ec2"
)

func TestDescribePublicImages(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	out, err := s.DescribeImages(ctx, &ec2api.DescribeImagesInput{Owners: []string{"amazon"}, Filters: filters("name", "al2023-ami-2023*", "architecture", "x86_64")})
	if err != nil || len(out.Images) != 1 || *out.Images[0].Name != "al2023-ami-2023.6.20241212.0-kernel-6.1-x86_64" ||
		*out.Images[0].ImageOwnerAlias != "amazon" || !*out.Images[0].Public {
		t.Fatalf("AL2023: %+v, %v", out, err)
	}
	for _, tt := range []struct {
		in   ec2api.DescribeImagesInput
		n    int
		code string
	}{
		{ec2api.DescribeImagesInput{Owners: []string{images.OwnerCanonical}}, 4, ""},
		{ec2api.DescribeImagesInput{Owners: []string{"aws-marketplace"}}, 0, ""},
		{ec2api.DescribeImagesInput{Filters: filters("platform", "windows")}, 3, ""},
		{ec2api.DescribeImagesInput{ExecutableUsers: []string{"all"}, Filters: filters("owner-id", images.OwnerDebian)}, 2, ""},
		{ec2api.DescribeImagesInput{ImageIds: []string{"ami-12"}}, 0, "InvalidAMIID.Malformed"},
		{ec2api.DescribeImagesInput{ImageIds: []string{"ami-0123456789abcdef0"}}, 0, "InvalidAMIID.NotFound"},
		{ec2api.DescribeImagesInput{Owners: []string{"someone"}}, 0, "InvalidUserID.Malformed"},
		{ec2api.DescribeImagesInput{Filters: filters("colour", "x")}, 0, "InvalidParameterValue"},
	} {
		out, err := s.DescribeImages(ctx, &tt.in)
		if code(err) != tt.code || (err == nil && len(out.Images) != tt.n) {
			t.Errorf("%+v: %v images, %v", tt.in, out, err)
		}
	}
}

func TestRegisterShareDeregister(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	pub := images.Public("us-east-1")[0]
	bdm := []ec2api.BlockDeviceMapping{{DeviceName: ptr("/dev/xvda"), Ebs: &ec2api.EbsBlockDevice{SnapshotId: ptr(pub.BlockDevices[0].SnapshotID), VolumeSize: ptr(int64(8))}}}
	reg, err := s.RegisterImage(ctx, &ec2api.RegisterImageInput{Name: ptr("my image"), RootDeviceName: ptr("/dev/xvda"), BlockDeviceMappings: bdm,
		TagSpecifications: []ec2api.TagSpecification{{ResourceType: ptr("image"), Tags: []ec2api.Tag{{Key: ptr("k"), Value: ptr("v")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	id := *reg.ImageId
	for _, tt := range []struct {
		in   ec2api.RegisterImageInput
		code string
	}{
		{ec2api.RegisterImageInput{Name: ptr("my image"), RootDeviceName: ptr("/dev/xvda"), BlockDeviceMappings: bdm}, "InvalidAMIName.Duplicate"},
		{ec2api.RegisterImageInput{Name: ptr("x"), RootDeviceName: ptr("/dev/xvda"), BlockDeviceMappings: bdm}, "InvalidAMIName.Malformed"},
		{ec2api.RegisterImageInput{Name: ptr("other"), RootDeviceName: ptr("/dev/sda1"), BlockDeviceMappings: bdm}, "InvalidParameterValue"},
		{ec2api.RegisterImageInput{Name: ptr("other"), RootDeviceName: ptr("/dev/xvda"), BlockDeviceMappings: []ec2api.BlockDeviceMapping{{DeviceName: ptr("/dev/xvda"), Ebs: &ec2api.EbsBlockDevice{SnapshotId: ptr("snap-1")}}}}, "InvalidSnapshotID.Malformed"},
		{ec2api.RegisterImageInput{Name: ptr("other"), RootDeviceName: ptr("/dev/xvda"), Architecture: ptr("sparc"), BlockDeviceMappings: bdm}, "InvalidParameterValue"},
	} {
		if _, err := s.RegisterImage(ctx, &tt.in); code(err) != tt.code {
			t.Errorf("%s: %v, want %s", *tt.in.Name, err, tt.code)
		}
	}
	self, _ := s.DescribeImages(ctx, &ec2api.DescribeImagesInput{Owners: []string{"self"}})
	if len(self.Images) != 1 || *self.Images[0].ImageId != id || *self.Images[0].State != "available" || self.Images[0].Public == nil || *self.Images[0].Public || len(self.Images[0].Tags) != 1 {
		t.Fatalf("self: %+v", self)
	}
	// Share with another account, which can then find and launch it.
	const other = "444455556666"
	otherCtx := reqctx.With(ctx, &reqctx.Info{Region: "us-east-1", Principal: reqctx.Principal{Type: "Root", Account: other}})
	find := func() error {
		return s.st.View(otherCtx, func(tx store.Tx) error {
			_, err := s.findImage(tx, scope{other, "us-east-1"}, id)
			return err
		})
	}
	if err := find(); code(err) != "InvalidAMIID.NotFound" {
		t.Errorf("before sharing: %v", err)
	}
	if _, err := s.ModifyImageAttribute(ctx, &ec2api.ModifyImageAttributeInput{ImageId: ptr(id), LaunchPermission: &ec2api.LaunchPermissionModifications{Add: []ec2api.LaunchPermission{{UserId: ptr(other)}}}}); err != nil {
		t.Fatal(err)
	}
	if err := find(); err != nil {
		t.Errorf("after sharing: %v", err)
	}
	if o, _ := s.DescribeImages(otherCtx, &ec2api.DescribeImagesInput{ExecutableUsers: []string{"self"}}); len(o.Images) != 1 {
		t.Errorf("shared, executable by self: %+v", o)
	}
	attr, err := s.DescribeImageAttribute(ctx, &ec2api.DescribeImageAttributeInput{ImageId: ptr(id), Attribute: ptr("launchPermission")})
	if err != nil || len(attr.LaunchPermissions) != 1 || *attr.LaunchPermissions[0].UserId != other {
		t.Errorf("launch permissions: %+v, %v", attr, err)
	}
	if _, err := s.ModifyImageAttribute(otherCtx, &ec2api.ModifyImageAttributeInput{ImageId: ptr(id), Description: &ec2api.AttributeValue{Value: ptr("x")}}); code(err) != "AuthFailure" {
		t.Errorf("grantee modifies: %v", err)
	}
	if _, err := s.ResetImageAttribute(ctx, &ec2api.ResetImageAttributeInput{ImageId: ptr(id), Attribute: ptr("launchPermission")}); err != nil {
		t.Fatal(err)
	}
	if err := find(); code(err) != "InvalidAMIID.NotFound" {
		t.Errorf("after reset: %v", err)
	}
	// Copy from another Region.
	src := images.Public("eu-west-1")[0]
	cp, err := s.CopyImage(ctx, &ec2api.CopyImageInput{SourceImageId: ptr(src.ID), SourceRegion: ptr("eu-west-1"), Name: ptr("copied")})
	if err != nil {
		t.Fatal(err)
	}
	d, _ := s.DescribeImages(ctx, &ec2api.DescribeImagesInput{ImageIds: []string{*cp.ImageId}})
	if *d.Images[0].SourceImageId != src.ID || *d.Images[0].Architecture != src.Architecture {
		t.Errorf("copy: %+v", d.Images[0])
	}
	if _, err := s.DeregisterImage(ctx, &ec2api.DeregisterImageInput{ImageId: ptr(pub.ID)}); code(err) != "AuthFailure" {
		t.Errorf("deregister public: %v", err)
	}
	if _, err := s.DeregisterImage(ctx, &ec2api.DeregisterImageInput{ImageId: ptr(id)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeregisterImage(ctx, &ec2api.DeregisterImageInput{ImageId: ptr(id)}); code(err) != "InvalidAMIID.Unavailable" {
		t.Errorf("deregister twice: %v", err)
	}
	if _, err := s.CreateTags(ctx, &ec2api.CreateTagsInput{Resources: []string{*cp.ImageId}, Tags: []ec2api.Tag{{Key: ptr("a"), Value: ptr("b")}}}); err != nil {
		t.Errorf("tag image: %v", err)
	}
}

func TestCopyImageOwnsSnapshots(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	src := images.Public("eu-west-1")[0]
	cp, err := s.CopyImage(ctx, &ec2api.CopyImageInput{SourceImageId: ptr(src.ID), SourceRegion: ptr("eu-west-1"), Name: ptr("copied"),
		TagSpecifications: []ec2api.TagSpecification{{ResourceType: ptr("snapshot"), Tags: []ec2api.Tag{{Key: ptr("copy"), Value: ptr("yes")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	_, badType := s.CopyImage(ctx, &ec2api.CopyImageInput{SourceImageId: ptr(src.ID), SourceRegion: ptr("eu-west-1"), Name: ptr("other"),
		TagSpecifications: []ec2api.TagSpecification{{ResourceType: ptr("volume"), Tags: []ec2api.Tag{{Key: ptr("k"), Value: ptr("v")}}}}})
	_, pendingSource := s.CopyImage(ctx, &ec2api.CopyImageInput{SourceImageId: cp.ImageId, SourceRegion: ptr("us-east-1"), Name: ptr("copy of a copy")})
	d, err := s.DescribeImages(ctx, &ec2api.DescribeImagesInput{ImageIds: []string{*cp.ImageId}})
	if err != nil || *d.Images[0].State != "pending" || len(d.Images[0].BlockDeviceMappings) != 1 {
		t.Fatalf("copied image: %+v %v", d, err)
	}
	snapID := *d.Images[0].BlockDeviceMappings[0].Ebs.SnapshotId
	if snapID == src.BlockDevices[0].SnapshotID {
		t.Fatalf("the copy shares its source's snapshot %s", snapID)
	}
	snaps, err := s.DescribeSnapshots(ctx, &ec2api.DescribeSnapshotsInput{OwnerIds: []string{"self"}})
	if err != nil || len(snaps.Snapshots) != 1 || *snaps.Snapshots[0].SnapshotId != snapID || *snaps.Snapshots[0].State != "pending" ||
		*snaps.Snapshots[0].Description != "Copied for DestinationAmi "+*cp.ImageId+" from SourceAmi "+src.ID+" for SourceSnapshot "+src.BlockDevices[0].SnapshotID ||
		len(snaps.Snapshots[0].Tags) != 1 || *snaps.Snapshots[0].VolumeSize != int64(src.BlockDevices[0].VolumeSize) {
		t.Fatalf("the copy's snapshot: %+v %v", snaps, err)
	}
	_, inUse := s.DeleteSnapshot(ctx, &ec2api.DeleteSnapshotInput{SnapshotId: ptr(snapID)})
	checkRefusals(t, []refusal{
		{"snapshot tag type volume", badType, "InvalidParameterValue", ""},
		{"copy of a pending image", pendingSource, "InvalidAMIID.Unavailable", ""},
		{"delete the copy's snapshot", inUse, "InvalidSnapshot.InUse", "The snapshot " + snapID + " is currently in use by " + *cp.ImageId},
	})
	manualClock(s).Advance(snapPendingFor)
	if d, err = s.DescribeImages(ctx, &ec2api.DescribeImagesInput{ImageIds: []string{*cp.ImageId}}); err != nil || *d.Images[0].State != "available" {
		t.Fatalf("copied image once its snapshot completed: %+v %v", d, err)
	}
	// A second image of the same snapshot keeps it through the first's
	// deregistration; the last one's deregistration may delete it.
	reg, err := s.RegisterImage(ctx, &ec2api.RegisterImageInput{Name: ptr("again"), RootDeviceName: d.Images[0].RootDeviceName,
		BlockDeviceMappings: []ec2api.BlockDeviceMapping{{DeviceName: d.Images[0].RootDeviceName, Ebs: &ec2api.EbsBlockDevice{SnapshotId: ptr(snapID)}}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ image, code string }{{*cp.ImageId, "skipped"}, {*reg.ImageId, "success"}} {
		out, err := s.DeregisterImage(ctx, &ec2api.DeregisterImageInput{ImageId: ptr(tt.image), DeleteAssociatedSnapshots: ptr(true)})
		if err != nil || len(out.DeleteSnapshotResults) != 1 || *out.DeleteSnapshotResults[0].SnapshotId != snapID || *out.DeleteSnapshotResults[0].ReturnCode != tt.code {
			t.Fatalf("deregister %s: %+v %v", tt.image, out, err)
		}
	}
	_, gone := s.DescribeSnapshots(ctx, &ec2api.DescribeSnapshotsInput{SnapshotIds: []string{snapID}})
	checkRefusals(t, []refusal{{"snapshot after the last image", gone, "InvalidSnapshot.NotFound", ""}})
	// A public image's snapshot is not the account's to delete.
	pub := images.Public("us-east-1")[0]
	own, err := s.RegisterImage(ctx, &ec2api.RegisterImageInput{Name: ptr("of a public snapshot"), RootDeviceName: ptr("/dev/xvda"),
		BlockDeviceMappings: []ec2api.BlockDeviceMapping{{DeviceName: ptr("/dev/xvda"), Ebs: &ec2api.EbsBlockDevice{SnapshotId: ptr(pub.BlockDevices[0].SnapshotID)}}}})
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.DeregisterImage(ctx, &ec2api.DeregisterImageInput{ImageId: own.ImageId, DeleteAssociatedSnapshots: ptr(true)})
	if err != nil || *out.DeleteSnapshotResults[0].ReturnCode != "missing-permissions" {
		t.Errorf("deregister with a public snapshot: %+v %v", out, err)
	}
}
