package ssm

import (
	"context"
	"encoding/base64"
	"errors"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"hakoniwa/internal/awsdata/images"
	"hakoniwa/internal/store"

	ssmapi "hakoniwa/internal/api/ssm"
)

func makeToken(after string) string { return base64.RawURLEncoding.EncodeToString([]byte(after)) }

func parseToken(t *string) (string, error) {
	if t == nil || *t == "" {
		return "", nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(*t)
	if err != nil || len(raw) == 0 {
		return "", errf("InvalidNextToken", "The specified token isn't valid.")
	}
	return string(raw), nil
}

func publicTime(region, name string) time.Time {
	for _, p := range images.Parameters(region) {
		if p.Name == name {
			return p.Modified
		}
	}
	return time.Time{}
}

// paramFilter is one compiled ParameterStringFilter.
type paramFilter struct {
	key, option string
	values      []string
}

// Keys each call accepts (Systems Manager API reference,
// ParameterStringFilter).
var (
	byPathKeys   = []string{"Type", "KeyId", "Label", "Tier", "DataType"}
	describeKeys = []string{"Name", "Type", "KeyId", "Path", "Tier", "DataType"}
)

func compileFilters(in []ssmapi.ParameterStringFilter, allowed []string) ([]paramFilter, error) {
	var out []paramFilter
	for _, f := range in {
		key := deref(f.Key)
		if !strings.HasPrefix(key, "tag:") && !slices.Contains(allowed, key) {
			return nil, errf("InvalidFilterKey", "The following filter key is not valid: %s. Valid filter keys include: [%s].", key, strings.Join(allowed, ", "))
		}
		opt := deref(f.Option)
		if opt == "" {
			opt = "Equals"
			if key == "Path" {
				opt = "OneLevel"
			}
		}
		switch {
		case key == "Path" && opt != "OneLevel" && opt != "Recursive",
			key != "Path" && opt != "Equals" && opt != "BeginsWith" && !(key == "Name" && opt == "Contains"),
			(key == "Label" || strings.HasPrefix(key, "tag:")) && opt != "Equals" && opt != "BeginsWith":
			return nil, errf("InvalidFilterOption", "The filter option %s is not valid for key %s.", opt, key)
		}
		if len(f.Values) == 0 && !strings.HasPrefix(key, "tag:") {
			return nil, errf("InvalidFilterValue", "The filter value is not valid for key %s.", key)
		}
		out = append(out, paramFilter{key: key, option: opt, values: f.Values})
	}
	return out, nil
}

func (f paramFilter) matches(s string) bool {
	for _, v := range f.values {
		switch f.option {
		case "BeginsWith":
			if strings.HasPrefix(s, v) {
				return true
			}
		case "Contains":
			if strings.Contains(s, v) {
				return true
			}
		default:
			if s == v {
				return true
			}
		}
	}
	return false
}

// match reports whether the parameter's latest version passes every filter.
func match(p *paramRec, fs []paramFilter) bool {
	v := p.latest()
	for _, f := range fs {
		ok := false
		switch {
		case f.key == "Name":
			ok = f.matches(p.Name) || f.matches(strings.TrimPrefix(p.Name, "/"))
		case f.key == "Type":
			ok = f.matches(v.Type)
		case f.key == "KeyId":
			ok = v.KeyID != "" && f.matches(v.KeyID)
		case f.key == "Tier":
			ok = f.matches(v.Tier)
		case f.key == "DataType":
			ok = f.matches(v.DataType)
		case f.key == "Label":
			for i := range p.Versions {
				for _, l := range p.Versions[i].Labels {
					ok = ok || f.matches(l)
				}
			}
		case f.key == "Path":
			for _, path := range f.values {
				ok = ok || underPath(p.Name, path, f.option == "Recursive")
			}
		case strings.HasPrefix(f.key, "tag:"):
			val, has := p.Tags[f.key[len("tag:"):]]
			ok = has && (len(f.values) == 0 || f.matches(val))
		}
		if !ok {
			return false
		}
	}
	return true
}

// underPath reports whether name is a direct child of path, or any
// descendant when recursive.
func underPath(name, path string, recursive bool) bool {
	path = strings.TrimSuffix(path, "/") + "/"
	if !strings.HasPrefix(name, path) {
		return false
	}
	return recursive || !strings.Contains(name[len(path):], "/")
}

func checkPath(path string) error {
	if !strings.HasPrefix(path, "/") {
		return validation("The parameter doesn't meet the parameter name requirements. The parameter name must begin with a forward slash \"/\".")
	}
	if strings.Count(strings.Trim(path, "/"), "/")+1 > maxHierarchyLevels {
		return errf("HierarchyLevelLimitExceededException", "A hierarchy can have a maximum of 15 levels.")
	}
	return nil
}

// GetParametersByPath lists the parameters under a path, in name order.
// Paths under /aws/service/ list AWS's public parameters.
func (s *Service) GetParametersByPath(ctx context.Context, in *ssmapi.GetParametersByPathInput) (*ssmapi.GetParametersByPathOutput, error) {
	path := deref(in.Path)
	if err := checkPath(path); err != nil {
		return nil, err
	}
	fs, err := compileFilters(in.ParameterFilters, byPathKeys)
	if err != nil {
		return nil, err
	}
	max := 10
	if in.MaxResults != nil {
		max = int(*in.MaxResults)
	}
	after, err := parseToken(in.NextToken)
	if err != nil {
		return nil, err
	}
	sc, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	recursive := isTrue(in.Recursive)
	out := &ssmapi.GetParametersByPathOutput{Parameters: []ssmapi.Parameter{}}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		add := func(r *resolved) (bool, error) {
			if len(out.Parameters) == max {
				out.NextToken = ptr(makeToken(*out.Parameters[len(out.Parameters)-1].Name))
				return false, nil
			}
			p, err := s.apiParameter(tx, sc, r, isTrue(in.WithDecryption))
			out.Parameters = append(out.Parameters, p)
			return err == nil, err
		}
		if isPublic(path + "/") {
			for _, p := range images.Parameters(sc.region) {
				if p.Name <= after || !underPath(p.Name, path, recursive) {
					continue
				}
				rec := &paramRec{Name: p.Name, Versions: []version{{Version: 1, Type: "String", Value: p.Value,
					DataType: "text", Tier: "Standard", Modified: p.Modified}}}
				if !match(rec, fs) {
					continue
				}
				if more, err := add(&resolved{name: p.Name, v: rec.latest(), public: true}); !more || err != nil {
					return err
				}
			}
			return nil
		}
		prefix := strings.TrimSuffix(path, "/") + "/"
		start := ""
		if after != "" {
			start = after + "\x00"
		}
		var ferr error
		err := store.ScanJSON(tx, paramBucket(sc), prefix, start, func(_ string, p paramRec) bool {
			if !underPath(p.Name, path, recursive) || !match(&p, fs) {
				return true
			}
			more, err := add(&resolved{name: p.Name, v: p.latest()})
			ferr = err
			return more
		})
		if ferr != nil {
			return ferr
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DescribeParameters lists the account's parameters' metadata, in name
// order. The public parameters are not listed, as in AWS.
func (s *Service) DescribeParameters(ctx context.Context, in *ssmapi.DescribeParametersInput) (*ssmapi.DescribeParametersOutput, error) {
	if len(in.Filters) > 0 && len(in.ParameterFilters) > 0 {
		return nil, validation("You can use either Filters or ParameterFilters in a single request.")
	}
	var psf []ssmapi.ParameterStringFilter
	for _, f := range in.Filters {
		// The older Filters: Name, Type, KeyId with equality.
		key := deref(f.Key)
		if key != "Name" && key != "Type" && key != "KeyId" {
			return nil, validation("1 validation error detected: Value '%s' at 'filters.1.member.key' failed to satisfy constraint: Member must satisfy enum value set: [Name, Type, KeyId]", key)
		}
		psf = append(psf, ssmapi.ParameterStringFilter{Key: f.Key, Values: f.Values})
	}
	if len(in.ParameterFilters) > 0 {
		psf = in.ParameterFilters
	}
	fs, err := compileFilters(psf, describeKeys)
	if err != nil {
		return nil, err
	}
	max := 50
	if in.MaxResults != nil {
		max = int(*in.MaxResults)
	}
	after, err := parseToken(in.NextToken)
	if err != nil {
		return nil, err
	}
	sc, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	out := &ssmapi.DescribeParametersOutput{Parameters: []ssmapi.ParameterMetadata{}}
	start := ""
	if after != "" {
		start = after + "\x00"
	}
	err = s.st.View(ctx, func(tx store.Tx) error {
		return store.ScanJSON(tx, paramBucket(sc), "", start, func(_ string, p paramRec) bool {
			if !match(&p, fs) {
				return true
			}
			if len(out.Parameters) == max {
				out.NextToken = ptr(makeToken(*out.Parameters[len(out.Parameters)-1].Name))
				return false
			}
			out.Parameters = append(out.Parameters, metadata(sc, &p))
			return true
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func metadata(sc scope, p *paramRec) ssmapi.ParameterMetadata {
	v := p.latest()
	m := ssmapi.ParameterMetadata{Name: ptr(p.Name), ARN: ptr(sc.arn(p.Name)), Type: ptr(v.Type),
		LastModifiedDate: ptr(v.Modified), Version: ptr(v.Version), Tier: ptr(v.Tier),
		Policies: []ssmapi.ParameterInlinePolicy{}, DataType: ptr(v.DataType)}
	if v.KeyID != "" {
		m.KeyId = ptr(v.KeyID)
	}
	if v.User != "" {
		m.LastModifiedUser = ptr(v.User)
	}
	if v.Description != "" {
		m.Description = ptr(v.Description)
	}
	if v.AllowedPattern != "" {
		m.AllowedPattern = ptr(v.AllowedPattern)
	}
	return m
}

// labelRE is compiled on first use: its bounded repeat costs a thousand
// allocations, which every start-up paid before.
var labelRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-zA-Z0-9_.\-]{1,100}$`) })

// validLabel applies AWS's label rules: up to 100 letters, digits and
// .-_, not starting with a digit, "aws" or "ssm".
func validLabel(l string) bool {
	if !labelRE().MatchString(l) || (l[0] >= '0' && l[0] <= '9') {
		return false
	}
	low := strings.ToLower(l)
	return !strings.HasPrefix(low, "aws") && !strings.HasPrefix(low, "ssm")
}

// LabelParameterVersion attaches labels to a version (the latest by
// default), moving each from any other version of the parameter.
func (s *Service) LabelParameterVersion(ctx context.Context, in *ssmapi.LabelParameterVersionInput) (*ssmapi.LabelParameterVersionOutput, error) {
	name := deref(in.Name)
	if isPublic(name) {
		return nil, reserved(name)
	}
	sc, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	out := &ssmapi.LabelParameterVersionOutput{InvalidLabels: []string{}}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		p, err := getParam(tx, sc, name)
		if errors.Is(err, store.ErrNotFound) {
			return notFound(name)
		}
		if err != nil {
			return err
		}
		target := p.latest()
		if in.ParameterVersion != nil {
			if target = p.version(*in.ParameterVersion); target == nil {
				return versionNotFound(name, *in.ParameterVersion)
			}
		}
		var good []string
		for _, l := range in.Labels {
			if validLabel(l) {
				good = append(good, l)
			} else {
				out.InvalidLabels = append(out.InvalidLabels, l)
			}
		}
		for i := range p.Versions {
			v := &p.Versions[i]
			if v == target {
				continue
			}
			v.Labels = slices.DeleteFunc(v.Labels, func(l string) bool { return slices.Contains(good, l) })
		}
		for _, l := range good {
			if !slices.Contains(target.Labels, l) {
				target.Labels = append(target.Labels, l)
			}
		}
		if len(target.Labels) > maxLabelsPerVer {
			return errf("ParameterVersionLabelLimitExceeded", "An error occurred when attempting to label a version of the parameter. A parameter version can have a maximum of 10 labels.")
		}
		out.ParameterVersion = ptr(target.Version)
		return putParam(tx, sc, p)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UnlabelParameterVersion removes labels from a version.
func (s *Service) UnlabelParameterVersion(ctx context.Context, in *ssmapi.UnlabelParameterVersionInput) (*ssmapi.UnlabelParameterVersionOutput, error) {
	name := deref(in.Name)
	if isPublic(name) {
		return nil, reserved(name)
	}
	sc, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	out := &ssmapi.UnlabelParameterVersionOutput{RemovedLabels: []string{}, InvalidLabels: []string{}}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		p, err := getParam(tx, sc, name)
		if errors.Is(err, store.ErrNotFound) {
			return notFound(name)
		}
		if err != nil {
			return err
		}
		n := *in.ParameterVersion
		v := p.version(n)
		if v == nil {
			return versionNotFound(name, n)
		}
		for _, l := range in.Labels {
			if i := slices.Index(v.Labels, l); i >= 0 {
				v.Labels = slices.Delete(v.Labels, i, i+1)
				out.RemovedLabels = append(out.RemovedLabels, l)
			} else {
				out.InvalidLabels = append(out.InvalidLabels, l)
			}
		}
		return putParam(tx, sc, p)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
