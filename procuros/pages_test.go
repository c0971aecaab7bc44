package procuros_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edibridge/edibridge/procuros"
	"github.com/edibridge/edibridge/procuros/procurostest"
)

// pageServer serves list pages that page builds from each request (and the
// number of requests so far), and records the queries.
type pageServer struct {
	mu      sync.Mutex
	queries []string
}

func (p *pageServer) start(t *testing.T, page func(r *http.Request, n int) map[string]any) *httptest.Server {
	t.Helper()
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.queries = append(p.queries, r.URL.RawQuery)
		n := len(p.queries)
		p.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(page(r, n))
	}))
	t.Cleanup(hs.Close)
	return hs
}

func (p *pageServer) requests() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.queries...)
}

// txID is a UUID numbered n.
func txID(n int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", n) }

// items returns list items with the ids numbered from..to-1.
func items(from, to int) []map[string]any {
	out := []map[string]any{}
	for n := from; n < to; n++ {
		out = append(out, map[string]any{"procurosTransactionId": txID(n), "type": "ORDER", "content": map[string]any{}})
	}
	return out
}

// drain runs both iterators of c to their end and returns the ids and the
// error each ended with. The iteration is bounded, so that a loop that
// would spin fails the test instead of hanging it.
func drain(t *testing.T, c *procuros.Client) (incoming, all []string, incomingErr, allErr error) {
	t.Helper()
	for tx, err := range c.Incoming(t.Context(), procuros.IncomingQuery{PerPage: 2}) {
		if err != nil {
			incomingErr = err
			break
		}
		incoming = append(incoming, tx.ProcurosTransactionID)
		require.Less(t, len(incoming), 50, "the iteration does not end")
	}
	for tx, err := range c.AllTransactions(t.Context(), procuros.AllTransactionsQuery{PerPage: 2}) {
		if err != nil {
			allErr = err
			break
		}
		all = append(all, tx.ProcurosTransactionID)
		require.Less(t, len(all), 50, "the iteration does not end")
	}
	return incoming, all, incomingErr, allErr
}

func pageClient(t *testing.T, url string) *procuros.Client {
	cfg := procuros.Config{BaseURL: url, Token: secret, Retry: procuros.NoRetry()}
	return newClient(t, cfg)
}

// TestPagesCursorRepeats: a server whose cursors go round in a cycle (a,
// b, a, ...) would make the loop spin; both iterators stop with an error.
func TestPagesCursorRepeats(t *testing.T) {
	var ps pageServer
	hs := ps.start(t, func(r *http.Request, n int) map[string]any {
		// New items each time, so only the cursors give it away.
		return map[string]any{"items": items(2*n, 2*n+2), "hasMore": true, "nextCursor": []string{"a", "b"}[n%2]}
	})
	_, _, incomingErr, allErr := drain(t, pageClient(t, hs.URL))
	for _, err := range []error{incomingErr, allErr} {
		assert.ErrorContains(t, err, "was served before; the server does not advance")
	}
}

// TestPagesNoWayOn: hasMore without nextCursor, and without a nextPageUrl
// on the client's server, cannot be followed: an error, not a silent end.
func TestPagesNoWayOn(t *testing.T) {
	for name, next := range map[string]any{
		"no url":      nil,
		"other host":  "https://elsewhere.example/v2/transactions?cursor=x",
		"other path":  "/v2/other?cursor=x", // made absolute below
		"not parsing": "http://[::1",
	} {
		t.Run(name, func(t *testing.T) {
			var ps pageServer
			var hs *httptest.Server
			hs = ps.start(t, func(r *http.Request, _ int) map[string]any {
				if s, ok := next.(string); ok && s[0] == '/' {
					next = hs.URL + s
				}
				return map[string]any{"items": items(1, 3), "hasMore": true, "nextCursor": nil, "nextPageUrl": next}
			})
			incoming, all, incomingErr, allErr := drain(t, pageClient(t, hs.URL))
			assert.Len(t, incoming, 2, "the page's items come before the error")
			assert.Len(t, all, 2)
			assert.ErrorContains(t, incomingErr, "procuros: list incoming transactions: hasMore without nextCursor")
			assert.ErrorContains(t, allErr, "procuros: list all transactions: hasMore without nextCursor")
		})
	}
}

// TestPagesFollowNextPageURL: without a nextCursor, a nextPageUrl on the
// client's own server is followed.
func TestPagesFollowNextPageURL(t *testing.T) {
	var ps pageServer
	var hs *httptest.Server
	hs = ps.start(t, func(r *http.Request, _ int) map[string]any {
		if r.URL.Query().Get("page") == "2" {
			return map[string]any{"items": items(3, 4), "hasMore": false}
		}
		return map[string]any{"items": items(1, 3), "hasMore": true, "nextPageUrl": hs.URL + r.URL.Path + "?page=2&per_page=2"}
	})
	_, all, _, allErr := drain(t, pageClient(t, hs.URL))
	require.NoError(t, allErr)
	assert.Equal(t, []string{txID(1), txID(2), txID(3)}, all)
	assert.Contains(t, ps.requests(), "page=2&per_page=2")
}

// TestPagesNoNewItems: a server that ignores the cursor and serves the same
// full page under ever new cursors is caught by the page bringing nothing
// new.
func TestPagesNoNewItems(t *testing.T) {
	var ps pageServer
	hs := ps.start(t, func(r *http.Request, n int) map[string]any {
		return map[string]any{"items": items(1, 3), "hasMore": true, "nextCursor": fmt.Sprintf("c%d", n)}
	})
	incoming, all, incomingErr, allErr := drain(t, pageClient(t, hs.URL))
	assert.Equal(t, []string{txID(1), txID(2)}, incoming)
	assert.Equal(t, []string{txID(1), txID(2)}, all)
	for _, err := range []error{incomingErr, allErr} {
		assert.ErrorContains(t, err, "brought no new item; the server does not advance")
	}
}

// TestIncomingOffsetCursorsWhileMarking: against offset cursors, which
// shift as transactions are marked, following cursors alone skips
// transactions; Incoming starts again without a cursor and yields every
// one exactly once.
func TestIncomingOffsetCursorsWhileMarking(t *testing.T) {
	ts := fake(t, procurostest.Options{OffsetCursors: true})
	orders := seed(t, ts, procuros.TypeOrder, "order.json", 7)
	c := newClient(t, testConfig(ts))

	var seen []string
	for tx, err := range c.Incoming(t.Context(), procuros.IncomingQuery{PerPage: 3}) {
		require.NoError(t, err)
		_, err = c.MarkProcessed(t.Context(), tx.ProcurosTransactionID, procuros.Processed())
		require.NoError(t, err)
		seen = append(seen, tx.ProcurosTransactionID)
	}
	assert.ElementsMatch(t, orders, seen)
	assert.Len(t, seen, len(orders), "none twice")
	assert.Empty(t, ts.Pending())
}

// TestIncomingOffsetCursorsSkipWithoutRestart shows what the test above
// guards against: following the offset cursors by hand while marking
// leaves transactions behind.
func TestIncomingOffsetCursorsSkipWithoutRestart(t *testing.T) {
	ts := fake(t, procurostest.Options{OffsetCursors: true})
	seed(t, ts, procuros.TypeOrder, "order.json", 7)
	c := newClient(t, testConfig(ts))
	q := procuros.IncomingQuery{PerPage: 3}
	got := 0
	for {
		page, err := c.IncomingPage(t.Context(), q)
		require.NoError(t, err)
		for _, tx := range page.Items {
			_, err := c.MarkProcessed(t.Context(), tx.ProcurosTransactionID, procuros.Processed())
			require.NoError(t, err)
			got++
		}
		if !page.HasMore {
			break
		}
		q.Cursor = page.NextCursor
	}
	assert.Less(t, got, 7)
	assert.NotEmpty(t, ts.Pending())
}

// TestIncomingWithoutMarking: a caller that marks only after the iteration
// gets every transaction once; the pass from the start finds nothing new
// and ends the iteration.
func TestIncomingWithoutMarking(t *testing.T) {
	for _, offset := range []bool{false, true} {
		ts := fake(t, procurostest.Options{OffsetCursors: offset})
		orders := seed(t, ts, procuros.TypeOrder, "order.json", 5)
		c := newClient(t, testConfig(ts))
		var seen []string
		for tx, err := range c.Incoming(t.Context(), procuros.IncomingQuery{PerPage: 2}) {
			require.NoError(t, err)
			seen = append(seen, tx.ProcurosTransactionID)
		}
		assert.Equal(t, orders, seen, "offset cursors: %v", offset)
		assert.Len(t, ts.Requests(), 4, "pages of 2, 2 and 1, and the first page again")
	}
}

// TestPerPageOutOfRange: a page size outside 1 to 100 is an error, not
// silently replaced by the client's.
func TestPerPageOutOfRange(t *testing.T) {
	ts := fake(t, procurostest.Options{})
	c := newClient(t, testConfig(ts))
	for _, n := range []int{-1, 101, 1000} {
		_, err := c.IncomingPage(t.Context(), procuros.IncomingQuery{PerPage: n})
		assert.ErrorContains(t, err, fmt.Sprintf("per page must be between 1 and 100, not %d", n))
		_, err = c.AllTransactionsPage(t.Context(), procuros.AllTransactionsQuery{PerPage: n})
		assert.ErrorContains(t, err, "per page must be between 1 and 100")
		for _, err := range c.Incoming(t.Context(), procuros.IncomingQuery{PerPage: n}) {
			assert.ErrorContains(t, err, "procuros: list incoming transactions: per page")
		}
		for _, err := range c.AllTransactions(t.Context(), procuros.AllTransactionsQuery{PerPage: n}) {
			assert.ErrorContains(t, err, "procuros: list all transactions: per page")
		}
	}
	assert.Empty(t, ts.Requests(), "nothing was sent")
}
