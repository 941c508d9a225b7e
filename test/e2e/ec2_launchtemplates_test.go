package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

const al2023Param = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"

// TestLaunchTemplatesSDK walks a template's life with aws-sdk-go-v2:
// versions built on one another, the default moved, versions paged and
// deleted (the default refused in the response, not as an error), and the
// refusals AWS answers with.
func TestLaunchTemplatesSDK(t *testing.T) {
	s := StartServer(t)
	ctx := context.Background()
	c := ec2.NewFromConfig(s.DefaultConfig())

	created, err := c.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{
		LaunchTemplateName: aws.String("web"),
		VersionDescription: aws.String("first"),
		LaunchTemplateData: &types.RequestLaunchTemplateData{
			ImageId:      aws.String("resolve:ssm:" + al2023Param),
			InstanceType: types.InstanceTypeT3Micro,
			MetadataOptions: &types.LaunchTemplateInstanceMetadataOptionsRequest{
				HttpTokens: types.LaunchTemplateHttpTokensStateRequired, HttpPutResponseHopLimit: aws.Int32(2)},
			BlockDeviceMappings: []types.LaunchTemplateBlockDeviceMappingRequest{{DeviceName: aws.String("/dev/xvda"),
				Ebs: &types.LaunchTemplateEbsBlockDeviceRequest{VolumeSize: aws.Int32(20), VolumeType: types.VolumeTypeGp3, DeleteOnTermination: aws.Bool(true)}}},
			TagSpecifications: []types.LaunchTemplateTagSpecificationRequest{{ResourceType: types.ResourceTypeInstance,
				Tags: []types.Tag{{Key: aws.String("Name"), Value: aws.String("web")}}}},
		},
		TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeLaunchTemplate, Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("a")}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	lt := created.LaunchTemplate
	id := aws.ToString(lt.LaunchTemplateId)
	if !strings.HasPrefix(id, "lt-") || aws.ToInt64(lt.DefaultVersionNumber) != 1 || aws.ToInt64(lt.LatestVersionNumber) != 1 ||
		aws.ToString(lt.CreatedBy) != "arn:aws:iam::000000000000:root" || len(lt.Tags) != 1 {
		t.Fatalf("created %+v", lt)
	}
	v2, err := c.CreateLaunchTemplateVersion(ctx, &ec2.CreateLaunchTemplateVersionInput{LaunchTemplateId: &id, SourceVersion: aws.String("1"),
		VersionDescription: aws.String("bigger"), ResolveAlias: aws.Bool(true),
		LaunchTemplateData: &types.RequestLaunchTemplateData{InstanceType: types.InstanceTypeM5Large}})
	if err != nil {
		t.Fatal(err)
	}
	d2 := v2.LaunchTemplateVersion.LaunchTemplateData
	if aws.ToInt64(v2.LaunchTemplateVersion.VersionNumber) != 2 || d2.InstanceType != types.InstanceTypeM5Large ||
		!strings.HasPrefix(aws.ToString(d2.ImageId), "ami-") || d2.MetadataOptions.HttpTokens != types.LaunchTemplateHttpTokensStateRequired ||
		aws.ToInt32(d2.BlockDeviceMappings[0].Ebs.VolumeSize) != 20 {
		t.Errorf("version 2 = %+v", d2)
	}
	if _, err := c.CreateLaunchTemplateVersion(ctx, &ec2.CreateLaunchTemplateVersionInput{LaunchTemplateName: aws.String("web"),
		LaunchTemplateData: &types.RequestLaunchTemplateData{InstanceType: types.InstanceTypeT3Nano}}); err != nil {
		t.Fatal(err)
	}
	if m, err := c.ModifyLaunchTemplate(ctx, &ec2.ModifyLaunchTemplateInput{LaunchTemplateId: &id, DefaultVersion: aws.String("2")}); err != nil ||
		aws.ToInt64(m.LaunchTemplate.DefaultVersionNumber) != 2 {
		t.Fatalf("modify: %+v %v", m, err)
	}

	// Every version, one page at a time.
	var numbers []int64
	pages := ec2.NewDescribeLaunchTemplateVersionsPaginator(c, &ec2.DescribeLaunchTemplateVersionsInput{LaunchTemplateId: &id, MaxResults: aws.Int32(1)})
	for pages.HasMorePages() {
		p, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range p.LaunchTemplateVersions {
			numbers = append(numbers, aws.ToInt64(v.VersionNumber))
			if aws.ToBool(v.DefaultVersion) != (aws.ToInt64(v.VersionNumber) == 2) {
				t.Errorf("version %d default=%v", aws.ToInt64(v.VersionNumber), aws.ToBool(v.DefaultVersion))
			}
		}
	}
	if len(numbers) != 3 || numbers[0] != 1 || numbers[2] != 3 {
		t.Errorf("paged versions %v", numbers)
	}
	aliases, err := c.DescribeLaunchTemplateVersions(ctx, &ec2.DescribeLaunchTemplateVersionsInput{Versions: []string{"$Latest", "$Default"},
		Filters: []types.Filter{{Name: aws.String("instance-type"), Values: []string{"m5.large", "t3.nano"}}}})
	if err != nil || len(aliases.LaunchTemplateVersions) != 2 {
		t.Fatalf("$Latest and $Default: %+v %v", aliases, err)
	}
	found, err := c.DescribeLaunchTemplates(ctx, &ec2.DescribeLaunchTemplatesInput{Filters: []types.Filter{{Name: aws.String("tag:team"), Values: []string{"a"}}}})
	if err != nil || len(found.LaunchTemplates) != 1 || aws.ToInt64(found.LaunchTemplates[0].LatestVersionNumber) != 3 {
		t.Fatalf("describe by tag: %+v %v", found, err)
	}

	del, err := c.DeleteLaunchTemplateVersions(ctx, &ec2.DeleteLaunchTemplateVersionsInput{LaunchTemplateId: &id, Versions: []string{"2", "3", "7"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(del.SuccessfullyDeletedLaunchTemplateVersions) != 1 || aws.ToInt64(del.SuccessfullyDeletedLaunchTemplateVersions[0].VersionNumber) != 3 ||
		len(del.UnsuccessfullyDeletedLaunchTemplateVersions) != 2 {
		t.Fatalf("delete versions: %+v", del)
	}
	codes := map[int64]types.LaunchTemplateErrorCode{}
	for _, it := range del.UnsuccessfullyDeletedLaunchTemplateVersions {
		codes[aws.ToInt64(it.VersionNumber)] = it.ResponseError.Code
	}
	if codes[2] != types.LaunchTemplateErrorCodeUnexpectedError || codes[7] != types.LaunchTemplateErrorCodeLaunchTemplateVersionDoesNotExist {
		t.Errorf("per-version codes %v", codes)
	}

	some := &types.RequestLaunchTemplateData{InstanceType: types.InstanceTypeT3Micro}
	_, dup := c.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{LaunchTemplateName: aws.String("web"), LaunchTemplateData: some})
	// The SDK sends an empty LaunchTemplateData as none at all.
	_, empty := c.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{LaunchTemplateName: aws.String("empty"), LaunchTemplateData: &types.RequestLaunchTemplateData{}})
	_, badName := c.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{LaunchTemplateName: aws.String("no"), LaunchTemplateData: &types.RequestLaunchTemplateData{}})
	_, badImage := c.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{LaunchTemplateName: aws.String("img"), LaunchTemplateData: &types.RequestLaunchTemplateData{ImageId: aws.String("ami-x")}})
	_, noVersion := c.DescribeLaunchTemplateVersions(ctx, &ec2.DescribeLaunchTemplateVersionsInput{LaunchTemplateId: &id, Versions: []string{"3"}})
	_, noID := c.DescribeLaunchTemplates(ctx, &ec2.DescribeLaunchTemplatesInput{LaunchTemplateIds: []string{"lt-0123456789abcdef0"}})
	_, malformed := c.DeleteLaunchTemplate(ctx, &ec2.DeleteLaunchTemplateInput{LaunchTemplateId: aws.String("web")})
	_, noName := c.ModifyLaunchTemplate(ctx, &ec2.ModifyLaunchTemplateInput{LaunchTemplateName: aws.String("nobody"), DefaultVersion: aws.String("1")})
	_, dry := c.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{LaunchTemplateName: aws.String("dry"), LaunchTemplateData: some, DryRun: aws.Bool(true)})
	for _, tc := range []struct {
		name string
		err  error
		code string
	}{
		{"duplicate", dup, "InvalidLaunchTemplateName.AlreadyExistsException"},
		{"no data", empty, "MissingParameter"},
		{"short name", badName, "InvalidLaunchTemplateName.MalformedException"},
		{"malformed image", badImage, "InvalidAMIID.Malformed"},
		{"deleted version", noVersion, "InvalidLaunchTemplateId.VersionNotFound"},
		{"unknown id", noID, "InvalidLaunchTemplateId.NotFound"},
		{"malformed id", malformed, "InvalidLaunchTemplateId.Malformed"},
		{"unknown name", noName, "InvalidLaunchTemplateName.NotFoundException"},
		{"dry run", dry, "DryRunOperation"},
	} {
		if tc.err == nil {
			t.Errorf("%s: succeeded, want %s", tc.name, tc.code)
		} else if got := apiCode(t, tc.err); got != tc.code {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.code)
		}
	}

	if _, err := c.DeleteLaunchTemplate(ctx, &ec2.DeleteLaunchTemplateInput{LaunchTemplateName: aws.String("web")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DescribeLaunchTemplates(ctx, &ec2.DescribeLaunchTemplatesInput{LaunchTemplateNames: []string{"web"}}); err == nil ||
		apiCode(t, err) != "InvalidLaunchTemplateName.NotFoundException" {
		t.Errorf("after delete: %v", err)
	}
}

// TestCLILaunchTemplates drives launch templates the way the user guide
// does: the data from a file, versions by alias, the default moved, old
// versions deleted.
func TestCLILaunchTemplates(t *testing.T) {
	s := StartServer(t)
	clis := awsCLIs(t)
	data := filepath.Join(t.TempDir(), "data.json")
	if err := os.WriteFile(data, []byte(`{
  "ImageId": "ami-0123456789abcdef0",
  "InstanceType": "t3.micro",
  "SecurityGroupIds": ["sg-0123456789abcdef0"],
  "UserData": "IyEvYmluL2Jhc2gKZWNobyBoaQo=",
  "TagSpecifications": [{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "cli"}]}]
}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"v1", "v2"} {
		t.Run(v, func(t *testing.T) {
			path, ok := clis[v]
			if !ok {
				missing(t, "aws CLI "+v)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			run := func(args ...string) string {
				t.Helper()
				out, stderr, err := cli(ctx, s, v, path, append([]string{"--endpoint-url", s.URL, "--output", "json", "ec2"}, args...)...)
				if err != nil {
					t.Fatalf("%v: %v\n%s", args, err, stderr)
				}
				return out
			}
			name := "cli-" + v
			var created struct {
				LaunchTemplate struct{ LaunchTemplateId string }
			}
			if err := json.Unmarshal([]byte(run("create-launch-template", "--launch-template-name", name, "--version-description", "base",
				"--launch-template-data", "file://"+data,
				"--tag-specifications", "ResourceType=launch-template,Tags=[{Key=env,Value=dev}]")), &created); err != nil {
				t.Fatal(err)
			}
			id := created.LaunchTemplate.LaunchTemplateId
			run("create-launch-template-version", "--launch-template-id", id, "--source-version", "1", "--version-description", "large",
				"--launch-template-data", `{"InstanceType":"t3.large"}`)
			run("modify-launch-template", "--launch-template-id", id, "--default-version", "2")

			var versions struct {
				LaunchTemplateVersions []struct {
					VersionNumber      int64
					VersionDescription string
					DefaultVersion     bool
					LaunchTemplateData struct {
						ImageId, InstanceType, UserData string
						SecurityGroupIds                []string
					}
				}
			}
			if err := json.Unmarshal([]byte(run("describe-launch-template-versions", "--launch-template-name", name, "--versions", "$Latest")), &versions); err != nil {
				t.Fatal(err)
			}
			if len(versions.LaunchTemplateVersions) != 1 {
				t.Fatalf("$Latest: %+v", versions)
			}
			latest := versions.LaunchTemplateVersions[0]
			if latest.VersionNumber != 2 || !latest.DefaultVersion || latest.VersionDescription != "large" || latest.LaunchTemplateData.InstanceType != "t3.large" ||
				latest.LaunchTemplateData.ImageId != "ami-0123456789abcdef0" || latest.LaunchTemplateData.UserData != "IyEvYmluL2Jhc2gKZWNobyBoaQo=" ||
				len(latest.LaunchTemplateData.SecurityGroupIds) != 1 {
				t.Errorf("version 2 = %+v", latest)
			}
			out := run("describe-launch-template-versions", "--launch-template-id", id, "--min-version", "1", "--max-version", "1",
				"--query", "LaunchTemplateVersions[].LaunchTemplateData.InstanceType")
			contains(t, out, "t3.micro")

			out = run("delete-launch-template-versions", "--launch-template-id", id, "--versions", "1")
			contains(t, out, `"VersionNumber": 1`)
			out = run("describe-launch-templates", "--filters", "Name=tag:env,Values=dev", "Name=launch-template-name,Values="+name)
			contains(t, out, id)

			_, stderr, err := cli(ctx, s, v, path, "--endpoint-url", s.URL, "ec2", "create-launch-template", "--launch-template-name", "a b",
				"--launch-template-data", "{}")
			if err == nil || !strings.Contains(stderr, "InvalidLaunchTemplateName.MalformedException") {
				t.Errorf("malformed name: %v %s", err, stderr)
			}
			run("delete-launch-template", "--launch-template-id", id)
			_, stderr, err = cli(ctx, s, v, path, "--endpoint-url", s.URL, "ec2", "describe-launch-template-versions", "--launch-template-id", id)
			if err == nil || !strings.Contains(stderr, "InvalidLaunchTemplateId.NotFound") {
				t.Errorf("after delete: %v %s", err, stderr)
			}
		})
	}
}
