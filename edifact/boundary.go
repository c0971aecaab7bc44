package edifact

import (
	"bytes"
	"fmt"
	"io"
)

// This file finds where segments end: at the terminator that is not
// released, or, in files that do it otherwise, at line breaks.

// findEnd finds the end of the segment that starts at pos: the index of its
// terminator in buf and where the next segment may start.
func (r *Reader) findEnd(outside bool) (segEnd, next int, err error) {
	term := r.delims.Segment
	if r.lineMode {
		term = '\n'
	}
	searched := 0 // bytes after pos searched for the terminator
	for {
		tRel := -1 // the terminator, relative to pos
		if t := r.findTerminator(term, r.pos+searched); t >= 0 {
			tRel = t - r.pos
		}
		if outside && !r.lineMode {
			limit := r.end - r.pos
			if tRel >= 0 {
				limit = tRel
			}
			switched, err := r.detectLineMode(limit)
			if err != nil {
				return 0, 0, err
			}
			if switched {
				return r.findEnd(outside)
			}
		}
		if tRel > r.MaxSegmentSize {
			return 0, 0, r.tooLong(term)
		}
		if tRel >= 0 {
			if r.lineMode && r.continues(tRel) {
				searched = tRel + 1
				continue
			}
			return r.pos + tRel, r.pos + tRel + 1, nil
		}
		searched = r.end - r.pos
		if searched > r.MaxSegmentSize {
			return 0, 0, r.tooLong(term)
		}
		if err := r.fill(); err != nil {
			if err != io.EOF {
				return 0, 0, r.readError(err)
			}
			return r.endOfInput(term)
		}
	}
}

// tooLong is the error for a segment longer than MaxSegmentSize.
func (r *Reader) tooLong(term byte) error {
	p := r.placeHere()
	p.inSegment = true
	e := r.syntaxError(p, fmt.Sprintf("%v: no segment terminator %q in %d bytes", ErrTooLong, term, r.MaxSegmentSize))
	e.Err = ErrTooLong
	return e
}

// continues reports, in line mode, whether the line break at tRel (relative
// to pos) is inside a UNB or UNG wrapped over two lines: only a service
// segment (UN...) may follow them, so a line that starts otherwise
// continues the segment.
func (r *Reader) continues(tRel int) bool {
	if !r.hasPrefix("UNB") && !r.hasPrefix("UNG") {
		return false
	}
	ok, err := r.ensure(tRel + 3)
	if err != nil || !ok {
		return false
	}
	next := r.buf[r.pos+tRel+1 : r.pos+tRel+3]
	return next[0] != '\r' && next[0] != '\n' && string(next) != "UN"
}

// endOfInput ends the last segment of the input, which has no terminator.
func (r *Reader) endOfInput(term byte) (segEnd, next int, err error) {
	if !r.lineMode {
		if err := r.fault(FaultUnterminatedSegment, r.placeAt(r.end), fmt.Sprintf("input ends without a segment terminator %q", term)); err != nil {
			return 0, 0, err
		}
	}
	return r.end, r.end, nil
}

// findTerminator returns the index of the first terminator at or after from
// that is not released, or -1.
func (r *Reader) findTerminator(term byte, from int) int {
	for from < r.end {
		i := bytes.IndexByte(r.buf[from:r.end], term)
		if i < 0 {
			return -1
		}
		t := from + i
		if !r.released(t) {
			return t
		}
		from = t + 1
	}
	return -1
}

// released reports whether the byte at i is escaped by a release character:
// an odd number of them stands right before it.
func (r *Reader) released(i int) bool {
	rel := r.delims.Release
	if rel == 0 || r.lineMode {
		return false
	}
	n := 0
	for j := i - 1; j >= r.pos && r.buf[j] == rel; j-- {
		n++
	}
	return n%2 == 1
}

// detectLineMode decides, for the first segment of an interchange, whether
// the segments end with line breaks instead of the terminator: a line break
// within limit bytes after pos, before any terminator, followed by what looks
// like a segment. If so it reports the fault and, when it is tolerated,
// switches to line mode and returns true.
func (r *Reader) detectLineMode(limit int) (bool, error) {
	nl := bytes.IndexByte(r.buf[r.pos:r.pos+limit], '\n')
	if nl < 0 {
		return false, nil
	}
	ok, err := r.ensure(nl + 5) // may move the buffer: nl is relative to pos
	if err != nil || !ok || !r.looksLikeSegment(r.buf[r.pos+nl+1:r.end]) {
		return false, err
	}
	err = r.fault(FaultLineTerminator, r.placeAt(r.pos+nl), fmt.Sprintf("segments end with line breaks, not with the segment terminator %q", r.delims.Segment))
	if err != nil {
		return false, err
	}
	r.lineMode = true
	return true, nil
}

// looksLikeSegment reports whether b starts with a segment tag followed by a
// data element separator.
func (r *Reader) looksLikeSegment(b []byte) bool {
	return len(b) >= 4 && isUpperAlnum(b[0]) && isUpperAlnum(b[1]) && isUpperAlnum(b[2]) &&
		(b[3] == r.delims.Element || b[3] == r.delims.Segment)
}

func isUpperAlnum(c byte) bool { return c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' }
