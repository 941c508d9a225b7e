package ssm

import (
	"context"
	"crypto/cipher"
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"hakoniwa/internal/awsdata/images"
	"hakoniwa/internal/store"

	ssmapi "hakoniwa/internal/api/ssm"
)

var amiIDRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^ami-([0-9a-f]{8}|[0-9a-f]{17})$`) })

// PutParameter creates a parameter or, with Overwrite, adds a version.
func (s *Service) PutParameter(ctx context.Context, in *ssmapi.PutParameterInput) (*ssmapi.PutParameterOutput, error) {
	name, value := deref(in.Name), deref(in.Value)
	if err := checkName(name); err != nil {
		return nil, err
	}
	if isTrue(in.Overwrite) && len(in.Tags) > 0 {
		return nil, validation("Invalid request: tags and overwrite can't be used together. To create a parameter with tags, please remove overwrite flag. To update tags on an existing parameter, please use AddTagsToResource or RemoveTagsFromResource.")
	}
	if in.Policies != nil {
		return nil, validation("Parameter policies are not supported yet.")
	}
	typ, dataType, tier := deref(in.Type), deref(in.DataType), deref(in.Tier)
	switch dataType {
	case "", "text":
	case "aws:ec2:image":
		if typ != "" && typ != "String" {
			return nil, validation("The data type aws:ec2:image is only supported for the String parameter type.")
		}
		if !amiIDRE().MatchString(value) {
			return nil, validation("Parameter value, %s, is not a valid AMI ID for the aws:ec2:image data type.", value)
		}
	default:
		return nil, validation("The following data type is not supported: %s (Data type names are all lowercase.)", dataType)
	}
	var pattern *regexp.Regexp
	if p := deref(in.AllowedPattern); p != "" {
		re, err := regexp.Compile("^(?:" + p + ")$")
		if err != nil {
			return nil, errf("InvalidAllowedPatternException", "The allowed pattern %s is not a valid regular expression.", p)
		}
		pattern = re
	}
	tags := map[string]string{}
	for _, t := range in.Tags {
		tags[deref(t.Key)] = deref(t.Value)
	}
	if len(tags) > maxTags {
		return nil, errf("TooManyTagsError", "You have exceeded the limit for tags on this resource.")
	}
	sc, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	var out *ssmapi.PutParameterOutput
	err = s.st.Update(ctx, func(tx store.Tx) error {
		p, err := getParam(tx, sc, name)
		switch {
		case errors.Is(err, store.ErrNotFound):
			if typ == "" {
				return validation("A parameter type is required when you create a parameter.")
			}
			p = &paramRec{Name: name, Tags: tags}
		case err != nil:
			return err
		case !isTrue(in.Overwrite):
			return errf("ParameterAlreadyExists", "The parameter already exists. To overwrite this value, set the overwrite option in the request to true.")
		}
		v := version{Type: typ, Value: value, DataType: dataType, Tier: tier, Description: deref(in.Description),
			AllowedPattern: deref(in.AllowedPattern), KeyID: deref(in.KeyId), Modified: s.clock.Now().UTC(), User: caller(ctx)}
		if len(p.Versions) > 0 {
			prev := p.latest()
			// An overwrite keeps what it does not restate.
			if v.Type == "" {
				v.Type = prev.Type
			}
			if in.Description == nil {
				v.Description = prev.Description
			}
			if in.AllowedPattern == nil {
				v.AllowedPattern, pattern = prev.AllowedPattern, compiledPattern(prev.AllowedPattern)
			}
			if in.DataType == nil {
				v.DataType = prev.DataType
			}
			if v.KeyID == "" && v.Type == prev.Type {
				v.KeyID = prev.KeyID
			}
			v.Version = prev.Version + 1
			if v.Tier == "" || v.Tier == "Intelligent-Tiering" {
				if prev.Tier == "Advanced" {
					v.Tier = "Advanced"
				}
			} else if v.Tier == "Standard" && prev.Tier == "Advanced" {
				return validation("This parameter uses the advanced-parameter tier. You can't downgrade a parameter from the advanced-parameter tier to the standard-parameter tier. If necessary, you can delete the advanced parameter and recreate it as a standard parameter.")
			}
		} else {
			v.Version = 1
		}
		if v.DataType == "" {
			v.DataType = "text"
		}
		if err := checkValue(&v, value, pattern); err != nil {
			return err
		}
		if v.Type == "SecureString" {
			if v.KeyID == "" {
				v.KeyID = defaultKeyID
			}
			a, err := s.aead(tx)
			if err != nil {
				return err
			}
			if v.Value, err = encrypt(a, name, value); err != nil {
				return err
			}
		} else if in.KeyId != nil {
			return validation("KeyId is required for SecureString type parameter only.")
		} else {
			v.KeyID = ""
		}
		if len(p.Versions) == maxVersions {
			if len(p.Versions[0].Labels) > 0 {
				return errf("ParameterMaxVersionLimitExceeded", "You attempted to create a new version of %s by calling the PutParameter API with the overwrite flag. Version %d, the oldest version, can't be deleted because it has a label associated with it. Move the label to another version of the parameter, and try again.", name, p.Versions[0].Version)
			}
			p.Versions = p.Versions[1:]
		}
		p.Versions = append(p.Versions, v)
		out = &ssmapi.PutParameterOutput{Version: ptr(v.Version), Tier: ptr(v.Tier)}
		return putParam(tx, sc, p)
	})
	return out, err
}

func compiledPattern(p string) *regexp.Regexp {
	if p == "" {
		return nil
	}
	re, _ := regexp.Compile("^(?:" + p + ")$") // stored patterns compiled once already
	return re
}

// checkValue enforces the type, the tier's size limit and the pattern,
// and settles Intelligent-Tiering.
func checkValue(v *version, value string, pattern *regexp.Regexp) error {
	switch v.Type {
	case "String", "SecureString":
	case "StringList":
		if strings.Contains(value, ",,") || strings.HasPrefix(value, ",") || strings.HasSuffix(value, ",") {
			return validation("StringList values can't contain empty items.")
		}
	default:
		return validation("1 validation error detected: Value '%s' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [SecureString, StringList, String]", v.Type)
	}
	switch v.Tier {
	case "", "Standard", "Intelligent-Tiering":
		if len(value) > standardMaxValue {
			if v.Tier == "Intelligent-Tiering" {
				v.Tier = "Advanced"
				break
			}
			return validation("Standard tier parameters support a maximum parameter value of 4096 characters. To create a larger parameter value, upgrade the parameter to use the advanced-parameter tier. For more information, see https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html")
		}
		if v.Tier != "Advanced" {
			v.Tier = "Standard"
		}
	}
	if v.Tier == "Advanced" && len(value) > advancedMaxValue {
		return validation("Advanced tier parameters support a maximum parameter value of 8192 characters.")
	}
	if pattern != nil && !pattern.MatchString(value) {
		return errf("ParameterPatternMismatchException", "Parameter value, cannot be validated against allowedPattern: %s", v.AllowedPattern)
	}
	return nil
}

// resolved is one parameter version as a Get call answers it.
type resolved struct {
	name, selector string
	v              *version
	public         bool
}

// resolve finds name (with an optional :version or :label selector) among
// the account's parameters or, under /aws/service/, the public ones.
func (s *Service) resolve(tx store.Tx, sc scope, ref string) (*resolved, error) {
	name, sel := splitSelector(ref)
	if isPublic(name) {
		value, ok := images.PublicParameter(sc.region, name)
		if !ok || (sel != "" && sel != "1") {
			return nil, notFound(ref)
		}
		return &resolved{name: name, public: true, v: &version{Version: 1, Type: "String", Value: value, DataType: "text",
			Tier: "Standard", Modified: publicTime(sc.region, name)}}, nil
	}
	p, err := getParam(tx, sc, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound(ref)
	}
	if err != nil {
		return nil, err
	}
	r := &resolved{name: name}
	switch {
	case sel == "":
		r.v = p.latest()
	case isDigits(sel):
		n, _ := strconv.ParseInt(sel, 10, 64)
		if r.v = p.version(n); r.v == nil {
			return nil, versionNotFound(name, n)
		}
		r.selector = ":" + sel
	default:
		if r.v = p.labelled(sel); r.v == nil {
			return nil, errf("ParameterVersionNotFound", "Systems Manager could not find version %s of %s. Verify the version and try again.", sel, name)
		}
		r.selector = ":" + sel
	}
	return r, nil
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// value returns the version's value: SecureStrings decrypted only when
// asked, as their ciphertext otherwise.
func (s *Service) value(a func() (cipher.AEAD, error), name string, v *version, decryptIt bool) (string, error) {
	if v.Type != "SecureString" || !decryptIt {
		return v.Value, nil
	}
	aead, err := a()
	if err != nil {
		return "", err
	}
	return decrypt(aead, name, v.Value)
}

func (s *Service) apiParameter(tx store.Tx, sc scope, r *resolved, decryptIt bool) (ssmapi.Parameter, error) {
	val, err := s.value(func() (cipher.AEAD, error) { return s.aead(tx) }, r.name, r.v, decryptIt)
	if err != nil {
		return ssmapi.Parameter{}, err
	}
	out := ssmapi.Parameter{Name: ptr(r.name), Type: ptr(r.v.Type), Value: ptr(val), Version: ptr(r.v.Version),
		LastModifiedDate: ptr(r.v.Modified), ARN: ptr(sc.arn(r.name)), DataType: ptr(r.v.DataType)}
	if r.selector != "" {
		out.Selector = ptr(r.selector)
	}
	return out, nil
}

// GetParameter returns one parameter.
func (s *Service) GetParameter(ctx context.Context, in *ssmapi.GetParameterInput) (*ssmapi.GetParameterOutput, error) {
	sc, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	var out *ssmapi.GetParameterOutput
	err = s.st.Update(ctx, func(tx store.Tx) error {
		r, err := s.resolve(tx, sc, deref(in.Name))
		if err != nil {
			return err
		}
		p, err := s.apiParameter(tx, sc, r, isTrue(in.WithDecryption))
		out = &ssmapi.GetParameterOutput{Parameter: &p}
		return err
	})
	return out, err
}

// GetParameters returns the parameters that exist and names the others.
func (s *Service) GetParameters(ctx context.Context, in *ssmapi.GetParametersInput) (*ssmapi.GetParametersOutput, error) {
	sc, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	out := &ssmapi.GetParametersOutput{Parameters: []ssmapi.Parameter{}, InvalidParameters: []string{}}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		seen := map[string]bool{}
		for _, ref := range in.Names {
			if seen[ref] {
				continue
			}
			seen[ref] = true
			r, err := s.resolve(tx, sc, ref)
			if err != nil {
				if isCode(err, "ParameterNotFound", "ParameterVersionNotFound") {
					out.InvalidParameters = append(out.InvalidParameters, ref)
					continue
				}
				return err
			}
			p, err := s.apiParameter(tx, sc, r, isTrue(in.WithDecryption))
			if err != nil {
				return err
			}
			out.Parameters = append(out.Parameters, p)
		}
		return nil
	})
	return out, err
}

// DeleteParameter deletes a parameter with all its versions.
func (s *Service) DeleteParameter(ctx context.Context, in *ssmapi.DeleteParameterInput) (*ssmapi.DeleteParameterOutput, error) {
	name := deref(in.Name)
	if isPublic(name) {
		return nil, reserved(name)
	}
	sc, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		if _, err := getParam(tx, sc, name); errors.Is(err, store.ErrNotFound) {
			return notFound(name)
		} else if err != nil {
			return err
		}
		return tx.Delete(paramBucket(sc), name)
	})
	if err != nil {
		return nil, err
	}
	return &ssmapi.DeleteParameterOutput{}, nil
}

// DeleteParameters deletes what exists and names the rest.
func (s *Service) DeleteParameters(ctx context.Context, in *ssmapi.DeleteParametersInput) (*ssmapi.DeleteParametersOutput, error) {
	sc, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	out := &ssmapi.DeleteParametersOutput{DeletedParameters: []string{}, InvalidParameters: []string{}}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		for _, name := range in.Names {
			if isPublic(name) {
				out.InvalidParameters = append(out.InvalidParameters, name)
				continue
			}
			_, err := getParam(tx, sc, name)
			if errors.Is(err, store.ErrNotFound) {
				out.InvalidParameters = append(out.InvalidParameters, name)
				continue
			}
			if err != nil {
				return err
			}
			if err := tx.Delete(paramBucket(sc), name); err != nil {
				return err
			}
			out.DeletedParameters = append(out.DeletedParameters, name)
		}
		return nil
	})
	return out, err
}

// GetParameterHistory lists every version, oldest first.
func (s *Service) GetParameterHistory(ctx context.Context, in *ssmapi.GetParameterHistoryInput) (*ssmapi.GetParameterHistoryOutput, error) {
	name := deref(in.Name)
	max := 50
	if in.MaxResults != nil {
		max = int(*in.MaxResults)
	}
	start, err := parseToken(in.NextToken)
	if err != nil {
		return nil, err
	}
	sc, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	out := &ssmapi.GetParameterHistoryOutput{Parameters: []ssmapi.ParameterHistory{}}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		var versions []version
		if isPublic(name) {
			r, err := s.resolve(tx, sc, name)
			if err != nil {
				return err
			}
			versions = []version{*r.v}
		} else {
			p, err := getParam(tx, sc, name)
			if errors.Is(err, store.ErrNotFound) {
				return notFound(name)
			}
			if err != nil {
				return err
			}
			versions = p.Versions
		}
		for i := range versions {
			v := &versions[i]
			if start != "" && v.Version <= atoi(start) {
				continue
			}
			if len(out.Parameters) == max {
				out.NextToken = ptr(makeToken(strconv.FormatInt(versions[i-1].Version, 10)))
				break
			}
			val, err := s.value(func() (cipher.AEAD, error) { return s.aead(tx) }, name, v, isTrue(in.WithDecryption))
			if err != nil {
				return err
			}
			h := ssmapi.ParameterHistory{Name: ptr(name), Type: ptr(v.Type), LastModifiedDate: ptr(v.Modified),
				Value: ptr(val), Version: ptr(v.Version), Labels: slices.Clone(v.Labels), Tier: ptr(v.Tier),
				Policies: []ssmapi.ParameterInlinePolicy{}, DataType: ptr(v.DataType)}
			if h.Labels == nil {
				h.Labels = []string{}
			}
			if v.KeyID != "" {
				h.KeyId = ptr(v.KeyID)
			}
			if v.User != "" {
				h.LastModifiedUser = ptr(v.User)
			}
			if v.Description != "" {
				h.Description = ptr(v.Description)
			}
			if v.AllowedPattern != "" {
				h.AllowedPattern = ptr(v.AllowedPattern)
			}
			out.Parameters = append(out.Parameters, h)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func atoi(s string) int64 { n, _ := strconv.ParseInt(s, 10, 64); return n }
