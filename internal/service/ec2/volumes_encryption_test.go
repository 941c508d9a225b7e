package ec2

import (
	"testing"

	"hakoniwa/internal/clock"

	ec2api "hakoniwa/internal/api/ec2"
)

func TestEBSEncryptionByDefault(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	clk := s.clock.(*clock.Manual)
	get, err := s.GetEbsEncryptionByDefault(ctx, &ec2api.GetEbsEncryptionByDefaultInput{})
	if err != nil || *get.EbsEncryptionByDefault {
		t.Fatalf("default: %+v %v", get, err)
	}
	managed, _ := s.GetEbsDefaultKmsKeyId(ctx, &ec2api.GetEbsDefaultKmsKeyIdInput{})
	if en, err := s.EnableEbsEncryptionByDefault(ctx, &ec2api.EnableEbsEncryptionByDefaultInput{}); err != nil || !*en.EbsEncryptionByDefault {
		t.Fatalf("enable: %+v %v", en, err)
	}
	v := mustVolume(t, s, ctx, ec2api.CreateVolumeInput{Size: ptr[int64](1)})
	if !*v.Encrypted || *v.KmsKeyId != *managed.KmsKeyId {
		t.Errorf("volume under encryption by default: %v %s", *v.Encrypted, deref(v.KmsKeyId))
	}
	mod, err := s.ModifyEbsDefaultKmsKeyId(ctx, &ec2api.ModifyEbsDefaultKmsKeyIdInput{KmsKeyId: ptr("1234abcd-12ab-34cd-56ef-1234567890ab")})
	want := "arn:aws:kms:us-east-1:" + testAccount + ":key/1234abcd-12ab-34cd-56ef-1234567890ab"
	if err != nil || *mod.KmsKeyId != want {
		t.Fatalf("modify key: %+v %v", mod, err)
	}
	w := mustVolume(t, s, ctx, ec2api.CreateVolumeInput{Size: ptr[int64](1)})
	if *w.KmsKeyId != want {
		t.Errorf("volume key: %s, want %s", *w.KmsKeyId, want)
	}
	// Launched volumes too.
	out := run(t, s, ctx, ec2api.RunInstancesInput{ImageId: ptr(al2023(t)), InstanceType: ptr("t3.micro"), MinCount: ptr(int64(1)), MaxCount: ptr(int64(1))})
	root, _ := s.DescribeVolumes(ctx, &ec2api.DescribeVolumesInput{VolumeIds: []string{*out.Instances[0].BlockDeviceMappings[0].Ebs.VolumeId}})
	if !*root.Volumes[0].Encrypted || *root.Volumes[0].KmsKeyId != want {
		t.Errorf("root volume: %+v", root.Volumes[0])
	}
	reset, _ := s.ResetEbsDefaultKmsKeyId(ctx, &ec2api.ResetEbsDefaultKmsKeyIdInput{})
	if *reset.KmsKeyId != *managed.KmsKeyId {
		t.Errorf("reset: %s", *reset.KmsKeyId)
	}
	if dis, err := s.DisableEbsEncryptionByDefault(ctx, &ec2api.DisableEbsEncryptionByDefaultInput{}); err != nil || *dis.EbsEncryptionByDefault {
		t.Fatalf("disable: %+v %v", dis, err)
	}
	if p := mustVolume(t, s, ctx, ec2api.CreateVolumeInput{Size: ptr[int64](1)}); *p.Encrypted {
		t.Error("encrypted after disabling")
	}
	// Settings are per Region.
	if g, _ := s.GetEbsEncryptionByDefault(ctxIn("eu-west-1"), &ec2api.GetEbsEncryptionByDefaultInput{}); *g.EbsEncryptionByDefault {
		t.Error("eu-west-1 inherited us-east-1's setting")
	}
	clk.Advance(volCreatingFor)
	if _, err := s.EnableVolumeIO(ctx, &ec2api.EnableVolumeIOInput{VolumeId: v.VolumeId}); err != nil {
		t.Error(err)
	}
	_, unknown := s.EnableVolumeIO(ctx, &ec2api.EnableVolumeIOInput{VolumeId: ptr("vol-0123456789abcdef0")})
	_, noKey := s.ModifyEbsDefaultKmsKeyId(ctx, &ec2api.ModifyEbsDefaultKmsKeyIdInput{})
	checkRefusals(t, []refusal{
		{"unknown volume", unknown, "InvalidVolume.NotFound", ""},
		{"no key", noKey, "MissingParameter", ""},
	})
}
