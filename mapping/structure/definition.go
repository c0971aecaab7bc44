package structure

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// A Status says whether an entry must occur: once at least in each occurrence
// of the enclosing group (Mandatory), or not necessarily (Conditional).
type Status uint8

const (
	Conditional Status = iota
	Mandatory
)

func (s Status) String() string {
	if s == Mandatory {
		return "M"
	}
	return "C"
}

// An Entry is one line of a definition: a segment, or a segment group with
// the entries it contains.
type Entry struct {
	Name    string   // segment tag ("NAD"), or group name ("SG2"); "" for the message level
	Tag     string   // segment tag; for a group, the tag of its trigger segment
	Status  Status   // as in the UN message
	Max     int      // maximum number of occurrences in one occurrence of the enclosing group
	Outside bool     // the UN message has it but the EANCOM subset does not (status X)
	Entries []*Entry // a group's entries, its trigger first; nil for a segment
	Parent  *Entry   // the enclosing group, or the message level
	Line    int      // line of the definition it was read from

	index int      // position in Parent.Entries
	tagID uint16   // Structure.tagIDs of Tag
	ids   []uint16 // a group's tag ids of its entries, for the matcher's scan
}

// IsGroup reports whether e is a segment group (or the message level).
func (e *Entry) IsGroup() bool { return e.Entries != nil }

// where describes the place of e's occurrences: "in SG2" or "at the message
// level".
func (e *Entry) where() string {
	if e.Parent == nil || e.Parent.Name == "" {
		return "at the message level"
	}
	return "in " + e.Parent.Name
}

// A Structure is the branching diagram of one message: which segments and
// segment groups occur in which order, how often, and which of them an EANCOM
// subset leaves out. It is read-only once built and safe for concurrent use.
type Structure struct {
	Message     string // message type, e.g. "ORDERS"
	Directory   string // UN directory, e.g. "D96A"
	Association string // association assigned code, e.g. "EAN008"; "" for the UN message itself
	Root        *Entry // the message level: its entries run from UNH to UNT

	groups map[string]*Entry
	tagIDs map[string]uint16 // every tag in the structure, numbered from 1
	byTag  [][]*Entry        // per tag id, the entries it starts (a segment, or a group by its trigger)
}

// String names the structure, e.g. "ORDERS D96A EAN008" or "ORDERS D96A (UN)".
func (s *Structure) String() string {
	if s.Association == "" {
		return s.Message + " " + s.Directory + " (UN)"
	}
	return s.Message + " " + s.Directory + " " + s.Association
}

// Group returns the definition of a segment group by name ("SG25"), or nil.
func (s *Structure) Group(name string) *Entry { return s.groups[name] }

// A DefinitionError reports a mistake in a structure definition.
type DefinitionError struct {
	Name string // the definition, e.g. "ORDERS_D96A_EAN008"
	Line int    // from 1; 0 for the name
	Err  string
}

func (e *DefinitionError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("structure %s: %s", e.Name, e.Err)
	}
	return fmt.Sprintf("structure %s line %d: %s", e.Name, e.Line, e.Err)
}

// Parse reads a structure definition (see the package documentation for the
// format). Name identifies it as MESSAGE_DIRECTORY_ASSOCIATION, e.g.
// "ORDERS_D96A_EAN008", or MESSAGE_DIRECTORY for a UN message without subset.
func Parse(name string, r io.Reader) (*Structure, error) {
	s, err := newStructure(name)
	if err != nil {
		return nil, err
	}
	p := &parser{name: name, s: s, open: []*Entry{s.Root}}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		p.line++
		if err := p.parseLine(sc.Text()); err != nil {
			return nil, err
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("structure %s: %w", name, err)
	}
	if err := p.finish(); err != nil {
		return nil, err
	}
	s.index()
	return s, nil
}

// ParseBytes is Parse for a definition held in memory.
func ParseBytes(name string, def []byte) (*Structure, error) {
	return Parse(name, bytes.NewReader(def))
}

func newStructure(name string) (*Structure, error) {
	parts := strings.Split(name, "_")
	if len(parts) < 2 || len(parts) > 3 || !isTag6(parts[0]) || parts[1] == "" {
		return nil, &DefinitionError{Name: name, Err: "name must be MESSAGE_DIRECTORY or MESSAGE_DIRECTORY_ASSOCIATION"}
	}
	s := &Structure{
		Message:   parts[0],
		Directory: parts[1],
		Root:      &Entry{Status: Mandatory, Max: 1},
		groups:    make(map[string]*Entry),
	}
	if len(parts) == 3 {
		s.Association = parts[2]
	}
	return s, nil
}

// isTag6 reports whether t looks like a message type: six capital letters.
func isTag6(t string) bool {
	if len(t) != 6 {
		return false
	}
	for i := range len(t) {
		if t[i] < 'A' || t[i] > 'Z' {
			return false
		}
	}
	return true
}

// A parser reads a definition line by line, keeping the groups that are
// open at the current line: open[0] is the message level, and an entry at
// indentation level n goes into open[n].
type parser struct {
	name string
	s    *Structure
	line int
	open []*Entry
	last *Entry // the previous entry
}

func (p *parser) errorf(line int, format string, args ...any) error {
	return &DefinitionError{Name: p.name, Line: line, Err: fmt.Sprintf(format, args...)}
}

func (p *parser) parseLine(text string) error {
	if i := strings.IndexByte(text, '#'); i >= 0 {
		text = text[:i]
	}
	if strings.TrimSpace(text) == "" {
		return nil
	}
	body := strings.TrimLeft(text, " \t")
	indent := len(text) - len(body)
	if strings.Contains(text[:indent], "\t") {
		return p.errorf(p.line, "bad indentation: tab (indent with two spaces per level)")
	}
	if indent%2 != 0 {
		return p.errorf(p.line, "bad indentation: %d spaces (indent with two spaces per level)", indent)
	}
	e, err := p.parseEntry(body)
	if err != nil {
		return err
	}
	if err := p.nest(e, indent/2); err != nil {
		return err
	}
	return nil
}

// parseEntry reads "NAME STATUS MAX".
func (p *parser) parseEntry(body string) (*Entry, error) {
	f := strings.Fields(body)
	if len(f) != 3 {
		return nil, p.errorf(p.line, "want NAME STATUS MAX, have %q", body)
	}
	e := &Entry{Name: f[0], Tag: f[0], Line: p.line}
	switch {
	case isGroupName(f[0]):
		e.Tag = ""
	case !isSegmentTag(f[0]):
		return nil, p.errorf(p.line, "bad name %q: want a segment tag (NAD) or a group (SG2)", f[0])
	}
	switch f[1] {
	case "M":
		e.Status = Mandatory
	case "C":
		e.Status = Conditional
	case "X":
		e.Status, e.Outside = Conditional, true
	default:
		return nil, p.errorf(p.line, "unknown status %q: want M, C or X", f[1])
	}
	max, err := strconv.Atoi(f[2])
	if err != nil || max < 1 {
		return nil, p.errorf(p.line, "bad maximum %q: want a positive number", f[2])
	}
	e.Max = max
	return e, nil
}

func isGroupName(n string) bool {
	if len(n) < 3 || !strings.HasPrefix(n, "SG") {
		return false
	}
	num, err := strconv.Atoi(n[2:])
	return err == nil && num > 0 && n[2] != '0'
}

func isSegmentTag(t string) bool {
	if len(t) != 3 {
		return false
	}
	for i := range 3 {
		if c := t[i]; !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// nest puts e at indentation level into the group open at that level,
// closing the groups below it.
func (p *parser) nest(e *Entry, level int) error {
	depth := len(p.open) - 1
	if p.last != nil && isGroupName(p.last.Name) && level <= depth {
		return p.errorf(p.last.Line, "group %s without trigger: it has no entries", p.last.Name)
	}
	switch {
	case level > depth+1:
		return p.errorf(p.line, "bad indentation: %s is %d levels deeper than the line before", e.Name, level-depth)
	case level == depth+1:
		if p.last == nil || !isGroupName(p.last.Name) {
			return p.errorf(p.line, "bad indentation: %s is indented under a segment, not a group", e.Name)
		}
		p.open = append(p.open, p.last)
	default:
		for len(p.open)-1 > level {
			if err := p.close(); err != nil {
				return err
			}
		}
	}
	if isGroupName(e.Name) {
		if first, dup := p.s.groups[e.Name]; dup {
			return p.errorf(p.line, "duplicate group %s (first on line %d)", e.Name, first.Line)
		}
		p.s.groups[e.Name] = e
		e.Entries = []*Entry{} // a group, even before its entries are read
	}
	parent := p.open[len(p.open)-1]
	e.Parent, e.index = parent, len(parent.Entries)
	parent.Entries = append(parent.Entries, e)
	p.last = e
	return nil
}

// close ends the innermost open group, which must start with its trigger: a
// mandatory segment.
func (p *parser) close() error {
	g := p.open[len(p.open)-1]
	p.open = p.open[:len(p.open)-1]
	if len(g.Entries) == 0 {
		return p.errorf(g.Line, "group %s without trigger: it has no entries", g.Name)
	}
	trigger := g.Entries[0]
	if trigger.IsGroup() {
		return p.errorf(g.Line, "group %s without trigger: its first entry is group %s, not a segment", g.Name, trigger.Name)
	}
	if trigger.Status != Mandatory {
		return p.errorf(g.Line, "group %s without trigger: its first segment %s is not mandatory", g.Name, trigger.Name)
	}
	g.Tag = trigger.Tag
	return nil
}

// finish closes the open groups and checks the message level, which runs
// from UNH to UNT.
func (p *parser) finish() error {
	if p.last != nil && isGroupName(p.last.Name) {
		return p.errorf(p.last.Line, "group %s without trigger: it has no entries", p.last.Name)
	}
	for len(p.open) > 1 {
		if err := p.close(); err != nil {
			return err
		}
	}
	root := p.s.Root.Entries
	if len(root) == 0 || root[0].Name != "UNH" || root[0].Status != Mandatory {
		return p.errorf(max(p.line, 1), "the message must start with UNH M 1")
	}
	if last := root[len(root)-1]; last.Name != "UNT" || last.Status != Mandatory {
		return p.errorf(p.line, "the message must end with UNT M 1")
	}
	p.s.Root.Tag = "UNH"
	return nil
}

// index numbers the tags and records, per tag, the entries it starts, so that
// the tree builder compares small integers instead of strings.
func (s *Structure) index() {
	s.tagIDs = make(map[string]uint16)
	s.byTag = [][]*Entry{nil} // id 0: not in the structure
	var walk func(g *Entry)
	walk = func(g *Entry) {
		g.ids = make([]uint16, len(g.Entries))
		for i, e := range g.Entries {
			id, ok := s.tagIDs[e.Tag]
			if !ok {
				id = uint16(len(s.byTag))
				s.tagIDs[e.Tag] = id
				s.byTag = append(s.byTag, nil)
			}
			e.tagID, g.ids[i] = id, id
			s.byTag[id] = append(s.byTag[id], e)
			if e.IsGroup() {
				walk(e)
			}
		}
	}
	walk(s.Root)
}

// withoutSubset returns the UN message of a subset: the same entries with none
// left out, and no association code.
func (s *Structure) withoutSubset() *Structure {
	u := &Structure{Message: s.Message, Directory: s.Directory, groups: make(map[string]*Entry)}
	var clone func(e, parent *Entry) *Entry
	clone = func(e, parent *Entry) *Entry {
		c := &Entry{Name: e.Name, Tag: e.Tag, Status: e.Status, Max: e.Max, Parent: parent, Line: e.Line, index: e.index}
		if e.Entries != nil {
			c.Entries = make([]*Entry, len(e.Entries))
			for i, sub := range e.Entries {
				c.Entries[i] = clone(sub, c)
			}
			if c.Name != "" {
				u.groups[c.Name] = c
			}
		}
		return c
	}
	u.Root = clone(s.Root, nil)
	u.index()
	return u
}
