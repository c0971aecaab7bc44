package edifact

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"unsafe"
)

const (
	defaultBufferSize     = 64 << 10 // input blocks grow to this size
	firstBufferSize       = 4 << 10  // the first is small: most inputs are
	defaultMaxSegmentSize = maxDataSize
	arenaBlockSize        = 32 << 10
	firstArenaSize        = 2 << 10
	// DefaultSyntax is the syntax identifier a Reader assumes for input
	// without UNB (message-only input) unless Reader.Syntax says otherwise.
	DefaultSyntax = "UNOC"
)

// Byte classes of the scanner; the two common ones come first.
const (
	clsPlain   uint8 = iota // data, as it is
	clsSep                  // a separator that splits elements or components
	clsTerm                 // the segment terminator
	clsRelease              // the release character
	clsHigh                 // a byte of a single-byte set above 0x9f: decoded by table
	clsUTF8                 // a byte above 0x7f in UTF-8: valid sequences are data
	clsSlow                 // anything for the careful path: controls, bytes outside the repertoire
)

// A Reader reads segments from an EDIFACT input stream, checking the syntax
// and the envelopes (UNB/UNG/UNH/UNT/UNE/UNZ) as it goes.
//
// It handles a UNA service string advice, or the defaults when there is none,
// the release character, line breaks after terminators, a byte order mark,
// the repetition separator of syntax version 4, several interchanges in one
// stream (each with its own UNA, if any) and message-only input (UNH..UNT
// without UNB). Text is decoded to UTF-8 by the character set that the UNB
// syntax identifier declares.
//
// Segments returned by a Reader stay valid after the next call: they point
// into the Reader's blocks of input and decoded text (up to 64 KiB each),
// which it never writes again, so holding one segment keeps its block alive.
//
// Set the exported fields before the first read.
type Reader struct {
	// Accept is the set of faults reported as warnings instead of errors
	// (lenient mode). See Warnings.
	Accept Fault
	// MaxSegmentSize bounds the size of one segment in bytes (default and
	// maximum 1 MiB - 1), so that input without terminators cannot exhaust
	// memory.
	MaxSegmentSize int
	// Syntax is the syntax identifier assumed for input without UNB
	// (default DefaultSyntax).
	Syntax string

	src    io.Reader
	srcErr error // sticky read error, io.EOF at the end
	buf    []byte
	pos    int   // next unread byte of buf
	end    int   // end of the data in buf
	base   int64 // input offset of buf[0]
	line   int   // line number at buf[pos]
	err    error // sticky error of the Reader

	delims   Delimiters
	hadUNA   bool // a UNA was read for the coming or current interchange
	lineMode bool // segments end with line breaks (a tolerated fault)
	cs       *charset
	info     [256]uint32 // per byte: its class (low byte) and, for separators, the component entry (see scanRun)

	arena     []byte
	comps     []uint32 // slab of component positions
	compsUsed int      // how much of comps is handed out
	bounds    []uint32 // component entries of the current segment (careful path)
	slow      slowScratch

	slowUsed    bool // the current segment took the careful path
	nseg        int  // segments read
	curTag      string
	env         envelope
	warnings    []*SyntaxError
	faultCounts map[Fault]int

	header      *InterchangeHeader // of the open interchange
	group       *GroupHeader       // of the open group
	msgHeader   *MessageHeader     // of the open message
	pending     Segment            // a segment ReadMessage put back, if hasPending
	hasPending  bool
	msgWarnings int // len(warnings) when the current message began
}

// NewReader returns a Reader that reads from r.
func NewReader(r io.Reader) *Reader {
	rd := &Reader{src: r, line: 1}
	rd.env.r = rd
	return rd
}

// Warnings returns the faults tolerated so far (see Accept), in input order.
func (r *Reader) Warnings() []*SyntaxError { return r.warnings }

// Delimiters returns the service characters of the current interchange.
func (r *Reader) Delimiters() Delimiters { return r.delims }

// Read returns the next segment, including the service segments UNB, UNG,
// UNH, UNT, UNE and UNZ (but not UNA, which sets Delimiters). At the end of
// the input it returns io.EOF, or the *SyntaxError for an unclosed envelope.
// After an error every call returns the same error.
func (r *Reader) Read() (seg Segment, err error) {
	if r.err == nil && r.env.message && !r.lineMode && r.readFast(&seg) {
		return seg, nil
	}
	err = r.readInto(&seg)
	return seg, err
}

// readInto reads the next segment into seg.
func (r *Reader) readInto(seg *Segment) error {
	if r.err != nil {
		return r.err
	}
	if r.buf == nil {
		r.start()
	}
	for {
		if err := r.skipBetween(); err != nil {
			return r.stop(err)
		}
		if r.pos == r.end { // skipBetween stops here only at the end of input
			if err := r.env.finish(); err != nil {
				return r.stop(err)
			}
			r.summarizeWarnings()
			return r.stop(io.EOF)
		}
		if r.buf[r.pos] == 'U' && r.hasPrefix("UNA") {
			if err := r.readUNA(); err != nil {
				return r.stop(err)
			}
			continue
		}
		ok, err := r.readSegment(seg)
		if err != nil {
			return r.stop(err)
		}
		if !ok {
			continue
		}
		if err := r.env.process(seg); err != nil {
			return r.stop(err)
		}
		return nil
	}
}

// stop makes err the answer to every later call.
func (r *Reader) stop(err error) error {
	r.err = err
	return err
}

func (r *Reader) start() {
	r.buf = make([]byte, firstBufferSize)
	if r.MaxSegmentSize <= 0 || r.MaxSegmentSize > maxDataSize {
		r.MaxSegmentSize = defaultMaxSegmentSize
	}
	if r.Syntax == "" {
		r.Syntax = DefaultSyntax
	}
	r.setDelimiters(DefaultDelimiters)
	r.setCharset(r.Syntax)
}

// fill reads more input into buf, keeping the bytes from pos on; it may move
// them to a new block (pos and end then change). Bytes before pos may be
// referenced by segments already returned, so they are never written again:
// a full block is left to the garbage collector. fill returns the sticky
// read error if nothing more can be read.
func (r *Reader) fill() error {
	if r.srcErr != nil {
		return r.srcErr
	}
	if r.end == len(r.buf) {
		unread := r.end - r.pos
		if unread > r.MaxSegmentSize {
			return nil // the caller detects the oversize segment
		}
		size := min(2*len(r.buf), defaultBufferSize)
		for size < 2*unread {
			size *= 2
		}
		block := make([]byte, size)
		copy(block, r.buf[r.pos:r.end])
		r.base += int64(r.pos)
		r.buf, r.pos, r.end = block, 0, unread
	}
	for range 100 {
		n, err := r.src.Read(r.buf[r.end:])
		r.end += n
		if err != nil {
			r.srcErr = err
			if n > 0 {
				return nil
			}
			return err
		}
		if n > 0 {
			return nil
		}
	}
	r.srcErr = io.ErrNoProgress
	return r.srcErr
}

// ensure makes n bytes from pos available if the input has them, and reports
// whether it does.
func (r *Reader) ensure(n int) (bool, error) {
	for r.end-r.pos < n {
		if err := r.fill(); err != nil {
			if err == io.EOF {
				return false, nil
			}
			return false, r.readError(err)
		}
	}
	return true, nil
}

func (r *Reader) readError(err error) error {
	return fmt.Errorf("edifact: read at offset %d: %w", r.base+int64(r.end), err)
}

func (r *Reader) hasPrefix(p string) bool {
	ok, err := r.ensure(len(p))
	return ok && err == nil && string(r.buf[r.pos:r.pos+len(p)]) == p
}

// skipBetween skips what may stand between segments: line breaks, a byte
// order mark at the start of an interchange, and (as faults) stray
// terminators and other junk. It stops at the start of a segment or at the
// end of the input.
func (r *Reader) skipBetween() error {
	for {
		if r.pos == r.end {
			ok, err := r.ensure(1)
			if err != nil {
				return err
			}
			if !ok {
				return nil
			}
		}
		c := r.buf[r.pos]
		switch {
		case c == '\n':
			r.line++
			r.pos++
		case c == '\r':
			r.pos++
		case isTagByte(c):
			return nil
		case c == 0xEF && r.env.outside() && r.hasPrefix("\xEF\xBB\xBF"):
			r.pos += 3
		case c == r.delims.Segment && !r.lineMode:
			if err := r.fault(FaultEmptySegment, r.placeHere(), "empty segment (a stray segment terminator)"); err != nil {
				return err
			}
			r.pos++
		default:
			if err := r.skipJunk(); err != nil {
				return err
			}
		}
	}
}

// skipJunk reports and skips a run of characters between segments that are
// neither line breaks nor the start of a segment.
func (r *Reader) skipJunk() error {
	place := r.placeHere()
	var shown []byte // the first bytes of the junk, for the message
	for {
		if r.pos == r.end {
			if ok, err := r.ensure(1); err != nil || !ok {
				if err != nil {
					return err
				}
				break
			}
		}
		c := r.buf[r.pos]
		if isTagByte(c) || c == '\n' || c == '\r' || (c == r.delims.Segment && !r.lineMode) {
			break
		}
		if len(shown) < 16 {
			shown = append(shown, c)
		}
		r.pos++
	}
	return r.fault(FaultJunk, place, fmt.Sprintf("unexpected %q between segments", shown))
}

func isBreakOrAlnum(c byte) bool { return c == '\r' || c == '\n' || isAlnum(c) }

func isTagByte(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z'
}

// readUNA reads a service string advice at pos.
func (r *Reader) readUNA() error {
	place := r.placeHere()
	if !r.env.outside() {
		if err := r.env.closeAll(place, "UNA"); err != nil {
			return err
		}
	}
	ok, err := r.ensure(9)
	if err != nil {
		return err
	}
	n := r.end - r.pos
	if ok {
		n = 9
	}
	six := r.buf[r.pos+3 : r.pos+n]
	if len(six) < 6 || isBreakOrAlnum(six[5]) {
		// "UNA:+.?'" and a line break or the UNB: one character is missing,
		// usually the reserved one. Read the five as ":+.? '" would be.
		if len(six) < 5 || bytes.ContainsAny(six[:5], "\r\n") || isAlnum(six[4]) {
			return r.syntaxError(place, fmt.Sprintf("service string advice UNA%q is incomplete: it needs six characters", six))
		}
		fixed := []byte{six[0], six[1], six[2], six[3], ' ', six[4]}
		if err := r.fault(FaultMalformedUNA, place, fmt.Sprintf("service string advice UNA%q has five characters, not six: read as UNA%q", six[:5], fixed)); err != nil {
			return err
		}
		six, n = fixed, 8
	}
	d := parseUNA(six)
	if err := d.validate(); err != nil {
		return r.syntaxError(place, "service string advice: "+err.Error())
	}
	r.pos += n
	r.setDelimiters(d)
	r.hadUNA = true
	r.lineMode = false
	return nil
}

func (r *Reader) setDelimiters(d Delimiters) {
	r.delims = d
	r.buildClasses()
}

func (r *Reader) setCharset(syntaxID string) bool {
	cs, ok := lookupCharset(syntaxID)
	if !ok {
		cs = unknownCharset
	}
	r.cs = cs
	r.buildClasses()
	return ok
}

// buildClasses prepares the byte classes (Reader.info) for the current
// delimiters and character set.
func (r *Reader) buildClasses() {
	if r.cs == nil {
		return
	}
	for c := range r.info {
		var cls uint8
		switch {
		case r.cs.fits(byte(c)):
			cls = clsPlain
		case c >= 0xa0 && r.cs.high != nil && r.cs.high[c-0x80] != "":
			cls = clsHigh
		case c >= 0x80 && r.cs.utf8:
			cls = clsUTF8
		default:
			cls = clsSlow
		}
		r.info[c] = uint32(cls)
	}
	d := r.delims
	for _, s := range []struct {
		c    byte
		kind uint32
	}{{d.Element, sepElement}, {d.Component, sepComponent}, {d.Repetition, sepRepetition}} {
		if s.c != 0 {
			r.info[s.c] = s.kind | uint32(clsSep) // see scanRun
		}
	}
	r.info[d.Segment] = uint32(clsTerm)
	if d.Release != 0 {
		r.info[d.Release] = uint32(clsRelease)
	}
}

// isService reports whether a byte, by its entry in Reader.info, is a
// service character: one the release character may stand before.
func isService(info uint32) bool {
	c := uint8(info)
	return c == clsSep || c == clsTerm || c == clsRelease
}

// readSegment reads the segment at pos into seg. It reports ok false when
// the bytes turned out to be no segment (a tolerated fault).
func (r *Reader) readSegment(seg *Segment) (ok bool, err error) {
	outside := r.env.outside()
	if outside && !r.hadUNA && r.hasPrefix("UNB\x1d") {
		r.setDelimiters(levelBDelimiters)
	}
	r.nseg++
	r.curTag = ""
	if ok, _ := r.ensure(3); ok && isUpperAlnum(r.buf[r.pos]) && isUpperAlnum(r.buf[r.pos+1]) && isUpperAlnum(r.buf[r.pos+2]) &&
		(r.end-r.pos == 3 || !isUpperAlnum(r.buf[r.pos+3])) {
		r.curTag = unsafe.String(&r.buf[r.pos], 3) // for the errors of findEnd
	}
	r.env.segPending = true
	segEnd, next, err := r.findEnd(outside)
	if err != nil {
		return false, err
	}
	raw := r.buf[r.pos:segEnd]
	if r.lineMode && len(raw) > 0 && raw[len(raw)-1] == '\r' {
		raw = raw[:len(raw)-1]
	}
	offset := r.base + int64(r.pos)
	if err := r.checkTag(raw, offset); err != nil {
		return false, err
	}
	r.curTag = unsafe.String(&raw[0], 3) // the blocks of buf are never written again
	if r.curTag == "UNB" {
		if err := r.beginInterchange(raw, offset); err != nil {
			return false, err
		}
	}
	r.slowUsed = false
	resume, err := r.split(seg, raw, offset)
	if err != nil {
		return false, err
	}
	if resume >= 0 {
		next = r.pos + resume
	}
	if r.slowUsed {
		r.line += bytes.Count(r.buf[r.pos:next], []byte{'\n'})
	} else if r.lineMode && next > segEnd {
		r.line++ // the line break that ends the segment
	}
	r.pos = next
	return true, nil
}

// checkTag checks that the segment starts with a tag of three upper-case
// letters or digits, followed by a data element separator or nothing.
func (r *Reader) checkTag(raw []byte, offset int64) error {
	n := 0
	for n < len(raw) && n < 4 && isUpperAlnum(raw[n]) {
		n++
	}
	if n == 3 && (len(raw) == 3 || raw[3] == r.delims.Element) {
		return nil
	}
	shown := raw
	if len(shown) > 12 {
		shown = shown[:12]
	}
	msg := fmt.Sprintf("segment %q does not start with a tag of three upper-case letters or digits", shown)
	if n == 3 && raw[3] == r.delims.Component {
		msg = fmt.Sprintf("segment tag %q has components (nesting indicators are not supported)", raw[:3])
	}
	return r.syntaxError(r.placeOffset(offset), msg)
}

// beginInterchange sets the character set (and, without UNA, the default
// repetition separator) from the syntax identifier of a UNB segment, read
// from its raw bytes before the segment is decoded.
func (r *Reader) beginInterchange(raw []byte, offset int64) error {
	d := r.delims
	id, version := raw, []byte(nil)
	if len(id) > 4 {
		id = id[4:]
	}
	if i := bytes.IndexAny(id, string([]byte{d.Element, d.Segment})); i >= 0 {
		id = id[:i]
	}
	if i := bytes.IndexByte(id, d.Component); i >= 0 {
		id, version = id[:i], id[i+1:]
		if j := bytes.IndexByte(version, d.Component); j >= 0 {
			version = version[:j]
		}
	}
	switch {
	case r.hadUNA:
	case d == levelBDelimiters && string(version) >= "4":
		d.Repetition = 0x1e // IS2
		r.setDelimiters(d)
	case d != levelBDelimiters:
		r.setDelimiters(defaultsFor(string(version)))
	}
	if !r.setCharset(string(id)) {
		place := r.placeOffset(offset)
		place.Tag, place.Element, place.Component = "UNB", 1, 1
		if err := r.fault(FaultUnknownSyntax, place, fmt.Sprintf("unknown syntax identifier %q: text is read as UTF-8 where valid, else Windows-1252", id)); err != nil {
			return err
		}
	}
	return nil
}

// errPlace is where a fault is, before it becomes a SyntaxError.
type errPlace struct {
	offset    int64
	line      int
	inSegment bool
	Tag       string
	Element   int
	Component int
}

func (r *Reader) placeHere() errPlace { return errPlace{offset: r.base + int64(r.pos), line: r.line} }

// placeAt returns the place of buf[i], counting the line breaks before it.
func (r *Reader) placeAt(i int) errPlace {
	p := r.placeHere()
	if i > r.pos {
		p.line += bytes.Count(r.buf[r.pos:i], []byte{'\n'})
	}
	p.offset = r.base + int64(i)
	p.inSegment = true
	return p
}

// placeOffset returns the place of an input offset inside the current segment.
func (r *Reader) placeOffset(offset int64) errPlace {
	return r.placeAt(int(offset - r.base))
}

func (r *Reader) syntaxError(p errPlace, msg string) *SyntaxError {
	e := &SyntaxError{
		Offset:    p.offset,
		Line:      p.line,
		Tag:       p.Tag,
		Element:   p.Element,
		Component: p.Component,
		Msg:       msg,
	}
	r.env.locate(e, p.inSegment)
	return e
}

// fault reports a tolerable fault: as a warning if Accept has it (and returns
// nil), else as the error to return.
func (r *Reader) fault(f Fault, p errPlace, msg string) error {
	e := r.syntaxError(p, msg)
	e.Fault = f
	if r.Accept&f == 0 {
		return e
	}
	if r.faultCounts == nil {
		r.faultCounts = make(map[Fault]int)
	}
	r.faultCounts[f]++
	if r.faultCounts[f] <= MaxWarningsPerFault {
		r.warnings = append(r.warnings, e)
	}
	return nil
}

// MaxWarningsPerFault bounds the warnings a Reader keeps of each fault; at
// the end of the input one more warning says how many were left out.
const MaxWarningsPerFault = 20

// summarizeWarnings adds, at the end of the input, a warning for each fault
// that occurred more often than the Reader kept.
func (r *Reader) summarizeWarnings() {
	for _, fn := range faultNames {
		if n := r.faultCounts[fn.f]; n > MaxWarningsPerFault {
			r.warnings = append(r.warnings, &SyntaxError{
				Offset: r.base + int64(r.pos), Line: r.line, Fault: fn.f,
				Msg: fmt.Sprintf("%d more warnings of this kind (%s) left out", n-MaxWarningsPerFault, fn.name),
			})
		}
	}
}

// IsFault reports whether err is a *SyntaxError for one of the faults in f.
func IsFault(err error, f Fault) bool {
	var se *SyntaxError
	return errors.As(err, &se) && se.Fault&f != 0
}
