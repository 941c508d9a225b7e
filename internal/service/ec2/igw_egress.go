package ec2

import (
	"context"
	"sync"

	"hakoniwa/internal/store"

	ec2api "hakoniwa/internal/api/ec2"
)

// Egress-only internet gateways: IPv6 outbound only, created attached to
// their VPC and deleted with no detach step.

func (g *egressOnlyIGWRec) api() ec2api.EgressOnlyInternetGateway {
	return ec2api.EgressOnlyInternetGateway{
		EgressOnlyInternetGatewayId: ptr(g.ID),
		Attachments:                 []ec2api.InternetGatewayAttachment{{State: ptr("attached"), VpcId: ptr(g.VpcID)}},
		Tags:                        apiTags(g.Tags),
	}
}

var eigwFilters = sync.OnceValue(func() filterDefs[*egressOnlyIGWRec] {
	return filterDefs[*egressOnlyIGWRec]{
		"egress-only-internet-gateway-id": func(g *egressOnlyIGWRec) []string { return one(g.ID) },
		"attachment.state":                func(g *egressOnlyIGWRec) []string { return one("attached") },
		"attachment.vpc-id":               func(g *egressOnlyIGWRec) []string { return one(g.VpcID) },
	}
})

// CreateEgressOnlyInternetGateway creates an egress-only gateway in a VPC.
func (s *Service) CreateEgressOnlyInternetGateway(ctx context.Context, in *ec2api.CreateEgressOnlyInternetGatewayInput) (*ec2api.CreateEgressOnlyInternetGatewayOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	tags, err := s.specTags(in.TagSpecifications, kindEIGW.resourceType)
	if err != nil {
		return nil, err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	g := &egressOnlyIGWRec{meta: meta{ID: s.ids.Resource("eigw"), Tags: tags}, Owner: sc.account, VpcID: deref(in.VpcId)}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		if _, err := getVPC(tx, sc, g.VpcID); err != nil {
			return err
		}
		return egressOnlyIGWs.put(tx, sc, g)
	})
	if err != nil {
		return nil, err
	}
	out := g.api()
	return &ec2api.CreateEgressOnlyInternetGatewayOutput{EgressOnlyInternetGateway: &out, ClientToken: in.ClientToken}, nil
}

// DescribeEgressOnlyInternetGateways lists egress-only gateways.
func (s *Service) DescribeEgressOnlyInternetGateways(ctx context.Context, in *ec2api.DescribeEgressOnlyInternetGatewaysInput) (*ec2api.DescribeEgressOnlyInternetGatewaysOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	if err := checkIDs(kindEIGW, in.EgressOnlyInternetGatewayIds); err != nil {
		return nil, err
	}
	fs, err := eigwFilters().compile(in.Filters)
	if err != nil {
		return nil, err
	}
	pg, err := parsePage(in.MaxResults, in.NextToken, false, "", pageLimits{5, 255})
	if err != nil {
		return nil, err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	var items []*egressOnlyIGWRec
	var next string
	err = s.st.View(ctx, func(tx store.Tx) error {
		var err error
		items, next, err = describe(tx, sc, egressOnlyIGWs, kindEIGW, query[*egressOnlyIGWRec]{ids: in.EgressOnlyInternetGatewayIds, filters: fs, page: pg})
		return err
	})
	if err != nil {
		return nil, err
	}
	out := &ec2api.DescribeEgressOnlyInternetGatewaysOutput{EgressOnlyInternetGateways: make([]ec2api.EgressOnlyInternetGateway, 0, len(items))}
	for _, g := range items {
		out.EgressOnlyInternetGateways = append(out.EgressOnlyInternetGateways, g.api())
	}
	if next != "" {
		out.NextToken = &next
	}
	return out, nil
}

// DeleteEgressOnlyInternetGateway deletes an egress-only gateway; routes
// to it become blackholes.
func (s *Service) DeleteEgressOnlyInternetGateway(ctx context.Context, in *ec2api.DeleteEgressOnlyInternetGatewayInput) (*ec2api.DeleteEgressOnlyInternetGatewayOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	id := deref(in.EgressOnlyInternetGatewayId)
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		g, err := getByKind(tx, sc, egressOnlyIGWs, kindEIGW, id)
		if err != nil {
			return err
		}
		return egressOnlyIGWs.delete(tx, sc, g)
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.DeleteEgressOnlyInternetGatewayOutput{ReturnCode: ptr(true)}, nil
}
