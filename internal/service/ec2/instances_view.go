package ec2

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"hakoniwa/internal/store"

	ec2api "hakoniwa/internal/api/ec2"
)

// instView renders instances inside one read. An instance's interfaces
// (and through them its groups, addresses and Elastic IPs) live in their
// own records; the view loads them once per instance and caches what
// instances share.
type instView struct {
	*eniView
	s      *Service
	now    time.Time
	devs   map[string][]ec2api.InstanceBlockDeviceMapping // instance id → its volumes
	ifaces map[string][]*eniRec                           // instance id → attached interfaces, primary first
}

func (s *Service) newInstView(tx store.Tx, sc scope, now time.Time) *instView {
	return &instView{eniView: newENIView(tx, sc), s: s, now: now, ifaces: map[string][]*eniRec{},
		devs: map[string][]ec2api.InstanceBlockDeviceMapping{}}
}

// devices are the EBS volumes attached to r now (volumes_attach.go).
func (v *instView) devices(r *instanceRec) []ec2api.InstanceBlockDeviceMapping {
	if got, ok := v.devs[r.ID]; ok {
		return got
	}
	got, err := v.s.instanceBlockDevices(v.tx, v.sc, r.ID, v.now)
	v.fail(err)
	if got == nil {
		got = []ec2api.InstanceBlockDeviceMapping{}
	}
	v.devs[r.ID] = got
	return got
}

// deviceValues is a block-device-mapping.* filter's values.
func (v *instView) deviceValues(field func(ec2api.InstanceBlockDeviceMapping) string) func(*instanceRec) []string {
	return func(r *instanceRec) []string {
		var out []string
		for _, d := range v.devices(r) {
			out = append(out, field(d))
		}
		return out
	}
}

// interfaces returns r's attached interfaces in device order.
func (v *instView) interfaces(r *instanceRec) []*eniRec {
	if got, ok := v.ifaces[r.ID]; ok {
		return got
	}
	rs, err := enis.by(v.tx, v.sc, "attachment.instance-id", r.ID)
	v.fail(err)
	for i := 1; i < len(rs); i++ { // a handful: insertion sort by device index
		for j := i; j > 0 && rs[j].DeviceIndex < rs[j-1].DeviceIndex; j-- {
			rs[j], rs[j-1] = rs[j-1], rs[j]
		}
	}
	v.ifaces[r.ID] = rs
	return rs
}

func (v *instView) primary(r *instanceRec) *eniRec {
	for _, e := range v.interfaces(r) {
		if e.ID == r.ENI {
			return e
		}
	}
	return nil
}

// publicIP is what the instance is reached at: the Elastic IP on its
// primary address, else the address drawn at launch.
func (v *instView) publicIP(r *instanceRec) string {
	if e := v.primary(r); e != nil {
		if a := v.eip(e, e.PrivateIP); a != nil {
			return a.PublicIP
		}
	}
	return r.PublicIP
}

func (v *instView) publicDNS(r *instanceRec, ip string) string { return v.publicName(r.VpcID, ip) }

func (v *instView) groups(r *instanceRec) []ec2api.GroupIdentifier {
	out := []ec2api.GroupIdentifier{}
	if e := v.primary(r); e != nil {
		for _, g := range e.Groups {
			out = append(out, ec2api.GroupIdentifier{GroupId: ptr(g), GroupName: ptr(v.groupName(g))})
		}
	}
	return out
}

func (v *instView) groupIDs(r *instanceRec) []string {
	if e := v.primary(r); e != nil {
		return e.Groups
	}
	return nil
}

// association renders an interface address's public side: its Elastic IP,
// or for the instance's primary address the launch-time public address,
// owned by "amazon".
func (v *instView) association(r *instanceRec, e *eniRec, ip string) *ec2api.InstanceNetworkInterfaceAssociation {
	if a := v.eip(e, ip); a != nil {
		return &ec2api.InstanceNetworkInterfaceAssociation{IpOwnerId: ptr(a.Owner), PublicIp: ptr(a.PublicIP), PublicDnsName: ptr(v.publicDNS(r, a.PublicIP))}
	}
	if e.ID == r.ENI && ip == e.PrivateIP && r.PublicIP != "" {
		return &ec2api.InstanceNetworkInterfaceAssociation{IpOwnerId: ptr("amazon"), PublicIp: ptr(r.PublicIP), PublicDnsName: ptr(v.publicDNS(r, r.PublicIP))}
	}
	return nil
}

func (v *instView) networkInterfaces(r *instanceRec) []ec2api.InstanceNetworkInterface {
	out := []ec2api.InstanceNetworkInterface{}
	for _, e := range v.interfaces(r) {
		ni := ec2api.InstanceNetworkInterface{
			NetworkInterfaceId: ptr(e.ID), Description: ptr(e.Description), MacAddress: ptr(e.MAC), OwnerId: ptr(e.Owner),
			PrivateIpAddress: ptr(e.PrivateIP), PrivateDnsName: ptr(privateDNSName(v.sc.region, e.PrivateIP)),
			SourceDestCheck: ptr(e.sourceDestCheck()), Status: ptr(e.status()), SubnetId: ptr(e.SubnetID), VpcId: ptr(e.VpcID),
			InterfaceType: ptr(e.Type), Ipv6Addresses: []ec2api.InstanceIpv6Address{}, Groups: []ec2api.GroupIdentifier{},
			Operator: &ec2api.OperatorResponse{Managed: ptr(false)},
			Attachment: &ec2api.InstanceNetworkInterfaceAttachment{AttachmentId: ptr(e.AttachmentID), AttachTime: ptr(e.AttachTime),
				DeleteOnTermination: ptr(e.DeleteOnTermination), DeviceIndex: ptr(e.DeviceIndex), NetworkCardIndex: ptr(e.NetworkCardIndex),
				Status: ptr(e.AttachStatus)},
			Association: v.association(r, e, e.PrivateIP),
		}
		for _, g := range e.Groups {
			ni.Groups = append(ni.Groups, ec2api.GroupIdentifier{GroupId: ptr(g), GroupName: ptr(v.groupName(g))})
		}
		for i, ip := range e.addresses() {
			ni.PrivateIpAddresses = append(ni.PrivateIpAddresses, ec2api.InstancePrivateIpAddress{Primary: ptr(i == 0),
				PrivateIpAddress: ptr(ip), PrivateDnsName: ptr(privateDNSName(v.sc.region, ip)), Association: v.association(r, e, ip)})
		}
		out = append(out, ni)
	}
	return out
}

func (r *instanceRec) metadataAPI() *ec2api.InstanceMetadataOptionsResponse {
	m := r.Metadata
	return &ec2api.InstanceMetadataOptionsResponse{State: ptr("applied"), HttpTokens: ptr(m.Tokens), HttpPutResponseHopLimit: ptr(m.HopLimit),
		HttpEndpoint: ptr(m.Endpoint), HttpProtocolIpv6: ptr(m.IPv6), InstanceMetadataTags: ptr(m.Tags)}
}

// api renders r. A terminated instance has given back its interfaces and
// addresses, and shows none.
func (v *instView) api(r *instanceRec) ec2api.Instance {
	st := r.state(v.now)
	monitoring := "disabled"
	if r.Monitoring {
		monitoring = "enabled"
	}
	out := ec2api.Instance{
		InstanceId: ptr(r.ID), ImageId: ptr(r.ImageID), InstanceType: ptr(r.Type), State: r.apiState(v.now),
		AmiLaunchIndex: ptr(r.LaunchIndex), LaunchTime: ptr(r.Launched), Architecture: ptr(r.Architecture),
		Hypervisor: ptr("xen"), VirtualizationType: ptr(r.Virtualization), RootDeviceName: ptr(r.RootDeviceName),
		RootDeviceType: ptr(r.RootDeviceType), EbsOptimized: ptr(r.EbsOptimized), EnaSupport: ptr(r.EnaSupport),
		PlatformDetails: ptr(r.PlatformDetails), UsageOperation: ptr(r.UsageOperation), UsageOperationUpdateTime: ptr(r.Launched),
		Monitoring:            &ec2api.Monitoring{State: ptr(monitoring)},
		Placement:             &ec2api.Placement{AvailabilityZone: ptr(r.Zone), AvailabilityZoneId: ptr(r.ZoneID), GroupName: ptr(""), Tenancy: ptr(r.Tenancy)},
		StateTransitionReason: ptr(r.Reason), Tags: apiTags(r.Tags), ProductCodes: []ec2api.ProductCode{},
		ClientToken: ptr(r.Token), MetadataOptions: r.metadataAPI(), BlockDeviceMappings: v.devices(r),
		HibernationOptions:               &ec2api.HibernationOptions{Configured: ptr(r.Hibernation)},
		EnclaveOptions:                   &ec2api.EnclaveOptions{Enabled: ptr(false)},
		CapacityReservationSpecification: &ec2api.CapacityReservationSpecificationResponse{CapacityReservationPreference: ptr("open")},
		MaintenanceOptions:               &ec2api.InstanceMaintenanceOptions{AutoRecovery: ptr("default"), RebootMigration: ptr("default")},
		PrivateDnsNameOptions:            &ec2api.PrivateDnsNameOptionsResponse{HostnameType: ptr("ip-name"), EnableResourceNameDnsARecord: ptr(false), EnableResourceNameDnsAAAARecord: ptr(false)},
		CurrentInstanceBootMode:          ptr(bootModeOf(r)),
		Operator:                         &ec2api.OperatorResponse{Managed: ptr(false)},
		SecurityGroups:                   v.groups(r),
		NetworkInterfaces:                []ec2api.InstanceNetworkInterface{},
		PublicDnsName:                    ptr(""),
		PrivateDnsName:                   ptr(""),
	}
	if t, ok := lookupInstanceType(r.Type); ok {
		out.CpuOptions = &ec2api.CpuOptions{CoreCount: ptr(int64(t.Cores)), ThreadsPerCore: ptr(int64(t.ThreadsPerCore))}
	}
	if r.Platform != "" {
		out.Platform = ptr(r.Platform)
	}
	if r.BootMode != "" {
		out.BootMode = ptr(r.BootMode)
	}
	if r.KeyName != "" {
		out.KeyName = ptr(r.KeyName)
	}
	if r.Profile != nil && r.Profile.State == "associated" {
		out.IamInstanceProfile = &ec2api.IamInstanceProfile{Arn: ptr(r.Profile.ARN), Id: ptr(r.Profile.ID)}
	}
	if r.ReasonCode != "" {
		out.StateReason = &ec2api.StateReason{Code: ptr(r.ReasonCode), Message: ptr(stateReasons[r.ReasonCode])}
	}
	if st == instPending {
		out.StateReason = &ec2api.StateReason{Code: ptr("pending"), Message: ptr("pending")}
	}
	if st == instTerminated {
		out.BlockDeviceMappings = []ec2api.InstanceBlockDeviceMapping{}
		out.SecurityGroups = []ec2api.GroupIdentifier{}
		return out
	}
	out.SubnetId, out.VpcId = ptr(r.SubnetID), ptr(r.VpcID)
	out.PrivateIpAddress, out.PrivateDnsName = ptr(r.PrivateIP), ptr(privateDNSName(v.sc.region, r.PrivateIP))
	if pub := v.publicIP(r); pub != "" {
		out.PublicIpAddress, out.PublicDnsName = ptr(pub), ptr(v.publicDNS(r, pub))
	}
	out.NetworkInterfaces = v.networkInterfaces(r)
	if e := v.primary(r); e != nil {
		out.SourceDestCheck = ptr(e.sourceDestCheck())
	}
	return out
}

func bootModeOf(r *instanceRec) string {
	if r.BootMode == "uefi" || (r.BootMode == "uefi-preferred" && r.Architecture == "arm64") || r.Architecture == "arm64" {
		return "uefi"
	}
	return "legacy-bios"
}

// filters are DescribeInstances' filters: every one AWS documents that
// the record answers.
func (v *instView) filters() filterDefs[*instanceRec] {
	now := v.now
	each := func(field func(*eniRec) []string) func(*instanceRec) []string {
		return func(r *instanceRec) []string {
			var out []string
			for _, e := range v.interfaces(r) {
				out = append(out, field(e)...)
			}
			return out
		}
	}
	profile := func(field func(*instProfile) string) func(*instanceRec) []string {
		return func(r *instanceRec) []string {
			if r.Profile == nil || r.Profile.State != "associated" {
				return nil
			}
			return one(field(r.Profile))
		}
	}
	str := func(field func(*instanceRec) string) func(*instanceRec) []string {
		return func(r *instanceRec) []string { return nonEmpty(field(r)) }
	}
	live := func(field func(*instanceRec) string) func(*instanceRec) []string {
		return func(r *instanceRec) []string {
			if r.state(now) == instTerminated {
				return nil
			}
			return nonEmpty(field(r))
		}
	}
	groupNames := func(r *instanceRec) []string {
		var out []string
		for _, g := range v.groupIDs(r) {
			out = append(out, v.groupName(g))
		}
		return out
	}
	return filterDefs[*instanceRec]{
		"instance-id":          func(r *instanceRec) []string { return one(r.ID) },
		"instance-state-name":  func(r *instanceRec) []string { return one(r.state(now)) },
		"instance-state-code":  func(r *instanceRec) []string { return one(strconv.FormatInt(stateCodes[r.state(now)], 10)) },
		"instance-type":        func(r *instanceRec) []string { return one(r.Type) },
		"image-id":             func(r *instanceRec) []string { return one(r.ImageID) },
		"vpc-id":               live(func(r *instanceRec) string { return r.VpcID }),
		"subnet-id":            live(func(r *instanceRec) string { return r.SubnetID }),
		"availability-zone":    func(r *instanceRec) []string { return one(r.Zone) },
		"placement-group-name": func(r *instanceRec) []string { return nil },
		"tenancy":              func(r *instanceRec) []string { return one(r.Tenancy) },
		"private-ip-address":   live(func(r *instanceRec) string { return r.PrivateIP }),
		"private-dns-name":     live(func(r *instanceRec) string { return privateDNSName(v.sc.region, r.PrivateIP) }),
		"ip-address":           live(v.publicIP),
		"dns-name":             live(func(r *instanceRec) string { return v.publicDNS(r, v.publicIP(r)) }),
		"key-name":             str(func(r *instanceRec) string { return r.KeyName }),
		"reservation-id":       func(r *instanceRec) []string { return one(r.Reservation) },
		"owner-id":             func(r *instanceRec) []string { return one(r.Owner) },
		"launch-index":         func(r *instanceRec) []string { return one(itoa(r.LaunchIndex)) },
		"ami-launch-index":     func(r *instanceRec) []string { return one(itoa(r.LaunchIndex)) },
		"launch-time":          func(r *instanceRec) []string { return one(r.Launched.UTC().Format("2006-01-02T15:04:05.000Z")) },
		"architecture":         func(r *instanceRec) []string { return one(r.Architecture) },
		"platform":             str(func(r *instanceRec) string { return r.Platform }),
		"platform-details":     func(r *instanceRec) []string { return one(r.PlatformDetails) },
		"usage-operation":      func(r *instanceRec) []string { return one(r.UsageOperation) },
		"root-device-name":     func(r *instanceRec) []string { return one(r.RootDeviceName) },
		"root-device-type":     func(r *instanceRec) []string { return one(r.RootDeviceType) },
		"virtualization-type":  func(r *instanceRec) []string { return one(r.Virtualization) },
		"hypervisor":           func(r *instanceRec) []string { return one("xen") },
		"client-token":         str(func(r *instanceRec) string { return r.Token }),
		"monitoring-state": func(r *instanceRec) []string {
			return one(map[bool]string{true: "enabled", false: "disabled"}[r.Monitoring])
		},
		"ebs-optimized":                                func(r *instanceRec) []string { return boolValue(r.EbsOptimized) },
		"ena-support":                                  func(r *instanceRec) []string { return boolValue(r.EnaSupport) },
		"hibernation-options.configured":               func(r *instanceRec) []string { return boolValue(r.Hibernation) },
		"state-reason-code":                            str(func(r *instanceRec) string { return r.ReasonCode }),
		"state-reason-message":                         str(func(r *instanceRec) string { return stateReasons[r.ReasonCode] }),
		"metadata-options.http-tokens":                 func(r *instanceRec) []string { return one(r.Metadata.Tokens) },
		"metadata-options.http-endpoint":               func(r *instanceRec) []string { return one(r.Metadata.Endpoint) },
		"metadata-options.http-put-response-hop-limit": func(r *instanceRec) []string { return one(itoa(r.Metadata.HopLimit)) },
		"metadata-options.instance-metadata-tags":      func(r *instanceRec) []string { return one(r.Metadata.Tags) },
		"metadata-options.http-protocol-ipv6":          func(r *instanceRec) []string { return one(r.Metadata.IPv6) },
		"iam-instance-profile.arn":                     profile(func(p *instProfile) string { return p.ARN }),
		"iam-instance-profile.id":                      profile(func(p *instProfile) string { return p.ID }),
		"iam-instance-profile.association-id":          profile(func(p *instProfile) string { return p.AssocID }),
		"instance.group-id":                            v.groupIDs,
		"group-id":                                     v.groupIDs,
		"instance.group-name":                          groupNames,
		"group-name":                                   groupNames,
		"block-device-mapping.device-name":             v.deviceValues(func(d ec2api.InstanceBlockDeviceMapping) string { return deref(d.DeviceName) }),
		"block-device-mapping.volume-id":               v.deviceValues(func(d ec2api.InstanceBlockDeviceMapping) string { return deref(d.Ebs.VolumeId) }),
		"block-device-mapping.status":                  v.deviceValues(func(d ec2api.InstanceBlockDeviceMapping) string { return deref(d.Ebs.Status) }),
		"block-device-mapping.delete-on-termination": v.deviceValues(func(d ec2api.InstanceBlockDeviceMapping) string {
			return strconv.FormatBool(isTrue(d.Ebs.DeleteOnTermination))
		}),
		"block-device-mapping.attach-time": v.deviceValues(func(d ec2api.InstanceBlockDeviceMapping) string {
			return d.Ebs.AttachTime.UTC().Format("2006-01-02T15:04:05.000Z")
		}),
		"network-interface.network-interface-id": each(func(e *eniRec) []string { return one(e.ID) }),
		"network-interface.subnet-id":            each(func(e *eniRec) []string { return one(e.SubnetID) }),
		"network-interface.vpc-id":               each(func(e *eniRec) []string { return one(e.VpcID) }),
		"network-interface.mac-address":          each(func(e *eniRec) []string { return one(e.MAC) }),
		"network-interface.private-dns-name":     each(func(e *eniRec) []string { return one(privateDNSName(v.sc.region, e.PrivateIP)) }),
		"network-interface.source-dest-check":    each(func(e *eniRec) []string { return boolValue(e.sourceDestCheck()) }),
		"network-interface.status":               each(func(e *eniRec) []string { return one(e.status()) }),
		"network-interface.description":          each(func(e *eniRec) []string { return one(e.Description) }),
		"network-interface.owner-id":             each(func(e *eniRec) []string { return one(e.Owner) }),
		"network-interface.group-id":             each(func(e *eniRec) []string { return e.Groups }),
		"network-interface.group-name": each(func(e *eniRec) []string {
			var out []string
			for _, g := range e.Groups {
				out = append(out, v.groupName(g))
			}
			return out
		}),
		"network-interface.addresses.private-ip-address":     each(func(e *eniRec) []string { return e.addresses() }),
		"network-interface.private-ip-address":               each(func(e *eniRec) []string { return e.addresses() }),
		"network-interface.attachment.attachment-id":         each(func(e *eniRec) []string { return one(e.AttachmentID) }),
		"network-interface.attachment.instance-id":           each(func(e *eniRec) []string { return one(e.Instance) }),
		"network-interface.attachment.instance-owner-id":     each(func(e *eniRec) []string { return one(e.InstanceOwner) }),
		"network-interface.attachment.device-index":          each(func(e *eniRec) []string { return one(itoa(e.DeviceIndex)) }),
		"network-interface.attachment.status":                each(func(e *eniRec) []string { return one(e.AttachStatus) }),
		"network-interface.attachment.delete-on-termination": each(func(e *eniRec) []string { return boolValue(e.DeleteOnTermination) }),
		"network-interface.association.public-ip": func(r *instanceRec) []string {
			return nonEmpty(v.publicIP(r))
		},
	}
}

// launchAssociation is the public address an instance's primary interface
// took at launch, as DescribeNetworkInterfaces shows it (owned by
// "amazon"); nil for any other interface or address.
func (v *eniView) launchAssociation(r *eniRec, ip string) *ec2api.NetworkInterfaceAssociation {
	if r.Instance == "" || r.DeviceIndex != 0 || ip != r.PrivateIP {
		return nil
	}
	fields, found, err := rawRecord(v.tx, v.sc, kindInstance, r.Instance)
	v.fail(err)
	pub := rawString(fields, "publicIp")
	if !found || pub == "" || rawString(fields, "eni") != r.ID {
		return nil
	}
	return &ec2api.NetworkInterfaceAssociation{IpOwnerId: ptr("amazon"), PublicIp: ptr(pub), PublicDnsName: ptr(v.publicName(r.VpcID, pub))}
}

// indexedLiteral reports whether describe answers fs through a table
// index (a filter on an indexed name with literal values).
func indexedLiteral(fs []filter[*instanceRec]) bool {
	for _, f := range fs {
		if _, ok := instances.indexes[f.name]; ok {
			if _, lit := f.literal(); lit {
				return true
			}
		}
	}
	return false
}

// scanInstances is describe's full scan, made cheaper for tag filters:
// a record whose stored bytes lack a literal tag value the filter needs
// cannot match, and is passed over without being decoded.
func scanInstances(tx store.Tx, sc scope, tbl *table[instanceRec, *instanceRec], _ kindInfo, q query[*instanceRec]) ([]*instanceRec, string, error) {
	var needles [][][]byte // per filter: any of these must appear
	for _, f := range q.filters {
		values, lit := f.literal()
		if !lit || !strings.HasPrefix(f.name, "tag:") {
			continue
		}
		var any [][]byte
		for _, v := range values {
			b, err := json.Marshal(v)
			if err != nil {
				return nil, "", err
			}
			any = append(any, b)
		}
		needles = append(needles, any)
	}
	c := &collector[*instanceRec]{pg: q.page}
	start := ""
	if q.page.after != "" {
		start = q.page.after + "\x00"
	}
	var ferr error
	err := tx.Scan(tbl.bucket(sc), "", start, func(_ string, raw []byte) bool {
		for _, any := range needles {
			if !slices.ContainsFunc(any, func(n []byte) bool { return bytes.Contains(raw, n) }) {
				return true
			}
		}
		var r instanceRec
		if ferr = json.Unmarshal(raw, &r); ferr != nil {
			return false
		}
		return !matchAll(&r, q.filters) || c.add(&r)
	})
	if err == nil {
		err = ferr
	}
	if err != nil {
		return nil, "", err
	}
	items, next := c.result()
	return items, next, nil
}
