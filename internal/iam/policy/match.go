package policy

import (
	"strings"
	"unicode/utf8"
)

// Glob patterns are plain strings where '*' matches any run of bytes and '?'
// exactly one character. A NUL byte escapes the byte after it, which lets a
// substituted policy variable (or ${*}, ${?}) stand for itself; NULs in
// policy text are doubled at compile time (escapeLiteralNUL) so they never
// collide with the escape. No regexp: this runs for every statement of
// every request.

// globMatch reports whether s matches pattern p.
func globMatch(p, s string) bool {
	px, sx := 0, 0
	starPx, starSx := -1, 0
	for px < len(p) || sx < len(s) {
		if px < len(p) {
			switch c := p[px]; c {
			case '*':
				starPx, starSx = px, sx
				px++
				continue
			case '?':
				if sx < len(s) {
					_, n := utf8.DecodeRuneInString(s[sx:])
					px++
					sx += n
					continue
				}
			case 0:
				if px+1 < len(p) && sx < len(s) && s[sx] == p[px+1] {
					px += 2
					sx++
					continue
				}
			default:
				if sx < len(s) && s[sx] == c {
					px++
					sx++
					continue
				}
			}
		}
		// Mismatch: let the last '*' swallow one more byte.
		if starPx >= 0 && starSx < len(s) {
			starSx++
			px, sx = starPx+1, starSx
			continue
		}
		return false
	}
	return true
}

// hasWildcard reports whether p contains an unescaped '*' or '?'.
func hasWildcard(p string) bool {
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case 0:
			i++
		case '*', '?':
			return true
		}
	}
	return false
}

// literal turns an escaped pattern without wildcards back into the string
// it matches.
func literal(p string) string {
	if strings.IndexByte(p, 0) < 0 {
		return p
	}
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] == 0 && i+1 < len(p) {
			i++
		}
		b.WriteByte(p[i])
	}
	return b.String()
}

// cutColon splits p at its first colon that is not escaped.
func cutColon(p string) (before, after string, found bool) {
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case 0:
			i++
		case ':':
			return p[:i], p[i+1:], true
		}
	}
	return p, "", false
}

// endsWithStar reports whether p's last byte is an unescaped '*'.
func endsWithStar(p string) bool {
	if !strings.HasSuffix(p, "*") {
		return false
	}
	// Count the escapes right before the star: an odd number means it
	// is escaped.
	n := 0
	for i := len(p) - 2; i >= 0 && p[i] == 0; i-- {
		n++
	}
	return n%2 == 0
}

// matchResource matches an ARN against a Resource pattern the way the IAM
// User Guide ("IAM JSON policy elements: Resource") describes: the five
// colon-separated fields before the resource part are matched one by one,
// wildcards do not cross their colons, except that a '*' ending the
// pattern's last field expands over the rest of the ARN ("arn:aws:s3:*"). The
// resource part itself may contain colons and slashes and wildcards run
// over them. Matching is case-sensitive.
func matchResource(p, s string) bool {
	return matchARN(p, s, true)
}

// matchARN is matchResource, or with expand false, ArnLike's stricter rule:
// "each of the six colon-delimited components of the ARN is checked
// separately" (Condition operators: ARN).
func matchARN(p, s string, expand bool) bool {
	if p == "*" {
		return true
	}
	for range 5 {
		pf, prest, pok := cutColon(p)
		sf, srest, sok := strings.Cut(s, ":")
		if !pok {
			if expand && endsWithStar(pf) {
				return globMatch(pf, s)
			}
			return !sok && globMatch(pf, sf)
		}
		if !sok || !globMatch(pf, sf) {
			return false
		}
		p, s = prest, srest
	}
	return globMatch(p, s)
}
