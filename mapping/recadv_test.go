package mapping

import (
	"strings"
	"testing"

	"github.com/edibridge/edibridge/procuros"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recadvMessage is a RECADV D01B with BGM, the header segments given (the
// dates among them), the BY and SU parties, and the packing levels given.
func recadvMessage(header []string, levels ...string) string {
	segs := append([]string{"UNH+1+RECADV:D:01B:UN:EAN005", "BGM+632+WE-1+9"}, header...)
	segs = append(segs, "NAD+BY+4012345000009::9", "NAD+SU+4098765000003::9")
	segs = append(segs, levels...)
	return interchange(segs...)
}

var recadvLine = []string{"LIN+1++4001234567891:SRV", "QTY+48:10:PCE", "QTY+12:12:PCE"}

// TestReceivalNotices checks what a RECADV can say that a receival notice
// cannot, or only in its way.
func TestReceivalNotices(t *testing.T) {
	m, err := New(nil)
	require.NoError(t, err)
	level := func(segs ...string) []string { return append(segs, recadvLine...) }

	// The document date stands in for a missing goods receipt date.
	tr := translateOne(t, m, recadvMessage([]string{"DTM+137:20260412:102"}, level("CPS+1")...))
	require.NoError(t, tr.Err)
	rn := tr.Result.Content.(*procuros.ReceivalNotice)
	assert.Equal(t, "2026-04-12", rn.Header.ReceivalDate.Date().String())
	assert.Contains(t, problemTexts(tr.Result.Warnings), "message 1 (UNH 1) segment 3 DTM, element 1 component 2: the message gives no goods receipt date (DTM+50): its document date is sent as receivalDate")
	assertValid(t, tr.Result.Transaction())

	// A unit type a receival notice does not know is not carried.
	tr = translateOne(t, m, recadvMessage([]string{"DTM+50:20260412:102"}, level("CPS+1", "PAC+1++PX")...))
	require.NoError(t, tr.Err)
	assert.Empty(t, tr.Result.Content.(*procuros.ReceivalNotice).TransportUnits[0].UnitType)
	assert.Contains(t, strings.Join(problemTexts(tr.Result.Warnings), "\n"), "segment 7 PAC, element 3 component 1: not carried: the unit type PALLET; a receival notice's units are EURO_PALLET, EURO_PALLET_HALF, EURO_PALLET_QUARTER or CARTON")

	// A variance of the received to the despatched quantity gives the
	// despatched quantity, or must agree with it.
	tr = translateOne(t, m, recadvMessage([]string{"DTM+50:20260412:102"}, "CPS+1", "LIN+1++4001234567891:SRV", "QTY+48:10:PCE", "QVR+-2:12+CP"))
	require.NoError(t, tr.Err)
	it := tr.Result.Content.(*procuros.ReceivalNotice).TransportUnits[0].Items[0]
	assert.Equal(t, procuros.Decimal("12"), it.ShippedQuantity)
	assert.Equal(t, procuros.OpenQuantityDiscarded, it.OpenQuantityAction)

	for _, tt := range []struct {
		segs []string
		want string
	}{
		{append(level("CPS+1", "PAC+1+:52+201::9", "GIN+BJ+340123450000000017"), level("CPS+2+1", "PAC+1++CT")...),
			"segment 12 CPS, element 2 component 1: packing level 2 is a unit within the unit of level 1: a receival notice does not nest units"},
		{[]string{"CPS+1", "PAC+1+:52+201::9", "GIN+BJ+340123450000000017"},
			"segment 6 CPS: packing level 1 holds no lines: a receival notice's unit holds the items received on it"},
		{[]string{"CPS+1", "LIN+1++4001234567891:SRV", "QTY+48:10:PCE", "QTY+12:12:PCE", "QVR+-1:12"},
			"segment 10 QVR, element 1 component 1: line 1: received 10 less shippedQuantity 12 is not the variance -1"},
		{[]string{"CPS+1", "LIN+1++4001234567891:SRV", "QTY+12:12:PCE"},
			"segment 7 LIN: line 1 has no received quantity (QTY+48); a receival notice says what was received"},
		{[]string{"CPS+1", "LIN+1++4001234567891:SRV", "QTY+48:10:PCE", "RFF+ON:PO-1", "LIN+2++4001234567907:SRV", "QTY+48:5:PCE", "RFF+ON:PO-2"},
			"segment 12 RFF: the line received order PO-2, the message order PO-1: Procuros carries one order per receival notice"},
		{[]string{"CPS+1", "LIN+1++4001234567891:SRV", "QTY+48:10:PCE", "QVR+-1:124"},
			`segment 9 QVR, element 1 component 2: a quantity variance of quantity "124" is not mapped`},
	} {
		tr := translateOne(t, m, recadvMessage([]string{"DTM+50:20260412:102"}, tt.segs...))
		require.Error(t, tr.Err, tt.want)
		assert.Contains(t, tr.Err.Error(), tt.want)
	}
	// RECEIVAL_NOTICE has no AdditionalOrderIdentifiers.
	tr = translateOne(t, m, interchange(append([]string{"UNH+1+RECADV:D:01B:UN:EAN005", "BGM+632+WE-1+9", "DTM+50:20260412:102",
		"NAD+BY+4012345000009::9", "RFF+ON:L-1", "NAD+SU+4098765000003::9"}, level("CPS+1")...)...))
	require.Error(t, tr.Err)
	assert.Contains(t, tr.Err.Error(), `segment 5 RFF, element 1 component 1: RFF+ON: qualifier "ON" has no Procuros field in RECEIVAL_NOTICE`)

	// Written, a message has one currency.
	twoCurrencies := &procuros.ReceivalNotice{
		Header: procuros.ReceivalNoticeHeader{ReceivalAdviceNumber: "WE-1"},
		TransportUnits: []procuros.ReceivalNoticeTransportUnit{{Items: []procuros.ReceivalNoticeItem{
			{LineNumber: 1, ReceivedQuantity: "1", UnitPrice: "1", Currency: "EUR"},
			{LineNumber: 2, ReceivedQuantity: "1", UnitPrice: "1", Currency: "CHF"},
		}}},
	}
	_, probs, err := m.ToEDIFACT(twoCurrencies, "1", "D01B", '.')
	require.Error(t, err)
	assert.Equal(t, "transportUnits[0].items[1].currency", probs.Errors()[0].Path)
}
