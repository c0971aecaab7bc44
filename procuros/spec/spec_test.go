package spec_test

import (
	"encoding/json"
	"net/url"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edibridge/edibridge/procuros/spec"
)

func validator(t *testing.T) *spec.Validator {
	t.Helper()
	v, err := spec.NewValidator()
	require.NoError(t, err)
	return v
}

// normalise turns an example value (decoded from YAML) into what DecodeJSON
// yields for the same JSON.
func normalise(t *testing.T, v any) any {
	t.Helper()
	data, err := json.Marshal(v)
	require.NoError(t, err)
	out, err := spec.DecodeJSON(data)
	require.NoError(t, err)
	return out
}

func examples(t *testing.T, doc *openapi3.T, method, path string) openapi3.Examples {
	t.Helper()
	op := doc.Paths.Value(path).GetOperation(method)
	require.NotNil(t, op, "%s %s", method, path)
	return op.RequestBody.Value.Content.Get("application/json").Examples
}

func responseExamples(t *testing.T, doc *openapi3.T, method, path, status string) openapi3.Examples {
	t.Helper()
	op := doc.Paths.Value(path).GetOperation(method)
	return op.Responses.Value(status).Value.Content.Get("application/json").Examples
}

// dateTimeFields prefixes each field with "content." for brevity below.
func paths(prefix string, fields ...string) []string {
	out := make([]string, len(fields))
	for i, f := range fields {
		out[i] = prefix + f
	}
	return out
}

func join(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// TestSendExamples runs every published example of POST /v2/transactions
// through the validator. SPEC-NOTES.md predicts date-only DateTimes
// (item 1) and the structural gaps of item 3; the examples also show gaps
// the notes do not list: the CreditNote example lacks isInvoicedItem and the
// required summary, the SalesReport example a lineNumber, and the
// DispatchInstructionResponse and ReceivalNotice examples carry nulls where
// the schema allows none.
func TestSendExamples(t *testing.T) {
	v := validator(t)
	h := "content.header."
	want := map[string][]string{
		"Order": join(paths(h, "orderDate", "requestedDeliveryDate"), []string{
			"content.items.0.modificationGroups.0.basis",
			"content.items.0.modificationGroups.0.level",
			"content.items.0.tax.amount",
		}),
		"Minimal Order":           paths(h, "orderDate", "requestedDeliveryDate"),
		"Order Response | ACCEPT": paths(h, "confirmedDeliveryDate", "orderDate", "orderResponseDate", "requestedDeliveryDate"),
		"Order Response | REJECT": paths(h, "orderDate", "orderResponseDate"),
		"Order Response | CHANGE": paths(h, "confirmedDeliveryDate", "orderDate", "orderResponseDate", "requestedDeliveryDate"),
		"Shipping Notice":         paths(h, "despatchDate", "expectedDeliveryDate", "orderDate", "requestedDeliveryDate", "shippingNoticeDate"),
		"Invoice": join(paths(h, "invoiceDate", "orderDate", "shippingNoticeDate"),
			[]string{"content.items.0.isInvoicedItem", "content.items.1.isInvoicedItem"}),
		"CreditNote": join(paths(h, "creditNoteDate", "invoiceDate", "orderDate", "shippingNoticeDate"),
			[]string{"content.items.0.isInvoicedItem", "content.items.1.isInvoicedItem", "content.summary"}),
		"DispatchInstruction": nil,
		"DispatchInstructionResponse": join(paths(h, "comments", "orderDate"), []string{
			"content.transportUnits.0.containedTradeUnitCount",
			"content.transportUnits.0.items.0.openQuantityAction",
			"content.transportUnits.0.items.0.unitPrice",
			"content.transportUnits.0.unitType",
		}),
		"ReceivalNotice": {
			"content.transportUnits.0.containedTradeUnitCount",
			"content.transportUnits.0.items.0.currency",
			"content.transportUnits.0.items.0.openQuantityAction",
			"content.transportUnits.0.items.0.unitPrice",
			"content.transportUnits.0.unitType",
		},
		"RemittanceAdvice": join(paths(h, "adviceDate", "remittanceDate"), []string{"content.items.0.documentDate"}),
		"ProductCatalog":   paths(h, "catalogDate"),
		"InventoryReport":  paths(h, "inventoryReportDate"),
		"SalesReport": join(paths(h, "salesPeriodEndDate", "salesPeriodStartDate", "salesReportDate"),
			[]string{"content.locations.0.items.0.lineNumber"}),
	}
	exs := examples(t, v.Document(), "POST", "/v2/transactions")
	require.Len(t, exs, len(want), "one expectation per published example")
	for name, ex := range exs {
		t.Run(name, func(t *testing.T) {
			expected, ok := want[name]
			require.True(t, ok, "unexpected example %q", name)
			errs := v.SentTransaction(normalise(t, ex.Value.Value))
			assert.Equal(t, expected, nilIfEmpty(errs.Paths()), "problems: %v", errs)
		})
	}
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

func TestDateOnlyMessage(t *testing.T) {
	v := validator(t)
	ex := examples(t, v.Document(), "POST", "/v2/transactions")["Minimal Order"]
	errs := v.SentTransaction(normalise(t, ex.Value.Value))
	assert.Equal(t, []string{"The content.header.orderDate field must be a date-time with time of day and zone, such as 2021-10-23T00:00:00+02:00."},
		errs["content.header.orderDate"], "pattern and format failures merge into one message")
}

func TestMarkProcessedExamples(t *testing.T) {
	v := validator(t)
	for name, ex := range examples(t, v.Document(), "PUT", "/v2/transactions/{procurosTransactionId}") {
		errs, err := v.RequestBody("PUT", "/v2/transactions/{procurosTransactionId}", normalise(t, ex.Value.Value))
		require.NoError(t, err)
		assert.Empty(t, errs, name)
	}
}

// TestBulkMarkExample: the published example is a bare array, the schema
// an object with items (SPEC-NOTES item 4).
func TestBulkMarkExample(t *testing.T) {
	v := validator(t)
	ex := examples(t, v.Document(), "POST", "/v2/transactions/bulk/mark-processed")["Example"]
	require.NotNil(t, ex)
	errs, err := v.RequestBody("POST", "/v2/transactions/bulk/mark-processed", normalise(t, ex.Value.Value))
	require.NoError(t, err)
	assert.Equal(t, []string{""}, errs.Paths(), "the body itself is wrong: %v", errs)

	items := normalise(t, map[string]any{"items": ex.Value.Value})
	errs, err = v.RequestBody("POST", "/v2/transactions/bulk/mark-processed", items)
	require.NoError(t, err)
	assert.Empty(t, errs, "wrapped in {items: ...} it is valid")
}

// TestListExamples validates the content of every transaction of the list
// examples against the schema its type names: the same date-only values and
// missing isInvoicedItem as the send examples.
func TestListExamples(t *testing.T) {
	v := validator(t)
	want := map[string][]string{
		"ORDER":           paths("header.", "orderDate", "requestedDeliveryDate"),
		"SHIPPING_NOTICE": paths("header.", "despatchDate", "expectedDeliveryDate", "orderDate", "requestedDeliveryDate", "shippingNoticeDate"),
		"INVOICE": join(paths("header.", "invoiceDate", "orderDate", "shippingNoticeDate"),
			[]string{"items.0.isInvoicedItem", "items.1.isInvoicedItem"}),
	}
	for _, path := range []string{"/v2/transactions", "/v2/all-transactions"} {
		ex := responseExamples(t, v.Document(), "GET", path, "200")["List of transactions"]
		page := normalise(t, ex.Value.Value).(map[string]any)
		items := page["items"].([]any)
		require.Len(t, items, 3)
		envelope := map[string]string{"/v2/transactions": "ReceivedTransaction", "/v2/all-transactions": "Transaction"}[path]
		for _, item := range items {
			tx := item.(map[string]any)
			typ := tx["type"].(string)
			errs, err := v.Envelope(envelope, tx)
			require.NoError(t, err)
			assert.Equal(t, paths("content.", want[typ]...), errs.Paths(), "%s %s: %v", path, typ, errs)
		}
	}
}

// TestShowExample: the single transaction has the order example's dates.
func TestShowExample(t *testing.T) {
	v := validator(t)
	ex := responseExamples(t, v.Document(), "GET", "/v2/all-transactions/{procurosTransactionId}", "200")["Single Transaction"]
	data := normalise(t, ex.Value.Value).(map[string]any)["data"]
	errs, err := v.Envelope("Transaction", data)
	require.NoError(t, err)
	assert.Equal(t, paths("content.header.", "orderDate", "requestedDeliveryDate"), errs.Paths(), "%v", errs)

	delete(data.(map[string]any), "content")
	errs, err = v.Envelope("Transaction", data)
	require.NoError(t, err)
	assert.Equal(t, []string{"content"}, errs.Paths())
}

// TestOneOfErrorsStayAtOneOf: validating content through the spec's oneOf
// reports one problem at the oneOf, not the errors of twelve branches.
func TestOneOfErrorsStayAtOneOf(t *testing.T) {
	v := validator(t)
	errs, err := v.Schema("TransactionContent", map[string]any{"header": map[string]any{}})
	require.NoError(t, err)
	assert.Equal(t, []string{""}, errs.Paths())
}

func TestValidationErrorExamples(t *testing.T) {
	v := validator(t)
	for name, ex := range responseExamples(t, v.Document(), "POST", "/v2/transactions", "422") {
		errs, err := v.Schema("TransactionValidationErrorResponse", normalise(t, ex.Value.Value))
		require.NoError(t, err)
		assert.Empty(t, errs, name)
	}
}

func TestSentTransactionEnvelope(t *testing.T) {
	v := validator(t)
	tests := []struct {
		name string
		body string
		want map[string][]string
	}{
		{"not an object", `[]`, map[string][]string{"": {"The request body must be a JSON object."}}},
		{"empty", `{}`, map[string][]string{
			"type":    {"The type field is required."},
			"content": {"The content field is required."},
		}},
		// The wording of the spec's "Invalid Payload" example.
		{"unknown type", `{"type":"PAYMENT_ADVICE","content":{}}`, map[string][]string{
			"type": {`Transaction type "PAYMENT_ADVICE" is not valid`},
		}},
		{"type not a string", `{"type":7,"content":{}}`, map[string][]string{"type": {"The type field must be a string."}}},
		{"content by type", `{"type":"ORDER_RESPONSE","content":{"header":{}}}`, map[string][]string{
			"content.header.buyer":                   {"The content.header.buyer field is required."},
			"content.header.supplier":                {"The content.header.supplier field is required."},
			"content.header.orderResponseIdentifier": {"The content.header.orderResponseIdentifier field is required."},
			"content.header.orderResponseDate":       {"The content.header.orderResponseDate field is required."},
			"content.header.orderIdentifier":         {"The content.header.orderIdentifier field is required."},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			value, err := spec.DecodeJSON([]byte(tt.body))
			require.NoError(t, err)
			assert.Equal(t, spec.Errors(tt.want), v.SentTransaction(value))
		})
	}
}

// TestShippingNoticeNotDispatchResponse: a shipping notice also matches the
// DispatchInstructionResponse schema, which made the undiscriminated oneOf
// fail; by type it validates (SPEC-NOTES item 2).
func TestShippingNoticeNotDispatchResponse(t *testing.T) {
	v := validator(t)
	body := `{"type":"SHIPPING_NOTICE","content":{"header":{
		"buyer":{"identifiers":[{"identifier":"1","domain":"GS1"}]},
		"supplier":{"identifiers":[{"identifier":"2","domain":"GS1"}]},
		"shippingNoticeIdentifier":"SN1","shippingNoticeDate":"2021-11-24T00:00:00+01:00","orderIdentifier":"PO1"},
		"transportUnits":[{"items":[{"lineNumber":1,"identifiers":[{"identifier":"4","domain":"GS1"}],
		"isDepositItem":false,"orderedQuantity":1,"shippedQuantity":1}]}]}}`
	value, err := spec.DecodeJSON([]byte(body))
	require.NoError(t, err)
	assert.Empty(t, v.SentTransaction(value))

	doc := v.Document()
	oneOf := doc.Components.Schemas["TransactionContent"].Value
	content := value.(map[string]any)["content"]
	assert.Error(t, oneOf.VisitJSON(content), "the spec's own oneOf rejects it as ambiguous")
}

func TestDateTimeValues(t *testing.T) {
	v := validator(t)
	for value, valid := range map[string]bool{
		"2021-09-30T00:00:00+02:00":   true,
		"2021-10-23T00:00:00.000000Z": true,
		"2024-01-01T00:00:00+00:00":   true,
		"2021-09-30T12:00:00Z":        true,
		"2021-09-30":                  false,
		"2021-09-30T00:00:00":         false, // no zone: not RFC 3339
		"2021-09-30 00:00:00+02:00":   false, // the pattern allows a space, format date-time does not
	} {
		errs, err := v.Schema("DateTime", value)
		require.NoError(t, err)
		assert.Equal(t, valid, len(errs) == 0, "%s: %v", value, errs)
	}
}

func TestQuery(t *testing.T) {
	v := validator(t)
	errs, err := v.Query("GET", "/v2/transactions", url.Values{"per_page": {"101"}, "filter[type]": {"NOPE"}, "other": {"x"}})
	require.NoError(t, err)
	assert.Equal(t, []string{"filter[type]", "per_page"}, errs.Paths())

	errs, err = v.Query("GET", "/v2/transactions", url.Values{"per_page": {"ten"}})
	require.NoError(t, err)
	assert.Equal(t, []string{"The per_page field must be an integer."}, errs["per_page"])

	errs, err = v.Query("GET", "/v2/all-transactions", url.Values{"per_page": {"1"}, "filter[status]": {"SUCCESS"}, "filter[flow]": {"TEST"}})
	require.NoError(t, err)
	assert.Empty(t, errs)

	_, err = v.Query("GET", "/v2/nowhere", nil)
	assert.Error(t, err)
}

func TestDecodeJSON(t *testing.T) {
	v, err := spec.DecodeJSON([]byte(`{"a": 1.10}`))
	require.NoError(t, err)
	assert.Equal(t, json.Number("1.10"), v.(map[string]any)["a"], "numbers keep their text")

	_, err = spec.DecodeJSON([]byte(`{} {}`))
	assert.Error(t, err)
	_, err = spec.DecodeJSON([]byte(`{`))
	assert.Error(t, err)
}

func TestLoadOnce(t *testing.T) {
	a, err := spec.Load()
	require.NoError(t, err)
	b, err := spec.Load()
	require.NoError(t, err)
	assert.Same(t, a, b)
	assert.Contains(t, string(spec.YAML()), "openapi: 3.0.3")
}
