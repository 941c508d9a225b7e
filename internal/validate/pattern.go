package validate

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// AWS model patterns are Java regular expressions, matched against the whole
// value (Java's String.matches). Go's RE2 lacks several Java features, so
// each pattern is translated once:
//
//   - \uXXXX (and surrogate pairs) become \x{...}; Java's POSIX and
//     java.lang.Character properties (\p{Alnum}, \p{IsAlphabetic}) become
//     RE2 classes; possessive quantifiers and atomic groups become their
//     ordinary forms, which accept the same strings for full-match checks
//     in every AWS pattern we have seen;
//   - repeat counts above RE2's limit of 1000 are loosened to an open
//     bound ({1,2048} -> {1,}): the member's length constraint still
//     enforces the real limit;
//   - leading lookaheads ("^(?!aws:)...", "(?=.{1,256}$)arn:...") become
//     separate prefix checks;
//   - anything else RE2 cannot express (other lookarounds, backreferences,
//     class intersections) is skipped: the pattern is not enforced, and the
//     reason is kept (see skipReason) so the gap is visible in tests.

// matcher is a compiled, translated pattern.
type matcher struct {
	pre  []lookahead
	re   *regexp.Regexp
	skip error // non-nil: the pattern cannot be enforced; match always succeeds
}

type lookahead struct {
	re     *regexp.Regexp
	negate bool
}

func (m *matcher) match(s string) bool {
	if m.skip != nil {
		return true
	}
	for _, la := range m.pre {
		if la.re.MatchString(s) == la.negate {
			return false
		}
	}
	return m.re.MatchString(s)
}

// patterns memoizes translations by pattern text. It is a cache of a pure
// function, bounded by the distinct patterns of the loaded models, so it
// holds no state anyone could observe; keying by text rather than by shape
// shares one compiled regexp among the many shapes that repeat a pattern.
var patterns sync.Map // string -> *matcher

func patternFor(p string) *matcher {
	if m, ok := patterns.Load(p); ok {
		return m.(*matcher)
	}
	m, _ := patterns.LoadOrStore(p, compilePattern(p))
	return m.(*matcher)
}

// skipReason reports why pattern p is not enforced, or nil when it is.
func skipReason(p string) error { return patternFor(p).skip }

var errUnsupported = errors.New("unsupported by RE2")

func compilePattern(p string) *matcher {
	m := &matcher{}
	body := strings.TrimPrefix(p, "^")
	for strings.HasPrefix(body, "(?=") || strings.HasPrefix(body, "(?!") {
		end, err := groupEnd(body)
		if err != nil {
			m.skip = err
			return m
		}
		inner, err := translate(body[3:end])
		if err != nil {
			m.skip = fmt.Errorf("lookahead: %w", err)
			return m
		}
		re, err := regexp.Compile(`^(?:` + inner + `)`)
		if err != nil {
			m.skip = err
			return m
		}
		m.pre = append(m.pre, lookahead{re: re, negate: body[2] == '!'})
		body = strings.TrimPrefix(body[end+1:], "^")
	}
	t, err := translate(body)
	if err != nil {
		m.skip = err
		return m
	}
	re, err := regexp.Compile(`^(?:` + t + `)$`)
	if err != nil {
		m.skip = err
		return m
	}
	m.re = re
	return m
}

// groupEnd returns the index of the parenthesis closing the group that opens
// at s[0].
func groupEnd(s string) (int, error) {
	depth, inClass := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			i++
		case inClass:
			if c == ']' {
				inClass = false
			}
		case c == '[':
			inClass = true
			if strings.HasPrefix(s[i+1:], "^]") {
				i += 2
			} else if strings.HasPrefix(s[i+1:], "]") {
				i++
			}
		case c == '(':
			depth++
		case c == ')':
			depth--
			if depth == 0 {
				return i, nil
			}
		}
	}
	return 0, errors.New("unbalanced parenthesis")
}

// translate rewrites a Java pattern into RE2 syntax.
func translate(p string) (string, error) {
	var b strings.Builder
	inClass := false
	classStart := 0    // b.Len() just after the class's '[' or '[^'
	lastQuant := false // the previous token was a quantifier
	for i := 0; i < len(p); i++ {
		c := p[i]
		quant := false
		switch {
		case c == '\\':
			if i+1 >= len(p) {
				return "", errors.New("trailing backslash")
			}
			n, err := escape(&b, p, i, inClass)
			if err != nil {
				return "", err
			}
			i = n
		case inClass:
			switch {
			case c == ']' && b.Len() > classStart:
				inClass = false
				b.WriteByte(c)
			case c == '[':
				return "", fmt.Errorf("nested character class: %w", errUnsupported)
			case c == '&' && i+1 < len(p) && p[i+1] == '&':
				return "", fmt.Errorf("class intersection: %w", errUnsupported)
			default:
				b.WriteByte(c)
			}
		case c == '[':
			inClass = true
			b.WriteByte(c)
			if i+1 < len(p) && p[i+1] == '^' {
				b.WriteByte('^')
				i++
			}
			classStart = b.Len()
		case c == '(':
			n, err := group(&b, p, i)
			if err != nil {
				return "", err
			}
			i = n
		case c == '*' || c == '+' || c == '?':
			switch {
			case !lastQuant:
				quant = true
				b.WriteByte(c)
			case c == '+':
				// Possessive quantifier: drop the '+' (see package notes).
			default:
				b.WriteByte(c) // lazy suffix
			}
		case c == '{':
			n, rep, ok, err := repeat(p, i)
			if err != nil {
				return "", err
			}
			if !ok {
				b.WriteString(`\{`)
				break
			}
			b.WriteString(rep)
			i = n
			quant = true
		default:
			b.WriteByte(c)
		}
		lastQuant = quant
	}
	if inClass {
		return "", errors.New("unterminated character class")
	}
	return b.String(), nil
}

// group handles '(' at p[i] and returns the index of the last byte used.
func group(b *strings.Builder, p string, i int) (int, error) {
	rest := p[i+1:]
	switch {
	case strings.HasPrefix(rest, "?<=") || strings.HasPrefix(rest, "?<!"):
		return 0, fmt.Errorf("lookbehind: %w", errUnsupported)
	case strings.HasPrefix(rest, "?=") || strings.HasPrefix(rest, "?!"):
		return 0, fmt.Errorf("lookahead: %w", errUnsupported)
	case strings.HasPrefix(rest, "?>"):
		b.WriteString("(?:") // atomic group
		return i + 2, nil
	case strings.HasPrefix(rest, "?<"), strings.HasPrefix(rest, "?P<"), strings.HasPrefix(rest, "?:"):
		b.WriteByte('(')
		return i, nil
	case strings.HasPrefix(rest, "?"):
		// Inline flags. Java's u, d, x and U mean other things (or nothing)
		// in RE2.
		j := 1
		for j < len(rest) && rest[j] != ')' && rest[j] != ':' {
			if !strings.ContainsRune("ims-", rune(rest[j])) {
				return 0, fmt.Errorf("flag %q: %w", rest[j], errUnsupported)
			}
			j++
		}
		b.WriteByte('(')
		return i, nil
	}
	b.WriteByte('(')
	return i, nil
}

// repeat parses a {n}, {n,} or {n,m} quantifier at p[i]. ok is false when the
// brace is a literal.
func repeat(p string, i int) (end int, rep string, ok bool, err error) {
	j := strings.IndexByte(p[i:], '}')
	if j < 0 {
		return 0, "", false, nil
	}
	body := p[i+1 : i+j]
	lo, hi, comma := strings.Cut(body, ",")
	n, err1 := strconv.Atoi(lo)
	if err1 != nil || lo == "" {
		return 0, "", false, nil
	}
	m := -1
	if comma && hi != "" {
		if m, err1 = strconv.Atoi(hi); err1 != nil {
			return 0, "", false, nil
		}
	}
	const limit = 1000 // RE2's maximum repeat count
	if n > limit {
		return 0, "", false, fmt.Errorf("repeat count %d above 1000: %w", n, errUnsupported)
	}
	switch {
	case !comma:
		rep = "{" + lo + "}"
	case m < 0 || m > limit:
		rep = "{" + lo + ",}"
	default:
		rep = "{" + lo + "," + hi + "}"
	}
	return i + j, rep, true, nil
}

// escape translates the escape sequence at p[i] ('\\') and returns the index
// of its last byte.
func escape(b *strings.Builder, p string, i int, inClass bool) (int, error) {
	c := p[i+1]
	switch c {
	case 'u':
		r, n, err := unicodeEscape(p, i)
		if err != nil {
			return 0, err
		}
		fmt.Fprintf(b, `\x{%X}`, r)
		return n, nil
	case 'p', 'P':
		name, n := propName(p, i+2)
		if name == "" {
			return 0, errors.New("bad property escape")
		}
		s, err := property(name, c == 'P', inClass)
		if err != nil {
			return 0, err
		}
		b.WriteString(s)
		return n, nil
	case 'Q':
		end := strings.Index(p[i+2:], `\E`)
		lit := p[i+2:]
		n := len(p) - 1
		if end >= 0 {
			lit = p[i+2 : i+2+end]
			n = i + 2 + end + 1
		}
		b.WriteString(regexp.QuoteMeta(lit))
		return n, nil
	case 'h':
		const h = `\t \x{A0}\x{1680}\x{180E}\x{2000}-\x{200A}\x{202F}\x{205F}\x{3000}`
		if inClass {
			b.WriteString(h)
		} else {
			b.WriteString("[" + h + "]")
		}
		return i + 1, nil
	case 'e':
		b.WriteString(`\x{1B}`)
		return i + 1, nil
	case 'Z':
		b.WriteString(`\z`)
		return i + 1, nil
	case 'R', 'X', 'G', 'K', 'c', 'k', 'N', 'V', 'H', 'v':
		return 0, fmt.Errorf(`\%c: %w`, c, errUnsupported)
	}
	if c >= '0' && c <= '9' {
		return 0, fmt.Errorf("backreference or octal escape: %w", errUnsupported)
	}
	b.WriteByte('\\')
	b.WriteByte(c)
	return i + 1, nil
}

// unicodeEscape reads \uXXXX at p[i], joining a UTF-16 surrogate pair into
// one code point.
func unicodeEscape(p string, i int) (rune, int, error) {
	hex4 := func(at int) (rune, bool) {
		if at+6 > len(p) || p[at] != '\\' || p[at+1] != 'u' {
			return 0, false
		}
		v, err := strconv.ParseUint(p[at+2:at+6], 16, 32)
		return rune(v), err == nil
	}
	r, ok := hex4(i)
	if !ok {
		return 0, 0, errors.New(`bad \u escape`)
	}
	if r >= 0xD800 && r <= 0xDBFF {
		if lo, ok := hex4(i + 6); ok && lo >= 0xDC00 && lo <= 0xDFFF {
			return 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00), i + 11, nil
		}
	}
	if r >= 0xD800 && r <= 0xDFFF {
		return 0, 0, fmt.Errorf("lone surrogate: %w", errUnsupported)
	}
	return r, i + 5, nil
}

// propName reads a property name after \p at p[at]: "{Name}" or one letter.
func propName(p string, at int) (string, int) {
	if at >= len(p) {
		return "", 0
	}
	if p[at] != '{' {
		return p[at : at+1], at
	}
	end := strings.IndexByte(p[at:], '}')
	if end < 0 {
		return "", 0
	}
	return p[at+1 : at+end], at + end
}

// posix maps Java's ASCII-only POSIX property names to RE2 class names.
var posix = map[string]string{
	"Lower": "lower", "Upper": "upper", "Alpha": "alpha", "Digit": "digit",
	"Alnum": "alnum", "Punct": "punct", "Graph": "graph", "Print": "print",
	"Blank": "blank", "Cntrl": "cntrl", "XDigit": "xdigit", "Space": "space",
	"ASCII": "ascii",
}

// javaProps maps java.lang.Character-style properties to class contents.
var javaProps = map[string]string{
	"IsAlphabetic":  `\p{L}\p{Nl}\p{Mn}\p{Mc}`,
	"IsLetter":      `\p{L}`,
	"IsDigit":       `\p{Nd}`,
	"IsUppercase":   `\p{Lu}`,
	"IsLowercase":   `\p{Ll}`,
	"IsPunctuation": `\p{P}`,
	"IsControl":     `\p{Cc}`,
	"IsWhite_Space": `\t-\r\x{20}\x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}`,
	"IsWhitespace":  `\t-\r\x{20}\x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}`,
	"all":           `\x00-\x{10FFFF}`,
}

// property renders \p{name} (or \P{name} when neg) for RE2.
func property(name string, neg, inClass bool) (string, error) {
	if cls, ok := posix[name]; ok {
		inner := "[:" + cls + ":]"
		if neg {
			inner = "[:^" + cls + ":]"
		}
		if inClass {
			return inner, nil
		}
		return "[" + inner + "]", nil
	}
	if body, ok := javaProps[name]; ok {
		switch {
		case inClass && neg:
			return "", fmt.Errorf(`negated \p{%s} inside a class: %w`, name, errUnsupported)
		case inClass:
			return body, nil
		case neg:
			return "[^" + body + "]", nil
		}
		return "[" + body + "]", nil
	}
	// Unicode categories and scripts share their names with RE2; Java also
	// accepts an "Is" prefix and the Unicode-standard long forms.
	name = strings.TrimPrefix(name, "Is")
	name = strings.TrimPrefix(name, "general_category=")
	name = strings.TrimPrefix(name, "gc=")
	name = strings.TrimPrefix(name, "script=")
	name = strings.TrimPrefix(name, "sc=")
	if neg {
		return `\P{` + name + `}`, nil
	}
	return `\p{` + name + `}`, nil
}
