package ec2

import (
	"context"
	"net/http"
	"time"

	"hakoniwa/internal/ids"
	"hakoniwa/internal/regions"
	"hakoniwa/internal/store"

	ec2api "hakoniwa/internal/api/ec2"
)

// Peering connection statuses (VpcPeeringConnectionStateReason.Code).
// initiating-request, provisioning and deleting are the passing states
// AWS answers Create, Accept and Delete with; hakoniwa shows them in those
// answers and has moved on by the next Describe.
const (
	pcxInitiating   = "initiating-request"
	pcxPending      = "pending-acceptance"
	pcxProvisioning = "provisioning"
	pcxActive       = "active"
	pcxDeleting     = "deleting"
	pcxDeleted      = "deleted"
	pcxRejected     = "rejected"
	pcxFailed       = "failed"
	pcxExpired      = "expired"
)

// AWS's peering lifecycle: an unanswered request expires after 7 days, and
// finished connections stay visible for a while, shorter to the side that
// ended them (Amazon VPC peering guide, "VPC peering connection
// lifecycle").
const (
	pcxRequestTTL   = 7 * 24 * time.Hour
	pcxShortRetain  = 2 * time.Hour
	pcxLongRetain   = 2 * 24 * time.Hour
	pcxFailedRetain = 2 * time.Hour
)

// pcxFailureMessage is what AWS reports for a request it could not route:
// an unknown peer VPC or account, or overlapping CIDR blocks.
const pcxFailureMessage = "Failed due to incorrect VPC-ID, Account ID, or overlapping CIDR range"

// state is the status at now.
func (p *peeringRec) state(now time.Time) string {
	if p.Status == pcxPending && !now.Before(p.Expires) {
		return pcxExpired
	}
	return p.Status
}

// visible reports whether viewer's account still sees the connection.
func (p *peeringRec) visible(now time.Time, viewer string) bool {
	retain := func(since time.Time, d time.Duration) bool { return now.Before(since.Add(d)) }
	switch p.state(now) {
	case pcxExpired:
		return retain(p.Expires, pcxLongRetain)
	case pcxFailed:
		return retain(p.Changed, pcxFailedRetain)
	case pcxDeleted, pcxRejected:
		if viewer == p.By {
			return retain(p.Changed, pcxShortRetain)
		}
		return retain(p.Changed, pcxLongRetain)
	}
	return true
}

// live reports whether the connection still binds its VPCs.
func (p *peeringRec) live(now time.Time) bool {
	st := p.state(now)
	return st == pcxPending || st == pcxActive
}

func (p *peeringRec) message(code string) string {
	switch code {
	case pcxInitiating:
		return "Initiating Request to " + p.Accepter.Account
	case pcxPending:
		return "Pending Acceptance by " + p.Accepter.Account
	case pcxProvisioning:
		return "Provisioning"
	case pcxActive:
		return "Active"
	case pcxDeleted:
		return "Deleted by " + p.By
	case pcxRejected:
		return "Rejected by " + p.By
	case pcxFailed:
		return p.Failure
	case pcxExpired:
		return "Expired"
	}
	return ""
}

// side returns the end of the connection whose VPC vpcID is in sc, if any.
func (p *peeringRec) side(sc scope, vpcID string) *pcxSide {
	for _, s := range []*pcxSide{&p.Requester, &p.Accepter} {
		if s.scope() == sc && s.VpcID == vpcID {
			return s
		}
	}
	return nil
}

// api renders the connection; code overrides the status for the passing
// states a mutating call answers with ("" = the status at now).
func (p *peeringRec) api(now time.Time, code string) ec2api.VpcPeeringConnection {
	if code == "" {
		code = p.state(now)
	}
	out := ec2api.VpcPeeringConnection{
		VpcPeeringConnectionId: ptr(p.ID),
		RequesterVpcInfo:       p.Requester.api(true),
		AccepterVpcInfo:        p.Accepter.api(code == pcxActive || code == pcxProvisioning || p.Accepter.Account == p.Requester.Account),
		Status:                 &ec2api.VpcPeeringConnectionStateReason{Code: ptr(code), Message: ptr(p.message(code))},
		Tags:                   apiTags(p.Tags),
	}
	if code == pcxInitiating || code == pcxPending || code == pcxExpired {
		out.ExpirationTime = ptr(p.Expires)
	}
	return out
}

// api renders one side; AWS leaves out the accepter's blocks and options
// from another account until the connection is up.
func (s pcxSide) api(details bool) *ec2api.VpcPeeringConnectionVpcInfo {
	out := &ec2api.VpcPeeringConnectionVpcInfo{OwnerId: ptr(s.Account), VpcId: ptr(s.VpcID), Region: ptr(s.Region)}
	if !details {
		return out
	}
	if len(s.Cidrs) > 0 {
		out.CidrBlock = ptr(s.Cidrs[0])
		for _, c := range s.Cidrs {
			out.CidrBlockSet = append(out.CidrBlockSet, ec2api.CidrBlock{CidrBlock: ptr(c)})
		}
	}
	for _, c := range s.Ipv6 {
		out.Ipv6CidrBlockSet = append(out.Ipv6CidrBlockSet, ec2api.Ipv6CidrBlock{Ipv6CidrBlock: ptr(c)})
	}
	out.PeeringOptions = &ec2api.VpcPeeringConnectionOptionsDescription{
		AllowDnsResolutionFromRemoteVpc:            ptr(s.DNS),
		AllowEgressFromLocalClassicLinkToRemoteVpc: ptr(false),
		AllowEgressFromLocalVpcToRemoteClassicLink: ptr(false),
	}
	return out
}

// snapshot records the VPC's current blocks on the side.
func (s *pcxSide) snapshot(v *vpcRec) {
	s.Cidrs = s.Cidrs[:0]
	for _, c := range v.Cidrs {
		s.Cidrs = append(s.Cidrs, c.Cidr)
	}
	s.Ipv6 = s.Ipv6[:0]
	for _, c := range v.Ipv6 {
		s.Ipv6 = append(s.Ipv6, c.Cidr)
	}
}

func pcxFilters(now time.Time) filterDefs[*peeringRec] {
	side := func(pick func(*peeringRec) pcxSide, field func(pcxSide) []string) func(*peeringRec) []string {
		return func(p *peeringRec) []string { return field(pick(p)) }
	}
	req := func(p *peeringRec) pcxSide { return p.Requester }
	acc := func(p *peeringRec) pcxSide { return p.Accepter }
	cidrs := func(s pcxSide) []string { return s.Cidrs }
	owner := func(s pcxSide) []string { return one(s.Account) }
	vpc := func(s pcxSide) []string { return one(s.VpcID) }
	region := func(s pcxSide) []string { return one(s.Region) }
	return filterDefs[*peeringRec]{
		"accepter-vpc-info.cidr-block":  side(acc, cidrs),
		"accepter-vpc-info.owner-id":    side(acc, owner),
		"accepter-vpc-info.vpc-id":      side(acc, vpc),
		"accepter-vpc-info.region":      side(acc, region),
		"requester-vpc-info.cidr-block": side(req, cidrs),
		"requester-vpc-info.owner-id":   side(req, owner),
		"requester-vpc-info.vpc-id":     side(req, vpc),
		"requester-vpc-info.region":     side(req, region),
		"status-code":                   func(p *peeringRec) []string { return one(p.state(now)) },
		"status-message":                func(p *peeringRec) []string { return one(p.message(p.state(now))) },
		"vpc-peering-connection-id":     func(p *peeringRec) []string { return one(p.ID) },
		"expiration-time": func(p *peeringRec) []string {
			return one(p.Expires.UTC().Format("2006-01-02T15:04:05.000Z"))
		},
	}
}

func pcxStateTransition(id, from, to string) error {
	return errf(http.StatusBadRequest, "InvalidStateTransition", "Invalid state transition for %s, attempted to transition from %s to %s", id, from, to)
}

func pcxNotPermitted(format string, args ...any) error {
	return errf(http.StatusBadRequest, "OperationNotPermitted", format, args...)
}

// getPeering loads a connection the caller can see.
func getPeering(tx store.Tx, sc scope, id string, now time.Time) (*peeringRec, error) {
	p, err := getByKind(tx, sc, peerings, kindPCX, id)
	if err != nil {
		return nil, err
	}
	if !p.visible(now, sc.account) {
		return nil, kindPCX.notFound(id)
	}
	return p, nil
}

// savePeering writes the connection, as loaded in from's state, to each
// side's state; the other side keeps the tags it set on its own copy.
func savePeering(tx store.Tx, from scope, p *peeringRec) error {
	scopes := []scope{p.Requester.scope()}
	if p.Mirrored && p.Accepter.scope() != p.Requester.scope() {
		scopes = append(scopes, p.Accepter.scope())
	}
	for _, sc := range scopes {
		cp := *p
		if sc != from {
			cur, err := peerings.get(tx, sc, p.ID)
			switch {
			case err == nil:
				cp.Tags = cur.Tags
			case isNotFound(err):
				cp.Tags = nil
			default:
				return err
			}
		}
		if err := peerings.put(tx, sc, &cp); err != nil {
			return err
		}
	}
	return nil
}

// peeringsOf returns the connections either of whose VPCs is vpcID in sc.
func peeringsOf(tx store.Tx, sc scope, vpcID string) ([]*peeringRec, error) {
	var out []*peeringRec
	seen := map[string]bool{}
	for _, index := range []string{"requester-vpc-info.vpc-id", "accepter-vpc-info.vpc-id"} {
		recs, err := peerings.by(tx, sc, index, vpcID)
		if err != nil {
			return nil, err
		}
		for _, p := range recs {
			if !seen[p.ID] && p.side(sc, vpcID) != nil {
				seen[p.ID] = true
				out = append(out, p)
			}
		}
	}
	return out, nil
}

// countPeerings counts the connections of a VPC in the given state.
func countPeerings(tx store.Tx, sc scope, vpcID, state string, now time.Time) (int, error) {
	recs, err := peeringsOf(tx, sc, vpcID)
	n := 0
	for _, p := range recs {
		if p.state(now) == state {
			n++
		}
	}
	return n, err
}

func overlappingBlocks(a, b *vpcRec) bool {
	for _, x := range a.blocks() {
		for _, y := range b.blocks() {
			if overlaps(x, y) {
				return true
			}
		}
	}
	return false
}

// CreateVpcPeeringConnection requests a connection from one of the
// caller's VPCs to a VPC of any account in any Region. A request AWS cannot
// route (a peer VPC in another account or Region that does not exist,
// overlapping blocks) is created in the failed state, as AWS reports it;
// an unknown peer VPC in the caller's own account and Region is refused.
func (s *Service) CreateVpcPeeringConnection(ctx context.Context, in *ec2api.CreateVpcPeeringConnectionInput) (*ec2api.CreateVpcPeeringConnectionOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	vpcID, peerVpcID := deref(in.VpcId), deref(in.PeerVpcId)
	if vpcID == "" {
		return nil, missingParam("vpcId")
	}
	if peerVpcID == "" {
		return nil, missingParam("peerVpcId")
	}
	if !wellFormed(peerVpcID, "vpc") {
		return nil, kindVPC.malformed(peerVpcID)
	}
	tags, err := s.specTags(in.TagSpecifications, kindPCX.resourceType)
	if err != nil {
		return nil, err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	peer := scope{account: sc.account, region: sc.region}
	if o := deref(in.PeerOwnerId); o != "" {
		peer.account = o
	}
	if r := deref(in.PeerRegion); r != "" {
		if _, ok := regions.Lookup(r); !ok {
			return nil, invalidParam("Invalid region: %s", r)
		}
		peer.region = r
	}
	if vpcID == peerVpcID && peer == sc {
		return nil, invalidParam("The requester VPC %s and the accepter VPC %s cannot be the same", vpcID, peerVpcID)
	}
	now := s.clock.Now()
	p := &peeringRec{
		meta:      meta{ID: s.ids.Resource("pcx"), Tags: tags},
		Requester: pcxSide{Account: sc.account, Region: sc.region, VpcID: vpcID},
		Accepter:  pcxSide{Account: peer.account, Region: peer.region, VpcID: peerVpcID},
		Status:    pcxPending, Created: now, Expires: now.Add(pcxRequestTTL), Changed: now,
	}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		p.Failure, p.Status, p.Mirrored = "", pcxPending, false
		v, err := getVPC(tx, sc, vpcID)
		if err != nil {
			return err
		}
		p.Requester.snapshot(v)
		var pv *vpcRec
		if ids.IsAccountID(peer.account) {
			pv, err = vpcs.get(tx, peer, peerVpcID)
			if err != nil && !isNotFound(err) {
				return err
			}
		}
		if pv == nil && peer == sc {
			return kindVPC.notFound(peerVpcID)
		}
		if pv == nil || overlappingBlocks(v, pv) {
			p.Status, p.Failure = pcxFailed, pcxFailureMessage
			return savePeering(tx, sc, p)
		}
		p.Accepter.snapshot(pv)
		existing, err := peeringsOf(tx, sc, vpcID)
		if err != nil {
			return err
		}
		outstanding := 0
		for _, e := range existing {
			other := e.Accepter
			if e.Accepter.VpcID == vpcID && e.Accepter.scope() == sc {
				other = e.Requester
			}
			if e.live(now) && other.VpcID == peerVpcID && other.scope() == peer {
				return errf(http.StatusBadRequest, "VpcPeeringConnectionAlreadyExists", "A VPC peering connection %s already exists between %s and %s.", e.ID, vpcID, peerVpcID)
			}
			if e.Requester.VpcID == vpcID && e.Requester.scope() == sc && e.state(now) == pcxPending {
				outstanding++
			}
		}
		if outstanding >= orDefault(s.quotas.OutstandingPeeringsPerVPC, 25) {
			return errf(http.StatusBadRequest, "OutstandingVpcPeeringConnectionLimitExceeded", "The maximum number of outstanding VPC peering connection requests for %s has been reached.", vpcID)
		}
		p.Mirrored = true
		return savePeering(tx, sc, p)
	})
	if err != nil {
		return nil, err
	}
	code := pcxInitiating
	if p.Status == pcxFailed {
		code = pcxFailed
	}
	out := p.api(now, code)
	return &ec2api.CreateVpcPeeringConnectionOutput{VpcPeeringConnection: &out}, nil
}

// AcceptVpcPeeringConnection accepts a pending request; only the accepter
// VPC's owner, in the accepter's Region, may.
func (s *Service) AcceptVpcPeeringConnection(ctx context.Context, in *ec2api.AcceptVpcPeeringConnectionInput) (*ec2api.AcceptVpcPeeringConnectionOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	var p *peeringRec
	err = s.st.Update(ctx, func(tx store.Tx) error {
		var err error
		if p, err = getPeering(tx, sc, deref(in.VpcPeeringConnectionId), now); err != nil {
			return err
		}
		if p.Accepter.scope() != sc {
			return pcxNotPermitted("User %s cannot accept peering %s", sc.account, p.ID)
		}
		if st := p.state(now); st != pcxPending {
			return pcxStateTransition(p.ID, st, pcxProvisioning)
		}
		for _, side := range []*pcxSide{&p.Requester, &p.Accepter} {
			v, err := vpcs.get(tx, side.scope(), side.VpcID)
			if err != nil {
				return orNotFound(err, kindVPC.notFound(side.VpcID))
			}
			side.snapshot(v)
			n, err := countPeerings(tx, side.scope(), side.VpcID, pcxActive, now)
			if err != nil {
				return err
			}
			if n >= orDefault(s.quotas.ActivePeeringsPerVPC, 50) {
				return errf(http.StatusBadRequest, "ActiveVpcPeeringConnectionPerVpcLimitExceeded", "The maximum number of active VPC peering connections for %s has been reached.", side.VpcID)
			}
		}
		p.Status, p.Changed = pcxActive, now
		return savePeering(tx, sc, p)
	})
	if err != nil {
		return nil, err
	}
	out := p.api(now, pcxProvisioning)
	return &ec2api.AcceptVpcPeeringConnectionOutput{VpcPeeringConnection: &out}, nil
}

// RejectVpcPeeringConnection turns down a pending request; only the
// accepter may.
func (s *Service) RejectVpcPeeringConnection(ctx context.Context, in *ec2api.RejectVpcPeeringConnectionInput) (*ec2api.RejectVpcPeeringConnectionOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	err := s.changePeering(ctx, deref(in.VpcPeeringConnectionId), func(sc scope, p *peeringRec, now time.Time) error {
		if p.Accepter.scope() != sc {
			return pcxNotPermitted("User %s cannot reject peering %s", sc.account, p.ID)
		}
		if st := p.state(now); st != pcxPending {
			return pcxStateTransition(p.ID, st, pcxRejected)
		}
		p.Status, p.Changed, p.By = pcxRejected, now, sc.account
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.RejectVpcPeeringConnectionOutput{Return: ptr(true)}, nil
}

// DeleteVpcPeeringConnection ends a connection: an active one by either
// owner, a pending request by its requester. Routes to it turn into
// blackholes.
func (s *Service) DeleteVpcPeeringConnection(ctx context.Context, in *ec2api.DeleteVpcPeeringConnectionInput) (*ec2api.DeleteVpcPeeringConnectionOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	err := s.changePeering(ctx, deref(in.VpcPeeringConnectionId), func(sc scope, p *peeringRec, now time.Time) error {
		switch st := p.state(now); {
		case st == pcxPending && p.Requester.scope() != sc:
			return pcxNotPermitted("User %s cannot delete peering %s: the accepter of a pending request rejects it", sc.account, p.ID)
		case st != pcxActive && st != pcxPending:
			return pcxStateTransition(p.ID, st, pcxDeleting)
		}
		p.Status, p.Changed, p.By = pcxDeleted, now, sc.account
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.DeleteVpcPeeringConnectionOutput{Return: ptr(true)}, nil
}

// changePeering runs fn on a connection the caller sees and saves it to
// both sides.
func (s *Service) changePeering(ctx context.Context, id string, fn func(sc scope, p *peeringRec, now time.Time) error) error {
	sc, _, err := s.scope(ctx)
	if err != nil {
		return err
	}
	now := s.clock.Now()
	return s.st.Update(ctx, func(tx store.Tx) error {
		p, err := getPeering(tx, sc, id, now)
		if err != nil {
			return err
		}
		if err := fn(sc, p, now); err != nil {
			return err
		}
		return savePeering(tx, sc, p)
	})
}

// DescribeVpcPeeringConnections lists the connections either of whose
// VPCs the caller owns in this Region.
func (s *Service) DescribeVpcPeeringConnections(ctx context.Context, in *ec2api.DescribeVpcPeeringConnectionsInput) (*ec2api.DescribeVpcPeeringConnectionsOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	if err := checkIDs(kindPCX, in.VpcPeeringConnectionIds); err != nil {
		return nil, err
	}
	now := s.clock.Now()
	fs, err := pcxFilters(now).compile(in.Filters)
	if err != nil {
		return nil, err
	}
	pg, err := parsePage(in.MaxResults, in.NextToken, len(in.VpcPeeringConnectionIds) > 0, "vpcPeeringConnectionIds", describeLimits)
	if err != nil {
		return nil, err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	// Connections past their retention are gone for this viewer: an
	// unnamed filter hides them from listings, and naming one is naming
	// an id that does not exist.
	fs = append(fs, filter[*peeringRec]{patterns: []string{"true"}, values: func(p *peeringRec) []string { return boolValue(p.visible(now, sc.account)) }})
	var items []*peeringRec
	var next string
	err = s.st.View(ctx, func(tx store.Tx) error {
		var gone []string
		for _, id := range in.VpcPeeringConnectionIds {
			p, err := peerings.get(tx, sc, id)
			if err != nil && !isNotFound(err) {
				return err
			}
			if p == nil || !p.visible(now, sc.account) {
				gone = append(gone, id)
			}
		}
		if len(gone) > 0 {
			return kindPCX.notFound(gone...)
		}
		var err error
		items, next, err = describe(tx, sc, peerings, kindPCX, query[*peeringRec]{ids: in.VpcPeeringConnectionIds, filters: fs, page: pg})
		return err
	})
	if err != nil {
		return nil, err
	}
	out := &ec2api.DescribeVpcPeeringConnectionsOutput{VpcPeeringConnections: make([]ec2api.VpcPeeringConnection, 0, len(items))}
	for _, p := range items {
		out.VpcPeeringConnections = append(out.VpcPeeringConnections, p.api(now, ""))
	}
	if next != "" {
		out.NextToken = &next
	}
	return out, nil
}

// ModifyVpcPeeringConnectionOptions sets DNS resolution across an active
// connection. Each owner sets its own side's options; both sides'
// options may be set in one call when one account owns both VPCs in one
// Region.
func (s *Service) ModifyVpcPeeringConnectionOptions(ctx context.Context, in *ec2api.ModifyVpcPeeringConnectionOptionsInput) (*ec2api.ModifyVpcPeeringConnectionOptionsOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	if in.RequesterPeeringConnectionOptions == nil && in.AccepterPeeringConnectionOptions == nil {
		return nil, missingParam("requesterPeeringConnectionOptions or accepterPeeringConnectionOptions")
	}
	out := &ec2api.ModifyVpcPeeringConnectionOptionsOutput{}
	err := s.changePeering(ctx, deref(in.VpcPeeringConnectionId), func(sc scope, p *peeringRec, now time.Time) error {
		if p.state(now) != pcxActive {
			return pcxNotPermitted("Peering %s is not active. Peering options can be added only to active peerings.", p.ID)
		}
		for _, o := range []struct {
			name string
			req  *ec2api.PeeringConnectionOptionsRequest
			side *pcxSide
			res  **ec2api.PeeringConnectionOptions
		}{
			{"requester", in.RequesterPeeringConnectionOptions, &p.Requester, &out.RequesterPeeringConnectionOptions},
			{"accepter", in.AccepterPeeringConnectionOptions, &p.Accepter, &out.AccepterPeeringConnectionOptions},
		} {
			if o.req == nil {
				continue
			}
			if o.side.scope() != sc {
				return pcxNotPermitted("The %s options of peering %s can be modified only by account %s in %s", o.name, p.ID, o.side.Account, o.side.Region)
			}
			if isTrue(o.req.AllowEgressFromLocalClassicLinkToRemoteVpc) || isTrue(o.req.AllowEgressFromLocalVpcToRemoteClassicLink) {
				return pcxNotPermitted("ClassicLink options are no longer supported")
			}
			if o.req.AllowDnsResolutionFromRemoteVpc != nil {
				o.side.DNS = *o.req.AllowDnsResolutionFromRemoteVpc
			}
			*o.res = &ec2api.PeeringConnectionOptions{AllowDnsResolutionFromRemoteVpc: ptr(o.side.DNS),
				AllowEgressFromLocalClassicLinkToRemoteVpc: ptr(false), AllowEgressFromLocalVpcToRemoteClassicLink: ptr(false)}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// peeringRouteTarget checks a VpcPeeringConnectionId route target: a
// connection, not yet ended, one of whose VPCs is the route table's.
// Routes to a pending connection are allowed and stay blackholes until it
// is accepted.
func peeringRouteTarget(tx store.Tx, sc scope, rt *routeTableRec, id string, now time.Time) error {
	missing := kindPCX.notFound(id)
	if !wellFormed(id, "pcx") {
		return missing
	}
	p, err := peerings.get(tx, sc, id)
	if err != nil {
		return orNotFound(err, missing)
	}
	if !p.live(now) {
		return missing
	}
	if p.side(sc, rt.VpcID) == nil {
		return invalidParam("route table %s and VPC peering connection %s belong to different networks", rt.ID, id)
	}
	return nil
}

// peeringLive reports whether a route in vpcID's table to the connection
// carries traffic: the connection is active and vpcID is one of its VPCs.
func peeringLive(tx store.Tx, sc scope, id, vpcID string, now time.Time) (bool, error) {
	p, err := peerings.get(tx, sc, id)
	if isNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return p.state(now) == pcxActive && p.side(sc, vpcID) != nil, nil
}

// releaseVpcPeerings is DeleteVpc's part for peering: the VPC's active
// connections and its own pending requests are deleted with it, as AWS
// does; a pending request from another account to this VPC must be
// rejected first.
func releaseVpcPeerings(tx store.Tx, sc scope, vpcID string, now time.Time) error {
	recs, err := peeringsOf(tx, sc, vpcID)
	if err != nil {
		return err
	}
	for _, p := range recs {
		st := p.state(now)
		if st == pcxPending && p.Accepter.scope() == sc && p.Accepter.VpcID == vpcID && p.Requester.Account != sc.account {
			return dependencyViolation("vpc", vpcID)
		}
	}
	for _, p := range recs {
		if !p.live(now) {
			continue
		}
		p.Status, p.Changed, p.By = pcxDeleted, now, sc.account
		if err := savePeering(tx, sc, p); err != nil {
			return err
		}
	}
	return nil
}
