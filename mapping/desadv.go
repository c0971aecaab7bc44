package mapping

import (
	"fmt"
	"math/big"
	"slices"
	"strconv"

	"github.com/edibridge/edibridge/mapping/structure"
	"github.com/edibridge/edibridge/procuros"
)

// DESADV <-> SHIPPING_NOTICE. The tables are in tables/desadv.yaml, which
// also explains how the packing hierarchy becomes transport units.

var desadvFields = fieldSet{
	documentNames: []string{"despatchAdvice"},
	functions:     []string{"original"},
	dates: []string{"header.shippingNoticeDate", "header.despatchDate", "header.expectedDeliveryDate",
		"header.requestedDeliveryDate", "header.requestedDespatchDate"},
	references:       []string{"header.orderIdentifier", "header.AdditionalOrderIdentifiers.supplierOrderIdentifier", "header.trackingNumber"},
	parties:          []string{"buyer", "supplier", "shipTo", "shipFrom", "billTo", "finalRecipient"},
	partyOrders:      []string{"order"},
	freeText:         []string{"header.comments", "header.deliveryInformation", "header.purchasingInformation", "header.legalInformation"},
	transport:        []string{"ROAD", "RAIL", "AIR", "SEA", "MULTIMODAL"},
	discrepancies:    openQuantityActions,
	itemDates:        []string{"expirationDate"},
	itemQuantities:   []string{"shippedQuantity", "orderedQuantity"},
	itemReferences:   []string{"orderLineNumber", "orderIdentifier"},
	itemFreeText:     []string{"comments"},
	itemDescriptions: []string{"description", "colorName", "size"},
	itemCodes:        []string{"deposit"},
	itemMeasures:     []string{"netWeight", "grossWeight"},
	defaults: map[string][]string{
		"unitOfMeasure":      unitsAllowed,
		"openQuantityAction": openQuantityActions,
	},
}

var openQuantityActions = []string{string(procuros.OpenQuantityDiscarded), string(procuros.OpenQuantityDeliveredLater)}

// desadvIn maps a DESADV message to a SHIPPING_NOTICE.
func desadvIn(c *in) procuros.Content {
	var sn procuros.ShippingNotice
	h := &sn.Header
	var bgm Seg
	var parties []partyAt
	var levels []*packingLevel
	c.walk(c.tree.Root, handlers{
		segment: func(s Seg) bool {
			switch s.Tag {
			case "BGM":
				bgm = s
				_, h.ShippingNoticeIdentifier = c.beginningOfMessage(s, &h.Version)
			case "DTM":
				c.shippingDate(s, h)
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
					"header.orderIdentifier": {text: &h.OrderIdentifier, date: &h.OrderDate, name: "order number"},
					"header.trackingNumber":  {text: &h.TrackingNumber, name: "tracking number"},
					"header.AdditionalOrderIdentifiers.supplierOrderIdentifier": {
						text: &additional(&h.AdditionalOrderIdentifiers).SupplierOrderIdentifier, name: "supplier's order number"},
				})
			case "NAD":
				parties = append(parties, c.partyGroup(g))
			case "TOD":
				c.deliveryTerms(g, &h.IncoTerms)
			case "TDT":
				c.transport(g, h)
			case "CPS":
				levels = append(levels, c.packingLevel(g, func(s Seg) {
					c.headerText(s, textSlots{comments: &h.Comments, delivery: &h.DeliveryInformation, purchasing: &h.PurchasingInformation, legal: &h.LegalInformation})
				}))
			default:
				return false
			}
			return true
		},
	})
	if bgm.Segment == nil {
		c.missing(c.unh(), "BGM", "a shipping notice number")
		return &sn
	}
	c.assignParties(parties, partySlots{buyer: &h.Buyer, supplier: &h.Supplier, shipTo: &h.ShipTo, shipFrom: &h.ShipFrom,
		billTo: &h.BillTo, finalRecipient: &h.FinalRecipient, additional: &h.AdditionalOrderIdentifiers})
	sn.TransportUnits = c.transportUnits(levels)
	c.lineOrders(levels, h, bgm)
	c.require(bgm, h.ShippingNoticeIdentifier != "", "shipping notice number (BGM C106 1004)", "shippingNoticeIdentifier")
	c.require(bgm, !h.ShippingNoticeDate.IsZero(), "document date (DTM+137)", "shippingNoticeDate")
	c.require(bgm, h.OrderIdentifier != "", "order number (RFF+ON)", "orderIdentifier")
	c.require(lastOf(parties, bgm), len(h.Buyer.Identifiers) > 0, "BY party", "buyer")
	c.require(lastOf(parties, bgm), len(h.Supplier.Identifiers) > 0, "SU party", "supplier")
	c.require(bgm, len(sn.TransportUnits) > 0, "line items (LIN in a packing level CPS)", "transportUnits")
	return &sn
}

// shippingDate reads a DTM at message level.
func (c *in) shippingDate(s Seg, h *procuros.ShippingNoticeHeader) {
	c.dateInto(s, map[string]dateSlot{
		"header.shippingNoticeDate":    {date: &h.ShippingNoticeDate, name: "shippingNoticeDate"},
		"header.despatchDate":          {date: &h.DespatchDate, name: "despatchDate"},
		"header.expectedDeliveryDate":  {date: &h.ExpectedDeliveryDate, name: "expectedDeliveryDate"},
		"header.requestedDeliveryDate": {date: &h.RequestedDeliveryDate, name: "requestedDeliveryDate"},
		"header.requestedDespatchDate": {date: &h.RequestedDespatchDate, name: "requestedDespatchDate"},
	})
}

// deliveryTerms reads a TOD group: the Incoterms code (C100 4053).
func (c *in) deliveryTerms(g *structure.Node, field *procuros.IncoTerms) {
	c.walk(g, handlers{
		segment: func(s Seg) bool {
			switch s.Tag {
			case "TOD":
				c.consume(s, 1, 1)    // the function of the terms (delivery, price): Incoterms either way
				c.consume(s, 3, 2, 3) // code list of the terms
				code := c.value(s, 3, 1)
				if code == "" {
					c.errorf(s, 3, 1, "terms of delivery without a code: Procuros carries Incoterms (C100 4053)")
					return true
				}
				if !contains(incoterms, code) {
					c.errorf(s, 3, 1, "delivery terms %q are not Incoterms Procuros knows (%v)", code, incoterms)
					return true
				}
				*field = procuros.IncoTerms(code)
			default:
				return false
			}
			return true
		},
	})
}

var incoterms = []string{"EXW", "FCA", "CPT", "CIP", "DAP", "DDP", "FAS", "FOB", "CFR", "CIF", "DAT"}

// transport reads a TDT group: mode of transport (C220 8067) and carrier
// (C040: 3128 name, else 3127 identification).
func (c *in) transport(g *structure.Node, h *procuros.ShippingNoticeHeader) {
	c.walk(g, handlers{
		segment: func(s Seg) bool {
			switch s.Tag {
			case "TDT":
				c.consume(s, 1, 1)    // the stage of transport
				c.consume(s, 5, 2, 3) // code list of the carrier's identification
				if code := c.value(s, 3, 1); code != "" {
					if mode, ok := c.lookup(s, c.t.Transport, 3, 1); ok {
						c.setText(s, 3, 1, (*string)(&h.ModeOfTransport), mode, "mode of transport")
					}
				}
				carrier := c.value(s, 5, 4)
				if carrier == "" {
					carrier = c.value(s, 5, 1)
				}
				if carrier != "" {
					c.setText(s, 5, 1, &h.Carrier, carrier, "carrier")
				}
				if ref := c.value(s, 2, 1); ref != "" {
					c.warnf(s, 2, 1, "conveyance reference %q not carried: Procuros has no field for it", ref)
				}
			default:
				return false
			}
			return true
		},
	})
}

// A packingLevel is one CPS group: its place in the hierarchy, the
// transport units (SSCCs) it describes, and its lines.
type packingLevel struct {
	cps        Seg
	id, parent string
	ssccs      []string
	unitType   procuros.UnitType
	packages   int  // PAC 7224 of the level's unit
	tradeUnits *int // PAC 7224 of a second PAC: the trade units on the unit
	items      []procuros.ShippingNoticeItem
	orders     []lineOrder
}

// A lineOrder is the order a line names (RFF+ON in the line), to check it
// against the header's.
type lineOrder struct {
	rff  Seg
	id   string
	date procuros.DateTime
}

// packingLevel reads a CPS group: CPS, its PAC groups and its lines.
func (c *in) packingLevel(g *structure.Node, text func(Seg)) *packingLevel {
	cps := first(g)
	lv := &packingLevel{cps: cps, id: c.value(cps, 1, 1), parent: c.value(cps, 2, 1)}
	c.consume(cps, 3, 1) // the packaging level (inner, outer, ...): the hierarchy says it
	if n := count(g, "LIN"); n > 0 {
		lv.items = make([]procuros.ShippingNoticeItem, 0, n)
	}
	var packs []pack
	c.walk(g, handlers{
		segment: func(s Seg) bool {
			switch s.Tag {
			case "CPS":
			case "FTX": // DESADV has free text on its packing levels only: the notice's
				text(s)
			default:
				return false
			}
			return true
		},
		group: func(trigger string, n *structure.Node) bool {
			switch trigger {
			case "PAC":
				packs = append(packs, c.packaging(n))
			case "LIN":
				c.shippingItem(n, lv)
			default:
				return false
			}
			return true
		},
	})
	c.resolvePacks(lv, packs)
	return lv
}

// A pack is what a PAC group says: how many packages of which type, and
// their SSCCs.
type pack struct {
	pac   Seg
	count int
	typ   procuros.UnitType
	ssccs []string
}

// packaging reads a PAC group: the number and type of packages (PAC 7224,
// C202 7065) and, in its PCI groups, their SSCCs (GIN+BJ). Weights,
// dimensions and handling instructions of a package (MEA, QTY, HAN) have no
// place in Procuros and are read and dropped.
func (c *in) packaging(g *structure.Node) pack {
	p := pack{pac: first(g), count: 1}
	c.consume(p.pac, 2, 1, 2, 3) // packaging details (level, barcoded, ...)
	c.consume(p.pac, 3, 2, 3)    // code list of the package type
	if n, ok := c.integer(p.pac, 1, 1); ok {
		p.count = n
	}
	c.walk(g, handlers{
		segment: only("PAC", "MEA", "QTY"),
		group: func(trigger string, n *structure.Node) bool {
			switch trigger {
			case "HAN":
			case "PCI":
				p.ssccs = append(p.ssccs, c.packageMarks(n)...)
			case "GIN": // RECADV: the package's GIN groups (SG20) beside its PCI groups
				p.ssccs = append(p.ssccs, c.ginGroup(n, "BJ", "AW")...)
			default:
				return false
			}
			return true
		},
	})
	if code := c.value(p.pac, 3, 1); code != "" {
		v, ok := c.tabs.PackageTypes.Get(code)
		switch {
		case !ok:
			c.errorf(p.pac, 3, 1, "package type %q is not mapped (tables: packageTypes)", code)
		case v != NotCarried:
			p.typ = procuros.UnitType(v)
		}
	}
	return p
}

// resolvePacks decides what a level's PACs describe: the PAC with SSCCs
// (else the first) is the level's unit; one more PAC counts the trade units
// (cartons, cases) on it.
func (c *in) resolvePacks(lv *packingLevel, packs []pack) {
	unit, tradeUnits := c.unitPacks(lv.id, packs)
	lv.ssccs, lv.unitType, lv.packages, lv.tradeUnits = unit.ssccs, unit.typ, unit.count, tradeUnits
}

// unitPacks decides what the PACs of packing level id describe: the unit
// (the PAC with SSCCs, else the first; none without PAC), and the number of
// trade units on it (a second PAC).
func (c *in) unitPacks(id string, packs []pack) (unit pack, tradeUnits *int) {
	at := -1
	for i, p := range packs {
		if len(p.ssccs) == 0 {
			continue
		}
		if at >= 0 {
			c.errorf(p.pac, 0, 0, "a second package with SSCCs on packing level %s: describe each unit on a level (CPS) of its own", id)
			return pack{}, nil
		}
		at = i
	}
	if at < 0 && len(packs) > 0 {
		at = 0
	}
	for i, p := range packs {
		switch {
		case i == at:
			unit = p
		case tradeUnits == nil:
			tradeUnits = procuros.Int(p.count)
		default:
			c.errorf(p.pac, 0, 0, "a third package description on packing level %s: the bridge reads the unit and the trade units on it", id)
		}
	}
	return unit, tradeUnits
}

// packageMarks reads a PCI group of a package: the SSCCs (GIN+BJ, or the
// older AW) of its GIN groups. Other marks have no place in Procuros.
func (c *in) packageMarks(g *structure.Node) []string {
	var ssccs []string
	c.walk(g, handlers{
		segment: only("PCI"),
		group: func(trigger string, n *structure.Node) bool {
			switch trigger {
			case "GIN":
				ssccs = append(ssccs, c.ginGroup(n, "BJ", "AW")...)
			default:
				return false
			}
			return true
		},
	})
	return ssccs
}

// ginGroup reads a GIN group: the numbers of its GIN, which must be of one
// of the identity types (7405) given.
func (c *in) ginGroup(g *structure.Node, types ...string) []string {
	var ids []string
	c.walk(g, handlers{segment: func(s Seg) bool {
		if s.Tag != "GIN" {
			return false
		}
		ids = append(ids, c.numbers(s, types...)...)
		return true
	}})
	return ids
}

// numbers returns the numbers of a GIN segment (C208, up to five) when its
// identity type (7405) is one of types, else reports it as not mapped.
func (c *in) numbers(s Seg, types ...string) []string {
	if q := c.value(s, 1, 1); !slices.Contains(types, q) {
		c.unmapped(s, q)
		return nil
	}
	return c.identities(s)
}

// identities returns the numbers of a GIN segment (C208, up to five), and
// reports ranges, which the bridge does not expand.
func (c *in) identities(s Seg) []string {
	var ids []string
	for i := 2; i <= 6; i++ {
		if v := c.value(s, i, 1); v != "" {
			ids = append(ids, v)
		}
		if v := c.value(s, i, 2); v != "" {
			c.errorf(s, i, 2, "a range of numbers (to %s) is not mapped: list each number", v)
		}
	}
	return ids
}

// shippingItem reads a line of a packing level.
func (c *in) shippingItem(g *structure.Node, lv *packingLevel) {
	var batches []procuros.Batch
	var discrepancy Seg
	d := c.item(g, handlers{
		segment: func(s Seg) bool {
			switch s.Tag {
			case "GIN":
				for _, id := range c.numbers(s, "BX") {
					batches = append(batches, procuros.Batch{BatchIdentifier: id})
				}
			default:
				return false
			}
			return true
		},
		group: func(trigger string, n *structure.Node) bool {
			switch trigger {
			case "PCI":
				batches = append(batches, c.batch(n, "shippedQuantity")...)
			case "QVR":
				if discrepancy.Segment != nil {
					c.errorf(first(n), 0, 0, "a second quantity variance for the line: Procuros carries one")
					return true
				}
				discrepancy = first(n)
				c.walk(n, handlers{
					segment: only("QVR"),
				})
			default:
				return false
			}
			return true
		},
	})
	it := procuros.ShippingNoticeItem{
		LineNumber:        procuros.Int(d.lineNumber),
		Identifiers:       d.identifiers,
		IsDepositItem:     procuros.Bool(d.deposit),
		Description:       d.texts.get("description"),
		Comments:          d.texts.get("comments"),
		ColorName:         d.texts.get("colorName"),
		Size:              d.texts.get("size"),
		ShippedQuantity:   d.quantities.get("shippedQuantity"),
		OrderedQuantity:   d.quantities.get("orderedQuantity"),
		UnitOfMeasure:     d.unit,
		OriginCountryCode: d.origin,
		NetWeight:         d.weights.get("netWeight"),
		GrossWeight:       d.weights.get("grossWeight"),
		Batches:           batches,
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
	if ref := d.refs.get("orderIdentifier"); ref != "" {
		lv.orders = append(lv.orders, lineOrder{rff: d.refAt.get("orderIdentifier"), id: ref, date: d.refDates.get("orderIdentifier")})
	}
	if exp := d.dates.get("expirationDate"); !exp.IsZero() {
		it.Batches = withExpiration(it.Batches, exp)
	}
	if it.ShippedQuantity == "" && !c.faultyAt(d, "QTY") {
		c.errorf(d.lin, 0, 0, "line %d has no despatched quantity (QTY+12); %s requires shippedQuantity", d.lineNumber, c.tx)
	}
	c.batchTotal(d, it)
	c.variance(d, discrepancy, &it)
	if it.OrderedQuantity == "" && it.ShippedQuantity != "" {
		it.OrderedQuantity = it.ShippedQuantity
		c.warnf(d.lin, 0, 0, "line %d has no ordered quantity (QTY+21): the despatched quantity is sent as ordered", d.lineNumber)
	}
	it.OpenQuantityAction = c.openQuantity(d, discrepancy, it.OrderedQuantity, it.ShippedQuantity)
	c.unusedRefDates(d, "orderIdentifier")
	c.checkItem(d, "", "")
	lv.items = append(lv.items, it)
}

// batch reads a PCI group of a line: one batch per batch number (GIN+BX),
// with the group's expiry date and quantity, which must be the quantity
// field given (the despatched quantity of a DESADV, the received one of a
// RECADV).
func (c *in) batch(g *structure.Node, quantity string) []procuros.Batch {
	var b procuros.Batch
	var ids []string
	var weights fields[procuros.Decimal]
	c.walk(g, handlers{
		segment: func(s Seg) bool {
			switch s.Tag {
			case "PCI":
			case "DTM":
				field, ok := c.lookup(s, c.t.Item.Dates, 1, 1)
				if !ok {
					return true
				}
				if d, ok := c.date(s); ok && field == "expirationDate" {
					b.ExpirationDate = d.Date()
				}
			case "QTY":
				if field, ok := c.lookup(s, c.t.Item.Quantities, 1, 1); ok && field == quantity {
					c.setDecimal(s, 1, 2, &b.Quantity, c.decimal(s, 1, 2), "batch quantity")
				} else if ok {
					c.errorf(s, 1, 1, "a batch carries its %s only, not %s", quantity, field)
				}
			case "MEA":
				c.itemMeasure(s, &weights)
			default:
				return false
			}
			return true
		},
		group: func(trigger string, n *structure.Node) bool {
			switch trigger {
			case "GIN":
				ids = append(ids, c.ginGroup(n, "BX")...)
			default:
				return false
			}
			return true
		},
	})
	b.NetWeight, b.GrossWeight = weights.get("netWeight"), weights.get("grossWeight")
	if len(ids) == 0 {
		if b == (procuros.Batch{}) {
			return nil
		}
		return []procuros.Batch{b}
	}
	if len(ids) > 1 && b.Quantity != "" {
		c.errorf(first(g), 0, 0, "one quantity for %d batches: give each batch a group (PCI) of its own", len(ids))
	}
	out := make([]procuros.Batch, len(ids))
	for i, id := range ids {
		out[i] = b
		out[i].BatchIdentifier = id
	}
	return out
}

// withExpiration applies a line's expiry date (DTM at line level) to its
// batches that state none, or makes a batch for it.
func withExpiration(batches []procuros.Batch, exp procuros.DateTime) []procuros.Batch {
	if len(batches) == 0 {
		return []procuros.Batch{{ExpirationDate: exp.Date()}}
	}
	for i := range batches {
		if batches[i].ExpirationDate.IsZero() {
			batches[i].ExpirationDate = exp.Date()
		}
	}
	return batches
}

// batchTotal checks the batches' quantities against the line's: the spec
// wants them to add up to the shipped quantity, when they are given.
func (c *in) batchTotal(d *itemData, it procuros.ShippingNoticeItem) {
	sum, given := new(big.Rat), 0
	for _, b := range it.Batches {
		if r, ok := rat(b.Quantity); ok {
			sum.Add(sum, r)
			given++
		}
	}
	switch shipped, ok := rat(it.ShippedQuantity); {
	case given == 0 || !ok:
	case given < len(it.Batches):
		c.errorf(d.lin, 0, 0, "line %d: %d of its %d batches give a quantity: give each its quantity, or none", d.lineNumber, given, len(it.Batches))
	case sum.Cmp(shipped) != 0:
		c.errorf(d.lin, 0, 0, "line %d: the batches' quantities add up to %s, the line ships %s", d.lineNumber, ratString(sum), it.ShippedQuantity)
	}
}

// variance reads the quantity of a QVR (C279): despatched less ordered
// (6064), of the ordered quantity (6063 = 21). Without QTY+21 it gives the
// ordered quantity; with one, the two must agree.
func (c *in) variance(d *itemData, qvr Seg, it *procuros.ShippingNoticeItem) {
	if qvr.Segment == nil {
		return
	}
	if q := c.value(qvr, 1, 2); q != "" && q != "21" {
		c.errorf(qvr, 1, 2, "a quantity variance of quantity %q: the bridge reads the variance from the ordered quantity (21)", q)
		return
	}
	diff, okD := rat(c.decimal(qvr, 1, 1))
	shipped, okS := rat(it.ShippedQuantity)
	if !okD || !okS {
		return
	}
	ordered := ratString(new(big.Rat).Sub(shipped, diff))
	switch {
	case it.OrderedQuantity == "":
		it.OrderedQuantity = procuros.Decimal(ordered)
	case !sameNumber(it.OrderedQuantity, procuros.Decimal(ordered)):
		c.errorf(qvr, 1, 1, "line %d: despatched %s less ordered %s is not the variance %s", d.lineNumber, it.ShippedQuantity, it.OrderedQuantity, c.value(qvr, 1, 1))
	}
}

// openQuantity decides what happens to a quantity ordered and not shipped:
// the line's QVR (4221 discrepancy code, by the discrepancies table), else
// the tables' default. Procuros wants it exactly when the quantities differ.
func (c *in) openQuantity(d *itemData, qvr Seg, ordered, shipped procuros.Decimal) procuros.OpenQuantityAction {
	var action string
	if qvr.Segment != nil {
		v, ok := c.lookup(qvr, c.t.Discrepancies, 2, 1)
		if !ok {
			return ""
		}
		action = v
	}
	if ordered == "" || shipped == "" || sameNumber(ordered, shipped) {
		return ""
	}
	if action == "" {
		action = c.t.Defaults["openQuantityAction"]
	}
	if action == "" {
		c.errorf(d.lin, 0, 0, "line %d ships %s of %s ordered and says nothing of the rest: give a QVR, or set defaults: {openQuantityAction: DISCARDED or DELIVERED_LATER} in the partner's tables",
			d.lineNumber, shipped, ordered)
	}
	return procuros.OpenQuantityAction(action)
}

// transportUnits turns packing levels into transport units: each level
// with an SSCC or with lines is a unit, nested in the nearest level above it
// that is one. Procuros nests units one level deep (sandwich pallets).
func (c *in) transportUnits(levels []*packingLevel) []procuros.ShippingNoticeTransportUnit {
	byID := map[string]*packingLevel{}
	for _, lv := range levels {
		if _, dup := byID[lv.id]; dup {
			c.errorf(lv.cps, 1, 1, "packing level %s given twice", lv.id)
			continue
		}
		byID[lv.id] = lv
	}
	isUnit := func(lv *packingLevel) bool { return len(lv.ssccs) > 0 || len(lv.items) > 0 }
	// unitAbove is the nearest level above lv that is a unit, or nil.
	unitAbove := func(lv *packingLevel) *packingLevel {
		seen := map[string]bool{lv.id: true}
		for p := lv.parent; p != ""; {
			up, ok := byID[p]
			if !ok {
				c.errorf(lv.cps, 2, 1, "parent packing level %s does not exist", p)
				return nil
			}
			if seen[p] {
				if p != lv.id {
					c.errorf(lv.cps, 2, 1, "packing levels form a loop through %s", p)
				}
				return nil
			}
			seen[p] = true
			if isUnit(up) {
				return up
			}
			p = up.parent
		}
		return nil
	}
	// Parents first, for all levels: a level may come before its parent.
	parentOf := map[*packingLevel]*packingLevel{}
	var units []*packingLevel
	for _, lv := range levels {
		if isUnit(lv) {
			units = append(units, lv)
			parentOf[lv] = unitAbove(lv)
		}
	}
	built := map[*packingLevel][]procuros.ShippingNoticeTransportUnit{}
	for _, lv := range units {
		built[lv] = c.unitsOf(lv)
	}
	var out []procuros.ShippingNoticeTransportUnit
	for _, lv := range units {
		switch up := parentOf[lv]; {
		case up == nil:
			out = append(out, c.withChildren(lv, built, units, parentOf)...)
		case parentOf[up] != nil:
			c.errorf(lv.cps, 2, 1, "packing level %s is a unit in a unit in a unit: Procuros nests units one level deep", lv.id)
		}
	}
	for _, u := range out {
		c.checkContents(u, levels)
		for _, sub := range u.TransportUnits {
			c.checkContents(sub, levels)
		}
	}
	return out
}

// withChildren returns the units of a top level with the units of the
// levels directly inside it, in document order.
func (c *in) withChildren(lv *packingLevel, built map[*packingLevel][]procuros.ShippingNoticeTransportUnit, units []*packingLevel, parentOf map[*packingLevel]*packingLevel) []procuros.ShippingNoticeTransportUnit {
	own := built[lv]
	for _, child := range units {
		if parentOf[child] != lv {
			continue
		}
		if len(own) != 1 {
			c.errorf(child.cps, 2, 1, "packing level %s is inside a level of %d units: which one holds it is not said", child.id, len(own))
			break
		}
		own[0].TransportUnits = append(own[0].TransportUnits, built[child]...)
	}
	return own
}

// checkContents reports a unit that holds neither lines nor units: the
// spec wants a unit's items non-empty unless it holds units.
func (c *in) checkContents(u procuros.ShippingNoticeTransportUnit, levels []*packingLevel) {
	if len(u.Items) > 0 || len(u.TransportUnits) > 0 {
		return
	}
	at := levels[0].cps
	for _, lv := range levels {
		if slices.Contains(lv.ssccs, u.UnitIdentifier) {
			at = lv.cps
		}
	}
	c.errorf(at, 0, 0, "transport unit %s holds no lines and no units: Procuros requires its contents", u.UnitIdentifier)
}

// unitsOf returns the units a packing level describes: one per SSCC, or one
// without identifier for a level that has lines and no SSCC.
func (c *in) unitsOf(lv *packingLevel) []procuros.ShippingNoticeTransportUnit {
	if len(lv.ssccs) > 1 && len(lv.items) > 0 {
		c.errorf(lv.cps, 0, 0, "packing level %s describes %d units (SSCCs) and their lines at once: whether the quantities are per unit or in total is not said; describe each unit on a level of its own", lv.id, len(lv.ssccs))
		return nil
	}
	if len(lv.ssccs) == 0 {
		if lv.packages > 1 {
			c.warnf(lv.cps, 0, 0, "packing level %s has %d packages without SSCC: sent as one transport unit without identifier", lv.id, lv.packages)
		}
		return []procuros.ShippingNoticeTransportUnit{{UnitType: lv.unitType, ContainedTradeUnitCount: lv.tradeUnits, Items: lv.items}}
	}
	if len(lv.ssccs) != lv.packages {
		c.warnf(lv.cps, 0, 0, "packing level %s counts %d packages and lists %d SSCCs", lv.id, lv.packages, len(lv.ssccs))
	}
	units := make([]procuros.ShippingNoticeTransportUnit, len(lv.ssccs))
	for i, sscc := range lv.ssccs {
		units[i] = procuros.ShippingNoticeTransportUnit{UnitIdentifier: sscc, UnitType: lv.unitType, ContainedTradeUnitCount: lv.tradeUnits, Items: lv.items}
	}
	return units
}

// lineOrders checks the orders the lines name against the header's: a
// shipping notice ships one order. A message that names its order on the
// lines only takes it from there.
func (c *in) lineOrders(levels []*packingLevel, h *procuros.ShippingNoticeHeader, bgm Seg) {
	for _, lv := range levels {
		c.oneOrder(&h.OrderIdentifier, &h.OrderDate, lv.orders, "ships", "shipping notice")
	}
}

// oneOrder takes the order of a transaction that has one (a shipping
// notice, an order response, a receival notice) from the lines (RFF+ON in
// a line) when the header names none, with its date, and reports a line
// that names another: the line "verb"s that order, Procuros carries one
// per "per".
func (c *in) oneOrder(id *string, date *procuros.DateTime, orders []lineOrder, verb, per string) {
	for _, o := range orders {
		switch {
		case *id == "":
			*id = o.id
			if date.IsZero() {
				*date = o.date
			}
		case *id != o.id:
			c.errorf(o.rff, 0, 0, "the line %s order %s, the message order %s: Procuros carries one order per %s", verb, o.id, *id, per)
		}
	}
}

// desadvOut writes a SHIPPING_NOTICE as a DESADV message body.
func desadvOut(o *out, content procuros.Content) {
	sn := content.(*procuros.ShippingNotice)
	h := sn.Header
	o.add("BGM", []string{o.code(o.t.DocumentNames, "despatchAdvice", "document name", "header")}, []string{h.ShippingNoticeIdentifier},
		[]string{o.code(o.t.Functions, "original", "message function", "header")})
	for _, d := range []struct {
		field string
		v     procuros.DateTime
	}{
		{"header.shippingNoticeDate", h.ShippingNoticeDate}, {"header.despatchDate", h.DespatchDate},
		{"header.expectedDeliveryDate", h.ExpectedDeliveryDate}, {"header.requestedDeliveryDate", h.RequestedDeliveryDate},
		{"header.requestedDespatchDate", h.RequestedDespatchDate},
	} {
		o.dtm(o.t.Dates, d.field, d.field, d.v)
	}
	o.rff(o.t.References, "header.orderIdentifier", "header.orderIdentifier", h.OrderIdentifier, h.OrderDate)
	add := h.AdditionalOrderIdentifiers
	if add == nil {
		add = &procuros.AdditionalOrderIdentifiers{}
	}
	o.rff(o.t.References, "header.AdditionalOrderIdentifiers.supplierOrderIdentifier", "header.AdditionalOrderIdentifiers.supplierOrderIdentifier", add.SupplierOrderIdentifier, procuros.DateTime{})
	o.rff(o.t.References, "header.trackingNumber", "header.trackingNumber", h.TrackingNumber, procuros.DateTime{})
	o.writeParties(partiesOut{buyer: &h.Buyer, supplier: &h.Supplier, shipTo: h.ShipTo, shipFrom: h.ShipFrom, billTo: h.BillTo,
		finalRecipient: h.FinalRecipient, additional: h.AdditionalOrderIdentifiers})
	if h.IncoTerms != "" {
		o.add("TOD", []string{"6"}, nil, []string{string(h.IncoTerms)})
	}
	if h.ModeOfTransport != "" || h.Carrier != "" {
		mode := ""
		if h.ModeOfTransport != "" {
			mode = o.code(o.t.Transport, string(h.ModeOfTransport), "mode of transport", "header.modeOfTransport")
		}
		var carrier []string
		if h.Carrier != "" {
			carrier = []string{"", "", "", h.Carrier}
		}
		o.add("TDT", []string{"20"}, nil, []string{mode}, nil, carrier)
	}
	for _, f := range []struct{ name, v string }{{"trackingUrl", h.TrackingURL}, {"shippingMethod", h.ShippingMethod}, {"status", h.Status}, {"currency", h.Currency}} {
		if f.v != "" {
			o.warnf("header."+f.name, "not written: DESADV has no place for %s in the bridge's tables", f.name)
		}
	}
	if h.Version != 0 {
		o.warnf("header.version", "not written: EANCOM has no document version")
	}
	w := &levelWriter{o: o, next: 2}
	// DESADV has no free text at message level: the notice's goes with
	// the consignment, the first packing level.
	o.add("CPS", []string{"1"})
	o.ftx(o.t.FreeText, "header.comments", "header.comments", h.Comments)
	o.ftx(o.t.FreeText, "header.deliveryInformation", "header.deliveryInformation", h.DeliveryInformation)
	o.ftx(o.t.FreeText, "header.purchasingInformation", "header.purchasingInformation", h.PurchasingInformation)
	o.ftx(o.t.FreeText, "header.legalInformation", "header.legalInformation", h.LegalInformation)
	lines := 0
	for i, u := range sn.TransportUnits {
		lines += w.unit(fmt.Sprintf("transportUnits[%d]", i), u, "1")
	}
	o.add("CNT", []string{"2", strconv.Itoa(lines)})
}

// levelWriter numbers the packing levels (CPS 7164) as it writes them.
type levelWriter struct {
	o    *out
	next int
}

// unit writes a transport unit as a packing level under parent, then its
// units, and returns the number of lines written.
func (w *levelWriter) unit(path string, u procuros.ShippingNoticeTransportUnit, parent string) int {
	o := w.o
	id := strconv.Itoa(w.next)
	w.next++
	o.add("CPS", []string{id}, []string{parent})
	// The unit's own PAC comes first, also for a unit known only by the
	// trade units on it: read back, the first PAC is the unit's.
	if u.UnitType != "" || u.UnitIdentifier != "" || u.ContainedTradeUnitCount != nil {
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
			o.add("PCI", []string{"33E"}) // 33E: marked with an SSCC
			o.add("GIN", []string{"BJ"}, []string{u.UnitIdentifier})
		}
	}
	if u.ContainedTradeUnitCount != nil {
		o.add("PAC", []string{strconv.Itoa(*u.ContainedTradeUnitCount)}, nil, []string{"CT"})
	}
	for _, f := range []struct {
		name string
		d    procuros.DateTime
	}{{"requestedDeliveryDate", u.RequestedDeliveryDate}, {"expectedDeliveryDate", u.ExpectedDeliveryDate}, {"requestedDespatchDate", u.RequestedDespatchDate}, {"despatchDate", u.DespatchDate}} {
		if !f.d.IsZero() {
			o.warnf(path+"."+f.name, "not written: a DESADV packing level has no dates")
		}
	}
	for i, it := range u.Items {
		w.item(fmt.Sprintf("%s.items[%d]", path, i), it)
	}
	lines := len(u.Items)
	for i, sub := range u.TransportUnits {
		lines += w.unit(fmt.Sprintf("%s.transportUnits[%d]", path, i), sub, id)
	}
	return lines
}

// item writes a line of a packing level.
func (w *levelWriter) item(path string, it procuros.ShippingNoticeItem) {
	o := w.o
	if len(it.SubItems) > 0 {
		o.errorf(path+".subItems", "sub-items are not written (EANCOM sub-lines are not mapped)")
	}
	line := 0
	if it.LineNumber != nil {
		line = *it.LineNumber
	}
	refs := fields[string]{}
	if it.OrderLineNumber != 0 {
		refs.set("orderLineNumber", strconv.Itoa(it.OrderLineNumber))
	}
	s := o.slots(&itemOut{
		path: path, lineNumber: line, identifiers: it.Identifiers, deposit: it.IsDepositItem != nil && *it.IsDepositItem,
		texts:      fieldsOf(field[string]{"description", it.Description}, field[string]{"comments", it.Comments}, field[string]{"colorName", it.ColorName}, field[string]{"size", it.Size}),
		quantities: fieldsOf(field[procuros.Decimal]{"shippedQuantity", it.ShippedQuantity}, field[procuros.Decimal]{"orderedQuantity", it.OrderedQuantity}),
		unit:       it.UnitOfMeasure, origin: it.OriginCountryCode,
		weights: fieldsOf(field[procuros.Decimal]{"netWeight", it.NetWeight}, field[procuros.Decimal]{"grossWeight", it.GrossWeight}),
		refs:    refs, batches: it.Batches, openQuantity: it.OpenQuantityAction,
	})
	o.notWrittenShipping(path, it)
	// DESADV line order: LIN PIA IMD MEA QTY ALI DTM FTX, then the RFF,
	// PCI (batches) and QVR groups.
	o.emit(s.lin, s.pia, s.imd, s.mea, s.qty, s.ali, s.dtm, s.ftx, s.rff, s.pci, s.qvr)
}

// notWrittenShipping notes the fields of a shipping notice item that
// DESADV has no place for.
func (o *out) notWrittenShipping(path string, it procuros.ShippingNoticeItem) {
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"unitPrice", it.UnitPrice != ""}, {"recommendedRetailPrice", it.RecommendedRetailPrice != ""}, {"tax", it.Tax != nil},
		{"minimumRemainingShelfLifeInDays", it.MinimumRemainingShelfLifeInDays != nil}, {"colorCode", it.ColorCode != ""},
		{"dimension", it.Dimension != ""}, {"hsCode", it.HSCode != ""}, {"organicControlPointNumber", it.OrganicControlPointNumber != ""},
		{"fscNumber", it.FSCNumber != ""}, {"certifications", it.Certifications != nil}, {"breeder", it.Breeder != nil},
		{"fattener", it.Fattener != nil}, {"slaughterer", it.Slaughterer != nil}, {"cutter", it.Cutter != nil},
		{"slaughterDate", !it.SlaughterDate.IsZero()}, {"tradeClass", it.TradeClass != ""}, {"earTag", it.EarTag != ""},
		{"birthdate", !it.Birthdate.IsZero()}, {"gender", it.Gender != ""},
	} {
		if f.set {
			o.warnf(path+"."+f.name, "not written: EANCOM DESADV has no place for %s in the bridge's tables", f.name)
		}
	}
}

// quantityDifference returns shipped minus ordered, for a QVR.
func quantityDifference(ordered, shipped procuros.Decimal) (string, bool) {
	a, okA := rat(ordered)
	b, okB := rat(shipped)
	if !okA || !okB {
		return "", false
	}
	return ratString(new(big.Rat).Sub(b, a)), true
}
