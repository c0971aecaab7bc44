package mapping

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/edibridge/edibridge/edifact"
	"github.com/edibridge/edibridge/mapping/structure"
	"github.com/edibridge/edibridge/procuros"
)

// INVOIC <-> INVOICE. The tables are in tables/invoic.yaml.

var invoicFields = fieldSet{
	// invoice is the plain invoice; the others make the message a
	// CREDIT_NOTE (messageMappings kinds), creditNote without a type.
	documentNames: []string{"invoice", "creditNote", "CORRECTION", "VALUE_CREDIT"},
	functions:     []string{"original"},
	dates: []string{"header.invoiceDate", "header.expectedDeliveryDate", "header.requestedDeliveryDate", "header.orderDate",
		"header.shippingNoticeDate"},
	references: []string{"header.orderIdentifier", "header.shippingNoticeIdentifier", "header.deliveryNoteIdentifier",
		"header.AdditionalOrderIdentifiers.supplierOrderIdentifier", "header.contractReference", "header.promotionCode",
		"header.invoiceIdentifier"},
	parties:          []string{"buyer", "supplier", "shipTo", "billTo", "billFrom", "finalRecipient"},
	partyOrders:      []string{"order"},
	freeText:         []string{"header.comments", "header.deliveryInformation", "header.purchasingInformation", "header.legalInformation", "header.reason"},
	amounts:          []string{"subtotalAmount", "netAmount", "grossAmount", "dueAmount", "taxTotal", "totalCharges", "totalAllowances"},
	itemDates:        []string{"expectedDeliveryDate", "requestedDeliveryDate"},
	itemQuantities:   []string{"quantity", "freeQuantity", "orderedQuantity"},
	itemPrices:       []string{"netPrice", "grossPrice", "recommendedRetailPrice"},
	itemAmounts:      []string{"lineAmount"},
	itemReferences:   []string{"orderIdentifier", "orderLineNumber", "shippingNoticeIdentifier", "contractReference", "promotionCode"},
	itemFreeText:     []string{"comments", "reason"},
	itemDescriptions: []string{"description", "colorName", "size"},
	itemCodes:        []string{"deposit"},
	itemMeasures:     []string{"netWeight", "grossWeight"},
	defaults:         map[string][]string{"currency": nil, "unitOfMeasure": unitsAllowed},
}

// invoiceDates are the dates of an invoice header that come from DTM at
// message level; references may also set the order's and shipping
// notice's, and those win.
type invoiceDates struct {
	order, shippingNotice procuros.DateTime
	orderAt, noticeAt     Seg
}

// invoicIn maps an INVOIC message to an INVOICE, or to a CREDIT_NOTE when
// its document name is a credit note's.
func invoicIn(c *in) procuros.Content {
	credit := c.tx == string(procuros.TypeCreditNote)
	var inv procuros.Invoice
	h := &inv.Header
	var bgm Seg
	var x creditExtras // what a credit note carries beyond an invoice
	var reason *string
	if credit {
		reason = &x.reason
	}
	var parties []partyAt
	var fallback invoiceDates
	var deliveryNote string
	var deliveryNoteDate procuros.DateTime
	var lineTax Seg // a TAX at message level: every line's that states none
	var headerMods []procuros.ModificationGroup
	var headerModsSeg Seg
	sum := newSummaryIn()
	statedTotals := map[procuros.ModificationType]*big.Rat{}
	inv.Items = make([]procuros.InvoiceItem, 0, count(c.tree.Root, "LIN"))
	uns := 0
	if s, ok := c.tree.Root.First("UNS"); ok {
		uns = s.Pos
	}
	inSummary := func(g *structure.Node) bool { return uns > 0 && first(g).Pos > uns }
	c.walk(c.tree.Root, handlers{
		segment: func(s Seg) bool {
			switch s.Tag {
			case "BGM":
				bgm = s
				x.docType, h.InvoiceIdentifier = c.beginningOfMessage(s, &h.Version)

			case "DTM":
				c.invoiceDate(s, h, &fallback)
			case "FTX":
				c.headerText(s, textSlots{comments: &h.Comments, delivery: &h.DeliveryInformation, purchasing: &h.PurchasingInformation,
					legal: &h.LegalInformation, reason: reason})
			case "CNT":
				c.controlCount(s)
			default:
				return false
			}
			return true
		},
		group: func(trigger string, g *structure.Node) bool {
			switch trigger {
			case "RFF":
				slots := map[string]refSlot{
					"header.orderIdentifier":          {text: &h.OrderIdentifier, date: &h.OrderDate, name: "order number"},
					"header.shippingNoticeIdentifier": {text: &h.ShippingNoticeIdentifier, date: &h.ShippingNoticeDate, name: "despatch advice number"},
					"header.deliveryNoteIdentifier":   {text: &deliveryNote, date: &deliveryNoteDate, name: "delivery note number"},
					"header.contractReference":        {text: &h.ContractReference, name: "contract reference"},
					"header.promotionCode":            {text: &h.PromotionCode, name: "promotion code"},
				}
				if credit {
					// The invoice a credit note credits; a credit note has no
					// AdditionalOrderIdentifiers.
					slots["header.invoiceIdentifier"] = refSlot{text: &x.invoiceRef, date: &x.invoiceRefDate, name: "credited invoice number"}
				} else {
					slots["header.AdditionalOrderIdentifiers.supplierOrderIdentifier"] = refSlot{
						text: &additional(&h.AdditionalOrderIdentifiers).SupplierOrderIdentifier, name: "supplier's order number"}
				}
				c.referenceInto(g, slots)

			case "NAD":
				parties = append(parties, c.partyGroup(g))
			case "CUX":
				c.currency(g, &h.Currency)
			case "PAT":
				if pt, ok := c.invoicePaymentTerm(g, &h.InvoiceDueDate); ok {
					h.PaymentTerms = append(h.PaymentTerms, pt)
				}

			case "TAX":
				if inSummary(g) {
					sum.taxes = append(sum.taxes, c.taxBreakdown(g))
					return true
				}
				c.messageTax(g, &lineTax)

			case "ALC":
				if inSummary(g) {
					// Totals by kind of allowance or charge: the message
					// has said them already, at message or line level;
					// they are checked against what it said.
					c.allowanceTotal(g, statedTotals)
					return true
				}
				c.allowance(g, &headerMods, &headerModsSeg)

			case "LIN":
				it, itemReason := c.invoiceItem(g, lineTax)
				inv.Items = append(inv.Items, it)
				x.itemReasons = append(x.itemReasons, itemReason)
			case "MOA":
				c.summaryAmountGroup(g, sum)
			default:
				return false
			}
			return true
		},
	})
	if bgm.Segment == nil {
		c.missing(c.unh(), "BGM", "an invoice number")
		return &inv
	}
	if credit {
		for _, p := range parties {
			if p.orderRef != "" {
				c.errorf(p.nad, 0, 0, "the %s's order number (RFF+ON in its group) has no field in %s", p.role, c.tx)
			}
		}
	}
	c.assignParties(parties, partySlots{buyer: &h.Buyer, supplier: &h.Supplier, shipTo: &h.ShipTo, billTo: &h.BillTo,
		billFrom: &h.BillFrom, finalRecipient: &h.FinalRecipient, additional: &h.AdditionalOrderIdentifiers})
	c.defaultText(&h.Currency, "currency")
	switch {
	case h.ShippingNoticeIdentifier == "" && deliveryNote != "":
		h.ShippingNoticeIdentifier = deliveryNote
		c.setDateIf(bgm, &h.ShippingNoticeDate, deliveryNoteDate, "delivery note date")
	case deliveryNote != "" && deliveryNote != h.ShippingNoticeIdentifier:
		c.warnf(bgm, 0, 0, "the delivery note number %s is not carried: the despatch advice number (RFF+AAK) %s is the shipping notice's", deliveryNote, h.ShippingNoticeIdentifier)
	}
	c.invoiceFallbacks(h, fallback)
	inv.Summary = c.invoiceSummary(sum, headerMods, headerModsSeg, bgm)
	c.checkInvoiceTotals(inv, statedTotals, sum.first)
	if credit {
		c.require(bgm, h.InvoiceIdentifier != "", "credit note number (BGM C106 1004)", "creditNoteIdentifier")
		c.require(bgm, !h.InvoiceDate.IsZero(), "credit note date (DTM+137)", "creditNoteDate")
		c.require(lastOf(parties, bgm), len(h.Buyer.Identifiers) > 0, "BY party", "buyer")
		c.require(lastOf(parties, bgm), len(h.Supplier.Identifiers) > 0, "SU party", "supplier")
		c.require(bgm, len(inv.Items) > 0, "line items (LIN)", "items")
		return creditNoteOf(&inv, x)
	}
	c.require(bgm, h.InvoiceIdentifier != "", "invoice number (BGM C106 1004)", "invoiceIdentifier")
	c.require(bgm, !h.InvoiceDate.IsZero(), "invoice date (DTM+137)", "invoiceDate")
	c.require(bgm, h.OrderIdentifier != "", "order number (RFF+ON)", "orderIdentifier")
	c.require(bgm, !h.OrderDate.IsZero(), "order date (DTM+171 after RFF+ON, or DTM+4)", "orderDate")
	c.require(bgm, h.ShippingNoticeIdentifier != "", "despatch advice or delivery note number (RFF+AAK or RFF+DQ)", "shippingNoticeIdentifier")
	c.require(bgm, !h.ShippingNoticeDate.IsZero(), "despatch advice date (DTM+171 after RFF+AAK or DQ, or the despatch date DTM+11)", "shippingNoticeDate")
	c.require(lastOf(parties, bgm), len(h.Buyer.Identifiers) > 0, "BY party", "buyer")
	c.require(lastOf(parties, bgm), len(h.Supplier.Identifiers) > 0, "SU party", "supplier")
	c.require(bgm, len(inv.Items) > 0, "line items (LIN)", "items")
	return &inv
}

// setDateIf sets a date field if date is given.
func (c *in) setDateIf(s Seg, field *procuros.DateTime, date procuros.DateTime, name string) {
	if !date.IsZero() {
		c.setDate(s, field, date, name)
	}
}

// invoiceDate reads a DTM at message level. The order's and the shipping
// notice's dates are kept aside: the DTM+171 of their references win.
func (c *in) invoiceDate(s Seg, h *procuros.InvoiceHeader, fb *invoiceDates) {
	c.dateInto(s, map[string]dateSlot{
		"header.invoiceDate":           {date: &h.InvoiceDate, name: "invoice date"},
		"header.expectedDeliveryDate":  {date: &h.ExpectedDeliveryDate, name: "delivery date"},
		"header.requestedDeliveryDate": {date: &h.RequestedDeliveryDate, name: "requested delivery date"},
		"header.orderDate":             {date: &fb.order, name: "order date", at: &fb.orderAt},
		"header.shippingNoticeDate":    {date: &fb.shippingNotice, name: "despatch date", at: &fb.noticeAt},
	})
}

// invoiceFallbacks fills the order's and the shipping notice's dates from
// message-level dates when their references carry none.
func (c *in) invoiceFallbacks(h *procuros.InvoiceHeader, fb invoiceDates) {
	if h.OrderDate.IsZero() && !fb.order.IsZero() {
		h.OrderDate = fb.order
	}
	if h.ShippingNoticeDate.IsZero() && !fb.shippingNotice.IsZero() {
		h.ShippingNoticeDate = fb.shippingNotice
		c.warnf(fb.noticeAt, 1, 2, "the despatch advice has no date of its own (DTM+171): the despatch date is sent as shippingNoticeDate")
	}
}

// invoicePaymentTerm reads a PAT group. A fixed date (PAT+3) carries only
// the due date (DTM+13) and no term.
func (c *in) invoicePaymentTerm(g *structure.Node, due *procuros.DateTime) (procuros.PaymentTerm, bool) {
	if c.value(first(g), 1, 1) == "3" {
		c.walk(g, handlers{
			segment: func(s Seg) bool {
				switch s.Tag {
				case "PAT":
				case "DTM":
					c.dueDate(s, due)
				default:
					return false
				}
				return true
			},
		})
		return procuros.PaymentTerm{}, false
	}
	return c.paymentTerm(g, due), true
}

// invoiceItem maps a line item group to an INVOICE item, and returns the
// reason of a credit note's line (FTX by item.freeText). tax is the
// message-level TAX, for a line without one.
func (c *in) invoiceItem(g *structure.Node, tax Seg) (procuros.InvoiceItem, string) {
	d := c.item(g, handlers{})
	it := procuros.InvoiceItem{
		LineNumber:               procuros.Int(d.lineNumber),
		Identifiers:              d.identifiers,
		IsDepositItem:            procuros.Bool(d.deposit),
		IsInvoicedItem:           procuros.Bool(true),
		Description:              d.texts.get("description"),
		Comments:                 d.texts.get("comments"),
		ColorName:                d.texts.get("colorName"),
		Size:                     d.texts.get("size"),
		Quantity:                 d.quantities.get("quantity"),
		FreeQuantity:             d.quantities.get("freeQuantity"),
		OrderedQuantity:          d.quantities.get("orderedQuantity"),
		UnitOfMeasure:            d.unit,
		RecommendedRetailPrice:   d.prices.get("recommendedRetailPrice"),
		OrderIdentifier:          d.refs.get("orderIdentifier"),
		OrderDate:                d.refDates.get("orderIdentifier"),
		ShippingNoticeIdentifier: d.refs.get("shippingNoticeIdentifier"),
		ShippingNoticeDate:       d.refDates.get("shippingNoticeIdentifier"),
		ContractReference:        d.refs.get("contractReference"),
		PromotionCode:            d.refs.get("promotionCode"),
		RequestedDeliveryDate:    d.dates.get("requestedDeliveryDate"),
		ExpectedDeliveryDate:     d.dates.get("expectedDeliveryDate"),
		OriginCountryCode:        d.origin,
		NetWeight:                d.weights.get("netWeight"),
		GrossWeight:              d.weights.get("grossWeight"),
		ModificationGroups:       d.mods,
	}
	if it.UnitOfMeasure == "" {
		it.UnitOfMeasure = procuros.UnitOfMeasure(c.t.Defaults["unitOfMeasure"])
	}
	if ref := d.refs.get("orderLineNumber"); ref != "" {
		n, err := parseInt(ref)
		if err != nil {
			c.errorf(d.refAt.get("orderLineNumber"), 1, 2, "line %d: order line number %v", d.lineNumber, err)
		}
		it.OrderLineNumber = n
	}
	it.UnitPrice = c.unitPrice(d)
	if it.UnitPrice == "" {
		it.UnitPrice = c.priceFromAmount(d, it.Quantity)
	}
	if d.tax == nil && tax.Segment != nil {
		d.tax, d.taxRate, d.taxCategory = &procuros.Tax{Percentage: c.taxRate(tax)}, tax, c.taxCategory(tax)
	}
	it.Tax = c.lineTax(d, it.Quantity, it.UnitPrice)
	if it.Quantity == "" && !c.faultyAt(d, "QTY") {
		c.errorf(d.lin, 0, 0, "line %d has no invoiced quantity (QTY+47); %s requires quantity", d.lineNumber, c.tx)
	}
	if it.UnitPrice == "" && !c.faultyAt(d, "PRI") && !c.faultyAt(d, "MOA") {
		c.errorf(d.lin, 0, 0, "line %d has no price (PRI+AAA or AAB) nor line amount (MOA+203); %s requires unitPrice", d.lineNumber, c.tx)
	}
	if it.Tax == nil && !c.faultyAt(d, "TAX") {
		c.errorf(d.lin, 0, 0, "line %d has no tax (TAX+7 in the line or at message level); %s requires tax", d.lineNumber, c.tx)
	} else if it.Tax.Amount == "" {
		c.errorf(d.taxRate, 0, 0, "line %d: the tax amount (MOA+124) is missing and cannot be computed without line amount, or quantity and price", d.lineNumber)
	}
	c.unusedRefDates(d, "orderIdentifier", "shippingNoticeIdentifier")
	c.checkItem(d, it.Quantity, it.UnitPrice)
	reason := d.texts.get("reason")
	if reason != "" && c.tx != string(procuros.TypeCreditNote) {
		c.errorf(d.lin, 0, 0, "line %d: a reason (FTX by item.freeText) has no field in %s; only a credit note's lines carry one", d.lineNumber, c.tx)
	}
	return it, reason
}

// priceFromAmount derives a unit price from the line amount (MOA+203) and
// the quantity, for a line without PRI.
func (c *in) priceFromAmount(d *itemData, quantity procuros.Decimal) procuros.Decimal {
	amount, okA := rat(d.amounts.get("lineAmount"))
	q, okQ := rat(quantity)
	if !okA || !okQ || q.Sign() == 0 || len(d.mods) > 0 {
		return ""
	}
	p := procuros.Decimal(ratString(new(big.Rat).Quo(amount, q)))
	c.warnf(d.lin, 0, 0, "line %d has no price (PRI): unit price %s computed from the line amount", d.lineNumber, p)
	return p
}

// allowanceTotal reads an ALC group after UNS: the total of one kind of
// allowance or charge (MOA), kept to check against the message's own.
func (c *in) allowanceTotal(g *structure.Node, totals map[procuros.ModificationType]*big.Rat) {
	alc := first(g)
	kind := procuros.Allowance
	if c.value(alc, 1, 1) == "C" {
		kind = procuros.Charge
	}
	c.consumeAll(alc) // its reason: the totals are checked by kind
	c.walk(g, handlers{segment: func(s Seg) bool {
		switch s.Tag {
		case "ALC", "ALI":
			c.consumeAll(s)
		case "MOA":
			if r, ok := rat(absDecimal(c.decimal(s, 1, 2))); ok {
				if totals[kind] == nil {
					totals[kind] = new(big.Rat)
				}
				totals[kind].Add(totals[kind], r)
			}
			c.consumeAll(s)
		default:
			return false
		}
		return true
	}})
}

// checkInvoiceTotals compares the totals an invoice states with those of
// its lines: the line total (MOA+79) with the lines' net amounts, and the
// totals of allowances and charges after UNS with those of the message
// and its lines. A difference is noted, not corrected: the stated figures
// are the invoice's.
func (c *in) checkInvoiceTotals(inv procuros.Invoice, stated map[procuros.ModificationType]*big.Rat, at Seg) {
	if at.Segment == nil {
		return
	}
	lines := new(big.Rat)
	computed := map[procuros.ModificationType]*big.Rat{procuros.Allowance: new(big.Rat), procuros.Charge: new(big.Rat)}
	complete := true
	addMods := func(groups []procuros.ModificationGroup) {
		for _, g := range groups {
			basis, ok := rat(g.Basis)
			if !ok {
				complete = false
				continue
			}
			charges, allowances, ok := modificationTotals(g, basis)
			if !ok {
				complete = false
				continue
			}
			computed[procuros.Charge].Add(computed[procuros.Charge], charges)
			computed[procuros.Allowance].Add(computed[procuros.Allowance], allowances)
		}
	}
	for _, it := range inv.Items {
		net, ok := lineNet(it.Quantity, it.UnitPrice, it.ModificationGroups)
		if !ok {
			return
		}
		lines.Add(lines, net)
		addMods(it.ModificationGroups)
	}
	if inv.Summary != nil {
		addMods(inv.Summary.ModificationGroups)
		if stated, ok := rat(inv.Summary.SubtotalAmount); ok && differs(stated, lines) {
			c.warnf(at, 0, 0, "the invoice states a line total (MOA+79) of %s, its lines add up to %s", inv.Summary.SubtotalAmount, roundCents(lines))
		}
	}
	for kind, total := range stated {
		if complete && differs(total, computed[kind]) {
			c.warnf(at, 0, 0, "the invoice states %s totals of %s after UNS, its allowances and charges give %s", strings.ToLower(string(kind)), roundCents(total), roundCents(computed[kind]))
		}
	}
}

// differs reports whether two amounts differ by more than half a cent.
func differs(a, b *big.Rat) bool {
	d := new(big.Rat).Sub(a, b)
	return d.Abs(d).Cmp(big.NewRat(1, 200)) > 0
}

// invoiceSummary builds the summary from the summary section and the
// message-level allowances and charges. The due amount is the gross amount
// when the message states none (Procuros: deposits are not yet supported).
func (c *in) invoiceSummary(sum *summaryIn, mods []procuros.ModificationGroup, modsAt, bgm Seg) *procuros.Summary {
	s, at := c.statedSummary(sum, mods, modsAt, bgm)
	if s.Tax != nil && len(s.Tax.Items) == 0 {
		c.errorf(at, 0, 0, "a tax total without breakdown by rate (TAX groups after UNS); Procuros requires it")
	}
	if len(mods) > 0 && (s.TotalCharges == "" || s.TotalAllowances == "") {
		charges, allowances, ok := allModificationTotals(mods)
		if ok && s.TotalCharges == "" {
			s.TotalCharges = roundCents(charges)
		}
		if ok && s.TotalAllowances == "" {
			s.TotalAllowances = roundCents(allowances)
		}
	}
	if s.DueAmount == "" {
		s.DueAmount = s.GrossAmount
	}
	if s.DueAmount == "" {
		c.errorf(at, 0, 0, "no invoice amount (MOA+77 or MOA+86) nor amount due (MOA+9); the summary requires dueAmount")
	}
	return s
}

// invoicOut writes an INVOICE, or a CREDIT_NOTE, as an INVOIC message body.
func invoicOut(o *out, content procuros.Content) {
	switch v := content.(type) {
	case *procuros.CreditNote:
		inv, x := invoiceOf(v)
		o.writeInvoic(inv, &x)
	case *procuros.Invoice:
		o.writeInvoic(v, nil)
	}
}

// writeInvoic writes an invoice, or with x the credit note whose invoice
// form it is.
func (o *out) writeInvoic(inv *procuros.Invoice, x *creditExtras) {
	h := inv.Header
	doc, datePath := "invoice", "header.invoiceDate"
	if x != nil {
		doc, datePath = o.creditDocument(x.docType), "header.creditNoteDate"
	}
	o.add("BGM", []string{o.code(o.t.DocumentNames, doc, "document name", "header")}, []string{h.InvoiceIdentifier},
		[]string{o.code(o.t.Functions, "original", "message function", "header")})
	o.dtm(o.t.Dates, "header.invoiceDate", datePath, h.InvoiceDate)
	o.dtm(o.t.Dates, "header.expectedDeliveryDate", "header.expectedDeliveryDate", h.ExpectedDeliveryDate)
	o.dtm(o.t.Dates, "header.requestedDeliveryDate", "header.requestedDeliveryDate", h.RequestedDeliveryDate)
	o.ftx(o.t.FreeText, "header.comments", "header.comments", h.Comments)
	o.ftx(o.t.FreeText, "header.deliveryInformation", "header.deliveryInformation", h.DeliveryInformation)
	o.ftx(o.t.FreeText, "header.purchasingInformation", "header.purchasingInformation", h.PurchasingInformation)
	o.ftx(o.t.FreeText, "header.legalInformation", "header.legalInformation", h.LegalInformation)
	if x != nil {
		o.ftx(o.t.FreeText, "header.reason", "header.reason", x.reason)
	}
	o.rff(o.t.References, "header.orderIdentifier", "header.orderIdentifier", h.OrderIdentifier, h.OrderDate)
	o.rff(o.t.References, "header.shippingNoticeIdentifier", "header.shippingNoticeIdentifier", h.ShippingNoticeIdentifier, h.ShippingNoticeDate)
	if x != nil {
		o.rff(o.t.References, "header.invoiceIdentifier", "header.invoiceIdentifier", x.invoiceRef, x.invoiceRefDate)
		// A credit note's references are optional: a date without its
		// number has no RFF to travel in.
		for _, r := range []struct {
			ref, path string
			date      procuros.DateTime
		}{
			{h.OrderIdentifier, "header.orderDate", h.OrderDate},
			{h.ShippingNoticeIdentifier, "header.shippingNoticeDate", h.ShippingNoticeDate},
			{x.invoiceRef, "header.invoiceDate", x.invoiceRefDate},
		} {
			if r.ref == "" && !r.date.IsZero() {
				o.warnf(r.path, "not written: the date of a reference travels in the DTM+171 after its RFF, and the number is missing")
			}
		}
	}
	add := h.AdditionalOrderIdentifiers
	if add == nil {
		add = &procuros.AdditionalOrderIdentifiers{}
	}
	o.rff(o.t.References, "header.AdditionalOrderIdentifiers.supplierOrderIdentifier", "header.AdditionalOrderIdentifiers.supplierOrderIdentifier", add.SupplierOrderIdentifier, procuros.DateTime{})
	o.rff(o.t.References, "header.contractReference", "header.contractReference", h.ContractReference, procuros.DateTime{})
	o.rff(o.t.References, "header.promotionCode", "header.promotionCode", h.PromotionCode, procuros.DateTime{})
	o.writeParties(partiesOut{buyer: &h.Buyer, supplier: &h.Supplier, shipTo: h.ShipTo, billTo: h.BillTo, billFrom: h.BillFrom,
		finalRecipient: h.FinalRecipient, additional: h.AdditionalOrderIdentifiers})
	if h.OrganicControlPointNumber != "" {
		o.warnf("header.organicControlPointNumber", "not written: INVOIC has no place for it in the bridge's tables")
	}
	if h.Version != 0 {
		o.warnf("header.version", "not written: EANCOM has no document version")
	}
	if h.Currency != "" {
		o.add("CUX", []string{"2", h.Currency, "4"})
	}
	for i, pt := range h.PaymentTerms {
		path := fmt.Sprintf("header.paymentTerms[%d]", i)
		o.paymentTerm(path, pt)
		if i == 0 && !h.InvoiceDueDate.IsZero() {
			v, format := formatDate(h.InvoiceDueDate)
			o.add("DTM", []string{"13", v, format})
		}
	}
	if len(h.PaymentTerms) == 0 && !h.InvoiceDueDate.IsZero() {
		v, format := formatDate(h.InvoiceDueDate)
		o.add("PAT", []string{"3"})
		o.add("DTM", []string{"13", v, format})
	}
	if inv.Summary != nil {
		var alc []edifact.Segment
		for _, g := range inv.Summary.ModificationGroups {
			o.allowanceSegments(&alc, "summary.modificationGroups", g)
		}
		o.emit(alc)
	}
	for i, it := range inv.Items {
		reason := ""
		if x != nil {
			reason = x.itemReasons[i]
		}
		o.invoiceLine(fmt.Sprintf("items[%d]", i), it, reason)
	}
	o.add("UNS", []string{"S"})
	o.add("CNT", []string{"2", strconv.Itoa(len(inv.Items))})
	if inv.Summary != nil {
		o.invoiceSummary(*inv.Summary)
	}
}

// taxCategory returns the duty or tax category code (5305) of a tax
// breakdown. Procuros's category is free text ("sales" in its examples): a
// text the table does not know is written as S, standard rate, when the
// rate is positive; at 0% it could be any of exempt, zero-rated, reverse
// charge or export, and is an error.
func (o *out) taxCategory(path string, t procuros.TaxBreakdown) string {
	if code, ok := o.tabs.TaxCategories.Code(t.Category); ok {
		return code
	}
	if _, isCode := o.tabs.TaxCategories.Get(t.Category); isCode {
		return t.Category
	}
	if r, ok := rat(t.Percentage); ok && r.Sign() > 0 {
		o.warnf(path+".category", "tax category %q has no code (tables: taxCategories): written as S, standard rate", t.Category)
		return "S"
	}
	o.errorf(path+".category", "tax category %q at %s%% has no code (tables: taxCategories): exempt, zero-rated, reverse charge or export cannot be told", t.Category, t.Percentage)
	return ""
}

// creditDocument returns the documentNames value to write for a credit
// note of a type: the type's own, or, when the tables have no code for it,
// the plain credit note's, with a warning.
func (o *out) creditDocument(docType string) string {
	if _, ok := o.t.DocumentNames.Code(docType); ok || docType == "creditNote" {
		return docType
	}
	o.warnf("header.type", "not written: no document name code for credit note type %s (tables: documentNames); written as a credit note", docType)
	return "creditNote"
}

// invoiceLine writes an invoice item, with the reason of a credit note's line.
func (o *out) invoiceLine(path string, it procuros.InvoiceItem, reason string) {
	if len(it.SubItems) > 0 {
		o.errorf(path+".subItems", "sub-items are not written (EANCOM sub-lines are not mapped)")
	}
	if it.IsInvoicedItem != nil && !*it.IsInvoicedItem {
		o.errorf(path+".isInvoicedItem", "an item that is not invoiced is a sub-item's parent, and sub-items are not written")
	}
	line := 0
	if it.LineNumber != nil {
		line = *it.LineNumber
	}
	refs := fieldsOf(field[string]{"orderIdentifier", it.OrderIdentifier}, field[string]{"shippingNoticeIdentifier", it.ShippingNoticeIdentifier}, field[string]{"contractReference", it.ContractReference}, field[string]{"promotionCode", it.PromotionCode})
	if it.OrderLineNumber != 0 {
		refs.set("orderLineNumber", strconv.Itoa(it.OrderLineNumber))
	}
	if it.ShippingNoticeLineNumber != 0 {
		o.warnf(path+".shippingNoticeLineNumber", "not written: EANCOM INVOIC has no reference to a despatch advice line")
	}
	s := o.slots(&itemOut{
		path: path, lineNumber: line, identifiers: it.Identifiers, deposit: it.IsDepositItem != nil && *it.IsDepositItem,
		texts: fieldsOf(field[string]{"description", it.Description}, field[string]{"comments", it.Comments}, field[string]{"colorName", it.ColorName},
			field[string]{"size", it.Size}, field[string]{"reason", reason}),
		quantities: fieldsOf(field[procuros.Decimal]{"quantity", it.Quantity}, field[procuros.Decimal]{"freeQuantity", it.FreeQuantity}, field[procuros.Decimal]{"orderedQuantity", it.OrderedQuantity}),
		unit:       it.UnitOfMeasure, unitPrice: it.UnitPrice, rrp: it.RecommendedRetailPrice,
		dates: fieldsOf(field[procuros.DateTime]{"requestedDeliveryDate", it.RequestedDeliveryDate}, field[procuros.DateTime]{"expectedDeliveryDate", it.ExpectedDeliveryDate}),
		refs:  refs, refDates: fieldsOf(field[procuros.DateTime]{"orderIdentifier", it.OrderDate}, field[procuros.DateTime]{"shippingNoticeIdentifier", it.ShippingNoticeDate}),
		tax: it.Tax, mods: it.ModificationGroups, origin: it.OriginCountryCode,
		weights: fieldsOf(field[procuros.Decimal]{"netWeight", it.NetWeight}, field[procuros.Decimal]{"grossWeight", it.GrossWeight}),
	})
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"colorCode", it.ColorCode != ""}, {"dimension", it.Dimension != ""}, {"hsCode", it.HSCode != ""},
		{"organicControlPointNumber", it.OrganicControlPointNumber != ""}, {"fscNumber", it.FSCNumber != ""},
		{"certifications", it.Certifications != nil}, {"batches", len(it.Batches) > 0},
	} {
		if f.set {
			o.warnf(path+"."+f.name, "not written: EANCOM INVOIC has no place for %s in the bridge's tables", f.name)
		}
	}
	// INVOIC line order: LIN PIA IMD MEA QTY ALI DTM FTX, then the MOA,
	// PRI, RFF, TAX and ALC groups.
	o.emit(s.lin, s.pia, s.imd, s.mea, s.qty, s.ali, s.dtm, s.ftx, s.moa, s.pri, s.rff, s.tax, s.alc)
}

// invoiceSummary writes the summary section after UNS: the totals (MOA),
// and a TAX group per rate.
func (o *out) invoiceSummary(s procuros.Summary) {
	o.emit(o.summaryAmounts(s), o.summaryTaxes(s))
}
