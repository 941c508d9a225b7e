package ec2

import (
	"testing"

	"hakoniwa/internal/clock"
	"hakoniwa/internal/store"

	ec2api "hakoniwa/internal/api/ec2"
)

func TestAttachVolumes(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	clk := s.clock.(*clock.Manual)
	out := run(t, s, ctx, ec2api.RunInstancesInput{ImageId: ptr(al2023(t)), InstanceType: ptr("t3.micro"), MinCount: ptr(int64(1)), MaxCount: ptr(int64(1)),
		TagSpecifications: []ec2api.TagSpecification{{ResourceType: ptr("volume"), Tags: []ec2api.Tag{{Key: ptr("role"), Value: ptr("root")}}}}})
	inst := out.Instances[0]
	rootID := *inst.BlockDeviceMappings[0].Ebs.VolumeId
	// The root volume exists, attached and in use, with the launch's tags.
	root, err := s.DescribeVolumes(ctx, &ec2api.DescribeVolumesInput{Filters: filters("attachment.instance-id", *inst.InstanceId)})
	if err != nil || len(root.Volumes) != 1 || *root.Volumes[0].VolumeId != rootID || *root.Volumes[0].State != "in-use" ||
		*root.Volumes[0].Attachments[0].State != "attached" || !*root.Volumes[0].Attachments[0].DeleteOnTermination || len(root.Volumes[0].Tags) != 1 {
		t.Fatalf("root volume: %+v %v", root, err)
	}
	data := mustVolume(t, s, ctx, ec2api.CreateVolumeInput{Size: ptr[int64](10)})
	far := mustVolume(t, s, ctx, ec2api.CreateVolumeInput{Size: ptr[int64](10), AvailabilityZone: ptr("us-east-1b")})
	_, pending := s.AttachVolume(ctx, &ec2api.AttachVolumeInput{VolumeId: data.VolumeId, InstanceId: inst.InstanceId, Device: ptr("/dev/sdf")})
	clk.Advance(instPendingFor + volCreatingFor)
	_, zone := s.AttachVolume(ctx, &ec2api.AttachVolumeInput{VolumeId: far.VolumeId, InstanceId: inst.InstanceId, Device: ptr("/dev/sdf")})
	_, badDevice := s.AttachVolume(ctx, &ec2api.AttachVolumeInput{VolumeId: data.VolumeId, InstanceId: inst.InstanceId, Device: ptr("sdf")})
	_, rootDevice := s.AttachVolume(ctx, &ec2api.AttachVolumeInput{VolumeId: data.VolumeId, InstanceId: inst.InstanceId, Device: inst.RootDeviceName})
	_, noInstance := s.AttachVolume(ctx, &ec2api.AttachVolumeInput{VolumeId: data.VolumeId, InstanceId: ptr("i-0123456789abcdef0"), Device: ptr("/dev/sdf")})
	att, err := s.AttachVolume(ctx, &ec2api.AttachVolumeInput{VolumeId: data.VolumeId, InstanceId: inst.InstanceId, Device: ptr("/dev/sdf")})
	if err != nil || *att.State != "attaching" || *att.Device != "/dev/sdf" {
		t.Fatalf("attach: %+v %v", att, err)
	}
	_, again := s.AttachVolume(ctx, &ec2api.AttachVolumeInput{VolumeId: data.VolumeId, InstanceId: inst.InstanceId, Device: ptr("/dev/sdg")})
	_, inUse := s.DeleteVolume(ctx, &ec2api.DeleteVolumeInput{VolumeId: data.VolumeId})
	_, detachRoot := s.DetachVolume(ctx, &ec2api.DetachVolumeInput{VolumeId: &rootID})
	_, detachFree := s.DetachVolume(ctx, &ec2api.DetachVolumeInput{VolumeId: far.VolumeId})
	_, wrongDevice := s.DetachVolume(ctx, &ec2api.DetachVolumeInput{VolumeId: data.VolumeId, Device: ptr("/dev/sdh")})
	checkRefusals(t, []refusal{
		{"instance pending", pending, "IncorrectState", ""},
		{"zone", zone, "InvalidVolume.ZoneMismatch", ""},
		{"bad device", badDevice, "InvalidParameterValue", ""},
		{"root device taken", rootDevice, "InvalidParameterValue", "Invalid value '/dev/xvda' for unixDevice. Attachment point /dev/xvda is already in use"},
		{"no instance", noInstance, "InvalidInstanceID.NotFound", ""},
		{"attached twice", again, "VolumeInUse", ""},
		{"delete attached", inUse, "VolumeInUse", "Volume " + *data.VolumeId + " is currently attached to " + *inst.InstanceId},
		{"detach root while running", detachRoot, "IncorrectState", ""},
		{"detach unattached", detachFree, "IncorrectState", ""},
		{"detach wrong device", wrongDevice, "InvalidAttachment.NotFound", ""},
	})
	clk.Advance(volAttachFor)
	got := describeOne(t, s, ctx, *inst.InstanceId)
	if len(got.BlockDeviceMappings) != 2 {
		t.Errorf("instance devices after attach: %+v", got.BlockDeviceMappings)
	}
	vs, _ := s.DescribeVolumes(ctx, &ec2api.DescribeVolumesInput{Filters: filters("attachment.status", "attached", "attachment.device", "/dev/sdf")})
	if len(vs.Volumes) != 1 || *vs.Volumes[0].State != "in-use" {
		t.Fatalf("attached: %+v", vs)
	}
	det, err := s.DetachVolume(ctx, &ec2api.DetachVolumeInput{VolumeId: data.VolumeId})
	if err != nil || *det.State != "detaching" {
		t.Fatalf("detach: %+v %v", det, err)
	}
	clk.Advance(volDetachFor)
	vs, _ = s.DescribeVolumes(ctx, &ec2api.DescribeVolumesInput{VolumeIds: []string{*data.VolumeId}})
	if *vs.Volumes[0].State != "available" || len(vs.Volumes[0].Attachments) != 0 {
		t.Fatalf("detached: %+v", vs.Volumes[0])
	}
	// Not while its modification is in its first phase.
	if _, err := s.ModifyVolume(ctx, &ec2api.ModifyVolumeInput{VolumeId: data.VolumeId, Size: ptr[int64](11)}); err != nil {
		t.Fatal(err)
	}
	_, modifying := s.AttachVolume(ctx, &ec2api.AttachVolumeInput{VolumeId: data.VolumeId, InstanceId: inst.InstanceId, Device: ptr("/dev/sdf")})
	checkRefusals(t, []refusal{{"modifying", modifying, "OperationNotPermitted", ""}})
	clk.Advance(modModifyingFor)
	// Attach again, then terminate: the root volume goes, the data
	// volume (not DeleteOnTermination) is detached and stays.
	if _, err := s.AttachVolume(ctx, &ec2api.AttachVolumeInput{VolumeId: data.VolumeId, InstanceId: inst.InstanceId, Device: ptr("/dev/sdf")}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.TerminateInstances(ctx, &ec2api.TerminateInstancesInput{InstanceIds: []string{*inst.InstanceId}}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(volDeletingFor)
	_, rootGone := s.DescribeVolumes(ctx, &ec2api.DescribeVolumesInput{VolumeIds: []string{rootID}})
	checkRefusals(t, []refusal{{"root after termination", rootGone, "InvalidVolume.NotFound", ""}})
	vs, _ = s.DescribeVolumes(ctx, &ec2api.DescribeVolumesInput{VolumeIds: []string{*data.VolumeId}})
	if *vs.Volumes[0].State != "available" {
		t.Errorf("data volume after termination: %s", *vs.Volumes[0].State)
	}
}

func TestCreateImage(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	clk := s.clock.(*clock.Manual)
	out := run(t, s, ctx, ec2api.RunInstancesInput{ImageId: ptr(al2023(t)), InstanceType: ptr("t3.micro"), MinCount: ptr(int64(1)), MaxCount: ptr(int64(1))})
	inst := out.Instances[0].InstanceId
	_, pending := s.CreateImage(ctx, &ec2api.CreateImageInput{InstanceId: inst, Name: ptr("web-1")})
	clk.Advance(instPendingFor)
	_, badName := s.CreateImage(ctx, &ec2api.CreateImageInput{InstanceId: inst, Name: ptr("x")})
	img, err := s.CreateImage(ctx, &ec2api.CreateImageInput{InstanceId: inst, Name: ptr("web-1"), NoReboot: ptr(true),
		TagSpecifications: []ec2api.TagSpecification{{ResourceType: ptr("snapshot"), Tags: []ec2api.Tag{{Key: ptr("from"), Value: ptr("ami")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	_, dup := s.CreateImage(ctx, &ec2api.CreateImageInput{InstanceId: inst, Name: ptr("web-1")})
	checkRefusals(t, []refusal{
		{"pending instance", pending, "IncorrectState", ""},
		{"bad name", badName, "InvalidAMIName.Malformed", ""},
		{"duplicate name", dup, "InvalidAMIName.Duplicate", ""},
	})
	imgs, err := s.DescribeImages(ctx, &ec2api.DescribeImagesInput{ImageIds: []string{*img.ImageId}})
	if err != nil || len(imgs.Images) != 1 || len(imgs.Images[0].BlockDeviceMappings) != 1 || *imgs.Images[0].State != "pending" {
		t.Fatalf("image: %+v %v", imgs, err)
	}
	byState, err := s.DescribeImages(ctx, &ec2api.DescribeImagesInput{Owners: []string{"self"}, Filters: filters("state", "available")})
	if err != nil || len(byState.Images) != 0 {
		t.Errorf("available while its snapshot is pending: %+v %v", byState, err)
	}
	_, early := s.RunInstances(ctx, &ec2api.RunInstancesInput{ImageId: img.ImageId, InstanceType: ptr("t3.micro"), MinCount: ptr(int64(1)), MaxCount: ptr(int64(1))})
	checkRefusals(t, []refusal{{"launch of a pending image", early, "InvalidAMIID.Unavailable", "AMI '" + *img.ImageId + "' is pending, and cannot be run"}})
	snapID := imgs.Images[0].BlockDeviceMappings[0].Ebs.SnapshotId
	snaps, err := s.DescribeSnapshots(ctx, &ec2api.DescribeSnapshotsInput{SnapshotIds: []string{*snapID}})
	if err != nil || *snaps.Snapshots[0].State != "pending" || len(snaps.Snapshots[0].Tags) != 1 {
		t.Fatalf("image snapshot: %+v %v", snaps, err)
	}
	// An image registered from a pending snapshot waits for it too.
	reg, err := s.RegisterImage(ctx, &ec2api.RegisterImageInput{Name: ptr("web-1 again"), RootDeviceName: ptr("/dev/xvda"),
		BlockDeviceMappings: []ec2api.BlockDeviceMapping{{DeviceName: ptr("/dev/xvda"), Ebs: &ec2api.EbsBlockDevice{SnapshotId: snapID}}}})
	if err != nil {
		t.Fatal(err)
	}
	if r, err := s.DescribeImages(ctx, &ec2api.DescribeImagesInput{ImageIds: []string{*reg.ImageId}}); err != nil || *r.Images[0].State != "pending" {
		t.Errorf("registered from a pending snapshot: %+v %v", r, err)
	}
	_, inUse := s.DeleteSnapshot(ctx, &ec2api.DeleteSnapshotInput{SnapshotId: snapID})
	checkRefusals(t, []refusal{{"snapshot of an image", inUse, "InvalidSnapshot.InUse", ""}})
	// The image launches, its root volume restored from the snapshot.
	clk.Advance(snapPendingFor)
	if imgs, err = s.DescribeImages(ctx, &ec2api.DescribeImagesInput{ImageIds: []string{*img.ImageId}}); err != nil || *imgs.Images[0].State != "available" {
		t.Fatalf("image once its snapshot completed: %+v %v", imgs, err)
	}
	again := run(t, s, ctx, ec2api.RunInstancesInput{ImageId: img.ImageId, InstanceType: ptr("t3.micro"), MinCount: ptr(int64(1)), MaxCount: ptr(int64(1))})
	vs, err := s.DescribeVolumes(ctx, &ec2api.DescribeVolumesInput{Filters: filters("attachment.instance-id", *again.Instances[0].InstanceId)})
	if err != nil || len(vs.Volumes) != 1 || *vs.Volumes[0].SnapshotId != *snapID {
		t.Fatalf("volume of the new image's instance: %+v %v", vs, err)
	}
}

func TestCreateSnapshotsOfInstance(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	clk := s.clock.(*clock.Manual)
	out := run(t, s, ctx, ec2api.RunInstancesInput{ImageId: ptr(al2023(t)), InstanceType: ptr("t3.micro"), MinCount: ptr(int64(1)), MaxCount: ptr(int64(1)),
		TagSpecifications: []ec2api.TagSpecification{{ResourceType: ptr("volume"), Tags: []ec2api.Tag{{Key: ptr("app"), Value: ptr("web")}}}}})
	inst := out.Instances[0].InstanceId
	data := mustVolume(t, s, ctx, ec2api.CreateVolumeInput{Size: ptr[int64](5)})
	clk.Advance(instPendingFor + volCreatingFor)
	if _, err := s.AttachVolume(ctx, &ec2api.AttachVolumeInput{VolumeId: data.VolumeId, InstanceId: inst, Device: ptr("/dev/sdf")}); err != nil {
		t.Fatal(err)
	}
	err := s.st.Update(ctx, func(tx store.Tx) error {
		return s.setDeleteOnTerminationTx(tx, scope{testAccount, "us-east-1"}, *inst, "/dev/sdf", true, clk.Now())
	})
	if err != nil {
		t.Fatal(err)
	}
	var bds []ec2api.InstanceBlockDeviceMapping
	err = s.st.View(ctx, func(tx store.Tx) error {
		var err error
		bds, err = s.instanceBlockDevices(tx, scope{testAccount, "us-east-1"}, *inst, clk.Now())
		return err
	})
	if err != nil || len(bds) != 2 || *bds[0].DeviceName != "/dev/sdf" || !*bds[0].Ebs.DeleteOnTermination || *bds[0].Ebs.Status != "attaching" {
		t.Fatalf("block devices: %+v %v", bds, err)
	}
	all, err := s.CreateSnapshots(ctx, &ec2api.CreateSnapshotsInput{InstanceSpecification: &ec2api.InstanceSpecification{InstanceId: inst},
		CopyTagsFromSource: ptr("volume"), Description: ptr("both")})
	if err != nil || len(all.Snapshots) != 2 || len(all.Snapshots[0].Tags) != 0 || len(all.Snapshots[1].Tags) != 1 {
		t.Fatalf("CreateSnapshots: %+v %v", all, err)
	}
	noBoot, err := s.CreateSnapshots(ctx, &ec2api.CreateSnapshotsInput{InstanceSpecification: &ec2api.InstanceSpecification{InstanceId: inst, ExcludeBootVolume: ptr(true)}})
	if err != nil || len(noBoot.Snapshots) != 1 || *noBoot.Snapshots[0].VolumeId != *data.VolumeId {
		t.Fatalf("without boot volume: %+v %v", noBoot, err)
	}
	noData, err := s.CreateSnapshots(ctx, &ec2api.CreateSnapshotsInput{InstanceSpecification: &ec2api.InstanceSpecification{InstanceId: inst,
		ExcludeDataVolumeIds: []string{*data.VolumeId}}})
	if err != nil || len(noData.Snapshots) != 1 || *noData.Snapshots[0].VolumeId == *data.VolumeId {
		t.Fatalf("without data volume: %+v %v", noData, err)
	}
	_, noInstance := s.CreateSnapshots(ctx, &ec2api.CreateSnapshotsInput{InstanceSpecification: &ec2api.InstanceSpecification{InstanceId: ptr("i-0123456789abcdef0")}})
	_, badCopy := s.CreateSnapshots(ctx, &ec2api.CreateSnapshotsInput{InstanceSpecification: &ec2api.InstanceSpecification{InstanceId: inst}, CopyTagsFromSource: ptr("instance")})
	_, noDevice := s.CreateImage(ctx, &ec2api.CreateImageInput{InstanceId: inst, Name: ptr("no root"),
		BlockDeviceMappings: []ec2api.BlockDeviceMapping{{DeviceName: out.Instances[0].RootDeviceName, NoDevice: ptr("")}}})
	err = s.st.Update(ctx, func(tx store.Tx) error {
		return s.setDeleteOnTerminationTx(tx, scope{testAccount, "us-east-1"}, *inst, "/dev/sdz", true, clk.Now())
	})
	checkRefusals(t, []refusal{
		{"no instance", noInstance, "InvalidInstanceID.NotFound", ""},
		{"copy tags from instance", badCopy, "InvalidParameterValue", ""},
		{"image without root", noDevice, "InvalidParameterValue", ""},
		{"no such device", err, "InvalidInstanceAttributeValue", "No device is currently mapped at /dev/sdz"},
	})
	// The data volume now goes with the instance.
	if _, err := s.TerminateInstances(ctx, &ec2api.TerminateInstancesInput{InstanceIds: []string{*inst}}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(volDeletingFor)
	_, gone := s.DescribeVolumes(ctx, &ec2api.DescribeVolumesInput{VolumeIds: []string{*data.VolumeId}})
	checkRefusals(t, []refusal{{"data volume after termination", gone, "InvalidVolume.NotFound", ""}})
}

// ModifyInstanceAttribute's blockDeviceMapping sets DeleteOnTermination
// per device; DescribeInstances, DescribeInstanceAttribute and
// DescribeVolumes show it, and termination honours it.
func TestModifyDeleteOnTermination(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	clk := s.clock.(*clock.Manual)
	out := run(t, s, ctx, ec2api.RunInstancesInput{ImageId: ptr(al2023(t)), InstanceType: ptr("t3.micro"), Placement: &ec2api.Placement{AvailabilityZone: ptr("us-east-1a")}})
	inst := out.Instances[0]
	rootID := *inst.BlockDeviceMappings[0].Ebs.VolumeId
	data := mustVolume(t, s, ctx, ec2api.CreateVolumeInput{Size: ptr[int64](5)})
	clk.Advance(instPendingFor + volCreatingFor)
	if _, err := s.AttachVolume(ctx, &ec2api.AttachVolumeInput{VolumeId: data.VolumeId, InstanceId: inst.InstanceId, Device: ptr("/dev/sdf")}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(volAttachFor)
	modify := func(ms ...ec2api.InstanceBlockDeviceMappingSpecification) error {
		_, err := s.ModifyInstanceAttribute(ctx, &ec2api.ModifyInstanceAttributeInput{InstanceId: inst.InstanceId, BlockDeviceMappings: ms})
		return err
	}
	dot := func(dev string, b *bool) ec2api.InstanceBlockDeviceMappingSpecification {
		return ec2api.InstanceBlockDeviceMappingSpecification{DeviceName: ptr(dev), Ebs: &ec2api.EbsInstanceBlockDeviceSpecification{DeleteOnTermination: b}}
	}
	unknown := modify(dot("/dev/xvda", ptr(false)), dot("/dev/sdz", ptr(true)))
	noDevice := modify(ec2api.InstanceBlockDeviceMappingSpecification{DeviceName: ptr("/dev/sdf"), NoDevice: ptr("")})
	checkRefusals(t, []refusal{
		{"unknown device", unknown, "InvalidInstanceAttributeValue", "No device is currently mapped at /dev/sdz"},
		{"NoDevice", noDevice, "InvalidParameterValue", ""},
	})
	described := func() map[string]bool {
		flags := map[string]bool{}
		for _, bd := range describeOne(t, s, ctx, *inst.InstanceId).BlockDeviceMappings {
			flags[*bd.DeviceName] = *bd.Ebs.DeleteOnTermination
		}
		return flags
	}
	// The refused call changed nothing, not even its valid first device;
	// an attached volume starts with false.
	if flags := described(); !flags["/dev/xvda"] || flags["/dev/sdf"] {
		t.Fatalf("before the change: %v", flags)
	}
	// Unset means true, as on AWS.
	if err := modify(dot("/dev/xvda", ptr(false)), dot("/dev/sdf", nil)); err != nil {
		t.Fatal(err)
	}
	flags := described()
	if flags["/dev/xvda"] || !flags["/dev/sdf"] {
		t.Errorf("DescribeInstances flags: %v", flags)
	}
	attr, err := s.DescribeInstanceAttribute(ctx, &ec2api.DescribeInstanceAttributeInput{InstanceId: inst.InstanceId, Attribute: ptr("blockDeviceMapping")})
	if err != nil || len(attr.BlockDeviceMappings) != 2 {
		t.Fatalf("DescribeInstanceAttribute: %+v %v", attr, err)
	}
	for _, bd := range attr.BlockDeviceMappings {
		if *bd.Ebs.DeleteOnTermination != flags[*bd.DeviceName] {
			t.Errorf("DescribeInstanceAttribute %s: %v", *bd.DeviceName, *bd.Ebs.DeleteOnTermination)
		}
	}
	vs, err := s.DescribeVolumes(ctx, &ec2api.DescribeVolumesInput{VolumeIds: []string{rootID}})
	if err != nil || *vs.Volumes[0].Attachments[0].DeleteOnTermination {
		t.Fatalf("DescribeVolumes root: %+v %v", vs, err)
	}
	if _, err := s.TerminateInstances(ctx, &ec2api.TerminateInstancesInput{InstanceIds: []string{*inst.InstanceId}}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(instShuttingFor + volDeletingFor + volDetachFor)
	kept, err := s.DescribeVolumes(ctx, &ec2api.DescribeVolumesInput{VolumeIds: []string{rootID}})
	if err != nil || *kept.Volumes[0].State != "available" || len(kept.Volumes[0].Attachments) != 0 {
		t.Errorf("root volume kept: %+v %v", kept, err)
	}
	_, gone := s.DescribeVolumes(ctx, &ec2api.DescribeVolumesInput{VolumeIds: []string{*data.VolumeId}})
	checkRefusals(t, []refusal{{"data volume after termination", gone, "InvalidVolume.NotFound", ""}})
}
