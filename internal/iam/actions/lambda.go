package actions

import "strings"

// Lambda's FunctionName is a name, "name:qualifier", a partial ARN
// ("123456789012:function:name") or a full ARN, and Qualifier may add a
// version or alias. A qualified call is authorized on the qualified ARN.
func lambdaResource(r *resolver, rt *ResourceType) ([]string, bool) {
	if rt.Name != "function" {
		return nil, false
	}
	fn, _ := r.Input["FunctionName"].(string)
	if fn == "" {
		return nil, false
	}
	region, account, name := r.Region, r.Account, fn
	if rest, ok := strings.CutPrefix(fn, "arn:"); ok {
		f := strings.SplitN(rest, ":", 6) // partition:lambda:region:account:function:name[:q]
		if len(f) != 6 || f[1] != "lambda" || f[4] != "function" {
			return nil, true
		}
		region, account, name = f[2], f[3], f[5]
	} else if a, rest, ok := strings.Cut(fn, ":function:"); ok {
		account, name = a, rest
	}
	if q, _ := r.Input["Qualifier"].(string); q != "" && !strings.Contains(name, ":") {
		name += ":" + q
	}
	if name == "" || strings.Count(name, ":") > 1 {
		return nil, true
	}
	return []string{"arn:" + r.Partition + ":lambda:" + region + ":" + account + ":function:" + name}, true
}

func lambdaBind(r *resolver, resourceType, ph string) ([]string, bool) {
	switch ph {
	case "UUID":
		return strings1(r.Input["UUID"]), true
	case "LayerVersion":
		if s, ok := scalar(r.Input["VersionNumber"]); ok {
			return []string{s}, true
		}
		return nil, true
	}
	return nil, false
}

func lambdaContext(r *resolver, c contextBuilder) {
	in := r.Input
	c.str("lambda:Principal", in, "Principal")
	c.str("lambda:FunctionUrlAuthType", in, "FunctionUrlAuthType")
	if r.Operation == "CreateFunctionUrlConfig" || r.Operation == "UpdateFunctionUrlConfig" {
		c.str("lambda:FunctionUrlAuthType", in, "AuthType")
	}
	c.str("lambda:CodeSigningConfigArn", in, "CodeSigningConfigArn")
	c.set("lambda:Layer", strings1(in["Layers"])...)
	if v, ok := in["VpcConfig"].(map[string]any); ok {
		c.set("lambda:SubnetIds", strings1(v["SubnetIds"])...)
		c.set("lambda:SecurityGroupIds", strings1(v["SecurityGroupIds"])...)
	}
	if r.Operation == "CreateEventSourceMapping" {
		c.str("lambda:FunctionArn", in, "FunctionName")
	}
	if s, _ := in["Role"].(string); s != "" {
		c["iam:PassedToService"] = []string{"lambda.amazonaws.com"}
	}
}

// lambdaCreateFunction: the execution role is passed to Lambda, which
// needs iam:PassRole on it.
func lambdaCreateFunction(r *resolver) ([]Check, error) {
	if err := r.add("lambda:"+r.Operation, nil); err != nil {
		return nil, err
	}
	if role, _ := r.Input["Role"].(string); role != "" {
		r.checks = append(r.checks, r.explicit("iam:PassRole", "role", role))
	}
	return r.checks, nil
}
