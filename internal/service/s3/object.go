package s3

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"hakoniwa/internal/store"
)

// objectRec is one version of an object, or a delete marker.
//
// Invariant: in a bucket that never had versioning, every object is in
// objects(b) only, with VersionID "". Once versioning is (or was) on,
// every version and delete marker is in versions(b), and objects(b)
// mirrors each key's newest version unless that is a delete marker, so
// listing current objects never walks history.
type objectRec struct {
	Key          string    `json:"key"`
	Seq          uint64    `json:"seq"`
	VersionID    string    `json:"vid,omitempty"` // "" unversioned, "null" or an id
	DeleteMarker bool      `json:"dm,omitempty"`
	Blob         string    `json:"blob,omitempty"`
	Size         int64     `json:"size"`
	ETag         string    `json:"etag,omitempty"` // without quotes
	Modified     time.Time `json:"mtime"`
	Owner        string    `json:"owner,omitempty"`

	ContentType        string            `json:"ct,omitempty"`
	CacheControl       string            `json:"cc,omitempty"`
	ContentDisposition string            `json:"cd,omitempty"`
	ContentEncoding    string            `json:"ce,omitempty"`
	ContentLanguage    string            `json:"cl,omitempty"`
	Expires            string            `json:"exp,omitempty"`
	WebsiteRedirect    string            `json:"wrl,omitempty"`
	Meta               map[string]string `json:"meta,omitempty"`
	StorageClass       string            `json:"sc,omitempty"`
	SSE                string            `json:"sse,omitempty"`
	KMSKey             string            `json:"kms,omitempty"`
	Tags               []tag             `json:"tags,omitempty"`
	Checksum           *checksum         `json:"sum,omitempty"`
	// Parts are a multipart object's part sizes and checksums, for
	// partNumber reads and GetObjectAttributes.
	Parts []partInfo `json:"parts,omitempty"`
}

type partInfo struct {
	Size     int64  `json:"size"`
	Checksum string `json:"sum,omitempty"`
}

// versionIDFor is a version's id: its sequence number, so a lookup needs no
// index, followed by a digest that makes ids of other keys and made-up
// ids not resolve.
func versionIDFor(key string, seq uint64) string {
	h := sha256.Sum256([]byte(key + "\x00" + strconv.FormatUint(seq, 10)))
	return fmt.Sprintf("%016x", seq) + hex.EncodeToString(h[:8])
}

// parseVersionID returns the sequence of an id versionIDFor made for key.
func parseVersionID(key, id string) (uint64, bool) {
	if len(id) != 32 {
		return 0, false
	}
	seq, err := strconv.ParseUint(id[:16], 16, 64)
	if err != nil || versionIDFor(key, seq) != id {
		return 0, false
	}
	return seq, true
}

// wellFormedVersionID tells an id S3 could have made from garbage, which S3
// refuses as InvalidArgument rather than NoSuchVersion.
func wellFormedVersionID(id string) bool {
	if id == "null" {
		return true
	}
	if len(id) != 32 {
		return false
	}
	_, err := strconv.ParseUint(id[:16], 16, 64)
	if err != nil {
		return false
	}
	_, err = hex.DecodeString(id[16:])
	return err == nil
}

// versionKey orders a key's versions newest first, right after the key's
// own prefix.
func versionKey(key string, seq uint64) string {
	return key + "\x00" + fmt.Sprintf("%016x", ^seq)
}

func versionPrefix(key string) string { return key + "\x00" }

// keyOfVersion is the object key of a versions(b) entry.
func keyOfVersion(vk string) string {
	if i := strings.LastIndexByte(vk, 0); i >= 0 {
		return vk[:i]
	}
	return vk
}

func checkKey(key string) error {
	if key == "" {
		return errInvalidArgument("Key must not be empty", "key", "")
	}
	if len(key) > maxKeyBytes {
		return errKeyTooLong(len(key))
	}
	if !utf8.ValidString(key) || strings.IndexByte(key, 0) >= 0 {
		return errInvalidArgument("Object key is not valid UTF-8", "key", "")
	}
	return nil
}

func (r *objectRec) versionOut() *string {
	if r.VersionID == "" {
		return nil
	}
	return ptr(r.VersionID)
}

func (r *objectRec) quotedETag() string { return `"` + r.ETag + `"` }

func (r *objectRec) refs() []string {
	if r.Blob == "" {
		return nil
	}
	return []string{r.Blob}
}

// current is the key's current object, nil when there is none or the
// newest version is a delete marker.
func current(tx store.Tx, b *bucketRec, key string) (*objectRec, error) {
	r, err := store.GetJSON[objectRec](tx, objects(b), key)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// newest is the key's newest version including delete markers.
func newest(tx store.Tx, b *bucketRec, key string) (*objectRec, error) {
	if b.Versioning == "" {
		return current(tx, b, key)
	}
	var out *objectRec
	err := store.ScanJSON(tx, versions(b), versionPrefix(key), "", func(_ string, r objectRec) bool {
		out = &r
		return false
	})
	return out, err
}

// version finds one version by id ("null" included); nil when absent.
func version(tx store.Tx, b *bucketRec, key, id string) (*objectRec, error) {
	if !wellFormedVersionID(id) {
		return nil, errInvalidVersionID(id)
	}
	if b.Versioning == "" {
		r, err := current(tx, b, key)
		if r == nil || err != nil || id != "null" {
			return nil, err
		}
		return r, nil
	}
	if id == "null" {
		return nullVersion(tx, b, key)
	}
	seq, ok := parseVersionID(key, id)
	if !ok {
		return nil, nil
	}
	r, err := store.GetJSON[objectRec](tx, versions(b), versionKey(key, seq))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &r, nil
}

func nullVersion(tx store.Tx, b *bucketRec, key string) (*objectRec, error) {
	var out *objectRec
	err := store.ScanJSON(tx, versions(b), versionPrefix(key), "", func(_ string, r objectRec) bool {
		if r.VersionID == "null" {
			out = &r
			return false
		}
		return true
	})
	return out, err
}

// commitVersion makes rec the key's newest version (or delete marker) as
// the bucket's versioning state says, and returns the blobs no record
// names any more, for removal after the commit.
func commitVersion(tx store.Tx, b *bucketRec, rec *objectRec) ([]string, error) {
	switch b.Versioning {
	case "":
		old, err := current(tx, b, rec.Key)
		if err != nil {
			return nil, err
		}
		var garbage []string
		if old != nil {
			garbage = old.refs()
		}
		rec.VersionID = ""
		if rec.DeleteMarker {
			return garbage, tx.Delete(objects(b), rec.Key)
		}
		return garbage, store.PutJSON(tx, objects(b), rec.Key, rec)
	case "Suspended":
		rec.VersionID = "null"
	default:
		rec.VersionID = versionIDFor(rec.Key, rec.Seq)
	}
	var garbage []string
	if rec.VersionID == "null" {
		old, err := nullVersion(tx, b, rec.Key)
		if err != nil {
			return nil, err
		}
		if old != nil {
			garbage = old.refs()
			if err := tx.Delete(versions(b), versionKey(old.Key, old.Seq)); err != nil {
				return nil, err
			}
		}
	}
	if err := store.PutJSON(tx, versions(b), versionKey(rec.Key, rec.Seq), rec); err != nil {
		return nil, err
	}
	if rec.DeleteMarker {
		return garbage, tx.Delete(objects(b), rec.Key)
	}
	return garbage, store.PutJSON(tx, objects(b), rec.Key, rec)
}

// dropVersion removes one version for good and makes the next newest
// current again; it returns the blobs to remove.
func dropVersion(tx store.Tx, b *bucketRec, r *objectRec) ([]string, error) {
	if b.Versioning == "" {
		return r.refs(), tx.Delete(objects(b), r.Key)
	}
	if err := tx.Delete(versions(b), versionKey(r.Key, r.Seq)); err != nil {
		return nil, err
	}
	next, err := newest(tx, b, r.Key)
	if err != nil {
		return nil, err
	}
	if next == nil || next.DeleteMarker {
		err = tx.Delete(objects(b), r.Key)
	} else {
		err = store.PutJSON(tx, objects(b), r.Key, next)
	}
	return r.refs(), err
}
