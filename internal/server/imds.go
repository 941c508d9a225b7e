package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"hakoniwa/internal/imds"
	ec2svc "hakoniwa/internal/service/ec2"
)

// imdsPrefix is where the gateway serves each instance's metadata, until
// instances run as hosts that reach 169.254.169.254 themselves:
// /_hakoniwa/imds/<instance-id>/latest/meta-data/...
const imdsPrefix = "/_hakoniwa/imds/"

// metadataSource gives the metadata service EC2's instances and their
// role credentials. It is not an AWS API call: no signature, no IAM
// decision, no CloudTrail event. What guards it is that only an instance
// that exists has metadata.
type metadataSource struct{ ec2 *ec2svc.Service }

func (m metadataSource) Instance(ctx context.Context, id string) (imds.Instance, bool, error) {
	v, ok, err := m.ec2.InstanceView(ctx, id)
	if err != nil || !ok {
		return imds.Instance{}, false, err
	}
	return imds.Instance{
		ID: v.ID, Account: v.Account, Region: v.Region, AvailabilityZone: v.AvailabilityZone,
		ImageID: v.ImageID, InstanceType: v.InstanceType, Architecture: v.Architecture,
		AmiLaunchIndex: v.AmiLaunchIndex, LaunchTime: v.LaunchTime,
		ReservationID: v.ReservationID, RootDeviceName: v.RootDeviceName,
		PrivateIP: v.PrivateIP, PublicIP: v.PublicIP, MAC: v.MAC,
		SubnetID: v.SubnetID, SubnetCidr: v.SubnetCidr, VpcID: v.VpcID, VpcCidr: v.VpcCidr,
		PrivateDNSName: v.PrivateDNSName, PublicDNSName: v.PublicDNSName,
		SecurityGroupIDs: v.SecurityGroupIDs, SecurityGroups: v.SecurityGroups, InterfaceID: v.InterfaceID,
		KeyName: v.KeyName, PublicKey: v.PublicKey, UserData: v.UserData,
		HTTPTokens: v.HTTPTokens, HTTPEndpoint: v.HTTPEndpoint, InstanceMetadataTags: v.InstanceMetadataTags,
		Tags:               v.Tags,
		InstanceProfileARN: v.InstanceProfileARN, InstanceProfileID: v.InstanceProfileID, RoleName: roleOf(v),
	}, true, nil
}

// roleOf is the role the metadata service serves credentials for: none
// when the profile holds no role.
func roleOf(v ec2svc.InstanceView) string {
	if v.RoleARN == "" {
		return ""
	}
	return v.RoleName
}

func (m metadataSource) Credentials(ctx context.Context, inst imds.Instance) (imds.Credentials, error) {
	// Looked up again rather than rebuilt from inst: the session must be
	// for the profile the instance holds now.
	v, ok, err := m.ec2.InstanceView(ctx, inst.ID)
	if err != nil {
		return imds.Credentials{}, err
	}
	if !ok {
		return imds.Credentials{}, errNoInstance
	}
	c, err := m.ec2.RoleCredentialsFor(ctx, v)
	if err != nil {
		return imds.Credentials{}, err
	}
	return imds.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, Token: c.SessionToken, Expiration: c.Expiration}, nil
}

// imdsByPath serves /_hakoniwa/imds/<instance-id>/... , the form botocore
// (both aws CLIs) and curl reach through AWS_EC2_METADATA_SERVICE_ENDPOINT
// with the path kept.
func (s *Server) imdsByPath(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, imdsPrefix)
	id, path, _ := strings.Cut(rest, "/")
	s.serveIMDS(w, r, id, "/"+path)
}

// withIMDS routes /latest/... to the metadata service when the request
// names an instance as its URL's user (http://i-0abc...@127.0.0.1:4566/):
// aws-sdk-go-v2's imds client replaces the endpoint's path with its own,
// so the instance must travel in what it keeps, and Go sends a URL's user
// as Basic credentials. Anything else under /latest/ (a bucket of that
// name) stays the gateway's.
func (s *Server) withIMDS(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id, ok := imdsUser(r); ok && (r.URL.Path == "/latest" || strings.HasPrefix(r.URL.Path, "/latest/")) {
			s.serveIMDS(w, r, id, r.URL.Path)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func imdsUser(r *http.Request) (string, bool) {
	user, _, ok := r.BasicAuth()
	return user, ok && strings.HasPrefix(user, "i-")
}

func (s *Server) serveIMDS(w http.ResponseWriter, r *http.Request, id, path string) {
	r2 := new(http.Request)
	*r2 = *r
	u := *r.URL
	u.Path, u.RawPath = path, ""
	r2.URL = &u
	s.metadata.ServeHTTP(w, imds.ForInstance(r2, id))
}

var errNoInstance = errors.New("imds: the instance is gone")

// newMetadata is the metadata service over EC2's instances; with EC2
// disabled there are none, and every path is IMDS's 404.
func newMetadata(d *deps, log *slog.Logger) *imds.Handler {
	var src imds.Source = noInstances{}
	if d.ec2 != nil {
		src = metadataSource{d.ec2}
	}
	return imds.New(src, d.clock, d.ids, log)
}

type noInstances struct{}

func (noInstances) Instance(context.Context, string) (imds.Instance, bool, error) {
	return imds.Instance{}, false, nil
}

func (noInstances) Credentials(context.Context, imds.Instance) (imds.Credentials, error) {
	return imds.Credentials{}, errNoInstance
}
