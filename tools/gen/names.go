package main

import (
	"strconv"
	"strings"
	"unicode"
)

// packageName is the Go package for a service id: the id without the
// characters Go identifiers cannot hold (cognito-idp → cognitoidp). Digits
// stay, so ec2 and s3 keep the names everyone knows them by.
func packageName(id string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(id) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' && b.Len() > 0 {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// exported turns a model name into an exported Go identifier: the first
// letter is upper-cased, characters Go does not allow are dropped and the
// letter after each is upper-cased. Everything else is kept, so AWS's own
// spelling (VpcId, DBInstance) survives.
func exported(name string) string {
	var b strings.Builder
	upper := true
	for _, r := range name {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			upper = true
			continue
		}
		if r > unicode.MaxASCII {
			continue
		}
		if upper {
			r = unicode.ToUpper(r)
			upper = false
		}
		b.WriteRune(r)
	}
	s := b.String()
	if s == "" || unicode.IsDigit(rune(s[0])) {
		s = "X" + s
	}
	return s
}

// namer hands out identifiers of one Go scope (a package, or one struct's
// fields), resolving collisions deterministically by numbering.
type namer struct {
	used map[string]string // identifier → owner
	// numbered records every name that had to be numbered, for -v.
	numbered []string
}

func newNamer(reserved ...string) *namer {
	n := &namer{used: map[string]string{}}
	for _, r := range reserved {
		n.used[r] = "reserved"
	}
	return n
}

// claim returns want if it is free (or already owned by owner), else the
// first free want2, want3, ...
func (n *namer) claim(want, owner string) string {
	for i := 1; ; i++ {
		name := want
		if i > 1 {
			name = want + strconv.Itoa(i)
		}
		if o, ok := n.used[name]; !ok || o == owner {
			n.used[name] = owner
			if i > 1 {
				n.numbered = append(n.numbered, owner+" → "+name)
			}
			return name
		}
	}
}
