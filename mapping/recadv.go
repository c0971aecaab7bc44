package mapping

import (
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"github.com/edibridge/edibridge/mapping/structure"
	"github.com/edibridge/edibridge/procuros"
)

// RECADV <-> RECEIVAL_NOTICE. The tables are in tables/recadv.yaml, which
// also explains how packing levels become transport units.

var recadvFields = fieldSet{
	documentNames:    []string{"receivingAdvice"},
	functions:        []string{"original"},
	dates:            []string{"header.receivalDate", "header.documentDate"},
	references:       []string{"header.customerOrderNumber", "header.deliveryNoteNumber", "header.trackingNumber"},
	parties:          []string{"customer", "supplier", "shipTo", "shipFrom", "billTo"},
	freeText:         []string{"header.comments"},
	discrepancies:    openQuantityActions,
	itemDates:        []string{"expirationDate"},
	itemQuantities:   []string{"receivedQuantity", "shippedQuantity", "orderedQuantity", "rejectedQuantity"},
	itemPrices:       []string{"netPrice", "grossPrice"},
	itemReferences:   []string{"orderLineNumber", "orderIdentifier"},
	itemDescriptions: []string{"description"},
	defaults:         map[string][]string{"currency": nil, "unitOfMeasure": unitsAllowed},
}

// receivalUnitTypes are the unit types of the spec's
// ReceivalNoticeTransportUnits, fewer than a shipping notice's.
var receivalUnitTypes = []procuros.UnitType{procuros.UnitType("EURO_PALLET"), procuros.UnitType("EURO_PALLET_HALF"),
	procuros.UnitType("EURO_PALLET_QUARTER"), procuros.UnitType("CARTON")}

// recadvIn maps a RECADV message to a RECEIVAL_NOTICE.
func recadvIn(c *in) procuros.Content {
	var rn procuros.ReceivalNotice
	h := &rn.Header
	var bgm Seg
	var parties []partyAt
	var levels []*receivalLevel
	var currency string
	var docDate procuros.DateTime
	var docDateAt Seg
	c.walk(c.tree.Root, handlers{
		segment: func(s Seg) bool {
			switch s.Tag {
			case "BGM":
				bgm = s
				_, h.ReceivalAdviceNumber = c.beginningOfMessage(s, &h.Version)
			case "DTM":
				c.dateInto(s, map[string]dateSlot{
					"header.receivalDate": {date: &h.ReceivalDate, name: "receival date"},
					"header.documentDate": {date: &docDate, name: "document date", at: &docDateAt},
				})
			case "FTX":
				c.headerText(s, textSlots{comments: &h.Comments})
			case "CUX":
				c.currencySegment(s, &currency)
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
				c.referenceInto(g, map[string]refSlot{
					"header.customerOrderNumber": {text: &h.CustomerOrderNumber, date: &h.OrderDate, name: "order number"},
					"header.deliveryNoteNumber":  {text: &h.DeliveryNoteNumber, date: &h.DeliveryNoteDate, name: "delivery note number"},
					"header.trackingNumber":      {text: &h.TrackingNumber, name: "tracking number"},
				})
			case "NAD":
				parties = append(parties, c.partyGroup(g))
			case "TDT":
				c.receivalCarrier(g, h)
			case "CPS":
				levels = append(levels, c.receivalLevel(g))
			default:
				return false
			}
			return true
		},
	})
	if bgm.Segment == nil {
		c.missing(c.unh(), "BGM", "a receiving advice number")
		return &rn
	}
	// The message's date (DTM+137) has no field of its own: it stands in
	// for the receival date (DTM+50) when that is missing.
	switch {
	case h.ReceivalDate.IsZero() && !docDate.IsZero():
		h.ReceivalDate = docDate
		c.warnf(docDateAt, 1, 2, "the message gives no goods receipt date (DTM+50): its document date is sent as receivalDate")
	case !docDate.IsZero() && !docDate.Time.Equal(h.ReceivalDate.Time):
		c.warnf(docDateAt, 1, 2, "not carried: the document date %s (DTM+%s); RECEIVAL_NOTICE has the receival date only", c.value(docDateAt, 1, 2), c.value(docDateAt, 1, 1))
	}
	var orders *procuros.AdditionalOrderIdentifiers // RECEIVAL_NOTICE has none: partyOrderReferences is empty
	c.assignParties(parties, partySlots{customer: &h.Customer, supplier: &h.Supplier, shipTo: &h.ShipTo, shipFrom: &h.ShipFrom,
		billTo: &h.BillTo, additional: &orders})
	c.defaultText(&currency, "currency")
	for _, lv := range levels {
		for i := range lv.items {
			it := &lv.items[i]
			it.Currency = currency
			if it.UnitOfMeasure == "" {
				it.UnitOfMeasure = procuros.UnitOfMeasure(c.t.Defaults["unitOfMeasure"])
			}
		}
		c.oneOrder(&h.CustomerOrderNumber, &h.OrderDate, lv.orders, "received", "receival notice")
	}
	rn.TransportUnits = c.receivalUnits(levels)
	c.require(bgm, h.ReceivalAdviceNumber != "", "receiving advice number (BGM C106 1004)", "receivalAdviceNumber")
	c.require(bgm, !h.ReceivalDate.IsZero(), "goods receipt date (DTM+50)", "receivalDate")
	c.require(lastOf(parties, bgm), len(h.Customer.Identifiers) > 0, "BY party", "customer")
	c.require(lastOf(parties, bgm), len(h.Supplier.Identifiers) > 0, "SU party", "supplier")
	c.require(bgm, len(rn.TransportUnits) > 0, "line items (LIN in a packing level CPS)", "transportUnits")
	return &rn
}

// receivalCarrier reads a TDT group: the carrier's identification (C040
// 3127) and, by the partyAgencies table, its domain (3055). The mode and
// means of transport and the carrier's name have no place in a receival
// notice.
func (c *in) receivalCarrier(g *structure.Node, h *procuros.ReceivalNoticeHeader) {
	c.walk(g, handlers{
		segment: func(s Seg) bool {
			switch s.Tag {
			case "TDT":
				c.consume(s, 1, 1) // the stage of transport
				c.consume(s, 5, 2) // code list of the carrier's identification
				id := c.value(s, 5, 1)
				if id == "" {
					c.errorf(s, 5, 1, "a TDT without carrier identification (C040 3127): a receival notice carries the carrier's id only")
					return true
				}
				c.setText(s, 5, 1, &h.CarrierID, id, "carrier")
				if agency := c.value(s, 5, 3); agency != "" {
					domain, ok := c.tabs.PartyAgencies.Get(agency)
					if !ok {
						c.errorf(s, 5, 3, "agency %q of carrier %q is not mapped (tables: partyAgencies)", agency, id)
						return true
					}
					c.setText(s, 5, 3, &h.CarrierDomain, internalDomain(domain, c.t.Sender), "carrier's domain")
				}
			default:
				return false
			}
			return true
		},
	})
}

// A receivalLevel is one CPS group of a RECADV: its place in the
// hierarchy, the unit it describes, and the lines received on it.
type receivalLevel struct {
	cps        Seg
	id, parent string
	unit       pack
	tradeUnits *int
	items      []procuros.ReceivalNoticeItem
	orders     []lineOrder
}

// receivalLevel reads a CPS group: CPS, its PAC groups and its lines.
func (c *in) receivalLevel(g *structure.Node) *receivalLevel {
	cps := first(g)
	lv := &receivalLevel{cps: cps, id: c.value(cps, 1, 1), parent: c.value(cps, 2, 1)}
	c.consume(cps, 3, 1) // the packaging level: the hierarchy says it
	var packs []pack
	c.walk(g, handlers{
		segment: only("CPS"),
		group: func(trigger string, n *structure.Node) bool {
			switch trigger {
			case "PAC":
				packs = append(packs, c.packaging(n))
			case "LIN":
				c.receivalItem(n, lv)
			default:
				return false
			}
			return true
		},
	})
	lv.unit, lv.tradeUnits = c.unitPacks(lv.id, packs)
	return lv
}

// receivalItem reads a line of a packing level: quantities by item.quantities
// (QTY, and the QVR of what was not accepted), batches (GIN+BX, and PCI
// groups with the quantity received of each), the expiry date.
func (c *in) receivalItem(g *structure.Node, lv *receivalLevel) {
	var batches []procuros.Batch
	var variances []Seg
	d := c.item(g, handlers{
		segment: func(s Seg) bool {
			switch s.Tag {
			case "QVR":
				variances = append(variances, s)
			default:
				return false
			}
			return true
		},
		group: func(trigger string, n *structure.Node) bool {
			switch trigger {
			case "GIN":
				for _, id := range c.ginGroup(n, "BX") {
					batches = append(batches, procuros.Batch{BatchIdentifier: id})
				}
			case "PCI":
				batches = append(batches, c.batch(n, "receivedQuantity")...)
			default:
				return false
			}
			return true
		},
	})
	it := procuros.ReceivalNoticeItem{
		LineNumber:       d.lineNumber,
		ReceivedQuantity: d.quantities.get("receivedQuantity"),
		ShippedQuantity:  d.quantities.get("shippedQuantity"),
		OrderedQuantity:  d.quantities.get("orderedQuantity"),
		RejectedQuantity: d.quantities.get("rejectedQuantity"),
		Identifiers:      d.identifiers,
		UnitPrice:        c.unitPrice(d),
		UnitOfMeasure:    d.unit,
		Description:      d.texts.get("description"),
		Batches:          batches,
	}
	if ref := d.refs.get("orderLineNumber"); ref != "" {
		n, err := parseInt(ref)
		if err != nil {
			c.errorf(d.refAt.get("orderLineNumber"), 1, 2, "line %d: order line number %v", d.lineNumber, err)
		}
		it.OrderLineNumber = n
	}
	if ref := d.refs.get("orderIdentifier"); ref != "" {
		lv.orders = append(lv.orders, lineOrder{rff: d.refAt.get("orderIdentifier"), id: ref, date: d.refDates.get("orderIdentifier")})
	}
	if exp := d.dates.get("expirationDate"); !exp.IsZero() {
		it.Batches = withExpiration(it.Batches, exp)
	}
	for _, q := range variances {
		c.receivalVariance(q, d, &it)
	}
	if it.ReceivedQuantity == "" && !c.faultyAt(d, "QTY") {
		received, _ := c.t.Item.Quantities.Code("receivedQuantity")
		c.errorf(d.lin, 0, 0, "line %d has no received quantity (QTY+%s); a receival notice says what was received", d.lineNumber, received)
	}
	c.unusedRefDates(d, "orderIdentifier")
	c.checkItem(d, "", "")
	lv.items = append(lv.items, it)
}

// receivalVariance reads a QVR of a line: its quantity (C279) is either
// what was received and not accepted (a quantity the table maps to
// rejectedQuantity, 195 or 196: the rejected quantity, written negative) or
// the difference of the received quantity to the despatched or ordered one
// (12, 21), which gives that quantity when the line states none and must
// agree with it when it does. The discrepancy code (4221, by the
// discrepancies table) is the open quantity action; the reason for change
// (C960: its text 4294, else its code 4295) the reject reason.
func (c *in) receivalVariance(q Seg, d *itemData, it *procuros.ReceivalNoticeItem) {
	if v := c.value(q, 1, 1); v != "" {
		qual := c.value(q, 1, 2)
		field, ok := c.t.Item.Quantities.Get(qual)
		variance := c.decimal(q, 1, 1)
		switch {
		case variance == "":
		case !ok || field == NotCarried || field == "receivedQuantity":
			c.errorf(q, 1, 2, "a quantity variance of quantity %q is not mapped: the bridge reads what was not accepted (%s) and the difference to the despatched or ordered quantity (tables: item.quantities)", qual, strings.Join(c.codesOf(c.t.Item.Quantities, "rejectedQuantity", "shippedQuantity", "orderedQuantity"), ", "))
		case field == "rejectedQuantity":
			c.setDecimal(q, 1, 1, &it.RejectedQuantity, absDecimal(variance), "rejected quantity")
		default:
			target := &it.ShippedQuantity
			if field == "orderedQuantity" {
				target = &it.OrderedQuantity
			}
			diff, okD := rat(variance)
			received, okR := rat(it.ReceivedQuantity)
			if !okD || !okR {
				return
			}
			base := procuros.Decimal(ratString(new(big.Rat).Sub(received, diff)))
			switch {
			case *target == "":
				*target = base
			case !sameNumber(*target, base):
				c.errorf(q, 1, 1, "line %d: received %s less %s %s is not the variance %s", d.lineNumber, it.ReceivedQuantity, field, *target, v)
			}
		}
	}
	if code := c.value(q, 2, 1); code != "" {
		if action, ok := c.lookup(q, c.t.Discrepancies, 2, 1); ok {
			c.setText(q, 2, 1, (*string)(&it.OpenQuantityAction), action, "open quantity action")
		}
	}
	c.consume(q, 3, 2, 3) // code list of the reason
	reason, comp := c.value(q, 3, 4), 4
	if reason == "" {
		reason, comp = c.value(q, 3, 1), 1
	}
	if reason != "" {
		c.setText(q, 3, comp, &it.RejectReason, reason, "reject reason")
	}
}

// codesOf lists the codes a table has for the values given.
func (c *in) codesOf(tab Table, values ...string) []string {
	var codes []string
	for i, v := range tab.values {
		if slices.Contains(values, v) {
			codes = append(codes, tab.codes[i])
		}
	}
	return codes
}

// receivalUnits turns packing levels into transport units: each level with
// an SSCC or with lines is a unit (one per SSCC); the others (the
// consignment) are read and dropped. A receival notice does not nest
// units, and each unit holds lines.
func (c *in) receivalUnits(levels []*receivalLevel) []procuros.ReceivalNoticeTransportUnit {
	byID := map[string]*receivalLevel{}
	for _, lv := range levels {
		if _, dup := byID[lv.id]; dup {
			c.errorf(lv.cps, 1, 1, "packing level %s given twice", lv.id)
			continue
		}
		byID[lv.id] = lv
	}
	isUnit := func(lv *receivalLevel) bool { return len(lv.unit.ssccs) > 0 || len(lv.items) > 0 }
	var out []procuros.ReceivalNoticeTransportUnit
	for _, lv := range levels {
		if !isUnit(lv) {
			continue
		}
		seen := map[string]bool{lv.id: true}
		for p := lv.parent; p != ""; {
			up, ok := byID[p]
			if !ok {
				c.errorf(lv.cps, 2, 1, "parent packing level %s does not exist", p)
				break
			}
			if seen[p] {
				c.errorf(lv.cps, 2, 1, "packing levels form a loop through %s", p)
				break
			}
			seen[p] = true
			if isUnit(up) {
				c.errorf(lv.cps, 2, 1, "packing level %s is a unit within the unit of level %s: a receival notice does not nest units", lv.id, up.id)
				break
			}
			p = up.parent
		}
		typ := lv.unit.typ
		if typ != "" && !slices.Contains(receivalUnitTypes, typ) {
			c.warnf(lv.unit.pac, 3, 1, "not carried: the unit type %s; a receival notice's units are EURO_PALLET, EURO_PALLET_HALF, EURO_PALLET_QUARTER or CARTON", typ)
			typ = ""
		}
		if len(lv.items) == 0 {
			c.errorf(lv.cps, 0, 0, "packing level %s holds no lines: a receival notice's unit holds the items received on it", lv.id)
			continue
		}
		switch {
		case len(lv.unit.ssccs) > 1:
			c.errorf(lv.cps, 0, 0, "packing level %s describes %d units (SSCCs) and their lines at once: whether the quantities are per unit or in total is not said; describe each unit on a level of its own", lv.id, len(lv.unit.ssccs))
		case len(lv.unit.ssccs) == 1:
			if lv.unit.count > 1 {
				c.warnf(lv.cps, 0, 0, "packing level %s counts %d packages and lists 1 SSCC", lv.id, lv.unit.count)
			}
			out = append(out, procuros.ReceivalNoticeTransportUnit{UnitIdentifier: lv.unit.ssccs[0], UnitType: typ, ContainedTradeUnitCount: lv.tradeUnits, Items: lv.items})
		default:
			if lv.unit.count > 1 {
				c.warnf(lv.cps, 0, 0, "packing level %s has %d packages without SSCC: sent as one transport unit without identifier", lv.id, lv.unit.count)
			}
			out = append(out, procuros.ReceivalNoticeTransportUnit{UnitType: typ, ContainedTradeUnitCount: lv.tradeUnits, Items: lv.items})
		}
	}
	return out
}

// recadvOut writes a RECEIVAL_NOTICE as a RECADV message body.
func recadvOut(o *out, content procuros.Content) {
	rn := content.(*procuros.ReceivalNotice)
	h := rn.Header
	o.add("BGM", o.receivingAdvice(), []string{h.ReceivalAdviceNumber}, []string{o.code(o.t.Functions, "original", "message function", "header")})
	// The notice has no date of its own: EANCOM's mandatory document date
	// is the receival date.
	o.dtm(o.t.Dates, "header.documentDate", "header.receivalDate", h.ReceivalDate)
	o.dtm(o.t.Dates, "header.receivalDate", "header.receivalDate", h.ReceivalDate)
	if cur := o.receivalCurrency(rn); cur != "" {
		o.add("CUX", []string{"2", cur, "9"})
	}
	o.ftx(o.t.FreeText, "header.comments", "header.comments", h.Comments)
	for _, r := range []struct {
		field, path, datePath, ref string
		date                       procuros.DateTime
	}{
		{"header.customerOrderNumber", "header.customerOrderNumber", "header.orderDate", h.CustomerOrderNumber, h.OrderDate},
		{"header.deliveryNoteNumber", "header.deliveryNoteNumber", "header.deliveryNoteDate", h.DeliveryNoteNumber, h.DeliveryNoteDate},
		{"header.trackingNumber", "header.trackingNumber", "", h.TrackingNumber, procuros.DateTime{}},
	} {
		o.rff(o.t.References, r.field, r.path, r.ref, r.date)
		if r.ref == "" && !r.date.IsZero() {
			o.warnf(r.datePath, "not written: the date of a reference travels in the DTM+171 after its RFF, and the number is missing")
		}
	}
	if h.TrackingURL != "" {
		o.warnf("header.trackingUrl", "not written: RECADV has no place for trackingUrl in the bridge's tables")
	}
	if h.Version != 0 {
		o.warnf("header.version", "not written: EANCOM has no document version")
	}
	o.writeParties(partiesOut{customer: &h.Customer, supplier: &h.Supplier, shipTo: h.ShipTo, shipFrom: h.ShipFrom, billTo: h.BillTo})
	switch {
	case h.CarrierID != "":
		agency := ""
		if h.CarrierDomain != "" {
			var ok bool
			if agency, ok = o.partyAgency(h.CarrierDomain); !ok {
				o.warnf("header.carrierDomain", "not written: domain %q has no agency code (tables: partyAgencies)", h.CarrierDomain)
			}
		}
		o.add("TDT", []string{"20"}, nil, nil, nil, []string{h.CarrierID, "", agency})
	case h.CarrierDomain != "":
		o.warnf("header.carrierDomain", "not written: a carrier's domain without its id (carrierId)")
	}
	lines := 0
	for i, u := range rn.TransportUnits {
		path := fmt.Sprintf("transportUnits[%d]", i)
		o.add("CPS", []string{strconv.Itoa(i + 1)})
		if u.UnitType != "" || u.UnitIdentifier != "" {
			var pkg []string
			if u.UnitType != "" {
				pkg = []string{o.code(o.tabs.PackageTypes, string(u.UnitType), "package type", path, ".unitType"), "", "9"}
			}
			marking := []string{}
			if u.UnitIdentifier != "" {
				marking = []string{"", "52"} // 7233 52: barcoded with GS1-128
			}
			o.add("PAC", []string{"1"}, marking, pkg)
			if u.UnitIdentifier != "" {
				o.add("GIN", []string{"BJ"}, []string{u.UnitIdentifier})
			}
		} else if u.ContainedTradeUnitCount != nil {
			o.add("PAC", []string{"1"}) // the unit, known only by what is on it: read back, the first PAC is the unit's
		}
		if u.ContainedTradeUnitCount != nil {
			o.add("PAC", []string{strconv.Itoa(*u.ContainedTradeUnitCount)}, nil, []string{"CT"})
		}
		for j, it := range u.Items {
			o.receivalLine(fmt.Sprintf("%s.items[%d]", path, j), it)
		}
		lines += len(u.Items)
	}
	o.add("CNT", []string{"2", strconv.Itoa(lines)})
}

// receivingAdvice returns the document name (BGM C002) to write: the first
// code the tables list, or for the built-in codes the directory's own,
// 352 (EANCOM 1997, with agency 9) or 632 (EANCOM 2002).
func (o *out) receivingAdvice() []string {
	code := o.code(o.t.DocumentNames, "receivingAdvice", "document name", "header")
	switch {
	case code != "352" && code != "632":
		return []string{code}
	case o.directory == "D96A":
		return []string{"352", "", "9"}
	}
	return []string{"632"}
}

// receivalCurrency returns the one currency of the items' prices (CUX at
// message level); items with different currencies cannot be written.
func (o *out) receivalCurrency(rn *procuros.ReceivalNotice) string {
	cur := ""
	for i, u := range rn.TransportUnits {
		for j, it := range u.Items {
			switch {
			case it.Currency == "" || it.Currency == cur:
			case cur == "":
				cur = it.Currency
			default:
				o.errorf(fmt.Sprintf("transportUnits[%d].items[%d].currency", i, j), "currency %s besides %s: RECADV has one currency for the message (CUX)", it.Currency, cur)
			}
		}
	}
	return cur
}

// receivalLine writes a line of a receival notice: LIN, PIA, IMD, QTY, the
// QVR of what was not accepted, the expiry date, PRI, RFF, and a PCI group
// per batch.
func (o *out) receivalLine(path string, it procuros.ReceivalNoticeItem) {
	refs := fields[string]{}
	if it.OrderLineNumber != 0 {
		refs.set("orderLineNumber", strconv.Itoa(it.OrderLineNumber))
	}
	var dates fields[procuros.DateTime]
	if exp, ok := o.commonExpiry(path, it.Batches); ok {
		dates.set("expirationDate", exp.DateTime())
	}
	s := o.slots(&itemOut{
		path: path, lineNumber: it.LineNumber, identifiers: it.Identifiers,
		texts:      fieldsOf(field[string]{"description", it.Description}),
		quantities: fieldsOf(field[procuros.Decimal]{"receivedQuantity", it.ReceivedQuantity}, field[procuros.Decimal]{"orderedQuantity", it.OrderedQuantity}, field[procuros.Decimal]{"shippedQuantity", it.ShippedQuantity}),
		unit:       it.UnitOfMeasure, unitPrice: it.UnitPrice, dates: dates, refs: refs,
	})
	if it.RejectedQuantity != "" || it.RejectReason != "" || it.OpenQuantityAction != "" {
		var qty, reason []string
		if it.RejectedQuantity != "" {
			code := o.code(o.t.Item.Quantities, "rejectedQuantity", "QVR quantity qualifier", path, ".rejectedQuantity")
			qty = []string{o.num(negative(it.RejectedQuantity), path, ".rejectedQuantity"), code}
		}
		discrepancy := ""
		if it.OpenQuantityAction != "" {
			discrepancy = o.code(o.t.Discrepancies, string(it.OpenQuantityAction), "discrepancy code", path, ".openQuantityAction")
		}
		if it.RejectReason != "" {
			text := it.RejectReason
			if len([]rune(text)) > reasonWidth {
				o.warnf(path+".rejectReason", "cut to the %d characters of the reason for change (QVR C960 4294)", reasonWidth)
				text = string([]rune(text)[:reasonWidth])
			}
			reason = []string{"", "", "", text}
		}
		s.add(&s.qvr, "QVR", qty, []string{discrepancy}, reason)
	}
	for i, b := range it.Batches {
		bp := fmt.Sprintf("%s.batches[%d]", path, i)
		s.add(&s.pci, "PCI", []string{"36E"}) // 36E: marked with batch number and expiry date
		if b.Quantity != "" {
			code := o.code(o.t.Item.Quantities, "receivedQuantity", "QTY qualifier", bp, ".quantity")
			s.add(&s.pci, "QTY", []string{code, o.num(b.Quantity, bp, ".quantity")})
		}
		if b.BatchIdentifier != "" {
			s.add(&s.pci, "GIN", []string{"BX"}, []string{b.BatchIdentifier})
		}
		for _, f := range []struct {
			name string
			set  bool
		}{{"netWeight", b.NetWeight != ""}, {"grossWeight", b.GrossWeight != ""}} {
			if f.set {
				o.warnf(bp+"."+f.name, "not written: a batch of a RECADV line has no measures")
			}
		}
	}
	if it.Currency != "" && it.UnitPrice == "" {
		o.warnf(path+".currency", "written as the message's currency (CUX): the line has no price")
	}
	// RECADV line order: LIN PIA IMD QTY QVR DTM PRI, then the RFF and PCI
	// groups.
	o.emit(s.lin, s.pia, s.imd, s.qty, s.qvr, s.dtm, s.pri, s.rff, s.pci)
}

// reasonWidth is the width of a reason for change (C960 4294).
const reasonWidth = 35

// commonExpiry returns the expiry date the batches of a line share, which
// goes with the line (DTM): a RECADV batch (PCI group) has no date. Batches
// with different dates, or some without, have theirs noted as not written.
func (o *out) commonExpiry(path string, batches []procuros.Batch) (procuros.Date, bool) {
	var exp procuros.Date
	same, undated := true, false
	for _, b := range batches {
		switch {
		case b.ExpirationDate.IsZero():
			undated = true
		case exp.IsZero():
			exp = b.ExpirationDate
		case b.ExpirationDate != exp:
			same = false
		}
	}
	if exp.IsZero() {
		return exp, false
	}
	if !same || undated {
		for i, b := range batches {
			if !b.ExpirationDate.IsZero() {
				o.warnf(fmt.Sprintf("%s.batches[%d].expirationDate", path, i), "not written: a RECADV line has one expiry date (DTM) for all its batches, and they differ")
			}
		}
		return exp, false
	}
	return exp, true
}

// negative returns -d for a quantity not accepted (EANCOM writes the
// variance negative).
func negative(d procuros.Decimal) procuros.Decimal {
	if r, ok := rat(d); ok && r.Sign() == 0 {
		return d
	}
	if strings.HasPrefix(string(d), "-") {
		return d[1:]
	}
	return "-" + d
}
