package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// Picking an AMI as SCENARIOS section 3 does: by owner and name with the
// CLI, by the public SSM parameter, and the parameter's value is an image
// DescribeImages knows.
func TestCLIImagesAndPublicParameters(t *testing.T) {
	s := StartServer(t)
	clis := awsCLIs(t)
	for _, v := range []string{"v1", "v2"} {
		t.Run(v, func(t *testing.T) {
			path, ok := clis[v]
			if !ok {
				missing(t, "aws CLI "+v)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			out, stderr, err := cli(ctx, s, v, path, "--endpoint-url", s.URL, "ec2", "describe-images", "--owners", "amazon",
				"--filters", "Name=name,Values=al2023-ami-2023*", "--output", "json")
			if err != nil {
				t.Fatalf("%v\n%s", err, stderr)
			}
			var imgs struct {
				Images []struct{ ImageId, Name, Architecture, OwnerId string }
			}
			if err := json.Unmarshal([]byte(out), &imgs); err != nil || len(imgs.Images) != 2 {
				t.Fatalf("%v: %s", err, out)
			}
			out, stderr, err = cli(ctx, s, v, path, "--endpoint-url", s.URL, "ssm", "get-parameters-by-path", "--path", "/aws/service/ami-amazon-linux-latest", "--output", "json")
			if err != nil {
				t.Fatalf("%v\n%s", err, stderr)
			}
			var params struct {
				Parameters []struct{ Name, Value string }
			}
			if err := json.Unmarshal([]byte(out), &params); err != nil || len(params.Parameters) < 8 {
				t.Fatalf("%v: %s", err, out)
			}
			var x86 string
			for _, p := range params.Parameters {
				if p.Name == "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64" {
					x86 = p.Value
				}
			}
			found := false
			for _, img := range imgs.Images {
				found = found || (img.ImageId == x86 && img.Architecture == "x86_64" && img.OwnerId == "137112412989")
			}
			if !found {
				t.Errorf("parameter value %s is not the x86_64 AL2023 image of %+v", x86, imgs.Images)
			}
			_, stderr, err = cli(ctx, s, v, path, "--endpoint-url", s.URL, "ssm", "put-parameter", "--name", "/aws/service/mine", "--value", "x", "--type", "String")
			if err == nil || !strings.Contains(stderr, "AccessDeniedException") {
				t.Errorf("writing a public parameter: %v %s", err, stderr)
			}
		})
	}
}

// aws-sdk-go-v2 pages through DescribeInstanceTypes with a paginator and
// filters the offerings.
func TestSDKInstanceTypes(t *testing.T) {
	s := StartServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := ec2.NewFromConfig(s.DefaultConfig())
	p := ec2.NewDescribeInstanceTypesPaginator(c, &ec2.DescribeInstanceTypesInput{MaxResults: aws.Int32(20),
		Filters: []types.Filter{{Name: aws.String("instance-type"), Values: []string{"t*"}}}})
	n := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n += len(page.InstanceTypes)
	}
	if n != 28 {
		t.Errorf("%d burstable types, want 28", n)
	}
	out, err := c.DescribeInstanceTypes(ctx, &ec2.DescribeInstanceTypesInput{InstanceTypes: []types.InstanceType{"t3.micro"}})
	if err != nil || *out.InstanceTypes[0].MemoryInfo.SizeInMiB != 1024 || !*out.InstanceTypes[0].FreeTierEligible {
		t.Fatalf("t3.micro: %+v, %v", out, err)
	}
	// A real type outside the catalogue (the model's enum refuses names
	// AWS has never had before the handler sees them).
	_, err = c.DescribeInstanceTypes(ctx, &ec2.DescribeInstanceTypesInput{InstanceTypes: []types.InstanceType{"p5.48xlarge"}})
	if err == nil || !strings.Contains(err.Error(), "InvalidInstanceType") {
		t.Errorf("unknown type: %v", err)
	}
	off, err := c.DescribeInstanceTypeOfferings(ctx, &ec2.DescribeInstanceTypeOfferingsInput{LocationType: types.LocationTypeAvailabilityZone,
		Filters: []types.Filter{{Name: aws.String("instance-type"), Values: []string{"t2.micro"}}}})
	if err != nil || len(off.InstanceTypeOfferings) != 6 {
		t.Errorf("offerings: %+v, %v", off, err)
	}
}

// An AMI made from an instance with both aws CLIs, as SCENARIOS section 3
// does: create-image, `aws ec2 wait image-available` while its snapshot
// completes, copy-image, the copy's own snapshot in describe-snapshots and
// refused deletion while the copy is registered, deregister-image.
func TestCLIImageOfInstance(t *testing.T) {
	s := StartServer(t)
	clis := awsCLIs(t)
	for _, v := range []string{"v1", "v2"} {
		t.Run(v, func(t *testing.T) {
			t.Parallel() // waiters poll every 15 seconds
			path, ok := clis[v]
			if !ok {
				missing(t, "aws CLI "+v)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 180*time.Second)
			defer cancel()
			ec2 := ec2CLI(ctx, t, s, v, path)
			run := func(args ...string) string { t.Helper(); return strings.TrimSpace(ec2(args...)) }
			inst := run("run-instances", "--image-id", "resolve:ssm:"+al2023Param, "--instance-type", "t3.micro",
				"--query", "Instances[0].InstanceId", "--output", "text")
			run("wait", "instance-running", "--instance-ids", inst)
			ami := run("create-image", "--instance-id", inst, "--name", "web-"+v, "--no-reboot", "--query", "ImageId", "--output", "text")
			run("wait", "image-available", "--image-ids", ami)
			cp := run("copy-image", "--source-image-id", ami, "--source-region", "us-east-1", "--name", "web-copy-"+v,
				"--query", "ImageId", "--output", "text")
			run("wait", "image-available", "--image-ids", cp)
			state := run("describe-images", "--image-ids", ami, cp, "--query", "Images[].State", "--output", "text")
			if state != "available\tavailable" {
				t.Fatalf("states after the waiter: %q", state)
			}
			var ids []string
			for _, id := range []string{ami, cp} {
				ids = append(ids, run("describe-images", "--image-ids", id, "--query", "Images[0].BlockDeviceMappings[0].Ebs.SnapshotId", "--output", "text"))
			}
			if !strings.HasPrefix(ids[1], "snap-") || ids[0] == ids[1] {
				t.Fatalf("the copy must have a snapshot of its own: %q", ids)
			}
			owner := run("describe-snapshots", "--snapshot-ids", ids[1], "--query", "Snapshots[0].[OwnerId,State]", "--output", "text")
			if owner != "000000000000\tcompleted" {
				t.Errorf("the copy's snapshot: %q", owner)
			}
			_, stderr, err := cli(ctx, s, v, path, "--endpoint-url", s.URL, "ec2", "delete-snapshot", "--snapshot-id", ids[1])
			if err == nil || !strings.Contains(stderr, "InvalidSnapshot.InUse") || !strings.Contains(stderr, "is currently in use by "+cp) {
				t.Errorf("deleting the copy's snapshot: %v %s", err, stderr)
			}
			run("deregister-image", "--image-id", cp)
			run("delete-snapshot", "--snapshot-id", ids[1])

			// Keep the root volume past termination.
			root := run("describe-instances", "--instance-ids", inst, "--query", "Reservations[0].Instances[0].BlockDeviceMappings[0].[DeviceName,Ebs.VolumeId]", "--output", "text")
			dev, vol, _ := strings.Cut(root, "\t")
			_, stderr, err = cli(ctx, s, v, path, "--endpoint-url", s.URL, "ec2", "modify-instance-attribute", "--instance-id", inst,
				"--block-device-mappings", `[{"DeviceName":"/dev/sdz","Ebs":{"DeleteOnTermination":false}}]`)
			if err == nil || !strings.Contains(stderr, "InvalidInstanceAttributeValue") {
				t.Errorf("unknown device: %v %s", err, stderr)
			}
			run("modify-instance-attribute", "--instance-id", inst, "--block-device-mappings", `[{"DeviceName":"`+dev+`","Ebs":{"DeleteOnTermination":false}}]`)
			if got := run("describe-volumes", "--volume-ids", vol, "--query", "Volumes[0].Attachments[0].DeleteOnTermination", "--output", "text"); got != "False" {
				t.Errorf("DeleteOnTermination after the change: %q", got)
			}
			run("terminate-instances", "--instance-ids", inst)
			run("wait", "instance-terminated", "--instance-ids", inst)
			run("wait", "volume-available", "--volume-ids", vol)
		})
	}
}
