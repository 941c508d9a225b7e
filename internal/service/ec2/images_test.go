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
	if len(self.Images) != 1 || *self.Images[0].ImageId != id || self.Images[0].Public == nil || *self.Images[0].Public || len(self.Images[0].Tags) != 1 {
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
