package procuros_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edibridge/edibridge/procuros"
	"github.com/edibridge/edibridge/procuros/spec"
)

// fixtures maps the content fixtures in testdata to their types.
var fixtures = map[string]procuros.TransactionType{
	"order.json":           procuros.TypeOrder,
	"order_response.json":  procuros.TypeOrderResponse,
	"shipping_notice.json": procuros.TypeShippingNotice,
	"invoice.json":         procuros.TypeInvoice,
	"credit_note.json":     procuros.TypeCreditNote,
	"receival_notice.json": procuros.TypeReceivalNotice,
}

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return data
}

// loadFixture decodes a content fixture into its Go type.
func loadFixture(t *testing.T, name string) procuros.Content {
	t.Helper()
	c, err := procuros.DecodeContent(fixtures[name], readFixture(t, name))
	require.NoError(t, err)
	return c
}

// TestFixturesRoundTrip: each fixture is valid against the spec, decodes
// into its type and marshals back to the same JSON, so the types carry
// every member the fixtures use and change no value.
func TestFixturesRoundTrip(t *testing.T) {
	v, err := spec.NewValidator()
	require.NoError(t, err)
	for name, typ := range fixtures {
		t.Run(name, func(t *testing.T) {
			raw := readFixture(t, name)
			value, err := spec.DecodeJSON(raw)
			require.NoError(t, err)
			require.Empty(t, v.Content(string(typ), value), "the fixture itself is valid")

			c := loadFixture(t, name)
			assert.Equal(t, typ, c.TransactionType())
			out, err := json.Marshal(c)
			require.NoError(t, err)
			assert.JSONEq(t, string(raw), string(out))

			value, err = spec.DecodeJSON(out)
			require.NoError(t, err)
			assert.Empty(t, v.Content(string(typ), value))
		})
	}
}

// TestNothingInvented: a minimal order marshals to exactly what was set.
func TestNothingInvented(t *testing.T) {
	order := procuros.Order{
		Header: procuros.OrderHeader{
			Buyer:           procuros.Party{Identifiers: []procuros.PartyIdentifier{{Identifier: "1100001016310", Domain: procuros.DomainGS1}}},
			Supplier:        procuros.Party{Identifiers: []procuros.PartyIdentifier{{Identifier: "1100001016312", Domain: procuros.DomainGS1}}},
			OrderIdentifier: "PO9383-R46",
			OrderDate:       procuros.Date{Year: 2021, Month: time.September, Day: 30}.DateTime(),
		},
		Items: []procuros.OrderItem{{
			LineNumber:  1,
			Identifiers: []procuros.ItemIdentifier{{Identifier: "4300348765432", Domain: procuros.DomainGS1}},
			Quantity:    procuros.MustDecimal("20.0"),
		}},
	}
	out, err := procuros.MarshalTransaction(procuros.NewSentTransaction(order))
	require.NoError(t, err)
	assert.Equal(t, `{"type":"ORDER","content":{"header":{`+
		`"buyer":{"identifiers":[{"identifier":"1100001016310","domain":"GS1"}]},`+
		`"supplier":{"identifiers":[{"identifier":"1100001016312","domain":"GS1"}]},`+
		`"orderIdentifier":"PO9383-R46","orderDate":"2021-09-30T00:00:00+02:00"},`+
		`"items":[{"lineNumber":1,"identifiers":[{"identifier":"4300348765432","domain":"GS1"}],"quantity":20.0}]}}`,
		string(out))
}

// TestRequiredGapsSurface: a missing required value is left out, so the API
// names it, rather than filled with a zero value.
func TestRequiredGapsSurface(t *testing.T) {
	v, err := spec.NewValidator()
	require.NoError(t, err)
	out, err := json.Marshal(procuros.Invoice{Items: []procuros.InvoiceItem{{LineNumber: procuros.Int(1)}}})
	require.NoError(t, err)
	value, err := spec.DecodeJSON(out)
	require.NoError(t, err)
	errs := v.Content("INVOICE", value)
	for _, path := range []string{"header.buyer", "header.invoiceDate", "header.invoiceIdentifier", "items.0.quantity", "items.0.unitPrice", "items.0.tax", "items.0.isInvoicedItem", "items.0.isDepositItem"} {
		assert.Contains(t, errs, path)
	}
	assert.NotContains(t, errs, "items.0.lineNumber", "a set line number is written")
}

// TestRequiredIntsAndBoolsNotInvented: the required integers and booleans of
// every content type are left out when nothing set them, so the API reports
// them missing instead of receiving an invented 0 or false; set to 0 or false
// they are written.
func TestRequiredIntsAndBoolsNotInvented(t *testing.T) {
	groups := []procuros.ModificationGroup{{}}
	terms := []procuros.PaymentTerm{{}}
	values := []any{
		procuros.PaymentTerm{},
		procuros.ModificationGroup{},
		procuros.ShippingNoticeItem{SubItems: []procuros.ShippingNoticeItem{{}}},
		procuros.InvoiceItem{ModificationGroups: groups, SubItems: []procuros.InvoiceItem{{}}},
		procuros.CreditNoteItem{ModificationGroups: groups, SubItems: []procuros.CreditNoteItem{{}}},
		procuros.Order{Header: procuros.OrderHeader{PaymentTerms: terms}, Summary: &procuros.Summary{ModificationGroups: groups}},
		procuros.OrderResponse{Header: procuros.OrderResponseHeader{PaymentTerms: terms}},
		procuros.ShippingNotice{TransportUnits: []procuros.ShippingNoticeTransportUnit{{Items: []procuros.ShippingNoticeItem{{}}}}},
		procuros.Invoice{Header: procuros.InvoiceHeader{PaymentTerms: terms}, Items: []procuros.InvoiceItem{{}}},
		procuros.CreditNote{Header: procuros.CreditNoteHeader{PaymentTerms: terms}, Items: []procuros.CreditNoteItem{{}}},
	}
	for _, v := range values {
		out, err := json.Marshal(v)
		require.NoError(t, err)
		for _, name := range []string{"payInNumberOfDays", "level", "lineNumber", "isDepositItem", "isInvoicedItem", "false", ":0"} {
			assert.NotContains(t, string(out), name, "%T", v)
		}
	}

	out, err := json.Marshal(procuros.InvoiceItem{LineNumber: procuros.Int(0), IsDepositItem: procuros.Bool(false), IsInvoicedItem: procuros.Bool(false)})
	require.NoError(t, err)
	assert.JSONEq(t, `{"lineNumber":0,"isDepositItem":false,"isInvoicedItem":false}`, string(out))
	out, err = json.Marshal(procuros.PaymentTerm{PayInNumberOfDays: procuros.Int(0)})
	require.NoError(t, err)
	assert.JSONEq(t, `{"payInNumberOfDays":0}`, string(out))
}

// TestUnknownMembersIgnored: newer API revisions add members; they must not
// break decoding.
func TestUnknownMembersIgnored(t *testing.T) {
	raw := `{"procurosTransactionId":"949b2f25-fd9d-4c58-8899-b4dc277f8cf9","type":"ORDER",
		"isLatestVersion":false,"replacedByProcurosTransactionId":"a6f3c5e2-0000-4000-8000-000000000001",
		"somethingNew":{"x":1},
		"content":{"header":{"orderIdentifier":"PO1","orderDate":"2021-09-30","futureField":true,
		"buyer":{"identifiers":[{"identifier":"1","domain":"GS1","extra":"x"}]}},
		"items":[{"lineNumber":1,"quantity":20.0,"unitPrice":null,"newThing":[1,2]}]}}`
	var tx procuros.ReceivedTransaction
	require.NoError(t, json.Unmarshal([]byte(raw), &tx))
	require.NotNil(t, tx.IsLatestVersion)
	assert.False(t, *tx.IsLatestVersion)
	assert.Equal(t, "a6f3c5e2-0000-4000-8000-000000000001", tx.ReplacedByProcurosTransactionID)

	c, err := tx.DecodeContent()
	require.NoError(t, err)
	order := c.(*procuros.Order)
	assert.Equal(t, "PO1", order.Header.OrderIdentifier)
	assert.True(t, order.Header.OrderDate.DateOnly)
	assert.Equal(t, procuros.Decimal("20.0"), order.Items[0].Quantity)
	assert.True(t, order.Items[0].UnitPrice.IsZero(), "null is absent")
}

func TestDecodeContentErrors(t *testing.T) {
	_, err := procuros.DecodeContent(procuros.TypeSalesReport, json.RawMessage(`{}`))
	assert.ErrorIs(t, err, procuros.ErrUnsupportedType)
	_, err = procuros.DecodeContent(procuros.TypeOrder, nil)
	assert.Error(t, err)
	_, err = procuros.DecodeContent(procuros.TypeOrder, json.RawMessage(`{"header":[]}`))
	assert.Error(t, err)
}

func TestTransportUnitItemsNeverNull(t *testing.T) {
	out, err := json.Marshal(procuros.ShippingNoticeTransportUnit{UnitType: procuros.UnitTypePallet})
	require.NoError(t, err)
	assert.JSONEq(t, `{"unitType":"PALLET","items":[]}`, string(out))
}
