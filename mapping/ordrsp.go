package mapping

import (
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"github.com/edibridge/edibridge/edifact"
	"github.com/edibridge/edibridge/mapping/structure"
	"github.com/edibridge/edibridge/procuros"
)

// ORDRSP <-> ORDER_RESPONSE. The tables are in tables/ordrsp.yaml. The
// type of the response (ACCEPT, REJECT, CHANGE) is the message function
// (BGM 1225, by the functions table), and the rules Procuros sets for each
// type (orderResponseRules) are enforced both ways with the same words.

var ordrspFields = fieldSet{
	documentNames:    []string{"orderResponse"},
	functions:        []string{string(procuros.OrderResponseAccept), string(procuros.OrderResponseReject), string(procuros.OrderResponseChange)},
	dates:            []string{"header.orderResponseDate", "header.requestedDeliveryDate", "header.confirmedDeliveryDate"},
	references:       []string{"header.orderIdentifier", "header.contractReference", "header.promotionCode", "header.AdditionalOrderIdentifiers.supplierOrderIdentifier"},
	parties:          []string{"buyer", "supplier", "shipTo", "billTo", "finalRecipient"},
	partyOrders:      []string{"order"},
	freeText:         []string{"header.comments", "header.deliveryInformation", "header.purchasingInformation", "header.legalInformation"},
	amounts:          []string{"subtotalAmount", "netAmount", "grossAmount", "dueAmount", "taxTotal", "totalCharges", "totalAllowances"},
	lineActions:      []string{lineAccepted, lineChanged, lineRejected},
	itemDates:        []string{"requestedDeliveryDate", "requestedEarliestDeliveryDate", "requestedLatestDeliveryDate", "confirmedDeliveryDate", "confirmedEarliestDeliveryDate", "confirmedLatestDeliveryDate"},
	itemQuantities:   []string{"orderedQuantity", "confirmedQuantity"},
	itemPrices:       []string{"netPrice", "grossPrice", "recommendedRetailPrice"},
	itemAmounts:      []string{"lineAmount"},
	itemReferences:   []string{"orderLineNumber", "orderIdentifier", "contractReference", "promotionCode"},
	itemFreeText:     []string{"comments"},
	itemDescriptions: []string{"description", "colorName", "size"},
	itemCodes:        []string{"deposit"},
	itemMeasures:     []string{"netWeight", "grossWeight"},
	defaults:         map[string][]string{"currency": nil, "unitOfMeasure": unitsAllowed},
}

// What a line's action (LIN 1229, by the lineActions table) says of it.
const (
	lineAccepted = "accepted" // accepted as ordered: confirmed = ordered
	lineChanged  = "changed"  // quantity or date changed
	lineRejected = "rejected" // not accepted: confirmed 0
)

// deliveryWindows are the item fields a range of a delivery date fills:
// a DTM of the requested (confirmed) delivery date with a range (718, 719)
// or a week (616) gives the earliest and the latest date.
var deliveryWindows = map[string][2]string{
	"requestedDeliveryDate": {"requestedEarliestDeliveryDate", "requestedLatestDeliveryDate"},
	"confirmedDeliveryDate": {"confirmedEarliestDeliveryDate", "confirmedLatestDeliveryDate"},
}

// responseAt are the places of an order response's header fields in the
// message, where the rules report what is wrong with them.
type responseAt struct {
	bgm, requested, confirmed Seg
	lins                      []Seg // the LIN of each item
}

// ordrspIn maps an ORDRSP message to an ORDER_RESPONSE.
func ordrspIn(c *in) procuros.Content {
	var r procuros.OrderResponse
	h := &r.Header
	var at responseAt
	var parties []partyAt
	var lineTax Seg // a TAX at message level: every line's that states none
	var headerMods []procuros.ModificationGroup
	var headerModsSeg Seg
	var lineOrders []lineOrder
	if n := count(c.tree.Root, "LIN"); n > 0 {
		r.Items = make([]procuros.OrderResponseItem, 0, n)
		at.lins = make([]Seg, 0, n)
	}
	lines := make([]lineTotal, 0, cap(r.Items))
	sum := newSummaryIn()
	uns := 0
	if s, ok := c.tree.Root.First("UNS"); ok {
		uns = s.Pos
	}
	c.walk(c.tree.Root, handlers{
		segment: func(s Seg) bool {
			switch s.Tag {
			case "BGM":
				at.bgm = s
				_, h.OrderResponseIdentifier = c.documentNumber(s, &h.Version)
				h.Type = c.responseType(s)
			case "DTM":
				c.responseDate(s, h, &at)
			case "FTX":
				c.headerText(s, textSlots{comments: &h.Comments, delivery: &h.DeliveryInformation, purchasing: &h.PurchasingInformation, legal: &h.LegalInformation})
			case "CNT":
				c.controlCount(s)
			case "MOA":
				c.summaryAmount(s, sum)
			default:
				return false
			}
			return true
		},
		group: func(trigger string, g *structure.Node) bool {
			switch trigger {
			case "RFF":
				c.referenceInto(g, map[string]refSlot{
					"header.orderIdentifier":   {text: &h.OrderIdentifier, date: &h.OrderDate, name: "order number"},
					"header.contractReference": {text: &h.ContractReference, name: "contract reference"},
					"header.promotionCode":     {text: &h.PromotionCode, name: "promotion code"},
					"header.AdditionalOrderIdentifiers.supplierOrderIdentifier": {
						text: &additional(&h.AdditionalOrderIdentifiers).SupplierOrderIdentifier, name: "supplier's order number"},
				})
			case "NAD":
				parties = append(parties, c.partyGroup(g))
			case "CUX":
				c.currency(g, &h.Currency)
			case "PAT":
				h.PaymentTerms = append(h.PaymentTerms, c.paymentTerm(g, nil))
			case "TAX":
				c.messageTax(g, &lineTax)
			case "ALC":
				if uns > 0 && first(g).Pos > uns {
					// Totals by kind of allowance or charge: what the
					// message said already, at message or line level.
					c.allowanceTotal(g, map[procuros.ModificationType]*big.Rat{})
					return true
				}
				c.allowance(g, &headerMods, &headerModsSeg)
			case "LIN":
				it, total, lin, order := c.responseItem(g, lineTax)
				r.Items = append(r.Items, it)
				lines = append(lines, total)
				at.lins = append(at.lins, lin)
				if order.id != "" {
					lineOrders = append(lineOrders, order)
				}
			default:
				return false
			}
			return true
		},
	})
	if at.bgm.Segment == nil {
		c.missing(c.unh(), "BGM", "an order response number")
		return &r
	}
	c.assignParties(parties, partySlots{buyer: &h.Buyer, supplier: &h.Supplier, shipTo: &h.ShipTo, billTo: &h.BillTo,
		finalRecipient: &h.FinalRecipient, additional: &h.AdditionalOrderIdentifiers})
	c.defaultText(&h.Currency, "currency")
	for i := range r.Items {
		if r.Items[i].UnitOfMeasure == "" {
			r.Items[i].UnitOfMeasure = procuros.UnitOfMeasure(c.t.Defaults["unitOfMeasure"])
		}
	}
	c.oneOrder(&h.OrderIdentifier, &h.OrderDate, lineOrders, "answers", "order response")
	if len(r.Items) > 0 {
		r.Summary = c.orderSummary(sum, headerMods, headerModsSeg, lines, at.bgm)
	} else if len(sum.amounts) > 0 || len(headerMods) > 0 {
		c.warnf(sum.first, 0, 0, "not carried: the totals of a response without lines (Procuros computes an order response's summary from its items)")
	}
	if len(r.Items) == 0 {
		r.Items = nil
	}
	c.require(at.bgm, h.OrderResponseIdentifier != "", "order response number (BGM C106 1004)", "orderResponseIdentifier")
	c.require(at.bgm, !h.OrderResponseDate.IsZero(), "document date (DTM+137)", "orderResponseDate")
	c.require(at.bgm, h.OrderIdentifier != "", "order number (RFF+ON)", "orderIdentifier")
	c.require(lastOf(parties, at.bgm), len(h.Buyer.Identifiers) > 0, "BY party", "buyer")
	c.require(lastOf(parties, at.bgm), len(h.Supplier.Identifiers) > 0, "SU party", "supplier")
	c.responseRules(&r, at)
	return &r
}

// responseType reads the message function (BGM 1225) by the functions
// table: the type of the response. The response type (4343) AI,
// "acknowledge only changes", contradicts a CHANGE, which carries all
// lines.
func (c *in) responseType(bgm Seg) procuros.OrderResponseType {
	code := c.value(bgm, 3, 1)
	codes := func() string {
		var list []string
		for _, t := range ordrspFields.functions {
			if k, ok := c.t.Functions.Code(t); ok {
				list = append(list, fmt.Sprintf("%s %s", k, t))
			}
		}
		return strings.Join(list, ", ")
	}
	if code == "" {
		c.errorf(bgm, 3, 1, "no message function (BGM 1225): it gives the type of the order response (%s)", codes())
		return ""
	}
	v, ok := c.t.Functions.Get(code)
	if !ok || v == NotCarried {
		c.errorf(bgm, 3, 1, "message function %q is not mapped: the type of an order response is one of %s (tables: functions)", code, codes())
		return ""
	}
	typ := procuros.OrderResponseType(v)
	switch rt := c.value(bgm, 4, 1); rt {
	case "", "AC", "NA": // with detail and change; no acknowledgement needed
	case "AI":
		if typ == procuros.OrderResponseChange {
			c.errorf(bgm, 4, 1, "response type AI acknowledges only the changed lines; %s", ruleChangeAllLines)
		}
	default:
		c.errorf(bgm, 4, 1, "response type %q is not mapped (AC, AI and NA are)", rt)
	}
	return typ
}

// responseDate reads a DTM at message level; the delivery dates' places
// are kept for the rules.
func (c *in) responseDate(s Seg, h *procuros.OrderResponseHeader, at *responseAt) {
	c.dateInto(s, map[string]dateSlot{
		"header.orderResponseDate":     {date: &h.OrderResponseDate, name: "order response date"},
		"header.requestedDeliveryDate": {date: &h.RequestedDeliveryDate, name: "requested delivery date", at: &at.requested},
		"header.confirmedDeliveryDate": {date: &h.ConfirmedDeliveryDate, name: "confirmed delivery date", at: &at.confirmed},
	})
}

// responseItem maps a line item group to an ORDER_RESPONSE item, and
// returns what it adds to the summary, its LIN, and the order it names
// (RFF+ON in the line). tax is the message-level TAX, for a line without
// one.
func (c *in) responseItem(g *structure.Node, tax Seg) (procuros.OrderResponseItem, lineTotal, Seg, lineOrder) {
	var dates fields[procuros.DateTime]
	d := c.item(g, handlers{segment: func(s Seg) bool {
		if s.Tag != "DTM" {
			return false
		}
		c.responseItemDate(s, &dates)
		return true
	}})
	if d.tax == nil && tax.Segment != nil {
		d.tax, d.taxRate, d.taxCategory = &procuros.Tax{Percentage: c.taxRate(tax)}, tax, c.taxCategory(tax)
	}
	it := procuros.OrderResponseItem{
		LineNumber:                    d.lineNumber,
		Identifiers:                   d.identifiers,
		IsDepositItem:                 procuros.Bool(d.deposit),
		OrderedQuantity:               d.quantities.get("orderedQuantity"),
		ConfirmedQuantity:             d.quantities.get("confirmedQuantity"),
		RequestedDeliveryDate:         dates.get("requestedDeliveryDate"),
		RequestedEarliestDeliveryDate: dates.get("requestedEarliestDeliveryDate"),
		RequestedLatestDeliveryDate:   dates.get("requestedLatestDeliveryDate"),
		ConfirmedDeliveryDate:         dates.get("confirmedDeliveryDate"),
		ConfirmedEarliestDeliveryDate: dates.get("confirmedEarliestDeliveryDate"),
		ConfirmedLatestDeliveryDate:   dates.get("confirmedLatestDeliveryDate"),
		UnitOfMeasure:                 d.unit,
		Description:                   d.texts.get("description"),
		Comments:                      d.texts.get("comments"),
		RecommendedRetailPrice:        d.prices.get("recommendedRetailPrice"),
		ContractReference:             d.refs.get("contractReference"),
		PromotionCode:                 d.refs.get("promotionCode"),
		NetWeight:                     d.weights.get("netWeight"),
		GrossWeight:                   d.weights.get("grossWeight"),
		OriginCountryCode:             d.origin,
		ColorName:                     d.texts.get("colorName"),
		Size:                          d.texts.get("size"),
		ModificationGroups:            d.mods,
	}
	if ref := d.refs.get("orderLineNumber"); ref != "" {
		n, err := parseInt(ref)
		if err != nil {
			c.errorf(d.refAt.get("orderLineNumber"), 1, 2, "line %d: order line number %v", d.lineNumber, err)
		}
		it.OrderLineNumber = n
	}
	var order lineOrder
	if ref := d.refs.get("orderIdentifier"); ref != "" {
		order = lineOrder{rff: d.refAt.get("orderIdentifier"), id: ref, date: d.refDates.get("orderIdentifier")}
	}
	it.ConfirmedQuantity = c.lineAction(d, it)
	it.UnitPrice = c.unitPrice(d)
	quantity := it.ConfirmedQuantity // what the line amounts to: the quantity confirmed
	if quantity == "" {
		quantity = it.OrderedQuantity
	}
	it.Tax = c.lineTax(d, quantity, it.UnitPrice)
	c.unusedRefDates(d, "orderIdentifier")
	c.checkItem(d, quantity, it.UnitPrice)
	total := lineTotal{line: d.lineNumber, tax: it.Tax, category: d.taxCategory, mods: len(d.mods) > 0}
	total.net, _ = lineNet(quantity, it.UnitPrice, it.ModificationGroups)
	return it, total, d.lin, order
}

// responseItemDate reads a DTM of a line by item.dates. A range (or a
// week) of a requested or confirmed delivery date is its window.
func (c *in) responseItemDate(s Seg, dates *fields[procuros.DateTime]) {
	field, ok := c.lookup(s, c.t.Item.Dates, 1, 1)
	if !ok {
		return
	}
	set := func(field string, d procuros.DateTime) {
		v := dates.get(field)
		c.setDate(s, &v, d, field)
		dates.set(field, v)
	}
	if window, ok := deliveryWindows[field]; ok {
		start, end, ok := c.dateRange(s)
		switch {
		case !ok:
		case end.IsZero():
			set(field, start)
		default:
			set(window[0], start)
			set(window[1], end)
		}
		return
	}
	if d, ok := c.date(s); ok {
		set(field, d)
	}
}

// lineAction checks a line's quantities against its action (LIN 1229, by
// the lineActions table) and returns the confirmed quantity: what an
// accepted line states none of is the ordered quantity, what a rejected
// one states none of is 0, each with a warning.
func (c *in) lineAction(d *itemData, it procuros.OrderResponseItem) procuros.Decimal {
	ordered, confirmed := it.OrderedQuantity, it.ConfirmedQuantity
	code := c.value(d.lin, 2, 1)
	confirmedCode, _ := c.t.Item.Quantities.Code("confirmedQuantity")
	dated := !it.ConfirmedDeliveryDate.IsZero() || !it.ConfirmedEarliestDeliveryDate.IsZero() || !it.ConfirmedLatestDeliveryDate.IsZero()
	switch d.action {
	case lineAccepted:
		switch {
		case confirmed == "" && ordered != "":
			c.warnf(d.lin, 2, 1, "line %d is accepted as ordered (LIN 1229 %s) and states no confirmed quantity (QTY+%s): the ordered quantity %s is sent as confirmed", d.lineNumber, code, confirmedCode, ordered)
			return ordered
		case confirmed != "" && ordered != "" && !sameNumber(confirmed, ordered):
			c.errorf(d.lin, 2, 1, "line %d is accepted as ordered (LIN 1229 %s), and confirms %s of %s ordered", d.lineNumber, code, confirmed, ordered)
		}
	case lineRejected:
		switch r, ok := rat(confirmed); {
		case confirmed == "":
			c.warnf(d.lin, 2, 1, "line %d is not accepted (LIN 1229 %s) and states no confirmed quantity (QTY+%s): sent as confirmed 0", d.lineNumber, code, confirmedCode)
			return "0"
		case ok && r.Sign() != 0:
			c.errorf(d.lin, 2, 1, "line %d is not accepted (LIN 1229 %s), and confirms %s", d.lineNumber, code, confirmed)
		}
	case lineChanged:
		switch {
		case confirmed == "" && dated && ordered != "":
			c.warnf(d.lin, 2, 1, "line %d is changed (LIN 1229 %s) in its date only, and states no confirmed quantity (QTY+%s): the ordered quantity %s is sent as confirmed", d.lineNumber, code, confirmedCode, ordered)
			return ordered
		case confirmed == "" && !c.faultyAt(d, "QTY"):
			c.errorf(d.lin, 2, 1, "line %d is changed (LIN 1229 %s) and states neither a confirmed quantity (QTY+%s) nor a confirmed date", d.lineNumber, code, confirmedCode)
		}
	}
	return confirmed
}

// ORDER_RESPONSE rules (the spec's descriptions of items,
// confirmedDeliveryDate and requestedDeliveryDate): each break names the
// JSON field it is about and says the rule the same way both ways; the
// EDIFACT side adds the segment it is at.
const (
	ruleChangeAllLines = "Procuros rule: a CHANGE order response carries all order lines, those with equal ordered and confirmed quantities too"
)

// A ruleBreak is a rule of ORDER_RESPONSE that a response breaks.
type ruleBreak struct {
	item  int    // the item it is about, -1 for the header
	path  string // the JSON field: "items", "header.confirmedDeliveryDate", "items[2].orderedQuantity"
	field string // that field's name in the tables: confirmedDeliveryDate, orderedQuantity, ...
	text  string
}

// orderResponseRules checks what Procuros requires of each type of order
// response: ACCEPT and REJECT carry no items; REJECT carries neither a
// confirmed nor a requested delivery date; CHANGE carries a confirmed and
// the requested delivery date, and all order lines, each with its ordered
// and confirmed quantity, equal or not.
func orderResponseRules(r *procuros.OrderResponse) []ruleBreak {
	var breaks []ruleBreak
	h := r.Header
	add := func(item int, path, field, format string, args ...any) {
		breaks = append(breaks, ruleBreak{item: item, path: path, field: field, text: fmt.Sprintf(format, args...)})
	}
	switch h.Type {
	case "":
		add(-1, "header.type", "", "an order response without type (ACCEPT, REJECT or CHANGE): Procuros's rules and the message function depend on it")
	case procuros.OrderResponseAccept:
		if len(r.Items) > 0 {
			add(-1, "items", "", "Procuros rule: an ACCEPT order response carries no items, the order being accepted exactly as ordered; this one has %d", len(r.Items))
		}
	case procuros.OrderResponseReject:
		if len(r.Items) > 0 {
			add(-1, "items", "", "Procuros rule: a REJECT order response carries no items, the whole order being rejected; this one has %d", len(r.Items))
		}
		if !h.ConfirmedDeliveryDate.IsZero() {
			add(-1, "header.confirmedDeliveryDate", "confirmedDeliveryDate", "Procuros rule: a REJECT order response carries no confirmed delivery date")
		}
		if !h.RequestedDeliveryDate.IsZero() {
			add(-1, "header.requestedDeliveryDate", "requestedDeliveryDate", "Procuros rule: a REJECT order response carries no requested delivery date")
		}
	case procuros.OrderResponseChange:
		if len(r.Items) == 0 {
			add(-1, "items", "", "%s; this one has none", ruleChangeAllLines)
		}
		if h.ConfirmedDeliveryDate.IsZero() {
			add(-1, "header.confirmedDeliveryDate", "confirmedDeliveryDate", "Procuros rule: a CHANGE order response requires the confirmed delivery date")
		}
		if h.RequestedDeliveryDate.IsZero() {
			add(-1, "header.requestedDeliveryDate", "requestedDeliveryDate", "Procuros rule: a CHANGE order response requires the requested delivery date")
		}
		breaks = append(breaks, lineQuantities(r.Items)...)
		breaks = append(breaks, missingOrderLines(r.Items)...)
	default:
		add(-1, "header.type", "", "order response type %q is none of ACCEPT, REJECT, CHANGE", h.Type)
	}
	return breaks
}

// lineQuantities checks that each line of a CHANGE states its ordered and
// its confirmed quantity: equal quantities included, they are what says
// the line is answered.
func lineQuantities(items []procuros.OrderResponseItem) []ruleBreak {
	var breaks []ruleBreak
	for i, it := range items {
		for _, q := range []struct {
			field, name string
			v           procuros.Decimal
		}{{"orderedQuantity", "ordered", it.OrderedQuantity}, {"confirmedQuantity", "confirmed", it.ConfirmedQuantity}} {
			if q.v == "" {
				breaks = append(breaks, ruleBreak{item: i, path: fmt.Sprintf("items[%d].%s", i, q.field), field: q.field,
					text: fmt.Sprintf("%s, each with its ordered and its confirmed quantity; line %d has no %s quantity", ruleChangeAllLines, it.LineNumber, q.name)})
			}
		}
	}
	return breaks
}

// missingOrderLines checks that a CHANGE answers every line of the order:
// its order line numbers (orderLineNumber, else lineNumber) run without
// gaps from the first to the last, by one (1, 2, 3) or, when all are
// multiples of ten, by ten (10, 20, 30, as many systems number), and none
// is answered twice. A response whose lines are not all numbered is not
// checked.
func missingOrderLines(items []procuros.OrderResponseItem) []ruleBreak {
	var breaks []ruleBreak
	seen := map[int]bool{}
	step := 10
	var nums []int
	for i, it := range items {
		n := it.OrderLineNumber
		if n == 0 {
			n = it.LineNumber
		}
		if n <= 0 {
			return breaks
		}
		if seen[n] {
			breaks = append(breaks, ruleBreak{item: i, path: fmt.Sprintf("items[%d].orderLineNumber", i), field: "orderLineNumber",
				text: fmt.Sprintf("Procuros rule: a CHANGE order response carries each order line once; order line %d is answered twice", n)})
			continue
		}
		seen[n] = true
		nums = append(nums, n)
		if n%10 != 0 {
			step = 1
		}
	}
	if len(nums) == 0 {
		return breaks
	}
	slices.Sort(nums)
	var missing []string
	for n := step; n < nums[len(nums)-1]; n += step {
		if !seen[n] {
			if len(missing) == 10 {
				missing = append(missing, "...")
				break
			}
			missing = append(missing, strconv.Itoa(n))
		}
	}
	if len(missing) > 0 {
		given := make([]string, len(nums))
		for i, n := range nums {
			given[i] = strconv.Itoa(n)
		}
		which := "order line " + missing[0] + " is"
		if len(missing) > 1 {
			which = "order lines " + strings.Join(missing, ", ") + " are"
		}
		breaks = append(breaks, ruleBreak{item: -1, path: "items", text: fmt.Sprintf("%s; %s missing (it answers lines %s)",
			ruleChangeAllLines, which, strings.Join(given, ", "))})
	}
	return breaks
}

// responseRules reports the rules a mapped response breaks at their
// places in the message: a header date at its DTM, the items at the first
// LIN, an item at its LIN; what is missing at the BGM, naming the segment
// that would carry it.
func (c *in) responseRules(r *procuros.OrderResponse, at responseAt) {
	if r.Header.Type == "" {
		return // the message function is reported already
	}
	for _, b := range orderResponseRules(r) {
		s, where := at.bgm, ""
		switch {
		case b.item >= 0 && b.item < len(at.lins):
			s = at.lins[b.item]
			if c.faultyAtPos(s.Pos) {
				continue // the line's action said it already
			}
			if code, ok := c.t.Item.Quantities.Code(b.field); ok {
				where = "QTY+" + code
			}
		case b.path == "items" && len(at.lins) > 0:
			s = at.lins[0]
		case b.path == "items":
		case b.field == "confirmedDeliveryDate" && at.confirmed.Segment != nil:
			s = at.confirmed
		case b.field == "requestedDeliveryDate" && at.requested.Segment != nil:
			s = at.requested
		case b.field != "":
			if code, ok := c.t.Dates.Code("header." + b.field); ok {
				where = "DTM+" + code
			}
		}
		text := b.text
		if where != "" {
			text += " (" + where + ")"
		}
		c.errorf(s, 0, 0, "%s", text)
	}
}

// faultyAtPos reports whether an error was reported at segment pos.
func (c *in) faultyAtPos(pos int) bool {
	for _, p := range c.problems {
		if !p.Warning && p.Pos == pos {
			return true
		}
	}
	return false
}

// ordrspOut writes an ORDER_RESPONSE as an ORDRSP message body. A response
// that breaks a rule of its type is refused, as Procuros would refuse it.
func ordrspOut(o *out, content procuros.Content) {
	r := content.(*procuros.OrderResponse)
	h := r.Header
	for _, b := range orderResponseRules(r) {
		o.errorf(b.path, "%s", b.text)
	}
	function := ""
	if h.Type != "" {
		function = o.code(o.t.Functions, string(h.Type), "message function", "header.type")
	}
	bgm := [][]string{{o.code(o.t.DocumentNames, "orderResponse", "document name", "header")}, {h.OrderResponseIdentifier}, {function}}
	if h.Type == procuros.OrderResponseChange {
		bgm = append(bgm, []string{"AC"}) // acknowledge with detail and change: all lines
	}
	o.add("BGM", bgm...)
	o.dtm(o.t.Dates, "header.orderResponseDate", "header.orderResponseDate", h.OrderResponseDate)
	o.dtm(o.t.Dates, "header.requestedDeliveryDate", "header.requestedDeliveryDate", h.RequestedDeliveryDate)
	o.dtm(o.t.Dates, "header.confirmedDeliveryDate", "header.confirmedDeliveryDate", h.ConfirmedDeliveryDate)
	o.ftx(o.t.FreeText, "header.comments", "header.comments", h.Comments)
	o.ftx(o.t.FreeText, "header.deliveryInformation", "header.deliveryInformation", h.DeliveryInformation)
	o.ftx(o.t.FreeText, "header.purchasingInformation", "header.purchasingInformation", h.PurchasingInformation)
	o.ftx(o.t.FreeText, "header.legalInformation", "header.legalInformation", h.LegalInformation)
	o.rff(o.t.References, "header.orderIdentifier", "header.orderIdentifier", h.OrderIdentifier, h.OrderDate)
	if h.OrderIdentifier == "" && !h.OrderDate.IsZero() {
		o.warnf("header.orderDate", "not written: the order date travels in the DTM+171 after the order number, and the number is missing")
	}
	o.rff(o.t.References, "header.contractReference", "header.contractReference", h.ContractReference, procuros.DateTime{})
	o.rff(o.t.References, "header.promotionCode", "header.promotionCode", h.PromotionCode, procuros.DateTime{})
	add := h.AdditionalOrderIdentifiers
	if add == nil {
		add = &procuros.AdditionalOrderIdentifiers{}
	}
	o.rff(o.t.References, "header.AdditionalOrderIdentifiers.supplierOrderIdentifier", "header.AdditionalOrderIdentifiers.supplierOrderIdentifier", add.SupplierOrderIdentifier, procuros.DateTime{})
	o.writeParties(partiesOut{buyer: &h.Buyer, supplier: &h.Supplier, shipTo: h.ShipTo, billTo: h.BillTo,
		finalRecipient: h.FinalRecipient, additional: h.AdditionalOrderIdentifiers})
	if h.Currency != "" {
		o.add("CUX", []string{"2", h.Currency, "9"})
	}
	for i, pt := range h.PaymentTerms {
		o.paymentTerm(fmt.Sprintf("header.paymentTerms[%d]", i), pt)
	}
	if h.Version != 0 {
		o.warnf("header.version", "not written: EANCOM has no document version")
	}
	if r.Summary != nil {
		var alc []edifact.Segment
		for _, g := range r.Summary.ModificationGroups {
			o.allowanceSegments(&alc, "summary.modificationGroups", g)
		}
		o.emit(alc)
	}
	for i, it := range r.Items {
		o.responseLine(fmt.Sprintf("items[%d]", i), it)
	}
	o.add("UNS", []string{"S"})
	if s := r.Summary; s != nil {
		o.emit(o.summaryAmounts(*s))
		if s.Tax != nil && len(s.Tax.Items) > 0 {
			o.warnf("summary.tax.items", "not written: ORDRSP has no tax breakdown in its summary (the lines carry their taxes)")
		}
	}
	o.add("CNT", []string{"2", strconv.Itoa(len(r.Items))})
}

// responseLine writes an order response item, its action (LIN 1229) told
// by its quantities and dates.
func (o *out) responseLine(path string, it procuros.OrderResponseItem) {
	refs := fieldsOf(field[string]{"contractReference", it.ContractReference}, field[string]{"promotionCode", it.PromotionCode})
	if it.OrderLineNumber != 0 {
		refs.set("orderLineNumber", strconv.Itoa(it.OrderLineNumber))
	}
	action := ""
	if a := responseAction(it); a != "" {
		action = o.code(o.t.LineActions, a, "line item action", path)
	}
	s := o.slots(&itemOut{
		path: path, lineNumber: it.LineNumber, identifiers: it.Identifiers, deposit: it.IsDepositItem != nil && *it.IsDepositItem, action: action,
		texts: fieldsOf(field[string]{"description", it.Description}, field[string]{"comments", it.Comments}, field[string]{"colorName", it.ColorName},
			field[string]{"size", it.Size}),
		quantities: fieldsOf(field[procuros.Decimal]{"orderedQuantity", it.OrderedQuantity}, field[procuros.Decimal]{"confirmedQuantity", it.ConfirmedQuantity}),
		unit:       it.UnitOfMeasure, unitPrice: it.UnitPrice, rrp: it.RecommendedRetailPrice,
		dates: fieldsOf(field[procuros.DateTime]{"requestedDeliveryDate", it.RequestedDeliveryDate}, field[procuros.DateTime]{"requestedEarliestDeliveryDate", it.RequestedEarliestDeliveryDate},
			field[procuros.DateTime]{"requestedLatestDeliveryDate", it.RequestedLatestDeliveryDate}, field[procuros.DateTime]{"confirmedDeliveryDate", it.ConfirmedDeliveryDate}),
		refs: refs, tax: it.Tax, mods: it.ModificationGroups, origin: it.OriginCountryCode,
		weights: fieldsOf(field[procuros.Decimal]{"netWeight", it.NetWeight}, field[procuros.Decimal]{"grossWeight", it.GrossWeight}),
	})
	o.confirmedWindow(&s.dtm, path, it)
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"colorCode", it.ColorCode != ""}, {"dimension", it.Dimension != ""}, {"hsCode", it.HSCode != ""},
		{"organicControlPointNumber", it.OrganicControlPointNumber != ""}, {"fscNumber", it.FSCNumber != ""},
		{"minimumRemainingShelfLifeInDays", it.MinimumRemainingShelfLifeInDays != nil},
	} {
		if f.set {
			o.warnf(path+"."+f.name, "not written: EANCOM ORDRSP has no place for %s in the bridge's tables", f.name)
		}
	}
	// ORDRSP line order: LIN PIA IMD MEA QTY ALI DTM MOA FTX, then the PRI,
	// RFF, TAX and ALC groups.
	o.emit(s.lin, s.pia, s.imd, s.mea, s.qty, s.ali, s.dtm, s.moa, s.ftx, s.pri, s.rff, s.tax, s.alc)
}

// confirmedWindow writes a confirmed delivery window as one DTM with a
// range (718, or 719 with times), the qualifier of the confirmed delivery
// date; a window with only one end goes by its own qualifier, if the tables
// have one.
func (o *out) confirmedWindow(slot *[]edifact.Segment, path string, it procuros.OrderResponseItem) {
	start, end := it.ConfirmedEarliestDeliveryDate, it.ConfirmedLatestDeliveryDate
	if !start.IsZero() && !end.IsZero() {
		code := o.code(o.t.Item.Dates, "confirmedDeliveryDate", "DTM qualifier", path, ".confirmedEarliestDeliveryDate")
		v, format := formatRange(start, end)
		*slot = append(*slot, edifact.NewSegment("DTM", []string{code, v, format}))
		return
	}
	for _, f := range []struct {
		name string
		d    procuros.DateTime
	}{{"confirmedEarliestDeliveryDate", start}, {"confirmedLatestDeliveryDate", end}} {
		if f.d.IsZero() {
			continue
		}
		code, ok := o.t.Item.Dates.Code(f.name)
		if !ok {
			o.warnf(path+"."+f.name, "not written: one end of a confirmed delivery window goes as a range of the confirmed delivery date, and the other end is missing")
			continue
		}
		v, format := formatDate(f.d)
		*slot = append(*slot, edifact.NewSegment("DTM", []string{code, v, format}))
	}
}

// formatRange returns the EDIFACT value and format of a period: 718 for
// two dates, 719 for two times to the minute.
func formatRange(start, end procuros.DateTime) (value, format string) {
	a, fa := formatDate(start)
	b, fb := formatDate(end)
	if fa == "102" && fb == "102" {
		return a + "-" + b, "718"
	}
	berlin := procuros.Berlin()
	return start.Time.In(berlin).Format("200601021504") + "-" + end.Time.In(berlin).Format("200601021504"), "719"
}

// responseAction tells a line's action from its quantities and dates:
// confirmed 0 is not accepted; confirmed as ordered, with no confirmed date
// other than the requested one, is accepted; anything else is changed. A
// line without both quantities has no action (the rules refuse it in a
// CHANGE, the only type with lines).
func responseAction(it procuros.OrderResponseItem) string {
	ordered, okO := rat(it.OrderedQuantity)
	confirmed, okC := rat(it.ConfirmedQuantity)
	switch {
	case !okO || !okC:
		return ""
	case confirmed.Sign() == 0:
		return lineRejected
	case confirmed.Cmp(ordered) != 0:
		return lineChanged
	case !it.ConfirmedEarliestDeliveryDate.IsZero() || !it.ConfirmedLatestDeliveryDate.IsZero():
		return lineChanged
	case !it.ConfirmedDeliveryDate.IsZero() && (it.RequestedDeliveryDate.IsZero() || !it.ConfirmedDeliveryDate.Time.Equal(it.RequestedDeliveryDate.Time)):
		return lineChanged
	}
	return lineAccepted
}
