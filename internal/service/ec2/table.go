package ec2

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"hakoniwa/internal/store"
)

// scope is the (account, region) every EC2 resource lives in.
type scope struct{ account, region string }

// record is what every stored resource kind is: it knows its id and
// carries its tags, so tagging, Describe paging and the filter engine stay
// generic over the 100+ kinds EC2 has.
type record interface {
	id() string
	tagMap() map[string]string
	setTags(map[string]string)
}

// meta is embedded by every record type.
type meta struct {
	ID   string            `json:"id"`
	Tags map[string]string `json:"tags,omitempty"`
}

func (m *meta) id() string                  { return m.ID }
func (m *meta) tagMap() map[string]string   { return m.Tags }
func (m *meta) setTags(t map[string]string) { m.Tags = t }

// table stores one kind of resource: records under their id, plus
// secondary indexes (e.g. subnets by VPC) kept in step on every write.
// The indexes serve two purposes: Describe filters on an indexed name
// visit only matching records, and deletes find dependents without a scan.
type table[T any, P interface {
	*T
	record
}] struct {
	kind string
	// indexes maps an index name (the filter name it serves, e.g.
	// "vpc-id") to the value a record is indexed under; "" is not indexed.
	indexes map[string]func(P) string
}

func (t *table[T, P]) bucket(sc scope) store.Bucket {
	return store.Bucket{Account: sc.account, Region: sc.region, Service: "ec2", Kind: t.kind}
}

func (t *table[T, P]) indexBucket(sc scope, name string) store.Bucket {
	return store.Bucket{Account: sc.account, Region: sc.region, Service: "ec2", Kind: t.kind + "@" + name}
}

// get returns the record with id, or store.ErrNotFound.
func (t *table[T, P]) get(tx store.Tx, sc scope, id string) (P, error) {
	v, err := store.GetJSON[T](tx, t.bucket(sc), id)
	if err != nil {
		return nil, err
	}
	return P(&v), nil
}

// put writes rec and moves its index entries.
func (t *table[T, P]) put(tx store.Tx, sc scope, rec P) error {
	if len(t.indexes) > 0 {
		old, err := t.get(tx, sc, rec.id())
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		for name, key := range t.indexes {
			if old != nil {
				if k := key(old); k != "" && k != key(rec) {
					if err := tx.Delete(t.indexBucket(sc, name), k+"/"+rec.id()); err != nil {
						return err
					}
				}
			}
			if k := key(rec); k != "" {
				if err := tx.Put(t.indexBucket(sc, name), k+"/"+rec.id(), nil); err != nil {
					return err
				}
			}
		}
	}
	return store.PutJSON(tx, t.bucket(sc), rec.id(), *rec)
}

// delete removes rec and its index entries.
func (t *table[T, P]) delete(tx store.Tx, sc scope, rec P) error {
	for name, key := range t.indexes {
		if k := key(rec); k != "" {
			if err := tx.Delete(t.indexBucket(sc, name), k+"/"+rec.id()); err != nil {
				return err
			}
		}
	}
	return tx.Delete(t.bucket(sc), rec.id())
}

// all calls fn for every record, in id order, until fn returns false.
func (t *table[T, P]) all(tx store.Tx, sc scope, fn func(P) bool) error {
	return t.after(tx, sc, "", fn)
}

// after is all, starting past id after ("" = from the first).
func (t *table[T, P]) after(tx store.Tx, sc scope, after string, fn func(P) bool) error {
	start := ""
	if after != "" {
		start = after + "\x00"
	}
	return store.ScanJSON(tx, t.bucket(sc), "", start, func(_ string, v T) bool { return fn(P(&v)) })
}

// idsBy returns the ids indexed under value, in id order.
func (t *table[T, P]) idsBy(tx store.Tx, sc scope, index, value string) ([]string, error) {
	if _, ok := t.indexes[index]; !ok {
		return nil, fmt.Errorf("ec2: %s has no index %q", t.kind, index)
	}
	var ids []string
	prefix := value + "/"
	err := tx.Scan(t.indexBucket(sc, index), prefix, "", func(k string, _ []byte) bool {
		ids = append(ids, strings.TrimPrefix(k, prefix))
		return true
	})
	return ids, err
}

// countBy counts the records indexed under value.
func (t *table[T, P]) countBy(tx store.Tx, sc scope, index, value string) (int, error) {
	return tx.Count(t.indexBucket(sc, index), value+"/")
}

// count counts every record of the kind.
func (t *table[T, P]) count(tx store.Tx, sc scope) (int, error) {
	return tx.Count(t.bucket(sc), "")
}

// by returns the records indexed under value, in id order.
func (t *table[T, P]) by(tx store.Tx, sc scope, index, value string) ([]P, error) {
	ids, err := t.idsBy(tx, sc, index, value)
	if err != nil {
		return nil, err
	}
	out := make([]P, 0, len(ids))
	for _, id := range ids {
		r, err := t.get(tx, sc, id)
		if errors.Is(err, store.ErrNotFound) {
			continue // an index entry outliving its record is harmless
		}
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// rawTags reads and rewrites the tags of any stored record without knowing
// its Go type: CreateTags and DeleteTags work on every kind by id alone.
type rawTags struct {
	bucket store.Bucket
	fields map[string]json.RawMessage
}

func loadRawTags(tx store.Tx, b store.Bucket, id string) (*rawTags, map[string]string, error) {
	raw, err := tx.Get(b, id)
	if err != nil {
		return nil, nil, err
	}
	r := &rawTags{bucket: b}
	if err := json.Unmarshal(raw, &r.fields); err != nil {
		return nil, nil, fmt.Errorf("ec2: decode %s %q: %w", b, id, err)
	}
	tags := map[string]string{}
	if t, ok := r.fields["tags"]; ok {
		if err := json.Unmarshal(t, &tags); err != nil {
			return nil, nil, fmt.Errorf("ec2: decode tags of %q: %w", id, err)
		}
	}
	return r, tags, nil
}

func (r *rawTags) save(tx store.Tx, id string, tags map[string]string) error {
	if len(tags) == 0 {
		delete(r.fields, "tags")
	} else {
		b, err := json.Marshal(tags)
		if err != nil {
			return err
		}
		r.fields["tags"] = b
	}
	raw, err := json.Marshal(r.fields)
	if err != nil {
		return err
	}
	return tx.Put(r.bucket, id, raw)
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
