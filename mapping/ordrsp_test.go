package mapping

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edibridge/edibridge/edifact"
	"github.com/edibridge/edibridge/procuros"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ordrspMessage is an ORDRSP D96A interchange of one message: BGM with the
// message function given, DTM+137 and the DTM segments given first, RFF+ON,
// the BY and SU parties, then the other segments given, UNS and UNT.
func ordrspMessage(function string, segs ...string) string {
	body := []string{"UNH+1+ORDRSP:D:96A:UN:EAN005", "BGM+231+AB-1+" + function, "DTM+137:20260316:102"}
	for len(segs) > 0 && strings.HasPrefix(segs[0], "DTM+") {
		body, segs = append(body, segs[0]), segs[1:]
	}
	body = append(append(body, "RFF+ON:PO-1", "NAD+BY+4012345000009::9", "NAD+SU+4098765000003::9"), segs...)
	body = append(body, "UNS+S")
	body = append(body, fmt.Sprintf("UNT+%d+1", len(body)+1))
	return "UNA:+.? 'UNB+UNOC:3+4098765000003:14+4012345000009:14+260316:0900+X1'" + strings.Join(body, "'") + "'UNZ+1+X1'"
}

// translateOne maps the one message of an interchange.
func translateOne(t *testing.T, m *Mapper, edi string) Translation {
	t.Helper()
	var all []Translation
	for tr := range m.Translate(edifact.NewReader(strings.NewReader(edi))) {
		require.NotNil(t, tr.Message, "%v", tr.Err)
		all = append(all, tr)
	}
	require.Len(t, all, 1)
	return all[0]
}

// loadOrderResponse reads the CHANGE order response fixture of package
// procuros: valid, and a starting point to break one rule at a time.
func loadOrderResponse(t *testing.T) *procuros.OrderResponse {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "procuros", "testdata", "order_response.json"))
	require.NoError(t, err)
	c, err := procuros.DecodeContent(procuros.TypeOrderResponse, raw)
	require.NoError(t, err)
	return c.(*procuros.OrderResponse)
}

// TestOrderResponseRules breaks each rule Procuros sets for the types of
// ORDER_RESPONSE, once in an ORDRSP and once in the JSON, and expects the
// same error both ways: reading, at the segment that breaks it (or the BGM,
// naming the segment that is missing); writing, at the JSON field.
func TestOrderResponseRules(t *testing.T) {
	m, err := New(nil)
	require.NoError(t, err)
	day := func(s string) procuros.DateTime {
		d, err := procuros.ParseDateTime(s)
		require.NoError(t, err)
		return d
	}
	lines := []string{"LIN+1+5+4001234567891:EN", "QTY+21:10:PCE", "QTY+113:10:PCE"}
	for _, tt := range []struct {
		name string
		// inbound: the message, where the error is, and its text
		edi   string
		at    string // "segment 7 LIN"
		where string // the segment named for what is missing, "" if none
		// outbound: the change to the valid CHANGE fixture, and the path
		breakJSON func(r *procuros.OrderResponse)
		path      string
		text      string
	}{
		{
			name: "ACCEPT carries no items",
			edi:  ordrspMessage("29", lines...), at: "segment 7 LIN",
			breakJSON: func(r *procuros.OrderResponse) { r.Header.Type = procuros.OrderResponseAccept },
			path:      "items",
			text:      "Procuros rule: an ACCEPT order response carries no items, the order being accepted exactly as ordered; this one has",
		},
		{
			name: "REJECT carries no items",
			edi:  ordrspMessage("27", lines...), at: "segment 7 LIN",
			breakJSON: func(r *procuros.OrderResponse) {
				r.Header.Type = procuros.OrderResponseReject
				r.Header.ConfirmedDeliveryDate, r.Header.RequestedDeliveryDate = procuros.DateTime{}, procuros.DateTime{}
			},
			path: "items",
			text: "Procuros rule: a REJECT order response carries no items, the whole order being rejected; this one has",
		},
		{
			name: "REJECT carries no confirmed delivery date",
			edi:  ordrspMessage("27", "DTM+69:20260325:102"), at: "segment 4 DTM",
			breakJSON: func(r *procuros.OrderResponse) {
				r.Header.Type, r.Items, r.Header.RequestedDeliveryDate = procuros.OrderResponseReject, nil, procuros.DateTime{}
			},
			path: "header.confirmedDeliveryDate",
			text: "Procuros rule: a REJECT order response carries no confirmed delivery date",
		},
		{
			name: "REJECT carries no requested delivery date",
			edi:  ordrspMessage("27", "DTM+2:20260323:102"), at: "segment 4 DTM",
			breakJSON: func(r *procuros.OrderResponse) {
				r.Header.Type, r.Items, r.Header.ConfirmedDeliveryDate = procuros.OrderResponseReject, nil, procuros.DateTime{}
			},
			path: "header.requestedDeliveryDate",
			text: "Procuros rule: a REJECT order response carries no requested delivery date",
		},
		{
			name: "CHANGE carries all order lines: none",
			edi:  ordrspMessage("4", "DTM+2:20260323:102", "DTM+69:20260325:102"), at: "segment 2 BGM",
			breakJSON: func(r *procuros.OrderResponse) { r.Items = nil },
			path:      "items",
			text:      "Procuros rule: a CHANGE order response carries all order lines, those with equal ordered and confirmed quantities too; this one has none",
		},
		{
			name: "CHANGE carries all order lines: a gap",
			edi: ordrspMessage("4", "DTM+2:20260323:102", "DTM+69:20260325:102", "LIN+1+5+4001234567891:EN", "QTY+21:10:PCE", "QTY+113:10:PCE",
				"LIN+3+3+4001234567907:EN", "QTY+21:10:PCE", "QTY+113:5:PCE"), at: "segment 9 LIN",
			breakJSON: func(r *procuros.OrderResponse) { r.Items[1].OrderLineNumber, r.Items[1].LineNumber = 3, 3 },
			path:      "items",
			text:      "Procuros rule: a CHANGE order response carries all order lines, those with equal ordered and confirmed quantities too; order line 2 is missing (it answers lines 1, 3)",
		},
		{
			name: "CHANGE carries all order lines: a line twice",
			edi: ordrspMessage("4", "DTM+2:20260323:102", "DTM+69:20260325:102", "LIN+1+5+4001234567891:EN", "QTY+21:10:PCE", "QTY+113:10:PCE",
				"LIN+2+3+4001234567907:EN", "QTY+21:10:PCE", "QTY+113:5:PCE", "RFF+LI:1"), at: "segment 12 LIN",
			breakJSON: func(r *procuros.OrderResponse) { r.Items[1].OrderLineNumber = 1 },
			path:      "items[1].orderLineNumber",
			text:      "Procuros rule: a CHANGE order response carries each order line once; order line 1 is answered twice",
		},
		{
			name: "CHANGE carries the ordered quantity of each line",
			edi:  ordrspMessage("4", "DTM+2:20260323:102", "DTM+69:20260325:102", "LIN+1+3+4001234567891:EN", "QTY+113:10:PCE"),
			at:   "segment 9 LIN", where: "QTY+21",
			breakJSON: func(r *procuros.OrderResponse) { r.Items[0].OrderedQuantity = "" },
			path:      "items[0].orderedQuantity",
			text:      "Procuros rule: a CHANGE order response carries all order lines, those with equal ordered and confirmed quantities too, each with its ordered and its confirmed quantity; line 1 has no ordered quantity",
		},
		{
			name: "CHANGE carries the confirmed quantity of each line",
			edi:  ordrspMessage("4", "DTM+2:20260323:102", "DTM+69:20260325:102", "LIN+1++4001234567891:EN", "QTY+21:10:PCE"),
			at:   "segment 9 LIN", where: "QTY+113",
			breakJSON: func(r *procuros.OrderResponse) { r.Items[0].ConfirmedQuantity = "" },
			path:      "items[0].confirmedQuantity",
			text:      "Procuros rule: a CHANGE order response carries all order lines, those with equal ordered and confirmed quantities too, each with its ordered and its confirmed quantity; line 1 has no confirmed quantity",
		},
		{
			name: "CHANGE carries a confirmed delivery date",
			edi:  ordrspMessage("4", append([]string{"DTM+2:20260323:102"}, lines...)...), at: "segment 2 BGM", where: "DTM+69",
			breakJSON: func(r *procuros.OrderResponse) { r.Header.ConfirmedDeliveryDate = procuros.DateTime{} },
			path:      "header.confirmedDeliveryDate",
			text:      "Procuros rule: a CHANGE order response requires the confirmed delivery date",
		},
		{
			name: "CHANGE carries the requested delivery date",
			edi:  ordrspMessage("4", append([]string{"DTM+69:20260325:102"}, lines...)...), at: "segment 2 BGM", where: "DTM+2",
			breakJSON: func(r *procuros.OrderResponse) { r.Header.RequestedDeliveryDate = procuros.DateTime{} },
			path:      "header.requestedDeliveryDate",
			text:      "Procuros rule: a CHANGE order response requires the requested delivery date",
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tr := translateOne(t, m, tt.edi)
			require.Error(t, tr.Err, "the message breaks the rule")
			want := "message 1 (UNH 1) " + tt.at + ": " + tt.text
			got := tr.Err.Error()
			assert.Contains(t, got, want)
			if tt.where != "" {
				assert.Contains(t, got, want+" ("+tt.where+")", "names the segment that is missing")
			}

			r := loadOrderResponse(t)
			tt.breakJSON(r)
			r.Header.OrderResponseDate = day("2024-03-02T10:00:00+01:00")
			_, probs, err := m.ToEDIFACT(r, "1", "D96A", '.')
			require.Error(t, err, "the transaction breaks the rule")
			var found bool
			for _, p := range probs.Errors() {
				if p.Path == tt.path && strings.HasPrefix(p.Text, tt.text) {
					found = true
				}
			}
			assert.True(t, found, "want %s: %s\ngot: %v", tt.path, tt.text, probs)
		})
	}
}

// TestOrderResponseTypesWrite: a response of each type that keeps the
// rules is written with its message function, and without type it is not
// written at all.
func TestOrderResponseTypesWrite(t *testing.T) {
	m, err := New(nil)
	require.NoError(t, err)
	r := loadOrderResponse(t)
	segs, _, err := m.ToEDIFACT(r, "1", "D01B", '.')
	require.NoError(t, err)
	assert.Equal(t, "BGM", segs[1].Tag)
	assert.Equal(t, "4", segs[1].Value(2, 0), "CHANGE is message function 4")
	assert.Equal(t, "AC", segs[1].Value(3, 0), "a CHANGE acknowledges with detail and change")

	r.Items, r.Header.Type = nil, procuros.OrderResponseAccept
	segs, _, err = m.ToEDIFACT(r, "1", "D01B", '.')
	require.NoError(t, err)
	assert.Equal(t, "29", segs[1].Value(2, 0))

	r.Header.Type, r.Header.ConfirmedDeliveryDate, r.Header.RequestedDeliveryDate = procuros.OrderResponseReject, procuros.DateTime{}, procuros.DateTime{}
	segs, _, err = m.ToEDIFACT(r, "1", "D01B", '.')
	require.NoError(t, err)
	assert.Equal(t, "27", segs[1].Value(2, 0))

	r.Header.Type = ""
	_, probs, err := m.ToEDIFACT(r, "1", "D01B", '.')
	require.Error(t, err)
	assert.Equal(t, "header.type", probs.Errors()[0].Path)
}

// TestOrderResponseLineActions: a line's action (LIN 1229) and its
// quantities must agree; what an action implies and the line leaves out
// is derived, with a warning; written, the action is told by the
// quantities and dates.
func TestOrderResponseLineActions(t *testing.T) {
	m, err := New(nil)
	require.NoError(t, err)
	dates := []string{"DTM+2:20260323:102", "DTM+69:20260325:102"}
	msg := func(lines ...string) string { return ordrspMessage("4", append(dates, lines...)...) }

	tr := translateOne(t, m, msg("LIN+1+5+4001234567891:EN", "QTY+21:10:PCE", "LIN+2+7+4001234567907:EN", "QTY+21:5:PCE",
		"LIN+3+3+4001234567914:EN", "QTY+21:4:PCE", "DTM+69:20260327:102"))
	require.NoError(t, tr.Err)
	items := tr.Result.Content.(*procuros.OrderResponse).Items
	assert.Equal(t, procuros.Decimal("10"), items[0].ConfirmedQuantity, "accepted: as ordered")
	assert.Equal(t, procuros.Decimal("0"), items[1].ConfirmedQuantity, "not accepted: 0")
	assert.Equal(t, procuros.Decimal("4"), items[2].ConfirmedQuantity, "changed in its date only: as ordered")
	assert.Len(t, tr.Result.Warnings, 3, "each derived quantity is noted")
	assertValid(t, tr.Result.Transaction())

	for _, tt := range []struct {
		lines []string
		want  string
	}{
		{[]string{"LIN+1+5+4001234567891:EN", "QTY+21:10:PCE", "QTY+113:8:PCE"}, "segment 9 LIN, element 2 component 1: line 1 is accepted as ordered (LIN 1229 5), and confirms 8 of 10 ordered"},
		{[]string{"LIN+1+7+4001234567891:EN", "QTY+21:10:PCE", "QTY+113:8:PCE"}, "segment 9 LIN, element 2 component 1: line 1 is not accepted (LIN 1229 7), and confirms 8"},
		{[]string{"LIN+1+3+4001234567891:EN", "QTY+21:10:PCE"}, "segment 9 LIN, element 2 component 1: line 1 is changed (LIN 1229 3) and states neither a confirmed quantity (QTY+113) nor a confirmed date"},
		{[]string{"LIN+1+1+4001234567891:EN", "QTY+21:10:PCE", "QTY+113:8:PCE"}, "segment 9 LIN, element 2 component 1: line item action 1 is not mapped for ORDER_RESPONSE (tables: lineActions)"},
		{[]string{"LIN+1+5+4001234567891:EN", "QTY+21:10:PCE", "QTY+113:10:PCE", "RFF+ON:PO-2"}, "segment 12 RFF: the line answers order PO-2, the message order PO-1: Procuros carries one order per order response"},
	} {
		tr := translateOne(t, m, msg(tt.lines...))
		require.Error(t, tr.Err)
		assert.Contains(t, tr.Err.Error(), tt.want)
	}
	// A CHANGE that acknowledges only the changes leaves lines out.
	tr = translateOne(t, m, strings.Replace(msg("LIN+1+3+4001234567891:EN", "QTY+21:10:PCE", "QTY+113:8:PCE"), "BGM+231+AB-1+4", "BGM+231+AB-1+4+AI", 1))
	require.Error(t, tr.Err)
	assert.Contains(t, tr.Err.Error(), "segment 2 BGM, element 4 component 1: response type AI acknowledges only the changed lines; Procuros rule: a CHANGE order response carries all order lines")

	// Written, each line's action follows from its quantities and dates.
	for _, tt := range []struct {
		it   procuros.OrderResponseItem
		want string
	}{
		{procuros.OrderResponseItem{OrderedQuantity: "10", ConfirmedQuantity: "10"}, "5"},
		{procuros.OrderResponseItem{OrderedQuantity: "10", ConfirmedQuantity: "10.0", ConfirmedDeliveryDate: items[2].ConfirmedDeliveryDate}, "3"},
		{procuros.OrderResponseItem{OrderedQuantity: "10", ConfirmedQuantity: "10", RequestedDeliveryDate: items[2].ConfirmedDeliveryDate, ConfirmedDeliveryDate: items[2].ConfirmedDeliveryDate}, "5"},
		{procuros.OrderResponseItem{OrderedQuantity: "10", ConfirmedQuantity: "4"}, "3"},
		{procuros.OrderResponseItem{OrderedQuantity: "10", ConfirmedQuantity: "0"}, "7"},
	} {
		o := &out{tabs: m.tabs, t: m.tabs.Messages["ORDRSP"], mark: '.', directory: "D96A"}
		o.responseLine("items[0]", tt.it)
		require.NotEmpty(t, o.segs)
		assert.Equal(t, tt.want, o.segs[0].Value(1, 0), "%+v", tt.it)
	}
}

// TestOrderResponsePartnerQualifiers: a partner whose profile confirms
// quantities with another qualifier, and answers with other message
// functions, says so in its tables; both ways follow them.
func TestOrderResponsePartnerQualifiers(t *testing.T) {
	over, err := ParseOverrides([]byte(`
messages:
  ORDRSP:
    functions: {"28": CHANGE}
    item: {quantities: {"194": confirmedQuantity}}
`))
	require.NoError(t, err)
	m, err := New(over)
	require.NoError(t, err)
	edi := strings.Replace(ordrspMessage("28", "DTM+2:20260323:102", "DTM+69:20260325:102", "LIN+1+3+4001234567891:EN", "QTY+21:10:PCE", "QTY+194:8:PCE"),
		"BGM+231+AB-1+4", "BGM+231+AB-1+28", 1)
	tr := translateOne(t, m, edi)
	require.NoError(t, tr.Err)
	r := tr.Result.Content.(*procuros.OrderResponse)
	assert.Equal(t, procuros.OrderResponseChange, r.Header.Type)
	assert.Equal(t, procuros.Decimal("8"), r.Items[0].ConfirmedQuantity)
	assertValid(t, tr.Result.Transaction())

	var buf bytes.Buffer
	_, err = m.WriteInterchange(&buf, testEnvelope("D96A"), []OutMessage{{Ref: "1", Content: r}})
	require.NoError(t, err)
	assert.Contains(t, buf.String(), "BGM+231+AB-1+28+AC'", "the partner's code comes first, so it is written")
	assert.Contains(t, buf.String(), "QTY+194:8:PCE'")
	again := translateOne(t, m, buf.String())
	require.NoError(t, again.Err)
	a, _ := json.Marshal(tr.Result.Transaction())
	b, _ := json.Marshal(again.Result.Transaction())
	assert.JSONEq(t, string(a), string(b))

	// The built-in tables know neither.
	builtin, err := New(nil)
	require.NoError(t, err)
	tr = translateOne(t, builtin, edi)
	require.Error(t, tr.Err)
	assert.Contains(t, tr.Err.Error(), `segment 2 BGM, element 3 component 1: message function "28" is not mapped: the type of an order response is one of 29 ACCEPT, 27 REJECT, 4 CHANGE (tables: functions)`)
}

// TestOrderResponseGoldensCoverEachType: each type of ORDER_RESPONSE has
// an inbound golden in each directory (TestGoldenInbound maps it and
// writes it back) and an outbound one (TestGoldenOutbound writes it in
// both directories and reads it back), so that no type goes untested one
// way when fixtures change.
func TestOrderResponseGoldensCoverEachType(t *testing.T) {
	types := []procuros.OrderResponseType{procuros.OrderResponseAccept, procuros.OrderResponseReject, procuros.OrderResponseChange}
	inbound := map[string]bool{} // "D96A ACCEPT"
	files, err := filepath.Glob(filepath.Join(testdataDir, "ordrsp_*.json"))
	require.NoError(t, err)
	for _, file := range files {
		data, err := os.ReadFile(file)
		require.NoError(t, err)
		var rep struct {
			Messages []struct {
				Type        string `json:"type"`
				Transaction *struct {
					Content struct {
						Header struct{ Type string } `json:"header"`
					} `json:"content"`
				} `json:"transaction"`
			} `json:"messages"`
		}
		require.NoError(t, json.Unmarshal(data, &rep), file)
		for _, msg := range rep.Messages {
			if msg.Transaction != nil {
				v := strings.Split(msg.Type, ":") // ORDRSP:D:01B:UN:EAN010
				inbound[v[1]+v[2]+" "+msg.Transaction.Content.Header.Type] = true
			}
		}
	}
	outbound := map[procuros.OrderResponseType]bool{}
	for _, fx := range readOutboundFixtures(t) {
		if fx.typ != procuros.TypeOrderResponse {
			continue
		}
		c, err := procuros.DecodeContent(fx.typ, fx.raw)
		require.NoError(t, err)
		outbound[c.(*procuros.OrderResponse).Header.Type] = true
	}
	for _, typ := range types {
		for _, dir := range []string{"D96A", "D01B"} {
			assert.True(t, inbound[dir+" "+string(typ)], "an inbound golden ORDRSP %s of type %s", dir, typ)
		}
		assert.True(t, outbound[typ], "an outbound golden ORDER_RESPONSE of type %s", typ)
	}
}
