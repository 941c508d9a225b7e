package s3

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"hash"
	"io"
	"net/http"
	"sync"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/blob"
)

// bufSize is the one buffer an upload streams through, whatever its size.
const bufSize = 256 << 10

var bufPool = sync.Pool{New: func() any { b := make([]byte, bufSize); return &b }}

// bodySpec is what a request says about the payload it carries.
type bodySpec struct {
	size       int64 // Content-Length; -1 when absent
	max        int64
	contentMD5 string
	sdkAlg     string            // x-amz-sdk-checksum-algorithm
	given      map[string]string // x-amz-checksum-* headers
}

// received is a payload on disk, verified, not yet referenced by any
// record: the caller commits a record naming blob, or removes it.
type received struct {
	blob     string
	size     int64
	etag     string // MD5, hex
	checksum *checksum
}

// trailered is a request body whose trailing headers (aws-chunked
// checksums) are known once it has been read to EOF.
type trailered interface{ Trailer() http.Header }

// checkSpec refuses what can be refused before reading a byte, and says
// which algorithm the payload is checked with ("" when the client named
// none, which leaves it to a trailer or to S3's CRC64NVME default).
func (spec bodySpec) check() (string, error) {
	if spec.size < 0 {
		return "", errMissingContentLength()
	}
	if spec.size > spec.max {
		return "", errEntityTooLarge(spec.size, spec.max)
	}
	if spec.contentMD5 != "" {
		raw, err := base64.StdEncoding.DecodeString(spec.contentMD5)
		if err != nil || len(raw) != md5.Size {
			return "", errInvalidDigest(spec.contentMD5)
		}
	}
	if len(spec.given) > 1 {
		return "", errInvalidRequest("Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.")
	}
	alg := spec.sdkAlg
	if alg != "" && newHash(alg) == nil {
		return "", errInvalidRequest("Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]")
	}
	for a, v := range spec.given {
		if alg != "" && a != alg {
			return "", errInvalidRequest("Value for x-amz-sdk-checksum-algorithm header is invalid.")
		}
		if !validChecksumValue(a, v) {
			return "", errInvalidChecksumValue(a)
		}
		alg = a
	}
	return alg, nil
}

// receive streams body into a new blob through MD5 and the checksum, and
// verifies both before the blob is kept.
func (s *Service) receive(body io.Reader, spec bodySpec) (*received, error) {
	alg, err := spec.check()
	if err != nil {
		return nil, err
	}
	hashes := map[string]hash.Hash{}
	if alg != "" {
		hashes[alg] = newHash(alg)
	} else {
		// A trailer may still name one; CRC32 is what SDKs send by
		// default, CRC64NVME what S3 keeps when none comes.
		hashes[algCRC64NVME] = newHash(algCRC64NVME)
		hashes[algCRC32] = newHash(algCRC32)
	}
	sum := md5.New()
	ws := []io.Writer{sum}
	for _, h := range hashes {
		ws = append(ws, h)
	}
	w, err := s.blobs.Create()
	if err != nil {
		return nil, err
	}
	defer w.Abort()
	n, err := copyBuffered(io.MultiWriter(append(ws, w)...), body)
	if err != nil {
		return nil, err
	}
	if n != spec.size {
		return nil, errIncompleteBody()
	}
	want := spec.given
	if tb, ok := body.(trailered); ok {
		if want, alg, err = trailerChecksum(tb.Trailer(), want, alg); err != nil {
			return nil, err
		}
	}
	if alg == "" {
		alg = algCRC64NVME
	}
	h := hashes[alg]
	if h == nil {
		return nil, errInvalidRequest("Value for x-amz-sdk-checksum-algorithm header is invalid.")
	}
	return keepVerified(w, n, sum, h, alg, spec.contentMD5, want)
}

// keepVerified checks the payload's digests against those the request
// gave (a checksum, Content-MD5) and keeps the blob; a PUT and a POST
// form's file end the same way.
func keepVerified(w *blob.Writer, n int64, sum, h hash.Hash, alg, contentMD5 string, given map[string]string) (*received, error) {
	got := base64.StdEncoding.EncodeToString(h.Sum(nil))
	if v, ok := given[alg]; ok && v != got {
		return nil, errChecksumMismatch(alg)
	}
	etag := sum.Sum(nil)
	if md5b64 := base64.StdEncoding.EncodeToString(etag); contentMD5 != "" && contentMD5 != md5b64 {
		return nil, errBadDigest(contentMD5, md5b64)
	}
	id, err := w.Commit()
	if err != nil {
		return nil, err
	}
	return &received{blob: id, size: n, etag: md5Hex(etag), checksum: &checksum{Alg: alg, Value: got, Type: "FULL_OBJECT"}}, nil
}

// trailerChecksum adds a checksum that arrived as a trailer to those the
// headers gave.
func trailerChecksum(tr http.Header, given map[string]string, alg string) (map[string]string, string, error) {
	for _, a := range algorithms {
		vs := tr[checksumHeader(a)]
		if len(vs) == 0 {
			continue
		}
		if alg != "" && a != alg || len(given) > 0 {
			return nil, "", errInvalidRequest("Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.")
		}
		if !validChecksumValue(a, vs[0]) {
			return nil, "", errInvalidChecksumValue(a)
		}
		return map[string]string{a: vs[0]}, a, nil
	}
	return given, alg, nil
}

// copyBuffered copies through one pooled buffer. A read error the body
// itself reports (a chunk signature or payload hash mismatch) is the
// answer; any other is a body cut short.
func copyBuffered(dst io.Writer, src io.Reader) (int64, error) {
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	buf := *bp
	var n int64
	for {
		k, rerr := src.Read(buf)
		if k > 0 {
			if _, err := dst.Write(buf[:k]); err != nil {
				return n, err
			}
			n += int64(k)
		}
		if rerr == io.EOF {
			return n, nil
		}
		if rerr != nil {
			var ae *awserr.Error
			if errors.As(rerr, &ae) {
				return n, ae
			}
			return n, errIncompleteBody()
		}
	}
}

// emptyBody is a body of no bytes.
var emptyBody = bytes.NewReader(nil)
