package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"hakoniwa/internal/api"
	"hakoniwa/internal/authz"
	"hakoniwa/internal/blob"
	"hakoniwa/internal/clock"
	"hakoniwa/internal/ids"
	"hakoniwa/internal/sigv4"
	"hakoniwa/internal/store"
	"hakoniwa/internal/trail"

	cloudtrailapi "hakoniwa/internal/api/cloudtrail"
	ec2api "hakoniwa/internal/api/ec2"
	iamapi "hakoniwa/internal/api/iam"
	s3api "hakoniwa/internal/api/s3"
	ssmapi "hakoniwa/internal/api/ssm"
	stsapi "hakoniwa/internal/api/sts"
	cloudtrailsvc "hakoniwa/internal/service/cloudtrail"
	ec2svc "hakoniwa/internal/service/ec2"
	iamsvc "hakoniwa/internal/service/iam"
	s3svc "hakoniwa/internal/service/s3"
	ssmsvc "hakoniwa/internal/service/ssm"
	stssvc "hakoniwa/internal/service/sts"
)

// deps are what services may be built from. Each service takes only what
// it needs; cross-service calls go through interfaces the consumer owns.
type deps struct {
	store    store.Store
	clock    clock.Clock
	ids      *ids.Source
	recorder *trail.Recorder
	// strictAuth is --strict-auth: AWS's rules even where LocalStack-style
	// setups expect leniency.
	strictAuth bool
	ec2Quotas  ec2svc.Quotas
	// dataDir is where payload files live beside the store; "" with
	// ephemeral, whose files go to a temporary directory.
	dataDir   string
	ephemeral bool
	log       *slog.Logger
	// closers release what services opened, at Stop; err is the first
	// failure of a factory, which New reports.
	closers []func() error
	err     error

	sts *stssvc.Service
	iam *iamsvc.Service
	// ec2 is the instance source of the metadata service.
	ec2 *ec2svc.Service
	// s3 is the bucket-policy source of the authorizer.
	s3 *s3svc.Service
	// authz is set once built, after the services: STS asks it to decide
	// federated AssumeRole* calls.
	authz *authz.Authorizer
}

// credentialSources are the services that issue keys the verifier must
// check strictly.
func (d *deps) credentialSources() []sigv4.Credentials {
	var out []sigv4.Credentials
	if d.sts != nil {
		out = append(out, d.sts)
	}
	if d.iam != nil {
		out = append(out, d.iam)
	}
	return out
}

// factory builds one service's binding.
type factory func(d *deps) *api.Binding

// implemented lists the services with hand-written handlers. Every other
// generated service is served by its Unimplemented base, so its operations
// answer an AWS-shaped NotImplemented error naming the operation.
var implemented = map[string]factory{
	"sts": func(d *deps) *api.Binding {
		d.sts = stssvc.New(d.store, d.clock, d.ids)
		d.sts.DecodeMessage = authz.DecodeMessage
		// IAM may be built after STS, or not at all: the adapter looks
		// it up on each call.
		d.sts.IAM = stsIAM{d}
		d.sts.MFA = stsIAM{d}
		d.sts.RootMayAssumeRoles = !d.strictAuth
		d.sts.Providers = stsIAM{d}
		d.sts.Trust = stsTrust{d}
		d.sts.Outbound = stsIAM{d}
		d.sts.Delegations = stsIAM{d}
		// hakoniwa reaches no real identity provider; a local test IdP on
		// a loopback address may be reached over plain HTTP when
		// HAKONIWA_OIDC_ALLOW_HTTP_LOOPBACK=1.
		d.sts.OIDCKeys = stssvc.NewOIDCKeys(os.Getenv("HAKONIWA_OIDC_ALLOW_HTTP_LOOPBACK") == "1")
		return stsapi.Bind(d.sts)
	},
	"iam": func(d *deps) *api.Binding {
		d.iam = iamsvc.New(d.store, d.clock, d.ids)
		d.iam.Notify = d.delegationNotices
		return iamapi.Bind(d.iam)
	},
	"ec2": func(d *deps) *api.Binding {
		svc := ec2svc.NewWithQuotas(d.store, d.clock, d.ids, d.ec2Quotas)
		svc.SetInstanceRoles(ec2Roles{d})
		d.ec2 = svc
		return ec2api.Bind(svc)
	},
	"ssm": func(d *deps) *api.Binding {
		return ssmapi.Bind(ssmsvc.New(d.store, d.clock))
	},
	"s3": func(d *deps) *api.Binding {
		blobs, err := openBlobs(d)
		if err == nil {
			d.closers = append(d.closers, blobs.Close)
			var svc *s3svc.Service
			if svc, err = s3svc.New(context.Background(), s3svc.Config{Store: d.store, Blobs: blobs, Clock: d.clock, IDs: d.ids, Log: d.log}); err == nil {
				d.s3 = svc
				d.closers = append(d.closers, svc.StartLifecycle(s3svc.LifecycleInterval))
				return s3api.Bind(svc)
			}
		}
		d.err = fmt.Errorf("s3: %w", err)
		return s3api.Bind(s3api.Unimplemented{})
	},
	"cloudtrail": func(d *deps) *api.Binding {
		return cloudtrailapi.Bind(cloudtrailsvc.New(d.recorder))
	},
}

// openBlobs opens S3's payload directory: under the data directory, or a
// temporary one removed at shutdown when the store is in memory.
func openBlobs(d *deps) (*blob.Store, error) {
	if d.ephemeral || d.dataDir == "" {
		return blob.OpenTemp()
	}
	return blob.Open(filepath.Join(d.dataDir, "blobs"))
}

// buildServices builds the enabled services; ids empty means all.
func buildServices(want []string, d *deps) ([]*api.Binding, error) {
	all := generated()
	if len(want) == 0 {
		for id := range all {
			want = append(want, id)
		}
		slices.Sort(want)
	}
	var out []*api.Binding
	for _, id := range want {
		id = strings.TrimSpace(strings.ToLower(id))
		if id == "" {
			continue
		}
		if f, ok := implemented[id]; ok {
			out = append(out, f(d))
			if d.err != nil {
				return nil, d.err
			}
			continue
		}
		stub, ok := all[id]
		if !ok {
			return nil, fmt.Errorf("unknown service %q (hakoniwa has: %s)", id, strings.Join(sortedIDs(all), ", "))
		}
		out = append(out, stub())
	}
	return out, nil
}

func sortedIDs[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for id := range m {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// IsImplemented reports whether a service has real handlers.
func IsImplemented(id string) bool { _, ok := implemented[id]; return ok }

// chain asks each source in turn.
type chain []sigv4.Credentials

func credentialChain(srcs ...sigv4.Credentials) chain { return chain(srcs) }

func (c chain) Lookup(ctx context.Context, id string) (sigv4.Credential, bool, error) {
	for _, src := range c {
		cred, ok, err := src.Lookup(ctx, id)
		if err != nil || ok {
			return cred, ok, err
		}
	}
	return sigv4.Credential{}, false, nil
}

// staticKey is the configured root key pair, checked like issued keys in
// strict mode.
type staticKey sigv4.Credential

func rootKey(id, secret, account string) staticKey {
	return staticKey{AccessKeyID: id, SecretAccessKey: secret, Account: account,
		PrincipalARN: "arn:aws:iam::" + account + ":root", UserID: account, Active: true}
}

func (k staticKey) Lookup(_ context.Context, id string) (sigv4.Credential, bool, error) {
	if id == k.AccessKeyID {
		return sigv4.Credential(k), true, nil
	}
	return sigv4.Credential{}, false, nil
}

func knownIDs() map[string]bool {
	out := map[string]bool{}
	for id := range generated() {
		out[id] = true
	}
	return out
}

// close runs the closers, newest first, once.
func (d *deps) close() error {
	var errs []error
	for i := len(d.closers) - 1; i >= 0; i-- {
		errs = append(errs, d.closers[i]())
	}
	d.closers = nil
	return errors.Join(errs...)
}
