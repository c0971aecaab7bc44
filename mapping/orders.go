package mapping

import (
	"fmt"
	"math/big"
	"strings"

	"github.com/edibridge/edibridge/edifact"
	"github.com/edibridge/edibridge/mapping/structure"
	"github.com/edibridge/edibridge/procuros"
)

// ORDERS <-> ORDER. The tables are in tables/orders.yaml.

var ordersFields = fieldSet{
	documentNames:    []string{"order", "BLANKET_ORDER", "CALL_OFF_ORDER", "CONSIGNMENT_ORDER", "SAMPLE_ORDER", "RUSH_ORDER", "CROSS_DOCKING_ORDER"},
	functions:        []string{"original"},
	dates:            []string{"header.orderDate", "header.requestedDeliveryDate", "items.requestedEarliestDeliveryDate", "items.requestedLatestDeliveryDate", "items.requestedDeliveryDate"},
	references:       []string{"header.contractReference", "header.promotionCode", "header.AdditionalOrderIdentifiers.supplierOrderIdentifier"},
	parties:          []string{"buyer", "supplier", "shipTo", "billTo", "finalRecipient"},
	partyOrders:      []string{"order"},
	freeText:         []string{"header.comments", "header.deliveryInformation", "header.purchasingInformation", "header.legalInformation"},
	amounts:          []string{"subtotalAmount", "netAmount", "grossAmount", "dueAmount", "taxTotal", "totalCharges", "totalAllowances"},
	itemDates:        []string{"requestedDeliveryDate", "requestedEarliestDeliveryDate", "requestedLatestDeliveryDate"},
	itemQuantities:   []string{"quantity"},
	itemPrices:       []string{"netPrice", "grossPrice", "recommendedRetailPrice"},
	itemAmounts:      []string{"lineAmount"},
	itemReferences:   []string{"contractReference", "promotionCode"},
	itemFreeText:     []string{"comments"},
	itemDescriptions: []string{"description", "brand", "colorName", "size"},
	itemCodes:        []string{"deposit"},
	itemMeasures:     []string{"netWeight", "grossWeight"},
	defaults:         map[string][]string{"currency": nil, "unitOfMeasure": unitsAllowed},
}

// ordersIn maps an ORDERS message to an ORDER.
func ordersIn(c *in) procuros.Content {
	var o procuros.Order
	h := &o.Header
	var bgm Seg
	var parties []partyAt
	var window fields[procuros.DateTime] // header dates that apply to every line
	var lineTax Seg                      // a TAX at message level: every line's that states none
	var headerMods []procuros.ModificationGroup
	var headerModsSeg Seg
	o.Items = make([]procuros.OrderItem, 0, count(c.tree.Root, "LIN"))
	lines := make([]lineTotal, 0, cap(o.Items))
	sum := newSummaryIn()
	c.walk(c.tree.Root, handlers{
		segment: func(s Seg) bool {
			switch s.Tag {
			case "BGM":
				bgm = s
				h.Type, h.OrderIdentifier = c.beginningOfMessage(s, &h.Version)

			case "DTM":
				field, ok := c.lookup(s, c.t.Dates, 1, 1)
				if !ok {
					return true
				}
				if field == "header.requestedDeliveryDate" {
					// A range (or a week) of delivery is the window of
					// every line: ORDER has no header field for it.
					if start, end, ok := c.dateRange(s); ok && !end.IsZero() {
						window.set("items.requestedEarliestDeliveryDate", start)
						window.set("items.requestedLatestDeliveryDate", end)
						return true
					}
				}
				d, ok := c.date(s)
				if !ok {
					return true
				}
				switch field {
				case "header.orderDate":
					c.setDate(s, &h.OrderDate, d, "order date")
				case "header.requestedDeliveryDate":
					c.setDate(s, &h.RequestedDeliveryDate, d, "requested delivery date")
				default:
					w := window.get(field)
					c.setDate(s, &w, d, field)
					window.set(field, w)
				}

			case "FTX":
				c.headerText(s, textSlots{comments: &h.Comments, delivery: &h.DeliveryInformation, purchasing: &h.PurchasingInformation, legal: &h.LegalInformation})
			case "CNT":
				c.controlCount(s)

			case "MOA":
				c.summaryAmount(s, sum)
			// after UNS: the totals
			default:
				return false
			}
			return true
		},
		group: func(trigger string, g *structure.Node) bool {
			switch trigger {
			case "RFF":
				c.referenceInto(g, map[string]refSlot{
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
				c.allowance(g, &headerMods, &headerModsSeg)
			case "LIN":
				it, total := c.orderItem(g, &window, lineTax)
				o.Items = append(o.Items, it)
				lines = append(lines, total)
			default:
				return false
			}
			return true
		},
	})
	if bgm.Segment == nil {
		c.missing(c.unh(), "BGM", "an order number")
		return &o
	}
	c.assignParties(parties, partySlots{buyer: &h.Buyer, supplier: &h.Supplier, shipTo: &h.ShipTo, billTo: &h.BillTo,
		finalRecipient: &h.FinalRecipient, additional: &h.AdditionalOrderIdentifiers})
	c.defaultText(&h.Currency, "currency")
	for i := range o.Items {
		if o.Items[i].UnitOfMeasure == "" {
			if u := c.t.Defaults["unitOfMeasure"]; u != "" {
				o.Items[i].UnitOfMeasure = procuros.UnitOfMeasure(u)
			}
		}
	}
	o.Summary = c.orderSummary(sum, headerMods, headerModsSeg, lines, bgm)
	c.require(bgm, h.OrderIdentifier != "", "order number (BGM C106 1004)", "orderIdentifier")
	c.require(bgm, !h.OrderDate.IsZero(), "order date (DTM+137)", "orderDate")
	c.require(lastOf(parties, bgm), len(h.Buyer.Identifiers) > 0, "BY party", "buyer")
	c.require(lastOf(parties, bgm), len(h.Supplier.Identifiers) > 0, "SU party", "supplier")
	c.require(bgm, len(o.Items) > 0, "line items (LIN)", "items")
	return &o
}

// orderSummary builds an ORDER's summary, when the message has a summary
// section or allowances and charges (Procuros then asks for one), from
// what it states and what its lines imply. ORDER requires every total of
// the summary; one that cannot be computed leaves the summary out, with a
// warning, unless allowances or charges at message level need it.
func (c *in) orderSummary(sum *summaryIn, mods []procuros.ModificationGroup, modsAt Seg, lines []lineTotal, bgm Seg) *procuros.Summary {
	lineMods := false
	for _, l := range lines {
		lineMods = lineMods || l.mods
	}
	if len(sum.amounts) == 0 && len(mods) == 0 && !lineMods {
		return nil
	}
	s, at := c.statedSummary(sum, mods, modsAt, bgm)
	if stated, ok := rat(s.SubtotalAmount); ok {
		total := new(big.Rat)
		for _, l := range lines {
			if l.net == nil {
				total = nil
				break
			}
			total.Add(total, l.net)
		}
		if total != nil && differs(stated, total) {
			c.warnf(at, 0, 0, "the order states a line total (MOA+79) of %s, its lines add up to %s", s.SubtotalAmount, roundCents(total))
		}
	}
	derived, missing := completeSummary(s, lines)
	switch {
	case missing != "" && len(mods) > 0:
		c.errorf(modsAt, 0, 0, "allowances and charges at message level need the order's summary, and %s cannot be computed", missing)
		return nil
	case missing != "" && lineMods:
		// The spec: "The summary is required if a modificationGroup
		// exists on the order".
		c.errorf(at, 0, 0, "the lines have allowances or charges, for which Procuros requires the order's summary, and %s cannot be computed", missing)
		return nil
	case missing != "":
		c.warnf(at, 0, 0, "sent without summary: the message states no complete one, and %s cannot be computed", missing)
		return nil
	case len(derived) > 0:
		c.warnf(at, 0, 0, "summary %s computed from the lines (the message does not state them)", strings.Join(derived, ", "))
	}
	return s
}

// orderItem maps a line item group to an ORDER item, and returns what it
// adds to the summary. tax is the message-level TAX, for a line without one.
func (c *in) orderItem(g *structure.Node, window *fields[procuros.DateTime], tax Seg) (procuros.OrderItem, lineTotal) {
	d := c.item(g, handlers{})
	if d.tax == nil && tax.Segment != nil {
		d.tax, d.taxRate, d.taxCategory = &procuros.Tax{Percentage: c.taxRate(tax)}, tax, c.taxCategory(tax)
	}
	it := procuros.OrderItem{
		LineNumber:                    d.lineNumber,
		Identifiers:                   d.identifiers,
		Quantity:                      d.quantities.get("quantity"),
		UnitOfMeasure:                 d.unit,
		Description:                   d.texts.get("description"),
		Comments:                      d.texts.get("comments"),
		Brand:                         d.texts.get("brand"),
		ColorName:                     d.texts.get("colorName"),
		Size:                          d.texts.get("size"),
		RecommendedRetailPrice:        d.prices.get("recommendedRetailPrice"),
		ContractReference:             d.refs.get("contractReference"),
		PromotionCode:                 d.refs.get("promotionCode"),
		RequestedDeliveryDate:         d.dates.get("requestedDeliveryDate"),
		RequestedEarliestDeliveryDate: orDate(d.dates.get("requestedEarliestDeliveryDate"), window.get("items.requestedEarliestDeliveryDate")),
		RequestedLatestDeliveryDate:   orDate(d.dates.get("requestedLatestDeliveryDate"), window.get("items.requestedLatestDeliveryDate")),
		ModificationGroups:            d.mods,
		OriginCountryCode:             d.origin,
		NetWeight:                     d.weights.get("netWeight"),
		GrossWeight:                   d.weights.get("grossWeight"),
	}
	it.IsDepositItem = procuros.Bool(d.deposit)
	it.UnitPrice = c.unitPrice(d)
	it.Tax = c.lineTax(d, it.Quantity, it.UnitPrice)
	if it.Quantity == "" && !c.faultyAt(d, "QTY") {
		c.errorf(d.lin, 0, 0, "line %d has no ordered quantity (QTY+21); an order line without one would be read as one piece", d.lineNumber)
	}
	c.unusedRefDates(d)
	c.checkItem(d, it.Quantity, it.UnitPrice)
	total := lineTotal{line: d.lineNumber, tax: it.Tax, category: d.taxCategory, mods: len(d.mods) > 0}
	total.net, _ = lineNet(it.Quantity, it.UnitPrice, it.ModificationGroups)
	return it, total
}

// checkItem checks what every item needs: an identifier Procuros accepts,
// a quantity, and bases for its modification groups.
func (c *in) checkItem(d *itemData, quantity, price procuros.Decimal) {
	ok := false
	for _, id := range d.identifiers {
		ok = ok || id.Domain == procuros.DomainGS1 || id.Domain == procuros.DomainBuyer
	}
	if !ok {
		c.errorf(d.lin, 3, 1, "line %d has no GTIN (LIN C212 EN/SRV) nor buyer's item number (PIA IN); %s requires one", d.lineNumber, c.tx)
	}
	if len(d.mods) == 0 {
		return
	}
	if !deriveBases(d.mods, quantity, price) {
		c.errorf(d.modsSeg, 0, 0, "line %d: the basis of the allowances and charges (MOA+25) is missing and cannot be computed without quantity and price", d.lineNumber)
		return
	}
	if !c.modificationTaxes(d.mods, d.modsSeg) {
		c.errorf(d.modsSeg, 0, 0, "line %d: an allowance or charge gives a tax rate without amount, and the amount cannot be computed", d.lineNumber)
	}
}

func orDate(own, header procuros.DateTime) procuros.DateTime {
	if own.IsZero() {
		return header
	}
	return own
}

// ordersOut writes an ORDER as an ORDERS message body.
func ordersOut(o *out, content procuros.Content) {
	order := content.(*procuros.Order)
	h := order.Header
	docName := "order"
	if h.Type != "" {
		docName = h.Type
	}
	o.add("BGM", []string{o.code(o.t.DocumentNames, docName, "document name", "header.type")}, []string{h.OrderIdentifier}, []string{o.code(o.t.Functions, "original", "message function", "header")})
	o.dtm(o.t.Dates, "header.orderDate", "header.orderDate", h.OrderDate)
	o.dtm(o.t.Dates, "header.requestedDeliveryDate", "header.requestedDeliveryDate", h.RequestedDeliveryDate)
	o.ftx(o.t.FreeText, "header.comments", "header.comments", h.Comments)
	o.ftx(o.t.FreeText, "header.deliveryInformation", "header.deliveryInformation", h.DeliveryInformation)
	o.ftx(o.t.FreeText, "header.purchasingInformation", "header.purchasingInformation", h.PurchasingInformation)
	o.ftx(o.t.FreeText, "header.legalInformation", "header.legalInformation", h.LegalInformation)
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
	if len(h.Attachments) > 0 {
		o.warnf("header.attachments", "not written: EANCOM ORDERS carries no links to attachments")
	}
	if h.Version != 0 {
		o.warnf("header.version", "not written: EANCOM has no document version (an ORDERS is an original)")
	}
	if order.Summary != nil {
		var alc []edifact.Segment
		for _, g := range order.Summary.ModificationGroups {
			o.allowanceSegments(&alc, "summary.modificationGroups", g)
		}
		o.emit(alc)
	}
	for i, it := range order.Items {
		path := fmt.Sprintf("items[%d]", i)
		s := o.slots(&itemOut{
			path: path, lineNumber: it.LineNumber, identifiers: it.Identifiers, deposit: it.IsDepositItem != nil && *it.IsDepositItem,
			texts:      fieldsOf(field[string]{"description", it.Description}, field[string]{"comments", it.Comments}, field[string]{"brand", it.Brand}, field[string]{"colorName", it.ColorName}, field[string]{"size", it.Size}),
			quantities: fieldsOf(field[procuros.Decimal]{"quantity", it.Quantity}), unit: it.UnitOfMeasure,
			unitPrice: it.UnitPrice, rrp: it.RecommendedRetailPrice,
			dates: fieldsOf(field[procuros.DateTime]{"requestedDeliveryDate", it.RequestedDeliveryDate}, field[procuros.DateTime]{"requestedEarliestDeliveryDate", it.RequestedEarliestDeliveryDate}, field[procuros.DateTime]{"requestedLatestDeliveryDate", it.RequestedLatestDeliveryDate}),
			refs:  fieldsOf(field[string]{"contractReference", it.ContractReference}, field[string]{"promotionCode", it.PromotionCode}),
			tax:   it.Tax, mods: it.ModificationGroups, origin: it.OriginCountryCode,
			weights: fieldsOf(field[procuros.Decimal]{"netWeight", it.NetWeight}, field[procuros.Decimal]{"grossWeight", it.GrossWeight}),
		})
		o.notWritten(path, it)
		// ORDERS D96A/D01B line order: LIN PIA IMD MEA QTY ALI DTM MOA FTX,
		// then the PRI, RFF, TAX and ALC groups.
		o.emit(s.lin, s.pia, s.imd, s.mea, s.qty, s.ali, s.dtm, s.moa, s.ftx, s.pri, s.rff, s.tax, s.alc)
	}
	o.add("UNS", []string{"S"})
	if s := order.Summary; s != nil {
		o.emit(o.summaryAmounts(*s))
		if s.Tax != nil && len(s.Tax.Items) > 0 {
			o.warnf("summary.tax.items", "not written: ORDERS has no tax breakdown in its summary (the lines carry their taxes)")
		}
	}
	o.add("CNT", []string{"2", fmt.Sprint(len(order.Items))})
}

// notWritten notes the fields of an ORDER item that EANCOM ORDERS has no
// place for, so that nothing is dropped without a word in the journal.
func (o *out) notWritten(path string, it procuros.OrderItem) {
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"colorCode", it.ColorCode != ""}, {"dimension", it.Dimension != ""}, {"hsCode", it.HSCode != ""},
		{"deliveryGracePeriodInDays", it.DeliveryGracePeriodInDays != nil}, {"minimumRemainingShelfLifeInDays", it.MinimumRemainingShelfLifeInDays != nil},
		{"organicControlPointNumber", it.OrganicControlPointNumber != ""}, {"fscNumber", it.FSCNumber != ""},
		{"consumerGroup", it.ConsumerGroup != ""}, {"assortment", it.Assortment != ""}, {"category", it.Category != ""},
		{"subCategory", it.SubCategory != ""}, {"certifications", it.Certifications != nil},
	} {
		if f.set {
			o.warnf(path+"."+f.name, "not written: EANCOM ORDERS has no place for %s in the bridge's tables", f.name)
		}
	}
}
