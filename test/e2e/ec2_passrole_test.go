package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// An IAM user with ec2:* may launch instances, but one with an instance
// profile only if it may also pass the profile's role (iam:PassRole with
// iam:PassedToService ec2.amazonaws.com); so for associating and replacing
// a profile. DryRun answers the same.
func TestEC2PassRole(t *testing.T) {
	s := StartServer(t)
	ctx := context.Background()
	ic := iam.NewFromConfig(s.DefaultConfig())
	if _, err := ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("web-role"), AssumeRolePolicyDocument: aws.String(ec2Trust)}); err != nil {
		t.Fatal(err)
	}
	if _, err := ic.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("web")}); err != nil {
		t.Fatal(err)
	}
	if _, err := ic.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("web"), RoleName: aws.String("web-role")}); err != nil {
		t.Fatal(err)
	}
	const ec2Only = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":"*"}]}`
	const withPass = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":"*"},
		{"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::000000000000:role/web-role",
		 "Condition":{"StringEquals":{"iam:PassedToService":"ec2.amazonaws.com"}}}]}`
	dev := ec2.NewFromConfig(newUser(t, s, "dev", ec2Only))
	ops := ec2.NewFromConfig(newUser(t, s, "ops", withPass))
	img := latestAL2023(t, s)
	launch := func(c *ec2.Client, profile, dry bool) (*ec2.RunInstancesOutput, error) {
		in := &ec2.RunInstancesInput{ImageId: aws.String(img), InstanceType: types.InstanceTypeT3Micro, MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
			DryRun: aws.Bool(dry)}
		if profile {
			in.IamInstanceProfile = &types.IamInstanceProfileSpecification{Name: aws.String("web")}
		}
		return c.RunInstances(ctx, in)
	}

	plain, err := launch(dev, false, false)
	if err != nil {
		t.Fatalf("launch without a profile: %v", err)
	}
	_, err = launch(dev, true, false)
	if apiCode(t, err) != "UnauthorizedOperation" || !strings.Contains(err.Error(), "Encoded authorization failure message: ") {
		t.Fatalf("launch with a profile, no iam:PassRole: %v", err)
	}
	msg := err.Error()[strings.LastIndex(err.Error(), "Encoded authorization failure message: ")+len("Encoded authorization failure message: "):]
	dec, err := sts.NewFromConfig(s.DefaultConfig()).DecodeAuthorizationMessage(ctx, &sts.DecodeAuthorizationMessageInput{EncodedMessage: aws.String(strings.Fields(msg)[0])})
	if err != nil || !strings.Contains(aws.ToString(dec.DecodedMessage), `"action":"iam:PassRole"`) ||
		!strings.Contains(aws.ToString(dec.DecodedMessage), "role/web-role") {
		t.Fatalf("decoded refusal: %v %v", dec, err)
	}
	if _, err := launch(dev, true, true); apiCode(t, err) != "UnauthorizedOperation" {
		t.Errorf("dry run without iam:PassRole: %v", err)
	}
	if _, err := launch(ops, true, true); apiCode(t, err) != "DryRunOperation" {
		t.Errorf("dry run with iam:PassRole: %v", err)
	}
	withProfile, err := launch(ops, true, false)
	if err != nil {
		t.Fatalf("launch with iam:PassRole: %v", err)
	}
	waitRunning(t, dev, aws.ToString(plain.Instances[0].InstanceId), aws.ToString(withProfile.Instances[0].InstanceId))

	web := &types.IamInstanceProfileSpecification{Name: aws.String("web")}
	if _, err := dev.AssociateIamInstanceProfile(ctx, &ec2.AssociateIamInstanceProfileInput{InstanceId: plain.Instances[0].InstanceId, IamInstanceProfile: web}); apiCode(t, err) != "UnauthorizedOperation" {
		t.Errorf("associate without iam:PassRole: %v", err)
	}
	as, err := ops.DescribeIamInstanceProfileAssociations(ctx, &ec2.DescribeIamInstanceProfileAssociationsInput{})
	if err != nil || len(as.IamInstanceProfileAssociations) != 1 {
		t.Fatalf("associations: %+v %v", as, err)
	}
	if _, err := dev.ReplaceIamInstanceProfileAssociation(ctx, &ec2.ReplaceIamInstanceProfileAssociationInput{
		AssociationId: as.IamInstanceProfileAssociations[0].AssociationId, IamInstanceProfile: web}); apiCode(t, err) != "UnauthorizedOperation" {
		t.Errorf("replace without iam:PassRole: %v", err)
	}
	if _, err := ops.AssociateIamInstanceProfile(ctx, &ec2.AssociateIamInstanceProfileInput{InstanceId: plain.Instances[0].InstanceId, IamInstanceProfile: web}); err != nil {
		t.Errorf("associate with iam:PassRole: %v", err)
	}
}
