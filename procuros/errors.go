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
	// ErrUnauthorized: 401 or 403, the token is not valid for this
	// environment. Stop and alert; retrying cannot help.
	ErrUnauthorized = errors.New("procuros: unauthorized")
	// ErrNotFound: 404, no such transaction.
	ErrNotFound = errors.New("procuros: not found")
)

// APIError is an answer of the API other than 2xx, for every call but Send
// (which returns a SendResult instead).
type APIError struct {
	StatusCode int
	// Message is the API's `message`.
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
	if e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusForbidden {
		fmt.Fprintf(&b, "token not valid for %s (HTTP %d", e.BaseURL, e.StatusCode)
		if e.Message != "" {
			fmt.Fprintf(&b, ": %s", e.Message)
		}
		b.WriteString(")")
		return b.String()
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

// Is makes errors.Is(err, ErrUnauthorized) and errors.Is(err, ErrNotFound)
// work.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusForbidden
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

func (c *Client) apiError(ex exchange) *APIError {
	body := errorBody(ex.resp.body)
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
