package structure

import (
	"fmt"

	"github.com/edibridge/edibridge/edifact"
)

// A Tree is a message arranged by its structure: the message level at the
// root, and below it one Node per occurrence of a segment group.
type Tree struct {
	Message   *edifact.Message
	Structure *Structure
	Root      *Node
}

// A Node is one occurrence of a segment group, or the message level.
type Node struct {
	Group    string  // "SG2", "SG25", ...; "" for the message level
	Segments []Seg   // the segments directly in this occurrence, in order
	Children []*Node // the group occurrences nested in this one, in order
	Parent   *Node   // nil for the message level
}

// A Seg is a segment with its position in the message, counted from UNH = 1
// as error messages count. It points into Message.Segments (it is
// &Message.Segments[Pos-1]), so a tree costs no copy of the segments; the
// message must not be changed while its tree is in use.
type Seg struct {
	*edifact.Segment
	Pos int
}

// First returns the first segment with the tag directly in n, or false and
// a zero Seg (with a nil Segment) if there is none.
func (n *Node) First(tag string) (Seg, bool) {
	for _, s := range n.Segments {
		if s.Tag == tag {
			return s, true
		}
	}
	return Seg{}, false
}

// All returns the segments with the tag directly in n.
func (n *Node) All(tag string) []Seg {
	var all []Seg
	for _, s := range n.Segments {
		if s.Tag == tag {
			all = append(all, s)
		}
	}
	return all
}

// Groups returns the occurrences of the named group nested directly in n.
func (n *Node) Groups(name string) []*Node {
	var groups []*Node
	for _, c := range n.Children {
		if c.Group == name {
			groups = append(groups, c)
		}
	}
	return groups
}

// A Severity says whether a Problem makes the message unusable (Error) or is
// worth a note in the journal (Warning).
type Severity uint8

const (
	Error Severity = iota
	Warning
)

func (s Severity) String() string {
	if s == Warning {
		return "warning"
	}
	return "error"
}

// A Kind classifies a Problem.
type Kind uint8

const (
	Unknown   Kind = iota // the tag is not part of the message at all; the segment is skipped
	Misplaced             // the tag is part of the message, but not here; the segment is skipped
	Missing               // a mandatory segment or group did not occur
	TooMany               // more occurrences than the maximum; the segment is kept
	Outside               // allowed by the UN message, left out by the EANCOM subset; kept
)

var kindNames = [...]string{"unknown", "misplaced", "missing", "too many", "outside subset"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", k)
}

// A Problem is something in a message that does not fit its structure.
type Problem struct {
	Message  int    // the message's position in the input, from 1 (edifact.Message.Index)
	Ref      string // the message reference of its UNH
	Pos      int    // the segment where the problem shows, UNH = 1
	Tag      string // that segment's tag
	Severity Severity
	Kind     Kind
	Text     string // e.g. "misplaced after LIN: NAD belongs in SG2, before SG25"
}

func (p *Problem) Error() string {
	return fmt.Sprintf("message %d (UNH %s) segment %d %s: %s", p.Message, p.Ref, p.Pos, p.Tag, p.Text)
}

// Build arranges the segments of m by the structure s, the way EDIFACT
// parsers do: each segment takes the next entry of the diagram that fits,
// opening a group at its trigger segment and closing groups to match further
// up. A segment that fits nowhere is reported and skipped, and reading goes
// on with the next one, so one stray segment costs one problem. Build also
// reports missing mandatory entries, too many repeats (keeping the segment)
// and, as warnings, entries that the EANCOM subset leaves out.
//
// The time is linear in the number of segments; the tree takes a handful of
// allocations whatever the size of the message.
func Build(m *edifact.Message, s *Structure) (*Tree, []*Problem) {
	b := builder{s: s, m: m, nodeOf: make([]int32, len(m.Segments))}
	b.stack = b.stackBuf[:0]
	b.nodes = make([]nodeRec, 1, 1+len(m.Segments)/2) // groups are rarely more than every other segment
	b.nodes[0] = nodeRec{parent: -1, group: s.Root}
	b.stack = append(b.stack, frame{group: s.Root})
	for i := range m.Segments {
		b.place(i)
	}
	b.end()
	return b.tree(), b.problems
}

// A frame is an open group occurrence while building: its definition, the
// entry matched last and how often it occurred so far.
type frame struct {
	group *Entry
	pos   int   // index in group.Entries of the entry matched last
	count int   // occurrences of that entry so far; 0 before the first segment
	node  int32 // the occurrence, an index into builder.nodes
}

// A nodeRec is a Node before the tree is laid out.
type nodeRec struct {
	parent int32
	group  *Entry
	nsegs  int32
	nkids  int32
}

type builder struct {
	s        *Structure
	m        *edifact.Message
	stack    []frame
	stackBuf [16]frame
	nodes    []nodeRec
	nodeOf   []int32 // per segment, the node it went to; -1 if skipped
	last     int     // index of the last segment placed
	problems []*Problem
}

// place finds the entry for segment i and moves there.
func (b *builder) place(i int) {
	tag := b.m.Segments[i].Tag
	id := b.s.tagIDs[tag]
	b.nodeOf[i] = -1
	if id == 0 {
		b.report(i, Error, Unknown, fmt.Sprintf("unknown: %s has no segment %s", b.baseName(), tag))
		return
	}
	depth, idx, full := b.find(id)
	if depth < 0 {
		b.report(i, Error, Misplaced, b.misplaced(i, id))
		return
	}
	b.move(i, depth, idx)
	e := b.stack[depth].group.Entries[idx]
	if full {
		b.report(i, Error, TooMany, fmt.Sprintf("too many: more than %d %s %s", e.Max, e.Name, e.where()))
	}
	if e.Outside {
		b.report(i, Warning, Outside, b.outside(e))
	}
	if e.IsGroup() {
		rec := &b.nodes[b.stack[len(b.stack)-1].node]
		rec.nkids++
		b.nodes = append(b.nodes, nodeRec{parent: b.stack[len(b.stack)-1].node, group: e})
		b.stack = append(b.stack, frame{group: e, pos: 0, count: 1, node: int32(len(b.nodes) - 1)})
	}
	top := b.stack[len(b.stack)-1].node
	b.nodes[top].nsegs++
	b.nodeOf[i] = top
	b.last = i
}

// find looks for the entry a segment with tag id takes: the current entry
// again, or one after it, in the innermost open group, then in the groups
// around it. It returns the frame depth and entry index, or depth -1. When
// only an entry that has reached its maximum fits, it returns that one with
// full set, so that the segment is kept and the excess reported.
func (b *builder) find(id uint16) (depth, idx int, full bool) {
	fullDepth, fullIdx := -1, -1
	for d := len(b.stack) - 1; d >= 0; d-- {
		f := &b.stack[d]
		ids := f.group.ids
		for j := f.pos; j < len(ids); j++ {
			if ids[j] != id {
				continue
			}
			if j == f.pos && f.count >= f.group.Entries[j].Max {
				if fullDepth < 0 {
					fullDepth, fullIdx = d, j
				}
				continue // a later entry, or an enclosing group, may take it
			}
			return d, j, false
		}
	}
	return fullDepth, fullIdx, fullDepth >= 0
}

// move closes the groups above depth and advances that frame to entry idx,
// reporting the mandatory entries passed over.
func (b *builder) move(i, depth, idx int) {
	for len(b.stack)-1 > depth {
		b.close(i)
	}
	f := &b.stack[depth]
	if idx == f.pos && f.count > 0 {
		f.count++
		return
	}
	b.missingBetween(i, f, idx)
	f.pos, f.count = idx, 1
}

// close ends the innermost group occurrence.
func (b *builder) close(i int) {
	f := &b.stack[len(b.stack)-1]
	b.missingBetween(i, f, len(f.group.Entries))
	b.stack = b.stack[:len(b.stack)-1]
}

// missingBetween reports the mandatory entries of f's group after the current
// one and before index end, which segment i passes over.
func (b *builder) missingBetween(i int, f *frame, end int) {
	from := f.pos
	if f.count > 0 {
		from++
	}
	for _, e := range f.group.Entries[from:end] {
		if e.Status == Mandatory {
			b.report(i, Error, Missing, b.missing(e, i))
		}
	}
}

// end closes every open group at the end of the message.
func (b *builder) end() {
	n := len(b.m.Segments)
	if n == 0 {
		return
	}
	for len(b.stack) > 1 {
		b.close(n)
	}
	b.missingBetween(n, &b.stack[0], len(b.s.Root.Entries))
}

func (b *builder) report(i int, sev Severity, kind Kind, text string) {
	pos := i + 1
	if i >= len(b.m.Segments) { // at the end: show the last segment
		pos = len(b.m.Segments)
	}
	b.problems = append(b.problems, &Problem{
		Message:  b.m.Index,
		Ref:      b.m.Header.Ref,
		Pos:      pos,
		Tag:      b.m.Segments[pos-1].Tag,
		Severity: sev,
		Kind:     kind,
		Text:     text,
	})
}

func (b *builder) baseName() string { return "UN " + b.s.Message + " " + b.s.Directory }

func (b *builder) missing(e *Entry, i int) string {
	what := "segment " + e.Name
	if e.IsGroup() {
		what = "group " + e.Name + " (" + e.Tag + ")"
	}
	in := ""
	if e.Parent != b.s.Root {
		in = " in " + e.Parent.Name
	}
	if i >= len(b.m.Segments) {
		return fmt.Sprintf("missing: mandatory %s%s, expected before the end of the message", what, in)
	}
	return fmt.Sprintf("missing: mandatory %s%s, expected before %s", what, in, b.m.Segments[i].Tag)
}

func (b *builder) outside(e *Entry) string {
	what := e.Name + " " + e.where()
	if e.IsGroup() {
		what = "group " + e.Name + " (" + e.Tag + ")"
	}
	return fmt.Sprintf("not in EANCOM %s (%s allows %s)", b.s.Association, b.baseName(), what)
}

// misplaced explains where a segment that fits nowhere from here belongs:
// at the entry for its tag that the current position has passed, or else in
// a group that it cannot open because it is not the group's trigger.
func (b *builder) misplaced(i int, id uint16) string {
	tag := b.m.Segments[i].Tag
	var best *Entry
	bestDepth, bestBefore := -1, false
	for _, e := range b.s.byTag[id] {
		depth, before := b.diverge(e)
		if before && (!bestBefore || depth > bestDepth) || !before && !bestBefore && depth > bestDepth {
			best, bestDepth, bestBefore = e, depth, before
		}
	}
	after := ""
	if i > 0 {
		after = " after " + b.m.Segments[b.last].Tag
	}
	place := best.where()
	if best.IsGroup() {
		place = "in " + best.Name
	}
	if bestBefore {
		passed := b.stack[bestDepth].group.Entries[b.stack[bestDepth].pos]
		return fmt.Sprintf("misplaced%s: %s belongs %s, before %s", after, tag, place, passed.Name)
	}
	return fmt.Sprintf("misplaced%s: %s belongs %s, which must start with %s", after, tag, place, best.Parent.Tag)
}

// diverge compares the path from the message level to e with the open
// groups: it returns the depth where they part, and whether e's branch lies
// before the current position there (it has been passed) or after it.
func (b *builder) diverge(e *Entry) (depth int, before bool) {
	var path []*Entry
	for p := e; p.Parent != nil; p = p.Parent {
		path = append(path, p)
	}
	for d := 0; d < len(b.stack); d++ {
		at := path[len(path)-1-d]
		cur := b.stack[d].group.Entries[b.stack[d].pos]
		if at != cur || d == len(path)-1 {
			return d, at.index <= b.stack[d].pos
		}
	}
	return len(b.stack) - 1, false
}

// tree lays out the nodes: every node's segments and children are slices of
// three shared arrays, filled in message order.
func (b *builder) tree() *Tree {
	nodes := make([]Node, len(b.nodes))
	segs := make([]Seg, 0, len(b.m.Segments))
	kids := make([]*Node, 0, len(b.nodes)-1)
	for k := range b.nodes {
		rec := &b.nodes[k]
		n := &nodes[k]
		n.Group = rec.group.Name
		segs = segs[:len(segs)+int(rec.nsegs)]
		n.Segments = segs[len(segs)-int(rec.nsegs) : len(segs)-int(rec.nsegs) : len(segs)]
		kids = kids[:len(kids)+int(rec.nkids)]
		n.Children = kids[len(kids)-int(rec.nkids) : len(kids)-int(rec.nkids) : len(kids)]
		if rec.parent >= 0 {
			n.Parent = &nodes[rec.parent]
			n.Parent.Children = append(n.Parent.Children, n)
		}
	}
	for i, k := range b.nodeOf {
		if k >= 0 {
			nodes[k].Segments = append(nodes[k].Segments, Seg{Segment: &b.m.Segments[i], Pos: i + 1})
		}
	}
	return &Tree{Message: b.m, Structure: b.s, Root: &nodes[0]}
}
