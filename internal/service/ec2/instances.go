package ec2

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"hakoniwa/internal/store"

	ec2api "hakoniwa/internal/api/ec2"
)

// Instance states, with the codes the API pairs them with. An instance
// moves through them on the server's clock: its record holds the last
// transition asked for (phase) and when, and the state is computed from
// those whenever it is read, as for NAT gateways, so no background work
// runs and a restart loses nothing.
const (
	instPending      = "pending"
	instRunning      = "running"
	instShuttingDown = "shutting-down"
	instTerminated   = "terminated"
	instStopping     = "stopping"
	instStopped      = "stopped"
)

var stateCodes = map[string]int64{instPending: 0, instRunning: 16, instShuttingDown: 32, instTerminated: 48, instStopping: 64, instStopped: 80}

// Phases: the transition an instance was last asked to make.
const (
	phaseStart     = "start"
	phaseStop      = "stop"
	phaseTerminate = "terminate"
)

// Simulated durations: AWS takes tens of seconds, hakoniwa keeps the shape
// of the state machine (clients poll or wait) but answers in seconds so
// waiters finish quickly.
const (
	instPendingFor  = 2 * time.Second
	instStoppingFor = 2 * time.Second
	instShuttingFor = 2 * time.Second
	// instRetention is how long terminated instances stay visible, as
	// AWS shows them for about an hour.
	instRetention = time.Hour
)

// instanceRec is an instance. Its JSON names "vpc", "az", "privateIp" and
// "eni" are read by id through the kinds registry (AssociateAddress, route
// targets, AttachNetworkInterface), and "gone" tells those readers the
// instance is shutting down or terminated: they must keep those names.
type instanceRec struct {
	meta
	Owner       string `json:"owner"`
	Reservation string `json:"reservation"`
	ImageID     string `json:"image"`
	Type        string `json:"type"`
	VpcID       string `json:"vpc"`
	SubnetID    string `json:"subnet"`
	Zone        string `json:"az"`
	ZoneID      string `json:"azId"`
	PrivateIP   string `json:"privateIp"`
	// PublicIP is the address drawn at launch (or start) from the
	// Region's public pool; an Elastic IP on the primary interface
	// takes its place in what Describe shows.
	PublicIP     string    `json:"publicIp,omitempty"`
	AssignPublic bool      `json:"assignPublic,omitempty"`
	ENI          string    `json:"eni"`
	MAC          string    `json:"mac"`
	KeyName      string    `json:"key,omitempty"`
	LaunchIndex  int64     `json:"launchIndex"`
	Launched     time.Time `json:"launched"`
	Phase        string    `json:"phase"`
	Since        time.Time `json:"since"`
	// Gone is set when termination starts; raw readers of the record
	// (eip.go, eni.go, rtb.go) treat the instance as no target.
	Gone bool `json:"gone,omitempty"`
	// Reason is StateTransitionReason; ReasonCode the StateReason code
	// (its message is derived).
	Reason     string `json:"reason,omitempty"`
	ReasonCode string `json:"reasonCode,omitempty"`
	UserData   string `json:"userData,omitempty"` // base64, as given
	Token      string `json:"token,omitempty"`
	// RequestHash is what a retry with the same ClientToken must match.
	RequestHash      string       `json:"reqHash,omitempty"`
	Profile          *instProfile `json:"profile,omitempty"`
	Metadata         metadataOpts `json:"imds"`
	Credits          string       `json:"credits,omitempty"` // standard | unlimited; "" for non-burstable types
	NoAPITermination bool         `json:"noTerminate,omitempty"`
	NoAPIStop        bool         `json:"noStop,omitempty"`
	ShutdownBehavior string       `json:"shutdown"`
	EbsOptimized     bool         `json:"ebsOptimized,omitempty"`
	Monitoring       bool         `json:"monitoring,omitempty"`
	Hibernation      bool         `json:"hibernation,omitempty"`
	Tenancy          string       `json:"tenancy"`
	// What the image gave the instance.
	Architecture    string `json:"arch"`
	Platform        string `json:"platform,omitempty"`
	PlatformDetails string `json:"platformDetails"`
	UsageOperation  string `json:"usageOp"`
	RootDeviceName  string `json:"rootDevice"`
	RootDeviceType  string `json:"rootDeviceType"`
	Virtualization  string `json:"virt"`
	BootMode        string `json:"bootMode,omitempty"`
	EnaSupport      bool   `json:"ena,omitempty"`
	// Devices are the EBS block devices the instance launched with.
	Devices []instanceDevice `json:"bdm,omitempty"`
}

// instProfile is the IAM instance profile associated with an instance.
type instProfile struct {
	ARN      string `json:"arn"`
	ID       string `json:"id"`
	AssocID  string `json:"assoc"`
	RoleARN  string `json:"roleArn,omitempty"`
	RoleName string `json:"roleName,omitempty"`
	// State is the association's: associating | associated |
	// disassociating | disassociated.
	State string `json:"state"`
}

// metadataOpts are the instance metadata service options.
type metadataOpts struct {
	Tokens   string `json:"tokens"`   // optional | required
	Endpoint string `json:"endpoint"` // enabled | disabled
	HopLimit int64  `json:"hops"`
	IPv6     string `json:"ipv6"` // enabled | disabled
	Tags     string `json:"tags"` // enabled | disabled
}

// instanceDevice is one EBS block device of an instance.
type instanceDevice struct {
	DeviceName          string    `json:"device"`
	VolumeID            string    `json:"volume"`
	SnapshotID          string    `json:"snapshot,omitempty"`
	VolumeSize          int64     `json:"size,omitempty"`
	VolumeType          string    `json:"type,omitempty"`
	Iops                int64     `json:"iops,omitempty"`
	Throughput          int64     `json:"throughput,omitempty"`
	Encrypted           bool      `json:"encrypted,omitempty"`
	DeleteOnTermination bool      `json:"deleteOnTerm,omitempty"`
	AttachTime          time.Time `json:"attachTime"`
}

var (
	kindInstance  = kindInfo{"i", "instance", "instance", "instance", "InvalidInstanceID"}
	instanceKinds = []kindInfo{kindInstance}

	instanceTokens = "client-token"
	instances      = &table[instanceRec, *instanceRec]{kind: "instance", indexes: map[string]func(*instanceRec) string{
		"vpc-id":         func(r *instanceRec) string { return r.VpcID },
		"subnet-id":      func(r *instanceRec) string { return r.SubnetID },
		"instance-type":  func(r *instanceRec) string { return r.Type },
		"image-id":       func(r *instanceRec) string { return r.ImageID },
		"reservation-id": func(r *instanceRec) string { return r.Reservation },
		"key-name":       func(r *instanceRec) string { return r.KeyName },
		instanceTokens:   func(r *instanceRec) string { return r.Token },
		// gone lists the terminated, so purgeInstances finds them
		// without a scan.
		"(gone)": func(r *instanceRec) string {
			if r.Gone {
				return "gone"
			}
			return ""
		},
		"iam-instance-profile.association-id": func(r *instanceRec) string {
			if r.Profile == nil {
				return ""
			}
			return r.Profile.AssocID
		},
	}}
)

// state computes the instance's state at now.
func (r *instanceRec) state(now time.Time) string {
	switch r.Phase {
	case phaseStop:
		if now.Before(r.Since.Add(instStoppingFor)) {
			return instStopping
		}
		return instStopped
	case phaseTerminate:
		if now.Before(r.Since.Add(instShuttingFor)) {
			return instShuttingDown
		}
		return instTerminated
	}
	if now.Before(r.Since.Add(instPendingFor)) {
		return instPending
	}
	return instRunning
}

// visible reports whether Describe still shows the instance.
func (r *instanceRec) visible(now time.Time) bool {
	return r.Phase != phaseTerminate || now.Before(r.Since.Add(instShuttingFor+instRetention))
}

// counts reports whether the instance counts against the running vCPU
// quota: every state but stopped and terminated.
func (r *instanceRec) counts(now time.Time) bool {
	st := r.state(now)
	return st != instStopped && st != instTerminated
}

func (r *instanceRec) apiState(now time.Time) *ec2api.InstanceState {
	st := r.state(now)
	return &ec2api.InstanceState{Code: ptr(stateCodes[st]), Name: ptr(st)}
}

// stateReasons are AWS's StateReason messages by code.
var stateReasons = map[string]string{
	"Client.UserInitiatedShutdown":     "Client.UserInitiatedShutdown: User initiated shutdown",
	"Client.UserInitiatedHibernate":    "Client.UserInitiatedHibernate: User initiated hibernate",
	"Client.InstanceInitiatedShutdown": "Client.InstanceInitiatedShutdown: Instance initiated shutdown",
	"pending":                          "pending",
}

// transitionReason is how AWS words a user's transition:
// "User initiated (2025-01-01 00:00:00 GMT)".
func transitionReason(t time.Time) string {
	return "User initiated (" + t.UTC().Format("2006-01-02 15:04:05") + " GMT)"
}

// instanceGone reads the "gone" flag of a raw instance record: an instance
// shutting down or terminated is no target for addresses, interfaces or
// routes.
func instanceGone(fields map[string]json.RawMessage) bool {
	var gone bool
	if raw, ok := fields["gone"]; ok {
		_ = json.Unmarshal(raw, &gone) // a non-bool reads as false
	}
	return gone
}

func incorrectState(id, verb string) error {
	return errf(http.StatusBadRequest, "IncorrectInstanceState", "The instance '%s' is not in a state from which it can be %s.", id, verb)
}

// getInstance returns a visible instance of sc or AWS's error for the id.
func getInstance(tx store.Tx, sc scope, id string, now time.Time) (*instanceRec, error) {
	r, err := getByKind(tx, sc, instances, kindInstance, id)
	if err != nil {
		return nil, err
	}
	if !r.visible(now) {
		return nil, kindInstance.notFound(id)
	}
	return r, nil
}

// publicDNSName is the EC2 public host name of an address.
func publicDNSName(region, ip string) string {
	host := "ec2-" + strings.ReplaceAll(ip, ".", "-")
	if region == "us-east-1" {
		return host + ".compute-1.amazonaws.com"
	}
	return host + "." + region + ".compute.amazonaws.com"
}

// instanceIndexBucket maps every instance id to its account and Region,
// so the metadata service can find an instance by id alone. It is keyed
// by a pseudo-account, as the address pool is, that no 12-digit account
// can collide with.
func instanceIndexBucket() store.Bucket {
	return store.Bucket{Account: "global", Service: "ec2", Kind: "instance-index"}
}

type instanceLocation struct {
	Account string `json:"account"`
	Region  string `json:"region"`
}

// The running vCPU book: one small entry per instance that is not
// terminated, keyed "<quota class>/<instance id>", so RunInstances counts
// a class's vCPUs without reading every instance record. putInstance
// keeps it in step with the record.

func vcpuBucket(sc scope) store.Bucket {
	return store.Bucket{Account: sc.account, Region: sc.region, Service: "ec2", Kind: "instance@vcpu"}
}

type vcpuEntry struct {
	VCPUs int       `json:"v"`
	Phase string    `json:"p"`
	Since time.Time `json:"s"`
}

func vcpuKey(r *instanceRec) string { return vcpuQuotaClass(r.Type) + "/" + r.ID }

// putInstance writes r and its vCPU book entry.
func putInstance(tx store.Tx, sc scope, r *instanceRec) error {
	if r.Phase == phaseTerminate {
		if err := tx.Delete(vcpuBucket(sc), vcpuKey(r)); err != nil {
			return err
		}
	} else {
		t, _ := lookupInstanceType(r.Type)
		if err := store.PutJSON(tx, vcpuBucket(sc), vcpuKey(r), vcpuEntry{VCPUs: t.VCPUs, Phase: r.Phase, Since: r.Since}); err != nil {
			return err
		}
	}
	return instances.put(tx, sc, r)
}

// runningVCPUs adds up the vCPUs of a quota class's instances that count
// against it at now.
func runningVCPUs(tx store.Tx, sc scope, class string, now time.Time) (int, error) {
	used := 0
	err := store.ScanJSON(tx, vcpuBucket(sc), class+"/", "", func(_ string, e vcpuEntry) bool {
		if (&instanceRec{Phase: e.Phase, Since: e.Since}).counts(now) {
			used += e.VCPUs
		}
		return true
	})
	return used, err
}

// purgeInstances forgets instances an hour past termination, which
// Describe no longer shows, so their records do not pile up; it runs with
// the writes that launch instances.
func purgeInstances(tx store.Tx, sc scope, now time.Time) error {
	gone, err := instances.by(tx, sc, "(gone)", "gone")
	if err != nil {
		return err
	}
	for _, r := range gone {
		if r.visible(now) {
			continue
		}
		if err := tx.Delete(instanceIndexBucket(), r.ID); err != nil {
			return err
		}
		if err := instances.delete(tx, sc, r); err != nil {
			return err
		}
	}
	return nil
}
