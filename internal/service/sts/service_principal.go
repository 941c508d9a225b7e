package sts

import (
	"context"

	stsapi "hakoniwa/internal/api/sts"
)

// TypeAWSService is a trust policy's "Service" principal: an AWS service
// assuming a role on a resource's behalf (EC2 for an instance profile).
const TypeAWSService = "AWSService"

// AssumeRoleForService issues a role session as an AWS service assumes it
// for one of its resources: the role's trust policy must allow the service
// principal (e.g. ec2.amazonaws.com) sts:AssumeRole, and the session is
// named sessionName, so the caller shows up as
// arn:aws:sts::<account>:assumed-role/<role>/<sessionName>. The session
// lasts the role's default hour; the service asks again before it ends, as
// EC2 rotates instance credentials.
func (s *Service) AssumeRoleForService(ctx context.Context, roleARN, service, sessionName string) (*stsapi.Credentials, error) {
	sess, err := s.assumeFederated(ctx, federation{
		trust: TrustRequest{
			RoleARN: roleARN, Action: "sts:AssumeRole", Type: TypeAWSService,
			Provider: service, UserID: service,
		},
		sessionName: sessionName,
	})
	if err != nil {
		return nil, err
	}
	return sess.rec.credentials(), nil
}
