package sigv4

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"net/http"
	"strconv"
	"strings"

	"hakoniwa/internal/awserr"
)

// hashCheckReader passes the body through and, at EOF, compares its
// SHA-256 with the signed x-amz-content-sha256.
type hashCheckReader struct {
	src  io.ReadCloser
	h    hash.Hash
	want string
	e    errs
	err  error
}

func (c *hashCheckReader) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.src.Read(p)
	c.h.Write(p[:n])
	if err == io.EOF {
		if got := hex.EncodeToString(c.h.Sum(nil)); got != c.want {
			c.err = c.e.contentSHAMismatch(c.want, got)
			return n, c.err
		}
		c.err = io.EOF
	} else if err != nil {
		c.err = c.e.incompleteBody()
	}
	return n, c.err
}

func (c *hashCheckReader) Close() error { return c.src.Close() }

// Limits on the framing of an aws-chunked body, so a hostile client cannot
// make the decoder buffer without bound. Chunk data itself streams.
const (
	maxChunkLine    = 4 << 10
	maxTrailerBytes = 16 << 10
	maxTrailers     = 64
)

type chunkConfig struct {
	signed  bool // chunks carry chunk-signature=
	trailer bool // trailing headers follow the final chunk
	key     []byte
	amzDate string
	scope   string
	seed    string // the request signature, which the first chunk chains from
	decoded int64  // x-amz-decoded-content-length
	errs    errs
	// declared lists the X-Amz-Trailer header values.
	declared []string
}

type chunkState uint8

const (
	stHeader chunkState = iota
	stData
	stDone
)

// chunkReader decodes an aws-chunked body:
//
//	hex-size[;chunk-signature=sig]\r\n data \r\n ... 0[;chunk-signature=sig]\r\n [trailers\r\n] \r\n
//
// verifying each chunk's signature (chained from the seed signature) as
// its last byte passes. Data of a chunk reaches the caller before that
// chunk's signature is checked; the caller sees the error before EOF and
// must discard what it read, as with any body whose hash is known only at
// the end.
type chunkReader struct {
	cfg      chunkConfig
	src      io.Closer
	br       *bufio.Reader
	state    chunkState
	err      error
	left     int64 // bytes of the current chunk not yet read
	remain   int64 // decoded bytes still expected overall
	chunkSig string
	prevSig  string
	h        hash.Hash
	trailers http.Header
}

func newChunkReader(body io.ReadCloser, cfg chunkConfig) *chunkReader {
	c := &chunkReader{
		cfg:     cfg,
		src:     body,
		br:      bufio.NewReaderSize(body, 32<<10),
		remain:  cfg.decoded,
		prevSig: cfg.seed,
		h:       sha256.New(),
	}
	if cfg.trailer {
		c.trailers = http.Header{}
		for _, v := range cfg.declared {
			for name := range strings.SplitSeq(v, ",") {
				if name = strings.TrimSpace(name); name != "" {
					c.trailers[http.CanonicalHeaderKey(name)] = nil
				}
			}
		}
	}
	return c
}

func (c *chunkReader) Close() error { return c.src.Close() }

func (c *chunkReader) Read(p []byte) (int, error) {
	for c.err == nil {
		switch c.state {
		case stHeader:
			c.err = c.readHeader()
		case stData:
			if c.left == 0 {
				c.err = c.endChunk()
				continue
			}
			if len(p) == 0 {
				return 0, nil
			}
			want := min(int64(len(p)), c.left)
			n, err := c.br.Read(p[:want])
			c.h.Write(p[:n])
			c.left -= int64(n)
			if err != nil && (err != io.EOF || c.left > 0) {
				c.err = c.ioErr(err)
			}
			if n > 0 {
				return n, nil
			}
		case stDone:
			c.err = io.EOF
		}
	}
	return 0, c.err
}

func (c *chunkReader) ioErr(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return c.cfg.errs.incompleteBody()
	}
	var ae *awserr.Error
	if errors.As(err, &ae) {
		return ae
	}
	return c.cfg.errs.incompleteBody()
}

// readLine reads one CRLF-terminated line (a bare LF is tolerated) of at
// most maxChunkLine bytes, without the terminator.
func (c *chunkReader) readLine() (string, error) {
	line, err := c.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull || len(line) > maxChunkLine {
		return "", c.cfg.errs.badChunk()
	}
	if err != nil {
		if err == io.EOF && len(line) > 0 {
			return strings.TrimSuffix(string(line), "\r"), io.ErrUnexpectedEOF
		}
		return "", err
	}
	line = bytes.TrimSuffix(line[:len(line)-1], []byte{'\r'})
	return string(line), nil
}

func (c *chunkReader) readHeader() error {
	line, err := c.readLine()
	if err != nil {
		return c.ioErr(err)
	}
	sizeStr, ext, hasExt := strings.Cut(line, ";")
	size, perr := strconv.ParseInt(strings.TrimSpace(sizeStr), 16, 64)
	if perr != nil || size < 0 {
		return c.cfg.errs.badChunk()
	}
	c.chunkSig = ""
	if c.cfg.signed {
		name, sig, ok := strings.Cut(ext, "=")
		if !hasExt || !ok || strings.TrimSpace(name) != "chunk-signature" {
			return c.cfg.errs.badChunk()
		}
		c.chunkSig = strings.ToLower(strings.TrimSpace(sig))
	}
	if size > c.remain {
		return c.cfg.errs.lengthMismatch()
	}
	c.h.Reset()
	if size > 0 {
		c.left = size
		c.remain -= size
		c.state = stData
		return nil
	}
	if c.remain != 0 {
		return c.cfg.errs.lengthMismatch()
	}
	if err := c.checkChunk(); err != nil {
		return err
	}
	if c.cfg.trailer {
		if err := c.readTrailers(); err != nil {
			return err
		}
	} else if err := c.readEnd(); err != nil {
		return err
	}
	c.state = stDone
	return nil
}

// endChunk consumes the CRLF after a chunk's data and checks its signature.
func (c *chunkReader) endChunk() error {
	var crlf [2]byte
	if _, err := io.ReadFull(c.br, crlf[:]); err != nil {
		return c.ioErr(err)
	}
	if crlf != [2]byte{'\r', '\n'} {
		return c.cfg.errs.badChunk()
	}
	if err := c.checkChunk(); err != nil {
		return err
	}
	c.state = stHeader
	return nil
}

// checkChunk verifies the signature of the chunk whose data went through c.h.
func (c *chunkReader) checkChunk() error {
	if !c.cfg.signed || c.cfg.key == nil {
		return nil
	}
	sts := "AWS4-HMAC-SHA256-PAYLOAD\n" + c.cfg.amzDate + "\n" + c.cfg.scope + "\n" + c.prevSig + "\n" +
		emptySHA256 + "\n" + hex.EncodeToString(c.h.Sum(nil))
	want := sign(c.cfg.key, sts)
	if !sigEqual(want, c.chunkSig) {
		return c.cfg.errs.chunkMismatch()
	}
	c.prevSig = want
	return nil
}

// readEnd consumes the blank line closing a body without trailers. Some
// clients stop right after the final chunk; that is accepted too.
func (c *chunkReader) readEnd() error {
	line, err := c.readLine()
	if err == io.EOF {
		return nil
	}
	if err != nil {
		return c.ioErr(err)
	}
	if line != "" {
		return c.cfg.errs.badChunk()
	}
	return nil
}

// readTrailers reads "name:value" lines up to a blank line (or EOF, which
// some SDKs send instead), verifies the trailer signature in signed mode,
// and publishes the values in the request's Trailer map.
func (c *chunkReader) readTrailers() error {
	var canon strings.Builder
	var sig string
	total, count := 0, 0
	got := http.Header{}
	for {
		line, err := c.readLine()
		if err == io.EOF {
			break
		}
		if err != nil && err != io.ErrUnexpectedEOF {
			return c.ioErr(err)
		}
		if line == "" {
			break
		}
		total += len(line)
		count++
		if total > maxTrailerBytes || count > maxTrailers {
			return c.cfg.errs.badTrailer()
		}
		name, val, ok := strings.Cut(line, ":")
		name = strings.ToLower(strings.TrimSpace(name))
		val = strings.TrimSpace(val)
		if !ok || name == "" {
			return c.cfg.errs.badTrailer()
		}
		if name == "x-amz-trailer-signature" {
			sig = strings.ToLower(val)
		} else {
			canon.WriteString(name + ":" + val + "\n")
			got.Add(name, val)
		}
		if err == io.ErrUnexpectedEOF {
			break
		}
	}
	for name := range c.trailers {
		if _, ok := got[name]; !ok {
			return c.cfg.errs.badTrailer()
		}
	}
	if c.cfg.signed && c.cfg.key != nil {
		sum := sha256.Sum256([]byte(canon.String()))
		sts := "AWS4-HMAC-SHA256-TRAILER\n" + c.cfg.amzDate + "\n" + c.cfg.scope + "\n" + c.prevSig + "\n" + hex.EncodeToString(sum[:])
		if sig == "" || !sigEqual(sign(c.cfg.key, sts), sig) {
			return c.cfg.errs.chunkMismatch()
		}
	}
	for k, vs := range got {
		c.trailers[k] = vs
	}
	return nil
}
