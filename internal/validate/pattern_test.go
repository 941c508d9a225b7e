package validate

import (
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

func TestPatternMatch(t *testing.T) {
	cases := []struct {
		pattern, in string
		want        bool
	}{
		// Whole-value matching, as Java's String.matches.
		{`[\w+=,.@-]+`, "alice", true},
		{`[\w+=,.@-]+`, "alice smith", false},
		{`[\w+=,.@-]+`, "", false},
		{`^[a-z]+$`, "abc", true},
		// \uXXXX escapes and surrogate pairs.
		{`[\u0009\u000A\u000D\u0020-\u00FF]+`, "pässwörd\t", true},
		{`[\u0009\u000A\u000D\u0020-\u00FF]+`, "日本", false},
		{`[\u0020-\uD7FF\uE000-\uFFFD\uD800\uDC00-\uDBFF\uDFFF\r\n\t]*`, "emoji 😀 ok", true},
		{`[\u0020-\uD7FF\uE000-\uFFFD\uD800\uDC00-\uDBFF\uDFFF\r\n\t]*`, "bell\x07", false},
		// Unicode and POSIX properties.
		{`[\p{L}\p{Z}\p{N}_.:/=+\-@]+`, "チーム 1", true},
		{`[\p{Alnum}_]+`, "abc_1", true},
		{`[\p{Alnum}_]+`, "é", false},
		{`\p{Alpha}+`, "abc", true},
		{`\P{C}*`, "visible", true},
		{`\P{C}*`, "nul\x00", false},
		{`[\p{IsAlphabetic}]+`, "Zürich", true},
		// Possessive quantifiers and atomic groups.
		{`a++b`, "aab", true},
		{`(?>ab)*+c`, "ababc", true},
		{`x{1}+`, "x", true},
		// Lazy quantifiers stay lazy.
		{`a+?b`, "aab", true},
		// Repeat counts above RE2's 1000 are loosened, not rejected.
		{`[a-z]{1,2048}`, strings.Repeat("a", 1500), true},
		{`[a-z]{1,2048}`, "", false},
		// Leading lookaheads become prefix checks.
		{`^(?!aws:)[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`, "team", true},
		{`^(?!aws:)[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`, "aws:team", false},
		{`(?=.{1,8}$)arn:.*`, "arn:x", true},
		{`(?=.{1,8}$)arn:.*`, "arn:toolong", false},
		// \Q...\E quoting.
		{`\Q.*\E`, ".*", true},
		{`\Q.*\E`, "ab", false},
		// Inline flags RE2 shares.
		{`(?i)abc`, "ABC", true},
		// Literal braces.
		{`{a}`, "{a}", true},
	}
	for _, c := range cases {
		m := patternFor(c.pattern)
		if m.skip != nil {
			t.Errorf("%q skipped: %v", c.pattern, m.skip)
			continue
		}
		if got := m.match(c.in); got != c.want {
			t.Errorf("%q match %q = %v, want %v", c.pattern, c.in, got, c.want)
		}
	}
}

func TestPatternSkips(t *testing.T) {
	for _, p := range []string{
		`^(?!.*?(.)\1{3})[a-z]*$`,        // backreference inside a lookahead
		`[a-z]+(?<!-)`,                   // lookbehind
		`[a-z]+(?=x)`,                    // lookahead not at the start
		`[\p{Print}&&[^|:/]]+`,           // class intersection
		`[a-z[0-9]]`,                     // class union
		`(?x) a b`,                       // comments mode
		`[\uD800-\uDBFF][\uDC00-\uDFFF]`, // lone surrogates
		`a{2000}`,                        // exact repeat above the limit
		`(unbalanced`,
	} {
		err := skipReason(p)
		if err == nil {
			t.Errorf("%q: want a skip reason", p)
			continue
		}
		// A skipped pattern is not enforced.
		if !patternFor(p).match("anything at all") {
			t.Errorf("%q: skipped pattern rejected input", p)
		}
	}
	if !errors.Is(skipReason(`[a-z]+(?<!-)`), errUnsupported) {
		t.Errorf("lookbehind reason = %v, want errUnsupported", skipReason(`[a-z]+(?<!-)`))
	}
}

// TestAllModelPatterns translates every pattern of our models (and, with
// HAKONIWA_ALL_BOTOCORE=1, of every model botocore ships: ~4300 patterns,
// too slow under -race for the default run): none may panic, and the share
// RE2 cannot enforce must stay small. The skipped ones are logged with their
// reasons so the gap stays visible.
func TestAllModelPatterns(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "models", "botocore", "*", "*", "service-2.json.gz"))
	if os.Getenv("HAKONIWA_ALL_BOTOCORE") != "" {
		more, _ := filepath.Glob("/root/.pyenv/versions/3.11.7/lib/python3.11/site-packages/botocore/data/*/*/service-2.json*")
		files = append(files, more...)
	}
	seen := map[string]bool{}
	for _, f := range files {
		for _, p := range modelPatterns(t, f) {
			seen[p] = true
		}
	}
	if len(seen) == 0 {
		t.Skip("no models found")
	}
	var skipped []string
	for p := range seen {
		if err := skipReason(p); err != nil {
			skipped = append(skipped, err.Error()+"\t"+p)
		}
	}
	sort.Strings(skipped)
	for _, s := range skipped {
		t.Log(s)
	}
	t.Logf("%d distinct patterns, %d not enforceable (%.1f%%)", len(seen), len(skipped), 100*float64(len(skipped))/float64(len(seen)))
	if float64(len(skipped)) > 0.05*float64(len(seen)) {
		t.Errorf("%d of %d patterns skipped; the translator regressed", len(skipped), len(seen))
	}
}

func modelPatterns(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	}
	var doc struct {
		Shapes map[string]struct {
			Pattern string `json:"pattern"`
		} `json:"shapes"`
	}
	if err := json.NewDecoder(r).Decode(&doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var out []string
	for _, s := range doc.Shapes {
		if s.Pattern != "" {
			out = append(out, s.Pattern)
		}
	}
	return out
}
