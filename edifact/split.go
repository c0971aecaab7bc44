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
	if _, ok := r.splitPlain(seg, raw, true); ok {
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

// maxPlainSegment bounds the segments readPlain takes: longer ones are rare
// and go the general way.
const maxPlainSegment = 4096

// readPlain reads the segment at pos in a single pass when it is plain: its
// terminator in the buffer, within maxPlainSegment bytes, and nothing in it
// but data, separators, release characters and well-formed text of the
// character set. It reports false, having changed nothing, otherwise.
func (r *Reader) readPlain(seg *Segment) bool {
	b := r.buf[r.pos:r.end]
	if limit := min(maxPlainSegment, r.MaxSegmentSize); len(b) > limit {
		b = b[:limit]
	}
	if len(b) < 4 || !isUpperAlnum(b[0]) || !isUpperAlnum(b[1]) || !isUpperAlnum(b[2]) || b[3] != r.delims.Element {
		return false
	}
	end, ok := r.splitPlain(seg, b, false)
	if !ok {
		return false
	}
	r.nseg++
	r.curTag = r.tag(b[:3])
	seg.Tag, seg.Offset = r.curTag, r.base+int64(r.pos)
	r.pos += end + 1
	return true
}

// splitPlain splits b, a segment's bytes from its tag on, into seg's data and
// components, in one pass: it records where the separators are and, if the
// data needs no change, takes it from b as it is (the blocks of buf are never
// written again); else it copies it into the arena, unescaped and decoded.
// Each separator byte stays in the data, where it marks the start of a
// component. With whole set, b is the entire segment; otherwise the segment
// ends at the first terminator, whose index splitPlain returns. ok is false,
// and nothing kept, if the segment needs the careful path or b holds no
// terminator.
func (r *Reader) splitPlain(seg *Segment, b []byte, whole bool) (end int, ok bool) {
	// The bounds go straight into the slab; only the n kept are committed.
	if cap(r.comps)-len(r.comps) < len(b) {
		r.comps = make([]uint32, 0, max(compSlabSize, len(b)))
	}
	bounds := r.comps[len(r.comps) : len(r.comps)+len(b)]
	info := &r.info
	var out []byte // the arena, once the data must change
	base, run, delta := 0, 3, -3
	n := 0
	i := 3
	for {
		i, n = scanRun(b, i, info, bounds, n, delta)
		if i == len(b) {
			if !whole {
				return 0, false
			}
			break
		}
		c := b[i]
		switch uint8(info[c]) {
		case clsTerm:
			if whole {
				return 0, false
			}
			goto done
		case clsRelease:
			if i+1 == len(b) || info[b[i+1]]&infoService == 0 {
				return 0, false // the careful path reports it
			}
			if out == nil {
				out, base = r.startCopy(len(b))
			}
			out = append(out, b[run:i]...)
			run = i + 1 // the released byte is data
			i += 2
		case clsHigh:
			if c >= 0xc2 && i+1 < len(b) && b[i+1] >= 0x80 && b[i+1] <= 0xbf {
				return 0, false // maybe UTF-8 in a single-byte set: the careful path decides
			}
			if out == nil {
				out, base = r.startCopy(len(b))
			}
			out = append(out, b[run:i]...)
			out = append(out, r.high[c-0x80]...)
			run = i + 1
			i++
		case clsUTF8:
			rn, size := utf8.DecodeRune(b[i:])
			if rn == utf8.RuneError || rn < 0xa0 {
				return 0, false
			}
			i += size
			continue
		default:
			return 0, false
		}
		delta = len(out) - base - run
	}
done:
	if out == nil {
		seg.data = unsafe.String(&b[3], i-3)
	} else {
		out = append(out, b[run:i]...)
		r.arena = out
		seg.data = unsafe.String(&out[base], len(out)-base)
	}
	start := len(r.comps)
	r.comps = r.comps[:start+n]
	seg.comps = r.comps[start : start+n : start+n]
	return i, true
}

// scanRun records the separators of b from i on, up to the first byte that
// is neither data nor a separator, and returns its index and the new count
// of bounds. It is the hot loop of the Reader, kept small so that its
// variables stay in registers.
func scanRun(b []byte, i int, info *[256]uint32, bounds []uint32, n, delta int) (int, int) {
	pos := uint32(i + delta)
	rest := b[i:]
	// Four bytes at a time while none of them needs attention. Branch-free:
	// every byte writes a bound, only separators keep it.
	for len(rest) >= 4 && n+4 <= len(bounds) {
		v0, v1, v2, v3 := info[rest[0]], info[rest[1]], info[rest[2]], info[rest[3]]
		if uint8(v0|v1|v2|v3) > clsSep {
			break
		}
		w := bounds[n : n+4]
		w[0] = pos | v0&kindMask
		k := int(v0 >> infoSepShift & 1)
		w[k] = (pos + 1) | v1&kindMask
		k += int(v1 >> infoSepShift & 1)
		w[k] = (pos + 2) | v2&kindMask
		k += int(v2 >> infoSepShift & 1)
		w[k] = (pos + 3) | v3&kindMask
		n += k + int(v3>>infoSepShift&1)
		pos += 4
		rest = rest[4:]
	}
	for j, c := range rest {
		v := info[c]
		if uint8(v) > clsSep {
			return len(b) - len(rest) + j, n
		}
		bounds[n] = pos | v&kindMask
		n += int(v >> infoSepShift & 1)
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

// tag returns the segment tag of b (three bytes) as a string, without an
// allocation for tags seen before: a cache keyed by the three bytes, with a
// map behind it for the rare tags whose slot is taken.
func (r *Reader) tag(b []byte) string {
	key := uint32(b[0])<<16 | uint32(b[1])<<8 | uint32(b[2])
	slot := &r.tags[(key*2654435761)>>22]
	if slot.key == key {
		return slot.tag
	}
	if slot.key == 0 {
		slot.key, slot.tag = key, string(b)
		return slot.tag
	}
	if t, ok := r.moreTags[string(b)]; ok {
		return t
	}
	if r.moreTags == nil {
		r.moreTags = make(map[string]string)
	}
	t := string(b)
	r.moreTags[t] = t
	return t
}

// arenaString copies b into the arena and returns it as a string, without an
// allocation of its own.
func (r *Reader) arenaString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	r.reserve(len(b))
	start := len(r.arena)
	r.arena = append(r.arena, b...)
	return unsafe.String(&r.arena[start], len(b))
}

// reserve makes room for n more bytes in the arena. Bytes already handed out
// as strings are never written again: a full block is left to the garbage
// collector, not reused.
func (r *Reader) reserve(n int) {
	if cap(r.arena)-len(r.arena) >= n {
		return
	}
	r.arena = make([]byte, 0, max(arenaBlockSize, n))
}

// compSlabSize is the size of the blocks that hold the component positions
// of segments.
const compSlabSize = 64 << 10

// allocComps copies the component positions of a segment into a slab.
func (r *Reader) allocComps(bounds []uint32) []uint32 {
	n := len(bounds)
	if cap(r.comps)-len(r.comps) < n {
		r.comps = make([]uint32, 0, max(compSlabSize, n))
	}
	start := len(r.comps)
	r.comps = append(r.comps, bounds...)
	return r.comps[start : start+n : start+n]
}
