package iam

import (
	"unicode"

	"hakoniwa/internal/iam/policy"
)

// docKind says what a policy document is for; the rules differ.
type docKind int

const (
	// identityDoc is an inline policy: it names actions and resources,
	// never a principal, and may use either policy language version.
	identityDoc docKind = iota
	// managedDoc is a customer managed policy version (also what a
	// permissions boundary refers to): Version 2012-10-17 only.
	managedDoc
	// trustDoc is a role's assume-role policy: a resource policy whose
	// resource is the role itself, so it names principals and no resource.
	trustDoc
)

var policyKinds = map[docKind]policy.Kind{identityDoc: policy.Identity, managedDoc: policy.Managed, trustDoc: policy.Trust}

// validateDocument refuses what AWS refuses, with AWS's
// MalformedPolicyDocument reasons: the same parser the authorizer
// evaluates with, so a document IAM accepts is one it can enforce.
func validateDocument(doc string, kind docKind) error {
	_, err := policy.Parse(doc, policyKinds[kind])
	return err
}

// policySize is a document's size as IAM counts it against quotas:
// characters, not counting white space.
func policySize(doc string) int {
	n := 0
	for _, r := range doc {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}
