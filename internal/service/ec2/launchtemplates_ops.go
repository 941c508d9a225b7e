package ec2

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/store"

	ec2api "hakoniwa/internal/api/ec2"
)

// CreateLaunchTemplate creates a template and its version 1, which is
// both its default and its latest.
func (s *Service) CreateLaunchTemplate(ctx context.Context, in *ec2api.CreateLaunchTemplateInput) (*ec2api.CreateLaunchTemplateOutput, error) {
	name := deref(in.LaunchTemplateName)
	if name == "" {
		return nil, missingParam("LaunchTemplateName")
	}
	if err := checkLaunchTemplateName(name); err != nil {
		return nil, err
	}
	tags, err := s.specTags(in.TagSpecifications, kindLaunchTemplate.resourceType)
	if err != nil {
		return nil, err
	}
	sc, data, err := s.launchTemplateRequest(ctx, in.LaunchTemplateData, in.DryRun)
	if err != nil {
		return nil, err
	}
	raw, err := json.Marshal(data)
	if err != nil {
		return nil, err
	}
	now, by := s.clock.Now().UTC(), creator(ctx, sc)
	lt := &launchTemplateRec{meta: meta{ID: s.ids.Resource(kindLaunchTemplate.prefix), Tags: tags}, Name: name, Created: now,
		CreatedBy: by, Default: 1, Latest: 1, LastNumber: 1, Token: deref(in.ClientToken)}
	v := &launchTemplateVersionRec{meta: meta{ID: versionKey(lt.ID, 1)}, Template: lt.ID, Number: 1,
		Description: deref(in.VersionDescription), Created: now, CreatedBy: by, Data: raw}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		if lt.Token != "" {
			prior, err := byToken(tx, sc, launchTemplates, lt.Token)
			if err != nil {
				return err
			}
			if prior != nil {
				if prior.Name != name {
					return idempotentMismatch()
				}
				lt = prior
				return nil
			}
		}
		n, err := launchTemplates.countBy(tx, sc, "launch-template-name", name)
		if err != nil {
			return err
		}
		if n > 0 {
			return errf(http.StatusBadRequest, "InvalidLaunchTemplateName.AlreadyExistsException", "Launch template name already in use.")
		}
		if n, err = launchTemplates.count(tx, sc); err != nil {
			return err
		}
		if n >= quota(s.quotas.LaunchTemplatesPerRegion, defaultLaunchTemplates) {
			return errf(http.StatusBadRequest, "MaxTemplateLimitExceeded", "Account has already reached max permitted templates")
		}
		if err := launchTemplates.put(tx, sc, lt); err != nil {
			return err
		}
		return launchTemplateVersions.put(tx, sc, v)
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.CreateLaunchTemplateOutput{LaunchTemplate: lt.api()}, nil
}

func idempotentMismatch() error {
	return errf(http.StatusBadRequest, "IdempotentParameterMismatch", "The client token you have provided is associated with a resource that was created with different parameters.")
}

// byToken finds the record an earlier call with the same ClientToken made,
// so a retried create answers what the first one did.
func byToken[T any, P interface {
	*T
	record
}](tx store.Tx, sc scope, tbl *table[T, P], token string) (P, error) {
	recs, err := tbl.by(tx, sc, launchTemplateTokens, token)
	if err != nil {
		return nil, err
	}
	for _, r := range recs {
		// The index is a prefix scan: "a" also finds the entries of "a/b".
		if tbl.indexes[launchTemplateTokens](r) == token {
			return r, nil
		}
	}
	return nil, nil
}

// launchTemplateRequest is what both creates do with LaunchTemplateData:
// check it, answer a dry run, and render it as stored.
func (s *Service) launchTemplateRequest(ctx context.Context, d *ec2api.RequestLaunchTemplateData, dry *bool) (scope, map[string]any, error) {
	if err := checkLaunchTemplateData(d); err != nil {
		return scope{}, nil, err
	}
	if err := dryRun(dry); err != nil {
		return scope{}, nil, err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return sc, nil, err
	}
	data, err := encodeData(d)
	return sc, data, err
}

// CreateLaunchTemplateVersion adds a version, numbered after the highest
// ever given. With SourceVersion it starts from that version's parameters.
func (s *Service) CreateLaunchTemplateVersion(ctx context.Context, in *ec2api.CreateLaunchTemplateVersionInput) (*ec2api.CreateLaunchTemplateVersionOutput, error) {
	sc, given, err := s.launchTemplateRequest(ctx, in.LaunchTemplateData, in.DryRun)
	if err != nil {
		return nil, err
	}
	token := deref(in.ClientToken)
	var lt *launchTemplateRec
	var v *launchTemplateVersionRec
	err = s.st.Update(ctx, func(tx store.Tx) error {
		var err error
		if lt, err = findLaunchTemplate(tx, sc, deref(in.LaunchTemplateId), deref(in.LaunchTemplateName)); err != nil {
			return err
		}
		if token != "" {
			prior, err := byToken(tx, sc, launchTemplateVersions, token)
			if err != nil {
				return err
			}
			if prior != nil {
				if prior.Template != lt.ID {
					return idempotentMismatch()
				}
				v = prior
				return nil
			}
		}
		data := given
		if src := deref(in.SourceVersion); src != "" {
			from, err := findVersion(tx, sc, lt, src)
			if err != nil {
				return err
			}
			if data, err = inherit(from.Data, given); err != nil {
				return err
			}
		}
		raw, err := json.Marshal(data)
		if err != nil {
			return err
		}
		n, err := tx.Count(launchTemplateVersions.bucket(sc), lt.ID+"/")
		if err != nil {
			return err
		}
		if n >= quota(s.quotas.VersionsPerLaunchTemplate, defaultTemplateVersions) {
			// AWS documents the quota but not the code it answers with;
			// ResourceLimitExceeded is EC2's documented general one.
			return errf(http.StatusBadRequest, "ResourceLimitExceeded", "You have reached the maximum number of versions for launch template %s.", lt.ID)
		}
		lt.LastNumber++
		lt.Latest = lt.LastNumber
		v = &launchTemplateVersionRec{meta: meta{ID: versionKey(lt.ID, lt.LastNumber)}, Template: lt.ID, Number: lt.LastNumber,
			Description: deref(in.VersionDescription), Created: s.clock.Now().UTC(), CreatedBy: creator(ctx, sc), Token: token, Data: raw}
		if err := launchTemplates.put(tx, sc, lt); err != nil {
			return err
		}
		return launchTemplateVersions.put(tx, sc, v)
	})
	if err != nil {
		return nil, err
	}
	out, err := v.api(lt, sc.region, isTrue(in.ResolveAlias))
	if err != nil {
		return nil, err
	}
	return &ec2api.CreateLaunchTemplateVersionOutput{LaunchTemplateVersion: &out}, nil
}

// changeLaunchTemplate answers a dry run, then applies change to the
// template named by id or name in one transaction.
func (s *Service) changeLaunchTemplate(ctx context.Context, dry *bool, id, name *string, change func(store.Tx, scope, *launchTemplateRec) error) (*launchTemplateRec, error) {
	if err := dryRun(dry); err != nil {
		return nil, err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	var lt *launchTemplateRec
	err = s.st.Update(ctx, func(tx store.Tx) error {
		var err error
		if lt, err = findLaunchTemplate(tx, sc, deref(id), deref(name)); err != nil {
			return err
		}
		return change(tx, sc, lt)
	})
	return lt, err
}

// ModifyLaunchTemplate sets the default version.
func (s *Service) ModifyLaunchTemplate(ctx context.Context, in *ec2api.ModifyLaunchTemplateInput) (*ec2api.ModifyLaunchTemplateOutput, error) {
	lt, err := s.changeLaunchTemplate(ctx, in.DryRun, in.LaunchTemplateId, in.LaunchTemplateName, func(tx store.Tx, sc scope, lt *launchTemplateRec) error {
		if in.DefaultVersion == nil {
			return nil
		}
		v, err := findVersion(tx, sc, lt, *in.DefaultVersion)
		if err != nil {
			return err
		}
		lt.Default = v.Number
		return launchTemplates.put(tx, sc, lt)
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.ModifyLaunchTemplateOutput{LaunchTemplate: lt.api()}, nil
}

// DeleteLaunchTemplate deletes a template with all its versions.
func (s *Service) DeleteLaunchTemplate(ctx context.Context, in *ec2api.DeleteLaunchTemplateInput) (*ec2api.DeleteLaunchTemplateOutput, error) {
	lt, err := s.changeLaunchTemplate(ctx, in.DryRun, in.LaunchTemplateId, in.LaunchTemplateName, func(tx store.Tx, sc scope, lt *launchTemplateRec) error {
		vs, err := versionsOf(tx, sc, lt.ID)
		if err != nil {
			return err
		}
		for _, v := range vs {
			if err := launchTemplateVersions.delete(tx, sc, v); err != nil {
				return err
			}
		}
		return launchTemplates.delete(tx, sc, lt)
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.DeleteLaunchTemplateOutput{LaunchTemplate: lt.api()}, nil
}

// DeleteLaunchTemplateVersions deletes versions one by one and reports each
// outcome in the response rather than failing the call: the operation's
// ResponseError codes (launchTemplateIdDoesNotExist, …Malformed,
// launchTemplateNameDoesNotExist, …Malformed,
// launchTemplateVersionDoesNotExist, unexpectedError) cover a missing or
// malformed template too, so those are reported per version as well. The
// default version cannot be deleted; its code set has no code of its own for
// that, so it is unexpectedError.
func (s *Service) DeleteLaunchTemplateVersions(ctx context.Context, in *ec2api.DeleteLaunchTemplateVersionsInput) (*ec2api.DeleteLaunchTemplateVersionsOutput, error) {
	if len(in.Versions) == 0 {
		return nil, missingParam("LaunchTemplateVersion")
	}
	if len(in.Versions) > maxVersionsDeletedAtOnce {
		return nil, invalidParam("You can specify up to %d launch template version numbers.", maxVersionsDeletedAtOnce)
	}
	id, name := deref(in.LaunchTemplateId), deref(in.LaunchTemplateName)
	if id != "" && name != "" {
		return nil, invalidCombination("You must specify either the launch template ID or the launch template name, but not both.")
	}
	if id == "" && name == "" {
		return nil, missingParam("LaunchTemplateId or LaunchTemplateName")
	}
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	out := &ec2api.DeleteLaunchTemplateVersionsOutput{}
	fail := func(lt *launchTemplateRec, v, code, msg string) {
		item := ec2api.DeleteLaunchTemplateVersionsResponseErrorItem{ResponseError: &ec2api.ResponseError{Code: ptr(code), Message: ptr(msg)}}
		if lt != nil {
			item.LaunchTemplateId, item.LaunchTemplateName = ptr(lt.ID), ptr(lt.Name)
		} else if id != "" {
			item.LaunchTemplateId = ptr(id)
		} else {
			item.LaunchTemplateName = ptr(name)
		}
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			item.VersionNumber = ptr(n)
		}
		out.UnsuccessfullyDeletedLaunchTemplateVersions = append(out.UnsuccessfullyDeletedLaunchTemplateVersions, item)
	}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		lt, err := findLaunchTemplate(tx, sc, id, name)
		if err != nil {
			ae := awserr.As(err)
			code := templateErrorCode(ae.Code)
			if code == "" {
				return err
			}
			for _, v := range in.Versions {
				fail(nil, v, code, ae.Message)
			}
			return nil
		}
		latestGone := false
		for _, v := range in.Versions {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 1 {
				fail(lt, v, "launchTemplateVersionDoesNotExist", "The specified launch template version does not exist.")
				continue
			}
			if n == lt.Default {
				fail(lt, v, "unexpectedError", "Cannot delete the default version of a launch template. Set another version as the default first, or delete the launch template.")
				continue
			}
			rec, err := launchTemplateVersions.get(tx, sc, versionKey(lt.ID, n))
			if errors.Is(err, store.ErrNotFound) {
				fail(lt, v, "launchTemplateVersionDoesNotExist", "The specified launch template version does not exist.")
				continue
			}
			if err != nil {
				return err
			}
			if err := launchTemplateVersions.delete(tx, sc, rec); err != nil {
				return err
			}
			latestGone = latestGone || n == lt.Latest
			out.SuccessfullyDeletedLaunchTemplateVersions = append(out.SuccessfullyDeletedLaunchTemplateVersions,
				ec2api.DeleteLaunchTemplateVersionsResponseSuccessItem{LaunchTemplateId: ptr(lt.ID), LaunchTemplateName: ptr(lt.Name), VersionNumber: ptr(n)})
		}
		if !latestGone {
			return nil
		}
		// The default version always survives, so there is a latest.
		vs, err := versionsOf(tx, sc, lt.ID)
		if err != nil {
			return err
		}
		lt.Latest = vs[len(vs)-1].Number
		return launchTemplates.put(tx, sc, lt)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// templateErrorCode maps a refusal of findLaunchTemplate to the
// ResponseError code DeleteLaunchTemplateVersions reports it with ("" for
// one it reports as a refusal of the whole call).
func templateErrorCode(code string) string {
	switch code {
	case "InvalidLaunchTemplateId.NotFound":
		return "launchTemplateIdDoesNotExist"
	case "InvalidLaunchTemplateId.Malformed":
		return "launchTemplateIdMalformed"
	case "InvalidLaunchTemplateName.NotFoundException":
		return "launchTemplateNameDoesNotExist"
	case "InvalidLaunchTemplateName.MalformedException":
		return "launchTemplateNameMalformed"
	}
	return ""
}

// awsTime is how EC2 filters compare timestamps.
func awsTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

var launchTemplateFilters = sync.OnceValue(func() filterDefs[*launchTemplateRec] {
	return filterDefs[*launchTemplateRec]{
		"create-time":          func(r *launchTemplateRec) []string { return one(awsTime(r.Created)) },
		"launch-template-name": func(r *launchTemplateRec) []string { return one(r.Name) },
	}
})

// DescribeLaunchTemplates lists templates: by id and by name (each must
// exist), filtered, paged when neither is given.
func (s *Service) DescribeLaunchTemplates(ctx context.Context, in *ec2api.DescribeLaunchTemplatesInput) (*ec2api.DescribeLaunchTemplatesOutput, error) {
	for _, id := range in.LaunchTemplateIds {
		if !wellFormed(id, kindLaunchTemplate.prefix) {
			return nil, ltIDMalformed(id)
		}
	}
	for _, n := range in.LaunchTemplateNames {
		if err := checkLaunchTemplateName(n); err != nil {
			return nil, err
		}
	}
	fs, err := launchTemplateFilters().compile(in.Filters)
	if err != nil {
		return nil, err
	}
	pg, err := parsePage(in.MaxResults, in.NextToken, len(in.LaunchTemplateIds) > 0, "launchTemplateIds", launchTemplatePageLimits)
	if err != nil {
		return nil, err
	}
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	var items []*launchTemplateRec
	var next string
	err = s.st.View(ctx, func(tx store.Tx) error {
		if len(in.LaunchTemplateIds) == 0 && len(in.LaunchTemplateNames) == 0 {
			var err error
			items, next, err = describe(tx, sc, launchTemplates, kindLaunchTemplate, query[*launchTemplateRec]{filters: fs, page: pg})
			return err
		}
		byID := map[string]*launchTemplateRec{}
		for _, id := range in.LaunchTemplateIds {
			lt, err := findLaunchTemplate(tx, sc, id, "")
			if err != nil {
				return err
			}
			byID[lt.ID] = lt
		}
		for _, n := range in.LaunchTemplateNames {
			lt, err := findLaunchTemplate(tx, sc, "", n)
			if err != nil {
				return err
			}
			byID[lt.ID] = lt
		}
		for _, id := range sortedKeys(byID) {
			if matchAll(byID[id], fs) {
				items = append(items, byID[id])
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := &ec2api.DescribeLaunchTemplatesOutput{LaunchTemplates: make([]ec2api.LaunchTemplate, 0, len(items))}
	for _, lt := range items {
		out.LaunchTemplates = append(out.LaunchTemplates, *lt.api())
	}
	if next != "" {
		out.NextToken = &next
	}
	return out, nil
}

// versionRow is a version as DescribeLaunchTemplateVersions filters and
// pages it.
type versionRow struct {
	*launchTemplateVersionRec
	lt   *launchTemplateRec
	data *ec2api.ResponseLaunchTemplateData
}

func metadataOption(get func(*ec2api.LaunchTemplateInstanceMetadataOptions) *string) func(*versionRow) []string {
	return func(r *versionRow) []string {
		if r.data.MetadataOptions == nil {
			return nil
		}
		return nonEmpty(deref(get(r.data.MetadataOptions)))
	}
}

var launchTemplateVersionFilters = sync.OnceValue(func() filterDefs[*versionRow] {
	return filterDefs[*versionRow]{
		"create-time": func(r *versionRow) []string { return one(awsTime(r.Created)) },
		"ebs-optimized": func(r *versionRow) []string {
			if r.data.EbsOptimized == nil {
				return nil
			}
			return boolValue(*r.data.EbsOptimized)
		},
		"http-endpoint": metadataOption(func(m *ec2api.LaunchTemplateInstanceMetadataOptions) *string { return m.HttpEndpoint }),
		// IMDS's IPv4 endpoint is the one HttpEndpoint switches; the response
		// shape has no member of its own for it.
		"http-protocol-ipv4": metadataOption(func(m *ec2api.LaunchTemplateInstanceMetadataOptions) *string { return m.HttpEndpoint }),
		"http-tokens":        metadataOption(func(m *ec2api.LaunchTemplateInstanceMetadataOptions) *string { return m.HttpTokens }),
		"host-resource-group-arn": func(r *versionRow) []string {
			if r.data.Placement == nil {
				return nil
			}
			return nonEmpty(deref(r.data.Placement.HostResourceGroupArn))
		},
		"iam-instance-profile": func(r *versionRow) []string {
			if r.data.IamInstanceProfile == nil {
				return nil
			}
			return nonEmpty(deref(r.data.IamInstanceProfile.Arn))
		},
		"image-id":           func(r *versionRow) []string { return nonEmpty(deref(r.data.ImageId)) },
		"instance-type":      func(r *versionRow) []string { return nonEmpty(deref(r.data.InstanceType)) },
		"is-default-version": func(r *versionRow) []string { return boolValue(r.Number == r.lt.Default) },
		"kernel-id":          func(r *versionRow) []string { return nonEmpty(deref(r.data.KernelId)) },
		"ram-disk-id":        func(r *versionRow) []string { return nonEmpty(deref(r.data.RamDiskId)) },
		"license-configuration-arn": func(r *versionRow) []string {
			var out []string
			for _, l := range r.data.LicenseSpecifications {
				out = append(out, nonEmpty(deref(l.LicenseConfigurationArn))...)
			}
			return out
		},
		"network-card-index": func(r *versionRow) []string {
			var out []string
			for _, ni := range r.data.NetworkInterfaces {
				if ni.NetworkCardIndex != nil {
					out = append(out, itoa(*ni.NetworkCardIndex))
				}
			}
			return out
		},
	}
})

// DescribeLaunchTemplateVersions lists the versions of one template (all,
// the ones named, or a range), or the $Latest and/or $Default version of
// every template when no template is named.
func (s *Service) DescribeLaunchTemplateVersions(ctx context.Context, in *ec2api.DescribeLaunchTemplateVersionsInput) (*ec2api.DescribeLaunchTemplateVersionsOutput, error) {
	id, name := deref(in.LaunchTemplateId), deref(in.LaunchTemplateName)
	all := id == "" && name == ""
	if all {
		if len(in.Versions) == 0 {
			return nil, missingParam("LaunchTemplateId or LaunchTemplateName")
		}
		for _, v := range in.Versions {
			if v != "$Latest" && v != "$Default" {
				return nil, invalidParam("Version %s is not valid without a launch template. Describing the versions of all launch templates accepts only $Latest and $Default.", v)
			}
		}
	}
	lo, hi, err := versionRange(in.MinVersion, in.MaxVersion)
	if err != nil {
		return nil, err
	}
	fs, err := launchTemplateVersionFilters().compile(in.Filters)
	if err != nil {
		return nil, err
	}
	pg, err := parsePage(in.MaxResults, in.NextToken, false, "", launchTemplatePageLimits)
	if err != nil {
		return nil, err
	}
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	var rows []*versionRow
	err = s.st.View(ctx, func(tx store.Tx) error {
		var picked []*versionRow
		if all {
			err := launchTemplates.all(tx, sc, func(lt *launchTemplateRec) bool {
				for _, n := range aliasNumbers(lt, in.Versions) {
					v, err2 := launchTemplateVersions.get(tx, sc, versionKey(lt.ID, n))
					if err2 == nil {
						picked = append(picked, &versionRow{launchTemplateVersionRec: v, lt: lt})
					}
				}
				return true
			})
			if err != nil {
				return err
			}
		} else {
			lt, err := findLaunchTemplate(tx, sc, id, name)
			if err != nil {
				return err
			}
			var vs []*launchTemplateVersionRec
			if len(in.Versions) > 0 {
				for _, want := range in.Versions {
					v, err := findVersion(tx, sc, lt, want)
					if err != nil {
						return err
					}
					vs = append(vs, v)
				}
			} else if vs, err = versionsOf(tx, sc, lt.ID); err != nil {
				return err
			}
			for _, v := range vs {
				picked = append(picked, &versionRow{launchTemplateVersionRec: v, lt: lt})
			}
		}
		slices.SortFunc(picked, func(a, b *versionRow) int { return strings.Compare(a.ID, b.ID) })
		picked = slices.CompactFunc(picked, func(a, b *versionRow) bool { return a.ID == b.ID })
		for _, r := range picked {
			if r.Number < lo || r.Number > hi {
				continue
			}
			d, err := r.launchTemplateVersionRec.data()
			if err != nil {
				return err
			}
			r.data = d
			if matchAll(r, fs) {
				rows = append(rows, r)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	c := &collector[*versionRow]{pg: pg}
	for _, r := range rows {
		if !c.add(r) {
			break
		}
	}
	items, next := c.result()
	out := &ec2api.DescribeLaunchTemplateVersionsOutput{LaunchTemplateVersions: make([]ec2api.LaunchTemplateVersion, 0, len(items))}
	for _, r := range items {
		v, err := r.api(r.lt, sc.region, isTrue(in.ResolveAlias))
		if err != nil {
			return nil, err
		}
		out.LaunchTemplateVersions = append(out.LaunchTemplateVersions, v)
	}
	if next != "" {
		out.NextToken = &next
	}
	return out, nil
}

// aliasNumbers resolves "$Latest" and "$Default" for one template.
func aliasNumbers(lt *launchTemplateRec, versions []string) []int64 {
	var out []int64
	for _, v := range versions {
		if n, ok := lt.versionNumber(v); ok && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// versionRange reads MinVersion and MaxVersion (both inclusive).
func versionRange(minV, maxV *string) (int64, int64, error) {
	lo, hi := int64(1), int64(1<<62)
	for _, b := range []struct {
		name string
		v    *string
		dst  *int64
	}{{"MinVersion", minV, &lo}, {"MaxVersion", maxV, &hi}} {
		if b.v == nil {
			continue
		}
		n, err := strconv.ParseInt(*b.v, 10, 64)
		if err != nil || n < 1 {
			return 0, 0, invalidParam("Value (%s) for parameter %s is invalid. Expecting a version number.", *b.v, b.name)
		}
		*b.dst = n
	}
	return lo, hi, nil
}
