package imds

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/clock"
	"hakoniwa/internal/ids"
)

var start = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// fakeSource serves fixed instances and counts the sessions it issues,
// each with keys of its own.
type fakeSource struct {
	mu        sync.Mutex
	instances map[string]Instance
	clock     clock.Clock
	lifetime  time.Duration
	issued    int
	credErr   error
	lookupErr error
}

func (f *fakeSource) Instance(_ context.Context, id string) (Instance, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.lookupErr != nil {
		return Instance{}, false, f.lookupErr
	}
	inst, ok := f.instances[id]
	return inst, ok, nil
}

func (f *fakeSource) Credentials(_ context.Context, inst Instance) (Credentials, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.credErr != nil {
		return Credentials{}, f.credErr
	}
	f.issued++
	n := fmt.Sprint(f.issued)
	return Credentials{
		AccessKeyID: "ASIA" + inst.ID + n, SecretAccessKey: "secret" + n, Token: "token" + n,
		Expiration: f.clock.Now().Add(f.lifetime),
	}, nil
}

func (f *fakeSource) set(inst Instance) {
	f.mu.Lock()
	f.instances[inst.ID] = inst
	f.mu.Unlock()
}

func fullInstance() Instance {
	return Instance{
		ID: "i-0123456789abcdef0", Account: "000000000000", Region: "us-east-1", AvailabilityZone: "us-east-1a",
		ImageID: "ami-0abcdef1234567890", InstanceType: "t3.micro", Architecture: "x86_64", AmiLaunchIndex: 2,
		LaunchTime: start.Add(-time.Hour), ReservationID: "r-0123456789abcdef0", RootDeviceName: "/dev/xvda",
		PrivateIP: "10.0.1.23", PublicIP: "203.0.113.7", MAC: "0e:11:22:33:44:55",
		SubnetID: "subnet-1", SubnetCidr: "10.0.1.0/24", VpcID: "vpc-1", VpcCidr: "10.0.0.0/16",
		PrivateDNSName: "ip-10-0-1-23.ec2.internal", PublicDNSName: "ec2-203-0-113-7.compute-1.amazonaws.com",
		SecurityGroupIDs: []string{"sg-1", "sg-2"}, SecurityGroups: []string{"web", "ssh"}, InterfaceID: "eni-1",
		KeyName: "my-key", PublicKey: "ssh-ed25519 AAAAC3Nza my-key",
		UserData:   []byte("#!/bin/sh\necho hi\n"),
		HTTPTokens: "optional", HTTPEndpoint: "enabled", InstanceMetadataTags: "enabled",
		Tags:               map[string]string{"Name": "web-1", "env": "test", "a/b": "skipped"},
		InstanceProfileARN: "arn:aws:iam::000000000000:instance-profile/web", InstanceProfileID: "AIPAEXAMPLE",
		RoleName: "web-role",
	}
}

// bareInstance has nothing optional: no public address, key, role,
// user data or tags in metadata.
func bareInstance() Instance {
	return Instance{
		ID: "i-0bbbbbbbbbbbbbbbb", Account: "000000000000", Region: "eu-west-1", AvailabilityZone: "eu-west-1b",
		ImageID: "ami-1", InstanceType: "t4g.nano", PrivateIP: "172.31.0.5", MAC: "0e:00:00:00:00:01",
		SubnetID: "subnet-2", VpcID: "vpc-2", VpcCidr: "172.31.0.0/16", PrivateDNSName: "ip-172-31-0-5.eu-west-1.compute.internal",
		SecurityGroupIDs: []string{"sg-3"}, SecurityGroups: []string{"default"}, InterfaceID: "eni-2",
		HTTPTokens: "optional", HTTPEndpoint: "enabled", InstanceMetadataTags: "disabled",
		Tags: map[string]string{"Name": "hidden"},
	}
}

type fixture struct {
	h     *Handler
	src   *fakeSource
	clock *clock.Manual
}

func newFixture(t *testing.T, insts ...Instance) *fixture {
	t.Helper()
	clk := clock.NewManual(start)
	src := &fakeSource{instances: map[string]Instance{}, clock: clk, lifetime: 6 * time.Hour}
	for _, i := range insts {
		src.set(i)
	}
	return &fixture{h: New(src, clk, ids.Seeded(1), nil), src: src, clock: clk}
}

// do sends one request to the instance; headers come in name, value pairs.
func (f *fixture) do(method, instance, path string, headers ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, ForInstance(r, instance))
	return w
}

func (f *fixture) get(t *testing.T, instance, path string, headers ...string) string {
	t.Helper()
	w := f.do("GET", instance, path, headers...)
	if w.Code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, w.Code, w.Body)
	}
	return w.Body.String()
}

func (f *fixture) token(t *testing.T, instance string, ttl int) string {
	t.Helper()
	w := f.do("PUT", instance, "/latest/api/token", tokenTTLHeader, fmt.Sprint(ttl))
	if w.Code != http.StatusOK {
		t.Fatalf("token: %d %s", w.Code, w.Body)
	}
	if got := w.Header().Get(tokenTTLHeader); got != fmt.Sprint(ttl) {
		t.Fatalf("token TTL header %q, want %d", got, ttl)
	}
	return w.Body.String()
}

func TestLeaves(t *testing.T) {
	f := newFixture(t, fullInstance())
	id := fullInstance().ID
	mac := "/latest/meta-data/network/interfaces/macs/0e:11:22:33:44:55/"
	for path, want := range map[string]string{
		"/latest/meta-data/ami-id":                                    "ami-0abcdef1234567890",
		"/latest/meta-data/ami-launch-index":                          "2",
		"/latest/meta-data/ami-manifest-path":                         "(unknown)",
		"/latest/meta-data/block-device-mapping/root":                 "/dev/xvda",
		"/latest/meta-data/hostname":                                  "ip-10-0-1-23.ec2.internal",
		"/latest/meta-data/local-hostname":                            "ip-10-0-1-23.ec2.internal",
		"/latest/meta-data/instance-action":                           "none",
		"/latest/meta-data/instance-id":                               id,
		"/latest/meta-data/instance-life-cycle":                       "on-demand",
		"/latest/meta-data/instance-type":                             "t3.micro",
		"/latest/meta-data/local-ipv4":                                "10.0.1.23",
		"/latest/meta-data/mac":                                       "0e:11:22:33:44:55",
		"/latest/meta-data/public-hostname":                           "ec2-203-0-113-7.compute-1.amazonaws.com",
		"/latest/meta-data/public-ipv4":                               "203.0.113.7",
		"/latest/meta-data/reservation-id":                            "r-0123456789abcdef0",
		"/latest/meta-data/security-groups":                           "web\nssh",
		"/latest/meta-data/placement/availability-zone":               "us-east-1a",
		"/latest/meta-data/placement/availability-zone/":              "us-east-1a",
		"/latest/meta-data/placement/region":                          "us-east-1",
		"/latest/meta-data/services/domain":                           "amazonaws.com",
		"/latest/meta-data/services/partition":                        "aws",
		"/latest/meta-data/public-keys/0/openssh-key":                 "ssh-ed25519 AAAAC3Nza my-key\n",
		"/latest/meta-data/tags/instance/Name":                        "web-1",
		"/latest/user-data":                                           "#!/bin/sh\necho hi\n",
		mac + "device-number":                                         "0",
		mac + "interface-id":                                          "eni-1",
		mac + "local-ipv4s":                                           "10.0.1.23",
		mac + "owner-id":                                              "000000000000",
		mac + "public-ipv4s":                                          "203.0.113.7",
		mac + "ipv4-associations/203.0.113.7":                         "10.0.1.23",
		mac + "security-group-ids":                                    "sg-1\nsg-2",
		mac + "security-groups":                                       "web\nssh",
		mac + "subnet-id":                                             "subnet-1",
		mac + "subnet-ipv4-cidr-block":                                "10.0.1.0/24",
		mac + "vpc-id":                                                "vpc-1",
		mac + "vpc-ipv4-cidr-block":                                   "10.0.0.0/16",
		mac + "vpc-ipv4-cidr-blocks":                                  "10.0.0.0/16",
		"/latest/meta-data/iam/security-credentials/":                 "web-role",
		"/latest/meta-data/network/interfaces/macs/":                  "0e:11:22:33:44:55/",
		"/latest/meta-data/public-keys/":                              "0=my-key",
		"/latest/meta-data/public-keys/0/":                            "openssh-key",
		"/latest/meta-data/placement":                                 "availability-zone\navailability-zone-id\nregion",
		"/latest/meta-data/tags/instance":                             "Name\nenv",
		"/latest/dynamic/instance-identity/":                          "document",
		"/latest/":                                                    "dynamic\nmeta-data\nuser-data",
		"/latest":                                                     "dynamic\nmeta-data\nuser-data",
		"/":                                                           "latest",
		"/latest/meta-data/placement/availability-zone-id":            "use1-az1",
		"/latest/meta-data/network/":                                  "interfaces/",
		"/latest/meta-data/block-device-mapping/":                     "ami\nroot",
		"/latest/meta-data/tags/":                                     "instance/",
		"/latest/dynamic/":                                            "instance-identity/",
		"/latest/meta-data/network/interfaces/macs/0e:11:22:33:44:55": "device-number\ninterface-id\nipv4-associations/\nlocal-hostname\nlocal-ipv4s\nmac\nowner-id\npublic-hostname\npublic-ipv4s\nsecurity-group-ids\nsecurity-groups\nsubnet-id\nsubnet-ipv4-cidr-block\nvpc-id\nvpc-ipv4-cidr-block\nvpc-ipv4-cidr-blocks",
	} {
		if got := f.get(t, id, path); got != want {
			t.Errorf("GET %s = %q, want %q", path, got, want)
		}
	}
}

func TestMetaDataListing(t *testing.T) {
	f := newFixture(t, fullInstance(), bareInstance())
	full := "ami-id\nami-launch-index\nami-manifest-path\nblock-device-mapping/\nhostname\niam/\ninstance-action\ninstance-id\ninstance-life-cycle\ninstance-type\nlocal-hostname\nlocal-ipv4\nmac\nnetwork/\nplacement/\npublic-hostname\npublic-ipv4\npublic-keys/\nreservation-id\nsecurity-groups\nservices/\ntags/"
	if got := f.get(t, fullInstance().ID, "/latest/meta-data/"); got != full {
		t.Errorf("full listing:\n%s\nwant\n%s", got, full)
	}
	if got := f.get(t, fullInstance().ID, "/latest/meta-data"); got != full {
		t.Errorf("listing without slash differs: %q", got)
	}
	// Nothing optional: no iam/, public-*, public-keys/, tags/, and no
	// user-data in /latest/.
	bare := "ami-id\nami-launch-index\nami-manifest-path\nhostname\ninstance-action\ninstance-id\ninstance-life-cycle\ninstance-type\nlocal-hostname\nlocal-ipv4\nmac\nnetwork/\nplacement/\nsecurity-groups\nservices/"
	if got := f.get(t, bareInstance().ID, "/latest/meta-data/"); got != bare {
		t.Errorf("bare listing:\n%s\nwant\n%s", got, bare)
	}
	if got := f.get(t, bareInstance().ID, "/latest/"); got != "dynamic\nmeta-data" {
		t.Errorf("bare /latest/ = %q", got)
	}
}

func TestNotFound(t *testing.T) {
	f := newFixture(t, fullInstance(), bareInstance())
	bare := bareInstance().ID
	for _, c := range []struct{ id, path string }{
		{"i-0000000000000000f", "/latest/meta-data/instance-id"}, // no such instance
		{"", "/latest/meta-data/instance-id"},
		{bare, "/latest/meta-data/public-ipv4"},
		{bare, "/latest/meta-data/public-hostname"},
		{bare, "/latest/meta-data/public-keys/"},
		{bare, "/latest/meta-data/iam/info"},
		{bare, "/latest/meta-data/iam/security-credentials/"},
		{bare, "/latest/meta-data/tags/instance/Name"},
		{bare, "/latest/meta-data/tags/instance"},
		{bare, "/latest/user-data"},
		{bare, "/latest/meta-data/block-device-mapping/"},
		{fullInstance().ID, "/latest/meta-data/iam/security-credentials/other-role"},
		{fullInstance().ID, "/latest/meta-data/tags/instance/a/b"},
		{fullInstance().ID, "/latest/meta-data/nope"},
		{fullInstance().ID, "/latest/meta-data//instance-id"},
		{fullInstance().ID, "/latestx/meta-data/"},
		{fullInstance().ID, "/2021-01-03/meta-data/"},
		{fullInstance().ID, "/latest/dynamic/instance-identity/signature"},
		{fullInstance().ID, "/latest/dynamic/instance-identity/pkcs7"},
		{fullInstance().ID, "/latest/dynamic/instance-identity/rsa2048"},
	} {
		w := f.do("GET", c.id, c.path)
		if w.Code != http.StatusNotFound {
			t.Errorf("%s %s: %d, want 404", c.id, c.path, w.Code)
			continue
		}
		if !strings.Contains(w.Body.String(), "<title>404 - Not Found</title>") || w.Header().Get("Content-Type") != "text/html" {
			t.Errorf("%s: 404 body %q (%s)", c.path, w.Body, w.Header().Get("Content-Type"))
		}
		if w.Header().Get("Server") != "EC2ws" {
			t.Errorf("%s: Server %q", c.path, w.Header().Get("Server"))
		}
	}
}

func TestResponseHeaders(t *testing.T) {
	f := newFixture(t, fullInstance())
	w := f.do("GET", fullInstance().ID, "/latest/meta-data/instance-id")
	if w.Header().Get("Server") != "EC2ws" || w.Header().Get("Content-Type") != "text/plain" {
		t.Errorf("headers %v", w.Header())
	}
	if ct := f.do("GET", fullInstance().ID, "/latest/user-data").Header().Get("Content-Type"); ct != "application/octet-stream" {
		t.Errorf("user-data content type %q", ct)
	}
	head := f.do("HEAD", fullInstance().ID, "/latest/meta-data/instance-id")
	if head.Code != http.StatusOK || head.Body.Len() != 0 || head.Header().Get("Content-Length") != fmt.Sprint(len(fullInstance().ID)) {
		t.Errorf("HEAD: %d %q %v", head.Code, head.Body, head.Header())
	}
	for _, m := range []string{"POST", "DELETE", "PUT"} {
		if w := f.do(m, fullInstance().ID, "/latest/meta-data/instance-id"); w.Code != http.StatusMethodNotAllowed {
			t.Errorf("%s metadata: %d, want 405", m, w.Code)
		}
	}
	if w := f.do("GET", fullInstance().ID, "/latest/api/token"); w.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET token: %d, want 405", w.Code)
	}
}

func TestTokenFlow(t *testing.T) {
	full, bare := fullInstance(), bareInstance()
	req := bareInstance()
	req.ID, req.HTTPTokens = "i-0rrrrrrrrrrrrrrrr", "required"
	f := newFixture(t, full, bare, req)
	path := "/latest/meta-data/instance-id"

	// v1 only where HttpTokens is optional.
	if got := f.get(t, full.ID, path); got != full.ID {
		t.Errorf("v1 on optional: %q", got)
	}
	if w := f.do("GET", req.ID, path); w.Code != http.StatusUnauthorized || !strings.Contains(w.Body.String(), "401 - Unauthorized") {
		t.Errorf("v1 on required: %d %s", w.Code, w.Body)
	}

	tok := f.token(t, req.ID, 60)
	if got := f.get(t, req.ID, path, tokenHeader, tok); got != req.ID {
		t.Errorf("v2 on required: %q", got)
	}
	// A token belongs to the instance that asked for it.
	if w := f.do("GET", full.ID, path, tokenHeader, tok); w.Code != http.StatusUnauthorized {
		t.Errorf("another instance's token: %d", w.Code)
	}
	// A token sent is checked even where v1 would do.
	for _, bad := range []string{"", "garbage", tok[:len(tok)-4] + "AAAA", strings.ToUpper(tok)} {
		if w := f.do("GET", full.ID, path, tokenHeader, bad); w.Code != http.StatusUnauthorized {
			t.Errorf("token %q on optional: %d, want 401", bad, w.Code)
		}
	}
	f.clock.Advance(59 * time.Second)
	if w := f.do("GET", req.ID, path, tokenHeader, tok); w.Code != http.StatusOK {
		t.Errorf("token within its TTL: %d", w.Code)
	}
	f.clock.Advance(time.Second)
	if w := f.do("GET", req.ID, path, tokenHeader, tok); w.Code != http.StatusUnauthorized {
		t.Errorf("expired token: %d", w.Code)
	}
	// A token from another process's key is nobody's.
	other := New(f.src, f.clock, ids.Seeded(2), nil)
	r := ForInstance(httptest.NewRequest("GET", path, nil), req.ID)
	r.Header.Set(tokenHeader, f.token(t, req.ID, 60))
	w := httptest.NewRecorder()
	other.ServeHTTP(w, r)
	if w.Code != http.StatusUnauthorized {
		t.Errorf("token of another key: %d", w.Code)
	}
}

func TestTokenRefusals(t *testing.T) {
	f := newFixture(t, fullInstance())
	id := fullInstance().ID
	for _, c := range []struct {
		name    string
		headers []string
		want    int
	}{
		{"no TTL", nil, http.StatusBadRequest},
		{"TTL 0", []string{tokenTTLHeader, "0"}, http.StatusBadRequest},
		{"TTL too long", []string{tokenTTLHeader, "21601"}, http.StatusBadRequest},
		{"TTL negative", []string{tokenTTLHeader, "-5"}, http.StatusBadRequest},
		{"TTL not a number", []string{tokenTTLHeader, "sixty"}, http.StatusBadRequest},
		{"TTL empty", []string{tokenTTLHeader, ""}, http.StatusBadRequest},
		{"proxied", []string{tokenTTLHeader, "60", "X-Forwarded-For", "198.51.100.1"}, http.StatusForbidden},
		{"TTL 1", []string{tokenTTLHeader, "1"}, http.StatusOK},
		{"TTL max", []string{tokenTTLHeader, "21600"}, http.StatusOK},
	} {
		if w := f.do("PUT", id, "/latest/api/token", c.headers...); w.Code != c.want {
			t.Errorf("%s: %d, want %d", c.name, w.Code, c.want)
		}
	}
	if w := f.do("PUT", "i-0nosuchinstance00", "/latest/api/token", tokenTTLHeader, "60"); w.Code != http.StatusNotFound {
		t.Errorf("token for no instance: %d", w.Code)
	}
}

func TestEndpointDisabled(t *testing.T) {
	inst := fullInstance()
	inst.HTTPEndpoint = "disabled"
	f := newFixture(t, inst)
	for _, c := range []struct{ method, path string }{
		{"GET", "/latest/meta-data/instance-id"},
		{"PUT", "/latest/api/token"},
		{"GET", "/latest/meta-data/iam/security-credentials/web-role"},
	} {
		if w := f.do(c.method, inst.ID, c.path, tokenTTLHeader, "60"); w.Code != http.StatusForbidden {
			t.Errorf("%s %s with endpoint disabled: %d, want 403", c.method, c.path, w.Code)
		}
	}
	if f.src.issued != 0 {
		t.Errorf("credentials issued for a disabled endpoint")
	}
}

type roleCredentials struct {
	Code, LastUpdated, Type, AccessKeyId, SecretAccessKey, Token, Expiration string
}

func (f *fixture) roleCreds(t *testing.T) roleCredentials {
	t.Helper()
	var c roleCredentials
	body := f.get(t, fullInstance().ID, "/latest/meta-data/iam/security-credentials/web-role")
	if err := json.Unmarshal([]byte(body), &c); err != nil {
		t.Fatalf("credentials %q: %v", body, err)
	}
	return c
}

func TestRoleCredentials(t *testing.T) {
	f := newFixture(t, fullInstance())
	c := f.roleCreds(t)
	want := roleCredentials{
		Code: "Success", LastUpdated: "2026-03-01T12:00:00Z", Type: "AWS-HMAC",
		AccessKeyId: "ASIA" + fullInstance().ID + "1", SecretAccessKey: "secret1", Token: "token1",
		Expiration: "2026-03-01T18:00:00Z",
	}
	if c != want {
		t.Errorf("credentials %+v, want %+v", c, want)
	}
	var info struct{ Code, LastUpdated, InstanceProfileArn, InstanceProfileId string }
	f.clock.Advance(time.Minute)
	if err := json.Unmarshal([]byte(f.get(t, fullInstance().ID, "/latest/meta-data/iam/info")), &info); err != nil {
		t.Fatal(err)
	}
	if info.Code != "Success" || info.LastUpdated != "2026-03-01T12:00:00Z" ||
		info.InstanceProfileArn != fullInstance().InstanceProfileARN || info.InstanceProfileId != "AIPAEXAMPLE" {
		t.Errorf("iam/info %+v", info)
	}
}

func TestCredentialRotation(t *testing.T) {
	f := newFixture(t, fullInstance())
	first := f.roleCreds(t)
	f.clock.Advance(5*time.Hour + 44*time.Minute)
	if again := f.roleCreds(t); again != first {
		t.Errorf("credentials changed with 16 minutes left: %+v", again)
	}
	f.clock.Advance(time.Minute)
	rotated := f.roleCreds(t)
	if rotated.AccessKeyId == first.AccessKeyId || rotated.LastUpdated != "2026-03-01T17:45:00Z" {
		t.Errorf("credentials not rotated with 15 minutes left: %+v", rotated)
	}
	if f.src.issued != 2 {
		t.Errorf("issued %d sessions, want 2", f.src.issued)
	}
	// A profile whose role changed gets the new role's session at once.
	inst := fullInstance()
	inst.RoleName = "other-role"
	f.src.set(inst)
	w := f.do("GET", inst.ID, "/latest/meta-data/iam/security-credentials/other-role")
	if w.Code != http.StatusOK || f.src.issued != 3 {
		t.Errorf("new role: %d, issued %d", w.Code, f.src.issued)
	}
}

func TestShortSessionIsServedForAWhile(t *testing.T) {
	f := newFixture(t, fullInstance())
	f.src.lifetime = 20 * time.Minute
	first := f.roleCreds(t)
	f.clock.Advance(9 * time.Minute)
	if again := f.roleCreds(t); again != first {
		t.Errorf("a 20-minute session rotated after 9: %+v", again)
	}
	f.clock.Advance(time.Minute)
	if again := f.roleCreds(t); again == first {
		t.Errorf("a 20-minute session not rotated at half its life")
	}
}

func TestConcurrentReadersShareOneSession(t *testing.T) {
	f := newFixture(t, fullInstance())
	var wg sync.WaitGroup
	keys := make([]string, 16)
	for i := range keys {
		wg.Go(func() { keys[i] = f.roleCreds(t).AccessKeyId })
	}
	wg.Wait()
	for _, k := range keys {
		if k != keys[0] {
			t.Fatalf("concurrent readers got different keys: %v", keys)
		}
	}
}

func TestCredentialFailures(t *testing.T) {
	f := newFixture(t, fullInstance())
	f.src.credErr = awserr.New(http.StatusForbidden, "AccessDenied", "not trusted")
	body := f.get(t, fullInstance().ID, "/latest/meta-data/iam/security-credentials/web-role")
	var doc struct{ Code, Message, LastUpdated string }
	if err := json.Unmarshal([]byte(body), &doc); err != nil || doc.Code != "AssumeRoleUnauthorizedAccess" || !strings.Contains(doc.Message, "web-role") {
		t.Errorf("untrusted role: %q (%v)", body, err)
	}
	f.src.credErr = errors.New("store closed")
	if w := f.do("GET", fullInstance().ID, "/latest/meta-data/iam/security-credentials/web-role"); w.Code != http.StatusServiceUnavailable {
		t.Errorf("internal failure: %d, want 503", w.Code)
	}
	f.src.lookupErr = errors.New("store closed")
	if w := f.do("GET", fullInstance().ID, "/latest/meta-data/instance-id"); w.Code != http.StatusServiceUnavailable {
		t.Errorf("lookup failure: %d, want 503", w.Code)
	}
}

func TestIdentityDocument(t *testing.T) {
	f := newFixture(t, fullInstance())
	var doc map[string]any
	body := f.get(t, fullInstance().ID, "/latest/dynamic/instance-identity/document")
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]any{
		"accountId": "000000000000", "architecture": "x86_64", "availabilityZone": "us-east-1a",
		"imageId": "ami-0abcdef1234567890", "instanceId": fullInstance().ID, "instanceType": "t3.micro",
		"pendingTime": "2026-03-01T11:00:00Z", "privateIp": "10.0.1.23", "region": "us-east-1",
		"version": "2017-09-30", "kernelId": nil, "ramdiskId": nil, "billingProducts": nil,
	} {
		if got, ok := doc[k]; !ok || got != v {
			t.Errorf("%s = %v (present %v), want %v", k, got, ok, v)
		}
	}
}

func TestPartitions(t *testing.T) {
	for region, want := range map[string][2]string{
		"us-east-1": {"aws", "amazonaws.com"}, "cn-north-1": {"aws-cn", "amazonaws.com.cn"},
		"us-gov-west-1": {"aws-us-gov", "amazonaws.com"},
	} {
		if p, d := partitionOf(region); p != want[0] || d != want[1] {
			t.Errorf("%s: %s %s", region, p, d)
		}
	}
}
