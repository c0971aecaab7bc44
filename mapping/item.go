package mapping

import (
	"fmt"
	"iter"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"github.com/edibridge/edibridge/edifact"
	"github.com/edibridge/edibridge/mapping/structure"
	"github.com/edibridge/edibridge/procuros"
)

// itemData is what a line item group (LIN and what follows it) says, before
// it becomes the item type of one transaction.
type itemData struct {
	itemScalars
	texts      fields[string]           // description, brand, colorName, size, comments
	quantities fields[procuros.Decimal] // by field: quantity, orderedQuantity, ...
	prices     fields[procuros.Decimal] // netPrice, grossPrice, recommendedRetailPrice
	dates      fields[procuros.DateTime]
	refs       fields[string]
	refDates   fields[procuros.DateTime]
	amounts    fields[procuros.Decimal]
	weights    fields[procuros.Decimal] // netWeight, grossWeight, in grams
	descParts  fields[[]string]         // IMD C273 7008 parts, by field
	refAt      fields[Seg]              // the RFF of each reference, for problems
}

// itemScalars are the members of itemData other than its fields, apart so
// that reset can clear them at once.
type itemScalars struct {
	lin         Seg
	last        int // the position of the line group's last segment
	lineNumber  int
	identifiers []procuros.ItemIdentifier
	deposit     bool
	unit        procuros.UnitOfMeasure
	tax         *procuros.Tax
	taxRate     Seg    // the TAX segment, for problems
	taxCategory string // its 5305, by the taxCategories table
	mods        []procuros.ModificationGroup
	modsSeg     Seg
	origin      string // ALI 3239: country of origin
	action      string // LIN 1229 by the lineActions table (ORDRSP)
	priceUnits  []Seg  // PRI that name their unit (C509 6411), checked against the line's
}

// reset makes d the data of a new line: what it held before is forgotten,
// without clearing the arrays of its fields (a line's worth of memory).
func (d *itemData) reset(lin Seg) {
	d.itemScalars = itemScalars{lin: lin}
	d.texts.n, d.quantities.n, d.prices.n, d.dates.n, d.refs.n = 0, 0, 0, 0, 0
	d.refDates.n, d.amounts.n, d.weights.n, d.descParts.n, d.refAt.n = 0, 0, 0, 0, 0
}

// maxFields is how many fields of one kind (quantities, dates, ...) an
// item can hold; no message's fieldSet names more (TestFieldSetsFit).
const maxFields = 8

// fields holds a few values by field name, in the order they were set.
// It lives inside its itemData, so that reading a line allocates no maps.
type fields[T any] struct {
	names [maxFields]string
	vals  [maxFields]T
	n     int
}

func (f *fields[T]) get(name string) T {
	for i := range f.n {
		if f.names[i] == name {
			return f.vals[i]
		}
	}
	var zero T
	return zero
}

func (f *fields[T]) set(name string, v T) {
	for i := range f.n {
		if f.names[i] == name {
			f.vals[i] = v
			return
		}
	}
	if f.n == maxFields {
		panic(fmt.Sprintf("mapping: more than %d fields of one kind (%s)", maxFields, name))
	}
	f.names[f.n], f.vals[f.n] = name, v
	f.n++
}

// A field is a name and a value, to fill fields from a literal.
type field[T any] struct {
	name string
	v    T
}

// fieldsOf returns fields holding pairs.
func fieldsOf[T any](pairs ...field[T]) fields[T] {
	var f fields[T]
	for _, p := range pairs {
		f.set(p.name, p.v)
	}
	return f
}

// all yields the fields in the order they were set.
func (f *fields[T]) all() iter.Seq2[string, T] {
	return func(yield func(string, T) bool) {
		for i := range f.n {
			if !yield(f.names[i], f.vals[i]) {
				return
			}
		}
	}
}

// newItemData returns the itemData of the next line, reusing the one of
// the line before: what the mappings keep of it (strings, and the slices
// they take over) is never written again.
func (c *in) newItemData(lin Seg) *itemData {
	if c.itemBuf == nil {
		c.itemBuf = new(itemData)
	}
	c.itemBuf.reset(lin)
	return c.itemBuf
}

// item reads a line item group: LIN, PIA, IMD, QTY, DTM, MOA, FTX, and the
// PRI, RFF, TAX and ALC groups in it. extra handles what only some messages
// have (batches in a DESADV).
func (c *in) item(n *structure.Node, extra handlers) *itemData {
	lin := first(n)
	d := c.newItemData(lin)
	d.last = lastPos(n)
	c.lines++
	if v := c.value(lin, 1, 1); v != "" {
		if num, ok := c.integer(lin, 1, 1); ok {
			d.lineNumber = num
		}
	} else {
		d.lineNumber = c.lines
		c.warnf(lin, 1, 1, "the line has no line number (1082): numbered %d by its position", c.lines)
	}
	if v := c.value(lin, 4, 1); v != "" {
		c.errorf(lin, 4, 1, "sub-line %s of line %s: sub-lines are not mapped", v, c.value(lin, 4, 2))
	}
	c.consume(lin, 3, 3, 4) // code list of the item number type
	if id := c.value(lin, 3, 1); id != "" {
		c.itemIdentifier(lin, 3, id, c.value(lin, 3, 2), d)
	} else if c.value(lin, 3, 2) != "" {
		c.warnf(lin, 3, 1, "item number type %s without an item number", c.value(lin, 3, 2))
	}
	if v := c.value(lin, 2, 1); v != "" {
		action, ok := c.t.LineActions.Get(v)
		switch {
		case c.t.LineActions.Len() == 0:
			c.errorf(lin, 2, 1, "line item action %s is not mapped for %s", v, c.tx)
		case !ok:
			c.errorf(lin, 2, 1, "line item action %s is not mapped for %s (tables: lineActions)", v, c.tx)
		case action != NotCarried:
			d.action = action
		}
	}
	h := handlers{
		segment: func(s Seg) bool {
			if extra.segment != nil && extra.segment(s) {
				return true
			}
			switch s.Tag {
			case "LIN":
			case "PIA":
				c.pia(s, d)
			case "IMD":
				c.imd(s, d)
			case "QTY":
				c.itemQuantity(s, d)
			case "DTM":
				c.itemDate(s, d)
			case "MOA":
				c.itemAmount(s, d)
			case "FTX":
				c.itemText(s, d)
			case "ALI":
				c.origin(s, d)
			case "MEA":
				c.itemMeasure(s, &d.weights)
			case "PRI": // a segment of the line in RECADV, a group elsewhere
				c.priceSegment(s, d)
			default:
				return false
			}
			return true
		},
		group: func(trigger string, g *structure.Node) bool {
			if extra.group != nil && extra.group(trigger, g) {
				return true
			}
			switch trigger {
			case "PRI":
				c.itemPrice(g, d)
			case "RFF":
				c.itemReference(g, d)
			case "TAX":
				c.itemTax(g, d)
			case "ALC":
				c.allowance(g, &d.mods, &d.modsSeg)
			case "MOA":
				c.walk(g, handlers{segment: func(s Seg) bool {
					switch s.Tag {
					case "MOA":
						c.itemAmount(s, d)
					case "CUX":
						c.warnf(s, 0, 0, "the currency of a line amount is not carried: Procuros has the document's currency only")
					default:
						return false
					}
					return true
				}})
			default:
				return false
			}
			return true
		},
	}
	c.walk(n, h)
	c.checkPriceUnits(d)
	for field, parts := range d.descParts.all() {
		appendTextTo(&d.texts, field, joinWrapped(parts, itemWidth))
	}
	return d
}

// checkPriceUnits: a price per a unit other than the line's quantity's
// is not the unit price Procuros means.
func (c *in) checkPriceUnits(d *itemData) {
	for _, s := range d.priceUnits {
		code := c.value(s, 1, 6)
		unit, ok := c.tabs.Units.Get(code)
		switch {
		case !ok:
			c.errorf(s, 1, 6, "unit %q of the price is not mapped (tables: units)", code)
		case d.unit != "" && unit != string(d.unit):
			c.errorf(s, 1, 6, "the price is per %s, the quantity in %s: Procuros carries a price per unit of the quantity", unit, d.unit)
		}
	}
}

// lastPos returns the position of the last segment of a group occurrence.
func lastPos(n *structure.Node) int {
	pos := n.Segments[len(n.Segments)-1].Pos
	for _, child := range n.Children {
		pos = max(pos, lastPos(child))
	}
	return pos
}

// faultyAt reports whether an error was reported at a segment tagged tag
// within the line: a value missing because it could not be read is not
// reported again as missing.
func (c *in) faultyAt(d *itemData, tag string) bool {
	for _, p := range c.problems {
		if !p.Warning && p.Tag == tag && p.Pos >= d.lin.Pos && p.Pos <= d.last {
			return true
		}
	}
	return false
}

// unusedRefDates notes the dates of line references (DTM+171 after an RFF)
// that the item has no field for; used lists the references whose dates it
// carries.
func (c *in) unusedRefDates(d *itemData, used ...string) {
	for field, date := range d.refDates.all() {
		if !contains(used, field) && !date.IsZero() {
			c.warnf(d.refAt.get(field), 0, 0, "line %d: the date of its %s reference is not carried: %s has no field for it", d.lineNumber, field, c.tx)
		}
	}
}

// itemIdentifier adds an item number of the type the tables map.
func (c *in) itemIdentifier(s Seg, elem int, id, typ string, d *itemData) {
	domain, ok := c.tabs.ItemIdentifiers.Get(typ)
	if !ok {
		c.errorf(s, elem, 2, "item number type %q of %q is not mapped (tables: itemIdentifiers)", typ, id)
		return
	}
	if domain == NotCarried {
		return
	}
	for _, have := range d.identifiers {
		if have.Domain == procuros.Domain(domain) && have.Identifier == id {
			return // LIN and PIA may both give the GTIN
		}
	}
	d.identifiers = append(d.identifiers, procuros.ItemIdentifier{Identifier: id, Domain: procuros.Domain(domain)})
}

// pia reads the additional item numbers (C212, up to five per PIA) of a
// PIA whose function (4347) is 1 (additional identification) or 5 (product
// identification): numbers of the line's own item. Substitutes (3, 4) and
// the other functions are not items of the line and are not mapped.
func (c *in) pia(s Seg, d *itemData) {
	if f := c.value(s, 1, 1); f != "1" && f != "5" {
		c.errorf(s, 1, 1, "product identifier function %q is not mapped: the bridge reads 1 (additional) and 5 (product) identification", f)
		return
	}
	for i := 2; i <= 6; i++ {
		c.consume(s, i, 3, 4) // code list of the item number type
		if id := c.value(s, i, 1); id != "" {
			c.itemIdentifier(s, i, id, c.value(s, i, 2), d)
		}
	}
}

// imd reads an item description: free text (IMD+F) by characteristic, or
// a code (IMD+C++CODE::9).
func (c *in) imd(s Seg, d *itemData) {
	c.consume(s, 2, 2, 3) // code list of the characteristic
	switch c.value(s, 1, 1) {
	case "F", "":
		field, ok := c.lookup(s, c.t.Item.Description, 2, 1)
		if !ok {
			return
		}
		// A description runs on over as many IMD as it needs, cut at the
		// width of 7008 wherever: the parts of all IMD of a kind are one
		// text, joined as joinWrapped joins parts.
		c.consume(s, 3, 2, 3) // code list of a description code: none for free text
		for j := 4; j <= 5; j++ {
			if v := c.value(s, 3, j); v != "" {
				d.descParts.set(field, append(d.descParts.get(field), v))
			}
		}
		if lang := c.value(s, 3, 6); lang != "" && lang != "de" && lang != "DE" {
			c.warnf(s, 3, 6, "a description in language %q: Procuros has one description per item, the texts are joined", lang)
		}
	case "C":
		code := c.value(s, 3, 1)
		c.consume(s, 3, 2, 3) // code list of the description code
		field, ok := c.t.Item.Codes.Get(code)
		switch {
		case !ok:
			c.errorf(s, 3, 1, "item description code %q is not mapped (tables: descriptionCodes)", code)
		case field == "deposit":
			d.deposit = true
		}
	default:
		c.errorf(s, 1, 1, "item description format %q is neither F (free text) nor C (code)", c.value(s, 1, 1))
	}
}

// origin reads the country of origin (ALI 3239); ALI's other elements
// (duty regime, special conditions) have no Procuros field.
func (c *in) origin(s Seg, d *itemData) {
	for i := 2; i <= s.Len(); i++ {
		if v := c.value(s, i, 1); v != "" {
			c.errorf(s, i, 1, "ALI special condition %q is not mapped: Procuros carries the country of origin only", v)
			return
		}
	}
	country := c.value(s, 1, 1)
	if len(country) != 2 {
		c.errorf(s, 1, 1, "country of origin %q is not an ISO 3166 alpha-2 code", country)
		return
	}
	c.setText(s, 1, 1, &d.origin, country, "country of origin")
}

// itemMeasure reads a weight of the item (MEA C502 6313 by the measures
// table), converted to grams: Procuros weighs in grams.
func (c *in) itemMeasure(s Seg, weights *fields[procuros.Decimal]) {
	c.consume(s, 1, 1) // what is measured (PD, the product): weights either way
	field, ok := c.lookup(s, c.t.Item.Measures, 2, 1)
	if !ok {
		return
	}
	v := c.decimal(s, 3, 2)
	if v == "" {
		c.errorf(s, 3, 2, "MEA %s has no value", c.value(s, 2, 1))
		return
	}
	grams, err := toGrams(v, c.value(s, 3, 1))
	if err != nil {
		c.errorf(s, 3, 1, "%v", err)
		return
	}
	w := weights.get(field)
	c.setDecimal(s, 3, 2, &w, grams, field)
	weights.set(field, w)
}

func appendTextTo(texts *fields[string], field, s string) {
	v := texts.get(field)
	appendText(&v, s)
	texts.set(field, v)
}

func (c *in) itemQuantity(s Seg, d *itemData) {
	field, ok := c.lookup(s, c.t.Item.Quantities, 1, 1)
	if !ok {
		return
	}
	if c.value(s, 1, 2) == "" {
		c.errorf(s, 1, 2, "QTY+%s has no quantity", c.value(s, 1, 1))
		return
	}
	q := c.decimal(s, 1, 2)
	if q == "" {
		return // not a number: reported
	}
	v := d.quantities.get(field)
	c.setDecimal(s, 1, 2, &v, q, field)
	d.quantities.set(field, v)
	if code := c.value(s, 1, 3); code != "" {
		unit, ok := c.tabs.Units.Get(code)
		switch {
		case !ok:
			c.errorf(s, 1, 3, "unit %q is not mapped (tables: units)", code)
		case d.unit != "" && string(d.unit) != unit:
			c.errorf(s, 1, 3, "unit %s differs from the line's other quantities (%s)", unit, d.unit)
		default:
			d.unit = procuros.UnitOfMeasure(unit)
		}
	}
}

func (c *in) itemDate(s Seg, d *itemData) {
	field, ok := c.lookup(s, c.t.Item.Dates, 1, 1)
	if !ok {
		return
	}
	start, ok := c.date(s)
	if !ok {
		return
	}
	v := d.dates.get(field)
	c.setDate(s, &v, start, field)
	d.dates.set(field, v)
}

func (c *in) itemAmount(s Seg, d *itemData) {
	field, ok := c.lookup(s, c.t.Item.Amounts, 1, 1)
	if !ok {
		return
	}
	v := d.amounts.get(field)
	c.setDecimal(s, 1, 2, &v, c.decimal(s, 1, 2), field)
	d.amounts.set(field, v)
}

func (c *in) itemText(s Seg, d *itemData) {
	field, ok := c.lookup(s, c.t.Item.FreeText, 1, 1)
	if !ok {
		return
	}
	appendTextTo(&d.texts, field, c.text(s, 4, 1, 5, c.ftxWidth()))
}

// itemPrice reads a PRI group: the price of a qualifier per one unit.
func (c *in) itemPrice(g *structure.Node, d *itemData) {
	c.walk(g, handlers{
		segment: func(s Seg) bool {
			switch s.Tag {
			case "PRI":
				c.priceSegment(s, d)
			default:
				return false
			}
			return true
		},
	})
}

// priceSegment reads a PRI: the price of a qualifier per one unit.
func (c *in) priceSegment(s Seg, d *itemData) {
	field, ok := c.lookup(s, c.t.Item.Prices, 1, 1)
	if !ok {
		return
	}
	if basis := c.value(s, 1, 5); basis != "" && basis != "1" {
		c.errorf(s, 1, 5, "price per %s units is not mapped: Procuros carries a price per unit", basis)
		return
	}
	v := d.prices.get(field)
	c.setDecimal(s, 1, 2, &v, c.decimal(s, 1, 2), field)
	d.prices.set(field, v)
	if unit := c.value(s, 1, 6); unit != "" {
		d.priceUnits = append(d.priceUnits, s)
	}
}

// itemReference reads an RFF group of the line, with its DTM+171.
func (c *in) itemReference(g *structure.Node, d *itemData) {
	rff := first(g)
	field, ok := c.lookup(rff, c.t.Item.References, 1, 1)
	c.walk(g, handlers{
		segment: func(s Seg) bool {
			switch s.Tag {
			case "RFF":
			case "DTM":
				if c.value(s, 1, 1) != "171" {
					c.unmapped(s, c.value(s, 1, 1))
					return true
				}
				if date, ok2 := c.date(s); ok2 && ok {
					d.refDates.set(field, date)
				}
			default:
				return false
			}
			return true
		},
	})
	if !ok {
		return
	}
	v := d.refs.get(field)
	c.setText(rff, 1, 2, &v, c.value(rff, 1, 2), field)
	d.refs.set(field, v)
	d.refAt.set(field, rff)
	// RFF+ON:order:line (C506 1156) names the order's line too, as RFF+LI does.
	if line := c.value(rff, 1, 3); line != "" && field == "orderIdentifier" && d.refs.get("orderLineNumber") == "" {
		if _, ok := c.t.Item.References.Code("orderLineNumber"); ok {
			d.refs.set("orderLineNumber", line)
			d.refAt.set("orderLineNumber", rff)
		}
	}
}

// taxGroup reads a TAX group (of a line, or of an allowance or charge):
// the VAT rate, the duty or tax type name (C241 5152) as description, and
// with MOA+124 the amount.
func (c *in) taxGroup(g *structure.Node) *procuros.Tax {
	tax := first(g)
	t := &procuros.Tax{Percentage: c.taxRate(tax), Description: c.value(tax, 2, 4)}
	c.walk(g, handlers{
		segment: func(s Seg) bool {
			switch s.Tag {
			case "TAX":
			case "MOA":
				if c.value(s, 1, 1) != "124" {
					c.unmapped(s, c.value(s, 1, 1))
					return true
				}
				t.Amount = c.decimal(s, 1, 2)
			default:
				return false
			}
			return true
		},
	})
	return t
}

// itemTax reads a TAX group of the line.
func (c *in) itemTax(g *structure.Node, d *itemData) {
	tax := first(g)
	if d.tax != nil {
		c.errorf(tax, 0, 0, "a second tax for the line: Procuros carries one")
		return
	}
	d.tax, d.taxRate, d.taxCategory = c.taxGroup(g), tax, c.taxCategory(tax)
}

// taxRate reads the rate of a TAX segment (C243 5278), checking that it is
// a tax (5283 = 7) on value added (C241 5153 = VAT).
func (c *in) taxRate(tax Seg) procuros.Decimal {
	if q := c.value(tax, 1, 1); q != "7" {
		c.errorf(tax, 1, 1, "TAX+%s is not a tax (7)", q)
	}
	if typ := c.value(tax, 2, 1); typ != "VAT" {
		c.errorf(tax, 2, 1, "tax type %q is not mapped (VAT is)", typ)
	}
	c.consume(tax, 2, 2, 3)    // code list of the tax type
	c.consume(tax, 5, 1, 2, 3) // identification of the rate, and its code list
	rate := c.decimal(tax, 5, 4)
	if rate == "" {
		cat := c.value(tax, 6, 1)
		if cat == "" || cat == "S" {
			c.errorf(tax, 5, 4, "TAX has no rate")
			return ""
		}
		// Exempt, zero-rated, reverse charge, export: no tax is due here.
		c.warnf(tax, 5, 4, "TAX of category %s without rate: read as 0%%", cat)
		return "0"
	}
	return rate
}

// allowance reads an ALC group: an allowance or charge, with PCD
// (percentage), MOA (amount, basis) and TAX, into the modification group of
// its calculation sequence (1227, 1 when absent).
func (c *in) allowance(g *structure.Node, groups *[]procuros.ModificationGroup, where *Seg) {
	alc := first(g)
	*where = alc
	var m procuros.Modification
	switch c.value(alc, 1, 1) {
	case "A":
		m.Type = procuros.Allowance
	case "C":
		m.Type = procuros.Charge
	default:
		c.errorf(alc, 1, 1, "ALC+%s is neither an allowance (A) nor a charge (C)", c.value(alc, 1, 1))
		return
	}
	level := 1
	if v := c.value(alc, 4, 1); v != "" {
		if n, ok := c.integer(alc, 4, 1); ok {
			if n <= 0 {
				c.errorf(alc, 4, 1, "calculation sequence %d: the levels of allowances and charges count from 1", n)
			}
			level = max(n, 1)
		}
	}
	c.consume(alc, 5, 2, 3) // code list of the reason
	m.Description = joinWrapped([]string{c.value(alc, 5, 4), c.value(alc, 5, 5)}, nameWidth)
	if code := c.value(alc, 5, 1); code != "" {
		reason, ok := c.tabs.AllowanceReasons.Get(code)
		switch {
		case !ok:
			// Procuros knows five reasons and makes them optional: the
			// code travels in the description, so nothing is lost.
			if m.Description == "" {
				m.Description = "7161 " + code
			}
			c.warnf(alc, 5, 1, "allowance or charge reason %q has no Procuros reason code (tables: allowanceReasons): sent in the description", code)
		case reason != NotCarried:
			m.ReasonCode = procuros.ReasonCode(reason)
		}
	}
	var basis procuros.Decimal
	c.walk(g, handlers{
		group: func(trigger string, n *structure.Node) bool {
			switch trigger {
			case "PCD":
				c.walk(n, handlers{
					segment: func(s Seg) bool {
						switch s.Tag {
						case "PCD":
							switch c.value(s, 1, 1) {
							case "1", "2", "3":
								c.setDecimal(s, 1, 2, &m.Percentage, c.decimal(s, 1, 2), "percentage")
							default:
								c.unmapped(s, c.value(s, 1, 1))
							}
						default:
							return false
						}
						return true
					},
				})

			case "MOA":
				c.walk(n, handlers{
					segment: func(s Seg) bool {
						switch s.Tag {
						case "MOA":
							switch c.value(s, 1, 1) {
							case "204", "23", "8":
								c.setDecimal(s, 1, 2, &m.Amount, absDecimal(c.decimal(s, 1, 2)), "amount")
							case "25":
								c.setDecimal(s, 1, 2, &basis, c.decimal(s, 1, 2), "basis")
							default:
								c.unmapped(s, c.value(s, 1, 1))
							}
						default:
							return false
						}
						return true
					},
				})

			case "TAX":
				m.Tax = c.taxGroup(n)
				if cat := c.value(first(n), 6, 1); cat != "" && cat != "S" {
					c.warnf(first(n), 6, 1, "the tax category %s of an allowance or charge is not carried: Procuros has none for it", cat)
				}
			default:
				return false
			}
			return true
		},
		segment: only("ALC"),
	})
	switch {
	case m.Percentage != "":
		m.CalculationType = procuros.Relative
	case m.Amount != "":
		m.CalculationType = procuros.Absolute
	default:
		c.errorf(alc, 0, 0, "allowance or charge without percentage (PCD) or amount (MOA)")
		return
	}
	i := slices.IndexFunc(*groups, func(g procuros.ModificationGroup) bool { return g.Level != nil && *g.Level == level })
	if i < 0 {
		*groups = append(*groups, procuros.ModificationGroup{Level: procuros.Int(level)})
		i = len(*groups) - 1
	}
	grp := &(*groups)[i]
	if basis != "" {
		c.setDecimal(alc, 0, 0, &grp.Basis, basis, fmt.Sprintf("basis of level %d", level))
	}
	grp.Modifications = append(grp.Modifications, m)
}

// absDecimal drops a minus sign: the type (allowance, charge) says which way.
func absDecimal(d procuros.Decimal) procuros.Decimal {
	if len(d) > 0 && d[0] == '-' {
		return d[1:]
	}
	return d
}

// deriveBases fills in the basis of each modification group the message did
// not state: for level 1 the line's gross amount (quantity times unit
// price), for each next level the previous basis after the previous level's
// allowances and charges. It reports false when that cannot be computed.
func deriveBases(groups []procuros.ModificationGroup, quantity, price procuros.Decimal) bool {
	slices.SortFunc(groups, func(a, b procuros.ModificationGroup) int { return *a.Level - *b.Level })
	var basis *big.Rat
	for i := range groups {
		g := &groups[i]
		if r, ok := rat(g.Basis); ok {
			basis = r
		} else if basis == nil {
			q, okQ := rat(quantity)
			p, okP := rat(price)
			if !okQ || !okP {
				return false
			}
			basis = new(big.Rat).Mul(q, p)
			g.Basis = procuros.Decimal(ratString(basis))
		} else {
			g.Basis = procuros.Decimal(ratString(basis))
		}
		next := new(big.Rat).Set(basis)
		for _, m := range g.Modifications {
			amount, ok := rat(m.Amount)
			if !ok {
				pct, okP := rat(m.Percentage)
				if !okP {
					return false
				}
				amount = percentOf(basis, pct)
			}
			if m.Type == procuros.Allowance {
				next.Sub(next, amount)
			} else {
				next.Add(next, amount)
			}
		}
		basis = next
	}
	return true
}

// modificationTaxes computes the tax amounts of allowances and charges that
// give only a rate (Procuros requires both), from their amount or from
// percentage and basis; it reports false when one cannot be computed. Call
// it after deriveBases.
func (c *in) modificationTaxes(groups []procuros.ModificationGroup, at Seg) bool {
	for i := range groups {
		g := &groups[i]
		for j := range g.Modifications {
			m := &g.Modifications[j]
			if m.Tax == nil || m.Tax.Amount != "" {
				continue
			}
			amount, ok := rat(m.Amount)
			if !ok {
				basis, okB := rat(g.Basis)
				pct, okP := rat(m.Percentage)
				if !okB || !okP {
					return false
				}
				amount = percentOf(basis, pct)
			}
			rate, ok := rat(m.Tax.Percentage)
			if !ok {
				return false
			}
			m.Tax.Amount = roundCents(percentOf(amount, rate))
			c.warnf(at, 0, 0, "tax amount %s of an allowance or charge computed from its rate (the message gives none)", m.Tax.Amount)
		}
	}
	return true
}

// unitPrice chooses the price the Procuros item carries: with allowances
// and charges, the gross price they apply to; without, the net price (or
// the gross one when that is all there is).
func (c *in) unitPrice(d *itemData) procuros.Decimal {
	net, gross := d.prices.get("netPrice"), d.prices.get("grossPrice")
	switch {
	case len(d.mods) > 0 && gross != "":
		return gross
	case len(d.mods) > 0 && net != "":
		// The net price includes them: applied to it, they would count twice.
		c.errorf(d.modsSeg, 0, 0, "line %d has allowances or charges (ALC) and only the net price (PRI+AAA), which includes them; Procuros applies them to the unit price: the gross price (PRI+AAB) is needed", d.lineNumber)
		return net
	case net != "":
		return net
	}
	return gross
}

// lineTax returns the line's tax, with its amount computed from the line
// amount (MOA+203), or from quantity and price through the line's
// allowances and charges, when the message gives only the rate: Procuros
// requires both.
func (c *in) lineTax(d *itemData, quantity, price procuros.Decimal) *procuros.Tax {
	if d.tax == nil {
		return nil
	}
	t := *d.tax
	if t.Amount == "" {
		rate, okRate := rat(t.Percentage)
		base, okBase := rat(d.amounts.get("lineAmount"))
		if !okBase {
			// The line's amount after its allowances and charges.
			base, okBase = lineNet(quantity, price, d.mods)
		}
		if okRate && okBase {
			t.Amount = roundCents(percentOf(base, rate))
			c.warnf(d.taxRate, 0, 0, "line %d: tax amount %s computed from the rate (the message gives none)", d.lineNumber, t.Amount)
		}
	}
	return &t
}

// itemOut writes a line item group. The slots hold its segments by kind,
// so that each message can order them as its structure wants.
type itemSlots struct {
	lin, pia, imd, mea, qty, ali, dtm, moa, ftx, pri, rff, tax, alc, pci, qvr []edifact.Segment
}

func (s *itemSlots) add(slot *[]edifact.Segment, tag string, elems ...[]string) {
	*slot = append(*slot, edifact.NewSegment(tag, elems...))
}

// itemOut is the outbound form of itemData: the fields the message's item
// has, by name.
type itemOut struct {
	path        string
	lineNumber  int
	action      string // LIN 1229, the line's action code (ORDRSP)
	identifiers []procuros.ItemIdentifier
	texts       fields[string]
	deposit     bool
	quantities  fields[procuros.Decimal]
	unit        procuros.UnitOfMeasure
	unitPrice   procuros.Decimal
	rrp         procuros.Decimal
	dates       fields[procuros.DateTime]
	refs        fields[string]
	refDates    fields[procuros.DateTime]
	tax         *procuros.Tax
	mods        []procuros.ModificationGroup
	origin      string
	weights     fields[procuros.Decimal] // in grams
	batches     []procuros.Batch
	// openQuantity is what happens to the quantity ordered and not
	// shipped (written as a QVR).
	openQuantity procuros.OpenQuantityAction
}

// slots writes an item's segments into slots, by the message's tables.
func (o *out) slots(it *itemOut) *itemSlots {
	s := &itemSlots{}
	var gtin, gtinType string
	var more [][]string
	for _, id := range it.identifiers {
		typ, ok := o.tabs.ItemIdentifiers.Code(string(id.Domain))
		if !ok {
			o.errorf(it.path+".identifiers", "no item number type for domain %s (tables: itemIdentifiers)", id.Domain)
			continue
		}
		if id.Domain == procuros.DomainGS1 && gtin == "" {
			gtin, gtinType = id.Identifier, o.gtinType(typ)
			continue
		}
		more = append(more, []string{id.Identifier, typ})
	}
	line := ""
	if it.lineNumber > 0 {
		line = strconv.Itoa(it.lineNumber)
	}
	s.add(&s.lin, "LIN", []string{line}, []string{it.action}, []string{gtin, gtinType})
	for len(more) > 0 {
		n := min(5, len(more))
		s.add(&s.pia, "PIA", append([][]string{{"1"}}, more[:n]...)...)
		more = more[n:]
	}
	for _, field := range []string{"description", "brand", "colorName", "size"} {
		v := it.texts.get(field)
		if v == "" {
			continue
		}
		char, ok := o.t.Item.Description.Code(field)
		if !ok {
			o.errorf(it.path+"."+field, "no IMD characteristic for %s (tables: item.descriptions)", field)
			continue
		}
		// One text over as many IMD as it takes; a line break in it
		// becomes a space, as IMD texts run on.
		parts := wrap(strings.ReplaceAll(v, "\n", " "), itemWidth)
		for len(parts) > 0 {
			n := min(2, len(parts))
			s.add(&s.imd, "IMD", []string{"F"}, []string{char}, append([]string{"", "", ""}, parts[:n]...))
			parts = parts[n:]
		}
	}
	if it.deposit {
		code, _ := o.t.Item.Codes.Code("deposit")
		s.add(&s.imd, "IMD", []string{"C"}, nil, []string{code, "", "9"})
	}
	o.measures(&s.mea, it.path, &it.weights)
	unit := ""
	if it.unit != "" {
		unit = o.code(o.tabs.Units, string(it.unit), "unit", it.path, ".unitOfMeasure")
	}
	for _, field := range quantityOrder {
		q := it.quantities.get(field)
		if q == "" {
			continue
		}
		code := o.code(o.t.Item.Quantities, field, "QTY qualifier", it.path, ".", field)
		s.add(&s.qty, "QTY", []string{code, o.num(q, it.path, ".", field), unit})
	}
	for _, field := range itemDateOrder {
		d := it.dates.get(field)
		if d.IsZero() {
			continue
		}
		code := o.code(o.t.Item.Dates, field, "DTM qualifier", it.path, ".", field)
		v, format := formatDate(d)
		s.add(&s.dtm, "DTM", []string{code, v, format})
	}
	for _, field := range []string{"comments", "reason"} {
		text := it.texts.get(field)
		if text == "" {
			continue
		}
		code := o.code(o.t.Item.FreeText, field, "FTX subject", it.path, ".", field)
		for _, para := range splitLines(text) {
			parts := wrap(para, textWidth)
			for len(parts) > 0 {
				n := min(5, len(parts))
				s.add(&s.ftx, "FTX", []string{code}, nil, nil, parts[:n])
				parts = parts[n:]
			}
		}
	}
	if it.unitPrice != "" {
		field := "netPrice"
		if len(it.mods) > 0 {
			field = "grossPrice"
		}
		code := o.code(o.t.Item.Prices, field, "PRI qualifier", it.path, ".unitPrice")
		s.add(&s.pri, "PRI", []string{code, o.num(it.unitPrice, it.path, ".unitPrice")})
	}
	if it.rrp != "" {
		code := o.code(o.t.Item.Prices, "recommendedRetailPrice", "PRI qualifier", it.path, ".recommendedRetailPrice")
		s.add(&s.pri, "PRI", []string{code, o.num(it.rrp, it.path, ".recommendedRetailPrice")})
	}
	for _, field := range itemReferenceOrder {
		ref := it.refs.get(field)
		if ref == "" {
			continue
		}
		code := o.code(o.t.Item.References, field, "RFF qualifier", it.path, ".", field)
		s.add(&s.rff, "RFF", []string{code, ref})
		if d := it.refDates.get(field); !d.IsZero() {
			v, format := formatDate(d)
			s.add(&s.rff, "DTM", []string{"171", v, format})
		}
	}
	if it.origin != "" {
		s.add(&s.ali, "ALI", []string{it.origin})
	}
	if it.tax != nil {
		o.taxSegments(&s.tax, it.path+".tax", *it.tax)
	}
	for i, b := range it.batches {
		o.batchSegments(&s.pci, fmt.Sprintf("%s.batches[%d]", it.path, i), b)
	}
	if it.openQuantity != "" {
		o.variance(&s.qvr, it)
	}
	for _, g := range it.mods {
		o.allowanceSegments(&s.alc, it.path+".modificationGroups", g)
	}
	return s
}

// gtinType returns the item number type of a GTIN for the directory
// written: EANCOM 1997 (D96A) knows EN, EANCOM 2002 (D01B) SRV. A partner's
// own table entry for GS1 (other than these two) is written as it is.
func (o *out) gtinType(typ string) string {
	switch {
	case typ != "EN" && typ != "SRV":
		return typ
	case o.directory == "D96A":
		return "EN"
	}
	return "SRV"
}

// measures writes weights (in grams) as MEA segments in kilograms.
func (o *out) measures(slot *[]edifact.Segment, path string, weights *fields[procuros.Decimal]) {
	for _, field := range []string{"netWeight", "grossWeight"} {
		g := weights.get(field)
		if g == "" {
			continue
		}
		kg, ok := kilograms(g)
		if !ok {
			o.errorf(path+"."+field, "%q is not a number", g)
			continue
		}
		code := o.code(o.t.Item.Measures, field, "MEA attribute", path, ".", field)
		*slot = append(*slot, edifact.NewSegment("MEA", [][]string{{"PD"}, {code}, {"KGM", o.num(kg, path, ".", field)}}...))
	}
}

// batchSegments writes a batch as a PCI group: PCI+36E, its expiry date,
// weights and quantity, and GIN+BX with its number.
func (o *out) batchSegments(slot *[]edifact.Segment, path string, b procuros.Batch) {
	*slot = append(*slot, edifact.NewSegment("PCI", [][]string{{"36E"}}...)) // 36E: marked with batch number and expiry date
	if !b.ExpirationDate.IsZero() {
		code := o.code(o.t.Item.Dates, "expirationDate", "DTM qualifier", path, ".expirationDate")
		v, format := formatDate(b.ExpirationDate.DateTime())
		*slot = append(*slot, edifact.NewSegment("DTM", [][]string{{code, v, format}}...))
	}
	weights := fieldsOf(field[procuros.Decimal]{"netWeight", b.NetWeight}, field[procuros.Decimal]{"grossWeight", b.GrossWeight})
	o.measures(slot, path, &weights)
	if b.Quantity != "" {
		code := o.code(o.t.Item.Quantities, "shippedQuantity", "QTY qualifier", path, ".quantity")
		*slot = append(*slot, edifact.NewSegment("QTY", [][]string{{code, o.num(b.Quantity, path, ".quantity")}}...))
	}
	if b.BatchIdentifier != "" {
		*slot = append(*slot, edifact.NewSegment("GIN", [][]string{{"BX"}, {b.BatchIdentifier}}...))
	}
}

// variance writes a QVR: the quantity shipped less than ordered, and what
// happens to it (4221, by the discrepancies table).
func (o *out) variance(slot *[]edifact.Segment, it *itemOut) {
	diff, ok := quantityDifference(it.quantities.get("orderedQuantity"), it.quantities.get("shippedQuantity"))
	if !ok {
		o.errorf(it.path+".openQuantityAction", "an open quantity action needs both the ordered and the shipped quantity")
		return
	}
	code := o.code(o.t.Discrepancies, string(it.openQuantity), "discrepancy code", it.path, ".openQuantityAction")
	qualifier := o.code(o.t.Item.Quantities, "orderedQuantity", "QTY qualifier", it.path, ".orderedQuantity")
	*slot = append(*slot, edifact.NewSegment("QVR", [][]string{{o.num(procuros.Decimal(diff), it.path, ".shippedQuantity"), qualifier}, {code}}...))
}

// The order in which an item's quantities, dates and references are written.
var (
	quantityOrder      = []string{"quantity", "receivedQuantity", "orderedQuantity", "shippedQuantity", "confirmedQuantity", "freeQuantity"}
	itemDateOrder      = []string{"requestedDeliveryDate", "requestedEarliestDeliveryDate", "requestedLatestDeliveryDate", "expectedDeliveryDate", "confirmedDeliveryDate", "expirationDate"}
	itemReferenceOrder = []string{"orderIdentifier", "orderLineNumber", "shippingNoticeIdentifier", "shippingNoticeLineNumber", "contractReference", "promotionCode"}
)

// taxSegments writes TAX+7+VAT with the rate, and MOA+124 with the amount.
// The tax's description goes into C241 5152 (duty or tax or fee type name).
// An item's tax has no category in Procuros: a positive rate is written as
// S, standard rate (EANCOM uses it for the reduced German rate too); at 0%
// the category is left out, as exempt and zero-rated cannot be told.
func (o *out) taxSegments(slot *[]edifact.Segment, path string, t procuros.Tax) {
	category := ""
	if r, ok := rat(t.Percentage); ok && r.Sign() > 0 {
		category = "S"
	}
	*slot = append(*slot, edifact.NewSegment("TAX", [][]string{{"7"}, {"VAT", "", "", t.Description}, nil, nil, {"", "", "", o.num(t.Percentage, path, ".percentage")}, {category}}...))
	if t.Amount != "" {
		*slot = append(*slot, edifact.NewSegment("MOA", [][]string{{"124", o.num(t.Amount, path, ".amount")}}...))
	}
}

// allowanceSegments writes one ALC group per modification of g.
func (o *out) allowanceSegments(slot *[]edifact.Segment, path string, g procuros.ModificationGroup) {
	level := ""
	if g.Level != nil {
		level = strconv.Itoa(*g.Level)
	}
	for i, m := range g.Modifications {
		mp := fmt.Sprintf("%s.modifications[%d]", path, i)
		var kind, pcd, moa string
		switch m.Type {
		case procuros.Allowance:
			kind, pcd, moa = "A", "1", "204"
		case procuros.Charge:
			kind, pcd, moa = "C", "2", "23"
		default:
			o.errorf(mp+".type", "%q is neither ALLOWANCE nor CHARGE: which way it goes cannot be told", m.Type)
			continue
		}
		if strings.HasPrefix(path, "summary.") {
			moa = "8" // at message level EANCOM names the amount 8, allowance or charge amount
		}
		if m.Percentage == "" && m.Amount == "" {
			o.errorf(mp, "an allowance or charge with neither percentage nor amount")
			continue
		}
		reason := ""
		if m.ReasonCode != "" {
			reason = o.code(o.tabs.AllowanceReasons, string(m.ReasonCode), "special service code", mp, ".reasonCode")
		}
		desc := wrap(m.Description, nameWidth)
		if len(desc) > 2 {
			o.errorf(mp+".description", "description longer than two lines of %d characters", nameWidth)
			desc = desc[:2]
		}
		*slot = append(*slot, edifact.NewSegment("ALC", [][]string{{kind}, nil, nil, {level}, append([]string{reason, "", ""}, desc...)}...))
		if m.Percentage != "" {
			*slot = append(*slot, edifact.NewSegment("PCD", [][]string{{pcd, o.num(m.Percentage, mp, ".percentage")}}...))
		}
		if m.Amount != "" {
			*slot = append(*slot, edifact.NewSegment("MOA", [][]string{{moa, o.num(m.Amount, mp, ".amount")}}...))
		}
		if g.Basis != "" {
			*slot = append(*slot, edifact.NewSegment("MOA", [][]string{{"25", o.num(g.Basis, path, ".basis")}}...))
		}
		if m.Tax != nil {
			o.taxSegments(slot, mp+".tax", *m.Tax)
		}
	}
}

// emit writes segment specs in order.
func (o *out) emit(specs ...[]edifact.Segment) {
	for _, list := range specs {
		o.segs = append(o.segs, list...)
	}
}
