package server

import (
	"context"
	"net/http"
	"strings"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/iam/actions"
	"hakoniwa/internal/reqctx"

	ec2api "hakoniwa/internal/api/ec2"
	ec2svc "hakoniwa/internal/service/ec2"
)

// ec2Roles gives EC2 instance profiles from IAM and their roles'
// credentials from STS. Like stsIAM it looks the services up per call:
// they are built one by one, and either may be disabled.
type ec2Roles struct{ d *deps }

func (r ec2Roles) InstanceProfile(ctx context.Context, account, nameOrARN string) (ec2svc.InstanceProfile, error) {
	// RunInstances names the member it could not resolve.
	member, what := "iamInstanceProfile.name", "name"
	if strings.HasPrefix(nameOrARN, "arn:") {
		member, what = "iamInstanceProfile.arn", "ARN"
	}
	invalid := awserr.New(http.StatusBadRequest, "InvalidParameterValue",
		"Value (%s) for parameter %s is invalid. Invalid IAM Instance Profile %s", nameOrARN, member, what)
	if r.d.iam == nil {
		return ec2svc.InstanceProfile{}, invalid
	}
	p, err := r.d.iam.ProfileForInstance(ctx, account, nameOrARN)
	if err != nil {
		if c := awserr.As(err).Code; c == "NoSuchEntity" || c == "InvalidInput" {
			return ec2svc.InstanceProfile{}, invalid
		}
		return ec2svc.InstanceProfile{}, err
	}
	return ec2svc.InstanceProfile{ARN: p.ARN, ID: p.ID, RoleARN: p.RoleARN, RoleName: p.RoleName}, nil
}

func (r ec2Roles) InstanceCredentials(ctx context.Context, account, roleARN, instanceID string) (ec2svc.RoleCredentials, error) {
	if r.d.sts == nil {
		return ec2svc.RoleCredentials{}, awserr.New(http.StatusForbidden, "AccessDenied", "STS is not enabled on this server.")
	}
	// The metadata service asks outside any API call: the trust decision
	// gets a call of its own, made by EC2 in the role's account.
	info := &reqctx.Info{
		RequestID: r.d.ids.UUID(), Time: r.d.clock.Now(), Service: "sts", EventSource: "sts.amazonaws.com",
		Operation: "AssumeRole", SourceIP: "ec2.amazonaws.com", UserAgent: "ec2.amazonaws.com",
	}
	c, err := r.d.sts.AssumeRoleForService(reqctx.With(ctx, info), roleARN, "ec2.amazonaws.com", instanceID)
	if err != nil {
		return ec2svc.RoleCredentials{}, err
	}
	return ec2svc.RoleCredentials{
		AccessKeyID: *c.AccessKeyId, SecretAccessKey: *c.SecretAccessKey, SessionToken: *c.SessionToken, Expiration: *c.Expiration,
	}, nil
}

// PassRole asks the authorizer, for the caller of the EC2 call in ctx,
// what the request alone could not name: the role behind the instance
// profile it gives.
func (r ec2Roles) PassRole(ctx context.Context, roleARN string) error {
	if r.d.authz == nil {
		return nil
	}
	return r.d.authz.AuthorizeAlso(ctx, ec2api.Model(), []actions.Check{{
		Action: "iam:PassRole", ResourceType: "role", Resources: []string{roleARN},
		Context: map[string][]string{"iam:PassedToService": {"ec2.amazonaws.com"}},
	}})
}
