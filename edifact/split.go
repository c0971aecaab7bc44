package edifact

import (
	"unicode/utf8"
	"unsafe"
)

// split breaks a segment's bytes into seg's tag and elements. resume is -1,
// or the index in raw where reading must go on because the segment really
// ends before (see splitSlow).
func (r *Reader) split(seg *Segment, raw []byte, offset int64) (resume int, err error) {
	*seg = Segment{Tag: r.curTag, Offset: offset}
	if len(raw) == 3 {
		return -1, nil
	}
	if data, comps, _, ok := r.splitPlain(raw, true); ok {
		seg.data, seg.comps = data, comps
		return -1, nil
	}
	r.slowUsed = true
	cutAt, resume, err := r.splitSlow(seg, raw, offset)
	if err != nil || cutAt < 0 {
		return -1, err
	}
	_, err = r.split(seg, raw[:cutAt], offset)
	return resume, err
}

// maxPlainSegment bounds the segments readFast takes: longer ones are rare
// and go the general way.
const maxPlainSegment = 4096

// readFast reads the segment at pos, after the line breaks that may stand
// before it, when it is a plain data segment of the open message (see
// splitPlain) whose terminator is in the buffer within maxPlainSegment bytes.
// It is the Reader's hot path. It reports false, having read nothing but line
// breaks, otherwise.
func (r *Reader) readFast(seg *Segment) bool {
	buf, pos := r.buf[:r.end], r.pos
	for pos < len(buf) && (buf[pos] == '\n' || buf[pos] == '\r') {
		if buf[pos] == '\n' {
			r.line++
		}
		pos++
	}
	r.pos = pos
	b := buf[pos:]
	if limit := min(maxPlainSegment, r.MaxSegmentSize); len(b) > limit {
		b = b[:limit]
	}
	if len(b) < 5 || !isUpperAlnum(b[0]) || !isUpperAlnum(b[1]) || !isUpperAlnum(b[2]) || b[3] != r.delims.Element ||
		b[0] == 'U' && b[1] == 'N' { // service segments go the general way
		return false
	}
	data, comps, n, ok := r.splitPlain(b, false)
	if !ok {
		return false
	}
	r.pos = pos + n + 1
	r.nseg++
	r.env.msgSegs++
	*seg = Segment{Tag: unsafe.String(&b[0], 3), Offset: r.base + int64(pos), data: data, comps: comps}
	return true
}

// splitPlain splits b, a segment's bytes from its tag on, into its data and
// component positions, in one pass: it records where the separators are and,
// if the data needs no change, takes it from b as it is (the blocks of buf
// are never written again); else it copies it into the arena, unescaped and
// decoded. Each separator byte stays in the data, where it marks the start
// of a component. With whole set, b is the entire segment; otherwise the
// segment ends at the first terminator, whose index splitPlain returns. ok is
// false, and nothing kept, if the segment needs the careful path or b holds
// no terminator.
func (r *Reader) splitPlain(b []byte, whole bool) (data string, comps []uint32, end int, ok bool) {
	// The bounds go straight into the slab; only the n kept are committed.
	if len(r.comps)-r.compsUsed < len(b) {
		r.newCompSlab(len(b))
	}
	bounds := r.comps[r.compsUsed : r.compsUsed+len(b)]
	info := &r.info
	var out []byte // the arena, once the data must change
	base, run, delta := 0, 3, -3
	n := 0
	i := 3
	for {
		i, n = scanRun(b, i, info, bounds, n, delta)
		if i == len(b) {
			if !whole {
				return "", nil, 0, false
			}
			break
		}
		c := b[i]
		switch uint8(info[c]) {
		case clsTerm:
			if whole {
				return "", nil, 0, false
			}
			goto done
		case clsRelease:
			if i+1 == len(b) || !isService(info[b[i+1]]) {
				return "", nil, 0, false // the careful path reports it
			}
			if out == nil {
				out, base = r.startCopy(len(b))
			}
			out = append(out, b[run:i]...)
			run = i + 1 // the released byte is data
			i += 2
		case clsHigh:
			if c >= 0xc2 && i+1 < len(b) && b[i+1] >= 0x80 && b[i+1] <= 0xbf {
				return "", nil, 0, false // maybe UTF-8 in a single-byte set: the careful path decides
			}
			if out == nil {
				out, base = r.startCopy(len(b))
			}
			out = append(out, b[run:i]...)
			out = append(out, r.cs.high[c-0x80]...)
			run = i + 1
			i++
		case clsUTF8:
			rn, size := utf8.DecodeRune(b[i:])
			if rn == utf8.RuneError || rn < 0xa0 {
				return "", nil, 0, false
			}
			i += size
			continue
		default:
			return "", nil, 0, false
		}
		delta = len(out) - base - run
	}
done:
	if i-3 > maxDataSize {
		return "", nil, 0, false // the careful path reports it
	}
	if out == nil {
		data = unsafe.String(&b[3], i-3)
	} else {
		out = append(out, b[run:i]...)
		r.arena = out
		data = unsafe.String(&out[base], len(out)-base)
	}
	return data, r.commitComps(n), i, true
}

// scanRun records the separators of b from i on, up to the first byte that
// is neither data nor a separator, and returns its index and the new count
// of bounds. It is the hot loop of the Reader, kept small so that its
// variables stay in registers.
func scanRun(b []byte, i int, info *[256]uint32, bounds []uint32, n, delta int) (int, int) {
	// Each byte's entry in info is 0 for data and, for a separator, the
	// component entry less the position: adding the position (plus one: the
	// component starts after its separator, whose class is 1) gives the
	// entry. Every byte writes one; only separators (bit 31) keep theirs.
	pos := uint32(i + delta)
	rest := b[i:]
	for len(rest) >= 4 && n+4 <= len(bounds) {
		v0, v1, v2, v3 := info[rest[0]], info[rest[1]], info[rest[2]], info[rest[3]]
		if uint8(v0|v1|v2|v3) > clsSep {
			break
		}
		w := bounds[n : n+4]
		w[0] = pos + v0
		k := int(v0 >> 31)
		w[k] = pos + 1 + v1
		k += int(v1 >> 31)
		w[k] = pos + 2 + v2
		k += int(v2 >> 31)
		w[k] = pos + 3 + v3
		n += k + int(v3>>31)
		pos += 4
		rest = rest[4:]
	}
	for j, c := range rest {
		v := info[c]
		if uint8(v) > clsSep {
			return len(b) - len(rest) + j, n
		}
		bounds[n] = pos + v
		n += int(v >> 31)
		pos++
	}
	return len(b), n
}

// startCopy begins copying a segment's data into the arena. Until the
// segment is done, r.arena is left as it is: a segment given up leaves its
// bytes past the arena's length, to be written over.
func (r *Reader) startCopy(size int) (out []byte, base int) {
	r.reserve(2 * size)
	return r.arena, len(r.arena)
}

// reserve makes room for n more bytes in the arena. Bytes already handed out
// as strings are never written again: a full block is left to the garbage
// collector, not reused.
func (r *Reader) reserve(n int) {
	if cap(r.arena)-len(r.arena) >= n {
		return
	}
	size := min(max(2*cap(r.arena), firstArenaSize), arenaBlockSize)
	r.arena = make([]byte, 0, max(size, n))
}

// The blocks that hold the component positions of segments grow from
// firstCompSlab to compSlabSize entries.
const (
	firstCompSlab = 512
	compSlabSize  = 64 << 10
)

// newCompSlab starts a block of component positions with room for n. Its
// length is its capacity; compsUsed counts what is handed out, so that
// taking a part costs no write to a slice header (and no write barrier).
func (r *Reader) newCompSlab(n int) {
	size := min(max(2*len(r.comps), firstCompSlab), compSlabSize)
	r.comps = make([]uint32, max(size, n))
	r.compsUsed = 0
}

// commitComps hands out the n component positions written at compsUsed,
// with the counts of their occurrences.
func (r *Reader) commitComps(n int) []uint32 {
	start := r.compsUsed
	r.compsUsed += n
	comps := r.comps[start : start+n : start+n]
	if n > 8 { // short segments are as quick to walk as to count
		countOccurrences(comps)
	}
	return comps
}
