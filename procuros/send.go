package procuros

import (
	"bytes"
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
	// holds its procurosTransactionId. Mark it TRANSMITTED. Rarely the id is
	// empty and Message says why (the body of the 201 was cut off or had no
	// id): the transaction exists all the same, and must not be resent.
	Transmitted Outcome = iota + 1
	// NoAction: 202, accepted but not forwarded (inactive relationship, or
	// the partner does not take this type). Mark it NO_ACTION; do not resend.
	NoAction
	// Duplicate: 400 "Payload already received". An earlier attempt got
	// through although its response was lost: treat it as delivered.
	Duplicate
	// Rejected: 422 (with Errors) or any other 4xx but 401/403/408/429. The
	// data must be fixed; keep ErrorURL and retry once it is. A 2xx other
	// than 201 and 202, and a 3xx, are Rejected too, with a Message naming
	// the status: the API answers neither to a new transaction, so something
	// between (a wrong base URL, a proxy) took the request, and the
	// transaction was most likely never created.
	Rejected
	// Unauthorized: 401 (the token is not valid for this environment) or
	// 403 (it is, but may not send this). Stop and alert.
	Unauthorized
	// Retryable: 408, 429, 5xx, timeout or connection error, and the retry
	// policy is exhausted. Send the same payload again after RetryAfter.
	Retryable
	// Misconfigured: no request reached the API, and none will until a
	// person acts: the server's certificate does not verify (unknown
	// authority, wrong host, expired; or no TLS at all on an https URL), or
	// the request could not be built. It is a distinct outcome rather than
	// Rejected because the document is not at fault: stop sending, keep the
	// payload and alert, as for Unauthorized. Message holds the cause.
	Misconfigured
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
	case Misconfigured:
		return "misconfigured"
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
//
// Content must be present: nil, a nil pointer or JSON null is an error, not
// a "content":null the API would answer with a 422 naming every member.
func MarshalTransaction(tx SentTransaction) ([]byte, error) {
	if tx.Type == "" {
		return nil, fmt.Errorf("procuros: marshal transaction: no type")
	}
	content, err := json.Marshal(tx.Content)
	if err != nil {
		return nil, fmt.Errorf("procuros: marshal %s transaction: %w", tx.Type, err)
	}
	if bytes.Equal(content, []byte("null")) {
		return nil, fmt.Errorf("procuros: marshal %s transaction: no content", tx.Type)
	}
	// The raw content is written as marshalled (compacted, HTML-escaped
	// alike), so the bytes equal those of marshalling tx in one go.
	data, err := json.Marshal(SentTransaction{Type: tx.Type, Content: json.RawMessage(content)})
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

// isDuplicate tells the API's answer to a resend: its `message`, or, should
// the body not be the usual JSON, the raw text.
func isDuplicate(resp *response) bool {
	if resp.status != http.StatusBadRequest {
		return false
	}
	msg := errorBody(resp.body).Message
	if msg == "" {
		msg = string(resp.body)
	}
	return strings.Contains(strings.ToLower(msg), duplicateMessage)
}

func (c *Client) sendResult(ex exchange) SendResult {
	r := SendResult{Attempts: ex.attempts}
	if ex.resp == nil {
		return noAnswer(r, ex)
	}
	r.StatusCode = ex.resp.status
	body := errorBody(ex.resp.body)
	r.Message, r.Errors, r.ErrorURL = body.Message, body.Errors, body.ErrorURL
	switch status := ex.resp.status; {
	case ex.retryable:
		r.Outcome, r.Message, r.RetryAfter = Retryable, describe(ex.resp, nil), ex.retryAfter
	case status == http.StatusCreated:
		r.Outcome = Transmitted
		r.TransactionID, r.Message = created(ex.resp)
	case status == http.StatusAccepted:
		r.Outcome = NoAction
	case status == http.StatusUnauthorized, status == http.StatusForbidden:
		r.Outcome = Unauthorized
		r.Message = (&APIError{StatusCode: status, Message: body.Message, BaseURL: c.BaseURL()}).Error()
	case isDuplicate(ex.resp):
		r.Outcome = Duplicate
		if r.Message == "" { // found in a body that is not the usual JSON
			r.Message = "Payload already received"
		}
	case status >= 300 && status <= 399:
		r.Outcome, r.Message = Rejected, redirectMessage(ex.resp)
	case status >= 200 && status <= 299:
		r.Outcome = Rejected
		r.Message = fmt.Sprintf("HTTP %d is not an answer of the API to a new transaction "+
			"(201 or 202); the transaction was most likely not created: check the base URL", status)
	default:
		r.Outcome = Rejected
		if r.Message == "" {
			r.Message = http.StatusText(status)
		}
	}
	return r
}

// noAnswer is the result of an exchange that got no response: a transport
// error that a later attempt may mend, or one that no attempt will.
func noAnswer(r SendResult, ex exchange) SendResult {
	r.Message = describe(nil, ex.err)
	if !ex.retryable {
		r.Outcome = Misconfigured
		return r
	}
	r.Outcome, r.RetryAfter = Retryable, ex.retryAfter
	return r
}

// created reads the id of a 201. A 201 is a delivery whatever its body
// says: when the body was cut off or names no id, the result is Transmitted
// without an id and a message that says so, never Retryable. A resend would
// most likely meet "Payload already received", but the API does not
// document how it matches duplicates, so a resend could also create the
// document twice; losing the id loses nothing but the link, which
// AllTransactions can recover.
func created(resp *response) (id, message string) {
	var body struct {
		ID string `json:"procurosTransactionId"`
	}
	switch err := json.Unmarshal(resp.body, &body); {
	case resp.readErr != nil:
		return "", fmt.Sprintf("201 Created, but its body could not be read (%v): "+
			"the transaction exists, its procurosTransactionId is unknown", resp.readErr)
	case err != nil || body.ID == "":
		return "", "201 Created without a procurosTransactionId: the transaction exists, its id is unknown"
	}
	return body.ID, ""
}
