package ec2

import (
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"hakoniwa/internal/awsdata/images"
	"hakoniwa/internal/store"

	ec2api "hakoniwa/internal/api/ec2"
)

// imageRec is an image an account registered, copied or created. Public
// catalogue images are not stored: they are the same for every account of
// a Region (internal/awsdata/images).
type imageRec struct {
	meta
	Owner       string `json:"owner"`
	Name        string `json:"name"`
	Description string `json:"desc,omitempty"`
	State       string `json:"state"` // available | deregistered
	// Ready is when the image's last snapshot completes: until then an
	// available image shows as pending, as AWS's does while it snapshots.
	Ready              time.Time     `json:"ready,omitempty"`
	Architecture       string        `json:"arch"`
	Platform           string        `json:"platform,omitempty"`
	RootDeviceName     string        `json:"rootDevice"`
	VirtualizationType string        `json:"virt"`
	EnaSupport         bool          `json:"ena,omitempty"`
	SriovNetSupport    string        `json:"sriov,omitempty"`
	BootMode           string        `json:"bootMode,omitempty"`
	ImdsSupport        string        `json:"imds,omitempty"`
	Created            time.Time     `json:"created"`
	BlockDevices       []imageDevice `json:"bdm"`
	SourceImage        string        `json:"sourceImage,omitempty"`
	SourceRegion       string        `json:"sourceRegion,omitempty"`
	SourceInstance     string        `json:"sourceInstance,omitempty"`
	LaunchUsers        []string      `json:"launchUsers,omitempty"` // account ids
	LaunchPublic       bool          `json:"public,omitempty"`      // group "all"
}

// imageDevice is one block device mapping of an image.
type imageDevice struct {
	DeviceName          string `json:"device"`
	SnapshotID          string `json:"snapshot,omitempty"`
	VolumeSize          int    `json:"size,omitempty"`
	VolumeType          string `json:"type,omitempty"`
	DeleteOnTermination bool   `json:"deleteOnTerm,omitempty"`
	Encrypted           bool   `json:"encrypted,omitempty"`
	Iops                int    `json:"iops,omitempty"`
	Throughput          int    `json:"throughput,omitempty"`
	VirtualName         string `json:"virtualName,omitempty"`
	NoDevice            bool   `json:"noDevice,omitempty"`
}

var (
	kindImage  = kindInfo{"ami", "image", "image", "image", "InvalidAMIID"}
	imageKinds = []kindInfo{kindImage}

	imagesTable = &table[imageRec, *imageRec]{kind: "image"}
)

// imageView is an image as a launch sees it, whether it comes from the
// public catalogue or an account.
type imageView struct {
	ID, Name, OwnerID, OwnerAlias, Description string
	Architecture, Platform                     string
	PlatformDetails, UsageOperation            string
	RootDeviceName, RootDeviceType             string
	VirtualizationType, BootMode, ImdsSupport  string
	EnaSupport                                 bool
	SriovNetSupport                            string
	State                                      string
	Public                                     bool
	Created                                    time.Time
	BlockDeviceMappings                        []imageDevice
	Tags                                       map[string]string
	// rec is the stored image, nil for a catalogue image.
	rec *imageRec
}

func (v *imageView) id() string                  { return v.ID }
func (v *imageView) tagMap() map[string]string   { return v.Tags }
func (v *imageView) setTags(t map[string]string) { v.Tags = t }

func publicView(img images.Image) *imageView {
	v := &imageView{ID: img.ID, Name: img.Name, OwnerID: img.OwnerID, OwnerAlias: img.OwnerAlias, Description: img.Description,
		Architecture: img.Architecture, Platform: img.Platform, PlatformDetails: img.PlatformDetails, UsageOperation: img.UsageOperation,
		RootDeviceName: img.RootDeviceName, RootDeviceType: img.RootDeviceType, VirtualizationType: img.VirtualizationType,
		BootMode: img.BootMode, ImdsSupport: img.ImdsSupport, EnaSupport: img.EnaSupport, SriovNetSupport: img.SriovNetSupport,
		State: "available", Public: true, Created: img.CreationDate}
	for _, bd := range img.BlockDevices {
		v.BlockDeviceMappings = append(v.BlockDeviceMappings, imageDevice{DeviceName: bd.DeviceName, SnapshotID: bd.SnapshotID,
			VolumeSize: bd.VolumeSize, VolumeType: bd.VolumeType, DeleteOnTermination: bd.DeleteOnTermination,
			Encrypted: bd.Encrypted, Iops: bd.Iops, Throughput: bd.Throughput})
	}
	return v
}

// state is the image's state at now: pending until its snapshots complete.
func (r *imageRec) state(now time.Time) string {
	if r.State == "available" && now.Before(r.Ready) {
		return "pending"
	}
	return r.State
}

func (r *imageRec) view(now time.Time) *imageView {
	v := &imageView{ID: r.ID, Name: r.Name, OwnerID: r.Owner, Description: r.Description, Architecture: r.Architecture,
		Platform: r.Platform, PlatformDetails: "Linux/UNIX", UsageOperation: "RunInstances", RootDeviceName: r.RootDeviceName,
		RootDeviceType: "ebs", VirtualizationType: r.VirtualizationType, BootMode: r.BootMode, ImdsSupport: r.ImdsSupport,
		EnaSupport: r.EnaSupport, SriovNetSupport: r.SriovNetSupport, State: r.state(now), Public: r.LaunchPublic,
		Created: r.Created, BlockDeviceMappings: slices.Clone(r.BlockDevices), Tags: r.Tags, rec: r}
	if r.Platform == "windows" {
		v.PlatformDetails, v.UsageOperation = "Windows", "RunInstances:0002"
	}
	return v
}

func (v *imageView) launchableBy(account string) bool {
	if v.Public || v.OwnerID == account {
		return true
	}
	return v.rec != nil && slices.Contains(v.rec.LaunchUsers, account)
}

func imageMalformed(id string) error {
	return errf(http.StatusBadRequest, "InvalidAMIID.Malformed", "Invalid id: \"%s\" (expecting \"ami-...\")", id)
}

func imageNotFound(id string) error {
	return errf(http.StatusBadRequest, "InvalidAMIID.NotFound", "The image id '[%s]' does not exist", id)
}

// sharedImages indexes images shared with an account across owners: the
// owner's record keeps the launch permission, and this entry, under the
// grantee's scope, lets the grantee find it.
func sharedBucket(sc scope) store.Bucket {
	return store.Bucket{Account: sc.account, Region: sc.region, Service: "ec2", Kind: "image-shared"}
}

// lookupImage finds an image by id: the catalogue, the caller's own, or
// one shared with it (through the shared index). ok=false: no such image
// visible to the caller.
func lookupImage(tx store.Tx, sc scope, id string, now time.Time) (*imageView, bool, error) {
	if img, ok := images.Lookup(sc.region, id); ok {
		return publicView(img), true, nil
	}
	if r, err := imagesTable.get(tx, sc, id); err == nil {
		return r.view(now), true, nil
	} else if !isNotFound(err) {
		return nil, false, err
	}
	owner, err := tx.Get(sharedBucket(sc), id)
	if isNotFound(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	r, err := imagesTable.get(tx, scope{string(owner), sc.region}, id)
	if isNotFound(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	v := r.view(now)
	v.Tags = nil // tags belong to the owner's view
	return v, v.launchableBy(sc.account), nil
}

// findImage returns an image sc's account may launch: a public catalogue
// image, its own, or one shared with it; InvalidAMIID.* otherwise.
func (s *Service) findImage(tx store.Tx, sc scope, id string) (*imageView, error) {
	if !wellFormed(id, "ami") {
		return nil, imageMalformed(id)
	}
	v, ok, err := lookupImage(tx, sc, id, s.clock.Now())
	if err != nil {
		return nil, err
	}
	if !ok || v.State == "deregistered" || !v.launchableBy(sc.account) {
		return nil, imageNotFound(id)
	}
	if v.State != "available" {
		return nil, errf(http.StatusBadRequest, "InvalidAMIID.Unavailable", "AMI '%s' is %s, and cannot be run", id, v.State)
	}
	return v, nil
}

// registerImage stores a new image of sc's account (RegisterImage,
// CopyImage, and CreateImage from an instance). It fills what the caller
// left empty: id, owner, state, creation time.
func (s *Service) registerImage(tx store.Tx, sc scope, rec *imageRec) error {
	if rec.ID == "" {
		rec.ID = s.ids.Resource("ami")
	}
	rec.Owner = sc.account
	if rec.State == "" {
		rec.State = "available"
	}
	if rec.Created.IsZero() {
		rec.Created = s.clock.Now().UTC()
	}
	if rec.VirtualizationType == "" {
		rec.VirtualizationType = "hvm"
	}
	if err := checkImageName(rec.Name); err != nil {
		return err
	}
	for _, d := range rec.BlockDevices {
		if d.SnapshotID == "" {
			continue
		}
		snap, err := lookupSnapshot(tx, sc, d.SnapshotID)
		if err != nil {
			return err
		}
		if snap.Ready.After(rec.Ready) {
			rec.Ready = snap.Ready
		}
	}
	dup := ""
	err := imagesTable.all(tx, sc, func(r *imageRec) bool {
		if r.Name == rec.Name && r.State != "deregistered" {
			dup = r.ID
		}
		return dup == ""
	})
	if err != nil {
		return err
	}
	if dup != "" {
		return errf(http.StatusBadRequest, "InvalidAMIName.Duplicate", "AMI name %s is already in use by AMI %s", rec.Name, dup)
	}
	return imagesTable.put(tx, sc, rec)
}

// checkImageName applies AWS's rule: 3 to 128 characters of letters,
// digits, ( ) [ ] space . / - ' @ _.
func checkImageName(name string) error {
	if len(name) < 3 || len(name) > 128 {
		return errf(http.StatusBadRequest, "InvalidAMIName.Malformed", "AMI names must be between 3 and 128 characters long, and may contain letters, numbers, '(', ')', '.', '-', '/' and '_'")
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("()[] ./-'@_", c)) {
			return errf(http.StatusBadRequest, "InvalidAMIName.Malformed", "AMI names must be between 3 and 128 characters long, and may contain letters, numbers, '(', ')', '.', '-', '/' and '_'")
		}
	}
	return nil
}

func (v *imageView) api() ec2api.Image {
	out := ec2api.Image{
		ImageId: ptr(v.ID), Name: ptr(v.Name), OwnerId: ptr(v.OwnerID), State: ptr(v.State),
		Architecture: ptr(v.Architecture), ImageType: ptr("machine"), Public: ptr(v.Public),
		CreationDate: ptr(v.Created.UTC().Format("2006-01-02T15:04:05.000Z")), RootDeviceName: ptr(v.RootDeviceName),
		RootDeviceType: ptr(v.RootDeviceType), VirtualizationType: ptr(v.VirtualizationType), Hypervisor: ptr("xen"),
		EnaSupport: ptr(v.EnaSupport), PlatformDetails: ptr(v.PlatformDetails), UsageOperation: ptr(v.UsageOperation),
		ImageLocation: ptr(v.OwnerID + "/" + v.Name), Tags: apiTags(v.Tags),
	}
	if v.OwnerAlias != "" {
		out.ImageOwnerAlias = ptr(v.OwnerAlias)
		out.ImageLocation = ptr(v.OwnerAlias + "/" + v.Name)
	}
	if v.Description != "" {
		out.Description = ptr(v.Description)
	}
	if v.Platform != "" {
		out.Platform = ptr(v.Platform)
	}
	if v.BootMode != "" {
		out.BootMode = ptr(v.BootMode)
	}
	if v.ImdsSupport != "" {
		out.ImdsSupport = ptr(v.ImdsSupport)
	}
	if v.SriovNetSupport != "" {
		out.SriovNetSupport = ptr(v.SriovNetSupport)
	}
	if v.rec != nil && v.rec.SourceImage != "" {
		out.SourceImageId, out.SourceImageRegion = ptr(v.rec.SourceImage), ptr(v.rec.SourceRegion)
	}
	if v.rec != nil && v.rec.SourceInstance != "" {
		out.SourceInstanceId = ptr(v.rec.SourceInstance)
	}
	out.BlockDeviceMappings = apiDevices(v.BlockDeviceMappings)
	return out
}

func apiDevices(ds []imageDevice) []ec2api.BlockDeviceMapping {
	out := make([]ec2api.BlockDeviceMapping, 0, len(ds))
	for _, d := range ds {
		m := ec2api.BlockDeviceMapping{DeviceName: ptr(d.DeviceName)}
		switch {
		case d.NoDevice:
			m.NoDevice = ptr("")
		case d.VirtualName != "":
			m.VirtualName = ptr(d.VirtualName)
		default:
			e := &ec2api.EbsBlockDevice{DeleteOnTermination: ptr(d.DeleteOnTermination), VolumeType: ptr(d.VolumeType),
				Encrypted: ptr(d.Encrypted)}
			if d.SnapshotID != "" {
				e.SnapshotId = ptr(d.SnapshotID)
			}
			if d.VolumeSize > 0 {
				e.VolumeSize = ptr(int64(d.VolumeSize))
			}
			if d.Iops > 0 {
				e.Iops = ptr(int64(d.Iops))
			}
			if d.Throughput > 0 {
				e.Throughput = ptr(int64(d.Throughput))
			}
			m.Ebs = e
		}
		out = append(out, m)
	}
	return out
}

var imageFilters = sync.OnceValue(func() filterDefs[*imageView] {
	return filterDefs[*imageView]{
		"architecture":     func(v *imageView) []string { return one(v.Architecture) },
		"description":      func(v *imageView) []string { return nonEmpty(v.Description) },
		"ena-support":      func(v *imageView) []string { return boolValue(v.EnaSupport) },
		"image-id":         func(v *imageView) []string { return one(v.ID) },
		"image-type":       func(v *imageView) []string { return one("machine") },
		"is-public":        func(v *imageView) []string { return boolValue(v.Public) },
		"name":             func(v *imageView) []string { return one(v.Name) },
		"owner-alias":      func(v *imageView) []string { return nonEmpty(v.OwnerAlias) },
		"owner-id":         func(v *imageView) []string { return one(v.OwnerID) },
		"platform":         func(v *imageView) []string { return nonEmpty(v.Platform) },
		"platform-details": func(v *imageView) []string { return one(v.PlatformDetails) },
		"usage-operation":  func(v *imageView) []string { return one(v.UsageOperation) },
		"root-device-name": func(v *imageView) []string { return one(v.RootDeviceName) },
		"root-device-type": func(v *imageView) []string { return one(v.RootDeviceType) },
		"state":            func(v *imageView) []string { return one(v.State) },
		"virtualization-type": func(v *imageView) []string {
			return one(v.VirtualizationType)
		},
		"hypervisor": func(v *imageView) []string { return one("xen") },
		"boot-mode":  func(v *imageView) []string { return nonEmpty(v.BootMode) },
		"block-device-mapping.snapshot-id": func(v *imageView) []string {
			var out []string
			for _, d := range v.BlockDeviceMappings {
				if d.SnapshotID != "" {
					out = append(out, d.SnapshotID)
				}
			}
			return out
		},
		"block-device-mapping.volume-type": func(v *imageView) []string {
			var out []string
			for _, d := range v.BlockDeviceMappings {
				if d.VolumeType != "" {
					out = append(out, d.VolumeType)
				}
			}
			return out
		},
	}
})
