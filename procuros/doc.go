// Package procuros is a client for the Procuros B2B REST API v2 and the Go
// types of the transactions the EDIFACT mappings produce and consume.
//
// # Types
//
// SentTransaction, ReceivedTransaction and Transaction are the envelopes of
// the spec; Order, OrderResponse, ShippingNotice, Invoice, CreditNote and
// ReceivalNotice are typed content. JSON names are the spec's. Optional
// members are omitted when empty, so that nothing the source did not say is
// sent; unknown members of incoming JSON are ignored, since newer API
// revisions add some.
//
// Numbers that carry money, quantities, percentages or weights are Decimal,
// the decimal text itself marshalled as a JSON number, so that no float
// rounding changes a value between EDIFACT and JSON. Dates are DateTime,
// which reads date-only values and timestamps with or without zone and
// always writes RFC 3339 with zone (Europe/Berlin midnight for a date),
// satisfying the spec's DateTime pattern and format at once.
//
// # Client
//
// A Client covers the seven endpoints and applies the status rules of the
// API documentation: Send returns a SendResult whose Outcome (Transmitted,
// NoAction, Duplicate, Rejected, Unauthorized, Retryable) a runtime acts on
// without parsing messages; the other calls return *APIError for non-2xx
// answers. 408, 429, 5xx, timeouts and connection errors are retried with
// exponential backoff and jitter per RetryPolicy, honouring Retry-After,
// and a retried POST carries the very bytes of the first attempt.
//
// Package procurostest is a fake of the API for tests and the sandbox
// command; package spec embeds and applies the OpenAPI document.
package procuros
