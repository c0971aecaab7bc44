package mapping

import (
	"strconv"
	"strings"

	"github.com/edibridge/edibridge/mapping/structure"
	"github.com/edibridge/edibridge/procuros"
)

// What the header parts of the messages share: document name and function,
// references, parties, currency, payment terms, free text.

// beginningOfMessage reads a BGM: the document name (by the
// documentNames table; the header type, "" for the plain document), the
// document number (C106 1004) and, in D01B, its version (1056) into
// version, and the message function (1225).
func (c *in) beginningOfMessage(bgm Seg, version *int) (docType, number string) {
	docType, number = c.documentNumber(bgm, version)
	c.messageFunction(bgm)
	return docType, number
}

// documentNumber reads a BGM but for its message function: the document
// name, number and version, as beginningOfMessage does.
func (c *in) documentNumber(bgm Seg, version *int) (docType, number string) {
	docType = c.documentType(bgm)
	c.consume(bgm, 1, 2, 3) // code list of the document name
	number = c.value(bgm, 2, 1)
	if v := c.value(bgm, 2, 2); v != "" {
		n, err := parseInt(v)
		if err != nil || n < 0 {
			c.errorf(bgm, 2, 2, "document version %q is not a whole number, as Procuros counts versions", v)
		} else {
			*version = n
		}
	}
	return docType, number
}

// documentType reads BGM C002 1001 by the documentNames table: the value
// is the Procuros header type, "order" (and the like) for the plain one.
func (c *in) documentType(bgm Seg) string {
	code := c.value(bgm, 1, 1)
	v, ok := c.t.DocumentNames.Get(code)
	if !ok {
		c.errorf(bgm, 1, 1, "document name %q is not mapped: the bridge maps %s with %s (tables: documentNames)", code, c.t.Message, strings.Join(c.t.DocumentNames.codes, ", "))
		return ""
	}
	if v == c.plain || v == NotCarried {
		return ""
	}
	return v
}

// messageFunction checks BGM 1225 against the functions table.
func (c *in) messageFunction(bgm Seg) {
	code := c.value(bgm, 3, 1)
	if code == "" {
		return // EANCOM makes it mandatory; its absence changes nothing
	}
	if _, ok := c.t.Functions.Get(code); !ok {
		c.errorf(bgm, 3, 1, "message function %q is not mapped: the bridge imports originals (tables: functions)", code)
	}
}

// textSlots are the header's free text fields; a field the transaction
// lacks is nil.
type textSlots struct {
	comments, delivery, purchasing, legal, reason *string
}

// headerText reads an FTX at message level into the header field its
// subject maps to. A subject whose field the transaction lacks is an error
// naming it.
func (c *in) headerText(s Seg, slots textSlots) {
	field, ok := c.lookup(s, c.t.FreeText, 1, 1)
	if !ok {
		return
	}
	var slot *string
	switch field {
	case "header.comments":
		slot = slots.comments
	case "header.deliveryInformation":
		slot = slots.delivery
	case "header.purchasingInformation":
		slot = slots.purchasing
	case "header.legalInformation":
		slot = slots.legal
	case "header.reason":
		slot = slots.reason
	}
	if slot == nil {
		c.errorf(s, 1, 1, "FTX+%s: %s has no field in %s (map the subject otherwise, or ignore FTX+%s, in the partner's tables)", c.value(s, 1, 1), field, c.tx, c.value(s, 1, 1))
		return
	}
	appendText(slot, c.text(s, 4, 1, 5, c.ftxWidth()))
}

// headerReference reads an RFF group at message level (RFF and its DTM+171)
// and hands field, segment, reference and date to set, which reports
// whether the field has a place for the date; if not, a date given is noted
// as not carried.
func (c *in) headerReference(g *structure.Node, set func(field string, rff Seg, ref string, date procuros.DateTime) (dateUsed bool)) {
	rff := first(g)
	field, ok := c.lookup(rff, c.t.References, 1, 1)
	var date procuros.DateTime
	var dtm Seg
	c.walk(g, handlers{
		segment: func(s Seg) bool {
			switch s.Tag {
			case "RFF":
			case "DTM":
				if c.value(s, 1, 1) != "171" {
					c.unmapped(s, c.value(s, 1, 1))
					return true
				}
				date, _ = c.date(s)
				dtm = s
			default:
				return false
			}
			return true
		},
	})
	if ok && !set(field, rff, c.value(rff, 1, 2), date) && !date.IsZero() {
		c.warnf(dtm, 1, 2, "the date of reference %s %s is not carried: %s has no field for it", c.value(rff, 1, 1), c.value(rff, 1, 2), c.tx)
	}
}

// A refSlot is where a header reference (RFF at message level) goes: its
// text, and its date (DTM+171) when the transaction has a field for it.
type refSlot struct {
	text *string
	date *procuros.DateTime
	name string // for problems: "order number"
}

// referenceInto reads a header RFF group into the slot its field names. A
// field the transaction lacks (no slot) is an error naming it.
func (c *in) referenceInto(g *structure.Node, slots map[string]refSlot) {
	c.headerReference(g, func(field string, s Seg, ref string, date procuros.DateTime) bool {
		slot, ok := slots[field]
		if !ok {
			c.errorf(s, 1, 1, "RFF+%s: %s has no field in %s (ignore RFF+%s in the partner's tables to drop it)", c.value(s, 1, 1), field, c.tx, c.value(s, 1, 1))
			return true
		}
		c.setText(s, 1, 2, slot.text, ref, slot.name)
		if slot.date == nil {
			return false
		}
		c.setDateIf(s, slot.date, date, "date of the "+slot.name)
		return true
	})
}

// A dateSlot is where a message-level date (DTM by the dates table) goes,
// and where its segment is kept when a later check names it.
type dateSlot struct {
	date *procuros.DateTime
	name string // for problems: "order date"
	at   *Seg   // nil: not kept
}

// dateInto reads a DTM at message level into the slot its field names.
// The date is read (and a bad one reported) even for a field the message
// keeps no slot for: the tables say it is a date of this message.
func (c *in) dateInto(s Seg, slots map[string]dateSlot) {
	field, ok := c.lookup(s, c.t.Dates, 1, 1)
	if !ok {
		return
	}
	d, ok := c.date(s)
	if !ok {
		return
	}
	slot, ok := slots[field]
	if !ok {
		return
	}
	c.setDate(s, slot.date, d, slot.name)
	if slot.at != nil {
		*slot.at = s
	}
}

// messageTax reads a TAX group at message level (before the lines): the
// tax of every line that states none. It is kept in *at.
func (c *in) messageTax(g *structure.Node, at *Seg) {
	c.walk(g, handlers{segment: only("TAX")})
	if at.Segment != nil {
		c.errorf(first(g), 0, 0, "a second tax at message level: which applies to the lines is not said")
	}
	*at = first(g)
}

// controlCount checks a control total (CNT): the number of line items
// (2) against the message's LIN segments. Other totals (of quantities,
// weights) have no Procuros field and are read and dropped.
func (c *in) controlCount(s Seg) {
	if c.value(s, 1, 1) != "2" {
		c.consumeAll(s)
		return
	}
	n, ok := c.integer(s, 1, 2)
	if !ok {
		return
	}
	lines := 0
	for _, seg := range c.msg.Segments {
		if seg.Tag == "LIN" {
			lines++
		}
	}
	if n != lines {
		c.warnf(s, 1, 2, "the control total counts %d line items, the message has %d", n, lines)
	}
}

// A partyAt is a party read from a NAD group, with its role.
type partyAt struct {
	partyIn
	role string
	nad  Seg
}

// partyGroup reads a NAD group and its role from the parties table.
func (c *in) partyGroup(g *structure.Node) partyAt {
	nad := first(g)
	role, _ := c.lookup(nad, c.t.Parties, 1, 1)
	if role == "" {
		// Not mapped (reported) or not carried: its group is read for
		// nothing, so that its own segments are not reported twice.
		return partyAt{nad: nad}
	}
	return partyAt{partyIn: c.party(g), role: role, nad: nad}
}

// partySlots are where a transaction's header keeps its parties, by role;
// a role the transaction lacks has no slot (its table names no such role).
type partySlots struct {
	buyer, supplier, customer                          *procuros.Party
	shipTo, shipFrom, billTo, billFrom, finalRecipient **procuros.Party
	additional                                         **procuros.AdditionalOrderIdentifiers
}

// assignParties stores the parties read from NAD groups in their slots,
// with the order numbers they gave, and drops an empty
// AdditionalOrderIdentifiers.
func (c *in) assignParties(parties []partyAt, slots partySlots) {
	add := func() *procuros.AdditionalOrderIdentifiers { return additional(slots.additional) }
	for _, p := range parties {
		switch p.role {
		case "buyer":
			c.assignParty(p, slots.buyer)
		case "supplier":
			c.assignParty(p, slots.supplier)
		case "customer":
			c.assignParty(p, slots.customer)
		case "shipTo":
			*slots.shipTo = c.assignOptional(p, *slots.shipTo, &add().ShipToOrderIdentifier)
		case "shipFrom":
			*slots.shipFrom = c.assignOptional(p, *slots.shipFrom, &add().ShipFromOrderIdentifier)
		case "billTo":
			*slots.billTo = c.assignOptional(p, *slots.billTo, &add().BillToOrderIdentifier)
		case "billFrom":
			*slots.billFrom = c.assignOptional(p, *slots.billFrom, &add().BillFromOrderIdentifier)
		case "finalRecipient":
			*slots.finalRecipient = c.assignOptional(p, *slots.finalRecipient, &add().FinalRecipientOrderIdentifier)
		}
	}
	dropEmptyAdditional(slots.additional)
}

// assignParty stores a required party, once.
func (c *in) assignParty(p partyAt, field *procuros.Party) {
	if field.Name != "" || len(field.Identifiers) > 0 {
		c.errorf(p.nad, 1, 1, "a second %s party (NAD+%s)", p.role, c.value(p.nad, 1, 1))
		return
	}
	*field = p.party
	if p.orderRef != "" {
		c.errorf(p.nad, 0, 0, "the %s's order number (RFF+ON in its group) has no place in Procuros", p.role)
	}
}

// assignOptional stores an optional party, once, and the order number it
// gave in orderRef.
func (c *in) assignOptional(p partyAt, have *procuros.Party, orderRef *string) *procuros.Party {
	if have != nil {
		c.errorf(p.nad, 1, 1, "a second %s party (NAD+%s)", p.role, c.value(p.nad, 1, 1))
		return have
	}
	*orderRef = p.orderRef
	party := p.party
	return &party
}

// additional returns the AdditionalOrderIdentifiers, made if absent;
// dropEmptyAdditional removes it again if nothing was set.
func additional(a **procuros.AdditionalOrderIdentifiers) *procuros.AdditionalOrderIdentifiers {
	if *a == nil {
		*a = &procuros.AdditionalOrderIdentifiers{}
	}
	return *a
}

func dropEmptyAdditional(a **procuros.AdditionalOrderIdentifiers) {
	if *a != nil && **a == (procuros.AdditionalOrderIdentifiers{}) {
		*a = nil
	}
}

// lastOf returns the last party's NAD, or def: where a missing party is reported.
func lastOf(ps []partyAt, def Seg) Seg {
	if len(ps) > 0 {
		return ps[len(ps)-1].nad
	}
	return def
}

// require reports a field the transaction requires and the message lacks.
func (c *in) require(at Seg, ok bool, what, field string) {
	if !ok {
		c.missing(at, what, field)
	}
}

// currency reads a CUX group: the reference currency (C504 6347 = 2).
func (c *in) currency(g *structure.Node, field *string) {
	c.walk(g, handlers{
		segment: func(s Seg) bool {
			switch s.Tag {
			case "CUX":
				c.currencySegment(s, field)
			case "DTM":
				c.warnf(s, 0, 0, "the date of an exchange rate is not carried: Procuros has one currency and no rate")
			default:
				return false
			}
			return true
		},
	})
}

// currencySegment reads a CUX: the reference currency (C504 6347 = 2).
func (c *in) currencySegment(s Seg, field *string) {
	if q := c.value(s, 1, 1); q != "2" {
		c.errorf(s, 1, 1, "currency qualifier %q is not the reference currency (2)", q)
		return
	}
	c.setText(s, 1, 2, field, c.value(s, 1, 2), "currency")
	c.consume(s, 1, 3) // its use: 9 order, 4 invoicing currency
}

// defaultText applies the tables' default for an empty field.
func (c *in) defaultText(field *string, name string) {
	if *field == "" {
		*field = c.t.Defaults[name]
	}
}

// paymentTerm reads a PAT group: days to pay (C112 2152 with 2151 D) and
// the discount (PCD+12) for paying in time; a basic term (PAT+1) grants 0%.
// A DTM+13 (due date) goes to due when the message has a place for it.
func (c *in) paymentTerm(g *structure.Node, due *procuros.DateTime) procuros.PaymentTerm {
	pat := first(g)
	var pt procuros.PaymentTerm
	switch c.value(pat, 1, 1) {
	case "1":
		pt.Percentage = "0"
	case "22":
	default:
		c.errorf(pat, 1, 1, "payment terms type %q is not mapped (1 basic, 22 discount are)", c.value(pat, 1, 1))
	}
	// Procuros counts days after the invoice date: the reference (C112
	// 2475) must be the date of invoice (5), the relation (2009) after it (3).
	if ref := c.value(pat, 3, 1); ref != "" && ref != "5" {
		c.errorf(pat, 3, 1, "payment time reference %q is not mapped: Procuros counts the days from the date of invoice (5)", ref)
	}
	if rel := c.value(pat, 3, 2); rel != "" && rel != "3" {
		c.errorf(pat, 3, 2, "time relation %q is not mapped: Procuros counts the days after the reference (3)", rel)
	}
	if unit := c.value(pat, 3, 3); unit != "" && unit != "D" {
		c.errorf(pat, 3, 3, "payment period in %q is not mapped: Procuros counts days (D)", unit)
	}
	if n, ok := c.integer(pat, 3, 4); ok {
		pt.PayInNumberOfDays = procuros.Int(n)
	}
	c.walk(g, handlers{
		segment: func(s Seg) bool {
			switch s.Tag {
			case "PAT":
			case "PCD":
				if c.value(s, 1, 1) != "12" {
					c.unmapped(s, c.value(s, 1, 1))
					return true
				}
				pt.Percentage = c.decimal(s, 1, 2)

			case "DTM":
				c.dueDate(s, due)
			default:
				return false
			}
			return true
		},
	})
	if pt.PayInNumberOfDays == nil {
		c.errorf(pat, 3, 4, "payment terms without a number of days; Procuros requires payInNumberOfDays")
	}
	if pt.Percentage == "" {
		c.errorf(pat, 0, 0, "discount payment terms (PAT+22) without a percentage (PCD+12)")
	}
	return pt
}

// partiesOut are the parties of a transaction's header to write; a role
// the transaction lacks is nil.
type partiesOut struct {
	buyer, supplier, customer                          *procuros.Party
	shipTo, shipFrom, billTo, billFrom, finalRecipient *procuros.Party
	additional                                         *procuros.AdditionalOrderIdentifiers
}

// writeParties writes the parties in the order of the message's parties
// table (ORDERS the buyer first, DESADV and INVOIC the supplier), each with
// the order number it gave. An order number whose party is missing, or
// that the message has no party for, is a warning.
func (o *out) writeParties(p partiesOut) {
	add := p.additional
	if add == nil {
		add = &procuros.AdditionalOrderIdentifiers{}
	}
	byRole := map[string]struct {
		party    *procuros.Party
		orderRef string
	}{
		"buyer": {p.buyer, ""}, "supplier": {p.supplier, ""}, "customer": {p.customer, ""},
		"shipTo": {p.shipTo, add.ShipToOrderIdentifier}, "shipFrom": {p.shipFrom, add.ShipFromOrderIdentifier},
		"billTo": {p.billTo, add.BillToOrderIdentifier}, "billFrom": {p.billFrom, add.BillFromOrderIdentifier},
		"finalRecipient": {p.finalRecipient, add.FinalRecipientOrderIdentifier},
	}
	written := map[string]bool{}
	for _, role := range o.t.Parties.values {
		entry, ok := byRole[role]
		if !ok || written[role] {
			continue
		}
		written[role] = true
		switch role {
		case "buyer", "supplier", "customer":
			o.party(role, "header."+role, *entry.party, "")
		default:
			o.optionalParty(role, "header."+role, entry.party, entry.orderRef)
		}
	}
	for _, role := range []string{"shipTo", "shipFrom", "billTo", "billFrom", "finalRecipient"} {
		if !written[role] && byRole[role].orderRef != "" {
			o.notCarriedRef(role)
		}
	}
}

// notCarriedRef notes an order number of AdditionalOrderIdentifiers that
// has no party to carry it.
func (o *out) notCarriedRef(role string) {
	o.warnf("header.AdditionalOrderIdentifiers."+role+"OrderIdentifier",
		"not written: the %s's order number travels in the %s's NAD group, and there is no %s party", role, role, role)
}

// dueDate reads a DTM of a PAT group: DTM+13, the due date, into due when
// the transaction has a place for it (due not nil).
func (c *in) dueDate(s Seg, due *procuros.DateTime) {
	if c.value(s, 1, 1) != "13" || due == nil {
		c.unmapped(s, c.value(s, 1, 1))
		return
	}
	if d, ok := c.date(s); ok {
		c.setDate(s, due, d, "due date")
	}
}

// paymentTerm writes a PAT group: PAT+1 for a term without discount, else
// PAT+22 with PCD+12.
func (o *out) paymentTerm(path string, pt procuros.PaymentTerm) {
	days := ""
	if pt.PayInNumberOfDays != nil {
		days = strconv.Itoa(*pt.PayInNumberOfDays)
	}
	r, ok := rat(pt.Percentage)
	if ok && r.Sign() == 0 {
		o.add("PAT", []string{"1"}, nil, []string{"5", "3", "D", days})
		return
	}
	o.add("PAT", []string{"22"}, nil, []string{"5", "3", "D", days})
	o.add("PCD", []string{"12", o.num(pt.Percentage, path, ".percentage")})
}

// optionalParty writes a party if it is there. The order number a party
// gave travels in its NAD group; without the party it is not written.
func (o *out) optionalParty(role, path string, p *procuros.Party, orderRef string) {
	if p == nil {
		if orderRef != "" {
			o.notCarriedRef(role)
		}
		return
	}
	o.party(role, path, *p, orderRef)
}
