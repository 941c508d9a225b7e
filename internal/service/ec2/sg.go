package ec2

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"

	"hakoniwa/internal/store"

	ec2api "hakoniwa/internal/api/ec2"
)

// Security groups: CreateSecurityGroup, DeleteSecurityGroup,
// DescribeSecurityGroups and the reference/stale reports. Rules are in
// sgrules.go, their evaluation in sgeval.go.

// quota returns a configured limit, or AWS's default when it is unset.
func quota(configured, def int) int {
	if configured > 0 {
		return configured
	}
	return def
}

// maxGroupText is the longest group name, group description and rule
// description AWS accepts.
const maxGroupText = 255

// groupTextChars are the characters AWS allows in VPC security group names
// and descriptions and in rule descriptions, besides letters and digits.
const groupTextChars = " ._-:/()#,@[]+=&;{}!$*"

func groupTextOK(s string) bool {
	if len(s) > maxGroupText {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(groupTextChars, c) >= 0) {
			return false
		}
	}
	return true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// checkGroupName validates CreateSecurityGroup's GroupName.
func checkGroupName(name string) error {
	switch {
	case name == "":
		return missingParam("groupName")
	case !isASCII(name):
		return invalidParam("Value (%s) for parameter GroupName is invalid. Character sets beyond ASCII are not supported.", name)
	case !groupTextOK(name):
		return invalidParam("Invalid security group name. Valid names are strings less than 256 characters from the following set:  a-zA-Z0-9. _-:/()#,@[]+=&;{}!$*")
	case strings.HasPrefix(strings.ToLower(name), "sg-"):
		return invalidParam("Value (%s) for parameter GroupName is invalid. Group names may not be in the format sg-*.", name)
	case strings.EqualFold(name, "default"):
		return invalidParam("Cannot use reserved security group name: default")
	}
	return nil
}

// checkGroupDescription validates CreateSecurityGroup's Description.
func checkGroupDescription(d *string) error {
	switch {
	case d == nil || *d == "":
		return missingParam("groupDescription")
	case !isASCII(*d):
		return invalidParam("Value (%s) for parameter GroupDescription is invalid. Character sets beyond ASCII are not supported.", *d)
	case !groupTextOK(*d):
		return invalidParam("Invalid security group description. Valid descriptions are strings less than 256 characters from the following set:  a-zA-Z0-9. _-:/()#,@[]+=&;{}!$*")
	}
	return nil
}

func (g *securityGroupRec) arn(region string) string {
	return "arn:aws:ec2:" + region + ":" + g.Owner + ":security-group/" + g.ID
}

// defaultSGRules are the rules AWS gives a VPC's default security group:
// all traffic in from the group's own members, and all traffic out.
func (s *Service) defaultSGRules(sg *securityGroupRec) []*sgRuleRec {
	in := &sgRuleRec{meta: meta{ID: s.ids.Resource("sgr")}, GroupID: sg.ID, Owner: sg.Owner, Protocol: protoAll, From: -1, To: -1,
		RefGroup: sg.ID, RefName: sg.Name, RefOwner: sg.Owner, RefVpc: sg.VpcID}
	return []*sgRuleRec{in, s.allOutbound(sg)}
}

// allOutbound is the egress rule every new security group starts with.
func (s *Service) allOutbound(sg *securityGroupRec) *sgRuleRec {
	return &sgRuleRec{meta: meta{ID: s.ids.Resource("sgr")}, GroupID: sg.ID, Owner: sg.Owner, Egress: true,
		Protocol: protoAll, From: -1, To: -1, Cidr: "0.0.0.0/0"}
}

func putSGRules(tx store.Tx, sc scope, rules []*sgRuleRec) error {
	for _, r := range rules {
		if err := putRule(tx, sc, r); err != nil {
			return err
		}
	}
	return nil
}

// deleteGroupRules removes every rule of a group (its own rules, not the
// rules of other groups that reference it).
func deleteGroupRules(tx store.Tx, sc scope, groupID string) error {
	if groupID == "" {
		return nil
	}
	rules, err := sgRules.by(tx, sc, "group-id", groupID)
	if err != nil {
		return err
	}
	for _, r := range rules {
		if err := deleteRule(tx, sc, r); err != nil {
			return err
		}
	}
	return nil
}

// getGroup loads a security group by id.
func getGroup(tx store.Tx, sc scope, id string) (*securityGroupRec, error) {
	if id == "" {
		return nil, errf(http.StatusBadRequest, "InvalidGroupId.Malformed", "The security group ID '' is malformed")
	}
	if !wellFormed(id, "sg") {
		return nil, kindSG.malformed(id)
	}
	g, err := securityGroups.get(tx, sc, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, kindSG.notFound(id)
	}
	return g, err
}

// groupInVPC finds a group by name (case-insensitively, as AWS compares
// names) in a VPC, or returns nil.
func groupInVPC(tx store.Tx, sc scope, vpcID, name string) (*securityGroupRec, error) {
	groups, err := securityGroups.by(tx, sc, "vpc-id", vpcID)
	if err != nil {
		return nil, err
	}
	for _, g := range groups {
		if strings.EqualFold(g.Name, name) {
			return g, nil
		}
	}
	return nil, nil
}

func noDefaultVPC() error {
	return errf(http.StatusBadRequest, "VPCIdNotSpecified", "No default VPC for this user. GroupName is only supported for EC2-Classic and default VPC.")
}

// groupByName finds a group by name in the default VPC: the only place
// AWS still resolves group names.
func groupByName(tx store.Tx, sc scope, name string) (*securityGroupRec, error) {
	v, err := findDefaultVPC(tx, sc)
	if err != nil {
		return nil, err
	}
	if v == nil {
		return nil, noDefaultVPC()
	}
	g, err := groupInVPC(tx, sc, v.ID, name)
	if err == nil && g == nil {
		err = errf(http.StatusBadRequest, "InvalidGroup.NotFound", "The security group '%s' does not exist in default VPC '%s'", name, v.ID)
	}
	return g, err
}

// targetGroup resolves the GroupId or GroupName an operation acts on.
func targetGroup(tx store.Tx, sc scope, id, name *string) (*securityGroupRec, error) {
	switch {
	case id != nil:
		return getGroup(tx, sc, *id)
	case name != nil && *name != "":
		return groupByName(tx, sc, *name)
	}
	return nil, errf(http.StatusBadRequest, "MissingParameter", "The request must contain the parameter groupName or groupId")
}

// CreateSecurityGroup creates a group, in the default VPC when no VpcId is
// given, with the all-outbound egress rule.
func (s *Service) CreateSecurityGroup(ctx context.Context, in *ec2api.CreateSecurityGroupInput) (*ec2api.CreateSecurityGroupOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	name := deref(in.GroupName)
	if err := checkGroupName(name); err != nil {
		return nil, err
	}
	if err := checkGroupDescription(in.Description); err != nil {
		return nil, err
	}
	if in.VpcId != nil && !wellFormed(*in.VpcId, "vpc") {
		return nil, kindVPC.malformed(*in.VpcId)
	}
	tags, err := s.specTags(in.TagSpecifications, "security-group")
	if err != nil {
		return nil, err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	g := &securityGroupRec{meta: meta{ID: s.ids.Resource("sg"), Tags: tags}, Owner: sc.account, Name: name, Description: *in.Description}
	egressID := s.ids.Resource("sgr")
	err = s.st.Update(ctx, func(tx store.Tx) error {
		var v *vpcRec
		var err error
		if in.VpcId != nil {
			v, err = getVPC(tx, sc, *in.VpcId)
		} else if v, err = findDefaultVPC(tx, sc); err == nil && v == nil {
			err = errf(http.StatusBadRequest, "VPCIdNotSpecified", "No default VPC for this user")
		}
		if err != nil {
			return err
		}
		g.VpcID = v.ID
		if dup, err := groupInVPC(tx, sc, v.ID, name); err != nil {
			return err
		} else if dup != nil {
			return errf(http.StatusBadRequest, "InvalidGroup.Duplicate", "The security group '%s' already exists for VPC '%s'", name, v.ID)
		}
		n, err := securityGroups.count(tx, sc)
		if err != nil {
			return err
		}
		if n >= quota(s.quotas.SecurityGroupsPerRegion, 2500) {
			return errf(http.StatusBadRequest, "SecurityGroupLimitExceeded", "The maximum number of security groups has been reached.")
		}
		out := s.allOutbound(g)
		out.ID = egressID
		if err := securityGroups.put(tx, sc, g); err != nil {
			return err
		}
		return sgRules.put(tx, sc, out)
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.CreateSecurityGroupOutput{GroupId: ptr(g.ID), Tags: apiTags(g.Tags), SecurityGroupArn: ptr(g.arn(sc.region))}, nil
}

// DeleteSecurityGroup deletes a group and its rules, refusing the default
// group and groups other groups' rules reference.
func (s *Service) DeleteSecurityGroup(ctx context.Context, in *ec2api.DeleteSecurityGroupInput) (*ec2api.DeleteSecurityGroupOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	var id string
	err = s.st.Update(ctx, func(tx store.Tx) error {
		g, err := targetGroup(tx, sc, in.GroupId, in.GroupName)
		if err != nil {
			return err
		}
		id = g.ID
		if g.IsDefault {
			return errf(http.StatusBadRequest, "CannotDelete", "the specified group: \"%s\" name: \"%s\" cannot be deleted by a user", g.ID, g.Name)
		}
		refs, err := sgRules.by(tx, sc, "referenced-group-id", g.ID)
		if err != nil {
			return err
		}
		for _, r := range refs {
			if r.GroupID != g.ID { // a group may reference itself
				return errf(http.StatusBadRequest, "DependencyViolation", "resource %s has a dependent object", g.ID)
			}
		}
		// Network interfaces using the group (eni_ips.go).
		if used, err := eniUsesGroup(tx, sc, g.ID); err != nil || used {
			return orErr(err, errf(http.StatusBadRequest, "DependencyViolation", "resource %s has a dependent object", g.ID))
		}
		if err := deleteGroupRules(tx, sc, g.ID); err != nil {
			return err
		}
		if err := dropGroupPeerRefs(tx, sc, g.ID); err != nil {
			return err
		}
		return securityGroups.delete(tx, sc, g)
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.DeleteSecurityGroupOutput{Return: ptr(true), GroupId: ptr(id)}, nil
}

// sgView is a group with its rules: what DescribeSecurityGroups filters
// and renders.
type sgView struct {
	*securityGroupRec
	rules []*sgRuleRec
	// pcxStatus is the status of the peering connections rules
	// reference groups across (sgpeer.go).
	pcxStatus map[string]string
}

func loadSGView(tx store.Tx, sc scope, g *securityGroupRec) (*sgView, error) {
	rules, err := sgRules.by(tx, sc, "group-id", g.ID)
	if err != nil {
		return nil, err
	}
	status, err := peeringStatuses(tx, sc, rules)
	return &sgView{securityGroupRec: g, rules: rules, pcxStatus: status}, err
}

// ruleValues gathers a value of the group's rules of one direction.
func (v *sgView) ruleValues(egress bool, value func(*sgRuleRec) string) []string {
	var out []string
	for _, r := range v.rules {
		if r.Egress == egress {
			if s := value(r); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

var sgFilters = sync.OnceValue(func() filterDefs[*sgView] {
	f := filterDefs[*sgView]{
		"description": func(v *sgView) []string { return one(v.Description) },
		"group-id":    func(v *sgView) []string { return one(v.ID) },
		"group-name":  func(v *sgView) []string { return one(v.Name) },
		"owner-id":    func(v *sgView) []string { return one(v.Owner) },
		"vpc-id":      func(v *sgView) []string { return one(v.VpcID) },
	}
	perms := map[string]func(*sgRuleRec) string{
		"cidr":           func(r *sgRuleRec) string { return r.Cidr },
		"ipv6-cidr":      func(r *sgRuleRec) string { return r.Cidr6 },
		"prefix-list-id": func(r *sgRuleRec) string { return r.PrefixList },
		"group-id":       func(r *sgRuleRec) string { return r.RefGroup },
		"group-name":     func(r *sgRuleRec) string { return r.RefName },
		"user-id":        func(r *sgRuleRec) string { return r.RefOwner },
		"protocol":       func(r *sgRuleRec) string { return r.Protocol },
		"from-port":      func(r *sgRuleRec) string { return itoa(r.From) },
		"to-port":        func(r *sgRuleRec) string { return itoa(r.To) },
	}
	for name, value := range perms {
		f["ip-permission."+name] = func(v *sgView) []string { return v.ruleValues(false, value) }
		f["egress.ip-permission."+name] = func(v *sgView) []string { return v.ruleValues(true, value) }
	}
	return f
})

// api renders a group, its rules gathered into AWS's IpPermissions: one
// per protocol and port range, listing its peers.
func (v *sgView) api(region string) ec2api.SecurityGroup {
	return ec2api.SecurityGroup{
		GroupId:             ptr(v.ID),
		GroupName:           ptr(v.Name),
		Description:         ptr(v.Description),
		VpcId:               ptr(v.VpcID),
		OwnerId:             ptr(v.Owner),
		SecurityGroupArn:    ptr(v.arn(region)),
		Tags:                apiTags(v.Tags),
		IpPermissions:       permissions(v.rules, false, v.pcxStatus),
		IpPermissionsEgress: permissions(v.rules, true, v.pcxStatus),
	}
}

func permissions(rules []*sgRuleRec, egress bool, pcxStatus map[string]string) []ec2api.IpPermission {
	type key struct {
		proto    string
		from, to int64
	}
	out := []ec2api.IpPermission{}
	index := map[key]int{}
	for _, r := range rules {
		if r.Egress != egress {
			continue
		}
		k := key{r.Protocol, r.From, r.To}
		i, ok := index[k]
		if !ok {
			p := ec2api.IpPermission{IpProtocol: ptr(r.Protocol)}
			if hasPorts(r.Protocol) {
				p.FromPort, p.ToPort = ptr(r.From), ptr(r.To)
			}
			out = append(out, p)
			i = len(out) - 1
			index[k] = i
		}
		p := &out[i]
		desc := optional(r.Description)
		switch {
		case r.Cidr != "":
			p.IpRanges = append(p.IpRanges, ec2api.IpRange{CidrIp: ptr(r.Cidr), Description: desc})
		case r.Cidr6 != "":
			p.Ipv6Ranges = append(p.Ipv6Ranges, ec2api.Ipv6Range{CidrIpv6: ptr(r.Cidr6), Description: desc})
		case r.PrefixList != "":
			p.PrefixListIds = append(p.PrefixListIds, ec2api.PrefixListId{PrefixListId: ptr(r.PrefixList), Description: desc})
		case r.RefGroup != "":
			p.UserIdGroupPairs = append(p.UserIdGroupPairs, r.pairOf(desc, pcxStatus))
		}
	}
	return out
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// DescribeSecurityGroups lists groups by id, by name (default VPC) and by
// filters, including filters on their rules.
func (s *Service) DescribeSecurityGroups(ctx context.Context, in *ec2api.DescribeSecurityGroupsInput) (*ec2api.DescribeSecurityGroupsOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	if err := checkIDs(kindSG, in.GroupIds); err != nil {
		return nil, err
	}
	fs, err := sgFilters().compile(in.Filters)
	if err != nil {
		return nil, err
	}
	pg, err := parsePage(in.MaxResults, in.NextToken, len(in.GroupIds)+len(in.GroupNames) > 0, "groupIds", describeLimits)
	if err != nil {
		return nil, err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	var items []*sgView
	var next string
	err = s.st.View(ctx, func(tx store.Tx) error {
		ids := slices.Clone(in.GroupIds)
		for _, name := range in.GroupNames {
			g, err := groupByName(tx, sc, name)
			if err != nil {
				return err
			}
			ids = append(ids, g.ID)
		}
		var err error
		items, next, err = describeViews(tx, sc, securityGroups, kindSG, ids, fs, pg, func(g *securityGroupRec) (*sgView, error) {
			return loadSGView(tx, sc, g)
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	out := &ec2api.DescribeSecurityGroupsOutput{SecurityGroups: make([]ec2api.SecurityGroup, 0, len(items))}
	for _, v := range items {
		out.SecurityGroups = append(out.SecurityGroups, v.api(sc.region))
	}
	if next != "" {
		out.NextToken = &next
	}
	return out, nil
}

// describeViews is describe (describe.go) for kinds whose filters need
// more than the record: each candidate is turned into a view (a group
// with its rules, an ACL with its associations) before filters apply.
// Candidates are the given ids (each must exist), or the records indexed
// under a literal "vpc-id" filter, or every record.
func describeViews[T any, P interface {
	*T
	record
}, V record](tx store.Tx, sc scope, tbl *table[T, P], k kindInfo, ids []string, fs []filter[V], pg page, view func(P) (V, error)) ([]V, string, error) {
	var cands []P
	switch {
	case len(ids) > 0:
		ids = slices.Clone(ids)
		slices.Sort(ids)
		ids = slices.Compact(ids)
		var missing []string
		for _, id := range ids {
			r, err := tbl.get(tx, sc, id)
			if errors.Is(err, store.ErrNotFound) {
				missing = append(missing, id)
				continue
			}
			if err != nil {
				return nil, "", err
			}
			cands = append(cands, r)
		}
		if len(missing) > 0 {
			return nil, "", k.notFound(missing...)
		}
		pg.max = 0 // ids are answered in full
	case vpcFilterValues(fs) != nil:
		for _, vpc := range vpcFilterValues(fs) {
			got, err := tbl.by(tx, sc, "vpc-id", vpc)
			if err != nil {
				return nil, "", err
			}
			cands = append(cands, got...)
		}
		slices.SortFunc(cands, func(a, b P) int { return strings.Compare(a.id(), b.id()) })
		cands = slices.CompactFunc(cands, func(a, b P) bool { return a.id() == b.id() })
	default:
		err := tbl.after(tx, sc, pg.after, func(r P) bool {
			cands = append(cands, r)
			return true
		})
		if err != nil {
			return nil, "", err
		}
	}
	c := &collector[V]{pg: pg}
	for _, r := range cands {
		if pg.after != "" && r.id() <= pg.after {
			continue
		}
		v, err := view(r)
		if err != nil {
			return nil, "", err
		}
		if matchAll(v, fs) && !c.add(v) {
			break
		}
	}
	items, next := c.result()
	return items, next, nil
}

// vpcFilterValues returns the literal values of a vpc-id filter, or nil.
func vpcFilterValues[V record](fs []filter[V]) []string {
	for _, f := range fs {
		if f.name != "vpc-id" {
			continue
		}
		if values, ok := f.literal(); ok {
			return values
		}
	}
	return nil
}
