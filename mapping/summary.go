package mapping

import (
	"fmt"
	"math/big"
	"sort"

	"github.com/edibridge/edibridge/edifact"
	"github.com/edibridge/edibridge/mapping/structure"
	"github.com/edibridge/edibridge/procuros"
)

// The summary of an order or invoice: the totals a message states after
// UNS, and those its lines imply. All arithmetic is exact (big.Rat); totals
// are rounded to cents once, at the end.

// summaryIn collects the summary section: MOA by field, and the tax
// breakdown of the TAX groups.
type summaryIn struct {
	amounts map[string]procuros.Decimal
	taxes   []procuros.TaxBreakdown
	first   Seg // the first MOA, for problems
}

func newSummaryIn() *summaryIn { return &summaryIn{amounts: map[string]procuros.Decimal{}} }

// summaryAmount reads a MOA after UNS by the amounts table.
func (c *in) summaryAmount(moa Seg, sum *summaryIn) {
	if sum.first.Segment == nil {
		sum.first = moa
	}
	field, ok := c.lookup(moa, c.t.Amounts, 1, 1)
	if !ok {
		return
	}
	v := sum.amounts[field]
	c.setDecimal(moa, 1, 2, &v, c.decimal(moa, 1, 2), field)
	sum.amounts[field] = v
}

// summaryAmountGroup reads a MOA group after UNS (INVOIC SG48).
func (c *in) summaryAmountGroup(g *structure.Node, sum *summaryIn) {
	c.walk(g, handlers{
		segment: only("MOA"),
	})
	c.summaryAmount(first(g), sum)
}

// taxBreakdown reads a TAX group after UNS: rate, category, and MOA+125
// (taxable amount) and MOA+124 (tax amount).
func (c *in) taxBreakdown(g *structure.Node) procuros.TaxBreakdown {
	tax := first(g)
	tb := procuros.TaxBreakdown{Percentage: c.taxRate(tax), Category: c.taxCategory(tax), Description: c.value(tax, 2, 4)}
	c.walk(g, handlers{
		segment: func(s Seg) bool {
			switch s.Tag {
			case "TAX":
			case "MOA":
				switch c.value(s, 1, 1) {
				case "125":
					c.setDecimal(s, 1, 2, &tb.TaxableAmount, c.decimal(s, 1, 2), "taxable amount")
				case "124":
					c.setDecimal(s, 1, 2, &tb.TaxAmount, c.decimal(s, 1, 2), "tax amount")
				default:
					c.unmapped(s, c.value(s, 1, 1))
				}
			default:
				return false
			}
			return true
		},
	})
	if tb.Category == "" {
		c.errorf(tax, 6, 1, "tax without category (5305); Procuros requires one")
	}
	if tb.TaxableAmount == "" {
		c.errorf(tax, 0, 0, "tax at %s%% without taxable amount (MOA+125)", tb.Percentage)
	}
	if tb.TaxAmount == "" {
		if base, ok := rat(tb.TaxableAmount); ok {
			if r, ok := rat(tb.Percentage); ok {
				tb.TaxAmount = roundCents(percentOf(base, r))
				c.warnf(tax, 0, 0, "tax amount %s at %s%% computed from the taxable amount (the message gives none)", tb.TaxAmount, tb.Percentage)
			}
		}
	}
	return tb
}

// taxCategory reads the category of a TAX segment (5305) by the
// taxCategories table; "" if it has none.
func (c *in) taxCategory(tax Seg) string {
	code := c.value(tax, 6, 1)
	if code == "" {
		return ""
	}
	cat, ok := c.tabs.TaxCategories.Get(code)
	if !ok {
		c.errorf(tax, 6, 1, "tax category %q is not mapped (tables: taxCategories)", code)
	}
	return cat
}

// statedSummary builds a summary from what the message states: the
// summary section's amounts and tax breakdown (the tax total computed from
// the breakdown when not stated), and the message-level allowances and
// charges, their bases and taxes derived. It returns the place to report
// problems of the summary at.
func (c *in) statedSummary(sum *summaryIn, mods []procuros.ModificationGroup, modsAt, bgm Seg) (*procuros.Summary, Seg) {
	a := sum.amounts
	s := &procuros.Summary{
		SubtotalAmount: a["subtotalAmount"], GrossAmount: a["grossAmount"], NetAmount: a["netAmount"], DueAmount: a["dueAmount"],
		TotalCharges: a["totalCharges"], TotalAllowances: a["totalAllowances"], ModificationGroups: mods,
	}
	at := sum.first
	if at.Segment == nil {
		at = bgm
	}
	if len(sum.taxes) > 0 || a["taxTotal"] != "" {
		s.Tax = &procuros.SummaryTax{Total: a["taxTotal"], Items: sum.taxes}
		if s.Tax.Total == "" && len(sum.taxes) > 0 {
			total := new(big.Rat)
			for _, t := range sum.taxes {
				if r, ok := rat(t.TaxAmount); ok {
					total.Add(total, r)
				}
			}
			s.Tax.Total = procuros.Decimal(ratString(total))
			c.warnf(at, 0, 0, "tax total %s computed from the tax breakdown (the message gives no MOA+176)", s.Tax.Total)
		}
	}
	if len(mods) > 0 {
		if !deriveBases(mods, "1", s.SubtotalAmount) {
			c.errorf(modsAt, 0, 0, "the basis of the allowances and charges at message level (MOA+25) is missing and cannot be computed without the line total (MOA+79)")
		} else if !c.modificationTaxes(mods, modsAt) {
			c.errorf(modsAt, 0, 0, "an allowance or charge at message level gives a tax rate without amount, and the amount cannot be computed")
		}
	}
	return s, at
}

// allModificationTotals sums the charges and allowances of all groups, on
// their (derived) bases.
func allModificationTotals(mods []procuros.ModificationGroup) (charges, allowances *big.Rat, ok bool) {
	charges, allowances = new(big.Rat), new(big.Rat)
	for _, g := range mods {
		basis, okB := rat(g.Basis)
		if !okB {
			return nil, nil, false
		}
		c, a, okM := modificationTotals(g, basis)
		if !okM {
			return nil, nil, false
		}
		charges.Add(charges, c)
		allowances.Add(allowances, a)
	}
	return charges, allowances, true
}

// percentOf returns pct percent of base.
func percentOf(base, pct *big.Rat) *big.Rat {
	return new(big.Rat).Quo(new(big.Rat).Mul(base, pct), big.NewRat(100, 1))
}

// lineNet returns the amount of a line after its allowances and charges:
// quantity times price, through each modification level in turn (bases
// derived first, see deriveBases).
func lineNet(quantity, price procuros.Decimal, mods []procuros.ModificationGroup) (*big.Rat, bool) {
	q, okQ := rat(quantity)
	p, okP := rat(price)
	if !okQ || !okP {
		return nil, false
	}
	net := new(big.Rat).Mul(q, p)
	if len(mods) == 0 {
		return net, true
	}
	groups := append([]procuros.ModificationGroup(nil), mods...)
	if !deriveBases(groups, quantity, price) {
		return nil, false
	}
	last := groups[len(groups)-1]
	basis, ok := rat(last.Basis)
	if !ok {
		return nil, false
	}
	charges, allowances, ok := modificationTotals(last, basis)
	if !ok {
		return nil, false
	}
	return basis.Add(basis, charges).Sub(basis, allowances), true
}

// modificationTotals sums the charges and the allowances of one group on
// its basis.
func modificationTotals(g procuros.ModificationGroup, basis *big.Rat) (charges, allowances *big.Rat, ok bool) {
	charges, allowances = new(big.Rat), new(big.Rat)
	for _, m := range g.Modifications {
		amount, ok := rat(m.Amount)
		if !ok {
			pct, okP := rat(m.Percentage)
			if !okP {
				return nil, nil, false
			}
			amount = percentOf(basis, pct)
		}
		if m.Type == procuros.Charge {
			charges.Add(charges, amount)
		} else {
			allowances.Add(allowances, amount)
		}
	}
	return charges, allowances, true
}

// A lineTotal is what a line adds to the summary: its net amount and its
// tax.
type lineTotal struct {
	line     int
	mods     bool     // the line has allowances or charges
	net      *big.Rat // nil when it cannot be computed
	tax      *procuros.Tax
	category string
}

// completeSummary fills in the totals a summary section left out from what
// the lines and the message-level allowances and charges imply: subtotal,
// charges, allowances, net amount, tax breakdown and total, gross and due
// amount. It returns the fields it computed, and a text naming the first
// total it could not compute ("" when the summary is complete).
func completeSummary(s *procuros.Summary, lines []lineTotal) (derived []string, missing string) {
	before := *s
	defer func() {
		for _, f := range []struct {
			name     string
			was, now procuros.Decimal
		}{
			{"subtotalAmount", before.SubtotalAmount, s.SubtotalAmount}, {"totalCharges", before.TotalCharges, s.TotalCharges},
			{"totalAllowances", before.TotalAllowances, s.TotalAllowances}, {"netAmount", before.NetAmount, s.NetAmount},
			{"grossAmount", before.GrossAmount, s.GrossAmount}, {"dueAmount", before.DueAmount, s.DueAmount},
		} {
			if f.was == "" && f.now != "" {
				derived = append(derived, f.name)
			}
		}
		if before.Tax == nil && s.Tax != nil {
			derived = append(derived, "tax")
		}
	}()
	if s.Tax == nil || len(s.Tax.Items) == 0 {
		// Checked first, as it is the commonest gap (orders without
		// taxes), and costs no arithmetic.
		for _, l := range lines {
			if l.tax == nil {
				return nil, fmt.Sprintf("the tax breakdown (line %d has no tax)", l.line)
			}
		}
	}
	if s.SubtotalAmount == "" {
		sum := new(big.Rat)
		for _, l := range lines {
			if l.net == nil {
				return nil, fmt.Sprintf("the subtotal (line %d has no quantity or price)", l.line)
			}
			sum.Add(sum, l.net)
		}
		s.SubtotalAmount = roundCents(sum)
	}
	subtotal, _ := rat(s.SubtotalAmount)
	charges, allowances := new(big.Rat), new(big.Rat)
	if len(s.ModificationGroups) > 0 {
		var ok bool
		if !deriveBases(s.ModificationGroups, "1", s.SubtotalAmount) {
			return nil, "the basis of the allowances and charges at message level (no subtotal)"
		}
		if charges, allowances, ok = allModificationTotals(s.ModificationGroups); !ok {
			return nil, "the amounts of the allowances and charges at message level"
		}
	}
	if s.TotalCharges == "" {
		s.TotalCharges = roundCents(charges)
	}
	if s.TotalAllowances == "" {
		s.TotalAllowances = roundCents(allowances)
	}
	if s.NetAmount == "" {
		c, _ := rat(s.TotalCharges)
		a, _ := rat(s.TotalAllowances)
		net := new(big.Rat).Add(subtotal, c)
		s.NetAmount = roundCents(net.Sub(net, a))
	}
	if s.Tax == nil || len(s.Tax.Items) == 0 {
		items, why := taxBreakdownOf(lines, s.ModificationGroups)
		if why != "" {
			return nil, why
		}
		if s.Tax == nil {
			s.Tax = &procuros.SummaryTax{}
		}
		s.Tax.Items = items
	}
	if s.Tax.Total == "" {
		total := new(big.Rat)
		for _, t := range s.Tax.Items {
			if r, ok := rat(t.TaxAmount); ok {
				total.Add(total, r)
			}
		}
		s.Tax.Total = procuros.Decimal(ratString(total))
	}
	if s.GrossAmount == "" {
		net, _ := rat(s.NetAmount)
		tax, _ := rat(s.Tax.Total)
		s.GrossAmount = roundCents(new(big.Rat).Add(net, tax))
	}
	if s.DueAmount == "" {
		s.DueAmount = s.GrossAmount
	}
	return nil, ""
}

// taxBreakdownOf sums the lines (and the message-level allowances and
// charges that carry a tax) by rate.
func taxBreakdownOf(lines []lineTotal, mods []procuros.ModificationGroup) ([]procuros.TaxBreakdown, string) {
	type bucket struct {
		taxable, tax *big.Rat
		category     string
	}
	byRate := map[string]*bucket{}
	add := func(pct procuros.Decimal, category string, taxable, tax *big.Rat) {
		r, _ := rat(pct)
		key := ratString(r)
		b := byRate[key]
		if b == nil {
			b = &bucket{taxable: new(big.Rat), tax: new(big.Rat), category: category}
			byRate[key] = b
		}
		b.taxable.Add(b.taxable, taxable)
		b.tax.Add(b.tax, tax)
	}
	for _, l := range lines {
		if l.net == nil || l.tax == nil {
			return nil, fmt.Sprintf("the tax breakdown (line %d has no tax)", l.line)
		}
		amount, ok := rat(l.tax.Amount)
		if !ok {
			return nil, fmt.Sprintf("the tax breakdown (line %d has no tax amount)", l.line)
		}
		category := l.category
		if category == "" {
			return nil, fmt.Sprintf("the tax breakdown (the tax of line %d has no category)", l.line)
		}
		add(l.tax.Percentage, category, l.net, amount)
	}
	for _, g := range mods {
		basis, _ := rat(g.Basis)
		for _, m := range g.Modifications {
			if m.Tax == nil {
				return nil, "the tax breakdown (an allowance or charge at message level has no tax)"
			}
			amount, ok := rat(m.Amount)
			if !ok {
				pct, _ := rat(m.Percentage)
				amount = percentOf(basis, pct)
			}
			tax, _ := rat(m.Tax.Amount)
			if m.Type == procuros.Allowance {
				amount, tax = new(big.Rat).Neg(amount), new(big.Rat).Neg(tax)
			}
			add(m.Tax.Percentage, "", amount, tax)
		}
	}
	rates := make([]string, 0, len(byRate))
	for k := range byRate {
		rates = append(rates, k)
	}
	sort.Slice(rates, func(i, j int) bool {
		a, _ := new(big.Rat).SetString(rates[i])
		b, _ := new(big.Rat).SetString(rates[j])
		return a.Cmp(b) < 0
	})
	out := make([]procuros.TaxBreakdown, 0, len(rates))
	for _, r := range rates {
		b := byRate[r]
		if b.category == "" {
			return nil, fmt.Sprintf("the tax breakdown (no line gives the category of the tax at %s%%)", r)
		}
		out = append(out, procuros.TaxBreakdown{Percentage: procuros.Decimal(r), TaxableAmount: roundCents(b.taxable),
			TaxAmount: roundCents(b.tax), Category: b.category})
	}
	return out, ""
}

// summaryAmounts writes the totals of a summary as MOA segments, and the
// tax total; which qualifier each gets is the amounts table's.
func (o *out) summaryAmounts(s procuros.Summary) []edifact.Segment {
	var segs []edifact.Segment
	for _, f := range []struct {
		field string
		v     procuros.Decimal
	}{
		{"grossAmount", s.GrossAmount}, {"subtotalAmount", s.SubtotalAmount}, {"netAmount", s.NetAmount},
		{"totalCharges", s.TotalCharges}, {"totalAllowances", s.TotalAllowances},
	} {
		if f.v != "" {
			segs = append(segs, edifact.NewSegment("MOA", [][]string{{o.code(o.t.Amounts, f.field, "MOA qualifier", "summary.", f.field), o.num(f.v, "summary.", f.field)}}...))
		}
	}
	if s.Tax != nil && s.Tax.Total != "" {
		segs = append(segs, edifact.NewSegment("MOA", [][]string{{o.code(o.t.Amounts, "taxTotal", "MOA qualifier", "summary.tax.total"), o.num(s.Tax.Total, "summary.tax.total")}}...))
	}
	if s.DueAmount != "" && !sameNumber(s.DueAmount, s.GrossAmount) {
		segs = append(segs, edifact.NewSegment("MOA", [][]string{{o.code(o.t.Amounts, "dueAmount", "MOA qualifier", "summary.dueAmount"), o.num(s.DueAmount, "summary.dueAmount")}}...))
	}
	return segs
}

// summaryTaxes writes the tax breakdown: a TAX group per rate with MOA+125
// and MOA+124.
func (o *out) summaryTaxes(s procuros.Summary) []edifact.Segment {
	if s.Tax == nil {
		return nil
	}
	if s.Tax.Description != "" {
		o.warnf("summary.tax.description", "not written: the summary's TAX groups are by rate, with no text for the whole")
	}
	var segs []edifact.Segment
	for i, t := range s.Tax.Items {
		path := fmt.Sprintf("summary.tax.items[%d]", i)
		segs = append(segs,
			edifact.NewSegment("TAX", [][]string{{"7"}, {"VAT", "", "", t.Description}, nil, nil, {"", "", "", o.num(t.Percentage, path, ".percentage")}, {o.taxCategory(path, t)}}...),
			edifact.NewSegment("MOA", [][]string{{"125", o.num(t.TaxableAmount, path, ".taxableAmount")}}...),
			edifact.NewSegment("MOA", [][]string{{"124", o.num(t.TaxAmount, path, ".taxAmount")}}...))
	}
	return segs
}
