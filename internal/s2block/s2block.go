// Package s2block reads and writes the S2 block format (github.com/
// klauspost/compress/s2), which extends Snappy's block format
// (google/snappy, format_description.txt) with repeat offsets. CloudTrail
// batches are stored in it.
//
// hakoniwa used to link klauspost/compress/s2, whose package variables
// build a CRC-32C table at init: 0.16 ms, about 4% of everything a start
// does before main. Decode reads every block s2.Encode writes, so existing
// data directories stay readable; Encode writes plain Snappy blocks, which
// are valid S2 blocks. The tests check both against klauspost/compress/s2.
package s2block

import (
	"encoding/binary"
	"errors"
	"math/bits"
	"sync"
)

// ErrCorrupt is returned for input that is not a whole, valid block.
var ErrCorrupt = errors.New("s2block: corrupt input")

// MaxDecodedLen bounds what Decode allocates for a block's claimed length:
// a damaged header must not ask for gigabytes. Trail batches are far
// smaller.
const MaxDecodedLen = 256 << 20

const (
	tagLiteral = 0
	tagCopy1   = 1
	tagCopy2   = 2
	tagCopy4   = 3
)

// Decode decompresses one block.
func Decode(src []byte) ([]byte, error) {
	n, hdr := binary.Uvarint(src)
	if hdr <= 0 || n > MaxDecodedLen {
		return nil, ErrCorrupt
	}
	// A damaged header may claim up to MaxDecodedLen for a few bytes of
	// input: start from what such input can plausibly expand to.
	dst := make([]byte, 0, min(n, uint64(len(src))*16+64))
	s, offset := hdr, 0
	for s < len(src) {
		tag := src[s]
		var length int
		switch tag & 3 {
		case tagLiteral:
			x := int(tag >> 2)
			s++
			if x >= 60 {
				w := x - 59 // 1 to 4 bytes of length follow
				if len(src)-s < w {
					return nil, ErrCorrupt
				}
				x = int(le(src[s : s+w]))
				s += w
			}
			length = x + 1
			if length > len(src)-s || length > int(n)-len(dst) {
				return nil, ErrCorrupt
			}
			dst = append(dst, src[s:s+length]...)
			s += length
			continue
		case tagCopy1:
			if len(src)-s < 2 {
				return nil, ErrCorrupt
			}
			o := int(tag&0xe0)<<3 | int(src[s+1])
			code := int(tag>>2) & 7
			s += 2
			if o != 0 {
				offset, length = o, code+4
				break
			}
			// Offset 0 repeats the last offset (S2's extension), with a
			// longer length for codes 5 to 7.
			length = code + 4
			if code >= 5 {
				w := code - 4
				if len(src)-s < w {
					return nil, ErrCorrupt
				}
				length = int(le(src[s:s+w])) + [...]int{8, 260, 65540}[w-1]
				s += w
			}
		case tagCopy2:
			if len(src)-s < 3 {
				return nil, ErrCorrupt
			}
			offset, length = int(le(src[s+1:s+3])), int(tag>>2)+1
			s += 3
		case tagCopy4:
			if len(src)-s < 5 {
				return nil, ErrCorrupt
			}
			offset, length = int(le(src[s+1:s+5])), int(tag>>2)+1
			s += 5
		}
		d := len(dst)
		if offset <= 0 || offset > d || length > int(n)-d {
			return nil, ErrCorrupt
		}
		// Byte by byte where source and destination overlap: a copy may
		// repeat what it is itself writing.
		from := d - offset
		if offset >= length {
			dst = append(dst, dst[from:from+length]...)
		} else {
			for i := range length {
				dst = append(dst, dst[from+i])
			}
		}
	}
	if len(dst) != int(n) {
		return nil, ErrCorrupt
	}
	return dst, nil
}

func le(b []byte) uint32 {
	var x uint32
	for i, c := range b {
		x |= uint32(c) << (8 * i)
	}
	return x
}

const (
	maxTableBits = 14
	minMatch     = 4
)

// tables are reused: a trail batch is often a single event of a few
// hundred bytes, for which zeroing a fresh 64 KiB table would cost more
// than compressing.
var tables = sync.Pool{New: func() any { return new([1 << maxTableBits]int32) }}

// Encode compresses src into one block: a greedy LZ77 over a hash table
// of 4-byte sequences, the Snappy way. It favours speed over ratio, as
// trail batches are written on every call.
func Encode(src []byte) []byte {
	dst := make([]byte, 0, binary.MaxVarintLen64+len(src)+len(src)/6+16)
	dst = binary.AppendUvarint(dst, uint64(len(src)))
	if len(src) < 2*minMatch {
		return appendLiteral(dst, src)
	}
	// The table maps a hash of 4 bytes to the position+1 of their last
	// sighting; it needs no more slots than the input has bytes.
	tableBits := min(maxTableBits, max(8, bits.Len(uint(len(src)))))
	shift := uint(32 - tableBits)
	t := tables.Get().(*[1 << maxTableBits]int32)
	defer tables.Put(t)
	table := t[:1<<tableBits]
	clear(table)
	lit, s := 0, 0
	limit := len(src) - minMatch
	for s <= limit {
		cur := binary.LittleEndian.Uint32(src[s:])
		h := hash(cur, shift)
		cand := int(table[h]) - 1
		table[h] = int32(s + 1)
		if cand < 0 || binary.LittleEndian.Uint32(src[cand:]) != cur {
			// Step further the longer nothing has matched, so that
			// incompressible input is skipped quickly.
			s += 1 + (s-lit)>>5
			continue
		}
		n := minMatch + matchLen(src[cand+minMatch:], src[s+minMatch:])
		dst = appendLiteral(dst, src[lit:s])
		dst = appendCopy(dst, s-cand, n)
		s += n
		lit = s
		if s-1 <= limit {
			table[hash(binary.LittleEndian.Uint32(src[s-1:]), shift)] = int32(s)
		}
	}
	return appendLiteral(dst, src[lit:])
}

// matchLen is the length of the common prefix of a and b (b is the
// shorter), eight bytes at a time.
func matchLen(a, b []byte) int {
	n := 0
	for len(b)-n >= 8 {
		if x := binary.LittleEndian.Uint64(a[n:]) ^ binary.LittleEndian.Uint64(b[n:]); x != 0 {
			return n + bits.TrailingZeros64(x)/8
		}
		n += 8
	}
	for n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

func hash(u uint32, shift uint) uint32 { return (u * 0x1e35a7bd) >> shift }

func appendLiteral(dst, lit []byte) []byte {
	if len(lit) == 0 {
		return dst
	}
	n := uint32(len(lit) - 1)
	if n < 60 {
		dst = append(dst, byte(n)<<2|tagLiteral)
	} else {
		w := (bits.Len32(n) + 7) / 8 // 1 to 4 bytes
		dst = append(dst, byte(59+w)<<2|tagLiteral)
		for i := range w {
			dst = append(dst, byte(n>>(8*i)))
		}
	}
	return append(dst, lit...)
}

// appendCopy emits a match of length n at offset: in pieces of at most 64
// bytes, the longest a copy with a 2- or 4-byte offset can say, keeping
// the last piece at least 4 long so it can use the short form.
func appendCopy(dst []byte, offset, n int) []byte {
	for n > 0 {
		m := min(n, 64)
		if n-m > 0 && n-m < minMatch {
			m = n - minMatch
		}
		switch {
		case m >= 4 && m <= 11 && offset < 2048:
			dst = append(dst, byte(offset>>8)<<5|byte(m-4)<<2|tagCopy1, byte(offset))
		case offset < 1<<16:
			dst = append(dst, byte(m-1)<<2|tagCopy2, byte(offset), byte(offset>>8))
		default:
			dst = append(dst, byte(m-1)<<2|tagCopy4, byte(offset), byte(offset>>8), byte(offset>>16), byte(offset>>24))
		}
		n -= m
	}
	return dst
}
