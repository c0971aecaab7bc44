package procuros

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Outcome is what became of an outgoing transaction, in the terms of the
// API's "Tracking Document Status" rules.
type Outcome int

// Outcomes of Send.
const (
	// Transmitted: 201, the transaction was created; SendResult.TransactionID
	// holds its procurosTransactionId. Mark it TRANSMITTED.
	Transmitted Outcome = iota + 1
	// NoAction: 202, accepted but not forwarded (inactive relationship, or
	// the partner does not take this type). Mark it NO_ACTION; do not resend.
	NoAction
	// Duplicate: 400 "Payload already received". An earlier attempt got
	// through although its response was lost: treat it as delivered.
	Duplicate
	// Rejected: 422 (with Errors) or any other 4xx but 401/403/408/429. The
	// data must be fixed; keep ErrorURL and retry once it is.
	Rejected
	// Unauthorized: 401 or 403. The token is not valid for this environment;
	// stop and alert.
	Unauthorized
	// Retryable: 408, 429, 5xx, timeout or connection error, and the retry
	// policy is exhausted. Send the same payload again after RetryAfter.
	Retryable
)

func (o Outcome) String() string {
	switch o {
	case Transmitted:
		return "transmitted"
	case NoAction:
		return "no action"
	case Duplicate:
		return "duplicate"
	case Rejected:
		return "rejected"
	case Unauthorized:
		return "unauthorized"
	case Retryable:
		return "retryable"
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

// SendResult is the answer to Send.
type SendResult struct {
	Outcome Outcome
	// TransactionID is the procurosTransactionId of a Transmitted transaction.
	TransactionID string
	// Message is the API's message; for Retryable, the last cause (status
	// and message, or the transport error).
	Message string
	// Errors is the 422 `errors` map: JSON path to problems.
	Errors map[string][]string
	// ErrorURL links to the error in the Procuros portal.
	ErrorURL string
	// RetryAfter is, for Retryable, the least wait before sending again:
	// the server's Retry-After or the next backoff step.
	RetryAfter time.Duration
	// StatusCode is the HTTP status of the last attempt; 0 if none answered.
	StatusCode int
	// Attempts counts the HTTP requests made.
	Attempts int
}

// Delivered reports whether the API has the transaction, so that it must
// not be sent again: Transmitted, NoAction or Duplicate.
func (r SendResult) Delivered() bool {
	return r.Outcome == Transmitted || r.Outcome == NoAction || r.Outcome == Duplicate
}

// MarshalTransaction returns the payload Send would post for tx. A runtime
// that retries across restarts stores these bytes and resends them with
// SendPayload, so that every attempt is byte-identical.
func MarshalTransaction(tx SentTransaction) ([]byte, error) {
	if tx.Type == "" {
		return nil, fmt.Errorf("procuros: marshal transaction: no type")
	}
	data, err := json.Marshal(tx)
	if err != nil {
		return nil, fmt.Errorf("procuros: marshal %s transaction: %w", tx.Type, err)
	}
	return data, nil
}

// Send posts tx (POST /v2/transactions) and reports the outcome. The body is
// marshalled once; retries resend the same bytes.
//
// Send retries internally according to the client's RetryPolicy. When the
// policy is exhausted it returns Outcome Retryable with the last cause and a
// suggested RetryAfter, and a nil error: the runtime keeps the payload and
// tries again later. The error is non-nil only for what is not an outcome:
// a payload that cannot be marshalled, or ctx ending (then whether the API
// received the transaction is unknown; resending the same bytes is safe).
func (c *Client) Send(ctx context.Context, tx SentTransaction) (SendResult, error) {
	payload, err := MarshalTransaction(tx)
	if err != nil {
		return SendResult{}, err
	}
	return c.SendPayload(ctx, payload)
}

// SendPayload posts a payload made by MarshalTransaction, unchanged. See Send.
func (c *Client) SendPayload(ctx context.Context, payload []byte) (SendResult, error) {
	ex, err := c.do(ctx, request{op: "send", method: http.MethodPost, path: "transactions", body: payload})
	if err != nil {
		return SendResult{}, fmt.Errorf("procuros: send transaction: %w", err)
	}
	return c.sendResult(ex), nil
}

// duplicateMessage is how the API words a byte-identical resend.
const duplicateMessage = "payload already received"

func (c *Client) sendResult(ex exchange) SendResult {
	r := SendResult{Attempts: ex.attempts}
	if ex.resp == nil {
		r.Outcome, r.Message, r.RetryAfter = Retryable, describe(nil, ex.err), ex.retryAfter
		return r
	}
	r.StatusCode = ex.resp.status
	body := errorBody(ex.resp.body)
	r.Message, r.Errors, r.ErrorURL = body.Message, body.Errors, body.ErrorURL
	switch status := ex.resp.status; {
	case ex.retryable:
		r.Outcome, r.Message, r.RetryAfter = Retryable, describe(ex.resp, nil), ex.retryAfter
	case status == http.StatusCreated:
		r.Outcome = Transmitted
		var created struct {
			ID string `json:"procurosTransactionId"`
		}
		// A 201 is a delivery whatever its body says, so an unreadable body
		// does not turn it into a failure that would be resent.
		if err := json.Unmarshal(ex.resp.body, &created); err != nil || created.ID == "" {
			r.Message = "201 Created without a procurosTransactionId"
		}
		r.TransactionID = created.ID
	case status == http.StatusAccepted:
		r.Outcome = NoAction
	case status >= 200 && status <= 299:
		// Not in the spec; the API took the transaction all the same.
		r.Outcome = Transmitted
	case status == http.StatusUnauthorized, status == http.StatusForbidden:
		r.Outcome = Unauthorized
		r.Message = (&APIError{StatusCode: status, Message: body.Message, BaseURL: c.BaseURL()}).Error()
	case status == http.StatusBadRequest && strings.Contains(strings.ToLower(body.Message), duplicateMessage):
		r.Outcome = Duplicate
	default:
		r.Outcome = Rejected
		if r.Message == "" {
			r.Message = http.StatusText(status)
		}
	}
	return r
}
