package edifact

import (
	"fmt"
	"unsafe"
)

// slowScratch is reused by splitSlow for every segment that needs it.
type slowScratch struct {
	data   []byte     // unescaped bytes of the segment
	comps  []slowComp // where each component is
	breaks []int      // indexes in raw of line breaks inside the segment
	strays []int      // indexes in raw of release characters before ordinary characters
}

// slowComp is one component found by splitSlow.
type slowComp struct {
	start, end int    // its unescaped bytes: data[start:end]
	rawStart   int    // index in raw of its first byte
	shifted    bool   // release characters or line breaks were dropped: raw offsets differ
	elem, comp int    // its position, from 1
	kind       uint32 // the separator before it: sepElement, sepComponent, sepRepetition
}

// splitSlow is the careful path of split: it removes release characters,
// checks and decodes the character set, and deals with line breaks. If the
// segment really ends early, at a line break or at a lookalike of the
// terminator (such as ’) that is followed by a segment tag, it returns where
// the segment's bytes end (cutAt) and where reading goes on (resume);
// otherwise cutAt is -1.
func (r *Reader) splitSlow(seg *Segment, raw []byte, offset int64) (cutAt, resume int, err error) {
	d := r.delims
	sc := &r.slow
	sc.data, sc.comps, sc.breaks, sc.strays = sc.data[:0], sc.comps[:0], sc.breaks[:0], sc.strays[:0]
	elem, comp := 0, 0
	for i := 3; i < len(raw); {
		c := raw[i]
		switch {
		case c == d.Element || c == d.Component || (c == d.Repetition && c != 0):
			kind := sepComponent
			switch c {
			case d.Element:
				elem, comp, kind = elem+1, 1, sepElement
			case d.Component:
				comp++
			default:
				comp, kind = 1, sepRepetition
			}
			sc.closeLast()
			sc.comps = append(sc.comps, slowComp{start: len(sc.data), rawStart: i + 1, elem: elem, comp: comp, kind: kind})
			i++
		case c == d.Release && c != 0:
			if i+1 == len(raw) {
				return -1, -1, r.syntaxError(r.placeOffset(offset+int64(i)), "release character at the end of the segment")
			}
			if !isService(r.info[raw[i+1]]) {
				sc.strays = append(sc.strays, i) // reported below, unless the segment is cut
				sc.data = append(sc.data, c)
				i++
				continue
			}
			sc.data = append(sc.data, raw[i+1])
			sc.markShifted()
			i += 2
		case c == '\r' && i+1 < len(raw) && raw[i+1] == '\n':
			i++ // decided with the '\n'
		case c == '\n' || c == '\r':
			if c == '\n' && !r.lineMode && r.looksLikeSegment(raw[i+1:]) {
				at := i
				if raw[i-1] == '\r' {
					at--
				}
				return at, i, r.cutFault(offset+int64(at), "line break", raw[i+1:i+4])
			}
			at := i
			if c == '\n' && i > 0 && raw[i-1] == '\r' {
				at-- // the line break starts at the CR
			}
			sc.breaks = append(sc.breaks, at) // reported below, unless the segment is cut
			sc.markShifted()
			i++
		default:
			if n := lookalikeLen(raw[i:], r.cs); n > 0 {
				if next := skipBreaks(raw[i+n:]); r.looksLikeSegment(next) {
					return i, i + n, r.cutFault(offset+int64(i), fmt.Sprintf("%q (a lookalike of the terminator)", raw[i:i+n]), next[:3])
				}
			}
			sc.data = append(sc.data, c)
			i++
		}
	}
	sc.closeLast()
	for _, i := range sc.breaks {
		if err := r.fault(FaultLineBreak, r.placeOffset(offset+int64(i)), "line break inside the segment"); err != nil {
			return -1, -1, err
		}
	}
	for _, i := range sc.strays {
		msg := fmt.Sprintf("release character %q before %q, which is not a service character", d.Release, raw[i+1])
		if err := r.fault(FaultStrayRelease, r.placeOffset(offset+int64(i)), msg); err != nil {
			return -1, -1, err
		}
	}
	return -1, -1, r.buildSlow(seg, raw, offset)
}

// cutFault reports a segment that ends without its terminator.
func (r *Reader) cutFault(at int64, what string, nextTag []byte) error {
	return r.fault(FaultLineTerminator, r.placeOffset(at),
		fmt.Sprintf("segment ends with a %s before %s, not with the segment terminator %q", what, nextTag, r.delims.Segment))
}

// lookalikeLen returns the length of a right single quotation mark (’) at the
// start of b, in UTF-8 or, for single-byte sets, Windows-1252; else 0.
func lookalikeLen(b []byte, cs *charset) int {
	switch {
	case len(b) >= 3 && b[0] == 0xE2 && b[1] == 0x80 && b[2] == 0x99:
		return 3
	case len(b) >= 1 && b[0] == 0x92 && !cs.utf8:
		return 1
	}
	return 0
}

// skipBreaks returns b without leading line breaks.
func skipBreaks(b []byte) []byte {
	for len(b) > 0 && (b[0] == '\r' || b[0] == '\n') {
		b = b[1:]
	}
	return b
}

func (sc *slowScratch) closeLast() {
	if n := len(sc.comps); n > 0 {
		sc.comps[n-1].end = len(sc.data)
	}
}

func (sc *slowScratch) markShifted() {
	if n := len(sc.comps); n > 0 {
		sc.comps[n-1].shifted = true
	}
}

// buildSlow makes the segment from the components splitSlow found, checking
// and decoding each by the character set into the arena.
func (r *Reader) buildSlow(seg *Segment, raw []byte, offset int64) error {
	sc := &r.slow
	if len(sc.comps) == 0 {
		return nil
	}
	r.reserve(3*len(sc.data) + len(sc.comps))
	base := len(r.arena)
	bounds := r.bounds[:0]
	for _, c := range sc.comps {
		r.arena = append(r.arena, '+')
		bounds = append(bounds, uint32(len(r.arena)-base)|c.kind)
		if err := r.decodeComponent(raw, offset, c); err != nil {
			r.arena = r.arena[:base]
			return err
		}
	}
	r.bounds = bounds
	if len(r.arena)-base > maxDataSize {
		return r.syntaxError(r.placeOffset(offset), fmt.Sprintf("segment data longer than %d bytes", maxDataSize))
	}
	seg.data = unsafe.String(&r.arena[base], len(r.arena)-base)
	if len(r.comps)-r.compsUsed < len(bounds) {
		r.newCompSlab(len(bounds))
	}
	copy(r.comps[r.compsUsed:], bounds)
	seg.comps = r.commitComps(len(bounds))
	return nil
}

// decodeComponent checks one component against the character set and
// appends it, decoded, to the arena; bytes outside the repertoire are a
// FaultCharset.
func (r *Reader) decodeComponent(raw []byte, offset int64, c slowComp) error {
	data := r.slow.data[c.start:c.end]
	if len(data) == 0 {
		return nil
	}
	bad, why := r.cs.check(data)
	fallback := bad >= 0
	if fallback {
		at := c.rawStart + bad
		if c.shifted {
			at = r.rawIndex(raw, c.rawStart, bad)
		}
		p := r.placeOffset(offset + int64(at))
		p.Tag, p.Element, p.Component = string(raw[:3]), c.elem, c.comp
		if err := r.fault(FaultCharset, p, why); err != nil {
			return err
		}
	}
	r.arena = r.cs.decode(r.arena, data, fallback)
	return nil
}

// rawIndex returns the index in raw of the k-th unescaped byte of the
// component that starts at raw[from], replaying what splitSlow dropped.
func (r *Reader) rawIndex(raw []byte, from, k int) int {
	d := r.delims
	i := from
	for n := 0; i < len(raw); n++ {
		for i < len(raw) && (raw[i] == '\r' || raw[i] == '\n') {
			i++
		}
		if i+1 < len(raw) && raw[i] == d.Release && d.Release != 0 && isService(r.info[raw[i+1]]) {
			i++
		}
		if n == k {
			return i
		}
		i++
	}
	return i
}
