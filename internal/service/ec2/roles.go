package ec2

import (
	"context"
	"time"
)

// InstanceRoles is what EC2 needs from IAM and STS so an instance can act
// as its instance profile's role: IamInstanceProfile must name a profile
// that exists, and the metadata service hands out real credentials the
// gateway accepts. EC2 owns this interface; the server wires IAM and STS
// behind it. A nil InstanceRoles means IAM is off: profiles are refused.
type InstanceRoles interface {
	// InstanceProfile resolves a profile by name or ARN in account. It
	// answers an *awserr.Error with EC2's code (InvalidParameterValue,
	// "Value (...) for parameter iamInstanceProfile.name is invalid.
	// Invalid IAM Instance Profile name") when there is none.
	InstanceProfile(ctx context.Context, account, nameOrARN string) (InstanceProfile, error)
	// InstanceCredentials issues temporary credentials for roleARN as the
	// EC2 service principal assumes it for instanceID: the trust policy
	// must allow ec2.amazonaws.com, the session is named after the
	// instance and GetCallerIdentity with them shows
	// arn:aws:sts::<account>:assumed-role/<role>/<instance-id>.
	InstanceCredentials(ctx context.Context, account, roleARN, instanceID string) (RoleCredentials, error)
	// PassRole decides whether the caller of ctx may pass roleARN to EC2
	// (iam:PassRole, iam:PassedToService ec2.amazonaws.com), as giving an
	// instance a profile does: nil, or EC2's UnauthorizedOperation.
	PassRole(ctx context.Context, roleARN string) error
}

// InstanceProfile is an IAM instance profile as EC2 reports it.
type InstanceProfile struct {
	ARN, ID string
	// RoleARN is empty when the profile holds no role: the instance
	// runs, and its metadata has no credentials.
	RoleARN, RoleName string
}

// RoleCredentials are temporary credentials for the metadata service.
type RoleCredentials struct {
	AccessKeyID, SecretAccessKey, SessionToken string
	Expiration                                 time.Time
}

// SetInstanceRoles wires IAM and STS in; the server calls it once at
// start-up, before serving.
func (s *Service) SetInstanceRoles(r InstanceRoles) { s.roles = r }
