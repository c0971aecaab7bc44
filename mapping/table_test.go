package mapping

import (
	"bytes"
	"testing"

	"github.com/edibridge/edibridge/edifact"
	"github.com/edibridge/edibridge/procuros"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBuiltinTablesLoad(t *testing.T) {
	tabs, err := BuiltinTables()
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"ORDERS", "DESADV", "INVOIC", "ORDRSP", "RECADV"}, tabs.messageNames())
	unit, ok := tabs.Units.Get("PCE")
	assert.True(t, ok)
	assert.Equal(t, "EA", unit)
	code, ok := tabs.Units.Code("EA")
	assert.True(t, ok)
	assert.Equal(t, "PCE", code, "the first code listed for a value is the one written")
}

func TestTableKeepsOrderAndRefusesDuplicates(t *testing.T) {
	_, err := ParseOverrides([]byte("units: {KRT: CT, KRT: CS}\n"))
	assert.ErrorContains(t, err, `code "KRT" listed twice`)
	_, err = ParseOverrides([]byte("units: [KRT]\n"))
	assert.ErrorContains(t, err, "a table is a mapping of codes to values")
}

func TestOverridesWinBothWays(t *testing.T) {
	over, err := ParseOverrides([]byte(`
units: {STK: EA}
messages:
  ORDERS:
    item: {quantities: {"1": quantity}}
    ignore: [RFF+ON, LOC]
    defaults: {currency: EUR}
`))
	require.NoError(t, err)
	m, err := New(over)
	require.NoError(t, err)
	tabs := m.Tables()
	code, _ := tabs.Units.Code("EA")
	assert.Equal(t, "STK", code, "an override comes first, so it is written")
	v, _ := tabs.Units.Get("PCE")
	assert.Equal(t, "EA", v, "the built-in entries stay")
	orders := tabs.Messages["ORDERS"]
	assert.Equal(t, "EUR", orders.Defaults["currency"])
	assert.Contains(t, orders.Ignore, "UNS", "built-in ignores stay")
	assert.Contains(t, orders.Ignore, "LOC")
	base, err := BuiltinTables()
	require.NoError(t, err)
	_, changed := base.Units.Get("STK")
	assert.False(t, changed, "overrides never change the built-in tables")
}

func TestOverridesAreChecked(t *testing.T) {
	for _, tt := range []struct{ yaml, err string }{
		{"units: {KRT: CARTON}", `units: "KRT" maps to "CARTON", which is none of`},
		{"messages: {ORDERS: {dates: {\"999\": header.nothing}}}", `messages.ORDERS.dates: "999" maps to "header.nothing"`},
		{"messages: {APERAK: {}}", "no message APERAK (known: DESADV, INVOIC, ORDERS, ORDRSP, RECADV)"},
		{"messages: {DESADV: {defaults: {openQuantityAction: LATER}}}", `defaults: openQuantityAction "LATER" is none of DISCARDED, DELIVERED_LATER`},
		{"messages: {ORDERS: {defaults: {colour: red}}}", `no default for "colour"`},
		{"messages: {ORDERS: {sender: supplier}}", "message, transaction and sender are the bridge's"},
		{"unknown: {}", "field unknown not found"},
		{"messages: {ORDERS: {ignore: [rff-on]}}", `ignore: "rff-on" is neither a segment tag`},
		{"messages: {ORDERS: {defaults: {currency: euro}}}", `currency "euro" is not an ISO 4217 code`},
	} {
		over, err := ParseOverrides([]byte(tt.yaml))
		if err == nil {
			_, err = New(over)
		}
		assert.ErrorContains(t, err, tt.err, tt.yaml)
	}
}

// TestOverridesMapAPartnersCodes maps an order the built-in tables refuse,
// once a partner's tables say what its codes mean.
func TestOverridesMapAPartnersCodes(t *testing.T) {
	input := "UNA:+.? 'UNB+UNOC:3+4012345000009:14+4098765000003:14+260315:0930+X1'" +
		"UNH+1+ORDERS:D:96A:UN:EAN008'BGM+220+PO-1+9'DTM+137:20260315:102'RFF+ON:ALT-1'" +
		"NAD+BY+4012345000009::9'NAD+SU+4098765000003::9'LIN+1++4001234567891:EN'QTY+21:3:STK'UNS+S'CNT+2:1'UNT+11+1'UNZ+1+X1'"
	translate := func(m *Mapper) Translation {
		var last Translation
		for tr := range m.Translate(edifact.NewReader(bytes.NewReader([]byte(input)))) {
			last = tr
		}
		return last
	}
	builtin, err := New(nil)
	require.NoError(t, err)
	tr := translate(builtin)
	require.Error(t, tr.Err)
	assert.Contains(t, tr.Err.Error(), `segment 4 RFF, element 1 component 1: RFF+ON: qualifier "ON" has no Procuros field in ORDER`)
	assert.Contains(t, tr.Err.Error(), `segment 8 QTY, element 1 component 3: unit "STK" is not mapped (tables: units)`)

	over, err := ParseOverrides([]byte("units: {STK: EA}\nmessages: {ORDERS: {ignore: [RFF+ON], defaults: {currency: EUR}}}\n"))
	require.NoError(t, err)
	partner, err := New(over)
	require.NoError(t, err)
	tr = translate(partner)
	require.NoError(t, tr.Err)
	order := tr.Result.Content.(*procuros.Order)
	assert.Equal(t, procuros.UnitEach, order.Items[0].UnitOfMeasure)
	assert.Equal(t, "EUR", order.Header.Currency)
}

// TestFieldSetsFit: an item holds at most maxFields fields of a kind, so
// no message may name more.
func TestFieldSetsFit(t *testing.T) {
	for name, f := range messageFields {
		for kind, list := range map[string][]string{
			"itemDates": f.itemDates, "itemQuantities": f.itemQuantities, "itemPrices": f.itemPrices,
			"itemAmounts": f.itemAmounts, "itemReferences": f.itemReferences, "itemFreeText": f.itemFreeText,
			"itemDescriptions": f.itemDescriptions, "itemMeasures": f.itemMeasures,
		} {
			assert.LessOrEqual(t, len(list), maxFields, "%s %s", name, kind)
		}
	}
}

// TestItemDataReset: a reused itemData reads as a fresh one.
func TestItemDataReset(t *testing.T) {
	var d itemData
	d.lineNumber, d.deposit, d.origin = 3, true, "DE"
	d.mods = []procuros.ModificationGroup{{}}
	d.texts.set("description", "x")
	d.quantities.set("quantity", "1")
	d.prices.set("netPrice", "1")
	d.refs.set("promotionCode", "P")
	d.amounts.set("lineAmount", "1")
	d.weights.set("netWeight", "1")
	d.descParts.set("description", []string{"x"})
	d.dates.set("requestedDeliveryDate", procuros.DateTime{})
	d.refDates.set("orderIdentifier", procuros.DateTime{})
	d.reset(Seg{})
	assert.Equal(t, itemScalars{}, d.itemScalars)
	for _, n := range []int{d.texts.n, d.quantities.n, d.prices.n, d.dates.n, d.refs.n, d.refDates.n, d.amounts.n, d.weights.n, d.descParts.n} {
		assert.Zero(t, n)
	}
	assert.Empty(t, d.texts.get("description"), "a field of the line before is gone")
}
