package ec2

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/regions"
	"hakoniwa/internal/store"

	ec2api "hakoniwa/internal/api/ec2"
)

// VPC endpoints. A gateway endpoint (S3, DynamoDB) is a route: it adds a
// route from the service's AWS-managed prefix list to the endpoint to each
// of its route tables. An interface endpoint is a set of requester-managed
// network interfaces, one per subnet, each taking an address of its
// subnet.

// Endpoint types and the state endpoints are created in: hakoniwa has no
// provisioning delay for them.
const (
	endpointGateway   = "Gateway"
	endpointInterface = "Interface"
	endpointAvailable = "available"
)

// endpointServices are the AWS services this emulator models, by the last
// part of their endpoint service name; S3 and DynamoDB have both kinds of
// endpoint.
var endpointServices = []string{"cloudtrail", "dynamodb", "ec2", "s3", "sts"}

// fullAccessPolicy is the policy AWS attaches when none is given.
const fullAccessPolicy = `{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`

// endpointRequester is the RequesterId of endpoint interfaces: the
// PrivateLink service, not the account.
const endpointRequester = "amazon-vpce"

// endpointService resolves a service name of the Region to its short
// name, and which endpoint types it offers.
func endpointService(region, name string) (svc string, gateway, ok bool) {
	prefix := "com.amazonaws." + region + "."
	if !strings.HasPrefix(name, prefix) {
		return "", false, false
	}
	svc = name[len(prefix):]
	if !slices.Contains(endpointServices, svc) {
		return "", false, false
	}
	return svc, slices.Contains(gatewayServices, svc), true
}

func serviceNotFound(name string) error {
	return errf(http.StatusBadRequest, "InvalidServiceName", "The Vpc Endpoint Service '%s' does not exist", name)
}

// hostedZoneID is a stable, made-up Route 53 zone id for a Region's
// endpoint DNS names.
func hostedZoneID(region string) string {
	h := sha256.Sum256([]byte("vpce-zone/" + region))
	return "Z" + strings.ToUpper(hex.EncodeToString(h[:7]))[:13]
}

func (e *endpointRec) svc() string { return e.Service[strings.LastIndex(e.Service, ".")+1:] }

// dnsEntries are an interface endpoint's names: the Regional one, one per
// zone, and with private DNS the service's own name.
func (e *endpointRec) dnsEntries(region string, zones []string) []ec2api.DnsEntry {
	out := []ec2api.DnsEntry{}
	if e.Type != endpointInterface {
		return out
	}
	zone := ptr(hostedZoneID(region))
	base := e.ID + "-" + e.DNSSuffix
	tail := "." + e.svc() + "." + region + ".vpce.amazonaws.com"
	out = append(out, ec2api.DnsEntry{DnsName: ptr(base + tail), HostedZoneId: zone})
	for _, z := range zones {
		out = append(out, ec2api.DnsEntry{DnsName: ptr(base + "-" + z + tail), HostedZoneId: zone})
	}
	if e.PrivateDNS {
		out = append(out, ec2api.DnsEntry{DnsName: ptr(e.svc() + "." + region + ".amazonaws.com"), HostedZoneId: ptr("")})
	}
	return out
}

func (s *Service) endpointAPI(tx store.Tx, sc scope, e *endpointRec) (ec2api.VpcEndpoint, error) {
	out := ec2api.VpcEndpoint{
		VpcEndpointId: ptr(e.ID), VpcEndpointType: ptr(e.Type), VpcId: ptr(e.VpcID), ServiceName: ptr(e.Service),
		State: ptr(e.State), PolicyDocument: ptr(e.Policy), RouteTableIds: []string{}, SubnetIds: []string{},
		Groups: []ec2api.SecurityGroupIdentifier{}, NetworkInterfaceIds: []string{}, PrivateDnsEnabled: ptr(e.PrivateDNS),
		RequesterManaged: ptr(false), CreationTimestamp: ptr(e.Created), Tags: apiTags(e.Tags), OwnerId: ptr(e.Owner),
		IpAddressType: ptr("ipv4"), ServiceRegion: ptr(sc.region),
	}
	// A route table deleted under the endpoint drops out of it.
	for _, id := range e.RouteTables {
		if _, err := routeTables.get(tx, sc, id); err == nil {
			out.RouteTableIds = append(out.RouteTableIds, id)
		} else if !isNotFound(err) {
			return out, err
		}
	}
	var zones []string
	if e.Type == endpointInterface {
		out.SubnetIds = append(out.SubnetIds, e.Subnets...)
		out.NetworkInterfaceIds = append(out.NetworkInterfaceIds, e.ENIs...)
		out.DnsOptions = &ec2api.DnsOptions{DnsRecordIpType: ptr("ipv4")}
		for _, id := range e.Subnets {
			if sn, err := subnets.get(tx, sc, id); err == nil {
				zones = append(zones, sn.Zone)
			}
		}
		for _, g := range e.Groups {
			name := ""
			if sg, err := securityGroups.get(tx, sc, g); err == nil {
				name = sg.Name
			}
			out.Groups = append(out.Groups, ec2api.SecurityGroupIdentifier{GroupId: ptr(g), GroupName: ptr(name)})
		}
	}
	out.DnsEntries = e.dnsEntries(sc.region, zones)
	return out, nil
}

var endpointFilters = sync.OnceValue(func() filterDefs[*endpointRec] {
	return filterDefs[*endpointRec]{
		"service-name": func(e *endpointRec) []string { return one(e.Service) },
		"service-region": func(e *endpointRec) []string {
			return one(e.Service[len("com.amazonaws."):strings.LastIndex(e.Service, ".")])
		},
		"vpc-id":             func(e *endpointRec) []string { return one(e.VpcID) },
		"vpc-endpoint-id":    func(e *endpointRec) []string { return one(e.ID) },
		"vpc-endpoint-type":  func(e *endpointRec) []string { return one(e.Type) },
		"vpc-endpoint-state": func(e *endpointRec) []string { return one(e.State) },
		"ip-address-type":    func(e *endpointRec) []string { return one("ipv4") },
	}
})

// endpointDependents refuses DeleteVpc while endpoints remain in the VPC.
func endpointDependents(tx store.Tx, sc scope, vpcID string) error {
	if n, err := endpoints.countBy(tx, sc, "vpc-id", vpcID); err != nil || n > 0 {
		return orErr(err, dependencyViolation("vpc", vpcID))
	}
	return nil
}

func checkPolicy(doc string) error {
	if !json.Valid([]byte(doc)) {
		return errf(http.StatusBadRequest, "MalformedPolicyDocument", "The policy document is not valid JSON.")
	}
	return nil
}

// addGatewayRoute adds the endpoint's prefix-list route to a table of its
// VPC.
func addGatewayRoute(tx store.Tx, sc scope, e *endpointRec, id string) error {
	rt, err := getByKind(tx, sc, routeTables, kindRouteTable, id)
	if err != nil {
		return err
	}
	if rt.VpcID != e.VpcID {
		return invalidParam("route table %s and vpc endpoint %s belong to different networks", rt.ID, e.ID)
	}
	r := route{PrefixList: e.PrefixList, GatewayID: e.ID, State: routeActive, Origin: originRoute}
	if hasRoute(rt.Routes, r) {
		return errf(http.StatusBadRequest, "RouteAlreadyExists", "The route identified by %s already exists.", r.key())
	}
	rt.Routes = append(rt.Routes, r)
	return routeTables.put(tx, sc, rt)
}

// dropGatewayRoute removes the endpoint's route from a table, if both
// still exist.
func dropGatewayRoute(tx store.Tx, sc scope, e *endpointRec, id string) error {
	rt, err := routeTables.get(tx, sc, id)
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	rt.Routes = slices.DeleteFunc(rt.Routes, func(r route) bool { return r.GatewayID == e.ID })
	return routeTables.put(tx, sc, rt)
}

// addEndpointENI gives an interface endpoint its interface in one more
// subnet; a second subnet in a zone is refused.
func (s *Service) addEndpointENI(tx store.Tx, sc scope, e *endpointRec, subnetID, eniID, mac string) error {
	sn, err := getSubnet(tx, sc, subnetID)
	if err != nil {
		return err
	}
	if sn.VpcID != e.VpcID {
		return invalidParam("The subnet ID '%s' does not belong to the VPC '%s'.", sn.ID, e.VpcID)
	}
	for _, other := range e.Subnets {
		o, err := subnets.get(tx, sc, other)
		if err == nil && o.Zone == sn.Zone {
			return errf(http.StatusBadRequest, "DuplicateSubnetsInSameZone",
				"Found another VPC endpoint subnet in the availability zone of %s. VPC endpoint subnets should be in different availability zones supported by the VPC endpoint service.", sn.ID)
		}
	}
	r, err := s.newENI(tx, sc, sn, eniID, mac, eniSpec{groups: e.Groups, description: "VPC Endpoint Interface " + e.ID,
		typ: "vpc_endpoint", managed: true, requesterID: endpointRequester, endpoint: e.ID})
	if err != nil {
		return err
	}
	e.Subnets = append(e.Subnets, sn.ID)
	e.ENIs = append(e.ENIs, r.ID)
	return nil
}

// dropEndpointENI removes the endpoint's interface in a subnet.
func dropEndpointENI(tx store.Tx, sc scope, e *endpointRec, subnetID string) error {
	i := slices.Index(e.Subnets, subnetID)
	if i < 0 {
		return invalidParam("The subnet ID '%s' is not part of the VPC endpoint '%s'.", subnetID, e.ID)
	}
	r, err := enis.get(tx, sc, e.ENIs[i])
	switch {
	case err == nil:
		if err := deleteENI(tx, sc, r); err != nil {
			return err
		}
	case !isNotFound(err):
		return err
	}
	e.Subnets = slices.Delete(e.Subnets, i, i+1)
	e.ENIs = slices.Delete(e.ENIs, i, i+1)
	return nil
}

// checkPrivateDNS applies AWS's rule that private DNS needs both DNS
// attributes of the VPC.
func checkPrivateDNS(v *vpcRec) error {
	if !v.DNSSupport || !v.DNSHostname {
		return errf(http.StatusBadRequest, "InvalidParameter", "Enabling private DNS requires both enableDnsSupport and enableDnsHostnames VPC attributes set to true for %s", v.ID)
	}
	return nil
}

// CreateVpcEndpoint creates a gateway or interface endpoint.
func (s *Service) CreateVpcEndpoint(ctx context.Context, in *ec2api.CreateVpcEndpointInput) (*ec2api.CreateVpcEndpointOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	switch {
	case in.VpcId == nil:
		return nil, missingParam("vpcId")
	case in.ServiceName == nil:
		return nil, missingParam("serviceName")
	case in.ServiceNetworkArn != nil || in.ResourceConfigurationArn != nil || len(in.SubnetConfigurations) > 0:
		return nil, invalidParam("Service network and resource endpoints are not available in this account.")
	}
	typ := deref(in.VpcEndpointType)
	switch typ {
	case "":
		typ = endpointGateway
	case endpointGateway, endpointInterface:
	case "GatewayLoadBalancer", "Resource", "ServiceNetwork":
		return nil, invalidParam("Endpoints of type %s are not available in this account.", typ)
	default:
		return nil, invalidParam("Value (%s) for parameter vpcEndpointType is invalid.", typ)
	}
	if t := deref(in.IpAddressType); t != "" && t != "ipv4" {
		return nil, invalidParam("IPv6 endpoints are not available in this account.")
	}
	policy := fullAccessPolicy
	if in.PolicyDocument != nil {
		if err := checkPolicy(*in.PolicyDocument); err != nil {
			return nil, err
		}
		policy = *in.PolicyDocument
	}
	if typ == endpointGateway {
		switch {
		case len(in.SubnetIds) > 0:
			return nil, invalidCombination("The parameter subnetIds cannot be used with a Gateway endpoint.")
		case len(in.SecurityGroupIds) > 0:
			return nil, invalidCombination("The parameter securityGroupIds cannot be used with a Gateway endpoint.")
		case isTrue(in.PrivateDnsEnabled):
			return nil, invalidCombination("The parameter privateDnsEnabled cannot be used with a Gateway endpoint.")
		}
	} else if len(in.RouteTableIds) > 0 {
		return nil, invalidCombination("The parameter routeTableIds cannot be used with an Interface endpoint.")
	}
	tags, err := s.specTags(in.TagSpecifications, kindEndpoint.resourceType)
	if err != nil {
		return nil, err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	svc, gateway, ok := endpointService(sc.region, *in.ServiceName)
	if !ok {
		return nil, serviceNotFound(*in.ServiceName)
	}
	if typ == endpointGateway && !gateway {
		return nil, invalidParam("The Vpc Endpoint Service '%s' does not support endpoint type %s.", *in.ServiceName, typ)
	}
	e := &endpointRec{meta: meta{ID: s.ids.Resource("vpce"), Tags: tags}, Owner: sc.account, VpcID: *in.VpcId, Type: typ,
		Service: *in.ServiceName, State: endpointAvailable, Policy: policy, Created: s.clock.Now()}
	// Ids are drawn outside the transaction, which may run again.
	eniIDs := make([]string, len(in.SubnetIds))
	macs := make([]string, len(in.SubnetIds))
	for i := range in.SubnetIds {
		eniIDs[i], macs[i] = s.ids.Resource("eni"), s.macAddress()
	}
	if typ == endpointInterface {
		e.DNSSuffix = s.ids.Hex(8)
	}
	var out ec2api.VpcEndpoint
	err = s.st.Update(ctx, func(tx store.Tx) error {
		e.RouteTables, e.Subnets, e.ENIs, e.Groups = nil, nil, nil, nil
		v, err := getVPC(tx, sc, e.VpcID)
		if err != nil {
			return err
		}
		if typ == endpointGateway {
			pl, _ := awsPrefixListFor(sc.region, svc)
			e.PrefixList = pl.id
			for _, id := range slices.Compact(slices.Sorted(slices.Values(in.RouteTableIds))) {
				if err := addGatewayRoute(tx, sc, e, id); err != nil {
					return err
				}
				e.RouteTables = append(e.RouteTables, id)
			}
		} else {
			e.PrivateDNS = v.DNSSupport && v.DNSHostname
			if in.PrivateDnsEnabled != nil {
				e.PrivateDNS = *in.PrivateDnsEnabled
			}
			if e.PrivateDNS {
				if err := checkPrivateDNS(v); err != nil {
					return err
				}
			}
			e.Groups = []string{v.DefaultSG}
			if len(in.SecurityGroupIds) > 0 {
				if e.Groups, err = checkGroups(tx, sc, v.ID, in.SecurityGroupIds); err != nil {
					return err
				}
			}
			for i, id := range in.SubnetIds {
				if err := s.addEndpointENI(tx, sc, e, id, eniIDs[i], macs[i]); err != nil {
					return err
				}
			}
		}
		if err := endpoints.put(tx, sc, e); err != nil {
			return err
		}
		out, err = s.endpointAPI(tx, sc, e)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.CreateVpcEndpointOutput{VpcEndpoint: &out, ClientToken: in.ClientToken}, nil
}

// DescribeVpcEndpoints lists endpoints by id and filters.
func (s *Service) DescribeVpcEndpoints(ctx context.Context, in *ec2api.DescribeVpcEndpointsInput) (*ec2api.DescribeVpcEndpointsOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	if err := checkIDs(kindEndpoint, in.VpcEndpointIds); err != nil {
		return nil, err
	}
	fs, err := endpointFilters().compile(in.Filters)
	if err != nil {
		return nil, err
	}
	pg, err := parsePage(in.MaxResults, in.NextToken, len(in.VpcEndpointIds) > 0, "vpcEndpointIds", pageLimits{1, 1000})
	if err != nil {
		return nil, err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	out := &ec2api.DescribeVpcEndpointsOutput{VpcEndpoints: []ec2api.VpcEndpoint{}}
	err = s.st.View(ctx, func(tx store.Tx) error {
		items, next, err := describe(tx, sc, endpoints, kindEndpoint, query[*endpointRec]{ids: in.VpcEndpointIds, filters: fs, page: pg})
		if err != nil {
			return err
		}
		for _, e := range items {
			x, err := s.endpointAPI(tx, sc, e)
			if err != nil {
				return err
			}
			out.VpcEndpoints = append(out.VpcEndpoints, x)
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

// ModifyVpcEndpoint adds or removes route tables (gateway), subnets and
// security groups (interface), and changes the policy or private DNS.
func (s *Service) ModifyVpcEndpoint(ctx context.Context, in *ec2api.ModifyVpcEndpointInput) (*ec2api.ModifyVpcEndpointOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	if in.PolicyDocument != nil {
		if isTrue(in.ResetPolicy) {
			return nil, invalidCombination("The parameter policyDocument cannot be used with the parameter resetPolicy")
		}
		if err := checkPolicy(*in.PolicyDocument); err != nil {
			return nil, err
		}
	}
	if in.IpAddressType != nil || in.DnsOptions != nil || len(in.SubnetConfigurations) > 0 {
		return nil, invalidParam("IPv6 and DNS record options of endpoints are not available in this account.")
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	eniIDs := make([]string, len(in.AddSubnetIds))
	macs := make([]string, len(in.AddSubnetIds))
	for i := range in.AddSubnetIds {
		eniIDs[i], macs[i] = s.ids.Resource("eni"), s.macAddress()
	}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		e, err := getByKind(tx, sc, endpoints, kindEndpoint, deref(in.VpcEndpointId))
		if err != nil {
			return err
		}
		gw := e.Type == endpointGateway
		switch {
		case !gw && (len(in.AddRouteTableIds) > 0 || len(in.RemoveRouteTableIds) > 0):
			return invalidParam("Route tables can only be modified for Gateway endpoints.")
		case gw && (len(in.AddSubnetIds) > 0 || len(in.RemoveSubnetIds) > 0 || len(in.AddSecurityGroupIds) > 0 || len(in.RemoveSecurityGroupIds) > 0 || in.PrivateDnsEnabled != nil):
			return invalidParam("Subnets, security groups and private DNS can only be modified for Interface endpoints.")
		}
		for _, id := range in.RemoveRouteTableIds {
			i := slices.Index(e.RouteTables, id)
			if i < 0 {
				return invalidParam("The route table %s is not associated with the VPC endpoint %s.", id, e.ID)
			}
			if err := dropGatewayRoute(tx, sc, e, id); err != nil {
				return err
			}
			e.RouteTables = slices.Delete(e.RouteTables, i, i+1)
		}
		for _, id := range in.AddRouteTableIds {
			if slices.Contains(e.RouteTables, id) {
				continue
			}
			if err := addGatewayRoute(tx, sc, e, id); err != nil {
				return err
			}
			e.RouteTables = append(e.RouteTables, id)
		}
		if len(in.AddSecurityGroupIds) > 0 || len(in.RemoveSecurityGroupIds) > 0 {
			groups := slices.Clone(e.Groups)
			for _, g := range in.RemoveSecurityGroupIds {
				groups = slices.DeleteFunc(groups, func(x string) bool { return x == g })
			}
			groups = append(groups, in.AddSecurityGroupIds...)
			if len(groups) == 0 {
				return invalidParam("A VPC endpoint must have at least one security group.")
			}
			if e.Groups, err = checkGroups(tx, sc, e.VpcID, groups); err != nil {
				return err
			}
			for _, id := range e.ENIs {
				r, err := enis.get(tx, sc, id)
				if isNotFound(err) {
					continue
				}
				if err != nil {
					return err
				}
				r.Groups = e.Groups
				if err := saveENI(tx, sc, r); err != nil {
					return err
				}
			}
		}
		for _, id := range in.RemoveSubnetIds {
			if err := dropEndpointENI(tx, sc, e, id); err != nil {
				return err
			}
		}
		for i, id := range in.AddSubnetIds {
			if slices.Contains(e.Subnets, id) {
				continue
			}
			if err := s.addEndpointENI(tx, sc, e, id, eniIDs[i], macs[i]); err != nil {
				return err
			}
		}
		if in.PrivateDnsEnabled != nil {
			if *in.PrivateDnsEnabled {
				v, err := getVPC(tx, sc, e.VpcID)
				if err != nil {
					return err
				}
				if err := checkPrivateDNS(v); err != nil {
					return err
				}
			}
			e.PrivateDNS = *in.PrivateDnsEnabled
		}
		switch {
		case isTrue(in.ResetPolicy):
			e.Policy = fullAccessPolicy
		case in.PolicyDocument != nil:
			e.Policy = *in.PolicyDocument
		}
		return endpoints.put(tx, sc, e)
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.ModifyVpcEndpointOutput{Return: ptr(true)}, nil
}

// DeleteVpcEndpoints deletes endpoints: their routes go, and their
// interfaces with the addresses they held. Ids that name nothing are
// reported as unsuccessful rather than failing the call.
func (s *Service) DeleteVpcEndpoints(ctx context.Context, in *ec2api.DeleteVpcEndpointsInput) (*ec2api.DeleteVpcEndpointsOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	if len(in.VpcEndpointIds) == 0 {
		return nil, missingParam("vpcEndpointId")
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	out := &ec2api.DeleteVpcEndpointsOutput{Unsuccessful: []ec2api.UnsuccessfulItem{}}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		out.Unsuccessful = out.Unsuccessful[:0]
		for _, id := range in.VpcEndpointIds {
			e, err := getByKind(tx, sc, endpoints, kindEndpoint, id)
			if err != nil {
				var ae *awserr.Error
				if !errors.As(err, &ae) {
					return err
				}
				out.Unsuccessful = append(out.Unsuccessful, ec2api.UnsuccessfulItem{ResourceId: ptr(id),
					Error: &ec2api.UnsuccessfulItemError{Code: ptr(ae.Code), Message: ptr(ae.Message)}})
				continue
			}
			if err := s.deleteEndpoint(tx, sc, e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Service) deleteEndpoint(tx store.Tx, sc scope, e *endpointRec) error {
	for _, id := range e.RouteTables {
		if err := dropGatewayRoute(tx, sc, e, id); err != nil {
			return err
		}
	}
	for len(e.Subnets) > 0 {
		if err := dropEndpointENI(tx, sc, e, e.Subnets[0]); err != nil {
			return err
		}
	}
	return endpoints.delete(tx, sc, e)
}

// endpointServiceRow is one (service, type) pair DescribeVpcEndpointServices
// lists; S3 and DynamoDB appear once per type, as in AWS.
type endpointServiceRow struct {
	meta
	name, typ string
}

var endpointServiceFilters = sync.OnceValue(func() filterDefs[*endpointServiceRow] {
	return filterDefs[*endpointServiceRow]{
		"service-name": func(r *endpointServiceRow) []string { return one(r.name) },
		"service-type": func(r *endpointServiceRow) []string { return one(r.typ) },
		"service-region": func(r *endpointServiceRow) []string {
			return one(r.name[len("com.amazonaws."):strings.LastIndex(r.name, ".")])
		},
		"owner":                      func(r *endpointServiceRow) []string { return one("amazon") },
		"supported-ip-address-types": func(r *endpointServiceRow) []string { return one("ipv4") },
	}
})

// DescribeVpcEndpointServices lists the endpoint services of the Region.
func (s *Service) DescribeVpcEndpointServices(ctx context.Context, in *ec2api.DescribeVpcEndpointServicesInput) (*ec2api.DescribeVpcEndpointServicesOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	fs, err := endpointServiceFilters().compile(in.Filters)
	if err != nil {
		return nil, err
	}
	pg, err := parsePage(in.MaxResults, in.NextToken, false, "", pageLimits{5, 1000})
	if err != nil {
		return nil, err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	for _, r := range in.ServiceRegions {
		if r != sc.region {
			return nil, invalidParam("Cross-Region endpoint services are not available in this account.")
		}
	}
	for _, name := range in.ServiceNames {
		if _, _, ok := endpointService(sc.region, name); !ok {
			return nil, serviceNotFound(name)
		}
	}
	var rows []*endpointServiceRow
	for _, svc := range endpointServices {
		name := "com.amazonaws." + sc.region + "." + svc
		if len(in.ServiceNames) > 0 && !slices.Contains(in.ServiceNames, name) {
			continue
		}
		if slices.Contains(gatewayServices, svc) {
			rows = append(rows, &endpointServiceRow{meta: meta{ID: name + "\x00" + endpointGateway}, name: name, typ: endpointGateway})
		}
		rows = append(rows, &endpointServiceRow{meta: meta{ID: name + "\x00" + endpointInterface}, name: name, typ: endpointInterface})
	}
	c := &collector[*endpointServiceRow]{pg: pg}
	for _, r := range rows {
		if matchAll(r, fs) && !c.add(r) {
			break
		}
	}
	items, next := c.result()
	reg, _ := regions.Lookup(sc.region)
	var zones, zoneIDs []string
	for _, z := range reg.Zones {
		zones, zoneIDs = append(zones, z.Name), append(zoneIDs, z.ID)
	}
	out := &ec2api.DescribeVpcEndpointServicesOutput{ServiceNames: []string{}, ServiceDetails: []ec2api.ServiceDetail{}}
	for _, r := range items {
		svc := r.name[strings.LastIndex(r.name, ".")+1:]
		h := sha256.Sum256([]byte(r.ID))
		d := ec2api.ServiceDetail{
			ServiceName: ptr(r.name), ServiceId: ptr("vpce-svc-" + hex.EncodeToString(h[:])[:17]),
			ServiceType:   []ec2api.ServiceTypeDetail{{ServiceType: ptr(r.typ)}},
			ServiceRegion: ptr(sc.region), AvailabilityZones: zones, AvailabilityZoneIds: zoneIDs, Owner: ptr("amazon"),
			BaseEndpointDnsNames:       []string{svc + "." + sc.region + ".vpce.amazonaws.com"},
			VpcEndpointPolicySupported: ptr(true), AcceptanceRequired: ptr(false), ManagesVpcEndpoints: ptr(false),
			SupportedIpAddressTypes: []string{"ipv4"}, Tags: []ec2api.Tag{},
		}
		if r.typ == endpointInterface {
			d.PrivateDnsName = ptr(svc + "." + sc.region + ".amazonaws.com")
			d.PrivateDnsNames = []ec2api.PrivateDnsDetails{{PrivateDnsName: d.PrivateDnsName}}
			d.PrivateDnsNameVerificationState = ptr("verified")
		}
		out.ServiceDetails = append(out.ServiceDetails, d)
		if !slices.Contains(out.ServiceNames, r.name) {
			out.ServiceNames = append(out.ServiceNames, r.name)
		}
	}
	if next != "" {
		out.NextToken = &next
	}
	return out, nil
}
