package mapping

import (
	"fmt"
	"strings"

	"github.com/edibridge/edibridge/edifact"
	"github.com/edibridge/edibridge/mapping/structure"
)

// A Problem is something a mapping cannot do with a message, or noticed
// while doing it: it says where (message, segment, element, component) and
// which rule. Problems of severity Error stop the message; warnings travel
// with the result into the journal.
type Problem struct {
	Message   int    // position of the message in its input, from 1 (0: not from EDIFACT)
	Ref       string // its UNH message reference
	Pos       int    // the segment, UNH = 1 (0: the whole message)
	Tag       string // that segment's tag
	Element   int    // the data element, from 1 (0: the whole segment)
	Component int    // the component, from 1 (0: the whole element)
	Path      string // the JSON field, for problems found on the Procuros side
	Warning   bool   // a note for the journal, not a reason to stop
	Text      string // the rule broken, in plain words
	// Fault is the syntax fault a warning tolerated (the reader's), 0 for
	// the mapping's own problems.
	Fault edifact.Fault
}

func (p *Problem) Error() string {
	var b strings.Builder
	if p.Message > 0 {
		fmt.Fprintf(&b, "message %d (UNH %s)", p.Message, p.Ref)
	}
	if p.Pos > 0 {
		fmt.Fprintf(&b, " segment %d %s", p.Pos, p.Tag)
		if p.Element > 0 {
			fmt.Fprintf(&b, ", element %d", p.Element)
			if p.Component > 0 {
				fmt.Fprintf(&b, " component %d", p.Component)
			}
		}
	}
	if p.Path != "" {
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		b.WriteString(p.Path)
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	b.WriteString(p.Text)
	return strings.TrimSpace(b.String())
}

// Problems is the error of a mapping that failed: every problem found, not
// only the first, so that a partner can fix a message in one round.
type Problems []*Problem

func (ps Problems) Error() string {
	lines := make([]string, 0, len(ps))
	for _, p := range ps {
		if !p.Warning {
			lines = append(lines, p.Error())
		}
	}
	return strings.Join(lines, "\n")
}

// Errors returns the problems that are not warnings.
func (ps Problems) Errors() Problems {
	var out Problems
	for _, p := range ps {
		if !p.Warning {
			out = append(out, p)
		}
	}
	return out
}

// Warnings returns the problems that are warnings.
func (ps Problems) Warnings() Problems {
	var out Problems
	for _, p := range ps {
		if p.Warning {
			out = append(out, p)
		}
	}
	return out
}

// fromStructure turns a problem of the message tree into a mapping problem.
func fromStructure(sp *structure.Problem) *Problem {
	return &Problem{Message: sp.Message, Ref: sp.Ref, Pos: sp.Pos, Tag: sp.Tag, Warning: sp.Severity == structure.Warning, Text: sp.Text}
}

// fromSyntax turns a syntax warning (a tolerated fault) into a mapping
// problem, for the journal.
func fromSyntax(se *edifact.SyntaxError) *Problem {
	return &Problem{Message: se.Message, Ref: se.MessageRef, Pos: se.MsgSegment, Tag: se.Tag, Element: se.Element, Component: se.Component,
		Warning: true, Text: fmt.Sprintf("%s (tolerated %s)", se.Msg, se.Fault), Fault: se.Fault}
}
