package ssm

import (
	"context"
	"errors"
	"sort"
	"strings"

	"hakoniwa/internal/store"

	ssmapi "hakoniwa/internal/api/ssm"
)

// Tags: of the resource types the tagging calls name, only parameters
// exist here.

func (s *Service) retag(ctx context.Context, typ, id string, change func(map[string]string) (map[string]string, error)) (map[string]string, error) {
	if typ != "Parameter" {
		return nil, errf("InvalidResourceType", "The resource type %s is not supported yet.", typ)
	}
	if isPublic(id) {
		return nil, errf("InvalidResourceId", "The resource ID \"%s\" is not valid. Verify the ID and try again.", id)
	}
	sc, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	var tags map[string]string
	update := s.st.View
	if change != nil {
		update = s.st.Update
	}
	err = update(ctx, func(tx store.Tx) error {
		p, err := getParam(tx, sc, id)
		if errors.Is(err, store.ErrNotFound) {
			return errf("InvalidResourceId", "The resource ID \"%s\" is not valid. Verify the ID and try again.", id)
		}
		if err != nil {
			return err
		}
		tags = p.Tags
		if change == nil {
			return nil
		}
		if tags, err = change(p.Tags); err != nil {
			return err
		}
		p.Tags = tags
		return putParam(tx, sc, p)
	})
	return tags, err
}

// AddTagsToResource adds or overwrites tags on a parameter.
func (s *Service) AddTagsToResource(ctx context.Context, in *ssmapi.AddTagsToResourceInput) (*ssmapi.AddTagsToResourceOutput, error) {
	for _, t := range in.Tags {
		if strings.HasPrefix(strings.ToLower(deref(t.Key)), "aws:") {
			return nil, errf("InvalidParameterValue", "Tag keys beginning with aws: are reserved.")
		}
	}
	_, err := s.retag(ctx, deref(in.ResourceType), deref(in.ResourceId), func(cur map[string]string) (map[string]string, error) {
		next := map[string]string{}
		for k, v := range cur {
			next[k] = v
		}
		for _, t := range in.Tags {
			next[deref(t.Key)] = deref(t.Value)
		}
		if len(next) > maxTags {
			return nil, errf("TooManyTagsError", "You have exceeded the limit for tags on this resource.")
		}
		return next, nil
	})
	if err != nil {
		return nil, err
	}
	return &ssmapi.AddTagsToResourceOutput{}, nil
}

// RemoveTagsFromResource removes tags by key.
func (s *Service) RemoveTagsFromResource(ctx context.Context, in *ssmapi.RemoveTagsFromResourceInput) (*ssmapi.RemoveTagsFromResourceOutput, error) {
	_, err := s.retag(ctx, deref(in.ResourceType), deref(in.ResourceId), func(cur map[string]string) (map[string]string, error) {
		next := map[string]string{}
		for k, v := range cur {
			next[k] = v
		}
		for _, k := range in.TagKeys {
			delete(next, k)
		}
		return next, nil
	})
	if err != nil {
		return nil, err
	}
	return &ssmapi.RemoveTagsFromResourceOutput{}, nil
}

// ListTagsForResource lists a parameter's tags in key order.
func (s *Service) ListTagsForResource(ctx context.Context, in *ssmapi.ListTagsForResourceInput) (*ssmapi.ListTagsForResourceOutput, error) {
	tags, err := s.retag(ctx, deref(in.ResourceType), deref(in.ResourceId), nil)
	if err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := &ssmapi.ListTagsForResourceOutput{TagList: []ssmapi.Tag{}}
	for _, k := range keys {
		out.TagList = append(out.TagList, ssmapi.Tag{Key: ptr(k), Value: ptr(tags[k])})
	}
	return out, nil
}
