package edifact

import (
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"
)

// A Writer writes EDIFACT segments. It escapes data with the release
// character, encodes it to the character set that the UNB declares (a
// character the set cannot represent is an error, never a '?'), writes a UNA
// when the delimiters are not the defaults, and fills in the control counts
// and references of UNT, UNE and UNZ itself.
//
// Writes are buffered: call Flush (or EndInterchange, which flushes) to hand
// them to the underlying writer, and check Error.
//
// Set the exported fields before the first write.
type Writer struct {
	// Delimiters to write with. The zero value means the defaults of the
	// interchange's syntax version (see DefaultDelimiters).
	Delimiters Delimiters
	// AlwaysUNA writes a UNA even when the delimiters are the defaults.
	AlwaysUNA bool
	// LineBreak is written after each segment terminator: "", "\n" or "\r\n".
	LineBreak string
	// Syntax is the syntax identifier for message-only output, without UNB
	// (default DefaultSyntax).
	Syntax string

	out     io.Writer
	buf     []byte // segments written, not yet handed to out
	sw      segmentWriter
	err     error
	flushed int64 // bytes handed to out so far
	nseg    int   // segments written so far

	interchange, group, message bool
	unaDone                     bool // the UNA for the current interchange or message-only output is written
	icGroups                    bool
	unbRef, ungRef, unhRef      string
	icCount, grpCount, msgSegs  int
	msgIndex                    int
}

// NewWriter returns a Writer that writes to w.
func NewWriter(w io.Writer) *Writer {
	return &Writer{out: w, buf: make([]byte, 0, writeBufferSize+4<<10)}
}

// writeBufferSize is how much a Writer collects before it writes to the
// underlying writer.
const writeBufferSize = 64 << 10

// Error returns the first error that occurred while writing or flushing.
func (w *Writer) Error() error { return w.err }

// Flush writes any buffered data to the underlying writer.
func (w *Writer) Flush() error {
	if w.err != nil {
		return w.err
	}
	n, err := w.out.Write(w.buf)
	w.flushed += int64(n)
	w.buf = w.buf[:0]
	if err != nil {
		w.err = fmt.Errorf("edifact: write: %w", err)
	}
	return w.err
}

// BeginInterchange writes the UNA (if needed) and the UNB of h.
func (w *Writer) BeginInterchange(h InterchangeHeader) error { return w.WriteSegment(h.Segment()) }

// BeginGroup writes the UNG of g.
func (w *Writer) BeginGroup(g GroupHeader) error { return w.WriteSegment(g.Segment()) }

// BeginMessage writes the UNH of h.
func (w *Writer) BeginMessage(h MessageHeader) error { return w.WriteSegment(h.Segment()) }

// EndMessage writes the UNT of the open message, with its segment count.
func (w *Writer) EndMessage() error { return w.WriteSegment(Segment{Tag: "UNT"}) }

// EndGroup writes the UNE of the open group, with its message count.
func (w *Writer) EndGroup() error { return w.WriteSegment(Segment{Tag: "UNE"}) }

// EndInterchange writes the UNZ of the open interchange and flushes.
func (w *Writer) EndInterchange() error {
	if err := w.WriteSegment(Segment{Tag: "UNZ"}); err != nil {
		return err
	}
	return w.Flush()
}

// WriteMessage writes the segments of m (a UNT is added if m lacks one).
func (w *Writer) WriteMessage(m *Message) error {
	for _, seg := range m.Segments {
		if err := w.WriteSegment(seg); err != nil {
			return err
		}
	}
	if w.message {
		return w.EndMessage()
	}
	return nil
}

// WriteSegment writes one segment. Envelope segments must nest (UNB, UNG,
// UNH ... UNT, UNE, UNZ; UNB and UNG may be left out); the count and
// reference of a UNT, UNE or UNZ are replaced by the right ones.
func (w *Writer) WriteSegment(seg Segment) error {
	if w.err != nil {
		return w.err
	}
	trailer, err := w.envelope(&seg)
	if err != nil {
		return w.fail(err)
	}
	w.nseg++
	start := len(w.buf)
	var out []byte
	var serr *SyntaxError
	if trailer.tag != "" {
		out, serr = w.sw.appendTrailer(w.buf, trailer)
	} else {
		out, serr = w.sw.appendSegment(w.buf, seg)
	}
	if serr != nil {
		w.buf = out[:start]
		serr.Offset += w.flushed + int64(start)
		serr.Segment = w.nseg
		if w.message || seg.Tag == "UNT" {
			serr.Message, serr.MessageRef, serr.MsgSegment = w.msgIndex, w.unhRef, w.msgSegs
		}
		serr.Msg = "write: " + serr.Msg
		w.nseg--
		return w.fail(serr)
	}
	if w.LineBreak != "" {
		out = append(out, w.LineBreak...)
	}
	w.buf = out
	if len(w.buf) >= writeBufferSize {
		return w.Flush()
	}
	return nil
}

// write adds b to what is written.
func (w *Writer) write(b []byte) error {
	w.buf = append(w.buf, b...)
	return nil
}

func (w *Writer) fail(err error) error {
	w.err = err
	return err
}

func (w *Writer) usage(seg *Segment, format string, args ...any) error {
	return fmt.Errorf("edifact: write segment %d %s: %s", w.nseg+1, seg.Tag, fmt.Sprintf(format, args...))
}

// envelope checks the nesting of seg, fills in trailer counts and
// references, and writes the UNA before a UNB (or before the first UNH of
// message-only output).
func (w *Writer) envelope(seg *Segment) (trailer, error) {
	if !isTag(seg.Tag) {
		return trailer{}, w.usage(seg, "tag %q is not three upper-case letters or digits", seg.Tag)
	}
	if seg.Tag[0] != 'U' || seg.Tag[1] != 'N' { // a data segment: the usual case
		if !w.message {
			return trailer{}, w.usage(seg, "segment outside a message (BeginMessage first)")
		}
		w.msgSegs++
		return trailer{}, nil
	}
	switch seg.Tag {
	case "UNB":
		if w.interchange {
			return trailer{}, w.usage(seg, "interchange %s is still open (EndInterchange first)", w.unbRef)
		}
		h, err := parseInterchangeHeader(*seg)
		if err != nil {
			return trailer{}, w.usage(seg, "%v", err)
		}
		if err := w.begin(h.SyntaxID, h.SyntaxVersion); err != nil {
			return trailer{}, w.usage(seg, "%v", err)
		}
		w.interchange, w.icGroups, w.icCount, w.unbRef = true, false, 0, h.ControlRef
	case "UNG":
		if !w.interchange || w.message || w.group || (w.icCount > 0 && !w.icGroups) {
			return trailer{}, w.usage(seg, "a group must stand in an interchange, outside messages and other groups, and not after ungrouped messages")
		}
		g, err := parseGroupHeader(*seg)
		if err != nil {
			return trailer{}, w.usage(seg, "%v", err)
		}
		w.group, w.icGroups, w.grpCount, w.ungRef = true, true, 0, g.Ref
	case "UNH":
		if w.message {
			return trailer{}, w.usage(seg, "message %s is still open (EndMessage first)", w.unhRef)
		}
		if w.icGroups && !w.group {
			return trailer{}, w.usage(seg, "this interchange uses groups: BeginGroup first")
		}
		h, err := parseMessageHeader(*seg)
		if err != nil {
			return trailer{}, w.usage(seg, "%v", err)
		}
		if !w.interchange && !w.unaDone {
			if err := w.begin(w.Syntax, ""); err != nil {
				return trailer{}, w.usage(seg, "%v", err)
			}
		}
		w.message, w.msgSegs, w.unhRef = true, 1, h.Ref
		w.msgIndex++
	case "UNT":
		if !w.message {
			return trailer{}, w.usage(seg, "no message is open")
		}
		w.msgSegs++
		w.message = false
		if w.group {
			w.grpCount++
		} else {
			w.icCount++
		}
		return w.trailer(seg, w.msgSegs, w.unhRef)
	case "UNE":
		if !w.group || w.message {
			return trailer{}, w.usage(seg, "no group is open, or a message in it is")
		}
		w.group = false
		w.icCount++
		return w.trailer(seg, w.grpCount, w.ungRef)
	case "UNZ":
		if !w.interchange || w.message || w.group {
			return trailer{}, w.usage(seg, "no interchange is open, or a message or group in it is")
		}
		w.interchange, w.unaDone = false, false
		return w.trailer(seg, w.icCount, w.unbRef)
	default:
		if !w.message {
			return trailer{}, w.usage(seg, "segment outside a message (BeginMessage first)")
		}
		w.msgSegs++
	}
	return trailer{}, nil
}

// begin sets the character set and delimiters for an interchange (or for
// message-only output) and writes the UNA if it is needed.
func (w *Writer) begin(syntaxID, version string) error {
	if syntaxID == "" {
		syntaxID = DefaultSyntax
	}
	cs, ok := lookupCharset(syntaxID)
	if !ok {
		return fmt.Errorf("cannot encode to the unknown syntax identifier %q", syntaxID)
	}
	d := w.Delimiters
	if d == (Delimiters{}) {
		d = defaultsFor(version)
	}
	if err := d.validate(); err != nil {
		return err
	}
	w.sw = newSegmentWriter(d, cs)
	w.unaDone = true
	if w.AlwaysUNA || !d.isDefault(version) {
		una := append(d.una(), w.LineBreak...)
		return w.write(una)
	}
	return nil
}

// A trailer is a UNT, UNE or UNZ to write: its count and reference.
type trailer struct {
	tag   string
	count int
	ref   string
}

// trailer returns what to write for a UNT, UNE or UNZ: the trailer, or, if
// seg carries further elements (which the Writer keeps), seg with its count
// and reference set.
func (w *Writer) trailer(seg *Segment, count int, ref string) (trailer, error) {
	if seg.Len() > 2 {
		*seg = withControl(*seg, count, ref)
		return trailer{}, nil
	}
	return trailer{seg.Tag, count, ref}, nil
}

// withControl returns a trailer with its count and reference set, keeping
// any further elements.
func withControl(seg Segment, count int, ref string) Segment {
	elems := [][]string{{strconv.Itoa(count)}, {ref}}
	for i := 2; i < seg.Len(); i++ {
		elems = append(elems, seg.Element(i).Components())
	}
	return NewSegment(seg.Tag, elems...)
}

func isTag(t string) bool {
	return len(t) == 3 && isUpperAlnum(t[0]) && isUpperAlnum(t[1]) && isUpperAlnum(t[2])
}

// segmentWriter turns segments into bytes for one set of delimiters and one
// character set.
type segmentWriter struct {
	d     Delimiters
	cs    *charset  // nil: text is written as it is (UTF-8), for String
	plain [256]bool // bytes written as they are: no escape, no conversion
}

func newSegmentWriter(d Delimiters, cs *charset) segmentWriter {
	sw := segmentWriter{d: d, cs: cs}
	for c := 0; c < 256; c++ {
		sw.plain[c] = cs == nil || cs.fits(byte(c))
	}
	for _, c := range []byte{d.Component, d.Element, d.Release, d.Repetition, d.Segment} {
		if c != 0 {
			sw.plain[c] = false
		}
	}
	return sw
}

// appendSegment appends seg, terminated, to dst. Trailing empty elements and
// components carry nothing and are left out: separators are written as they
// come and cut off again when no data follows them. An error's Offset is
// relative to the start of the segment.
func (sw *segmentWriter) appendSegment(dst []byte, seg Segment) ([]byte, *SyntaxError) {
	start := len(dst)
	dst = append(dst, seg.Tag...)
	lastData := len(dst) // where the last data written ends
	occ := len(dst)      // just after the separator of the current occurrence
	elem, comp := 0, 0
	data, comps := seg.data, seg.comps
	for k, c := range comps {
		switch c & kindMask {
		case sepComponent:
			comp++
			dst = append(dst, sw.d.Component)
		case sepElement:
			elem, comp = elem+1, 1
			dst = append(dst[:max(occ, lastData)], sw.d.Element) // without the empty components before
			occ = len(dst)
		default:
			if sw.d.Repetition == 0 {
				return dst, sw.locate(&SyntaxError{Msg: "element repeats, but the syntax has no repetition separator"}, dst, start, seg.Tag, elem)
			}
			comp = 1
			dst = append(dst[:max(occ, lastData)], sw.d.Repetition)
			occ = len(dst)
		}
		end := len(data)
		if k+1 < len(comps) {
			end = int(comps[k+1]&posMask) - 1
		}
		text := data[c&posMask : end]
		if text == "" {
			continue
		}
		i := 0
		for i < len(text) && sw.plain[text[i]] {
			i++
		}
		if i == len(text) { // the usual case: nothing to escape or encode
			dst = append(dst, text...)
		} else {
			var err *SyntaxError
			if dst, err = sw.appendText(dst, text); err != nil {
				err.Component = comp
				return dst, sw.locate(err, dst, start, seg.Tag, elem)
			}
		}
		lastData = len(dst)
	}
	return append(dst[:lastData], sw.d.Segment), nil
}

// appendTrailer appends a UNT, UNE or UNZ with its count and reference.
func (sw *segmentWriter) appendTrailer(dst []byte, t trailer) ([]byte, *SyntaxError) {
	dst = append(dst, t.tag...)
	dst = append(dst, sw.d.Element)
	dst = strconv.AppendInt(dst, int64(t.count), 10)
	if t.ref != "" {
		dst = append(dst, sw.d.Element)
		var err *SyntaxError
		if dst, err = sw.appendText(dst, t.ref); err != nil {
			err.Element, err.Component, err.Tag = 2, 1, t.tag
			return dst, err
		}
	}
	return append(dst, sw.d.Segment), nil
}

func (sw *segmentWriter) locate(err *SyntaxError, dst []byte, start int, tag string, elem int) *SyntaxError {
	err.Offset = int64(len(dst) - start)
	err.Tag = tag
	err.Element = elem
	return err
}

// appendText appends one component: escaped, and encoded to the character set.
func (sw *segmentWriter) appendText(dst []byte, s string) ([]byte, *SyntaxError) {
	plain := &sw.plain
	for i := 0; i < len(s); {
		run := i
		for i < len(s) && plain[s[i]] {
			i++
		}
		dst = append(dst, s[run:i]...)
		if i == len(s) {
			break
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		var err *SyntaxError
		if dst, err = sw.appendRune(dst, r, s[i:i+size]); err != nil {
			return dst, err
		}
		i += size
	}
	return dst, nil
}

// appendRune appends one character that is not plain: a service character,
// escaped, or one to encode.
func (sw *segmentWriter) appendRune(dst []byte, r rune, char string) ([]byte, *SyntaxError) {
	switch {
	case r < utf8.RuneSelf && sw.isService(byte(r)):
		if sw.d.Release == 0 {
			return dst, &SyntaxError{Msg: fmt.Sprintf("character %q is a separator and there is no release character to escape it", r)}
		}
		return append(dst, sw.d.Release, byte(r)), nil
	case sw.cs == nil:
		return append(dst, char...), nil
	}
	out, _, ok := sw.cs.encodeTo(dst, char)
	switch {
	case ok:
		return out, nil
	case r == utf8.RuneError && len(char) == 1:
		return dst, &SyntaxError{Msg: fmt.Sprintf("text is not valid UTF-8 (byte %s)", hexByte(char[0]))}
	}
	return dst, &SyntaxError{Msg: fmt.Sprintf("character %q (%s) cannot be written in %s (%s)", r, hexRune(r), sw.cs.id, sw.cs.name)}
}

func (sw *segmentWriter) isService(c byte) bool {
	d := sw.d
	return c == d.Component || c == d.Element || c == d.Segment || (c == d.Release && c != 0) || (c == d.Repetition && c != 0)
}
