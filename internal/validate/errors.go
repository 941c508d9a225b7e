package validate

import (
	"strconv"
	"strings"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/model"
)

// Error renders violations as the error the service family returns. protocol
// is the wire protocol the request arrived in (a service may speak several);
// empty means the service's preferred one. It returns nil for no violations.
func Error(svc *model.Service, protocol string, vs []Violation) *awserr.Error {
	if len(vs) == 0 {
		return nil
	}
	if protocol == "" && svc != nil {
		protocol = svc.Metadata.Protocol
	}
	if svc != nil {
		if r, ok := overrides[svc.Metadata.ServiceID]; ok {
			return r(protocol, vs)
		}
	}
	return byProtocol(protocol)(protocol, vs)
}

// renderer turns violations into one error.
type renderer func(protocol string, vs []Violation) *awserr.Error

// byProtocol is the default family for a wire protocol.
func byProtocol(protocol string) renderer {
	switch protocol {
	case "ec2":
		return ec2Style
	case "query", "rest-xml":
		return coral("ValidationError")
	}
	// json, rest-json and smithy-rpc-v2-cbor services are Coral/Smithy
	// services answering ValidationException.
	return coral("ValidationException")
}

// coral is AWS's standard validator answer: one 400 error listing every
// violation.
func coral(code string) renderer {
	return func(_ string, vs []Violation) *awserr.Error {
		return awserr.Validation(code, "%s", coralMessage(vs))
	}
}

// ec2Style answers the first violation only, as EC2 does, naming the
// parameter as the client sent it:
//
//	MissingParameter: The request must contain the parameter GroupDescription
//	InvalidParameterValue: Invalid value 't3.nano' for InstanceType.
func ec2Style(_ string, vs []Violation) *awserr.Error {
	v := vs[0]
	name := wireName(v, "ec2")
	if v.Kind == KindRequired {
		return awserr.Validation("MissingParameter", "The request must contain the parameter %s", name)
	}
	return awserr.Validation("InvalidParameterValue", "Invalid value '%s' for %s.", shown(v), name)
}

// missingFirst answers a missing member with MissingParameter (format gets
// the wire name) and anything else with rest.
func missingFirst(format string, rest func(protocol string) renderer) renderer {
	return func(protocol string, vs []Violation) *awserr.Error {
		for _, v := range vs {
			if v.Kind == KindRequired {
				return awserr.Validation("MissingParameter", format, wireName(v, "query"))
			}
		}
		return rest(protocol)(protocol, vs)
	}
}

// memberExceptions answers a violation of one of the named top-level
// members (by the path AWS prints) with that member's own exception, and
// anything else with rest.
func memberExceptions(byPath map[string]string, rest renderer) renderer {
	return func(protocol string, vs []Violation) *awserr.Error {
		for _, v := range vs {
			if code, ok := byPath[v.Path]; ok {
				return awserr.Validation(code, "Value %s for %s is invalid: %s.", shown(v), v.Path, strings.TrimPrefix(v.Message, "Member "))
			}
		}
		return rest(protocol, vs)
	}
}

// shown is a violation's value as a message may echo it.
func shown(v Violation) string {
	if v.Sensitive {
		return "***"
	}
	return javaString(v.Value)
}

// wireName spells a violation's path the way a query ("query") or EC2
// ("ec2") client serializes it, e.g. "MetricData.member.1.MetricName" or
// "BlockDeviceMapping.1.Ebs.VolumeSize". Map entries use their key, since
// the entry's position on the wire is not kept.
func wireName(v Violation, style string) string {
	if len(v.steps) == 0 {
		return upperFirst(v.Path)
	}
	var parts []string
	for i, st := range v.steps {
		switch {
		case st.member != "":
			parts = append(parts, memberWireName(st, style))
		case st.isKey:
			parts = append(parts, "entry", st.key)
		default:
			idx := strconv.Itoa(st.index)
			if style == "ec2" {
				parts = append(parts, idx)
				break
			}
			if i == 0 {
				parts = append(parts, idx)
				break
			}
			// The list shape is the previous step's.
			list := v.steps[i-1].ref
			switch {
			case !list.IsFlattened():
				parts = append(parts, st.ref.Name("member"), idx)
			case st.ref.LocationName != "" && len(parts) > 0:
				parts[len(parts)-1] = st.ref.LocationName
				parts = append(parts, idx)
			default:
				parts = append(parts, idx)
			}
		}
	}
	return strings.Join(parts, ".")
}

func memberWireName(st step, style string) string {
	if style == "ec2" {
		if st.ref.QueryName != "" {
			return st.ref.QueryName
		}
		if st.ref.LocationName != "" {
			return upperFirst(st.ref.LocationName)
		}
		return st.member
	}
	return st.ref.Name(st.member)
}

// s3Style follows S3, which has no generic validator: a malformed body is
// MalformedXML, a missing header InvalidRequest, and a bad header or query
// value InvalidArgument naming the argument.
func s3Style(_ string, vs []Violation) *awserr.Error {
	v := vs[0]
	if len(v.steps) == 0 {
		name := upperFirst(v.Path)
		return awserr.Validation("InvalidArgument", "Invalid value for argument %s", name).
			With("ArgumentName", name).With("ArgumentValue", shownS3(v))
	}
	top := v.steps[0].ref
	switch {
	case top.Location == "":
		return awserr.Validation("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
	case v.Kind == KindRequired && top.Location == "header":
		return awserr.Validation("InvalidRequest", "Missing required header for this request: %s", top.LocationName)
	case top.LocationName == "x-amz-storage-class":
		return awserr.Validation("InvalidStorageClass", "The storage class you specified is not valid")
	}
	name := top.Name(v.steps[0].member)
	e := awserr.Validation("InvalidArgument", "Invalid value for argument %s", name)
	if v.Kind == KindRequired {
		e.Message = name + " is required"
	}
	return e.With("ArgumentName", name).With("ArgumentValue", shownS3(v))
}

func shownS3(v Violation) string {
	if v.Value == nil {
		return ""
	}
	return shown(v)
}
