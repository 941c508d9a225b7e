package s3

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"sync"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/store"

	s3api "hakoniwa/internal/api/s3"
)

// ACLs are kept as grants; the owner is not stored (it is the bucket's or
// the object's owner). A resource without a stored ACL has the default
// one: its owner's FULL_CONTROL.
//
// Grants take part in authorization in a deliberately small way (see
// aclStatements): on a bucket whose ownership allows ACLs, grants to the
// AllUsers group become public Allow statements next to the bucket
// policy, unless Block Public Access ignores public ACLs. Grants to other
// accounts' canonical ids and to AuthenticatedUsers are stored and
// answered but decide nothing yet.

const cfgACL = "acl"

// Grantee groups S3 knows.
const (
	groupAllUsers      = "http://acs.amazonaws.com/groups/global/AllUsers"
	groupAuthenticated = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
	groupLogDelivery   = "http://acs.amazonaws.com/groups/s3/LogDelivery"
)

type grantRec struct {
	ID   string `json:"id,omitempty"`  // CanonicalUser
	URI  string `json:"uri,omitempty"` // Group
	Perm string `json:"perm"`
}

func (g grantRec) public() bool { return g.URI == groupAllUsers || g.URI == groupAuthenticated }

func ownerGrant(owner string, perm string) grantRec {
	return grantRec{ID: canonicalID(owner), Perm: perm}
}

func defaultACL(owner string) []grantRec { return []grantRec{ownerGrant(owner, "FULL_CONTROL")} }

// cannedACL expands a canned ACL for a resource owned by owner in a bucket
// owned by bucketOwner.
func cannedACL(name, owner, bucketOwner string) ([]grantRec, error) {
	g := defaultACL(owner)
	switch name {
	case "private":
	case "public-read":
		g = append(g, grantRec{URI: groupAllUsers, Perm: "READ"})
	case "public-read-write":
		g = append(g, grantRec{URI: groupAllUsers, Perm: "READ"}, grantRec{URI: groupAllUsers, Perm: "WRITE"})
	case "authenticated-read":
		g = append(g, grantRec{URI: groupAuthenticated, Perm: "READ"})
	case "bucket-owner-read":
		if bucketOwner != owner {
			g = append(g, ownerGrant(bucketOwner, "READ"))
		}
	case "bucket-owner-full-control":
		if bucketOwner != owner {
			g = append(g, ownerGrant(bucketOwner, "FULL_CONTROL"))
		}
	case "log-delivery-write":
		g = append(g, grantRec{URI: groupLogDelivery, Perm: "WRITE"}, grantRec{URI: groupLogDelivery, Perm: "READ_ACP"})
	default:
		return nil, errInvalidArgument("", "x-amz-acl", name)
	}
	return g, nil
}

// aclInput is what PutBucketAcl and PutObjectAcl share.
type aclInput struct {
	canned  string
	headers [5]*string // full control, read, read-acp, write, write-acp
	body    *s3api.AccessControlPolicy
}

var headerPerms = [5]string{"FULL_CONTROL", "READ", "READ_ACP", "WRITE", "WRITE_ACP"}

// grantee is one `type="value"` item of an x-amz-grant-* header.
var granteeItem = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\s*(id|uri|emailAddress)\s*=\s*"?([^",]*)"?\s*$`) })

// grants turns one ACL request into grants, as S3 reads it: one of a
// canned ACL, grant headers or a body.
func (in aclInput) grants(owner, bucketOwner string) ([]grantRec, error) {
	hasHeaders := false
	for _, h := range in.headers {
		hasHeaders = hasHeaders || deref(h) != ""
	}
	switch {
	case in.canned != "" && hasHeaders:
		return nil, errInvalidRequest("Specifying both Canned ACLs and Header Grants is not allowed")
	case (in.canned != "" || hasHeaders) && in.body != nil:
		return nil, awserr.New(http.StatusBadRequest, "UnexpectedContent", "This request does not support content")
	case in.canned != "":
		return cannedACL(in.canned, owner, bucketOwner)
	case hasHeaders:
		return headerGrants(in.headers)
	case in.body != nil:
		return bodyGrants(in.body, owner)
	}
	return nil, awserr.New(http.StatusBadRequest, "MissingSecurityHeader", "Your request was missing a required header").
		With("MissingHeaderName", "x-amz-acl")
}

func headerGrants(headers [5]*string) ([]grantRec, error) {
	var out []grantRec
	for i, h := range headers {
		if deref(h) == "" {
			continue
		}
		for item := range strings.SplitSeq(*h, ",") {
			m := granteeItem().FindStringSubmatch(item)
			if m == nil {
				return nil, errInvalidArgument("Invalid grant header", "x-amz-grant-"+strings.ToLower(strings.ReplaceAll(headerPerms[i], "_", "-")), *h)
			}
			g, err := granteeOf(m[1], m[2], headerPerms[i])
			if err != nil {
				return nil, err
			}
			out = append(out, g)
		}
	}
	return out, nil
}

var canonicalIDForm = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[0-9a-f]{64}$`) })

func granteeOf(kind, value, perm string) (grantRec, error) {
	switch kind {
	case "id":
		if !canonicalIDForm().MatchString(value) {
			return grantRec{}, errInvalidArgument("Invalid id", "CanonicalUser/ID", value)
		}
		return grantRec{ID: value, Perm: perm}, nil
	case "uri":
		switch value {
		case groupAllUsers, groupAuthenticated, groupLogDelivery:
			return grantRec{URI: value, Perm: perm}, nil
		}
		return grantRec{}, errInvalidArgument("Invalid group uri", "Group/URI", value)
	}
	// hakoniwa's accounts have no e-mail addresses, so none resolves.
	return grantRec{}, awserr.New(http.StatusBadRequest, "UnresolvableGrantByEmailAddress",
		"The e-mail address you provided does not match any account on record.").With("EmailAddress", value)
}

func errMalformedACL() error {
	return awserr.New(http.StatusBadRequest, "MalformedACLError",
		"The XML you provided was not well-formed or did not validate against our published schema")
}

func bodyGrants(p *s3api.AccessControlPolicy, owner string) ([]grantRec, error) {
	if p.Owner == nil || deref(p.Owner.ID) == "" {
		return nil, errMalformedACL()
	}
	if *p.Owner.ID != canonicalID(owner) {
		return nil, awserr.New(http.StatusForbidden, "AccessDenied", "Access Denied")
	}
	out := make([]grantRec, 0, len(p.Grants))
	for _, g := range p.Grants {
		perm := deref(g.Permission)
		switch perm {
		case "FULL_CONTROL", "READ", "READ_ACP", "WRITE", "WRITE_ACP":
		default:
			return nil, errMalformedACL()
		}
		if g.Grantee == nil {
			return nil, errMalformedACL()
		}
		var kind, value string
		switch deref(g.Grantee.Type) {
		case "CanonicalUser":
			kind, value = "id", deref(g.Grantee.ID)
		case "Group":
			kind, value = "uri", deref(g.Grantee.URI)
		case "AmazonCustomerByEmail":
			kind, value = "emailAddress", deref(g.Grantee.EmailAddress)
		default:
			return nil, errMalformedACL()
		}
		r, err := granteeOf(kind, value, perm)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// onlyOwnerFull reports whether grants are what BucketOwnerEnforced
// allows: the owner's full control and nothing else.
func onlyOwnerFull(grants []grantRec, bucketOwner string) bool {
	for _, g := range grants {
		if g.ID != canonicalID(bucketOwner) || g.Perm != "FULL_CONTROL" {
			return false
		}
	}
	return true
}

func errACLNotSupported() error {
	return awserr.New(http.StatusBadRequest, "AccessControlListNotSupported", "The bucket does not allow ACLs")
}

func anyPublic(grants []grantRec) bool {
	for _, g := range grants {
		if g.public() {
			return true
		}
	}
	return false
}

// checkACL applies the bucket's ownership and Block Public Access to a new
// ACL: owner-enforced buckets refuse every grant but the owner's, and
// BlockPublicAcls refuses public ones.
func checkACL(grants []grantRec, b *bucketRec, pab publicAccessBlock) error {
	if b.ObjectOwnership == "BucketOwnerEnforced" && !onlyOwnerFull(grants, b.Owner) {
		return errACLNotSupported()
	}
	if pab.BlockPublicAcls && anyPublic(grants) {
		return awserr.New(http.StatusForbidden, "AccessDenied", "Access Denied")
	}
	return nil
}

func apiGrants(grants []grantRec) []s3api.Grant {
	out := make([]s3api.Grant, 0, len(grants))
	for _, g := range grants {
		ge := &s3api.Grantee{Type: ptr("Group"), URI: ptr(g.URI)}
		if g.ID != "" {
			ge = &s3api.Grantee{Type: ptr("CanonicalUser"), ID: ptr(g.ID)}
		}
		out = append(out, s3api.Grant{Grantee: ge, Permission: ptr(g.Perm)})
	}
	return out
}

// aclActions are what a permission grants, by AWS's table "Mapping of ACL
// permissions and access policy permissions"; FULL_CONTROL is all of a
// resource's.
var (
	bucketACLActions = map[string][]string{
		"READ":      {"s3:ListBucket", "s3:ListBucketVersions", "s3:ListBucketMultipartUploads"},
		"WRITE":     {"s3:PutObject", "s3:DeleteObject"},
		"READ_ACP":  {"s3:GetBucketAcl"},
		"WRITE_ACP": {"s3:PutBucketAcl"},
	}
	objectACLActions = map[string][]string{
		"READ":      {"s3:GetObject", "s3:GetObjectVersion"},
		"READ_ACP":  {"s3:GetObjectAcl", "s3:GetObjectVersionAcl"},
		"WRITE_ACP": {"s3:PutObjectAcl", "s3:PutObjectVersionAcl"},
	}
)

// publicACLStatements turns the AllUsers grants of an ACL into public
// Allow statements on resource (a bucket WRITE applies to its objects).
func publicACLStatements(grants []grantRec, table map[string][]string, resource string) []any {
	var out []any
	for _, g := range grants {
		if g.URI != groupAllUsers {
			continue
		}
		perms := []string{g.Perm}
		if g.Perm == "FULL_CONTROL" {
			perms = []string{"READ", "WRITE", "READ_ACP", "WRITE_ACP"}
		}
		for _, p := range perms {
			acts, res := table[p], resource
			if p == "WRITE" {
				res = resource + "/*"
			}
			if len(acts) > 0 {
				out = append(out, map[string]any{"Effect": "Allow", "Principal": "*", "Action": acts, "Resource": res})
			}
		}
	}
	return out
}

// withACLStatements adds the statements public ACLs grant on a bucket, or
// on key's current version, to the bucket policy, unless the bucket's
// ownership disables ACLs or Block Public Access ignores public ones.
func withACLStatements(tx store.Tx, b *bucketRec, key, policy string) (string, error) {
	if b.ObjectOwnership == "BucketOwnerEnforced" {
		return policy, nil
	}
	pab, err := effectivePAB(tx, b)
	if err != nil || pab.IgnorePublicAcls {
		return policy, err
	}
	grants, err := bucketACL(b)
	if err != nil {
		return policy, err
	}
	stmts := publicACLStatements(grants, bucketACLActions, bucketARN(b.Name))
	if key != "" {
		r, err := current(tx, b, key)
		if err != nil {
			return policy, err
		}
		if r != nil {
			og, err := objectACL(tx, b, r)
			if err != nil {
				return policy, err
			}
			stmts = append(stmts, publicACLStatements(og, objectACLActions, bucketARN(b.Name)+"/"+key)...)
		}
	}
	if len(stmts) == 0 {
		return policy, nil
	}
	doc := map[string]any{"Version": "2012-10-17"}
	if policy != "" {
		if err := json.Unmarshal([]byte(policy), &doc); err != nil {
			return policy, nil // stored policies were validated; keep it as it is
		}
		switch prev := doc["Statement"].(type) {
		case []any:
			stmts = append(prev, stmts...)
		case nil:
		default:
			stmts = append([]any{prev}, stmts...)
		}
	}
	doc["Statement"] = stmts
	out, err := json.Marshal(doc)
	return string(out), err
}
