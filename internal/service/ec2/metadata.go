package ec2

import (
	"context"
	"encoding/base64"
	"errors"
	"time"

	"hakoniwa/internal/store"
)

// InstanceView is what the instance metadata service (package imds) serves
// about one instance. EC2 owns it so imds needs no EC2 internals; the
// server adapts one to the other.
type InstanceView struct {
	ID, Account, Region, AvailabilityZone string
	ImageID, InstanceType, State          string
	AmiLaunchIndex                        int
	LaunchTime                            time.Time
	// ReservationID is the launch's r-…; RootDeviceName the device the
	// image boots from (/dev/xvda); Architecture the image's (x86_64,
	// arm64), as the identity document reports it.
	ReservationID, RootDeviceName, Architecture string

	PrivateIP, PublicIP, MAC         string
	SubnetID, VpcID, VpcCidr         string
	SubnetCidr                       string
	PrivateDNSName, PublicDNSName    string
	SecurityGroupIDs, SecurityGroups []string // ids and names, same order
	InterfaceID                      string

	KeyName, PublicKey string // PublicKey in OpenSSH form
	UserData           []byte // decoded; nil when none

	// MetadataOptions as RunInstances / ModifyInstanceMetadataOptions set
	// them: HTTPTokens "optional" or "required", HTTPEndpoint "enabled"
	// or "disabled", InstanceMetadataTags "enabled" or "disabled".
	HTTPTokens, HTTPEndpoint, InstanceMetadataTags string
	HopLimit                                       int
	Tags                                           map[string]string

	// The instance profile; RoleARN empty when there is none or it holds
	// no role.
	InstanceProfileARN, InstanceProfileID, RoleARN, RoleName string
}

// InstanceView finds an instance by id in any account and region, as the
// metadata endpoint addresses it by id alone. ok is false when there is
// no such instance, or it is terminated.
func (s *Service) InstanceView(ctx context.Context, instanceID string) (view InstanceView, ok bool, err error) {
	return s.instanceView(ctx, instanceID)
}

// RoleCredentialsFor issues the credentials the instance's role grants
// through the metadata service; an error when the instance has no role.
func (s *Service) RoleCredentialsFor(ctx context.Context, v InstanceView) (RoleCredentials, error) {
	return s.roleCredentials(ctx, v)
}

// errNoRole answers a credentials request for an instance without a role.
var errNoRole = errors.New("ec2: the instance has no IAM role")

func (s *Service) instanceView(ctx context.Context, id string) (InstanceView, bool, error) {
	var v InstanceView
	if !wellFormed(id, "i") {
		return v, false, nil
	}
	now := s.clock.Now()
	ok := false
	err := s.st.View(ctx, func(tx store.Tx) error {
		loc, err := store.GetJSON[instanceLocation](tx, instanceIndexBucket(), id)
		if isNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		sc := scope{account: loc.Account, region: loc.Region}
		r, err := instances.get(tx, sc, id)
		if isNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		if st := r.state(now); st == instTerminated || st == instShuttingDown {
			return nil
		}
		v, err = s.buildView(tx, sc, r, now)
		ok = err == nil
		return err
	})
	return v, ok, err
}

func (s *Service) buildView(tx store.Tx, sc scope, r *instanceRec, now time.Time) (InstanceView, error) {
	iv := s.newInstView(tx, sc, now)
	v := InstanceView{ID: r.ID, Account: sc.account, Region: sc.region, AvailabilityZone: r.Zone, ImageID: r.ImageID,
		InstanceType: r.Type, State: r.state(now), AmiLaunchIndex: int(r.LaunchIndex), LaunchTime: r.Launched,
		PrivateIP: r.PrivateIP, PublicIP: iv.publicIP(r), MAC: r.MAC, SubnetID: r.SubnetID, VpcID: r.VpcID,
		PrivateDNSName: privateDNSName(sc.region, r.PrivateIP), InterfaceID: r.ENI, KeyName: r.KeyName,
		HTTPTokens: r.Metadata.Tokens, HTTPEndpoint: r.Metadata.Endpoint, InstanceMetadataTags: r.Metadata.Tags,
		HopLimit: int(r.Metadata.HopLimit), Tags: userTags(r.Tags),
		ReservationID: r.Reservation, RootDeviceName: r.RootDeviceName, Architecture: r.Architecture}
	v.PublicDNSName = iv.publicDNS(r, v.PublicIP)
	if sn, err := subnets.get(tx, sc, r.SubnetID); err == nil {
		v.SubnetCidr = sn.Cidr
	} else if !isNotFound(err) {
		return v, err
	}
	for _, g := range iv.groupIDs(r) {
		v.SecurityGroupIDs = append(v.SecurityGroupIDs, g)
		v.SecurityGroups = append(v.SecurityGroups, iv.groupName(g))
	}
	if vpc, err := vpcs.get(tx, sc, r.VpcID); err == nil {
		v.VpcCidr = vpc.primary().String()
	} else if !isNotFound(err) {
		return v, err
	}
	if r.KeyName != "" {
		if k, err := s.findKeyPair(tx, sc, r.KeyName); err == nil {
			v.PublicKey = k.PublicKey
		}
	}
	if r.UserData != "" {
		raw, err := base64.StdEncoding.DecodeString(r.UserData)
		if err != nil {
			return v, err
		}
		v.UserData = raw
	}
	if p := r.Profile; p != nil && p.State == "associated" {
		v.InstanceProfileARN, v.InstanceProfileID, v.RoleARN, v.RoleName = p.ARN, p.ID, p.RoleARN, p.RoleName
	}
	return v, iv.err
}

func (s *Service) roleCredentials(ctx context.Context, v InstanceView) (RoleCredentials, error) {
	if v.RoleARN == "" || s.roles == nil {
		return RoleCredentials{}, errNoRole
	}
	return s.roles.InstanceCredentials(ctx, v.Account, v.RoleARN, v.ID)
}
