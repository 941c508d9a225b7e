package iam

// IAM temporary delegation: a partner files a delegation request for
// permissions in a customer's account; the customer associates it, may
// forward it for approval (Update), accepts or rejects it and finally
// sends the partner an exchange token, which STS's GetDelegatedAccessToken
// trades, once, for credentials acting as the accepting identity limited
// to the requested permissions.
//
// Requests live in one global bucket keyed by id: the partner's account
// creates them and the customer's account owns them. Expiry is computed
// from the stored ExpirationTime on every read, on the server's clock.

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/ids"
	"hakoniwa/internal/reqctx"
	"hakoniwa/internal/store"

	iamapi "hakoniwa/internal/api/iam"
)

var (
	delegationsBucket = store.Bucket{Account: "global", Service: serviceName, Kind: "delegation-request"}
	// delegationTokens maps an exchange token to its request.
	delegationTokens = store.Bucket{Account: "global", Service: serviceName, Kind: "delegation-token"}
	// delegationWorkflows keeps RequestorWorkflowId unique per requestor.
	delegationWorkflows = store.Bucket{Account: "global", Service: serviceName, Kind: "delegation-workflow"}
)

// Delegation request states (the model's stateType).
const (
	stateUnassigned      = "UNASSIGNED"
	stateAssigned        = "ASSIGNED"
	statePendingApproval = "PENDING_APPROVAL"
	stateAccepted        = "ACCEPTED"
	stateFinalized       = "FINALIZED"
	stateRejected        = "REJECTED"
	stateExpired         = "EXPIRED"
)

// delegationLifetime is how long a request waits in a state before it
// expires. AWS documents 7 days for rejected requests; it publishes no
// figure for the open states, which use the same 7 days of inactivity here.
const delegationLifetime = 7 * 24 * time.Hour

// delegation is a stored delegation request.
type delegation struct {
	ID               string          `json:"id"`
	RequestorAccount string          `json:"requestorAccount"`
	RequestorARN     string          `json:"requestorArn"`
	OwnerAccount     string          `json:"ownerAccount,omitempty"`
	OwnerARN         string          `json:"ownerArn,omitempty"`
	Description      string          `json:"description"`
	RequestMessage   string          `json:"requestMessage,omitempty"`
	WorkflowID       string          `json:"workflowId"`
	RedirectURL      string          `json:"redirectUrl,omitempty"`
	Channel          string          `json:"channel"`
	TemplateARN      string          `json:"templateArn"`
	Parameters       []delegationArg `json:"parameters,omitempty"`
	Policy           string          `json:"policy"`
	Boundaries       []string        `json:"boundaries,omitempty"`
	SessionDuration  int64           `json:"sessionDuration"`
	OnlySendByOwner  bool            `json:"onlySendByOwner,omitempty"`
	State            string          `json:"state"`
	Created          time.Time       `json:"created"`
	Updated          time.Time       `json:"updated"`
	Expires          time.Time       `json:"expires"`
	Notes            string          `json:"notes,omitempty"`
	RejectionReason  string          `json:"rejectionReason,omitempty"`
	ApproverARN      string          `json:"approverArn,omitempty"`
	// Accepter is the identity recorded at AcceptDelegationRequest: the
	// one the delegated credentials act as.
	Accepter  *DelegatedIdentity `json:"accepter,omitempty"`
	Token     string             `json:"token,omitempty"`
	TokenUsed bool               `json:"tokenUsed,omitempty"`
	Finalized time.Time          `json:"finalized,omitzero"`
}

// delegationArg is one policy parameter of a request.
type delegationArg struct {
	Name   string   `json:"name"`
	Type   string   `json:"type"`
	Values []string `json:"values"`
}

// DelegatedIdentity is the principal that accepted a delegation request.
// AccessKeyID is the key it signed with, so that STS can tell which role a
// session accepter stood for.
type DelegatedIdentity struct {
	Account     string `json:"account"`
	ARN         string `json:"arn"`
	UserID      string `json:"userId"`
	AccessKeyID string `json:"accessKeyId,omitempty"`
}

// state is the request's state at now: any state expires at its
// ExpirationTime.
func (d *delegation) state(now time.Time) string {
	if d.State != stateExpired && !now.Before(d.Expires) {
		return stateExpired
	}
	return d.State
}

func (d *delegation) arn() string {
	account := d.OwnerAccount
	if account == "" {
		account = d.RequestorAccount
	}
	return "arn:aws:iam::" + account + ":delegation-request/" + d.ID
}

func (d *delegation) output(now time.Time) *iamapi.DelegationRequest {
	out := &iamapi.DelegationRequest{
		DelegationRequestId: ptr(d.ID),
		Description:         ptr(d.Description),
		Permissions:         d.permissions(),
		PermissionPolicy:    ptr(d.Policy),
		State:               ptr(d.state(now)),
		ExpirationTime:      ptr(d.Expires),
		RequestorId:         ptr(d.RequestorAccount),
		CreateDate:          ptr(d.Created),
		SessionDuration:     ptr(d.SessionDuration),
		OnlySendByOwner:     ptr(d.OnlySendByOwner),
		UpdatedTime:         ptr(d.Updated),
	}
	if len(d.Boundaries) > 0 {
		out.RolePermissionRestrictionArns = d.Boundaries
	}
	for v, dst := range map[string]**string{
		d.OwnerAccount: &out.OwnerAccountId, d.OwnerARN: &out.OwnerId, d.RequestMessage: &out.RequestMessage,
		d.ApproverARN: &out.ApproverId, d.RedirectURL: &out.RedirectUrl, d.Notes: &out.Notes, d.RejectionReason: &out.RejectionReason,
	} {
		if v != "" {
			*dst = ptr(v)
		}
	}
	return out
}

func (d *delegation) permissions() *iamapi.DelegationPermission {
	p := &iamapi.DelegationPermission{PolicyTemplateArn: ptr(d.TemplateARN)}
	for _, a := range d.Parameters {
		p.Parameters = append(p.Parameters, iamapi.PolicyParameter{Name: ptr(a.Name), Type: ptr(a.Type), Values: a.Values})
	}
	return p
}

func noSuchDelegation(id string) error {
	return noSuchEntity("Delegation request %s does not exist.", id)
}

func concurrentModification(format string, args ...any) *awserr.Error {
	return awserr.New(http.StatusConflict, "ConcurrentModification", format, args...)
}

// getDelegation reads a request; missing is NoSuchEntity.
func getDelegation(tx store.Tx, id string) (delegation, error) {
	d, err := store.GetJSON[delegation](tx, delegationsBucket, id)
	if errors.Is(err, store.ErrNotFound) {
		return d, noSuchDelegation(id)
	}
	return d, err
}

// visible reports whether p may see d ("GetDelegationRequest"): anyone
// while it has no owner account, then only that account's identities.
func (d *delegation) visible(p reqctx.Principal) bool {
	return d.OwnerAccount == "" || d.OwnerAccount == p.Account
}

// withDelegation runs fn on a request the caller may act on, in one
// transaction, and stores it when fn changed it. A request the caller's
// account may not see does not exist for it.
func (s *Service) withDelegation(ctx context.Context, id string, write bool, fn func(d *delegation, now time.Time) error) error {
	p := caller(ctx)
	if p.Account == "" {
		return errNoAccount
	}
	run := func(tx store.Tx) error {
		d, err := getDelegation(tx, id)
		if err != nil {
			return err
		}
		if !d.visible(p) {
			return noSuchDelegation(id)
		}
		now := s.now()
		if err := fn(&d, now); err != nil {
			return err
		}
		if !write {
			return nil
		}
		d.Updated = now
		return store.PutJSON(tx, delegationsBucket, d.ID, d)
	}
	if !write {
		return s.st.View(ctx, run)
	}
	err := s.st.Update(ctx, run)
	s.writes.Add(1)
	return err
}

// CreateDelegationRequest files a request for temporary access. AWS opens
// it only to onboarded partners; here any principal IAM policy allows
// (iam:CreateDelegationRequest) may call it. The policy template is a
// managed policy of the caller's account (or an AWS managed policy) whose
// document uses @{name} placeholders.
func (s *Service) CreateDelegationRequest(ctx context.Context, in *iamapi.CreateDelegationRequestInput) (*iamapi.CreateDelegationRequestOutput, error) {
	p := caller(ctx)
	if err := checkChannel(deref(in.NotificationChannel)); err != nil {
		return nil, err
	}
	var id string
	err := s.update(ctx, func(a *acct) error {
		perm, err := a.renderPermissions(in.Permissions)
		if err != nil {
			return err
		}
		wf := a.id + "/" + deref(in.RequestorWorkflowId)
		if _, err := a.tx.Get(delegationWorkflows, wf); err == nil {
			return alreadyExists("A delegation request with workflow id %s already exists.", deref(in.RequestorWorkflowId))
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		now := s.now()
		d := delegation{
			ID: s.delegationID(), RequestorAccount: a.id, RequestorARN: p.ARN, OwnerAccount: deref(in.OwnerAccountId),
			Description: deref(in.Description), RequestMessage: deref(in.RequestMessage), WorkflowID: deref(in.RequestorWorkflowId),
			RedirectURL: deref(in.RedirectUrl), Channel: deref(in.NotificationChannel),
			TemplateARN: perm.template, Parameters: perm.args, Policy: perm.policy, Boundaries: perm.boundaries,
			SessionDuration: derefInt(in.SessionDuration), OnlySendByOwner: in.OnlySendByOwner != nil && *in.OnlySendByOwner,
			State: stateUnassigned, Created: now, Updated: now, Expires: now.Add(delegationLifetime),
		}
		id = d.ID
		if err := a.tx.Put(delegationWorkflows, wf, []byte(d.ID)); err != nil {
			return err
		}
		return store.PutJSON(a.tx, delegationsBucket, d.ID, d)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.CreateDelegationRequestOutput{DelegationRequestId: &id}, nil
}

// delegationID has the shape of AWS's ids for these requests: within the
// model's [\w-]{16,128}.
func (s *Service) delegationID() string { return "dr-" + s.ids.Hex(32) }

// checkChannel accepts what AWS accepts as a notification channel: an SNS
// topic ARN.
func checkChannel(ch string) error {
	parts := strings.SplitN(ch, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "sns" || parts[3] == "" || !ids.IsAccountID(parts[4]) || parts[5] == "" || strings.Contains(parts[5], ":") {
		return invalidInput("NotificationChannel %s is not a valid SNS topic ARN.", ch)
	}
	return nil
}

func derefInt(v *int64) int64 {
	if v == nil {
		return 0
	}
	return *v
}

// GetDelegationRequest shows a request to its owner account (or, while it
// has none, to anyone).
func (s *Service) GetDelegationRequest(ctx context.Context, in *iamapi.GetDelegationRequestInput) (*iamapi.GetDelegationRequestOutput, error) {
	var out iamapi.GetDelegationRequestOutput
	err := s.withDelegation(ctx, deref(in.DelegationRequestId), false, func(d *delegation, now time.Time) error {
		out.DelegationRequest = d.output(now)
		if in.DelegationPermissionCheck != nil && *in.DelegationPermissionCheck {
			// hakoniwa does not compute whether the caller's own
			// permissions cover the request; UNSURE is AWS's answer for
			// "cannot tell".
			out.PermissionCheckStatus, out.PermissionCheckResult = ptr("COMPLETE"), ptr("UNSURE")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// ListDelegationRequests lists the requests owned in the caller's account;
// requests without an owner are not listed, even when targeted at it.
func (s *Service) ListDelegationRequests(ctx context.Context, in *iamapi.ListDelegationRequestsInput) (*iamapi.ListDelegationRequestsOutput, error) {
	p := caller(ctx)
	if p.Account == "" {
		return nil, errNoAccount
	}
	var all []delegation
	err := s.st.View(ctx, func(tx store.Tx) error {
		return store.ScanJSON(tx, delegationsBucket, "", "", func(_ string, d delegation) bool {
			if d.OwnerAccount == p.Account && d.OwnerARN != "" && (in.OwnerId == nil || *in.OwnerId == d.OwnerARN) {
				all = append(all, d)
			}
			return true
		})
	})
	if err != nil {
		return nil, err
	}
	got, pg, err := paginate(all, func(d delegation) string { return d.ID }, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := &iamapi.ListDelegationRequestsOutput{IsTruncated: pg.truncated, Marker: pg.marker, DelegationRequests: []iamapi.DelegationRequest{}}
	for i := range got {
		out.DelegationRequests = append(out.DelegationRequests, *got[i].output(now))
	}
	return out, nil
}

// AssociateDelegationRequest makes the caller the request's owner.
func (s *Service) AssociateDelegationRequest(ctx context.Context, in *iamapi.AssociateDelegationRequestInput) (*iamapi.AssociateDelegationRequestOutput, error) {
	p := caller(ctx)
	err := s.withDelegation(ctx, deref(in.DelegationRequestId), true, func(d *delegation, now time.Time) error {
		if st := d.state(now); st != stateUnassigned {
			return invalidInput("Delegation request %s is in state %s and cannot be associated.", d.ID, st)
		}
		d.OwnerAccount, d.OwnerARN, d.State, d.Expires = p.Account, p.ARN, stateAssigned, now.Add(delegationLifetime)
		return nil
	})
	return &iamapi.AssociateDelegationRequestOutput{}, err
}

// owned runs a state change on a request owned in the caller's account.
func (s *Service) owned(ctx context.Context, id string, fn func(d *delegation, now time.Time) error) error {
	return s.withDelegation(ctx, id, true, func(d *delegation, now time.Time) error {
		if d.OwnerARN == "" {
			return invalidInput("Delegation request %s is not associated with an owner.", d.ID)
		}
		return fn(d, now)
	})
}

// reviewable is whether a request awaits a decision.
func reviewable(state string) bool { return state == stateAssigned || state == statePendingApproval }

// UpdateDelegationRequest forwards a request for approval, with notes.
func (s *Service) UpdateDelegationRequest(ctx context.Context, in *iamapi.UpdateDelegationRequestInput) (*iamapi.UpdateDelegationRequestOutput, error) {
	err := s.owned(ctx, deref(in.DelegationRequestId), func(d *delegation, now time.Time) error {
		if st := d.state(now); !reviewable(st) {
			return invalidInput("Delegation request %s is in state %s and cannot be updated.", d.ID, st)
		}
		if in.Notes != nil {
			d.Notes = *in.Notes
		}
		d.State, d.Expires = statePendingApproval, now.Add(delegationLifetime)
		return nil
	})
	return &iamapi.UpdateDelegationRequestOutput{}, err
}

// AcceptDelegationRequest approves a request and records the caller as the
// identity the delegated credentials will act as. Its model lists no
// InvalidInput, so a request in the wrong state is a ConcurrentModification.
func (s *Service) AcceptDelegationRequest(ctx context.Context, in *iamapi.AcceptDelegationRequestInput) (*iamapi.AcceptDelegationRequestOutput, error) {
	p := caller(ctx)
	err := s.withDelegation(ctx, deref(in.DelegationRequestId), true, func(d *delegation, now time.Time) error {
		if st := d.state(now); d.OwnerARN == "" || !reviewable(st) {
			return concurrentModification("Delegation request %s is in state %s and cannot be accepted.", d.ID, st)
		}
		d.ApproverARN = p.ARN
		d.Accepter = &DelegatedIdentity{Account: p.Account, ARN: p.ARN, UserID: p.UserID, AccessKeyID: p.AccessKeyID}
		d.State, d.Expires = stateAccepted, now.Add(delegationLifetime)
		return nil
	})
	return &iamapi.AcceptDelegationRequestOutput{}, err
}

// RejectDelegationRequest refuses a request, also an accepted one whose
// token was not sent yet. Rejected requests expire after 7 days.
func (s *Service) RejectDelegationRequest(ctx context.Context, in *iamapi.RejectDelegationRequestInput) (*iamapi.RejectDelegationRequestOutput, error) {
	err := s.owned(ctx, deref(in.DelegationRequestId), func(d *delegation, now time.Time) error {
		if st := d.state(now); !reviewable(st) && st != stateAccepted {
			return invalidInput("Delegation request %s is in state %s and cannot be rejected.", d.ID, st)
		}
		d.RejectionReason = deref(in.Notes)
		d.State, d.Expires = stateRejected, now.Add(delegationLifetime)
		return nil
	})
	return &iamapi.RejectDelegationRequestOutput{}, err
}

// SendDelegationToken releases the exchange token of an accepted request.
// AWS publishes it to the partner's SNS topic; hakoniwa hands it to
// Notify (the server logs it: hakoniwa has no SNS yet). The delegation
// window, and the token's validity, start now.
func (s *Service) SendDelegationToken(ctx context.Context, in *iamapi.SendDelegationTokenInput) (*iamapi.SendDelegationTokenOutput, error) {
	p := caller(ctx)
	var sent delegation
	err := s.owned(ctx, deref(in.DelegationRequestId), func(d *delegation, now time.Time) error {
		if st := d.state(now); st != stateAccepted {
			return invalidInput("Delegation request %s is in state %s; only an ACCEPTED request can send its token.", d.ID, st)
		}
		if d.OnlySendByOwner && p.ARN != d.OwnerARN {
			return accessDenied("Only the owner of delegation request %s may send its token.", d.ID)
		}
		d.Token = s.ids.UUID() + s.ids.Hex(32)
		d.State, d.Finalized = stateFinalized, now
		d.Expires = now.Add(time.Duration(d.SessionDuration) * time.Second)
		sent = *d
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := s.st.Update(ctx, func(tx store.Tx) error {
		return tx.Put(delegationTokens, sent.Token, []byte(sent.ID))
	}); err != nil {
		return nil, err
	}
	if s.Notify != nil {
		s.Notify(ctx, sent.Channel, delegationNotice(&sent))
	}
	return &iamapi.SendDelegationTokenOutput{}, nil
}

// delegationNotice is the message the partner's channel receives.
func delegationNotice(d *delegation) string {
	return `{"DelegationRequestId":"` + d.ID + `","State":"` + stateFinalized + `","ExchangeToken":"` + d.Token + `","RequestorWorkflowId":` + jsonString(d.WorkflowID) + `}`
}

// Errors RedeemDelegationToken answers with.
var (
	ErrTradeInTokenUnknown = errors.New("the trade-in token is not valid")
	ErrTradeInTokenUsed    = errors.New("the trade-in token was already exchanged")
	ErrTradeInTokenExpired = errors.New("the trade-in token has expired")
)

// DelegatedSession is what a redeemed exchange token stands for.
type DelegatedSession struct {
	RequestID string
	Accepter  DelegatedIdentity
	Policy    string
	Expires   time.Time
}

// RedeemDelegationToken exchanges a token once: STS's
// GetDelegatedAccessToken mints the credentials.
func (s *Service) RedeemDelegationToken(ctx context.Context, token string) (DelegatedSession, error) {
	var out DelegatedSession
	err := s.st.Update(ctx, func(tx store.Tx) error {
		id, err := tx.Get(delegationTokens, token)
		if errors.Is(err, store.ErrNotFound) {
			return ErrTradeInTokenUnknown
		} else if err != nil {
			return err
		}
		d, err := getDelegation(tx, string(id))
		if err != nil {
			return ErrTradeInTokenUnknown
		}
		switch {
		case d.TokenUsed:
			return ErrTradeInTokenUsed
		case d.state(s.now()) != stateFinalized || d.Accepter == nil:
			return ErrTradeInTokenExpired
		}
		d.TokenUsed = true
		out = DelegatedSession{RequestID: d.ID, Accepter: *d.Accepter, Policy: d.Policy, Expires: d.Expires}
		return store.PutJSON(tx, delegationsBucket, d.ID, d)
	})
	return out, err
}

// delegationDefaults are the actions a request's owner may always perform
// on it ("Managing permissions for delegation requests": get it, its
// summary, update it and send its token).
var delegationDefaults = []string{"iam:GetDelegationRequest", "iam:GetHumanReadableSummary", "iam:UpdateDelegationRequest", "iam:SendDelegationToken"}

// DelegationResourcePolicy is the policy that grants an owned request's
// owner its default permissions, as a resource-based policy on the
// request's ARN. found is false for any other ARN.
func (s *Service) DelegationResourcePolicy(ctx context.Context, arn string) (doc, owner string, found bool, err error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[2] != "iam" {
		return "", "", false, nil
	}
	id, ok := strings.CutPrefix(parts[5], "delegation-request/")
	if !ok || id == "" {
		return "", "", false, nil
	}
	var d delegation
	err = s.st.View(ctx, func(tx store.Tx) error {
		d, err = store.GetJSON[delegation](tx, delegationsBucket, id)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return "", "", false, nil
	}
	if err != nil || d.OwnerARN == "" || d.OwnerAccount != parts[4] {
		return "", "", false, err
	}
	// Resource "*": the policy is consulted for this request's ARN only,
	// and the policy grammar does not know delegation-request/ paths.
	actions := `"` + strings.Join(delegationDefaults, `","`) + `"`
	doc = `{"Version":"2012-10-17","Statement":[{"Sid":"DelegationRequestOwner","Effect":"Allow","Principal":{"AWS":` + jsonString(d.OwnerARN) +
		`},"Action":[` + actions + `],"Resource":"*"}]}`
	return doc, d.OwnerAccount, true, nil
}

// GetHumanReadableSummary describes a delegation request in English, to
// whoever may get the request. Only delegation requests can be summarised.
func (s *Service) GetHumanReadableSummary(ctx context.Context, in *iamapi.GetHumanReadableSummaryInput) (*iamapi.GetHumanReadableSummaryOutput, error) {
	arn := deref(in.EntityArn)
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "iam" {
		return nil, invalidInput("ARN %s is not valid.", arn)
	}
	id, ok := strings.CutPrefix(parts[5], "delegation-request/")
	if !ok || id == "" {
		return nil, invalidInput("Entity %s is not supported: only delegation-request entities can be summarized.", arn)
	}
	locale := "en-US"
	if in.Locale != nil {
		locale = *in.Locale
	}
	out := &iamapi.GetHumanReadableSummaryOutput{Locale: &locale}
	err := s.withDelegation(ctx, id, false, func(d *delegation, _ time.Time) error {
		if !strings.HasPrefix(strings.ToLower(locale), "en") {
			// The summary is rendered in English only.
			out.SummaryState, out.SummaryContent = ptr("NOT_SUPPORTED"), ptr("")
			return nil
		}
		out.SummaryState, out.SummaryContent = ptr("AVAILABLE"), ptr(delegationSummary(d))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
