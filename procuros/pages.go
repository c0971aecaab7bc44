package procuros

import (
	"context"
	"fmt"
	"iter"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"
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

// listing describes a paginated list for pages.
type listing[T any] struct {
	op     string     // what is listed, for errors: "list incoming transactions"
	path   string     // below /v2
	query  url.Values // filters and per_page, without cursor
	cursor string     // of the first page; empty for the start of the list
	id     func(T) string
	// restart suits a list that shrinks as its items are handled, such as
	// the unprocessed incoming transactions: after a pass that yielded
	// anything, the list is walked again from its start, without a cursor.
	restart bool
}

// fetchPage gets one page of the list at path.
func fetchPage[T any](ctx context.Context, c *Client, op, path string, query url.Values) (Page[T], error) {
	var page Page[T]
	if err := c.call(ctx, request{op: op, method: http.MethodGet, path: path, query: query}, &page); err != nil {
		return Page[T]{}, fmt.Errorf("procuros: %s: %w", op, err)
	}
	return page, nil
}

// pages iterates over the items of every page of l, each id once. An error
// ends the iteration after being yielded.
//
// It guards against a server that would make it spin or stop early: a
// cursor (or next page URL) used twice in one pass, hasMore without a way to
// the next page, and a page that promises more but brings no new item are
// errors. In the passes after the first of a restarting list, that last case
// is the expected end instead: its items were yielded in an earlier pass and
// the caller has not marked them yet.
func pages[T any](ctx context.Context, c *Client, l listing[T]) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		w := &walk[T]{c: c, l: l, seen: map[string]bool{}, yield: yield}
		for pass := 1; ; pass++ {
			yielded, more := w.pass(ctx, pass == 1)
			if !more || !l.restart || yielded == 0 {
				return
			}
			w.l.cursor = ""
		}
	}
}

// failed is an iteration that yields err only.
func failed[T any](err error) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		yield(zero, err)
	}
}

// walk is the state of one iteration of pages.
type walk[T any] struct {
	c     *Client
	l     listing[T]
	seen  map[string]bool
	yield func(T, error) bool
}

// pass walks the list once and returns how many items it yielded and
// whether the iteration may go on (no error, and the caller wants more).
func (w *walk[T]) pass(ctx context.Context, first bool) (yielded int, more bool) {
	query := maps.Clone(w.l.query)
	if w.l.cursor != "" {
		query.Set("cursor", w.l.cursor)
	}
	used := map[string]bool{query.Encode(): true}
	for {
		page, err := fetchPage[T](ctx, w.c, w.l.op, w.l.path, query)
		if err != nil {
			return yielded, w.fail(err)
		}
		fresh, more := w.yieldNew(page.Items)
		yielded += fresh
		switch {
		case !more:
			return yielded, false
		case !page.HasMore:
			return yielded, true
		case fresh == 0 && !first:
			return yielded, true
		case fresh == 0:
			return yielded, w.fail(fmt.Errorf("procuros: %s: a page with more to come brought no new item; the server does not advance", w.l.op))
		}
		if query, err = w.next(page, query); err == nil && used[query.Encode()] {
			err = fmt.Errorf("procuros: %s: the next page %q was served before; the server does not advance", w.l.op, query.Encode())
		}
		if err != nil {
			return yielded, w.fail(err)
		}
		used[query.Encode()] = true
	}
}

// yieldNew yields the items not seen before and returns how many, and
// whether the caller wants more.
func (w *walk[T]) yieldNew(items []T) (fresh int, more bool) {
	for _, item := range items {
		id := w.l.id(item)
		if w.seen[id] {
			continue
		}
		w.seen[id] = true
		fresh++
		if !w.yield(item, nil) {
			return fresh, false
		}
	}
	return fresh, true
}

func (w *walk[T]) fail(err error) bool {
	var zero T
	w.yield(zero, err)
	return false
}

// next returns the query of the page after page: its nextCursor, or else
// the query of its nextPageUrl, which is followed only when it points at the
// same list on the client's own server.
func (w *walk[T]) next(page Page[T], query url.Values) (url.Values, error) {
	if page.NextCursor != "" {
		next := maps.Clone(query)
		next.Set("cursor", page.NextCursor)
		return next, nil
	}
	if page.NextPageURL == "" {
		return nil, fmt.Errorf("procuros: %s: hasMore without nextCursor or nextPageUrl", w.l.op)
	}
	u, err := url.Parse(page.NextPageURL)
	want := w.c.base.JoinPath("v2", w.l.path)
	wantPath := "/" + strings.TrimPrefix(want.Path, "/") // JoinPath on an empty path gives none
	if err != nil || u.Scheme != want.Scheme || !strings.EqualFold(u.Host, want.Host) || u.Path != wantPath {
		return nil, fmt.Errorf("procuros: %s: hasMore without nextCursor, and nextPageUrl %q is not %s",
			w.l.op, page.NextPageURL, want)
	}
	return u.Query(), nil
}

// pageQuery starts the query of a list request: per_page, from the query's
// own page size or the client's.
func (c *Client) pageQuery(perPage int) (url.Values, error) {
	switch {
	case perPage == 0:
		perPage = c.perPage
	case perPage < 1 || perPage > 100:
		return nil, fmt.Errorf("per page must be between 1 and 100, not %d", perPage)
	}
	q := url.Values{}
	q.Set("per_page", strconv.Itoa(perPage))
	return q, nil
}

// checkID refuses a procurosTransactionId that is not a UUID, before it
// becomes part of a path: an empty id or ".." would address another
// resource than a transaction.
func checkID(id string) error {
	if !isUUID(id) {
		return fmt.Errorf("%w: %q", ErrInvalidID, id)
	}
	return nil
}

// isUUID reports whether s has the form 8-4-4-4-12 of hexadecimal digits,
// in either case.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := range len(s) {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if s[i] != '-' {
				return false
			}
			continue
		}
		if !strings.ContainsRune("0123456789abcdefABCDEF", rune(s[i])) {
			return false
		}
	}
	return true
}
