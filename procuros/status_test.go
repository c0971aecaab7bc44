package procuros_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edibridge/edibridge/procuros"
	"github.com/edibridge/edibridge/procuros/procurostest"
)

// scripted serves every request with h and counts the requests.
func scripted(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		h(w, r)
	}))
	t.Cleanup(hs.Close)
	return hs, &n
}

func scriptedClient(t *testing.T, hs *httptest.Server, hc *http.Client) *procuros.Client {
	return newClient(t, procuros.Config{BaseURL: hs.URL, Token: secret, HTTPClient: hc,
		Retry: procuros.RetryPolicy{MaxAttempts: 3, InitialDelay: 1, MaxDelay: 1}})
}

// TestSendRedirectNotFollowed: a 302 to the POST of a transaction would,
// followed, become a GET whose 200 read as a delivery. It is not followed,
// with the default client or one of the caller's, and is Rejected.
func TestSendRedirectNotFollowed(t *testing.T) {
	hs, requests := scripted(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v2/elsewhere" {
			http.Redirect(w, r, "/v2/elsewhere", http.StatusFound)
			return
		}
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`{"procurosTransactionId":"949b2f25-fd9d-4c58-8899-b4dc277f8cf9"}`))
	})
	callers := &http.Client{Transport: &bodyRecorder{}}
	for _, hc := range []*http.Client{nil, callers} {
		requests.Store(0)
		res, err := scriptedClient(t, hs, hc).Send(t.Context(), orderTx(t))
		require.NoError(t, err)
		assert.Equal(t, procuros.Rejected, res.Outcome)
		assert.False(t, res.Delivered())
		assert.Equal(t, 302, res.StatusCode)
		assert.Empty(t, res.TransactionID)
		assert.Equal(t, "redirect (HTTP 302) not followed to /v2/elsewhere; check the base URL", res.Message)
		assert.Equal(t, int32(1), requests.Load(), "the redirect was not followed")
	}
	assert.Nil(t, callers.CheckRedirect, "the caller's client is left alone")

	err := scriptedClient(t, hs, nil).Ping(t.Context())
	assert.ErrorContains(t, err, "HTTP 302: redirect (HTTP 302) not followed")
}

// TestSendUnexpectedSuccess: only 201 is Transmitted and 202 NoAction; any
// other 2xx is no answer of the API to a new transaction and is Rejected,
// never delivered.
func TestSendUnexpectedSuccess(t *testing.T) {
	for _, status := range []int{200, 203, 204, 206} {
		hs, requests := scripted(t, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(status)
		})
		res, err := scriptedClient(t, hs, nil).Send(t.Context(), orderTx(t))
		require.NoError(t, err)
		assert.Equal(t, procuros.Rejected, res.Outcome, status)
		assert.False(t, res.Delivered())
		assert.Equal(t, status, res.StatusCode)
		assert.Contains(t, res.Message, "HTTP "+strconv.Itoa(status)+" is not an answer of the API")
		assert.Equal(t, int32(1), requests.Load())
	}
}

// TestSendCreatedBodyCutOff: a 201 whose body breaks off is still a
// delivery: Transmitted without id and with a message, never resent.
func TestSendCreatedBodyCutOff(t *testing.T) {
	hs, requests := scripted(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"procurosTransactionId":"949b2f25`)) // then the connection closes
	})
	res, err := scriptedClient(t, hs, nil).Send(t.Context(), orderTx(t))
	require.NoError(t, err)
	assert.Equal(t, procuros.Transmitted, res.Outcome)
	assert.True(t, res.Delivered())
	assert.Equal(t, 201, res.StatusCode)
	assert.Empty(t, res.TransactionID)
	assert.Contains(t, res.Message, "201 Created, but its body could not be read")
	assert.Equal(t, 1, res.Attempts)
	assert.Equal(t, int32(1), requests.Load(), "not resent")
}

// TestCallBodyCutOff: any other call answered 2xx with a body that breaks
// off fails with the status kept, and is not repeated (a POST /v2/errors
// repeated would notify twice).
func TestCallBodyCutOff(t *testing.T) {
	hs, requests := scripted(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"message":`))
	})
	_, err := scriptedClient(t, hs, nil).ReportError(t.Context(), procuros.ErrorReport{ErrorReason: "x", ErrorType: procuros.ErrorTypeData})
	assert.ErrorContains(t, err, "procuros: report error: read HTTP 201 response")
	assert.Equal(t, int32(1), requests.Load())
}

// TestSendForbidden: 403 is worded as a request the token may not make,
// not as a bad token, through Send and Ping alike.
func TestSendForbidden(t *testing.T) {
	ts := fake(t, procurostest.Options{})
	require.NoError(t, ts.InjectFault(procurostest.Fault{Kind: procurostest.FaultForbidden, Count: 2}))
	c := newClient(t, testConfig(ts))

	res, err := c.Send(t.Context(), orderTx(t))
	require.NoError(t, err)
	assert.Equal(t, procuros.Unauthorized, res.Outcome)
	assert.Equal(t, 403, res.StatusCode)
	assert.Equal(t, 1, res.Attempts)
	assert.Equal(t, "not permitted: the token is valid for "+ts.URL+"/v2 but may not make this request (HTTP 403: This action is unauthorized.)", res.Message)
	assert.Empty(t, ts.Received(), "nothing was processed")

	err = c.Ping(t.Context())
	assert.ErrorIs(t, err, procuros.ErrForbidden)
	assert.ErrorIs(t, err, procuros.ErrUnauthorized, "both mean: stop and alert")
	assert.EqualError(t, err, "procuros: ping: not permitted: the token is valid for "+ts.URL+"/v2 but may not make this request (HTTP 403: This action is unauthorized.)")

	err = c.Ping(t.Context())
	require.NoError(t, err, "the faults are used up")
	assert.NotErrorIs(t, &procuros.APIError{StatusCode: 401}, procuros.ErrForbidden)
}

// TestSendDuplicatePlainText: "Payload already received" in a body that is
// not the usual JSON is a duplicate all the same.
func TestSendDuplicatePlainText(t *testing.T) {
	for _, body := range []string{"Payload already received", "<html><body>400: Payload already received.</body></html>"} {
		hs, _ := scripted(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(body))
		})
		res, err := scriptedClient(t, hs, nil).Send(t.Context(), orderTx(t))
		require.NoError(t, err)
		assert.Equal(t, procuros.Duplicate, res.Outcome, body)
		assert.Equal(t, "Payload already received", res.Message)
		assert.True(t, res.Delivered())
	}
}

// TestSendCertificateNotTrusted: a certificate that does not verify fails
// the same way on every attempt: one attempt, the Misconfigured outcome,
// and ErrMisconfigured from the other calls, never Retryable.
func TestSendCertificateNotTrusted(t *testing.T) {
	var requests atomic.Int32
	hs := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.WriteHeader(http.StatusCreated)
	}))
	t.Cleanup(hs.Close)
	c := scriptedClient(t, hs, nil) // the default transport does not trust the test CA

	res, err := c.Send(t.Context(), orderTx(t))
	require.NoError(t, err)
	assert.Equal(t, procuros.Misconfigured, res.Outcome)
	assert.Equal(t, "misconfigured", res.Outcome.String())
	assert.Equal(t, 1, res.Attempts)
	assert.Zero(t, res.RetryAfter)
	assert.Contains(t, res.Message, "certificate")
	assert.False(t, res.Delivered())

	err = c.Ping(t.Context())
	assert.ErrorIs(t, err, procuros.ErrMisconfigured)
	assert.ErrorContains(t, err, "certificate")
	assert.Zero(t, requests.Load())

	// An https URL to a plain http server is as permanent.
	plain, _ := scripted(t, func(w http.ResponseWriter, r *http.Request) {})
	c = scriptedClient(t, &httptest.Server{URL: strings.Replace(plain.URL, "http:", "https:", 1)}, nil)
	res, err = c.Send(t.Context(), orderTx(t))
	require.NoError(t, err)
	assert.Equal(t, procuros.Misconfigured, res.Outcome, res.Message)
	assert.Equal(t, 1, res.Attempts)
}

// TestTokenWithControlCharacters: a token with a space, line break or other
// control character could never be sent; NewClient refuses it without
// showing it.
func TestTokenWithControlCharacters(t *testing.T) {
	for _, tok := range []string{secret + "\n", "Bearer " + secret, secret + "\x00", "\x7f" + secret, secret + "\t"} {
		_, err := procuros.NewClient(procuros.Config{BaseURL: procuros.StagingURL, Token: procuros.Token(tok)})
		assert.ErrorContains(t, err, "the API token has a space or control character", "%q", tok)
		assert.NotContains(t, err.Error(), secret)
	}
	_, err := procuros.NewClient(procuros.Config{BaseURL: procuros.StagingURL, Token: secret, UserAgent: "edibridge\r\nX-Evil: 1"})
	assert.ErrorContains(t, err, "user agent has a control character")
	_, err = procuros.NewClient(procuros.Config{BaseURL: procuros.StagingURL, Token: "ä" + secret})
	assert.NoError(t, err, "bytes above 0x7f are not refused")
}

// TestIDsChecked: every call that takes a procurosTransactionId refuses one
// that is not a UUID before sending anything.
func TestIDsChecked(t *testing.T) {
	ts := fake(t, procurostest.Options{})
	ids := seed(t, ts, procuros.TypeOrder, "order.json", 1)
	c := newClient(t, testConfig(ts))
	for _, id := range []string{"", "..", "../ping", "unknown", "949b2f25-fd9d-4c58-8899-b4dc277f8cf", "949b2f25-fd9d-4c58-8899_b4dc277f8cf9", "949b2f25-fd9d-4c58-8899-b4dc277f8cfg"} {
		_, err := c.Transaction(t.Context(), id)
		assert.ErrorIs(t, err, procuros.ErrInvalidID, "%q", id)
		_, err = c.MarkProcessed(t.Context(), id, procuros.Processed())
		assert.ErrorIs(t, err, procuros.ErrInvalidID, "%q", id)
		_, err = c.BulkMarkProcessed(t.Context(), []procuros.BulkMarkItem{
			{ProcurosTransactionID: ids[0], ProcessingResult: procuros.Processed()},
			{ProcurosTransactionID: id, ProcessingResult: procuros.Processed()},
		})
		assert.ErrorIs(t, err, procuros.ErrInvalidID, "%q", id)
		assert.ErrorContains(t, err, "item 2 of 2")
	}
	assert.Empty(t, ts.Requests(), "nothing was sent")
	assert.Len(t, ts.Pending(), 1)

	_, err := c.Transaction(t.Context(), strings.ToUpper(ids[0]))
	assert.ErrorIs(t, err, procuros.ErrNotFound, "upper case is a UUID too; the fake's ids are lower case")
}

// TestMarshalTransactionNoContent: a transaction without content is an
// error, not a "content":null that the API would answer with a 422.
func TestMarshalTransactionNoContent(t *testing.T) {
	for name, content := range map[string]any{
		"nil":         nil,
		"nil pointer": (*procuros.Order)(nil),
		"raw null":    json.RawMessage("null"),
		"raw nil":     json.RawMessage(nil),
	} {
		_, err := procuros.MarshalTransaction(procuros.SentTransaction{Type: procuros.TypeOrder, Content: content})
		assert.EqualError(t, err, "procuros: marshal ORDER transaction: no content", name)
	}
	out, err := procuros.MarshalTransaction(procuros.SentTransaction{Type: procuros.TypeOrder, Content: json.RawMessage(` {"header": {"comments":"a<b"}} `)})
	require.NoError(t, err)
	assert.Equal(t, `{"type":"ORDER","content":{"header":{"comments":"a\u003cb"}}}`, string(out), "compact and escaped as json.Marshal writes it")
}
