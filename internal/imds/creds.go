package imds

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"time"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/clock"
)

// refreshAhead is how long before expiry IMDS hands out a new session:
// AWS rotates instance credentials well ahead of expiry, so a client that
// just read them never holds keys about to lapse.
const refreshAhead = 15 * time.Minute

// credentialCache keeps each instance's current role session, so
// successive reads return the same keys until rotation, as on EC2.
type credentialCache struct {
	src   Source
	clock clock.Clock

	mu      sync.Mutex
	entries map[string]*credEntry
}

type credEntry struct {
	mu sync.Mutex // held while issuing, so concurrent readers share one session
	// role is the profile and role the session belongs to: a profile
	// replaced on the instance must not keep the old role's keys.
	role    string
	creds   Credentials
	updated time.Time
}

func newCredentialCache(src Source, clk clock.Clock) *credentialCache {
	return &credentialCache{src: src, clock: clk, entries: map[string]*credEntry{}}
}

func (c *credentialCache) entry(id string) *credEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[id]
	if !ok {
		// Sessions past expiry would be reissued anyway; dropping them
		// here keeps terminated instances from piling up.
		now := c.clock.Now()
		for k, old := range c.entries {
			if old.mu.TryLock() {
				if !now.Before(old.creds.Expiration) {
					delete(c.entries, k)
				}
				old.mu.Unlock()
			}
		}
		e = &credEntry{}
		c.entries[id] = e
	}
	return e
}

// get returns the instance's current session and when it was issued.
func (c *credentialCache) get(ctx context.Context, inst Instance) (Credentials, time.Time, error) {
	e := c.entry(inst.ID)
	e.mu.Lock()
	defer e.mu.Unlock()
	role := inst.InstanceProfileARN + "|" + inst.RoleName
	now := c.clock.Now()
	if e.role == role && now.Before(e.creds.Expiration.Add(-refreshMargin(e))) {
		return e.creds, e.updated, nil
	}
	creds, err := c.src.Credentials(ctx, inst)
	if err != nil {
		return Credentials{}, time.Time{}, err
	}
	e.role, e.creds, e.updated = role, creds, now
	return creds, now, nil
}

// refreshMargin is refreshAhead, or half the session for one shorter
// than twice that, so a short session is still served for a while.
func refreshMargin(e *credEntry) time.Duration {
	return min(refreshAhead, e.creds.Expiration.Sub(e.updated)/2)
}

// lastUpdated is when the instance's session was issued, if it has one.
func (c *credentialCache) lastUpdated(id string) (time.Time, bool) {
	c.mu.Lock()
	e, ok := c.entries[id]
	c.mu.Unlock()
	if !ok || !e.mu.TryLock() {
		return time.Time{}, false
	}
	defer e.mu.Unlock()
	return e.updated, !e.updated.IsZero()
}

// imdsTime is the time format IMDS's JSON documents use, which the SDKs
// parse as RFC 3339.
const imdsTime = "2006-01-02T15:04:05Z"

// iam serves iam/info and iam/security-credentials/ for an instance with
// a role; without one the paths do not exist.
func (h *Handler) iam(t *tree, inst Instance) {
	if inst.RoleName == "" {
		return
	}
	t.leaves["meta-data/iam/info"] = func(context.Context) (string, error) {
		updated, ok := h.creds.lastUpdated(inst.ID)
		if !ok {
			updated = h.clock.Now()
		}
		return jsonBody(struct {
			Code, LastUpdated, InstanceProfileArn, InstanceProfileId string
		}{"Success", updated.UTC().Format(imdsTime), inst.InstanceProfileARN, inst.InstanceProfileID})
	}
	t.leaves["meta-data/iam/security-credentials/"+inst.RoleName] = func(ctx context.Context) (string, error) {
		c, updated, err := h.creds.get(ctx, inst)
		if err != nil {
			return h.unauthorizedRole(inst, err)
		}
		return jsonBody(struct {
			Code, LastUpdated, Type, AccessKeyId, SecretAccessKey, Token, Expiration string
		}{"Success", updated.UTC().Format(imdsTime), "AWS-HMAC", c.AccessKeyID, c.SecretAccessKey, c.Token, c.Expiration.UTC().Format(imdsTime)})
	}
}

// unauthorizedRole answers a role EC2 may not assume (its trust policy
// does not name ec2.amazonaws.com) as IMDS does: a document whose Code
// says so, which the SDKs report. Other failures are the caller's 503.
func (h *Handler) unauthorizedRole(inst Instance, err error) (string, error) {
	var ae *awserr.Error
	if !errors.As(err, &ae) || ae.Status != http.StatusForbidden {
		return "", err
	}
	return jsonBody(struct{ Code, Message, LastUpdated string }{
		"AssumeRoleUnauthorizedAccess",
		"EC2 cannot assume the role " + inst.RoleName + ".  Please see documentation at https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_switch-role-ec2.html#roles-usingrole-ec2instance-permissions.",
		h.clock.Now().UTC().Format(imdsTime),
	})
}

func jsonBody(v any) (string, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	return string(b), err
}
