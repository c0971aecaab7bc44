package mapping

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/edibridge/edibridge/edifact"
	"github.com/edibridge/edibridge/mapping/structure"
	"github.com/edibridge/edibridge/procuros"
)

// A Mapper translates EANCOM messages into Procuros transactions and back,
// by its tables. It holds no state of its own and is safe for concurrent use.
type Mapper struct {
	tabs *Tables
}

// New returns a Mapper on the built-in tables with a partner's overrides
// (nil for none) in front.
func New(overrides *Tables) (*Mapper, error) {
	base, err := BuiltinTables()
	if err != nil {
		return nil, err
	}
	tabs, err := base.With(overrides)
	if err != nil {
		return nil, err
	}
	return &Mapper{tabs: tabs}, nil
}

// Tables returns the tables the Mapper uses.
func (m *Mapper) Tables() *Tables { return m.tabs }

// A Result is one message mapped to a Procuros transaction.
type Result struct {
	Content  procuros.Content // the transaction's typed content
	Warnings Problems         // notes for the journal: tolerated faults, values derived
}

// Transaction returns the body to post to Procuros.
func (r *Result) Transaction() procuros.SentTransaction {
	return procuros.NewSentTransaction(r.Content)
}

// ErrNotMapped is wrapped by the error for a message type (or function)
// the bridge does not map yet.
var ErrNotMapped = errors.New("not mapped")

// ToProcuros maps one message. When it cannot, the error is Problems, one
// per thing wrong, each naming message, segment, element and rule.
func (m *Mapper) ToProcuros(msg *edifact.Message) (*Result, error) {
	mt, ok := m.tabs.Messages[msg.Header.Type.Type]
	if !ok {
		return nil, Problems{{Message: msg.Index, Ref: msg.Header.Ref, Pos: 1, Tag: "UNH", Element: 2, Component: 1,
			Text: fmt.Sprintf("%s messages are %v (the bridge maps %s)", msg.Header.Type.Type, ErrNotMapped, m.tabs.messageList())}}
	}
	s, err := structure.Lookup(msg.Header.Type)
	if err != nil {
		return nil, Problems{{Message: msg.Index, Ref: msg.Header.Ref, Pos: 1, Tag: "UNH", Element: 2, Text: err.Error()}}
	}
	doc, p := m.documentName(msg, mt)
	if p != nil {
		return nil, Problems{p}
	}
	tree, sps := structure.Build(msg, s)
	mm := messageMappings[msg.Header.Type.Type]
	tx := mm.transaction
	if k, ok := mm.kinds[doc]; ok {
		tx = k
	}
	c := &in{tabs: m.tabs, t: mt, tx: string(tx), msg: msg, tree: tree, mark: msg.Delimiters.Decimal, plain: mm.plain, reads: make([]uint64, len(msg.Segments)+1)}
	for _, w := range msg.Warnings {
		c.problems = append(c.problems, fromSyntax(w))
	}
	for _, sp := range sps {
		c.problems = append(c.problems, fromStructure(sp))
	}
	content := mm.in(c)
	c.checkUnread()
	// In the order of the message, so that a partner reads them as they
	// read the file; problems of the whole message come last.
	slices.SortStableFunc(c.problems, func(a, b *Problem) int {
		return cmp.Compare(orderKey(a), orderKey(b))
	})
	if errs := c.problems.Errors(); len(errs) > 0 {
		return nil, c.problems
	}
	return &Result{Content: content, Warnings: c.problems.Warnings()}, nil
}

func orderKey(p *Problem) int {
	if p.Pos == 0 {
		return math.MaxInt
	}
	return p.Pos
}

// documentName returns the documentNames value of a message's document
// name (BGM C002 1001), which may decide its transaction (a credit note in
// an INVOIC), or reports a document the tables do not map: it is a
// different document (a debit note in an INVOIC, a change in an ORDERS),
// and nothing else about it matters yet. A message without BGM gives "".
func (m *Mapper) documentName(msg *edifact.Message, mt *MessageTables) (string, *Problem) {
	for i, seg := range msg.Segments {
		if seg.Tag != "BGM" {
			continue
		}
		code := seg.Value(0, 0)
		if v, ok := mt.DocumentNames.Get(code); ok {
			return v, nil
		}
		text := fmt.Sprintf("document name %q is not mapped: the bridge maps %s with %s (tables: documentNames)",
			code, mt.Message, strings.Join(mt.DocumentNames.codes, ", "))
		if hint, ok := documentHints[mt.Message+" "+code]; ok {
			text += "; " + hint
		}
		return "", &Problem{Message: msg.Index, Ref: msg.Header.Ref, Pos: i + 1, Tag: "BGM", Element: 1, Component: 1, Text: text}
	}
	return "", nil
}

// documentHints say what an unmapped document is, where it is well known.
var documentHints = map[string]string{
	"INVOIC 383": "383 is a debit note, which Procuros has no transaction for",
	"INVOIC 384": "384 is a corrected invoice, which Procuros has no transaction for (a CORRECTION credit note is a 381, or as the partner's tables say)",
	"ORDERS 230": "230 is an order change, which the bridge does not import (Procuros versions orders itself)",
	"ORDRSP 230": "230 is an order change, an ORDERS message, not an order response",
}

func (t *Tables) messageList() string { return strings.Join(t.messageNames(), ", ") }

// A messageMapping is the code of one message type: both directions.
type messageMapping struct {
	in  func(c *in) procuros.Content
	out func(o *out, content procuros.Content)
	// transaction is the Procuros transaction the message is, and versions
	// the association code of each directory.
	transaction procuros.TransactionType
	// kinds are the other transactions the message carries, by the
	// documentNames value that makes a message one: an INVOIC whose
	// document name is a credit note is a CREDIT_NOTE.
	kinds    map[string]procuros.TransactionType
	versions map[string]string // directory -> association code, e.g. D96A -> EAN008
	// plain is the documentNames value of the message's plain document
	// (an order, not a rush order), which leaves the header's type empty.
	plain string
}

// messageMappings are the messages the bridge maps, by EDIFACT type.
var messageMappings = map[string]messageMapping{
	"ORDERS": {in: ordersIn, out: ordersOut, transaction: procuros.TypeOrder, plain: "order",
		versions: map[string]string{"D96A": "EAN008", "D01B": "EAN010"}},
	"DESADV": {in: desadvIn, out: desadvOut, transaction: procuros.TypeShippingNotice, plain: "despatchAdvice",
		versions: map[string]string{"D96A": "EAN005", "D01B": "EAN007"}},
	"INVOIC": {in: invoicIn, out: invoicOut, transaction: procuros.TypeInvoice, plain: "invoice",
		kinds:    map[string]procuros.TransactionType{"creditNote": procuros.TypeCreditNote, "CORRECTION": procuros.TypeCreditNote, "VALUE_CREDIT": procuros.TypeCreditNote},
		versions: map[string]string{"D96A": "EAN008", "D01B": "EAN010"}},
	"ORDRSP": {in: ordrspIn, out: ordrspOut, transaction: procuros.TypeOrderResponse, plain: "orderResponse",
		versions: map[string]string{"D96A": "EAN005", "D01B": "EAN010"}},
	"RECADV": {in: recadvIn, out: recadvOut, transaction: procuros.TypeReceivalNotice, plain: "receivingAdvice",
		versions: map[string]string{"D96A": "EAN003", "D01B": "EAN005"}},
}

// carries reports whether the message carries transactions of type t.
func (mm messageMapping) carries(t procuros.TransactionType) bool {
	if mm.transaction == t {
		return true
	}
	for _, k := range mm.kinds {
		if k == t {
			return true
		}
	}
	return false
}

// messageFields are the values each message's tables may name.
var messageFields = map[string]fieldSet{
	"ORDERS": ordersFields,
	"DESADV": desadvFields,
	"INVOIC": invoicFields,
	"ORDRSP": ordrspFields,
	"RECADV": recadvFields,
}
