package procuros

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"net/url"
)

// IncomingQuery selects unprocessed incoming transactions.
type IncomingQuery struct {
	// Type, when set, is sent as filter[type].
	Type TransactionType
	// PerPage overrides the client's page size: 1 to 100, or 0 for the
	// client's.
	PerPage int
	// Cursor starts at a page other than the first. Incoming uses it for
	// its first page only.
	Cursor string
}

func (q IncomingQuery) values(c *Client) (url.Values, error) {
	v, err := c.pageQuery(q.PerPage)
	if err != nil {
		return nil, err
	}
	if q.Type != "" {
		v.Set("filter[type]", string(q.Type))
	}
	return v, nil
}

// opIncoming names the listing of incoming transactions in errors.
const opIncoming = "list incoming transactions"

// IncomingPage fetches one page of unprocessed incoming transactions
// (GET /v2/transactions).
func (c *Client) IncomingPage(ctx context.Context, q IncomingQuery) (Page[ReceivedTransaction], error) {
	query, err := q.values(c)
	if err != nil {
		return Page[ReceivedTransaction]{}, fmt.Errorf("procuros: %s: %w", opIncoming, err)
	}
	if q.Cursor != "" {
		query.Set("cursor", q.Cursor)
	}
	return fetchPage[ReceivedTransaction](ctx, c, opIncoming, "transactions", query)
}

// Incoming iterates over all unprocessed incoming transactions, page by
// page, each once. An error ends the iteration after being yielded.
//
// Marking transactions processed while iterating is expected, and the API
// does not document whether that shifts its cursors. So Incoming follows
// the pattern of the API rules: once the cursors run out, it starts again
// from the first page, without a cursor, and yields what it had not yielded
// before (new transactions, and any that a shifted cursor skipped); it stops
// after a pass that brought nothing new. A pass after the first also ends,
// without error, at a page that brings nothing new: a caller that marks only
// after the iteration costs one request more, which finds only transactions
// already yielded. Transactions beyond such a page come with the next poll.
//
// The ids yielded are kept for the duration of the iteration, about 100
// bytes each.
func (c *Client) Incoming(ctx context.Context, q IncomingQuery) iter.Seq2[ReceivedTransaction, error] {
	query, err := q.values(c)
	if err != nil {
		return failed[ReceivedTransaction](fmt.Errorf("procuros: %s: %w", opIncoming, err))
	}
	return pages(ctx, c, listing[ReceivedTransaction]{
		op: opIncoming, path: "transactions", query: query, cursor: q.Cursor, restart: true,
		id: func(tx ReceivedTransaction) string { return tx.ProcurosTransactionID },
	})
}

// ErrorType classifies a processing failure.
type ErrorType string

// Error types.
const (
	// ErrorTypeData: the data is invalid or insufficient and a user can fix
	// it, such as an unknown GTIN.
	ErrorTypeData ErrorType = "DATA"
	// ErrorTypeInternal: a system fault no user can fix.
	ErrorTypeInternal ErrorType = "INTERNAL"
)

// ProcessingResult is the body of a mark-processed request.
type ProcessingResult struct {
	Success      bool              `json:"success"`
	ErrorReason  string            `json:"errorReason,omitempty"`
	ErrorType    ErrorType         `json:"errorType,omitempty"`
	ErrorContext map[string]string `json:"errorContext,omitempty"`
}

// Processed is the ProcessingResult of a transaction delivered to the partner.
func Processed() ProcessingResult { return ProcessingResult{Success: true} }

// Failed is the ProcessingResult of a transaction that could not be
// processed. Procuros starts its exception handling (an e-mail, a portal
// entry) for it. errContext may be nil.
func Failed(typ ErrorType, reason string, errContext map[string]string) ProcessingResult {
	return ProcessingResult{ErrorReason: reason, ErrorType: typ, ErrorContext: errContext}
}

// MarkResult is the API's answer to marking one transaction.
type MarkResult struct {
	// ProcurosTransactionID is set in the results of BulkMarkProcessed.
	ProcurosTransactionID string `json:"procurosTransactionId,omitempty"`
	Message               string `json:"message"`
	// ErrorURL links to the failure in the portal when success was false.
	ErrorURL string `json:"errorUrl,omitempty"`
}

// MarkProcessed reports the processing of incoming transaction id
// (PUT /v2/transactions/{id}), which removes it from the unprocessed list.
func (c *Client) MarkProcessed(ctx context.Context, id string, result ProcessingResult) (MarkResult, error) {
	if err := checkID(id); err != nil {
		return MarkResult{}, fmt.Errorf("procuros: mark processed: %w", err)
	}
	body, err := json.Marshal(result)
	if err != nil {
		return MarkResult{}, fmt.Errorf("procuros: mark %s processed: %w", id, err)
	}
	var resp struct {
		Data MarkResult `json:"data"`
	}
	req := request{op: "mark processed", method: http.MethodPut, path: "transactions/" + url.PathEscape(id), body: body}
	if err := c.call(ctx, req, &resp); err != nil {
		return MarkResult{}, fmt.Errorf("procuros: mark %s processed: %w", id, err)
	}
	return resp.Data, nil
}

// MaxBulkItems is the most items one bulk mark-processed request may carry.
const MaxBulkItems = 1000

// BulkMarkItem is one transaction of a bulk mark-processed request.
type BulkMarkItem struct {
	ProcurosTransactionID string `json:"procurosTransactionId"`
	ProcessingResult
}

// BulkMarkProcessed marks many transactions with
// POST /v2/transactions/bulk/mark-processed, in requests of at most
// MaxBulkItems, with the body `{"items": [...]}` the schema defines
// (SPEC-NOTES item 4). On error it returns the results of the requests that
// succeeded before. Every id is checked before the first request, so an
// id that is not a UUID sends nothing.
func (c *Client) BulkMarkProcessed(ctx context.Context, items []BulkMarkItem) ([]MarkResult, error) {
	for i, item := range items {
		if err := checkID(item.ProcurosTransactionID); err != nil {
			return nil, fmt.Errorf("procuros: bulk mark processed: item %d of %d: %w", i+1, len(items), err)
		}
	}
	results := make([]MarkResult, 0, len(items))
	for start := 0; start < len(items); start += MaxBulkItems {
		chunk := items[start:min(start+MaxBulkItems, len(items))]
		got, err := c.bulkMark(ctx, chunk)
		if err != nil {
			return results, fmt.Errorf("procuros: bulk mark items %d to %d of %d processed: %w",
				start+1, start+len(chunk), len(items), err)
		}
		results = append(results, got...)
	}
	return results, nil
}

func (c *Client) bulkMark(ctx context.Context, chunk []BulkMarkItem) ([]MarkResult, error) {
	body, err := json.Marshal(struct {
		Items []BulkMarkItem `json:"items"`
	}{chunk})
	if err != nil {
		return nil, err
	}
	var resp struct {
		Data []MarkResult `json:"data"`
	}
	req := request{op: "bulk mark processed", method: http.MethodPost, path: "transactions/bulk/mark-processed", body: body}
	if err := c.call(ctx, req, &resp); err != nil {
		return nil, err
	}
	return resp.Data, nil
}
