package procuros

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
)

// AllTransactionsQuery selects transactions in both directions.
type AllTransactionsQuery struct {
	Type   TransactionType   // filter[type]
	Flow   TransactionFlow   // filter[flow]
	Status TransactionStatus // filter[status]
	// CreatedFrom and CreatedTo, both or neither, become
	// filter[created_between]=FROM,TO (calendar dates, inclusive).
	CreatedFrom, CreatedTo Date
	// PerPage is 1 to 100, or 0 for the client's page size.
	PerPage int
	Cursor  string
}

func (q AllTransactionsQuery) values(c *Client) (url.Values, error) {
	v, err := c.pageQuery(q.PerPage)
	if err != nil {
		return nil, err
	}
	if q.Type != "" {
		v.Set("filter[type]", string(q.Type))
	}
	if q.Flow != "" {
		v.Set("filter[flow]", string(q.Flow))
	}
	if q.Status != "" {
		v.Set("filter[status]", string(q.Status))
	}
	if q.CreatedFrom.IsZero() != q.CreatedTo.IsZero() {
		return nil, errors.New("created between needs both dates")
	}
	if !q.CreatedFrom.IsZero() {
		v.Set("filter[created_between]", q.CreatedFrom.String()+","+q.CreatedTo.String())
	}
	return v, nil
}

// opAll names the listing of all transactions in errors.
const opAll = "list all transactions"

// AllTransactionsPage fetches one page of GET /v2/all-transactions.
func (c *Client) AllTransactionsPage(ctx context.Context, q AllTransactionsQuery) (Page[Transaction], error) {
	query, err := q.values(c)
	if err != nil {
		return Page[Transaction]{}, fmt.Errorf("procuros: %s: %w", opAll, err)
	}
	if q.Cursor != "" {
		query.Set("cursor", q.Cursor)
	}
	return fetchPage[Transaction](ctx, c, opAll, "all-transactions", query)
}

// AllTransactions iterates over every page of GET /v2/all-transactions,
// each transaction once. An error ends the iteration after being yielded.
// The ids yielded are kept for the duration of the iteration, about 100
// bytes each: narrow a long history with CreatedFrom and CreatedTo.
func (c *Client) AllTransactions(ctx context.Context, q AllTransactionsQuery) iter.Seq2[Transaction, error] {
	query, err := q.values(c)
	if err != nil {
		return failed[Transaction](fmt.Errorf("procuros: %s: %w", opAll, err))
	}
	return pages(ctx, c, listing[Transaction]{
		op: opAll, path: "all-transactions", query: query, cursor: q.Cursor,
		id: func(tx Transaction) string { return tx.ProcurosTransactionID },
	})
}

// Transaction fetches one transaction by its procurosTransactionId
// (GET /v2/all-transactions/{id}). errors.Is(err, ErrNotFound) tells an
// unknown id.
func (c *Client) Transaction(ctx context.Context, id string) (Transaction, error) {
	if err := checkID(id); err != nil {
		return Transaction{}, fmt.Errorf("procuros: show transaction: %w", err)
	}
	var resp struct {
		Data Transaction `json:"data"`
	}
	req := request{op: "show", method: http.MethodGet, path: "all-transactions/" + url.PathEscape(id)}
	if err := c.call(ctx, req, &resp); err != nil {
		return Transaction{}, fmt.Errorf("procuros: show transaction %s: %w", id, err)
	}
	return resp.Data, nil
}

// ErrorReport is the body of POST /v2/errors: a failure to build an
// outgoing transaction (for the bridge, an EDIFACT file it cannot parse or
// map), which enters the same exception handling as a failed incoming one.
type ErrorReport struct {
	ErrorReason  string            `json:"errorReason"`
	ErrorType    ErrorType         `json:"errorType"`
	ErrorContext map[string]string `json:"errorContext,omitempty"`
	// TransactionIdentifier is the document number (order, invoice, ...)
	// when the error belongs to one transaction; TransactionType its type.
	TransactionIdentifier string          `json:"transactionIdentifier,omitempty"`
	TransactionType       TransactionType `json:"transactionType,omitempty"`
}

// ErrorReportResult is the API's answer to ReportError.
type ErrorReportResult struct {
	Message  string `json:"message"`
	ErrorURL string `json:"errorUrl,omitempty"`
}

// ReportError reports an outgoing error (POST /v2/errors). It is retried
// like every call: should a response be lost, the error may be reported
// twice, which repeats a notification, where not retrying could lose it.
func (c *Client) ReportError(ctx context.Context, r ErrorReport) (ErrorReportResult, error) {
	body, err := json.Marshal(r)
	if err != nil {
		return ErrorReportResult{}, fmt.Errorf("procuros: report error: %w", err)
	}
	var res ErrorReportResult
	if err := c.call(ctx, request{op: "report error", method: http.MethodPost, path: "errors", body: body}, &res); err != nil {
		return ErrorReportResult{}, fmt.Errorf("procuros: report error: %w", err)
	}
	return res, nil
}
