package s2block

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/klauspost/compress/s2"
)

// samples are inputs shaped like trail batches (JSON lines), plus the
// edges of the format: empty, tiny, incompressible, one long run, and
// matches farther than the short and medium offsets reach.
func samples() [][]byte {
	rng := rand.New(rand.NewPCG(1, 2))
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	var lines bytes.Buffer
	for i := range 2000 {
		ev, _ := json.Marshal(map[string]any{"eventName": "GetCallerIdentity", "eventID": fmt.Sprintf("%08x-%d", rng.Uint32(), i),
			"userIdentity": map[string]string{"arn": "arn:aws:iam::000000000000:root"}, "n": i})
		lines.Write(append(ev, '\n'))
	}
	block := random(70000)
	far := append(append(bytes.Clone(block), random(3000)...), block...) // a repeat 73,000 bytes back: a 4-byte offset
	mid := append(append(random(500), random(3000)...), bytes.Repeat([]byte("abcdefgh"), 100)...)
	out := [][]byte{nil, []byte("a"), []byte("abcdefg"), bytes.Repeat([]byte{'x'}, 100000), random(5000), lines.Bytes(), far, mid}
	for n := 0; n < 80; n++ {
		out = append(out, bytes.Repeat([]byte("0123456789"), n)[:n*3])
	}
	return out
}

// TestCompatibleWithS2 checks both directions against klauspost/compress/s2:
// s2 reads what Encode writes, and Decode reads what every s2 encoder
// writes (the better and best ones use repeat offsets).
func TestCompatibleWithS2(t *testing.T) {
	for i, in := range samples() {
		enc := Encode(in)
		if got, err := s2.Decode(nil, enc); err != nil || !bytes.Equal(got, in) {
			t.Errorf("sample %d (%d bytes): s2 cannot read our block: %v", i, len(in), err)
		}
		if got, err := Decode(enc); err != nil || !bytes.Equal(got, in) {
			t.Errorf("sample %d: round trip: %v", i, err)
		}
		for name, f := range map[string]func([]byte, []byte) []byte{"default": s2.Encode, "better": s2.EncodeBetter, "best": s2.EncodeBest, "snappy": s2.EncodeSnappy} {
			got, err := Decode(f(nil, in))
			if err != nil || !bytes.Equal(got, in) {
				t.Errorf("sample %d: cannot read s2's %s block: %v", i, name, err)
			}
		}
	}
}

// TestCompresses guards against an encoder that only writes literals,
// which would still round-trip.
func TestCompresses(t *testing.T) {
	in := samples()[5] // JSON lines
	enc := Encode(in)
	ref := s2.Encode(nil, in)
	t.Logf("JSON lines: %d bytes -> %d (s2: %d)", len(in), len(enc), len(ref))
	if len(enc) > len(in)/3 {
		t.Errorf("compressed %d bytes to %d", len(in), len(enc))
	}
}

func TestDecodeRefusesDamage(t *testing.T) {
	in := samples()[5]
	enc := Encode(in)
	for n := 0; n < len(enc); n += 1 + n/8 {
		if _, err := Decode(enc[:n]); err == nil {
			t.Errorf("truncated to %d of %d bytes: accepted", n, len(enc))
		}
	}
	for _, bad := range [][]byte{
		{},
		{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, // length overflows
		{0x80, 0x80, 0x80, 0x80, 0x02},                                     // claims 512 MiB
		{4, tagCopy2, 1, 0},                                                // a copy before any output
		{4, 0, 'a', tagCopy1 | 0, 0},                                       // repeat with no offset yet
		{2, 0, 'a', tagCopy2 | 3<<2, 1, 0},                                 // a copy past the claimed length
		{3, 0, 'a'},                                                        // output shorter than claimed
	} {
		if _, err := Decode(bad); err == nil {
			t.Errorf("% x: accepted", bad)
		}
	}
}

func FuzzDecode(f *testing.F) {
	for _, in := range samples()[:12] {
		f.Add(Encode(in))
		f.Add(s2.EncodeBetter(nil, in))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ours, err := Decode(b)
		if n, _ := binary.Uvarint(b); n > 1<<20 {
			// s2.Decode allocates whatever the header claims, which
			// makes the fuzzer crawl; ours must just not panic.
			return
		}
		ref, rerr := s2.Decode(nil, b)
		switch {
		case err == nil && (rerr != nil || !bytes.Equal(ours, ref)):
			t.Fatalf("we decode % x to %q; s2: %q, %v", b, ours, ref, rerr)
		case err != nil && rerr == nil && len(ref) <= MaxDecodedLen:
			t.Fatalf("s2 decodes % x to %q; we refuse: %v", b, ref, err)
		}
	})
}

func FuzzRoundTrip(f *testing.F) {
	for _, in := range samples()[:12] {
		f.Add(in)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		enc := Encode(in)
		if got, err := s2.Decode(nil, enc); err != nil || !bytes.Equal(got, in) {
			t.Fatalf("s2 cannot read our block of %q: %v", in, err)
		}
		if got, err := Decode(enc); err != nil || !bytes.Equal(got, in) {
			t.Fatalf("round trip of %q: %v", in, err)
		}
	})
}

// benchBoth runs ours and klauspost's s2 on the same input.
func benchBoth(b *testing.B, in []byte, ours, ref func()) {
	b.Run("s2block", func(b *testing.B) {
		b.SetBytes(int64(len(in)))
		for b.Loop() {
			ours()
		}
	})
	b.Run("klauspost-s2", func(b *testing.B) {
		b.SetBytes(int64(len(in)))
		for b.Loop() {
			ref()
		}
	})
}

func BenchmarkEncode(b *testing.B) {
	in := samples()[5]
	benchBoth(b, in, func() { Encode(in) }, func() { s2.Encode(nil, in) })
}

func BenchmarkDecode(b *testing.B) {
	in := samples()[5]
	enc := Encode(in)
	benchBoth(b, in, func() { Decode(enc) }, func() { s2.Decode(nil, enc) })
}

// BenchmarkEncodeEvent is the common trail batch: one event.
func BenchmarkEncodeEvent(b *testing.B) {
	in := samples()[5]
	in = in[:bytes.IndexByte(in, '\n')+1]
	benchBoth(b, in, func() { Encode(in) }, func() { s2.Encode(nil, in) })
}
