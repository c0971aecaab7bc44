package edifact

import "io"

// A Message is one message: its segments from UNH to UNT, with the envelope
// it came in.
type Message struct {
	Header MessageHeader
	// Segments are the message's segments, UNH first and UNT last (unless the
	// UNT is missing, a tolerated fault). Segment n of the message, as error
	// messages count, is Segments[n-1].
	Segments    []Segment
	Interchange *InterchangeHeader // nil for message-only input
	Group       *GroupHeader       // nil unless the message is in a UNG group
	Delimiters  Delimiters         // in force for the message (the decimal mark matters)
	Index       int                // position of the message in the input, from 1
	Line        int                // line of its UNH
	Warnings    []*SyntaxError     // faults tolerated while reading it
}

// Body returns the segments between UNH and UNT.
func (m *Message) Body() []Segment {
	segs := m.Segments
	if len(segs) > 0 && segs[0].Tag == "UNH" {
		segs = segs[1:]
	}
	if n := len(segs); n > 0 && segs[n-1].Tag == "UNT" {
		segs = segs[:n-1]
	}
	return segs
}

// An Interchange is one interchange with all its messages, as ReadAll
// returns it.
type Interchange struct {
	Header     *InterchangeHeader // nil for message-only input
	UNA        bool               // a service string advice preceded it
	Delimiters Delimiters
	Groups     []*Group   // the UNG groups, if the interchange uses them
	Messages   []*Message // every message, in or out of groups, in order
}

// A Group is one UNG..UNE group of messages.
type Group struct {
	Header   GroupHeader
	Messages []*Message

	header *GroupHeader // as the Reader knows it, to tell groups apart
}

// ReadMessage returns the next message of the input, skipping the envelope
// segments around it (which it checks). At the end of the input it returns
// io.EOF. Memory use is bounded by the largest message, not the input.
func (r *Reader) ReadMessage() (*Message, error) {
	var m *Message
	for {
		seg, err := r.nextSegment()
		if err == io.EOF && m != nil {
			return r.endMessage(m), nil // no UNT at the end: a tolerated fault
		}
		if err != nil {
			return nil, err
		}
		switch {
		case seg.Tag == "UNH" && m != nil: // the previous message had no UNT
			r.pending, r.hasPending = seg, true
			return r.endMessage(m), nil
		case seg.Tag == "UNH":
			m = r.beginMessage(seg)
		case m == nil:
			continue // envelope segments between messages
		case seg.Tag == "UNT":
			m.Segments = append(m.Segments, seg)
			return r.endMessage(m), nil
		case opensOrClosesOuter(seg.Tag): // no UNT before UNB, UNG, UNE or UNZ
			return r.endMessage(m), nil
		default:
			m.Segments = append(m.Segments, seg)
		}
	}
}

// nextSegment returns the segment ReadMessage put back, or reads one.
func (r *Reader) nextSegment() (Segment, error) {
	if r.hasPending {
		r.hasPending = false
		return r.pending, nil
	}
	return r.Read()
}

func (r *Reader) beginMessage(unh Segment) *Message {
	m := &Message{
		Header:      *r.msgHeader,
		Segments:    make([]Segment, 1, 32),
		Interchange: r.header,
		Group:       r.group,
		Delimiters:  r.delims,
		Index:       r.env.msgIndex,
		Line:        r.env.msgLine,
	}
	m.Segments[0] = unh
	r.msgWarnings = len(r.warnings)
	return m
}

func (r *Reader) endMessage(m *Message) *Message {
	if n := len(r.warnings); n > r.msgWarnings {
		m.Warnings = r.warnings[r.msgWarnings:n:n]
	}
	return m
}

// ReadAll reads the whole input into interchanges. Message-only input gives
// one Interchange with a nil Header.
func (r *Reader) ReadAll() ([]*Interchange, error) {
	var out []*Interchange
	interchangeOf := func(h *InterchangeHeader) *Interchange {
		if n := len(out); n > 0 && out[n-1].Header == h {
			return out[n-1]
		}
		ic := &Interchange{Header: h, UNA: r.hadUNA, Delimiters: r.delims}
		out = append(out, ic)
		return ic
	}
	groupOf := func(ic *Interchange, h *GroupHeader) *Group {
		if n := len(ic.Groups); n > 0 && ic.Groups[n-1].header == h {
			return ic.Groups[n-1]
		}
		g := &Group{Header: *h, header: h}
		ic.Groups = append(ic.Groups, g)
		return g
	}
	for {
		seg, err := r.nextSegment()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		switch seg.Tag {
		case "UNB":
			interchangeOf(r.header)
		case "UNG":
			groupOf(interchangeOf(r.header), r.group)
		case "UNH":
			r.pending, r.hasPending = seg, true
			m, err := r.ReadMessage()
			if err != nil {
				return out, err
			}
			ic := interchangeOf(m.Interchange)
			ic.Messages = append(ic.Messages, m)
			if m.Group != nil {
				g := groupOf(ic, m.Group)
				g.Messages = append(g.Messages, m)
			}
		}
	}
}
