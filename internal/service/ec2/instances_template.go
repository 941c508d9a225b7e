package ec2

import (
	ec2api "hakoniwa/internal/api/ec2"
)

// applyTemplate fills what the RunInstances request leaves out from a
// launch template version: explicit request parameters override the
// template's, as AWS documents.
func applyTemplate(in *ec2api.RunInstancesInput, d *ec2api.ResponseLaunchTemplateData) {
	or := func(dst **string, v *string) {
		if *dst == nil {
			*dst = v
		}
	}
	orBool := func(dst **bool, v *bool) {
		if *dst == nil {
			*dst = v
		}
	}
	or(&in.ImageId, d.ImageId)
	or(&in.InstanceType, d.InstanceType)
	or(&in.KeyName, d.KeyName)
	or(&in.UserData, d.UserData)
	or(&in.InstanceInitiatedShutdownBehavior, d.InstanceInitiatedShutdownBehavior)
	or(&in.KernelId, d.KernelId)
	or(&in.RamdiskId, d.RamDiskId)
	orBool(&in.EbsOptimized, d.EbsOptimized)
	orBool(&in.DisableApiTermination, d.DisableApiTermination)
	orBool(&in.DisableApiStop, d.DisableApiStop)
	if in.SecurityGroupIds == nil {
		in.SecurityGroupIds = d.SecurityGroupIds
	}
	if in.SecurityGroups == nil {
		in.SecurityGroups = d.SecurityGroups
	}
	if in.IamInstanceProfile == nil && d.IamInstanceProfile != nil {
		in.IamInstanceProfile = &ec2api.IamInstanceProfileSpecification{Arn: d.IamInstanceProfile.Arn, Name: d.IamInstanceProfile.Name}
	}
	if in.Monitoring == nil && d.Monitoring != nil {
		in.Monitoring = &ec2api.RunInstancesMonitoringEnabled{Enabled: d.Monitoring.Enabled}
	}
	if in.CreditSpecification == nil && d.CreditSpecification != nil && d.CreditSpecification.CpuCredits != nil {
		in.CreditSpecification = &ec2api.CreditSpecificationRequest{CpuCredits: d.CreditSpecification.CpuCredits}
	}
	if in.HibernationOptions == nil && d.HibernationOptions != nil {
		in.HibernationOptions = &ec2api.HibernationOptionsRequest{Configured: d.HibernationOptions.Configured}
	}
	if p := d.Placement; p != nil {
		if in.Placement == nil {
			in.Placement = &ec2api.Placement{}
		}
		or(&in.Placement.AvailabilityZone, p.AvailabilityZone)
		or(&in.Placement.AvailabilityZoneId, p.AvailabilityZoneId)
		or(&in.Placement.Tenancy, p.Tenancy)
	}
	if m := d.MetadataOptions; m != nil {
		if in.MetadataOptions == nil {
			in.MetadataOptions = &ec2api.InstanceMetadataOptionsRequest{}
		}
		o := in.MetadataOptions
		or(&o.HttpTokens, m.HttpTokens)
		or(&o.HttpEndpoint, m.HttpEndpoint)
		or(&o.HttpProtocolIpv6, m.HttpProtocolIpv6)
		or(&o.InstanceMetadataTags, m.InstanceMetadataTags)
		if o.HttpPutResponseHopLimit == nil {
			o.HttpPutResponseHopLimit = m.HttpPutResponseHopLimit
		}
	}
	if in.NetworkInterfaces == nil {
		for _, n := range d.NetworkInterfaces {
			in.NetworkInterfaces = append(in.NetworkInterfaces, ec2api.InstanceNetworkInterfaceSpecification{
				AssociatePublicIpAddress: n.AssociatePublicIpAddress, DeleteOnTermination: n.DeleteOnTermination,
				Description: n.Description, DeviceIndex: n.DeviceIndex, Groups: n.Groups, InterfaceType: n.InterfaceType,
				NetworkInterfaceId: n.NetworkInterfaceId, PrivateIpAddress: n.PrivateIpAddress, PrivateIpAddresses: n.PrivateIpAddresses,
				SecondaryPrivateIpAddressCount: n.SecondaryPrivateIpAddressCount, SubnetId: n.SubnetId, NetworkCardIndex: n.NetworkCardIndex,
			})
		}
	}
	if in.BlockDeviceMappings == nil {
		for _, b := range d.BlockDeviceMappings {
			m := ec2api.BlockDeviceMapping{DeviceName: b.DeviceName, VirtualName: b.VirtualName, NoDevice: b.NoDevice}
			if e := b.Ebs; e != nil {
				m.Ebs = &ec2api.EbsBlockDevice{Encrypted: e.Encrypted, DeleteOnTermination: e.DeleteOnTermination, Iops: e.Iops,
					KmsKeyId: e.KmsKeyId, SnapshotId: e.SnapshotId, VolumeSize: e.VolumeSize, VolumeType: e.VolumeType, Throughput: e.Throughput}
			}
			in.BlockDeviceMappings = append(in.BlockDeviceMappings, m)
		}
	}
	given := map[string]bool{}
	for _, t := range in.TagSpecifications {
		given[deref(t.ResourceType)] = true
	}
	for _, t := range d.TagSpecifications {
		if !given[deref(t.ResourceType)] {
			in.TagSpecifications = append(in.TagSpecifications, ec2api.TagSpecification{ResourceType: t.ResourceType, Tags: t.Tags})
		}
	}
}
