package imds

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// leaf produces one path's body when it is read, so a credential is
// issued only when asked for.
type leaf func(ctx context.Context) (string, error)

func static(s string) leaf { return func(context.Context) (string, error) { return s, nil } }

// tree is one instance's metadata, by path below /latest/ ("meta-data/
// instance-id"). Directories are implied by the leaves under them; a
// few list themselves differently and say so in listings.
type tree struct {
	leaves   map[string]leaf
	listings map[string]string
	// dirs are directories that exist even with nothing in them.
	dirs map[string]bool
}

// set adds a leaf unless its value is empty: IMDS leaves out what an
// instance does not have (a public address, a key) rather than serving
// it empty.
func (t *tree) set(path, value string) {
	if value != "" {
		t.leaves[path] = static(value)
	}
}

// setAll sets each path below dir to its value, given as pairs.
func (t *tree) setAll(dir string, pathsAndValues ...string) {
	for i := 0; i+1 < len(pathsAndValues); i += 2 {
		t.set(dir+pathsAndValues[i], pathsAndValues[i+1])
	}
}

// list answers a directory: its children in order, the ones that are
// directories themselves marked with a trailing slash.
func (t *tree) list(dir string) (string, bool) {
	if s, ok := t.listings[dir]; ok {
		return s, true
	}
	seen := map[string]bool{}
	var names []string
	add := func(p string) {
		rest, ok := strings.CutPrefix(p, dir+"/")
		if !ok || rest == "" {
			return
		}
		name := rest
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			name = rest[:i+1]
		}
		if !seen[name] {
			seen[name] = true
			names = append(names, name)
		}
	}
	for p := range t.leaves {
		add(p)
	}
	for d := range t.dirs {
		add(d + "/")
	}
	slices.Sort(names)
	return strings.Join(names, "\n"), len(names) > 0 || t.dirs[dir]
}

// serveTree answers a GET below /latest/.
func (h *Handler) serveTree(w http.ResponseWriter, r *http.Request, inst Instance) {
	p := r.URL.Path
	if p == "/" {
		writeText(w, r, "latest")
		return
	}
	rest, ok := strings.CutPrefix(p, "/latest")
	if !ok || (rest != "" && rest[0] != '/') {
		writeStatus(w, http.StatusNotFound)
		return
	}
	// Clients ask for leaves with a trailing slash too (botocore reads
	// placement/availability-zone/), and IMDS answers them alike.
	key := strings.Trim(rest, "/")
	if strings.Contains(key, "//") {
		writeStatus(w, http.StatusNotFound)
		return
	}
	t := h.tree(inst)
	if f, ok := t.leaves[key]; ok {
		body, err := f(r.Context())
		if err != nil {
			h.unavailable(w, "metadata "+key, err)
			return
		}
		contentType := "text/plain"
		if key == "user-data" {
			contentType = "application/octet-stream"
		}
		writeBody(w, r, contentType, body)
		return
	}
	if body, ok := t.list(key); ok {
		writeText(w, r, body)
		return
	}
	writeStatus(w, http.StatusNotFound)
}

// tree builds the instance's metadata.
func (h *Handler) tree(inst Instance) *tree {
	t := &tree{leaves: map[string]leaf{}, listings: map[string]string{}, dirs: map[string]bool{}}
	t.listings[""] = "dynamic\nmeta-data"
	if inst.UserData != nil {
		t.listings[""] += "\nuser-data"
		t.leaves["user-data"] = static(string(inst.UserData))
	}
	metaData(t, inst)
	network(t, inst)
	publicKeys(t, inst)
	tags(t, inst)
	h.iam(t, inst)
	t.leaves["dynamic/instance-identity/document"] = static(identityDocument(inst))
	return t
}

func metaData(t *tree, inst Instance) {
	partition, domain := partitionOf(inst.Region)
	t.setAll("meta-data/",
		"ami-id", inst.ImageID,
		"ami-launch-index", strconv.Itoa(inst.AmiLaunchIndex),
		// EBS-backed images have no manifest; IMDS says so in these words.
		"ami-manifest-path", "(unknown)",
		"block-device-mapping/ami", inst.RootDeviceName,
		"block-device-mapping/root", inst.RootDeviceName,
		"hostname", inst.PrivateDNSName,
		"local-hostname", inst.PrivateDNSName,
		"instance-action", "none",
		"instance-id", inst.ID,
		"instance-life-cycle", "on-demand",
		"instance-type", inst.InstanceType,
		"local-ipv4", inst.PrivateIP,
		"mac", inst.MAC,
		"public-hostname", inst.PublicDNSName,
		"public-ipv4", inst.PublicIP,
		"reservation-id", inst.ReservationID,
		"security-groups", strings.Join(inst.SecurityGroups, "\n"),
		"placement/availability-zone", inst.AvailabilityZone,
		"placement/availability-zone-id", zoneID(inst.AvailabilityZone),
		"placement/region", inst.Region,
		"services/domain", domain,
		"services/partition", partition,
	)
}

// network is the interface tree, keyed by the interface's MAC address.
func network(t *tree, inst Instance) {
	if inst.MAC == "" {
		return
	}
	n := "meta-data/network/interfaces/macs/" + inst.MAC + "/"
	if inst.PublicIP != "" {
		t.set(n+"ipv4-associations/"+inst.PublicIP, inst.PrivateIP)
	}
	t.setAll(n,
		"device-number", "0",
		"interface-id", inst.InterfaceID,
		"local-hostname", inst.PrivateDNSName,
		"local-ipv4s", inst.PrivateIP,
		"mac", inst.MAC,
		"owner-id", inst.Account,
		"public-hostname", inst.PublicDNSName,
		"public-ipv4s", inst.PublicIP,
		"security-group-ids", strings.Join(inst.SecurityGroupIDs, "\n"),
		"security-groups", strings.Join(inst.SecurityGroups, "\n"),
		"subnet-id", inst.SubnetID,
		"subnet-ipv4-cidr-block", inst.SubnetCidr,
		"vpc-id", inst.VpcID,
		"vpc-ipv4-cidr-block", inst.VpcCidr,
		"vpc-ipv4-cidr-blocks", inst.VpcCidr,
	)
}

// publicKeys lists the launch key as "index=name", the one directory IMDS
// does not list by its children's names.
func publicKeys(t *tree, inst Instance) {
	if inst.KeyName == "" || inst.PublicKey == "" {
		return
	}
	key := inst.PublicKey
	if !strings.HasSuffix(key, "\n") {
		key += "\n"
	}
	t.set("meta-data/public-keys/0/openssh-key", key)
	t.listings["meta-data/public-keys"] = "0=" + inst.KeyName
}

// tags serves the instance's tags when its metadata options allow it.
// Keys IMDS cannot name as a path segment are left out.
func tags(t *tree, inst Instance) {
	if inst.InstanceMetadataTags != "enabled" {
		return
	}
	for k, v := range inst.Tags {
		if k == "" || strings.ContainsAny(k, "/") {
			continue
		}
		t.leaves["meta-data/tags/instance/"+k] = static(v)
	}
	// An instance without tags still has the directory, empty.
	t.dirs["meta-data/tags/instance"] = true
}
