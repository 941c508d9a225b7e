package simulate

// Position is a place in a policy document's text: 1-based line and
// column, columns counted in characters.
type Position struct {
	Line, Column int
}

// span is where one statement sits in its document.
type span struct {
	Start, End Position
}

// statementSpans finds the text span of each statement of a policy
// document, in document order, or nil when the text is not a JSON object
// with a Statement element (callers then report no positions).
//
// The positions follow what IAM reports, which is where a streaming JSON
// parser stands as it reads the statements (verified against AWS output
// quoted in the AWS CLI's examples and public write-ups):
//   - Start is the position just after the token read before the
//     statement's fields: after the "[" for the first statement of a list,
//     after the previous statement's "}" for the others, and after the
//     statement's own "{" when Statement is a single object;
//   - End is the position just after the statement's closing "}".
//
// A line break ends a line whether it is "\n", "\r\n" or "\r".
func statementSpans(doc string) []span {
	sc := &scanner{s: doc, line: 1, col: 1}
	sc.skipSpace()
	if !sc.consume('{') {
		return nil
	}
	var spans []span
	found := false
	for {
		sc.skipSpace()
		if sc.consume('}') || sc.eof() {
			break
		}
		key, ok := sc.readString()
		if !ok {
			return nil
		}
		sc.skipSpace()
		if !sc.consume(':') {
			return nil
		}
		sc.skipSpace()
		if key == "Statement" {
			// A duplicated key: the last one wins, as in the parser.
			s, ok := sc.statements()
			if !ok {
				return nil
			}
			spans, found = s, true
		} else if !sc.skipValue() {
			return nil
		}
		sc.skipSpace()
		if !sc.consume(',') {
			sc.skipSpace()
			if !sc.consume('}') {
				return nil
			}
			break
		}
	}
	if !found {
		return nil
	}
	return spans
}

// scanner walks a document keeping the line and column of s[i].
type scanner struct {
	s         string
	i         int
	line, col int
}

func (sc *scanner) eof() bool { return sc.i >= len(sc.s) }

func (sc *scanner) peek() byte {
	if sc.eof() {
		return 0
	}
	return sc.s[sc.i]
}

// here is the current position (that of the next unread character).
func (sc *scanner) here() Position { return Position{Line: sc.line, Column: sc.col} }

// advance moves past one character, counting a multi-byte UTF-8 sequence
// as one column.
func (sc *scanner) advance() {
	c := sc.s[sc.i]
	sc.i++
	switch {
	case c == '\n':
		sc.line, sc.col = sc.line+1, 1
	case c == '\r':
		if sc.peek() == '\n' {
			sc.i++
		}
		sc.line, sc.col = sc.line+1, 1
	case c < 0x80 || c >= 0xC0: // not a UTF-8 continuation byte
		sc.col++
	}
	for !sc.eof() && sc.s[sc.i]&0xC0 == 0x80 {
		sc.i++
	}
}

// consume reads c if it is next and reports whether it did; the position
// after it is then sc.here() (on the same line, c never being a break).
func (sc *scanner) consume(c byte) bool {
	if sc.peek() != c || sc.eof() {
		return false
	}
	sc.advance()
	return true
}

func (sc *scanner) skipSpace() {
	for !sc.eof() {
		switch sc.s[sc.i] {
		case ' ', '\t', '\n', '\r':
			sc.advance()
		default:
			return
		}
	}
}

// readString reads a JSON string and returns it unescaped only as far as
// key comparison needs (escapes are kept verbatim, so an escaped
// "Statement" key is not recognised: such a document still parses, and
// merely gets no positions).
func (sc *scanner) readString() (string, bool) {
	if !sc.consume('"') {
		return "", false
	}
	start := sc.i
	for !sc.eof() {
		switch sc.s[sc.i] {
		case '\\':
			sc.advance()
			if sc.eof() {
				return "", false
			}
			sc.advance()
		case '"':
			v := sc.s[start:sc.i]
			sc.advance()
			return v, true
		default:
			sc.advance()
		}
	}
	return "", false
}

// skipValue moves past one JSON value of any kind.
func (sc *scanner) skipValue() bool {
	switch sc.peek() {
	case '"':
		_, ok := sc.readString()
		return ok
	case '{', '[':
		return sc.skipContainer()
	}
	// A number or literal: everything up to the next delimiter.
	n := 0
	for !sc.eof() {
		switch sc.s[sc.i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return n > 0
		}
		sc.advance()
		n++
	}
	return n > 0
}

// skipContainer moves past an object or array, strings inside included.
func (sc *scanner) skipContainer() bool {
	depth := 0
	for !sc.eof() {
		switch sc.s[sc.i] {
		case '"':
			if _, ok := sc.readString(); !ok {
				return false
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				sc.advance()
				return true
			}
		}
		sc.advance()
	}
	return false
}

// statements reads the Statement element's value: one object or a list.
func (sc *scanner) statements() ([]span, bool) {
	switch sc.peek() {
	case '{':
		sc.advance()
		start := sc.here()
		if !sc.skipMembers() {
			return nil, false
		}
		return []span{{Start: start, End: sc.here()}}, true
	case '[':
		sc.advance()
		var out []span
		start := sc.here()
		for {
			sc.skipSpace()
			if sc.consume(']') {
				return out, true
			}
			if sc.peek() == '{' {
				if !sc.skipContainer() {
					return nil, false
				}
				end := sc.here()
				out = append(out, span{Start: start, End: end})
				start = end
			} else if !sc.skipValue() {
				return nil, false
			}
			sc.skipSpace()
			if !sc.consume(',') {
				sc.skipSpace()
				if !sc.consume(']') {
					return nil, false
				}
				return out, true
			}
		}
	}
	return nil, sc.skipValue()
}

// skipMembers moves past the rest of an object whose "{" was read.
func (sc *scanner) skipMembers() bool {
	depth := 1
	for !sc.eof() {
		switch sc.s[sc.i] {
		case '"':
			if _, ok := sc.readString(); !ok {
				return false
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				sc.advance()
				return true
			}
		}
		sc.advance()
	}
	return false
}
