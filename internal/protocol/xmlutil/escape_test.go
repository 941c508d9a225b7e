package xmlutil

import (
	"bytes"
	"encoding/xml"
	"math/rand/v2"
	"testing"
)

// TestEscapeMatchesEncodingXML: the fast path must write what
// xml.EscapeText writes, for every byte.
func TestEscapeMatchesEncodingXML(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	cases := []string{"", "plain-id_0.9:/@+", "a<b", "x&y", `"q"`, "it's", "tab\there", "new\nline", "\r", "日本", "\xff", "\x00", "\x7f", "]]>"}
	for range 5000 {
		b := make([]byte, rng.IntN(10))
		for j := range b {
			b[j] = byte(rng.IntN(256))
			if rng.IntN(3) > 0 {
				b[j] = byte(0x20 + rng.IntN(0x5f))
			}
		}
		cases = append(cases, string(b))
	}
	for _, s := range cases {
		var got, want bytes.Buffer
		escape(&got, s)
		_ = xml.EscapeText(&want, []byte(s))
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Fatalf("%q: got %q want %q", s, got.Bytes(), want.Bytes())
		}
	}
}
