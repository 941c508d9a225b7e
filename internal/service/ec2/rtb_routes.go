package ec2

import (
	"context"
	"encoding/json"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"hakoniwa/internal/store"

	ec2api "hakoniwa/internal/api/ec2"
)

// routeSpec is what CreateRoute and ReplaceRoute have in common: a table,
// one destination and one target.
type routeSpec struct {
	table      string
	v4, v6, pl string
	targets    []namedTarget
	local      bool // ReplaceRoute's LocalTarget
}

// namedTarget is one target member of the request.
type namedTarget struct {
	member, id string
}

func targetsOf(pairs ...any) []namedTarget {
	var out []namedTarget
	for i := 0; i+1 < len(pairs); i += 2 {
		if v, _ := pairs[i+1].(*string); v != nil {
			out = append(out, namedTarget{pairs[i].(string), *v})
		}
	}
	return out
}

// param is the wire name AWS uses in messages ("natGatewayId").
func (t namedTarget) param() string { return strings.ToLower(t.member[:1]) + t.member[1:] }

// destination validates the one destination of a route and returns it as
// a route with only the destination set.
func (sp routeSpec) destination() (route, error) {
	n := 0
	for _, d := range []string{sp.v4, sp.v6, sp.pl} {
		if d != "" {
			n++
		}
	}
	switch {
	case n == 0:
		return route{}, missingParam("destinationCidrBlock or destinationIpv6CidrBlock")
	case n > 1:
		return route{}, invalidCombination("Exactly one of destinationCidrBlock, destinationIpv6CidrBlock and destinationPrefixListId must be specified")
	case sp.v4 != "":
		p, ok := parseIPv4Block(sp.v4)
		if !ok {
			return route{}, invalidParam("Value (%s) for parameter destinationCidrBlock is invalid. This is not a valid CIDR block.", sp.v4)
		}
		return route{Destination: p.String()}, nil
	case sp.v6 != "":
		p, ok := parseIPv6Block(sp.v6)
		if !ok {
			return route{}, invalidParam("Value (%s) for parameter destinationIpv6CidrBlock is invalid. This is not a valid IPv6 CIDR block.", sp.v6)
		}
		return route{DestIPv6: p.String()}, nil
	}
	if !wellFormed(sp.pl, "pl") {
		return route{}, errf(http.StatusBadRequest, "InvalidPrefixListID.Malformed", "Invalid id: \"%s\" (expecting \"pl-...\")", sp.pl)
	}
	return route{PrefixList: sp.pl}, nil
}

// Targets a route more specific than a VPC block may use: AWS lets such
// routes steer traffic through a middlebox, never out of the VPC.
var inVPCTargets = map[string]bool{"NetworkInterfaceId": true, "InstanceId": true, "NatGatewayId": true, "VpcEndpointId": true}

// Not-found answers for targets of kinds this package does not hold yet
// (the kind registry finds them once their areas land).
var targetNotFound = map[string]struct{ code, noun string }{
	"NetworkInterfaceId":     {"InvalidNetworkInterfaceID.NotFound", "networkInterface"},
	"InstanceId":             {"InvalidInstanceID.NotFound", "instance"},
	"VpcPeeringConnectionId": {"InvalidVpcPeeringConnectionID.NotFound", "vpcPeeringConnection"},
	"TransitGatewayId":       {"InvalidTransitGatewayID.NotFound", "transitGateway"},
	"VpcEndpointId":          {"InvalidVpcEndpointId.NotFound", "vpcEndpoint"},
	"LocalGatewayId":         {"InvalidLocalGatewayID.NotFound", "localGateway"},
	"CarrierGatewayId":       {"InvalidCarrierGatewayID.NotFound", "carrierGateway"},
}

// resolveTarget checks the request's one target against the table's VPC
// and returns the route with its target set.
func (s *Service) resolveTarget(tx store.Tx, sc scope, rt *routeTableRec, sp routeSpec, now time.Time) (route, error) {
	if sp.local {
		if len(sp.targets) > 0 {
			return route{}, invalidCombination("The parameter localTarget cannot be used with the parameter %s", sp.targets[0].param())
		}
		return route{GatewayID: "local"}, nil
	}
	switch len(sp.targets) {
	case 0:
		return route{}, missingParam("gatewayId, natGatewayId, egressOnlyInternetGatewayId, networkInterfaceId, instanceId, vpcPeeringConnectionId, transitGatewayId or vpcEndpointId")
	case 1:
	default:
		return route{}, invalidCombination("The parameter %s cannot be used with the parameter %s", sp.targets[0].param(), sp.targets[1].param())
	}
	t := sp.targets[0]
	switch t.member {
	case "GatewayId":
		if t.id == "local" {
			return route{GatewayID: "local"}, nil
		}
		if !wellFormed(t.id, "igw") {
			// Virtual private gateways and gateway endpoints belong
			// to later slices.
			if k, ok := kindOf(t.id); ok && k.prefix != "igw" {
				if _, found, err := rawRecord(tx, sc, k, t.id); err != nil || found {
					return route{GatewayID: t.id}, err
				}
			}
			return route{}, gatewayNotFound(t.id)
		}
		g, err := internetGateways.get(tx, sc, t.id)
		if err != nil {
			return route{}, orNotFound(err, gatewayNotFound(t.id))
		}
		if g.VpcID != rt.VpcID {
			return route{}, differentNetworks(rt.ID, "network gateway", t.id)
		}
		return route{GatewayID: t.id}, nil
	case "NatGatewayId":
		n, err := natGateways.get(tx, sc, t.id)
		if err != nil {
			return route{}, orNotFound(err, natNotFound(t.id))
		}
		if st := n.state(now); st == natDeleted || !n.visible(now) {
			return route{}, natNotFound(t.id)
		}
		if n.VpcID != rt.VpcID {
			return route{}, differentNetworks(rt.ID, "NAT gateway", t.id)
		}
	case "EgressOnlyInternetGatewayId":
		g, err := egressOnlyIGWs.get(tx, sc, t.id)
		if err != nil {
			return route{}, orNotFound(err, kindEIGW.notFound(t.id))
		}
		if g.VpcID != rt.VpcID {
			return route{}, differentNetworks(rt.ID, "network gateway", t.id)
		}
	case "VpcPeeringConnectionId":
		if err := peeringRouteTarget(tx, sc, rt, t.id, now); err != nil {
			return route{}, err
		}
	case "CoreNetworkArn", "OdbNetworkArn":
		return route{}, invalidParam("Value (%s) for parameter %s is invalid. The resource does not exist.", t.id, t.param())
	default:
		nf, known := targetNotFound[t.member]
		if !known {
			return route{}, invalidParam("The parameter %s is not supported", t.param())
		}
		missing := errf(http.StatusBadRequest, nf.code, "The %s ID '%s' does not exist", nf.noun, t.id)
		k, ok := kindOf(t.id)
		if !ok {
			return route{}, missing
		}
		fields, found, err := rawRecord(tx, sc, k, t.id)
		if err != nil {
			return route{}, err
		}
		if !found {
			return route{}, missing
		}
		if k.prefix == "i" {
			if err := singleInterfaceInstance(tx, sc, t.id, fields); err != nil {
				return route{}, err
			}
		}
		if vpc := rawString(fields, "vpc"); vpc != "" && vpc != rt.VpcID && t.member != "VpcPeeringConnectionId" && t.member != "TransitGatewayId" {
			return route{}, differentNetworks(rt.ID, nf.noun, t.id)
		}
	}
	return route{Target: t.id, Via: t.member}, nil
}

// singleInterfaceInstance checks that an instance can take a route or an
// Elastic IP: AWS acts on its one interface, so an instance with several
// is ambiguous and the caller must name the interface.
func singleInterfaceInstance(tx store.Tx, sc scope, id string, fields map[string]json.RawMessage) error {
	if instanceGone(fields) {
		return errf(http.StatusBadRequest, "IncorrectInstanceState", "The instance '%s' is not in a valid state for this operation.", id)
	}
	n, err := enis.countBy(tx, sc, "attachment.instance-id", id)
	if err != nil {
		return err
	}
	if n > 1 {
		return errf(http.StatusBadRequest, "InvalidInstanceID", "There are multiple interfaces attached to instance '%s'. Please specify an interface ID for the operation instead.", id)
	}
	return nil
}

func orNotFound(err, notFound error) error {
	if isNotFound(err) {
		return notFound
	}
	return err
}

// checkInsideVPC refuses a route to an internet-facing target for a
// destination equal to or more specific than one of the VPC's blocks.
func checkInsideVPC(v *vpcRec, dest, target route) error {
	if dest.Destination == "" || target.isLocal() || inVPCTargets[target.Via] {
		return nil
	}
	d, err := netip.ParsePrefix(dest.Destination)
	if err != nil {
		return nil
	}
	for _, b := range v.blocks() {
		if contains(b, d) {
			return invalidParam("The destination CIDR block %s is equal to or more specific than one of this VPC's CIDR blocks. This route can target only an interface or an instance.", dest.Destination)
		}
	}
	return nil
}

func routeNotFound(rt string, r route) error {
	param := "destination-cidr-block"
	switch {
	case r.DestIPv6 != "":
		param = "destination-ipv6-cidr-block"
	case r.PrefixList != "":
		param = "destination-prefix-list-id"
	}
	return errf(http.StatusBadRequest, "InvalidRoute.NotFound", "no route with %s %s in route table %s", param, r.key(), rt)
}

// changeRoute runs fn on the table under one transaction, with the parsed
// destination.
func (s *Service) changeRoute(ctx context.Context, sp routeSpec, fn func(tx store.Tx, sc scope, rt *routeTableRec, dest route) error) error {
	dest, err := sp.destination()
	if err != nil {
		return err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return err
	}
	return s.st.Update(ctx, func(tx store.Tx) error {
		rt, err := getByKind(tx, sc, routeTables, kindRouteTable, sp.table)
		if err != nil {
			return err
		}
		if err := fn(tx, sc, rt, dest); err != nil {
			return err
		}
		return routeTables.put(tx, sc, rt)
	})
}

// CreateRoute adds a route to a table.
func (s *Service) CreateRoute(ctx context.Context, in *ec2api.CreateRouteInput) (*ec2api.CreateRouteOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	sp := routeSpec{table: deref(in.RouteTableId), v4: deref(in.DestinationCidrBlock), v6: deref(in.DestinationIpv6CidrBlock), pl: deref(in.DestinationPrefixListId),
		targets: targetsOf("GatewayId", in.GatewayId, "NatGatewayId", in.NatGatewayId, "EgressOnlyInternetGatewayId", in.EgressOnlyInternetGatewayId,
			"NetworkInterfaceId", in.NetworkInterfaceId, "InstanceId", in.InstanceId, "VpcPeeringConnectionId", in.VpcPeeringConnectionId,
			"TransitGatewayId", in.TransitGatewayId, "VpcEndpointId", in.VpcEndpointId, "LocalGatewayId", in.LocalGatewayId,
			"CarrierGatewayId", in.CarrierGatewayId, "CoreNetworkArn", in.CoreNetworkArn, "OdbNetworkArn", in.OdbNetworkArn)}
	now := s.clock.Now()
	err := s.changeRoute(ctx, sp, func(tx store.Tx, sc scope, rt *routeTableRec, dest route) error {
		if hasRoute(rt.Routes, dest) {
			return errf(http.StatusBadRequest, "RouteAlreadyExists", "The route identified by %s already exists.", dest.key())
		}
		target, err := s.resolveTarget(tx, sc, rt, sp, now)
		if err != nil {
			return err
		}
		if target.isLocal() {
			return invalidParam("Cannot create a route with a local target. Local routes are managed by the VPC.")
		}
		v, err := vpcs.get(tx, sc, rt.VpcID)
		if err != nil {
			return err
		}
		if err := checkInsideVPC(v, dest, target); err != nil {
			return err
		}
		if len(rt.Routes) >= orDefault(s.quotas.RoutesPerRouteTable, 50)+len(v.Cidrs) {
			return errf(http.StatusBadRequest, "RouteLimitExceeded", "The maximum number of routes has been reached.")
		}
		r := dest
		r.GatewayID, r.Target, r.Via, r.State, r.Origin = target.GatewayID, target.Target, target.Via, routeActive, originRoute
		rt.Routes = append(rt.Routes, r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.CreateRouteOutput{Return: ptr(true)}, nil
}

// ReplaceRoute points an existing route at a new target. The local route
// may only be pointed at a middlebox (an interface or endpoint) or back
// at "local".
func (s *Service) ReplaceRoute(ctx context.Context, in *ec2api.ReplaceRouteInput) (*ec2api.ReplaceRouteOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	sp := routeSpec{table: deref(in.RouteTableId), v4: deref(in.DestinationCidrBlock), v6: deref(in.DestinationIpv6CidrBlock), pl: deref(in.DestinationPrefixListId),
		local: isTrue(in.LocalTarget),
		targets: targetsOf("GatewayId", in.GatewayId, "NatGatewayId", in.NatGatewayId, "EgressOnlyInternetGatewayId", in.EgressOnlyInternetGatewayId,
			"NetworkInterfaceId", in.NetworkInterfaceId, "InstanceId", in.InstanceId, "VpcPeeringConnectionId", in.VpcPeeringConnectionId,
			"TransitGatewayId", in.TransitGatewayId, "VpcEndpointId", in.VpcEndpointId, "LocalGatewayId", in.LocalGatewayId,
			"CarrierGatewayId", in.CarrierGatewayId, "CoreNetworkArn", in.CoreNetworkArn, "OdbNetworkArn", in.OdbNetworkArn)}
	now := s.clock.Now()
	err := s.changeRoute(ctx, sp, func(tx store.Tx, sc scope, rt *routeTableRec, dest route) error {
		i := -1
		for j, r := range rt.Routes {
			if r.key() == dest.key() {
				i = j
			}
		}
		if i < 0 {
			// Not DeleteRoute's InvalidRoute.NotFound: AWS answers a
			// replacement of a missing route with this advice.
			return invalidParam("There is no route defined for '%s' in the route table. Use CreateRoute instead.", dest.key())
		}
		target, err := s.resolveTarget(tx, sc, rt, sp, now)
		if err != nil {
			return err
		}
		cur := &rt.Routes[i]
		localDest := cur.Origin == originTable
		switch {
		case localDest && !target.isLocal() && target.Via != "NetworkInterfaceId" && target.Via != "VpcEndpointId":
			return invalidParam("Cannot replace local route %s in route table %s with target %s; the local route can target only a network interface or a Gateway Load Balancer endpoint", dest.key(), rt.ID, target.targetID())
		case !localDest && target.isLocal():
			return invalidParam("The route %s in route table %s is not a local route; a local target is only allowed for the VPC's own CIDR blocks", dest.key(), rt.ID)
		}
		if !localDest {
			v, err := vpcs.get(tx, sc, rt.VpcID)
			if err != nil {
				return err
			}
			if err := checkInsideVPC(v, dest, target); err != nil {
				return err
			}
		}
		cur.GatewayID, cur.Target, cur.Via, cur.State = target.GatewayID, target.Target, target.Via, routeActive
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.ReplaceRouteOutput{}, nil
}

// DeleteRoute removes a route; the local routes cannot be removed.
func (s *Service) DeleteRoute(ctx context.Context, in *ec2api.DeleteRouteInput) (*ec2api.DeleteRouteOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	sp := routeSpec{table: deref(in.RouteTableId), v4: deref(in.DestinationCidrBlock), v6: deref(in.DestinationIpv6CidrBlock), pl: deref(in.DestinationPrefixListId)}
	err := s.changeRoute(ctx, sp, func(tx store.Tx, sc scope, rt *routeTableRec, dest route) error {
		for i, r := range rt.Routes {
			if r.key() != dest.key() {
				continue
			}
			if r.Origin == originTable {
				return invalidParam("cannot remove local route %s in route table %s", dest.key(), rt.ID)
			}
			rt.Routes = append(rt.Routes[:i:i], rt.Routes[i+1:]...)
			return nil
		}
		if dest.DestIPv6 != "" {
			// IPv6 local routes are derived from the VPC's blocks.
			if v, err := vpcs.get(tx, sc, rt.VpcID); err == nil {
				for _, b := range v.Ipv6 {
					if b.Cidr == dest.DestIPv6 {
						return invalidParam("cannot remove local route %s in route table %s", dest.key(), rt.ID)
					}
				}
			}
		}
		return routeNotFound(rt.ID, dest)
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.DeleteRouteOutput{}, nil
}
