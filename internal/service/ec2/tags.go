package ec2

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"hakoniwa/internal/store"

	ec2api "hakoniwa/internal/api/ec2"
)

// Tag limits (EC2 user guide, "Tag restrictions").
const (
	maxTagKey   = 128
	maxTagValue = 256
)

// checkTag validates one tag as CreateTags and TagSpecifications do.
func checkTag(t ec2api.Tag) error {
	if t.Key == nil {
		return invalidParam("Tag key cannot be null.")
	}
	key := *t.Key
	if utf8.RuneCountInString(key) > maxTagKey {
		return invalidParam("Tag key exceeds the maximum length of %d characters", maxTagKey)
	}
	if utf8.RuneCountInString(deref(t.Value)) > maxTagValue {
		return invalidParam("Tag value exceeds the maximum length of %d characters", maxTagValue)
	}
	if strings.HasPrefix(strings.ToLower(key), "aws:") {
		return invalidParam("Tag keys starting with 'aws:' are reserved for internal use")
	}
	return nil
}

// mergeTags applies tags to cur (nil cur is fine) and enforces the
// per-resource limit.
func (s *Service) mergeTags(cur map[string]string, tags []ec2api.Tag) (map[string]string, error) {
	out := make(map[string]string, len(cur)+len(tags))
	for k, v := range cur {
		out[k] = v
	}
	for _, t := range tags {
		if err := checkTag(t); err != nil {
			return nil, err
		}
		out[*t.Key] = deref(t.Value)
	}
	if len(out) > s.quotas.TagsPerResource {
		return nil, errf(http.StatusBadRequest, "TagLimitExceeded", "The maximum number of Tags for a resource has been reached.")
	}
	return out, nil
}

// specTags returns the tags a create call's TagSpecifications give a
// resource of resourceType.
func (s *Service) specTags(specs []ec2api.TagSpecification, resourceType string) (map[string]string, error) {
	var tags []ec2api.Tag
	for _, spec := range specs {
		rt := deref(spec.ResourceType)
		switch {
		case rt == "":
			return nil, invalidParam("Tag specification resource type must have a value")
		case rt != resourceType:
			return nil, invalidParam("'%s' is not a valid taggable resource type for this operation.", rt)
		}
		tags = append(tags, spec.Tags...)
	}
	if len(tags) == 0 {
		return nil, nil
	}
	return s.mergeTags(nil, tags)
}

// CreateTags adds or overwrites tags on resources of any kind.
func (s *Service) CreateTags(ctx context.Context, in *ec2api.CreateTagsInput) (*ec2api.CreateTagsOutput, error) {
	return &ec2api.CreateTagsOutput{}, s.retag(ctx, in.DryRun, in.Resources, func(cur map[string]string) (map[string]string, error) {
		return s.mergeTags(cur, in.Tags)
	}, len(in.Tags) == 0)
}

// DeleteTags removes tags: a tag given with a value only when the value
// matches, a key alone whatever its value, and no tags at all: every tag.
func (s *Service) DeleteTags(ctx context.Context, in *ec2api.DeleteTagsInput) (*ec2api.DeleteTagsOutput, error) {
	for _, t := range in.Tags {
		if t.Key != nil && strings.HasPrefix(strings.ToLower(*t.Key), "aws:") {
			return nil, invalidParam("Tag keys starting with 'aws:' are reserved for internal use")
		}
	}
	return &ec2api.DeleteTagsOutput{}, s.retag(ctx, in.DryRun, in.Resources, func(cur map[string]string) (map[string]string, error) {
		if len(in.Tags) == 0 {
			return nil, nil
		}
		out := make(map[string]string, len(cur))
		for k, v := range cur {
			out[k] = v
		}
		for _, t := range in.Tags {
			if t.Key == nil {
				continue
			}
			if v, ok := out[*t.Key]; ok && (t.Value == nil || *t.Value == v) {
				delete(out, *t.Key)
			}
		}
		return out, nil
	}, false)
}

func (s *Service) retag(ctx context.Context, dry *bool, resources []string, change func(map[string]string) (map[string]string, error), noTags bool) error {
	if len(resources) == 0 {
		return missingParam("ResourceId")
	}
	if noTags {
		return missingParam("Tag")
	}
	type target struct {
		id string
		k  kindInfo
	}
	targets := make([]target, 0, len(resources))
	for _, id := range resources {
		k, ok := kindOf(id)
		if !ok {
			return errf(http.StatusBadRequest, "InvalidID", "The ID '%s' is not valid", id)
		}
		if !wellFormed(id, k.prefix) {
			return k.malformed(id)
		}
		targets = append(targets, target{id, k})
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return err
	}
	if err := dryRun(dry); err != nil {
		return err
	}
	return s.st.Update(ctx, func(tx store.Tx) error {
		for _, t := range targets {
			b := store.Bucket{Account: sc.account, Region: sc.region, Service: "ec2", Kind: t.k.kind}
			raw, cur, err := loadRawTags(tx, b, t.id)
			if errors.Is(err, store.ErrNotFound) {
				return t.k.notFound(t.id)
			}
			if err != nil {
				return err
			}
			next, err := change(cur)
			if err != nil {
				return err
			}
			if err := raw.save(tx, t.id, next); err != nil {
				return err
			}
		}
		return nil
	})
}

// tagRow is one DescribeTags result; its id orders the listing (resource,
// then key) and is the paging position.
type tagRow struct {
	resourceID, resourceType, key, value string
}

func (r *tagRow) id() string                { return r.resourceID + "\x00" + r.key }
func (r *tagRow) tagMap() map[string]string { return nil }
func (r *tagRow) setTags(map[string]string) {}

var tagFilters = sync.OnceValue(func() filterDefs[*tagRow] {
	return filterDefs[*tagRow]{
		"key":           func(r *tagRow) []string { return one(r.key) },
		"value":         func(r *tagRow) []string { return one(r.value) },
		"resource-id":   func(r *tagRow) []string { return one(r.resourceID) },
		"resource-type": func(r *tagRow) []string { return one(r.resourceType) },
	}
})

// DescribeTags lists the tags of every resource of the account in the
// Region.
func (s *Service) DescribeTags(ctx context.Context, in *ec2api.DescribeTagsInput) (*ec2api.DescribeTagsOutput, error) {
	fs, err := tagFilters().compile(in.Filters)
	if err != nil {
		return nil, err
	}
	pg, err := parsePage(in.MaxResults, in.NextToken, false, "", describeLimits)
	if err != nil {
		return nil, err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	var rows []*tagRow
	err = s.st.View(ctx, func(tx store.Tx) error {
		for _, k := range kinds {
			b := store.Bucket{Account: sc.account, Region: sc.region, Service: "ec2", Kind: k.kind}
			err := store.ScanJSON(tx, b, "", "", func(id string, v struct {
				Tags map[string]string `json:"tags"`
			}) bool {
				for key, value := range v.Tags {
					r := &tagRow{resourceID: id, resourceType: k.resourceType, key: key, value: value}
					if matchAll(r, fs) {
						rows = append(rows, r)
					}
				}
				return true
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(rows, func(a, b *tagRow) int { return strings.Compare(a.id(), b.id()) })
	c := &collector[*tagRow]{pg: pg}
	for _, r := range rows {
		if !c.add(r) {
			break
		}
	}
	items, next := c.result()
	out := &ec2api.DescribeTagsOutput{Tags: make([]ec2api.TagDescription, 0, len(items))}
	for _, r := range items {
		out.Tags = append(out.Tags, ec2api.TagDescription{ResourceId: ptr(r.resourceID), ResourceType: ptr(r.resourceType), Key: ptr(r.key), Value: ptr(r.value)})
	}
	if next != "" {
		out.NextToken = &next
	}
	return out, nil
}
