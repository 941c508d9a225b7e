package ec2

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"

	"hakoniwa/internal/awsdata/images"
	"hakoniwa/internal/store"

	ec2api "hakoniwa/internal/api/ec2"
)

// TestLaunchTemplateDataShapes guards the stored form: versions keep the
// request's LaunchTemplateData under its member names and decode it into
// ResponseLaunchTemplateData, which works only while every request member
// has a response member of the same name and kind.
func TestLaunchTemplateDataShapes(t *testing.T) {
	var walk func(path string, req, resp reflect.Type)
	walk = func(path string, req, resp reflect.Type) {
		for req.Kind() == reflect.Pointer || req.Kind() == reflect.Slice {
			if resp.Kind() != req.Kind() {
				t.Errorf("%s: request %s, response %s", path, req, resp)
				return
			}
			req, resp = req.Elem(), resp.Elem()
		}
		if req.Kind() != resp.Kind() {
			t.Errorf("%s: request %s, response %s", path, req, resp)
			return
		}
		if req.Kind() != reflect.Struct {
			return
		}
		for i := 0; i < req.NumField(); i++ {
			f := req.Field(i)
			g, ok := resp.FieldByName(f.Name)
			if !ok {
				t.Errorf("%s.%s: no response member", path, f.Name)
				continue
			}
			walk(path+"."+f.Name, f.Type, g.Type)
		}
	}
	walk("LaunchTemplateData", reflect.TypeFor[ec2api.RequestLaunchTemplateData](), reflect.TypeFor[ec2api.ResponseLaunchTemplateData]())
}

func mustLaunchTemplate(t *testing.T, s *Service, ctx context.Context, name string, data *ec2api.RequestLaunchTemplateData) *ec2api.LaunchTemplate {
	t.Helper()
	out, err := s.CreateLaunchTemplate(ctx, &ec2api.CreateLaunchTemplateInput{LaunchTemplateName: ptr(name), LaunchTemplateData: data})
	if err != nil {
		t.Fatalf("CreateLaunchTemplate %s: %v", name, err)
	}
	return out.LaunchTemplate
}

func mustVersion(t *testing.T, s *Service, ctx context.Context, in *ec2api.CreateLaunchTemplateVersionInput) *ec2api.LaunchTemplateVersion {
	t.Helper()
	out, err := s.CreateLaunchTemplateVersion(ctx, in)
	if err != nil {
		t.Fatalf("CreateLaunchTemplateVersion: %v", err)
	}
	return out.LaunchTemplateVersion
}

const (
	testAMI  = "ami-0123456789abcdef0"
	testAMI2 = "ami-0fedcba9876543210"
)

func TestCreateLaunchTemplate(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	data := &ec2api.RequestLaunchTemplateData{
		ImageId: ptr(testAMI), InstanceType: ptr("t3.micro"), KeyName: ptr("k"),
		SecurityGroupIds: []string{"sg-0123456789abcdef0"},
		MetadataOptions:  &ec2api.LaunchTemplateInstanceMetadataOptionsRequest{HttpTokens: ptr("required"), HttpPutResponseHopLimit: ptr(int64(2))},
		BlockDeviceMappings: []ec2api.LaunchTemplateBlockDeviceMappingRequest{{DeviceName: ptr("/dev/xvda"),
			Ebs: &ec2api.LaunchTemplateEbsBlockDeviceRequest{VolumeSize: ptr(int64(20)), VolumeType: ptr("gp3"), SnapshotId: ptr("snap-0123456789abcdef0")}}},
		TagSpecifications: []ec2api.LaunchTemplateTagSpecificationRequest{{ResourceType: ptr("instance"), Tags: []ec2api.Tag{{Key: ptr("Name"), Value: ptr("web")}}}},
	}
	out, err := s.CreateLaunchTemplate(ctx, &ec2api.CreateLaunchTemplateInput{LaunchTemplateName: ptr("web(1)/a_b.c-d"), VersionDescription: ptr("first"),
		LaunchTemplateData: data, TagSpecifications: []ec2api.TagSpecification{{ResourceType: ptr("launch-template"), Tags: []ec2api.Tag{{Key: ptr("team"), Value: ptr("a")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	lt := out.LaunchTemplate
	if !wellFormed(*lt.LaunchTemplateId, "lt") || *lt.DefaultVersionNumber != 1 || *lt.LatestVersionNumber != 1 ||
		*lt.CreatedBy != "arn:aws:iam::"+testAccount+":root" || len(lt.Tags) != 1 || lt.CreateTime == nil {
		t.Errorf("created %+v", lt)
	}
	d, err := s.DescribeLaunchTemplateVersions(ctx, &ec2api.DescribeLaunchTemplateVersionsInput{LaunchTemplateName: ptr("web(1)/a_b.c-d")})
	if err != nil || len(d.LaunchTemplateVersions) != 1 {
		t.Fatalf("versions: %v", err)
	}
	v := d.LaunchTemplateVersions[0]
	got := v.LaunchTemplateData
	if *v.VersionNumber != 1 || !*v.DefaultVersion || deref(v.VersionDescription) != "first" || deref(got.ImageId) != testAMI ||
		deref(got.InstanceType) != "t3.micro" || *got.MetadataOptions.HttpPutResponseHopLimit != 2 ||
		deref(got.BlockDeviceMappings[0].Ebs.SnapshotId) != "snap-0123456789abcdef0" || *got.TagSpecifications[0].Tags[0].Value != "web" ||
		got.SecurityGroupIds[0] != "sg-0123456789abcdef0" || got.UserData != nil || got.Monitoring != nil {
		t.Errorf("version 1 = %+v, data %+v", v, got)
	}

	// A retried call with the same ClientToken answers the same template.
	first, err := s.CreateLaunchTemplate(ctx, &ec2api.CreateLaunchTemplateInput{LaunchTemplateName: ptr("tok"), ClientToken: ptr("t-1"), LaunchTemplateData: data})
	if err != nil {
		t.Fatal(err)
	}
	again, err := s.CreateLaunchTemplate(ctx, &ec2api.CreateLaunchTemplateInput{LaunchTemplateName: ptr("tok"), ClientToken: ptr("t-1"), LaunchTemplateData: data})
	if err != nil || *again.LaunchTemplate.LaunchTemplateId != *first.LaunchTemplate.LaunchTemplateId {
		t.Errorf("retry: %v", err)
	}

	create := func(name string, d *ec2api.RequestLaunchTemplateData) error {
		_, err := s.CreateLaunchTemplate(ctx, &ec2api.CreateLaunchTemplateInput{LaunchTemplateName: ptr(name), LaunchTemplateData: d})
		return err
	}
	withData := func(f func(*ec2api.RequestLaunchTemplateData)) *ec2api.RequestLaunchTemplateData {
		d := &ec2api.RequestLaunchTemplateData{}
		f(d)
		return d
	}
	_, tokenMismatch := s.CreateLaunchTemplate(ctx, &ec2api.CreateLaunchTemplateInput{LaunchTemplateName: ptr("other"), ClientToken: ptr("t-1"), LaunchTemplateData: data})
	_, dry := s.CreateLaunchTemplate(ctx, &ec2api.CreateLaunchTemplateInput{LaunchTemplateName: ptr("dry"), LaunchTemplateData: data, DryRun: ptr(true)})
	_, wrongTagType := s.CreateLaunchTemplate(ctx, &ec2api.CreateLaunchTemplateInput{LaunchTemplateName: ptr("tags"), LaunchTemplateData: data,
		TagSpecifications: []ec2api.TagSpecification{{ResourceType: ptr("instance"), Tags: []ec2api.Tag{{Key: ptr("a"), Value: ptr("b")}}}}})
	checkRefusals(t, []refusal{
		{"duplicate name", create("tok", data), "InvalidLaunchTemplateName.AlreadyExistsException", "Launch template name already in use."},
		{"name too short", create("ab", data), "InvalidLaunchTemplateName.MalformedException", ltNameRule},
		{"name too long", create(strings.Repeat("a", 129), data), "InvalidLaunchTemplateName.MalformedException", ""},
		{"name with a space", create("a b", data), "InvalidLaunchTemplateName.MalformedException", ""},
		{"no name", create("", data), "MissingParameter", ""},
		{"no data", create("nodata", nil), "MissingParameter", ""},
		{"image id", create("x-1", withData(func(d *ec2api.RequestLaunchTemplateData) { d.ImageId = ptr("ami-1") })), "InvalidAMIID.Malformed", ""},
		{"security group id", create("x-2", withData(func(d *ec2api.RequestLaunchTemplateData) { d.SecurityGroupIds = []string{"sg-xyz"} })), "InvalidGroupId.Malformed", ""},
		{"subnet id", create("x-3", withData(func(d *ec2api.RequestLaunchTemplateData) {
			d.NetworkInterfaces = []ec2api.LaunchTemplateInstanceNetworkInterfaceSpecificationRequest{{SubnetId: ptr("subnet-1")}}
		})), "InvalidSubnetID.Malformed", ""},
		{"interface group", create("x-4", withData(func(d *ec2api.RequestLaunchTemplateData) {
			d.NetworkInterfaces = []ec2api.LaunchTemplateInstanceNetworkInterfaceSpecificationRequest{{Groups: []string{"group"}}}
		})), "InvalidGroupId.Malformed", ""},
		{"interface id", create("x-5", withData(func(d *ec2api.RequestLaunchTemplateData) {
			d.NetworkInterfaces = []ec2api.LaunchTemplateInstanceNetworkInterfaceSpecificationRequest{{NetworkInterfaceId: ptr("eni-zz")}}
		})), "InvalidNetworkInterfaceID.Malformed", ""},
		{"snapshot id", create("x-6", withData(func(d *ec2api.RequestLaunchTemplateData) {
			d.BlockDeviceMappings = []ec2api.LaunchTemplateBlockDeviceMappingRequest{{DeviceName: ptr("/dev/xvda"), Ebs: &ec2api.LaunchTemplateEbsBlockDeviceRequest{SnapshotId: ptr("")}}}
		})), "InvalidSnapshotID.Malformed", "The snapshot ID '' is not valid. The expected format is snap-xxxxxxxx or snap-xxxxxxxxxxxxxxxxx."},
		{"tag spec without type", create("x-7", withData(func(d *ec2api.RequestLaunchTemplateData) {
			d.TagSpecifications = []ec2api.LaunchTemplateTagSpecificationRequest{{Tags: []ec2api.Tag{{Key: ptr("a")}}}}
		})), "InvalidTagSpecification.Malformed", "The resource type cannot be null or empty."},
		{"tag spec without tags", create("x-8", withData(func(d *ec2api.RequestLaunchTemplateData) {
			d.TagSpecifications = []ec2api.LaunchTemplateTagSpecificationRequest{{ResourceType: ptr("instance")}}
		})), "InvalidTagSpecification.Malformed", "The tags cannot be null or empty."},
		{"tag spec for a template", create("x-9", withData(func(d *ec2api.RequestLaunchTemplateData) {
			d.TagSpecifications = []ec2api.LaunchTemplateTagSpecificationRequest{{ResourceType: ptr("launch-template"), Tags: []ec2api.Tag{{Key: ptr("a")}}}}
		})), "InvalidParameterValue", ""},
		{"reserved tag key in data", create("x-10", withData(func(d *ec2api.RequestLaunchTemplateData) {
			d.TagSpecifications = []ec2api.LaunchTemplateTagSpecificationRequest{{ResourceType: ptr("volume"), Tags: []ec2api.Tag{{Key: ptr("aws:x")}}}}
		})), "InvalidParameterValue", ""},
		{"template tagged as instance", wrongTagType, "InvalidParameterValue", ""},
		{"client token reused", tokenMismatch, "IdempotentParameterMismatch", ""},
		{"dry run", dry, "DryRunOperation", ""},
	})
	if err := create("ssm-alias", withData(func(d *ec2api.RequestLaunchTemplateData) { d.ImageId = ptr("resolve:ssm:/my/ami:3") })); err != nil {
		t.Errorf("an SSM parameter as ImageId: %v", err)
	}
}

func TestLaunchTemplateVersions(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	lt := mustLaunchTemplate(t, s, ctx, "app", &ec2api.RequestLaunchTemplateData{ImageId: ptr(testAMI), InstanceType: ptr("t3.micro"),
		EbsOptimized: ptr(true),
		BlockDeviceMappings: []ec2api.LaunchTemplateBlockDeviceMappingRequest{{DeviceName: ptr("/dev/xvda"),
			Ebs: &ec2api.LaunchTemplateEbsBlockDeviceRequest{VolumeSize: ptr(int64(8)), SnapshotId: ptr("snap-0123456789abcdef0")}}}})
	id := *lt.LaunchTemplateId

	// Version 2 inherits from 1 and overrides the type; the inherited
	// mapping loses its snapshot.
	v2 := mustVersion(t, s, ctx, &ec2api.CreateLaunchTemplateVersionInput{LaunchTemplateId: ptr(id), SourceVersion: ptr("1"), VersionDescription: ptr("bigger"),
		LaunchTemplateData: &ec2api.RequestLaunchTemplateData{InstanceType: ptr("m5.large")}})
	d2 := v2.LaunchTemplateData
	if *v2.VersionNumber != 2 || *v2.DefaultVersion || deref(d2.ImageId) != testAMI || deref(d2.InstanceType) != "m5.large" ||
		d2.BlockDeviceMappings[0].Ebs.SnapshotId != nil || *d2.BlockDeviceMappings[0].Ebs.VolumeSize != 8 || deref(v2.VersionDescription) != "bigger" {
		t.Errorf("version 2 = %+v / %+v", v2, d2)
	}
	// Without a source a version holds only what it is given.
	v3 := mustVersion(t, s, ctx, &ec2api.CreateLaunchTemplateVersionInput{LaunchTemplateName: ptr("app"),
		LaunchTemplateData: &ec2api.RequestLaunchTemplateData{ImageId: ptr(testAMI2)}})
	if *v3.VersionNumber != 3 || v3.LaunchTemplateData.InstanceType != nil || v3.VersionDescription != nil {
		t.Errorf("version 3 = %+v", v3)
	}
	// A source that is an alias, with its snapshot kept when given again.
	v4 := mustVersion(t, s, ctx, &ec2api.CreateLaunchTemplateVersionInput{LaunchTemplateId: ptr(id), SourceVersion: ptr("$Default"),
		LaunchTemplateData: &ec2api.RequestLaunchTemplateData{BlockDeviceMappings: []ec2api.LaunchTemplateBlockDeviceMappingRequest{{DeviceName: ptr("/dev/xvda"),
			Ebs: &ec2api.LaunchTemplateEbsBlockDeviceRequest{SnapshotId: ptr("snap-0123456789abcdef0")}}}}})
	if deref(v4.LaunchTemplateData.InstanceType) != "t3.micro" || deref(v4.LaunchTemplateData.BlockDeviceMappings[0].Ebs.SnapshotId) == "" {
		t.Errorf("version 4 = %+v", v4.LaunchTemplateData)
	}

	numbers := func(in *ec2api.DescribeLaunchTemplateVersionsInput) []int64 {
		t.Helper()
		out, err := s.DescribeLaunchTemplateVersions(ctx, in)
		if err != nil {
			t.Fatalf("describe %+v: %v", in, err)
		}
		var ns []int64
		for _, v := range out.LaunchTemplateVersions {
			ns = append(ns, *v.VersionNumber)
		}
		return ns
	}
	for _, tt := range []struct {
		name string
		in   ec2api.DescribeLaunchTemplateVersionsInput
		want []int64
	}{
		{"all", ec2api.DescribeLaunchTemplateVersionsInput{LaunchTemplateId: ptr(id)}, []int64{1, 2, 3, 4}},
		{"aliases and numbers", ec2api.DescribeLaunchTemplateVersionsInput{LaunchTemplateName: ptr("app"), Versions: []string{"$Latest", "$Default", "2", "4"}}, []int64{1, 2, 4}},
		{"range", ec2api.DescribeLaunchTemplateVersionsInput{LaunchTemplateId: ptr(id), MinVersion: ptr("2"), MaxVersion: ptr("3")}, []int64{2, 3}},
		{"instance-type", ec2api.DescribeLaunchTemplateVersionsInput{LaunchTemplateId: ptr(id), Filters: filters("instance-type", "t3.*")}, []int64{1, 4}},
		{"image-id", ec2api.DescribeLaunchTemplateVersionsInput{LaunchTemplateId: ptr(id), Filters: filters("image-id", testAMI2)}, []int64{3}},
		{"is-default-version", ec2api.DescribeLaunchTemplateVersionsInput{LaunchTemplateId: ptr(id), Filters: filters("is-default-version", "true")}, []int64{1}},
		{"ebs-optimized", ec2api.DescribeLaunchTemplateVersionsInput{LaunchTemplateId: ptr(id), Filters: filters("ebs-optimized", "true")}, []int64{1, 2, 4}},
	} {
		if got := numbers(&tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}

	// Paging, one version at a time.
	seen := pageAll(t, func(token *string) ([]int64, *string, error) {
		out, err := s.DescribeLaunchTemplateVersions(ctx, &ec2api.DescribeLaunchTemplateVersionsInput{LaunchTemplateId: ptr(id), MaxResults: ptr(int64(1)), NextToken: token})
		if err != nil {
			return nil, nil, err
		}
		var ns []int64
		for _, v := range out.LaunchTemplateVersions {
			ns = append(ns, *v.VersionNumber)
		}
		return ns, out.NextToken, nil
	})
	if !reflect.DeepEqual(seen, []int64{1, 2, 3, 4}) {
		t.Errorf("paged: %v", seen)
	}

	// ModifyLaunchTemplate moves the default, and RunInstances' default.
	m, err := s.ModifyLaunchTemplate(ctx, &ec2api.ModifyLaunchTemplateInput{LaunchTemplateId: ptr(id), DefaultVersion: ptr("3")})
	if err != nil || *m.LaunchTemplate.DefaultVersionNumber != 3 || *m.LaunchTemplate.LatestVersionNumber != 4 {
		t.Fatalf("modify: %+v %v", m, err)
	}

	// Every template's $Latest and $Default at once.
	other := mustLaunchTemplate(t, s, ctx, "other", &ec2api.RequestLaunchTemplateData{InstanceType: ptr("t3.nano")})
	all, err := s.DescribeLaunchTemplateVersions(ctx, &ec2api.DescribeLaunchTemplateVersionsInput{Versions: []string{"$Latest", "$Default"}})
	if err != nil {
		t.Fatal(err)
	}
	var pairs []string
	for _, v := range all.LaunchTemplateVersions {
		pairs = append(pairs, *v.LaunchTemplateName+":"+itoa(*v.VersionNumber))
	}
	want := []string{"app:3", "app:4", "other:1"}
	if *other.LaunchTemplateId < id {
		want = []string{"other:1", "app:3", "app:4"}
	}
	if !reflect.DeepEqual(pairs, want) {
		t.Errorf("all templates: %v, want %v", pairs, want)
	}

	_, versionNotFound := s.DescribeLaunchTemplateVersions(ctx, &ec2api.DescribeLaunchTemplateVersionsInput{LaunchTemplateId: ptr(id), Versions: []string{"9"}})
	_, numberWithoutTemplate := s.DescribeLaunchTemplateVersions(ctx, &ec2api.DescribeLaunchTemplateVersionsInput{Versions: []string{"1"}})
	_, nothing := s.DescribeLaunchTemplateVersions(ctx, &ec2api.DescribeLaunchTemplateVersionsInput{})
	_, badMin := s.DescribeLaunchTemplateVersions(ctx, &ec2api.DescribeLaunchTemplateVersionsInput{LaunchTemplateId: ptr(id), MinVersion: ptr("x")})
	_, badFilter := s.DescribeLaunchTemplateVersions(ctx, &ec2api.DescribeLaunchTemplateVersionsInput{LaunchTemplateId: ptr(id), Filters: filters("color", "red")})
	_, badMax := s.DescribeLaunchTemplateVersions(ctx, &ec2api.DescribeLaunchTemplateVersionsInput{LaunchTemplateId: ptr(id), MaxResults: ptr(int64(201))})
	_, both := s.DescribeLaunchTemplateVersions(ctx, &ec2api.DescribeLaunchTemplateVersionsInput{LaunchTemplateId: ptr(id), LaunchTemplateName: ptr("app")})
	_, noTemplate := s.DescribeLaunchTemplateVersions(ctx, &ec2api.DescribeLaunchTemplateVersionsInput{LaunchTemplateName: ptr("nope")})
	_, badSource := s.CreateLaunchTemplateVersion(ctx, &ec2api.CreateLaunchTemplateVersionInput{LaunchTemplateId: ptr(id), SourceVersion: ptr("7"),
		LaunchTemplateData: &ec2api.RequestLaunchTemplateData{}})
	_, versionNoTemplate := s.CreateLaunchTemplateVersion(ctx, &ec2api.CreateLaunchTemplateVersionInput{LaunchTemplateId: ptr("lt-0123456789abcdef0"),
		LaunchTemplateData: &ec2api.RequestLaunchTemplateData{}})
	_, versionBadData := s.CreateLaunchTemplateVersion(ctx, &ec2api.CreateLaunchTemplateVersionInput{LaunchTemplateId: ptr(id),
		LaunchTemplateData: &ec2api.RequestLaunchTemplateData{ImageId: ptr("image")}})
	_, versionDry := s.CreateLaunchTemplateVersion(ctx, &ec2api.CreateLaunchTemplateVersionInput{LaunchTemplateId: ptr(id), DryRun: ptr(true),
		LaunchTemplateData: &ec2api.RequestLaunchTemplateData{}})
	_, modifyMissing := s.ModifyLaunchTemplate(ctx, &ec2api.ModifyLaunchTemplateInput{LaunchTemplateId: ptr(id), DefaultVersion: ptr("9")})
	_, modifyDry := s.ModifyLaunchTemplate(ctx, &ec2api.ModifyLaunchTemplateInput{LaunchTemplateId: ptr(id), DefaultVersion: ptr("1"), DryRun: ptr(true)})
	checkRefusals(t, []refusal{
		{"missing version", versionNotFound, "InvalidLaunchTemplateId.VersionNotFound", "Could not find the specified version 9 for the launch template with ID " + id + "."},
		{"a number without a template", numberWithoutTemplate, "InvalidParameterValue", ""},
		{"neither template nor alias", nothing, "MissingParameter", ""},
		{"MinVersion not a number", badMin, "InvalidParameterValue", ""},
		{"unknown filter", badFilter, "InvalidParameterValue", ""},
		{"MaxResults above 200", badMax, "InvalidParameterValue", ""},
		{"id and name", both, "InvalidParameterCombination", ""},
		{"unknown name", noTemplate, "InvalidLaunchTemplateName.NotFoundException", "The specified launch template, with template name nope, does not exist."},
		{"missing source version", badSource, "InvalidLaunchTemplateId.VersionNotFound", ""},
		{"version of an unknown template", versionNoTemplate, "InvalidLaunchTemplateId.NotFound", "The specified launch template, with template ID lt-0123456789abcdef0, does not exist."},
		{"version with a malformed image", versionBadData, "InvalidAMIID.Malformed", ""},
		{"version dry run", versionDry, "DryRunOperation", ""},
		{"default to a missing version", modifyMissing, "InvalidLaunchTemplateId.VersionNotFound", ""},
		{"modify dry run", modifyDry, "DryRunOperation", ""},
	})
}

func TestDeleteLaunchTemplateVersions(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	id := *mustLaunchTemplate(t, s, ctx, "del", &ec2api.RequestLaunchTemplateData{InstanceType: ptr("t3.micro")}).LaunchTemplateId
	for range 3 {
		mustVersion(t, s, ctx, &ec2api.CreateLaunchTemplateVersionInput{LaunchTemplateId: ptr(id), LaunchTemplateData: &ec2api.RequestLaunchTemplateData{}})
	}
	out, err := s.DeleteLaunchTemplateVersions(ctx, &ec2api.DeleteLaunchTemplateVersionsInput{LaunchTemplateName: ptr("del"), Versions: []string{"1", "4", "9", "x", "2"}})
	if err != nil {
		t.Fatal(err)
	}
	var ok []int64
	for _, it := range out.SuccessfullyDeletedLaunchTemplateVersions {
		ok = append(ok, *it.VersionNumber)
		if *it.LaunchTemplateId != id || *it.LaunchTemplateName != "del" {
			t.Errorf("deleted item %+v", it)
		}
	}
	var failed []string
	for _, it := range out.UnsuccessfullyDeletedLaunchTemplateVersions {
		n := "-"
		if it.VersionNumber != nil {
			n = itoa(*it.VersionNumber)
		}
		failed = append(failed, n+":"+*it.ResponseError.Code)
	}
	if !reflect.DeepEqual(ok, []int64{4, 2}) || !reflect.DeepEqual(failed, []string{"1:unexpectedError", "9:launchTemplateVersionDoesNotExist", "-:launchTemplateVersionDoesNotExist"}) {
		t.Errorf("deleted %v, failed %v", ok, failed)
	}
	// Deleting the latest moves $Latest back; its number is not reused.
	d, err := s.DescribeLaunchTemplates(ctx, &ec2api.DescribeLaunchTemplatesInput{LaunchTemplateIds: []string{id}})
	if err != nil || *d.LaunchTemplates[0].LatestVersionNumber != 3 {
		t.Fatalf("latest after delete: %+v %v", d, err)
	}
	if v := mustVersion(t, s, ctx, &ec2api.CreateLaunchTemplateVersionInput{LaunchTemplateId: ptr(id), LaunchTemplateData: &ec2api.RequestLaunchTemplateData{}}); *v.VersionNumber != 5 {
		t.Errorf("next version %d, want 5", *v.VersionNumber)
	}

	// A template that cannot be found is reported per version.
	for _, tt := range []struct {
		in   ec2api.DeleteLaunchTemplateVersionsInput
		code string
	}{
		{ec2api.DeleteLaunchTemplateVersionsInput{LaunchTemplateId: ptr("lt-0123456789abcdef0"), Versions: []string{"2"}}, "launchTemplateIdDoesNotExist"},
		{ec2api.DeleteLaunchTemplateVersionsInput{LaunchTemplateId: ptr("lt-1"), Versions: []string{"2"}}, "launchTemplateIdMalformed"},
		{ec2api.DeleteLaunchTemplateVersionsInput{LaunchTemplateName: ptr("gone"), Versions: []string{"2"}}, "launchTemplateNameDoesNotExist"},
		{ec2api.DeleteLaunchTemplateVersionsInput{LaunchTemplateName: ptr("a!"), Versions: []string{"2"}}, "launchTemplateNameMalformed"},
	} {
		out, err := s.DeleteLaunchTemplateVersions(ctx, &tt.in)
		if err != nil || len(out.UnsuccessfullyDeletedLaunchTemplateVersions) != 1 || *out.UnsuccessfullyDeletedLaunchTemplateVersions[0].ResponseError.Code != tt.code ||
			*out.UnsuccessfullyDeletedLaunchTemplateVersions[0].VersionNumber != 2 {
			t.Errorf("%+v: %+v %v, want %s", tt.in, out, err, tt.code)
		}
	}
	_, none := s.DeleteLaunchTemplateVersions(ctx, &ec2api.DeleteLaunchTemplateVersionsInput{LaunchTemplateId: ptr(id)})
	_, tooMany := s.DeleteLaunchTemplateVersions(ctx, &ec2api.DeleteLaunchTemplateVersionsInput{LaunchTemplateId: ptr(id), Versions: make([]string, 201)})
	_, both := s.DeleteLaunchTemplateVersions(ctx, &ec2api.DeleteLaunchTemplateVersionsInput{LaunchTemplateId: ptr(id), LaunchTemplateName: ptr("del"), Versions: []string{"2"}})
	_, neither := s.DeleteLaunchTemplateVersions(ctx, &ec2api.DeleteLaunchTemplateVersionsInput{Versions: []string{"2"}})
	_, dry := s.DeleteLaunchTemplateVersions(ctx, &ec2api.DeleteLaunchTemplateVersionsInput{LaunchTemplateId: ptr(id), Versions: []string{"2"}, DryRun: ptr(true)})
	checkRefusals(t, []refusal{
		{"no versions", none, "MissingParameter", ""},
		{"more than 200", tooMany, "InvalidParameterValue", ""},
		{"id and name", both, "InvalidParameterCombination", ""},
		{"no template", neither, "MissingParameter", ""},
		{"dry run", dry, "DryRunOperation", ""},
	})

	// DeleteLaunchTemplate takes every version with it.
	del, err := s.DeleteLaunchTemplate(ctx, &ec2api.DeleteLaunchTemplateInput{LaunchTemplateId: ptr(id)})
	if err != nil || *del.LaunchTemplate.LaunchTemplateName != "del" {
		t.Fatalf("delete: %+v %v", del, err)
	}
	err = s.st.View(ctx, func(tx store.Tx) error {
		n, err := tx.Count(launchTemplateVersions.bucket(scope{testAccount, "us-east-1"}), "")
		if n != 0 {
			t.Errorf("%d versions left", n)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	_, gone := s.DeleteLaunchTemplate(ctx, &ec2api.DeleteLaunchTemplateInput{LaunchTemplateId: ptr(id)})
	_, gone2 := s.DescribeLaunchTemplateVersions(ctx, &ec2api.DescribeLaunchTemplateVersionsInput{LaunchTemplateId: ptr(id)})
	_, delDry := s.DeleteLaunchTemplate(ctx, &ec2api.DeleteLaunchTemplateInput{LaunchTemplateName: ptr("del"), DryRun: ptr(true)})
	checkRefusals(t, []refusal{
		{"deleted template", gone, "InvalidLaunchTemplateId.NotFound", ""},
		{"versions of a deleted template", gone2, "InvalidLaunchTemplateId.NotFound", ""},
		{"delete dry run", delDry, "DryRunOperation", ""},
	})
}

func TestDescribeLaunchTemplates(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	var ids []string
	for _, n := range []string{"web-a", "web-b", "dbs"} {
		ids = append(ids, *mustLaunchTemplate(t, s, ctx, n, &ec2api.RequestLaunchTemplateData{}).LaunchTemplateId)
	}
	if _, err := s.CreateTags(ctx, &ec2api.CreateTagsInput{Resources: []string{ids[2]}, Tags: []ec2api.Tag{{Key: ptr("tier"), Value: ptr("data")}}}); err != nil {
		t.Fatal(err)
	}
	names := func(in *ec2api.DescribeLaunchTemplatesInput) []string {
		t.Helper()
		out, err := s.DescribeLaunchTemplates(ctx, in)
		if err != nil {
			t.Fatalf("%+v: %v", in, err)
		}
		var ns []string
		for _, lt := range out.LaunchTemplates {
			ns = append(ns, *lt.LaunchTemplateName)
		}
		slices.Sort(ns)
		return ns
	}
	for _, tt := range []struct {
		name string
		in   ec2api.DescribeLaunchTemplatesInput
		want []string
	}{
		{"all", ec2api.DescribeLaunchTemplatesInput{}, []string{"dbs", "web-a", "web-b"}},
		{"name filter", ec2api.DescribeLaunchTemplatesInput{Filters: filters("launch-template-name", "web-*")}, []string{"web-a", "web-b"}},
		{"tag filter", ec2api.DescribeLaunchTemplatesInput{Filters: filters("tag:tier", "data")}, []string{"dbs"}},
		{"tag-key", ec2api.DescribeLaunchTemplatesInput{Filters: filters("tag-key", "tier")}, []string{"dbs"}},
		{"create-time", ec2api.DescribeLaunchTemplatesInput{Filters: filters("create-time", "2025-01-01T00:00:00.000Z")}, []string{"dbs", "web-a", "web-b"}},
		{"ids and names", ec2api.DescribeLaunchTemplatesInput{LaunchTemplateIds: []string{ids[0]}, LaunchTemplateNames: []string{"dbs", "web-a"}}, []string{"dbs", "web-a"}},
	} {
		if got := names(&tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
	// The tag shows in DescribeTags under the launch-template type.
	tags, err := s.DescribeTags(ctx, &ec2api.DescribeTagsInput{Filters: filters("resource-type", "launch-template")})
	if err != nil || len(tags.Tags) != 1 || *tags.Tags[0].ResourceId != ids[2] {
		t.Errorf("DescribeTags: %+v %v", tags, err)
	}

	paged := pageAll(t, func(token *string) ([]string, *string, error) {
		out, err := s.DescribeLaunchTemplates(ctx, &ec2api.DescribeLaunchTemplatesInput{MaxResults: ptr(int64(2)), NextToken: token})
		if err != nil {
			return nil, nil, err
		}
		var ns []string
		for _, lt := range out.LaunchTemplates {
			ns = append(ns, *lt.LaunchTemplateName)
		}
		return ns, out.NextToken, nil
	})
	if slices.Sort(paged); !reflect.DeepEqual(paged, []string{"dbs", "web-a", "web-b"}) {
		t.Errorf("paged %v", paged)
	}

	_, missingID := s.DescribeLaunchTemplates(ctx, &ec2api.DescribeLaunchTemplatesInput{LaunchTemplateIds: []string{"lt-0123456789abcdef0"}})
	_, malformedID := s.DescribeLaunchTemplates(ctx, &ec2api.DescribeLaunchTemplatesInput{LaunchTemplateIds: []string{"web-a"}})
	_, missingName := s.DescribeLaunchTemplates(ctx, &ec2api.DescribeLaunchTemplatesInput{LaunchTemplateNames: []string{"nope"}})
	_, malformedName := s.DescribeLaunchTemplates(ctx, &ec2api.DescribeLaunchTemplatesInput{LaunchTemplateNames: []string{"no"}})
	_, badFilter := s.DescribeLaunchTemplates(ctx, &ec2api.DescribeLaunchTemplatesInput{Filters: filters("image-id", testAMI)})
	_, idsAndMax := s.DescribeLaunchTemplates(ctx, &ec2api.DescribeLaunchTemplatesInput{LaunchTemplateIds: ids[:1], MaxResults: ptr(int64(5))})
	_, dry := s.DescribeLaunchTemplates(ctx, &ec2api.DescribeLaunchTemplatesInput{DryRun: ptr(true)})
	checkRefusals(t, []refusal{
		{"unknown id", missingID, "InvalidLaunchTemplateId.NotFound", "The specified launch template, with template ID lt-0123456789abcdef0, does not exist."},
		{"malformed id", malformedID, "InvalidLaunchTemplateId.Malformed", ""},
		{"unknown name", missingName, "InvalidLaunchTemplateName.NotFoundException", ""},
		{"malformed name", malformedName, "InvalidLaunchTemplateName.MalformedException", ""},
		{"unknown filter", badFilter, "InvalidParameterValue", ""},
		{"ids with MaxResults", idsAndMax, "InvalidParameterCombination", ""},
		{"dry run", dry, "DryRunOperation", ""},
	})
}

func TestLaunchTemplateQuotas(t *testing.T) {
	q := DefaultQuotas()
	q.LaunchTemplatesPerRegion, q.VersionsPerLaunchTemplate = 2, 2
	s, ctx := newTestService(t, q)
	id := *mustLaunchTemplate(t, s, ctx, "one", &ec2api.RequestLaunchTemplateData{}).LaunchTemplateId
	mustLaunchTemplate(t, s, ctx, "two", &ec2api.RequestLaunchTemplateData{})
	_, templates := s.CreateLaunchTemplate(ctx, &ec2api.CreateLaunchTemplateInput{LaunchTemplateName: ptr("three"), LaunchTemplateData: &ec2api.RequestLaunchTemplateData{}})
	mustVersion(t, s, ctx, &ec2api.CreateLaunchTemplateVersionInput{LaunchTemplateId: ptr(id), LaunchTemplateData: &ec2api.RequestLaunchTemplateData{}})
	_, versions := s.CreateLaunchTemplateVersion(ctx, &ec2api.CreateLaunchTemplateVersionInput{LaunchTemplateId: ptr(id), LaunchTemplateData: &ec2api.RequestLaunchTemplateData{}})
	checkRefusals(t, []refusal{
		{"templates per Region", templates, "MaxTemplateLimitExceeded", "Account has already reached max permitted templates"},
		{"versions per template", versions, "ResourceLimitExceeded", ""},
	})
	if q, err := ParseQuotas("launch-templates-per-region=7,versions-per-launch-template=9"); err != nil || q.LaunchTemplatesPerRegion != 7 || q.VersionsPerLaunchTemplate != 9 {
		t.Errorf("ParseQuotas: %+v %v", q, err)
	}
}

// TestLaunchTemplateData covers the seam RunInstances resolves templates
// through.
func TestLaunchTemplateData(t *testing.T) {
	s, ctx := newTestService(t, DefaultQuotas())
	param := images.Parameters("us-east-1")[0]
	id := *mustLaunchTemplate(t, s, ctx, "run", &ec2api.RequestLaunchTemplateData{ImageId: ptr("resolve:ssm:" + param.Name), InstanceType: ptr("t3.micro")}).LaunchTemplateId
	mustVersion(t, s, ctx, &ec2api.CreateLaunchTemplateVersionInput{LaunchTemplateId: ptr(id), LaunchTemplateData: &ec2api.RequestLaunchTemplateData{ImageId: ptr(testAMI2), InstanceType: ptr("t3.large")}})
	sc := scope{testAccount, "us-east-1"}
	err := s.st.View(ctx, func(tx store.Tx) error {
		for _, tt := range []struct {
			spec      ec2api.LaunchTemplateSpecification
			image, ty string
			code      string
		}{
			{spec: ec2api.LaunchTemplateSpecification{LaunchTemplateId: ptr(id)}, image: param.Value, ty: "t3.micro"},
			{spec: ec2api.LaunchTemplateSpecification{LaunchTemplateName: ptr("run"), Version: ptr("$Latest")}, image: testAMI2, ty: "t3.large"},
			{spec: ec2api.LaunchTemplateSpecification{LaunchTemplateName: ptr("run"), Version: ptr("$Default")}, image: param.Value, ty: "t3.micro"},
			{spec: ec2api.LaunchTemplateSpecification{LaunchTemplateId: ptr(id), Version: ptr("2")}, image: testAMI2, ty: "t3.large"},
			{spec: ec2api.LaunchTemplateSpecification{LaunchTemplateId: ptr(id), Version: ptr("3")}, code: "InvalidLaunchTemplateId.VersionNotFound"},
			{spec: ec2api.LaunchTemplateSpecification{LaunchTemplateId: ptr(id), Version: ptr("newest")}, code: "InvalidLaunchTemplateId.VersionNotFound"},
			{spec: ec2api.LaunchTemplateSpecification{LaunchTemplateId: ptr("lt-0123456789abcdef0")}, code: "InvalidLaunchTemplateId.NotFound"},
			{spec: ec2api.LaunchTemplateSpecification{LaunchTemplateId: ptr("run")}, code: "InvalidLaunchTemplateId.Malformed"},
			{spec: ec2api.LaunchTemplateSpecification{LaunchTemplateName: ptr("walk")}, code: "InvalidLaunchTemplateName.NotFoundException"},
			{spec: ec2api.LaunchTemplateSpecification{LaunchTemplateName: ptr("a b")}, code: "InvalidLaunchTemplateName.MalformedException"},
			{spec: ec2api.LaunchTemplateSpecification{}, code: "MissingParameter"},
			{spec: ec2api.LaunchTemplateSpecification{LaunchTemplateId: ptr(id), LaunchTemplateName: ptr("run")}, code: "InvalidParameterCombination"},
		} {
			d, err := s.launchTemplateData(tx, sc, &tt.spec)
			if code(err) != tt.code {
				t.Errorf("%+v: %v, want %s", tt.spec, err, tt.code)
				continue
			}
			if err == nil && (deref(d.ImageId) != tt.image || deref(d.InstanceType) != tt.ty) {
				t.Errorf("%+v: image %s type %s", tt.spec, deref(d.ImageId), deref(d.InstanceType))
			}
		}
		ltID, n, _, err := s.resolveLaunchTemplate(tx, sc, &ec2api.LaunchTemplateSpecification{LaunchTemplateName: ptr("run"), Version: ptr("$Latest")})
		if err != nil || ltID != id || n != 2 {
			t.Errorf("resolveLaunchTemplate = %s %d %v", ltID, n, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// ResolveAlias shows the AMI in Describe; without it the parameter.
	for _, resolve := range []bool{false, true} {
		out, err := s.DescribeLaunchTemplateVersions(ctx, &ec2api.DescribeLaunchTemplateVersionsInput{LaunchTemplateId: ptr(id), Versions: []string{"1"}, ResolveAlias: ptr(resolve)})
		if err != nil {
			t.Fatal(err)
		}
		want := "resolve:ssm:" + param.Name
		if resolve {
			want = param.Value
		}
		if got := deref(out.LaunchTemplateVersions[0].LaunchTemplateData.ImageId); got != want {
			t.Errorf("ResolveAlias=%v: %s, want %s", resolve, got, want)
		}
	}
}

// pageAll follows NextToken until the last page, for at most 20 pages.
func pageAll[T any](t *testing.T, page func(token *string) ([]T, *string, error)) []T {
	t.Helper()
	var all []T
	var token *string
	for range 20 {
		items, next, err := page(token)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, items...)
		if next == nil {
			return all
		}
		token = next
	}
	t.Fatal("more than 20 pages")
	return nil
}
