// Package procuros is a client for the Procuros B2B REST API v2 and the Go
// types of the transactions the EDIFACT mappings produce and consume.
//
// # Types
//
// SentTransaction, ReceivedTransaction and Transaction are the envelopes of
// the spec; Order, OrderResponse, ShippingNotice, Invoice, CreditNote and
// ReceivalNotice are typed content. JSON names are the spec's. Members are
// omitted when empty, so that nothing the source did not say is sent: an
// optional member is left out, a required one reaches the API as missing
// and comes back as its "field is required" (required integers and
// booleans are pointers for that reason; see parts.go). Unknown members of
// incoming JSON are ignored, since newer API revisions add some.
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
// NoAction, Duplicate, Rejected, Unauthorized, Retryable, Misconfigured) a
// runtime acts on without parsing messages; only 201 and 202 count as
// delivered, and redirects are never followed. The other calls return
// *APIError for non-2xx answers. 408, 429, 5xx, timeouts and connection
// errors are retried with exponential backoff and jitter per RetryPolicy,
// honouring Retry-After, and a retried POST carries the very bytes of the
// first attempt; certificate failures and requests that cannot be built
// are not retried (Misconfigured, ErrMisconfigured). Ids are checked to be
// UUIDs before they are sent.
//
// Incoming and AllTransactions iterate over the pages of a list, each
// transaction once, and stop with an error rather than spin on a server
// whose cursors do not advance. Incoming starts again from the first page
// once its cursors run out, so that marking transactions while iterating
// skips none, whatever the server's cursors are (API-RULES §3).
//
// Package procurostest is a fake of the API for tests and the sandbox
// command; package spec embeds and applies the OpenAPI document.
package procuros
