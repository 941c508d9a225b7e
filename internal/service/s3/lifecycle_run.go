package s3

import (
	"context"
	"strings"
	"time"

	"hakoniwa/internal/store"

	s3api "hakoniwa/internal/api/s3"
)

// Lifecycle rules are carried out by a periodic sweep on the service's
// clock rather than lazily on reads: expired objects must disappear from
// listings, bills and quotas even in buckets nobody reads, and a sweep
// keeps the read paths free of rule evaluation. S3 itself acts
// asynchronously (at most a day late), so a sweep every LifecycleInterval
// is well within what clients may observe. Due times follow S3: the
// object's creation (or the time a version became noncurrent, or an
// upload's initiation) plus the rule's days, rounded up to the next
// midnight UTC.

// LifecycleInterval is how often StartLifecycle sweeps.
const LifecycleInterval = time.Minute

// StartLifecycle sweeps every interval until the returned stop is called.
// Its first act is SweepOrphans, the one other pass over every record,
// kept off the start path so a start costs the same at any object count.
func (s *Service) StartLifecycle(interval time.Duration) (stop func() error) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if _, err := s.SweepOrphans(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("s3: orphan sweep", "err", err)
		}
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if err := s.SweepLifecycle(ctx); err != nil && ctx.Err() == nil {
					s.log.Error("s3: lifecycle sweep", "err", err)
				}
			}
		}
	}()
	return func() error { cancel(); <-done; return nil }
}

// SweepLifecycle applies every bucket's enabled rules once, as of now.
func (s *Service) SweepLifecycle(ctx context.Context) error {
	var names []string
	err := s.st.View(ctx, func(tx store.Tx) error {
		return store.ScanJSON(tx, registry(), "", "", func(name string, b bucketRec) bool {
			if _, ok := b.Config[cfgLifecycle]; ok {
				names = append(names, name)
			}
			return true
		})
	})
	if err != nil {
		return err
	}
	for _, name := range names {
		if err := s.sweepBucket(ctx, name); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) sweepBucket(ctx context.Context, name string) error {
	now := s.now()
	var garbage []string
	err := s.st.Update(ctx, func(tx store.Tx) error {
		b, err := s.bucketFor(tx, name)
		if err != nil {
			return nil // deleted since the scan
		}
		var rules []s3api.LifecycleRule
		if _, err := b.config(cfgLifecycle, &rules); err != nil {
			return err
		}
		for i := range rules {
			if deref(rules[i].Status) != "Enabled" {
				continue
			}
			g, err := s.applyRule(tx, b, &rules[i], now)
			garbage = append(garbage, g...)
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		s.removeBlobs(garbage...)
	}
	return err
}

// dueAt is when an action of days after t falls due.
func dueAt(t time.Time, days int64) time.Time {
	d := t.UTC().Add(time.Duration(days) * 24 * time.Hour)
	m := d.Truncate(24 * time.Hour)
	if m.Before(d) {
		m = m.Add(24 * time.Hour)
	}
	return m
}

func (s *Service) applyRule(tx store.Tx, b *bucketRec, r *s3api.LifecycleRule, now time.Time) ([]string, error) {
	f := ruleFilterOf(r)
	var garbage []string
	if e := r.Expiration; e != nil && (e.Days != nil || e.Date != nil) {
		g, err := s.expireCurrent(tx, b, f, e, now)
		garbage = append(garbage, g...)
		if err != nil {
			return garbage, err
		}
	}
	if b.Versioning != "" {
		g, err := expireVersions(tx, b, f, r, now)
		garbage = append(garbage, g...)
		if err != nil {
			return garbage, err
		}
	}
	if a := r.AbortIncompleteMultipartUpload; a != nil && a.DaysAfterInitiation != nil {
		g, err := abortStale(tx, b, f, *a.DaysAfterInitiation, now)
		garbage = append(garbage, g...)
		if err != nil {
			return garbage, err
		}
	}
	return garbage, nil
}

func (s *Service) expireCurrent(tx store.Tx, b *bucketRec, f ruleFilter, e *s3api.LifecycleExpiration, now time.Time) ([]string, error) {
	var due []string
	err := store.ScanJSON(tx, objects(b), f.prefix, "", func(key string, o objectRec) bool {
		if !f.matches(&o) {
			return true
		}
		at := time.Time{}
		if e.Days != nil {
			at = dueAt(o.Modified, *e.Days)
		} else {
			at = e.Date.UTC()
		}
		if !now.Before(at) {
			due = append(due, key)
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	var garbage []string
	for _, key := range due {
		_, g, err := s.deleteOne(tx, b, key, "", b.Owner)
		garbage = append(garbage, g...)
		if err != nil {
			return garbage, err
		}
	}
	return garbage, nil
}

// expireVersions removes noncurrent versions past NoncurrentDays (beyond
// the NewerNoncurrentVersions kept) and, with ExpiredObjectDeleteMarker,
// delete markers no other version remains under. versions(b) lists each
// key's versions newest first.
func expireVersions(tx store.Tx, b *bucketRec, f ruleFilter, r *s3api.LifecycleRule, now time.Time) ([]string, error) {
	nve := r.NoncurrentVersionExpiration
	markers := r.Expiration != nil && isTrue(r.Expiration.ExpiredObjectDeleteMarker)
	if nve == nil && !markers {
		return nil, nil
	}
	var drop []objectRec
	var group []objectRec
	flush := func() {
		drop = append(drop, expiredInGroup(group, f, nve, markers, now)...)
		group = group[:0]
	}
	err := store.ScanJSON(tx, versions(b), f.prefix, "", func(_ string, o objectRec) bool {
		if len(group) > 0 && group[0].Key != o.Key {
			flush()
		}
		group = append(group, o)
		return true
	})
	if err != nil {
		return nil, err
	}
	flush()
	var garbage []string
	for i := range drop {
		g, err := dropVersion(tx, b, &drop[i])
		garbage = append(garbage, g...)
		if err != nil {
			return garbage, err
		}
	}
	return garbage, nil
}

// expiredInGroup picks what expires among one key's versions, newest first.
func expiredInGroup(group []objectRec, f ruleFilter, nve *s3api.NoncurrentVersionExpiration, markers bool, now time.Time) []objectRec {
	if len(group) == 0 {
		return nil
	}
	if markers && len(group) == 1 && group[0].DeleteMarker && f.matchesMarker(&group[0]) {
		return group[:1]
	}
	if nve == nil || nve.NoncurrentDays == nil {
		return nil
	}
	var out []objectRec
	keep := int(derefInt(nve.NewerNoncurrentVersions))
	for i := 1; i < len(group); i++ {
		v := group[i]
		if i <= keep || !f.matches(&v) {
			continue
		}
		// A version became noncurrent when its successor was written.
		if !now.Before(dueAt(group[i-1].Modified, *nve.NoncurrentDays)) {
			out = append(out, v)
		}
	}
	return out
}

func derefInt(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

func abortStale(tx store.Tx, b *bucketRec, f ruleFilter, days int64, now time.Time) ([]string, error) {
	var due []string
	err := store.ScanJSON(tx, uploads(b), f.prefix, "", func(uk string, u uploadRec) bool {
		if strings.HasPrefix(u.Object.Key, f.prefix) && !now.Before(dueAt(u.Initiated, days)) {
			due = append(due, uk)
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	var garbage []string
	for _, uk := range due {
		g, err := dropUpload(tx, b, uk)
		garbage = append(garbage, g...)
		if err != nil {
			return garbage, err
		}
	}
	return garbage, nil
}

// ruleFilter is a rule's object selection, flattened.
type ruleFilter struct {
	prefix     string
	tags       []tag
	larger     *int64 // size must be greater
	smaller    *int64 // size must be less
	hasTagOrSz bool
}

func ruleFilterOf(r *s3api.LifecycleRule) ruleFilter {
	f := ruleFilter{prefix: deref(r.Prefix)}
	flt := r.Filter
	if flt == nil {
		return f
	}
	f.prefix, f.larger, f.smaller = deref(flt.Prefix), flt.ObjectSizeGreaterThan, flt.ObjectSizeLessThan
	if flt.Tag != nil {
		f.tags = []tag{{Key: deref(flt.Tag.Key), Value: deref(flt.Tag.Value)}}
	}
	if a := flt.And; a != nil {
		f.prefix, f.larger, f.smaller = deref(a.Prefix), a.ObjectSizeGreaterThan, a.ObjectSizeLessThan
		for _, t := range a.Tags {
			f.tags = append(f.tags, tag{Key: deref(t.Key), Value: deref(t.Value)})
		}
	}
	f.hasTagOrSz = len(f.tags) > 0 || f.larger != nil || f.smaller != nil
	return f
}

func (f ruleFilter) matches(o *objectRec) bool {
	if !strings.HasPrefix(o.Key, f.prefix) {
		return false
	}
	if f.larger != nil && o.Size <= *f.larger || f.smaller != nil && o.Size >= *f.smaller {
		return false
	}
	for _, want := range f.tags {
		found := false
		for _, t := range o.Tags {
			found = found || t == want
		}
		if !found {
			return false
		}
	}
	return true
}

// matchesMarker: a delete marker has no tags or size, so only rules that
// select by prefix alone remove it (as S3 documents).
func (f ruleFilter) matchesMarker(o *objectRec) bool {
	return !f.hasTagOrSz && strings.HasPrefix(o.Key, f.prefix)
}
