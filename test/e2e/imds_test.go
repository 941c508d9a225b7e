package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/ec2rolecreds"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// imdsWorld is a server with a role EC2 may assume, its instance
// profile, and instances launched with it.
type imdsWorld struct {
	s        *Server
	ec2      *ec2.Client
	image    string
	optional string // HttpTokens optional, tags in metadata, user data, a key
	required string // HttpTokens required
}

const imdsRole = "web-role"

func newIMDSWorld(t *testing.T) *imdsWorld {
	t.Helper()
	ctx := context.Background()
	s := StartServer(t)
	ic := iam.NewFromConfig(s.DefaultConfig())
	if _, err := ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(imdsRole), AssumeRolePolicyDocument: aws.String(e2eTrustEC2)}); err != nil {
		t.Fatal(err)
	}
	if _, err := ic.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("web")}); err != nil {
		t.Fatal(err)
	}
	if _, err := ic.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("web"), RoleName: aws.String(imdsRole)}); err != nil {
		t.Fatal(err)
	}
	w := &imdsWorld{s: s, ec2: ec2.NewFromConfig(s.DefaultConfig())}
	imgs, err := w.ec2.DescribeImages(ctx, &ec2.DescribeImagesInput{Owners: []string{"amazon"}, Filters: []types.Filter{
		{Name: aws.String("name"), Values: []string{"al2023-ami-2023*"}}, {Name: aws.String("architecture"), Values: []string{"x86_64"}},
	}})
	if err != nil || len(imgs.Images) == 0 {
		t.Fatalf("no AL2023 image: %v", err)
	}
	w.image = aws.ToString(imgs.Images[0].ImageId)
	if _, err := w.ec2.CreateKeyPair(ctx, &ec2.CreateKeyPairInput{KeyName: aws.String("my-key")}); err != nil {
		t.Fatal(err)
	}
	w.optional = w.launch(t, func(in *ec2.RunInstancesInput) {
		in.KeyName = aws.String("my-key")
		in.UserData = aws.String(base64.StdEncoding.EncodeToString([]byte("#!/bin/sh\necho hello\n")))
		// AL2023 images ask for IMDSv2 only; this instance takes v1 too.
		in.MetadataOptions = &types.InstanceMetadataOptionsRequest{HttpTokens: types.HttpTokensStateOptional, InstanceMetadataTags: types.InstanceMetadataTagsStateEnabled}
		in.TagSpecifications = []types.TagSpecification{{ResourceType: types.ResourceTypeInstance, Tags: []types.Tag{{Key: aws.String("Name"), Value: aws.String("web-1")}}}}
	})
	w.required = w.launch(t, func(in *ec2.RunInstancesInput) {
		in.MetadataOptions = &types.InstanceMetadataOptionsRequest{HttpTokens: types.HttpTokensStateRequired}
	})
	return w
}

func (w *imdsWorld) launch(t *testing.T, with func(*ec2.RunInstancesInput)) string {
	t.Helper()
	in := &ec2.RunInstancesInput{
		ImageId: aws.String(w.image), InstanceType: types.InstanceTypeT3Micro, MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
		IamInstanceProfile: &types.IamInstanceProfileSpecification{Name: aws.String("web")},
	}
	with(in)
	out, err := w.ec2.RunInstances(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.Instances[0].InstanceId)
}

// pathEndpoint is the form botocore and curl use: the instance in the path.
func (w *imdsWorld) pathEndpoint(id string) string { return w.s.URL + "/_hakoniwa/imds/" + id + "/" }

// sdkEndpoint adds the instance as the URL's user, which aws-sdk-go-v2
// keeps where it drops the path: the form every client can share.
func (w *imdsWorld) sdkEndpoint(id string) string {
	return "http://" + id + "@" + strings.TrimPrefix(w.s.URL, "http://") + "/_hakoniwa/imds/" + id + "/"
}

func assumedRole(id string) string {
	return "arn:aws:sts::000000000000:assumed-role/" + imdsRole + "/" + id
}

func TestIMDSGoSDK(t *testing.T) {
	w := newIMDSWorld(t)
	ctx := context.Background()
	for _, id := range []string{w.optional, w.required} {
		c := imds.New(imds.Options{Endpoint: w.sdkEndpoint(id)})
		md, err := c.GetMetadata(ctx, &imds.GetMetadataInput{Path: "instance-id"})
		if err != nil {
			t.Fatal(err)
		}
		if b, _ := io.ReadAll(md.Content); string(b) != id {
			t.Errorf("instance-id %q, want %s", b, id)
		}
		region, err := c.GetRegion(ctx, nil)
		if err != nil || region.Region != "us-east-1" {
			t.Errorf("region %v %v", region, err)
		}
		doc, err := c.GetInstanceIdentityDocument(ctx, nil)
		if err != nil || doc.InstanceID != id || doc.AccountID != "000000000000" || doc.ImageID != w.image || doc.InstanceType != "t3.micro" {
			t.Errorf("identity document %+v %v", doc, err)
		}
		info, err := c.GetIAMInfo(ctx, nil)
		if err != nil || info.InstanceProfileArn != "arn:aws:iam::000000000000:instance-profile/web" {
			t.Errorf("iam info %+v %v", info, err)
		}

		creds := ec2rolecreds.New(func(o *ec2rolecreds.Options) { o.Client = c })
		cfg := w.s.DefaultConfig()
		cfg.Credentials = aws.NewCredentialsCache(creds)
		who, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(who.Arn) != assumedRole(id) {
			t.Errorf("caller %s, want %s", aws.ToString(who.Arn), assumedRole(id))
		}
	}
}

// instanceCLIEnv is the environment of an aws CLI that has no keys but the
// instance's: none in the environment, empty config files.
func instanceCLIEnv(t *testing.T, endpoint string) []string {
	empty := filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	return append(env, "AWS_CONFIG_FILE="+empty, "AWS_SHARED_CREDENTIALS_FILE="+empty, "AWS_DEFAULT_REGION=us-east-1",
		"AWS_PAGER=", "AWS_EC2_METADATA_SERVICE_ENDPOINT="+endpoint)
}

// instanceCLI runs one aws CLI (as awsCLIs names them) whose only keys
// are the ones the metadata endpoint gives.
func instanceCLI(t *testing.T, version, path, endpoint string, args ...string) (string, error) {
	if version == "v1" {
		args = append([]string{"-m", "awscli"}, args...)
	}
	cmd := exec.Command(path, args...)
	cmd.Env = instanceCLIEnv(t, endpoint)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestIMDSCLIs(t *testing.T) {
	w := newIMDSWorld(t)
	clis := awsCLIs(t)
	for _, v := range []string{"v1", "v2"} {
		path, ok := clis[v]
		if !ok {
			missing(t, "aws CLI "+v)
		}
		for form, endpoint := range map[string]func(string) string{"path": w.pathEndpoint, "user+path": w.sdkEndpoint} {
			for _, id := range []string{w.optional, w.required} {
				out, err := instanceCLI(t, v, path, endpoint(id), "sts", "get-caller-identity", "--endpoint-url", w.s.URL, "--output", "json")
				if err != nil {
					t.Fatalf("%s %s %s: %v\n%s", v, form, id, err, out)
				}
				var who struct{ Arn string }
				if err := json.Unmarshal([]byte(out), &who); err != nil || who.Arn != assumedRole(id) {
					t.Errorf("%s %s: caller %q (%v), want %s", v, form, out, err, assumedRole(id))
				}
			}
		}
		// An instance that does not exist has no metadata, so no keys.
		out, err := instanceCLI(t, v, path, w.pathEndpoint("i-0123456789abcdef0"), "sts", "get-caller-identity", "--endpoint-url", w.s.URL)
		if err == nil || !strings.Contains(out, "Unable to locate credentials") {
			t.Errorf("%s with no such instance: %v\n%s", v, err, out)
		}
	}
}

// raw sends one request to the metadata service as curl would.
func raw(t *testing.T, method, url string, headers ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.Header.Get("Server") != "EC2ws" {
		t.Errorf("%s %s: Server %q", method, url, resp.Header.Get("Server"))
	}
	return resp.StatusCode, string(b)
}

const ttlHeader, tokenHeader = "X-aws-ec2-metadata-token-ttl-seconds", "X-aws-ec2-metadata-token"

func TestIMDSRawTokenFlow(t *testing.T) {
	w := newIMDSWorld(t)
	opt, req := w.pathEndpoint(w.optional)+"latest/", w.pathEndpoint(w.required)+"latest/"

	// Token refusals.
	for _, c := range []struct {
		name    string
		headers []string
		want    int
	}{
		{"no TTL", nil, 400},
		{"TTL 0", []string{ttlHeader, "0"}, 400},
		{"TTL 21601", []string{ttlHeader, "21601"}, 400},
		{"proxied", []string{ttlHeader, "60", "X-Forwarded-For", "198.51.100.7"}, 403},
	} {
		if code, _ := raw(t, "PUT", req+"api/token", c.headers...); code != c.want {
			t.Errorf("token %s: %d, want %d", c.name, code, c.want)
		}
	}
	code, tok := raw(t, "PUT", req+"api/token", ttlHeader, "21600")
	if code != 200 || tok == "" {
		t.Fatalf("token: %d %q", code, tok)
	}
	// HttpTokens required refuses v1 and takes the token.
	if code, body := raw(t, "GET", req+"meta-data/instance-id"); code != 401 || !strings.Contains(body, "401 - Unauthorized") {
		t.Errorf("v1 on required: %d %s", code, body)
	}
	if code, body := raw(t, "GET", req+"meta-data/instance-id", tokenHeader, tok); code != 200 || body != w.required {
		t.Errorf("v2 on required: %d %s", code, body)
	}
	// The token is the required instance's, not the other's, and a bad
	// one is refused even where v1 is allowed.
	for _, bad := range []string{tok, "not-a-token"} {
		if code, _ := raw(t, "GET", opt+"meta-data/instance-id", tokenHeader, bad); code != 401 {
			t.Errorf("token %q on another instance: %d, want 401", bad, code)
		}
	}
	if code, body := raw(t, "GET", opt+"meta-data/instance-id"); code != 200 || body != w.optional {
		t.Errorf("v1 on optional: %d %s", code, body)
	}

	for path, want := range map[string]string{
		"user-data":                           "#!/bin/sh\necho hello\n",
		"meta-data/tags/instance/Name":        "web-1",
		"meta-data/public-keys/":              "0=my-key",
		"meta-data/placement/region":          "us-east-1",
		"meta-data/instance-type":             "t3.micro",
		"meta-data/ami-id":                    w.image,
		"meta-data/iam/security-credentials/": imdsRole,
	} {
		if code, body := raw(t, "GET", opt+path); code != 200 || body != want {
			t.Errorf("%s: %d %q, want %q", path, code, body, want)
		}
	}
	if code, body := raw(t, "GET", opt+"meta-data/public-keys/0/openssh-key"); code != 200 || !strings.HasPrefix(body, "ssh-rsa ") {
		t.Errorf("openssh-key: %d %q", code, body)
	}
	// Tags are off by default, and an instance without user data has none.
	for _, path := range []string{"meta-data/tags/instance/Name", "user-data", "meta-data/public-keys/", "meta-data/nope"} {
		if code, _ := raw(t, "GET", req+path, tokenHeader, tok); code != 404 {
			t.Errorf("%s on the bare instance: %d, want 404", path, code)
		}
	}
	// Successive reads return the same session.
	_, first := raw(t, "GET", opt+"meta-data/iam/security-credentials/"+imdsRole)
	_, second := raw(t, "GET", opt+"meta-data/iam/security-credentials/"+imdsRole)
	var c1, c2 struct{ Code, Type, AccessKeyId, Expiration string }
	if json.Unmarshal([]byte(first), &c1) != nil || json.Unmarshal([]byte(second), &c2) != nil ||
		c1.Code != "Success" || c1.Type != "AWS-HMAC" || !strings.HasPrefix(c1.AccessKeyId, "ASIA") || c1 != c2 {
		t.Errorf("credentials %s then %s", first, second)
	}
	if code, _ := raw(t, "GET", w.pathEndpoint("i-0123456789abcdef0")+"latest/meta-data/"); code != 404 {
		t.Errorf("no such instance: %d, want 404", code)
	}
}

func TestIMDSFollowsTheInstance(t *testing.T) {
	w := newIMDSWorld(t)
	ctx := context.Background()
	base := w.pathEndpoint(w.optional) + "latest/meta-data/instance-id"
	if _, err := w.ec2.ModifyInstanceMetadataOptions(ctx, &ec2.ModifyInstanceMetadataOptionsInput{
		InstanceId: aws.String(w.optional), HttpEndpoint: types.InstanceMetadataEndpointStateDisabled,
	}); err != nil {
		t.Fatal(err)
	}
	if code, _ := raw(t, "GET", base); code != 403 {
		t.Errorf("endpoint disabled: %d, want 403", code)
	}
	if _, err := w.ec2.ModifyInstanceMetadataOptions(ctx, &ec2.ModifyInstanceMetadataOptionsInput{
		InstanceId: aws.String(w.optional), HttpEndpoint: types.InstanceMetadataEndpointStateEnabled, HttpTokens: types.HttpTokensStateRequired,
	}); err != nil {
		t.Fatal(err)
	}
	if code, _ := raw(t, "GET", base); code != 401 {
		t.Errorf("tokens required after modify: %d, want 401", code)
	}
	if _, err := w.ec2.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{w.optional}}); err != nil {
		t.Fatal(err)
	}
	// Metadata lasts while the instance shuts down, as on EC2.
	waiter := ec2.NewInstanceTerminatedWaiter(w.ec2, func(o *ec2.InstanceTerminatedWaiterOptions) {
		o.MinDelay, o.MaxDelay = 100*time.Millisecond, time.Second
	})
	if err := waiter.Wait(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{w.optional}}, time.Minute); err != nil {
		t.Fatal(err)
	}
	if code, _ := raw(t, "PUT", w.pathEndpoint(w.optional)+"latest/api/token", ttlHeader, "60"); code != 404 {
		t.Errorf("terminated instance: %d, want 404", code)
	}
}

// TestIMDSUntrustedRole: a profile whose role does not trust EC2 yields
// no keys, only IMDS's document saying EC2 cannot assume it.
func TestIMDSUntrustedRole(t *testing.T) {
	w := newIMDSWorld(t)
	ctx := context.Background()
	ic := iam.NewFromConfig(w.s.DefaultConfig())
	trustLambda := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	if _, err := ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("fn-role"), AssumeRolePolicyDocument: aws.String(trustLambda)}); err != nil {
		t.Fatal(err)
	}
	if _, err := ic.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("fn")}); err != nil {
		t.Fatal(err)
	}
	if _, err := ic.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("fn"), RoleName: aws.String("fn-role")}); err != nil {
		t.Fatal(err)
	}
	id := w.launch(t, func(in *ec2.RunInstancesInput) {
		in.IamInstanceProfile = &types.IamInstanceProfileSpecification{Name: aws.String("fn")}
		in.MetadataOptions = &types.InstanceMetadataOptionsRequest{HttpTokens: types.HttpTokensStateOptional}
	})
	code, body := raw(t, "GET", w.pathEndpoint(id)+"latest/meta-data/iam/security-credentials/fn-role")
	var doc struct{ Code, Message, AccessKeyId string }
	if err := json.Unmarshal([]byte(body), &doc); err != nil || code != 200 || doc.Code != "AssumeRoleUnauthorizedAccess" ||
		doc.AccessKeyId != "" || !strings.Contains(doc.Message, "fn-role") {
		t.Errorf("untrusted role: %d %s", code, body)
	}
	creds := ec2rolecreds.New(func(o *ec2rolecreds.Options) { o.Client = imds.New(imds.Options{Endpoint: w.sdkEndpoint(id)}) })
	if c, err := creds.Retrieve(ctx); err == nil {
		t.Errorf("ec2rolecreds got keys %s for a role EC2 may not assume", c.AccessKeyID)
	}
}

// TestIMDSAnswersWhatEC2Says: every path an instance reads about itself
// matches what DescribeInstances, DescribeSubnets and IAM say of it.
func TestIMDSAnswersWhatEC2Says(t *testing.T) {
	w := newIMDSWorld(t)
	ctx := context.Background()
	d, err := w.ec2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{w.optional}})
	if err != nil {
		t.Fatal(err)
	}
	res := d.Reservations[0]
	inst := res.Instances[0]
	eni := inst.NetworkInterfaces[0]
	sn, err := w.ec2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{aws.ToString(inst.SubnetId)}})
	if err != nil {
		t.Fatal(err)
	}
	mac := aws.ToString(eni.MacAddress)
	md := w.pathEndpoint(w.optional) + "latest/meta-data/"
	for path, want := range map[string]string{
		"local-ipv4":  aws.ToString(inst.PrivateIpAddress),
		"public-ipv4": aws.ToString(inst.PublicIpAddress),
		"mac":         mac,
		"network/interfaces/macs/" + mac + "/subnet-ipv4-cidr-block": aws.ToString(sn.Subnets[0].CidrBlock),
		"network/interfaces/macs/" + mac + "/vpc-id":                 aws.ToString(inst.VpcId),
		"network/interfaces/macs/" + mac + "/subnet-id":              aws.ToString(inst.SubnetId),
		"network/interfaces/macs/" + mac + "/interface-id":           aws.ToString(eni.NetworkInterfaceId),
		"reservation-id":              aws.ToString(res.ReservationId),
		"ami-id":                      aws.ToString(inst.ImageId),
		"instance-type":               string(inst.InstanceType),
		"placement/availability-zone": aws.ToString(inst.Placement.AvailabilityZone),
		"placement/region":            "us-east-1",
		"block-device-mapping/root":   aws.ToString(inst.RootDeviceName),
		"security-groups":             aws.ToString(inst.SecurityGroups[0].GroupName),
		"iam/security-credentials/":   imdsRole,
	} {
		if want == "" {
			t.Errorf("%s: DescribeInstances has nothing to compare with", path)
		}
		if code, body := raw(t, "GET", md+path); code != 200 || body != want {
			t.Errorf("%s: %d %q, want %q", path, code, body, want)
		}
	}
	code, body := raw(t, "GET", md+"iam/info")
	var info struct{ Code, InstanceProfileArn, InstanceProfileId string }
	if code != 200 || json.Unmarshal([]byte(body), &info) != nil || info.Code != "Success" ||
		info.InstanceProfileArn != aws.ToString(inst.IamInstanceProfile.Arn) || info.InstanceProfileId != aws.ToString(inst.IamInstanceProfile.Id) {
		t.Errorf("iam/info: %d %s", code, body)
	}
	code, body = raw(t, "GET", w.pathEndpoint(w.optional)+"latest/dynamic/instance-identity/document")
	var doc struct{ Architecture, InstanceID, PrivateIP, AvailabilityZone string }
	if code != 200 || json.Unmarshal([]byte(body), &doc) != nil || doc.Architecture != string(inst.Architecture) || doc.Architecture != "x86_64" ||
		doc.PrivateIP != aws.ToString(inst.PrivateIpAddress) || doc.AvailabilityZone != aws.ToString(inst.Placement.AvailabilityZone) {
		t.Errorf("identity document: %d %s", code, body)
	}
	// Only a token PUT that crossed a proxy is refused; reads through one
	// are IMDSv1's to allow.
	if code, body := raw(t, "GET", md+"instance-id", "X-Forwarded-For", "198.51.100.7"); code != 200 || body != w.optional {
		t.Errorf("v1 read with X-Forwarded-For: %d %s", code, body)
	}
}
