package ec2

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"

	"hakoniwa/internal/store"

	ec2api "hakoniwa/internal/api/ec2"
)

// maxUserData is the limit AWS sets on decoded user data.
const maxUserData = 16 * 1024

// defaultInstanceType stands in for AWS's documented default, m1.small, a
// previous-generation type the catalogue does not sell.
const defaultInstanceType = "t2.micro"

// launch is a RunInstances request after the launch template's parameters
// were merged in and the static checks passed.
type launch struct {
	in         *ec2api.RunInstancesInput
	min, max   int64
	itype      instanceTypeSpec
	userData   string
	nic        *ec2api.InstanceNetworkInterfaceSpecification // the primary interface's spec, if any
	tags       map[string]map[string]string                  // resource type → tags
	ltID       string
	ltVersion  int64
	hash       string
	profile    *InstanceProfile
	credits    string
	shutdown   string
	metadata   *ec2api.InstanceMetadataOptionsRequest
	hibernates bool
}

// launchIDs are drawn before the transaction, which may run again.
type launchIDs struct {
	reservation string
	instances   []launchInstanceIDs
}

type launchInstanceIDs struct {
	instance, eni, mac, attach string
	volumes                    []string
}

// taggable are the resource types RunInstances' TagSpecifications name.
var launchTaggable = map[string]bool{"instance": true, "volume": true, "network-interface": true, "spot-instances-request": true}

// RunInstances launches instances: each gets a primary network interface
// in its subnet, a private address (and a public one where the subnet or
// the request says so), its image's block devices, and starts pending.
func (s *Service) RunInstances(ctx context.Context, in *ec2api.RunInstancesInput) (*ec2api.RunInstancesOutput, error) {
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	l := &launch{in: in}
	if id, ok := resolveImageAlias(sc.region, deref(in.ImageId)); ok {
		// RunInstances takes a public SSM parameter as ImageId too.
		c := *in
		c.ImageId = &id
		l.in = &c
	}
	if in.LaunchTemplate != nil {
		err := s.st.View(ctx, func(tx store.Tx) error {
			id, v, data, err := s.resolveLaunchTemplate(tx, sc, in.LaunchTemplate)
			if err != nil {
				return err
			}
			merged := *l.in
			applyTemplate(&merged, data)
			l.in, l.ltID, l.ltVersion = &merged, id, v
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	if err := s.checkLaunch(l); err != nil {
		return nil, err
	}
	// The profile's role is a permission (iam:PassRole) a dry run checks.
	if err := s.launchProfile(ctx, sc, l); err != nil {
		return nil, err
	}
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	ids := s.drawLaunchIDs(l)
	now := s.clock.Now()
	var made []*instanceRec
	err = s.st.Update(ctx, func(tx store.Tx) error {
		made = nil
		if tok := deref(in.ClientToken); tok != "" {
			prior, err := instancesByToken(tx, sc, tok)
			if err != nil {
				return err
			}
			if len(prior) > 0 {
				if prior[0].RequestHash != l.hash {
					return idempotentMismatch()
				}
				made = prior
				return nil
			}
		}
		var err error
		made, err = s.launchTx(tx, sc, l, ids, now)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.reservation(ctx, sc, made, now)
}

func instancesByToken(tx store.Tx, sc scope, token string) ([]*instanceRec, error) {
	recs, err := instances.by(tx, sc, instanceTokens, token)
	if err != nil {
		return nil, err
	}
	out := recs[:0]
	for _, r := range recs {
		// The index is a prefix scan: "a" also finds the entries of "a/b".
		if r.Token == token {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b *instanceRec) int { return int(a.LaunchIndex - b.LaunchIndex) })
	return out, nil
}

// reservation renders instances of one reservation as RunInstances
// answers.
func (s *Service) reservation(ctx context.Context, sc scope, made []*instanceRec, now time.Time) (*ec2api.Reservation, error) {
	out := &ec2api.Reservation{OwnerId: ptr(sc.account), Groups: []ec2api.GroupIdentifier{}, Instances: make([]ec2api.Instance, 0, len(made))}
	if len(made) > 0 {
		out.ReservationId = ptr(made[0].Reservation)
	}
	err := s.st.View(ctx, func(tx store.Tx) error {
		v := s.newInstView(tx, sc, now)
		for _, r := range made {
			out.Instances = append(out.Instances, v.api(r))
		}
		return v.err
	})
	return out, err
}

// checkLaunch runs the checks that need no stored state.
func (s *Service) checkLaunch(l *launch) error {
	in := l.in
	switch {
	case in.MinCount == nil:
		return missingParam("MinCount")
	case in.MaxCount == nil:
		return missingParam("MaxCount")
	case deref(in.ImageId) == "":
		return missingParam("ImageId")
	}
	l.min, l.max = *in.MinCount, *in.MaxCount
	switch {
	case l.min < 1:
		return invalidParam("Minimum instance count must be greater than zero")
	case l.max < 1:
		return invalidParam("Maximum instance count must be greater than zero")
	case l.min > l.max:
		return invalidParam("MinCount (%d) must be less than or equal to MaxCount (%d)", l.min, l.max)
	}
	typ := deref(in.InstanceType)
	if typ == "" {
		typ = defaultInstanceType
	}
	spec, ok := lookupInstanceType(typ)
	if !ok {
		return invalidParam("Invalid value '%s' for InstanceType.", typ)
	}
	l.itype = spec
	if err := l.checkUserData(); err != nil {
		return err
	}
	if err := l.checkNetwork(); err != nil {
		return err
	}
	if err := l.checkOptions(); err != nil {
		return err
	}
	if err := s.launchTags(l); err != nil {
		return err
	}
	return l.computeHash()
}

func (l *launch) checkUserData() error {
	ud := deref(l.in.UserData)
	if ud == "" {
		return nil
	}
	raw, err := base64.StdEncoding.DecodeString(ud)
	if err != nil {
		if raw, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(ud, "=")); err != nil {
			return invalidParam("Invalid BASE64 encoding of user data.")
		}
	}
	if len(raw) > maxUserData {
		return invalidParam("User data is limited to %d bytes", maxUserData)
	}
	l.userData = base64.StdEncoding.EncodeToString(raw)
	return nil
}

func (l *launch) checkNetwork() error {
	in := l.in
	if len(in.NetworkInterfaces) == 0 {
		if in.PrivateIpAddress != nil && l.max > 1 {
			return invalidParam("Cannot specify a private IP address when launching more than one instance")
		}
		return nil
	}
	for i := range in.NetworkInterfaces {
		n := &in.NetworkInterfaces[i]
		if n.DeviceIndex == nil || *n.DeviceIndex == 0 {
			if l.nic != nil {
				return invalidParam("Each network interface requires a unique device index.")
			}
			l.nic = n
			continue
		}
		return invalidParam("Only the primary network interface (device index 0) can be specified at launch; attach others with AttachNetworkInterface")
	}
	switch {
	case l.nic == nil:
		return invalidParam("The primary network interface (device index 0) must be specified")
	case in.SubnetId != nil:
		return invalidCombination("Network interfaces and an instance-level subnet ID may not be specified on the same request")
	case len(in.SecurityGroupIds) > 0 || len(in.SecurityGroups) > 0:
		return invalidCombination("Network interfaces and an instance-level security groups may not be specified on the same request")
	case in.PrivateIpAddress != nil:
		return invalidCombination("Network interfaces and an instance-level private IP address may not be specified on the same request")
	case l.nic.NetworkInterfaceId != nil && (l.nic.SubnetId != nil || len(l.nic.Groups) > 0 || l.nic.PrivateIpAddress != nil || l.nic.AssociatePublicIpAddress != nil):
		return invalidCombination("The parameter networkInterfaceId cannot be combined with subnetId, groups, privateIpAddress or associatePublicIpAddress")
	case l.nic.NetworkInterfaceId != nil && l.max > 1:
		return invalidParam("Cannot launch more than one instance with an existing network interface")
	case (l.nic.PrivateIpAddress != nil || len(l.nic.PrivateIpAddresses) > 0) && l.max > 1:
		return invalidParam("Cannot specify a private IP address when launching more than one instance")
	}
	return nil
}

func (l *launch) checkOptions() error {
	in := l.in
	l.shutdown = deref(in.InstanceInitiatedShutdownBehavior)
	switch l.shutdown {
	case "":
		l.shutdown = "stop"
	case "stop", "terminate":
	default:
		return invalidParam("Value (%s) for parameter instanceInitiatedShutdownBehavior is invalid. Valid values: stop, terminate", l.shutdown)
	}
	if l.itype.Burstable {
		l.credits = "unlimited"
		if l.itype.Family == "t2" {
			l.credits = "standard"
		}
	}
	if c := in.CreditSpecification; c != nil {
		v := strings.ToLower(deref(c.CpuCredits))
		switch {
		case v != "standard" && v != "unlimited":
			return invalidParam("Value (%s) for parameter cpuCredits is invalid. Valid values: standard, unlimited", deref(c.CpuCredits))
		case !l.itype.Burstable:
			return invalidParam("The specified instance type does not support CPU credits")
		}
		l.credits = v
	}
	l.hibernates = in.HibernationOptions != nil && isTrue(in.HibernationOptions.Configured)
	if l.hibernates && l.itype.BareMetal {
		return invalidParam("Hibernation is not supported for the %s instance type", l.itype.Name)
	}
	l.metadata = in.MetadataOptions
	return checkMetadataRequest(l.metadata)
}

// checkMetadataRequest validates instance metadata options as
// RunInstances and ModifyInstanceMetadataOptions take them.
func checkMetadataRequest(m *ec2api.InstanceMetadataOptionsRequest) error {
	if m == nil {
		return nil
	}
	enum := func(name string, v *string, ok ...string) error {
		if v != nil && !slices.Contains(ok, *v) {
			return invalidParam("Value (%s) for parameter %s is invalid. Valid values: %s", *v, name, strings.Join(ok, ", "))
		}
		return nil
	}
	if err := enum("HttpTokens", m.HttpTokens, "optional", "required"); err != nil {
		return err
	}
	if err := enum("HttpEndpoint", m.HttpEndpoint, "enabled", "disabled"); err != nil {
		return err
	}
	if err := enum("HttpProtocolIpv6", m.HttpProtocolIpv6, "enabled", "disabled"); err != nil {
		return err
	}
	if err := enum("InstanceMetadataTags", m.InstanceMetadataTags, "enabled", "disabled"); err != nil {
		return err
	}
	if h := m.HttpPutResponseHopLimit; h != nil && (*h < 1 || *h > 64) {
		return invalidParam("Value (%d) for parameter HttpPutResponseHopLimit is invalid. Valid values: 1 to 64", *h)
	}
	return nil
}

// launchTags sorts the TagSpecifications by resource type and adds the
// launch template tags AWS puts on instances launched from one.
func (s *Service) launchTags(l *launch) error {
	given := map[string][]ec2api.Tag{}
	for _, spec := range l.in.TagSpecifications {
		rt := deref(spec.ResourceType)
		switch {
		case rt == "":
			return invalidParam("Tag specification resource type must have a value")
		case !launchTaggable[rt]:
			return invalidParam("'%s' is not a valid taggable resource type for this operation.", rt)
		}
		given[rt] = append(given[rt], spec.Tags...)
	}
	l.tags = map[string]map[string]string{}
	for rt, tags := range given {
		m, err := s.mergeTags(nil, tags)
		if err != nil {
			return err
		}
		l.tags[rt] = m
	}
	if l.ltID != "" {
		m := l.tags["instance"]
		if m == nil {
			m = map[string]string{}
		}
		m["aws:ec2launchtemplate:id"] = l.ltID
		m["aws:ec2launchtemplate:version"] = itoa(l.ltVersion)
		l.tags["instance"] = m
	}
	return nil
}

// computeHash fingerprints the request for ClientToken idempotency.
func (l *launch) computeHash() error {
	c := *l.in
	c.ClientToken, c.DryRun = nil, nil
	raw, err := json.Marshal(c)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(raw)
	l.hash = hex.EncodeToString(sum[:])
	return nil
}

// launchProfile resolves IamInstanceProfile through IAM, outside the
// transaction: IAM keeps its own state.
func (s *Service) launchProfile(ctx context.Context, sc scope, l *launch) error {
	p := l.in.IamInstanceProfile
	if p == nil || (deref(p.Arn) == "" && deref(p.Name) == "") {
		return nil
	}
	prof, err := s.findProfile(ctx, sc, deref(p.Arn), deref(p.Name))
	if err != nil {
		return err
	}
	l.profile = &prof
	return nil
}

// findProfile resolves an instance profile by ARN or name; with IAM off
// every profile is unknown.
func (s *Service) findProfile(ctx context.Context, sc scope, arn, name string) (InstanceProfile, error) {
	if arn != "" && name != "" {
		return InstanceProfile{}, invalidCombination("The parameter 'iamInstanceProfile.arn' may not be used in combination with 'iamInstanceProfile.name'")
	}
	if s.roles == nil {
		if arn != "" {
			return InstanceProfile{}, invalidParam("Value (%s) for parameter iamInstanceProfile.arn is invalid. Invalid IAM Instance Profile ARN", arn)
		}
		return InstanceProfile{}, invalidParam("Value (%s) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name", name)
	}
	ref := name
	if arn != "" {
		ref = arn
	}
	p, err := s.roles.InstanceProfile(ctx, sc.account, ref)
	if err != nil {
		return InstanceProfile{}, err
	}
	if p.RoleARN != "" {
		// The instance will act as the role: its launcher must be allowed
		// to hand it over.
		if err := s.roles.PassRole(ctx, p.RoleARN); err != nil {
			return InstanceProfile{}, err
		}
	}
	return p, nil
}

func (s *Service) drawLaunchIDs(l *launch) launchIDs {
	ids := launchIDs{reservation: s.ids.Resource("r")}
	for range l.max {
		one := launchInstanceIDs{instance: s.ids.Resource("i"), eni: s.ids.Resource("eni"), mac: s.macAddress(), attach: s.ids.Resource("eni-attach")}
		for range 4 + len(l.in.BlockDeviceMappings) {
			one.volumes = append(one.volumes, s.ids.Resource("vol"))
		}
		ids.instances = append(ids.instances, one)
	}
	return ids
}

func imdsDefaults(img *imageView, m *ec2api.InstanceMetadataOptionsRequest) metadataOpts {
	o := metadataOpts{Tokens: "optional", Endpoint: "enabled", HopLimit: 1, IPv6: "disabled", Tags: "disabled"}
	if img.ImdsSupport == "v2.0" {
		// An AMI that declares IMDSv2 support launches IMDSv2-only,
		// with a hop limit that lets containers reach the service.
		o.Tokens, o.HopLimit = "required", 2
	}
	if m == nil {
		return o
	}
	return applyMetadata(o, m)
}

func vcpuLimitExceeded(limit int) error {
	return errf(http.StatusBadRequest, "VcpuLimitExceeded", "You have requested more vCPU capacity than your current vCPU limit of %d allows for the instance bucket that the specified instance type belongs to. Please visit http://aws.amazon.com/contact-us/ec2-request to request an adjustment to this limit.", limit)
}
