package ec2

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"

	"hakoniwa/internal/store"

	ec2api "hakoniwa/internal/api/ec2"
)

// Security group rules: validation of IpPermissions, Authorize, Revoke,
// Modify, description updates and DescribeSecurityGroupRules.

const protoAll = "-1"

// protocolNames maps the IANA numbers security groups name to their names:
// AWS stores and shows "tcp" for a rule given as "6".
var protocolNames = map[int]string{1: "icmp", 6: "tcp", 17: "udp", 58: "icmpv6"}

// sgProtocol canonicalizes a rule's IpProtocol.
func sgProtocol(p *string) (string, error) {
	if p == nil || *p == "" {
		return "", invalidParam("Invalid value 'null' for protocol. VPC security group rules must specify protocols explicitly.")
	}
	s := strings.ToLower(*p)
	switch s {
	case "tcp", "udp", "icmp", "icmpv6", protoAll:
		return s, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 255 {
		return "", invalidParam("Invalid value '%s' for IP protocol. Unknown protocol.", *p)
	}
	if name, ok := protocolNames[n]; ok {
		return name, nil
	}
	return strconv.Itoa(n), nil
}

// hasPorts reports whether rules of the protocol keep a port range (tcp,
// udp) or ICMP type and code; the others match every port.
func hasPorts(proto string) bool {
	switch proto {
	case "tcp", "udp", "icmp", "icmpv6":
		return true
	}
	return false
}

// sgPorts validates the FromPort/ToPort of a protocol and returns what the
// rule keeps: -1, -1 for protocols without ports.
func sgPorts(proto string, from, to *int64) (int64, int64, error) {
	switch proto {
	case "tcp", "udp":
		if from == nil || to == nil {
			return 0, 0, invalidParam("Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange.")
		}
		for _, p := range []int64{*from, *to} {
			if p < 0 || p > 65535 {
				return 0, 0, errf(http.StatusBadRequest, "InvalidPermission.Malformed", "TCP/UDP port (%d) out of range", p)
			}
		}
		if *from > *to {
			return 0, 0, errf(http.StatusBadRequest, "InvalidPermission.Malformed", "TCP/UDP port range (%d to %d) is invalid: the start port is greater than the end port", *from, *to)
		}
		return *from, *to, nil
	case "icmp", "icmpv6":
		if from == nil || to == nil {
			if proto == "icmpv6" && from == nil && to == nil {
				return -1, -1, nil // every ICMPv6 type and code
			}
			return 0, 0, invalidParam("Invalid value 'Must specify both from and to ports with ICMP.' for portRange.")
		}
		if *from < -1 || *from > 255 {
			return 0, 0, errf(http.StatusBadRequest, "InvalidPermission.Malformed", "ICMP type (%d) out of range", *from)
		}
		if *to < -1 || *to > 255 || (*from == -1 && *to != -1) {
			return 0, 0, errf(http.StatusBadRequest, "InvalidPermission.Malformed", "ICMP code (%d) out of range", *to)
		}
		return *from, *to, nil
	}
	return -1, -1, nil
}

// checkRuleDescription validates a rule description.
func checkRuleDescription(d *string) error {
	if d != nil && (!isASCII(*d) || !groupTextOK(*d)) {
		return invalidParam("Invalid rule description. Valid descriptions are strings less than 256 characters from the following set:  a-zA-Z0-9. _-:/()#,@[]+=&;{}!$*")
	}
	return nil
}

func parseRuleCidr(s string, v6 bool) (string, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil || p.Addr().Is6() != v6 || p.Addr().Is4In6() {
		return "", invalidParam("CIDR block %s is malformed", s)
	}
	return p.Masked().String(), nil
}

// ruleSpec is one rule as a request gives it, before the referenced group
// (by id or name) is resolved in the store.
type ruleSpec struct {
	rule     sgRuleRec // every field but the id, group and resolved reference
	refID    string    // UserIdGroupPair.GroupId
	refName  string    // UserIdGroupPair.GroupName
	refOwner string    // UserIdGroupPair.UserId
	refPcx   string    // UserIdGroupPair.VpcPeeringConnectionId
}

// specsOf expands IpPermissions into one spec per peer.
func specsOf(perms []ec2api.IpPermission, egress bool) ([]ruleSpec, error) {
	var out []ruleSpec
	for _, p := range perms {
		proto, err := sgProtocol(p.IpProtocol)
		if err != nil {
			return nil, err
		}
		from, to, err := sgPorts(proto, p.FromPort, p.ToPort)
		if err != nil {
			return nil, err
		}
		base := sgRuleRec{Egress: egress, Protocol: proto, From: from, To: to}
		add := func(desc *string, set func(*ruleSpec) error) error {
			if err := checkRuleDescription(desc); err != nil {
				return err
			}
			sp := ruleSpec{rule: base}
			sp.rule.Description = deref(desc)
			if err := set(&sp); err != nil {
				return err
			}
			out = append(out, sp)
			return nil
		}
		n := len(out)
		for _, r := range p.IpRanges {
			if err := add(r.Description, func(sp *ruleSpec) (err error) {
				sp.rule.Cidr, err = parseRuleCidr(deref(r.CidrIp), false)
				return err
			}); err != nil {
				return nil, err
			}
		}
		for _, r := range p.Ipv6Ranges {
			if err := add(r.Description, func(sp *ruleSpec) (err error) {
				sp.rule.Cidr6, err = parseRuleCidr(deref(r.CidrIpv6), true)
				return err
			}); err != nil {
				return nil, err
			}
		}
		for _, r := range p.PrefixListIds {
			if err := add(r.Description, func(sp *ruleSpec) error {
				id := deref(r.PrefixListId)
				if !wellFormed(id, "pl") {
					return errf(http.StatusBadRequest, "InvalidPrefixListId.Malformed", "Invalid id: \"%s\" (expecting \"pl-...\")", id)
				}
				sp.rule.PrefixList = id
				return nil
			}); err != nil {
				return nil, err
			}
		}
		for _, r := range p.UserIdGroupPairs {
			if err := add(r.Description, func(sp *ruleSpec) error {
				sp.refID, sp.refName, sp.refOwner, sp.refPcx = deref(r.GroupId), deref(r.GroupName), deref(r.UserId), deref(r.VpcPeeringConnectionId)
				if sp.refID == "" && sp.refName == "" {
					return missingParam("groupId")
				}
				return nil
			}); err != nil {
				return nil, err
			}
		}
		if len(out) == n {
			return nil, invalidParam("Each IpPermission must specify a source or destination: an IPv4 or IPv6 range, a prefix list, or a security group.")
		}
	}
	return out, nil
}

// legacyPermission turns the top-level IpProtocol/FromPort/ToPort/CidrIp/
// SourceSecurityGroup* form into an IpPermission, or nil when unused.
func legacyPermission(proto *string, from, to *int64, cidr, srcName, srcOwner *string, hasPerms bool) (*ec2api.IpPermission, error) {
	if proto == nil && from == nil && to == nil && cidr == nil && srcName == nil && srcOwner == nil {
		return nil, nil
	}
	if hasPerms {
		return nil, invalidCombination("The parameter 'ipPermissions' may not be used in combination with 'ipProtocol', 'fromPort', 'toPort', 'cidrIp' or 'sourceSecurityGroupName'.")
	}
	p := &ec2api.IpPermission{IpProtocol: proto, FromPort: from, ToPort: to}
	if srcName != nil {
		if p.IpProtocol == nil {
			// Naming only a source group authorizes all its traffic.
			p.IpProtocol = ptr(protoAll)
		}
		p.UserIdGroupPairs = []ec2api.UserIdGroupPair{{GroupName: srcName, UserId: srcOwner}}
	}
	if cidr != nil {
		p.IpRanges = []ec2api.IpRange{{CidrIp: cidr}}
	}
	return p, nil
}

// resolve turns specs into rules of group g: referenced groups must be
// in g's VPC or, when chk.grant, across an active peering connection
// (sgpeer.go).
func resolve(tx store.Tx, sc scope, g *securityGroupRec, specs []ruleSpec, chk refCheck) ([]*sgRuleRec, error) {
	out := make([]*sgRuleRec, 0, len(specs))
	for _, sp := range specs {
		r := sp.rule
		r.GroupID, r.Owner = g.ID, g.Owner
		if sp.refID != "" || sp.refName != "" {
			ref, err := resolveRef(tx, sc, g, sp, chk)
			if err != nil {
				return nil, err
			}
			r.RefGroup, r.RefName, r.RefOwner, r.RefVpc, r.RefPcx = ref.ID, ref.Name, ref.Owner, ref.Vpc, ref.Pcx
		}
		out = append(out, &r)
	}
	return out, nil
}

// identity is what makes two rules the same: direction, protocol, ports
// and peer; the description is not part of it.
func (r *sgRuleRec) identity() string {
	return fmt.Sprintf("%t|%s|%d|%d|%s|%s|%s|%s", r.Egress, r.Protocol, r.From, r.To, r.Cidr, r.Cidr6, r.PrefixList, r.RefGroup)
}

func (r *sgRuleRec) peer() string {
	for _, p := range []string{r.Cidr, r.Cidr6, r.PrefixList, r.RefGroup} {
		if p != "" {
			return p
		}
	}
	return ""
}

// String is how InvalidPermission.Duplicate names a rule.
func (r *sgRuleRec) String() string {
	switch r.Protocol {
	case "tcp", "udp":
		return fmt.Sprintf("peer: %s, %s, from port: %d, to port: %d, ALLOW", r.peer(), strings.ToUpper(r.Protocol), r.From, r.To)
	case "icmp":
		return fmt.Sprintf("peer: %s, ICMP, type: %d, code: %d, ALLOW", r.peer(), r.From, r.To)
	case "icmpv6":
		return fmt.Sprintf("peer: %s, ICMPv6, type: %d, code: %d, ALLOW", r.peer(), r.From, r.To)
	case protoAll:
		return fmt.Sprintf("peer: %s, ALL, ALLOW", r.peer())
	}
	return fmt.Sprintf("peer: %s, protocol: %s, ALLOW", r.peer(), r.Protocol)
}

func (r *sgRuleRec) arn(region string) string {
	return "arn:aws:ec2:" + region + ":" + r.Owner + ":security-group-rule/" + r.ID
}

func (r *sgRuleRec) api(region string) ec2api.SecurityGroupRule {
	out := ec2api.SecurityGroupRule{
		SecurityGroupRuleId:  ptr(r.ID),
		GroupId:              ptr(r.GroupID),
		GroupOwnerId:         ptr(r.Owner),
		IsEgress:             ptr(r.Egress),
		IpProtocol:           ptr(r.Protocol),
		FromPort:             ptr(r.From),
		ToPort:               ptr(r.To),
		CidrIpv4:             optional(r.Cidr),
		CidrIpv6:             optional(r.Cidr6),
		PrefixListId:         optional(r.PrefixList),
		Description:          optional(r.Description),
		Tags:                 apiTags(r.Tags),
		SecurityGroupRuleArn: ptr(r.arn(region)),
	}
	if r.RefGroup != "" {
		out.ReferencedGroupInfo = &ec2api.ReferencedSecurityGroup{GroupId: ptr(r.RefGroup), UserId: ptr(r.RefOwner)}
		if r.RefPcx != "" {
			out.ReferencedGroupInfo.VpcId, out.ReferencedGroupInfo.VpcPeeringConnectionId = optional(r.RefVpc), ptr(r.RefPcx)
		}
	}
	return out
}

// groupRules returns a group's rules of one direction.
func groupRules(tx store.Tx, sc scope, groupID string, egress bool) ([]*sgRuleRec, error) {
	all, err := sgRules.by(tx, sc, "group-id", groupID)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, r := range all {
		if r.Egress == egress {
			out = append(out, r)
		}
	}
	return out, nil
}

// authorizeReq is what AuthorizeSecurityGroupIngress and ...Egress share.
type authorizeReq struct {
	dry     *bool
	id      *string
	name    *string // ingress only
	perms   []ec2api.IpPermission
	legacy  *ec2api.IpPermission
	specs   []ec2api.TagSpecification
	egress  bool
	rulesTo *[]ec2api.SecurityGroupRule
}

func (s *Service) authorize(ctx context.Context, req authorizeReq) error {
	if err := dryRun(req.dry); err != nil {
		return err
	}
	perms := req.perms
	if req.legacy != nil {
		perms = []ec2api.IpPermission{*req.legacy}
	}
	if len(perms) == 0 {
		return missingParam("ipPermissions")
	}
	specs, err := specsOf(perms, req.egress)
	if err != nil {
		return err
	}
	tags, err := s.specTags(req.specs, "security-group-rule")
	if err != nil {
		return err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return err
	}
	ids := make([]string, len(specs))
	for i := range ids {
		ids[i] = s.ids.Resource("sgr")
	}
	var added []*sgRuleRec
	chk := refCheck{grant: true, now: s.clock.Now()}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		g, err := targetGroup(tx, sc, req.id, req.name)
		if err != nil {
			return err
		}
		rules, err := resolve(tx, sc, g, specs, chk)
		if err != nil {
			return err
		}
		existing, err := groupRules(tx, sc, g.ID, req.egress)
		if err != nil {
			return err
		}
		have := make(map[string]bool, len(existing))
		for _, r := range existing {
			have[r.identity()] = true
		}
		seen := map[string]bool{}
		for i, r := range rules {
			id := r.identity()
			if seen[id] {
				return invalidParam("The same permission must not appear multiple times")
			}
			seen[id] = true
			if have[id] {
				return errf(http.StatusBadRequest, "InvalidPermission.Duplicate", "the specified rule \"%s\" already exists", r)
			}
			r.ID, r.Tags = ids[i], tags
		}
		if len(existing)+len(rules) > quota(s.quotas.RulesPerSecurityGroup, 60) {
			return errf(http.StatusBadRequest, "RulesPerSecurityGroupLimitExceeded", "The maximum number of rules per security group has been reached.")
		}
		added = rules
		return putSGRules(tx, sc, rules)
	})
	if err != nil {
		return err
	}
	out := make([]ec2api.SecurityGroupRule, 0, len(added))
	status := map[string]string{} // new references are across active connections
	for _, r := range added {
		out = append(out, r.api(sc.region))
		if r.RefPcx != "" {
			status[r.RefPcx] = pcxActive
		}
	}
	withPeeringStatus(out, status)
	*req.rulesTo = out
	return nil
}

// AuthorizeSecurityGroupIngress adds inbound rules.
func (s *Service) AuthorizeSecurityGroupIngress(ctx context.Context, in *ec2api.AuthorizeSecurityGroupIngressInput) (*ec2api.AuthorizeSecurityGroupIngressOutput, error) {
	legacy, err := legacyPermission(in.IpProtocol, in.FromPort, in.ToPort, in.CidrIp, in.SourceSecurityGroupName, in.SourceSecurityGroupOwnerId, len(in.IpPermissions) > 0)
	if err != nil {
		return nil, err
	}
	out := &ec2api.AuthorizeSecurityGroupIngressOutput{Return: ptr(true)}
	err = s.authorize(ctx, authorizeReq{dry: in.DryRun, id: in.GroupId, name: in.GroupName, perms: in.IpPermissions, legacy: legacy,
		specs: in.TagSpecifications, rulesTo: &out.SecurityGroupRules})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// AuthorizeSecurityGroupEgress adds outbound rules.
func (s *Service) AuthorizeSecurityGroupEgress(ctx context.Context, in *ec2api.AuthorizeSecurityGroupEgressInput) (*ec2api.AuthorizeSecurityGroupEgressOutput, error) {
	legacy, err := legacyPermission(in.IpProtocol, in.FromPort, in.ToPort, in.CidrIp, in.SourceSecurityGroupName, in.SourceSecurityGroupOwnerId, len(in.IpPermissions) > 0)
	if err != nil {
		return nil, err
	}
	if in.GroupId == nil {
		return nil, missingParam("groupId")
	}
	out := &ec2api.AuthorizeSecurityGroupEgressOutput{Return: ptr(true)}
	err = s.authorize(ctx, authorizeReq{dry: in.DryRun, id: in.GroupId, perms: in.IpPermissions, legacy: legacy,
		specs: in.TagSpecifications, egress: true, rulesTo: &out.SecurityGroupRules})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// revokeReq is what RevokeSecurityGroupIngress and ...Egress share.
type revokeReq struct {
	dry     *bool
	id      *string
	name    *string
	perms   []ec2api.IpPermission
	legacy  *ec2api.IpPermission
	ruleIDs []string
	egress  bool
}

type revokeResult struct {
	revoked []ec2api.RevokedSecurityGroupRule
	unknown []ec2api.IpPermission
}

// revoke removes rules named by id or by their properties. A rule that
// does not exist fails the whole call in a nondefault VPC; in the default
// VPC it is reported back as unknown, as AWS documents.
func (s *Service) revoke(ctx context.Context, req revokeReq) (*revokeResult, error) {
	if err := dryRun(req.dry); err != nil {
		return nil, err
	}
	perms := req.perms
	if req.legacy != nil {
		perms = []ec2api.IpPermission{*req.legacy}
	}
	if len(perms) == 0 && len(req.ruleIDs) == 0 {
		return nil, missingParam("ipPermissions")
	}
	if err := checkIDs(kindSGRule, req.ruleIDs); err != nil {
		return nil, err
	}
	// Expand permission by permission, so an unknown rule can be reported
	// as the permission that named it.
	specs := make([][]ruleSpec, len(perms))
	for i, p := range perms {
		sp, err := specsOf([]ec2api.IpPermission{p}, req.egress)
		if err != nil {
			return nil, err
		}
		specs[i] = sp
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	var res *revokeResult
	err = s.st.Update(ctx, func(tx store.Tx) error {
		res = &revokeResult{}
		g, err := targetGroup(tx, sc, req.id, req.name)
		if err != nil {
			return err
		}
		v, err := vpcs.get(tx, sc, g.VpcID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		lenient := v != nil && v.IsDefault
		existing, err := groupRules(tx, sc, g.ID, req.egress)
		if err != nil {
			return err
		}
		byIdentity := make(map[string]*sgRuleRec, len(existing))
		byID := make(map[string]*sgRuleRec, len(existing))
		for _, r := range existing {
			byIdentity[r.identity()] = r
			byID[r.ID] = r
		}
		gone := map[string]*sgRuleRec{}
		for _, id := range req.ruleIDs {
			r, ok := byID[id]
			if !ok {
				return kindSGRule.notFound(id)
			}
			gone[id] = r
		}
		for i, sp := range specs {
			rules, err := resolve(tx, sc, g, sp, refCheck{})
			if err != nil {
				return err
			}
			for _, want := range rules {
				r, ok := byIdentity[want.identity()]
				if !ok {
					if !lenient {
						return errf(http.StatusBadRequest, "InvalidPermission.NotFound", "The specified rule does not exist in this security group.")
					}
					res.unknown = append(res.unknown, perms[i])
					break
				}
				gone[r.ID] = r
			}
		}
		for _, r := range existing { // in id order, for a stable answer
			if gone[r.ID] == nil {
				continue
			}
			if err := deleteRule(tx, sc, r); err != nil {
				return err
			}
			res.revoked = append(res.revoked, ec2api.RevokedSecurityGroupRule{
				SecurityGroupRuleId: ptr(r.ID), GroupId: ptr(r.GroupID), IsEgress: ptr(r.Egress),
				IpProtocol: ptr(r.Protocol), FromPort: ptr(r.From), ToPort: ptr(r.To),
				CidrIpv4: optional(r.Cidr), CidrIpv6: optional(r.Cidr6), PrefixListId: optional(r.PrefixList),
				ReferencedGroupId: optional(r.RefGroup), Description: optional(r.Description),
			})
		}
		return nil
	})
	return res, err
}

// RevokeSecurityGroupIngress removes inbound rules.
func (s *Service) RevokeSecurityGroupIngress(ctx context.Context, in *ec2api.RevokeSecurityGroupIngressInput) (*ec2api.RevokeSecurityGroupIngressOutput, error) {
	legacy, err := legacyPermission(in.IpProtocol, in.FromPort, in.ToPort, in.CidrIp, in.SourceSecurityGroupName, in.SourceSecurityGroupOwnerId, len(in.IpPermissions) > 0)
	if err != nil {
		return nil, err
	}
	res, err := s.revoke(ctx, revokeReq{dry: in.DryRun, id: in.GroupId, name: in.GroupName, perms: in.IpPermissions, legacy: legacy, ruleIDs: in.SecurityGroupRuleIds})
	if err != nil {
		return nil, err
	}
	return &ec2api.RevokeSecurityGroupIngressOutput{Return: ptr(true), RevokedSecurityGroupRules: res.revoked, UnknownIpPermissions: res.unknown}, nil
}

// RevokeSecurityGroupEgress removes outbound rules.
func (s *Service) RevokeSecurityGroupEgress(ctx context.Context, in *ec2api.RevokeSecurityGroupEgressInput) (*ec2api.RevokeSecurityGroupEgressOutput, error) {
	legacy, err := legacyPermission(in.IpProtocol, in.FromPort, in.ToPort, in.CidrIp, in.SourceSecurityGroupName, in.SourceSecurityGroupOwnerId, len(in.IpPermissions) > 0)
	if err != nil {
		return nil, err
	}
	if in.GroupId == nil {
		return nil, missingParam("groupId")
	}
	res, err := s.revoke(ctx, revokeReq{dry: in.DryRun, id: in.GroupId, perms: in.IpPermissions, legacy: legacy, ruleIDs: in.SecurityGroupRuleIds, egress: true})
	if err != nil {
		return nil, err
	}
	return &ec2api.RevokeSecurityGroupEgressOutput{Return: ptr(true), RevokedSecurityGroupRules: res.revoked, UnknownIpPermissions: res.unknown}, nil
}

// ruleRequestSpec turns ModifySecurityGroupRules' SecurityGroupRuleRequest
// into a spec: the same rules as IpPermissions, one peer per rule.
func ruleRequestSpec(rq *ec2api.SecurityGroupRuleRequest, egress bool) (ruleSpec, error) {
	if rq == nil {
		return ruleSpec{}, missingParam("securityGroupRule")
	}
	p := ec2api.IpPermission{IpProtocol: rq.IpProtocol, FromPort: rq.FromPort, ToPort: rq.ToPort}
	peers := 0
	if rq.CidrIpv4 != nil {
		p.IpRanges, peers = []ec2api.IpRange{{CidrIp: rq.CidrIpv4, Description: rq.Description}}, peers+1
	}
	if rq.CidrIpv6 != nil {
		p.Ipv6Ranges, peers = []ec2api.Ipv6Range{{CidrIpv6: rq.CidrIpv6, Description: rq.Description}}, peers+1
	}
	if rq.PrefixListId != nil {
		p.PrefixListIds, peers = []ec2api.PrefixListId{{PrefixListId: rq.PrefixListId, Description: rq.Description}}, peers+1
	}
	if rq.ReferencedGroupId != nil {
		p.UserIdGroupPairs, peers = []ec2api.UserIdGroupPair{{GroupId: rq.ReferencedGroupId, Description: rq.Description}}, peers+1
	}
	if peers > 1 {
		return ruleSpec{}, invalidCombination("Only one of CidrIpv4, CidrIpv6, PrefixListId and ReferencedGroupId may be specified.")
	}
	specs, err := specsOf([]ec2api.IpPermission{p}, egress)
	if err != nil {
		return ruleSpec{}, err
	}
	return specs[0], nil
}

// ModifySecurityGroupRules rewrites rules in place, keeping their ids and
// tags.
func (s *Service) ModifySecurityGroupRules(ctx context.Context, in *ec2api.ModifySecurityGroupRulesInput) (*ec2api.ModifySecurityGroupRulesOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	if in.GroupId == nil {
		return nil, missingParam("groupId")
	}
	if len(in.SecurityGroupRules) == 0 {
		return nil, missingParam("securityGroupRule")
	}
	for _, u := range in.SecurityGroupRules {
		if err := checkIDs(kindSGRule, []string{deref(u.SecurityGroupRuleId)}); err != nil {
			return nil, err
		}
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	err = s.st.Update(ctx, func(tx store.Tx) error {
		g, err := getGroup(tx, sc, *in.GroupId)
		if err != nil {
			return err
		}
		all, err := sgRules.by(tx, sc, "group-id", g.ID)
		if err != nil {
			return err
		}
		byID := make(map[string]*sgRuleRec, len(all))
		for _, r := range all {
			byID[r.ID] = r
		}
		for _, u := range in.SecurityGroupRules {
			cur, ok := byID[*u.SecurityGroupRuleId]
			if !ok {
				return kindSGRule.notFound(*u.SecurityGroupRuleId)
			}
			sp, err := ruleRequestSpec(u.SecurityGroupRule, cur.Egress)
			if err != nil {
				return err
			}
			rules, err := resolve(tx, sc, g, []ruleSpec{sp}, refCheck{grant: true, now: now})
			if err != nil {
				return err
			}
			next := rules[0]
			next.meta = cur.meta
			for _, other := range byID {
				if other.ID != cur.ID && other.identity() == next.identity() {
					return errf(http.StatusBadRequest, "InvalidPermission.Duplicate", "the specified rule \"%s\" already exists", next)
				}
			}
			byID[cur.ID] = next
			if err := putRule(tx, sc, next); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.ModifySecurityGroupRulesOutput{Return: ptr(true)}, nil
}

// updateDescriptions sets rule descriptions by rule id or by matching
// permissions (whose peers carry the new descriptions).
func (s *Service) updateDescriptions(ctx context.Context, dry *bool, id, name *string, perms []ec2api.IpPermission, byID []ec2api.SecurityGroupRuleDescription, egress bool) error {
	if err := dryRun(dry); err != nil {
		return err
	}
	if len(perms) == 0 && len(byID) == 0 {
		return missingParam("ipPermissions")
	}
	for _, d := range byID {
		if err := checkIDs(kindSGRule, []string{deref(d.SecurityGroupRuleId)}); err != nil {
			return err
		}
		if err := checkRuleDescription(d.Description); err != nil {
			return err
		}
	}
	specs, err := specsOf(perms, egress)
	if err != nil {
		return err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return err
	}
	return s.st.Update(ctx, func(tx store.Tx) error {
		g, err := targetGroup(tx, sc, id, name)
		if err != nil {
			return err
		}
		existing, err := groupRules(tx, sc, g.ID, egress)
		if err != nil {
			return err
		}
		byIdentity := map[string]*sgRuleRec{}
		rulesByID := map[string]*sgRuleRec{}
		for _, r := range existing {
			byIdentity[r.identity()], rulesByID[r.ID] = r, r
		}
		changed := map[string]*sgRuleRec{}
		for _, d := range byID {
			r, ok := rulesByID[*d.SecurityGroupRuleId]
			if !ok {
				return kindSGRule.notFound(*d.SecurityGroupRuleId)
			}
			r.Description = deref(d.Description)
			changed[r.ID] = r
		}
		wanted, err := resolve(tx, sc, g, specs, refCheck{})
		if err != nil {
			return err
		}
		for _, w := range wanted {
			r, ok := byIdentity[w.identity()]
			if !ok {
				return errf(http.StatusBadRequest, "InvalidPermission.NotFound", "The specified rule does not exist in this security group.")
			}
			r.Description = w.Description
			changed[r.ID] = r
		}
		for _, r := range changed {
			if err := putRule(tx, sc, r); err != nil {
				return err
			}
		}
		return nil
	})
}

// UpdateSecurityGroupRuleDescriptionsIngress sets inbound rule
// descriptions.
func (s *Service) UpdateSecurityGroupRuleDescriptionsIngress(ctx context.Context, in *ec2api.UpdateSecurityGroupRuleDescriptionsIngressInput) (*ec2api.UpdateSecurityGroupRuleDescriptionsIngressOutput, error) {
	if err := s.updateDescriptions(ctx, in.DryRun, in.GroupId, in.GroupName, in.IpPermissions, in.SecurityGroupRuleDescriptions, false); err != nil {
		return nil, err
	}
	return &ec2api.UpdateSecurityGroupRuleDescriptionsIngressOutput{Return: ptr(true)}, nil
}

// UpdateSecurityGroupRuleDescriptionsEgress sets outbound rule
// descriptions.
func (s *Service) UpdateSecurityGroupRuleDescriptionsEgress(ctx context.Context, in *ec2api.UpdateSecurityGroupRuleDescriptionsEgressInput) (*ec2api.UpdateSecurityGroupRuleDescriptionsEgressOutput, error) {
	if err := s.updateDescriptions(ctx, in.DryRun, in.GroupId, in.GroupName, in.IpPermissions, in.SecurityGroupRuleDescriptions, true); err != nil {
		return nil, err
	}
	return &ec2api.UpdateSecurityGroupRuleDescriptionsEgressOutput{Return: ptr(true)}, nil
}

var sgRuleFilters = sync.OnceValue(func() filterDefs[*sgRuleRec] {
	return filterDefs[*sgRuleRec]{
		"group-id":               func(r *sgRuleRec) []string { return one(r.GroupID) },
		"security-group-rule-id": func(r *sgRuleRec) []string { return one(r.ID) },
	}
})

// DescribeSecurityGroupRules lists rules by id and filters.
func (s *Service) DescribeSecurityGroupRules(ctx context.Context, in *ec2api.DescribeSecurityGroupRulesInput) (*ec2api.DescribeSecurityGroupRulesOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	if err := checkIDs(kindSGRule, in.SecurityGroupRuleIds); err != nil {
		return nil, err
	}
	fs, err := sgRuleFilters().compile(in.Filters)
	if err != nil {
		return nil, err
	}
	pg, err := parsePage(in.MaxResults, in.NextToken, len(in.SecurityGroupRuleIds) > 0, "securityGroupRuleIds", describeLimits)
	if err != nil {
		return nil, err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	var items []*sgRuleRec
	var next string
	var status map[string]string
	err = s.st.View(ctx, func(tx store.Tx) error {
		var err error
		items, next, err = describe(tx, sc, sgRules, kindSGRule, query[*sgRuleRec]{ids: in.SecurityGroupRuleIds, filters: fs, page: pg})
		if err != nil {
			return err
		}
		status, err = peeringStatuses(tx, sc, items)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := &ec2api.DescribeSecurityGroupRulesOutput{SecurityGroupRules: make([]ec2api.SecurityGroupRule, 0, len(items))}
	for _, r := range items {
		out.SecurityGroupRules = append(out.SecurityGroupRules, r.api(sc.region))
	}
	withPeeringStatus(out.SecurityGroupRules, status)
	if next != "" {
		out.NextToken = &next
	}
	return out, nil
}
