package actions

import "strings"

// IAM names entities by name plus, on creates, a path; ARNs embed both.
// Entities named by ARN (PolicyArn, SerialNumber, OpenIDConnectProviderArn)
// are taken as they are by the generic ARN rule.
func iamBind(r *resolver, resourceType, ph string) ([]string, bool) {
	switch ph {
	case "CertificateNameWithPath":
		return r.withPaths(resourceType, strings1(r.Input["ServerCertificateName"])), true
	case "MfaTokenIdWithPath":
		return r.withPaths(resourceType, strings1(r.Input["VirtualMFADeviceName"])), true
	case "SamlProviderName":
		return strings1(r.Input["Name"]), true
	case "OidcProviderName":
		// The provider is named after its URL without the scheme.
		u, _ := r.Input["Url"].(string)
		if _, rest, ok := strings.Cut(u, "://"); ok && rest != "" {
			return []string{rest}, true
		}
		return nil, true
	case "FederatedUserName":
		return strings1(r.Input["Name"]), true
	}
	return nil, false
}

func (r *resolver) withPaths(kind string, names []string) []string {
	for i, n := range names {
		names[i] = r.pathOf(kind, n) + n
	}
	return names
}

// iamResource: operations on "your own user" name no user; AWS applies
// them to the caller (ListAccessKeys, CreateAccessKey, ChangePassword ...).
func iamResource(r *resolver, rt *ResourceType) ([]string, bool) {
	if rt.Name != "user" {
		return nil, false
	}
	if _, ok := r.Input["UserName"]; ok {
		return nil, false
	}
	if strings.Contains(r.CallerARN, ":user/") && strings.HasPrefix(r.CallerARN, "arn:") {
		return []string{r.CallerARN}, true
	}
	return nil, false
}

func iamContext(r *resolver, c contextBuilder) {
	c.str("iam:PermissionsBoundary", r.Input, "PermissionsBoundary")
	c.str("iam:PolicyARN", r.Input, "PolicyArn")
	c.str("iam:AWSServiceName", r.Input, "AWSServiceName")
	// CreateDelegationRequest's keys, and ListDelegationRequests' owner.
	c.str("iam:NotificationChannel", r.Input, "NotificationChannel")
	c.set("iam:DelegationDuration", integer(r.Input["SessionDuration"])...)
	if perm, ok := r.Input["Permissions"].(map[string]any); ok {
		c.str("iam:TemplateArn", perm, "PolicyTemplateArn")
	}
	c.str("iam:DelegationRequestOwner", r.Input, "OwnerId")
}

func stsContext(r *resolver, c contextBuilder) {
	c.str("sts:RoleSessionName", r.Input, "RoleSessionName")
	c.str("sts:ExternalId", r.Input, "ExternalId")
	c.str("sts:SourceIdentity", r.Input, "SourceIdentity")
	c.set("sts:TransitiveTagKeys", strings1(r.Input["TransitiveTagKeys"])...)
	// GetWebIdentityToken's keys, so a policy can bound who the caller
	// may mint tokens for, for how long and how signed.
	c.set("sts:IdentityTokenAudience", strings1(r.Input["Audience"])...)
	c.str("sts:SigningAlgorithm", r.Input, "SigningAlgorithm")
	c.set("sts:DurationSeconds", integer(r.Input["DurationSeconds"])...)
}

// stsAssumeRole: passing session tags needs sts:TagSession and a source
// identity sts:SetSourceIdentity, both on the role being assumed.
func stsAssumeRole(r *resolver) ([]Check, error) {
	actions := []string{"sts:AssumeRole"}
	if _, tags := r.Input["Tags"]; tags {
		actions = append(actions, "sts:TagSession")
	} else if _, t := r.Input["TransitiveTagKeys"]; t {
		actions = append(actions, "sts:TagSession")
	}
	if s, _ := r.Input["SourceIdentity"].(string); s != "" {
		actions = append(actions, "sts:SetSourceIdentity")
	}
	return r.checksOf(actions...)
}
