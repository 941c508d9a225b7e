package ec2

import (
	"context"
	"errors"
	"net/http"
	"sync"

	"hakoniwa/internal/store"

	ec2api "hakoniwa/internal/api/ec2"
)

func (g *internetGatewayRec) api() ec2api.InternetGateway {
	out := ec2api.InternetGateway{InternetGatewayId: ptr(g.ID), OwnerId: ptr(g.Owner), Tags: apiTags(g.Tags)}
	if g.VpcID != "" {
		// AWS reports an attached internet gateway's attachment as
		// "available" (not "attached", which egress-only gateways use).
		out.Attachments = []ec2api.InternetGatewayAttachment{{State: ptr("available"), VpcId: ptr(g.VpcID)}}
	}
	return out
}

var igwFilters = sync.OnceValue(func() filterDefs[*internetGatewayRec] {
	return filterDefs[*internetGatewayRec]{
		"attachment.state": func(g *internetGatewayRec) []string {
			if g.VpcID == "" {
				return nil
			}
			return one("available")
		},
		"attachment.vpc-id": func(g *internetGatewayRec) []string {
			if g.VpcID == "" {
				return nil
			}
			return one(g.VpcID)
		},
		"internet-gateway-id": func(g *internetGatewayRec) []string { return one(g.ID) },
		"owner-id":            func(g *internetGatewayRec) []string { return one(g.Owner) },
	}
})

// getByKind loads a record of tbl by id, refusing malformed and unknown ids
// with the kind's codes.
func getByKind[T any, P interface {
	*T
	record
}](tx store.Tx, sc scope, tbl *table[T, P], k kindInfo, id string) (P, error) {
	if !wellFormed(id, k.prefix) {
		return nil, k.malformed(id)
	}
	r, err := tbl.get(tx, sc, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, k.notFound(id)
	}
	return r, err
}

// CreateInternetGateway creates a detached internet gateway.
func (s *Service) CreateInternetGateway(ctx context.Context, in *ec2api.CreateInternetGatewayInput) (*ec2api.CreateInternetGatewayOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	tags, err := s.specTags(in.TagSpecifications, kindIGW.resourceType)
	if err != nil {
		return nil, err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	g := &internetGatewayRec{meta: meta{ID: s.ids.Resource("igw"), Tags: tags}, Owner: sc.account}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		n, err := internetGateways.count(tx, sc)
		if err != nil {
			return err
		}
		if n >= s.quotas.InternetGatewaysPerRegion {
			return errf(http.StatusBadRequest, "InternetGatewayLimitExceeded", "The maximum number of internet gateways has been reached.")
		}
		return internetGateways.put(tx, sc, g)
	})
	if err != nil {
		return nil, err
	}
	out := g.api()
	return &ec2api.CreateInternetGatewayOutput{InternetGateway: &out}, nil
}

// DescribeInternetGateways lists internet gateways by id and filters.
func (s *Service) DescribeInternetGateways(ctx context.Context, in *ec2api.DescribeInternetGatewaysInput) (*ec2api.DescribeInternetGatewaysOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	if err := checkIDs(kindIGW, in.InternetGatewayIds); err != nil {
		return nil, err
	}
	fs, err := igwFilters().compile(in.Filters)
	if err != nil {
		return nil, err
	}
	pg, err := parsePage(in.MaxResults, in.NextToken, len(in.InternetGatewayIds) > 0, "internetGatewayIds", describeLimits)
	if err != nil {
		return nil, err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	var items []*internetGatewayRec
	var next string
	err = s.st.View(ctx, func(tx store.Tx) error {
		var err error
		items, next, err = describe(tx, sc, internetGateways, kindIGW, query[*internetGatewayRec]{ids: in.InternetGatewayIds, filters: fs, page: pg})
		return err
	})
	if err != nil {
		return nil, err
	}
	out := &ec2api.DescribeInternetGatewaysOutput{InternetGateways: make([]ec2api.InternetGateway, 0, len(items))}
	for _, g := range items {
		out.InternetGateways = append(out.InternetGateways, g.api())
	}
	if next != "" {
		out.NextToken = &next
	}
	return out, nil
}

// AttachInternetGateway attaches a gateway to a VPC: one gateway per VPC,
// one VPC per gateway.
func (s *Service) AttachInternetGateway(ctx context.Context, in *ec2api.AttachInternetGatewayInput) (*ec2api.AttachInternetGatewayOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	igwID, vpcID := deref(in.InternetGatewayId), deref(in.VpcId)
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		g, err := getByKind(tx, sc, internetGateways, kindIGW, igwID)
		if err != nil {
			return err
		}
		if _, err := getVPC(tx, sc, vpcID); err != nil {
			return err
		}
		if g.VpcID != "" {
			return errf(http.StatusBadRequest, "Resource.AlreadyAssociated", "resource %s is already attached to network %s", g.ID, g.VpcID)
		}
		if n, err := internetGateways.countBy(tx, sc, "attachment.vpc-id", vpcID); err != nil {
			return err
		} else if n > 0 {
			return invalidParam("Network %s already has an internet gateway attached", vpcID)
		}
		g.VpcID = vpcID
		return internetGateways.put(tx, sc, g)
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.AttachInternetGatewayOutput{}, nil
}

// DetachInternetGateway detaches a gateway from its VPC, refused while
// Elastic IPs (public NAT gateways' included) are mapped in the VPC.
// Routes to the gateway stay and become blackholes; an edge association
// of the gateway with a route table goes with the attachment.
func (s *Service) DetachInternetGateway(ctx context.Context, in *ec2api.DetachInternetGatewayInput) (*ec2api.DetachInternetGatewayOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	igwID, vpcID := deref(in.InternetGatewayId), deref(in.VpcId)
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		g, err := getByKind(tx, sc, internetGateways, kindIGW, igwID)
		if err != nil {
			return err
		}
		if _, err := getVPC(tx, sc, vpcID); err != nil {
			return err
		}
		if g.VpcID != vpcID {
			return errf(http.StatusBadRequest, "Gateway.NotAttached", "resource %s is not attached to network %s", g.ID, vpcID)
		}
		if n, err := addresses.countBy(tx, sc, "vpc-id", vpcID); err != nil {
			return err
		} else if n > 0 {
			return errf(http.StatusBadRequest, "DependencyViolation", "Network %s has some mapped public address(es). Please unmap those public address(es) before detaching the gateway.", vpcID)
		}
		if err := dropGatewayAssociations(tx, sc, g.ID); err != nil {
			return err
		}
		g.VpcID = ""
		return internetGateways.put(tx, sc, g)
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.DetachInternetGatewayOutput{}, nil
}

// DeleteInternetGateway deletes a detached gateway.
func (s *Service) DeleteInternetGateway(ctx context.Context, in *ec2api.DeleteInternetGatewayInput) (*ec2api.DeleteInternetGatewayOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	id := deref(in.InternetGatewayId)
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		g, err := getByKind(tx, sc, internetGateways, kindIGW, id)
		if err != nil {
			return err
		}
		if g.VpcID != "" {
			return dependencyViolation(kindIGW.noun, g.ID)
		}
		return internetGateways.delete(tx, sc, g)
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.DeleteInternetGatewayOutput{}, nil
}
