package s3

import (
	"bytes"
	"encoding/binary"
	"hash/crc64"
	"testing"
)

// The CRC-64/NVME catalogue check value, and agreement with a table-driven
// reference over lengths that exercise the fast path's block and tail
// handling, so the accelerated implementation is S3's checksum.
func TestCRC64NVMEMatchesReference(t *testing.T) {
	h := newHash(algCRC64NVME)
	h.Write([]byte("123456789"))
	if got := binary.BigEndian.Uint64(h.Sum(nil)); got != 0xae8b14860a799888 {
		t.Fatalf("check value %#x", got)
	}
	ref := crc64.MakeTable(0x9a6c9329ac4bc9b5)
	data := bytes.Repeat([]byte("hakoniwa \x00\xff"), 30000)
	for _, n := range []int{0, 1, 15, 16, 63, 64, 65, 255, 4096, 65537, len(data)} {
		h := newHash(algCRC64NVME)
		h.Write(data[:n/2])
		h.Write(data[n/2 : n])
		if got, want := binary.BigEndian.Uint64(h.Sum(nil)), crc64.Checksum(data[:n], ref); got != want {
			t.Errorf("len %d: %#x, reference %#x", n, got, want)
		}
	}
}
