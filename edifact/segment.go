package edifact

import (
	"iter"
	"strings"
)

// A Segment is a tag and its data elements.
//
// Its data is held compactly: one string with every component, decoded to
// UTF-8 and unescaped, each after one separator byte, and an entry per
// component saying where it starts. Element, Value, Len and Components read
// it without allocating; NewSegment builds one.
type Segment struct {
	Tag    string
	Offset int64 // byte offset of the tag in the input (segments from a Reader)

	data  string   // each component, preceded by one separator byte
	comps []uint32 // an entry per component, see below
}

// An entry of Segment.comps describes one component. Its low 20 bits hold
// where the component starts in data (just after its separator byte); bits
// 29 and 30 its kind, that is the separator before it; bit 31 is always set
// (the Reader's scanner adds the entry this way); and the bits between hold,
// for the first component of an occurrence, the number of components of the
// occurrence (0 if unknown or more than countMax), so that elements are
// found without looking at every component.
const (
	sepElement    uint32 = 1<<31 | 0<<29 // starts a data element
	sepComponent  uint32 = 1<<31 | 1<<29 // continues the element
	sepRepetition uint32 = 1<<31 | 2<<29 // starts a further occurrence of the element
	kindMask             = 1<<31 | 3<<29
	posBits              = 20
	posMask              = 1<<posBits - 1
	countShift           = posBits
	countMax             = 1<<(29-posBits) - 1
	countMask            = countMax << countShift
)

// maxDataSize is the largest segment data the entries can address.
const maxDataSize = posMask

// countOccurrences writes into the first entry of each occurrence the
// number of its components.
func countOccurrences(comps []uint32) {
	start := 0
	for k := 1; k <= len(comps); k++ {
		if k < len(comps) && comps[k]&kindMask == sepComponent {
			continue
		}
		if n := k - start; n <= countMax {
			comps[start] = comps[start]&^countMask | uint32(n)<<countShift
		}
		start = k
	}
}

// occurrenceEnd returns the index after the last component of the
// occurrence that starts at k.
func occurrenceEnd(comps []uint32, k int) int {
	if n := int(comps[k] & countMask >> countShift); n > 0 {
		return k + n
	}
	end := k + 1
	for end < len(comps) && comps[end]&kindMask == sepComponent {
		end++
	}
	return end
}

// NewSegment returns a segment from its tag and its elements, each given as
// its components.
func NewSegment(tag string, elements ...[]string) Segment {
	n, size := 0, 0
	for _, e := range elements {
		n += max(1, len(e))
		for _, c := range e {
			size += 1 + len(c)
		}
	}
	var b strings.Builder
	b.Grow(size + len(elements))
	comps := make([]uint32, 0, n)
	for _, e := range elements {
		b.WriteByte('+')
		comps = append(comps, uint32(b.Len())|sepElement)
		for j, c := range e {
			if j > 0 {
				b.WriteByte(':')
				comps = append(comps, uint32(b.Len())|sepComponent)
			}
			b.WriteString(c)
		}
	}
	countOccurrences(comps)
	return Segment{Tag: tag, data: b.String(), comps: comps}
}

// WithRepeat returns a copy of s with one more occurrence of data element i
// (from 0; it must exist): a repetition, as syntax version 4 allows.
func (s Segment) WithRepeat(i int, components ...string) Segment {
	out := Segment{Tag: s.Tag, Offset: s.Offset}
	elem := -1
	for k, c := range s.comps {
		kind := c & kindMask
		if kind == sepComponent {
			continue
		}
		if kind == sepElement {
			if elem == i {
				out = out.appendOccurrence(sepRepetition, components)
			}
			elem++
		}
		out = out.appendOccurrence(kind, s.occurrenceAt(k).Components())
	}
	if elem == i {
		out = out.appendOccurrence(sepRepetition, components)
	}
	return out
}

func (s Segment) appendOccurrence(kind uint32, components []string) Segment {
	data := []byte(s.data)
	comps := append([]uint32(nil), s.comps...)
	data = append(data, '+')
	comps = append(comps, uint32(len(data))|kind)
	for j, c := range components {
		if j > 0 {
			data = append(data, ':')
			comps = append(comps, uint32(len(data))|sepComponent)
		}
		data = append(data, c...)
	}
	countOccurrences(comps)
	s.data, s.comps = string(data), comps
	return s
}

// Len returns the number of data elements after the tag.
func (s Segment) Len() int {
	n := 0
	for k := 0; k < len(s.comps); k = occurrenceEnd(s.comps, k) {
		if s.comps[k]&kindMask == sepElement {
			n++
		}
	}
	return n
}

// Element returns data element i (from 0, the first after the tag), its first
// occurrence if it repeats; an empty Element if the segment has fewer.
func (s Segment) Element(i int) Element {
	for k := 0; k < len(s.comps); k = occurrenceEnd(s.comps, k) {
		if s.comps[k]&kindMask != sepElement {
			continue
		}
		if i == 0 {
			return s.occurrenceAt(k)
		}
		i--
	}
	return Element{}
}

// occurrenceAt returns the occurrence that starts at component k.
func (s Segment) occurrenceAt(k int) Element {
	end := occurrenceEnd(s.comps, k)
	return Element{data: s.data, comps: s.comps[k:end:end], end: s.endOf(end - 1)}
}

// endOf returns where component k ends in data: before the next one's
// separator, or at the end.
func (s Segment) endOf(k int) int {
	if k+1 >= len(s.comps) {
		return len(s.data)
	}
	return int(s.comps[k+1]&posMask) - 1
}

// Value returns component j of data element i (both from 0), or "". It is
// Element(i).Component(j) without building the Element: mappings call it
// for nearly every value they read.
func (s Segment) Value(i, j int) string {
	v, _ := s.Locate(i, j)
	return v
}

// Locate returns component j of data element i (both from 0) and its
// index among all the segment's components, in the order Components
// yields them; "" and -1 if the segment has no such component. A consumer
// that must account for every component it did not read keeps the indexes.
func (s Segment) Locate(i, j int) (value string, index int) {
	comps := s.comps
	for k := 0; k < len(comps); {
		end := occurrenceEnd(comps, k)
		if comps[k]&kindMask == sepElement {
			if i == 0 {
				if j < 0 || j >= end-k {
					return "", -1
				}
				return s.data[comps[k+j]&posMask : s.endOf(k+j)], k + j
			}
			i--
		}
		k = end
	}
	return "", -1
}

// Occurrences returns every occurrence of data element i: the first and its
// repetitions.
func (s Segment) Occurrences(i int) []Element {
	var occs []Element
	for e, occ := range s.All() {
		if e == i {
			occs = append(occs, occ)
		}
		if e > i {
			break
		}
	}
	return occs
}

// All yields every occurrence of every data element with the element's index
// (from 0): once per element, or, for an element that repeats (syntax
// version 4), once per occurrence with the same index.
func (s Segment) All() iter.Seq2[int, Element] {
	return func(yield func(int, Element) bool) {
		comps := s.comps
		i := -1
		for k := 0; k < len(comps); {
			end := occurrenceEnd(comps, k)
			if comps[k]&kindMask != sepRepetition {
				i++
			}
			if !yield(i, Element{data: s.data, comps: comps[k:end:end], end: s.endOf(end - 1)}) {
				return
			}
			k = end
		}
	}
}

// A Position is the place of a component in its segment: the index of its
// data element and its index within the element's occurrence, both from 0.
type Position struct {
	Element, Component int
}

// Components yields every component of the segment in order, with its
// position; the occurrences of a repeating element (syntax version 4) give
// the same element index again, their components counted from 0. It is the
// quickest way to visit all of a segment's data.
func (s Segment) Components() iter.Seq2[Position, string] {
	return func(yield func(Position, string) bool) {
		p := Position{Element: -1}
		comps, data := s.comps, s.data
		for k, c := range comps {
			switch c & kindMask {
			case sepElement:
				p.Element++
				p.Component = 0
			case sepRepetition:
				p.Component = 0
			default:
				p.Component++
			}
			end := len(data)
			if k+1 < len(comps) {
				end = int(comps[k+1]&posMask) - 1
			}
			if !yield(p, data[c&posMask:end]) {
				return
			}
		}
	}
}

// Equal reports whether two segments have the same tag and data, ignoring
// offsets and trailing empty elements and components (which carry nothing).
func (s Segment) Equal(t Segment) bool {
	if s.Tag != t.Tag {
		return false
	}
	a, b := s.trimmedOccurrences(), t.trimmedOccurrences()
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].repeat != b[i].repeat || !a[i].Element.Equal(b[i].Element) {
			return false
		}
	}
	return true
}

type occurrence struct {
	Element
	repeat bool
}

// trimmedOccurrences lists the occurrences without the trailing empty
// elements.
func (s Segment) trimmedOccurrences() []occurrence {
	var occs []occurrence
	for k, c := range s.comps {
		if c&kindMask != sepComponent {
			occs = append(occs, occurrence{s.occurrenceAt(k), c&kindMask == sepRepetition})
		}
	}
	n := len(occs)
	for n > 0 && occs[n-1].IsEmpty() {
		n--
	}
	return occs[:n]
}

// String returns the segment in the default syntax (":+?'", and '*' if an
// element repeats), escaped, without character set conversion: for logs and
// tests.
func (s Segment) String() string {
	d := DefaultDelimiters
	for _, c := range s.comps {
		if c&kindMask == sepRepetition {
			d.Repetition = '*'
		}
	}
	sw := newSegmentWriter(d, nil)
	b, _ := sw.appendSegment(nil, s)
	return string(b)
}

// An Element is one occurrence of a data element: its components, one for a
// simple data element, several for a composite. Text is decoded to UTF-8 and
// unescaped.
type Element struct {
	data  string
	comps []uint32 // its components, as in Segment
	end   int      // where its last component ends in data
}

// Len returns the number of components.
func (e Element) Len() int { return len(e.comps) }

// Component returns component j (from 0), or "" if the element has fewer.
func (e Element) Component(j int) string {
	if j < 0 || j >= len(e.comps) {
		return ""
	}
	start := int(e.comps[j] & posMask)
	end := e.end
	if j+1 < len(e.comps) {
		end = int(e.comps[j+1]&posMask) - 1
	}
	return e.data[start:end]
}

// Value returns the first component: the value of a simple data element.
func (e Element) Value() string { return e.Component(0) }

// Components returns the components as a slice (allocated).
func (e Element) Components() []string {
	out := make([]string, len(e.comps))
	for j := range out {
		out[j] = e.Component(j)
	}
	return out
}

// IsEmpty reports whether every component is empty.
func (e Element) IsEmpty() bool {
	for j := range e.comps {
		if e.Component(j) != "" {
			return false
		}
	}
	return true
}

// Equal reports whether two elements have the same components, ignoring
// trailing empty ones.
func (e Element) Equal(f Element) bool {
	n, m := e.trimmedLen(), f.trimmedLen()
	if n != m {
		return false
	}
	for j := 0; j < n; j++ {
		if e.Component(j) != f.Component(j) {
			return false
		}
	}
	return true
}

func (e Element) trimmedLen() int {
	n := len(e.comps)
	for n > 0 && e.Component(n-1) == "" {
		n--
	}
	return n
}

// String returns the components joined by ':', unescaped: for logs and tests.
func (e Element) String() string { return strings.Join(e.Components(), ":") }
