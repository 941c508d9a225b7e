package s3

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"strings"
	"sync"
)

// Flexible checksum algorithms S3 computes and verifies. CRC64NVME is
// what S3 stores for an object uploaded without one.
const (
	algCRC32     = "CRC32"
	algCRC32C    = "CRC32C"
	algCRC64NVME = "CRC64NVME"
	algSHA1      = "SHA1"
	algSHA256    = "SHA256"
)

var algorithms = []string{algCRC32, algCRC32C, algCRC64NVME, algSHA1, algSHA256}

// crc64NVME is CRC-64/NVME in the reversed form hash/crc64 takes; with
// hash/crc64's inverted initial and final values it is the NVMe
// specification's checksum. hash/crc64 runs at 2.2 GB/s here, a seventh
// of a 1 MiB PUT's CPU; minio/crc64nvme's carry-less multiply ran at 41
// GB/s, but its CPU detection (klauspost/cpuid) cost 0.65 ms of every
// start (5.6 against 4.9 ms to the first 200), so S3 keeps the standard
// library. The tables are built on first use: building them at init was
// about 1% of every start.
var crc64NVME = sync.OnceValue(func() *crc64.Table { return crc64.MakeTable(0x9a6c9329ac4bc9b5) })

var castagnoli = sync.OnceValue(func() *crc32.Table { return crc32.MakeTable(crc32.Castagnoli) })

func newHash(alg string) hash.Hash {
	switch alg {
	case algCRC32:
		return crc32.NewIEEE()
	case algCRC32C:
		return crc32.New(castagnoli())
	case algCRC64NVME:
		return crc64.New(crc64NVME())
	case algSHA1:
		return sha1.New()
	case algSHA256:
		return sha256.New()
	}
	return nil
}

// digestLen is the decoded length of a valid checksum value.
func digestLen(alg string) int {
	switch alg {
	case algCRC32, algCRC32C:
		return 4
	case algCRC64NVME:
		return 8
	case algSHA1:
		return 20
	case algSHA256:
		return 32
	}
	return 0
}

// checksum is a stored flexible checksum.
type checksum struct {
	Alg   string `json:"alg"`
	Value string `json:"value"` // base64, as S3 sends it
	// Type is FULL_OBJECT, or COMPOSITE for a checksum of part checksums.
	Type string `json:"type,omitempty"`
}

// checksumHeader is the header (and trailer) name of an algorithm.
func checksumHeader(alg string) string { return "x-amz-checksum-" + strings.ToLower(alg) }

func validChecksumValue(alg, v string) bool {
	raw, err := base64.StdEncoding.DecodeString(v)
	return err == nil && len(raw) == digestLen(alg)
}

// checksumFields are the Checksum* members of inputs and outputs, by
// algorithm.
type checksumFields struct {
	CRC32, CRC32C, CRC64NVME, SHA1, SHA256 **string
}

func (f checksumFields) get(alg string) **string {
	switch alg {
	case algCRC32:
		return f.CRC32
	case algCRC32C:
		return f.CRC32C
	case algCRC64NVME:
		return f.CRC64NVME
	case algSHA1:
		return f.SHA1
	case algSHA256:
		return f.SHA256
	}
	return nil
}

// set fills the output member of c's algorithm.
func (f checksumFields) set(c *checksum) {
	if c == nil {
		return
	}
	if p := f.get(c.Alg); p != nil {
		*p = ptr(c.Value)
	}
}

// given lists the checksum values the request carries in headers.
func (f checksumFields) given() map[string]string {
	out := map[string]string{}
	for _, alg := range algorithms {
		if p := f.get(alg); p != nil && *p != nil {
			out[alg] = **p
		}
	}
	return out
}

func md5Hex(sum []byte) string { return hex.EncodeToString(sum) }
