package e2e

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
)

// TestEC2QuotasConfigurable: --ec2-quotas raises VPCs per region from
// AWS's 5 (the default VPC counts) to 7; the 8th is refused as AWS
// refuses the 6th by default. A malformed spec stops the server starting.
func TestEC2QuotasConfigurable(t *testing.T) {
	s := StartServer(t, "--ec2-quotas", "vpcs-per-region=7")
	ctx := context.Background()
	c := ec2.NewFromConfig(s.DefaultConfig())
	for i := 0; i < 6; i++ {
		if _, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String(fmt.Sprintf("10.%d.0.0/16", i))}); err != nil {
			t.Fatalf("VPC %d of 7 (the default VPC is the 1st): %v", i+2, err)
		}
	}
	_, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.99.0.0/16")})
	if apiCode(t, err) != "VpcLimitExceeded" {
		t.Fatalf("8th VPC: %v", err)
	}

	out, err := exec.Command(binary, "serve", "--listen", "127.0.0.1:0", "--ephemeral", "--ec2-quotas", "vpcs=3").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "vpcs-per-region") {
		t.Fatalf("malformed quota spec: %v %s", err, out)
	}
}
