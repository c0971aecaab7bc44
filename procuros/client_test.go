package procuros_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edibridge/edibridge/procuros"
	"github.com/edibridge/edibridge/procuros/procurostest"
)

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// fake starts the fake API with token secret.
func fake(t *testing.T, opts procurostest.Options) *procurostest.TestServer {
	t.Helper()
	if opts.Token == "" {
		opts.Token = secret
	}
	ts, err := procurostest.Start(opts)
	require.NoError(t, err)
	t.Cleanup(ts.Close)
	return ts
}

// testConfig is a client configuration with fast retries for ts.
func testConfig(ts *procurostest.TestServer) procuros.Config {
	cfg := ts.Config()
	cfg.Retry = procuros.RetryPolicy{MaxAttempts: 3, InitialDelay: time.Millisecond, MaxDelay: 20 * time.Millisecond}
	cfg.Timeout = 5 * time.Second
	return cfg
}

func newClient(t *testing.T, cfg procuros.Config) *procuros.Client {
	t.Helper()
	c, err := procuros.NewClient(cfg)
	require.NoError(t, err)
	return c
}

// bodyRecorder records the body of every request it carries.
type bodyRecorder struct {
	mu     sync.Mutex
	bodies [][]byte
}

func (b *bodyRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		data, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		b.mu.Lock()
		b.bodies = append(b.bodies, data)
		b.mu.Unlock()
		r = r.Clone(r.Context())
		r.Body = io.NopCloser(bytes.NewReader(data))
	}
	return http.DefaultTransport.RoundTrip(r)
}

func (b *bodyRecorder) all() [][]byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.bodies
}

func orderTx(t *testing.T) procuros.SentTransaction {
	return procuros.NewSentTransaction(loadFixture(t, "order.json"))
}

func TestSendTransmitted(t *testing.T) {
	ts := fake(t, procurostest.Options{})
	c := newClient(t, testConfig(ts))
	ctx := t.Context()
	for name, typ := range fixtures {
		t.Run(name, func(t *testing.T) {
			tx := procuros.NewSentTransaction(loadFixture(t, name))
			res, err := c.Send(ctx, tx)
			require.NoError(t, err)
			require.Equal(t, procuros.Transmitted, res.Outcome, "%+v", res)
			assert.Regexp(t, uuidPattern, res.TransactionID)
			assert.Equal(t, 201, res.StatusCode)
			assert.Equal(t, 1, res.Attempts)
			assert.True(t, res.Delivered())

			shown, err := c.Transaction(ctx, res.TransactionID)
			require.NoError(t, err)
			assert.Equal(t, typ, shown.Type)
			assert.Equal(t, procuros.StatusSuccess, shown.Status)
			assert.JSONEq(t, string(readFixture(t, name)), string(shown.Content))
		})
	}
	for _, r := range ts.Received() {
		assert.Equal(t, 201, r.Status, "every fixture passed the fake's validation: %v", r.Errors)
	}
}

func TestSendNoAction(t *testing.T) {
	ts := fake(t, procurostest.Options{
		NotForwardedTypes:    []procuros.TransactionType{procuros.TypeInvoice},
		NotForwardedPartners: []string{"4012345000016"}, // the order's ship-to
	})
	c := newClient(t, testConfig(ts))

	res, err := c.Send(t.Context(), procuros.NewSentTransaction(loadFixture(t, "invoice.json")))
	require.NoError(t, err)
	assert.Equal(t, procuros.NoAction, res.Outcome)
	assert.Equal(t, 202, res.StatusCode)
	assert.Contains(t, res.Message, "INVOICE")
	assert.True(t, res.Delivered())

	res, err = c.Send(t.Context(), orderTx(t))
	require.NoError(t, err)
	assert.Equal(t, procuros.NoAction, res.Outcome)
	assert.Equal(t, "Trade relationship not yet active.", res.Message)

	res, err = c.Send(t.Context(), procuros.NewSentTransaction(loadFixture(t, "order_response.json")))
	require.NoError(t, err)
	assert.Equal(t, procuros.Transmitted, res.Outcome, "other partners and types are forwarded")
}

func TestSendDuplicate(t *testing.T) {
	ts := fake(t, procurostest.Options{})
	c := newClient(t, testConfig(ts))
	first, err := c.Send(t.Context(), orderTx(t))
	require.NoError(t, err)
	require.Equal(t, procuros.Transmitted, first.Outcome)

	again, err := c.Send(t.Context(), orderTx(t))
	require.NoError(t, err)
	assert.Equal(t, procuros.Duplicate, again.Outcome)
	assert.Equal(t, 400, again.StatusCode)
	assert.Equal(t, "Payload already received", again.Message)
	assert.NotEmpty(t, again.ErrorURL)
	assert.True(t, again.Delivered())
	assert.Equal(t, 1, ts.Duplicates())
	require.Len(t, ts.Received(), 1)
	assert.Equal(t, 1, ts.Received()[0].Duplicates)
}

func TestSendRejectedInvalid(t *testing.T) {
	ts := fake(t, procurostest.Options{})
	c := newClient(t, testConfig(ts))
	// The published Minimal Order, with its date-only values.
	content := json.RawMessage(`{"header":{"buyer":{"identifiers":[{"identifier":"1100001016310","domain":"GS1"}]},
		"supplier":{"identifiers":[{"identifier":"1100001016312","domain":"GS1"}]},
		"orderIdentifier":"PO9383-R46","orderDate":"2021-09-30","currency":"EUR","requestedDeliveryDate":"2021-10-05"},
		"items":[{"lineNumber":1,"identifiers":[{"identifier":"4300348765432","domain":"GS1"}],"isDepositItem":false,"quantity":20.0,"unitOfMeasure":"EA"}]}`)
	res, err := c.Send(t.Context(), procuros.SentTransaction{Type: procuros.TypeOrder, Content: content})
	require.NoError(t, err)
	assert.Equal(t, procuros.Rejected, res.Outcome)
	assert.Equal(t, 422, res.StatusCode)
	assert.Equal(t, 1, res.Attempts, "a 422 is never retried")
	assert.Equal(t, "The given data was invalid.", res.Message)
	assert.Contains(t, res.Errors, "content.header.orderDate")
	assert.Contains(t, res.Errors, "content.header.requestedDeliveryDate")
	assert.False(t, res.Delivered())

	// The errorUrl resolves on the fake, like a portal link.
	require.True(t, strings.HasPrefix(res.ErrorURL, ts.URL+"/_admin/errors/"), res.ErrorURL)
	resp, err := http.Get(res.ErrorURL)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
}

func TestSendRejectedBadRequest(t *testing.T) {
	ts := fake(t, procurostest.Options{})
	c := newClient(t, testConfig(ts))
	res, err := c.SendPayload(t.Context(), []byte(`{"type":"ORDER",`))
	require.NoError(t, err)
	assert.Equal(t, procuros.Rejected, res.Outcome)
	assert.Equal(t, 400, res.StatusCode)
	assert.Equal(t, "The request body is not valid JSON.", res.Message)
	assert.NotEmpty(t, res.ErrorURL)
}

func TestSendUnauthorized(t *testing.T) {
	ts := fake(t, procurostest.Options{})
	cfg := testConfig(ts)
	cfg.Token = "wrong-token-4711"
	c := newClient(t, cfg)
	res, err := c.Send(t.Context(), orderTx(t))
	require.NoError(t, err)
	assert.Equal(t, procuros.Unauthorized, res.Outcome)
	assert.Equal(t, 401, res.StatusCode)
	assert.Equal(t, 1, res.Attempts)
	assert.Equal(t, "token not valid for "+ts.URL+"/v2 (HTTP 401: Unauthenticated.)", res.Message)
	assert.NotContains(t, res.Message, "wrong-token-4711")
	assert.Empty(t, ts.Received(), "nothing was processed")
}

func TestSendRetryableExhausted(t *testing.T) {
	ts := fake(t, procurostest.Options{})
	require.NoError(t, ts.InjectFault(procurostest.Fault{Kind: procurostest.FaultServerError, Count: 5}))
	c := newClient(t, testConfig(ts))
	tx := orderTx(t)
	res, err := c.Send(t.Context(), tx)
	require.NoError(t, err, "an exhausted policy is an outcome, not an error")
	assert.Equal(t, procuros.Retryable, res.Outcome)
	assert.Equal(t, 3, res.Attempts)
	assert.Equal(t, 500, res.StatusCode)
	assert.Equal(t, "HTTP 500: Server Error", res.Message)
	assert.Positive(t, res.RetryAfter)
	assert.Empty(t, ts.Received())

	// The runtime's own retry later, with the stored payload.
	ts.ClearFaults()
	payload, err := procuros.MarshalTransaction(tx)
	require.NoError(t, err)
	res, err = c.SendPayload(t.Context(), payload)
	require.NoError(t, err)
	assert.Equal(t, procuros.Transmitted, res.Outcome)
}

// TestSendRetriesByteIdentical: 429 with Retry-After: 0 twice, then
// success; the three bodies are the same bytes.
func TestSendRetriesByteIdentical(t *testing.T) {
	ts := fake(t, procurostest.Options{})
	require.NoError(t, ts.InjectFault(procurostest.Fault{Kind: procurostest.FaultTooManyRequests, Count: 2, RetryAfter: "0"}))
	rec := &bodyRecorder{}
	cfg := testConfig(ts)
	cfg.HTTPClient = &http.Client{Transport: rec}
	c := newClient(t, cfg)
	res, err := c.Send(t.Context(), orderTx(t))
	require.NoError(t, err)
	assert.Equal(t, procuros.Transmitted, res.Outcome)
	assert.Equal(t, 3, res.Attempts)
	bodies := rec.all()
	require.Len(t, bodies, 3)
	assert.Equal(t, bodies[0], bodies[1])
	assert.Equal(t, bodies[0], bodies[2])
	assert.Equal(t, bodies[0], []byte(ts.Received()[0].Body))
}

// TestSendRetryAfterBeyondPolicy: a Retry-After longer than MaxDelay is not
// waited for in-process; it is handed to the caller.
func TestSendRetryAfterBeyondPolicy(t *testing.T) {
	ts := fake(t, procurostest.Options{})
	require.NoError(t, ts.InjectFault(procurostest.Fault{Kind: procurostest.FaultTooManyRequests, RetryAfter: "120"}))
	c := newClient(t, testConfig(ts))
	res, err := c.Send(t.Context(), orderTx(t))
	require.NoError(t, err)
	assert.Equal(t, procuros.Retryable, res.Outcome)
	assert.Equal(t, 1, res.Attempts)
	assert.Equal(t, 429, res.StatusCode)
	assert.Equal(t, 120*time.Second, res.RetryAfter)
}

// TestSendTimeoutRetried: the first attempt hangs past the client's
// timeout, unprocessed; the retry goes through once.
func TestSendTimeoutRetried(t *testing.T) {
	ts := fake(t, procurostest.Options{})
	require.NoError(t, ts.InjectFault(procurostest.Fault{Kind: procurostest.FaultHang, Method: "POST"}))
	cfg := testConfig(ts)
	cfg.Timeout = 500 * time.Millisecond
	c := newClient(t, cfg)
	res, err := c.Send(t.Context(), orderTx(t))
	require.NoError(t, err)
	assert.Equal(t, procuros.Transmitted, res.Outcome)
	assert.Equal(t, 2, res.Attempts)
	assert.Len(t, ts.Received(), 1)
}

// TestSendLostResponseIsDuplicate: the first attempt is processed but its
// response never arrives; the byte-identical retry meets "Payload already
// received", which means delivered.
func TestSendLostResponseIsDuplicate(t *testing.T) {
	ts := fake(t, procurostest.Options{})
	require.NoError(t, ts.InjectFault(procurostest.Fault{Kind: procurostest.FaultLoseResponse, Method: "POST", Path: "/v2/transactions"}))
	rec := &bodyRecorder{}
	cfg := testConfig(ts)
	cfg.Timeout = 500 * time.Millisecond
	cfg.HTTPClient = &http.Client{Transport: rec}
	c := newClient(t, cfg)
	res, err := c.Send(t.Context(), orderTx(t))
	require.NoError(t, err)
	assert.Equal(t, procuros.Duplicate, res.Outcome)
	assert.Equal(t, 2, res.Attempts)
	assert.True(t, res.Delivered())
	received := ts.Received()
	require.Len(t, received, 1)
	assert.Equal(t, 201, received[0].Status)
	assert.Equal(t, 1, received[0].Duplicates)
	bodies := rec.all()
	require.Len(t, bodies, 2)
	assert.Equal(t, bodies[0], bodies[1])
}

func TestSendTimeoutExhausted(t *testing.T) {
	ts := fake(t, procurostest.Options{})
	require.NoError(t, ts.InjectFault(procurostest.Fault{Kind: procurostest.FaultHang}))
	cfg := testConfig(ts)
	cfg.Timeout = 200 * time.Millisecond
	cfg.Retry = procuros.NoRetry()
	c := newClient(t, cfg)
	res, err := c.Send(t.Context(), orderTx(t))
	require.NoError(t, err)
	assert.Equal(t, procuros.Retryable, res.Outcome)
	assert.Equal(t, 0, res.StatusCode)
	assert.Contains(t, res.Message, "deadline exceeded")
	assert.Positive(t, res.RetryAfter)
}

func TestSendConnectionRefused(t *testing.T) {
	ts := fake(t, procurostest.Options{})
	cfg := testConfig(ts)
	ts.Close()
	c := newClient(t, cfg)
	res, err := c.Send(t.Context(), orderTx(t))
	require.NoError(t, err)
	assert.Equal(t, procuros.Retryable, res.Outcome)
	assert.Equal(t, 3, res.Attempts)
	assert.Equal(t, 0, res.StatusCode)
	assert.Contains(t, res.Message, "connect")
}

func TestSendContextEnds(t *testing.T) {
	ts := fake(t, procurostest.Options{})
	c := newClient(t, testConfig(ts))

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := c.Send(ctx, orderTx(t))
	assert.ErrorIs(t, err, context.Canceled)

	require.NoError(t, ts.InjectFault(procurostest.Fault{Kind: procurostest.FaultHang}))
	ctx, cancel = context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	_, err = c.Send(ctx, orderTx(t))
	assert.ErrorIs(t, err, context.DeadlineExceeded, "the caller's deadline is an error, not a Retryable outcome")
}

func TestSendMarshalErrors(t *testing.T) {
	ts := fake(t, procurostest.Options{})
	c := newClient(t, testConfig(ts))
	_, err := c.Send(t.Context(), procuros.SentTransaction{Type: procuros.TypeOrder, Content: procuros.Order{
		Items: []procuros.OrderItem{{Quantity: "twenty"}},
	}})
	assert.ErrorContains(t, err, `"twenty" is not a decimal number`)
	_, err = c.Send(t.Context(), procuros.SentTransaction{Content: procuros.Order{}})
	assert.Error(t, err)
	assert.Empty(t, ts.Requests(), "nothing was sent")
}

// seed queues n incoming transactions of type typ with fixture content.
func seed(t *testing.T, ts *procurostest.TestServer, typ procuros.TransactionType, fixture string, n int) []string {
	t.Helper()
	content := json.RawMessage(readFixture(t, fixture))
	ids := make([]string, n)
	for i := range ids {
		id, err := ts.AddIncoming(typ, content)
		require.NoError(t, err)
		ids[i] = id
	}
	return ids
}

// TestIncomingWhileMarking pages through incoming orders three at a time
// and marks each as it arrives; every one is seen exactly once.
func TestIncomingWhileMarking(t *testing.T) {
	ts := fake(t, procurostest.Options{})
	orders := seed(t, ts, procuros.TypeOrder, "order.json", 7)
	invoices := seed(t, ts, procuros.TypeInvoice, "invoice.json", 2)
	c := newClient(t, testConfig(ts))

	var seen []string
	for tx, err := range c.Incoming(t.Context(), procuros.IncomingQuery{Type: procuros.TypeOrder, PerPage: 3}) {
		require.NoError(t, err)
		content, err := tx.DecodeContent()
		require.NoError(t, err)
		assert.Equal(t, "PO-2024-0815", content.(*procuros.Order).Header.OrderIdentifier)
		_, err = c.MarkProcessed(t.Context(), tx.ProcurosTransactionID, procuros.Processed())
		require.NoError(t, err)
		seen = append(seen, tx.ProcurosTransactionID)
	}
	assert.Equal(t, orders, seen)

	var gets []string
	for _, r := range ts.Requests() {
		if r.Method == "GET" {
			gets = append(gets, r.Path)
			assert.Contains(t, r.Path, "per_page=3")
			assert.Contains(t, r.Path, "filter%5Btype%5D=ORDER")
		}
	}
	assert.Len(t, gets, 4, "pages of 3, 3 and 1, then a pass from the start that finds nothing new")
	assert.NotContains(t, gets[3], "cursor=")

	var left []string
	for tx, err := range c.Incoming(t.Context(), procuros.IncomingQuery{}) {
		require.NoError(t, err)
		left = append(left, tx.ProcurosTransactionID)
	}
	assert.Equal(t, invoices, left)
}

func TestIncomingPageSendsPerPage(t *testing.T) {
	ts := fake(t, procurostest.Options{})
	seed(t, ts, procuros.TypeOrder, "order.json", 2)
	c := newClient(t, testConfig(ts))
	page, err := c.IncomingPage(t.Context(), procuros.IncomingQuery{})
	require.NoError(t, err)
	assert.Equal(t, 2, page.Count)
	assert.Equal(t, 100, page.PerPage)
	assert.False(t, page.HasMore)
	assert.Empty(t, page.NextCursor)
	reqs := ts.Requests()
	assert.Equal(t, "/v2/transactions?per_page=100", reqs[len(reqs)-1].Path)

	page, err = c.IncomingPage(t.Context(), procuros.IncomingQuery{PerPage: 1})
	require.NoError(t, err)
	assert.True(t, page.HasMore)
	assert.NotEmpty(t, page.NextCursor)
	assert.Contains(t, page.NextPageURL, "cursor=")
}

// TestIncomingUnknownMembers: members of newer API revisions pass through.
func TestIncomingUnknownMembers(t *testing.T) {
	ts := fake(t, procurostest.Options{})
	_, err := ts.AddIncomingJSON([]byte(`{"type":"ORDER","isLatestVersion":false,"brandNewMember":{"a":1},
		"content":{"header":{"orderIdentifier":"PO-1","orderDate":"2021-09-30","newHeaderField":1},"items":[]}}`))
	require.NoError(t, err)
	c := newClient(t, testConfig(ts))
	page, err := c.IncomingPage(t.Context(), procuros.IncomingQuery{})
	require.NoError(t, err)
	require.Len(t, page.Items, 1)
	tx := page.Items[0]
	require.NotNil(t, tx.IsLatestVersion)
	assert.False(t, *tx.IsLatestVersion)
	content, err := tx.DecodeContent()
	require.NoError(t, err)
	assert.True(t, content.(*procuros.Order).Header.OrderDate.DateOnly)
}

func TestIncomingError(t *testing.T) {
	ts := fake(t, procurostest.Options{})
	require.NoError(t, ts.InjectFault(procurostest.Fault{Kind: procurostest.FaultServerError, Count: 3}))
	c := newClient(t, testConfig(ts))
	var errs []error
	for _, err := range c.Incoming(t.Context(), procuros.IncomingQuery{}) {
		errs = append(errs, err)
	}
	require.Len(t, errs, 1)
	var apiErr *procuros.APIError
	require.ErrorAs(t, errs[0], &apiErr)
	assert.Equal(t, 500, apiErr.StatusCode)
	assert.True(t, apiErr.Retryable)
	assert.Positive(t, apiErr.RetryAfter)
	assert.ErrorContains(t, errs[0], "procuros: list incoming transactions: HTTP 500: Server Error")
}

func TestMarkProcessed(t *testing.T) {
	ts := fake(t, procurostest.Options{})
	ids := seed(t, ts, procuros.TypeOrder, "order.json", 2)
	c := newClient(t, testConfig(ts))

	ok, err := c.MarkProcessed(t.Context(), ids[0], procuros.Processed())
	require.NoError(t, err)
	assert.Equal(t, "OK.", ok.Message)
	assert.Empty(t, ok.ErrorURL)

	failed, err := c.MarkProcessed(t.Context(), ids[1], procuros.Failed(procuros.ErrorTypeData,
		"Product GTIN '0001647296281' not found", map[string]string{"line": "3"}))
	require.NoError(t, err)
	assert.Equal(t, ts.URL+"/_admin/transactions/"+ids[1]+"/errors", failed.ErrorURL)

	marks := ts.Marks()
	require.Len(t, marks, 2)
	assert.True(t, marks[0].Success)
	assert.False(t, marks[1].Success)
	assert.Equal(t, "DATA", marks[1].ErrorType)
	assert.Equal(t, map[string]string{"line": "3"}, marks[1].ErrorContext)
	assert.Empty(t, ts.Pending())

	shown, err := c.Transaction(t.Context(), ids[1])
	require.NoError(t, err)
	assert.Equal(t, procuros.StatusFailed, shown.Status)
}

func TestMarkProcessedErrors(t *testing.T) {
	ts := fake(t, procurostest.Options{})
	ids := seed(t, ts, procuros.TypeOrder, "order.json", 1)
	c := newClient(t, testConfig(ts))

	_, err := c.MarkProcessed(t.Context(), "949b2f25-fd9d-4c58-8899-b4dc277f8cf9", procuros.Processed())
	assert.ErrorIs(t, err, procuros.ErrNotFound)
	assert.ErrorContains(t, err, "procuros: mark 949b2f25-fd9d-4c58-8899-b4dc277f8cf9 processed: HTTP 404: Transaction not found.")

	_, err = c.MarkProcessed(t.Context(), ids[0], procuros.Failed("BROKEN", "x", nil))
	var apiErr *procuros.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 422, apiErr.StatusCode)
	assert.Contains(t, apiErr.Errors, "errorType")
	assert.False(t, apiErr.Retryable)
	assert.Len(t, ts.Pending(), 1, "nothing was marked")
}

func TestBulkMarkProcessed(t *testing.T) {
	ts := fake(t, procurostest.Options{})
	ids := seed(t, ts, procuros.TypeOrder, "order.json", 2300)
	c := newClient(t, testConfig(ts))
	items := make([]procuros.BulkMarkItem, len(ids))
	for i, id := range ids {
		items[i] = procuros.BulkMarkItem{ProcurosTransactionID: id, ProcessingResult: procuros.Processed()}
	}
	items[5].ProcessingResult = procuros.Failed(procuros.ErrorTypeInternal, "disk full", nil)

	results, err := c.BulkMarkProcessed(t.Context(), items)
	require.NoError(t, err)
	require.Len(t, results, len(ids))
	assert.Equal(t, ids[5], results[5].ProcurosTransactionID)
	assert.NotEmpty(t, results[5].ErrorURL)
	assert.Empty(t, results[6].ErrorURL)
	assert.Empty(t, ts.Pending())

	var posts int
	for _, r := range ts.Requests() {
		if r.Method == "POST" {
			posts++
			assert.Equal(t, "/v2/transactions/bulk/mark-processed", r.Path)
		}
	}
	assert.Equal(t, 3, posts, "chunks of 1000, 1000 and 300")
	assert.Len(t, ts.Marks(), len(ids))
	assert.True(t, ts.Marks()[0].Bulk)

	none, err := c.BulkMarkProcessed(t.Context(), nil)
	require.NoError(t, err)
	assert.Empty(t, none)
	assert.Equal(t, 3, len(ts.Requests())-countGets(ts), "an empty list sends nothing")
}

func countGets(ts *procurostest.TestServer) int {
	n := 0
	for _, r := range ts.Requests() {
		if r.Method == "GET" {
			n++
		}
	}
	return n
}

func TestBulkMarkProcessedUnknownID(t *testing.T) {
	ts := fake(t, procurostest.Options{})
	ids := seed(t, ts, procuros.TypeOrder, "order.json", 1001)
	c := newClient(t, testConfig(ts))
	items := make([]procuros.BulkMarkItem, len(ids))
	for i, id := range ids {
		items[i] = procuros.BulkMarkItem{ProcurosTransactionID: id, ProcessingResult: procuros.Processed()}
	}
	items[1000].ProcurosTransactionID = "949b2f25-fd9d-4c58-8899-b4dc277f8cf9"
	results, err := c.BulkMarkProcessed(t.Context(), items)
	assert.Len(t, results, 1000, "the first chunk went through")
	var apiErr *procuros.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 422, apiErr.StatusCode)
	assert.Contains(t, apiErr.Errors, "items.0.procurosTransactionId")
	assert.ErrorContains(t, err, "procuros: bulk mark items 1001 to 1001 of 1001 processed")
	assert.Len(t, ts.Pending(), 1)
}

func TestReportError(t *testing.T) {
	ts := fake(t, procurostest.Options{})
	c := newClient(t, testConfig(ts))
	res, err := c.ReportError(t.Context(), procuros.ErrorReport{
		ErrorReason: "UNH segment count mismatch", ErrorType: procuros.ErrorTypeData,
		ErrorContext: map[string]string{"file": "orders.edi"}, TransactionIdentifier: "INV-1", TransactionType: procuros.TypeInvoice,
	})
	require.NoError(t, err)
	assert.Equal(t, "OK.", res.Message)
	require.True(t, strings.HasPrefix(res.ErrorURL, ts.URL+"/_admin/errors/"), res.ErrorURL)
	reported := ts.Errors()
	require.Len(t, reported, 1)
	assert.Equal(t, "INV-1", reported[0].TransactionIdentifier)
	assert.Equal(t, res.ErrorURL, reported[0].ErrorURL)

	_, err = c.ReportError(t.Context(), procuros.ErrorReport{ErrorReason: "no type"})
	var apiErr *procuros.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 422, apiErr.StatusCode)
	assert.Contains(t, apiErr.Errors, "errorType")
}

func TestPing(t *testing.T) {
	ts := fake(t, procurostest.Options{})
	require.NoError(t, newClient(t, testConfig(ts)).Ping(t.Context()))

	cfg := testConfig(ts)
	cfg.Token = "nope-" + secret
	err := newClient(t, cfg).Ping(t.Context())
	assert.ErrorIs(t, err, procuros.ErrUnauthorized)
	assert.EqualError(t, err, "procuros: ping: token not valid for "+ts.URL+"/v2 (HTTP 401: Unauthenticated.)")
}

func TestAllTransactions(t *testing.T) {
	ts := fake(t, procurostest.Options{})
	c := newClient(t, testConfig(ts))
	for _, name := range []string{"order.json", "invoice.json", "order_response.json"} {
		res, err := c.Send(t.Context(), procuros.NewSentTransaction(loadFixture(t, name)))
		require.NoError(t, err)
		require.Equal(t, procuros.Transmitted, res.Outcome)
	}
	seed(t, ts, procuros.TypeOrder, "order.json", 2)

	count := func(q procuros.AllTransactionsQuery) int {
		n := 0
		for tx, err := range c.AllTransactions(t.Context(), q) {
			require.NoError(t, err)
			assert.False(t, tx.CreatedAt.IsZero())
			n++
		}
		return n
	}
	today := procuros.NewDateTime(time.Now().In(procuros.Berlin())).Date()
	yesterday := procuros.NewDateTime(time.Now().In(procuros.Berlin()).AddDate(0, 0, -1)).Date()
	assert.Equal(t, 5, count(procuros.AllTransactionsQuery{PerPage: 2}))
	assert.Equal(t, 3, count(procuros.AllTransactionsQuery{Type: procuros.TypeOrder}))
	assert.Equal(t, 2, count(procuros.AllTransactionsQuery{Status: procuros.StatusPending}))
	assert.Equal(t, 5, count(procuros.AllTransactionsQuery{Flow: procuros.FlowLive, CreatedFrom: today, CreatedTo: today}))
	assert.Equal(t, 0, count(procuros.AllTransactionsQuery{Flow: procuros.FlowTest}))
	assert.Equal(t, 0, count(procuros.AllTransactionsQuery{CreatedFrom: yesterday, CreatedTo: yesterday}))

	_, err := c.AllTransactionsPage(t.Context(), procuros.AllTransactionsQuery{CreatedFrom: today})
	assert.ErrorContains(t, err, "created between needs both dates")
}

func TestTransactionNotFound(t *testing.T) {
	ts := fake(t, procurostest.Options{})
	_, err := newClient(t, testConfig(ts)).Transaction(t.Context(), "949b2f25-fd9d-4c58-8899-b4dc277f8cf9")
	assert.ErrorIs(t, err, procuros.ErrNotFound)
	assert.NotErrorIs(t, err, procuros.ErrUnauthorized)
}

// TestTokenNotInLogsOrErrors runs calls that fail and retry with debug
// logging on, and finds the token in none of the output.
func TestTokenNotInLogsOrErrors(t *testing.T) {
	ts := fake(t, procurostest.Options{})
	var logs syncBuffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg := testConfig(ts)
	cfg.Logger = logger
	good := newClient(t, cfg)
	cfg.Token = procuros.Token("bad-" + secret)
	bad := newClient(t, cfg)

	var out []string
	require.NoError(t, ts.InjectFault(procurostest.Fault{Kind: procurostest.FaultServerError, Count: 3}))
	res, err := good.Send(t.Context(), orderTx(t))
	require.NoError(t, err)
	out = append(out, fmt.Sprintf("%+v", res))
	res, err = bad.Send(t.Context(), orderTx(t))
	require.NoError(t, err)
	out = append(out, fmt.Sprintf("%+v", res))
	out = append(out, fmt.Sprint(bad.Ping(t.Context())))
	_, err = bad.IncomingPage(t.Context(), procuros.IncomingQuery{})
	out = append(out, fmt.Sprint(err))
	_, err = good.MarkProcessed(t.Context(), "unknown", procuros.Processed())
	out = append(out, fmt.Sprint(err))
	out = append(out, fmt.Sprintf("%+v %v", cfg, cfg.Token))
	out = append(out, logs.String())

	assert.Contains(t, logs.String(), `"msg":"procuros: retrying"`)
	assert.Contains(t, logs.String(), `"msg":"procuros: request"`)
	for _, o := range out {
		assert.NotContains(t, o, secret)
	}
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestNewClient(t *testing.T) {
	tests := []struct {
		base    string
		want    string
		wantErr bool
	}{
		{procuros.ProductionURL, "https://api.procuros.io/v2", false},
		{procuros.StagingURL + "/", "https://api.procuros-staging.io/v2", false},
		{"https://api.procuros-staging.io/v2/", "https://api.procuros-staging.io/v2", false},
		{"https://proxy.example/procuros", "https://proxy.example/procuros/v2", false},
		{"http://127.0.0.1:8089", "http://127.0.0.1:8089/v2", false},
		{"http://localhost:8089/v2", "http://localhost:8089/v2", false},
		{"http://api.procuros.io", "", true},
		{"ftp://api.procuros.io", "", true},
		{"api.procuros.io", "", true},
		{"", "", true},
	}
	for _, tt := range tests {
		c, err := procuros.NewClient(procuros.Config{BaseURL: tt.base, Token: secret})
		if tt.wantErr {
			assert.Error(t, err, tt.base)
			continue
		}
		require.NoError(t, err, tt.base)
		assert.Equal(t, tt.want, c.BaseURL())
	}
	_, err := procuros.NewClient(procuros.Config{BaseURL: "http://api.procuros.io", AllowInsecureHTTP: true, Token: secret})
	assert.NoError(t, err)
	_, err = procuros.NewClient(procuros.Config{BaseURL: procuros.StagingURL})
	assert.ErrorIs(t, err, procuros.ErrNoToken)
	_, err = procuros.NewClient(procuros.Config{BaseURL: procuros.StagingURL, Token: secret, PerPage: 101})
	assert.Error(t, err)
}

func TestAPIErrorIs(t *testing.T) {
	assert.ErrorIs(t, &procuros.APIError{StatusCode: 403}, procuros.ErrUnauthorized)
	assert.NotErrorIs(t, &procuros.APIError{StatusCode: 500}, procuros.ErrUnauthorized)
	assert.True(t, errors.Is(fmt.Errorf("wrapped: %w", &procuros.APIError{StatusCode: 404}), procuros.ErrNotFound))
	e := &procuros.APIError{StatusCode: 422, Message: "The given data was invalid.",
		Errors: map[string][]string{"b": {"x."}, "a": {"y."}}, ErrorURL: "https://portal/e/1"}
	assert.Equal(t, "HTTP 422: The given data was invalid.; a: y.; b: x. (https://portal/e/1)", e.Error())
}
