package edifact

import (
	"fmt"
	"strconv"
	"strings"
)

// envelope follows the nesting of interchanges, groups and messages while a
// Reader reads, and checks the trailers' counts and references.
type envelope struct {
	r *Reader

	interchange bool // a UNB is open
	group       bool // a UNG is open
	message     bool // a UNH is open
	segPending  bool // a segment is being read and not yet counted

	unbRef   string
	icCount  int  // messages, or groups if used, in the open interchange
	icGroups bool // the open interchange uses groups
	ungRef   string
	grpCount int // messages in the open group

	msgIndex int // messages so far in the input
	msgRef   string
	msgSegs  int // segments of the open message so far, UNH included
	msgStart int // segment index of its UNH
	msgLine  int // line of its UNH
}

func (e *envelope) outside() bool { return !e.interchange && !e.group && !e.message }

// locate adds the segment and message context to an error.
func (e *envelope) locate(se *SyntaxError, inSegment bool) {
	r := e.r
	if inSegment {
		se.Segment = r.nseg
		if se.Tag == "" {
			se.Tag = r.curTag
		}
	}
	if e.message {
		se.Message, se.MessageRef = e.msgIndex, e.msgRef
		if inSegment {
			se.MsgSegment = e.msgSegs
			if e.segPending {
				se.MsgSegment++
			}
		}
	}
}

// process checks a segment against the envelope and updates it.
func (e *envelope) process(seg *Segment) error {
	e.segPending = false
	tag := seg.Tag
	if tag[0] != 'U' || tag[1] != 'N' { // not a service segment: the usual case
		if !e.message {
			return e.r.segmentError(seg, 0, 0, fmt.Sprintf("segment %s outside a message (no UNH before it)", tag))
		}
		e.msgSegs++
		return nil
	}
	if e.message && !opensOrClosesOuter(tag) {
		e.msgSegs++ // UNT counts itself; UNB, UNG, UNH, UNE and UNZ end the message instead
	}
	switch tag {
	case "UNB":
		return e.openInterchange(seg)
	case "UNG":
		return e.openGroup(seg)
	case "UNH":
		return e.openMessage(seg)
	case "UNT":
		return e.closeMessage(seg)
	case "UNE":
		return e.closeGroup(seg)
	case "UNZ":
		return e.closeInterchange(seg)
	}
	if !e.message {
		return e.r.segmentError(seg, 0, 0, fmt.Sprintf("segment %s outside a message (no UNH before it)", seg.Tag))
	}
	return nil
}

func opensOrClosesOuter(tag string) bool {
	switch tag {
	case "UNB", "UNG", "UNH", "UNE", "UNZ":
		return true
	}
	return false
}

func (e *envelope) openInterchange(seg *Segment) error {
	if err := e.closeAll(e.r.placeOffset(seg.Offset), "UNB"); err != nil {
		return err
	}
	h, err := parseInterchangeHeader(*seg)
	if err != nil {
		return e.r.headerError(seg, err)
	}
	e.interchange, e.unbRef, e.icCount, e.icGroups = true, h.ControlRef, 0, false
	e.r.header = &h
	return nil
}

func (e *envelope) openGroup(seg *Segment) error {
	if err := e.closeMessageMissing(seg); err != nil {
		return err
	}
	if err := e.closeGroupMissing(seg); err != nil {
		return err
	}
	if !e.interchange {
		return e.r.segmentError(seg, 0, 0, "UNG outside an interchange (no UNB before it)")
	}
	if e.icCount > 0 && !e.icGroups {
		return e.r.segmentError(seg, 0, 0, "UNG after messages outside groups: an interchange has either groups or messages")
	}
	g, err := parseGroupHeader(*seg)
	if err != nil {
		return e.r.headerError(seg, err)
	}
	e.group, e.icGroups, e.ungRef, e.grpCount = true, true, g.Ref, 0
	e.r.group = &g
	return nil
}

func (e *envelope) openMessage(seg *Segment) error {
	if err := e.closeMessageMissing(seg); err != nil {
		return err
	}
	if e.interchange && e.icGroups && !e.group {
		return e.r.segmentError(seg, 0, 0, "UNH outside a group in an interchange that uses groups")
	}
	h, err := parseMessageHeader(*seg)
	if err != nil {
		return e.r.headerError(seg, err)
	}
	e.message = true
	e.msgIndex++
	e.msgRef, e.msgSegs, e.msgStart, e.msgLine = h.Ref, 1, e.r.nseg, e.r.line
	e.r.msgHeader = &h
	return nil
}

func (e *envelope) closeMessage(seg *Segment) error {
	if !e.message {
		return e.r.segmentError(seg, 0, 0, "UNT without UNH")
	}
	if err := e.checkCount(seg, FaultUNTCount, "segments in the message", e.msgSegs); err != nil {
		return err
	}
	if err := e.checkRef(seg, FaultUNTReference, "UNH", e.msgRef); err != nil {
		return err
	}
	e.endMessage()
	return nil
}

// endMessage closes the open message and counts it.
func (e *envelope) endMessage() {
	e.message = false
	if e.group {
		e.grpCount++
	} else if e.interchange && !e.icGroups {
		e.icCount++
	}
}

func (e *envelope) closeGroup(seg *Segment) error {
	if err := e.closeMessageMissing(seg); err != nil {
		return err
	}
	if !e.group {
		return e.r.segmentError(seg, 0, 0, "UNE without UNG")
	}
	if err := e.checkCount(seg, FaultUNECount, "messages in the group", e.grpCount); err != nil {
		return err
	}
	if err := e.checkRef(seg, FaultUNEReference, "UNG", e.ungRef); err != nil {
		return err
	}
	e.group = false
	e.icCount++
	return nil
}

func (e *envelope) closeInterchange(seg *Segment) error {
	if err := e.closeMessageMissing(seg); err != nil {
		return err
	}
	if err := e.closeGroupMissing(seg); err != nil {
		return err
	}
	if !e.interchange {
		return e.r.segmentError(seg, 0, 0, "UNZ without UNB")
	}
	what := "messages in the interchange"
	if e.icGroups {
		what = "groups in the interchange"
	}
	if err := e.checkCount(seg, FaultUNZCount, what, e.icCount); err != nil {
		return err
	}
	if err := e.checkRef(seg, FaultUNZReference, "UNB", e.unbRef); err != nil {
		return err
	}
	e.interchange = false
	e.r.endInterchange()
	return nil
}

// closeMessageMissing closes a message that lacks its UNT because seg (a
// UNH, UNG, UNE, UNZ or UNB) follows, reporting the missing trailer.
func (e *envelope) closeMessageMissing(seg *Segment) error {
	if !e.message {
		return nil
	}
	if err := e.missingTrailer(e.r.placeOffset(seg.Offset), seg.Tag, "UNT", fmt.Sprintf("message %d (UNH %s, line %d)", e.msgIndex, e.msgRef, e.msgLine)); err != nil {
		return err
	}
	e.endMessage()
	return nil
}

func (e *envelope) closeGroupMissing(seg *Segment) error {
	if !e.group {
		return nil
	}
	if err := e.missingTrailer(e.r.placeOffset(seg.Offset), seg.Tag, "UNE", "group "+e.ungRef); err != nil {
		return err
	}
	e.group = false
	e.icCount++
	return nil
}

// closeAll closes whatever is open because next (UNB, UNA) begins a new
// interchange.
func (e *envelope) closeAll(p errPlace, next string) error {
	seg := &Segment{Tag: next, Offset: p.offset}
	if e.message {
		if err := e.missingTrailer(p, next, "UNT", fmt.Sprintf("message %d (UNH %s, line %d)", e.msgIndex, e.msgRef, e.msgLine)); err != nil {
			return err
		}
		e.endMessage()
	}
	if err := e.closeGroupMissing(seg); err != nil {
		return err
	}
	if e.interchange {
		if err := e.missingTrailer(p, next, "UNZ", "interchange "+e.unbRef); err != nil {
			return err
		}
		e.interchange = false
		e.r.endInterchange()
	}
	return nil
}

// finish checks, at the end of the input, that nothing is left open.
func (e *envelope) finish() error {
	p := e.r.placeHere()
	if e.message {
		if err := e.missingTrailer(p, "", "UNT", fmt.Sprintf("message %d (UNH %s, line %d)", e.msgIndex, e.msgRef, e.msgLine)); err != nil {
			return err
		}
		e.endMessage()
	}
	if e.group {
		if err := e.missingTrailer(p, "", "UNE", "group "+e.ungRef); err != nil {
			return err
		}
		e.group = false
	}
	if e.interchange {
		if err := e.missingTrailer(p, "", "UNZ", "interchange "+e.unbRef); err != nil {
			return err
		}
		e.interchange = false
	}
	return nil
}

func (e *envelope) missingTrailer(p errPlace, next, trailer, what string) error {
	msg := fmt.Sprintf("%s has no %s: the input ends", what, trailer)
	if next != "" {
		msg = fmt.Sprintf("%s has no %s before the %s", what, trailer, next)
		p.Tag = next
	}
	return e.r.fault(FaultMissingTrailer, p, msg)
}

// checkCount checks the control count in element 1 of a trailer.
func (e *envelope) checkCount(seg *Segment, f Fault, what string, counted int) error {
	got := seg.Value(0, 0)
	n, err := strconv.Atoi(got)
	switch {
	case err != nil || n < 0:
		return e.r.segmentFault(seg, 1, 1, f, fmt.Sprintf("control count %q is not a number (%d %s)", got, counted, what))
	case n != counted:
		return e.r.segmentFault(seg, 1, 1, f, fmt.Sprintf("control count is %s, but there are %d %s", got, counted, what))
	case len(got) > 1 && got[0] == '0':
		return e.r.segmentFault(seg, 1, 1, FaultZeroPaddedCount, fmt.Sprintf("control count %q has leading zeros", got))
	}
	return nil
}

// checkRef checks the reference in element 2 of a trailer against its header.
func (e *envelope) checkRef(seg *Segment, f Fault, header, want string) error {
	if got := seg.Value(1, 0); got != want {
		return e.r.segmentFault(seg, 2, 1, f, fmt.Sprintf("reference %q differs from the %s reference %q", got, header, want))
	}
	return nil
}

// segmentError returns a hard error about an element of a segment already read.
func (r *Reader) segmentError(seg *Segment, elem, comp int, msg string) error {
	p := r.placeOffset(seg.Offset)
	p.Tag, p.Element, p.Component = seg.Tag, elem, comp
	return r.syntaxError(p, msg)
}

// segmentFault reports a fault about an element of a segment already read.
func (r *Reader) segmentFault(seg *Segment, elem, comp int, f Fault, msg string) error {
	p := r.placeOffset(seg.Offset)
	p.Tag, p.Element, p.Component = seg.Tag, elem, comp
	return r.fault(f, p, msg)
}

// headerError turns a header parse error into a SyntaxError at its element.
func (r *Reader) headerError(seg *Segment, err error) error {
	if he, ok := err.(*headerFieldError); ok {
		return r.segmentError(seg, he.elem, he.comp, he.msg)
	}
	return r.segmentError(seg, 0, 0, err.Error())
}

// endInterchange resets what an interchange set: its UNA, its character set.
func (r *Reader) endInterchange() {
	r.hadUNA = false
	r.lineMode = false
	r.setDelimiters(DefaultDelimiters)
	r.setCharset(r.Syntax)
	r.header, r.group = nil, nil
}

// headerFieldError is a missing or malformed field of a service segment.
type headerFieldError struct {
	elem, comp int
	msg        string
}

func (e *headerFieldError) Error() string {
	return fmt.Sprintf("element %d component %d: %s", e.elem, e.comp, e.msg)
}

// required returns component comp of element elem (both from 1), or an
// error naming it if it is empty.
func required(seg Segment, elem, comp int, name string) (string, error) {
	v := seg.Value(elem-1, comp-1)
	if strings.TrimSpace(v) == "" {
		return "", &headerFieldError{elem, comp, fmt.Sprintf("%s %s is missing", seg.Tag, name)}
	}
	return v, nil
}
