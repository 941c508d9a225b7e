package authz

import (
	"context"

	"hakoniwa/internal/iam/actions"
	"hakoniwa/internal/model"
	"hakoniwa/internal/reqctx"
)

// AuthorizeAlso decides checks a service finds only while it handles the
// call of ctx, beyond those the request itself resolves to: EC2 learns
// which role an instance profile holds, and so what iam:PassRole must
// allow, only from IAM. The refusal is in svc's terms, as Authorize's.
// Session restrictions were applied when the call itself was authorized.
func (a *Authorizer) AuthorizeAlso(ctx context.Context, svc *model.Service, checks []actions.Check) error {
	if a.mode == Off || len(checks) == 0 {
		return nil
	}
	info := reqctx.From(ctx)
	sess, err := a.session(ctx, info.Principal.AccessKeyID, info.Principal.SessionToken)
	if err != nil {
		return err
	}
	return a.decide(ctx, svc, info, sess, false, checks)
}
