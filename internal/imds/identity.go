package imds

import (
	"strings"

	"hakoniwa/internal/regions"
)

// identityDocument is dynamic/instance-identity/document. The members
// IMDS sends as null for an instance without marketplace or kernel
// settings stay null, so parsers expecting them find them.
func identityDocument(inst Instance) string {
	doc := struct {
		AccountID               string   `json:"accountId"`
		Architecture            string   `json:"architecture"`
		AvailabilityZone        string   `json:"availabilityZone"`
		BillingProducts         []string `json:"billingProducts"`
		DevpayProductCodes      []string `json:"devpayProductCodes"`
		MarketplaceProductCodes []string `json:"marketplaceProductCodes"`
		ImageID                 string   `json:"imageId"`
		InstanceID              string   `json:"instanceId"`
		InstanceType            string   `json:"instanceType"`
		KernelID                *string  `json:"kernelId"`
		PendingTime             string   `json:"pendingTime"`
		PrivateIP               string   `json:"privateIp"`
		RamdiskID               *string  `json:"ramdiskId"`
		Region                  string   `json:"region"`
		Version                 string   `json:"version"`
	}{
		AccountID: inst.Account, Architecture: inst.Architecture, AvailabilityZone: inst.AvailabilityZone,
		ImageID: inst.ImageID, InstanceID: inst.ID, InstanceType: inst.InstanceType,
		PendingTime: inst.LaunchTime.UTC().Format(imdsTime), PrivateIP: inst.PrivateIP,
		Region: inst.Region, Version: "2017-09-30",
	}
	// Marshalling a struct of strings cannot fail.
	s, _ := jsonBody(doc)
	return s
}

// zoneID is the AZ ID of a zone name, "" when the catalogue lacks it.
func zoneID(zone string) string {
	if _, z, ok := regions.LookupZone(zone); ok && z.Name == zone {
		return z.ID
	}
	return ""
}

// partitionOf names the partition and service domain of a Region, as
// services/partition and services/domain report them.
func partitionOf(region string) (partition, domain string) {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn", "amazonaws.com.cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov", "amazonaws.com"
	}
	return "aws", "amazonaws.com"
}
