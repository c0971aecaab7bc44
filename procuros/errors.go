package procuros

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Sentinels an *APIError matches with errors.Is.
var (
	// ErrUnauthorized: 401 or 403. With 401 the token is not valid for this
	// environment; with 403 (which also matches ErrForbidden) it is, but it
	// is not permitted to do what was asked. Either way: stop and alert;
	// retrying cannot help.
	ErrUnauthorized = errors.New("procuros: unauthorized")
	// ErrForbidden: 403, the token is valid but not permitted this request.
	ErrForbidden = errors.New("procuros: not permitted")
	// ErrNotFound: 404, no such transaction.
	ErrNotFound = errors.New("procuros: not found")
)

// ErrMisconfigured is matched by the errors of requests that were never
// answered and never will be, however often they are repeated: the
// server's certificate does not verify, or the request cannot be built.
// Stop and alert, as for ErrUnauthorized. Send reports these as the
// Misconfigured outcome.
var ErrMisconfigured = errors.New("procuros: cannot reach the API as configured")

// ErrInvalidID is returned, before anything is sent, for a
// procurosTransactionId that is not a UUID (the spec's `format: uuid`).
var ErrInvalidID = errors.New("procuros: transaction id is not a UUID")

// APIError is an answer of the API other than 2xx, for every call but Send
// (which returns a SendResult instead).
type APIError struct {
	StatusCode int
	// Message is the API's `message`, the status text when there is none,
	// or for a 3xx what became of the redirect.
	Message string
	// Errors is the `errors` map of a 422: JSON path to problems.
	Errors map[string][]string
	// ErrorURL links to the error in the Procuros portal, when given.
	ErrorURL string
	// Retryable is true for 408, 429 and 5xx after the retry policy gave up;
	// RetryAfter then suggests how long to wait.
	Retryable  bool
	RetryAfter time.Duration
	// BaseURL is the API root the request went to, for messages about the
	// token.
	BaseURL string
}

func (e *APIError) Error() string {
	var b strings.Builder
	switch e.StatusCode {
	case http.StatusUnauthorized:
		return e.wrapped(fmt.Sprintf("token not valid for %s", e.BaseURL))
	case http.StatusForbidden:
		return e.wrapped(fmt.Sprintf("not permitted: the token is valid for %s but may not make this request", e.BaseURL))
	}
	fmt.Fprintf(&b, "HTTP %d", e.StatusCode)
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	paths := make([]string, 0, len(e.Errors))
	for p := range e.Errors {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	for _, p := range paths {
		fmt.Fprintf(&b, "; %s: %s", p, strings.Join(e.Errors[p], " "))
	}
	if e.ErrorURL != "" {
		fmt.Fprintf(&b, " (%s)", e.ErrorURL)
	}
	return b.String()
}

// wrapped is what, then status and message in parentheses.
func (e *APIError) wrapped(what string) string {
	if e.Message == "" {
		return fmt.Sprintf("%s (HTTP %d)", what, e.StatusCode)
	}
	return fmt.Sprintf("%s (HTTP %d: %s)", what, e.StatusCode, e.Message)
}

// Is makes errors.Is(err, ErrUnauthorized), errors.Is(err, ErrForbidden)
// and errors.Is(err, ErrNotFound) work.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusForbidden
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	}
	return false
}

// errorResponse is the union of the API's error bodies: InternalErrorResponse,
// ClientErrorResponse and the two validation error responses.
type errorResponse struct {
	Message  string              `json:"message"`
	Errors   map[string][]string `json:"errors"`
	ErrorURL string              `json:"errorUrl"`
}

// errorBody reads an error body leniently: a body that is not the expected
// JSON (a proxy's HTML page) yields an empty message.
func errorBody(body []byte) errorResponse {
	var e errorResponse
	_ = json.Unmarshal(body, &e)
	return e
}

// redirectMessage words a 3xx, which the client never follows (see
// Config.HTTPClient).
func redirectMessage(resp *response) string {
	msg := fmt.Sprintf("redirect (HTTP %d) not followed", resp.status)
	if loc := resp.header.Get("Location"); loc != "" {
		msg += " to " + loc
	}
	return msg + "; check the base URL"
}

func (c *Client) apiError(ex exchange) *APIError {
	body := errorBody(ex.resp.body)
	if ex.resp.status >= 300 && ex.resp.status <= 399 {
		body.Message = redirectMessage(ex.resp)
	}
	if body.Message == "" {
		body.Message = http.StatusText(ex.resp.status)
	}
	e := &APIError{
		StatusCode: ex.resp.status,
		Message:    body.Message,
		Errors:     body.Errors,
		ErrorURL:   body.ErrorURL,
		Retryable:  ex.retryable,
		BaseURL:    c.BaseURL(),
	}
	if ex.retryable {
		e.RetryAfter = ex.retryAfter
	}
	return e
}
