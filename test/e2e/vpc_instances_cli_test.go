package e2e

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestVPCInstancesCLI is the instance part of the VPC issue with both aws
// CLIs: an Elastic IP on an instance (refused until the VPC has an
// internet gateway, kept in place by --no-allow-reassociation and moved
// otherwise), a route to an instance, secondary interfaces attached and
// detached with AWS's refusals, and what termination does to the address
// and the route.
func TestVPCInstancesCLI(t *testing.T) {
	eachCLI(t, 3*time.Minute, vpcInstancesCLI)
}

// eachCLI runs body with each aws CLI, v1 and v2 side by side, each on a
// server of its own so that neither sees the other's resources.
func eachCLI(t *testing.T, timeout time.Duration, body func(ctx context.Context, t *testing.T, s *Server, v, path string)) {
	clis := awsCLIs(t)
	for _, v := range []string{"v1", "v2"} {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			path, ok := clis[v]
			if !ok {
				missing(t, "aws CLI "+v)
			}
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			body(ctx, t, StartServer(t), v, path)
		})
	}
}

// cliExitCode is the status each CLI exits with when the service refuses
// a call: v1 folds every error into 255, v2 keeps 254 for service errors.
var cliExitCode = map[string]int{"v1": 255, "v2": 254}

func vpcInstancesCLI(ctx context.Context, t *testing.T, s *Server, v, path string) {
	run := ec2CLI(ctx, t, s, v, path)
	// text runs a command whose --query picks one field, in text output.
	text := func(query string, args ...string) string {
		t.Helper()
		return strings.TrimSpace(run(append(args, "--query", query, "--output", "text")...))
	}
	eq := func(what, got, want string) {
		t.Helper()
		if got != want {
			t.Fatalf("%s: got %q, want %q", what, got, want)
		}
	}
	refused := func(code, msg string, args ...string) {
		t.Helper()
		_, stderr, err := cli(ctx, s, v, path, append([]string{"--endpoint-url", s.URL, "ec2"}, args...)...)
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != cliExitCode[v] {
			t.Fatalf("aws ec2 %s: want exit %d with %s, got %v\n%s", args[0], cliExitCode[v], code, err, stderr)
		}
		if !strings.Contains(stderr, "An error occurred ("+code+")") || !strings.Contains(stderr, msg) {
			t.Fatalf("aws ec2 %s: want %s %q in stderr:\n%s", args[0], code, msg, stderr)
		}
	}
	state := func(id string) string {
		return text("Reservations[0].Instances[0].State.Name", "describe-instances", "--instance-ids", id)
	}

	vpc := text("Vpc.VpcId", "create-vpc", "--cidr-block", "10.0.0.0/16")
	subnet := func(cidr, zone string) string {
		return text("Subnet.SubnetId", "create-subnet", "--vpc-id", vpc, "--cidr-block", cidr, "--availability-zone", zone)
	}
	snA, snB := subnet("10.0.1.0/24", "us-east-1a"), subnet("10.0.2.0/24", "us-east-1b")
	ids := strings.Fields(text("Instances[].InstanceId", "run-instances", "--image-id", "resolve:ssm:"+al2023Param,
		"--instance-type", "t3.micro", "--count", "2", "--subnet-id", snA))
	if len(ids) != 2 {
		t.Fatalf("run-instances: %v", ids)
	}
	a, b := ids[0], ids[1]
	waitFor(t, "instances running", func() bool { return state(a) == "running" && state(b) == "running" })
	eq("public address in a subnet without auto-assign", text("Reservations[0].Instances[0].PublicIpAddress", "describe-instances", "--instance-ids", a), "None")

	// An Elastic IP needs the VPC to reach the internet.
	alloc := text("AllocationId", "allocate-address", "--domain", "vpc")
	publicIP := text("Addresses[0].PublicIp", "describe-addresses", "--allocation-ids", alloc)
	refused("Gateway.NotAttached", "Network "+vpc+" is not attached to any internet gateway", "associate-address", "--allocation-id", alloc, "--instance-id", a)
	igw := text("InternetGateway.InternetGatewayId", "create-internet-gateway")
	run("attach-internet-gateway", "--internet-gateway-id", igw, "--vpc-id", vpc)
	first := text("AssociationId", "associate-address", "--allocation-id", alloc, "--instance-id", a)
	if !strings.HasPrefix(first, "eipassoc-") {
		t.Fatalf("association id %q", first)
	}
	eq("a's public address", text("Reservations[0].Instances[0].PublicIpAddress", "describe-instances", "--instance-ids", a), publicIP)
	eq("the same association again", text("Addresses[0].AssociationId", "describe-addresses", "--allocation-ids", alloc), first)

	// --no-allow-reassociation keeps it on a; without the flag it moves,
	// as the AssociateAddress reference says ("Reassociation is
	// automatic"), and --allow-reassociation moves it too.
	refused("Resource.AlreadyAssociated", "resource "+alloc+" is already associated with associate-id "+first,
		"associate-address", "--allocation-id", alloc, "--instance-id", b, "--no-allow-reassociation")
	publicOf := func(id string) string {
		return text("Reservations[0].Instances[0].PublicIpAddress", "describe-instances", "--instance-ids", id)
	}
	eq("a's public address after the refusal", publicOf(a), publicIP)
	prev := first
	for _, step := range []struct {
		to, from string
		flags    []string
	}{{b, a, nil}, {a, b, []string{"--allow-reassociation"}}, {b, a, nil}} {
		moved := text("AssociationId", append([]string{"associate-address", "--allocation-id", alloc, "--instance-id", step.to}, step.flags...)...)
		if moved == prev || !strings.HasPrefix(moved, "eipassoc-") {
			t.Fatalf("association after the move to %s %q (before %q)", step.to, moved, prev)
		}
		prev = moved
		eq("address's instance", text("Addresses[0].[InstanceId,AssociationId]", "describe-addresses", "--allocation-ids", alloc), step.to+"\t"+moved)
		eq(step.to+"'s public address", publicOf(step.to), publicIP)
		eq(step.from+"'s public address after the move", publicOf(step.from), "None")
	}
	refused("InvalidIPAddress.InUse", "", "release-address", "--allocation-id", alloc)

	// A route to an instance goes through its primary interface.
	primaryA := text("Reservations[0].Instances[0].NetworkInterfaces[?Attachment.DeviceIndex==`0`].NetworkInterfaceId | [0]", "describe-instances", "--instance-ids", a)
	rtb := text("RouteTable.RouteTableId", "create-route-table", "--vpc-id", vpc)
	eq("create-route", text("Return", "create-route", "--route-table-id", rtb, "--destination-cidr-block", "192.168.0.0/16", "--instance-id", a), "True")
	routeField := func(dest, field string) string {
		return text("RouteTables[0].Routes[?DestinationCidrBlock=='"+dest+"']."+field+" | [0]", "describe-route-tables", "--route-table-ids", rtb)
	}
	eq("route's instance", routeField("192.168.0.0/16", "InstanceId"), a)
	eq("route's owner", routeField("192.168.0.0/16", "InstanceOwnerId"), "000000000000")
	eq("route's interface", routeField("192.168.0.0/16", "NetworkInterfaceId"), primaryA)
	eq("route's state", routeField("192.168.0.0/16", "State"), "active")
	eq("route's origin", routeField("192.168.0.0/16", "Origin"), "CreateRoute")
	eq("route table by instance route", text("RouteTables[].RouteTableId", "describe-route-tables", "--filters", "Name=route.instance-id,Values="+a), rtb)
	refused("RouteAlreadyExists", "The route identified by 192.168.0.0/16 already exists.",
		"create-route", "--route-table-id", rtb, "--destination-cidr-block", "192.168.0.0/16", "--instance-id", a)
	refused("InvalidInstanceID.NotFound", "i-0123456789abcdef0", "create-route", "--route-table-id", rtb, "--destination-cidr-block", "172.16.0.0/12", "--instance-id", "i-0123456789abcdef0")

	// A second interface at device index 1, and what AWS refuses.
	eni := func(sn string) string {
		return text("NetworkInterface.NetworkInterfaceId", "create-network-interface", "--subnet-id", sn)
	}
	second, third, otherZone := eni(snA), eni(snA), eni(snB)
	att := text("AttachmentId", "attach-network-interface", "--network-interface-id", second, "--instance-id", a, "--device-index", "1")
	if !strings.HasPrefix(att, "eni-attach-") {
		t.Fatalf("attachment id %q", att)
	}
	eq("attached interface", text("NetworkInterfaces[0].[Status,Attachment.InstanceId,Attachment.DeviceIndex,Attachment.Status]",
		"describe-network-interfaces", "--network-interface-ids", second), "in-use\t"+a+"\t1\tattached")
	eq("a's interfaces", text("length(Reservations[0].Instances[0].NetworkInterfaces)", "describe-instances", "--instance-ids", a), "2")
	refused("InvalidParameterValue", "Instance '"+a+"' already has an interface attached at device index '1'.",
		"attach-network-interface", "--network-interface-id", third, "--instance-id", a, "--device-index", "1")
	refused("InvalidParameterValue", "different availability zones",
		"attach-network-interface", "--network-interface-id", otherZone, "--instance-id", a, "--device-index", "2")
	refused("AttachmentLimitExceeded", "t3.micro", "attach-network-interface", "--network-interface-id", third, "--instance-id", a, "--device-index", "2")
	refused("InvalidNetworkInterface.InUse", "Interface: ["+second+"] in use.", "attach-network-interface", "--network-interface-id", second, "--instance-id", b, "--device-index", "1")
	// With two interfaces, an instance id no longer names one.
	refused("InvalidInstanceID", "There are multiple interfaces attached to instance '"+a+"'. Please specify an interface ID for the operation instead.",
		"create-route", "--route-table-id", rtb, "--destination-cidr-block", "172.16.0.0/12", "--instance-id", a)
	primaryAtt := text("NetworkInterfaces[0].Attachment.AttachmentId", "describe-network-interfaces", "--network-interface-ids", primaryA)
	refused("OperationNotPermitted", "device index 0", "detach-network-interface", "--attachment-id", primaryAtt)
	refused("InvalidNetworkInterface.InUse", "", "delete-network-interface", "--network-interface-id", second)
	run("detach-network-interface", "--attachment-id", att)
	eq("detached interface", text("NetworkInterfaces[0].Status", "describe-network-interfaces", "--network-interface-ids", second), "available")
	refused("InvalidAttachmentID.NotFound", att, "detach-network-interface", "--attachment-id", att)

	// Termination frees the address and leaves the route a blackhole.
	run("terminate-instances", "--instance-ids", a, b)
	waitFor(t, "instances terminated", func() bool { return state(a) == "terminated" && state(b) == "terminated" })
	eq("address after termination", text("Addresses[0].[InstanceId,AssociationId,NetworkInterfaceId]", "describe-addresses", "--allocation-ids", alloc), "None\tNone\tNone")
	eq("route after termination", routeField("192.168.0.0/16", "State"), "blackhole")
	refused("IncorrectInstanceState", "", "attach-network-interface", "--network-interface-id", second, "--instance-id", a, "--device-index", "1")
	run("release-address", "--allocation-id", alloc)
	refused("InvalidAllocationID.NotFound", alloc, "describe-addresses", "--allocation-ids", alloc)
}
