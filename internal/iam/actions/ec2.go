package actions

import "strings"

// EC2 names resources by id, mostly in members named after the
// placeholder (InstanceId, InstanceIds). Resources a call creates have no
// id yet: AWS authorizes them as "<type>/*" (RunInstances' instance,
// volume and network interface, CreateVpc's vpc).
func ec2Bind(r *resolver, resourceType, ph string) ([]string, bool) {
	switch ph {
	case "SecurityGroupId":
		for _, m := range []string{"SecurityGroupIds", "GroupId", "GroupIds", "SecurityGroupId"} {
			if v := strings1(r.Input[m]); v != nil {
				return v, true
			}
		}
	case "KeyPairName":
		if v := strings1(r.Input["KeyName"]); v != nil {
			return v, true
		}
	case "NaclId":
		if v := strings1(r.Input["NetworkAclId"]); v != nil {
			return v, true
		}
	}
	if vals := r.generic(resourceType, ph); vals != nil {
		return vals, true
	}
	if ec2Creates(r.Operation, resourceType, r.Input) {
		return []string{"*"}, true
	}
	return nil, true
}

// ec2Creates reports whether an operation creates a resource of the type,
// so its not-yet-existing id is "*".
func ec2Creates(op, resourceType string, in map[string]any) bool {
	if op == "RunInstances" {
		// The instance, its network interface and its root volume (every
		// image is EBS-backed) always; the rest only when the request asks
		// for them.
		switch resourceType {
		case "instance", "network-interface", "volume":
			return true
		case "spot-instances-request":
			m, _ := in["InstanceMarketOptions"].(map[string]any)
			return m["MarketType"] == "spot"
		case "elastic-gpu":
			return in["ElasticGpuSpecification"] != nil
		case "elastic-inference":
			return in["ElasticInferenceAccelerators"] != nil
		}
		return false
	}
	for _, verb := range []string{"Create", "Allocate", "Import", "Copy", "Request", "Purchase"} {
		if rest, ok := strings.CutPrefix(op, verb); ok {
			return strings.EqualFold(strings.ReplaceAll(resourceType, "-", ""), strings.TrimSuffix(strings.ToLower(rest), "s")) ||
				ec2CreatedType[op] == resourceType
		}
	}
	return false
}

// ec2CreatedType names what a create call creates where the operation
// name and the resource type differ.
var ec2CreatedType = map[string]string{
	"AllocateAddress":   "elastic-ip",
	"CreateNatGateway":  "natgateway",
	"CreateNetworkAcl":  "network-acl",
	"CreateImage":       "image",
	"CopyImage":         "image",
	"CopySnapshot":      "snapshot",
	"CreateKeyPair":     "key-pair",
	"ImportKeyPair":     "key-pair",
	"CreateDhcpOptions": "dhcp-options",
}

func ec2Context(r *resolver, c contextBuilder) {
	in := r.Input
	c.set("ec2:Region", r.Region)
	c.str("ec2:InstanceType", in, "InstanceType")
	if s, ok := scalar(in["EbsOptimized"]); ok {
		c["ec2:EbsOptimized"] = []string{s}
	}
	if p, ok := in["Placement"].(map[string]any); ok {
		c.str("ec2:AvailabilityZone", p, "AvailabilityZone")
		c.str("ec2:Tenancy", p, "Tenancy")
		if g, _ := p["GroupName"].(string); g != "" {
			c["ec2:PlacementGroup"] = []string{"arn:" + r.Partition + ":ec2:" + r.Region + ":" + r.Account + ":placement-group/" + g}
		}
	} else {
		c.str("ec2:AvailabilityZone", in, "AvailabilityZone")
	}
	if m, ok := in["InstanceMarketOptions"].(map[string]any); ok {
		c.str("ec2:InstanceMarketType", m, "MarketType")
	}
	if md, ok := in["MetadataOptions"].(map[string]any); ok {
		c.str("ec2:MetadataHttpTokens", md, "HttpTokens")
		c.str("ec2:MetadataHttpEndpoint", md, "HttpEndpoint")
		if s, ok := scalar(md["HttpPutResponseHopLimit"]); ok {
			c["ec2:MetadataHttpPutResponseHopLimit"] = []string{s}
		}
		c.str("ec2:InstanceMetadataTags", md, "InstanceMetadataTags")
	}
	if p, ok := in["IamInstanceProfile"].(map[string]any); ok {
		c.str("ec2:InstanceProfile", p, "Arn")
	}
	c.str("ec2:ImageID", in, "ImageId")
	c.str("ec2:KeyPairName", in, "KeyName")
	if s, _ := in["SubnetId"].(string); s != "" {
		c["ec2:Subnet"] = []string{"arn:" + r.Partition + ":ec2:" + r.Region + ":" + r.Account + ":subnet/" + s}
	}
	if v, _ := in["VpcId"].(string); v != "" {
		c["ec2:Vpc"] = []string{"arn:" + r.Partition + ":ec2:" + r.Region + ":" + r.Account + ":vpc/" + v}
	}
	// Tags of a create are per resource type (TagSpecifications): each
	// check sees the tags of its own type, and ec2:CreateAction names the
	// creating call for CreateTags-on-create policies.
	specs, _ := in["TagSpecifications"].([]any)
	for _, s := range specs {
		m, _ := s.(map[string]any)
		rt, _ := m["ResourceType"].(string)
		if rt == "" {
			continue
		}
		tc := contextBuilder{}
		tc.tagValue(m["Tags"])
		if r.typed == nil {
			r.typed = map[string]contextBuilder{}
		}
		r.typed[rt] = tc
	}
}
