package mapping

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/edibridge/edibridge/edifact"
	"github.com/edibridge/edibridge/mapping/structure"
	"github.com/edibridge/edibridge/procuros"
)

// Seg is a segment of the message being mapped, with its position.
type Seg = structure.Seg

// in is the state of one message on its way to Procuros.
type in struct {
	tabs     *Tables
	t        *MessageTables
	tx       string // the Procuros transaction type the message becomes
	msg      *edifact.Message
	tree     *structure.Tree
	mark     byte   // the interchange's decimal mark
	plain    string // the documentNames value of the plain document (messageMapping.plain)
	lines    int    // line items read so far, to number those without number
	itemBuf  *itemData
	problems Problems
	reads    []uint64 // by segment position: the components read (bit k: the k-th of Components)
}

// handlers say what a level of the tree holds: segment takes its segments,
// group its groups (by trigger, the tag of the segment that starts the
// group); each reports false for what it does not map. Either may be nil.
// They are plain functions with a switch, not maps, so that a walk costs
// no allocation.
type handlers struct {
	segment func(s Seg) bool
	group   func(trigger string, g *structure.Node) bool
}

// walk hands each segment and group of node n to its handler, in order. A
// segment or group with no handler is reported as not mapped (unless the
// tables ignore it).
func (c *in) walk(n *structure.Node, h handlers) {
	for _, s := range n.Segments {
		if s.Tag == "UNH" || s.Tag == "UNT" {
			continue
		}
		if h.segment == nil || !h.segment(s) {
			c.unmapped(s, "")
		}
	}
	for _, g := range n.Children {
		if h.group == nil || !h.group(g.Segments[0].Tag, g) {
			for _, s := range allSegments(g) {
				c.unmapped(s, "")
			}
		}
	}
}

// only returns a segment handler that takes the segments with one of tags
// (the trigger of a group, say), read already, and nothing else.
func only(tags ...string) func(Seg) bool {
	return func(s Seg) bool { return slices.Contains(tags, s.Tag) }
}

// allSegments lists the segments of a group occurrence and of everything in it.
func allSegments(n *structure.Node) []Seg {
	segs := append([]Seg(nil), n.Segments...)
	for _, c := range n.Children {
		segs = append(segs, allSegments(c)...)
	}
	return segs
}

// unmapped reports a segment (or qualified segment, what being its
// qualifier) that no table maps: an error, unless the message's ignore
// list names it.
func (c *in) unmapped(s Seg, qualifier string) {
	name := s.Tag
	if qualifier != "" {
		name += "+" + qualifier
	}
	for _, ig := range c.t.Ignore {
		if ig == s.Tag || ig == name {
			c.consumeAll(s) // dropped on purpose, all of it: nothing of it is "not carried"
			return
		}
	}
	if qualifier != "" {
		c.errorf(s, 1, 1, "%s: qualifier %q has no Procuros field in %s (map it, or ignore %s, in the partner's tables)", name, qualifier, c.tx, name)
		return
	}
	c.errorf(s, 0, 0, "%s segments are not mapped to %s (ignore %s in the partner's tables to drop them)", s.Tag, c.tx, s.Tag)
}

func (c *in) add(s Seg, elem, comp int, warning bool, format string, args ...any) {
	p := &Problem{Message: c.msg.Index, Ref: c.msg.Header.Ref, Warning: warning, Text: fmt.Sprintf(format, args...)}
	if s.Segment != nil {
		p.Pos, p.Tag, p.Element, p.Component = s.Pos, s.Tag, elem, comp
	}
	c.problems = append(c.problems, p)
}

// errorf reports that the message cannot be mapped because of element elem,
// component comp (from 1; 0 for the whole) of segment s.
func (c *in) errorf(s Seg, elem, comp int, format string, args ...any) {
	c.add(s, elem, comp, false, format, args...)
}

// warnf notes something about the message that does not stop it.
func (c *in) warnf(s Seg, elem, comp int, format string, args ...any) {
	c.add(s, elem, comp, true, format, args...)
}

// missing reports a field the transaction requires and the message lacks,
// at segment s (the place it would be expected, or the BGM).
func (c *in) missing(s Seg, what, field string) {
	c.errorf(s, 0, 0, "%s missing; %s requires %s", what, c.tx, field)
}

// value returns component comp of element elem (both from 1) of s, and
// notes that the mapping read it: what a mapping reads of no segment it
// handles is reported as not carried (checkUnread).
func (c *in) value(s Seg, elem, comp int) string {
	v, k := s.Locate(elem-1, comp-1)
	c.markRead(s, k)
	return v
}

// consume notes components the mapping reads without carrying them, as
// they only qualify others (code list qualifiers and agencies, the
// marking instruction of a PCI, the stage of a transport).
func (c *in) consume(s Seg, elem int, comps ...int) {
	for _, comp := range comps {
		_, k := s.Locate(elem-1, comp-1)
		c.markRead(s, k)
	}
}

// consumeAll notes every component of s as read.
func (c *in) consumeAll(s Seg) {
	if s.Pos > 0 && s.Pos < len(c.reads) {
		c.reads[s.Pos] = ^uint64(0)
	}
}

func (c *in) markRead(s Seg, k int) {
	if k < 0 || s.Pos <= 0 || s.Pos >= len(c.reads) {
		return
	}
	if k < 63 {
		c.reads[s.Pos] |= 1 << k
	} else {
		c.reads[s.Pos] |= 1 << 63 // a long segment: its tail is not tracked
	}
}

// checkUnread warns of every non-empty component the mapping did not read
// in a segment it read something of: data the message carries and the
// transaction does not, named by its place. Segments the mapping read
// nothing of were reported as not mapped, or are dropped on purpose.
func (c *in) checkUnread() {
	faulty := map[int]bool{} // a segment with an error is reported already
	for _, p := range c.problems {
		if !p.Warning {
			faulty[p.Pos] = true
		}
	}
	for pos, read := range c.reads {
		if read == 0 || read == ^uint64(0) || faulty[pos] {
			continue
		}
		seg := Seg{Segment: &c.msg.Segments[pos-1], Pos: pos}
		k := -1
		for p, v := range seg.Components() {
			k++
			if k >= 63 && read&(1<<63) != 0 {
				break
			}
			if v == "" || read&(1<<k) != 0 {
				continue
			}
			c.warnf(seg, p.Element+1, p.Component+1, "not carried: %q has no field in the mapping", v)
		}
	}
}

// decimal reads a number at elem/comp of s; "" if the component is empty.
func (c *in) decimal(s Seg, elem, comp int) procuros.Decimal {
	v := c.value(s, elem, comp)
	if v == "" {
		return ""
	}
	d, err := parseDecimal(v, c.mark)
	if err != nil {
		c.errorf(s, elem, comp, "%v", err)
		return ""
	}
	return d
}

// integer reads a whole number at elem/comp of s; 0, false if empty or bad.
func (c *in) integer(s Seg, elem, comp int) (int, bool) {
	v := c.value(s, elem, comp)
	if v == "" {
		return 0, false
	}
	n, err := parseInt(v)
	if err != nil {
		c.errorf(s, elem, comp, "%v", err)
		return 0, false
	}
	return n, true
}

// dateRange reads the date of a DTM segment (C507: 2380 value, 2379
// format). For a range, or a week, end is its end.
func (c *in) dateRange(s Seg) (start, end procuros.DateTime, ok bool) {
	v := c.value(s, 1, 2)
	if v == "" {
		c.errorf(s, 1, 2, "DTM+%s has no date", c.value(s, 1, 1))
		return start, end, false
	}
	start, end, err := parseDate(v, c.value(s, 1, 3))
	if err != nil {
		c.errorf(s, 1, 2, "%v", err)
		return start, end, false
	}
	return start, end, true
}

// date reads a DTM that must give one date. A range (718, 719) is an
// error, as its end would be lost; a week (616) is its Monday, with a
// warning.
func (c *in) date(s Seg) (procuros.DateTime, bool) {
	start, end, ok := c.dateRange(s)
	switch {
	case !ok || end.IsZero():
		return start, ok
	case c.value(s, 1, 3) == "616":
		c.warnf(s, 1, 2, "the week %s is read as its Monday, %s", c.value(s, 1, 2), start.Date())
		return start, true
	}
	c.errorf(s, 1, 3, "DTM+%s gives a range (format %s), and its field takes one date", c.value(s, 1, 1), c.value(s, 1, 3))
	return start, false
}

// lookup returns the table value for the code at elem/comp of s, or
// reports the segment as not mapped and returns false. NotCarried values
// return false quietly.
func (c *in) lookup(s Seg, tab Table, elem, comp int) (string, bool) {
	code := c.value(s, elem, comp)
	v, ok := tab.Get(code)
	if !ok {
		c.unmapped(s, code)
		return "", false
	}
	if v == NotCarried {
		c.consumeAll(s) // dropped on purpose, all of it (the table says why)
		return "", false
	}
	return v, true
}

// text joins the parts of a free text (FTX C108 4440, IMD C273 7008) that
// EDIFACT split over components.
func (c *in) text(s Seg, elem, first, last, width int) string {
	var parts []string
	for j := first; j <= last; j++ {
		parts = append(parts, c.value(s, elem, j))
	}
	return joinWrapped(parts, width)
}

// ftxWidth is the width of free text (FTX 4440) in the message's
// directory: an..70 up to D99B, an..512 from D00A on (so in D01B).
func (c *in) ftxWidth() int {
	// Releases are named by year: 96A is 1996, 01B 2001.
	rel := c.msg.Header.Type.Release
	if yy, err := strconv.Atoi(rel[:min(2, len(rel))]); err == nil && yy < 90 {
		return 512
	}
	return textWidth
}

// appendText adds a paragraph to a text field, on a line of its own.
func appendText(field *string, s string) {
	if s == "" {
		return
	}
	if *field != "" {
		*field += "\n"
	}
	*field += s
}

// set stores a value in a field that must not be given twice with
// different values (a field two segments can fill).
func (c *in) setText(s Seg, elem, comp int, field *string, v, name string) {
	if *field != "" && *field != v {
		c.errorf(s, elem, comp, "%s given twice: %q and %q", name, *field, v)
		return
	}
	*field = v
}

func (c *in) setDate(s Seg, field *procuros.DateTime, v procuros.DateTime, name string) {
	if !field.IsZero() && !field.Time.Equal(v.Time) {
		c.errorf(s, 1, 2, "%s given twice: %s and %s", name, field, v)
		return
	}
	*field = v
}

func (c *in) setDecimal(s Seg, elem, comp int, field *procuros.Decimal, v procuros.Decimal, name string) {
	if v == "" {
		return
	}
	if *field != "" && !sameNumber(*field, v) {
		c.errorf(s, elem, comp, "%s given twice: %s and %s", name, *field, v)
		return
	}
	*field = v
}

func sameNumber(a, b procuros.Decimal) bool {
	if a == b {
		return a != "" // the same text, as most quantities compared are
	}
	ra, okA := a.Rat()
	rb, okB := b.Rat()
	return okA && okB && ra.Cmp(rb) == 0
}

// count returns how many child group occurrences of n trigger starts: the
// size of the slice their mapping fills.
func count(n *structure.Node, trigger string) int {
	k := 0
	for _, g := range n.Children {
		if g.Segments[0].Tag == trigger {
			k++
		}
	}
	return k
}

// first returns the trigger segment of a group occurrence.
func first(n *structure.Node) Seg { return n.Segments[0] }

// unh returns the message's UNH: where a problem of the whole message is
// reported.
func (c *in) unh() Seg {
	if s, ok := c.tree.Root.First("UNH"); ok {
		return s
	}
	return Seg{}
}
