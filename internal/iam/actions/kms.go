package actions

import (
	"sort"
	"strings"
)

// KMS names keys by id, key ARN, alias name or alias ARN. A call naming a
// key by alias is authorized on the key itself (the alias goes into
// kms:RequestAlias), which only KMS's state can name: Request.KeyForAlias.
func kmsResource(r *resolver, rt *ResourceType) ([]string, bool) {
	switch rt.Name {
	case "key":
		for _, m := range []string{"KeyId", "TargetKeyId", "SourceKeyId", "DestinationKeyId"} {
			if id, _ := r.Input[m].(string); id != "" {
				return r.kmsKeyARN(id), true
			}
		}
		return nil, true
	case "alias":
		if a, _ := r.Input["AliasName"].(string); a != "" {
			if strings.HasPrefix(a, "arn:") {
				return []string{a}, true
			}
			return []string{r.arn("kms", "", "", a)}, true
		}
		return nil, true
	}
	return nil, false
}

// kmsKeyARN turns any form of key reference into the key's ARN, or nil.
func (r *resolver) kmsKeyARN(id string) []string {
	if svc, region, account, res, ok := splitARN(id); ok {
		if svc != "kms" {
			return nil
		}
		if strings.HasPrefix(res, "key/") {
			return []string{id}
		}
		// An alias ARN: the hook knows aliases of the request's own
		// account and region only.
		if region != r.Region || account != r.Account {
			return nil
		}
		id = res
	}
	if strings.HasPrefix(id, "alias/") {
		if r.KeyForAlias == nil {
			return nil
		}
		key, ok := r.KeyForAlias(id)
		if !ok || key == "" {
			return nil
		}
		if strings.HasPrefix(key, "arn:") {
			return []string{key}
		}
		id = key
	}
	return []string{r.arn("kms", "", "", "key/"+id)}
}

// arn builds an ARN of the request's partition; empty region or account
// mean the request's.
func (r *resolver) arn(service, region, account, resource string) string {
	if region == "" {
		region = r.Region
	}
	if account == "" {
		account = r.Account
	}
	return "arn:" + r.Partition + ":" + service + ":" + region + ":" + account + ":" + resource
}

// kmsKeys maps KMS condition keys to the input members they come from.
var kmsKeys = [...][2]string{
	{"kms:EncryptionAlgorithm", "EncryptionAlgorithm"},
	{"kms:SigningAlgorithm", "SigningAlgorithm"},
	{"kms:MacAlgorithm", "MacAlgorithm"},
	{"kms:KeySpec", "KeySpec"},
	{"kms:KeyUsage", "KeyUsage"},
	{"kms:KeyOrigin", "Origin"},
	{"kms:MultiRegion", "MultiRegion"},
	{"kms:BypassPolicyLockoutSafetyCheck", "BypassPolicyLockoutSafetyCheck"},
	{"kms:GranteePrincipal", "GranteePrincipal"},
	{"kms:RetiringPrincipal", "RetiringPrincipal"},
	{"kms:ReplicaRegion", "ReplicaRegion"},
	{"kms:ScheduleKeyDeletionPendingWindowInDays", "PendingWindowInDays"},
	{"kms:DataKeyPairSpec", "KeyPairSpec"},
	{"kms:MessageType", "MessageType"},
	{"kms:WrappingAlgorithm", "WrappingAlgorithm"},
	{"kms:WrappingKeySpec", "WrappingKeySpec"},
	{"kms:ExpirationModel", "ExpirationModel"},
}

func kmsContext(r *resolver, c contextBuilder) {
	in := r.Input
	if ec, ok := in["EncryptionContext"].(map[string]any); ok && len(ec) > 0 {
		keys := make([]string, 0, len(ec))
		for k, v := range ec {
			s, _ := v.(string)
			c["kms:EncryptionContext:"+k] = []string{s}
			keys = append(keys, k)
		}
		sort.Strings(keys)
		c["kms:EncryptionContextKeys"] = keys
	}
	for _, km := range kmsKeys {
		key, m := km[0], km[1]
		if s, ok := scalar(in[m]); ok {
			c[key] = []string{s}
		}
	}
	c.set("kms:GrantOperations", strings1(in["Operations"])...)
	for _, m := range []string{"KeyId", "SourceKeyId", "DestinationKeyId"} {
		if id, _ := in[m].(string); strings.HasPrefix(id, "alias/") {
			c["kms:RequestAlias"] = []string{id}
		} else if _, _, _, res, ok := splitARN(id); ok && strings.HasPrefix(res, "alias/") {
			c["kms:RequestAlias"] = []string{res}
		}
	}
}

// kmsReEncrypt: ReEncryptFrom on the source key, ReEncryptTo on the
// destination key.
func kmsReEncrypt(r *resolver) ([]Check, error) {
	from := r.explicit("kms:ReEncryptFrom", "key", "")
	if id, _ := r.Input["SourceKeyId"].(string); id != "" {
		if arns := r.kmsKeyARN(id); arns != nil {
			from.Resources, from.Unresolved = arns, false
		}
	}
	to := r.explicit("kms:ReEncryptTo", "key", "")
	if id, _ := r.Input["DestinationKeyId"].(string); id != "" {
		if arns := r.kmsKeyARN(id); arns != nil {
			to.Resources, to.Unresolved = arns, false
		}
	}
	r.checks = append(r.checks, from, to)
	return r.checks, nil
}
