package procuros

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
)

// Page is one page of a cursor-paginated list.
type Page[T any] struct {
	Items   []T  `json:"items"`
	HasMore bool `json:"hasMore"`
	PerPage int  `json:"perPage"`
	Count   int  `json:"count"`
	// NextCursor is the cursor of the next page; empty at the end.
	NextCursor  string `json:"nextCursor"`
	NextPageURL string `json:"nextPageUrl"`
}

// IncomingQuery selects unprocessed incoming transactions.
type IncomingQuery struct {
	// Type, when set, is sent as filter[type].
	Type TransactionType
	// PerPage overrides the client's page size (1 to 100).
	PerPage int
	// Cursor starts at a page other than the first.
	Cursor string
}

// IncomingPage fetches one page of unprocessed incoming transactions
// (GET /v2/transactions).
func (c *Client) IncomingPage(ctx context.Context, q IncomingQuery) (Page[ReceivedTransaction], error) {
	var page Page[ReceivedTransaction]
	query := c.pageQuery(q.PerPage, q.Cursor)
	if q.Type != "" {
		query.Set("filter[type]", string(q.Type))
	}
	err := c.call(ctx, request{op: "list incoming", method: http.MethodGet, path: "transactions", query: query}, &page)
	if err != nil {
		return Page[ReceivedTransaction]{}, fmt.Errorf("procuros: list incoming transactions: %w", err)
	}
	return page, nil
}

// Incoming iterates over all unprocessed incoming transactions, page by
// page, following the cursors. An error ends the iteration after being
// yielded.
//
// Marking transactions processed while iterating is expected. Cursors
// follow keys, not offsets, in the API this was built against; should a
// server shift items anyway, the ones skipped remain unprocessed and come
// with the next poll, and any seen twice within one iteration are yielded
// once.
func (c *Client) Incoming(ctx context.Context, q IncomingQuery) iter.Seq2[ReceivedTransaction, error] {
	return func(yield func(ReceivedTransaction, error) bool) {
		seen := map[string]bool{}
		for {
			page, err := c.IncomingPage(ctx, q)
			if err != nil {
				yield(ReceivedTransaction{}, err)
				return
			}
			for _, tx := range page.Items {
				if seen[tx.ProcurosTransactionID] {
					continue
				}
				seen[tx.ProcurosTransactionID] = true
				if !yield(tx, nil) {
					return
				}
			}
			next, err := nextCursor(q.Cursor, page.HasMore, page.NextCursor)
			if err != nil || next == "" {
				if err != nil {
					yield(ReceivedTransaction{}, fmt.Errorf("procuros: list incoming transactions: %w", err))
				}
				return
			}
			q.Cursor = next
		}
	}
}

// nextCursor returns the cursor to continue with, "" at the end, or an
// error when the server would make the loop spin.
func nextCursor(current string, hasMore bool, next string) (string, error) {
	if !hasMore || next == "" {
		return "", nil
	}
	if next == current {
		return "", fmt.Errorf("cursor %q does not advance", next)
	}
	return next, nil
}

func (c *Client) pageQuery(perPage int, cursor string) url.Values {
	if perPage <= 0 || perPage > 100 {
		perPage = c.perPage
	}
	q := url.Values{}
	q.Set("per_page", strconv.Itoa(perPage))
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	return q
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
// succeeded before.
func (c *Client) BulkMarkProcessed(ctx context.Context, items []BulkMarkItem) ([]MarkResult, error) {
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
