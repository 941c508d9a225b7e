package ec2

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"hakoniwa/internal/awsdata/images"
	"hakoniwa/internal/reqctx"
	"hakoniwa/internal/store"

	ec2api "hakoniwa/internal/api/ec2"
)

// Launch templates (EC2 User Guide, "Restrictions for Amazon EC2 launch
// templates"): up to 5,000 per Region and 10,000 versions each; versions
// are numbered in creation order and a deleted number is never reused; the
// template carries the tags, its versions cannot be tagged; parameters are
// "not fully validated" at creation, so only what is wrong whatever the
// launch (malformed ids, tag specifications) is refused here and the rest
// waits for RunInstances.

// launchTemplateRec is a template; its versions are launchTemplateVersionRec.
type launchTemplateRec struct {
	meta
	Name      string    `json:"name"`
	Created   time.Time `json:"created"`
	CreatedBy string    `json:"createdBy"`
	Default   int64     `json:"default"`
	// Latest is the highest version that still exists ($Latest);
	// LastNumber the highest ever given, which the next version follows.
	Latest     int64  `json:"latest"`
	LastNumber int64  `json:"last"`
	Token      string `json:"token,omitempty"`
}

// launchTemplateVersionRec is one version. Its id is the template's id and
// the zero-padded number, so a template's versions are adjacent in the
// store and come back in number order.
type launchTemplateVersionRec struct {
	meta
	Template    string    `json:"lt"`
	Number      int64     `json:"n"`
	Description string    `json:"desc,omitempty"`
	Created     time.Time `json:"created"`
	CreatedBy   string    `json:"createdBy"`
	Token       string    `json:"token,omitempty"`
	// Data is the LaunchTemplateData as given, as JSON keyed by the
	// model's member names without null members. Request and response
	// shapes share every member name (TestLaunchTemplateDataShapes), so it
	// decodes into ResponseLaunchTemplateData; keeping member names rather
	// than a record type of our own spares a copy of 35 nested structures
	// that AWS extends every few months.
	Data json.RawMessage `json:"data"`
}

var (
	kindLaunchTemplate  = kindInfo{"lt", "launch-template", "launch-template", "launch template", "InvalidLaunchTemplateId"}
	launchTemplateKinds = []kindInfo{kindLaunchTemplate}

	launchTemplates = &table[launchTemplateRec, *launchTemplateRec]{kind: "launch-template", indexes: map[string]func(*launchTemplateRec) string{
		"launch-template-name": func(r *launchTemplateRec) string { return r.Name },
		launchTemplateTokens:   func(r *launchTemplateRec) string { return r.Token },
	}}
	// Versions are not a kind of their own in kinds: they have no id
	// prefix and cannot be tagged.
	launchTemplateVersions = &table[launchTemplateVersionRec, *launchTemplateVersionRec]{kind: "launch-template-version", indexes: map[string]func(*launchTemplateVersionRec) string{
		launchTemplateTokens: func(r *launchTemplateVersionRec) string { return r.Token },
	}}
)

const (
	// launchTemplateTokens indexes templates and versions by the
	// ClientToken that created them.
	launchTemplateTokens = "client-token"

	defaultLaunchTemplates   = 5000
	defaultTemplateVersions  = 10000
	maxVersionsDeletedAtOnce = 200
)

var launchTemplatePageLimits = pageLimits{1, 200}

func versionKey(lt string, n int64) string { return fmt.Sprintf("%s/%010d", lt, n) }

// AWS's refusals, as its API answers them.

func ltIDNotFound(id string) error {
	return errf(http.StatusBadRequest, "InvalidLaunchTemplateId.NotFound", "The specified launch template, with template ID %s, does not exist.", id)
}

func ltNameNotFound(name string) error {
	return errf(http.StatusBadRequest, "InvalidLaunchTemplateName.NotFoundException", "The specified launch template, with template name %s, does not exist.", name)
}

func ltVersionNotFound(version, id string) error {
	return errf(http.StatusBadRequest, "InvalidLaunchTemplateId.VersionNotFound", "Could not find the specified version %s for the launch template with ID %s.", version, id)
}

func ltIDMalformed(id string) error {
	return errf(http.StatusBadRequest, "InvalidLaunchTemplateId.Malformed", "The specified ID for the launch template, %s, is malformed.", id)
}

// ltNameRule is the message AWS gives with InvalidLaunchTemplateName.
// MalformedException (the gateway's validator answers model violations of
// the name with the same code and text).
const ltNameRule = "A launch template name must be between 3 and 128 characters, and may contain letters, numbers, and the following characters: - ( ) . / _."

// checkLaunchTemplateName applies the model's rule (3 to 128 characters of
// [a-zA-Z0-9().\-/_]). The gateway has already checked the operations whose
// model constrains the name; RunInstances' LaunchTemplateSpecification
// leaves it an unconstrained string, hence the check here too.
func checkLaunchTemplateName(name string) error {
	ok := len(name) >= 3 && len(name) <= 128
	for i := 0; ok && i < len(name); i++ {
		c := name[i]
		ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("().-/_", c) >= 0
	}
	if !ok {
		return errf(http.StatusBadRequest, "InvalidLaunchTemplateName.MalformedException", ltNameRule)
	}
	return nil
}

// findLaunchTemplate resolves a template named by id or by name: exactly
// one of them.
func findLaunchTemplate(tx store.Tx, sc scope, id, name string) (*launchTemplateRec, error) {
	switch {
	case id != "" && name != "":
		return nil, invalidCombination("You must specify either the launch template ID or the launch template name, but not both.")
	case id == "" && name == "":
		return nil, missingParam("LaunchTemplateId or LaunchTemplateName")
	case id != "":
		if !wellFormed(id, kindLaunchTemplate.prefix) {
			return nil, ltIDMalformed(id)
		}
		rec, err := launchTemplates.get(tx, sc, id)
		if errors.Is(err, store.ErrNotFound) {
			return nil, ltIDNotFound(id)
		}
		return rec, err
	}
	if err := checkLaunchTemplateName(name); err != nil {
		return nil, err
	}
	recs, err := launchTemplates.by(tx, sc, "launch-template-name", name)
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, ltNameNotFound(name)
	}
	return recs[0], nil
}

// versionNumber reads a version as a request names it: "$Latest",
// "$Default", or a number; "" means the default, as in RunInstances.
func (lt *launchTemplateRec) versionNumber(v string) (int64, bool) {
	switch v {
	case "", "$Default":
		return lt.Default, true
	case "$Latest":
		return lt.Latest, true
	}
	n, err := strconv.ParseInt(v, 10, 64)
	return n, err == nil && n > 0
}

func findVersion(tx store.Tx, sc scope, lt *launchTemplateRec, v string) (*launchTemplateVersionRec, error) {
	n, ok := lt.versionNumber(v)
	if !ok {
		return nil, ltVersionNotFound(v, lt.ID)
	}
	rec, err := launchTemplateVersions.get(tx, sc, versionKey(lt.ID, n))
	if errors.Is(err, store.ErrNotFound) {
		return nil, ltVersionNotFound(v, lt.ID)
	}
	return rec, err
}

// resolveLaunchTemplate is launchTemplateData that also reports which
// template and version it resolved, for the aws:ec2launchtemplate:id and
// aws:ec2launchtemplate:version tags AWS puts on instances it launches
// from a template.
func (s *Service) resolveLaunchTemplate(tx store.Tx, sc scope, spec *ec2api.LaunchTemplateSpecification) (string, int64, *ec2api.ResponseLaunchTemplateData, error) {
	if spec == nil {
		return "", 0, nil, missingParam("LaunchTemplate")
	}
	lt, err := findLaunchTemplate(tx, sc, deref(spec.LaunchTemplateId), deref(spec.LaunchTemplateName))
	if err != nil {
		return "", 0, nil, err
	}
	v, err := findVersion(tx, sc, lt, deref(spec.Version))
	if err != nil {
		return "", 0, nil, err
	}
	data, err := v.data()
	if err != nil {
		return "", 0, nil, err
	}
	if id, ok := resolveImageAlias(sc.region, deref(data.ImageId)); ok {
		data.ImageId = &id
	}
	return lt.ID, v.Number, data, nil
}

// launchTemplateData is RunInstances' way into launch templates: it
// resolves spec (a template by LaunchTemplateId or LaunchTemplateName, not
// both; Version "$Latest", "$Default" or a number, the default version when
// omitted) inside the caller's transaction and returns that version's
// parameters, which the request's own parameters then override. A public
// SSM parameter given as ImageId ("resolve:ssm:/aws/service/...") comes
// back resolved to the Region's AMI; any other alias is returned as stored.
//
// Its refusals are the ones RunInstances answers with:
// InvalidLaunchTemplateId.Malformed, InvalidLaunchTemplateId.NotFound,
// InvalidLaunchTemplateName.MalformedException,
// InvalidLaunchTemplateName.NotFoundException,
// InvalidLaunchTemplateId.VersionNotFound (also for a version that is not
// a number or alias), MissingParameter (neither id nor name) and
// InvalidParameterCombination (both).
func (s *Service) launchTemplateData(tx store.Tx, sc scope, spec *ec2api.LaunchTemplateSpecification) (*ec2api.ResponseLaunchTemplateData, error) {
	_, _, data, err := s.resolveLaunchTemplate(tx, sc, spec)
	return data, err
}

// resolveImageAlias resolves "resolve:ssm:NAME" (optionally ":VERSION" or
// ":LABEL") when NAME is one of AWS's public parameters; parameters of the
// account live in SSM, which EC2 does not read.
func resolveImageAlias(region, imageID string) (string, bool) {
	name, ok := strings.CutPrefix(imageID, "resolve:ssm:")
	if !ok {
		return "", false
	}
	if v, ok := images.PublicParameter(region, name); ok {
		return v, true
	}
	if i := strings.LastIndexByte(name, ':'); i > 0 {
		return images.PublicParameter(region, name[:i])
	}
	return "", false
}

// launchTemplateTagTypes are the resource types a template may carry tags
// for (RequestLaunchTemplateData.TagSpecifications).
var launchTemplateTagTypes = []string{"instance", "volume", "network-interface", "spot-instances-request"}

// checkLaunchTemplateData refuses what no launch could accept: ids of the
// wrong shape and broken tag specifications. Existence is not checked, as
// AWS leaves that to the launch.
func checkLaunchTemplateData(d *ec2api.RequestLaunchTemplateData) error {
	if d == nil {
		return missingParam("LaunchTemplateData")
	}
	if id := deref(d.ImageId); id != "" && !strings.HasPrefix(id, "resolve:ssm:") && !wellFormed(id, kindImage.prefix) {
		return imageMalformed(id)
	}
	if err := checkIDs(kindSG, d.SecurityGroupIds); err != nil {
		return err
	}
	for _, ni := range d.NetworkInterfaces {
		if id := deref(ni.SubnetId); id != "" && !wellFormed(id, kindSubnet.prefix) {
			return kindSubnet.malformed(id)
		}
		if id := deref(ni.NetworkInterfaceId); id != "" && !wellFormed(id, kindENI.prefix) {
			return kindENI.malformed(id)
		}
		if err := checkIDs(kindSG, ni.Groups); err != nil {
			return err
		}
	}
	for _, bd := range d.BlockDeviceMappings {
		if bd.Ebs == nil || bd.Ebs.SnapshotId == nil {
			continue
		}
		if id := *bd.Ebs.SnapshotId; !wellFormed(id, "snap") {
			return errf(http.StatusBadRequest, "InvalidSnapshotID.Malformed", "The snapshot ID '%s' is not valid. The expected format is snap-xxxxxxxx or snap-xxxxxxxxxxxxxxxxx.", id)
		}
	}
	for _, ts := range d.TagSpecifications {
		rt := deref(ts.ResourceType)
		if rt == "" {
			return errf(http.StatusBadRequest, "InvalidTagSpecification.Malformed", "The resource type cannot be null or empty.")
		}
		if len(ts.Tags) == 0 {
			return errf(http.StatusBadRequest, "InvalidTagSpecification.Malformed", "The tags cannot be null or empty.")
		}
		if !slices.Contains(launchTemplateTagTypes, rt) {
			return invalidParam("'%s' is not a valid taggable resource type for this operation.", rt)
		}
		for _, t := range ts.Tags {
			if err := checkTag(t); err != nil {
				return err
			}
		}
	}
	return nil
}

// encodeData renders LaunchTemplateData as stored (see
// launchTemplateVersionRec.Data): member names, nulls dropped.
func encodeData(d *ec2api.RequestLaunchTemplateData) (map[string]any, error) {
	raw, err := json.Marshal(d)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	pruneNulls(m)
	return m, nil
}

func pruneNulls(v any) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if e == nil {
				delete(x, k)
				continue
			}
			pruneNulls(e)
		}
	case []any:
		for _, e := range x {
			pruneNulls(e)
		}
	}
}

// inherit merges a new version's parameters over its source version's:
// each parameter given replaces the source's whole. Snapshots of inherited
// block device mappings are dropped, as CreateLaunchTemplateVersion
// documents ("Snapshots applied to the block device mapping are ignored
// when creating a new version unless they are explicitly included").
func inherit(source json.RawMessage, given map[string]any) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(source))
	dec.UseNumber()
	var out map[string]any
	if err := dec.Decode(&out); err != nil {
		return nil, err
	}
	if _, ok := given["BlockDeviceMappings"]; !ok {
		if bds, ok := out["BlockDeviceMappings"].([]any); ok {
			for _, bd := range bds {
				if ebs, ok := bd.(map[string]any)["Ebs"].(map[string]any); ok {
					delete(ebs, "SnapshotId")
				}
			}
		}
	}
	for k, v := range given {
		out[k] = v
	}
	return out, nil
}

func (v *launchTemplateVersionRec) data() (*ec2api.ResponseLaunchTemplateData, error) {
	var d ec2api.ResponseLaunchTemplateData
	if len(v.Data) > 0 {
		if err := json.Unmarshal(v.Data, &d); err != nil {
			return nil, fmt.Errorf("ec2: decode launch template version %s: %w", v.ID, err)
		}
	}
	return &d, nil
}

func (lt *launchTemplateRec) api() *ec2api.LaunchTemplate {
	return &ec2api.LaunchTemplate{LaunchTemplateId: ptr(lt.ID), LaunchTemplateName: ptr(lt.Name), CreateTime: ptr(lt.Created),
		CreatedBy: ptr(lt.CreatedBy), DefaultVersionNumber: ptr(lt.Default), LatestVersionNumber: ptr(lt.Latest), Tags: apiTags(lt.Tags)}
}

// apiVersion renders a version; resolveAlias shows a public SSM parameter
// given as ImageId as the AMI it names.
func (v *launchTemplateVersionRec) api(lt *launchTemplateRec, region string, resolveAlias bool) (ec2api.LaunchTemplateVersion, error) {
	d, err := v.data()
	if err != nil {
		return ec2api.LaunchTemplateVersion{}, err
	}
	if resolveAlias {
		if id, ok := resolveImageAlias(region, deref(d.ImageId)); ok {
			d.ImageId = &id
		}
	}
	out := ec2api.LaunchTemplateVersion{LaunchTemplateId: ptr(lt.ID), LaunchTemplateName: ptr(lt.Name), VersionNumber: ptr(v.Number),
		CreateTime: ptr(v.Created), CreatedBy: ptr(v.CreatedBy), DefaultVersion: ptr(v.Number == lt.Default), LaunchTemplateData: d}
	if v.Description != "" {
		out.VersionDescription = ptr(v.Description)
	}
	return out, nil
}

// creator is CreatedBy: the caller's ARN.
func creator(ctx context.Context, sc scope) string {
	if arn := reqctx.From(ctx).Principal.ARN; arn != "" {
		return arn
	}
	return "arn:aws:iam::" + sc.account + ":root"
}

// versionsOf returns a template's versions in number order.
func versionsOf(tx store.Tx, sc scope, lt string) ([]*launchTemplateVersionRec, error) {
	var out []*launchTemplateVersionRec
	err := store.ScanJSON(tx, launchTemplateVersions.bucket(sc), lt+"/", "", func(_ string, v launchTemplateVersionRec) bool {
		out = append(out, &v)
		return true
	})
	return out, err
}
