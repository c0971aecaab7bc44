package edifact

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// A Fault names a kind of defect that real interchanges carry and that a
// partner agreement may choose to tolerate. Faults combine with | into a set. A Reader reports a fault as a
// *SyntaxError unless the fault is in Reader.Accept, in which case it records
// a warning and goes on reading (lenient mode).
type Fault uint32

// The faults a Reader can tolerate. Every other defect is always an error.
const (
	// FaultUNTCount: the UNT segment count differs from the segments counted.
	FaultUNTCount Fault = 1 << iota
	// FaultUNTReference: the UNT reference differs from the UNH reference.
	FaultUNTReference
	// FaultUNECount: the UNE message count differs from the messages counted.
	FaultUNECount
	// FaultUNEReference: the UNE reference differs from the UNG reference.
	FaultUNEReference
	// FaultUNZCount: the UNZ count differs from the messages (or groups) counted.
	FaultUNZCount
	// FaultUNZReference: the UNZ reference differs from the UNB reference.
	FaultUNZReference
	// FaultZeroPaddedCount: a control count has leading zeros (UNT+000019).
	FaultZeroPaddedCount
	// FaultMissingTrailer: the input ends, or a new UNH/UNB/UNG begins, before the
	// UNT, UNE or UNZ that should close the open message, group or interchange.
	FaultMissingTrailer
	// FaultUnterminatedSegment: the last segment of the input has no terminator.
	FaultUnterminatedSegment
	// FaultLineTerminator: segments are terminated by line breaks instead of the
	// segment terminator.
	FaultLineTerminator
	// FaultLineBreak: a line break inside a segment (wrapped lines).
	FaultLineBreak
	// FaultEmptySegment: a stray segment terminator with nothing before it.
	FaultEmptySegment
	// FaultJunk: characters between segments other than line breaks, such as
	// indentation or a '~' after each terminator.
	FaultJunk
	// FaultMalformedUNA: a service string advice that lacks a character or has
	// a line break among its six characters.
	FaultMalformedUNA
	// FaultCharset: bytes outside the repertoire of the declared character set;
	// in lenient mode they are decoded by the fallback (see Charset).
	FaultCharset
	// FaultUnknownSyntax: a syntax identifier the Reader does not know; in
	// lenient mode the interchange is read as UTF-8 where valid, else Windows-1252.
	FaultUnknownSyntax
	// FaultStrayRelease: a release character before a character that is not a
	// service character ("korrekt? Bitte"); in lenient mode both are kept, as
	// the sender meant a literal '?'.
	FaultStrayRelease

	faultEnd
)

// AllFaults accepts every tolerable fault: the most lenient reading.
const AllFaults = faultEnd - 1

var faultNames = [...]struct {
	f    Fault
	name string
}{
	{FaultUNTCount, "unt-count"},
	{FaultUNTReference, "unt-reference"},
	{FaultUNECount, "une-count"},
	{FaultUNEReference, "une-reference"},
	{FaultUNZCount, "unz-count"},
	{FaultUNZReference, "unz-reference"},
	{FaultZeroPaddedCount, "zero-padded-count"},
	{FaultMissingTrailer, "missing-trailer"},
	{FaultUnterminatedSegment, "unterminated-segment"},
	{FaultLineTerminator, "line-terminator"},
	{FaultLineBreak, "line-break"},
	{FaultEmptySegment, "empty-segment"},
	{FaultJunk, "junk"},
	{FaultMalformedUNA, "malformed-una"},
	{FaultCharset, "charset"},
	{FaultUnknownSyntax, "unknown-syntax"},
	{FaultStrayRelease, "stray-release"},
}

// String returns the configuration names of the faults in f, joined by commas
// ("all" for AllFaults, "" for none).
func (f Fault) String() string {
	if f == AllFaults {
		return "all"
	}
	var names []string
	for _, fn := range faultNames {
		if f&fn.f != 0 {
			names = append(names, fn.name)
		}
	}
	if rest := f &^ AllFaults; rest != 0 {
		names = append(names, "0x"+strconv.FormatUint(uint64(rest), 16))
	}
	return strings.Join(names, ",")
}

// ParseFaults reads a comma-separated list of fault names, as String writes
// them; "all" stands for AllFaults and "none" or "" for no fault.
func ParseFaults(s string) (Fault, error) {
	var f Fault
	for _, name := range strings.Split(s, ",") {
		name = strings.TrimSpace(name)
		switch name {
		case "", "none":
			continue
		case "all":
			f |= AllFaults
			continue
		}
		found := false
		for _, fn := range faultNames {
			if fn.name == name {
				f |= fn.f
				found = true
				break
			}
		}
		if !found {
			return 0, fmt.Errorf("edifact: unknown fault %q (known: %s, all)", name, AllFaults.names())
		}
	}
	return f, nil
}

func (f Fault) names() string {
	var names []string
	for _, fn := range faultNames {
		names = append(names, fn.name)
	}
	return strings.Join(names, ", ")
}

// MarshalText implements encoding.TextMarshaler, for configuration files.
func (f Fault) MarshalText() ([]byte, error) { return []byte(f.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler, for configuration files.
func (f *Fault) UnmarshalText(text []byte) error {
	v, err := ParseFaults(string(text))
	if err != nil {
		return err
	}
	*f = v
	return nil
}

// A SyntaxError describes where and how an interchange is malformed. The same
// type describes a tolerated fault (a warning) in lenient mode.
type SyntaxError struct {
	Offset     int64  // byte offset of the fault in the input, from 0
	Line       int    // line of the fault, from 1
	Segment    int    // index of the segment in the input, from 1 (UNA not counted); 0 between segments
	Tag        string // tag of that segment, if known
	Message    int    // index of the enclosing message in the input, from 1; 0 outside messages
	MessageRef string // UNH message reference number of the enclosing message
	MsgSegment int    // position of the segment in its message, UNH = 1; 0 outside messages
	Element    int    // data element position after the tag, from 1; 0 for the whole segment
	Component  int    // component position, from 1; 0 for the whole element
	Fault      Fault  // the tolerable fault this is, or 0 for a hard error
	Msg        string // what is wrong, in plain words
	Err        error  // the cause, such as ErrTooLong, if there is one
}

// Unwrap returns the cause, so that errors.Is(err, ErrTooLong) works.
func (e *SyntaxError) Unwrap() error { return e.Err }

func (e *SyntaxError) Error() string {
	var b strings.Builder
	b.WriteString("edifact: ")
	e.writePlace(&b)
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// Place returns where the error is, without the message, for example
// "line 12 (offset 480), message 3 (UNH 00003) segment 14 NAD, element 2".
func (e *SyntaxError) Place() string {
	var b strings.Builder
	e.writePlace(&b)
	return b.String()
}

func (e *SyntaxError) writePlace(b *strings.Builder) {
	if e.Line > 0 {
		fmt.Fprintf(b, "line %d (offset %d)", e.Line, e.Offset)
	} else {
		fmt.Fprintf(b, "offset %d", e.Offset)
	}
	switch {
	case e.Message > 0:
		fmt.Fprintf(b, ", message %d (UNH %s)", e.Message, e.MessageRef)
		if e.MsgSegment > 0 {
			fmt.Fprintf(b, " segment %d", e.MsgSegment)
		}
	case e.Segment > 0:
		fmt.Fprintf(b, ", segment %d", e.Segment)
	}
	if e.Tag != "" {
		b.WriteString(" " + e.Tag)
	}
	if e.Element > 0 {
		fmt.Fprintf(b, ", element %d", e.Element)
		if e.Component > 0 {
			fmt.Fprintf(b, " component %d", e.Component)
		}
	}
}

// ErrTooLong is wrapped by the error for a segment longer than
// Reader.MaxSegmentSize, which usually means a missing terminator.
var ErrTooLong = errors.New("segment too long")
