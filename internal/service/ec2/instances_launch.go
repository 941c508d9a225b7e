package ec2

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"hakoniwa/internal/store"

	ec2api "hakoniwa/internal/api/ec2"
)

// placement is where a launch puts its instances.
type placement struct {
	sn     *subnetRec
	groups []string // nil: the VPC's default group
	eni    *eniRec  // an existing interface to launch with
	public bool
}

// launchTx creates the instances of one RunInstances call inside tx.
func (s *Service) launchTx(tx store.Tx, sc scope, l *launch, ids launchIDs, now time.Time) ([]*instanceRec, error) {
	if err := purgeInstances(tx, sc, now); err != nil {
		return nil, err
	}
	img, err := s.findImage(tx, sc, deref(l.in.ImageId))
	if err != nil {
		return nil, err
	}
	if !slices.Contains(l.itype.Archs, img.Architecture) {
		return nil, invalidParam("The architecture '%s' of the specified instance type does not match the architecture '%s' of the specified AMI. Specify an instance type and an AMI that have matching architectures, and try launching the instance again.", strings.Join(l.itype.Archs, ", "), img.Architecture)
	}
	if k := deref(l.in.KeyName); k != "" {
		if _, err := s.findKeyPair(tx, sc, k); err != nil {
			return nil, err
		}
	}
	pl, err := s.launchPlacement(tx, sc, l)
	if err != nil {
		return nil, err
	}
	n, err := s.launchCount(tx, sc, l, now)
	if err != nil {
		return nil, err
	}
	devices, err := s.launchDevices(tx, sc, img, l.in.BlockDeviceMappings)
	if err != nil {
		return nil, err
	}
	made := make([]*instanceRec, 0, n)
	for i := range n {
		r, err := s.launchOne(tx, sc, l, img, pl, devices, ids.reservation, ids.instances[i], i, now)
		if err != nil {
			return nil, err
		}
		made = append(made, r)
	}
	return made, nil
}

// launchCount is how many instances the running vCPU quota lets the call
// launch: MaxCount if they fit, fewer down to MinCount, else
// VcpuLimitExceeded.
func (s *Service) launchCount(tx store.Tx, sc scope, l *launch, now time.Time) (int64, error) {
	class := vcpuQuotaClass(l.itype.Name)
	limit := s.vcpuQuota(class)
	if limit <= 0 {
		return l.max, nil
	}
	used, err := runningVCPUs(tx, sc, class, now)
	if err != nil {
		return 0, err
	}
	fit := int64((limit - used) / max(l.itype.VCPUs, 1))
	if fit < l.min {
		return 0, vcpuLimitExceeded(limit)
	}
	return min(fit, l.max), nil
}

// vcpuQuotas are the running On-Demand vCPU limits by quota class.
var vcpuQuotas = map[string]func(*Quotas) *int{
	"standard": func(q *Quotas) *int { return &q.StandardVCPUs }, "g": func(q *Quotas) *int { return &q.GVCPUs },
	"p": func(q *Quotas) *int { return &q.PVCPUs }, "x": func(q *Quotas) *int { return &q.XVCPUs },
	"f": func(q *Quotas) *int { return &q.FVCPUs }, "inf": func(q *Quotas) *int { return &q.InfVCPUs },
	"dl": func(q *Quotas) *int { return &q.DLVCPUs }, "trn": func(q *Quotas) *int { return &q.TrnVCPUs },
	"hpc": func(q *Quotas) *int { return &q.HPCVCPUs }, "high-memory": func(q *Quotas) *int { return &q.HighMemoryVCPUs },
}

// vcpuQuota is the running On-Demand vCPU limit of a quota class; 0 means
// none applies.
func (s *Service) vcpuQuota(class string) int {
	field, ok := vcpuQuotas[class]
	if !ok {
		return 0
	}
	q, d := s.quotas, DefaultQuotas()
	return quota(*field(&q), *field(&d))
}

// launchPlacement finds the subnet and groups: the named subnet (or the
// primary interface's), else the default VPC's default subnet in the
// requested zone, or its first zone.
func (s *Service) launchPlacement(tx store.Tx, sc scope, l *launch) (*placement, error) {
	in, nic := l.in, l.nic
	pl := &placement{}
	subnetID := deref(in.SubnetId)
	groupIDs, groupNames := in.SecurityGroupIds, in.SecurityGroups
	var assocPublic *bool
	if nic != nil {
		subnetID, groupIDs, assocPublic = deref(nic.SubnetId), nic.Groups, nic.AssociatePublicIpAddress
		if nic.NetworkInterfaceId != nil {
			e, err := getENI(tx, sc, *nic.NetworkInterfaceId)
			if err != nil {
				return nil, err
			}
			if e.Instance != "" || e.RequesterManaged {
				return nil, eniInUseErr(e.ID)
			}
			pl.eni, subnetID = e, e.SubnetID
		}
	}
	zone := ""
	if p := in.Placement; p != nil && (p.AvailabilityZone != nil || p.AvailabilityZoneId != nil) {
		z, err := zoneFor(sc.region, p.AvailabilityZone, p.AvailabilityZoneId)
		if err != nil {
			return nil, err
		}
		zone = z.Name
	}
	var err error
	if subnetID != "" {
		pl.sn, err = getSubnet(tx, sc, subnetID)
	} else {
		pl.sn, err = defaultSubnetIn(tx, sc, zone)
	}
	if err != nil {
		return nil, err
	}
	if zone != "" && zone != pl.sn.Zone {
		return nil, invalidParam("Value (%s) for parameter availabilityZone is invalid. Subnet '%s' is in the availability zone %s", zone, pl.sn.ID, pl.sn.Zone)
	}
	pl.public = pl.sn.MapPublicIP
	if assocPublic != nil {
		pl.public = *assocPublic
	}
	if pl.eni != nil {
		pl.public = false // an existing interface keeps its own addressing
		return pl, nil
	}
	if pl.groups, err = launchGroups(tx, sc, pl.sn, groupIDs, groupNames); err != nil {
		return nil, err
	}
	return pl, nil
}

// launchGroups resolves the groups by id and by name. AWS resolves names
// only in the default VPC.
func launchGroups(tx store.Tx, sc scope, sn *subnetRec, ids, names []string) ([]string, error) {
	if len(ids) == 0 && len(names) == 0 {
		return nil, nil
	}
	out := slices.Clone(ids)
	if len(names) > 0 {
		v, err := vpcs.get(tx, sc, sn.VpcID)
		if err != nil {
			return nil, err
		}
		if !v.IsDefault {
			return nil, invalidCombination("The parameter groupName cannot be used with the parameter subnet")
		}
		for _, n := range names {
			g, err := groupInVPC(tx, sc, v.ID, n)
			if err != nil {
				return nil, err
			}
			if g == nil {
				return nil, errf(http.StatusBadRequest, "InvalidGroup.NotFound", "The security group '%s' does not exist in VPC '%s'", n, v.ID)
			}
			out = append(out, g.ID)
		}
	}
	return checkGroups(tx, sc, sn.VpcID, out)
}

// defaultSubnetIn finds the default VPC's default subnet in zone, or in
// the first zone that has one.
func defaultSubnetIn(tx store.Tx, sc scope, zone string) (*subnetRec, error) {
	v, err := findDefaultVPC(tx, sc)
	if err != nil {
		return nil, err
	}
	if v == nil {
		return nil, errf(http.StatusBadRequest, "VPCIdNotSpecified", "No default VPC for this user")
	}
	sns, err := subnets.by(tx, sc, "vpc-id", v.ID)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(sns, func(a, b *subnetRec) int { return strings.Compare(a.Zone, b.Zone) })
	for _, sn := range sns {
		if sn.DefaultAz && (zone == "" || sn.Zone == zone) {
			return sn, nil
		}
	}
	if zone != "" {
		return nil, errf(http.StatusBadRequest, "MissingInput", "No default subnet for availability zone: '%s'.", zone)
	}
	return nil, errf(http.StatusBadRequest, "MissingInput", "No subnets found for the default VPC '%s'. Please specify a subnet.", v.ID)
}

// launchDevices merges the image's block device mappings with the
// request's: a request mapping for the same device name overrides size,
// type and DeleteOnTermination; NoDevice removes it.
func (s *Service) launchDevices(tx store.Tx, sc scope, img *imageView, req []ec2api.BlockDeviceMapping) ([]imageDevice, error) {
	devs := slices.Clone(img.BlockDeviceMappings)
	if len(req) > 0 {
		extra, err := s.devicesFrom(tx, sc, req)
		if err != nil {
			return nil, err
		}
		for _, d := range extra {
			i := slices.IndexFunc(devs, func(x imageDevice) bool { return x.DeviceName == d.DeviceName })
			switch {
			case i < 0:
				devs = append(devs, d)
			case d.NoDevice:
				devs = slices.Delete(devs, i, i+1)
			default:
				devs[i] = overrideDevice(devs[i], d, req)
			}
		}
	}
	out := devs[:0]
	for _, d := range devs {
		if !d.NoDevice && d.VirtualName == "" {
			out = append(out, d)
		}
	}
	return out, nil
}

// overrideDevice applies what a request mapping sets over an image's.
func overrideDevice(base, d imageDevice, req []ec2api.BlockDeviceMapping) imageDevice {
	var ebs *ec2api.EbsBlockDevice
	for _, m := range req {
		if deref(m.DeviceName) == d.DeviceName {
			ebs = m.Ebs
		}
	}
	if ebs == nil {
		return base
	}
	if ebs.VolumeSize != nil {
		base.VolumeSize = d.VolumeSize
	}
	if ebs.VolumeType != nil {
		base.VolumeType, base.Iops, base.Throughput = d.VolumeType, d.Iops, d.Throughput
	}
	if ebs.Iops != nil {
		base.Iops = d.Iops
	}
	if ebs.Throughput != nil {
		base.Throughput = d.Throughput
	}
	if ebs.DeleteOnTermination != nil {
		base.DeleteOnTermination = d.DeleteOnTermination
	}
	if ebs.Encrypted != nil {
		base.Encrypted = d.Encrypted
	}
	return base
}

// launchOne creates one instance, its primary interface and addresses.
func (s *Service) launchOne(tx store.Tx, sc scope, l *launch, img *imageView, pl *placement, devices []imageDevice,
	reservation string, ids launchInstanceIDs, index int64, now time.Time) (*instanceRec, error) {
	r := &instanceRec{meta: meta{ID: ids.instance, Tags: cloneTags(l.tags["instance"])}, Owner: sc.account, Reservation: reservation,
		ImageID: img.ID, Type: l.itype.Name, KeyName: deref(l.in.KeyName), LaunchIndex: index, Launched: now,
		Phase: phaseStart, Since: now, UserData: l.userData, Token: deref(l.in.ClientToken), RequestHash: l.hash,
		Metadata: imdsDefaults(img, l.metadata), Credits: l.credits, NoAPITermination: isTrue(l.in.DisableApiTermination),
		NoAPIStop: isTrue(l.in.DisableApiStop), ShutdownBehavior: l.shutdown, EbsOptimized: isTrue(l.in.EbsOptimized),
		Monitoring: l.in.Monitoring != nil && isTrue(l.in.Monitoring.Enabled), Hibernation: l.hibernates, Tenancy: "default",
		Architecture: img.Architecture, Platform: img.Platform, PlatformDetails: img.PlatformDetails, UsageOperation: img.UsageOperation,
		RootDeviceName: img.RootDeviceName, RootDeviceType: img.RootDeviceType, Virtualization: img.VirtualizationType,
		BootMode: img.BootMode, EnaSupport: img.EnaSupport}
	if r.PlatformDetails == "" {
		r.PlatformDetails, r.UsageOperation = "Linux/UNIX", "RunInstances"
	}
	if p := l.in.Placement; p != nil && deref(p.Tenancy) != "" {
		r.Tenancy = *p.Tenancy
	}
	if l.profile != nil {
		r.Profile = newAssociation(*l.profile, s.ids.Resource("iip-assoc"))
	}
	e, err := s.launchInterface(tx, sc, l, pl, ids)
	if err != nil {
		return nil, err
	}
	e.eniAttachment = eniAttachment{AttachmentID: ids.attach, Instance: r.ID, InstanceOwner: sc.account, AttachStatus: "attached",
		AttachTime: now, DeleteOnTermination: pl.eni == nil && (l.nic == nil || l.nic.DeleteOnTermination == nil || *l.nic.DeleteOnTermination)}
	if err := saveENI(tx, sc, e); err != nil {
		return nil, err
	}
	r.VpcID, r.SubnetID, r.Zone, r.ZoneID, r.PrivateIP, r.ENI, r.MAC = e.VpcID, e.SubnetID, e.Zone, e.ZoneID, e.PrivateIP, e.ID, e.MAC
	if pl.public {
		r.AssignPublic = true
		if r.PublicIP, err = takeAddress(tx, sc.region, r.ID, ""); err != nil {
			return nil, err
		}
	}
	for i, d := range devices {
		vol := s.ids.Resource("vol") // an image with many devices outruns the ids drawn ahead
		if i < len(ids.volumes) {
			vol = ids.volumes[i]
		}
		r.Devices = append(r.Devices, instanceDevice{DeviceName: d.DeviceName, VolumeID: vol, SnapshotID: d.SnapshotID,
			VolumeSize: int64(d.VolumeSize), VolumeType: d.VolumeType, Iops: int64(d.Iops), Throughput: int64(d.Throughput),
			Encrypted: d.Encrypted, DeleteOnTermination: d.DeleteOnTermination, AttachTime: now})
	}
	if err := s.launchVolumesTx(tx, sc, r.ID, r.Zone, r.ZoneID, r.Devices, l.tags["volume"], now); err != nil {
		return nil, err
	}
	if err := putInstance(tx, sc, r); err != nil {
		return nil, err
	}
	return r, store.PutJSON(tx, instanceIndexBucket(), r.ID, instanceLocation{Account: sc.account, Region: sc.region})
}

// launchInterface makes the instance's primary interface, or takes the
// existing one the request names.
func (s *Service) launchInterface(tx store.Tx, sc scope, l *launch, pl *placement, ids launchInstanceIDs) (*eniRec, error) {
	if pl.eni != nil {
		return pl.eni, nil
	}
	sp := eniSpec{primary: deref(l.in.PrivateIpAddress), groups: pl.groups, typ: "interface", tags: cloneTags(l.tags["network-interface"])}
	if n := l.nic; n != nil {
		sp.primary, sp.description = deref(n.PrivateIpAddress), deref(n.Description)
		for _, p := range n.PrivateIpAddresses {
			if isTrue(p.Primary) {
				sp.primary = deref(p.PrivateIpAddress)
			} else if p.PrivateIpAddress != nil {
				sp.secondaries = append(sp.secondaries, *p.PrivateIpAddress)
			}
		}
		if n.SecondaryPrivateIpAddressCount != nil {
			sp.extra = *n.SecondaryPrivateIpAddressCount
		}
	}
	return s.newENI(tx, sc, pl.sn, ids.eni, ids.mac, sp)
}

func cloneTags(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
