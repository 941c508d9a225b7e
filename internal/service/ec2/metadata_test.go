package ec2

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"

	ec2api "hakoniwa/internal/api/ec2"
)

func TestInstanceView(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	roles := &fakeRoles{}
	s.SetInstanceRoles(roles)
	if _, err := s.CreateKeyPair(ctx, &ec2api.CreateKeyPairInput{KeyName: ptr("k")}); err != nil {
		t.Fatal(err)
	}
	// Another Region: the view finds the instance by id alone.
	west := ctxIn("us-west-2")
	img := testImage(t, "us-west-2", "al2023-ami-2023", "x86_64").ID
	out := run(t, s, west, ec2api.RunInstancesInput{ImageId: ptr(img), UserData: ptr(base64.StdEncoding.EncodeToString([]byte("#!/bin/sh"))),
		IamInstanceProfile: &ec2api.IamInstanceProfileSpecification{Name: ptr("web")},
		TagSpecifications:  []ec2api.TagSpecification{{ResourceType: ptr("instance"), Tags: []ec2api.Tag{{Key: ptr("Name"), Value: ptr("a")}}}}})
	id := *out.Instances[0].InstanceId
	v, ok, err := s.InstanceView(context.Background(), id)
	if err != nil || !ok {
		t.Fatalf("InstanceView: %v %v", ok, err)
	}
	if v.Region != "us-west-2" || v.Account != testAccount || v.VpcCidr != "172.31.0.0/16" || string(v.UserData) != "#!/bin/sh" ||
		v.RoleName != "web-role" || v.Tags["Name"] != "a" || len(v.SecurityGroups) != 1 || v.SecurityGroups[0] != "default" ||
		v.HTTPTokens != "required" || v.PublicIP == "" || !strings.HasSuffix(v.PublicDNSName, ".us-west-2.compute.amazonaws.com") {
		t.Errorf("view: %+v", v)
	}
	inst := out.Instances[0]
	if v.ReservationID != *out.ReservationId || v.RootDeviceName != *inst.RootDeviceName || v.Architecture != "x86_64" ||
		v.SubnetID != *inst.SubnetId || v.SubnetCidr == "" || v.MAC == "" || v.MAC != *inst.NetworkInterfaces[0].MacAddress ||
		v.PrivateIP != *inst.PrivateIpAddress || v.ImageID != img || v.AvailabilityZone != *inst.Placement.AvailabilityZone {
		t.Errorf("view's launch fields: %+v", v)
	}
	subnet, err := s.DescribeSubnets(west, &ec2api.DescribeSubnetsInput{SubnetIds: []string{v.SubnetID}})
	if err != nil || *subnet.Subnets[0].CidrBlock != v.SubnetCidr {
		t.Errorf("subnet CIDR %s: %+v %v", v.SubnetCidr, subnet, err)
	}
	arm := run(t, s, west, ec2api.RunInstancesInput{ImageId: ptr(testImage(t, "us-west-2", "al2023-ami-2023", "arm64").ID), InstanceType: ptr("t4g.micro")})
	if av, _, err := s.InstanceView(context.Background(), *arm.Instances[0].InstanceId); err != nil || av.Architecture != "arm64" {
		t.Errorf("arm64 view: %+v %v", av, err)
	}
	creds, err := s.RoleCredentialsFor(context.Background(), v)
	if err != nil || creds.AccessKeyID == "" || len(roles.issued) != 1 || roles.issued[0] != v.RoleARN+" "+id {
		t.Errorf("credentials: %v %v", err, roles.issued)
	}
	// A key pair in us-east-1 is not the instance's; one without a role
	// gets no credentials.
	plain := run(t, s, ctx, ec2api.RunInstancesInput{ImageId: ptr(al2023(t)), KeyName: ptr("k")})
	pv, ok, err := s.InstanceView(context.Background(), *plain.Instances[0].InstanceId)
	if err != nil || !ok || !strings.HasPrefix(pv.PublicKey, "ssh-rsa ") || pv.UserData != nil {
		t.Errorf("plain view: %v %+v", err, pv)
	}
	if _, err := s.RoleCredentialsFor(context.Background(), pv); err == nil {
		t.Errorf("credentials without a role")
	}
	if _, ok, err := s.InstanceView(context.Background(), "i-0123456789abcdef0"); ok || err != nil {
		t.Errorf("unknown id: %v %v", ok, err)
	}
	if _, err := s.TerminateInstances(west, &ec2api.TerminateInstancesInput{InstanceIds: []string{id}}); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := s.InstanceView(context.Background(), id); ok || err != nil {
		t.Errorf("terminated: %v %v", ok, err)
	}
}
