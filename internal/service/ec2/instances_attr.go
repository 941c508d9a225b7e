package ec2

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"hakoniwa/internal/store"

	ec2api "hakoniwa/internal/api/ec2"
)

// instanceScope checks an operation's InstanceId and finds the caller's
// scope.
func (s *Service) instanceScope(ctx context.Context, id string) (scope, error) {
	if id == "" {
		return scope{}, missingParam("InstanceId")
	}
	if !wellFormed(id, "i") {
		return scope{}, kindInstance.malformed(id)
	}
	sc, _, err := s.scope(ctx)
	return sc, err
}

// changeInstance runs fn on one visible instance inside an Update.
func (s *Service) changeInstance(ctx context.Context, dry *bool, id string, fn func(tx store.Tx, sc scope, r *instanceRec, now time.Time) error) error {
	sc, err := s.instanceScope(ctx, id)
	if err != nil {
		return err
	}
	now := s.clock.Now()
	return s.st.Update(ctx, func(tx store.Tx) error {
		r, err := getInstance(tx, sc, id, now)
		if err != nil {
			return err
		}
		if err := dryRun(dry); err != nil {
			return err
		}
		if err := fn(tx, sc, r, now); err != nil {
			return err
		}
		return putInstance(tx, sc, r)
	})
}

// readInstance runs fn on one visible instance inside a View.
func (s *Service) readInstance(ctx context.Context, dry *bool, id string, fn func(v *instView, r *instanceRec) error) error {
	sc, err := s.instanceScope(ctx, id)
	if err != nil {
		return err
	}
	if err := dryRun(dry); err != nil {
		return err
	}
	now := s.clock.Now()
	return s.st.View(ctx, func(tx store.Tx) error {
		r, err := getInstance(tx, sc, id, now)
		if err != nil {
			return err
		}
		v := s.newInstView(tx, sc, now)
		if err := fn(v, r); err != nil {
			return err
		}
		return v.err
	})
}

func boolAttr(b bool) *ec2api.AttributeBooleanValue {
	return &ec2api.AttributeBooleanValue{Value: ptr(b)}
}

func strAttr(s string) *ec2api.AttributeValue { return &ec2api.AttributeValue{Value: ptr(s)} }

// DescribeInstanceAttribute answers one attribute of an instance.
func (s *Service) DescribeInstanceAttribute(ctx context.Context, in *ec2api.DescribeInstanceAttributeInput) (*ec2api.DescribeInstanceAttributeOutput, error) {
	out := &ec2api.InstanceAttribute{InstanceId: in.InstanceId}
	attr := deref(in.Attribute)
	err := s.readInstance(ctx, in.DryRun, deref(in.InstanceId), func(v *instView, r *instanceRec) error {
		switch attr {
		case "instanceType":
			out.InstanceType = strAttr(r.Type)
		case "kernel":
			out.KernelId = &ec2api.AttributeValue{}
		case "ramdisk":
			out.RamdiskId = &ec2api.AttributeValue{}
		case "userData":
			out.UserData = &ec2api.AttributeValue{}
			if r.UserData != "" {
				out.UserData.Value = ptr(r.UserData)
			}
		case "disableApiTermination":
			out.DisableApiTermination = boolAttr(r.NoAPITermination)
		case "disableApiStop":
			out.DisableApiStop = boolAttr(r.NoAPIStop)
		case "instanceInitiatedShutdownBehavior":
			out.InstanceInitiatedShutdownBehavior = strAttr(r.ShutdownBehavior)
		case "rootDeviceName":
			out.RootDeviceName = strAttr(r.RootDeviceName)
		case "blockDeviceMapping":
			out.BlockDeviceMappings = v.devices(r)
		case "productCodes":
			out.ProductCodes = []ec2api.ProductCode{}
		case "sourceDestCheck":
			check := true
			if e := v.primary(r); e != nil {
				check = e.sourceDestCheck()
			}
			out.SourceDestCheck = boolAttr(check)
		case "groupSet":
			out.Groups = v.groups(r)
		case "ebsOptimized":
			out.EbsOptimized = boolAttr(r.EbsOptimized)
		case "sriovNetSupport":
			out.SriovNetSupport = &ec2api.AttributeValue{}
		case "enaSupport":
			out.EnaSupport = boolAttr(r.EnaSupport)
		case "enclaveOptions":
			out.EnclaveOptions = &ec2api.EnclaveOptions{Enabled: ptr(false)}
		default:
			return invalidParam("Value (%s) for parameter attribute is invalid. Unknown attribute.", attr)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// attrChange is one ModifyInstanceAttribute change: the attribute's name
// and what it does to the instance.
type attrChange struct {
	name        string
	stoppedOnly bool
	apply       func(tx store.Tx, sc scope, r *instanceRec) error
}

// ModifyInstanceAttribute changes one attribute. The instance type, user
// data, EBS optimization and ENA support change only while the instance is
// stopped, as in AWS.
func (s *Service) ModifyInstanceAttribute(ctx context.Context, in *ec2api.ModifyInstanceAttributeInput) (*ec2api.ModifyInstanceAttributeOutput, error) {
	ch, err := s.attributeChange(in)
	if err != nil {
		return nil, err
	}
	err = s.changeInstance(ctx, in.DryRun, deref(in.InstanceId), func(tx store.Tx, sc scope, r *instanceRec, now time.Time) error {
		st := r.state(now)
		switch {
		case st == instTerminated || st == instShuttingDown:
			return incorrectState(r.ID, "modified")
		case ch.stoppedOnly && st != instStopped:
			return errf(http.StatusBadRequest, "IncorrectInstanceState", "The instance '%s' is not in the 'stopped' state.", r.ID)
		}
		return ch.apply(tx, sc, r)
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.ModifyInstanceAttributeOutput{}, nil
}

// attributeChange reads the one change a ModifyInstanceAttribute call
// asks for, in either of its forms (Attribute and Value, or the
// attribute's own member).
func (s *Service) attributeChange(in *ec2api.ModifyInstanceAttributeInput) (attrChange, error) {
	var set []attrChange
	add := func(c attrChange) { set = append(set, c) }
	str := func(a *ec2api.AttributeValue, name string) *string {
		if a != nil {
			return a.Value
		}
		if deref(in.Attribute) == name {
			return in.Value
		}
		return nil
	}
	flag := func(a *ec2api.AttributeBooleanValue, name string) (*bool, error) {
		if a != nil {
			return a.Value, nil
		}
		if deref(in.Attribute) != name {
			return nil, nil
		}
		switch strings.ToLower(deref(in.Value)) {
		case "true":
			return ptr(true), nil
		case "false":
			return ptr(false), nil
		}
		return nil, invalidParam("Value (%s) for parameter value is invalid. Expecting true or false.", deref(in.Value))
	}
	if v := str(in.InstanceType, "instanceType"); v != nil {
		t, ok := lookupInstanceType(*v)
		if !ok {
			return attrChange{}, invalidParam("Invalid value '%s' for InstanceType.", *v)
		}
		add(attrChange{"instanceType", true, func(tx store.Tx, sc scope, r *instanceRec) error {
			if !slices.Contains(t.Archs, r.Architecture) {
				return invalidParam("The instance type '%s' does not support the architecture '%s' of instance '%s'.", t.Name, r.Architecture, r.ID)
			}
			// The vCPU book keys the instance by its type's class.
			if err := tx.Delete(vcpuBucket(sc), vcpuKey(r)); err != nil {
				return err
			}
			r.Type = t.Name
			if !t.Burstable {
				r.Credits = ""
			} else if r.Credits == "" {
				r.Credits = map[bool]string{true: "standard", false: "unlimited"}[t.Family == "t2"]
			}
			return nil
		}})
	}
	if in.UserData != nil || deref(in.Attribute) == "userData" {
		raw := []byte(deref(in.Value))
		if in.UserData != nil {
			raw = in.UserData.Value
		}
		if len(raw) > maxUserData {
			return attrChange{}, invalidParam("User data is limited to %d bytes", maxUserData)
		}
		add(attrChange{"userData", true, func(_ store.Tx, _ scope, r *instanceRec) error {
			r.UserData = ""
			if len(raw) > 0 {
				r.UserData = base64.StdEncoding.EncodeToString(raw)
			}
			return nil
		}})
	}
	if v := str(in.InstanceInitiatedShutdownBehavior, "instanceInitiatedShutdownBehavior"); v != nil {
		if *v != "stop" && *v != "terminate" {
			return attrChange{}, invalidParam("Value (%s) for parameter instanceInitiatedShutdownBehavior is invalid. Valid values: stop, terminate", *v)
		}
		add(attrChange{"instanceInitiatedShutdownBehavior", false, func(_ store.Tx, _ scope, r *instanceRec) error { r.ShutdownBehavior = *v; return nil }})
	}
	bools := []struct {
		member      *ec2api.AttributeBooleanValue
		name        string
		stoppedOnly bool
		set         func(*instanceRec, bool)
	}{
		{in.DisableApiTermination, "disableApiTermination", false, func(r *instanceRec, b bool) { r.NoAPITermination = b }},
		{in.DisableApiStop, "disableApiStop", false, func(r *instanceRec, b bool) { r.NoAPIStop = b }},
		{in.EbsOptimized, "ebsOptimized", true, func(r *instanceRec, b bool) { r.EbsOptimized = b }},
		{in.EnaSupport, "enaSupport", true, func(r *instanceRec, b bool) { r.EnaSupport = b }},
	}
	for _, b := range bools {
		v, err := flag(b.member, b.name)
		if err != nil {
			return attrChange{}, err
		}
		if v != nil {
			set1, val := b.set, *v
			add(attrChange{b.name, b.stoppedOnly, func(_ store.Tx, _ scope, r *instanceRec) error { set1(r, val); return nil }})
		}
	}
	check, err := flag(in.SourceDestCheck, "sourceDestCheck")
	if err != nil {
		return attrChange{}, err
	}
	if check != nil {
		add(attrChange{"sourceDestCheck", false, func(tx store.Tx, sc scope, r *instanceRec) error {
			return s.changePrimaryENI(tx, sc, r, func(e *eniRec) error { e.NoSourceDestCheck = !*check; return nil })
		}})
	}
	groups := in.Groups
	if deref(in.Attribute) == "groupSet" && len(groups) == 0 && in.Value != nil {
		groups = []string{*in.Value}
	}
	if len(groups) > 0 {
		add(attrChange{"groupSet", false, func(tx store.Tx, sc scope, r *instanceRec) error {
			return s.changePrimaryENI(tx, sc, r, func(e *eniRec) error {
				g, err := checkGroups(tx, sc, e.VpcID, groups)
				e.Groups = g
				return err
			})
		}})
	}
	if len(in.BlockDeviceMappings) > 0 {
		c, err := s.deleteOnTerminationChange(in.BlockDeviceMappings)
		if err != nil {
			return attrChange{}, err
		}
		add(c)
	}
	if in.Kernel != nil || in.Ramdisk != nil || in.SriovNetSupport != nil {
		return attrChange{}, invalidParam("Modifying kernel, ramdisk or sriovNetSupport is not supported for this instance")
	}
	switch len(set) {
	case 0:
		if a := deref(in.Attribute); a != "" {
			return attrChange{}, invalidParam("Value (%s) for parameter attribute is invalid. Unknown attribute.", a)
		}
		return attrChange{}, missingParam("Attribute")
	case 1:
		return set[0], nil
	}
	names := make([]string, len(set))
	for i, c := range set {
		names[i] = c.name
	}
	return attrChange{}, invalidCombination("Fields for multiple attribute types specified: %s", strings.Join(names, ", "))
}

// deleteOnTerminationChange is the blockDeviceMapping change: the one
// thing it can change is whether each attached EBS volume goes with the
// instance (unset is true, as on AWS).
func (s *Service) deleteOnTerminationChange(ms []ec2api.InstanceBlockDeviceMappingSpecification) (attrChange, error) {
	for _, m := range ms {
		if m.DeviceName == nil {
			return attrChange{}, missingParam("BlockDeviceMapping.DeviceName")
		}
		if m.NoDevice != nil || m.VirtualName != nil {
			return attrChange{}, invalidParam("Only the DeleteOnTermination flag of an attached EBS volume can be modified (device %s).", *m.DeviceName)
		}
	}
	return attrChange{"blockDeviceMapping", false, func(tx store.Tx, sc scope, r *instanceRec) error {
		for _, m := range ms {
			dot := m.Ebs == nil || m.Ebs.DeleteOnTermination == nil || *m.Ebs.DeleteOnTermination
			if err := s.setDeleteOnTerminationTx(tx, sc, r.ID, *m.DeviceName, dot, s.clock.Now()); err != nil {
				return err
			}
		}
		return nil
	}}, nil
}

// changePrimaryENI changes the instance's primary interface.
func (s *Service) changePrimaryENI(tx store.Tx, sc scope, r *instanceRec, fn func(*eniRec) error) error {
	e, err := enis.get(tx, sc, r.ENI)
	if err != nil {
		return err
	}
	if err := fn(e); err != nil {
		return err
	}
	return saveENI(tx, sc, e)
}

// ModifyInstanceMetadataOptions changes the instance metadata service
// options; those left out keep their values.
func (s *Service) ModifyInstanceMetadataOptions(ctx context.Context, in *ec2api.ModifyInstanceMetadataOptionsInput) (*ec2api.ModifyInstanceMetadataOptionsOutput, error) {
	req := &ec2api.InstanceMetadataOptionsRequest{HttpTokens: in.HttpTokens, HttpPutResponseHopLimit: in.HttpPutResponseHopLimit,
		HttpEndpoint: in.HttpEndpoint, HttpProtocolIpv6: in.HttpProtocolIpv6, InstanceMetadataTags: in.InstanceMetadataTags}
	if err := checkMetadataRequest(req); err != nil {
		return nil, err
	}
	var opts *ec2api.InstanceMetadataOptionsResponse
	err := s.changeInstance(ctx, in.DryRun, deref(in.InstanceId), func(_ store.Tx, _ scope, r *instanceRec, now time.Time) error {
		if st := r.state(now); st == instTerminated || st == instShuttingDown {
			return incorrectState(r.ID, "modified")
		}
		r.Metadata = applyMetadata(r.Metadata, req)
		opts = r.metadataAPI()
		opts.State = ptr("pending")
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.ModifyInstanceMetadataOptionsOutput{InstanceId: in.InstanceId, InstanceMetadataOptions: opts}, nil
}

func applyMetadata(o metadataOpts, m *ec2api.InstanceMetadataOptionsRequest) metadataOpts {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&o.Tokens, m.HttpTokens)
	set(&o.Endpoint, m.HttpEndpoint)
	set(&o.IPv6, m.HttpProtocolIpv6)
	set(&o.Tags, m.InstanceMetadataTags)
	if m.HttpPutResponseHopLimit != nil {
		o.HopLimit = *m.HttpPutResponseHopLimit
	}
	return o
}

// GetConsoleOutput answers a plausible boot log: what cloud-init prints
// on an instance of the image, with its addresses.
func (s *Service) GetConsoleOutput(ctx context.Context, in *ec2api.GetConsoleOutputInput) (*ec2api.GetConsoleOutputOutput, error) {
	out := &ec2api.GetConsoleOutputOutput{InstanceId: in.InstanceId}
	err := s.readInstance(ctx, in.DryRun, deref(in.InstanceId), func(v *instView, r *instanceRec) error {
		out.Timestamp = ptr(v.now)
		if r.state(v.now) == instPending {
			return nil // nothing printed yet
		}
		out.Output = ptr(base64.StdEncoding.EncodeToString([]byte(consoleLog(r, v.sc.region))))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func consoleLog(r *instanceRec, region string) string {
	t := r.Launched.UTC()
	stamp := func(sec float64) string { return fmt.Sprintf("[%12.6f]", sec) }
	var b strings.Builder
	fmt.Fprintf(&b, "%s Linux version 6.1.0 (mockbuild@%s) #1 SMP\r\n", stamp(0), "builder.example.com")
	fmt.Fprintf(&b, "%s Command line: BOOT_IMAGE=/boot/vmlinuz root=%s ro console=ttyS0\r\n", stamp(0), r.RootDeviceName)
	fmt.Fprintf(&b, "%s DMI: Amazon EC2 %s, BIOS 1.0\r\n", stamp(0.000001), r.Type)
	fmt.Fprintf(&b, "%s ena: eth0: %s\r\n", stamp(1.2), r.MAC)
	fmt.Fprintf(&b, "Cloud-init v. 22.2.2 running 'init' at %s. Up 4.20 seconds.\r\n", t.Format(time.RFC1123))
	fmt.Fprintf(&b, "ci-info: | eth0 | True | %s | 255.255.240.0 | global | %s |\r\n", r.PrivateIP, r.MAC)
	fmt.Fprintf(&b, "Cloud-init v. 22.2.2 running 'modules:final' at %s. Up 8.40 seconds.\r\n", t.Format(time.RFC1123))
	fmt.Fprintf(&b, "Cloud-init v. 22.2.2 finished at %s. Datasource DataSourceEc2Local.  Up 8.90 seconds\r\n", t.Format(time.RFC1123))
	host, _, _ := strings.Cut(privateDNSName(region, r.PrivateIP), ".")
	fmt.Fprintf(&b, "\r\n%s login: \r\n", host)
	return b.String()
}

// GetLaunchTemplateData answers the instance's parameters as launch
// template data, so a template can be made from a running instance.
func (s *Service) GetLaunchTemplateData(ctx context.Context, in *ec2api.GetLaunchTemplateDataInput) (*ec2api.GetLaunchTemplateDataOutput, error) {
	var d *ec2api.ResponseLaunchTemplateData
	err := s.readInstance(ctx, in.DryRun, deref(in.InstanceId), func(v *instView, r *instanceRec) error {
		d = &ec2api.ResponseLaunchTemplateData{ImageId: ptr(r.ImageID), InstanceType: ptr(r.Type), EbsOptimized: ptr(r.EbsOptimized),
			DisableApiTermination: ptr(r.NoAPITermination), DisableApiStop: ptr(r.NoAPIStop),
			InstanceInitiatedShutdownBehavior: ptr(r.ShutdownBehavior),
			Monitoring:                        &ec2api.LaunchTemplatesMonitoring{Enabled: ptr(r.Monitoring)},
			Placement:                         &ec2api.LaunchTemplatePlacement{AvailabilityZone: ptr(r.Zone), GroupName: ptr(""), Tenancy: ptr(r.Tenancy)},
			HibernationOptions:                &ec2api.LaunchTemplateHibernationOptions{Configured: ptr(r.Hibernation)},
			MetadataOptions: &ec2api.LaunchTemplateInstanceMetadataOptions{State: ptr("applied"), HttpTokens: ptr(r.Metadata.Tokens),
				HttpPutResponseHopLimit: ptr(r.Metadata.HopLimit), HttpEndpoint: ptr(r.Metadata.Endpoint),
				HttpProtocolIpv6: ptr(r.Metadata.IPv6), InstanceMetadataTags: ptr(r.Metadata.Tags)},
		}
		if r.KeyName != "" {
			d.KeyName = ptr(r.KeyName)
		}
		if r.UserData != "" {
			d.UserData = ptr(r.UserData)
		}
		if r.Credits != "" {
			d.CreditSpecification = &ec2api.CreditSpecification{CpuCredits: ptr(r.Credits)}
		}
		if r.Profile != nil && r.Profile.State == "associated" {
			d.IamInstanceProfile = &ec2api.LaunchTemplateIamInstanceProfileSpecification{Arn: ptr(r.Profile.ARN)}
		}
		for _, dev := range r.Devices {
			d.BlockDeviceMappings = append(d.BlockDeviceMappings, ec2api.LaunchTemplateBlockDeviceMapping{DeviceName: ptr(dev.DeviceName),
				Ebs: &ec2api.LaunchTemplateEbsBlockDevice{DeleteOnTermination: ptr(dev.DeleteOnTermination), Encrypted: ptr(dev.Encrypted),
					SnapshotId: optional(dev.SnapshotID), VolumeSize: ptr(dev.VolumeSize), VolumeType: ptr(dev.VolumeType)}})
		}
		for _, e := range v.interfaces(r) {
			ni := ec2api.LaunchTemplateInstanceNetworkInterfaceSpecification{DeviceIndex: ptr(e.DeviceIndex), SubnetId: ptr(e.SubnetID),
				Groups: slices.Clone(e.Groups), DeleteOnTermination: ptr(e.DeleteOnTermination), Description: ptr(e.Description),
				NetworkCardIndex: ptr(e.NetworkCardIndex), InterfaceType: ptr(e.Type)}
			if e.ID == r.ENI {
				ni.AssociatePublicIpAddress = ptr(r.AssignPublic)
			}
			d.NetworkInterfaces = append(d.NetworkInterfaces, ni)
		}
		if tags := userTags(r.Tags); len(tags) > 0 {
			d.TagSpecifications = []ec2api.LaunchTemplateTagSpecification{{ResourceType: ptr("instance"), Tags: apiTags(tags)}}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.GetLaunchTemplateDataOutput{LaunchTemplateData: d}, nil
}

// userTags leaves out the aws: tags AWS sets, which a template cannot
// carry.
func userTags(m map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		if !strings.HasPrefix(k, "aws:") {
			out[k] = v
		}
	}
	return out
}
