package ec2

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	"hakoniwa/internal/ids"
	"hakoniwa/internal/store"

	ec2api "hakoniwa/internal/api/ec2"
)

// Security group rules that reference a group in a peered VPC (Amazon VPC
// peering guide, "Update your security groups to reference peer security
// groups"): the peering connection must be active, the peer VPC in the
// same Region, and a group of another account is named by its owner's
// UserId with its GroupId. The rule keeps the connection's id; it stops
// matching traffic, and DescribeStaleSecurityGroups reports it, once the
// connection is no longer active or the referenced group is deleted.

// refCheck is how resolve treats a rule's referenced group.
type refCheck struct {
	// grant is set when the rule is being created or rewritten
	// (Authorize, Modify): a group outside the rule's VPC must then be
	// across an active peering connection. Revoke and description
	// updates only look rules up, and must reach stale rules too.
	grant bool
	now   time.Time
}

// groupRef is a resolved UserIdGroupPair.
type groupRef struct {
	ID, Name, Owner, Vpc string
	// Pcx is the peering connection the group is referenced across; ""
	// for a group in the rule's own VPC.
	Pcx string
}

func sgDifferentNetworks() error {
	return errf(http.StatusBadRequest, "InvalidGroup.NotFound", "You have specified two resources that belong to different networks.")
}

// resolveRef resolves the group a rule spec of group g references: by
// name in g's own VPC, or by id in g's VPC or (with the owner's account as
// UserId when it is another) in a VPC peered with it.
func resolveRef(tx store.Tx, sc scope, g *securityGroupRec, sp ruleSpec, chk refCheck) (groupRef, error) {
	owner := sp.refOwner
	if owner == "" {
		owner = sc.account
	}
	if sp.refID == "" {
		// Names resolve in the rule's own VPC only.
		if owner != sc.account {
			return groupRef{}, sgDifferentNetworks()
		}
		ref, err := groupInVPC(tx, sc, g.VpcID, sp.refName)
		if err == nil && ref == nil {
			err = errf(http.StatusBadRequest, "InvalidGroup.NotFound", "The security group '%s' does not exist in VPC '%s'", sp.refName, g.VpcID)
		}
		if err != nil {
			return groupRef{}, err
		}
		return groupRef{ID: ref.ID, Name: ref.Name, Owner: ref.Owner, Vpc: ref.VpcID}, nil
	}
	if !wellFormed(sp.refID, "sg") {
		return groupRef{}, kindSG.malformed(sp.refID)
	}
	if sp.refPcx != "" && !wellFormed(sp.refPcx, "pcx") {
		return groupRef{}, kindPCX.malformed(sp.refPcx)
	}
	peer := scope{account: owner, region: sc.region}
	var ref *securityGroupRec
	if ids.IsAccountID(owner) {
		var err error
		if ref, err = securityGroups.get(tx, peer, sp.refID); err != nil && !isNotFound(err) {
			return groupRef{}, err
		}
	}
	if ref == nil {
		// A rule whose group is gone can still be revoked by naming it.
		if !chk.grant {
			if stale, err := hasRuleTo(tx, sc, g.ID, sp.refID); err != nil || stale {
				return groupRef{ID: sp.refID, Owner: owner}, err
			}
		}
		return groupRef{}, kindSG.notFound(sp.refID)
	}
	out := groupRef{ID: ref.ID, Name: ref.Name, Owner: ref.Owner, Vpc: ref.VpcID}
	if owner == sc.account && ref.VpcID == g.VpcID {
		return out, nil
	}
	if !chk.grant {
		return out, nil // rules are matched by group id alone
	}
	p, err := activePeering(tx, sc, g.VpcID, peer, ref.VpcID, chk.now)
	if err != nil {
		return groupRef{}, err
	}
	if p == nil {
		return groupRef{}, sgDifferentNetworks()
	}
	if sp.refPcx != "" && sp.refPcx != p.ID {
		return groupRef{}, kindPCX.notFound(sp.refPcx)
	}
	out.Pcx = p.ID
	return out, nil
}

// hasRuleTo reports whether group groupID has a rule referencing refID.
func hasRuleTo(tx store.Tx, sc scope, groupID, refID string) (bool, error) {
	rules, err := sgRules.by(tx, sc, "referenced-group-id", refID)
	return slices.ContainsFunc(rules, func(r *sgRuleRec) bool { return r.GroupID == groupID }), err
}

// activePeering finds the active connection, within one Region, between
// vpcID in sc and peerVpc in peer; nil if there is none.
func activePeering(tx store.Tx, sc scope, vpcID string, peer scope, peerVpc string, now time.Time) (*peeringRec, error) {
	recs, err := peeringsOf(tx, sc, vpcID)
	if err != nil {
		return nil, err
	}
	for _, p := range recs {
		if p.state(now) != pcxActive || p.Requester.Region != p.Accepter.Region {
			continue
		}
		var other pcxSide
		switch {
		case p.Requester.scope() == sc && p.Requester.VpcID == vpcID:
			other = p.Accepter
		case p.Accepter.scope() == sc && p.Accepter.VpcID == vpcID:
			other = p.Requester
		default:
			continue
		}
		if other.scope() == peer && other.VpcID == peerVpc {
			return p, nil
		}
	}
	return nil, nil
}

// peeringStatus is the status code of a connection a rule references, as
// its UserIdGroupPair reports it. A referenced connection was active when
// the rule was made and can only have ended since, so its stored status
// is its status now; one no longer stored is deleted.
func peeringStatus(tx store.Tx, sc scope, id string) (string, error) {
	p, err := peerings.get(tx, sc, id)
	if isNotFound(err) {
		return pcxDeleted, nil
	}
	if err != nil {
		return "", err
	}
	return p.Status, nil
}

// peeringStatuses gathers the status of every connection the rules
// reference.
func peeringStatuses(tx store.Tx, sc scope, rules []*sgRuleRec) (map[string]string, error) {
	var out map[string]string
	for _, r := range rules {
		if r.RefPcx == "" || out[r.RefPcx] != "" {
			continue
		}
		st, err := peeringStatus(tx, sc, r.RefPcx)
		if err != nil {
			return nil, err
		}
		if out == nil {
			out = map[string]string{}
		}
		out[r.RefPcx] = st
	}
	return out, nil
}

// withPeeringStatus fills in PeeringStatus of rules that reference a group
// across a peering connection.
func withPeeringStatus(rules []ec2api.SecurityGroupRule, status map[string]string) {
	for i := range rules {
		if ref := rules[i].ReferencedGroupInfo; ref != nil && ref.VpcPeeringConnectionId != nil {
			ref.PeeringStatus = ptr(status[*ref.VpcPeeringConnectionId])
		}
	}
}

// pairOf is the UserIdGroupPair of a rule that references a group:
// across a peering connection it also names the peer VPC and the
// connection with its status.
func (r *sgRuleRec) pairOf(desc *string, status map[string]string) ec2api.UserIdGroupPair {
	pair := ec2api.UserIdGroupPair{GroupId: ptr(r.RefGroup), UserId: ptr(r.RefOwner), Description: desc}
	if r.RefPcx != "" {
		pair.VpcId, pair.VpcPeeringConnectionId = optional(r.RefVpc), ptr(r.RefPcx)
		pair.PeeringStatus = optional(status[r.RefPcx])
	}
	return pair
}

// sgPeerRefRec records, in the referenced group's (account, Region), a
// rule of another VPC that references the group across a peering
// connection: the rule itself lives with its own group, perhaps in
// another account, and DescribeSecurityGroupReferences is asked by the
// referenced group's owner. Its id is the rule's id.
type sgPeerRefRec struct {
	meta
	Group      string `json:"group"` // the referenced group
	RefAccount string `json:"account"`
	RefVpc     string `json:"vpc"`
	RefGroup   string `json:"refGroup"` // the referencing group
	Pcx        string `json:"pcx"`
}

var sgPeerRefs = &table[sgPeerRefRec, *sgPeerRefRec]{kind: "security-group-peer-reference", indexes: map[string]func(*sgPeerRefRec) string{
	"group-id": func(r *sgPeerRefRec) string { return r.Group },
}}

// putRule stores a rule and keeps its peer reference record in step.
func putRule(tx store.Tx, sc scope, r *sgRuleRec) error {
	old, err := sgRules.get(tx, sc, r.ID)
	if err != nil && !isNotFound(err) {
		return err
	}
	if old != nil && old.RefPcx != "" && (old.RefOwner != r.RefOwner || r.RefPcx == "") {
		if err := dropPeerRef(tx, sc, old); err != nil {
			return err
		}
	}
	if err := sgRules.put(tx, sc, r); err != nil {
		return err
	}
	if r.RefPcx == "" {
		return nil
	}
	g, err := securityGroups.get(tx, sc, r.GroupID)
	if err != nil {
		return err
	}
	ref := &sgPeerRefRec{meta: meta{ID: r.ID}, Group: r.RefGroup, RefAccount: sc.account, RefVpc: g.VpcID, RefGroup: r.GroupID, Pcx: r.RefPcx}
	return sgPeerRefs.put(tx, scope{account: r.RefOwner, region: sc.region}, ref)
}

// deleteRule removes a rule and its peer reference record.
func deleteRule(tx store.Tx, sc scope, r *sgRuleRec) error {
	if r.RefPcx != "" {
		if err := dropPeerRef(tx, sc, r); err != nil {
			return err
		}
	}
	return sgRules.delete(tx, sc, r)
}

func dropPeerRef(tx store.Tx, sc scope, r *sgRuleRec) error {
	at := scope{account: r.RefOwner, region: sc.region}
	ref, err := sgPeerRefs.get(tx, at, r.ID)
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	return sgPeerRefs.delete(tx, at, ref)
}

// dropGroupPeerRefs forgets the peer references to a group being deleted;
// the rules that made them are stale from now on.
func dropGroupPeerRefs(tx store.Tx, sc scope, groupID string) error {
	refs, err := sgPeerRefs.by(tx, sc, "group-id", groupID)
	if err != nil {
		return err
	}
	for _, ref := range refs {
		if err := sgPeerRefs.delete(tx, sc, ref); err != nil {
			return err
		}
	}
	return nil
}

// DescribeSecurityGroupReferences reports, for each of the caller's
// groups, the VPCs whose groups reference it across a VPC peering
// connection.
func (s *Service) DescribeSecurityGroupReferences(ctx context.Context, in *ec2api.DescribeSecurityGroupReferencesInput) (*ec2api.DescribeSecurityGroupReferencesOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	if len(in.GroupId) == 0 {
		return nil, missingParam("groupId")
	}
	if err := checkIDs(kindSG, in.GroupId); err != nil {
		return nil, err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	out := &ec2api.DescribeSecurityGroupReferencesOutput{SecurityGroupReferenceSet: []ec2api.SecurityGroupReference{}}
	err = s.st.View(ctx, func(tx store.Tx) error {
		out.SecurityGroupReferenceSet = out.SecurityGroupReferenceSet[:0]
		seen := map[[3]string]bool{}
		for _, id := range in.GroupId {
			if _, err := getGroup(tx, sc, id); err != nil {
				return err
			}
			refs, err := sgPeerRefs.by(tx, sc, "group-id", id)
			if err != nil {
				return err
			}
			for _, ref := range refs {
				k := [3]string{id, ref.RefVpc, ref.Pcx}
				if seen[k] {
					continue
				}
				seen[k] = true
				out.SecurityGroupReferenceSet = append(out.SecurityGroupReferenceSet, ec2api.SecurityGroupReference{
					GroupId: ptr(id), ReferencingVpcId: ptr(ref.RefVpc), VpcPeeringConnectionId: ptr(ref.Pcx)})
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// staleRules returns a group's rules that reference a group that no
// longer exists, or a group across a peering connection that is no longer
// active, with the status of each rule's connection.
func staleRules(tx store.Tx, sc scope, groupID string) ([]*sgRuleRec, map[string]string, error) {
	rules, err := sgRules.by(tx, sc, "group-id", groupID)
	if err != nil {
		return nil, nil, err
	}
	status, err := peeringStatuses(tx, sc, rules)
	if err != nil {
		return nil, nil, err
	}
	var out []*sgRuleRec
	for _, r := range rules {
		if r.RefGroup == "" {
			continue
		}
		owner := r.RefOwner
		if owner == "" {
			owner = sc.account
		}
		_, err := securityGroups.get(tx, scope{account: owner, region: sc.region}, r.RefGroup)
		if err != nil && !isNotFound(err) {
			return nil, nil, err
		}
		if isNotFound(err) || (r.RefPcx != "" && status[r.RefPcx] != pcxActive) {
			out = append(out, r)
		}
	}
	return out, status, nil
}

// stalePermissions groups stale rules of one direction by protocol and
// ports, as AWS reports them.
func stalePermissions(rules []*sgRuleRec, egress bool, status map[string]string) []ec2api.StaleIpPermission {
	var out []ec2api.StaleIpPermission
	index := map[[3]string]int{}
	for _, r := range rules {
		if r.Egress != egress {
			continue
		}
		k := [3]string{r.Protocol, itoa(r.From), itoa(r.To)}
		i, ok := index[k]
		if !ok {
			p := ec2api.StaleIpPermission{IpProtocol: ptr(r.Protocol)}
			if hasPorts(r.Protocol) {
				p.FromPort, p.ToPort = ptr(r.From), ptr(r.To)
			}
			out = append(out, p)
			i = len(out) - 1
			index[k] = i
		}
		pair := ec2api.UserIdGroupPair{GroupId: ptr(r.RefGroup), VpcId: optional(r.RefVpc), UserId: optional(r.RefOwner)}
		if r.RefPcx != "" {
			pair.VpcPeeringConnectionId, pair.PeeringStatus = ptr(r.RefPcx), optional(status[r.RefPcx])
		}
		out[i].UserIdGroupPairs = append(out[i].UserIdGroupPairs, pair)
	}
	return out
}

// DescribeStaleSecurityGroups lists the groups of a VPC that have stale
// rules, in group id order.
func (s *Service) DescribeStaleSecurityGroups(ctx context.Context, in *ec2api.DescribeStaleSecurityGroupsInput) (*ec2api.DescribeStaleSecurityGroupsOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	if in.VpcId == nil {
		return nil, missingParam("vpcId")
	}
	pg, err := parsePage(in.MaxResults, in.NextToken, false, "", pageLimits{5, 255})
	if err != nil {
		return nil, err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	out := &ec2api.DescribeStaleSecurityGroupsOutput{}
	err = s.st.View(ctx, func(tx store.Tx) error {
		if _, err := getVPC(tx, sc, *in.VpcId); err != nil {
			return err
		}
		groups, err := securityGroups.by(tx, sc, "vpc-id", *in.VpcId)
		if err != nil {
			return err
		}
		slices.SortFunc(groups, func(a, b *securityGroupRec) int { return strings.Compare(a.ID, b.ID) })
		c := &collector[*securityGroupRec]{pg: pg}
		stale := map[string]ec2api.StaleSecurityGroup{}
		for _, g := range groups {
			if pg.after != "" && g.ID <= pg.after {
				continue
			}
			rules, status, err := staleRules(tx, sc, g.ID)
			if err != nil {
				return err
			}
			if len(rules) == 0 {
				continue
			}
			stale[g.ID] = ec2api.StaleSecurityGroup{GroupId: ptr(g.ID), GroupName: ptr(g.Name), Description: ptr(g.Description), VpcId: ptr(g.VpcID),
				StaleIpPermissions: stalePermissions(rules, false, status), StaleIpPermissionsEgress: stalePermissions(rules, true, status)}
			if !c.add(g) {
				break
			}
		}
		items, next := c.result()
		out.StaleSecurityGroupSet = make([]ec2api.StaleSecurityGroup, 0, len(items))
		for _, g := range items {
			out.StaleSecurityGroupSet = append(out.StaleSecurityGroupSet, stale[g.ID])
		}
		if next != "" {
			out.NextToken = &next
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
