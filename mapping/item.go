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

// itemData is what a line item group (LIN and what follows it) says, before
// it becomes the item type of one transaction.
type itemData struct {
	lin         Seg
	lineNumber  int
	identifiers []procuros.ItemIdentifier
	texts       map[string]string // description, brand, colorName, size, comments
	deposit     bool
	quantities  map[string]procuros.Decimal // by field: quantity, orderedQuantity, ...
	unit        procuros.UnitOfMeasure
	prices      map[string]procuros.Decimal // netPrice, grossPrice, recommendedRetailPrice
	dates       map[string]procuros.DateTime
	refs        map[string]string
	refDates    map[string]procuros.DateTime
	amounts     map[string]procuros.Decimal
	tax         *procuros.Tax
	taxRate     Seg    // the TAX segment, for problems
	taxCategory string // its 5305, by the taxCategories table
	mods        []procuros.ModificationGroup
	modsSeg     Seg
	origin      string                      // ALI 3239: country of origin
	weights     map[string]procuros.Decimal // netWeight, grossWeight, in grams
	descParts   map[string][]string         // IMD C273 7008 parts, by field
}

func newItemData(lin Seg) *itemData {
	return &itemData{lin: lin, texts: map[string]string{}, quantities: map[string]procuros.Decimal{}, prices: map[string]procuros.Decimal{},
		dates: map[string]procuros.DateTime{}, refs: map[string]string{}, refDates: map[string]procuros.DateTime{}, amounts: map[string]procuros.Decimal{},
		weights: map[string]procuros.Decimal{}, descParts: map[string][]string{}}
}

// item reads a line item group: LIN, PIA, IMD, QTY, DTM, MOA, FTX, and the
// PRI, RFF, TAX and ALC groups in it. extra handles what only some messages
// have (batches in a DESADV).
func (c *in) item(n *structure.Node, extra handlers) *itemData {
	lin := first(n)
	d := newItemData(lin)
	c.lines++
	if v := value(lin, 1, 1); v != "" {
		if num, ok := c.integer(lin, 1, 1); ok {
			d.lineNumber = num
		}
	} else {
		d.lineNumber = c.lines
		c.warnf(lin, 1, 1, "the line has no line number (1082): numbered %d by its position", c.lines)
	}
	if v := value(lin, 4, 1); v != "" {
		c.errorf(lin, 4, 1, "sub-line %s of line %s: sub-lines are not mapped", v, value(lin, 4, 2))
	}
	if id := value(lin, 3, 1); id != "" {
		c.itemIdentifier(lin, 3, id, value(lin, 3, 2), d)
	} else if value(lin, 3, 2) != "" {
		c.warnf(lin, 3, 1, "item number type %s without an item number", value(lin, 3, 2))
	}
	if v := value(lin, 2, 1); v != "" {
		c.errorf(lin, 2, 1, "line item action %s is not mapped for %s", v, c.t.Transaction)
	}
	h := handlers{
		segments: map[string]func(Seg){
			"LIN": func(Seg) {},
			"PIA": func(s Seg) { c.pia(s, d) },
			"IMD": func(s Seg) { c.imd(s, d) },
			"QTY": func(s Seg) { c.itemQuantity(s, d) },
			"DTM": func(s Seg) { c.itemDate(s, d) },
			"MOA": func(s Seg) { c.itemAmount(s, d) },
			"FTX": func(s Seg) { c.itemText(s, d) },
			"ALI": func(s Seg) { c.origin(s, d) },
			"MEA": func(s Seg) { c.itemMeasure(s, d) },
		},
		groups: map[string]func(*structure.Node){
			"PRI": func(g *structure.Node) { c.itemPrice(g, d) },
			"RFF": func(g *structure.Node) { c.itemReference(g, d) },
			"TAX": func(g *structure.Node) { c.itemTax(g, d) },
			"ALC": func(g *structure.Node) { c.allowance(g, &d.mods, &d.modsSeg) },
			"MOA": func(g *structure.Node) {
				for _, s := range g.Segments {
					c.itemAmount(s, d)
				}
			},
		},
	}
	for tag, f := range extra.segments {
		h.segments[tag] = f
	}
	for tag, f := range extra.groups {
		h.groups[tag] = f
	}
	c.walk(n, h)
	for field, parts := range d.descParts {
		appendTextTo(d.texts, field, joinWrapped(parts, itemWidth))
	}
	return d
}

// unusedRefDates notes the dates of line references (DTM+171 after an RFF)
// that the item has no field for; used lists the references whose dates it
// carries.
func (c *in) unusedRefDates(d *itemData, used ...string) {
	for _, field := range sortedKeys(d.refDates) {
		if !contains(used, field) && !d.refDates[field].IsZero() {
			c.warnf(d.lin, 0, 0, "line %d: the date of its %s reference is not carried: %s has no field for it", d.lineNumber, field, c.t.Transaction)
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

// pia reads the additional item numbers (C212, up to five per PIA).
func (c *in) pia(s Seg, d *itemData) {
	for i := 2; i <= 6; i++ {
		if id := value(s, i, 1); id != "" {
			c.itemIdentifier(s, i, id, value(s, i, 2), d)
		}
	}
}

// imd reads an item description: free text (IMD+F) by characteristic, or
// a code (IMD+C++CODE::9).
func (c *in) imd(s Seg, d *itemData) {
	switch value(s, 1, 1) {
	case "F", "":
		field, ok := c.lookup(s, c.t.Item.Description, 2, 1)
		if !ok {
			return
		}
		// A description runs on over as many IMD as it needs, cut at the
		// width of 7008 wherever: the parts of all IMD of a kind are one
		// text, joined as joinWrapped joins parts.
		e := s.Element(2)
		for j := 3; j < 5 && j < e.Len(); j++ {
			d.descParts[field] = append(d.descParts[field], e.Component(j))
		}
	case "C":
		code := value(s, 3, 1)
		field, ok := c.t.Item.Codes.Get(code)
		switch {
		case !ok:
			c.errorf(s, 3, 1, "item description code %q is not mapped (tables: descriptionCodes)", code)
		case field == "deposit":
			d.deposit = true
		}
	default:
		c.errorf(s, 1, 1, "item description format %q is neither F (free text) nor C (code)", value(s, 1, 1))
	}
}

// origin reads the country of origin (ALI 3239); ALI's other elements
// (duty regime, special conditions) have no Procuros field.
func (c *in) origin(s Seg, d *itemData) {
	for i := 2; i <= s.Len(); i++ {
		if v := value(s, i, 1); v != "" {
			c.errorf(s, i, 1, "ALI special condition %q is not mapped: Procuros carries the country of origin only", v)
			return
		}
	}
	country := value(s, 1, 1)
	if len(country) != 2 {
		c.errorf(s, 1, 1, "country of origin %q is not an ISO 3166 alpha-2 code", country)
		return
	}
	c.setText(s, 1, 1, &d.origin, country, "country of origin")
}

// itemMeasure reads a weight of the item (MEA C502 6313 by the measures
// table), converted to grams: Procuros weighs in grams.
func (c *in) itemMeasure(s Seg, d *itemData) {
	field, ok := c.lookup(s, c.t.Item.Measures, 2, 1)
	if !ok {
		return
	}
	v := c.decimal(s, 3, 2)
	if v == "" {
		c.errorf(s, 3, 2, "MEA %s has no value", value(s, 2, 1))
		return
	}
	grams, err := toGrams(v, value(s, 3, 1))
	if err != nil {
		c.errorf(s, 3, 1, "%v", err)
		return
	}
	w := d.weights[field]
	c.setDecimal(s, 3, 2, &w, grams, field)
	d.weights[field] = w
}

func appendTextTo(texts map[string]string, field, s string) {
	v := texts[field]
	appendText(&v, s)
	texts[field] = v
}

func (c *in) itemQuantity(s Seg, d *itemData) {
	field, ok := c.lookup(s, c.t.Item.Quantities, 1, 1)
	if !ok {
		return
	}
	if value(s, 1, 2) == "" {
		c.errorf(s, 1, 2, "QTY+%s has no quantity", value(s, 1, 1))
		return
	}
	q := c.decimal(s, 1, 2)
	if q == "" {
		return // not a number: reported
	}
	v := d.quantities[field]
	c.setDecimal(s, 1, 2, &v, q, field)
	d.quantities[field] = v
	if code := value(s, 1, 3); code != "" {
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
	start, end, ok := c.date(s)
	if !ok {
		return
	}
	if !end.IsZero() {
		c.errorf(s, 1, 2, "a range is not mapped for %s", field)
		return
	}
	v := d.dates[field]
	c.setDate(s, &v, start, field)
	d.dates[field] = v
}

func (c *in) itemAmount(s Seg, d *itemData) {
	field, ok := c.lookup(s, c.t.Item.Amounts, 1, 1)
	if !ok {
		return
	}
	v := d.amounts[field]
	c.setDecimal(s, 1, 2, &v, c.decimal(s, 1, 2), field)
	d.amounts[field] = v
}

func (c *in) itemText(s Seg, d *itemData) {
	field, ok := c.lookup(s, c.t.Item.FreeText, 1, 1)
	if !ok {
		return
	}
	appendTextTo(d.texts, field, text(s, 4, 1, 5, textWidth))
}

// itemPrice reads a PRI group: the price of a qualifier per one unit.
func (c *in) itemPrice(g *structure.Node, d *itemData) {
	c.walk(g, handlers{segments: map[string]func(Seg){"PRI": func(s Seg) {
		field, ok := c.lookup(s, c.t.Item.Prices, 1, 1)
		if !ok {
			return
		}
		if basis := value(s, 1, 5); basis != "" && basis != "1" {
			c.errorf(s, 1, 5, "price per %s units is not mapped: Procuros carries a price per unit", basis)
			return
		}
		v := d.prices[field]
		c.setDecimal(s, 1, 2, &v, c.decimal(s, 1, 2), field)
		d.prices[field] = v
	}}})
}

// itemReference reads an RFF group of the line, with its DTM+171.
func (c *in) itemReference(g *structure.Node, d *itemData) {
	rff := first(g)
	field, ok := c.lookup(rff, c.t.Item.References, 1, 1)
	c.walk(g, handlers{segments: map[string]func(Seg){
		"RFF": func(Seg) {},
		"DTM": func(s Seg) {
			if value(s, 1, 1) != "171" {
				c.unmapped(s, value(s, 1, 1))
				return
			}
			if date, _, ok2 := c.date(s); ok2 && ok {
				d.refDates[field] = date
			}
		},
	}})
	if !ok {
		return
	}
	v := d.refs[field]
	c.setText(rff, 1, 2, &v, value(rff, 1, 2), field)
	d.refs[field] = v
}

// itemTax reads a TAX group of the line: the VAT rate and, with MOA+124,
// the amount.
func (c *in) itemTax(g *structure.Node, d *itemData) {
	tax := first(g)
	if d.tax != nil {
		c.errorf(tax, 0, 0, "a second tax for the line: Procuros carries one")
		return
	}
	t := &procuros.Tax{Percentage: c.taxRate(tax), Description: value(tax, 2, 4)}
	c.walk(g, handlers{segments: map[string]func(Seg){
		"TAX": func(Seg) {},
		"MOA": func(s Seg) {
			if value(s, 1, 1) != "124" {
				c.unmapped(s, value(s, 1, 1))
				return
			}
			t.Amount = c.decimal(s, 1, 2)
		},
	}})
	d.tax, d.taxRate, d.taxCategory = t, tax, c.taxCategory(tax)
}

// taxRate reads the rate of a TAX segment (C243 5278), checking that it is
// a tax (5283 = 7) on value added (C241 5153 = VAT).
func (c *in) taxRate(tax Seg) procuros.Decimal {
	if q := value(tax, 1, 1); q != "7" {
		c.errorf(tax, 1, 1, "TAX+%s is not a tax (7)", q)
	}
	if typ := value(tax, 2, 1); typ != "VAT" {
		c.errorf(tax, 2, 1, "tax type %q is not mapped (VAT is)", typ)
	}
	rate := c.decimal(tax, 5, 4)
	if rate == "" {
		cat := value(tax, 6, 1)
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
	switch value(alc, 1, 1) {
	case "A":
		m.Type = procuros.Allowance
	case "C":
		m.Type = procuros.Charge
	default:
		c.errorf(alc, 1, 1, "ALC+%s is neither an allowance (A) nor a charge (C)", value(alc, 1, 1))
		return
	}
	level := 1
	if v := value(alc, 4, 1); v != "" {
		if n, ok := c.integer(alc, 4, 1); ok && n > 0 {
			level = n
		}
	}
	m.Description = joinWrapped([]string{value(alc, 5, 4), value(alc, 5, 5)}, nameWidth)
	if code := value(alc, 5, 1); code != "" {
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
	c.walk(g, handlers{groups: map[string]func(*structure.Node){
		"PCD": func(n *structure.Node) {
			c.walk(n, handlers{segments: map[string]func(Seg){"PCD": func(s Seg) {
				switch value(s, 1, 1) {
				case "1", "2", "3":
					c.setDecimal(s, 1, 2, &m.Percentage, c.decimal(s, 1, 2), "percentage")
				default:
					c.unmapped(s, value(s, 1, 1))
				}
			}}})
		},
		"MOA": func(n *structure.Node) {
			c.walk(n, handlers{segments: map[string]func(Seg){"MOA": func(s Seg) {
				switch value(s, 1, 1) {
				case "204", "23", "8":
					c.setDecimal(s, 1, 2, &m.Amount, absDecimal(c.decimal(s, 1, 2)), "amount")
				case "25":
					c.setDecimal(s, 1, 2, &basis, c.decimal(s, 1, 2), "basis")
				default:
					c.unmapped(s, value(s, 1, 1))
				}
			}}})
		},
		"TAX": func(n *structure.Node) {
			t := &procuros.Tax{Percentage: c.taxRate(first(n)), Description: value(first(n), 2, 4)}
			c.walk(n, handlers{segments: map[string]func(Seg){"TAX": func(Seg) {}, "MOA": func(s Seg) {
				if value(s, 1, 1) != "124" {
					c.unmapped(s, value(s, 1, 1))
					return
				}
				t.Amount = c.decimal(s, 1, 2)
			}}})
			m.Tax = t
		},
	}, segments: map[string]func(Seg){"ALC": func(Seg) {}}})
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
				amount = new(big.Rat).Quo(new(big.Rat).Mul(basis, pct), big.NewRat(100, 1))
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
				amount = new(big.Rat).Quo(new(big.Rat).Mul(basis, pct), big.NewRat(100, 1))
			}
			rate, ok := rat(m.Tax.Percentage)
			if !ok {
				return false
			}
			m.Tax.Amount = roundCents(new(big.Rat).Quo(new(big.Rat).Mul(amount, rate), big.NewRat(100, 1)))
			c.warnf(at, 0, 0, "tax amount %s of an allowance or charge computed from its rate (the message gives none)", m.Tax.Amount)
		}
	}
	return true
}

// unitPrice chooses the price the Procuros item carries: with allowances
// and charges, the gross price they apply to; without, the net price (or
// the gross one when that is all there is).
func (c *in) unitPrice(d *itemData) procuros.Decimal {
	net, gross := d.prices["netPrice"], d.prices["grossPrice"]
	switch {
	case len(d.mods) > 0 && gross != "":
		return gross
	case len(d.mods) > 0 && net != "":
		c.warnf(d.lin, 0, 0, "line %d has allowances or charges but no gross price (PRI+AAB): the net price is taken as the unit price they apply to", d.lineNumber)
		return net
	case net != "":
		return net
	}
	return gross
}

// lineTax returns the line's tax, with its amount computed from the line
// amount (MOA+203) or quantity and price when the message gives only the
// rate: Procuros requires both.
func (c *in) lineTax(d *itemData, quantity, price procuros.Decimal) *procuros.Tax {
	if d.tax == nil {
		return nil
	}
	t := *d.tax
	if t.Amount == "" {
		rate, okRate := rat(t.Percentage)
		base, okBase := rat(d.amounts["lineAmount"])
		if !okBase {
			q, okQ := rat(quantity)
			p, okP := rat(price)
			if okQ && okP {
				base, okBase = new(big.Rat).Mul(q, p), true
			}
		}
		if okRate && okBase {
			t.Amount = roundCents(new(big.Rat).Quo(new(big.Rat).Mul(base, rate), big.NewRat(100, 1)))
			c.warnf(d.taxRate, 0, 0, "line %d: tax amount %s computed from the rate (the message gives none)", d.lineNumber, t.Amount)
		}
	}
	return &t
}

// itemOut writes a line item group. The slots hold its segments by kind,
// so that each message can order them as its structure wants.
type itemSlots struct {
	lin, pia, imd, mea, qty, ali, dtm, moa, ftx, pri, rff, tax, alc, pci, qvr []segmentSpec
}

// A segmentSpec is a segment to write: its tag and elements.
type segmentSpec struct {
	tag   string
	elems [][]string
}

func (s *itemSlots) add(slot *[]segmentSpec, tag string, elems ...[]string) {
	*slot = append(*slot, segmentSpec{tag, elems})
}

// itemOut is the outbound form of itemData: the fields the message's item
// has, by name.
type itemOut struct {
	path        string
	lineNumber  int
	identifiers []procuros.ItemIdentifier
	texts       map[string]string
	deposit     bool
	quantities  map[string]procuros.Decimal
	unit        procuros.UnitOfMeasure
	unitPrice   procuros.Decimal
	rrp         procuros.Decimal
	dates       map[string]procuros.DateTime
	refs        map[string]string
	refDates    map[string]procuros.DateTime
	tax         *procuros.Tax
	mods        []procuros.ModificationGroup
	origin      string
	weights     map[string]procuros.Decimal // in grams
	batches     []procuros.Batch
	// openQuantity is what happens to the quantity ordered and not
	// shipped (written as a QVR).
	openQuantity procuros.OpenQuantityAction
}

// slots writes an item's segments into slots, by the message's tables.
func (o *out) slots(it itemOut) *itemSlots {
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
	s.add(&s.lin, "LIN", []string{line}, nil, []string{gtin, gtinType})
	for len(more) > 0 {
		n := min(5, len(more))
		s.add(&s.pia, "PIA", append([][]string{{"1"}}, more[:n]...)...)
		more = more[n:]
	}
	for _, field := range []string{"description", "brand", "colorName", "size"} {
		v := it.texts[field]
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
	o.measures(&s.mea, it.path, it.weights)
	unit := ""
	if it.unit != "" {
		unit = o.code(o.tabs.Units, string(it.unit), it.path+".unitOfMeasure", "unit")
	}
	for _, field := range quantityOrder {
		q, ok := it.quantities[field]
		if !ok || q == "" {
			continue
		}
		code := o.code(o.t.Item.Quantities, field, it.path+"."+field, "QTY qualifier")
		s.add(&s.qty, "QTY", []string{code, o.num(it.path+"."+field, q), unit})
	}
	for _, field := range itemDateOrder {
		d := it.dates[field]
		if d.IsZero() {
			continue
		}
		code := o.code(o.t.Item.Dates, field, it.path+"."+field, "DTM qualifier")
		v, format := formatDate(d)
		s.add(&s.dtm, "DTM", []string{code, v, format})
	}
	if c := it.texts["comments"]; c != "" {
		code := o.code(o.t.Item.FreeText, "comments", it.path+".comments", "FTX subject")
		for _, para := range splitLines(c) {
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
		code := o.code(o.t.Item.Prices, field, it.path+".unitPrice", "PRI qualifier")
		s.add(&s.pri, "PRI", []string{code, o.num(it.path+".unitPrice", it.unitPrice)})
	}
	if it.rrp != "" {
		code := o.code(o.t.Item.Prices, "recommendedRetailPrice", it.path+".recommendedRetailPrice", "PRI qualifier")
		s.add(&s.pri, "PRI", []string{code, o.num(it.path+".recommendedRetailPrice", it.rrp)})
	}
	for _, field := range itemReferenceOrder {
		ref := it.refs[field]
		if ref == "" {
			continue
		}
		code := o.code(o.t.Item.References, field, it.path+"."+field, "RFF qualifier")
		s.add(&s.rff, "RFF", []string{code, ref})
		if d := it.refDates[field]; !d.IsZero() {
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
func (o *out) measures(slot *[]segmentSpec, path string, weights map[string]procuros.Decimal) {
	for _, field := range []string{"netWeight", "grossWeight"} {
		g := weights[field]
		if g == "" {
			continue
		}
		kg, ok := kilograms(g)
		if !ok {
			o.errorf(path+"."+field, "%q is not a number", g)
			continue
		}
		code := o.code(o.t.Item.Measures, field, path+"."+field, "MEA attribute")
		*slot = append(*slot, segmentSpec{"MEA", [][]string{{"PD"}, {code}, {"KGM", o.num(path+"."+field, kg)}}})
	}
}

// batchSegments writes a batch as a PCI group: PCI+36E, its expiry date,
// weights and quantity, and GIN+BX with its number.
func (o *out) batchSegments(slot *[]segmentSpec, path string, b procuros.Batch) {
	*slot = append(*slot, segmentSpec{"PCI", [][]string{{"36E"}}}) // 36E: marked with batch number and expiry date
	if !b.ExpirationDate.IsZero() {
		code := o.code(o.t.Item.Dates, "expirationDate", path+".expirationDate", "DTM qualifier")
		v, format := formatDate(b.ExpirationDate.DateTime())
		*slot = append(*slot, segmentSpec{"DTM", [][]string{{code, v, format}}})
	}
	o.measures(slot, path, map[string]procuros.Decimal{"netWeight": b.NetWeight, "grossWeight": b.GrossWeight})
	if b.Quantity != "" {
		code := o.code(o.t.Item.Quantities, "shippedQuantity", path+".quantity", "QTY qualifier")
		*slot = append(*slot, segmentSpec{"QTY", [][]string{{code, o.num(path+".quantity", b.Quantity)}}})
	}
	if b.BatchIdentifier != "" {
		*slot = append(*slot, segmentSpec{"GIN", [][]string{{"BX"}, {b.BatchIdentifier}}})
	}
}

// variance writes a QVR: the quantity shipped less than ordered, and what
// happens to it (4221, by the discrepancies table).
func (o *out) variance(slot *[]segmentSpec, it itemOut) {
	diff, ok := quantityDifference(it.quantities["orderedQuantity"], it.quantities["shippedQuantity"])
	if !ok {
		o.errorf(it.path+".openQuantityAction", "an open quantity action needs both the ordered and the shipped quantity")
		return
	}
	code := o.code(o.t.Discrepancies, string(it.openQuantity), it.path+".openQuantityAction", "discrepancy code")
	qualifier := o.code(o.t.Item.Quantities, "orderedQuantity", it.path+".orderedQuantity", "QTY qualifier")
	*slot = append(*slot, segmentSpec{"QVR", [][]string{{o.num(it.path+".shippedQuantity", procuros.Decimal(diff)), qualifier}, {code}}})
}

// The order in which an item's quantities, dates and references are written.
var (
	quantityOrder      = []string{"quantity", "orderedQuantity", "shippedQuantity", "confirmedQuantity", "freeQuantity"}
	itemDateOrder      = []string{"requestedDeliveryDate", "requestedEarliestDeliveryDate", "requestedLatestDeliveryDate", "expectedDeliveryDate", "confirmedDeliveryDate"}
	itemReferenceOrder = []string{"orderIdentifier", "orderLineNumber", "shippingNoticeIdentifier", "shippingNoticeLineNumber", "contractReference", "promotionCode"}
)

// taxSegments writes TAX+7+VAT with the rate, and MOA+124 with the amount.
// The tax's description goes into C241 5152 (duty or tax or fee type name).
// An item's tax has no category in Procuros: a positive rate is written as
// S, standard rate (EANCOM uses it for the reduced German rate too); at 0%
// the category is left out, as exempt and zero-rated cannot be told.
func (o *out) taxSegments(slot *[]segmentSpec, path string, t procuros.Tax) {
	category := ""
	if r, ok := rat(t.Percentage); ok && r.Sign() > 0 {
		category = "S"
	}
	*slot = append(*slot, segmentSpec{"TAX", [][]string{{"7"}, {"VAT", "", "", t.Description}, nil, nil, {"", "", "", o.num(path+".percentage", t.Percentage)}, {category}}})
	if t.Amount != "" {
		*slot = append(*slot, segmentSpec{"MOA", [][]string{{"124", o.num(path+".amount", t.Amount)}}})
	}
}

// allowanceSegments writes one ALC group per modification of g.
func (o *out) allowanceSegments(slot *[]segmentSpec, path string, g procuros.ModificationGroup) {
	level := ""
	if g.Level != nil {
		level = strconv.Itoa(*g.Level)
	}
	for i, m := range g.Modifications {
		mp := fmt.Sprintf("%s.modifications[%d]", path, i)
		kind, pcd, moa := "A", "1", "204"
		if m.Type == procuros.Charge {
			kind, pcd, moa = "C", "2", "23"
		}
		reason := ""
		if m.ReasonCode != "" {
			reason = o.code(o.tabs.AllowanceReasons, string(m.ReasonCode), mp+".reasonCode", "special service code")
		}
		desc := wrap(m.Description, nameWidth)
		if len(desc) > 2 {
			o.errorf(mp+".description", "description longer than two lines of %d characters", nameWidth)
			desc = desc[:2]
		}
		*slot = append(*slot, segmentSpec{"ALC", [][]string{{kind}, nil, nil, {level}, append([]string{reason, "", ""}, desc...)}})
		if m.Percentage != "" {
			*slot = append(*slot, segmentSpec{"PCD", [][]string{{pcd, o.num(mp+".percentage", m.Percentage)}}})
		}
		if m.Amount != "" {
			*slot = append(*slot, segmentSpec{"MOA", [][]string{{moa, o.num(mp+".amount", m.Amount)}}})
		}
		if g.Basis != "" {
			*slot = append(*slot, segmentSpec{"MOA", [][]string{{"25", o.num(path+".basis", g.Basis)}}})
		}
		if m.Tax != nil {
			o.taxSegments(slot, mp+".tax", *m.Tax)
		}
	}
}

// emit writes segment specs in order.
func (o *out) emit(specs ...[]segmentSpec) {
	for _, list := range specs {
		for _, s := range list {
			o.add(s.tag, s.elems...)
		}
	}
}
