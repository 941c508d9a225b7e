package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
)

// TestEBSSDK drives volumes and snapshots with aws-sdk-go-v2: create with
// the type rules' refusals, the SDK's waiters, modify, snapshot, restore,
// attach to an instance, snapshots and an image of it, detach, delete.
func TestEBSSDK(t *testing.T) {
	s := StartServer(t)
	ctx := context.Background()
	c := ec2.NewFromConfig(s.DefaultConfig())
	fast := func(o *ec2.VolumeAvailableWaiterOptions) { o.MinDelay, o.MaxDelay = 250*time.Millisecond, time.Second }

	for _, bad := range []struct {
		in   ec2.CreateVolumeInput
		code string
	}{
		{ec2.CreateVolumeInput{AvailabilityZone: aws.String("us-east-1z"), Size: aws.Int32(8)}, "InvalidZone.NotFound"},
		{ec2.CreateVolumeInput{AvailabilityZone: aws.String("us-east-1a"), Size: aws.Int32(8), Iops: aws.Int32(300)}, "InvalidParameterCombination"},
		{ec2.CreateVolumeInput{AvailabilityZone: aws.String("us-east-1a"), Size: aws.Int32(10), VolumeType: types.VolumeTypeIo1, Iops: aws.Int32(1000)}, "InvalidParameterValue"},
		{ec2.CreateVolumeInput{AvailabilityZone: aws.String("us-east-1a"), Size: aws.Int32(100), VolumeType: types.VolumeTypeSt1}, "InvalidParameterValue"},
		{ec2.CreateVolumeInput{AvailabilityZone: aws.String("us-east-1a"), SnapshotId: aws.String("snap-0123456789abcdef0")}, "InvalidSnapshot.NotFound"},
	} {
		if _, err := c.CreateVolume(ctx, &bad.in); ebsCode(err) != bad.code {
			t.Errorf("CreateVolume %+v: %v, want %s", bad.in, err, bad.code)
		}
	}

	vol, err := c.CreateVolume(ctx, &ec2.CreateVolumeInput{AvailabilityZone: aws.String("us-east-1a"), Size: aws.Int32(20), VolumeType: types.VolumeTypeGp3,
		Encrypted: aws.Bool(true), TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeVolume, Tags: []types.Tag{{Key: aws.String("Name"), Value: aws.String("data")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(vol.VolumeId)
	if vol.State != types.VolumeStateCreating || aws.ToInt32(vol.Iops) != 3000 || aws.ToInt32(vol.Throughput) != 125 || !aws.ToBool(vol.Encrypted) {
		t.Errorf("new volume: %+v", vol)
	}
	if err := ec2.NewVolumeAvailableWaiter(c, fast).Wait(ctx, &ec2.DescribeVolumesInput{VolumeIds: []string{id}}, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	mod, err := c.ModifyVolume(ctx, &ec2.ModifyVolumeInput{VolumeId: &id, Size: aws.Int32(40), Iops: aws.Int32(6000)})
	if err != nil || mod.VolumeModification.ModificationState != types.VolumeModificationStateModifying || aws.ToInt32(mod.VolumeModification.TargetSize) != 40 {
		t.Fatalf("modify: %+v %v", mod, err)
	}
	if _, err := c.ModifyVolume(ctx, &ec2.ModifyVolumeInput{VolumeId: &id, Size: aws.Int32(10)}); ebsCode(err) == "" {
		t.Errorf("shrinking a volume: %v", err)
	}

	snap, err := c.CreateSnapshot(ctx, &ec2.CreateSnapshotInput{VolumeId: &id, Description: aws.String("before upgrade")})
	if err != nil || snap.State != types.SnapshotStatePending {
		t.Fatalf("snapshot: %+v %v", snap, err)
	}
	sw := ec2.NewSnapshotCompletedWaiter(c, func(o *ec2.SnapshotCompletedWaiterOptions) {
		o.MinDelay, o.MaxDelay = 250*time.Millisecond, time.Second
	})
	if err := sw.Wait(ctx, &ec2.DescribeSnapshotsInput{SnapshotIds: []string{aws.ToString(snap.SnapshotId)}}, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	own, err := c.DescribeSnapshots(ctx, &ec2.DescribeSnapshotsInput{OwnerIds: []string{"self"}, Filters: []types.Filter{{Name: aws.String("volume-id"), Values: []string{id}}}})
	if err != nil || len(own.Snapshots) != 1 || aws.ToString(own.Snapshots[0].Progress) != "100%" || aws.ToInt32(own.Snapshots[0].VolumeSize) != 40 {
		t.Fatalf("own snapshots: %+v %v", own, err)
	}
	restored, err := c.CreateVolume(ctx, &ec2.CreateVolumeInput{AvailabilityZone: aws.String("us-east-1a"), SnapshotId: snap.SnapshotId})
	if err != nil || aws.ToInt32(restored.Size) != 40 || !aws.ToBool(restored.Encrypted) {
		t.Fatalf("restored: %+v %v", restored, err)
	}

	// Attach to an instance of the same zone.
	run, err := c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(latestAL2023(t, s)), InstanceType: types.InstanceTypeT3Micro,
		MinCount: aws.Int32(1), MaxCount: aws.Int32(1), Placement: &types.Placement{AvailabilityZone: aws.String("us-east-1a")}})
	if err != nil {
		t.Fatal(err)
	}
	inst := aws.ToString(run.Instances[0].InstanceId)
	waitRunning(t, c, inst)
	if _, err := c.AttachVolume(ctx, &ec2.AttachVolumeInput{VolumeId: &id, InstanceId: &inst, Device: aws.String("/dev/sdf")}); err != nil {
		t.Fatal(err)
	}
	inUse := ec2.NewVolumeInUseWaiter(c, func(o *ec2.VolumeInUseWaiterOptions) { o.MinDelay, o.MaxDelay = 250*time.Millisecond, time.Second })
	if err := inUse.Wait(ctx, &ec2.DescribeVolumesInput{VolumeIds: []string{id}}, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteVolume(ctx, &ec2.DeleteVolumeInput{VolumeId: &id}); ebsCode(err) != "VolumeInUse" {
		t.Errorf("delete attached: %v", err)
	}
	att, err := c.DescribeVolumes(ctx, &ec2.DescribeVolumesInput{Filters: []types.Filter{{Name: aws.String("attachment.instance-id"), Values: []string{inst}}}})
	if err != nil || len(att.Volumes) != 2 { // the root volume and ours
		t.Fatalf("instance volumes: %+v %v", att, err)
	}
	multi, err := c.CreateSnapshots(ctx, &ec2.CreateSnapshotsInput{InstanceSpecification: &types.InstanceSpecification{InstanceId: &inst}})
	if err != nil || len(multi.Snapshots) != 2 {
		t.Fatalf("CreateSnapshots: %+v %v", multi, err)
	}
	ami, err := c.CreateImage(ctx, &ec2.CreateImageInput{InstanceId: &inst, Name: aws.String("web-with-data"), NoReboot: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	iw := ec2.NewImageAvailableWaiter(c, func(o *ec2.ImageAvailableWaiterOptions) { o.MinDelay, o.MaxDelay = 250*time.Millisecond, time.Second })
	if err := iw.Wait(ctx, &ec2.DescribeImagesInput{ImageIds: []string{aws.ToString(ami.ImageId)}}, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	imgs, err := c.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{aws.ToString(ami.ImageId)}})
	if err != nil || len(imgs.Images[0].BlockDeviceMappings) != 2 {
		t.Fatalf("image of the instance: %+v %v", imgs, err)
	}
	imageSnap := imgs.Images[0].BlockDeviceMappings[0].Ebs.SnapshotId
	if _, err := c.DeleteSnapshot(ctx, &ec2.DeleteSnapshotInput{SnapshotId: imageSnap}); ebsCode(err) != "InvalidSnapshot.InUse" {
		t.Errorf("deleting an image's snapshot: %v", err)
	}
	// A copy owns copies of the snapshots, in use by it until deregistered.
	cp, err := c.CopyImage(ctx, &ec2.CopyImageInput{SourceImageId: ami.ImageId, SourceRegion: aws.String("us-east-1"), Name: aws.String("web-copy")})
	if err != nil {
		t.Fatal(err)
	}
	if err := iw.Wait(ctx, &ec2.DescribeImagesInput{ImageIds: []string{aws.ToString(cp.ImageId)}}, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	copies, err := c.DescribeSnapshots(ctx, &ec2.DescribeSnapshotsInput{OwnerIds: []string{"self"},
		Filters: []types.Filter{{Name: aws.String("description"), Values: []string{"Copied for DestinationAmi " + aws.ToString(cp.ImageId) + " *"}}}})
	if err != nil || len(copies.Snapshots) != 2 {
		t.Fatalf("the copy's snapshots: %+v %v", copies, err)
	}
	copySnap := copies.Snapshots[0].SnapshotId
	if _, err := c.DeleteSnapshot(ctx, &ec2.DeleteSnapshotInput{SnapshotId: copySnap}); ebsCode(err) != "InvalidSnapshot.InUse" {
		t.Errorf("deleting a copied image's snapshot: %v", err)
	}
	dereg, err := c.DeregisterImage(ctx, &ec2.DeregisterImageInput{ImageId: cp.ImageId, DeleteAssociatedSnapshots: aws.Bool(true)})
	if err != nil || len(dereg.DeleteSnapshotResults) != 2 || dereg.DeleteSnapshotResults[0].ReturnCode != types.SnapshotReturnCodesSuccess {
		t.Fatalf("deregister the copy with its snapshots: %+v %v", dereg, err)
	}
	if _, err := c.DescribeSnapshots(ctx, &ec2.DescribeSnapshotsInput{SnapshotIds: []string{aws.ToString(copySnap)}}); ebsCode(err) != "InvalidSnapshot.NotFound" {
		t.Errorf("the copy's snapshot after deregistration: %v", err)
	}
	if _, err := c.DeregisterImage(ctx, &ec2.DeregisterImageInput{ImageId: ami.ImageId}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteSnapshot(ctx, &ec2.DeleteSnapshotInput{SnapshotId: imageSnap}); err != nil {
		t.Errorf("deleting a deregistered image's snapshot: %v", err)
	}
	if _, err := c.DetachVolume(ctx, &ec2.DetachVolumeInput{VolumeId: &id}); err != nil {
		t.Fatal(err)
	}
	if err := ec2.NewVolumeAvailableWaiter(c, fast).Wait(ctx, &ec2.DescribeVolumesInput{VolumeIds: []string{id}}, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{id, aws.ToString(restored.VolumeId)} {
		if _, err := c.DeleteVolume(ctx, &ec2.DeleteVolumeInput{VolumeId: aws.String(v)}); err != nil {
			t.Fatal(err)
		}
	}
	deleted := ec2.NewVolumeDeletedWaiter(c, func(o *ec2.VolumeDeletedWaiterOptions) { o.MinDelay, o.MaxDelay = 250*time.Millisecond, time.Second })
	if err := deleted.Wait(ctx, &ec2.DescribeVolumesInput{VolumeIds: []string{id}}, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteSnapshot(ctx, &ec2.DeleteSnapshotInput{SnapshotId: snap.SnapshotId}); err != nil {
		t.Fatal(err)
	}
}

// ebsCode is the AWS error code of err ("" for none).
func ebsCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// latestAL2023 reads the public parameter naming the latest Amazon Linux
// 2023 image through DescribeImages.
func latestAL2023(t *testing.T, s *Server) string {
	t.Helper()
	out, err := ec2.NewFromConfig(s.DefaultConfig()).DescribeImages(context.Background(), &ec2.DescribeImagesInput{Owners: []string{"amazon"},
		Filters: []types.Filter{{Name: aws.String("name"), Values: []string{"al2023-ami-2023*-x86_64"}}}})
	if err != nil || len(out.Images) == 0 {
		t.Fatalf("AL2023 image: %v %+v", err, out)
	}
	return aws.ToString(out.Images[0].ImageId)
}

// TestEBSCLI does the same core path with both aws CLIs: create-volume,
// wait volume-available, create-snapshot, wait snapshot-completed,
// describe-volumes with filters, copy-snapshot and its sharing, attach to
// an instance and detach, and the refusals on the way.
func TestEBSCLI(t *testing.T) {
	s := StartServer(t)
	clis := awsCLIs(t)
	for _, v := range []string{"v1", "v2"} {
		t.Run(v, func(t *testing.T) {
			t.Parallel() // each CLI keeps to its own resources
			path, ok := clis[v]
			if !ok {
				missing(t, "aws CLI "+v)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 240*time.Second)
			defer cancel()
			run := func(out any, args ...string) {
				t.Helper()
				stdout, stderr, err := cli(ctx, s, v, path, append([]string{"--endpoint-url", s.URL, "--output", "json", "ec2"}, args...)...)
				if err != nil {
					t.Fatalf("aws ec2 %s: %v\n%s", strings.Join(args, " "), err, stderr)
				}
				if out != nil {
					if err := json.Unmarshal([]byte(stdout), out); err != nil {
						t.Fatalf("aws ec2 %s: %v\n%s", args[0], err, stdout)
					}
				}
			}
			var vol struct{ VolumeId, State, VolumeType string }
			run(&vol, "create-volume", "--availability-zone", "us-east-1b", "--size", "12", "--volume-type", "gp2",
				"--tag-specifications", "ResourceType=volume,Tags=[{Key=cli,Value="+v+"}]")
			if vol.State != "creating" || vol.VolumeType != "gp2" {
				t.Fatalf("create-volume: %+v", vol)
			}
			run(nil, "wait", "volume-available", "--volume-ids", vol.VolumeId)
			var desc struct {
				Volumes []struct {
					VolumeId, State string
					Iops            int
				}
			}
			run(&desc, "describe-volumes", "--filters", "Name=tag:cli,Values="+v, "Name=status,Values=available", "Name=size,Values=12")
			if len(desc.Volumes) != 1 || desc.Volumes[0].VolumeId != vol.VolumeId || desc.Volumes[0].Iops != 100 {
				t.Fatalf("describe-volumes: %+v", desc)
			}
			var snap struct{ SnapshotId, State string }
			run(&snap, "create-snapshot", "--volume-id", vol.VolumeId, "--description", "cli "+v)
			run(nil, "wait", "snapshot-completed", "--snapshot-ids", snap.SnapshotId)
			var snaps struct {
				Snapshots []struct{ State, Progress string }
			}
			run(&snaps, "describe-snapshots", "--owner-ids", "self", "--snapshot-ids", snap.SnapshotId)
			if len(snaps.Snapshots) != 1 || snaps.Snapshots[0].State != "completed" || snaps.Snapshots[0].Progress != "100%" {
				t.Fatalf("describe-snapshots: %+v", snaps)
			}
			_, stderr, err := cli(ctx, s, v, path, "--endpoint-url", s.URL, "ec2", "create-volume", "--availability-zone", "us-east-1a", "--size", "20000")
			if err == nil || !strings.Contains(stderr, "(InvalidParameterValue)") || !strings.Contains(stderr, "too large for volume type gp2") {
				t.Fatalf("oversized volume: %v\n%s", err, stderr)
			}
			// Copy it (within the Region) and share the copy.
			var cp struct{ SnapshotId string }
			run(&cp, "copy-snapshot", "--source-region", "us-east-1", "--source-snapshot-id", snap.SnapshotId, "--description", "copy "+v)
			run(nil, "modify-snapshot-attribute", "--snapshot-id", cp.SnapshotId, "--attribute", "createVolumePermission",
				"--operation-type", "add", "--user-ids", "444455556666")
			var perm struct{ CreateVolumePermissions []struct{ UserId string } }
			run(&perm, "describe-snapshot-attribute", "--snapshot-id", cp.SnapshotId, "--attribute", "createVolumePermission")
			if len(perm.CreateVolumePermissions) != 1 || perm.CreateVolumePermissions[0].UserId != "444455556666" {
				t.Fatalf("describe-snapshot-attribute: %+v", perm)
			}

			// Attach to an instance of the volume's zone, and detach.
			var img struct{ Images []struct{ ImageId string } }
			run(&img, "describe-images", "--owners", "amazon", "--filters", "Name=name,Values=al2023-ami-2023*-x86_64")
			var inst struct{ Instances []struct{ InstanceId string } }
			run(&inst, "run-instances", "--image-id", img.Images[0].ImageId, "--instance-type", "t3.micro", "--placement", "AvailabilityZone=us-east-1b")
			id := inst.Instances[0].InstanceId
			run(nil, "wait", "instance-running", "--instance-ids", id)
			var att struct{ State, Device string }
			run(&att, "attach-volume", "--volume-id", vol.VolumeId, "--instance-id", id, "--device", "/dev/sdf")
			if att.State != "attaching" || att.Device != "/dev/sdf" {
				t.Fatalf("attach-volume: %+v", att)
			}
			_, stderr, err = cli(ctx, s, v, path, "--endpoint-url", s.URL, "ec2", "delete-volume", "--volume-id", vol.VolumeId)
			if err == nil || !strings.Contains(stderr, "(VolumeInUse)") {
				t.Fatalf("deleting an attached volume: %v\n%s", err, stderr)
			}
			run(&desc, "describe-volumes", "--filters", "Name=attachment.instance-id,Values="+id, "Name=attachment.device,Values=/dev/sdf")
			if len(desc.Volumes) != 1 || desc.Volumes[0].State != "in-use" {
				t.Fatalf("attached volume: %+v", desc)
			}
			run(nil, "detach-volume", "--volume-id", vol.VolumeId)
			run(nil, "wait", "volume-available", "--volume-ids", vol.VolumeId)
			run(nil, "terminate-instances", "--instance-ids", id)

			run(nil, "delete-snapshot", "--snapshot-id", cp.SnapshotId)
			run(nil, "delete-snapshot", "--snapshot-id", snap.SnapshotId)
			run(nil, "delete-volume", "--volume-id", vol.VolumeId)
		})
	}
}

// TestEBSEncryptionByDefaultSDK turns on encryption by default with a
// customer key, as Terraform's aws_ebs_encryption_by_default and
// aws_ebs_default_kms_key do, and sees new volumes take it.
func TestEBSEncryptionByDefaultSDK(t *testing.T) {
	s := StartServer(t)
	ctx := context.Background()
	c := ec2.NewFromConfig(s.DefaultConfig())
	if _, err := c.EnableEbsEncryptionByDefault(ctx, &ec2.EnableEbsEncryptionByDefaultInput{}); err != nil {
		t.Fatal(err)
	}
	key, err := c.ModifyEbsDefaultKmsKeyId(ctx, &ec2.ModifyEbsDefaultKmsKeyIdInput{KmsKeyId: aws.String("alias/team")})
	if err != nil || !strings.HasSuffix(aws.ToString(key.KmsKeyId), ":alias/team") {
		t.Fatalf("default key: %+v %v", key, err)
	}
	got, err := c.GetEbsEncryptionByDefault(ctx, &ec2.GetEbsEncryptionByDefaultInput{})
	if err != nil || !aws.ToBool(got.EbsEncryptionByDefault) {
		t.Fatalf("get: %+v %v", got, err)
	}
	v, err := c.CreateVolume(ctx, &ec2.CreateVolumeInput{AvailabilityZone: aws.String("us-east-1a"), Size: aws.Int32(1)})
	if err != nil || !aws.ToBool(v.Encrypted) || aws.ToString(v.KmsKeyId) != aws.ToString(key.KmsKeyId) {
		t.Fatalf("volume: %+v %v", v, err)
	}
	if _, err := c.DisableEbsEncryptionByDefault(ctx, &ec2.DisableEbsEncryptionByDefaultInput{}); err != nil {
		t.Fatal(err)
	}
	if w, err := c.CreateVolume(ctx, &ec2.CreateVolumeInput{AvailabilityZone: aws.String("us-east-1a"), Size: aws.Int32(1)}); err != nil || aws.ToBool(w.Encrypted) {
		t.Fatalf("after disabling: %+v %v", w, err)
	}
}
