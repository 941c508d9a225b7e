package ec2

import (
	"context"
	"net/netip"
	"testing"

	"hakoniwa/internal/store"

	ec2api "hakoniwa/internal/api/ec2"
)

func mustGroup(t *testing.T, s *Service, ctx context.Context, vpc, name string) string {
	t.Helper()
	out, err := s.CreateSecurityGroup(ctx, &ec2api.CreateSecurityGroupInput{GroupName: &name, Description: ptr(name), VpcId: &vpc})
	if err != nil {
		t.Fatalf("create group %s: %v", name, err)
	}
	return *out.GroupId
}

// activePeering requests and accepts a connection from vpc (in ctx) to
// peerVpc (in pctx, owned by owner).
func mustActivePeering(t *testing.T, s *Service, ctx, pctx context.Context, vpc, peerVpc, owner string) string {
	t.Helper()
	in := &ec2api.CreateVpcPeeringConnectionInput{VpcId: &vpc, PeerVpcId: &peerVpc}
	if owner != testAccount {
		in.PeerOwnerId = &owner
	}
	id := *mustPeering(t, s, ctx, in).VpcPeeringConnectionId
	if _, err := s.AcceptVpcPeeringConnection(pctx, &ec2api.AcceptVpcPeeringConnectionInput{VpcPeeringConnectionId: &id}); err != nil {
		t.Fatalf("accept %s: %v", id, err)
	}
	return id
}

// mysqlFrom is tcp 3306 from a group, optionally of another account.
func mysqlFrom(group, owner string) []ec2api.IpPermission {
	pair := ec2api.UserIdGroupPair{GroupId: &group}
	if owner != "" {
		pair.UserId = &owner
	}
	return []ec2api.IpPermission{{IpProtocol: ptr("tcp"), FromPort: ptr(int64(3306)), ToPort: ptr(int64(3306)), UserIdGroupPairs: []ec2api.UserIdGroupPair{pair}}}
}

func references(t *testing.T, s *Service, ctx context.Context, groups ...string) []ec2api.SecurityGroupReference {
	t.Helper()
	out, err := s.DescribeSecurityGroupReferences(ctx, &ec2api.DescribeSecurityGroupReferencesInput{GroupId: groups})
	if err != nil {
		t.Fatalf("references: %v", err)
	}
	return out.SecurityGroupReferenceSet
}

func staleGroups(t *testing.T, s *Service, ctx context.Context, vpc string) []ec2api.StaleSecurityGroup {
	t.Helper()
	out, err := s.DescribeStaleSecurityGroups(ctx, &ec2api.DescribeStaleSecurityGroupsInput{VpcId: &vpc})
	if err != nil {
		t.Fatalf("stale: %v", err)
	}
	return out.StaleSecurityGroupSet
}

func ingressPair(t *testing.T, s *Service, ctx context.Context, group string) ec2api.UserIdGroupPair {
	t.Helper()
	out, err := s.DescribeSecurityGroups(ctx, &ec2api.DescribeSecurityGroupsInput{GroupIds: []string{group}})
	if err != nil || len(out.SecurityGroups) != 1 || len(out.SecurityGroups[0].IpPermissions) != 1 || len(out.SecurityGroups[0].IpPermissions[0].UserIdGroupPairs) != 1 {
		t.Fatalf("describe %s: %+v %v", group, out, err)
	}
	return out.SecurityGroups[0].IpPermissions[0].UserIdGroupPairs[0]
}

func TestPeerGroupReferenceSameAccount(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	a, b := mustVPC(t, s, ctx, "10.0.0.0/16"), mustVPC(t, s, ctx, "10.1.0.0/16")
	web, db := mustGroup(t, s, ctx, a, "web"), mustGroup(t, s, ctx, b, "db")
	authorize := func(perms []ec2api.IpPermission) (*ec2api.AuthorizeSecurityGroupIngressOutput, error) {
		return s.AuthorizeSecurityGroupIngress(ctx, &ec2api.AuthorizeSecurityGroupIngressInput{GroupId: &db, IpPermissions: perms})
	}

	// No connection, then a pending one: the two VPCs are different
	// networks.
	_, errNone := authorize(mysqlFrom(web, ""))
	pending := *mustPeering(t, s, ctx, &ec2api.CreateVpcPeeringConnectionInput{VpcId: &a, PeerVpcId: &b}).VpcPeeringConnectionId
	_, errPending := authorize(mysqlFrom(web, ""))
	checkRefusals(t, []refusal{
		{"no peering", errNone, "InvalidGroup.NotFound", "You have specified two resources that belong to different networks."},
		{"pending peering", errPending, "InvalidGroup.NotFound", "You have specified two resources that belong to different networks."},
	})
	if _, err := s.AcceptVpcPeeringConnection(ctx, &ec2api.AcceptVpcPeeringConnectionInput{VpcPeeringConnectionId: &pending}); err != nil {
		t.Fatal(err)
	}
	pcx := pending

	wrong := mysqlFrom(web, "")
	wrong[0].UserIdGroupPairs[0].VpcPeeringConnectionId = ptr("pcx-0123456789abcdef0")
	_, errWrong := authorize(wrong)
	checkRefusals(t, []refusal{{"another connection named", errWrong, "InvalidVpcPeeringConnectionID.NotFound", ""}})

	out, err := authorize(mysqlFrom(web, ""))
	if err != nil {
		t.Fatalf("authorize across active peering: %v", err)
	}
	ref := out.SecurityGroupRules[0].ReferencedGroupInfo
	if deref(ref.GroupId) != web || deref(ref.VpcId) != a || deref(ref.VpcPeeringConnectionId) != pcx || deref(ref.PeeringStatus) != pcxActive {
		t.Errorf("authorized rule's referenced group: %+v", ref)
	}
	pair := ingressPair(t, s, ctx, db)
	if deref(pair.VpcPeeringConnectionId) != pcx || deref(pair.PeeringStatus) != pcxActive || deref(pair.VpcId) != a || deref(pair.UserId) != testAccount {
		t.Errorf("described pair: %+v", pair)
	}
	if got := references(t, s, ctx, web); len(got) != 1 || deref(got[0].ReferencingVpcId) != b || deref(got[0].VpcPeeringConnectionId) != pcx {
		t.Errorf("references to web: %+v", got)
	}
	if got := references(t, s, ctx, db); len(got) != 0 {
		t.Errorf("references to db: %+v", got)
	}
	if got := staleGroups(t, s, ctx, b); len(got) != 0 {
		t.Errorf("stale while active: %+v", got)
	}
	_, errDel := s.DeleteSecurityGroup(ctx, &ec2api.DeleteSecurityGroupInput{GroupId: &web})
	checkRefusals(t, []refusal{{"delete referenced peer group", errDel, "DependencyViolation", "resource " + web + " has a dependent object"}})

	// Evaluation: the web group's members reach the database only across
	// the active connection.
	var rules []*sgRuleRec
	if err := s.st.View(ctx, func(tx store.Tx) error {
		var err error
		rules, err = sgRules.by(tx, scope{testAccount, "us-east-1"}, "group-id", db)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	from := func(peering string) packet {
		return packet{Proto: ipTCP, Port: 3306, Peer: netip.MustParseAddr("10.0.0.10"), PeerGroups: []string{web}, Peering: peering}
	}
	if !sgAllows(rules, false, from(pcx)) || sgAllows(rules, false, from("")) || sgAllows(rules, false, from("pcx-0123456789abcdef0")) {
		t.Error("sgAllows across the peering")
	}

	// Deleting the connection leaves the rule stale.
	if _, err := s.DeleteVpcPeeringConnection(ctx, &ec2api.DeleteVpcPeeringConnectionInput{VpcPeeringConnectionId: &pcx}); err != nil {
		t.Fatal(err)
	}
	stale := staleGroups(t, s, ctx, b)
	if len(stale) != 1 || deref(stale[0].GroupId) != db || len(stale[0].StaleIpPermissions) != 1 || len(stale[0].StaleIpPermissionsEgress) != 0 {
		t.Fatalf("stale after peering deleted: %+v", stale)
	}
	sp := stale[0].StaleIpPermissions[0]
	if deref(sp.IpProtocol) != "tcp" || sp.FromPort == nil || *sp.FromPort != 3306 || len(sp.UserIdGroupPairs) != 1 ||
		deref(sp.UserIdGroupPairs[0].PeeringStatus) != pcxDeleted || deref(sp.UserIdGroupPairs[0].VpcPeeringConnectionId) != pcx {
		t.Errorf("stale permission: %+v", sp)
	}
	if got := staleGroups(t, s, ctx, a); len(got) != 0 {
		t.Errorf("stale in the referenced VPC: %+v", got)
	}
	if pair := ingressPair(t, s, ctx, db); deref(pair.PeeringStatus) != pcxDeleted {
		t.Errorf("pair after peering deleted: %+v", pair)
	}
	_, errAgain := authorize(mysqlFrom(web, ""))
	checkRefusals(t, []refusal{{"new reference over deleted peering", errAgain, "InvalidGroup.NotFound", ""}})

	// The stale rule is revoked by naming it; then nothing references web.
	if _, err := s.RevokeSecurityGroupIngress(ctx, &ec2api.RevokeSecurityGroupIngressInput{GroupId: &db, IpPermissions: mysqlFrom(web, "")}); err != nil {
		t.Fatalf("revoke stale rule: %v", err)
	}
	if got := references(t, s, ctx, web); len(got) != 0 {
		t.Errorf("references after revoke: %+v", got)
	}
	if got := staleGroups(t, s, ctx, b); len(got) != 0 {
		t.Errorf("stale after revoke: %+v", got)
	}
	if _, err := s.DeleteSecurityGroup(ctx, &ec2api.DeleteSecurityGroupInput{GroupId: &web}); err != nil {
		t.Errorf("delete web once unreferenced: %v", err)
	}
}

func TestPeerGroupReferenceCrossAccount(t *testing.T) {
	const other = "444455556666"
	s, ctx := newTestService(t, DefaultQuotas())
	octx, wctx := ctxAs(other, "us-east-1"), ctxIn("us-west-2")
	a := mustVPC(t, s, ctx, "10.0.0.0/16")
	c := mustVPC(t, s, octx, "10.2.0.0/16")
	w := mustVPC(t, s, wctx, "10.3.0.0/16")
	web, app := mustGroup(t, s, ctx, a, "web"), mustGroup(t, s, octx, c, "app")
	west := mustGroup(t, s, wctx, w, "west")
	pcx := mustActivePeering(t, s, ctx, octx, a, c, other)
	cross := *mustPeering(t, s, ctx, &ec2api.CreateVpcPeeringConnectionInput{VpcId: &a, PeerVpcId: &w, PeerRegion: ptr("us-west-2")}).VpcPeeringConnectionId
	if _, err := s.AcceptVpcPeeringConnection(wctx, &ec2api.AcceptVpcPeeringConnectionInput{VpcPeeringConnectionId: &cross}); err != nil {
		t.Fatal(err)
	}

	_, errNoUser := s.AuthorizeSecurityGroupIngress(octx, &ec2api.AuthorizeSecurityGroupIngressInput{GroupId: &app, IpPermissions: mysqlFrom(web, "")})
	_, errRegion := s.AuthorizeSecurityGroupIngress(ctx, &ec2api.AuthorizeSecurityGroupIngressInput{GroupId: &web, IpPermissions: mysqlFrom(west, "")})
	checkRefusals(t, []refusal{
		{"another account's group without its UserId", errNoUser, "InvalidGroup.NotFound", "The security group '" + web + "' does not exist"},
		{"group across an inter-Region peering", errRegion, "InvalidGroup.NotFound", ""},
	})
	out, err := s.AuthorizeSecurityGroupEgress(octx, &ec2api.AuthorizeSecurityGroupEgressInput{GroupId: &app, IpPermissions: mysqlFrom(web, testAccount)})
	if err != nil {
		t.Fatalf("authorize with UserId: %v", err)
	}
	if ref := out.SecurityGroupRules[0].ReferencedGroupInfo; deref(ref.UserId) != testAccount || deref(ref.VpcPeeringConnectionId) != pcx {
		t.Errorf("referenced group: %+v", ref)
	}
	// The owner of the referenced group sees the reference from its peer.
	if got := references(t, s, ctx, web); len(got) != 1 || deref(got[0].ReferencingVpcId) != c || deref(got[0].VpcPeeringConnectionId) != pcx {
		t.Errorf("references to web: %+v", got)
	}
	// Another account's reference does not stop the owner deleting its
	// group; the referencing rule goes stale.
	if _, err := s.DeleteSecurityGroup(ctx, &ec2api.DeleteSecurityGroupInput{GroupId: &web}); err != nil {
		t.Fatalf("delete group referenced by another account: %v", err)
	}
	stale := staleGroups(t, s, octx, c)
	if len(stale) != 1 || len(stale[0].StaleIpPermissionsEgress) != 1 || len(stale[0].StaleIpPermissions) != 0 {
		t.Fatalf("stale after referenced group deleted: %+v", stale)
	}
	if pair := stale[0].StaleIpPermissionsEgress[0].UserIdGroupPairs[0]; deref(pair.GroupId) != web || deref(pair.PeeringStatus) != pcxActive {
		t.Errorf("stale pair: %+v", pair)
	}
	// Revoking the stale rule by its permission still works.
	if _, err := s.RevokeSecurityGroupEgress(octx, &ec2api.RevokeSecurityGroupEgressInput{GroupId: &app, IpPermissions: mysqlFrom(web, testAccount)}); err != nil {
		t.Fatalf("revoke stale cross-account rule: %v", err)
	}
	if got := staleGroups(t, s, octx, c); len(got) != 0 {
		t.Errorf("stale after revoke: %+v", got)
	}
}

func TestStaleSecurityGroupsPaging(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	a, b := mustVPC(t, s, ctx, "10.0.0.0/16"), mustVPC(t, s, ctx, "10.1.0.0/16")
	web := mustGroup(t, s, ctx, a, "web")
	pcx := mustActivePeering(t, s, ctx, ctx, a, b, testAccount)
	for i := range 7 {
		g := mustGroup(t, s, ctx, b, "db"+itoa(int64(i)))
		if _, err := s.AuthorizeSecurityGroupIngress(ctx, &ec2api.AuthorizeSecurityGroupIngressInput{GroupId: &g, IpPermissions: mysqlFrom(web, "")}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.DeleteVpcPeeringConnection(ctx, &ec2api.DeleteVpcPeeringConnectionInput{VpcPeeringConnectionId: &pcx}); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var token *string
	for pages := 0; ; pages++ {
		out, err := s.DescribeStaleSecurityGroups(ctx, &ec2api.DescribeStaleSecurityGroupsInput{VpcId: &b, MaxResults: ptr(int64(5)), NextToken: token})
		if err != nil || pages > 3 {
			t.Fatalf("page %d: %v", pages, err)
		}
		for _, g := range out.StaleSecurityGroupSet {
			seen[*g.GroupId] = true
		}
		if token = out.NextToken; token == nil {
			break
		}
	}
	if len(seen) != 7 {
		t.Errorf("stale groups over pages: %d", len(seen))
	}
	_, err := s.DescribeStaleSecurityGroups(ctx, &ec2api.DescribeStaleSecurityGroupsInput{VpcId: &b, MaxResults: ptr(int64(4))})
	checkRefusals(t, []refusal{{"MaxResults below 5", err, "InvalidParameterValue", ""}})
}
