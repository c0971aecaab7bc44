package mapping

import (
	"fmt"
	"io"
	"time"

	"github.com/edibridge/edibridge/edifact"
	"github.com/edibridge/edibridge/procuros"
)

// An Envelope says how to write an interchange: who sends it to whom, with
// which control reference, syntax and EANCOM version. The caller counts the
// control references (per partner, in the journal).
type Envelope struct {
	Sender, Recipient edifact.Party
	ControlRef        string             // UNB 0020
	Prepared          time.Time          // UNB S004; zero: now
	SyntaxID          string             // default UNOC
	Delimiters        edifact.Delimiters // zero: the defaults (the decimal mark included)
	AlwaysUNA         bool
	LineBreak         string // after each segment terminator: "", "\n" or "\r\n"
	Directory         string // EANCOM version of the messages: D96A (default) or D01B
	Test              bool   // UNB 0035 test indicator
	ApplicationRef    string // UNB 0026, often the message type
}

// An OutMessage is one transaction to write, with its UNH reference.
type OutMessage struct {
	Ref     string
	Content procuros.Content
}

// ToEDIFACT maps one transaction to the segments of an EANCOM message, UNH
// first, without UNT (the Writer counts it). directory is D96A or D01B;
// mark is the decimal mark to write numbers with. Warnings list what the
// message cannot carry; the error is Problems when it cannot be written.
func (m *Mapper) ToEDIFACT(content procuros.Content, ref, directory string, mark byte) ([]edifact.Segment, Problems, error) {
	content = pointerTo(content)
	msgType, mm, ok := m.mappingFor(content.TransactionType())
	if !ok {
		return nil, nil, Problems{{Text: fmt.Sprintf("%s transactions are %v to EDIFACT", content.TransactionType(), ErrNotMapped)}}
	}
	if directory == "" {
		directory = "D96A"
	}
	assoc, ok := mm.versions[directory]
	if !ok {
		return nil, nil, Problems{{Text: fmt.Sprintf("%s is not written in directory %s (D96A and D01B are)", msgType, directory)}}
	}
	if mark == 0 {
		mark = '.'
	}
	o := &out{tabs: m.tabs, t: m.tabs.Messages[msgType], mark: mark, directory: directory}
	o.segs = append(o.segs, edifact.MessageHeader{Ref: ref, Type: edifact.MessageType{
		Type: msgType, Version: directory[:1], Release: directory[1:], Agency: "UN", Association: assoc}}.Segment())
	mm.out(o, content)
	if len(o.problems.Errors()) > 0 {
		return nil, o.problems, o.problems
	}
	return o.segs, o.problems, nil
}

// pointerTo returns content as the pointer the mappings take: the content
// types satisfy procuros.Content as values too.
func pointerTo(content procuros.Content) procuros.Content {
	switch v := content.(type) {
	case procuros.Order:
		return &v
	case procuros.ShippingNotice:
		return &v
	case procuros.Invoice:
		return &v
	case procuros.OrderResponse:
		return &v
	case procuros.CreditNote:
		return &v
	case procuros.ReceivalNotice:
		return &v
	}
	return content
}

// mappingFor finds the message that carries a transaction type.
func (m *Mapper) mappingFor(t procuros.TransactionType) (string, messageMapping, bool) {
	for name, mm := range messageMappings {
		if mm.carries(t) {
			if _, ok := m.tabs.Messages[name]; ok {
				return name, mm, true
			}
		}
	}
	return "", messageMapping{}, false
}

// WriteInterchange writes transactions as one interchange. It writes
// nothing if one of them cannot be mapped: the error (Problems) names it.
// It holds every message until the last is mapped; InterchangeWriter
// writes them one at a time.
func (m *Mapper) WriteInterchange(w io.Writer, env Envelope, msgs []OutMessage) (Problems, error) {
	mark := env.delimiters().Decimal
	all := make([][]edifact.Segment, 0, len(msgs))
	var warnings Problems
	for i, msg := range msgs {
		segs, probs, err := m.ToEDIFACT(msg.Content, msg.Ref, env.Directory, mark)
		atIndex(probs, i)
		if err != nil {
			return probs, probs
		}
		warnings = append(warnings, probs...)
		all = append(all, segs)
	}
	iw, err := m.NewInterchangeWriter(w, env)
	if err != nil {
		return warnings, err
	}
	for _, segs := range all {
		if err := iw.writeMessage(segs); err != nil {
			return warnings, err
		}
	}
	return warnings, iw.Close()
}

// atIndex prefixes the JSON paths of problems with the index of their
// transaction in the input: "[2].items[0].tax".
func atIndex(probs Problems, i int) {
	for _, p := range probs {
		p.Path = fmt.Sprintf("[%d].%s", i, p.Path)
	}
}

func (env Envelope) delimiters() edifact.Delimiters {
	if env.Delimiters == (edifact.Delimiters{}) {
		return edifact.DefaultDelimiters
	}
	return env.Delimiters
}

// An InterchangeWriter writes transactions as the messages of one
// interchange, one at a time, so that memory is bounded by the largest
// message, not the interchange. A transaction that cannot be mapped is
// reported and leaves nothing in the output; the interchange goes on.
type InterchangeWriter struct {
	m   *Mapper
	w   *edifact.Writer
	env Envelope
	n   int // transactions given, to name them in problems
}

// NewInterchangeWriter writes the interchange header (UNA, UNB) to w.
func (m *Mapper) NewInterchangeWriter(w io.Writer, env Envelope) (*InterchangeWriter, error) {
	wr := edifact.NewWriter(w)
	wr.Delimiters, wr.AlwaysUNA, wr.LineBreak = env.Delimiters, env.AlwaysUNA, env.LineBreak
	prepared := env.Prepared
	if prepared.IsZero() {
		prepared = time.Now()
	}
	prepared = prepared.In(procuros.Berlin())
	syntax := env.SyntaxID
	if syntax == "" {
		syntax = "UNOC"
	}
	h := edifact.InterchangeHeader{
		SyntaxID: syntax, SyntaxVersion: "3", Sender: env.Sender, Recipient: env.Recipient,
		Date: prepared.Format("060102"), Time: prepared.Format("1504"), ControlRef: env.ControlRef,
		ApplicationRef: env.ApplicationRef,
	}
	if env.Test {
		h.TestIndicator = "1"
	}
	if err := wr.BeginInterchange(h); err != nil {
		return nil, err
	}
	return &InterchangeWriter{m: m, w: wr, env: env}, nil
}

// Write maps one transaction and writes it as a message. When it cannot be
// mapped, the error is Problems and nothing of it is written. The warnings
// say what the message could not carry.
func (iw *InterchangeWriter) Write(msg OutMessage) (Problems, error) {
	i := iw.n
	iw.n++
	segs, probs, err := iw.m.ToEDIFACT(msg.Content, msg.Ref, iw.env.Directory, iw.env.delimiters().Decimal)
	atIndex(probs, i)
	if err != nil {
		return probs, probs
	}
	return probs, iw.writeMessage(segs)
}

func (iw *InterchangeWriter) writeMessage(segs []edifact.Segment) error {
	for _, s := range segs {
		if err := iw.w.WriteSegment(s); err != nil {
			return err
		}
	}
	return iw.w.EndMessage()
}

// Close writes the UNZ and flushes.
func (iw *InterchangeWriter) Close() error { return iw.w.EndInterchange() }
