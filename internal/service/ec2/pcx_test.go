package ec2

import (
	"context"
	"testing"
	"time"

	ec2api "hakoniwa/internal/api/ec2"
)

func mustPeering(t *testing.T, s *Service, ctx context.Context, in *ec2api.CreateVpcPeeringConnectionInput) ec2api.VpcPeeringConnection {
	t.Helper()
	out, err := s.CreateVpcPeeringConnection(ctx, in)
	if err != nil {
		t.Fatalf("create peering: %v", err)
	}
	return *out.VpcPeeringConnection
}

// pcxStatus describes one connection as ctx sees it ("(gone)" if it is not
// visible).
func pcxStatus(t *testing.T, s *Service, ctx context.Context, id string) (string, string) {
	t.Helper()
	out, err := s.DescribeVpcPeeringConnections(ctx, &ec2api.DescribeVpcPeeringConnectionsInput{VpcPeeringConnectionIds: []string{id}})
	if code(err) == "InvalidVpcPeeringConnectionID.NotFound" {
		return "(gone)", ""
	}
	if err != nil || len(out.VpcPeeringConnections) != 1 {
		t.Fatalf("describe %s: %+v %v", id, out, err)
	}
	st := out.VpcPeeringConnections[0].Status
	return deref(st.Code), deref(st.Message)
}

func TestPeeringSameAccount(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	a := mustVPC(t, s, ctx, "10.0.0.0/16")
	b := mustVPC(t, s, ctx, "10.1.0.0/16")
	rtA, rtB := mustRouteTable(t, s, ctx, a), mustRouteTable(t, s, ctx, b)

	created := mustPeering(t, s, ctx, &ec2api.CreateVpcPeeringConnectionInput{VpcId: &a, PeerVpcId: &b,
		TagSpecifications: []ec2api.TagSpecification{{ResourceType: ptr("vpc-peering-connection"), Tags: []ec2api.Tag{{Key: ptr("Name"), Value: ptr("a-b")}}}}})
	id := *created.VpcPeeringConnectionId
	if got := deref(created.Status.Code); got != pcxInitiating || deref(created.Status.Message) != "Initiating Request to "+testAccount {
		t.Errorf("create answered %s %q", got, deref(created.Status.Message))
	}
	if created.ExpirationTime == nil || !created.ExpirationTime.Equal(manual(s).Now().Add(7*24*time.Hour)) {
		t.Errorf("expiration %v", created.ExpirationTime)
	}
	if c, m := pcxStatus(t, s, ctx, id); c != pcxPending || m != "Pending Acceptance by "+testAccount {
		t.Errorf("after create: %s %q", c, m)
	}

	// A route to a pending connection is accepted and stays a blackhole
	// until the connection is active.
	if _, err := s.CreateRoute(ctx, &ec2api.CreateRouteInput{RouteTableId: &rtA, DestinationCidrBlock: ptr("10.1.0.0/16"), VpcPeeringConnectionId: &id}); err != nil {
		t.Fatal(err)
	}
	if st := routeState(describeRT(t, s, ctx, rtA), "10.1.0.0/16"); st != routeBlackhole {
		t.Errorf("route to pending connection: %s", st)
	}
	if _, err := s.ModifyVpcPeeringConnectionOptions(ctx, &ec2api.ModifyVpcPeeringConnectionOptionsInput{VpcPeeringConnectionId: &id,
		RequesterPeeringConnectionOptions: &ec2api.PeeringConnectionOptionsRequest{AllowDnsResolutionFromRemoteVpc: ptr(true)}}); code(err) != "OperationNotPermitted" {
		t.Errorf("modify pending: %v", err)
	}

	acc, err := s.AcceptVpcPeeringConnection(ctx, &ec2api.AcceptVpcPeeringConnectionInput{VpcPeeringConnectionId: &id})
	if err != nil {
		t.Fatal(err)
	}
	if got := deref(acc.VpcPeeringConnection.Status.Code); got != pcxProvisioning {
		t.Errorf("accept answered %s", got)
	}
	if c, _ := pcxStatus(t, s, ctx, id); c != pcxActive {
		t.Errorf("after accept: %s", c)
	}
	if _, err := s.CreateRoute(ctx, &ec2api.CreateRouteInput{RouteTableId: &rtB, DestinationCidrBlock: ptr("10.0.0.0/16"), VpcPeeringConnectionId: &id}); err != nil {
		t.Fatal(err)
	}
	for _, rt := range []struct{ table, dest string }{{rtA, "10.1.0.0/16"}, {rtB, "10.0.0.0/16"}} {
		if st := routeState(describeRT(t, s, ctx, rt.table), rt.dest); st != routeActive {
			t.Errorf("route in %s: %s", rt.table, st)
		}
	}
	mo, err := s.ModifyVpcPeeringConnectionOptions(ctx, &ec2api.ModifyVpcPeeringConnectionOptionsInput{VpcPeeringConnectionId: &id,
		RequesterPeeringConnectionOptions: &ec2api.PeeringConnectionOptionsRequest{AllowDnsResolutionFromRemoteVpc: ptr(true)},
		AccepterPeeringConnectionOptions:  &ec2api.PeeringConnectionOptionsRequest{AllowDnsResolutionFromRemoteVpc: ptr(true)}})
	if err != nil || !isTrue(mo.RequesterPeeringConnectionOptions.AllowDnsResolutionFromRemoteVpc) || !isTrue(mo.AccepterPeeringConnectionOptions.AllowDnsResolutionFromRemoteVpc) {
		t.Errorf("modify options: %+v %v", mo, err)
	}

	// Filters, including the indexed VPC ones and tags.
	for _, tc := range []struct {
		name, value string
		want        int
	}{
		{"requester-vpc-info.vpc-id", a, 1},
		{"accepter-vpc-info.vpc-id", a, 0},
		{"accepter-vpc-info.cidr-block", "10.1.0.0/16", 1},
		{"status-code", "active", 1},
		{"status-code", "pending-*", 0},
		{"tag:Name", "a-b", 1},
		{"requester-vpc-info.owner-id", testAccount, 1},
		{"vpc-peering-connection-id", id, 1},
	} {
		out, err := s.DescribeVpcPeeringConnections(ctx, &ec2api.DescribeVpcPeeringConnectionsInput{Filters: filters(tc.name, tc.value)})
		if err != nil || len(out.VpcPeeringConnections) != tc.want {
			t.Errorf("filter %s=%s: %d results, %v; want %d", tc.name, tc.value, len(out.VpcPeeringConnections), err, tc.want)
		}
	}

	if _, err := s.DeleteVpcPeeringConnection(ctx, &ec2api.DeleteVpcPeeringConnectionInput{VpcPeeringConnectionId: &id}); err != nil {
		t.Fatal(err)
	}
	if c, m := pcxStatus(t, s, ctx, id); c != pcxDeleted || m != "Deleted by "+testAccount {
		t.Errorf("after delete: %s %q", c, m)
	}
	if st := routeState(describeRT(t, s, ctx, rtA), "10.1.0.0/16"); st != routeBlackhole {
		t.Errorf("route to deleted connection: %s", st)
	}
	_, err = s.DeleteVpcPeeringConnection(ctx, &ec2api.DeleteVpcPeeringConnectionInput{VpcPeeringConnectionId: &id})
	checkRefusals(t, []refusal{{"delete twice", err, "InvalidStateTransition", "Invalid state transition for " + id + ", attempted to transition from deleted to deleting"}})
	_, err = s.CreateRoute(ctx, &ec2api.CreateRouteInput{RouteTableId: &rtA, DestinationCidrBlock: ptr("10.9.0.0/16"), VpcPeeringConnectionId: &id})
	checkRefusals(t, []refusal{{"route to deleted", err, "InvalidVpcPeeringConnectionID.NotFound", "The vpcPeeringConnection ID '" + id + "' does not exist"}})

	manual(s).Advance(2*time.Hour + time.Second)
	if c, _ := pcxStatus(t, s, ctx, id); c != "(gone)" {
		t.Errorf("deleted connection still visible after 2 hours: %s", c)
	}
}

func TestPeeringRefusals(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	a := mustVPC(t, s, ctx, "10.0.0.0/16")
	b := mustVPC(t, s, ctx, "10.1.0.0/16")
	c := mustVPC(t, s, ctx, "10.2.0.0/16")
	overlap := mustVPC(t, s, ctx, "10.0.128.0/17")
	rtC := mustRouteTable(t, s, ctx, c)
	create := func(vpc, peer string) error {
		_, err := s.CreateVpcPeeringConnection(ctx, &ec2api.CreateVpcPeeringConnectionInput{VpcId: &vpc, PeerVpcId: &peer})
		return err
	}
	pending := *mustPeering(t, s, ctx, &ec2api.CreateVpcPeeringConnectionInput{VpcId: &a, PeerVpcId: &b}).VpcPeeringConnectionId

	failed := mustPeering(t, s, ctx, &ec2api.CreateVpcPeeringConnectionInput{VpcId: &a, PeerVpcId: &overlap})
	if deref(failed.Status.Code) != pcxFailed || deref(failed.Status.Message) != pcxFailureMessage {
		t.Errorf("overlapping blocks: %s %q", deref(failed.Status.Code), deref(failed.Status.Message))
	}
	failedID := *failed.VpcPeeringConnectionId
	_, acceptFailed := s.AcceptVpcPeeringConnection(ctx, &ec2api.AcceptVpcPeeringConnectionInput{VpcPeeringConnectionId: &failedID})
	_, deleteFailed := s.DeleteVpcPeeringConnection(ctx, &ec2api.DeleteVpcPeeringConnectionInput{VpcPeeringConnectionId: &failedID})
	_, routeWrongVPC := s.CreateRoute(ctx, &ec2api.CreateRouteInput{RouteTableId: &rtC, DestinationCidrBlock: ptr("10.1.0.0/16"), VpcPeeringConnectionId: &pending})
	_, describeMalformed := s.DescribeVpcPeeringConnections(ctx, &ec2api.DescribeVpcPeeringConnectionsInput{VpcPeeringConnectionIds: []string{"pcx-xyz"}})
	_, acceptUnknown := s.AcceptVpcPeeringConnection(ctx, &ec2api.AcceptVpcPeeringConnectionInput{VpcPeeringConnectionId: ptr("pcx-0123456789abcdef0")})
	_, badFilter := s.DescribeVpcPeeringConnections(ctx, &ec2api.DescribeVpcPeeringConnectionsInput{Filters: filters("vpc-id", a)})

	checkRefusals(t, []refusal{
		{"same VPC", create(a, a), "InvalidParameterValue", ""},
		{"unknown peer VPC", create(a, "vpc-0123456789abcdef0"), "InvalidVpcID.NotFound", "The vpc ID 'vpc-0123456789abcdef0' does not exist"},
		{"malformed peer VPC", create(a, "vpc-1"), "InvalidVpcID.Malformed", ""},
		{"unknown requester VPC", create("vpc-0123456789abcdef0", b), "InvalidVpcID.NotFound", ""},
		{"duplicate", create(a, b), "VpcPeeringConnectionAlreadyExists", ""},
		{"duplicate reversed", create(b, a), "VpcPeeringConnectionAlreadyExists", ""},
		{"accept failed", acceptFailed, "InvalidStateTransition", "Invalid state transition for " + failedID + ", attempted to transition from failed to provisioning"},
		{"delete failed", deleteFailed, "InvalidStateTransition", "Invalid state transition for " + failedID + ", attempted to transition from failed to deleting"},
		{"route from a third VPC", routeWrongVPC, "InvalidParameterValue", ""},
		{"malformed id", describeMalformed, "InvalidVpcPeeringConnectionId.Malformed", `Invalid id: "pcx-xyz" (expecting "pcx-...")`},
		{"unknown id", acceptUnknown, "InvalidVpcPeeringConnectionID.NotFound", "The vpcPeeringConnection ID 'pcx-0123456789abcdef0' does not exist"},
		{"unknown filter", badFilter, "InvalidParameterValue", "The filter 'vpc-id' is invalid"},
	})

	// Reject, then the pair may be requested again.
	if _, err := s.RejectVpcPeeringConnection(ctx, &ec2api.RejectVpcPeeringConnectionInput{VpcPeeringConnectionId: &pending}); err != nil {
		t.Fatal(err)
	}
	if c, m := pcxStatus(t, s, ctx, pending); c != pcxRejected || m != "Rejected by "+testAccount {
		t.Errorf("after reject: %s %q", c, m)
	}
	if err := create(a, b); err != nil {
		t.Errorf("request after rejection: %v", err)
	}
}

func TestPeeringCrossAccountAndRegion(t *testing.T) {
	const other = "444455556666"
	s, ctx := newTestService(t, DefaultQuotas())
	octx := ctxAs(other, "us-east-1")
	wctx := ctxIn("us-west-2")
	a := mustVPC(t, s, ctx, "10.0.0.0/16")
	b := mustVPC(t, s, octx, "10.1.0.0/16")
	w := mustVPC(t, s, wctx, "10.2.0.0/16")

	p := mustPeering(t, s, ctx, &ec2api.CreateVpcPeeringConnectionInput{VpcId: &a, PeerVpcId: &b, PeerOwnerId: ptr(other),
		TagSpecifications: []ec2api.TagSpecification{{ResourceType: ptr("vpc-peering-connection"), Tags: []ec2api.Tag{{Key: ptr("side"), Value: ptr("requester")}}}}})
	id := *p.VpcPeeringConnectionId
	if deref(p.AccepterVpcInfo.OwnerId) != other || p.AccepterVpcInfo.CidrBlock != nil {
		t.Errorf("accepter info before acceptance: %+v", p.AccepterVpcInfo)
	}
	// The accepter sees the request in its own account, without the
	// requester's tags, and is the only one who may accept it.
	seen, err := s.DescribeVpcPeeringConnections(octx, &ec2api.DescribeVpcPeeringConnectionsInput{Filters: filters("accepter-vpc-info.vpc-id", b)})
	if err != nil || len(seen.VpcPeeringConnections) != 1 || len(seen.VpcPeeringConnections[0].Tags) != 0 {
		t.Fatalf("accepter's view: %+v %v", seen, err)
	}
	_, err = s.AcceptVpcPeeringConnection(ctx, &ec2api.AcceptVpcPeeringConnectionInput{VpcPeeringConnectionId: &id})
	checkRefusals(t, []refusal{{"requester accepts", err, "OperationNotPermitted", ""}})
	_, err = s.DeleteVpcPeeringConnection(octx, &ec2api.DeleteVpcPeeringConnectionInput{VpcPeeringConnectionId: &id})
	checkRefusals(t, []refusal{{"accepter deletes a pending request", err, "OperationNotPermitted", ""}})
	// The accepter's VPC cannot be deleted under a pending request.
	_, err = s.DeleteVpc(octx, &ec2api.DeleteVpcInput{VpcId: &b})
	checkRefusals(t, []refusal{{"delete accepter VPC", err, "DependencyViolation", ""}})

	if _, err := s.CreateTags(octx, &ec2api.CreateTagsInput{Resources: []string{id}, Tags: []ec2api.Tag{{Key: ptr("side"), Value: ptr("accepter")}}}); err != nil {
		t.Fatal(err)
	}
	acc, err := s.AcceptVpcPeeringConnection(octx, &ec2api.AcceptVpcPeeringConnectionInput{VpcPeeringConnectionId: &id})
	if err != nil {
		t.Fatal(err)
	}
	if tags := acc.VpcPeeringConnection.Tags; len(tags) != 1 || deref(tags[0].Value) != "accepter" {
		t.Errorf("accepter's tags: %+v", tags)
	}
	for _, c := range []context.Context{ctx, octx} {
		if st, _ := pcxStatus(t, s, c, id); st != pcxActive {
			t.Errorf("after accept: %s", st)
		}
	}
	out, _ := s.DescribeVpcPeeringConnections(ctx, &ec2api.DescribeVpcPeeringConnectionsInput{VpcPeeringConnectionIds: []string{id}})
	if got := out.VpcPeeringConnections[0]; deref(got.AccepterVpcInfo.CidrBlock) != "10.1.0.0/16" || deref(got.Tags[0].Value) != "requester" {
		t.Errorf("requester's view once active: %+v", got)
	}
	_, err = s.ModifyVpcPeeringConnectionOptions(ctx, &ec2api.ModifyVpcPeeringConnectionOptionsInput{VpcPeeringConnectionId: &id,
		AccepterPeeringConnectionOptions: &ec2api.PeeringConnectionOptionsRequest{AllowDnsResolutionFromRemoteVpc: ptr(true)}})
	checkRefusals(t, []refusal{{"requester sets accepter options", err, "OperationNotPermitted", ""}})

	// The accepter deletes; the requester sees who did, for longer.
	if _, err := s.DeleteVpcPeeringConnection(octx, &ec2api.DeleteVpcPeeringConnectionInput{VpcPeeringConnectionId: &id}); err != nil {
		t.Fatal(err)
	}
	manual(s).Advance(3 * time.Hour)
	if st, m := pcxStatus(t, s, ctx, id); st != pcxDeleted || m != "Deleted by "+other {
		t.Errorf("requester after accepter deleted: %s %q", st, m)
	}
	if st, _ := pcxStatus(t, s, octx, id); st != "(gone)" {
		t.Errorf("accepter still sees its deleted connection: %s", st)
	}

	// Cross-Region within the account: accepted in the peer Region.
	x := mustPeering(t, s, ctx, &ec2api.CreateVpcPeeringConnectionInput{VpcId: &a, PeerVpcId: &w, PeerRegion: ptr("us-west-2")})
	xid := *x.VpcPeeringConnectionId
	_, err = s.AcceptVpcPeeringConnection(ctx, &ec2api.AcceptVpcPeeringConnectionInput{VpcPeeringConnectionId: &xid})
	checkRefusals(t, []refusal{{"accept in the requester's Region", err, "OperationNotPermitted", ""}})
	if _, err := s.AcceptVpcPeeringConnection(wctx, &ec2api.AcceptVpcPeeringConnectionInput{VpcPeeringConnectionId: &xid}); err != nil {
		t.Fatal(err)
	}
	if got := deref(x.AccepterVpcInfo.Region); got != "us-west-2" {
		t.Errorf("accepter region %q", got)
	}

	// A peer VPC that does not exist in another account fails the request,
	// which the other account never sees.
	f := mustPeering(t, s, ctx, &ec2api.CreateVpcPeeringConnectionInput{VpcId: &a, PeerVpcId: ptr("vpc-0123456789abcdef0"), PeerOwnerId: ptr(other)})
	if deref(f.Status.Code) != pcxFailed {
		t.Errorf("unknown cross-account VPC: %s", deref(f.Status.Code))
	}
	if st, _ := pcxStatus(t, s, octx, *f.VpcPeeringConnectionId); st != "(gone)" {
		t.Errorf("failed request reached the accepter: %s", st)
	}
	_, err = s.CreateVpcPeeringConnection(ctx, &ec2api.CreateVpcPeeringConnectionInput{VpcId: &a, PeerVpcId: &w, PeerRegion: ptr("xx-nowhere-1")})
	checkRefusals(t, []refusal{{"unknown Region", err, "InvalidParameterValue", ""}})
}

func TestPeeringExpiryAndDeleteVpc(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	a := mustVPC(t, s, ctx, "10.0.0.0/16")
	b := mustVPC(t, s, ctx, "10.1.0.0/16")
	c := mustVPC(t, s, ctx, "10.2.0.0/16")
	stale := *mustPeering(t, s, ctx, &ec2api.CreateVpcPeeringConnectionInput{VpcId: &a, PeerVpcId: &b}).VpcPeeringConnectionId

	manual(s).Advance(7*24*time.Hour + time.Second)
	if st, _ := pcxStatus(t, s, ctx, stale); st != pcxExpired {
		t.Errorf("after 7 days: %s", st)
	}
	_, err := s.AcceptVpcPeeringConnection(ctx, &ec2api.AcceptVpcPeeringConnectionInput{VpcPeeringConnectionId: &stale})
	checkRefusals(t, []refusal{{"accept expired", err, "InvalidStateTransition", ""}})
	manual(s).Advance(2 * 24 * time.Hour)
	if st, _ := pcxStatus(t, s, ctx, stale); st != "(gone)" {
		t.Errorf("expired request still visible: %s", st)
	}

	// Deleting a VPC deletes its active connections, whose routes in the
	// other VPC become blackholes.
	live := *mustPeering(t, s, ctx, &ec2api.CreateVpcPeeringConnectionInput{VpcId: &a, PeerVpcId: &c}).VpcPeeringConnectionId
	if _, err := s.AcceptVpcPeeringConnection(ctx, &ec2api.AcceptVpcPeeringConnectionInput{VpcPeeringConnectionId: &live}); err != nil {
		t.Fatal(err)
	}
	rtC := mustRouteTable(t, s, ctx, c)
	if _, err := s.CreateRoute(ctx, &ec2api.CreateRouteInput{RouteTableId: &rtC, DestinationCidrBlock: ptr("10.0.0.0/16"), VpcPeeringConnectionId: &live}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteVpc(ctx, &ec2api.DeleteVpcInput{VpcId: &a}); err != nil {
		t.Fatal(err)
	}
	if st, _ := pcxStatus(t, s, ctx, live); st != pcxDeleted {
		t.Errorf("connection of a deleted VPC: %s", st)
	}
	if st := routeState(describeRT(t, s, ctx, rtC), "10.0.0.0/16"); st != routeBlackhole {
		t.Errorf("route over the deleted VPC's connection: %s", st)
	}
}

// TestPeeringQuotas provokes both peering quotas, set low as
// --ec2-quotas would: outstanding requests a VPC has made, and active
// connections of a VPC, whichever side it is on.
func TestPeeringQuotas(t *testing.T) {
	q, err := ParseQuotas("outstanding-peerings-per-vpc=2,active-peerings-per-vpc=1")
	if err != nil {
		t.Fatal(err)
	}
	s, ctx := newTestService(t, q)
	a := mustVPC(t, s, ctx, "10.0.0.0/16")
	b := mustVPC(t, s, ctx, "10.1.0.0/16")
	c := mustVPC(t, s, ctx, "10.2.0.0/16")
	d := mustVPC(t, s, ctx, "10.3.0.0/16")
	ab := *mustPeering(t, s, ctx, &ec2api.CreateVpcPeeringConnectionInput{VpcId: &a, PeerVpcId: &b}).VpcPeeringConnectionId
	ac := *mustPeering(t, s, ctx, &ec2api.CreateVpcPeeringConnectionInput{VpcId: &a, PeerVpcId: &c}).VpcPeeringConnectionId
	if _, err := s.CreateVpcPeeringConnection(ctx, &ec2api.CreateVpcPeeringConnectionInput{VpcId: &a, PeerVpcId: &d}); code(err) != "OutstandingVpcPeeringConnectionLimitExceeded" {
		t.Errorf("third request from a: %v", err)
	}
	// The quota counts requests a VPC made, not those made to it.
	db := *mustPeering(t, s, ctx, &ec2api.CreateVpcPeeringConnectionInput{VpcId: &d, PeerVpcId: &b}).VpcPeeringConnectionId
	if _, err := s.AcceptVpcPeeringConnection(ctx, &ec2api.AcceptVpcPeeringConnectionInput{VpcPeeringConnectionId: &ab}); err != nil {
		t.Fatal(err)
	}
	// a now has its one active connection; so has b.
	if _, err := s.AcceptVpcPeeringConnection(ctx, &ec2api.AcceptVpcPeeringConnectionInput{VpcPeeringConnectionId: &ac}); code(err) != "ActiveVpcPeeringConnectionPerVpcLimitExceeded" {
		t.Errorf("second active connection of a: %v", err)
	}
	if _, err := s.AcceptVpcPeeringConnection(ctx, &ec2api.AcceptVpcPeeringConnectionInput{VpcPeeringConnectionId: &db}); code(err) != "ActiveVpcPeeringConnectionPerVpcLimitExceeded" {
		t.Errorf("second active connection of b (the accepter): %v", err)
	}
	if c, _ := pcxStatus(t, s, ctx, ac); c != pcxPending {
		t.Errorf("refused accept left %s, want pending", c)
	}
	if _, err := s.DeleteVpcPeeringConnection(ctx, &ec2api.DeleteVpcPeeringConnectionInput{VpcPeeringConnectionId: &ab}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AcceptVpcPeeringConnection(ctx, &ec2api.AcceptVpcPeeringConnectionInput{VpcPeeringConnectionId: &ac}); err != nil {
		t.Errorf("accept after the delete made room: %v", err)
	}
}
