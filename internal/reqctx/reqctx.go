// Package reqctx carries what the gateway learned about a request (who is
// calling, where, which operation) to handlers, the authorizer and the
// CloudTrail recorder.
package reqctx

import (
	"context"
	"time"
)

// Principal is the authenticated caller.
type Principal struct {
	// Type is CloudTrail's userIdentity.type: Root, IAMUser, AssumedRole,
	// FederatedUser, AWSAccount, AWSService or Anonymous.
	Type        string
	Account     string
	ARN         string
	UserID      string // principalId: account id for root, AIDA… for users, AROA…:session for roles
	UserName    string
	AccessKeyID string
	// SessionToken is set for temporary credentials.
	SessionToken string
}

// IsRoot reports whether the caller is an account's root user.
func (p Principal) IsRoot() bool { return p.Type == "Root" }

// Info describes one API call.
type Info struct {
	RequestID string
	Time      time.Time
	Service   string // hakoniwa service id (sts, ec2, ...)
	// EventSource is CloudTrail's name for the service, e.g.
	// sts.amazonaws.com.
	EventSource string
	Operation   string
	Region      string
	Principal   Principal
	SourceIP    string
	UserAgent   string
	// Protocol is the wire protocol the request arrived in.
	Protocol string
	// SecureTransport is aws:SecureTransport: the request came over TLS.
	SecureTransport bool
	// Resources are the resources the call touched, as CloudTrail lists
	// them; handlers add them with AddResource.
	Resources []Resource
}

// Resource is one entry of a CloudTrail event's resources list.
type Resource struct {
	Type string // e.g. AWS::IAM::User
	Name string
}

// AddResource notes a resource the call touched.
func (i *Info) AddResource(typ, name string) {
	i.Resources = append(i.Resources, Resource{Type: typ, Name: name})
}

type key struct{}

// With returns ctx carrying info.
func With(ctx context.Context, info *Info) context.Context {
	return context.WithValue(ctx, key{}, info)
}

// From returns the request's info, or an empty one outside a request (so
// handlers called from tests never dereference nil).
func From(ctx context.Context) *Info {
	if info, ok := ctx.Value(key{}).(*Info); ok {
		return info
	}
	return &Info{}
}
