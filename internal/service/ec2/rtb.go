package ec2

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"time"

	"hakoniwa/internal/store"

	ec2api "hakoniwa/internal/api/ec2"
)

// Route states and origins as the API spells them.
const (
	routeActive    = "active"
	routeBlackhole = "blackhole"
	originTable    = "CreateRouteTable"
	originRoute    = "CreateRoute"
)

func (r route) key() string {
	switch {
	case r.Destination != "":
		return r.Destination
	case r.DestIPv6 != "":
		return r.DestIPv6
	}
	return r.PrefixList
}

func (r route) isLocal() bool { return r.GatewayID == "local" }

// targetID is the id of whatever the route points at.
func (r route) targetID() string {
	if r.GatewayID != "" {
		return r.GatewayID
	}
	return r.Target
}

func (r route) api(state string) ec2api.Route {
	out := ec2api.Route{State: ptr(state), Origin: ptr(r.Origin)}
	if r.Destination != "" {
		out.DestinationCidrBlock = ptr(r.Destination)
	}
	if r.DestIPv6 != "" {
		out.DestinationIpv6CidrBlock = ptr(r.DestIPv6)
	}
	if r.PrefixList != "" {
		out.DestinationPrefixListId = ptr(r.PrefixList)
	}
	if r.GatewayID != "" {
		out.GatewayId = ptr(r.GatewayID)
	}
	if r.Target != "" {
		if set := routeFields(&out)[r.Via]; set != nil {
			*set = ptr(r.Target)
		}
	}
	return out
}

// routeFields maps a request member naming a target to the Route field
// that shows it.
func routeFields(r *ec2api.Route) map[string]**string {
	return map[string]**string{
		"NatGatewayId":                &r.NatGatewayId,
		"EgressOnlyInternetGatewayId": &r.EgressOnlyInternetGatewayId,
		"NetworkInterfaceId":          &r.NetworkInterfaceId,
		"InstanceId":                  &r.InstanceId,
		"VpcPeeringConnectionId":      &r.VpcPeeringConnectionId,
		"TransitGatewayId":            &r.TransitGatewayId,
		"LocalGatewayId":              &r.LocalGatewayId,
		"CarrierGatewayId":            &r.CarrierGatewayId,
		"CoreNetworkArn":              &r.CoreNetworkArn,
		"OdbNetworkArn":               &r.OdbNetworkArn,
		// Gateway Load Balancer endpoints show as gateways.
		"VpcEndpointId": &r.GatewayId,
	}
}

// routeFor returns the route that carries traffic to ip: the most specific
// destination of ip's family that contains it (longest-prefix match), as
// AWS documents for CreateRoute. Prefix-list routes are skipped: their
// ranges live with the prefix list. A blackhole route still matches: it
// drops the traffic rather than letting a broader route carry it.
func routeFor(routes []route, ip netip.Addr) (route, bool) {
	var best route
	bits := -1
	for _, r := range routes {
		dest := r.Destination
		if ip.Is6() && !ip.Is4In6() {
			dest = r.DestIPv6
		}
		p, err := netip.ParsePrefix(dest)
		if err != nil || !p.Contains(ip.Unmap()) {
			continue
		}
		if p.Bits() > bits {
			best, bits = r, p.Bits()
		}
	}
	return best, bits >= 0
}

// rtbView evaluates route tables inside one read: it resolves route
// targets (with a cache, as many routes share a gateway) and adds the
// IPv6 local routes of the VPC's IPv6 blocks, so what Describe shows is
// derived from the current state of every target.
type rtbView struct {
	s      *Service
	tx     store.Tx
	sc     scope
	now    time.Time
	target map[string]string // target id + "@" + vpc → state
	vpcs   map[string]*vpcRec
	enis   map[string]string // instance id → primary interface
	err    error
}

func (s *Service) newView(tx store.Tx, sc scope) *rtbView {
	return &rtbView{s: s, tx: tx, sc: sc, now: s.clock.Now(), target: map[string]string{}, vpcs: map[string]*vpcRec{}, enis: map[string]string{}}
}

// routes returns the table's routes with their states.
func (v *rtbView) routes(rt *routeTableRec) ([]route, []string) {
	routes := append([]route(nil), rt.Routes...)
	if vpc := v.vpc(rt.VpcID); vpc != nil {
		for _, b := range vpc.Ipv6 {
			if !hasRoute(routes, route{DestIPv6: b.Cidr}) {
				routes = append(routes, route{DestIPv6: b.Cidr, GatewayID: "local", State: routeActive, Origin: originTable})
			}
		}
	}
	states := make([]string, len(routes))
	for i, r := range routes {
		states[i] = v.state(rt.VpcID, r)
	}
	return routes, states
}

// table is the route table as Describe shows it. A route to an instance
// also names the instance's owner and the primary interface that carries
// its traffic, as AWS's do.
func (v *rtbView) table(rt *routeTableRec) ec2api.RouteTable {
	out := rt.api(v.routes(rt))
	for i := range out.Routes {
		r := &out.Routes[i]
		if r.InstanceId == nil {
			continue
		}
		r.InstanceOwnerId = ptr(rt.Owner)
		if eni := v.primaryENI(*r.InstanceId); eni != "" {
			r.NetworkInterfaceId = ptr(eni)
		}
	}
	return out
}

func (v *rtbView) primaryENI(instance string) string {
	if eni, ok := v.enis[instance]; ok {
		return eni
	}
	var eni string
	if k, ok := kindOf(instance); ok {
		fields, _, err := rawRecord(v.tx, v.sc, k, instance)
		if err != nil && v.err == nil {
			v.err = err
		}
		eni = rawString(fields, "eni")
	}
	v.enis[instance] = eni
	return eni
}

func (v *rtbView) vpc(id string) *vpcRec {
	if r, ok := v.vpcs[id]; ok {
		return r
	}
	r, err := vpcs.get(v.tx, v.sc, id)
	if err != nil && !errors.Is(err, store.ErrNotFound) && v.err == nil {
		v.err = err
	}
	v.vpcs[id] = r
	return r
}

func (v *rtbView) state(vpcID string, r route) string {
	if r.isLocal() {
		return routeActive
	}
	key := r.targetID() + "@" + vpcID
	if st, ok := v.target[key]; ok {
		return st
	}
	live, err := v.s.targetLive(v.tx, v.sc, r.targetID(), vpcID, v.now)
	if err != nil && v.err == nil {
		v.err = err
	}
	st := routeBlackhole
	if live {
		st = routeActive
	}
	v.target[key] = st
	return st
}

// targetLive reports whether a route's target can carry traffic: an
// internet gateway attached to the route table's VPC, a NAT gateway that
// is pending or available, or any other target that exists.
func (s *Service) targetLive(tx store.Tx, sc scope, id, vpcID string, now time.Time) (bool, error) {
	k, ok := kindOf(id)
	if !ok {
		return false, nil
	}
	switch k.prefix {
	case "igw":
		g, err := internetGateways.get(tx, sc, id)
		if errors.Is(err, store.ErrNotFound) {
			return false, nil
		}
		return err == nil && g.VpcID == vpcID, err
	case "nat":
		n, err := natGateways.get(tx, sc, id)
		if errors.Is(err, store.ErrNotFound) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		st := n.state(now)
		return st == natPending || st == natAvailable, nil
	case "pcx":
		return peeringLive(tx, sc, id, vpcID, now)
	}
	fields, found, err := rawRecord(tx, sc, k, id)
	// A terminating instance carries no traffic: its routes blackhole.
	return found && !(k.prefix == "i" && instanceGone(fields)), err
}

// rawRecord reads any stored resource by id without knowing its Go type:
// route targets and address associations reach kinds that later areas
// own (network interfaces, instances, peering connections) through the
// kinds registry alone.
func rawRecord(tx store.Tx, sc scope, k kindInfo, id string) (map[string]json.RawMessage, bool, error) {
	raw, err := tx.Get(store.Bucket{Account: sc.account, Region: sc.region, Service: "ec2", Kind: k.kind}, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return nil, false, fmt.Errorf("ec2: decode %s %q: %w", k.kind, id, err)
	}
	return fields, true, nil
}

// rawString reads one string field of a raw record ("" if absent).
func rawString(fields map[string]json.RawMessage, name string) string {
	var s string
	if raw, ok := fields[name]; ok {
		_ = json.Unmarshal(raw, &s) // a non-string field reads as ""
	}
	return s
}

func hasRoute(routes []route, r route) bool {
	for _, x := range routes {
		if x.key() == r.key() {
			return true
		}
	}
	return false
}

func (rt *routeTableRec) api(routes []route, states []string) ec2api.RouteTable {
	out := ec2api.RouteTable{
		RouteTableId:    ptr(rt.ID),
		VpcId:           ptr(rt.VpcID),
		OwnerId:         ptr(rt.Owner),
		Tags:            apiTags(rt.Tags),
		Associations:    []ec2api.RouteTableAssociation{},
		PropagatingVgws: []ec2api.PropagatingVgw{},
		Routes:          make([]ec2api.Route, 0, len(routes)),
	}
	associated := &ec2api.RouteTableAssociationState{State: ptr("associated")}
	if rt.Main {
		out.Associations = append(out.Associations, ec2api.RouteTableAssociation{Main: ptr(true),
			RouteTableAssociationId: ptr(rt.MainAssoc), RouteTableId: ptr(rt.ID), AssociationState: associated})
	}
	for _, a := range rt.Assocs {
		x := ec2api.RouteTableAssociation{Main: ptr(false), RouteTableAssociationId: ptr(a.ID), RouteTableId: ptr(rt.ID), AssociationState: associated}
		if a.SubnetID != "" {
			x.SubnetId = ptr(a.SubnetID)
		}
		if a.GatewayID != "" {
			x.GatewayId = ptr(a.GatewayID)
		}
		out.Associations = append(out.Associations, x)
	}
	for i, r := range routes {
		out.Routes = append(out.Routes, r.api(states[i]))
	}
	return out
}

// rtbFilters are DescribeRouteTables' filters; the route ones see the
// routes as the view computes them.
func (v *rtbView) rtbFilters() filterDefs[*routeTableRec] {
	assoc := func(field func(rtbAssoc) string) func(*routeTableRec) []string {
		return func(rt *routeTableRec) []string {
			var out []string
			for _, a := range rt.Assocs {
				if s := field(a); s != "" {
					out = append(out, s)
				}
			}
			return out
		}
	}
	routeField := func(field func(route, string) string) func(*routeTableRec) []string {
		return func(rt *routeTableRec) []string {
			routes, states := v.routes(rt)
			var out []string
			for i, r := range routes {
				if s := field(r, states[i]); s != "" {
					out = append(out, s)
				}
			}
			return out
		}
	}
	via := func(member string) func(*routeTableRec) []string {
		return routeField(func(r route, _ string) string {
			if r.Via == member {
				return r.Target
			}
			return ""
		})
	}
	return filterDefs[*routeTableRec]{
		"route-table-id": func(rt *routeTableRec) []string { return one(rt.ID) },
		"vpc-id":         func(rt *routeTableRec) []string { return one(rt.VpcID) },
		"owner-id":       func(rt *routeTableRec) []string { return one(rt.Owner) },
		"association.main": func(rt *routeTableRec) []string {
			var out []string
			if rt.Main {
				out = append(out, "true")
			}
			if len(rt.Assocs) > 0 {
				out = append(out, "false")
			}
			return out
		},
		"association.route-table-association-id": func(rt *routeTableRec) []string {
			out := assoc(func(a rtbAssoc) string { return a.ID })(rt)
			if rt.Main {
				out = append(out, rt.MainAssoc)
			}
			return out
		},
		"association.route-table-id": func(rt *routeTableRec) []string {
			if rt.Main || len(rt.Assocs) > 0 {
				return one(rt.ID)
			}
			return nil
		},
		"association.subnet-id":                 assoc(func(a rtbAssoc) string { return a.SubnetID }),
		"association.gateway-id":                assoc(func(a rtbAssoc) string { return a.GatewayID }),
		"route.destination-cidr-block":          routeField(func(r route, _ string) string { return r.Destination }),
		"route.destination-ipv6-cidr-block":     routeField(func(r route, _ string) string { return r.DestIPv6 }),
		"route.destination-prefix-list-id":      routeField(func(r route, _ string) string { return r.PrefixList }),
		"route.gateway-id":                      routeField(func(r route, _ string) string { return r.GatewayID }),
		"route.state":                           routeField(func(_ route, st string) string { return st }),
		"route.origin":                          routeField(func(r route, _ string) string { return r.Origin }),
		"route.nat-gateway-id":                  via("NatGatewayId"),
		"route.egress-only-internet-gateway-id": via("EgressOnlyInternetGatewayId"),
		"route.instance-id":                     via("InstanceId"),
		"route.vpc-peering-connection-id":       via("VpcPeeringConnectionId"),
		"route.transit-gateway-id":              via("TransitGatewayId"),
	}
}

// localRoutes are the routes every table of the VPC starts with.
func localRoutes(v *vpcRec) []route {
	var out []route
	for _, c := range v.Cidrs {
		out = append(out, route{Destination: c.Cidr, GatewayID: "local", State: routeActive, Origin: originTable})
	}
	for _, c := range v.Ipv6 {
		out = append(out, route{DestIPv6: c.Cidr, GatewayID: "local", State: routeActive, Origin: originTable})
	}
	return out
}

// CreateRouteTable creates a route table holding the VPC's local routes.
func (s *Service) CreateRouteTable(ctx context.Context, in *ec2api.CreateRouteTableInput) (*ec2api.CreateRouteTableOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	tags, err := s.specTags(in.TagSpecifications, kindRouteTable.resourceType)
	if err != nil {
		return nil, err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	rt := &routeTableRec{meta: meta{ID: s.ids.Resource("rtb"), Tags: tags}, Owner: sc.account, VpcID: deref(in.VpcId)}
	var out ec2api.RouteTable
	err = s.st.Update(ctx, func(tx store.Tx) error {
		v, err := getVPC(tx, sc, rt.VpcID)
		if err != nil {
			return err
		}
		if n, err := routeTables.countBy(tx, sc, "vpc-id", v.ID); err != nil {
			return err
		} else if n >= orDefault(s.quotas.RouteTablesPerVPC, 200) {
			return errf(http.StatusBadRequest, "RouteTableLimitExceeded", "The maximum number of route tables has been reached.")
		}
		rt.Routes = localRoutes(v)
		if err := routeTables.put(tx, sc, rt); err != nil {
			return err
		}
		out = s.newView(tx, sc).table(rt)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.CreateRouteTableOutput{RouteTable: &out, ClientToken: in.ClientToken}, nil
}

// DescribeRouteTables lists route tables by id and filters.
func (s *Service) DescribeRouteTables(ctx context.Context, in *ec2api.DescribeRouteTablesInput) (*ec2api.DescribeRouteTablesOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	if err := checkIDs(kindRouteTable, in.RouteTableIds); err != nil {
		return nil, err
	}
	// Compile once with a view-less definition set to refuse unknown
	// names before touching the store.
	if _, err := (&rtbView{}).rtbFilters().compile(in.Filters); err != nil {
		return nil, err
	}
	pg, err := parsePage(in.MaxResults, in.NextToken, len(in.RouteTableIds) > 0, "routeTableIds", pageLimits{5, 100})
	if err != nil {
		return nil, err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	out := &ec2api.DescribeRouteTablesOutput{RouteTables: []ec2api.RouteTable{}}
	err = s.st.View(ctx, func(tx store.Tx) error {
		v := s.newView(tx, sc)
		fs, err := v.rtbFilters().compile(in.Filters)
		if err != nil {
			return err
		}
		items, next, err := describe(tx, sc, routeTables, kindRouteTable, query[*routeTableRec]{ids: in.RouteTableIds, filters: fs, page: pg})
		if err != nil {
			return err
		}
		for _, rt := range items {
			out.RouteTables = append(out.RouteTables, v.table(rt))
		}
		if next != "" {
			out.NextToken = &next
		}
		return v.err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteRouteTable deletes a route table that is neither main nor
// associated.
func (s *Service) DeleteRouteTable(ctx context.Context, in *ec2api.DeleteRouteTableInput) (*ec2api.DeleteRouteTableOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	id := deref(in.RouteTableId)
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		rt, err := getByKind(tx, sc, routeTables, kindRouteTable, id)
		if err != nil {
			return err
		}
		if rt.Main || len(rt.Assocs) > 0 {
			return dependencyViolation(kindRouteTable.noun, rt.ID)
		}
		return routeTables.delete(tx, sc, rt)
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.DeleteRouteTableOutput{}, nil
}

func assocConflict(rtb string) error {
	return errf(http.StatusBadRequest, "Resource.AlreadyAssociated", "the specified association for route table %s conflicts with an existing association", rtb)
}

func assocNotFound(id string) error {
	return errf(http.StatusBadRequest, "InvalidAssociationID.NotFound", "The association ID '%s' does not exist", id)
}

func differentNetworks(rtb, what, id string) error {
	return invalidParam("route table %s and %s %s belong to different networks", rtb, what, id)
}

// AssociateRouteTable associates a table with a subnet or with a gateway
// attached to its VPC (an edge association). A subnet or gateway has at
// most one explicit association.
func (s *Service) AssociateRouteTable(ctx context.Context, in *ec2api.AssociateRouteTableInput) (*ec2api.AssociateRouteTableOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	subnet, gw := deref(in.SubnetId), deref(in.GatewayId)
	switch {
	case subnet != "" && gw != "":
		return nil, invalidCombination("The parameter subnetId cannot be used with the parameter gatewayId")
	case subnet == "" && gw == "":
		return nil, missingParam("subnetId or gatewayId")
	case in.PublicIpv4Pool != nil:
		return nil, invalidParam("Public IPv4 pools are not available in this account.")
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	a := &assocRec{meta: meta{ID: s.ids.Resource("rtbassoc")}, SubnetID: subnet, GatewayID: gw}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		rt, err := getByKind(tx, sc, routeTables, kindRouteTable, deref(in.RouteTableId))
		if err != nil {
			return err
		}
		index, value := "subnet-id", subnet
		if subnet != "" {
			sn, err := getSubnet(tx, sc, subnet)
			if err != nil {
				return err
			}
			if sn.VpcID != rt.VpcID {
				return differentNetworks(rt.ID, "subnet", sn.ID)
			}
		} else {
			index, value = "gateway-id", gw
			if err := checkEdgeGateway(tx, sc, rt, gw); err != nil {
				return err
			}
		}
		if n, err := rtbAssocs.countBy(tx, sc, index, value); err != nil {
			return err
		} else if n > 0 {
			return assocConflict(rt.ID)
		}
		a.RouteTable, a.VpcID = rt.ID, rt.VpcID
		rt.Assocs = append(rt.Assocs, rtbAssoc{ID: a.ID, SubnetID: subnet, GatewayID: gw})
		if err := rtbAssocs.put(tx, sc, a); err != nil {
			return err
		}
		return routeTables.put(tx, sc, rt)
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.AssociateRouteTableOutput{AssociationId: ptr(a.ID),
		AssociationState: &ec2api.RouteTableAssociationState{State: ptr("associated")}}, nil
}

// checkEdgeGateway accepts an internet gateway attached to the table's
// VPC; virtual private gateways belong to a later slice.
func checkEdgeGateway(tx store.Tx, sc scope, rt *routeTableRec, gw string) error {
	if wellFormed(gw, "igw") {
		g, err := getByKind(tx, sc, internetGateways, kindIGW, gw)
		if err != nil {
			return err
		}
		if g.VpcID != rt.VpcID {
			return differentNetworks(rt.ID, "network gateway", gw)
		}
		return nil
	}
	return gatewayNotFound(gw)
}

func gatewayNotFound(id string) error {
	return errf(http.StatusBadRequest, "InvalidGatewayID.NotFound", "The gateway ID '%s' does not exist", id)
}

// findAssociation finds an association by id: an explicit one (a is its
// record) or a VPC's main association (a is nil).
func findAssociation(tx store.Tx, sc scope, id string) (*routeTableRec, *assocRec, error) {
	a, err := rtbAssocs.get(tx, sc, id)
	switch {
	case err == nil:
		rt, err := routeTables.get(tx, sc, a.RouteTable)
		if err != nil {
			return nil, nil, err
		}
		return rt, a, nil
	case !errors.Is(err, store.ErrNotFound):
		return nil, nil, err
	}
	// Main associations live on their table (CreateVpc writes them with
	// it); there are at most a few hundred tables per Region.
	var main *routeTableRec
	err = routeTables.all(tx, sc, func(rt *routeTableRec) bool {
		if rt.Main && rt.MainAssoc == id {
			main = rt
		}
		return main == nil
	})
	if err != nil {
		return nil, nil, err
	}
	if main == nil {
		return nil, nil, assocNotFound(id)
	}
	return main, nil, nil
}

// removeAssoc drops an explicit association from its table and index.
func removeAssoc(tx store.Tx, sc scope, rt *routeTableRec, a *assocRec) error {
	kept := rt.Assocs[:0:0]
	for _, x := range rt.Assocs {
		if x.ID != a.ID {
			kept = append(kept, x)
		}
	}
	rt.Assocs = kept
	if err := rtbAssocs.delete(tx, sc, a); err != nil {
		return err
	}
	return routeTables.put(tx, sc, rt)
}

// DisassociateRouteTable removes an explicit association; the subnet falls
// back to the main table. The main association cannot be removed, only
// replaced.
func (s *Service) DisassociateRouteTable(ctx context.Context, in *ec2api.DisassociateRouteTableInput) (*ec2api.DisassociateRouteTableOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	id := deref(in.AssociationId)
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		rt, a, err := findAssociation(tx, sc, id)
		if err != nil {
			return err
		}
		if a == nil {
			return invalidParam("cannot disassociate the main route table association %s", id)
		}
		return removeAssoc(tx, sc, rt, a)
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.DisassociateRouteTableOutput{}, nil
}

// ReplaceRouteTableAssociation moves an association to another table of
// the same VPC under a new association id. Given the main association, it
// makes the other table the VPC's main table.
func (s *Service) ReplaceRouteTableAssociation(ctx context.Context, in *ec2api.ReplaceRouteTableAssociationInput) (*ec2api.ReplaceRouteTableAssociationOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	id := deref(in.AssociationId)
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	newID := s.ids.Resource("rtbassoc")
	err = s.st.Update(ctx, func(tx store.Tx) error {
		to, err := getByKind(tx, sc, routeTables, kindRouteTable, deref(in.RouteTableId))
		if err != nil {
			return err
		}
		from, a, err := findAssociation(tx, sc, id)
		if err != nil {
			return err
		}
		if from.VpcID != to.VpcID {
			return differentNetworks(to.ID, "association", id)
		}
		if a == nil {
			return replaceMain(tx, sc, from, to, newID)
		}
		if err := removeAssoc(tx, sc, from, a); err != nil {
			return err
		}
		if from.ID == to.ID {
			to = from // removeAssoc changed it
		}
		na := &assocRec{meta: meta{ID: newID}, RouteTable: to.ID, VpcID: to.VpcID, SubnetID: a.SubnetID, GatewayID: a.GatewayID}
		to.Assocs = append(to.Assocs, rtbAssoc{ID: newID, SubnetID: a.SubnetID, GatewayID: a.GatewayID})
		if err := rtbAssocs.put(tx, sc, na); err != nil {
			return err
		}
		return routeTables.put(tx, sc, to)
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.ReplaceRouteTableAssociationOutput{NewAssociationId: ptr(newID),
		AssociationState: &ec2api.RouteTableAssociationState{State: ptr("associated")}}, nil
}

// replaceMain makes to the VPC's main route table; DeleteVpc then deletes
// to with the VPC, and from becomes an ordinary, deletable table.
func replaceMain(tx store.Tx, sc scope, from, to *routeTableRec, newID string) error {
	v, err := vpcs.get(tx, sc, from.VpcID)
	if err != nil {
		return err
	}
	from.Main, from.MainAssoc = false, ""
	if err := routeTables.put(tx, sc, from); err != nil {
		return err
	}
	if to.ID == from.ID {
		to = from
	}
	to.Main, to.MainAssoc = true, newID
	if err := routeTables.put(tx, sc, to); err != nil {
		return err
	}
	v.MainRouteTable = to.ID
	return vpcs.put(tx, sc, v)
}

// dropSubnetAssociation removes a deleted subnet's explicit association,
// as AWS does when the subnet goes.
func dropSubnetAssociation(tx store.Tx, sc scope, subnetID string) error {
	return dropAssociations(tx, sc, "subnet-id", subnetID)
}

// dropGatewayAssociations removes a detached gateway's edge association.
func dropGatewayAssociations(tx store.Tx, sc scope, gatewayID string) error {
	return dropAssociations(tx, sc, "gateway-id", gatewayID)
}

func dropAssociations(tx store.Tx, sc scope, index, value string) error {
	as, err := rtbAssocs.by(tx, sc, index, value)
	if err != nil {
		return err
	}
	for _, a := range as {
		rt, err := routeTables.get(tx, sc, a.RouteTable)
		if errors.Is(err, store.ErrNotFound) {
			if err := rtbAssocs.delete(tx, sc, a); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return err
		}
		if err := removeAssoc(tx, sc, rt, a); err != nil {
			return err
		}
	}
	return nil
}

// subnetRouteTable is the table a subnet's traffic uses: its explicit
// association, else its VPC's main table.
func subnetRouteTable(tx store.Tx, sc scope, sn *subnetRec) (*routeTableRec, error) {
	as, err := rtbAssocs.by(tx, sc, "subnet-id", sn.ID)
	if err != nil {
		return nil, err
	}
	if len(as) > 0 {
		return routeTables.get(tx, sc, as[0].RouteTable)
	}
	v, err := vpcs.get(tx, sc, sn.VpcID)
	if err != nil {
		return nil, err
	}
	return routeTables.get(tx, sc, v.MainRouteTable)
}
